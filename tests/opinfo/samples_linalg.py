"""Samples for the linear-algebra family (``yaae/ops/linalg.py``,
``yaae/ops/decomp.py``) and the linear-algebra composites (dot, vdot, inner,
outer, tensordot, diagonal, trace).

Every op: small samples with PyTorch oracles (``torch.linalg``), one order-2
sample, batched inputs (leading axes, as NumPy), and one sample of more than
256 differentiated elements (a batch of matrices).  Inputs are well
conditioned, with distinct eigenvalues / singular values.

Oracles for decompositions follow exactly the function NumPy computes:

* ``eigh``, ``eigvalsh``, ``cholesky`` and the ``hermitian=True`` forms read
  one triangle of their input, so the PyTorch oracle is applied to that
  triangle mirrored (``sym``): PyTorch then differentiates the same function.
* Eigenvectors and singular vectors are defined up to sign, and PyTorch's
  LAPACK calls may choose other signs than NumPy's: the oracle multiplies
  PyTorch's vectors by the (constant) signs that make them NumPy's, and the
  extra columns of ``U``/``Vh`` with ``full_matrices=True`` by the constant
  rotation onto NumPy's (they carry no derivative, as in PyTorch).
* ``eig`` of a matrix with a complex spectrum: the phase NumPy gives the
  eigenvectors (largest component real) is not the one the derivative keeps
  (PyTorch's and JAX's), so those samples are checked through phase-invariant
  functions against PyTorch (``check=``; more in
  ``tests/test_ops_linalg_numpy.py``).
"""
import numpy as np
import torch

import yaae as ya

from . import Sample, add, randn, rand, spd, wellcond, crandn, _rng

F32 = np.float32


# ---- helpers ---------------------------------------------------------------------------------
def sym(a, uplo="L"):
    """The Hermitian matrix NumPy's eigh/cholesky read from ``a`` (torch)."""
    if uplo == "L":
        low = torch.tril(a, -1)
    else:
        low = torch.triu(a, 1)
    return low + low.mT + torch.diag_embed(torch.diagonal(a, dim1=-2, dim2=-1))


def _signs(t_vecs, np_vecs, axis):
    """The constant signs that turn PyTorch's vectors into NumPy's."""
    s = np.sign(np.sum(t_vecs.detach().numpy() * np_vecs, axis=axis, keepdims=True))
    return torch.tensor(s)


def _rotate_extra(t_extra, np_extra, cols=True):
    """PyTorch's extra (derivative-free) basis vectors expressed as NumPy's."""
    if t_extra.shape[-1 if cols else -2] == 0:
        return t_extra
    te = t_extra.detach().numpy()
    rot = np.swapaxes(te, -1, -2) @ np_extra if cols else np_extra @ np.swapaxes(te, -1, -2)
    return t_extra @ torch.tensor(rot) if cols else torch.tensor(rot) @ t_extra


def t_eigh(a, UPLO="L"):
    s = sym(a, UPLO)
    w, v = torch.linalg.eigh(s)
    nv = np.linalg.eigh(s.detach().numpy())[1]
    return w, v * _signs(v, nv, -2)


def t_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if hermitian:
        a = sym(a)
    if not compute_uv:
        return torch.linalg.svdvals(a)
    ad = a.detach().numpy()
    nu, _, nvh = np.linalg.svd(ad, full_matrices=full_matrices, hermitian=hermitian)
    u, s, vh = torch.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    if hermitian:
        # NumPy's hermitian SVD: |eigenvalues|, and Vh = sign(w) * V^T: a valid
        # SVD of the same matrix; align both factors with NumPy's vectors
        uk, vhk = u[..., :, :k], vh[..., :k, :]
        su = _signs(uk, nu[..., :, :k], -2)
        return uk * su, s, vhk * _signs(vhk, nvh[..., :k, :], -1)
    su = _signs(u[..., :, :k], nu[..., :, :k], -2)
    uk = u[..., :, :k] * su
    vhk = vh[..., :k, :] * su.mT
    if not full_matrices:
        return uk, s, vhk
    ue = _rotate_extra(u[..., :, k:], nu[..., :, k:], cols=True)
    ve = _rotate_extra(vh[..., k:, :], nvh[..., k:, :], cols=False)
    return torch.cat([uk, ue], -1), s, torch.cat([vhk, ve], -2)


