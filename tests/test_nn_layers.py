"""yaae.nn layers, activations and functionals against PyTorch as the oracle.

Each case copies torch's weights into the yaae layer through
``load_state_dict({k: v.detach().numpy()})``, feeds both the same input, and
compares the outputs, then runs backward on ``sum(out * w)`` for a random
cotangent ``w`` on both sides and compares the input gradient and every
parameter gradient (by name).  float64: rtol=1e-10 (atol=1e-12); float32:
rtol=1e-5 (atol=1e-6).
"""
import math

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
TDT = {np.float64: torch.float64, np.float32: torch.float32}


def close(a, b, dtype=np.float64, **kw):
    a = a.data if isinstance(a, ya.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    tol = dict(TOL[dtype])
    tol.update(kw)
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    np.testing.assert_allclose(a, b, **tol)


def copy_weights(tmod, ymod):
    ymod.load_state_dict({k: v.detach().numpy() for k, v in tmod.state_dict().items()})


def run_pair(ymod, tmod, x, dtype=np.float64, seed=0, grad=True, check_buffers=True):
    """Forward + backward both modules on ``x``; compare everything."""
    xt = torch.tensor(x, dtype=TDT[dtype], requires_grad=grad)
    xy = ya.Tensor(x.astype(dtype), requires_grad=grad)
    ot = tmod(xt)
    oy = ymod(xy)
    close(oy, ot, dtype)
    assert oy.dtype == np.dtype(dtype)
    if grad:
        w = np.random.default_rng(seed + 100).standard_normal(ot.shape).astype(dtype)
        (ot * torch.tensor(w)).sum().backward()
        (oy * ya.Tensor(w)).sum().backward()
        close(xy.grad, xt.grad, dtype)
        tparams = dict(tmod.named_parameters())
        yparams = dict(ymod.named_parameters())
        assert list(tparams) == list(yparams)
        for name, p in tparams.items():
            if p.grad is None:
                assert yparams[name].grad is None or not np.any(yparams[name].grad.data), name
            else:
                close(yparams[name].grad, p.grad, dtype)
    if check_buffers:
        tb = dict(tmod.named_buffers())
        yb = dict(ymod.named_buffers())
        assert list(tb) == list(yb)
        for name, b in tb.items():
            close(yb[name].data, b.detach().numpy(), dtype)
    return oy, ot


def randn(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    ya.manual_seed(0)


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_parity(dtype, bias, shape):
    tm = tnn.Linear(3, 4, bias=bias, dtype=TDT[dtype])
    ym = nn.Linear(3, 4, bias=bias, dtype=dtype)
    assert ym.weight.shape == (4, 3) and ym.weight.dtype == np.dtype(dtype)
    copy_weights(tm, ym)
    run_pair(ym, tm, randn(*shape), dtype)


def test_linear_functional():
    x, w, b = randn(4, 3), randn(2, 3, seed=1), randn(2, seed=2)
    close(F.linear(ya.Tensor(x), ya.Tensor(w), ya.Tensor(b)),
          TF.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b)))
    close(F.linear(ya.Tensor(x), ya.Tensor(w)), TF.linear(torch.tensor(x), torch.tensor(w)))


