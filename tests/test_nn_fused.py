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
