"""The linear-algebra family (``ya.linalg`` and ``matmul``/``einsum``):
matmul, einsum, inv, det, solve, slogdet, matrix_power, multi_dot,
tensorsolve, tensorinv and the norms (norm, vector_norm, matrix_norm) here;
the decompositions (cholesky, eigh, eigvalsh, eig, eigvals, svd, svdvals,
qr, pinv, lstsq) in ``decomp.py``.

dot, tensordot, outer, trace and diagonal are composed from these (see
``composite.py``).  Matrix rules act on the last two axes, so batched
operands and batched (co)tangents go through unchanged.  Complex inputs
follow JAX's convention (the VJP is the transpose of the JVP, with no
conjugation of the cotangent): holomorphic rules use plain transposes.
"""
import builtins
import string

import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite
from .shape import reshape, transpose, broadcast_to, expand_dims
from .reductions import sum as rsum
from .elementwise import quietly


def mT(x):
    """Swap the last two axes."""
    if type(x) is np.ndarray:        # a plain sweep: a view, no dispatch
        return x.swapaxes(-1, -2)
    nd = x.ndim
    axes = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    return transpose(x, axes)


def _squeeze_last(x):
    return reshape(x, tuple(x.shape[:-1]))


def _squeeze_second_last(x):
    return reshape(x, tuple(x.shape[:-2]) + tuple(x.shape[-1:]))


# Identity matrices that Jacobian sweeps use as seeds (``transforms._eye``):
# read-only, kept alive by that cache; data address -> the array.
KNOWN_EYES = {}


def _is_eye(m):
    """Whether 2-D ``m`` is one of the identity seeds of ``KNOWN_EYES``,
    element for element (same buffer, shape and strides): O(1), no scan."""
    if m.flags.writeable:
        return False
    e = KNOWN_EYES.get(m.__array_interface__["data"][0])
    return (e is not None and m.shape == e.shape and m.strides == e.strides
            and m.dtype == e.dtype)


def _gemm(x, y):
    """``x @ y`` for 2-D arrays; a product with a Jacobian sweep's identity
    seed is the other factor itself, as a read-only view (the sweep's
    functional rules never write into it; ``jacrev``/``jacfwd`` copy a
    read-only result before it leaves them) -- when that factor is finite:
    inf * 0 makes NaN in a GEMM."""
    for e, other in ((x, y), (y, x)):
        # (a finite sum: every entry finite; an overflowing one only skips the shortcut)
        if _is_eye(e) and np.isfinite(np.add.reduce(other, axis=None)):
            rt = np.result_type(x, y)
            if other.dtype != rt:
                return other.astype(rt)
            v = other.view()
            v.flags.writeable = False
            return v
    return np.matmul(x, y)


