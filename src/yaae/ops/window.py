"""Sliding windows: the two primitives convolution and pooling are built on.

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
