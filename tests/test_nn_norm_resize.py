"""GroupNorm, InstanceNorm, Upsample/interpolate, pad, PixelShuffle, channel
dropout, normalize, cosine_similarity and gumbel_softmax against PyTorch 2.13.

Every case feeds yaae and torch the same inputs, compares the outputs, then
backpropagates the same random cotangent on both sides and compares the
gradients of every input and parameter.  float64: rtol=1e-10 (atol=1e-12);
float32: rtol=1e-5 (atol=1e-6).  Forward mode is checked against
``torch.func.jvp`` and second order by finite differences (``gradcheck``).
"""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F
from yaae.testing import gradcheck

from test_nn_layers import TOL, TDT, randn, _seed  # noqa: F401  (_seed: the autouse seeding)

DTYPES = [np.float64, np.float32]


def close(a, b, dtype=np.float64, amplify=1.0):
    """Equal within the dtype's tolerance (``amplify``: the conditioning of a
    degenerate case, which scales torch's own float32 rounding)."""
    a = a.data if isinstance(a, ya.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    tol = {k: v * amplify for k, v in TOL[dtype].items()}
    np.testing.assert_allclose(a, b, **tol)


def check(yf, tf, arrays, dtype=np.float64, seed=0, amplify=1.0):
    """``yf(*Tensors)`` vs ``tf(*torch tensors)``: output, and the gradient of
    ``sum(out * w)`` for a random ``w`` with respect to every input."""
    xs_y = [ya.Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    xs_t = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    oy, ot = yf(*xs_y), tf(*xs_t)
    close(oy, ot, dtype, amplify)
    assert oy.dtype == np.dtype(dtype)
    w = randn(*ot.shape, seed=seed + 100).astype(dtype)
    (ot * torch.tensor(w)).sum().backward()
    (oy * ya.Tensor(w)).sum().backward()
    for xy, xt in zip(xs_y, xs_t):
        close(xy.grad, xt.grad, dtype, amplify)
    return oy, ot


def run_module(ym, tm, x, dtype=np.float64, seed=0, amplify=1.0):
    """Module pair: outputs, input gradient, parameter gradients, buffers."""
    ym.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    check(ym, tm, [x], dtype, seed, amplify)
    tp, yp = dict(tm.named_parameters()), dict(ym.named_parameters())
    assert list(tp) == list(yp)
    for name, p in tp.items():
        close(yp[name].grad, p.grad, dtype, amplify)
    tb, yb = dict(tm.named_buffers()), dict(ym.named_buffers())
    assert list(tb) == list(yb)
    for name, b in tb.items():
        close(yb[name].data, b.detach().numpy(), dtype)


def same_error(yf, tf):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as te:
        tf()
    with pytest.raises(type(te.value)) as ye:
        yf()
    assert str(ye.value) == str(te.value)


# ---------------------------------------------------------------------------------------
# GroupNorm
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4, 3, 2), 2), ((2, 4), 4),
                                          ((2, 6, 2, 2, 2), 1), ((1, 6, 4), 6), ((2, 2), 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_module(dtype, shape, groups, affine):
    C = shape[1]
    tm = tnn.GroupNorm(groups, C, affine=affine, dtype=TDT[dtype])
    ym = nn.GroupNorm(groups, C, affine=affine, dtype=dtype)
    assert repr(ym) == repr(tm)
    if affine:
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(randn(C, seed=1) + 1))
            tm.bias.copy_(torch.tensor(randn(C, seed=2)))
    # groups of one element: zero variance, so torch's fused float32 kernel
    # ((x * rstd) - mean * rstd, rstd = 1/sqrt(eps)) rounds ~300x worse
    single = C // groups * int(np.prod(shape[2:])) == 1 and dtype == np.float32
    run_module(ym, tm, randn(*shape, scale=2.0) + 1.0, dtype, amplify=400 if single else 1)


def test_group_norm_functional_and_no_bias():
    x, w, b = randn(2, 6, 4), randn(6, seed=1), randn(6, seed=2)
    check(lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-3),
          lambda x, w, b: TF.group_norm(x, 2, w, b, eps=1e-3), [x, w, b])
    check(lambda x, w: F.group_norm(x, 3, w), lambda x, w: TF.group_norm(x, 3, w), [x, w])
    tm, ym = tnn.GroupNorm(3, 6, bias=False, dtype=torch.float64), nn.GroupNorm(3, 6, bias=False)
    assert repr(ym) == repr(tm) and ym.bias is None
    run_module(ym, tm, x)


def test_group_norm_errors():
    same_error(lambda: nn.GroupNorm(4, 6), lambda: tnn.GroupNorm(4, 6))
    for shape, g in [((2, 6, 4), 4), ((1, 3), 3), ((3,), 1)]:
        same_error(lambda: F.group_norm(ya.Tensor(np.ones(shape)), g),
                   lambda: TF.group_norm(torch.ones(shape), g))
    same_error(lambda: F.group_norm(ya.Tensor(np.ones((2, 6, 4))), 3, ya.Tensor(np.ones(5))),
               lambda: TF.group_norm(torch.ones(2, 6, 4), 3, torch.ones(5)))


