"""ya.scipy.optimize.minimize against scipy.optimize.minimize with analytic derivatives.

The oracle is SciPy itself run with hand-written derivatives (``rosen_der``,
``rosen_hess``, ``rosen_hess_prod``, or NumPy formulas): with yaae's exact
derivatives the optimizer must take the same steps (the same iterates, to
rounding), report the same evaluation counts, and reach the same result.
The logistic-regression fits are checked against scikit-learn.
"""
import copy
import warnings

import numpy as np
import pytest
import scipy.optimize as so

import yaae as ya
from yaae.scipy.optimize import minimize

X0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])


def rosen(x):
    return ya.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def run(minimizer, f, x0, **kw):
    """``minimizer(f, x0, callback=..., **kw)`` and the iterates the callback saw."""
    seen = []
    res = minimizer(f, x0, callback=lambda xk, *rest: seen.append(copy.deepcopy(xk)), **kw)
    return res, seen


def assert_same_run(res, seen, ref, ref_seen, rtol=1e-9):
    assert len(seen) == len(ref_seen)
    for a, b in zip(seen, ref_seen):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(res.x, ref.x, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(res.fun, ref.fun, rtol=1e-9, atol=1e-14)   # fun -> 0 at the minimum
    for key in ("nit", "nfev", "njev", "nhev", "success", "status"):
        assert res.get(key) == ref.get(key), key


# method -> the analytic derivatives SciPy gets in the oracle run
ROSEN_METHODS = {
    "BFGS": {},
    "CG": {},
    "L-BFGS-B": {"bounds": [(-2.0, 2.0), (0.0, 0.9), (-2.0, 2.0), (-2.0, 2.0), (1.5, 3.0)]},
    "SLSQP": {},
    "Newton-CG": {"hessp": so.rosen_hess_prod},
    "trust-ncg": {"hessp": so.rosen_hess_prod},
    "trust-krylov": {"hessp": so.rosen_hess_prod},
    "trust-constr": {"hessp": so.rosen_hess_prod},
    "trust-exact": {"hess": so.rosen_hess},
}


@pytest.mark.parametrize("method", list(ROSEN_METHODS))
def test_rosenbrock_same_iterates_as_analytic(method):
    kw = ROSEN_METHODS[method]
    ref, ref_seen = run(so.minimize, so.rosen, X0, method=method, jac=so.rosen_der, **kw)
    bounds = {"bounds": kw["bounds"]} if "bounds" in kw else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no "does not use ..." warnings from SciPy
        res, seen = run(minimize, rosen, X0, method=method, **bounds)
    assert_same_run(res, seen, ref, ref_seen)
    assert isinstance(res, so.OptimizeResult)
    if method != "L-BFGS-B":        # (Newton-CG's default xtol stops it ~2e-4 away)
        np.testing.assert_allclose(res.x, np.ones(5), atol=1e-3)


@pytest.mark.parametrize("method", ["Newton-CG", "trust-ncg", "trust-krylov"])
def test_hessp_methods_match_full_hessian_oracle(method):
    """yaae's Hessian-vector products give SciPy's result with the full ``rosen_hess``."""
    ref = so.minimize(so.rosen, X0, method=method, jac=so.rosen_der, hess=so.rosen_hess)
    res = minimize(rosen, X0, method=method)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-8)
    assert (res.nit, res.nfev, res.njev) == (ref.nit, ref.nfev, ref.njev)


def test_default_method_and_tol():
    ref = so.minimize(so.rosen, X0, jac=so.rosen_der, tol=1e-10)
    res = minimize(rosen, X0, tol=1e-10)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)
    assert (res.nit, res.nfev) == (ref.nit, ref.nfev)


def counting(f):
    def g(*a):
        g.calls += 1
        return f(*a)
    g.calls = 0
    return g


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "CG", "SLSQP"])
def test_fun_evaluated_once_per_point(method):
    """Value and gradient come from one sweep: ``fun`` runs nfev times, as many as
    SciPy's evaluations with an analytic jac."""
    ref = so.minimize(so.rosen, X0, method=method, jac=so.rosen_der)
    f = counting(rosen)
    res = minimize(f, X0, method=method)
    assert f.calls == res.nfev == ref.nfev
    assert res.njev == ref.njev


