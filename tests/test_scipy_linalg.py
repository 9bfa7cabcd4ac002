"""``ya.scipy.linalg`` (``yaae/scipy/linalg.py``) against independent oracles,
in float64:

* SciPy's own ``scipy.linalg`` values (the forward pass is SciPy's, the
  results must be SciPy's, structure included);
* JAX's ``jax.scipy.linalg``: gradients (reverse mode) and JVPs (forward
  mode) of a fixed random projection of the outputs, where JAX has the
  function;
* PyTorch (``solve_triangular``, ``matrix_exp``) where it is handy;
* finite differences everywhere (``ya.testing.gradcheck``, reverse and
  forward mode, order 2), with batch shapes where SciPy allows them.
"""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as sl
import torch

import yaae as ya
import yaae.scipy.linalg as L
from yaae.testing import gradcheck

jax.config.update("jax_enable_x64", True)
rng = np.random.default_rng(20261130)


def randn(*shape):
    return rng.standard_normal(shape)


def spd(n, batch=()):
    a = randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


def wellcond(n, batch=()):
    return randn(*batch, n, n) * 0.3 + 2 * np.eye(n)


def val(x):
    return x.data if isinstance(x, ya.Tensor) else np.asarray(x)


def gc(f, *args):
    assert gradcheck(f, *args, modes=("rev", "fwd"), order=2)


def _sym(x):
    return (x + np.swapaxes(x, -1, -2)) / 2


def against_jax(yf, jf, *args, sym=False):
    """Values, gradients and JVPs of ``sum(W * f(args))`` (W fixed, random).
    ``sym``: the first argument is read as a symmetric matrix, from one
    triangle (SciPy) or symmetrised (JAX): compare the derivatives along
    symmetric directions only."""
    out = np.asarray(jf(*args))
    w = randn(*out.shape)
    np.testing.assert_allclose(val(yf(*args)), out, rtol=1e-10, atol=1e-10)
    n = len(args)
    got = ya.grad(lambda *a: ya.sum(yf(*a) * w), argnums=tuple(range(n)))(*args)
    want = jax.grad(lambda *a: jnp.sum(jf(*a) * w), argnums=tuple(range(n)))(*args)
    for k, (g, e) in enumerate(zip(got, want)):
        g, e = val(g), np.asarray(e)
        if sym and k == 0:
            g, e = _sym(g), _sym(e)
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-10)
    tans = tuple(randn(*np.shape(a)) for a in args)
    if sym:
        tans = (_sym(tans[0]),) + tans[1:]
    _, t_got = ya.jvp(yf, args, tans)
    _, t_want = jax.jvp(jf, args, tans)
    np.testing.assert_allclose(val(t_got), np.asarray(t_want), rtol=1e-8, atol=1e-10)


# ---- solve_triangular ------------------------------------------------------------------
def test_solve_triangular_values():
    a, b = wellcond(4), randn(4, 2)
    for trans in (0, 1, 2, "N", "T", "C"):
        for lower in (False, True):
            for unit in (False, True):
                kw = dict(trans=trans, lower=lower, unit_diagonal=unit)
                np.testing.assert_allclose(L.solve_triangular(a, b, **kw),
                                           sl.solve_triangular(a, b, **kw), rtol=1e-12)
                np.testing.assert_allclose(L.solve_triangular(a, b[:, 0], **kw),
                                           sl.solve_triangular(a, b[:, 0], **kw), rtol=1e-12)


@pytest.mark.parametrize("trans,lower,unit", [("T", True, False), (2, False, True)])
def test_solve_triangular_against_jax(trans, lower, unit):
    kw = dict(trans=trans, lower=lower, unit_diagonal=unit)
    against_jax(lambda a, b: L.solve_triangular(a, b, **kw),
                lambda a, b: jsl.solve_triangular(a, b, **kw), wellcond(4), randn(4, 2))


def test_solve_triangular_gradcheck_vector_and_batch():
    gc(lambda a, b: L.solve_triangular(a, b, lower=True), wellcond(3), randn(3))
    gc(lambda a, b: L.solve_triangular(a, b, trans="T"), wellcond(2, (2,)), randn(2, 2, 1))
    gc(lambda a, b: L.solve_triangular(a, b, lower=True, unit_diagonal=True, trans=1),
       wellcond(3), randn(3, 1))


