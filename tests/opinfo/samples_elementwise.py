"""Samples for the elementwise family (``yaae/ops/elementwise.py``), and the
elementwise composites ``clip``, ``clamp`` and ``leaky_relu``.

Each op gets: small samples (order 2 on one of them), broadcasting for binary
ops ((3,4)&(4,), (2,1,3)&(4,1), ()&(5,)), a Python-float second argument, a
float32 sample whose ``check`` asserts float32 values (equal to NumPy's) and
float32 gradients, PyTorch oracles wherever PyTorch has the op, and one sample
of more than 256 differentiated elements.  Inputs stay away from the kinks,
jumps and singularities of each op.
"""
import numpy as np
import torch
import torch.nn.functional as TF

import yaae as ya

from . import Sample, add, rand, randn, pos, nonzero, distinct, _rng

F32 = np.float32


def T(fn):
    """``fn`` with its non-tensor number arguments made float64 tensors
    (PyTorch's binary functions want tensors where NumPy takes numbers)."""
    def f(*args, **kw):
        return fn(*[torch.tensor(a, dtype=torch.float64)
                    if isinstance(a, (float, int)) and not isinstance(a, bool) else a
                    for a in args], **kw)
    return f


def f32(name, npfn=None, diff=(0,)):
    """A ``check`` for a float32 sample: the value is float32 and equals
    ``npfn``'s (NumPy's own function on the same arguments), and the gradients
    of the differentiated arguments are float32."""
    def check(out, *args):
        assert out.dtype == np.float32, out.dtype
        if npfn is not None:
            want = npfn(*args)
            assert np.asarray(want).dtype == np.float32
            np.testing.assert_array_equal(out.data, want)
        fn = getattr(ya, name)

        def loss(*xs):
            a = list(args)
            for i, x in zip(diff, xs):
                a[i] = x
            return ya.sum(fn(*a))
        gs = ya.grad(loss, argnums=tuple(range(len(diff))))(*[args[i] for i in diff])
        for gr in gs:
            assert np.asarray(gr).dtype == np.float32, np.asarray(gr).dtype
            assert np.all(np.isfinite(gr))
    return check


def unary(name, tfn, make, npfn=None, big=(20, 15), **kw):
    """The standard samples of a unary op: ``make(*shape)`` draws inputs in its domain."""
    npfn = getattr(np, name) if npfn is None else (npfn or None)
    add(name,
        Sample(make(3, 4), torch=tfn, order2=True, **kw),
        Sample(make(5), torch=tfn, **kw),
        Sample(np.asarray(make(1)[0]), torch=tfn, order2=True, **kw),
        Sample(make(2, 3).astype(F32), fd=False, check=f32(name, npfn), name="float32"),
        Sample(make(*big), torch=tfn, **kw))


def binary(name, tfn, mx, my=None, npfn=None, scalar=0.7, order2=True, **kw):
    """The standard samples of a binary broadcasting op (``mx``/``my`` draw inputs)."""
    my = my or mx
    npfn = npfn or getattr(np, name)
    tfn = T(tfn) if tfn is not None else None
    add(name,
        Sample(mx(3, 4), my(3, 4), torch=tfn, order2=order2, **kw),
        Sample(mx(3, 4), my(4), torch=tfn, **kw),
        Sample(mx(2, 1, 3), my(4, 1), torch=tfn, **kw),
        Sample(np.asarray(mx(1)[0]), my(5), torch=tfn, order2=order2, **kw),
        Sample(mx(2, 3), float(my(1)[0]) if scalar is None else scalar, torch=tfn, **kw),
        Sample(float(mx(1)[0]) if scalar is None else scalar, my(2, 3), torch=tfn, **kw),
        Sample(mx(2, 3).astype(F32), my(3).astype(F32), fd=False,
               check=f32(name, npfn, diff=(0, 1)), name="float32"),
        Sample(mx(2, 3).astype(F32), scalar if scalar is not None else float(my(1)[0]),
               fd=False, check=f32(name, npfn), name="float32-pyscalar"),
        Sample(mx(20, 15), my(15), torch=tfn, **kw))


def inside(low, high):
    """Draws uniform in (low, high)."""
    return lambda *s: rand(*s, low=low, high=high)


