"""``ya.scipy.stats`` (``yaae/scipy/stats.py``) against independent oracles, in
float64, with parameters in broadcasting shapes:

* JAX's ``jax.scipy.stats``: values, VJPs, JVPs and Hessian-vector products,
  for every function JAX has;
* SciPy's ``scipy.stats`` values for every function (also the ones JAX lacks:
  ``t.cdf``, ``t.logcdf``, ``multivariate_normal.entropy``) and out of the support;
* finite differences everywhere (``ya.testing.gradcheck``, reverse and forward
  mode, order 2), also at the points where the formulas switch branches.

Also: the cdfs built on the incomplete gamma/beta functions are differentiable
in their shape parameters, the real ``scipy.stats.norm.logpdf`` on a Tensor that requires grad
names ``ya.scipy.stats.norm.logpdf``, and every public function has a docstring.
"""
import zlib

import jax
import jax.numpy as jnp
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.stats as sst

import yaae as ya
from yaae.testing import gradcheck

jax.config.update("jax_enable_x64", True)
S = ya.scipy.stats
rng = np.random.default_rng(13)


def U(lo, hi, *shape):
    return rng.uniform(lo, hi, shape)


def _sym(c):
    """A covariance from a square matrix, for yaae, JAX and NumPy alike (so that
    finite differences perturb symmetric matrices only)."""
    return (c + c.T) * 0.5


_A = U(-0.5, 0.5, 3, 3)
_COV = _A @ _A.T + np.eye(3)

# "dist.method" -> (arguments, differentiated argument indices); parameters
# broadcast against x, x inside the support (and outside it where noted)
LOCSCALE = (U(-0.5, 0.5, 3, 1), U(0.5, 2.0, 4))
CASES = {}
for _m in ("pdf", "logpdf", "cdf", "sf", "logcdf", "logsf"):
    CASES[f"norm.{_m}"] = ((U(-3.0, 3.0, 4),) + LOCSCALE, (0, 1, 2))
for _m in ("pdf", "logpdf", "cdf", "logcdf"):
    CASES[f"t.{_m}"] = ((U(-4.0, 4.0, 4), U(1.0, 6.0, 3, 1), U(-0.5, 0.5, 4), 1.3),
                        (0, 1, 2, 3) if "pdf" in _m else (0, 2, 3))
for _m in ("pdf", "logpdf", "cdf"):
    CASES[f"gamma.{_m}"] = ((U(0.1, 5.0, 4), U(0.5, 4.0, 3, 1), U(-0.05, 0.05), U(0.8, 1.5, 4)),
                            (0, 1, 2, 3) if "pdf" in _m else (0, 2, 3))
    CASES[f"beta.{_m}"] = ((U(0.05, 0.95, 4), U(0.5, 3.0, 3, 1), U(0.5, 3.0, 4)),
                           (0, 1, 2) if "pdf" in _m else (0,))
    CASES[f"chi2.{_m}"] = ((U(0.2, 6.0, 4), U(1.0, 5.0, 3, 1), 0.0, U(0.8, 1.5, 4)),
                           (0, 1, 3) if "pdf" in _m else (0, 3))
    for _d in ("laplace", "expon", "uniform", "logistic", "cauchy"):
        lo, hi = {"expon": (0.1, 4.0), "uniform": (0.05, 0.95)}.get(_d, (-3.0, 3.0))
        CASES[f"{_d}.{_m}"] = ((U(lo, hi, 4), U(-0.05, 0.05, 3, 1), U(1.0, 1.2, 4)), (0, 1, 2))
for _m in ("pmf", "logpmf", "cdf"):
    CASES[f"poisson.{_m}"] = ((np.array([0.0, 1.0, 2.0, 5.0]), U(0.5, 4.0, 3, 1)), (1,))
for _m in ("pdf", "logpdf"):
    # K - 1 components given (the last is 1 - sum): finite differences stay on the simplex
    CASES[f"dirichlet.{_m}"] = ((np.array([[0.2, 0.5], [0.3, 0.1]]), U(0.5, 3.0, 3)), (0, 1))
    CASES[f"multivariate_normal.{_m}"] = ((U(-2.0, 2.0, 5, 3), U(-0.5, 0.5, 3), _COV),
                                          (0, 1, 2))
CASES["multivariate_normal.entropy"] = ((U(-0.5, 0.5, 3), _COV), (0, 1))

