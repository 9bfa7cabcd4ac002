"""Matrix decompositions and what is built on them: cholesky, eigh,
eigvalsh, eig, eigvals, svd (and its singular values), qr, pinv, lstsq.

A decomposition with several outputs is one private primitive whose single
array output packs them (each output flattened over its last axes and
concatenated along the last axis): it is computed once per call, its rules
see every output, and the public function unpacks the results into NumPy's
named tuples by slicing, which is differentiable.  Rules act on the last two
axes, so batched inputs and batched (co)tangents go through unchanged; they
are written with yaae's own ops, so they differentiate to any order.

NumPy's ``eigh``, ``eigvalsh``, ``cholesky`` and the ``hermitian=True``
forms of ``svd``/``pinv`` read one triangle of their input only; they are
differentiated as exactly that (``hermitian_from``), so the gradient with
respect to the unread triangle is zero and the read off-diagonal entries get
the derivative of both entries they stand for.
"""
import math

import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite
from .shape import reshape, expand_dims, concatenate_p
from .reductions import sum
from .linalg import (matmul, mT, mH, solve, solve_right, diag_embed, diag_part, eye_like,
                     tril_, hermitian_from, _square, _conj, _real,
                     EighResult, EigResult, SVDResult, QRResult)


# ---- packing several outputs into one array ------------------------------------------------
def _pack(*parts):
    """``parts``: (array, number of core axes).  One array (..., total)."""
    flat = []
    for x, nc in parts:
        shp = x.shape
        flat.append(reshape(x, tuple(shp[:len(shp) - nc]) + (-1,)))
    if all(type(f) is np.ndarray for f in flat):
        return np.concatenate(flat, axis=-1)
    return concatenate_p(*flat, axis=-1)


def _unpack(p, *cores):
    """The parts of a packed array (leading axes: those of ``p`` but the last)."""
    lead = tuple(p.shape[:-1])
    out, k = [], 0
    for core in cores:
        n = math.prod(core)
        out.append(reshape(p[..., k:k + n], lead + tuple(core)))
        k += n
    return out


def _zeros(shape, like):
    return np.zeros(tuple(shape), dtype=np.dtype(_data(like).dtype))


def _gap_inverse(w):
    """``F[..., i, j] = 1 / (w_j - w_i)`` off the diagonal, 0 on it."""
    n = w.shape[-1]
    eye = eye_like(n, w)
    d = expand_dims(w, -2) - expand_dims(w, -1)
    return (1 - eye) / (d + eye)


# ---- eigh / eigvalsh -----------------------------------------------------------------------
def _eigh_fwd(a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO)
    return _pack((w.astype(v.dtype), 1), (v, 2))


def _eigh_parts(p, n):
    w, v = _unpack(p, (n,), (n, n))
    return _real(w), v


def _eigh_jvp(t, ans, a, UPLO="L"):
    n = a.shape[-1]
    w, v = _eigh_parts(ans, n)
    s = matmul(mH(v), matmul((t + mH(t)) / 2, v))
    dw = diag_part(s)
    dv = matmul(v, _gap_inverse(w) * s)
    return _pack((dw, 1), (dv, 2))


def _eigh_vjp(g, ans, a, UPLO="L"):
    n = a.shape[-1]
    w, v = _eigh_parts(ans, n)
    gw, gv = _unpack(g, (n,), (n, n))
    inner = diag_embed(gw) + _gap_inverse(w) * matmul(mT(v), gv)
    ga = matmul(_conj(v), matmul(inner, mT(v)))
    return (ga + mH(ga)) / 2


# a Hermitian input (``hermitian_from``); output: eigenvalues and eigenvectors packed
eigh_p = defop("eigh", _eigh_fwd, saves="ans", register=False, vjp=_eigh_vjp, jvp=_eigh_jvp)


def _eigvalsh_jvp(t, ans, a, UPLO="L"):
    v = eigh(a, UPLO).eigenvectors
    return _real(diag_part(matmul(mH(v), matmul((t + mH(t)) / 2, v))))


def _eigvalsh_vjp(g, ans, a, UPLO="L"):
    v = eigh(a, UPLO).eigenvectors
    ga = matmul(_conj(v), expand_dims(g, -1) * mT(v))
    return (ga + mH(ga)) / 2


