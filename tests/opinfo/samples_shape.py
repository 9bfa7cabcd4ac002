"""Samples for the shape and array functions (``yaae/ops/shape.py``,
``composite.py``'s shape section, ``arrays.py`` and the reshape/transpose/
sort/take_along_axis composites of ``ops/__init__``).

Functions taking a sequence of arrays (concatenate, stack, column_stack,
select, ...) get one ndarray as that sequence: NumPy iterates it along its
first axis, and so does yaae (a Tensor iterates into differentiable slices),
so its pieces are differentiated.  Unless a sample has its own ``check``,
values and dtype are also compared with the NumPy function on the same
arguments (``addn``).
"""
import numpy as np
import torch
import torch.nn.functional as F

import yaae as ya

from . import Sample, add, randn, pos, nonzero, distinct, _rng

F32 = np.float32


def _leaves(o):
    if isinstance(o, (list, tuple)):
        out = []
        for v in o:
            out += _leaves(v)
        return out
    return [o]


def _same(npfn, kw, exact=True):
    def check(out, *args):
        want = _leaves(npfn(*args, **kw))
        got = _leaves(out)
        assert len(want) == len(got), (len(want), len(got))
        for g, w in zip(got, want):
            g = g.data if isinstance(g, ya.Tensor) else np.asarray(g)
            w = np.asarray(w)
            assert g.dtype == w.dtype, (g.dtype, w.dtype)
            assert g.shape == w.shape, (g.shape, w.shape)
            if exact:
                np.testing.assert_array_equal(g, w)
            else:
                np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-15)
    return check


def addn(name, npfn, *samples, exact=True):
    """``add`` with a NumPy value-and-dtype check on every sample that has none."""
    for s in samples:
        if s.check is None:
            s.check = _same(npfn, s.kw, exact)
    add(name, *samples)


def zeros_in(x, frac=0.3):
    x = x.copy()
    x[_rng.uniform(size=x.shape) < frac] = 0.0
    return x


def coords(n, gap=0.3):
    """Strictly increasing, unevenly spaced coordinates."""
    return np.cumsum(_rng.uniform(gap, 3 * gap, n))


def tpad(pw):
    """NumPy pad widths as torch's F.pad list (last axis first)."""
    out = []
    for lo, hi in reversed(pw):
        out += [lo, hi]
    return out


# ---- cumulative sums and products ----------------------------------------------------
addn("cumsum", np.cumsum,
     Sample(randn(3, 4), kw=dict(axis=1), torch=lambda x, axis: torch.cumsum(x, axis),
            order2=True),
     Sample(randn(3, 4), torch=lambda x: torch.cumsum(x.reshape(-1), 0), name="axis=None"),
     Sample(randn(2, 3, 4), kw=dict(axis=-2), torch=lambda x, axis: torch.cumsum(x, axis)),
     Sample(randn(5).astype(F32), diff=(), name="float32"),
     Sample(np.arange(6).reshape(2, 3), kw=dict(axis=0, dtype=F32), diff=(), name="int->f32"),
     Sample(randn(20, 15), kw=dict(axis=0), torch=lambda x, axis: torch.cumsum(x, axis)))
addn("cumprod", np.cumprod,
     Sample(nonzero(3, 4), kw=dict(axis=1), torch=lambda x, axis: torch.cumprod(x, axis),
            order2=True),
     Sample(zeros_in(randn(3, 6), 0.3), kw=dict(axis=1),
            torch=lambda x, axis: torch.cumprod(x, axis), order2=True, name="with-zeros"),
     Sample(np.array([[0.0, 1.5, 0.0, 2.0, -1.0], [1.2, 0.0, 0.7, 0.0, 0.0]]), kw=dict(axis=-1),
            torch=lambda x, axis: torch.cumprod(x, axis), order2=True, name="several-zeros"),
     Sample(nonzero(2, 3), torch=lambda x: torch.cumprod(x.reshape(-1), 0), name="axis=None"),
     Sample(pos(4, 3, low=0.5, high=1.5).astype(F32), kw=dict(axis=0), diff=(), name="float32"),
     Sample(pos(20, 15, low=0.7, high=1.3), kw=dict(axis=1),
            torch=lambda x, axis: torch.cumprod(x, axis)),
     Sample(zeros_in(pos(300, low=0.9, high=1.1), 0.01), kw=dict(axis=0),
            torch=lambda x, axis: torch.cumprod(x, axis), name="big-with-zeros"))

