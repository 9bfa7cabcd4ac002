"""Adamax, as ``torch.optim.Adamax``, and the pieces the element-wise
optimizers Adadelta, Adamax, NAdam and RAdam share (the per-parameter step
loop)."""
from __future__ import annotations

import numpy as np

from .adam import _check_adam_args, _lerp_, _weight_decay
from .optimizer import Optimizer, _as_real

__all__ = ["Adamax"]


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
