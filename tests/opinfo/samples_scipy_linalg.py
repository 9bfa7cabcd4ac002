"""Samples for ``ya.scipy.linalg`` (``yaae/scipy/linalg.py``; loading this file
loads it, which declares the ops with ``module="scipy.linalg"``).

Oracles, in float64 (``tests/test_complex.py::test_against_jax`` runs the
``jax=`` ones, ``tests/test_opinfo.py`` the ``torch=`` ones and finite
differences for every sample):

* ``jax.scipy.linalg`` where JAX has the function and differentiates it
  (solve_triangular, cholesky, cho_factor, cho_solve, lu_factor, lu_solve,
  expm, block_diag, eigh, det, inv);
* PyTorch where JAX lacks the function or cannot differentiate it (JAX's
  ``sqrtm`` and ``solve_sylvester`` go through a Schur decomposition, which
  has no derivative rule in JAX; JAX has no ``solve_banded``, ``logm`` or
  ``solve_continuous_lyapunov``): independent implementations in PyTorch,
  differentiated by PyTorch's autograd -- the band matrix built densely and
  solved by ``torch.linalg.solve``, the Sylvester equation as the Kronecker
  system ``(A kron I + I kron B^T) vec X = vec Q``, ``sqrtm``/``logm`` by
  their power series around the identity (inputs near ``I``, so the series
  converge to machine precision and the principal branch is real).

The oracle computes exactly the function SciPy defines: where SciPy reads
one triangle of its input (``cholesky``, ``eigh``, ``inv(assume_a='pos')``),
the oracle is given that triangle mirrored (``_sym``); ``cho_factor``'s
unread triangle holds the input's entries, as SciPy's.  ``cho_solve`` and
``lu_solve`` take the factor inside a tuple, which the table cannot
differentiate: their samples differentiate ``b``, and a ``check=`` compares
the derivatives with respect to the factor and through the pair
``x_solve(x_factor(a), b)`` with respect to ``a`` with JAX's.

Inputs are well conditioned (SPD as ``A A^T / n + I``; triangular and band
matrices with a dominant diagonal); batched samples use stacks of matrices
where SciPy batches the function (SciPy 1.17 batches every one of them
but ``block_diag``), a vector ``b`` against a stack, and ``b`` with several
columns.
"""
import numpy as np
import scipy.linalg as sl
import torch

import yaae as ya

from . import Sample, add

L = ya.scipy.linalg
_rng = np.random.default_rng(20261130)     # this file's own stream: other files' inputs stay put


def randn(*shape):
    return _rng.standard_normal(shape)


def crandn(*shape):
    return randn(*shape) + 1j * randn(*shape)


def spd(n, batch=()):
    a = randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


def wellcond(n, batch=(), c=False):
    r = crandn(*batch, n, n) if c else randn(*batch, n, n)
    return r * 0.3 + 2 * np.eye(n)


def near_eye(n, batch=(), scale=0.3):
    """``I + E`` with ``||E||_2`` about ``scale``: the power series of sqrtm and
    logm converge fast, and the principal branch is real."""
    return np.eye(n) + randn(*batch, n, n) * (scale / (2 * np.sqrt(n)))


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    return jax


def jsl(name):
    """``jax.scipy.linalg.NAME``, imported when the oracle runs."""
    def f(*a, **k):
        _jax()
        import jax.scipy.linalg
        return getattr(jax.scipy.linalg, name)(*a, **k)
    return f


def _sym(a, lower=True):
    """The Hermitian matrix read from one triangle of ``a`` (jax.numpy)."""
    import jax.numpy as jnp
    t = jnp.tril(a, -1) if lower else jnp.triu(a, 1)
    # LAPACK reads the real part of the diagonal only
    return t + jnp.swapaxes(t, -1, -2).conj() + jnp.eye(a.shape[-1]) * a.real


def _name(n):
    return "scipy.linalg." + n


# ---- solve_triangular ------------------------------------------------------------------
def _tri(n, batch=(), lower=True, c=False):
    a = wellcond(n, batch, c)
    return np.tril(a) if lower else np.triu(a)


