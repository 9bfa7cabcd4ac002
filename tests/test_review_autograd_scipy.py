"""Review of issue #12 through HIPS autograd's own SciPy suite (its ``tests/test_scipy.py``),
re-expressed on yaae: every call that suite makes, with its argument shapes, values and
keywords, written the way a user porting it would (``import yaae.scipy.stats as stats``,
``import yaae.scipy.stats.multivariate_normal as mvn``, ``from yaae.scipy import
integrate, special, stats``), in this file's own code.

Oracles: SciPy's values; finite differences (``ya.testing.gradcheck``, reverse and forward
mode, to order 2, where autograd checked reverse mode only); JAX (``jax.scipy``, float64)
for the gradient and the JVP where JAX has the function (``jax.experimental.ode.odeint``
for ``odeint``; compiled with ``jax.jit``, once per case, as the eager ``jgrad`` of
test_review_scipy.py is several times slower); SciPy's own derivative functions (``ivp``,
``jvp``, ``yvp``, ``polygamma``) for the Bessel functions and ``polygamma``, which JAX
lacks; mpmath where JAX is inaccurate (the beta function's parameter derivatives).

What autograd has and issue 12 does not ask for (so yaae need not have it) is checked
here only as "absent": ``norm.ppf``/``norm.isf`` and ``signal.convolve``'s autograd-only
``axes=``/``dot_axes=`` generalisation.
"""
import itertools
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl
import scipy.signal as sg
import scipy.special as sc
import scipy.stats as ss
import jax
import mpmath
import jax.numpy as jnp
import jax.scipy.linalg as jl
import jax.scipy.signal as jsig
import jax.scipy.special as js
import jax.scipy.stats as jst
from jax.experimental.ode import odeint as jodeint

import yaae as ya
import yaae.scipy.linalg as spla
import yaae.scipy.signal
import yaae.scipy.stats.multivariate_normal as mvn
from yaae.scipy import integrate, special, stats
from yaae.testing import gradcheck
from test_review_scipy import D, close, ygrad

jax.config.update("jax_enable_x64", True)

# The three implementations of each call: yaae, SciPy (values) and JAX (derivatives).
YA = SimpleNamespace(xp=ya, stats=stats, special=special, signal=yaae.scipy.signal, linalg=spla)
SP = SimpleNamespace(xp=np, stats=ss, special=sc, signal=sg, linalg=sl)
JX = SimpleNamespace(xp=jnp, stats=jst, special=js, signal=jsig, linalg=jl)

RNG = np.random.default_rng(20261130)


def R(*shape):
    return RNG.standard_normal(shape)


def U(lo, hi, shape=()):
    return RNG.uniform(lo, hi, shape)


def P(*shape, c=1.1):
    """autograd's positive parameters ``R(...) ** 2 + c``."""
    return R(*shape) ** 2 + c


# =============================================================================================
# The case table: autograd's combo_check(fun, argnums)(*arglists, **kwlists), expanded
# =============================================================================================
CASES = []


def combo(name, make, argnums, *arglists, jax_=True, order=2, rtol=1e-9, jrtol=1e-9,
          **kwlists):
    """One case per combination of the argument and keyword lists (as autograd's
    ``combo_check``); ``make(L)`` is the function under test in the library ``L``
    (YA, SP or JX), or a dotted name looked up there."""
    if isinstance(make, str):
        path = make.split(".")

        def make(L, path=path):
            f = getattr(L, path[0])
            for p in path[1:]:
                f = getattr(f, p)
            return f
    keys = sorted(kwlists)
    combos = list(itertools.product(*arglists))
    kcombos = list(itertools.product(*[kwlists[k] for k in keys]))
    for i, args in enumerate(combos):
        for j, kvals in enumerate(kcombos):
            kw = dict(zip(keys, kvals))
            cid = f"{name}-{i}" + "".join(f"-{k}={v!r}" for k, v in kw.items() if k != "b")
            # JAX (slow to compile for each new shape) for the last combination only (the
            # most general shapes); finite differences check every one
            last = i == len(combos) - 1 and j == len(kcombos) - 1
            CASES.append(pytest.param(SimpleNamespace(make=make, args=list(args), argnums=argnums,
                                                      kw=kw, jax=jax_ and last,
                                                      order=order, rtol=rtol, jrtol=jrtol),
                                      id=cid))


