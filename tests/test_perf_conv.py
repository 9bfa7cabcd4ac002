"""The fast paths behind convolution and pooling, against PyTorch as an oracle.

* matmul's VJP contracts the batch dims over which an operand was broadcast
  inside one product (the conv weight-gradient cliff, issue #10): values,
  gradients, double backward and batched cotangents (jacrev == jacfwd) for
  every broadcast pattern, against torch.
* im2col/col2im (the conv's columns with the batch folded in) through
  padding larger than the kernel reach, 1-D/2-D, groups, and batched
  (co)tangents.
* max pooling routes the gradient to the first maximum of each window, as
  torch does: ties, NaNs and infinities against torch, double backward and
  forward mode.

No timing here: bench/bench_conv.py measures the speed.
"""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yaae as ya
from yaae.nn import conv as C
from yaae.ops import window

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'",
                                        "ignore::DeprecationWarning:torch")


def _rng(*parts):
    return np.random.default_rng(zlib.crc32(repr(parts).encode()))


def _close(got, want, tol, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=what)


def _d(x):
    return x.data if isinstance(x, ya.Tensor) else np.asarray(x)


# --------------------------------------------------------------------------------------
# broadcast matmul
# --------------------------------------------------------------------------------------
BMATMUL = [
    ((3, 4), (5, 4, 2)),                # a broadcast over a missing batch dim (conv's old case)
    ((5, 3, 4), (4, 2)),                # b broadcast (Linear on a sequence)
    ((1, 3, 4), (5, 4, 2)),             # a's batch dim is 1
    ((2, 1, 3, 4), (1, 5, 4, 2)),       # both broadcast, on different dims
    ((6, 3, 4), (2, 1, 4, 2)),          # a missing a leading dim, b size-1 in the middle
    ((2, 6, 3, 4), (6, 4, 2)),          # b missing a leading dim, shares the next
    ((3, 1, 2, 3, 4), (2, 4, 5)),       # several contracted dims, one kept
]


@pytest.mark.parametrize("case", range(len(BMATMUL)))
def test_broadcast_matmul_grads_match_torch(case):
    sa, sb = BMATMUL[case]
    rng = _rng("bmm", case)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ya_a, ya_b = ya.tensor(a, requires_grad=True), ya.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    yo, to = ya_a @ ya_b, ta @ tb
    _close(yo.data, to.detach().numpy(), 1e-12, "output")
    cot = rng.standard_normal(yo.shape)
    # double backward: a gradient penalty on both first derivatives
    ga, gb = ya.grad(lambda x, y: ((x @ y) * cot).sum(), argnums=(0, 1))(ya_a, ya_b)
    tga, tgb = torch.autograd.grad(((ta @ tb) * torch.tensor(cot)).sum(), (ta, tb),
                                   create_graph=True)
    _close(ga.data, tga.detach().numpy(), 1e-12, "grad a")
    _close(gb.data, tgb.detach().numpy(), 1e-12, "grad b")
    ((ga ** 2).sum() + (gb * gb * gb).sum()).backward()
    ((tga ** 2).sum() + (tgb ** 3).sum()).backward()
    _close(ya_a.grad.data, ta.grad.numpy(), 1e-12, "second derivative a")
    _close(ya_b.grad.data, tb.grad.numpy(), 1e-12, "second derivative b")


@pytest.mark.parametrize("case", [0, 1, 3, 6])
def test_broadcast_matmul_batched_cotangents(case):
    """jacrev pushes a batch of cotangents (extra leading dims) through the rule."""
    sa, sb = BMATMUL[case]
    rng = _rng("bmm-jac", case)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    for argnum in (0, 1):
        f = (lambda x: ya.matmul(x, b)) if argnum == 0 else (lambda y: ya.matmul(a, y))
        x = a if argnum == 0 else b
        np.testing.assert_allclose(_d(ya.jacrev(f)(x)), _d(ya.jacfwd(f)(x)),
                                   rtol=1e-12, atol=1e-12)


def test_broadcast_matmul_gradcheck():
    rng = _rng("bmm-gc")
    a, b = rng.standard_normal((2, 1, 3, 2)), rng.standard_normal((3, 2, 2))
    ya.testing.gradcheck(lambda x, y: ya.matmul(x, y) ** 2, a, b, modes=("rev", "fwd"),
                         order=2)


def test_broadcast_matmul_float32_dtype():
    rng = _rng("bmm-f32")
    w = ya.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    x = ya.tensor(rng.standard_normal((5, 3, 2)).astype(np.float32))
    (w @ x).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.shape == (4, 3)


