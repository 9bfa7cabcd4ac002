"""The public ``yaae.NAME`` functions, generated from the op registry
(``yaae/ops/registry.py``): NumPy's names and signatures, Tensors out.

Wherever NumPy accepts an array-like, these accept nested lists and tuples
holding Tensors too, and keep their gradients (``ya.mean([a, b])`` stacks
``a`` and ``b`` differentiably first).  PyTorch's keywords ``dim=`` and
``keepdim=`` are accepted wherever NumPy's ``axis=`` and ``keepdims=`` are
(``registry.keyword_call``).
"""
import functools
import numbers
import operator

import numpy as np

from . import ops
from . import random as _random
from .ops.registry import OPS, NONDIFF, keyword_call
from .ops.docs import op_doc, nondiff_doc
from .ops.composite import from_nested, has_tensor
from .tensor import Tensor, Primitive, _wrap, get_default_dtype, device as _device


def _as_public(out):
    if isinstance(out, Tensor):
        return out
    if isinstance(out, list):
        return [_as_public(o) for o in out]
    if isinstance(out, tuple):
        vals = [_as_public(o) for o in out]
        return type(out)(*vals) if hasattr(out, "_fields") else tuple(vals)   # NumPy's result types
    return _wrap(np.asarray(out))


def _public(fn, seq=(), name=None, op=None):
    """``fn`` returning Tensors, with nested lists of Tensors among its
    positional arguments turned into Tensors (``seq``: the positions that
    are sequences of arrays, such as concatenate's first), and PyTorch's
    keywords accepted (``op``'s PyTorch form: see ``registry.pytorch_form``).
    An elementwise primitive of one argument given one Tensor goes straight
    to its hot path."""
    m1 = fn.m1 if isinstance(fn, Primitive) and fn.bcast and len(fn.vjps) == 1 else None
    call = keyword_call(fn, name or fn.__name__, op)

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
        out = call(args, kw) if kw else fn(*args)
        return out if out.__class__ is Tensor else _as_public(out)
    return f


def _keywords(fn, name):
    """``fn`` accepting PyTorch's ``dim=``/``keepdim=`` as well."""
    call = keyword_call(fn, name)

    @functools.wraps(fn)
    def f(*args, **kw):
        return call(args, kw) if kw else fn(*args)
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
            out[op.name] = f = _public(op.fn, op.seq, op.name, op)
            f.__doc__ = op_doc(op)
            for name in op.aliases:     # NumPy's meaning only (ya.amax, as torch.amax)
                if op.torch is not None:
                    f = _public(op.fn, op.seq, name)
                    f.__doc__ = op_doc(op)
                out[name] = f
    return out


_NS = namespace("")
globals().update(_NS)

# non-differentiable functions: run on the data, return Tensors
for _f, _n in NONDIFF.items():
    if _n is not None:
        _NS[_n] = globals()[_n] = _keywords(getattr(ops, _n), _n)
        _NS[_n].__doc__ = nondiff_doc(_n, _f)


# --------------------------------------------------------------------------
# creation functions: PyTorch's calling conventions over NumPy's
# --------------------------------------------------------------------------
class TorchRuntimeError(RuntimeError, ValueError):
    """The error of a PyTorch-named function (``ya.mm``, ``ya.randint``...) where
    PyTorch raises a RuntimeError; it is also a ValueError, NumPy's error for
    the same mistakes."""


def _int(n, who):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, Tensor)):
        raise TypeError(f"{who}: sizes must be integers, got {type(n).__name__} {n!r}")
    n = operator.index(n)
    if n < 0:
        raise TorchRuntimeError(f"{who}: dimension sizes must be non-negative, got {n}")
    return n


