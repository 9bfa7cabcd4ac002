"""``ya.scipy.stats``: SciPy's distributions, differentiable in every mode and order.

Each distribution is a module-like object with SciPy's functions and
signatures (``ya.scipy.stats.norm.logpdf(x, loc=0, scale=1)``,
``ya.scipy.stats.t.cdf(x, df, loc=0, scale=1)``, ...), as in ``jax.scipy.stats``.
Everything is composed of yaae ops and ``ya.scipy.special``, so reverse mode,
forward mode and higher orders come from the primitives' rules, in ``x`` and in
every parameter (``loc``, ``scale``, ``df``, ``a``, ``b``, ``mu``, ``alpha``,
``mean``, ``cov``).  Values outside the support are SciPy's (-inf logpdf, 0 pdf)
with finite derivatives wherever SciPy's value is finite.  ``poisson``'s ``k`` and
``loc`` are discrete: asking for a derivative in them raises a TypeError.  Each
function is declared in the op registry as ``"scipy.stats.<dist>.<method>"``
(a composite), so ``tests/opinfo`` holds samples for every one.

The cdfs built on the incomplete gamma and beta functions (``t``, ``gamma``,
``beta``, ``chi2``) are differentiable in ``x``, ``loc``, ``scale`` and their
shape parameters (``df``, ``a``, ``b``), through the parameter derivatives of
``ya.scipy.special.gammainc``/``betainc`` (shape parameters up to 1e4; beyond,
their ValueError, never an inaccurate number).

Example::

    >>> import yaae as ya
    >>> mu = ya.tensor(0.5, requires_grad=True)
    >>> ya.scipy.stats.norm.logpdf(ya.tensor([0.0, 1.0]), loc=mu).sum().backward()
"""
import inspect
import math
import sys
import types

import numpy as np

import yaae as ya
from ..tensor import _data
from ..ops import docs as _docs
from ..ops.registry import defcomposite, defop
from . import special as sp

_LOG_2PI = math.log(2 * math.pi)


def _d(x):
    """The values of ``x`` (a Tensor, array or number) as an ndarray, for masks."""
    return np.asarray(_data(x))


def _t(x):
    """``x`` as a Tensor (Tensors pass through, arrays keep their float dtype)."""
    if isinstance(x, ya.Tensor):
        return x
    x = np.asarray(x)
    return ya.asarray(x if x.dtype.kind == "f" else x.astype(float))


def _or_one(y, keep):
    """``y`` where ``keep``, else 1: a safe stand-in so that the branch ``where``
    discards has finite derivatives (no 0 * inf in the backward pass)."""
    return ya.where(keep, y, 1.0)


def _xlogy0(c, y):
    """SciPy's ``xlogy(c, y)`` for ``y >= 0`` (at y == 0: 0 if c == 0, else -inf
    times the sign of c), with finite derivatives at ``y == 0`` and below."""
    pos = _d(y) > 0
    cd = _d(c)
    at0 = np.where(cd == 0, 0.0, np.where(cd > 0, -np.inf, np.inf)).astype(_d(y).dtype)
    return ya.where(pos, c * ya.log(_or_one(y, pos)), at0)


def _support(lp, inside):
    """``lp`` where ``inside`` (a boolean mask), -inf outside, as SciPy's logpdf."""
    return ya.where(inside, lp, -np.inf)


