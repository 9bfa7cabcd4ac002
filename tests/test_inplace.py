"""In-place safety (issue #9, section 1): in-place operations follow NumPy for
values and PyTorch for the graph, and a backward that needs a value changed
after it was saved raises, as PyTorch's "modified by an inplace operation".
PyTorch 2.13 is the oracle for every case it has."""
import numpy as np
import pytest
import torch

import yaae as ya
import yaae.nn as nn

T64 = torch.float64
rng = np.random.default_rng(9)


def _pair_linear():
    w = rng.standard_normal((2, 3))
    b = rng.standard_normal(2)
    m = nn.Linear(3, 2)
    m.weight.data = w.copy()
    m.bias.data = b.copy()
    tm = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(w))
        tm.bias.copy_(torch.tensor(b))
    return m, tm


# ---- a backward that needs a changed value raises ---------------------------------------
def test_optimizer_step_between_forward_and_backward_raises_like_torch():
    m, tm = _pair_linear()
    x = rng.standard_normal((4, 3))
    tout = tm(torch.tensor(x, requires_grad=True)).sum()
    tout.backward(retain_graph=True)
    torch.optim.SGD(tm.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tout.backward()
    out = m(ya.Tensor(x, requires_grad=True)).sum()
    out.backward(retain_graph=True)
    ya.optim.SGD(m.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"'linear' \(shape \(2, 3\).*in-place operation"):
        out.backward()


@pytest.mark.parametrize("opt", ["Adam", "AdamW", "RMSprop", "Adagrad"])
def test_every_optimizer_step_counts_as_in_place(opt):
    m, _ = _pair_linear()
    out = m(ya.Tensor(rng.standard_normal((4, 3)), requires_grad=True)).sum()
    out.backward(retain_graph=True)
    getattr(ya.optim, opt)(m.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match="in-place operation"):
        out.backward()


def test_load_state_dict_between_forward_and_backward_raises_like_torch():
    m, tm = _pair_linear()
    x = rng.standard_normal((4, 3))
    tout = tm(torch.tensor(x, requires_grad=True)).sum()
    tm.load_state_dict(tm.state_dict())
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tout.backward()
    out = m(ya.Tensor(x, requires_grad=True)).sum()
    m.load_state_dict(m.state_dict())
    with pytest.raises(RuntimeError, match="in-place operation"):
        out.backward()


def test_write_through_an_alias_of_a_saved_buffer_raises_like_torch():
    x0 = rng.standard_normal((2, 3))
    tx = torch.tensor(x0, requires_grad=True)
    ty = torch.exp(tx)
    with torch.no_grad():
        ty.view(-1).add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()
    x = ya.Tensor(x0, requires_grad=True)
    y = ya.exp(x)
    with ya.no_grad():
        y.reshape(-1).__iadd__(1.0)        # a view of y's buffer
    with pytest.raises(RuntimeError, match="output of 'exp'"):
        y.sum().backward()


def test_in_place_change_of_a_value_not_saved_is_fine_as_in_torch():
    x0 = rng.standard_normal(3)
    tx = torch.tensor(x0, requires_grad=True)
    tc = torch.tensor(x0 * 2)
    ty = tx + tc          # add saves neither input
    tc.add_(1.0)
    ty.sum().backward()
    x = ya.Tensor(x0, requires_grad=True)
    c = ya.Tensor(x0 * 2)
    y = x + c
    c += 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_data_assignment_is_the_escape_hatch():
    x = ya.Tensor(np.ones(3), requires_grad=True)
    w = ya.Tensor(np.full(3, 2.0), requires_grad=True)
    y = (x * w).sum()
    w.data = np.full(3, 5.0)                 # bypasses the checks, as in PyTorch
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


# ---- in-place operations themselves -------------------------------------------------------
def test_augmented_assignment_is_in_place_and_recorded_like_torch():
    x0 = rng.standard_normal((2, 3))
    x = ya.Tensor(x0, requires_grad=True)
    y = x * 2.0
    ident = id(y)
    y += x
    y *= x
    y -= 1.0
    y /= (x * x + 1.0)
    y **= 2
    assert id(y) == ident
    (y * np.arange(6.0).reshape(2, 3)).sum().backward()
    tx = torch.tensor(x0, requires_grad=True)
    ty = tx * 2.0
    ty += tx
    ty *= tx
    ty -= 1.0
    ty /= (tx * tx + 1.0)
    ty **= 2
    (ty * torch.arange(6.0, dtype=T64).reshape(2, 3)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_views_see_in_place_changes_as_in_numpy():
    base = ya.Tensor(np.zeros((2, 3)))
    v = base.reshape(-1)
    v += 1.0
    np.testing.assert_array_equal(base.data, np.ones((2, 3)))
    f32 = ya.Tensor(np.zeros(2, dtype=np.float32))
    f32 += np.ones(2)                       # float64 added into float32: stays float32
    assert f32.dtype == np.float32
    with pytest.raises(TypeError):
        i = ya.Tensor(np.zeros(2, dtype=np.int64), dtype=np.int64)
        i += 0.5                             # NumPy refuses float into int in place


def test_leaf_requiring_grad_refuses_in_place_like_torch():
    tw = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tw += 1
    w = ya.Tensor(np.ones(3), requires_grad=True)
    for op in (lambda: w.__iadd__(1.0), lambda: w.zero_(), lambda: w.mul_(2.0),
               lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="leaf Tensor that requires grad"):
            op()


def test_no_grad_update_keeps_a_leaf_like_torch():
    w = ya.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (w * w).sum().backward()
    ident = id(w)
    with ya.no_grad():
        w -= 0.1 * w.grad
    tw = torch.tensor([1.0, 2.0, 3.0], dtype=T64, requires_grad=True)
    (tw * tw).sum().backward()
    with torch.no_grad():
        tw -= 0.1 * tw.grad
    assert id(w) == ident and w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.data, tw.detach().numpy())
    w.grad = None
    (w * 3).sum().backward()                 # a fresh graph works after the update
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0, 3.0])