# ---- differences ------------------------------------------------------------------------
addn("diff", np.diff,
     Sample(randn(3, 5), torch=lambda x: torch.diff(x), order2=True),
     Sample(randn(4, 5), kw=dict(n=2, axis=0),
            torch=lambda x, n, axis: torch.diff(x, n=n, dim=axis)),
     Sample(randn(3, 4), 1, -1, randn(3, 1), randn(3, 2), order2=True,
            torch=lambda x, n, axis, p, q: torch.diff(x, n, axis, p, q), name="prepend-append"),
     Sample(randn(5), kw=dict(prepend=0.5, append=np.array([1.0, 2.0]))),
     Sample(randn(4, 3), kw=dict(n=3, axis=0)),
     Sample(randn(5).astype(F32), diff=(), name="float32"),
     Sample(randn(20, 15), kw=dict(axis=0), torch=lambda x, axis: torch.diff(x, dim=axis)))
addn("ediff1d", np.ediff1d,
     Sample(randn(3, 4), order2=True),
     Sample(randn(5), randn(2), randn(3), order2=True, name="to_end-to_begin"),
     Sample(randn(5), kw=dict(to_begin=1.5)),
     Sample(randn(6).astype(F32), diff=(), name="float32"),
     Sample(randn(300)))
_c6, _c7 = coords(6), coords(7)
addn("gradient", np.gradient,
     Sample(randn(6), torch=lambda f: torch.gradient(f)[0], order2=True),
     Sample(randn(4, 5), torch=lambda f: torch.gradient(f), name="2-d"),
     Sample(randn(4, 5), 0.5, kw=dict(axis=1, edge_order=2),
            torch=lambda f, h, axis, edge_order: torch.gradient(
                f, spacing=h, dim=axis, edge_order=edge_order)[0], order2=True),
     Sample(randn(6), _c6, torch=lambda f, c: torch.gradient(f, spacing=(c,))[0],
            order2=True, name="coords"),
     Sample(randn(3, 7), _c7, kw=dict(axis=-1, edge_order=2),
            torch=lambda f, c, axis, edge_order: torch.gradient(
                f, spacing=(c,), dim=axis, edge_order=edge_order)[0], name="coords-edge2"),
     Sample(randn(3, 4), 2.0, 0.5, kw=dict(edge_order=2), name="two-spacings"),
     Sample(randn(5).astype(F32), diff=(), name="float32"),
     Sample(np.arange(6) ** 2, diff=(), name="int"),
     Sample(randn(20, 15), torch=lambda f: torch.gradient(f)))

# ---- products and diagonals --------------------------------------------------------------
addn("kron", np.kron,
     Sample(randn(2, 3), randn(3, 2), torch=torch.kron, order2=True),
     Sample(randn(3), randn(2, 2), torch=torch.kron, name="ndim-differ"),
     Sample(randn(2, 1, 2), randn(2, 3), torch=torch.kron),
     Sample(randn(4), np.asarray(1.5), name="0-d"),
     Sample(randn(16, 17), randn(2, 2), torch=torch.kron))
