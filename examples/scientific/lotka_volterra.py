"""Lotka–Volterra parameter fit with ``ya.scipy.integrate.solve_ivp``.

Prey ``x`` and predators ``y`` follow ``dx/dt = a x - b x y``,
``dy/dt = -c y + d x y``.  From noiseless observations of a trajectory, the
parameters ``(a, b, c, d)`` are recovered by least squares: the trajectory's
gradient with respect to ``args`` comes from the adjoint solve, and
``ya.scipy.optimize.minimize`` (BFGS) does the fitting.

Run ``python examples/scientific/lotka_volterra.py``.
"""
import numpy as np

import yaae as ya
from yaae.scipy.integrate import solve_ivp
from yaae.scipy.optimize import minimize

TRUE_PARAMS = np.array([1.5, 1.0, 3.0, 1.0])
Y0 = np.array([1.0, 1.0])
TOL = dict(method="DOP853", rtol=1e-9, atol=1e-10)


def dynamics(t, state, params):
    """``d(state)/dt`` of the Lotka–Volterra system at ``state = [prey, predators]``.

    >>> dynamics(0.0, ya.tensor([1.0, 1.0]), ya.tensor([1.5, 1.0, 3.0, 1.0])).tolist()
    [0.5, -2.0]
    """
    x, y = state[0], state[1]
    a, b, c, d = params[0], params[1], params[2], params[3]
    return ya.stack([a * x - b * x * y, -c * y + d * x * y])


def trajectory(params, t_eval):
    """The solution at the times ``t_eval`` from ``Y0``, shape ``(2, len(t_eval))``,
    differentiable in ``params``.

    >>> trajectory(TRUE_PARAMS, np.array([0.5, 1.0])).shape
    (2, 2)
    """
    return solve_ivp(dynamics, (0.0, float(t_eval[-1])), Y0, t_eval=t_eval, args=(params,),
                     **TOL).y


def main(x0=(1.3, 0.9, 3.2, 1.1), n=8, t_end=4.0):
    """Recover ``TRUE_PARAMS`` from ``n`` noiseless observations on ``(0, t_end]``,
    starting at ``x0``; returns a dict with ``params`` (the fit), ``loss`` (its
    sum of squared errors) and ``result`` (SciPy's OptimizeResult).

    >>> out = main(n=10)
    >>> bool(np.allclose(out["params"], TRUE_PARAMS, atol=1e-2))
    True
    """
    t_eval = np.linspace(t_end / n, t_end, n)
    observed = np.asarray(trajectory(TRUE_PARAMS, t_eval))
    loss = lambda p: ya.sum((trajectory(p, t_eval) - observed) ** 2)
    result = minimize(loss, np.asarray(x0, dtype=np.float64), method="BFGS",
                      options=dict(gtol=1e-7))
    return dict(params=np.asarray(result.x), loss=float(result.fun), result=result)


if __name__ == "__main__":
    out = main()
    print(f"true a, b, c, d {TRUE_PARAMS}\nfitted          {out['params']}")
