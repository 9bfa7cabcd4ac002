"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check_no_unsupported

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
    nesterov=False, *, maximize=False)``.

    Per parameter, with ``g`` the gradient (negated when ``maximize``)::

        g = g + weight_decay * p                      (if weight_decay)
        b = g  (first step)  or  b = momentum * b + (1 - dampening) * g
        g = g + momentum * b  (nesterov)  or  g = b   (if momentum)
        p = p - lr * g

    State: ``'momentum_buffer'`` (only when momentum != 0).  The update is
    linear, so complex parameters need no special handling (torch's result).

    Example::

        >>> model = nn.Linear(3, 1)
        >>> opt = ya.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> loss = ((model(ya.ones((8, 3))) - 1.0) ** 2).mean()
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_no_unsupported(foreach, fused, False, differentiable)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov,
                    "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _fix_loaded_groups(self):
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p, pd, g in self._params_with_grad(group):
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * pd
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = np.array(g, copy=True)
                        state["momentum_buffer"] = buf
                    else:
                        np.multiply(buf, momentum, out=buf)
                        np.add(buf, (1 - dampening) * g, out=buf)
                    if nesterov:
                        g = g + momentum * buf
                    else:
                        g = buf
                self._add_scaled(pd, g, -lr)
        return loss
