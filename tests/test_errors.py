"""Bad input: each failure raises the documented exception type, with a
message naming the op and the offending shapes or dtypes."""
import re

import numpy as np
import pytest

import yaae as ya
from yaae import Tensor


def _norm(msg):
    """The message with whitespace removed, so '(2, 3)' and '(2,3)' both match '(2,3)'."""
    return re.sub(r"\s+", "", str(msg))


def _assert_names(excinfo, op, *shapes):
    msg = str(excinfo.value)
    assert op in msg, f"op {op!r} not named in: {msg}"
    compact = _norm(msg)
    for s in shapes:
        assert _norm(s) in compact, f"shape {s!r} not named in: {msg}"


def _t(*shape, requires_grad=True, dtype=np.float64):
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


# --------------------------------------------------------------------------
# incompatible shapes
# --------------------------------------------------------------------------
class TestShapeErrors:
    def test_add_incompatible(self):
        with pytest.raises(ValueError) as info:
            ya.add(_t(2, 3), _t(4))
        _assert_names(info, "add", "(2, 3)", "(4,)")

    def test_add_operator_incompatible(self):
        with pytest.raises(ValueError) as info:
            _t(2, 3) + _t(4)
        _assert_names(info, "add", "(2, 3)", "(4,)")

    def test_add_with_ndarray_incompatible(self):
        with pytest.raises(ValueError) as info:
            np.ones(4) + _t(2, 3)
        _assert_names(info, "add", "(2, 3)", "(4,)")

    @pytest.mark.parametrize("fn, name", [
        (ya.subtract, "subtract"), (ya.multiply, "multiply"), (ya.divide, "divide"),
        (ya.power, "power"), (ya.maximum, "maximum"), (ya.minimum, "minimum"),
    ])
    def test_binary_incompatible(self, fn, name):
        with pytest.raises(ValueError) as info:
            fn(_t(3, 2), _t(3))
        _assert_names(info, name, "(3, 2)", "(3,)")

    def test_matmul_incompatible(self):
        with pytest.raises(ValueError) as info:
            ya.matmul(_t(2, 3), _t(4, 5))
        _assert_names(info, "matmul", "(2, 3)", "(4, 5)")

    def test_matmul_operator_incompatible(self):
        with pytest.raises(ValueError) as info:
            _t(2, 3) @ _t(4, 5)
        _assert_names(info, "matmul", "(2, 3)", "(4, 5)")
        with pytest.raises(ValueError) as info:
            np.ones((4, 5)) @ _t(2, 3)
        _assert_names(info, "matmul", "(2, 3)", "(4, 5)")

    def test_reshape_wrong_size(self):
        with pytest.raises(ValueError) as info:
            ya.reshape(_t(2, 3), (4, 2))
        _assert_names(info, "reshape", "(2, 3)", "(4, 2)")

    def test_reshape_method_wrong_size(self):
        with pytest.raises(ValueError) as info:
            _t(2, 3).reshape(5)
        _assert_names(info, "reshape", "(2, 3)")

    def test_np_reshape_wrong_size(self):
        with pytest.raises(ValueError) as info:
            np.reshape(_t(2, 3), (7,))
        _assert_names(info, "reshape", "(2, 3)")

    def test_concatenate_mismatched(self):
        with pytest.raises(ValueError) as info:
            ya.concatenate([_t(2, 3), _t(2, 4)])
        _assert_names(info, "concatenate", "(2, 3)", "(2, 4)")

    def test_np_concatenate_mismatched(self):
        with pytest.raises(ValueError) as info:
            np.concatenate([_t(2, 3), _t(2, 4)], axis=0)
        _assert_names(info, "concatenate", "(2, 3)", "(2, 4)")

    def test_concatenate_mismatched_ndim(self):
        with pytest.raises(ValueError) as info:
            ya.concatenate([_t(2, 3), _t(3)])
        _assert_names(info, "concatenate", "(2, 3)", "(3,)")

    def test_broadcast_to_incompatible(self):
        with pytest.raises(ValueError) as info:
            ya.broadcast_to(_t(2, 3), (4, 3))
        _assert_names(info, "broadcast_to", "(2, 3)", "(4, 3)")

    def test_where_incompatible(self):
        with pytest.raises(ValueError) as info:
            ya.where(np.ones((2, 2), dtype=bool), _t(2, 3), _t(4))
        _assert_names(info, "where", "(2, 3)", "(4,)")

    def test_sum_axis_out_of_range(self):
        with pytest.raises(ValueError) as info:  # AxisError is a ValueError
            ya.sum(_t(2, 3), axis=3)
        _assert_names(info, "sum", "(2, 3)")

    def test_getitem_out_of_range(self):
        with pytest.raises(IndexError) as info:
            _t(2, 3)[5]
        _assert_names(info, "getitem", "(2, 3)")

    def test_stack_mismatched(self):
        with pytest.raises(ValueError) as info:
            ya.stack([_t(2, 3), _t(3, 2)])
        _assert_names(info, "stack", "(2, 3)", "(3, 2)")

    def test_shape_error_inside_transform(self):
        with pytest.raises(ValueError) as info:
            ya.grad(lambda x: ya.sum(x + np.ones(4)))(np.ones((2, 3)))
        _assert_names(info, "add", "(2, 3)", "(4,)")

    def test_shape_error_inside_jvp(self):
        with pytest.raises(ValueError) as info:
            ya.jvp(lambda x: x @ np.ones((4, 5)), (np.ones((2, 3)),), (np.ones((2, 3)),))
        _assert_names(info, "matmul", "(2, 3)", "(4, 5)")

    def test_backward_grad_of_wrong_shape(self):
        x = _t(2, 3)
        y = x * 2
        with pytest.raises(ValueError) as info:
            y.backward(np.ones((3, 2)))
        _assert_names(info, "backward", "(2, 3)", "(3, 2)")
        # nothing was accumulated by the failed call
        assert x.grad is None

    def test_failed_op_records_nothing(self):
        x = _t(2, 3)
        with pytest.raises(ValueError):
            x + _t(4)
        y = (x * 3).sum()
        y.backward()
        np.testing.assert_allclose(x.grad.data, np.full((2, 3), 3.0))