@pytest.mark.parametrize("idx", [(0, slice(1, None)), (slice(None), 1), (np.array([1, 0]),),
                                 (np.array([[True, False, True], [False, True, False]]),),
                                 (Ellipsis, 2)], ids=["row-slice", "col", "int-array", "mask", "ellipsis"])
def test_setitem_is_differentiable_like_torch(idx):
    x0 = rng.standard_normal((2, 3))
    v0 = rng.standard_normal(np.zeros((2, 3))[idx].shape)
    x = ya.Tensor(x0, requires_grad=True)
    v = ya.Tensor(v0, requires_grad=True)
    y = x * 1.5
    y[idx] = v * 2.0
    w = np.arange(1.0, 7.0).reshape(2, 3)
    (y * w).sum().backward()
    tidx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in idx)
    tx = torch.tensor(x0, requires_grad=True)
    tv = torch.tensor(v0, requires_grad=True)
    ty = tx * 1.5
    ty[tidx] = tv * 2.0
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-14)


def test_setitem_broadcast_scalar_and_higher_order():
    def f(x):
        y = x * x
        y[1:] = ya.sin(x[:1])               # broadcast into two entries
        return ya.sum(y ** 3)
    x0 = np.array([0.3, -0.5, 0.8])
    assert ya.testing.gradcheck(f, x0, modes=("rev", "fwd"), order=2)
    tx = torch.tensor(x0, requires_grad=True)

    def tf(x):
        y = x * x
        y[1:] = torch.sin(x[:1])
        return (y ** 3).sum()
    np.testing.assert_allclose(ya.hessian(f)(x0),
                               torch.autograd.functional.hessian(tf, tx).numpy(), rtol=1e-12)


def test_setitem_with_repeated_indices_is_refused():
    y = ya.Tensor(np.zeros(3)) * 1.0
    with pytest.raises(ValueError, match="more than once"):
        y[np.array([0, 0])] = ya.Tensor(np.array([1.0, 2.0]), requires_grad=True)


@pytest.mark.parametrize("name,args", [("zero_", ()), ("fill_", (2.5,)), ("add_", (0.5,)),
                                       ("mul_", (3.0,)), ("clamp_", (-0.2, 0.3)),
                                       ("copy_", ("src",))])
def test_in_place_methods_match_torch(name, args):
    x0 = rng.standard_normal((2, 3))
    s0 = rng.standard_normal((2, 3))
    x = ya.Tensor(x0, requires_grad=True)
    src = ya.Tensor(s0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    tsrc = torch.tensor(s0, requires_grad=True)
    y = x * 2.0
    ty = tx * 2.0
    a = tuple(src if a_ == "src" else a_ for a_ in args)
    ta = tuple(tsrc if a_ == "src" else a_ for a_ in args)
    assert getattr(y, name)(*a) is y
    getattr(ty, name)(*ta)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-14)
    if name == "copy_":
        np.testing.assert_allclose(src.grad.data, tsrc.grad.numpy(), rtol=1e-14)


def test_grad_accumulates_in_place():
    x = ya.Tensor(np.ones(3), requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert g is x.grad
    np.testing.assert_array_equal(g.data, [5.0, 5.0, 5.0])
