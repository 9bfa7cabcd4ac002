"""The fused nn primitives (``_prims.linear``/``linear_nobias`` behind
``F.linear``) against the composite they replace, finite differences
(``ya.testing.gradcheck``, both modes, second order) and PyTorch
(values, gradients, double backward); and the layout of what they produce."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F
from yaae import ops
from yaae.testing import gradcheck


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def composite_linear(x, w, b=None):
    out = ops.matmul(x, ops.transpose(w))
    return out if b is None else out + b


LIN_SHAPES = [(5, 3), (2, 4, 3), (1, 3), (2, 1, 2, 3)]


@pytest.mark.parametrize("shape", LIN_SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_one_node_and_matches_the_composite(shape, bias):
    x, w, b = randn(*shape), randn(4, 3, seed=1), randn(4, seed=2)
    args = [ya.Tensor(x, requires_grad=True), ya.Tensor(w, requires_grad=True)]
    args2 = [ya.Tensor(x, requires_grad=True), ya.Tensor(w, requires_grad=True)]
    if bias:
        args.append(ya.Tensor(b, requires_grad=True))
        args2.append(ya.Tensor(b, requires_grad=True))
    out = F.linear(*args)
    assert out._node.prim.name == "linear"
    ref = composite_linear(*args2)
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-13, atol=1e-13)
    cot = randn(*ref.shape, seed=3)
    (out * cot).sum().backward()
    (ref * cot).sum().backward()
    for a, r in zip(args, args2):
        assert a.grad.shape == r.grad.shape
        np.testing.assert_allclose(a.grad.data, r.grad.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck_second_order_both_modes(shape, bias):
    x, w, b = randn(*shape), randn(2, 3, seed=1), randn(2, seed=2)

    def f(x, w, *b):
        return ops.tanh(F.linear(x, w, *b))
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(f, *inputs, modes=("rev", "fwd"), order=2)


def test_linear_double_backward_matches_torch():
    x, w, b = randn(5, 3), randn(4, 3, seed=1), randn(4, seed=2)
    yx, yw, yb = (ya.Tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    yo = ops.sum(ops.tanh(F.linear(yx, yw, yb)) ** 2)
    to = (torch.tanh(TF.linear(tx, tw, tb)) ** 2).sum()
    ygx, ygw, ygb = _grads(yo, [yx, yw, yb])
    tgx, tgw, tgb = torch.autograd.grad(to, [tx, tw, tb], create_graph=True)
    for yg, tg in ((ygx, tgx), (ygw, tgw), (ygb, tgb)):
        np.testing.assert_allclose(yg.data, tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    ys = ops.sum(ygx * ygx) + ops.sum(ygw ** 3) + ops.sum(ops.sin(ygb))
    ts = (tgx * tgx).sum() + (tgw ** 3).sum() + torch.sin(tgb).sum()
    yr = _grads(ys, [yx, yw, yb])
    tr = torch.autograd.grad(ts, [tx, tw, tb])
    for yg, tg in zip(yr, tr):
        np.testing.assert_allclose(yg.data, tg.numpy(), rtol=1e-10, atol=1e-12)


def _grads(out, inputs):
    out.backward(create_graph=True)
    gs = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    return gs


def test_linear_jacobians_and_hessian_match_the_composite():
    x, w, b = randn(3, 2), randn(4, 2, seed=1), randn(4, seed=2)

    def f(x, w, b):
        return ops.sum(ops.tanh(F.linear(x, w, b)) ** 2)

    def g(x, w, b):
        return ops.sum(ops.tanh(composite_linear(x, w, b)) ** 2)
    for argnums in (0, 1, 2):
        for jac in (ya.jacrev, ya.jacfwd, ya.hessian):
            a = jac(f, argnums=argnums)(x, w, b)
            r = jac(g, argnums=argnums)(x, w, b)
            np.testing.assert_allclose(np.asarray(a.data if isinstance(a, ya.Tensor) else a),
                                       np.asarray(r.data if isinstance(r, ya.Tensor) else r),
                                       rtol=1e-10, atol=1e-12)


def test_linear_batched_jacobian_of_the_output():
    """jacrev/jacfwd of the (N, out) output: batched (co)tangents through every rule."""
    x, w, b = randn(2, 3, 2), randn(4, 2, seed=1), randn(4, seed=2)
    for argnums in (0, 1, 2):
        for jac in (ya.jacrev, ya.jacfwd):
            a = jac(F.linear, argnums=argnums)(x, w, b)
            r = jac(composite_linear, argnums=argnums)(x, w, b)
            np.testing.assert_allclose(np.asarray(a.data), np.asarray(r.data), rtol=1e-12,
                                       atol=1e-12)


def test_linear_weight_grad_is_c_contiguous_float32():
    m = nn.Linear(6, 5, dtype=np.float32)
    x = ya.Tensor(randn(7, 6).astype(np.float32))
    m(x).sum().backward()
    assert m.weight.grad.dtype == np.float32 and m.bias.grad.dtype == np.float32
    assert m.weight.grad.data.flags.c_contiguous


def test_linear_mixed_dtypes_promote_as_the_composite():
    x = ya.Tensor(randn(3, 2).astype(np.float32), requires_grad=True)
    w = ya.Tensor(randn(4, 2, seed=1), requires_grad=True)       # float64
    b = ya.Tensor(randn(4, seed=2).astype(np.float32), requires_grad=True)
    out = F.linear(x, w, b)
    assert out.dtype == np.float64
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    assert b.grad.dtype == np.float32


# --------------------------------------------------------------------------------------
# softmax cross-entropy of class indices: _prims.softmax_ce behind F.cross_entropy
# --------------------------------------------------------------------------------------
def composite_ce(z, t, **kw):
    return F.nll_loss(F.log_softmax(z, 1), t, **kw)


CE_CASES = [dict(), dict(reduction="sum"), dict(weight="w"), dict(weight="w", reduction="sum"),
            dict(ignore_index=1), dict(ignore_index=1, weight="w")]


def _ce_kw(case, C, seed=5):
    kw = dict(case)
    if kw.get("weight") == "w":
        kw["weight"] = np.abs(randn(C, seed=seed)) + 0.1
    return kw


@pytest.mark.parametrize("case", CE_CASES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_is_one_node_and_matches_the_composite_and_torch(case, dtype):
    N, C = 7, 4
    z = randn(N, C).astype(dtype)
    t = np.array([0, 1, 3, 2, 1, 1, 0])
    kw = _ce_kw(case, C)
    a, b = ya.Tensor(z, requires_grad=True, dtype=dtype), ya.Tensor(z, requires_grad=True, dtype=dtype)
    out = F.cross_entropy(a, t, **kw)
    assert out._node.prim.name == "cross_entropy"
    ref = composite_ce(b, t, **kw)
    assert out.dtype == ref.dtype == np.dtype(dtype)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out.data, ref.data, **tol)
    out.backward()
    ref.backward()
    assert a.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(a.grad.data, b.grad.data, **tol)
    tkw = {k: (torch.tensor(v) if k == "weight" else v) for k, v in kw.items()}
    tz = torch.tensor(z, requires_grad=True)
    tl = TF.cross_entropy(tz, torch.tensor(t), **{k: (v.to(tz.dtype) if k == "weight" else v)
                                                  for k, v in tkw.items()})
    tl.backward()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.data, tl.detach().numpy(), **tol)
    np.testing.assert_allclose(a.grad.data, tz.grad.numpy(), **tol)


@pytest.mark.parametrize("case", CE_CASES, ids=str)
def test_cross_entropy_gradcheck_second_order_both_modes(case):
    N, C = 4, 3
    t = np.array([0, 2, 1, 1])
    kw = _ce_kw(case, C)

    def f(z):
        return F.cross_entropy(z * 1.5, t, **kw)
    assert gradcheck(f, randn(N, C), modes=("rev", "fwd"), order=2)


def test_cross_entropy_double_backward_matches_torch():
    z, t = randn(5, 4), np.array([0, 3, 1, 1, 2])
    w = np.abs(randn(4, seed=3)) + 0.5
    yz = ya.Tensor(z, requires_grad=True)
    tz = torch.tensor(z, requires_grad=True)
    yl = F.cross_entropy(ops.tanh(yz) * 3, t, weight=w)
    tl = TF.cross_entropy(torch.tanh(tz) * 3, torch.tensor(t), weight=torch.tensor(w))
    (yg,) = _grads(yl, [yz])
    (tg,) = torch.autograd.grad(tl, [tz], create_graph=True)
    np.testing.assert_allclose(yg.data, tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    (yh,) = _grads(ops.sum(yg * yg * yg), [yz])
    (th,) = torch.autograd.grad((tg ** 3).sum(), [tz])
    np.testing.assert_allclose(yh.data, th.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_jacobians_and_hessian_match_the_composite():
    z, t = randn(3, 4), np.array([1, 0, 3])
    for kw in (dict(), dict(reduction="sum", ignore_index=0)):
        for jac in (ya.jacrev, ya.jacfwd, ya.hessian):
            a = jac(lambda z: F.cross_entropy(z, t, **kw))(z)
            r = jac(lambda z: composite_ce(z, t, **kw))(z)
            np.testing.assert_allclose(a.data, r.data, rtol=1e-10, atol=1e-12)
    # batched cotangents through the vjp: the jacobian of a vector of two losses
    a = ya.jacrev(lambda z: ops.stack([F.cross_entropy(z, t), F.cross_entropy(z * z, t)]))(z)
    r = ya.jacrev(lambda z: ops.stack([composite_ce(z, t), composite_ce(z * z, t)]))(z)
    np.testing.assert_allclose(a.data, r.data, rtol=1e-10, atol=1e-12)


def test_cross_entropy_falls_back_to_the_composite_at_infinite_logits_and_all_ignored():
    z = randn(3, 4)
    z[1, 2] = np.inf
    out = F.cross_entropy(ya.Tensor(z, requires_grad=True), np.array([0, 2, 1]))
    assert out._node.prim.name != "cross_entropy"
    t = np.array([1, 1, 1])
    out = F.cross_entropy(ya.Tensor(randn(3, 4), requires_grad=True), t, ignore_index=1)
    assert out._node.prim.name != "cross_entropy"
    assert np.isnan(out.data)
