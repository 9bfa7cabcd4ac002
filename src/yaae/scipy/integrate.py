"""``ya.scipy.integrate``: SciPy's ODE solvers with adjoint gradients, and
differentiable quadrature of sampled data.

``odeint`` and ``solve_ivp`` run SciPy's solvers forward and are one yaae
primitive each.  Their VJP is the *adjoint method* (as HIPS autograd's
``odeint`` and torchdiffeq's ``odeint_adjoint``): one backward solve of the
augmented system ``[y, a, a·∂f/∂t, a·∂f/∂θ]`` from each output time to the
previous one, with the vector-Jacobian products of ``func`` taken by yaae's
reverse mode.  The solver's steps are never recorded, so memory does not grow
with their number.  The backward solve calls the same primitive on the
augmented dynamics, and everything differentiable enters it as an argument
(never through a closure), so differentiating the gradient recurses into
another adjoint solve: second-order reverse mode works.

Parameters that ``func`` closes over (a ``ya.nn.Module``'s) are
differentiated as in torchdiffeq's ``odeint_adjoint``: pass them as
``adjoint_params=`` (the default for a Module ``func`` is its parameters).
A Tensor that requires grad which ``func`` reaches otherwise (closed over,
or inside an object in ``args``) is refused with a TypeError, never given a
silent zero gradient; Tensors inside lists, tuples and dicts in ``args`` are
differentiated like top-level ones.

``trapezoid`` and ``simpson`` are declared in the op registry as composites
(``defcomposite(module="scipy.integrate")``), so the sample table
``tests/opinfo`` checks them.
"""
import numpy as np
import scipy.integrate as _si

from .. import ops
from ..autograd import grad as _autograd_grad
from ..ops.registry import defop as _defop, defcomposite as _defcomposite
from ..ops import stats as _stats
from ..ops.composite import array as _array
from ..transforms import jvp as _transform_jvp
from ..tree_util import tree_flatten as _tree_flatten, tree_unflatten as _tree_unflatten
from ..tensor import (Tensor as _Tensor, _data, _wrap, enable_grad as _enable_grad,
                      no_grad as _no_grad, tensor as _leaf_tensor)

__all__ = ["odeint", "solve_ivp", "OdeResult", "trapezoid", "simpson"]


# ---- the forward solve ----------------------------------------------------------------------
def _eval(func, y, t, args):
    """``func(y, t, *args)``, a list or tuple (as SciPy allows) made an array."""
    f = func(y, t, *args)
    return _array(f) if isinstance(f, (list, tuple)) else f


def _rhs(func, y, t, args):
    """``func(y, t, *args)`` as a float64 ndarray (no graph recorded)."""
    with _no_grad():
        return np.asarray(_data(_eval(func, y, t, args)), dtype=np.float64)


