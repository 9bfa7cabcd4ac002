"""Tensor construction, attributes, backward semantics, grad modes, hooks,
memory release, deep graphs, Python operators and custom primitives.

Expected values come from closed forms, NumPy or PyTorch, never from yaae.
"""
import gc
import math
import threading
import weakref

import numpy as np
import pytest
import torch

import yaae as ya
from yaae import Node, Tensor


RNG = np.random.default_rng(1234)


def _torch_grads(fn, *arrays):
    """Value and gradients of sum(fn(*tensors) * seed) computed by torch in float64."""
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(torch.ones_like(out))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


# --------------------------------------------------------------------------
# construction and dtypes
# --------------------------------------------------------------------------
class TestConstruction:
    def test_node_is_tensor(self):
        assert Node is Tensor
        assert ya.Node is ya.Tensor
        assert isinstance(ya.tensor([1.0]), Tensor)

    def test_tensor_function_matches_class(self):
        a = ya.tensor([[1, 2], [3, 4]], requires_grad=True)
        b = ya.Tensor([[1, 2], [3, 4]], requires_grad=True)
        assert type(a) is type(b)
        assert a.dtype == b.dtype == np.float64
        assert a.requires_grad and b.requires_grad
        np.testing.assert_array_equal(a.data, b.data)
        c = ya.tensor([1, 2], dtype=np.float32)
        assert c.dtype == np.float32

    @pytest.mark.parametrize("data", [3, True, [1, 2, 3], [[True, False]], np.arange(4),
                                      np.arange(4, dtype=np.int8),
                                      np.array([1, 2], dtype=np.uint16)])
    def test_integer_and_bool_data_keep_their_dtype(self, data):
        # issue #11: ya.tensor keeps an integer or bool dtype, as PyTorch and NumPy do
        t = Tensor(data)
        assert isinstance(t.data, np.ndarray)
        assert t.dtype == np.asarray(data).dtype
        np.testing.assert_array_equal(t.data, np.asarray(data))

    @pytest.mark.parametrize("data", [3, 2.5, [1, 2, 3], np.arange(4, dtype=np.int8),
                                      np.array([1, 2], dtype=np.uint16)])
    def test_numbers_and_ints_that_require_grad_become_default_float(self, data):
        t = Tensor(data, requires_grad=True)
        assert t.dtype == np.float64 and t.requires_grad
        np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))

    def test_float_dtypes_are_kept(self):
        assert Tensor(np.ones(3, dtype=np.float32)).dtype == np.float32
        assert Tensor(np.ones(3, dtype=np.float64)).dtype == np.float64
        assert Tensor(np.float32(1.5)).dtype == np.float32

    def test_explicit_integer_dtype_is_kept(self):
        t = Tensor([1, 2, 3], dtype=np.int64)
        assert t.dtype == np.int64
        assert not t.requires_grad
        u = Tensor([1.7, 2.2], dtype=np.int32)
        assert u.dtype == np.int32

    def test_explicit_float_dtype(self):
        t = Tensor([1, 2, 3], dtype=np.float32, requires_grad=True)
        assert t.dtype == np.float32 and t.requires_grad

    @pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
    def test_requires_grad_on_integer_or_bool_refused(self, dtype):
        with pytest.raises(TypeError):
            Tensor([1, 0], dtype=dtype, requires_grad=True)
        t = Tensor([1, 0], dtype=dtype)
        with pytest.raises(TypeError):
            t.requires_grad_()

    def test_set_default_dtype(self):
        old = ya.get_default_dtype()
        assert old == np.float64
        try:
            ya.set_default_dtype(np.float32)
            assert ya.get_default_dtype() == np.float32
            assert Tensor(3.0).dtype == np.float32
            assert Tensor([1.5, 2]).dtype == np.float32
            assert Tensor(3, requires_grad=True).dtype == np.float32
            assert Tensor([1, 2]).dtype == np.int64         # integer data keeps its dtype
            # explicit float64 data is not changed by the default
            assert Tensor(np.ones(2, dtype=np.float64)).dtype == np.float64
        finally:
            ya.set_default_dtype(old)
        assert ya.get_default_dtype() == np.float64
        assert Tensor(3.0).dtype == np.float64

    def test_set_default_dtype_rejects_non_float(self):
        with pytest.raises(TypeError):
            ya.set_default_dtype(np.int32)
        assert ya.get_default_dtype() == np.float64

    def test_tensor_from_tensor_and_list_of_tensors(self):
        a = Tensor([1.0, 2.0])
        b = Tensor(a)
        np.testing.assert_array_equal(b.data, [1.0, 2.0])
        c = Tensor([Tensor(1.0), Tensor(2.0)])
        np.testing.assert_array_equal(c.data, [1.0, 2.0])


