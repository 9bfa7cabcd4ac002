"""Operations composed from primitives: they get every mode and order of
differentiation from the primitives' rules, with no rules of their own."""
import builtins
import math
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..tensor import Tensor, _wrap, _data
from .elementwise import multiply, exp, log, sqrt, where, astype
from .registry import defcomposite
from .reductions import sum, max, min, _axes
from .shape import (reshape, transpose, broadcast_to, expand_dims, take, Index,
                    concatenate_p)
from .linalg import matmul, einsum, sqrt0
from .elementwise import quietly

@defcomposite()
def stop_gradient(x):
    """The value of ``x`` with no derivative (a constant)."""
    return _wrap(x.data) if isinstance(x, Tensor) else x


# ---- reductions -------------------------------------------------------------------------
def _count(x, axis, op=None):
    shape = np.shape(_data(x))
    if axis is None:
        return math.prod(shape)
    try:
        axes = _axes(axis, len(shape))
    except np.exceptions.AxisError as e:
        if op is None:
            raise
        raise np.exceptions.AxisError(f"{op}: {e}") from None
    return math.prod([shape[a] for a in axes])


@defcomposite(numpy=np.mean, method=True)
def mean(x, axis=None, keepdims=False):
    n = _count(x, axis, "mean")
    return sum(x, axis=axis, keepdims=keepdims) / n if n else sum(x, axis=axis, keepdims=keepdims) * np.nan


@defcomposite(numpy=np.var, method=True)
@quietly
def var(x, axis=None, ddof=0, keepdims=False):
    n = _count(x, axis, "var") - ddof
    d = x - mean(x, axis=axis, keepdims=True)
    if np.iscomplexobj(_data(d)):          # NumPy: mean of |d|^2, a real number
        from .complex import real, conjugate
        return sum(real(d * conjugate(d)), axis=axis, keepdims=keepdims) / n
    return sum(d * d, axis=axis, keepdims=keepdims) / n


@defcomposite(numpy=np.std, method=True)
@quietly
def std(x, axis=None, ddof=0, keepdims=False):
    """sqrt(var): at a constant slice (std 0) the derivative is 0, as
    PyTorch's (a subgradient), not inf * 0 = NaN -- to every order."""
    return sqrt0(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def _finite_max(x, axis):
    """The max along ``axis`` as a constant shift (infinities replaced by 0)."""
    d = _data(x)
    if np.size(d) == 0:                 # nothing to shift (a max of nothing has no value)
        return np.zeros_like(np.sum(d, axis=axis, keepdims=True))
    m = np.maximum.reduce(d, axis=axis, keepdims=True)
    if not np.isfinite(m).all():
        m = np.where(np.isfinite(m), m, 0).astype(m.dtype)
    return m


@defcomposite(method=True)
@quietly
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) without overflow; its gradient is softmax.  Over an
    empty axis it is -inf (log 0, as PyTorch), with an empty gradient; an
    all -inf slice gives -inf (gradient NaN, as PyTorch); silent, as PyTorch."""
    if _count(x, axis) == 0:
        return sum(x, axis=axis, keepdims=keepdims) + (-math.inf)
    m = _finite_max(x, axis)
    r = log(sum(exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        axes = _axes(axis, np.ndim(_data(x)))
        r = reshape(r, tuple(s for i, s in enumerate(r.shape) if i - r.ndim not in axes))
    return r


@defcomposite(method=True)
@quietly
def softmax(x, axis=-1):
    if axis is not None:
        _axes_tuple(axis, np.ndim(_data(x)), "softmax")
    e = exp(x - _finite_max(x, axis))
    s = sum(e, axis=axis, keepdims=True)
    out = e / s
    if not np.isfinite(_data(s)).all():
        # a slice holding +inf: nan throughout, as SciPy's and PyTorch's (the shift
        # by the finite max would leave 0 beside the inf/inf)
        bad = np.isposinf(_data(x)).any(axis=axis, keepdims=True)
        if bad.any():
            out = where(bad, np.nan, out)
    return out


@defcomposite(method=True)
@quietly
def log_softmax(x, axis=-1):
    if axis is not None:
        _axes_tuple(axis, np.ndim(_data(x)), "log_softmax")
    z = x - _finite_max(x, axis)
    return z - log(sum(exp(z), axis=axis, keepdims=True))


@defcomposite(method=True)
def leaky_relu(x, negative_slope=0.01):
    return where(_data(x) > 0, x, x * negative_slope)


# ---- shape ----------------------------------------------------------------------------------
def _ax(axis, nd, prefix=None):
    """``axis`` checked against ``nd`` dims and made non-negative: NumPy's
    AxisError, its message starting with ``prefix`` (the op), never wrapped
    modulo ``nd``."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{prefix or 'axis'}: an axis must be an integer, got "
                        f"{type(axis).__name__} {axis!r}") from None
    try:
        return normalize_axis_index(axis, nd, msg_prefix=prefix)
    except np.exceptions.AxisError:
        hint = (f"use an axis in [{-nd}, {nd - 1}]" if nd else
                "a 0-d array has no axis: reshape it first")
        raise np.exceptions.AxisError(f"{prefix + ': ' if prefix else ''}axis {axis} is out of "
                                      f"bounds for array of dimension {nd}; {hint}") from None


