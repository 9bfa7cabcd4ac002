"""Convolution and pooling (``yaae.nn.conv``) against PyTorch as an oracle.

Every case runs the same inputs (and weights) through yaae and torch, compares
the outputs, then backpropagates the same random cotangent through both and
compares the gradients of every input (input, weight, bias).  Tolerances are
relative to the scale of the expected values: 1e-10 in float64, 1e-5 in
float32.  Derivatives are also checked against finite differences (reverse
and forward mode, and second order) and forward mode against ``torch.func.jvp``.
"""
import math
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yaae as ya
from yaae.nn import conv as C

TOL = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
DTYPES = [np.float64, np.float32]

# torch notes that it copies the input for 'same' with an even kernel: expected, not a problem
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'",
                                        "ignore::DeprecationWarning:torch")


def _rng(*parts):
    return np.random.default_rng(zlib.crc32(repr(parts).encode()))


def _close(got, want, tol, what):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != torch's {want.shape}"
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=what)


def parity(yfn, tfn, shapes, kwargs, dtype, key):
    """Run ``yfn``/``tfn`` on random arrays of ``shapes`` (None: argument passed
    as None) with ``kwargs``; compare outputs and all input gradients."""
    rng = _rng(key, str(np.dtype(dtype)))
    arrays = [None if s is None else rng.standard_normal(s).astype(dtype) for s in shapes]
    ys = [None if a is None else ya.tensor(a, requires_grad=True) for a in arrays]
    ts = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    yo = yfn(*ys, **kwargs)
    to = tfn(*ts, **kwargs)
    tol = TOL[dtype]
    assert yo.dtype == dtype, f"output dtype {yo.dtype}, expected {np.dtype(dtype)}"
    _close(yo.data, to.detach().numpy(), tol, "output")
    cot = rng.standard_normal(yo.shape).astype(dtype)
    (yo * cot).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    for i, (a, b) in enumerate(zip(ys, ts)):
        if a is None:
            continue
        assert a.grad is not None, f"no gradient for argument {i}"
        assert a.grad.dtype == dtype
        _close(a.grad.data, b.grad.numpy(), tol, f"gradient of argument {i}")


# --------------------------------------------------------------------------------------
# functional parity
# --------------------------------------------------------------------------------------
CONV2D = [
    # (x shape, weight shape, bias?, kwargs)
    ((2, 3, 8, 7), (4, 3, 3, 3), True, {}),
    ((2, 3, 9, 8), (5, 3, 3, 2), True, dict(stride=2, padding=1)),
    ((2, 4, 9, 10), (6, 2, 3, 3), True, dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1),
                                             groups=2)),
    ((2, 4, 7, 7), (8, 1, 3, 3), True, dict(padding=1, groups=4)),           # depthwise x2
    ((2, 3, 6, 7), (3, 1, 2, 2), False, dict(stride=2, groups=3)),           # depthwise
    ((2, 3, 7, 6), (4, 3, 3, 5), True, dict(padding="same")),
    ((2, 3, 9, 8), (4, 3, 4, 2), False, dict(padding="same", dilation=(2, 3))),  # even k
    ((2, 4, 8, 9), (6, 2, 2, 3), True, dict(padding="same", groups=2)),
    ((2, 3, 8, 7), (4, 3, 2, 3), True, dict(padding="valid", dilation=2)),
    ((2, 6, 5, 5), (4, 3, 1, 1), True, dict(groups=2)),                     # 1x1
    ((1, 2, 10, 9), (3, 2, 3, 3), True, dict(stride=(3, 2), padding=(2, 0), dilation=(1, 3))),
    ((3, 8, 7), (4, 3, 3, 3), True, dict(padding=1, stride=(1, 2))),         # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(CONV2D)))
def test_conv2d(case, dtype):
    xs, ws, bias, kw = CONV2D[case]
    parity(C.conv2d, F.conv2d, [xs, ws, (ws[0],) if bias else None], kw, dtype,
           ("conv2d", case))