# ---------------------------------------------------------------------------------------
# InstanceNorm
# ---------------------------------------------------------------------------------------
IN_CONFIGS = [dict(), dict(affine=True), dict(track_running_stats=True),
              dict(affine=True, track_running_stats=True, momentum=0.3),
              dict(track_running_stats=True, momentum=None, eps=1e-3),
              dict(affine=True, bias=False)]


IN_CASES = [(cfg, kind, shape, np.float64) for cfg in IN_CONFIGS for kind, shape in
            [("1d", (3, 4, 5)), ("1d", (4, 6)), ("2d", (2, 4, 3, 5)), ("2d", (4, 2, 3))]]
IN_CASES += [(IN_CONFIGS[i], kind, shape, np.float32) for i in (1, 3)
             for kind, shape in [("1d", (3, 4, 5)), ("2d", (2, 4, 3, 5))]]
IN_CASES += [(IN_CONFIGS[3], "3d", shape, np.float64) for shape in [(2, 4, 2, 3, 2),
                                                                     (4, 2, 2, 3)]]


@pytest.mark.parametrize("cfg,kind,shape,dtype", IN_CASES, ids=str)
def test_instance_norm_train_eval(cfg, kind, shape, dtype):
    C = 4
    name = "InstanceNorm" + kind
    tcls, ycls = getattr(tnn, name), getattr(nn, name)
    tm, ym = tcls(C, dtype=TDT[dtype], **cfg), ycls(C, dtype=dtype, **cfg)
    assert repr(ym) == repr(tm)
    assert list(ym.state_dict()) == list(tm.state_dict())
    if tm.affine:
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(randn(C, seed=1) + 1))
            if tm.bias is not None:
                tm.bias.copy_(torch.tensor(randn(C, seed=2)))
    ym.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    for step in range(3):           # training steps update the running statistics
        x = randn(*shape, seed=step, scale=2.0) + step
        xt = torch.tensor(x.astype(dtype), requires_grad=True)
        xy = ya.Tensor(x.astype(dtype), requires_grad=True)
        ot, oy = tm(xt), ym(xy)
        close(oy, ot, dtype)
        w = randn(*ot.shape, seed=10 + step).astype(dtype)
        (ot * torch.tensor(w)).sum().backward()
        (oy * ya.Tensor(w)).sum().backward()
        close(xy.grad, xt.grad, dtype)
        for name, p in tm.named_parameters():
            close(dict(ym.named_parameters())[name].grad, p.grad, dtype)
        tm.zero_grad()
        ym.zero_grad()
        for name, b in tm.named_buffers():
            close(dict(ym.named_buffers())[name].data, b.numpy(), dtype)
    tm.eval()
    ym.eval()
    run_module(ym, tm, randn(*shape, seed=9), dtype)


def test_instance_norm_functional():
    x, rm, rv = randn(3, 2, 5), randn(2, seed=1), np.abs(randn(2, seed=2)) + 0.5
    w, b = randn(2, seed=3), randn(2, seed=4)
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-3),
          lambda x, w, b: TF.instance_norm(x, weight=w, bias=b, eps=1e-3), [x, w, b])
    check(lambda x: F.instance_norm(x, ya.Tensor(rm), ya.Tensor(rv), use_input_stats=False),
          lambda x: TF.instance_norm(x, torch.tensor(rm), torch.tensor(rv),
                                     use_input_stats=False), [x])
    rmy, rvy, rmt, rvt = rm.copy(), rv.copy(), torch.tensor(rm), torch.tensor(rv)
    close(F.instance_norm(ya.Tensor(x), rmy, rvy, momentum=0.2),
          TF.instance_norm(torch.tensor(x), rmt, rvt, momentum=0.2))
    close(rmy, rmt)
    close(rvy, rvt)


def test_instance_norm_errors_and_warning():
    with pytest.raises(ValueError, match=r"more than 1 spatial element when training, got "
                                         r"input size \[2, 3, 1\]"):
        F.instance_norm(ya.Tensor(np.ones((2, 3, 1))))
    same_error(lambda: nn.InstanceNorm1d(3)(ya.Tensor(np.ones((2, 3, 4, 5)))),
               lambda: tnn.InstanceNorm1d(3)(torch.ones(2, 3, 4, 5)))
    same_error(lambda: nn.InstanceNorm2d(3)(ya.Tensor(np.ones((3, 4)))),
               lambda: tnn.InstanceNorm2d(3)(torch.ones(3, 4)))
    same_error(lambda: nn.InstanceNorm1d(3, affine=True)(ya.Tensor(np.ones((2, 4, 5)))),
               lambda: tnn.InstanceNorm1d(3, affine=True)(torch.ones(2, 4, 5)))
    with pytest.warns(UserWarning, match="does not match num_features"):
        out = nn.InstanceNorm1d(3)(ya.Tensor(randn(2, 4, 5)))
    close(out, tnn.InstanceNorm1d(3)(torch.tensor(randn(2, 4, 5))))
    with pytest.raises(RuntimeError, match="running_mean and running_var"):
        F.instance_norm(ya.Tensor(np.ones((2, 3, 4))), use_input_stats=False)