st = jsl("solve_triangular")
add(_name("solve_triangular"),
    Sample(_tri(3), randn(3, 2), kw=dict(lower=True), jax=st, order2=True),
    Sample(_tri(3, lower=False), randn(3), jax=st, order2=True),
    *[Sample(_tri(3, lower=lo), randn(3, 2), kw=dict(trans=t, lower=lo), jax=st)
      for t in (0, 1, 2, "N", "T", "C") for lo in (False, True)],
    *[Sample(_tri(3, lower=lo) + 5 * np.eye(3), randn(3, 2),
             kw=dict(lower=lo, unit_diagonal=True, trans=t), jax=st, order2=(t == 1))
      for lo in (False, True) for t in (0, 1)],
    # a full matrix: only the triangle SciPy reads carries a derivative
    Sample(wellcond(3), randn(3, 2), kw=dict(lower=True), jax=st),
    # stacks of matrices (SciPy batches a and b), and a batch of b against one a
    Sample(_tri(3, (2,)), randn(2, 3, 2), kw=dict(lower=True), jax=st),
    Sample(_tri(2, (2, 1), lower=False), randn(3, 2, 1), kw=dict(trans="T"), jax=st),
    Sample(_tri(3, (2,)), randn(3), kw=dict(lower=True), jax=st),      # a vector b
    Sample(_tri(3, c=True), crandn(3, 2), kw=dict(lower=True, trans="C"), jax=st),
    Sample(_tri(3, lower=False, c=True), crandn(3), kw=dict(trans=1), jax=st),
    Sample(_tri(16), randn(16, 8), kw=dict(lower=True), jax=st))


# ---- solve_banded: no JAX function; PyTorch solves the dense matrix ---------------------
def _banded(l, u, n, batch=()):
    ab = randn(*batch, l + u + 1, n) * 0.4
    ab[..., u, :] += 3.0
    return ab


def t_solve_banded(l_and_u, ab, b):
    l, u = l_and_u
    n = ab.shape[-1]
    i, j = np.indices((n, n))
    inside = torch.tensor((i - j <= l) & (j - i <= u))
    a = torch.where(inside, ab[..., np.where(inside, u + i - j, 0), j],
                    torch.zeros((), dtype=ab.dtype))
    x = torch.linalg.solve(a, b[:, None] if b.dim() == 1 else b)
    return x[..., 0] if b.dim() == 1 else x


add(_name("solve_banded"),
    Sample((1, 2), _banded(1, 2, 6), randn(6, 2), torch=t_solve_banded, order2=True),
    Sample((1, 1), _banded(1, 1, 5), randn(5), torch=t_solve_banded, order2=True),
    Sample((0, 0), _banded(0, 0, 4), randn(4, 3), torch=t_solve_banded),
    Sample((2, 0), _banded(2, 0, 5), randn(5, 2), torch=t_solve_banded),
    Sample((0, 3), _banded(0, 3, 5), randn(5), torch=t_solve_banded),
    # a stack of band matrices (SciPy batches ab), b a vector or a stack of matrices
    Sample((1, 1), _banded(1, 1, 4, (2,)), randn(4), torch=t_solve_banded),
    Sample((1, 0), _banded(1, 0, 4, (2,)), randn(2, 4, 2), torch=t_solve_banded),
    Sample((2, 3), _banded(2, 3, 48), randn(48, 2), torch=t_solve_banded))


# ---- Cholesky ---------------------------------------------------------------------------
def j_cholesky(a, lower=False):
    return jsl("cholesky")(_sym(a, lower), lower=lower)


def j_cho_factor(a, lower=False):
    import jax.numpy as jnp
    c = jsl("cholesky")(_sym(a, lower), lower=lower)
    return c + (jnp.triu(a, 1) if lower else jnp.tril(a, -1)), lower


# The table compares the results of ``ya.vjp``, which (unlike ``jax.vjp``) returns every
# output as a float array: cho_factor's ``lower`` and lu_factor's integer pivots are
# compared as floats (``_float_rest``), and their own types by ``check=`` (``_types``).
def _float_rest(f):
    def g(*a, **k):
        import jax.numpy as jnp
        first, *rest = f(*a, **k)
        return (first,) + tuple(jnp.asarray(r, dtype=jnp.float64) for r in rest)
    return g


def _types(name):
    """``check=``: ``lower`` a Python bool (cho_factor), the pivots SciPy's (lu_factor)."""
    def check(out, a, **kw):
        want = getattr(sl, name)(a)
        if name == "cho_factor":
            assert out[1] is False and type(out[1]) is bool, out[1]
        else:
            assert out[1].dtype == want[1].dtype, (out[1].dtype, want[1].dtype)
            np.testing.assert_array_equal(out[1], want[1])
        np.testing.assert_allclose(np.asarray(out[0].data if isinstance(out[0], ya.Tensor)
                                              else out[0]), want[0], rtol=1e-12, atol=1e-14)
    return check