addn("diag", np.diag,
     Sample(randn(4), torch=torch.diag, order2=True),
     Sample(randn(4), kw=dict(k=1), torch=lambda v, k: torch.diag(v, k)),
     Sample(randn(3), kw=dict(k=-2), torch=lambda v, k: torch.diag(v, k)),
     Sample(randn(4, 5), kw=dict(k=-1), torch=lambda v, k: torch.diag(v, k), order2=True),
     Sample(randn(4, 5), kw=dict(k=2), torch=lambda v, k: torch.diag(v, k)),
     Sample(randn(3).astype(F32), diff=(), name="float32"),
     Sample(randn(20, 15), kw=dict(k=2), torch=lambda v, k: torch.diag(v, k)),
     Sample(randn(300), torch=torch.diag, name="big-1d"))
addn("diagflat", np.diagflat,
     Sample(randn(2, 2), torch=torch.diagflat, order2=True),
     Sample(randn(3), kw=dict(k=-1), torch=lambda v, k: torch.diagflat(v, k)),
     Sample(randn(17, 16), torch=torch.diagflat))
for _name, _np, _t in (("tril", np.tril, torch.tril), ("triu", np.triu, torch.triu)):
    addn(_name, _np,
         Sample(randn(4, 5), torch=_t, order2=True),
         Sample(randn(4, 5), kw=dict(k=1), torch=lambda m, k, _t=_t: _t(m, k)),
         Sample(randn(2, 3, 4), kw=dict(k=-1), torch=lambda m, k, _t=_t: _t(m, k),
                name="batched"),
         Sample(randn(4), name="1-d"),
         Sample(randn(3, 3).astype(F32), diff=(), name="float32"),
         Sample(np.arange(9).reshape(3, 3), diff=(), name="int"),
         Sample(randn(20, 15), kw=dict(k=-3), torch=lambda m, k, _t=_t: _t(m, k)))

# ---- axis moves, rotations, flips, rolls -----------------------------------------------------
addn("rollaxis", np.rollaxis,
     Sample(randn(2, 3, 4), 2, order2=True),
     Sample(randn(2, 3, 4), 0, 3),
     Sample(randn(2, 3, 4), -1, 1),
     Sample(randn(2, 3, 4), 1, -3),
     Sample(randn(4, 5, 15), 2, 1))
addn("rot90", np.rot90,
     Sample(randn(3, 4), torch=torch.rot90, order2=True),
     Sample(randn(2, 3, 4), 2, (1, 2), torch=lambda m, k, axes: torch.rot90(m, k, axes)),
     Sample(randn(2, 3, 4), 3, (2, 0), torch=lambda m, k, axes: torch.rot90(m, k, axes)),
     Sample(randn(3, 4), -1, torch=lambda m, k: torch.rot90(m, k)),
     Sample(randn(3, 4), 4, name="k=4"),
     Sample(randn(20, 15), 1, (1, 0), torch=lambda m, k, axes: torch.rot90(m, k, axes)))
addn("flipud", np.flipud,
     Sample(randn(3, 4), torch=torch.flipud, order2=True),
     Sample(randn(5), torch=torch.flipud),
     Sample(randn(20, 15), torch=torch.flipud))
addn("fliplr", np.fliplr,
     Sample(randn(3, 4), torch=torch.fliplr, order2=True),
     Sample(randn(2, 3, 2), torch=torch.fliplr),
     Sample(randn(20, 15), torch=torch.fliplr))
addn("roll", np.roll,
     Sample(randn(3, 4), 2, torch=lambda x, s: torch.roll(x, s), order2=True),
     Sample(randn(3, 4), -1, 1, torch=lambda x, s, a: torch.roll(x, s, a)),
     Sample(randn(3, 4), (1, 5), (0, 1), torch=lambda x, s, a: torch.roll(x, s, a)),
     Sample(randn(3, 4), (1, 2), (1, 1), name="repeated-axis"),
     Sample(randn(2, 3, 4), kw=dict(shift=-7, axis=-1),
            torch=lambda x, shift, axis: torch.roll(x, shift, axis)),
     Sample(randn(20, 15), 3, 0, torch=lambda x, s, a: torch.roll(x, s, a)))
