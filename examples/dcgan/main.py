"""DCGAN: pytorch/examples' dcgan/main.py ported to yaae, on the digits scaled up to 64x64.

The DCGAN generator (ConvTranspose2d, BatchNorm2d, ReLU, Tanh) and discriminator (Conv2d,
BatchNorm2d, LeakyReLU, Sigmoid) with the paper's N(0, 0.02) initialisation, trained with
Adam and BCELoss; prints both losses, D(x) and D(G(z)) at every iteration and writes the
checkpoints to --outf.  The widths are cut (--ngf 8 --ndf 8 --nz 16) to run in seconds.
Run: ``python examples/dcgan/main.py``.
"""
from __future__ import print_function
import argparse
import os
import random
import numpy as np
import yaae as ya
import yaae.nn as nn
import yaae.optim as optim
import yaae.data
from sklearn.datasets import load_digits


parser = argparse.ArgumentParser()
parser.add_argument('--dataset', default='digits', help='digits (scikit-learn\'s 8x8 digits scaled up)')  # data
parser.add_argument('--batchSize', type=int, default=64, help='input batch size')
parser.add_argument('--imageSize', type=int, default=64, help='the height / width of the input image to network')
parser.add_argument('--nz', type=int, default=16, help='size of the latent z vector')  # shortened: 100 in the original
parser.add_argument('--ngf', type=int, default=8)  # shortened: 64 in the original
parser.add_argument('--ndf', type=int, default=8)  # shortened: 64 in the original
parser.add_argument('--niter', type=int, default=1, help='number of epochs to train for')  # shortened: 25 in the original
parser.add_argument('--lr', type=float, default=0.0002, help='learning rate, default=0.0002')
parser.add_argument('--beta1', type=float, default=0.5, help='beta1 for adam. default=0.5')
parser.add_argument('--dry-run', action='store_true', help='check a single training cycle works')
parser.add_argument('--ngpu', type=int, default=1, help='number of GPUs to use')
parser.add_argument('--netG', default='', help="path to netG (to continue training)")
parser.add_argument('--netD', default='', help="path to netD (to continue training)")
parser.add_argument('--outf', default='.', help='folder to output images and model checkpoints')
parser.add_argument('--manualSeed', type=int, help='manual seed')


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        ya.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        ya.nn.init.normal_(m.weight, 1.0, 0.02)
        ya.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(     nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2,     ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(    ngf,      nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 64 x 64
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)

        return output.view(-1, 1).squeeze(1)


def main(argv=None, init=None, steps=None):
    """Train; return the losses (errD, errG, errD, ...).  `init(module)`, if given, is
    called on netG and on netD once they are built (the test sets the initial weights with
    it); `steps` stops training after that many iterations."""
    global nc, nz, ngf, ndf
    opt = parser.parse_args(argv)
    print(opt)

    try:
        os.makedirs(opt.outf)
    except OSError:
        pass

    if opt.manualSeed is None:
        opt.manualSeed = random.randint(1, 10000)
    print("Random Seed: ", opt.manualSeed)
    random.seed(opt.manualSeed)
    ya.manual_seed(opt.manualSeed)

    images = load_digits().images[np.random.default_rng(opt.manualSeed).permutation(1797)]  # data: shuffled once
    images = np.kron(images[:, None] / 16.0, np.ones((opt.imageSize // 8, opt.imageSize // 8)))  # data: 8x8 -> 64x64
    dataset = ya.data.TensorDataset(ya.tensor((images - 0.5) / 0.5, dtype=ya.get_default_dtype()))  # data
    nc=1

    assert dataset
    dataloader = ya.data.DataLoader(dataset, batch_size=opt.batchSize,
                                             shuffle=False)  # data: shuffled once above
    device = ya.device("cpu")

    ngpu = int(opt.ngpu)
    nz = int(opt.nz)
    ngf = int(opt.ngf)
    ndf = int(opt.ndf)

    netG = Generator(ngpu).to(device)
    netG.apply(weights_init)
    if opt.netG != '':
        netG.load_state_dict(ya.load(opt.netG))
    if init is not None:
        init(netG)
    print(netG)

    netD = Discriminator(ngpu).to(device)
    netD.apply(weights_init)
    if opt.netD != '':
        netD.load_state_dict(ya.load(opt.netD))
    if init is not None:
        init(netD)
    print(netD)

    criterion = nn.BCELoss()

    fixed_noise = ya.randn(opt.batchSize, nz, 1, 1, device=device)
    real_label = 1
    fake_label = 0

    # setup optimizer
    optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

    if opt.dry_run:
        opt.niter = 1

    losses = []
    for epoch in range(opt.niter):
        for i, data in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = ya.full((batch_size,), real_label,
                               dtype=real_cpu.dtype, device=device)

            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            # train with fake
            noise = ya.randn(batch_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                  % (epoch, opt.niter, i, len(dataloader),
                     errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
            losses += [errD.item(), errG.item()]
            if i % 100 == 0:
                fake = netG(fixed_noise)

            if opt.dry_run or len(losses) == steps:
                break
        # do checkpointing
        ya.save(netG.state_dict(), '%s/netG_epoch_%d.pth' % (opt.outf, epoch))
        ya.save(netD.state_dict(), '%s/netD_epoch_%d.pth' % (opt.outf, epoch))
        if len(losses) == steps:
            break
    return losses


if __name__ == '__main__':
    main()