# --------------------------------------------------------------------------------------
# BatchNorm
# --------------------------------------------------------------------------------------
BN_CONFIGS = [
    dict(),
    dict(momentum=None),
    dict(momentum=0.3, eps=1e-3),
    dict(affine=False),
    dict(track_running_stats=False),
    dict(affine=False, track_running_stats=False),
    dict(bias=False, momentum=None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", BN_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("kind", ["1d-2D", "1d-3D", "2d"])
def test_batchnorm_parity(dtype, cfg, kind):
    C = 3
    if kind == "2d":
        tm, ym, shape = tnn.BatchNorm2d(C, dtype=TDT[dtype], **cfg), nn.BatchNorm2d(C, dtype=dtype, **cfg), (4, C, 3, 2)
    else:
        tm, ym = tnn.BatchNorm1d(C, dtype=TDT[dtype], **cfg), nn.BatchNorm1d(C, dtype=dtype, **cfg)
        shape = (6, C) if kind == "1d-2D" else (4, C, 5)
    if tm.affine:  # non-trivial affine parameters
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(randn(C, seed=7) + 1.0))
            if tm.bias is not None:
                tm.bias.copy_(torch.tensor(randn(C, seed=8)))
    copy_weights(tm, ym)
    assert repr(ym) == repr(tm)
    assert list(ym.state_dict()) == list(tm.state_dict())
    # several training steps: outputs, gradients, running statistics
    for step in range(4):
        x = randn(*shape, seed=step, scale=2.0) + 0.5 * step
        run_pair(ym, tm, x, dtype, seed=step)
        tm.zero_grad()
        ym.zero_grad()
    if cfg.get("track_running_stats", True):
        assert int(ym.num_batches_tracked.data) == 4
        assert ym.num_batches_tracked.dtype == np.int64
    # eval mode: running statistics (or batch statistics without tracking)
    tm.eval()
    ym.eval()
    run_pair(ym, tm, randn(*shape, seed=11), dtype, seed=11)


def test_batchnorm_errors_and_eval_no_update():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(ya.Tensor(np.zeros((2, 3, 4, 5))))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(ya.Tensor(np.zeros((1, 3))))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(ya.Tensor(np.zeros((2, 3))))
    bn = nn.BatchNorm1d(3).eval()
    bn(ya.Tensor(randn(5, 3)))
    np.testing.assert_array_equal(bn.running_mean.data, 0)
    np.testing.assert_array_equal(bn.running_var.data, 1)
    assert int(bn.num_batches_tracked.data) == 0


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_functional(training):
    x = randn(5, 3, 2)
    rm, rv = randn(3, seed=1), np.abs(randn(3, seed=2)) + 0.5
    w, b = randn(3, seed=3), randn(3, seed=4)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    yrm, yrv = ya.Tensor(rm.copy()), ya.Tensor(rv.copy())
    xt, xy = torch.tensor(x, requires_grad=True), ya.Tensor(x, requires_grad=True)
    wt, wy = torch.tensor(w, requires_grad=True), ya.Tensor(w, requires_grad=True)
    ot = TF.batch_norm(xt, trm, trv, wt, torch.tensor(b), training=training, momentum=0.2, eps=1e-4)
    oy = F.batch_norm(xy, yrm, yrv, wy, ya.Tensor(b), training=training, momentum=0.2, eps=1e-4)
    close(oy, ot)
    close(yrm.data, trm)
    close(yrv.data, trv)
    g = randn(*x.shape, seed=9)
    (ot * torch.tensor(g)).sum().backward()
    (oy * g).sum().backward()
    close(xy.grad, xt.grad)
    close(wy.grad, wt.grad)


# --------------------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ns,shape,kw", [
    (4, (3, 4), {}),
    ((3, 4), (2, 3, 4), {}),
    (4, (2, 5, 4), dict(eps=1e-3)),
    (4, (3, 4), dict(elementwise_affine=False)),
    ((2, 4), (3, 2, 4), dict(bias=False)),
])
def test_layernorm_parity(dtype, ns, shape, kw):
    tm = tnn.LayerNorm(ns, dtype=TDT[dtype], **kw)
    ym = nn.LayerNorm(ns, dtype=dtype, **kw)
    nshape = (ns,) if isinstance(ns, int) else ns
    with torch.no_grad():
        if tm.weight is not None:
            tm.weight.copy_(torch.tensor(randn(*nshape, seed=3) + 1))
        if tm.bias is not None:
            tm.bias.copy_(torch.tensor(randn(*nshape, seed=4)))
    copy_weights(tm, ym)
    run_pair(ym, tm, randn(*shape, scale=3.0) + 1.0, dtype)


def test_layer_norm_functional_and_errors():
    x = randn(2, 3, 4)
    w, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    close(F.layer_norm(ya.Tensor(x), (3, 4), ya.Tensor(w), ya.Tensor(b), 1e-6),
          TF.layer_norm(torch.tensor(x), (3, 4), torch.tensor(w), torch.tensor(b), 1e-6))
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(ya.Tensor(x), (5,))


