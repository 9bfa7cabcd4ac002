"""The Tensor, the graph it records, and the two sweeps that differentiate it.

Everything derivative-related in yaae goes through three objects defined here:

* ``Primitive``: a function of NumPy arrays with its derivative rules (one VJP
  rule and one JVP rule per positional argument).  Called with plain arrays it
  just computes; called with at least one ``Tensor`` it computes on the data,
  records a ``GradNode`` for reverse mode and pushes tangents for forward mode.
* ``GradNode``: one recorded application of a primitive (what it saved, and where
  its inputs came from).  Nodes point only backwards (to parent nodes and leaf
  tensors), never to the tensor they produced: no reference cycles.
* ``Tensor``: an ndarray (``.data``) plus its node, its forward-mode tangents
  and, for leaves, the accumulated ``.grad``.

Derivative rules are written with the same functions as forward code.  In a
plain ``backward()`` they receive ndarrays and run at NumPy speed; with
``create_graph=True`` (and inside nested transforms) they receive Tensors, so
running a rule records a graph of its own: higher order needs no second rule
set.

Batching convention (used by jacfwd/jacrev): a cotangent or tangent may carry
extra *leading* dimensions beyond its value's shape.  Built-in rules are
written to be polymorphic in them (negative axes, shapes taken from the
trailing dimensions); primitives whose rules are not (``batchable=False``,
the default for user primitives) are looped over the batch by the engine.
"""
from __future__ import annotations

import heapq
import itertools
import linecache
import math
import threading
import weakref

import numpy as np
from operator import index as operator_index

from ._hints import scipy_caller as _scipy_caller

__all__ = [
    "Tensor", "GradNode", "Primitive", "primitive", "no_grad", "enable_grad", "detect_anomaly",
    "is_grad_enabled", "set_default_dtype", "get_default_dtype", "tensor", "device",
]


# --------------------------------------------------------------------------
# thread-local state: grad mode and the visible forward-mode levels
# --------------------------------------------------------------------------
class _State:
    """This thread's mode: record reverse-mode graphs? (``grad``), the forward-mode
    levels visible to ops, outermost first (``fwd``), how many function
    transforms are active (``depth``), and whether a tangent rule is running
    (``quiet``: NumPy's floating-point warnings are already off)."""
    __slots__ = ("grad", "fwd", "depth", "quiet", "callbacks")

    def __init__(self):
        self.grad = True
        self.fwd = ()
        self.depth = 0
        self.quiet = False      # inside a tangent rule (NumPy's FP warnings already off)
        self.callbacks = None   # the running backward's end callbacks (``_queue_callback``)


class _PerThread(threading.local):
    def __init__(self):
        self.s = _State()


_tls = _PerThread()     # the hot paths read ``_tls.s`` once per op (one thread-local lookup)


def _state_attr(name):
    return property(lambda self: getattr(_tls.s, name),
                    lambda self, v: setattr(_tls.s, name, v))


class _StateAccess:
    """``_st.grad``, ``_st.fwd``, ``_st.depth``: this thread's ``_State``, for
    code off the hot path."""
    __slots__ = ()
    grad = _state_attr("grad")
    fwd = _state_attr("fwd")
    depth = _state_attr("depth")


_st = _StateAccess()
_level_ids = itertools.count(1)
_seq = itertools.count(0, -1)       # node sequence numbers; newer nodes are smaller
_DEFAULT_DTYPE = [np.dtype(np.float64)]
_PKG = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."    # frames here are not the user's


def set_default_dtype(dtype):
    """``set_default_dtype(dtype)``: set the float dtype (float32 or float64, as
    ``torch.set_default_dtype``) given to Python floats, to integer data that
    requires grad, and to the float results of ``ya.zeros``, ``ya.randn``...

    >>> ya.set_default_dtype("float32"); ya.tensor(1.5).dtype
    dtype('float32')
    >>> ya.set_default_dtype("float64")
    """
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _DEFAULT_DTYPE[0] = d


def get_default_dtype():
    """The float dtype given to Python numbers and integer data made into
    tensors that require grad: float64 unless changed by ``set_default_dtype``
    (PyTorch's default is float32: yaae follows NumPy).

    >>> ya.get_default_dtype()
    dtype('float64')
    """
    return _DEFAULT_DTYPE[0]


class _GradMode:
    """Context manager and decorator setting grad mode (thread-local)."""
    __slots__ = ("mode", "prev")

    def __init__(self, mode):
        self.mode = mode
        self.prev = []

    def __enter__(self):
        self.prev.append(_st.grad)
        _st.grad = self.mode
        return self

    def __exit__(self, *exc):
        _st.grad = self.prev.pop()
        return False

    def __call__(self, fn):
        import functools
        import inspect
        mode = self.mode
        if inspect.isgeneratorfunction(fn):
            # as torch.no_grad on a generator: the mode holds while the
            # generator's body runs, and the caller's mode between yields
            @functools.wraps(fn)
            def gen_wrapper(*a, **k):
                gen = fn(*a, **k)
                try:
                    with _GradMode(mode):
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with _GradMode(mode):
                                gen.close()
                            raise
                        except BaseException as exc:
                            with _GradMode(mode):
                                response = gen.throw(exc)
                        else:
                            with _GradMode(mode):
                                response = gen.send(request)
                except StopIteration as e:
                    return e.value
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with _GradMode(mode):
                return fn(*a, **k)
        return wrapper


def no_grad(fn=None):
    """Operations inside record no graph: ``with ya.no_grad():``, or as a
    decorator ``@ya.no_grad()`` (``@ya.no_grad`` works too).

    Example::

        >>> w = ya.tensor([1.0], requires_grad=True)
        >>> with ya.no_grad():
        ...     w -= 0.1 * ya.ones(1)        # updates the leaf, records nothing
    """
    return _GradMode(False) if fn is None else _GradMode(False)(fn)


def enable_grad(fn=None):
    """Re-enable graph recording inside a ``no_grad`` region (context manager
    or decorator, like ``no_grad``).

    Example::

        >>> with ya.no_grad():
        ...     with ya.enable_grad():
        ...         ya.is_grad_enabled()
        True
    """
    return _GradMode(True) if fn is None else _GradMode(True)(fn)


def is_grad_enabled():
    """True unless inside ``ya.no_grad()`` (per thread), as PyTorch's.

    >>> with ya.no_grad():
    ...     ya.is_grad_enabled()
    False
    """
    return _st.grad


# --------------------------------------------------------------------------
# GradNode
# --------------------------------------------------------------------------
class GradNode:
    """One recorded primitive application.

    ``parents`` has one entry per positional argument (those after the last
    one that needs a gradient may be left out): None when the argument needs
    no gradient, else its GradNode, or the argument Tensor itself when it is
    a leaf.  A node whose only parent is its first argument's (most nodes:
    ``tanh(y)``, ``y * 2``) stores that parent alone in ``_par``, not in a
    tuple: one object less per op for memory and for the garbage collector.  ``raw`` keeps the arguments' data (what the
    rules read), ``ans`` the output's data; what the primitive's rules never
    read is kept only as shape and dtype (``_Meta``) when large.  ``args`` is
    ``raw`` itself, except while forward-mode levels are active, when it keeps
    the argument Tensors (their tangents); ``_saved_args`` rebuilds Tensors
    from ``raw`` and ``parents`` for a differentiable (create_graph) sweep.
    ``seq`` orders nodes (newer: smaller), ``g`` accumulates the incoming
    gradient during a sweep, ``hooks`` and ``retained`` serve
    ``register_hook`` and ``retain_grad`` on the output.

    You meet it as ``t.grad_fn``; it is not made by hand.  Example::

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn.prim.name
        'multiply'
    """
    __slots__ = ("prim", "args", "raw", "kw", "ans", "_par", "seq", "g",
                 "hooks", "retained", "__weakref__")

    @property
    def parents(self):
        """The graph nodes of the arguments, one per positional argument (None for
        an argument that needs no gradient), as a tuple.
        """
        p = self._par
        return p if p.__class__ is tuple else (p,)

    def __repr__(self):
        return f"<GradNode {self.prim.name} #{-self.seq}>"


def _released(node):
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time (op "
        f"'{node.prim.name}'): its saved buffers were released after the first "
        f"backward. Pass retain_graph=True to the first backward() if you need "
        f"to differentiate through it again.")


# --------------------------------------------------------------------------
# Primitive
# --------------------------------------------------------------------------
class _ArgnumRules:
    """Per-argument rule view of a variadic rule ``rule(argnum, g, ans, *args)``."""
    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        return lambda *a, **k: rule(i, *a, **k)

    def __len__(self):
        return 1 << 30


def _data(x):
    """The ndarray behind a Tensor; anything else unchanged (the one helper
    every rule uses to read values that carry no derivative)."""
    return x.data if isinstance(x, Tensor) else x


def _logic(ufunc, symbol, *args):
    """``ufunc`` (invert, bitwise and/or/xor) on the data of bool or integer
    operands, a Tensor without gradient; other dtypes raise a TypeError naming
    the operator, as PyTorch's and NumPy's do."""
    data = [np.asarray(_data(a)) for a in args]
    if any(d.dtype.kind not in "biu" for d in data):
        dts = ", ".join(str(d.dtype) for d in data)
        raise TypeError(f"operator {symbol} takes bool or integer tensors (masks), got dtype {dts}; "
                        f"compare first ((x > 0) {symbol if symbol != '~' else '&'} (x < 1)) "
                        f"or use ya.logical_and / ya.logical_or / ya.logical_not")
    return Tensor(ufunc(*data))


def _axis_kw(who, axis, keepdims, kw):
    """NumPy's ``axis=``/``keepdims=`` for a method that also takes PyTorch's
    ``dim=``/``keepdim=`` in ``kw`` (``registry.numpy_keywords``: both
    spellings of one is a TypeError)."""
    from .ops.registry import numpy_keywords
    if axis is not None:
        kw["axis"] = axis
    if keepdims:
        kw["keepdims"] = keepdims
    return numpy_keywords(kw, who)


def _describe(args):
    parts = []
    for a in args:
        d = a.data if isinstance(a, Tensor) else a
        if isinstance(d, np.ndarray):
            parts.append(f"array(shape={d.shape}, dtype={d.dtype})")
        elif isinstance(d, (list, tuple)) and d and isinstance(d[0], (Tensor, np.ndarray)):
            parts.append("[" + _describe(d) + "]")
        else:
            parts.append(type(d).__name__ if not np.isscalar(d) else repr(d))
    return ", ".join(parts)


def _traced_inside(x):
    if isinstance(x, Tensor):
        return x.requires_grad or bool(x._tan)
    return isinstance(x, (list, tuple)) and any(_traced_inside(v) for v in x)


def _nested(prim, args, ans):
    """A primitive's forward returned a Tensor: it computed with a Tensor that
    was inside a list or tuple argument.  Its rules would never differentiate
    that Tensor: fine (its data) if it needs no gradient, an error if it does."""
    where = [i for i, a in enumerate(args) if isinstance(a, (list, tuple)) and _traced_inside(a)]
    if not where:
        return ans._data
    raise TypeError(
        f"{prim.name}: argument {where[0]} is a list or tuple holding a Tensor that requires "
        f"grad; a primitive differentiates only the Tensors passed as its positional "
        f"arguments, so that Tensor's gradient would be lost (arguments: {_describe(args)}). "
        f"Pass the Tensors as separate arguments (def f(*xs)), or ya.stack / ya.array them "
        f"into one Tensor first")


