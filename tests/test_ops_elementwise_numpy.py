"""The elementwise ufuncs of issue #8 against NumPy (values and dtypes), their
NumPy interop (``np.NAME(tensor)``), the ``%`` and ``//`` operators,
``nan_to_num``'s gradient mask and ``sinc``'s derivatives at 0 (JAX, to order 3).

Gradients are compared with formulas written here in NumPy (independent of
yaae's rules) and, where noted, with PyTorch."""
import math

import numpy as np
import pytest
import torch

import yaae as ya

rng = np.random.default_rng(8)

# name -> (input maker, d/dx as a NumPy formula)
UNARY = {
    "arcsinh": (lambda s: rng.normal(size=s) * 2, lambda x: 1 / np.sqrt(x * x + 1)),
    "arccosh": (lambda s: rng.uniform(1.2, 4, s), lambda x: 1 / np.sqrt(x * x - 1)),
    "arctanh": (lambda s: rng.uniform(-0.9, 0.9, s), lambda x: 1 / (1 - x * x)),
    "exp2": (lambda s: rng.normal(size=s), lambda x: 2.0 ** x * math.log(2)),
    "log2": (lambda s: rng.uniform(0.3, 4, s), lambda x: 1 / (x * math.log(2))),
    "log10": (lambda s: rng.uniform(0.3, 4, s), lambda x: 1 / (x * math.log(10))),
    "reciprocal": (lambda s: rng.uniform(0.3, 4, s) * rng.choice([-1, 1], s),
                   lambda x: -1 / (x * x)),
    "cbrt": (lambda s: rng.uniform(0.3, 4, s) * rng.choice([-1, 1], s),
             lambda x: 1 / (3 * np.abs(x) ** (2 / 3))),
    "sinc": (lambda s: rng.normal(size=s) * 2,
             lambda x: (np.cos(np.pi * x) - np.sinc(x)) / x),
    "deg2rad": (lambda s: rng.normal(size=s) * 90, lambda x: np.full_like(x, np.pi / 180)),
    "radians": (lambda s: rng.normal(size=s) * 90, lambda x: np.full_like(x, np.pi / 180)),
    "rad2deg": (lambda s: rng.normal(size=s), lambda x: np.full_like(x, 180 / np.pi)),
    "degrees": (lambda s: rng.normal(size=s), lambda x: np.full_like(x, 180 / np.pi)),
    "fabs": (lambda s: rng.uniform(0.3, 4, s) * rng.choice([-1, 1], s), np.sign),
    "nan_to_num": (lambda s: rng.normal(size=s), lambda x: np.ones_like(x)),
}


def _ratio_ok(x, y):
    q = x / y
    return np.where(np.abs(q - np.round(q)) < 0.02, x + 0.05 * y, x)


def _nz(s):
    return rng.uniform(0.4, 2.5, s) * rng.choice([-1, 1], s)


# name -> (x maker, y maker, (d/dx, d/dy) as NumPy formulas)
BINARY = {
    "logaddexp": (lambda s: rng.normal(size=s) * 3, lambda s: rng.normal(size=s) * 3,
                  (lambda x, y: np.exp(x) / (np.exp(x) + np.exp(y)),
                   lambda x, y: np.exp(y) / (np.exp(x) + np.exp(y)))),
    "logaddexp2": (lambda s: rng.normal(size=s) * 3, lambda s: rng.normal(size=s) * 3,
                   (lambda x, y: 2 ** x / (2 ** x + 2 ** y),
                    lambda x, y: 2 ** y / (2 ** x + 2 ** y))),
    "arctan2": (_nz, _nz, (lambda x, y: y / (x * x + y * y),
                           lambda x, y: -x / (x * x + y * y))),
    "hypot": (_nz, _nz, (lambda x, y: x / np.sqrt(x * x + y * y),
                         lambda x, y: y / np.sqrt(x * x + y * y))),
    "fmax": (lambda s: rng.normal(size=s), lambda s: rng.normal(size=s),
             (lambda x, y: (x > y) * 1.0, lambda x, y: (x < y) * 1.0)),
    "fmin": (lambda s: rng.normal(size=s), lambda s: rng.normal(size=s),
             (lambda x, y: (x < y) * 1.0, lambda x, y: (x > y) * 1.0)),
    "remainder": (lambda s: rng.uniform(-4, 4, s), _nz,
                  (lambda x, y: np.ones_like(x * y), lambda x, y: -np.floor(x / y))),
    "mod": (lambda s: rng.uniform(-4, 4, s), _nz,
            (lambda x, y: np.ones_like(x * y), lambda x, y: -np.floor(x / y))),
    "fmod": (lambda s: rng.uniform(-4, 4, s), _nz,
             (lambda x, y: np.ones_like(x * y), lambda x, y: -np.trunc(x / y))),
    "floor_divide": (lambda s: rng.uniform(-4, 4, s), _nz,
                     (lambda x, y: np.zeros_like(x * y), lambda x, y: np.zeros_like(x * y))),
    "copysign": (_nz, _nz, (lambda x, y: np.sign(x) * np.sign(y),
                            lambda x, y: np.zeros_like(x * y))),
    "heaviside": (lambda s: np.where(rng.random(s) < 0.4, 0.0, _nz(s)),
                  lambda s: rng.normal(size=s),
                  (lambda x, y: np.zeros_like(x * y), lambda x, y: (x == 0) * 1.0)),
}


