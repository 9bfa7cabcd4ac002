"""Function transforms with JAX's names and semantics: grad, value_and_grad,
vjp, jvp, jacrev, jacfwd, jacobian, hessian, hvp.

How nesting stays correct:

* Reverse mode: each transform differentiates with respect to fresh *alias*
  tensors of its inputs and asks the sweep for their gradients only, so an
  inner ``grad`` never mistakes an outer variable for its own, and its
  result stays differentiable with respect to the outer ones
  (``create_graph`` whenever an enclosing transform is active).
* Forward mode: each ``jvp`` opens a new *level*; tangents are stored per
  level, and a level's rules run with only the outer levels visible.

Arguments and results may be nested tuples/lists/dicts of Tensors, ndarrays
and Python numbers.  Called with no Tensors (outside any transform) the
results are ndarrays.
"""
import functools
import threading
import weakref

import numpy as np

from .tensor import (Tensor, GradNode, Primitive, _wrap, _st, _level_ids, _seq, backward_sweep,
                     get_default_dtype, _LEVEL_INFO, _FRESH)
from . import tree_util

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian",
           "hessian", "hvp"]


# ---- bookkeeping -----------------------------------------------------------------------------
def _alias_fwd(x):
    return x


alias = Primitive(_alias_fwd, "alias", batchable=True, saves=False)
alias.defvjp(lambda g, ans, x: g)
alias.defjvp(lambda t, ans, x: t)


class _Depth:
    """Counts active transforms (thread-local): inside one, results stay Tensors."""
    def __enter__(self):
        _st.depth += 1

    def __exit__(self, *exc):
        _st.depth -= 1


def _depth():
    return _st.depth


def _as_float_array(x):
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"transforms: expected a number or an array of numbers, got "
                        f"{type(x).__name__} {x!r:.40}")
    a = np.asarray(x)
    if a.dtype.kind not in "fc":
        if a.dtype.kind not in "biu":
            raise TypeError(f"transforms: expected numbers, got an array of dtype {a.dtype} "
                            f"(shape {a.shape}); convert it to a float array first")
        a = a.astype(get_default_dtype())
    return a


def _check_outputs(who, outs):
    """A transformed function must return arrays (or numbers), in any pytree."""
    for o in outs:
        if not isinstance(o, (Tensor, np.ndarray, np.generic, int, float, complex)):
            raise TypeError(f"{who}: the function must return arrays or numbers (in tuples, "
                            f"lists or dicts), but it returned {type(o).__name__}"
                            f"{' (did it forget a return?)' if o is None else ''}")
        if isinstance(o, np.ndarray) and o.dtype.kind not in "biufc":
            raise TypeError(f"{who}: the function returned an array of dtype {o.dtype}")


def tree_flatten(x):
    """``ya.tree_util.tree_flatten`` (JAX's rules: dict keys sorted, named
    tuples are nodes), except that None is a leaf here, not an empty subtree:
    a None among a transform's inputs or results is reported as an error (a
    forgotten return, a missing value), not silently skipped."""
    return tree_util._flatten_none_leaf(x)


def _flatten_result(who, res):
    """The leaves and treedef of a transformed function's result, checked."""
    outs, otree = tree_flatten(res)
    _check_outputs(who, outs)
    return outs, otree


def _traced(x):
    return isinstance(x, Tensor) and (x.requires_grad or bool(x._tan))


def _rev_input(p):
    """A fresh tensor standing for input ``p``: reverse mode targets its node."""
    from .tensor import _st as st
    prev = st.grad
    st.grad = True
    try:
        if isinstance(p, Tensor) and p.requires_grad:
            return alias(p)
        leaf = _wrap(p.data if isinstance(p, Tensor) else _as_float_array(p))
        if leaf.data.dtype.kind not in "fc":
            leaf.data = leaf.data.astype(get_default_dtype())
        if isinstance(p, Tensor) and p._tan:
            leaf._tan = dict(p._tan)
        leaf.requires_grad = True
        k = id(leaf)
        _INTERNAL[k] = (weakref.ref(leaf, lambda r, k=k: _INTERNAL.pop(k, None)), next(_seq))
        return alias(leaf)
    finally:
        st.grad = prev


