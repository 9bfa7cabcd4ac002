"""NumPy interop: NumPy functions applied to Tensors dispatch to yaae.

``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, u])`` and
``ndarray @ t`` return Tensors and are differentiable.  A NumPy function that
yaae does not differentiate raises a TypeError naming it, rather than
silently dropping the gradient; functions whose results carry no derivative
(comparisons, arg-functions, shape queries, ``allclose``) run on the data.
"""
import numpy as np

from . import ops
from .tensor import Tensor, _wrap

_UFUNCS = {
    np.add: ops.add, np.subtract: ops.subtract, np.multiply: ops.multiply,
    np.true_divide: ops.divide, np.divide: ops.divide, np.power: ops.power,
    np.negative: ops.negative, np.positive: ops.positive, np.exp: ops.exp,
    np.log: ops.log, np.log1p: ops.log1p, np.expm1: ops.expm1, np.sqrt: ops.sqrt,
    np.square: ops.square, np.absolute: ops.abs, np.sign: ops.sign, np.sin: ops.sin,
    np.cos: ops.cos, np.tan: ops.tan, np.arcsin: ops.arcsin, np.arccos: ops.arccos,
    np.arctan: ops.arctan, np.sinh: ops.sinh, np.cosh: ops.cosh, np.tanh: ops.tanh,
    np.maximum: ops.maximum, np.minimum: ops.minimum, np.matmul: ops.matmul,
    np.floor: ops.floor, np.ceil: ops.ceil, np.trunc: ops.trunc, np.rint: ops.rint,
}

# ufuncs whose results carry no derivative (booleans, integers)
_UFUNCS_NODIFF = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                  np.not_equal, np.isfinite, np.isnan, np.isinf, np.logical_and,
                  np.logical_or, np.logical_not, np.logical_xor, np.signbit}


def _d(x):
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_d(v) for v in x)
    return x


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs.get("out"):
        p = _UFUNCS.get(ufunc)
        if p is not None and not kwargs:
            out = p(*inputs)
            return out if isinstance(out, Tensor) else _wrap(np.asarray(out))
        if ufunc in _UFUNCS_NODIFF:
            return _wrap(np.asarray(ufunc(*_d(inputs), **kwargs)))
    raise TypeError(
        f"yaae: NumPy ufunc '{ufunc.__name__}' (method '{method}') has no derivative "
        f"rule in yaae, so it cannot be applied to a Tensor without dropping the gradient; "
        f"use the yaae function or apply it to tensor.data")


def _fn_table():
    t = {}
    from . import api
    for name in ["sum", "mean", "prod", "max", "min", "var", "std", "reshape", "transpose",
                 "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to", "ravel",
                 "concatenate", "stack", "hstack", "vstack", "split", "array_split", "flip",
                 "pad", "tile", "repeat", "where", "clip", "dot", "vdot", "inner", "outer",
                 "tensordot", "einsum", "trace", "diagonal", "matmul", "exp", "log", "sin",
                 "cos", "tanh", "sqrt", "abs", "maximum", "minimum", "sort",
                 "take_along_axis", "atleast_1d", "round", "around"]:
        npf = getattr(np, name, None)
        if npf is not None and hasattr(api, name if name != "around" else "round"):
            t[npf] = getattr(api, name if name != "around" else "round")
    t[np.amax] = api.max
    t[np.amin] = api.min
    from . import linalg
    t[np.linalg.norm] = linalg.norm
    t[np.linalg.inv] = linalg.inv
    t[np.linalg.det] = linalg.det
    t[np.linalg.solve] = linalg.solve
    t[np.linalg.matmul] = api.matmul
    return t


_FUNCS = None

# functions whose results carry no derivative: run on the data
_NODIFF_FUNCS = {
    np.shape, np.ndim, np.size, np.result_type, np.allclose, np.isclose, np.array_equal,
    np.array_equiv, np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero,
    np.count_nonzero, np.any, np.all, np.iscomplexobj, np.isrealobj, np.shares_memory,
    np.may_share_memory, np.searchsorted, np.unique, np.zeros_like, np.ones_like,
    np.empty_like, np.full_like, np.array_repr, np.array_str, np.array2string,
    np.histogram, np.bincount, np.digitize, np.isin,
}


def array_function(self, func, types, args, kwargs):
    global _FUNCS
    if _FUNCS is None:
        _FUNCS = _fn_table()
    f = _FUNCS.get(func)
    if f is not None:
        return f(*args, **kwargs)
    if func in _NODIFF_FUNCS or func.__module__.startswith("numpy.testing"):
        res = func(*_d(args), **{k: _d(v) for k, v in kwargs.items()})
        return res
    raise TypeError(
        f"yaae: NumPy function '{func.__name__}' has no derivative rule in yaae, so it "
        f"cannot be applied to a Tensor without dropping the gradient; use a yaae "
        f"function, or apply it to tensor.data if no gradient is needed")


Tensor.__array_ufunc__ = array_ufunc
Tensor.__array_function__ = array_function
