"""Array functions: cumulative sums and products, differences, triangles and
diagonals, rotations and rolls, stacking and splitting helpers, ``linspace``,
``take``/``compress``/``partition``, and the ``r_``/``c_`` index builders.

Nearly all are composed from the shape primitives (reshape, transpose, take
and its transpose untake, concatenate, pad) and elementwise arithmetic, so
they get every mode and order of differentiation from those.  ``cumsum`` is
a primitive (O(n), its transpose is the reversed cumulative sum);
``cumprod`` is a prefix-product scan of multiplications (exact derivatives
even where the input has zeros: nothing is divided by ``x``).

Axes follow NumPy: negative axes count from the end, and out-of-range axes
raise ``numpy.exceptions.AxisError``.
"""
import builtins
import operator
import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..tensor import Tensor, _data, _wrap, get_default_dtype
from .registry import defop, defcomposite
from .elementwise import multiply, where, astype, floor
from .shape import (reshape as _reshape, transpose as _transpose, broadcast_to,
                    expand_dims, take as _take, untake as _untake, Index, pad)
from .composite import (flip, concatenate, ravel, moveaxis, split,
                        atleast_3d, vstack, diagonal, from_nested,
                        _ax as _axis, _axes_tuple)

_NOVALUE = np._NoValue


# ---- helpers ---------------------------------------------------------------------------------
def _arr(x):
    """A Tensor as is; nested lists holding Tensors stacked; anything else an ndarray."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        x = from_nested(x)
        if isinstance(x, Tensor):
            return x
    return np.asarray(x)


def _shape(x):
    return np.shape(_data(x))


def _nd(x):
    return np.ndim(_data(x))


def _dtype(x):
    return np.asarray(_data(x)).dtype if not isinstance(x, Tensor) else x.dtype


def _cast(x, dtype):
    """``x`` as ``dtype`` (differentiably for a Tensor)."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else astype(x, dtype)
    return np.asarray(x, dtype=dtype)


def _along(x, ax, key):
    """``x[..., key, ...]`` with ``key`` at (non-negative) axis ``ax``."""
    return _take(x, Index((slice(None),) * ax + (key,)))


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"{name}: out= is not supported by yaae (an in-place result cannot "
                        f"be recorded); use the returned value")


# ---- cumulative sums and products -------------------------------------------------------------
def _cumsum(x, axis):
    return np.cumsum(x, axis=axis)


def _reverse_cumsum(g, axis):
    return flip(cumsum_p(flip(g, axis), axis), axis)


# (axis is negative, so batched (co)tangents go through the rules unchanged)
cumsum_p = defop("cumsum", _cumsum, saves=False, register=False,
                 linear=lambda g, ans, x, axis: _reverse_cumsum(g, axis))


def _prep_cum(a, axis, dtype, op):
    a = _arr(a)
    if dtype is not None:
        a = _cast(a, dtype)
    if axis is None:
        return ravel(a), -1
    nd = _nd(a)
    return a, _axis(axis, nd, op) - nd


@defcomposite(numpy=np.cumsum, method=True)
def cumsum(a, axis=None, dtype=None, out=None):
    """NumPy's cumsum (a primitive: O(n); its transpose is the reversed cumsum)."""
    _no_out("cumsum", out)
    a, ax = _prep_cum(a, axis, dtype, "cumsum")
    return cumsum_p(a, ax)


def _scan_prod(x, ax):
    """Inclusive prefix products along negative axis ``ax`` by a Hillis-Steele
    scan: log2(n) multiplications of ``x`` by shifted copies of itself."""
    n = _shape(x)[ax]
    nd = _nd(x)
    pos = nd + ax
    d = 1
    while d < n:
        head = _along(x, pos, slice(0, n - d))
        widths = [(0, 0)] * nd
        widths[pos] = (d, 0)
        x = multiply(x, pad(head, tuple(widths), constant_values=1))
        d *= 2
    return x


