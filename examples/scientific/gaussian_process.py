"""Gaussian-process regression with hyperparameters fitted by maximising the
marginal likelihood, after HIPS autograd's ``examples/gaussian_process.py``.

The kernel is a squared exponential plus observation noise; the log marginal
likelihood is computed through a Cholesky factor (``ya.scipy.linalg.cholesky``
and ``solve_triangular``) and maximised with ``ya.scipy.optimize.minimize``,
which gets its exact gradient from yaae.

Run ``python examples/scientific/gaussian_process.py``.
"""
import numpy as np

import yaae as ya
from yaae.scipy.linalg import cholesky, solve_triangular
from yaae.scipy.optimize import minimize


def make_data(n=40, seed=0):
    """Noisy samples of a smooth 1-D function: ``(x, y)`` arrays of length ``n``.

    >>> x, y = make_data(5); x.shape, y.shape
    ((5,), (5,))
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    y = np.sin(x) + 0.3 * x + 0.1 * rng.standard_normal(n)
    return x, y


def log_marginal_likelihood(params, x, y):
    """``log p(y | x, params)`` of a GP with a constant mean and an RBF kernel.

    ``params = [mean, log_amplitude, log_lengthscale, log_noise]`` (array or
    Tensor; differentiable in it).

    >>> x, y = make_data(5)
    >>> float(log_marginal_likelihood(np.zeros(4), x, y)) < 0
    True
    """
    mean, log_amp, log_len, log_noise = params[0], params[1], params[2], params[3]
    diff = (x[:, None] - x[None, :]) / ya.exp(log_len)
    cov = ya.exp(2 * log_amp) * ya.exp(-0.5 * diff ** 2) + (ya.exp(2 * log_noise) + 1e-6) * np.eye(len(x))
    chol = cholesky(cov, lower=True)
    alpha = solve_triangular(chol, y - mean, lower=True)
    return (-0.5 * ya.sum(alpha ** 2) - ya.sum(ya.log(ya.diagonal(chol)))
            - 0.5 * len(x) * np.log(2 * np.pi))


def predict(params, x, y, xstar):
    """Posterior mean of the GP at the points ``xstar`` given the data ``(x, y)``.

    >>> x, y = make_data(10)
    >>> predict(np.zeros(4), x, y, np.array([0.0])).shape
    (1,)
    """
    mean, log_amp, log_len, log_noise = (float(p) for p in params)
    k = lambda a, b: np.exp(2 * log_amp - 0.5 * ((a[:, None] - b[None, :]) / np.exp(log_len)) ** 2)
    cov = k(x, x) + (np.exp(2 * log_noise) + 1e-6) * np.eye(len(x))
    return mean + k(xstar, x) @ np.linalg.solve(cov, y - mean)


def main(n=40, seed=0):
    """Fit the hyperparameters to ``make_data(n, seed)``; returns a dict with
    ``params`` (the optimum), ``log_likelihood`` (its value), ``initial`` (the
    starting value), ``x0`` and ``result`` (SciPy's OptimizeResult).

    >>> out = main(n=20)
    >>> out["log_likelihood"] > out["initial"]
    True
    """
    x, y = make_data(n, seed)
    x0 = np.array([0.0, 0.0, 0.0, -1.0])
    objective = lambda p: -log_marginal_likelihood(p, x, y)
    result = minimize(objective, x0, method="L-BFGS-B")
    return dict(params=np.asarray(result.x), log_likelihood=-float(result.fun),
                initial=float(log_marginal_likelihood(x0, x, y)), x0=x0, result=result)


if __name__ == "__main__":
    out = main()
    mean, log_amp, log_len, log_noise = out["params"]
    print(f"log marginal likelihood: {out['initial']:.4f} -> {out['log_likelihood']:.4f}")
    print(f"mean {mean:.3f}, amplitude {np.exp(log_amp):.3f}, "
          f"lengthscale {np.exp(log_len):.3f}, noise {np.exp(log_noise):.4f}")
