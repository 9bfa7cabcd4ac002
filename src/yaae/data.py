"""``yaae.data``: datasets and a DataLoader (PyTorch's names and semantics).

* ``Dataset``: the abstract map-style dataset (``__getitem__`` and ``__len__``).
* ``TensorDataset(*tensors)``: rows of equally long Tensors or ndarrays;
  ``ds[i]`` is the tuple of the ``i``-th rows (a Tensor row for a Tensor, an
  ndarray row, or NumPy scalar, for an ndarray).
* ``Subset(dataset, indices)``, ``random_split(dataset, lengths, generator)``.
* ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None,
  batch_sampler=None, num_workers=0, collate_fn=None, pin_memory=False,
  drop_last=False, timeout=0, worker_init_fn=None, ..., generator=None, *,
  prefetch_factor=None, persistent_workers=False)``: iterating yields
  batches made by ``collate_fn`` (``default_collate`` unless given) from
  lists of samples, in the order of the sampler; ``num_workers > 0`` makes
  them in forked worker processes (see ``DataLoader``).
* Samplers: ``Sampler``, ``SequentialSampler``, ``RandomSampler``,
  ``SubsetRandomSampler``, ``BatchSampler``, ``DistributedSampler`` (one
  rank's shard for data-parallel training); any iterable of indices (or, as
  ``batch_sampler``, of lists of indices) works as well.

Shuffling draws a fresh permutation at every epoch (every ``iter(loader)``).
With ``generator=None`` each epoch's permutation comes from a generator
seeded by a number drawn from yaae's default generator, exactly as PyTorch's
``RandomSampler`` does, so ``ya.manual_seed(n)`` makes the order of every
epoch reproducible.  A ``numpy.random.Generator`` (or an int seed, turned into
one once) may be given instead; it is then the only source of randomness and
its state advances from epoch to epoch.

Fast path: for a ``TensorDataset`` (or a ``Subset`` of one) without a custom
``collate_fn``, iterated in order or shuffled by the loader itself, a batch is
made by indexing the underlying arrays with the batch's indices at once (a
slice for consecutive indices), with no per-sample Python loop; the batches
are identical to the ones the generic per-sample path produces.
"""
import collections
import collections.abc
import multiprocessing
import numbers
import pickle
import queue
import random as pyrandom
import time
import warnings

import numpy as np

from . import random as _random
from .tensor import Tensor, _wrap, get_default_dtype

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "DistributedSampler", "default_collate", "default_convert", "get_worker_info"]


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
    and NumPy scalars (also inside dicts, lists and tuples) become Tensors
    keeping their dtype, as in PyTorch.

    >>> ya.data.default_convert((np.arange(2), np.int64(3)))
    (tensor([0, 1], dtype=int64), tensor(3, dtype=int64))
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind in "biufc":
        return _wrap(np.asarray(data))
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
# samplers, subsets
# --------------------------------------------------------------------------
def _as_generator(generator, who):
    """A ``numpy.random.Generator`` from ``generator`` (a Generator, an int seed or None)."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"{who}: generator must be a numpy.random.Generator (or an int seed), "
                    f"got {type(generator).__name__}")


def _epoch_generator(generator):
    """The generator of one epoch: ``generator``, or (None) a new one seeded by a
    number drawn from yaae's default generator, as PyTorch's RandomSampler does."""
    if generator is not None:
        return generator
    return np.random.default_rng(int(_random.default_generator().integers(0, 2 ** 63 - 1)))


class Sampler:
    """Base class of samplers: iterables of dataset indices (or, for a batch
    sampler, of lists of indices) that may define ``__len__``.

    Subclasses define ``__iter__`` (and usually ``__len__``).

    >>> class Evens(ya.data.Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    ...     def __len__(self): return (self.n + 1) // 2
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__ "
                                  f"(Sampler is abstract)")


