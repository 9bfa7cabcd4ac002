"""Layers, containers, activations and loss modules with PyTorch's names,
constructor signatures, parameter shapes, default initialisation and reprs."""
import math
import numbers
import operator
import warnings
from collections import OrderedDict
from itertools import islice

import numpy as np

from ..tensor import Tensor, get_default_dtype
from .module import Module, Parameter
from . import functional as F
from . import init
# a layer size: a non-negative integer, with a clear error (one helper, shared with conv)
from .conv import _channels as _size

__all__ = [
    "Identity", "Linear", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm",
    "Dropout", "Embedding", "Flatten", "Unflatten", "Sequential", "ModuleList",
    "ModuleDict", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus",
    "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
]


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _empty(shape, dtype):
    return Parameter(np.empty(shape, dtype=_dtype(dtype)))


def _affine_parameters(module, shape, affine, bias, dtype):
    """Register ``weight`` (and ``bias``, unless ``bias=False``) of ``shape``,
    or None for both when not ``affine`` (normalisation layers)."""
    if affine:
        module.weight = _empty(shape, dtype)
        if bias:
            module.bias = _empty(shape, dtype)
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    """Weight to ones and bias to zeros, where they exist."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


# ---- basic layers ---------------------------------------------------------------------------
class Identity(Module):
    """Returns its input (ignores constructor arguments, as PyTorch).

    Example::

        >>> nn.Identity(54, unused=1)(ya.ones(3)).shape
        (3,)
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x W^T + b`` with ``weight`` of shape (out_features, in_features).

    ``Linear(in_features, out_features, bias=True)``: as ``torch.nn.Linear``: input (*,
    in_features), output (*, out_features); weight and bias
    initialised as PyTorch (``reset_parameters``), so ``state_dict`` keys and shapes match.

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(ya.ones((128, 20))).shape
        (128, 30)
        >>> m.weight.shape, m.bias.shape
        ((30, 20), (30,))
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        in_features = _size("Linear", "in_features", in_features)
        out_features = _size("Linear", "out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty((out_features, in_features), dtype)
        if bias:
            self.bias = _empty((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's initialisation: weight ``kaiming_uniform_(a=sqrt(5))`` and bias
        U(-1/sqrt(in_features), 1/sqrt(in_features)), from ``ya.manual_seed``'s generator.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        shape = input.shape if isinstance(input, Tensor) else np.shape(input)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear: mat1 and mat2 shapes cannot be multiplied: the input of "
                             f"shape {tuple(shape)} should have in_features="
                             f"{self.in_features} in its last dimension (the weight has shape "
                             f"{tuple(self.weight.shape)}); reshape the input or build "
                             f"Linear({shape[-1] if shape else '?'}, {self.out_features})")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _NormBase(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        num_features = _size(type(self).__name__, "num_features", num_features)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = _dtype(dtype)
        _affine_parameters(self, (num_features,), affine, bias, dt)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dt), dtype=dt))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dt), dtype=dt))
            self.register_buffer("num_batches_tracked",
                                 Tensor(np.array(0, dtype=np.int64), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, ``num_batches_tracked`` 0, as PyTorch."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        """Reset the running statistics, and the affine weight to 1 and bias to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, "
                "bias={use_bias}, track_running_stats={track_running_stats}".format(
                    **self.__dict__, use_bias=self.bias is not None))


class _BatchNorm(_NormBase):
    def forward(self, input):
        input = F._t(input)
        self._check_input_dim(input)
        if self.momentum is None:
            exponential_average_factor = 0.0
        else:
            exponential_average_factor = self.momentum
        if self.training and self.track_running_stats:
            if self.num_batches_tracked is not None:
                nbt = self.num_batches_tracked.data
                nbt[...] = nbt + 1
                if self.momentum is None:
                    exponential_average_factor = 1.0 / float(nbt)
                else:
                    exponential_average_factor = self.momentum
        if self.training:
            bn_training = True
        else:
            bn_training = self.running_mean is None and self.running_var is None
        use_stats = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_stats else None,
            self.running_var if use_stats else None,
            self.weight, self.bias, bn_training, exponential_average_factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs.

    ``BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True)``: as ``torch.nn.BatchNorm1d``: batch statistics (biased
    variance) in training, updating the running
    mean and (unbiased) variance; running statistics in ``eval()`` mode.

    Example::

        >>> m = nn.BatchNorm1d(100)
        >>> m(ya.ones((20, 100))).shape
        (20, 100)
    """

    def _check_input_dim(self, input):
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs.

    ``BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True)``: as ``torch.nn.BatchNorm2d``: batch statistics (biased
    variance) in training, updating the running
    mean and (unbiased) variance; running statistics in ``eval()`` mode.

    Example::

        >>> m = nn.BatchNorm2d(100)
        >>> m(ya.ones((20, 100, 4, 4))).shape
        (20, 100, 4, 4)
    """

    def _check_input_dim(self, input):
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs.

    ``BatchNorm3d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True)``: as ``torch.nn.BatchNorm3d``: batch statistics (biased
    variance) in training, updating the running
    mean and (unbiased) variance; running statistics in ``eval()`` mode.

    Example::

        >>> m = nn.BatchNorm3d(100)
        >>> m(ya.ones((2, 100, 2, 3, 3))).shape
        (2, 100, 2, 3, 3)
    """

    def _check_input_dim(self, input):
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")


class LayerNorm(Module):
    """Normalisation over the trailing ``normalized_shape`` dimensions.

    ``LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)``: as
    ``torch.nn.LayerNorm``: mean and biased variance over the trailing dimensions.

    Example::

        >>> m = nn.LayerNorm(10)
        >>> m(ya.ones((20, 5, 10))).shape
        (20, 5, 10)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(_size("LayerNorm", "normalized_shape", s)
                                      for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight 1 and bias 0 (the affine parameters), as PyTorch."""
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class Dropout(Module):
    """Zero elements with probability ``p`` in training (inverted scaling).

    ``Dropout(p=0.5, inplace=False)``: as ``torch.nn.Dropout``; the identity in ``eval()``
    mode. Masks come from ``ya.manual_seed``'s
    generator (the same seed does not give PyTorch's masks).

    Example::

        >>> m = nn.Dropout(p=0.2)
        >>> m(ya.ones((20, 16))).shape
        (20, 16)
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    ``Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, ...)``: as
    ``torch.nn.Embedding``: integer indices of any shape in, vectors out (shape +
    (embedding_dim,)).

    Example::

        >>> m = nn.Embedding(10, 3)
        >>> m(ya.tensor([[1, 2, 4, 5], [4, 3, 2, 9]], dtype='int64')).shape
        (2, 4, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        num_embeddings = _size("Embedding", "num_embeddings", num_embeddings)
        embedding_dim = _size("Embedding", "embedding_dim", embedding_dim)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=_dtype(dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if tuple(w.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self):
        """Weight N(0, 1), with the ``padding_idx`` row zero, as PyTorch."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = "{num_embeddings}, {embedding_dim}"
        if self.padding_idx is not None:
            s += ", padding_idx={padding_idx}"
        if self.max_norm is not None:
            s += ", max_norm={max_norm}"
        if self.norm_type != 2:
            s += ", norm_type={norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq={scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s.format(**self.__dict__)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """``Embedding.from_pretrained(embeddings, freeze=True, padding_idx=None, ...)``:
        an Embedding whose weight is ``embeddings`` (2-D), not trained if ``freeze``.
        """
        w = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = w.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=w, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class Flatten(Module):
    """``Flatten(start_dim=1, end_dim=-1)``: flattens dimensions ``start_dim`` to ``end_dim``
    into one, as ``torch.nn.Flatten`` (the batch
    dimension is kept by default).

    Example::

        >>> nn.Flatten()(ya.ones((32, 1, 5, 5))).shape
        (32, 25)
    """
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """``Unflatten(dim, unflattened_size)``: splits dimension ``dim`` into
    ``unflattened_size``, as ``torch.nn.Unflatten``.

    Example::

        >>> nn.Unflatten(1, (2, 5, 5))(ya.ones((2, 50))).shape
        (2, 2, 5, 5)
    """
    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"invalid argument: dim should be an int, got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return F.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


# ---- containers -----------------------------------------------------------------------------
class Sequential(Module):
    """Modules applied in order; ``Sequential(m1, m2)`` or ``Sequential(OrderedDict)``.

    Example::

        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> model(ya.ones((5, 4))).shape
        (5, 1)
        >>> model[0]
        Linear(in_features=4, out_features=8, bias=True)
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _get_item_by_idx(self, iterator, idx):
        size = len(self)
        idx = operator.index(idx)
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of range")
        idx %= size
        return next(islice(iterator, idx, None))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        return self._get_item_by_idx(iter(self._modules.values()), idx)

    def __setitem__(self, idx, module):
        key = self._get_item_by_idx(iter(self._modules.keys()), idx)
        setattr(self, key, module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            key = self._get_item_by_idx(iter(self._modules.keys()), idx)
            delattr(self, key)
        str_indices = [str(i) for i in range(len(self._modules))]
        self.__dict__["_modules"] = OrderedDict(zip(str_indices, self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, "
                             f"but {type(other)} is given.")
        ret = Sequential()
        for layer in self:
            ret.append(layer)
        for layer in other:
            ret.append(layer)
        return ret

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, "
                             f"but {type(other)} is given.")
        offset = len(self)
        for i, module in enumerate(other):
            self.add_module(str(i + offset), module)
        return self

    def append(self, module):
        """``append(module)``: add ``module`` at the end (``m[i]``/``len`` work as on a
        list); returns self.
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, sequential):
        """``extend(modules)``: append each of an iterable of modules; returns self."""
        for layer in sequential:
            self.append(layer)
        return self

    def insert(self, index, module):
        """``insert(index, module)``: insert ``module`` before position ``index``
        (renumbering the keys).
        """
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not (-n <= index <= n):
            raise IndexError(f"Index out of range: {index}")
        if index < 0:
            index += n
        for i in range(n, index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module
        return self

    def pop(self, key):
        """``pop(index=-1)``: remove and return the module at ``index`` (renumbering the keys)."""
        v = self[key]
        del self[key]
        return v

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered under '0', '1', ...

    As ``torch.nn.ModuleList``: indexing, ``len``, iteration, ``append``, ``extend``,
    ``insert``; the modules' parameters belong to the owner.

    Example::

        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(list(nn.Sequential(*layers).parameters()))
        6
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self += modules

    def _get_abs_string_index(self, idx):
        idx = operator.index(idx)
        if not (-len(self) <= idx < len(self)):
            raise IndexError(f"index {idx} is out of range")
        if idx < 0:
            idx += len(self)
        return str(idx)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[self._get_abs_string_index(idx)]

    def __setitem__(self, idx, module):
        idx = self._get_abs_string_index(idx)
        setattr(self, str(idx), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, self._get_abs_string_index(idx))
        str_indices = [str(i) for i in range(len(self._modules))]
        self.__dict__["_modules"] = OrderedDict(zip(str_indices, self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for i, module in enumerate(list(self) + list(other)):
            combined.add_module(str(i), module)
        return combined

    def __repr__(self):
        """Repeated consecutive modules are compressed, as PyTorch: ``(0-2): 3 x ReLU()``."""
        from .module import _addindent
        reprs = [repr(item) for item in self]
        if not reprs:
            return self._get_name() + "()"
        spans = [[0, 0]]
        blocks = [reprs[0]]
        for i, r in enumerate(reprs[1:], 1):
            if r == blocks[-1]:
                spans[-1][1] += 1
                continue
            spans.append([i, i])
            blocks.append(r)
        lines = []
        for (a, b), block in zip(spans, blocks):
            line = f"({a}): {block}" if a == b else f"({a}-{b}): {b - a + 1} x {block}"
            lines.append(_addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def insert(self, index, module):
        """``insert(index, module)``: insert ``module`` before position ``index``
        (renumbering the keys).
        """
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def append(self, module):
        """``append(module)``: add ``module`` at the end (registered as '0', '1', ...);
        returns self.
        """
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key):
        """``pop(index=-1)``: remove and return the module at ``index`` (renumbering the keys)."""
        v = self[key]
        del self[key]
        return v

    def extend(self, modules):
        """``extend(modules)``: append each of an iterable of modules; returns self."""
        if isinstance(modules, (Module, str)) or not hasattr(modules, "__iter__"):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys.

    As ``torch.nn.ModuleDict``: ``d[key]``, ``keys()``, ``items()``, ``update``, ``pop``.

    Example::

        >>> d = nn.ModuleDict({'enc': nn.Linear(4, 2), 'act': nn.Tanh()})
        >>> d['act'](d['enc'](ya.ones((1, 4)))).shape
        (1, 2)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        """Remove every module from the dict.

        Remove every module from the dict (they are unregistered).
        """
        self._modules.clear()

    def pop(self, key):
        """``pop(key)``: remove the module under ``key`` and return it."""
        v = self[key]
        del self[key]
        return v

    def keys(self):
        """The keys, in insertion order (as ``dict.keys``)."""
        return self._modules.keys()

    def items(self):
        """The ``(key, module)`` pairs, in insertion order (as ``dict.items``)."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order (as ``dict.values``)."""
        return self._modules.values()

    def update(self, modules):
        """``update(modules)``: add the modules of a mapping or of ``(key, module)`` pairs."""
        if hasattr(modules, "items"):
            for key, module in modules.items():
                self[key] = module
        else:
            for j, m in enumerate(modules):
                if not isinstance(m, (list, tuple)) or len(m) != 2:
                    raise ValueError(f"ModuleDict update sequence element #{j} should be an "
                                     f"iterable of length 2")
                self[m[0]] = m[1]


# ---- activations ----------------------------------------------------------------------------
class ReLU(Module):
    """``ReLU(inplace=False)``: elementwise max(0, x), as ``torch.nn.ReLU`` (``inplace`` is
    accepted and ignored).

    Example::

        >>> nn.ReLU()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``LeakyReLU(negative_slope=0.01, inplace=False)``: elementwise x for x > 0,
    negative_slope * x otherwise, as ``torch.nn.LeakyReLU`` (``inplace`` is accepted and
    ignored).

    Example::

        >>> nn.LeakyReLU()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """``ELU(alpha=1.0, inplace=False)``: elementwise x for x > 0, alpha (exp(x) - 1)
    otherwise, as ``torch.nn.ELU`` (``inplace`` is accepted and ignored).

    Example::

        >>> nn.ELU()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``GELU(approximate='none')``: elementwise x Φ(x) (``approximate='tanh'``: the tanh
    approximation), as ``torch.nn.GELU`` (``inplace`` is accepted and ignored).

    Example::

        >>> nn.GELU()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``SiLU(inplace=False)``: elementwise x sigmoid(x), as ``torch.nn.SiLU`` (``inplace``
    is accepted and ignored).

    Example::

        >>> nn.SiLU()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """``Sigmoid()``: elementwise 1 / (1 + exp(-x)), as ``torch.nn.Sigmoid`` (``inplace`` is
    accepted and ignored).

    Example::

        >>> nn.Sigmoid()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """``Tanh()``: elementwise tanh(x), as ``torch.nn.Tanh`` (``inplace`` is accepted and
    ignored).

    Example::

        >>> nn.Tanh()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """``Softplus(beta=1.0, threshold=20.0)``: elementwise log(1 + exp(beta x)) / beta, x
    where beta x > threshold, as ``torch.nn.Softplus`` (``inplace`` is accepted and
    ignored).

    Example::

        >>> nn.Softplus()(ya.tensor([-1.0, 0.0, 2.0])).shape
        (3,)
    """
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """``Softmax(dim=None)``: softmax along ``dim``, as ``torch.nn.Softmax`` (give ``dim``).

    Example::

        >>> nn.Softmax(dim=1)(ya.ones((2, 3))).shape
        (2, 3)
    """
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``LogSoftmax(dim=None)``: logsoftmax along ``dim``, as ``torch.nn.LogSoftmax`` (give
    ``dim``).

    Example::

        >>> nn.LogSoftmax(dim=1)(ya.ones((2, 3))).shape
        (2, 3)
    """
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


# ---- losses ---------------------------------------------------------------------------------
class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = F._legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


def _buffer(x):
    if x is None or isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "fc":
        arr = arr.astype(get_default_dtype())
    return Tensor(arr, dtype=arr.dtype)


class MSELoss(_Loss):
    """``MSELoss(reduction='mean')``: mean squared error, as ``torch.nn.MSELoss``;
    ``reduction`` is 'mean', 'sum' or 'none'.

    Example::

        >>> loss = nn.MSELoss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """``L1Loss(reduction='mean')``: mean absolute error, as ``torch.nn.L1Loss``;
    ``reduction`` is 'mean', 'sum' or 'none'.

    Example::

        >>> loss = nn.L1Loss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``SmoothL1Loss(reduction='mean', beta=1.0)``: quadratic below ``beta``, linear above,
    as ``torch.nn.SmoothL1Loss``; ``reduction`` is 'mean', 'sum' or 'none'.

    Example::

        >>> loss = nn.SmoothL1Loss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``HuberLoss(reduction='mean', delta=1.0)``: quadratic below ``delta``, linear above,
    as ``torch.nn.HuberLoss``; ``reduction`` is 'mean', 'sum' or 'none'.

    Example::

        >>> loss = nn.HuberLoss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """``NLLLoss(weight=None, ignore_index=-100, reduction='mean')``: negative log likelihood
    of log-probabilities (N, C) and class indices (N,), as ``torch.nn.NLLLoss``.

    Example::

        >>> logp = ya.log_softmax(ya.ones((3, 5), requires_grad=True), axis=1)
        >>> nn.NLLLoss()(logp, ya.tensor([1, 0, 4], dtype='int64')).backward()
    """
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """``CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean',
    label_smoothing=0.0)``: cross entropy of logits (N, C) (or (N, C, d1, ...)) against
    class indices or class
    probabilities, as ``torch.nn.CrossEntropyLoss``.

    Example::

        >>> logits = ya.ones((3, 5), requires_grad=True)
        >>> nn.CrossEntropyLoss()(logits, ya.tensor([1, 0, 4], dtype='int64')).backward()
    """
    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """``BCELoss(weight=None, reduction='mean')``: binary cross entropy of probabilities
    (logs clamped at -100), as ``torch.nn.BCELoss``; ``reduction`` is 'mean', 'sum' or
    'none'.

    Example::

        >>> loss = nn.BCELoss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)``: binary cross
    entropy of logits, numerically stable, as ``torch.nn.BCEWithLogitsLoss``;
    ``reduction`` is 'mean', 'sum' or 'none'.

    Example::

        >>> loss = nn.BCEWithLogitsLoss()(ya.full((3, 5), 0.5, requires_grad=True), ya.zeros((3, 5)))
        >>> loss.backward()
    """
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """``KLDivLoss(reduction='mean', log_target=False)``: ``target (log target - input)``
    with ``input`` log-probabilities, as ``torch.nn.KLDivLoss``; ``reduction`` is 'mean',
    'sum' or 'none'.

    Example::

        >>> loss = nn.KLDivLoss()(ya.full((3, 5), 0.5, requires_grad=True), ya.full((3, 5), 0.2))
        >>> loss.backward()
    """
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


# ---- normalisation, resizing, channel dropout and similarity (issue #11) -------------------
__all__ += ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "Upsample",
            "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
            "Dropout1d", "Dropout2d", "CosineSimilarity"]


class GroupNorm(Module):
    """Group normalisation (``F.group_norm``) of (N, C, *) inputs: the
    ``num_channels`` channels are split into ``num_groups`` groups, each
    normalised over its channels and positions; ``affine`` adds a
    per-channel ``weight`` (ones) and ``bias`` (zeros).  PyTorch's signature,
    parameters and errors.

    >>> m = nn.GroupNorm(2, 4)
    >>> m(ya.Tensor(np.random.randn(3, 4, 5))).shape
    (3, 4, 5)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones, bias to zeros (when ``affine``)."""
        _reset_affine(self)

    def forward(self, input):
        """``F.group_norm(input, num_groups, weight, bias, eps)``."""
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        """The constructor arguments shown by ``repr`` (PyTorch's format)."""
        return ("{num_groups}, {num_channels}, eps={eps}, affine={affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class _InstanceNorm(_NormBase):
    """Instance normalisation; subclasses give the unbatched rank."""
    _no_batch_dim = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):
        nd = self._no_batch_dim
        if input.ndim not in (nd, nd + 1):
            raise ValueError(f"expected {nd}D or {nd + 1}D input (got {input.ndim}D input)")

    def forward(self, input):
        """Normalise each channel of each sample; batch statistics in training
        or without running statistics, the running ones otherwise."""
        input = F._t(input)
        self._check_input_dim(input)
        feature_dim = input.ndim - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. "
                          f"You can silence this warning by not passing in num_features, "
                          f"which is not used because affine=False", stacklevel=2)
        unbatched = input.ndim == self._no_batch_dim
        x = input.reshape((1,) + tuple(input.shape)) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.reshape(tuple(input.shape)) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) inputs: each
    channel of each sample normalised over L.  PyTorch's defaults
    (``affine=False``, ``track_running_stats=False``); with running stats, they
    are updated in training and used in eval.

    >>> nn.InstanceNorm1d(3)(ya.Tensor(np.random.randn(2, 3, 5))).shape
    (2, 3, 5)
    """
    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) inputs:
    each channel of each sample normalised over H, W.  PyTorch's defaults.

    >>> nn.InstanceNorm2d(3, affine=True)(ya.Tensor(np.random.randn(2, 3, 4, 4))).shape
    (2, 3, 4, 4)
    """
    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W)
    inputs: each channel of each sample normalised over D, H, W.

    >>> nn.InstanceNorm3d(2)(ya.Tensor(np.random.randn(2, 2, 3, 3, 3))).shape
    (2, 2, 3, 3, 3)
    """
    _no_batch_dim = 4


class Upsample(Module):
    """Resize by ``F.interpolate`` to ``size`` or by ``scale_factor`` with
    ``mode`` ('nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear').
    PyTorch's signature, attributes and repr.

    >>> nn.Upsample(scale_factor=2, mode="bilinear")(ya.Tensor(np.ones((1, 1, 2, 2)))).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        """``F.interpolate(input, size, scale_factor, mode, align_corners, ...)``."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        """The constructor arguments shown by ``repr`` (PyTorch's format)."""
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` (PyTorch's legacy name).

    >>> nn.UpsamplingNearest2d(scale_factor=2)(ya.Tensor(np.ones((1, 1, 2, 2)))).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``
    (PyTorch's legacy name; note align_corners=True).

    >>> nn.UpsamplingBilinear2d(size=(3, 5))(ya.Tensor(np.ones((1, 1, 2, 2)))).shape
    (1, 1, 3, 5)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """(*, C r², H, W) to (*, C, H r, W r) with ``r = upscale_factor``.

    >>> nn.PixelShuffle(2)(ya.Tensor(np.ones((1, 4, 3, 3)))).shape
    (1, 1, 6, 6)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        """``F.pixel_shuffle(input, upscale_factor)``."""
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        """The constructor arguments shown by ``repr`` (PyTorch's format)."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) to (*, C r², H, W) with ``r = downscale_factor``.

    >>> nn.PixelUnshuffle(2)(ya.Tensor(np.ones((1, 1, 6, 6)))).shape
    (1, 4, 3, 3)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        """``F.pixel_unshuffle(input, downscale_factor)``."""
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        """The constructor arguments shown by ``repr`` (PyTorch's format)."""
        return f"downscale_factor={self.downscale_factor}"


class Dropout1d(Dropout):
    """Channel dropout (``F.dropout1d``) of (N, C, L) or (C, L) inputs in
    training: whole channels zeroed with probability ``p``, the rest scaled by
    1/(1-p); identity in eval.

    >>> nn.Dropout1d(0.5).eval()(ya.Tensor(np.ones((2, 3, 4)))).shape
    (2, 3, 4)
    """

    def forward(self, input):
        """``F.dropout1d(input, p, training)``: whole channels zeroed in training."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Channel dropout (``F.dropout2d``) of (N, C, H, W) inputs in training:
    whole channels zeroed with probability ``p``, the rest scaled by 1/(1-p);
    identity in eval.

    >>> nn.Dropout2d(0.5).eval()(ya.Tensor(np.ones((2, 3, 4, 4)))).shape
    (2, 3, 4, 4)
    """

    def forward(self, input):
        """``F.dropout2d(input, p, training)``: whole channels zeroed in training."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class CosineSimilarity(Module):
    """``F.cosine_similarity(x1, x2, dim, eps)`` as a module.

    >>> nn.CosineSimilarity(dim=1)(ya.Tensor(np.ones((2, 3))), ya.Tensor(np.ones((2, 3)))).shape
    (2,)
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        """The cosine similarity of ``x1`` and ``x2`` along ``dim``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
