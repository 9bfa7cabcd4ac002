"""``ya.autograd.Function``: custom differentiable functions with PyTorch's API,
recorded as yaae primitives.

Each ``Function`` subclass gets one ``Primitive`` (the same machinery as every
yaae op): ``apply`` runs ``forward`` once (no graph, no tangents: its result
is data), then records one node whose VJP rule calls ``backward`` and whose
JVP rule calls ``jvp``.  Several differentiable outputs are packed into one
flat vector (the primitive's output) and unpacked by differentiable slices,
so the engine's single-output nodes serve them; ``backward`` sees them as
separate gradients.

Because it is a primitive, a Function works in every mode: reverse mode
(``backward()``, ``ya.autograd.grad``, ``ya.grad``, ``ya.jacrev``), double
backward (``create_graph=True``: ``backward`` then runs on Tensors with grad
mode on, so one written with yaae ops is differentiable), and forward mode
(``ya.jvp``, ``ya.jacfwd``) when a ``jvp`` staticmethod is given.
"""
import functools

import numpy as np

from ..tensor import Tensor, Primitive, _apply, _st, _wrap, _data, no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` passed to a Function's ``forward``, ``backward`` and ``jvp``.

    ``save_for_backward(*tensors)`` keeps Tensors for ``backward``
    (``ctx.saved_tensors``), ``save_for_forward(*tensors)`` for ``jvp``;
    ``needs_input_grad`` has one bool per ``forward`` argument;
    ``mark_non_differentiable(*outputs)`` makes outputs constants (their
    gradients reach ``backward`` as zeros); ``set_materialize_grads(False)``
    passes None instead of those zeros.  Any other attribute may be set
    freely (``ctx.k = 3``).

    Example::

        class Exp(ya.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = ya.exp(x)
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y
    """

    def __init__(self):
        self._saved = ()
        self._saved_fwd = ()
        self._live = None
        self._non_diff = set()
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` (Tensors, ndarrays or None) for ``backward``: read
        them back with ``ctx.saved_tensors`` (ndarrays come back as Tensors).
        Inputs and outputs saved here stay attached to the graph when
        ``backward`` is differentiated."""
        self._saved = _check_saved("save_for_backward", tensors)

    def save_for_forward(self, *tensors):
        """Keep ``tensors`` for ``jvp`` (read them with ``ctx.saved_tensors``
        inside ``jvp``), as PyTorch's forward-mode Function API."""
        self._saved_fwd = _check_saved("save_for_forward", tensors)

    @property
    def saved_tensors(self):
        """The Tensors given to ``save_for_backward`` (inside ``jvp``: to
        ``save_for_forward``), as a tuple."""
        if self._live is None:
            raise RuntimeError("saved_tensors: only available inside backward or jvp (the "
                               "tensors saved in forward are rebuilt for each sweep)")
        return self._live

    def mark_non_differentiable(self, *outputs):
        """Mark outputs of ``forward`` as not differentiable: they do not require
        grad, and their gradients reach ``backward`` as zeros (or None, see
        ``set_materialize_grads``)."""
        self._non_diff.update(id(o) for o in outputs)

    def set_materialize_grads(self, value):
        """``False``: gradients of outputs that do not get one (non-differentiable
        or non-Tensor outputs) reach ``backward`` as None instead of zeros.
        (Unlike PyTorch, a differentiable output that the loss does not use
        still gets zeros when the Function has several differentiable outputs.)"""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Not supported: yaae Functions may not modify their inputs in place."""
        raise NotImplementedError("ya.autograd.Function: in-place forward functions "
                                  "(mark_dirty) are not supported; return a new Tensor")


def _check_saved(who, tensors):
    for i, t in enumerate(tensors):
        if t is not None and not isinstance(t, (Tensor, np.ndarray)):
            raise TypeError(f"{who} can only save Tensors (or ndarrays, or None), but argument "
                            f"{i} is of type {type(t).__name__}")
    return tensors


def _fwd(*raw, ctx):
    return ctx._packed


def _as_tensor(a):
    return a if isinstance(a, Tensor) else _wrap(np.asarray(a))


class _Layout:
    """Where each output of ``forward`` lives: ``kinds[k]`` is "diff" (in the
    primitive's output), "const" (a Tensor that needs no gradient) or "other"
    (not a Tensor); several differentiable outputs are packed as ``slices``."""

    def __init__(self, outs, non_diff):
        self.kinds, self.shapes, self.dtypes, self.slices = [], [], [], []
        off = 0
        for o in outs:
            if isinstance(o, (Tensor, np.ndarray)):
                d = _data(o)
                diff = d.dtype.kind in "fc" and id(o) not in non_diff
                self.kinds.append("diff" if diff else "const")
                self.shapes.append(d.shape)
                self.dtypes.append(d.dtype)
                self.slices.append((off, off + d.size) if diff else None)
                off += d.size if diff else 0
            else:
                self.kinds.append("other")
                self.shapes.append(None)
                self.dtypes.append(None)
                self.slices.append(None)
        self.diff = [k for k, kind in enumerate(self.kinds) if kind == "diff"]
        self.packed = len(self.diff) > 1
        self.dtype = np.result_type(*[self.dtypes[k] for k in self.diff]) if self.diff else None

    def pack(self, values):
        """The primitive's output from the differentiable outputs' values."""
        from .. import ops
        if not self.packed:
            return values[self.diff[0]]
        return ops.concatenate([ops.astype(ops.reshape(values[k], (-1,)), self.dtype)
                                for k in self.diff])

    def unpack(self, packed, k):
        """Output ``k`` from the primitive's output (data or Tensor alike)."""
        from .. import ops
        if not self.packed:
            return packed
        a, b = self.slices[k]
        x = ops.reshape(packed[a:b], self.shapes[k])
        return x if self.dtypes[k] == self.dtype else ops.astype(x, self.dtypes[k])


def _live(ctx, saved, args, ans):
    """The saved Tensors for this sweep: inputs and outputs rebuilt from what the
    rule received (attached to the graph in a differentiable sweep)."""
    out = []
    for s in saved:
        if isinstance(s, tuple):
            where, k = s
            out.append(_as_tensor(args[k] if where == "in" else ctx._layout.unpack(ans, k)))
        else:
            out.append(s)
    return tuple(out)


def _call_user(ctx, saved, args, ans, fn, seeds):
    ctx._live = _live(ctx, saved, args, ans)
    try:
        return fn(ctx, *seeds)
    finally:
        ctx._live = None


def _traced_rule(v, args):
    """Whether a rule runs on Tensors (a differentiable sweep, or outer forward
    levels): then its results stay Tensors; otherwise they are plain arrays."""
    return isinstance(v, Tensor) or any(isinstance(a, Tensor) for a in args)


def _vjp(i, g, ans, *args, ctx):
    """VJP rule of argument ``i``: runs ``backward`` once per cotangent ``g``
    (cached for the node's other arguments)."""
    c = ctx._cache
    if c is None or c[0] is not g:
        ctx._cache = c = (g, _run_backward(ctx, g, ans, args))
    if i == ctx._last:
        ctx._cache = None
    return c[1][i]


def _run_backward(ctx, g, ans, args):
    cls, lay = ctx._cls, ctx._layout
    graph = _traced_rule(g, args)
    seeds = []
    for k, kind in enumerate(lay.kinds):
        if kind == "diff":
            seeds.append(_as_tensor(lay.unpack(g, k)))
        elif kind == "const" and ctx.materialize_grads:
            seeds.append(_wrap(np.zeros(lay.shapes[k], lay.dtypes[k])))
        else:
            seeds.append(None)
    grads = _call_user(ctx, ctx._saved, args, ans, cls.backward, seeds)
    if not isinstance(grads, tuple):
        grads = (grads,)
    name = f"{cls.__name__}Backward"
    n = len(args)
    if len(grads) < n or any(x is not None for x in grads[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(grads)})")
    res = []
    for i, (a, gi) in enumerate(zip(args, grads)):
        tensor_in = ctx._tensor_args[i]
        if gi is None:
            res.append(np.zeros(np.shape(_data(a)), _data(a).dtype) if tensor_in else None)
            continue
        if not tensor_in:
            raise RuntimeError(f"function {name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not "
                               f"a Variable")
        ishape, gshape = np.shape(_data(a)), np.shape(_data(gi))
        try:
            ok = np.broadcast_shapes(ishape, gshape) == gshape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                               f"got {list(gshape)} but expected shape compatible with "
                               f"{list(ishape)}")
        res.append(_as_tensor(gi) if graph else np.asarray(_data(gi)))
    return res


