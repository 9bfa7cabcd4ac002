"""Bayesian logistic regression: the MAP weights under ``scipy.stats`` priors,
fitted with ``ya.scipy.optimize.minimize`` (exact gradients and, with
``method="trust-exact"``, exact Hessians from yaae).

The prior is a standard normal on the bias and a Student's t (``df=3``, scale
2.5) on each weight (``ya.scipy.stats.norm`` / ``ya.scipy.stats.t``); the
likelihood is Bernoulli with a logistic link, written with ``ya.logaddexp``.

Run ``python examples/scientific/bayesian_logistic.py``.
"""
import numpy as np

import yaae as ya
from yaae.scipy.optimize import minimize
from yaae.scipy.stats import norm, t


def make_data(n=200, d=3, seed=0):
    """Binary classification data ``(X, labels)``: ``X`` of shape ``(n, d)``,
    labels in {0, 1} drawn from a logistic model.

    >>> X, labels = make_data(10); X.shape, labels.shape
    ((10, 3), (10,))
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    logits = 0.5 + X @ np.linspace(1.5, -1.0, d)
    return X, (rng.uniform(size=n) < 1 / (1 + np.exp(-logits))).astype(np.float64)


def log_posterior(params, X, labels):
    """Unnormalised log posterior of ``params = [bias, w_1, ..., w_d]``.

    >>> X, labels = make_data(10)
    >>> float(log_posterior(np.zeros(4), X, labels)) < 0
    True
    """
    bias, w = params[0], params[1:]
    logits = bias + X @ w
    # log sigmoid(+-logit) = -log(1 + exp(-+logit))
    loglik = -ya.sum(labels * ya.logaddexp(0.0, -logits) + (1 - labels) * ya.logaddexp(0.0, logits))
    prior = norm.logpdf(bias, 0.0, 1.0) + ya.sum(t.logpdf(w, 3.0, 0.0, 2.5))
    return loglik + prior


def main(n=200, d=3, seed=0, method="trust-exact"):
    """The MAP of ``make_data(n, d, seed)``'s posterior, found with ``method`` (by
    default Newton steps in a trust region with yaae's exact Hessian); returns a dict with
    ``params`` (the MAP), ``log_posterior`` (its value) and ``result`` (SciPy's
    OptimizeResult).

    >>> out = main(n=50)
    >>> out["result"].success
    True
    """
    X, labels = make_data(n, d, seed)
    result = minimize(lambda p: -log_posterior(p, X, labels), np.zeros(d + 1), method=method)
    return dict(params=np.asarray(result.x), log_posterior=-float(result.fun), result=result)


if __name__ == "__main__":
    out = main()
    print(f"MAP bias and weights {out['params']}, log posterior {out['log_posterior']:.4f}")