add(_name("cholesky"),
    Sample(spd(3), jax=j_cholesky, order2=True),
    Sample(spd(3), kw=dict(lower=True), jax=j_cholesky, order2=True),
    # a non-symmetric input: SciPy reads the triangle of the factor only
    Sample(spd(3) + np.tril(randn(3, 3), -1), jax=j_cholesky),
    Sample(spd(3, (2, 2)), kw=dict(lower=True), jax=j_cholesky),
    Sample(spd(3) + 0j + np.triu(crandn(3, 3), 1) * 0.3, jax=j_cholesky),
    Sample(spd(17), jax=j_cholesky))

j_cho_f = _float_rest(j_cho_factor)
add(_name("cho_factor"),
    Sample(spd(3), jax=j_cho_f, check=_types("cho_factor"), order2=True),
    Sample(spd(3) + np.triu(randn(3, 3), 1), kw=dict(lower=True), jax=j_cho_f, order2=True),
    Sample(spd(3, (2,)), jax=j_cho_f),
    Sample(spd(17), kw=dict(lower=True), jax=j_cho_f))


def _check_factor_pair(a, factor, solve, jfactor, jsolve, **solve_kw):
    """``check=`` for a ``cho_solve``/``lu_solve`` sample built from ``factor(a)``:
    the values, VJP and JVP of ``solve(factor, b)`` with respect to the factor
    and ``b``, and of ``solve(factor(a), b)`` with respect to ``a`` and ``b``,
    against JAX's; and the pair against finite differences (order 2)."""
    def check(out, fac, b):
        jax = _jax()
        rest = tuple(fac[1:])
        rng = np.random.default_rng(5)
        pairs = [
            (lambda f, b: solve((f,) + rest, b, **solve_kw),
             lambda f, b: jsolve((f,) + rest, b, **solve_kw), (np.asarray(fac[0]), b)),
            (lambda a, b: solve(factor(a), b, **solve_kw),
             lambda a, b: jsolve(jfactor(a), b, **solve_kw), (a, b))]
        for yf, jf, xs in pairs:
            y, vjp = ya.vjp(yf, *xs)
            jy, jvjp = jax.vjp(jf, *xs)
            np.testing.assert_allclose(np.asarray(y), np.asarray(jy), rtol=1e-10, atol=1e-12)
            ct = rng.standard_normal(np.shape(jy)) * (1 + 1j if np.iscomplexobj(jy) else 1)
            for g, jg in zip(vjp(ct), jvjp(ct)):
                np.testing.assert_allclose(np.asarray(g), np.asarray(jg), rtol=1e-10,
                                           atol=1e-12)
            ts = tuple(rng.standard_normal(np.shape(x)) * (1 - 1j if np.iscomplexobj(x) else 1)
                       for x in xs)
            _, t = ya.jvp(yf, xs, ts)
            _, jt = jax.jvp(jf, xs, ts)
            np.testing.assert_allclose(np.asarray(t), np.asarray(jt), rtol=1e-10, atol=1e-12)
        if a.size + np.size(b) <= 15:     # larger samples: JAX's derivatives only
            assert ya.testing.gradcheck(lambda a, b: solve(factor(a), b, **solve_kw), a, b,
                                        modes=("rev", "fwd"), order=2)
    return check


def _factor_sample(factor, solve, jfactor, jsolve, a, b, **kw):
    """A ``*_solve`` sample: ``(factor(a), b)``, ``b`` differentiated, JAX the oracle
    and ``_check_factor_pair`` for the derivatives with respect to the factor and ``a``."""
    fac = tuple(np.asarray(f.data if isinstance(f, ya.Tensor) else f) if k == 0 else f
                for k, f in enumerate(factor(a)))
    skw = kw.pop("kw", {})
    return Sample(fac, b, kw=skw, jax=lambda f, b, **k: jsolve(f, b, **k),
                  check=_check_factor_pair(a, factor, solve, jfactor, jsolve, **skw), **kw)


def _cho(a, b, lower=False, **kw):
    return _factor_sample(lambda a: L.cho_factor(a, lower=lower), L.cho_solve,
                          lambda a: j_cho_factor(a, lower=lower), jsl("cho_solve"), a, b, **kw)


add(_name("cho_solve"),
    _cho(spd(3), randn(3, 2), order2=True),
    _cho(spd(3), randn(3), lower=True, order2=True),
    _cho(spd(3, (2,)), randn(2, 3, 2), lower=True),
    _cho(spd(3), randn(2, 3, 2)),                     # a batch of b against one factor
    _cho(spd(3, (2,)), randn(3)),                     # one vector b against a stack
    _cho(spd(16), randn(16, 17)))