MVN = ("multivariate_normal.pdf", "multivariate_normal.logpdf", "multivariate_normal.entropy")
NO_JAX = ("t.cdf", "t.logcdf", "multivariate_normal.entropy")
JAX = sorted(set(CASES) - set(NO_JAX))


def _get(mod, name):
    dist, method = name.split(".")
    return getattr(getattr(mod, dist), method)


def _fn(name, f=None, sym=_sym):
    """``f`` (default yaae's) as a function of the differentiated arguments only."""
    f = f or _get(S, name)
    args, diff = CASES[name]
    cov = len(args) - 1 if name in MVN else None

    def g(*xs):
        a = list(args)
        for i, x in zip(diff, xs):
            a[i] = sym(x) if i == cov else x
        return f(*a)
    return g, [np.asarray(args[i], dtype=float) for i in diff]


def test_every_distribution_of_the_issue_is_here_and_tested():
    want = {"norm": "pdf cdf sf logpdf logcdf logsf", "t": "pdf cdf logpdf logcdf",
            "poisson": "pmf logpmf cdf", "dirichlet": "pdf logpdf",
            "multivariate_normal": "pdf logpdf entropy"}
    for d in ("gamma", "beta", "chi2", "laplace", "expon", "uniform", "logistic", "cauchy"):
        want[d] = "pdf logpdf cdf"
    assert sorted(S.__all__) == sorted(want)
    assert {f"{d}.{m}" for d, ms in want.items() for m in ms.split()} <= set(CASES)


def _close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scipy_values_and_finite_differences(name):
    """SciPy's value, and every derivative to order 2 in both modes against finite
    differences."""
    f, xs = _fn(name)
    _close(f(*xs), _fn(name, _get(sst, name), sym=lambda c: c)[0](*xs), 1e-10)
    assert gradcheck(f, *xs, modes=("rev", "fwd"), order=2, eps=1e-6, rtol=1e-5, atol=1e-6)


# ---- JAX ----------------------------------------------------------------------------------
def _jsym(c):
    return (c + jnp.swapaxes(c, 0, 1)) * 0.5


# JAX computes these less accurately than SciPy (its incomplete gamma/beta and
# polygamma): the tolerance is JAX's error
JAX_RTOL = {"gamma.cdf": 1e-8, "beta.cdf": 1e-8, "chi2.cdf": 1e-8, "poisson.cdf": 1e-8}


@pytest.mark.parametrize("name", JAX)
def test_against_jax(name):
    """Value, VJP, JVP and Hessian-vector product of ``sum(f(x) * u)`` (JAX op by op:
    compiling each function would take most of this file's time)."""
    with jax.disable_jit():
        _check_jax(name)


def _check_jax(name):
    rtol = JAX_RTOL.get(name, 1e-10)
    f, xs = _fn(name)
    jf, _ = _fn(name, _get(jst, name), sym=_jsym)
    r = np.random.default_rng(zlib.crc32(name.encode()))
    ts = [r.standard_normal(np.shape(x)) for x in xs]
    out, vjp = ya.vjp(f, *xs)
    jout, jvjp = jax.vjp(jf, *xs)
    _close(out, jout, rtol)
    u = r.standard_normal(np.shape(out))
    for a, b in zip(vjp(u), jvjp(u)):                                    # reverse
        _close(a, b, rtol)
    _close(ya.jvp(f, tuple(xs), tuple(ts))[1], jax.jvp(jf, tuple(xs), tuple(ts))[1], rtol)
    # order 2: the JVP of the VJP (a Hessian-vector product of u . f)
    hv = ya.jvp(lambda *a: ya.vjp(f, *a)[1](u), tuple(xs), tuple(ts))[1]
    jhv = jax.jvp(lambda *a: jax.vjp(jf, *a)[1](u), tuple(xs), tuple(ts))[1]
    for a, b in zip(hv, jhv):
        tol = max(rtol, 1e-9)       # (relative to the largest entry too: sums of terms)
        _close(a, b, tol, tol * np.max(np.abs(b)))


