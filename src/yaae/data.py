"""``yaae.data``: datasets and a DataLoader (PyTorch's names and semantics).

* ``Dataset``: the abstract map-style dataset (``__getitem__`` and ``__len__``).
* ``TensorDataset(*tensors)``: rows of equally long Tensors or ndarrays;
  ``ds[i]`` is the tuple of the ``i``-th rows (a Tensor row for a Tensor, an
  ndarray row, or NumPy scalar, for an ndarray).
* ``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False,
  collate_fn=None, generator=None)``: iterating yields batches made by
  ``collate_fn`` (``default_collate`` unless given) from lists of samples.

Shuffling draws a fresh permutation at every epoch (every ``iter(loader)``).
With ``generator=None`` each epoch's permutation comes from a generator
seeded by a number drawn from yaae's default generator, exactly as PyTorch's
``RandomSampler`` does, so ``ya.manual_seed(n)`` makes the order of every
epoch reproducible.  A ``numpy.random.Generator`` (or an int seed, turned into
one once) may be given instead; it is then the only source of randomness and
its state advances from epoch to epoch.

Fast path: for a ``TensorDataset`` without a custom ``collate_fn`` a batch is
made by indexing the underlying arrays with the batch's indices at once (a
slice for consecutive indices), with no per-sample Python loop; the batches
are identical to the ones the generic per-sample path produces.
"""
import collections.abc
import numbers

import numpy as np

from . import random as _random
from .tensor import Tensor, _wrap, get_default_dtype

__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate", "default_convert"]


class Dataset:
    """An abstract map-style dataset: subclasses define ``__getitem__`` and ``__len__``.

    Example::

        >>> class Squares(ya.data.Dataset):
        ...     def __len__(self):
        ...         return 5
        ...     def __getitem__(self, i):
        ...         return ya.tensor([float(i)]), i * i
        >>> xb, yb = next(iter(ya.data.DataLoader(Squares(), batch_size=5)))
        >>> yb
        tensor([ 0,  1,  4,  9, 16], dtype=int64)
    """

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__ (Dataset is abstract)")

    def __len__(self):
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__ (Dataset is abstract)")


def _as_array(x):
    return x.data if isinstance(x, Tensor) else x