def _solve(func, y0, t, args, opts):
    """The solution at the times ``t`` (shape ``(len(t), len(y0))``), by SciPy."""
    y0 = np.asarray(y0, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if t.shape[0] < 2 or np.all(t == t[0]):
        return np.repeat(y0[None], t.shape[0], axis=0)
    method = opts["method"]
    if method == "odeint":
        kw = {k: v for k, v in opts.items() if k != "method"}
        out, info = _si.odeint(lambda y, s: _rhs(func, y, s, args), y0, t,
                               full_output=True, **kw)
        if info["message"] != "Integration successful.":
            raise RuntimeError(f"odeint: the solver failed ({info['message']}); loosen "
                               f"rtol/atol or raise mxstep")
        return out
    kw = {k: v for k, v in opts.items() if k != "method"}
    u, where = np.unique(t, return_inverse=True)     # SciPy refuses repeated times
    if t[-1] < t[0]:
        u, where = u[::-1], len(u) - 1 - where
    sol = _si.solve_ivp(lambda s, y: _rhs(func, y, s, args), (t[0], t[-1]), y0,
                        method=method, t_eval=u, **kw)
    if not sol.success:
        raise RuntimeError(f"solve_ivp: the solver failed ({sol.message}); loosen rtol/atol")
    return sol.y.T[where]


def _fwd(y0, t, *rest, func, nargs, params, opts):
    return _solve(func, y0, t, rest[:nargs], opts)


# ---- the adjoint ----------------------------------------------------------------------------
def _floating(a):
    return np.asarray(_data(a)).dtype.kind == "f"


def _leaf(v):
    """``(x, w)``: ``x`` stands for ``v`` in the computation, ``w`` is what to
    differentiate with respect to: ``v`` itself when it requires grad, else a
    new leaf (added to ``v`` when ``v`` is a Tensor, to keep its tangents)."""
    if isinstance(v, _Tensor) and v.requires_grad:
        return v, v
    if isinstance(v, _Tensor):
        w = _leaf_tensor(np.zeros(v.shape), requires_grad=True)
        return v + w, w
    w = _leaf_tensor(np.array(v, dtype=np.float64), requires_grad=True)
    return w, w


def _vjp_all(func, y, t, args, params, cot):
    """``(f, [cot·∂f/∂y, cot·∂f/∂t, cot·∂f/∂arg..., cot·∂f/∂param...])`` at
    ``(y, t, args)``, by yaae's reverse mode, each flattened (zeros where ``f``
    does not depend on an input; only floating ``args`` are differentiated).
    Differentiable (Tensors out) when any input is a Tensor, ndarrays otherwise."""
    traced = any(isinstance(v, _Tensor) for v in (y, t, cot, *args))
    diff = [i for i, a in enumerate(args) if _floating(a)]
    with _enable_grad():
        (y, wy), (t, wt) = _leaf(y), _leaf(t)
        full, wrt = list(args), [wy, wt]
        for i in diff:
            full[i], w = _leaf(args[i])
            wrt.append(w)
        f = _eval(func, y, t, full)
        f = f if isinstance(f, _Tensor) else _leaf_tensor(np.asarray(f, dtype=np.float64))
        wrt += list(params)
        live = [w for w in wrt if w.requires_grad]
        cot_t = cot if isinstance(cot, _Tensor) else _leaf_tensor(np.asarray(cot, dtype=np.float64))
        gs = [None] * len(live)
        if f.requires_grad:
            gs = _autograd_grad(f, live, grad_outputs=cot_t, create_graph=traced,
                                allow_unused=True)
        found = {id(w): gi for w, gi in zip(live, gs)}
    out = []
    for w in wrt:
        gi = found.get(id(w))
        if gi is None:
            gi = np.zeros(w.shape, dtype=np.float64)
        out.append(ops.reshape(gi if traced else _data(gi), (-1,)))
    return (f if traced else _data(f)), out


def _sizes(args, params):
    return ([int(np.size(_data(a))) for a in args if _floating(a)]
            + [int(np.size(_data(p))) for p in params])


def _augmented(func, nargs, params, D):
    """The backward dynamics of the state ``[y, a, a_t, a_args..., a_params...]``
    (HIPS autograd's ``augmented_dynamics``), in ``func``'s calling convention."""
    def aug(s, t, *args):
        y, a = s[:D], s[D:2 * D]
        f, gs = _vjp_all(func, y, t, args[:nargs], params, -a)
        return ops.concatenate([f] + gs)
    return aug


def _pieces(vec, sizes, like):
    """Split the flat ``vec`` into arrays shaped like ``like``."""
    out, k = [], 0
    for n, ref in zip(sizes, like):
        out.append(ops.reshape(vec[k:k + n], np.shape(_data(ref))))
        k += n
    return out


def _adjoint(g, ans, y0, t, rest, func, nargs, params, opts):
    """All the gradients (y0, t, args..., params...) for the cotangent ``g`` of ``ans``:
    one backward augmented solve per output interval."""
    args, pvals = rest[:nargs], rest[nargs:]
    T, D = np.shape(_data(ans))
    traced = any(isinstance(v, _Tensor) for v in (g, ans, t, *rest))
    sizes = _sizes(args, params)
    aug = _augmented(func, nargs, params, D)
    a = g[T - 1]
    a_t = np.zeros(1)
    a_th = np.zeros(sum(sizes))
    t_grads = []
    for i in range(T - 1, 0, -1):
        f_i = _eval(func, ans[i], t[i], args) if traced else _rhs(func, ans[i], t[i], args)
        gt_i = ops.reshape(ops.dot(f_i, g[i]), (1,))
        t_grads.append(gt_i)
        a_t = a_t - gt_i
        s0 = ops.concatenate([ans[i], a, a_t, a_th])
        span = ops.stack([t[i], t[i - 1]])
        s1 = _odeint_p(s0, span, *args, *pvals, func=aug, nargs=nargs, params=params,
                       opts=opts)[1]
        a = s1[D:2 * D] + g[i - 1]
        a_t, a_th = s1[2 * D:2 * D + 1], s1[2 * D + 1:]
    t_grads.append(a_t)
    dt = ops.reshape(ops.concatenate(t_grads[::-1]), np.shape(_data(t)))
    floats = [x for x in args if _floating(x)]
    pieces = iter(_pieces(a_th, sizes, floats + list(params)))
    dargs = [next(pieces) if _floating(x) else None for x in args]
    dparams = list(pieces)
    return [ops.reshape(a, np.shape(_data(y0))), dt] + dargs + dparams


class _Last:
    """The gradients of the last cotangent: the engine asks the rule once per
    argument, the adjoint solve gives all of them at once."""
    key, value = None, None


def _vjp(argnum, g, ans, y0, t, *rest, func, nargs, params, opts):
    c = _Last
    if c.key is None or c.key[0] is not g or c.key[1] is not ans:
        c.value = _adjoint(g, ans, y0, t, rest, func, nargs, params, opts)
        c.key = (g, ans)
    return c.value[argnum]


# ---- forward mode: the sensitivity equations ------------------------------------------------
def _tangent_dynamics(func, nargs, D):
    """The dynamics of ``[y, v]`` with ``v`` the tangent of ``y``:
    ``dv/dt = ∂f/∂y v + Σ ∂f/∂arg ȧrg``, the tangents ``ȧrg`` of the floating
    ``args`` following them as extra arguments (so this is differentiable too)."""
    def dyn(s, t, *a):
        args, targs = a[:nargs], a[nargs:]
        fl = [i for i, x in enumerate(args) if _floating(x)]

        def f(y, *fa):
            full = list(args)
            for i, x in zip(fl, fa):
                full[i] = x
            return _eval(func, y, t, full)
        out, tan = _transform_jvp(f, (s[:D], *[args[i] for i in fl]), (s[D:], *targs))
        return ops.concatenate([ops.reshape(out, (-1,)), ops.reshape(tan, (-1,))])
    return dyn


def _jvp(argnum, tan, ans, y0, t, *rest, func, nargs, params, opts):
    if argnum >= 2 + nargs:
        raise NotImplementedError(
            "ya.scipy.integrate: forward mode (jvp) with respect to adjoint_params (the "
            "Tensors func closes over) is not supported; pass them through args= instead, "
            "or use reverse mode")
    args, pvals = rest[:nargs], rest[nargs:]
    T, D = np.shape(_data(ans))
    fl = [i for i, x in enumerate(args) if _floating(x)]
    targs = [tan if argnum == 2 + i else np.zeros(np.shape(_data(args[i]))) for i in fl]
    if argnum == 0:
        v0 = ops.reshape(tan, (D,))
    elif argnum == 1:
        v0 = -_eval(func, y0, t[0], args) * tan[0]
    else:
        v0 = np.zeros(D)
    s = _odeint_p(ops.concatenate([y0, v0]), t, *args, *targs, *pvals,
                  func=_tangent_dynamics(func, nargs, D), nargs=nargs + len(fl),
                  params=params, opts=opts)
    v = s[:, D:]
    if argnum == 1:
        v = v + ops.stack([_eval(func, ans[i], t[i], args) for i in range(T)]) * tan[:, None]
    return v


_odeint_p = _defop("scipy.integrate.odeint", _fwd, vjp=_vjp, jvp=_jvp, argnum=True,
                  batchable=False, register=False)


# ---- the public functions -------------------------------------------------------------------
def _adjoint_params(func, adjoint_params):
    if adjoint_params is None:
        from ..nn import Module
        adjoint_params = func.parameters() if isinstance(func, Module) else ()
    params = tuple(adjoint_params)
    for p in params:
        if not isinstance(p, _Tensor):
            raise TypeError(f"adjoint_params must be a sequence of Tensors, got a "
                            f"{type(p).__name__}")
    return params


def _as_y0(y0, who):
    if np.asarray(_data(y0)).dtype.kind == "c":
        raise TypeError(f"{who}: a complex y0 is not supported (the adjoint is written for "
                        f"real states); integrate the real and imaginary parts as one real "
                        f"state of twice the size")
    if np.ndim(_data(y0)) > 1:
        raise ValueError(f"{who}: y0 must be a scalar or 1-D (got shape {np.shape(_data(y0))}); "
                         f"reshape the state to 1-D and back inside func")
    return y0 if np.ndim(_data(y0)) == 1 else ops.reshape(y0, (1,))


def _tensor(x):
    return x if isinstance(x, _Tensor) else _wrap(np.asarray(x))


def _flat_args(func, args):
    """``(func', leaves)``: ``args`` may hold pytrees (``({"k": k},)``, as SciPy
    passes any objects); their leaves become the primitive's arguments, so a
    Tensor inside a dict or a tuple is differentiated like a top-level one, and
    ``func'`` rebuilds the structure for ``func``."""
    leaves, treedef = _tree_flatten(tuple(args))
    if len(leaves) == len(args) and all(a is x for a, x in zip(args, leaves)):
        return func, tuple(args)

    def flat_func(y, t, *xs):
        return func(y, t, *_tree_unflatten(treedef, list(xs)))
    return flat_func, tuple(leaves)


def _closure_leaves(f):
    """The Tensors that require grad which the graph of ``f`` reaches at its leaves."""
    from ..tensor import GradNode
    found, stack, seen = [], [f], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, _Tensor):
            if x.requires_grad and x._node is None:
                found.append(x)
            elif x._node is not None:
                stack.append(x._node)
        elif type(x) is GradNode:
            stack.extend(p for p in x.parents if p is not None)
    return found


