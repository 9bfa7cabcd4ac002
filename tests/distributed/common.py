"""Models, data and training loops shared by the MPI worker scripts (run under
mpirun) and tests/test_distributed.py (which trains the single-process
references with plain yaae).

No BatchNorm in the models trained for equality: its batch statistics are per
rank (each rank normalises its own shard), so DDP with BatchNorm is not the
same computation as one process on the concatenated batch.
"""
import numpy as np

import yaae as ya
from yaae import nn

STEPS = 20
B = 3           # rows per rank per step


class MLP(nn.Module):
    """Three Linear layers; ``probe`` (if set) is called when the backward walk
    reaches the first layer's output (the last stretch of the backward)."""

    def __init__(self, dtype=None):
        super().__init__()
        self.fc1 = nn.Linear(4, 16, dtype=dtype)
        self.fc2 = nn.Linear(16, 8, dtype=dtype)
        self.fc3 = nn.Linear(8, 2, dtype=dtype)
        self.probe = None

    def forward(self, x):
        h = self.fc1(x)
        if self.probe is not None:
            h.register_hook(lambda g: self.probe())
        return self.fc3(ya.tanh(self.fc2(ya.tanh(h))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)               # 6x6 -> 4x4
        self.conv2 = nn.Conv2d(3, 4, 3, padding=1)    # 4x4 -> 4x4
        self.fc = nn.Linear(4 * 4 * 4, 2)

    def forward(self, x):
        h = ya.tanh(self.conv2(ya.tanh(self.conv1(x))))
        return self.fc(h.reshape(h.shape[0], -1))


class Partly(nn.Module):
    """``extra`` is used only when asked (on some ranks), ``never`` never."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.extra = nn.Linear(8, 8)
        self.never = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x, use_extra):
        h = ya.tanh(self.fc1(x))
        if use_extra:
            h = h + ya.tanh(self.extra(h))
        return self.fc2(h)


def make(kind, seed=0, dtype=None):
    ya.manual_seed(seed)
    return {"mlp": lambda: MLP(dtype), "conv": ConvNet, "partly": Partly}[kind]()


def data(kind, n, seed=1):
    """(X, Y): per step, the concatenated batch of all ``n`` ranks (rank r has rows r*B ...)."""
    rng = np.random.default_rng(seed)
    shape = {"mlp": (4,), "conv": (1, 6, 6), "partly": (4,)}[kind]
    return (rng.standard_normal((STEPS, n * B) + shape), rng.standard_normal((STEPS, n * B, 2)))


def shard(a, r):
    return a[r * B:(r + 1) * B]


def loss_fn(out, y):
    return ((out - ya.tensor(y)) ** 2).mean()


def optimizer(kind, params):
    if kind == "conv":
        return ya.optim.Adam(params, lr=0.01)
    return ya.optim.SGD(params, lr=0.05, momentum=0.9)


def uses_extra(r):
    return r == 0


def train(model, kind, X, Y, loss_of_step):
    """STEPS optimizer steps; ``loss_of_step(s)`` builds step s's loss."""
    opt = optimizer(kind, model.parameters())
    for s in range(STEPS):
        opt.zero_grad()
        loss_of_step(s).backward()
        opt.step()
    return opt


def params(model):
    return {k: np.array(v) for k, v in model.state_dict().items()}