def _unary_input(name, shape, dtype):
    return UNARY[name][0](shape).astype(dtype)


def _binary_inputs(name, sx, sy, dtype):
    mx, my, _ = BINARY[name]
    x, y = mx(sx), my(sy)
    if name in ("remainder", "mod", "fmod", "floor_divide"):
        x = _ratio_ok(x, y)
    return x.astype(dtype), y.astype(dtype)


# ---- values and dtypes equal NumPy's ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_equal_numpy(name, dtype):
    npfn = getattr(np, name)
    for x in (_unary_input(name, (4, 5), dtype), _unary_input(name, (), dtype)[()]):
        out = getattr(ya, name)(x)
        want = npfn(x)
        assert isinstance(out, ya.Tensor)
        assert out.dtype == want.dtype == dtype
        np.testing.assert_array_equal(out.data, want)
        t = ya.Tensor(x, requires_grad=True)
        out = getattr(ya, name)(t * 1.0)        # 0-d: a NumPy scalar inside
        assert out.dtype == dtype
        np.testing.assert_array_equal(out.data, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_equal_numpy(name, dtype):
    npfn = getattr(np, name)
    for sx, sy in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (5,)), ((), ())]:
        x, y = _binary_inputs(name, sx, sy, dtype)
        x, y = x[()], y[()]
        want = npfn(x, y)
        out = getattr(ya, name)(x, y)
        assert out.dtype == want.dtype == dtype
        np.testing.assert_array_equal(out.data, want)
        # a Python float as either argument keeps float32
        for a, b in ((x, 0.7), (1.3, y)):
            want = npfn(a, b)
            out = getattr(ya, name)(a, b)
            assert out.dtype == np.asarray(want).dtype == dtype
            np.testing.assert_array_equal(out.data, want)


