#!/usr/bin/env python
"""Polynomial regression: pytorch/examples' regression/main.py ported to yaae.

Fits y = w . [x, x^2, x^3, x^4] + b with one Linear layer, the Smooth L1 loss and plain
gradient steps on random synthetic batches until the loss is below 1e-3, then prints the
learned and the true polynomial.  Run: ``python examples/regression/main.py``.
"""
from __future__ import print_function
from itertools import count

import yaae as ya
import yaae.nn.functional as F

POLY_DEGREE = 4
W_target = ya.randn(POLY_DEGREE, 1) * 5
b_target = ya.randn(1) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return ya.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)


def f(x):
    """Approximated function."""
    return x @ W_target + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = 'y = '
    for i, w in enumerate(W):
        result += '{:+.2f} x^{} '.format(w, i + 1)
    result += '{:+.2f}'.format(b[0])
    return result


def get_batch(batch_size=32):
    """Builds a batch i.e. (x, f(x)) pair."""
    random = ya.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


def main(argv=None, init=None, steps=None):
    """Train until the loss is below 1e-3 (or for `steps` batches); return the losses.

    `init(module)`, if given, is called on the model after it is built (the test sets
    its initial weights with it).
    """
    losses = []
    # Define model
    fc = ya.nn.Linear(W_target.size(0), 1)
    if init is not None:
        init(fc)

    for batch_idx in count(1):
        # Get data
        batch_x, batch_y = get_batch()

        # Reset gradients
        fc.zero_grad()

        # Forward pass
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        losses.append(loss)

        # Backward pass
        output.backward()

        # Apply gradients
        for param in fc.parameters():
            param.data += -0.1 * param.grad.data

        # Stop criterion
        if loss < 1e-3 or batch_idx == steps:
            break

    print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
    print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
    print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))
    return losses


if __name__ == '__main__':
    main()
