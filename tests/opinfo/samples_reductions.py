"""Samples for the reductions (``ops/reductions.py``: sum prod max min;
``ops/composite.py``: mean var std logsumexp softmax log_softmax) and the
statistics family (``ops/stats.py``)."""
import numpy as np
import torch
import torch.nn.functional as F

import yaae as ya

from . import Sample, add, rand, randn, pos, distinct, crandn, _rng


# ---- helpers ---------------------------------------------------------------------------
def _dims(x, axis):
    """NumPy ``axis`` as a tuple of torch dims (None: all)."""
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(axis) if isinstance(axis, tuple) else (axis,)


def _np_equal(np_fn, **fixed):
    """check=: the value equals NumPy's (on the same arguments)."""
    def check(out, *args):
        want = np_fn(*args, **fixed)
        if isinstance(want, tuple):
            for o, w in zip(out, want):
                np.testing.assert_allclose(np.asarray(o.data), w, rtol=1e-12, atol=1e-13)
            return
        got = np.asarray(out.data)
        assert got.shape == np.shape(want), (got.shape, np.shape(want))
        assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
        tol = 1e-5 if got.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    return check


def _f32(name, *args, npfn=None, diff=(0,), **kw):
    """A float32 sample (not differentiated by the harness, whose Jacobian
    comparisons are float64-tight): its ``check`` asserts that the value is
    float32 and equals NumPy's (to float32 precision), and that the gradients
    of the arguments ``diff`` are float32 and finite."""
    def check(out, *a):
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            assert o.dtype == np.float32, o.dtype
        if npfn is not None:
            want = npfn(*a, **kw)
            assert np.asarray(want).dtype == np.float32, np.asarray(want).dtype
            np.testing.assert_allclose(out.data, want, rtol=2e-6, atol=2e-6)
        fn = getattr(ya, name)

        def loss(*xs):
            b = list(a)
            for i, x in zip(diff, xs):
                b[i] = x
            r = fn(*b, **kw)
            r = r[0] if isinstance(r, (tuple, list)) else r
            return ya.sum(ya.where(np.isnan(r.data), 0.0, r))
        gs = ya.grad(loss, argnums=tuple(range(len(diff))))(*[a[i] for i in diff])
        for gr in gs:
            assert np.asarray(gr).dtype == np.float32, np.asarray(gr).dtype
            assert np.all(np.isfinite(gr))
    return Sample(*args, kw=kw, diff=(), check=check)


AXES = [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False), ((0, 2), True),
        (1, False)]


def _axis_samples(name, x, torch_fn, np_fn, extra=None, big=None, order2_x=None):
    """Axis/keepdims variants of ``name(x, axis=, keepdims=)`` with a torch oracle
    ``torch_fn(t, dims, keepdim)``, a float32 sample, an order-2 sample and a big one."""
    for axis, kd in AXES:
        add(name, Sample(x, kw={"axis": axis, "keepdims": kd},
                         torch=lambda t, axis, keepdims: torch_fn(t, _dims(t, axis), keepdims),
                         check=_np_equal(np_fn, axis=axis, keepdims=kd),
                         order2=(axis == -1)))
    x2 = x if order2_x is None else order2_x
    add(name, Sample(x2, kw={"axis": 1}, order2=True,
                     torch=lambda t, axis: torch_fn(t, (axis,), False)),
        _f32(name, x.astype(np.float32), npfn=np_fn, axis=0),
        Sample(big, kw={"axis": -1},
               torch=lambda t, axis: torch_fn(t, (axis,), False)))


# ---- sum / prod / max / min / mean / var / std / logsumexp ----------------------------------
_axis_samples("sum", randn(3, 4, 5), lambda t, d, k: torch.sum(t, dim=d, keepdim=k), np.sum,
              big=randn(20, 15))
add("sum", Sample(randn(4), kw={}, torch=lambda t: torch.sum(t), order2=True),
    Sample(randn(3, 4), kw={"axis": (-1, -2)}, torch=lambda t, axis: torch.sum(t, dim=axis)))

_axis_samples("max", distinct(3, 4, 5), lambda t, d, k: torch.amax(t, dim=d, keepdim=k), np.max,
              big=distinct(20, 15))
