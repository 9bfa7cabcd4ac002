"""No silent loss of a gradient (issue #8, section 3): every path either keeps
the gradient or raises a TypeError that says what to do.  Oracles: PyTorch
for values of gradients, closed forms where PyTorch has no counterpart."""
import numpy as np
import pytest
import torch

import yaae as ya
from yaae.tensor import SavesError


def _torch_grad(f, *xs):
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = f(*ts)
    gs = torch.autograd.grad(out, ts)
    return [g.numpy() for g in gs]


# ---- lists inside ya.* ------------------------------------------------------------------
def test_mean_of_list_keeps_gradient():
    assert ya.grad(lambda a: ya.mean([a, a]))(1.0) == 1.0


@pytest.mark.parametrize("build,tbuild", [
    (lambda a, b: ya.mean([a, 2 * b]), lambda a, b: torch.stack([a, 2 * b]).mean()),
    (lambda a, b: ya.sum(ya.array([a, 2 * a, b])), lambda a, b: torch.stack([a, 2 * a, b]).sum()),
    (lambda a, b: ya.sum(ya.asarray([[a, b], [b * b, a]]) ** 2),
     lambda a, b: (torch.stack([torch.stack([a, b]), torch.stack([b * b, a])]) ** 2).sum()),
    (lambda a, b: ya.prod([a, b, 3.0]), lambda a, b: torch.stack([a, b, torch.tensor(3.0,
                                                          dtype=torch.float64)]).prod()),
    (lambda a, b: ya.max(ya.array((a, b))), lambda a, b: torch.stack([a, b]).max()),
    (lambda a, b: ya.sum(ya.concatenate([[a, b], ya.stack([b, a])])),
     lambda a, b: torch.cat([torch.stack([a, b]), torch.stack([b, a])]).sum()),
    (lambda a, b: ya.dot([a, b], [b, 1.0]), lambda a, b: a * b + b),
])
def test_nested_lists_in_ya_functions_match_torch(build, tbuild):
    a, b = 0.7, -1.3
    got = ya.grad(build, argnums=(0, 1))(a, b)
    want = _torch_grad(tbuild, np.float64(a), np.float64(b))
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-12)


def test_array_of_tensors_via_backward():
    a = ya.Tensor(2.0, requires_grad=True)
    b = ya.Tensor([1.0, 3.0], requires_grad=True)
    m = ya.array([[a, a * a], b])
    assert m.shape == (2, 2)
    (m * np.array([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_allclose(a.grad.data, 1.0 + 2.0 * 2 * 2.0)
    np.testing.assert_allclose(b.grad.data, [3.0, 4.0])


def test_array_of_tensors_dtype():
    a = ya.Tensor(np.float32(2.0), requires_grad=True)
    assert ya.array([a, a]).dtype == np.float32
    assert ya.array([a, a], dtype=np.float64).dtype == np.float64
    assert ya.array([1, 2]).dtype == np.array([1, 2]).dtype     # NumPy's, with no Tensor


# ---- conversion to ndarray is refused, never silent --------------------------------------
def test_np_array_of_tensors_raises():
    a = ya.Tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"ya\.array|ya\.stack"):
        np.sum(np.array([a, 2 * a]))


@pytest.mark.parametrize("call", [
    lambda a: np.mean([a, a]),
    lambda a: np.sum([a, 1.0]),
    lambda a: np.asarray(a) * a,
    lambda a: np.full((3,), a),
    lambda a: np.array(a),
    lambda a: float(np.asarray([a])[0]),
])
def test_numpy_given_tensors_it_cannot_see_raises(call):
    a = ya.Tensor(1.5, requires_grad=True)
    with pytest.raises(TypeError, match="gradient would be silently lost"):
        call(a)


def test_numpy_functions_that_dispatch_on_list_elements_differentiate():
    a = ya.Tensor([1.0, 2.0], requires_grad=True)
    b = ya.Tensor([3.0], requires_grad=True)
    out = np.concatenate([a, b * b])
    assert isinstance(out, ya.Tensor)
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0, 2.0])
    np.testing.assert_allclose(b.grad.data, [3.0 * 2 * 3.0])