def _fail(prim, args, err):
    """Re-raise an error from inside NumPy with the op, shapes and dtypes named."""
    etype = type(err)
    if etype not in (ValueError, TypeError, IndexError, np.linalg.LinAlgError,
                     np.exceptions.AxisError):
        raise err
    msg = f"{prim.name}: {err} (arguments: {_describe(args)})"
    try:
        new = etype(msg)
    except Exception:  # pragma: no cover - exotic exception signature
        new = ValueError(msg)
    raise new from err


class Primitive:
    """A function of arrays together with its derivative rules.

    ``vjps[i](g, ans, *args, **kw)`` returns the gradient for positional
    argument ``i`` given the output gradient ``g``; ``jvps[i](t, ans, *args,
    **kw)`` returns the output tangent contributed by tangent ``t`` of argument
    ``i``.  A rule may be ``None`` for a non-differentiable argument.

    Made with ``ya.primitive`` (see its docstring).  Example::

        >>> @ya.primitive
        ... def cube(x):
        ...     return x ** 3
        >>> cube.defvjp(lambda g, ans, x: g * 3 * x ** 2).defjvp(lambda t, ans, x: t * 3 * x ** 2)
        <yaae primitive cube>
        >>> ya.grad(cube)(2.0)
        array(12.)
    """
    __slots__ = ("fwd", "name", "vjps", "jvps", "batchable", "bcast", "keep_args",
                 "keep_ans", "strict", "m1", "m2", "__dict__")

    def __init__(self, fwd, name=None, batchable=False, bcast=False, saves=True, strict=False):
        self.fwd = fwd
        self.name = name or getattr(fwd, "__name__", "primitive")
        self.vjps = None
        self.jvps = None
        self.batchable = batchable
        self.bcast = bcast   # broadcasts its inputs against each other (NumPy rules)
        # What the rules read: True (everything), "args", "ans", or False
        # (only shapes and dtypes).  The graph keeps just that, and only the
        # shape and dtype of large arrays it does not need, so memory is freed
        # as early as in hand-written NumPy.  (Arguments are always kept while
        # forward-mode levels are active: a saved output's tangent is rebuilt
        # from them when a rule is differentiated.)
        if saves not in (True, False, "args", "ans"):
            raise ValueError(f"primitive {self.name}: saves must be True, False, 'args' or "
                             f"'ans', got {saves!r}")
        self.keep_args = saves in (True, "args")
        self.keep_ans = saves in (True, "ans")
        # strict (user primitives): what saves= excludes is dropped at every
        # size, so a wrong declaration fails at once, not only on large arrays.
        # Built-in ops keep small values (cheaper); the sample table checks
        # each of them on a large input, where the values are dropped.
        self.strict = strict
        self.m1 = hot_path(self, 1, tensors=(0,))     # hot paths for one and two arguments
        self.m2 = hot_path(self, 2)
        self.__doc__ = getattr(fwd, "__doc__", None)
        self.__wrapped__ = fwd

    @property
    def __name__(self):
        return self.name

    def defvjp(self, *rules, argnum=None):
        """Set one VJP rule per positional argument: ``rule(g, ans, *args)``.

        With ``argnum=True`` a single rule ``rule(argnum, g, ans, *args)``
        serves every argument (variadic primitives such as concatenate).

        Example: ``cube.defvjp(lambda g, ans, x: g * 3 * x ** 2)`` (``cube``: see ``Primitive``).
        """
        self.vjps = _ArgnumRules(rules[0]) if argnum else tuple(rules)
        return self

    def defjvp(self, *rules, argnum=None):
        """Set one JVP rule per positional argument: ``rule(t, ans, *args)``.

        ``argnum=True``: one rule ``rule(argnum, t, ans, *args)`` for every argument.

        Example: ``cube.defjvp(lambda t, ans, x: t * 3 * x ** 2)`` (``cube``: see ``Primitive``).
        """
        self.jvps = _ArgnumRules(rules[0]) if argnum else tuple(rules)
        return self

    def __call__(self, *args, **kw):
        for a in args:
            if isinstance(a, Tensor):
                if not kw:
                    n = len(args)
                    if n == 2:
                        return self.m2(args[0], args[1])
                    if n == 1:
                        return self.m1(a)
                return _apply(self, args, kw)
        try:
            return self.fwd(*args, **kw)
        except Exception as e:
            _fail(self, args, e)

    def __repr__(self):
        return f"<yaae primitive {self.name}>"


def primitive(fwd=None, *, name=None, batchable=False, bcast=False, saves=True):
    """Turn a function of NumPy arrays into a yaae primitive.

    Example::

        @ya.primitive
        def logaddexp(x, y):
            return np.logaddexp(x, y)

        logaddexp.defvjp(lambda g, ans, x, y: g * ya.exp(x - ans),
                         lambda g, ans, x, y: g * ya.exp(y - ans))
        logaddexp.defjvp(lambda t, ans, x, y: t * ya.exp(x - ans),
                         lambda t, ans, x, y: t * ya.exp(y - ans))

    Rules receive ndarrays in a plain backward and Tensors when they are being
    differentiated themselves, so write them with yaae functions and operators.
    Broadcasting is undone by the engine: a rule may return a gradient of the
    broadcast shape.  ``batchable=True`` promises that the rules also accept
    (co)tangents with extra leading dimensions (otherwise Jacobian sweeps loop
    over them for this primitive).  ``bcast=True`` says the primitive
    broadcasts its arguments against each other as NumPy's elementwise
    functions do (forward mode then lines batched tangents up with the
    output).  ``saves`` says what the rules read (True, "args", "ans", or
    False for shapes and dtypes only), so the graph can free the rest early;
    a rule that reads what its declaration leaves out raises an error naming
    the primitive, at every array size.
    """
    if fwd is None:
        return lambda f: Primitive(f, name, batchable, bcast, saves=saves, strict=True)
    return Primitive(fwd, name, batchable, bcast, saves=saves, strict=True)


# --------------------------------------------------------------------------
# applying a primitive to Tensors: the per-op hot path
# --------------------------------------------------------------------------
# ``Tensor._data`` holds what NumPy returned: an ndarray, or a NumPy scalar for
# 0-d results (NumPy's scalar arithmetic is several times faster than 0-d
# array arithmetic).  The public ``.data`` always gives an ndarray.
_new = object.__new__
_ndarray = np.ndarray
_generic = np.generic


class SavesError(TypeError):
    """A derivative rule read a value its primitive's ``saves=`` left out."""


def _values(self, *a, **k):
    raise SavesError(
        f"a derivative rule read the values of an array of shape {self.shape} and dtype "
        f"{self.dtype} that its primitive's saves= declaration says it does not read; "
        f"declare saves=True (or 'args' / 'ans', whichever the rules read)")


