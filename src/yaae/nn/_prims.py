"""Primitives ``yaae.nn`` needs beyond the core op table.

* ``erf``: the error function (exact GELU).  The forward is W. J. Cody's
  rational Chebyshev approximations (CALERF), vectorised in NumPy, accurate to
  about one ulp; the derivative rules are written with yaae ops, so they
  differentiate again (any order, both modes).
* ``bce``: PyTorch's elementwise binary cross entropy, with PyTorch's
  backward formula ``(x - t) / max(x (1 - x), float32(1e-12))`` (the log terms are
  clamped at -100 in the forward, so the clamped function's own derivative
  would be 0/NaN at 0 and 1 where PyTorch's is finite).
* ``linear`` / ``linear_nobias``: ``x @ w.T (+ b)`` as one node, for
  ``F.linear``.  The composite ``matmul(x, transpose(w))`` computes the weight
  gradient as ``x.T @ g`` and hands back its transpose, a strided view that
  becomes a transposing copy when it lands in ``.grad``; here the rule computes
  ``g.T @ x`` directly in the weight's (out, in) layout, and the bias is added
  in place.  The rules are written with yaae ops (differentiable again, both
  modes) and accept batched (co)tangents.
"""
import math

import numpy as np

from ..tensor import primitive, Primitive
from .. import ops
from ..ops.linalg import mT

__all__ = ["erf", "erfinv_np", "erf_np", "bce", "linear", "linear_nobias", "softmax_ce"]

# ---- erf ---------------------------------------------------------------------------------
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1   # 1/sqrt(pi)
_THRESH = 0.46875


def _erf_small(x):
    ysq = x * x
    xnum = _A[4] * ysq
    xden = ysq
    for i in range(3):
        xnum = (xnum + _A[i]) * ysq
        xden = (xden + _B[i]) * ysq
    return x * (xnum + _A[3]) / (xden + _B[3])


def _erfc_scaled_mid(y):
    xnum = _C[8] * y
    xden = y
    for i in range(7):
        xnum = (xnum + _C[i]) * y
        xden = (xden + _D[i]) * y
    return (xnum + _C[7]) / (xden + _D[7])


def _erfc_scaled_big(y):
    ysq = 1.0 / (y * y)
    xnum = _P[5] * ysq
    xden = ysq
    for i in range(4):
        xnum = (xnum + _P[i]) * ysq
        xden = (xden + _Q[i]) * ysq
    r = ysq * (xnum + _P[4]) / (xden + _Q[4])
    return (_SQRPI - r) / y


def _erfc_pos(y):
    """erfc(y) for y > THRESH (float64)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = np.where(y <= 4.0, _erfc_scaled_mid(y), _erfc_scaled_big(np.maximum(y, 4.0)))
        ysq = np.trunc(y * 16.0) / 16.0
        dl = (y - ysq) * (y + ysq)
        res = np.exp(-ysq * ysq) * np.exp(-dl) * r
    return np.where(y >= 26.7, 0.0, res)


def erf_np(x):
    """The error function of an array (float64 arithmetic, input dtype kept)."""
    x = np.asarray(x)
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    xd = x.astype(np.float64)
    y = np.abs(xd)
    small = y <= _THRESH
    ys = np.where(small, xd, 0.0)
    yl = np.where(small, 1.0, y)
    big = 1.0 - _erfc_pos(yl)
    out = np.where(small, _erf_small(ys), np.where(xd < 0, -big, big))
    out = np.where(np.isnan(xd), np.nan, out)
    return out.astype(dt, copy=False)


def erfinv_np(y):
    """Inverse error function on (-1, 1) (Giles' approximation refined by Newton
    steps on ``erf_np``); +-inf at +-1."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        wa = w - 2.5
        p1 = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p1 = c + p1 * wa
        wb = np.sqrt(np.maximum(w, 5.0)) - 3.0
        p2 = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p2 = c + p2 * wb
        x = np.where(w < 5.0, p1, p2) * y
        for _ in range(3):
            err = erf_np(x) - y
            x = x - err / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
        x = np.where(y == 1.0, np.inf, np.where(y == -1.0, -np.inf, x))
    return x


_TWO_OVER_SQRTPI = 2.0 / math.sqrt(math.pi)


def _erf_deriv(x):
    return _TWO_OVER_SQRTPI * ops.exp(-(x * x))


erf = primitive(erf_np, name="erf", batchable=True)
erf.defvjp(lambda g, ans, x: g * _erf_deriv(x))
erf.defjvp(lambda t, ans, x: t * _erf_deriv(x))


