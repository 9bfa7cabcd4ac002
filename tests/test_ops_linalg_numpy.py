"""The linear-algebra family against NumPy and PyTorch, beyond the sample
table (tests/opinfo/samples_linalg.py): values equal to NumPy's (with its
result structure and dtypes), batching, ``np.linalg.NAME(tensor)`` dispatch,
gauge-invariant functions of eigenvectors and singular vectors,
``full_matrices=True``, and errors."""
import numpy as np
import pytest
import torch

import yaae as ya
from yaae.ops import linalg as L
from yaae.testing import gradcheck

rng = np.random.default_rng(20261129)


def randn(*shape):
    return rng.standard_normal(shape)


def spd(n, batch=()):
    a = rng.standard_normal(tuple(batch) + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


def wellcond(n, batch=()):
    return rng.standard_normal(tuple(batch) + (n, n)) * 0.3 + 2 * np.eye(n)


def leaves(o):
    if isinstance(o, (tuple, list)):
        out = []
        for v in o:
            out += leaves(v)
        return out
    return [o]


def val(x):
    return x.data if isinstance(x, ya.Tensor) else np.asarray(x)


def tt(a):
    return torch.tensor(a, requires_grad=True)


# ---- values: NumPy's, exactly where yaae runs NumPy's own routine -------------------------------
A34, A43, A33, AB = randn(3, 4), randn(4, 3), randn(3, 3), randn(5, 3, 3)
S3, SB = spd(3), spd(4, (2, 3))
EXACT = [
    ("eigh", (S3,), {}), ("eigh", (SB,), {}), ("eigh", (A33,), {"UPLO": "U"}),
    ("eigvalsh", (SB,), {}), ("eigvalsh", (A33,), {"UPLO": "U"}),
    ("eig", (A33,), {}), ("eig", (AB,), {}), ("eigvals", (AB,), {}),
    ("cholesky", (SB,), {}), ("cholesky", (S3,), {"upper": True}),
    ("svd", (A34,), {}), ("svd", (A43,), {}), ("svd", (AB,), {"full_matrices": False}),
    ("svd", (A43,), {"compute_uv": False}), ("svd", (S3 - 2 * np.eye(3),), {"hermitian": True}),
    ("svdvals", (AB,), {}),
    ("qr", (A43,), {}), ("qr", (A34,), {}), ("qr", (AB,), {"mode": "complete"}),
    ("qr", (A43,), {"mode": "r"}), ("qr", (A43,), {"mode": "complete"}),
    ("pinv", (A34,), {}), ("pinv", (AB,), {}), ("pinv", (S3,), {"hermitian": True}),
    ("pinv", (A34,), {"rcond": 0.3}), ("pinv", (A34,), {"rtol": 0.3}),
    ("slogdet", (AB,), {}), ("det", (AB,), {}), ("inv", (AB,), {}),
    ("solve", (AB, randn(5, 3, 2)), {}), ("solve", (AB, randn(3)), {}),
]
CLOSE = [
    ("lstsq", (randn(6, 3), randn(6, 2)), {}), ("lstsq", (randn(6, 3), randn(6)), {}),
    ("lstsq", (randn(3, 6), randn(3, 2)), {}),
    ("lstsq", (np.outer(randn(5), randn(3)), randn(5)), {}),
    ("lstsq", (randn(6, 3), randn(6)), {"rcond": 0.5}),
    ("lstsq", (np.array([[2, 1], [1, 3], [0, 1]]), np.array([1, 2, 3])), {}),
    ("lstsq", (np.array([[2, 1], [1, 3]]), np.array([1, 2])), {}),
    ("matrix_power", (AB, 7), {}), ("matrix_power", (AB, -2), {}), ("matrix_power", (AB, 0), {}),
    ("multi_dot", ([randn(3), randn(3, 4), randn(4, 2), randn(2, 5), randn(5)],), {}),
    ("multi_dot", ([randn(10, 2), randn(2, 8), randn(8, 3)],), {}),
    ("multi_dot", ([randn(3), randn(3, 4)],), {}),
    ("tensorsolve", (wellcond(6).reshape(2, 3, 6), randn(2, 3)), {}),
    ("tensorinv", (wellcond(12).reshape(4, 3, 12),), {}),
    ("tensorinv", (wellcond(6).reshape(6, 2, 3),), {"ind": 1}),
    ("vector_norm", (AB,), {"axis": (0, 2), "ord": 3}), ("matrix_norm", (AB,), {"ord": "nuc"}),
]


def _ids(cases):
    return [f"{n}-{i}" for i, (n, _, _) in enumerate(cases)]


def _check_like_numpy(name, args, kw, exact):
    want = getattr(np.linalg, name)(*args, **kw)
    got = getattr(ya.linalg, name)(*args, **kw)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
    else:
        assert isinstance(got, ya.Tensor)
    wl, gl = leaves(want), leaves(got)
    assert len(wl) == len(gl)
    for g, w in zip(gl, wl):
        g, w = val(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,args,kw", EXACT, ids=_ids(EXACT))
def test_values_are_numpys(name, args, kw):
    _check_like_numpy(name, args, kw, exact=True)


@pytest.mark.parametrize("name,args,kw", CLOSE, ids=_ids(CLOSE))
def test_values_match_numpy(name, args, kw):
    _check_like_numpy(name, args, kw, exact=False)


NT = [("eigh", (S3,), {}), ("eig", (A33,), {}), ("svd", (A43,), {}), ("qr", (A43,), {}),
      ("slogdet", (A33,), {})]


@pytest.mark.parametrize("name,args,kw", NT, ids=_ids(NT))
def test_named_results_like_numpy(name, args, kw):
    """The family's functions return NumPy's own result types (namedtuples)."""
    want = getattr(np.linalg, name)(*args, **kw)
    got = getattr(L, name)(*args, **kw)
    assert type(got) is type(want)
    for f in want._fields:
        np.testing.assert_array_equal(val(getattr(got, f)), getattr(want, f))


def test_float32_kept():
    a = spd(3).astype(np.float32)
    for name in ("inv", "det", "cholesky", "eigvalsh", "pinv", "svdvals", "norm"):
        out = getattr(ya.linalg, name)(a)
        want = getattr(np.linalg, name)(a)
        assert out.dtype == np.float32 == want.dtype, name
        g = ya.grad(lambda x: ya.sum(getattr(ya.linalg, name)(x)))(a)
        assert g.dtype == np.float32, name
    for name in ("eigh", "svd", "qr", "slogdet"):
        for o, w in zip(getattr(ya.linalg, name)(a), getattr(np.linalg, name)(a)):
            assert o.dtype == np.asarray(w).dtype == np.float32, name


# ---- batching: a stack of matrices is the stack of the results, values and gradients --------------
BATCHED = [
    ("eigh", lambda r: ya.sum(r[0] ** 2) + ya.sum(r[1] ** 2 * np.arange(4.0)), spd(4, (3, 2))),
    ("eigvalsh", lambda r: ya.sum(r ** 3), spd(4, (3, 2))),
    ("cholesky", lambda r: ya.sum(r ** 3), spd(4, (3, 2))),
    ("svd", lambda r: ya.sum(r[1] ** 3) + ya.sum((r[0][..., :, :4] @ r[2]) ** 3), randn(3, 2, 5, 4)),
    ("svdvals", lambda r: ya.sum(r ** 3), randn(3, 2, 4, 5)),
    ("qr", lambda r: ya.sum(r[0] ** 3) + ya.sum(r[1] ** 3), randn(3, 2, 5, 4)),
    ("pinv", lambda r: ya.sum(r ** 3), randn(3, 2, 4, 5)),
    ("eigvals", lambda r: ya.sum(ya.abs(r) ** 2), randn(3, 2, 4, 4)),
    ("eig", lambda r: ya.sum(ya.abs(r[1]) ** 3) + ya.sum(ya.real(r[0]) ** 2), randn(3, 2, 4, 4)),
    ("slogdet", lambda r: ya.sum(r[1] ** 2), wellcond(4, (3, 2))),
    ("matrix_norm", lambda r: ya.sum(r ** 2), randn(3, 2, 4, 5)),
]


@pytest.mark.parametrize("name,loss,x", BATCHED, ids=[b[0] for b in BATCHED])
def test_batched_is_stack_of_single(name, loss, x):
    f = getattr(ya.linalg, name)
    kw = {"ord": 2} if name == "matrix_norm" else {}
    whole = ya.grad(lambda a: loss(f(a, **kw)))(x)
    for idx in np.ndindex(x.shape[:-2]):
        part = ya.grad(lambda a: loss(f(a, **kw)))(x[idx])
        np.testing.assert_allclose(whole[idx], part, rtol=1e-10, atol=1e-12)
        for w, p in zip(leaves(f(x, **kw)), leaves(f(x[idx], **kw))):
            np.testing.assert_array_equal(val(w)[idx], val(p))


# ---- np.linalg.NAME(tensor) dispatches to yaae and stays differentiable ---------------------------
DISPATCH = ["eigh", "eigvalsh", "cholesky", "svd", "svdvals", "qr", "pinv", "slogdet", "det",
            "inv", "eigvals", "eig", "norm", "matrix_norm", "vector_norm", "matrix_power",
            "tensorinv", "lstsq", "solve", "multi_dot", "tensorsolve"]


def _dispatch_args(name, t):
    if name == "matrix_power":
        return (t, 3)
    if name == "tensorinv":
        return (ya.reshape(t, (3, 1, 3)),)
    if name in ("lstsq", "solve"):
        return (t, np.arange(3.0))
    if name == "multi_dot":
        return ([t, t, t],)
    if name == "tensorsolve":
        return (t, np.arange(3.0))
    return (t,)


@pytest.mark.parametrize("name", DISPATCH)
def test_numpy_dispatch(name):
    x = spd(3)
    t = ya.tensor(x, requires_grad=True)
    out = getattr(np.linalg, name)(*_dispatch_args(name, t))
    want = getattr(np.linalg, name)(*_dispatch_args(name, x) if name != "tensorinv"
                                    else (x.reshape(3, 1, 3),))
    gl, wl = leaves(out), leaves(want)
    assert len(gl) == len(wl)
    loss = 0
    for g, w in zip(gl, wl):
        assert isinstance(g, ya.Tensor)
        np.testing.assert_allclose(val(g), np.asarray(w), rtol=1e-12, atol=1e-12)
        if g.requires_grad:
            loss = loss + ya.sum(ya.real(g) ** 2 if g.dtype.kind == "c" else g ** 2)
    loss.backward()
    assert t.grad is not None and np.all(np.isfinite(t.grad))


# ---- gauge-invariant functions of eigenvectors / singular vectors, against PyTorch ---------------
def _both(f_ya, f_t, x, order=2):
    """ya.grad of f_ya equals PyTorch's gradient of f_t, and gradcheck passes."""
    g = ya.grad(f_ya)(x)
    xt = tt(x)
    f_t(xt).backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(f_ya, x, modes=("rev", "fwd"), order=order)


def _sym_t(a):
    low = torch.tril(a, -1)
    return low + low.mT + torch.diag_embed(torch.diagonal(a, dim1=-2, dim2=-1))


C = randn(2, 4, 4)


def test_eigh_projectors_and_reconstruction():
    x = spd(4, (2,))

    def f(a):
        w, v = ya.linalg.eigh(a)
        p = v[..., :, :2] @ ya.swapaxes(v[..., :, :2], -1, -2)     # projector, sign-free
        return ya.sum(p * C) + ya.sum((v * v) * C) + ya.sum(w ** 3)

    def ft(a):
        w, v = torch.linalg.eigh(_sym_t(a))
        p = v[..., :, :2] @ v[..., :, :2].mT
        return (p * torch.tensor(C)).sum() + ((v * v) * torch.tensor(C)).sum() + (w ** 3).sum()
    _both(f, ft, x)


def test_eigh_reads_one_triangle():
    x = randn(4, 4)
    g = ya.grad(lambda a: ya.sum(ya.linalg.eigvalsh(a) ** 3))(x)
    assert np.all(np.triu(g, 1) == 0)
    gu = ya.grad(lambda a: ya.sum(ya.linalg.eigh(a, UPLO="U")[0] ** 3))(x)
    assert np.all(np.tril(gu, -1) == 0)
    gc = ya.grad(lambda a: ya.sum(ya.linalg.cholesky(a) ** 2))(spd(4))
    assert np.all(np.triu(gc, 1) == 0)
    # on a symmetric parametrisation every convention agrees: x + x.T
    s = randn(4, 4)
    g1 = ya.grad(lambda b: ya.sum(ya.linalg.eigvalsh(b + b.T) ** 3))(s)
    st = tt(s)
    (torch.linalg.eigvalsh(st + st.mT) ** 3).sum().backward()
    np.testing.assert_allclose(g1, st.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 5, 3)])