def away_from_int(scale=1.0):
    """Draws in (-3, 3) * scale at least 0.05 from any multiple of 0.5 (no jumps
    of floor/ceil/round/rint nor ties of rint near the inputs)."""
    def make(*s):
        v = rand(*s, low=-3.0, high=3.0)
        v = np.where(np.abs(v * 2 - np.round(v * 2)) < 0.1, v + 0.13, v)
        return v * scale
    return make


def ratio_ok(x, y):
    """x, y with x / y at least 0.02 away from an integer (no jump of the
    floor/trunc inside remainder, fmod and floor_divide)."""
    q = x / y
    bad = np.abs(q - np.round(q)) < 0.02
    return np.where(bad, x + 0.05 * y, x)


# ---- arithmetic --------------------------------------------------------------------------
binary("add", torch.add, randn)
binary("subtract", torch.sub, randn)
binary("multiply", torch.mul, randn)
binary("divide", torch.div, randn, nonzero, scalar=-1.3)
binary("power", torch.pow, pos, randn, scalar=None)
add("power",
    Sample(randn(3, 4), 2.0, torch=torch.pow, order2=True, name="x**2"),
    Sample(randn(3, 4), 3, torch=torch.pow, order2=True, name="x**3(int)"),
    Sample(pos(3, 4), -0.5, torch=torch.pow, name="x**-0.5"),
    Sample(2.0, randn(3, 4), torch=T(torch.pow), order2=True, name="2**y"))
unary("negative", torch.neg, randn)
unary("positive", torch.positive, randn)

# ---- unary functions ---------------------------------------------------------------------
unary("exp", torch.exp, randn)
unary("log", torch.log, pos)
unary("log1p", torch.log1p, inside(-0.8, 3.0))
unary("expm1", torch.expm1, randn)
unary("sqrt", torch.sqrt, pos)
unary("square", torch.square, randn)
unary("sin", torch.sin, randn)
unary("cos", torch.cos, randn)
unary("tan", torch.tan, inside(-1.2, 1.2))
unary("arcsin", torch.asin, inside(-0.9, 0.9))
unary("arccos", torch.acos, inside(-0.9, 0.9))
unary("arctan", torch.atan, randn)
unary("sinh", torch.sinh, randn)
unary("cosh", torch.cosh, randn)
unary("tanh", torch.tanh, randn)
unary("abs", torch.abs, nonzero)
unary("sigmoid", torch.sigmoid, lambda *s: randn(*s) * 3, npfn=False)
add("sigmoid", Sample(np.array([-800.0, -40.0, 0.0, 40.0, 800.0]), torch=torch.sigmoid,
                      name="extremes"))
unary("softplus", TF.softplus, lambda *s: randn(*s) * 3,
      npfn=lambda x: np.logaddexp(F32(0), x))
unary("relu", torch.relu, nonzero, npfn=lambda x: np.maximum(x, F32(0)))

# piecewise constant: derivative zero wherever it exists (checked by finite
# differences away from the jumps, and against PyTorch)
unary("sign", torch.sign, nonzero)
unary("floor", torch.floor, away_from_int())
unary("ceil", torch.ceil, away_from_int())
unary("trunc", torch.trunc, away_from_int())
unary("rint", torch.round, away_from_int())
unary("round", torch.round, away_from_int())
add("round",
    Sample(away_from_int(0.1)(3, 4), 1, torch=lambda x, d: torch.round(x, decimals=d),
           order2=True, name="decimals=1"),
    Sample(away_from_int(0.1)(3, 4), kw={"decimals": 1},
           torch=lambda x, decimals: torch.round(x, decimals=decimals), name="decimals=kw"))

# ---- selections --------------------------------------------------------------------------
binary("maximum", torch.maximum, lambda *s: distinct(*s), randn)
binary("minimum", torch.minimum, lambda *s: distinct(*s), randn)
_ties = np.array([1.0, 2.0, -0.5, 3.0])
add("maximum", Sample(_ties, np.array([1.0, 1.5, -0.5, 4.0]), torch=torch.maximum, fd=False,
                      name="ties-split"))
