"""``ya.scipy``: differentiable SciPy, loaded on first use.

SciPy is an optional dependency (``pip install yaae[scipy]``): ``import yaae``
never imports it; ``ya.scipy`` does, on first access, and raises an
ImportError saying how to install it when it is missing.  The submodules
(``ya.scipy.special``, ...) load on first access too, so using one never
imports the others.

Example::

    >>> import yaae as ya
    >>> ya.scipy.special.gammaln(ya.tensor([0.5, 3.0]))
"""
import importlib

try:
    import scipy as _scipy  # noqa: F401 - the dependency check
except ImportError as e:
    raise ImportError("ya.scipy needs SciPy, which is not installed: "
                      "pip install yaae[scipy]") from e

_SUBMODULES = ("special", "stats", "signal", "linalg", "integrate", "optimize")


def __getattr__(name):
    if name in _SUBMODULES:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
