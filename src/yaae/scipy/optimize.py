"""``scipy.optimize.minimize`` driven by yaae's exact derivatives.

``minimize`` has SciPy's signature and returns SciPy's ``OptimizeResult``.
``fun`` is written with yaae ops; yaae supplies the gradient (value and
gradient from one reverse sweep, cached so ``fun`` is not evaluated twice)
and, for the methods that use second derivatives, the Hessian-vector product
(``ya.hvp``) or the Hessian (``ya.hessian``).  ``x0`` may be any pytree of
arrays (``ya.tree_util`` rules): SciPy sees one flat float64 vector
(``ya.tree_util.ravel_pytree`` order) and ``fun``, the callback and the
result's ``x`` see the original structure.
"""
import inspect

import numpy as np

from .. import transforms
from ..tensor import Tensor as _Tensor
from ..tree_util import (ravel_pytree as _ravel_pytree, tree_flatten as _tree_flatten,
                         tree_unflatten as _tree_unflatten)

__all__ = ["minimize"]

# methods of scipy.optimize.minimize that use the gradient / Hessian-vector
# products / only the full Hessian (the others warn when given them)
_USES_JAC = {"cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "slsqp", "dogleg", "trust-ncg",
             "trust-krylov", "trust-exact", "trust-constr"}
_USES_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_USES_HESS = {"dogleg", "trust-exact"}


def _data(x):
    return x.data if isinstance(x, _Tensor) else x


def _flat(x):
    """A structured derivative (a pytree of arrays/Tensors) as SciPy's float64 vector."""
    return np.asarray(_data(_ravel_pytree(x)[0]), dtype=np.float64)


def _numbers_only(x0):
    """Whether ``x0`` is a (nested) list or tuple of plain numbers, as SciPy's
    ``minimize(f, [1.0, 2.0])``: that is one array, as SciPy reads it."""
    if not isinstance(x0, (list, tuple)) or not x0:
        return False
    leaves = _tree_flatten(x0)[0]
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
               for v in leaves):
        return False
    try:
        return np.asarray(x0, dtype=np.float64).size == len(leaves)
    except ValueError:          # ragged
        return False


class _Flattened:
    """``x0`` as SciPy's flat float64 vector ``x0``, and ``tree(v)``: a flat
    vector back in ``x0``'s structure (per-leaf shapes and dtypes; integer and
    bool leaves become float64, as SciPy makes an integer ``x0`` float)."""

    def __init__(self, x0):
        if _numbers_only(x0):       # SciPy's x0=[0, 0]: an array, not a list of leaves
            x0 = np.asarray(x0, dtype=np.float64)
        leaves, treedef = _tree_flatten(x0)
        arrays = [np.asarray(_data(x)) for x in leaves]
        for i, a in enumerate(arrays):
            if a.dtype.kind == "c":
                raise TypeError(
                    f"minimize: x0 leaf {i} is complex ({a.dtype}, shape {a.shape}); "
                    f"scipy.optimize.minimize works over real vectors: pass the real and "
                    f"imaginary parts as separate real leaves")
            if a.dtype.kind not in "f":
                arrays[i] = a.astype(np.float64)
        self.tensor_leaves = [isinstance(x, _Tensor) for x in leaves]
        flat, self.unravel = _ravel_pytree(_tree_unflatten(treedef, arrays))
        self.x0 = np.asarray(flat, dtype=np.float64)
        self.treedef = treedef

    def tree(self, v):
        """The pytree of the flat ndarray ``v`` (Tensor leaves where x0 had Tensors)."""
        out = self.unravel(np.asarray(v))
        if any(self.tensor_leaves):
            leaves = _tree_flatten(out)[0]
            out = _tree_unflatten(self.treedef, [_Tensor(x) if t else x
                                                for x, t in zip(leaves, self.tensor_leaves)])
        return out

    def function(self, fun):
        """``fun(tree, *args)`` as a function of the flat vector (differentiable)."""
        return lambda v, *args: fun(self.unravel(v), *args)


def _value_and_jac(f):
    """``(float value, float64 gradient)`` of flat ``f``: one reverse sweep."""
    vg = transforms.value_and_grad(f)

    def fun_and_jac(v, *args):
        value, g = vg(v, *args)
        return _float(value), np.asarray(_data(g), np.float64)
    return fun_and_jac


def _float(value):
    return float(np.asarray(_data(value)).reshape(()))


def _user_value_and_jac(f):
    """SciPy's ``fun`` for ``jac=True``: flat ``f`` returns ``(value, gradient tree)``."""
    def fun_and_jac(v, *args):
        value, g = f(v, *args)
        return _float(value), _flat(g)
    return fun_and_jac


