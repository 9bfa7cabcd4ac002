"""Elementwise primitives.

Arithmetic uses Python's operators (NumPy's ufuncs underneath): on NumPy
scalars they take NumPy's fast scalar path, an order of magnitude quicker
than calling the ufunc.

Each entry is one line: the forward NumPy function and the derivative
``f'(ans, x)``; ``_unary`` turns it into the VJP ``g * f'`` and the JVP
``t * f'``.  Binary ops list one rule per argument.  Broadcasting is undone by
the engine (``tensor._sum_to``), never here.
"""
import operator

import numpy as np

from ..tensor import Primitive, Tensor


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _unary(fwd, name, deriv, saves=True):
    """An elementwise primitive defined by its derivative ``deriv(ans, x)``
    (``saves``: which of ans and x the derivative reads, see Primitive)."""
    p = Primitive(fwd, name, batchable=True, bcast=True, saves=saves)
    p.defvjp(lambda g, ans, x: g * deriv(ans, x))
    p.defjvp(lambda t, ans, x: t * deriv(ans, x))
    return p


def zeros_like_g(g):
    """A zero gradient shaped like ``g`` (raw array: zeros carry no graph)."""
    d = _data(g)
    return np.zeros(np.shape(d), dtype=getattr(d, "dtype", None) or np.float64)