# --------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------
def test_dropout_statistics_and_scaling():
    x = ya.Tensor(np.ones((200, 500)), requires_grad=True)
    d = nn.Dropout(0.3)
    y = d(x)
    vals = np.unique(y.data)
    np.testing.assert_allclose(np.sort(vals), [0.0, 1 / 0.7], rtol=1e-15)
    frac = (y.data == 0).mean()
    assert abs(frac - 0.3) < 5 * math.sqrt(0.3 * 0.7 / y.size)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # grad = mask / (1-p)
    d.eval()
    assert d(x) is x
    assert repr(d) == repr(tnn.Dropout(0.3))


def test_dropout_reproducible_and_edge_cases():
    x = ya.Tensor(randn(10, 10))
    ya.manual_seed(123)
    a = F.dropout(x, 0.5).data
    ya.manual_seed(123)
    b = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).data)
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0)
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).data, x.data)
    with pytest.raises(ValueError):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)
    x32 = ya.Tensor(randn(4, 4).astype(np.float32))
    assert F.dropout(x32, 0.5).dtype == np.float32


# --------------------------------------------------------------------------------------
# Embedding
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=2), dict(padding_idx=-1),
                                dict(scale_grad_by_freq=True),
                                dict(padding_idx=0, scale_grad_by_freq=True)])
def test_embedding_parity(dtype, kw):
    tm = tnn.Embedding(7, 3, dtype=TDT[dtype], **kw)
    ym = nn.Embedding(7, 3, dtype=dtype, **kw)
    if tm.padding_idx is not None:
        np.testing.assert_array_equal(ym.weight.data[tm.padding_idx], 0)
        assert ym.padding_idx == tm.padding_idx
    copy_weights(tm, ym)
    idx = np.array([[0, 2, 6, 2], [1, 2, 0, 6]])
    ot = tm(torch.tensor(idx))
    for yidx in (idx, ya.Tensor(idx, dtype=np.int64), ya.Tensor(idx)):  # float indices too
        ym.zero_grad()
        oy = ym(yidx)
        close(oy, ot, dtype)
        w = randn(*ot.shape, seed=5).astype(dtype)
        (oy * w).sum().backward()
        if tm.weight.grad is None:
            (ot * torch.tensor(w)).sum().backward()
        close(ym.weight.grad, tm.weight.grad, dtype)
    if tm.padding_idx is not None:
        np.testing.assert_array_equal(ym.weight.grad.data[tm.padding_idx], 0)


def test_embedding_max_norm_and_init():
    tm = tnn.Embedding(6, 4, max_norm=1.0, dtype=torch.float64)
    ym = nn.Embedding(6, 4, max_norm=1.0)
    copy_weights(tm, ym)
    idx = np.array([1, 3, 3, 5])
    close(ym(idx), tm(torch.tensor(idx)))
    close(ym.weight.data, tm.weight.detach())
    assert repr(ym) == repr(tm)
    big = nn.Embedding(400, 250)
    assert abs(big.weight.data.mean()) < 0.01 and abs(big.weight.data.std() - 1) < 0.01
    pre = nn.Embedding.from_pretrained(ya.Tensor(randn(3, 2)))
    assert not pre.weight.requires_grad and pre.weight.shape == (3, 2)
    with pytest.raises(IndexError):
        ym(np.array([6]))


def test_one_hot():
    idx = np.array([[0, 3], [2, 1]])
    for arg in (idx, ya.Tensor(idx), ya.Tensor(idx, dtype=np.int64)):
        out = F.one_hot(arg)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out.data, TF.one_hot(torch.tensor(idx)).numpy())
        np.testing.assert_array_equal(F.one_hot(arg, 6).data,
                                      TF.one_hot(torch.tensor(idx), 6).numpy())


