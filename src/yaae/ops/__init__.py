"""The operation table.

Every operation is declared once, in ``registry`` form, in its family's
module: ``elementwise``, ``reductions``, ``shape``, ``linalg`` (primitives
with rules) and ``composite`` (composed from primitives).  Importing this
package fills ``registry.OPS``; ``yaae.api``, ``yaae.interop`` and the Tensor
methods are generated from it.

Functions here are polymorphic: given ndarrays they return ndarrays (that is
how derivative rules run at NumPy speed), given a Tensor they return a Tensor.
The public ``yaae.NAME`` functions always return Tensors.
"""
import numpy as np

from ..tensor import Tensor, _wrap, _data, install_methods, inplace, _method
from .registry import OPS, NUMPY, NONDIFF, REFUSED, defcomposite, defnondiff, keyword_call
from .elementwise import (add, subtract, multiply, divide, power, negative, positive,
                          exp, log, log1p, expm1, sqrt, square, abs, sign, sin, cos,
                          tan, arcsin, arccos, arctan, sinh, cosh, tanh, sigmoid,
                          softplus, relu, maximum, minimum, where, floor, ceil, trunc,
                          rint, round, astype, clip_p)
from .reductions import sum, prod, max, min
from .shape import (reshape as _reshape_p, transpose as _transpose_p, broadcast_to,
                    expand_dims, take, untake, Index, getitem, pad, concatenate_p)
from .linalg import matmul, einsum, inv, det, solve, mT
from .composite import (mean, var, std, logsumexp, softmax, log_softmax, leaky_relu,
                        ravel, squeeze, swapaxes, moveaxis, concatenate, stack, hstack,
                        vstack, split, array_split, flip, tile, repeat, dot, vdot, inner,
                        outer, tensordot, diagonal, trace, stop_gradient, atleast_1d)


@defcomposite(numpy=np.reshape, method=("reshape", "view"))
def reshape(x, *shape, **kw):
    """NumPy's reshape; as a method also ``t.reshape(2, 3)``."""
    if "newshape" in kw:
        shape = (kw.pop("newshape"),)
    if "shape" in kw:
        shape = (kw.pop("shape"),)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return _reshape_p(x, tuple(int(s) for s in shape))


@defcomposite(numpy=np.transpose)
def transpose(x, axes=None):
    if axes is not None:
        axes = tuple(int(a) for a in axes)
    return _transpose_p(x, axes)


@defcomposite(numpy=np.clip, method=True)
def clip(x, a_min=None, a_max=None, **kw):
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    return clip_p(x, a_min, a_max)


@defcomposite(method=True)
def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    return clip(x, min, max)


from . import complex, arrays, stats, fft  # noqa: E402,F401 - more families
from .arrays import sort, take_along_axis  # noqa: E402
from . import nondiff  # noqa: E402,F401 - the non-differentiable and refused NumPy callables


def _nodiff(fn):
    def f(*args, **kw):
        res = fn(*[_data(a) for a in args], **{k: _data(v) for k, v in kw.items()})
        return _wrap(np.asarray(res))
    f.__name__ = fn.__name__
    return f


for _f, _name in NONDIFF.items():
    if _name is not None:
        globals()[_name] = _nodiff(_f)


# ---- Tensor methods whose signatures differ from the functions' ------------------------
def _astype_method(self, dtype):
    """``astype(dtype)``: a copy converted to ``dtype`` (NumPy's method), differentiable
    between float and complex dtypes.

    >>> ya.tensor([1.5, 2.5]).astype('float32').dtype
    dtype('float32')
    """
    return astype(self, np.dtype(dtype))


def assigned(x, idx, value):
    """``x`` with ``x[idx] = value``, as a new array (NumPy's assignment,
    broadcasting ``value``), differentiable in ``x`` (the entries kept) and in
    ``value``: a selection of ``x`` and a scatter of ``value``."""
    index = Index(idx)
    xd = np.asarray(_data(x))
    keep = np.ones(xd.shape, dtype=bool)
    keep[index.idx] = False
    if index.scatter:
        count = np.zeros(xd.shape, dtype=np.intp)
        np.add.at(count, index.idx, 1)
        if count.max(initial=0) > 1:
            raise ValueError(f"setitem: the index names some entries of the tensor (shape "
                             f"{xd.shape}) more than once; which value lands there is "
                             f"unspecified, so its gradient would be too. Remove the repeats")
    sub = xd[index.idx].shape
    v = value if isinstance(value, Tensor) else np.asarray(_data(value), dtype=xd.dtype)
    return where(keep, x, untake(broadcast_to(v, sub), index, xd.shape))


def _setitem(self, idx, value):
    inplace(self, lambda s: assigned(s, idx, value), "setitem")