def _jvp(i, t, ans, *args, ctx):
    """JVP rule of argument ``i``: ``jvp`` with argument i's tangent and zeros
    for the others (the sweep adds the arguments' contributions: jvp is linear)."""
    cls, lay = ctx._cls, ctx._layout
    if "jvp" not in _methods(cls):
        raise NotImplementedError(
            f"{cls.__name__}: you must implement the jvp function for custom "
            f"autograd.Function to use it with forward mode AD (ya.jvp, ya.jacfwd, "
            f"torch.func.jvp): add @staticmethod def jvp(ctx, *grad_inputs) returning one "
            f"tangent per output of forward, or use reverse mode (ya.grad, ya.jacrev)")
    tans = []
    for j, a in enumerate(args):
        if j == i:
            tans.append(_as_tensor(t))
        elif ctx._tensor_args[j]:
            tans.append(_wrap(np.zeros(np.shape(_data(a)), _data(a).dtype)))
        else:
            tans.append(None)
    graph = _traced_rule(t, args)
    res = _call_user(ctx, ctx._saved_fwd, args, ans, cls.jvp, tans)
    if not isinstance(res, tuple):
        res = (res,)
    if len(res) != len(lay.kinds):
        raise RuntimeError(f"{cls.__name__}.jvp returned {len(res)} tangents, expected one per "
                           f"output of forward ({len(lay.kinds)})")
    vals = {}
    for k in lay.diff:
        tk = res[k]
        if tk is None:
            tk = np.zeros(lay.shapes[k], lay.dtypes[k])
        if np.shape(_data(tk)) != lay.shapes[k]:
            raise RuntimeError(f"{cls.__name__}.jvp: tangent {k} has shape "
                               f"{np.shape(_data(tk))}, but output {k} has shape {lay.shapes[k]}")
        vals[k] = tk if graph else np.asarray(_data(tk))
    return lay.pack(vals)


