"""Adadelta, as ``torch.optim.Adadelta``."""
from __future__ import annotations

import numpy as np

from .adamax import _apply_weight_decay, _as_real, _set_group_defaults
from .optimizer import Optimizer, _check_no_unsupported

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
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
    ``differentiable`` raise NotImplementedError.

    Example::

        opt = ya.optim.Adadelta(model.parameters())
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

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

    def _fix_loaded_groups(self):
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            capturable=False)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            rho = float(group["rho"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["square_avg"] = np.zeros_like(pd)
                    state["acc_delta"] = np.zeros_like(pd)
                state["step"] = float(state["step"]) + 1.0
                if group["maximize"]:
                    g = -g
                g = _apply_weight_decay(pd, g, lr, weight_decay)
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
                np.add(pd, (-lr) * delta, out=pd)
        return loss
