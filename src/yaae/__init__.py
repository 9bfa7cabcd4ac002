"""yaae: yet another autodiff engine.

Tensors backed by NumPy arrays that record the operations applied to them and
give exact derivatives in reverse mode (``backward``), forward mode (``jvp``)
and any nesting of the two.
"""
from .tensor import (Tensor, GradNode, Primitive, primitive, no_grad, enable_grad, detect_anomaly,
                     is_grad_enabled, set_default_dtype, get_default_dtype, tensor)
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
from . import viz
from . import autograd, tree_util


def __getattr__(name):
    """Only for names yaae lacks: the AttributeError says what to write instead of a known
    PyTorch or JAX name (``ya.vmap``, ``ya.cat``, ...).

    >>> ya.jit        # doctest: +SKIP
    AttributeError: module 'yaae' has no attribute 'jit'; it is a PyTorch/JAX name. In yaae: ...
    """
    from ._hints import missing
    raise missing(__name__, name)


def _install_hints():
    from . import _hints
    _hints.install(nn, _hints.NN_HINTS)
    _hints.install(nn.functional, _hints.F_HINTS)


_install_hints()
