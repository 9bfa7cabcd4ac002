"""Reduction primitives: sum, prod, max, min (and PyTorch's ``max(dim=...)``,
``min(dim=...)``, returning values and indices).

Rules use negative axes, so a (co)tangent with extra leading batch dimensions
goes through them unchanged.
"""
from collections import namedtuple

import numpy as np

from ..tensor import Tensor, _data
from .elementwise import where
from .registry import defop, pytorch_form, pytorch_mode, numpy_keywords
from .shape import broadcast_to, expand_dims


def _axes(axis, ndim):
    """Normalise ``axis`` to a sorted tuple of negative axes (None: all)."""
    if axis is None:
        return tuple(range(-ndim, 0))
    if not isinstance(axis, tuple):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of dimension {ndim}")
        out.append(a - ndim if a >= 0 else a)
    return tuple(sorted(out))


def unreduce(g, x_shape, axis, keepdims, ans_ndim):
    """Broadcast a reduced gradient ``g`` back over the reduced axes of ``x``."""
    nb = g.ndim - ans_ndim
    if not keepdims:
        axes = _axes(axis, len(x_shape))
        if axes:
            g = expand_dims(g, axes)
    return broadcast_to(g, tuple(g.shape[:nb]) + tuple(x_shape))


def _sum(x, axis=None, keepdims=False, dtype=None):
    # the ufunc's reduce directly: np.sum's Python wrapper costs more than
    # the reduction itself on small arrays
    return np.add.reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)


sum = defop("sum", _sum, saves=False, numpy=np.sum, method=True,  # noqa: A001
            vjp=lambda g, ans, x, axis=None, keepdims=False, dtype=None:
            unreduce(g, x.shape, axis, keepdims, ans.ndim),
            jvp=lambda t, ans, x, axis=None, keepdims=False, dtype=None:
            sum(t, axis=_axes(axis, x.ndim), keepdims=keepdims))


def _keep(ans, x, axis, keepdims):
    """The reduced answer with the reduced axes kept (for comparisons with x)."""
    if keepdims:
        return ans
    axes = _axes(axis, x.ndim)
    return expand_dims(ans, axes) if axes else ans


def _argext_weight(ans, x, axis, keepdims):
    """Where x attains the max/min along ``axis``, 1/(number of ties); else 0."""
    xd = _data(x)
    m = xd == _data(_keep(ans, x, axis, keepdims))
    w = m.astype(xd.dtype if xd.dtype.kind == "f" else np.float64)
    w /= np.add.reduce(m, axis=axis, keepdims=True)
    return w


def _make_ext(name, fwd, numpy):
    return defop(name, fwd, numpy=numpy, method=True, aliases=("a" + name,),
                 vjp=lambda g, ans, x, axis=None, keepdims=False:
                 unreduce(g, x.shape, axis, keepdims, ans.ndim) * _argext_weight(ans, x, axis, keepdims),
                 jvp=lambda t, ans, x, axis=None, keepdims=False:
                 sum(t * _argext_weight(ans, x, axis, keepdims), axis=_axes(axis, x.ndim),
                     keepdims=keepdims))


max = _make_ext("max", lambda x, axis=None, keepdims=False:  # noqa: A001
                np.maximum.reduce(x, axis=axis, keepdims=keepdims), (np.max, np.amax))
min = _make_ext("min", lambda x, axis=None, keepdims=False:  # noqa: A001
                np.minimum.reduce(x, axis=axis, keepdims=keepdims), (np.min, np.amin))


def _prod(x, axis=None, keepdims=False):
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_others(ans, x, axis):
    """For each element, the product of the others along ``axis``, exact when
    the slice holds zeros (no division by zero)."""
    xd = _data(x)
    z = xd == 0
    if isinstance(x, Tensor) and z.any():
        return _prod_others_differentiable(x, axis)
    nz = np.sum(z, axis=axis, keepdims=True)
    x_nz = where(z, 1.0, x)
    p_nz = prod(x_nz, axis=axis, keepdims=True)
    return where(nz == 0, p_nz / x_nz, where((nz == 1) & z, p_nz, 0.0))