def _check_closure(func, y0, t, args, params, who):
    """Refuse a ``func`` whose value depends on a Tensor that requires grad (or
    is being differentiated by a transform) that it closes over and that is not
    in ``adjoint_params``: its gradient would silently be 0."""
    def detached(v):
        return v.detach() if isinstance(v, _Tensor) else v
    with _enable_grad():
        f = _eval(func, _leaf_tensor(np.array(_data(y0), dtype=np.float64)),
                  _leaf_tensor(np.asarray(_data(t), dtype=np.float64)[0]),
                  [detached(a) for a in args])
    if not isinstance(f, _Tensor):
        return
    own = {id(p) for p in params}
    stray = [x for x in _closure_leaves(f) if id(x) not in own]
    if getattr(f, "_tan", None) and not params:     # forward mode: a closed-over dual
        stray.append(f)
    if stray:
        x = stray[0]
        raise TypeError(
            f"ya.scipy.integrate.{who}: func's value depends on a Tensor that requires grad "
            f"or is being differentiated (shape {tuple(x.shape)}, dtype {x.dtype}) and is "
            f"neither in args (as an array or inside a list/tuple/dict) nor in "
            f"adjoint_params: one func closes over, or inside another object. Its gradient "
            f"would silently be 0: pass it through args=, list it in adjoint_params= (as "
            f"torchdiffeq's odeint_adjoint), or detach it")