def _size(args, kw, who, allow_empty=False):
    """``(shape, rest)`` from PyTorch-style sizes: ``f(2, 3)``, ``f((2, 3))``,
    ``f([2, 3])`` or ``size=``/``shape=``; ``rest`` are the positional arguments
    after a tuple shape or after the leading integers (NumPy's ``dtype``, ``order``)."""
    kwsize = [k for k in ("size", "shape") if k in kw]
    if kwsize:
        if args or len(kwsize) > 1:
            raise TypeError(f"{who}: the size is given twice (positionally and by keyword, "
                            f"or as both size= and shape=)")
        args = (kw.pop(kwsize[0]),)
    if args and isinstance(args[0], (tuple, list, np.ndarray)):
        shape, rest = args[0], args[1:]
    else:
        k = 0
        while k < len(args) and isinstance(args[k], (numbers.Integral, Tensor)) \
                and not isinstance(args[k], (bool, np.bool_)):
            k += 1
        if k == 0 and args and np.ndim(args[0]) == 0 and not isinstance(args[0], (str, type)):
            k = 1                                   # a bad size: reported by _int below
        shape, rest = args[:k], args[k:]
        if not k and not allow_empty:
            raise TypeError(f"{who}: missing the size (give sizes as integers, "
                            f"{who}(2, 3), or as a tuple, {who}((2, 3)))")
    return tuple(_int(n, who) for n in shape), rest


def _leaf(arr, requires_grad):
    """A new leaf around ``arr``; integer results asked to require grad become floats."""
    if requires_grad and arr.dtype.kind in "iu":
        arr = arr.astype(get_default_dtype())
    return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)


def _float_dtype(dtype, who):
    d = get_default_dtype() if dtype is None else np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"{who}: dtype must be a floating dtype (float32 or float64), got {d}")
    return d


def _creation(npfn, doc):
    def f(*size, dtype=None, requires_grad=False, **kw):
        shape, rest = _size(size, kw, npfn.__name__)
        if rest:
            if dtype is not None or len(rest) > 2:
                raise TypeError(f"{npfn.__name__}: unexpected positional arguments {rest!r} "
                                f"after the size {shape}")
            dtype, kw = rest[0], {"order": rest[1], **kw} if len(rest) > 1 else kw
        arr = npfn(shape, dtype=get_default_dtype() if dtype is None else dtype, **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    f.__name__ = f.__qualname__ = npfn.__name__
    f.__doc__ = doc
    return f


_SIZES = """
    The size is given as integers, as a tuple or list, or as ``size=``
    (PyTorch's conventions), or NumPy's way, ``(shape, dtype)`` positionally.
    ``dtype`` defaults to the default float dtype; ``requires_grad=True``
    makes the result a leaf that requires grad."""

zeros = _creation(np.zeros, "``zeros(*size, dtype=None, requires_grad=False)``: a Tensor of "
                  "zeros." + _SIZES + "\n\n    >>> ya.zeros(2, 3).shape == ya.zeros((2, 3)).shape "
                  "== ya.zeros([2, 3], np.float32).shape\n    True\n")
ones = _creation(np.ones, "``ones(*size, dtype=None, requires_grad=False)``: a Tensor of "
                 "ones." + _SIZES + "\n\n    >>> ya.ones(2, dtype=ya.int64)\n"
                 "    tensor([1, 1], dtype=int64)\n")
empty = _creation(np.empty, "``empty(*size, dtype=None, requires_grad=False)``: a Tensor "
                  "with unspecified values." + _SIZES + "\n\n    >>> ya.empty(2, 3).shape\n"
                  "    (2, 3)\n")


def eye(N, M=None, k=0, dtype=None, order="C", *, requires_grad=False):
    """NumPy's ``eye(N, M=None, k=0, dtype)`` (PyTorch's ``eye(n, m)`` is the same
    call): ones on the ``k``-th diagonal, in the default float dtype.

    >>> ya.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]], dtype=float64)
    """
    arr = np.eye(N, M, k, dtype=get_default_dtype() if dtype is None else dtype, order=order)
    return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)


def full(size, fill_value, dtype=None, requires_grad=False):
    """``full(size, fill_value, dtype=None, requires_grad=False)``: a Tensor of
    ``fill_value`` (``size`` an int, tuple or list).

    The dtype follows ``fill_value`` as in NumPy and PyTorch: an int gives
    int64, a bool gives bool, a float the default float dtype; with
    ``requires_grad=True`` an int fill gives the default float dtype (PyTorch
    raises).  A Tensor ``fill_value`` is broadcast differentiably.

    >>> ya.full((2,), 3).dtype, ya.full((2,), 0.5).dtype
    (dtype('int64'), dtype('float64'))
    """
    shape = (_int(size, "full"),) if np.ndim(size) == 0 else tuple(_int(n, "full") for n in size)
    if isinstance(fill_value, Tensor):
        return ops.broadcast_to(fill_value if dtype is None
                                else ops.astype(fill_value, np.dtype(dtype)), shape)
    arr = np.full(shape, fill_value, dtype=dtype)
    if dtype is None and isinstance(fill_value, float) and not isinstance(fill_value, np.generic):
        arr = arr.astype(get_default_dtype())
    return _leaf(arr, requires_grad)