_axis_samples("min", distinct(3, 4, 5), lambda t, d, k: torch.amin(t, dim=d, keepdim=k), np.min,
              big=distinct(20, 15))
# ties split evenly, as torch.amax/amin
_tie = np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, 2.0, -1.0]])
add("max", Sample(_tie, kw={"axis": 1}, fd=False, torch=lambda t, axis: torch.amax(t, dim=axis)),
    Sample(_tie, kw={}, fd=False, torch=lambda t: torch.amax(t)))
add("min", Sample(-_tie, kw={"axis": 1}, fd=False, torch=lambda t, axis: torch.amin(t, dim=axis)))


def _torch_prod(t, dims, keepdim):
    for d in sorted((d % t.ndim for d in dims), reverse=True):
        t = torch.prod(t, dim=d, keepdim=keepdim)
    return t


_axis_samples("prod", pos(3, 4, 5, low=0.5, high=1.5), _torch_prod, np.prod,
              big=pos(30, 10, low=0.8, high=1.2))
_z = rand(3, 4)
_z[1, 2] = 0.0
_z2 = rand(3, 4)
_z2[0, 1] = _z2[0, 3] = 0.0
add("prod", Sample(_z, kw={"axis": 1}, order2=True, torch=lambda t, axis: torch.prod(t, dim=axis)),
    Sample(_z2, kw={"axis": 1}, order2=True, torch=lambda t, axis: torch.prod(t, dim=axis)),
    Sample(_z, kw={}, order2=True, torch=lambda t: torch.prod(t)))

_axis_samples("mean", randn(3, 4, 5), lambda t, d, k: torch.mean(t, dim=d, keepdim=k), np.mean,
              big=randn(20, 15))

for _name, _tfn, _npfn in [("var", torch.var, np.var), ("std", torch.std, np.std)]:
    _x = randn(3, 4, 5)
    for axis, kd in AXES:
        for ddof in (0, 1):
            add(_name, Sample(_x, kw={"axis": axis, "keepdims": kd, "ddof": ddof},
                              torch=lambda t, axis, keepdims, ddof, _f=_tfn:
                              _f(t, dim=_dims(t, axis), correction=ddof, keepdim=keepdims),
                              check=_np_equal(_npfn, axis=axis, keepdims=kd, ddof=ddof),
                              order2=(axis == -1)))
    add(_name, Sample(randn(4, 6), kw={"axis": 0, "ddof": 2}, order2=True,
                      torch=lambda t, axis, ddof, _f=_tfn: _f(t, dim=axis, correction=ddof)),
        _f32(_name, randn(3, 4).astype(np.float32), npfn=_npfn, axis=1, ddof=1),
        Sample(randn(20, 15), kw={"axis": -1, "ddof": 1},
               torch=lambda t, axis, ddof, _f=_tfn: _f(t, dim=axis, correction=ddof)))

_axis_samples("logsumexp", randn(3, 4, 5),
              lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k),
              lambda x, axis, keepdims=False:
              np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
              big=randn(20, 15))
add("logsumexp", Sample(randn(3, 4) * 300, kw={"axis": 1}, order2=True,
                        torch=lambda t, axis: torch.logsumexp(t, dim=axis)))


def _softmax_samples(name, tfn, npfn):
    for axis in (-1, 0, 1):
        add(name, Sample(randn(3, 4, 5), kw={"axis": axis}, order2=(axis == 1),
                         torch=lambda t, axis: tfn(t, dim=axis),
                         check=lambda out, x, _a=axis: np.testing.assert_allclose(
                             out.data, npfn(x, _a), rtol=1e-12, atol=1e-14)))
    add(name, Sample(randn(3, 4), kw={"axis": None},
                     torch=lambda t, axis: tfn(t.reshape(-1), dim=0).reshape(t.shape)),
        Sample(randn(2, 3) * 300, kw={}, order2=True, torch=lambda t: tfn(t, dim=-1)),
        _f32(name, randn(3, 4).astype(np.float32)),
        Sample(randn(20, 15), kw={"axis": 0}, torch=lambda t, axis: tfn(t, dim=axis)))


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_softmax_samples("softmax", torch.softmax, _np_softmax)
_softmax_samples("log_softmax", torch.log_softmax, lambda x, a: np.log(_np_softmax(x, a)))