# ---- binary cross entropy (PyTorch's elementwise formula and backward) ------------------
def _bce_fwd(x, t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((t - 1) * np.maximum(np.log1p(-x), -100.0)
                - t * np.maximum(np.log(x), -100.0))


# PyTorch's CPU kernel clamps with the float constant 1e-12f, whatever the dtype
_BCE_EPS = float(np.float32(1e-12))


def _bce_dx(x, t):
    return (x - t) / ops.maximum(x * (1 - x), _BCE_EPS)


def _bce_dt(x):
    # d/dt of the forward: the clamped log terms (differentiable again in x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ops.maximum(ops.log1p(-x), -100.0) - ops.maximum(ops.log(x), -100.0)


bce = primitive(_bce_fwd, name="binary_cross_entropy", batchable=True)
bce.defvjp(lambda g, ans, x, t: g * _bce_dx(x, t),
           lambda g, ans, x, t: g * _bce_dt(x))
bce.defjvp(lambda t_, ans, x, t: t_ * _bce_dx(x, t),
           lambda t_, ans, x, t: t_ * _bce_dt(x))


# ---- linear: x @ w.T + b (F.linear) -------------------------------------------------------
# x: (..., in) with at least 2 dims, w: (out, in), b: (out,).  A cotangent (or a
# tangent) may carry nb extra leading dims (batched sweeps): nb = g.ndim - x.ndim.
def _linear_nb_fwd(x, w):
    if x.ndim > 2 and x.flags.c_contiguous:     # one GEMM, the batch dims folded in
        return np.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
    return np.matmul(x, w.T)


def _linear_fwd(x, w, b):
    out = _linear_nb_fwd(x, w)
    if b.dtype == out.dtype and type(out) is np.ndarray:
        np.add(out, b, out=out)                 # out is fresh: no temporary for the bias
        return out
    return out + b


def _linear_dx(g, ans, x, w, b=None):
    if type(g) is np.ndarray and type(w) is np.ndarray:     # a plain sweep: NumPy directly
        return np.matmul(g, w)
    return ops.matmul(g, w)


def _flat_rows(g, x):
    """``g`` as (batch..., rows, out): the sample dims of ``x`` folded into one."""
    if g.ndim == 2:
        return g
    nb = g.ndim - x.ndim
    shape = tuple(g.shape[:nb]) + (-1, g.shape[-1])
    return g.reshape(shape) if type(g) is np.ndarray else ops.reshape(g, shape)


def _linear_dw(g, ans, x, w, b=None):
    g2 = _flat_rows(g, x)
    if type(g) is np.ndarray and type(x) is np.ndarray:
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        return np.matmul(g2.swapaxes(-1, -2), x2)           # (batch..., out, in), C order
    x2 = x if x.ndim == 2 else ops.reshape(x, (-1, x.shape[-1]))
    return ops.matmul(mT(g2), x2)


def _linear_db(g, ans, x, w, b):
    g2 = _flat_rows(g, x)
    if type(g2) is np.ndarray:
        return np.add.reduce(g2, axis=-2)
    return ops.sum(g2, axis=-2)


def _linear_tx(t, ans, x, w, b=None):
    return ops.matmul(t, mT(w))


def _linear_tw(t, ans, x, w, b=None):
    # t: (batch..., 1..., out, in) (the engine lines batch dims up: bcast=True)
    return ops.matmul(x, mT(t))


def _linear_tb(t, ans, x, w, b):
    return t            # broadcast to the output's shape by the engine


linear_nobias = Primitive(_linear_nb_fwd, "linear", batchable=True, bcast=True, saves="args")
linear_nobias.defvjp(_linear_dx, _linear_dw)
linear_nobias.defjvp(_linear_tx, _linear_tw)

linear = Primitive(_linear_fwd, "linear", batchable=True, bcast=True, saves="args")
linear.defvjp(_linear_dx, _linear_dw, _linear_db)
linear.defjvp(_linear_tx, _linear_tw, _linear_tb)


# ---- softmax cross-entropy of class indices (F.cross_entropy's common case) ---------------
# z: (N, C) logits; idx: (N,) class indices (ignored targets replaced by any valid
# index); wt: (N,) the per-sample weights (0 where ignored), or None for all ones;
# denom: the divisor ('mean': the summed weights; 'sum': 1); m: (N, 1) the finite
# row maxima of z.  Value: -sum(wt * log_softmax(z)[n, idx[n]]) / denom, as the
# composite nll_loss(log_softmax(z)) computes it.  Only z is differentiable; its
# rules are written with yaae ops (softmax is a composite), so they differentiate
# again.
def _softmax_ce_fwd(z, idx, wt, denom, m):
    zm = z - m
    picked = zm[np.arange(z.shape[0]), idx]
    picked -= np.log(np.exp(zm).sum(axis=1))
    if wt is not None:
        picked *= wt
    return -picked.sum() / denom


def _softmax_ce_coef(z, idx, wt, denom, m):
    """d loss / dz: (softmax(z) - onehot(idx)) * wt / denom, per row (``m``: the
    finite row maxima, the shift the composite's softmax uses too)."""
    n = z.shape[-2]
    rows = np.arange(n)
    if type(z) is np.ndarray:                       # a plain sweep: NumPy directly
        p = np.exp(z - m)
        p /= p.sum(axis=1, keepdims=True)
        p[rows, idx] -= 1
        if wt is None:
            p /= denom
        else:
            p *= (wt / denom).reshape(n, 1)
        return p
    onehot = np.zeros(z.shape, dtype=z.dtype)
    onehot[rows, idx] = 1
    d = ops.softmax(z, axis=-1) - onehot
    if wt is None:
        return d / denom
    return d * (wt / denom).reshape(n, 1).astype(z.dtype)


def _softmax_ce_vjp(g, ans, z, idx, wt, denom, m):
    coef = _softmax_ce_coef(z, idx, wt, denom, m)
    if g.ndim == 0:
        return coef * g
    return coef * ops.reshape(g, tuple(g.shape) + (1, 1))     # batched cotangents


def _softmax_ce_jvp(t, ans, z, idx, wt, denom, m):
    return ops.sum(t * _softmax_ce_coef(z, idx, wt, denom, m), axis=(-2, -1))


softmax_ce = Primitive(_softmax_ce_fwd, "cross_entropy", batchable=True, saves="args")
softmax_ce.defvjp(_softmax_ce_vjp, None, None, None, None)
softmax_ce.defjvp(_softmax_ce_jvp, None, None, None, None)