def _bind(case, L):
    """``case``'s function of its differentiable arguments only, in library ``L``."""
    f = case.make(L)

    def g(*d):
        a = list(case.args)
        for i, x in zip(case.argnums, d):
            a[i] = x
        return f(*a, **case.kw)
    return g, [case.args[i] for i in case.argnums]


def symmetrize_arg(make, argnum):
    """autograd's ``symmetrize_matrix_arg``: argument ``argnum`` replaced by (X + X^T) / 2."""
    def mk(L):
        fun = make(L)

        def f(*args, **kw):
            args = list(args)
            X = args[argnum]
            if np.ndim(X) > 1:
                args[argnum] = 0.5 * (X + L.xp.swapaxes(X, -1, -2))
            return fun(*args, **kw)
        return f
    return mk


def make_psd(m):
    return m.T @ m + np.eye(m.shape[0])


# ---- stats ----------------------------------------------------------------------------------
for m in ("pdf", "cdf", "logpdf"):
    combo(f"chi2.{m}", f"stats.chi2.{m}", (0,), [P(4)], [1, 2, 3])
# (JAX_BETA: JAX's betaln derivative is off by up to ~1e-6 relative for parameters near 10;
# yaae's agrees with mpmath to 1e-12 there: test_beta_derivatives_vs_mpmath)
JAX_BETA = 2e-6
combo("beta.cdf", "stats.beta.cdf", (0,), [U(0, 1, 4)], [P(4)], [P(4)], jrtol=JAX_BETA)
for m in ("pdf", "logpdf"):
    combo(f"beta.{m}", f"stats.beta.{m}", (0, 1, 2), [U(0, 1, 4)], [P(4)], [P(4)],
          jrtol=JAX_BETA)
combo("gamma.cdf", "stats.gamma.cdf", (0,), [P(4)], [P(4)])
for m in ("pdf", "logpdf"):
    combo(f"gamma.{m}", f"stats.gamma.{m}", (0, 1), [P(4)], [P(4)])
# (JAX on the broadcasting variants only: the same code, and JAX is slow to compile)
for m in ("pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"):
    combo(f"norm.{m}", f"stats.norm.{m}", (0, 1, 2), [R(4)], [R(4)], [P(4)], jax_=False)
    combo(f"norm.{m}.broadcast", f"stats.norm.{m}", (0, 1, 2), [R(4, 3)], [R(1, 3)], [P(4, 1)])
for m in ("cdf", "logpmf", "pmf"):
    combo(f"poisson.{m}", f"stats.poisson.{m}", (1,), [np.round(R(4) ** 2)], [P(4)], jax_=False)
    combo(f"poisson.{m}.broadcast", f"stats.poisson.{m}", (1,), [np.round(R(4, 3) ** 2)],
          [P(4, 1)])
for m, argnums, j in (("pdf", (0, 1, 2, 3), True), ("logpdf", (0, 1, 2, 3), True),
                      ("cdf", (0, 2), False), ("logcdf", (0, 2), False)):
    combo(f"t.{m}", f"stats.t.{m}", argnums, [R(4)], [P(4, c=2.1)], [R(4)], [P(4, c=2.1)],
          jax_=False)
    combo(f"t.{m}.broadcast", f"stats.t.{m}", argnums, [R(4, 3)], [P(1, 3, c=2.1)], [R(4, 3)],
          [P(4, 1, c=2.1)], jax_=j)


def _mvn(method, **kw):
    def mk(L):
        f = getattr(L.stats.multivariate_normal, method)
        return partial(f, **kw) if L is not JX else f     # JAX: no allow_singular
    return mk


for m in ("pdf", "logpdf"):
    combo(f"mvn.{m}", symmetrize_arg(_mvn(m, allow_singular=False), 2), (0, 1, 2), [R(4)], [R(4)],
          [make_psd(R(4, 4))], jax_=False)
    combo(f"mvn.{m}.broadcast", symmetrize_arg(_mvn(m), 2), (0, 1, 2), [R(5, 4)], [R(4)],
          [make_psd(R(4, 4))])
combo("mvn.entropy", symmetrize_arg(_mvn("entropy"), 1), (0, 1), [10 * R(4)], [make_psd(R(4, 4))],
      jax_=False)