# ---- the distributions ------------------------------------------------------------------
class Distribution(types.ModuleType):
    """A module holding one distribution's functions (``pdf``, ``logpdf``, ``cdf``,
    ...), as ``jax.scipy.stats.norm`` is: ``import yaae.scipy.stats.norm`` works too.
    Each function is declared in the op registry as a composite named
    ``"scipy.stats.<dist>.<method>"`` (so the sample table ``tests/opinfo`` covers
    it); the function in the module is the registered one, with its hand-written
    docstring, and the registry's generated docstring (``ops.docs.op_doc``) gets a
    runnable example from ``_REGISTRY_ARGS``.

    >>> ya.scipy.stats.norm.cdf(0.0)
    tensor(0.5, dtype=float64)
    """

    def __init__(self, name, what, **fns):
        super().__init__(f"{__name__}.{name}", f"``ya.scipy.stats.{name}``: {what}, with "
                         f"SciPy's signatures; functions: {', '.join(fns)}.")
        sys.modules[self.__name__] = self
        for method, (fn, sig) in fns.items():
            fn.__name__ = method
            fn.__qualname__ = f"{name}.{method}"
            fn.__module__ = self.__name__
            fn.__doc__ = _method_doc(name, method, sig, fn.__doc__)
            defcomposite(name=method, module=f"scipy.stats.{name}")(fn)
            _docs._CALL[f"scipy.stats.{name}.{method}"] = _registry_example(name, method)
            setattr(self, method, fn)

    def __repr__(self):
        return f"<module {self.__name__!r}>"


_WHAT = {"pdf": "the probability density", "logpdf": "the log of the probability density",
         "cdf": "the cumulative distribution function", "sf": "the survival function 1 - cdf",
         "logcdf": "the log of the cdf", "logsf": "the log of the survival function",
         "pmf": "the probability mass function", "logpmf": "the log of the pmf",
         "entropy": "the differential entropy"}


def _method_doc(dist, method, sig, extra):
    args_ = _EXAMPLES.get(f"{dist}.{method}", _EXAMPLES.get(dist, "0.5"))
    return (f"``ya.scipy.stats.{dist}.{method}{sig}``: {_WHAT[method]} of SciPy's "
            f"``scipy.stats.{dist}``, with SciPy's signature, broadcasting and values, "
            f"differentiable in every argument that is not discrete or a flag; returns a "
            f"Tensor. {' '.join((extra or '').split())}"
            f"\n\n    >>> import scipy.stats"
            f"\n    >>> y = ya.scipy.stats.{dist}.{method}({args_})"
            f"\n    >>> bool(np.allclose(y, scipy.stats.{dist}.{method}({args_})))"
            f"\n    True\n")


_COV3 = "[[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 1.5]]"
# The arguments in the registry's generated docstrings (``ops.docs``), whose example input
# ``x`` is a 2 x 3 Tensor of values in [0.5, 3] that requires grad.
_REGISTRY_ARGS = {"t": "x, 3.0", "gamma": "x, 2.0", "chi2": "x, 3.0", "beta": "x / 4, 2.0, 3.0",
                  "uniform": "x, 0.0, 4.0", "poisson": "2.0, x",
                  "dirichlet": "[0.2, 0.3, 0.5], x[0]",
                  "multivariate_normal": f"[0.5, -0.2, 0.1], x[0], {_COV3}",
                  "multivariate_normal.entropy": "x[0], ya.diag(x[1])"}


def _registry_example(dist, method):
    """The call shown by the registry's generated docstring of ``dist.method``."""
    args_ = _REGISTRY_ARGS.get(f"{dist}.{method}", _REGISTRY_ARGS.get(dist, "x"))
    return f"ya.scipy.stats.{dist}.{method}({args_})"


_EXAMPLES = {"t": "0.5, 3.0", "gamma": "0.5, 2.0", "beta": "0.3, 2.0, 3.0", "chi2": "1.5, 3.0",
             "poisson": "2, 1.5", "dirichlet": "[0.2, 0.3, 0.5], [1.0, 2.0, 3.0]",
             "multivariate_normal": "[0.5, -0.2], [0.0, 0.0], [[2.0, 0.3], [0.3, 1.0]]",
             "multivariate_normal.entropy": "[0.0, 0.0], [[2.0, 0.3], [0.3, 1.0]]"}


def _positive(*shapes):
    """SciPy's default ``_argcheck``: every shape parameter > 0 (nan is not)."""
    ok = np.asarray(True)
    for s in shapes:
        ok = ok & (np.asarray(s) > 0)
    return ok


