"""Shape and indexing primitives: reshape, transpose, broadcast_to, take
(``x[idx]``) and its transpose untake (scatter-add), concatenate, pad.

Every other shape operation (squeeze, expand_dims, moveaxis, stack, split,
flip, tile, repeat, ...) is composed from these in ``composite.py``.
"""
import numpy as np

from ..tensor import Tensor, _data
from .registry import defop, defcomposite


def _nb(g, ndim):
    """Number of leading batch dims of a (co)tangent over a value of ``ndim`` dims."""
    return g.ndim - ndim


# ---- reshape / transpose / broadcast_to ---------------------------------------------
def _reshape(x, shape):
    return x.reshape(shape) if isinstance(x, (np.ndarray, np.generic)) else np.reshape(x, shape)


# (the public reshape and transpose, with NumPy's argument forms, are in __init__)
reshape = defop("reshape", _reshape, saves=False, register=False,
                vjp=lambda g, ans, x, shape: reshape(g, tuple(g.shape[:_nb(g, ans.ndim)]) + tuple(x.shape)),
                jvp=lambda t, ans, x, shape: reshape(t, tuple(t.shape[:_nb(t, x.ndim)]) + tuple(ans.shape)))


def _transpose(x, axes=None):
    return x.transpose(axes) if isinstance(x, (np.ndarray, np.generic)) else np.transpose(x, axes)


def _batched_axes(axes, ndim, nb):
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    return tuple(range(nb)) + tuple(nb + (a % ndim) for a in axes)


def _inverse(axes, ndim):
    if axes is None:
        return None
    inv = [0] * ndim
    for i, a in enumerate(axes):
        inv[a % ndim] = i
    return tuple(inv)


transpose = defop("transpose", _transpose, saves=False, register=False,
                  vjp=lambda g, ans, x, axes=None: transpose(
                      g, _batched_axes(_inverse(axes, x.ndim), x.ndim, _nb(g, ans.ndim))),
                  jvp=lambda t, ans, x, axes=None: transpose(
                      t, _batched_axes(axes, x.ndim, _nb(t, x.ndim))))


def _broadcast_to(x, shape):
    if isinstance(x, (np.ndarray, np.generic)):
        n = 1
        for s in shape:
            n *= s
        if n <= 4096:
            # small: filling a fresh array beats np.broadcast_to's Python
            # wrapper; large results stay zero-copy views
            out = np.empty(shape, dtype=x.dtype)
            out[...] = x
            return out
    return np.broadcast_to(x, shape)


def _broadcast_to_jvp(t, ans, x, shape):
    nb = _nb(t, x.ndim)
    if nb and ans.ndim > x.ndim:   # keep the batch dims in front of the new ones
        t = reshape(t, tuple(t.shape[:nb]) + (1,) * (ans.ndim - x.ndim) + tuple(x.shape))
    return broadcast_to(t, tuple(t.shape[:nb]) + tuple(ans.shape))


# the engine sums the gradient back to x's shape: the VJP is the identity
broadcast_to = defop("broadcast_to", _broadcast_to, saves=False, numpy=np.broadcast_to,
                     method=True, vjp=lambda g, ans, x, shape: g, jvp=_broadcast_to_jvp)


@defcomposite(numpy=np.expand_dims, method=("expand_dims", ))
def expand_dims(x, axis):
    """NumPy's expand_dims, as a reshape."""
    shape = list(np.shape(_data(x)))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(shape) + len(axes)
    norm = sorted(a + nd if a < 0 else a for a in axes)
    if len(set(norm)) != len(norm) or any(not 0 <= a < nd for a in norm):
        raise np.exceptions.AxisError(f"expand_dims: axis {axis} is out of bounds for the "
                                      f"result of dimension {nd}")
    for a in norm:
        shape.insert(a, 1)
    return reshape(x, tuple(shape))