# ---------------------------------------------------------------------------------------
# interpolate / Upsample
# ---------------------------------------------------------------------------------------
INTERP_CASES = [
    # (input shape, mode, kwargs)
    ((2, 3, 5), "nearest", dict(size=8)),
    ((2, 3, 5), "nearest", dict(size=3)),
    ((2, 3, 5), "nearest", dict(scale_factor=1.7)),
    ((2, 3, 5), "nearest", dict(scale_factor=1.7, recompute_scale_factor=True)),
    ((2, 3, 5), "nearest", dict(scale_factor=2)),
    ((2, 3, 5), "nearest", dict(scale_factor=0.6)),
    ((1, 2, 4, 5), "nearest", dict(size=(7, 3))),
    ((1, 2, 4, 5), "nearest", dict(scale_factor=(2.5, 0.5))),
    ((1, 2, 3, 4, 2), "nearest", dict(size=(5, 6, 3))),
    ((2, 3, 5), "nearest-exact", dict(size=8)),
    ((2, 3, 5), "nearest-exact", dict(scale_factor=1.2)),
    ((1, 2, 4, 5), "nearest-exact", dict(scale_factor=(1.5, 0.7))),
    ((1, 2, 3, 2, 4), "nearest-exact", dict(size=(4, 5, 3))),
    ((2, 3, 5), "linear", dict(size=9)),
    ((2, 3, 5), "linear", dict(size=2)),
    ((2, 3, 5), "linear", dict(size=1)),
    ((2, 3, 5), "linear", dict(scale_factor=1.7)),
    ((2, 3, 5), "linear", dict(scale_factor=1.7, recompute_scale_factor=True)),
    ((2, 3, 1), "linear", dict(size=4)),
    ((1, 2, 4, 5), "bilinear", dict(size=(7, 3))),
    ((1, 2, 4, 5), "bilinear", dict(size=(4, 9))),
    ((1, 2, 4, 5), "bilinear", dict(scale_factor=2)),
    ((1, 2, 4, 5), "bilinear", dict(scale_factor=(1.3, 0.45))),
    ((1, 2, 4, 5), "bilinear", dict(scale_factor=(1.3, 0.45), recompute_scale_factor=True)),
    ((2, 1, 6, 6), "bilinear", dict(size=(1, 4))),
    ((1, 2, 3, 2, 4), "trilinear", dict(size=(5, 3, 2))),
    ((1, 2, 3, 2, 4), "trilinear", dict(scale_factor=1.5)),
    ((1, 2, 4, 5), "bicubic", dict(size=(7, 3))),
    ((2, 1, 5, 4), "bicubic", dict(scale_factor=(1.3, 2.0))),
    ((2, 1, 5, 4), "bicubic", dict(scale_factor=0.55, recompute_scale_factor=True)),
    ((1, 2, 1, 3), "bicubic", dict(size=(1, 5))),
    ((2, 3, 7), "area", dict(size=3)),
    ((2, 3, 5), "area", dict(size=8)),
    ((1, 2, 6, 5), "area", dict(scale_factor=0.5)),
    ((1, 2, 6, 5), "area", dict(size=(4, 2))),
    ((1, 2, 3, 5, 4), "area", dict(size=(2, 3, 3))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,mode,kw,align", [
    c + (a,) for c in INTERP_CASES for a in ([None] if c[1] in ("nearest", "nearest-exact",
                                                                  "area") else
                                             [None, True])], ids=lambda c: str(c))
def test_interpolate(dtype, shape, mode, kw, align):
    """Every case in float64 and float32; linear modes with align_corners False
    (None) and True.  float32 bicubic (16 taps with negative weights): torch's
    own float32 error is up to 2e-6 (yaae's 6e-7, see the next test), so the
    absolute tolerance is 4e-6 there."""
    amplify = 4 if mode == "bicubic" and dtype == np.float32 else 1
    check(lambda x: F.interpolate(x, mode=mode, align_corners=align, **kw),
          lambda x: TF.interpolate(x, mode=mode, align_corners=align, **kw),
          [randn(*shape)], dtype, amplify=amplify)


@pytest.mark.parametrize("align", [False, True])
def test_interpolate_bicubic_float32_against_float64(align):
    """float32 bicubic within 1e-6 of the float64 result (torch's float64 kernel)."""
    x = randn(4, 3, 5, 4).astype(np.float32)
    kw = dict(scale_factor=(1.3, 2.0), mode="bicubic", align_corners=align)
    out = F.interpolate(ya.Tensor(x), **kw)
    assert out.dtype == np.float32
    ref = TF.interpolate(torch.tensor(x.astype(np.float64)), **kw).numpy()
    np.testing.assert_allclose(out.data, ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode,nd", [("nearest", 1), ("nearest", 2), ("nearest", 3),
                                     ("nearest-exact", 1), ("nearest-exact", 2), ("linear", 1),
                                     ("bicubic", 2), ("area", 1)])