def _loc_scale(name, what, logpdf, cdf=None, sf=None, logcdf=None, logsf=None, shapes=()):
    """A location-scale family: its standard ``logpdf(y, *shapes)`` (and cdf, ...) at
    ``y = (x - loc) / scale``, as SciPy's ``rv_continuous``: the signature
    ``(x, *shapes, loc=0, scale=1)``, every argument positional or keyword.  As
    SciPy's, the value is nan where x or loc is nan, scale <= 0, or a shape parameter
    is not > 0 (the functions see 1 there instead, so their derivatives stay finite)."""
    P = inspect.Parameter
    sig = inspect.Signature(
        [P(n, P.POSITIONAL_OR_KEYWORD) for n in ("x",) + shapes]
        + [P(n, P.POSITIONAL_OR_KEYWORD, default=v) for n, v in (("loc", 0), ("scale", 1))])

    def std(f, log_jac):
        def g(*args, **kw):
            a = sig.bind(*args, **kw)
            a.apply_defaults()
            x, *shape, loc, scale = a.args
            bad = ~(_d(scale) > 0)          # SciPy: nan for a scale <= 0 (or nan)
            if bad.any():
                scale = _or_one(scale, ~bad)
            bad = bad | np.isnan(_d(x)) | np.isnan(_d(loc))
            if shape:                       # and for a shape parameter <= 0 (or nan)
                ok = _positive(*[_d(v) for v in shape])
                if not ok.all():
                    shape = [_or_one(v, ok) for v in shape]
                bad = bad | ~ok
            out = f((_t(x) - loc) / scale, *shape)
            if log_jac:
                out = out - (math.log(scale) if isinstance(scale, (int, float)) else ya.log(scale))
            return ya.where(bad, np.nan, out) if bad.any() else out
        g.__signature__ = sig
        return g

    fns = {"logpdf": std(logpdf, True)}
    fns["pdf"] = lambda *a, **k: ya.exp(fns["logpdf"](*a, **k))
    fns["pdf"].__signature__ = sig
    fns.update({n: std(f, False) for n, f in (("cdf", cdf), ("sf", sf), ("logcdf", logcdf),
                                             ("logsf", logsf)) if f is not None})
    return Distribution(name, what, **{n: (f, str(sig)) for n, f in fns.items()})


# norm
norm = _loc_scale(
    "norm", "the normal distribution",
    lambda y: y * y * -0.5 - 0.5 * _LOG_2PI,
    cdf=lambda y: sp.ndtr(y), sf=lambda y: sp.ndtr(-y),
    logcdf=lambda y: sp.log_ndtr(y), logsf=lambda y: sp.log_ndtr(-y))


# Student's t
def _t_logpdf(y, df):
    """The constant log gamma((df + 1)/2) - log gamma(df/2) - log(df pi)/2 is written
    as -betaln(df/2, 1/2) - log(df)/2 for df < 200, and by its asymptotic series
    -log(2 pi)/2 - 1/(4 df) + 1/(24 df^3) - 1/(20 df^5) (exact in float64 there)
    above: the difference of the two gammaln loses digits as df grows (5e-7
    relative by df = 1e10, everything at df = 1e300), and so does betaln's."""
    big = _d(df) >= 200
    dt = _d(df).dtype if _d(df).dtype.kind == "f" else np.float64
    half = np.asarray(0.5, dt)        # betaln(float32, 0.5) would be float64
    if big.any():
        db, ds = ya.where(big, df, 200.0), ya.where(big, 1.0, df)
        q = 1 / db
        c = ya.where(big, -0.5 * _LOG_2PI - q * (0.25 - q * q * (1 / 24 - q * q / 20)),
                     -sp.betaln(ds * 0.5, half) - 0.5 * ya.log(ds))
    else:
        c = -sp.betaln(df * 0.5, half) - 0.5 * ya.log(df)
    return c - (df + 1) * 0.5 * ya.log1p(y * y / df)


def _t_logcdf(y, df):
    """log cdf, as log1p(-sf) right of 0 (sf(y) = cdf(-y)), where log(cdf) rounds to
    0: SciPy's t.logcdf(30, 1e8) is -4.9e-198."""
    pos = _d(y) > 0
    if not pos.any():
        return ya.log(_t_cdf(y, df))
    yp, yn = ya.where(pos, y, 1.0), ya.where(pos, -1.0, y)
    return ya.where(pos, ya.log1p(-_t_cdf(-yp, df)), ya.log(_t_cdf(yn, df)))


