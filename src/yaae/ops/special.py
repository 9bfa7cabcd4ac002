"""SciPy's special functions (``ya.scipy.special``), declared in the op registry.

Imported only when ``ya.scipy.special`` is first used (``import yaae`` never
imports SciPy).  Each function has SciPy's name and signature, runs SciPy's
own implementation forward, and is a primitive (``module="scipy.special"``)
whose derivative is written with differentiable yaae ops -- digamma' =
polygamma(1, .), gammaln' = digamma, i0' = i1, jn' = (j(n-1) - j(n+1)) / 2,
... -- so reverse mode, forward mode and every order come for free.  The
ones that are NumPy ufuncs in SciPy (``scipy.special.gammaln``, ...) are
declared with ``numpy=``: called on a Tensor they dispatch here through
``__array_ufunc__`` and keep the gradient.

The incomplete gamma and beta functions are differentiable in their
parameters too (gammainc/gammaincc in ``a``, betainc in ``a`` and ``b``):
the derivative is a series (or continued fraction) of yaae ops whose number
of terms is chosen from the data, accurate to a few 1e-13 relative for
parameters in (0, 1e3] and 1e-11 up to 1e4; outside (0, 1e4] it raises a
ValueError naming the op and the argument.  An argument that is an integer
order or a parameter with no derivative here (polygamma's ``n``, jn/yn's
``n``, iv/ive's ``v``) raises a TypeError naming the op and the argument,
never a silent zero.  logsumexp, softmax, log_softmax and multigammaln are
composites of primitives; ``sinc`` is ``ya.sinc`` (NumPy's, as SciPy's is).
"""
import math
import textwrap

import numpy as np
import scipy.special as sc

from ..tensor import _data
from .registry import defop, defcomposite
from .elementwise import (exp, log, log1p, abs, sign, sin, cos, sqrt, where, quietly,
                          zeros_like_g, minimum, sinc as _sinc)
from .reductions import sum, _axes
from .shape import reshape, broadcast_to, expand_dims
from .composite import (logsumexp as _logsumexp, softmax as _softmax,
                        log_softmax as _log_softmax, _finite_max, stack)

M = "scipy.special"
_2_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_PI_2 = math.sqrt(math.pi) / 2
_SQRT_2PI = math.sqrt(2 * math.pi)


def _doc(name, sig, what, deriv):
    """The op's own docstring, for ``ops.docs`` (which adds the signature line and an
    example) to show under ``ya.scipy.special.NAME``."""
    return textwrap.fill(f"``{name}{sig}``: {what}, computed by SciPy. Derivatives: {deriv}.",
                         88, break_on_hyphens=False, break_long_words=False)


def _nodiff(op, arg, i, wrt):
    """A derivative rule for argument ``i`` (``arg``) of ``op`` that refuses:
    SciPy's function is differentiated in ``wrt`` only."""
    def d(ans, *args):
        a = np.asarray(_data(args[i]))
        raise TypeError(
            f"ya.scipy.special.{op}: no derivative with respect to {arg} (argument {i}, "
            f"shape {a.shape}, dtype {a.dtype}); yaae differentiates {op} in {wrt} only. "
            f"Pass {arg} as a constant (a NumPy array, a number, or tensor.detach()), or "
            f"approximate the derivative in {arg} by finite differences")
    return d


def _op(name, fwd, deriv, sig, what, dtext, saves="args", **kw):
    """An elementwise primitive of ``ya.scipy.special`` answering for SciPy's
    ufunc ``fwd`` (``deriv``: one partial derivative per argument)."""
    p = defop(name, fwd, numpy=fwd if isinstance(fwd, np.ufunc) else (), deriv=deriv,
              bcast=True, saves=saves, module=M, **kw)
    p.__doc__ = _doc(name, sig, what, dtext)
    return p


# ---- gamma and beta ---------------------------------------------------------------------
gamma = _op("gamma", sc.gamma, lambda ans, x: ans * digamma(x), "(x)",
            "the gamma function", "d/dx = gamma(x) digamma(x)", saves=True)