def test_interpolate_index_sweep(dtype, mode, nd):
    """Every in/out size up to 12 and many scale factors along the last axis:
    the source indices and weights of PyTorch's kernels (an arange input shows
    the picked indices), for 3-D, 4-D and 5-D inputs (their kernels differ)."""
    factors = (0.3, 0.5, 0.75, 0.9, 1.029, 1.1, 1.17, 1.25, 1.5, 1.7, 2.0, 2.065, 2.3, 2.96,
               3.0, 3.3, 1 / 3, 2 / 3)
    lead = (1,) * (nd - 1)
    kws = [dict(size=lead + (o,)) for o in range(1, 13)]
    kws += [dict(scale_factor=tuple(map(float, lead)) + (s,)) for s in factors]
    aligns = [False, True] if mode in ("linear", "bicubic") else [None]
    for n in range(1, 8 if mode == "area" else 12):
        x = np.arange(2 * n, dtype=dtype).reshape((1, 2) + lead + (n,)) * 1.5 - 2.0
        for kw in kws:
            if "scale_factor" in kw and int(n * kw["scale_factor"][-1]) < 1:
                continue
            for align in aligns:
                out = F.interpolate(ya.Tensor(x), mode=mode, align_corners=align, **kw)
                ref = TF.interpolate(torch.tensor(x), mode=mode, align_corners=align, **kw)
                close(out, ref, dtype)


@pytest.mark.parametrize("shape,sf", [((1, 2, 5), 1.029), ((1, 2, 3), 2.065),
                                      ((1, 2, 2, 5), (2.065, 1.029)),
                                      ((1, 2, 2, 3, 5), (2.065, 1.0, 1.029))])
def test_interpolate_nearest_size_shortcuts(shape, sf):
    """Output size equal to (or twice) the input size with a different
    scale_factor.  PyTorch's 2-D nearest kernel copies (halves the index) in
    both passes; its 1-D and 3-D forward kernels use the scale_factor but their
    backward kernels take the shortcut, so their gradient is not the adjoint of
    their own forward.  yaae matches every forward and gives the adjoint of it:
    torch's gradient in 2-D, the scatter of the cotangent on torch's forward
    indices in 1-D and 3-D."""
    x = randn(*shape)
    if len(shape) == 4:
        check(lambda x: F.interpolate(x, scale_factor=sf), lambda x: TF.interpolate(
            x, scale_factor=sf), [x])
        return
    out = F.interpolate(ya.Tensor(x, requires_grad=True), scale_factor=sf)
    close(out, TF.interpolate(torch.tensor(x), scale_factor=sf))
    # torch's forward indices, from an input that holds its own flat positions
    pos = TF.interpolate(torch.arange(x.size, dtype=torch.float64).reshape(shape),
                         scale_factor=sf).numpy().astype(np.int64)
    w = randn(*pos.shape, seed=3)
    xy = ya.Tensor(x, requires_grad=True)
    (F.interpolate(xy, scale_factor=sf) * ya.Tensor(w)).sum().backward()
    expected = np.zeros(x.size)
    np.add.at(expected, pos.ravel(), w.ravel())
    close(xy.grad, expected.reshape(shape))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear"])
def test_interpolate_non_finite_input(mode):
    """Infinities and NaNs propagate as in PyTorch (yaae gathers instead of its
    matmul path there; a zero weight times inf is NaN in both)."""
    x = randn(2, 3, 4, 5)
    x[0, 0, 1, 2], x[1, 2, 0, 0], x[0, 1, 3, 4] = np.inf, np.nan, -np.inf
    check(lambda x: F.interpolate(x, size=(7, 9), mode=mode),
          lambda x: TF.interpolate(x, size=(7, 9), mode=mode), [x])
    x = np.where(np.isfinite(x), x, 1.0).astype(np.float32)
    x[0, 0, 0, 0] = np.inf
    check(lambda x: F.interpolate(x, scale_factor=(1.5, 0.7), mode=mode),
          lambda x: TF.interpolate(x, scale_factor=(1.5, 0.7), mode=mode), [x], np.float32)


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="nearest"),
                                dict(size=(3, 7), mode="bilinear"),
                                dict(scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True),
                                dict(size=5, mode="nearest-exact")])
def test_upsample_module(kw):
    tm, ym = tnn.Upsample(**kw), nn.Upsample(**kw)
    assert repr(ym) == repr(tm)
    assert ym.scale_factor == tm.scale_factor and ym.size == tm.size
    run_module(ym, tm, randn(2, 3, 4, 5))


@pytest.mark.parametrize("name,kw", [("UpsamplingNearest2d", dict(scale_factor=2)),
                                     ("UpsamplingBilinear2d", dict(size=(3, 7))),
                                     ("UpsamplingBilinear2d", dict(scale_factor=1.5))])
def test_upsampling_legacy_modules(name, kw):
    tm, ym = getattr(tnn, name)(**kw), getattr(nn, name)(**kw)
    assert repr(ym) == repr(tm) and ym.align_corners == tm.align_corners
    run_module(ym, tm, randn(2, 3, 4, 5))


def test_upsample_deprecated_alias():
    with pytest.warns(UserWarning, match="deprecated"):
        out = F.upsample(ya.Tensor(randn(1, 1, 3)), scale_factor=2, mode="linear")
    close(out, TF.interpolate(torch.tensor(randn(1, 1, 3)), scale_factor=2, mode="linear"))


