"""The public ``yaae.NAME`` functions, generated from the op registry
(``yaae/ops/registry.py``): NumPy's names and signatures, Tensors out.

Wherever NumPy accepts an array-like, these accept nested lists and tuples
holding Tensors too, and keep their gradients (``ya.mean([a, b])`` stacks
``a`` and ``b`` differentiably first).
"""
import functools

import numpy as np

from . import ops
from .ops.registry import OPS, NONDIFF
from .ops.docs import op_doc, nondiff_doc
from .ops.composite import from_nested, has_tensor
from .tensor import Tensor, Primitive, _wrap, get_default_dtype


def _as_public(out):
    if isinstance(out, Tensor):
        return out
    if isinstance(out, list):
        return [_as_public(o) for o in out]
    if isinstance(out, tuple):
        vals = [_as_public(o) for o in out]
        return type(out)(*vals) if hasattr(out, "_fields") else tuple(vals)   # NumPy's result types
    return _wrap(np.asarray(out))


def _public(fn, seq=()):
    """``fn`` returning Tensors, with nested lists of Tensors among its
    positional arguments turned into Tensors (``seq``: the positions that
    are sequences of arrays, such as concatenate's first).  An elementwise
    primitive of one argument given one Tensor goes straight to its hot path."""
    m1 = fn.m1 if isinstance(fn, Primitive) and fn.bcast and len(fn.vjps) == 1 else None

    @functools.wraps(fn)
    def f(*args, **kw):
        if m1 is not None and len(args) == 1 and not kw and args[0].__class__ is Tensor:
            return m1(args[0])
        for a in args:
            c = a.__class__
            if c is list or c is tuple:
                args = tuple([_seq_arg(a) if i in seq else from_nested(a)
                              for i, a in enumerate(args)])
                break
        out = fn(*args, **kw)
        return out if out.__class__ is Tensor else _as_public(out)
    return f


def _seq_arg(a):
    if isinstance(a, (list, tuple)):
        return [from_nested(x) if isinstance(x, (list, tuple)) and has_tensor(x) else x
                for x in a]
    return a


def namespace(module):
    """The public functions of one namespace (``""``: ``ya``; ``"linalg"``, ``"fft"``)."""
    out = {}
    for op in OPS.values():
        if op.module == module:
            f = _public(op.fn, op.seq)
            f.__doc__ = op_doc(op)
            for name in (op.name,) + op.aliases:
                out[name] = f
    return out


_NS = namespace("")
globals().update(_NS)

# non-differentiable functions: run on the data, return Tensors
for _f, _n in NONDIFF.items():
    if _n is not None:
        _NS[_n] = globals()[_n] = getattr(ops, _n)
        _NS[_n].__doc__ = nondiff_doc(_n, _f)


def _creation(npfn):
    @functools.wraps(npfn)
    def f(*args, requires_grad=False, dtype=None, **kw):
        arr = npfn(*args, dtype=dtype or get_default_dtype(), **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    return f


zeros = _creation(np.zeros)
ones = _creation(np.ones)
empty = _creation(np.empty)
eye = _creation(np.eye)


def full(shape, fill_value, dtype=None, requires_grad=False):
    """NumPy's full; a Tensor ``fill_value`` is broadcast differentiably.

    Example::

        >>> ya.full((2,), 7.0)
        tensor([7., 7.], dtype=float64)
    """
    if isinstance(fill_value, Tensor):
        out = ops.broadcast_to(fill_value if dtype is None else ops.astype(fill_value, np.dtype(dtype)),
                               tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),))
        return out
    return Tensor(np.full(shape, fill_value, dtype=dtype or get_default_dtype()),
                  requires_grad=requires_grad, dtype=dtype or get_default_dtype())


def arange(*args, requires_grad=False, dtype=None):
    """``arange([start,] stop[, step], requires_grad=False, dtype=None)``: NumPy's
    arange as a Tensor, in the default float dtype unless ``dtype`` is given.

    Example::

        >>> ya.arange(3)
        tensor([0., 1., 2.], dtype=float64)
    """
    return Tensor(np.arange(*args, dtype=dtype or get_default_dtype()),
                  requires_grad=requires_grad, dtype=dtype or get_default_dtype())


def _like(npfn):
    def f(x, requires_grad=False, dtype=None, **kw):
        """``zeros_like`` / ``ones_like`` / ``full_like(x, fill_value)``: NumPy's, as a Tensor
        with ``x``'s shape and dtype (or ``dtype``); ``requires_grad=`` as PyTorch's.

        Example::

            >>> ya.zeros_like(ya.ones((2, 3))).shape
            (2, 3)
        """
        d = x.data if isinstance(x, Tensor) else np.asarray(x)
        arr = npfn(d, dtype=dtype or d.dtype, **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    f.__name__ = npfn.__name__
    return f


zeros_like = _like(np.zeros_like)
ones_like = _like(np.ones_like)
full_like = _like(np.full_like)

# index-expression builders (objects, not functions): ya.r_[a, b], ya.c_[a, b]
from .ops.arrays import r_, c_  # noqa: E402

__all__ = sorted(_NS) + ["r_", "c_", "zeros", "ones", "empty", "full", "eye", "arange", "zeros_like",
                         "ones_like", "full_like"]
