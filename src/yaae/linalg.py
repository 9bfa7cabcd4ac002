"""``yaae.linalg``: NumPy's ``numpy.linalg`` functions, differentiable in every
mode and order (generated from the op registry's ``module="linalg"`` entries)."""
from .api import namespace as _namespace

globals().update(_namespace("linalg"))
__all__ = sorted(_namespace("linalg"))
