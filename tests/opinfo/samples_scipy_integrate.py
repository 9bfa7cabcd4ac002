"""Samples for ``ya.scipy.integrate.trapezoid`` and ``simpson``
(``yaae/scipy/integrate.py``; loading this file loads it, which declares the
two with ``module="scipy.integrate"``).

``trapezoid``: JAX's ``jax.scipy.integrate.trapezoid`` (values, VJP, JVP)
and PyTorch's ``torch.trapezoid``, differentiated in ``y``, ``x`` (1-d, or
broadcasting against ``y``) and ``dx``, along an axis of 1-d to 3-d ``y``.

``simpson``: neither JAX nor PyTorch has it.  It is linear in ``y``:
``simpson(y) = sum_i y_i w_i`` with ``w_i`` SciPy's ``simpson`` of the
``i``-th unit vector, so the PyTorch oracle is that weighted sum, with the
weights from SciPy (value and derivative in ``y``).  SciPy's ``x`` and
``dx`` are keyword-only, which the table does not differentiate: a
``check=`` runs finite differences (order 2) in ``x`` and ``dx`` and
compares the values with SciPy's.
"""
import numpy as np
import scipy.integrate as si
import torch

import yaae as ya
from yaae.scipy import integrate as _integrate  # noqa: F401 - loading it declares the ops

from . import Sample, add

_rng = np.random.default_rng(20261132)     # this file's own stream


def randn(*shape):
    return _rng.standard_normal(shape)


def grid(n, lo=0.0):
    """Increasing, unevenly spaced sample points."""
    return lo + np.cumsum(_rng.uniform(0.2, 1.0, n))


def jtrap(*a, **k):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.integrate
    return jax.scipy.integrate.trapezoid(*a, **k)


def ttrap(y, x=None, dx=1.0, axis=-1):
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=axis)
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[axis] = -1
        x = x.reshape(shape)
    return torch.trapezoid(y, x.expand_as(y) if x.dim() > 1 else x, dim=axis)


T = "scipy.integrate.trapezoid"
add(T,
    Sample(randn(5), grid(5), jax=jtrap, torch=ttrap, order2=True),
    Sample(randn(3, 6), grid(6), jax=jtrap, torch=ttrap, order2=True),
    Sample(randn(4, 3), grid(4), kw=dict(axis=0), jax=jtrap, torch=ttrap),
    # x broadcasting against y along the other axes, 3-d y
    Sample(randn(2, 5, 3), np.sort(randn(1, 5, 3), axis=1), kw=dict(axis=1), jax=jtrap,
           torch=ttrap, order2=True),
    Sample(randn(2, 4, 3), np.sort(randn(2, 4, 3), axis=1), kw=dict(axis=-2), jax=jtrap),
    # dx, differentiated (a 0-d array) and as a number
    Sample(randn(3, 5), None, np.array(0.3), jax=jtrap, diff=(0, 2),   # torch: dx a number
           order2=True),
    Sample(randn(4, 5), kw=dict(dx=0.7, axis=0), jax=jtrap, torch=ttrap),
    Sample(randn(20, 15), grid(15), jax=jtrap, torch=ttrap))


def _weights(n, x=None, dx=1.0):
    return si.simpson(np.eye(n), x=x, dx=dx, axis=-1)


def tsimp(y, x=None, dx=1.0, axis=-1):
    """``simpson`` as SciPy's weights times ``y`` (PyTorch)."""
    y = torch.movedim(y, axis, -1)
    w = torch.tensor(_weights(y.shape[-1], x, dx))
    return y @ w


def _check(x=None, dx=1.0, axis=-1):
    """``check=``: SciPy's values, and finite differences (rev and fwd, order 2) in
    ``y`` and in ``x`` or ``dx``."""
    def check(out, y):
        want = si.simpson(y, x=x, dx=dx, axis=axis)
        np.testing.assert_allclose(np.asarray(out.data), want, rtol=1e-12, atol=1e-14)
        if y.size > 30:           # the big samples: the values and the PyTorch oracle
            return
        if x is not None:
            f = (lambda y, x: ya.scipy.integrate.simpson(y, x=x, axis=axis))
            assert ya.testing.gradcheck(f, y, x, modes=("rev", "fwd"), order=2)
        else:
            f = (lambda y, dx: ya.scipy.integrate.simpson(y, dx=dx, axis=axis))
            assert ya.testing.gradcheck(f, y, np.asarray(dx, dtype=float),
                                        modes=("rev", "fwd"), order=2)
    return check


def simp(y, **kw):
    return Sample(y, kw=kw, torch=tsimp, check=_check(**kw), order2=True)


S = "scipy.integrate.simpson"
add(S,
    simp(randn(7), x=grid(7)),                       # odd: Simpson's rule throughout
    simp(randn(3, 6), x=grid(6)),                    # even: Cartwright's last interval
    simp(randn(3, 2), x=grid(2)),                    # two samples: the trapezoid
    simp(randn(5, 4), x=grid(5), axis=0),
    simp(randn(2, 5, 3), x=grid(5), axis=1),         # 1-d x along the axis of 3-d y
    simp(randn(4, 8), dx=0.3),
    simp(randn(3, 7), dx=0.5, axis=-1),
    simp(randn(20, 15), x=grid(15)),
    simp(randn(16, 20), x=grid(20)))
# x shaped like y (one grid per row): SciPy's values and finite differences in y and x
_xy = np.sort(randn(3, 6), axis=1) + np.arange(6) * 0.5
add(S, Sample(randn(3, 6), kw=dict(x=_xy), check=_check(x=_xy), order2=True))