def _matmul(a, b, **kw):
    """``np.matmul``, with a batched operand against a 2-D one folded into one
    GEMM: NumPy runs one small GEMM (or GEMV) per batch item, several times
    slower when the items are rows or columns (batched tangents and
    cotangents: ``(B, 1, k) @ (k, n)``, ``(m, k) @ (B, k, 1)``).  A Jacobian
    sweep's identity seed as a factor costs nothing (see ``_gemm``)."""
    if not kw and type(a) is np.ndarray and type(b) is np.ndarray and a.size and b.size:
        nda, ndb = a.ndim, b.ndim
        if ndb == 2:
            if nda == 2:
                if KNOWN_EYES:
                    return _gemm(a, b)
            elif nda > 2 and a.shape[-1] == b.shape[0] and (a.shape[-2] == 1 or a.flags.c_contiguous):
                s = a.shape
                return _gemm(a.reshape(a.size // s[-1], s[-1]), b).reshape(s[:-1] + b.shape[1:])
        elif nda == 2 and ndb > 2 and b.shape[-1] == 1 and a.shape[1] == b.shape[-2]:
            s = b.shape
            out = _gemm(b.reshape(b.size // s[-2], s[-2]), a.T)
            return out.reshape(s[:-2] + (a.shape[0], 1))
    return np.matmul(a, b, **kw)


def _contracted(g, a, b, which):
    """The gradient of the ``which`` (0: a, 1: b) operand of ``a @ b`` (both at
    least 2-D) when that operand was broadcast over batch dims of the other:
    those dims are contracted inside ONE product (folded into the GEMM's inner
    dimension) instead of materialising a product per batch item and summing
    them afterwards.  Returns None when nothing was broadcast.  ``g`` may carry
    extra leading (vmap) dims.  Written with differentiable ops."""
    x = a if which == 0 else b
    S = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    s = len(S)
    xb = (1,) * (s - x.ndim + 2) + tuple(x.shape[:-2])
    C = [i for i in range(s) if xb[i] == 1 and S[i] != 1]
    if not C:
        return None
    Kp = [i for i in range(s) if xb[i] != 1 or S[i] == 1]
    nb = g.ndim - 2 - s
    lead = tuple(range(nb))
    P = 1
    for i in C:
        P *= S[i]
    y = b if which == 0 else a                 # the other operand: full size on C
    yb = (1,) * (s - y.ndim + 2) + tuple(y.shape[:-2])
    if y.ndim - 2 != s:
        y = reshape(y, yb + tuple(y.shape[-2:]))

    def perm(t, axes):
        axes = tuple(axes)
        return t if axes == tuple(range(len(axes))) else transpose(t, axes)

    gK = tuple(nb + i for i in Kp)
    gC = tuple(nb + i for i in C)
    M, N = nb + s, nb + s + 1
    if which == 0:
        # dA = sum_C g_c @ b_c^T: (..., M, P*N) @ (..., P*N, Kd)
        g2 = reshape(perm(g, lead + gK + (M,) + gC + (N,)),
                     tuple(g.shape[:nb]) + tuple(S[i] for i in Kp) + (g.shape[M], P * g.shape[N]))
        y2 = reshape(perm(y, tuple(Kp) + (s,) + tuple(C) + (s + 1,)),
                     tuple(yb[i] for i in Kp) + (y.shape[s], P * y.shape[s + 1]))
        r = matmul(g2, mT(y2))
    else:
        # dB = sum_C a_c^T @ g_c: (..., Kd, P*M) @ (..., P*M, N)
        g2 = reshape(perm(g, lead + gK + gC + (M, N)),
                     tuple(g.shape[:nb]) + tuple(S[i] for i in Kp) + (P * g.shape[M], g.shape[N]))
        y2 = reshape(perm(y, tuple(Kp) + tuple(C) + (s, s + 1)),
                     tuple(yb[i] for i in Kp) + (P * y.shape[s], y.shape[s + 1]))
        r = matmul(mT(y2), g2)
    return reshape(r, tuple(g.shape[:nb]) + tuple(x.shape))


def _matmul_vjp_a(g, ans, a, b):
    if b.ndim == 1:                      # (..., k, n) @ (n,) or (n,) @ (n,)
        return expand_dims(g, -1) * b
    if a.ndim == 1:                      # (n,) @ (..., n, m)
        return _squeeze_second_last(matmul(expand_dims(g, -2), mT(b)))
    r = _contracted(g, a, b, 0) if a.ndim < b.ndim or 1 in a.shape[:-2] else None
    return matmul(g, mT(b)) if r is None else r


def _matmul_vjp_b(g, ans, a, b):
    if b.ndim == 1:
        if a.ndim == 1:
            return expand_dims(g, -1) * a
        if a.ndim == 2 and g.ndim > 1:  # batched cotangents: one GEMM, not a stack of GEMVs
            return matmul(g, a)
        return _squeeze_last(matmul(mT(a), expand_dims(g, -1)))
    if a.ndim == 1:
        return expand_dims(a, -1) * expand_dims(g, -2)
    r = _contracted(g, a, b, 1) if b.ndim < a.ndim or 1 in b.shape[:-2] else None
    return matmul(mT(a), g) if r is None else r


def _matmul_jvp_a(t, ans, a, b):
    if a.ndim == 1 and b.ndim >= 2:     # (n,) @ (..., n, m): a row, so batch dims line up
        return _squeeze_second_last(matmul(expand_dims(t, -2), b))
    return matmul(t, b)


def _matmul_jvp_b(t, ans, a, b):
    if b.ndim == 1:
        if a.ndim == 2 and t.ndim > 1:  # batched tangents: one GEMM, not a stack of GEMVs
            return matmul(t, mT(a))
        return _squeeze_last(matmul(a, expand_dims(t, -1)))
    return matmul(a, t)


matmul = defop("matmul", _matmul, bcast=True, saves="args",
               numpy=(np.matmul, np.linalg.matmul), method=("__matmul__", "__rmatmul__", "matmul"),
               vjp=(_matmul_vjp_a, _matmul_vjp_b),
               jvp=(_matmul_jvp_a, _matmul_jvp_b))


# ---- einsum ------------------------------------------------------------------------------
_LETTERS = string.ascii_letters


def parse_einsum(subscripts, shapes):
    """Explicit subscripts with ellipses spelled out: (list of input strs, output str)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts name {len(ins)} operands but "
                         f"{len(shapes)} were given")
    used = set(c for c in subscripts if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for s, shp in zip(ins, shapes):
        if "..." in s:
            ell_nd = max(ell_nd, len(shp) - (len(s) - 3))
    ell = "".join(free[:ell_nd])
    ins = [s.replace("...", ell[len(ell) - (len(shp) - (len(s) - 3)):] if len(shp) - (len(s) - 3) else "")
           if "..." in s else s for s, shp in zip(ins, shapes)]
    if out is None:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return ins, out, free[ell_nd:]


def _label_sizes(ins, shapes):
    """Each label's size after broadcasting (a size-1 label broadcasts, also
    against a zero-size one)."""
    sizes = {}
    for s, shp in zip(ins, shapes):
        for c, n in zip(s, shp):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
    return sizes


def _sublist(sub):
    """An operand-list subscript ([0, 1, Ellipsis]) as letters, NumPy's way
    (0-25: A-Z, 26-51: a-z)."""
    out = ""
    for c in sub:
        if c is Ellipsis:
            out += "..."
            continue
        c = int(c)
        if not 0 <= c < 52:
            raise ValueError(f"einsum: subscript {c} is not within the valid range [0, 52)")
        out += chr(ord("A") + c) if c < 26 else chr(ord("a") + c - 26)
    return out


def _einsum(subscripts, *ops):
    # NumPy's optimizer routes contractions to BLAS, but its planning costs
    # tens of microseconds: worth it for three operands or large ones
    big = len(ops) > 2 or builtins.sum(np.size(o) for o in ops) > 4096
    return np.einsum(subscripts, *ops, optimize=big)


def _einsum_vjp(i, g, ans, subscripts, *ops):
    if i == 0:
        raise TypeError("einsum: the subscripts string is not differentiable")
    k = i - 1
    shapes = [np.shape(_data(o)) for o in ops]
    ins, out, free = parse_einsum(subscripts, shapes)
    nb = g.ndim - len(out)
    bl = "".join(free[:nb])
    free = free[nb:]
    target = ins[k]
    others = [s for j, s in enumerate(ins) if j != k]
    avail = set(bl + out + "".join(others))
    uniq = "".join(dict.fromkeys(target))
    want = "".join(c for c in uniq if c in avail)
    sub = ",".join([bl + out] + others) + "->" + bl + want
    res = einsum(sub, g, *[o for j, o in enumerate(ops) if j != k])
    sizes = _label_sizes(ins, shapes)
    full = tuple(g.shape[:nb]) + tuple(sizes[c] for c in want)
    if tuple(res.shape) != full:   # a label of size 1 in the other operands broadcast
        res = broadcast_to(res, full)
    if want != uniq:     # letters summed only within this operand: broadcast back
        cur = want
        for c in uniq:
            if c not in cur:
                res = expand_dims(res, -1)
                cur += c
        res = broadcast_to(res, tuple(g.shape[:nb]) + tuple(sizes[c] for c in cur))
        perm = tuple(range(nb)) + tuple(nb + cur.index(c) for c in uniq)
        res = transpose(res, perm)
    if uniq != target:   # repeated letters: put the gradient on the diagonal
        spelled = list(uniq)
        eyes = []
        final = ""
        seen = set()
        for c in target:
            if c in seen:
                d = free.pop(0)
                eyes.append((c + d, np.eye(sizes[c], dtype=_data(ans).dtype)))
                final += d
            else:
                seen.add(c)
                final += c
        sub = ",".join([bl + "".join(spelled)] + [e[0] for e in eyes]) + "->" + bl + final
        res = einsum(sub, res, *[e[1] for e in eyes])
    return res


def _einsum_jvp(i, t, ans, subscripts, *ops):
    k = i - 1
    shapes = [np.shape(_data(o)) for o in ops]
    ins, out, free = parse_einsum(subscripts, shapes)
    nb = t.ndim - len(shapes[k])
    bl = "".join(free[:nb])
    subs = [bl + s if j == k else s for j, s in enumerate(ins)]
    sub = ",".join(subs) + "->" + bl + out
    return einsum(sub, *[t if j == k else o for j, o in enumerate(ops)])


einsum_p = defop("einsum", _einsum, saves="args", register=False,
                 vjp=_einsum_vjp, jvp=_einsum_jvp, argnum=True)


@defcomposite(numpy=np.einsum)
def einsum(subscripts, *operands, **kw):
    """NumPy's einsum (any subscripts, ellipsis included; also the
    operand-list form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``),
    differentiable in every operand."""
    if kw:
        kw.pop("optimize", None)
        if kw:
            raise TypeError(f"einsum: unsupported keyword arguments {sorted(kw)}")
    if not isinstance(subscripts, str):
        # the operand-list form: einsum(a, [0, 1], b, [1, 2], [0, 2])
        args = (subscripts,) + operands
        out = ""
        if len(args) % 2:
            out = "->" + _sublist(args[-1])
            args = args[:-1]
        subs = [_sublist(s) for s in args[1::2]]
        return einsum_p(",".join(subs) + out, *args[0::2])
    return einsum_p(subscripts, *operands)


# ---- inverse, determinant, solve -----------------------------------------------------
inv = defop("inv", np.linalg.inv, saves="ans", numpy=np.linalg.inv, module="linalg",
            vjp=lambda g, ans, x: -matmul(mT(ans), matmul(g, mT(ans))),
            jvp=lambda t, ans, x: -matmul(ans, matmul(t, ans)))


def _adjugate(x, ans):
    """adj(x), the derivative of det: d det = tr(adj(x) dx).  det(x) inv(x) where
    every det is nonzero; through the SVD x = u diag(s) vh where some det is 0 (a
    singular matrix has an adjugate but no inverse): adj(x) = det(u) det(vh) vh^H
    diag(prod_{j != i} s_j) u^H."""
    if not np.any(_data(ans) == 0):
        return expand_dims(expand_dims(ans, -1), -1) * inv(x)
    from .decomp import svd
    from .elementwise import where
    from .reductions import prod
    u, s, vh = svd(x)
    n = s.shape[-1]
    others = prod(where(np.eye(n, dtype=bool), 1.0, expand_dims(s, -2)), axis=-1)
    phase = np.linalg.det(_data(u)) * np.linalg.det(_data(vh))   # |.| = 1: no derivative
    uh, v = mT(u), mT(vh)
    if np.iscomplexobj(_data(x)):
        from .complex import conjugate
        uh, v = conjugate(uh), conjugate(v)
    return phase[..., None, None] * matmul(v, expand_dims(others, -1) * uh)


def _det_vjp(g, ans, x):
    return expand_dims(expand_dims(g, -1), -1) * mT(_adjugate(x, ans))


def _det_jvp(t, ans, x):
    # d det = tr(adj(x) @ dx)
    return einsum("...ij,...ji->...", _adjugate(x, ans), t)


det = defop("det", np.linalg.det, numpy=np.linalg.det, module="linalg",
            vjp=_det_vjp, jvp=_det_jvp)


def _solve(a, b):
    return np.linalg.solve(a, b)


def _solve_vjp_b(g, ans, a, b):
    if b.ndim == 1:
        return _solve_vec(mT(a), g)
    return solve(mT(a), g)


def _solve_vjp_a(g, ans, a, b):
    gb = _solve_vjp_b(g, ans, a, b)
    if b.ndim == 1:
        return -expand_dims(gb, -1) * expand_dims(ans, -2)
    return -matmul(gb, mT(ans))


def _align_batch(t, core, a, b):
    """A tangent ``t`` of an argument with ``core`` dimensions of its own,
    plus leading (Jacobian) batch dimensions: ones inserted after those, up
    to the output's batch rank, so they never broadcast against the
    matrices' own batch dimensions."""
    nb = t.ndim - core
    own = core - (1 if core == 1 else 2)
    out = builtins.max(a.ndim - 2, 0 if b.ndim == 1 else b.ndim - 2)
    if nb <= 0 or own >= out:
        return t
    return reshape(t, tuple(t.shape[:nb]) + (1,) * (out - own) + tuple(t.shape[nb:]))


def _solve_jvp_a(t, ans, a, b):
    t = _align_batch(t, a.ndim, a, b)
    if b.ndim == 1:
        return -_solve_vec(a, _squeeze_last(matmul(t, expand_dims(ans, -1))))
    return -solve(a, matmul(t, ans))


def _solve_vec(a, v):
    """solve(a, v) for vector right-hand sides v (..., n)."""
    return _squeeze_last(solve(a, expand_dims(v, -1)))


def _solve_jvp_b(t, ans, a, b):
    t = _align_batch(t, b.ndim, a, b)
    if b.ndim == 1:
        return _solve_vec(a, t)
    return solve(a, t)


solve = defop("solve", _solve, numpy=np.linalg.solve, module="linalg",
              vjp=(_solve_vjp_a, _solve_vjp_b), jvp=(_solve_jvp_a, _solve_jvp_b))


# ---- helpers shared by the matrix rules (they act on the last two axes) ---------------
def _conj(x):
    """Complex conjugate (the identity on real arrays)."""
    if np.dtype(_data(x).dtype).kind != "c":
        return x
    from .complex import conjugate   # the complex family
    return conjugate(x)


def _real(x):
    if np.dtype(_data(x).dtype).kind != "c":
        return x
    from .complex import real
    return real(x)


def mH(x):
    """Conjugate transpose of the last two axes."""
    return _conj(mT(x))


def eye_like(n, x):
    return np.eye(n, dtype=np.dtype(_data(x).dtype))


def diag_embed(v):
    """(..., n) -> (..., n, n) with ``v`` on the diagonal."""
    n = v.shape[-1]
    return expand_dims(v, -1) * eye_like(n, v)


def diag_part(m):
    """(..., n, n) -> (..., n): the diagonal."""
    from .shape import take, Index
    n = m.shape[-1]
    r = np.arange(n)
    if type(m) is np.ndarray:
        return m[..., r, r]
    return take(m, Index((Ellipsis, r, r)))


def tril_(x, k=0):
    n, m = x.shape[-2], x.shape[-1]
    return x * np.tri(n, m, k, dtype=np.dtype(_data(x).dtype))


def triu_(x, k=0):
    n, m = x.shape[-2], x.shape[-1]
    return x * (1 - np.tri(n, m, k - 1, dtype=np.dtype(_data(x).dtype)))


def solve_right(x, a):
    """x @ inv(a), by a solve."""
    return mT(solve(mT(a), mT(x)))


def _square(x, who=""):
    shp = np.shape(_data(x))
    if len(shp) < 2:
        raise np.linalg.LinAlgError(f"{len(shp)}-dimensional array given. Array must be at "
                                    f"least two-dimensional")
    if shp[-1] != shp[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")


def hermitian_from(a, uplo="L"):
    """The Hermitian matrix that NumPy's ``eigh``/``cholesky``/... read from
    ``a``: its ``uplo`` triangle mirrored.  Differentiating through it gives
    the exact derivative of those functions, which never read the other
    triangle (the gradient lies in the ``uplo`` triangle)."""
    uplo = str(uplo).upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    part = tril_(a, -1) if uplo == "L" else triu_(a, 1)
    d = a * eye_like(a.shape[-1], a)
    if np.dtype(_data(a).dtype).kind == "c":
        d = _real(d) + 0j
    return part + mH(part) + d


# ---- slogdet, matrix_power, multi_dot, tensorsolve, tensorinv ----------------------------
def _logabsdet(a):
    return np.linalg.slogdet(a)[1]


# log|det a|: d = Re tr(inv(a) da); for a real cotangent g the VJP is g inv(a)^T
logabsdet = defop("logabsdet", _logabsdet, saves="args", register=False,
                  vjp=lambda g, ans, x: expand_dims(expand_dims(g, -1), -1) * mT(inv(x)),
                  jvp=lambda t, ans, x: _real(einsum("...ij,...ji->...", inv(x), t)))


def _sign(a):
    return np.linalg.slogdet(a)[0]


_I = np.complex128(1j)    # (a NumPy scalar: Python's 1j times np.float64 gives a Python complex)


def _sign_jvp(t, ans, x):
    # sign = det / |det|: d sign = sign * i Im tr(inv(a) da)
    from .complex import imag
    return ans * (_I * imag(einsum("...ij,...ji->...", inv(x), t)))


def _sign_vjp(g, ans, x):
    # the transpose: Re(g sign i Im(T)) = Re(i Im(g sign) T), T = tr(inv(a) da)
    from .complex import imag
    c = _I * imag(g * ans)
    return expand_dims(expand_dims(c, -1), -1) * mT(inv(x))


# the sign of the determinant of a complex matrix (a real one's is piecewise
# constant, and ``slogdet`` returns it as data)
slogdet_sign = defop("slogdet_sign", _sign, saves=True, register=False,
                     vjp=_sign_vjp, jvp=_sign_jvp)


try:
    from numpy.linalg._linalg import (SlogdetResult, EighResult, EigResult, SVDResult,
                                      QRResult)
except ImportError:  # pragma: no cover - NumPy's own result types when available
    from collections import namedtuple
    SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
    EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
    EigResult = namedtuple("EigResult", "eigenvalues eigenvectors")
    SVDResult = namedtuple("SVDResult", "U S Vh")
    QRResult = namedtuple("QRResult", "Q R")


@defcomposite(numpy=np.linalg.slogdet, module="linalg")
def slogdet(a):
    """``(sign, logabsdet)`` as NumPy's.  ``logabsdet`` is differentiable
    (its gradient is ``inv(a).T``); for real ``a`` the sign is piecewise
    constant (no derivative), for complex ``a`` it is ``det / |det|``."""
    _square(a, "slogdet")
    d = _data(a)
    if np.dtype(d.dtype).kind == "c":
        return SlogdetResult(slogdet_sign(a), logabsdet(a))
    return SlogdetResult(np.linalg.slogdet(d)[0], logabsdet(a))


@defcomposite(numpy=np.linalg.matrix_power, module="linalg")
def matrix_power(a, n):
    """``a`` raised to the integer power ``n`` by repeated squaring (as NumPy),
    ``n < 0`` through ``inv``."""
    _square(a, "matrix_power")
    try:
        n = operator_index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    d = _data(a)
    if n == 0:
        return np.broadcast_to(np.eye(d.shape[-1], dtype=d.dtype), d.shape).copy()
    if n < 0:
        a = inv(a)
        n = -n
    if n == 1:
        return a * 1
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


def operator_index(n):
    import operator
    return operator.index(n)


def _chain_order(shapes):
    """NumPy's optimal multiplication order (``multi_dot``): the split table."""
    n = len(shapes)
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    m = np.zeros((n, n), dtype=np.double)
    s = np.empty((n, n), dtype=np.intp)
    for ln in range(1, n):
        for i in range(n - ln):
            j = i + ln
            m[i, j] = np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j] = q
                    s[i, j] = k
    return s


def _chain(arrays, s, i, j):
    if i == j:
        return arrays[i]
    return matmul(_chain(arrays, s, i, s[i, j]), _chain(arrays, s, s[i, j] + 1, j))


@defcomposite(numpy=np.linalg.multi_dot, module="linalg", seq=(0,))
def multi_dot(arrays, *, out=None):
    """The product of the matrices in ``arrays`` in the cheapest order (as
    NumPy; the first and last may be vectors)."""
    if out is not None:
        raise TypeError("linalg.multi_dot: out= cannot be recorded; drop it")
    arrays = list(arrays)
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return dot_(arrays[0], arrays[1])
    nd0, ndl = np.ndim(_data(arrays[0])), np.ndim(_data(arrays[-1]))
    if nd0 == 1:
        arrays[0] = reshape(arrays[0], (1, -1))
    if ndl == 1:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for a in arrays:
        if np.ndim(_data(a)) != 2:
            raise np.linalg.LinAlgError(f"{np.ndim(_data(a))}-dimensional array given. "
                                        f"Array must be two-dimensional")
    if n == 3:
        (a0, a1), (b0, b1), c1 = np.shape(_data(arrays[0])), np.shape(_data(arrays[1])), \
            np.shape(_data(arrays[2]))[1]
        if a0 * a1 * b1 + a0 * b1 * c1 < a1 * b0 * b1 + a0 * a1 * c1:
            res = matmul(matmul(arrays[0], arrays[1]), arrays[2])
        else:
            res = matmul(arrays[0], matmul(arrays[1], arrays[2]))
    else:
        s = _chain_order([np.shape(_data(a)) for a in arrays])
        res = _chain(arrays, s, 0, n - 1)
    if nd0 == 1 and ndl == 1:
        return reshape(res, ())
    if nd0 == 1:
        return reshape(res, (-1,))
    if ndl == 1:
        return reshape(res, (-1,))
    return res


def dot_(a, b):
    from .composite import dot
    return dot(a, b)


@defcomposite(numpy=np.linalg.tensorsolve, module="linalg")
def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=b.ndim) = b`` for ``x`` (as NumPy)."""
    an = np.ndim(_data(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = transpose(a, tuple(allaxes))
    shp = np.shape(_data(a))
    oldshape = shp[-(an - np.ndim(_data(b))):]
    prod = 1
    for k in oldshape:
        prod *= k
    if np.size(_data(a)) != prod ** 2:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement "
                                    "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    a = reshape(a, (prod, prod))
    b = reshape(b, (prod,))
    return reshape(_squeeze_last(solve(a, expand_dims(b, -1))), tuple(oldshape))


@defcomposite(numpy=np.linalg.tensorinv, module="linalg")
def tensorinv(a, ind=2):
    """The inverse of ``a`` with respect to ``tensordot`` over ``ind`` axes."""
    shp = np.shape(_data(a))
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    oldshape = shp
    prod = 1
    for k in oldshape[ind:]:
        prod *= k
    invshape = oldshape[ind:] + oldshape[:ind]
    a = reshape(a, (prod, -1))
    return reshape(inv(a), tuple(invshape))


from .decomp import (eigh, eigvalsh, eig, eigvals, cholesky, svd, svdvals, qr,  # noqa: E402,F401
                     pinv, lstsq, svdvals_p)


# ---- norms ---------------------------------------------------------------------------------
def _abs(x):
    from .elementwise import abs as _abs_p
    return _abs_p(x)


def _sq_abs(x):
    """|x|**2 (real)."""
    if np.dtype(_data(x).dtype).kind == "c":
        return _real(_conj(x) * x)
    return x * x


def sqrt0(s):
    """sqrt(s), s >= 0, with derivative 0 where s == 0 (PyTorch's subgradient
    of a norm at 0) instead of inf * 0 = NaN.  The "double where": the sqrt
    never sees a 0, so its rule (and the rule of that rule) stays finite."""
    from .elementwise import sqrt, where
    z = _data(s) == 0
    if not np.any(z):
        return sqrt(s)
    return where(z, 0.0, sqrt(where(z, 1.0, s)))


def _norm2(x, axis=None, keepdims=False):
    """sqrt(sum |x|^2) over ``axis`` (None: all), computed on x / m with m the
    largest |x| of the slice, a constant (LAPACK's nrm2 scales the same way):
    |x|^2 neither overflows at 1e308 nor underflows at 1e-300, so the value and
    its derivatives (x/N, ...) stay finite and exact wherever the norm is; the
    derivative is 0 where the norm is 0 (``sqrt0``)."""
    d = _data(x)
    rt = np.finfo(d.dtype).dtype          # the real dtype (of a complex x too)
    if np.size(d) == 0:
        return sqrt0(rsum(_sq_abs(x), axis=axis, keepdims=keepdims))
    m = np.max(np.abs(d), axis=axis, keepdims=True)
    m = np.where(np.isfinite(m) & (m > 0), m, 1).astype(rt)
    s = rsum(_sq_abs(x / m), axis=axis, keepdims=keepdims)
    return sqrt0(s) * (m if keepdims else np.reshape(m, np.shape(_data(s))))


def _pnorm(x, p, axis, keepdims):
    """(sum |x|^p)^(1/p) over ``axis`` (p finite, not 0), with PyTorch's
    derivatives at zeros: the zero entries get 0 (for p < 1 too, where |x|^p
    has an infinite slope there); a slice whose norm is 0 gets 0 (for p < 0,
    any slice with a zero: its norm is 0)."""
    from .elementwise import where
    a = _abs(x)
    nz = _data(a) != 0
    full = bool(np.all(nz))
    safe = a if full else where(nz, a, 1.0)
    if p > 0:
        terms = safe ** p if full else where(nz, safe ** p, 0.0)
        s = rsum(terms, axis=axis, keepdims=keepdims)
        z = _data(s) == 0
        if not np.any(z):
            return s ** (1.0 / p)
        return where(z, 0.0, where(z, 1.0, s) ** (1.0 / p))
    ret = rsum(safe ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)
    if full:
        return ret
    return where(~np.all(nz, axis=axis, keepdims=keepdims), 0.0, ret)


def _svd_norm(x, row, col, reduce):
    from .composite import moveaxis
    s = svdvals_p(moveaxis(x, (row, col), (-2, -1)))
    return reduce(s, axis=-1)


@defcomposite(numpy=np.linalg.norm, module="linalg", method=True)
@quietly
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector and matrix norms, as NumPy's ``linalg.norm``: every ``ord``
    (vectors: None, 2, 1, inf, -inf, 0, any p; matrices: None, 'fro', 'nuc',
    1, -1, 2, -2, inf, -inf).  The matrix 2-norm (-2: smallest) and the
    nuclear norm go through the singular values: the 2-norms are
    differentiable where the extreme singular value is simple, the nuclear
    norm where ``x`` has full rank; the max/min norms where the extreme is
    unique.  Where a norm is 0 its derivative is PyTorch's subgradient, 0
    (every vector ``ord``, 'fro'; the singular-value norms give U V^T as
    PyTorch), never NaN; like PyTorch's, it runs silently at inf/NaN."""
    from .reductions import max as _max, min as _min
    from .composite import ravel
    d = _data(x)
    if not isinstance(d, np.ndarray):
        x = d = np.asarray(d)
    if d.dtype.kind not in "fc":
        x = d = d.astype(np.float64)     # integers: no derivative to keep
    nd = np.ndim(d)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            ret = _norm2(ravel(x))
            if keepdims:
                ret = reshape(ret, (1,) * nd)
            return ret
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = int(axis)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
        axis = (axis,)
    if len(axis) == 1:
        if nd == 0 or not -nd <= axis[0] < nd:
            raise np.exceptions.AxisError(f"axis {axis[0]} is out of bounds for array of "
                                          f"dimension {nd}")
        if ord == np.inf:
            return _max(_abs(x), axis=axis, keepdims=keepdims)
        if ord == -np.inf:
            return _min(_abs(x), axis=axis, keepdims=keepdims)
        if ord == 0:
            return np.asarray(np.sum(d != 0, axis=axis, keepdims=keepdims)).astype(
                np.asarray(d).real.dtype)
        if ord == 1:
            return rsum(_abs(x), axis=axis, keepdims=keepdims)
        if ord is None or ord == 2:
            return _norm2(x, axis=axis, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        return _pnorm(x, ord, axis, keepdims)
    if len(axis) == 2:
        row, col = axis
        for ax in axis:
            if not -nd <= ax < nd:
                raise np.exceptions.AxisError(f"axis {ax} is out of bounds for array of "
                                              f"dimension {nd}")
        row, col = row % nd, col % nd
        if row == col:
            raise ValueError("Duplicate axes given.")
        if ord == 2:
            ret = _svd_norm(x, row, col, _max)
        elif ord == -2:
            ret = _svd_norm(x, row, col, _min)
        elif ord == 1:
            if col > row:
                col -= 1
            ret = _max(rsum(_abs(x), axis=row), axis=col)
        elif ord == np.inf:
            if row > col:
                row -= 1
            ret = _max(rsum(_abs(x), axis=col), axis=row)
        elif ord == -1:
            if col > row:
                col -= 1
            ret = _min(rsum(_abs(x), axis=row), axis=col)
        elif ord == -np.inf:
            if row > col:
                row -= 1
            ret = _min(rsum(_abs(x), axis=col), axis=row)
        elif ord in (None, "fro", "f"):
            ret = _norm2(x, axis=axis)
        elif ord == "nuc":
            ret = _svd_norm(x, row, col, rsum)
        else:
            raise ValueError("Invalid norm order for matrices.")
        if keepdims:
            shp = list(np.shape(d))
            shp[axis[0]] = 1
            shp[axis[1]] = 1
            ret = reshape(ret, tuple(shp))
        return ret
    raise ValueError("Improper number of dimensions to norm.")


@defcomposite(numpy=np.linalg.vector_norm, module="linalg")
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """NumPy's ``linalg.vector_norm`` (the array API's): the norm of ``x``
    as a vector over ``axis`` (None: all of it; a tuple: those axes)."""
    from .composite import ravel
    d = _data(x)
    shape = list(np.shape(d))
    nd = len(shape)
    if axis is None:
        x = ravel(x)
        _axis = 0
    elif isinstance(axis, tuple):
        norm_ax = _norm_axes(axis, nd)
        rest = tuple(i for i in range(nd) if i not in norm_ax)
        x = transpose(x, tuple(norm_ax) + rest)
        x = reshape(x, (int(np.prod([shape[i] for i in norm_ax], dtype=int)),)
                    + tuple(shape[i] for i in rest))
        _axis = 0
    else:
        _axis = axis
    res = norm(x, axis=_axis, ord=ord)
    if keepdims:
        axes = _norm_axes(tuple(range(nd)) if axis is None else
                          (axis if isinstance(axis, tuple) else (axis,)), nd)
        for i in axes:
            shape[i] = 1
        res = reshape(res, tuple(shape))
    return res


def _norm_axes(axis, nd):
    out = []
    for a in axis:
        a = int(a)
        if not -nd <= a < nd:
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of dimension {nd}")
        a %= nd
        if a in out:
            raise ValueError("repeated axis")
        out.append(a)
    return tuple(out)


@defcomposite(numpy=np.linalg.matrix_norm, module="linalg")
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """NumPy's ``linalg.matrix_norm``: the matrix norm over the last two axes."""
    return norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)