class SequentialSampler(Sampler):
    """``SequentialSampler(data_source)``: the indices ``0 .. len(data_source)-1`` in order.

    >>> list(ya.data.SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """``RandomSampler(data_source, replacement=False, num_samples=None,
    generator=None)``: random indices of ``data_source``, a new order at every
    ``iter()``.

    Without replacement every index appears once per pass (``num_samples``
    larger than the dataset chains several permutations, as in PyTorch); with
    ``replacement=True`` ``num_samples`` indices are drawn independently.
    ``generator`` is a ``numpy.random.Generator`` (or an int seed) that then
    advances from epoch to epoch; with None each epoch seeds a new generator
    from a number drawn from yaae's default generator (``ya.manual_seed``).
    The numbers differ from PyTorch's (a different random stream).

    >>> sorted(ya.data.RandomSampler(range(4), generator=0))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, "
                            f"but got replacement={replacement!r}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(
                num_samples, numbers.Integral) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _as_generator(generator, "RandomSampler")
        if self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples} (an empty dataset?)")

    @property
    def num_samples(self):
        """The number of indices per pass (``len(data_source)`` unless given)."""
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _order(self):
        """This pass's indices, an int64 array (one draw of the epoch generator)."""
        n, m = len(self.data_source), self.num_samples
        gen = _epoch_generator(self.generator)
        if self.replacement:
            return gen.integers(0, n, m, dtype=np.int64)
        if m == n:
            return gen.permutation(n)
        reps = [gen.permutation(n) for _ in range(m // n)] + [gen.permutation(n)[:m % n]]
        return np.concatenate(reps)

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """``SubsetRandomSampler(indices, generator=None)``: the given indices in a
    random order, a new one at every ``iter()`` (generator as in ``RandomSampler``).

    >>> sorted(ya.data.SubsetRandomSampler([5, 7, 9]))
    [5, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = _as_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        perm = _epoch_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in perm.tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """``BatchSampler(sampler, batch_size, drop_last)``: lists of ``batch_size``
    indices from ``sampler`` (the last one shorter unless ``drop_last``).

    >>> list(ya.data.BatchSampler(ya.data.SequentialSampler(range(5)), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)


class DistributedSampler(Sampler):
    """``DistributedSampler(dataset, num_replicas=None, rank=None, shuffle=True,
    seed=0, drop_last=False)``: the share of ``dataset`` that one process of a
    data-parallel job loads (PyTorch's ``DistributedSampler``).

    Every rank computes the same order of all indices -- a permutation drawn
    from ``numpy.random.default_rng(seed + epoch)`` when ``shuffle``, else
    ``0 .. n-1`` -- and takes every ``num_replicas``-th index starting at
    ``rank``.  The shards are disjoint and cover the dataset; all have
    ``len(sampler)`` indices:

    * ``drop_last=False``: ``ceil(n / num_replicas)`` each; the order is padded
      by repeating its first indices (cyclically when it is shorter than the
      padding), so a few samples appear twice in an epoch;
    * ``drop_last=True``: ``floor(n / num_replicas)`` each; the tail of the
      order is dropped.

    These are PyTorch's sizes, padding and interleaving: with ``shuffle=False``
    the indices are identical to ``torch.utils.data.distributed.DistributedSampler``'s.
    With ``shuffle=True`` the permutation differs from torch's (``torch.randperm``
    with a ``torch.Generator`` seeded ``seed + epoch``; yaae's core does not
    depend on torch), but it is just as deterministic: the same ``seed`` and
    epoch give the same permutation on every rank and in every run.  Call
    ``set_epoch(epoch)`` before each epoch to get a new order (without it every
    epoch repeats epoch 0's order, as in PyTorch).  ``seed + epoch`` must be
    non-negative (NumPy seeds are).

    ``num_replicas`` and ``rank`` default to ``ya.distributed.world_size()``
    and ``ya.distributed.rank()`` (a RuntimeError before ``ya.distributed.init()``,
    as PyTorch's before ``init_process_group``); a ``rank`` outside ``0 .. num_replicas-1``
    is a ValueError.  Pass it to ``DataLoader(dataset, batch_size,
    sampler=sampler)`` (not with ``shuffle=True``: the sampler shuffles).

    >>> s = ya.data.DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
    >>> list(s), len(s)
    ([1, 4, 7, 0], 4)
    >>> s.set_epoch(1)
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from . import distributed as _dist      # RuntimeError naming init() before it
            if num_replicas is None:
                num_replicas = _dist.world_size()
            if rank is None:
                rank = _dist.rank()
        for name, v in (("num_replicas", num_replicas), ("rank", rank), ("seed", seed)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"DistributedSampler: {name} must be an int, got {v!r}")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, "
                             f"got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"DistributedSampler: Invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        if not isinstance(shuffle, bool):
            raise TypeError(f"DistributedSampler: shuffle must be a bool, got {shuffle!r}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"DistributedSampler: drop_last must be a bool, got {drop_last!r}")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = n // self.num_replicas        # torch: ceil((n - r) / r)
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = int(seed)

    def _order(self):
        """This rank's indices for the current epoch, an int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            s = self.seed + self.epoch
            if s < 0:
                raise ValueError(f"DistributedSampler: seed + epoch must be non-negative (a "
                                 f"NumPy seed), got seed={self.seed}, epoch={self.epoch}")
            order = np.random.default_rng(s).permutation(n)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.total_size > n:          # pad by repeating the start (cyclically), as torch
            order = np.resize(order, self.total_size)
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """``set_epoch(epoch)``: use epoch ``epoch``'s order from the next ``iter()`` on
        (shuffle=True: the permutation seeded ``seed + epoch``).

        >>> s = ya.data.DistributedSampler(range(4), num_replicas=1, rank=0)
        >>> a = list(s); s.set_epoch(1); sorted(s) == sorted(a)
        True
        """
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral):
            raise TypeError(f"DistributedSampler.set_epoch: epoch must be an int, got {epoch!r}")
        self.epoch = int(epoch)


class Subset(Dataset):
    """``Subset(dataset, indices)``: the samples of ``dataset`` at ``indices``
    (``Subset(ds, idx)[i] == ds[idx[i]]``).

    >>> int(ya.data.Subset(ya.data.TensorDataset(np.arange(5)), [4, 0])[0][0])
    4
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)

    def _batch(self, idx):
        """Rows ``idx`` through the dataset's own fast batching."""
        rows = np.asarray(self.indices, dtype=np.int64)[idx]
        return self.dataset._batch(rows)


def random_split(dataset, lengths, generator=None):
    """``random_split(dataset, lengths, generator=None)``: non-overlapping random
    ``Subset``-s of ``dataset`` with the given lengths.

    ``lengths`` are ints summing to ``len(dataset)``, or fractions summing to 1
    (each ``floor(frac * n)``, the remainder given one by one round-robin, as in
    PyTorch).  ``generator`` is a ``numpy.random.Generator`` or an int seed;
    by default yaae's default generator (``ya.manual_seed``) is used.

    >>> a, b = ya.data.random_split(range(10), [0.7, 0.3], generator=0); len(a), len(b)
    (7, 3)
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, numbers.Real) for x in lengths) \
            and np.isclose(sum(lengths), 1) and sum(lengths) <= 1 \
            and not all(isinstance(x, numbers.Integral) for x in lengths):
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        sizes = [int(np.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this "
                              f"results in an empty dataset", stacklevel=2)
        lengths = sizes
    if any(isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 0
           for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions "
                         f"summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    gen = _as_generator(generator, "random_split") or _random.default_generator()
    perm = gen.permutation(n).tolist()
    out, lo = [], 0
    for size in lengths:
        out.append(Subset(dataset, perm[lo:lo + size]))
        lo += size
    return out


# --------------------------------------------------------------------------
# DataLoader
# --------------------------------------------------------------------------
WorkerInfo = collections.namedtuple("WorkerInfo", "id num_workers seed dataset")
WorkerInfo.__doc__ = """``WorkerInfo(id, num_workers, seed, dataset)``: what
``get_worker_info()`` returns inside a DataLoader worker process.

Example::

    >>> def worker_init_fn(worker_id):
    ...     info = ya.data.get_worker_info()    # info.id == worker_id
    ...     info.dataset.shard = info.id    # e.g. split the work
"""
_WORKER = [None]        # in a worker process: (loader, WorkerInfo)


def get_worker_info():
    """Inside a DataLoader worker process: a ``WorkerInfo(id, num_workers, seed,
    dataset)``; in the main process: None (PyTorch's ``get_worker_info``).

    >>> ya.data.get_worker_info() is None
    True
    """
    return None if _WORKER[0] is None else _WORKER[0][1]


def _check_nonneg(value, name, integral):
    bad = isinstance(value, bool) or not isinstance(
        value, numbers.Integral if integral else numbers.Real) or value < 0
    if bad:
        raise ValueError(f"DataLoader: {name} option should be non-negative, got {value!r}"
                         + ("; use num_workers=0 to disable multiprocessing"
                            if name == "num_workers" else ""))


class DataLoader:
    """Iterate over a map-style dataset in batches (PyTorch's DataLoader).

    ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None,
    batch_sampler=None, num_workers=0, collate_fn=None, pin_memory=False,
    drop_last=False, timeout=0, worker_init_fn=None,
    multiprocessing_context=None, generator=None, *, prefetch_factor=None,
    persistent_workers=False, pin_memory_device="", in_order=True)``

    * ``batch_size``: samples per batch; ``None`` yields single samples
      (passed through ``collate_fn``, or ``default_convert``).
    * ``shuffle``: a new random order at each epoch (a ``RandomSampler``;
      see the module docstring for where the randomness comes from).
    * ``sampler``: the indices to load, an iterable of indices or a
      ``Sampler`` (excludes ``shuffle``); ``batch_sampler``: an iterable of
      lists of indices (excludes ``batch_size``, ``shuffle``, ``sampler`` and
      ``drop_last``).
    * ``drop_last``: drop the last batch when it is smaller than ``batch_size``.
    * ``collate_fn``: turns a list of samples into a batch (``default_collate``).
    * ``generator``: a ``numpy.random.Generator`` (or an int seed) used for
      shuffling instead of yaae's default generator.
    * ``num_workers > 0``: batches are made in that many worker processes
      (started with ``fork``, so the dataset and ``collate_fn`` need not be
      picklable; the batches are) and come back in order, the same batches as
      with ``num_workers=0``; batch ``k`` is made by worker
      ``k % num_workers``, at most ``prefetch_factor`` (default 2) per worker
      ahead.  ``worker_init_fn(id)`` runs in each worker, whose yaae default
      generator (and ``random``) is seeded with ``base_seed + id``, PyTorch's
      scheme; ``base_seed`` comes from a child of ``generator`` (or of yaae's
      default generator: ``ya.manual_seed`` makes it reproducible) spawned
      at each start of the workers, so the parent's random stream is not
      advanced.  ``persistent_workers=True`` keeps the workers between epochs;
      ``timeout`` (seconds) bounds the wait for a batch (RuntimeError).  An
      exception in a worker is raised again here with the worker's
      traceback.  Not available where ``fork`` is not (Windows).
    * ``pin_memory``, ``pin_memory_device``, ``in_order``: accepted, no effect
      (yaae runs on the CPU; batches always come in order).

    ``len(loader)`` is the number of batches per epoch.

    >>> loader = ya.data.DataLoader(ya.data.TensorDataset(np.arange(5)), batch_size=2)
    >>> [b[0].tolist() for b in loader]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: the dataset ({type(dataset).__name__}) must "
                            f"define __getitem__ and __len__")
        _check_nonneg(num_workers, "num_workers", True)
        _check_nonneg(timeout, "timeout", False)
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing; let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None")
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or not isinstance(
                prefetch_factor, numbers.Integral) or prefetch_factor <= 0):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive integer, "
                             f"got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got "
                            f"{type(worker_init_fn).__name__}")
        if multiprocessing_context not in (None, "fork") and getattr(
                multiprocessing_context, "get_start_method", lambda: None)() != "fork":
            raise ValueError(f"DataLoader: multiprocessing_context={multiprocessing_context!r} "
                             f"is not supported; yaae's workers are started with 'fork'")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size should be a positive integer or "
                             f"None, got {batch_size!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        generator = _as_generator(generator, "DataLoader")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = (2 if prefetch_factor is None else int(prefetch_factor)) \
            if num_workers else None
        self.persistent_workers = bool(persistent_workers)
        self.in_order = in_order
        self._workers = None

    def _fast(self):
        """Batches can be made by indexing the dataset's arrays at once."""
        return (self.batch_size is not None
                and (self.collate_fn is None or self.collate_fn is default_collate)
                and type(self.batch_sampler) is BatchSampler
                and _fast_dataset(self.dataset))

    def _order(self):
        """This epoch's sample order when the sampler is one of ours and is what
        is iterated: None for 0..n-1, else an index array; False otherwise."""
        s, bs = self.sampler, self.batch_sampler
        if bs is not None and not (type(bs) is BatchSampler and bs.sampler is s):
            return False
        if type(s) is SequentialSampler and s.data_source is self.dataset:
            return None
        if type(s) in (RandomSampler, DistributedSampler):
            return s._order()
        return False

    def __len__(self):
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _fetch(self, idx):
        """The batch (or, with batch_size=None, the sample) at ``idx``."""
        if self.batch_sampler is None:
            sample = self.dataset[idx]
            return self.collate_fn(sample) if self.collate_fn is not None \
                else default_convert(sample)
        samples = [self.dataset[j] for j in idx]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self):
        if self.num_workers:
            return _WorkerIter(self)
        return _LoaderIter(self)

    def __del__(self):
        workers, self._workers = getattr(self, "_workers", None), None
        if workers is not None:
            workers.close()

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers})")


