"""Variational autoencoder: pytorch/examples' vae/main.py ported to yaae, on the digits.

A 64-400-20 encoder and a 20-400-64 decoder trained with Adam on the reconstruction
(binary cross entropy with the continuous-Bernoulli normalising constant) plus the KL
divergence, on scikit-learn's 8x8 digits scaled to [0, 1].  Prints the training and test
losses per epoch.  Run: ``python examples/vae/main.py``.
"""
from __future__ import print_function
import argparse
import numpy as np
import yaae as ya
import yaae.data
from yaae import nn, optim
from yaae.nn import functional as F
from sklearn.datasets import load_digits


parser = argparse.ArgumentParser(description='VAE MNIST Example')
parser.add_argument('--batch-size', type=int, default=128, metavar='N',
                    help='input batch size for training (default: 128)')
parser.add_argument('--epochs', type=int, default=10, metavar='N',
                    help='number of epochs to train (default: 10)')
parser.add_argument('--seed', type=int, default=1, metavar='S',
                    help='random seed (default: 1)')
parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                    help='how many batches to wait before logging training status')


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()

        self.fc1 = nn.Linear(64, 400)  # data: 8x8 digits (784 pixels in MNIST)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 64)  # data

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = ya.exp(0.5*logvar)
        eps = ya.randn_like(std)
        return mu + eps*std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        # clamp to avoid numerical issues with the continuous Bernoulli log normalizing constant
        return ya.clamp(ya.sigmoid(self.fc4(h3)), min=1e-4, max=1.0 - 1e-4)

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))  # data
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def atanh(x):
    # inverse hyperbolic tangent, used to compute the log normalizing constant of the continuous Bernoulli
    return 0.5 * (ya.log(1.0 + x) - ya.log(1.0 - x))

def cont_bern_log_norm(lam, l_lim=0.49, u_lim=0.51):
    # computes the log normalizing constant of a continuous Bernoulli distribution in a numerically stable way.
    # returns the log normalizing constant for lam in (0, l_lim) U (u_lim, 1) and a Taylor approximation in
    # [l_lim, u_lim].
    cut_lam = ya.where(ya.maximum(ya.less_equal(lam, l_lim), ya.greater(lam, u_lim)), lam, l_lim * ya.ones_like(lam))
    log_norm = ya.log(ya.abs(2.0 * atanh(1 - 2.0 * cut_lam))) - ya.log(ya.abs(1 - 2.0 * cut_lam))
    taylor = ya.log(ya.tensor(2.0)) + 4.0 / 3.0 * ya.power(lam - 0.5, 2) + 104.0 / 45.0 * ya.power(lam - 0.5, 4)
    return ya.where(ya.maximum(ya.less_equal(lam, l_lim), ya.greater(lam, u_lim)), log_norm, taylor)

# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')  # data

    # this term correctly accounts for using a binary cross entropy reconstruction term when the data is not binarized:
    # Loaiza-Ganem and Cunningham. The continuous Bernoulli: fixing a pervasive error in variational autoencoders.
    # NeurIPS, 2019
    # https://arxiv.org/abs/1907.06845
    NLNC = -ya.sum(cont_bern_log_norm(recon_x)) # negative log normalizing constant

    # see Appendix B from VAE paper:
    # Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    # https://arxiv.org/abs/1312.6114
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)
    KLD = -0.5 * ya.sum(1 + logvar - mu.pow(2) - logvar.exp())

    return BCE + NLNC + KLD


def train(epoch, losses):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                       100. * batch_idx / len(train_loader),
                       loss.item() / len(data)))
        if len(losses) == args.steps:
            break

    print('====> Epoch: {} Average loss: {:.4f}'.format(
          epoch, train_loss / len(train_loader.dataset)))


def test(epoch):
    model.eval()
    test_loss = 0
    with ya.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()

    test_loss /= len(test_loader.dataset)
    print('====> Test set loss: {:.4f}'.format(test_loss))


def main(argv=None, init=None, steps=None):
    """Train and test; return the training losses.  `init(module)`, if given, is called on
    the model once it is built (the test sets the initial weights with it); `steps` stops
    training after that many batches."""
    global args, device, train_loader, test_loader, model, optimizer
    args = parser.parse_args(argv)
    args.steps = steps

    ya.manual_seed(args.seed)

    device = ya.device("cpu")

    digits = load_digits()  # data: scikit-learn's 8x8 digits in [0, 1], shuffled once
    X = ya.tensor(digits.images[np.random.default_rng(args.seed).permutation(1797), None] / 16.0, dtype=ya.get_default_dtype())  # data
    train_loader = ya.data.DataLoader(  # data
        ya.data.TensorDataset(X[:1500], X[:1500]),  # data
        batch_size=args.batch_size, shuffle=False)  # data: shuffled once above
    test_loader = ya.data.DataLoader(  # data
        ya.data.TensorDataset(X[1500:], X[1500:]),  # data
        batch_size=args.batch_size, shuffle=False)  # data

    model = VAE().to(device)
    if init is not None:
        init(model)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    losses = []
    for epoch in range(1, args.epochs + 1):
        train(epoch, losses)
        test(epoch)
        with ya.no_grad():
            sample = ya.randn(64, 20).to(device)
            sample = model.decode(sample).cpu()
            print('====> Sample mean: {:.4f}'.format(sample.mean().item()))
        if len(losses) == args.steps:
            break
    return losses


if __name__ == "__main__":
    main()