addn("cross", np.cross,
     Sample(randn(3), randn(3), torch=torch.linalg.cross, order2=True),
     Sample(randn(4, 3), randn(3), torch=lambda a, b: torch.linalg.cross(a, b[None]),
            name="broadcast"),
     Sample(randn(3, 4), randn(3, 4), kw=dict(axis=0),
            torch=lambda a, b, axis: torch.linalg.cross(a, b, dim=axis)),
     Sample(randn(2, 3), randn(3, 2), kw=dict(axisb=0, axisc=0), order2=True, name="axes"),
     Sample(randn(2, 3).astype(F32), randn(3).astype(F32), diff=(), name="float32"),
     Sample(randn(100, 3), randn(100, 3), torch=torch.linalg.cross))

# ---- splitting and stacking -------------------------------------------------------------
addn("vsplit", np.vsplit,
     Sample(randn(4, 3), 2, torch=torch.vsplit, order2=True),
     Sample(randn(5, 3), [1, 3], torch=lambda x, i: torch.vsplit(x, i)),
     Sample(randn(20, 15), 4, torch=torch.vsplit))
addn("hsplit", np.hsplit,
     Sample(randn(3, 4), 2, torch=torch.hsplit, order2=True),
     Sample(randn(6), 3, torch=torch.hsplit, name="1-d"),
     Sample(randn(2, 5, 2), [2], torch=lambda x, i: torch.hsplit(x, i)),
     Sample(randn(15, 20), 5, torch=torch.hsplit))
addn("dsplit", np.dsplit,
     Sample(randn(2, 3, 4), 2, torch=torch.dsplit, order2=True),
     Sample(randn(2, 2, 5), [1, 4], torch=lambda x, i: torch.dsplit(x, i)),
     Sample(randn(5, 6, 10), 5, torch=torch.dsplit))
addn("column_stack", np.column_stack,
     Sample(randn(3, 4), torch=lambda X: torch.column_stack(tuple(X)), order2=True),
     Sample(randn(2, 3, 2), torch=lambda X: torch.column_stack(tuple(X)), name="2-d pieces"),
     Sample(randn(3), name="0-d pieces"),
     Sample(randn(15, 20), torch=lambda X: torch.column_stack(tuple(X))))
addn("row_stack", lambda *a, **k: np.vstack(*a, **k),
     Sample(randn(3, 4), torch=lambda X: torch.vstack(tuple(X)), order2=True),
     Sample(randn(3, 4), kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(15, 20), torch=lambda X: torch.vstack(tuple(X))))
addn("dstack", np.dstack,
     Sample(randn(3, 4), torch=lambda X: torch.dstack(tuple(X)), order2=True),
     Sample(randn(2, 3, 2), torch=lambda X: torch.dstack(tuple(X)), name="2-d pieces"),
     Sample(randn(3), name="0-d pieces"),
     Sample(randn(2, 3, 2, 2), torch=lambda X: torch.dstack(tuple(X)), name="3-d pieces"),
     Sample(randn(15, 20), torch=lambda X: torch.dstack(tuple(X))))
addn("append", np.append,
     Sample(randn(3, 4), randn(2, 4), kw=dict(axis=0), order2=True),
     Sample(randn(2, 2), randn(3), name="axis=None"),
     Sample(randn(3), np.asarray(1.5), name="0-d"),
     Sample(randn(3, 2), randn(3, 1), kw=dict(axis=-1)),
     Sample(randn(15, 20), randn(1, 20), kw=dict(axis=0)))
_conds = _rng.uniform(size=(3, 4, 5)) < 0.4
addn("select", np.select,
     Sample(_conds[:2, 0], randn(2, 5), randn(5), order2=True),
     Sample(_conds, randn(3, 4, 5), name="default=0"),
     Sample(_conds[:, :, :1], randn(3, 1, 5), kw=dict(default=-2.0), name="broadcast"),
     Sample(_conds[:2, 0], randn(2, 5).astype(F32), diff=(), name="float32"),
     Sample(_rng.uniform(size=(2, 20, 15)) < 0.4, randn(2, 20, 15), randn(20, 15)))

