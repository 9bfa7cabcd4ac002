"""``ya.fft``: NumPy's discrete Fourier transforms, differentiable.

Every transform is linear, so each private primitive below declares its
*transpose* (``linear=``; the JVP is the transform of the tangent).  They
are transposes in JAX's complex convention (see ``ops.complex``), not
adjoints: the DFT matrix is symmetric, so the transpose of ``fftn`` is
``fftn`` (same ``norm``), followed by undoing the zero-padding/cropping of
``s``/``n``.  The real transforms need the corrections for the Hermitian
halving (as ``_rfft_transpose``/``_irfft_transpose`` in JAX's
``lax/fft.py``).  The public functions (NumPy's names, signatures and values:
they call ``numpy.fft`` on the data) normalise ``s``/``n`` and axes, then call
the primitives with *negative* axes, so (co)tangents with extra leading batch
dimensions go through the same rules.
"""
import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite
from .complex import real, conjugate

_NORMS = (None, "backward", "ortho", "forward")


# ---- argument handling (NumPy's) ------------------------------------------------------
def _axis(a, nd):
    a = int(a)
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a - nd if a >= 0 else a


def _shape(x):
    return np.shape(_data(x))


def _cook(x, s, axes, invreal=False):
    """NumPy's ``_cook_nd_args``: transform sizes ``s`` and negative ``axes``."""
    shape = _shape(x)
    nd = len(shape)
    shapeless = s is None
    if axes is None:
        axes = range(-len(s), 0) if s is not None else range(-nd, 0)
    axes = tuple(_axis(a, nd) for a in axes)
    s = [shape[a] for a in axes] if s is None else list(s)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless and axes:
        s[-1] = (shape[axes[-1]] - 1) * 2
    s = [shape[a] if (v is None or v == -1) else int(v) for v, a in zip(s, axes)]
    return tuple(s), axes


def _one(x, n, axis, invreal=False):
    """``s`` and ``axes`` of a one-axis transform."""
    return _cook(x, None if n is None else (n,), (axis,), invreal)


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"fft.{name}: out= cannot be recorded for differentiation; use the "
                        f"returned Tensor")


def _swap(norm):
    """NumPy's ``_swap_direction`` (hfft/ihfft use the opposite normalisation)."""
    try:
        return {None: "forward", "backward": "forward", "ortho": "ortho",
                "forward": "backward"}[norm]
    except (KeyError, TypeError):
        raise ValueError(f'Invalid norm value {norm}; should be "backward", '
                         f'"ortho" or "forward".') from None


# ---- primitives ----------------------------------------------------------------------
def _resize_fwd(x, sizes, axes):
    """Crop (first ``n``) or zero-pad (at the end) ``x`` to ``sizes`` along ``axes``."""
    idx = [slice(None)] * x.ndim
    pads = [(0, 0)] * x.ndim
    for n, a in zip(sizes, axes):
        m = x.shape[a]
        if n < m:
            idx[a] = slice(0, n)
        elif n > m:
            pads[a] = (0, n - m)
    y = x[tuple(idx)]
    if any(p[1] for p in pads):
        y = np.pad(y, pads)
    return y


def _sizes(x, axes):
    return tuple(x.shape[a] for a in axes)


def _resize(x, sizes, axes):
    """``_resize_p``, skipped when nothing changes."""
    if _sizes(x, axes) == tuple(sizes):
        return x
    return _resize_p(x, tuple(sizes), axes)


# crop and zero-pad are each other's transposes
_resize_p = defop("fft_resize", _resize_fwd, saves=False, register=False,
                  linear=lambda g, ans, x, sizes, axes: _resize(g, _sizes(x, axes), axes))


def _c2c_fwd(x, s, axes, norm, inverse):
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, s, axes, norm)


