"""Statistics and reductions built on the primitives: ``ptp average median
quantile percentile trapezoid interp convolve correlate polyval cov corrcoef``,
the NaN-ignoring ``nansum nanprod nanmean nanvar nanstd nanmax nanmin`` and
``nanmedian nanquantile nanpercentile``.

All are composites (every mode and order comes from the primitives) with
NumPy's signatures, defaults, dtypes and error messages.  Non-differentiable
decisions (sort orders, interval searches, NaN masks) are taken on the data.

Notes on derivatives:

* ``median``/``quantile``/``percentile`` gather the order statistics they
  interpolate: the gradient goes to the elements a *stable* sort puts at the
  interpolated positions (as ``torch.quantile``); at ties, the value is not
  differentiable and that choice is one subgradient (ties are **not** split,
  unlike ``max``/``min``).  Continuous methods are differentiable in ``q``.
* ``nan*``: the gradient is 0 at NaN entries, and NaN never enters the rules
  of the other entries (NaNs are replaced with ``where`` before anything else,
  so derivatives of any order stay NaN-free).  All-NaN slices give NaN with
  NumPy's RuntimeWarning and a zero gradient.
* ``interp`` is differentiable in ``x`` (the slope of the interval; 0 outside
  ``[xp[0], xp[-1]]`` and at ``xp[-1]``; at a sample point, the slope of the
  interval to its right), in ``fp``, in ``xp`` (through the slope formula),
  and in ``left``/``right``/``period`` when they are Tensors.  It returns
  float64 (or complex128) as NumPy does; so do ``cov`` and ``corrcoef`` (unless
  ``dtype=`` says otherwise).
* ``std``/``var`` called with PyTorch's ``dim=`` use PyTorch's default
  ``correction=1``; with NumPy's ``axis=`` (or none), NumPy's ``ddof=0``.
  ``split`` with ``dim=`` is PyTorch's (pieces of a size); ``sort``,
  ``median`` and ``nanmedian`` with ``dim=`` raise (PyTorch's return values
  and indices).
* ``quantile``/``percentile`` support every NumPy method, and ``weights=``
  with ``method="inverted_cdf"`` (the gradient goes to the selected elements).
* ``nanquantile``/``nanpercentile`` with a 2-d ``q`` and a tuple ``axis``
  raise NotImplementedError (NumPy's own result layout differs from
  ``quantile``'s there; yaae does not return a differently ordered array).
"""
import builtins
import math
import warnings

import numpy as np

from ..tensor import Tensor, _data
from .registry import OPS, defcomposite, pytorch_form, pytorch_mode, numpy_keywords
from .elementwise import where, sqrt, astype, clip_p
from .reductions import sum, prod, max, min, _axes  # noqa: A004
from .shape import reshape, transpose, broadcast_to, take, Index, pad, concatenate_p
from .linalg import matmul
from .composite import mean, squeeze, diagonal, std, var, split
from .window import windows

where_ = where   # the nan* functions take a ``where=`` argument, as NumPy's


# ---- helpers ------------------------------------------------------------------------------
def _arr(x):
    """A Tensor as is; anything else as an ndarray."""
    return x if isinstance(x, Tensor) else np.asarray(x)


def _dtype(x):
    return np.asarray(_data(x)).dtype if not isinstance(x, Tensor) else x.dtype


def _cast(x, dt):
    """``x`` as dtype ``dt`` (differentiably for Tensors)."""
    dt = np.dtype(dt)
    if _dtype(x) == dt:
        return x
    return astype(x, dt) if isinstance(x, Tensor) else np.asarray(x, dtype=dt)


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: out= cannot be recorded for differentiation; "
                        f"use the returned value")


def _ix(x, *key):
    return take(x, Index(tuple(key)))


def _to_last(a, axis):
    """``a`` with the reduced axes moved to the end and flattened into one:
    (x of shape kept + (n,), kept shape, n, the keepdims shape)."""
    shape = tuple(np.shape(_data(a)))
    nd = len(shape)
    axes = _axes(axis, nd)
    if len(set(axes)) != len(axes):
        raise ValueError("repeated axis")
    keep = [i for i in range(-nd, 0) if i not in axes]
    perm = tuple(i + nd for i in keep + list(axes))
    x = a if perm == tuple(range(nd)) else transpose(a, perm)
    kshape = tuple(shape[i] for i in keep)
    n = math.prod(shape[i] for i in axes)
    x = reshape(x, kshape + (n,))
    kdshape = tuple(1 if i - nd in axes else s for i, s in enumerate(shape))
    return x, kshape, n, kdshape


def _gather(x, order, pos, per_slice=False):
    """Order statistics: ``x`` (K..., n) at the positions ``pos`` of the sort
    ``order`` along the last axis.  ``pos``: ints of shape (P...), the same
    positions in every slice, or (``per_slice``) of shape (P..., K...).
    Shape (P..., K...)."""
    kshape = order.shape[:-1]
    nk = len(kshape)
    pos = np.asarray(pos, dtype=np.intp)
    if not per_slice:
        pos = np.broadcast_to(pos.reshape(pos.shape + (1,) * nk), pos.shape + kshape)
    npre = pos.ndim - nk
    idx = np.take_along_axis(np.broadcast_to(order, pos.shape[:npre] + order.shape),
                             pos[..., None], -1)[..., 0]
    key = tuple(np.arange(sz).reshape((1,) * (npre + i) + (sz,) + (1,) * (nk - i - 1))
                for i, sz in enumerate(kshape)) + (idx,)
    return take(x, Index(key))