# ---- indexing -------------------------------------------------------------------------
class Index:
    """A normalised index for ``x[idx]`` (Tensors unwrapped, lists made
    arrays), plus what batching needs to know: how many leading dimensions
    its advanced part produces when NumPy moves them to the front
    (``front``: advanced indices that are not adjacent).  Boolean masks stay
    masks in ``idx``, so NumPy checks their shape against the indexed array
    (an IndexError when they do not match, never a silent wrong result); the
    layout is worked out on their integer form (``np.nonzero``)."""
    __slots__ = ("idx", "front", "nadv", "scatter")

    def __init__(self, idx):
        if not isinstance(idx, tuple):
            idx = (idx,)
        items = []
        expanded = []          # the masks as integer arrays: NumPy's own layout rules
        for it in idx:
            if isinstance(it, Tensor):
                it = it.data
            if isinstance(it, list):
                it = np.asarray(it)
            if isinstance(it, np.ndarray) and it.dtype == np.bool_ and it.ndim > 0:
                items.append(it)
                expanded.extend(np.nonzero(it))
                continue
            if isinstance(it, np.ndarray) and it.dtype.kind not in "iu":
                if it.size == 0:
                    it = it.astype(np.intp)
                else:
                    raise IndexError(f"getitem: index arrays must be integer or boolean, "
                                     f"got dtype {it.dtype}")
            items.append(it)
            expanded.append(it)
        self.idx = tuple(items)
        adv = [i for i, it in enumerate(expanded)
               if isinstance(it, np.ndarray) or (
                   isinstance(it, (int, np.integer)) and any(
                       isinstance(o, np.ndarray) for o in expanded))]
        arrays = [it for it in expanded if isinstance(it, np.ndarray)]
        self.front = bool(arrays) and (adv[-1] - adv[0] + 1 != len(adv))
        # dims the advanced part produces: needed only to batch a separated one
        self.nadv = len(np.broadcast_shapes(*[a.shape for a in arrays])) if self.front else 0
        # repeated positions must accumulate (np.add.at); otherwise assign
        self.scatter = any(a.size > 1 for a in arrays)

    def prefixed(self, nb):
        return (slice(None),) * nb + self.idx if nb else self.idx

    def __repr__(self):
        return f"Index({self.idx!r})"


def _fix_front(res, index, nb, to_numpy):
    """NumPy puts separated advanced-index dims first, before our batch dims;
    move them between batch and the rest (or back, ``to_numpy``)."""
    if not (nb and index.front):
        return res
    na = index.nadv
    rest = list(range(na + nb, res.ndim))
    if to_numpy:   # batch-first layout -> numpy layout
        perm = list(range(nb, nb + na)) + list(range(nb)) + rest
    else:
        perm = list(range(na, na + nb)) + list(range(na)) + rest
    return np.transpose(res, perm)


def _take(x, index, nb=0):
    return _fix_front(x[index.prefixed(nb)], index, nb, False)


def _untake(g, index, shape, nb=0):
    g = np.asarray(g)
    out = np.zeros(tuple(g.shape[:nb]) + tuple(shape), dtype=g.dtype)
    key = index.prefixed(nb)
    g = _fix_front(g, index, nb, True)
    if index.scatter:
        np.add.at(out, key, g)
    else:
        out[key] = g
    return out


take = defop("getitem", _take, saves=False, register=False,
             vjp=lambda g, ans, x, index, nb=0: untake(
                 g, index, tuple(x.shape[nb:]), nb + _nb(g, ans.ndim)),
             jvp=lambda t, ans, x, index, nb=0: take(t, index, nb + _nb(t, x.ndim)))
untake = defop("untake", _untake, saves=False, register=False,
               vjp=lambda g, ans, x, index, shape, nb=0: take(g, index, nb + _nb(g, ans.ndim)),
               jvp=lambda t, ans, x, index, shape, nb=0: untake(t, index, shape, nb + _nb(t, x.ndim)))


@defcomposite(method="__getitem__")
def getitem(x, idx):
    """``x[idx]`` with NumPy's basic and advanced indexing."""
    return take(x, Index(idx))


# ---- concatenate / pad ---------------------------------------------------------------------
# The concatenation of N arrays is one node with N parents, and the engine
# calls its rule once per parent, so each call must be O(1): the cumulative
# offsets along the axis are computed once, at forward time, and saved with
# the node as the keyword ``offsets`` (kept by ``concatenate_p``).
def _concatenate(*xs, axis=0, offsets=None):
    return np.concatenate(xs, axis=axis)


