"""``ya.scipy.linalg``: SciPy's ``scipy.linalg`` functions, differentiable in
reverse and forward mode to any order.

SciPy does the numerics: each function below is either a private primitive
whose forward pass is the SciPy function and whose rules are written with
yaae's differentiable ops (so the rules differentiate again), or a
composition of those primitives and of ``ya.linalg``.

- ``solve_triangular``, ``solve_banded``, ``cho_solve``, ``lu_solve``: one
  banded-solve primitive (a triangular matrix is a band); its rules solve
  with the transposed band.
- ``expm``, ``logm``: Fréchet derivatives by the block-triangular identity
  ``f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]``, which calls the
  primitive itself (so it differentiates again); the VJP is
  ``L_f(A^T, G)``.
- ``sqrtm``: ``X dS + dS X = dA``, solved with ``solve_sylvester``.
- ``lu_factor``: the packed LU factor is differentiable (its rule is the
  derivative of ``P L U = A``), so ``lu_solve(lu_factor(a), b)`` has
  gradients with respect to ``a`` and ``b``.

Complex inputs follow JAX's convention (the VJP is the transpose of the JVP,
with no conjugation of the cotangent).  Every public function is declared in
the op registry as a composite (``defcomposite(module="scipy.linalg")``), so
the sample table ``tests/opinfo`` checks each one.  Importing this module imports SciPy;
``import yaae`` never does.
"""
import numpy as np
import scipy.linalg as _sl

from ..tensor import _data
from ..ops.registry import defop as _defop, defcomposite as _defcomposite
from ..ops import decomp as _decomp
from ..ops.linalg import (matmul as _matmul, mT as _mT, mH as _mH, tril_ as _tril_, triu_ as _triu_,
                          eye_like as _eye_like, hermitian_from as _hermitian_from,
                          inv as _inv, det as _det)
from ..ops.shape import (concatenate_p as _concatenate_p, reshape as _reshape, pad as _pad,
                         expand_dims as _expand_dims)

__all__ = ["solve_triangular", "solve_banded", "cholesky", "cho_factor", "cho_solve",
           "lu_factor", "lu_solve", "expm", "sqrtm", "logm", "solve_sylvester",
           "solve_continuous_lyapunov", "block_diag", "eigh", "det", "inv"]


def _check_finite(check, *xs):
    if check:
        for x in xs:
            if not np.all(np.isfinite(_data(x))):
                raise ValueError("array must not contain infs or NaNs")


def _dtype(x):
    return np.dtype(_data(x).dtype)


def _n(x):
    return np.shape(_data(x))[-1]


def _square(a, who):
    shp = np.shape(_data(a))
    if len(shp) < 2 or shp[-1] != shp[-2]:
        raise ValueError(f"{who}: expected a square matrix (or a stack of them), got "
                         f"shape {shp}")


# ---- banded (and triangular) solves -----------------------------------------------------
def _band(x, l, u):
    """``x`` with everything outside its band (``l`` sub-, ``u`` superdiagonals) zeroed."""
    n = x.shape[-1]
    return x * (np.tri(n, n, u) - np.tri(n, n, -l - 1)).astype(_dtype(x))


def _to_ab(a, l, u):
    """Dense (..., n, n) to LAPACK band storage (..., l + u + 1, n)."""
    n = a.shape[-1]
    ab = np.zeros(a.shape[:-2] + (l + u + 1, n), dtype=a.dtype)
    for k in range(-u, l + 1):             # k = i - j: the diagonal a[j + k, j]
        d = np.diagonal(a, offset=-k, axis1=-2, axis2=-1)
        if k >= 0:
            ab[..., u + k, :n - k] = d
        else:
            ab[..., u + k, -k:] = d
    return ab


def _bsolve(a, b, l, u):
    if u == 0 or l == 0:
        return _sl.solve_triangular(a, b, lower=(u == 0), check_finite=False)
    return _sl.solve_banded((l, u), _to_ab(a, l, u), b, check_finite=False)