@pytest.mark.parametrize("shape,kw", [
    ((1, 1, 3), dict(scale_factor=0.2)),
    ((1, 1, 3, 3), dict(size=(0, 2))),
    ((1, 1, 3), dict(size=3, mode="foo")),
    ((1, 3), dict(size=3)),
    ((1, 1, 3), dict(size=(3, 3))),
    ((1, 1, 3), dict(scale_factor=(2, 2))),
    ((1, 1, 3), dict(size=3, scale_factor=2)),
    ((1, 1, 3), dict()),
    ((1, 1, 3), dict(size=3, recompute_scale_factor=True)),
    ((1, 1, 3), dict(size=(2.5,))),
    ((1, 1, 3, 3), dict(size=3, mode="linear")),
    ((1, 1, 3), dict(size=3, mode="bilinear")),
    ((1, 1, 3), dict(size=3, mode="bicubic")),
    ((1, 1, 3, 3), dict(scale_factor=2, mode="area", align_corners=False)),
    ((1, 1, 3, 3, 3), dict(size=3, mode="bilinear")),
    ((1, 1, 3), dict(size=3, mode="nearest", antialias=True)),
    ((1, 1, 3), dict(size=3, mode="nearest", align_corners=False)),
    ((1, 1, 3, 3), dict(size=3, mode="nearest-exact", align_corners=True)),
    ((1, 1, 3), dict(scale_factor=-1.0)),
])
def test_interpolate_errors(shape, kw):
    same_error(lambda: F.interpolate(ya.Tensor(np.ones(shape)), **kw),
               lambda: TF.interpolate(torch.ones(shape), **kw))


def test_interpolate_unimplemented_modes_name_the_mode():
    for mode in ("bilinear", "bicubic"):
        with pytest.raises(NotImplementedError, match="antialias"):
            F.interpolate(ya.Tensor(np.ones((1, 1, 3, 3))), size=2, mode=mode, antialias=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        F.interpolate(ya.Tensor(np.ones((1, 1, 3, 3))), size=2, mode="lanczos", antialias=True)
    for kw in (dict(), dict(align_corners=True, antialias=True)):
        same_error(lambda: F.interpolate(ya.Tensor(np.ones((1, 1, 3, 3))), size=2,
                                         mode="lanczos", **kw),
                   lambda: TF.interpolate(torch.ones(1, 1, 3, 3), size=2, mode="lanczos", **kw))


def test_interpolate_bicubic_same_size_gradient():
    """Output size equal to the input size with scale_factor != 1: PyTorch's
    bicubic forward uses the scale_factor but its backward copies the
    gradient; yaae matches the forward and its gradient is that forward's
    derivative (finite differences), not torch's copy."""
    x = randn(1, 2, 3, 6)
    kw = dict(scale_factor=(1.0, 1.1), mode="bicubic")
    close(F.interpolate(ya.Tensor(x), **kw), TF.interpolate(torch.tensor(x), **kw))
    assert gradcheck(lambda t: F.interpolate(t, **kw), ya.Tensor(x))
    g = ya.grad(lambda t: F.interpolate(t, **kw).sum())(ya.Tensor(x))
    assert not np.allclose(g.data, 1.0)


# ---------------------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------------------
PAD_CASES = [
    ("constant", (2, 3, 4), (1, 2)),
    ("constant", (2, 3, 4), (0, 3, 2, 0)),
    ("constant", (2, 3, 4), (1, 1, 1, 1, 1, 1)),
    ("constant", (2, 3, 4), (-1, 2, 1, -2)),
    ("constant", (2, 3, 4), (-2, -1)),
    ("constant", (2, 3, 4), (-1, -3)),
    ("constant", (5,), (2, -3)),
    ("reflect", (2, 5), (2, 3)),
    ("reflect", (2, 3, 5), (4, 1)),
    ("reflect", (2, 3, 5), (-1, 2)),
    ("reflect", (3, 4, 5), (1, 3, 2, 0)),
    ("reflect", (1, 2, 4, 5), (3, 1, 0, 2)),
    ("reflect", (2, 3, 4, 5), (1, 2, 3, 0, 1, 1)),
    ("reflect", (1, 2, 3, 4, 5), (0, 4, 2, 1, 2, 1)),
    ("replicate", (2, 5), (3, 7)),
    ("replicate", (2, 3, 5), (2, -1)),
    ("replicate", (3, 4, 5), (6, 1, 0, 5)),
    ("replicate", (1, 2, 4, 5), (1, 3, 2, 0)),
    ("replicate", (1, 2, 3, 4, 5), (1, 2, 3, 0, 2, 1)),
    ("circular", (2, 5), (2, 3)),
    ("circular", (2, 3, 5), (5, 1)),
    ("circular", (1, 2, 4, 5), (2, 1, 0, 4)),
    ("circular", (1, 2, 3, 4, 5), (1, 2, 3, 0, 2, 1)),
    ("circular", (2, 5), (2, -1)),
    ("circular", (2, 5), (-1, 2)),
    ("circular", (2, 3, 5), (-2, -1)),
    ("circular", (2, 3, 5), (-3, 2)),
    ("circular", (1, 2, 4, 5), (-1, 1, 2, -1)),
    ("reflect", (1, 2, 4, 5), (-1, 3, 2, -3)),
    ("replicate", (1, 2, 4, 5), (-2, -3, 0, 0)),
    ("reflect", (2, 3, 5), (-3, -1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode,shape,p", PAD_CASES, ids=str)
def test_pad(dtype, mode, shape, p):
    check(lambda x: F.pad(x, p, mode=mode), lambda x: TF.pad(x, p, mode=mode),
          [randn(*shape)], dtype)


def test_pad_value_and_ya_pad_kept():
    x = randn(2, 3)
    check(lambda x: F.pad(x, (1, 2, 0, 1), value=-3.5),
          lambda x: TF.pad(x, (1, 2, 0, 1), value=-3.5), [x])
    close(F.pad(ya.Tensor(x), [1, 1], mode="reflect", value=0),
          TF.pad(torch.tensor(x), [1, 1], mode="reflect", value=0))
    # ya.pad stays NumPy's np.pad (pad widths per dimension, first dimension first)
    assert ya.pad(ya.Tensor(x), ((1, 0), (0, 2))).shape == np.pad(x, ((1, 0), (0, 2))).shape


@pytest.mark.parametrize("shape,p,mode", [
    ((1, 1, 3), (1,), "constant"),
    ((1, 1, 3), (1,) * 8, "constant"),
    ((1, 1, 1, 1, 3), (1, 1), "reflect"),
    ((3,), (1, 1), "replicate"),
    ((1, 2, 3), (3, 3), "reflect"),
    ((2, 3), (1, 3), "reflect"),
    ((1, 2, 3, 4), (1, 1, 4, 0), "reflect"),
    ((1, 1, 2, 3, 4), (0, 0, 0, 0, 5, 0), "reflect"),
    ((1, 1, 3), (1, 1), "foo"),
    ((1, 1, 3), (4, 0), "circular"),
    ((1, 1, 3), (-2, -1), "reflect"),
    ((3, 3), (-2, -1), "replicate"),
    ((1, 1, 3, 3), (-2, -2, 0, 0), "circular"),
])
def test_pad_errors(shape, p, mode):
    same_error(lambda: F.pad(ya.Tensor(np.ones(shape)), p, mode=mode),
               lambda: TF.pad(torch.ones(shape), p, mode=mode))


def test_pad_value_with_reflect_raises():
    same_error(lambda: F.pad(ya.Tensor(np.ones((1, 1, 3))), (1, 1), mode="reflect", value=2.0),
               lambda: TF.pad(torch.ones(1, 1, 3), (1, 1), mode="reflect", value=2.0))
    with pytest.raises(RuntimeError, match="negative padding"):
        F.pad(ya.Tensor(np.ones((2, 3))), (-2, -2))


# ---------------------------------------------------------------------------------------
# PixelShuffle / PixelUnshuffle
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 9, 3, 2), 3), ((4, 2, 2), 1),
                                     ((2, 3, 8, 2, 2), 2), ((4, 3, 2), 2)])