def _fast_dataset(ds):
    if type(ds).__getitem__ is TensorDataset.__getitem__:
        return True
    return type(ds).__getitem__ is Subset.__getitem__ and _fast_dataset(ds.dataset)


class _LoaderIter:
    """One epoch over a DataLoader (its order is fixed when the iterator is made).

    ``fast``: batches are slices (or index arrays) of a TensorDataset's arrays,
    cut from this epoch's order; otherwise the batch sampler's (or sampler's)
    indices are fetched sample by sample."""

    def __init__(self, loader):
        self.loader = loader
        self.length = len(loader)
        self.i = 0          # batches yielded
        order = loader._order()
        self.fast = order is not False and loader._fast()
        if self.fast:
            self.n, self.order = len(loader.sampler), order
        elif order is False:
            self.indices = iter(loader.batch_sampler if loader.batch_sampler is not None
                                else loader.sampler)
        else:
            seq = range(len(loader.dataset)) if order is None else order.tolist()
            self.indices = iter(seq if loader.batch_size is None else
                                BatchSampler(seq, loader.batch_size, loader.drop_last))

    def __iter__(self):
        return self

    def __len__(self):
        return self.length

    def _next_indices(self):
        """The next batch's indices (or the next index, with batch_size=None)."""
        if not self.fast:
            return next(self.indices)
        if self.i >= self.length:
            raise StopIteration
        lo = self.i * self.loader.batch_size
        hi = min(lo + self.loader.batch_size, self.n)
        self.i += 1
        return slice(lo, hi) if self.order is None else self.order[lo:hi]

    def __next__(self):
        return _make(self.loader, self.fast, self._next_indices())