# ---- selection ------------------------------------------------------------------------------
addn("take", np.take,
     Sample(randn(3, 4), np.array([0, 5, 5, 11, -1]), torch=torch.take, order2=True),
     Sample(randn(3, 4), np.array([[2, 0], [2, 2]]), kw=dict(axis=1),
            torch=lambda a, i, axis: a[:, i]),
     Sample(randn(3, 4), 2, kw=dict(axis=0), name="scalar index"),
     Sample(randn(3, 4), np.array([-5, 7, 2]), kw=dict(axis=1, mode="wrap"), name="wrap"),
     Sample(randn(3, 4), np.array([-5, 7, 2]), kw=dict(axis=1, mode="clip"), name="clip"),
     Sample(randn(20, 15), np.array([0, 3, 3, 14]), kw=dict(axis=-1),
            torch=lambda a, i, axis: a[:, i]))
addn("compress", np.compress,
     Sample(np.array([True, False, True]), randn(3, 4), kw=dict(axis=0), order2=True),
     Sample(np.array([False, True, True, False, True]), randn(2, 3), name="axis=None"),
     Sample(np.array([0, 1, 1]), randn(2, 4), kw=dict(axis=1), name="short int condition"),
     Sample(_rng.uniform(size=15) < 0.6, randn(20, 15), kw=dict(axis=1)))
addn("partition", np.partition,
     Sample(distinct(10), 3, order2=True),
     Sample(distinct(4, 6), (1, 4), kw=dict(axis=-1), order2=True),
     Sample(distinct(5, 3), -1, kw=dict(axis=0)),
     Sample(distinct(3, 4), 5, kw=dict(axis=None), name="axis=None"),
     Sample(distinct(8).astype(F32), 2, diff=(), name="float32"),
     Sample(distinct(20, 15), 7, kw=dict(axis=0)))
addn("linspace", np.linspace,
     Sample(np.asarray(0.3), np.asarray(2.0), 7, order2=True),
     Sample(randn(3), randn(3), 5, kw=dict(axis=-1), order2=True),
     Sample(randn(2, 1), randn(3), 4, kw=dict(endpoint=False), name="broadcast"),
     Sample(np.asarray(-1.0), randn(2), 1, name="num=1"),
     Sample(np.asarray(0.5), np.asarray(1.5), 4, kw=dict(retstep=True), name="retstep"),
     Sample(np.asarray(0.5), np.asarray(2.5), 5, kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(150), randn(150), 4))

# ---- existing shape operations ----------------------------------------------------------------
addn("broadcast_to", np.broadcast_to,
     Sample(randn(3, 1), (2, 3, 4), torch=torch.broadcast_to, order2=True),
     Sample(np.asarray(1.5), (2, 3), torch=torch.broadcast_to, name="0-d"),
     Sample(randn(300), (2, 300), torch=torch.broadcast_to))
addn("expand_dims", np.expand_dims,
     Sample(randn(3, 4), 1, torch=lambda x, a: x.unsqueeze(a), order2=True),
     Sample(randn(3, 4), -1, torch=lambda x, a: x.unsqueeze(a)),
     Sample(randn(3, 4), (0, 3)),
     Sample(randn(20, 15), 0, torch=lambda x, a: x.unsqueeze(a)))