def arange(*args, dtype=None, requires_grad=False, **kw):
    """NumPy's ``arange([start,] stop[, step], dtype=None)``: evenly spaced values
    in ``[start, stop)``.

    Integer arguments give int64 (as NumPy and PyTorch), float arguments the
    default float dtype.  With ``requires_grad=True`` an integer range becomes
    the default float dtype (PyTorch raises instead).

    >>> ya.arange(3), ya.arange(0, 1, 0.5)
    (tensor([0, 1, 2], dtype=int64), tensor([0. , 0.5], dtype=float64))
    """
    arr = np.arange(*args, dtype=dtype, **kw)
    if dtype is None and arr.dtype.kind == "f" and not any(
            isinstance(a, (np.ndarray, np.generic)) for a in args + tuple(kw.values())):
        arr = arr.astype(get_default_dtype())
    return _leaf(arr, requires_grad)


def _like(npfn):
    def f(x, *args, dtype=None, requires_grad=False, **kw):
        if dtype is not None:
            kw["dtype"] = dtype
        arr = npfn(_data_of(x), *args, **kw)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)
    f.__name__ = f.__qualname__ = npfn.__name__
    f.__doc__ = (f"``{npfn.__name__}(x, {'fill_value, ' if npfn is np.full_like else ''}"
                 f"dtype=None, requires_grad=False)``: NumPy's "
                 f"``{npfn.__name__}`` (the shape and, unless ``dtype`` is given, the dtype "
                 f"of ``x``), as a new leaf.\n\n    >>> ya.{npfn.__name__}(ya.zeros(2, 3)"
                 f"{', 1' if npfn is np.full_like else ''}).shape\n    (2, 3)\n")
    return f


zeros_like = _like(np.zeros_like)
ones_like = _like(np.ones_like)
full_like = _like(np.full_like)


# --------------------------------------------------------------------------
# random numbers: the generator behind ya.manual_seed
# --------------------------------------------------------------------------
def _gen(generator, who):
    if generator is None:
        return _random.default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{who}: generator must be a numpy.random.Generator (such as "
                        f"np.random.default_rng(0)), got {type(generator).__name__}")
    return generator


def randn(*size, generator=None, dtype=None, requires_grad=False, **kw):
    """``randn(*size, generator=None, dtype=None, requires_grad=False)``: samples
    of the standard normal distribution, in the default float dtype.

    The size is given as integers, a tuple or a list (``size=`` too).  The numbers
    come from ``generator`` (a ``numpy.random.Generator``) or from yaae's default
    generator, which ``ya.manual_seed(n)`` seeds.  The streams differ from
    PyTorch's: the same seed does not give PyTorch's numbers.

    >>> _ = ya.manual_seed(0); a = ya.randn(2, 3)
    >>> _ = ya.manual_seed(0); ya.array_equal(a, ya.randn((2, 3)))
    True
    """
    return _floats("randn", np.random.Generator.standard_normal, size, kw, generator, dtype,
                   requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, **kw):
    """``rand(*size, generator=None, dtype=None, requires_grad=False)``: samples of
    the uniform distribution on ``[0, 1)``, in the default float dtype (sizes and
    generator as in ``ya.randn``).

    >>> x = ya.rand(2, 3); bool(x.data.min() >= 0 and x.data.max() < 1)
    True
    """
    return _floats("rand", np.random.Generator.random, size, kw, generator, dtype,
                   requires_grad)


def _floats(who, draw, size, kw, generator, dtype, requires_grad):
    """A leaf of random floats: ``draw(generator, shape, dtype=...)``."""
    shape, rest = _size(size, kw, who)
    _no_rest(rest, kw, who)
    d = _float_dtype(dtype, who)
    return Tensor(draw(_gen(generator, who), shape, dtype=d), requires_grad=requires_grad,
                  dtype=d)


