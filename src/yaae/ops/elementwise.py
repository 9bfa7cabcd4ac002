"""Elementwise primitives, one declaration each (see ``registry``).

Arithmetic uses Python's operators (NumPy's ufuncs underneath): on NumPy
scalars they take NumPy's fast scalar path, an order of magnitude quicker
than calling the ufunc.

Most entries give the forward NumPy function and the partial derivative
``d(ans, *args)`` per argument; the VJP ``g * d`` and the JVP ``t * d`` are
made from it by the registry.  Linear
ones (add, subtract, negative) spell their rules out, to skip a
multiplication by one.  Broadcasting is undone by the engine
(``tensor._sum_to``), never here.

Rules are quiet: at an edge input (0, inf, NaN, 1e308, ...) a rule's value is
PyTorch's (inf, NaN, or the exact limit), and it never prints NumPy's
RuntimeWarning ("divide by zero" inside a rule is yaae's business, not the
user's): the engine runs sweeps and tangent rules with NumPy's
floating-point warnings off.  Forward values are NumPy's, warnings included: ``ya.log(0)`` warns
as ``np.log(0)`` does.  Where the natural rule would be 0 * inf, a "double
where" keeps it, and the rule's own derivative, finite (``_over``).

Where an op has a kink, a jump or a singularity, the derivative there is
PyTorch's: ``maximum``/``minimum`` split ties (and give a NaN's gradient to
both arguments, as ``relu`` passes it), ``fmax``/``fmin`` give them
to the first argument (and ignore a NaN argument); ``arctan2`` is 0 at the
origin; ``copysign`` is 0 in x at x == 0; ``remainder``/``fmod`` have
d/dy = -floor(x/y) / -trunc(x/y); piecewise-constant ops (``floor``,
``floor_divide``, ...) have derivative 0.  ``hypot`` is 0 at the origin (where
PyTorch gives NaN), like ``abs``.  ``sinc``'s derivatives are exact at 0 and
accurate near it, to every order.  ``logaddexp``'s is sigmoid(x - y), exact
at x = inf and at x = y = 1e308.  The table in ``tests/test_edge_values.py``
checks every one of these against PyTorch and lists where yaae differs.
"""
import functools
import math
import operator

import numpy as np

from ..tensor import Tensor, _data
from .registry import defop, defnondiff

def quietly(fn):
    """Decorator: ``fn`` (a composite's body) runs with NumPy's floating-point
    warnings off, as PyTorch's ops do: its inf/NaN results stay.  (Rules need
    no such wrapper: the engine runs every backward sweep and every tangent
    rule with them off.)"""
    @functools.wraps(fn)
    def run(*a, **k):
        with np.errstate(all="ignore"):
            return fn(*a, **k)
    return run


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
def _div(a, y):
    """a / y; a Python zero divisor gives inf/NaN as an array's would (Python's / raises)."""
    return np.true_divide(a, y) if type(y) in (int, float) and not y else a / y


divide = defop("divide", operator.truediv, numpy=(np.divide,), bcast=True,
               method=("__truediv__", "__rtruediv__", "div"), aliases=("true_divide",),
               deriv=(lambda ans, x, y: _div(1, y), lambda ans, x, y: _div(-ans, y)))


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
def _one_minus_square(t):
    return 1 - t * t


# tanh's derivative 1 - tanh(x)**2 as one primitive of tanh's output (not a
# product of the output with itself, a subtraction): differentiating it (a
# Hessian, an hvp) costs one elementwise product, not four
_tanh_d = defop("tanh_deriv", _one_minus_square, bcast=True, saves="args", register=False,
                deriv=lambda ans, t: -2 * t)
# (a plain sweep's arrays skip the primitive's dispatch: this runs once per tanh)
tanh = _unary("tanh", np.tanh, lambda ans, x: _tanh_d(ans) if isinstance(ans, Tensor)
              else _one_minus_square(ans), "ans")


def _abs_vjp(g, ans, x):
    """Real x: g sign(x).  Complex x (JAX's convention, see ops.complex):
    |z| changes by Re(conj(z)/|z| dz), so g conj(sign(z)) (0 at z == 0)."""
    if _data(x).dtype.kind == "c":
        from .complex import conjugate
        return g * conjugate(sign(x))
    return g * sign(x)


def _abs_jvp(t, ans, x):
    if _data(x).dtype.kind == "c":
        from .complex import conjugate, real
        return real(t * conjugate(sign(x)))
    return t * sign(x)