gammaln = _op("gammaln", sc.gammaln, lambda ans, x: digamma(x), "(x)",
              "log|gamma(x)|", "d/dx = digamma(x)")
def _rgamma_dx(ans, x):
    """-rgamma(x) digamma(x) for x >= 1/2; below, the derivative of the reflection
    formula rgamma(x) = gamma(1 - x) sin(pi x) / pi, which is finite at the poles
    of gamma (where rgamma is 0 and its derivative (-1)^n n!).  Each branch sees
    only inputs in its domain (a double where), so every order is finite."""
    low = _data(x) < 0.5
    if not np.any(low):
        return -ans * digamma(x)
    xh, xl = where(low, 1.0, x), where(low, x, 0.0)
    px = xl * math.pi
    refl = gamma(1 - xl) * (cos(px) - digamma(1 - xl) * sin(px) / math.pi)
    return where(low, refl, -rgamma(xh) * digamma(xh))


rgamma = _op("rgamma", sc.rgamma, _rgamma_dx, "(x)", "1 / gamma(x), an entire function",
             "d/dx = -rgamma(x) digamma(x), through the reflection formula below 1/2 "
             "(finite at the poles of gamma)", saves=True)
gammasgn = defop("gammasgn", sc.gammasgn, numpy=sc.gammasgn, bcast=True, saves=False,
                 module=M, vjp=lambda g, ans, x: zeros_like_g(g),
                 jvp=lambda t, ans, x: zeros_like_g(t))
gammasgn.__doc__ = _doc("gammasgn", "(x)", "the sign of gamma(x)",
                        "piecewise constant, derivative 0")
digamma = _op("digamma", sc.psi, lambda ans, x: polygamma(1, x), "(x)",
              "the digamma function psi(x) = gamma'(x) / gamma(x) (alias ``psi``)",
              "d/dx = polygamma(1, x)", aliases=("psi",))
polygamma = _op("polygamma", sc.polygamma,
                (_nodiff("polygamma", "n", 0, "x"), lambda ans, n, x: polygamma(n + 1, x)),
                "(n, x)", "the n-th derivative of digamma (n a non-negative integer)",
                "in x, d/dx = polygamma(n + 1, x); none in the integer order n")
beta = _op("beta", sc.beta, (lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
                             lambda ans, a, b: ans * (digamma(b) - digamma(a + b))),
           "(a, b)", "the beta function gamma(a) gamma(b) / gamma(a + b)",
           "in a and b, d/da = beta(a, b) (digamma(a) - digamma(a + b))", saves=True)
betaln = _op("betaln", sc.betaln, (lambda ans, a, b: digamma(a) - digamma(a + b),
                                   lambda ans, a, b: digamma(b) - digamma(a + b)),
             "(a, b)", "log|beta(a, b)|",
             "in a and b, d/da = digamma(a) - digamma(a + b)")


