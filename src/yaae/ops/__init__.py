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

from ..tensor import Tensor, _wrap, _data, install_methods
from .registry import OPS, NUMPY, NONDIFF, REFUSED, defcomposite, defnondiff
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
    return astype(self, np.dtype(dtype))


def _transpose_method(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return transpose(self, axes or None)


def _setitem(self, idx, value):
    if self.requires_grad:
        raise RuntimeError(
            f"setitem: in-place assignment into a tensor that requires grad (shape "
            f"{self.shape}) would silently corrupt its gradient; build a new tensor "
            f"instead (e.g. with ya.where or ya.concatenate)")
    self.data[Index(idx).idx] = _data(value)


def _cmp(ufunc):
    def op(self, other):
        return _wrap(np.asarray(ufunc(self._data, _data(other))))
    return op


install_methods(OPS, {
    "astype": _astype_method,
    "transpose": _transpose_method,
    "T": property(lambda self: transpose(self)),
    "mT": property(lambda self: mT(self)),
    "real": property(lambda self: complex.real(self)),
    "imag": property(lambda self: complex.imag(self)),
    "unsqueeze": lambda self, dim: expand_dims(self, dim),
    "__pos__": lambda self: self,
    "__setitem__": _setitem,
    "__gt__": _cmp(np.greater), "__ge__": _cmp(np.greater_equal),
    "__lt__": _cmp(np.less), "__le__": _cmp(np.less_equal),
    "__eq__": _cmp(np.equal), "__ne__": _cmp(np.not_equal),
    "argmax": lambda self, axis=None, keepdims=False: argmax(self, axis=axis, keepdims=keepdims),
    "argmin": lambda self, axis=None, keepdims=False: argmin(self, axis=axis, keepdims=keepdims),
})

from .window import windows, unwindows, out_size as window_out_size  # noqa: E402
