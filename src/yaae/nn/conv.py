"""Convolution and pooling, composed from yaae's differentiable primitives.

Every function here is built from the primitives of ``ops/window.py``
(``im2col``/``col2im``, the convolution's gather and its transpose;
``conv_gemm``, the product with the bias added in place; ``window_max``,
strided maxima; ``windows``/``unwindows``, a sliding-window view and its
transpose) and ``pad``, ``reshape``, ``transpose``, ``matmul`` and reductions,
so each gets reverse and forward mode, to any order, from those primitives'
rules: nothing in this file writes a derivative.

Layout choices (for speed): a convolution gathers the zero-padded input once
into an im2col matrix with the batch folded into the columns, ``(groups,
C/groups*K, N*L)`` (``K`` kernel elements, ``L`` output positions; or
channels innermost, ``(groups, N*L, K*C/groups)``, when the channels far
outnumber the output columns), and multiplies the ``(groups, out/groups,
C/groups*K)`` weight into it: ONE GEMM per group, never one per sample, and
the weight's gradient is one GEMM as well.  The result, ``(out, N*L)``, is
viewed as (N, C, H, W) (channel-major in memory; gradients that the pooling
and gather primitives make keep their values' layout).  The transposed
convolution runs the GEMM the other way and scatters the columns with
``col2im``.  Max pooling takes one ``np.maximum`` per kernel offset over
strided views and routes the gradient to the element PyTorch picks (the first
maximum of each window; ties are not split).  Average pooling gathers the
windows kernel-position-first, ``(K, N, C, *out)``, and sums over that
leading axis (NumPy is slow reducing tiny trailing axes of a strided view).

Signatures, defaults and numerics follow ``torch.nn.functional`` and
``torch.nn``.
"""
import math
import operator

import numpy as np

from .. import ops
from ..tensor import Tensor
from ..ops.window import col2im, conv_gemm, im2col, window_max

