"""The derivatives of ``ya.scipy.special.gammainc``/``gammaincc`` in ``a`` and of
``betainc`` in ``a`` and ``b`` (issue #12), and of the ``ya.scipy.stats`` cdfs
built on them in their shape parameters, against independent oracles, in float64:

* JAX (``jax.grad`` of ``jax.scipy.special.gammainc``/``gammaincc``, its
  ``igamma_grad_a``; ``jax.scipy.stats.gamma.cdf``/``chi2.cdf``) for the first
  derivative in a, relative to the derivative, from x << a to x >> a;
* mpmath (its own numerical derivatives at 30 digits or more) for betainc in a
  and b, and for the second derivatives d2/da2, d2/da db, d2/da dx of both
  functions, in reverse-over-reverse and forward-over-forward mode;
* finite differences (``ya.testing.gradcheck``, both modes, order 2) for the
  t, gamma, chi2 and beta cdfs in every argument, with loc and scale, in
  broadcasting shapes;
* the edges (x = 0, inf; x = 0, 1): derivative 0 in every order, no NaN; and
  parameters out of range (<= 0, > 1e4): a ValueError naming the op and the
  argument, never a NaN or a wrong number.
"""
import itertools

import jax
import jax.numpy as jnp
import jax.scipy.special as js
import jax.scipy.stats as jst
import mpmath
import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as sst

import yaae as ya
from yaae.testing import gradcheck

jax.config.update("jax_enable_x64", True)
S = ya.scipy.special
ST = ya.scipy.stats
rng = np.random.default_rng(12)


def U(lo, hi, *shape):
    return rng.uniform(lo, hi, shape)


def _jax(fn, *args):
    """``fn(*args)`` in JAX op by op (compiling would take most of this file's time)."""
    with jax.disable_jit():
        return fn(*args)


def _rel(got, want, rtol, atol=0.0):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=float), rtol=rtol,
                               atol=atol)


# the gamma grid: small and large a, x << a, x ~ a (both sides of the switch at a + 1),
# x >> a (where P is 1 to double precision and only Q's derivative is representable)
GA = np.array([0.1, 0.3, 1.0, 2.5, 7.0, 20.0, 49.5, 50.0])
GX = np.array([1e-3, 0.05, 0.5, 1.5, 3.0, 8.0, 21.0, 30.0, 50.0, 51.0, 60.0, 100.0])
A_G, X_G = [v.ravel() for v in np.meshgrid(GA, GX)]


# ---- JAX: first derivatives in a --------------------------------------------------------
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gamma_derivative_in_a_against_jax(name):
    want = np.asarray(_jax(jax.vmap(jax.grad(getattr(js, name))), jnp.array(A_G),
                           jnp.array(X_G)))
    f = getattr(S, name)
    _rel(ya.grad(lambda a: ya.sum(f(a, X_G)))(A_G), want, 1e-9)
    _rel(ya.jvp(lambda a: f(a, X_G), (A_G,), (np.ones_like(A_G),))[1], want, 1e-9)
    # the value is SciPy's
    _rel(f(A_G, X_G), getattr(sc, name)(A_G, X_G), 1e-15)


def test_gamma_derivative_at_large_a_against_jax():
    # up to the cap 1e4 (the error grows as the rounding of gammaln(a): 1e-11 at 1e4)
    a = np.array([300.0, 1000.0, 1000.0, 5000.0, 5000.0, 9000.0, 1e4])
    x = np.array([290.0, 1000.0, 1040.0, 4950.0, 5100.0, 9000.0, 1.02e4])
    for name in ("gammainc", "gammaincc"):
        want = _jax(jax.vmap(jax.grad(getattr(js, name))), jnp.array(a), jnp.array(x))
        _rel(ya.grad(lambda a: ya.sum(getattr(S, name)(a, x)))(a), want, 1e-9)


def test_gamma_derivative_broadcasting_and_0d_against_jax():
    a, x = U(0.2, 30.0, 5, 1), U(0.01, 60.0, 7)
    for name in ("gammainc", "gammaincc"):
        f = getattr(S, name)
        ga, gx = ya.grad(lambda a, x: ya.sum(f(a, x)), argnums=(0, 1))(a, x)
        ja, jx = _jax(jax.grad(lambda a, x: jnp.sum(getattr(js, name)(a, x)), argnums=(0, 1)),
                      a, x)
        _rel(ga, ja, 1e-9)
        _rel(gx, jx, 1e-9)
        _rel(ya.grad(lambda a: f(a, 3.0))(np.float64(2.5)),
             _jax(jax.grad(getattr(js, name)), 2.5, 3.0), 1e-9)