# --------------------------------------------------------------------------------------
# activations (module and functional forms)
# --------------------------------------------------------------------------------------
ACTS = [
    (lambda: nn.ReLU(), lambda: tnn.ReLU()),
    (lambda: nn.LeakyReLU(), lambda: tnn.LeakyReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: tnn.LeakyReLU(0.2)),
    (lambda: nn.ELU(), lambda: tnn.ELU()),
    (lambda: nn.ELU(alpha=0.5), lambda: tnn.ELU(alpha=0.5)),
    (lambda: nn.GELU(), lambda: tnn.GELU()),
    (lambda: nn.GELU(approximate="tanh"), lambda: tnn.GELU(approximate="tanh")),
    (lambda: nn.SiLU(), lambda: tnn.SiLU()),
    (lambda: nn.Sigmoid(), lambda: tnn.Sigmoid()),
    (lambda: nn.Tanh(), lambda: tnn.Tanh()),
    (lambda: nn.Softplus(), lambda: tnn.Softplus()),
    (lambda: nn.Softplus(beta=2.0, threshold=5.0), lambda: tnn.Softplus(beta=2.0, threshold=5.0)),
    (lambda: nn.Softplus(beta=0.5, threshold=1.0), lambda: tnn.Softplus(beta=0.5, threshold=1.0)),
    (lambda: nn.Softmax(dim=1), lambda: tnn.Softmax(dim=1)),
    (lambda: nn.Softmax(dim=-1), lambda: tnn.Softmax(dim=-1)),
    (lambda: nn.Softmax(dim=0), lambda: tnn.Softmax(dim=0)),
    (lambda: nn.LogSoftmax(dim=1), lambda: tnn.LogSoftmax(dim=1)),
    (lambda: nn.LogSoftmax(dim=-1), lambda: tnn.LogSoftmax(dim=-1)),
    (lambda: nn.Identity(54, unused="x"), lambda: tnn.Identity(54, unused="x")),
    (lambda: nn.Flatten(), lambda: tnn.Flatten()),
    (lambda: nn.Flatten(0, 1), lambda: tnn.Flatten(0, 1)),
    (lambda: nn.Unflatten(1, (2, 2)), lambda: tnn.Unflatten(1, (2, 2))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pair", ACTS, ids=lambda p: repr(p[1]()))
def test_activation_modules(dtype, pair):
    ym, tm = pair[0](), pair[1]()
    assert repr(ym) == repr(tm)
    x = randn(3, 4, 2, scale=3.0)
    x[0, 0, 0] = 0.0  # exercise the kink of relu-like functions
    run_pair(ym, tm, x, dtype)


@pytest.mark.parametrize("name,kw", [
    ("relu", {}), ("leaky_relu", dict(negative_slope=0.1)), ("elu", dict(alpha=2.0)),
    ("gelu", {}), ("gelu", dict(approximate="tanh")), ("silu", {}), ("sigmoid", {}),
    ("tanh", {}), ("softplus", {}), ("softplus", dict(beta=3.0, threshold=10.0)),
    ("softmax", dict(dim=0)), ("log_softmax", dict(dim=1)), ("logsigmoid", {}),
])
def test_activation_functionals_extreme_inputs(name, kw):
    # moderate values plus extreme ones (no overflow, no NaN in value or gradient)
    x = np.concatenate([randn(12, scale=3.0), [0.0, 1e4, -1e4, 50.0, -50.0, 700.0, -700.0, 30.0]])
    x = np.stack([x, x[::-1]])
    xt, xy = torch.tensor(x, requires_grad=True), ya.Tensor(x, requires_grad=True)
    ot = getattr(TF, name)(xt, **kw)
    oy = getattr(F, name)(xy, **kw)
    close(oy, ot)
    g = randn(*x.shape, seed=3)
    (ot * torch.tensor(g)).sum().backward()
    (oy * g).sum().backward()
    assert np.all(np.isfinite(xy.grad.data))
    close(xy.grad, xt.grad)


def test_softmax_default_dim_and_functional_flatten():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 2)]:
        x = randn(*shape)
        with pytest.warns(UserWarning):
            expected = TF.softmax(torch.tensor(x), dim=None)
        close(F.softmax(ya.Tensor(x)), expected)
    x = randn(2, 3, 4)
    close(F.flatten(ya.Tensor(x), 1), torch.flatten(torch.tensor(x), 1))
    with pytest.raises(ValueError):
        F.gelu(ya.Tensor(x), approximate="exact")


def test_gelu_higher_order_matches_torch():
    # second derivative through the erf primitive's rules
    x = randn(7, scale=2.0)
    xt = torch.tensor(x, requires_grad=True)
    (g1,) = torch.autograd.grad(TF.gelu(xt).sum(), xt, create_graph=True)
    (g2,) = torch.autograd.grad(g1.sum(), xt)
    d2 = ya.grad(lambda v: ya.sum(ya.grad(lambda u: ya.sum(F.gelu(u)))(v)))(ya.Tensor(x))
    close(d2, g2)