@defcomposite(module=M)
def multigammaln(a, d):
    """SciPy's ``scipy.special.multigammaln(a, d)``: the log of the multivariate
    gamma function of dimension ``d`` (an integer),
    d (d - 1) / 4 log(pi) + sum_{j<d} gammaln(a - j / 2).  Differentiable in
    ``a`` (every mode and order); SciPy's ValueError when some a <= (d - 1) / 2.
    """
    d = int(d)
    if np.any(np.asarray(_data(a)) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: condition a > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")
    terms = [gammaln(a - j / 2) for j in range(d)]
    return sum(stack(terms), axis=0) + d * (d - 1) / 4 * math.log(math.pi)


# ---- incomplete gamma and beta ---------------------------------------------------------------
# In x the derivatives are the densities.  In the parameters they are series and a continued
# fraction written in yaae ops, so each order's derivative is the derivative of the last:
#
# * P(a, x) = sum_n exp((a + n) log x - x - gammaln(a + n + 1)) for 0 < x <= a + 1 (each term
#   at most the one before; term 0 the largest), differentiated term by term in a;
# * Q(a, x) = exp(a log x - x - gammaln(a)) / f_0 for x > a + 1, with Legendre's continued
#   fraction f_k = x + 2k + 1 - a - (k + 1)(k + 1 - a) / f_(k+1) evaluated from a depth K down
#   (a rational function of a and x), carried with its derivative in a;
# * I_y(p, q) = sum_n exp((p + n) log y + q log(1 - y) + gammaln(p + q + n) - gammaln(q)
#   - gammaln(p + n + 1)) for y <= (p + 1) / (p + q + 2), and I_x(a, b) = 1 - I_(1-x)(b, a)
#   above, differentiated term by term in p and q.
#
# The number of terms (the depth) is chosen from the data: a bound on the neglected tail
# (the depth doubled past the point where the fraction stops changing) is below 1e-17 of
# the sum, with a margin for the log factors of higher derivatives.  Past _MAX_TERMS, and
# for parameters outside (0, 1e4], the rule raises a ValueError rather than return an
# unconverged or inaccurate number (measured against mpmath and JAX: a few 1e-13 relative
# for parameters up to 1e3, 1e-11 at 1e4).
_TAIL = math.log(1e-17)
_MAX_TERMS = 1 << 14
_MAX_PARAM = 1e4


def _values(*args):
    """The float64 values of ``args`` broadcast together (for masks and term counts)."""
    return np.broadcast_arrays(*(np.asarray(_data(v), dtype=np.float64) for v in args))


def _params_error(op, wrt, arg, v, why, todo):
    """The ValueError of a parameter derivative (in ``wrt``) that is not computed at the
    values ``v`` of ``arg``."""
    bad = np.asarray(v)
    return ValueError(
        f"ya.scipy.special.{op}: no derivative with respect to {wrt} here: {why} (shape "
        f"{bad.shape} of such elements, e.g. {arg} = {bad.flat[0] if bad.size else '?'}). "
        f"{todo}")


def _check_param(op, wrt, arg, v, need):
    """The derivative in a parameter is computed for 0 < v <= _MAX_PARAM only (beyond,
    the rounding of gammaln(v) ~ v log v alone costs more than 1e-11 relative)."""
    bad = need & ~((v > 0) & (v <= _MAX_PARAM))
    if np.any(bad):
        raise _params_error(op, wrt, arg, v[bad], f"{arg} must be > 0 and <= {_MAX_PARAM:g} "
                            f"({int(bad.sum())} element(s) are not)",
                            f"Pass {arg} in (0, {_MAX_PARAM:g}], or {wrt} as a constant (a "
                            f"NumPy array or tensor.detach()).")


def _nan_where(bad, p):
    """NaN where ``bad`` (SciPy's NaN outside the domain), else 0, as a function of the
    parameter ``p`` whose derivatives of every order are NaN there too (sqrt of a
    negative number) and 0 elsewhere."""
    return 0.0 * sqrt(where(bad, -1.0 - p * p, 1.0))


def _terms_needed(log_term, log_ratio, log_factor, op, arg, v):
    """The smallest N <= _MAX_TERMS (a power of two times 8, over every element) with
    term_N * factor_N^3 / (1 - ratio_N) < 1e-17 term_0: a bound on the neglected tail of a
    series whose terms shrink by at most ratio_N < 1 from N on."""
    if v.size == 0:
        return 1
    lt0 = log_term(0)
    n = 8
    while True:
        lr = log_ratio(n)
        ok = (lr < 0) & (log_term(n) + 3 * log_factor(n) - np.log1p(-np.exp(np.minimum(lr, 0)))
                         < _TAIL + lt0)
        if np.all(ok):
            return n
        if n >= _MAX_TERMS:
            raise _params_error(op, arg, arg, v[~ok], f"its series needs more than {_MAX_TERMS} "
                                f"terms at {int((~ok).sum())} element(s)",
                                f"Pass {arg} as a constant (tensor.detach()).")
        n *= 2


def _gammainc_series_da(a, x, lx, n):
    """dP/da, the series of P(a, x) differentiated term by term (n terms; lx = log x)."""
    (a, lx), k = (expand_dims(a, -1), expand_dims(lx, -1)), np.arange(n, dtype=np.float64)
    t = exp((a + k) * lx - expand_dims(x, -1) - gammaln(a + k + 1))
    return sum(t * (lx - digamma(a + k + 1)), axis=-1)


def _gammaincc_cf(a, x, depth):
    """(1 / f_0, d(1 / f_0)/da): Legendre's continued fraction for Q(a, x) e^x x^-a
    gamma(a), evaluated from ``depth`` down with its derivative in a."""
    f, df = x + (2 * depth + 1) - a, -1.0
    for k in range(depth - 1, -1, -1):
        c = (k + 1) * (k + 1 - a)
        f, df = x + (2 * k + 1) - a - c / f, -1.0 + ((k + 1) * f + c * df) / (f * f)
    return 1 / f, -df / (f * f)


def _cf_depth(av, xv, op, arg):
    """A depth for ``_gammaincc_cf`` at the values av, xv: doubled until the fraction and
    its derivative change by < 1e-16 relative, then doubled once more."""
    if av.size == 0:
        return 1
    k = 8
    with np.errstate(all="ignore"):
        g, dg = _gammaincc_cf(av, xv, k)
        while True:
            g2, dg2 = _gammaincc_cf(av, xv, 2 * k)
            ok = ((np.abs(g2 - g) <= 1e-16 * np.abs(g2))
                  & (np.abs(dg2 - dg) <= 1e-16 * np.abs(dg2) + 1e-300))
            if np.all(ok):
                return 2 * k
            k *= 2
            if k >= _MAX_TERMS:
                raise _params_error(op, arg, arg, av[~ok], "its continued fraction does not "
                                    f"converge within {_MAX_TERMS} terms",
                                    "Pass a as a constant (tensor.detach()).")
            g, dg = g2, dg2


def _dgammainc_da(op):
    """The derivative of P(a, x) (``op`` gammainc) or of Q = 1 - P (gammaincc) in a."""
    sgn = 1.0 if op == "gammainc" else -1.0

    def d(ans, a, x):
        av, xv = _values(a, x)
        shape = av.shape
        _check_param(op, "a", "a", av, ~np.isnan(xv))
        ser = (xv > 0) & (xv <= av + 1)
        cf = (xv > av + 1) & (xv < np.inf)
        a, x = broadcast_to(a, shape), broadcast_to(x, shape)
        out = _nan_where(np.isnan(xv) | (xv < 0), a)
        if np.any(ser):
            sa, sx = av[ser], xv[ser]
            n = _terms_needed(lambda n: (sa + n) * np.log(sx) - sx - sc.gammaln(sa + n + 1),
                              lambda n: np.log(sx / (sa + n + 1)),
                              lambda n: np.log(1 + np.abs(np.log(sx)) + np.log(sa + n + 2)),
                              op, "a", sa)
            xs = where(ser, x, 0.5)
            out = where(ser, sgn * _gammainc_series_da(where(ser, a, 1.0), xs, log(xs), n),
                        out)
        if np.any(cf):
            depth = _cf_depth(av[cf], xv[cf], op, "a")
            ac, xc = where(cf, a, 1.0), where(cf, x, 3.0)
            g, dg = _gammaincc_cf(ac, xc, depth)
            lx = log(xc)
            pre = exp(ac * lx - xc - gammaln(ac))
            out = where(cf, -sgn * pre * ((lx - digamma(ac)) * g + dg), out)
        return out
    return d


def _betainc_series_d(p, q, ly, l1y, n, in_p):
    """The series of I_y(p, q) (n terms; ly = log y, l1y = log(1 - y)) differentiated term
    by term: in p where ``in_p``, in q elsewhere."""
    (p, q, ly, l1y), k = [expand_dims(v, -1) for v in (p, q, ly, l1y)], \
        np.arange(n, dtype=np.float64)
    pqk = p + q + k
    t = exp((p + k) * ly + q * l1y + gammaln(pqk) - gammaln(q) - gammaln(p + k + 1))
    f = where(in_p[..., None], ly - digamma(p + k + 1), l1y - digamma(q))
    return sum(t * (f + digamma(pqk)), axis=-1)


def _dbetainc(wrt):
    """The derivative of I_x(a, b) in a (``wrt`` 0) or b (1)."""
    arg = "ab"[wrt]

    def d(ans, a, b, x):
        av, bv, xv = _values(a, b, x)
        shape = av.shape
        live = ~np.isnan(xv)
        _check_param("betainc", arg, "a", av, live)
        _check_param("betainc", arg, "b", bv, live)
        inside = (xv > 0) & (xv < 1)
        flip = inside & (xv > (av + 1) / (av + bv + 2))
        a, b, x = (broadcast_to(v, shape) for v in (a, b, x))
        out = _nan_where(np.isnan(xv) | (xv < 0) | (xv > 1), b if wrt else a)
        if not np.any(inside):
            return out
        # the series is for I_y(p, q): (a, b, x) directly, (b, a, 1 - x) flipped, where
        # d/da I = -d/dq I_(1-x)(b, a) and d/db I = -d/dp I_(1-x)(b, a)
        pv, qv = np.where(flip, bv, av)[inside], np.where(flip, av, bv)[inside]
        yv = np.where(flip, 1 - xv, xv)[inside]
        lyv, l1yv = np.log(yv), np.log1p(-yv)
        big = np.log(1 + np.abs(lyv) + np.abs(l1yv) + np.abs(sc.digamma(qv)))
        n = _terms_needed(
            lambda n: ((pv + n) * lyv + qv * l1yv + sc.gammaln(pv + qv + n) - sc.gammaln(qv)
                       - sc.gammaln(pv + n + 1)),
            lambda n: np.maximum(np.log(yv * (pv + qv + n) / (pv + n + 1)), lyv),
            lambda n: big + np.log(2 + 2 * np.log(pv + qv + n + 1)), "betainc", arg,
            (bv if wrt else av)[inside])
        xs = where(inside, x, 0.5)
        lx, l1x = log(xs), log1p(-xs)
        p, q = where(inside & flip, b, where(inside, a, 1.0)), \
            where(inside & flip, a, where(inside, b, 1.0))
        ly, l1y = where(flip, l1x, lx), where(flip, lx, l1x)
        in_p = flip if wrt else ~flip
        d = _betainc_series_d(p, q, ly, l1y, n, in_p)
        return where(inside, where(flip, -d, d), out)
    return d


def _gammainc_dx(ans, a, x):
    """x^(a-1) e^(-x) / gamma(a), as one exp (xlogy: right at x = 0 for a = 1)."""
    return exp(xlogy(a - 1, x) - x - gammaln(a))


_IN_A = ("in a, the series of P (x <= a + 1) or Legendre's continued fraction for Q "
         "(x > a + 1) differentiated in yaae ops, to every order (a ValueError for a outside "
         "(0, 1e4])")
gammainc = _op("gammainc", sc.gammainc, (_dgammainc_da("gammainc"), _gammainc_dx),
               "(a, x)", "the regularized lower incomplete gamma function P(a, x)",
               f"in x, d/dx = x^(a-1) e^(-x) / gamma(a); {_IN_A}")
gammaincc = _op("gammaincc", sc.gammaincc,
                (_dgammainc_da("gammaincc"), lambda ans, a, x: -_gammainc_dx(ans, a, x)),
                "(a, x)", "the regularized upper incomplete gamma function Q(a, x)",
                f"in x, d/dx = -x^(a-1) e^(-x) / gamma(a); {_IN_A}, with the sign of Q = 1 - P")
betainc = _op("betainc", sc.betainc,
              (_dbetainc(0), _dbetainc(1),
               lambda ans, a, b, x: exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))),
              "(a, b, x)", "the regularized incomplete beta function I_x(a, b)",
              "in x, d/dx = x^(a-1) (1-x)^(b-1) / beta(a, b); in a and b, the power series of "
              "I_x(a, b) (x <= (a + 1) / (a + b + 2)) or of 1 - I_(1-x)(b, a) (above) "
              "differentiated in yaae ops, to every order (a ValueError for a or b outside (0, 1e4])")