@pytest.mark.parametrize("dist", ["gamma", "chi2"])
def test_gamma_and_chi2_cdf_in_every_argument_against_jax(dist):
    x, shape = U(0.05, 12.0, 4), U(0.3, 9.0, 3, 1)
    loc, scale = U(-0.04, 0.04, 4), U(0.7, 1.6, 3, 1)
    args = (x, shape, loc, scale)
    u = rng.standard_normal((3, 4))
    f = getattr(ST, dist).cdf
    jf = getattr(jst, dist).cdf
    out, vjp = ya.vjp(f, *args)
    ts = tuple(rng.standard_normal(np.shape(v)) for v in args)
    with jax.disable_jit():
        jout, jvjp = jax.vjp(jf, *args)
        jv, jt = jvjp(u), jax.jvp(jf, args, ts)[1]
    _rel(out, jout, 1e-12)
    # (JAX's cdf is SciPy's value to ~1e-13; its derivative through igamma_grad_a: 1e-9)
    for got, want in zip(vjp(u), jv):
        _rel(got, want, 1e-9, 1e-13)
    _rel(ya.jvp(f, args, ts)[1], jt, 1e-9, 1e-13)


# ---- mpmath: betainc in a and b, second derivatives -------------------------------------
def _mp_betainc(a, b, x):
    return mpmath.betainc(a, b, 0, x, regularized=True)


def _mp_partials(fn, point, orders, dps=40):
    """d^orders fn at point (a tuple of floats), by mpmath at ``dps`` digits."""
    with mpmath.workdps(dps):
        return float(mpmath.diff(fn, tuple(mpmath.mpf(float(p)) for p in point), orders))


BV = [0.1, 0.5, 1.0, 3.0, 12.0, 50.0]
BX = [1e-4, 0.05, 0.3, 0.5, 0.8, 0.99]
B_GRID = np.array(list(itertools.product(BV, BV, BX))).T


def test_betainc_derivatives_in_a_and_b_against_mpmath():
    a, b, x = B_GRID
    ga, gb = ya.grad(lambda a, b: ya.sum(S.betainc(a, b, x)), argnums=(0, 1))(a, b)
    fa = ya.jvp(lambda a: S.betainc(a, b, x), (a,), (np.ones_like(a),))[1]
    fb = ya.jvp(lambda b: S.betainc(a, b, x), (b,), (np.ones_like(b),))[1]
    want_a, want_b = [], []
    for p in zip(a, b, x):
        # the small side of I (I or 1 - I), so that 40 digits give the derivative's
        # relative precision even where I is 1 to double precision
        small = sc.betainc(*p) < 0.5
        if small:
            want_a.append(_mp_partials(_mp_betainc, p, (1, 0, 0)))
            want_b.append(_mp_partials(_mp_betainc, p, (0, 1, 0)))
        else:
            flip = (lambda a, b: -_mp_betainc(b, a, 1 - mpmath.mpf(p[2])))
            want_a.append(_mp_partials(lambda a: flip(a, p[1]), (p[0],), (1,)))
            want_b.append(_mp_partials(lambda b: flip(p[0], b), (p[1],), (1,)))
    _rel(ga, want_a, 1e-10)
    _rel(gb, want_b, 1e-10)
    _rel(fa, want_a, 1e-10)
    _rel(fb, want_b, 1e-10)


def _second(f, args, i, j, mode):
    """The elementwise second partial d2 f / d args[i] d args[j] of an elementwise ``f``
    (every argument of the same shape), in reverse-over-reverse or forward-over-forward
    mode."""
    ones = [np.ones_like(v) for v in args]
    if mode == "rev":
        def di(*a):
            return ya.grad(lambda *b: ya.sum(f(*b)), argnums=i)(*a)
        return ya.grad(lambda *a: ya.sum(di(*a)), argnums=j)(*args)

    def dfi(*a):
        t = tuple(ones[k] if k == i else np.zeros_like(v) for k, v in enumerate(a))
        return ya.jvp(f, a, t)[1]
    t = tuple(ones[k] if k == j else np.zeros_like(v) for k, v in enumerate(args))
    return ya.jvp(dfi, tuple(args), t)[1]