def _inplace_op(op, name):
    def method(self, other):
        return inplace(self, lambda s: op(s, other), name)
    method.__name__ = name
    return method


def _add_(self, other, *, alpha=1):
    """``add_(other, *, alpha=1)``: ``self += alpha * other`` in place, returning the tensor,
    as PyTorch (recorded on results of operations; on leaves that require grad only
    under ``ya.no_grad()``).

    >>> x = ya.zeros(3)
    >>> x.add_(ya.ones(3), alpha=2)
    tensor([2., 2., 2.], dtype=float64)
    """
    return inplace(self, lambda s: s + (other if alpha == 1 else other * alpha), "add_")


def _copy_(self, src):
    """``copy_(src)``: copy the values of ``src`` (broadcast) into this tensor in place, as
    PyTorch; differentiable in ``src`` on results of operations.

    >>> x = ya.zeros(3)
    >>> x.copy_(ya.ones(3))
    tensor([1., 1., 1.], dtype=float64)
    """
    src_ = src if isinstance(src, Tensor) else np.asarray(src)
    return inplace(self, lambda s: where(np.zeros(s.shape, dtype=bool), s,
                                         broadcast_to(src_, s.shape)), "copy_")


def _fill_(self, value):
    """``fill_(value)``: set every element to ``value`` in place, as PyTorch.

    >>> ya.zeros(2).fill_(7.0)
    tensor([7., 7.], dtype=float64)
    """
    return inplace(self, lambda s: where(np.zeros(s.shape, dtype=bool), s,
                                         broadcast_to(np.asarray(_data(value), s.dtype)
                                                      if not isinstance(value, Tensor) else value,
                                                      s.shape)), "fill_")


def _clip_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
    """``clamp_(min=None, max=None)`` (also ``clip_``): clamp in place, as PyTorch.

    >>> ya.tensor([-1.0, 0.5, 2.0]).clamp_(0, 1)
    tensor([0. , 0.5, 1. ], dtype=float64)
    """
    return inplace(self, lambda s: clip(s, min, max), "clamp_")


def _cmp(ufunc):
    def op(self, other):
        return _wrap(np.asarray(ufunc(self._data, _data(other))))
    return op


def _argext_method(fn):
    m = _method(fn, keyword_call(fn, fn.__name__))
    m.__doc__ = (f"NumPy's {fn.__name__}(axis=None, keepdims=False) (PyTorch's dim=/keepdim= "
                 f"too): the int64 index of the first extreme along ``axis``, no gradient.\n\n"
                 f"    >>> ya.Tensor([[1.0, 3.0], [2.0, 0.0]]).{fn.__name__}(dim=1).tolist()\n"
                 f"    {[1, 0] if fn.__name__ == 'argmax' else [0, 1]}\n")
    return m


install_methods(OPS, {
    "astype": _astype_method,
    "T": property(lambda self: transpose(self)),
    "mT": property(lambda self: mT(self)),
    "real": property(lambda self: complex.real(self)),
    "imag": property(lambda self: complex.imag(self)),
    "__pos__": lambda self: self,
    "__setitem__": _setitem,
    # in place (NumPy's values, PyTorch's graph rules: see tensor.inplace)
    "__iadd__": _inplace_op(lambda a, b: a + b, "+="),
    "__isub__": _inplace_op(lambda a, b: a - b, "-="),
    "__imul__": _inplace_op(lambda a, b: a * b, "*="),
    "__itruediv__": _inplace_op(lambda a, b: a / b, "/="),
    "__ipow__": _inplace_op(lambda a, b: a ** b, "**="),
    "__imatmul__": _inplace_op(lambda a, b: a @ b, "@="),
    "__ifloordiv__": _inplace_op(lambda a, b: a // b, "//="),
    "__imod__": _inplace_op(lambda a, b: a % b, "%="),
    "add_": _add_,
    "sub_": _inplace_op(lambda a, b: a - b, "sub_"),
    "mul_": _inplace_op(lambda a, b: a * b, "mul_"),
    "div_": _inplace_op(lambda a, b: a / b, "div_"),
    "copy_": _copy_,
    "fill_": _fill_,
    "zero_": lambda self: _fill_(self, 0),
    "clamp_": _clip_,
    "clip_": _clip_,
    "__gt__": _cmp(np.greater), "__ge__": _cmp(np.greater_equal),
    "__lt__": _cmp(np.less), "__le__": _cmp(np.less_equal),
    "__eq__": _cmp(np.equal), "__ne__": _cmp(np.not_equal),
    "argmax": _argext_method(argmax),
    "argmin": _argext_method(argmin),
})

from .window import windows, unwindows, out_size as window_out_size  # noqa: E402
