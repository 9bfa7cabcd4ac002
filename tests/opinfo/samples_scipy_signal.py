"""Samples for ``ya.scipy.signal`` (``yaae/scipy/signal.py``; loading this file
loads it, which declares the ops with ``module="scipy.signal"``).

Every function in the three modes ``'full'``, ``'same'`` and ``'valid'``
(``'valid'`` also with the second input the larger, where SciPy swaps the
inputs), real and complex, with JAX's ``jax.scipy.signal`` as the oracle
(values, VJP and JVP: ``tests/test_complex.py::test_against_jax``) and finite
differences (``tests/test_opinfo.py``).  JAX's ``convolve2d``/``correlate2d``
have only ``boundary='fill'`` with ``fillvalue=0``: the other boundaries are
checked against an oracle that extends ``in1`` with ``jnp.pad`` (``'wrap'``,
``'symmetric'``, a constant) and takes JAX's ``'valid'`` convolution (the
``'full'`` result SciPy defines), and against SciPy's values
(``check=``) in the other modes.  ``fftconvolve`` over some ``axes``
broadcasts the other axes.
"""
import numpy as np
import scipy.signal as ss

import yaae as ya
from yaae.scipy import signal as _signal  # noqa: F401 - loading it declares the ops

from . import Sample, add

_rng = np.random.default_rng(20261131)     # this file's own stream


def randn(*shape):
    return _rng.standard_normal(shape)


def crandn(*shape):
    return randn(*shape) + 1j * randn(*shape)


def jss(name):
    """``jax.scipy.signal.NAME``, imported (with float64 enabled) when the oracle runs."""
    def f(*a, **k):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.scipy.signal
        return getattr(jax.scipy.signal, name)(*a, **k)
    return f


def _name(n):
    return "scipy.signal." + n


