"""Review of issue #12 (differentiable SciPy) from the CASES of JAX's own scipy tests
(``tests/scipy_stats_test.py``, ``lax_scipy_special_functions_test.py``,
``lax_scipy_test.py``, ``scipy_signal_test.py`` and ``linalg_test.py``'s
``ScipyLinalgTest`` in jax-ml/jax), re-expressed against yaae: broadcasting
parameter shapes, float32 inputs, values at the edges of the support and the
domain, the kernel-size and axes cases of the convolutions.  These complement
``test_review_scipy.py`` and the ``tests/opinfo/samples_scipy_*.py`` tables (not
repeated here).

Oracles: SciPy for values (dtype, shape, nan/inf where SciPy gives them); JAX
(``jax_enable_x64``) for reverse and forward derivatives where JAX differentiates
the function and is right; mpmath where JAX is not; ``ya.testing.gradcheck``
(both modes, order 2) otherwise.
"""
import warnings

import mpmath
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.signal as sg
import scipy.special as sc
import scipy.stats as ss
import jax
import jax.numpy as jnp
import jax.scipy.special as js
import jax.scipy.stats as jst
import jax.scipy.linalg as jl
import jax.scipy.signal as jsig

import yaae as ya
from yaae.testing import gradcheck
from test_review_scipy import D, close, ygrad, jgrad

jax.config.update("jax_enable_x64", True)

S = ya.scipy
RNG = np.random.default_rng(1212)


def U(lo, hi, *shape):
    return RNG.uniform(lo, hi, size=shape)


