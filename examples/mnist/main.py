"""The MNIST CNN: pytorch/examples' mnist/main.py ported to yaae, on scikit-learn's digits.

Two convolutions, max-pooling, dropout and two Linear layers trained with Adadelta and a
StepLR schedule on the 8x8 digits (1500 to train, 297 to test), printing the training loss
and the test accuracy after each epoch.  Run: ``python examples/mnist/main.py``.
"""
from __future__ import print_function
import argparse
import numpy as np
import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F
import yaae.optim as optim
from sklearn.datasets import load_digits
from yaae.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(256, 128)  # data: 64 x 2 x 2 features from 8x8 digits (9216 from MNIST)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch, losses):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break
        if len(losses) == args.steps:
            break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with ya.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


def main(argv=None, init=None, steps=None):
    """Train and test; return the training losses.  `init(module)`, if given, is called on
    the model once it is built (the test sets the initial weights with it); `steps` stops
    training after that many batches."""
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='Learning rate step gamma (default: 0.7)')
    parser.add_argument('--dry-run', action='store_true', default=False,
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true', default=False,
                        help='For Saving the current Model')
    args = parser.parse_args(argv)
    args.steps = steps

    ya.manual_seed(args.seed)

    device = ya.device("cpu")

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}

    digits = load_digits()  # data: scikit-learn's 8x8 digits, shuffled once, normalised as MNIST
    order = np.random.default_rng(args.seed).permutation(len(digits.target))  # data
    X = ((digits.images[order, None] / 16.0 - 0.1307) / 0.3081)  # data
    X, y = ya.tensor(X, dtype=ya.get_default_dtype()), ya.tensor(digits.target[order])  # data
    dataset1 = ya.data.TensorDataset(X[:1500], y[:1500])  # data
    dataset2 = ya.data.TensorDataset(X[1500:], y[1500:])  # data
    train_loader = ya.data.DataLoader(dataset1,**train_kwargs)
    test_loader = ya.data.DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    if init is not None:
        init(model)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    losses = []
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, losses)
        test(model, device, test_loader)
        scheduler.step()
        if len(losses) == args.steps:
            break

    if args.save_model:
        ya.save(model.state_dict(), "mnist_cnn.pt")
    return losses


if __name__ == '__main__':
    main()
