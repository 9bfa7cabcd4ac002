"""Every yaae op against PyTorch as an oracle.

For each case the yaae value is compared with torch's, then both sides run
backward on ``loss = sum(out * w)`` for a random cotangent ``w``, so the full
vector-Jacobian product of every differentiable input is compared (gradients
summed back to each input's shape, including through broadcasting).

Inputs are float64 from ``np.random.default_rng`` with fixed seeds; the
tolerance is rtol=1e-10, atol=1e-12 unless a case says otherwise.
"""
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import yaae as ya

RTOL = 1e-10
ATOL = 1e-12

torch.set_default_dtype(torch.float64)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _seed(*parts):
    return zlib.crc32(repr(parts).encode())


def rng_for(*parts):
    return np.random.default_rng(_seed(*parts))


def sample(rng, shape, kind="real", dtype=np.float64):
    """Random array of ``shape`` in the domain ``kind``."""
    shape = tuple(shape)
    if kind == "real":
        x = rng.standard_normal(shape)
    elif kind == "pos":          # log, sqrt, power bases, divisors
        x = rng.uniform(0.5, 3.0, shape)
    elif kind == "unit":         # arcsin, arccos
        x = rng.uniform(-0.9, 0.9, shape)
    elif kind == "tan":          # well inside (-pi/2, pi/2)
        x = rng.uniform(-1.2, 1.2, shape)
    elif kind == "log1p":        # > -1
        x = rng.uniform(-0.5, 3.0, shape)
    elif kind == "nz":           # |x| bounded away from 0 (abs, relu, divisors)
        x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, shape)
    elif kind == "small":        # exp-type functions of moderate size
        x = rng.uniform(-2.0, 2.0, shape)
    else:  # pragma: no cover
        raise ValueError(kind)
    return np.asarray(x, dtype=dtype)


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


_NP_OF_TORCH = {torch.float64: np.float64, torch.float32: np.float32}


def check_vjp(ya_fn, t_fn, *xs, rtol=RTOL, atol=ATOL, seed=12345, np_ref=None):
    """Compare values and VJPs of ``ya_fn`` and ``t_fn`` at the arrays ``xs``.

    Every array in ``xs`` is a differentiable input on both sides.  ``ya_fn``
    and ``t_fn`` may return one tensor or a list of tensors.  ``np_ref``
    optionally gives NumPy's value (a sanity check that the torch oracle
    encodes NumPy's semantics).
    """
    xs = [np.asarray(x) for x in xs]
    ya_in = [ya.Tensor(x.copy(), requires_grad=True) for x in xs]
    t_in = [torch.tensor(x.copy(), requires_grad=True) for x in xs]

    ya_out = _as_list(ya_fn(*ya_in))
    t_out = _as_list(t_fn(*t_in))
    assert len(ya_out) == len(t_out), (len(ya_out), len(t_out))

    rng = np.random.default_rng(seed)
    ws = []
    for k, (yo, to) in enumerate(zip(ya_out, t_out)):
        assert isinstance(yo, ya.Tensor), type(yo)
        tv = to.detach().numpy()
        assert yo.shape == tv.shape, f"output {k}: shape {yo.shape} != torch {tv.shape}"
        assert yo.dtype == tv.dtype, f"output {k}: dtype {yo.dtype} != torch {tv.dtype}"
        np.testing.assert_allclose(yo.data, tv, rtol=rtol, atol=atol,
                                   err_msg=f"value of output {k}")
        if np_ref is not None:
            np.testing.assert_allclose(tv, _as_list(np_ref(*xs))[k], rtol=rtol, atol=atol,
                                       err_msg="torch oracle disagrees with NumPy")
        ws.append(rng.standard_normal(tv.shape).astype(tv.dtype))

    ya_loss = None
    for yo, w in zip(ya_out, ws):
        if yo.requires_grad:
            term = ya.sum(yo * w)
            ya_loss = term if ya_loss is None else ya_loss + term
    if ya_loss is not None:
        ya_loss.backward()
    t_loss = None
    for to, w in zip(t_out, ws):
        if to.requires_grad:
            term = (to * torch.from_numpy(w)).sum()
            t_loss = term if t_loss is None else t_loss + term
    if t_loss is not None:
        t_loss.backward()

    for i, (x, yi, ti) in enumerate(zip(xs, ya_in, t_in)):
        tg = ti.grad.numpy() if ti.grad is not None else np.zeros_like(x)
        yg = yi.grad.data if yi.grad is not None else np.zeros_like(x)
        assert yg.shape == x.shape, f"grad of input {i}: shape {yg.shape} != input {x.shape}"
        assert yg.dtype == x.dtype, f"grad of input {i}: dtype {yg.dtype} != input {x.dtype}"
        np.testing.assert_allclose(yg, tg, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def _tdims(axis):
    """NumPy axis -> torch dim (None: all axes)."""
    if axis is None:
        return None
    return axis if isinstance(axis, tuple) else (axis,)


def _all_dims(x, axis):
    return tuple(range(x.ndim)) if axis is None else _tdims(axis)


# --------------------------------------------------------------------------------------
# elementwise unary
# --------------------------------------------------------------------------------------
UNARY = [
    # name, yaae fn, torch fn, input domain
    ("negative", ya.negative, torch.neg, "real"),
    ("neg_op", lambda x: -x, lambda x: -x, "real"),
    ("exp", ya.exp, torch.exp, "small"),
    ("log", ya.log, torch.log, "pos"),
    ("log1p", ya.log1p, torch.log1p, "log1p"),
    ("expm1", ya.expm1, torch.expm1, "small"),
    ("sqrt", ya.sqrt, torch.sqrt, "pos"),
    ("square", ya.square, torch.square, "real"),
    ("abs", ya.abs, torch.abs, "nz"),
    ("sign", ya.sign, torch.sign, "nz"),
    ("sin", ya.sin, torch.sin, "real"),
    ("cos", ya.cos, torch.cos, "real"),
    ("tan", ya.tan, torch.tan, "tan"),
    ("arcsin", ya.arcsin, torch.arcsin, "unit"),
    ("arccos", ya.arccos, torch.arccos, "unit"),
    ("arctan", ya.arctan, torch.arctan, "real"),
    ("sinh", ya.sinh, torch.sinh, "small"),
    ("cosh", ya.cosh, torch.cosh, "small"),
    ("tanh", ya.tanh, torch.tanh, "real"),
    ("sigmoid", ya.sigmoid, torch.sigmoid, "real"),
    ("relu", ya.relu, torch.relu, "nz"),
    ("leaky_relu", ya.leaky_relu, F.leaky_relu, "nz"),  # both default slope 0.01
    ("leaky_relu_0.2", lambda x: ya.leaky_relu(x, 0.2),
     lambda x: F.leaky_relu(x, 0.2), "nz"),
    ("leaky_relu_kw", lambda x: ya.leaky_relu(x, negative_slope=0.3),
     lambda x: F.leaky_relu(x, negative_slope=0.3), "nz"),
    ("softplus", ya.softplus, F.softplus, "small"),
    ("square_via_pow2", lambda x: x ** 2, lambda x: x ** 2, "real"),
    ("pow_3", lambda x: ya.power(x, 3), lambda x: torch.pow(x, 3), "real"),
    ("pow_half", lambda x: ya.power(x, 0.5), lambda x: torch.pow(x, 0.5), "pos"),
    ("pow_neg1.5", lambda x: ya.power(x, -1.5), lambda x: torch.pow(x, -1.5), "pos"),
    ("pow_0", lambda x: ya.power(x, 0.0), lambda x: torch.pow(x, 0.0), "real"),
    ("rpow_2", lambda x: ya.power(2.0, x), lambda x: torch.pow(2.0, x), "real"),
    ("rpow_op", lambda x: 1.7 ** x, lambda x: 1.7 ** x, "real"),
    ("add_scalar", lambda x: ya.add(x, 2.5), lambda x: x + 2.5, "real"),
    ("radd_op", lambda x: 2.5 + x, lambda x: 2.5 + x, "real"),
    ("rsub_op", lambda x: 2.5 - x, lambda x: 2.5 - x, "real"),
    ("subtract_scalar_first", lambda x: ya.subtract(1.5, x), lambda x: 1.5 - x, "real"),
    ("mul_scalar", lambda x: ya.multiply(x, -3.0), lambda x: x * -3.0, "real"),
    ("rtruediv_op", lambda x: 2.0 / x, lambda x: 2.0 / x, "nz"),
    ("divide_scalar_first", lambda x: ya.divide(3.0, x), lambda x: 3.0 / x, "nz"),
    ("maximum_scalar", lambda x: ya.maximum(x, 0.3), lambda x: torch.clamp(x, min=0.3), "nz"),
    ("minimum_scalar", lambda x: ya.minimum(-0.3, x), lambda x: torch.clamp(x, max=-0.3), "nz"),
]

UNARY_SHAPES = [(), (5,), (3, 4), (2, 3, 4), (1, 3, 1)]


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name,yf,tf,kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, yf, tf, kind, shape):
    x = sample(rng_for("unary", name, shape), shape, kind)
    check_vjp(yf, tf, x)