def _eigvalsh(a, UPLO="L"):
    return np.linalg.eigvalsh(a, UPLO)


# a Hermitian input; only the eigenvalues (the rules compute the eigenvectors)
eigvalsh_p = defop("eigvalsh", _eigvalsh, saves="args", register=False,
                   vjp=_eigvalsh_vjp, jvp=_eigvalsh_jvp)


@defcomposite(numpy=np.linalg.eigh, module="linalg")
def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of the symmetric (Hermitian)
    matrix whose ``UPLO`` triangle is that of ``a``, as NumPy's.

    The derivative of the eigenvectors is only defined when the eigenvalues
    are distinct (it divides by their differences); it is infinite or NaN
    otherwise, as in PyTorch.  Eigenvectors are defined up to sign (phase):
    a function of them has a derivative when it does not depend on that
    choice (e.g. ``v @ diag(w) @ v.T``, ``v * v``).  The gradient with
    respect to ``a`` lies in its ``UPLO`` triangle (NumPy never reads the
    other)."""
    _square(a, "eigh")
    n = np.shape(_data(a))[-1]
    p = eigh_p(hermitian_from(a, UPLO), UPLO=str(UPLO).upper())
    w, v = _unpack(p, (n,), (n, n))
    return EighResult(_real(w), v)


@defcomposite(numpy=np.linalg.eigvalsh, module="linalg")
def eigvalsh(a, UPLO="L"):
    """Eigenvalues (ascending) of the symmetric (Hermitian) matrix whose
    ``UPLO`` triangle is that of ``a``.  Their derivative ``v @ diag(g) @ v.T``
    never divides by eigenvalue gaps, but it is only defined where the
    eigenvalues are distinct: where two cross, the sorted eigenvalues have a
    kink and the result depends on the eigenvectors LAPACK returns.  The
    gradient lies in the ``UPLO`` triangle of ``a``."""
    _square(a, "eigvalsh")
    return eigvalsh_p(hermitian_from(a, UPLO), UPLO=str(UPLO).upper())


# ---- eig / eigvals -------------------------------------------------------------------------
def _eig_fwd(a):
    w, v = np.linalg.eig(a)
    return _pack((w, 1), (v, 2))


def _eig_jvp(t, ans, a):
    # dl = diag(V^-1 dA V); dV = V (F o V^-1 dA V), then kept of unit norm:
    # minus V * Re(diag(V^H dV))  (JAX's eig_jvp_rule, Boeddeker et al. 2017)
    n = a.shape[-1]
    w, v = _unpack(ans, (n,), (n, n))
    m = solve(v, matmul(t, v))
    du = matmul(v, _gap_inverse(w) * m)
    dv = du - v * expand_dims(_real(diag_part(matmul(mH(v), du))), -2)
    return _pack((diag_part(m), 1), (dv, 2))


def _eig_vjp(g, ans, a):
    # the transpose of _eig_jvp (no conjugation of the cotangent: JAX's convention)
    n = a.shape[-1]
    w, v = _unpack(ans, (n,), (n, n))
    gw, gv = _unpack(g, (n,), (n, n))
    r = _real(diag_part(matmul(mT(v), gv)))
    gu = gv - _conj(v) * expand_dims(r, -2)
    gm = diag_embed(gw) + _gap_inverse(w) * matmul(mT(v), gu)
    ga = solve(mT(v), matmul(gm, mT(v)))           # V^-T gM V^T
    if np.dtype(a.dtype).kind != "c":
        ga = _real(ga)
    return ga


eig_p = defop("eig", _eig_fwd, saves="ans", register=False, vjp=_eig_vjp, jvp=_eig_jvp)


@defcomposite(numpy=np.linalg.eig, module="linalg")
def eig(a):
    """Eigenvalues and right eigenvectors (unit norm) of a square matrix, as
    NumPy's (complex when the spectrum is; real otherwise, as NumPy).

    Derivatives follow JAX's convention for complex numbers.  The
    eigenvector derivative is only defined when the eigenvalues are distinct
    (it divides by their differences), as in PyTorch.  Eigenvectors are
    defined up to a complex phase, and NumPy (LAPACK) fixes it by making the
    largest component real; the derivative instead keeps ``Re(v^H dv) = 0``
    (PyTorch's and JAX's choice), so only functions of the eigenvectors that
    do not depend on the phase (``abs(v)``, ``v @ diag(w) @ inv(v)``, ...)
    have derivatives that match finite differences of NumPy's output (for a
    real spectrum the choice is a sign, and both agree)."""
    _square(a, "eig")
    n = np.shape(_data(a))[-1]
    w, v = _unpack(eig_p(a), (n,), (n, n))
    return EigResult(w, v)


def _matched_eig(a, ans):
    """``eig(a)`` with its eigenvalues ordered as ``ans`` (eigvals' output)."""
    n = a.shape[-1]
    w, v = _unpack(eig_p(a), (n,), (n, n))
    wd, ad = np.asarray(_data(w)), np.asarray(_data(ans))
    perm = np.argmin(np.abs(ad[..., :, None] - wd[..., None, :]), axis=-1)
    if np.array_equal(perm, np.broadcast_to(np.arange(n), perm.shape)):
        return w, v
    from . import take_along_axis
    pv = np.broadcast_to(perm[..., None, :], tuple(np.shape(wd)[:-1]) + (n, n))
    return take_along_axis(w, perm, -1), take_along_axis(v, pv, -1)


def _eigvals_jvp(t, ans, a):
    w, v = _matched_eig(a, ans)
    return diag_part(solve(v, matmul(t, v)))


def _eigvals_vjp(g, ans, a):
    w, v = _matched_eig(a, ans)
    ga = solve(mT(v), expand_dims(g, -1) * mT(v))
    if np.dtype(a.dtype).kind != "c":
        ga = _real(ga)
    return ga


eigvals_p = defop("eigvals", np.linalg.eigvals, saves="args", register=False,
                  vjp=_eigvals_vjp, jvp=_eigvals_jvp)


@defcomposite(numpy=np.linalg.eigvals, module="linalg")
def eigvals(a):
    """Eigenvalues of a square matrix, as NumPy's (complex when the spectrum
    is).  Their derivative (JAX's convention for complex numbers) is defined
    where they are simple."""
    _square(a, "eigvals")
    return eigvals_p(a)


# ---- cholesky ------------------------------------------------------------------------------
def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = x.shape[-1]
    return x * (np.tri(n, n, -1) + 0.5 * np.eye(n)).astype(np.dtype(_data(x).dtype))


def _cholesky_jvp(t, ans, a, upper=False):
    el = mH(ans) if upper else ans
    ts = (t + mH(t)) / 2
    x = solve(el, mH(solve(el, ts)))          # L^-1 t L^-H
    dl = matmul(el, _phi(x))
    return mH(dl) if upper else dl


def _cholesky_vjp(g, ans, a, upper=False):
    # L^-H phi(L^H g) L^-1 (PyTorch's adjoint form), conjugated in and out:
    # JAX's convention (no conjugation of the cotangent)
    el = mH(ans) if upper else ans
    if upper:                                  # U = L^H
        g = mH(g)
    g = _conj(g)
    m = _phi(matmul(mH(el), g))
    y = solve(mH(el), m)                       # L^-H phi(L^H g)
    ga = _conj(mH(solve(mH(el), mH(y))))       # ... L^-1
    return (ga + mH(ga)) / 2


# a Hermitian positive-definite input; output: its lower Cholesky factor
def _cholesky(a, upper=False):
    return np.linalg.cholesky(a, upper=upper)


cholesky_p = defop("cholesky", _cholesky, saves="ans", register=False,
                   vjp=_cholesky_vjp, jvp=_cholesky_jvp)


@defcomposite(numpy=np.linalg.cholesky, module="linalg")
def cholesky(a, /, *, upper=False):
    """The Cholesky factor of ``a`` (lower, or upper with ``upper=True``), as
    NumPy's: it reads only the lower (upper) triangle of ``a``, so the
    gradient lies in that triangle."""
    _square(a, "cholesky")
    return cholesky_p(hermitian_from(a, "U" if upper else "L"), upper=bool(upper))


# ---- svd -----------------------------------------------------------------------------------
def _svd_fwd(a, full_matrices=True, hermitian=False):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices, hermitian=hermitian)
    return _pack((u, 2), (s.astype(u.dtype), 1), (vh, 2))