# ---- arithmetic ---------------------------------------------------------------
add = Primitive(operator.add, "add", batchable=True, bcast=True, saves=False)
add.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: g)
add.defjvp(lambda t, ans, x, y: t, lambda t, ans, x, y: t)
subtract = Primitive(operator.sub, "subtract", batchable=True, bcast=True, saves=False)
subtract.defvjp(lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
subtract.defjvp(lambda t, ans, x, y: t, lambda t, ans, x, y: -t)
negative = Primitive(operator.neg, "negative", batchable=True, bcast=True, saves=False)
negative.defvjp(lambda g, ans, x: -g)
negative.defjvp(lambda t, ans, x: -t)
positive = Primitive(operator.pos, "positive", batchable=True, bcast=True, saves=False)
positive.defvjp(lambda g, ans, x: g)
positive.defjvp(lambda t, ans, x: t)

multiply = Primitive(operator.mul, "multiply", batchable=True, bcast=True, saves="args")
multiply.defvjp(lambda g, ans, x, y: g * y, lambda g, ans, x, y: x * g)
multiply.defjvp(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)

divide = Primitive(operator.truediv, "divide", batchable=True, bcast=True)
divide.defvjp(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y)
divide.defjvp(lambda t, ans, x, y: t / y, lambda t, ans, x, y: -t * ans / y)


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


power = Primitive(operator.pow, "power", batchable=True, bcast=True)
power.defvjp(lambda g, ans, x, y: g * _pow_dx(ans, x, y),
             lambda g, ans, x, y: g * _pow_dy(ans, x, y))
power.defjvp(lambda t, ans, x, y: t * _pow_dx(ans, x, y),
             lambda t, ans, x, y: t * _pow_dy(ans, x, y))

# ---- unary functions, one derivative each ---------------------------------------
exp = _unary(np.exp, "exp", lambda ans, x: ans, "ans")
log = _unary(np.log, "log", lambda ans, x: 1 / x, "args")
log1p = _unary(np.log1p, "log1p", lambda ans, x: 1 / (x + 1), "args")
expm1 = _unary(np.expm1, "expm1", lambda ans, x: ans + 1, "ans")
sqrt = _unary(np.sqrt, "sqrt", lambda ans, x: 0.5 / ans, "ans")
square = _unary(np.square, "square", lambda ans, x: 2 * x, "args")
sin = _unary(np.sin, "sin", lambda ans, x: cos(x), "args")
cos = _unary(np.cos, "cos", lambda ans, x: -sin(x), "args")
tan = _unary(np.tan, "tan", lambda ans, x: 1 + ans * ans, "ans")
arcsin = _unary(np.arcsin, "arcsin", lambda ans, x: 1 / sqrt(1 - x * x), "args")
arccos = _unary(np.arccos, "arccos", lambda ans, x: -1 / sqrt(1 - x * x), "args")
arctan = _unary(np.arctan, "arctan", lambda ans, x: 1 / (1 + x * x), "args")
sinh = _unary(np.sinh, "sinh", lambda ans, x: cosh(x), "args")
cosh = _unary(np.cosh, "cosh", lambda ans, x: sinh(x), "args")
tanh = _unary(np.tanh, "tanh", lambda ans, x: 1 - ans * ans, "ans")
abs = _unary(np.abs, "abs", lambda ans, x: sign(x), "args")  # noqa: A001 - NumPy's name


def _sigmoid(x):
    # exp of a non-positive number only: no overflow for any x
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary(_sigmoid, "sigmoid", lambda ans, x: ans * (1 - ans), "ans")
softplus = _unary(lambda x: np.logaddexp(0, x), "softplus", lambda ans, x: sigmoid(x), "args")
relu = _unary(lambda x: np.maximum(x, 0), "relu", lambda ans, x: _data(ans) > 0, "ans")


def _zero_grad_op(fwd, name):
    p = Primitive(fwd, name, batchable=True)
    p.defvjp(lambda g, ans, x: zeros_like_g(g))
    p.defjvp(lambda t, ans, x: zeros_like_g(t))
    return p


sign = _zero_grad_op(np.sign, "sign")
floor = _zero_grad_op(np.floor, "floor")
ceil = _zero_grad_op(np.ceil, "ceil")
trunc = _zero_grad_op(np.trunc, "trunc")
rint = _zero_grad_op(np.rint, "rint")


def _round(x, decimals=0):
    return np.round(x, decimals)


round = Primitive(_round, "round", batchable=True)  # noqa: A001
round.defvjp(lambda g, ans, x, decimals=0: zeros_like_g(g))
round.defjvp(lambda t, ans, x, decimals=0: zeros_like_g(t))


# ---- comparisons of two arguments with a selection derivative ----------------
def _max_weight(x, y):
    """1 where x wins, 1/2 on ties, 0 where y wins (raw: carries no graph)."""
    x, y = _data(x), _data(y)
    w = (x > y) + (x == y) * 0.5
    dt = np.result_type(x, y)
    return w.astype(dt) if dt.kind == "f" and w.dtype != dt else w


maximum = Primitive(np.maximum, "maximum", batchable=True, bcast=True, saves="args")
maximum.defvjp(lambda g, ans, x, y: g * _max_weight(x, y),
               lambda g, ans, x, y: g * _max_weight(y, x))
maximum.defjvp(lambda t, ans, x, y: t * _max_weight(x, y),
               lambda t, ans, x, y: t * _max_weight(y, x))

minimum = Primitive(np.minimum, "minimum", batchable=True, bcast=True, saves="args")
minimum.defvjp(lambda g, ans, x, y: g * _max_weight(y, x),
               lambda g, ans, x, y: g * _max_weight(x, y))
minimum.defjvp(lambda t, ans, x, y: t * _max_weight(y, x),
               lambda t, ans, x, y: t * _max_weight(x, y))


def _where(cond, x, y):
    return np.where(cond, x, y)


where = Primitive(_where, "where", batchable=True, bcast=True, saves="args")
where.defvjp(None,
             lambda g, ans, c, x, y: _select(c, g, True),
             lambda g, ans, c, x, y: _select(c, g, False))
where.defjvp(None,
             lambda t, ans, c, x, y: _select(c, t, True),
             lambda t, ans, c, x, y: _select(c, t, False))


def _select(c, g, keep_true):
    c = _data(c)
    return where(c, g, 0.0) if keep_true else where(c, 0.0, g)


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


clip = Primitive(_clip, "clip", batchable=True, bcast=True, saves="args")
clip.defvjp(lambda g, ans, x, lo, hi: g * _in_range(x, lo, hi),
            lambda g, ans, x, lo, hi: g * (_data(x) < _data(lo)),
            lambda g, ans, x, lo, hi: g * (_data(x) > _data(hi)))
clip.defjvp(lambda t, ans, x, lo, hi: t * _in_range(x, lo, hi),
            lambda t, ans, x, lo, hi: t * (_data(x) < _data(lo)),
            lambda t, ans, x, lo, hi: t * (_data(x) > _data(hi)))


def _astype(x, dtype):
    return x.astype(dtype, copy=False)


astype = Primitive(_astype, "astype", batchable=True, saves=False)
astype.defvjp(lambda g, ans, x, dtype: astype(g, _data(x).dtype))
astype.defjvp(lambda t, ans, x, dtype: astype(t, dtype))
