"""A CNN on scikit-learn's 8x8 digits: ``yaae demo digits``.

The 1797 digits of ``sklearn.datasets.load_digits`` are split 75/25 with
``train_test_split(test_size=0.25, random_state=0, stratify=y)`` (the same
split for every seed, so accuracies are comparable; the seed sets the
initialisation and the shuffling) and standardised per pixel with the
training statistics.  The network::

    Conv2d(1, 16, 3, padding=1) - BatchNorm2d - ReLU - MaxPool2d(2)     16 x 4 x 4
    Conv2d(16, 32, 3, padding=1) - BatchNorm2d - ReLU - MaxPool2d(2)    32 x 2 x 2
    Flatten - Linear(128, 64) - ReLU - Linear(64, 10)

is trained in float32 with ``F.cross_entropy``, Adam (learning rate 3e-3,
annealed to 0 by ``CosineAnnealingLR`` over the run) and mini-batches of 32
from a shuffled ``DataLoader``.

Writes into ``--out``:

* ``confusion_matrix.png``: the test-set confusion matrix (counts), computed
  with NumPy;
* ``misclassified.png``: every misclassified test digit with its true and
  predicted labels (a note saying so when there are none);
* ``training_curves.png``: the training loss and the train/test accuracy
  after each epoch.

Returns ``{"test_accuracy", "train_accuracy", "train_loss" (mean loss of the
last epoch), "misclassified" (test digits), "epochs"}``.

Default epochs: 12 (about 5-10 s on 2 CPU cores): test accuracy 0.984-0.996
for seeds 0..9 (0.989, 0.987, 0.996, 0.993, 0.984 for seeds 0..4).  The
fewest epochs that keep test accuracy >= 0.98 for every seed 0..4 is 4
(``MIN_EPOCHS``: 0.982-0.987; at 3, 0.973-0.984; the cosine schedule is
stretched to the epochs asked for, and at 5 or 6 epochs two seeds sit at
exactly 0.980); the tests run ``MIN_EPOCHS``.
"""
import numpy as np

from ._common import DemoError, Progress, need, one_blas_thread, plt, savefig

DEFAULT_EPOCHS = 12
MIN_EPOCHS = 4          # the fewest epochs with test accuracy >= 0.98 for seeds 0..4
BATCH_SIZE = 32
LR = 3e-3


def load_split():
    """The digits as float32 images (N, 1, 8, 8), standardised with the training
    statistics, the labels, and the raw test pixels (0..16) for display."""
    need("sklearn")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    X = d.data.astype(np.float32)
    y = d.target.astype(np.int64)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0) + 1.0
    std = lambda a: ((a - mu) / sd).astype(np.float32).reshape(-1, 1, 8, 8)  # noqa: E731
    return std(Xtr), std(Xte), ytr, yte, Xte.reshape(-1, 8, 8)


def make_model():
    import yaae.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10),
    ).to(np.float32)


def predict(model, X, batch=512):
    import yaae as ya
    model.eval()
    with ya.no_grad():
        out = [np.argmax(model(ya.Tensor(X[i:i + batch])).data, axis=1)
               for i in range(0, len(X), batch)]
    return np.concatenate(out)


