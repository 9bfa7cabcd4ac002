"""Binary classification with an MLP: ``yaae demo classification [--data NAME]``.

The Yaae write-up's demo: 400 points of scikit-learn's ``make_circles``
(``noise=0.05, factor=0.7``), or with ``--data moons`` ``make_moons`` (400
points, ``noise=0.1``), or with ``--data spirals`` two interleaved spiral arms
(400 points, generated here).  An MLP 2-16-16-1 with Tanh activations outputs a
logit; it is trained full batch with Adam on
``F.binary_cross_entropy_with_logits``.

Writes into ``--out``:

* ``decision_boundary.gif``: the predicted probability over the plane (and the
  0.5 contour) as training proceeds, the points on top (~30 frames, denser
  early on where the boundary moves most);
* ``decision_boundary.png``: the final decision boundary;
* ``loss.png``: the training loss (log scale) and accuracy per epoch.

Returns ``{"accuracy": final training accuracy, "loss": final training loss}``.

Default epochs: 300 (circles), 300 (moons), 800 (spirals); full-batch Adam with
learning rate 0.03.  Smallest epochs that keep the final training accuracy
>= 0.99 for every seed 0..19 (checked): 50 on circles, 100 on moons, 400 on
spirals (``MIN_EPOCHS``; at 40 / 80 / 300 one seed in twenty falls short).  The
defaults reach 1.0 for all those seeds; the tests run the minimum plus a margin.
"""
import os

import numpy as np

from ._common import (Blitter, DemoError, Progress, frame_epochs, need, one_blas_thread, plt,
                      save_gif, savefig)

DATASETS = ("circles", "moons", "spirals")
DEFAULT_EPOCHS = {"circles": 300, "moons": 300, "spirals": 800}
# the fewest epochs with final accuracy >= 0.99 for all seeds 0..19 (see the docstring)
MIN_EPOCHS = {"circles": 50, "moons": 100, "spirals": 400}
N_SAMPLES = 400
LR = 0.03
N_FRAMES = 30


def two_spirals(n, rng, noise=0.04):
    """``n`` points on two interleaved spiral arms (1.5 turns each), labels 0/1."""
    m = n // 2
    sizes = (m, n - m)
    X, y = [], []
    for label, size in enumerate(sizes):
        t = np.sqrt(rng.uniform(0.0, 1.0, size))          # about uniform along the arm
        theta = 0.3 + t * 3.0 * np.pi
        r = 0.1 + 0.9 * t
        phase = label * np.pi
        pts = np.stack([r * np.cos(theta + phase), r * np.sin(theta + phase)], axis=1)
        X.append(pts + rng.normal(0.0, noise, pts.shape))
        y.append(np.full(size, label))
    return np.concatenate(X), np.concatenate(y)


def make_data(name, seed):
    """(X, y) of data set ``name`` as float64 (N, 2) and int (N,) arrays."""
    if name in ("circles", "moons"):
        need("sklearn")
        from sklearn.datasets import make_circles, make_moons
    if name == "circles":
        X, y = make_circles(N_SAMPLES, noise=0.05, factor=0.7, random_state=seed)
    elif name == "moons":
        X, y = make_moons(N_SAMPLES, noise=0.1, random_state=seed)
    elif name == "spirals":
        X, y = two_spirals(N_SAMPLES, np.random.default_rng(seed))
    else:
        raise DemoError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    return X.astype(np.float64), y.astype(int)


def make_model():
    from .. import nn
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(),
                         nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 1))


def _grid(X, steps=120):
    lo, hi = X.min(0), X.max(0)
    pad = 0.15 * (hi - lo)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], steps)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], steps)
    xx, yy = np.meshgrid(gx, gy)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], axis=1)


def _probabilities(model, points):
    import yaae as ya
    with ya.no_grad():
        logits = model(ya.tensor(points)).data[:, 0]
    return 1.0 / (1.0 + np.exp(-logits))


