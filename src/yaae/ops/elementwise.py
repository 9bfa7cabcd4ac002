"""Elementwise primitives, one declaration each (see ``registry``).

Arithmetic uses Python's operators (NumPy's ufuncs underneath): on NumPy
scalars they take NumPy's fast scalar path, an order of magnitude quicker
than calling the ufunc.

Most entries give the forward NumPy function and the partial derivative
``d(ans, *args)`` per argument; the registry makes the VJP ``g * d`` and the
JVP ``t * d`` from it.  Linear ones (add, subtract, negative) spell their
rules out, to skip a multiplication by one.  Broadcasting is undone by the
engine (``tensor._sum_to``), never here.
"""
import operator

import numpy as np

from ..tensor import Tensor, _data
from .registry import defop, defnondiff


def zeros_like_g(g):
    """A zero gradient shaped like ``g`` (raw array: zeros carry no graph)."""
    d = _data(g)
    return np.zeros(np.shape(d), dtype=getattr(d, "dtype", None) or np.float64)


def _unary(name, fwd, deriv, saves=True, numpy=None, method=True, **kw):
    """An elementwise primitive of one argument with derivative ``deriv(ans, x)``
    (``saves``: which of ans and x it reads, see Primitive)."""
    return defop(name, fwd, deriv=deriv, bcast=True, saves=saves,
                 numpy=fwd if numpy is None else numpy, method=method, **kw)


# ---- arithmetic ---------------------------------------------------------------
add = defop("add", operator.add, numpy=np.add, bcast=True, saves=False,
            method=("__add__", "__radd__", "add"),
            vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
            jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: t))
subtract = defop("subtract", operator.sub, numpy=np.subtract, bcast=True, saves=False,
                 method=("__sub__", "__rsub__", "sub"),
                 vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
                 jvp=(lambda t, ans, x, y: t, lambda t, ans, x, y: -t))
negative = defop("negative", operator.neg, numpy=np.negative, bcast=True, saves=False,
                 method=("__neg__", "neg"),
                 vjp=lambda g, ans, x: -g, jvp=lambda t, ans, x: -t)
positive = defop("positive", operator.pos, numpy=np.positive, bcast=True, saves=False,
                 vjp=lambda g, ans, x: g, jvp=lambda t, ans, x: t)
multiply = defop("multiply", operator.mul, numpy=np.multiply, bcast=True, saves="args",
                 method=("__mul__", "__rmul__", "mul"),
                 deriv=(lambda ans, x, y: y, lambda ans, x, y: x))
divide = defop("divide", operator.truediv, numpy=(np.divide,), bcast=True,
               method=("__truediv__", "__rtruediv__", "div"), aliases=("true_divide",),
               deriv=(lambda ans, x, y: 1 / y, lambda ans, x, y: -ans / y))


def _pow_dx(ans, x, y):
    """d x**y / dx, with 0 where y == 0 (as PyTorch: no 0 * inf at x == 0)."""
    if isinstance(y, (int, float)):
        if y == 0:
            return zeros_like_g(ans)
        if y == 2:
            return 2 * x
        return y * x ** (y - 1)
    return where(y == 0, 0.0, y * x ** (y - 1))