@pytest.mark.parametrize("method", ["Newton-CG", "trust-ncg", "trust-krylov"])
def test_hessp_reuses_gradient_graph(method):
    """Hessian-vector products at one point share one trace of ``fun`` (its
    gradient's graph): at most one extra evaluation per iterate, not per product."""
    f = counting(rosen)
    res = minimize(f, X0, method=method)
    assert f.calls - res.nfev <= res.nit + 1 < res.nhev


def test_gradient_free_methods_get_no_jac():
    for method in ["Nelder-Mead", "Powell"]:
        ref = so.minimize(so.rosen, X0, method=method, options={"maxiter": 200})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = minimize(rosen, X0, method=method, options={"maxiter": 200})
        np.testing.assert_array_equal(res.x, ref.x)
        assert res.nfev == ref.nfev


# --------------------------------------------------------------------------
# pytrees, args, callbacks
# --------------------------------------------------------------------------
def quad_tree(p, A, b):
    """0.5 v^T A v - b^T v + sum(v^4)/4 over the raveled tree v = (W, c, s)."""
    v = ya.concatenate([ya.reshape(p["W"], (-1,)), p["c"][0], ya.reshape(p["s"], (1,))])
    return 0.5 * (v @ (A @ v)) - b @ v + ya.sum(v ** 4) / 4


def quad_flat(v, A, b):
    return 0.5 * v @ A @ v - b @ v + np.sum(v ** 4) / 4


def quad_flat_grad(v, A, b):
    return A @ v - b + v ** 3


def quad_flat_hess(v, A, b):
    return A + np.diag(3 * v ** 2)


def problem(seed=0):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((9, 9))
    A, b = M @ M.T / 9 + np.eye(9), rng.standard_normal(9)
    p0 = {"W": rng.standard_normal((2, 3)), "c": [rng.standard_normal(2)], "s": 0.5}
    v0 = np.concatenate([p0["W"].ravel(), p0["c"][0], [p0["s"]]])
    return A, b, p0, v0


def as_flat(p):
    return np.concatenate([np.ravel(p["W"]), np.ravel(p["c"][0]), np.ravel(p["s"])])


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "trust-ncg", "trust-exact"])
def test_pytree_round_trip_and_args(method):
    A, b, p0, v0 = problem()
    kw = ({"hess": quad_flat_hess} if method == "trust-exact" else
          {"hessp": lambda v, u, A, b: quad_flat_hess(v, A, b) @ u} if method == "trust-ncg" else {})
    ref, ref_seen = run(so.minimize, quad_flat, v0, args=(A, b), method=method,
                        jac=quad_flat_grad, **kw)
    res, seen = run(minimize, quad_tree, p0, args=(A, b), method=method)
    assert ya.tree_util.tree_structure(res.x) == ya.tree_util.tree_structure(p0)
    assert res.x["W"].shape == (2, 3) and res.x["c"][0].shape == (2,)
    assert np.shape(res.x["s"]) == () and res.x["W"].dtype == np.float64
    assert all(isinstance(s, dict) for s in seen)
    flat_res = so.OptimizeResult(res, x=as_flat(res.x))
    assert_same_run(flat_res, [as_flat(s) for s in seen], ref, ref_seen, rtol=1e-8)


def test_leaf_dtypes_and_tensor_leaves():
    """float32 leaves stay float32 (fun sees them so), integer leaves become
    float64 (as SciPy makes an integer x0 float), Tensor leaves come back as Tensors."""
    seen_dtypes = []

    def f(p):
        seen_dtypes.append((p["a"].dtype, p["i"].dtype))
        return ya.sum((p["a"] - 1) ** 2) + ya.sum((p["i"] - 2.5) ** 2) + ya.sum((p["t"] + 1) ** 2)
    x0 = {"a": np.zeros(3, np.float32), "i": np.array([1, 2]), "t": ya.Tensor(np.zeros(2))}
    res = minimize(f, x0, method="BFGS")
    assert seen_dtypes[0] == (np.float32, np.float64)
    assert res.x["a"].dtype == np.float32 and res.x["i"].dtype == np.float64
    assert isinstance(res.x["t"], ya.Tensor) and not res.x["t"].requires_grad
    np.testing.assert_allclose(res.x["a"], 1, atol=1e-5)
    np.testing.assert_allclose(res.x["i"], 2.5, atol=1e-6)
    np.testing.assert_allclose(res.x["t"].data, -1, atol=1e-6)