# --------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------
class TestDtypeErrors:
    @pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.bool_])
    def test_requires_grad_on_integer_or_bool(self, dtype):
        with pytest.raises(TypeError) as info:
            Tensor(np.array([1, 0]), dtype=dtype, requires_grad=True)
        assert np.dtype(dtype).name in str(info.value)

    @pytest.mark.parametrize("dtype", [np.int32, np.bool_])
    def test_requires_grad_method_on_integer_or_bool(self, dtype):
        t = Tensor([1, 0], dtype=dtype)
        with pytest.raises(TypeError) as info:
            t.requires_grad_()
        assert np.dtype(dtype).name in str(info.value)
        assert not t.requires_grad

    def test_creation_function_with_integer_dtype_and_requires_grad(self):
        with pytest.raises(TypeError) as info:
            ya.zeros(3, dtype=np.int32, requires_grad=True)
        assert "int32" in str(info.value)

    def test_tensor_from_strings_refused(self):
        with pytest.raises(TypeError):
            Tensor(["a", "b"])

    def test_op_with_string_array(self):
        with pytest.raises(TypeError) as info:
            ya.add(_t(2), np.array(["a", "b"]))
        msg = str(info.value)
        assert "add" in msg
        assert "<U1" in msg or "str" in msg.lower()


# --------------------------------------------------------------------------
# backward misuse (RuntimeError, as PyTorch)
# --------------------------------------------------------------------------
class TestBackwardErrors:
    def test_nonscalar_without_grad(self):
        y = _t(2, 3) * 2
        with pytest.raises(RuntimeError) as info:
            y.backward()
        msg = str(info.value)
        assert "grad must be given" in msg
        assert "(2, 3)" in msg

    def test_nonscalar_leaf_without_grad(self):
        x = _t(3)
        with pytest.raises(RuntimeError, match="grad must be given"):
            x.backward()

    def test_backward_twice_through_released_graph(self):
        x = _t(2)
        y = (x.exp() * 3).sum()
        y.backward()
        with pytest.raises(RuntimeError) as info:
            y.backward()
        msg = str(info.value).lower()
        assert "second time" in msg or "released" in msg
        assert "retain_graph" in msg

    def test_backward_twice_through_shared_released_subgraph(self):
        x = _t(2)
        h = x.exp()
        a = (h * 2).sum()
        b = (h * 3).sum()
        a.backward()
        with pytest.raises(RuntimeError) as info:
            b.backward()
        assert "retain_graph" in str(info.value)

    def test_backward_from_tensor_not_requiring_grad(self):
        x = Tensor([1.0, 2.0])
        with pytest.raises(RuntimeError) as info:
            (x * 2).sum().backward()
        assert "grad" in str(info.value)

    def test_backward_from_constant_scalar(self):
        with pytest.raises(RuntimeError):
            Tensor(1.0).backward()

    def test_backward_from_no_grad_result(self):
        x = _t(2)
        with ya.no_grad():
            y = (x * 2).sum()
        with pytest.raises(RuntimeError):
            y.backward()

    def test_backward_from_detached(self):
        x = _t(2)
        y = (x * 2).sum().detach()
        with pytest.raises(RuntimeError):
            y.backward()


# --------------------------------------------------------------------------
# NumPy function without a rule
# --------------------------------------------------------------------------
class TestNumpyWithoutRule:
    def test_array_function_without_rule(self):
        with pytest.raises(TypeError) as info:
            np.unwrap(_t(3))
        assert "unwrap" in str(info.value)

    def test_ufunc_without_rule(self):
        with pytest.raises(TypeError) as info:
            np.float_power(_t(3), _t(3))
        assert "float_power" in str(info.value)

    def test_ufunc_method_without_rule(self):
        with pytest.raises(TypeError) as info:
            np.add.reduce(_t(3))
        assert "add" in str(info.value) and "reduce" in str(info.value)

    def test_fft_helper_without_rule(self):
        with pytest.raises(TypeError) as info:
            np.i0(_t(4))
        assert "i0" in str(info.value)