# ---- ptp / average --------------------------------------------------------------------------
_axis_samples("ptp", distinct(3, 4, 5),
              lambda t, d, k: torch.amax(t, dim=d, keepdim=k) - torch.amin(t, dim=d, keepdim=k),
              np.ptp, big=distinct(20, 15))

_axis_samples("average", randn(3, 4, 5), lambda t, d, k: torch.mean(t, dim=d, keepdim=k),
              np.average, big=randn(20, 15))
_a, _w = randn(3, 4, 5), pos(3, 4, 5)
add("average",
    Sample(_a, None, _w, kw={}, order2=True,
           torch=lambda a, axis, w: (a * w).sum() / w.sum(),
           check=_np_equal(np.average)),
    Sample(_a, 1, pos(4), kw={"keepdims": True}, order2=True,
           torch=lambda a, axis, w, keepdims: (a * w[:, None]).sum(1, keepdim=True)
           / w.sum(), check=_np_equal(np.average, keepdims=True)),
    Sample(_a, (0, 2), pos(3, 5), kw={},
           torch=lambda a, axis, w: (a * w[:, None, :]).sum((0, 2)) / w.sum(),
           check=_np_equal(np.average)),
    Sample(_a, -1, _w, True, kw={},
           torch=lambda a, axis, w, ret: ((a * w).sum(-1) / w.sum(-1), w.sum(-1)),
           check=_np_equal(np.average)),
    Sample(_a, 0, None, True, kw={}, check=_np_equal(np.average)),
    _f32("average", _a.astype(np.float32), 0, _w.astype(np.float32), npfn=np.average,
         diff=(0, 2)),
    Sample(randn(20, 15), 0, pos(20, 15), kw={},
           torch=lambda a, axis, w: (a * w).sum(0) / w.sum(0)))


# ---- median / quantile / percentile -------------------------------------------------------
def _tq(t, q, dims, keepdim, interpolation="linear"):
    """torch.quantile over one dim or all (None)."""
    if len(dims) == t.ndim and t.ndim != 1:
        r = torch.quantile(t.reshape(-1), q, dim=0, interpolation=interpolation)
        if keepdim:
            qs = tuple(r.shape[:1]) if torch.is_tensor(q) and q.ndim else ()
            r = r.reshape(qs + (1,) * t.ndim)
        return r
    (d,) = dims
    return torch.quantile(t, q, dim=d, keepdim=keepdim, interpolation=interpolation)


for axis, kd in [(None, False), (None, True), (0, False), (-1, True), (1, False)]:
    add("median", Sample(distinct(3, 4, 5), kw={"axis": axis, "keepdims": kd},
                         torch=lambda t, axis, keepdims: _tq(t, 0.5, _dims(t, axis), keepdims),
                         check=_np_equal(np.median, axis=axis, keepdims=kd),
                         order2=(axis == -1)))
add("median",
    Sample(distinct(3, 4, 6), kw={"axis": (0, 2), "keepdims": True},
           check=_np_equal(np.median, axis=(0, 2), keepdims=True)),
    Sample(distinct(6), kw={}, order2=True, torch=lambda t: torch.quantile(t, 0.5)),
    _f32("median", distinct(4, 5).astype(np.float32), npfn=np.median, axis=1),
    Sample(distinct(20, 15), kw={"axis": 0},
           torch=lambda t, axis: torch.quantile(t, 0.5, dim=axis)))

_qx = distinct(3, 7, 5)
for meth in ("linear", "lower", "higher", "midpoint", "nearest"):
    for axis, kd in [(None, False), (1, False), (-1, True)]:
        for q in (0.37, np.array([0.13, 0.62, 0.9])):
            add("quantile", Sample(_qx, q, kw={"axis": axis, "keepdims": kd, "method": meth},
                                   diff=(0,),
                                   torch=lambda t, q, axis, keepdims, method:
                                   _tq(t, q,
                                       _dims(t, axis), keepdims, method),
                                   check=_np_equal(np.quantile, axis=axis, keepdims=kd,
                                                   method=meth)))
for meth in ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
             "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
             "normal_unbiased"):
    add("quantile", Sample(_qx, np.array([0.0, 0.13, 0.5, 0.62, 1.0]),
                           kw={"axis": 1, "method": meth}, diff=(0,),
                           check=_np_equal(np.quantile, axis=1, method=meth)))