SECOND_GAMMA = np.array([(0.3, 0.2), (0.3, 4.0), (0.1, 1.2), (0.1, 5.5), (1.0, 0.05), (2.5, 3.0), (2.5, 3.6),
                         (7.0, 2.0), (7.0, 15.0), (20.0, 20.5), (20.0, 22.0), (50.0, 40.0),
                         (50.0, 70.0)]).T


@pytest.mark.parametrize("mode", ["rev", "fwd"])
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gamma_second_derivatives_against_mpmath(name, mode):
    a, x = SECOND_GAMMA
    f = getattr(S, name)
    sign = 1.0 if name == "gammainc" else -1.0
    for i, j, orders in ((0, 0, (2, 0)), (0, 1, (1, 1)), (1, 0, (1, 1))):
        got = _second(f, (a, x), i, j, mode)
        want = []
        for p in zip(a, x):
            # from Q where P is near 1, so that the digits are the derivative's
            if p[1] > p[0]:
                w = -_mp_partials(lambda a, x: mpmath.gammainc(a, x, mpmath.inf,
                                                               regularized=True), p, orders)
            else:
                w = _mp_partials(lambda a, x: mpmath.gammainc(a, 0, x, regularized=True),
                                 p, orders)
            want.append(sign * w)
        _rel(got, want, 1e-8, 1e-300)


SECOND_BETA = np.array([(0.5, 0.5, 0.3), (0.5, 3.0, 0.1), (2.0, 3.0, 0.4), (2.0, 3.0, 0.6),
                        (3.0, 0.3, 0.9), (12.0, 12.0, 0.5), (20.0, 5.0, 0.7),
                        (1.0, 40.0, 0.02)]).T


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_betainc_second_derivatives_against_mpmath(mode):
    a, b, x = SECOND_BETA
    for i, j, orders in ((0, 0, (2, 0, 0)), (1, 1, (0, 2, 0)), (0, 1, (1, 1, 0)),
                         (1, 0, (1, 1, 0)), (0, 2, (1, 0, 1)), (2, 1, (0, 1, 1))):
        got = _second(S.betainc, (a, b, x), i, j, mode)
        want = [_mp_partials(_mp_betainc, p, orders) for p in zip(a, b, x)]
        _rel(got, want, 1e-8, 1e-12)


# ---- finite differences: the stats cdfs in their shape parameters, with loc and scale -----
CDFS = {   # name -> (arguments, all differentiated; shapes broadcast against x)
    "t.cdf": (U(-4.0, 4.0, 4), U(1.0, 6.0, 3, 1), U(-0.5, 0.5, 4), U(0.8, 1.5, 3, 1)),
    "t.logcdf": (U(-6.0, 3.0, 4), U(0.7, 6.0, 3, 1), U(-0.5, 0.5, 4), U(0.8, 1.5, 3, 1)),
    "gamma.cdf": (U(0.1, 8.0, 4), U(0.3, 5.0, 3, 1), U(-0.05, 0.05, 4), U(0.8, 1.5, 3, 1)),
    "chi2.cdf": (U(0.2, 9.0, 4), U(0.8, 8.0, 3, 1), U(-0.05, 0.05, 4), U(0.8, 1.5, 3, 1)),
    "beta.cdf": (U(0.05, 0.9, 4), U(0.4, 4.0, 3, 1), U(0.4, 4.0, 4), U(-0.04, 0.04, 4),
                 U(1.0, 1.1, 3, 1)),
}


def _get(mod, name):
    dist, method = name.split(".")
    return getattr(getattr(mod, dist), method)


@pytest.mark.parametrize("name", sorted(CDFS))
def test_cdf_shape_parameters_against_finite_differences(name):
    args = CDFS[name]
    f = _get(ST, name)
    _rel(f(*args), _get(sst, name)(*args), 1e-10, 1e-13)
    assert gradcheck(f, *args, modes=("rev", "fwd"), order=2, eps=1e-6, rtol=1e-5, atol=1e-7)