def test_svd_gauge_invariant(shape):
    x = randn(*shape)
    k = min(shape[-2:])
    Ck = randn(*shape)

    def f(a):
        u, s, vh = ya.linalg.svd(a, full_matrices=False)
        rec = (u * s[..., None, :]) @ vh
        pu = u @ ya.swapaxes(u, -1, -2)
        pv = ya.swapaxes(vh, -1, -2) @ vh
        return ya.sum(rec * Ck) + ya.sum(pu ** 3) + ya.sum(pv[..., 0, :] ** 3) + ya.sum(s ** 3)

    def ft(a):
        u, s, vh = torch.linalg.svd(a, full_matrices=False)
        rec = (u * s[..., None, :]) @ vh
        pu = u @ u.mT
        pv = vh.mT @ vh
        return ((rec * torch.tensor(Ck)).sum() + (pu ** 3).sum() + (pv[..., 0, :] ** 3).sum()
                + (s ** 3).sum())
    _both(f, ft, x)
    assert k


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 6)])
def test_svd_full_matrices_like_pytorch(shape):
    """full_matrices=True: the extra columns of U (rows of Vh) carry no
    gradient, as in PyTorch; the rest equals the reduced SVD's."""
    x = randn(*shape)
    m, n = shape[-2:]
    k = min(m, n)
    cu, cv = randn(*shape[:-2], m, m), randn(*shape[:-2], n, n)

    def f(a):
        u, s, vh = ya.linalg.svd(a)
        assert u.shape[-2:] == (m, m) and vh.shape[-2:] == (n, n)
        uk, vk = u[..., :, :k], vh[..., :k, :]
        return (ya.sum((uk @ ya.swapaxes(uk, -1, -2)) * cu) + ya.sum(ya.swapaxes(vk, -1, -2) @ vk * cv)
                + ya.sum(u[..., :, k:] ** 2 * cu[..., :, k:]) + ya.sum(vh[..., k:, :] ** 2 * cv[..., k:, :])
                + ya.sum(s ** 2))

    def ft(a):
        u, s, vh = torch.linalg.svd(a, full_matrices=True)
        uk, vk = u[..., :, :k], vh[..., :k, :]
        return (((uk @ uk.mT) * torch.tensor(cu)).sum() + (vk.mT @ vk * torch.tensor(cv)).sum()
                + (u[..., :, k:] ** 2 * torch.tensor(cu[..., :, k:])).sum()
                + (vh[..., k:, :] ** 2 * torch.tensor(cv[..., k:, :])).sum() + (s ** 2).sum())
    g = ya.grad(f)(x)
    xt = tt(x)
    ft(xt).backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    # forward mode: the extra columns' tangents are zero; jacfwd == jacrev
    t = randn(*shape)
    _, (du, ds, dvh) = ya.jvp(lambda a: ya.linalg.svd(a), (x,), (t,))
    assert np.all(du[..., :, k:] == 0) and np.all(dvh[..., k:, :] == 0)
    jf = ya.jacfwd(lambda a: ya.linalg.svd(a)[0])(x)
    jr = ya.jacrev(lambda a: ya.linalg.svd(a)[0])(x)
    np.testing.assert_allclose(jf, jr, rtol=1e-10, atol=1e-12)


