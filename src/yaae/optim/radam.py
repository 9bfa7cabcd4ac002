"""RAdam, as ``torch.optim.RAdam``."""
from __future__ import annotations

import numpy as np

from .adam import _lerp_
from .adamax import _apply_weight_decay, _as_real, _check_adam_args, _set_group_defaults
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, *, foreach=None, maximize=False,
    capturable=False, differentiable=False)``: rectified Adam.

    Per parameter, at step ``t`` (``g`` negated when ``maximize``)::

        p = p * (1 - lr * wd)  (decoupled)   or   g = g + wd * p
        m = lerp(m, g, 1 - beta1);   v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - m / (1 - beta1**t) * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        else:
            p = p - m / (1 - beta1**t) * lr

    State: ``'step'`` (float), ``'exp_avg'``, ``'exp_avg_sq'`` (torch's keys).
    ``foreach`` is accepted and ignored; ``capturable`` / ``differentiable``
    raise NotImplementedError.

    Example::

        opt = ya.optim.RAdam(model.parameters(), lr=1e-3)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _fix_loaded_groups(self):
        _set_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            decoupled_weight_decay=False, capturable=False)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(pd)
                    state["exp_avg_sq"] = np.zeros_like(pd)
                if group["maximize"]:
                    g = -g
                state["step"] = step = float(state["step"]) + 1.0
                g = _apply_weight_decay(pd, g, lr, weight_decay,
                                        group["decoupled_weight_decay"])
                pd, g, exp_avg, exp_avg_sq = (_as_real(a) for a in (
                    pd, g, state["exp_avg"], state["exp_avg_sq"]))

                _lerp_(exp_avg, g, 1 - beta1)
                np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
                np.add(exp_avg_sq, (1 - beta2) * g * g, out=exp_avg_sq)

                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = exp_avg / bias_correction1 * lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive_lr = bias_correction2 ** 0.5 / (np.sqrt(exp_avg_sq) + eps)
                    update = update * adaptive_lr * rect
                np.subtract(pd, update, out=pd)
        return loss