def _order(x):
    """The stable sort order along the last axis (NaNs last)."""
    return np.argsort(_data(x), axis=-1, kind="stable")


# ---- ptp / average ------------------------------------------------------------------------
@defcomposite(numpy=np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """Range of values (max - min); the gradient splits ties like max/min."""
    _no_out(out, "ptp")
    a = _arr(a)
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def _norm_axis_tuple(axis, nd):
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for ax in axes:
        ax = int(ax)
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(f"axis {ax} is out of bounds for array of dimension {nd}")
        out.append(ax % nd)
    if len(set(out)) != len(out):
        raise ValueError("repeated axis")
    return tuple(out)


def _weights_for(wgt, shape, axis):
    """NumPy's ``_weights_are_valid``: weights of ``a``'s shape, or of the
    shape of ``a`` along ``axis`` (then set up to broadcast)."""
    wshape = tuple(np.shape(_data(wgt)))
    if wshape != tuple(shape):
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if wshape != tuple(shape[ax] for ax in axis):
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        perm = tuple(int(i) for i in np.argsort(axis))
        if perm != tuple(range(len(perm))):
            wgt = transpose(wgt, perm)
        wgt = reshape(wgt, tuple(s if ax in axis else 1 for ax, s in enumerate(shape)))
    return wgt


@defcomposite(numpy=np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Weighted average; differentiable in ``a`` and ``weights``."""
    a = _arr(a)
    shape = tuple(np.shape(_data(a)))
    if axis is not None:
        axis = _norm_axis_tuple(axis, len(shape))
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        ad = np.asarray(_data(avg))
        scl = ad.dtype.type(math.prod(shape) / ad.size)
    else:
        wgt = _weights_for(_arr(weights), shape, axis)
        at, wt = _dtype(a), _dtype(wgt)
        if issubclass(at.type, (np.integer, np.bool_)):
            rdt = np.result_type(at, wt, "f8")
        else:
            rdt = np.result_type(at, wt)
        wgt = _cast(wgt, rdt)
        scl = sum(wgt, axis=axis, keepdims=keepdims)
        if np.any(_data(scl) == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = sum(_cast(a, rdt) * wgt, axis=axis, keepdims=keepdims) / scl
    if returned:
        if np.shape(_data(scl)) != np.shape(_data(avg)):
            scl = broadcast_to(scl, tuple(np.shape(_data(avg))))
        return avg, scl
    return avg


# ---- median / quantile / percentile ---------------------------------------------------------
@defcomposite(numpy=np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median; the gradient goes to the middle element(s) of a stable
    sort (half to each of the two for an even count)."""
    _no_out(out, "median")
    a = _arr(a)
    x, kshape, n, kdshape = _to_last(a, axis)
    if n == 0:
        return mean(a, axis=axis, keepdims=keepdims)      # NaN, with NumPy's warning
    pos = [(n - 1) // 2] if n % 2 else [n // 2 - 1, n // 2]
    sel = _gather(x, _order(x), pos)                   # (1 or 2, K...)
    r = sum(sel, axis=0) / len(pos)
    d = _data(x)
    if d.dtype.kind in "fc":
        nan = np.isnan(d).any(axis=-1)
        if nan.any():
            r = where(nan, np.nan, r)
    return reshape(r, kdshape) if keepdims else r


# method -> (virtual index of (n, q), d(virtual index)/dq or None, kind)
def _cvi(alpha, beta):
    return (lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1,
            lambda n: n + 1 - alpha - beta)


def _discrete(index, cond):
    prev = np.floor(index)
    gamma = index - prev
    res = np.where(cond(gamma, index), prev, prev + 1).astype(np.intp)
    res[res < 0] = 0
    return res


_METHODS = {
    "inverted_cdf": (lambda n, q: _discrete(n * q - 1, lambda g, i: g == 0), None, "int"),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1, None, "avg"),
    "closest_observation": (lambda n, q: _discrete(
        n * q - 1 - 0.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == 1)), None, "int"),
    "interpolated_inverted_cdf": _cvi(0, 1) + ("cont",),
    "hazen": _cvi(0.5, 0.5) + ("cont",),
    "weibull": _cvi(0, 0) + ("cont",),
    "linear": (lambda n, q: (n - 1) * q, lambda n: n - 1, "cont"),
    "median_unbiased": _cvi(1 / 3.0, 1 / 3.0) + ("cont",),
    "normal_unbiased": _cvi(3 / 8.0, 3 / 8.0) + ("cont",),
    "lower": (lambda n, q: np.floor((n - 1) * q).astype(np.intp), None, "int"),
    "higher": (lambda n, q: np.ceil((n - 1) * q).astype(np.intp), None, "int"),
    "midpoint": (lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)), None, "mid"),
    "nearest": (lambda n, q: np.around((n - 1) * q).astype(np.intp), None, "int"),
}