def _bsolve_vjp_b(g, ans, a, b, l, u):
    return _bsolve_p(_mT(a), g, l=u, u=l)


def _bsolve_vjp_a(g, ans, a, b, l, u):
    return -_band(_matmul(_bsolve_vjp_b(g, ans, a, b, l, u), _mT(ans)), l, u)


# x = A^-1 b for A (..., n, n) read in its band only, b (..., n, k)
_bsolve_p = _defop("scipy.linalg.band_solve", _bsolve, saves=True, register=False, bcast=True,
                 vjp=(_bsolve_vjp_a, _bsolve_vjp_b),
                 jvp=(lambda t, ans, a, b, l, u: -_bsolve_p(a, _matmul(_band(t, l, u), ans),
                                                          l=l, u=u),
                      lambda t, ans, a, b, l, u: _bsolve_p(a, t, l=l, u=u)))


def _band_solve(a, b, l, u):
    """``_bsolve_p`` for a vector or matrix ``b`` (a vector against a stack of
    matrices gives a stack of vectors, as SciPy's)."""
    col, vec = _columns(b)
    x = _bsolve_p(a, col, l=l, u=u)
    return _reshape(x, x.shape[:-1]) if vec else x


def _columns(b):
    """``(b as a matrix, was it a vector)``: a 1-D ``b`` as one column."""
    if np.ndim(_data(b)) == 1:
        return _expand_dims(b, -1), True
    return b, False


_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}


@_defcomposite(module="scipy.linalg")
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve ``a x = b`` for triangular ``a``, as SciPy's: ``trans`` 0/'N'
    (``a x = b``), 1/'T' (``a^T x = b``) or 2/'C' (``a^H x = b``); only the
    ``lower`` (default: upper) triangle of ``a`` is read, and with
    ``unit_diagonal=True`` its diagonal is taken to be ones.  ``b`` is
    ``(n,)`` or ``(n, k)``, with batch dimensions as SciPy allows.
    Differentiable in ``a`` (the gradient lies in the triangle read) and
    ``b``.  ``overwrite_b`` is accepted and ignored.

    >>> a = ya.tensor([[2.0, 0.0], [1.0, 4.0]], requires_grad=True)
    >>> x = ya.scipy.linalg.solve_triangular(a, np.array([2.0, 5.0]), lower=True)
    >>> x.sum().backward()
    """
    try:
        t = _TRANS[trans]
    except (KeyError, TypeError):
        raise ValueError(f"solve_triangular: invalid trans {trans!r}: use 0, 1, 2, "
                         f"'N', 'T' or 'C'") from None
    _check_finite(check_finite, a, b)
    _square(a, "solve_triangular")
    n = _n(a)
    if unit_diagonal:
        a = (_tril_(a, -1) if lower else _triu_(a, 1)) + _eye_like(n, a)
    if t:
        a, lower = (_mT(a) if t == 1 else _mH(a)), not lower
    return _band_solve(a, b, n - 1 if lower else 0, 0 if lower else n - 1)


@_defcomposite(module="scipy.linalg")
def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` for a banded ``a`` given in LAPACK band storage, as
    SciPy's: ``ab[u + i - j, j] == a[i, j]`` for the ``l`` sub- and ``u``
    superdiagonals.  Differentiable in ``ab`` (entries of ``ab`` outside
    the matrix get a zero gradient: SciPy never reads them) and ``b``.

    >>> ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])
    >>> ya.scipy.linalg.solve_banded((1, 1), ya.tensor(ab), np.ones(3))
    tensor([0.21428571, 0.14285714, 0.21428571], dtype=float64)
    """
    l, u = (int(v) for v in l_and_u)
    _check_finite(check_finite, ab, b)
    shp = np.shape(_data(ab))
    if len(shp) < 2 or shp[-2] != l + u + 1:
        raise ValueError(f"solve_banded: invalid values for the number of lower and upper "
                         f"diagonals: l+u+1 ({l + u + 1}) does not equal ab.shape[-2] "
                         f"({shp[-2] if len(shp) > 1 else None})")
    n = shp[-1]
    i, j = np.indices((n, n))
    inside = (i - j <= l) & (j - i <= u)
    a = ab[..., np.where(inside, u + i - j, 0), j]
    from ..ops import where
    a = where(inside, a, np.zeros((), _dtype(ab)))
    return _band_solve(a, b, min(l, n - 1), min(u, n - 1))


