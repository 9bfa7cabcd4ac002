"""Tensor.register_post_accumulate_grad_hook (PyTorch's) and the engine's early firing.

Oracles: the gradient of a plain backward without hooks (the hook must see the final
``.grad``), PyTorch's hook semantics (fires once per backward per leaf, not for
autograd.grad, after .grad is updated), and the order in which the reverse walk
completes gradients, observed through intermediate-tensor hooks.
"""
import numpy as np
import pytest
import torch

import yaae as ya
from yaae.tensor import _queue_callback, _POST_HOOKS

torch.set_default_dtype(torch.float64)


def _model(a, b, c):
    # a is used only at the start of the forward (its gradient completes last),
    # c only at the end (first), b both early and late
    h = ya.tanh(a * 2.0) * b
    h = ya.sin(h * 1.5) + b
    return ((h * c) ** 2).sum()


def _leaves(seed=0):
    rng = np.random.default_rng(seed)
    return [ya.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(3)]


def _plain_grads(seed=0, n=1):
    a, b, c = _leaves(seed)
    for _ in range(n):
        _model(a, b, c).backward()
    return [t.grad.numpy().copy() for t in (a, b, c)]


def _hooked(seed=0):
    ts = _leaves(seed)
    log = []
    hs = [t.register_post_accumulate_grad_hook(
        lambda t, k=k: log.append((k, t.grad.numpy().copy()))) for k, t in enumerate(ts)]
    return ts, log, hs


def test_fires_once_with_final_grad_in_completion_order():
    ref = _plain_grads()
    (a, b, c), log, _ = _hooked()
    _model(a, b, c).backward()
    assert [k for k, _ in log] == [2, 1, 0]     # c completes first, a last
    for k, g in log:
        np.testing.assert_allclose(g, ref[k], rtol=0, atol=0)


def test_fires_as_soon_as_complete_not_at_the_end():
    # a marker hook on an intermediate near the start of the forward runs late in
    # the walk: c's hook (complete early) must have fired before it, a's after it
    (a, b, c), log, _ = _hooked()
    h0 = ya.tanh(a * 2.0) * b
    h0.register_hook(lambda g: log.append(("mid", None)))
    h = ya.sin(h0 * 1.5) + b
    ((h * c) ** 2).sum().backward()
    names = [k for k, _ in log]
    assert names.index(2) < names.index("mid") < names.index(0)


def test_matches_torch_order_and_values():
    rng = np.random.default_rng(3)
    vals = [rng.standard_normal(3) for _ in range(3)]
    ya_ts = [ya.tensor(v, requires_grad=True) for v in vals]
    th_ts = [torch.tensor(v, requires_grad=True) for v in vals]
    ya_log, th_log = [], []
    for k in range(3):
        ya_ts[k].register_post_accumulate_grad_hook(lambda t, k=k: ya_log.append((k, t.grad.numpy().copy())))
        th_ts[k].register_post_accumulate_grad_hook(lambda t, k=k: th_log.append((k, t.grad.numpy().copy())))
    _model(*ya_ts).backward()
    a, b, c = th_ts
    h = torch.sin(torch.tanh(a * 2.0) * b * 1.5) + b
    ((h * c) ** 2).sum().backward()
    assert [k for k, _ in ya_log] == [k for k, _ in th_log]
    for (_, g1), (_, g2) in zip(ya_log, th_log):
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-14)


def test_accumulates_over_two_backwards_and_retain_graph():
    ref2 = _plain_grads(n=2)
    (a, b, c), log, _ = _hooked()
    loss = _model(a, b, c)
    loss.backward(retain_graph=True)
    loss.backward()
    assert [k for k, _ in log] == [2, 1, 0, 2, 1, 0]
    for k, g in log[3:]:
        np.testing.assert_allclose(g, ref2[k], rtol=1e-15, atol=0)


def test_create_graph_hook_sees_differentiable_grad():
    x = ya.tensor([0.3, -0.7], requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad))
    (x ** 3).sum().backward(create_graph=True)
    assert len(seen) == 1 and seen[0].requires_grad
    np.testing.assert_allclose(seen[0].numpy(), 3 * x.numpy() ** 2, rtol=1e-15)
    g2 = ya.autograd.grad(seen[0].sum(), x)[0]   # autograd.grad: no post hook fires
    np.testing.assert_allclose(g2.numpy(), 6 * x.numpy(), rtol=1e-15)
    assert len(seen) == 1


def test_autograd_grad_does_not_fire_like_torch():
    (a, b, c), log, _ = _hooked()
    ya.autograd.grad(_model(a, b, c), [a, b, c])
    assert log == [] and a.grad is None
    ta = torch.tensor([1.0], requires_grad=True)
    tlog = []
    ta.register_post_accumulate_grad_hook(lambda t: tlog.append(1))
    torch.autograd.grad((ta * 2).sum(), ta)
    assert tlog == []


def test_inputs_fires_only_for_the_inputs():
    ref = _plain_grads()
    (a, b, c), log, _ = _hooked()
    _model(a, b, c).backward(inputs=[a, c])
    assert sorted(k for k, _ in log) == [0, 2] and b.grad is None
    for k, g in log:
        np.testing.assert_allclose(g, ref[k], rtol=0, atol=0)


def test_pre_hook_then_post_hook():
    # a register_hook on the leaf changes the gradient before it is accumulated
    x = ya.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], 20 * x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 20 * x.numpy())


def test_leaf_as_root_and_leaf_reached_twice():
    x = ya.tensor(2.0, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(float(t.grad)))
    x.backward()
    assert seen == [1.0]
    y = ya.tensor([1.0, 3.0], requires_grad=True)
    y.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (ya.exp(y) * y + y).sum().backward()
    assert seen[1:] == [list(np.exp([1.0, 3.0]) * (1 + np.array([1.0, 3.0])) + 1)]


def test_remove_and_registry_cleanup():
    x = ya.tensor([1.0], requires_grad=True)
    seen = []
    h = x.register_post_accumulate_grad_hook(lambda t: seen.append(1))
    assert id(x) in _POST_HOOKS
    h.remove()
    assert id(x) not in _POST_HOOKS
    (x * 2).sum().backward()
    assert seen == []
    y = ya.tensor([1.0], requires_grad=True)
    y.register_post_accumulate_grad_hook(lambda t: None)
    k = id(y)
    del y
    import gc
    gc.collect()
    assert k not in _POST_HOOKS or _POST_HOOKS[k][0]() is not None


def test_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ya.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    x = ya.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="no backward is running"):
        _queue_callback(lambda: None)


def test_queue_callback_runs_after_every_grad_once():
    (a, b, c), log, _ = _hooked()
    done = []

    def queue_once(t):
        if not done:
            _queue_callback(lambda: done.append([t.grad is not None for t in (a, b, c)]))
            done.append("queued")
    c.register_post_accumulate_grad_hook(queue_once)
    _model(a, b, c).backward()
    assert done == ["queued", [True, True, True]]
    assert len(log) == 3


def test_exception_in_hook_propagates_and_graph_state_is_clean():
    x = ya.tensor([1.0], requires_grad=True)

    def boom(t):
        raise ValueError("boom")
    h = x.register_post_accumulate_grad_hook(boom)
    with pytest.raises(ValueError, match="boom"):
        (ya.sin(x) * 2).sum().backward()
    h.remove()
    x.grad = None
    (ya.sin(x) * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(1.0))
