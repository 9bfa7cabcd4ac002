"""``yaae.nn.functional``: PyTorch's functional API (names, signatures, defaults
and numerics), composed from yaae's differentiable ops.

Nothing here has a backward pass of its own: every function is built from
yaae primitives (plus ``erf`` and ``bce`` from ``_prims``), so gradients,
forward mode (``ya.jvp``) and higher orders all come from the primitives'
rules.  Class-index targets may be integer Tensors/ndarrays or float-valued
Tensors holding integers (``ya.Tensor([1, 0])`` is float by default).
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
    if weight is not None:
        out = out * ops.reshape(_t(weight), bshape)
    if bias is not None:
        out = out + ops.reshape(_t(bias), bshape)
    return out


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
    axes = tuple(range(-k, 0))
    mean = ops.mean(input, axis=axes, keepdims=True)
    diff = input - mean
    var = ops.mean(diff * diff, axis=axes, keepdims=True)
    out = diff * (1.0 / ops.sqrt(var + eps))
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
from .attention import scaled_dot_product_attention; __all__ += ["scaled_dot_product_attention"]  # noqa: E402,E702