def _make(loader, fast, idx):
    """The batch at ``idx`` (a slice or index array when ``fast``)."""
    return loader.dataset._batch(idx) if fast else loader._fetch(idx)


# --------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------
def _base_seed(generator):
    """The workers' base seed for one epoch: from a child of ``generator`` (or of
    yaae's default generator), so the parent's stream is not advanced and the
    sample order is the one ``num_workers=0`` gives."""
    gen = _random.default_generator() if generator is None else generator
    try:
        child = gen.spawn(1)[0]
    except (TypeError, ValueError, AttributeError):     # no SeedSequence behind it
        child = gen
    return int(child.integers(0, 2 ** 63 - 1))


def _worker_loop(loader, wid, num_workers, seed, tasks, results):
    """A worker process: seed, ``worker_init_fn``, then make the batches asked for."""
    _random.manual_seed(seed)
    pyrandom.seed(seed)
    _WORKER[0] = (loader, WorkerInfo(wid, num_workers, seed, loader.dataset))
    try:
        if loader.worker_init_fn is not None:
            loader.worker_init_fn(wid)
    except BaseException as e:                          # reported with the first batch
        init_error = _error_message(e, wid, "worker_init_fn")
    else:
        init_error = None
    while True:
        task = tasks.get()
        if task is None:
            return
        epoch, k, fast, idx = task
        if init_error is not None:
            results.put((epoch, k, None, init_error))
            continue
        try:
            out = (epoch, k, _make(loader, fast, idx), None)
        except BaseException as e:
            out = (epoch, k, None, _error_message(e, wid, "fetching a batch"))
        results.put(out)