def _user_jac(flat, jac):
    """A user ``jac(x, *args)`` on the structured ``x`` as SciPy's flat one."""
    return lambda v, *args: _flat(jac(flat.tree(v), *args))


def _scalar(f):
    return lambda v, *args: _float(f(v, *args))


def _hessp(f):
    """yaae's Hessian-vector products ``H(v) p`` of flat ``f``: the VJP of its
    gradient (``ya.hvp``'s reverse-over-reverse; H is symmetric).  The
    gradient's graph at the last point is kept, so every further product at
    that point (Newton-CG and the trust-region methods take many) is one
    reverse sweep, without evaluating ``f`` again."""
    grad = transforms.grad(f)
    last = {}

    def hessp(v, p, *args):
        key = v.tobytes()
        if last.get("key") != key:
            last["key"] = key
            last["vjp"] = transforms.vjp(lambda u: grad(u, *args), np.array(v))[1]
        return np.asarray(_data(last["vjp"](np.asarray(p, np.float64))[0]), np.float64)
    return hessp


def _hess(f):
    h = transforms.hessian(f)
    return lambda v, *args: np.asarray(_data(h(v, *args)), np.float64)


def _user_hessp(flat, hessp):
    return lambda v, p, *args: _flat(hessp(flat.tree(v), flat.tree(p), *args))


def _user_hess(flat, hess):
    """A callable ``hess`` on the structured ``x``: an array result is
    reshaped to SciPy's ``(n, n)``; anything else (a ``LinearOperator``, a
    sparse matrix) is passed on as it is."""
    n = flat.x0.size

    def h(v, *args):
        out = hess(flat.tree(v), *args)
        if isinstance(out, (_Tensor, np.ndarray)):
            return np.asarray(_data(out), np.float64).reshape(n, n)
        return out
    return h


def _constraint(flat, con):
    """A constraint whose ``fun`` (and callable ``jac``) take the structured
    ``x``; a dict constraint without ``jac`` gets yaae's exact Jacobian
    (``ya.jacrev``).  ``LinearConstraint`` and other objects act on the flat
    vector and pass through."""
    from scipy.optimize import NonlinearConstraint
    if isinstance(con, dict):
        con = dict(con)
        g = flat.function(con["fun"])
        con["fun"] = lambda v, *args: np.asarray(_data(g(v, *args)), np.float64)
        if callable(con.get("jac")):
            jac = con["jac"]
            con["jac"] = lambda v, *args: np.asarray(_data(jac(flat.tree(v), *args)), np.float64)
        else:
            jr = transforms.jacrev(g)
            con["jac"] = lambda v, *args: np.asarray(_data(jr(v, *args)), np.float64)
        return con
    if isinstance(con, NonlinearConstraint):
        g = flat.function(con.fun)
        jac = con.jac
        if callable(jac):
            jac = (lambda j: lambda v: np.asarray(_data(j(flat.tree(v))), np.float64))(jac)
        return NonlinearConstraint(lambda v: np.asarray(_data(g(v)), np.float64), con.lb, con.ub,
                                   jac=jac, hess=con.hess, keep_feasible=con.keep_feasible,
                                   finite_diff_rel_step=con.finite_diff_rel_step,
                                   finite_diff_jac_sparsity=con.finite_diff_jac_sparsity)
    return con


def _callback(flat, callback):
    """The user's callback, given the structured ``x``: ``callback(xk)``
    (``callback(xk, state)`` for trust-constr) or, in SciPy's new style,
    ``callback(intermediate_result)`` with ``intermediate_result.x`` restored."""
    if callback is None:
        return None
    try:
        params = set(inspect.signature(callback).parameters)
    except (TypeError, ValueError):     # a builtin without a signature: SciPy's old style
        params = set()
    if params == {"intermediate_result"}:
        def new_style(intermediate_result):
            res = type(intermediate_result)(intermediate_result)
            res.x = flat.tree(intermediate_result.x)
            return callback(intermediate_result=res)
        return new_style
    return lambda xk, *rest: callback(flat.tree(xk), *rest)