class _Meta:
    """Shape and dtype of an array whose values no rule needs.  Reading its
    values (arithmetic, NumPy, indexing) raises SavesError."""
    __slots__ = ("shape", "dtype", "ndim")

    def __init__(self, a):
        self.shape, self.dtype, self.ndim = a.shape, a.dtype, a.ndim

    @property
    def size(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def __repr__(self):
        return f"<array shape={self.shape} dtype={self.dtype}>"

    # (no __array_function__: np.shape and np.ndim read the attributes)
    __array__ = __array_ufunc__ = _values
    __getitem__ = __iter__ = __len__ = __float__ = __bool__ = _values
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _values
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _values
    __neg__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _values
    __hash__ = object.__hash__


def _lite(x, lim=256, strict=False):
    """``x`` (raw data), or only its shape and dtype when it is an array larger
    than ``lim`` elements (``strict``: any array or NumPy scalar)."""
    if (type(x) is _ndarray and x.size > lim) or (strict and isinstance(x, _generic)):
        return _Meta(x)
    return x


def _wrap(data):
    """A fresh Tensor around an ndarray, with no graph (no dtype conversion)."""
    t = _new(Tensor)
    t._data = data
    t.requires_grad = False
    t.grad = None
    t._node = None
    t._tan = None
    t._hooks = None
    return t


def _record(prim, out, args, raw, kw, parents):
    n = _new(GradNode)
    n.prim = prim
    if _tls.s.fwd:
        n.args = args
        n.raw = raw
    elif prim.keep_args:
        n.args = n.raw = raw
    else:
        lim = -1 if prim.strict else 256
        n.args = n.raw = tuple([_lite(a, lim, prim.strict) for a in raw])
    n.ans = out._data if prim.keep_ans else _lite(out._data, -1 if prim.strict else 256,
                                                   prim.strict)
    n.kw = kw
    n._par = parents
    n.seq = next(_seq)
    n.g = None
    n.hooks = None
    n.retained = None
    out._node = n
    out.requires_grad = True


# The hot paths: ``prim(x)`` and ``prim(a, b)`` when an argument is a Tensor.
# One template, specialised per primitive and arity when the primitive is
# made (as ``collections.namedtuple`` builds its classes): what the rules
# read (``saves``) and which arguments are known to be Tensors (``self`` of a
# method) are decided once, so each call runs one Python frame with no
# branch that cannot change.  ``_apply`` below is the general path, and the
# reference for what these do.
_HOT_PATH = """
def {name}({params}):
{swap}{unpack}    try:
        ans = fwd({datas})
    except Exception as e:
        _fail(prim, ({args},), e)
    c = ans.__class__
    if c is not _ndarray and c is not _float64:
        ans = _odd_result(prim, ({args},), ans)
    out = _new(Tensor)
    out._data = ans
    out.grad = out._tan = out._hooks = None
    st = _tls.s
{requires}    if ({any_requires}) and st.grad:
        n = GradNode()
        n.prim = prim
        if st.fwd:      # (a saved output's tangent is rebuilt from the arguments)
            n.args = ({args},)
            n.raw = ({datas},)
        else:
            n.args = n.raw = ({saved_datas},)
        n.ans = {lite_ans}
        n.kw = _EMPTY
        n._par = {parents}
        n.seq = next(_seq)
        n.g = n.hooks = n.retained = None
        out._node = n
        out.requires_grad = True
    else:
        out._node = None
        out.requires_grad = False
    if st.fwd:
        _push_tangents(prim, ({args},), ({datas},), _EMPTY, out, st.fwd)
    return out
"""


def _lite_expr(v, strict):
    """Source for ``_lite(v)`` inlined: large arrays no rule reads become _Meta."""
    if strict:
        return f"_lite({v}, -1, True)"
    return f"(_Meta({v}) if {v}.__class__ is _ndarray and {v}.size > 256 else {v})"


def hot_path(prim, nargs, tensors=(), swap=False):
    """The hot path of ``prim`` for ``nargs`` (1 or 2) positional arguments;
    ``tensors``: the positions known to hold a Tensor; ``swap``: a reflected
    operator (``b.__rsub__(a)`` computes ``a - b``)."""
    idx = range(nargs)
    args = [f"a{i}" for i in idx]
    unpack = "".join(
        f"    d{i} = a{i}._data\n" if i in tensors else
        f"    t{i} = isinstance(a{i}, Tensor)\n    d{i} = a{i}._data if t{i} else a{i}\n"
        for i in idx)
    requires = "".join(
        f"    r{i} = a{i}.requires_grad\n" if i in tensors else
        f"    r{i} = t{i} and a{i}.requires_grad\n" for i in idx)
    strict = prim.strict
    ident = f"hot_{''.join(c if c.isalnum() else '_' for c in prim.name)}_{nargs}"  # from any name
    src = _HOT_PATH.format(
        name=ident,
        params=", ".join(args),
        swap="    a0, a1 = a1, a0\n" if swap else "",
        unpack=unpack,
        datas=", ".join(f"d{i}" for i in idx),
        args=", ".join(args),
        requires=requires,
        any_requires=" or ".join(f"r{i}" for i in idx),
        saved_datas=", ".join(f"d{i}" if prim.keep_args else _lite_expr(f"d{i}", strict)
                              for i in idx),
        lite_ans="ans" if prim.keep_ans else _lite_expr("ans", strict),
        parents=("a0._node or a0" if nargs == 1 else
                 "(a0._node or a0) if not r1 else ((a0._node or a0) if r0 else None, "
                 "a1._node or a1)"))
    env = dict(prim=prim, fwd=prim.fwd, Tensor=Tensor, GradNode=GradNode, _new=_new,
               _tls=_tls, _seq=_seq, _EMPTY=_EMPTY, _Meta=_Meta, _lite=_lite,
               _ndarray=_ndarray, _float64=np.float64, _fail=_fail,
               _odd_result=_odd_result, _push_tangents=_push_tangents,
               isinstance=isinstance, next=next)
    # a file name inside the package (anomaly mode reports the user's line, the
    # first frame outside it), with the source where tracebacks look for it
    fname = f"{_PKG}/<hot path of {prim.name} for {nargs} argument(s)>"
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    exec(compile(src, fname, "exec"), env)
    return env[ident]


def _odd_result(prim, args, ans):
    """A forward result that is neither an ndarray nor a float64 scalar."""
    c = ans.__class__
    if c is Tensor:
        return _nested(prim, args, ans)
    if c is complex:            # Python's 1j * np.float64(x) (a float subclass)
        return np.complex128(ans)
    return ans


def _apply(prim, args, kw):
    """``prim(*args, **kw)`` where some argument is a Tensor (general path)."""
    raw = tuple([a._data if isinstance(a, Tensor) else a for a in args])
    try:
        ans = prim.fwd(*raw, **kw)
    except Exception as e:
        _fail(prim, args, e)
    if isinstance(ans, Tensor):
        ans = _nested(prim, args, ans)
    if type(ans) is not _ndarray and not isinstance(ans, _generic):
        ans = np.asarray(ans)
    out = _new(Tensor)
    out._data = ans
    out.grad = None
    out._tan = None
    out._hooks = None
    out._node = None
    out.requires_grad = False
    st = _tls.s
    if st.grad:
        parents = tuple([a._node or a if isinstance(a, Tensor) and a.requires_grad else None
                         for a in args])
        if any(p is not None for p in parents):
            _record(prim, out, args, raw, kw, parents)
    if st.fwd:
        _push_tangents(prim, args, raw, kw, out, st.fwd)
    return out


_EMPTY = {}


# --------------------------------------------------------------------------
# forward mode: tangents pushed during the forward computation
# --------------------------------------------------------------------------
# A tangent at level L needs a reverse-mode graph only if something that
# started before L may differentiate it: a tensor requiring grad that is older
# than L (an enclosing grad's input, a parameter the function closed over, an
# input that requires grad).  Reverse transforms running *inside* L (the
# ``jacrev`` of ``hessian = jacfwd(jacrev(f))``, the ``grad`` of ``hvp``) only
# read L's tangents forward, through their rules' arguments, never through a
# graph: for them the tangent rules run unrecorded (on plain ndarrays at the
# innermost level).  Levels opened by the transforms register when they began
# (``_LEVEL_INFO``); the transforms' own fresh leaves (``_FRESH``) made after
# that do not count as older.  A level not registered records as before.
#
# The same registry keeps, per level, the tangent each recorded output got
# (``ans_tans``), so that a reverse sweep run inside the level with
# ``create_graph`` (``_saved_ans``) does not compute it a second time.
_LEVEL_INFO = {}    # level -> [seq when it began, memo: id(node) -> (weakref, older?),
#                              ans_tans: id(node) -> (weakref, tangent), recorded any?]
_FRESH = {}         # id(leaf) -> (weakref, seq): leaves created by reverse transforms


def _older_leaf(leaf, start):
    e = _FRESH.get(id(leaf))
    return e is None or e[0]() is not leaf or e[1] > start


def _reaches_older(x, level):
    """Whether Tensor ``x`` (requiring grad) depends, through its reverse
    graph, on a tensor requiring grad that is older than forward ``level``."""
    info = _LEVEL_INFO.get(level)
    if info is None:
        return True
    start, memo = info[0], info[1]
    n = x._node
    if n is None:
        return _older_leaf(x, start)
    stack = [n]
    while stack:
        m = stack[-1]
        if m.seq > start:
            stack.pop()
            continue
        e = memo.get(id(m))
        if e is not None and e[0]() is m:
            stack.pop()
            continue
        res = pending = False
        for p in m.parents:
            if p is None:
                continue
            if type(p) is GradNode:
                if p.seq > start:
                    res = True
                    break
                e = memo.get(id(p))
                if e is not None and e[0]() is p:
                    if e[1]:
                        res = True
                        break
                    continue
                stack.append(p)
                pending = True
                break
            if _older_leaf(p, start):
                res = True
                break
        if not pending:
            memo[id(m)] = (weakref.ref(m), res)
            stack.pop()
    if n.seq > start:
        return True
    return memo[id(n)][1]


def _push_tangents(prim, args, raw, kw, out, levels):
    """Compute ``out``'s tangent at every visible level some argument has one.

    The rule for level L runs with only the levels outside L visible, so its
    own operations carry the outer levels' tangents (nesting) and never
    level L's (no perturbation confusion).
    """
    if levels[0] == _ANOMALY:
        _anomaly_forward(prim, args, raw, out)
    k = 0
    for level in levels:
        tans = None
        i = 0
        for a in args:
            if isinstance(a, Tensor):
                d = a._tan
                if d is not None:
                    t = d.get(level)
                    if t is not None:
                        if tans is None:
                            tans = [(i, t)]
                        else:
                            tans.append((i, t))
            i += 1
        if tans is not None:
            _tangent_at(prim, args, raw, kw, out, levels, k, tans)
        k += 1


def _tangent_at(prim, args, raw, kw, out, levels, k, tans):
    st = _tls.s
    level = levels[k]
    # record the rule's operations only when something older than this level
    # may differentiate the tangent (see _reaches_older); with nothing to
    # record and no outer level to carry, the rule runs on plain arrays
    saved_grad = st.grad
    record = False
    if saved_grad:
        for _, t in tans:
            if type(t) is Tensor and t.requires_grad:
                record = True
                break
        else:
            if out.requires_grad:
                for a in args:
                    if isinstance(a, Tensor) and a.requires_grad and _reaches_older(a, level):
                        record = True
                        break
    plain = k == 0 and not record
    saved_fwd = st.fwd
    st.fwd = levels[:k]
    st.grad = record
    loud = not st.quiet
    if loud:    # a rule at an edge input is yaae's business, not a warning
        quiet = np.errstate(all="ignore")
        quiet.__enter__()
        st.quiet = True
    try:
        if plain:
            rargs, rans = raw, out._data
        else:
            # a stand-in for out (same data, node and outer tangents): the rule's
            # result must not point back at out, whose tangent it becomes (a cycle)
            rargs, rans = args, _wrap(out._data)
            rans._node = out._node
            rans.requires_grad = out.requires_grad
            if k and out._tan:
                rans._tan = {l: out._tan[l] for l in levels[:k] if l in out._tan} or None
        jvps = prim.jvps
        oshape = out._data.shape
        total = None
        for i, t in tans:
            if plain and type(t) is not _ndarray and isinstance(t, Tensor):
                t = t._data
            try:
                rule = jvps[i]
            except (TypeError, IndexError):
                rule = None
            if rule is None:
                raise TypeError(f"{prim.name}: no JVP rule for argument {i} "
                                f"(forward mode through this op is not defined)")
            xnd = raw[i].ndim
            nb = t.ndim - xnd
            if nb:
                if prim.bcast and xnd < len(oshape):
                    # line the batch dims up with the output's leading dims
                    t = _reshape(t, tuple(t.shape[:nb]) + (1,) * (len(oshape) - xnd)
                                 + tuple(t.shape[nb:]))
                if not prim.batchable:
                    ti = _loop_batch(rule, t, nb, rans, rargs, kw)
                else:
                    ti = rule(t, rans, *rargs, **kw)
                tshape = tuple(t.shape[:nb]) + oshape
            else:
                ti = rule(t, rans, *rargs, **kw) if kw else rule(t, rans, *rargs)
                tshape = oshape
            if ti.shape != tshape:
                ti = _broadcast_to(ti, tshape)
            total = ti if total is None else total + ti
        od = out._data.dtype
        if total.dtype is not od and total.dtype != od:
            total = _astype(total, od)
    finally:
        if loud:
            st.quiet = False
            quiet.__exit__(None, None, None)
        st.fwd = saved_fwd
        st.grad = saved_grad
    if out._tan is None:
        out._tan = {}
    out._tan[level] = total
    node = out._node
    if node is not None:
        info = _LEVEL_INFO.get(level)
        if info is not None:
            if record:
                info[3] = True
            cache = info[2]
            key = id(node)
            cache[key] = (weakref.ref(node, lambda _, c=cache, key=key: c.pop(key, None)), total)
    elif record:
        info = _LEVEL_INFO.get(level)
        if info is not None:
            info[3] = True


# --------------------------------------------------------------------------
# in-place changes: detected when a backward needs a value they overwrote
# --------------------------------------------------------------------------
# Each in-place change of a Tensor records, for the Tensor and for the buffer
# its data views, the sequence number of the moment (as ops' nodes have).  A
# node older than that change which saved that Tensor or buffer cannot give
# its gradient: the backward raises, as PyTorch's "modified by an inplace
# operation" does.  Nothing is recorded per op; a backward looks only when
# some in-place change has happened.  A node's saved values are checked
# together, so yaae may refuse where PyTorch would not have needed the changed
# one (a gradient nobody asks for); it never computes with it.  (Writing to
# ``.data`` bypasses this, as in PyTorch.)
_MODIFIED = {}      # id(Tensor or root ndarray) -> (weakref to it, seq of its last change)
_NEWEST_CHANGE = [0]    # seq of the newest change: nodes newer than it saved nothing stale


def _root(a):
    while isinstance(a, _ndarray) and isinstance(a.base, _ndarray):
        a = a.base
    return a


def mark_modified(t):
    """Record an in-place change of Tensor ``t`` (and of the buffer it views).

    Called by code that writes into ``t.data`` directly, so that a backward pass
    that saved the old values raises instead of using the new ones.

    Example::

        >>> w = ya.zeros(3)
        >>> w.data[:] = 1.0
        >>> nn.init.mark_modified(w)
    """
    seq = _NEWEST_CHANGE[0] = next(_seq)
    d = t._data
    for obj in ((t, _root(d)) if type(d) is _ndarray else (t,)):
        k = id(obj)
        _MODIFIED[k] = (weakref.ref(obj, lambda _, k=k: _MODIFIED.pop(k, None)), seq)


def _changed_after(obj, seq):
    e = _MODIFIED.get(id(obj))
    return e is not None and e[1] < seq and e[0]() is obj


def _check_saved(node):
    """Raise if a value ``node`` saved for its rules changed after it was saved."""
    seq = node.seq
    saved = []
    if node.prim.keep_args:          # (what the rules declare they read, no more)
        saved += [(a, r) for a, r in zip(node.args, node.raw)]
    if node.prim.keep_ans:
        saved.append((None, node.ans))
    for t, r in saved:
        if (isinstance(t, Tensor) and _changed_after(t, seq)) or (
                type(r) is _ndarray and _changed_after(_root(r), seq)):
            what = "its output" if t is None else "one of its inputs"
            raise RuntimeError(
                f"backward: {what} of '{node.prim.name}' (shape {np.shape(r)}, dtype "
                f"{getattr(r, 'dtype', '?')}), which it saved for its gradient, was modified by "
                f"an in-place operation after the op ran (an optimizer step, load_state_dict, "
                f"+=, x[i] = v, ...): its gradient would be wrong. Run backward before changing "
                f"it, or change a copy (t = t + u instead of t += u)")


def inplace(t, fn, name):
    """Apply ``fn`` (a Tensor function) to ``t`` in place: NumPy's in-place
    semantics for the values (same buffer, same dtype and shape, views see
    the change), PyTorch's for the graph: recorded and differentiable on a
    non-leaf, refused on a leaf that requires grad unless under ``no_grad``."""
    st = _tls.s
    if st.grad and t._node is None and t.requires_grad:
        raise RuntimeError(
            f"{name}: a leaf Tensor that requires grad (shape {t.shape}, dtype {t.dtype}) is "
            f"being used in an in-place operation; update it under ya.no_grad() (as optimizers "
            f"do), or work on a copy (t = t + u)")
    d = t._data
    if st.grad or st.fwd:
        snap = _wrap(np.array(d, copy=True) if type(d) is _ndarray else d)
        snap._node, snap.requires_grad, snap._tan = t._node, t.requires_grad, t._tan
    else:
        snap = _wrap(d)
    new = fn(snap)
    if not isinstance(new, Tensor):
        new = _wrap(np.asarray(new))
    nd = new._data
    if np.shape(nd) != np.shape(d):
        raise ValueError(f"{name}: an in-place result of shape {np.shape(nd)} does not fit the "
                         f"tensor's shape {np.shape(d)} (in-place operations keep the shape)")
    if nd.dtype != d.dtype:
        if not np.can_cast(nd.dtype, d.dtype, "same_kind"):
            raise TypeError(f"{name}: cannot write a {nd.dtype} result into a {d.dtype} tensor "
                            f"in place (NumPy's same_kind casting); use t = t {name} u")
        if new.requires_grad or new._tan:
            from .ops import astype
            new = astype(new, d.dtype)
    if type(d) is _ndarray and d.flags.writeable:
        np.copyto(d, nd, casting="unsafe")
    else:
        t._data = np.array(nd, dtype=d.dtype)
    if st.grad and (new.requires_grad or t.requires_grad):
        t._node, t.requires_grad = new._node, new.requires_grad
    if st.fwd or t._tan:
        t._tan = new._tan
    mark_modified(t)
    return t


# --------------------------------------------------------------------------
# anomaly detection
# --------------------------------------------------------------------------
# detect_anomaly() puts the level _ANOMALY first among the forward-mode levels:
# every op already asks "is a forward-mode level visible?", so the check and
# the record of where the user created each op cost normal runs nothing.
_ANOMALY = 0                        # (real levels count from 1)
_CREATED = weakref.WeakKeyDictionary()   # GradNode -> "file:line" of the user's code


class detect_anomaly:
    """``with ya.detect_anomaly():`` (or ``@ya.detect_anomaly()``): the first
    NaN or Inf an op produces, in the forward pass or in a backward sweep,
    raises a RuntimeError naming the op, its inputs' shapes and dtypes, and
    the line of your code that created it (recorded only in this mode).  An
    op whose inputs already hold NaN or Inf is not blamed for passing them on.

    Example::

        >>> with ya.detect_anomaly():
        ...     y = ya.log(ya.tensor([1.0], requires_grad=True))
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = []

    def __enter__(self):
        self.prev.append(_st.fwd)
        if self.check_nan and not (_st.fwd and _st.fwd[0] == _ANOMALY):
            _st.fwd = (_ANOMALY,) + _st.fwd
        return self

    def __exit__(self, *exc):
        _st.fwd = self.prev.pop()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper


def _user_line():
    import sys
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG):
        f = f.f_back
    return f"{f.f_code.co_filename}:{f.f_lineno}" if f is not None else "<unknown>"


def _bad(x):
    d = x._data if isinstance(x, Tensor) else x
    if isinstance(d, (_ndarray, _generic)) and d.dtype.kind in "fc":
        return not np.isfinite(d).all()
    return False


def _anomaly_forward(prim, args, raw, out):
    if out._node is not None:
        _CREATED[out._node] = _user_line()
    if _bad(out) and not any(_bad(a) for a in raw):
        bad = "NaN" if np.isnan(out._data).any() else "Inf"
        raise RuntimeError(
            f"detect_anomaly: '{prim.name}' produced {bad} in the forward pass (inputs: "
            f"{_describe(args)}; output shape {np.shape(out._data)}), at "
            f"{out._node and _CREATED.get(out._node) or _user_line()}")


def _anomaly_backward(node, i, gi):
    if _bad(gi):
        bad = "NaN" if np.isnan(_data(gi)).any() else "Inf"
        raise RuntimeError(
            f"detect_anomaly: the gradient of '{node.prim.name}' for its argument {i} holds "
            f"{bad} (inputs: {_describe(node.raw)}; gradient shape {np.shape(_data(gi))}); "
            f"the op was created at {_CREATED.get(node, '<created outside detect_anomaly>')}")


def _loop_batch(rule, t, nb, ans, args, kw):
    """Apply a rule that knows no batch dims to each (co)tangent of a batch."""
    from . import ops
    bshape = tuple(t.shape[:nb])
    flat = ops.reshape(t, (-1,) + tuple(t.shape[nb:]))
    n = flat.shape[0]
    outs = [rule(flat[j], ans, *args, **kw) for j in range(n)]
    res = ops.stack(outs, axis=0)
    return ops.reshape(res, bshape + tuple(res.shape[1:]))


# --------------------------------------------------------------------------
# reverse mode: the sweep
# --------------------------------------------------------------------------
def _sum_to(g, shape, nb):
    """Undo broadcasting: sum ``g`` (with ``nb`` leading batch dims) to ``shape``.
    The one place broadcasting is undone, for every rule."""
    gshape = g.shape
    lead = len(gshape) - nb - len(shape)
    axes = tuple(range(nb, nb + lead)) + tuple(
        nb + lead + i for i, s in enumerate(shape) if s == 1 and gshape[nb + lead + i] != 1)
    if type(g) is _ndarray:          # a plain sweep: NumPy directly
        if lead:        # (without keepdims: a fresh array, not a view .grad must copy)
            g = np.add.reduce(g, axis=axes[:lead])
            axes = tuple(a - lead for a in axes[lead:])
        if axes:
            g = np.add.reduce(g, axis=axes, keepdims=True)
        return g
    from .ops.reductions import sum as _sum
    from .ops.shape import reshape as _reshape_p
    if axes:
        g = _sum(g, axis=axes, keepdims=True)
    if lead:
        g = _reshape_p(g, tuple(g.shape[:nb]) + tuple(shape))
    return g


def _reshape(t, shape):
    from . import ops
    return ops.reshape(t, shape)


def _broadcast_to(t, shape):
    from . import ops
    return ops.broadcast_to(t, shape)


def _astype(x, dtype):
    from . import ops
    return ops.astype(x, dtype)


def _real(x):
    from .ops.complex import real
    return real(x)


def _conj(x):
    from .ops.complex import conjugate
    return conjugate(x)


def _saved_args(node):
    """The arguments of ``node`` as differentiable Tensors (for create_graph),
    rebuilt from what it saved: each one's data, attached where it came from
    (its parent node, or the leaf itself).  Nodes keep the data, not the
    argument Tensors: no Tensor outlives its use for the graph's sake."""
    out = []
    ps = node.parents
    for i, r in enumerate(node.raw):
        p = ps[i] if i < len(ps) else None
        if p is None:
            out.append(r)                   # a constant: its data
        elif type(p) is GradNode:
            t = _wrap(r)
            t._node = p
            t.requires_grad = True
            out.append(t)
        else:
            out.append(p)                   # a leaf Tensor
    return tuple(out)


def _saved_ans(node):
    """The output of ``node`` as a differentiable Tensor (for create_graph),
    with its tangents at the visible forward levels: those recorded when the
    node was made, or computed again from its arguments'."""
    ans = _wrap(node.ans)
    ans._node = node
    ans.requires_grad = True
    levels = _st.fwd
    if levels and any(isinstance(a, Tensor) and a._tan for a in node.args):
        tans = {}
        key = id(node)
        for level in levels:
            info = _LEVEL_INFO.get(level)
            e = info[2].get(key) if info is not None else None
            if e is None or e[0]() is not node:
                if any(isinstance(a, Tensor) and a._tan and level in a._tan for a in node.args):
                    break   # not recorded: compute them all (in level order)
                continue
            tans[level] = e[1]
        else:
            ans._tan = tans or None
            return ans
        _push_tangents(node.prim, node.args, node.raw, node.kw, ans, levels)
    return ans


def backward_sweep(roots, grads, inputs=None, retain_graph=False,
                   create_graph=False, accumulate=True):
    """Reverse sweep from ``roots`` seeded with ``grads``.

    With ``inputs`` (a list of Tensors), returns their gradients (None where
    unreached) and touches no ``.grad``; otherwise accumulates into leaves'
    ``.grad`` (and retained intermediates').  Nodes are processed newest
    first (sequence numbers are a topological order), iteratively.
    """
    st = _tls.s
    prev_grad = st.grad
    st.grad = create_graph
    anomaly = bool(st.fwd) and st.fwd[0] == _ANOMALY
    heap = []
    leaves = {}
    owned = set()
    targets = None
    min_seq = None
    found = None
    nb = 0
    if inputs is not None:
        targets = {}
        for k, x in enumerate(inputs):
            key = x._node if x._node is not None else x
            targets.setdefault(id(key), []).append(k)
        found = [None] * len(inputs)
        # nodes older than every input cannot lead to one (seq is negative:
        # max = oldest); with a leaf among the inputs there is no such bound
        if all(x._node is not None for x in inputs):
            min_seq = max(x._node.seq for x in inputs)
    push = heapq.heappush
    pop = heapq.heappop
    nxt = None      # a pending node kept out of the heap while it is the only one
    add_leaf = _add_leaf
    if _POST_HOOKS and targets is None and accumulate:
        add_leaf = _early_leaf_adder(roots, create_graph, owned)
    prev_callbacks = st.callbacks
    callbacks = st.callbacks = []
    # rules at edge inputs (0, inf, NaN) may divide by zero: their values are
    # PyTorch's, and NumPy's RuntimeWarnings from inside them are not the user's
    quiet = np.errstate(all="ignore")
    quiet.__enter__()
    try:
        for r, g in zip(roots, grads):
            if not r.requires_grad:
                raise RuntimeError(
                    f"backward: tensor of shape {r.shape} does not require grad and "
                    f"has no graph (did you forget requires_grad=True, or run under no_grad?)")
            nb = g.ndim - r._data.ndim
            n = r._node
            if n is None:
                add_leaf(leaves, r, g)
                continue
            if n.g is None:
                n.g = g
                push(heap, (n.seq, n))
            else:
                n.g = n.g + g
        while True:
            if nxt is not None:     # the one pending node (a chain): no heap work
                node = nxt
                nxt = None
            elif heap:
                node = pop(heap)[1]
            else:
                break
            g = node.g
            node.g = None
            if node.hooks is not None:
                g = _run_node_hooks(node, g, create_graph, owned)
            if targets is not None:
                ks = targets.get(id(node))
                if ks is not None:
                    for k in ks:
                        found[k] = g
                    if min_seq is not None and node.seq >= min_seq:
                        continue    # the oldest input: nothing it leads to is asked for
            raw = node.raw
            if raw is None:
                _released(node)
            if _MODIFIED and node.seq > _NEWEST_CHANGE[0]:     # (older than a change)
                _check_saved(node)
            prim = node.prim
            rules = prim.vjps
            if create_graph:
                args = node.args if node.args is not raw else _saved_args(node)
                ans = _saved_ans(node)
            else:
                args = raw
                ans = node.ans
            kw = node.kw
            nargs = len(args)
            i = -1
            ps = node._par
            for p in ps if ps.__class__ is tuple else (ps,):
                i += 1
                if p is None:
                    continue
                try:
                    rule = rules[i]
                except (TypeError, IndexError):
                    rule = None
                if rule is None:
                    raise TypeError(f"{prim.name}: no gradient rule for argument {i}")
                try:
                    if nb and not prim.batchable:
                        gi = _loop_batch(rule, g, nb, ans, args, kw)
                    elif kw:
                        gi = rule(g, ans, *args, **kw)
                    elif nargs == 2:    # (no *args: that call packs a new tuple)
                        gi = rule(g, ans, args[0], args[1])
                    elif nargs == 1:
                        gi = rule(g, ans, args[0])
                    else:
                        gi = rule(g, ans, *args)
                except SavesError as e:
                    raise SavesError(f"{prim.name}: {e}") from None
                a = raw[i]
                gs = gi.shape
                if (gs[nb:] if nb else gs) != a.shape:
                    gi = _sum_to(gi, a.shape, nb)
                gd = gi.dtype
                if gd is not a.dtype and gd != a.dtype:
                    if gd.kind == "c" and a.dtype.kind != "c":
                        gi = _real(gi)  # a real input's cotangent: the real part (JAX)
                        if gi.dtype != a.dtype:
                            gi = _astype(gi, a.dtype)
                    else:
                        gi = _astype(gi, a.dtype)
                if anomaly:
                    _anomaly_backward(node, i, gi)
                if type(p) is GradNode:
                    if min_seq is not None and p.seq > min_seq:
                        continue  # older than every input: cannot lead to one
                    if p.g is None:
                        p.g = gi
                        if nxt is None and not heap:
                            nxt = p
                        else:
                            if nxt is not None:
                                push(heap, (nxt.seq, nxt))
                                nxt = None
                            push(heap, (p.seq, p))
                    else:
                        p.g = p.g + gi
                else:
                    add_leaf(leaves, p, gi)
            if not retain_graph:
                node.args = node.raw = node.ans = node.kw = None
        for key, (leaf, g) in leaves.items():
            if leaf._hooks:
                for h in leaf._hooks:
                    r = h(g if create_graph else _wrap(g))
                    if r is not None:
                        g = r if create_graph else (r._data if isinstance(r, Tensor) else np.asarray(r))
            if targets is not None:
                ks = targets.get(key)
                if ks is not None:
                    for k in ks:
                        found[k] = g
            elif accumulate:
                _accumulate(leaf, g, create_graph, owned)
                if _POST_HOOKS:
                    _fire_post_hooks(leaf)
        while callbacks:    # queued by hooks during this sweep (DDP's finalisation)
            callbacks.pop(0)()
    except BaseException:
        for item in heap:  # leave no half-accumulated gradients behind
            item[1].g = None
        if nxt is not None:
            nxt.g = None
        raise
    finally:
        quiet.__exit__(None, None, None)
        st.grad = prev_grad
        st.callbacks = prev_callbacks
    return found


# --------------------------------------------------------------------------
# post-accumulate-grad hooks (fired as soon as a leaf's gradient is complete)
# and end-of-backward callbacks: what DistributedDataParallel builds on
# --------------------------------------------------------------------------
_POST_HOOKS = {}    # id(leaf) -> [weakref to the leaf, [hook, ...]]; empty: the sweep pays nothing


def _post_hook_entry(t):
    k = id(t)
    e = _POST_HOOKS.get(k)
    if e is None or e[0]() is not t:
        def gone(_ref, k=k, hooks=_POST_HOOKS):   # (the dict itself: at interpreter
            e = hooks.get(k)                        # exit the module global may be None)
            if e is not None and e[0] is _ref:
                del hooks[k]
        e = _POST_HOOKS[k] = [weakref.ref(t, gone), []]
    return e


def _fire_post_hooks(t):
    """Call ``t``'s post-accumulate-grad hooks (after its ``.grad`` is updated)."""
    e = _POST_HOOKS.get(id(t))
    if e is not None and e[0]() is t:
        for h in tuple(e[1]):
            h(t)


def _early_leaf_adder(roots, create_graph, owned):
    """The sweep's leaf-add function when post-accumulate hooks exist: counts, for
    every hooked leaf, the edges that reach it from the nodes this sweep visits
    (a walk over ``_par``), then accumulates and fires a leaf's hooks as soon as
    its last edge has delivered (instead of at the end of the sweep)."""
    counts = {}
    seen = set()
    stack = []
    hooked = _POST_HOOKS

    def edge(p):
        if type(p) is GradNode:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
        elif p is not None:
            k = id(p)
            e = hooked.get(k)
            if e is not None and e[0]() is p:
                counts[k] = counts.get(k, 0) + 1

    for r in roots:
        edge(r._node if r._node is not None else r)
    while stack:
        ps = stack.pop()._par
        for p in ps if ps.__class__ is tuple else (ps,):
            edge(p)

    def add_leaf(leaves, leaf, g):
        k = id(leaf)
        c = counts.get(k)
        if c is None:
            return _add_leaf(leaves, leaf, g)
        e = leaves.get(k)
        if e is not None:
            g = e[1] + g
        if c > 1:
            counts[k] = c - 1
            leaves[k] = [leaf, g]
            return
        del counts[k]
        if e is not None:
            del leaves[k]
        if leaf._hooks:
            for h in leaf._hooks:
                r = h(g if create_graph else _wrap(g))
                if r is not None:
                    g = r if create_graph else (r._data if isinstance(r, Tensor) else np.asarray(r))
        _accumulate(leaf, g, create_graph, owned)
        _fire_post_hooks(leaf)
    return add_leaf


def _queue_callback(fn):
    """``_queue_callback(fn)``: run ``fn()`` once the running backward has finished
    accumulating every gradient (PyTorch's
    ``Variable._execution_engine.queue_callback``); called from a hook.

    >>> from yaae.tensor import _queue_callback
    >>> x = ya.tensor(1.0, requires_grad=True); seen = []
    >>> h = x.register_post_accumulate_grad_hook(
    ...     lambda t: _queue_callback(lambda: seen.append(float(t.grad))))
    >>> (3 * x).backward(); seen
    [3.0]
    """
    cbs = _tls.s.callbacks
    if cbs is None:
        raise RuntimeError("_queue_callback: no backward is running; queue the callback from a "
                           "hook that runs during backward()")
    cbs.append(fn)


def _run_node_hooks(node, g, create_graph, owned):
    """Tensor hooks registered on an intermediate, then retain_grad's copy."""
    for h in node.hooks:
        r = h(g if create_graph else _wrap(g))
        if r is not None:
            g = r if create_graph else (r._data if isinstance(r, Tensor) else np.asarray(r))
    if node.retained is not None:
        t = node.retained()
        if t is not None:
            _accumulate(t, g, create_graph, owned)
    return g


def _add_leaf(leaves, leaf, g):
    k = id(leaf)
    e = leaves.get(k)
    if e is None:
        leaves[k] = [leaf, g]
    else:
        e[1] = e[1] + g


def _accumulate(t, g, create_graph, owned=None):
    """Add ``g`` into ``t.grad``.  Each ``.grad`` gets an array of its own,
    writable and shared with nothing (rules may pass one array to several
    inputs, or return read-only broadcast views): ``owned`` holds the ids of
    arrays already handed out in this sweep.  A complex ``.grad`` is the
    conjugate of the sweep's (JAX-convention) cotangent: PyTorch's
    convention, so that ``p - lr * p.grad`` descends."""
    if create_graph:
        g = g if isinstance(g, Tensor) else _wrap(np.asarray(g))
        if g.dtype.kind == "c":
            g = _conj(g)
        t.grad = g if t.grad is None else t.grad + g
        return
    g = g._data if isinstance(g, Tensor) else g
    if getattr(g, "dtype", None) is not None and g.dtype.kind == "c":
        g = np.conjugate(g)
    if t.grad is not None:
        old = t.grad._data
        if (type(old) is np.ndarray and old.flags.writeable and old.base is None
                and np.shape(g) == old.shape and np.can_cast(np.result_type(g), old.dtype,
                                                             "same_kind")):
            np.add(old, g, out=old)   # in place: a reference held to .grad sees it (PyTorch)
            if owned is not None:
                owned.add(id(old))
            return
        g = old + g
    if type(g) is not np.ndarray:
        g = np.asarray(g)       # a NumPy scalar: a fresh 0-d array
    elif g.base is not None or not g.flags.writeable or (owned is not None and id(g) in owned):
        g = g.copy()
    if owned is not None:
        owned.add(id(g))
    t.grad = _wrap(g)


# --------------------------------------------------------------------------
# Tensor
# --------------------------------------------------------------------------
def _to_array(data, dtype, copy=True, who="Tensor", keep=""):
    """The ndarray behind a new Tensor: a copy (or, with ``copy=False``, the
    same float array when possible).  Without ``dtype``: integer and bool data
    of a kind in ``keep`` (``"biu"`` for ``Tensor``) keep their dtype, other
    integer and bool data become the default float dtype; Python floats (data
    that is not an ndarray or NumPy scalar) become the default float dtype."""
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d.data if isinstance(d, Tensor) else d for d in data]
    make = np.array if copy else np.asarray
    if dtype is not None:
        return make(data, dtype=dtype)
    arr = make(data)
    if arr.dtype.kind not in "fc":
        if arr.dtype.kind not in "biu":
            raise TypeError(f"{who}: cannot make a tensor from data of dtype {arr.dtype}")
        if arr.dtype.kind not in keep:
            arr = arr.astype(_DEFAULT_DTYPE[0])
    elif arr.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        arr = arr.astype(_DEFAULT_DTYPE[0], copy=False)
    return arr