def test_abs_relu_at_zero_match_torch():
    # the conventional subgradient at the kink: 0 for abs and relu
    x = np.array([-1.5, 0.0, 0.0, 2.0])
    check_vjp(ya.abs, torch.abs, x)
    check_vjp(ya.relu, torch.relu, x)


def test_softplus_wide_range():
    # torch switches to the identity above threshold=20 (the difference is
    # below 2e-9 there); keep to |x| <= 15 where both are the exact formula
    x = np.linspace(-15, 15, 31)
    check_vjp(ya.softplus, F.softplus, x)


def test_sigmoid_extreme_values_finite():
    x = np.array([-800.0, -50.0, 0.0, 50.0, 800.0])
    check_vjp(ya.sigmoid, torch.sigmoid, x)


# --------------------------------------------------------------------------------------
# elementwise binary (with broadcasting)
# --------------------------------------------------------------------------------------
BINARY = [
    ("add", ya.add, torch.add, "real", "real"),
    ("add_op", lambda a, b: a + b, lambda a, b: a + b, "real", "real"),
    ("subtract", ya.subtract, torch.subtract, "real", "real"),
    ("sub_op", lambda a, b: a - b, lambda a, b: a - b, "real", "real"),
    ("multiply", ya.multiply, torch.multiply, "real", "real"),
    ("mul_op", lambda a, b: a * b, lambda a, b: a * b, "real", "real"),
    ("divide", ya.divide, torch.divide, "real", "nz"),
    ("true_divide", ya.true_divide, torch.true_divide, "real", "nz"),
    ("div_op", lambda a, b: a / b, lambda a, b: a / b, "real", "nz"),
    ("power", ya.power, torch.pow, "pos", "real"),
    ("pow_op", lambda a, b: a ** b, lambda a, b: a ** b, "pos", "real"),
    ("maximum", ya.maximum, torch.maximum, "real", "real"),
    ("minimum", ya.minimum, torch.minimum, "real", "real"),
]

BINARY_SHAPES = [
    ((), ()),
    ((4,), ()),
    ((), (4,)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1, 4), (2, 4)),
    ((1, 3), (2, 1)),
    ((2, 3, 4), (2, 3, 4)),
    ((3, 1), (1,)),
    ((2, 1, 3), (1, 4, 1)),
    ((1,), (1, 1)),
]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name,yf,tf,ka,kb", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, yf, tf, ka, kb, shapes):
    r = rng_for("binary", name, shapes)
    a = sample(r, shapes[0], ka)
    b = sample(r, shapes[1], kb)
    check_vjp(yf, tf, a, b)


def test_power_at_zero_base():
    # d/dx x**y at x = 0 is 0 for y = 0 and y >= 1; d/dy x**y at x = 0 (y > 0)
    # is 0 (torch's convention, which yaae documents in _pow_dy)
    x = np.array([0.0, 0.0, 0.0, 2.0])
    y = np.array([2.0, 1.0, 3.5, 0.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        check_vjp(ya.power, torch.pow, x, y)
        check_vjp(lambda a: ya.power(a, 2), lambda a: torch.pow(a, 2), x)
        check_vjp(lambda a: ya.power(a, 0), lambda a: torch.pow(a, 0), x)


def test_power_integer_exponent_negative_base():
    x = sample(rng_for("pow-neg"), (3, 4), "nz")
    check_vjp(lambda a: ya.power(a, 3), lambda a: torch.pow(a, 3), x)
    check_vjp(lambda a: ya.power(a, -2), lambda a: torch.pow(a, -2), x)
    check_vjp(lambda a: a ** 4, lambda a: a ** 4, x)


TIE_SHAPES = [((6,), (6,)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (5,))]


@pytest.mark.parametrize("shapes", TIE_SHAPES, ids=str)
@pytest.mark.parametrize("name,yf,tf", [("maximum", ya.maximum, torch.maximum),
                                        ("minimum", ya.minimum, torch.minimum)],
                         ids=["maximum", "minimum"])
def test_maximum_minimum_ties(name, yf, tf, shapes):
    # small integers: many exact ties; torch splits the gradient 0.5 / 0.5
    r = rng_for("ties", name, shapes)
    a = r.integers(0, 3, shapes[0]).astype(np.float64)
    b = r.integers(0, 3, shapes[1]).astype(np.float64)
    a.flat[0] = b.flat[0] = 1.0   # at least one tie, at broadcast position 0
    assert np.any(np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape))
                  == np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)))
    check_vjp(yf, tf, a, b)


def test_maximum_explicit_tie_split():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 5.0, 3.0])
    x, y = ya.Tensor(a, requires_grad=True), ya.Tensor(b, requires_grad=True)
    ya.sum(ya.maximum(x, y)).backward()
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(y.grad.data, [0.5, 1.0, 0.5])
    check_vjp(ya.maximum, torch.maximum, a, b)
    check_vjp(ya.minimum, torch.minimum, a, b)


# ---- where -----------------------------------------------------------------------------
WHERE_SHAPES = [
    ((3, 4), (3, 4), (3, 4)),
    ((3, 1), (1, 4), (3, 4)),
    ((4,), (3, 4), ()),
    ((2, 3, 4), (3, 1), (4,)),
    ((), (3,), (3,)),
    ((2, 1, 4), (3, 1), ()),
]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=str)
def test_where(shapes):
    r = rng_for("where", shapes)
    c = r.random(shapes[0]) > 0.5
    x = sample(r, shapes[1])
    y = sample(r, shapes[2])
    check_vjp(lambda a, b: ya.where(c, a, b),
              lambda a, b: torch.where(torch.from_numpy(np.asarray(c)), a, b), x, y)


def test_where_with_tensor_condition():
    r = rng_for("where-tensor")
    x = sample(r, (3, 4))
    y = sample(r, (4,))
    check_vjp(lambda a, b: ya.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b), x, y)


# ---- clip ------------------------------------------------------------------------------
CLIP = [
    ("both", lambda x: ya.clip(x, -0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7)),
    ("min_only", lambda x: ya.clip(x, -0.5, None), lambda x: torch.clamp(x, min=-0.5)),
    ("max_only", lambda x: ya.clip(x, None, 0.4), lambda x: torch.clamp(x, max=0.4)),
    ("kw", lambda x: ya.clip(x, a_min=-1.0, a_max=0.0), lambda x: torch.clamp(x, -1.0, 0.0)),
]


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 1, 5)], ids=str)
@pytest.mark.parametrize("name,yf,tf", CLIP, ids=[c[0] for c in CLIP])
def test_clip_scalar_bounds(name, yf, tf, shape):
    x = sample(rng_for("clip", name, shape), shape)
    # keep clear of the bounds (non-differentiable points)
    x = np.where(np.isin(np.round(x, 6), [-1.0, -0.5, 0.0, 0.4, 0.7]), x + 0.01, x)
    check_vjp(yf, tf, x)


@pytest.mark.parametrize("shapes", [((3, 4), (4,), (3, 1)), ((5,), (), (5,)),
                                    ((2, 3), (2, 3), ())], ids=str)
