"""yaae: yet another autodiff engine.

Tensors backed by NumPy arrays that record the operations applied to them and
give exact derivatives in reverse mode (``backward``), forward mode (``jvp``)
and any nesting of the two.
"""
from .tensor import (Tensor, GradNode, Primitive, primitive, no_grad, enable_grad, detect_anomaly,
                     is_grad_enabled, set_default_dtype, get_default_dtype, tensor, device)
from . import ops
from .api import *  # noqa: F401,F403 - the NumPy-named functions
from . import interop as _interop  # noqa: F401 - installs __array_ufunc__/__array_function__
from . import linalg, fft
from . import testing

Node = Tensor  # the name in the original Yaae write-up

__version__ = "0.1.0"
from .transforms import (grad, value_and_grad, vjp, jvp, jacrev, jacfwd, jacobian,
                         hessian, hvp)
from .random import manual_seed
from . import nn, optim, data
from .io import save, load
from numpy import pi, e, inf, nan, newaxis  # noqa: F401,E402 - NumPy's (and torch's) constants
from . import viz
from . import autograd, tree_util
from . import distributed

# PyTorch's dtype names, as NumPy dtypes (usable as dtype= everywhere; ya.float is
# float32 and ya.int int32, as torch.float and torch.int)
import numpy as _np  # noqa: E402
float16 = half = _np.dtype("float16")
float32 = float = _np.dtype("float32")  # noqa: A001 - PyTorch's name
float64 = double = _np.dtype("float64")
complex64, complex128 = _np.dtype("complex64"), _np.dtype("complex128")
uint8, int8, int16 = _np.dtype("uint8"), _np.dtype("int8"), _np.dtype("int16")
int32 = int = _np.dtype("int32")  # noqa: A001 - PyTorch's name
int64 = long = _np.dtype("int64")
bool = _np.dtype("bool")  # noqa: A001 - PyTorch's name


def __getattr__(name):
    """Only for names yaae lacks: the AttributeError says what to write instead of a known
    PyTorch or JAX name (``ya.vmap``, ``ya.cat``, ...).

    >>> ya.jit        # doctest: +SKIP
    AttributeError: module 'yaae' has no attribute 'jit'; it is a PyTorch/JAX name. In yaae: ...

    And ``ya.scipy``, loaded on first access (SciPy is optional: ``pip install yaae[scipy]``).
    """
    if name == "scipy":
        import importlib
        return importlib.import_module(".scipy", __name__)
    from ._hints import missing
    raise missing(__name__, name)


def _install_hints():
    from . import _hints
    _hints.install(nn, _hints.NN_HINTS)
    _hints.install(nn.functional, _hints.F_HINTS)


_install_hints()