abs = _unary("abs", np.abs, None, "args",  # noqa: A001 - NumPy's name
             method=("abs", "__abs__"), aliases=("absolute",), vjp=_abs_vjp, jvp=_abs_jvp)


def _sigmoid(x):
    # exp of a non-positive number only: no overflow for any x
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary("sigmoid", _sigmoid, lambda ans, x: ans * (1 - ans), "ans", numpy=())
def _softplus(x):
    with np.errstate(invalid="ignore"):     # NaN in, NaN out, quietly (PyTorch's)
        return np.logaddexp(0, x)


softplus = _unary("softplus", _softplus, lambda ans, x: sigmoid(x), "args", numpy=())
# derivative 1 where ans > 0 and at NaN (the NaN passes through, as PyTorch's);
# ans = max(x, 0) is never negative, so that is ans != 0 (one pass; -0.0 gives 0)
relu = _unary("relu", lambda x: np.maximum(x, 0), lambda ans, x: _data(ans) != 0, "ans",
              numpy=())


def _zero_grad_op(name, fwd, method=False, numpy=None, **kw):
    """A piecewise-constant op: derivative zero wherever it exists."""
    return defop(name, fwd, numpy=fwd if numpy is None else numpy, method=method,
                  vjp=lambda g, ans, x, *a, **k: zeros_like_g(g),
                  jvp=lambda t, ans, x, *a, **k: zeros_like_g(t), **kw)


def _csign_parts(x):
    """sign(z) = z/|z| and 1/|z| (0 where z == 0), for complex z."""
    r = abs(x)
    zero = _data(r) == 0
    inv = where(zero, 0.0, 1 / where(zero, 1.0, r))
    return sign(x), inv


def _sign_vjp(g, ans, x):
    """Real x: 0.  Complex x, s = z/|z| (JAX's convention): (g - Re(g s) conj(s)) / |z|."""
    if _data(x).dtype.kind != "c":
        return zeros_like_g(g)
    from .complex import conjugate, real
    s, inv = _csign_parts(x)
    return (g - real(g * s) * conjugate(s)) * inv


def _sign_jvp(t, ans, x):
    if _data(x).dtype.kind != "c":
        return zeros_like_g(t)
    from .complex import conjugate, real
    s, inv = _csign_parts(x)
    return (t - s * real(conjugate(s) * t)) * inv


sign = defop("sign", np.sign, numpy=np.sign, method=True, vjp=_sign_vjp, jvp=_sign_jvp)
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
    """1 where x wins, 1/2 on ties, 0 where y wins (raw: carries no graph).
    Where either is NaN (the result is NaN) both get 1, as PyTorch's: the NaN
    is not hidden behind a zero gradient."""
    x, y = _data(x), _data(y)
    w = 1 - (x < y) - (x == y) * 0.5
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


def _astype_jvp(t, ans, x, dtype):
    if np.iscomplexobj(_data(t)) and np.dtype(dtype).kind != "c":
        from .complex import real
        t = real(t)            # complex to real keeps the real part, as the value does
    return astype(t, dtype)


# the VJP is the identity: the engine casts every gradient to its input's
# dtype (the real part of a complex one for a real input)
astype_p = defop("astype", _astype, saves=False, register=False,
                  vjp=lambda g, ans, x, dtype: g, jvp=_astype_jvp)


from .registry import defcomposite as _defcomposite  # noqa: E402


@_defcomposite()
def astype(x, dtype):
    """``x`` cast to ``dtype``.  A cast to a floating or complex dtype is
    differentiable; a cast to an integer, boolean (or any other) dtype ends
    the graph, as PyTorch's ``.to(torch.int64)`` does: the result requires no
    grad and carries no tangent (its values have no derivative)."""
    dt = np.dtype(dtype)
    if dt.kind not in "fc" and isinstance(x, Tensor):
        from ..tensor import _wrap
        return _wrap(x.data.astype(dt))
    return astype_p(x, dt)


# ---- more of NumPy's ufuncs (issue #8) ------------------------------------------------
# Constants are Python floats, so float32 stays float32 (a NumPy float64 scalar
# would promote it).
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_D2R = math.pi / 180.0
_R2D = 180.0 / math.pi