def _svd_shapes(m, n, full):
    k = min(m, n)
    return ((m, m if full else k), (k,), (n if full else k, n))


def _svd_parts(p, m, n, full):
    u, s, vh = _unpack(p, *_svd_shapes(m, n, full))
    return u, _real(s), vh


def _svd_jvp(t, ans, a, full_matrices=True, hermitian=False):
    m, n = a.shape[-2:]
    k = min(m, n)
    u, s, vh = _svd_parts(ans, m, n, full_matrices)
    if full_matrices:
        u, vh = u[..., :, :k], vh[..., :k, :]
    v = mH(vh)
    ds_mat = matmul(mH(u), matmul(t, v))
    ds = _real(diag_part(ds_mat))
    s_row = expand_dims(s, -2)
    s_col = expand_dims(s, -1)
    eye = eye_like(k, s)
    f = (1 - eye) / ((s_row + s_col) * (s_row - s_col) + eye)
    dss = ds_mat * s_row
    sds = s_col * ds_mat
    du = matmul(u, f * (dss + mH(dss)))
    dv = matmul(v, f * (sds + mH(sds)))
    if np.dtype(_data(ans).dtype).kind == "c":
        du = du + matmul(u, (ds_mat - mH(ds_mat)) * eye / (2 * s_row))
    if m > n:
        dav = matmul(t, v)
        du = du + (dav - matmul(u, matmul(mH(u), dav))) / s_row
    if n > m:
        dahu = matmul(mH(t), u)
        dv = dv + (dahu - matmul(v, matmul(vh, dahu))) / s_row
    dvh = mH(dv)
    if full_matrices:   # the extra columns of U and rows of Vh carry no derivative
        lead = tuple(du.shape[:-2])
        if m > k:
            du = concatenate_p(du, _zeros(lead + (m, m - k), du), axis=-1)
        if n > k:
            dvh = concatenate_p(dvh, _zeros(lead + (n - k, n), dvh), axis=-2)
    return _pack((du, 2), (ds + 0 * ds_mat[..., 0, :], 1), (dvh, 2))