def test_qr_gauge_free_against_pytorch():
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        x = randn(*shape)
        cq, cr = randn(*shape[:-1], min(shape[-2:])), randn(*shape[:-2], min(shape[-2:]), shape[-1])

        def f(a):
            q, r = ya.linalg.qr(a)
            return ya.sum(q * cq) + ya.sum(r * cr)

        def ft(a):
            q, r = torch.linalg.qr(a)
            return (q * torch.tensor(cq)).sum() + (r * torch.tensor(cr)).sum()
        _both(f, ft, x)


def test_eig_reconstruction_and_phase_invariants():
    x = randn(2, 4, 4)      # complex spectra
    cc = randn(2, 4, 4)

    def rec(a):
        w, v = ya.linalg.eig(a)
        return ya.real((v * w[..., None, :]) @ ya.linalg.inv(v))
    np.testing.assert_allclose(val(rec(x)), x, atol=1e-12)
    # V diag(w) V^-1 is a itself: its gradient is the cotangent, its Jacobian the identity
    np.testing.assert_allclose(ya.grad(lambda a: ya.sum(rec(a) * cc))(x), cc, atol=1e-10)
    _, jv = ya.jvp(rec, (x,), (cc,))
    np.testing.assert_allclose(jv, cc, atol=1e-10)

    def f(a):
        w, v = ya.linalg.eig(a)
        return ya.sum(ya.abs(v) ** 3) + ya.sum(ya.abs(w) ** 3) + ya.sum(ya.angle(w) ** 2)

    def ft(a):
        w, v = torch.linalg.eig(a)
        return (v.abs() ** 3).sum() + (w.abs() ** 3).sum() + (w.angle() ** 2).sum()
    _both(f, ft, x, order=1)