def _mvn_singular(method):
    """autograd's test_mvn_sing_cov: cov = diag(1, 1, 0, 0); x varies only along the first
    two coordinates (the others are the mean's, on the support)."""
    def mk(L):
        f = symmetrize_arg(lambda L: partial(getattr(L.stats.multivariate_normal, method),
                                             allow_singular=True), 2)(L)

        def g(x, mean, cov):
            return f(L.xp.concatenate([x[:2], mean[2:]]), mean, cov)
        return g
    return mk


_SING = np.diag([1.0, 1.0, 0.0, 0.0])
for m in ("pdf", "logpdf"):
    combo(f"mvn.{m}.singular", _mvn_singular(m), (0, 1),
          [np.concatenate((R(2), np.zeros(2)))], [np.concatenate((R(2), np.zeros(2)))], [_SING],
          jax_=False)

_ALPHA = U(0, 1, 4) ** 2 + 1.2
_X = ss.dirichlet.rvs(_ALPHA, size=1, random_state=RNG)[0]


def _dirichlet(method, normalized):
    """autograd normalises x (x / sum(x), with Python's builtin sum) so that it stays on
    the simplex under the finite-difference perturbations."""
    def mk(L):
        f = getattr(L.stats.dirichlet, method)
        return (lambda x, alpha: f(x / sum(x), alpha)) if normalized else f
    return mk


for m in ("pdf", "logpdf"):
    combo(f"dirichlet.{m}.x", _dirichlet(m, True), (0,), [_X], [_ALPHA], jax_=m == "logpdf")
    combo(f"dirichlet.{m}.alpha", _dirichlet(m, False), (1,), [_X], [_ALPHA], jax_=m == "logpdf")


# ---- logsumexp ------------------------------------------------------------------------------
def _lse(L):
    return L.special.logsumexp


# (JAX on the variants differentiated in b too, below: the same function)
combo("logsumexp1", _lse, (0,), [np.array([1.1]), R(4), R(3, 4)], axis=[None, 0],
      keepdims=[True, False], jax_=False)
combo("logsumexp2", _lse, (0,), [R(3, 4), R(4, 5, 6), R(1, 5)], axis=[None, 0, 1],
      keepdims=[True, False], jax_=False)
combo("logsumexp3", _lse, (0,), [R(4)], b=[np.exp(R(4))], axis=[None, 0], keepdims=[True, False],
      jax_=False)
combo("logsumexp4", _lse, (0,), [R(3, 4)], b=[np.exp(R(3, 4))], axis=[None, 0, 1],
      keepdims=[True, False], jax_=False)
combo("logsumexp5", _lse, (0,), [R(2, 3, 4)], b=[np.exp(R(2, 3, 4))], axis=[None, 0, 1],
      keepdims=[True, False], jax_=False)


def _lse_ab(axis, keepdims):
    """logsumexp differentiated in ``b`` too (autograd holds b constant)."""
    return lambda L: (lambda a, b: L.special.logsumexp(a, axis=axis, b=b, keepdims=keepdims))


for ax, kd in ((None, False), (1, True), ((0, 2), False), ((0, 1), True), (-1, False)):
    combo(f"logsumexp.ab.axis={ax}.keepdims={kd}", _lse_ab(ax, kd), (0, 1), [R(2, 3, 4)],
              [np.exp(R(2, 3, 4))])


# ---- signal ---------------------------------------------------------------------------------
combo("convolve", "signal.convolve", (0, 1), [R(4), R(5), R(6)], [R(2), R(3), R(4)],
      mode=["full", "valid", "same"])
# (finite differences to order 2 on the smallest in1, to order 1 on the larger ones: the
# second derivatives of a bilinear function do not depend on the sizes)
combo("convolve_2d", "signal.convolve", (0, 1), [R(4, 3)],
      [R(2, 2), R(3, 2), R(4, 2), R(4, 1)], mode=["full", "valid", "same"])
combo("convolve_2d", "signal.convolve", (0, 1), [R(5, 4), R(6, 7)],
      [R(2, 2), R(3, 2), R(4, 2), R(4, 1)], mode=["full", "valid", "same"], order=1)