def test_single_arg_not_in_tuple():
    ref = so.minimize(lambda x, c: np.sum((x - c) ** 2), np.zeros(2), args=3.0,
                      jac=lambda x, c: 2 * (x - c))
    res = minimize(lambda x, c: ya.sum((x - c) ** 2), np.zeros(2), args=3.0)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-12)


def test_new_style_callback_gets_restored_x():
    A, b, p0, v0 = problem()
    got, ref_got = [], []

    def cb(intermediate_result):
        got.append((as_flat(intermediate_result.x), intermediate_result.fun))

    def ref_cb(intermediate_result):
        ref_got.append((np.copy(intermediate_result.x), intermediate_result.fun))
    minimize(quad_tree, p0, args=(A, b), method="L-BFGS-B", callback=cb)
    so.minimize(quad_flat, v0, args=(A, b), method="L-BFGS-B", jac=quad_flat_grad, callback=ref_cb)
    assert len(got) == len(ref_got) > 2
    for (x, f), (rx, rf) in zip(got, ref_got):
        np.testing.assert_allclose(x, rx, rtol=1e-10)
        np.testing.assert_allclose(f, rf, rtol=1e-10)


def test_callback_stop_iteration():
    def stop_after_3():
        def cb(intermediate_result):
            cb.calls += 1
            if cb.calls >= 3:
                raise StopIteration
        cb.calls = 0
        return cb
    res = minimize(rosen, X0, method="BFGS", callback=stop_after_3())
    ref = so.minimize(so.rosen, X0, method="BFGS", jac=so.rosen_der, callback=stop_after_3())
    assert res.nit == ref.nit == 3 and res.status == ref.status
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)


def test_trust_constr_old_style_callback_gets_state():
    states = []
    minimize(rosen, X0, method="trust-constr",
             callback=lambda xk, state: states.append((xk.shape, state.nit)))
    assert states and states[0] == ((5,), 1)


# --------------------------------------------------------------------------
# user-given derivatives are respected
# --------------------------------------------------------------------------
def test_user_jac_callable_on_tree():
    A, b, p0, v0 = problem()
    unravel = ya.tree_util.ravel_pytree(p0)[1]
    jac = counting(lambda p, A, b: unravel(quad_flat_grad(ya.tree_util.ravel_pytree(p)[0], A, b)))
    ref = so.minimize(quad_flat, v0, args=(A, b), method="BFGS", jac=quad_flat_grad)
    res = minimize(quad_tree, p0, args=(A, b), method="BFGS", jac=jac)
    assert jac.calls == res.njev == ref.njev
    np.testing.assert_allclose(res.x["W"].ravel(), ref.x[:6], rtol=1e-10)


def test_user_jac_true():
    def f(x):
        return ya.sum(x ** 2), 2 * x
    ref = so.minimize(lambda x: (np.sum(x ** 2), 2 * x), X0, jac=True)
    res = minimize(f, X0, jac=True)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-12)
    assert res.nfev == ref.nfev


def test_user_finite_difference_jac():
    ref = so.minimize(so.rosen, X0, method="BFGS", jac="2-point")
    res = minimize(rosen, X0, method="BFGS", jac="2-point")
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)
    assert res.nfev == ref.nfev


def test_user_hess_and_hessp():
    h = counting(lambda x: ya.Tensor(so.rosen_hess(np.asarray(x))))
    ref = so.minimize(so.rosen, X0, method="trust-exact", jac=so.rosen_der, hess=so.rosen_hess)
    res = minimize(rosen, X0, method="trust-exact", hess=h)
    assert h.calls == res.nhev == ref.nhev
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)
    hp, ref_hp = counting(lambda x, p: so.rosen_hess_prod(x, p)), counting(so.rosen_hess_prod)
    res = minimize(rosen, X0, method="trust-ncg", hessp=hp)
    ref = so.minimize(so.rosen, X0, method="trust-ncg", jac=so.rosen_der, hessp=ref_hp)
    assert hp.calls == ref_hp.calls > 0 and res.nhev == ref.nhev
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)


