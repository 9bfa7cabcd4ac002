"""NumPy interop: NumPy functions and ufuncs applied to Tensors dispatch to
yaae, return Tensors and are differentiable (checked against PyTorch); NumPy
functions yaae does not differentiate raise a TypeError naming them."""
import numpy as np
import pytest
import torch

import yaae as ya
from yaae import Tensor


RNG = np.random.default_rng(20240607)


def _check(np_fn, torch_fn, *arrays, rtol=1e-12, atol=1e-12):
    """np_fn applied to yaae Tensors must equal torch_fn on torch tensors, in
    value and in the gradient for a random cotangent."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = np_fn(*xs)
    assert isinstance(out, Tensor), type(out)
    assert out.requires_grad
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = torch_fn(*ts)
    want = tout.detach().numpy()
    assert out.shape == want.shape
    np.testing.assert_allclose(out.data, want, rtol=rtol, atol=atol)
    seed = RNG.standard_normal(out.shape)
    out.backward(seed)
    tout.backward(torch.tensor(seed))
    for x, t in zip(xs, ts):
        assert x.grad is not None
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=rtol, atol=atol)
    return out


def _a(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape)


# --------------------------------------------------------------------------
# ufuncs
# --------------------------------------------------------------------------
@pytest.mark.parametrize("np_fn, torch_fn, lo", [
    (np.sin, torch.sin, -2.0),
    (np.cos, torch.cos, -2.0),
    (np.tan, torch.tan, -1.0),
    (np.exp, torch.exp, -2.0),
    (np.log, torch.log, 0.2),
    (np.log1p, torch.log1p, 0.2),
    (np.expm1, torch.expm1, -2.0),
    (np.sqrt, torch.sqrt, 0.2),
    (np.square, torch.square, -2.0),
    (np.tanh, torch.tanh, -2.0),
    (np.sinh, torch.sinh, -2.0),
    (np.cosh, torch.cosh, -2.0),
    (np.arctan, torch.arctan, -2.0),
    (np.negative, torch.negative, -2.0),
    (np.absolute, torch.abs, -2.0),
])
def test_unary_ufuncs(np_fn, torch_fn, lo):
    hi = 0.9 if np_fn in (np.tan,) else 2.0
    _check(np_fn, torch_fn, _a(3, 4, lo=lo, hi=hi))


@pytest.mark.parametrize("np_fn, torch_fn", [
    (np.arcsin, torch.arcsin),
    (np.arccos, torch.arccos),
])
def test_unary_ufuncs_unit_domain(np_fn, torch_fn):
    _check(np_fn, torch_fn, _a(5, lo=-0.9, hi=0.9))


@pytest.mark.parametrize("np_fn, torch_fn", [
    (np.add, torch.add),
    (np.subtract, torch.subtract),
    (np.multiply, torch.multiply),
    (np.divide, torch.divide),
    (np.true_divide, torch.true_divide),
    (np.maximum, torch.maximum),
    (np.minimum, torch.minimum),
])
def test_binary_ufuncs_with_broadcasting(np_fn, torch_fn):
    _check(np_fn, torch_fn, _a(3, 4, lo=0.5, hi=2.0), _a(4, lo=0.5, hi=2.0))
    _check(np_fn, torch_fn, _a(2, 1, 3, lo=0.5, hi=2.0), _a(4, 1, lo=0.5, hi=2.0))


def test_power_ufunc():
    _check(np.power, torch.pow, _a(3, lo=0.5, hi=2.0), _a(3, lo=-1.0, hi=2.0))


def test_ufunc_with_tensor_and_ndarray_argument():
    arr = _a(3, 4)
    _check(lambda x: np.multiply(arr, x), lambda x: torch.tensor(arr) * x, _a(3, 4))
    _check(lambda x: np.subtract(arr, x), lambda x: torch.tensor(arr) - x, _a(3, 4))
    _check(lambda x: np.maximum(x, 0.25), lambda x: torch.clamp(x, min=0.25), _a(7))


def test_ndarray_operators_with_tensor_on_the_right():
    arr = _a(3, 4, lo=0.5, hi=2.0)
    tarr = torch.tensor(arr)
    _check(lambda x: arr + x, lambda x: tarr + x, _a(3, 4))
    _check(lambda x: arr - x, lambda x: tarr - x, _a(3, 4))
    _check(lambda x: arr * x, lambda x: tarr * x, _a(3, 4))
    _check(lambda x: arr / x, lambda x: tarr / x, _a(3, 4, lo=0.5, hi=2.0))
    _check(lambda x: arr ** x, lambda x: tarr ** x, _a(3, 4))


def test_ndarray_matmul_tensor():
    a = _a(2, 3)
    ta = torch.tensor(a)
    _check(lambda x: a @ x, lambda x: ta @ x, _a(3, 4))
    _check(lambda x: np.matmul(a, x), lambda x: ta @ x, _a(3, 4))
    v = _a(3)
    tv = torch.tensor(v)
    _check(lambda x: v @ x, lambda x: tv @ x, _a(3, 4))
    _check(lambda x: x @ v, lambda x: x @ tv, _a(4, 3))
    # batched
    b = _a(5, 2, 3)
    tb = torch.tensor(b)
    _check(lambda x: b @ x, lambda x: tb @ x, _a(3, 4))


# --------------------------------------------------------------------------
# array functions
# --------------------------------------------------------------------------
def test_np_sum():
    _check(lambda x: np.sum(x, axis=0), lambda x: torch.sum(x, dim=0), _a(3, 4))
    _check(lambda x: np.sum(x), lambda x: torch.sum(x), _a(3, 4))
    _check(lambda x: np.sum(x, axis=(0, 2), keepdims=True),
           lambda x: torch.sum(x, dim=(0, 2), keepdim=True), _a(2, 3, 4))
    _check(lambda x: np.sum(x, axis=-1), lambda x: torch.sum(x, dim=-1), _a(2, 3, 4))


def test_np_mean():
    _check(lambda x: np.mean(x), lambda x: torch.mean(x), _a(3, 4))
    _check(lambda x: np.mean(x, axis=1), lambda x: torch.mean(x, dim=1), _a(3, 4))
    _check(lambda x: np.mean(x, axis=0, keepdims=True),
           lambda x: torch.mean(x, dim=0, keepdim=True), _a(3, 4))


def test_np_var_std_prod_max():
    _check(lambda x: np.var(x, axis=0), lambda x: torch.var(x, dim=0, unbiased=False), _a(4, 3))
    _check(lambda x: np.std(x), lambda x: torch.std(x, unbiased=False), _a(4, 3))
    _check(lambda x: np.prod(x, axis=1), lambda x: torch.prod(x, dim=1), _a(3, 4))
    _check(lambda x: np.max(x, axis=1), lambda x: torch.amax(x, dim=1), _a(3, 4))
    _check(lambda x: np.min(x), lambda x: torch.amin(x), _a(3, 4))


def test_np_concatenate():
    _check(lambda x, y: np.concatenate([x, y]), lambda x, y: torch.cat([x, y]),
           _a(2, 3), _a(4, 3))
    _check(lambda x, y: np.concatenate([x, y], axis=1), lambda x, y: torch.cat([x, y], dim=1),
           _a(2, 3), _a(2, 1))
    _check(lambda x, y: np.concatenate((x, y, x), axis=-1),
           lambda x, y: torch.cat((x, y, x), dim=-1), _a(2, 3), _a(2, 2))


def test_np_concatenate_with_ndarray():
    c = _a(1, 3)
    _check(lambda x: np.concatenate([c, x]), lambda x: torch.cat([torch.tensor(c), x]),
           _a(2, 3))


def test_np_stack():
    _check(lambda x, y: np.stack([x, y], axis=1), lambda x, y: torch.stack([x, y], dim=1),
           _a(2, 3), _a(2, 3))


def test_np_where():
    a = _a(3, 4)
    b = _a(3, 4)
    cond = a > b
    _check(lambda x, y: np.where(cond, x, y), lambda x, y: torch.where(torch.tensor(cond), x, y),
           a, b)
    # condition computed from a Tensor
    x = Tensor(a, requires_grad=True)
    out = np.where(x > 0, x * 2, x * x)
    assert isinstance(out, Tensor)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(a > 0, 2.0, 2 * a), rtol=1e-14)
    # broadcasting with a scalar branch
    _check(lambda x: np.where(cond, x, 0.0),
           lambda x: torch.where(torch.tensor(cond), x, torch.tensor(0.0, dtype=torch.float64)),
           a)


def test_np_reshape():
    _check(lambda x: np.reshape(x, (4, 3)), lambda x: torch.reshape(x, (4, 3)), _a(3, 4))
    _check(lambda x: np.reshape(x, (-1,)), lambda x: torch.reshape(x, (-1,)), _a(3, 4))
    _check(lambda x: np.reshape(x, (2, 3, 2)) * np.arange(12.0).reshape(2, 3, 2),
           lambda x: torch.reshape(x, (2, 3, 2)) * torch.arange(12.0, dtype=torch.float64).reshape(2, 3, 2),
           _a(3, 4))


def test_np_transpose():
    _check(lambda x: np.transpose(x), lambda x: x.permute(1, 0), _a(3, 4))
    _check(lambda x: np.transpose(x, (1, 2, 0)), lambda x: x.permute(1, 2, 0), _a(2, 3, 4))
    _check(lambda x: np.transpose(x) @ x, lambda x: x.T @ x, _a(3, 4))


def test_np_misc_functions():
    _check(lambda x, y: np.dot(x, y), lambda x, y: x @ y, _a(2, 3), _a(3, 4))
    _check(lambda x, y: np.outer(x, y), lambda x, y: torch.outer(x, y), _a(3), _a(4))
    _check(lambda x: np.clip(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), _a(10))
    _check(lambda x: np.linalg.norm(x), lambda x: torch.linalg.norm(x), _a(3, 4))
    _check(lambda x, y: np.einsum("ij,jk->ik", x, y),
           lambda x, y: torch.einsum("ij,jk->ik", x, y), _a(2, 3), _a(3, 4))
    _check(lambda x: np.swapaxes(x, 0, 2), lambda x: torch.swapaxes(x, 0, 2), _a(2, 3, 4))
    _check(lambda x: np.expand_dims(x, 1), lambda x: x.unsqueeze(1), _a(2, 3))
    _check(lambda x: np.squeeze(x), lambda x: x.squeeze(), _a(2, 1, 3))
    _check(lambda x: np.trace(x), lambda x: torch.trace(x), _a(3, 3))


def test_composite_numpy_expression():
    w = _a(4, 3)
    tw = torch.tensor(w)

    def np_f(x, b):
        h = np.tanh(x @ w + b)
        return np.mean(np.exp(np.sin(h)) * np.maximum(h, 0.1), axis=0)

    def t_f(x, b):
        h = torch.tanh(x @ tw + b)
        return torch.mean(torch.exp(torch.sin(h)) * torch.maximum(h, torch.tensor(0.1,
                                                                          dtype=torch.float64)),
                          dim=0)
    _check(np_f, t_f, _a(5, 4), _a(3))


def test_numpy_functions_keep_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    outs = [np.sin(x), np.exp(x), np.sum(x, axis=0), np.mean(x), np.reshape(x, (3, 2)),
            np.transpose(x), np.concatenate([x, x]), np.maximum(x, 0.5),
            np.where(x.data > 0, x, 0.0), np.ones((4, 2), dtype=np.float32) @ x, x * 2.0]
    for o in outs:
        assert isinstance(o, Tensor)
        assert o.dtype == np.float32, o
    total = outs[0].sum()
    for o in outs[1:]:
        total = total + o.sum()
    assert total.dtype == np.float32
    total.backward()
    assert x.grad.dtype == np.float32


def test_np_asarray_gives_data():
    arr = _a(3, 2)
    x = Tensor(arr)          # needs no gradient: converts freely (printing, plotting)
    got = np.asarray(x)
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, arr)
    assert np.asarray(x) is x.data
    y = np.array(x)
    np.testing.assert_array_equal(y, arr)
    # float32 dtype request gives a converted copy
    z = np.asarray(x, dtype=np.float32)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, arr.astype(np.float32))


def test_non_differentiable_numpy_functions_run_on_data():
    arr = np.array([[1.0, 5.0, 2.0], [0.5, -1.0, 3.0]])
    x = Tensor(arr, requires_grad=True)
    assert np.shape(x) == (2, 3)
    assert np.allclose(x, arr)
    np.testing.assert_array_equal(np.asarray(np.argmax(x, axis=1)), np.argmax(arr, axis=1))
    gt = np.greater(x, 1.0)
    np.testing.assert_array_equal(np.asarray(gt), arr > 1.0)
    np.testing.assert_array_equal(np.asarray(np.isfinite(x)), np.ones((2, 3), bool))


# --------------------------------------------------------------------------
# NumPy functions without a rule raise TypeError naming them
# --------------------------------------------------------------------------
@pytest.mark.parametrize("call, name", [
    (lambda t, u: np.unwrap(t), "unwrap"),
    (lambda t, u: np.piecewise(t, [t.data > 0], [1.0, 0.0]), "piecewise"),
    (lambda t, u: np.add.reduce(t), "add"),
    (lambda t, u: np.multiply.accumulate(t), "multiply"),
    (lambda t, u: np.add.outer(t, u), "add"),
    (lambda t, u: np.maximum(t, u, out=np.empty(t.shape)), "maximum"),
    (lambda t, u: np.sin(t, where=t.data > 0), "sin"),
])
def test_numpy_function_without_rule_raises(call, name):
    t = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    u = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError) as info:
        call(t, u)
    assert name in str(info.value)


def test_ufunc_method_is_named():
    t = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError) as info:
        np.add.reduce(t)
    msg = str(info.value)
    assert "add" in msg and "reduce" in msg


def test_ufunc_with_out_argument_refused():
    t = Tensor([0.5, 1.0], requires_grad=True)
    out = np.empty(2)
    with pytest.raises(TypeError) as info:
        np.sin(t, out=out)
    assert "sin" in str(info.value)


def test_unsupported_function_without_grad_also_refused():
    # the TypeError does not depend on requires_grad: a Tensor is a Tensor
    t = Tensor([0.5, 1.0])
    with pytest.raises(TypeError, match="unwrap"):
        np.unwrap(t)
    # ... but the data itself is an ndarray and works
    np.testing.assert_allclose(np.unwrap(t.data), [0.5, 1.0])