add("minimum", Sample(_ties, np.array([1.0, 1.5, -0.5, 4.0]), torch=torch.minimum, fd=False,
                      name="ties-split"))

_cond = _rng.random((3, 4)) > 0.5
add("where",
    Sample(_cond, randn(3, 4), randn(3, 4), torch=torch.where, order2=True),
    Sample(_cond, randn(4), randn(3, 1), torch=torch.where),
    Sample(_cond[:, :1], randn(2, 1, 4), randn(4), torch=torch.where),
    Sample(_cond, randn(3, 4), 0.0, torch=T(torch.where), name="scalar-y"),
    Sample(_cond, randn(3, 4).astype(F32), randn(4).astype(F32), fd=False,
           check=f32("where", np.where, diff=(1, 2)), name="float32"),
    Sample(_rng.random((20, 15)) > 0.5, randn(20, 15), randn(15), torch=torch.where))


def _torch_clip(x, lo, hi):
    return torch.clamp(x, torch.as_tensor(lo, dtype=torch.float64) if lo is not None else None,
                       torch.as_tensor(hi, dtype=torch.float64) if hi is not None else None)


def _clip_samples(name, **kw):
    x = randn(3, 4)
    lo = np.where(np.abs(x + 0.3) < 0.05, -0.5, -0.3)        # bounds away from x
    hi = np.full(4, 0.6)
    xb = randn(20, 15)
    xb = np.where(np.abs(np.abs(xb) - 0.5) < 0.02, xb * 1.1, xb)
    add(name,
        Sample(x, -0.3, 0.6, torch=_torch_clip, order2=True),
        Sample(x, lo, hi, torch=_torch_clip, order2=True, name="array-bounds"),
        Sample(x, None, 0.6, torch=_torch_clip, name="upper-only"),
        Sample(x, -0.3, None, torch=_torch_clip, name="lower-only"),
        Sample(x.astype(F32), F32(-0.3), F32(0.6), fd=False,
               check=f32(name, lambda a, lo, hi: np.clip(a, lo, hi)), name="float32"),
        Sample(xb, -0.5, 0.5, torch=_torch_clip))


_clip_samples("clip")
_clip_samples("clamp")
add("clip", Sample(randn(3, 4), kw={"a_min": -0.3, "a_max": 0.6},
                   torch=lambda x, a_min, a_max: torch.clamp(x, a_min, a_max), name="kw"))
add("leaky_relu",
    Sample(nonzero(3, 4), torch=TF.leaky_relu, order2=True),
    Sample(nonzero(5), 0.2, torch=TF.leaky_relu, name="slope=0.2"),
    Sample(nonzero(2, 3).astype(F32), fd=False, name="float32",
           check=f32("leaky_relu", lambda x: np.where(x > 0, x, x * F32(0.01)))),
    Sample(nonzero(20, 15), torch=TF.leaky_relu))


def _astype_check(out, x, dtype):
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.data, x.astype(dtype))
    g = ya.grad(lambda v: ya.sum(ya.astype(v, dtype) * 3))(x)
    assert g.dtype == x.dtype and np.all(g == 3)


add("astype",
    Sample(randn(3, 4), np.float64, torch=lambda x, d: x.to(torch.float64), order2=True),
    Sample(randn(3, 4).astype(F32), np.float64, fd=False, check=_astype_check, name="f32->f64"),
    Sample(randn(3, 4), np.float32, fd=False, check=_astype_check, name="f64->f32"),
    Sample(randn(20, 15), np.float64, torch=lambda x, d: x.to(torch.float64)))

# ---- the ufuncs of issue #8 ----------------------------------------------------------------
unary("arcsinh", torch.asinh, lambda *s: randn(*s) * 2)
unary("arccosh", torch.acosh, inside(1.2, 4.0))
unary("arctanh", torch.atanh, inside(-0.9, 0.9))
unary("exp2", torch.exp2, randn)
unary("log2", torch.log2, pos)
unary("log10", torch.log10, pos)
unary("reciprocal", torch.reciprocal, nonzero)
unary("cbrt", None, nonzero)
add("cbrt", Sample(nonzero(3, 4), fd=False, name="vs-numpy",
                   check=lambda out, x: np.testing.assert_allclose(
                       ya.grad(lambda v: ya.sum(ya.cbrt(v)))(x),
                       1 / (3 * np.abs(x) ** (2 / 3)), rtol=1e-13)))
