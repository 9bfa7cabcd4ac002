"""A small neural ODE fitted to a spiral, after HIPS autograd's
``examples/ode_net.py`` and torchdiffeq's ``ode_demo.py``.

The dynamics ``dy/dt = f(y)`` are a ``ya.nn`` MLP; the trajectory is computed
with ``ya.scipy.integrate.odeint`` and its gradient with respect to the MLP's
parameters comes from one backward adjoint solve (``adjoint_params`` defaults
to the Module's parameters).  The target is a damped linear spiral.

Run ``python examples/scientific/neural_ode.py``.
"""
import numpy as np

import yaae as ya
from yaae import nn
from yaae.scipy.integrate import odeint

TRUE_A = np.array([[-0.1, 2.0], [-2.0, -0.1]])


def make_data(n=25, t_end=2.0):
    """The target spiral ``(t, y)``: ``y`` of shape ``(n, 2)``, the exact solution of
    ``dy/dt = y @ TRUE_A.T`` from ``y(0) = [2, 0]`` on ``n`` times in ``[0, t_end]``.

    >>> t, y = make_data(5); t.shape, y.shape
    ((5,), (5, 2))
    """
    t = np.linspace(0.0, t_end, n)
    vals, vecs = np.linalg.eig(TRUE_A)
    coef = np.linalg.solve(vecs, np.array([2.0, 0.0]))
    y = (vecs @ (coef[:, None] * np.exp(vals[:, None] * t[None, :]))).real.T
    return t, y


class ODEFunc(nn.Module):
    """The learned dynamics ``f(y, t)``: an MLP ``2 -> hidden -> 2`` with a tanh.

    >>> f = ODEFunc(8); f(ya.tensor([1.0, 0.0]), 0.0).shape
    (2,)
    """

    def __init__(self, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden, dtype=ya.float64), nn.Tanh(),
                                 nn.Linear(hidden, 2, dtype=ya.float64))

    def forward(self, y, t):
        """``dy/dt`` at the state ``y`` (shape ``(2,)``); ``t`` is unused (autonomous)."""
        return self.net(y)


def main(steps=30, lr=0.04, hidden=16, seed=0):
    """Fit ``ODEFunc`` to ``make_data()`` with ``steps`` Adam steps on the mean squared
    error of the whole trajectory; returns a dict with ``losses`` (one per step)
    and ``final_loss`` (after the last step).

    >>> out = main(steps=3)
    >>> len(out["losses"])
    3
    """
    ya.manual_seed(seed)
    t, target = make_data()
    func = ODEFunc(hidden)
    opt = ya.optim.Adam(func.parameters(), lr=lr)
    y0 = ya.tensor(target[0])
    loss_of = lambda: ya.mean((odeint(func, y0, t, rtol=1e-5, atol=1e-7) - target) ** 2)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    with ya.no_grad():
        final = float(loss_of())
    return dict(losses=losses, final_loss=final)


if __name__ == "__main__":
    out = main()
    print(f"trajectory MSE {out['losses'][0]:.4f} -> {out['final_loss']:.5f}")