# differentiable in q too (continuous methods), away from integer virtual indexes
add("quantile",
    Sample(_qx, np.array([0.13, 0.62]), kw={"axis": 1}, order2=True,
           check=_np_equal(np.quantile, axis=1)),
    Sample(_qx, np.array([[0.2, 0.45], [0.71, 0.93]]), kw={"axis": (0, 2), "method": "hazen"},
           order2=True, check=_np_equal(np.quantile, axis=(0, 2), method="hazen")),
    _f32("quantile", distinct(5, 6).astype(np.float32), 0.3, npfn=np.quantile, axis=1),
    Sample(distinct(20, 15), np.array([0.21, 0.77]), kw={"axis": 0}, diff=(0,),
           torch=lambda t, q, axis: torch.quantile(t, q, dim=axis)))

_qw = pos(7)
add("quantile",
    Sample(_qx, np.array([0.2, 0.7]), kw={"axis": 1, "method": "inverted_cdf", "weights": _qw},
           diff=(0,), order2=True,
           check=_np_equal(np.quantile, axis=1, method="inverted_cdf", weights=_qw)))
add("percentile",
    Sample(_qx, 35.0, kw={"axis": 1, "method": "inverted_cdf", "weights": _qw,
                          "keepdims": True},
           check=_np_equal(np.percentile, axis=1, method="inverted_cdf", weights=_qw,
                           keepdims=True)))
add("percentile",
    Sample(_qx, 37.0, kw={"axis": 1}, order2=True,
           torch=lambda t, q, axis: torch.quantile(t, q / 100, dim=axis),
           check=_np_equal(np.percentile, axis=1)),
    Sample(_qx, np.array([13.0, 62.0, 90.0]), kw={"axis": None, "keepdims": True},
           diff=(0,), torch=lambda t, q, axis, keepdims: _tq(
               t, q / 100, _dims(t, axis), keepdims),
           check=_np_equal(np.percentile, axis=None, keepdims=True)),
    Sample(_qx, np.array([13.0, 62.0]), kw={"axis": -1, "method": "weibull"}, order2=True,
           check=_np_equal(np.percentile, axis=-1, method="weibull")),
    Sample(_qx, np.array([0.0, 50.0, 100.0]), kw={"axis": 1, "method": "nearest"}, diff=(0,),
           torch=lambda t, q, axis, method: torch.quantile(t, q / 100, dim=axis,
                                                           interpolation=method)),
    _f32("percentile", distinct(5, 6).astype(np.float32), 30, npfn=np.percentile, axis=1),
    Sample(distinct(20, 15), 41.0, kw={"axis": 0}, diff=(0,),
           torch=lambda t, q, axis: torch.quantile(t, q / 100, dim=axis)))


# ---- trapezoid / interp / polyval / convolve / correlate -------------------------------------
_y = randn(4, 7)
add("trapezoid",
    Sample(_y, kw={}, order2=True, torch=lambda y: torch.trapezoid(y),
           check=_np_equal(np.trapezoid)),
    Sample(_y, np.sort(randn(7)), kw={}, order2=True, torch=lambda y, x: torch.trapezoid(y, x),
           check=_np_equal(np.trapezoid)),
    Sample(_y, np.sort(randn(4, 7), axis=1), kw={"axis": 1},
           torch=lambda y, x, axis: torch.trapezoid(y, x, dim=axis),
           check=_np_equal(np.trapezoid, axis=1)),
    Sample(np.ascontiguousarray(_y.T), np.sort(randn(7)), kw={"axis": 0},
           torch=lambda y, x, axis: torch.trapezoid(y, x, dim=axis),
           check=_np_equal(np.trapezoid, axis=0)),
    Sample(_y, kw={"dx": 0.3, "axis": 0},
           torch=lambda y, dx, axis: torch.trapezoid(y, dx=dx, dim=axis),
           check=_np_equal(np.trapezoid, dx=0.3, axis=0)),
    _f32("trapezoid", _y.astype(np.float32), np.sort(randn(7)).astype(np.float32),
         npfn=np.trapezoid, diff=(0, 1)),
    Sample(randn(20, 15), np.sort(randn(15)), kw={},
           torch=lambda y, x: torch.trapezoid(y, x)))