# --------------------------------------------------------------------------
# constraints and bounds
# --------------------------------------------------------------------------
def test_dict_constraint_on_tree_gets_exact_jacobian():
    """SLSQP with an equality constraint written on the tree: yaae's Jacobian
    gives SciPy's run with the analytic one."""
    A, b, p0, v0 = problem()
    con = {"type": "eq", "fun": lambda p: ya.stack([ya.sum(p["W"]) - 1, p["s"] ** 2 - 0.25])}
    ref_con = {"type": "eq", "fun": lambda v: np.array([np.sum(v[:6]) - 1, v[8] ** 2 - 0.25]),
               "jac": lambda v: np.array([[1.0] * 6 + [0, 0, 0], [0.0] * 8 + [2 * v[8]]])}
    ref = so.minimize(quad_flat, v0, args=(A, b), method="SLSQP", jac=quad_flat_grad,
                      constraints=ref_con)
    res = minimize(quad_tree, p0, args=(A, b), method="SLSQP", constraints=[con])
    np.testing.assert_allclose(as_flat(res.x), ref.x, rtol=1e-9, atol=1e-12)
    assert (res.nit, res.nfev, res.njev) == (ref.nit, ref.nfev, ref.njev)
    np.testing.assert_allclose(np.sum(res.x["W"]), 1, atol=1e-9)


def test_nonlinear_constraint_trust_constr():
    con = so.NonlinearConstraint(lambda x: ya.sum(x ** 2), 0, 1.0)
    ref_con = so.NonlinearConstraint(lambda x: np.sum(x ** 2), 0, 1.0)
    ref = so.minimize(so.rosen, X0, method="trust-constr", jac=so.rosen_der,
                      hessp=so.rosen_hess_prod, constraints=ref_con)
    res = minimize(rosen, X0, method="trust-constr", constraints=con)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-7)


def test_default_method_with_bounds_is_lbfgsb():
    bounds = so.Bounds(np.full(5, -1.0), np.full(5, 0.8))
    ref = so.minimize(so.rosen, X0, jac=so.rosen_der, bounds=bounds)
    res = minimize(rosen, X0, bounds=bounds)
    assert res.nfev == ref.nfev
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-10)


# --------------------------------------------------------------------------
# a model fit: L2-regularised logistic regression, against scikit-learn
# --------------------------------------------------------------------------
def logistic_data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 3))
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.8 * rng.standard_normal(200) > 0).astype(float)
    return X, y


def nll(params, X, y, C):
    z = X @ params["w"] + params["b"]
    return ya.sum(ya.logaddexp(0.0, z) - y * z) + 0.5 / C * ya.sum(params["w"] ** 2)


@pytest.mark.parametrize("method", ["L-BFGS-B", "trust-ncg"])
def test_logistic_regression_fit_matches_sklearn(method):
    from sklearn.linear_model import LogisticRegression
    X, y = logistic_data()
    C = 0.7
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    res = minimize(nll, {"w": np.zeros(3), "b": 0.0}, args=(X, y, C), method=method,
                   options={"gtol": 1e-8} if method == "trust-ncg" else {"ftol": 1e-14, "gtol": 1e-10})
    assert res.success
    np.testing.assert_allclose(res.x["w"], sk.coef_[0], rtol=1e-5)
    np.testing.assert_allclose(res.x["b"], sk.intercept_[0], rtol=1e-5)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def test_complex_x0_raises():
    with pytest.raises(TypeError, match="complex"):
        minimize(lambda z: ya.sum(ya.abs(z) ** 2), np.array([1 + 1j]))


def test_non_scalar_fun_raises():
    with pytest.raises(TypeError, match="scalar"):
        minimize(lambda x: x ** 2, np.ones(2))


def test_without_scipy_says_how_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(ImportError, match=r"pip install yaae\[scipy\]"):
        minimize(rosen, X0)