def _call(func, y0, t, args, params, opts, who="odeint"):
    func, args = _flat_args(func, args)
    _check_closure(func, y0, t, args, params, who)
    for i, a in enumerate(args):
        if np.asarray(_data(a)).dtype.kind == "c":
            raise TypeError(f"ya.scipy.integrate: args leaf {i} is complex; its gradient is "
                            f"not supported (pass the real and imaginary parts as two args)")
    return _tensor(_odeint_p(y0, t, *args, *params, func=func, nargs=len(args), params=params,
                             opts=opts))


def odeint(func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None,
           rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0,
           mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, adjoint_params=None):
    """Integrate ``dy/dt = func(y, t, *args)`` (``func(t, y, *args)`` with
    ``tfirst=True``) from ``y0`` at ``t[0]``; returns the solution at the times
    ``t``, shape ``(len(t), len(y0))``, as ``scipy.integrate.odeint`` (LSODA),
    with SciPy's signature and defaults (``rtol``/``atol`` None: 1.49012e-8).

    Differentiable in ``y0``, ``t`` and ``args`` (and in ``adjoint_params``, the
    Tensors ``func`` closes over; by default a Module ``func``'s parameters) by
    the adjoint method: one backward solve, not differentiation of the steps.
    ``func`` must be written with yaae ops (it is differentiated by reverse
    mode).  The gradient is itself differentiable (second order), and forward
    mode solves the sensitivity equations.  Unlike SciPy: ``Dfun``,
    ``col_deriv``, ``ml`` and ``mu`` (hints about the Jacobian) are not used;
    ``full_output`` is refused; a failing solver raises RuntimeError.

    Example::

        >>> f = lambda y, t, k: -k * y
        >>> k = ya.tensor(0.5, requires_grad=True)
        >>> ys = ya.scipy.integrate.odeint(f, ya.tensor([1.0]), np.array([0.0, 1.0]), (k,))
        >>> ys[-1, 0].backward(); round(float(k.grad), 6)       # d/dk exp(-k) = -exp(-k)
        -0.606531
    """
    if full_output:
        raise ValueError("ya.scipy.integrate.odeint: full_output is not supported (the "
                         "solver's diagnostics are not differentiable); call "
                         "scipy.integrate.odeint on the data for them")
    params = _adjoint_params(func, adjoint_params)
    tol = 1.49012e-8
    opts = dict(method="odeint", rtol=tol if rtol is None else rtol,
                atol=tol if atol is None else atol, tcrit=tcrit, h0=h0, hmax=hmax, hmin=hmin,
                ixpr=ixpr, mxstep=mxstep, mxhnil=mxhnil, mxordn=mxordn, mxords=mxords,
                printmessg=printmessg)
    args = args if isinstance(args, tuple) else (args,)
    func = _swapped(func) if tfirst else func
    return _call(func, _as_y0(y0, "odeint"), t, args, params, opts)


