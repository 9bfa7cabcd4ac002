"""Time-sequence prediction: pytorch/examples' time_sequence_prediction ported to yaae.

Two stacked LSTMCells and a Linear layer learn sine waves (generate_sine_wave.py's
synthetic data, made in memory and 60 points long) with LBFGS in float64, print the loss
of every closure call and the test loss, and draw the predicted continuation of three test
waves to predictN.pdf.  Run: ``python examples/time_sequence_prediction/main.py``.
"""
from __future__ import print_function
import argparse
import yaae as ya
import yaae.nn as nn
import yaae.optim as optim
import numpy as np
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt

class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)
        self.dummy_param = nn.Parameter(ya.empty(0))

    def forward(self, input, future = 0):
        outputs = []
        device = self.dummy_param.device
        h_t = ya.zeros(input.size(0), 51, dtype=ya.double).to(device)
        c_t = ya.zeros(input.size(0), 51, dtype=ya.double).to(device)
        h_t2 = ya.zeros(input.size(0), 51, dtype=ya.double).to(device)
        c_t2 = ya.zeros(input.size(0), 51, dtype=ya.double).to(device)

        for input_t in ya.split(input, 1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):# if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = ya.cat(outputs, dim=1)
        return outputs


def main(argv=None, init=None, steps=None):
    """Train with LBFGS; return the loss of every closure call.  `init(module)`, if given, is
    called on the model once it is built (the test sets the initial weights with it);
    `steps` stops after the optimizer step that reaches that many losses."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=3, help='steps to run')  # shortened: 15 in the original
    parser.add_argument('--device', type=str, default='cpu', help='training device. cpu only.')
    opt = parser.parse_args(argv)
    # training device
    device_name = opt.device
    device = ya.device(device_name)
    # set random seed to 0
    np.random.seed(0)
    ya.manual_seed(0)
    # load data and make training set
    np.random.seed(2)  # data: generate_sine_wave.py in memory, with L = 60 (1000 there)
    T, L, N = 20, 60, 100  # data
    x = np.empty((N, L), 'int64')  # data
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)  # data
    data = ya.from_numpy(np.sin(x / 1.0 / T).astype('float64')).to(device)  # data
    input = data[3:, :-1]
    target = data[3:, 1:]
    test_input = data[:3, :-1]
    test_target = data[:3, 1:]
    # build the model
    seq = Sequence().to(device).double()
    if init is not None:
        init(seq)
    criterion = nn.MSELoss().to(device)
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    losses = []
    #begin to train
    for i in range(opt.steps):
        print('STEP: ', i)
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            losses.append(loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        if steps is not None and len(losses) >= steps:
            break
        # begin to predict, no need to track gradient here
        with ya.no_grad():
            future = 60  # shortened: 1000 in the original
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            y = pred.cpu().detach().numpy()
        # draw the result
        plt.figure(figsize=(30,10))
        plt.title('Predict future values for time sequences\n(Dashlines are predicted values)', fontsize=30)
        plt.xlabel('x', fontsize=20)
        plt.ylabel('y', fontsize=20)
        plt.xticks(fontsize=20)
        plt.yticks(fontsize=20)
        def draw(yi, color):
            plt.plot(np.arange(input.size(1)), yi[:input.size(1)], color, linewidth = 2.0)
            plt.plot(np.arange(input.size(1), input.size(1) + future), yi[input.size(1):], color + ':', linewidth = 2.0)
        draw(y[0], 'r')
        draw(y[1], 'g')
        draw(y[2], 'b')
        plt.savefig('predict%d.pdf'%i)
        plt.close()
    return losses


if __name__ == '__main__':
    main()
