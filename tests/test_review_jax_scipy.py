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