_ix = np.array([2, 0, 2, 1])
add("getitem",
    Sample(randn(4, 5), (slice(1, 3), slice(None, None, -2)), torch=lambda x, i: x[1:3].flip(1)[:, ::2],
           order2=True, name="slices"),
    Sample(randn(4, 5), (None, Ellipsis, 1), torch=lambda x, i: x[None, ..., 1], name="None-Ellipsis"),
    Sample(randn(4, 5), _ix, torch=lambda x, i: x[torch.tensor(_ix)], order2=True,
           name="int-array-repeats"),
    Sample(randn(4, 5), (_ix, slice(1, 4)), torch=lambda x, i: x[torch.tensor(_ix), 1:4],
           name="int-array-slice"),
    Sample(randn(3, 4, 5), (_ix[:3], slice(None), np.array([0, 4, 4])),
           torch=lambda x, i: x[torch.tensor(_ix[:3]), :, torch.tensor([0, 4, 4])],
           name="separated-advanced"),
    Sample(randn(3, 4), randn(3, 4) > 0, name="bool-mask"),
    Sample(randn(3, 4), (np.array([True, False, True]),), name="bool-rows"),
    Sample(randn(3, 4), (-1, -2), name="scalar"),
    Sample(randn(20, 15), (slice(2, 18), _ix), torch=lambda x, i: x[2:18, torch.tensor(_ix)]))
addn("pad", np.pad,
     Sample(randn(3, 4), ((1, 2), (0, 3)), torch=lambda x, pw: F.pad(x, tpad(pw)), order2=True),
     Sample(randn(3, 4), 1, torch=lambda x, pw: F.pad(x, [1, 1, 1, 1]), name="int width"),
     Sample(randn(3, 4), ((2, 0),), kw=dict(constant_values=1.5),
            torch=lambda x, pw, constant_values: F.pad(x, [2, 0, 2, 0], value=1.5),
            name="constant_values"),
     Sample(randn(20, 15), ((1, 1), (2, 0)), torch=lambda x, pw: F.pad(x, tpad(pw))))
addn("ravel", np.ravel,
     Sample(randn(3, 4), torch=torch.ravel, order2=True),
     Sample(randn(20, 15).T, torch=torch.ravel, name="transposed"))
addn("squeeze", np.squeeze,
     Sample(randn(3, 1, 4, 1), torch=torch.squeeze, order2=True),
     Sample(randn(3, 1, 4, 1), -1, torch=lambda x, a: torch.squeeze(x, a)),
     Sample(randn(1, 3, 1), (0, 2), torch=lambda x, a: torch.squeeze(x, a)),
     Sample(randn(20, 1, 15), torch=torch.squeeze))
addn("swapaxes", np.swapaxes,
     Sample(randn(2, 3, 4), 0, 2, torch=torch.swapaxes, order2=True),
     Sample(randn(2, 3, 4), -1, 1, torch=torch.swapaxes),
     Sample(randn(20, 15), 0, 1, torch=torch.swapaxes))
addn("moveaxis", np.moveaxis,
     Sample(randn(2, 3, 4), 0, -1, torch=torch.movedim, order2=True),
     Sample(randn(2, 3, 4, 2), (0, 1), (-1, -3), torch=torch.movedim),
     Sample(randn(4, 5, 15), 2, 0, torch=torch.movedim))
addn("concatenate", np.concatenate,
     Sample(randn(2, 3, 4), kw=dict(axis=1), torch=lambda X, axis: torch.cat(tuple(X), axis),
            order2=True),
     Sample(randn(3, 2, 2), torch=lambda X: torch.cat(tuple(X)), name="axis=0"),
     Sample(randn(2, 3, 4), kw=dict(axis=None),
            torch=lambda X, axis: torch.cat([t.reshape(-1) for t in X]), name="axis=None"),
     Sample(randn(2, 3), kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(3, 10, 10), kw=dict(axis=-1), torch=lambda X, axis: torch.cat(tuple(X), axis)))
addn("stack", np.stack,
     Sample(randn(3, 4), torch=lambda X: torch.stack(tuple(X)), order2=True),
     Sample(randn(3, 2, 4), kw=dict(axis=-1), torch=lambda X, axis: torch.stack(tuple(X), axis)),
     Sample(randn(3), name="0-d pieces"),
     Sample(randn(2, 3), kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(15, 20), kw=dict(axis=1), torch=lambda X, axis: torch.stack(tuple(X), axis)))