def _c2c_transpose(g, ans, x, s, axes, norm, inverse):
    # the (i)DFT matrix is symmetric: transpose = the same transform, then the
    # transpose of the crop/zero-pad to ``s`` (a real x: the engine takes the real part)
    return _resize(_c2c(g, None, axes, norm, inverse), _sizes(x, axes), axes)


_c2c = defop("fftn", _c2c_fwd, saves=False, register=False, linear=_c2c_transpose)


def _r2c_fwd(x, s, axes, norm):
    return np.fft.rfftn(x, s, axes, norm)


def _r2c_transpose(g, ans, x, s, axes, norm):
    # rfftn = (keep n//2+1 of the last axis) . fftn . (crop/pad to s): its
    # transpose zero-pads g back to s (fftn's own s does it), applies fftn and
    # undoes the crop/pad; the input is real, so the real part
    return real(_resize(_c2c(g, s, axes, norm, False), _sizes(x, axes), axes))


_r2c = defop("rfftn", _r2c_fwd, saves=False, register=False, linear=_r2c_transpose)


def _hermitian_weights(n, axis, dtype):
    """Along the last transformed axis (length n): 1 for the terms irfft uses
    once (0 and, for even n, n/2), 2 for those it uses twice (with their
    conjugates), 0 for those it never reads (beyond n//2)."""
    m = n // 2 + 1
    w = np.zeros(n, dtype=dtype)
    w[:m] = 2.0
    w[0] = 1.0
    if n % 2 == 0:
        w[n // 2] = 1.0
    return w.reshape((n,) + (1,) * (-axis - 1))


def _c2r_fwd(x, s, axes, norm):
    return np.fft.irfftn(x, s, axes, norm)


def _c2r_transpose(g, ans, x, s, axes, norm):
    # irfftn(X) = irfft_last(ifft_rest(crop/pad X)); irfft of n points reads
    # X_0 and X_{n/2} once and X_1..X_{(n-1)//2} twice (with their conjugates):
    # its transpose (JAX's convention) is w * ifft(g)[:n//2+1], the rest are
    # symmetric or crop/pad transposes
    y = _c2c(g, None, axes, norm, True)
    w = _hermitian_weights(s[-1], axes[-1], np.finfo(_data(y).dtype).dtype)
    return _resize(y * w, _sizes(x, axes), axes)


_c2r = defop("irfftn", _c2r_fwd, saves=False, register=False, linear=_c2r_transpose)


def _shift_fwd(x, axes, inverse):
    if not axes:
        return x.copy()
    return (np.fft.ifftshift if inverse else np.fft.fftshift)(x, axes)


_shift = defop("fftshift", _shift_fwd, saves=False, register=False,
               linear=lambda g, ans, x, axes, inverse: _shift(g, axes, not inverse))


# ---- NumPy's functions -----------------------------------------------------------------
def _check_norm(norm):
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", '
                         f'"ortho" or "forward".')
    return norm


def _c2c_call(a, s, axes, norm, inverse):
    if not axes:        # NumPy: no axes, no transform
        return a
    return _c2c(a, s, axes, _check_norm(norm), inverse)


@defcomposite(numpy=np.fft.fft, module="fft")
def fft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.fft``: the one-dimensional discrete Fourier transform."""
    _no_out(out, "fft")
    return _c2c_call(a, *_one(a, n, axis), norm, False)


@defcomposite(numpy=np.fft.ifft, module="fft")
def ifft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.ifft``: the one-dimensional inverse discrete Fourier transform."""
    _no_out(out, "ifft")
    return _c2c_call(a, *_one(a, n, axis), norm, True)


@defcomposite(numpy=np.fft.fftn, module="fft")
def fftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``fft.fftn``: the n-dimensional discrete Fourier transform."""
    _no_out(out, "fftn")
    return _c2c_call(a, *_cook(a, s, axes), norm, False)


@defcomposite(numpy=np.fft.ifftn, module="fft")
def ifftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``fft.ifftn``: the n-dimensional inverse discrete Fourier transform."""
    _no_out(out, "ifftn")
    return _c2c_call(a, *_cook(a, s, axes), norm, True)


