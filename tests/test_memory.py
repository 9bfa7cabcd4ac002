"""The graph keeps only what the derivative rules read.

A matmul's output that only an add consumes, and the add's output that only a
relu consumes, are freed during the forward pass, as in hand-written NumPy
(which keeps just the pre-activation mask and the layer inputs), and the
gradients are still exact.
"""
import gc
import weakref

import numpy as np
import torch

import yaae as ya


def test_intermediates_not_needed_by_rules_are_freed_before_backward():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 50))
    W0, b0, V0 = rng.standard_normal((50, 40)), rng.standard_normal(40), rng.standard_normal((40, 3))
    W, b, V = (ya.Tensor(a, requires_grad=True) for a in (W0, b0, V0))
    gc.disable()
    try:
        t = X @ W                      # matmul keeps its arguments, not its output
        a = t + b                      # add keeps only shapes
        h = ya.relu(a)                 # relu keeps its output (the mask's source)
        loss = ya.sum(ya.tanh(h @ V))
        wt, wa = weakref.ref(t.data), weakref.ref(a.data)
        del t, a
        assert wt() is None and wa() is None
        loss.backward()
    finally:
        gc.enable()
    Wt, bt, Vt = (torch.tensor(x, requires_grad=True) for x in (W0, b0, V0))
    torch.tanh(torch.relu(torch.tensor(X) @ Wt + bt) @ Vt).sum().backward()
    for ours, theirs in ((W, Wt), (b, bt), (V, Vt)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_forward_over_reverse_still_sees_saved_outputs_tangents():
    # exp keeps only its output; under an outer jvp the output's tangent is
    # rebuilt from the kept arguments when the rule is differentiated
    x = np.linspace(-1.0, 1.0, 400)       # large enough that shapes-only saving applies
    H = ya.hessian(lambda v: ya.sum(ya.exp(v) * ya.tanh(v)))(x[:300])
    xs = torch.tensor(x[:300])
    Ht = torch.func.hessian(lambda v: (torch.exp(v) * torch.tanh(v)).sum())(xs)
    np.testing.assert_allclose(H, Ht.numpy(), rtol=1e-10, atol=1e-12)