class TensorDataset(Dataset):
    """A dataset of the rows of equally long Tensors or ndarrays.

    ``TensorDataset(x, y)[i] == (x[i], y[i])``; rows of Tensors are Tensors
    (with the tensor's dtype, no graph), rows of ndarrays are ndarrays (NumPy
    scalars for 1-d arrays).  ``.tensors`` holds the objects as given.

    Example::

        >>> ds = ya.data.TensorDataset(ya.ones((3, 2)), np.array([0, 1, 2]))
        >>> len(ds), int(ds[1][1])
        (3, 1)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one Tensor or ndarray")
        checked = []
        for k, t in enumerate(tensors):
            if not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(f"TensorDataset: argument {k} is a {type(t).__name__}; "
                                f"expected a Tensor or an ndarray")
            a = _as_array(t)
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: argument {k} is 0-dimensional; every "
                                 f"tensor needs a first (sample) dimension")
            if a.dtype.kind not in "biufc":
                raise TypeError(f"TensorDataset: argument {k} has dtype {a.dtype}; only "
                                f"numeric and bool data can be batched into Tensors")
            checked.append(t)
        sizes = [len(_as_array(t)) for t in checked]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(
                "TensorDataset: size mismatch between tensors: all must have the same "
                "first dimension, got " + ", ".join(
                    f"argument {k}: {s}" for k, s in enumerate(sizes)))
        self.tensors = tuple(checked)

    def __getitem__(self, index):
        out = []
        for t in self.tensors:
            if isinstance(t, Tensor):
                row = t.data[index]
                out.append(_wrap(np.asarray(row)))
            else:
                out.append(t[index])
        return tuple(out)

    def __len__(self):
        return len(_as_array(self.tensors[0]))

    def _batch(self, idx):
        """Rows ``idx`` (an index array or a slice) of every array, as Tensors."""
        if isinstance(idx, slice):
            return tuple(_wrap(_as_array(t)[idx].copy()) for t in self.tensors)
        return tuple(_wrap(_as_array(t)[idx]) for t in self.tensors)


# --------------------------------------------------------------------------
# collation
# --------------------------------------------------------------------------
def _where(path):
    return "the batch" if not path else "batch element" + path


def _stack(arrays, path):
    try:
        out = np.stack(arrays)
    except ValueError as e:
        shapes = sorted({a.shape for a in arrays}, key=str)
        raise ValueError(
            f"default_collate: cannot stack the samples at {_where(path)}: they have "
            f"different shapes {', '.join(map(str, shapes))} ({e})") from None
    if out.dtype.kind not in "biufc":
        raise TypeError(f"default_collate: cannot batch data of dtype {out.dtype} at "
                        f"{_where(path)} into a Tensor")
    return _wrap(out)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _collate(batch, path):
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if not all(isinstance(b, (Tensor, np.ndarray, np.generic)) for b in batch):
            kinds = sorted({type(b).__name__ for b in batch})
            raise TypeError(f"default_collate: mixed sample types at {_where(path)}: "
                            f"{', '.join(kinds)}")
        return _stack([np.asarray(_as_array(b)) for b in batch], path)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, (bool, numbers.Number)) and not isinstance(elem, np.generic):
        if not all(isinstance(b, numbers.Number) for b in batch):
            kinds = sorted({type(b).__name__ for b in batch})
            raise TypeError(f"default_collate: mixed sample types at {_where(path)}: "
                            f"{', '.join(kinds)}")
        if all(isinstance(b, bool) for b in batch):
            return _wrap(np.array(batch, dtype=bool))
        if all(isinstance(b, numbers.Integral) for b in batch):
            return _wrap(np.array(batch, dtype=np.int64))
        if all(isinstance(b, numbers.Real) for b in batch):
            return _wrap(np.array(batch, dtype=get_default_dtype()))
        return _wrap(np.array(batch, dtype=np.complex128))
    if isinstance(elem, collections.abc.Mapping):
        keys = list(elem.keys())
        keyset = set(keys)
        for k, b in enumerate(batch):
            if not isinstance(b, collections.abc.Mapping) or set(b.keys()) != keyset:
                got = sorted(map(repr, b.keys())) if isinstance(b, collections.abc.Mapping) \
                    else type(b).__name__
                raise ValueError(
                    f"default_collate: samples at {_where(path)} do not all have the same "
                    f"keys: sample 0 has {sorted(map(repr, keys))}, sample {k} has {got}")
        out = {key: _collate([b[key] for b in batch], f"{path}[{key!r}]") for key in keys}
        if type(elem) is not dict:
            try:
                return type(elem)(out)
            except TypeError:
                pass
        return out
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        for k, b in enumerate(batch):
            if not isinstance(b, collections.abc.Sequence) or isinstance(b, (str, bytes)) \
                    or len(b) != n:
                got = len(b) if isinstance(b, collections.abc.Sequence) else type(b).__name__
                raise ValueError(
                    f"default_collate: samples at {_where(path)} are sequences of different "
                    f"lengths: sample 0 has {n} elements, sample {k} has {got}")
        cols = [_collate([b[i] for b in batch], f"{path}[{i}]") for i in range(n)]
        if _is_namedtuple(elem):
            return type(elem)(*cols)
        if isinstance(elem, tuple):
            return tuple(cols)
        return cols
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(elem).__name__} at "
        f"{_where(path)}; it batches Tensors, ndarrays, numbers, strings and dicts, "
        f"lists and tuples of them (pass collate_fn= for anything else)")


def default_collate(batch):
    """Merge a list of samples into a batch.

    * Tensors, ndarrays and NumPy scalars are stacked along a new first axis
      into one Tensor keeping their dtype (integer labels stay integers);
    * Python bools, ints and floats become a bool, int64 or default-float Tensor;
    * strings are gathered into a list;
    * dicts (Mappings) become a dict of batched values, key by key; tuples a
      tuple (namedtuples the same namedtuple), lists a list, of batched
      elements, recursively.

    The batched Tensors are new leaves: they record no graph.

    Example::

        >>> batch = ya.data.default_collate([(np.ones(2), 0), (np.zeros(2), 1)])
        >>> batch[0].shape, batch[1]
        ((2, 2), tensor([0, 1], dtype=int64))
    """
    batch = list(batch)
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    return _collate(batch, "")


def default_convert(data):
    """What the DataLoader does to a sample when ``batch_size=None``: ndarrays
    (also inside dicts, lists and tuples) become Tensors keeping their dtype.

    Example::

        >>> ya.data.default_convert({'x': np.ones(2)})
        {'x': tensor([1., 1.], dtype=float64)}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufc":
        return _wrap(data)
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        if type(data) is not dict:
            try:
                return type(data)(out)
            except TypeError:
                pass
        return out
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


