"""ya.autograd.Function against torch.autograd.Function (the oracle): the same
subclass written for both libraries, compared in values, gradients, double
backward, forward mode (torch.func.jvp / ya.jvp) and errors."""
import numpy as np
import pytest
import torch

import yaae as ya

torch.set_default_dtype(torch.float64)
RNG = np.random.default_rng(1)
A = RNG.standard_normal(4)
B = RNG.standard_normal(4)


def make(m):
    """Custom Functions for library ``m`` (torch or ya), written once."""
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * t

    class ScaledMul(m.autograd.Function):
        """Tensor and non-Tensor arguments, a saved output, ctx attributes."""
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.k = k
            out = x * y * k
            ctx.save_for_backward(x, y, out)
            return out

        @staticmethod
        def backward(ctx, g):
            x, y, out = ctx.saved_tensors
            assert ctx.needs_input_grad[2] is False
            gx = g * y * ctx.k if ctx.needs_input_grad[0] else None
            gy = g * x * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gy + 0 * out, None

    class SinCos(m.autograd.Function):
        """Two outputs."""
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return m.sin(x), m.cos(x) * 2

        @staticmethod
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * m.cos(x) - 2 * gc * m.sin(x)

    class Sort(m.autograd.Function):
        """A differentiable output and a non-differentiable index output."""
        @staticmethod
        def forward(ctx, x):
            idx = m.argsort(x)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.n = x.shape[0]
            return x[idx], idx

        @staticmethod
        def backward(ctx, g, gidx):
            (idx,) = ctx.saved_tensors
            assert gidx is None or float((gidx ** 2).sum()) == 0
            out = m.zeros(ctx.n) if m is torch else ya.zeros(ctx.n)
            out[idx] = g
            return out

    return Cube, ScaledMul, SinCos, Sort


Y = make(ya)
T = make(torch)


def torch_jvp(f, x, t):
    """torch's forward-mode tangent of f at x along t (forward AD: the
    Function API with jvp, which torch.func needs in setup_context form)."""
    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        return fwAD.unpack_dual(f(fwAD.make_dual(torch.tensor(x), torch.tensor(t)))).tangent


def close(got, want, tol=1e-10):
    np.testing.assert_allclose(np.asarray(got.data if isinstance(got, ya.Tensor) else got),
                               want.detach().numpy(), rtol=tol, atol=tol)


