"""Performance cliffs and leaks (issue #9, section 5).

* ``stack``/``concatenate`` of N tensors: forward and backward linear in N
  (a wide concatenation is a tree of nodes of bounded fan-in, whose rules
  read offsets saved at forward time), with gradients equal to PyTorch's at
  every order, in both modes, batched or not.
* The transforms leave no reference cycles: every Tensor and GradNode an
  ``hvp``, ``hessian``, ``grad``, ``vjp``, ``jvp``, ``jacfwd`` or ``jacrev``
  creates is freed by reference counting alone, with the garbage collector
  disabled, so repeated calls on large inputs hold no memory.
"""
import gc
import tracemalloc
import weakref
from collections import Counter

import numpy as np
import pytest
import torch

import yaae as ya
import yaae.ops.shape as shape_mod
from yaae.tensor import Tensor
from yaae.testing import gradcheck


# ---- stack / concatenate: linear in N ---------------------------------------------------
def _stack_backward_calls(n):
    """Python and C function calls made by ``stack(xs).sum().backward()`` over
    ``n`` scalars (counted, not timed: tests assert no time)."""
    import sys
    xs = [ya.tensor(float(i), requires_grad=True) for i in range(n)]
    count = [0]

    def prof(frame, event, arg):
        if event in ("call", "c_call"):
            count[0] += 1
    sys.setprofile(prof)
    try:
        ya.stack(xs).sum().backward()
    finally:
        sys.setprofile(None)
    for x in (xs[0], xs[n // 2], xs[-1]):
        assert x.grad is not None and float(x.grad.data) == 1.0
    return count[0]


def test_stack_backward_is_linear_in_n():
    small = _stack_backward_calls(2_000)
    large = _stack_backward_calls(20_000)
    # 10x the inputs: linear work is ~10x the calls, per-input work over all
    # inputs (the old quadratic backward) ~100x
    assert large < 12 * small, (small, large)


def test_wide_stack_gradients_match_torch():
    n = 20_000
    rng = np.random.default_rng(0)
    vals, w = rng.standard_normal(n), rng.standard_normal(n)
    xs = [ya.tensor(v, requires_grad=True) for v in vals]
    y = ya.stack(xs)
    ya.sum(y * w).backward()
    ts = [torch.tensor(v, requires_grad=True) for v in vals]
    ty = torch.stack(ts)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(np.array([float(x.grad.data) for x in xs]),
                                  np.array([t.grad.item() for t in ts]))


def test_wide_concatenate_of_mismatched_shapes_names_the_op():
    xs = [ya.tensor(np.zeros(2), requires_grad=True) for _ in range(300)]
    xs[250] = ya.tensor(np.zeros((2, 1)), requires_grad=True)
    with pytest.raises(ValueError, match="concatenate"):
        ya.concatenate(xs)
    with pytest.raises(ValueError):     # NumPy agrees it is an error
        np.concatenate([np.zeros(2)] * 250 + [np.zeros((2, 1))])


@pytest.fixture(params=[128, 3], ids=["fanin128", "fanin3"])
def fanin(request, monkeypatch):
    """The default fan-in bound, and a small one that makes small cases trees."""
    monkeypatch.setattr(shape_mod, "_FANIN", request.param)
    return request.param


# sizes around the fan-in bound (128 by default; 3 makes trees of up to six levels)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 128, 129, 300])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concatenate_values_and_gradients_match_torch(fanin, n, axis):
    rng = np.random.default_rng([n, axis % 7])
    sizes = rng.integers(1, 4, size=n)
    shapes = [(int(s), 2) if axis in (0, -2) else (2, int(s)) for s in sizes]
    arrs = [rng.standard_normal(s) for s in shapes]
    xs = [ya.tensor(a, requires_grad=True) for a in arrs]
    y = ya.concatenate(xs, axis=axis)
    w = rng.standard_normal(y.shape)
    ya.sum(ya.tanh(y) * w).backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    ty = torch.cat(ts, dim=axis)
    (torch.tanh(ty) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("n", [1, 5, 129, 2_000])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_values_and_gradients_match_torch(fanin, n, axis):
    rng = np.random.default_rng([n, axis % 7, 1])
    arrs = [rng.standard_normal((2, 3)) for _ in range(n)]
    xs = [ya.tensor(a, requires_grad=True) for a in arrs]
    y = ya.stack(xs, axis=axis)
    w = rng.standard_normal(y.shape)
    ya.sum(y * y * w).backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    ty = torch.stack(ts, dim=axis)
    (ty * ty * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("axis", [0, -1])
def test_concatenate_gradcheck_order2(fanin, axis):
    rng = np.random.default_rng(axis % 5)
    shapes = [(2, 1), (2, 3), (2, 2), (2, 1), (2, 2), (2, 1), (2, 1)] if axis == -1 else \
        [(1, 2), (3, 2), (2, 2), (1, 2), (2, 2), (1, 2), (1, 2)]
    arrs = [rng.standard_normal(s) for s in shapes]

    def f(*a):
        # nonlinear before and after: second derivatives through the blocks are not zero
        return ya.sin(ya.concatenate([x * x for x in a], axis=axis)) * 1.5

    assert gradcheck(f, *arrs, eps=1e-6, atol=1e-6, rtol=1e-5, modes=("rev", "fwd"),
                     order=2) is True


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_gradcheck_order2(fanin, axis):
    rng = np.random.default_rng(axis % 5 + 10)
    arrs = [rng.standard_normal((2,)) for _ in range(8)]
    assert gradcheck(lambda *a: ya.tanh(ya.stack([x * x for x in a], axis=axis)), *arrs,
                     eps=1e-6, atol=1e-6, rtol=1e-5, modes=("rev", "fwd"), order=2) is True


def test_stack_jacfwd_equals_jacrev_equals_torch(fanin):
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal(7)

    def f(x, lib):
        parts = [lib.sin(x[i]) * x[(i + 1) % 7] for i in range(7)]
        return lib.stack(parts + [x[0] * x[3]], 0)

    jf = ya.jacfwd(lambda x: f(x, ya))(x0)
    jr = ya.jacrev(lambda x: f(x, ya))(x0)
    jt = torch.autograd.functional.jacobian(lambda x: f(x, torch), torch.tensor(x0)).numpy()
    np.testing.assert_allclose(jf, jr, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(jr, jt, rtol=1e-14, atol=1e-15)


def test_concatenate_hessian_and_create_graph_match_torch(fanin):
    rng = np.random.default_rng(4)
    x0 = rng.standard_normal(6)

    def f(x, lib):
        cat = lib.concatenate if lib is ya else torch.cat
        y = cat([x[:2] * x[3], lib.exp(x[2:5]), x[5:] ** 3, x[:1] * x[5:]], 0)
        return lib.sum(lib.tanh(y) * lib.arange(1.0, 8.0))

    h = ya.hessian(lambda x: f(x, ya))(x0)
    ht = torch.autograd.functional.hessian(lambda x: f(x, torch), torch.tensor(x0)).numpy()
    np.testing.assert_allclose(h, ht, rtol=1e-12, atol=1e-13)
    # create_graph through the same concatenation, then a second backward
    x = ya.tensor(x0, requires_grad=True)
    f(x, ya).backward(create_graph=True)
    g = x.grad
    x.grad = None
    ya.sum(g * g).backward()
    xt = torch.tensor(x0, requires_grad=True)
    (gt,) = torch.autograd.grad(f(xt, torch), xt, create_graph=True)
    (gt * gt).sum().backward()
    np.testing.assert_allclose(g.data, gt.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_batched_cotangents_through_a_wide_stack(fanin):
    # jacrev seeds the sweep with a batch of cotangents (leading dims)
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((10, 2))
    j = ya.jacrev(lambda x: ya.stack([x[i] * x[i] for i in range(10)], axis=1))(x0)
    jt = torch.autograd.functional.jacobian(
        lambda x: torch.stack([x[i] * x[i] for i in range(10)], dim=1), torch.tensor(x0))
    np.testing.assert_allclose(j, jt.numpy(), rtol=1e-14, atol=1e-15)


# ---- transforms leave no reference cycles -------------------------------------------------
def _f(x):
    return ya.sum(ya.tanh(x) ** 2)


def _cases(n):
    rng = np.random.default_rng(n)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    xs = x[:5]
    return {
        "hvp": lambda: ya.hvp(_f, (x,), (v,)),
        "hvp_tensor": lambda: ya.hvp(_f, (ya.tensor(x),), (ya.tensor(v),)),
        "hessian": lambda: ya.hessian(_f)(xs),
        "hessian_has_aux": lambda: ya.hessian(lambda z: (_f(z), ya.tanh(z)), has_aux=True)(xs),
        "grad": lambda: ya.grad(_f)(x),
        "grad_of_grad": lambda: ya.grad(lambda z: ya.sum(ya.grad(_f)(z) ** 2))(x),
        "vjp": lambda: ya.vjp(ya.tanh, x)[1](v),
        "jvp": lambda: ya.jvp(_f, (x,), (v,)),
        "jvp_has_aux": lambda: ya.jvp(lambda z: (_f(z), ya.tanh(z)), (x,), (v,), has_aux=True),
        "jvp_of_grad_tensor": lambda: ya.jvp(ya.grad(_f), (ya.tensor(x),), (ya.tensor(v),)),
        "jacfwd": lambda: ya.jacfwd(ya.tanh)(xs),
        "jacrev": lambda: ya.jacrev(ya.tanh)(xs),
        "jacfwd_of_jacrev": lambda: ya.jacfwd(ya.jacrev(ya.tanh))(xs),
    }


def _garbage_after(fn, times):
    """What the garbage collector finds after ``times`` calls of ``fn`` run
    with it disabled (a Counter of type names; empty: no cycles)."""
    fn()                # warm-up: one-time caches are not cycles of ours
    gc.collect()
    gc.disable()
    try:
        for _ in range(times):
            r = fn()
            del r
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return found


@pytest.mark.parametrize("name", list(_cases(3)))
def test_transforms_leave_no_reference_cycles(name):
    fn = _cases(10 ** 5 if name.startswith(("hvp", "grad", "vjp", "jvp")) else 6)[name]
    assert _garbage_after(fn, 10) == Counter()


@pytest.mark.parametrize("transform", ["hvp", "hessian", "jvp", "jacfwd"])
def test_every_intermediate_dies_without_the_collector(transform):
    made = []

    def f(x):
        y = ya.tanh(x)          # tanh's rule reads its output: the cycle's usual source
        z = ya.exp(y) * y
        made.extend(weakref.ref(t) for t in (x, y, z))
        return ya.sum(z * z)

    rng = np.random.default_rng(0)
    x, v = ya.tensor(rng.standard_normal(50)), ya.tensor(rng.standard_normal(50))
    call = {"hvp": lambda: ya.hvp(f, (x,), (v,)),
            "hessian": lambda: ya.hessian(f)(x),
            "jvp": lambda: ya.jvp(ya.grad(f), (x,), (v,)),
            "jacfwd": lambda: ya.jacfwd(ya.grad(f))(x)}[transform]
    gc.collect()
    gc.disable()
    try:
        out = call()
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if isinstance(o, Tensor)]
        assert outs
        refs = [weakref.ref(o) for o in outs]
        del out, outs
        assert made and all(r() is None for r in made), \
            [type(r()).__name__ for r in made if r() is not None]
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_30_hvps_on_a_million_elements_hold_no_memory_without_the_collector():
    rng = np.random.default_rng(1)
    n = 10 ** 6
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    ya.hvp(_f, (x,), (v,))
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(30):
            value, hv = ya.hvp(_f, (x,), (v,))
            del value, hv
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        gc.enable()
    # each call's arrays are 8 MB; before the fix 30 calls held 1.2 GB
    assert grown < 200e6, f"{grown / 1e6:.0f} MB still held after 30 hvp calls"
    # and the product itself is PyTorch's
    xs = torch.tensor(x[:1000])
    _, thv = torch.autograd.functional.hvp(lambda z: (torch.tanh(z) ** 2).sum(), xs,
                                           torch.tensor(v[:1000]))
    _, hv = ya.hvp(_f, (x[:1000],), (v[:1000],))
    np.testing.assert_allclose(hv, thv.numpy(), rtol=1e-12, atol=1e-14)


def test_hvp_with_an_unused_intermediate_leaves_no_garbage():
    import gc
    import numpy as np
    import yaae as ya

    def f(x):
        ya.tanh(x)                      # computed and thrown away
        return ya.sum(ya.sin(x) ** 2)
    x = np.linspace(-1.0, 1.0, 1000)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            _, hv = ya.hvp(f, (x,), (np.ones_like(x),))
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0
    np.testing.assert_allclose(hv, 2 * np.cos(2 * x), rtol=1e-12)
