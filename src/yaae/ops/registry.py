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
the Tensor methods it provides (``method=``).  PyTorch's keywords ``dim=`` and
``keepdim=`` are accepted for NumPy's ``axis=`` and ``keepdims=`` by every
public function and method (``keyword_call``); ``pytorch_form`` declares the
few ops whose answer PyTorch defines differently (``max(dim=...)`` returns
values and indices, ``std(dim=...)`` divides by n - 1): the keyword chooses.
From this table come the
public ``ya.NAME`` functions (``yaae.api``), NumPy's ``__array_ufunc__`` and
``__array_function__`` tables (``yaae.interop``), the Tensor methods
(``tensor.install_methods``) and the test-sample table (``tests/opinfo``).
"""
import inspect

from ..tensor import Primitive

__all__ = ["Op", "OPS", "NUMPY", "NONDIFF", "REFUSED", "defop", "defcomposite",
           "defnondiff", "refuse", "pytorch_form", "pytorch_mode", "numpy_keywords",
           "keyword_call"]


class Op:
    """One registry entry.  ``fn`` is the polymorphic function (ndarrays in,
    ndarrays out; a Tensor in, a Tensor out); ``prim`` the Primitive when the
    op is one; ``numpy`` the NumPy callables it answers for; ``methods`` the
    Tensor method names it provides; ``seq`` the positional arguments that are
    sequences of arrays (``concatenate``'s first); ``module`` the public
    namespace (``""`` for ``ya``, ``"linalg"``, ``"fft"``); ``torch`` the op as
    PyTorch defines it, called instead of ``fn`` when a call uses one of the
    keywords ``torch_kw`` (see ``pytorch_form``)."""
    __slots__ = ("name", "fn", "prim", "numpy", "methods", "aliases", "seq", "module",
                 "kind", "torch", "torch_kw")

    def __init__(self, name, fn, prim, numpy, methods, aliases, seq, module, kind):
        self.name, self.fn, self.prim = name, fn, prim
        self.numpy, self.methods, self.aliases = tuple(numpy), methods, tuple(aliases)
        self.seq, self.module, self.kind = tuple(seq), module, kind
        self.torch, self.torch_kw = None, ()

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


_TORCH_NAMES = (("dim", "axis"), ("keepdim", "keepdims"))


def numpy_keywords(kw, who):
    """``kw`` (a new dict) with PyTorch's ``dim=``/``keepdim=`` renamed to
    NumPy's ``axis=``/``keepdims=``; both spellings of one is a TypeError."""
    kw = dict(kw)
    for torch, numpy in _TORCH_NAMES:
        if torch in kw:
            if numpy in kw:
                raise TypeError(f"{who}() got both {numpy}= (NumPy's name) and {torch}= "
                                f"(PyTorch's name for the same argument); give one of them")
            kw[numpy] = kw.pop(torch)
    return kw


def keyword_call(fn, name, op=None):
    """``call(args, kw)``: ``fn(*args, **kw)`` with PyTorch's ``dim=``/``keepdim=``
    accepted (``numpy_keywords``), or ``op``'s PyTorch form when ``kw`` holds
    one of its keywords (see ``pytorch_form``).  Callers check that ``kw`` is
    not empty first: calls without keywords pay nothing."""
    torch, trigger = (op.torch, op.torch_kw) if op is not None else (None, ())

    def call(args, kw):
        if torch is not None and any(k in kw for k in trigger):
            return torch(*args, **kw)
        if "dim" in kw or "keepdim" in kw:
            return fn(*args, **numpy_keywords(kw, name))
        return fn(*args, **kw)
    return call


def pytorch_mode(kw):
    """Does a call with keywords ``kw`` ask for PyTorch's meaning?  Yes when it
    names the axis ``dim=``, or passes ``keepdim=`` without NumPy's ``axis=``."""
    return "dim" in kw or ("keepdim" in kw and "axis" not in kw)


def pytorch_form(name, *keywords):
    """Decorator: declare ``fn`` the op ``name`` as PyTorch defines it, called
    (with the call's keywords as given) instead of the op when a call passes
    ``dim=``, ``keepdim=`` or one of ``keywords``; ``fn`` decides with
    ``pytorch_mode``.  Aliases keep NumPy's meaning (``ya.amax``, as
    ``torch.amax``)."""
    def deco(fn):
        op = OPS[name]
        op.torch, op.torch_kw = fn, ("dim", "keepdim") + keywords
        return fn
    return deco