# ---- Cholesky --------------------------------------------------------------------------
@_defcomposite(module="scipy.linalg")
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of a Hermitian positive-definite ``a``, as SciPy's:
    upper (``a = U^H U``) by default, lower with ``lower=True``.  Only that
    triangle of ``a`` is read, so the gradient lies in it.

    >>> ya.scipy.linalg.cholesky(ya.tensor([[4.0, 2.0], [2.0, 3.0]]))
    tensor([[2.        , 1.        ],
            [0.        , 1.41421356]], dtype=float64)
    """
    _check_finite(check_finite, a)
    return _decomp.cholesky(a, upper=not lower)


@_defcomposite(module="scipy.linalg")
def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)`` for ``cho_solve``, as SciPy's: ``c`` holds the Cholesky
    factor in its ``lower`` (default: upper) triangle and, like SciPy's, the
    entries of ``a`` in the other (``cho_solve`` never reads them).
    Differentiable, so gradients flow from ``cho_solve`` to ``a``.

    >>> c = ya.scipy.linalg.cho_factor(ya.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> ya.scipy.linalg.cho_solve(c, np.ones(2))
    tensor([0.125, 0.25 ], dtype=float64)
    """
    f = cholesky(a, lower=lower, check_finite=check_finite)
    return f + (_triu_(a, 1) if lower else _tril_(a, -1)), bool(lower)