def _no_rest(rest, kw, who):
    if rest or kw:
        extra = [repr(r) for r in rest] + [f"{k}=" for k in kw]
        raise TypeError(f"{who}: unexpected arguments {', '.join(extra)} (sizes are "
                        f"integers or one tuple; dtype, generator and requires_grad are "
                        f"keyword arguments)")


def randint(*args, size=None, generator=None, dtype=None, requires_grad=False, **kw):
    """``randint(low=0, high, size, *, generator=None, dtype=None,
    requires_grad=False)``: uniform random integers in ``[low, high)``, int64
    unless ``dtype`` says otherwise (PyTorch's signature: ``randint(high, size)``
    or ``randint(low, high, size)``; ``size`` is a tuple).

    >>> x = ya.randint(3, 10, (4,)); x.dtype, bool(x.data.min() >= 3 and x.data.max() < 10)
    (dtype('int64'), True)
    """
    low = kw.pop("low", None)
    high = kw.pop("high", None)
    if kw:
        raise TypeError(f"randint: unexpected keyword arguments {', '.join(kw)}")
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if size is None or not isinstance(size, (tuple, list)):
        raise TypeError("randint: size must be a tuple of ints, e.g. ya.randint(10, (3,)) "
                        "or ya.randint(0, 10, (3,))")
    if len(args) == 2 and low is None and high is None:
        low, high = args
    elif len(args) == 1 and high is None:
        low, high = (0 if low is None else low), args[0]
    elif len(args) == 1 and low is None:
        low = args[0]
    elif args or high is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    low = 0 if low is None else operator.index(low)
    high = operator.index(high)
    if low >= high:
        raise TorchRuntimeError(f"randint: expects low < high, got low={low} >= high={high}")
    shape = tuple(_int(n, "randint") for n in size)
    arr = _gen(generator, "randint").integers(low, high, shape, dtype=np.int64)
    return Tensor(arr, requires_grad=requires_grad, dtype=np.int64 if dtype is None else dtype)