def test_clip_tensor_bounds(shapes):
    r = rng_for("clip-t", shapes)
    x = sample(r, shapes[0])
    lo = r.uniform(-1.0, -0.2, shapes[1])
    hi = r.uniform(0.2, 1.0, shapes[2])
    check_vjp(ya.clip, lambda a, b, c: torch.clamp(a, b, c), x, lo, hi)


# --------------------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------------------
AXES = [
    ((), None),
    ((5,), None), ((5,), 0), ((5,), -1), ((5,), (0,)),
    ((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -2), ((3, 4), (0, 1)),
    ((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)), ((2, 3, 4), (1, -1)), ((2, 3, 4), (0, 1, 2)),
    ((3, 1, 2), 1), ((3, 1, 2), (1, 2)), ((3, 1, 2), None),
]


def _axes_id(p):
    return f"{p[0]}-ax{p[1]}".replace(" ", "")


def t_prod(x, axis, keepdims):
    dims = sorted(d % x.ndim for d in _all_dims(x, axis)) if x.ndim else []
    out = x
    for d in reversed(dims):
        out = torch.prod(out, dim=d, keepdim=True)
    if not keepdims:
        out = out.reshape([s for i, s in enumerate(out.shape) if i not in dims]) if dims else out
    return out


REDUCTIONS = [
    ("sum", lambda x, a, k: ya.sum(x, axis=a, keepdims=k),
     lambda x, a, k: torch.sum(x, dim=_tdims(a), keepdim=k), "real"),
    ("mean", lambda x, a, k: ya.mean(x, axis=a, keepdims=k),
     lambda x, a, k: torch.mean(x, dim=_tdims(a), keepdim=k), "real"),
    ("prod", lambda x, a, k: ya.prod(x, axis=a, keepdims=k), t_prod, "nz"),
    ("max", lambda x, a, k: ya.max(x, axis=a, keepdims=k),
     lambda x, a, k: torch.amax(x, dim=_all_dims(x, a), keepdim=k), "real"),
    ("min", lambda x, a, k: ya.min(x, axis=a, keepdims=k),
     lambda x, a, k: torch.amin(x, dim=_all_dims(x, a), keepdim=k), "real"),
    ("amax", lambda x, a, k: ya.amax(x, axis=a, keepdims=k),
     lambda x, a, k: torch.amax(x, dim=_all_dims(x, a), keepdim=k), "real"),
    ("amin", lambda x, a, k: ya.amin(x, axis=a, keepdims=k),
     lambda x, a, k: torch.amin(x, dim=_all_dims(x, a), keepdim=k), "real"),
    ("logsumexp", lambda x, a, k: ya.logsumexp(x, axis=a, keepdims=k),
     lambda x, a, k: torch.logsumexp(x, dim=_all_dims(x, a), keepdim=k), "real"),
    ("var", lambda x, a, k: ya.var(x, axis=a, keepdims=k),
     lambda x, a, k: torch.var(x, dim=_tdims(a), correction=0, keepdim=k), "real"),
    ("std", lambda x, a, k: ya.std(x, axis=a, keepdims=k),
     lambda x, a, k: torch.std(x, dim=_tdims(a), correction=0, keepdim=k), "real"),
]


def _reduced_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    ax = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in ax]))


# std over a single value is 0, where sqrt is not differentiable: those
# (shape, axis) pairs are left out for std only
RED_CASES = [pytest.param(r[:4], shape, axis, id=f"{r[0]}-{_axes_id((shape, axis))}")
             for r in REDUCTIONS for shape, axis in AXES
             if not (r[0] == "std" and _reduced_size(shape, axis) == 1)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op,shape,axis", RED_CASES)
def test_reduction(op, shape, axis, keepdims):
    name, yf, tf, kind = op
    x = sample(rng_for("red", name, shape, axis), shape, kind)
    check_vjp(lambda t: yf(t, axis, keepdims), lambda t: tf(t, axis, keepdims), x)


VAR_CASES = [
    ((5,), None, 1), ((5,), 0, 2), ((3, 4), 0, 1), ((3, 4), -1, 1), ((3, 4), None, 1),
    ((2, 3, 4), (0, 2), 1), ((2, 3, 4), 1, 2), ((2, 3, 4), None, 3),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis,ddof", VAR_CASES, ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof(name, shape, axis, ddof, keepdims):
    x = sample(rng_for("ddof", name, shape, axis, ddof), shape)
    yf = getattr(ya, name)
    tf = getattr(torch, name)
    check_vjp(lambda t: yf(t, axis=axis, ddof=ddof, keepdims=keepdims),
              lambda t: tf(t, dim=_tdims(axis), correction=ddof, keepdim=keepdims), x)


def test_var_std_positional_signature():
    # axis positionally, ddof by keyword (NumPy's var(a, axis, dtype, out, ddof))
    x = sample(rng_for("var-pos"), (3, 4))
    check_vjp(lambda t: ya.var(t, 1, ddof=1), lambda t: torch.var(t, dim=1, correction=1), x)
    check_vjp(lambda t: ya.std(t, 0, ddof=1), lambda t: torch.std(t, dim=0, correction=1), x)


PROD_ZERO = [
    np.array([1.5, 0.0, -2.0, 3.0]),                       # one zero
    np.array([0.0, 2.0, 0.0, 3.0]),                        # two zeros
    np.array([[1.0, 0.0, 2.0], [3.0, 4.0, -1.0], [0.0, 0.0, 5.0]]),
    np.array([[[0.0, 1.0], [2.0, 3.0]], [[4.0, 0.0], [0.0, 6.0]]]),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("k", range(len(PROD_ZERO)))
def test_prod_with_zeros(k, axis, keepdims):
    x = PROD_ZERO[k]
    check_vjp(lambda t: ya.prod(t, axis=axis, keepdims=keepdims),
              lambda t: t_prod(t, axis, keepdims), x)


# ties for max/min: torch.amax/amin split the gradient evenly among ties
TIE_AXES = [((6,), None), ((6,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), 1),
            ((2, 3, 4), None), ((2, 3, 4), (0, 2)), ((2, 3, 4), -1), ((2, 3, 4), (1, 2))]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", TIE_AXES, ids=[_axes_id(p) for p in TIE_AXES])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties(name, shape, axis, keepdims):
    x = rng_for("red-ties", name, shape, axis).integers(0, 3, shape).astype(np.float64)
    yf = getattr(ya, name)
    tf = torch.amax if name == "max" else torch.amin
    check_vjp(lambda t: yf(t, axis=axis, keepdims=keepdims),
              lambda t: tf(t, dim=_all_dims(t, axis), keepdim=keepdims), x)


def test_max_explicit_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]])
    t = ya.Tensor(x, requires_grad=True)
    ya.sum(ya.max(t, axis=1)).backward()
    np.testing.assert_allclose(t.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0, 1, 0]],
                               rtol=RTOL, atol=ATOL)
    check_vjp(lambda a: ya.max(a, axis=1), lambda a: torch.amax(a, dim=1), x)
    check_vjp(lambda a: ya.min(a), lambda a: torch.amin(a), np.array([[1.0, -1.0], [-1.0, 2.0]]))


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "var", "logsumexp"])
def test_reduction_empty_axis_tuple(name):
    # NumPy: axis=() reduces over no axis (logsumexp of one value is itself)
    x = sample(rng_for("red-empty", name), (2, 3), "nz")
    ref = {"var": lambda t: t * 0.0}.get(name, lambda t: t * 1.0)
    check_vjp(lambda t: getattr(ya, name)(t, axis=()), ref, x)


def test_logsumexp_with_minus_inf():
    x = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]])
    check_vjp(lambda a: ya.logsumexp(a, axis=1), lambda t: torch.logsumexp(t, 1), x)


def test_logsumexp_large_values():
    x = np.array([[1000.0, 1000.5, -1000.0], [-5.0, 3.0, 2.0]])
    check_vjp(lambda a: ya.logsumexp(a, axis=1), lambda a: torch.logsumexp(a, dim=1), x)
    check_vjp(lambda a: ya.logsumexp(a), lambda a: torch.logsumexp(a, dim=(0, 1)), x)


