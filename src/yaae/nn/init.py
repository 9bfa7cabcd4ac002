"""``yaae.nn.init``: in-place initialisers with PyTorch's names and formulas.

Each function overwrites ``tensor.data`` (keeping its dtype and shape) and
returns the tensor.  Random draws come from yaae's default generator
(``ya.manual_seed(n)`` makes them reproducible) unless a NumPy ``generator``
is passed.
"""
import math
import warnings

import numpy as np

from ..tensor import Tensor, mark_modified

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
    "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
    "kaiming_normal_", "orthogonal_", "sparse_",
]


def _gen(generator):
    if generator is not None:
        return generator
    from ..random import default_generator
    return default_generator()


def _arr(tensor):
    if isinstance(tensor, Tensor):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"init: expected a Tensor or ndarray, got {type(tensor).__name__}")


def _fill(tensor, values):
    arr = _arr(tensor)
    values = np.asarray(values)
    if not arr.flags.writeable:
        if not isinstance(tensor, Tensor):
            raise ValueError("init: the array is read-only")
        tensor.data = np.array(np.broadcast_to(values, arr.shape), dtype=arr.dtype)
        mark_modified(tensor)
        return tensor
    arr[...] = values
    if isinstance(tensor, Tensor):
        mark_modified(tensor)    # in place, as PyTorch's init (under no_grad) bumps the version
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity`` (PyTorch's table).

    Example::

        >>> nn.init.calculate_gain('relu')
        1.4142135623730951
        >>> nn.init.calculate_gain('leaky_relu', 0.2)
        1.3867504905630728
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    shape = _arr(tensor).shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer "
                         "than 2 dimensions")
    num_input_fmaps = shape[1]
    num_output_fmaps = shape[0]
    receptive_field_size = 1
    for s in shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b).

    ``uniform_(tensor, a=0.0, b=1.0, generator=None)``: Fill with U(a, b), in place (under
    ``no_grad``), as
    ``torch.nn.init.uniform_``; returns the tensor. Random draws use ``ya.manual_seed``'s
    generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.uniform_(w, -1, 1).shape
        (3, 4)
    """
    shape = _arr(tensor).shape
    return _fill(tensor, _gen(generator).uniform(a, b, size=shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2).

    ``normal_(tensor, mean=0.0, std=1.0, generator=None)``: Fill with N(mean, std²), in
    place (under ``no_grad``), as
    ``torch.nn.init.normal_``; returns the tensor. Random draws use ``ya.manual_seed``'s
    generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.normal_(w, std=0.02).shape
        (3, 4)
    """
    shape = _arr(tensor).shape
    return _fill(tensor, _gen(generator).normal(mean, std, size=shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b] (inverse-CDF sampling as torch).

    ``trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None)``, in place
    (under ``no_grad``), as
    ``torch.nn.init.trunc_normal_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.trunc_normal_(w, std=0.02).shape
        (3, 4)
    """
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    shape = _arr(tensor).shape
    lo = norm_cdf((a - mean) / std)
    hi = norm_cdf((b - mean) / std)
    u = _gen(generator).uniform(2 * lo - 1, 2 * hi - 1, size=shape)
    from ._prims import erfinv_np
    v = erfinv_np(u) * std * math.sqrt(2.0) + mean
    return _fill(tensor, np.clip(v, a, b))


def constant_(tensor, val):
    """``constant_(tensor, val)``: Fill with ``val``, in place (under ``no_grad``), as
    ``torch.nn.init.constant_``; returns the tensor.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.constant_(w, 0.3).shape
        (3, 4)
    """
    return _fill(tensor, val)


def ones_(tensor):
    """``ones_(tensor)``: Fill with 1, in place (under ``no_grad``), as
    ``torch.nn.init.ones_``; returns the tensor.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.ones_(w).shape
        (3, 4)
    """
    return _fill(tensor, 1.0)


def zeros_(tensor):
    """``zeros_(tensor)``: Fill with 0, in place (under ``no_grad``), as
    ``torch.nn.init.zeros_``; returns the tensor.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.zeros_(w).shape
        (3, 4)
    """
    return _fill(tensor, 0.0)


def eye_(tensor):
    """``eye_(tensor)``: The identity matrix (2-D tensors), in place (under ``no_grad``), as
    ``torch.nn.init.eye_``; returns the tensor.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.eye_(w).shape
        (3, 4)
    """
    arr = _arr(tensor)
    if arr.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*arr.shape))


def dirac_(tensor, groups=1):
    """``dirac_(tensor, groups=1)``: The Dirac delta (3-, 4- or 5-D tensors: convolution
    weights that keep their input channels), in place (under ``no_grad``), as
    ``torch.nn.init.dirac_``; returns the tensor.

    Example::

        >>> _ = ya.manual_seed(0)
        >>> nn.init.dirac_(ya.zeros((4, 2, 3))).shape
        (4, 2, 3)
    """
    arr = _arr(tensor)
    d = arr.ndim
    if d not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = arr.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    vals = np.zeros(sizes)
    for g in range(groups):
        for k in range(min_dim):
            idx = (g * out_chans_per_grp + k, k) + tuple(s // 2 for s in sizes[2:])
            vals[idx] = 1
    return _fill(tensor, vals)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """``xavier_uniform_(tensor, gain=1.0, generator=None)``: U(-a, a) with a = gain sqrt(6 /
    (fan_in + fan_out)) (Glorot), in place (under ``no_grad``), as
    ``torch.nn.init.xavier_uniform_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.xavier_uniform_(w).shape
        (3, 4)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """``xavier_normal_(tensor, gain=1.0, generator=None)``: N(0, std²) with std = gain
    sqrt(2 / (fan_in + fan_out)) (Glorot), in place (under ``no_grad``), as
    ``torch.nn.init.xavier_normal_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.xavier_normal_(w).shape
        (3, 4)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al.).

    ``kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu',
    generator=None)``, in place (under ``no_grad``), as
    ``torch.nn.init.kaiming_uniform_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.kaiming_uniform_(w, nonlinearity='relu').shape
        (3, 4)
    """
    if 0 in _arr(tensor).shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan).

    ``kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu',
    generator=None)``: He initialisation, in place (under ``no_grad``), as
    ``torch.nn.init.kaiming_normal_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.kaiming_normal_(w, mode='fan_out').shape
        (3, 4)
    """
    if 0 in _arr(tensor).shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed), scaled by gain.

    ``orthogonal_(tensor, gain=1, generator=None)``, in place (under ``no_grad``), as
    ``torch.nn.init.orthogonal_``; returns the tensor. Random draws use
    ``ya.manual_seed``'s generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.orthogonal_(w).shape
        (3, 4)
    """
    arr = _arr(tensor)
    if arr.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if arr.size == 0:
        return tensor
    rows = arr.shape[0]
    cols = arr.size // rows
    flattened = _gen(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    d = np.diag(r)
    q = q * np.where(d >= 0, 1.0, -1.0)
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(arr.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """``sparse_(tensor, sparsity, std=0.01, generator=None)``: In each column, a fraction
    ``sparsity`` of the entries zero, the others N(0, std²) (2-D tensors), in place (under
    ``no_grad``), as
    ``torch.nn.init.sparse_``; returns the tensor. Random draws use ``ya.manual_seed``'s
    generator
    unless ``generator`` (a NumPy Generator) is given.

    Example::

        >>> w = ya.zeros((3, 4))
        >>> nn.init.sparse_(w, sparsity=0.5).shape
        (3, 4)
    """
    arr = _arr(tensor)
    if arr.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = arr.shape
    num_zeros = int(math.ceil(sparsity * rows))
    g = _gen(generator)
    vals = g.normal(0.0, std, size=(rows, cols))
    for c in range(cols):
        vals[g.permutation(rows)[:num_zeros], c] = 0
    return _fill(tensor, vals)


# PyTorch's deprecated non-underscore aliases are not provided.