def _skew(x):
    return x - mH(x)


def _svd_vjp(g, ans, a, full_matrices=True, hermitian=False):
    # PyTorch's svd_backward (FunctionsManual.cpp, adjoint form), conjugated
    # in and out: JAX's convention (no conjugation of the cotangent)
    m, n = a.shape[-2:]
    k = min(m, n)
    cplx = np.dtype(_data(ans).dtype).kind == "c"
    u, s, vh = _svd_parts(ans, m, n, full_matrices)
    gu, gs, gvh = _unpack(_conj(g), *_svd_shapes(m, n, full_matrices))
    gs = _real(gs)
    if full_matrices:
        u, vh = u[..., :, :k], vh[..., :k, :]
        gu, gvh = gu[..., :, :k], gvh[..., :k, :]
    s_row = expand_dims(s, -2)
    s_col = expand_dims(s, -1)
    eye = eye_like(k, s)
    s2 = s * s
    e = expand_dims(s2, -2) - expand_dims(s2, -1) + eye
    uhgu = _skew(matmul(mH(u), gu))
    vhgv = _skew(matmul(vh, mH(gvh)))
    ga = (uhgu * s_row + s_col * vhgv) / e + diag_embed(gs)
    if cplx:
        # the diagonal: gS, and the phase of each pair of singular vectors,
        # which the JVP keeps in U (the exact transpose of _svd_jvp)
        ga = ga * (1 - eye) + diag_embed(gs + diag_part(uhgu) / (2 * s))
    if m > n:
        ga = matmul(u, ga)
        gus = gu / s_row
        ga = ga + gus - matmul(u, matmul(mH(u), gus))
        ga = matmul(ga, vh)
    elif m < n:
        ga = matmul(ga, vh)
        sgvh = gvh / s_col
        ga = ga + sgvh - matmul(matmul(sgvh, mH(vh)), vh)
        ga = matmul(u, ga)
    else:
        ga = matmul(u, matmul(ga, vh))
    return _conj(ga)


svd_p = defop("svd", _svd_fwd, saves="ans", register=False, vjp=_svd_vjp, jvp=_svd_jvp)