# ---- norm --------------------------------------------------------------------------------
NORM = [
    # (shape, ord, axis)
    ((), None, None),
    ((5,), None, None), ((5,), 2, None), ((5,), 1, None), ((5,), np.inf, None),
    ((5,), 2, 0), ((5,), 1, -1), ((5,), np.inf, 0),
    ((3, 4), 2, 0), ((3, 4), 2, 1), ((3, 4), 1, 0), ((3, 4), 1, -1),
    ((3, 4), np.inf, 1), ((3, 4), np.inf, -2), ((2, 3, 4), 2, -1), ((2, 3, 4), 1, 1),
    ((3, 4), None, 1),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,ord_,axis", NORM, ids=str)
def test_vector_norm(shape, ord_, axis, keepdims):
    x = sample(rng_for("norm", shape, ord_, axis), shape, "nz")
    tord = 2 if ord_ is None else ord_
    check_vjp(lambda t: ya.linalg.norm(t, ord_, axis, keepdims),
              lambda t: torch.linalg.vector_norm(t, tord, dim=axis, keepdim=keepdims), x)


FRO = [((3, 4), None, None), ((3, 4), "fro", None), ((3, 4), "fro", (0, 1)),
       ((2, 3, 4), "fro", (1, 2)), ((2, 3, 4), "fro", (-2, -1)), ((2, 3, 4), "fro", (0, 2)),
       ((2, 3, 4), None, (2, 0)), ((1, 3), "fro", None)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,ord_,axis", FRO, ids=str)
def test_frobenius_norm(shape, ord_, axis, keepdims):
    x = sample(rng_for("fro", shape, ord_, axis), shape)
    dim = axis if axis is not None else (-2, -1)
    check_vjp(lambda t: ya.linalg.norm(t, ord=ord_, axis=axis, keepdims=keepdims),
              lambda t: torch.linalg.matrix_norm(t, "fro", dim=dim, keepdim=keepdims), x,
              np_ref=lambda a: np.linalg.norm(a, ord=ord_, axis=axis, keepdims=keepdims))


def test_norm_flattens_nd_without_ord():
    x = sample(rng_for("norm-3d"), (2, 3, 4))
    check_vjp(ya.linalg.norm, torch.linalg.vector_norm, x, np_ref=np.linalg.norm)


# --------------------------------------------------------------------------------------
# shape operations
# --------------------------------------------------------------------------------------
def _tpermute(axes):
    def f(t):
        return t.permute(*(reversed(range(t.ndim)) if axes is None else axes))
    return f


def _tunsqueeze(axis):
    def f(t):
        ax = axis if isinstance(axis, tuple) else (axis,)
        nd = t.ndim + len(ax)
        for a in sorted(a % nd for a in ax):
            t = t.unsqueeze(a)
        return t
    return f


def _tpad(pw, value=0.0):
    def f(t):
        p = np.broadcast_to(np.asarray(pw), (t.ndim, 2))
        flat = [int(v) for pair in p[::-1] for v in pair]
        return F.pad(t, flat, mode="constant", value=value)
    return f


def _trepeat(rep, axis):
    def f(t):
        r = torch.as_tensor(np.asarray(rep)) if not isinstance(rep, int) else rep
        return torch.repeat_interleave(t, r, dim=axis)
    return f


SHAPE_OPS = [
    # id, input shape, yaae fn, torch fn, numpy fn
    ("reshape-6x4", (2, 3, 4), lambda x: ya.reshape(x, (6, 4)), lambda t: t.reshape(6, 4),
     lambda a: np.reshape(a, (6, 4))),
    ("reshape-minus1", (2, 3, 4), lambda x: ya.reshape(x, (4, -1)), lambda t: t.reshape(4, -1),
     lambda a: np.reshape(a, (4, -1))),
    ("reshape-flat", (2, 3, 4), lambda x: ya.reshape(x, 24), lambda t: t.reshape(24),
     lambda a: np.reshape(a, 24)),
    ("reshape-0d", (), lambda x: ya.reshape(x, (1, 1)), lambda t: t.reshape(1, 1),
     lambda a: np.reshape(a, (1, 1))),
    ("reshape-to-0d", (1, 1), lambda x: ya.reshape(x, ()), lambda t: t.reshape(()),
     lambda a: np.reshape(a, ())),
    ("reshape-method", (6,), lambda x: x.reshape(2, 1, 3), lambda t: t.reshape(2, 1, 3),
     lambda a: a.reshape(2, 1, 3)),
    ("transpose-none", (2, 3, 4), ya.transpose, _tpermute(None), np.transpose),
    ("transpose-102", (2, 3, 4), lambda x: ya.transpose(x, (1, 0, 2)), _tpermute((1, 0, 2)),
     lambda a: np.transpose(a, (1, 0, 2))),
    ("transpose-201", (2, 3, 4), lambda x: ya.transpose(x, (2, 0, 1)), _tpermute((2, 0, 1)),
     lambda a: np.transpose(a, (2, 0, 1))),
    ("transpose-neg", (2, 3, 4), lambda x: ya.transpose(x, (-1, 0, -2)), _tpermute((2, 0, 1)),
     lambda a: np.transpose(a, (-1, 0, -2))),
    ("transpose-2d", (3, 4), ya.transpose, _tpermute(None), np.transpose),
    ("transpose-T", (3, 4), lambda x: x.T, lambda t: t.T, lambda a: a.T),
    ("transpose-1d", (5,), ya.transpose, _tpermute(None), np.transpose),
    ("transpose-0d", (), ya.transpose, lambda t: t * 1, np.transpose),
    ("swapaxes-02", (2, 3, 4), lambda x: ya.swapaxes(x, 0, 2), lambda t: torch.swapaxes(t, 0, 2),
     lambda a: np.swapaxes(a, 0, 2)),
    ("swapaxes-neg", (2, 3, 4), lambda x: ya.swapaxes(x, -1, 1),
     lambda t: torch.swapaxes(t, -1, 1), lambda a: np.swapaxes(a, -1, 1)),
    ("swapaxes-same", (2, 3, 4), lambda x: ya.swapaxes(x, 1, 1),
     lambda t: torch.swapaxes(t, 1, 1), lambda a: np.swapaxes(a, 1, 1)),
    ("moveaxis-0-last", (2, 3, 4), lambda x: ya.moveaxis(x, 0, -1),
     lambda t: torch.movedim(t, 0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("moveaxis-last-0", (2, 3, 4), lambda x: ya.moveaxis(x, -1, 0),
     lambda t: torch.movedim(t, -1, 0), lambda a: np.moveaxis(a, -1, 0)),
    ("moveaxis-tuple", (2, 3, 4, 5), lambda x: ya.moveaxis(x, (0, 1), (-1, -3)),
     lambda t: torch.movedim(t, (0, 1), (-1, -3)), lambda a: np.moveaxis(a, (0, 1), (-1, -3))),
    ("moveaxis-tuple2", (2, 3, 4, 5), lambda x: ya.moveaxis(x, (3, 0), (0, 2)),
     lambda t: torch.movedim(t, (3, 0), (0, 2)), lambda a: np.moveaxis(a, (3, 0), (0, 2))),
    ("expand_dims-0", (3, 4), lambda x: ya.expand_dims(x, 0), _tunsqueeze(0),
     lambda a: np.expand_dims(a, 0)),
    ("expand_dims-neg", (3, 4), lambda x: ya.expand_dims(x, -1), _tunsqueeze(-1),
     lambda a: np.expand_dims(a, -1)),
    ("expand_dims-1", (3, 4), lambda x: ya.expand_dims(x, 1), _tunsqueeze(1),
     lambda a: np.expand_dims(a, 1)),
    ("expand_dims-tuple", (3, 4), lambda x: ya.expand_dims(x, (0, 2)), _tunsqueeze((0, 2)),
     lambda a: np.expand_dims(a, (0, 2))),
    ("expand_dims-tuple-neg", (3, 4), lambda x: ya.expand_dims(x, (0, -1)),
     _tunsqueeze((0, -1)), lambda a: np.expand_dims(a, (0, -1))),
    ("expand_dims-0d", (), lambda x: ya.expand_dims(x, 0), _tunsqueeze(0),
     lambda a: np.expand_dims(a, 0)),
    ("squeeze-all", (1, 3, 1, 4), ya.squeeze, torch.squeeze, np.squeeze),
    ("squeeze-0", (1, 3, 1, 4), lambda x: ya.squeeze(x, 0), lambda t: torch.squeeze(t, 0),
     lambda a: np.squeeze(a, 0)),
    ("squeeze-neg", (1, 3, 1, 4), lambda x: ya.squeeze(x, -2), lambda t: torch.squeeze(t, -2),
     lambda a: np.squeeze(a, -2)),
    ("squeeze-tuple", (1, 3, 1, 4), lambda x: ya.squeeze(x, (0, 2)),
     lambda t: torch.squeeze(t, (0, 2)), lambda a: np.squeeze(a, (0, 2))),
    ("squeeze-to-0d", (1, 1), ya.squeeze, torch.squeeze, np.squeeze),
    ("squeeze-noop", (2, 3), ya.squeeze, torch.squeeze, np.squeeze),
    ("broadcast_to-1d", (3,), lambda x: ya.broadcast_to(x, (2, 3)),
     lambda t: torch.broadcast_to(t, (2, 3)), lambda a: np.broadcast_to(a, (2, 3))),
    ("broadcast_to-mid", (3, 1), lambda x: ya.broadcast_to(x, (2, 3, 4)),
     lambda t: torch.broadcast_to(t, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("broadcast_to-0d", (), lambda x: ya.broadcast_to(x, (2, 2)),
     lambda t: torch.broadcast_to(t, (2, 2)), lambda a: np.broadcast_to(a, (2, 2))),
    ("broadcast_to-same", (1, 4), lambda x: ya.broadcast_to(x, (1, 4)),
     lambda t: torch.broadcast_to(t, (1, 4)), lambda a: np.broadcast_to(a, (1, 4))),
    ("broadcast_to-lead1", (1, 4), lambda x: ya.broadcast_to(x, (3, 4)),
     lambda t: torch.broadcast_to(t, (3, 4)), lambda a: np.broadcast_to(a, (3, 4))),
    ("ravel-3d", (2, 3, 4), ya.ravel, torch.ravel, np.ravel),
    ("ravel-0d", (), ya.ravel, torch.ravel, np.ravel),
    ("ravel-col", (3, 1), ya.ravel, torch.ravel, np.ravel),
    ("ravel-after-transpose", (3, 4), lambda x: ya.ravel(ya.transpose(x)),
     lambda t: torch.ravel(t.T), lambda a: np.ravel(a.T)),
    ("flip-none", (2, 3, 4), ya.flip, lambda t: torch.flip(t, (0, 1, 2)), np.flip),
    ("flip-0", (2, 3, 4), lambda x: ya.flip(x, 0), lambda t: torch.flip(t, (0,)),
     lambda a: np.flip(a, 0)),
    ("flip-neg", (2, 3, 4), lambda x: ya.flip(x, -1), lambda t: torch.flip(t, (-1,)),
     lambda a: np.flip(a, -1)),
    ("flip-tuple", (2, 3, 4), lambda x: ya.flip(x, (0, 2)), lambda t: torch.flip(t, (0, 2)),
     lambda a: np.flip(a, (0, 2))),
    ("flip-1d", (5,), ya.flip, lambda t: torch.flip(t, (0,)), np.flip),
    ("pad-int", (3, 4), lambda x: ya.pad(x, 1), _tpad(1), lambda a: np.pad(a, 1)),
    ("pad-pairs", (3, 4), lambda x: ya.pad(x, ((1, 2), (0, 3))), _tpad(((1, 2), (0, 3))),
     lambda a: np.pad(a, ((1, 2), (0, 3)))),
    ("pad-one-pair", (3, 4), lambda x: ya.pad(x, ((2, 1),)), _tpad(((2, 1),)),
     lambda a: np.pad(a, ((2, 1),))),
    ("pad-value", (3, 4), lambda x: ya.pad(x, ((1, 0), (2, 2)), constant_values=1.5),
     _tpad(((1, 0), (2, 2)), 1.5), lambda a: np.pad(a, ((1, 0), (2, 2)), constant_values=1.5)),
    ("pad-mode", (5,), lambda x: ya.pad(x, (2, 1), mode="constant"), _tpad((2, 1)),
     lambda a: np.pad(a, (2, 1), mode="constant")),
    ("pad-3d", (2, 3, 4), lambda x: ya.pad(x, ((0, 0), (1, 0), (2, 2))),
     _tpad(((0, 0), (1, 0), (2, 2))), lambda a: np.pad(a, ((0, 0), (1, 0), (2, 2)))),
    ("pad-zero-widths", (2, 3), lambda x: ya.pad(x, 0), _tpad(0), lambda a: np.pad(a, 0)),
    ("pad-pair-all-axes", (2, 3), lambda x: ya.pad(x, (1, 2)), _tpad((1, 2)),
     lambda a: np.pad(a, (1, 2))),
    # NumPy pads a 0-d array to itself (there is no axis to pad)
    ("pad-0d", (), lambda x: ya.pad(x, 1), lambda t: t * 1.0, lambda a: np.pad(a, 1)),
    ("tile-int", (3,), lambda x: ya.tile(x, 2), lambda t: torch.tile(t, (2,)),
     lambda a: np.tile(a, 2)),
    ("tile-2d", (2, 3), lambda x: ya.tile(x, (2, 1)), lambda t: torch.tile(t, (2, 1)),
     lambda a: np.tile(a, (2, 1))),
    ("tile-longer", (2, 3), lambda x: ya.tile(x, (2, 1, 3)), lambda t: torch.tile(t, (2, 1, 3)),
     lambda a: np.tile(a, (2, 1, 3))),
    ("tile-shorter", (2, 1, 3), lambda x: ya.tile(x, (2,)), lambda t: torch.tile(t, (2,)),
     lambda a: np.tile(a, (2,))),
    ("tile-0d", (), lambda x: ya.tile(x, 3), lambda t: torch.tile(t, (3,)),
     lambda a: np.tile(a, 3)),
    ("repeat-flat", (3,), lambda x: ya.repeat(x, 2), _trepeat(2, None),
     lambda a: np.repeat(a, 2)),
    ("repeat-2d-flat", (2, 3), lambda x: ya.repeat(x, 2), _trepeat(2, None),
     lambda a: np.repeat(a, 2)),
    ("repeat-axis1", (2, 3), lambda x: ya.repeat(x, 3, axis=1), _trepeat(3, 1),
     lambda a: np.repeat(a, 3, axis=1)),
    ("repeat-array", (2, 3), lambda x: ya.repeat(x, [1, 0, 2], axis=1), _trepeat([1, 0, 2], 1),
     lambda a: np.repeat(a, [1, 0, 2], axis=1)),
    ("repeat-neg-axis", (2, 3, 2), lambda x: ya.repeat(x, 2, axis=-3), _trepeat(2, -3),
     lambda a: np.repeat(a, 2, axis=-3)),
    ("repeat-array-flat", (2, 2), lambda x: ya.repeat(x, [2, 1, 0, 3]),
     _trepeat([2, 1, 0, 3], None), lambda a: np.repeat(a, [2, 1, 0, 3])),
]


@pytest.mark.parametrize("name,shape,yf,tf,nf", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op(name, shape, yf, tf, nf):
    x = sample(rng_for("shape", name), shape)
    check_vjp(yf, tf, x, np_ref=nf)


CONCAT = [
    ([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], 1), ([(2, 3), (2, 1), (2, 2)], -1),
    ([(2, 3), (3,)], None), ([(2, 3, 2), (2, 1, 2)], 1), ([(3,)], 0), ([(2,), (3,), (1,)], 0),
    ([(1, 2), (1, 2)], -2),
]


@pytest.mark.parametrize("shapes,axis", CONCAT, ids=str)
@pytest.mark.parametrize("fn", ["concatenate", "concat"])
def test_concatenate(fn, shapes, axis):
    r = rng_for("concat", shapes, axis)
    xs = [sample(r, s) for s in shapes]

    def tf(*ts):
        if axis is None:
            return torch.cat([t.reshape(-1) for t in ts])
        return torch.cat(ts, dim=axis)
    check_vjp(lambda *a: getattr(ya, fn)(list(a), axis=axis), tf, *xs,
              np_ref=lambda *a: np.concatenate(a, axis=axis))


STACK = [((3,), 2, 0), ((3,), 2, 1), ((3,), 3, -1), ((2, 3), 3, 1), ((2, 3), 2, -1),
         ((), 2, 0), ((2, 1), 2, 2)]


@pytest.mark.parametrize("shape,n,axis", STACK, ids=str)
def test_stack(shape, n, axis):
    r = rng_for("stack", shape, n, axis)
    xs = [sample(r, shape) for _ in range(n)]
    check_vjp(lambda *a: ya.stack(a, axis=axis), lambda *t: torch.stack(t, dim=axis), *xs,
              np_ref=lambda *a: np.stack(a, axis=axis))


SPLIT = [((6, 4), 3, 0), ((6, 4), [1, 4], 0), ((3, 6), 2, 1), ((3, 6), [2, 3], -1),
         ((5,), [2], 0), ((4,), 4, 0), ((2, 3, 4), [1, 1, 3], 2)]


@pytest.mark.parametrize("shape,ios,axis", SPLIT, ids=str)
def test_split(shape, ios, axis):
    x = sample(rng_for("split", shape, str(ios), axis), shape)
    check_vjp(lambda a: ya.split(a, ios, axis=axis),
              lambda t: list(torch.tensor_split(t, ios, dim=axis)), x,
              np_ref=lambda a: np.split(a, ios, axis=axis))


def test_split_unused_piece_gets_zero_grad():
    x = sample(rng_for("split-unused"), (6,))
    check_vjp(lambda a: ya.split(a, 3)[1], lambda t: torch.tensor_split(t, 3)[1], x)


# --------------------------------------------------------------------------------------
# __getitem__
# --------------------------------------------------------------------------------------
def _tkey(key):
    """A NumPy index as a torch index (arrays -> tensors)."""
    if not isinstance(key, tuple):
        return _tkey((key,))[0]
    out = []
    for k in key:
        if isinstance(k, (list, np.ndarray)):
            out.append(torch.from_numpy(np.asarray(k)))
        else:
            out.append(k)
    return tuple(out)


I = np.array
GETITEM = [
    # id, shape, key, torch fn (None: same key converted)
    ("int", (5,), 2, None),
    ("neg-int", (5,), -1, None),
    ("slice", (5,), slice(1, 4), None),
    ("slice-step", (5,), slice(None, None, 2), None),
    ("slice-empty", (5,), slice(3, 3), None),
    ("neg-step", (5,), slice(None, None, -1), lambda t: torch.flip(t, (0,))),
    ("neg-step-2", (5,), slice(4, 0, -2), lambda t: t[torch.tensor([4, 2])]),
    ("list-repeat", (5,), [0, 0, 3, 1, 0], None),
    ("array-2d-index", (5,), I([[0, 1], [1, 1]]), None),
    ("neg-array", (5,), I([-1, -1, 0]), None),
    ("mask-1d", (5,), I([True, False, True, True, False]), None),
    ("int-3d", (3, 4, 5), 1, None),
    ("int-int", (3, 4, 5), (1, 2), None),
    ("int-slice-int", (3, 4, 5), (1, slice(None), 3), None),
    ("ellipsis-int", (3, 4, 5), (Ellipsis, 0), None),
    ("ellipsis-only", (3, 4, 5), Ellipsis, None),
    ("none-int", (3, 4, 5), (None, 1), None),
    ("slice-none-int", (3, 4, 5), (slice(None), None, 2), None),
    ("ellipsis-none", (3, 4, 5), (Ellipsis, None), None),
    ("slices", (3, 4, 5), (slice(0, 2), slice(1, None), slice(None, None, 3)), None),
    ("neg-step-mixed", (3, 4, 5), (slice(None, None, -1), 1, slice(4, 0, -2)),
     lambda t: torch.flip(t, (0,))[:, 1, torch.tensor([4, 2])]),
    ("neg-step-ellipsis", (3, 4, 5), (Ellipsis, slice(None, None, -2)),
     lambda t: t[..., torch.tensor([4, 2, 0])]),
    ("adv-repeat", (3, 4, 5), (I([0, 0, 2]),), None),
    ("adv-sep-slice", (3, 4, 5), (I([0, 2, 0]), slice(None), I([1, 1, 4])), None),
    ("adv-sep-bcast", (3, 4, 5), (I([[0], [2]]), slice(1, 3), I([1, 1, 4])), None),
    ("adv-adjacent", (3, 4, 5), (slice(None), I([3, 0, 3]), I([1, 2, 1])), None),
    ("adv-int-adjacent", (3, 4, 5), (0, I([1, 1, 3])), None),
    ("adv-int-separated", (3, 4, 5), (I([1, 1, 2]), slice(None), 0), None),
    # torch applies the int first (select) and keeps the array's dim in place;
    # NumPy counts the int as an advanced index separated from the array by a
    # slice, so the broadcast index dims go first: permute torch's result
    ("adv-int-sep-4d", (2, 3, 4, 5), (slice(None), I([0, 2, 2]), slice(None), 0),
     lambda t: t[:, torch.tensor([0, 2, 2]), :, 0].permute(1, 0, 2)),
    ("ellipsis-adv", (3, 4, 5), (Ellipsis, I([0, 4, 4])), None),
    ("adv-ellipsis-none", (3, 4, 5), (I([2, 2]), Ellipsis, None), None),
    ("none-adv", (3, 4, 5), (None, slice(None), I([0, 3, 3])), None),
    ("mask-full", (3, 4, 5), None, None),   # mask built in the test
    ("mask-axis0", (3, 4, 5), (I([True, False, True]),), None),
    ("mask-axis1", (3, 4, 5), (slice(None), I([False, True, True, False])), None),
    ("mask-2d", (3, 4, 5), "mask2d", None),
    ("mask-and-int", (3, 4, 5), (I([True, False, True]), 2), None),
    ("0d-empty", (), (), None),
    ("0d-none", (), None, None),   # x[None]
    ("0d-ellipsis", (), Ellipsis, None),
    ("0d-array-index", (3, 4, 5), I(1), None),
    ("slice-out-of-range", (3, 4, 5), (slice(-10, 10),), None),
    ("empty-array-index", (3, 4, 5), (I([], dtype=np.int64),), None),
    ("mask-all-false", (3, 4, 5), (np.zeros(3, bool),), None),
    ("int-adv-bcast", (3, 4, 5), (1, I([[0], [2]]), I([1, 3])), None),
    ("ellipsis-adv-none", (3, 4, 5), (Ellipsis, I([0, 4]), None), None),
    ("mask-slice-adv", (3, 4, 5), (I([True, False, True]), slice(None), I([1, 2])), None),
    ("all-neg-steps", (3, 4, 5),
     (slice(None, None, -1), slice(None, None, -2), slice(None, None, -3)),
     lambda t: torch.flip(t, (0, 1, 2))[:, ::2, ::3]),
]


@pytest.mark.parametrize("name,shape,key,tfn", GETITEM, ids=[g[0] for g in GETITEM])
def test_getitem(name, shape, key, tfn):
    r = rng_for("getitem", name)
    x = sample(r, shape)
    if name == "mask-full":
        key = r.random(shape) > 0.4
    elif name == "mask-2d":
        key = (r.random((3, 4)) > 0.5,)
    if tfn is None:
        tk = _tkey(key) if key is not None else None
        tfn = (lambda t: t[tk])
    check_vjp(lambda a: a[key], tfn, x, np_ref=lambda a: a[key])
    # ya.getitem is the same operation
    check_vjp(lambda a: ya.getitem(a, key), tfn, x)


def test_getitem_repeated_index_accumulates():
    x = ya.Tensor(np.arange(4.0), requires_grad=True)
    ya.sum(x[[1, 1, 1, 3]]).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0, 1.0])


def test_getitem_repeated_mixed_accumulates():
    x = ya.Tensor(np.zeros((3, 2, 4)), requires_grad=True)
    out = x[np.array([0, 0, 2]), :, np.array([1, 1, 3])]
    assert out.shape == (3, 2)
    ya.sum(out).backward()
    want = np.zeros((3, 2, 4))
    want[0, :, 1] = 2.0
    want[2, :, 3] = 1.0
    np.testing.assert_array_equal(x.grad.data, want)


def test_getitem_with_tensor_index():
    x = sample(rng_for("getitem-tensor"), (4, 3))
    idx = ya.Tensor(np.array([3, 0, 3]), dtype=np.int64)
    check_vjp(lambda a: a[idx], lambda t: t[torch.tensor([3, 0, 3])], x)


# --------------------------------------------------------------------------------------
# linear algebra
# --------------------------------------------------------------------------------------
MATMUL = [
    ((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((3, 4), (4, 5)), ((1, 1), (1, 1)),
    ((2, 3, 4), (4, 5)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 4, 2)), ((2, 3, 4), (2, 4, 5)),
]


@pytest.mark.parametrize("shapes", MATMUL, ids=str)
@pytest.mark.parametrize("form", ["func", "op"])
def test_matmul(shapes, form):
    r = rng_for("matmul", shapes)
    a, b = sample(r, shapes[0]), sample(r, shapes[1])
    yf = ya.matmul if form == "func" else (lambda p, q: p @ q)
    check_vjp(yf, torch.matmul, a, b, np_ref=np.matmul)


def test_rmatmul_with_ndarray():
    r = rng_for("rmatmul")
    a, b = sample(r, (3, 4)), sample(r, (4, 2))
    check_vjp(lambda q: a @ q, lambda q: torch.from_numpy(a) @ q, b)


def _tdot(a, b):
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        return torch.tensordot(a, b, dims=([-1], [-1]))
    return torch.tensordot(a, b, dims=([-1], [-2]))


DOT = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)), ((), (3,)),
       ((3, 2), ()), ((2, 3, 4), (4,)), ((2, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5))]


@pytest.mark.parametrize("shapes", DOT, ids=str)
def test_dot(shapes):
    r = rng_for("dot", shapes)
    a, b = sample(r, shapes[0]), sample(r, shapes[1])
    check_vjp(ya.dot, _tdot, a, b, np_ref=np.dot)


TENSORDOT = [
    ((3, 4, 5), (4, 5, 2), 2), ((3, 4), (4, 5), 1), ((2, 3), (4,), 0),
    ((3, 4, 5), (5, 3), ([0, 2], [1, 0])), ((3, 4), (4, 2), ([1], [0])), ((3, 4), (2, 4), (1, 1)),
    ((2, 3), (2, 3), 2), ((3, 4, 2), (2, 4), ([-1, 1], [0, -1])),
]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT, ids=str)
def test_tensordot(sa, sb, axes):
    r = rng_for("tensordot", sa, sb, str(axes))
    a, b = sample(r, sa), sample(r, sb)
    tdims = axes if isinstance(axes, int) else tuple(
        [v] if isinstance(v, int) else list(v) for v in axes)
    check_vjp(lambda p, q: ya.tensordot(p, q, axes=axes),
              lambda p, q: torch.tensordot(p, q, dims=tdims), a, b,
              np_ref=lambda p, q: np.tensordot(p, q, axes=axes))


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("i,i", [(5,), (5,)]),
    ("i,i->i", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),          # ellipsis broadcasting
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...i,...i->...", [(2, 3, 4), (4,)]),
    ("i...,i...->...", [(3, 2), (3, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ij...->...j", [(3, 4, 2, 2)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("iij->j", [(3, 3, 4)]),
    ("iji->j", [(3, 4, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    ("ij,k->ijk", [(2, 3), (4,)]),
    ("ab,cd->", [(2, 3), (4, 2)]),
    (" ij , jk -> ik ", [(3, 4), (4, 2)]),
    ("i->", [(5,)]),
    ("->", [()]),
    (",i->i", [(), (4,)]),
    ("bii->b", [(2, 3, 3)]),
    ("ijj,jk->ik", [(2, 3, 3), (3, 4)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("i...j->...", [(2, 3, 4)]),
    ("ij...->...j", [(3, 4, 2, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("i...i", [(3, 2, 3)]),
    ("...,...", [(2, 3), (3,)]),
    ("...ij,jk->...ik", [(3, 4), (4, 2)]),                # ellipsis of zero dims
    ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 5)]),       # size-1 ellipsis dim broadcast
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (1, 5, 4, 2)]),
    ("ij,j", [(1, 4), (4,)]),
    # NumPy (and torch) also broadcast a size-1 *labelled* dim: j is 1 in the
    # first operand and 4 in the second
    ("ijk,jk", [(2, 1, 3), (4, 3)]),
    ("ijk,jk->ijk", [(2, 1, 3), (4, 3)]),
]


@pytest.mark.parametrize("subs,shapes", EINSUM, ids=[e[0] + "|" + str(e[1]) for e in EINSUM])
def test_einsum(subs, shapes):
    r = rng_for("einsum", subs, shapes)
    xs = [sample(r, s) for s in shapes]
    check_vjp(lambda *a: ya.einsum(subs, *a),
              lambda *t: torch.einsum(subs.replace(" ", ""), *t), *xs,
              np_ref=lambda *a: np.einsum(subs, *a))


OUTER = [((3,), (4,)), ((2, 2), (3,)), ((), (3,)), ((1,), (1,))]


@pytest.mark.parametrize("shapes", OUTER, ids=str)
def test_outer(shapes):
    r = rng_for("outer", shapes)
    a, b = sample(r, shapes[0]), sample(r, shapes[1])
    check_vjp(ya.outer, lambda p, q: torch.outer(p.reshape(-1), q.reshape(-1)), a, b,
              np_ref=np.outer)


TRACE = [((4, 4), 0, 0, 1), ((3, 5), 0, 0, 1), ((4, 4), 1, 0, 1), ((4, 4), -2, 0, 1),
         ((2, 3, 3), 0, 1, 2), ((3, 2, 3), 1, 0, 2), ((3, 4, 2), -1, -1, 0), ((1, 1), 0, 0, 1)]


@pytest.mark.parametrize("shape,offset,a1,a2", TRACE, ids=str)
def test_trace(shape, offset, a1, a2):
    x = sample(rng_for("trace", shape, offset, a1, a2), shape)
    check_vjp(lambda t: ya.trace(t, offset, a1, a2),
              lambda t: torch.diagonal(t, offset, a1, a2).sum(-1), x,
              np_ref=lambda a: np.trace(a, offset, a1, a2))


def test_trace_2d_default():
    x = sample(rng_for("trace2d"), (4, 4))
    check_vjp(ya.trace, torch.trace, x, np_ref=np.trace)


DIAGONAL = [((4, 4), 0, 0, 1), ((3, 5), 2, 0, 1), ((3, 5), -1, 0, 1), ((5, 3), 1, 0, 1),
            ((2, 3, 4), 0, 1, 2), ((2, 3, 4), 1, 2, 0), ((3, 4, 3), -1, 0, -1),
            ((2, 3, 4), 0, -1, -2), ((3, 3), 5, 0, 1)]


@pytest.mark.parametrize("shape,offset,a1,a2", DIAGONAL, ids=str)
def test_diagonal(shape, offset, a1, a2):
    x = sample(rng_for("diagonal", shape, offset, a1, a2), shape)
    check_vjp(lambda t: ya.diagonal(t, offset, a1, a2),
              lambda t: torch.diagonal(t, offset, a1, a2), x,
              np_ref=lambda a: np.diagonal(a, offset, a1, a2))


def well_conditioned(r, shape):
    """Random square matrices plus n*I: condition numbers of order 10."""
    n = shape[-1]
    return r.standard_normal(shape) + n * np.eye(n)


# inverse, determinant and solve lose a factor cond(A) ~ 10 in accuracy and go
# through different LAPACK call sequences in NumPy and torch: rtol 1e-9 keeps a
# comfortable margin over the observed ~1e-14 while still catching any wrong rule.
LINALG_RTOL = 1e-9


@pytest.mark.parametrize("shape", [(3, 3), (1, 1), (2, 4, 4), (2, 1, 3, 3)], ids=str)
def test_inv(shape):
    x = well_conditioned(rng_for("inv", shape), shape)
    check_vjp(ya.linalg.inv, torch.linalg.inv, x, rtol=LINALG_RTOL, np_ref=np.linalg.inv)


@pytest.mark.parametrize("shape", [(3, 3), (1, 1), (2, 3, 3), (4, 4), (2, 1, 2, 2)], ids=str)
def test_det(shape):
    x = well_conditioned(rng_for("det", shape), shape)
    check_vjp(ya.linalg.det, torch.linalg.det, x, rtol=LINALG_RTOL, np_ref=np.linalg.det)


SOLVE = [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)), ((2, 3, 3), (3, 2)),
         ((1, 1), (1,)), ((4, 4), (4, 4)), ((2, 2, 3, 3), (2, 1, 3, 2))]


@pytest.mark.parametrize("sa,sb", SOLVE, ids=str)
def test_solve(sa, sb):
    r = rng_for("solve", sa, sb)
    a = well_conditioned(r, sa)
    b = sample(r, sb)
    check_vjp(ya.linalg.solve, torch.linalg.solve, a, b, rtol=LINALG_RTOL,
              np_ref=np.linalg.solve)


# --------------------------------------------------------------------------------------
# softmax / log_softmax
# --------------------------------------------------------------------------------------
SOFTMAX = [((5,), -1), ((5,), 0), ((3, 4), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1),
           ((2, 3, 4), -1), ((2, 3, 4), 0), ((1, 4), 0), ((3, 1), 1)]


@pytest.mark.parametrize("shape,axis", SOFTMAX, ids=str)
@pytest.mark.parametrize("name,yf,tf", [("softmax", ya.softmax, torch.softmax),
                                        ("log_softmax", ya.log_softmax, torch.log_softmax)],
                         ids=["softmax", "log_softmax"])
def test_softmax(name, yf, tf, shape, axis):
    x = sample(rng_for("softmax", name, shape, axis), shape) * 3
    check_vjp(lambda t: yf(t, axis=axis), lambda t: tf(t, dim=axis), x)


@pytest.mark.parametrize("name,yf,tf", [("softmax", ya.softmax, torch.softmax),
                                        ("log_softmax", ya.log_softmax, torch.log_softmax)],
                         ids=["softmax", "log_softmax"])
def test_softmax_minus_inf_logits(name, yf, tf):
    # masked logits: -inf entries get probability 0 and a finite (0) gradient
    x = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]])
    check_vjp(lambda a: yf(a, axis=1), lambda a: tf(a, dim=1), x)


def test_softmax_default_axis_is_last():
    x = sample(rng_for("softmax-default"), (3, 4))
    check_vjp(ya.softmax, lambda t: torch.softmax(t, -1), x)
    check_vjp(ya.log_softmax, lambda t: torch.log_softmax(t, -1), x)


EXTREME = [
    (np.array([1e4, -1e4, 0.0, 1e4 - 1]), -1),
    (np.array([[1e4, -1e4], [-1e4, -1e4 + 1]]), -1),
    (np.array([[1e4, -1e4], [-1e4, -1e4 + 1]]), 0),
    (np.array([[-1e4, -1e4, -1e4]]), -1),
    (np.array([[1e4, 1e4, -1e4], [0.0, 5e3, -5e3]]), 1),
]


@pytest.mark.parametrize("k", range(len(EXTREME)))
@pytest.mark.parametrize("name,yf,tf", [("softmax", ya.softmax, torch.softmax),
                                        ("log_softmax", ya.log_softmax, torch.log_softmax)],
                         ids=["softmax", "log_softmax"])
def test_softmax_extreme_logits(name, yf, tf, k):
    x, axis = EXTREME[k]
    t = ya.Tensor(x, requires_grad=True)
    out = yf(t, axis=axis)
    assert np.all(np.isfinite(out.data))
    w = rng_for("extreme", k).standard_normal(x.shape)
    ya.sum(out * w).backward()
    assert np.all(np.isfinite(t.grad.data))
    check_vjp(lambda a: yf(a, axis=axis), lambda a: tf(a, dim=axis), x)


def test_logsumexp_extreme_logits():
    x = np.array([1e4, -1e4, 0.0, 1e4 - 1])
    check_vjp(ya.logsumexp, lambda t: torch.logsumexp(t, 0), x)


# --------------------------------------------------------------------------------------
# float32
# --------------------------------------------------------------------------------------
F32_RTOL = 1e-5
F32_ATOL = 1e-6

F32 = [
    ("add-bcast", [(3, 4), (4,)], ya.add, torch.add),
    ("multiply", [(3, 4), (3, 4)], ya.multiply, torch.multiply),
    ("divide", [(3, 4), (3, 1)], lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ("exp", [(2, 3)], ya.exp, torch.exp),
    ("tanh", [(5,)], ya.tanh, torch.tanh),
    ("log", [(5,)], lambda a: ya.log(a * a + 1), lambda a: torch.log(a * a + 1)),
    ("sum-axis", [(3, 4)], lambda a: ya.sum(a, axis=0), lambda a: torch.sum(a, 0)),
    ("mean", [(3, 4)], ya.mean, torch.mean),
    ("max", [(3, 4)], lambda a: ya.max(a, axis=1), lambda a: torch.amax(a, 1)),
    ("matmul", [(3, 4), (4, 2)], ya.matmul, torch.matmul),
    ("einsum", [(2, 3, 4), (2, 4, 5)], lambda a, b: ya.einsum("bij,bjk->bik", a, b),
     lambda a, b: torch.einsum("bij,bjk->bik", a, b)),
    ("softmax", [(3, 4)], ya.softmax, lambda a: torch.softmax(a, -1)),
    ("log_softmax", [(3, 4)], ya.log_softmax, lambda a: torch.log_softmax(a, -1)),
    ("getitem", [(4, 3)], lambda a: a[np.array([0, 0, 2]), 1:],
     lambda a: a[torch.tensor([0, 0, 2]), 1:]),
    ("mul-python-float", [(3, 4)], lambda a: a * 2.0 + 1.5, lambda a: a * 2.0 + 1.5),
    ("sigmoid", [(6,)], ya.sigmoid, torch.sigmoid),
    ("var", [(3, 4)], lambda a: ya.var(a, axis=1, ddof=1),
     lambda a: torch.var(a, 1, correction=1)),
    ("transpose-reshape", [(2, 3, 4)], lambda a: ya.reshape(ya.transpose(a, (2, 0, 1)), (4, 6)),
     lambda a: a.permute(2, 0, 1).reshape(4, 6)),
]


@pytest.mark.parametrize("name,shapes,yf,tf", F32, ids=[f[0] for f in F32])
def test_float32(name, shapes, yf, tf):
    r = rng_for("f32", name)
    xs = [sample(r, s, dtype=np.float32) for s in shapes]
    for x in xs:
        assert x.dtype == np.float32
    # check_vjp asserts yaae's output dtype equals torch's (float32) and every
    # gradient's dtype equals its input's (float32)
    check_vjp(yf, tf, *xs, rtol=F32_RTOL, atol=F32_ATOL)


def test_float32_python_scalar_keeps_dtype():
    x32 = ya.Tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    for out in [x32 * 2.0, 2.0 * x32, x32 + 1, x32 / 3.0, x32 - 0.5, x32 ** 2,
                ya.multiply(x32, 2.0), ya.exp(x32)]:
        assert out.dtype == np.float32, out.dtype
    y = x32 * 2.0
    ya.sum(y).backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_array_equal(x32.grad.data, np.full(4, 2.0, np.float32))