CONV1D = [
    ((2, 3, 10), (4, 3, 3), True, {}),
    ((2, 4, 11), (6, 2, 3), True, dict(stride=2, padding=1, dilation=2, groups=2)),
    ((2, 4, 9), (4, 1, 4), False, dict(padding="same", groups=4)),
    ((2, 3, 9), (5, 3, 2), True, dict(padding="valid", stride=3)),
    ((3, 12), (2, 3, 5), True, dict(padding=2, dilation=(2,))),               # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(CONV1D)))
def test_conv1d(case, dtype):
    xs, ws, bias, kw = CONV1D[case]
    parity(C.conv1d, F.conv1d, [xs, ws, (ws[0],) if bias else None], kw, dtype,
           ("conv1d", case))


CONV_T2D = [
    # (x shape, weight shape (in, out/groups, kH, kW), bias?, kwargs)
    ((2, 3, 5, 4), (3, 4, 3, 3), True, {}),
    ((2, 3, 5, 4), (3, 2, 3, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 4), (4, 3, 3, 2), True, dict(stride=(2, 3), padding=(1, 0),
                                            output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ((2, 2, 4, 4), (2, 3, 3, 3), False, dict(stride=2, dilation=3, output_padding=2)),
    ((2, 4, 5, 5), (4, 1, 3, 3), True, dict(stride=2, groups=4)),             # depthwise
    ((2, 3, 6, 5), (3, 2, 3, 3), True, dict(padding=2)),                      # crops
    ((2, 3, 4, 5), (3, 2, 2, 4), True, dict(stride=(1, 2), padding=(1, 1), output_padding=(0, 1))),
    ((3, 5, 4), (3, 2, 3, 2), True, dict(stride=2, padding=1, output_padding=1)),  # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(CONV_T2D)))
def test_conv_transpose2d(case, dtype):
    xs, ws, bias, kw = CONV_T2D[case]
    g = kw.get("groups", 1)
    parity(C.conv_transpose2d, F.conv_transpose2d,
           [xs, ws, (ws[1] * g,) if bias else None], kw, dtype, ("conv_transpose2d", case))


MAXPOOL = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 10, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    ((2, 2, 11, 10), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1),
                          ceil_mode=True)),
    ((2, 2, 7, 7), dict(kernel_size=2, stride=1, dilation=2)),
    ((2, 2, 6, 7), dict(kernel_size=2, ceil_mode=True)),
    ((3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),      # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(MAXPOOL)))
def test_max_pool2d(case, dtype):
    xs, kw = MAXPOOL[case]
    parity(C.max_pool2d, F.max_pool2d, [xs], kw, dtype, ("max_pool2d", case))


AVGPOOL = [
    ((2, 3, 8, 8), dict(kernel_size=2)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ((2, 2, 10, 8), dict(kernel_size=(4, 3), stride=(3, 2), padding=(2, 1), ceil_mode=True)),
    ((2, 2, 10, 8), dict(kernel_size=(4, 3), stride=(3, 2), padding=(2, 1), ceil_mode=True,
                         divisor_override=5)),
    ((2, 2, 7, 9), dict(kernel_size=(2, 3), divisor_override=2)),
    ((3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                     count_include_pad=False)),                                  # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(AVGPOOL)))
def test_avg_pool2d(case, dtype):
    xs, kw = AVGPOOL[case]
    parity(C.avg_pool2d, F.avg_pool2d, [xs], kw, dtype, ("avg_pool2d", case))


ADAPTIVE = [
    ((2, 3, 10, 10), (5, 5)),      # divides
    ((2, 3, 10, 7), (3, 4)),       # does not divide
    ((2, 3, 9, 7), 1),             # global average
    ((2, 3, 8, 5), (None, 3)),     # keep height
    ((2, 3, 4, 5), (7, 3)),        # upsampling along H (overlapping windows)
    ((3, 11, 6), 4),               # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(ADAPTIVE)))
def test_adaptive_avg_pool2d(case, dtype):
    xs, out = ADAPTIVE[case]
    parity(C.adaptive_avg_pool2d, F.adaptive_avg_pool2d, [xs], dict(output_size=out), dtype,
           ("adaptive_avg_pool2d", case))


# --------------------------------------------------------------------------------------
# modules
# --------------------------------------------------------------------------------------
MODULES = [
    (C.Conv1d, torch.nn.Conv1d, (4, 6, 3), dict(stride=2, padding=1, groups=2), (2, 4, 11)),
    (C.Conv2d, torch.nn.Conv2d, (3, 8, 3), {}, (2, 3, 7, 6)),
    (C.Conv2d, torch.nn.Conv2d, (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2),
                                                     dilation=(1, 2), groups=2), (2, 4, 9, 8)),
    (C.Conv2d, torch.nn.Conv2d, (4, 4, 3), dict(padding="same", groups=4, bias=False),
     (2, 4, 6, 6)),
    (C.Conv2d, torch.nn.Conv2d, (3, 5, 2), dict(padding="valid"), (3, 6, 5)),
    (C.ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, 3), dict(stride=2, padding=1,
                                                                  output_padding=1, groups=2),
     (2, 4, 5, 4)),
    (C.ConvTranspose2d, torch.nn.ConvTranspose2d, (3, 2, (2, 3)), dict(dilation=2, bias=False),
     (2, 3, 4, 4)),
    (C.MaxPool2d, torch.nn.MaxPool2d, (3,), dict(stride=2, padding=1, ceil_mode=True),
     (2, 3, 8, 7)),
    (C.MaxPool2d, torch.nn.MaxPool2d, (2,), {}, (3, 6, 6)),
    (C.AvgPool2d, torch.nn.AvgPool2d, (3,), dict(stride=2, padding=1,
                                                 count_include_pad=False), (2, 3, 8, 7)),
    (C.AvgPool2d, torch.nn.AvgPool2d, ((2, 3),), dict(ceil_mode=True, divisor_override=4),
     (2, 3, 7, 8)),
    (C.AdaptiveAvgPool2d, torch.nn.AdaptiveAvgPool2d, ((3, 2),), {}, (2, 3, 7, 5)),
    (C.AdaptiveAvgPool2d, torch.nn.AdaptiveAvgPool2d, ((None, 4),), {}, (3, 5, 6)),
]


def _mname(i):
    ycls, _, args, kw, _ = MODULES[i]
    return f"{ycls.__name__}-{i}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(MODULES)), ids=_mname)
def test_module_parity(case, dtype):
    ycls, tcls, args, kw, xs = MODULES[case]
    torch.manual_seed(case)
    tm = tcls(*args, **kw).to(TORCH_DTYPE[dtype])
    ym = ycls(*args, **kw)
    assert repr(ym) == repr(tm)
    tnames = [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in ym.named_parameters()] == tnames
    sd = {k: v.detach().numpy() for k, v in tm.state_dict().items()}
    ym.load_state_dict(sd)
    # the loaded module computes in float64 unless its parameters are float32
    if dtype == np.float32:
        for p in ym.parameters():
            p.data = p.data.astype(np.float32)
    rng = _rng("module", case, str(np.dtype(dtype)))
    x = rng.standard_normal(xs).astype(dtype)
    yx = ya.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    yo, to = ym(yx), tm(tx)
    tol = TOL[dtype]
    _close(yo.data, to.detach().numpy(), tol, "output")
    cot = rng.standard_normal(yo.shape).astype(dtype)
    (yo * cot).sum().backward()
    (to * torch.tensor(cot)).sum().backward()
    _close(yx.grad.data, tx.grad.numpy(), tol, "input gradient")
    yparams = dict(ym.named_parameters())
    for name, tp in tm.named_parameters():
        _close(yparams[name].grad.data, tp.grad.numpy(), tol, f"gradient of {name}")


def test_conv_transpose2d_output_size():
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(3, 4, 3, stride=3, padding=1).double()
    ym = C.ConvTranspose2d(3, 4, 3, stride=3, padding=1)
    ym.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = _rng("out_size").standard_normal((2, 3, 4, 5))
    for size in [(10, 13), (11, 14), (2, 4, 12, 15)]:
        want = tm(torch.tensor(x), output_size=size).detach().numpy()
        got = ym(ya.tensor(x), output_size=size).data
        _close(got, want, 1e-10, f"output_size={size}")
    with pytest.raises(ValueError):
        ym(ya.tensor(x), output_size=(13, 13))


@pytest.mark.parametrize("make,fan_in", [
    (lambda: C.Conv2d(16, 32, 3), 16 * 9),
    (lambda: C.Conv2d(16, 32, (3, 5), groups=4), 4 * 15),
    (lambda: C.Conv1d(8, 12, 7), 8 * 7),
    # torch's fan_in for ConvTranspose is weight.shape[1] * receptive field = out/groups * k
    (lambda: C.ConvTranspose2d(16, 24, 3, groups=2), 12 * 9),
])
def test_default_init(make, fan_in):
    ya.manual_seed(0)
    m = make()
    w, b = m.weight.data, m.bias.data
    bound = 1.0 / math.sqrt(fan_in)     # kaiming_uniform_(a=sqrt(5)) and the bias rule
    assert w.dtype == ya.get_default_dtype()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    # U(-bound, bound): standard deviation bound / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)
    assert m.weight.requires_grad and m.bias.requires_grad


def test_module_options():
    m = C.Conv2d(2, 4, 3, bias=False)
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    m = C.Conv2d(2, 4, 3, dtype=np.float32, device="cpu")
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    with pytest.raises(ValueError):
        C.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError):
        C.Conv2d(2, 4, 3, stride=2, padding="same")
    with pytest.raises(NotImplementedError):
        C.Conv2d(2, 4, 3, padding_mode="reflect")


def test_errors():
    x = ya.tensor(np.ones((1, 3, 5, 5)))
    with pytest.raises(RuntimeError, match="channels"):
        C.conv2d(x, ya.tensor(np.ones((2, 2, 3, 3))))
    with pytest.raises(ValueError, match="same"):
        C.conv2d(x, ya.tensor(np.ones((2, 3, 3, 3))), stride=2, padding="same")
    with pytest.raises(RuntimeError):
        C.conv2d(x, ya.tensor(np.ones((2, 3, 7, 7))))
    with pytest.raises(RuntimeError):
        C.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError):
        C.conv2d(ya.tensor(np.ones((5, 5))), ya.tensor(np.ones((2, 3, 3, 3))))


# --------------------------------------------------------------------------------------
# finite differences, higher order, forward mode
# --------------------------------------------------------------------------------------
def test_gradcheck_conv2d():
    rng = _rng("gc-conv2d")
    x = rng.standard_normal((1, 2, 4, 5))
    w = rng.standard_normal((4, 1, 2, 3))
    b = rng.standard_normal(4)
    ya.testing.gradcheck(lambda x, w, b: C.conv2d(x, w, b, stride=(1, 2), padding=1,
                                                  dilation=(1, 2), groups=2),
                         x, w, b, modes=("rev", "fwd"))


def test_gradcheck_conv_transpose2d():
    rng = _rng("gc-convT")
    x = rng.standard_normal((1, 2, 3, 3))
    w = rng.standard_normal((2, 2, 2, 3))
    b = rng.standard_normal(2)
    ya.testing.gradcheck(lambda x, w, b: C.conv_transpose2d(
        x, w, b, stride=2, padding=(1, 0), output_padding=1), x, w, b, modes=("rev", "fwd"))


def test_gradcheck_pools():
    rng = _rng("gc-pool")
    x = rng.standard_normal((1, 2, 5, 5))
    ya.testing.gradcheck(lambda x: C.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
                         x, modes=("rev", "fwd"))
    ya.testing.gradcheck(lambda x: C.avg_pool2d(x, 2, stride=2, padding=1, ceil_mode=True,
                                                count_include_pad=False),
                         x, modes=("rev", "fwd"))
    ya.testing.gradcheck(lambda x: C.adaptive_avg_pool2d(x, (2, 3)), x, modes=("rev", "fwd"))


def test_gradcheck_second_order_conv2d():
    rng = _rng("gc2-conv2d")
    x = rng.standard_normal((1, 1, 3, 3))
    w = rng.standard_normal((1, 1, 2, 2))
    # the square makes the second derivative depend on every entry, not only x-w cross terms
    ya.testing.gradcheck(lambda x, w: C.conv2d(x, w, padding=1) ** 2, x, w,
                         modes=("rev", "fwd"), order=2)


def test_grad_of_grad_conv2d_matches_torch():
    """create_graph double backward (a gradient penalty) against torch."""
    rng = _rng("double-backward")
    x = rng.standard_normal((2, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    yx, yw = ya.tensor(x, requires_grad=True), ya.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (gx,) = ya.grad(lambda x: (C.conv2d(x, yw, stride=2, padding=1) ** 2).sum())(yx),
    ((gx * gx).sum()).backward()
    (tgx,) = torch.autograd.grad((F.conv2d(tx, tw, stride=2, padding=1) ** 2).sum(), tx,
                                 create_graph=True)
    ((tgx * tgx).sum()).backward()
    _close(gx.data, tgx.detach().numpy(), 1e-10, "first derivative")
    _close(yw.grad.data, tw.grad.numpy(), 1e-10, "second derivative wrt weight")


@pytest.mark.parametrize("name", ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"])
def test_jvp_matches_torch(name):
    rng = _rng("jvp", name)
    if name == "conv2d":
        shapes = [(2, 4, 7, 6), (6, 2, 3, 2), (6,)]
        kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    elif name == "conv_transpose2d":
        shapes = [(2, 4, 4, 5), (4, 3, 3, 2), (6,)]
        kw = dict(stride=2, padding=1, output_padding=1, groups=2)
    elif name == "max_pool2d":
        shapes = [(2, 3, 7, 6)]
        kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)
    else:
        shapes = [(2, 3, 7, 6)]
        kw = dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)
    primals = [rng.standard_normal(s) for s in shapes]
    tangents = [rng.standard_normal(s) for s in shapes]
    yfn, tfn = getattr(C, name), getattr(F, name)
    yo, yt = ya.jvp(lambda *a: yfn(*a, **kw), tuple(primals), tuple(tangents))
    to, tt = torch.func.jvp(lambda *a: tfn(*a, **kw), tuple(map(torch.tensor, primals)),
                            tuple(map(torch.tensor, tangents)))
    yo = yo.data if isinstance(yo, ya.Tensor) else yo
    yt = yt.data if isinstance(yt, ya.Tensor) else yt
    _close(yo, to.numpy(), 1e-10, "primal output")
    _close(yt, tt.numpy(), 1e-10, "tangent output")


def test_jacfwd_jacrev_agree():
    """Batched (co)tangents through windows/unwindows: jacfwd == jacrev."""
    rng = _rng("jac")
    x = rng.standard_normal((1, 2, 4, 4))
    w = rng.standard_normal((2, 2, 2, 2))

    def f(x):
        y = C.conv_transpose2d(C.max_pool2d(C.conv2d(x, w, padding=1), 2), w, stride=2)
        return C.avg_pool2d(y, 2, padding=1, count_include_pad=False)
    jf = ya.jacfwd(f)(x)
    jr = ya.jacrev(f)(x)
    jf = jf.data if isinstance(jf, ya.Tensor) else jf
    jr = jr.data if isinstance(jr, ya.Tensor) else jr
    np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-12)


def test_exported_from_nn():
    import yaae.nn.functional as YF
    for name in ["conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
                 "adaptive_avg_pool2d"]:
        assert getattr(YF, name) is getattr(C, name)
    for name in ["Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
                 "AdaptiveAvgPool2d"]:
        assert getattr(ya.nn, name) is getattr(C, name)
        assert issubclass(getattr(C, name), ya.nn.Module)