def _t_cdf(y, df):
    """The t cdf from the incomplete beta function, in two forms chosen per
    element for accuracy (I_{y^2/(df+y^2)}(1/2, df/2) near the centre,
    I_{df/(df+y^2)}(df/2, 1/2) in the tails), and 1/2 + pdf(0) y at y == 0,
    where both have an infinite factor times a zero in their derivative.
    Left of the centre the cdf is (1 - I_z(1/2, df/2)) / 2, computed with
    ``betaincc``: as 1/2 - I_z / 2 it would cancel to 0 when df is large
    (t.logcdf(-10, 1e3) = -50.8, not -inf)."""
    yd, dfd = np.broadcast_arrays(_d(y), _d(df))
    centre = (yd * yd < dfd) & (yd != 0)
    tail = (yd * yd >= dfd) & (yd != 0)
    yc, yt = _or_one(y, centre), _or_one(y, tail)
    z = yc * yc / (df + yc * yc)
    mid = ya.where(yd < 0, 0.5 * sp.betaincc(0.5, df * 0.5, z),
                   0.5 + 0.5 * sp.betainc(0.5, df * 0.5, z))
    half_tail = 0.5 * sp.betainc(df * 0.5, 0.5, df / (df + yt * yt))
    far = ya.where(yd < 0, half_tail, 1 - half_tail)
    at0 = 0.5 + ya.exp(_t_logpdf(0.0, df)) * y
    return ya.where(centre, mid, ya.where(tail, far, at0))


def _t_inf(f, normal):
    """``f(y, df)``, and where df is infinite its limit ``normal(y)`` (SciPy's
    values; f itself would be inf - inf there)."""
    def g(y, df):
        inf = np.isinf(_d(df))
        if not inf.any():
            return f(y, df)
        return ya.where(inf, normal(y), f(y, _or_one(df, ~inf)))
    return g


t = _loc_scale("t", "Student's t distribution",
               _t_inf(_t_logpdf, lambda y: y * y * -0.5 - 0.5 * _LOG_2PI),
               cdf=_t_inf(_t_cdf, sp.ndtr),
               logcdf=_t_inf(_t_logcdf, sp.log_ndtr), shapes=("df",))


# gamma and chi2
def _gamma_logpdf(y, a):
    return _support(_xlogy0(a - 1, y) - ya.where(_d(y) >= 0, y, 0.0) - sp.gammaln(a), _d(y) >= 0)


def _gamma_cdf(y, a):
    pos = _d(y) > 0
    return ya.where(pos, sp.gammainc(a, _or_one(y, pos)), 0.0)


gamma = _loc_scale("gamma", "the gamma distribution (shape a)", _gamma_logpdf,
                   cdf=_gamma_cdf, shapes=("a",))
chi2 = _loc_scale("chi2", "the chi-squared distribution (df degrees of freedom)",
                  lambda y, df: _gamma_logpdf(y * 0.5, df * 0.5) - math.log(2),
                  cdf=lambda y, df: _gamma_cdf(y * 0.5, df * 0.5), shapes=("df",))


# beta
def _beta_logpdf(y, a, b):
    yd = _d(y)
    inside = (yd >= 0) & (yd <= 1)
    ys = ya.where(inside, y, 0.5)
    return _support(_xlogy0(a - 1, ys) + _xlogy0(b - 1, 1 - ys) - sp.betaln(a, b), inside)


def _beta_cdf(y, a, b):
    yd = _d(y)
    inside = (yd > 0) & (yd < 1)
    return ya.where(inside, sp.betainc(a, b, ya.where(inside, y, 0.5)),
                    (yd >= 1).astype(yd.dtype))


beta = _loc_scale("beta", "the beta distribution (shapes a, b)", _beta_logpdf,
                  cdf=_beta_cdf, shapes=("a", "b"))