unary("deg2rad", torch.deg2rad, lambda *s: randn(*s) * 90)
unary("rad2deg", torch.rad2deg, randn)
unary("fabs", torch.abs, nonzero)
unary("sinc", torch.sinc, lambda *s: randn(*s) * 2)
add("sinc",
    Sample(np.array([0.0, -1e-4, 0.3, 1.0, 2.5, -0.0]), torch=torch.sinc, order2=True,
           name="at-and-near-0"),
    # (PyTorch's derivative loses all its digits to cancellation this close to 0)
    Sample(np.array([1e-9, -1e-7, 1e-12]), order2=True, name="very-near-0"),
    Sample(np.asarray(0.0), torch=torch.sinc, order2=True, name="0-d-zero"))

binary("logaddexp", torch.logaddexp, lambda *s: randn(*s) * 3)
binary("logaddexp2", torch.logaddexp2, lambda *s: randn(*s) * 3)
add("logaddexp", Sample(np.array([-800.0, 700.0, 0.0]), np.array([-790.0, 710.0, -1000.0]),
                        torch=torch.logaddexp, name="extremes"))
binary("arctan2", torch.atan2, nonzero)
add("arctan2", Sample(np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, -2.0]),
                      torch=torch.atan2, fd=False, name="origin-and-axes"))
binary("hypot", torch.hypot, nonzero)

# fmax/fmin: ties give the whole gradient to the first argument and a NaN
# argument none (as PyTorch); away from ties and NaNs they are maximum/minimum
binary("fmax", torch.fmax, lambda *s: distinct(*s), randn)
binary("fmin", torch.fmin, lambda *s: distinct(*s), randn)
_nan = np.nan
for _n, _t in (("fmax", torch.fmax), ("fmin", torch.fmin)):
    add(_n, Sample(np.array([1.0, 1.0, 2.0, _nan, 1.0, _nan]),
                   np.array([1.0, 2.0, 1.0, 1.0, _nan, _nan]), torch=_t, fd=False,
                   name="ties-and-nans"))


def _rem_samples(name, tfn):
    tfn = T(tfn)
    x, y = rand(3, 4, low=-3, high=3), nonzero(3, 4, low=0.5)
    xb, yb = rand(20, 15, low=-3, high=3), nonzero(15, low=0.5)
    x2, y2 = rand(2, 1, 3, low=-3, high=3), nonzero(4, 1, low=0.5)
    x0, y0 = np.asarray(2.3), nonzero(5, low=0.5)
    xf, yf = rand(2, 3, low=-3, high=3), nonzero(3, low=0.5)
    npfn = getattr(np, name)
    add(name,
        Sample(ratio_ok(x, y), y, torch=tfn, order2=True),
        Sample(ratio_ok(x, y[0]), y[0], torch=tfn),
        Sample(ratio_ok(x2, y2), y2, torch=tfn),
        Sample(ratio_ok(x0, y0), y0, torch=tfn, order2=True),
        Sample(ratio_ok(x, 0.7), 0.7, torch=tfn, name="pyfloat-y"),
        Sample(1.3, np.array([0.4, -0.7, 0.9, 2.0, -3.0]), torch=tfn, name="pyfloat-x"),
        Sample(ratio_ok(xf, yf).astype(F32), yf.astype(F32), fd=False, name="float32",
               check=f32(name, npfn, diff=(0, 1))),
        Sample(ratio_ok(xb, yb), yb, torch=tfn))


_rem_samples("remainder", torch.remainder)
_rem_samples("fmod", torch.fmod)


def _floor_divide_check(out, x, y):
    want = np.floor_divide(x, y)
    assert out.dtype == want.dtype
    np.testing.assert_array_equal(out.data, want)
    gx, gy = ya.grad(lambda a, b: ya.sum(ya.floor_divide(a, b)), argnums=(0, 1))(x, y)
    assert np.all(gx == 0) and np.all(gy == 0)
    assert gx.shape == np.shape(x) and gy.shape == np.shape(y)