# ---- LU ---------------------------------------------------------------------------------
j_lu_factor = _float_rest(jsl("lu_factor"))
add(_name("lu_factor"),
    Sample(wellcond(3), jax=j_lu_factor, order2=True),
    Sample(randn(4, 4), jax=j_lu_factor, check=_types("lu_factor")),          # pivoting
    Sample(randn(2, 3, 3) + np.eye(3), jax=j_lu_factor, check=_types("lu_factor")),
    Sample(randn(3, 3) + 2j * np.eye(3) + 1j * randn(3, 3), jax=j_lu_factor),
    Sample(randn(17, 17) + 3 * np.eye(17), jax=j_lu_factor))


def _lu(a, b, trans=0, **kw):
    return _factor_sample(L.lu_factor, L.lu_solve, jsl("lu_factor"), jsl("lu_solve"), a, b,
                          kw=dict(trans=trans), **kw)


add(_name("lu_solve"),
    _lu(randn(3, 3) + np.eye(3), randn(3, 2), order2=True),
    _lu(randn(3, 3) + np.eye(3), randn(3), trans=1),
    _lu(randn(3, 3) + np.eye(3) + 1j * randn(3, 3), crandn(3), trans=2),
    _lu(randn(2, 3, 3) + np.eye(3), randn(2, 3, 2)),
    _lu(randn(3, 3) + 2 * np.eye(3), randn(2, 3, 2)),          # a batch of b against one a
    _lu(randn(2, 3, 3) + 2 * np.eye(3), randn(3), trans=1),    # one vector b against a stack
    _lu(randn(16, 16) + 3 * np.eye(16), randn(16, 17)))


# ---- matrix functions -----------------------------------------------------------------------
def t_series(coef, a, terms):
    """``sum_k coef(k) (a - I)^k`` for ``k < terms`` (PyTorch)."""
    x = a - torch.eye(a.shape[-1], dtype=a.dtype)
    out, p = coef(0) * torch.eye(a.shape[-1], dtype=a.dtype).expand_as(a), None
    for k in range(1, terms):
        p = x if p is None else p @ x
        out = out + coef(k) * p
    return out


def _binom_half(k):
    c = 1.0
    for i in range(k):
        c *= (0.5 - i) / (i + 1)
    return c


def t_sqrtm(a):
    """The principal square root by the binomial series of ``(I + X)^(1/2)``."""
    return t_series(_binom_half, a, 90)


def t_logm(a):
    """The principal logarithm by the series of ``log(I + X)``."""
    return t_series(lambda k: 0.0 if k == 0 else (-1.0) ** (k + 1) / k, a, 90)


add(_name("expm"),
    Sample(randn(3, 3) * 0.7, jax=jsl("expm"), torch=torch.linalg.matrix_exp, order2=True),
    Sample(randn(2, 3, 3) * 0.5, jax=jsl("expm"), torch=torch.linalg.matrix_exp),
    Sample(crandn(3, 3) * 0.5, jax=jsl("expm"), order2=True),
    Sample(randn(17, 17) * 0.2, jax=jsl("expm"), torch=torch.linalg.matrix_exp))

add(_name("sqrtm"),
    Sample(near_eye(3), torch=t_sqrtm, order2=True),
    Sample(near_eye(2, (2,)), torch=t_sqrtm),
    Sample(near_eye(17), torch=t_sqrtm))

add(_name("logm"),
    Sample(near_eye(3), torch=t_logm, order2=True),
    Sample(near_eye(2, (2,)), torch=t_logm),
    Sample(near_eye(17), torch=t_logm))


# ---- Sylvester and Lyapunov: the Kronecker system in PyTorch -----------------------------
def _equals_scipy(name):
    """``check=``: the values are SciPy's."""
    def check(out, *args):
        np.testing.assert_allclose(np.asarray(out.data), getattr(sl, name)(*args), rtol=1e-10,
                                   atol=1e-12)
    return check


def t_solve_sylvester(a, b, q):
    n, m = a.shape[-1], b.shape[-1]
    a, b, q = (torch.as_tensor(v) for v in (a, b, q))
    k = (torch.kron(a, torch.eye(m, dtype=a.dtype))
         + torch.kron(torch.eye(n, dtype=a.dtype), b.mT.contiguous()))
    return torch.linalg.solve(k, q.reshape(n * m)).reshape(n, m)


def t_lyapunov(a, q):
    return t_solve_sylvester(a, torch.as_tensor(a).mT.conj(), q)


