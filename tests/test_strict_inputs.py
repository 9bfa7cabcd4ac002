"""Issue #9, section 4: strict inputs.  A bad argument raises a clear error
(naming the op, the shapes and dtypes, and what to do) instead of giving a
wrong result.  PyTorch 2.13 and NumPy are the oracles where they have the
behaviour: the same refusals (AxisError is an IndexError, as PyTorch's
"Dimension out of range"), the same warning, the same values otherwise."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch import nn as tnn

import yaae as ya
from yaae import nn
from yaae.nn import functional as F

AxisError = np.exceptions.AxisError
rng = np.random.default_rng(9)


def T(a, requires_grad=True):
    return ya.Tensor(np.asarray(a, dtype=float), requires_grad=requires_grad)


X = rng.standard_normal((2, 3, 4))
IDX = np.zeros((2, 3, 4), dtype=np.int64)


# ---- axes out of range: NumPy's AxisError in every op, never wrapped modulo ndim ----------
# (yaae call, NumPy call or None, torch call or None); each on X of shape (2, 3, 4)
AXIS_CASES = {
    "swapaxes": (lambda x: ya.swapaxes(x, 0, 3), lambda a: np.swapaxes(a, 0, 3),
                 lambda t: torch.swapaxes(t, 0, 3)),
    "swapaxes_negative": (lambda x: ya.swapaxes(x, -4, 0), lambda a: np.swapaxes(a, -4, 0),
                          lambda t: torch.swapaxes(t, -4, 0)),
    "moveaxis": (lambda x: ya.moveaxis(x, 3, 0), lambda a: np.moveaxis(a, 3, 0),
                 lambda t: torch.moveaxis(t, 3, 0)),
    "moveaxis_destination": (lambda x: ya.moveaxis(x, 0, -4), lambda a: np.moveaxis(a, 0, -4),
                             lambda t: torch.moveaxis(t, 0, -4)),
    "flip": (lambda x: ya.flip(x, 3), lambda a: np.flip(a, 3), lambda t: torch.flip(t, (3,))),
    "take_along_axis": (lambda x: ya.take_along_axis(x, IDX, 3),
                        lambda a: np.take_along_axis(a, IDX, 3),
                        lambda t: torch.take_along_dim(t, torch.tensor(IDX), 3)),
    "tensordot": (lambda x: ya.tensordot(x, x, axes=([3], [0])),
                  lambda a: np.tensordot(a, a, axes=([3], [0])),
                  lambda t: torch.tensordot(t, t, dims=([3], [0]))),
    "tensordot_negative": (lambda x: ya.tensordot(x, x, axes=([-4], [0])),
                           lambda a: np.tensordot(a, a, axes=([-4], [0])),
                           lambda t: torch.tensordot(t, t, dims=([-4], [0]))),
    "tensordot_b": (lambda x: ya.tensordot(x, x, axes=([0], [5])),
                    lambda a: np.tensordot(a, a, axes=([0], [5])),
                    lambda t: torch.tensordot(t, t, dims=([0], [5]))),
    "squeeze": (lambda x: ya.squeeze(x, 3), lambda a: np.squeeze(a, 3),
                lambda t: torch.squeeze(t, 3)),
    "split": (lambda x: ya.split(x, 2, axis=3), lambda a: np.split(a, 2, axis=3),
              lambda t: torch.tensor_split(t, 2, 3)),
    "array_split": (lambda x: ya.array_split(x, 2, axis=3),
                    lambda a: np.array_split(a, 2, axis=3),
                    lambda t: torch.tensor_split(t, 2, 3)),
    "repeat": (lambda x: ya.repeat(x, 2, axis=3), lambda a: np.repeat(a, 2, axis=3),
               lambda t: torch.repeat_interleave(t, 2, dim=3)),
    "expand_dims": (lambda x: ya.expand_dims(x, 4), lambda a: np.expand_dims(a, 4),
                    lambda t: torch.unsqueeze(t, 4)),
    "sum": (lambda x: ya.sum(x, axis=3), lambda a: np.sum(a, axis=3),
            lambda t: torch.sum(t, dim=3)),
    "mean": (lambda x: ya.mean(x, axis=3), lambda a: np.mean(a, axis=3),
             lambda t: torch.mean(t, dim=3)),
    "max": (lambda x: ya.max(x, axis=-4), lambda a: np.max(a, axis=-4),
            lambda t: torch.amax(t, dim=-4)),
    "min": (lambda x: ya.min(x, axis=3), lambda a: np.min(a, axis=3),
            lambda t: torch.amin(t, dim=3)),
    "prod": (lambda x: ya.prod(x, axis=3), lambda a: np.prod(a, axis=3),
             lambda t: torch.prod(t, dim=3)),
    "cumsum": (lambda x: ya.cumsum(x, axis=3), lambda a: np.cumsum(a, axis=3),
               lambda t: torch.cumsum(t, dim=3)),
    "cumprod": (lambda x: ya.cumprod(x, axis=3), lambda a: np.cumprod(a, axis=3),
                lambda t: torch.cumprod(t, dim=3)),
    "diff": (lambda x: ya.diff(x, axis=3), lambda a: np.diff(a, axis=3),
             lambda t: torch.diff(t, dim=3)),
    "roll": (lambda x: ya.roll(x, 1, axis=3), lambda a: np.roll(a, 1, axis=3),
             lambda t: torch.roll(t, 1, 3)),
    "sort": (lambda x: ya.sort(x, axis=3), lambda a: np.sort(a, axis=3),
             lambda t: torch.sort(t, dim=3)),
    "concatenate": (lambda x: ya.concatenate([x, x], axis=3),
                    lambda a: np.concatenate([a, a], axis=3),
                    lambda t: torch.cat([t, t], dim=3)),
    "stack": (lambda x: ya.stack([x, x], axis=4), lambda a: np.stack([a, a], axis=4),
              lambda t: torch.stack([t, t], dim=4)),
    "take": (lambda x: ya.take(x, [0], axis=3), lambda a: np.take(a, [0], axis=3),
             lambda t: torch.index_select(t, 3, torch.tensor([0]))),
    "var": (lambda x: ya.var(x, axis=3), lambda a: np.var(a, axis=3),
            lambda t: torch.var(t, dim=3)),
    "std": (lambda x: ya.std(x, axis=3), lambda a: np.std(a, axis=3),
            lambda t: torch.std(t, dim=3)),
    "logsumexp": (lambda x: ya.logsumexp(x, axis=3), None,
                  lambda t: torch.logsumexp(t, dim=3)),
    "diagonal": (lambda x: ya.diagonal(x, 0, 0, 3), lambda a: np.diagonal(a, 0, 0, 3),
                 lambda t: torch.diagonal(t, 0, 0, 3)),
    "trace": (lambda x: ya.trace(x, 0, 0, 3), lambda a: np.trace(a, 0, 0, 3), None),
    "cross": (lambda x: ya.cross(x, x, axis=3), lambda a: np.cross(a, a, axis=3),
              lambda t: torch.linalg.cross(t, t, dim=3)),
    "gradient": (lambda x: ya.gradient(x, axis=3), lambda a: np.gradient(a, axis=3),
                 lambda t: torch.gradient(t, dim=3)),
    "rollaxis": (lambda x: ya.rollaxis(x, 3), lambda a: np.rollaxis(a, 3), None),
    "partition": (lambda x: ya.partition(x, 0, axis=3), lambda a: np.partition(a, 0, axis=3),
                  None),
    "compress": (lambda x: ya.compress([True], x, axis=3),
                 lambda a: np.compress([True], a, axis=3), None),
    "softmax": (lambda x: ya.softmax(x, axis=3), None, lambda t: torch.softmax(t, dim=3)),
    "log_softmax": (lambda x: ya.log_softmax(x, axis=-4), None,
                    lambda t: torch.log_softmax(t, dim=-4)),
    "median": (lambda x: ya.median(x, axis=3), lambda a: np.median(a, axis=3), None),
}
# ops whose message must also name the op (those the strict-input work touched)
NAMED = {"swapaxes", "swapaxes_negative", "moveaxis", "moveaxis_destination", "flip",
         "take_along_axis", "tensordot", "tensordot_negative", "tensordot_b", "squeeze",
         "split", "array_split", "repeat", "expand_dims", "sum", "mean", "max", "min",
         "prod", "cumsum", "cumprod", "diff", "roll", "sort", "concatenate", "stack", "take",
         "diagonal", "trace", "cross", "gradient", "rollaxis", "partition", "compress",
         "softmax", "log_softmax"}


@pytest.mark.parametrize("name", sorted(AXIS_CASES))
def test_out_of_range_axis_raises_axis_error(name):
    fy, fn, ft = AXIS_CASES[name]
    if fn is not None:       # NumPy refuses it too (AxisError, or a bare IndexError)
        with pytest.raises(IndexError):
            fn(X)
    if ft is not None:       # PyTorch: IndexError "Dimension out of range"
        with pytest.raises(IndexError):
            ft(torch.tensor(X))
    for x in (T(X), X):      # a Tensor and a plain array alike
        with pytest.raises(AxisError) as info:
            fy(x)
        if name in NAMED:
            op = name.split("_negative")[0].split("_destination")[0].split("_b")[0]
            op = {"trace": "diagonal"}.get(op, op)
            assert str(info.value).startswith(op), str(info.value)
            assert "out of bounds" in str(info.value)
            if name not in ("sum", "mean", "max", "min", "prod", "expand_dims"):
                assert "use an axis in [-3, 2]" in str(info.value) or \
                    "use an axis in [-4, 3]" in str(info.value), str(info.value)


def test_tensordot_axes_are_never_wrapped_modulo_ndim():
    # axes=([3], [0]) on 3-d arrays used to contract axis 0 silently
    a, b = T(rng.standard_normal((2, 3, 2))), T(rng.standard_normal((2, 5)))
    with pytest.raises(AxisError, match="tensordot"):
        ya.tensordot(a, b, axes=([3], [0]))
    # in range, negative axes are NumPy's (and torch's) answer
    r = ya.tensordot(a, b, axes=([-1], [0]))
    np.testing.assert_allclose(r.data, np.tensordot(a.data, b.data, axes=([-1], [0])))
    tr = torch.tensordot(torch.tensor(a.data), torch.tensor(b.data), dims=([-1], [0]))
    np.testing.assert_allclose(r.data, tr.numpy())


def test_tensordot_integer_axes_and_size_mismatch():
    a, b = T(np.ones((2, 3))), T(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="dims >= 0"):
        torch.tensordot(torch.ones(2, 3), torch.ones(3, 2), dims=-1)
    with pytest.raises(ValueError, match="tensordot: axes must be a non-negative"):
        ya.tensordot(a, b, axes=-1)
    with pytest.raises(RuntimeError):
        torch.tensordot(torch.ones(2, 3), torch.ones(3, 2), dims=3)
    with pytest.raises(AxisError, match=r"tensordot: axes=3 .*\(2, 3\).*\(3, 2\)"):
        ya.tensordot(a, b, axes=3)
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        torch.tensordot(torch.ones(2, 3), torch.ones(4, 2), dims=([1], [0]))
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        np.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=([1], [0]))
    with pytest.raises(ValueError, match=r"tensordot: shape-mismatch.*\(2, 3\).*\(4, 2\)"):
        ya.tensordot(a, T(np.ones((4, 2))), axes=([1], [0]))
    with pytest.raises(ValueError, match="duplicate axes"):
        np.tensordot(np.ones((3, 3)), np.ones((3, 3)), axes=([0, 0], [0, 1]))
    with pytest.raises(ValueError, match="repeated axis"):
        ya.tensordot(T(np.ones((3, 3))), T(np.ones((3, 3))), axes=([0, 0], [0, 1]))


def test_repeated_axes_raise():
    for fy, fn in ((lambda x: ya.squeeze(x, (0, 0)), lambda a: np.squeeze(a, (0, 0))),
                   (lambda x: ya.flip(x, (1, 1)), lambda a: np.flip(a, (1, 1))),
                   (lambda x: ya.moveaxis(x, (0, 0), (1, 2)),
                    lambda a: np.moveaxis(a, (0, 0), (1, 2)))):
        a = np.ones((1, 3, 4))
        with pytest.raises(ValueError):
            fn(a)
        with pytest.raises(ValueError, match="repeated axis"):
            fy(T(a))


def test_axis_must_be_an_integer():
    with pytest.raises(TypeError):
        np.swapaxes(np.ones((2, 3)), 0.0, 1)
    with pytest.raises(TypeError, match="swapaxes: an axis must be an integer"):
        ya.swapaxes(T(np.ones((2, 3))), 0.0, 1)


# ---- boolean masks -------------------------------------------------------------------------
@pytest.mark.parametrize("key", [
    "short", "long", "two_d", "along_axis_1", "along_axis_1_long"])
def test_boolean_mask_of_wrong_shape_raises_index_error(key):
    x = rng.standard_normal((2, 3, 4))
    idx = {"short": np.array([True]),
           "long": np.array([True, False, True]),
           "two_d": np.ones((2, 4), bool),
           "along_axis_1": (slice(None), np.array([True, False])),
           "along_axis_1_long": (slice(None), np.array([False, True, False, False]))}[key]
    with pytest.raises(IndexError):
        x[idx]
    tidx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in idx) \
        if isinstance(idx, tuple) else torch.tensor(idx)
    with pytest.raises(IndexError):
        torch.tensor(x)[tidx]
    with pytest.raises(IndexError, match="boolean index did not match"):
        T(x)[idx]
    with pytest.raises(IndexError):
        T(x)[ya.Tensor(idx) if isinstance(idx, np.ndarray) else idx]
    with pytest.raises(IndexError):          # also when the mask is written through
        y = ya.Tensor(x.copy())
        y[idx] = 0.0


def test_boolean_masks_of_the_right_shape_match_torch():
    x = rng.standard_normal((3, 4, 5))
    m2 = rng.standard_normal((3, 4)) > 0
    m1 = np.array([True, False, True, True, False])
    # (NumPy moves separated advanced indices first, torch does not: x[0, :, m1] is
    # NumPy's layout, checked against NumPy)
    np.testing.assert_array_equal(T(x)[0, :, m1].data, x[0, :, m1])
    for idx in (m2, (slice(None), slice(None), m1), (slice(0, 2), slice(None), m1),
                (m2, np.array([1, 0, 4] * 4)[:int(m2.sum())]) if m2.sum() else m2):
        tx = torch.tensor(x, requires_grad=True)
        tidx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in idx) \
            if isinstance(idx, tuple) else torch.tensor(idx)
        tout = tx[tidx]
        w = rng.standard_normal(tuple(tout.shape))
        (tout * torch.tensor(w)).sum().backward()
        yx = T(x)
        yout = yx[idx]
        np.testing.assert_array_equal(yout.data, tout.detach().numpy())
        ya.sum(yout * w).backward()
        np.testing.assert_allclose(yx.grad.data, tx.grad.numpy())
        # forward mode and a Jacobian (batched) through the same mask
        jac = ya.jacobian(lambda v: v[idx])(x)
        assert jac.shape == tuple(tout.shape) + x.shape


# ---- nn.Embedding ----------------------------------------------------------------------------
def test_embedding_rejects_negative_indices():
    e = nn.Embedding(5, 2)
    te = tnn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index out of range"):
        te(torch.tensor([-1, 0]))
    with pytest.raises(IndexError, match=r"embedding: index out of range.*\[0, 5\).*min -1"):
        e(np.array([-1, 0]))
    with pytest.raises(IndexError, match="negative indices are not allowed"):
        F.embedding(np.array([[0, -5]]), e.weight)
    with pytest.raises(IndexError):
        te(torch.tensor([5]))
    with pytest.raises(IndexError, match="max 5"):
        e(np.array([5]))
    # valid indices: torch's rows
    te.weight.data = torch.tensor(e.weight.data)
    np.testing.assert_array_equal(e(np.array([4, 0, 4])).data,
                                  te(torch.tensor([4, 0, 4])).detach().numpy())


# ---- casting to an integer or boolean dtype ends the graph -----------------------------------
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool, int])
def test_cast_to_integer_or_bool_ends_the_graph(dtype):
    x = T(rng.uniform(-3, 3, 5))
    tdt = {np.int64: torch.int64, np.int32: torch.int32, np.uint8: torch.uint8,
           bool: torch.bool, int: torch.int64}[dtype]
    assert not torch.tensor(x.data, requires_grad=True).to(tdt).requires_grad
    for r in (x.astype(dtype), ya.astype(x, dtype)):
        assert not r.requires_grad
        assert r.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(r.data, x.data.astype(dtype))
    # float casts stay differentiable
    assert x.astype(np.float32).requires_grad


def test_integer_cast_has_no_derivative_in_either_mode():
    x = rng.uniform(0.5, 3, 4)
    t = rng.standard_normal(4)
    f = lambda v: ya.sum(v * ya.astype(v, np.int64))  # noqa: E731
    tx = torch.tensor(x, requires_grad=True)
    (tx * tx.to(torch.int64)).sum().backward()
    np.testing.assert_allclose(ya.grad(f)(x), tx.grad.numpy())
    _, yt = ya.jvp(lambda v: v * ya.astype(v, np.int64), (x,), (t,))
    _, tt = torch.func.jvp(lambda v: v * v.to(torch.int64), (torch.tensor(x),),
                           (torch.tensor(t),))
    np.testing.assert_allclose(np.asarray(yt), tt.numpy())
    # the integer result itself carries no tangent: jvp of it is zero
    _, z = ya.jvp(lambda v: ya.astype(v, np.int64) * 1.0, (x,), (t,))
    np.testing.assert_array_equal(np.asarray(z), 0.0)


# ---- load_state_dict --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["object", "float_into_int", "complex_into_float", "strings",
                                  "ragged", "int_overflow", "float32_overflow"])
def test_load_state_dict_rejects_values_that_do_not_cast_safely(case):
    m = nn.Sequential(nn.Linear(3, 2, dtype=np.float32), nn.BatchNorm1d(2))
    sd = {k: np.array(v.data if isinstance(v, ya.Tensor) else v)
          for k, v in m.state_dict().items()}
    before = {k: v.copy() for k, v in sd.items()}
    key, value, words = {
        "object": ("0.bias", np.array([1.0, None], dtype=object), ["object", "not numbers"]),
        "float_into_int": ("1.num_batches_tracked", np.array(2.5), ["float64", "int64",
                                                                   "fractional"]),
        "complex_into_float": ("1.weight", np.array([1 + 1j, 2]), ["complex128", "float64",
                                                                  "imaginary"]),
        "strings": ("0.bias", np.array(["a", "b"]), ["<U1", "not numbers"]),
        "ragged": ("0.weight", [[1.0, 2.0, 3.0], [1.0]], ["not an array"]),
        "int_overflow": ("1.num_batches_tracked", np.array(2 ** 40, dtype=np.int64), None),
        "float32_overflow": ("0.weight", np.full((2, 3), 1e300), ["float32", "overflow"]),
    }[case]
    if case == "int_overflow":       # int64 into int64 is safe: loads
        sd[key] = value
        m.load_state_dict(sd)
        assert int(m[1].num_batches_tracked.data) == 2 ** 40
        return
    sd[key] = value
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential")
    assert key in msg
    for w in words:
        assert w in msg, msg
    if case != "ragged":
        assert str(np.shape(value)) in msg
    np.testing.assert_array_equal(getattr(m[int(key[0])], key[2:]).data, before[key])


def test_load_state_dict_accepts_safe_casts_like_torch():
    m = nn.Linear(3, 2, dtype=np.float32)
    tm = tnn.Linear(3, 2, dtype=torch.float32)   # whatever torch's default dtype is now
    w = rng.standard_normal((2, 3))
    b = np.arange(2)                                  # int64 into float32: fine
    m.load_state_dict({"weight": w, "bias": b})       # float64 into float32: fine
    tm.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    assert m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.data, tm.weight.detach().numpy())
    np.testing.assert_array_equal(m.bias.data, tm.bias.detach().numpy())
    bn = nn.BatchNorm1d(2)
    bn.load_state_dict({**bn.state_dict(), "num_batches_tracked": np.array(7, np.int32)})
    assert int(bn.num_batches_tracked.data) == 7


# ---- regression losses warn when the target broadcasts to another shape ----------------------
LOSSES = {
    "mse_loss": (F.mse_loss, TF.mse_loss, nn.MSELoss, tnn.MSELoss),
    "l1_loss": (F.l1_loss, TF.l1_loss, nn.L1Loss, tnn.L1Loss),
    "smooth_l1_loss": (F.smooth_l1_loss, TF.smooth_l1_loss, nn.SmoothL1Loss, tnn.SmoothL1Loss),
    "huber_loss": (F.huber_loss, TF.huber_loss, nn.HuberLoss, tnn.HuberLoss),
}
WARNING = r"Using a target size .* that is different to the input size .*broadcasting"


@pytest.mark.parametrize("shapes", [((4, 1), (4,)), ((2, 3), (3,)), ((3,), (1, 3)),
                                    ((2, 3), ())])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_warn_when_the_target_broadcasts(name, shapes):
    fy, ft, my, mt = LOSSES[name]
    x, t = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    with pytest.warns(UserWarning, match=WARNING):
        expected = ft(torch.tensor(x), torch.tensor(t))
    with pytest.warns(UserWarning, match=name + ": " + WARNING):
        got = fy(T(x), T(t))
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match=WARNING):
        mt()(torch.tensor(x), torch.tensor(t))
    with pytest.warns(UserWarning, match=WARNING):
        my()(T(x), T(t))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_do_not_warn_for_equal_shapes_and_refuse_unbroadcastable(name):
    fy, ft, _, _ = LOSSES[name]
    x, t = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fy(T(x), T(t))
    with pytest.raises(RuntimeError):
        ft(torch.ones(2, 3), torch.ones(4))
    with pytest.raises(ValueError, match=name + r": the input of shape \(2, 3\) and the "
                                             r"target of shape \(4,\) cannot be broadcast"):
        fy(T(x), T(np.ones(4)))


def test_bce_refuses_a_target_of_another_size_as_torch():
    x, t = np.full((4, 1), 0.5), np.ones(4)
    with pytest.raises(ValueError, match="different to the input size"):
        TF.binary_cross_entropy(torch.tensor(x), torch.tensor(t))
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(T(x), T(t))
    with pytest.raises(ValueError, match="must be the same as input size"):
        TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(T(x), T(t))


# ---- impossible layer hyper-parameters --------------------------------------------------------
LAYER_CASES = {
    "Linear_negative_in": (lambda m: m.Linear(-1, 3), None, "in_features"),
    "Linear_negative_out": (lambda m: m.Linear(3, -1), None, "out_features"),
    "Conv2d_negative_out": (lambda m: m.Conv2d(3, -1, 3), None, "out_channels"),
    "Conv2d_negative_in": (lambda m: m.Conv2d(-3, 1, 3), None, "in_channels"),
    "Conv2d_kernel_0": (lambda m: m.Conv2d(3, 1, 0), (1, 3, 5, 5), "kernel_size"),
    "Conv1d_kernel_negative": (lambda m: m.Conv1d(3, 1, -2), None, "kernel_size"),
    "Conv2d_stride_0": (lambda m: m.Conv2d(3, 1, 3, stride=0), (1, 3, 5, 5), "stride"),
    "Conv2d_padding_negative": (lambda m: m.Conv2d(3, 1, 3, padding=-1), (1, 3, 5, 5),
                                "padding"),
    "Conv2d_dilation_0": (lambda m: m.Conv2d(3, 1, 3, dilation=0), (1, 3, 5, 5), "dilation"),
    "ConvTranspose2d_kernel_0": (lambda m: m.ConvTranspose2d(3, 1, 0), (1, 3, 5, 5),
                                 "kernel_size"),
    "Embedding_negative_num": (lambda m: m.Embedding(-5, 2), None, "num_embeddings"),
    "Embedding_negative_dim": (lambda m: m.Embedding(5, -2), None, "embedding_dim"),
    "BatchNorm1d_negative": (lambda m: m.BatchNorm1d(-1), None, "num_features"),
    "LayerNorm_negative": (lambda m: m.LayerNorm(-1), None, "normalized_shape"),
    "MaxPool2d_kernel_0": (lambda m: m.MaxPool2d(0), (1, 1, 4, 4), "kernel_size"),
    "MaxPool2d_stride_0": (lambda m: m.MaxPool2d(2, stride=0), (1, 1, 4, 4), "stride"),
    "MaxPool2d_padding_negative": (lambda m: m.MaxPool2d(2, padding=-1), (1, 1, 4, 4),
                                   "padding"),
    "MaxPool2d_padding_too_large": (lambda m: m.MaxPool2d(2, padding=2), (1, 1, 4, 4),
                                    "half of effective kernel size"),
    "MaxPool2d_dilation_0": (lambda m: m.MaxPool2d(2, dilation=0), (1, 1, 4, 4), "dilation"),
    "AvgPool2d_kernel_negative": (lambda m: m.AvgPool2d(-1), (1, 1, 4, 4), "kernel_size"),
    "AvgPool2d_stride_0": (lambda m: m.AvgPool2d(2, stride=0), (1, 1, 4, 4), "stride"),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layers_reject_impossible_hyper_parameters(case):
    make, shape, what = LAYER_CASES[case]
    # PyTorch refuses it, at construction or at the first forward
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((RuntimeError, ValueError)):
            layer = make(tnn)
            layer(torch.ones(shape))
    # yaae at construction, naming the layer and the argument
    layer_name = case.split("_")[0]
    with pytest.raises(ValueError, match=f"{layer_name}: .*{what}"):
        make(nn)


def test_layer_sizes_must_be_integers():
    with pytest.raises(TypeError):
        tnn.Linear(2.5, 3)
    with pytest.raises(TypeError, match="Linear: in_features must be an integer"):
        nn.Linear(2.5, 3)
    with pytest.raises(TypeError, match="kernel_size"):
        nn.Conv2d(3, 1, 2.5)                   # never truncated to 2
    # zero sizes are allowed, as in PyTorch
    assert nn.Linear(0, 3).weight.shape == tuple(tnn.Linear(0, 3).weight.shape)


def test_linear_given_the_wrong_number_of_features_names_the_shapes():
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        tnn.Linear(3, 2)(torch.ones(5, 4))
    with pytest.raises(ValueError, match=r"Linear: mat1 and mat2 shapes cannot be multiplied.*"
                                         r"\(5, 4\).*in_features=3"):
        nn.Linear(3, 2)(T(np.ones((5, 4))))


@pytest.mark.parametrize("layer,shape,kw", [
    ("BatchNorm1d", (5, 3), {}), ("BatchNorm1d", (5, 3, 7), {}), ("BatchNorm2d", (5, 3, 2, 2), {}),
    ("BatchNorm1d", (5, 3), {"affine": False}), ("BatchNorm1d_eval", (5, 3), {})])
def test_batchnorm_with_the_wrong_number_of_features(layer, shape, kw):
    name = layer.split("_")[0]
    tm, ym = getattr(tnn, name)(4, **kw), getattr(nn, name)(4, **kw)
    if layer.endswith("_eval"):
        tm.eval()
        ym.eval()
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        tm(torch.ones(shape))
    with pytest.raises(ValueError, match=r"batch_norm: running_mean should contain 3 elements "
                                         r"not 4 .*" + str(shape).replace("(", r"\(")
                                         .replace(")", r"\)") + ".*num_features=3"):
        ym(T(np.ones(shape)))


def test_batchnorm_without_running_stats_checks_the_weight():
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        tnn.BatchNorm1d(4, track_running_stats=False)(torch.ones(5, 3))
    with pytest.raises(ValueError, match="batch_norm: weight should contain 3 elements not 4"):
        nn.BatchNorm1d(4, track_running_stats=False)(T(np.ones((5, 3))))


# ---- split, stack and friends: ValueErrors naming the op ------------------------------------
@pytest.mark.parametrize("k", [0, -1])
def test_split_into_zero_or_fewer_sections(k):
    x = T(np.arange(4.0))
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0"):
        torch.tensor_split(torch.ones(4), k) if k else torch.ones(4).tensor_split(0)
    with pytest.raises(ValueError, match=f"split: number sections must be larger than 0, "
                                         f"got {k}"):
        ya.split(x, k)
    with pytest.raises(ValueError, match="array_split: number sections must be larger than 0"):
        ya.array_split(x, k)
    for f in (ya.hsplit, ya.vsplit):
        with pytest.raises(ValueError, match="number sections must be larger than 0"):
            f(T(np.ones((4, 4))), k)


def test_split_unequal_division_says_what_to_do():
    with pytest.raises(ValueError, match="array split does not result in an equal division"):
        np.split(np.ones(5), 2)
    with pytest.raises(ValueError, match=r"split: array split does not result in an equal "
                                         r"division.*\(5,\).*array_split"):
        ya.split(T(np.ones(5)), 2)


@pytest.mark.parametrize("name", ["hstack", "vstack", "stack", "concatenate", "dstack",
                                  "column_stack"])
def test_empty_sequence_raises_a_value_error_naming_the_op(name):
    with pytest.raises(ValueError, match="need at least one array"):
        getattr(np, name)([])
    with pytest.raises(ValueError, match="need at least one array") as info:
        getattr(ya, name)([])
    assert str(info.value).startswith(name + ":")


def test_repeat_refuses_negative_and_mismatched_counts():
    x = T(np.arange(3.0))
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        torch.repeat_interleave(torch.ones(3), torch.tensor([1, -1, 1]))
    with pytest.raises(ValueError, match="repeat: repeats may not contain negative values"):
        ya.repeat(x, [1, -1, 1])
    with pytest.raises(ValueError, match="repeat: repeats may not contain negative"):
        ya.repeat(x, -1)
    with pytest.raises(ValueError, match=r"repeat: 2 repeats given for axis 0 of size 3"):
        ya.repeat(x, [1, 2])
    with pytest.raises(TypeError, match="repeat: repeats must be an integer"):
        ya.repeat(x, 1.5)
    np.testing.assert_array_equal(ya.repeat(x, [1, 0, 2]).data, np.repeat(x.data, [1, 0, 2]))


def test_take_along_axis_follows_numpy():
    a = rng.standard_normal((2, 4))
    x = T(a)
    # indices broadcast against the other axes, as NumPy's
    idx = np.array([[3, 0]])
    np.testing.assert_array_equal(ya.take_along_axis(x, idx, 1).data,
                                  np.take_along_axis(a, idx, 1))
    np.testing.assert_array_equal(
        ya.take_along_axis(x, idx, 1).data,
        torch.take_along_dim(torch.tensor(a), torch.tensor(idx), 1).numpy())
    # axis=None: the flattened array
    i1 = np.array([7, 0, 3])
    np.testing.assert_array_equal(ya.take_along_axis(x, i1, None).data,
                                  np.take_along_axis(a, i1, None))
    np.testing.assert_array_equal(ya.sort(x, axis=None).data, np.sort(a, axis=None))
    with pytest.raises(ValueError, match="same number of dimensions"):
        np.take_along_axis(a, np.zeros(2, int), 1)
    with pytest.raises(ValueError, match=r"take_along_axis: `indices` and `arr` must have the "
                                         r"same number of dimensions.*\(2,\).*\(2, 4\)"):
        ya.take_along_axis(x, np.zeros(2, int), 1)
    with pytest.raises(IndexError):
        np.take_along_axis(a, np.full((2, 1), 4), 1)
    with pytest.raises(IndexError, match=r"take_along_axis: index 4 is out of bounds for axis 1 "
                                         r"with size 4"):
        ya.take_along_axis(x, np.full((2, 1), 4), 1)
    with pytest.raises(IndexError, match="take_along_axis: `indices` must be an integer"):
        ya.take_along_axis(x, np.zeros((2, 1)), 1)


# ---- no_grad on generator functions ------------------------------------------------------------
def _mode_trace(no_grad, enabled, tensor):
    """Record the grad mode inside a decorated generator body and in the caller
    between yields, with send, throw and a return value."""
    log = []

    @no_grad()
    def gen(n):
        for i in range(n):
            log.append(("body", enabled()))
            try:
                got = yield i
            except KeyError:
                log.append(("thrown", enabled()))
                got = "k"
            log.append(("sent", got, enabled()))
        return "done"

    g = gen(3)
    log.append(("caller", next(g), enabled()))
    log.append(("caller", g.send("a"), enabled()))
    log.append(("caller", g.throw(KeyError()), enabled()))
    try:
        g.send("z")
    except StopIteration as e:
        log.append(("return", e.value, enabled()))
    # values made inside the body need no grad; outside they do
    w = tensor()

    @no_grad()
    def make():
        yield w * 2
    log.append(("requires_grad_inside", next(make()).requires_grad))
    log.append(("requires_grad_outside", (w * 2).requires_grad))
    # closing a suspended generator runs its cleanup with the mode on
    closed = []

    @no_grad()
    def cleanup():
        try:
            yield 1
        finally:
            closed.append(enabled())
    c = cleanup()
    next(c)
    c.close()
    log.append(("closed", closed, enabled()))
    return log


def test_no_grad_decorates_generator_functions_as_torch():
    ylog = _mode_trace(ya.no_grad, ya.is_grad_enabled,
                       lambda: ya.Tensor(np.ones(2), requires_grad=True))
    tlog = _mode_trace(torch.no_grad, torch.is_grad_enabled,
                       lambda: torch.ones(2, requires_grad=True))
    assert ylog == tlog
    assert ("body", False) in ylog and ("caller", 0, True) in ylog


def test_enable_grad_decorates_generator_functions_too():
    @ya.enable_grad()
    def gen():
        yield ya.is_grad_enabled()
    with ya.no_grad():
        g = gen()
        assert next(g) is True
        assert ya.is_grad_enabled() is False


def test_dot_tile_and_split_arguments_name_the_op():
    a, b = np.ones((2, 3)), np.ones((2, 3))
    with pytest.raises(ValueError, match="not aligned"):
        np.dot(a, b)
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"dot: shapes \(2, 3\) and \(2, 3\) not aligned: "
                                         r"3 \(dim 1\) != 2 \(dim 0\)"):
        ya.dot(T(a), T(b))
    np.testing.assert_allclose(ya.dot(T(a), T(b.T)).data, np.dot(a, b.T))
    with pytest.raises(ValueError):
        np.tile(np.ones(3), -1)
    with pytest.raises(ValueError, match=r"tile: reps must be non-negative, got \(2, -1\)"):
        ya.tile(T(a), (2, -1))
    with pytest.raises(TypeError, match="tile: reps must be an integer"):
        ya.tile(T(a), 1.5)
    with pytest.raises(TypeError, match="split: indices_or_sections must be an integer"):
        ya.split(T(a), 1.5)