def test_solve_triangular_against_torch_and_triangle_gradient():
    a, b = wellcond(4), randn(4, 3)
    at = torch.tensor(a, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    xt = torch.linalg.solve_triangular(at.tril(), bt, upper=False)
    xt.sum().backward()
    ta, tb = ya.tensor(a, requires_grad=True), ya.tensor(b, requires_grad=True)
    x = L.solve_triangular(ta, tb, lower=True)
    x.sum().backward()
    np.testing.assert_allclose(x.data, xt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ta.grad, np.tril(at.grad.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad, tb.grad, rtol=1e-10)
    assert np.all(np.triu(ta.grad, 1) == 0)      # the unread triangle gets nothing


def test_solve_triangular_complex_batch():
    a = wellcond(3, (2,)) + 1j * randn(2, 3, 3) * 0.3
    b = randn(2, 3, 2) + 1j * randn(2, 3, 2)
    for trans in (0, 1, 2):
        np.testing.assert_allclose(L.solve_triangular(a, b, trans=trans, lower=True),
                                   sl.solve_triangular(a, b, trans=trans, lower=True),
                                   rtol=1e-12)
    for trans in (0, 2):
        gc(lambda a, b: L.solve_triangular(a, b, trans=trans), a[0, :2, :2], b[0, :2, 0])


def test_solve_triangular_bad_trans():
    with pytest.raises(ValueError, match="trans"):
        L.solve_triangular(wellcond(2), randn(2), trans=3)


# ---- solve_banded -----------------------------------------------------------------------
@pytest.mark.parametrize("lu", [(1, 1), (2, 0), (0, 1), (2, 1)])
def test_solve_banded(lu):
    l, u = lu
    ab = randn(l + u + 1, 5)
    ab[u] += 4.0
    b = randn(5, 2)
    np.testing.assert_allclose(L.solve_banded(lu, ab, b), sl.solve_banded(lu, ab, b), rtol=1e-12)
    gc(lambda ab, b: L.solve_banded(lu, ab, b), ab, b[:, 0])
    # entries of ab outside the matrix are never read: zero gradient, NaN harmless
    g = ya.grad(lambda ab: ya.sum(L.solve_banded(lu, ab, b, check_finite=False)))(ab)
    for k in range(u):
        assert np.all(val(g)[k, :u - k] == 0)


# ---- Cholesky ---------------------------------------------------------------------------
@pytest.mark.parametrize("lower", [False, True])
def test_cholesky_cho_factor_cho_solve(lower):
    a, b = spd(4), randn(4, 2)
    np.testing.assert_allclose(L.cholesky(a, lower=lower), sl.cholesky(a, lower=lower),
                               rtol=1e-12)
    c, low = L.cho_factor(a, lower=lower)
    sc, slow = sl.cho_factor(a, lower=lower)
    assert low == slow
    np.testing.assert_allclose(c, sc, rtol=1e-12)        # junk triangle included, as SciPy
    np.testing.assert_allclose(L.cho_solve((c, low), b), sl.cho_solve((sc, slow), b),
                               rtol=1e-12)
    if not lower:
        against_jax(L.cholesky, jsl.cholesky, a, sym=True)
    against_jax(lambda a, b: L.cho_solve(L.cho_factor(a, lower=lower), b),
                lambda a, b: jsl.cho_solve(jsl.cho_factor(a, lower=lower), b),
                a, b, sym=True)
    gc(lambda a, b: L.cho_solve(L.cho_factor(a, lower=lower), b), a, b[:, 0])
    gc(lambda a: L.cholesky(a, lower=lower), spd(3, (2,)))


# ---- LU ---------------------------------------------------------------------------------
def test_lu_factor_values_and_derivative():
    a = randn(4, 4)
    lu, piv = L.lu_factor(a)
    slu, spiv = sl.lu_factor(a)
    np.testing.assert_array_equal(piv, spiv)
    np.testing.assert_allclose(lu, slu, rtol=1e-12)
    gc(lambda a: L.lu_factor(a)[0], a[:3, :3])
    against_jax(lambda a: L.lu_factor(a)[0], lambda a: jsl.lu_factor(a)[0], a)


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve(trans):
    a, b = randn(4, 4) + 0.5 * np.eye(4), randn(4, 2)
    np.testing.assert_allclose(L.lu_solve(L.lu_factor(a), b, trans=trans),
                               sl.lu_solve(sl.lu_factor(a), b, trans=trans), rtol=1e-10)
    if trans != 1:
        against_jax(lambda a, b: L.lu_solve(L.lu_factor(a), b, trans=trans),
                    lambda a, b: jsl.lu_solve(jsl.lu_factor(a), b, trans=trans), a, b)
    gc(lambda a, b: L.lu_solve(L.lu_factor(a), b, trans=trans), a[:3, :3], b[:3, 0])


def test_lu_batched():
    a, b = randn(2, 3, 3) + np.eye(3), randn(2, 3, 2)
    np.testing.assert_allclose(L.lu_solve(L.lu_factor(a), b),
                               sl.lu_solve(sl.lu_factor(a), b), rtol=1e-10)
    gc(lambda a, b: L.lu_solve(L.lu_factor(a), b), a[:, :2, :2], b[:, :2, :1])


def test_lu_solve_complex():
    a = randn(3, 3) + 1j * randn(3, 3)
    b = randn(3) + 1j * randn(3)
    for trans in (0, 1, 2):
        np.testing.assert_allclose(L.lu_solve(L.lu_factor(a), b, trans=trans),
                                   sl.lu_solve(sl.lu_factor(a), b, trans=trans), rtol=1e-10)
    gc(lambda a, b: L.lu_solve(L.lu_factor(a), b, trans=2), a[:2, :2], b[:2])


# ---- matrix functions --------------------------------------------------------------------
def test_expm_against_jax_torch_and_fd():
    a = randn(4, 4) * 0.7
    np.testing.assert_allclose(L.expm(a), sl.expm(a), rtol=1e-12)
    against_jax(L.expm, jsl.expm, a)
    at = torch.tensor(a, requires_grad=True)
    w = randn(4, 4)
    (torch.matrix_exp(at) * torch.tensor(w)).sum().backward()
    g = ya.grad(lambda a: ya.sum(L.expm(a) * w))(a)
    np.testing.assert_allclose(val(g), at.grad.numpy(), rtol=1e-9, atol=1e-12)
    gc(L.expm, randn(2, 2, 2) * 0.5)


def test_sqrtm():
    a = spd(3) + np.triu(randn(3, 3), 1) * 0.3
    np.testing.assert_allclose(L.sqrtm(a), sl.sqrtm(a), rtol=1e-10)
    np.testing.assert_allclose(L.sqrtm(a), jsl.sqrtm(a), rtol=1e-8)
    gc(L.sqrtm, a)
    gc(L.sqrtm, spd(2, (2,)))


def test_sqrtm_complex_root_of_real_matrix():
    a = np.array([[-2.0, 0.5], [0.3, 3.0]])
    s = L.sqrtm(ya.tensor(a))
    np.testing.assert_allclose(s.data, sl.sqrtm(a), rtol=1e-10)
    gc(lambda a: ya.real(L.sqrtm(a)), a)


def test_logm():
    a = spd(2) + np.array([[0.0, 0.4], [0.0, 0.0]])
    np.testing.assert_allclose(L.logm(a), sl.logm(a), rtol=1e-10)
    np.testing.assert_allclose(sl.expm(val(L.logm(a))), a, rtol=1e-10)
    gc(L.logm, a)


def test_expm_logm_inverse_derivatives():
    a = spd(2)
    g = ya.jacobian(lambda a: L.expm(L.logm(a)))(a)
    np.testing.assert_allclose(val(g), np.eye(4).reshape(2, 2, 2, 2), atol=1e-8)


def test_solve_sylvester_and_lyapunov():
    a, b, q = wellcond(3), wellcond(2), randn(3, 2)
    np.testing.assert_allclose(L.solve_sylvester(a, b, q), sl.solve_sylvester(a, b, q),
                               rtol=1e-10)
    np.testing.assert_allclose(L.solve_sylvester(a, b, q), jsl.solve_sylvester(a, b, q),
                               rtol=1e-8)
    gc(L.solve_sylvester, a, b, q)
    a, q = -wellcond(3), randn(3, 3)
    np.testing.assert_allclose(L.solve_continuous_lyapunov(a, q),
                               sl.solve_continuous_lyapunov(a, q), rtol=1e-10)
    gc(L.solve_continuous_lyapunov, a, q)


def test_solve_continuous_lyapunov_complex():
    a = -wellcond(2) + 1j * randn(2, 2) * 0.3
    q = randn(2, 2) + 1j * randn(2, 2)
    np.testing.assert_allclose(L.solve_continuous_lyapunov(a, q),
                               sl.solve_continuous_lyapunov(a, q), rtol=1e-10)
    gc(L.solve_continuous_lyapunov, a, q)


# ---- block_diag, eigh, det, inv ----------------------------------------------------------
def test_block_diag():
    x, y, z = randn(2, 3), randn(2), 1.5
    np.testing.assert_array_equal(L.block_diag(x, y, z), sl.block_diag(x, y, z))
    np.testing.assert_array_equal(L.block_diag(x, y, z), jsl.block_diag(x, y, z))
    np.testing.assert_array_equal(L.block_diag(), sl.block_diag())
    np.testing.assert_array_equal(L.block_diag(np.zeros((0, 2)), x),
                                  sl.block_diag(np.zeros((0, 2)), x))
    gc(lambda x, y: L.block_diag(x, y, z), x, y)
    with pytest.raises(ValueError, match="dimension greater than 2"):
        L.block_diag(randn(2, 2, 2))


@pytest.mark.parametrize("lower", [True, False])
def test_eigh_standard(lower):
    a = randn(4, 4)
    w, v = L.eigh(a, lower=lower)
    sw, sv = sl.eigh(a, lower=lower)
    np.testing.assert_allclose(w, sw, rtol=1e-10)
    np.testing.assert_allclose(np.abs(val(v)), np.abs(sv), rtol=1e-8)
    np.testing.assert_allclose(L.eigh(a, lower=lower, eigvals_only=True), sw, rtol=1e-10)
    against_jax(lambda a: L.eigh(a, lower=lower, eigvals_only=True),
                lambda a: jsl.eigh(a, lower=lower, eigvals_only=True), _sym(a), sym=True)
    gc(lambda a: L.eigh(a, lower=lower)[1] ** 2, a[:3, :3])          # sign-invariant


def test_eigh_generalized_and_subsets():
    a, b = randn(3, 3), spd(3)
    w, v = L.eigh(a, b)
    sw, sv = sl.eigh(a, b)
    np.testing.assert_allclose(w, sw, rtol=1e-10)
    np.testing.assert_allclose(np.abs(val(v)), np.abs(sv), rtol=1e-8)
    gc(lambda a, b: L.eigh(a, b)[1] ** 2, a[:2, :2], b[:2, :2])
    np.testing.assert_allclose(L.eigh(a, subset_by_index=(1, 2), eigvals_only=True),
                               sl.eigh(a, subset_by_index=(1, 2), eigvals_only=True), rtol=1e-10)
    np.testing.assert_allclose(L.eigh(a, subset_by_value=(-1, 1), eigvals_only=True),
                               sl.eigh(a, subset_by_value=(-1, 1), eigvals_only=True),
                               rtol=1e-10)
    with pytest.raises(NotImplementedError, match="type=1"):
        L.eigh(a, b, type=2)


def test_det_inv():
    a = randn(2, 3, 3)
    np.testing.assert_allclose(L.det(a), sl.det(a), rtol=1e-10)
    np.testing.assert_allclose(L.inv(a), sl.inv(a), rtol=1e-10)
    against_jax(L.det, jsl.det, a[0])
    against_jax(L.inv, jsl.inv, a[0])
    gc(L.det, a)
    gc(L.inv, a)
    s = spd(3)
    np.testing.assert_allclose(L.inv(np.triu(s), assume_a="pos"), sl.inv(s), rtol=1e-10)


def test_check_finite():
    with pytest.raises(ValueError, match="infs or NaNs"):
        L.cholesky(np.array([[np.nan, 0.0], [0.0, 1.0]]))


def test_docstrings():
    for name in L.__all__:
        assert getattr(L, name).__doc__, name


def test_errors_name_the_function():
    with pytest.raises(ValueError, match="solve_triangular: expected a square"):
        L.solve_triangular(randn(2, 3), randn(2))
    with pytest.raises(ValueError, match="lu_factor"):
        L.lu_factor(randn(2, 3))
    with pytest.raises(ValueError, match="l\\+u\\+1"):
        L.solve_banded((1, 1), randn(2, 4), randn(4))
    with pytest.raises(NotImplementedError, match="subset_by_value"):
        L.eigh(spd(2, (2,)), subset_by_value=(0, 1))
    with pytest.raises(ValueError, match="trans"):
        L.lu_solve(L.lu_factor(wellcond(2)), randn(2), trans="X")
