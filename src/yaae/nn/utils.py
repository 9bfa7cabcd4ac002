"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``.

Both take a Tensor or an iterable of Tensors, skip those whose ``.grad`` is
None and replace each gradient's array by the clipped values (a fresh array:
yaae gradient arrays may be read-only or shared between tensors; the grad
Tensor objects themselves are kept).
"""
from __future__ import annotations

import math
import types
import warnings

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _vector_norm(x, ord):
    """torch.linalg.vector_norm of a flattened array (dtype kept)."""
    x = np.abs(np.ravel(x))
    if ord == math.inf:
        return x.max() if x.size else np.zeros((), x.dtype)[()]
    if ord == -math.inf:
        return x.min() if x.size else np.array(math.inf, x.dtype)[()]
    if ord == 0:
        return np.asarray(np.count_nonzero(x), dtype=x.dtype)[()]
    if ord == 1:
        return x.sum(dtype=x.dtype)
    if ord == 2:
        return np.sqrt(np.dot(x, x)) if x.size else np.zeros((), x.dtype)[()]
    return (x ** ord).sum(dtype=x.dtype) ** (1.0 / ord)


def _as_list(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return parameters


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False):
    """The ``norm_type``-norm of the given tensors viewed as one vector (the
    norm of their individual norms), as a 0-d Tensor.

    Example::

        >>> float(nn.utils.get_total_norm([ya.tensor([3.0]), ya.tensor([4.0])]))
        5.0
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(0.0)
    dtype = np.result_type(*arrays)
    norms = np.array([_vector_norm(a, norm_type) for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm):
    """Scale gradients by ``min(max_norm / (total_norm + 1e-6), 1)``.

    Example::

        >>> model = nn.Linear(3, 2)
        >>> model(ya.ones((4, 3))).sum().backward()
        >>> params = list(model.parameters())
        >>> norm = nn.utils.get_total_norm([p.grad for p in params])
        >>> nn.utils.clip_grads_with_norm_(params, 1.0, norm)
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return
    max_norm = float(max_norm)
    tn = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coef = np.minimum(max_norm / (tn + 1e-6), 1.0)  # in the norm's dtype, as torch
        for p in params:
            g = p.grad.data
            p.grad.data = g * coef.astype(g.dtype)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of ``parameters`` so that their total norm (all
    gradients viewed as one vector) is at most ``max_norm``: each is multiplied
    by ``min(max_norm / (total_norm + 1e-6), 1)``.  ``norm_type`` may be
    ``float('inf')``.  Returns the total norm before clipping (a 0-d Tensor).

    Example::

        >>> model = nn.Linear(3, 2)
        >>> model(ya.ones((4, 3))).sum().backward()
        >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> float(nn.utils.get_total_norm([p.grad for p in model.parameters()])) <= 1.0 + 1e-6
        True
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient to ``[-clip_value, clip_value]``.

    Example::

        >>> model = nn.Linear(3, 2)
        >>> model(ya.ones((4, 3))).sum().backward()
        >>> nn.utils.clip_grad_value_(model.parameters(), 0.5)
        >>> float(model.bias.grad.max())
        0.5
    """
    parameters = _as_list(parameters)
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is None:
            continue
        g = p.grad.data
        p.grad.data = np.minimum(np.maximum(g, -clip_value), clip_value).astype(g.dtype,
                                                                                 copy=False)