def _axes_tuple(axis, nd, prefix=None, allow_duplicate=False):
    """An int or a sequence of ints checked as ``_ax`` does; repeated axes
    raise NumPy's ValueError unless ``allow_duplicate``."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(_ax(a, nd, prefix) for a in axes)
    if not allow_duplicate and len(set(out)) != len(out):
        raise ValueError(f"{prefix or 'axis'}: repeated axis in {axis!r} (array of "
                         f"dimension {nd}); give each axis once")
    return out


@defcomposite(numpy=np.ravel, method=True)
def ravel(x):
    return reshape(x, (-1,))


@defcomposite(numpy=np.squeeze, method=True)
def squeeze(x, axis=None):
    shape = np.shape(_data(x))
    if axis is None:
        axes = [i for i, s in enumerate(shape) if s == 1]
    else:
        axes = _axes_tuple(axis, len(shape), "squeeze")
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has "
                                 f"size not equal to one (axis {a} of shape {shape}); NumPy's "
                                 f"squeeze raises here where PyTorch's returns the tensor "
                                 f"unchanged: squeeze only axes of size 1, or call squeeze()")
    return reshape(x, tuple(s for i, s in enumerate(shape) if i not in axes))


@defcomposite(numpy=np.swapaxes, method=True)
def swapaxes(x, axis1, axis2):
    nd = np.ndim(_data(x))
    axes = list(range(nd))
    a1, a2 = _ax(axis1, nd, "swapaxes"), _ax(axis2, nd, "swapaxes")
    axes[a1], axes[a2] = axes[a2], axes[a1]
    return transpose(x, tuple(axes))


@defcomposite(numpy=np.moveaxis, method=True)
def moveaxis(x, source, destination):
    nd = np.ndim(_data(x))
    src = _axes_tuple(source, nd, "moveaxis: source")
    dst = _axes_tuple(destination, nd, "moveaxis: destination")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: `source` and `destination` arguments must have "
                         f"the same number of elements, got {source!r} and {destination!r}")
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def _with_dtype(name, arrays, dtype, casting):
    """The inputs cast to ``dtype`` (NumPy's ``dtype=``/``casting=`` of concatenate & co)."""
    if dtype is None:
        return arrays
    dtype = np.dtype(dtype)
    out = []
    for a in arrays:
        dt = a.dtype if isinstance(a, Tensor) else np.asarray(a).dtype
        if not np.can_cast(dt, dtype, casting=casting):
            raise TypeError(f"{name}: Cannot cast array data from {dt!r} to {dtype!r} "
                            f"according to the rule {casting!r}")
        if dt == dtype:
            out.append(a)
        else:
            out.append(astype(a, dtype) if isinstance(a, Tensor) else np.asarray(a, dtype=dtype))
    return out


@defcomposite(numpy=np.concatenate, aliases=("concat",), seq=(0,))
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if out is not None:
        raise TypeError("concatenate: out= is not supported by yaae (an in-place result "
                        "cannot be recorded); use the returned value")
    arrays = [a if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate (got an "
                         "empty sequence)")
    arrays = _with_dtype("concatenate", arrays, dtype, casting)
    if axis is None:
        return concatenate_p(*[ravel(a) for a in arrays], axis=0)
    nd = np.ndim(_data(arrays[0]))
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated; use "
                         "stack, or atleast_1d first")
    return concatenate_p(*arrays, axis=_ax(axis, nd, "concatenate"))


@defcomposite(numpy=np.stack, seq=(0,))
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    if out is not None:
        raise TypeError("stack: out= is not supported by yaae (an in-place result "
                        "cannot be recorded); use the returned value")
    arrays = [a if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("stack: need at least one array to stack (got an empty sequence)")
    shapes = {np.shape(_data(a)) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got "
                         f"{sorted(shapes)}")
    arrays = _with_dtype("stack", arrays, dtype, casting)
    ax = _ax(axis, np.ndim(_data(arrays[0])) + 1, "stack")
    return concatenate_p(*[expand_dims(a, ax) for a in arrays], axis=ax)


@defcomposite(numpy=np.hstack, seq=(0,))
def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = [atleast_1d(a) for a in tup]
    if not arrs:
        raise ValueError("hstack: need at least one array to concatenate (got an empty "
                         "sequence)")
    return concatenate(arrs, axis=0 if np.ndim(_data(arrs[0])) == 1 else 1, dtype=dtype,
                       casting=casting)


@defcomposite(numpy=np.vstack, seq=(0,))
def vstack(tup, *, dtype=None, casting="same_kind"):
    tup = list(tup)
    if not tup:
        raise ValueError("vstack: need at least one array to concatenate (got an empty "
                         "sequence)")
    return concatenate([atleast_2d(a) for a in tup], axis=0, dtype=dtype, casting=casting)


@defcomposite(numpy=np.split)
def split(x, indices_or_sections, axis=0):
    shape = np.shape(_data(x))
    ax = _ax(axis, len(shape), "split")
    n = shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        _sections(k, "split", shape)
        if n % k:
            raise ValueError(f"split: array split does not result in an equal division: "
                             f"axis {ax} of the array of shape {shape} has {n} elements, "
                             f"not a multiple of {k}; use array_split for unequal parts")
        step = n // k
        bounds = list(range(0, n + 1, step)) if n else [0] * (k + 1)
    else:
        try:
            cuts = [operator.index(i) for i in _data(indices_or_sections)]
        except TypeError:
            raise TypeError(f"split: indices_or_sections must be an integer (a number of "
                            f"equal sections) or a sequence of integer split indices, got "
                            f"{indices_or_sections!r}") from None
        bounds = [0] + cuts + [n]
    outs = []
    for s, e in zip(bounds[:-1], bounds[1:]):
        key = (slice(None),) * ax + (slice(s, e),)
        outs.append(take(x, Index(key)))
    return outs


def _sections(k, op, shape):
    """A number of sections must be positive (never a ZeroDivisionError)."""
    if k <= 0:
        raise ValueError(f"{op}: number sections must be larger than 0, got {k} (array of "
                         f"shape {shape}); give a positive number of sections or a list "
                         f"of split indices")


@defcomposite(numpy=np.array_split)
def array_split(x, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, (int, np.integer)):
        shape = np.shape(_data(x))
        n = shape[_ax(axis, len(shape), "array_split")]
        k = int(indices_or_sections)
        _sections(k, "array_split", shape)
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        indices_or_sections = list(np.cumsum(sizes)[:-1])
    return split(x, indices_or_sections, axis)


@defcomposite(numpy=np.flip, method=True)
def flip(x, axis=None):
    nd = np.ndim(_data(x))
    axes = range(nd) if axis is None else _axes_tuple(axis, nd, "flip")
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(nd))
    return take(x, Index(key))


@defcomposite(numpy=np.tile)
def tile(x, reps):
    try:
        reps = ((operator.index(reps),) if isinstance(reps, (int, np.integer)) else
                tuple(operator.index(r) for r in reps))
    except TypeError:
        raise TypeError(f"tile: reps must be an integer or a sequence of integers, got "
                        f"{reps!r}") from None
    if builtins.any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    shape = np.shape(_data(x))
    nd = builtins.max(len(shape), len(reps))
    shape = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    x = reshape(x, tuple(v for s in shape for v in (1, s)))
    x = broadcast_to(x, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(reps, shape)))