def test_pixel_shuffle(dtype, shape, r):
    tm, ym = tnn.PixelShuffle(r), nn.PixelShuffle(r)
    assert repr(ym) == repr(tm)
    run_module(ym, tm, randn(*shape), dtype)
    y = ym(ya.Tensor(randn(*shape)))
    tu, yu = tnn.PixelUnshuffle(r), nn.PixelUnshuffle(r)
    assert repr(yu) == repr(tu)
    run_module(yu, tu, y.data, dtype)
    close(yu(y), randn(*shape))        # exact inverse


@pytest.mark.parametrize("fn,shape,r", [
    ("pixel_shuffle", (1, 5, 2, 2), 2), ("pixel_shuffle", (5, 2), 2),
    ("pixel_shuffle", (1, 4, 2, 2), 0), ("pixel_unshuffle", (1, 1, 3, 4), 2),
    ("pixel_unshuffle", (1, 1, 4, 3), 2), ("pixel_unshuffle", (3, 4), 2),
    ("pixel_unshuffle", (1, 1, 4, 4), 0)])
def test_pixel_shuffle_errors(fn, shape, r):
    same_error(lambda: getattr(F, fn)(ya.Tensor(np.ones(shape)), r),
               lambda: getattr(TF, fn)(torch.ones(shape), r))


# ---------------------------------------------------------------------------------------
# Dropout1d / Dropout2d
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", [(nn.Dropout1d, (8, 6, 5)), (nn.Dropout1d, (6, 5)),
                                       (nn.Dropout2d, (8, 6, 4, 3))])
