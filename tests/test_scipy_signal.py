"""``ya.scipy.signal`` (``yaae/scipy/signal.py``) against independent oracles,
in float64:

* SciPy's ``scipy.signal`` values, every mode, N-d, complex, and the cases
  where SciPy swaps the inputs (``'valid'`` with ``in2`` the larger);
* JAX's ``jax.scipy.signal`` gradients (reverse mode) and JVPs (forward
  mode) of a fixed random projection of the output;
* finite differences (``ya.testing.gradcheck``, reverse and forward mode,
  order 2) for every function and mode.
"""
import jax
import jax.numpy as jnp
import jax.scipy.signal as jss
import numpy as np
import pytest
import scipy.signal as ss

import yaae as ya
import yaae.scipy.signal as S
from yaae.testing import gradcheck

jax.config.update("jax_enable_x64", True)
rng = np.random.default_rng(20261130)
MODES = ("full", "same", "valid")


def randn(*shape, cplx=False):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if cplx else x


def val(x):
    return x.data if isinstance(x, ya.Tensor) else np.asarray(x)


def gc(f, *args):
    assert gradcheck(f, *args, modes=("rev", "fwd"), order=2)


SHAPES = [((5,), (3,)), ((3,), (5,)), ((3,), (3,)), ((4, 5), (2, 3)), ((2, 3), (4, 5)),
          ((4, 3), (2, 3)), ((3, 4, 2), (2, 2, 2))]


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
def test_nd_values_match_scipy(name):
    f, g = getattr(S, name), getattr(ss, name)
    for s1, s2 in SHAPES:
        for mode in MODES:
            for cplx in (False, True):
                a, b = randn(*s1, cplx=cplx), randn(*s2, cplx=cplx)
                want = g(a, b, mode)
                got = f(ya.tensor(a), b, mode)
                assert got.shape == want.shape, (s1, s2, mode)
                np.testing.assert_allclose(got.data, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_values_match_scipy(name):
    f, g = getattr(S, name), getattr(ss, name)
    for s1, s2 in (((5, 4), (3, 2)), ((3, 2), (5, 4)), ((4, 5), (4, 5)), ((4, 2), (2, 3))):
        for mode in MODES:
            for boundary in ("fill", "wrap", "symm", "circular", "symmetric"):
                for fillvalue in (0, 1.5):
                    for cplx in (False, True):
                        a, b = randn(*s1, cplx=cplx), randn(*s2, cplx=cplx)
                        kw = dict(boundary=boundary, fillvalue=fillvalue)
                        try:
                            want = g(a, b, mode, **kw)
                        except ValueError:
                            with pytest.raises(ValueError):
                                f(a, b, mode, **kw)
                            continue
                        got = f(ya.tensor(a), b, mode, **kw)
                        assert got.shape == want.shape
                        np.testing.assert_allclose(got.data, want, rtol=1e-10, atol=1e-12)


def test_fftconvolve_axes_broadcast():
    a, b = randn(3, 4, 5), randn(1, 4, 2)
    for mode in MODES:
        for axes in ((1, 2), (2,), -1, None):
            try:
                want = ss.fftconvolve(a, b, mode, axes=axes)
            except ValueError:
                continue
            np.testing.assert_allclose(S.fftconvolve(a, b, mode, axes=axes), want,
                                       rtol=1e-10, atol=1e-12)
    gc(lambda a, b: S.fftconvolve(a, b, "same", axes=1), randn(2, 4), randn(1, 3))


def against_jax(yf, jf, a, b):
    out = np.asarray(jf(a, b))
    w = randn(*out.shape)
    np.testing.assert_allclose(val(yf(a, b)), out, rtol=1e-10, atol=1e-10)
    got = ya.grad(lambda a, b: ya.sum(yf(a, b) * w), argnums=(0, 1))(a, b)
    want = jax.grad(lambda a, b: jnp.sum(jf(a, b) * w), argnums=(0, 1))(a, b)
    for g, e in zip(got, want):
        np.testing.assert_allclose(val(g), np.asarray(e), rtol=1e-9, atol=1e-10)
    ta, tb = randn(*a.shape), randn(*b.shape)
    np.testing.assert_allclose(val(ya.jvp(yf, (a, b), (ta, tb))[1]),
                               np.asarray(jax.jvp(jf, (a, b), (ta, tb))[1]),
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve",
                                  "convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
def test_against_jax(name, mode):
    s1, s2 = ((5, 4), (3, 2))
    against_jax(lambda a, b: getattr(S, name)(a, b, mode),
                lambda a, b: getattr(jss, name)(a, b, mode), randn(*s1), randn(*s2))


@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_nd(name, mode):
    f = getattr(S, name)
    gc(lambda a, b: f(a, b, mode), randn(4), randn(3))
    gc(lambda a, b: f(a, b, mode), randn(2, 3), randn(2, 2))


def test_gradcheck_swapped_and_complex():
    gc(lambda a, b: S.correlate(a, b, "valid"), randn(2, cplx=True), randn(3, cplx=True))
    gc(lambda a, b: S.convolve(a, b, "same", method="direct"), randn(3, cplx=True),
       randn(2, cplx=True))
    gc(lambda a, b: S.correlate2d(a, b, "valid"), randn(2, 2), randn(3, 2))


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_gradcheck_2d_boundaries(name, boundary):
    f = getattr(S, name)
    for mode in MODES:
        gc(lambda a, b: f(a, b, mode, boundary=boundary, fillvalue=0.5), randn(3, 3),
           randn(2, 2))


def test_fillvalue_is_differentiable():
    a, b = randn(3, 3), randn(2, 2)
    gc(lambda v: S.convolve2d(a, b, boundary="fill", fillvalue=v), np.array(0.7))


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        S.convolve(randn(3), randn(2), mode="middle")
    with pytest.raises(ValueError, match="same dimensionality"):
        S.convolve(randn(3), randn(2, 2))
    with pytest.raises(ValueError, match="valid"):
        S.convolve(randn(3, 2), randn(2, 3), mode="valid")
    with pytest.raises(ValueError, match="boundary"):
        S.convolve2d(randn(3, 3), randn(2, 2), boundary="reflect")
    with pytest.raises(ValueError, match="2-D"):
        S.convolve2d(randn(3), randn(2))


def test_docstrings():
    for name in S.__all__:
        assert getattr(S, name).__doc__, name