class OdeResult(dict):
    """What ``solve_ivp`` returns: ``t`` (the output times), ``y`` (shape
    ``(n, len(t))``, a Tensor when anything differentiable went in), ``success``,
    ``status`` and ``message``; fields are readable as attributes, as SciPy's.

    Example::

        >>> r = ya.scipy.integrate.solve_ivp(lambda t, y: -y, (0, 1), [1.0])
        >>> r.success, r.y.shape[0]
        (True, 1)
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_IVP_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None,
              vectorized=False, args=None, *, rtol=1e-3, atol=1e-6, adjoint_params=None,
              **options):
    """Solve ``dy/dt = fun(t, y, *args)`` on ``t_span`` from ``y0``, as
    ``scipy.integrate.solve_ivp``, with adjoint gradients.

    Returns an ``OdeResult`` with ``.t``, ``.y`` (shape ``(n, len(t))``),
    ``.success``, ``.status`` and ``.message``.  ``.y`` is differentiable in
    ``y0``, ``args``, ``t_eval`` (or the end points of ``t_span``) and
    ``adjoint_params`` (the Tensors ``fun`` closes over; by default a Module's
    parameters), by one backward adjoint solve with the same ``method``,
    ``rtol`` and ``atol`` (so the gradient is as accurate as the tolerances).
    Without ``t_eval`` the output times are the solver's own steps (only the
    end points are then differentiable).  Not supported (ValueError):
    ``dense_output``, ``events`` and ``vectorized``.

    Example::

        >>> k = ya.tensor(0.5, requires_grad=True)
        >>> r = ya.scipy.integrate.solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0],
        ...                                  t_eval=[1.0], args=(k,), rtol=1e-10, atol=1e-12)
        >>> r.y[0, -1].backward(); round(float(k.grad), 6)
        -0.606531
    """
    if dense_output or events is not None or vectorized:
        raise ValueError("ya.scipy.integrate.solve_ivp: dense_output, events and vectorized "
                         "are not supported (the adjoint needs the solution at fixed times); "
                         "use t_eval")
    custom = isinstance(method, type) and issubclass(method, _si.OdeSolver)
    if not custom and method not in _IVP_METHODS:
        raise ValueError(f"solve_ivp: method must be one of {_IVP_METHODS} or an OdeSolver "
                         f"subclass (as SciPy's), got {method!r}")
    params = _adjoint_params(fun, adjoint_params)
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    opts = dict(method=method, rtol=rtol, atol=atol, **options)
    func = _swapped(fun)
    y0 = _as_y0(y0, "solve_ivp")
    if len(t_span) != 2:
        raise ValueError("solve_ivp: t_span must have 2 elements (t0, tf)")
    t0, tf = t_span
    if t_eval is None:
        # the solver's own steps, as SciPy: fixed (constant) times between the end points
        sol = _si.solve_ivp(lambda s, y: _rhs(func, y, s, args),
                            (float(_data(t0)), float(_data(tf))),
                            np.asarray(_data(y0), np.float64), method=method, rtol=rtol,
                            atol=atol, **options)
        inner = sol.t[1:-1]
        ts = ops.concatenate([ops.reshape(t0, (1,)), inner, ops.reshape(tf, (1,))])
        ys = _call(func, y0, ts, args, params, opts, "solve_ivp")
    else:
        ts = ops.concatenate([ops.reshape(t0, (1,)), ops.reshape(t_eval, (-1,))])
        ys = _call(func, y0, ts, args, params, opts, "solve_ivp")[1:]
        ts = t_eval if isinstance(t_eval, _Tensor) else np.asarray(t_eval, dtype=np.float64)
    return OdeResult(t=ts, y=ops.transpose(ys), sol=None, t_events=None, y_events=None,
                     success=True, status=0,
                     message="The solver successfully reached the end of the integration "
                             "interval.")


def _swapped(fun):
    """``fun(t, y, *args)`` in odeint's ``func(y, t, *args)`` convention."""
    def func(y, t, *args):
        return fun(t, y, *args)
    return func


