"""yaae.nn.utils.clip_grad_norm_ / clip_grad_value_ against torch.nn.utils."""
import math

import numpy as np
import pytest
import torch

import yaae as ya
from yaae.nn.utils import clip_grad_norm_, clip_grad_value_


def grads_arrays(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (5,), (2, 2, 2), ()]]


def pair(arrays, with_grad=(True, True, True, True)):
    """yaae and torch parameters with the given gradients (None where not with_grad)."""
    ys, ts = [], []
    for a, has in zip(arrays, with_grad):
        p = ya.Tensor(np.zeros_like(a), requires_grad=True)
        t = torch.zeros(a.shape, dtype=torch.from_numpy(a).dtype, requires_grad=True)
        if has:
            p.grad = ya.Tensor(a.copy())
            t.grad = torch.from_numpy(a.copy())
        ys.append(p)
        ts.append(t)
    return ys, ts


def check_same(ys, ts, rtol):
    for p, t in zip(ys, ts):
        if t.grad is None:
            assert p.grad is None
            continue
        assert p.grad.dtype == t.grad.numpy().dtype
        assert p.grad.shape == tuple(t.grad.shape)
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0, 0.5, -math.inf, "inf", 2])
@pytest.mark.parametrize("max_norm", [0.5, 3.0, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ys, ts = pair(grads_arrays())
    n = clip_grad_norm_(ys, max_norm, norm_type=norm_type)
    tn = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)
    assert isinstance(n, ya.Tensor) and n.shape == () and n.dtype == np.float64
    np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-12, atol=0)
    check_same(ys, ts, rtol=1e-12)


def test_clip_grad_norm_no_clipping_below_max():
    arrays = grads_arrays()
    ys, _ = pair(arrays)
    n = clip_grad_norm_(ys, 1e6)
    assert float(n) < 1e6
    for p, a in zip(ys, arrays):        # coefficient clamped to exactly 1
        np.testing.assert_array_equal(p.grad.data, a)


def test_clip_grad_norm_result_has_max_norm():
    ys, _ = pair(grads_arrays())
    before = float(clip_grad_norm_(ys, 0.25))
    after = float(clip_grad_norm_(ys, 10.0))
    assert before > 0.25
    assert after == pytest.approx(0.25, rel=1e-5)


def test_clip_grad_norm_skips_missing_grads_and_single_tensor():
    arrays = grads_arrays(1)
    ys, ts = pair(arrays, with_grad=(True, False, True, False))
    n = clip_grad_norm_(ys, 0.7, norm_type=2.0)
    tn = torch.nn.utils.clip_grad_norm_(ts, 0.7, norm_type=2.0)
    np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-12)
    check_same(ys, ts, rtol=1e-12)
    # a single tensor, and a generator
    ys, ts = pair(arrays)
    n = clip_grad_norm_(ys[0], 0.3)
    tn = torch.nn.utils.clip_grad_norm_(ts[0], 0.3)
    np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-12)
    check_same(ys[:1], ts[:1], rtol=1e-12)
    n = clip_grad_norm_((p for p in ys[1:]), 0.3, norm_type=math.inf)
    tn = torch.nn.utils.clip_grad_norm_((t for t in ts[1:]), 0.3, norm_type=math.inf)
    np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-12)
    check_same(ys, ts, rtol=1e-12)


def test_clip_grad_norm_no_grads():
    p = ya.Tensor(np.ones(3), requires_grad=True)
    n = clip_grad_norm_([p], 1.0)
    assert float(n) == 0.0 and p.grad is None
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((q for q in []), 1.0)


def test_clip_grad_norm_nonfinite():
    arrays = grads_arrays()
    arrays[1][2] = np.inf
    ys, ts = pair(arrays)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ys, 1.0, error_if_nonfinite=True)
    n = clip_grad_norm_(ys, 1.0)
    with np.errstate(invalid="ignore"):
        tn = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    assert math.isinf(float(n)) and math.isinf(float(tn))
    check_same(ys, ts, rtol=0)         # scaled by 1/(inf) -> zeros, nan where inf