# ---- special --------------------------------------------------------------------------------
combo("beta", "special.beta", (0, 1), [P(4)], [P(4)], jrtol=JAX_BETA)
combo("betaln", "special.betaln", (0, 1), [P(4)], [P(4)], jrtol=JAX_BETA)
combo("betainc", "special.betainc", (2,), [P(4)], [P(4)], [U(0, 1, 4)], jrtol=JAX_BETA)
combo("gammainc", "special.gammainc", (1,), [1], [P(4, c=1.3)])
combo("gammaincc", "special.gammaincc", (1,), [1], [P(4, c=1.3)])
combo("polygamma", "special.polygamma", (1,), [0], [P(4, c=1.3)])
combo("jn", "special.jn", (1,), [2], [P(4, c=1.3)], jax_=False)
combo("yn", "special.yn", (1,), [2], [P(4, c=1.3)], jax_=False)
combo("iv", "special.iv", (1,), [U(1, 50, 4)], [P(4, c=1.3)], jax_=False)
combo("ive", "special.ive", (1,), [U(1, 50, 4)], [P(4, c=1.3)], jax_=False)
combo("multigammaln", "special.multigammaln", (0,), [U(4, 5), U(4, 5, (2, 3))], [1, 2, 3])


def unary(name, lims, complex_=False, jax_=True):
    """autograd's unary_ufunc_check: a scalar, a vector, two matrices in ``lims`` (and two
    complex inputs with a small imaginary part where ``complex_``)."""
    lo, hi = lims

    def T(u):
        return lo + (hi - lo) * np.asarray(u)
    xs = [float(T(0.4)), T(U(0, 1, 2)), T(U(0, 1, (3, 2))), T(U(0, 1, (1, 2)))]
    combo(name, f"special.{name}", (0,), xs, jax_=jax_)
    if complex_:
        zs = [complex(T(0.4) + 0.1j * T(0.3)), T(U(0, 1, (3, 2))) + 0.1j * U(0, 1, (3, 2))]
        combo(f"{name}.complex", f"special.{name}", (0,), zs, jax_=False)


for _n in ("psi", "digamma", "gamma", "gammaln", "gammasgn", "rgamma"):
    unary(_n, (0.3, 2.0), jax_=_n in ("digamma", "gamma", "gammaln", "gammasgn"))
for _n in ("j0", "j1", "y0", "y1", "i0", "i1"):
    unary(_n, (0.2, 20.0), jax_=_n in ("i0", "i1"))
unary("erf", (-3.0, 3.0), complex_=True)
unary("erfc", (-3.0, 3.0), complex_=True)
unary("erfinv", (-0.95, 0.95))
unary("erfcinv", (0.05, 1.95), jax_=False)
unary("logit", (0.10, 0.90))
unary("expit", (-4.05, 4.95))

# ---- linalg ----------------------------------------------------------------------------------
def _sqrtm(L):
    """sqrtm; in JAX (whose sqrtm has no derivative: no rule for schur) the square root
    of a symmetric positive definite matrix from eigh, an independent oracle."""
    if L is not JX:
        return L.linalg.sqrtm

    def f(a):
        w, v = jnp.linalg.eigh(a)
        return (v * jnp.sqrt(w)) @ v.T
    return f


def _sylvester(L):
    """solve_sylvester; in JAX (no derivative either) the Kronecker form
    (I (x) A + B^T (x) I) vec(X) = vec(Q), column-major vec."""
    if L is not JX:
        return L.linalg.solve_sylvester

    def f(a, b, q):
        n, m = q.shape
        k = jnp.kron(jnp.eye(m), a) + jnp.kron(b.T, jnp.eye(n))
        return jnp.linalg.solve(k, q.T.reshape(-1)).reshape(m, n).T
    return f


combo("sqrtm.symmetric", symmetrize_arg(_sqrtm, 0), (0,), [R(3, 3)], jax_=False)
combo("sqrtm.psd", symmetrize_arg(_sqrtm, 0), (0,), [make_psd(R(3, 3))], rtol=1e-8)
combo("solve_sylvester", _sylvester, (0, 1, 2), [R(3, 3)], [R(3, 3)], [R(3, 3)], rtol=1e-8)
combo("solve_banded", "linalg.solve_banded", (1, 2), [(1, 1)], [R(3, 5)], [R(5)], jax_=False)


