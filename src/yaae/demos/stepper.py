"""The sweeps, step by step: ``yaae demo stepper``.

Writes three self-contained HTML pages (``ya.viz.stepper``) that play the
forward sweeps (one per input) and the reverse sweep (one per output) node
by node, with each local rule and its numbers:

* ``stepper_example1.html``: the write-ups' first example,
  w1 = 2, w2 = 3, w5 = w1·w2 + sin w1;
* ``stepper_example2.html``: the second, y = exp(2·x1) + x1·x2² + cos x2 at (1, 2);
* ``stepper_mlp.html``: the mean squared error of a 2-layer MLP (2-4-1, tanh)
  on 8 points, as a function of its weights and biases.

Metrics: each example's gradient, and the largest difference between the
gradients the pages show and ``ya.grad``'s.
"""
import os

import numpy as np

from ._common import output


def example1(w1, w2):
    """w5 = w1·w2 + sin(w1)."""
    import yaae as ya
    return w1 * w2 + ya.sin(w1)


def example2(x1, x2):
    """y = exp(2·x1) + x1·x2² + cos(x2)."""
    import yaae as ya
    return ya.exp(2 * x1) + x1 * x2 ** 2 + ya.cos(x2)


def mlp_problem(seed=0):
    """(loss(W1, b1, W2, b2), params): a 2-4-1 tanh MLP's MSE on 8 random points."""
    import yaae as ya
    F = ya.nn.functional
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (8, 2))
    y = np.sin(2 * X[:, :1]) * X[:, 1:]

    def loss(W1, b1, W2, b2):
        h = ya.tanh(F.linear(ya.tensor(X), W1, b1))
        return F.mse_loss(F.linear(h, W2, b2), ya.tensor(y))
    params = (rng.standard_normal((4, 2)) * 0.8, np.zeros(4),
              rng.standard_normal((1, 4)) * 0.5, np.zeros(1))
    return loss, params


def _page(out, name, f, args, title):
    import yaae as ya
    path = os.path.join(out, name)
    with output(path) as tmp:
        ya.viz.stepper(f, *args, path=tmp, title=title)
    rec = ya.viz.record(f, *args, modes=("rev",))
    shown = {s["node"]: np.asarray(s["data"]) for s in rec["sweeps"][0]["steps"]}
    grads = ya.grad(f, argnums=tuple(range(len(args))))(*args)
    err = max(float(np.max(np.abs(shown[k] - np.asarray(g)))) for k, g in enumerate(grads))
    return [np.asarray(g) for g in grads], err


def run(out, seed=0, epochs=None, quiet=False):
    """Write the three pages into ``out``; returns the metrics (``epochs`` unused)."""
    loss, params = mlp_problem(seed)
    g1, e1 = _page(out, "stepper_example1.html", example1, (2.0, 3.0),
                   "w5 = w1·w2 + sin(w1) at w1 = 2, w2 = 3")
    g2, e2 = _page(out, "stepper_example2.html", example2, (1.0, 2.0),
                   "y = exp(2·x1) + x1·x2² + cos(x2) at (1, 2)")
    _, e3 = _page(out, "stepper_mlp.html", loss, params,
                  "the loss of a 2-layer MLP (2-4-1, tanh) as a function of its parameters")
    if not quiet:
        print(f"stepper: wrote stepper_example1.html, stepper_example2.html and "
              f"stepper_mlp.html in {out} (open them in a browser)")
    return {"example1_dw5_dw1": float(g1[0]), "example1_dw5_dw2": float(g1[1]),
            "example2_dy_dx1": float(g2[0]), "example2_dy_dx2": float(g2[1]),
            "max_abs_diff_vs_grad": max(e1, e2, e3)}
