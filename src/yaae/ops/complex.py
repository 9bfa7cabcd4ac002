"""Complex numbers: real, imag, conjugate, angle, real_if_close.

Convention (JAX's and HIPS autograd's): a cotangent ``g`` of a value ``w``
pairs with a change ``dw`` as ``Re(g * dw)``, with no conjugation.  So the
VJP of a holomorphic ``f`` is ``g * f'(z)`` (every elementwise rule written
as ``g * d`` is right as it stands) and the gradient of a real-valued ``f``
of ``z = x + iy`` is ``df/dx - i df/dy``.  A real input's cotangent is the
real part of what its rule returns (the engine takes it), a real cotangent
of a complex input is that number with imaginary part 0.  The rules below
are the non-holomorphic ones; ``abs`` and ``sign`` of a complex number are
in ``elementwise``.  (``Tensor.backward`` stores the conjugate in a complex
leaf's ``.grad``: PyTorch's convention, so its optimizers descend.)
"""
import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite


def _is_complex(x):
    return np.dtype(getattr(_data(x), "dtype", np.float64)).kind == "c"


def _real(x):
    return np.real(x)


def _imag(x):
    return np.imag(x)


def _conj(x):
    return np.conjugate(x)


# real: Re(g * dx') with dx' = Re(dz): the cotangent of z is g itself (as a
# complex number; the engine upcasts).  imag: Im(dz) = Re(-i dz): -i g.
real = defop("real", _real, numpy=np.real, saves=False,
             linear=lambda g, ans, x: g)


def _imag_transpose(g, ans, x):
    if not _is_complex(x):
        from .elementwise import zeros_like_g
        return zeros_like_g(g)
    return g * -1j


imag = defop("imag", _imag, numpy=np.imag, saves=False, linear=_imag_transpose)

# conj: Re(g * conj(dz)) = Re(conj(g) dz)
conjugate = defop("conjugate", _conj, numpy=np.conjugate, saves=False,
                  method=("conj", "conjugate"), aliases=("conj",),
                  linear=lambda g, ans, x: conjugate(g))


def _angle(z, deg=False):
    return np.angle(z, deg)


def _angle_d(ans, z, deg=False):
    """The cotangent of z per unit g: angle = Im(log z), so -i / z (real z:
    piecewise constant, 0)."""
    if not _is_complex(z):
        return None
    d = -1j / z
    return d * (180.0 / np.pi) if deg else d


def _angle_vjp(g, ans, z, deg=False):
    d = _angle_d(ans, z, deg)
    if d is None:
        from .elementwise import zeros_like_g
        return zeros_like_g(g)
    return g * d


def _angle_jvp(t, ans, z, deg=False):
    if not _is_complex(z):
        from .elementwise import zeros_like_g
        return zeros_like_g(real(t) if _is_complex(t) else t)
    d = imag(t / z)
    return d * (180.0 / np.pi) if deg else d


angle = defop("angle", _angle, numpy=np.angle, saves="args",
              vjp=_angle_vjp, jvp=_angle_jvp)


@defcomposite(numpy=np.real_if_close)
def real_if_close(a, tol=100):
    """NumPy's real_if_close: the real part when every imaginary part is
    below ``tol`` machine epsilons (``tol`` <= 1: an absolute tolerance)."""
    d = np.asarray(_data(a))
    if d.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(d.dtype).eps * tol
    if np.all(np.abs(d.imag) < tol):
        return real(a)
    return a