RAW, DETACH, KEEP = "raw", "detach", "keep"
# the fresh leaves reverse-mode transforms differentiate (id -> (weakref, seq
# when made)): graphs that end only at these depend on nothing the user's
# function closed over, and a forward level older than such a leaf records no
# graph of its tangents for it (tensor._reaches_older)
_INTERNAL = _FRESH


def _mode(flat_inputs):
    """How results leave a transform: ndarrays when called with no Tensors
    outside any transform; detached Tensors when called with Tensors that
    nothing differentiates; otherwise Tensors still attached to their graph."""
    if _depth() == 0:
        if not any(isinstance(p, Tensor) for p in flat_inputs):
            return RAW
        if not any(_traced(p) for p in flat_inputs):
            return DETACH
    return KEEP


def _closed_over(outs):
    """Whether the graph of ``outs`` reaches a tensor that requires grad other
    than the transforms' own stand-in leaves: one the function closed over,
    such as a module's parameters.  The results must then stay differentiable
    with respect to it (as nested ``torch.autograd.grad(create_graph=True)``),
    so the sweep records a graph and the results stay attached Tensors."""
    from .tensor import GradNode
    stack = []
    for o in outs:
        if isinstance(o, Tensor) and o.requires_grad:
            if o._node is None:
                if not _internal(o):
                    return True
            else:
                stack.append(o._node)
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        for p in n.parents:
            if p is None:
                continue
            if type(p) is GradNode:
                stack.append(p)
            elif not _internal(p):
                return True
    return False


def _internal(leaf):
    r = _INTERNAL.get(id(leaf))
    return r is not None and r[0]() is leaf


def _out(x, raw):
    """Final conversion of a result leaf (``raw`` is a mode from ``_mode``)."""
    if raw == RAW:
        return np.asarray(x.data if isinstance(x, Tensor) else x)
    if isinstance(x, Tensor):
        return _wrap(x._data) if raw == DETACH else x
    return _wrap(np.asarray(x))


def _strip_level(o, level):
    """``o`` without its tangent at ``level`` (a new Tensor sharing data and graph)."""
    if not isinstance(o, Tensor) or not o._tan or level not in o._tan:
        return o
    t = _wrap(o.data)
    t._node = o._node
    t.requires_grad = o.requires_grad
    rest = {k: v for k, v in o._tan.items() if k != level}
    t._tan = rest or None
    return t