arcsinh = _unary("arcsinh", np.arcsinh, lambda ans, x: 1 / sqrt(x * x + 1), "args")
arccosh = _unary("arccosh", np.arccosh, lambda ans, x: 1 / sqrt((x - 1) * (x + 1)), "args")
arctanh = _unary("arctanh", np.arctanh, lambda ans, x: 1 / (1 - x * x), "args")
exp2 = _unary("exp2", np.exp2, lambda ans, x: ans * _LN2, "ans")
log2 = _unary("log2", np.log2, lambda ans, x: 1 / (x * _LN2), "args")
log10 = _unary("log10", np.log10, lambda ans, x: 1 / (x * _LN10), "args")
reciprocal = _unary("reciprocal", np.reciprocal, lambda ans, x: -(ans * ans), "ans")
# ans**-2 / 3: at 0 its own derivative is -2/3 ans**-3 (inf), not 1/0 * 0 (NaN)
cbrt = _unary("cbrt", np.cbrt, lambda ans, x: ans ** -2 / 3, "ans")
deg2rad = _unary("deg2rad", np.deg2rad, lambda ans, x: _D2R, False,
                 numpy=(np.deg2rad, np.radians), aliases=("radians",))
rad2deg = _unary("rad2deg", np.rad2deg, lambda ans, x: _R2D, False,
                 numpy=(np.rad2deg, np.degrees), aliases=("degrees",))
fabs = _unary("fabs", np.fabs, lambda ans, x: sign(x), "args")