def confusion(y_true, y_pred, k=10):
    """Counts: row = true class, column = predicted class."""
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def run(out, seed=0, epochs=None, quiet=False, **options):
    if options:
        raise DemoError(f"the digits demo takes no options {sorted(options)}")
    import os
    import yaae as ya
    import yaae.nn.functional as F
    from yaae.data import DataLoader, TensorDataset

    epochs = DEFAULT_EPOCHS if epochs is None else int(epochs)
    if epochs < 1:
        raise DemoError(f"epochs must be at least 1, got {epochs}")
    pyplot = plt()
    Xtr, Xte, ytr, yte, raw_te = load_split()

    ya.manual_seed(seed)
    model = make_model()
    opt = ya.optim.Adam(model.parameters(), lr=LR)
    sched = ya.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loader = DataLoader(TensorDataset(ya.Tensor(Xtr), ytr), batch_size=BATCH_SIZE,
                        shuffle=True)
    hist = {"loss": [], "train_acc": [], "test_acc": []}
    bar = Progress(epochs * len(loader), "digits CNN", quiet)
    with one_blas_thread():
        for _ in range(epochs):
            model.train()
            total, n = 0.0, 0
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                total += float(loss.item()) * len(yb)
                n += len(yb)
                bar.update(loss=total / n)
            sched.step()
            hist["loss"].append(total / n)
            hist["train_acc"].append(float(np.mean(predict(model, Xtr) == ytr)))
            hist["test_acc"].append(float(np.mean(predict(model, Xte) == yte)))
    bar.close()

    pred = predict(model, Xte)
    acc = float(np.mean(pred == yte))
    cm = confusion(yte, pred)
    wrong = np.flatnonzero(pred != yte)

    _plot_confusion(pyplot, cm, acc, os.path.join(out, "confusion_matrix.png"))
    _plot_misclassified(pyplot, raw_te, yte, pred, wrong, len(yte),
                        os.path.join(out, "misclassified.png"))
    _plot_curves(pyplot, hist, os.path.join(out, "training_curves.png"))
    return {"test_accuracy": acc, "train_accuracy": hist["train_acc"][-1],
            "train_loss": hist["loss"][-1], "misclassified": int(len(wrong)),
            "epochs": epochs}


def _plot_confusion(pyplot, cm, acc, path):
    fig, ax = pyplot.subplots(figsize=(6.4, 5.6))
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="test digits")
    half = cm.max() / 2
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j] or i == j:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if cm[i, j] > half else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"CNN on the digits: test confusion matrix\n"
                 f"accuracy {acc:.2%} ({cm.trace()} / {cm.sum()})")
    fig.tight_layout()
    savefig(fig, path, dpi=100)
    pyplot.close(fig)


def _plot_misclassified(pyplot, raw, y, pred, wrong, n_test, path):
    if len(wrong) == 0:
        fig, ax = pyplot.subplots(figsize=(5, 2.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"no misclassified test digits\n(all {n_test} correct)",
                ha="center", va="center", fontsize=14, transform=ax.transAxes)
        savefig(fig, path, dpi=100)
        pyplot.close(fig)
        return
    cols = min(8, len(wrong))
    rows = -(-len(wrong) // cols)
    fig, axes = pyplot.subplots(rows, cols, figsize=(1.35 * cols, 1.55 * rows + 0.7),
                                squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(raw[i], cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
        ax.set_title(f"true {y[i]}\npred {pred[i]}", fontsize=9, color="firebrick")
    fig.suptitle(f"misclassified test digits: {len(wrong)} of {n_test}")
    fig.tight_layout()
    savefig(fig, path, dpi=100)
    pyplot.close(fig)


def _plot_curves(pyplot, hist, path):
    e = np.arange(1, len(hist["loss"]) + 1)
    fig, (a1, a2) = pyplot.subplots(1, 2, figsize=(10, 3.8))
    a1.plot(e, hist["loss"], "o-", color="tab:blue", ms=3)
    a1.set_yscale("log")
    a1.set_xlabel("epoch")
    a1.set_ylabel("cross-entropy (mean over the epoch)")
    a1.set_title("training loss")
    a1.grid(alpha=0.3)
    a2.plot(e, hist["train_acc"], "o-", ms=3, label="train")
    a2.plot(e, hist["test_acc"], "o-", ms=3, label="test")
    a2.axhline(0.98, color="gray", ls="--", lw=1, label="98%")
    a2.set_xlabel("epoch")
    a2.set_ylabel("accuracy")
    a2.set_ylim(max(0.0, min(hist["test_acc"] + hist["train_acc"]) - 0.02), 1.003)
    a2.set_title("accuracy after each epoch")
    a2.legend(loc="lower right")
    a2.grid(alpha=0.3)
    fig.tight_layout()
    savefig(fig, path, dpi=100)
    pyplot.close(fig)