def _offsets(xs, axis):
    """``(0, n0, n0+n1, ...)``: where each input starts along ``axis``; None
    when the inputs do not line up (the forward then raises NumPy's error)."""
    try:
        offs = [0]
        total = 0
        for a in xs:
            total += np.shape(_data(a))[axis]
            offs.append(total)
        return tuple(offs)
    except (IndexError, TypeError):
        return None


def _block(i, xs, axis, offsets):
    """The slice of the concatenation that came from ``xs[i]``, and the axis
    (negative, so that leading batch dims of a (co)tangent fit)."""
    nd = np.ndim(_data(xs[i]))
    ax = axis % nd - nd
    if offsets is None:      # (only if called without concatenate_p)
        offsets = _offsets(xs, ax)
    return (Ellipsis, slice(offsets[i], offsets[i + 1])) + (slice(None),) * (-ax - 1), ax


def _concat_vjp(i, g, ans, *xs, axis=0, offsets=None):
    key, _ = _block(i, xs, axis, offsets)
    if type(g) is np.ndarray:        # a plain sweep: the view directly
        return g[key]
    return take(g, Index(key))


def _concat_jvp(i, t, ans, *xs, axis=0, offsets=None):
    key, ax = _block(i, xs, axis, offsets)
    k = key[1]
    widths = [(0, 0)] * t.ndim
    widths[ax] = (k.start, ans.shape[ax] - k.stop)
    return pad(t, tuple(widths))


_concat = defop("concatenate", _concatenate, saves=False, register=False,
                vjp=_concat_vjp, jvp=_concat_jvp, argnum=True)


# A node with N parents costs the engine O(N) per parent (each rule call
# passes the N arguments), so wide concatenations are built as a tree of
# nodes of at most _FANIN inputs: linear in N, for every mode and order.
_FANIN = 128


def concatenate_p(*xs, axis=0):
    """The concatenation primitive: ``np.concatenate(xs, axis)`` (``axis``
    an int), with its offsets recorded for the rules."""
    n = len(xs)
    if n > _FANIN and _aligned(xs, axis):
        size = -(-n // -(-n // _FANIN))      # balanced groups of at most _FANIN
        return concatenate_p(*[concatenate_p(*xs[j:j + size], axis=axis)
                               for j in range(0, n, size)], axis=axis)
    return _concat(*xs, axis=axis, offsets=_offsets(xs, axis))


def _aligned(xs, axis):
    """Do the inputs concatenate (same ndim, same shape off ``axis``)?  If
    not, the error is raised by one node that names all of them."""
    shapes = {np.shape(_data(a)) for a in xs}
    nds = {len(s) for s in shapes}
    if len(nds) != 1:
        return False
    nd = nds.pop()
    if not -nd <= axis < nd:
        return False
    ax = axis % nd
    return len({s[:ax] + s[ax + 1:] for s in shapes}) == 1


def _pad(x, pad_width, constant_values=0):
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _pad_width(x, pad_width):
    return np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (np.ndim(x), 2))


def _unpad_key(pw, nd_total):
    pw = np.asarray(pw)
    key = [slice(None)] * (nd_total - len(pw))
    for lo, hi in pw:
        key.append(slice(int(lo), -int(hi) if hi else None))
    return tuple(key)


pad_p = defop("pad", _pad, saves=False, register=False,
              vjp=lambda g, ans, x, pad_width, constant_values=0:
              take(g, Index(_unpad_key(pad_width, g.ndim))),
              jvp=lambda t, ans, x, pad_width, constant_values=0:
              pad_p(t, ((0, 0),) * _nb(t, x.ndim) + tuple(map(tuple, np.asarray(pad_width))), 0))


@defcomposite(numpy=np.pad)
def pad(x, pad_width, mode="constant", constant_values=0):
    """NumPy's pad, constant mode."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got {mode!r}")
    if np.ndim(_data(x)) == 0:
        return x    # NumPy: nothing to pad on a 0-d array
    pw = tuple(map(tuple, _pad_width(_data(x), pad_width)))
    return pad_p(x, pw, constant_values)