def test_eigvals_complex_input_against_jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    z = randn(3, 3) + 1j * randn(3, 3)

    def f(a):
        w = ya.linalg.eigvals(a)
        return ya.sum(ya.abs(w) ** 2) + ya.sum(ya.real(w ** 2))

    def fj(a):
        w = jnp.linalg.eigvals(a)
        return jnp.sum(jnp.abs(w) ** 2) + jnp.sum(jnp.real(w ** 2))
    np.testing.assert_allclose(ya.grad(f)(z), np.asarray(jax.grad(fj)(z)), rtol=1e-10, atol=1e-12)


# ---- operand-list einsum, multi_dot with vector ends, lstsq's results ------------------------------
def test_einsum_operand_list():
    a, b, c = randn(3, 4), randn(4, 5), randn(5)
    for args in [(a, [0, 1], b, [1, 2], [0, 2]), (a, [0, 1], b, [1, 2]),
                 (a, [0, 1], b, [1, 2], c, [2], [0]), (a, [Ellipsis, 1], c[:4], [1]),
                 (a, [0, 0 + 1], [1, 0])]:
        np.testing.assert_allclose(val(ya.einsum(*args)), np.einsum(*args), rtol=1e-13)
        np.testing.assert_allclose(val(np.einsum(*[ya.tensor(x) if isinstance(x, np.ndarray) else x
                                                    for x in args])), np.einsum(*args), rtol=1e-13)
    ga, gb = ya.grad(lambda x, y: ya.sum(ya.einsum(x, [0, 1], y, [1, 2], [0, 2]) ** 2),
                     argnums=(0, 1))(a, b)
    at, bt = tt(a), tt(b)
    (torch.einsum(at, [0, 1], bt, [1, 2], [0, 2]) ** 2).sum().backward()
    np.testing.assert_allclose(ga, at.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError):
        ya.einsum(a, [0, 60])