def minimize(fun, x0, args=(), method=None, jac=None, hess=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, options=None):
    """Minimize the scalar ``fun(x, *args)`` with ``scipy.optimize.minimize``,
    using yaae's exact derivatives.

    Arguments are SciPy's, with these differences:

    * ``fun`` is written with yaae ops (``ya.*``) and receives ``x`` in the
      structure of ``x0``: any pytree of arrays, numbers or Tensors (a dict of
      arrays, a list of weight matrices, ...).  SciPy works on one flat
      float64 vector, the leaves in ``ya.tree_util.ravel_pytree`` order;
      ``fun`` sees each leaf with its shape and dtype (integer leaves become
      float64, as SciPy makes an integer ``x0`` float; complex leaves raise
      TypeError).  A list or tuple of plain numbers (``x0=[0, 0]``) is one
      float64 array, as SciPy reads it (``fun`` receives an array).
    * ``jac=None`` (the default): the gradient is yaae's, computed with the
      value in one reverse sweep (``ya.value_and_grad``) and cached, so each
      point costs one evaluation: ``nfev`` and ``njev`` are what SciPy reports
      with an analytic ``jac``.  Methods that use no gradient (Nelder-Mead,
      Powell, COBYLA, COBYQA) get none.  A user ``jac`` is respected: a
      callable ``jac(x, *args)`` returning the gradient in ``x``'s structure,
      ``True`` (``fun`` returns ``(value, gradient)``), or SciPy's finite
      differences (``'2-point'``, ``'3-point'``, ``'cs'``).
    * ``hess=None, hessp=None``: methods that use second derivatives get
      yaae's: Hessian-vector products ``ya.hvp`` for Newton-CG, trust-ncg,
      trust-krylov and trust-constr, the full Hessian ``ya.hessian`` (an
      ``(n, n)`` matrix over the flat vector) for trust-exact and dogleg.  A
      user ``hessp(x, p, *args)`` takes and returns ``x``-structured trees; a
      user ``hess(x, *args)`` returns an array of ``n * n`` elements (or a
      ``LinearOperator``); SciPy's strings and ``HessianUpdateStrategy``
      objects pass through.
    * ``bounds`` and ``LinearConstraint`` refer to the flat vector (one pair
      per element, in ``ravel_pytree`` order) and pass through.  Dict
      constraints and ``NonlinearConstraint`` take the structured ``x``; a
      dict constraint without ``'jac'`` gets yaae's exact Jacobian.
    * ``callback`` receives ``x`` in ``x0``'s structure (``callback(xk)``,
      ``callback(xk, state)`` for trust-constr, or
      ``callback(intermediate_result)`` with ``intermediate_result.x``
      restored).

    Returns SciPy's ``OptimizeResult`` with ``x`` restored to ``x0``'s
    structure (ndarray leaves; Tensor leaves where ``x0`` had Tensors, not
    requiring grad); other fields (``jac``, ``hess_inv``, ...) are SciPy's,
    over the flat vector.  SciPy is imported when this is called.

    Example::

        >>> from yaae.scipy.optimize import minimize
        >>> def rosen(p):
        ...     return 100 * (p["y"] - p["x"] ** 2) ** 2 + (1 - p["x"]) ** 2
        >>> res = minimize(rosen, {"x": -1.2, "y": 1.0}, method="trust-ncg")
        >>> bool(res.success), round(float(res.x["x"]), 4), round(float(res.x["y"]), 4)
        (True, 1.0, 1.0)
    """
    try:
        import scipy.optimize
    except ImportError as e:
        raise ImportError("ya.scipy.optimize.minimize needs SciPy: pip install yaae[scipy]") from e
    flat = _Flattened(x0)
    args = args if isinstance(args, tuple) else (args,)
    f = flat.function(fun)
    meth = method.lower() if isinstance(method, str) else method
    auto = meth is None or meth in _USES_JAC or callable(meth)
    if jac is None and auto:
        scipy_fun, jac = _value_and_jac(f), True
    elif jac is True:
        scipy_fun = _user_value_and_jac(f)
    elif callable(jac):
        scipy_fun, jac = _scalar(f), _user_jac(flat, jac)
    else:
        scipy_fun = _scalar(f)
    if hess is None and hessp is None:
        if meth in _USES_HESSP:
            hessp = _hessp(f)
        elif meth in _USES_HESS:
            hess = _hess(f)
    else:
        hess = _user_hess(flat, hess) if callable(hess) else hess
        hessp = _user_hessp(flat, hessp) if callable(hessp) else hessp
    if isinstance(constraints, (dict, scipy.optimize.NonlinearConstraint,
                                scipy.optimize.LinearConstraint)):
        constraints = [constraints]
    constraints = [_constraint(flat, c) for c in constraints]
    res = scipy.optimize.minimize(scipy_fun, flat.x0, args=args, method=method, jac=jac,
                                  hess=hess, hessp=hessp, bounds=bounds,
                                  constraints=constraints, tol=tol,
                                  callback=_callback(flat, callback), options=options)
    res.x = flat.tree(res.x)
    return res