def _argnums_tuple(argnums, n):
    single = isinstance(argnums, (int, np.integer))
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"argnums must be integers, got {a!r}")
        if not -n <= a < n:
            raise ValueError(f"argnums {a} is out of range for a function called with {n} "
                             f"positional arguments")
    nums = tuple(int(a) % n for a in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums {argnums!r} names an argument more than once")
    return single, nums


def _restrict(f, args, kwargs, nums):
    """``f`` as a function of the positional arguments at ``nums`` only."""
    def g(*dargs):
        full = list(args)
        for a, v in zip(nums, dargs):
            full[a] = v
        return f(*full, **kwargs)
    return g


# ---- reverse mode ---------------------------------------------------------------------------
def vjp(f, *primals, has_aux=False):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` returns a tuple of gradients,
    one per primal, each shaped like its primal.

    As ``jax.vjp(f, *primals, has_aux=False)`` (``(out, vjp_fn, aux)`` with
    ``has_aux``).  The cotangent has the structure and shape of ``out``; one
    reverse sweep per call of ``vjp_fn``.

    Example::

        >>> out, vjp_fn = ya.vjp(lambda x, y: x * y, 2.0, 3.0)
        >>> vjp_fn(1.0)                             # (y, x)
        (array(3.), array(2.))
    """
    flat, tree = tree_flatten(primals)
    raw = _mode(flat)
    xs = [_rev_input(p) for p in flat]
    from .tensor import enable_grad
    with _Depth(), enable_grad():
        res = f(*tree.unflatten(xs))
    if has_aux:
        res, aux = res
    outs, otree = _flatten_result("vjp", res)
    outs_t = [o if isinstance(o, Tensor) else _wrap(_as_float_array(o)) for o in outs]
    if _held.lists:
        _hold(outs_t)
    closed = raw != KEEP and _closed_over(outs_t)
    if closed:
        raw = KEEP

    def vjp_fn(cotangent):
        cts, ctree = tree_flatten(cotangent)
        if len(cts) != len(outs_t):
            raise ValueError(f"vjp: the cotangent has {len(cts)} leaves but the output has "
                             f"{len(outs_t)}")
        # differentiable sweep only when something outside watches the result.
        # Decided now, not when vjp was called: a vjp_fn made outside any
        # transform and called inside one (or on a traced cotangent) must keep
        # its result attached to that transform's graph.
        watched = _depth() > 0 or any(_traced(c) for c in cts)
        create = watched or closed or any(_traced(p) for p in flat)
        mode = KEEP if watched else raw
        roots, seeds = [], []
        for o, c in zip(outs_t, cts):
            cd = c.data if isinstance(c, Tensor) else np.asarray(c, dtype=o.data.dtype)
            if cd.shape != o.shape:
                raise ValueError(f"vjp: cotangent of shape {cd.shape} does not match the "
                                 f"output shape {o.shape}")
            if not o.requires_grad:
                continue
            roots.append(o)
            seeds.append((c if isinstance(c, Tensor) else _wrap(cd)) if create else cd)
        grads = backward_sweep(roots, seeds, inputs=xs, retain_graph=True,
                               create_graph=create) if roots else [None] * len(xs)
        res = []
        for x, g in zip(xs, grads):
            if g is None:
                g = np.zeros_like(x.data)
            res.append(_out(g, mode))
        return tuple(tree.unflatten(res))

    out = otree.unflatten([_out(o, raw) for o in outs_t])
    if has_aux:
        return out, vjp_fn, _aux_out(aux, raw)
    return out, vjp_fn


def _check_complex(who, inputs, outputs, holomorphic):
    """JAX's rules: without ``holomorphic=True`` a reverse-mode transform needs
    real outputs and jacfwd real inputs (a complex one would silently give only
    part of the derivative); with it, inputs and outputs must be complex."""
    def kind(x):
        return np.asarray(x.data if isinstance(x, Tensor) else x).dtype.kind
    if holomorphic:
        bad = [k for k in map(kind, inputs) if k != "c"] + [k for k in map(kind, outputs) if k != "c"]
        if bad:
            raise TypeError(f"{who}(holomorphic=True) requires complex inputs and outputs")
        return
    checked = outputs if who != "jacfwd" else inputs
    if any(kind(x) == "c" for x in checked):
        raise TypeError(
            f"{who} requires real-valued {'inputs' if who == 'jacfwd' else 'outputs'}, got a "
            f"complex one; for holomorphic functions pass holomorphic=True, for other functions "
            f"of complex numbers use ya.vjp / ya.jvp directly (or differentiate real and imaginary "
            f"parts separately)")


def value_and_grad(f, argnums=0, has_aux=False, holomorphic=False):
    """``f``'s value and its gradient with respect to ``argnums`` (scalar output).

    For a real-valued f of complex inputs the gradient follows JAX's
    convention, df/dx - i df/dy; ``holomorphic=True`` allows a complex output
    (then the result is f'(z)).

    ``value_and_grad(f, argnums=0, has_aux=False, holomorphic=False)``: like
    ``grad`` but the function returns ``(f(...), gradient)`` from one sweep
    (``((value, aux), gradient)`` with ``has_aux``), as ``jax.value_and_grad``.

    Example::

        >>> loss, g = ya.value_and_grad(lambda w: ya.sum(w ** 2))(np.array([1.0, 2.0]))
        >>> float(loss), g
        (5.0, array([2., 4.]))
    """
    @functools.wraps(f)
    def vg(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args))
        g = _restrict(f, args, kwargs, nums)
        out = vjp(g, *[args[a] for a in nums], has_aux=has_aux)
        value, fn = out[0], out[1]
        vd = value.data if isinstance(value, Tensor) else np.asarray(value)
        if vd.size != 1:
            raise TypeError(f"grad requires a function with a scalar output, got an output "
                            f"of shape {np.shape(vd)}")
        _check_complex("grad", tree_flatten([args[a] for a in nums])[0], [vd], holomorphic)
        grads = fn(np.ones_like(vd) if not isinstance(value, Tensor) else _wrap(np.ones_like(vd)))
        grads = grads[0] if single else grads
        if has_aux:
            return (value, out[2]), grads
        return value, grads
    return vg


def grad(f, argnums=0, has_aux=False, holomorphic=False):
    """The gradient of a scalar-output ``f`` with respect to argument(s) ``argnums``
    (complex numbers: see ``value_and_grad``).

    ``grad(f, argnums=0, has_aux=False, holomorphic=False)`` returns a function
    with ``f``'s arguments that returns the gradient, as ``jax.grad``: ``argnums`` an
    int (one gradient, shaped like that argument) or a tuple (a tuple of them);
    arguments may be numbers, ndarrays, Tensors or nested tuples/lists/dicts of
    them (the gradient has the same structure); ndarrays in give ndarrays out.
    ``has_aux=True``: ``f`` returns ``(value, aux)`` and the result is
    ``(gradient, aux)``.  Transforms nest to any order.  PyTorch's equivalent is
    ``torch.func.grad``; ``ya.autograd.grad`` is the ``torch.autograd.grad`` form.

    Example::

        >>> df = ya.grad(lambda x, y: ya.sum(x ** 2 * y), argnums=(0, 1))
        >>> df(np.array([1.0, 2.0]), 3.0)          # (2xy, sum x**2)
        (array([ 6., 12.]), array(5.))
        >>> ya.grad(ya.grad(ya.sin))(1.0)           # -sin(1)
        array(-0.84147098)
    """
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    @functools.wraps(f)
    def g(*args, **kwargs):
        (value, g_) = vg(*args, **kwargs)
        if has_aux:
            return g_, value[1]
        return g_
    return g


# ---- forward mode -------------------------------------------------------------------------
def _fwd_input(p, t, level):
    """A fresh tensor standing for ``p`` whose tangent at ``level`` is ``t``
    (None: a symbolic zero, no tangent at all)."""
    if isinstance(p, Tensor) and (p.requires_grad or p._tan):
        x = alias(p)
        if x is p:  # pragma: no cover
            x = _wrap(p.data)
    else:
        x = _wrap(p.data if isinstance(p, Tensor) else _as_float_array(p))
    if t is None:
        return x
    td = t.data if isinstance(t, Tensor) else np.asarray(t, dtype=x.data.dtype)
    if td.shape[td.ndim - x.data.ndim:] != x.data.shape:
        raise ValueError(f"jvp: tangent of shape {td.shape} does not match the primal "
                         f"shape {x.data.shape}")
    if x._tan is None:
        x._tan = {}
    x._tan[level] = t if isinstance(t, Tensor) and (t.requires_grad or t._tan) else td
    return x


def _release_level(roots, level, start):
    """Drop the tangents at ``level`` (a finished jvp's: nothing reads them
    any more) from the Tensors recorded in the graphs of ``roots``, down to
    the nodes older than the level (sequence number ``start``).

    A tangent computed while reverse mode records (``hvp``, ``hessian``) is a
    Tensor whose graph reads the Tensor it belongs to (its rule's ``ans``):
    ``y -> y._tan -> tangent -> graph -> y``, a reference cycle that would
    hold every intermediate until the garbage collector runs."""
    stack = [r for r in roots if isinstance(r, Tensor)]
    seen = {}       # id -> object (kept alive, so no id is reused during the walk)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen[id(t)] = t
        if type(t) is GradNode:
            if t.seq > start:
                continue        # older than the level: nothing below has its tangents
            for a in t.args or ():
                if isinstance(a, Tensor):
                    stack.append(a)
            for q in t.parents:
                if q is not None:
                    stack.append(q)
            continue
        tan = t._tan
        if tan:
            tan.pop(level, None)
            if not tan:
                t._tan = None
        if t._node is not None:
            stack.append(t._node)


class _Held(threading.local):
    def __init__(self):
        self.lists = []     # one per running jvp, innermost last


_held = _Held()


def _hold(outs):
    """A reverse transform run inside jvps: the results of its function,
    which no graph it returns may refer to, are released by each of those
    jvps when it ends (see ``_release_level``)."""
    for lst in _held.lists:
        lst.extend(o for o in outs if isinstance(o, Tensor))


def _run_fwd(f, flat_p, tree, flat_t, start):
    """Run ``f`` at a new forward level: ``(level, result, held, recorded)``,
    ``held`` the Tensors nested reverse transforms asked to be released with
    it, ``recorded`` whether any of its tangents was recorded in a reverse
    graph.  ``start``: a sequence number taken before the inputs were made."""
    level = next(_level_ids)
    info = _LEVEL_INFO[level] = [start, {}, {}, False]
    try:
        xs = [_fwd_input(p, t, level) for p, t in zip(flat_p, flat_t)]
        prev = _st.fwd
        _st.fwd = prev + (level,)
        held = []
        _held.lists.append(held)
        try:
            with _Depth():
                res = f(*tree.unflatten(xs))
        finally:
            _st.fwd = prev
            _held.lists.pop()
    finally:
        del _LEVEL_INFO[level]
    return level, res, held, info[3]


def _check_tangent_shapes(who, flat_p, flat_t):
    for i, (p, t) in enumerate(zip(flat_p, flat_t)):
        ps = np.shape(p.data if isinstance(p, Tensor) else _as_float_array(p))
        ts = np.shape(t.data if isinstance(t, Tensor) else _as_float_array(t))
        if ps != ts:
            raise ValueError(f"{who}: tangent {i} has shape {ts} but its primal has shape {ps}")


def jvp(f, primals, tangents, has_aux=False):
    """``(f(*primals), J·tangents)`` by forward mode: tangents are pushed
    through the one forward computation, no graph recorded for them.

    As ``jax.jvp(f, primals, tangents, has_aux=False)``: ``primals`` and
    ``tangents`` are tuples with one entry per argument of ``f``, each tangent
    shaped like its primal; returns ``(out, tangent_out)`` (and ``aux``).

    Example::

        >>> ya.jvp(ya.sin, (0.0,), (1.0,))          # (sin 0, cos 0 * 1)
        (array(0.), array(1.))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    flat_p, tree = tree_flatten(primals)
    flat_t, ttree = tree_flatten(tangents)
    if len(flat_p) != len(flat_t) or tree != ttree:
        raise ValueError(f"jvp: the tangents' structure does not match the primals' "
                         f"({len(flat_t)} tangent leaves for {len(flat_p)} primal leaves, "
                         f"or nested differently)")
    _check_tangent_shapes("jvp", flat_p, flat_t)
    raw = _mode(flat_p)
    start = next(_seq)
    level, res, held, recorded = _run_fwd(f, flat_p, tree, flat_t, start)
    if has_aux:
        res, aux = res
    outs, otree = _flatten_result("jvp", res)
    if raw != KEEP and _closed_over(outs + [o._tan.get(level) for o in outs
                                            if isinstance(o, Tensor) and o._tan]):
        raw = KEEP
    p_out, t_out = [], []
    for o in outs:
        if isinstance(o, Tensor):
            t = o._tan.get(level) if o._tan else None
            if t is None:
                nb = 0
                if flat_t:
                    t0 = flat_t[0]
                    nb = np.ndim(t0.data if isinstance(t0, Tensor) else t0) - np.ndim(
                        flat_p[0].data if isinstance(flat_p[0], Tensor) else flat_p[0])
                bshape = np.shape(flat_t[0].data if isinstance(flat_t[0], Tensor) else flat_t[0])[:nb]
                t = np.zeros(tuple(bshape) + o.shape, dtype=o.dtype)
            p_out.append(_out(_strip_level(o, level), raw))
            t_out.append(_out(t, raw))
        else:
            a = _as_float_array(o)
            p_out.append(_out(a, raw))
            t_out.append(_out(np.zeros_like(a), raw))
    if raw == KEEP or has_aux or recorded:
        _release_level(outs + held + (tree_flatten(aux)[0] if has_aux else []), level, start)
    result = otree.unflatten(p_out), otree.unflatten(t_out)
    if has_aux:
        return result + (_aux_out(aux, raw),)
    return result


# ---- Jacobians ------------------------------------------------------------------------------
def _select_args(args, argnums):
    return _argnums_tuple(argnums, len(args))


def jacrev(f, argnums=0, has_aux=False, holomorphic=False):
    """Jacobian by reverse mode: one batched sweep per output leaf (no loop
    over basis vectors).  Shape: output shape + input shape.

    ``jacrev(f, argnums=0, has_aux=False, holomorphic=False)`` returns a function
    that returns the Jacobian, as ``jax.jacrev``: ``argnums`` an int or a tuple; outputs
    and arguments may be pytrees (the result nests output structure outside input
    structure).  ``holomorphic=True`` for complex functions of complex inputs.

    Example::

        >>> J = ya.jacrev(lambda v: ya.tanh(v) * v.sum())(np.ones(3))
        >>> J.shape
        (3, 3)
    """
    @functools.wraps(f)
    def jf(*args, **kwargs):
        return _jacrev_finish(_jacrev_run(f, args, kwargs, argnums, has_aux), holomorphic)
    return jf


def _jacrev_run(f, args, kwargs, argnums, has_aux):
    """jacrev's first half: ``f`` evaluated once, recording its graph."""
    single, nums = _select_args(args, argnums)
    g = _restrict(f, args, kwargs, nums)
    raw = _mode(tree_flatten(args)[0])
    prim = tuple(args[a] for a in nums)
    flat, tree = tree_flatten(prim)
    xs = [_rev_input(p) for p in flat]
    from .tensor import enable_grad
    with _Depth(), enable_grad():
        res = g(*tree.unflatten(xs))
    aux = None
    if has_aux:
        res, aux = res
    outs, otree = _flatten_result("jacrev", res)
    if _held.lists:
        _hold(outs)
    return single, raw, flat, tree, xs, outs, otree, has_aux, aux


def _jacrev_finish(run, holomorphic):
    """jacrev's second half: one batched sweep per output leaf (a scalar
    output: one plain sweep, no batch dimension)."""
    single, raw, flat, tree, xs, outs, otree, has_aux, aux = run
    _check_complex("jacrev", flat, outs, holomorphic)
    closed = raw != KEEP and _closed_over(outs)
    if closed:
        raw = KEEP
    create = closed or _depth() > 0 or any(_traced(p) for p in flat)
    from . import ops
    per_out = []
    for o in outs:
        o = o if isinstance(o, Tensor) else _wrap(_as_float_array(o))
        m = o.size
        scalar = o.ndim == 0
        if o.requires_grad and m:
            seed = np.ones((), dtype=o.dtype) if scalar else _eye(m, o.dtype).reshape((m,) + o.shape)
            gs = backward_sweep([o], [_wrap(seed) if create else seed], inputs=xs,
                                retain_graph=True, create_graph=create)
        else:
            gs = [None] * len(xs)
        jacs = []
        for x, gx in zip(xs, gs):
            if gx is None:
                gx = np.zeros(x.shape if scalar else (m,) + x.shape, dtype=x.dtype)
            elif not scalar and not _data_of(gx).flags.writeable:
                # the seed, or a view of it or of a factor matmul did not multiply by it
                gx = gx.copy() if type(gx) is np.ndarray else ops.multiply(gx, 1)
            jacs.append(_out(gx if scalar else ops.reshape(gx, o.shape + x.shape), raw))
        per_out.append(tree.unflatten(jacs))
    out = otree.unflatten([p[0] if single else p for p in per_out])
    return (out, _aux_out(aux, raw)) if has_aux else out


_EYES = {}     # (n, dtype) -> a read-only identity: jacrev's seeds, made once (n >= 64)


def _eye(n, dtype):
    """The identity of size n (read-only, shared: a sweep never writes into its
    seed; results that are views of it are copied before they leave)."""
    key = (n, np.dtype(dtype))
    e = _EYES.get(key)
    if e is None:
        from .ops.linalg import KNOWN_EYES
        e = np.eye(n, dtype=dtype)
        e.flags.writeable = False
        if 64 <= n <= 2048:    # (matmul skips the GEMM with these: large ones only)
            if len(_EYES) >= 8:
                _EYES.clear()
                KNOWN_EYES.clear()
            _EYES[key] = e
            KNOWN_EYES[e.__array_interface__["data"][0]] = e
    return e


def _data_of(x):
    return x._data if isinstance(x, Tensor) else x


def _aux_out(aux, raw):
    """Auxiliary results: Tensor leaves become ndarrays when the call was raw."""
    if raw != RAW:
        return aux
    leaves, tree = tree_flatten(aux)
    return tree.unflatten([np.asarray(l.data) if isinstance(l, Tensor) else l for l in leaves])


def jacfwd(f, argnums=0, has_aux=False, holomorphic=False):
    """Jacobian by forward mode: one batched sweep per input leaf (no loop
    over basis vectors).  Shape: output shape + input shape.

    ``jacfwd(f, argnums=0, has_aux=False, holomorphic=False)`` returns a function
    that returns the Jacobian, as ``jax.jacfwd``: ``argnums`` an int or a tuple; outputs
    and arguments may be pytrees (the result nests output structure outside input
    structure).  ``holomorphic=True`` for complex functions of complex inputs.

    Example::

        >>> J = ya.jacfwd(lambda v: ya.tanh(v) * v.sum())(np.ones(3))
        >>> J.shape
        (3, 3)
    """
    @functools.wraps(f)
    def jf(*args, **kwargs):
        single, nums = _select_args(args, argnums)
        g = _restrict(f, args, kwargs, nums)
        raw = _mode(tree_flatten(args)[0])
        prim = tuple(args[a] for a in nums)
        flat, tree = tree_flatten(prim)
        from . import ops
        per_in = []
        aux = None
        otree = None
        for k, p in enumerate(flat):
            pd = p.data if isinstance(p, Tensor) else _as_float_array(p)
            n = pd.size
            # the other inputs' tangents are symbolic zeros: no tangent, no work
            seed = _eye(n, pd.dtype)
            tans = [seed.reshape((n,) + pd.shape) if j == k else None for j in range(len(flat))]
            start = next(_seq)
            level, res, held, recorded = _run_fwd(g, flat, tree, tans, start)
            if has_aux:
                res, aux = res
            outs, otree = _flatten_result("jacfwd", res)
            if k == 0:
                _check_complex("jacfwd", flat, outs, holomorphic)
            jl = []
            kept = False
            for o in outs:
                od = o.data if isinstance(o, Tensor) else _as_float_array(o)
                t = o._tan.get(level) if isinstance(o, Tensor) and o._tan else None
                if t is None:
                    J = np.zeros(od.shape + pd.shape, dtype=od.dtype)
                else:
                    J = ops.reshape(ops.moveaxis(t, 0, -1), od.shape + pd.shape)
                    if not _data_of(J).flags.writeable:   # (the seed or a view of it)
                        J = J.copy() if type(J) is np.ndarray else ops.multiply(J, 1)
                jm = KEEP if raw != KEEP and _closed_over([J]) else raw
                kept = kept or jm == KEEP
                jl.append(_out(J, jm))
            if kept or has_aux or recorded:
                _release_level(outs + held + (tree_flatten(aux)[0] if has_aux else []), level, start)
            per_in.append(jl)
        # regroup: output leaves outermost, then the input structure
        per_out = []
        n_out = len(per_in[0]) if per_in else 0
        for oi in range(n_out):
            per_out.append(tree.unflatten([per_in[k][oi] for k in range(len(flat))]))
        out = otree.unflatten([p[0] if single else p for p in per_out])
        return (out, _aux_out(aux, raw)) if has_aux else out
    return jf


def jacobian(f, argnums=0, has_aux=False, holomorphic=False):
    """Jacobian, by forward mode when the output has more elements than the
    input and by reverse mode otherwise.  ``f`` runs once, recording its graph
    for reverse mode; only when its output turns out larger than its input is
    it run again, with forward-mode tangents.

    ``jacobian(f, argnums=0, has_aux=False, holomorphic=False)`` returns a function
    that returns the Jacobian, as ``jax.jacrev``: ``argnums`` an int or a tuple; outputs
    and arguments may be pytrees (the result nests output structure outside input
    structure).  ``holomorphic=True`` for complex functions of complex inputs.

    Example::

        >>> J = ya.jacobian(lambda v: ya.tanh(v) * v.sum())(np.ones(3))
        >>> J.shape
        (3, 3)
    """
    @functools.wraps(f)
    def jf(*args, **kwargs):
        single, nums = _select_args(args, argnums)
        n_in = sum(np.size(p.data if isinstance(p, Tensor) else p)
                   for a in nums for p in tree_flatten(args[a])[0])
        run = _jacrev_run(f, args, kwargs, argnums, has_aux)
        n_out = sum(np.size(o.data if isinstance(o, Tensor) else o) for o in run[5])
        if n_out > n_in:
            del run
            return jacfwd(f, argnums, has_aux, holomorphic)(*args, **kwargs)
        return _jacrev_finish(run, holomorphic)
    return jf


def _real_inputs(args, argnums):
    try:
        _, nums = _select_args(args, argnums)
    except (TypeError, ValueError):
        return False        # (the transform itself reports it)
    for a in nums:
        for p in tree_flatten(args[a])[0]:
            d = p.data if isinstance(p, Tensor) else p
            if np.iscomplexobj(d):
                return False
    return True


def hessian(f, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of a scalar-output ``f``.

    Real inputs: reverse-over-reverse, ``jacrev(jacrev(f))``: yaae's reverse
    sweeps run their rules on plain arrays, which makes it the cheaper of the
    two orders here (JAX's forward-over-reverse builds the same matrix, the
    Jacobian of the gradient, from the other side; for a twice-differentiable
    ``f`` the two agree).  Complex inputs: forward-over-reverse,
    ``jacfwd(jacrev(f))``, as JAX.

    ``hessian(f, argnums=0, has_aux=False, holomorphic=False)`` as
    ``jax.hessian``: shape input shape + input shape.

    Example::

        >>> ya.hessian(lambda v: ya.sum(v ** 3))(np.array([1.0, 2.0]))   # diag(6 v)
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    rr = jacrev(jacrev(f, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
    fr = jacfwd(jacrev(f, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)

    @functools.wraps(f)
    def h(*args, **kwargs):
        return (rr if _real_inputs(args, argnums) else fr)(*args, **kwargs)
    return h


def hvp(f, primals, tangents):
    """``(f(*primals), H·tangents)``: a Hessian-vector product, without
    forming the Hessian.

    Real primals and tangents: reverse-over-reverse, the VJP of the gradient
    with the tangents as cotangent, ``vjp(grad(f))`` (H is symmetric for a
    twice-differentiable ``f``): in yaae two reverse sweeps on plain arrays
    cost less than one forward-mode pass through the gradient's rules, on
    small ops and large ones alike (``bench/bench_hessian.py``).  Complex
    ones: forward-over-reverse, ``jvp(grad(f))``, as JAX (the gradient of a
    real function of complex numbers is not holomorphic, so its VJP is not
    its JVP).

    ``hvp(f, primals, tangents)`` (tuples, as ``jvp``), as the JAX idiom
    ``jvp(grad(f), primals, tangents)``; PyTorch's ``torch.autograd.functional.hvp``
    takes the same arguments.

    Example::

        >>> ya.hvp(lambda v: ya.sum(v ** 3), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
        (array(9.), array([6., 0.]))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    flat_p, tree = tree_flatten(primals)
    flat_t, ttree = tree_flatten(tangents)
    real = len(flat_p) == len(flat_t) and tree == ttree and not any(
        np.iscomplexobj(x.data if isinstance(x, Tensor) else x) for x in flat_p + flat_t)
    if real:
        _check_tangent_shapes("hvp", flat_p, flat_t)
        raw = _mode(flat_p)
        vg = value_and_grad(f, nums)

        def grad_and_value(*xs):
            value, g = vg(*xs)
            return g, value
        _, vjp_fn, value = vjp(grad_and_value, *primals, has_aux=True)
        hv = vjp_fn(tangents)
        if raw == DETACH and isinstance(value, Tensor) and not _closed_over([value]):
            value = _wrap(value._data)
    else:
        def vg(*xs):
            return value_and_grad(f, nums)(*xs)
        (value, _), (_, hv) = jvp(vg, primals, tangents)
    if len(primals) == 1:
        hv = hv[0]
    return value, hv