_dbetainc_a, _dbetainc_b = _dbetainc(0), _dbetainc(1)
betaincc = _op("betaincc", sc.betaincc,
               (lambda ans, a, b, x: -_dbetainc_a(ans, a, b, x),
                lambda ans, a, b, x: -_dbetainc_b(ans, a, b, x),
                lambda ans, a, b, x: -exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))),
               "(a, b, x)", "the complemented regularized incomplete beta function 1 - I_x(a, b), "
               "accurate where it is small (no cancellation)",
               "minus betainc's in a, b and x (see betainc)")

# ---- error function and normal distribution ---------------------------------------------
erf = _op("erf", sc.erf, lambda ans, x: _2_SQRT_PI * exp(-(x * x)), "(z)",
          "the error function, for real and complex z",
          "d/dz = 2/sqrt(pi) exp(-z^2) (holomorphic for complex z)")
erfc = _op("erfc", sc.erfc, lambda ans, x: -_2_SQRT_PI * exp(-(x * x)), "(z)",
           "1 - erf(z), for real and complex z",
           "d/dz = -2/sqrt(pi) exp(-z^2) (holomorphic for complex z)")
erfinv = _op("erfinv", sc.erfinv, lambda ans, y: _SQRT_PI_2 * exp(ans * ans), "(y)",
             "the inverse of erf on (-1, 1)", "d/dy = sqrt(pi)/2 exp(erfinv(y)^2)", saves="ans")