# laplace, expon, uniform, logistic, cauchy
def _laplace_cdf(y):
    neg = _d(y) < 0
    return ya.where(neg, 0.5 * ya.exp(ya.where(neg, y, 0.0)),
                    1 - 0.5 * ya.exp(-ya.where(neg, 0.0, y)))


laplace = _loc_scale("laplace", "the Laplace distribution",
                     lambda y: -ya.abs(y) - math.log(2), cdf=_laplace_cdf)
expon = _loc_scale(
    "expon", "the exponential distribution",
    lambda y: _support(-ya.where(_d(y) >= 0, y, 0.0), _d(y) >= 0),
    cdf=lambda y: ya.where(_d(y) > 0, -ya.expm1(-ya.where(_d(y) > 0, y, 0.0)), 0.0))
uniform = _loc_scale(
    "uniform", "the uniform distribution on [loc, loc + scale]",
    lambda y: _support(y * 0.0, (_d(y) >= 0) & (_d(y) <= 1)),
    cdf=lambda y: ya.where(_d(y) < 0, 0.0, ya.where(_d(y) > 1, 1.0, y)))
logistic = _loc_scale(
    "logistic", "the logistic distribution",
    lambda y: -ya.logaddexp(0.0, y) - ya.logaddexp(0.0, -y), cdf=lambda y: sp.expit(y))
cauchy = _loc_scale("cauchy", "the Cauchy distribution",
                    lambda y: -math.log(math.pi) - ya.log1p(y * y),
                    cdf=lambda y: 0.5 + ya.arctan(y) / math.pi)


# poisson
def _no_k_deriv(ans, k):
    kd = _d(k)
    raise TypeError(
        f"ya.scipy.stats.poisson: no derivative with respect to k or loc (k - loc: shape "
        f"{kd.shape}, dtype {kd.dtype}): k is discrete (the pmf is 0 off the integers, the "
        f"cdf a step function). Pass k and loc as constants (NumPy arrays, numbers, or "
        f"tensor.detach()); mu is differentiable")


# k - loc as it is, refusing a derivative: a TypeError, never a zero or the derivative
# of a continuous extension
_discrete_k = defop("poisson_k", lambda k: k, deriv=_no_k_deriv, bcast=True, register=False)


def _poisson_logpmf(k, mu, loc=0):
    """Differentiable in ``mu``; none in the discrete ``k`` and ``loc`` (asking for one
    raises a TypeError); a non-integer or negative ``k - loc`` has probability 0, as
    SciPy's."""
    k = _discrete_k(_t(k) - loc)
    kd = _d(k)
    ok = (kd >= 0) & (kd == np.floor(kd))
    pos = kd > 0
    kl = ya.where(pos, sp.xlogy(_or_one(k, pos), ya.where(pos, mu, 1.0)), 0.0)
    return _support(kl - mu - sp.gammaln(ya.where(ok, k, 0.0) + 1), ok)


def _poisson_cdf(k, mu, loc=0):
    """gammaincc(floor(k - loc) + 1, mu): differentiable in ``mu``; a step function of
    the discrete ``k`` and ``loc``, with no derivative in them (asking for one raises a
    TypeError: ``k - loc`` stays in the graph through a ``where`` that never picks it)."""
    k = _discrete_k(_t(k) - loc)
    kd = np.floor(_d(k))
    ok = kd >= 0
    out = ya.where(ok, sp.gammaincc(np.where(ok, kd, 0.0) + 1, mu), 0.0)
    return ya.where(np.zeros(np.shape(kd), bool), k, out)


poisson = Distribution(
    "poisson", "the Poisson distribution (k discrete: no derivative in k)",
    logpmf=(_poisson_logpmf, "(k, mu, loc=0)"),
    pmf=(lambda k, mu, loc=0: ya.exp(_poisson_logpmf(k, mu, loc)), "(k, mu, loc=0)"),
    cdf=(_poisson_cdf, "(k, mu, loc=0)"))