# --------------------------------------------------------------------------
# DataLoader
# --------------------------------------------------------------------------
class DataLoader:
    """Iterate over a map-style dataset in batches.

    ``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False,
    collate_fn=None, generator=None)``

    * ``batch_size``: samples per batch; ``None`` yields single samples
      (passed through ``collate_fn``, or ``default_convert``).
    * ``shuffle``: a new random order at each epoch (see the module docstring
      for where the randomness comes from).
    * ``drop_last``: drop the last batch when it is smaller than ``batch_size``.
    * ``collate_fn``: turns a list of samples into a batch (``default_collate``).
    * ``generator``: a ``numpy.random.Generator`` (or an int seed) used for
      shuffling instead of yaae's default generator.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        >>> X, y = ya.ones((10, 3)), ya.tensor(list(range(10)), dtype='int64')
        >>> loader = ya.data.DataLoader(ya.data.TensorDataset(X, y), batch_size=4, shuffle=True)
        >>> [xb.shape for xb, yb in loader]
        [(4, 3), (4, 3), (2, 3)]
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 collate_fn=None, generator=None):
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                    or batch_size <= 0:
                raise ValueError(f"DataLoader: batch_size should be a positive integer or "
                                 f"None, got {batch_size!r}")
            batch_size = int(batch_size)
        elif drop_last:
            raise ValueError("DataLoader: batch_size=None (no automatic batching) is "
                             "incompatible with drop_last=True")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
                generator = np.random.default_rng(int(generator))
            else:
                raise TypeError(f"DataLoader: generator must be a numpy.random.Generator "
                                f"(or an int seed), got {type(generator).__name__}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) must "
                            f"define __getitem__ and __len__")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator

    def _fast(self):
        return (self.batch_size is not None
                and (self.collate_fn is None or self.collate_fn is default_collate)
                and isinstance(self.dataset, TensorDataset)
                and type(self.dataset).__getitem__ is TensorDataset.__getitem__)

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self):
        """This epoch's sample order: None for 0..n-1, else an index array."""
        n = len(self.dataset)
        if not self.shuffle:
            return None
        gen = self.generator
        if gen is None:
            seed = int(_random.default_generator().integers(0, 2 ** 63 - 1))
            gen = np.random.default_rng(seed)
        return gen.permutation(n)

    def __iter__(self):
        return _LoaderIter(self)

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")


class _LoaderIter:
    """One epoch over a DataLoader (its order is fixed when the iterator is made)."""

    def __init__(self, loader):
        self.loader = loader
        self.n = len(loader.dataset)
        self.order = loader._order()
        self.fast = loader._fast()
        self.length = len(loader)
        self.i = 0          # batches yielded

    def __iter__(self):
        return self

    def __len__(self):
        return self.length

    def __next__(self):
        if self.i >= self.length:
            raise StopIteration
        ld = self.loader
        k = self.i
        self.i += 1
        if ld.batch_size is None:
            j = k if self.order is None else int(self.order[k])
            sample = ld.dataset[j]
            return ld.collate_fn(sample) if ld.collate_fn is not None else default_convert(sample)
        lo = k * ld.batch_size
        hi = min(lo + ld.batch_size, self.n)
        if self.fast:
            idx = slice(lo, hi) if self.order is None else self.order[lo:hi]
            return ld.dataset._batch(idx)
        idx = range(lo, hi) if self.order is None else self.order[lo:hi].tolist()
        samples = [ld.dataset[j] for j in idx]
        return (ld.collate_fn or default_collate)(samples)