class GradDtypeError(TypeError, RuntimeError):
    """A new Tensor of an integer or bool dtype was asked to require grad (a
    TypeError; also PyTorch's RuntimeError)."""


class _Size(int):
    """``Tensor.size``: the element count (NumPy's ``size``), callable as
    PyTorch's ``size(dim=None)``: the shape, or the length of axis ``dim``."""

    def __new__(cls, n, shape):
        self = int.__new__(cls, n)
        self.shape = shape
        return self

    def __call__(self, dim=None):
        """``shape`` (a tuple), or ``shape[dim]`` (negative ``dim`` counts from the end)."""
        if dim is None:
            return self.shape
        return self.shape[_dim_index(dim, len(self.shape), "size")]

    def __reduce__(self):
        return int, (int(self),)


def _dim_index(dim, nd, who):
    """``dim`` as an index in ``range(nd)`` (negative counts from the end);
    IndexError, as PyTorch, when out of range."""
    d = operator_index(dim)
    if not -nd <= d < nd:
        raise IndexError(f"{who}: dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    return d % nd


def _in_order(t, order):
    """``t`` with its axes arranged so that NumPy's ``flatten(order)`` is its C-order ravel."""
    d = t.data
    if order == "A":
        order = "F" if d.flags.f_contiguous and not d.flags.c_contiguous else "C"
    if order == "C":
        return t
    if order == "F":
        return _ops().transpose(t)
    if order == "K":
        return _ops().transpose(t, _memory_order(d.strides))
    raise ValueError(f"flatten: order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")


def _memory_order(strides):
    """The axes, outermost first, in which NumPy's order 'K' reads an array
    with these strides: NumPy's iterator's insertion sort, innermost axis
    first, by decreasing |stride|; a zero stride (a broadcast axis) compares
    with nothing, so it stays where C order puts it."""
    perm = list(range(len(strides)))[::-1]
    for i0 in range(1, len(perm)):
        s0, pos = strides[perm[i0]], i0
        for i1 in range(i0 - 1, -1, -1):
            s1 = strides[perm[i1]]
            if s0 and s1:
                if abs(s1) <= abs(s0):
                    break
                pos = i1
        perm.insert(pos, perm.pop(i0))
    return tuple(perm[::-1])


_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "hpu", "ipu", "mtia")