erfcinv = _op("erfcinv", sc.erfcinv, lambda ans, y: -_SQRT_PI_2 * exp(ans * ans), "(y)",
              "the inverse of erfc on (0, 2)", "d/dy = -sqrt(pi)/2 exp(erfcinv(y)^2)", saves="ans")
ndtr = _op("ndtr", sc.ndtr, lambda ans, x: exp(x * x * -0.5) / _SQRT_2PI, "(x)",
           "the standard normal CDF", "d/dx = exp(-x^2/2) / sqrt(2 pi)")
ndtri = _op("ndtri", sc.ndtri, lambda ans, p: _SQRT_2PI * exp(ans * ans * 0.5), "(p)",
            "the inverse of ndtr on (0, 1)", "d/dp = sqrt(2 pi) exp(ndtri(p)^2 / 2)", saves="ans")


def _mills(x):
    """pdf(x) / ndtr(x), the derivative of log_ndtr: sqrt(2/pi) / erfcx(-x/sqrt 2) for
    x < 0 (exp(-x^2/2 - log_ndtr(x)) there subtracts two numbers of size x^2/2, and
    loses all accuracy by x = -1e8), exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) for x >= 0
    (where erfcx(-x/sqrt 2) overflows)."""
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        left = math.sqrt(2 / math.pi) / sc.erfcx(-x / math.sqrt(2))
        right = np.exp(x * x * -0.5 - sc.log_ndtr(x)) / _SQRT_2PI
    return np.where(x < 0, left, right).astype(left.dtype)


