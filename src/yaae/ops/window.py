"""Sliding windows: the primitives convolution and pooling are built on
(``windows``/``unwindows`` here; ``im2col``/``col2im``, ``conv_gemm`` and
``window_max`` with its ``window_take``/``window_put`` below).

``windows(x, kernel, stride, dilation)`` views the trailing ``len(kernel)``
axes of ``x`` as sliding windows: shape ``(..., *out_spatial, *kernel)``,
a strided view (im2col without a copy).  ``unwindows`` is its transpose
(col2im): it scatter-adds windows back into an array of the input's shape,
one strided slice per kernel offset (a loop over kernel positions, never over
pixels or batch items).  Each is the other's VJP; both are linear, so each
is its own JVP.  Leading dimensions are untouched, so batched (co)tangents
go through.
"""
import itertools
import math

import numpy as np

from .registry import defop


def out_size(n, k, s, d):
    return (n - d * (k - 1) - 1) // s + 1


def _windows(x, kernel, stride, dilation):
    nd = len(kernel)
    spatial = x.shape[-nd:]
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    for n, e in zip(spatial, eff):
        if n < e:
            raise ValueError(f"windows: kernel of extent {eff} (kernel {kernel}, dilation "
                             f"{dilation}) is larger than the input's spatial shape {spatial}")
    v = np.lib.stride_tricks.sliding_window_view(x, eff, axis=tuple(range(x.ndim - nd, x.ndim)))
    key = (Ellipsis,) + tuple(slice(None, None, s) for s in stride) + tuple(
        slice(None, None, d) for d in dilation)
    return v[key]


def _unwindows(g, shape, kernel, stride, dilation):
    """Sum windows ``g`` (..., *out, *kernel) back into ``(..., *shape)``."""
    nd = len(kernel)
    lead = g.shape[:g.ndim - 2 * nd]
    outs = g.shape[g.ndim - 2 * nd:g.ndim - nd]
    res = np.zeros(tuple(lead) + tuple(shape), dtype=g.dtype)
    for offs in itertools.product(*[range(k) for k in kernel]):
        key = (Ellipsis,) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, d, s, n in zip(offs, dilation, stride, outs))
        res[key] += g[(Ellipsis,) + (slice(None),) * nd + offs]
    return res


# each is the other's transpose (linear ops); private: nn's convolutions and pools use them
windows = defop("windows", _windows, saves=False, register=False,
                linear=lambda g, ans, x, kernel, stride, dilation:
                unwindows(g, tuple(x.shape[x.ndim - len(kernel):]), kernel, stride, dilation))
unwindows = defop("unwindows", _unwindows, saves=False, register=False,
                  linear=lambda g, ans, x, shape, kernel, stride, dilation:
                  windows(g, kernel, stride, dilation))