# ---- support boundaries and branch switches -------------------------------------------------
EDGES = [   # (function, x, parameters): SciPy's value, finite derivatives where it is finite
    ("gamma.logpdf", [-1.0, 0.0, 0.0, 0.0, 2.0], ([0.5, 1.0, 2.0, 1.0, 1.5],)),
    ("gamma.pdf", [-1.0, 0.0, 0.0, 2.0], ([1.0, 1.0, 2.0, 1.5],)),
    ("gamma.cdf", [-1.0, 0.0, 2.0], (1.5,)),
    ("beta.logpdf", [-0.5, 0.0, 1.0, 1.5, 0.0, 1.0], ([2.0, 1.0, 1.0, 2.0, 3.0, 2.0],
                                                     [2.0, 1.0, 1.0, 2.0, 2.0, 3.0])),
    ("beta.cdf", [-0.5, 0.0, 1.0, 1.5], (2.0, 3.0)),
    ("chi2.logpdf", [-1.0, 0.0, 3.0], (2.0,)),
    ("expon.logpdf", [-1.0, 0.0, 3.0], ()),
    ("expon.cdf", [-1.0, 0.0, 3.0], ()),
    ("uniform.logpdf", [-1.0, 0.0, 0.5, 1.0, 2.0], ()),
    ("uniform.cdf", [-1.0, 0.5, 2.0], ()),
    ("laplace.cdf", [-1.0, 0.0, 2.0], ()),
    ("t.cdf", [-30.0, -2.0, 0.0, 2.0, 30.0], ([1.5, 3.0, 2.0, 4.0, 1.0],)),
    ("poisson.logpmf", [-1.0, 0.0, 1.5, 3.0], ([0.0, 0.0, 0.0, 0.0],)),
    ("poisson.logpmf", [-1.0, 0.0, 1.5, 3.0], (2.0,)),
    ("poisson.cdf", [-1.0, 0.0, 1.5, 3.0], (2.0,)),
]


@pytest.mark.parametrize("name, x, params", EDGES, ids=[e[0] for e in EDGES])
def test_outside_the_support_as_scipy_with_finite_derivatives(name, x, params):
    x = np.array(x)
    params = tuple(np.asarray(p, dtype=float) for p in params)
    out = _get(S, name)(x, *params)
    _close(out, _get(sst, name)(x, *params))
    # (poisson: k is discrete)
    diff = (1,) if name.startswith("poisson") else range(1 + len(params))
    finite = np.isfinite(out.data)
    for i in diff:
        g = ya.grad(lambda v: ya.sum(_get(S, name)(*[v if j == i else a for j, a in
                                                     enumerate((x,) + params)])))
        d = np.asarray(ya.Tensor.numpy(g(((x,) + params)[i])))
        assert np.all(np.isfinite(d[finite] if d.ndim else d)), (name, i, d)


def test_smooth_through_branch_switches():
    # t.cdf switches formulas at x == loc and at (x - loc)^2 == df; logistic.logpdf is
    # smooth at loc (no |x - loc| in it); poisson.logpmf at mu -> 0
    checks = [(lambda x: S.t.cdf(x, 3.0, 0.5), np.array([0.5, 0.5 + 3 ** 0.5, 0.5 - 1.0])),
              (lambda x: S.t.logcdf(x, 2.0), np.array([0.0, -2 ** 0.5])),
              (lambda x: S.logistic.logpdf(x, 0.3), np.array([0.3, -1.0])),
              (lambda mu: S.poisson.logpmf(np.array([0.0, 1.0]), mu), np.array([1e-3]))]
    for f, x in checks:
        assert gradcheck(f, x, modes=("rev", "fwd"), order=2, rtol=1e-5, atol=1e-6)