def t_lstsq(a, b, rcond=None):
    bb = b if b.ndim == 2 else b[:, None]
    x = torch.linalg.lstsq(a, bb, driver="gelsd").solution
    m, n = a.shape
    rank = torch.linalg.matrix_rank(a)
    r = bb - a @ x
    res = (r * r).sum(0) if (m > n and int(rank) == n) else torch.zeros(0, dtype=a.dtype)
    if b.ndim == 1:
        x = x[:, 0]
    return x, res, rank, torch.linalg.svdvals(a)


def t_norm(x, ord=None, axis=None, keepdims=False):
    if axis is None and ord is not None:
        axis = tuple(range(x.ndim))
    if ord is None:
        return torch.linalg.norm(x, dim=axis, keepdim=keepdims)
    return torch.linalg.norm(x, ord, dim=axis, keepdim=keepdims)


def t_vector_norm(x, axis=None, keepdims=False, ord=2):
    return torch.linalg.vector_norm(x, ord, dim=axis, keepdim=keepdims)


def t_matrix_norm(x, keepdims=False, ord="fro"):
    return torch.linalg.matrix_norm(x, ord, keepdim=keepdims)


def f32_kept(name, **kw):
    """float32 stays float32 (value close to NumPy's), and so do gradients."""
    def check(out, *args):
        mod, _, short = name.rpartition(".")
        npf = getattr(np.linalg, short) if mod else getattr(np, short)
        want = npf(*args, **kw)
        outs = out if isinstance(out, tuple) else (out,)
        wants = want if isinstance(want, tuple) else (want,)
        for o, w in zip(outs, wants):
            assert o.dtype == np.asarray(w).dtype == np.float32, (o.dtype, np.asarray(w).dtype)
            np.testing.assert_allclose(np.abs(o.data), np.abs(w), rtol=1e-4, atol=1e-5)
        f = getattr(ya.linalg, short) if mod else getattr(ya, short)

        def loss(x):
            r = f(x, *args[1:], **kw)
            r = r if isinstance(r, tuple) else (r,)
            return ya.sum(r[0] * r[0]) + (ya.sum(r[-1] * r[-1]) if len(r) > 1 else 0)
        gr = ya.grad(loss)(args[0])
        assert np.asarray(gr).dtype == np.float32
        assert np.all(np.isfinite(gr))
    return check


def real_spectrum(n, batch=()):
    """A non-symmetric matrix with real, well separated eigenvalues."""
    d = np.arange(1, n + 1) * 1.5
    q = wellcond(n, batch)
    return q @ (np.eye(n) * d) @ np.linalg.inv(q) + 0.02 * _rng.standard_normal(batch + (n, n))