def _methods(cls):
    return {name for c in cls.__mro__ if c is not Function for name in vars(c)}


class _FunctionMeta(type):
    """Gives each Function subclass its own primitive."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        prim = Primitive(_fwd, name, batchable=False, saves=True)
        prim.defvjp(_vjp, argnum=True)
        prim.defjvp(_jvp, argnum=True)
        cls._primitive = prim


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable functions, as ``torch.autograd.Function``.

    Subclass it with ``@staticmethod forward(ctx, *args, **kwargs)`` (computes
    the outputs: a Tensor or a tuple) and ``@staticmethod backward(ctx,
    *grad_outputs)`` (one gradient per output in, one per ``forward``
    argument out: None for non-Tensor arguments or where no gradient is
    needed), and optionally ``@staticmethod jvp(ctx, *grad_inputs)`` (one
    tangent per input in, one per output out) for forward mode.  Call it as
    ``MyFn.apply(*args)``.

    ``forward`` runs with grad mode off; ``backward`` runs on Tensors, with
    grad mode on only in a ``create_graph=True`` sweep, where yaae ops in it
    are recorded: a backward written with yaae ops has derivatives of its
    own.  Recorded as a yaae primitive, a Function works in ``backward()``,
    ``ya.autograd.grad``, ``ya.grad``/``ya.jacrev``/``ya.hessian``, and in
    ``ya.jvp``/``ya.jacfwd`` when ``jvp`` is defined (otherwise forward mode
    raises NotImplementedError naming the Function).  Differences from
    PyTorch: ``mark_dirty`` (in-place forward) is not supported.

    PyTorch 2's other style works too: ``@staticmethod forward(*args)``
    without ctx, plus ``@staticmethod setup_context(ctx, inputs, output)``
    (``inputs``: the tuple of ``apply``'s arguments), which saves what
    ``backward`` and ``jvp`` need.

    Example::

        class Softplus(ya.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)        # for backward
                ctx.save_for_forward(x)         # for jvp
                return ya.log1p(ya.exp(x))

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g / (1 + ya.exp(-x))

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return t / (1 + ya.exp(-x))

        y = Softplus.apply(ya.tensor(0.0, requires_grad=True))   # y.backward() gives 0.5
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs from the inputs (override in a subclass)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradients for forward's inputs from those of its outputs (override)."""
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and record the result for differentiation.

        Example::

            >>> class Double(ya.autograd.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return x * 2
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         return g * 2
            >>> x = ya.tensor([1.0, 3.0], requires_grad=True)
            >>> Double.apply(x).sum().backward()
            >>> x.grad
            tensor([2., 2.], dtype=float64)
        """
        ctx = FunctionCtx()
        ctx._cls = cls
        ctx._tensor_args = tuple(isinstance(a, (Tensor, np.ndarray)) for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad and _st.grad
                                     for a in args)
        prev = _st.fwd
        _st.fwd = ()        # forward's values are data: tangents come from jvp alone
        try:
            with no_grad():
                if "setup_context" in _methods(cls):     # forward(*args) + setup_context
                    outs = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, outs)
                else:
                    outs = cls.forward(ctx, *args, **kwargs)
        finally:
            _st.fwd = prev
        single = not isinstance(outs, tuple)
        outs = (outs,) if single else outs
        for o in outs:
            if isinstance(o, (list, dict)):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple (of "
                                f"Tensors and other values), got a {type(o).__name__}: its "
                                f"Tensors would not be differentiated; return a tuple instead")
        lay = ctx._layout = _Layout(outs, ctx._non_diff)
        ids = {id(a): ("in", i) for i, a in enumerate(args) if isinstance(a, (Tensor, np.ndarray))}
        ids.update({id(o): ("out", k) for k, o in enumerate(outs) if lay.kinds[k] == "diff"})
        ctx._saved = tuple(_mark(s, ids) for s in ctx._saved)
        ctx._saved_fwd = tuple(_mark(s, ids) for s in ctx._saved_fwd)
        ctx._cache = None
        results = [_as_tensor(_data(o)) if lay.kinds[k] == "const" else o
                   for k, o in enumerate(outs)]
        if lay.diff:
            ctx._packed = lay.pack({k: _data(outs[k]) for k in lay.diff})
            out = _apply(cls._primitive, args, {"ctx": ctx})
            del ctx._packed
            node = out._node
            ctx._last = max((i for i, p in enumerate(node.parents) if p is not None),
                            default=-1) if node is not None else -1
            for k in lay.diff:
                results[k] = lay.unpack(out, k)
        return results[0] if single else tuple(results)


def _mark(s, ids):
    """A saved value: where it came from (an input or output position), else
    itself (as a Tensor)."""
    if s is None:
        return None
    return ids.get(id(s)) or _as_tensor(s)


def _once_fwd(x, *deps):
    return x


def _once_vjp(i, g, ans, *args):
    raise RuntimeError("trying to differentiate twice a function that was marked with "
                       "@once_differentiable")


_once = Primitive(_once_fwd, "once_differentiable", batchable=True, saves=False)
_once.defvjp(_once_vjp, argnum=True)
_once.defjvp(_once_vjp, argnum=True)


def once_differentiable(fn):
    """Decorator for a Function's ``backward`` that is not itself differentiable
    (as ``torch.autograd.function.once_differentiable``): it runs with grad
    mode off, and differentiating its results (double backward) raises a
    RuntimeError instead of silently giving zero.

    Example::

        class Relu(ya.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return ya.maximum(x, 0)

            @staticmethod
            @ya.autograd.function.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * (x.data > 0)
    """
    @functools.wraps(fn)
    def wrapper(ctx, *grad_outputs):
        deps = [t for t in list(grad_outputs) + list(ctx.saved_tensors)
                if isinstance(t, Tensor) and t.requires_grad]
        watched = _st.grad and deps
        with no_grad():
            res = fn(ctx, *[g.detach() if isinstance(g, Tensor) else g for g in grad_outputs])
        if not watched:
            return res
        single = not isinstance(res, tuple)
        res = tuple(_once(_as_tensor(r), *deps) if r is not None else None
                    for r in ((res,) if single else res))
        return res[0] if single else res
    return wrapper