_xp = np.sort(distinct(8, gap=0.1))
_fp = randn(8)
_xs = np.concatenate([_rng.uniform(_xp[0] - 0.5, _xp[-1] + 0.5, 12)])
# keep the evaluation points off the sample points
_xs = _xs[np.min(np.abs(_xs[:, None] - _xp[None, :]), axis=1) > 0.02]


def _torch_interp(x, xp, fp, left=None, right=None):
    """Independent oracle: the piecewise-linear formula in torch."""
    j = torch.searchsorted(xp.detach(), x.detach(), right=True) - 1
    jc = j.clamp(0, len(xp) - 2)
    t = (x - xp[jc]) / (xp[jc + 1] - xp[jc])
    v = fp[jc] + t * (fp[jc + 1] - fp[jc])
    lv = fp[0] if left is None else left
    rv = fp[-1] if right is None else right
    v = torch.where(j < 0, lv, v)
    return torch.where(x > xp[-1], rv, v)


add("interp",
    Sample(_xs, _xp, _fp, kw={}, order2=True, torch=_torch_interp, check=_np_equal(np.interp)),
    Sample(_xs, _xp, _fp, kw={"left": -3.0, "right": 4.0},
           torch=lambda x, xp, fp, left, right: _torch_interp(x, xp, fp, left, right),
           check=_np_equal(np.interp, left=-3.0, right=4.0)),
    Sample(_xs[:5].reshape(5, 1), _xp, _fp, kw={}, torch=_torch_interp,
           check=_np_equal(np.interp)),
    Sample(np.array(_xs[0]), _xp, _fp, kw={}, torch=_torch_interp),
    Sample(_xs, _xp, _fp, kw={"period": 1.3}, order2=True,
           check=_np_equal(np.interp, period=1.3)),
    Sample(np.sort(_rng.uniform(-3, 3, 300)), np.linspace(-2, 2, 9) + _rng.uniform(0, 0.1, 9),
           randn(9), kw={}, torch=_torch_interp))


def _torch_polyval(p, x):
    n = p.shape[0]
    return sum(p[i] * x ** (n - 1 - i) for i in range(n))


add("polyval",
    Sample(randn(4), randn(3, 5), order2=True, torch=_torch_polyval, check=_np_equal(np.polyval)),
    Sample(randn(1), randn(6), torch=_torch_polyval),
    Sample(randn(6), np.array(0.7), order2=True, torch=_torch_polyval),
    _f32("polyval", randn(3).astype(np.float32), randn(4).astype(np.float32), npfn=np.polyval,
         diff=(0, 1)),
    Sample(randn(5), rand(20, 15, low=-1.0, high=1.0), torch=_torch_polyval))


def _torch_xcorr(a, v, mode):
    """NumPy's correlate, written with torch's conv1d (a cross-correlation)."""
    n, m = a.shape[0], v.shape[0]
    inverted = n < m
    if inverted:
        a, v, n, m = v, a, m, n
    full = F.conv1d(F.pad(a[None, None], (m - 1, m - 1)), v[None, None])[0, 0]
    if mode in ("valid", 0):
        out = full[m - 1:n]
    elif mode in ("same", 1):
        s = m - 1 - m // 2
        out = full[s:s + n]
    else:
        out = full
    return out.flip(0) if inverted else out


def _torch_convolve(a, v, mode="full"):
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    return _torch_xcorr(a, v.flip(0), mode)


for _fn, _name, _tfn in [(np.convolve, "convolve", _torch_convolve),
                         (np.correlate, "correlate", _torch_xcorr)]:
    for n, m in [(7, 3), (6, 4), (3, 7), (4, 6), (5, 5), (6, 1)]:
        _u, _v = randn(n), randn(m)
        for mode in ("full", "same", "valid"):
            add(_name, Sample(_u, _v, mode, kw={}, torch=_tfn, order2=(mode == "same" and n == 6),
                              check=_np_equal(_fn)))
    add(_name, _f32(_name, randn(4).astype(np.float32), randn(3).astype(np.float32), npfn=_fn,
                    diff=(0, 1)),
        Sample(randn(300), randn(5), "same", kw={}, torch=_tfn))


