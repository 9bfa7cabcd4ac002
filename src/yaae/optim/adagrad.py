"""Adagrad, as ``torch.optim.Adagrad``."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _as_real, _check_no_unsupported

__all__ = ["Adagrad"]


def _initial_sum(pd, value):
    """Adagrad's ``'sum'`` buffer for parameter array ``pd``: ``value`` in
    every element, in both parts of a complex one (torch's
    ``complex(value, value)``)."""
    state_sum = np.empty_like(pd)
    _as_real(state_sum)[...] = value
    return state_sum


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False)``.

    Per parameter, at step ``t`` (``g`` negated when ``maximize``)::

        g = g + wd * p                           (if weight_decay)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    State (created at construction for every parameter, as torch does):
    ``'step'`` (float) and ``'sum'`` (filled with initial_accumulator_value).
    Complex parameters are updated as (real, imag) pairs, as torch does
    (``s`` holds the sums of squares of each part).

    Example::

        >>> model = nn.Linear(3, 1)
        >>> opt = ya.optim.Adagrad(model.parameters(), lr=1e-2)
        >>> loss = ((model(ya.ones((8, 3))) - 1.0) ** 2).mean()
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_no_unsupported(foreach, fused, False, differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                    "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = 0.0
                state["sum"] = _initial_sum(p.data, initial_accumulator_value)

    def _fix_loaded_groups(self):
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = group["maximize"]
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["sum"] = _initial_sum(pd, self.defaults["initial_accumulator_value"])
                state["step"] = step = float(state["step"]) + 1.0
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * pd
                pd, g, state_sum = (_as_real(a) for a in (pd, g, state["sum"]))
                clr = lr / (1 + (step - 1) * lr_decay)
                np.add(state_sum, 1.0 * g * g, out=state_sum)
                std = np.sqrt(state_sum)
                std += eps
                np.add(pd, (-clr) * g / std, out=pd)
        return loss