def test_clip_grad_norm_float32():
    arrays = grads_arrays(2, dtype=np.float32)
    for norm_type in (2.0, math.inf):
        ys, ts = pair(arrays)
        n = clip_grad_norm_(ys, 0.5, norm_type=norm_type)
        tn = torch.nn.utils.clip_grad_norm_(ts, 0.5, norm_type=norm_type)
        assert n.dtype == np.float32
        assert all(p.grad.dtype == np.float32 for p in ys)
        np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-6)
        check_same(ys, ts, rtol=1e-6)


def test_clip_grad_norm_after_backward_keeps_grads_separate():
    """Gradients from a real backward (whose arrays yaae may share between
    leaves) are clipped per parameter, with the grad Tensors kept."""
    rng = np.random.default_rng(3)
    xa, ya_ = rng.standard_normal(4), rng.standard_normal(4)
    x = ya.Tensor(xa, requires_grad=True)
    y = ya.Tensor(ya_, requires_grad=True)
    z = ya.Tensor(np.ones(4), requires_grad=True)
    ya.sum((x + y) * 3.0 + z * z).backward()
    tx = torch.tensor(xa, requires_grad=True)
    ty = torch.tensor(ya_, requires_grad=True)
    tz = torch.ones(4, dtype=torch.float64, requires_grad=True)
    torch.sum((tx + ty) * 3.0 + tz * tz).backward()
    gx = x.grad
    n = clip_grad_norm_([x, z], 1.0)
    tn = torch.nn.utils.clip_grad_norm_([tx, tz], 1.0)
    np.testing.assert_allclose(n.data, tn.numpy(), rtol=1e-12)
    assert x.grad is gx
    check_same([x, y, z], [tx, ty, tz], rtol=1e-12)     # y's grad untouched
    clip_grad_value_([y], 0.5)
    torch.nn.utils.clip_grad_value_([ty], 0.5)
    check_same([x, y, z], [tx, ty, tz], rtol=1e-12)


@pytest.mark.parametrize("clip_value", [0.1, 0.5, 2.0, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    ys, ts = pair(grads_arrays(4), with_grad=(True, True, False, True))
    assert clip_grad_value_(ys, clip_value) is None
    torch.nn.utils.clip_grad_value_(ts, clip_value)
    check_same(ys, ts, rtol=0)
    for p in ys:
        if p.grad is not None:
            assert np.all(np.abs(p.grad.data) <= clip_value)


def test_clip_grad_value_single_tensor_and_float32():
    arrays = grads_arrays(5, dtype=np.float32)
    ys, ts = pair(arrays)
    clip_grad_value_(ys[0], 0.3)
    torch.nn.utils.clip_grad_value_(ts[0], 0.3)
    check_same(ys, ts, rtol=0)
    assert ys[0].grad.dtype == np.float32


def test_clipping_then_optimizer_step_matches_torch():
    rng = np.random.default_rng(6)
    Wa, xa = rng.standard_normal((3, 3)), rng.standard_normal(3)
    W = ya.Tensor(Wa, requires_grad=True)
    tW = torch.tensor(Wa, requires_grad=True)
    opt = ya.optim.SGD([W], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([tW], lr=0.1, momentum=0.9)
    x, tx = ya.Tensor(xa), torch.tensor(xa)
    for _ in range(10):
        opt.zero_grad()
        topt.zero_grad()
        ya.sum(ya.exp(W @ x)).backward()
        torch.sum(torch.exp(tW @ tx)).backward()
        clip_grad_norm_(W, 1.0)
        torch.nn.utils.clip_grad_norm_(tW, 1.0)
        opt.step()
        topt.step()
    np.testing.assert_allclose(W.data, tW.detach().numpy(), rtol=1e-9)