@pytest.mark.parametrize("p", [0.3, 0.5, 0.8])
def test_channel_dropout_masks(cls, shape, p):
    x = np.abs(randn(*shape)) + 1.0           # no zero entries
    m = cls(p)
    assert repr(m) == repr(getattr(tnn, cls.__name__)(p))
    xt = ya.Tensor(x, requires_grad=True)
    out = m(xt)
    out.sum().backward()
    lead = x.ndim - (2 if cls is nn.Dropout2d else 1)
    o = out.data.reshape(shape[:lead] + (-1,))
    ratio = o / x.reshape(o.shape)
    dropped = np.all(o == 0, axis=-1)
    kept = np.all(np.isclose(ratio, 1 / (1 - p), rtol=1e-14), axis=-1)
    assert np.all(dropped | kept)           # whole channels, scaled by 1/(1-p)
    assert dropped.any() and kept.any()
    g = xt.grad.data.reshape(o.shape)       # gradient is the same mask
    np.testing.assert_array_equal(g, np.broadcast_to(np.where(dropped[..., None], 0.0,
                                                               1 / (1 - p)), g.shape))
    m.eval()
    assert m(xt) is xt or np.array_equal(m(xt).data, x)


def test_channel_dropout_rate_and_edge_cases():
    x = ya.Tensor(np.ones((200, 50, 3)))
    frac = np.mean(np.all(F.dropout1d(x, 0.3).data == 0, axis=-1))
    assert abs(frac - 0.3) < 0.02
    np.testing.assert_array_equal(F.dropout1d(x, 1.0).data, 0)
    np.testing.assert_array_equal(F.dropout2d(ya.Tensor(np.ones((2, 3, 2, 2))), 0.0).data, 1)
    ya.manual_seed(3)
    a = F.dropout2d(ya.Tensor(np.ones((4, 5, 2, 2)))).data
    ya.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout2d(ya.Tensor(np.ones((4, 5, 2, 2)))).data)
    same_error(lambda: F.dropout1d(ya.Tensor(np.ones((2, 3, 4, 5)))),
               lambda: TF.dropout1d(torch.ones(2, 3, 4, 5)))
    same_error(lambda: F.dropout2d(ya.Tensor(np.ones((2, 3, 4, 5))), p=1.5),
               lambda: TF.dropout2d(torch.ones(2, 3, 4, 5), p=1.5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ya.Tensor(np.ones((2, 3, 4))))
    with pytest.warns(UserWarning, match="Received a 5-D input"):
        F.dropout2d(ya.Tensor(np.ones((2, 3, 4, 1, 1))))


# ---------------------------------------------------------------------------------------
# normalize / cosine_similarity
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("dim", [1, 0, -1, (1, 2)])
def test_normalize(dtype, p, dim):
    x = randn(3, 4, 5)
    check(lambda x: F.normalize(x, p=p, dim=dim), lambda x: TF.normalize(x, p=p, dim=dim),
          [x], dtype)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_normalize_zero_and_tiny_rows(p):
    """A zero row gives a zero output and a finite gradient (1/eps times the
    cotangent), equal to PyTorch's; rows whose norm is below eps too."""
    x = randn(4, 3)
    x[1] = 0.0
    x[2] = [1e-14, -2e-14, 3e-14]
    check(lambda x: F.normalize(x, p=p), lambda x: TF.normalize(x, p=p), [x])
    check(lambda x: F.normalize(x, p=p, dim=0), lambda x: TF.normalize(x, p=p, dim=0), [x.T])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1,s2,dim", [((5, 4), (5, 4), 1), ((3, 4, 2), (3, 4, 2), -1),
                                       ((3, 1, 4), (2, 4), -1), ((4,), (3, 4), 1),
                                       ((2, 3, 4), (3, 1), 0), ((6,), (6,), 0)])
def test_cosine_similarity(dtype, s1, s2, dim):
    check(lambda a, b: F.cosine_similarity(a, b, dim=dim),
          lambda a, b: TF.cosine_similarity(a, b, dim=dim),
          [randn(*s1, seed=1), randn(*s2, seed=2)], dtype)


def test_cosine_similarity_zero_and_tiny_vectors():
    a, b = randn(4, 3, seed=1), randn(4, 3, seed=2)
    a[0] = 0.0
    b[1] = 0.0
    a[2] = [1e-9, 2e-9, -1e-9]
    b[3] = [3e-10, 0.0, 1e-10]
    for eps in (1e-8, 1e-3):
        check(lambda a, b: F.cosine_similarity(a, b, eps=eps),
              lambda a, b: TF.cosine_similarity(a, b, eps=eps), [a, b])
    tm, ym = tnn.CosineSimilarity(dim=0, eps=1e-6), nn.CosineSimilarity(dim=0, eps=1e-6)
    assert repr(ym) == repr(tm)
    close(ym(ya.Tensor(a), ya.Tensor(b)), tm(torch.tensor(a), torch.tensor(b)))


def test_cosine_similarity_errors():
    same_error(lambda: F.cosine_similarity(ya.Tensor(np.ones((2, 3))), ya.Tensor(np.ones((2, 3))),
                                           dim=2),
               lambda: TF.cosine_similarity(torch.ones(2, 3), torch.ones(2, 3), dim=2))
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(4, 3\)"):
        F.cosine_similarity(ya.Tensor(np.ones((2, 3))), ya.Tensor(np.ones((4, 3))))


# ---------------------------------------------------------------------------------------
# gumbel_softmax
# ---------------------------------------------------------------------------------------
def _noise(seed, shape, dtype):
    """The Gumbel noise yaae draws after ``ya.manual_seed(seed)``: -log(Exponential(1))."""
    return -np.log(np.random.default_rng(seed).exponential(size=shape)).astype(dtype)