def test_inside_a_transform_conversion_raises():
    with pytest.raises(TypeError, match="silently lost"):
        ya.grad(lambda x: np.sum(np.asarray(x) * x))(np.ones(3))
    with pytest.raises(TypeError, match="carries a tangent|requires grad"):
        ya.jvp(lambda x: ya.sum(np.asarray(x)), (np.ones(2),), (np.ones(2),))


def test_tensor_needing_no_gradient_converts_freely():
    t = ya.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    assert np.array([t, t]).shape == (2, 2)
    assert "tensor" in repr(ya.Tensor([1.0], requires_grad=True))
    with ya.no_grad():
        u = ya.Tensor([1.0], requires_grad=True) * 2
    np.testing.assert_array_equal(np.asarray(u), [2.0])


def test_full_with_tensor_fill_differentiates():
    a = ya.Tensor(2.0, requires_grad=True)
    out = ya.full((3, 2), a)
    assert out.shape == (3, 2)
    (out * np.arange(6.0).reshape(3, 2)).sum().backward()
    assert a.grad.data == 15.0


# ---- primitives given Tensors inside tuples ----------------------------------------------
def _pair_primitive():
    @ya.primitive
    def scale_by_first(x, pair):
        return x * np.sum(pair[0])
    scale_by_first.defvjp(lambda g, ans, x, pair: g * np.sum(pair[0]), None)
    return scale_by_first


def test_user_primitive_with_tensor_in_tuple_raises():
    f = _pair_primitive()
    a = ya.Tensor(2.0, requires_grad=True)
    b = ya.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="scale_by_first.*argument 1.*separate arguments"):
        f(a, (b, b))
    with pytest.raises(TypeError):
        ya.grad(lambda v: f(a, [v]))(np.ones(2))


def test_user_primitive_with_constant_tensor_in_tuple_runs():
    f = _pair_primitive()
    a = ya.Tensor(2.0, requires_grad=True)
    c = ya.Tensor([1.0, 2.0])
    out = f(a, (c, c))
    out.backward()
    assert out.data == 6.0 and a.grad.data == 3.0


def test_builtin_ops_with_tensors_in_lists_differentiate():
    x = ya.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ya.pad(x, [(1, 1)])          # a list of widths: no Tensor inside, fine
    assert y.shape == (5,)
    g = ya.grad(lambda v: ya.sum(ya.stack([v, v * v])))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [3.0, 5.0])


# ---- functions returned by transforms stay differentiable --------------------------------
def test_vjp_fn_made_outside_used_inside_grad():
    _, f = ya.vjp(lambda x: 3.0 * x, np.ones(2))
    g = ya.grad(lambda v: ya.sum(f(v)[0] ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [18.0, 36.0])
    # and outside, it still returns ndarrays
    out = f(np.array([1.0, 2.0]))[0]
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, [3.0, 6.0])


def test_vjp_fn_of_nonlinear_function_inside_grad_matches_torch():
    x0 = np.array([0.3, -0.4, 1.1])
    _, f = ya.vjp(lambda x: ya.sin(x) * x, x0)

    def h(v):
        return ya.sum(f(v)[0] ** 3)
    got = ya.grad(h)(np.array([0.5, 1.0, -2.0]))
    xt = torch.tensor(x0)
    jac_diag = (torch.cos(xt) * xt + torch.sin(xt)).numpy()   # d(sin x * x)/dx
    v = np.array([0.5, 1.0, -2.0])
    want = 3 * (v * jac_diag) ** 2 * jac_diag
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_vjp_fn_used_inside_jvp_and_nested_grad():
    _, f = ya.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
    _, t = ya.jvp(lambda v: f(v)[0], (np.ones(2),), (np.array([1.0, -1.0]),))
    np.testing.assert_allclose(t, [2.0, -4.0])
    g2 = ya.grad(lambda s: ya.grad(lambda v: ya.sum(f(v)[0] * s))(np.ones(2)).sum() * s)(2.0)
    np.testing.assert_allclose(g2, 2 * 2.0 * (2.0 + 4.0))