# --------------------------------------------------------------------------------------
# im2col / col2im
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [
    dict(padding=3),                                   # pads beyond some offsets' reach
    dict(padding=(2, 0), stride=3, dilation=(2, 1)),
    dict(padding="same", dilation=2, groups=2),
])
def test_conv2d_padding_edges_match_torch(kw):
    rng = _rng("conv-edges", repr(kw))
    x = rng.standard_normal((2, 4, 3, 5))
    w = rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 2))
    yx, yw = ya.tensor(x, requires_grad=True), ya.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yo, to = C.conv2d(yx, yw, **kw), F.conv2d(tx, tw, **kw)
    _close(yo.data, to.detach().numpy(), 1e-12, "output")
    cot = rng.standard_normal(yo.shape)
    (yo * cot).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    _close(yx.grad.data, tx.grad.numpy(), 1e-12, "grad x")
    _close(yw.grad.data, tw.grad.numpy(), 1e-12, "grad w")


@pytest.mark.parametrize("channels_last", [False, True])
def test_im2col_col2im_are_transposes(channels_last):
    """<im2col(x), c> == <x, col2im(c)> for random x, c (with padding, stride,
    dilation, groups), and batched leading dims go through."""
    rng = _rng("adjoint", channels_last)
    shape = (2, 4, 6, 5)
    args = ((3, 2), (2, 1), (1, 2), ((2, 1), (0, 3)), 2, channels_last)
    x = rng.standard_normal(shape)
    cols = window.im2col(x, *args)
    c = rng.standard_normal(cols.shape)
    back = window.col2im(c, shape, *args)
    assert back.shape == shape
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)
    xb = rng.standard_normal((3,) + shape)
    colsb = window.im2col(xb, *args)
    for i in range(3):
        np.testing.assert_array_equal(colsb[i], window.im2col(xb[i], *args))
    cb = rng.standard_normal(colsb.shape)
    backb = window.col2im(cb, shape, *args)
    for i in range(3):
        np.testing.assert_allclose(backb[i], window.col2im(cb[i], shape, *args), rtol=1e-14)


def test_conv1d_and_transpose_jacobians():
    rng = _rng("conv-jac")
    x = rng.standard_normal((2, 3, 7))
    w = rng.standard_normal((4, 3, 3))
    f = lambda x: C.conv1d(x, w, padding=2, stride=2, dilation=2)  # noqa: E731
    np.testing.assert_allclose(_d(ya.jacrev(f)(x)), _d(ya.jacfwd(f)(x)), rtol=1e-12, atol=1e-12)
    wt = rng.standard_normal((3, 2, 2, 3))
    x2 = rng.standard_normal((2, 3, 3, 3))
    g = lambda w: C.conv_transpose2d(x2, w, stride=2, padding=1)  # noqa: E731
    np.testing.assert_allclose(_d(ya.jacrev(g)(wt)), _d(ya.jacfwd(g)(wt)), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------
# max pooling: the first maximum of each window
# --------------------------------------------------------------------------------------
def _pool_parity(x, kw, dtype=np.float64):
    x = x.astype(dtype)
    yx = ya.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    yo, to = C.max_pool2d(yx, **kw), F.max_pool2d(tx, **kw)
    np.testing.assert_array_equal(yo.data, to.detach().numpy())
    cot = np.arange(1, yo.data.size + 1, dtype=dtype).reshape(yo.shape)
    (yo * cot).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    np.testing.assert_array_equal(yx.grad.data, tx.grad.numpy())
    return yx.grad.data


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=1), dict(kernel_size=2, dilation=2)])
def test_max_pool_ties_first_element_like_torch(kw):
    rng = _rng("ties", repr(kw))
    x = rng.integers(-1, 2, size=(2, 3, 7, 8)).astype(np.float64)   # many ties
    x[0, 0] = 0.0                                                    # all-tied windows
    for dtype in (np.float64, np.float32):
        _pool_parity(x, kw, dtype)


def test_max_pool_ties_after_relu_zero_gradient():
    x = np.zeros((1, 1, 4, 4))
    g = _pool_parity(np.maximum(x, 0), dict(kernel_size=2))
    assert (g != 0).sum() == 4        # one element per window, not split


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)])
def test_max_pool_nan_and_inf_like_torch(kw):
    rng = _rng("nan", repr(kw))
    x = rng.standard_normal((1, 2, 6, 6))
    x[0, 0, 1, 1] = np.nan
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 4, 4] = np.inf
    x[0, 1, 0, 0] = -np.inf
    yx = ya.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    yo, to = C.max_pool2d(yx, **kw), F.max_pool2d(tx, **kw)
    np.testing.assert_array_equal(yo.data, to.detach().numpy())
    cot = rng.standard_normal(yo.shape)
    (yo * cot).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(yx.grad.data, tx.grad.numpy(), rtol=1e-14, atol=0)