@defcomposite(numpy=np.cumprod, method=True)
def cumprod(a, axis=None, dtype=None, out=None):
    """NumPy's cumprod.  The derivative is exact with zeros in the input
    (a scan of multiplications: nothing is divided by ``a``)."""
    _no_out("cumprod", out)
    a, ax = _prep_cum(a, axis, dtype, "cumprod")
    exact = np.cumprod(_data(a), axis=ax)
    if not isinstance(a, Tensor):
        return exact
    y = _scan_prod(a, ax)
    if exact.dtype.kind in "fc":
        # the scan multiplies in another order: add the (constant, exactly
        # representable) rounding difference so values equal NumPy's
        yd = np.asarray(y.data)
        ok = np.isfinite(exact) & np.isfinite(yd)
        corr = np.where(ok, exact - np.where(ok, yd, 0), 0).astype(exact.dtype)
        if corr.any():
            y = y + corr
    return y


# ---- differences ------------------------------------------------------------------------------
def _diff1(a, pos):
    n = _shape(a)[pos]
    hi = _along(a, pos, slice(1, None))
    lo = _along(a, pos, slice(None, n - 1))
    if _dtype(a) == np.bool_:
        return _wrap(np.not_equal(_data(hi), _data(lo))) if isinstance(a, Tensor) \
            else np.not_equal(hi, lo)
    return hi - lo