# ---- cov / corrcoef ------------------------------------------------------------------------
_m, _yv = randn(3, 8), randn(2, 8)
_fw = _rng.integers(1, 4, 8)
_aw = pos(8)


def _torch_cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    x = m if m.ndim == 2 else m[None]
    if not rowvar:
        x = x.T
    if y is not None:
        yy = y if y.ndim == 2 else y[None]
        x = torch.cat([x, yy.T if not rowvar else yy], 0)
    corr = ddof if ddof is not None else (0 if bias else 1)
    fw = None if fweights is None else torch.as_tensor(fweights)
    aw = None if aweights is None else (aweights if torch.is_tensor(aweights)
                                        else torch.tensor(aweights))
    return torch.cov(x, correction=corr, fweights=fw, aweights=aw).squeeze()


add("cov",
    Sample(_m, kw={}, order2=True, torch=_torch_cov, check=_np_equal(np.cov)),
    Sample(_m, _yv, kw={}, torch=_torch_cov, check=_np_equal(np.cov)),
    Sample(np.ascontiguousarray(_m.T), kw={"rowvar": False}, torch=_torch_cov,
           check=_np_equal(np.cov, rowvar=False)),
    Sample(_m, kw={"bias": True}, torch=_torch_cov, check=_np_equal(np.cov, bias=True)),
    Sample(_m, kw={"ddof": 2}, torch=_torch_cov, check=_np_equal(np.cov, ddof=2)),
    Sample(_m, kw={"fweights": _fw}, torch=_torch_cov, check=_np_equal(np.cov, fweights=_fw)),
    Sample(_m, kw={"aweights": _aw}, torch=_torch_cov, check=_np_equal(np.cov, aweights=_aw)),
    Sample(_m, kw={"fweights": _fw, "aweights": _aw}, torch=_torch_cov,
           check=_np_equal(np.cov, fweights=_fw, aweights=_aw)),
    # differentiable in aweights too
    Sample(_m, None, True, False, None, _fw, _aw, kw={}, order2=True,
           torch=_torch_cov, check=_np_equal(np.cov)),
    Sample(_m, None, True, False, 0, None, _aw, kw={}, torch=_torch_cov),
    Sample(_m[0], kw={}, torch=_torch_cov, check=_np_equal(np.cov)),
    Sample(_m[0], _m[1], kw={}, torch=_torch_cov),
    _f32("cov", _m.astype(np.float32), npfn=np.cov, dtype=np.float32),
    Sample(randn(12, 30), kw={}, torch=_torch_cov))

add("corrcoef",
    Sample(_m, kw={}, order2=True, torch=torch.corrcoef, check=_np_equal(np.corrcoef)),
    Sample(_m, _yv, kw={}, torch=lambda x, y: torch.corrcoef(torch.cat([x, y])),
           check=_np_equal(np.corrcoef)),
    Sample(np.ascontiguousarray(_m.T), kw={"rowvar": False},
           torch=lambda x, rowvar: torch.corrcoef(x.T),
           check=_np_equal(np.corrcoef, rowvar=False)),
    Sample(_m[0], _m[1], kw={}, order2=True,
           torch=lambda x, y: torch.corrcoef(torch.stack([x, y]))),
    Sample(_m[0], kw={}, check=_np_equal(np.corrcoef)),
    Sample(randn(12, 30), kw={}, torch=torch.corrcoef))


# ---- NaN-ignoring reductions ---------------------------------------------------------------
def _with_nans(x, frac=0.2, seed=0):
    """``x`` with some NaNs, leaving at least two numbers in every slice along
    every axis (so no slice is all-NaN and nanstd stays away from 0)."""
    r = np.random.default_rng(seed)
    y = np.where(r.random(x.shape) < frac, np.nan, x)
    for ax in range(x.ndim):
        if np.any(np.sum(~np.isnan(y), axis=ax) < 2):
            return _with_nans(x, frac * 0.7, seed + 1)
    return y


def _tnan(t, fill):
    return torch.where(torch.isnan(t), torch.full_like(t, fill), t)