def leaves(*arrays):
    return ([ya.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def loss_with(lib, fns, x, y):
    Cube, ScaledMul, SinCos, Sort = fns
    s, c = SinCos.apply(x)
    v, _ = Sort.apply(x * y)
    return (Cube.apply(x) * ScaledMul.apply(x, y, 1.5)).sum() + (s * c).sum() + (v * s).sum()


def test_values_and_gradients_like_torch():
    (x, y), (tx, ty) = leaves(A, B)
    out, tout = loss_with(ya, Y, x, y), loss_with(torch, T, tx, ty)
    close(out, tout)
    out.backward()
    tout.backward()
    close(x.grad, tx.grad)
    close(y.grad, ty.grad)


def test_apply_outputs_like_torch():
    (x,), (tx,) = leaves(A)
    s, c = Y[2].apply(x)
    ts, tc = T[2].apply(tx)
    close(s, ts)
    close(c, tc)
    assert s.requires_grad and c.requires_grad
    v, idx = Y[3].apply(x)
    tv, tidx = T[3].apply(tx)
    close(idx, tidx)
    assert v.requires_grad and not idx.requires_grad and not tidx.requires_grad
    # nothing requires grad: plain values
    r = Y[0].apply(ya.tensor(A))
    assert not r.requires_grad
    close(r, T[0].apply(torch.tensor(A)))


def test_double_backward_like_torch():
    (x, y), (tx, ty) = leaves(A, B)
    gx, gy = ya.autograd.grad(loss_with(ya, Y, x, y), (x, y), create_graph=True)
    tgx, tgy = torch.autograd.grad(loss_with(torch, T, tx, ty), (tx, ty), create_graph=True)
    close(gx, tgx)
    close(gy, tgy)
    h = ya.autograd.grad((gx * gy).sum() + (gx ** 2).sum(), (x, y))
    th = torch.autograd.grad((tgx * tgy).sum() + (tgx ** 2).sum(), (tx, ty))
    for a, b in zip(h, th):
        close(a, b)


def test_transforms_and_forward_mode():
    Cube = Y[0]
    (x,), (tx,) = leaves(A)
    t = RNG.standard_normal(4)
    _, yt = ya.jvp(lambda a: Cube.apply(a), (A,), (t,))
    close(yt, torch_jvp(T[0].apply, A, t))
    J = ya.jacfwd(lambda a: Cube.apply(a) * ya.sin(a))(A)
    tJ = torch.autograd.functional.jacobian(lambda a: T[0].apply(a) * torch.sin(a),
                                            torch.tensor(A))
    close(J, tJ)
    close(ya.jacrev(lambda a: Cube.apply(a) * ya.sin(a))(A), tJ)
    H = ya.hessian(lambda a: ya.sum(Cube.apply(a) * ya.sin(a)))(A)
    tH = torch.autograd.functional.hessian(lambda a: (T[0].apply(a) * torch.sin(a)).sum(),
                                           torch.tensor(A))
    close(H, tH)
    # forward over reverse through backward written with yaae ops
    _, hv = ya.jvp(ya.grad(lambda a: ya.sum(Cube.apply(a) * ya.sin(a))), (A,), (t,))
    close(hv, tH @ torch.tensor(t))


def test_forward_mode_without_jvp_raises():
    SinCos = Y[2]
    with pytest.raises(NotImplementedError, match="SinCos.*jvp"):
        ya.jvp(lambda a: SinCos.apply(a)[0], (A,), (A,))
    with pytest.raises(NotImplementedError, match="jvp"):
        torch_jvp(lambda a: T[2].apply(a)[0], A, A)


def test_multi_output_jvp_and_gradcheck():
    class SinCos(ya.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            ctx.save_for_forward(x, y)
            return ya.sin(x) * y, ya.cos(x) + y

        @staticmethod
        def backward(ctx, gs, gc):
            x, y = ctx.saved_tensors
            return gs * ya.cos(x) * y - gc * ya.sin(x), gs * ya.sin(x) + gc

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return ya.cos(x) * y * tx + ya.sin(x) * ty, -ya.sin(x) * tx + ty

    def f(x, y):
        s, c = SinCos.apply(x, y)
        return s * c
    assert ya.testing.gradcheck(f, A, B, modes=("rev", "fwd"), order=2)


def test_backward_errors_like_torch():
    def fns(m, n_grads, shape_bad=False, grad_for_const=False):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                if shape_bad:
                    return g[:2] if m is torch else g[:2], None
                if grad_for_const:
                    return g, g
                return (g,) * n_grads
        return Bad
    for kw, msg in ((dict(n_grads=1), "incorrect number of gradients"),
                    (dict(n_grads=3), "incorrect number of gradients"),
                    (dict(n_grads=2, shape_bad=True), "invalid gradient at index 0"),
                    (dict(n_grads=2, grad_for_const=True), "was not a Variable")):
        (x,), (tx,) = leaves(A)
        with pytest.raises(RuntimeError, match=msg):
            fns(torch, **kw).apply(tx, 2.0).sum().backward()
        with pytest.raises(RuntimeError, match=msg):
            fns(ya, **kw).apply(x, 2.0).sum().backward()


def test_extra_none_grads_and_materialize():
    def mk(m, materialize):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                ctx.save_for_backward(x)
                idx = (x > 0).to(torch.int64) if m is torch else (x > 0).astype(np.int64)
                ctx.mark_non_differentiable(idx)
                return x * 2, idx

            @staticmethod
            def backward(ctx, g, gi):
                ctx.seen = gi
                return g * 2, None, None      # an extra None is accepted
        return F
    for materialize in (True, False):
        (x,), (tx,) = leaves(A)
        F, TF = mk(ya, materialize), mk(torch, materialize)
        F.apply(x)[0].sum().backward()
        TF.apply(tx)[0].sum().backward()
        close(x.grad, tx.grad)


def test_once_differentiable():
    class Square(ya.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ya.autograd.function.once_differentiable
        def backward(ctx, g):
            assert not ya.is_grad_enabled()
            return 2 * g * ctx.saved_tensors[0]
    (x,), (tx,) = leaves(A)
    (g,) = ya.autograd.grad((Square.apply(x) * x).sum(), x)
    close(g, torch.autograd.grad((tx * tx * tx).sum(), tx)[0])
    (g,) = ya.autograd.grad((Square.apply(x) * x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        ya.autograd.grad(g.sum(), x)


def test_saved_tensors_outside_backward_and_docstrings():
    ctx = ya.autograd.FunctionCtx()
    with pytest.raises(RuntimeError, match="saved_tensors"):
        ctx.saved_tensors
    with pytest.raises(TypeError, match="save_for_backward"):
        ctx.save_for_backward(3.0)
    for obj in (ya.autograd.Function, ya.autograd.Function.apply, ya.autograd.FunctionCtx,
                ya.autograd.grad, ya.autograd.backward, ya.autograd.functional.jacobian,
                ya.autograd.function.once_differentiable):
        assert obj.__doc__ and len(obj.__doc__) > 40


def test_forward_returning_a_list_raises():
    class Pair(ya.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return [x * 2, x * 3]

        @staticmethod
        def backward(ctx, g):
            return g
    with pytest.raises(TypeError, match="Pair.forward must return a Tensor or a tuple"):
        Pair.apply(ya.tensor(A, requires_grad=True))


def test_setup_context_style_like_torch_func():
    def make_sc(m):
        class Tanh(m.autograd.Function):
            generate_vmap_rule = True       # (torch.func's jacrev/jacfwd need it)

            @staticmethod
            def forward(x, scale):
                return m.tanh(x) * scale

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, scale = inputs
                ctx.scale = scale
                ctx.save_for_backward(output)
                ctx.save_for_forward(output)

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * (ctx.scale - y * y / ctx.scale), None

            @staticmethod
            def jvp(ctx, t, _):
                (y,) = ctx.saved_tensors
                return t * (ctx.scale - y * y / ctx.scale)
        return Tanh
    Tanh, TTanh = make_sc(ya), make_sc(torch)
    t = RNG.standard_normal(4)
    f = lambda F: lambda a: F.apply(a, 2.0) ** 2  # noqa: E731
    _, yt = ya.jvp(f(Tanh), (A,), (t,))
    _, tt = torch.func.jvp(f(TTanh), (torch.tensor(A),), (torch.tensor(t),))
    close(yt, tt)
    close(ya.jacrev(f(Tanh))(A), torch.func.jacrev(f(TTanh))(torch.tensor(A)))
    close(ya.jacfwd(f(Tanh))(A), torch.func.jacfwd(f(TTanh))(torch.tensor(A)))
    H = ya.hessian(lambda a: ya.sum(f(Tanh)(a)))(A)
    close(H, torch.func.hessian(lambda a: f(TTanh)(a).sum())(torch.tensor(A)))