@_defcomposite(module="scipy.linalg")
def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` given ``cho_factor(a)`` (two triangular solves),
    as SciPy's; differentiable in the factor and ``b``.

    >>> c = ya.scipy.linalg.cho_factor(ya.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> ya.scipy.linalg.cho_solve(c, np.ones(2))
    tensor([0.125, 0.25 ], dtype=float64)
    """
    c, lower = c_and_lower
    _check_finite(check_finite, c, b)
    b, vec = _columns(b)
    if lower:     # L L^H x = b
        y = solve_triangular(c, b, lower=True, check_finite=False)
        x = solve_triangular(c, y, trans=2, lower=True, check_finite=False)
    else:         # U^H U x = b
        y = solve_triangular(c, b, trans=2, lower=False, check_finite=False)
        x = solve_triangular(c, y, lower=False, check_finite=False)
    return _reshape(x, x.shape[:-1]) if vec else x


# ---- LU --------------------------------------------------------------------------------
def _perm_t(piv):
    """The permutation matrix ``P^T`` of LAPACK row interchanges ``piv``
    (``a = P L U``), batched like ``piv``."""
    piv = np.asarray(piv)
    n = piv.shape[-1]
    flat = piv.reshape(-1, n)
    out = np.zeros((flat.shape[0], n, n))
    for k, p in enumerate(flat):
        perm = np.arange(n)
        for i, j in enumerate(p):
            perm[i], perm[j] = perm[j], perm[i]
        out[k, np.arange(n), perm] = 1.0
    return out.reshape(piv.shape[:-1] + (n, n))


def _lu_parts(lu):
    n = lu.shape[-1]
    return _tril_(lu, -1) + _eye_like(n, lu), _triu_(lu)


def _right_solve(x, m, l, u):
    """``x @ inv(m)`` for ``m`` banded (``l``, ``u``)."""
    return _mT(_bsolve_p(_mT(m), _mT(x), l=u, u=l))


def _lu_singular(lu):
    """The derivative of the factors is written with U^-1: refuse a singular U by
    name (not as an inner solve's error)."""
    d = np.diagonal(np.asarray(_data(lu)), axis1=-2, axis2=-1)
    if np.any(d == 0):
        raise np.linalg.LinAlgError(
            f"ya.scipy.linalg.lu_factor: no derivative at a singular matrix (a: shape "
            f"{np.shape(d)[:-1] + (d.shape[-1],) * 2}, dtype {d.dtype}; U has a zero on its "
            f"diagonal): the derivative of the LU factors is computed with U^-1 (JAX's is "
            f"nan there). Differentiate at a nonsingular matrix, or, for a least-squares "
            f"solution, use ya.linalg.lstsq or ya.linalg.pinv")


def _lu_jvp(t, ans, a, lu, piv):
    # P L U = A: X = L^-1 P^T dA U^-1, dL = L tril(X, -1), dU = triu(X) U
    _lu_singular(lu)
    n = a.shape[-1]
    el, up = _lu_parts(ans)
    x = _right_solve(_bsolve_p(el, _matmul(_perm_t(piv), t), l=n - 1, u=0), up, 0, n - 1)
    return _matmul(el, _tril_(x, -1)) + _matmul(_triu_(x), up)


def _lu_vjp(g, ans, a, lu, piv):
    # the transpose of _lu_jvp
    _lu_singular(lu)
    n = a.shape[-1]
    el, up = _lu_parts(ans)
    m = _tril_(_matmul(_mT(el), _tril_(g, -1)), -1) + _triu_(_matmul(_triu_(g), _mT(up)))
    z = _bsolve_p(_mT(el), _right_solve(m, _mT(up), n - 1, 0), l=0, u=n - 1)
    return _matmul(_mT(_perm_t(piv)), z)


# the packed LU factor of ``a``; SciPy's (lu, piv), computed once, come in as keywords
_lu_p = _defop("scipy.linalg.lu_factor", lambda a, lu, piv: lu, saves=True, register=False,
             vjp=_lu_vjp, jvp=_lu_jvp)


@_defcomposite(module="scipy.linalg")
def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``, the LU factorisation ``a = P L U`` with partial
    pivoting, as SciPy's (square ``a``, batched).  ``lu`` is differentiable
    (the derivative of the factors of ``P L U = a``; the pivots are
    integers), so ``lu_solve(lu_factor(a), b)`` differentiates with respect
    to ``a`` and ``b``.  The derivative needs ``a`` nonsingular.

    >>> lu, piv = ya.scipy.linalg.lu_factor(ya.tensor([[1.0, 2.0], [3.0, 4.0]]))
    """
    _check_finite(check_finite, a)
    _square(a, "lu_factor")
    lu, piv = _sl.lu_factor(np.asarray(_data(a)), check_finite=False)
    return _lu_p(a, lu=lu, piv=piv), piv


@_defcomposite(module="scipy.linalg")
def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` (``trans`` 0), ``a^T x = b`` (1) or ``a^H x = b``
    (2) given ``lu_factor(a)``, as SciPy's: triangular solves with the
    factor, differentiable in ``lu`` (and through it in ``a``) and ``b``.

    >>> f = ya.scipy.linalg.lu_factor(ya.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> ya.scipy.linalg.lu_solve(f, np.ones(2))
    tensor([-1.,  1.], dtype=float64)
    """
    lu, piv = lu_and_piv
    if trans not in _TRANS:
        raise ValueError(f"lu_solve: invalid trans {trans!r}: use 0, 1 or 2")
    t = _TRANS[trans]
    _check_finite(check_finite, lu, b)
    pt = _perm_t(piv)
    b, vec = _columns(b)
    if t == 0:
        y = solve_triangular(lu, _matmul(pt, b), lower=True, unit_diagonal=True,
                             check_finite=False)
        x = solve_triangular(lu, y, check_finite=False)
    else:
        y = solve_triangular(lu, b, trans=t, check_finite=False)
        z = solve_triangular(lu, y, trans=t, lower=True, unit_diagonal=True,
                             check_finite=False)
        x = _matmul(_mT(pt), z)
    return _reshape(x, x.shape[:-1]) if vec else x


# ---- matrix functions ------------------------------------------------------------------
def _block_frechet(f, a, e):
    """``L_f(a, e)``: the upper right block of ``f([[a, e], [0, a]])``."""
    n = a.shape[-1]
    zero = np.zeros(tuple(a.shape), dtype=np.result_type(_dtype(a), _dtype(e)))
    m = _concatenate_p(_concatenate_p(a, e, axis=-1), _concatenate_p(zero, a, axis=-1), axis=-2)
    return f(m)[..., :n, n:]


def _block_rules(name, fwd):
    p = _defop(name, fwd, saves="args", register=False, batchable=False,
              vjp=lambda g, ans, a: _block_frechet(p, _mT(a), g),
              jvp=lambda t, ans, a: _block_frechet(p, a, t))
    return p


_expm_p = _block_rules("scipy.linalg.expm", _sl.expm)
_logm_p = _block_rules("scipy.linalg.logm", _sl.logm)


@_defcomposite(module="scipy.linalg")
def expm(A):
    """The matrix exponential, as SciPy's (batched over leading axes).  Its
    derivative is the Fréchet derivative ``expm([[A, E], [0, A]])[:n, n:]``,
    itself differentiable.

    >>> ya.scipy.linalg.expm(ya.tensor([[0.0, 1.0], [-1.0, 0.0]]))
    tensor([[ 0.54030231,  0.84147098],
            [-0.84147098,  0.54030231]], dtype=float64)
    """
    _square(A, "expm")
    return _expm_p(A)


@_defcomposite(module="scipy.linalg")
def logm(A, disp=True):
    """The principal matrix logarithm, as SciPy's (complex when ``A`` has
    negative real eigenvalues).  Differentiable where ``A`` has no
    eigenvalue on the closed negative real axis, by the block-triangular
    Fréchet identity.  Unlike SciPy (whose ``disp`` is deprecated) ``disp``
    is ignored: the result alone is returned.

    >>> ya.scipy.linalg.logm(ya.tensor([[2.0, 1.0], [0.0, 3.0]]))
    tensor([[0.69314718, 0.40546511],
            [0.        , 1.09861229]], dtype=float64)
    """
    _square(A, "logm")
    return _logm_p(A)


def _sylvester_q(g, ans, a, b, q):
    return _sylvester_p(_mT(a), _mT(b), g)


# X with a X + X b = q
_sylvester_p = _defop(
    "scipy.linalg.solve_sylvester", _sl.solve_sylvester, saves=True, register=False,
    bcast=True,
    vjp=(lambda g, ans, a, b, q: -_matmul(_sylvester_q(g, ans, a, b, q), _mT(ans)),
         lambda g, ans, a, b, q: -_matmul(_mT(ans), _sylvester_q(g, ans, a, b, q)),
         _sylvester_q),
    jvp=(lambda t, ans, a, b, q: _sylvester_p(a, b, -_matmul(t, ans)),
         lambda t, ans, a, b, q: _sylvester_p(a, b, -_matmul(ans, t)),
         lambda t, ans, a, b, q: _sylvester_p(a, b, t)))


@_defcomposite(module="scipy.linalg")
def solve_sylvester(a, b, q):
    """``X`` with ``a X + X b = q``, as SciPy's; differentiable in ``a``,
    ``b`` and ``q`` (each derivative is another Sylvester solve).  Needs
    ``a`` and ``-b`` to have no eigenvalue in common.

    >>> ya.scipy.linalg.solve_sylvester(np.eye(2) * 2, np.eye(2), ya.tensor(np.ones((2, 2))))
    tensor([[0.33333333, 0.33333333],
            [0.33333333, 0.33333333]], dtype=float64)
    """
    return _sylvester_p(a, b, q)


@_defcomposite(module="scipy.linalg")
def solve_continuous_lyapunov(a, q):
    """``X`` with ``a X + X a^H = q``, as SciPy's (a Sylvester equation);
    differentiable in ``a`` and ``q``.

    >>> ya.scipy.linalg.solve_continuous_lyapunov(-np.eye(2), ya.tensor(np.eye(2)))
    tensor([[-0.5,  0. ],
            [ 0. , -0.5]], dtype=float64)
    """
    return _sylvester_p(a, _mH(a), q)


_sqrtm_p = _defop("scipy.linalg.sqrtm", _sl.sqrtm, saves="ans", register=False,
                vjp=lambda g, ans, a: _sylvester_p(_mT(ans), _mT(ans), g),
                jvp=lambda t, ans, a: _sylvester_p(ans, ans, t))


@_defcomposite(module="scipy.linalg")
def sqrtm(A, disp=True, blocksize=64):
    """The principal matrix square root, as SciPy's (complex when ``A`` has
    negative real eigenvalues).  Its derivative solves ``X dS + dS X = dA``
    (``solve_sylvester``), defined where ``A`` is nonsingular.  Unlike
    SciPy's, ``disp`` and ``blocksize`` are ignored: the root alone is
    returned.

    >>> ya.scipy.linalg.sqrtm(ya.tensor([[4.0, 1.0], [0.0, 9.0]]))
    tensor([[2. , 0.2],
            [0. , 3. ]], dtype=float64)
    """
    _square(A, "sqrtm")
    return _sqrtm_p(A)


# ---- block_diag, eigh, det, inv ----------------------------------------------------------
@_defcomposite(module="scipy.linalg")
def block_diag(*arrs):
    """The block-diagonal matrix of ``arrs``, as SciPy's: scalars and 1-D
    arrays count as ``(1, n)`` blocks, empty blocks take rows or columns
    as their shape says.  Differentiable in every block.

    >>> ya.scipy.linalg.block_diag(ya.tensor([[1.0, 2.0]]), 3.0)
    tensor([[1., 2., 0.],
            [0., 0., 3.]], dtype=float64)
    """
    if not arrs:
        arrs = ([],)
    from ..ops.composite import atleast_2d
    blocks = [atleast_2d(a) if np.ndim(_data(a)) < 2 else a for a in arrs]
    bad = [k for k, a in enumerate(blocks) if np.ndim(_data(a)) > 2]
    if bad:
        raise ValueError(f"arguments in the following positions have dimension greater "
                         f"than 2: {bad}")
    shapes = [np.shape(_data(a)) for a in blocks]
    dtype = np.result_type(*[np.asarray(_data(a)).dtype for a in blocks])
    total = sum(s[1] for s in shapes)
    rows, c = [], 0
    for a, (r, k) in zip(blocks, shapes):
        if not isinstance(_data(a), np.ndarray) or _data(a).dtype != dtype:
            a = a.astype(dtype) if hasattr(a, "astype") else np.asarray(a, dtype)
        rows.append(_pad(a, ((0, 0), (c, total - c - k))))
        c += k
    return rows[0] * 1 if len(rows) == 1 else _concatenate_p(*rows, axis=0)


@_defcomposite(module="scipy.linalg")
def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of the Hermitian ``a`` (its
    ``lower`` triangle, else the upper one, is read), as SciPy's:
    ``w`` with ``eigvals_only=True``, else ``(w, v)``.  With ``b`` (Hermitian
    positive definite) it solves the generalised problem ``a v = w b v``
    (``type=1`` only), eigenvectors normalised so ``v^H b v = I``, through
    the Cholesky factor of ``b``.  ``subset_by_index=(lo, hi)`` and
    ``subset_by_value=(lo, hi)`` select eigenpairs as SciPy's do;
    ``driver`` is ignored.  Derivatives are those of ``ya.linalg.eigh``:
    eigenvectors need distinct eigenvalues, and are defined up to sign; with
    ``eigvals_only=True`` those of ``ya.linalg.eigvalsh`` (repeated eigenvalues
    allowed).

    >>> w, v = ya.scipy.linalg.eigh(ya.tensor([[2.0, 1.0], [1.0, 2.0]]))
    """
    _check_finite(check_finite, a)
    uplo = "L" if lower else "U"
    # eigenvalues only: eigvalsh, whose derivative v diag(g) v^H needs no distinct
    # eigenvalues (through eigh's, 0 * 1/(w_i - w_j) made it nan at a repeated one)
    if b is None:
        w, v = (_decomp.eigvalsh(a, uplo), None) if eigvals_only else _decomp.eigh(a, uplo)
    else:
        if type != 1:
            raise NotImplementedError(f"eigh: only the generalised problem type=1 "
                                      f"(a v = w b v) is differentiable here, got type={type}")
        _check_finite(check_finite, b)
        el = _decomp.cholesky(_hermitian_from(b, uplo))
        n = _n(a)
        y = _bsolve_p(el, _hermitian_from(a, uplo), l=n - 1, u=0)           # L^-1 A
        c = _bsolve_p(el, _mH(y), l=n - 1, u=0)                               # L^-1 A L^-H
        if eigvals_only:
            w, v = _decomp.eigvalsh(c, "L"), None
        else:
            w, v = _decomp.eigh(c, "L")
            v = _bsolve_p(_mH(el), v, l=0, u=n - 1)                          # L^-H v
    if subset_by_index is not None:
        lo, hi = subset_by_index
        w, v = w[..., lo:hi + 1], None if v is None else v[..., lo:hi + 1]
    elif subset_by_value is not None:
        lo, hi = subset_by_value
        if np.ndim(_data(w)) != 1:
            raise NotImplementedError("eigh: subset_by_value selects a different number of "
                                      "eigenvalues per matrix; use it on one matrix at a time")
        keep = np.nonzero((_data(w) > lo) & (_data(w) <= hi))[0]
        w, v = w[keep], None if v is None else v[:, keep]
    return w if eigvals_only else (w, v)