@defcomposite(numpy=np.repeat, method=True)
def repeat(x, repeats, axis=None):
    if axis is None:
        x, axis = ravel(x), 0
    shape = np.shape(_data(x))
    ax = _ax(axis, len(shape), "repeat")
    n = shape[ax]
    reps = np.asarray(_data(repeats))
    if reps.dtype.kind not in "iub" or reps.ndim > 1:
        raise TypeError(f"repeat: repeats must be an integer or a 1-D sequence of integers, "
                        f"got {reps.dtype} of shape {reps.shape}")
    if (reps < 0).any():
        raise ValueError(f"repeat: repeats may not contain negative values, got {reps.tolist()}")
    if reps.ndim == 1 and reps.size not in (1, n):
        raise ValueError(f"repeat: {reps.size} repeats given for axis {ax} of size {n} (array "
                         f"of shape {shape}); give one count, or one per element")
    idx = np.repeat(np.arange(n), reps)
    key = (slice(None),) * ax + (idx,)
    return take(x, Index(key))


def _atleast(arys, nd, fix):
    res = []
    for a in arys:
        a = a if isinstance(a, Tensor) else np.asarray(a)
        res.append(fix(a, np.shape(_data(a))) if np.ndim(_data(a)) < nd else a)
    return res[0] if len(res) == 1 else tuple(res)


