"""ya.scipy.integrate: adjoint ODE gradients and differentiable quadrature.

Oracles: closed forms (a linear ODE, y(t) = expm(A (t - t0)) y0), finite
differences of SciPy's own solutions at tight tolerances (Lotka-Volterra),
differentiation through a fixed-step RK4 written in yaae ops, and SciPy's
trapezoid/simpson values; ``ya.testing.gradcheck`` for first and second
order.  Memory is measured with tracemalloc as the number of solver steps
grows more than tenfold.
"""
import tracemalloc

import numpy as np
import pytest
import scipy.integrate as si
from scipy.linalg import expm

import yaae as ya
import yaae.scipy.integrate as yi

A = np.array([[-0.5, 1.0], [-1.0, -0.3]])
Y0 = np.array([1.0, 0.5])
TIMES = np.array([0.0, 0.4, 1.1, 2.0])
TIGHT = dict(rtol=1e-12, atol=1e-12)


def linear(y, t, a):
    return ya.matmul(a, y)


def lotka_volterra(y, t, p):
    x, z = y[0], y[1]
    return ya.stack([p[0] * x - p[1] * x * z, p[3] * x * z - p[2] * z])


def central(fun, x, eps):
    """Central differences of the scalar ``fun`` at the array ``x``."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (fun(xp) - fun(xm)) / (2 * eps)
    return g


def rel_close(a, b, rtol):
    a = a.data if isinstance(a, ya.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


W = np.random.default_rng(0).normal(size=(len(TIMES), 2))   # a fixed cotangent


def linear_loss_exact(y0, t, a):
    return sum(W[i] @ expm(a * (t[i] - t[0])) @ y0 for i in range(len(t)))


def grads(fn, *xs):
    ts = [ya.tensor(x, requires_grad=True) for x in xs]
    (fn(*ts)).backward()
    return [t.grad for t in ts]


# ---- odeint: values and first-order gradients -------------------------------------------
def test_odeint_linear_matches_closed_form_and_its_derivatives():
    ys = yi.odeint(linear, Y0, TIMES, (A,), **TIGHT)
    exact = np.stack([expm(A * s) @ Y0 for s in TIMES])
    rel_close(ys, exact, 1e-9)
    gy, gt, ga = grads(lambda y0, t, a: (yi.odeint(linear, y0, t, (a,), **TIGHT) * W).sum(),
                       Y0, TIMES, A)
    rel_close(gy, central(lambda v: linear_loss_exact(v, TIMES, A), Y0, 1e-6), 1e-6)
    rel_close(gt, central(lambda v: linear_loss_exact(Y0, v, A), TIMES, 1e-6), 1e-6)
    rel_close(ga, central(lambda v: linear_loss_exact(Y0, TIMES, v), A, 1e-6), 1e-6)


P_LV = np.array([1.0, 0.4, 0.8, 0.3])
Y_LV = np.array([2.0, 1.0])
T_LV = np.linspace(0.0, 3.0, 5)


def lv_scipy(y0, t, p):
    f = lambda y, s: [p[0] * y[0] - p[1] * y[0] * y[1], p[3] * y[0] * y[1] - p[2] * y[1]]
    return (si.odeint(f, y0, t, rtol=1e-13, atol=1e-13, mxstep=100000) ** 2).sum()


def test_odeint_lotka_volterra_matches_finite_differences():
    gy, gt, gp = grads(
        lambda y0, t, p: (yi.odeint(lotka_volterra, y0, t, (p,), **TIGHT) ** 2).sum(),
        Y_LV, T_LV, P_LV)
    rel_close(gy, central(lambda v: lv_scipy(v, T_LV, P_LV), Y_LV, 1e-4), 1e-6)
    rel_close(gt, central(lambda v: lv_scipy(Y_LV, v, P_LV), T_LV, 1e-4), 1e-6)
    rel_close(gp, central(lambda v: lv_scipy(Y_LV, T_LV, v), P_LV, 1e-4), 1e-6)


def rk4(func, y0, t, args, steps):
    """Fixed-step RK4 in yaae ops: differentiated through its steps."""
    out, y = [y0], y0
    for i in range(len(t) - 1):
        h = (t[i + 1] - t[i]) / steps
        s = t[i]
        for _ in range(steps):
            k1 = func(y, s, *args)
            k2 = func(y + h / 2 * k1, s + h / 2, *args)
            k3 = func(y + h / 2 * k2, s + h / 2, *args)
            k4 = func(y + h * k3, s + h, *args)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            s = s + h
        out.append(y)
    return ya.stack(out)


def test_adjoint_equals_differentiating_through_rk4_steps():
    t = np.array([0.0, 0.5, 1.0])
    adj = grads(lambda y0, t, p: (yi.odeint(lotka_volterra, y0, t, (p,), **TIGHT) ** 2).sum(),
                Y_LV, t, P_LV)
    through = grads(lambda y0, t, p: (rk4(lotka_volterra, y0, t, (p,), 200) ** 2).sum(),
                    Y_LV, t, P_LV)
    for a, b in zip(adj, through):
        rel_close(a, b.data, 1e-6)


# ---- solve_ivp ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["RK45", "DOP853", "LSODA"])
def test_solve_ivp_values_and_adjoint_gradients(method):
    fun = lambda t, y, a: ya.matmul(a, y)
    t_eval = TIMES[1:]
    r = yi.solve_ivp(fun, (0.0, 2.0), Y0, method=method, t_eval=t_eval, args=(A,),
                     rtol=1e-11, atol=1e-12)
    ref = si.solve_ivp(lambda t, y: A @ y, (0.0, 2.0), Y0, method=method, t_eval=t_eval,
                       rtol=1e-11, atol=1e-12)
    assert r.success and isinstance(r.y, ya.Tensor) and r.y.shape == (2, len(t_eval))
    np.testing.assert_allclose(r.y.data, ref.y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.t, ref.t)
    Wt = W[1:].T

    def loss(y0, te, a):
        return (yi.solve_ivp(fun, (0.0, 2.0), y0, method=method, t_eval=te, args=(a,),
                             rtol=1e-11, atol=1e-12).y * Wt).sum()

    def exact(y0, te, a):
        return sum(Wt[:, i] @ expm(a * s) @ y0 for i, s in enumerate(te))
    gy, gt, ga = grads(loss, Y0, t_eval, A)
    rel_close(gy, central(lambda v: exact(v, t_eval, A), Y0, 1e-6), 1e-6)
    rel_close(gt, central(lambda v: exact(Y0, v, A), t_eval, 1e-6), 1e-6)
    rel_close(ga, central(lambda v: exact(Y0, t_eval, v), A, 1e-6), 1e-6)


def test_solve_ivp_t_span_end_points_and_default_steps():
    t0 = ya.tensor(0.2, requires_grad=True)
    tf = ya.tensor(1.5, requires_grad=True)
    r = yi.solve_ivp(lambda t, y: -y * t, (t0, tf), [1.0], rtol=1e-11, atol=1e-12)
    ref = si.solve_ivp(lambda t, y: -y * t, (0.2, 1.5), [1.0], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(r.t.data, ref.t)
    np.testing.assert_allclose(r.y.data, ref.y, rtol=1e-10)
    r.y[0, -1].backward()
    yf = np.exp(-(1.5 ** 2 - 0.2 ** 2) / 2)          # y(tf) in closed form
    np.testing.assert_allclose([t0.grad.data, tf.grad.data], [0.2 * yf, -1.5 * yf], rtol=1e-8)


def test_solve_ivp_unsupported_options_raise():
    with pytest.raises(ValueError, match="dense_output"):
        yi.solve_ivp(lambda t, y: -y, (0, 1), [1.0], dense_output=True)
    with pytest.raises(ValueError, match="method"):
        yi.solve_ivp(lambda t, y: -y, (0, 1), [1.0], method="Euler")
    with pytest.raises(ValueError, match="1-D"):
        yi.odeint(lambda y, t: -y, np.ones((2, 2)), [0.0, 1.0])


# ---- memory ------------------------------------------------------------------------------
def test_memory_independent_of_the_number_of_solver_steps():
    def run(rtol):
        calls = [0]

        def f(y, t, p):
            calls[0] += 1
            return lotka_volterra(y, t, p)
        tracemalloc.start()
        y0, p = ya.tensor(Y_LV, requires_grad=True), ya.tensor(P_LV, requires_grad=True)
        r = yi.solve_ivp(lambda t, y, p: f(y, t, p), (0.0, 3.0), y0, method="RK23",
                         t_eval=T_LV[1:], args=(p,), rtol=rtol, atol=rtol)
        (r.y ** 2).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return calls[0], peak
    n_lo, peak_lo = run(1e-3)
    n_hi, peak_hi = run(1e-7)
    assert n_hi > 10 * n_lo, (n_lo, n_hi)
    assert peak_hi < 2 * peak_lo + 200_000


# ---- second order ------------------------------------------------------------------------
def test_second_order_reverse_through_the_adjoint():
    def loss(y0, t, k):
        f = lambda y, s, k: -k * y + ya.sin(y) * s
        return (yi.odeint(f, y0, t, (k,), rtol=1e-11, atol=1e-11) ** 2).sum()
    assert ya.testing.gradcheck(loss, np.array([0.7, 0.2]), np.array([0.0, 0.5, 1.0]),
                                np.array(0.8), order=2, atol=1e-5, rtol=1e-4)


def test_forward_mode_and_every_second_order_nesting():
    def sol(y0, t, k, tol=1e-10):
        return yi.odeint(lambda y, s, k: -k * y + ya.sin(y) * s, y0, t, (k,), rtol=tol,
                         atol=tol)
    assert ya.testing.gradcheck(sol, np.array([0.7, 0.2]), np.array([0.0, 0.5, 1.0]),
                                np.array(0.8), modes=("fwd",), atol=1e-5, rtol=1e-4)
    assert ya.testing.gradcheck(lambda *a: sol(*a, tol=1e-8), np.array([0.7]),
                                np.array([0.1, 0.6]), np.array(0.8), modes=("rev", "fwd"),
                                order=2, atol=1e-5, rtol=1e-4)


def test_forward_mode_wrt_closure_params_is_refused():
    a = ya.tensor(A)
    with pytest.raises(NotImplementedError, match="adjoint_params"):
        ya.jvp(lambda a_: yi.odeint(lambda y, t: ya.matmul(a_, y), Y0, TIMES,
                                    adjoint_params=[a_]), (a,), (np.ones((2, 2)),))


def test_hessian_matches_finite_differences_of_the_gradient():
    def loss(p):
        return (yi.odeint(lotka_volterra, Y_LV, T_LV[:3], (p,), **TIGHT) ** 2).sum()
    p = ya.tensor(P_LV, requires_grad=True)
    g = ya.grad(loss)(p)
    H = np.stack([ya.autograd.grad(g[i], p, retain_graph=True)[0].data for i in range(4)])
    num = np.zeros((4, 4))
    for j in range(4):
        e = np.eye(4)[j] * 1e-5
        num[:, j] = (ya.grad(loss)(P_LV + e) - ya.grad(loss)(P_LV - e)) / 2e-5
    rel_close(H, num, 1e-5)


# ---- closure parameters ------------------------------------------------------------------
def test_adjoint_params_for_closed_over_tensors():
    a = ya.tensor(A, requires_grad=True)
    ys = yi.odeint(lambda y, t: ya.matmul(a, y), Y0, TIMES, adjoint_params=[a], **TIGHT)
    (ys * W).sum().backward()
    rel_close(a.grad, central(lambda v: linear_loss_exact(Y0, TIMES, v), A, 1e-6), 1e-6)


def test_second_order_wrt_adjoint_params():
    def loss(a):
        ys = yi.odeint(lambda y, t: ya.tanh(ya.matmul(a, y)), Y0, [0.0, 0.7, 1.2],
                       adjoint_params=[a], rtol=1e-11, atol=1e-11)
        return (ys ** 2).sum()

    def gradient(v):
        a = ya.tensor(v, requires_grad=True)
        return ya.autograd.grad(loss(a), a)[0].data.ravel()
    a = ya.tensor(A, requires_grad=True)
    g = ya.autograd.grad(loss(a), a, create_graph=True)[0].reshape(-1)
    H = np.stack([ya.autograd.grad(g[i], a, retain_graph=True)[0].data.ravel()
                  for i in range(4)])
    num = np.stack([(gradient(A + e.reshape(2, 2) * 1e-5) - gradient(A - e.reshape(2, 2) * 1e-5))
                    / 2e-5 for e in np.eye(4)]).T
    rel_close(H, num, 1e-6)


class Field(ya.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ya.nn.Linear(2, 2, dtype=ya.float64)

    def forward(self, y, t):
        return ya.tanh(self.lin(y))


def test_module_parameters_are_the_default_adjoint_params():
    ya.manual_seed(0)
    m = Field()
    ys = yi.odeint(m, ya.tensor(Y0, requires_grad=True), TIMES, **TIGHT)
    (ys * W).sum().backward()
    for p in m.parameters():
        def value(v, p=p):
            old = p.data.copy()
            p.data[...] = v
            out = float((yi.odeint(m, Y0, TIMES, **TIGHT).data * W).sum())
            p.data[...] = old
            return out
        rel_close(p.grad, central(value, p.data, 1e-5), 1e-6)


def test_module_gradients_match_rk4_through_steps():
    ya.manual_seed(1)
    m = Field()
    t = np.array([0.0, 0.5, 1.0])
    r = yi.solve_ivp(lambda s, y: m(y, s), (0.0, 1.0), Y0, t_eval=t[1:], method="DOP853",
                     adjoint_params=list(m.parameters()), rtol=1e-12, atol=1e-12)
    r.y.sum().backward()
    adj = [p.grad.data.copy() for p in m.parameters()]
    m.zero_grad()
    rk4(m, ya.tensor(Y0), t, (), 100)[1:].sum().backward()
    for a, p in zip(adj, m.parameters()):
        rel_close(a, p.grad.data, 1e-6)


# ---- trapezoid / simpson -----------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 9])
def test_simpson_and_trapezoid_match_scipy(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=(3, n))
    x = np.cumsum(rng.uniform(0.1, 1.0, size=n))
    x2 = np.cumsum(rng.uniform(0.1, 1.0, size=(3, n)), axis=1)
    for kw in (dict(x=x), dict(x=x2), dict(dx=0.3), {}):
        np.testing.assert_allclose(yi.simpson(ya.tensor(y), **kw).data,
                                   si.simpson(y, **kw), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(yi.trapezoid(ya.tensor(y), **kw).data,
                                   si.trapezoid(y, **kw), rtol=1e-12, atol=1e-14)
    yt = np.moveaxis(y, 1, 0)
    np.testing.assert_allclose(yi.simpson(yt, x=x, axis=0).data, si.simpson(yt, x=x, axis=0),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n", [3, 4, 6, 7])
def test_simpson_and_trapezoid_gradcheck(n):
    rng = np.random.default_rng(n)
    y = rng.normal(size=(2, n))
    x = np.cumsum(rng.uniform(0.3, 1.0, size=n))
    for f in (yi.simpson, yi.trapezoid):
        assert ya.testing.gradcheck(lambda y, x: f(y, x=x), y, x, modes=("rev", "fwd"),
                                    order=2)
        assert ya.testing.gradcheck(lambda y, dx: f(y, dx=dx), y, np.array(0.4),
                                    modes=("rev", "fwd"))


def test_simpson_bad_x_raises():
    with pytest.raises(ValueError, match="length of x"):
        yi.simpson(np.ones(4), x=np.arange(3.0))


def test_backward_in_time_and_t_eval_starting_at_t0():
    y0 = ya.tensor([1.0], requires_grad=True)
    ys = yi.odeint(lambda y, t: -y, y0, [1.0, 0.5, 0.0], **TIGHT)
    ys.sum().backward()
    np.testing.assert_allclose(ys.data[:, 0], np.exp([0.0, 0.5, 1.0]), rtol=1e-10)
    np.testing.assert_allclose(y0.grad.data, [1 + np.exp(0.5) + np.exp(1.0)], rtol=1e-10)
    k = ya.tensor(0.3, requires_grad=True)
    r = yi.solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0], t_eval=[0.0, 0.5, 1.0],
                     args=(k,), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(r.y.data[0], np.exp([0.0, -0.15, -0.3]), rtol=1e-9)
    r.y.sum().backward()
    np.testing.assert_allclose(k.grad.data, -(0.5 * np.exp(-0.15) + np.exp(-0.3)), rtol=1e-8)


def test_odeint_scipy_signature_tfirst_and_defaults():
    f = lambda t, y, k: -k * y * t
    ys = yi.odeint(f, [1.0, 2.0], TIMES, (0.7,), tfirst=True)
    ref = si.odeint(lambda t, y, k: -k * y * t, [1.0, 2.0], TIMES, (0.7,), tfirst=True)
    np.testing.assert_allclose(ys.data, ref, rtol=1e-7)
    with pytest.raises(ValueError, match="full_output"):
        yi.odeint(lambda y, t: -y, [1.0], TIMES, full_output=True)


def test_func_returning_a_list_as_scipy_allows():
    def lv(y, t, a, b):
        return [a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - y[1]]

    def value(a, b):
        f = lambda y, t: [a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - y[1]]
        return si.odeint(f, [1.0, 1.0], TIMES, rtol=1e-13, atol=1e-13).sum()
    ga, gb = grads(lambda a, b: yi.odeint(lv, [1.0, 1.0], TIMES, (a, b), **TIGHT).sum(),
                   1.0, 0.5)
    rel_close(ga, central(lambda v: value(v, 0.5), 1.0, 1e-5), 1e-6)
    rel_close(gb, central(lambda v: value(1.0, v), 0.5, 1e-5), 1e-6)