# =============================================================================================
# The tests
# =============================================================================================
def _jax_grad_and_jvp(f, xs, ts):
    """JAX's gradient of sum(f) and its JVP along ``ts``, in one jitted call (one
    compilation per case: several times faster than the op-by-op eager mode)."""
    def both(xs, ts):
        g = jax.grad(lambda *a: jnp.sum(f(*a)), argnums=tuple(range(len(xs))))(*xs)
        return g, jax.jvp(f, tuple(xs), tuple(ts))[1]
    g, t = jax.jit(both)([jnp.asarray(x) for x in xs], [jnp.asarray(t) for t in ts])
    return [np.asarray(v) for v in g], np.asarray(t)


@pytest.mark.parametrize("case", CASES)
def test_autograd_suite_call(case):
    f, xs = _bind(case, YA)
    fs, _ = _bind(case, SP)
    want = fs(*xs)
    got = f(*[ya.tensor(x) for x in xs])
    assert np.shape(D(got)) == np.shape(want)
    close(got, want, rtol=case.rtol, atol=1e-12)
    gradcheck(f, *xs, modes=("rev", "fwd"), order=case.order)
    if case.jax and np.isrealobj(want):
        fj, _ = _bind(case, JX)
        ts = [RNG.standard_normal(np.shape(x)) for x in xs]
        jg, jt = _jax_grad_and_jvp(fj, xs, ts)
        for a, b in zip(ygrad(f, xs, tuple(range(len(xs)))), jg):
            close(a, b, rtol=case.jrtol, atol=1e-11)
        yt = ya.jvp(f, tuple(ya.tensor(x) for x in xs), tuple(ya.tensor(t) for t in ts))[1]
        close(yt, jt, rtol=case.jrtol, atol=1e-11)


def test_the_autograd_style_imports_are_the_distributions():
    assert mvn is stats.multivariate_normal
    assert integrate.odeint is yaae.scipy.integrate.odeint


def test_beta_derivatives_vs_mpmath():
    """The oracle behind JAX_BETA: yaae's d betaln / d(a, b) and d beta / d(a, b) agree
    with mpmath to 1e-12 where JAX's are off by up to ~1e-6 (parameters near 10)."""
    a = np.array([3.8, 1.7, 9.9, 0.6])
    b = np.array([9.4, 1.1, 7.3, 12.0])
    mpmath.mp.dps = 30
    for name, mp in (("betaln", lambda a, b: mpmath.log(mpmath.beta(a, b))),
                     ("beta", mpmath.beta)):
        da, db = ygrad(getattr(special, name), [a, b], (0, 1))
        wa = [float(mpmath.diff(lambda x: mp(x, bi), ai)) for ai, bi in zip(a, b)]
        wb = [float(mpmath.diff(lambda y: mp(ai, y), bi)) for ai, bi in zip(a, b)]
        close(da, wa, rtol=1e-12)
        close(db, wb, rtol=1e-12)


# ---- odeint: autograd's test_odeint --------------------------------------------------------
def _ode_func(xp):
    def func(y, t, arg1, arg2):
        return -xp.sqrt(t) - y + arg1 - xp.mean((y + arg2) ** 2)
    return func


def test_odeint_as_autograd_calls_it():
    """``odeint(func, y0, t, (arg1, arg2))``, differentiated in y0, t and the args tuple
    (autograd's argnums 1, 2, 3): values against SciPy's odeint, gradients against
    ``jax.experimental.ode.odeint`` (both to the solvers' tolerance), and finite differences
    in both modes to order 2."""
    y0, t, args = R(3), np.linspace(0.1, 0.2, 4), (R(3), R(3))
    func = _ode_func(ya)
    ys = integrate.odeint(func, y0, t, args)
    want = si.odeint(_ode_func(np), y0, t, args, rtol=1e-12, atol=1e-12)
    close(ys, want, rtol=1e-6, atol=1e-8)

    def loss(y0, t, args):
        return ya.sum(integrate.odeint(func, y0, t, args) * W)
    W = R(4, 3)
    got = ya.grad(loss, argnums=(0, 1, 2))(y0, t, args)
    jfunc = _ode_func(jnp)
    want = jax.grad(lambda y0, t, args: jnp.sum(jodeint(jfunc, y0, t, *args, rtol=1e-12,
                                                         atol=1e-12) * W),
                    argnums=(0, 1, 2))(y0, t, args)
    for a, b in zip([got[0], got[1], *got[2]], [want[0], want[1], *want[2]]):
        close(a, b, rtol=1e-6, atol=1e-8)
    # every argument: reverse mode to order 2 (the adjoint differentiated), forward mode to
    # order 1; both modes to order 2 in arg2, which enters nonlinearly (forward over forward
    # is the slow one)
    def g(y0, t, a1, a2):
        return integrate.odeint(func, y0, t, (a1, a2))
    gradcheck(g, y0, t, *args, modes=("rev",), order=2)
    gradcheck(g, y0, t, *args, modes=("fwd",), order=1)
    gradcheck(lambda a2: g(y0, t, args[0], a2), args[1], modes=("rev", "fwd"), order=2)