def _tnanvar(t, dims, keepdim, ddof=0):
    mask = ~torch.isnan(t)
    t0 = _tnan(t, 0.0)
    n = mask.sum(dim=dims, keepdim=True)
    mu = t0.sum(dim=dims, keepdim=True) / n
    dev = torch.where(mask, t0 - mu, torch.zeros_like(t0))
    dof = mask.sum(dim=dims, keepdim=keepdim) - ddof
    return (dev * dev).sum(dim=dims, keepdim=keepdim) / dof


_xn = _with_nans(randn(3, 4, 5))
_xd = _with_nans(distinct(3, 4, 5))
_bign = _with_nans(randn(20, 15))
_bigd = _with_nans(distinct(20, 15))

_axis_samples("nansum", _xn, lambda t, d, k: torch.nansum(t, dim=d, keepdim=k), np.nansum,
              big=_bign)
_axis_samples("nanmean", _xn, lambda t, d, k: torch.nanmean(t, dim=d, keepdim=k), np.nanmean,
              big=_bign)
_axis_samples("nanprod", _with_nans(pos(3, 4, 5, low=0.5, high=1.5)),
              lambda t, d, k: _torch_prod(_tnan(t, 1.0), d, k), np.nanprod,
              big=_with_nans(pos(30, 10, low=0.8, high=1.2)))
_axis_samples("nanmax", _xd, lambda t, d, k: torch.amax(_tnan(t, -np.inf), dim=d, keepdim=k),
              np.nanmax, big=_bigd)
_axis_samples("nanmin", _xd, lambda t, d, k: torch.amin(_tnan(t, np.inf), dim=d, keepdim=k),
              np.nanmin, big=_bigd)
_axis_samples("nanvar", _xn, lambda t, d, k: _tnanvar(t, d, k), np.nanvar, big=_bign)
_axis_samples("nanstd", _xn, lambda t, d, k: torch.sqrt(_tnanvar(t, d, k)), np.nanstd, big=_bign)
for _name, _np, _tfn in [("nanvar", np.nanvar, _tnanvar),
                         ("nanstd", np.nanstd,
                          lambda t, d, k, ddof: torch.sqrt(_tnanvar(t, d, k, ddof)))]:
    add(_name, Sample(_xn, kw={"axis": 1, "ddof": 1}, order2=True,
                      torch=lambda t, axis, ddof, _f=_tfn: _f(t, (axis,), False, ddof),
                      check=_np_equal(_np, axis=1, ddof=1)))
# no NaNs at all: the same as the plain reductions
add("nansum", Sample(randn(3, 4), kw={"axis": 0}, torch=lambda t, axis: torch.sum(t, dim=axis)))
add("nanmean", Sample(randn(3, 4), kw={"axis": 0}, order2=True,
                      torch=lambda t, axis: torch.mean(t, dim=axis)))


# NaN-ignoring order statistics (torch.nanquantile; torch.nanmedian takes the lower median)
def _tnq(t, q, dims, keepdim, interpolation="linear"):
    if len(dims) == t.ndim and t.ndim != 1:
        r = torch.nanquantile(t.reshape(-1), q, dim=0, interpolation=interpolation)
        if keepdim:
            qs = tuple(r.shape[:1]) if torch.is_tensor(q) and q.ndim else ()
            r = r.reshape(qs + (1,) * t.ndim)
        return r
    (d,) = dims
    return torch.nanquantile(t, q, dim=d, keepdim=keepdim, interpolation=interpolation)


for axis, kd in [(None, False), (None, True), (0, False), (-1, True), (1, False)]:
    add("nanmedian", Sample(_xd, kw={"axis": axis, "keepdims": kd},
                            torch=lambda t, axis, keepdims: _tnq(t, 0.5, _dims(t, axis), keepdims),
                            check=_np_equal(np.nanmedian, axis=axis, keepdims=kd),
                            order2=(axis == -1)))
    for meth in ("linear", "lower", "nearest"):
        add("nanquantile", Sample(_xd, np.array([0.13, 0.62]),
                                  kw={"axis": axis, "keepdims": kd, "method": meth}, diff=(0,),
                                  torch=lambda t, q, axis, keepdims, method:
                                  _tnq(t, q, _dims(t, axis), keepdims, method),
                                  check=_np_equal(np.nanquantile, axis=axis, keepdims=kd,
                                                  method=meth)))