def _svd_reduced(a, hermitian):
    m, n = np.shape(_data(a))[-2:]
    return _svd_parts(svd_p(a, full_matrices=False, hermitian=hermitian), m, n, False)


def _svdvals(a, hermitian=False):
    return np.linalg.svd(a, compute_uv=False, hermitian=hermitian)


def _svdvals_jvp(t, ans, a, hermitian=False):
    u, s, vh = _svd_reduced(a, hermitian)
    return _real(diag_part(matmul(mH(u), matmul(t, mH(vh)))))


def _svdvals_vjp(g, ans, a, hermitian=False):
    u, s, vh = _svd_reduced(a, hermitian)
    return matmul(_conj(u) * expand_dims(g, -2), _conj(vh))     # conj(U diag(g) Vh)


svdvals_p = defop("svdvals", _svdvals, saves="args", register=False,
                  vjp=_svdvals_vjp, jvp=_svdvals_jvp)


@defcomposite(numpy=np.linalg.svd, module="linalg")
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition ``(U, S, Vh)`` (or ``S`` alone with
    ``compute_uv=False``), as NumPy's, batched over leading axes.

    The derivative of ``U`` and ``Vh`` is only defined when the singular
    values are distinct and (for non-square ``a``) nonzero: it divides by
    their differences, and is infinite or NaN otherwise, as in PyTorch.
    Singular vectors are defined up to sign (phase): a function of them has a
    derivative when it does not depend on that choice (``U @ diag(S) @ Vh``,
    ``U * Vh.T``, projectors ``U @ U.T``).  With ``full_matrices=True`` the
    extra columns of ``U`` (rows of ``Vh``), which are not unique, carry no
    derivative, as in PyTorch.  The singular values alone
    (``compute_uv=False``) have a derivative where they are distinct and
    nonzero (no division by their gaps).
    ``hermitian=True`` reads the lower triangle of ``a`` only (as NumPy)."""
    shp = np.shape(_data(a))
    if len(shp) < 2:
        raise np.linalg.LinAlgError(f"{len(shp)}-dimensional array given. Array must be at "
                                    f"least two-dimensional")
    if hermitian:
        _square(a, "svd")
        a = hermitian_from(a, "L")
    if not compute_uv:
        return svdvals_p(a, hermitian=bool(hermitian))
    m, n = shp[-2:]
    u, s, vh = _svd_parts(svd_p(a, full_matrices=bool(full_matrices), hermitian=bool(hermitian)),
                          m, n, bool(full_matrices))
    return SVDResult(u, s, vh)


@defcomposite(numpy=np.linalg.svdvals, module="linalg")
def svdvals(x, /):
    """The singular values of ``x`` (descending), as NumPy's; differentiable
    where they are distinct and nonzero (``U @ diag(g) @ Vh``; at repeated or
    zero singular values the sorted values have a kink)."""
    return svd(x, compute_uv=False)


# ---- qr ------------------------------------------------------------------------------------
def _qr_fwd(a, mode="reduced"):
    q, r = np.linalg.qr(a, mode=mode)
    return _pack((q, 2), (r, 2))


def _qr_shapes(m, n, mode):
    k = min(m, n)
    if mode == "complete":
        return (m, m), (m, n)
    return (m, k), (k, n)


def _qr_check(m, n, mode):
    if mode == "complete" and m > n:
        raise NotImplementedError(
            "linalg.qr: the QR decomposition is not differentiable with mode='complete' "
            "when a has more rows than columns (the extra columns of Q are not unique); "
            "use mode='reduced'")


def _qr_jvp(t, ans, a, mode="reduced"):
    m, n = a.shape[-2:]
    _qr_check(m, n, mode)
    k = min(m, n)
    q, r = _unpack(ans, *_qr_shapes(m, n, mode))
    rk = r[..., :, :k]
    c = matmul(mH(q), solve_right(t[..., :, :k], rk))
    low = tril_(c, -1)
    om = low - mH(low)
    if np.dtype(_data(ans).dtype).kind == "c":
        om = om + (c - _real(c)) * eye_like(k, c)
    dr = matmul(mH(q), t) - matmul(om, r)
    dq = matmul(q, om)
    if m > n:
        tr = solve_right(t, r)
        dq = dq + tr - matmul(q, matmul(mH(q), tr))
    return _pack((dq, 2), (dr, 2))


def _qr_vjp(g, ans, a, mode="reduced"):
    m, n = a.shape[-2:]
    _qr_check(m, n, mode)
    k = min(m, n)
    # the adjoint of _qr_jvp, conjugated in and out (JAX's convention)
    q, r = _unpack(ans, *_qr_shapes(m, n, mode))
    gq, gr = _unpack(_conj(g), *_qr_shapes(m, n, mode))
    rk = r[..., :, :k]
    qtgq = matmul(mH(q), gq)
    mm = matmul(gr, mH(r)) - qtgq
    kk = tril_(mm - mH(mm), -1)
    if np.dtype(_data(ans).dtype).kind == "c":
        kk = kk + (mm - _real(mm)) * eye_like(k, mm)
    ga = matmul(q, gr)
    if m >= n:
        return _conj(ga + solve_right(gq - matmul(q, qtgq) - matmul(q, kk), mH(r)))
    gx = -solve_right(matmul(q, kk), mH(rk))
    lead = tuple(gx.shape[:-2])
    gx = concatenate_p(gx, _zeros(lead + (m, n - k), gx), axis=-1)
    return _conj(ga + gx)


qr_p = defop("qr", _qr_fwd, saves="ans", register=False, vjp=_qr_vjp, jvp=_qr_jvp)


@defcomposite(numpy=np.linalg.qr, module="linalg")
def qr(a, mode="reduced"):
    """QR decomposition ``(Q, R)`` as NumPy's (``mode='r'``: ``R`` only),
    batched over leading axes.  Differentiable for ``mode='reduced'``,
    ``'r'``, and ``'complete'`` when ``a`` has no more rows than columns; the
    derivative needs the leading square block of ``R`` to be invertible (the
    first ``min(m, n)`` columns of ``a`` independent).  ``mode='raw'``
    (LAPACK's Householder form) has no derivative."""
    shp = np.shape(_data(a))
    if len(shp) < 2:
        raise np.linalg.LinAlgError(f"{len(shp)}-dimensional array given. Array must be at "
                                    f"least two-dimensional")
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    if mode == "raw":
        from ..tensor import Tensor
        if isinstance(a, Tensor) and (a.requires_grad or a._tan):
            raise TypeError("linalg.qr: mode='raw' (Householder reflectors) has no "
                            "derivative; use mode='reduced', or apply it to tensor.data")
        return np.linalg.qr(_data(a), mode="raw")
    m, n = shp[-2:]
    p = qr_p(a, mode="reduced" if mode == "r" else mode)
    q, r = _unpack(p, *_qr_shapes(m, n, "reduced" if mode == "r" else mode))
    if mode == "r":
        return r
    return QRResult(q, r)


# ---- pinv, lstsq ---------------------------------------------------------------------------
def _pinv(a, rcond=None, rtol=None, hermitian=False):
    kw = {} if rtol is None else {"rtol": rtol}
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian, **kw)