def test_einsum_zero_size_broadcast():
    a, b = randn(0, 3), randn(1, 3)
    out = ya.einsum("...i,...i->...", a, b)
    assert out.shape == (0,)
    ga, gb = ya.grad(lambda x, y: ya.sum(ya.einsum("...i,...i->...", x, y)), argnums=(0, 1))(a, b)
    assert ga.shape == (0, 3) and gb.shape == (1, 3) and np.all(gb == 0)
    _, jv = ya.jvp(lambda y: ya.einsum("ij,kj->ik", a, y), (b,), (b,))
    assert jv.shape == (0, 1)


def test_multi_dot_vector_ends_against_pytorch():
    xs = [randn(3), randn(3, 4), randn(4, 6), randn(6, 2), randn(2)]
    g = ya.grad(lambda *a: ya.linalg.multi_dot(list(a)), argnums=tuple(range(5)))(*xs)
    ts = [tt(x) for x in xs]
    torch.linalg.multi_dot(ts).backward()
    for a, b in zip(g, ts):
        np.testing.assert_allclose(a, b.grad.numpy(), rtol=1e-12)
    assert gradcheck(lambda *a: ya.linalg.multi_dot(list(a)), *xs[:4], order=2)


def test_lstsq_structure_and_gradients():
    a, b = randn(7, 3), randn(7, 2)
    x, res, rank, s = ya.linalg.lstsq(a, b)
    nx, nres, nrank, ns = np.linalg.lstsq(a, b)
    assert int(val(rank)) == nrank
    np.testing.assert_allclose(val(res), nres, rtol=1e-12)

    def f(a, b):
        x, res, rank, s = ya.linalg.lstsq(a, b)
        return ya.sum(x ** 3) + ya.sum(res) + ya.sum(s ** 2)

    def ft(a, b):
        x = torch.linalg.lstsq(a, b, driver="gelsd").solution
        r = b - a @ x
        return (x ** 3).sum() + (r * r).sum() + (torch.linalg.svdvals(a) ** 2).sum()
    ga, gb = ya.grad(f, argnums=(0, 1))(a, b)
    at, bt = tt(a), tt(b)
    ft(at, bt).backward()
    np.testing.assert_allclose(ga, at.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, bt.grad.numpy(), rtol=1e-10, atol=1e-12)
    # rank deficient: no residuals, as NumPy; x still differentiable (constant rank)
    d = np.outer(randn(5), randn(3)) + np.outer(randn(5), randn(3))
    assert ya.linalg.lstsq(d, randn(5))[1].shape == (0,)
    # (a cutoff above the finite-difference steps keeps the rank constant)
    assert gradcheck(lambda a: ya.linalg.lstsq(a, np.arange(5.0), rcond=1e-3)[0], d, order=1)


# ---- norms: every ord, values and gradients against NumPy and PyTorch ------------------------------
VEC_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1, -2.5]
MAT_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VEC_ORDS, ids=str)
def test_vector_norm_ords(ord):
    x = randn(2, 5)
    np.testing.assert_allclose(val(ya.linalg.norm(x, ord, 1)), np.linalg.norm(x, ord, 1), rtol=1e-13)
    np.testing.assert_allclose(val(ya.linalg.norm(x[0], ord)), np.linalg.norm(x[0], ord), rtol=1e-13)
    g = ya.grad(lambda a: ya.sum(ya.linalg.norm(a, ord, 1)))(x)
    if ord == 0:        # a count: no derivative
        assert np.all(g == 0)
        return
    xt = tt(x)
    tn = torch.linalg.vector_norm(xt, 2 if ord is None else ord, dim=1)
    tn.sum().backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord", MAT_ORDS, ids=str)