# ---- np.NAME(tensor) dispatches, with the right gradient ----------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_numpy_dispatch_gradient(name, dtype):
    x = _unary_input(name, (3, 4), dtype)
    t = ya.Tensor(x, requires_grad=True)
    out = getattr(np, name)(t)
    assert isinstance(out, ya.Tensor) and out.dtype == dtype
    np.testing.assert_array_equal(out.data, getattr(np, name)(x))
    ya.sum(out * 2.0).backward()
    assert t.grad.dtype == dtype
    want = 2 * UNARY[name][1](x.astype(np.float64))
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(t.grad.data, want, rtol=tol, atol=tol)
    # forward mode too
    v = rng.normal(size=x.shape)
    _, jv = ya.jvp(getattr(np, name), (x.astype(np.float64),), (v,))
    np.testing.assert_allclose(jv, UNARY[name][1](x.astype(np.float64)) * v, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_numpy_dispatch_gradient(name, dtype):
    x, y = _binary_inputs(name, (3, 4), (4,), dtype)
    tx, ty = ya.Tensor(x, requires_grad=True), ya.Tensor(y, requires_grad=True)
    out = getattr(np, name)(tx, ty)
    assert isinstance(out, ya.Tensor) and out.dtype == dtype
    np.testing.assert_array_equal(out.data, getattr(np, name)(x, y))
    ya.sum(out * 2.0).backward()
    dx, dy = BINARY[name][2]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert tx.grad.dtype == ty.grad.dtype == dtype
    np.testing.assert_allclose(tx.grad.data, 2 * dx(x64, y64), rtol=tol, atol=tol)
    np.testing.assert_allclose(ty.grad.data, np.sum(2 * dy(x64, y64), axis=0), rtol=tol,
                               atol=tol)
    # np.NAME(ndarray, tensor) dispatches too
    out = getattr(np, name)(x, ty)
    assert isinstance(out, ya.Tensor)


@pytest.mark.parametrize("name", ["arcsinh", "exp2", "log2", "sinc", "reciprocal", "fabs",
                                  "arctan2", "hypot", "fmod", "logaddexp", "copysign",
                                  "nan_to_num", "fmax"])
def test_tensor_methods(name):
    x = ya.Tensor(rng.uniform(0.5, 2, (3,)))
    y = ya.Tensor(rng.uniform(0.5, 2, (3,)))
    args = (x,) if name in UNARY else (x, y)
    np.testing.assert_array_equal(getattr(x, name)(*args[1:]).data,
                                  getattr(np, name)(*[a.data for a in args]))


# ---- the % and // operators --------------------------------------------------------------------
def test_mod_and_floordiv_operators():
    x = _ratio_ok(rng.uniform(-4, 4, (3, 4)), 0.7)
    y = _nz(4)
    x = _ratio_ok(x, y)
    for a, b in ((x, y), (x, 0.7), (2.3, y), (x, y.astype(np.float32))):
        ta = ya.Tensor(a) if isinstance(a, np.ndarray) else a
        tb = ya.Tensor(b) if isinstance(b, np.ndarray) else b
        for r, w in ((ta % tb, np.remainder(a, b)), (ta // tb, np.floor_divide(a, b))):
            assert isinstance(r, ya.Tensor) and r.dtype == w.dtype
            np.testing.assert_array_equal(r.data, w)
    # an ndarray on the left dispatches through __array_ufunc__
    ty = ya.Tensor(y)
    assert isinstance(x % ty, ya.Tensor) and isinstance(x // ty, ya.Tensor)
    np.testing.assert_array_equal((x % ty).data, x % y)
    np.testing.assert_array_equal((x // ty).data, x // y)


def test_mod_and_floordiv_gradients_match_torch():
    x = rng.uniform(-4, 4, (3, 4))
    y = _nz(4)
    x = _ratio_ok(x, y)

    def f(a, b):
        return (a % b) * 3.0 + (a // b) + (2.5 % b) + (a % 1.3) + (a // 0.9)
    gx, gy = ya.grad(lambda a, b: ya.sum(f(a, b)), argnums=(0, 1))(x, y)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.tensor(y, requires_grad=True)
    tout = (torch.remainder(tx, ty) * 3.0 + torch.floor_divide(tx, ty).detach()
            + torch.remainder(torch.tensor(2.5, dtype=torch.float64), ty)
            + torch.remainder(tx, 1.3) + torch.floor_divide(tx, 0.9).detach())
    tgx, tgy = torch.autograd.grad(tout.sum(), (tx, ty))
    np.testing.assert_allclose(gx, tgx.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, tgy.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(gx, 4.0)       # 3 + 0 + 1 + 0 (floor_divide: zero)


# ---- nan_to_num ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"nan": 1.5}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}])
def test_nan_to_num_gradient_mask(kw):
    x = rng.normal(size=(4, 5))
    x[0, 1] = x[2, 3] = np.nan
    x[1, 1] = np.inf
    x[3, 0] = -np.inf
    keep = np.isfinite(x)
    t = ya.Tensor(x.copy(), requires_grad=True)
    out = np.nan_to_num(t, **kw)
    assert isinstance(out, ya.Tensor)
    np.testing.assert_array_equal(out.data, np.nan_to_num(x, **kw))
    np.testing.assert_array_equal(t.data, x)      # never changed in place
    g = rng.normal(size=x.shape)
    out.backward(g)                               # (out * g would overflow at 1.8e308)
    np.testing.assert_array_equal(t.grad.data, np.where(keep, g, 0.0))
    # forward mode: the same mask; a method form with the keywords
    _, jv = ya.jvp(lambda v: v.nan_to_num(**kw), (x,), (g,))
    np.testing.assert_array_equal(jv, np.where(keep, g, 0.0))
    tt = torch.tensor(x, requires_grad=True)
    tg = torch.autograd.grad(torch.nan_to_num(tt, **kw), tt, torch.tensor(g))[0]
    np.testing.assert_array_equal(tg.numpy(), t.grad.data)


def test_nan_to_num_copy_false_does_not_change_a_tensor():
    x = np.array([np.nan, 1.0, np.inf])
    t = ya.Tensor(x.copy(), requires_grad=True)
    out = ya.nan_to_num(t, copy=False)
    np.testing.assert_array_equal(out.data, [0.0, 1.0, np.finfo(np.float64).max])
    np.testing.assert_array_equal(t.data, x)


# ---- sinc at 0: exact derivatives, every order -------------------------------------------------
def test_sinc_at_zero_to_order_3_against_jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    f, g = ya.sinc, jnp.sinc
    exact = [1.0, 0.0, -np.pi ** 2 / 3, 0.0]     # sinc's Maclaurin coefficients * k!
    for order in range(1, 4):
        f, g = ya.grad(f), jax.grad(g)
        for x in (0.0, -0.0, 0.5, 1.7, -2.3):
            a, b = float(f(x)), float(g(x))
            assert np.isfinite(a)
            assert abs(a - b) <= 1e-10 * (1 + abs(b)), (order, x, a, b)
        assert float(f(0.0)) == pytest.approx(exact[order], abs=1e-15)
    # forward mode and forward-over-reverse agree at 0, order 3
    h3 = ya.jacfwd(ya.jacfwd(ya.jacrev(ya.sinc)))(np.zeros(1))
    assert abs(h3.ravel()[0]) < 1e-15
    h2 = ya.jacfwd(ya.jacfwd(ya.sinc))(np.zeros(2))
    np.testing.assert_allclose(np.diagonal(np.diagonal(h2)), -np.pi ** 2 / 3, rtol=1e-14)


def test_sinc_derivatives_near_zero_are_accurate():
    # Taylor series of sinc's first two derivatives: no cancellation near 0
    x = np.array([1e-12, -1e-9, 1e-6, 1e-3])
    d1 = ya.grad(lambda v: ya.sum(ya.sinc(v)))(x)
    p2 = np.pi ** 2
    np.testing.assert_allclose(d1, -p2 / 3 * x + p2 ** 2 / 30 * x ** 3 - p2 ** 3 / 840 * x ** 5,
                               rtol=1e-12)
    d2 = ya.grad(lambda v: ya.sum(ya.grad(lambda w: ya.sum(ya.sinc(w)))(v)))(x)
    np.testing.assert_allclose(d2, -p2 / 3 + p2 ** 2 / 10 * x ** 2 - p2 ** 3 / 168 * x ** 4,
                               rtol=1e-12)


# ---- documented choices at kinks ---------------------------------------------------------------
def test_fmax_fmin_ties_and_nans_match_torch():
    x = np.array([1.0, 1.0, 2.0, np.nan, 1.0, np.nan])
    y = np.array([1.0, 2.0, 1.0, 1.0, np.nan, np.nan])
    for name, tf in (("fmax", torch.fmax), ("fmin", torch.fmin)):
        gx, gy = ya.grad(lambda a, b: ya.sum(getattr(ya, name)(a, b)), argnums=(0, 1))(x, y)
        tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
        tgx, tgy = torch.autograd.grad(tf(tx, ty).sum(), (tx, ty))
        np.testing.assert_array_equal(gx, tgx.numpy())
        np.testing.assert_array_equal(gy, tgy.numpy())


def test_hypot_and_arctan2_at_the_origin_are_zero():
    gx, gy = ya.grad(lambda a, b: ya.hypot(a, b), argnums=(0, 1))(0.0, 0.0)
    assert gx == 0.0 and gy == 0.0
    gx, gy = ya.grad(lambda a, b: ya.arctan2(a, b), argnums=(0, 1))(0.0, 0.0)
    tx, ty = torch.tensor(0.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    tg = torch.autograd.grad(torch.atan2(tx, ty), (tx, ty))
    assert (gx, gy) == (float(tg[0]), float(tg[1])) == (0.0, 0.0)


def test_copysign_signed_zeros_match_torch():
    x = np.array([0.0, -0.0, 1.5, -2.0, 0.0, 3.0])
    y = np.array([-1.0, 2.0, -0.0, 0.0, 3.0, -1.0])
    gx = ya.grad(lambda a: ya.sum(ya.copysign(a, y)))(x)
    tx = torch.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(gx, torch.autograd.grad(
        torch.copysign(tx, torch.tensor(y)).sum(), tx)[0].numpy())
