"""Transforms of functions that close over tensors that require grad (issue #9,
section 1b): the results stay differentiable with respect to those tensors,
as nested ``torch.autograd.grad(create_graph=True)`` is.  PyTorch is the oracle."""
import numpy as np
import torch

import yaae as ya
import yaae.nn as nn

rng = np.random.default_rng(3)
W1 = rng.standard_normal((4, 3))
B1 = rng.standard_normal(4)
W2 = rng.standard_normal((1, 4))
X = rng.standard_normal((5, 3))


def _pair():
    D = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1, bias=False))
    D[0].weight.data = W1.copy()
    D[0].bias.data = B1.copy()
    D[2].weight.data = W2.copy()
    tD = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                             torch.nn.Linear(4, 1, bias=False)).double()
    with torch.no_grad():
        tD[0].weight.copy_(torch.tensor(W1))
        tD[0].bias.copy_(torch.tensor(B1))
        tD[2].weight.copy_(torch.tensor(W2))
    return D, tD


def _assert_param_grads(D, tD):
    for p, tp in zip(D.parameters(), tD.parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_gradient_penalty_wgan_gp_matches_torch():
    D, tD = _pair()
    g = ya.grad(lambda v: D(v).sum())(X)          # X: a plain ndarray
    assert isinstance(g, ya.Tensor) and g.requires_grad
    gp = ((ya.linalg.norm(g, axis=1) - 1) ** 2).mean()
    gp.backward()
    tx = torch.tensor(X, requires_grad=True)
    tg, = torch.autograd.grad(tD(tx).sum(), tx, create_graph=True)
    ((tg.norm(dim=1) - 1) ** 2).mean().backward()
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    _assert_param_grads(D, tD)


def test_gradient_penalty_on_interpolates_with_tensor_input():
    D, tD = _pair()
    Y = rng.standard_normal((5, 3))
    eps = rng.uniform(size=(5, 1))
    xi = ya.Tensor(eps * X + (1 - eps) * Y)        # a Tensor that needs no gradient
    loss = D(xi).mean() + 10 * ((ya.linalg.norm(
        ya.grad(lambda v: D(v).sum())(xi), axis=1) - 1) ** 2).mean()
    loss.backward()
    txi = torch.tensor(eps * X + (1 - eps) * Y, requires_grad=True)
    tg, = torch.autograd.grad(tD(txi).sum(), txi, create_graph=True)
    (tD(txi).mean() + 10 * ((tg.norm(dim=1) - 1) ** 2).mean()).backward()
    _assert_param_grads(D, tD)


def test_maml_inner_step_matches_torch():
    D, tD = _pair()
    yt = rng.standard_normal((5, 1))
    lr = 0.1

    def loss_y(w, v):
        # the first layer's weight as an explicit argument; the rest closed over
        h = ya.tanh(v @ w.T + D[0].bias)
        return ya.mean((h @ D[2].weight.T - yt) ** 2)

    w = D[0].weight
    gw = ya.grad(loss_y)(w, X)
    fast = w - lr * gw
    outer = loss_y(fast, X * 0.5)
    outer.backward()

    tw, tb, tw2 = tD[0].weight, tD[0].bias, tD[2].weight

    def tloss(w_, v):
        h = torch.tanh(v @ w_.T + tb)
        return ((h @ tw2.T - torch.tensor(yt)) ** 2).mean()
    tgw, = torch.autograd.grad(tloss(tw, torch.tensor(X)), tw, create_graph=True)
    tloss(tw - lr * tgw, torch.tensor(X * 0.5)).backward()
    _assert_param_grads(D, tD)


def test_vjp_jacrev_hvp_jvp_of_closed_over_functions_stay_attached():
    a = ya.Tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    ta = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64, requires_grad=True)
    x0 = np.array([0.5, 1.5, -1.0])
    tx0 = torch.tensor(x0)

    def f(x):
        return ya.sum(ya.sin(a * x) * x)

    def tf(x):
        return (torch.sin(ta * x) * x).sum()
    _, vf = ya.vjp(f, x0)
    g1 = vf(1.0)[0]
    J = ya.jacrev(lambda x: ya.sin(a * x) * x)(x0)
    _, hv = ya.hvp(f, (x0,), (np.ones(3),))
    _, jv = ya.jvp(f, (x0,), (np.ones(3),))
    Jf = ya.jacfwd(lambda x: ya.sin(a * x) * x)(x0)
    for r in (g1, J, hv, jv, Jf):
        assert isinstance(r, ya.Tensor) and r.requires_grad
    total = ya.sum(g1) + ya.sum(J) + ya.sum(hv) + jv + ya.sum(Jf)
    total.backward()

    tx = tx0.clone().requires_grad_(True)
    tg, = torch.autograd.grad(tf(tx), tx, create_graph=True)
    tJ = torch.autograd.functional.jacobian(lambda x: torch.sin(ta * x) * x, tx0, create_graph=True)
    thv = torch.autograd.functional.hvp(tf, tx0, torch.ones(3), create_graph=True)[1]
    tjv = torch.autograd.functional.jvp(tf, tx0, torch.ones(3), create_graph=True)[1]
    ttotal = tg.sum() + tJ.sum() + thv.sum() + tjv + tJ.sum()
    ttotal.backward()
    np.testing.assert_allclose(total.data, ttotal.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-10)


def test_without_closed_over_tensors_results_stay_plain():
    c = ya.Tensor(np.array([2.0, 3.0]))            # needs no gradient
    g = ya.grad(lambda x: ya.sum(c * x ** 2))(np.ones(2))
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, [4.0, 6.0])
    g = ya.grad(lambda x: ya.sum(c * x ** 2))(ya.Tensor(np.ones(2)))
    assert isinstance(g, ya.Tensor) and not g.requires_grad
    with ya.no_grad():
        w = ya.Tensor(np.ones(2), requires_grad=True)
    _, t = ya.jvp(lambda x: ya.sum(c * x), (np.ones(2),), (np.ones(2),))
    assert type(t) is np.ndarray and float(t) == 5.0