def same(got, want, rtol=1e-12, atol=0.0):
    """Values, shape and dtype equal to SciPy's (nan where SciPy has nan)."""
    got, want = D(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def yjvp(f, xs, ts):
    """yaae's forward-mode tangent of f at xs along ts."""
    _, t = ya.jvp(f, tuple(ya.tensor(x) for x in xs), tuple(ya.tensor(t) for t in ts))
    return D(t)


def jjvp(f, xs, ts):
    with jax.disable_jit():
        _, t = jax.jvp(f, tuple(jnp.asarray(x) for x in xs), tuple(jnp.asarray(t) for t in ts))
    return np.asarray(t)


# =============================================================================================
# ya.scipy.special
# =============================================================================================
def _mills(x, order):
    """The ``order``-th derivative of log_ndtr at x (order >= 1), from mpmath."""
    mpmath.mp.dps = 60
    r = lambda t: mpmath.npdf(t) / mpmath.ncdf(t)    # noqa: E731
    return float(mpmath.diff(r, mpmath.mpf(x), order - 1))


def test_log_ndtr_first_and_second_derivative_far_left_vs_mpmath():
    # JAX's test samples log_ndtr down to very negative x.  The derivative written as
    # exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) subtracts two numbers of size x^2/2: at
    # x = -1e5 it was off by 7e-7 relative, at -1e8 by a factor 1.9.
    x = np.array([-1e8, -1e5, -1e3, -150.0, -100.5, -99.5, -40.0, -5.0, -0.5, 0.0, 0.5,
                  5.0, 30.0])
    d1 = [_mills(v, 1) for v in x]
    d2 = [_mills(v, 2) for v in x]
    close(ygrad(S.special.log_ndtr, [x], 0)[0], d1, rtol=1e-13, atol=0)
    close(yjvp(S.special.log_ndtr, [x], [np.ones_like(x)]), d1, rtol=1e-13, atol=0)
    g2 = ya.grad(lambda v: ya.sum(ya.grad(lambda u: ya.sum(S.special.log_ndtr(u)))(v)))
    close(g2(ya.tensor(x)), d2, rtol=1e-12, atol=0)
    h = ya.jacfwd(ya.grad(lambda u: ya.sum(S.special.log_ndtr(u))))(ya.tensor(x))
    close(np.diagonal(D(h)), d2, rtol=1e-12, atol=0)
    # JAX agrees to 1e-6 where it is accurate itself (not far left)
    mid = x[(x > -50)]
    close(ygrad(S.special.log_ndtr, [mid], 0)[0], jgrad(js.log_ndtr, [mid], 0)[0], rtol=1e-8)
    gradcheck(S.special.log_ndtr, np.array([-30.0, -3.0, 0.2, 4.0]), modes=("rev", "fwd"),
              order=2)


NAN, INF = np.nan, np.inf
# SciPy's values at the edges of each function's domain (poles, +-inf, nan, out of range,
# the points where x log y-type functions switch convention); inputs broadcast
SPECIAL_EDGES = [
    ("gammaln", [np.array([-0.5, -1.5, -2.5, -1.0, 0.0, -0.0, INF, -INF, NAN])]),
    ("gamma", [np.array([-0.5, -1.0, 0.0, -0.0, 171.7, 172.0, INF, -INF, NAN])]),
    ("rgamma", [np.array([-0.5, -1.0, 0.0, INF, -INF, 200.0, NAN])]),
    ("gammasgn", [np.array([-0.5, -1.5, -1.0, 0.0, -0.0, INF, -INF, NAN])]),
    ("digamma", [np.array([-0.5, -1.0, 0.0, -0.0, 1e-300, INF, NAN])]),
    ("polygamma", [np.array([[0], [1], [2], [4]]), np.array([-0.5, 0.0, -1.0, 1e-3, INF])]),
    ("beta", [np.array([0.0, -0.5, 1.0, 1e-300, INF]), np.array([1.0, 1.0, 0.0, 1.0, 1.0])]),
    ("betaln", [np.array([0.0, -0.5, 1.0, 1e-300, 1e6]), np.array([1.0, 1.0, 0.0, 1.0, 1e6])]),
    ("gammainc", [np.array([1.0, 1.0, 1.0, 0.0, 2.0, -1.0, 1.0, INF]),
                  np.array([0.0, INF, -1.0, 1.0, 0.0, 1.0, NAN, 1.0])]),
    ("gammaincc", [np.array([1.0, 1.0, 1.0, 0.0, 2.0, -1.0, 1.0, INF]),
                   np.array([0.0, INF, -1.0, 1.0, 0.0, 1.0, NAN, 1.0])]),
    ("betainc", [np.array([1.0, 1.0, 1.0, 0.0, 2.0, -1.0, 2.0]),
                 np.array([1.0, 2.0, 1.0, 1.0, 0.0, 1.0, 2.0]),
                 np.array([0.0, 1.0, 1.5, 0.5, 0.5, 0.5, -0.1])]),
    ("erf", [np.array([INF, -INF, NAN, 0.0, -0.0, 30.0])]),
    ("erfc", [np.array([INF, -INF, NAN, 0.0, 30.0, -30.0])]),
    ("erfinv", [np.array([-1.0, 1.0, 1.5, -1.5, NAN, 0.0, 1 - 1e-16])]),
    ("erfcinv", [np.array([0.0, 2.0, -0.5, 2.5, 1.0, 1e-300])]),
    ("ndtr", [np.array([INF, -INF, -40.0, 40.0, NAN])]),
    ("ndtri", [np.array([0.0, 1.0, -0.1, 1.1, 1e-300, 1 - 1e-16, NAN])]),
    ("log_ndtr", [np.array([-INF, INF, -1e10, -1e5, -38.0, 5.0, 10.0, 40.0, NAN])]),
    ("expit", [np.array([-INF, INF, -1000.0, 1000.0, NAN])]),
    ("logit", [np.array([-0.1, 1.1, 0.0, 1.0, 1e-300, NAN])]),
    ("xlogy", [np.array([0.0, 0.0, 0.0, 1.0, 1.0, NAN, 0.0]),
               np.array([0.0, -1.0, INF, 0.0, -1.0, 0.0, NAN])]),
    ("xlog1py", [np.array([0.0, 0.0, 0.0, 1.0, 1.0, 0.0]),
                 np.array([-1.0, -2.0, INF, -1.0, -2.0, NAN])]),
    ("entr", [np.array([0.0, -0.0, -1e-300, INF, NAN, 1e-300])]),
    ("i0", [np.array([0.0, -800.0, 800.0, INF, -INF])]),
    ("i1", [np.array([0.0, -800.0, 800.0, INF, -INF])]),
    ("iv", [np.array([0.0, 1.0, 2.0, 1.5, 0.5, -1.0, -1.5, 0.0]),
            np.array([-2.0, -2.0, -2.0, -2.0, 0.0, -1.0, 2.0, 800.0])]),
    ("ive", [np.array([0.0, 1.0, 2.0, 1.5, 0.5, -1.0, -1.5, 1.0]),
             np.array([-2.0, -2.0, -2.0, -2.0, 0.0, -1.0, 2.0, -800.0])]),
    ("jn", [np.array([0, 1, 2, -1, -2]), np.array([-2.0, -2.0, -2.0, 2.0, 2.0])]),
    ("yn", [np.array([0, 1, 2, -1, -2, 1]), np.array([-2.0, 0.0, 2.0, 2.0, 2.0, -1.0])]),
    ("j0", [np.array([-1.0, -5.0, INF, 0.0])]),
    ("j1", [np.array([-1.0, -5.0, INF, 0.0])]),
    ("y0", [np.array([0.0, -1.0, INF])]),
    ("y1", [np.array([0.0, -1.0, INF])]),
]


@pytest.mark.parametrize("name,xs", SPECIAL_EDGES, ids=[c[0] for c in SPECIAL_EDGES])
def test_special_edge_values_dtype_and_float32_as_scipy(name, xs):
    f = getattr(S.special, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(sc, name)(*xs)
        same(f(*[ya.tensor(x) for x in xs]), want, rtol=1e-13)
        # float32 in, SciPy's dtype out (the ufunc's loop), same values to float32
        x32 = [x.astype(np.float32) if x.dtype.kind == "f" else x for x in xs]
        want32 = getattr(sc, name)(*x32)
        same(f(*[ya.tensor(x) for x in x32]), want32, rtol=2e-6)


# (name, inputs, argnums, oracle): derivatives at edges and in broadcasting shapes, vs JAX
# where JAX is right there
SPECIAL_GRADS = [
    ("xlogy", [np.array([[0.0], [0.0], [1.5]]), np.array([0.5, 2.0, 3.0])], (0, 1)),
    ("xlog1py", [np.array([[0.0], [0.0], [1.5]]), np.array([-0.5, 2.0, 3.0])], (0, 1)),
    ("entr", [np.array([0.0, 1e-300, 0.5, 1.0, 3.0])], (0,)),
    ("gammaln", [np.array([-0.5, -1.5, -2.3, -10.7, 0.3])], (0,)),
    ("digamma", [np.array([-0.5, -1.5, -2.3, 0.2])], (0,)),
    ("gamma", [np.array([-0.5, -1.5, -2.3, 0.2])], (0,)),
    ("polygamma", [np.array([[0], [1], [2], [5]]), np.array([0.3, 1.0, 4.0, -0.5])], (1,)),
    ("erfinv", [np.array([-1.0, 1.0, 0.0, 0.999])], (0,)),
    ("erf", [np.array([-INF, INF, 30.0, -0.2])], (0,)),
    ("expit", [np.array([-800.0, 800.0, 0.0])], (0,)),
    ("logit", [np.array([0.0, 1.0, 0.5])], (0,)),
    ("i1", [np.array([-3.0, -0.5, 0.0, 2.0])], (0,)),
    ("betainc", [np.array([[2.0], [0.5]]), np.array([3.0, 0.5, 2.0]), np.array([0.0, 1.0, 0.5])],
     (2,)),
    ("gammainc", [np.array([[0.5], [2.0], [3.0]]), np.array([0.0, 1.0, 50.0])], (1,)),
    ("gammaincc", [np.array([[0.5], [2.0], [3.0]]), np.array([0.0, 1.0, 50.0])], (1,)),
    ("betaln", [np.array([1e3, 1e6, 0.5]), np.array([2.0, 0.5, 1e6])], (0, 1)),
]


@pytest.mark.parametrize("name,xs,nums", SPECIAL_GRADS, ids=[c[0] for c in SPECIAL_GRADS])
def test_special_derivatives_at_edges_and_broadcasting_vs_jax(name, xs, nums):
    f = getattr(S.special, name)
    jf = getattr(js, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = ygrad(f, xs, nums)
        for g, w in zip(got, jgrad(jf, xs, nums)):
            assert g.shape == w.shape
            close(g, w, rtol=1e-9, atol=1e-12)
        # forward mode in the differentiable arguments (the others closed over)
        pick = lambda fn: (lambda *d: fn(*[d[nums.index(i)] if i in nums else x   # noqa
                                           for i, x in enumerate(xs)]))
        ts = [np.ones_like(xs[i]) for i in nums]
        close(yjvp(pick(f), [xs[i] for i in nums], ts),
              jjvp(pick(jf), [xs[i] for i in nums], ts), rtol=1e-9, atol=1e-12)


def test_special_derivatives_where_jax_is_not_the_oracle():
    mpmath.mp.dps = 30
    # i0' = i1: 0 at 0 (JAX's i0 gradient at 0 is 1.04, from |x|); mpmath elsewhere
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    close(ygrad(S.special.i0, [x], 0)[0], [float(mpmath.besseli(1, v)) for v in x], rtol=1e-13)
    # iv and ive at negative x (integer and half-integer orders: iv is nan off the
    # integers there, as SciPy's): mpmath
    v, z = np.array([0.0, 1.0, 2.0, 3.0]), np.array([-2.0, -0.7, -1.5, -4.0])
    close(S.special.iv(v, ya.tensor(z)), sc.iv(v, z), rtol=1e-13)
    want = [float(mpmath.diff(lambda t: mpmath.besseli(int(a), t), b)) for a, b in zip(v, z)]
    close(ygrad(lambda t: S.special.iv(v, t), [z], 0)[0], want, rtol=1e-11)
    want = [float(mpmath.diff(lambda t: mpmath.besseli(int(a), t) * mpmath.exp(-abs(t)), b))
            for a, b in zip(v, z)]
    close(ygrad(lambda t: S.special.ive(v, t), [z], 0)[0], want, rtol=1e-11)
    gradcheck(lambda t: S.special.ive(v, t), z, modes=("rev", "fwd"), order=2)
    # gammainc(a, x) at x = 0: x^(a-1) e^-x / gamma(a) is 1 for a = 1 (JAX: nan), inf
    # below, 0 above
    for a, want in [(1.0, 1.0), (0.5, INF), (2.0, 0.0)]:
        close(ya.grad(lambda t: S.special.gammainc(a, t))(ya.tensor(0.0)), want)
        close(ya.grad(lambda t: S.special.gammaincc(a, t))(ya.tensor(0.0)), -want)
    # ndtri' = sqrt(2 pi) exp(ndtri^2 / 2) is +inf at 0 and 1, as torch's (JAX's is 0)
    import torch
    p = np.array([0.0, 1.0, 0.3])
    t = torch.tensor(p, requires_grad=True)
    torch.special.ndtri(t).sum().backward()
    close(ygrad(S.special.ndtri, [p], 0)[0], t.grad.numpy(), rtol=1e-13)
    # multigammaln: order d = 5 and a 2-D a vs JAX, order 2 both modes
    a = np.array([[2.5, 3.0], [4.0, 10.0]])
    close(ygrad(lambda a: S.special.multigammaln(a, 5), [a], 0)[0],
          jgrad(lambda a: js.multigammaln(a, 5), [a], 0)[0], rtol=1e-12)
    same(S.special.multigammaln(ya.tensor(a), 5), sc.multigammaln(a, 5), rtol=1e-13)
    gradcheck(lambda a: S.special.multigammaln(a, 5), a, modes=("rev", "fwd"), order=2)


LSE = [("all -inf row", np.array([[-INF, -INF], [0.0, 1.0]]), None, 1),
       ("-inf entries", np.array([-INF, 0.0, 1.0]), None, None),
       ("+inf entry", np.array([INF, 0.0]), None, None),
       ("+inf and -inf", np.array([INF, -INF]), None, None),
       ("nan", np.array([NAN, 0.0]), None, None),
       ("empty", np.zeros(0), None, None),
       ("b cancels", np.array([0.0, 0.0]), np.array([1.0, -1.0]), None),
       ("b negative sum", np.array([0.0, 1.0]), np.array([1.0, -1.0]), None),
       ("b all zero", np.array([0.0, 1.0]), np.array([0.0, 0.0]), None),
       ("b -inf a", np.array([-INF, 1.0, 2.0]), np.array([-2.0, 1.0, -0.5]), None),
       ("axis tuple", np.arange(24.0).reshape(2, 3, 4) / 7, None, (0, 2)),
       ("axis -2, b broadcast", np.arange(24.0).reshape(2, 3, 4) / 7,
        np.array([[1.0], [-2.0], [0.5]]), -2)]


@pytest.mark.parametrize("case", LSE, ids=[c[0] for c in LSE])
def test_logsumexp_edges_vs_scipy(case):
    _, a, b, axis = case
    for keepdims in (False, True):
        for sign in (False, True):
            kw = dict(axis=axis, b=b, keepdims=keepdims, return_sign=sign)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = sc.logsumexp(a, **kw)
                got = S.special.logsumexp(ya.tensor(a), **kw)
            if sign:
                same(got[0], want[0])
                if a.size:   # SciPy 1.17 gives the sign -1 to an empty sum (0: sign 0)
                    same(got[1], want[1])
            else:
                same(got, want)


def test_logsumexp_derivatives_with_inf_entries_and_signed_b_vs_jax():
    a = np.array([[-INF, 0.0, 1.0, 0.5], [0.3, -INF, -1.0, 2.0]])
    b = np.array([[1.0, -1.0, 2.0, -0.5]])
    for axis in (None, 1, (0, 1)):
        mine = lambda a, b: S.special.logsumexp(a, axis=axis, b=b, return_sign=True)[0]  # noqa
        theirs = lambda a, b: js.logsumexp(a, axis=axis, b=b, return_sign=True)[0]     # noqa
        for g, w in zip(ygrad(mine, [a, b], (0, 1)), jgrad(theirs, [a, b], (0, 1))):
            close(g, w, rtol=1e-10)
        ts = [np.where(np.isinf(a), 0.0, RNG.normal(size=a.shape)), RNG.normal(size=b.shape)]
        close(yjvp(mine, [a, b], ts), jjvp(theirs, [a, b], ts), rtol=1e-10)
    # finite differences in b and in the finite entries of a (the -inf ones held)
    fin = np.isfinite(a)

    def g(v, b):
        full = ya.where(fin, ya.zeros(a.shape), a)
        full = full + ya.reshape(ya.tensor(np.eye(a.size)[:, fin.ravel()]) @ v, a.shape)
        return S.special.logsumexp(full, axis=1, b=b, return_sign=True)[0]
    gradcheck(g, a[fin], b, modes=("rev", "fwd"), order=2)


def test_softmax_over_a_slice_with_plus_inf_is_nan_as_scipy():
    # (softmax([inf, 0]) was [nan, 0]; SciPy's and torch's are [nan, nan])
    x = np.array([[INF, 0.0, 1.0], [0.5, -INF, 1.0], [INF, INF, 0.0]])
    for axis in (None, 0, 1, (0, 1)):
        for name in ("softmax", "log_softmax"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                same(getattr(S.special, name)(ya.tensor(x), axis=axis),
                     getattr(sc, name)(x, axis=axis))
    x32 = np.array([INF, 0.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(S.special.softmax(ya.tensor(x32)), sc.softmax(x32))
    # the finite rows keep their derivatives
    w = RNG.normal(size=(3, 3))
    g = ygrad(lambda v: S.special.softmax(v, axis=1) * w, [x], 0)[0]
    close(g[1], jgrad(lambda v: js.softmax(v, axis=1) * w[1:2], [x[1:2]], 0)[0][0], rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [(2, 0), (-1, 1)])
def test_softmax_axis_tuples_vs_scipy_and_jax(name, axis):
    x = RNG.normal(size=(2, 3, 4))
    x[0, 1, 2] = -INF
    f = lambda v: getattr(S.special, name)(v, axis=axis)     # noqa: E731
    jf = lambda v: getattr(js, name)(v, axis=axis)           # noqa: E731
    same(f(ya.tensor(x)), getattr(sc, name)(x, axis=axis), rtol=1e-13)
    w = RNG.normal(size=x.shape)
    close(ygrad(lambda v: f(v) * w, [x], 0)[0], jgrad(lambda v: jf(v) * w, [x], 0)[0],
          rtol=1e-10)
    t = np.where(np.isinf(x), 0.0, RNG.normal(size=x.shape))
    close(yjvp(f, [x], [t]), jjvp(jf, [x], [t]), rtol=1e-10)
    x32 = RNG.normal(size=(2, 3)).astype(np.float32)
    same(getattr(S.special, name)(ya.tensor(x32), axis=axis if axis is None else (0, 1)),
         getattr(sc, name)(x32, axis=axis if axis is None else (0, 1)), rtol=1e-6)


# =============================================================================================
# ya.scipy.stats
# =============================================================================================
# JAX's stats tests sample x on and off the support, shape parameters that broadcast
# against x, and nan/invalid parameters; SciPy gives nan for a nan x or loc, a scale <= 0
# and a shape parameter <= 0 (``_argcheck``), whatever else is true.
SHAPES = {"norm": (), "t": (3.0,), "gamma": (2.0,), "beta": (2.0, 3.0), "chi2": (3.0,),
          "laplace": (), "expon": (), "uniform": (), "logistic": (), "cauchy": ()}
METHODS = {"norm": ("pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"),
           "t": ("pdf", "cdf", "logpdf", "logcdf")}
NAN_CASES = [(d, m) for d in SHAPES for m in METHODS.get(d, ("pdf", "logpdf", "cdf"))]


@pytest.mark.parametrize("dist,method", NAN_CASES, ids=[f"{d}.{m}" for d, m in NAN_CASES])
def test_stats_nan_x_is_nan_as_scipy_and_does_not_poison_the_others(dist, method):
    # (gamma, beta, chi2, expon, uniform gave 0 / -inf at a nan x: outside the support)
    x = np.array([np.nan, -np.inf, -0.5, 0.0, 0.25, 1.0, 2.5, np.inf])
    shapes = SHAPES[dist]
    f = getattr(getattr(S.stats, dist), method)
    ref = getattr(getattr(ss, dist), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ref(x, *shapes)
        got = f(ya.tensor(x), *shapes)
    same(got, want)
    # the derivative in x at the finite interior points, with the nan in the same call
    ok = np.array([False, False, False, False, True, False, True, False])
    if dist == "beta" or dist == "uniform":
        ok[6] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = ygrad(lambda v: f(v, *shapes), [x], 0)[0]
    g1 = ygrad(lambda v: f(v, *shapes), [x[ok]], 0)[0]
    close(g[ok], g1, rtol=1e-14)
    if method == "logpdf":
        jd = getattr(jst, dist)
        close(g1, jgrad(lambda v: jd.logpdf(v, *shapes), [x[ok]], 0)[0], rtol=1e-9)
    # a nan loc: nan, as SciPy's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = f(ya.tensor(np.array([0.5, 0.5])), *shapes, loc=ya.tensor(np.array([NAN, 0.0])))
        want = ref(np.array([0.5, 0.5]), *shapes, loc=np.array([NAN, 0.0]))
    same(got, want)


INVALID = [("t", [np.array([0.5, 0.5, 0.5, 0.5])], [np.array([0.0, -1.0, np.nan, 2.0])]),
           ("gamma", [np.array([0.0, 1.0, 1.0, 0.7])], [np.array([0.0, -1.0, np.nan, 2.0])]),
           ("chi2", [np.array([0.0, 1.0, 1.0, 0.7])], [np.array([0.0, -1.0, np.nan, 2.0])]),
           ("beta", [np.array([0.5, 0.5, 0.0, 0.5])], [np.array([0.0, 2.0, 1.0, 2.0]),
                                                       np.array([1.0, -1.0, 0.0, 3.0])])]


@pytest.mark.parametrize("dist,x,shapes", INVALID, ids=[c[0] for c in INVALID])
def test_stats_invalid_shape_parameters_are_nan_as_scipy(dist, x, shapes):
    # (gamma.pdf(1, a=-1) was 0, chi2.cdf(1, df=0) 1, beta.pdf(0.5, 0, 1) 0, t.cdf(0.5,
    # df=-1) 1: SciPy's value is nan)
    for method in METHODS.get(dist, ("pdf", "logpdf", "cdf")):
        f = getattr(getattr(S.stats, dist), method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(getattr(ss, dist), method)(*x, *shapes)
        same(f(*[ya.tensor(v) for v in x + shapes]), want)
        if method in ("pdf", "logpdf"):
            # the valid entry (the last) keeps its derivatives in x and the shapes, and
            # the invalid ones do not make them nan
            n = 1 + len(shapes)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = ygrad(f, x + shapes, tuple(range(n)))
            g1 = ygrad(f, [v[-1:] for v in x + shapes], tuple(range(n)))
            for a, b in zip(g, g1):
                close(a[-1:], b, rtol=1e-14)
                assert not np.isnan(a[:-1]).any(), a


def _t_logpdf_mp(x, df):
    x, df = mpmath.mpf(x), mpmath.mpf(df)
    return (mpmath.loggamma((df + 1) / 2) - mpmath.loggamma(df / 2)
            - mpmath.log(df * mpmath.pi) / 2 - (df + 1) / 2 * mpmath.log1p(x * x / df))


def test_t_large_df_values_and_derivatives():
    # JAX's t tests draw df up to large values.  log gamma((df+1)/2) - log gamma(df/2)
    # lost digits as df grew: t.pdf(0.5, 1e10) was 6e-7 relative off, t.pdf(-3, 1e300)
    # 6e-153 instead of 4.4e-3 (logpdf -350 instead of -5.4)
    x = np.array([0.5, -3.0, 30.0, 0.5, 2.0, -1.5, 0.5, 1.0])
    df = np.array([1e10, 1e300, 1e8, 1e5, 150.0, 199.0, 200.0, 2500.0])
    for m in ("pdf", "logpdf", "cdf", "logcdf"):
        same(getattr(S.stats.t, m)(ya.tensor(x), ya.tensor(df)), getattr(ss.t, m)(x, df),
             rtol=1e-12)
    # derivatives in x and df: mpmath (up to df = 1e5, where they are not a cancellation
    # of terms of size x^2/df)
    mpmath.mp.dps = 40
    k = df <= 1e5
    gx, gdf = ygrad(S.stats.t.logpdf, [x[k], df[k]], (0, 1))
    wx = [float(mpmath.diff(lambda v: _t_logpdf_mp(v, d), a)) for a, d in zip(x[k], df[k])]
    wdf = [float(mpmath.diff(lambda d: _t_logpdf_mp(a, d), d0)) for a, d0 in zip(x[k], df[k])]
    close(gx, wx, rtol=1e-12)
    close(gdf, wdf, rtol=1e-9)
    # second order, both modes, in df: mpmath
    w2 = [float(mpmath.diff(lambda d: _t_logpdf_mp(a, d), d0, 2)) for a, d0 in zip(x[k], df[k])]
    h = ya.jacfwd(ya.grad(lambda d: ya.sum(S.stats.t.logpdf(x[k], d))))(ya.tensor(df[k]))
    close(np.diagonal(D(h)), w2, rtol=1e-8)
    h = ya.hessian(lambda d: ya.sum(S.stats.t.logpdf(x[k], d)))(ya.tensor(df[k]))
    close(np.diagonal(D(h)), w2, rtol=1e-8)
    # across the switch of formula at df = 200: FD, both modes, order 2
    gradcheck(lambda v, d: S.stats.t.logpdf(v, d), np.array([0.3, -1.2]),
              np.array([199.5, 200.5]), modes=("rev", "fwd"), order=2, rtol=1e-4)


def test_t_logcdf_right_tail_as_scipy():
    # log(cdf) rounds to 0 right of the centre; SciPy's logcdf is log1p(-sf)
    x = np.array([30.0, 10.0, 1e3, 40.0, 3.0, -3.0, 0.0])
    df = np.array([1e8, 3.0, 5.0, 1e3, 0.7, 0.7, 2.0])
    same(S.stats.t.logcdf(ya.tensor(x), ya.tensor(df)), ss.t.logcdf(x, df), rtol=1e-12)
    # its derivative in x is pdf / cdf (SciPy's values)
    close(ygrad(S.stats.t.logcdf, [x, df], 0)[0],
          np.exp(ss.t.logpdf(x, df) - ss.t.logcdf(x, df)), rtol=1e-10)
    gradcheck(lambda v: S.stats.t.logcdf(v, df[1:3]), x[1:3], modes=("rev", "fwd"), order=2,
              rtol=1e-4)


BCAST = [("t", "logpdf", [U(-2, 2, 4), U(1.5, 6, 3, 1)]),
         ("gamma", "logpdf", [U(0.3, 3, 4), U(0.8, 3, 3, 1)]),
         ("chi2", "pdf", [U(0.3, 3, 4), U(1.5, 4, 3, 1)]),
         ("beta", "logpdf", [U(0.1, 0.9, 4), U(0.8, 3, 3, 1), U(0.8, 3, 1)]),
         ("norm", "logcdf", [U(-3, 3, 4)]),
         ("logistic", "logpdf", [U(-3, 3, 4)]),
         ("cauchy", "cdf", [U(-3, 3, 4)])]


@pytest.mark.parametrize("dist,method,args", BCAST, ids=[f"{c[0]}.{c[1]}" for c in BCAST])
def test_stats_parameters_of_shape_3_1_against_x_of_shape_4(dist, method, args):
    # JAX's stats tests' shapes: parameters (3, 1), (1,) and () against x (4,); loc (3, 1)
    # and scale () as a Python number
    loc = U(-0.3, 0.3, 3, 1)
    if dist == "beta":
        loc = U(-0.05, 0.05, 3, 1)
    scale = 1.3
    f = getattr(getattr(S.stats, dist), method)
    jf = getattr(getattr(jst, dist), method)
    same(f(*[ya.tensor(a) for a in args], loc=ya.tensor(loc), scale=scale),
         getattr(getattr(ss, dist), method)(*args, loc=loc, scale=scale), rtol=1e-11)
    xs = args + [loc]
    nums = tuple(range(len(xs)))
    mine = lambda *a: f(*a[:-1], loc=a[-1], scale=scale)     # noqa: E731
    theirs = lambda *a: jf(*a[:-1], loc=a[-1], scale=scale)  # noqa: E731
    for a, b in zip(ygrad(mine, xs, nums), jgrad(theirs, xs, nums)):
        assert a.shape == b.shape
        close(a, b, rtol=1e-8, atol=1e-12)
    ts = [RNG.normal(size=np.shape(v)) for v in xs]
    close(yjvp(mine, xs, ts), jjvp(theirs, xs, ts), rtol=1e-8, atol=1e-12)


# =============================================================================================
# ya.scipy.signal
# =============================================================================================
# JAX's signal tests: odd and even kernel sizes, a kernel longer than the input (in
# 'same' and 'valid'), equal sizes, length 1.
SIG_1D = [((5,), (2,)), ((6,), (4,)), ((2,), (7,)), ((4,), (4,)), ((1,), (3,))]
SIG_2D = [((4, 5), (2, 2)), ((3, 3), (4, 5)), ((2, 3), (1, 2))]


def _sig(name, a, b, kw, jname=None):
    mine = lambda x, y: getattr(S.signal, name)(x, y, **kw)            # noqa: E731
    theirs = lambda x, y: getattr(jsig, jname or name)(x, y, **kw)     # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(sg, name)(a, b, **kw)
    same(mine(ya.tensor(a), ya.tensor(b)), want, rtol=1e-10, atol=1e-12)
    w = RNG.normal(size=want.shape)
    got = ygrad(lambda x, y: mine(x, y) * w, [a, b], (0, 1))
    for g, v in zip(got, jgrad(lambda x, y: theirs(x, y) * w, [a, b], (0, 1))):
        close(g, v, rtol=1e-9, atol=1e-11)
    # forward mode: the convolution is bilinear, so its tangent is SciPy's
    # f(ta, b) + f(a, tb)
    ta, tb = RNG.normal(size=a.shape), RNG.normal(size=b.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(sg, name)(ta, b, **kw) + getattr(sg, name)(a, tb, **kw)
    close(yjvp(mine, [a, b], [ta, tb]), want, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shapes", SIG_1D, ids=str)
@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
def test_1d_kernel_sizes_and_modes_vs_scipy_and_jax(name, shapes):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    for mode in ("full", "same", "valid"):
        _sig(name, a, b, dict(mode=mode))


@pytest.mark.parametrize("shapes", SIG_2D, ids=str)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d", "fftconvolve"])
def test_2d_kernel_sizes_and_modes_vs_scipy_and_jax(name, shapes):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    for mode in ("full", "same", "valid"):
        if mode == "valid" and not (all(p >= q for p, q in zip(*shapes))
                                    or all(p <= q for p, q in zip(*shapes))):
            continue     # SciPy's ValueError (checked below)
        _sig(name, a, b, dict(mode=mode))
    if shapes == SIG_2D[0]:     # second order, both modes, in both inputs
        gradcheck(lambda x, y: getattr(S.signal, name)(x, y, mode="same"), a, b,
                  modes=("rev", "fwd"), order=2)


def test_valid_mode_unordered_shapes_raise_as_scipy():
    a, b = RNG.normal(size=(5, 4)), RNG.normal(size=(3, 6))
    for name in ("convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve"):
        with pytest.raises(ValueError):
            getattr(sg, name)(a, b, mode="valid")
        with pytest.raises(ValueError, match="valid"):
            getattr(S.signal, name)(ya.tensor(a), ya.tensor(b), mode="valid")


FFT_AXES = [((4, 1), (1, 5), None), ((4, 1), (1, 5), 0), ((3, 5), (1, 3), 0),
            ((3, 1), (2, 5), 0), ((1, 4), (3, 2), 1), ((3, 4), (2, 1), (0, 1)),
            ((2, 1, 4), (3, 2, 2), (0, 2)), ((2, 3), (2, 3), [1, 0])]


@pytest.mark.parametrize("s1,s2,axes", FFT_AXES, ids=str)
def test_fftconvolve_length_one_axes_broadcast_as_scipy(s1, s2, axes):
    # SciPy's fftconvolve broadcasts an axis where either input has length 1 (it is not
    # convolved: 'valid' keeps its broadcast length, the inputs need no order along it),
    # and 'same' crops every axis to in1's shape.  (4, 1) * (1, 5) in 'valid' raised, and
    # 'same' over axes=0 returned (4, 5) instead of SciPy's (4, 1).
    a, b = RNG.normal(size=s1), RNG.normal(size=s2)
    for mode in ("full", "same", "valid"):
        try:
            want = sg.fftconvolve(a, b, mode=mode, axes=axes)
        except ValueError:
            with pytest.raises(ValueError):
                S.signal.fftconvolve(ya.tensor(a), ya.tensor(b), mode=mode, axes=axes)
            continue
        mine = lambda x, y: S.signal.fftconvolve(x, y, mode=mode, axes=axes)   # noqa: E731
        same(mine(ya.tensor(a), ya.tensor(b)), want, rtol=1e-10, atol=1e-12)
        # the derivatives: the same windows of the direct convolution's (sg.convolve
        # over every axis is the same function when no axis is broadcast), or FD
        gradcheck(mine, a, b, modes=("rev", "fwd"), order=2 if mode == "same" else 1)


# =============================================================================================
# ya.scipy.linalg
# =============================================================================================
def _la(mine, theirs, xs, nums, rtol=1e-9):
    """Reverse-mode gradients of a weighted sum and forward-mode tangents vs JAX's."""
    out = D(mine(*[ya.tensor(x) for x in xs]))
    w = RNG.normal(size=out.shape)
    got = ygrad(lambda *a: mine(*a) * w, xs, nums)
    want = jgrad(lambda *a: theirs(*a) * w, xs, nums)
    for g, v in zip(got, want):
        close(g, v, rtol=rtol, atol=1e-11)
    ts = [RNG.normal(size=np.shape(x)) if i in nums else np.zeros(np.shape(x))
          for i, x in enumerate(xs)]
    close(yjvp(mine, xs, ts), jjvp(theirs, xs, ts), rtol=rtol, atol=1e-11)


def _repeated(eigs, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigs), len(eigs))))
    return q @ np.diag(eigs) @ q.T


@pytest.mark.parametrize("lower", [True, False])
def test_eigh_eigvals_only_at_repeated_eigenvalues_vs_jax(lower):
    # JAX's eigh tests include degenerate spectra.  The eigenvalues' derivative
    # v diag(g) v^T needs no gap; through the eigenvector rule it was nan everywhere
    # (0 * 1/(w_i - w_j)).
    for a in (2.0 * np.eye(3), _repeated([1.0, 1.0, 3.0, -2.0], 4)):
        m = a / 2            # a = m + m^T: no convention about the unread triangle
        same(S.linalg.eigh(ya.tensor(a), lower=lower, eigvals_only=True),
             sl.eigh(a, lower=lower, eigvals_only=True), rtol=1e-12, atol=1e-14)
        _la(lambda m: S.linalg.eigh(m + m.T, lower=lower, eigvals_only=True),
            lambda m: jl.eigh(m + m.T, lower=lower, eigvals_only=True), [m], (0,))
        # sum(w^2) = |a|_F^2 is smooth: FD, both modes (the second derivative goes through
        # the eigenvectors' rule, which needs distinct eigenvalues)
        gradcheck(lambda m: ya.sum(S.linalg.eigh(m + m.T, lower=lower, eigvals_only=True)
                                   ** 2), m, modes=("rev", "fwd"))
    # subsets and the generalised problem, at a repeated eigenvalue
    a = _repeated([1.0, 1.0, 3.0], 5)
    bm = np.diag([2.0, 2.0, 2.0])
    same(S.linalg.eigh(ya.tensor(a), ya.tensor(bm), lower=lower, eigvals_only=True),
         sl.eigh(a, bm, lower=lower, eigvals_only=True), rtol=1e-12)
    g = ygrad(lambda m: S.linalg.eigh(m + m.T, bm, lower=lower, eigvals_only=True), [a / 2], 0)
    close(g[0], jgrad(lambda m: jnp.linalg.eigvalsh((m + m.T) / 2.0), [a / 2], 0)[0],
          rtol=1e-10)
    kw = dict(lower=lower, eigvals_only=True, subset_by_index=[0, 1])
    same(S.linalg.eigh(ya.tensor(a), **kw), sl.eigh(a, **kw), rtol=1e-12)
    g = ygrad(lambda m: S.linalg.eigh(m + m.T, **kw), [a / 2], 0)[0]
    close(g, jgrad(lambda m: jnp.linalg.eigvalsh(m + m.T)[:2], [a / 2], 0)[0], rtol=1e-10)


def test_lu_factor_singular_values_as_scipy_and_derivative_refused_by_name():
    sing = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu, piv = S.linalg.lu_factor(ya.tensor(sing))
        rlu, rpiv = sl.lu_factor(sing)
    same(lu, rlu)
    np.testing.assert_array_equal(piv, rpiv)
    # JAX's derivative here is nan; yaae's is computed with U^-1: an error naming the op
    for call in (lambda: ya.grad(lambda a: ya.sum(S.linalg.lu_factor(a)[0]))(ya.tensor(sing)),
                 lambda: ya.jvp(lambda a: S.linalg.lu_factor(a)[0], (ya.tensor(sing),),
                                (ya.tensor(np.ones((3, 3))),))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(np.linalg.LinAlgError, match=r"lu_factor: no derivative at a "
                               r"singular matrix \(a: shape \(3, 3\), dtype float64"):
                call()


TRI = [(lower, trans, ud) for lower in (True, False) for trans in (0, "T", 2, "C")
       for ud in (False, True)]


@pytest.mark.parametrize("lower,trans,unit_diagonal", TRI, ids=str)
def test_solve_triangular_vector_b_every_flag_vs_jax(lower, trans, unit_diagonal):
    a = RNG.normal(size=(4, 4)) + 4 * np.eye(4)
    b = RNG.normal(size=4)
    kw = dict(lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    same(S.linalg.solve_triangular(ya.tensor(a), ya.tensor(b), **kw),
         sl.solve_triangular(a, b, **kw), rtol=1e-12)
    _la(lambda a, b: S.linalg.solve_triangular(a, b, **kw),
        lambda a, b: jl.solve_triangular(a, b, **kw), [a, b], (0, 1))


@pytest.mark.parametrize("scale", [4.0, 20.0, 60.0])
def test_expm_large_norm_vs_scipy_frechet_and_jax(scale):
    # JAX's expm tests scale the input up (more squarings); the gradient of <w, expm(a)>
    # is SciPy's expm_frechet(a^T, w)
    a = np.random.default_rng(int(scale)).normal(size=(3, 3)) * scale
    same(S.linalg.expm(ya.tensor(a)), sl.expm(a), rtol=1e-10)
    w = RNG.normal(size=(3, 3))
    got = ygrad(lambda a: S.linalg.expm(a) * w, [a], 0)[0]
    want = sl.expm_frechet(a.T, w, compute_expm=False)
    close(got, want, rtol=1e-7, atol=1e-9 * np.abs(want).max())
    t = RNG.normal(size=(3, 3))
    close(yjvp(S.linalg.expm, [a], [t]), sl.expm_frechet(a, t, compute_expm=False), rtol=1e-7,
          atol=1e-9 * np.abs(sl.expm(a)).max() * np.abs(t).max())


def test_block_diag_mixed_shapes_vs_scipy_and_jax():
    # 0-d, 1-d, 2-d and empty blocks together (SciPy's and JAX's block_diag)
    xs = [np.array(2.0), RNG.normal(size=3), RNG.normal(size=(2, 3)), RNG.normal(size=(3, 1))]
    same(S.linalg.block_diag(*[ya.tensor(x) for x in xs]), sl.block_diag(*xs))
    same(S.linalg.block_diag(ya.tensor(xs[2]), np.zeros((0, 2)), ya.tensor(xs[3])),
         sl.block_diag(xs[2], np.zeros((0, 2)), xs[3]))
    _la(lambda *a: S.linalg.block_diag(*a), lambda *a: jl.block_diag(*a), xs, (0, 1, 2, 3))
    with pytest.raises(ValueError, match="dimension greater than 2"):
        S.linalg.block_diag(ya.tensor(np.ones((2, 2, 2))))