def _quantile(a, q, qd, axis, method, keepdims, weak_q, omit_nan=False):
    """``q`` (possibly a Tensor) with data ``qd`` already checked in [0, 1].
    ``omit_nan``: NaN-ignoring (nanquantile): each slice uses its own count."""
    if omit_nan and qd.ndim == 2 and isinstance(axis, (tuple, list)) and len(axis) > 1:
        raise NotImplementedError("nanquantile: a 2-d q with a tuple axis is not supported "
                                  "(NumPy orders that result's axes differently from "
                                  "quantile's); loop over the rows of q")
    a = _arr(a)
    if _dtype(a).kind == "c":
        raise TypeError("a must be an array of real numbers")
    if qd.ndim > 2:
        raise ValueError("q must be a scalar or 1d")
    try:
        vi_fn, slope_fn, kind = _METHODS[method]
    except KeyError:
        raise ValueError(f"{method!r} is not a valid method. Use one of: "
                         f"{_METHODS.keys()}") from None
    x, kshape, n, kdshape = _to_last(a, axis)
    if n == 0:
        raise IndexError("quantile: cannot take a quantile of an empty slice")
    d = _data(x)
    nk = len(kshape)
    order = _order(x)
    empty = None
    if omit_nan and d.dtype.kind == "f":
        cnt = np.sum(~np.isnan(d), axis=-1)                     # per slice (K...)
        empty = cnt == 0
        if empty.any():
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
        nn = np.maximum(cnt, 1)
        qb = qd.reshape(qd.shape + (1,) * nk)                    # (Q..., 1...)
        per_slice = True
    else:
        nn, qb, per_slice = n, qd, False
    vi = np.asanyarray(vi_fn(nn, qb))                            # (Q...) or (Q..., K...)
    if kind == "int" or (kind == "cont" and method == "linear" and vi.dtype.kind in "iu"):
        r = _gather(x, order, vi, per_slice)
    else:
        prev = np.array(np.floor(vi))
        nxt = np.array(prev + 1)
        above = vi >= nn - 1
        prev[above] = -1
        nxt[above] = -1
        below = vi < 0
        prev[below] = 0
        nxt[below] = 0
        gamma = np.asanyarray(vi - prev)
        if kind == "avg":
            gamma = np.where(gamma == 0, 0.5, 1.0)
        elif kind == "mid":
            gamma = np.where(vi % 1 == 0, 0.0, 0.5)
        gamma = np.asanyarray(gamma, dtype=vi.dtype)
        last = np.broadcast_to(nn - 1, vi.shape)
        prev = np.where(prev < 0, last, prev).astype(np.intp)
        nxt = np.where(nxt < 0, last, nxt).astype(np.intp)
        lo, hi = _gather(x, order, prev, per_slice), _gather(x, order, nxt, per_slice)
        if per_slice:                     # gamma: (Q..., K...)
            t = gamma.astype(d.dtype) if weak_q else gamma
        else:
            t = float(gamma) if weak_q else gamma.reshape(gamma.shape + (1,) * nk)
        if kind == "cont" and isinstance(q, Tensor):
            # gamma = frac(virtual index): differentiable in q (value unchanged)
            dq = reshape(q - _data(q), tuple(np.shape(_data(q))) + (1,) * nk)
            t = t + dq * slope_fn(nn)
        td = np.asarray(_data(t))
        diff = hi - lo
        r = where(td >= 0.5, hi - diff * (1 - t), lo + diff * t)
    if empty is not None:
        if empty.any():
            r = where(empty, np.nan, r)
    elif d.dtype.kind == "f":
        nan = np.isnan(d).any(axis=-1)
        if nan.any():
            r = where(nan, np.nan, r)
    if keepdims:
        r = reshape(r, tuple(qd.shape) + kdshape)
    return r


def _weighted(a, q, qd, axis, method, keepdims, weights, np_fn=np.quantile):
    """Weighted quantiles (NumPy: method 'inverted_cdf' only): each is an
    element of ``a``, which gets the gradient (weights get none: the value is
    piecewise constant in them)."""
    if method != "inverted_cdf":
        raise ValueError(f"Only method 'inverted_cdf' supports weights. Got: {method}.")
    a = _arr(a)
    want = np.asarray(np_fn(np.asarray(_data(a)), qd, axis=axis, method=method,
                            weights=np.asarray(_data(weights))))   # NumPy's checks too
    x, kshape, n, kdshape = _to_last(a, axis)
    order = _order(x)
    sd = np.take_along_axis(_data(x), order, -1)                 # NaNs last
    pos = np.minimum(np.sum(sd < want[..., None], axis=-1), n - 1)   # (Q..., K...)
    r = _gather(x, order, pos, True)
    nan = np.isnan(want)
    if nan.any():
        r = where(nan, np.nan, r)
    return reshape(r, qd.shape + kdshape) if keepdims else r


def _valid_q(qd):
    qd = np.asarray(qd)
    return qd.size == 0 or (qd.min() >= 0 and qd.max() <= 1)


