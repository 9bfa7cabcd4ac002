"""Second-order transforms and the forward-mode fast paths behind them (issue #10):

* ``hessian`` and ``hvp`` choose reverse-over-reverse for real inputs and
  forward-over-reverse for complex ones: both strategies against PyTorch /
  JAX, at every nesting order, with closed-over parameters, ``has_aux``,
  ``argnums`` and ``holomorphic=``;
* forward-mode tangent rules run unrecorded when nothing older than their
  level can differentiate them: reverse-over-forward and closed-over
  parameters must still get exact derivatives through the tangents;
* a ``create_graph`` sweep inside a forward level reuses the tangents
  recorded for each node's output (``jacfwd(jacrev(f))`` for functions whose
  rules read their output);
* ``matmul`` folds a batched operand against a 2-D one into one GEMM: values,
  gradients, tangents and second derivatives against PyTorch;
* ``jacobian`` runs ``f`` once when it chooses reverse mode.

Expected values come from PyTorch (float64) or JAX, never from yaae itself.
"""
import gc

import numpy as np
import pytest
import torch

import yaae as ya

torch.set_default_dtype(torch.float64)


def close(a, b, rtol=1e-9, atol=1e-11):
    a = np.asarray(a.data if isinstance(a, ya.Tensor) else a, dtype=np.complex128
                   if np.iscomplexobj(a.data if isinstance(a, ya.Tensor) else a) else np.float64)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != expected {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---- the functions -------------------------------------------------------------------------------
RNG = np.random.default_rng(7)
A = RNG.standard_normal((5, 4)) / 2
W = RNG.standard_normal((4, 4)) / 2


def f_np(lib, x):
    """Matmul, tanh, exp, sqrt, products of a value with itself: rules that read
    their output and their inputs."""
    Ac, Wc = lib.const(A), lib.const(W)
    h = lib.tanh(Ac @ x)
    s = lib.exp(0.3 * x) * x
    r = lib.sqrt(1.0 + x * x)
    return (h ** 2).sum() + (s * s).sum() + (Wc @ r * r).sum() + 0.5 * (x @ x)


class Y:
    tanh, exp, sqrt = staticmethod(ya.tanh), staticmethod(ya.exp), staticmethod(ya.sqrt)

    @staticmethod
    def const(a):
        return a


class T:
    tanh, exp, sqrt = staticmethod(torch.tanh), staticmethod(torch.exp), staticmethod(torch.sqrt)

    @staticmethod
    def const(a):
        return torch.as_tensor(a)


X0 = RNG.uniform(-1, 1, 4)
V0 = RNG.standard_normal(4)


def torch_hessian(x=X0):
    return torch.func.hessian(lambda z: f_np(T, z))(torch.tensor(x))


# ---- hessian: every order of nesting, every strategy ----------------------------------------------
@pytest.mark.parametrize("how", ["hessian", "jacfwd(jacrev)", "jacrev(jacrev)", "jacrev(jacfwd)",
                                 "jacfwd(jacfwd)", "jacobian(grad)", "jacrev(grad)",
                                 "jacfwd(grad)"])
def test_hessian_every_order_against_torch(how):
    f = lambda z: f_np(Y, z)   # noqa: E731
    tr = {"hessian": ya.hessian(f), "jacfwd(jacrev)": ya.jacfwd(ya.jacrev(f)),
          "jacrev(jacrev)": ya.jacrev(ya.jacrev(f)), "jacrev(jacfwd)": ya.jacrev(ya.jacfwd(f)),
          "jacfwd(jacfwd)": ya.jacfwd(ya.jacfwd(f)), "jacobian(grad)": ya.jacobian(ya.grad(f)),
          "jacrev(grad)": ya.jacrev(ya.grad(f)), "jacfwd(grad)": ya.jacfwd(ya.grad(f))}[how]
    H = tr(X0)
    assert type(H) is np.ndarray and H.shape == (4, 4)
    close(H, torch_hessian())


def test_third_order_of_hessian_against_torch():
    f = lambda z: f_np(Y, z)   # noqa: E731
    for outer in (ya.jacrev, ya.jacfwd):
        D3 = outer(ya.hessian(f))(X0)
        tD3 = torch.func.jacrev(torch.func.hessian(lambda z: f_np(T, z)))(torch.tensor(X0))
        close(D3, tD3, rtol=1e-8, atol=1e-10)
    # grad of a contraction of the Hessian (reverse over reverse over reverse)
    g = ya.grad(lambda z: ya.sum(ya.hessian(f)(z) * np.outer(V0, V0)))(X0)
    tz = torch.tensor(X0, requires_grad=True)
    tH = torch.autograd.functional.hessian(lambda z: f_np(T, z), tz, create_graph=True)
    tg, = torch.autograd.grad((tH * torch.tensor(np.outer(V0, V0))).sum(), tz)
    close(g, tg, rtol=1e-8, atol=1e-10)


def test_hessian_argnums_has_aux_and_tensor_inputs():
    def f(a, b):
        return ya.sum(ya.sin(a) * b ** 2) + ya.sum(a[:, None] * b[None, :] ** 3), a * 2

    def tf(a, b):
        return (torch.sin(a) * b ** 2).sum() + (a[:, None] * b[None, :] ** 3).sum()
    a, b = np.array([0.3, -0.4, 1.1]), np.array([0.5, 0.7, -0.2])
    H, aux = ya.hessian(f, argnums=(0, 1), has_aux=True)(a, b)
    tH = torch.func.hessian(tf, argnums=(0, 1))(torch.tensor(a), torch.tensor(b))
    for i in range(2):
        for j in range(2):
            close(H[i][j], tH[i][j])
    close(aux, 2 * a)
    Ht = ya.hessian(lambda z: f(z, b)[0])(ya.tensor(a))
    assert isinstance(Ht, ya.Tensor) and not Ht.requires_grad
    close(Ht, tH[0][0])


def test_hessian_of_closed_over_parameters_stays_attached():
    w = ya.Tensor(W, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    H = ya.hessian(lambda z: ya.sum(ya.tanh(w @ z) ** 3))(X0)
    tH = torch.autograd.functional.hessian(lambda z: (torch.tanh(tw @ z) ** 3).sum(),
                                           torch.tensor(X0), create_graph=True)
    assert isinstance(H, ya.Tensor) and H.requires_grad
    close(H, tH)
    ya.sum(H * np.outer(V0, V0)).backward()
    (tH * torch.tensor(np.outer(V0, V0))).sum().backward()
    close(w.grad, tw.grad, rtol=1e-8, atol=1e-10)


def test_hessian_complex_holomorphic_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    z = np.array([0.3 + 0.2j, -0.5 + 0.7j, 1.1 - 0.4j])
    H = ya.hessian(lambda u: ya.sum(ya.exp(u) * u ** 3), holomorphic=True)(z)
    jH = jax.hessian(lambda u: jnp.sum(jnp.exp(u) * u ** 3), holomorphic=True)(jnp.asarray(z))
    close(H, np.asarray(jH), rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError, match="holomorphic|real-valued"):
        ya.hessian(lambda u: ya.sum(ya.abs(u) ** 2))(z)


# ---- hvp ------------------------------------------------------------------------------------------
def test_hvp_both_strategies_against_torch():
    f = lambda z: f_np(Y, z)   # noqa: E731
    val, hv = ya.hvp(f, (X0,), (V0,))
    tval, thv = torch.autograd.functional.hvp(lambda z: f_np(T, z), torch.tensor(X0),
                                              torch.tensor(V0))
    assert type(val) is np.ndarray and type(hv) is np.ndarray
    close(val, tval)
    close(hv, thv)
    close(ya.jvp(ya.grad(f), (X0,), (V0,))[1], thv)           # forward-over-reverse
    close(ya.vjp(ya.grad(f), X0)[1](V0)[0], thv)              # reverse-over-reverse
    # Tensor inputs: detached Tensors out
    val_t, hv_t = ya.hvp(f, (ya.tensor(X0),), (ya.tensor(V0),))
    assert isinstance(val_t, ya.Tensor) and not val_t.requires_grad and val_t._node is None
    assert isinstance(hv_t, ya.Tensor) and not hv_t.requires_grad
    close(hv_t, thv)


def test_hvp_differentiable_in_primal_and_tangent():
    f = lambda z: f_np(Y, z)   # noqa: E731
    x = ya.Tensor(X0, requires_grad=True)
    v = ya.Tensor(V0, requires_grad=True)
    val, hv = ya.hvp(f, (x,), (v,))
    assert hv.requires_grad and val.requires_grad
    (ya.sum(hv * hv) + val).backward()
    tx = torch.tensor(X0, requires_grad=True)
    tv = torch.tensor(V0, requires_grad=True)
    tval, thv = torch.autograd.functional.hvp(lambda z: f_np(T, z), tx, tv, create_graph=True)
    ((thv * thv).sum() + tval).backward()
    close(x.grad, tx.grad, rtol=1e-8, atol=1e-10)
    close(v.grad, tv.grad, rtol=1e-8, atol=1e-10)
    # inside a transform
    g = ya.grad(lambda z: ya.sum(ya.hvp(f, (z,), (V0,))[1] ** 2))(X0)
    close(g, _torch_grad_of_hvp_sq(), rtol=1e-8, atol=1e-10)


def _torch_grad_of_hvp_sq():
    tz = torch.tensor(X0, requires_grad=True)
    _, thv = torch.autograd.functional.hvp(lambda z: f_np(T, z), tz, torch.tensor(V0),
                                           create_graph=True)
    g, = torch.autograd.grad((thv ** 2).sum(), tz)
    return g


def test_hvp_of_closed_over_parameters_stays_attached():
    w = ya.Tensor(W, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    val, hv = ya.hvp(lambda z: ya.sum(ya.tanh(w @ z) ** 3), (X0,), (V0,))
    tval, thv = torch.autograd.functional.hvp(lambda z: (torch.tanh(tw @ z) ** 3).sum(),
                                              torch.tensor(X0), torch.tensor(V0),
                                              create_graph=True)
    assert isinstance(hv, ya.Tensor) and hv.requires_grad
    close(hv, thv)
    (ya.sum(hv) + val).backward()
    (thv.sum() + tval).backward()
    close(w.grad, tw.grad, rtol=1e-8, atol=1e-10)


def test_hvp_pytree_primals_and_errors():
    def f(d, b):
        return ya.sum(ya.sin(d["a"]) * b ** 2) + ya.sum(d["c"] * b) ** 2

    def tf(a, c, b):
        return (torch.sin(a) * b ** 2).sum() + (c * b).sum() ** 2
    a, c, b = np.array([0.3, -0.4]), np.array([1.5, 0.2]), np.array([0.5, 0.7])
    va, vc, vb = np.array([1.0, 0.5]), np.array([-0.3, 2.0]), np.array([0.3, -1.0])
    val, (hd, hb) = ya.hvp(f, ({"a": a, "c": c}, b), ({"a": va, "c": vc}, vb))
    _, th = torch.autograd.functional.hvp(
        tf, tuple(torch.tensor(u) for u in (a, c, b)), tuple(torch.tensor(u) for u in (va, vc, vb)))
    close(hd["a"], th[0])
    close(hd["c"], th[1])
    close(hb, th[2])
    with pytest.raises(ValueError, match="shape"):
        ya.hvp(lambda z: ya.sum(z ** 3), (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError):
        ya.hvp(lambda z, u: ya.sum(z * u), (np.ones(3), np.ones(3)), (np.ones(3),))


def test_hvp_complex_is_forward_over_reverse_as_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    z = np.array([0.3 + 0.2j, -0.5 + 0.7j])
    v = np.array([1.0 - 0.5j, 0.25 + 2.0j])
    val, hv = ya.hvp(lambda u: ya.sum(ya.abs(ya.sin(u)) ** 2), (z,), (v,))
    _, jhv = jax.jvp(jax.grad(lambda u: jnp.sum(jnp.abs(jnp.sin(u)) ** 2)), (z,), (v,))
    close(hv, np.asarray(jhv), rtol=1e-10, atol=1e-12)


def test_hvp_leaves_no_garbage():
    f = lambda z: f_np(Y, z)   # noqa: E731
    ya.hvp(f, (X0,), (V0,))
    ya.hessian(f)(X0)
    ya.jacfwd(ya.jacrev(f))(X0)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            ya.hvp(f, (X0,), (V0,))
            ya.hessian(f)(X0)
            ya.jacfwd(ya.jacrev(f))(X0)
            ya.jvp(ya.grad(f), (X0,), (V0,))
        assert gc.collect() == 0
    finally:
        gc.enable()


# ---- forward mode: unrecorded tangent rules, and the ones that must be recorded --------------------
def test_reverse_over_forward_records_the_tangents():
    # the tangent's derivative with respect to x, which is older than the jvp's level
    f = lambda z: f_np(Y, z)   # noqa: E731
    g = ya.grad(lambda z: ya.jvp(f, (z,), (V0,))[1])(X0)
    tz = torch.tensor(X0, requires_grad=True)
    _, tjv = torch.autograd.functional.jvp(lambda z: f_np(T, z), tz, torch.tensor(V0),
                                           create_graph=True)
    tg, = torch.autograd.grad(tjv, tz)
    close(g, tg)
    # the same through backward() on a Tensor that requires grad
    x = ya.Tensor(X0, requires_grad=True)
    _, jv = ya.jvp(f, (x,), (V0,))
    assert jv.requires_grad
    jv.backward()
    close(x.grad, tg)


def test_jvp_of_closed_over_parameter_records_the_tangents():
    w = ya.Tensor(W, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    # the parameter enters only through a value whose tangent is unrelated to it
    f = lambda z: ya.sum(ya.tanh(z) * (w @ z) ** 2)     # noqa: E731
    tf = lambda z: (torch.tanh(z) * (tw @ z) ** 2).sum()  # noqa: E731
    _, jv = ya.jvp(f, (X0,), (V0,))
    _, tjv = torch.func.jvp(tf, (torch.tensor(X0),), (torch.tensor(V0),))
    assert isinstance(jv, ya.Tensor) and jv.requires_grad
    jv.backward()
    tjv.backward()
    close(w.grad, tw.grad)
    # and a Jacobian by forward mode, then a Hessian by forward-over-reverse
    w.grad = None
    tw.grad = None
    J = ya.jacfwd(lambda z: ya.tanh(w @ z) * z)(X0)
    H = ya.jacfwd(ya.jacrev(f))(X0)
    tJ = torch.autograd.functional.jacobian(lambda z: torch.tanh(tw @ z) * z, torch.tensor(X0),
                                            create_graph=True)
    tH = torch.autograd.functional.hessian(tf, torch.tensor(X0), create_graph=True)
    close(J, tJ)
    close(H, tH)
    (ya.sum(J) + ya.sum(H * np.outer(V0, V0))).backward()
    (tJ.sum() + (tH * torch.tensor(np.outer(V0, V0))).sum()).backward()
    close(w.grad, tw.grad, rtol=1e-8, atol=1e-10)


def test_nested_forward_levels_against_torch():
    # jvp of jvp (two levels, the inner rules carrying the outer tangents)
    f = lambda z: f_np(Y, z)   # noqa: E731
    u = np.array([0.2, -1.0, 0.5, 0.3])
    d2 = ya.jvp(lambda z: ya.jvp(f, (z,), (V0,))[1], (X0,), (u,))[1]
    tH = torch_hessian().numpy()
    close(d2, u @ tH @ V0)
    # forward-over-reverse-over-forward
    g = ya.jvp(ya.grad(lambda z: ya.jvp(f, (z,), (V0,))[1]), (X0,), (u,))[1]
    tz = torch.tensor(X0)
    t3 = torch.func.jvp(torch.func.grad(lambda z: torch.func.jvp(lambda y: f_np(T, y), (z,),
                                                                 (torch.tensor(V0),))[1]),
                        (tz,), (torch.tensor(u),))[1]
    close(g, t3, rtol=1e-8, atol=1e-10)


# ---- matmul: batched operands against a 2-D one ----------------------------------------------------
MM_SHAPES = [((6, 1, 4), (4, 3)), ((2, 5, 4), (4, 3)), ((3, 4), (6, 4, 1)), ((3, 4), (2, 3, 4, 1)),
             ((2, 3, 1, 4), (4, 2))]


@pytest.mark.parametrize("sa,sb", MM_SHAPES)
def test_matmul_batched_against_2d_values_and_derivatives(sa, sb):
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    got = ya.matmul(ya.tensor(a), ya.tensor(b))
    np.testing.assert_allclose(got.data, np.matmul(a, b), rtol=1e-13, atol=1e-14)
    # a transposed (non-contiguous) batched operand
    at = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    np.testing.assert_allclose(ya.matmul(at, ya.tensor(b)).data, np.matmul(a, b), rtol=1e-13)
    # first and second derivatives, and forward mode
    ga = rng.standard_normal(np.matmul(a, b).shape)
    f = lambda x, y: ya.sum(ya.tanh(ya.matmul(x, y)) * ga)                 # noqa: E731
    tf = lambda x, y: (torch.tanh(torch.matmul(x, y)) * torch.tensor(ga)).sum()  # noqa: E731
    g = ya.grad(f, argnums=(0, 1))(a, b)
    ta, tb = torch.tensor(a), torch.tensor(b)
    tg = torch.func.grad(tf, argnums=(0, 1))(ta, tb)
    close(g[0], tg[0])
    close(g[1], tg[1])
    va, vb = rng.standard_normal(sa), rng.standard_normal(sb)
    _, hv = ya.hvp(f, (a, b), (va, vb))
    _, thv = torch.func.jvp(torch.func.grad(tf, argnums=(0, 1)), (ta, tb),
                            (torch.tensor(va), torch.tensor(vb)))
    close(hv[0], thv[0])
    close(hv[1], thv[1])
    _, fr = ya.jvp(ya.grad(f, argnums=(0, 1)), (a, b), (va, vb))
    close(fr[0], thv[0])
    close(fr[1], thv[1])
    Jb = ya.jacfwd(lambda y: ya.matmul(a, y))(b)
    tJb = torch.func.jacfwd(lambda y: torch.matmul(ta, y))(tb)
    close(Jb, tJb)


def test_matmul_fold_keeps_numpy_errors_and_empty_shapes():
    with pytest.raises(ValueError, match="matmul"):
        ya.matmul(ya.tensor(np.ones((2, 1, 3))), ya.tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="matmul"):
        ya.matmul(ya.tensor(np.ones((2, 3))), ya.tensor(np.ones((5, 4, 1))))
    for sa, sb in [((0, 1, 3), (3, 2)), ((2, 0, 3), (3, 2)), ((2, 3), (0, 3, 1)), ((2, 0), (4, 0, 1))]:
        a, b = np.ones(sa), np.ones(sb)
        got = ya.matmul(ya.tensor(a), ya.tensor(b))
        assert got.shape == np.matmul(a, b).shape


# ---- jacobian: one evaluation when reverse mode is chosen ------------------------------------------
def test_jacobian_runs_f_once_in_reverse_mode():
    calls = []

    def f(z):
        calls.append(1)
        return ya.tanh(A @ z)               # R^4 -> R^5: forward mode

    def g(z):
        calls.append(1)
        return ya.tanh(A.T @ ya.sin(z))     # R^5 -> R^4: reverse mode
    tA = torch.tensor(A)
    x5 = RNG.uniform(-1, 1, 5)
    J = ya.jacobian(g)(x5)
    assert len(calls) == 1
    close(J, torch.func.jacrev(lambda z: torch.tanh(tA.T @ torch.sin(z)))(torch.tensor(x5)))
    calls.clear()
    J = ya.jacobian(f)(X0)
    assert len(calls) == 2
    close(J, torch.func.jacfwd(lambda z: torch.tanh(tA @ z))(torch.tensor(X0)))
    # scalar outputs: a plain sweep, the gradient's shape
    J = ya.jacrev(lambda z: ya.sum(ya.sin(z) ** 2))(X0)
    assert J.shape == (4,)
    close(J, np.sin(2 * X0))


def test_matmul_identity_factor_same_as_numpy():
    rng = np.random.default_rng(3)
    for n in (64, 130):
        eye = np.eye(n)
        m = rng.standard_normal((n, n))
        for a, b in [(eye, m), (m, eye), (m.T, eye), (eye, m.T)]:
            got = ya.matmul(ya.tensor(a), ya.tensor(b)).data
            assert got.flags.c_contiguous
            np.testing.assert_array_equal(got, np.matmul(a, b))
        # jacrev's seeds are identities that matmul does not multiply by: the
        # Jacobian of a linear map is its matrix, exactly; with an inf in it,
        # the GEMM's NaNs (inf * 0), as NumPy
        for A in (m, np.where(np.arange(n * n).reshape(n, n) == 5, np.inf, m)):
            with np.errstate(invalid="ignore"):
                want_b = np.matmul(eye, A)           # d(A @ z)/dz by a reverse sweep
                want_f = np.matmul(A, eye)
            for J, want in ((ya.jacrev(lambda z: A @ z)(np.ones(n)), want_b),
                            (ya.jacrev(lambda z: z @ A)(np.ones(n)), want_f.T)):
                np.testing.assert_array_equal(np.isnan(J), np.isnan(want))
                ok = ~np.isnan(want)
                np.testing.assert_allclose(J[ok], want[ok], rtol=1e-15)
                assert J.flags.writeable and not np.may_share_memory(J, A)
            Jt = ya.jacrev(lambda z: ya.tensor(A) @ z)(ya.tensor(np.ones(n)))
            assert Jt.data.flags.writeable and not np.may_share_memory(Jt.data, A)
    # float32 against float64: NumPy's promotion
    e32 = np.eye(64, dtype=np.float32)
    m = rng.standard_normal((64, 64))
    assert ya.matmul(ya.tensor(e32), ya.tensor(m)).dtype == np.matmul(e32, m).dtype
    J32 = ya.jacrev(lambda z: m.astype(np.float32) @ z)(np.ones(64, dtype=np.float32))
    assert J32.dtype == np.float32
    np.testing.assert_allclose(J32, m.astype(np.float32), rtol=1e-6)


def test_jacrev_seed_never_leaks():
    # the identity seeds are shared and read-only: a result that is the seed
    # (or a view of it) is a fresh writable array
    for fn in (lambda z: z, lambda z: ya.reshape(z, (2, 2)), lambda z: z + 0.0):
        J = ya.jacrev(fn)(np.arange(4.0))
        assert J.flags.writeable
        J[...] = 7.0
        J2 = ya.jacrev(fn)(np.arange(4.0))
        np.testing.assert_array_equal(J2.reshape(4, 4), np.eye(4))
    Jt = ya.jacrev(lambda z: z)(ya.tensor(np.arange(4.0)))
    assert Jt.data.flags.writeable
    x = ya.tensor(np.arange(3.0), requires_grad=True)
    Jg = ya.jacrev(lambda z: z * 1.0)(x)       # attached (x requires grad)
    assert Jg.data.flags.writeable
    np.testing.assert_array_equal(Jg.data, np.eye(3))


def test_jacfwd_other_inputs_symbolic_zero_and_seed_never_leaks():
    def f(a, b):
        return a, ya.sin(a) * b[:2], ya.sum(b ** 2)

    def tf(a, b):
        return a, torch.sin(a) * b[:2], (b ** 2).sum()
    a, b = np.array([0.3, -0.7]), np.array([1.5, 0.2, -0.4])
    J = ya.jacfwd(f, argnums=(0, 1))(a, b)
    tJ = torch.func.jacfwd(tf, argnums=(0, 1))(torch.tensor(a), torch.tensor(b))
    for i in range(3):
        for j in range(2):
            close(J[i][j], tJ[i][j])
            assert J[i][j].flags.writeable
    J[0][0][...] = 5.0                      # the identity block: a copy, not the shared seed
    np.testing.assert_array_equal(ya.jacfwd(lambda z: z)(a), np.eye(2))
    np.testing.assert_array_equal(ya.jacfwd(lambda z: z)(np.ones((0,))), np.zeros((0, 0)))