# ---- quadrature of samples ------------------------------------------------------------------
@_defcomposite(module="scipy.integrate")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """``scipy.integrate.trapezoid``: the trapezoidal rule along ``axis``, with the
    sample points ``x`` (1-D, or shaped like ``y``) or the spacing ``dx``;
    differentiable in ``y``, ``x`` and ``dx`` (it is ``ya.trapezoid``).

    Example::

        >>> float(ya.scipy.integrate.trapezoid(ya.tensor([1.0, 2.0, 3.0]), dx=0.5))
        2.0
    """
    return _tensor(_stats.trapezoid(y, x=x, dx=dx, axis=axis))


def _div(a, b):
    """``a / b``, 0 where ``b == 0`` (SciPy's ``true_divide(..., where=b != 0)``)."""
    nz = np.asarray(_data(b)) != 0
    return ops.where(nz, a / ops.where(nz, b, 1.0), 0.0)


def _simpson_pairs(y, x, dx, stop):
    """Simpson's rule on the intervals ``[0, stop + 2)`` of the last axis, in pairs."""
    y0, y1, y2 = y[..., 0:stop:2], y[..., 1:stop + 1:2], y[..., 2:stop + 2:2]
    if x is None:
        return ops.sum(y0 + 4.0 * y1 + y2, axis=-1) * (dx / 3.0)
    h = x[..., 1:] - x[..., :-1]
    h0, h1 = h[..., 0:stop:2], h[..., 1:stop + 1:2]
    hsum, hprod = h0 + h1, h0 * h1
    h0h1 = _div(h0, h1)
    tmp = hsum / 6.0 * (y0 * (2.0 - _div(1.0, h0h1)) + y1 * (hsum * _div(hsum, hprod))
                        + y2 * (2.0 - h0h1))
    return ops.sum(tmp, axis=-1)


@_defcomposite(module="scipy.integrate")
def simpson(y, x=None, *, dx=1.0, axis=-1):
    """``scipy.integrate.simpson``, with SciPy's signature (``x`` positional or
    keyword): composite Simpson's rule along ``axis``, with the sample points
    ``x`` (1-D, or shaped like ``y``) or the spacing ``dx``.  An even number of
    samples uses Simpson on the first N - 1 and Cartwright's correction for the
    last interval (two samples: the trapezoid), as SciPy.  Differentiable in ``y``,
    ``x`` and ``dx``.

    Example::

        >>> x = ya.tensor([0.0, 1.0, 2.0])
        >>> float(ya.scipy.integrate.simpson(x ** 2, x=x))
        2.6666666666666665
    """
    y = ops.moveaxis(y if isinstance(y, _Tensor) else np.asarray(y, dtype=np.float64), axis, -1)
    n = y.shape[-1]
    if x is not None:
        x = x if isinstance(x, _Tensor) else np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            pass
        elif x.ndim != y.ndim:
            raise ValueError("If given, shape of x must be 1-D or the same as y.")
        else:
            x = ops.moveaxis(x, axis, -1)
        if x.shape[-1] != n:
            raise ValueError("If given, length of x along axis must be the same as y.")
    if n % 2:
        return _tensor(_simpson_pairs(y, x, dx, n - 2))
    if n == 2:
        last = dx if x is None else x[..., -1] - x[..., -2]
        return _tensor(0.5 * last * (y[..., -1] + y[..., -2]))
    res = _simpson_pairs(y, x, dx, n - 3)
    h0, h1 = (dx, dx) if x is None else (x[..., -2] - x[..., -3], x[..., -1] - x[..., -2])
    alpha = _div(2 * h1 ** 2 + 3 * h0 * h1, 6 * (h1 + h0))
    beta = _div(h1 ** 2 + 3.0 * h0 * h1, 6 * h0)
    eta = _div(h1 ** 3, 6 * h0 * (h0 + h1))
    return _tensor(res + alpha * y[..., -1] + beta * y[..., -2] - eta * y[..., -3])