def _torch_gumbel(logits, g, tau, hard, dim):
    """torch.nn.functional.gumbel_softmax's formula, with the noise ``g`` given."""
    y_soft = ((logits + torch.tensor(g)) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torch.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("shape,dim,tau", [((4, 5), -1, 1.0), ((3, 4, 2), 1, 0.5),
                                           ((6,), 0, 2.0), ((2, 3, 4), 0, 1.0)])
def test_gumbel_softmax(dtype, hard, shape, dim, tau):
    g = _noise(7, shape, dtype)

    def yf(x):
        ya.manual_seed(7)
        return F.gumbel_softmax(x, tau=tau, hard=hard, dim=dim)

    oy, _ = check(yf, lambda x: _torch_gumbel(x, g, tau, hard, dim), [randn(*shape)], dtype)
    if hard:   # one-hot values along dim
        np.testing.assert_allclose(oy.data.sum(axis=dim), 1, rtol=1e-6)
        assert set(np.unique(np.round(oy.data, 5))) <= {0.0, 1.0}


def test_gumbel_softmax_sampling_and_eps_warning():
    ya.manual_seed(0)
    logits = ya.Tensor(np.log([[0.1, 0.2, 0.7]]).repeat(4000, axis=0))
    picks = np.argmax(F.gumbel_softmax(logits, hard=True).data, axis=1)
    np.testing.assert_allclose(np.bincount(picks, minlength=3) / 4000, [0.1, 0.2, 0.7], atol=0.03)
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(ya.Tensor(np.ones(3)), eps=1e-5)


# ---------------------------------------------------------------------------------------
# Forward mode and second order
# ---------------------------------------------------------------------------------------
JVP_CASES = [
    ((2, 6, 3), lambda F_: lambda x: F_.group_norm(x, 3)),
    ((2, 3, 4), lambda F_: lambda x: F_.instance_norm(x)),
    ((1, 2, 3, 4), lambda F_: lambda x: F_.interpolate(x, size=(5, 3), mode="bilinear")),
    ((1, 2, 5), lambda F_: lambda x: F_.interpolate(x, scale_factor=1.5, mode="nearest")),
    ((1, 1, 3, 4), lambda F_: lambda x: F_.interpolate(x, size=(5, 2), mode="bicubic")),
    ((2, 3, 4), lambda F_: lambda x: F_.pad(x, (2, 1), mode="reflect")),
    ((2, 3, 4), lambda F_: lambda x: F_.pad(x, (-1, 2, 1, 0), value=1.5)),
    ((3, 4), lambda F_: lambda x: F_.normalize(x)),
    ((3, 4), lambda F_: lambda x: F_.cosine_similarity(x, x * x + 1.0)),
    ((1, 8, 2, 2), lambda F_: lambda x: F_.pixel_shuffle(x, 2)),
]


@pytest.mark.parametrize("shape,make", JVP_CASES)
def test_jvp_matches_torch_func(shape, make):
    x, v = randn(*shape, seed=1), randn(*shape, seed=2)
    val, tan = ya.jvp(make(F), (ya.Tensor(x),), (ya.Tensor(v),))
    tval, ttan = torch.func.jvp(make(TF), (torch.tensor(x),), (torch.tensor(v),))
    close(val, tval)
    close(tan, ttan)


@pytest.mark.parametrize("shape,make", JVP_CASES)
def test_second_order_gradcheck(shape, make):
    assert gradcheck(make(F), ya.Tensor(randn(*shape, seed=3)), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("fn", ["normalize", "cosine_similarity"])
def test_zero_row_second_order_matches_torch(fn):
    """Gradient and Hessian-vector product through a zero row, vs torch's double backward."""
    x = np.vstack([np.zeros(3), randn(2, 3, seed=4)])
    other, v = randn(3, 3, seed=7), randn(3, 3, seed=6)
    w = randn(3, 3, seed=5) if fn == "normalize" else randn(3, seed=5)

    def loss(mod, t, wrap):
        out = mod.normalize(t) if fn == "normalize" else mod.cosine_similarity(t, wrap(other))
        return (out * out * wrap(w)).sum()

    xt = torch.tensor(x, requires_grad=True)
    gt, = torch.autograd.grad(loss(TF, xt, torch.tensor), xt, create_graph=True)
    ht, = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    gy = ya.grad(lambda t: loss(F, t, ya.Tensor))
    hy = ya.grad(lambda t: (gy(t) * ya.Tensor(v)).sum())(ya.Tensor(x))
    close(gy(ya.Tensor(x)), gt)
    # torch's double backward of the norm is NaN at a zero vector: compare the
    # other rows with torch and the zero row with the closed form (near 0 the
    # output is x / eps, so the loss is quadratic there)
    assert np.isnan(ht[0].numpy()).all()
    close(hy.data[1:], ht[1:])
    if fn == "normalize":
        exact = 2 * w[0] * v[0] / 1e-12 ** 2
    else:
        u = other[0] / np.linalg.norm(other[0])
        exact = 2 * w[0] * (u @ v[0]) * u / 1e-8 ** 2
    np.testing.assert_allclose(hy.data[0], exact, rtol=1e-12)
