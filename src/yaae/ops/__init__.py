"""The operation table.

Primitives (with rules) live in ``elementwise``, ``reductions``, ``shape`` and
``linalg``; everything else is composed in ``composite``.  Functions here are
polymorphic: given ndarrays they return ndarrays (that is how derivative
rules run at NumPy speed), given a Tensor they return a Tensor.  The public
``yaae.NAME`` functions (see ``yaae.api``) always return Tensors.
"""
import numpy as np

from ..tensor import Tensor, _wrap, Primitive, binary_method
from .elementwise import (add, subtract, multiply, divide, power, negative, positive,
                          exp, log, log1p, expm1, sqrt, square, abs, sign, sin, cos,
                          tan, arcsin, arccos, arctan, sinh, cosh, tanh, sigmoid,
                          softplus, relu, maximum, minimum, where, floor, ceil, trunc,
                          rint, round, astype, _data)
from .elementwise import clip as _clip_p
from .reductions import sum, prod, max, min
from .shape import (reshape as _reshape_p, transpose as _transpose_p, broadcast_to,
                    expand_dims, take, untake, Index, getitem, pad, concatenate_p)
from .linalg import matmul, einsum, inv, det, solve, mT
from .composite import (mean, var, std, logsumexp, softmax, log_softmax, leaky_relu,
                        ravel, squeeze, swapaxes, moveaxis, concatenate, stack, hstack,
                        vstack, split, array_split, flip, tile, repeat, dot, vdot, inner,
                        outer, tensordot, diagonal, trace, norm, stop_gradient, atleast_1d)


def reshape(x, *shape, **kw):
    if "newshape" in kw:
        shape = (kw.pop("newshape"),)
    if "shape" in kw:
        shape = (kw.pop("shape"),)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return _reshape_p(x, tuple(int(s) for s in shape))


def transpose(x, axes=None):
    if axes is not None:
        axes = tuple(int(a) for a in axes)
    return _transpose_p(x, axes)


def clip(x, a_min=None, a_max=None, **kw):
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    return _clip_p(x, a_min, a_max)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    return clip(x, min, max)


def mT_(x):
    return mT(x)


# ---- non-differentiable functions (integer or boolean results) ------------------------
def _nodiff(fn):
    def f(*args, **kw):
        res = fn(*[_data(a) for a in args], **{k: _data(v) for k, v in kw.items()})
        return _wrap(np.asarray(res))
    f.__name__ = fn.__name__
    return f


greater = _nodiff(np.greater)
greater_equal = _nodiff(np.greater_equal)
less = _nodiff(np.less)
less_equal = _nodiff(np.less_equal)
equal = _nodiff(np.equal)
not_equal = _nodiff(np.not_equal)
argmax = _nodiff(np.argmax)
argmin = _nodiff(np.argmin)
argsort = _nodiff(np.argsort)
isfinite = _nodiff(np.isfinite)
isnan = _nodiff(np.isnan)
isinf = _nodiff(np.isinf)
logical_and = _nodiff(np.logical_and)
logical_or = _nodiff(np.logical_or)
logical_not = _nodiff(np.logical_not)


def sort(x, axis=-1):
    """Sorted values (differentiable: a gather by argsort)."""
    d = _data(x)
    idx = np.argsort(d, axis=axis, kind="stable")
    return take_along_axis(x, idx, axis)


def take_along_axis(x, indices, axis):
    d = _data(x)
    indices = _data(indices)
    nd = d.ndim
    axis = axis % nd
    key = []
    for i in range(nd):
        if i == axis:
            key.append(indices)
        else:
            shp = [1] * nd
            shp[i] = indices.shape[i]
            key.append(np.arange(indices.shape[i]).reshape(shp))
    return take(x, Index(tuple(key)))


# ---- Tensor methods and operators ---------------------------------------------------------
_E = {}


def _binop(p):
    return p.m2


def _rbinop(p):
    return binary_method(p, swap=True)


def _cmp(ufunc):
    def op(self, other):
        return _wrap(np.asarray(ufunc(self._data, _data(other))))
    return op