# --------------------------------------------------------------------------------------
# forward mode through layers
# --------------------------------------------------------------------------------------
def _torch_mlp():
    return tnn.Sequential(tnn.Linear(4, 8), tnn.GELU(), tnn.LayerNorm(8), tnn.Linear(8, 6),
                          tnn.Tanh(), tnn.Linear(6, 3), tnn.LogSoftmax(dim=-1))


def _yaae_mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.LayerNorm(8), nn.Linear(8, 6),
                         nn.Tanh(), nn.Linear(6, 3), nn.LogSoftmax(dim=-1))


def test_jvp_through_mlp_matches_torch_func():
    tm, ym = _torch_mlp().double(), _yaae_mlp()
    copy_weights(tm, ym)
    x, v = randn(5, 4), randn(5, 4, seed=1)
    out_t, tan_t = torch.func.jvp(tm, (torch.tensor(x),), (torch.tensor(v),))
    out_y, tan_y = ya.jvp(ym, (ya.Tensor(x),), (ya.Tensor(v),))
    close(out_y, out_t)
    close(tan_y, tan_t)


def test_jvp_wrt_parameters_vs_finite_differences():
    ym = nn.Sequential(nn.Linear(3, 5), nn.ELU(), nn.BatchNorm1d(5), nn.Softplus(),
                       nn.Linear(5, 2))
    ym.eval()
    ym[2].running_mean.data[...] = randn(5, seed=3)
    ym[2].running_var.data[...] = np.abs(randn(5, seed=4)) + 0.5
    x = ya.Tensor(randn(6, 3))
    w0 = ym[0].weight.data.copy()
    dw = randn(*w0.shape, seed=2)

    def f(w):
        h = F.linear(x, w, ym[0].bias)
        for layer in list(ym)[1:]:
            h = layer(h)
        return h

    _, tan = ya.jvp(f, (ya.Tensor(w0),), (ya.Tensor(dw),))
    eps = 1e-6
    fd = (f(ya.Tensor(w0 + eps * dw)).data - f(ya.Tensor(w0 - eps * dw)).data) / (2 * eps)
    np.testing.assert_allclose(tan.data, fd, rtol=1e-6, atol=1e-8)


def test_jvp_batchnorm_training_and_embedding_vs_torch_func():
    tbn, ybn = tnn.BatchNorm1d(4).double(), nn.BatchNorm1d(4)
    x, v = randn(6, 4), randn(6, 4, seed=1)
    _, tan_t = torch.func.jvp(lambda a: TF.batch_norm(a, None, None, training=True),
                              (torch.tensor(x),), (torch.tensor(v),))
    _, tan_y = ya.jvp(lambda a: F.batch_norm(a, None, None, training=True),
                      (ya.Tensor(x),), (ya.Tensor(v),))
    close(tan_y, tan_t)
    W, dW = randn(5, 3), randn(5, 3, seed=4)
    idx = np.array([0, 4, 4, 1])
    _, tan_t = torch.func.jvp(lambda w: TF.embedding(torch.tensor(idx), w),
                              (torch.tensor(W),), (torch.tensor(dW),))
    _, tan_y = ya.jvp(lambda w: F.embedding(idx, w), (ya.Tensor(W),), (ya.Tensor(dW),))
    close(tan_y, tan_t)
    assert tbn is not None and ybn is not None


def test_embedding_padding_forward_mode_is_transpose_of_reverse():
    # The padding row gets a zero gradient (torch), so yaae treats it as a
    # constant in forward mode too: jacfwd == jacrev (torch.func.jvp does not
    # zero it, which is inconsistent with its own backward).
    W = ya.Tensor(randn(5, 3))
    idx = np.array([0, 4, 4, 1])

    def f(w):
        return F.embedding(idx, w, padding_idx=4)

    jf, jr = ya.jacfwd(f)(W), ya.jacrev(f)(W)
    np.testing.assert_array_equal(jf.data, jr.data)
    np.testing.assert_array_equal(jf.data[1, :, 4, :], 0)
    np.testing.assert_array_equal(jf.data[0, :, 0, :], np.eye(3))