addn("hstack", np.hstack,
     Sample(randn(3, 4), torch=lambda X: torch.hstack(tuple(X)), order2=True),
     Sample(randn(3, 2, 2), torch=lambda X: torch.hstack(tuple(X)), name="2-d pieces"),
     Sample(randn(3), name="0-d pieces"),
     Sample(randn(2, 3), kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(15, 20), torch=lambda X: torch.hstack(tuple(X))))
addn("vstack", np.vstack,
     Sample(randn(3, 4), torch=lambda X: torch.vstack(tuple(X)), order2=True),
     Sample(randn(3, 2, 2), torch=lambda X: torch.vstack(tuple(X)), name="2-d pieces"),
     Sample(randn(3), name="0-d pieces"),
     Sample(randn(2, 3), kw=dict(dtype=F32), diff=(), name="dtype"),
     Sample(randn(2, 3), kw=dict(dtype=np.int64, casting="unsafe"), diff=(), name="unsafe"),
     Sample(randn(15, 20), torch=lambda X: torch.vstack(tuple(X))))
addn("split", np.split,
     Sample(randn(4, 3), 2, torch=lambda x, n: torch.tensor_split(x, n), order2=True),
     Sample(randn(3, 5), [1, 3], 1, torch=lambda x, i, a: torch.tensor_split(x, i, a)),
     Sample(randn(3, 5), [2], -1, torch=lambda x, i, a: torch.tensor_split(x, i, a)),
     Sample(randn(20, 15), 5, 0, torch=lambda x, n, a: torch.tensor_split(x, n, a)))
addn("array_split", np.array_split,
     Sample(randn(5, 3), 3, torch=lambda x, n: torch.tensor_split(x, n), order2=True),
     Sample(randn(3, 7), 2, 1, torch=lambda x, n, a: torch.tensor_split(x, n, a)),
     Sample(randn(3, 7), [2, 5], -1, torch=lambda x, i, a: torch.tensor_split(x, i, a)),
     Sample(randn(20, 15), 4, 1, torch=lambda x, n, a: torch.tensor_split(x, n, a)))
addn("flip", np.flip,
     Sample(randn(3, 4), torch=lambda x: torch.flip(x, (0, 1)), order2=True),
     Sample(randn(2, 3, 4), 1, torch=lambda x, a: torch.flip(x, (a,))),
     Sample(randn(2, 3, 4), (0, -1), torch=lambda x, a: torch.flip(x, a)),
     Sample(randn(20, 15), -1, torch=lambda x, a: torch.flip(x, (a,))))
addn("tile", np.tile,
     Sample(randn(2, 3), (2, 1), torch=torch.tile, order2=True),
     Sample(randn(3), (2, 2), torch=torch.tile, name="more-reps"),
     Sample(randn(2, 3), 3, torch=lambda x, r: torch.tile(x, (r,))),
     Sample(randn(20, 15), (1, 2), torch=torch.tile))
addn("repeat", np.repeat,
     Sample(randn(2, 3), 2, torch=lambda x, r: torch.repeat_interleave(x, r), order2=True),
     Sample(randn(2, 3), np.array([1, 0, 3]), 1,
            torch=lambda x, r, a: torch.repeat_interleave(x, r, a), name="array-repeats"),
     Sample(randn(2, 3), 2, -2, torch=lambda x, r, a: torch.repeat_interleave(x, r, a)),
     Sample(randn(20, 15), 2, 0, torch=lambda x, r, a: torch.repeat_interleave(x, r, a)))
addn("atleast_1d", np.atleast_1d,
     Sample(np.asarray(1.5), torch=torch.atleast_1d, order2=True),
     Sample(randn(3, 4), torch=torch.atleast_1d),
     Sample(np.asarray(0.5), randn(2), torch=lambda a, b: torch.atleast_1d(a, b), name="two"),
     Sample(randn(300), torch=torch.atleast_1d))