# --------------------------------------------------------------------------
# attributes
# --------------------------------------------------------------------------
class TestAttributes:
    def test_basic_attributes(self):
        arr = np.arange(6.0).reshape(2, 3)
        t = Tensor(arr, requires_grad=True)
        assert isinstance(t.data, np.ndarray)
        np.testing.assert_array_equal(t.data, arr)
        assert t.grad is None
        assert t.requires_grad is True
        assert t.shape == (2, 3)
        assert t.ndim == 2
        assert t.size == 6
        assert t.dtype == np.float64
        assert t.is_leaf
        assert len(t) == 2
        np.testing.assert_array_equal(t.numpy(), arr)
        assert isinstance(t.numpy(), np.ndarray)

    def test_transpose_property(self):
        arr = np.arange(6.0).reshape(2, 3)
        t = Tensor(arr, requires_grad=True)
        tt = t.T
        assert isinstance(tt, Tensor)
        assert tt.shape == (3, 2)
        np.testing.assert_array_equal(tt.data, arr.T)
        assert not tt.is_leaf
        (tt * np.arange(6.0).reshape(3, 2)).sum().backward()
        np.testing.assert_array_equal(t.grad.data, np.arange(6.0).reshape(3, 2).T)

    def test_item(self):
        assert Tensor(2.5).item() == 2.5
        assert isinstance(Tensor(2.5).item(), float)
        assert Tensor([[7.0]]).item() == 7.0
        with pytest.raises(ValueError):
            Tensor([1.0, 2.0]).item()

    def test_len_of_scalar_fails(self):
        with pytest.raises(TypeError):
            len(Tensor(1.0))

    def test_is_leaf(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        assert x.is_leaf
        assert not y.is_leaf
        assert y.requires_grad
        c = Tensor([1.0]) * 3  # no grad: no graph
        assert not c.requires_grad

    def test_repr_shows_data_dtype_and_op(self):
        x = Tensor([1.5, -2.25], requires_grad=True)
        r = repr(x)
        assert "1.5" in r and "-2.25" in r
        assert "float64" in r
        y = x * 2.0
        ry = repr(y)
        assert "3." in ry and "-4.5" in ry
        assert "float64" in ry
        assert "multiply" in ry
        z = Tensor(np.ones(2, dtype=np.float32), requires_grad=True).sin()
        rz = repr(z)
        assert "float32" in rz and "sin" in rz

    def test_asarray_gives_data(self):
        arr = np.arange(4.0)
        t = Tensor(arr)
        out = np.asarray(t)
        assert isinstance(out, np.ndarray)
        np.testing.assert_array_equal(out, arr)

    def test_asarray_of_tensor_requiring_grad_raises(self):
        t = Tensor(np.arange(4.0), requires_grad=True)
        with pytest.raises(TypeError, match=r"requires grad.*shape \(4,\).*\.data.*detach"):
            np.asarray(t)
        np.testing.assert_array_equal(np.asarray(t.detach()), np.arange(4.0))


# --------------------------------------------------------------------------
# worked examples from the issue
# --------------------------------------------------------------------------
class TestWorkedExamples:
    def test_w5_example(self):
        w1 = Node(2, requires_grad=True)
        w2 = Node(3, requires_grad=True)
        w5 = w2 * w1 + w1.sin()
        w5.backward()
        assert w5.data == pytest.approx(6 + math.sin(2), abs=1e-15)
        assert w1.grad.data == 2.5838531634528574
        assert w1.grad.data == pytest.approx(math.cos(2) + 3, abs=1e-15)
        assert w2.grad.data == 2.0

    def test_polynomial_example(self):
        x = Node(2, requires_grad=True)
        y = Node(3, requires_grad=True)
        f = 2 * y * x ** 2 + x * y + 3
        f.backward()
        assert f.data == 33.0
        assert x.grad.data == pytest.approx(27.0, abs=1e-12)
        assert y.grad.data == pytest.approx(10.0, abs=1e-12)

    def test_exp_cos_example(self):
        x1 = Node(1, requires_grad=True)
        x2 = Node(2, requires_grad=True)
        y = (2 * x1).exp() + x1 * x2 ** 2 + x2.cos()
        y.backward()
        np.testing.assert_allclose(y.data, np.exp(2.0) + 4.0 + np.cos(2.0), rtol=1e-14)
        np.testing.assert_allclose(x1.grad.data, 2 * np.e ** 2 + 4, rtol=1e-14)
        np.testing.assert_allclose(x2.grad.data, 4 - np.sin(2.0), rtol=1e-14)

    def test_exp_cos_example_vector(self):
        x = Node([1.0, 2.0], requires_grad=True)
        y = (2 * x[0]).exp() + x[0] * x[1] ** 2 + x[1].cos()
        y.backward()
        np.testing.assert_allclose(x.grad.data, [2 * np.exp(2.0) + 4, 4 - np.sin(2.0)],
                                   rtol=1e-14)


# --------------------------------------------------------------------------
# Python operators, both ways, with scalars and ndarrays
# --------------------------------------------------------------------------
class TestOperators:
    def setup_method(self):
        self.a = RNG.uniform(0.5, 2.0, size=(3, 4))
        self.b = RNG.uniform(0.5, 2.0, size=(3, 4))
        self.m = RNG.standard_normal((4, 3))

    def _check(self, yfn, tfn, *arrays):
        xs = [Tensor(a, requires_grad=True) for a in arrays]
        out = yfn(*xs)
        assert isinstance(out, Tensor)
        out.backward(np.ones(out.shape))
        want, wgrads = _torch_grads(tfn, *arrays)
        np.testing.assert_allclose(out.data, want, rtol=1e-12, atol=1e-12)
        for x, wg in zip(xs, wgrads):
            assert x.grad.shape == x.shape
            np.testing.assert_allclose(x.grad.data, wg, rtol=1e-12, atol=1e-12)

    def test_add(self):
        b = self.b
        self._check(lambda x: x + 2, lambda x: x + 2, self.a)
        self._check(lambda x: 2 + x, lambda x: 2 + x, self.a)
        self._check(lambda x: x + b, lambda x: x + torch.tensor(b), self.a)
        self._check(lambda x: b + x, lambda x: torch.tensor(b) + x, self.a)
        self._check(lambda x, y: x + y, lambda x, y: x + y, self.a, self.b)

    def test_sub(self):
        b = self.b
        self._check(lambda x: x - 2, lambda x: x - 2, self.a)
        self._check(lambda x: 2 - x, lambda x: 2 - x, self.a)
        self._check(lambda x: b - x, lambda x: torch.tensor(b) - x, self.a)
        self._check(lambda x: x - b, lambda x: x - torch.tensor(b), self.a)
        self._check(lambda x, y: x - y, lambda x, y: x - y, self.a, self.b)

    def test_mul(self):
        b = self.b
        self._check(lambda x: 2 * x, lambda x: 2 * x, self.a)
        self._check(lambda x: x * 2.5, lambda x: x * 2.5, self.a)
        self._check(lambda x: b * x, lambda x: torch.tensor(b) * x, self.a)
        self._check(lambda x, y: x * y, lambda x, y: x * y, self.a, self.b)

    def test_div(self):
        b = self.b
        self._check(lambda x: x / 3, lambda x: x / 3, self.a)
        self._check(lambda x: 3 / x, lambda x: 3 / x, self.a)
        self._check(lambda x: b / x, lambda x: torch.tensor(b) / x, self.a)
        self._check(lambda x: x / b, lambda x: x / torch.tensor(b), self.a)
        self._check(lambda x, y: x / y, lambda x, y: x / y, self.a, self.b)

    def test_pow(self):
        b = self.b
        self._check(lambda x: x ** 2, lambda x: x ** 2, self.a)
        self._check(lambda x: x ** 3.5, lambda x: x ** 3.5, self.a)
        self._check(lambda x: 2 ** x, lambda x: 2 ** x, self.a)
        self._check(lambda x: b ** x, lambda x: torch.tensor(b) ** x, self.a)
        self._check(lambda x, y: x ** y, lambda x, y: x ** y, self.a, self.b)

    def test_matmul(self):
        m = self.m
        a = self.a
        self._check(lambda x: x @ m, lambda x: x @ torch.tensor(m), self.a)
        self._check(lambda x: a @ x, lambda x: torch.tensor(a) @ x, self.m)
        self._check(lambda x, y: x @ y, lambda x, y: x @ y, self.a, self.m)

    def test_neg_abs(self):
        c = self.a - 1.2
        self._check(lambda x: -x, lambda x: -x, c)
        self._check(lambda x: abs(x), lambda x: abs(x), c)

    def test_broadcasting_gradients(self):
        row = RNG.standard_normal(4)
        col = RNG.standard_normal((3, 1))
        self._check(lambda x, y: x * y, lambda x, y: x * y, self.a, row)
        self._check(lambda x, y: x - y, lambda x, y: x - y, self.a, col)
        self._check(lambda x, y: y / x, lambda x, y: y / x, self.a, col)

    def test_same_tensor_used_twice(self):
        self._check(lambda x: x * x + x, lambda x: x * x + x, self.a)

    def test_comparisons_return_boolean_tensors(self):
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        r = x > 1.5
        assert isinstance(r, Tensor)
        np.testing.assert_array_equal(r.data, [False, True, True])
        assert not r.requires_grad


# --------------------------------------------------------------------------
# dtype preservation
# --------------------------------------------------------------------------
class TestDtypePreservation:
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_ops_and_grads_keep_dtype(self, dtype):
        x = Tensor(np.array([[0.5, 1.5], [2.0, 0.25]], dtype=dtype), requires_grad=True)
        w = Tensor(np.array([[1.0, -1.0], [0.5, 2.0]], dtype=dtype), requires_grad=True)
        steps = []
        y = x * 2.5
        steps.append(y)
        y = 1.5 + y
        steps.append(y)
        y = y - 0.25
        steps.append(y)
        y = 3 / y
        steps.append(y)
        y = y ** 2
        steps.append(y)
        y = 2 ** y
        steps.append(y)
        y = y @ w
        steps.append(y)
        y = (y * 0.01).exp().sin().tanh().sqrt()
        steps.append(y)
        y = y.sum(axis=0).mean()
        steps.append(y)
        for s in steps:
            assert s.dtype == dtype, s
        y.backward()
        assert x.grad.dtype == dtype
        assert w.grad.dtype == dtype

    def test_python_scalar_never_upcasts_float32(self):
        x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        for out in [x + 1e-300, 1.0 + x, x * 3.14159, 2.0 * x, x / 7.0, 7.0 / x,
                    x - 0.1, 0.1 - x, x ** 2.0, 2.0 ** x, x ** 2]:
            assert out.dtype == np.float32
            out.backward(np.ones(3, dtype=np.float32))
            assert x.grad.dtype == np.float32
            x.grad = None

    def test_mixed_float32_float64_gradients_keep_input_dtypes(self):
        a = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
        b = Tensor(np.array([3.0, 4.0], dtype=np.float64), requires_grad=True)
        out = a * b
        assert out.dtype == np.result_type(np.float32, np.float64)
        out.sum().backward()
        assert a.grad.dtype == np.float32
        assert b.grad.dtype == np.float64
        np.testing.assert_allclose(a.grad.data, [3.0, 4.0])
        np.testing.assert_allclose(b.grad.data, [1.0, 2.0])

    def test_grad_argument_dtype_does_not_upcast_float32(self):
        x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
        y = x * 3.0
        y.backward(np.array([1.0, 1.0], dtype=np.float64))
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


# --------------------------------------------------------------------------
# backward semantics
# --------------------------------------------------------------------------
class TestBackward:
    def test_scalar_backward_without_grad(self):
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        np.testing.assert_allclose(x.grad.data, [2.0, 4.0, 6.0])
        assert isinstance(x.grad, Tensor)

    def test_ops_directly_on_leaves(self):
        # reductions and multi-argument ops applied straight to leaf tensors
        a = np.array([1.0, 2.0, 3.0])
        x = Tensor(a, requires_grad=True)
        x.sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.ones(3))
        x.grad = None
        ya.sum(x, axis=0).backward()
        np.testing.assert_array_equal(x.grad.data, np.ones(3))
        x.grad = None
        (ya.concatenate([x, x]) * np.arange(6.0)).sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.arange(3.0) + np.arange(3.0, 6.0))
        x.grad = None
        x.mean().backward()
        np.testing.assert_allclose(x.grad.data, np.full(3, 1 / 3))

    def test_one_element_non_scalar_backward_without_grad(self):
        x = Tensor([[3.0]], requires_grad=True)
        y = x * x
        assert y.shape == (1, 1)
        y.backward()
        np.testing.assert_allclose(x.grad.data, [[6.0]])

    def test_nonscalar_without_grad_raises(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        with pytest.raises(RuntimeError, match="grad must be given"):
            y.backward()

    @pytest.mark.parametrize("kind", ["ndarray", "tensor", "list"])
    def test_backward_with_grad(self, kind):
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x ** 3
        seed = np.array([1.0, -2.0, 0.5])
        g = {"ndarray": seed, "tensor": Tensor(seed), "list": seed.tolist()}[kind]
        y.backward(g)
        np.testing.assert_allclose(x.grad.data, 3 * np.array([1.0, 2.0, 3.0]) ** 2 * seed)

    def test_backward_of_leaf(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        x.backward(np.array([3.0, 4.0]))
        np.testing.assert_allclose(x.grad.data, [3.0, 4.0])

    def test_gradients_accumulate_across_calls(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        np.testing.assert_allclose(x.grad.data, [3 + 2.0, 3 + 4.0])
        x.zero_grad()
        assert x.grad is None
        (x * 3).sum().backward()
        np.testing.assert_allclose(x.grad.data, [3.0, 3.0])
        x.grad = None
        (x * 5).sum().backward()
        np.testing.assert_allclose(x.grad.data, [5.0, 5.0])

    def test_accumulation_is_in_place_as_in_torch(self):
        # PyTorch accumulates into the existing .grad: a reference held to it
        # sees later accumulation (and a copy made earlier does not)
        import torch
        tx = torch.tensor([1.0, 2.0], requires_grad=True)
        (tx * 3).sum().backward()
        tfirst = tx.grad
        (tx * 3).sum().backward()
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        first = x.grad
        first_copy = first.data.copy()
        (x * 3).sum().backward()
        np.testing.assert_allclose(x.grad.data, [6.0, 6.0])
        assert first is x.grad and (tfirst is tx.grad)
        np.testing.assert_array_equal(first.data, tfirst.numpy())
        np.testing.assert_array_equal(first_copy, [3.0, 3.0])

    def test_intermediate_grad_only_with_retain_grad(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        k = x * 4
        h.retain_grad()
        out = (h * h).sum() + k.sum()
        out.backward()
        np.testing.assert_allclose(h.grad.data, 2 * 3 * np.array([1.0, 2.0]))
        assert k.grad is None
        np.testing.assert_allclose(x.grad.data, 18 * np.array([1.0, 2.0]) + 4)

    def test_unreached_leaf_grad_stays_none(self):
        x = Tensor(1.0, requires_grad=True)
        z = Tensor(2.0, requires_grad=True)
        (x * 2).backward()
        assert z.grad is None
        np.testing.assert_allclose(x.grad.data, 2.0)

    def test_second_backward_through_released_graph_raises(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * 2).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="(?i)second time|released|retain_graph"):
            y.backward()
        # the failed attempt must not have changed the accumulated gradient
        np.testing.assert_allclose(x.grad.data, 2 * np.exp([1.0, 2.0]))

    def test_retain_graph_allows_second_backward(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * 2).sum()
        y.backward(retain_graph=True)
        y.backward()
        np.testing.assert_allclose(x.grad.data, 4 * np.exp([1.0, 2.0]))
        with pytest.raises(RuntimeError):
            y.backward()

    def test_backward_from_non_grad_tensor_raises(self):
        x = Tensor([1.0, 2.0])
        with pytest.raises(RuntimeError):
            (x * 2).sum().backward()

    def test_create_graph_second_derivative(self):
        x = Tensor(1.3, requires_grad=True)
        y = x ** 3 + x.sin()
        y.backward(create_graph=True)
        g = x.grad
        np.testing.assert_allclose(g.data, 3 * 1.3 ** 2 + math.cos(1.3), rtol=1e-14)
        assert g.requires_grad
        x.grad = None
        g.backward()
        np.testing.assert_allclose(x.grad.data, 6 * 1.3 - math.sin(1.3), rtol=1e-14)

    def test_create_graph_matches_torch(self):
        a = RNG.uniform(0.5, 1.5, size=5)
        x = Tensor(a, requires_grad=True)
        y = ((x * x).exp() * x.cos()).sum()
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx * gx).sum().backward()

        tx = torch.tensor(a, requires_grad=True)
        ty = ((tx * tx).exp() * tx.cos()).sum()
        (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
        (tg * tg).sum().backward()
        np.testing.assert_allclose(gx.data, tg.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)

    def test_diamond_graph(self):
        a = RNG.standard_normal(4)
        x = Tensor(a, requires_grad=True)
        h = x.sin()
        out = (h * h.cos() + h.exp() * x).sum()
        out.backward()
        _, (want,) = _torch_grads(lambda t: (t.sin() * t.sin().cos() + t.sin().exp() * t).sum(), a)
        np.testing.assert_allclose(x.grad.data, want, rtol=1e-12)


# --------------------------------------------------------------------------
# memory: buffers released, no reference cycles
# --------------------------------------------------------------------------
class TestMemory:
    def test_intermediate_buffer_freed_after_backward(self):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            x = Tensor(RNG.standard_normal(1000), requires_grad=True)
            h = x.exp()
            out = (h * 2.0).sin().sum()
            ref = weakref.ref(h.data)
            del h
            assert ref() is not None  # the graph keeps the saved buffer alive
            out.backward()
            assert ref() is None
            # the gradient is still correct
            a = x.data
            np.testing.assert_allclose(x.grad.data, np.cos(2 * np.exp(a)) * 2 * np.exp(a),
                                       rtol=1e-12)
        finally:
            if was_enabled:
                gc.enable()

    def test_intermediate_buffer_kept_with_retain_graph(self):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            x = Tensor(RNG.standard_normal(10), requires_grad=True)
            h = x.exp()
            out = (h * h).sum()
            ref = weakref.ref(h.data)
            del h
            out.backward(retain_graph=True)
            assert ref() is not None
            out.backward()
            assert ref() is None
            np.testing.assert_allclose(x.grad.data, 2 * 2 * np.exp(2 * x.data), rtol=1e-12)
        finally:
            if was_enabled:
                gc.enable()

    def test_no_reference_cycles(self):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            x = Tensor(RNG.standard_normal(50), requires_grad=True)
            h = x.sin()
            h2 = h * x
            out = (h2 + h).sum()
            ref_h = weakref.ref(h)
            ref_h2 = weakref.ref(h2)
            ref_out = weakref.ref(out)
            out.backward()
            del h, h2
            assert ref_h() is None
            assert ref_h2() is None
            del out
            assert ref_out() is None
            assert x.grad is not None
        finally:
            if was_enabled:
                gc.enable()

    def test_no_cycles_with_retain_grad_and_hooks(self):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            x = Tensor(RNG.standard_normal(5), requires_grad=True)
            h = x.exp()
            h.retain_grad()
            h.register_hook(lambda g: None)
            out = h.sum()
            ref_h = weakref.ref(h)
            ref_out = weakref.ref(out)
            out.backward()
            np.testing.assert_allclose(h.grad.data, np.ones(5))
            del h, out
            assert ref_h() is None
            assert ref_out() is None
        finally:
            if was_enabled:
                gc.enable()

    def test_graph_dies_without_backward(self):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            x = Tensor(RNG.standard_normal(5), requires_grad=True)
            h = x.exp()
            out = (h * 3).sum()
            ref_h = weakref.ref(h)
            ref_data = weakref.ref(h.data)
            del h, out
            assert ref_h() is None
            assert ref_data() is None
        finally:
            if was_enabled:
                gc.enable()


# --------------------------------------------------------------------------
# deep graphs: the sweep is iterative
# --------------------------------------------------------------------------
def test_million_operation_chain_multiply():
    n = 1_000_000
    c = 1.0000001
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    # the forward product is computed in floating point by repeated
    # multiplication; the derivative is the same product
    np.testing.assert_allclose(y.data, c ** n, rtol=1e-9)
    np.testing.assert_allclose(x.grad.data, c ** n, rtol=1e-9)
    assert abs(x.grad.data - math.exp(n * math.log(c))) < 1e-6


def test_deep_chain_add_then_square():
    # far deeper than any recursion limit (kept shorter than the 1e6 chain
    # above to bound the runtime)
    n = 200_000
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(n):
        y = y + 1e-7
    z = y * y
    z.backward()
    np.testing.assert_allclose(y.data, 0.52, rtol=1e-9)
    np.testing.assert_allclose(x.grad.data, 2 * 0.52, rtol=1e-9)


# --------------------------------------------------------------------------
# grad modes
# --------------------------------------------------------------------------
class TestGradModes:
    def test_no_grad_context(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        with ya.no_grad():
            y = x * 2
            assert not ya.is_grad_enabled()
        assert ya.is_grad_enabled()
        assert not y.requires_grad
        assert y.is_leaf
        np.testing.assert_allclose(y.data, [2.0, 4.0])
        with pytest.raises(RuntimeError):
            y.sum().backward()

    def test_no_grad_decorator(self):
        @ya.no_grad()
        def f(t):
            return t * t
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = f(x)
        assert not y.requires_grad
        assert ya.is_grad_enabled()

    def test_enable_grad_inside_no_grad(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        with ya.no_grad():
            with ya.enable_grad():
                y = x * 3
            z = x * 3
        assert y.requires_grad
        assert not z.requires_grad
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, [3.0, 3.0])

    def test_enable_grad_decorator(self):
        @ya.enable_grad()
        def f(t):
            return t * t
        x = Tensor([1.0, 2.0], requires_grad=True)
        with ya.no_grad():
            y = f(x)
            assert not ya.is_grad_enabled()
        assert y.requires_grad
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, [2.0, 4.0])

    def test_no_grad_restored_after_exception(self):
        with pytest.raises(ValueError):
            with ya.no_grad():
                raise ValueError("boom")
        assert ya.is_grad_enabled()

    def test_no_grad_is_thread_local(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        entered = threading.Event()
        done = threading.Event()
        result = {}

        def worker():
            entered.wait(10)
            try:
                result["enabled"] = ya.is_grad_enabled()
                y = x * 5
                result["requires_grad"] = y.requires_grad
            finally:
                done.set()

        th = threading.Thread(target=worker)
        th.start()
        with ya.no_grad():
            entered.set()
            assert done.wait(10)
            inner = x * 2
        th.join()
        assert result == {"enabled": True, "requires_grad": True}
        assert not inner.requires_grad

    def test_no_grad_in_other_thread_does_not_leak(self):
        started = threading.Event()
        release = threading.Event()

        def worker():
            with ya.no_grad():
                started.set()
                release.wait(10)

        th = threading.Thread(target=worker)
        th.start()
        assert started.wait(10)
        try:
            x = Tensor([1.0], requires_grad=True)
            assert ya.is_grad_enabled()
            assert (x * 2).requires_grad
        finally:
            release.set()
            th.join()


# --------------------------------------------------------------------------
# detach, requires_grad_, hooks
# --------------------------------------------------------------------------
class TestDetachHooks:
    def test_detach(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        d = h.detach()
        assert not d.requires_grad
        assert d.is_leaf
        np.testing.assert_array_equal(d.data, [1.0, 4.0])
        out = (d * x).sum()
        out.backward()
        np.testing.assert_allclose(x.grad.data, [1.0, 4.0])  # d treated as constant

    def test_requires_grad_(self):
        x = Tensor([1.0, 2.0])
        assert not x.requires_grad
        r = x.requires_grad_()
        assert r is x
        assert x.requires_grad
        (x * 2).sum().backward()
        np.testing.assert_allclose(x.grad.data, [2.0, 2.0])
        x.requires_grad_(False)
        assert not x.requires_grad
        assert not (x * 2).requires_grad

    def test_hook_on_leaf_observes_and_replaces(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        seen = []

        def hook(g):
            assert isinstance(g, Tensor)
            seen.append(g.data.copy())
            return g * 10
        x.register_hook(hook)
        (x * 3).sum().backward()
        assert len(seen) == 1
        np.testing.assert_allclose(seen[0], [3.0, 3.0])
        np.testing.assert_allclose(x.grad.data, [30.0, 30.0])

    def test_hook_on_intermediate_replaces_downstream_gradient(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        seen = []

        def hook(g):
            seen.append(np.array(g.data))
            return g * 0.5
        h.register_hook(hook)
        out = (h * 4).sum()
        out.backward()
        np.testing.assert_allclose(seen[0], [4.0, 4.0])
        # d out/dh = 4 replaced by 2; dh/dx = 2x
        np.testing.assert_allclose(x.grad.data, 2.0 * 2 * np.array([1.0, 2.0]))

    def test_hook_returning_none_keeps_gradient(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        calls = []
        h.register_hook(lambda g: calls.append(1))
        h.sum().backward()
        assert calls == [1]
        np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]))

    def test_hook_handle_remove(self):
        x = Tensor([1.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        (x * 2).sum().backward()
        np.testing.assert_allclose(x.grad.data, [2.0])

    def test_hook_matches_torch(self):
        a = RNG.standard_normal(3)
        x = Tensor(a, requires_grad=True)
        h = x.sin()
        h.register_hook(lambda g: g * g)
        (h * h).sum().backward()

        tx = torch.tensor(a, requires_grad=True)
        th = tx.sin()
        th.register_hook(lambda g: g * g)
        (th * th).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------
# custom primitives
# --------------------------------------------------------------------------
def _make_logaddexp():
    @ya.primitive
    def logaddexp(x, y):
        return np.logaddexp(x, y)

    logaddexp.defvjp(lambda g, ans, x, y: g * ya.exp(x - ans),
                     lambda g, ans, x, y: g * ya.exp(y - ans))
    logaddexp.defjvp(lambda t, ans, x, y: t * ya.exp(x - ans),
                     lambda t, ans, x, y: t * ya.exp(y - ans))
    return logaddexp


class TestCustomPrimitive:
    def test_plain_arrays_compute(self):
        lae = _make_logaddexp()
        a, b = np.array([0.1, 2.0]), np.array([1.0, -3.0])
        np.testing.assert_allclose(np.asarray(lae(a, b)), np.logaddexp(a, b))

    def test_reverse_mode(self):
        lae = _make_logaddexp()
        a = RNG.standard_normal((2, 3))
        b = RNG.standard_normal((2, 3))
        x = Tensor(a, requires_grad=True)
        y = Tensor(b, requires_grad=True)
        out = lae(x, y)
        assert isinstance(out, Tensor)
        np.testing.assert_allclose(out.data, np.logaddexp(a, b), rtol=1e-14)
        seed = RNG.standard_normal((2, 3))
        out.backward(seed)
        want_x, want_y = _torch_lae_grads(a, b, seed)
        np.testing.assert_allclose(x.grad.data, want_x, rtol=1e-12)
        np.testing.assert_allclose(y.grad.data, want_y, rtol=1e-12)
        # closed form: sigmoid(x - y)
        np.testing.assert_allclose(x.grad.data, seed / (1 + np.exp(b - a)), rtol=1e-12)

    def test_reverse_mode_with_broadcasting(self):
        lae = _make_logaddexp()
        a = RNG.standard_normal((2, 3))
        b = RNG.standard_normal(3)
        x = Tensor(a, requires_grad=True)
        y = Tensor(b, requires_grad=True)
        lae(x, y).sum().backward()
        want_x, want_y = _torch_lae_grads(a, b, np.ones((2, 3)))
        assert y.grad.shape == (3,)
        np.testing.assert_allclose(x.grad.data, want_x, rtol=1e-12)
        np.testing.assert_allclose(y.grad.data, want_y, rtol=1e-12)

    def test_forward_mode(self):
        lae = _make_logaddexp()
        a = RNG.standard_normal(4)
        b = RNG.standard_normal(4)
        ta = RNG.standard_normal(4)
        tb = RNG.standard_normal(4)
        out, tan = ya.jvp(lae, (a, b), (ta, tb))
        np.testing.assert_allclose(np.asarray(out), np.logaddexp(a, b), rtol=1e-14)
        sx = 1 / (1 + np.exp(b - a))
        sy = 1 / (1 + np.exp(a - b))
        np.testing.assert_allclose(np.asarray(tan), ta * sx + tb * sy, rtol=1e-12)

    def test_forward_mode_inside_composite(self):
        lae = _make_logaddexp()

        def f(x):
            return lae(x.sin(), x * x)
        a = RNG.standard_normal(3)
        v = RNG.standard_normal(3)
        _, tan = ya.jvp(f, (a,), (v,))
        tx = torch.tensor(a)
        tv = torch.tensor(v)
        _, want = torch.func.jvp(lambda t: torch.logaddexp(t.sin(), t * t), (tx,), (tv,))
        np.testing.assert_allclose(np.asarray(tan), want.numpy(), rtol=1e-12)

    def test_second_order(self):
        lae = _make_logaddexp()
        d2 = ya.grad(ya.grad(lambda x: lae(x, 0.0)))
        for xv in [-1.5, 0.0, 0.7, 2.0]:
            s = 1 / (1 + math.exp(-xv))
            np.testing.assert_allclose(float(np.asarray(d2(xv))), s * (1 - s), rtol=1e-12)
        d1 = ya.grad(lambda x, y: lae(x, y), argnums=1)
        np.testing.assert_allclose(float(np.asarray(d1(0.3, 1.1))),
                                   1 / (1 + math.exp(0.3 - 1.1)), rtol=1e-12)

    def test_second_order_mixed_vs_torch(self):
        lae = _make_logaddexp()
        a = RNG.standard_normal(3)
        b = RNG.standard_normal(3)
        # d/dy of sum(d/dx sum(lae(x, y)))  vs torch
        g = ya.grad(lambda y: ya.sum(ya.grad(lambda x: ya.sum(lae(x, y)))(a)))(b)
        ty = torch.tensor(b, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        (gx,) = torch.autograd.grad(torch.logaddexp(tx, ty).sum(), tx, create_graph=True)
        gx.sum().backward()
        np.testing.assert_allclose(np.asarray(g), ty.grad.numpy(), rtol=1e-12, atol=1e-15)

    def test_backward_create_graph_through_custom_primitive(self):
        lae = _make_logaddexp()
        x = Tensor(0.4, requires_grad=True)
        out = lae(x * x, x)
        out.backward(create_graph=True)
        g = x.grad
        x.grad = None
        g.backward()
        tx = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
        (tg,) = torch.autograd.grad(torch.logaddexp(tx * tx, tx), tx, create_graph=True)
        tg.backward()
        np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)

    def test_gradcheck_custom_primitive(self):
        lae = _make_logaddexp()
        a = RNG.standard_normal((2, 2))
        b = RNG.standard_normal((2, 2))
        assert ya.testing.gradcheck(lambda x, y: lae(x, y), a, b, modes=("rev", "fwd"),
                                    order=2)

    def test_wrong_custom_rule_fails_gradcheck(self):
        @ya.primitive
        def bad_sin(x):
            return np.sin(x)
        bad_sin.defvjp(lambda g, ans, x: g * ya.sin(x))  # wrong on purpose
        bad_sin.defjvp(lambda t, ans, x: t * ya.sin(x))
        with pytest.raises(ya.testing.GradcheckError):
            ya.testing.gradcheck(bad_sin, np.array([0.3, 1.2]), modes=("rev",))
        with pytest.raises(ya.testing.GradcheckError):
            ya.testing.gradcheck(bad_sin, np.array([0.3, 1.2]), modes=("fwd",))


def _torch_lae_grads(a, b, seed):
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.tensor(b, requires_grad=True)
    torch.logaddexp(tx, ty).backward(torch.tensor(seed))
    return tx.grad.numpy(), ty.grad.numpy()
