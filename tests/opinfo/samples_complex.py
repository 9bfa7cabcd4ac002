"""Samples for the complex family (``yaae/ops/complex.py``), and complex inputs of
``abs`` and ``sign`` (their rules for complex numbers are the complex family's
convention).  Samples with complex arguments carry ``jax=`` oracles (JAX shares
yaae's convention; PyTorch's is its conjugate, see ``tests/test_complex.py``);
real ones ``torch=``."""
import numpy as np
import torch

from . import Sample, add, randn, crandn, nonzero


def jnp(name):
    """``jax.numpy.NAME``, imported when the oracle runs."""
    def f(*a, **k):
        import jax.numpy
        return getattr(jax.numpy, name)(*a, **k)
    return f


def _keeps(dtype):
    def check(out, *args):
        assert out.dtype == np.dtype(dtype), out.dtype
    return check


def _equals_numpy(npfn, **kw):
    def check(out, *args):
        want = npfn(*args, **kw)
        assert out.dtype == want.dtype and np.array_equal(out.data, want), (out, want)
    return check


add("real",
    Sample(crandn(3, 4), jax=jnp("real"), order2=True),
    Sample(randn(3, 4), torch=torch.real, jax=jnp("real"), order2=True),
    Sample(crandn(20, 15), jax=jnp("real")),
    Sample(randn(20, 15), torch=torch.real),
    Sample(crandn(4).astype(np.complex64), check=_keeps(np.float32), diff=(),
           name="complex64->float32"))
add("imag",
    Sample(crandn(3, 4), jax=jnp("imag"), order2=True),
    Sample(randn(3, 4), jax=jnp("imag"), order2=True, name="real input: zero"),
    Sample(crandn(20, 15), jax=jnp("imag")),
    Sample(crandn(4).astype(np.complex64), check=_keeps(np.float32), diff=(),
           name="complex64->float32"))
add("conjugate",
    Sample(crandn(3, 4), jax=jnp("conjugate"), order2=True),
    Sample(randn(3, 4), torch=lambda x: torch.conj(x).resolve_conj(), jax=jnp("conjugate"),
           order2=True),
    Sample(crandn(2, 3, 50), jax=jnp("conjugate")),
    Sample(crandn(5), check=_equals_numpy(np.conj), diff=(), name="np.conj values"))
add("angle",
    Sample(crandn(3, 4), jax=jnp("angle"), order2=True),
    Sample(crandn(3, 4), kw=dict(deg=True), jax=jnp("angle"), order2=True),
    Sample(nonzero(3, 4), torch=torch.angle, jax=jnp("angle"), name="real input: zero"),
    Sample(crandn(20, 15), jax=jnp("angle")),
    Sample(crandn(6), kw=dict(deg=True), check=_equals_numpy(np.angle, deg=True), diff=(),
           name="np.angle values"))
_close = crandn(3, 4).real + 1e-18j
add("real_if_close",
    # close: the result is the real part; off the real axis it is complex (no
    # finite differences across that jump: the jax oracle checks it)
    Sample(_close, jax=jnp("real"), fd=False, name="close: the real part"),
    Sample(crandn(3, 4), jax=lambda z, **k: z + 0, order2=True, name="not close: unchanged"),
    Sample(randn(3, 4), torch=lambda x: x + 0, order2=True, name="real input: unchanged"),
    Sample(crandn(3, 4), kw=dict(tol=10.0), jax=lambda z, **k: z + 0, name="tol: not close"),
    Sample(crandn(20, 15).real + 1e-18j, jax=jnp("real"), fd=False),
    Sample(crandn(20, 15), jax=lambda z, **k: z + 0),
    Sample(_close, check=_equals_numpy(np.real_if_close), diff=(), name="np values"))

# abs and sign of complex numbers (real inputs: samples_elementwise.py)
add("abs",
    Sample(crandn(3, 4), jax=jnp("abs"), order2=True, name="complex"),
    Sample(crandn(20, 15), jax=jnp("abs"), name="complex big"),
    Sample(crandn(4).astype(np.complex64), check=_keeps(np.float32), diff=(),
           name="complex64->float32"))
# JAX's sign has a zero derivative everywhere, also for complex z: the oracle is z/|z|
add("sign",
    Sample(crandn(3, 4), jax=lambda z: z / jnp("abs")(z), order2=True, name="complex"),
    Sample(crandn(20, 15), jax=lambda z: z / jnp("abs")(z), name="complex big"))