addn("atleast_2d", np.atleast_2d,
     Sample(np.asarray(1.5), torch=torch.atleast_2d, order2=True),
     Sample(randn(4), torch=torch.atleast_2d, order2=True),
     Sample(randn(2, 3, 4), torch=torch.atleast_2d),
     Sample(randn(3), randn(2, 2), torch=lambda a, b: torch.atleast_2d(a, b), name="two"),
     Sample(randn(300), torch=torch.atleast_2d))
addn("atleast_3d", np.atleast_3d,
     Sample(np.asarray(1.5), torch=torch.atleast_3d, order2=True),
     Sample(randn(4), torch=torch.atleast_3d),
     Sample(randn(2, 3), torch=torch.atleast_3d),
     Sample(randn(3), randn(2, 2), randn(1, 2, 3, 1),
            torch=lambda a, b, c: torch.atleast_3d(a, b, c), name="three"),
     Sample(randn(20, 15), torch=torch.atleast_3d))
addn("reshape", np.reshape,
     Sample(randn(3, 4), (2, 6), torch=torch.reshape, order2=True),
     Sample(randn(3, 4), (-1, 2), torch=torch.reshape),
     Sample(randn(2, 3, 4), kw=dict(shape=(4, 6)), torch=lambda x, shape: x.reshape(shape)),
     Sample(randn(20, 15), (3, 100), torch=torch.reshape))
addn("transpose", np.transpose,
     Sample(randn(3, 4), torch=lambda x: x.T, order2=True),
     Sample(randn(2, 3, 4), (1, 2, 0), torch=torch.permute),
     Sample(randn(2, 3, 4), (-1, 0, 1), torch=lambda x, a: x.permute(a)),
     Sample(randn(20, 15), torch=lambda x: x.T))
addn("sort", np.sort,
     Sample(distinct(3, 4), torch=lambda x: torch.sort(x).values, order2=True),
     Sample(distinct(3, 4), 0, torch=lambda x, a: torch.sort(x, a).values),
     Sample(distinct(20, 15), -1, torch=lambda x, a: torch.sort(x, a).values))
_idx = _rng.integers(0, 4, size=(3, 5))
addn("take_along_axis", np.take_along_axis,
     Sample(randn(4, 5), _idx, 0, torch=torch.take_along_dim, order2=True),
     Sample(randn(3, 4), _rng.integers(0, 4, (3, 2)), -1, torch=torch.take_along_dim),
     Sample(randn(20, 15), _rng.integers(0, 15, (20, 30)), 1, torch=torch.take_along_dim))


def _stop_gradient_check(out, x):
    np.testing.assert_array_equal(out.data, x)
    assert not out.requires_grad
    g = ya.grad(lambda t: ya.sum(ya.stop_gradient(t) * t))(x)
    np.testing.assert_allclose(np.asarray(g), x)     # d/dt (c * t) = c
    g2 = ya.grad(lambda t: ya.sum(ya.stop_gradient(t * t)))(x)
    np.testing.assert_array_equal(np.asarray(g2), np.zeros_like(x))


add("stop_gradient",
    Sample(randn(3, 4), fd=False, check=_stop_gradient_check),
    Sample(randn(20, 15), fd=False, check=_stop_gradient_check))


def _array_check(dtype=None):
    def check(out, x, *rest):
        want = np.array(x, dtype=dtype)
        assert out.dtype == want.dtype
        np.testing.assert_array_equal(out.data, want)
    return check


for _name in ("array", "asarray"):
    add(_name,
        Sample(randn(3, 4), order2=True, check=_array_check()),
        Sample(randn(3).astype(F32), diff=(), check=_array_check(), name="float32"),
        Sample(randn(3), kw=dict(dtype=F32), diff=(), check=_array_check(F32), name="dtype"),
        Sample(randn(20, 15), check=_array_check()))