def eig_phase_invariant(out, a):
    """eig of a matrix with a complex spectrum: eigenvalues equal NumPy's,
    and the gradients of phase-invariant functions equal PyTorch's and
    finite differences."""
    w, v = out
    nw, nv = np.linalg.eig(a)
    np.testing.assert_allclose(w.data, nw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v.data, nv, rtol=1e-12, atol=1e-12)

    def f(x):
        w, v = ya.linalg.eig(x)
        return ya.sum(ya.abs(v) ** 3) + ya.sum(ya.real(w * w)) + ya.sum(ya.imag(w) ** 2)
    g = ya.grad(f)(a)
    at = torch.tensor(a, requires_grad=True)
    tw, tv = torch.linalg.eig(at)
    (tv.abs().pow(3).sum() + (tw * tw).real.sum() + tw.imag.pow(2).sum()).backward()
    np.testing.assert_allclose(g, at.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert ya.testing.gradcheck(f, a, modes=("rev", "fwd"), order=1)


def zero_size_broadcast(out, subs, a, b):
    assert out.shape == np.einsum(subs, a, b).shape == (0,)
    ga, gb = ya.grad(lambda x, y: ya.sum(ya.einsum(subs, x, y)), argnums=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    np.testing.assert_array_equal(gb, np.zeros((1, 3)))
    jf = ya.jacfwd(lambda y: ya.einsum(subs, a, y))(b)
    jr = ya.jacrev(lambda y: ya.einsum(subs, a, y))(b)
    assert jf.shape == jr.shape == (0, 1, 3)


# ---- matmul, einsum and the composites --------------------------------------------------------
add("matmul",
    Sample(randn(3, 4), randn(4, 2), torch=torch.matmul, order2=True),
    Sample(randn(4), randn(4, 3), torch=torch.matmul),
    Sample(randn(3, 4), randn(4), torch=torch.matmul),
    Sample(randn(4), randn(4), torch=torch.matmul),
    Sample(randn(2, 3, 4), randn(4, 5), torch=torch.matmul, name="batch-broadcast"),
    Sample(randn(2, 1, 3, 4), randn(5, 4, 2), torch=torch.matmul),
    Sample(randn(6, 4), randn(5, 4, 2), torch=torch.matmul),
    Sample(randn(20, 15), randn(15, 10), torch=torch.matmul))

add("einsum",
    Sample("ij,jk->ik", randn(3, 4), randn(4, 2), torch=torch.einsum, order2=True),
    Sample("ii->i", randn(4, 4), torch=torch.einsum),
    Sample("ii", randn(4, 4), torch=torch.einsum),
    Sample("...ij,...jk", randn(2, 3, 4), randn(4, 2), torch=torch.einsum),
    Sample("i,i,i->", randn(5), randn(5), randn(5), torch=torch.einsum, order2=True),
    Sample("bij,bjk->bik", randn(2, 3, 4), randn(2, 4, 2), torch=torch.einsum),
    Sample("ij->", randn(3, 4), torch=torch.einsum),
    Sample("ij,kl->ijkl", randn(2, 3), randn(3, 2), torch=torch.einsum),
    Sample("...i,...i->...", randn(3, 1, 4), randn(2, 4), torch=torch.einsum,
           name="ellipsis-broadcast"),
    Sample(randn(3, 4), [0, 1], randn(4, 2), [1, 2], [0, 2],
           torch=lambda a, s1, b, s2, s3: torch.einsum(a, s1, b, s2, s3),
           name="operand-list", order2=True),
    Sample(randn(3, 4), [0, 1], randn(4, 2), [1, 2],
           torch=lambda a, s1, b, s2: torch.einsum(a, s1, b, s2), name="operand-list-implicit"),
    Sample(randn(2, 3, 4), [Ellipsis, 0, 1], randn(4), [1], [Ellipsis, 0],
           torch=lambda a, s1, b, s2, s3: torch.einsum(a, s1, b, s2, s3),
           name="operand-list-ellipsis"),
    Sample("...i,...i->...", randn(0, 3), randn(1, 3), name="zero-size-broadcast", diff=(),
           check=zero_size_broadcast),
    Sample("ij,jk->ik", randn(20, 15), randn(15, 10), torch=torch.einsum))

add("dot",
    Sample(randn(3, 4), randn(4, 2), torch=torch.matmul, order2=True),
    Sample(randn(4), randn(4), torch=torch.dot),
    Sample(randn(3), randn(3, 4), torch=torch.matmul),
    Sample(randn(2, 3, 4), randn(5, 4, 2), torch=lambda a, b: torch.tensordot(a, b, ([2], [1])),
           name="nd"),
    Sample(randn(3), 2.5, torch=lambda a, b: a * b),
    Sample(randn(20, 15), randn(15, 4), torch=torch.matmul))

add("vdot",
    Sample(randn(6), randn(6), torch=torch.dot, order2=True),
    Sample(randn(2, 3), randn(3, 2), torch=lambda a, b: torch.dot(a.reshape(-1), b.reshape(-1))),
    Sample(randn(300), randn(300), torch=torch.dot))

add("inner",
    Sample(randn(4), randn(4), torch=torch.inner, order2=True),
    Sample(randn(2, 4), randn(3, 4), torch=torch.inner),
    Sample(randn(2, 3, 4), randn(4), torch=torch.inner),
    Sample(randn(3), 2.0, torch=lambda a, b: a * b),
    Sample(randn(20, 15), randn(3, 15), torch=torch.inner))

add("outer",
    Sample(randn(3), randn(4), torch=torch.outer, order2=True),
    Sample(randn(2, 2), randn(3), torch=lambda a, b: torch.outer(a.reshape(-1), b)),
    Sample(randn(200), randn(100), torch=torch.outer))

add("tensordot",
    Sample(randn(3, 4, 5), randn(4, 5, 2), torch=lambda a, b: torch.tensordot(a, b, 2),
           order2=True),
    Sample(randn(3, 4), randn(4, 2), 1, torch=lambda a, b, n: torch.tensordot(a, b, n)),
    Sample(randn(3, 4, 5), randn(5, 3), ([0, 2], [1, 0]),
           torch=lambda a, b, ax: torch.tensordot(a, b, ax)),
    Sample(randn(3, 4), randn(2, 5), 0, torch=lambda a, b, n: torch.tensordot(a, b, n)),
    Sample(randn(10, 6, 5), randn(6, 5, 3), torch=lambda a, b: torch.tensordot(a, b, 2)))

add("diagonal",
    Sample(randn(4, 4), torch=torch.diagonal, order2=True),
    Sample(randn(3, 5), 1, torch=lambda a, o: torch.diagonal(a, o)),
    Sample(randn(5, 3), -2, torch=lambda a, o: torch.diagonal(a, o)),
    Sample(randn(2, 3, 4), 0, 2, 1, torch=lambda a, o, d1, d2: torch.diagonal(a, o, d1, d2)),
    Sample(randn(20, 20), torch=torch.diagonal),
    Sample(randn(3, 10, 10), 0, 1, 2, torch=lambda a, o, d1, d2: torch.diagonal(a, o, d1, d2)))

add("trace",
    Sample(randn(4, 4), torch=torch.trace, order2=True),
    Sample(randn(3, 5), 1, torch=lambda a, o: torch.diagonal(a, o).sum()),
    Sample(randn(2, 3, 3), 0, 1, 2, torch=lambda a, o, d1, d2: torch.diagonal(a, o, d1, d2).sum(-1)),
    Sample(randn(20, 20), torch=torch.trace))


# ---- inv, det, solve, slogdet -----------------------------------------------------------------
add("linalg.inv",
    Sample(wellcond(3), torch=torch.linalg.inv, order2=True),
    Sample(wellcond(3, (2,)), torch=torch.linalg.inv, name="batch"),
    Sample(wellcond(3).astype(F32), check=f32_kept("linalg.inv"), diff=()),
    Sample(wellcond(6, (10,)), torch=torch.linalg.inv))

add("linalg.det",
    Sample(wellcond(3), torch=torch.linalg.det, order2=True),
    Sample(wellcond(4, (2, 2)), torch=torch.linalg.det),
    Sample(wellcond(6, (10,)), torch=torch.linalg.det))

add("linalg.solve",
    Sample(wellcond(3), randn(3, 2), torch=torch.linalg.solve, order2=True),
    Sample(wellcond(3), randn(3), torch=torch.linalg.solve, name="vector-b"),
    Sample(wellcond(3, (2,)), randn(2, 3, 4), torch=torch.linalg.solve, name="batch"),
    Sample(wellcond(3, (2,)), randn(3, 4), torch=torch.linalg.solve, name="batch-broadcast-b"),
    Sample(wellcond(6, (10,)), randn(10, 6, 2), torch=torch.linalg.solve))

add("linalg.slogdet",
    Sample(wellcond(3), torch=torch.linalg.slogdet, order2=True),
    Sample(-wellcond(4, (3,)), torch=torch.linalg.slogdet, name="batch-negative"),
    Sample(wellcond(6, (10,)), torch=torch.linalg.slogdet))

add("linalg.matrix_power",
    Sample(randn(3, 3) * 0.6, 5, torch=torch.linalg.matrix_power, order2=True),
    Sample(randn(3, 3), 2, torch=torch.linalg.matrix_power),
    Sample(randn(3, 3), 3, torch=torch.linalg.matrix_power),
    Sample(randn(3, 3), 1, torch=torch.linalg.matrix_power),
    Sample(randn(2, 3, 3), 0, torch=torch.linalg.matrix_power, name="n=0"),
    Sample(wellcond(3, (2,)), -3, torch=torch.linalg.matrix_power, name="n=-3"),
    Sample(randn(10, 6, 6) * 0.4, 6, torch=torch.linalg.matrix_power))


# multi_dot takes a sequence: one ndarray is given, which NumPy and yaae both
# iterate along its first axis (a Tensor into differentiable slices); vector
# ends and mixed shapes are in tests/test_ops_linalg_numpy.py
def t_multi_dot(xs):
    return torch.linalg.multi_dot(list(xs))


add("linalg.multi_dot",
    Sample(randn(3, 3, 3), torch=t_multi_dot, order2=True),
    Sample(randn(2, 4, 4), torch=t_multi_dot),
    Sample(randn(5, 4, 4), torch=t_multi_dot, name="chain-order"),
    Sample(randn(20, 4, 4) * 0.6, torch=t_multi_dot))


add("linalg.tensorsolve",
    Sample(wellcond(6).reshape(2, 3, 2, 3), randn(2, 3), torch=torch.linalg.tensorsolve,
           order2=True),
    Sample(wellcond(6).reshape(6, 2, 3), randn(6), torch=torch.linalg.tensorsolve),
    Sample(np.ascontiguousarray(np.moveaxis(wellcond(6).reshape(2, 3, 6), 2, 0)), randn(2, 3), (0,),
           torch=lambda a, b, axes: torch.linalg.tensorsolve(a, b, dims=axes), name="axes"),
    Sample(wellcond(20).reshape(4, 5, 4, 5), randn(4, 5), torch=torch.linalg.tensorsolve))

add("linalg.tensorinv",
    Sample(wellcond(6).reshape(2, 3, 6), torch=torch.linalg.tensorinv, order2=True),
    Sample(wellcond(6).reshape(6, 2, 3), 1, torch=lambda a, i: torch.linalg.tensorinv(a, i)),
    Sample(wellcond(20).reshape(4, 5, 20), torch=torch.linalg.tensorinv))


# ---- decompositions ---------------------------------------------------------------------------
add("linalg.cholesky",
    Sample(spd(3), torch=lambda a: torch.linalg.cholesky(sym(a)), order2=True),
    Sample(spd(4, (2,)), torch=lambda a: torch.linalg.cholesky(sym(a)), name="batch"),
    Sample(spd(3) + np.triu(randn(3, 3), 1), name="reads-lower",
           torch=lambda a: torch.linalg.cholesky(sym(a))),
    Sample(spd(3), kw=dict(upper=True), name="upper",
           torch=lambda a, upper: torch.linalg.cholesky(sym(a, "U"), upper=True)),
    Sample(spd(3).astype(F32), check=f32_kept("linalg.cholesky"), diff=()),
    Sample(spd(6, (10,)), torch=lambda a: torch.linalg.cholesky(sym(a))))

add("linalg.eigh",
    Sample(spd(3), torch=t_eigh, order2=True),
    Sample(spd(4, (2,)), torch=t_eigh, name="batch"),
    Sample(randn(4, 4), torch=t_eigh, name="reads-lower"),
    Sample(randn(3, 3), "U", torch=t_eigh, name="UPLO=U"),
    Sample(spd(3).astype(F32), check=f32_kept("linalg.eigh"), diff=()),
    Sample(spd(5, (12,)), torch=t_eigh))

add("linalg.eigvalsh",
    Sample(spd(3), torch=lambda a: torch.linalg.eigvalsh(sym(a)), order2=True),
    Sample(randn(4, 4), "U", torch=lambda a, u: torch.linalg.eigvalsh(sym(a, u)), name="U"),
    Sample(spd(4, (2, 3)), torch=lambda a: torch.linalg.eigvalsh(sym(a)), name="batch"),
    Sample(spd(6, (10,)), torch=lambda a: torch.linalg.eigvalsh(sym(a))))

add("linalg.svd",
    Sample(randn(4, 3), kw=dict(full_matrices=False), torch=t_svd, order2=True),
    Sample(randn(3, 4), kw=dict(full_matrices=False), torch=t_svd, order2=True),
    Sample(randn(3, 3), torch=t_svd, name="square-full"),
    Sample(randn(2, 4, 3), kw=dict(full_matrices=False), torch=t_svd, name="batch"),
    Sample(randn(5, 3), torch=t_svd, fd=False, name="full_matrices-tall"),
    Sample(randn(2, 3, 5), torch=t_svd, fd=False, name="full_matrices-wide"),
    Sample(randn(4, 3), kw=dict(compute_uv=False), torch=t_svd, order2=True),
    Sample(randn(2, 3, 4), kw=dict(compute_uv=False), torch=t_svd),
    Sample(spd(4) - 2.2 * np.eye(4), kw=dict(hermitian=True), torch=t_svd, name="hermitian"),
    Sample(spd(4) - 2.2 * np.eye(4), kw=dict(hermitian=True, compute_uv=False), torch=t_svd,
           name="hermitian-svals"),
    Sample(randn(4, 3).astype(F32), kw=dict(full_matrices=False),
           check=f32_kept("linalg.svd", full_matrices=False), diff=()),
    Sample(randn(10, 6, 5), kw=dict(full_matrices=False), torch=t_svd),
    Sample(randn(10, 6, 5), kw=dict(compute_uv=False), torch=t_svd))

add("linalg.svdvals",
    Sample(randn(4, 3), torch=torch.linalg.svdvals, order2=True),
    Sample(randn(2, 3, 5), torch=torch.linalg.svdvals),
    Sample(randn(10, 6, 5), torch=torch.linalg.svdvals))


def t_qr(a, mode="reduced"):
    if mode == "r":
        return torch.linalg.qr(a)[1]
    return torch.linalg.qr(a, mode=mode)


add("linalg.qr",
    Sample(randn(4, 3), torch=t_qr, order2=True),
    Sample(randn(3, 4), torch=t_qr, order2=True),
    Sample(randn(3, 3), torch=t_qr),
    Sample(randn(2, 5, 3), torch=t_qr, name="batch"),
    Sample(randn(2, 3, 5), "complete", torch=t_qr, name="complete-wide"),
    Sample(randn(4, 3), "r", torch=t_qr, name="r"),
    Sample(randn(4, 3).astype(F32), check=f32_kept("linalg.qr"), diff=()),
    Sample(randn(10, 6, 5), torch=t_qr))

add("linalg.pinv",
    Sample(randn(4, 3), torch=torch.linalg.pinv, order2=True),
    Sample(randn(3, 4), torch=torch.linalg.pinv),
    Sample(randn(2, 3, 5), torch=torch.linalg.pinv, name="batch"),
    Sample(wellcond(3), torch=torch.linalg.pinv),
    Sample(spd(3) - 2.2 * np.eye(3), kw=dict(hermitian=True), name="hermitian",
           torch=lambda a, hermitian: torch.linalg.pinv(sym(a), hermitian=True)),
    Sample(randn(10, 6, 5), torch=torch.linalg.pinv))

add("linalg.lstsq",
    Sample(randn(5, 3), randn(5, 2), torch=t_lstsq, order2=True),
    Sample(randn(5, 3), randn(5), torch=t_lstsq, name="vector-b"),
    Sample(randn(3, 5), randn(3, 2), torch=t_lstsq, name="underdetermined"),
    Sample(randn(4, 4), randn(4), torch=t_lstsq, name="square"),
    Sample(randn(40, 8), randn(40, 3), torch=t_lstsq))

add("linalg.eig",
    Sample(real_spectrum(3), order2=True, name="real-spectrum",
           check=lambda out, a: np.testing.assert_array_equal(out[0].data, np.linalg.eig(a)[0])),
    Sample(real_spectrum(4, (2,)), name="real-spectrum-batch"),
    Sample(randn(4, 4), fd=False, diff=(), check=eig_phase_invariant, name="complex-spectrum"),
    Sample(randn(2, 3, 3), fd=False, diff=(), check=eig_phase_invariant,
           name="complex-spectrum-batch"),
    Sample(real_spectrum(4, (20,))))


def eigvals_complex(out, a):
    """A complex spectrum of a real matrix: values equal NumPy's; real-valued
    functions of the eigenvalues against PyTorch and finite differences to
    order 2 (yaae's complex convention is JAX's; for a real input and a real
    loss it agrees with PyTorch's)."""
    np.testing.assert_array_equal(out.data, np.linalg.eigvals(a))

    def f(x):
        w = ya.linalg.eigvals(x)
        return ya.sum(ya.abs(w) ** 2) + ya.sum(ya.real(w ** 3)) + ya.sum(ya.imag(w) ** 2)
    at = torch.tensor(a, requires_grad=True)
    tw = torch.linalg.eigvals(at)
    (tw.abs().pow(2).sum() + (tw ** 3).real.sum() + tw.imag.pow(2).sum()).backward()
    np.testing.assert_allclose(ya.grad(f)(a), at.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert ya.testing.gradcheck(f, a, modes=("rev", "fwd"), order=2)
    # the complex Jacobian itself, by forward mode, against finite differences
    t = np.random.default_rng(5).standard_normal(a.shape)
    _, jv = ya.jvp(ya.linalg.eigvals, (a,), (t,))
    h = 1e-6
    fd = (np.linalg.eigvals(a + h * t) - np.linalg.eigvals(a - h * t)) / (2 * h)
    np.testing.assert_allclose(jv, fd, rtol=1e-6, atol=1e-7)


def t_eigvals_real(a):
    return torch.linalg.eigvals(a).real


add("linalg.eigvals",
    Sample(real_spectrum(3), torch=t_eigvals_real, order2=True),
    Sample(randn(4, 4), diff=(), check=eigvals_complex, name="complex-spectrum"),
    Sample(randn(2, 3, 3), diff=(), check=eigvals_complex, name="complex-spectrum-batch"),
    Sample(real_spectrum(4, (20,)), torch=t_eigvals_real))


# ---- norms ------------------------------------------------------------------------------------
_v = randn(5)
_m = randn(3, 4)
_x = randn(2, 3, 4)
_norm = []
for _o in (None, 2, 1, np.inf, -np.inf, 3, 0.5):
    _norm.append(Sample(_v, _o, torch=t_norm, name=f"vector-ord={_o}"))
    _norm.append(Sample(_x, _o, 1, torch=t_norm, name=f"vector-axis-ord={_o}"))
_norm.append(Sample(_x, 2, -1, True, torch=t_norm, name="vector-keepdims"))
_norm.append(Sample(_v, 0, torch=t_norm, fd=False, name="vector-ord=0"))
for _o in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    _norm.append(Sample(_m, _o, torch=t_norm, name=f"matrix-ord={_o}"))
    _norm.append(Sample(_x, _o, (2, 0), torch=t_norm, name=f"matrix-axes-ord={_o}"))
_norm.append(Sample(_x, "nuc", (-1, -2), True, torch=t_norm, name="matrix-keepdims"))
_norm.append(Sample(_x, torch=t_norm, name="flat", order2=True))
_norm.append(Sample(_m, 2, torch=t_norm, name="spectral-order2", order2=True))
_norm.append(Sample(_m, "nuc", torch=t_norm, name="nuclear-order2", order2=True))
_norm.append(Sample(_x, kw=dict(axis=(0, 2)), torch=lambda x, axis: torch.linalg.norm(x, dim=axis),
                    name="fro-axes"))
_norm.append(Sample(randn(20, 15), torch=t_norm))
_norm.append(Sample(randn(10, 6, 5), "nuc", (1, 2), torch=t_norm))
add("linalg.norm", *_norm)

add("linalg.vector_norm",
    Sample(_x, torch=t_vector_norm, order2=True),
    Sample(_x, kw=dict(axis=(0, 2), keepdims=True, ord=3),
           torch=lambda x, axis, keepdims, ord: t_vector_norm(x, axis, keepdims, ord)),
    Sample(_x, kw=dict(axis=1, ord=1), torch=lambda x, axis, ord: t_vector_norm(x, axis, ord=ord)),
    Sample(_x, kw=dict(ord=np.inf), torch=lambda x, ord: t_vector_norm(x, ord=ord)),
    Sample(randn(20, 15), kw=dict(axis=-1), torch=lambda x, axis: t_vector_norm(x, axis)))

add("linalg.matrix_norm",
    Sample(_x, torch=t_matrix_norm, order2=True),
    Sample(_x, kw=dict(ord="nuc", keepdims=True),
           torch=lambda x, ord, keepdims: t_matrix_norm(x, keepdims, ord)),
    Sample(_x, kw=dict(ord=-2), torch=lambda x, ord: t_matrix_norm(x, ord=ord)),
    Sample(_x, kw=dict(ord=np.inf), torch=lambda x, ord: t_matrix_norm(x, ord=ord)),
    Sample(randn(10, 6, 5), kw=dict(ord=2), torch=lambda x, ord: t_matrix_norm(x, ord=ord)))


# ---- complex inputs (holomorphic ops; jax oracles, which share yaae's convention) --------------
# The non-holomorphic ones (eigh, svd, qr, cholesky, pinv, lstsq, slogdet,
# norms) are checked on complex inputs in tests/test_ops_linalg_numpy.py
# (the VJP as the exact transpose of the JVP, and gradients against jax.grad).
def jx(path):
    """``jax.numpy.PATH``, imported when the oracle runs."""
    def f(*a, **k):
        import jax
        jax.config.update("jax_enable_x64", True)
        obj = jax.numpy
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj(*a, **k)
    return f


def cwell(n, batch=()):
    return crandn(*batch, n, n) * 0.3 + 2 * np.eye(n)


add("matmul", Sample(crandn(3, 4), crandn(2, 4, 2), jax=jx("matmul"), order2=True, name="complex"))
add("einsum", Sample("ij,jk->ik", crandn(3, 4), crandn(4, 2), jax=jx("einsum"), name="complex"))
add("dot", Sample(crandn(3, 4), crandn(4), jax=jx("dot"), name="complex"))
add("inner", Sample(crandn(2, 4), crandn(3, 4), jax=jx("inner"), name="complex"))
add("outer", Sample(crandn(3), crandn(4), jax=jx("outer"), name="complex"))
add("tensordot", Sample(crandn(3, 4, 5), crandn(4, 5, 2), jax=jx("tensordot"), name="complex"))
add("diagonal", Sample(crandn(3, 4), 1, jax=jx("diagonal"), name="complex"))
add("trace", Sample(crandn(4, 4), jax=jx("trace"), name="complex"))
add("linalg.inv", Sample(cwell(3, (2,)), jax=jx("linalg.inv"), order2=True, name="complex"))
add("linalg.det", Sample(cwell(3, (2,)), jax=jx("linalg.det"), order2=True, name="complex"))
add("linalg.solve", Sample(cwell(3), crandn(3, 2), jax=jx("linalg.solve"), name="complex"),
    Sample(cwell(3, (2,)), crandn(2, 3, 1), jax=jx("linalg.solve"), name="complex-batch"))
add("linalg.matrix_power",
    Sample(crandn(3, 3) * 0.5, 4, jax=jx("linalg.matrix_power"), name="complex"),
    Sample(cwell(3), -2, jax=jx("linalg.matrix_power"), name="complex-inverse"))
add("linalg.multi_dot", Sample(crandn(3, 3, 3), jax=lambda xs: jx("linalg.multi_dot")(list(xs)),
                               name="complex"))
add("linalg.tensorsolve", Sample(cwell(6).reshape(2, 3, 6), crandn(2, 3),
                                 jax=jx("linalg.tensorsolve"), name="complex"))
add("linalg.tensorinv", Sample(cwell(6).reshape(2, 3, 6), jax=jx("linalg.tensorinv"),
                               name="complex"))
add("linalg.eigvals", Sample(crandn(3, 3), jax=jx("linalg.eigvals"), name="complex"))
