"""Linear-algebra primitives: matmul, einsum, inv, det, solve.

dot, tensordot, outer, trace and diagonal are composed from these (see
``composite.py``).  Matrix rules act on the last two axes, so batched
operands and batched (co)tangents go through unchanged.
"""
import builtins
import string

import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite
from .shape import reshape, transpose, broadcast_to, expand_dims


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


def _matmul_vjp_a(g, ans, a, b):
    if b.ndim == 1:                      # (..., k, n) @ (n,) or (n,) @ (n,)
        return expand_dims(g, -1) * b
    if a.ndim == 1:                      # (n,) @ (..., n, m)
        return _squeeze_second_last(matmul(expand_dims(g, -2), mT(b)))
    return matmul(g, mT(b))


def _matmul_vjp_b(g, ans, a, b):
    if b.ndim == 1:
        if a.ndim == 1:
            return expand_dims(g, -1) * a
        return _squeeze_last(matmul(mT(a), expand_dims(g, -1)))
    if a.ndim == 1:
        return expand_dims(a, -1) * expand_dims(g, -2)
    return matmul(mT(a), g)


def _matmul_jvp_b(t, ans, a, b):
    if b.ndim == 1:
        return _squeeze_last(matmul(a, expand_dims(t, -1)))
    return matmul(a, t)


matmul = defop("matmul", np.matmul, bcast=True, saves="args",
               numpy=(np.matmul, np.linalg.matmul), method=("__matmul__", "__rmatmul__", "matmul"),
               vjp=(_matmul_vjp_a, _matmul_vjp_b),
               jvp=(lambda t, ans, a, b: matmul(t, b), _matmul_jvp_b))


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
    sizes = {}
    for s, shp in zip(ins, shapes):
        for c, n in zip(s, shp):
            sizes[c] = max(sizes.get(c, 1), n)
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
    """NumPy's einsum (any subscripts, ellipsis included), differentiable in
    every operand."""
    if kw:
        kw.pop("optimize", None)
        if kw:
            raise TypeError(f"einsum: unsupported keyword arguments {sorted(kw)}")
    if not isinstance(subscripts, str):
        raise TypeError("einsum: only the subscripts-string form is supported")
    return einsum_p(subscripts, *operands)


# ---- inverse, determinant, solve -----------------------------------------------------
inv = defop("inv", np.linalg.inv, saves="ans", numpy=np.linalg.inv, module="linalg",
            vjp=lambda g, ans, x: -matmul(mT(ans), matmul(g, mT(ans))),
            jvp=lambda t, ans, x: -matmul(ans, matmul(t, ans)))


def _det_vjp(g, ans, x):
    return expand_dims(expand_dims(g * ans, -1), -1) * mT(inv(x))


def _det_jvp(t, ans, x):
    # d det = det * tr(inv(x) @ dx)
    return ans * einsum("...ij,...ji->...", inv(x), t)


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


def _solve_jvp_a(t, ans, a, b):
    if b.ndim == 1:
        return -_solve_vec(a, _squeeze_last(matmul(t, expand_dims(ans, -1))))
    return -solve(a, matmul(t, ans))


def _solve_vec(a, v):
    """solve(a, v) for vector right-hand sides v (..., n)."""
    return _squeeze_last(solve(a, expand_dims(v, -1)))


def _solve_jvp_b(t, ans, a, b):
    if b.ndim == 1:
        return _solve_vec(a, t)
    return solve(a, t)


solve = defop("solve", _solve, numpy=np.linalg.solve, module="linalg",
              vjp=(_solve_vjp_a, _solve_vjp_b), jvp=(_solve_jvp_a, _solve_jvp_b))