__all__ = [
    "conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
    "adaptive_avg_pool2d",
    "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _tuple(v, n, name):
    """An int or a length-``n`` sequence of ints, as a tuple of ``n`` ints
    (a float is refused, never truncated)."""
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
        items = v
    else:
        items = (v,) * n
    try:
        return tuple(operator.index(a) for a in items)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {v!r}") from None


def _check_geometry(name, kernel=None, stride=None, padding=None, dilation=None,
                    output_padding=None):
    """Impossible layer hyper-parameters raise a ValueError naming the layer
    at construction (PyTorch accepts some and fails at the first forward)."""
    for what, vals, ok, rule in (("kernel_size", kernel, lambda a: a > 0, "positive"),
                                 ("stride", stride, lambda a: a > 0, "positive"),
                                 ("dilation", dilation, lambda a: a > 0, "positive"),
                                 ("padding", padding, lambda a: a >= 0, "non-negative"),
                                 ("output_padding", output_padding, lambda a: a >= 0,
                                  "non-negative")):
        if vals is not None and not isinstance(vals, str) and not all(ok(a) for a in vals):
            raise ValueError(f"{name}: {what} must be {rule}, got {vals}")


def _channels(name, what, v):
    try:
        v = operator.index(v)
    except TypeError:
        raise TypeError(f"{name}: {what} must be an integer, got {type(v).__name__} "
                        f"{v!r}") from None
    if v < 0:
        raise ValueError(f"{name}: {what} must be non-negative, got {v}")
    return v


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _batched(x, nd, fname):
    """``x`` with a batch axis (adding one to an unbatched input) and whether
    one was added.  ``nd`` is the number of spatial dims."""
    x = _as_tensor(x)
    if x.ndim == nd + 2:
        return x, False
    if x.ndim == nd + 1:
        return ops.reshape(x, (1,) + tuple(x.shape)), True
    raise RuntimeError(f"{fname}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                       f"input, but got input of shape {tuple(x.shape)}")


def _unbatch(y, squeeze):
    return ops.reshape(y, tuple(y.shape[1:])) if squeeze else y


def _pad_spatial(x, pads, value=0.0):
    """Constant-pad the trailing ``len(pads)`` axes by ``pads`` ((lo, hi) each)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    width = ((0, 0),) * (x.ndim - len(pads)) + tuple(pads)
    return ops.pad(x, width, constant_values=value)


def _prod(t):
    p = 1
    for v in t:
        p *= v
    return p


# --------------------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------------------
_CHANNELS_LAST = None    # None: im2col's layout chosen per call; True/False forces one (tests)


def _mT(x):
    return ops.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def _conv_padding(padding, kernel, stride, dilation, nd, fname):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{fname}: padding='same' is not supported for strided "
                                 f"convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise ValueError(f"{fname}: invalid padding string {padding!r}, should be one of "
                         f"{{'valid', 'same'}}")
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{fname}: negative padding is not supported")
    return tuple((v, v) for v in p)


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, fname):
    x, squeeze = _batched(input, nd, fname)
    w = _as_tensor(weight)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    groups = int(groups)
    if w.ndim != nd + 2:
        raise RuntimeError(f"{fname}: expected a {nd + 2}D weight, got shape {tuple(w.shape)}")
    O, Cg = int(w.shape[0]), int(w.shape[1])
    kernel = tuple(int(k) for k in w.shape[2:])
    N, C = int(x.shape[0]), int(x.shape[1])
    if groups < 1 or C % groups or O % groups:
        raise RuntimeError(f"{fname}: groups={groups} must be positive and divide both "
                           f"the input channels ({C}) and the output channels ({O})")
    if C != Cg * groups:
        raise RuntimeError(
            f"{fname}: given groups={groups}, weight of size {tuple(w.shape)}, expected "
            f"input{tuple(x.shape)} to have {Cg * groups} channels, but got {C} channels "
            f"instead")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{fname}: stride and dilation must be positive, got "
                           f"stride={stride}, dilation={dilation}")
    pads = _conv_padding(padding, kernel, stride, dilation, nd, fname)
    spatial = tuple(int(s) + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(n < e for n, e in zip(spatial, extent)):
        raise RuntimeError(f"{fname}: calculated padded input size per channel {spatial} is "
                           f"smaller than the (dilated) kernel size {extent}")
    G, Og, K = groups, O // groups, _prod(kernel)
    out = tuple(ops.window_out_size(n, k, s, d)
                for n, k, s, d in zip(spatial, kernel, stride, dilation))
    # The im2col matrix of the zero-padded input with the batch folded into
    # the columns: the product is one GEMM per group (and so are both its
    # gradients), never one per sample.  Output positions innermost, unless
    # the channels far outnumber the output columns (small images, many
    # channels): then channels innermost, for longer runs in the gather and
    # scatter copies.
    cl = _CHANNELS_LAST if _CHANNELS_LAST is not None else Cg >= 2 * out[-1]
    cols = im2col(x, kernel, stride, dilation, pads, G, cl)
    if cl:                                     # cols (G, N*L, K*Cg)
        wm = ops.reshape(ops.transpose(w, (0,) + tuple(range(2, 2 + nd)) + (1,)), (G, Og, K * Cg))
        cols = _mT(cols)
    else:                                      # cols (G, Cg*K, N*L)
        wm = ops.reshape(w, (G, Og, Cg * K))
    if bias is None:
        y = ops.matmul(wm, cols)               # (G, Og, N*L)
    else:                                      # the bias added into the product's buffer
        y = conv_gemm(wm, cols, ops.reshape(_as_tensor(bias), (G, Og, 1)))
    # (G, Og, N*L) -> (O, N, *out) -> (N, O, *out): views (channel-major in memory)
    y = ops.transpose(ops.reshape(y, (O, N) + out), (1, 0) + tuple(range(2, 2 + nd)))
    return _unbatch(y, squeeze)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1D convolution (cross-correlation) over (N, C, L) or (C, L) input, as
    ``torch.nn.functional.conv1d``; weight (out, in/groups, k).

    As ``torch.nn.functional.conv1d``.

    Example::

        >>> F.conv1d(ya.ones((1, 4, 10)), ya.ones((8, 4, 3)), padding=1).shape
        (1, 8, 10)
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2D convolution (cross-correlation) over (N, C, H, W) or (C, H, W) input, as
    ``torch.nn.functional.conv2d``; weight (out, in/groups, kH, kW); padding an
    int, a pair, 'valid' or 'same'.

    As ``torch.nn.functional.conv2d``.

    Example::

        >>> F.conv2d(ya.ones((1, 3, 8, 8)), ya.ones((6, 3, 3, 3)), stride=2).shape
        (1, 6, 3, 3)
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                      dilation, nd, fname):
    x, squeeze = _batched(input, nd, fname)
    w = _as_tensor(weight)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        raise ValueError(f"{fname}: string padding is not supported for transposed "
                         f"convolutions")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    groups = int(groups)
    if w.ndim != nd + 2:
        raise RuntimeError(f"{fname}: expected a {nd + 2}D weight, got shape {tuple(w.shape)}")
    Cin, Og = int(w.shape[0]), int(w.shape[1])
    kernel = tuple(int(k) for k in w.shape[2:])
    N, C = int(x.shape[0]), int(x.shape[1])
    if groups < 1 or Cin % groups:
        raise RuntimeError(f"{fname}: groups={groups} must be positive and divide the "
                           f"weight's input channels ({Cin})")
    if C != Cin:
        raise RuntimeError(
            f"{fname}: given transposed=1, weight of size {tuple(w.shape)}, expected "
            f"input{tuple(x.shape)} to have {Cin} channels, but got {C} channels instead")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation) or any(p < 0 for p in padding):
        raise RuntimeError(f"{fname}: stride and dilation must be positive and padding "
                           f"non-negative")
    for op, s, d in zip(output_padding, stride, dilation):
        if not (0 <= op < max(s, d)):
            raise RuntimeError(f"{fname}: output padding must be smaller than either "
                               f"stride or dilation, but got output_padding={output_padding}, "
                               f"stride={stride}, dilation={dilation}")
    G, Cg, K = groups, Cin // groups, _prod(kernel)
    O = Og * G
    spatial = tuple(int(s) for s in x.shape[2:])
    full = tuple((n - 1) * s + d * (k - 1) + 1
                 for n, k, s, d in zip(spatial, kernel, stride, dilation))
    final = tuple(f - 2 * p + op for f, p, op in zip(full, padding, output_padding))
    if any(f <= 0 for f in final):
        raise RuntimeError(f"{fname}: output size {final} is too small")
    # columns = W^T x with the batch folded in: (G, Og*K, Cg) @ (G, Cg, N*L),
    # one GEMM per group; then scattered back into the output (col2im, the
    # adjoint of conv2d's gather).  Padding crops, output_padding extends
    # (with cells no window reaches: zeros): col2im's pads (p, p - op).
    L = _prod(spatial)
    xm = ops.reshape(ops.transpose(ops.reshape(x, (N, G, Cg, L)), (1, 2, 0, 3)), (G, Cg, N * L))
    wm = ops.transpose(ops.reshape(w, (G, Cg, Og * K)), (0, 2, 1))
    cols = ops.matmul(wm, xm)
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    y = col2im(cols, (N, O) + final, kernel, stride, dilation, pads, G, False)
    if bias is not None:
        y = y + ops.reshape(_as_tensor(bias), (1, O) + (1,) * nd)
    return _unbatch(y, squeeze)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """2D transposed convolution, as ``torch.nn.functional.conv_transpose2d``;
    weight (in, out/groups, kH, kW).

    As ``torch.nn.functional.conv_transpose2d``.

    Example::

        >>> F.conv_transpose2d(ya.ones((1, 4, 5, 5)), ya.ones((4, 2, 3, 3)), stride=2).shape
        (1, 2, 11, 11)
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2, "conv_transpose2d")


# --------------------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------------------
def _pool_out(n, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape."""
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_setup(x, kernel_size, stride, padding, dilation, ceil_mode, fname):
    kernel = _tuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and
                                          len(stride) == 0) else _tuple(stride, 2, "stride")
    padding = _tuple(padding, 2, "padding")
    dilation = _tuple(dilation, 2, "dilation")
    if any(k < 1 for k in kernel) or any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{fname}: kernel_size, stride and dilation must be positive, "
                           f"got kernel_size={kernel}, stride={stride}, dilation={dilation}")
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{fname}: pad should be at most half of effective kernel size, "
                           f"but got pad={padding}, kernel_size={kernel}")
    spatial = tuple(int(s) for s in x.shape[-2:])
    out = tuple(_pool_out(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{fname}: given input size {spatial}, the calculated output "
                           f"size {out} is too small")
    # pads: (lo, hi) per axis; hi is just what the last window needs (more with
    # ceil_mode, possibly less than lo: cells no window reaches are not padded)
    pads = []
    for n, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out):
        need = (o - 1) * s + d * (k - 1) + 1
        pads.append((p, max(0, need - n - p)))
    return kernel, stride, padding, dilation, spatial, out, tuple(pads)


def _pool_windows(x, kernel, stride, dilation, out):
    """The pooling windows of ``x`` (N, C, *spatial) as one (K, N, C, *out) array,
    the K kernel positions leading.  NumPy reduces over a leading axis with
    vectorised elementwise passes, but crawls when the reduced axes are tiny
    trailing ones of a strided view, so the window view is gathered into this
    layout first (one copy, contiguous runs along the output rows); its
    gradient scatters back through ``unwindows`` in the same order."""
    nd = len(kernel)
    xw = ops.windows(x, kernel, stride, dilation)           # (N, C, *out', *kernel)
    lead = xw.ndim - 2 * nd
    if tuple(xw.shape[lead:lead + nd]) != tuple(out):       # defensive: drop extra windows
        xw = ops.getitem(xw, (Ellipsis,) + tuple(slice(0, o) for o in out)
                         + (slice(None),) * nd)
    perm = tuple(range(lead + nd, lead + 2 * nd)) + tuple(range(lead + nd))
    shape = (_prod(kernel),) + tuple(xw.shape[:lead]) + tuple(out)
    return ops.reshape(ops.transpose(xw, perm), shape)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2D max pooling over (N, C, H, W) or (C, H, W) input, as
    ``torch.nn.functional.max_pool2d`` (padding counts as -inf).

    As ``torch.nn.functional.max_pool2d``.

    Example::

        >>> F.max_pool2d(ya.ones((1, 3, 8, 8)), 2).shape
        (1, 3, 4, 4)
    """
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported")
    x, squeeze = _batched(input, 2, "max_pool2d")
    kernel, stride, padding, dilation, spatial, out, pads = _pool_setup(
        x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    x = _pad_spatial(x, pads, -np.inf)
    # one np.maximum per kernel offset over strided views; the gradient goes to
    # the first maximum of each window (PyTorch's choice at ties)
    y = window_max(x, kernel, stride, dilation, out)
    return _unbatch(y, squeeze)


def _avg_divisor(n, k, s, p, o, include_pad):
    """Per-output-position window sizes along one axis (torch's avg_pool2d)."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2D average pooling over (N, C, H, W) or (C, H, W) input, as
    ``torch.nn.functional.avg_pool2d``.

    As ``torch.nn.functional.avg_pool2d``.

    Example::

        >>> F.avg_pool2d(ya.ones((1, 3, 8, 8)), 2).shape
        (1, 3, 4, 4)
    """
    x, squeeze = _batched(input, 2, "avg_pool2d")
    kernel, stride, padding, dilation, spatial, out, pads = _pool_setup(
        x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    x = _pad_spatial(x, pads, 0.0)
    s = ops.sum(_pool_windows(x, kernel, stride, dilation, out), axis=0)
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        y = s / np.asarray(int(divisor_override), dtype=x.dtype)
    else:
        dh, dw = (_avg_divisor(n, k, st, p, o, count_include_pad)
                  for n, k, st, p, o in zip(spatial, kernel, stride, padding, out))
        div = np.multiply.outer(dh, dw).astype(x.dtype)
        y = s / div
    return _unbatch(y, squeeze)


def _adaptive_matrix(n, o, dtype):
    """(o, n) averaging matrix: row i averages [floor(i*n/o), ceil((i+1)*n/o))."""
    A = np.zeros((o, n), dtype=dtype)
    for i in range(o):       # o rows: a loop over the output size, not pixels
        a = (i * n) // o
        b = -((-(i + 1) * n) // o)
        A[i, a:b] = 1.0 / (b - a)
    return A


def adaptive_avg_pool2d(input, output_size):
    """2D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool2d``
    (window i spans [floor(i*in/out), ceil((i+1)*in/out)) along each axis);
    ``output_size`` an int or a pair whose entries may be None (keep the size).

    As ``torch.nn.functional.adaptive_avg_pool2d``.

    Example::

        >>> F.adaptive_avg_pool2d(ya.ones((1, 3, 7, 5)), 1).shape
        (1, 3, 1, 1)
    """
    x, squeeze = _batched(input, 2, "adaptive_avg_pool2d")
    H, W = (int(s) for s in x.shape[-2:])
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, "
                             f"got {output_size!r}")
        oh, ow = output_size
    else:
        oh = ow = output_size
    oh = H if oh is None else int(oh)
    ow = W if ow is None else int(ow)
    if oh < 1 or ow < 1:
        raise RuntimeError(f"adaptive_avg_pool2d: output size must be positive, got {(oh, ow)}")
    y = x if (oh, ow) != (H, W) else ops.reshape(x, tuple(x.shape))   # a new Tensor, as torch
    if oh != H:
        y = ops.matmul(_adaptive_matrix(H, oh, x.dtype), y)                 # (N, C, oh, W)
    if ow != W:
        y = ops.matmul(y, _adaptive_matrix(W, ow, x.dtype).T)               # (N, C, oh, ow)
    return _unbatch(y, squeeze)


# --------------------------------------------------------------------------------------
# modules
# --------------------------------------------------------------------------------------
from .module import Module, Parameter  # noqa: E402
from . import init as _init  # noqa: E402


def _reset_conv_parameters(m):
    """torch's _ConvNd.reset_parameters: kaiming_uniform_(a=sqrt(5)) on the weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias (fan_in from the weight's shape)."""
    _init.kaiming_uniform_(m.weight, a=math.sqrt(5))
    if m.bias is not None:
        fan_in, _ = _init._calculate_fan_in_and_fan_out(m.weight)
        if fan_in != 0:
            bound = 1 / math.sqrt(fan_in)
            _init.uniform_(m.bias, -bound, bound)


class _ConvNd(Module):
    _nd = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise ValueError(f"{type(self).__name__}: only device='cpu' is supported")
        nd, name = self._nd, type(self).__name__
        in_channels = _channels(name, "in_channels", in_channels)
        out_channels = _channels(name, "out_channels", out_channels)
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: only padding_mode='zeros' is supported, "
                                      f"got {padding_mode!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size")
        self.stride = _tuple(stride, nd, "stride")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be "
                                 f"one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions")
            if self._transposed:
                raise ValueError(f"{name}: string padding is not supported")
            self.padding = padding
        else:
            self.padding = _tuple(padding, nd, "padding")
        self.dilation = _tuple(dilation, nd, "dilation")
        self.output_padding = _tuple(output_padding, nd, "output_padding")
        _check_geometry(name, self.kernel_size, self.stride, self.padding, self.dilation,
                        self.output_padding)
        self.transposed = self._transposed
        self.groups = int(groups)
        self.padding_mode = padding_mode
        from ..tensor import get_default_dtype
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if self._transposed:
            wshape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            wshape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(np.empty(wshape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's initialisation: weight ``kaiming_uniform_(a=sqrt(5))``, bias
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        """
        _reset_conv_parameters(self)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        nd = self._nd
        if self.padding != (0,) * nd:
            s += ", padding={padding}"
        if self.dilation != (1,) * nd:
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * nd:
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class Conv1d(_ConvNd):
    """1D convolution layer (``torch.nn.Conv1d``): weight (out, in/groups, k).

    ``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros')``: as ``torch.nn.Conv1d``: input (N, C_in,
    L) or (C_in, L).

    Example::

        >>> m = nn.Conv1d(16, 33, 3, stride=2)
        >>> m(ya.ones((20, 16, 50))).shape
        (20, 33, 24)
    """
    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        return conv1d(input, self.weight, self.bias, self.stride, self.padding,
                      self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2D convolution layer (``torch.nn.Conv2d``): weight (out, in/groups, kH, kW).

    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros')``: as ``torch.nn.Conv2d``: input (N, C_in,
    H, W) or (C_in, H, W); ``padding='same'`` works.

    Example::

        >>> m = nn.Conv2d(16, 33, 3, stride=2)
        >>> m(ya.ones((2, 16, 10, 10))).shape
        (2, 33, 4, 4)
    """
    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        return conv2d(input, self.weight, self.bias, self.stride, self.padding,
                      self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2D transposed convolution layer (``torch.nn.ConvTranspose2d``): weight
    (in, out/groups, kH, kW).

    ``ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1)``: as ``torch.nn.ConvTranspose2d``.

    Example::

        >>> m = nn.ConvTranspose2d(16, 8, 3, stride=2)
        >>> m(ya.ones((2, 16, 5, 5))).shape
        (2, 8, 11, 11)
    """
    _nd = 2
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding=output_padding,
                         device=device, dtype=dtype)

    def forward(self, input, output_size=None):
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                output_padding, self.groups, self.dilation)

    def _output_padding(self, input, output_size):
        """torch's _ConvTransposeNd._output_padding: the output_padding giving
        ``output_size`` (which may include batch and channel dims)."""
        nd = self._nd
        output_size = list(output_size)
        if len(output_size) not in (nd, nd + 1, nd + 2):
            raise ValueError(f"ConvTranspose2d: output_size must have {nd} or {nd + 2} "
                             f"elements (got {len(output_size)})")
        output_size = output_size[-nd:]
        spatial = tuple(input.shape[-nd:])
        res = []
        for d in range(nd):
            min_size = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            max_size = min_size + self.stride[d] - 1
            if not min_size <= output_size[d] <= max_size:
                raise ValueError(f"ConvTranspose2d: requested an output size of "
                                 f"{output_size}, but valid sizes range from {min_size} to "
                                 f"{max_size} (for an input of {spatial})")
            res.append(output_size[d] - min_size)
        return tuple(res)


def _check_pool(name, kernel_size, stride, padding, dilation):
    kernel = _tuple(kernel_size, 2, "kernel_size")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and
                                        len(stride) == 0) else _tuple(stride, 2, "stride")
    padding = _tuple(padding, 2, "padding")
    dilation = _tuple(dilation, 2, "dilation")
    _check_geometry(name, kernel, stride, padding, dilation)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{name}: pad should be at most half of effective kernel size, but "
                         f"got padding={padding}, kernel_size={kernel}")


class MaxPool2d(Module):
    """2D max pooling (``torch.nn.MaxPool2d``).

    ``MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
    ceil_mode=False)``: as ``torch.nn.MaxPool2d`` (``stride`` defaults to
    ``kernel_size``).

    Example::

        >>> nn.MaxPool2d(2)(ya.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices=False, ceil_mode=False):
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices=True is not supported")
        _check_pool("MaxPool2d", kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding="
                f"{self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2D average pooling (``torch.nn.AvgPool2d``).

    ``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None)``: as ``torch.nn.AvgPool2d``.

    Example::

        >>> nn.AvgPool2d(2)(ya.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        _check_pool("AvgPool2d", kernel_size, stride, padding, 1)
        if divisor_override is not None and divisor_override == 0:
            raise ValueError("AvgPool2d: divisor_override must be non-zero")
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """2D adaptive average pooling (``torch.nn.AdaptiveAvgPool2d``).

    ``AdaptiveAvgPool2d(output_size)``: as ``torch.nn.AdaptiveAvgPool2d``.

    Example::

        >>> nn.AdaptiveAvgPool2d((1, 1))(ya.ones((2, 3, 7, 5))).shape
        (2, 3, 1, 1)
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
