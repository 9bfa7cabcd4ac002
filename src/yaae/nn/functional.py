"""``yaae.nn.functional``: PyTorch's functional API (names, signatures, defaults
and numerics), composed from yaae's differentiable ops.

Nothing here has a backward pass of its own: every function is built from
yaae primitives (plus ``erf`` and ``bce`` from ``_prims``), so gradients,
forward mode (``ya.jvp``) and higher orders all come from the primitives'
rules.  Class-index targets may be integer Tensors/ndarrays or float-valued
Tensors holding integers (``ya.Tensor([1, 0])`` keeps int64, as in PyTorch).
"""
import math
import numbers
import warnings

import numpy as np

from .. import ops
from ..tensor import Tensor, _data
from ._prims import (erf as _erf, bce as _bce, linear as _linear, linear_nobias as _linear_nb,
                     softmax_ce as _softmax_ce)

__all__ = [
    "linear", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot",
    "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus",
    "softmax", "log_softmax", "logsigmoid", "flatten", "unflatten",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
]


# ---- helpers --------------------------------------------------------------------------------
def _t(x):
    """A Tensor for ``x`` (Tensors pass through; arrays keep their dtype)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "fc":
        return Tensor(arr, dtype=arr.dtype)
    return Tensor(arr)


def _const(x, like=None):
    """The values of ``x`` as a constant array (no gradient), in ``like``'s float dtype."""
    d = np.asarray(_data(x))
    if like is not None and d.dtype != like.dtype and like.dtype.kind == "f":
        d = d.astype(like.dtype)
    return d


def _index(target, name="target"):
    """Integer class indices from an integer or integral-float Tensor/array."""
    d = np.asarray(_data(target))
    if d.dtype.kind in "iu":
        return d.astype(np.int64, copy=False)
    if d.dtype.kind == "b":
        return d.astype(np.int64)
    if d.dtype.kind == "f":
        if d.size and not np.all(np.isfinite(d) & (d == np.round(d))):
            raise TypeError(f"{name}: expected integer class indices, got non-integral values "
                            f"of dtype {d.dtype}")
        return d.astype(np.int64)
    raise TypeError(f"{name}: expected integer class indices, got dtype {d.dtype}")


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_reduction(reduction, extra=()):
    if reduction not in ("none", "mean", "sum") + tuple(extra):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _broadcast_pair(input, target):
    shape = np.broadcast_shapes(input.shape, target.shape)
    if input.shape != shape:
        input = ops.broadcast_to(input, shape)
    if target.shape != shape:
        target = ops.broadcast_to(target, shape)
    return input, target


def _check_target_size(input, target, name):
    """PyTorch's regression-loss check: a target whose shape differs from the
    input's broadcasts silently to something else (often an (N, N) matrix of
    every pair), so warn as PyTorch does; shapes that do not broadcast at all
    raise a ValueError naming the loss and both shapes."""
    ishape, tshape = tuple(np.shape(_data(input))), tuple(np.shape(_data(target)))
    if ishape == tshape:
        return
    try:
        np.broadcast_shapes(ishape, tshape)
    except ValueError:
        raise ValueError(f"{name}: the input of shape {ishape} and the target of shape "
                         f"{tshape} cannot be broadcast together; give the target the "
                         f"input's shape") from None
    warnings.warn(f"{name}: Using a target size ({tshape}) that is different to the input "
                  f"size ({ishape}). This will likely lead to incorrect results due to "
                  f"broadcasting. Please ensure they have the same size.", UserWarning,
                  stacklevel=3)


def _dim(dim, ndim):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


# ---- linear, dropout, normalisation, embedding ----------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (weight has shape (out_features, in_features)).

    As ``torch.nn.functional.linear``.

    Example::

        >>> F.linear(ya.ones((5, 3)), ya.ones((2, 3)), ya.zeros(2)).shape
        (5, 2)
    """
    input, weight = _t(input), _t(weight)
    xd, wd = input._data, weight._data
    if (xd.ndim >= 2 and wd.ndim == 2 and xd.dtype.kind == "f" and wd.dtype.kind == "f"
            and xd.shape[-1] == wd.shape[1]):
        # one node, the weight gradient computed in the weight's (out, in) layout
        if bias is None:
            return _linear_nb(input, weight)
        bias = _t(bias)
        bd = bias._data
        if bd.shape == (wd.shape[0],) and bd.dtype.kind == "f":
            return _linear(input, weight, bias)
    if weight.ndim == 1:
        out = ops.matmul(input, weight)
    else:
        out = ops.matmul(input, ops.transpose(weight))
    if bias is not None:
        out = out + bias
    return out


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p)
    (in training); draws from yaae's default generator.

    As ``torch.nn.functional.dropout``.

    Example::

        >>> F.dropout(ya.ones((2, 4)), p=0.5, training=False)
        tensor([[1., 1., 1., 1.],
               [1., 1., 1., 1.]], dtype=float64)
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input = _t(input)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * np.zeros((), dtype=input.dtype)
    from ..random import default_generator
    keep = default_generator().random(input.shape) >= p
    mask = keep.astype(input.dtype) * np.asarray(1.0 / (1.0 - p), dtype=input.dtype)
    return input * mask


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over every dimension except 1 (PyTorch semantics).

    In training the batch statistics normalise (biased variance) and the
    running statistics, when given, are updated in place with
    ``(1 - momentum) * running + momentum * batch`` (unbiased variance).

    As ``torch.nn.functional.batch_norm``.

    Example::

        >>> x = ya.tensor([[1.0, 2.0], [3.0, 6.0]])
        >>> F.batch_norm(x, None, None, training=True).data.mean(axis=0)
        array([0., 0.])
    """
    input = _t(input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected at least 2D input (got {input.ndim}D input)")
    C = input.shape[1]
    for pname, p in (("running_mean", running_mean), ("running_var", running_var),
                     ("weight", weight), ("bias", bias)):
        if p is not None and np.size(_data(p)) != C:
            raise ValueError(f"batch_norm: {pname} should contain {C} elements not "
                             f"{np.size(_data(p))} (the input of shape {tuple(input.shape)} "
                             f"has {C} channels along dim 1); build the layer with "
                             f"num_features={C}, or check the input's layout (N, C, ...)")
    axes = (0,) + tuple(range(2, input.ndim))
    bshape = (1, C) + (1,) * (input.ndim - 2)
    if training:
        n = input.size // C
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, "
                             f"got input size {tuple(input.shape)}")
        mean = ops.mean(input, axis=axes, keepdims=True)
        diff = input - mean
        var = ops.mean(diff * diff, axis=axes, keepdims=True)
        if running_mean is not None or running_var is not None:
            m = 0.0 if momentum is None else momentum
            md = mean.data.reshape(C)
            vd = var.data.reshape(C) * (n / (n - 1))
            if running_mean is not None:
                rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
                rm[...] = (1 - m) * rm + m * md
            if running_var is not None:
                rv = running_var.data if isinstance(running_var, Tensor) else running_var
                rv[...] = (1 - m) * rv + m * vd
        out = diff * (1.0 / ops.sqrt(var + eps))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given "
                             "when training=False")
        rm = _const(running_mean, input).reshape(bshape)
        rv = _const(running_var, input).reshape(bshape)
        invstd = 1.0 / np.sqrt(rv + np.asarray(eps, dtype=rv.dtype))
        out = (input - rm) * invstd
    return _affine(out, weight, bias, C)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dimensions (biased variance).

    As ``torch.nn.functional.layer_norm``.

    Example::

        >>> F.layer_norm(ya.tensor([[1.0, 2.0, 3.0]]), (3,)).shape
        (1, 3)
    """
    input = _t(input)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise ValueError(f"layer_norm: given normalized_shape={list(normalized_shape)}, expected "
                         f"input with shape [*, {', '.join(map(str, normalized_shape))}], but "
                         f"got input of size {list(input.shape)}")
    out = _standardize(input, tuple(range(-k, 0)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer indices ``input``; the gradient
    of row ``padding_idx`` is zero.  ``max_norm`` renormalises the picked rows
    of ``weight`` in place (as PyTorch).

    As ``torch.nn.functional.embedding``.

    Example::

        >>> F.embedding(ya.tensor([0, 2], dtype='int64'), ya.ones((3, 4))).shape
        (2, 4)
    """
    idx = _index(input, "embedding")
    weight = _t(weight)
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise ValueError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise ValueError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(f"embedding: index out of range in self (indices must be in "
                         f"[0, {num}) for a weight of shape {tuple(weight.shape)}, got min "
                         f"{idx.min()}, max {idx.max()}); negative indices are not allowed")
    if max_norm is not None:
        rows = np.unique(idx)
        w = weight.data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = w[rows] * scale[:, None].astype(w.dtype)
    out = weight[idx]
    if scale_grad_by_freq:
        counts = np.bincount(idx.ravel(), minlength=num).astype(weight.dtype)
        inv = (1.0 / np.maximum(counts[idx], 1))[..., None].astype(weight.dtype)
        const = ops.stop_gradient(out)
        out = const + (out - const) * inv
    if padding_idx is not None:
        keep = (idx != padding_idx)[..., None]
        out = ops.where(keep, out, ops.stop_gradient(out))
    return out