def test_t_logpdf_at_large_df_to_the_last_digits():
    # gammaln((df+1)/2) - gammaln(df/2) cancelled (1e-4 relative at df = 1e12); now
    # betaln below df = 200 and an asymptotic series above.  Oracle: mpmath at 40
    # digits, for the value and the derivatives in x and df, on both sides of 200.
    import mpmath as mp
    mp.mp.dps = 40

    def ref(x, df):
        x, df = mp.mpf(x), mp.mpf(df)
        return (mp.loggamma((df + 1) / 2) - mp.loggamma(df / 2) - mp.log(df * mp.pi) / 2
                - (df + 1) / 2 * mp.log1p(x * x / df))

    xs = np.array([0.0, 1.5, -4.0, 30.0])
    for df in (1.0, 7.0, 32.0, 50.0, 199.9, 200.1, 1e3, 1e6, 1e12):
        got = ya.Tensor.numpy(S.t.logpdf(ya.tensor(xs), df))
        want = np.array([float(ref(x, df)) for x in xs])
        np.testing.assert_allclose(got, want, rtol=3e-15, atol=0)
        for x in (0.0, 1.5, 30.0):
            d_df = float(ya.grad(lambda d: S.t.logpdf(x, d))(ya.tensor(df)))
            d_x = float(ya.grad(lambda v: S.t.logpdf(v, df))(ya.tensor(x)))
            want_df = float(mp.diff(lambda d: ref(x, d), mp.mpf(df)))
            want_x = float(mp.diff(lambda v: ref(v, df), mp.mpf(x)))
            # d/ddf is the difference of terms of size x^2/df (1e-6 at df = 1e6) that
            # cancel to O(1/df^2): absolute accuracy 1e-16 of the terms
            np.testing.assert_allclose(d_df, want_df, rtol=1e-9, atol=1e-16 * max(1.0, x * x) / df)
            np.testing.assert_allclose(d_x, want_x, rtol=1e-12, atol=1e-300)
    # smooth across the switch, in both modes, to order 2 (eps 1e-4: the constant's
    # rounding, ~1e-15, would be noise of 1e-9 with a step of 1e-6)
    assert gradcheck(lambda d: S.t.logpdf(1.5, d), np.array([199.9, 200.0, 200.1, 3e3]),
                     modes=("rev", "fwd"), order=2, eps=1e-4, rtol=1e-6, atol=1e-11)


def test_shape_parameter_of_an_incomplete_gamma_or_beta_cdf_is_differentiable():
    # (was a TypeError before issue #12; tests/test_scipy_special_params.py checks these
    # against JAX and finite differences with loc, scale and broadcasting)
    for f in (lambda df: S.t.cdf(0.7, df), lambda df: S.t.logcdf(-2.5, df),
              lambda a: S.gamma.cdf(0.7, a), lambda a: S.beta.cdf(0.3, a, 2.0),
              lambda b: S.beta.cdf(0.3, 2.0, b), lambda df: S.chi2.cdf(0.7, df)):
        assert gradcheck(f, np.array([2.5, 0.8]), modes=("rev", "fwd"), order=2, rtol=1e-5,
                         atol=1e-7)


def test_multivariate_normal_singular_and_scipy_errors():
    cov = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    x = np.array([[0.3, 0.3, -0.5], [0.3, -0.3, 1.0], [1.0, 1.0, 0.0]])
    mean = np.array([0.0, 0.0, 0.1])
    _close(S.multivariate_normal.logpdf(x, mean, cov, allow_singular=True),
           sst.multivariate_normal.logpdf(x, mean, cov, allow_singular=True))
    _close(S.multivariate_normal.entropy(mean, cov), sst.multivariate_normal.entropy(mean, cov))
    g = ya.grad(lambda m: ya.sum(ya.exp(S.multivariate_normal.logpdf(x, m, cov,
                                                                     allow_singular=True))))(mean)
    assert np.all(np.isfinite(g.data))
    with pytest.raises(np.linalg.LinAlgError, match="allow_singular"):
        S.multivariate_normal.logpdf(x, mean, cov)
    with pytest.raises(ValueError, match="positive semidefinite"):
        S.multivariate_normal.logpdf(x, mean, -np.eye(3))
    # a scalar or diagonal cov, 1-D x, the 1-D distribution: SciPy's shapes
    for args in ((np.array([0.5, 1.0]), np.zeros(2), 2.0),
                 (np.array([0.5, 1.0]), [0.0, 0.0], [1.0, 3.0]),
                 (np.array([0.5, 1.0, 2.0]), 0.5, 2.0), (1.5,),
                 (U(-1.0, 1.0, 2, 4, 3), None, _COV)):
        _close(S.multivariate_normal.logpdf(*args), sst.multivariate_normal.logpdf(*args))


def test_singular_multivariate_normal_is_the_density_on_its_range():
    # cov = B S B' (B: orthonormal 3x2) at x = mean + B z: the 2-D density of z with
    # cov S, as a function of (z, mean, S), also where S's eigenvalues repeat (S = 2 I)
    b = np.linalg.qr(U(-1.0, 1.0, 3, 2))[0]
    z, mean = U(-1.0, 1.0, 4, 2), U(-0.5, 0.5, 3)
    for s2 in (2 * np.eye(2), np.array([[1.5, 0.4], [0.4, 0.8]])):
        def cov(s2):
            return ya.matmul(ya.matmul(b, _sym(s2)), b.T)

        def f(z, mean, s2):
            x = ya.matmul(z, b.T) + mean
            return S.multivariate_normal.logpdf(x, mean, cov(s2), allow_singular=True)
        _close(f(z, mean, s2), sst.multivariate_normal.logpdf(z, np.zeros(2), s2))
        assert gradcheck(f, z, mean, s2, modes=("rev", "fwd"), order=2, rtol=1e-5, atol=1e-6)
        _close(ya.grad(lambda s2: ya.sum(f(z, mean, s2)))(s2),
               ya.grad(lambda s2: ya.sum(S.multivariate_normal.logpdf(z, None, _sym(s2))))(s2))
        ent = ya.grad(lambda s2: S.multivariate_normal.entropy(mean, cov(s2)))
        _close(ent(s2), ya.grad(lambda s2: S.multivariate_normal.entropy(None, _sym(s2)))(s2))