def _mills_shift(x):
    """x + pdf(x) / ndtr(x), the factor in the second derivative of log_ndtr.  Below
    -100 the two terms cancel to -1/x: there it is -x e / (1 - e), with e = 1/x^2 -
    3/x^4 + 15/x^6 - 105/x^8 from the asymptotic series of ndtr (relative error
    below 1e-13)."""
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        near = x + _mills(x)
        q = 1 / (x * x)
        e = q * (1 - q * (3 - q * (15 - 105 * q)))
        far = -x * e / (1 - e)
    return np.where(x < -100, far, near).astype(near.dtype)


# r = pdf / ndtr and s = x + r: r' = -r s and s' = 1 - r s, a closed family, so every
# order is differentiable, without the cancellation of x + r far left
_ndtr_shift = defop("log_ndtr_deriv2", _mills_shift,
                    deriv=lambda ans, x: 1 - _ndtr_mills(x) * ans, bcast=True, saves=True,
                    register=False)
_ndtr_mills = defop("log_ndtr_deriv", _mills, deriv=lambda ans, x: -ans * _ndtr_shift(x),
                    bcast=True, saves=True, register=False)
log_ndtr = _op("log_ndtr", sc.log_ndtr, lambda ans, x: _ndtr_mills(x), "(x)",
               "the log of the standard normal CDF, accurate far in the left tail",
               "d/dx = pdf(x) / ndtr(x), through erfcx left of 0: accurate there too",
               saves="args")

