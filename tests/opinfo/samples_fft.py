"""Samples for ``ya.fft`` (``yaae/ops/fft.py``).  Real inputs carry ``torch=``
oracles (``torch.fft``); complex inputs ``jax=`` ones (``jax.numpy.fft``,
which shares yaae's complex convention; PyTorch's is its conjugate, see
``tests/test_complex.py``).  Every op: padding and cropping by ``n``/``s``,
axes, the three norms, batches, an order-2 and a >256-element sample, and
float32 kept with NumPy's values."""
import numpy as np
import torch

from . import Sample, add, randn, crandn


def jfft(name):
    """``jax.numpy.fft.NAME``, imported when the oracle runs."""
    def f(*a, **k):
        import jax.numpy
        return getattr(jax.numpy.fft, name)(*a, **k)
    return f


def t1(name):
    """``torch.fft.NAME`` with NumPy's one-axis keywords (n, axis, norm)."""
    def f(x, n=None, axis=-1, norm=None):
        return getattr(torch.fft, name)(x, n=n, dim=axis, norm=norm)
    return f


def tn(name, default_axes=None):
    """``torch.fft.NAME`` with NumPy's n-axis keywords (s, axes, norm)."""
    def f(x, s=None, axes=default_axes, norm=None):
        return getattr(torch.fft, name)(x, s=s, dim=axes, norm=norm)
    return f


def tshift(name):
    def f(x, axes=None):
        return getattr(torch.fft, name)(x, dim=axes)
    return f


def numpy_values(name, **kw):
    """float32 (complex64) kept, values equal to NumPy's."""
    def check(out, *args):
        want = getattr(np.fft, name)(*args, **kw)
        assert out.dtype == want.dtype, (out.dtype, want.dtype)
        np.testing.assert_array_equal(out.data, want)
    return check


def _f32(a):
    return a.astype(np.complex64 if np.iscomplexobj(a) else np.float32)


def one_axis(name, real_in, torch_ok=True):
    """Samples of a one-axis transform (fft, ifft, rfft, irfft, hfft, ihfft)."""
    mk = randn if real_in else crandn
    ora = dict(torch=t1(name)) if real_in and torch_ok else dict(jax=jfft(name))
    jx = dict(jax=jfft(name))
    add("fft." + name,
        Sample(mk(8), order2=True, **ora),
        Sample(mk(3, 7), order2=True, **jx, name="batch of rows"),
        Sample(mk(3, 6), kw=dict(n=9), **ora, name="n pads"),
        Sample(mk(3, 6), kw=dict(n=4), **ora, name="n crops"),
        Sample(mk(2, 3), kw=dict(n=10), order2=True, **ora, name="n pads (irfft: m > length)"),
        Sample(mk(5, 3), kw=dict(axis=0, norm="ortho"), order2=True, **ora),
        Sample(mk(2, 5, 3), kw=dict(n=7, axis=1, norm="forward"), **ora),
        Sample(mk(4, 5), kw=dict(n=5, axis=-2, norm="backward"), **jx),
        Sample(mk(6, 70), kw=dict(norm="ortho"), **ora, name="big"),
        Sample(mk(300), kw=dict(n=301), **jx, name="big odd n"),
        Sample(_f32(mk(2, 6)), check=numpy_values(name), diff=(), name="float32"))
    if real_in:     # complex input to the transforms that take either
        if name in ("fft", "ifft"):
            add("fft." + name, Sample(crandn(3, 5), kw=dict(n=6), order2=True, jax=jfft(name),
                             name="complex input"),
                Sample(crandn(30, 20), jax=jfft(name), name="complex big"))
    else:           # real input to the complex-input ones
        add("fft." + name, Sample(randn(2, 5), kw=dict(n=8), order2=True, jax=jfft(name),
                         name="real input"))


one_axis("fft", real_in=True)
one_axis("ifft", real_in=True)
one_axis("rfft", real_in=True)
one_axis("irfft", real_in=False)
one_axis("hfft", real_in=False)
one_axis("ihfft", real_in=True)


def n_axes(name, real_in, two=False):
    """Samples of an n-axis transform (fft2 ... irfftn)."""
    mk = randn if real_in else crandn
    to = (dict(torch=tn(name, (-2, -1) if two else None)) if real_in
          else dict(jax=jfft(name)))
    jx = dict(jax=jfft(name))
    add("fft." + name,
        Sample(mk(4, 6), order2=True, **to),
        Sample(mk(2, 4, 5), order2=True, **jx, name="batch"),
        Sample(mk(3, 4, 5), kw=dict(s=(5, 3), axes=(0, 2)), **to, name="s pads and crops"),
        Sample(mk(3, 4, 5), kw=dict(axes=(2, 0), norm="ortho"), order2=True, **to),
        Sample(mk(4, 3), kw=dict(s=(6, 4), axes=(-2, -1), norm="forward"), **to),
        Sample(mk(3, 2), kw=dict(s=(2, 8), axes=(0, 1)), order2=True, **to,
               name="last axis pads (irfft: m > length)"),
        Sample(mk(12, 30), kw=dict(s=(13, 29), axes=(0, 1)), **to, name="big"),
        Sample(mk(4, 80), kw=dict(norm="forward"), **jx, name="big forward"),
        Sample(_f32(mk(3, 4)), check=numpy_values(name), diff=(), name="float32"))
    if not two:
        add("fft." + name, Sample(mk(2, 3, 4), **to, name="all axes (3-d)"),
            Sample(mk(4, 5, 3), kw=dict(axes=(1,)), **jx, name="one axis"))
    if real_in and name in ("fft2", "ifft2", "fftn", "ifftn"):
        add("fft." + name, Sample(crandn(3, 4), kw=dict(s=(4, 4)), order2=True, jax=jfft(name),
                         name="complex input"))


for _n in ("fft2", "ifft2", "rfft2"):
    n_axes(_n, real_in=True, two=True)
n_axes("irfft2", real_in=False, two=True)
for _n in ("fftn", "ifftn", "rfftn"):
    n_axes(_n, real_in=True)
n_axes("irfftn", real_in=False)

for _n in ("fftshift", "ifftshift"):
    add("fft." + _n,
        Sample(randn(5), torch=tshift(_n), order2=True),
        Sample(randn(4, 5), kw=dict(axes=0), torch=tshift(_n), order2=True),
        Sample(randn(3, 4, 5), kw=dict(axes=(0, 2)), torch=tshift(_n)),
        Sample(crandn(4, 5), kw=dict(axes=-1), jax=jfft(_n), order2=True, name="complex"),
        Sample(randn(17, 19), torch=tshift(_n), name="big"),
        Sample(randn(3, 4).astype(np.float32), check=numpy_values(_n), diff=(),
               name="float32"))
