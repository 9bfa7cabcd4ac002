"""``ya.scipy.special``: SciPy's special functions, differentiable in every
mode and order (generated from the op registry's ``module="scipy.special"``
entries, declared in ``yaae/ops/special.py``).  SciPy's ufuncs among them
(``scipy.special.gammaln``, ...) also dispatch here when called on a Tensor."""
from ..ops import special as _special  # noqa: F401 - declares the ops
from ..api import namespace as _namespace

globals().update(_namespace("scipy.special"))
__all__ = sorted(_namespace("scipy.special"))