def test_t_cdf_in_df_in_its_tails_against_finite_differences():
    # the tail branch (I_{df/(df+y^2)}(df/2, 1/2)) and logcdf far in the left tail, where
    # the derivative must be relative to a tiny cdf
    x = np.array([-40.0, -8.0, -2.5, 2.5, 8.0])
    for f in (ST.t.cdf, ST.t.logcdf):
        assert gradcheck(lambda df: f(x, df), np.array([[0.8], [3.0], [25.0]]),
                         modes=("rev", "fwd"), order=2, eps=1e-6, rtol=1e-5, atol=1e-9)


# ---- edges and out-of-range parameters ----------------------------------------------------
def test_derivative_in_a_is_zero_at_the_edges_to_every_order():
    for x in (0.0, np.inf):
        for name in ("gammainc", "gammaincc"):
            f = getattr(S, name)
            for a in (0.5, 2.0):
                assert ya.grad(lambda a: f(a, x))(a) == 0.0
                assert ya.grad(ya.grad(lambda a: f(a, x)))(a) == 0.0
                assert ya.jvp(lambda a: ya.jvp(lambda a: f(a, x), (a,), (1.0,))[1],
                              (a,), (1.0,))[1] == 0.0
    for x in (0.0, 1.0):
        for i in (0, 1):
            def f(p):
                args = [2.0, 3.0, x]
                args[i] = p
                return S.betainc(*args)
            assert ya.grad(f)(1.5) == 0.0
            assert ya.grad(ya.grad(f))(1.5) == 0.0
    # SciPy's NaN outside the domain stays NaN in the derivatives, and stays there
    for f in (lambda a: S.gammainc(a, -1.0), lambda a: S.gammaincc(a, np.nan),
              lambda a: S.betainc(a, 2.0, 1.5), lambda b: S.betainc(2.0, b, -0.5)):
        assert np.isnan(ya.grad(f)(2.0))
        assert np.isnan(ya.grad(ya.grad(f))(2.0))
    g2 = ya.grad(lambda a: ya.sum(ya.grad(lambda a: ya.sum(S.gammainc(a, [np.nan, 2.0])))(a)))
    h = g2(np.array([2.0, 2.0]))
    assert np.isnan(h[0]) and np.isfinite(h[1])


def test_finite_near_the_edges():
    # the series and fraction at extreme but valid inputs: finite, and right by gradcheck
    assert gradcheck(S.gammainc, np.array([0.05, 3.0, 40.0]), np.array([1e-4, 1e-3, 300.0]),
                     modes=("rev", "fwd"), order=2, atol=1e-9)
    assert gradcheck(S.betainc, np.array([0.05, 3.0, 40.0]), np.array([2.0, 0.05, 30.0]),
                     np.array([1e-4, 1 - 1e-4, 0.57]), modes=("rev", "fwd"), order=2,
                     atol=1e-9)


BAD = [("gammainc", 0, (np.array([0.0, 2.0]), np.array([1.0, 1.0]))),
       ("gammaincc", 0, (np.array([-1.5]), np.array([1.0]))),
       ("gammainc", 0, (np.array([2e4]), np.array([2e4]))),
       ("gammaincc", 0, (np.array([np.inf]), np.array([3.0]))),
       ("betainc", 0, (np.array([0.0]), np.array([2.0]), np.array([0.3]))),
       ("betainc", 1, (np.array([2.0]), np.array([3e4]), np.array([0.3]))),
       ("betainc", 0, (np.array([2.0]), np.array([-1.0]), np.array([0.3])))]


@pytest.mark.parametrize("name,i,args", BAD, ids=[f"{n}-{i}-{a[i][0]}" for n, i, a in BAD])
def test_parameter_out_of_range_raises(name, i, args):
    f = getattr(S, name)

    def g(p):
        a = list(args)
        a[i] = p
        return ya.sum(f(*a))
    with pytest.raises(ValueError, match=rf"{name}: no derivative with respect to "):
        ya.grad(g)(args[i])
    with pytest.raises(ValueError, match=rf"{name}: .*shape"):
        ya.jvp(g, (args[i],), (np.ones_like(args[i]),))
    t = ya.tensor(args[i], requires_grad=True)
    with pytest.raises(ValueError, match=rf"{name}.*detach"):
        g(t).backward()
    # the value is still SciPy's, and the derivative in x is still there
    np.testing.assert_array_equal(f(*args), getattr(sc, name)(*args))
    assert ya.grad(lambda x: ya.sum(f(*args[:-1], x)))(args[-1]).shape == args[-1].shape