def test_max_pool_nonfinite_cotangent_like_torch():
    """An infinite cotangent lands only on the chosen element (inf * 0 is not NaN)."""
    rng = _rng("inf-cot")
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1)):
        x = rng.standard_normal((1, 1, 5, 6))
        yx = ya.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        yo, to = C.max_pool2d(yx, **kw), F.max_pool2d(tx, **kw)
        cot = rng.standard_normal(yo.shape)
        cot[0, 0, 0, 0] = np.inf
        cot[0, 0, -1, -1] = np.nan
        yo.backward(ya.tensor(cot))
        to.backward(torch.tensor(cot))
        np.testing.assert_allclose(yx.grad.data, tx.grad.numpy(), rtol=1e-14, atol=0)
        # forward mode with a non-finite tangent
        t = rng.standard_normal(x.shape)
        t[0, 0, 0, 1] = np.inf
        _, yt = ya.jvp(lambda x: C.max_pool2d(x, **kw), (x,), (t,))
        _, tt = torch.func.jvp(lambda x: F.max_pool2d(x, **kw), (torch.tensor(x),),
                               (torch.tensor(t),))
        np.testing.assert_array_equal(_d(yt), tt.numpy())


def test_max_pool_double_backward_and_jvp_match_torch():
    rng = _rng("pool-2nd")
    x = rng.standard_normal((2, 2, 6, 5))
    w = rng.standard_normal((3, 2, 2, 2))
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)

    def yf(x):
        return (C.max_pool2d(C.conv2d(x, w, padding=1), **kw) ** 2).sum()

    def tf(x):
        return (F.max_pool2d(F.conv2d(x, torch.tensor(w), padding=1), **kw) ** 2).sum()

    yx = ya.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    (gx,) = (ya.grad(yf)(yx),)
    (tgx,) = torch.autograd.grad(tf(tx), tx, create_graph=True)
    _close(gx.data, tgx.detach().numpy(), 1e-12, "grad")
    (gx ** 2).sum().backward()
    (tgx ** 2).sum().backward()
    _close(yx.grad.data, tx.grad.numpy(), 1e-12, "second derivative")
    t = rng.standard_normal(x.shape)
    _, yt = ya.jvp(lambda x: ya.grad(yf)(x), (x,), (t,))
    _, tt = torch.func.jvp(torch.func.grad(tf), (torch.tensor(x),), (torch.tensor(t),))
    _close(_d(yt), tt.numpy(), 1e-12, "forward-over-reverse")


def test_max_pool_batched_cotangents():
    rng = _rng("pool-jac")
    x = rng.standard_normal((1, 2, 5, 5))
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        f = lambda x: C.max_pool2d(x, **kw)  # noqa: E731
        np.testing.assert_array_equal(_d(ya.jacrev(f)(x)), _d(ya.jacfwd(f)(x)))


# --------------------------------------------------------------------------------------
# both im2col layouts, forced, on every conv case of test_nn_conv
# --------------------------------------------------------------------------------------
from test_nn_conv import CONV1D, CONV2D, parity  # noqa: E402


@pytest.mark.parametrize("layout", [True, False])
@pytest.mark.parametrize("case", range(len(CONV2D)))
def test_conv2d_both_layouts(case, layout, monkeypatch):
    monkeypatch.setattr(C, "_CHANNELS_LAST", layout)
    xs, ws, bias, kw = CONV2D[case]
    for dtype in (np.float64, np.float32):
        parity(C.conv2d, F.conv2d, [xs, ws, (ws[0],) if bias else None], kw, dtype,
               ("conv2d-layout", case, layout))


@pytest.mark.parametrize("layout", [True, False])
@pytest.mark.parametrize("case", range(len(CONV1D)))
def test_conv1d_both_layouts(case, layout, monkeypatch):
    monkeypatch.setattr(C, "_CHANNELS_LAST", layout)
    xs, ws, bias, kw = CONV1D[case]
    parity(C.conv1d, F.conv1d, [xs, ws, (ws[0],) if bias else None], kw, np.float64,
           ("conv1d-layout", case, layout))