def equals_scipy(name, **kw):
    """``check=``: the values are SciPy's."""
    def check(out, *args):
        want = getattr(ss, name)(*args, **kw)
        got = np.asarray(out.data if isinstance(out, ya.Tensor) else out)
        assert got.shape == want.shape, (got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    return check


MODES = ("full", "same", "valid")


def nd(name, big):
    """Samples of a 1-d/N-d convolution ``name`` in every mode."""
    o = jss(name)
    add(_name(name),
        *[Sample(randn(7), randn(3), kw=dict(mode=m), jax=o, order2=(m == "same"))
          for m in MODES],
        *[Sample(randn(3), randn(5), kw=dict(mode=m), jax=o) for m in MODES],
        *[Sample(randn(4, 5), randn(2, 3), kw=dict(mode=m), jax=o, order2=(m == "full"))
          for m in MODES],
        Sample(randn(2, 3), randn(4, 5), kw=dict(mode="valid"), jax=o),
        Sample(randn(3, 4, 2), randn(2, 2, 2), kw=dict(mode="same"), jax=o),
        *[Sample(crandn(6), crandn(3), kw=dict(mode=m), jax=o) for m in MODES],
        Sample(crandn(3, 4), randn(2, 2), kw=dict(mode="valid"), jax=o),
        *[Sample(*big, kw=dict(mode=m), jax=o) for m in MODES])


nd("convolve", (randn(300), randn(9)))
nd("correlate", (randn(280), randn(11)))
nd("fftconvolve", (randn(20, 15), randn(5, 4)))
add(_name("convolve"),
    Sample(randn(40), randn(7), kw=dict(mode="same", method="direct"), jax=jss("convolve"),
           name="(f64[40],f64[7],same,direct)"),
    Sample(randn(40), randn(7), kw=dict(mode="full", method="fft"), jax=jss("convolve"),
           name="(f64[40],f64[7],full,fft)"))


def j_fft_bcast(in1, in2, mode="full", axes=None):
    """JAX's fftconvolve, whose other axes must match: both inputs broadcast there
    first, as SciPy broadcasts them."""
    import jax.numpy as jnp
    ax = [a % in1.ndim for a in np.atleast_1d(axes)]
    s1 = [max(p, q) if k not in ax else p for k, (p, q) in enumerate(zip(in1.shape, in2.shape))]
    s2 = [max(p, q) if k not in ax else q for k, (p, q) in enumerate(zip(in1.shape, in2.shape))]
    return jss("fftconvolve")(jnp.broadcast_to(in1, s1), jnp.broadcast_to(in2, s2), mode=mode,
                              axes=axes)


add(_name("fftconvolve"),
    # axes: the other axes broadcast (sizes equal or 1)
    *[Sample(x, y, kw=kw, jax=j_fft_bcast, check=equals_scipy("fftconvolve", **kw),
             order2=o)
      for x, y, kw, o in [(randn(3, 1, 10), randn(1, 4, 5), dict(axes=2), True),
                          (randn(3, 8, 2), randn(3, 4, 1), dict(mode="same", axes=(1,)), False),
                          (randn(2, 9, 6), randn(1, 4, 3), dict(mode="valid", axes=(1, 2)),
                           False)]])


def j_2d(name):
    """JAX's 2-d convolution/correlation with any boundary: ``in1`` extended as SciPy
    extends it, then JAX's ``'valid'`` result, which is SciPy's ``'full'``."""
    def f(in1, in2, mode="full", boundary="fill", fillvalue=0):
        import jax.numpy as jnp
        pad = {"fill": "constant", "wrap": "wrap", "circular": "wrap", "symm": "symmetric",
               "symmetric": "symmetric"}[boundary]
        k0, k1 = in2.shape
        width = ((k0 - 1, k0 - 1), (k1 - 1, k1 - 1))
        ext = (jnp.pad(in1, width, mode=pad, constant_values=fillvalue) if pad == "constant"
               else jnp.pad(in1, width, mode=pad))
        assert mode == "full"
        return jss(name)(ext, in2, mode="valid")
    return f


def two_d(name, big):
    o = jss(name)
    add(_name(name),
        *[Sample(randn(5, 4), randn(3, 2), kw=dict(mode=m), jax=o, order2=(m == "same"))
          for m in MODES],
        *[Sample(randn(3, 2), randn(4, 3), kw=dict(mode=m), jax=o) for m in MODES],
        Sample(randn(4, 5), randn(4, 5), kw=dict(mode="valid"), jax=o),
        *[Sample(crandn(4, 4), crandn(2, 3), kw=dict(mode=m), jax=o) for m in MODES],
        # boundaries: JAX has only 'fill' with 0; j_2d pads as SciPy does ('full'), SciPy's
        # values otherwise
        *[Sample(randn(5, 4), randn(3, 2), kw=dict(boundary=b), jax=j_2d(name),
                 check=equals_scipy(name, boundary=b), order2=(b == "wrap"))
          for b in ("wrap", "symm", "circular", "symmetric")],
        Sample(randn(5, 4), randn(3, 2), kw=dict(fillvalue=1.5), jax=j_2d(name),
               check=equals_scipy(name, fillvalue=1.5), order2=True),
        *[Sample(randn(5, 4), randn(3, 2), kw=dict(mode=m, boundary=b),
                 check=equals_scipy(name, mode=m, boundary=b), order2=(m == "same"))
          for m in ("same", "valid") for b in ("wrap", "symm")],
        Sample(randn(5, 4), randn(3, 2), kw=dict(mode="same", fillvalue=-0.5),
               check=equals_scipy(name, mode="same", fillvalue=-0.5)),
        *[Sample(*big, kw=dict(mode=m), jax=o) for m in MODES],
        Sample(*big, kw=dict(boundary="wrap"), jax=j_2d(name)))


two_d("convolve2d", (randn(16, 16), randn(5, 5)))
two_d("correlate2d", (randn(15, 17), randn(4, 6)))