# --------------------------------------------------------------------------------------
# im2col / col2im for convolutions, with the batch folded into the columns
# --------------------------------------------------------------------------------------
# ``im2col(x, kernel, stride, dilation, pads, groups, channels_last)`` turns
# ``x`` (..., N, C, *spatial) into the column matrix of the zero-padded input
# (K kernel elements, L output positions), so that a convolution is ONE GEMM
# per group with the batch folded into the columns (never a GEMM per sample,
# and the weight's gradient is one GEMM too, no per-sample products summed
# afterwards).  Two layouts, chosen by the caller for long contiguous copies:
#
# * ``channels_last=False``: (..., G, C/G*K, N*L), output positions innermost
#   (for few channels and wide images: the first layer).  Padding is not
#   copied: each kernel offset copies the part of the input its windows see
#   into its contiguous block of the (zeroed) columns.
# * ``channels_last=True``: (..., G, N*L, K*C/G), channels innermost (for
#   many channels or small images: runs of kernel-width x channels when the
#   input is channels-last in memory, as the convolutions' outputs are).  ``col2im`` is
# its transpose (scatter-add, one strided add per kernel offset); both are
# linear, each the other's VJP and their own JVP, and leading (batch) dims go
# through untouched.
def _offset_ranges(n, o, k, s, d, lo):
    """For kernel offset ``k`` along one axis: the output range [a, b) whose
    input index ``i*s + k*d - lo`` falls inside [0, n), and that first index."""
    shift = k * d - lo
    a = min(o, max(0, -(shift // s)))         # ceil(-shift / s), clamped
    last = n - 1 - shift                       # i*s <= last
    b = min(o, last // s + 1) if last >= 0 else 0
    b = max(a, b)
    return a, b, a * s + shift


def _conv_geometry(spatial, kernel, stride, dilation, pads):
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads))


def _im2col_spatial(x, kernel, stride, dilation, pads, groups):
    nd = len(kernel)
    lead = x.shape[:x.ndim - nd - 2]
    N, C = x.shape[x.ndim - nd - 2:x.ndim - nd]
    spatial = x.shape[x.ndim - nd:]
    G = groups
    Cg = C // G
    out = _conv_geometry(spatial, kernel, stride, dilation, pads)
    nl = len(lead)
    rngs = [[_offset_ranges(n, o, k, s, d, lo)
             for n, o, k, s, d, (lo, _) in zip(spatial, out, offs, stride, dilation, pads)]
            for offs in itertools.product(*[range(k) for k in kernel])]
    # zeros where some window reaches into the padding: a fresh zeroed block
    # costs less than zeroing border columns one element wide afterwards
    border = any(a > 0 or b < o for rng in rngs for (a, b, _), o in zip(rng, out))
    cols = (np.zeros if border else np.empty)(
        tuple(lead) + (G, Cg) + tuple(kernel) + (N,) + tuple(out), dtype=x.dtype)
    # x as (..., G, Cg, N, *spatial): a view
    xv = x.reshape(tuple(lead) + (N, G, Cg) + tuple(spatial))
    xv = xv.transpose(tuple(range(nl)) + (nl + 1, nl + 2, nl) + tuple(range(nl + 3, nl + 3 + nd)))
    pre = (slice(None),) * (nl + 2)
    for offs, rng in zip(itertools.product(*[range(k) for k in kernel]), rngs):
        if any(a >= b for a, b, _ in rng):
            continue                           # this offset sees only padding
        dst = cols[pre + offs]                 # (..., G, Cg, N, *out), contiguous
        src = xv[(Ellipsis,) + tuple(slice(st, st + (b - a - 1) * s + 1, s)
                                     for (a, b, st), s in zip(rng, stride))]
        dst[(Ellipsis,) + tuple(slice(a, b) for a, b, _ in rng)] = src
    K, L = math.prod(kernel), math.prod(out)
    return cols.reshape(tuple(lead) + (G, Cg * K, N * L))


def _col2im_spatial(cols, shape, kernel, stride, dilation, pads, groups):
    """Sum the columns ``cols`` (..., G, Cg*K, N*L) back into ``(..., *shape)``,
    ``shape`` = (N, C, *spatial).  The result is laid out channel-major in
    memory ((..., C, N, *spatial), returned as a transposed view), as the
    columns are."""
    nd = len(kernel)
    N, C = shape[0], shape[1]
    spatial = tuple(shape[2:])
    G = groups
    Cg = C // G
    out = _conv_geometry(spatial, kernel, stride, dilation, pads)
    lead = cols.shape[:cols.ndim - 3]
    nl = len(lead)
    cv = cols.reshape(tuple(lead) + (G, Cg) + tuple(kernel) + (N,) + tuple(out))
    res = np.zeros(tuple(lead) + (G, Cg, N) + spatial, dtype=cols.dtype)
    pre = (slice(None),) * (nl + 2)
    for offs in itertools.product(*[range(k) for k in kernel]):
        rng = [_offset_ranges(n, o, k, s, d, lo)
               for n, o, k, s, d, (lo, _) in zip(spatial, out, offs, stride, dilation, pads)]
        if any(a >= b for a, b, _ in rng):
            continue
        src = cv[pre + offs + (slice(None),) + tuple(slice(a, b) for a, b, _ in rng)]
        res[(Ellipsis,) + tuple(slice(st, st + (b - a - 1) * s + 1, s)
                                for (a, b, st), s in zip(rng, stride))] += src
    # (..., G, Cg, N, *spatial) -> (..., N, C, *spatial), a view
    res = res.transpose(tuple(range(nl)) + (nl + 2, nl, nl + 1) + tuple(range(nl + 3, nl + 3 + nd)))
    return res.reshape(tuple(lead) + (N, C) + spatial)


def _channel_view(x, nd, groups):
    """``x`` (..., N, C, *spatial) as (..., G, N, *spatial, Cg): a view."""
    nl = x.ndim - nd - 2
    lead = x.shape[:nl]
    N, C = x.shape[nl:nl + 2]
    xv = x.reshape(tuple(lead) + (N, groups, C // groups) + tuple(x.shape[nl + 2:]))
    return xv.transpose(tuple(range(nl)) + (nl + 1, nl) + tuple(range(nl + 3, nl + 3 + nd))
                        + (nl + 2,))


def _im2col_channels(x, kernel, stride, dilation, pads, groups):
    """The columns channels-innermost: (..., G, N*L, K*Cg), rows ordered
    (kernel offsets, channel).  Zero-pads a copy of the input, then gathers
    every window with one copy (runs of kernel-width x channels when the input
    is channels-last in memory)."""
    nd = len(kernel)
    nl = x.ndim - nd - 2
    lead = tuple(x.shape[:nl])
    N, C = x.shape[nl:nl + 2]
    spatial = x.shape[nl + 2:]
    G = groups
    Cg = C // G
    out = _conv_geometry(spatial, kernel, stride, dilation, pads)
    xv = _channel_view(x, nd, G)                       # (..., G, N, *spatial, Cg)
    # the padded input, just as large as the windows need (hi pads may crop)
    need = tuple((o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out, stride, dilation, kernel))
    xp = np.zeros(lead + (G, N) + need + (Cg,), dtype=x.dtype)
    src, dst = [], []
    for n, (lo, _), m in zip(spatial, pads, need):
        a, b = max(0, -lo), min(n, m - lo)             # input rows inside the padded range
        src.append(slice(a, b))
        dst.append(slice(a + lo, b + lo))
    xp[(Ellipsis,) + tuple(dst) + (slice(None),)] = xv[(Ellipsis,) + tuple(src) + (slice(None),)]
    ax = tuple(range(nl + 2, nl + 2 + nd))
    w = np.lib.stride_tricks.sliding_window_view(xp, tuple(d * (k - 1) + 1 for k, d in
                                                          zip(kernel, dilation)), axis=ax)
    w = w[(Ellipsis,) + tuple(slice(None, None, s) for s in stride) + (slice(None),)
          + tuple(slice(None, None, d) for d in dilation)]
    # (..., G, N, *out, Cg, *kernel) -> (..., G, N, *out, *kernel, Cg)
    w = w.transpose(tuple(range(nl + 2 + nd)) + tuple(range(nl + 3 + nd, nl + 3 + 2 * nd))
                    + (nl + 2 + nd,))
    K, L = math.prod(kernel), math.prod(out)
    return w.reshape(lead + (G, N * L, K * Cg))


def _col2im_channels(cols, shape, kernel, stride, dilation, pads, groups):
    """Transpose of ``_im2col_channels``: the result is channels-last in memory."""
    nd = len(kernel)
    N, C = shape[0], shape[1]
    spatial = tuple(shape[2:])
    G = groups
    Cg = C // G
    out = _conv_geometry(spatial, kernel, stride, dilation, pads)
    nl = cols.ndim - 3
    lead = tuple(cols.shape[:nl])
    cv = cols.reshape(lead + (G, N) + tuple(out) + tuple(kernel) + (Cg,))
    need = tuple((o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out, stride, dilation, kernel))
    full = tuple(max(m, n + lo) for m, n, (lo, _) in zip(need, spatial, pads))
    res = np.zeros(lead + (G, N) + full + (Cg,), dtype=cols.dtype)
    pre = (slice(None),) * (nl + 2)
    for offs in itertools.product(*[range(k) for k in kernel]):
        key = pre + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                          for o, d, s, n in zip(offs, dilation, stride, out))
        res[key] += cv[pre + (slice(None),) * nd + offs]
    res = res[pre + tuple(slice(lo, lo + n) for n, (lo, _) in zip(spatial, pads))]
    # (..., G, N, *spatial, Cg) -> (..., N, G, Cg, *spatial) -> (..., N, C, *spatial)
    res = res.transpose(tuple(range(nl)) + (nl + 1, nl, nl + 2 + nd)
                        + tuple(range(nl + 2, nl + 2 + nd)))
    return res.reshape(lead + (N, C) + spatial)


def _im2col(x, kernel, stride, dilation, pads, groups, channels_last=False):
    return (_im2col_channels if channels_last else _im2col_spatial)(
        x, kernel, stride, dilation, pads, groups)


def _col2im(cols, shape, kernel, stride, dilation, pads, groups, channels_last=False):
    return (_col2im_channels if channels_last else _col2im_spatial)(
        cols, shape, kernel, stride, dilation, pads, groups)


im2col = defop("im2col", _im2col, saves=False, register=False,
               linear=lambda g, ans, x, kernel, stride, dilation, pads, groups,
               channels_last=False:
               col2im(g, tuple(x.shape[x.ndim - len(kernel) - 2:]), kernel, stride, dilation,
                      pads, groups, channels_last))
col2im = defop("col2im", _col2im, saves=False, register=False,
               linear=lambda g, ans, x, shape, kernel, stride, dilation, pads, groups,
               channels_last=False:
               im2col(g, kernel, stride, dilation, pads, groups, channels_last))


# --------------------------------------------------------------------------------------
# max pooling: strided maxima, the gradient routed to one element per window
# --------------------------------------------------------------------------------------
# ``window_max(x, kernel, stride, dilation, out)`` is the maximum over each
# window of the trailing ``len(kernel)`` axes (``out`` windows per axis): one
# ``np.maximum`` per kernel offset over strided views, no gathered copy.  Its
# derivative routes the (co)tangent through one element per window: the first
# maximum in row-major kernel order (the last NaN if the window holds NaNs),
# as PyTorch's max_pool2d does (it does not split ties).  The choice, one
# boolean mask per kernel offset, is computed from the data when a rule needs
# it (a constant for the rules), and the two linear
# primitives ``window_take`` (pick the chosen element of each window: the
# JVP) and ``window_put`` (scatter into the chosen elements: the VJP) are each
# other's transpose, so every order and forward mode follow.
def _offset_key(offs, stride, dilation, out):
    return (Ellipsis,) + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                               for o, d, s, n in zip(offs, dilation, stride, out))


def _window_max(x, kernel, stride, dilation, out):
    views = [x[_offset_key(offs, stride, dilation, out)]
             for offs in itertools.product(*[range(k) for k in kernel])]
    if len(views) == 1:
        return np.array(views[0], order="K")
    y = np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(y, v, out=y)
    return y


def _first_argmax(x, y, kernel, stride, dilation, out):
    """The element of each window PyTorch's max_pool2d picks, as one boolean
    mask per kernel offset (row-major), exclusive: the first maximum, or the
    last NaN when the window holds NaNs (its scan replaces the running max on
    ``v > max or isnan(v)``)."""
    offsets = list(itertools.product(*[range(k) for k in kernel]))
    views = [x[_offset_key(offs, stride, dilation, out)] for offs in offsets]
    nan = None
    if y.dtype.kind in "fc":
        ny = y != y
        if ny.any():
            nan = ny
    if len(views) == 1:
        return (np.ones_like(y, dtype=bool),)
    masks = []
    taken = None
    for v in views[:-1]:
        eq = v == y                            # never at a NaN
        if taken is None:
            taken = eq.copy()
        else:
            eq &= ~taken
            taken |= eq
        masks.append(eq)
    masks.append(~taken)                       # the last offset: where no other was
    if nan is not None:          # PyTorch's scan: each NaN replaces the running max
        seen = np.zeros_like(nan)
        for k in range(len(views) - 1, -1, -1):
            sel = (views[k] != views[k]) & nan & ~seen
            seen |= sel
            masks[k] = (masks[k] & ~nan) | sel
    return tuple(masks)


def _zeros_like_layout(shape, ref, dtype, alloc=np.zeros):
    """Zeros (or ``alloc``) of ``shape`` whose trailing ``ref.ndim`` axes are
    laid out in memory in the order of ``ref``'s (leading axes outermost):
    gradients keep the layout of the values they belong to, so elementwise
    ops on the two do not crawl through mismatched strides."""
    nl = len(shape) - ref.ndim
    order = sorted(range(ref.ndim), key=lambda i: -abs(ref.strides[i]))
    if order == list(range(ref.ndim)):
        return alloc(shape, dtype=dtype)
    perm = list(range(nl)) + [nl + i for i in order]
    res = alloc(tuple(shape[i] for i in perm), dtype=dtype)
    return res.transpose(np.argsort(perm))


def _like_layout(a, ref):
    """``a`` (same shape as ``ref``) in ``ref``'s memory layout: elementwise
    NumPy crawls when its operands' strides disagree, one copy does not."""
    if a.shape != ref.shape or a.ndim < 2 or np.argsort(np.abs(a.strides)).tolist() == \
            np.argsort(np.abs(ref.strides)).tolist():
        return a
    b = np.empty_like(ref, dtype=a.dtype)
    b[...] = a
    return b


def _disjoint(kernel, stride, dilation):
    return all(s > d * (k - 1) for k, s, d in zip(kernel, stride, dilation))


def _tiles(shape, kernel, stride, dilation, out):
    """The windows cover every cell exactly once (2x2 pooling of even sizes)."""
    return all(d == 1 and s == k and o * s == n
               for n, k, s, d, o in zip(shape, kernel, stride, dilation, out))


def _finite(a):
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _window_put(g, sel, shape, kernel, stride, dilation):
    """Scatter ``g`` (..., *out) into the elements ``sel`` picks (zeros elsewhere)."""
    nd = len(kernel)
    out = g.shape[g.ndim - nd:]
    ref = sel[0]
    g = _like_layout(g, ref)
    # g * mask is exact when g is finite (inf * 0 would be NaN): the fast way
    finite = _finite(g)
    disjoint = _disjoint(kernel, stride, dilation)
    full = tuple(g.shape[:g.ndim - nd]) + tuple(shape)
    if finite and _tiles(shape, kernel, stride, dilation, out):
        res = _zeros_like_layout(full, ref, g.dtype, np.empty)   # every cell written below
    else:
        res = _zeros_like_layout(full, ref, g.dtype)
    for m, offs in zip(sel, itertools.product(*[range(k) for k in kernel])):
        view = res[_offset_key(offs, stride, dilation, out)]
        if disjoint and finite:                # each input cell in at most one window
            np.multiply(g, m, out=view)
        elif disjoint:
            np.copyto(view, g, where=m)
        elif finite:
            view += g * m
        else:
            view += np.where(m, g, 0)
    return res


def _window_take(t, sel, kernel, stride, dilation):
    """The elements ``sel`` picks of each window of ``t``."""
    nd = len(kernel)
    ref = sel[0]
    out = ref.shape[ref.ndim - nd:]
    finite = _finite(t)
    res = None
    for m, offs in zip(sel, itertools.product(*[range(k) for k in kernel])):
        v = t[_offset_key(offs, stride, dilation, out)]
        if finite:
            if res is None:
                res = _zeros_like_layout(tuple(t.shape[:t.ndim - nd]) + tuple(out), ref, t.dtype,
                                         np.empty)
                np.multiply(v, m, out=res)
            else:
                res += v * m
        else:
            if res is None:
                res = _zeros_like_layout(tuple(t.shape[:t.ndim - nd]) + tuple(out), ref, t.dtype)
            np.copyto(res, v, where=m)
    return res


window_take = defop("window_take", _window_take, saves=False, register=False,
                    linear=lambda g, ans, t, sel, kernel, stride, dilation:
                    window_put(g, sel, tuple(t.shape[t.ndim - len(kernel):]), kernel, stride,
                               dilation))
window_put = defop("window_put", _window_put, saves=False, register=False,
                   linear=lambda g, ans, x, sel, shape, kernel, stride, dilation:
                   window_take(g, sel, kernel, stride, dilation))


def _max_idx(ans, x, kernel, stride, dilation, out):
    from ..tensor import _data
    return _first_argmax(_data(x), _data(ans), kernel, stride, dilation, out)


window_max = defop("window_max", _window_max, register=False,
                   vjp=lambda g, ans, x, kernel, stride, dilation, out:
                   window_put(g, _max_idx(ans, x, kernel, stride, dilation, out),
                              tuple(x.shape[x.ndim - len(kernel):]), kernel, stride, dilation),
                   jvp=lambda t, ans, x, kernel, stride, dilation, out:
                   window_take(t, _max_idx(ans, x, kernel, stride, dilation, out), kernel,
                               stride, dilation))


# --------------------------------------------------------------------------------------
# the convolution's GEMM with its bias added in place
# --------------------------------------------------------------------------------------
# ``conv_gemm(w, cols, b)`` = ``w @ cols + b`` (``b`` broadcast along the last
# axis): the bias goes into the product's own buffer, not a second
# output-sized array.  Its rules are matmul's (so a broadcast operand's
# gradient is still one GEMM) and the bias's sum over the columns.
def _conv_gemm(w, cols, b):
    y = np.matmul(w, cols)
    if np.result_type(y, b) == y.dtype:
        y += b
        return y
    return y + b


def _conv_gemm_vjp(argnum, g, ans, w, cols, b):
    from .linalg import _matmul_vjp_a, _matmul_vjp_b
    from .reductions import sum as rsum
    if argnum == 0:
        return _matmul_vjp_a(g, ans, w, cols)
    if argnum == 1:
        return _matmul_vjp_b(g, ans, w, cols)
    return rsum(g, axis=-1, keepdims=True)


def _conv_gemm_jvp(argnum, t, ans, w, cols, b):
    from .linalg import matmul
    if argnum == 0:
        return matmul(t, cols)
    if argnum == 1:
        return matmul(w, t)
    return t


conv_gemm = defop("conv_gemm", _conv_gemm, saves="args", bcast=True, register=False,
                  argnum=True, vjp=_conv_gemm_vjp, jvp=_conv_gemm_jvp)
