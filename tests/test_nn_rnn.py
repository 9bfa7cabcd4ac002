"""yaae.nn recurrent layers (RNNCell/LSTMCell/GRUCell, RNN/LSTM/GRU) against
PyTorch as the oracle.

Each case builds the torch module, checks that the yaae module has the same
state_dict keys and shapes, copies torch's weights in with ``load_state_dict``,
runs both on the same input (and h0/c0), compares the output and the final
states, then back-propagates ``sum(out * w) + sum(h_n * v) (+ sum(c_n * u))``
for random cotangents and compares the gradients of the input, of h0/c0 and
of every parameter.  float64: rtol=1e-10 (atol=1e-12); float32: rtol=1e-5.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn as tnn

import yaae as ya
import yaae.nn as nn

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
TDT = {np.float64: torch.float64, np.float32: torch.float32}


def close(a, b, dtype=np.float64):
    a = a.data if isinstance(a, ya.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    np.testing.assert_allclose(a, b, **TOL[dtype])


def load(tmod, ymod):
    tsd, ysd = tmod.state_dict(), ymod.state_dict()
    assert list(tsd) == list(ysd)
    for k in tsd:
        assert tuple(tsd[k].shape) == tuple(ysd[k].shape), k
    ymod.load_state_dict({k: v.detach().numpy() for k, v in tsd.items()})


def pair(a, dtype, grad=True):
    return (torch.tensor(a, dtype=TDT[dtype], requires_grad=grad),
            ya.Tensor(a.astype(dtype), requires_grad=grad))


def flat(out):
    """(output, h_n) / (output, (h_n, c_n)) / h / (h, c) -> list of tensors."""
    if isinstance(out, tuple):
        res = []
        for o in out:
            res += flat(o)
        return res
    return [out]


def compare(tmod, ymod, x, hx=None, dtype=np.float64, seed=0):
    """``hx``: None, an array, or a tuple of arrays (LSTM)."""
    xt, xy = pair(x, dtype)
    if hx is None:
        ht = hy = None
        hts = hys = []
    elif isinstance(hx, tuple):
        ps = [pair(h, dtype) for h in hx]
        hts, hys = [p[0] for p in ps], [p[1] for p in ps]
        ht, hy = tuple(hts), tuple(hys)
    else:
        ht, hy = pair(hx, dtype)
        hts, hys = [ht], [hy]
    ot = flat(tmod(xt) if ht is None else tmod(xt, ht))
    oy = flat(ymod(xy) if hy is None else ymod(xy, hy))
    assert len(ot) == len(oy)
    for a, b in zip(oy, ot):
        close(a, b, dtype)
        assert a.dtype == np.dtype(dtype)
    rng = np.random.default_rng(seed + 100)
    lt, ly = 0, 0
    for a, b in zip(oy, ot):
        w = rng.standard_normal(tuple(b.shape)).astype(dtype)
        lt = lt + (b * torch.tensor(w)).sum()
        ly = ly + (a * ya.Tensor(w)).sum()
    lt.backward()
    ly.backward()
    close(xy.grad, xt.grad, dtype)
    for a, b in zip(hys, hts):
        close(a.grad, b.grad, dtype)
    tp, yp = dict(tmod.named_parameters()), dict(ymod.named_parameters())
    assert list(tp) == list(yp)
    for name, p in tp.items():
        close(yp[name].grad, p.grad, dtype)


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- cells ----------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
         ("GRUCell", {}), ("RNNCell", {"bias": False}), ("LSTMCell", {"bias": False}),
         ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name,kw", CELLS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_h", [True, False])
def test_cells(name, kw, batched, with_h):
    torch.manual_seed(0)
    tmod = getattr(tnn, name)(3, 5, **kw).double()
    ymod = getattr(nn, name)(3, 5, **kw)
    load(tmod, ymod)
    lead = (4,) if batched else ()
    x = rnd(*lead, 3, seed=1)
    hx = None
    if with_h:
        hx = rnd(*lead, 5, seed=2)
        if name == "LSTMCell":
            hx = (hx, rnd(*lead, 5, seed=3))
    compare(tmod, ymod, x, hx)


# ---- sequence modules -----------------------------------------------------------------------
def _h0(name, num_layers, D, lead, H, seed=5):
    h = rnd(num_layers * D, *lead, H, seed=seed)
    if name == "LSTM":
        return (h, rnd(num_layers * D, *lead, H, seed=seed + 1))
    return h


MODS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


@pytest.mark.parametrize("name,kw", MODS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_h", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_sequence_modules(name, kw, num_layers, batch_first, with_h, bidirectional):
    torch.manual_seed(1)
    args = dict(num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional,
                **kw)
    tmod = getattr(tnn, name)(3, 4, **args).double()
    ymod = getattr(nn, name)(3, 4, **args)
    load(tmod, ymod)
    L, N = 5, 2
    x = rnd(N, L, 3, seed=7) if batch_first else rnd(L, N, 3, seed=7)
    D = 2 if bidirectional else 1
    hx = _h0(name, num_layers, D, (N,), 4) if with_h else None
    compare(tmod, ymod, x, hx)


@pytest.mark.parametrize("name,kw", MODS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_h", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched(name, kw, num_layers, with_h, bidirectional):
    torch.manual_seed(2)
    args = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=True, **kw)
    tmod = getattr(tnn, name)(3, 4, **args).double()
    ymod = getattr(nn, name)(3, 4, **args)
    load(tmod, ymod)
    D = 2 if bidirectional else 1
    hx = _h0(name, num_layers, D, (), 4) if with_h else None
    compare(tmod, ymod, rnd(6, 3, seed=8), hx)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_no_bias(name):
    torch.manual_seed(3)
    tmod = getattr(tnn, name)(3, 4, num_layers=2, bias=False).double()
    ymod = getattr(nn, name)(3, 4, num_layers=2, bias=False)
    load(tmod, ymod)
    compare(tmod, ymod, rnd(4, 2, 3, seed=9))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_float32(name):
    torch.manual_seed(4)
    cell = name.endswith("Cell")
    tmod = getattr(tnn, name)(3, 4).float()    # torch default dtype may be float64
    ymod = getattr(nn, name)(3, 4, dtype=np.float32)
    for p in ymod.parameters():
        assert p.dtype == np.float32
    load(tmod, ymod)
    x = rnd(2, 3, seed=10) if cell else rnd(5, 2, 3, seed=10)
    compare(tmod, ymod, x, dtype=np.float32)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_init_bounds_and_names(name):
    cell = name.endswith("Cell")
    H = 16
    if cell:
        ymod = getattr(nn, name)(7, H)
        tmod = getattr(tnn, name)(7, H)
    else:
        ymod = getattr(nn, name)(7, H, num_layers=2, bidirectional=True)
        tmod = getattr(tnn, name)(7, H, num_layers=2, bidirectional=True)
    tsd, ysd = tmod.state_dict(), ymod.state_dict()
    assert list(tsd) == list(ysd)
    bound = 1 / math.sqrt(H)
    pooled = []
    for k, v in ysd.items():
        v = np.asarray(v.data if isinstance(v, ya.Tensor) else v)
        assert tuple(v.shape) == tuple(tsd[k].shape), k
        assert np.all(np.abs(v) <= bound), k
        assert len(np.unique(v)) == v.size, k          # every entry drawn, none left empty
        pooled.append(v.ravel())
    pooled = np.concatenate(pooled)
    # uniform over the whole interval U(-b, b): extremes near +-b, std b/sqrt(3), mean 0
    assert pooled.max() > 0.95 * bound and pooled.min() < -0.95 * bound
    np.testing.assert_allclose(pooled.std(), bound / math.sqrt(3), rtol=0.1)
    assert abs(pooled.mean()) < 0.1 * bound


def test_dropout_train_only():
    ya.manual_seed(0)
    ymod = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    tmod = tnn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    load(tmod, ymod)
    x = rnd(5, 2, 3, seed=11)
    ymod.eval()
    tmod.eval()
    compare(tmod, ymod, x)
    ymod.train()
    a = ymod(ya.Tensor(x))[0].data
    b = ymod(ya.Tensor(x))[0].data
    assert not np.allclose(a, b)          # fresh masks between the layers in train mode
    ymod.eval()
    close(ymod(ya.Tensor(x))[0], tmod(torch.tensor(x))[0])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_one_in_train_mode(name, bidirectional):
    """dropout=1 zeros every layer's input but the first, deterministically, so
    torch's train-mode output is an exact oracle for where the dropout goes."""
    torch.manual_seed(6)
    args = dict(num_layers=3, dropout=1.0, bidirectional=bidirectional)
    tmod = getattr(tnn, name)(3, 4, **args).double()
    ymod = getattr(nn, name)(3, 4, **args)
    load(tmod, ymod)
    tmod.train()
    ymod.train()
    compare(tmod, ymod, rnd(5, 2, 3, seed=15))