# dirichlet
def _dirichlet_logpdf(x, alpha):
    """SciPy's layout: ``alpha`` of shape (K,), the components of ``x`` along its
    first axis (K or K - 1 of them: the last is then 1 - sum); SciPy's ValueErrors
    for an ``x`` off the simplex."""
    alpha, x = _t(alpha), _t(x)
    if alpha.ndim != 1:
        raise ValueError("Parameter 'alpha' must be either a one dimensional vector or a two "
                         "dimensional array of vectors")
    if np.min(_d(alpha)) <= 0:
        raise ValueError("All parameters must be greater than 0")
    k = alpha.shape[0]
    if x.shape[0] == k - 1:
        x = ya.concatenate([x, 1 - ya.sum(x, axis=0, keepdims=True)], axis=0)
    elif x.shape[0] != k:
        raise ValueError(f"Vector 'x' must have either the same number of entries as, or one "
                         f"entry fewer than, parameter vector 'a', but alpha.shape = "
                         f"{alpha.shape} and x.shape = {x.shape}.")
    xd, ad = _d(x), _d(alpha).reshape((k,) + (1,) * (x.ndim - 1))
    if np.min(xd) < 0:
        raise ValueError("Each entry in 'x' must be greater than or equal to zero.")
    if np.max(xd) > 1:
        raise ValueError("Each entry in 'x' must be smaller or equal one.")
    if np.any((xd == 0) & (ad < 1)):
        raise ValueError("Each entry in 'x' must be greater than zero if its alpha is less "
                         "than one.")
    if (np.abs(np.sum(xd, 0) - 1.0) > 10e-10).any():
        raise ValueError(f"The input vector 'x' must lie within the normal simplex. but "
                         f"np.sum(x, 0) = {np.sum(xd, 0)}.")
    a = ya.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    ln_b = ya.sum(sp.gammaln(alpha)) - sp.gammaln(ya.sum(alpha))
    return ya.sum(_xlogy0(a - 1, x), axis=0) - ln_b


dirichlet = Distribution(
    "dirichlet", "the Dirichlet distribution (concentration alpha)",
    logpdf=(_dirichlet_logpdf, "(x, alpha)"),
    pdf=(lambda x, alpha: ya.exp(_dirichlet_logpdf(x, alpha)), "(x, alpha)"))


# multivariate_normal
def _mvn_params(mean, cov, allow_singular):
    """SciPy's ``_process_parameters`` and ``_PSD`` on Tensors: (dim, mean, rank, log
    pseudo-determinant, Mahalanobis function, null basis V, support tolerance).  The
    rank, V and SciPy's errors come from eigh of the values, as SciPy's; the
    differentiable part is Cholesky of P cov P + V V' (P = I - V V'; cov itself when V
    is empty), whose determinant is cov's pseudo-determinant: smooth in cov, repeated
    eigenvalues included.  V is held constant: derivatives in cov are those within its
    range (0 in the null directions, where the density is not differentiable)."""
    cd = None if cov is None else _d(cov)
    if mean is None:
        dim = 1 if cd is None or cd.ndim < 2 else cd.shape[0]
        mean = np.zeros(dim)
    else:
        dim = _d(mean).size
    mean = _t(mean)
    if dim == 1:
        mean = ya.reshape(mean, (1,))
    if _d(mean).ndim != 1 or _d(mean).shape[0] != dim:
        raise ValueError(f"Array 'mean' must be a vector of length {dim}.")
    cov = _t(1.0 if cov is None else cov)
    cd = _d(cov)
    if dim == 1:
        cov = ya.reshape(cov, (1, 1))
    elif cd.ndim == 0:
        cov = cov * np.eye(dim)
    elif cd.ndim == 1:
        cov = ya.diag(cov)
    elif cd.ndim == 2 and cd.shape != (dim, dim):
        raise ValueError(f"Dimension mismatch: array 'cov' is of shape {cd.shape}, but 'mean' "
                         f"is a vector of length {dim}." if cd.shape[0] == cd.shape[1] else
                         f"Array 'cov' must be square if it is two dimensional, but "
                         f"cov.shape = {cd.shape}.")
    elif cd.ndim > 2:
        raise ValueError(f"Array 'cov' must be at most two-dimensional, but cov.ndim = {cd.ndim}")
    s, u = np.linalg.eigh(_d(cov))
    eps = 1e6 * np.finfo(s.dtype.char.lower()).eps * np.max(np.abs(s))
    if np.min(s) < -eps:
        raise ValueError("The input matrix must be symmetric positive semidefinite.")
    keep = s > eps
    if not keep.all() and not allow_singular:
        raise np.linalg.LinAlgError("When `allow_singular is False`, the input matrix must be "
                                    "symmetric positive definite.")
    null = u[:, ~keep]          # SciPy's null space (eigh of the values): a constant
    if null.size:               # cov restricted to its range, plus V V'
        low = ya.tril(cov, -1)  # cov as SciPy's eigh and Cholesky read it: its lower triangle
        cov = low + ya.transpose(low) + ya.diag(ya.diagonal(cov))
        proj = np.eye(dim) - null @ null.T
        cov = ya.matmul(ya.matmul(proj, cov), proj) + null @ null.T
    chol = ya.linalg.cholesky(cov)

    def maha(dev):              # dev' pinv(cov) dev, pinv(cov) = inv(cov + V V') - V V'
        z = ya.linalg.solve(chol, ya.transpose(ya.reshape(dev, (-1, dim))))
        return (ya.reshape(ya.sum(ya.square(z), axis=0), dev.shape[:-1])
                - ya.sum(ya.square(ya.matmul(dev, null)), axis=-1))
    return (dim, mean, int(keep.sum()), 2 * ya.sum(ya.log(ya.diagonal(chol))), maha, null,
            1e3 * eps)