add(_name("solve_sylvester"),
    Sample(wellcond(2), wellcond(2), randn(2, 2), torch=t_solve_sylvester, order2=True),
    Sample(wellcond(3), -wellcond(3) + 5 * np.eye(3), randn(3, 3), torch=t_solve_sylvester),
    Sample(wellcond(12), wellcond(10), randn(12, 10), torch=t_solve_sylvester))

add(_name("solve_sylvester"),     # stacks: SciPy's values (the Kronecker oracle is 2-d)
    Sample(wellcond(2, (2,)), wellcond(3, (2,)), randn(2, 2, 3),
           check=_equals_scipy("solve_sylvester")))

add(_name("solve_continuous_lyapunov"),
    Sample(-wellcond(3), randn(3, 3), torch=t_lyapunov, order2=True),
    Sample(-wellcond(3), spd(3), torch=t_lyapunov),
    Sample(-wellcond(12), randn(12, 12), torch=t_lyapunov))


# ---- block_diag, eigh, det, inv --------------------------------------------------------------
add(_name("block_diag"),
    Sample(randn(2, 3), randn(2), randn(1, 1), jax=jsl("block_diag"), order2=True),
    Sample(randn(1, 1), randn(3, 1), jax=jsl("block_diag")),
    Sample(crandn(2, 2), randn(2, 3), jax=jsl("block_diag")),
    Sample(randn(12, 12), randn(10, 12), jax=jsl("block_diag")))


def j_eigh(a, b=None, lower=True, eigvals_only=False):
    return jsl("eigh")(_sym(a, lower), lower=lower, eigvals_only=eigvals_only)


def _subset(f, lo, hi):
    def g(*a, subset_by_index=None, **k):
        w, v = f(*a, **k)
        return w[..., lo:hi], v[..., lo:hi]
    return g


def _eigh_like_scipy(eigvals_only=False):
    """``check=``: SciPy's eigenvalues (and eigenvectors up to sign)."""
    def check(out, a, b):
        w, v = sl.eigh(a, b)
        got_w = out if eigvals_only else out[0]
        np.testing.assert_allclose(np.asarray(got_w.data), w, rtol=1e-10, atol=1e-12)
        if not eigvals_only:
            got_v = np.asarray(out[1].data)
            np.testing.assert_allclose(got_v * np.sign(np.sum(got_v * v, axis=0)), v,
                                       rtol=1e-8, atol=1e-10)
    return check


add(_name("eigh"),
    Sample(spd(3), jax=j_eigh, order2=True),
    Sample(spd(3), kw=dict(eigvals_only=True), jax=j_eigh, order2=True),
    Sample(spd(4) + np.triu(randn(4, 4), 1), kw=dict(lower=False, eigvals_only=True),
           jax=j_eigh),
    Sample(spd(3, (2,)), jax=j_eigh),
    Sample(spd(17), kw=dict(eigvals_only=True), jax=j_eigh),
    Sample(spd(4), kw=dict(subset_by_index=(1, 2)), jax=_subset(j_eigh, 1, 3)),
    # the generalised problem (JAX has none): SciPy's values, finite differences
    Sample(spd(3), spd(3), kw=dict(eigvals_only=True), check=_eigh_like_scipy(True),
           order2=True),
    Sample(spd(3), spd(3), check=_eigh_like_scipy()),
    Sample(spd(17), jax=j_eigh))

add(_name("det"),
    Sample(wellcond(3), jax=jsl("det"), torch=torch.linalg.det, order2=True),
    Sample(randn(2, 3, 3), jax=jsl("det"), torch=torch.linalg.det),
    Sample(wellcond(3, c=True), jax=jsl("det")),
    Sample(wellcond(17), jax=jsl("det"), torch=torch.linalg.det))


def j_inv(a, assume_a=None, lower=False):
    import jax.numpy as jnp
    if assume_a == "pos":
        a = _sym(a, lower)
    elif assume_a == "lower":
        a = jnp.tril(a)
    return jsl("inv")(a)


add(_name("inv"),
    Sample(wellcond(3), jax=j_inv, torch=torch.linalg.inv, order2=True),
    Sample(wellcond(3, (2,)), jax=j_inv, torch=torch.linalg.inv),
    Sample(spd(3) + np.triu(randn(3, 3), 1), kw=dict(assume_a="pos", lower=True), jax=j_inv),
    Sample(wellcond(3), kw=dict(assume_a="lower"), jax=j_inv),
    Sample(wellcond(3, c=True), jax=j_inv),
    Sample(wellcond(17), jax=j_inv, torch=torch.linalg.inv))
