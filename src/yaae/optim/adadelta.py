"""Adadelta, as ``torch.optim.Adadelta``."""
from __future__ import annotations

import numpy as np

from .adam import _weight_decay
from .adamax import _ElementwiseOptimizer
from .optimizer import _as_real, _check_no_unsupported

__all__ = ["Adadelta"]


class Adadelta(_ElementwiseOptimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None,
    *, capturable=False, maximize=False, differentiable=False)``.

    Per parameter (``g`` negated when ``maximize``)::

        g = g + wd * p                                  (if weight_decay)
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    State: ``'step'`` (float), ``'square_avg'`` (v), ``'acc_delta'`` (u), torch's
    keys.  ``foreach`` is accepted and ignored; ``capturable`` /
    ``differentiable`` raise NotImplementedError.  Complex parameters are
    updated as (real, imag) pairs, as torch does.

    Example::

        opt = ya.optim.Adadelta(model.parameters())
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _buffers = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_no_unsupported(foreach, False, capturable, differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, state, pd, g, step):
        rho, eps = float(group["rho"]), float(group["eps"])
        g = _weight_decay(pd, g, group)
        pd, g, square_avg, acc_delta = (_as_real(a) for a in (
            pd, g, state["square_avg"], state["acc_delta"]))
        np.multiply(square_avg, rho, out=square_avg)
        np.add(square_avg, (1 - rho) * g * g, out=square_avg)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= g
        np.multiply(acc_delta, rho, out=acc_delta)
        np.add(acc_delta, (1 - rho) * delta * delta, out=acc_delta)
        np.add(pd, (-float(group["lr"])) * delta, out=pd)