class _Board:
    """One figure for every frame: the probability image, the 0.5 contour, the
    points and the title are blitted over a background of axes, ticks and
    colorbar drawn once."""

    def __init__(self, pyplot, X, y, xx, yy, dpi=80):
        self.xx, self.yy = xx, yy
        self.fig, self.ax = pyplot.subplots(figsize=(5.8, 5.4), dpi=dpi)
        ax = self.ax
        extent = (xx.min(), xx.max(), yy.min(), yy.max())
        self.im = ax.imshow(np.full(xx.shape, 0.5), extent=extent, origin="lower",
                            cmap="RdBu_r", vmin=0.0, vmax=1.0, alpha=0.75,
                            interpolation="bilinear", aspect="auto")
        self.points = []
        for label, color in ((0, "tab:blue"), (1, "tab:red")):
            sel = y == label
            self.points.append(ax.scatter(X[sel, 0], X[sel, 1], s=14, c=color, edgecolors="k",
                                          linewidths=0.4, label=f"class {label}", zorder=3))
        ax.plot([], [], color="k", linewidth=1.5, label="boundary (p = 0.5)")
        cb = self.fig.colorbar(self.im, ax=ax)
        cb.set_label("predicted P(class 1)")
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        self.legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3,
                                fontsize=9, frameon=False)
        self.title = ax.set_title("untrained\nloss")
        self.fig.tight_layout()
        self.contour = None
        self.blitter = Blitter(self.fig, self._dynamic)

    def _dynamic(self):
        return ([self.im] + ([self.contour] if self.contour is not None else []) + self.points
                + list(self.ax.spines.values()) + [self.title])

    def show(self, prob, title):
        self.im.set_data(prob)
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if prob.min() < 0.5 < prob.max():
            self.contour = self.ax.contour(self.xx, self.yy, prob, levels=[0.5], colors="k",
                                           linewidths=1.5, zorder=2)
        self.title.set_text(title)

    def image(self):
        """The figure as it is now, as a PIL image (blitted)."""
        return self.blitter.image()

    def save(self, path, dpi=100):
        self.blitter.finish()
        savefig(self.fig, path, dpi=dpi)


def run(out, seed=0, epochs=None, quiet=False, data=None, **options):
    """Train the MLP on ``data`` (circles, moons or spirals), write the figures
    into ``out`` and return ``{"accuracy", "loss"}``."""
    if options:
        raise DemoError(f"classification: unknown options {', '.join(sorted(options))}")
    name = data or "circles"
    if name not in DATASETS:
        raise DemoError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
    epochs = DEFAULT_EPOCHS[name] if epochs is None else int(epochs)
    if epochs < 1:
        raise DemoError(f"epochs must be at least 1, got {epochs}")
    pyplot = plt()
    import yaae as ya
    import yaae.nn.functional as F

    X, y = make_data(name, seed)
    ya.manual_seed(seed)
    model = make_model()
    opt = ya.optim.Adam(model.parameters(), lr=LR)
    xt = ya.tensor(X)
    target = ya.tensor(y[:, None].astype(np.float64))
    xx, yy, grid = _grid(X)
    snap = set(frame_epochs(epochs))

    board = _Board(pyplot, X, y, xx, yy, dpi=80)
    frames, losses, accs = [], [], []

    def frame(epoch, loss, acc):
        prob = _probabilities(model, grid).reshape(xx.shape)
        text = "untrained" if loss is None else f"loss {loss:.3g}, accuracy {acc:.3f}"
        board.show(prob, f"{name}: MLP 2-16-16-1 after {epoch} epochs\n{text}")
        frames.append(board.image())

    progress = Progress(epochs, f"classification ({name})", quiet)
    with one_blas_thread():
        if 0 in snap:
            frame(0, None, None)
        for epoch in range(1, epochs + 1):
            opt.zero_grad()
            logits = model(xt)
            loss = F.binary_cross_entropy_with_logits(logits, target)
            loss.backward()
            opt.step()
            lv = float(loss.item())
            acc = float(np.mean((logits.data[:, 0] > 0) == (y == 1)))   # before this step
            losses.append(lv)
            accs.append(acc)
            progress.update(loss=lv, acc=acc)
            if epoch in snap and epoch != epochs:
                frame(epoch, lv, acc)
        progress.close()
        with ya.no_grad():
            logits = model(xt)
            final_loss = float(F.binary_cross_entropy_with_logits(logits, target).item())
        accuracy = float(np.mean((logits.data[:, 0] > 0) == (y == 1)))
        frame(epochs, final_loss, accuracy)
    board.show(_probabilities(model, grid).reshape(xx.shape), f"{name}: decision boundary after {epochs} epochs\n"
               f"loss {final_loss:.3g}, training accuracy {accuracy:.3f}")
    board.save(os.path.join(out, "decision_boundary.png"))
    pyplot.close(board.fig)
    save_gif(frames, os.path.join(out, "decision_boundary.gif"), duration=150)

    fig, (ax1, ax2) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=100)
    ep = np.arange(1, epochs + 1)
    ax1.semilogy(ep, losses, color="tab:purple", label="binary cross-entropy")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss (log scale)")
    ax1.set_title(f"{name}: training loss (Adam, lr {LR}, full batch)")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend()
    ax2.plot(ep, accs, color="tab:green", label="training accuracy")
    ax2.axhline(0.99, color="gray", linestyle="--", linewidth=1, label="0.99")
    ax2.set_ylim(min(0.4, min(accs)) - 0.02, 1.02)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.set_title(f"{name}: training accuracy (final {accuracy:.3f})")
    ax2.grid(True, alpha=0.3)
    ax2.legend(loc="lower right")
    fig.tight_layout()
    savefig(fig, os.path.join(out, "loss.png"))
    pyplot.close(fig)

    return {"accuracy": accuracy, "loss": final_loss}
