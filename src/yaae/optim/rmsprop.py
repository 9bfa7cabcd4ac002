"""RMSprop, as ``torch.optim.RMSprop``."""
from __future__ import annotations

import numpy as np

from .adam import _lerp_
from .optimizer import Optimizer, _as_real, _check_no_unsupported

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
    momentum=0, centered=False, capturable=False, foreach=None, maximize=False)``.

    Per parameter (``g`` negated when ``maximize``)::

        g = g + wd * p                                  (if weight_decay)
        v = alpha * v + (1 - alpha) * g * g
        a = lerp(a, g, 1 - alpha); d = sqrt(v - a * a) + eps   (centered)
        d = sqrt(v) + eps                                      (otherwise)
        b = momentum * b + g / d;  p = p - lr * b       (momentum > 0)
        p = p - lr * g / d                              (otherwise)

    State: ``'step'`` (float), ``'square_avg'``, ``'momentum_buffer'`` (momentum
    > 0), ``'grad_avg'`` (centered).  Complex parameters are updated as (real,
    imag) pairs, as torch does (``v`` holds the squares of each part).

    Example::

        >>> model = nn.Linear(3, 1)
        >>> opt = ya.optim.RMSprop(model.parameters(), lr=1e-2)
        >>> loss = ((model(ya.ones((8, 3))) - 1.0) ** 2).mean()
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_no_unsupported(foreach, False, capturable, differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _fix_loaded_groups(self):
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the
        closure's loss (evaluated with grad enabled) when one is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            momentum = float(group["momentum"])
            centered = group["centered"]
            maximize = group["maximize"]
            for p, pd, g in self._params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["square_avg"] = np.zeros_like(pd)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(pd)
                    if centered:
                        state["grad_avg"] = np.zeros_like(pd)
                if maximize:
                    g = -g
                state["step"] = float(state["step"]) + 1.0

                if weight_decay != 0:
                    g = g + weight_decay * pd
                pd, g, square_avg = (_as_real(a) for a in (pd, g, state["square_avg"]))

                np.multiply(square_avg, alpha, out=square_avg)
                np.add(square_avg, (1 - alpha) * g * g, out=square_avg)

                if centered:
                    grad_avg = _as_real(state["grad_avg"])
                    _lerp_(grad_avg, g, 1 - alpha)
                    avg = np.sqrt(square_avg + (-1.0) * grad_avg * grad_avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps

                if momentum > 0:
                    buf = _as_real(state["momentum_buffer"])
                    np.multiply(buf, momentum, out=buf)
                    np.add(buf, g / avg, out=buf)
                    np.add(pd, (-lr) * buf, out=pd)
                else:
                    np.add(pd, (-lr) * g / avg, out=pd)
        return loss
