"""The public ``yaae.NAME`` functions: the polymorphic ops of ``yaae.ops``,
returning Tensors whatever they are given (NumPy's names and signatures)."""
import functools

import numpy as np

from . import ops
from .tensor import Tensor, _wrap


def _public(fn):
    @functools.wraps(fn)
    def f(*args, **kw):
        out = fn(*args, **kw)
        if isinstance(out, Tensor):
            return out
        if isinstance(out, list):
            return [o if isinstance(o, Tensor) else _wrap(np.asarray(o)) for o in out]
        return _wrap(np.asarray(out))
    return f


_NAMES = """add subtract multiply divide power negative positive exp log log1p expm1 sqrt
square abs sign sin cos tan arcsin arccos arctan sinh cosh tanh sigmoid softplus relu
leaky_relu maximum minimum where clip clamp floor ceil trunc rint round sum prod max min
mean var std logsumexp softmax log_softmax reshape transpose swapaxes moveaxis expand_dims
squeeze broadcast_to ravel concatenate stack hstack vstack split array_split flip pad tile
repeat matmul dot vdot inner outer tensordot einsum trace diagonal sort take_along_axis
atleast_1d stop_gradient getitem astype""".split()

for _n in _NAMES:
    globals()[_n] = _public(getattr(ops, _n))

true_divide = divide
absolute = abs
amax = max
amin = min
concat = concatenate
around = round

# non-differentiable helpers already return Tensors
for _n in ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
           "argmax", "argmin", "argsort", "isfinite", "isnan", "isinf", "logical_and",
           "logical_or", "logical_not"]:
    globals()[_n] = getattr(ops, _n)


def _creation(npfn):
    @functools.wraps(npfn)
    def f(*args, requires_grad=False, dtype=None, **kw):
        from .tensor import get_default_dtype
        arr = npfn(*args, dtype=dtype or get_default_dtype(), **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    return f


zeros = _creation(np.zeros)
ones = _creation(np.ones)
empty = _creation(np.empty)
full = _creation(np.full)
eye = _creation(np.eye)


def arange(*args, requires_grad=False, dtype=None):
    from .tensor import get_default_dtype
    return Tensor(np.arange(*args, dtype=dtype or get_default_dtype()),
                  requires_grad=requires_grad, dtype=dtype or get_default_dtype())


def linspace(start, stop, num=50, requires_grad=False, dtype=None, **kw):
    from .tensor import get_default_dtype
    d = dtype or get_default_dtype()
    return Tensor(np.linspace(start, stop, num, dtype=d, **kw), requires_grad=requires_grad, dtype=d)


def _like(npfn):
    def f(x, requires_grad=False, dtype=None, **kw):
        d = x.data if isinstance(x, Tensor) else np.asarray(x)
        arr = npfn(d, dtype=dtype or d.dtype, **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    f.__name__ = npfn.__name__
    return f


zeros_like = _like(np.zeros_like)
ones_like = _like(np.ones_like)
full_like = _like(np.full_like)




__all__ = _NAMES + [
    "true_divide", "absolute", "amax", "amin", "concat", "around", "greater",
    "greater_equal", "less", "less_equal", "equal", "not_equal", "argmax", "argmin",
    "argsort", "isfinite", "isnan", "isinf", "logical_and", "logical_or", "logical_not",
    "zeros", "ones", "empty", "full", "eye", "arange", "linspace", "zeros_like",
    "ones_like", "full_like",
]