def _mvn_logpdf(x, mean=None, cov=1, allow_singular=False):
    """The components of ``x`` along its last axis (a 1-D ``x`` is one point, or
    points of a 1-D distribution), SciPy's squeezed output shape; ``mean`` a vector,
    ``cov`` a matrix, a vector (diagonal) or a scalar.  A singular ``cov``
    (``allow_singular=True``) uses its pseudo-determinant and pseudo-inverse, as
    SciPy's, with -inf off the support; derivatives in ``cov`` are then those within
    its range (0 in the null directions, where the density jumps)."""
    dim, mean, rank, log_pdet, maha, null, eps = _mvn_params(mean, cov, allow_singular)
    x = _t(x)
    if x.ndim == 0:
        x = ya.reshape(x, (1,))
    elif x.ndim == 1:
        x = ya.reshape(x, (-1, 1) if dim == 1 else (1, -1))
    dev = x - mean
    out = -0.5 * (rank * _LOG_2PI + log_pdet + maha(dev))
    if null.size:
        out = _support(out, np.linalg.norm(_d(dev) @ null, axis=-1) < eps)
    return ya.squeeze(out)


def _mvn_entropy(mean=None, cov=1):
    """0.5 (rank (1 + log 2 pi) + log pdet(cov)), a singular ``cov`` allowed (SciPy's)."""
    dim, mean, rank, log_pdet, *_ = _mvn_params(mean, cov, True)
    return 0.5 * (rank * (_LOG_2PI + 1) + log_pdet)


multivariate_normal = Distribution(
    "multivariate_normal", "the multivariate normal distribution (mean, full cov)",
    logpdf=(_mvn_logpdf, "(x, mean=None, cov=1, allow_singular=False)"),
    pdf=(lambda x, mean=None, cov=1, allow_singular=False:
         ya.exp(_mvn_logpdf(x, mean, cov, allow_singular)),
         "(x, mean=None, cov=1, allow_singular=False)"),
    entropy=(_mvn_entropy, "(mean=None, cov=1)"))

__all__ = ["norm", "t", "gamma", "beta", "chi2", "poisson", "dirichlet", "multivariate_normal",
           "laplace", "expon", "uniform", "logistic", "cauchy"]


def __dir__():
    """The distributions (``dir(ya.scipy.stats)``), not the module's helpers."""
    return sorted(__all__)