def test_matrix_norm_ords(ord):
    x = randn(3, 4, 5)
    for axis in [(1, 2), (2, 0), (-1, -2)]:
        for keepdims in (False, True):
            np.testing.assert_allclose(val(ya.linalg.norm(x, ord, axis, keepdims)),
                                       np.linalg.norm(x, ord, axis, keepdims), rtol=1e-13)
    np.testing.assert_allclose(val(ya.linalg.norm(x[0], ord)), np.linalg.norm(x[0], ord), rtol=1e-13)
    np.testing.assert_allclose(val(ya.linalg.matrix_norm(x, ord="fro" if ord is None else ord)),
                               np.linalg.matrix_norm(x, ord="fro" if ord is None else ord),
                               rtol=1e-13)
    xt = tt(x)
    torch.linalg.matrix_norm(xt, "fro" if ord is None else ord, dim=(2, 0)).sum().backward()
    g = ya.grad(lambda a: ya.sum(ya.linalg.norm(a, ord, (2, 0))))(x)
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_norm_errors_like_numpy():
    x = randn(2, 3, 4)
    for args, err in [((x, 2), ValueError), ((x[0], "bad"), ValueError), ((x[0, 0], "fro"), ValueError),
                      ((x, None, (0, 0)), ValueError), ((x, None, 5), np.exceptions.AxisError),
                      ((x, 3, (1, 2)), ValueError), ((x, None, (0, 1, 2)), ValueError)]:
        with pytest.raises(err):
            np.linalg.norm(*args)
        with pytest.raises(err):
            ya.linalg.norm(*args)


def test_vector_norm_keepdims_and_axes():
    x = randn(2, 3, 4)
    for kw in [dict(), dict(keepdims=True), dict(axis=(0, 2), keepdims=True), dict(axis=-1, ord=1),
               dict(axis=(2, 0), ord=np.inf)]:
        w = np.linalg.vector_norm(x, **kw)
        g = ya.linalg.vector_norm(x, **kw)
        assert g.shape == w.shape
        np.testing.assert_allclose(val(g), w, rtol=1e-13)


# ---- errors -------------------------------------------------------------------------------------
def test_errors():
    t = ya.tensor(randn(4, 3), requires_grad=True)
    with pytest.raises(NotImplementedError, match="complete"):
        ya.sum(ya.linalg.qr(t, mode="complete")[0]).backward()
    with pytest.raises(TypeError, match="raw"):
        ya.linalg.qr(t, mode="raw")
    x = randn(4, 3)
    h, tau = ya.linalg.qr(x, mode="raw")       # no gradient needed: runs
    np.testing.assert_array_equal(val(h), np.linalg.qr(x, mode="raw")[0])
    with pytest.raises(ValueError):
        ya.linalg.qr(randn(3, 3), mode="bad")
    with pytest.raises(ValueError):
        ya.linalg.eigh(spd(3), UPLO="X")
    for name in ("eigh", "eig", "cholesky", "slogdet", "eigvals", "matrix_power"):
        args = (randn(3, 4), 2) if name == "matrix_power" else (randn(3, 4),)
        with pytest.raises(np.linalg.LinAlgError):
            getattr(ya.linalg, name)(*args)
    with pytest.raises(np.linalg.LinAlgError):
        ya.linalg.cholesky(-spd(3))
    with pytest.raises(TypeError):
        ya.linalg.matrix_power(spd(3), 1.5)
    with pytest.raises(ValueError):
        ya.linalg.multi_dot([randn(3, 3)])


