"""MNIST with an LSTM: pytorch/examples' mnist_rnn/main.py ported to yaae, on the digits.

Each 8x8 digit is read row by row by an LSTM (batch_first); its last output goes through
BatchNorm1d, dropout and two Linear layers, trained with Adadelta and StepLR.  Prints the
training loss and the test accuracy after each epoch.  Run: ``python examples/mnist_rnn/main.py``.
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
        self.rnn = nn.LSTM(input_size=8, hidden_size=64, batch_first=True)  # data: rows of 8 pixels (28 in MNIST)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 8, 8)
        # converting shape of input to (batch_size, 8, 8)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 8, 8)  # data: 8x8 digits (28x28 in MNIST)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
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


def test(args, model, device, test_loader):
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
            if args.dry_run:
                break

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


def main(argv=None, init=None, steps=None):
    """Train and test; return the training losses.  `init(module)`, if given, is called on
    the model once it is built (the test sets the initial weights with it); `steps` stops
    training after that many batches."""
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example using RNN')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=0.1, metavar='LR',
                        help='learning rate (default: 0.1)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='learning rate step gamma (default: 0.7)')
    parser.add_argument('--dry-run', action='store_true',
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true',
                        help='for Saving the current Model')
    args = parser.parse_args(argv)
    args.steps = steps

    device = "cpu"

    device = ya.device(device)

    ya.manual_seed(args.seed)

    digits = load_digits()  # data: scikit-learn's 8x8 digits, shuffled once, normalised as MNIST
    order = np.random.default_rng(args.seed).permutation(len(digits.target))  # data
    X = ((digits.images[order, None] / 16.0 - 0.1307) / 0.3081)  # data
    X, y = ya.tensor(X, dtype=ya.get_default_dtype()), ya.tensor(digits.target[order])  # data
    train_loader = ya.data.DataLoader(  # data
        ya.data.TensorDataset(X[:1500], y[:1500]),  # data
        batch_size=args.batch_size, shuffle=False)  # data: shuffled once above
    test_loader = ya.data.DataLoader(  # data
        ya.data.TensorDataset(X[1500:], y[1500:]),  # data
        batch_size=args.test_batch_size, shuffle=False)  # data

    model = Net().to(device)
    if init is not None:
        init(model)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    losses = []
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, losses)
        test(args, model, device, test_loader)
        scheduler.step()
        if len(losses) == args.steps:
            break

    if args.save_model:
        ya.save(model.state_dict(), "mnist_rnn.pt")
    return losses


if __name__ == '__main__':
    main()
