"""``yaae.fft``: NumPy's ``numpy.fft`` functions, differentiable in every mode
and order (generated from the op registry's ``module="fft"`` entries)."""
from .api import namespace as _namespace

globals().update(_namespace("fft"))
__all__ = sorted(_namespace("fft"))