_xd, _yd = rand(3, 4, low=-3, high=3), nonzero(4, low=0.5)
add("floor_divide",
    Sample(ratio_ok(_xd, _yd), _yd, order2=True, check=_floor_divide_check),
    Sample(ratio_ok(_xd, _yd), _yd, diff=(), torch=torch.floor_divide, name="value-vs-torch"),
    Sample(ratio_ok(_xd, 0.7), 0.7, check=_floor_divide_check, name="pyfloat-y"),
    Sample(ratio_ok(_xd, _yd).astype(F32), _yd.astype(F32), fd=False, name="float32",
           check=f32("floor_divide", np.floor_divide, diff=(0, 1))),
    Sample(ratio_ok(rand(20, 15, low=-3, high=3), 0.9), np.full(15, 0.9)))

binary("copysign", torch.copysign, nonzero)
add("copysign", Sample(np.array([0.0, -0.0, 1.5, -2.0, 0.0]),
                       np.array([-1.0, 2.0, -0.0, 0.0, 3.0]), torch=torch.copysign, fd=False,
                       name="signed-zeros"))

# heaviside(x1, x2) is x2 where x1 == 0: the derivative in x2 is that mask
_hx = np.where(_rng.random((3, 4)) < 0.4, 0.0, nonzero(3, 4))
_hxb = np.where(_rng.random((20, 15)) < 0.4, 0.0, nonzero(20, 15))


def _heaviside_check(out, x1, x2):
    np.testing.assert_array_equal(out.data, np.heaviside(x1, x2))
    g = ya.grad(lambda v: ya.sum(ya.heaviside(x1, v) * 2.0))(x2)
    want = np.sum(np.broadcast_to(2.0 * (x1 == 0), np.broadcast_shapes(x1.shape, x2.shape)),
                  axis=tuple(range(np.ndim(x1) - np.ndim(x2)))) if np.ndim(x2) else \
        np.sum(2.0 * (x1 == 0))
    np.testing.assert_array_equal(g, want)


add("heaviside",
    Sample(_hx, randn(3, 4), diff=(1,), order2=True, check=_heaviside_check, name="x1-zeros"),
    Sample(_hx, randn(4), diff=(1,), check=_heaviside_check, name="x1-zeros-bcast"),
    Sample(_hx, 0.5, diff=(), torch=T(torch.heaviside), name="value-vs-torch"),
    Sample(nonzero(3, 4), randn(3, 4), order2=True, name="x1-nonzero"),
    Sample(nonzero(2, 1, 3), randn(4, 1), name="x1-nonzero-bcast"),
    Sample(_hx[:2, :3].astype(F32), randn(3).astype(F32), fd=False, name="float32",
           check=f32("heaviside", np.heaviside, diff=(1,))),
    Sample(_hxb, randn(20, 15), diff=(1,)))


# nan_to_num: gradient 1 where the value is kept, 0 where replaced (finite
# differences agree: x + eps at a NaN or an infinity is still replaced)
def _with_nonfinite(*shape):
    v = randn(*shape).ravel()
    k = np.arange(v.size)
    v[k % 7 == 1] = np.nan
    v[k % 7 == 3] = np.inf
    v[k % 7 == 5] = -np.inf
    return v.reshape(shape)


def _torch_n2n(x, *a, **kw):
    return torch.nan_to_num(x, *a[1:], **kw)     # (PyTorch has no copy argument)


add("nan_to_num",
    Sample(_with_nonfinite(3, 4), torch=_torch_n2n, order2=True),
    Sample(_with_nonfinite(3, 4), kw={"nan": 1.5, "posinf": 9.0, "neginf": -9.0},
           torch=_torch_n2n, order2=True, name="kw"),
    Sample(_with_nonfinite(5), True, 2.0, torch=_torch_n2n, name="positional"),
    Sample(randn(3, 4), torch=_torch_n2n, name="all-finite"),
    Sample(_with_nonfinite(2, 3).astype(F32), fd=False, name="float32",
           check=f32("nan_to_num", np.nan_to_num)),
    Sample(_with_nonfinite(20, 15), torch=_torch_n2n))