# ---- logsumexp: autograd's test_logsumexp6 (third order) -----------------------------------
def test_logsumexp_keepdims_grad_of_size_one_output_to_third_order():
    """autograd's ``grad`` takes a (1, 1) output (size one); the derivative of that
    gradient is checked to order 2 in both modes (third derivatives of logsumexp)."""
    x = R(1, 5)

    def f(a):
        return special.logsumexp(a, axis=1, keepdims=True)
    close(ya.grad(f)(ya.tensor(x)), sc.softmax(x, axis=1), rtol=1e-12)
    gradcheck(f, x, modes=("rev", "fwd"), order=2)
    gradcheck(lambda a: ya.grad(f)(a), x, modes=("rev", "fwd"), order=2)


# ---- autograd-style usage ------------------------------------------------------------------
def test_grad_of_a_summed_log_likelihood_as_autograd_users_write_it():
    x, loc, scale, df = R(6), R(6), P(6), P(6, c=2.1)

    def nll(loc, scale, df):
        return -(stats.norm.logpdf(x, loc, scale).sum() + stats.t.logpdf(x, df, loc, scale).sum())

    def jnll(loc, scale, df):
        return -(jst.norm.logpdf(x, loc, scale).sum() + jst.t.logpdf(x, df, loc, scale).sum())
    got = ya.grad(nll, argnums=(0, 1, 2))(loc, scale, df)
    val, g1 = ya.value_and_grad(lambda s: nll(loc, s, df))(scale)
    want = jax.jit(jax.grad(jnll, argnums=(0, 1, 2)))(loc, scale, df)
    for a, b in zip(got, want):
        close(a, b, rtol=1e-10)
    close(g1, want[1], rtol=1e-10)
    close(val, -(ss.norm.logpdf(x, loc, scale).sum() + ss.t.logpdf(x, df, loc, scale).sum()),
          rtol=1e-12)
    # the Hessian in scale (autograd users build Laplace approximations from it)
    close(ya.hessian(lambda s: nll(loc, s, df))(ya.tensor(scale)),
          jax.jit(jax.hessian(lambda s: jnll(loc, s, df)))(scale), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular_trans_and_lower_as_autograd_differentiates_them(lower):
    """autograd's solve_triangular derivative handles ``trans`` (0/'N', 1/'T', 2/'C') and
    ``lower``; the same calls on yaae, in a and b, against SciPy and JAX."""
    a = np.tril(R(3, 3)) + 3 * np.eye(3)
    a = a if lower else a.T.copy()
    b = R(3, 2)
    for trans, name in ((0, "N"), (1, "T"), (2, "C")):
        def f(a, b, lib=spla, trans=trans):
            return lib.solve_triangular(a, b, trans=trans, lower=lower)
        close(f(ya.tensor(a), ya.tensor(b)), sl.solve_triangular(a, b, trans=trans, lower=lower),
              rtol=1e-12)
        jg = jax.jit(jax.grad(lambda a, b: jnp.sum(f(a, b, jl) * b), argnums=(0, 1)))(a, b)
        got = ygrad(lambda a, b: f(a, b) * b, [a, b], (0, 1))
        for x, y in zip(got, jg):
            close(x, y, rtol=1e-10)
        # the letter is the number's synonym, in the derivatives too
        for x, y in zip(ygrad(lambda a, b: f(a, b, trans=name) * b, [a, b], (0, 1)), got):
            close(x, y, rtol=1e-15)
    gradcheck(lambda a, b: spla.solve_triangular(a, b, trans="T", lower=lower), a, b,
              modes=("rev", "fwd"), order=2)


# ---- the functions JAX lacks: SciPy's own derivative functions as the oracle ---------------
def _d(f, v, x, order):
    """yaae's order-1 or order-2 derivative of f(v, x) in x, elementwise (reverse mode)."""
    g = lambda x: ya.grad(lambda x: ya.sum(f(v, x)))(x)          # noqa: E731
    return D(g(ya.tensor(x)) if order == 1 else ya.grad(lambda x: ya.sum(g(x)))(ya.tensor(x)))


@pytest.mark.parametrize("name", ["jn", "yn", "iv", "ive", "polygamma"])
def test_order_parameter_functions_vs_scipy_derivatives(name):
    """autograd's jn(2, x), yn(2, x), iv(v, x), ive(v, x) (v in [1, 50]) and polygamma(0, x),
    here with more orders (negative ones where SciPy allows them) and, for jn, iv and ive,
    negative x: first and second derivatives against scipy.special's jvp/yvp/ivp and
    polygamma(n + 1), to 1e-12; the forward-mode derivative too."""
    x = np.array([0.5, 1.2, 3.0, 7.0, -2.0, -0.7, 4.0, -1.5, 0.3, 2.0])
    n = np.array([-3, -2, -1, 0, 1, 2, 5, -3, 2, 0])
    v = np.concatenate([U(1, 50, 4), n[4:].astype(float)])
    xp = np.abs(x) + 0.3
    f = getattr(special, name)
    if name == "jn":
        args, refs = (n, x), [sc.jvp(n, x, k) for k in (1, 2)]
    elif name == "yn":
        args, refs = (n, xp), [sc.yvp(n, xp, k) for k in (1, 2)]
    elif name == "iv":
        args, refs = (v, xp), [sc.ivp(v, xp, k) for k in (1, 2)]
    elif name == "ive":      # d/dx [iv(v, x) exp(-|x|)], integer orders for negative x
        vi = n.astype(float)
        e = np.exp(-np.abs(x))
        d1 = sc.ivp(vi, x, 1) - np.sign(x) * sc.iv(vi, x)
        args, refs = (vi, x), [d1 * e, (sc.ivp(vi, x, 2) - 2 * np.sign(x) * sc.ivp(vi, x, 1)
                                        + sc.iv(vi, x)) * e]
    else:
        m = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
        args, refs = (m, xp), [sc.polygamma(m + 1, xp), sc.polygamma(m + 2, xp)]
    close(f(*[ya.tensor(a) for a in args]), getattr(sc, name)(*args), rtol=1e-13)
    for order, ref in zip((1, 2), refs):
        close(_d(f, args[0], args[1], order), ref, rtol=1e-12, atol=1e-13)
    _, tan = ya.jvp(lambda x: f(args[0], x), (ya.tensor(args[1]),),
                    (ya.tensor(np.ones_like(args[1])),))
    close(tan, refs[0], rtol=1e-12, atol=1e-13)


def test_odeint_backwards_in_time():
    """SciPy's odeint takes a decreasing t (autograd's adjoint loop runs over it as over an
    increasing one); JAX's odeint does not (nan). Values against SciPy, derivatives in y0,
    t and the args against finite differences."""
    def f(y, t, k):
        return -k * y + ya.sin(t)
    y0, t, k = np.array([1.0, 2.0]), np.linspace(1.0, 0.0, 4), np.array([0.5, 1.5])
    want = si.odeint(lambda y, t, k: -k * y + np.sin(t), y0, t, (k,), rtol=1e-12, atol=1e-12)
    close(integrate.odeint(f, y0, t, (k,)), want, rtol=1e-6, atol=1e-8)
    gradcheck(lambda y0, t, k: integrate.odeint(f, y0, t, (k,)), y0, t, k, modes=("rev", "fwd"))


# ---- t.logpdf for a large df (bug found by this review) ------------------------------------
def _mp_t_logpdf(x, df):
    x, df = mpmath.mpf(x), mpmath.mpf(df)
    return (mpmath.loggamma((df + 1) / 2) - mpmath.loggamma(df / 2)
            - mpmath.log(df * mpmath.pi) / 2 - (df + 1) / 2 * mpmath.log1p(x * x / df))


def test_t_logpdf_large_df_vs_mpmath():
    """autograd's t.logpdf formula (gammaln((df+1)/2) - gammaln(df/2) - ...) cancels for a
    large df: yaae's t.logpdf(0.3, 1e12) was off by 2e-4 relative, at 1e15 by 300%
    (SciPy's is right: log(poch(df/2, 1/2))). Values, and derivatives in x and df (reverse
    and forward), against mpmath; finite differences to order 2 across df = 100, where the
    large-df series takes over."""
    mpmath.mp.dps = 50
    x = np.array([0.3, -1.7, 4.0, 0.3, -2.5, 0.3, 1.1, 0.3, -0.4])
    df = np.array([3.0, 99.9, 100.0, 100.1, 1e3, 1e6, 1e8, 1e12, 1e15])
    want = [float(_mp_t_logpdf(a, b)) for a, b in zip(x, df)]
    close(stats.t.logpdf(ya.tensor(x), ya.tensor(df)), want, rtol=1e-14)
    close(stats.t.pdf(ya.tensor(x), ya.tensor(df)), np.exp(want), rtol=1e-14)
    close(stats.t.logpdf(x, df), ss.t.logpdf(x, df), rtol=1e-12)
    gx, gdf = ygrad(stats.t.logpdf, [x, df], (0, 1))
    wx = [float(mpmath.diff(lambda s: _mp_t_logpdf(s, b), a)) for a, b in zip(x, df)]
    wdf = [float(mpmath.diff(lambda s: _mp_t_logpdf(a, s), b)) for a, b in zip(x, df)]
    close(gx, wx, rtol=1e-13)
    # d/d df is O(1 / df^2), a difference of terms x^2 / (2 df): accurate to 1e-15 of those
    _, tan = ya.jvp(lambda s: stats.t.logpdf(x, s), (ya.tensor(df),),
                    (ya.tensor(np.ones_like(df)),))
    for got in (gdf, D(tan)):
        assert np.all(np.abs(got - wdf) <= 1e-10 * np.abs(wdf) + 1e-15 * x * x / df), (got, wdf)
    gradcheck(stats.t.logpdf, x[:5], df[:5], modes=("rev", "fwd"), order=2)


def _mp_t_cdf(x, df):
    x, df = mpmath.mpf(x), mpmath.mpf(df)
    half = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + x * x), regularized=True) / 2
    return half if x < 0 else 1 - half