@defcomposite(numpy=np.atleast_1d)
def atleast_1d(*arys):
    return _atleast(arys, 1, lambda a, s: reshape(a, (1,)))


@defcomposite(numpy=np.atleast_2d)
def atleast_2d(*arys):
    return _atleast(arys, 2, lambda a, s: reshape(a, (1,) * (2 - len(s)) + s))


@defcomposite(numpy=np.atleast_3d)
def atleast_3d(*arys):
    def fix(a, s):
        if len(s) == 0:
            return reshape(a, (1, 1, 1))
        if len(s) == 1:
            return reshape(a, (1,) + s + (1,))
        return reshape(a, s + (1,))
    return _atleast(arys, 3, fix)


# ---- linear algebra -----------------------------------------------------------------------
@defcomposite(numpy=np.dot, method=True)
def dot(a, b):
    na, nb_ = np.ndim(_data(a)), np.ndim(_data(b))
    if na == 0 or nb_ == 0:
        return multiply(a, b)
    sa, sb = np.shape(_data(a)), np.shape(_data(b))
    kb = -2 if nb_ >= 2 else -1
    if sa[-1] != sb[kb]:
        raise ValueError(f"dot: shapes {sa} and {sb} not aligned: {sa[-1]} (dim {na - 1}) != "
                         f"{sb[kb]} (dim {nb_ + kb}); the last axis of a must have the size of "
                         f"the {'second-to-last' if nb_ >= 2 else 'only'} axis of b")
    if nb_ <= 2 and na <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [kb]))


@defcomposite(numpy=np.vdot)
def vdot(a, b):
    """NumPy's vdot: the first argument is conjugated when complex."""
    a = ravel(a)
    if np.iscomplexobj(_data(a)):
        from .complex import conjugate
        a = conjugate(a)
    return sum(multiply(a, ravel(b)))


@defcomposite(numpy=np.inner)
def inner(a, b):
    if np.ndim(_data(a)) == 0 or np.ndim(_data(b)) == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


@defcomposite(numpy=np.outer)
def outer(a, b):
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


