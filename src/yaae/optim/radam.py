"""RAdam, as ``torch.optim.RAdam``."""
from __future__ import annotations

import numpy as np

from .adam import _check_adam_args, _moments, _weight_decay
from .adamax import _ElementwiseOptimizer
from .optimizer import _as_real

__all__ = ["RAdam"]


class RAdam(_ElementwiseOptimizer):
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
    raise NotImplementedError.  Complex parameters are updated as (real,
    imag) pairs, as torch does.

    Example::

        opt = ya.optim.RAdam(model.parameters(), lr=1e-3)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _buffers = ("exp_avg", "exp_avg_sq")
    _load_defaults = dict(_ElementwiseOptimizer._load_defaults, decoupled_weight_decay=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, state, pd, g, step):
        g = _weight_decay(pd, g, group, group["decoupled_weight_decay"])
        pd, g, exp_avg, exp_avg_sq = (_as_real(a) for a in (
            pd, g, state["exp_avg"], state["exp_avg_sq"]))
        beta1, beta2 = _moments(group, exp_avg, exp_avg_sq, g)
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / (1 - beta1 ** step) * float(group["lr"])
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = bias_correction2 ** 0.5 / (np.sqrt(exp_avg_sq) + float(group["eps"]))
            update = update * adaptive_lr * rect
        np.subtract(pd, update, out=pd)