def randperm(n, generator=None, dtype=None, requires_grad=False):
    """``randperm(n, *, generator=None, dtype=None, requires_grad=False)``: a random
    permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise).

    >>> sorted(ya.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    arr = _gen(generator, "randperm").permutation(_int(n, "randperm")).astype(np.int64)
    return Tensor(arr, requires_grad=requires_grad, dtype=np.int64 if dtype is None else dtype)


def _random_like(fn):
    def f(x, dtype=None, requires_grad=False, generator=None):
        d = x.dtype if dtype is None else np.dtype(dtype)
        return fn(*np.shape(_data_of(x)), generator=generator,
                  dtype=_float_dtype(d, f.__name__), requires_grad=requires_grad)
    f.__name__ = f.__qualname__ = fn.__name__ + "_like"
    f.__doc__ = (f"``{f.__name__}(x, dtype=None, requires_grad=False, generator=None)``: "
                 f"``ya.{fn.__name__}`` with the shape and dtype of ``x`` (a float "
                 f"Tensor or array).\n\n    >>> ya.{f.__name__}(ya.zeros(2, 3)).shape\n"
                 f"    (2, 3)\n")
    return f


def _data_of(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


randn_like = _random_like(randn)
rand_like = _random_like(rand)


# --------------------------------------------------------------------------
# PyTorch's names for NumPy's operations
# --------------------------------------------------------------------------
def cat(tensors, dim=None, *, axis=None):
    """``cat(tensors, dim=0)``: PyTorch's name for ``concatenate``; ``axis=`` is
    accepted too (giving both raises a TypeError).

    >>> ya.cat([ya.zeros(2, 3), ya.ones(2, 3)], dim=1).shape
    (2, 6)
    """
    if dim is not None and axis is not None:
        raise TypeError("cat: got both dim= and axis= (they are the same argument; give one)")
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(
            tensors, (list, tuple)) and not hasattr(tensors, "__iter__"):
        raise TypeError(f"cat: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of Tensors")
    return concatenate(tensors, axis=0 if dim is None and axis is None else
                       (dim if dim is not None else axis))


def _matrices(who, a, b, nd, names):
    a, b = (x if isinstance(x, Tensor) else _wrap(np.asarray(x)) for x in (a, b))
    for x, name in zip((a, b), names):
        if x.ndim != nd:
            raise TorchRuntimeError(
                f"{who}: {name} must be a {nd}-D tensor, got shape {x.shape} (use ya.matmul "
                f"for NumPy's broadcasting matrix product)")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"{who}: expected both operands to have the same dtype, got "
                                f"{a.dtype} and {b.dtype} (convert one with .astype)")
    return a, b


def mm(input, mat2):
    """``mm(input, mat2)``: the matrix product of two 2-D tensors of the same
    dtype (PyTorch's ``mm``: no broadcasting, no 1-D operands; other shapes
    raise ``TorchRuntimeError``, a RuntimeError and ValueError).

    >>> ya.mm(ya.ones(2, 3), ya.ones(3, 4)).shape
    (2, 4)
    """
    a, b = _matrices("mm", input, mat2, 2, ("input", "mat2"))
    if a.shape[1] != b.shape[0]:
        raise TorchRuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                                f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    return ops.matmul(a, b)


def bmm(input, mat2):
    """``bmm(input, mat2)``: batched matrix products of two 3-D tensors
    ``(b, n, m) @ (b, m, p) -> (b, n, p)`` (PyTorch's ``bmm``: no broadcasting;
    other shapes raise ``TorchRuntimeError``, a RuntimeError and ValueError).

    >>> ya.bmm(ya.ones(5, 2, 3), ya.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    a, b = _matrices("bmm", input, mat2, 3, ("batch1", "batch2"))
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise TorchRuntimeError(
            f"bmm: expected the first two dimensions of batch2 to be "
            f"{[a.shape[0], a.shape[2]]} for batch1 of shape {a.shape}, got shape {b.shape}")
    return ops.matmul(a, b)


def from_numpy(ndarray):
    """``from_numpy(ndarray)``: a Tensor sharing the array's memory (writes to
    either show in the other) and keeping its dtype, as in PyTorch.

    >>> a = np.zeros(3); t = ya.from_numpy(a); a[0] = 5; float(t[0])
    5.0
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: cannot convert an array of dtype {ndarray.dtype}; "
                        f"the supported kinds are bool, integer, float and complex")
    return _wrap(ndarray)


def array_equal(a1, a2, equal_nan=False):
    """NumPy's ``array_equal(a1, a2, equal_nan=False)`` as a Python bool: True when
    the shapes are equal and every element is equal (PyTorch's ``torch.equal``;
    ``ya.equal`` is NumPy's elementwise comparison).

    >>> ya.array_equal(ya.arange(3), [0, 1, 2]), ya.array_equal(ya.zeros(2), ya.zeros(3))
    (True, False)
    """
    return bool(np.array_equal(_data_of(a1), _data_of(a2), equal_nan=equal_nan))


# index-expression builders (objects, not functions): ya.r_[a, b], ya.c_[a, b]
from .ops.arrays import r_, c_  # noqa: E402

def _on_cpu(fn):
    """``fn`` also taking PyTorch's placement keywords: ``device=`` (the CPU, or a
    ValueError saying yaae runs on the CPU), ``pin_memory=`` and ``layout=`` (no-ops)."""
    @functools.wraps(fn)
    def f(*args, device=None, pin_memory=False, layout=None, **kw):
        if device is not None:
            _device(device)
        return fn(*args, **kw)
    return f


for _name in ("zeros", "ones", "empty", "full", "eye", "arange", "zeros_like", "ones_like",
              "full_like", "randn", "rand", "randint", "randperm", "randn_like", "rand_like"):
    globals()[_name] = _on_cpu(globals()[_name])


__all__ = sorted(_NS) + ["r_", "c_", "zeros", "ones", "empty", "full", "eye", "arange", "zeros_like",
                         "ones_like", "full_like", "cat", "mm", "bmm", "randn", "rand", "randint",
                         "randn_like", "rand_like", "randperm", "from_numpy", "array_equal",
                         "TorchRuntimeError"]