def _error_message(e, wid, what):
    """(exception class if it can be sent, message with the worker's traceback)."""
    import traceback
    msg = (f"Caught {type(e).__name__} in DataLoader worker process {wid} ({what}).\n"
           f"Original {''.join(traceback.format_exception(e))}")
    try:
        pickle.dumps(type(e))
        return type(e), msg
    except Exception:
        return None, msg


def _reraise(cls, msg):
    try:
        err = cls(msg) if cls is not None else None
    except Exception:
        err = None
    raise err if isinstance(err, BaseException) else RuntimeError(msg)


class _Workers:
    """``num_workers`` processes started with ``fork``: task ``k`` goes to worker
    ``k % num_workers`` (so a seeded run makes the same samples in the same
    worker), results come back through one queue tagged ``(epoch, k)``."""

    def __init__(self, loader):
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:                              # pragma: no cover - Windows
            raise RuntimeError("DataLoader: num_workers > 0 needs the 'fork' start method, "
                               "which this platform lacks; use num_workers=0") from None
        n = loader.num_workers
        base = _base_seed(loader.generator)
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=_worker_loop, daemon=True,
                                  args=(loader, w, n, (base + w) % 2 ** 63, self.tasks[w],
                                        self.results)) for w in range(n)]
        for p in self.procs:
            p.start()
        self.epoch = 0

    def submit(self, k, fast, idx):
        self.tasks[k % len(self.tasks)].put((self.epoch, k, fast, idx))

    def get(self, timeout):
        """The next ``(k, batch, error)`` of this epoch."""
        deadline = None if not timeout else time.monotonic() + timeout
        while True:
            wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            try:
                epoch, k, batch, err = self.results.get(timeout=max(wait, 0.0))
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    self.close()
                    raise RuntimeError(f"DataLoader worker (pid {dead[0].pid}) exited "
                                       f"unexpectedly with exit code {dead[0].exitcode}") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds "
                                       f"waiting for a batch from a worker") from None
                continue
            if epoch == self.epoch:
                return k, batch, err

    def close(self):
        for q, p in zip(self.tasks, self.procs):
            if p.is_alive():
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
        for p in self.procs:
            p.join(timeout=1.0)
            if p.is_alive():
                p.terminate()
        self.procs = []


