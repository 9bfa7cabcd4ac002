"""The OpInfo-style sample table, keyed by the op registry.

Every op in ``yaae.ops.registry.OPS`` (by qualified name: ``"sin"``,
``"linalg.svd"``, ``"fft.rfft"``) has sample inputs here, declared in the
family files ``samples_*.py`` with ``add(name, Sample(...), ...)``.
``tests/test_opinfo.py`` checks each sample:

* ``ya.testing.gradcheck`` in reverse and forward mode, order 1 (and order 2
  for samples with ``order2=True``; every op needs at least one);
* ``jacfwd == jacrev``;
* PyTorch (``torch=``) to 1e-10 in float64, value and VJP;
* every op needs one sample with more than 256 differentiated elements
  (``big``); big samples get a directional finite-difference check, the
  VJP/JVP adjoint identity and the PyTorch check instead of full Jacobians.

A test fails for any registered op without samples.
"""
import numpy as np

SAMPLES = {}     # qualified op name -> [Sample]


class Sample:
    """Arguments for one call of an op.

    ``args``: positional arguments (ndarrays, numbers, anything the op takes);
    ``kw``: keyword arguments; ``diff``: indices of the arguments to
    differentiate (default: every float/complex ndarray argument); ``torch``:
    the same call in PyTorch, ``torch(*args, **kw)`` with every differentiated
    argument as a float64 torch tensor (other arguments as given), returning a
    tensor or a tuple/list of them; ``order2``: also check second order;
    ``fd``: False skips finite differences (an op whose derivative is zero
    almost everywhere is then checked by ``torch`` or by ``check``);
    ``check(out, *args)``: extra assertion on the output; ``jax``: the same
    call in ``jax.numpy`` (the oracle for complex gradients, in JAX's
    convention, which is yaae's; also the oracle for ``ya.scipy`` functions
    that JAX has and PyTorch lacks); ``name``: test id; ``oracle_rtol``: the
    relative tolerance of the ``torch``/``jax`` comparisons (1e-10; looser
    only where the oracle's own implementation is less accurate, with the
    reason in a comment at the sample).
    """
    __slots__ = ("args", "kw", "diff", "torch", "order2", "fd", "rtol", "atol", "eps",
                 "name", "check", "jax", "oracle_rtol")

    def __init__(self, *args, kw=None, diff=None, torch=None, order2=False, fd=True,
                 rtol=1e-5, atol=1e-6, eps=1e-6, name=None, check=None, jax=None,
                 oracle_rtol=1e-10):
        self.args = args
        self.kw = kw or {}
        if diff is None:
            diff = tuple(i for i, a in enumerate(args)
                         if isinstance(a, np.ndarray) and a.dtype.kind in "fc")
        self.diff = tuple(diff)
        self.torch, self.order2, self.fd = torch, order2, fd
        self.rtol, self.atol, self.eps = rtol, atol, eps
        self.name, self.check, self.jax = name, check, jax
        self.oracle_rtol = oracle_rtol

    @property
    def size(self):
        return sum(np.size(self.args[i]) for i in self.diff)

    def __repr__(self):
        if self.name:
            return self.name
        parts = []
        for a in self.args:
            if isinstance(a, np.ndarray):
                parts.append(f"{a.dtype.name}{list(a.shape)}")
            else:
                parts.append(repr(a)[:20])
        parts += [f"{k}={v!r}"[:24] for k, v in self.kw.items()]
        return "(" + ",".join(parts) + ")"


def add(name, *samples):
    SAMPLES.setdefault(name, []).extend(samples)


# ---- input makers (seeded: the same inputs on every run) ------------------------------
_rng = np.random.default_rng(20261129)


def rand(*shape, low=-2.0, high=2.0, dtype=np.float64):
    return _rng.uniform(low, high, shape).astype(dtype)


def randn(*shape, dtype=np.float64):
    return _rng.standard_normal(shape).astype(dtype)


def pos(*shape, low=0.5, high=3.0):
    return _rng.uniform(low, high, shape)


def nonzero(*shape, low=0.2, high=2.0):
    return _rng.choice([-1.0, 1.0], size=shape) * _rng.uniform(low, high, shape)


def distinct(*shape, gap=0.05):
    """Values with no two within ``gap`` (no ties for sorts, max, median)."""
    n = int(np.prod(shape))
    v = np.arange(n) * gap * 2 + _rng.uniform(0, gap, n) - n * gap
    return _rng.permutation(v).reshape(shape)


def spd(n, batch=()):
    """Symmetric positive definite, well conditioned."""
    a = _rng.standard_normal(tuple(batch) + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


def wellcond(n, batch=()):
    """A well-conditioned square matrix."""
    return _rng.standard_normal(tuple(batch) + (n, n)) * 0.3 + 2 * np.eye(n)


def crandn(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


def load_all():
    """Import every ``samples_*.py`` family file (they fill SAMPLES)."""
    import importlib
    import pkgutil
    for m in pkgutil.iter_modules(__path__):
        if m.name.startswith("samples_"):
            importlib.import_module(f"{__name__}.{m.name}")
    return SAMPLES