def test_gradient_through_lists_in_nested_transforms():
    def f(x):
        return ya.sum(ya.array([x * x, ya.sin(x)]) * ya.mean([x, 2 * x]))
    h = ya.hessian(f)(np.array([0.3, 0.7]))
    xt = torch.tensor([0.3, 0.7], dtype=torch.float64, requires_grad=True)
    ht = torch.autograd.functional.hessian(
        lambda x: (torch.stack([x * x, torch.sin(x)]) * torch.stack([x, 2 * x]).mean()).sum(), xt)
    np.testing.assert_allclose(h, ht.numpy(), rtol=1e-12)


# ---- saves= declarations fail at every size ----------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 3, 300])
@pytest.mark.parametrize("saves,reads", [(False, "x"), ("ans", "x"), ("args", "ans"), (False, "ans")])
def test_wrong_saves_declaration_fails_at_every_size(n, saves, reads):
    @ya.primitive(saves=saves)
    def my_sin(x):
        return np.sin(x)
    if reads == "x":
        my_sin.defvjp(lambda g, ans, x: g * np.cos(x))
    else:
        my_sin.defvjp(lambda g, ans, x: g * np.sqrt(1 - ans * ans))
    x = ya.Tensor(np.full(n, 0.5) if n else 0.5, requires_grad=True)
    with pytest.raises(SavesError, match="my_sin.*saves="):
        ya.sum(my_sin(x)).backward()


@pytest.mark.parametrize("n", [1, 3, 300])
def test_right_saves_declaration_works_at_every_size(n):
    @ya.primitive(saves="args")
    def my_sin(x):
        return np.sin(x)
    my_sin.defvjp(lambda g, ans, x: g * np.cos(x))
    x = ya.Tensor(np.full(n, 0.5), requires_grad=True)
    ya.sum(my_sin(x)).backward()
    np.testing.assert_allclose(x.grad.data, np.cos(0.5))


# ---- user primitives that broadcast: bcast= ----------------------------------------------
def test_user_primitive_bcast_batchable_jacfwd():
    @ya.primitive(batchable=True, bcast=True)
    def mul(x, y):
        return x * y
    mul.defvjp(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
    mul.defjvp(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([[2.0], [5.0]])
    jf = ya.jacfwd(mul, argnums=(0, 1))(x, y)
    jr = ya.jacrev(mul, argnums=(0, 1))(x, y)
    tx, ty = torch.tensor(x), torch.tensor(y)
    want = torch.autograd.functional.jacobian(lambda a, b: a * b, (tx, ty))
    for a, b, w in zip(jf, jr, want):
        np.testing.assert_allclose(a, w.numpy())
        np.testing.assert_allclose(b, w.numpy())


@pytest.mark.parametrize("call", [
    lambda w: np.bincount(np.array([0, 1, 1]), weights=w),
    lambda w: np.bincount(np.array([0, 1, 1]), w),
    lambda w: np.histogram(np.array([0.1, 0.5, 0.9]), bins=2, weights=w),
])
def test_counting_functions_refuse_weights_that_need_a_gradient(call):
    w = ya.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="weights"):
        call(w)
    np.testing.assert_array_equal(np.asarray(call(w.detach())[0]),
                                  np.asarray(call(w.data)[0]))


def test_r_and_c_differentiate_where_numpys_refuse():
    a = ya.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="silently lost"):
        np.r_[a, a]
    with pytest.raises(TypeError, match="silently lost"):
        np.c_[a, a]
    np.testing.assert_array_equal(ya.r_[a.detach(), 3.0, 0:2].data, np.r_[a.data, 3.0, 0:2])
    np.testing.assert_array_equal(ya.c_[a.detach(), a.detach()].data, np.c_[a.data, a.data])
    g = ya.grad(lambda v: ya.sum(ya.r_[v, v * v] * ya.r_[1.0, 2.0, 3.0, 4.0]))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0 + 3.0 * 2 * 1.0, 2.0 + 4.0 * 2 * 2.0])
    g = ya.grad(lambda v: ya.sum(ya.c_[v, 2 * v] ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [2 * 1.0 + 8 * 1.0, 2 * 2.0 + 8 * 2.0])