class device:
    """Where a tensor lives, as ``torch.device``: yaae runs on the CPU, so
    ``ya.device("cpu")`` (or ``"cpu:0"``) is the only one; any other device
    (``"cuda"``, ``"cuda:0"``, ``"mps"``) raises a ValueError.  Equal to the
    string ``"cpu"`` (``torch.device`` is not).

        >>> ya.device("cpu") == ya.zeros(2).device == "cpu"
        True
    """
    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's names
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name != "cpu" or (idx and idx != "0") or index not in (None, 0):
            where = str(type) + (f":{index}" if index is not None else "")
            raise ValueError(f"device {where!r} is not available: yaae runs on the CPU only. "
                             f"Use 'cpu' (or leave out .to(device) / .cuda())")
        self.type = "cpu"
        self.index = 0 if idx else index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        return f"device(type={self.type!r}" + (f", index={self.index})" if self.index is not None
                                               else ")")

    def __str__(self):
        return self.type + (f":{self.index}" if self.index is not None else "")


_device = device        # Tensor.to's keyword hides the class's name there
_CPU = device("cpu")


def _to_args(args, dtype=None, device=None):
    """The dtype asked for by ``to(*args, dtype=, device=)`` (PyTorch's forms: a dtype,
    a tensor whose dtype to take, a device or device string), after checking that every
    device named is the CPU (a ValueError otherwise); shared by Tensor.to and Module.to."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, _device) or (isinstance(a, str) and
                                        a.split(":")[0] in _DEVICE_TYPES):
            _device(a)
        else:
            dtype = a
    if device is not None:
        _device(device)
    return dtype


def _ops():
    from . import ops
    return ops


class Tensor:
    """An ndarray that records the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None)``: integer and bool data
    keep their dtype (as in NumPy and PyTorch: labels stay indices, masks stay
    masks), Python floats become the default float dtype, float32 and float64
    arrays keep theirs.  With ``requires_grad=True`` integer data becomes the
    default float dtype (``Tensor(2, requires_grad=True)`` is a float leaf) and
    bool data raises a TypeError, as PyTorch does.

    Example::

        >>> ya.Tensor([1, 2]).dtype, ya.Tensor([1.5]).dtype, ya.Tensor(2, requires_grad=True).dtype
        (dtype('int64'), dtype('float64'), dtype('float64'))
        >>> x = ya.Tensor([[1.0, 2.0]], requires_grad=True)   # also ya.tensor, ya.Node
        >>> y = (x @ x.T).sum()
        >>> y.backward()
        >>> x.grad             # 2 x
        tensor([[2., 4.]], dtype=float64)
    """
    __slots__ = ("_data", "requires_grad", "grad", "_node", "_tan", "_hooks", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None):
        arr = _to_array(data, dtype, keep="b" if requires_grad else "biu")
        if requires_grad and arr.dtype.kind not in "fc":
            raise GradDtypeError(
                f"Tensor: only Tensors of floating point and complex dtype can require "
                f"gradients, got dtype {arr.dtype} (shape {arr.shape}); give float data or "
                f"dtype=ya.float64, or leave requires_grad=False")
        self._init(arr, requires_grad)

    def _init(self, arr, requires_grad):
        """Set every slot of a new leaf around ``arr`` (also used by Parameter)."""
        self._data = arr
        self.grad = None
        self._node = None
        self._tan = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- basic properties -------------------------------------------------
    @property
    def data(self):
        """The values, as an ndarray.

        Assigning t.data = array replaces the values without recording anything
        (PyTorch's unchecked escape hatch).

        >>> ya.tensor([1.0, 2.0], requires_grad=True).data
        array([1., 2.])
        """
        d = self._data
        if type(d) is not np.ndarray:
            d = self._data = np.asarray(d)
        return d

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        self._data = value if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value)

    @property
    def shape(self):
        """The shape, a tuple of ints, as ``ndarray.shape``.

        >>> ya.zeros((2, 3)).shape
        (2, 3)
        """
        return self._data.shape

    @property
    def ndim(self):
        """The number of dimensions, as ``ndarray.ndim`` (PyTorch's ``dim()``).

        >>> ya.zeros((2, 3)).ndim
        2
        """
        return self._data.ndim

    @property
    def size(self):
        """The number of elements (NumPy's ``size``), an int that can also be
        called as PyTorch's method: ``t.size(dim)`` is ``t.shape[dim]`` and
        ``t.size()`` is ``t.shape``.

            >>> t = ya.zeros((2, 3))
            >>> t.size, t.size(0), t.size(-1), t.size()
            (6, 2, 3, (2, 3))
        """
        return _Size(self._data.size, self._data.shape)

    @property
    def dtype(self):
        """The NumPy dtype of the values (float64 by default, as NumPy).

        >>> ya.tensor([1.0]).dtype
        dtype('float64')
        """
        return self._data.dtype

    @property
    def is_leaf(self):
        """True for a tensor made by the user (no ``grad_fn``), False for the result
        of a recorded operation, as in PyTorch.  Only leaves get ``.grad`` by default.

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> x.is_leaf, (2 * x).is_leaf
        (True, False)
        """
        return self._node is None

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (a ``GradNode``), or None for a
        leaf, as PyTorch's ``grad_fn``.

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn is not None
        True
        """
        return self._node

    @property
    def op(self):
        """Name of the primitive that produced this tensor (None for leaves).

        Example: ``(ya.tensor([1.0], requires_grad=True) * 2).op`` is ``'multiply'``.
        """
        return self._node.prim.name if self._node is not None else None

    def numpy(self):
        """The values as an ndarray (the same buffer, as PyTorch's ``numpy()`` on the
        CPU); no gradient comes along.

        >>> ya.tensor([1.0, 2.0]).numpy()
        array([1., 2.])
        """
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number; a ValueError
        otherwise, as PyTorch.

        >>> ya.tensor([[3.5]]).item()
        3.5
        """
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a "
                             f"Python scalar, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The values as nested Python lists (``ndarray.tolist``).

        >>> ya.tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        return self.data.tolist()

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.ndim:
            raise TypeError("only integer scalar tensors can be used as an index")
        return int(self.data)

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        # NumPy converting a Tensor (np.asarray(t), np.array([t, u]), a NumPy
        # function given Tensors inside a list): the graph cannot come along,
        # so a Tensor whose gradient matters is refused rather than dropped.
        if self.requires_grad or self._tan:
            raise TypeError(
                f"yaae: a Tensor that {'requires grad' if self.requires_grad else 'carries a tangent'}"
                f" (shape {self.shape}, dtype {self.dtype}) cannot be converted to a NumPy array: "
                f"its gradient would be silently lost. Use t.data or t.detach() for the values "
                f"without gradient, or ya.array / ya.stack (and ya.NAME functions, which accept "
                f"lists of Tensors) to build arrays differentiably" + _scipy_caller())
        d = self.data
        if dtype is not None and dtype != d.dtype:
            return d.astype(dtype)
        return d.copy() if copy else d

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = f", dtype={self.data.dtype}"
        if self._node is not None:
            extra += f", op={self._node.prim.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __str__ = __repr__

    def __format__(self, spec):
        """``format(t, spec)``: a 0-d tensor formats as its value (``f"{loss:.4f}"``),
        as in PyTorch and NumPy; other tensors only with an empty spec."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} for a Tensor of shape "
                            f"{self.shape}: only 0-d tensors take one (use t.item() for a "
                            f"one-element tensor), as in PyTorch")
        return str(self)

    # ---- autograd API -----------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """``requires_grad_(requires_grad=True)``: set ``requires_grad`` on a leaf in
        place and return the tensor, as PyTorch.  Only floating-point (and complex)
        tensors can require grad; a non-leaf raises (use ``detach()``).

        >>> w = ya.zeros(3).requires_grad_()
        >>> w.requires_grad
        True
        """
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad: only floating-point tensors can require "
                            f"gradients, got dtype {self.data.dtype} (shape {self.shape})")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_(False): only leaf tensors can be changed; "
                               "use detach() on a result of an operation")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf Tensor sharing this tensor's data, cut from the graph.

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> x.detach().requires_grad
        False
        """
        return _wrap(self._data)

    def retain_grad(self):
        """Keep ``.grad`` for this intermediate tensor after backward.

        As PyTorch's ``retain_grad``.

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> y = 2 * x; y.retain_grad(); (y * y).sum().backward()
        >>> y.grad
        tensor([4.], dtype=float64)
        """
        if self._node is None:
            if not self.requires_grad:
                raise RuntimeError("retain_grad: tensor does not require grad")
            return
        self._node.retained = weakref.ref(self)
        if self._node.hooks is None:
            self._node.hooks = []

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a Tensor it
        returns replaces the gradient.  Returns a handle with ``remove()``.

        >>> x = ya.tensor([1.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: 2 * g)
        >>> (3 * x).sum().backward(); x.grad
        tensor([6.], dtype=float64)
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor "
                               "that does not require grad")
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            lst = self._hooks
        else:
            if self._node.hooks is None:
                self._node.hooks = []
            lst = self._node.hooks
        lst.append(fn)
        return _HookHandle(lst, fn)

    def register_post_accumulate_grad_hook(self, hook):
        """``register_post_accumulate_grad_hook(hook)``: call ``hook(tensor)`` after a
        backward has accumulated this leaf's ``.grad``, as PyTorch's; it fires as
        soon as the gradient is complete (while the rest of the backward still runs),
        once per ``backward()``, and not for ``ya.autograd.grad`` (which touches no
        ``.grad``).  Returns a handle with ``remove()``.  As in PyTorch, a hooked leaf's
        ``.grad`` is final once its hook ran, even if the backward fails later (other
        leaves' gradients are still accumulated only when the whole sweep succeeds).

        >>> w = ya.tensor([1.0, 2.0], requires_grad=True); seen = []
        >>> h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (w * w).sum().backward(); seen
        [[2.0, 4.0]]
        """
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on "
                               "a tensor that does not require grad")
        if self._node is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors (use register_hook)")
        lst = _post_hook_entry(self)[1]
        lst.append(hook)
        return _PostHookHandle(self, lst, hook)

    def zero_grad(self):
        """Set ``.grad`` to None (PyTorch's ``set_to_none`` behaviour).

        >>> x = ya.tensor(2.0, requires_grad=True); (x * x).backward(); x.zero_grad()
        >>> x.grad is None
        True
        """
        self.grad = None

    def backward(self, grad=None, retain_graph=False, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) · grad into every leaf's ``.grad``.

        ``backward(grad=None, retain_graph=False, create_graph=False, inputs=None)``,
        as PyTorch.

        ``grad`` is required unless the tensor has one element (then it is 1).  The
        graph is freed unless ``retain_graph``; ``create_graph=True`` records the
        backward pass itself, so ``.grad`` is differentiable (double backward).
        With ``inputs`` (Tensors), only their ``.grad`` is accumulated
        (``ya.autograd.backward``).

        >>> x = ya.tensor([1.0, 2.0], requires_grad=True)
        >>> (x ** 2).sum().backward()
        >>> x.grad
        tensor([2., 4.], dtype=float64)
        """
        if inputs is not None:
            from .autograd import backward
            return backward(self, grad, retain_graph or None, create_graph, inputs=inputs)
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: element 0 of tensors does not require grad and does not "
                f"have a grad_fn (shape {self.shape}, dtype {self.dtype})")
        cplx = self._data.dtype.kind == "c"
        if grad is None:
            if cplx:
                raise RuntimeError(
                    f"backward: grad can be implicitly created only for real scalar outputs; "
                    f"this tensor is complex ({self.dtype}): differentiate a real function "
                    f"of it (ya.abs(z) ** 2, ya.real(z), ...) or pass grad")
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be implicitly created only for scalar outputs; "
                    f"this tensor has shape {self.shape}, so grad must be given")
            g = np.ones(self._data.shape, self._data.dtype)
        else:
            # a copy: the seed may reach a leaf's .grad unchanged
            g = np.array(grad._data if isinstance(grad, Tensor) else grad, dtype=self._data.dtype)
            if g.shape != self.data.shape:
                raise ValueError(f"backward: grad has shape {g.shape} but the tensor has "
                                 f"shape {self.shape}")
            if cplx:    # PyTorch's convention in, the sweep's (JAX's) inside
                g = np.conjugate(g)
        if create_graph:
            g = grad if isinstance(grad, Tensor) else _wrap(np.array(g))
            if cplx and isinstance(grad, Tensor):
                g = _conj(grad)
        backward_sweep([self], [g], retain_graph=retain_graph or create_graph,
                       create_graph=create_graph)

    # ---- PyTorch's conveniences (NumPy has no such names) ------------------
    def numel(self):
        """The number of elements, as ``torch.Tensor.numel`` (NumPy's ``size``).

            >>> ya.zeros((2, 3)).numel()
            6
        """
        return self._data.size

    def dim(self):
        """The number of dimensions, as ``torch.Tensor.dim`` (NumPy's ``ndim``).

            >>> ya.zeros((2, 3)).dim()
            2
        """
        return self._data.ndim

    def clone(self):
        """A differentiable copy (new data, same graph), as ``torch.Tensor.clone``.

            >>> x = ya.Tensor([1.0, 2.0], requires_grad=True)
            >>> y = x.clone()         # y.sum().backward() gives x.grad = [1, 1]
        """
        if self._data.dtype.kind in "fc":
            return _ops().positive(self)
        return _wrap(self.data.copy())

    def view_as(self, other):
        """This tensor reshaped to ``other.shape`` (differentiable), as
        ``torch.Tensor.view_as`` and ``reshape_as`` (also a method here); like
        ``reshape`` it may copy.

            >>> ya.arange(6).view_as(ya.zeros((2, 3))).shape
            (2, 3)
        """
        return _reshape(self, tuple(other.shape))

    reshape_as = view_as

    def permute(self, *dims):
        """The axes reordered, ``dims`` given as varargs or one tuple, as
        ``torch.Tensor.permute`` (NumPy's ``transpose(axes)``).

            >>> ya.zeros((2, 3, 4)).permute(2, 0, 1).shape
            (4, 2, 3)
        """
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        return _ops().transpose(self, tuple(dims))

    def transpose(self, *axes, dim0=None, dim1=None):
        """NumPy's ``transpose(*axes)``: the axes permuted by ``axes`` (varargs
        or one tuple; none: reversed).  PyTorch's ``transpose(i, j)`` swaps two
        axes; NumPy reads the same call as a permutation.  So that the two never
        silently differ, two axes on a tensor of other than two dimensions raise
        a TypeError (use ``swapaxes(i, j)``), and on a 2-D tensor the identity
        ``transpose(0, 1)`` warns (it leaves the tensor as it is, PyTorch's
        swaps it: use ``.T`` or ``swapaxes``).  ``transpose(1, 0)`` swaps in both.

            >>> ya.zeros((2, 3)).transpose().shape, ya.zeros((2, 3, 4)).transpose(2, 0, 1).shape
            ((3, 2), (4, 2, 3))
            >>> ya.zeros((2, 3, 4)).swapaxes(0, 1).shape      # PyTorch's transpose(0, 1)
            (3, 2, 4)

        PyTorch's keywords ``transpose(dim0=i, dim1=j)`` say which is meant:
        they swap the two axes, as ``swapaxes(i, j)``.
        """
        if dim0 is not None or dim1 is not None:
            if axes or dim0 is None or dim1 is None:
                raise TypeError("transpose(dim0=, dim1=) takes both keywords and no positional "
                                "axes (PyTorch's swap of two axes; the same as swapaxes(i, j))")
            return self.swapaxes(dim0, dim1)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        elif len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            nd = self._data.ndim
            if nd != 2:
                raise TypeError(
                    f"transpose{axes}: yaae's transpose is NumPy's (a permutation of all "
                    f"{nd} axes), not PyTorch's swap of two axes; to swap axes {axes[0]} and "
                    f"{axes[1]} write t.swapaxes({axes[0]}, {axes[1]})")
            if [a % 2 for a in axes] == [0, 1]:
                import warnings
                warnings.warn(
                    f"transpose{axes} on a 2-D tensor is NumPy's identity permutation: the "
                    f"tensor is returned unchanged (PyTorch's transpose(0, 1) swaps the axes). "
                    f"To swap them write t.T or t.swapaxes(0, 1)", UserWarning, stacklevel=2)
        return _ops().transpose(self, axes or None)

    def unsqueeze(self, dim):
        """A new axis of length 1 at position ``dim`` (negative counts from the
        end of the result), as ``torch.Tensor.unsqueeze`` (NumPy's ``expand_dims``).

            >>> ya.zeros((2, 3)).unsqueeze(-1).shape
            (2, 3, 1)
        """
        return _ops().expand_dims(self, dim)

    def flatten(self, start_dim=0, end_dim=-1, *, order=None):
        """PyTorch's ``flatten(start_dim=0, end_dim=-1)``: axes ``start_dim`` to
        ``end_dim`` merged into one (a 0-d tensor becomes 1-D).  Given a string,
        NumPy's ``flatten(order)``: a 1-D copy read in order ``'C'`` (rows), ``'F'``
        (columns), ``'A'`` or ``'K'`` (as the data lies in memory).  Differentiable.

            >>> ya.zeros((2, 3, 4)).flatten(1).shape
            (2, 12)
            >>> ya.Tensor([[1.0, 2.0], [3.0, 4.0]]).flatten("F").tolist()
            [1.0, 3.0, 2.0, 4.0]
        """
        if isinstance(start_dim, str):
            if order is not None or end_dim != -1:
                raise TypeError("flatten: give either NumPy's order or PyTorch's "
                                "start_dim/end_dim, not both")
            order, start_dim = start_dim, 0
        ops, shape = _ops(), self._data.shape
        if order is not None:
            return ops.ravel(_in_order(self, order))
        nd = max(len(shape), 1)
        lo, hi = (_dim_index(d, nd, "flatten") for d in (start_dim, end_dim))
        if lo > hi:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"(shape {shape})")
        shape = shape or (1,)
        return _reshape(self, shape[:lo] + (math.prod(shape[lo:hi + 1]),) + shape[hi + 1:])

    def t(self):
        """The transpose of a tensor of at most 2 dimensions (a 0-d or 1-D one
        is returned as it is), as ``torch.Tensor.t``; other shapes raise.

            >>> ya.zeros((2, 3)).t().shape
            (3, 2)
        """
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but this one has "
                               f"shape {self.shape}: use .mT, swapaxes(-1, -2) or permute")
        return _ops().transpose(self)

    def narrow(self, dim, start, length):
        """The slice ``start:start + length`` along axis ``dim`` (negative
        ``start`` counts from the end), differentiable, as ``torch.Tensor.narrow``.

            >>> ya.arange(6.0).reshape(2, 3).narrow(1, 1, 2).tolist()
            [[1.0, 2.0], [4.0, 5.0]]
        """
        shape = self._data.shape
        d = _dim_index(dim, len(shape), "narrow")
        n = shape[d]
        if not -n <= start <= n:
            raise IndexError(f"narrow: start {start} out of range [-{n}, {n}] for axis {dim} "
                             f"(shape {shape})")
        start = start + n if start < 0 else start
        if length < 0 or start + length > n:
            raise RuntimeError(f"narrow: start ({start}) + length ({length}) must lie in "
                               f"[start, {n}] for axis {dim} of shape {shape}")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """A tensor of zeros of shape ``size`` (varargs or a tuple) and this
        tensor's dtype unless ``dtype`` is given, as ``torch.Tensor.new_zeros``.

            >>> ya.Tensor([1.0], dtype="float32").new_zeros(2, 3).dtype
            dtype('float32')
        """
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """A tensor of ones of shape ``size`` (varargs or a tuple) and this
        tensor's dtype unless ``dtype`` is given, as ``torch.Tensor.new_ones``.

            >>> ya.zeros(3).new_ones((2,)).tolist()
            [1.0, 1.0]
        """
        return self._new(np.ones, size, dtype, requires_grad)

    def _new(self, make, size, dtype, requires_grad):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = size[0]
        arr = make(tuple(int(s) for s in size), dtype=self.dtype if dtype is None else dtype)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        """A tensor of shape ``size`` filled with ``fill_value``, of this tensor's
        dtype unless ``dtype`` is given, as ``torch.Tensor.new_full``.

            >>> ya.zeros(2).new_full((2, 2), 7.0).tolist()
            [[7.0, 7.0], [7.0, 7.0]]
        """
        return self._new(lambda shape, dtype: np.full(shape, fill_value, dtype), (size,),
                         dtype, requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A new leaf holding a copy of ``data``, of this tensor's dtype unless
        ``dtype`` is given, as ``torch.Tensor.new_tensor``.

            >>> ya.zeros(2, dtype=ya.float32).new_tensor([1, 2]).dtype
            dtype('float32')
        """
        data = data.data if isinstance(data, Tensor) else data
        arr = np.array(data, dtype=self.dtype if dtype is None else dtype)
        return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)

    def type_as(self, other):
        """This tensor converted to ``other``'s dtype, as ``torch.Tensor.type_as``
        (``to(other.dtype)``).

            >>> ya.zeros(2).type_as(ya.zeros(1, dtype=ya.float32)).dtype
            dtype('float32')
        """
        return self.to(other.dtype)

    def expand(self, *sizes):
        """This tensor broadcast to ``sizes`` (varargs or a tuple; -1 keeps an
        axis' size; new axes go in front), differentiable, as
        ``torch.Tensor.expand`` (NumPy's ``broadcast_to``; a copy, not a view).

            >>> ya.zeros((3, 1)).expand(2, -1, 4).shape
            (2, 3, 4)
        """
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = sizes[0]
        shape, lead = self._data.shape, len(sizes) - self._data.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be at least "
                               f"the number of dimensions of the tensor (shape {shape})")
        out = []
        for i, s in enumerate(sizes):
            if s == -1:
                if i < lead:
                    raise RuntimeError(f"expand: -1 is not allowed for a new leading axis "
                                       f"(sizes {tuple(sizes)}, shape {shape})")
                s = shape[i - lead]
            out.append(operator_index(s))
        return _broadcast_to(self, tuple(out))

    def expand_as(self, other):
        """This tensor broadcast to ``other.shape``, as ``torch.Tensor.expand_as``.

            >>> ya.zeros(3).expand_as(ya.zeros((2, 3))).shape
            (2, 3)
        """
        return self.expand(tuple(other.shape))

    def contiguous(self):
        """This tensor (yaae has no strided views to make contiguous), as
        ``torch.Tensor.contiguous`` returns a tensor that already is.

            >>> x = ya.zeros(2); x.contiguous() is x
            True
        """
        return self

    def eq(self, other):
        """``self == other`` elementwise, a bool tensor (no gradient), as
        ``torch.Tensor.eq``.

            >>> ya.Tensor([1.0, 2.0]).eq(2).tolist()
            [False, True]
        """
        return self == other

    def ne(self, other):
        """``self != other`` elementwise, a bool tensor (no gradient), as ``torch.Tensor.ne``.

            >>> ya.Tensor([1.0, 2.0]).ne(2).tolist()
            [True, False]
        """
        return self != other

    def lt(self, other):
        """``self < other`` elementwise, a bool tensor (no gradient), as ``torch.Tensor.lt``.

            >>> ya.Tensor([1.0, 2.0]).lt(2).tolist()
            [True, False]
        """
        return self < other

    def le(self, other):
        """``self <= other`` elementwise, a bool tensor (no gradient), as ``torch.Tensor.le``.

            >>> ya.Tensor([1.0, 2.0]).le(1).tolist()
            [True, False]
        """
        return self <= other

    def gt(self, other):
        """``self > other`` elementwise, a bool tensor (no gradient), as ``torch.Tensor.gt``.

            >>> ya.Tensor([1.0, 2.0]).gt(1).tolist()
            [False, True]
        """
        return self > other

    def ge(self, other):
        """``self >= other`` elementwise, a bool tensor (no gradient), as ``torch.Tensor.ge``.

            >>> ya.Tensor([1.0, 2.0]).ge(2).tolist()
            [False, True]
        """
        return self >= other

    def __invert__(self):
        """``~t``: logical not of a bool tensor, bitwise not of an integer one
        (no gradient), as in PyTorch and NumPy; a float tensor raises a TypeError.

            >>> (~(ya.tensor([1.0, -1.0]) > 0)).tolist()
            [False, True]
        """
        return _logic(np.invert, "~", self)

    def __and__(self, other):
        """``t & u``: elementwise and of bool or integer tensors (no gradient), as
        in PyTorch and NumPy: ``(x > 0) & (x < 1)`` combines masks.

            >>> (ya.tensor([True, True]) & ya.tensor([True, False])).tolist()
            [True, False]
        """
        return _logic(np.bitwise_and, "&", self, other)

    def __rand__(self, other):
        """``u & t`` (see ``__and__``)."""
        return _logic(np.bitwise_and, "&", other, self)

    def __or__(self, other):
        """``t | u``: elementwise or of bool or integer tensors (no gradient), as in
        PyTorch and NumPy.

            >>> (ya.tensor([True, False]) | ya.tensor([False, False])).tolist()
            [True, False]
        """
        return _logic(np.bitwise_or, "|", self, other)

    def __ror__(self, other):
        """``u | t`` (see ``__or__``)."""
        return _logic(np.bitwise_or, "|", other, self)

    def __xor__(self, other):
        """``t ^ u``: elementwise exclusive or of bool or integer tensors (no
        gradient), as in PyTorch and NumPy.

            >>> (ya.tensor([True, True]) ^ ya.tensor([True, False])).tolist()
            [False, True]
        """
        return _logic(np.bitwise_xor, "^", self, other)

    def __rxor__(self, other):
        """``u ^ t`` (see ``__xor__``)."""
        return _logic(np.bitwise_xor, "^", other, self)

    def logical_not(self):
        """Elementwise logical not, a bool tensor (no gradient), as ``torch.Tensor.logical_not``.

            >>> ya.tensor([0.0, 2.0]).logical_not().tolist()
            [True, False]
        """
        return Tensor(np.logical_not(self.data))

    def all(self, axis=None, keepdims=False, **kw):
        """True where every element (along ``axis``) is nonzero, a bool tensor (no
        gradient), as ``ndarray.all``; ``dim=``/``keepdim=`` as ``torch.Tensor.all``.

            >>> (ya.tensor([1.0, 2.0]) > 0).all().item()
            True
        """
        return Tensor(np.all(self.data, **_axis_kw("all", axis, keepdims, kw)))

    def any(self, axis=None, keepdims=False, **kw):
        """True where some element (along ``axis``) is nonzero, a bool tensor (no
        gradient), as ``ndarray.any``; ``dim=``/``keepdim=`` as ``torch.Tensor.any``.

            >>> (ya.tensor([[1.0, -2.0]]) < 0).any(dim=1).tolist()
            [True]
        """
        return Tensor(np.any(self.data, **_axis_kw("any", axis, keepdims, kw)))

    def masked_fill(self, mask, value):
        """A copy of this tensor with ``value`` where the bool ``mask`` (broadcast
        to this shape) is True, as ``torch.Tensor.masked_fill``; differentiable
        (the gradient is zero at the filled places).  Same as
        ``ya.where(mask, value, t)`` with this tensor's dtype kept.

            >>> ya.tensor([1.0, 2.0]).masked_fill(ya.tensor([True, False]), 0.0).tolist()
            [0.0, 2.0]
        """
        m = _data(mask)
        if np.asarray(m).dtype != np.bool_:
            raise TypeError(f"masked_fill: the mask must be a bool tensor (as in PyTorch), got dtype "
                            f"{np.asarray(m).dtype}; write mask.bool() or (mask != 0)")
        if not isinstance(value, Tensor):
            value = np.asarray(value, dtype=self.dtype)
        elif value.dtype != self.dtype:
            value = value.to(self.dtype)
        out = _ops().where(m, value, self)
        if out.shape != self.shape:
            raise ValueError(f"masked_fill: the mask's shape {np.shape(m)} does not broadcast to "
                             f"the tensor's shape {self.shape}")
        return out

    def float(self):
        """This tensor as float32 (PyTorch's ``float``), differentiable from a
        float or complex tensor.

            >>> ya.Tensor([1.0]).float().dtype
            dtype('float32')
        """
        return self.to(np.float32)

    def double(self):
        """This tensor as float64 (PyTorch's ``double``), differentiable from a float tensor.

            >>> ya.Tensor([1.0]).float().double().dtype
            dtype('float64')
        """
        return self.to(np.float64)

    def half(self):
        """This tensor as float16 (PyTorch's ``half``), differentiable from a float tensor.

            >>> ya.Tensor([1.0]).half().dtype
            dtype('float16')
        """
        return self.to(np.float16)

    def long(self):
        """This tensor as int64 (PyTorch's ``long``): truncated, without gradient.

            >>> ya.Tensor([1.7, -1.7]).long().tolist()
            [1, -1]
        """
        return self.to(np.int64)

    def int(self):
        """This tensor as int32 (PyTorch's ``int``): truncated, without gradient.

            >>> ya.Tensor([1.7, -1.7]).int().tolist()
            [1, -1]
        """
        return self.to(np.int32)

    def bool(self):
        """This tensor as bool (PyTorch's ``bool``: nonzero is True), without gradient.

            >>> ya.Tensor([0.0, 2.0]).bool().tolist()
            [False, True]
        """
        return self.to(np.bool_)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """PyTorch's ``to``: this tensor converted to ``dtype`` (a dtype, another
        tensor's dtype) and checked to be on ``device`` (only ``"cpu"`` exists:
        any other device raises a ValueError).  Returns the tensor itself when
        nothing changes (``copy=True``: a copy).  Float-to-float conversions are
        differentiable; integer and bool results carry no gradient, as in PyTorch.

            >>> x = ya.Tensor([1.5])
            >>> x.to(ya.float32).dtype, x.to("cpu") is x, x.to(ya.int64).tolist()
            (dtype('float32'), True, [1])
        """
        dtype = _to_args(args, dtype, device)
        out = self
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            out = _astype(self, np.dtype(dtype))
        return out.clone() if copy and out is self else out

    def cpu(self):
        """This tensor (yaae runs on the CPU), as ``torch.Tensor.cpu``.

            >>> ya.zeros(2).cpu().device
            device(type='cpu')
        """
        return self

    def cuda(self, device=None):
        """Raises a ValueError: yaae runs on the CPU only.

            >>> ya.zeros(2).cuda()    # doctest: +SKIP
            ValueError: device 'cuda' is not available: yaae runs on the CPU only. ...
        """
        _device("cuda" if device is None else device if isinstance(device, str) else "cuda")

    @property
    def device(self):
        """Where the data lives: always ``ya.device("cpu")``.

            >>> ya.zeros(2).device
            device(type='cpu')
        """
        return _CPU

    @property
    def is_cuda(self):
        """Always False, as PyTorch's ``is_cuda`` on a CPU tensor: yaae runs on the CPU only.

            >>> ya.zeros(2).is_cuda
            False
        """
        return False

    # Operators and methods (t + u, t.sum(axis=0), t.T, ...) are generated from
    # the op registry, yaae/ops/registry.py: each op's ``method=`` names.  See
    # ``install_methods`` below; yaae.ops calls it once every op is declared.


def install_methods(ops, extra):
    """Attach Tensor's operators and methods: for every registry entry (``ops``:
    name -> Op), one per name in its ``methods``, plus ``extra`` (name -> the
    few methods whose signatures differ from their functions', and properties).
    Elementwise primitives use their one-frame hot paths (reflected operators,
    ``__rsub__`` and the like, swap the arguments); the other methods accept
    PyTorch's ``dim=``/``keepdim=`` keywords too (``registry.keyword_call``),
    at no cost to calls without keywords."""
    from .ops.docs import op_doc, EXTRA_DOCS   # docstrings generated from the declarations
    from .ops.registry import keyword_call
    for op in ops.values():
        p = op.prim
        for name in op.methods:
            if p is not None and p.bcast and isinstance(p.vjps, tuple):
                if len(p.vjps) == 1:
                    m = p.m1
                elif name.startswith("__r"):
                    m = hot_path(p, 2, tensors=(1,), swap=True)
                else:
                    m = hot_path(p, 2, tensors=(0,))
            else:
                m = _method(op.fn, keyword_call(op.fn, name, op))
            m.__doc__ = op_doc(op)
            setattr(Tensor, name, m)
    for name, m in extra.items():
        if not m.__doc__ and name in EXTRA_DOCS:
            m.__doc__ = EXTRA_DOCS[name]
        setattr(Tensor, name, m)


def _method(fn, call):
    """The Tensor method of ``fn``: ``t.NAME(*a, **k)`` is ``fn(t, *a, **k)``,
    keywords going through ``call`` (see ``install_methods``)."""
    def m(self, *a, **k):
        return call((self,) + a, k) if k else fn(self, *a)
    m.__name__ = m.__qualname__ = fn.__name__
    m.__doc__ = fn.__doc__
    m.__wrapped__ = fn
    return m


class _HookHandle:
    __slots__ = ("lst", "fn")

    def __init__(self, lst, fn):
        self.lst, self.fn = lst, fn

    def remove(self):
        if self.fn in self.lst:
            self.lst.remove(self.fn)


class _PostHookHandle:
    __slots__ = ("ref", "lst", "fn")

    def __init__(self, t, lst, fn):
        self.ref, self.lst, self.fn = weakref.ref(t), lst, fn

    def remove(self):
        """Unregister the hook (the leaf's entry goes when its last hook does)."""
        if self.fn in self.lst:
            self.lst.remove(self.fn)
        t = self.ref()
        if not self.lst and t is not None:
            e = _POST_HOOKS.get(id(t))
            if e is not None and e[1] is self.lst:
                del _POST_HOOKS[id(t)]


def tensor(data, requires_grad=False, dtype=None, *, device=None):
    """Same as ``Tensor(data, requires_grad, dtype)``.

    As ``torch.tensor``: integer and bool data keep their dtype unless
    ``requires_grad=True``; ``device`` may only be the CPU (a ValueError
    otherwise: yaae runs on the CPU).

    >>> ya.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], dtype=float64, requires_grad=True)
    """
    if device is not None:
        _device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)
