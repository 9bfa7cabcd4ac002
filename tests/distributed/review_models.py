"""Models, data and training loops of the acceptance review of issue #13
(tests/test_review_ddp.py), shared by the MPI worker (review_worker.py, run under
``mpirun``) and the pytest side, which trains the single-process references: with
PyTorch for the MLP and the CNN, with plain yaae (no ``ya.distributed``) for the
others.

Every rank builds its model from a rank-dependent seed (``seed_of(r)``): only
DistributedDataParallel's broadcast at construction makes them start from rank
0's parameters, the ones the references start from (``seed_of(0)``).
"""
import numpy as np

import yaae as ya
from yaae import nn

STEPS = 20
B = 4          # rows per rank per step


def seed_of(r):
    return 0 if r == 0 else 100 + r


class MLP(nn.Module):
    """Linear + ReLU, what a user writes first."""

    def __init__(self, dtype=None):
        super().__init__()
        self.fc1 = nn.Linear(5, 16, dtype=dtype)
        self.fc2 = nn.Linear(16, 16, dtype=dtype)
        self.fc3 = nn.Linear(16, 3, dtype=dtype)

    def forward(self, x):
        return self.fc3(ya.relu(self.fc2(ya.relu(self.fc1(x)))))


class CNN(nn.Module):
    """Conv2d + ReLU + MaxPool2d + Conv2d + Linear on 1x8x8 images."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)    # 8x8
        self.pool = nn.MaxPool2d(2)                    # 4x4
        self.conv2 = nn.Conv2d(4, 6, 3)                # 2x2
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        h = ya.relu(self.conv2(self.pool(ya.relu(self.conv1(x)))))
        return self.fc(h.reshape(h.shape[0], -1))


class EmbGRU(nn.Module):
    """Embedding -> GRU -> Linear on the last hidden state (token classification)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.rnn = nn.GRU(6, 8, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.head(out[:, -1])


class Tied(nn.Module):
    """A language-model-like net: the embedding matrix is also the output projection
    (weight tying), and one Linear is applied twice."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        self.mix = nn.Linear(8, 8)

    def forward(self, tokens):
        h = self.emb(tokens).mean(axis=1)
        h = ya.tanh(self.mix(ya.tanh(self.mix(h))))
        return h @ self.emb.weight.T


class Frozen(nn.Module):
    """A frozen feature layer (requires_grad=False) under a trainable head."""

    def __init__(self):
        super().__init__()
        self.feat = nn.Linear(5, 8)
        self.head = nn.Linear(8, 3)
        for p in self.feat.parameters():
            p.requires_grad = False

    def forward(self, x):
        return self.head(ya.tanh(self.feat(x)))


KINDS = {"mlp": MLP, "cnn": CNN, "gru": EmbGRU, "tied": Tied, "frozen": Frozen}


def make(kind, seed=0, dtype=None):
    ya.manual_seed(seed)
    return MLP(dtype) if kind == "mlp" else KINDS[kind]()


def data(kind, n, steps=STEPS, seed=1):
    """(X, Y): per step the concatenated batch of all ``n`` ranks (rank r: rows r*B ...)."""
    rng = np.random.default_rng(seed)
    if kind in ("gru", "tied"):
        X = rng.integers(0, 10, (steps, n * B, 5))
        Y = rng.integers(0, 3 if kind == "gru" else 10, (steps, n * B))
        return X, Y
    shape = (1, 8, 8) if kind == "cnn" else (5,)
    return rng.standard_normal((steps, n * B) + shape), rng.standard_normal((steps, n * B, 3))


def shard(a, r):
    return a[r * B:(r + 1) * B]


def loss_fn(kind, out, y):
    if kind in ("gru", "tied"):
        return nn.functional.cross_entropy(out, ya.tensor(y))
    return ((out - ya.tensor(y)) ** 2).mean()


def optimizer(kind, params):
    if kind == "cnn":
        return ya.optim.Adam(params, lr=0.01)
    if kind == "mlp":
        return ya.optim.SGD(params, lr=0.05, momentum=0.9)
    return ya.optim.SGD(params, lr=0.1)


def trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


def params(model):
    return {k: np.array(v) for k, v in model.state_dict().items()}


def flat_grads(model):
    return np.concatenate([p.grad.numpy().ravel() for p in trainable(model)])
