"""Black-box variational inference on a 2-D posterior, after HIPS autograd's
``examples/black_box_svi.py``.

The posterior is that of the two weights of a Bayesian linear regression
(``ya.scipy.stats.norm`` prior and likelihood).  A mean-field Gaussian
``q(w) = N(mean, diag(exp(log_std))**2)`` is fitted by maximising a Monte
Carlo estimate of the ELBO with the reparameterisation trick
(``w = mean + exp(log_std) * eps``) and Adam.

Run ``python examples/scientific/black_box_svi.py``.
"""
import numpy as np

import yaae as ya
from yaae.scipy.stats import norm

NOISE = 0.5


def make_data(n=20, seed=0):
    """Regression data ``(X, y)``: ``X`` of shape ``(n, 2)``, ``y = X @ [1, -2] + noise``.

    >>> X, y = make_data(5); X.shape, y.shape
    ((5, 2), (5,))
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, X @ np.array([1.0, -2.0]) + NOISE * rng.standard_normal(n)


def log_posterior(w, X, y):
    """Unnormalised log posterior of the weights ``w`` (shape ``(S, 2)``, S samples):
    a standard normal prior and a normal likelihood of scale ``NOISE``; shape ``(S,)``.

    >>> X, y = make_data(5)
    >>> log_posterior(np.zeros((3, 2)), X, y).shape
    (3,)
    """
    prior = ya.sum(norm.logpdf(w, 0.0, 1.0), axis=1)
    likelihood = ya.sum(norm.logpdf(y[:, None], X @ ya.transpose(w), NOISE), axis=0)
    return prior + likelihood


def elbo(mean, log_std, eps, X, y):
    """Monte Carlo ELBO of ``q = N(mean, diag(exp(log_std))**2)`` with the standard
    normal draws ``eps`` (shape ``(S, 2)``): ``E_q[log p] + H[q]``.

    >>> X, y = make_data(5)
    >>> float(elbo(np.zeros(2), np.zeros(2), np.zeros((1, 2)), X, y)) < 0
    True
    """
    w = mean + ya.exp(log_std) * eps
    entropy = ya.sum(log_std) + 0.5 * len(log_std) * (1.0 + np.log(2 * np.pi))
    return ya.mean(log_posterior(w, X, y)) + entropy


def main(steps=500, samples=64, lr=0.05, seed=0):
    """Fit ``q`` by ``steps`` Adam steps on ``-elbo``; returns a dict with
    ``mean``, ``std`` (the fitted q), ``elbo_start`` and ``elbo_end`` (the ELBO
    of the initial and fitted q, each estimated with 4096 fixed draws).

    >>> out = main(steps=50)
    >>> out["elbo_end"] > out["elbo_start"]
    True
    """
    X, y = make_data()
    rng = np.random.default_rng(seed)
    mean = ya.tensor(np.zeros(2), requires_grad=True)
    log_std = ya.tensor(np.zeros(2), requires_grad=True)
    opt = ya.optim.Adam([mean, log_std], lr=lr)
    eval_eps = rng.standard_normal((4096, 2))
    estimate = lambda: float(elbo(mean.detach(), log_std.detach(), eval_eps, X, y))
    start = estimate()
    for _ in range(steps):
        opt.zero_grad()
        loss = -elbo(mean, log_std, rng.standard_normal((samples, 2)), X, y)
        loss.backward()
        opt.step()
    return dict(mean=mean.detach().numpy(), std=np.exp(log_std.detach().numpy()),
                elbo_start=start, elbo_end=estimate())


if __name__ == "__main__":
    out = main()
    print(f"ELBO {out['elbo_start']:.3f} -> {out['elbo_end']:.3f}")
    print(f"q mean {out['mean']}, std {out['std']}")