def test_t_logcdf_right_tail_vs_mpmath():
    """autograd's t.logcdf at the broadcast shapes has x near the centre; in the right tail
    yaae's log(cdf) rounded to 0 (t.logcdf(10, 150) is -7.6e-24; 5 with df 150 was 2e-11
    off, relative), where SciPy's is right. Values and d/dx (pdf / cdf) against mpmath;
    finite differences, order 2, in x and df on both sides of the centre."""
    mpmath.mp.dps = 60
    x = np.array([-5.0, -0.3, 0.0, 0.3, 2.0, 5.0, 10.0, 40.0, 5.0, 10.0])
    df = np.array([3.0, 3.0, 3.0, 3.0, 150.0, 150.0, 150.0, 3.0, 1e4, 1e12])
    want = [float(mpmath.log(_mp_t_cdf(a, b))) for a, b in zip(x, df)]
    close(stats.t.logcdf(ya.tensor(x), ya.tensor(df)), want, rtol=1e-12, atol=0)
    close(stats.t.logcdf(x, df), ss.t.logcdf(x, df), rtol=1e-11, atol=0)
    gx = ygrad(lambda x: stats.t.logcdf(x, df), [x], 0)[0]
    wx = [float(mpmath.exp(_mp_t_logpdf(a, b)) / _mp_t_cdf(a, b)) for a, b in zip(x, df)]
    close(gx, wx, rtol=1e-10, atol=0)
    gradcheck(stats.t.logcdf, np.array([-1.5, -0.2, 0.4, 2.5]), np.array([2.5, 4.0, 3.0, 7.0]),
              modes=("rev", "fwd"), order=2)
