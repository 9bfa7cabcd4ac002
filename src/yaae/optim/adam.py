"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW``."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _as_real, _check_no_unsupported

__all__ = ["Adam", "AdamW"]


def _lerp_(start, end, weight):
    """``start.lerp_(end, weight)`` with torch's formula (in place on ``start``)."""
    if abs(weight) < 0.5:
        np.add(start, weight * (end - start), out=start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)
    return start


def _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach=None,
                     fused=None):
    """torch's ValueErrors for an Adam-style optimizer's hyperparameters, and
    the NotImplementedError for flags yaae does not support."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    _check_no_unsupported(foreach, fused, capturable, differentiable)


def _weight_decay(pd, g, group, decoupled=False):
    """torch's weight decay: ``p *= 1 - lr * wd`` (decoupled, in place) or
    ``g + wd * p`` (L2); returns the gradient to use."""
    weight_decay = float(group["weight_decay"])
    if weight_decay != 0:
        if decoupled:
            np.multiply(pd, 1 - float(group["lr"]) * weight_decay, out=pd)
        else:
            g = g + weight_decay * pd
    return g


def _moments(group, exp_avg, exp_avg_sq, g):
    """Adam's moment updates in place: ``m = lerp(m, g, 1 - beta1)``,
    ``v = beta2 * v + (1 - beta2) * g * g``; returns ``(beta1, beta2)``.
    Complex arrays must already be real views (``_as_real``)."""
    beta1, beta2 = (float(b) for b in group["betas"])
    _lerp_(exp_avg, g, 1 - beta1)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.add(exp_avg_sq, (1 - beta2) * g * g, out=exp_avg_sq)
    return beta1, beta2


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, maximize=False, decoupled_weight_decay=False)``.

    Per parameter, at step ``t`` (``g`` negated when ``maximize``)::

        p = p * (1 - lr * wd)  (decoupled)   or   g = g + wd * p
        m = lerp(m, g, 1 - beta1);   v = beta2 * v + (1 - beta2) * g * g
        vmax = max(vmax, v)                   (amsgrad: use vmax for v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    State: ``'step'`` (float), ``'exp_avg'``, ``'exp_avg_sq'`` and, with
    amsgrad, ``'max_exp_avg_sq'``.  Complex parameters are updated as (real,
    imag) pairs, as torch does (``v`` holds the squares of each part).

    Example::

        >>> model = nn.Linear(3, 1)
        >>> opt = ya.optim.Adam(model.parameters(), lr=1e-3)
        >>> loss = ((model(ya.ones((8, 3))) - 1.0) ** 2).mean()
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach,
                         fused)
        betas = (float(betas[0]), float(betas[1]))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _fix_loaded_groups(self):
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            amsgrad = group["amsgrad"]
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(pd)
                    state["exp_avg_sq"] = np.zeros_like(pd)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(pd)
                if group["maximize"]:
                    g = -g
                state["step"] = step = float(state["step"]) + 1.0
                g = _weight_decay(pd, g, group, group["decoupled_weight_decay"])
                pd, g, exp_avg, exp_avg_sq = (_as_real(a) for a in (
                    pd, g, state["exp_avg"], state["exp_avg_sq"]))
                beta1, beta2 = _moments(group, exp_avg, exp_avg_sq, g)

                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2 ** 0.5

                if amsgrad:
                    max_sq = _as_real(state["max_exp_avg_sq"])
                    np.maximum(max_sq, exp_avg_sq, out=max_sq)
                    denom = np.sqrt(max_sq) / bias_correction2_sqrt
                else:
                    denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt
                denom += float(group["eps"])
                np.add(pd, (-step_size) * exp_avg / denom, out=pd)
        return loss


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, *, maximize=False)``: Adam with decoupled weight decay
    (``p = p * (1 - lr * weight_decay)`` before the Adam update).

    Example::

        >>> model = nn.Linear(3, 1)
        >>> opt = ya.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
        >>> loss = ((model(ya.ones((8, 3))) - 1.0) ** 2).mean()
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _fix_loaded_groups(self):
        super()._fix_loaded_groups()
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
