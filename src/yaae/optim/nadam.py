"""NAdam, as ``torch.optim.NAdam``."""
from __future__ import annotations

import numpy as np

from ..tensor import get_default_dtype
from .adam import _check_adam_args, _moments, _weight_decay
from .adamax import _ElementwiseOptimizer
from .optimizer import _as_real

__all__ = ["NAdam"]


class NAdam(_ElementwiseOptimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False)``: Adam with
    Nesterov momentum.

    Per parameter, at step ``t`` (``g`` negated when ``maximize``)::

        p = p * (1 - lr * wd)  (decoupled)   or   g = g + wd * p
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))   (mu_{t+1} alike)
        mu_product = mu_product * mu_t
        m = lerp(m, g, 1 - beta1);   v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / d
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / d

    State: ``'step'`` (float), ``'mu_product'``, ``'exp_avg'``, ``'exp_avg_sq'``
    (torch's keys).  ``mu_product`` is updated in the arithmetic of yaae's
    default dtype (``ya.get_default_dtype()``, float64 unless changed) and
    stored as a Python float, as torch keeps it as a scalar tensor of torch's
    default dtype: results equal torch's when the two default dtypes agree
    (``torch.set_default_dtype(torch.float64)`` for yaae's float64 default).
    ``foreach`` is accepted and ignored; ``capturable`` / ``differentiable``
    raise NotImplementedError.  Complex parameters are updated as (real,
    imag) pairs, as torch does.

    Example::

        opt = ya.optim.NAdam(model.parameters(), lr=2e-3)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _buffers = ("exp_avg", "exp_avg_sq")
    _scalars = {"mu_product": 1.0}
    _load_defaults = dict(_ElementwiseOptimizer._load_defaults, decoupled_weight_decay=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group, state, pd, g, step):
        lr = float(group["lr"])
        momentum_decay = float(group["momentum_decay"])
        g = _weight_decay(pd, g, group, group["decoupled_weight_decay"])
        pd, g, exp_avg, exp_avg_sq = (_as_real(a) for a in (
            pd, g, state["exp_avg"], state["exp_avg_sq"]))
        beta1 = float(group["betas"][0])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        scalar = get_default_dtype().type
        state["mu_product"] = mu_product = float(scalar(state["mu_product"]) * scalar(mu))

        _, beta2 = _moments(group, exp_avg, exp_avg_sq, g)
        denom = np.sqrt(exp_avg_sq / (1 - beta2 ** step))
        denom += float(group["eps"])
        mu_product_next = mu_product * mu_next
        np.add(pd, (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom, out=pd)
        np.add(pd, ((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg / denom, out=pd)