@_defcomposite(module="scipy.linalg")
def det(a, overwrite_a=False, check_finite=True):
    """The determinant, as SciPy's (batched over leading axes);
    differentiable (``det * inv(a).T``, the adjugate where ``a`` is
    singular is not handled: the derivative needs ``a`` invertible).

    >>> ya.scipy.linalg.det(ya.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2., dtype=float64)
    """
    _check_finite(check_finite, a)
    _square(a, "det")
    return _det(a)


@_defcomposite(module="scipy.linalg")
def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """The inverse, as SciPy's (batched); differentiable (``-inv @ dA @ inv``).
    ``assume_a`` other than general ('gen'/None) reads one triangle:
    'sym'/'pos' (``lower`` or upper) and 'her' mirror it, 'upper'/'lower'
    triangular take that triangle only.

    >>> ya.scipy.linalg.inv(ya.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[-2. ,  1. ],
            [ 1.5, -0.5]], dtype=float64)
    """
    _check_finite(check_finite, a)
    _square(a, "inv")
    uplo = "L" if lower else "U"
    if assume_a in ("sym", "symmetric", "pos", "positive definite"):
        t = _tril_(a, -1) if lower else _triu_(a, 1)
        a = t + _mT(t) + a * _eye_like(_n(a), a)
    elif assume_a in ("her", "hermitian"):
        a = _hermitian_from(a, uplo)
    elif assume_a in ("lower triangular", "lower"):
        a = _tril_(a)
    elif assume_a in ("upper triangular", "upper"):
        a = _triu_(a)
    elif assume_a not in (None, "gen", "general"):
        raise ValueError(f"inv: unknown assume_a {assume_a!r}")
    return _inv(a)
