"""The op registry: every operation yaae knows is declared once, here.

A declaration says everything that the rest of yaae derives from it:

* ``defop(name, fwd, ...)`` declares a *primitive*: its forward NumPy
  function and its derivative, in the shortest form that fits:

  - ``deriv=``: elementwise ops, one partial derivative per argument,
    ``d(ans, *args)`` (``None`` for an argument with no derivative).  The
    VJP ``g * d`` and the JVP ``t * d`` are both made from it.
  - ``linear=``: ops linear in their first argument (the others are
    parameters): the JVP is the op applied to the tangent, ``linear`` is the
    transpose, ``linear(g, ans, *args)``, which is the VJP.
  - ``vjp=``/``jvp=``: explicit rules, one per argument (or a single rule
    ``rule(argnum, g, ans, *args)`` with ``argnum=True``).

* ``defcomposite(name)`` declares a function composed of primitives (softmax,
  var, stack, ...): it gets every mode and order from theirs.
* ``defnondiff(np_fn, ...)`` declares NumPy functions whose results carry no
  derivative (comparisons, arg-functions, ``*_like``, ...): they run on the
  data.
* ``refuse(np_fn, why)`` declares NumPy functions yaae cannot differentiate
  and will not run on a Tensor, with what to do instead.

Every declaration names the NumPy callables it answers for (``numpy=``) and
the Tensor methods it provides (``method=``).  From this table come the
public ``ya.NAME`` functions (``yaae.api``), NumPy's ``__array_ufunc__`` and
``__array_function__`` tables (``yaae.interop``), the Tensor methods
(``tensor.install_methods``) and the test-sample table (``tests/opinfo``).
"""
import inspect

from ..tensor import Primitive

__all__ = ["Op", "OPS", "NUMPY", "NONDIFF", "REFUSED", "defop", "defcomposite",
           "defnondiff", "refuse"]


class Op:
    """One registry entry.  ``fn`` is the polymorphic function (ndarrays in,
    ndarrays out; a Tensor in, a Tensor out); ``prim`` the Primitive when the
    op is one; ``numpy`` the NumPy callables it answers for; ``methods`` the
    Tensor method names it provides; ``seq`` the positional arguments that are
    sequences of arrays (``concatenate``'s first); ``module`` the public
    namespace (``""`` for ``ya``, ``"linalg"``, ``"fft"``)."""
    __slots__ = ("name", "fn", "prim", "numpy", "methods", "aliases", "seq", "module",
                 "kind")

    def __init__(self, name, fn, prim, numpy, methods, aliases, seq, module, kind):
        self.name, self.fn, self.prim = name, fn, prim
        self.numpy, self.methods, self.aliases = tuple(numpy), methods, tuple(aliases)
        self.seq, self.module, self.kind = tuple(seq), module, kind

    @property
    def qualname(self):
        return f"{self.module}.{self.name}" if self.module else self.name

    def __repr__(self):
        return f"<op {self.qualname} ({self.kind})>"


OPS = {}          # qualified public name ("sin", "linalg.svd") -> Op
NUMPY = {}        # NumPy callable -> Op
NONDIFF = {}      # NumPy callable -> public name or None: runs on the data
REFUSED = {}      # NumPy callable -> what to do instead


def _methods(method, name):
    if method is True:
        return (name,)
    if not method:
        return ()
    return (method,) if isinstance(method, str) else tuple(method)


def _register(name, fn, prim, numpy, method, aliases, seq, module, kind):
    op = Op(name, fn, prim, numpy if isinstance(numpy, (tuple, list)) else (numpy,),
            _methods(method, name), aliases, seq, module, kind)
    if op.qualname in OPS:
        raise ValueError(f"registry: op {op.qualname!r} is declared twice")
    OPS[op.qualname] = op
    for f in op.numpy:
        if f in NUMPY:
            raise ValueError(f"registry: {f!r} is answered by both {NUMPY[f].qualname!r} "
                             f"and {op.qualname!r}")
        NUMPY[f] = op
    return op


def _times(d):
    """The rule ``g * d(ans, *args)``: a VJP (``g`` a cotangent) and a JVP (a
    tangent) alike.  Specialised to ``d``'s arity when it takes a fixed number
    of arguments: this runs for every elementwise op of every backward, and
    packing ``*args``/``**kw`` would cost it half again."""
    if d is None:
        return None
    params = inspect.signature(d).parameters.values()
    fixed = all(q.kind is q.POSITIONAL_OR_KEYWORD and q.default is q.empty for q in params)
    n = len(params) - 1
    if fixed and n == 1:
        return lambda g, ans, x: g * d(ans, x)
    if fixed and n == 2:
        return lambda g, ans, x, y: g * d(ans, x, y)
    if fixed and n == 3:
        return lambda g, ans, x, y, z: g * d(ans, x, y, z)
    return lambda g, ans, *a, **k: g * d(ans, *a, **k)


def _elementwise_rules(p, deriv):
    rules = [_times(d) for d in (deriv if isinstance(deriv, tuple) else (deriv,))]
    p.defvjp(*rules)
    p.defjvp(*rules)


def defop(name, fwd, *, numpy=(), deriv=None, linear=None, vjp=None, jvp=None,
          argnum=False, bcast=False, saves=True, batchable=True, method=False,
          aliases=(), seq=(), module="", register=True):
    """Declare a primitive ``name`` computed by ``fwd`` (see the module doc).
    Returns the Primitive (``register=False``: a private one, with no public
    name, interop or methods)."""
    p = Primitive(fwd, name, batchable=batchable, bcast=bcast, saves=saves)
    if deriv is not None:
        _elementwise_rules(p, deriv)
    elif linear is not None:
        p.defvjp(linear)
        p.defjvp(lambda t, ans, x, *a, **k: p(t, *a, **k))
    else:
        if vjp is not None:
            p.defvjp(*(vjp if isinstance(vjp, tuple) else (vjp,)), argnum=argnum)
        if jvp is not None:
            p.defjvp(*(jvp if isinstance(jvp, tuple) else (jvp,)), argnum=argnum)
    if register:
        _register(name, p, p, numpy, method, aliases, seq, module, "primitive")
    return p


def defcomposite(name=None, *, numpy=(), method=False, aliases=(), seq=(), module=""):
    """Decorator: declare a function composed of primitives."""
    def deco(fn):
        _register(name or fn.__name__, fn, None, numpy, method, aliases, seq, module,
                  "composite")
        return fn
    return deco


def defnondiff(*np_fns, public=False):
    """NumPy functions whose results carry no derivative: run on the data.
    ``public=True`` also makes ``ya.NAME`` for each (returning a Tensor)."""
    for f in np_fns:
        NONDIFF[f] = getattr(f, "__name__", None) if public else None


def refuse(why, *np_fns):
    """NumPy functions refused on Tensors, with ``why``: what to do instead."""
    for f in np_fns:
        REFUSED[f] = why
