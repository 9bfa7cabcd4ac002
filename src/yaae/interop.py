"""NumPy interop: NumPy functions applied to Tensors dispatch to yaae.

``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, u])`` and
``ndarray @ t`` return Tensors and are differentiable.  The tables come from
the op registry (``yaae/ops/registry.py``): every NumPy callable is answered
by the op that declares it, run on the data when its result carries no
derivative (``defnondiff``), or refused with a TypeError naming it and what to
do (``refuse``, and every callable the registry does not know), never
silently dropping the gradient.
"""
import sys

import numpy as np

from . import api
from .ops.registry import OPS, NUMPY, NONDIFF, REFUSED
from .tensor import Tensor, _wrap

_PUBLIC = {}   # registry qualname -> public function
# run-on-the-data functions whose result is linear in a weights argument (its position)
_WEIGHTS = {np.bincount: 1, np.histogram: 3, np.histogramdd: 3, np.histogram2d: 4}


def _public(op):
    f = _PUBLIC.get(op.qualname)
    if f is None:
        f = _PUBLIC[op.qualname] = api._public(op.fn, op.seq)
    return f


def _d(x):
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_d(v) for v in x)
    return x


def _refusal(kind, name, why=None):
    return TypeError(
        f"yaae: NumPy {kind} '{name}' has no derivative rule in yaae, so it cannot be applied "
        f"to a Tensor without dropping the gradient; "
        + (why or "use a yaae function (ya.NAME), or apply it to tensor.data (or "
               "tensor.detach()) if no gradient is needed"))


def _foreign(ufunc):
    """The op for a ufunc the registry does not know yet: SciPy's special
    functions are declared when ``ya.scipy.special`` loads, so a SciPy ufunc
    applied to a Tensor first loads it (SciPy is imported already)."""
    if "scipy.special" in sys.modules and "yaae.scipy.special" not in sys.modules:
        import importlib
        importlib.import_module("yaae.scipy.special")
        return NUMPY.get(ufunc)
    return None


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs.get("out"):
        op = NUMPY.get(ufunc) or _foreign(ufunc)
        if op is not None and not kwargs:
            return _public(op)(*inputs)
        if ufunc in NONDIFF:
            return _wrap(np.asarray(ufunc(*_d(inputs), **kwargs)))
    if method != "__call__":
        raise _refusal("ufunc method", f"{ufunc.__name__}.{method}",
                       f"call the yaae function instead (np.add.reduce: ya.sum, "
                       f"np.maximum.reduce: ya.max, ...), or apply it to tensor.data")
    raise _refusal("ufunc", ufunc.__name__, REFUSED.get(ufunc) if ufunc in REFUSED else
                   ("the out= and where= arguments cannot be recorded; drop them"
                    if kwargs else None))


def array_function(self, func, types, args, kwargs):
    op = NUMPY.get(func)
    if op is not None:
        return _public(op)(*args, **kwargs)
    if func in NONDIFF or func.__module__.startswith("numpy.testing"):
        w = _WEIGHTS.get(func)
        if w is not None:
            wt = kwargs.get("weights", args[w] if len(args) > w else None)
            if isinstance(wt, Tensor) and (wt.requires_grad or wt._tan):
                raise _refusal("function", f"{func.__name__} with weights=",
                               "its result is differentiable in the weights, which yaae "
                               "does not do; pass weights.data (or .detach()) if no gradient "
                               "is needed")
        return func(*_d(args), **{k: _d(v) for k, v in kwargs.items()})
    raise _refusal("function", func.__name__, REFUSED.get(func))


Tensor.__array_ufunc__ = array_ufunc
Tensor.__array_function__ = array_function