def _pow_dy(ans, x, y):
    """d x**y / dy = x**y log x, with 0 where x == 0 and y >= 0."""
    zero = (_data(x) == 0) & (_data(y) >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logx = log(where(zero, 1.0, x))
    return where(zero, 0.0, ans * logx)


power = defop("power", operator.pow, numpy=np.power, bcast=True,
              method=("__pow__", "__rpow__", "pow"), deriv=(_pow_dx, _pow_dy))

# ---- unary functions, one derivative each ---------------------------------------
exp = _unary("exp", np.exp, lambda ans, x: ans, "ans")
log = _unary("log", np.log, lambda ans, x: 1 / x, "args")
log1p = _unary("log1p", np.log1p, lambda ans, x: 1 / (x + 1), "args")
expm1 = _unary("expm1", np.expm1, lambda ans, x: ans + 1, "ans")
sqrt = _unary("sqrt", np.sqrt, lambda ans, x: 0.5 / ans, "ans")
square = _unary("square", np.square, lambda ans, x: 2 * x, "args")
sin = _unary("sin", np.sin, lambda ans, x: cos(x), "args")
cos = _unary("cos", np.cos, lambda ans, x: -sin(x), "args")
tan = _unary("tan", np.tan, lambda ans, x: 1 + ans * ans, "ans")
arcsin = _unary("arcsin", np.arcsin, lambda ans, x: 1 / sqrt(1 - x * x), "args")
arccos = _unary("arccos", np.arccos, lambda ans, x: -1 / sqrt(1 - x * x), "args")
arctan = _unary("arctan", np.arctan, lambda ans, x: 1 / (1 + x * x), "args")
sinh = _unary("sinh", np.sinh, lambda ans, x: cosh(x), "args")
cosh = _unary("cosh", np.cosh, lambda ans, x: sinh(x), "args")
tanh = _unary("tanh", np.tanh, lambda ans, x: 1 - ans * ans, "ans")
abs = _unary("abs", np.abs, lambda ans, x: sign(x), "args",  # noqa: A001 - NumPy's name
             method=("abs", "__abs__"), aliases=("absolute",))


def _sigmoid(x):
    # exp of a non-positive number only: no overflow for any x
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary("sigmoid", _sigmoid, lambda ans, x: ans * (1 - ans), "ans", numpy=())
softplus = _unary("softplus", lambda x: np.logaddexp(0, x), lambda ans, x: sigmoid(x), "args",
                  numpy=())
relu = _unary("relu", lambda x: np.maximum(x, 0), lambda ans, x: _data(ans) > 0, "ans",
              numpy=())


def _zero_grad_op(name, fwd, method=False, numpy=None, **kw):
    """A piecewise-constant op: derivative zero wherever it exists."""
    return defop(name, fwd, numpy=fwd if numpy is None else numpy, method=method,
                 vjp=lambda g, ans, x, *a, **k: zeros_like_g(g),
                 jvp=lambda t, ans, x, *a, **k: zeros_like_g(t), **kw)


sign = _zero_grad_op("sign", np.sign, method=True)
floor = _zero_grad_op("floor", np.floor, method=True)
ceil = _zero_grad_op("ceil", np.ceil, method=True)
trunc = _zero_grad_op("trunc", np.trunc, method=True, numpy=(np.trunc, np.fix))
rint = _zero_grad_op("rint", np.rint, method=True)


def _round(x, decimals=0):
    return np.round(x, decimals)


round = _zero_grad_op("round", _round, method=True,  # noqa: A001
                      numpy=(np.round, np.around), aliases=("around",))


# ---- comparisons of two arguments with a selection derivative ----------------
def _max_weight(x, y):
    """1 where x wins, 1/2 on ties, 0 where y wins (raw: carries no graph)."""
    x, y = _data(x), _data(y)
    w = (x > y) + (x == y) * 0.5
    dt = np.result_type(x, y)
    return w.astype(dt) if dt.kind == "f" and w.dtype != dt else w


maximum = defop("maximum", np.maximum, bcast=True, saves="args", numpy=np.maximum,
                method=True, deriv=(lambda ans, x, y: _max_weight(x, y),
                                    lambda ans, x, y: _max_weight(y, x)))
minimum = defop("minimum", np.minimum, bcast=True, saves="args", numpy=np.minimum,
                method=True, deriv=(lambda ans, x, y: _max_weight(y, x),
                                    lambda ans, x, y: _max_weight(x, y)))


def _where(cond, x, y):
    return np.where(cond, x, y)


def _select(c, g, keep_true):
    c = _data(c)
    return where(c, g, 0.0) if keep_true else where(c, 0.0, g)


where = defop("where", _where, bcast=True, saves="args", numpy=np.where,
              vjp=(None, lambda g, ans, c, x, y: _select(c, g, True),
                   lambda g, ans, c, x, y: _select(c, g, False)),
              jvp=(None, lambda t, ans, c, x, y: _select(c, t, True),
                   lambda t, ans, c, x, y: _select(c, t, False)))


def _clip(x, lo, hi):
    return np.clip(x, lo, hi)


def _in_range(x, lo, hi):
    x, lo, hi = _data(x), _data(lo), _data(hi)
    m = True
    if lo is not None:
        m = m & (x >= lo)
    if hi is not None:
        m = m & (x <= hi)
    return m


clip_p = defop("clip", _clip, bcast=True, saves="args", register=False,
               deriv=(lambda ans, x, lo, hi: _in_range(x, lo, hi),
                      lambda ans, x, lo, hi: _data(x) < _data(lo),
                      lambda ans, x, lo, hi: _data(x) > _data(hi)))


def _astype(x, dtype):
    return x.astype(dtype, copy=False)


astype = defop("astype", _astype, saves=False,
               vjp=lambda g, ans, x, dtype: astype(g, _data(x).dtype),
               jvp=lambda t, ans, x, dtype: astype(t, dtype))