add("nanmedian",
    Sample(_xd, kw={"axis": (0, 2)}, check=_np_equal(np.nanmedian, axis=(0, 2))),
    _f32("nanmedian", _xd.astype(np.float32), npfn=np.nanmedian, axis=1),
    Sample(_bigd, kw={"axis": 0}, torch=lambda t, axis: torch.nanquantile(t, 0.5, dim=axis)))
add("nanquantile",
    Sample(_xd, np.array([0.13, 0.62]), kw={"axis": 1}, order2=True,
           check=_np_equal(np.nanquantile, axis=1)),
    Sample(_xd, 0.4, kw={"axis": 2, "method": "hazen"}, order2=True,
           check=_np_equal(np.nanquantile, axis=2, method="hazen")),
    _f32("nanquantile", _xd.astype(np.float32), 0.3, npfn=np.nanquantile, axis=1),
    Sample(_bigd, np.array([0.21, 0.77]), kw={"axis": 0}, diff=(0,),
           torch=lambda t, q, axis: torch.nanquantile(t, q, dim=axis)))
add("nanpercentile",
    Sample(_xd, np.array([13.0, 62.0]), kw={"axis": 1}, order2=True,
           torch=lambda t, q, axis: torch.nanquantile(t, q / 100, dim=axis),
           check=_np_equal(np.nanpercentile, axis=1)),
    Sample(_xd, 40.0, kw={"axis": None, "keepdims": True, "method": "weibull"},
           check=_np_equal(np.nanpercentile, axis=None, keepdims=True, method="weibull")),
    _f32("nanpercentile", _xd.astype(np.float32), 30, npfn=np.nanpercentile, axis=1),
    Sample(_bigd, 41.0, kw={"axis": 0}, diff=(0,),
           torch=lambda t, q, axis: torch.nanquantile(t, q / 100, dim=axis)))


# ---- complex inputs (JAX's convention: jax= oracles, run by tests/test_complex.py) ----------
def _jnp(name):
    """``jax.numpy.NAME``, imported when the oracle runs."""
    def f(*a, **k):
        import jax.numpy
        return getattr(jax.numpy, name)(*a, **k)
    return f


_c = crandn(3, 6)
_cn = _c.copy()
_cn[0, 1] = _cn[2, 4] = np.nan
add("convolve", Sample(crandn(6), crandn(3), "same", jax=_jnp("convolve"), order2=True,
                       check=_np_equal(np.convolve)))
add("polyval", Sample(crandn(4), crandn(5), jax=_jnp("polyval"), check=_np_equal(np.polyval)))
add("trapezoid", Sample(_c, kw={}, jax=_jnp("trapezoid"), check=_np_equal(np.trapezoid)))
add("average", Sample(_c, 1, kw={}, jax=_jnp("average"), check=_np_equal(np.average)))
add("nansum", Sample(_cn, kw={"axis": 1}, jax=lambda a, axis: _jnp("nansum")(a, axis=axis),
                     check=_np_equal(np.nansum, axis=1)))
add("nanmean", Sample(_cn, kw={"axis": 1}, jax=lambda a, axis: _jnp("nanmean")(a, axis=axis),
                      check=_np_equal(np.nanmean, axis=1)))
# not holomorphic: correlate and cov conjugate, nanvar/nanstd take |.|^2, real weights
add("correlate", Sample(crandn(6), crandn(4), "full", jax=_jnp("correlate"), order2=True,
                        check=_np_equal(np.correlate)),
    Sample(crandn(3), crandn(5), "same", jax=_jnp("correlate"), check=_np_equal(np.correlate)))
add("average", Sample(_c, 1, pos(6), kw={}, jax=_jnp("average"), check=_np_equal(np.average)))
add("nanvar", Sample(_cn, kw={"axis": 1}, jax=lambda a, axis: _jnp("nanvar")(a, axis=axis),
                     check=_np_equal(np.nanvar, axis=1)))
add("nanstd", Sample(_cn, kw={"axis": 1}, jax=lambda a, axis: _jnp("nanstd")(a, axis=axis),
                     check=_np_equal(np.nanstd, axis=1)))
add("cov", Sample(_c, kw={}, jax=_jnp("cov"), order2=True, check=_np_equal(np.cov)))
add("corrcoef", Sample(_c, kw={}, check=_np_equal(np.corrcoef)))