# ---- complex inputs: JAX's convention ---------------------------------------------------------------
def crandn(*shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def herm(n, batch=()):
    x = crandn(*batch, n, n)
    return x @ np.conj(np.swapaxes(x, -1, -2)) / n + np.eye(n)


def _rand_like(o):
    o = np.asarray(o)
    if o.dtype.kind == "c":
        return crandn(*o.shape)
    return rng.standard_normal(o.shape)


CPLX_RAW = [
    ("eigh", lambda a: ya.linalg.eigh(a), herm(3, (2,))),
    ("eigh-U", lambda a: ya.linalg.eigh(a, UPLO="U"), crandn(3, 3)),
    ("eigvalsh", lambda a: ya.linalg.eigvalsh(a), herm(4)),
    ("cholesky", lambda a: ya.linalg.cholesky(a), herm(3, (2,))),
    ("cholesky-upper", lambda a: ya.linalg.cholesky(a, upper=True), herm(3)),
    ("svd-tall", lambda a: ya.linalg.svd(a, full_matrices=False), crandn(5, 3)),
    ("svd-wide-full", lambda a: ya.linalg.svd(a), crandn(2, 3, 5)),
    ("svd-square", lambda a: ya.linalg.svd(a), crandn(4, 4)),
    ("svdvals", lambda a: ya.linalg.svd(a, compute_uv=False), crandn(4, 3)),
    ("svd-hermitian", lambda a: ya.linalg.svd(a, hermitian=True), herm(3) - 1.5 * np.eye(3)),
    ("qr-tall", lambda a: ya.linalg.qr(a), crandn(2, 5, 3)),
    ("qr-wide-complete", lambda a: ya.linalg.qr(a, mode="complete"), crandn(3, 5)),
    ("qr-r", lambda a: ya.linalg.qr(a, mode="r"), crandn(4, 4)),
    ("pinv", lambda a: ya.linalg.pinv(a), crandn(2, 3, 5)),
    ("lstsq", lambda a, b=crandn(6, 2): ya.linalg.lstsq(a, b)[:2], crandn(6, 3)),
    ("slogdet", lambda a: ya.linalg.slogdet(a), crandn(2, 3, 3)),
    ("eig", lambda a: ya.linalg.eig(a), crandn(3, 3)),
    ("eigvals", lambda a: ya.linalg.eigvals(a), crandn(2, 3, 3)),
    ("inv", lambda a: ya.linalg.inv(a), crandn(3, 3)),
    ("det", lambda a: ya.linalg.det(a), crandn(2, 3, 3)),
    ("solve", lambda a, b=crandn(3, 2): ya.linalg.solve(a, b), crandn(3, 3)),
    ("matrix_power", lambda a: ya.linalg.matrix_power(a, -3), crandn(3, 3)),
    ("norms", lambda a: (ya.linalg.norm(a, "nuc"), ya.linalg.norm(a, 2), ya.linalg.norm(a),
                         ya.linalg.norm(a, 1), ya.linalg.norm(a[0], 3)), crandn(3, 4)),
]


@pytest.mark.parametrize("name,f,x", CPLX_RAW, ids=[c[0] for c in CPLX_RAW])
def test_complex_vjp_is_transpose_of_jvp(name, f, x):
    """Re<u, J v> == Re<vjp(u), v> (JAX's pairing, no conjugation) on the raw
    outputs, whatever gauge the decomposition has; and jacfwd == jacrev on
    the real and imaginary parts."""
    from yaae.transforms import tree_flatten
    v = crandn(*x.shape)
    out, jv = ya.jvp(f, (x,), (v,))
    outs, jvs = tree_flatten(out)[0], tree_flatten(jv)[0]
    us = [_rand_like(o) for o in outs]
    _, fn = ya.vjp(f, x)
    (g,) = fn(tuple(us) if isinstance(out, tuple) else us[0])
    lhs = sum(np.sum(u * np.asarray(j)).real for u, j in zip(us, jvs))
    rhs = np.sum(np.asarray(g) * v).real
    assert abs(lhs - rhs) <= 1e-9 * (1 + abs(lhs)), (lhs, rhs)


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    return jax, jax.numpy


def _herm_ya(x):
    return x @ ya.conj(ya.swapaxes(x, -1, -2)) / x.shape[-1] + np.eye(x.shape[-1])


def _herm_jax(x):
    jnp = _jax()[1]
    return x @ jnp.conj(jnp.swapaxes(x, -1, -2)) / x.shape[-1] + jnp.eye(x.shape[-1])


CPLX_JAX = [
    ("svd", lambda a: (lambda u, s, vh: ya.sum(s ** 3) + ya.sum(ya.abs(u @ vh) ** 2)
                       + ya.sum(ya.abs(u) ** 3))(*ya.linalg.svd(a, full_matrices=False)),
     lambda a: (lambda u, s, vh: (s ** 3).sum() + (abs(u @ vh) ** 2).sum() + (abs(u) ** 3).sum())(
         *_jax()[1].linalg.svd(a, full_matrices=False)), crandn(4, 3)),
    ("svd-wide", lambda a: ya.sum(ya.real(ya.linalg.svd(a)[0][..., :, :2] @ ya.linalg.svd(a)[2][..., :2, :]) ** 2),
     lambda a: (_jax()[1].real(_jax()[1].linalg.svd(a, full_matrices=False)[0][..., :, :2]
                               @ _jax()[1].linalg.svd(a, full_matrices=False)[2][..., :2, :]) ** 2).sum(),
     crandn(2, 3, 5)),
    ("qr", lambda a: (lambda q, r: ya.sum(ya.abs(q) ** 3) + ya.sum(ya.real(r) * ya.imag(r)))(*ya.linalg.qr(a)),
     lambda a: (lambda q, r: (abs(q) ** 3).sum() + (r.real * r.imag).sum())(*_jax()[1].linalg.qr(a)),
     crandn(5, 3)),
    ("cholesky", lambda x: ya.sum(ya.abs(ya.linalg.cholesky(_herm_ya(x))) ** 3),
     lambda x: (abs(_jax()[1].linalg.cholesky(_herm_jax(x))) ** 3).sum(), crandn(3, 3)),
    ("eigh", lambda x: (lambda w, v: ya.sum(w ** 3) + ya.sum(ya.abs(v) ** 3))(*ya.linalg.eigh(_herm_ya(x))),
     lambda x: (lambda w, v: (w ** 3).sum() + (abs(v) ** 3).sum())(*_jax()[1].linalg.eigh(_herm_jax(x))),
     crandn(3, 3)),
    ("eigvalsh", lambda x: ya.sum(ya.linalg.eigvalsh(_herm_ya(x)) ** 3),
     lambda x: (_jax()[1].linalg.eigvalsh(_herm_jax(x)) ** 3).sum(), crandn(2, 4, 4)),
    ("pinv", lambda a: ya.sum(ya.abs(ya.linalg.pinv(a)) ** 3),
     lambda a: (abs(_jax()[1].linalg.pinv(a)) ** 3).sum(), crandn(3, 5)),
    ("slogdet", lambda a: (lambda s, l: ya.sum(l ** 2) + ya.sum(ya.real(s) * ya.imag(s)))(*ya.linalg.slogdet(a)),
     lambda a: (lambda s, l: (l ** 2).sum() + (s.real * s.imag).sum())(*_jax()[1].linalg.slogdet(a)),
     crandn(2, 3, 3)),
    ("det-inv-solve", lambda a: ya.sum(ya.abs(ya.linalg.det(a)) ** 2) + ya.sum(ya.real(ya.linalg.inv(a)))
     + ya.sum(ya.imag(ya.linalg.solve(a, np.arange(3.0)))),
     lambda a: (abs(_jax()[1].linalg.det(a)) ** 2).sum() + _jax()[1].linalg.inv(a).real.sum()
     + _jax()[1].linalg.solve(a, _jax()[1].arange(3.0)).imag.sum(), crandn(3, 3)),
    ("norms", lambda a: ya.linalg.norm(a, "nuc") + ya.linalg.norm(a, 2) + ya.linalg.norm(a, -2)
     + ya.linalg.norm(a) + ya.linalg.norm(a, np.inf) + ya.linalg.norm(a[0], 3),
     lambda a: sum(_jax()[1].linalg.norm(a, o) for o in ("nuc", 2, -2, None, np.inf))
     + _jax()[1].linalg.norm(a[0], 3), crandn(3, 4)),
    ("eigvals", lambda a: ya.sum(ya.abs(ya.linalg.eigvals(a)) ** 3),
     lambda a: (abs(_jax()[1].linalg.eigvals(a)) ** 3).sum(), crandn(3, 3)),
    ("lstsq", lambda a: ya.sum(ya.abs(ya.linalg.lstsq(a, np.arange(6.0))[0]) ** 2),
     lambda a: (abs(_jax()[1].linalg.lstsq(a, _jax()[1].arange(6.0))[0]) ** 2).sum(), crandn(6, 3)),
]


@pytest.mark.parametrize("name,f,fj,x", CPLX_JAX, ids=[c[0] for c in CPLX_JAX])
def test_complex_gradients_equal_jax(name, f, fj, x):
    jax = _jax()[0]
    np.testing.assert_allclose(float(val(f(x))), float(fj(x)), rtol=1e-10)
    np.testing.assert_allclose(ya.grad(f)(x), np.asarray(jax.grad(fj)(x)), rtol=1e-9, atol=1e-11)
    assert gradcheck(f, x, modes=("rev", "fwd"), order=1)


def test_complex_values_are_numpys():
    for name, args, kw in [("eigh", (herm(3),), {}), ("svd", (crandn(4, 3),), {}),
                           ("qr", (crandn(4, 3),), {}), ("cholesky", (herm(3),), {}),
                           ("slogdet", (crandn(3, 3),), {}), ("pinv", (crandn(3, 4),), {}),
                           ("lstsq", (crandn(5, 3), crandn(5)), {}), ("eigvalsh", (herm(3),), {}),
                           ("norm", (crandn(3, 4), "nuc"), {})]:
        want = leaves(getattr(np.linalg, name)(*args, **kw))
        got = leaves(getattr(ya.linalg, name)(*args, **kw))
        for g, w in zip(got, want):
            w = np.asarray(w)
            assert val(g).dtype == w.dtype, (name, val(g).dtype, w.dtype)
            np.testing.assert_allclose(val(g), w, rtol=1e-12, atol=1e-12)