class _WorkerIter:
    """One epoch with ``num_workers`` processes: the indices come from a
    ``_LoaderIter`` in this process (the order ``num_workers=0`` gives), the
    batches from the workers, at most ``prefetch_factor * num_workers`` ahead,
    returned in order."""

    def __init__(self, loader):
        self.loader = loader
        self.src = _LoaderIter(loader)
        self.length = len(self.src)
        self.sent = self.got = 0
        self.ready = {}
        self.done = False
        self.workers = loader._workers
        if self.workers is None:
            self.workers = _Workers(loader)
            if loader.persistent_workers:
                loader._workers = self.workers
        else:
            self.workers.epoch += 1
        self._fill()

    def _fill(self):
        while not self.done and \
                self.sent - self.got < self.loader.prefetch_factor * self.loader.num_workers:
            try:
                idx = self.src._next_indices()
            except StopIteration:
                self.done = True
                return
            self.workers.submit(self.sent, self.src.fast, idx)
            self.sent += 1

    def __iter__(self):
        return self

    def __len__(self):
        return self.length

    def __next__(self):
        if self.got >= self.sent:
            self._close()
            raise StopIteration
        try:
            while self.got not in self.ready:
                k, batch, err = self.workers.get(self.loader.timeout)
                self.ready[k] = (batch, err)
        except BaseException:
            self._close()
            raise
        batch, err = self.ready.pop(self.got)
        self.got += 1
        if err is not None:
            self._close()
            _reraise(*err)
        self._fill()
        return batch

    def _close(self):
        w, self.workers = self.workers, None
        if w is not None and w is not self.loader._workers:
            w.close()

    def __del__(self):
        self._close()