def _install():
    T = Tensor
    T.__add__ = _binop(add)
    T.__radd__ = _rbinop(add)
    T.__sub__ = _binop(subtract)
    T.__rsub__ = _rbinop(subtract)
    T.__mul__ = _binop(multiply)
    T.__rmul__ = _rbinop(multiply)
    T.__truediv__ = _binop(divide)
    T.__rtruediv__ = _rbinop(divide)
    T.__pow__ = _binop(power)
    T.__rpow__ = _rbinop(power)
    T.__matmul__ = _binop(matmul)
    T.__rmatmul__ = _rbinop(matmul)
    T.__neg__ = negative.m1
    T.__pos__ = lambda self: self
    T.__abs__ = abs.m1
    T.__gt__ = _cmp(np.greater)
    T.__ge__ = _cmp(np.greater_equal)
    T.__lt__ = _cmp(np.less)
    T.__le__ = _cmp(np.less_equal)
    T.__eq__ = _cmp(np.equal)
    T.__ne__ = _cmp(np.not_equal)
    T.__getitem__ = lambda self, idx: take(self, Index(idx))
    T.__setitem__ = _setitem

    def unary(p):
        return p.m1
    for name, p in [("exp", exp), ("log", log), ("log1p", log1p), ("expm1", expm1),
                    ("sqrt", sqrt), ("square", square), ("abs", abs), ("sign", sign),
                    ("sin", sin), ("cos", cos), ("tan", tan), ("arcsin", arcsin),
                    ("arccos", arccos), ("arctan", arctan), ("sinh", sinh),
                    ("cosh", cosh), ("tanh", tanh), ("sigmoid", sigmoid), ("relu", relu),
                    ("softplus", softplus), ("floor", floor), ("ceil", ceil)]:
        setattr(T, name, unary(p))
    T.neg = T.__neg__
    T.pow = lambda self, y: power(self, y)
    T.sum = lambda self, axis=None, keepdims=False: sum(self, axis=axis, keepdims=keepdims)
    T.mean = lambda self, axis=None, keepdims=False: mean(self, axis=axis, keepdims=keepdims)
    T.prod = lambda self, axis=None, keepdims=False: prod(self, axis=axis, keepdims=keepdims)
    T.max = lambda self, axis=None, keepdims=False: max(self, axis=axis, keepdims=keepdims)
    T.min = lambda self, axis=None, keepdims=False: min(self, axis=axis, keepdims=keepdims)
    T.var = lambda self, axis=None, ddof=0, keepdims=False: var(self, axis, ddof, keepdims)
    T.std = lambda self, axis=None, ddof=0, keepdims=False: std(self, axis, ddof, keepdims)
    T.logsumexp = lambda self, axis=None, keepdims=False: logsumexp(self, axis, keepdims)
    T.softmax = lambda self, axis=-1: softmax(self, axis)
    T.log_softmax = lambda self, axis=-1: log_softmax(self, axis)
    T.leaky_relu = lambda self, negative_slope=0.01: leaky_relu(self, negative_slope)
    T.reshape = reshape
    T.view = reshape
    T.transpose = lambda self, *axes: transpose(
        self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None))
    T.T = property(lambda self: transpose(self))
    T.mT = property(lambda self: mT(self))
    T.swapaxes = swapaxes
    T.moveaxis = moveaxis
    T.flatten = lambda self: ravel(self)
    T.ravel = ravel
    T.squeeze = squeeze
    T.expand_dims = expand_dims
    T.unsqueeze = lambda self, dim: expand_dims(self, dim)
    T.broadcast_to = broadcast_to
    T.flip = flip
    T.repeat = repeat
    T.clip = clip
    T.clamp = lambda self, min=None, max=None: clip(self, min, max)  # noqa: A002
    T.dot = dot
    T.matmul = matmul
    T.diagonal = diagonal
    T.trace = trace
    T.astype = lambda self, dtype: astype(self, np.dtype(dtype))
    T.argmax = lambda self, axis=None, keepdims=False: argmax(self, axis=axis, keepdims=keepdims)
    T.argmin = lambda self, axis=None, keepdims=False: argmin(self, axis=axis, keepdims=keepdims)
    T.add, T.sub, T.mul, T.div = T.__add__, T.__sub__, T.__mul__, T.__truediv__
    T.maximum = lambda self, other: maximum(self, other)
    T.minimum = lambda self, other: minimum(self, other)
    T.norm = lambda self, ord=None, axis=None, keepdims=False: norm(self, ord, axis, keepdims)


def _setitem(self, idx, value):
    if self.requires_grad:
        raise RuntimeError(
            f"setitem: in-place assignment into a tensor that requires grad (shape "
            f"{self.shape}) would silently corrupt its gradient; build a new tensor "
            f"instead (e.g. with ya.where or ya.concatenate)")
    self.data[Index(idx).idx] = _data(value)


_install()

from .window import windows, unwindows, out_size as window_out_size  # noqa: E402