@defcomposite(numpy=np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """NumPy's quantile, every method; differentiable in ``a`` (the gathered
    order statistics) and, for the continuous methods, in ``q``."""
    _no_out(out, "quantile")
    weak_q = type(q) in (int, float)
    q = q if isinstance(q, Tensor) else np.asanyarray(q)
    qd = np.asanyarray(_data(q))
    if not _valid_q(qd):
        raise ValueError("Quantiles must be in the range [0, 1]")
    if weights is not None:
        return _weighted(a, q, qd, axis, method, keepdims, weights)
    return _quantile(a, q, qd, axis, method, keepdims, weak_q)


@defcomposite(numpy=np.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """NumPy's percentile: ``quantile(a, q / 100)``."""
    _no_out(out, "percentile")
    weak_q = type(q) in (int, float)
    q = q / 100 if isinstance(q, Tensor) else np.true_divide(q, 100)
    qd = np.asanyarray(_data(q))
    if not _valid_q(qd):
        raise ValueError("Percentiles must be in the range [0, 100]")
    if weights is not None:
        return _weighted(a, q, qd, axis, method, keepdims, weights)
    return _quantile(a, q, qd, axis, method, keepdims, weak_q)


@defcomposite(numpy=np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the non-NaN entries (gradient 0 at the NaNs); all-NaN
    slices give NaN with NumPy's warning."""
    _no_out(out, "nanmedian")
    a = _arr(a)
    x, kshape, n, kdshape = _to_last(a, axis)
    d = _data(x)
    if d.dtype.kind != "f" or n == 0:
        return median(a, axis=axis, keepdims=keepdims)
    cnt = np.sum(~np.isnan(d), axis=-1)
    empty = cnt == 0
    if empty.any():
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
    c = np.maximum(cnt, 1)
    order = _order(x)
    r = (_gather(x, order, (c - 1) // 2, True) + _gather(x, order, c // 2, True)) / 2
    if empty.any():
        r = where(empty, np.nan, r)
    return reshape(r, kdshape) if keepdims else r


@defcomposite(numpy=np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    """``quantile`` of the non-NaN entries of each slice (gradient 0 at the NaNs)."""
    _no_out(out, "nanquantile")
    weak_q = type(q) in (int, float)
    q = q if isinstance(q, Tensor) else np.asanyarray(q)
    qd = np.asanyarray(_data(q))
    if not _valid_q(qd):
        raise ValueError("Quantiles must be in the range [0, 1]")
    if weights is not None:
        return _weighted(a, q, qd, axis, method, keepdims, weights, np.nanquantile)
    return _quantile(a, q, qd, axis, method, keepdims, weak_q, omit_nan=True)


@defcomposite(numpy=np.nanpercentile)
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    """``percentile`` of the non-NaN entries of each slice (gradient 0 at the NaNs)."""
    _no_out(out, "nanpercentile")
    weak_q = type(q) in (int, float)
    q = q / 100 if isinstance(q, Tensor) else np.true_divide(q, 100)
    qd = np.asanyarray(_data(q))
    if not _valid_q(qd):
        raise ValueError("Percentiles must be in the range [0, 100]")
    if weights is not None:
        return _weighted(a, q, qd, axis, method, keepdims, weights, np.nanquantile)
    return _quantile(a, q, qd, axis, method, keepdims, weak_q, omit_nan=True)


# ---- integration / interpolation / polynomials / convolution -------------------------------
@defcomposite(numpy=np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The trapezoidal rule; differentiable in ``y``, ``x`` (and ``dx``)."""
    y = _arr(y)
    nd = np.ndim(_data(y))
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension {nd}")
    ax = axis % nd
    if x is None:
        d = dx
    else:
        x = _arr(x)
        xnd = np.ndim(_data(x))
        if xnd == 1:
            d = _ix(x, slice(1, None)) - _ix(x, slice(None, -1))
            shape = [1] * nd
            shape[ax] = np.shape(_data(d))[0]
            d = reshape(d, tuple(shape))
        else:
            xa = axis % xnd
            d = (_ix(x, *((slice(None),) * xa + (slice(1, None),)))
                 - _ix(x, *((slice(None),) * xa + (slice(None, -1),))))
    y1 = _ix(y, *((slice(None),) * ax + (slice(1, None),)))
    y2 = _ix(y, *((slice(None),) * ax + (slice(None, -1),)))
    return sum(d * (y1 + y2) / 2.0, axis=axis)


def _mod(v, p):
    """``v % p`` (NumPy's value), differentiable in both."""
    vd, pd = _data(v), _data(p)
    r = np.mod(vd, pd)
    if isinstance(v, Tensor):
        r = (v - vd) + r
    if isinstance(p, Tensor):
        r = r - (p - pd) * np.floor_divide(vd, pd)
    return r


@defcomposite(numpy=np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation (see the module notes on derivatives)."""
    fp = _arr(fp)
    cplx = _dtype(fp).kind == "c"
    dt = np.complex128 if cplx else np.float64
    x, xp, fp = _cast(_arr(x), np.float64), _cast(_arr(xp), np.float64), _cast(fp, dt)
    if np.ndim(_data(xp)) != 1 or np.ndim(_data(fp)) != 1:
        raise ValueError("Data points must be 1-D sequences")
    if period is not None:
        if _data(period) == 0:
            raise ValueError("period must be a non-zero value")
        if _data(period) < 0:
            period = -period
        left = right = None
        if np.shape(_data(xp))[0] != np.shape(_data(fp))[0]:
            raise ValueError("fp and xp are not of the same length")
        x = _mod(x, period)
        xp = _mod(xp, period)
        s = np.argsort(_data(xp))
        xp, fp = _ix(xp, s), _ix(fp, s)
        xp = concatenate_p(_ix(xp, slice(-1, None)) - period, xp,
                           _ix(xp, slice(0, 1)) + period, axis=0)
        fp = concatenate_p(_ix(fp, slice(-1, None)), fp, _ix(fp, slice(0, 1)), axis=0)
    n = np.shape(_data(xp))[0]
    if n == 0:
        raise ValueError("array of sample points is empty")
    if np.shape(_data(fp))[0] != n:
        raise ValueError("fp and xp are not of the same length.")
    xd, xpd, fpd = _data(x), _data(xp), _data(fp)
    j = np.searchsorted(xpd, xd, side="right") - 1
    isn = np.isnan(xd) & (n > 1)      # NumPy: one sample point gives fp[0] at NaN
    below = j < 0
    above = xd > xpd[-1]
    jc = np.clip(j, 0, n - 1)
    at_last = ~below & ~above & ~isn & (j == n - 1)
    inner = ~(below | above | at_last | isn)
    # at a sample point NumPy returns fp[j]; the interval formula gives the same
    # value there and the derivative from the right (used where it is exact)
    node = inner & (xpd[jc] == xd)
    j0 = np.clip(j, 0, builtins.max(n - 2, 0))
    j1 = np.minimum(j0 + 1, n - 1)
    xj, xj1, fj, fj1 = _ix(xp, j0), _ix(xp, j1), _ix(fp, j0), _ix(fp, j1)
    # masked entries compute with finite stand-ins, so no inf/NaN reaches a gradient
    slope = (fj1 - fj) / where(inner, xj1 - xj, 1.0)
    xin = where(inner, x, _data(xj))
    res = slope * (xin - xj) + fj
    rd = np.asarray(_data(res))
    bad = inner & ~node & np.isnan(rd)
    if bad.any():      # NumPy: if NaN one way (infinite fp), try the other
        res2 = slope * (xin - xj1) + fj1
        res = where(bad, res2, res)
        bad2 = bad & np.isnan(np.asarray(_data(res2))) & (fpd[j0] == fpd[j1])
        res = where(bad2, fj, res)
    at_pt = at_last | (node & (rd != fpd[jc]))
    if at_pt.any():
        res = where(at_pt, _ix(fp, jc), res)
    res = where(below, _ix(fp, 0) if left is None else _cast(_arr(left), dt), res)
    res = where(above, _ix(fp, -1) if right is None else _cast(_arr(right), dt), res)
    if isn.any():
        res = where(isn, np.nan, res)
    return res


@defcomposite(numpy=np.polyval)
def polyval(p, x):
    """Horner's scheme, as NumPy; differentiable in ``p`` and ``x``."""
    p = _arr(p)
    x = _arr(x)
    y = np.zeros_like(np.asarray(_data(x)))
    for i in range(np.shape(_data(p))[0]):
        y = y * x + _ix(p, i)
    return y


def _mode(mode):
    """NumPy's mode argument: 'valid'/'same'/'full' or 0/1/2."""
    if isinstance(mode, str):
        m = {"valid": 0, "same": 1, "full": 2}.get(mode)
        if m is None:
            if mode[:1].lower() in ("v", "s", "f"):
                raise ValueError("Use one of 'valid', 'same', or 'full' for "
                                 "convolve/correlate mode")
            raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
        return m
    if isinstance(mode, (bool, np.bool_)) or not isinstance(mode, (int, np.integer)):
        raise TypeError("convolve/correlate mode not understood")
    if mode not in (0, 1, 2):
        raise ValueError("integer convolve/correlate mode must be 0, 1, or 2")
    return int(mode)


def _xcorr(a, v, mode):
    """NumPy's ``_pyarray_correlate`` (no conjugation): windows of ``a`` times ``v``."""
    n, m = np.shape(_data(a))[0], np.shape(_data(v))[0]
    inverted = n < m
    if inverted:
        a, v, n, m = v, a, m, n
    if mode == 0:
        s, L = m - 1, n - m + 1
    elif mode == 1:
        s, L = m - 1 - m // 2, n
    else:
        s, L = 0, n + m - 1
    start, stop = s - m + 1, s + L           # the stretch of a the windows cover
    lo, hi = builtins.max(start, 0), stop if stop < n else n
    seg = _ix(a, slice(lo, hi))
    if lo - start or stop - hi:
        seg = pad(seg, ((lo - start, stop - hi),))
    out = matmul(windows(seg, (m,), (1,), (1,)), v)
    if inverted:
        out = _ix(out, slice(None, None, -1))
    return out


def _as1d(v):
    v = _arr(v)
    nd = np.ndim(_data(v))
    if nd == 0:
        return reshape(v, (1,))
    if nd > 1:
        raise ValueError("object too deep for desired array")
    return v


@defcomposite(numpy=np.convolve)
def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D sequences; differentiable in both."""
    a, v = _as1d(a), _as1d(v)
    if np.shape(_data(a))[0] == 0:
        raise ValueError("a cannot be empty")
    if np.shape(_data(v))[0] == 0:
        raise ValueError("v cannot be empty")
    mode = _mode(mode)
    if np.shape(_data(v))[0] > np.shape(_data(a))[0]:
        a, v = v, a
    return _xcorr(a, _ix(v, slice(None, None, -1)), mode)


@defcomposite(numpy=np.correlate)
def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences (``v`` conjugated); differentiable in both."""
    a, v = _as1d(a), _as1d(v)
    if np.shape(_data(a))[0] == 0:
        raise ValueError("first array argument cannot be empty")
    if np.shape(_data(v))[0] == 0:
        raise ValueError("second array argument cannot be empty")
    mode = _mode(mode)
    if _dtype(v).kind == "c":
        v = _conj(v)
    return _xcorr(a, v, mode)


def _conj(v):
    if not isinstance(v, Tensor):
        return np.conj(v)
    return _op("conjugate")(v)


def _op(name):
    """A registered op by name (the complex family's, looked up when needed)."""
    from .registry import OPS
    return OPS[name].fn


# ---- covariance / correlation ----------------------------------------------------------------
def _atleast2(v):
    nd = np.ndim(_data(v))
    if nd < 2:
        return reshape(v, (1,) * (2 - nd) + tuple(np.shape(_data(v))))
    return v


@defcomposite(numpy=np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix; differentiable in ``m``, ``y`` and ``aweights``
    (``fweights`` are integer frequencies)."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = _arr(m)
    if np.ndim(_data(m)) > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None:
        y = _arr(y)
        if np.ndim(_data(y)) > 2:
            raise ValueError("y has more than 2 dimensions")
    if dtype is None:
        dtype = (np.result_type(_data(m), np.float64) if y is None else
                 np.result_type(_data(m), _data(y), np.float64))
    X = _atleast2(_cast(m, dtype))
    if not rowvar and np.ndim(_data(m)) != 1:
        X = transpose(X)
    if np.shape(_data(X))[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        Y = _atleast2(_cast(y, dtype))
        if not rowvar and np.shape(_data(Y))[0] != 1:
            Y = transpose(Y)
        X = concatenate_p(X, Y, axis=0)
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    nobs = np.shape(_data(X))[1]
    w = None
    if fweights is not None:
        fweights = np.asarray(_data(fweights), dtype=float)
        if not np.all(fweights == np.around(fweights)):
            raise TypeError("fweights must be integer")
        if fweights.ndim > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if fweights.shape[0] != nobs:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if np.any(fweights < 0):
            raise ValueError("fweights cannot be negative")
        w = fweights
    if aweights is not None:
        aweights = _cast(_arr(aweights), float)
        ad = np.asarray(_data(aweights))
        if ad.ndim > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if ad.shape[0] != nobs:
            raise RuntimeError("incompatible numbers of samples and aweights")
        if np.any(ad < 0):
            raise ValueError("aweights cannot be negative")
        w = aweights if w is None else w * aweights
    avg, w_sum = average(X, axis=1, weights=w, returned=True)
    w_sum = _ix(w_sum, 0)
    if w is None:
        fact = nobs - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * sum(w * aweights) / w_sum
    if _data(fact) <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        fact = 0.0
    X = X - _ix(avg, slice(None), None)
    XT = transpose(X) if w is None else transpose(X * w)
    if _dtype(XT).kind == "c":
        XT = _conj(XT)
    c = matmul(X, XT)
    # NumPy: c *= 1/fact, computed in float64 and stored in c's dtype
    cdt = _dtype(c)
    if isinstance(fact, (int, float)):
        with np.errstate(divide="ignore"):
            f = float(np.true_divide(1, fact))
    else:
        f = 1 / fact
    if cdt in (np.float64, np.complex128):
        c = c * _cast(f, cdt) if isinstance(f, Tensor) else c * f
    else:
        wide = np.complex128 if cdt.kind == "c" else np.float64
        c = _cast(_cast(c, wide) * f, cdt)
    return squeeze(c)


@defcomposite(numpy=np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients (clipped to [-1, 1] as NumPy)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(_data(c)) == 0:
        return c / c
    d = diagonal(c)
    if _dtype(d).kind == "c":
        d = _op("real")(d)
    s = sqrt(d)
    c = c / _ix(s, slice(None), None)
    c = c / _ix(s, None, slice(None))
    if _dtype(c).kind == "c":    # NumPy clips the real and imaginary parts
        return (clip_p(_op("real")(c), -1, 1)
                + clip_p(_op("imag")(c), -1, 1) * np.complex128(1j).astype(_dtype(c)))
    return clip_p(c, -1, 1)


# ---- NaN-ignoring reductions ---------------------------------------------------------------
def _nanmask(a, where_):
    """The entries a NaN-ignoring reduction leaves out: NaNs, and those
    ``where=`` excludes (a boolean ndarray, carrying no derivative)."""
    d = np.asarray(_data(a))
    mask = np.isnan(d)
    if where_ is not True and where_ is not None:
        mask = mask | ~np.broadcast_to(np.asarray(_data(where_), dtype=bool), d.shape)
    return mask


def _inexact(a):
    return _dtype(a).kind in "fc"


def _fill(a, mask, value):
    return where(mask, value, a) if mask.any() else a


def _nan_reduce(name, reduce, neutral, a, axis, dtype, out, keepdims, where):
    """``reduce`` of ``a`` with NaNs (and entries ``where`` excludes) replaced by
    ``neutral``: their gradient is 0, and no NaN reaches the others'."""
    _no_out(out, name)
    a = _arr(a)
    if dtype is not None:
        a = _cast(a, dtype)
    if _inexact(a):
        a = _fill(a, _nanmask(a, where), float(neutral))
    elif where is not True and where is not None:
        a = _fill(a, ~np.broadcast_to(np.asarray(where, dtype=bool), np.shape(_data(a))), neutral)
    return reduce(a, axis=axis, keepdims=keepdims)


@defcomposite(numpy=np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Sum treating NaNs as zero; gradient 0 at the NaNs."""
    r = _nan_reduce("nansum", sum, 0, a, axis, dtype, out, keepdims, where)
    return r if initial is None else r + initial


@defcomposite(numpy=np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Product treating NaNs as one; gradient 0 at the NaNs."""
    r = _nan_reduce("nanprod", prod, 1, a, axis, dtype, out, keepdims, where)
    return r if initial is None else r * initial


def _count(mask, axis, keepdims, dt):
    return np.sum(~mask, axis=axis, keepdims=keepdims).astype(dt)


@defcomposite(numpy=np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Mean of the non-NaN entries; all-NaN slices give NaN (with NumPy's
    warning) and a zero gradient."""
    _no_out(out, "nanmean")
    a = _arr(a)
    if not _inexact(a):
        a = _cast(a, np.float64 if dtype is None else dtype)
    elif dtype is not None:
        a = _cast(a, dtype)
    mask = _nanmask(a, where)
    a0 = _fill(a, mask, 0.0)
    _axes(axis, np.ndim(_data(a)))
    tot = sum(a0, axis=axis, keepdims=keepdims)
    cnt = _count(mask, axis, keepdims, _dtype(a0))
    bad = cnt == 0
    if np.any(bad):
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
        return where_(bad, np.nan, tot / np.where(bad, 1, cnt))
    return tot / cnt



def _nanvar(a, axis, dtype, out, ddof, keepdims, where, mean, correction, name):
    _no_out(out, name)
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    a = _arr(a)
    if not _inexact(a):
        a = _cast(a, np.float64 if dtype is None else dtype)
    elif dtype is not None:
        a = _cast(a, dtype)
    mask = _nanmask(a, where)
    a0 = _fill(a, mask, 0.0)
    _axes(axis, np.ndim(_data(a)))
    dt = _dtype(a0)
    cnt_kd = _count(mask, axis, True, dt)
    if mean is None:
        avg = sum(a0, axis=axis, keepdims=True) / np.where(cnt_kd == 0, 1, cnt_kd)
    else:
        avg = mean
    dev = _fill(a0 - avg, mask, 0.0)
    if dt.kind == "c":
        sq = _op("real")(dev * _conj(dev))
    else:
        sq = dev * dev
    v = sum(sq, axis=axis, keepdims=keepdims)
    dof = _count(mask, axis, keepdims, np.asarray(_data(v)).dtype) - ddof
    bad = dof <= 0
    if np.any(bad):
        warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=4)
    return v, dof, bad


@defcomposite(numpy=np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
           mean=None, correction=None):
    """Variance of the non-NaN entries; gradient 0 at the NaNs; slices with
    no degrees of freedom give NaN (with NumPy's warning)."""
    v, dof, bad = _nanvar(a, axis, dtype, out, ddof, keepdims, where, mean, correction, "nanvar")
    if np.any(bad):
        return where_(bad, np.nan, v / np.where(bad, 1, dof))
    return v / dof


@defcomposite(numpy=np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
           mean=None, correction=None):
    """Standard deviation of the non-NaN entries (see ``nanvar``)."""
    v, dof, bad = _nanvar(a, axis, dtype, out, ddof, keepdims, where, mean, correction, "nanstd")
    if np.any(bad):
        return where_(bad, np.nan, sqrt(v / np.where(bad, 1, dof)))
    return sqrt(v / dof)


def _nanext(a, axis, out, keepdims, initial, where, name, fill, red):
    _no_out(out, name)
    a = _arr(a)
    if not _inexact(a):
        if where is not True and where is not None:
            raise NotImplementedError(f"{name}: where= on integer input is not supported")
        r = red(a, axis=axis, keepdims=keepdims)
        return r
    if where is not True and where is not None and initial is None:
        raise ValueError(f"reduction operation '{'fmax' if fill < 0 else 'fmin'}' does not "
                         f"have an identity, so to use a where mask one has to specify "
                         f"'initial'")
    mask = _nanmask(a, where)
    r = red(_fill(a, mask, fill), axis=axis, keepdims=keepdims)
    if initial is not None:
        r = (max if fill < 0 else min)(
            _stack2(r, initial), axis=0)
    allnan = np.all(mask, axis=axis, keepdims=keepdims)
    if initial is not None:
        allnan = allnan & np.isnan(initial)
    if np.any(allnan):
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
        r = where_(allnan, np.nan, r)
    return r


def _stack2(r, c):
    from .composite import stack
    c = np.full(np.shape(_data(r)), c, dtype=_dtype(r))
    return stack([r, c])


@defcomposite(numpy=np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Max ignoring NaNs (ties split as ``max``); all-NaN slices give NaN with
    NumPy's warning and a zero gradient."""
    return _nanext(a, axis, out, keepdims, initial, where, "nanmax", -np.inf, max)


@defcomposite(numpy=np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Min ignoring NaNs (see ``nanmax``)."""
    return _nanext(a, axis, out, keepdims, initial, where, "nanmin", np.inf, min)


# ---- PyTorch's std(dim=...)/var(dim=...): correction=1 -----------------------------------
def _with_correction(name, fn):
    """``fn`` (std or var) as PyTorch defines it when called with ``dim=``
    (or ``keepdim=`` without ``axis=``): the default ``correction=1`` (divide
    by n - 1), where NumPy's ``axis=`` keeps ``ddof=0``.  ``correction=``
    (NumPy 2 has it too) and PyTorch's ``unbiased=`` are accepted in either
    spelling, in place of ``ddof=``."""
    def torch_form(x, *args, **kw):
        torch = pytorch_mode(kw)
        kw = numpy_keywords(kw, name)
        given = [k for k in ("ddof", "correction", "unbiased") if k in kw]
        if len(given) > 1 or (given and len(args) > 1):
            raise TypeError(f"{name}() got more than one of ddof, correction and unbiased "
                            f"(all set the divisor n - ddof); give one")
        correction, unbiased = kw.pop("correction", None), kw.pop("unbiased", None)
        if unbiased is not None:
            correction = 1 if unbiased else 0
        if correction is not None:
            kw["ddof"] = correction
        elif torch and "ddof" not in kw and len(args) < 2:
            kw["ddof"] = 1
        return fn(x, *args, **kw)
    torch_form.__name__ = name
    return pytorch_form(name, "correction", "unbiased")(torch_form)


_with_correction("std", std)
_with_correction("var", var)


# ---- where PyTorch's dim= asks for something else than NumPy's axis= -------------------------
def _split_torch(x, *args, **kw):
    """``split`` as PyTorch's when the axis is named ``dim=``: ``split(x,
    split_size_or_sections, dim=0)`` cuts pieces of ``split_size`` (the last
    one shorter) or of the listed sizes, and returns a tuple.  NumPy's
    ``split(x, indices_or_sections, axis=0)`` takes a number of equal
    sections or the indices to cut at."""
    if not pytorch_mode(kw):
        return split(x, *args, **numpy_keywords(kw, "split"))
    kw = numpy_keywords(kw, "split")
    sizes = kw.pop("split_size_or_sections", args[0] if args else None)
    axis = kw.pop("axis", args[1] if len(args) > 1 else 0)
    if kw or len(args) > 2 or sizes is None:
        raise TypeError(f"split(x, split_size_or_sections, dim=0), as PyTorch's: got "
                        f"{len(args) + 1} positional arguments and keywords {sorted(kw)}")
    n = np.shape(_data(x))[axis]
    if isinstance(sizes, (int, np.integer)):
        if sizes <= 0:
            raise ValueError(f"split: split_size must be positive, got {sizes}")
        cuts = list(builtins.range(int(sizes), n, int(sizes)))
    else:
        sizes = [int(s) for s in sizes]
        if builtins.sum(sizes) != n or builtins.min(sizes, default=0) < 0:
            raise ValueError(f"split: the sizes {sizes} must be non-negative and add up to "
                             f"{n}, the length of axis {axis}")
        cuts = np.cumsum(sizes)[:-1].tolist()
    return tuple(split(x, cuts, axis=axis))


pytorch_form("split")(_split_torch)


def _refuse_dim(name, why):
    """``dim=`` on ``name`` raises a TypeError saying ``why``: PyTorch's
    function of that name answers differently, and yaae does not guess."""
    fn = OPS[name].fn

    def torch_form(*args, **kw):
        if not pytorch_mode(kw):
            return fn(*args, **numpy_keywords(kw, name))
        raise TypeError(f"{name}(dim=...): {why}")
    torch_form.__name__ = name
    pytorch_form(name)(torch_form)


_refuse_dim("sort", "PyTorch's sort returns (values, indices), NumPy's the values only. Write "
                    "ya.sort(x, axis=...) for the values and ya.argsort(x, axis=...) for the "
                    "indices")
for _name in ("median", "nanmedian"):
    _refuse_dim(_name, f"PyTorch's {_name}(dim) returns (values, indices) and takes the lower of "
                       f"the two middle values; NumPy's (axis=) returns the mean of the two, "
                       f"values only. Write ya.{_name}(x, axis=...) for NumPy's, or "
                       f"ya.{_name.replace('median', 'quantile')}(x, 0.5, axis=..., "
                       f"method='lower') for PyTorch's values")