# ---- logistic, x log y, entropy -----------------------------------------------------------
expit = _op("expit", sc.expit, lambda ans, x: ans * (1 - ans), "(x)",
            "the logistic sigmoid 1 / (1 + exp(-x))", "d/dx = expit(x) (1 - expit(x))",
            saves="ans")
logit = _op("logit", sc.logit, lambda ans, p: 1 / (p * (1 - p)), "(p)",
            "log(p / (1 - p)), the inverse of expit", "d/dp = 1 / (p (1 - p))")
xlogy = _op("xlogy", sc.xlogy, (lambda ans, x, y: log(y), lambda ans, x, y: x / y),
            "(x, y)", "x log(y), 0 where x == 0 (as SciPy's)",
            "d/dx = log(y), d/dy = x / y (JAX's rules)")
xlog1py = _op("xlog1py", sc.xlog1py,
              (lambda ans, x, y: log1p(y), lambda ans, x, y: x / (1 + y)),
              "(x, y)", "x log1p(y), 0 where x == 0 (as SciPy's)",
              "d/dx = log1p(y), d/dy = x / (1 + y) (JAX's rules)")
entr = _op("entr", sc.entr, lambda ans, x: -(log(x) + 1), "(x)",
           "-x log(x) for x > 0, 0 at 0, -inf for x < 0", "d/dx = -(log(x) + 1)")


# ---- Bessel functions ---------------------------------------------------------------------
def _half_sum(f, s):
    """The derivative rule (f(v - 1, x) + s f(v + 1, x)) / 2 of a Bessel function f."""
    return lambda ans, v, x: (f(v - 1, x) + s * f(v + 1, x)) * 0.5


i0 = _op("i0", sc.i0, lambda ans, x: i1(x), "(x)",
         "the modified Bessel function of the first kind of order 0", "d/dx = i1(x)")
i1 = _op("i1", sc.i1, lambda ans, x: (i0(x) + iv(2, x)) * 0.5, "(x)",
         "the modified Bessel function of the first kind of order 1",
         "d/dx = (i0(x) + iv(2, x)) / 2")
iv = _op("iv", sc.iv, (_nodiff("iv", "v", 0, "x"), _half_sum(lambda v, x: iv(v, x), 1)),
         "(v, x)", "the modified Bessel function of the first kind of real order v",
         "in x, d/dx = (iv(v - 1, x) + iv(v + 1, x)) / 2; none in the order v")
ive = _op("ive", sc.ive,
          (_nodiff("ive", "v", 0, "x"),
           lambda ans, v, x: (ive(v - 1, x) + ive(v + 1, x)) * 0.5 - sign(x) * ans),
          "(v, x)", "iv(v, x) exp(-|x|), the exponentially scaled iv",
          "in x, d/dx = (ive(v - 1, x) + ive(v + 1, x)) / 2 - sign(x) ive(v, x); none in v",
          saves=True)
def _bessel(k, f0, f1, fn, kind, order):
    """The Bessel functions ``k0``, ``k1``, ``kn`` (``k``: j or y) of the ``kind``
    kind, with the derivatives of their recurrences: k0' = -k1,
    k1' = (k0 - kn(2, .)) / 2, kn' = (kn(n - 1, .) - kn(n + 1, .)) / 2."""
    what = f"the Bessel function of the {kind} kind of order"
    p0 = _op(f"{k}0", f0, lambda ans, x: -p1(x), "(x)", f"{what} 0", f"d/dx = -{k}1(x)")
    p1 = _op(f"{k}1", f1, lambda ans, x: (p0(x) - pn(2, x)) * 0.5, "(x)", f"{what} 1",
             f"d/dx = ({k}0(x) - {k}n(2, x)) / 2")
    pn = _op(f"{k}n", fn, (_nodiff(f"{k}n", "n", 0, "x"), _half_sum(lambda n, x: pn(n, x), -1)),
             "(n, x)", f"{what} n ({order})",
             f"in x, d/dx = ({k}n(n - 1, x) - {k}n(n + 1, x)) / 2; none in the order n")
    return p0, p1, pn