@defcomposite(numpy=np.diff)
def diff(a, n=1, axis=-1, prepend=_NOVALUE, append=_NOVALUE):
    """NumPy's diff: n-th differences along ``axis``, with optional ``prepend``/``append``."""
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n!r}")
    a = _arr(a)
    nd = _nd(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    pos = _axis(axis, nd, "diff")
    parts = []
    for v, at_end in ((prepend, False), (append, True)):
        if v is _NOVALUE:
            continue
        v = _arr(v)
        if _nd(v) == 0:
            shape = list(_shape(a))
            shape[pos] = 1
            v = broadcast_to(v, tuple(shape))
        parts.append((v, at_end))
    if parts:
        a = concatenate([v for v, e in parts if not e] + [a] + [v for v, e in parts if e],
                        axis=pos)
    for _ in range(n):
        a = _diff1(a, pos)
    return a


@defcomposite(numpy=np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """NumPy's ediff1d: differences of the flattened array, with ends added."""
    ary = ravel(_arr(ary))
    dt = _dtype(ary)
    parts = []
    for v, name in ((to_begin, "to_begin"), (to_end, "to_end")):
        if v is None:
            parts.append(None)
            continue
        v = _arr(v)
        if not np.can_cast(_dtype(v), dt, casting="same_kind"):
            raise TypeError(f"ediff1d: dtype of `{name}` must be compatible "
                            f"with input `ary` under the `same_kind` rule.")
        parts.append(ravel(_cast(v, dt)))
    n = _shape(ary)[0]
    d = _along(ary, 0, slice(1, None)) - _along(ary, 0, slice(None, builtins.max(n - 1, 0)))
    d = _cast(d, dt)
    pieces = [p for p in (parts[0], d, parts[1]) if p is not None]
    return concatenate(pieces) if len(pieces) > 1 else d


@defcomposite(numpy=np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    """NumPy's gradient: second-order central differences inside, first- or
    second-order one-sided differences at the edges; uniform (scalar) or
    coordinate (1-D) spacing per axis.  A tuple for several axes."""
    f = _arr(f)
    N = _nd(f)
    axes = tuple(range(N)) if axis is None else _axes_tuple(axis, N, "gradient")
    n = len(varargs)
    if n == 0:
        dx = [1.0] * len(axes)
    elif n == 1 and _nd(varargs[0]) == 0:
        dx = list(varargs) * len(axes)
    elif n == len(axes):
        dx = list(varargs)
        for i, dist in enumerate(dx):
            dist = _arr(dist)
            if _nd(dist) == 0:
                dx[i] = dist
                continue
            if _nd(dist) != 1:
                raise ValueError("gradient: distances must be either scalars or 1d")
            if _shape(dist)[0] != _shape(f)[axes[i]]:
                raise ValueError("gradient: when 1d, distances must match "
                                 "the length of the corresponding dimension")
            if np.issubdtype(_dtype(dist), np.integer):
                dist = _cast(dist, np.float64)
            diffx = diff(dist)
            dd = np.asarray(_data(diffx))
            if (dd == dd[0]).all():
                diffx = _along(diffx, 0, 0)
            dx[i] = diffx
    else:
        raise TypeError("gradient: invalid number of arguments (give one spacing, or one "
                        "per axis)")
    if edge_order > 2:
        raise ValueError("gradient: 'edge_order' greater than 2 not supported")
    otype = _dtype(f)
    if not np.issubdtype(otype, np.inexact):
        if np.issubdtype(otype, np.integer):
            f = _cast(f, np.float64)
        otype = np.dtype(np.float64)

    def sl(ax, s):
        return _along(f, ax, s)

    def coef(h, shape_ax, n_ax):
        # a 1-D coefficient array along axis ``shape_ax`` (broadcastable)
        if _nd(h) == 0:
            return h
        shape = [1] * N
        shape[shape_ax] = -1
        return _reshape(h, tuple(shape)) if isinstance(h, Tensor) else np.reshape(h, shape)

    outvals = []
    for ax, h in zip(axes, dx):
        if _shape(f)[ax] < edge_order + 1:
            raise ValueError("gradient: Shape of array too small to calculate a numerical "
                             "gradient, "
                             "at least (edge_order + 1) elements are required.")
        uniform = _nd(h) == 0
        if uniform:
            mid = (sl(ax, slice(2, None)) - sl(ax, slice(None, -2))) / (2. * h)
        else:
            dx1 = _along(h, 0, slice(0, -1))
            dx2 = _along(h, 0, slice(1, None))
            a = coef(-(dx2) / (dx1 * (dx1 + dx2)), ax, N)
            b = coef((dx2 - dx1) / (dx1 * dx2), ax, N)
            c = coef(dx1 / (dx2 * (dx1 + dx2)), ax, N)
            mid = a * sl(ax, slice(None, -2)) + b * sl(ax, slice(1, -1)) + c * sl(ax, slice(2, None))
        if edge_order == 1:
            dx_0 = h if uniform else _along(h, 0, 0)
            dx_n = h if uniform else _along(h, 0, -1)
            first = (sl(ax, slice(1, 2)) - sl(ax, slice(0, 1))) / dx_0
            last = (sl(ax, slice(-1, None)) - sl(ax, slice(-2, -1))) / dx_n
        else:
            if uniform:
                a, b, c = -1.5 / h, 2. / h, -0.5 / h
            else:
                dx1, dx2 = _along(h, 0, 0), _along(h, 0, 1)
                a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = - dx1 / (dx2 * (dx1 + dx2))
            first = a * sl(ax, slice(0, 1)) + b * sl(ax, slice(1, 2)) + c * sl(ax, slice(2, 3))
            if uniform:
                a, b, c = 0.5 / h, -2. / h, 1.5 / h
            else:
                dx1, dx2 = _along(h, 0, -2), _along(h, 0, -1)
                a = (dx2) / (dx1 * (dx1 + dx2))
                b = - (dx2 + dx1) / (dx1 * dx2)
                c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
            last = a * sl(ax, slice(-3, -2)) + b * sl(ax, slice(-2, -1)) + c * sl(ax, slice(-1, None))
        parts = [_cast(p, otype) for p in (first, mid, last)]
        outvals.append(concatenate(parts, axis=ax))
    if len(axes) == 1:
        return outvals[0]
    return tuple(outvals)


# ---- products and diagonals -------------------------------------------------------------------
@defcomposite(numpy=np.kron)
def kron(a, b):
    """NumPy's Kronecker product."""
    b = _arr(b)
    a = _arr(a)
    ndb, nda = _nd(b), _nd(a)
    if nda < ndb:
        a = _reshape(a, (1,) * (ndb - nda) + _shape(a))
        nda = ndb
    if nda == 0 or ndb == 0:
        return multiply(a, b)
    nd = builtins.max(nda, ndb)
    as_ = (1,) * builtins.max(0, ndb - nda) + _shape(a)
    bs = (1,) * builtins.max(0, nda - ndb) + _shape(b)
    a_arr = _reshape(a, tuple(v for s in as_ for v in (s, 1)))
    b_arr = _reshape(b, tuple(v for s in bs for v in (1, s)))
    res = multiply(a_arr, b_arr)
    return _reshape(res, tuple(x * y for x, y in zip(as_, bs)))


@defcomposite(numpy=np.diag)
def diag(v, k=0):
    """NumPy's diag: the k-th diagonal of a 2-D array, or a 2-D array with a
    1-D one on its k-th diagonal."""
    v = _arr(v)
    s = _shape(v)
    k = operator.index(k)
    if len(s) == 1:
        n = s[0] + builtins.abs(k)
        i = np.arange(s[0])
        rows, cols = (i, i + k) if k >= 0 else (i - k, i)
        return _untake(v, Index((rows, cols)), (n, n))
    if len(s) == 2:
        return diagonal(v, k)
    raise ValueError(f"diag: Input must be 1- or 2-d, got shape {_shape(v)}")


@defcomposite(numpy=np.diagflat)
def diagflat(v, k=0):
    """NumPy's diagflat: the flattened input on the k-th diagonal."""
    return diag(ravel(_arr(v)), k)


def _tri_mask(m, k):
    return np.tri(*_shape(m)[-2:], k=k, dtype=bool)


@defcomposite(numpy=np.tril)
def tril(m, k=0):
    """NumPy's tril: zero above the k-th diagonal."""
    m = _arr(m)
    return where(_tri_mask(m, k), m, np.zeros(1, _dtype(m)))


@defcomposite(numpy=np.triu)
def triu(m, k=0):
    """NumPy's triu: zero below the k-th diagonal."""
    m = _arr(m)
    return where(_tri_mask(m, k - 1), np.zeros(1, _dtype(m)), m)


# ---- axis moves, rotations, flips, rolls ------------------------------------------------------
@defcomposite(numpy=np.rollaxis)
def rollaxis(a, axis, start=0):
    """NumPy's rollaxis (prefer moveaxis)."""
    a = _arr(a)
    n = _nd(a)
    axis = _axis(axis, n, "rollaxis")
    if start < 0:
        start += n
    if not (0 <= start < n + 1):
        raise np.exceptions.AxisError(
            f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, but {start} was "
            f"passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return _transpose(a, tuple(axes))


@defcomposite(numpy=np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """NumPy's rot90: rotate by 90 degrees k times, from the first axis towards the second."""
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: len(axes) must be 2, got axes={axes}")
    m = _arr(m)
    nd = _nd(m)
    if axes[0] == axes[1] or builtins.abs(axes[0] - axes[1]) == nd:
        raise ValueError(f"rot90: Axes must be different, got axes={axes} for an array of "
                         f"dimension {nd}")
    if axes[0] >= nd or axes[0] < -nd or axes[1] >= nd or axes[1] < -nd:
        raise ValueError(f"rot90: Axes={axes} out of range for array of ndim={nd}.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(nd))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return _transpose(flip(m, axes[1]), tuple(perm))
    return flip(_transpose(m, tuple(perm)), axes[1])


@defcomposite(numpy=np.flipud)
def flipud(m):
    """NumPy's flipud: reverse the first axis."""
    m = _arr(m)
    if _nd(m) < 1:
        raise ValueError("flipud: Input must be >= 1-d.")
    return flip(m, 0)


@defcomposite(numpy=np.fliplr)
def fliplr(m):
    """NumPy's fliplr: reverse the second axis."""
    m = _arr(m)
    if _nd(m) < 2:
        raise ValueError("fliplr: Input must be >= 2-d.")
    return flip(m, 1)


@defcomposite(numpy=np.roll)
def roll(a, shift, axis=None):
    """NumPy's roll: elements shifted along ``axis`` (flattened if None), wrapping around."""
    a = _arr(a)
    shift = _data(shift)
    if axis is None:
        return _reshape(roll(ravel(a), shift, 0), _shape(a))
    nd = _nd(a)
    axis = _axes_tuple(axis, nd, "roll", allow_duplicate=True)
    b = np.broadcast(shift, axis)
    if b.ndim > 1:
        raise ValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences")
    shifts = {ax: 0 for ax in range(nd)}
    for sh, ax in b:
        shifts[ax] += int(sh)
    for ax, sh in shifts.items():
        n = _shape(a)[ax]
        if n == 0:
            continue
        sh %= n
        if sh:
            a = concatenate([_along(a, ax, slice(n - sh, None)),
                             _along(a, ax, slice(None, n - sh))], axis=ax)
    return a


@defcomposite(numpy=np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """NumPy's cross product of 3-vectors (2-vectors: NumPy's deprecated forms)."""
    if axis is not None:
        axisa, axisb, axisc = (axis,) * 3
    a, b = _arr(a), _arr(b)
    if _nd(a) < 1 or _nd(b) < 1:
        raise ValueError("At least one array has zero dimension")
    axisa = _axis(axisa, _nd(a), "cross: axisa")
    axisb = _axis(axisb, _nd(b), "cross: axisb")
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("cross: incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if na == 2 or nb == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=3)
    shape = np.broadcast_shapes(_shape(a)[:-1], _shape(b)[:-1])
    if na == 3 or nb == 3:
        axisc = _axis(axisc, len(shape) + 1, "cross: axisc")
    dt = np.promote_types(_dtype(a), _dtype(b))
    a, b = _cast(a, dt), _cast(b, dt)

    def comp(x, i):
        return _take(x, Index((Ellipsis, i)))
    a0, a1, b0, b1 = comp(a, 0), comp(a, 1), comp(b, 0), comp(b, 1)
    a2 = comp(a, 2) if na == 3 else None
    b2 = comp(b, 2) if nb == 3 else None
    if na == 2 and nb == 2:
        return broadcast_to(a0 * b1 - a1 * b0, shape)
    if na == 2:
        cps = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    elif nb == 3:
        cps = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    else:
        cps = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    cp = concatenate([expand_dims(broadcast_to(c, shape), -1) for c in cps], axis=-1)
    return moveaxis(cp, -1, axisc)


# ---- splitting and stacking -------------------------------------------------------------------
@defcomposite(numpy=np.vsplit)
def vsplit(ary, indices_or_sections):
    """NumPy's vsplit: split along the first axis."""
    ary = _arr(ary)
    if _nd(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


@defcomposite(numpy=np.hsplit)
def hsplit(ary, indices_or_sections):
    """NumPy's hsplit: split along the second axis (the first of a 1-D array)."""
    ary = _arr(ary)
    if _nd(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if _nd(ary) > 1 else 0)


@defcomposite(numpy=np.dsplit)
def dsplit(ary, indices_or_sections):
    """NumPy's dsplit: split along the third axis."""
    ary = _arr(ary)
    if _nd(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


@defcomposite(numpy=np.column_stack, seq=(0,))
def column_stack(tup):
    """NumPy's column_stack: 1-D arrays as columns of a 2-D array."""
    tup = list(tup)
    if not tup:
        raise ValueError("column_stack: need at least one array to concatenate (got an "
                         "empty sequence)")
    arrays = []
    for v in tup:
        v = _arr(v)
        if _nd(v) < 2:
            v = _transpose(_reshape(v, (1, -1)), (1, 0))
        arrays.append(v)
    return concatenate(arrays, axis=1)


@defcomposite(numpy=np.row_stack, seq=(0,))
def row_stack(tup, *, dtype=None, casting="same_kind"):
    """NumPy's (deprecated) row_stack: vstack."""
    return vstack(tup, dtype=dtype, casting=casting)


@defcomposite(numpy=np.dstack, seq=(0,))
def dstack(tup):
    """NumPy's dstack: stack along the third axis."""
    tup = list(tup)
    if not tup:
        raise ValueError("dstack: need at least one array to concatenate (got an empty "
                         "sequence)")
    arrs = atleast_3d(*[_arr(v) for v in tup])
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    return concatenate(list(arrs), axis=2)


@defcomposite(numpy=np.append)
def append(arr, values, axis=None):
    """NumPy's append (flattened when ``axis`` is None)."""
    arr = _arr(arr)
    if axis is None:
        if _nd(arr) != 1:
            arr = ravel(arr)
        values = ravel(_arr(values))
        axis = _nd(arr) - 1
    return concatenate([arr, _arr(values)], axis=axis)


@defcomposite(numpy=np.select, seq=(0, 1))
def select(condlist, choicelist, default=0):
    """NumPy's select: from the choice of the first true condition, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select: select with an empty condition list is not possible")
    choices = [c if type(c) in (int, float, complex) else _arr(c) for c in choicelist]
    choices.append(default if type(default) in (int, float, complex) else _arr(default))
    try:
        dtype = np.result_type(*[c if type(c) in (int, float, complex) else _dtype(c)
                                 for c in choices])
    except TypeError as e:
        raise TypeError(f"select: Choicelist and default value do not have a common dtype: "
                        f"{e}") from None
    conds = [np.asarray(_data(c)) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype.type is not np.bool_:
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray, "
                            f"got dtype {c.dtype}")
    shape = np.broadcast_shapes(*[c.shape for c in conds], *[np.shape(_data(c)) for c in choices])
    result = broadcast_to(_cast(choices[-1], dtype), shape)
    for choice, cond in zip(choices[-2::-1], conds[::-1]):
        result = where(cond, _cast(choice, dtype), result)
    return broadcast_to(result, shape) if np.shape(_data(result)) != shape else result


# ---- selection ------------------------------------------------------------------------------
@defcomposite(numpy=np.take, method=True)
def take(a, indices, axis=None, out=None, mode="raise"):
    """NumPy's take: elements at ``indices`` along ``axis`` (of the flattened array if None)."""
    _no_out("take", out)
    a = _arr(a)
    if axis is None:
        a, ax = ravel(a), 0
    else:
        ax = _axis(axis, _nd(a), "take")
    idx = np.asarray(_data(indices))
    if idx.dtype.kind not in "iu":
        if idx.size == 0:
            idx = idx.astype(np.intp)
        else:
            raise TypeError(f"take: indices must be integers, got dtype {idx.dtype}")
    n = _shape(a)[ax]
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif mode == "raise":
        bad = (idx >= n) | (idx < -n)
        if bad.any():
            raise IndexError(f"take: index {int(idx[bad].flat[0])} is out of bounds for axis "
                             f"{ax} with size {n} (array of shape {_shape(a)})")
    else:
        raise ValueError(f"take: clipmode must be one of 'clip', 'raise', or 'wrap' "
                         f"(got {mode!r})")
    key = int(idx) if idx.ndim == 0 else idx
    return _along(a, ax, key)


@defcomposite(numpy=np.compress)
def compress(condition, a, axis=None, out=None):
    """NumPy's compress: the slices along ``axis`` where ``condition`` is true."""
    _no_out("compress", out)
    cond = np.asarray(_data(condition))
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {cond.shape}")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    ax = _axis(axis, _nd(a), "compress")
    idx = np.nonzero(cond)[0]
    if idx.size and idx[-1] >= _shape(a)[ax]:
        raise IndexError(f"compress: index {idx[-1]} is out of bounds for axis {ax} with size "
                         f"{_shape(a)[ax]}")
    return _along(a, ax, idx)


@defcomposite(numpy=np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's partition, differentiable as a gather: the values are exactly
    ``np.partition``'s, taken from the positions ``np.argpartition`` picks."""
    if order is not None:
        raise NotImplementedError("partition: order= (structured arrays) is not supported")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), -1
    nd = _nd(a)
    ax = _axis(axis, nd, "partition")
    d = np.asarray(_data(a))
    kth = _data(kth)
    ref = np.partition(d, kth, axis=ax, kind=kind)
    if not isinstance(a, Tensor):
        return ref
    idx = np.argpartition(d, kth, axis=ax, kind=kind)
    if not np.array_equal(np.take_along_axis(d, idx, ax), ref,
                          equal_nan=d.dtype.kind in "fc"):
        # positions of ref's values in d: match both sorted orders
        o1 = np.argsort(d, axis=ax, kind="stable")
        o2 = np.argsort(ref, axis=ax, kind="stable")
        idx = np.empty_like(o1)
        np.put_along_axis(idx, o2, o1, ax)
    return take_along_axis(a, idx, ax)


# ---- linspace -------------------------------------------------------------------------------
def _pyscalar(x):
    return type(x) in (int, float, bool)


@defcomposite(numpy=np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None, requires_grad=False):
    """NumPy's linspace, differentiable in ``start`` and ``stop`` (scalars or
    arrays).  ``requires_grad=True`` makes the result a leaf that requires grad
    (for constant ``start``/``stop``); with Python-number ends and no
    ``dtype``, the result has the default float dtype."""
    if isinstance(start, (list, tuple)):
        start = _arr(start)
    if isinstance(stop, (list, tuple)):
        stop = _arr(stop)
    if not isinstance(start, Tensor) and not isinstance(stop, Tensor):
        if dtype is None and _pyscalar(start) and _pyscalar(stop):
            dtype = get_default_dtype()
        res = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype,
                          axis=axis, device=device)
        if requires_grad:
            y = res[0] if retstep else res
            y = Tensor(y, requires_grad=True, dtype=y.dtype)
            return (y, res[1]) if retstep else y
        return res
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"linspace: Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    sd, ed = _data(start), _data(stop)
    dt = np.linspace(sd, ed, 0).dtype     # NumPy's inference: never an integer dtype
    integer_dtype = dtype is not None and np.issubdtype(dtype, np.integer)
    if dtype is None:
        dtype = dt
    start, stop = _cast(start, dt), _cast(stop, dt)
    delta = stop - start
    ndd = _nd(delta)
    y = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * ndd)
    if div > 0:
        step = delta / div
        if (np.asarray(_data(step)) == 0).any():
            y = (y / div) * delta
        else:
            y = y * step
    else:
        step = np.nan
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        rest = _shape(y)[1:]
        y = concatenate([_along(y, 0, slice(0, num - 1)),
                         expand_dims(broadcast_to(stop, rest), 0)], axis=0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if integer_dtype:
        y = floor(y)
    y = _cast(y, dtype)
    if retstep:
        return y, step
    return y


# ---- r_ and c_ ------------------------------------------------------------------------------
class AxisConcatenator:
    """NumPy's ``r_``/``c_`` index tricks on Tensors (differentiable
    concatenation): ``ya.r_[a, 0:3, 1.0]``, ``ya.c_[a, b]``.  Slices become
    ``arange`` (or ``linspace`` for a complex step ``start:stop:nj``); the
    leading directive string ``'axis[,ndmin[,trans1d]]'`` is supported, the
    matrix directives ``'r'``/``'c'`` are not."""
    __slots__ = ("axis", "ndmin", "trans1d", "name")

    def __init__(self, name, axis=0, ndmin=1, trans1d=-1):
        self.name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d

    def __getitem__(self, key):
        if isinstance(key, str):
            raise NotImplementedError(
                f"ya.{self.name}: the matrix-building string syntax ({self.name}['1 2; 3 4']) "
                f"is not supported; build the array with ya.array or ya.stack")
        if not isinstance(key, tuple):
            key = (key,)
        trans1d, ndmin, axis = self.trans1d, self.ndmin, self.axis
        objs, rtypes = [], []
        for k, item in enumerate(key):
            scalar = False
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                stop = item.stop
                if isinstance(step, (np.complexfloating, complex)):
                    new = linspace(start, stop, num=int(builtins.abs(step)))
                    if not isinstance(new, Tensor):
                        new = np.asarray(new)
                else:
                    new = np.arange(_data(start), _data(stop), _data(step))
                if ndmin > 1:
                    new = _ndmin(new, ndmin)
                    if trans1d != -1:
                        nd = _nd(new)
                        perm = list(range(nd))
                        t = normalize_axis_index(trans1d, nd)
                        perm[-1], perm[t] = perm[t], perm[-1]
                        new = _transpose(new, tuple(perm))
            elif isinstance(item, str):
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                if item in ("r", "c"):
                    raise NotImplementedError(
                        f"ya.{self.name}: the matrix directives 'r' and 'c' (np.matrix "
                        f"results) are not supported")
                try:
                    vec = [int(x) for x in item.split(",")]
                except ValueError as e:
                    raise ValueError(f"unknown special directive {item!r}") from e
                if len(vec) == 1:
                    axis = vec[0]
                elif len(vec) in (2, 3):
                    axis, ndmin = vec[:2]
                    if len(vec) == 3:
                        trans1d = vec[2]
                else:
                    raise ValueError(f"unknown special directive {item!r}")
                continue
            elif type(item) in np.ScalarType:
                scalar = True
                new = item
            else:
                item = _arr(item)
                item_ndim = _nd(item)
                new = _ndmin(item, ndmin)
                if trans1d != -1 and item_ndim < ndmin:
                    k2 = ndmin - item_ndim
                    k1 = trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    defaxes = list(range(ndmin))
                    perm = defaxes[:k1] + defaxes[k2:] + defaxes[k1:k2]
                    new = _transpose(new, tuple(perm))
            objs.append(new)
            rtypes.append(item if scalar else _dtype(new))
        if rtypes:
            final = np.result_type(*rtypes)
            objs = [_cast(_ndmin(o if isinstance(o, Tensor) else np.asarray(o), ndmin), final)
                    for o in objs]
        res = concatenate(objs, axis=axis)
        return res if isinstance(res, Tensor) else _wrap(np.asarray(res))

    def __len__(self):
        return 0


def _ndmin(x, ndmin):
    nd = _nd(x)
    if nd >= ndmin:
        return x
    return _reshape(x, (1,) * (ndmin - nd) + _shape(x))


r_ = AxisConcatenator("r_", 0)
c_ = AxisConcatenator("c_", -1, ndmin=2, trans1d=0)


# ---- gathers by sort order ---------------------------------------------------------------
@defcomposite(numpy=np.sort)
def sort(x, axis=-1):
    """Sorted values (differentiable: a gather by argsort)."""
    d = _data(x)
    if axis is not None:
        axis = _axis(axis, np.ndim(d), "sort")
    idx = np.argsort(d, axis=axis, kind="stable")
    return take_along_axis(x, idx, axis)


@defcomposite(numpy=np.take_along_axis)
def take_along_axis(x, indices, axis=-1):
    """NumPy's take_along_axis: ``x``'s values at ``indices`` along ``axis``
    (the flattened ``x`` if None); the other axes broadcast as NumPy's do."""
    indices = np.asarray(_data(indices))
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take_along_axis: `indices` must be an integer array, got dtype "
                         f"{indices.dtype} (shape {indices.shape})")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(f"take_along_axis: when axis=None, `indices` must have a single "
                             f"dimension, got shape {indices.shape}")
        x, axis = ravel(x), 0
    shape = _shape(x)
    nd = len(shape)
    if indices.ndim != nd:
        raise ValueError(f"take_along_axis: `indices` and `arr` must have the same number of "
                         f"dimensions, got indices of shape {indices.shape} and an array of "
                         f"shape {shape}")
    axis = _axis(axis, nd, "take_along_axis")
    n = shape[axis]
    if indices.size and (indices.max() >= n or indices.min() < -n):
        bad = indices.max() if indices.max() >= n else indices.min()
        raise IndexError(f"take_along_axis: index {bad} is out of bounds for axis {axis} with "
                         f"size {n} (array of shape {shape})")
    try:
        np.broadcast_shapes(shape[:axis] + shape[axis + 1:],
                            indices.shape[:axis] + indices.shape[axis + 1:])
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {indices.shape} do not broadcast "
                         f"with the array of shape {shape} off axis {axis}") from None
    key = []
    for i in range(nd):
        if i == axis:
            key.append(indices)
        else:
            shp = [1] * nd
            shp[i] = shape[i]
            key.append(np.arange(shape[i]).reshape(shp))
    return _take(x, Index(tuple(key)))
