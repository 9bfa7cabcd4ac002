"""Adamax, as ``torch.optim.Adamax``, and the pieces the element-wise
optimizers Adadelta, Adamax, NAdam and RAdam share (argument checks, the
per-parameter step loop, weight decay, complex parameters)."""
from __future__ import annotations

import numpy as np

from .adam import _lerp_
from .optimizer import Optimizer, _check_no_unsupported

__all__ = ["Adamax"]


def _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable, foreach=None):
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
    _check_no_unsupported(foreach, False, capturable, differentiable)


def _as_real(a):
    """A complex array as a real view with a trailing axis of 2 (torch's
    ``view_as_real``); a real array unchanged.  Complex parameters are
    optimized as pairs of real numbers, as torch does."""
    return a[..., None].view(a.real.dtype) if np.iscomplexobj(a) else a


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
    ``v = beta2 * v + (1 - beta2) * g * g``; returns ``(beta1, beta2)``."""
    beta1, beta2 = (float(b) for b in group["betas"])
    _lerp_(exp_avg, g, 1 - beta1)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.add(exp_avg_sq, (1 - beta2) * g * g, out=exp_avg_sq)
    return beta1, beta2


class _ElementwiseOptimizer(Optimizer):
    """An optimizer updating each parameter from its own gradient and state.

    Subclasses set ``_buffers`` (state arrays created as zeros like the
    parameter, after ``'step'`` and the scalars in ``_scalars``),
    ``_load_defaults`` (group flags an older state dict may lack) and
    implement ``_update(group, state, pd, g, step)``: ``g`` is already
    negated for ``maximize`` and ``step`` counted.
    """

    _buffers = ()
    _scalars = {}
    _load_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                      "capturable": False}

    def _fix_loaded_groups(self):
        for group in self.param_groups:
            for key, value in self._load_defaults.items():
                group.setdefault(key, value)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state.update(self._scalars)
                    for key in self._buffers:
                        state[key] = np.zeros_like(pd)
                if group["maximize"]:
                    g = -g
                state["step"] = step = float(state["step"]) + 1.0
                self._update(group, state, pd, g, step)
        return loss

    def _update(self, group, state, pd, g, step):
        raise NotImplementedError


class Adamax(_ElementwiseOptimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    foreach=None, *, maximize=False, differentiable=False, capturable=False)``:
    Adam with the infinity norm.

    Per parameter, at step ``t`` (``g`` negated when ``maximize``)::

        g = g + wd * p                                 (if weight_decay)
        m = lerp(m, g, 1 - beta1)
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    State: ``'step'`` (float), ``'exp_avg'``, ``'exp_inf'`` (torch's keys).
    ``foreach`` is accepted and ignored; ``capturable`` / ``differentiable``
    raise NotImplementedError.  Complex parameters are updated as (real,
    imag) pairs, as torch does.

    Example::

        opt = ya.optim.Adamax(model.parameters(), lr=2e-3)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _buffers = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_args(lr, betas, eps, weight_decay, capturable, differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update(self, group, state, pd, g, step):
        g = _weight_decay(pd, g, group)
        pd, g, exp_avg, exp_inf = (_as_real(a) for a in (pd, g, state["exp_avg"],
                                                         state["exp_inf"]))
        beta1, beta2 = (float(b) for b in group["betas"])
        _lerp_(exp_avg, g, 1 - beta1)
        np.multiply(exp_inf, beta2, out=exp_inf)
        np.maximum(exp_inf, np.abs(g) + float(group["eps"]), out=exp_inf)
        clr = float(group["lr"]) / (1 - beta1 ** step)
        np.add(pd, (-clr) * exp_avg / exp_inf, out=pd)