def one_hot(tensor, num_classes=-1):
    """An int64 tensor with a trailing one-hot dimension of size ``num_classes``.

    As ``torch.nn.functional.one_hot``.

    Example::

        >>> F.one_hot(ya.tensor([0, 2], dtype='int64'), 3)
        tensor([[1, 0, 0],
            [0, 0, 1]], dtype=int64)
    """
    idx = _index(tensor, "one_hot")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
        if not idx.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if idx.size and (idx.min() < 0):
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor(out, dtype=np.int64)


# ---- activations --------------------------------------------------------------------------
def relu(input, inplace=False):
    """``relu(input, inplace=False)``: elementwise max(0, x), as ``torch.nn.functional.relu``
    (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.relu(x).shape
        (1, 3)
        >>> F.relu(x).sum().backward()
    """
    return ops.relu(_t(input))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``leaky_relu(input, negative_slope=0.01, inplace=False)``: elementwise x for x > 0,
    negative_slope * x otherwise, as ``torch.nn.functional.leaky_relu`` (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.leaky_relu(x).shape
        (1, 3)
        >>> F.leaky_relu(x).sum().backward()
    """
    input = _t(input)
    return ops.where(input.data > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """``elu(input, alpha=1.0, inplace=False)``: elementwise x for x > 0, alpha (exp(x) - 1)
    otherwise (finite gradients everywhere), as ``torch.nn.functional.elu`` (``inplace``
    is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.elu(x).shape
        (1, 3)
        >>> F.elu(x).sum().backward()
    """
    input = _t(input)
    pos = input.data > 0
    neg = ops.where(pos, 0.0, input)        # keeps exp finite where it is unused
    return ops.where(pos, input, ops.expm1(neg) * alpha)


_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input, approximate="none"):
    """``gelu(input, approximate='none')``: elementwise x Φ(x) with the exact normal CDF
    (``approximate='tanh'``: PyTorch's tanh formula), as ``torch.nn.functional.gelu``
    (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.gelu(x).shape
        (1, 3)
        >>> F.gelu(x).sum().backward()
    """
    input = _t(input)
    if approximate == "none":
        return input * 0.5 * (1.0 + _erf(input * _SQRT1_2))
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + ops.tanh(inner))
    raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input, inplace=False):
    """``silu(input, inplace=False)``: elementwise x sigmoid(x), as
    ``torch.nn.functional.silu`` (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.silu(x).shape
        (1, 3)
        >>> F.silu(x).sum().backward()
    """
    input = _t(input)
    return input * ops.sigmoid(input)


def sigmoid(input):
    """``sigmoid(input)``: elementwise 1 / (1 + exp(-x)), as ``torch.nn.functional.sigmoid``
    (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.sigmoid(x).shape
        (1, 3)
        >>> F.sigmoid(x).sum().backward()
    """
    return ops.sigmoid(_t(input))


def tanh(input):
    """``tanh(input)``: elementwise tanh(x), as ``torch.nn.functional.tanh`` (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.tanh(x).shape
        (1, 3)
        >>> F.tanh(x).sum().backward()
    """
    return ops.tanh(_t(input))


def logsigmoid(input):
    """``logsigmoid(input)``: elementwise log sigmoid(x) = -softplus(-x), stable for large
    |x|, as ``torch.nn.functional.logsigmoid`` (``inplace`` is
    accepted and ignored: the result is a new tensor).

    Example::

        >>> x = ya.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
        >>> F.logsigmoid(x).shape
        (1, 3)
        >>> F.logsigmoid(x).sum().backward()
    """
    return -ops.softplus(-_t(input))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``.

    As ``torch.nn.functional.softplus``.

    Example::

        >>> F.softplus(ya.tensor([0.0]))
        tensor([0.69314718], dtype=float64)
    """
    input = _t(input)
    bx = input * beta
    lin = bx.data > threshold
    safe = ops.where(lin, 0.0, bx)
    return ops.where(lin, input, ops.softplus(safe) / beta)


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _along_dim(op, input, dim, dtype):
    """softmax / log_softmax with torch's dim default, dtype and 0-d handling."""
    input = _t(input)
    if dtype is not None:
        input = ops.astype(input, np.dtype(dtype))
    if dim is None:
        dim = _softmax_dim(input.ndim)
    if input.ndim == 0:
        return op(ops.reshape(input, (1,)), axis=0).reshape(())
    return op(input, axis=_dim(dim, input.ndim))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(input, dim=None, dtype=None)``: softmax along ``dim``, as
    ``torch.nn.functional.softmax`` (give ``dim``; ``ya.softmax(x, axis=...)`` is the
    NumPy-style
    function).

    Example::

        >>> p = F.softmax(ya.tensor([[1.0, 2.0, 3.0]]), dim=1)
        >>> round(float(p.sum()), 12)
        1.0
    """
    return _along_dim(ops.softmax, input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log_softmax(input, dim=None, dtype=None)``: log softmax along ``dim``, as
    ``torch.nn.functional.log_softmax``, computed stably (not ``log(softmax)``).

    Example::

        >>> F.log_softmax(ya.tensor([[1.0, 2.0, 3.0]]), dim=1).shape
        (1, 3)
    """
    return _along_dim(ops.log_softmax, input, dim, dtype)


def flatten(input, start_dim=0, end_dim=-1):
    """``flatten(input, start_dim=0, end_dim=-1)``: dimensions ``start_dim`` to ``end_dim``
    merged into one, as ``torch.flatten``.

    Example::

        >>> F.flatten(ya.ones((2, 3, 4)), 1).shape
        (2, 12)
    """
    input = _t(input)
    nd = max(input.ndim, 1)
    s, e = _dim(start_dim, nd), _dim(end_dim, nd)
    if input.ndim == 0:
        return ops.reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return ops.reshape(input, tuple(shape[:s]) + (int(np.prod(shape[s:e + 1])),) + tuple(shape[e + 1:]))


def unflatten(input, dim, sizes):
    """``unflatten(input, dim, sizes)``: dimension ``dim`` split into ``sizes``, as
    ``torch.unflatten``.

    Example::

        >>> F.unflatten(ya.ones((2, 12)), 1, (3, 4)).shape
        (2, 3, 4)
    """
    input = _t(input)
    d = _dim(dim, input.ndim)
    sizes = tuple(int(s) for s in sizes)
    if -1 in sizes:
        known = int(np.prod([s for s in sizes if s != -1]))
        sizes = tuple(input.shape[d] // known if s == -1 else s for s in sizes)
    if int(np.prod(sizes)) != input.shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({input.shape[d]}) in the input tensor")
    shape = input.shape
    return ops.reshape(input, tuple(shape[:d]) + sizes + tuple(shape[d + 1:]))


# ---- losses -------------------------------------------------------------------------------
def _weighted_elementwise(loss, weight, input, reduction, mean_by_weight=True):
    if weight is not None:
        w = _t(weight)
        if tuple(w.shape) != tuple(input.shape):
            raise ValueError("Weights and input must have the same size.")
        loss = loss * w
        if reduction == "mean" and mean_by_weight:
            return ops.sum(loss) / ops.sum(w)
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``mse_loss(input, target, reduction='mean', weight=None)``: the squared error (input -
    target)², reduced by ``reduction`` ('mean', 'sum' or 'none'), as
    ``torch.nn.functional.mse_loss``; ``input`` and ``target`` broadcast (with PyTorch's
    warning
    when their sizes differ).

    Example::

        >>> x = ya.tensor([0.0, 1.0, 3.0], requires_grad=True)
        >>> loss = F.mse_loss(x, ya.zeros(3))
        >>> loss.backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_target_size(input, target, "mse_loss")
    input, target = _broadcast_pair(_t(input), _t(target))
    d = input - target
    return _weighted_elementwise(d * d, weight, input, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``l1_loss(input, target, reduction='mean', weight=None)``: the absolute error |input -
    target|, reduced by ``reduction`` ('mean', 'sum' or 'none'), as
    ``torch.nn.functional.l1_loss``; ``input`` and ``target`` broadcast (with PyTorch's
    warning
    when their sizes differ).

    Example::

        >>> x = ya.tensor([0.0, 1.0, 3.0], requires_grad=True)
        >>> loss = F.l1_loss(x, ya.zeros(3))
        >>> loss.backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_target_size(input, target, "l1_loss")
    input, target = _broadcast_pair(_t(input), _t(target))
    return _weighted_elementwise(ops.abs(input - target), weight, input, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``smooth_l1_loss(input, target, reduction='mean', beta=1.0)``: the 0.5 d²/beta for |d|
    < beta, |d| - 0.5 beta otherwise (d = input - target), reduced by ``reduction``
    ('mean', 'sum' or 'none'), as
    ``torch.nn.functional.smooth_l1_loss``; ``input`` and ``target`` broadcast (with
    PyTorch's warning
    when their sizes differ).

    Example::

        >>> x = ya.tensor([0.0, 1.0, 3.0], requires_grad=True)
        >>> loss = F.smooth_l1_loss(x, ya.zeros(3))
        >>> loss.backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    _check_target_size(input, target, "smooth_l1_loss")
    input, target = _broadcast_pair(_t(input), _t(target))
    d = input - target
    z = ops.abs(d)
    small = z.data < beta
    ds = ops.where(small, d, 0.0)       # the quadratic branch never sees a large d (no 0 * inf)
    loss = ops.where(small, 0.5 * ds * ds / beta, z - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``huber_loss(input, target, reduction='mean', delta=1.0, weight=None)``: the 0.5 d²
    for |d| < delta, delta (|d| - 0.5 delta) otherwise, reduced by ``reduction`` ('mean',
    'sum' or 'none'), as
    ``torch.nn.functional.huber_loss``; ``input`` and ``target`` broadcast (with PyTorch's
    warning
    when their sizes differ).

    Example::

        >>> x = ya.tensor([0.0, 1.0, 3.0], requires_grad=True)
        >>> loss = F.huber_loss(x, ya.zeros(3))
        >>> loss.backward()
    """
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_target_size(input, target, "huber_loss")
    input, target = _broadcast_pair(_t(input), _t(target))
    d = input - target
    z = ops.abs(d)
    small = z.data < delta
    ds = ops.where(small, d, 0.0)       # the quadratic branch never sees a large d
    loss = ops.where(small, 0.5 * ds * ds, delta * (z - 0.5 * delta))
    return _weighted_elementwise(loss, weight, input, reduction, mean_by_weight=False)


def _class_last(input):
    """Move the class dimension (1, or 0 for unbatched input) last."""
    if input.ndim == 1:
        return ops.reshape(input, (1, input.shape[0])), True
    if input.ndim == 2:
        return input, False
    return ops.moveaxis(input, 1, -1), False


def _check_targets(idx, input, C, ignore_index):
    nd = input.ndim
    if nd == 1:
        exp_shape = ()
    else:
        exp_shape = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(idx.shape) != exp_shape:
        if nd == 2 and idx.ndim == 1:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({idx.shape[0]}).")
        raise ValueError(f"expected target of shape {exp_shape} for input of shape "
                         f"{tuple(input.shape)}, got {tuple(idx.shape)}")
    bad = (idx != ignore_index) & ((idx < 0) | (idx >= C))
    if np.any(bad):
        raise IndexError(f"Target {int(idx[bad].flat[0])} is out of bounds.")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class indices: ``-weight[t] * input[t]`` per
    sample; 'mean' divides by the summed weights of the non-ignored targets.

    As ``torch.nn.functional.nll_loss``.

    Example::

        >>> logp = F.log_softmax(ya.zeros((2, 4), requires_grad=True), dim=1)
        >>> F.nll_loss(logp, ya.tensor([1, 3], dtype='int64')).backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input = _t(input)
    if input.ndim < 1:
        raise ValueError("nll_loss: expected input with at least 1 dimension")
    idx = _index(target, "nll_loss")
    C = input.shape[0 if input.ndim == 1 else 1]
    _check_targets(idx, input, C, ignore_index)
    x, unbatched = _class_last(input)
    t = idx.reshape(1) if unbatched else idx
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = ops.take_along_axis(x, safe[..., None], -1)
    picked = ops.reshape(picked, safe.shape)
    if weight is not None:
        w = _const(weight, input)
        if w.shape != (C,):
            raise ValueError(f"weight tensor should be defined either for all {C} classes or "
                             f"no classes but got weight tensor of shape: {list(w.shape)}")
        wt = w[safe] * valid
    else:
        wt = valid.astype(input.dtype)
    loss = -(picked * wt)
    if reduction == "none":
        return ops.reshape(loss, ()) if unbatched else loss
    total = ops.sum(loss)
    if reduction == "sum":
        return total
    denom = np.asarray(wt.sum(), dtype=input.dtype)
    if denom == 0:
        # every target ignored (or zero weight): NaN with a zero gradient, as torch
        return total + np.asarray(np.nan, dtype=input.dtype)
    return total / denom


def _fused_cross_entropy(input, target, weight, ignore_index, reduction):
    """(N, C) logits and class indices, 'mean' or 'sum': one node (``_prims.softmax_ce``)
    with nll_loss(log_softmax(input))'s value; None (use the composite) when a row's
    maximum is not finite or every target is ignored."""
    z = input._data
    m = np.maximum.reduce(z, axis=1, keepdims=True)
    if not np.isfinite(m).all():
        return None
    idx = _index(target, "nll_loss")
    N, C = z.shape
    if idx.shape != (N,) or idx.size == 0:
        _check_targets(idx, input, C, ignore_index)      # raises the composite's error
    lo, hi = idx.min(), idx.max()
    if lo < 0 or hi >= C:
        _check_targets(idx, input, C, ignore_index)      # out of range unless ignored
        valid = idx != ignore_index
        safe = np.where(valid, idx, 0)
    elif lo <= ignore_index <= hi:
        valid = idx != ignore_index
        safe = np.where(valid, idx, 0)
    else:
        valid = safe = idx                               # nothing ignored
    wt = None
    if weight is not None:
        w = _const(weight, input)
        if w.shape != (C,):
            raise ValueError(f"weight tensor should be defined either for all {C} classes or "
                             f"no classes but got weight tensor of shape: {list(w.shape)}")
        wt = w[safe] if valid is idx else w[safe] * valid
    elif valid is not idx:
        wt = valid.astype(z.dtype)
    if reduction == "sum":
        denom = np.asarray(1, dtype=z.dtype)
    else:
        denom = np.asarray(N if wt is None else wt.sum(), dtype=z.dtype)
        if denom == 0:
            return None
    return _softmax_ce(input, safe, wt, denom, m)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits ``input`` (N, C) or (N, C, d1, ...) or (C,) with class
    indices or class probabilities (``target`` shaped like ``input``).

    As ``torch.nn.functional.cross_entropy``.

    Example::

        >>> logits = ya.zeros((2, 4), requires_grad=True)
        >>> loss = F.cross_entropy(logits, ya.tensor([1, 3], dtype='int64'))
        >>> round(loss.item(), 6)   # log 4
        1.386294
        >>> loss.backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    input = _t(input)
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    bshape = [1] * input.ndim
    bshape[class_dim] = C
    tdata = np.asarray(_data(target))
    prob = tdata.shape == tuple(input.shape) and tdata.dtype.kind == "f" and not (
        input.ndim == 1 and tdata.ndim == 0)
    if (not prob and label_smoothing <= 0.0 and input.ndim == 2 and input.size
            and reduction in ("mean", "sum") and input.dtype.kind == "f"):
        fused = _fused_cross_entropy(input, target, weight, ignore_index, reduction)
        if fused is not None:
            return fused
    logp = log_softmax(input, class_dim)
    if prob:
        t = _t(target)
        if label_smoothing > 0.0:
            t = t * (1 - label_smoothing) + label_smoothing / C
        terms = logp * t
        if weight is not None:
            terms = terms * _const(weight, input).reshape(bshape)
        if reduction == "none":
            return -ops.sum(terms, axis=class_dim)
        if reduction == "sum":
            return -ops.sum(terms)
        n = input.size // C if C else 0
        if input.size == 0:
            return -ops.sum(terms) * np.nan
        return -ops.sum(terms) / n
    nll = nll_loss(logp, target, weight=weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0.0:
        return nll
    idx = _index(target, "cross_entropy")
    ignore = idx == ignore_index
    if weight is not None:
        w = _const(weight, input)
        smooth = -ops.sum(logp * w.reshape(bshape), axis=class_dim)
    else:
        smooth = -ops.sum(logp, axis=class_dim)
    smooth = ops.where(ignore, 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            denom = w[idx[~ignore]].sum()
        else:
            denom = (~ignore).sum()
        if ignore.all():
            ret = ops.sum(smooth) + np.asarray(np.nan, dtype=input.dtype)
        else:
            ret = ops.sum(smooth) / np.asarray(denom, dtype=input.dtype)
    elif reduction == "sum":
        ret = ops.sum(smooth)
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / C)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w (t log x + (1 - t) log(1 - x))`` with each log clamped at -100 (PyTorch).

    As ``torch.nn.functional.binary_cross_entropy``.

    Example::

        >>> p = ya.tensor([0.5, 0.9], requires_grad=True)
        >>> F.binary_cross_entropy(p, ya.tensor([1.0, 1.0])).backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target = _t(input), _t(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({tuple(target.shape)}) that is different to the "
                         f"input size ({tuple(input.shape)}) is deprecated. Please ensure they "
                         f"have the same size.")
    d = input.data
    if d.size and (np.any(d < 0) or np.any(d > 1) or np.any(np.isnan(d))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _bce(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """``(1 - t) x - (1 + (pos_weight - 1) t) log_sigmoid(x)``, weighted: stable for any x.

    As ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Example::

        >>> z = ya.tensor([0.0, 3.0], requires_grad=True)
        >>> F.binary_cross_entropy_with_logits(z, ya.tensor([1.0, 0.0])).backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target = _t(input), _t(target)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({tuple(target.shape)}) must be the same as input size "
                         f"({tuple(input.shape)})")
    log_sig = -ops.softplus(-input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input - log_weight * log_sig
    else:
        loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _xlogy_self(t):
    """``t log t`` with 0 where ``t == 0`` (NaN stays NaN)."""
    d = t.data
    zero = d == 0
    safe = ops.where(zero, 1.0, t)
    return ops.where(zero, 0.0, t * ops.log(safe))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence ``target (log target - input)`` (``input`` holds
    log-probabilities); reduction may also be 'batchmean'.

    As ``torch.nn.functional.kl_div``.

    Example::

        >>> logq = F.log_softmax(ya.zeros((1, 3), requires_grad=True), dim=1)
        >>> F.kl_div(logq, ya.tensor([[0.2, 0.3, 0.5]]), reduction='batchmean').backward()
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, ("batchmean",))
    input, target = _t(input), _t(target)
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = _xlogy_self(target) - target * input
    if reduction == "batchmean":
        if input.ndim == 0:
            return ops.sum(loss)
        return ops.sum(loss) / input.shape[0]
    return _reduce(loss, reduction)


# ---- convolution and pooling (yaae.nn.conv) ------------------------------------------------
from .conv import (conv1d, conv2d, conv_transpose2d, max_pool2d, avg_pool2d,  # noqa: E402
                   adaptive_avg_pool2d)

__all__ += ["conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
            "adaptive_avg_pool2d"]


# ---- normalisation, resizing, padding and similarity (issue #11) ---------------------------
__all__ += ["group_norm", "instance_norm", "interpolate", "upsample", "pad", "normalize",
            "cosine_similarity", "gumbel_softmax", "pixel_shuffle", "pixel_unshuffle",
            "dropout1d", "dropout2d"]


def _standardize(x, axes, eps):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance)."""
    mean = ops.mean(x, axis=axes, keepdims=True)
    diff = x - mean
    var = ops.mean(diff * diff, axis=axes, keepdims=True)
    return diff * (1.0 / ops.sqrt(var + eps))


def _affine(out, weight, bias, C):
    """``out * weight + bias`` with per-channel (dim 1) ``weight``/``bias`` of size ``C``."""
    bshape = (1, C) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * ops.reshape(_t(weight), bshape)
    if bias is not None:
        out = out + ops.reshape(_t(bias), bshape)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: the ``C`` channels of ``input`` (N, C, *) are split
    into ``num_groups`` groups, each normalised over its channels and all
    spatial positions (biased variance), then scaled by the per-channel
    ``weight`` and shifted by ``bias`` (both of size C, optional).

    Same semantics, defaults and errors as ``torch.nn.functional.group_norm``.

    >>> x = ya.Tensor(np.arange(24.).reshape(2, 4, 3))
    >>> F.group_norm(x, 2).shape
    (2, 4, 3)
    """
    input = _t(input)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    N, C = input.shape[:2]
    G = int(num_groups)
    spatial = int(np.prod(input.shape[2:], dtype=np.int64))
    if (N * C // G) * spatial == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {[N * C // G, G] + list(input.shape[2:])}")
    if C % G:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={G}")
    for pname, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(np.shape(_data(p))) != (C,):
            raise RuntimeError(f"Expected {pname} to be a vector of size equal to the number "
                               f"of channels in input, but got {pname} of shape "
                               f"{list(np.shape(_data(p)))} and input of shape "
                               f"{list(input.shape)}")
    out = _standardize(ops.reshape(input, (N, G, -1)), -1, eps)
    return _affine(ops.reshape(out, input.shape), weight, bias, C)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalisation: each channel of each sample of ``input``
    (N, C, *) is normalised over its spatial positions, then scaled by
    ``weight`` and shifted by ``bias`` (per channel, optional).

    With ``use_input_stats`` the statistics of the input normalise, and the
    running statistics, when given, are updated in place with the batch
    average of the instance statistics (unbiased variance), as PyTorch does;
    otherwise ``running_mean``/``running_var`` normalise.  Same semantics,
    defaults and errors as ``torch.nn.functional.instance_norm``.

    >>> x = ya.Tensor(np.arange(24.).reshape(2, 3, 4))
    >>> F.instance_norm(x).shape
    (2, 3, 4)
    """
    input = _t(input)
    if input.ndim < 2:
        raise ValueError(f"instance_norm: expected input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    if use_input_stats and int(np.prod(input.shape[2:], dtype=np.int64)) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {list(input.shape)}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    N, C = input.shape[:2]
    # PyTorch's definition: batch norm of the (1, N*C, *) view, with the running
    # statistics repeated N times and averaged back over the batch afterwards
    rep = [None if r is None else np.tile(_const(r, input), N)
           for r in (running_mean, running_var)]
    out = batch_norm(ops.reshape(input, (1, N * C) + tuple(input.shape[2:])), rep[0], rep[1],
                     training=use_input_stats, momentum=momentum, eps=eps)
    if use_input_stats:
        for r, new in zip((running_mean, running_var), rep):
            if r is not None:
                d = r.data if isinstance(r, Tensor) else r
                d[...] = new.reshape(N, C).mean(axis=0)
    return _affine(ops.reshape(out, input.shape), weight, bias, C)


# -- interpolate: PyTorch's source-index and weight formulas, one spatial axis at a time
_LINEAR_NDIM = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _take_axis(x, axis, idx):
    """``x`` indexed by the integer array ``idx`` along ``axis`` (differentiable)."""
    return x[(slice(None),) * axis + (idx,)]


def _nearest_index(in_size, out_size, scale, exact, shortcuts):
    """PyTorch's nearest / nearest-exact source indices (float32 arithmetic, as
    its kernels).  ``shortcuts``: PyTorch's 2-D nearest kernel copies when the
    size is unchanged and halves the index when it doubles, whatever the
    scale_factor (its 1-D and 3-D kernels do not)."""
    dst = np.arange(out_size)
    if shortcuts and out_size == in_size:
        return dst
    if shortcuts and out_size == 2 * in_size:
        return dst >> 1
    if scale is not None and scale > 0:
        s = np.float32(1.0 / scale)
    else:
        s = np.float32(in_size) / np.float32(out_size)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _source_index(in_size, out_size, scale, align_corners, dtype, cubic=False):
    """PyTorch's source position of each output index, split into an integer
    index ``i0`` and a fraction ``t`` in [0, 1] (its area_pixel_compute_source_index
    and guard_index_and_lambda, in the input's float type)."""
    ft = np.dtype(dtype).type
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        s = ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
        real = s * dst
    else:
        s = ft(1.0 / scale) if scale is not None and scale > 0 else ft(in_size) / ft(out_size)
        real = s * (dst + ft(0.5)) - ft(0.5)
        if not cubic:
            real = np.maximum(real, ft(0))
    i0 = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), in_size - 1)
    return i0, np.clip(real - i0.astype(dtype), ft(0), ft(1)).astype(dtype)


def _linear_weights(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's linear-interpolation indices ``i0, i1`` and weights ``l0, l1``
    (computed in the input's float type, as its kernel)."""
    i0, l1 = _source_index(in_size, out_size, scale, align_corners, dtype)
    i1 = i0 + (i0 < in_size - 1)
    return i0, i1, (np.dtype(dtype).type(1) - l1).astype(dtype), l1


def _cubic_weights(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's bicubic taps (A = -0.75): indices clamped into the input; source
    positions in the input's float type, weights in float64 (PyTorch's float32
    results agree with float64 weights, not with float32 ones)."""
    i0, t = _source_index(in_size, out_size, scale, align_corners, dtype, cubic=True)
    t = t.astype(np.float64)
    A = -0.75

    def near(x):            # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x):             # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [(np.clip(i0 - 1 + j, 0, in_size - 1), w.astype(dtype))
            for j, w in enumerate(weights)]


def _area_weights(in_size, out_size, dtype):
    """Adaptive average pooling windows (PyTorch's 'area' mode) as taps."""
    o = np.arange(out_size)
    start, end = (o * in_size) // out_size, ((o + 1) * in_size + out_size - 1) // out_size
    count = (end - start).astype(dtype)
    return [(np.minimum(start + j, in_size - 1), ((start + j < end) / count).astype(dtype))
            for j in range(int((end - start).max()))]


def _taps(x, axis, out_size, scale, mode, align_corners):
    """PyTorch's (source indices, weights) pairs resampling ``x`` along ``axis``,
    or None where its kernel copies."""
    in_size = x.shape[axis]
    if mode in ("nearest", "nearest-exact"):
        idx = _nearest_index(in_size, out_size, scale, mode == "nearest-exact",
                             mode == "nearest" and x.ndim == 4)
        if out_size == in_size and np.array_equal(idx, np.arange(in_size)):
            return None
        return [(idx, np.ones(out_size, dtype=x.dtype))]
    if mode == "area":
        return None if out_size == in_size else _area_weights(in_size, out_size, x.dtype)
    if mode == "bicubic":
        return _cubic_weights(in_size, out_size, scale, align_corners, x.dtype)
    if out_size == in_size:     # PyTorch's linear kernels copy (weights 1 and 0)
        return None
    i0, i1, l0, l1 = _linear_weights(in_size, out_size, scale, align_corners, x.dtype)
    return [(i0, l0), (i1, l1)]


def _resize_axis(x, axis, taps):
    """Apply the resampling ``taps`` along ``axis``: one matmul with the (out, in)
    interpolation matrix for finite float input (fast in both passes), gathers
    otherwise (a zero weight times an infinite value is NaN, as in PyTorch)."""
    if taps is None:
        return x
    out_size = len(taps[0][0])
    if x.dtype.kind == "f" and np.isfinite(x.data).all():
        matrix = np.zeros((out_size, x.shape[axis]), dtype=x.dtype)
        for idx, w in taps:
            np.add.at(matrix, (np.arange(out_size), idx), w)
        return ops.moveaxis(ops.matmul(ops.moveaxis(x, axis, -1), matrix.T), -1, axis)
    if len(taps) == 1 and np.all(taps[0][1] == 1):
        return _take_axis(x, axis, taps[0][0])
    wshape = (out_size,) + (1,) * (x.ndim - axis - 1)
    with np.errstate(invalid="ignore"):     # 0 * inf is NaN, as in PyTorch
        return sum(_take_axis(x, axis, idx) * w.reshape(wshape) for idx, w in taps)


def _per_dim(value, input, what, of, letter):
    """``value`` as one entry per spatial dimension (PyTorch's length check)."""
    dim = input.ndim - 2
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) != dim:
        raise ValueError(
            f"Input and {what.split()[0]} must have the same number of spatial dimensions, "
            f"but got input with spatial dimensions of {list(input.shape[2:])} and {what} "
            f"{of} {value}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            f"{what} in ({letter}1, {letter}2, ...,{letter}K) format.")
    return list(value)


def _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode):
    """PyTorch's interpolate argument rules: (output sizes or None, scales or None)."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = out_sizes = None
    if size is not None:
        sizes = _per_dim(size, input, "output size", "of", "o")
        if not all(isinstance(s, numbers.Integral) for s in sizes):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] "
                            f"or Tuple[int, int, int], but got size with types "
                            f"{[type(s) for s in sizes]}")
        out_sizes = [int(s) for s in sizes]
    elif scale_factor is not None:
        scales = [float(s) for s in _per_dim(scale_factor, input, "scale_factor", "of shape",
                                             "s")]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_sizes is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out_sizes = [int(n * f) for n, f in zip(input.shape[2:], scales)]
        scales = None
    return out_sizes, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dimensions of ``input`` (N, C, *spatial) to ``size``
    or by ``scale_factor`` (one value or one per spatial dimension).

    Modes: ``'nearest'``, ``'nearest-exact'`` and ``'area'`` (3-D, 4-D and 5-D
    input), ``'linear'`` (3-D), ``'bilinear'`` and ``'bicubic'`` (4-D) and
    ``'trilinear'`` (5-D), with ``align_corners`` True or False.  Source
    indices and weights follow PyTorch's CPU kernels exactly, including the use
    of ``scale_factor`` itself (not in/out sizes) unless
    ``recompute_scale_factor=True``.  ``'lanczos'`` and ``antialias=True``
    raise NotImplementedError in yaae; argument errors are PyTorch's.

    >>> x = ya.Tensor(np.arange(4.).reshape(1, 1, 2, 2))
    >>> F.interpolate(x, scale_factor=2, mode="bilinear").shape
    (1, 1, 4, 4)
    """
    input = _t(input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    out_sizes, scales = _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode)
    nd = input.ndim
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    supported = ((mode in ("nearest", "nearest-exact", "area") and nd in (3, 4, 5))
                 or _LINEAR_NDIM.get(mode) == nd or (mode == "bicubic" and nd == 4))
    if not supported and nd in (3, 4, 5):
        if mode in _LINEAR_NDIM:
            raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs "
                                      f"{_LINEAR_NDIM[mode]}D input")
        if mode == "lanczos" and nd == 4:
            if align_corners:
                raise ValueError("Lanczos mode does not support align_corners=True")
            if not antialias:
                raise ValueError("Lanczos mode requires antialias=True")
            raise NotImplementedError("interpolate: mode='lanczos' (antialias=True) is not "
                                      "implemented in yaae; use 'bicubic' or 'bilinear'")
    if not supported:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the "
            f"modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if antialias:
        raise NotImplementedError(f"interpolate: antialias=True is not implemented in yaae "
                                  f"(mode={mode!r}); call with antialias=False")
    in_sizes = list(input.shape[2:])
    if out_sizes is None:
        out_sizes = [int(n * s) for n, s in zip(in_sizes, scales)]
    if min(in_sizes + out_sizes) <= 0:
        names = ("D", "H", "W")[3 - len(in_sizes):]
        fmt = lambda sz: ", ".join(f"{a}: {b}" for a, b in zip(names, sz))  # noqa: E731
        sep = " and " if len(in_sizes) == 1 else " "
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({fmt(in_sizes)}){sep}output ({fmt(out_sizes)})")
    out = input
    for i, n in enumerate(out_sizes):
        out = _resize_axis(out, i + 2, _taps(out, i + 2, n, None if scales is None else
                                             scales[i], mode, align_corners))
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (warns, as PyTorch).

    >>> F.interpolate(ya.Tensor(np.ones((1, 1, 2))), scale_factor=2).shape
    (1, 1, 4)
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# -- pad: PyTorch's pad tuple (last dimension first), PyTorch's modes
_PAD_DIMS = {1: (2, 3), 2: (3, 4), 3: (4, 5)}


def _pad_index(n, lo, hi, mode):
    """Source indices along one axis of length ``n`` padded by ``lo``/``hi``
    (negative widths crop; circular padding wraps the cropped input, as PyTorch)."""
    if mode == "circular":
        start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        return start + np.arange(-max(lo, 0), m + max(hi, 0)) % max(m, 1)
    idx = np.arange(-lo, n + hi)
    if mode == "reflect":
        idx = np.abs(idx)
        return np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
    return np.clip(idx, 0, n - 1)                    # replicate


def pad(input, pad, mode="constant", value=None):
    """PyTorch's pad: ``pad`` lists (left, right) widths starting from the
    last dimension, e.g. ``(1, 2)`` pads the last dimension, ``(1, 1, 2, 0)``
    the last two.  Modes ``'constant'`` (fill ``value``, default 0; negative
    widths crop), ``'reflect'``, ``'replicate'`` and ``'circular'`` (these
    three for the last 1, 2 or 3 dimensions of a batched or unbatched input,
    as PyTorch).  Differs from ``ya.pad``, which is NumPy's ``np.pad``.

    >>> F.pad(ya.Tensor(np.ones((1, 2, 3))), (1, 2), mode="reflect").shape
    (1, 2, 6)
    """
    input = _t(input)
    pad = [int(p) for p in pad]
    nd = input.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {nd}")
    widths = {nd - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(k)}
    shape = tuple(input.shape)
    if mode == "constant":
        key = tuple(slice(max(-widths[a][0], 0), shape[a] - max(-widths[a][1], 0))
                    if a in widths else slice(None) for a in range(nd))
        for a, (lo, hi) in widths.items():
            if shape[a] + min(lo, 0) + min(hi, 0) < 0:
                raise RuntimeError(f"pad: the negative padding ({lo}, {hi}) removes more than "
                                   f"the {shape[a]} elements of dimension {a} of the input of "
                                   f"shape {list(shape)}")
        out = input[key] if any(min(w) < 0 for w in widths.values()) else input
        pw = tuple((max(widths[a][0], 0), max(widths[a][1], 0)) if a in widths else (0, 0)
                   for a in range(nd))
        if any(max(w) > 0 for w in pw):
            out = ops.pad(out, pw, constant_values=0 if value is None else value)
        return out
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if nd not in _PAD_DIMS.get(k, ()):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            f"Supported combinations for non-constant padding:\n"
            f"  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            f"  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            f"  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    for i, (a, (lo, hi)) in enumerate(widths.items()):
        n = shape[a]
        if mode == "reflect" and not (lo < n and hi < n):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {a} of input {list(shape)}")
        if mode == "circular":
            m = n + min(lo, 0) + min(hi, 0)
            if m < 0 or (m == 0 and max(lo, hi) > 0):
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
        elif n + lo + hi < (1 if k == 1 else 0):
            name = "WHD"[i]
            raise RuntimeError(f"input ({name}: {n}) is too small. Calculated output {name}: "
                               f"{n + lo + hi}")
    out = input
    for a, (lo, hi) in widths.items():
        out = _take_axis(out, a, _pad_index(shape[a], lo, hi, mode))
    return out


# -- norms and similarity, with PyTorch's gradient at zero vectors
def _vector_norm(x, p, axis):
    """The ``p``-norm along ``axis`` (kept), with PyTorch's gradient: 0 at a zero vector."""
    if p == 0:
        return ops.sum(ops.stop_gradient(x) != 0, axis=axis, keepdims=True).astype(x.dtype)
    a = ops.abs(x)
    if p == math.inf:
        return ops.max(a, axis=axis, keepdims=True)
    if p == -math.inf:
        return ops.min(a, axis=axis, keepdims=True)
    if p == 1:
        return ops.sum(a, axis=axis, keepdims=True)
    s = ops.sum(x * x if p == 2 else a ** p, axis=axis, keepdims=True)
    zero = s.data == 0
    if not zero.any():
        return ops.sqrt(s) if p == 2 else s ** (1.0 / p)
    safe = ops.where(zero, 1.0, s)
    return ops.where(zero, 0.0, ops.sqrt(safe) if p == 2 else safe ** (1.0 / p))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim`` (PyTorch's ``normalize``):
    the clamp makes a zero vector's output zero and its gradient finite (the
    gradient passes through the norm only where the norm is at least ``eps``,
    as PyTorch's ``clamp_min``).  ``dim`` may be an int or a tuple of ints;
    ``out`` is not supported (yaae has no out= arguments).

    >>> F.normalize(ya.Tensor([[3., 4.], [0., 0.]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported in yaae; use the returned tensor")
    input = _t(input)
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axis = tuple(_dim(d, input.ndim) for d in dims)
    norm = _vector_norm(input, p, axis)
    big = norm.data >= eps
    denom = norm if big.all() else ops.where(big, norm, eps)
    return input / denom


def _clamp_value(norm, eps):
    """``max(norm, eps)`` as a value, with the gradient of ``norm`` itself
    (PyTorch clamps the norms of ``cosine_similarity`` under no_grad)."""
    big = norm.data >= eps
    if big.all():
        return norm
    return ops.where(big, norm, eps) + (norm - ops.stop_gradient(norm)) * ~big


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``, after broadcasting
    them together: ``sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), dim)``.

    PyTorch 2.13's formula: each input is divided by its clamped norm first
    (so the result stays within [-1, 1]) and the clamp carries no gradient of
    its own, so gradients equal PyTorch's, including at zero vectors.

    >>> F.cosine_similarity(ya.Tensor([[1., 0.]]), ya.Tensor([[1., 1.]])).shape
    (1,)
    """
    x1, x2 = _t(x1), _t(x2)
    if x1.dtype.kind not in "fc":
        x1 = ops.astype(x1, np.result_type(x2.dtype, np.float64) if x2.dtype.kind in "fc"
                        else np.float64)
    if x2.dtype.kind not in "fc":
        x2 = ops.astype(x2, x1.dtype)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise RuntimeError(f"cosine_similarity: the inputs of shapes {tuple(x1.shape)} and "
                           f"{tuple(x2.shape)} cannot be broadcast together") from None
    x1, x2 = _broadcast_pair(x1, x2)
    axis = _dim(dim, len(shape))
    n1 = _clamp_value(_vector_norm(x1, 2, axis), eps)
    n2 = _clamp_value(_vector_norm(x2, 2, axis), eps)
    return ops.sum((x1 / n1) * (x2 / n2), axis=axis)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)``
    along ``dim`` with ``g = -log(E)``, ``E ~ Exponential(1)`` drawn from yaae's
    default generator (``ya.manual_seed``), as PyTorch draws them.

    ``hard=True`` returns the one-hot of the sample's argmax in the forward
    pass with the soft sample's gradient (straight-through:
    ``y_hard - stop_gradient(y_soft) + y_soft``).  ``eps`` is deprecated and
    ignored, with PyTorch's warning.

    >>> _ = ya.manual_seed(0)
    >>> F.gumbel_softmax(ya.Tensor([[1., 2., 3.]]), hard=True).tolist()
    [[0.0, 0.0, 1.0]]
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    logits = _t(logits)
    from ..random import default_generator
    e = default_generator().exponential(size=logits.shape)
    gumbels = -np.log(e).astype(logits.dtype)
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    axis = _dim(dim, logits.ndim)
    index = np.expand_dims(np.argmax(y_soft.data, axis=axis), axis)
    y_hard = np.zeros(logits.shape, dtype=y_soft.dtype)
    np.put_along_axis(y_hard, index, 1.0, axis=axis)
    return y_hard - ops.stop_gradient(y_soft) + y_soft


def _shuffle_checks(name, input, factor, what):
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    """Rearrange (*, C r², H, W) into (*, C, H r, W r), ``r = upscale_factor``
    (PyTorch's layout and errors).

    >>> F.pixel_shuffle(ya.Tensor(np.ones((1, 8, 2, 3))), 2).shape
    (1, 2, 4, 6)
    """
    input, r = _t(input), int(upscale_factor)
    _shuffle_checks("pixel_shuffle", input, r, "upscale_factor")
    *b, C, H, W = input.shape
    if C % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={C} "
                           f"is not divisible by {r * r}")
    n = len(b)
    x = ops.reshape(input, (*b, C // (r * r), r, r, H, W))
    x = ops.transpose(x, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return ops.reshape(x, (*b, C // (r * r), H * r, W * r))


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (*, C, H r, W r) into (*, C r², H, W), ``r = downscale_factor``:
    the inverse of ``pixel_shuffle`` (PyTorch's layout and errors).

    >>> F.pixel_unshuffle(ya.Tensor(np.ones((1, 2, 4, 6))), 2).shape
    (1, 8, 2, 3)
    """
    input, r = _t(input), int(downscale_factor)
    _shuffle_checks("pixel_unshuffle", input, r, "downscale_factor")
    *b, C, H, W = input.shape
    for name, size, d in (("height", H, -2), ("width", W, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={size} is not "
                               f"divisible by {r}")
    n = len(b)
    x = ops.reshape(input, (*b, C, H // r, r, W // r, r))
    x = ops.transpose(x, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return ops.reshape(x, (*b, C * r * r, H // r, W // r))


def _feature_dropout(input, p, training, nbatch):
    """Zero whole channels: one Bernoulli draw per entry of the first ``nbatch``
    dimensions (batch and channel), survivors scaled by 1/(1-p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * np.zeros((), dtype=input.dtype)
    from ..random import default_generator
    keep = default_generator().random(input.shape[:nbatch]) >= p
    mask = keep.astype(input.dtype) * np.asarray(1.0 / (1.0 - p), dtype=input.dtype)
    return input * mask.reshape(mask.shape + (1,) * (input.ndim - nbatch))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or unbatched (C, L) input: each channel is
    zeroed with probability ``p`` (whole channel) and the others are scaled by
    1/(1-p), in training; draws from yaae's default generator.  ``inplace`` is
    accepted and ignored (a new tensor is returned).

    >>> F.dropout1d(ya.Tensor(np.ones((2, 3, 4))), 0.5, training=False).shape
    (2, 3, 4)
    """
    input = _t(input)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            f"dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            f"dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            f"inputs).")
    return _feature_dropout(input, p, training, input.ndim - 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W) input: each channel is zeroed with
    probability ``p`` and the others scaled by 1/(1-p), in training.  As in
    PyTorch, a 3-D input is read as (N, C, L) (with PyTorch's warning) and
    other ranks warn; ``inplace`` is accepted and ignored.

    >>> F.dropout2d(ya.Tensor(np.ones((2, 3, 4, 4))), 0.5, training=False).shape
    (2, 3, 4, 4)
    """
    input = _t(input)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
            f"result in an error in a future release. To retain the behavior and silence this "
            f"warning, please use dropout instead. Note that dropout2d exists to provide "
            f"channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            f"and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    if nd < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                           f"{nd}")
    return _feature_dropout(input, p, training, 2)


from .attention import scaled_dot_product_attention, multi_head_attention_forward  # noqa: E402
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