@defcomposite(numpy=np.tensordot)
def tensordot(a, b, axes=2):
    sa_, sb_ = np.shape(_data(a)), np.shape(_data(b))
    na, nb_ = len(sa_), len(sb_)
    if isinstance(axes, (int, np.integer)):
        axes = int(axes)
        if axes < 0:
            raise ValueError(f"tensordot: axes must be a non-negative integer (the number of "
                             f"trailing axes of a to contract with leading axes of b) or a "
                             f"pair of axis lists, got {axes}")
        if axes > na or axes > nb_:
            raise np.exceptions.AxisError(
                f"tensordot: axes={axes} contracts more axes than a (shape {sa_}) or b "
                f"(shape {sb_}) has")
        ax_a = list(range(na - axes, na))
        ax_b = list(range(axes))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise ValueError(f"tensordot: axes must be an integer or a pair (axes of a, axes "
                             f"of b), got {axes!r}") from None
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        if len(ax_a) != len(ax_b):
            raise ValueError(f"tensordot: shape-mismatch for sum: {len(ax_a)} axes of a "
                             f"{ax_a} but {len(ax_b)} axes of b {ax_b}")
        ax_a = list(_axes_tuple(ax_a, na, "tensordot (axes of a)"))
        ax_b = list(_axes_tuple(ax_b, nb_, "tensordot (axes of b)"))
    for i, j in zip(ax_a, ax_b):
        if sa_[i] != sb_[j]:
            raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of a (shape {sa_}) "
                             f"has size {sa_[i]} but axis {j} of b (shape {sb_}) has size "
                             f"{sb_[j]}")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb_)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + [c for j, c in enumerate(sb) if j not in ax_b]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


@defcomposite(numpy=np.diagonal, method=True)
def diagonal(x, offset=0, axis1=0, axis2=1):
    shape = np.shape(_data(x))
    nd = len(shape)
    if nd < 2:
        raise ValueError(f"diagonal: diag requires an array of at least two dimensions, got "
                         f"shape {shape}")
    axis1, axis2 = _ax(axis1, nd, "diagonal: axis1"), _ax(axis2, nd, "diagonal: axis2")
    if axis1 == axis2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same (both {axis1}, array "
                         f"of shape {shape})")
    x = moveaxis(x, (axis1, axis2), (-2, -1))
    n1, n2 = shape[axis1], shape[axis2]
    if offset >= 0:
        k = builtins.max(0, builtins.min(n1, n2 - offset))
        rows, cols = np.arange(k), np.arange(k) + offset
    else:
        k = builtins.max(0, builtins.min(n1 + offset, n2))
        rows, cols = np.arange(k) - offset, np.arange(k)
    return take(x, Index((Ellipsis, rows, cols)))


@defcomposite(numpy=np.trace, method=True)
def trace(x, offset=0, axis1=0, axis2=1):
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


# ---- arrays from nested lists (differentiable np.array) ----------------------------------
def has_tensor(obj):
    """Whether a nested list/tuple holds a Tensor anywhere."""
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, (list, tuple)):
        return builtins.any(has_tensor(o) for o in obj)
    return False


def from_nested(obj):
    """A nested list/tuple holding Tensors as one Tensor, built by stacking,
    so the gradient reaches every Tensor in it; anything else unchanged."""
    if isinstance(obj, (list, tuple)) and has_tensor(obj):
        parts = [from_nested(o) for o in obj]
        if not parts:
            return np.asarray(obj)
        dt = np.result_type(*[_data(p) for p in parts])
        if dt.kind not in "fc":
            from ..tensor import get_default_dtype
            dt = get_default_dtype()
        return stack([p if isinstance(p, Tensor) and p.dtype == dt else
                      (astype(p, dt) if isinstance(p, Tensor) else np.asarray(p, dtype=dt))
                      for p in parts])
    return obj


@defcomposite()
def array(obj, dtype=None, copy=True):
    """NumPy's ``array``, differentiable: ``ya.array([a, 2 * a])`` stacks
    Tensors (nested lists and tuples too) and keeps their gradients."""
    if has_tensor(obj):
        out = from_nested(obj)
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = astype(out, np.dtype(dtype))
        return out
    return np.array(obj, dtype=dtype, copy=copy)


@defcomposite()
def asarray(obj, dtype=None):
    """NumPy's ``asarray``, differentiable (see ``array``); a Tensor is returned as is."""
    if isinstance(obj, Tensor) and (dtype is None or np.dtype(dtype) == obj.dtype):
        return obj
    return array(obj, dtype=dtype, copy=None)