def _sinc_dk(x, k):
    """The k-th derivative (k >= 1) of NumPy's sinc, sin(pi x)/(pi x), at x:
    exact at 0 and accurate near it (the Maclaurin series of sin(u)/u, u = pi x,
    where |u| < k + 2), Leibniz's rule on sin(u) * (1/u) elsewhere."""
    xa = np.asarray(x)
    dt = np.result_type(xa.dtype, 1.0)
    u = np.asarray(xa * math.pi, dtype=dt)
    out = np.empty(u.shape, dtype=dt)
    small = np.abs(u) < k + 2
    if small.any():                     # sum_n (-1)^n u^(2n-k) (2n)! / ((2n-k)! (2n+1)!)
        us = u[small]
        acc = np.zeros(us.shape, dtype=dt)
        for n in range((k + 1) // 2, (k + 1) // 2 + 30):
            c = (-1) ** n * math.factorial(2 * n) / (math.factorial(2 * n - k)
                                                     * math.factorial(2 * n + 1))
            acc += c * us ** (2 * n - k)
        out[small] = acc
    big = ~small
    if big.any():                       # sum_j C(k,j) sin(u + j pi/2) (-1)^(k-j) (k-j)! / u^(k-j+1)
        ub = u[big]
        acc = np.zeros(ub.shape, dtype=dt)
        s, c = np.sin(ub), np.cos(ub)
        for j in range(k + 1):
            sj = (s, c, -s, -c)[j % 4]
            m = k - j
            acc += (math.comb(k, j) * (-1) ** m * math.factorial(m)) * sj / ub ** (m + 1)
        out[big] = acc
    out *= math.pi ** k
    return out if out.ndim or type(x) is np.ndarray else out[()]


# the k-th derivative of sinc, whose derivative is the (k+1)-th: every order is exact
_sinc_d = defop("sinc_deriv", _sinc_dk, bcast=True, saves="args", register=False,
                deriv=(lambda ans, x, k: _sinc_d(x, k + 1), None))
sinc = _unary("sinc", np.sinc, lambda ans, x: _sinc_d(x, 1), "args")


# d/dx logaddexp(x, y) = sigmoid(x - y) (PyTorch's 1 / (1 + exp(y - x))): exact
# where exp(x - ans) is not -- 1 at x = inf (not exp(inf - inf)), 1/2 at
# x = y = 1e308 (where ans rounds to x); logaddexp2 the same in base 2
logaddexp = defop("logaddexp", np.logaddexp, numpy=np.logaddexp, bcast=True, method=True,
                  saves="args", deriv=(lambda ans, x, y: sigmoid(x - y),
                                       lambda ans, x, y: sigmoid(y - x)))
logaddexp2 = defop("logaddexp2", np.logaddexp2, numpy=np.logaddexp2, bcast=True,
                   method=True, saves="args",
                   deriv=(lambda ans, x, y: sigmoid((x - y) * _LN2),
                          lambda ans, x, y: sigmoid((y - x) * _LN2)))


def _over(num, den):
    """num / den, 0 where den == 0: the "double where", so that the derivative
    of this is 0 there too (not 1/1 from the safe denominator, nor NaN)."""
    z = _data(den) == 0
    if not np.any(z):
        return num / den
    return where(z, 0.0, num / where(z, 1.0, den))


# arctan2(x1, x2): d/dx1 = x2/(x1²+x2²), d/dx2 = -x1/(x1²+x2²); 0 at the origin (as PyTorch)
arctan2 = defop("arctan2", np.arctan2, numpy=np.arctan2, bcast=True, saves="args",
                method=True, deriv=(lambda ans, x1, x2: _over(x2, x1 * x1 + x2 * x2),
                                    lambda ans, x1, x2: _over(-x1, x1 * x1 + x2 * x2)))
# hypot: d/dx = x/hypot; at the origin 0 (the subgradient abs has there; PyTorch gives NaN)
hypot = defop("hypot", np.hypot, numpy=np.hypot, bcast=True, method=True,
              deriv=(lambda ans, x, y: _over(x, ans), lambda ans, x, y: _over(y, ans)))


def _fmax_weight(x, y):
    """1 where fmax(x, y) takes x (x >= y, or y is NaN), else 0: ties go to x,
    as PyTorch's fmax/fmin (unlike maximum, which splits them)."""
    x, y = _data(x), _data(y)
    with np.errstate(invalid="ignore"):
        return (x >= y) | np.isnan(y)


def _fmin_weight(x, y):
    x, y = _data(x), _data(y)
    with np.errstate(invalid="ignore"):
        return (x <= y) | np.isnan(y)


fmax = defop("fmax", np.fmax, numpy=np.fmax, bcast=True, saves="args", method=True,
             deriv=(lambda ans, x, y: _fmax_weight(x, y),
                    lambda ans, x, y: ~_fmax_weight(x, y)))
fmin = defop("fmin", np.fmin, numpy=np.fmin, bcast=True, saves="args", method=True,
             deriv=(lambda ans, x, y: _fmin_weight(x, y),
                    lambda ans, x, y: ~_fmin_weight(x, y)))


def _one(ans, x, y):
    return 1.0


def _remainder_dy(ans, x, y):
    """-floor_divide(x, y): remainder(x, y) = x - floor_divide(x, y) * y (as PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.floor_divide(_data(x), _data(y))


def _fmod_dy(ans, x, y):
    """-trunc(x / y): fmod(x, y) = x - trunc(x / y) * y (as PyTorch), the integer
    read off the computed remainder so that it matches the forward exactly."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.rint((_data(x) - _data(ans)) / _data(y))


remainder = defop("remainder", np.remainder, numpy=np.remainder, bcast=True, aliases=("mod",),
                  method=("__mod__", "__rmod__", "remainder"), deriv=(_one, _remainder_dy))
fmod = defop("fmod", np.fmod, numpy=np.fmod, bcast=True, method=True,
             deriv=(_one, _fmod_dy))


def _zero_vjp(g, ans, *a):
    return zeros_like_g(g)


# floor(x / y): piecewise constant in both arguments (PyTorch defines no derivative)
floor_divide = defop("floor_divide", np.floor_divide, numpy=np.floor_divide, bcast=True,
                     saves=False, method=("__floordiv__", "__rfloordiv__", "floor_divide"),
                     vjp=(_zero_vjp, _zero_vjp), jvp=(_zero_vjp, _zero_vjp))


def _copysign_dx(ans, x, y):
    """|x| with y's sign: d/dx = sign(x) * (the sign given), 0 at x == 0 (as PyTorch)."""
    return np.sign(_data(x)) * np.sign(_data(ans))


copysign = defop("copysign", np.copysign, numpy=np.copysign, bcast=True, method=True,
                 vjp=(lambda g, ans, x, y: g * _copysign_dx(ans, x, y), _zero_vjp),
                 jvp=(lambda t, ans, x, y: t * _copysign_dx(ans, x, y), _zero_vjp))


# heaviside(x1, x2): 0, x2 or 1 as x1 < 0, == 0, > 0: derivative 0 in x1 (a.e.),
# 1 in x2 where x1 == 0 and 0 elsewhere
heaviside = defop("heaviside", np.heaviside, numpy=np.heaviside, bcast=True, saves="args",
                  method=True,
                  vjp=(_zero_vjp, lambda g, ans, x1, x2: _select(_data(x1) == 0, g, True)),
                  jvp=(_zero_vjp, lambda t, ans, x1, x2: _select(_data(x1) == 0, t, True)))


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    # always a copy: a Tensor's data is never changed in place
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


def _finite(ans, x, *a, **k):
    """1 where nan_to_num kept the value (finite), 0 where it replaced it."""
    return np.isfinite(_data(x))


nan_to_num = defop("nan_to_num", _nan_to_num, numpy=np.nan_to_num, saves="args",
                   method=True, deriv=_finite)