j0, j1, jn = _bessel("j", sc.j0, sc.j1, sc.jv, "first",
                     "SciPy's jn is jv: real orders work too")
y0, y1, yn = _bessel("y", sc.y0, sc.y1, sc.yn, "second", "an integer")


@defcomposite(module=M)
def sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0: NumPy's sinc (SciPy's ``scipy.special.sinc``
    is ``numpy.sinc``), so this is ``ya.sinc``, exact at 0 to every order.
    """
    return _sinc(x)


# ---- logsumexp and softmax ----------------------------------------------------------------
@defcomposite(module=M)
@quietly
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """SciPy's ``scipy.special.logsumexp``: log(sum(b * exp(a))) over ``axis``
    (None: every element; an int or a tuple), without overflow.  ``b`` (broadcast
    against ``a``) scales the terms and may be negative: with ``return_sign=True``
    the result is ``(log|sum|, sign of the sum)``; without, a negative sum gives
    NaN, as SciPy's.  Differentiable in ``a`` and ``b`` (every mode and order);
    the sign carries no derivative.  Entries with b == 0 do not shift the max
    (one far above it has derivative 0 in a and a clamped, e^700-sized one in b).
    With ``b`` and ``return_sign``::

        >>> a = ya.tensor([1.0, 2.0, 3.0])
        >>> ya.scipy.special.logsumexp(a, b=[1.0, -1.0, 2.0], return_sign=True)
    """
    if b is None and not return_sign:
        return _logsumexp(a, axis=axis, keepdims=keepdims)
    ad = np.asarray(_data(a))
    bd = np.ones((), ad.dtype) if b is None else np.asarray(_data(b))
    shape = np.broadcast_shapes(ad.shape, bd.shape)
    if ad.shape != shape:
        a = broadcast_to(a, shape)
    bz = np.broadcast_to(bd, shape) == 0
    m = _finite_max(np.where(bz, -np.inf, ad), axis)
    if b is not None and np.any(bz & (ad - np.asarray(_data(m)) > 700)):
        # an entry with b == 0 far above the max: exp(a - m) would overflow and 0 * inf
        # give NaN.  Its term is 0 whatever a is (so its derivative in a is 0); clamping
        # a there keeps the value and the a-derivative exact, and leaves its derivative
        # in b e^700 / sum -- the true one, e^(a - m) / sum, overflows
        a = minimum(a, m + 700.0)
    s = sum(exp(a - m) if b is None else b * exp(a - m), axis=axis, keepdims=True)
    sgn = np.sign(np.asarray(_data(s)))
    r = log(abs(s)) + m
    if not return_sign:
        r = where(sgn < 0, np.nan, r)
    if not keepdims:
        axes = _axes(axis, len(shape))
        keep = tuple(n for i, n in enumerate(shape) if i - len(shape) not in axes)
        r, sgn = reshape(r, keep), sgn.reshape(keep)
    return (r, sgn) if return_sign else r


def _over_every_element(name, core, what):
    """``ya.scipy.special.NAME(x, axis=None)``: ``core`` (``ya.NAME``, whose
    default axis is the last) with SciPy's default, every element."""
    def f(x, axis=None):
        return core(x, axis=axis)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"SciPy's ``scipy.special.{name}(x, axis=None)``: {what} over ``axis`` -- "
                 f"by default over every element, unlike ``ya.{name}`` (the last axis).")
    return defcomposite(name, module=M)(f)


softmax = _over_every_element("softmax", _softmax, "exp(x) / sum(exp(x))")
log_softmax = _over_every_element("log_softmax", _log_softmax, "x - logsumexp(x)")