def _pinv_jvp(t, ans, a, rcond=None, rtol=None, hermitian=False):
    # d pinv = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P   (constant rank)
    p = ans
    m, n = a.shape[-2:]
    th = mH(t)
    res = -matmul(p, matmul(t, p))
    res = res + matmul(matmul(p, mH(p)), th - matmul(matmul(th, a), p))
    res = res + matmul(th - matmul(matmul(p, a), th), matmul(mH(p), p))
    return res


def _pinv_vjp(g, ans, a, rcond=None, rtol=None, hermitian=False):
    # the adjoint of _pinv_jvp, conjugated in and out (JAX's convention)
    p = ans
    g = _conj(g)
    pt = mH(p)
    gt = mH(g)
    res = -matmul(pt, matmul(g, pt))
    res = res + matmul(gt - matmul(matmul(a, p), gt), matmul(p, pt))     # (I - A P) G^H P P^H
    res = res + matmul(matmul(pt, p), gt - matmul(gt, matmul(p, a)))     # P^H P G^H (I - P A)
    return _conj(res)


pinv_p = defop("pinv", _pinv, saves=True, register=False, vjp=_pinv_vjp, jvp=_pinv_jvp)


@defcomposite(numpy=np.linalg.pinv, module="linalg")
def pinv(a, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """The Moore-Penrose pseudo-inverse, as NumPy's (batched).  Its derivative
    (Golub and Pereyra) holds where the rank is locally constant: singular
    values near the cutoff make it large or undefined.  ``hermitian=True``
    reads the lower triangle of ``a`` only."""
    shp = np.shape(_data(a))
    if len(shp) < 2:
        raise np.linalg.LinAlgError(f"{len(shp)}-dimensional array given. Array must be at "
                                    f"least two-dimensional")
    if hermitian:
        _square(a, "pinv")
        a = hermitian_from(a, "L")
    kw = {"hermitian": True} if hermitian else {}
    if rcond is not None:
        kw["rcond"] = rcond
    if rtol is not np._NoValue and rtol is not None:
        kw["rtol"] = rtol
    return pinv_p(a, **kw)


def _lstsq_x(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def _lstsq_pinv(a, rcond):
    m, n = a.shape[-2:]
    if rcond is None:
        rcond = np.finfo(np.dtype(_data(a).dtype)).eps * max(m, n)
    return pinv_p(a, rcond=rcond)


def _cols(v, b):
    return expand_dims(v, -1) if b.ndim == 1 else v


def _uncols(v, b):
    return v[..., 0] if b.ndim == 1 else v


def _lstsq_vjp_a(g, ans, a, b, rcond=None):
    # the adjoint of _lstsq_jvp_a, conjugated in and out (JAX's convention)
    p = _lstsq_pinv(a, rcond)
    x, g, bb = _cols(ans, b), _conj(_cols(g, b)), _cols(b, b)
    r = bb - matmul(a, x)
    pt = mH(p)
    gt = mH(g)
    res = -matmul(matmul(pt, g), mH(x))
    res = res + matmul(matmul(r, gt), matmul(p, pt))
    res = res + matmul(matmul(pt, x), gt - matmul(gt, matmul(p, a)))
    return _conj(res)


def _lstsq_vjp_b(g, ans, a, b, rcond=None):
    p = _lstsq_pinv(a, rcond)
    return _uncols(matmul(mT(p), _cols(g, b)), b)


def _lstsq_jvp_a(t, ans, a, b, rcond=None):
    # d(pinv(a) b) with d pinv from _pinv_jvp
    p = _lstsq_pinv(a, rcond)
    x, bb = _cols(ans, b), _cols(b, b)
    r = bb - matmul(a, x)
    tt = mH(t)
    res = -matmul(p, matmul(t, x))
    res = res + matmul(matmul(p, mH(p)), matmul(tt, r))
    res = res + matmul(tt - matmul(matmul(p, a), tt), matmul(mH(p), x))
    return _uncols(res, b)


def _lstsq_jvp_b(t, ans, a, b, rcond=None):
    p = _lstsq_pinv(a, rcond)
    return _uncols(matmul(p, _cols(t, b)), b)


lstsq_x = defop("lstsq", _lstsq_x, saves=True, register=False,
                vjp=(_lstsq_vjp_a, _lstsq_vjp_b), jvp=(_lstsq_jvp_a, _lstsq_jvp_b))


@defcomposite(numpy=np.linalg.lstsq, module="linalg")
def lstsq(a, b, rcond=None):
    """Least-squares solution ``(x, residuals, rank, s)`` of ``a @ x = b``,
    as NumPy's.  ``x`` is differentiated as ``pinv(a) @ b`` (valid where the
    rank is locally constant); ``residuals`` and ``s`` are differentiable
    too, ``rank`` is an integer."""
    ad, bd = _data(a), _data(b)
    if np.ndim(ad) != 2 or np.ndim(bd) not in (1, 2):
        raise np.linalg.LinAlgError("lstsq: a must be two-dimensional and b one- or "
                                    "two-dimensional")
    m, n = ad.shape
    if bd.shape[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    x = lstsq_x(a, b, rcond=rcond)
    rank = np.linalg.lstsq(ad, bd, rcond=rcond)[2]
    s = svd(a, compute_uv=False)
    if rank == n and m > n:
        r = b - matmul(a, x)
        resid = sum(_real(_conj(r) * r), axis=0)
        if np.ndim(bd) == 1:
            resid = reshape(resid, (1,))
    else:
        resid = np.empty((0,), dtype=np.asarray(_data(x)).real.dtype)
    return x, resid, rank, s