@pytest.mark.parametrize("layout", [True, False])
def test_conv_layouts_higher_order(layout, monkeypatch):
    """Double backward against torch, gradcheck to second order, jacrev == jacfwd."""
    monkeypatch.setattr(C, "_CHANNELS_LAST", layout)
    rng = _rng("layout-2nd", layout)
    x = rng.standard_normal((2, 4, 5, 5))
    w = rng.standard_normal((6, 2, 3, 2))
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    yx, yw = ya.tensor(x, requires_grad=True), ya.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    gx, gw = ya.grad(lambda a, b: (C.conv2d(a, b, **kw) ** 2).sum(), argnums=(0, 1))(yx, yw)
    tgx, tgw = torch.autograd.grad((F.conv2d(tx, tw, **kw) ** 2).sum(), (tx, tw),
                                   create_graph=True)
    _close(gx.data, tgx.detach().numpy(), 1e-10, "grad x")
    _close(gw.data, tgw.detach().numpy(), 1e-10, "grad w")
    ((gx ** 2).sum() + (gw ** 2).sum()).backward()
    ((tgx ** 2).sum() + (tgw ** 2).sum()).backward()
    _close(yx.grad.data, tx.grad.numpy(), 1e-10, "second derivative x")
    _close(yw.grad.data, tw.grad.numpy(), 1e-10, "second derivative w")
    xs, ws = x[:1, :, :4, :3], w[:4]
    ya.testing.gradcheck(lambda a, b: C.conv2d(a, b, padding=1, groups=2) ** 2, xs, ws,
                         modes=("rev", "fwd"), order=2)
    f = lambda a: C.conv2d(a, w, **kw)  # noqa: E731
    np.testing.assert_allclose(_d(ya.jacrev(f)(x[:1])), _d(ya.jacfwd(f)(x[:1])),
                               rtol=1e-12, atol=1e-12)
    for G in (1, 2):        # groups == 1 takes the 2-D GEMM path
        ww = rng.standard_normal((4, 4 // G, 3, 3))
        g = lambda a: C.conv2d(a, ww, padding=1, groups=G)  # noqa: E731
        np.testing.assert_allclose(_d(ya.jacrev(g)(x[:1])), _d(ya.jacfwd(g)(x[:1])),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", [True, False])
def test_conv_bias_fused_gemm_higher_order(layout, monkeypatch):
    """The bias is added inside the GEMM's primitive: its gradient, second
    derivatives through it, and forward mode against torch and finite
    differences."""
    monkeypatch.setattr(C, "_CHANNELS_LAST", layout)
    rng = _rng("bias-gemm", layout)
    x = rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    kw = dict(padding=1, groups=2)
    ys = [ya.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    gy = ya.grad(lambda *a: (C.conv2d(*a, **kw) ** 3).sum(), argnums=(0, 1, 2))(*ys)
    gt = torch.autograd.grad((F.conv2d(*ts, **kw) ** 3).sum(), ts, create_graph=True)
    for i, (p, q) in enumerate(zip(gy, gt)):
        _close(p.data, q.detach().numpy(), 1e-10, f"grad {i}")
    sum((p ** 2).sum() for p in gy).backward()
    sum((q ** 2).sum() for q in gt).backward()
    for i, (p, q) in enumerate(zip(ys, ts)):
        _close(p.grad.data, q.grad.numpy(), 1e-10, f"second derivative {i}")
    tans = [rng.standard_normal(a.shape) for a in (x, w, b)]
    _, yt = ya.jvp(lambda *a: C.conv2d(*a, **kw), (x, w, b), tuple(tans))
    _, tt = torch.func.jvp(lambda *a: F.conv2d(*a, **kw), tuple(map(torch.tensor, (x, w, b))),
                           tuple(map(torch.tensor, tans)))
    _close(_d(yt), tt.numpy(), 1e-10, "jvp")
    ya.testing.gradcheck(lambda x, w, b: C.conv2d(x, w, b, **kw) ** 2, x[:1, :, :3, :3], w, b,
                         modes=("rev", "fwd"), order=2)
    f = lambda bb: C.conv2d(x[:1], w, bb, **kw)  # noqa: E731
    np.testing.assert_allclose(_d(ya.jacrev(f)(b)), _d(ya.jacfwd(f)(b)), rtol=1e-12, atol=1e-12)


def test_conv_bias_dtype_promotion_unchanged():
    """A float64 bias on float32 data promotes, as the unfused add did."""
    x = ya.tensor(np.ones((1, 1, 3, 3), np.float32))
    w = ya.tensor(np.ones((2, 1, 2, 2), np.float32))
    assert C.conv2d(x, w, np.ones(2)).dtype == np.float64
    assert C.conv2d(x, w, np.ones(2, np.float32)).dtype == np.float32