@defcomposite(numpy=np.fft.fft2, module="fft")
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``fft.fft2``: the two-dimensional discrete Fourier transform."""
    _no_out(out, "fft2")
    return _c2c_call(a, *_cook(a, s, axes), norm, False)


@defcomposite(numpy=np.fft.ifft2, module="fft")
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``fft.ifft2``: the two-dimensional inverse discrete Fourier transform."""
    _no_out(out, "ifft2")
    return _c2c_call(a, *_cook(a, s, axes), norm, True)


def _r2c_call(a, s, axes, norm):
    return _r2c(a, s, axes, _check_norm(norm))


def _c2r_call(a, s, axes, norm):
    return _c2r(a, s, axes, _check_norm(norm))


@defcomposite(numpy=np.fft.rfft, module="fft")
def rfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.rfft``: the discrete Fourier transform of real input
    (the ``n//2 + 1`` non-negative frequency terms)."""
    _no_out(out, "rfft")
    return _r2c_call(a, *_one(a, n, axis), norm)


@defcomposite(numpy=np.fft.irfft, module="fft")
def irfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.irfft``: the inverse of ``rfft`` (``n`` real outputs)."""
    _no_out(out, "irfft")
    return _c2r_call(a, *_one(a, n, axis, invreal=True), norm)


@defcomposite(numpy=np.fft.rfftn, module="fft")
def rfftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``fft.rfftn``: the n-dimensional discrete Fourier transform of real input."""
    _no_out(out, "rfftn")
    return _r2c_call(a, *_cook(a, s, axes), norm)


@defcomposite(numpy=np.fft.irfftn, module="fft")
def irfftn(a, s=None, axes=None, norm=None, out=None):
    """NumPy's ``fft.irfftn``: the inverse of ``rfftn``."""
    _no_out(out, "irfftn")
    return _c2r_call(a, *_cook(a, s, axes, invreal=True), norm)


@defcomposite(numpy=np.fft.rfft2, module="fft")
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``fft.rfft2``: the two-dimensional discrete Fourier transform of real input."""
    _no_out(out, "rfft2")
    return _r2c_call(a, *_cook(a, s, axes), norm)


@defcomposite(numpy=np.fft.irfft2, module="fft")
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """NumPy's ``fft.irfft2``: the inverse of ``rfft2``."""
    _no_out(out, "irfft2")
    return _c2r_call(a, *_cook(a, s, axes, invreal=True), norm)


@defcomposite(numpy=np.fft.hfft, module="fft")
def hfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.hfft``: the FFT of a signal with Hermitian symmetry (a real
    spectrum): ``irfft(conj(a))`` with the opposite normalisation."""
    _no_out(out, "hfft")
    s, axes = _one(a, n, axis, invreal=True)
    return _c2r(conjugate(a), s, axes, _swap(norm))


@defcomposite(numpy=np.fft.ihfft, module="fft")
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """NumPy's ``fft.ihfft``: the inverse of ``hfft``: ``conj(rfft(a))`` with
    the opposite normalisation."""
    _no_out(out, "ihfft")
    s, axes = _one(a, n, axis)
    return conjugate(_r2c(a, s, axes, _swap(norm)))


def _shift_axes(x, axes):
    nd = len(_shape(x))
    if axes is None:
        return tuple(range(-nd, 0))
    if np.ndim(axes) == 0:
        return (_axis(axes, nd),)
    return tuple(_axis(a, nd) for a in axes)


@defcomposite(numpy=np.fft.fftshift, module="fft")
def fftshift(x, axes=None):
    """NumPy's ``fft.fftshift``: the zero-frequency term moved to the centre."""
    return _shift(x, _shift_axes(x, axes), False)


@defcomposite(numpy=np.fft.ifftshift, module="fft")
def ifftshift(x, axes=None):
    """NumPy's ``fft.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, _shift_axes(x, axes), True)