def test_real_scipy_stats_on_a_tensor_names_the_yaae_function():
    x = ya.tensor([0.5, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"ya\.scipy\.stats\.norm\.logpdf"):
        sst.norm.logpdf(x)
    with pytest.raises(TypeError, match=r"ya\.scipy\.stats\.t\.cdf"):
        sst.t.cdf(x, 3.0)
    with pytest.raises(TypeError, match=r"ya\.scipy\.stats\.norm\.logpdf"):
        sst.norm(0.0, 1.0).logpdf(x)
    with pytest.raises(TypeError) as e:
        np.asarray(x)
    assert "scipy" not in str(e.value)


def test_real_scipy_functions_on_a_tensor_name_the_yaae_function():
    # the same hint beyond scipy.stats: the outermost SciPy function (or the function
    # inside SciPy's batching wrapper, which converts its arguments first)
    import scipy.integrate as si
    import scipy.linalg as sl
    import scipy.signal as sg
    import scipy.special as sc
    x = ya.tensor(np.eye(3) + 1.0, requires_grad=True)
    calls = {"special.logsumexp": lambda: sc.logsumexp(x),
             "special.polygamma": lambda: sc.polygamma(1, x),
             "linalg.solve_triangular": lambda: sl.solve_triangular(x, np.eye(3)),
             "linalg.cho_factor": lambda: sl.cho_factor(x),
             "linalg.expm": lambda: sl.expm(x),
             "signal.fftconvolve": lambda: sg.fftconvolve(x, x),
             "integrate.simpson": lambda: si.simpson(x)}
    for name, call in calls.items():
        with pytest.raises(TypeError, match=rf"call ya\.scipy\.{name}\(\.\.\.\) instead"):
            call()
    with pytest.raises(TypeError, match=r"yaae has no ya\.scipy\.stats\.norm\.ppf"):
        sst.norm.ppf(x)


def test_distributions_are_modules_as_in_jax():
    import yaae.scipy.stats.norm as norm
    from yaae.scipy.stats.t import logpdf
    assert norm is S.norm and logpdf is S.t.logpdf


def test_docstrings_and_float_dtype():
    assert S.__doc__
    for d in S.__all__:
        dist = getattr(S, d)
        assert dist.__doc__
        for m in vars(dist):
            if not m.startswith("_"):
                assert getattr(dist, m).__doc__, f"{d}.{m}"
    assert S.norm.logpdf(np.float64(0.5)).dtype == np.float64


def test_scipy_signatures_keywords_and_numbers():
    calls = [("t.logpdf", (0.5,), dict(df=3.0, scale=2.0)),
             ("t.cdf", (), dict(x=0.5, df=3.0, loc=0.1)),
             ("beta.pdf", (0.5, 2.0, 3.0, 0.1, 1.2), {}),
             ("gamma.cdf", (1.5,), dict(a=2.0, scale=0.5)),
             ("norm.logsf", (1,), dict(loc=2)), ("poisson.pmf", (2,), dict(mu=1.5, loc=1)),
             ("multivariate_normal.pdf", ([0.5, 0.2],), dict(cov=[[1.0, 0.2], [0.2, 2.0]]))]
    for name, args, kw in calls:
        out = _get(S, name)(*args, **kw)
        assert isinstance(out, ya.Tensor)
        _close(out, _get(sst, name)(*args, **kw))
    with pytest.raises(TypeError, match="df"):
        S.t.cdf(0.5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32(name):
    args, _ = CASES[name]
    args32 = [np.asarray(a, np.float32) for a in args]
    out = _get(S, name)(*args32)
    assert out.dtype == np.float32
    _close(out, _get(sst, name)(*args), rtol=1e-5, atol=1e-6)