def test_dropout_single_layer_warns():
    with pytest.warns(UserWarning):
        nn.GRU(3, 4, num_layers=1, dropout=0.3)


def test_errors():
    with pytest.raises(ValueError):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError):
        nn.GRU(3, 4)(ya.Tensor(rnd(5, 2, 2)))
    with pytest.raises(RuntimeError):
        nn.GRU(3, 4)(ya.Tensor(rnd(5, 2, 3)), ya.Tensor(rnd(2, 2, 4)))
    with pytest.raises(ValueError):
        nn.LSTM(3, 4)(ya.Tensor(rnd(5)))


def test_repr():
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True)) == \
        repr(tnn.LSTM(3, 4, num_layers=2, batch_first=True))
    assert repr(nn.GRUCell(3, 4)) == repr(tnn.GRUCell(3, 4))
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == \
        repr(tnn.RNNCell(3, 4, nonlinearity="relu"))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_forward_mode_and_second_order(name):
    """ya.jvp against torch.func.jvp, and a
    Hessian-vector product (grad of grad) against torch's double backward."""
    torch.manual_seed(5)
    tmod = getattr(tnn, name)(3, 4, num_layers=2, bidirectional=True).double()
    ymod = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True)
    load(tmod, ymod)
    x, v = rnd(4, 2, 3, seed=12), rnd(4, 2, 3, seed=13)
    w = rnd(4, 2, 8, seed=14)

    def fy(x):
        return (ymod(x)[0] * ya.Tensor(w)).sum()

    def ft(x):
        return (tmod(x)[0] * torch.tensor(w)).sum()

    val, tan = ya.jvp(fy, (ya.Tensor(x),), (ya.Tensor(v),))
    tval, ttan = torch.func.jvp(ft, (torch.tensor(x),), (torch.tensor(v),))
    close(val, tval)
    close(tan, ttan)
    # Hessian-vector product: d/dx <grad f(x), v>
    hy = ya.grad(lambda x: (ya.grad(fy)(x) * ya.Tensor(v)).sum())(ya.Tensor(x))
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(ft(xt), xt, create_graph=True)
    (ht,) = torch.autograd.grad((g * torch.tensor(v)).sum(), xt)
    close(hy, ht)