def _prod_others_differentiable(x, axis):
    """The same, built so that its own derivatives are right at zeros too
    (needed only when the rule is being differentiated): each element's
    "others" is the product of a row in which that element is replaced by 1.
    Costs K times the memory for K elements per slice."""
    from .shape import reshape as _reshape, transpose as _transpose
    shape = tuple(x.shape)
    nd = len(shape)
    axes = [a % nd for a in (range(nd) if axis is None else
                             (axis if isinstance(axis, tuple) else (axis,)))]
    keep = [a for a in range(nd) if a not in axes]
    perm = tuple(keep + axes)
    k = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    xr = _reshape(_transpose(x, perm), tuple(shape[a] for a in keep) + (k,))
    rep = where(np.eye(k, dtype=bool), 1.0, expand_dims(xr, -2))
    others = prod(rep, axis=-1)
    others = _reshape(others, tuple(shape[a] for a in perm))
    inv = [0] * nd
    for i, a in enumerate(perm):
        inv[a] = i
    return _transpose(others, tuple(inv))


prod = defop("prod", _prod, numpy=np.prod, method=True,
             vjp=lambda g, ans, x, axis=None, keepdims=False:
             unreduce(g, x.shape, axis, keepdims, ans.ndim) * _prod_others(ans, x, axis),
             jvp=lambda t, ans, x, axis=None, keepdims=False:
             sum(t * _prod_others(ans, x, axis), axis=_axes(axis, x.ndim), keepdims=keepdims))


# ---- PyTorch's max(dim=...)/min(dim=...): values and indices ------------------------
def _with_indices(name, reduce, arg):
    """``reduce`` (max or min) as PyTorch defines it when the axis is named
    ``dim=`` (see ``registry.pytorch_form``): a named tuple ``(values,
    indices)``; the index of the first extreme (NaN counts as one, as in
    PyTorch), and the gradient to that element only (as PyTorch's, where
    NumPy's ``max`` splits it among ties).  With NumPy's ``axis=`` (or an axis
    given by position without ``keepdim=``): the values alone."""
    result = namedtuple(name, ("values", "indices"))
    result.__module__ = "yaae.return_types"
    result.__doc__ = (f"``ya.{name}(x, dim=...)``'s result, as ``torch.return_types.{name}``: "
                      f"``values`` and int64 ``indices``.")

    def torch_form(x, *args, **kw):
        if not pytorch_mode(kw):
            return reduce(x, *args, **numpy_keywords(kw, name))
        kw = numpy_keywords(kw, name)
        axis, keepdims = kw.pop("axis", None), kw.pop("keepdims", False)
        if args:
            if len(args) > 1 or axis is not None:
                raise TypeError(f"{name}(): the axis is given twice (by position and as dim=)")
            axis = args[0]
        if kw:
            raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kw)}")
        if axis is None:      # keepdim= alone (PyTorch raises): every axis, values only
            return reduce(x, keepdims=keepdims)
        if not isinstance(axis, (int, np.integer)):
            raise TypeError(f"{name}(dim=...) takes one axis (an int), as PyTorch's; got {axis!r}: "
                            f"use ya.a{name}(x, axis=...) for several")
        from .arrays import take_along_axis
        from .composite import squeeze
        xd = _data(x)
        ax = _axes(axis, np.ndim(xd))[0]
        idx = arg(xd, axis=ax, keepdims=True).astype(np.int64)
        values = take_along_axis(x, idx, axis=ax)
        if not keepdims:
            values, idx = squeeze(values, ax), idx.squeeze(ax)
        return result(values, Tensor(idx, dtype=np.int64) if isinstance(x, Tensor) else idx)
    torch_form.__name__ = name
    return pytorch_form(name)(torch_form)


_with_indices("max", max, np.argmax)
_with_indices("min", min, np.argmin)
