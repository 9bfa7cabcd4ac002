"""yaae.data: Dataset, TensorDataset, DataLoader and default_collate.

Expected batch contents and lengths come from PyTorch's DataLoader and
default_collate (or from NumPy indexing), never from yaae itself.
"""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import yaae as ya
from yaae import Tensor
from yaae.data import DataLoader, Dataset, TensorDataset, default_collate


RNG = np.random.default_rng(2024)


def _arr(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def assert_same_batch(a, b):
    """Same structure, same container types, Tensors with equal dtype, shape and bits."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.data.tobytes() == b.data.tobytes()
        assert not a.requires_grad and not b.requires_grad
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_batch(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_batch(x, y)
    else:
        assert a == b


def assert_matches_torch(ours, theirs):
    """Our batch holds the values torch's batch holds (torch gives lists for tuples)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor)
        t = theirs.numpy()
        assert ours.shape == t.shape
        assert ours.dtype == t.dtype, (ours.dtype, t.dtype)
        np.testing.assert_array_equal(ours.data, t)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            assert_matches_torch(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for x, y in zip(ours, theirs):
            assert_matches_torch(x, y)
    else:
        assert ours == theirs


# --------------------------------------------------------------------------
# Dataset / TensorDataset
# --------------------------------------------------------------------------
def test_dataset_is_abstract():
    ds = Dataset()
    with pytest.raises(NotImplementedError, match="__getitem__"):
        ds[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(ds)


def test_tensor_dataset_rows():
    x = RNG.standard_normal((7, 3)).astype(np.float32)
    y = np.arange(7) % 3
    ds = TensorDataset(Tensor(x), y)
    assert len(ds) == 7
    assert ds.tensors[1] is y
    row = ds[4]
    assert isinstance(row, tuple) and len(row) == 2
    assert isinstance(row[0], Tensor) and row[0].dtype == np.float32
    np.testing.assert_array_equal(row[0].data, x[4])
    assert not row[0].requires_grad and row[0].is_leaf
    assert row[1] == 1 and row[1].dtype == y.dtype      # ndarray rows stay NumPy
    assert ds[-1][1] == y[-1]
    # a Tensor of ints keeps its integer dtype
    ds2 = TensorDataset(Tensor(y, dtype=np.int64))
    assert ds2[2][0].dtype == np.int64 and int(ds2[2][0].data) == 2


def test_tensor_dataset_checks():
    with pytest.raises(ValueError, match=r"same first dimension.*argument 0: 5.*argument 1: 4"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-dimensional"):
        TensorDataset(np.array(3.0))
    with pytest.raises(ValueError, match="0-dimensional"):
        TensorDataset(np.zeros(2), Tensor(3.0))
    with pytest.raises(TypeError, match="argument 1 is a list"):
        TensorDataset(np.zeros(3), [1, 2, 3])
    with pytest.raises(TypeError, match="dtype"):
        TensorDataset(np.array(["a", "b"]))


# --------------------------------------------------------------------------
# batching, len, drop_last: against torch
# --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("bs", [1, 3, 5, 10, 16])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_and_len_match_torch(n, bs, drop_last):
    x = RNG.standard_normal((n, 2))
    y = np.arange(n, dtype=np.int64)
    ours = DataLoader(TensorDataset(Tensor(x), y), batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                            batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got = list(ours)
    want = list(theirs)
    assert len(got) == len(want) == len(ours)
    for g, w in zip(got, want):
        assert isinstance(g, tuple)
        assert_matches_torch(g, w)


def test_batch_size_none_yields_converted_samples():
    ds = TensorDataset(np.arange(6.0).reshape(3, 2), np.array([4, 5, 6]))
    loader = DataLoader(ds, batch_size=None)
    assert len(loader) == 3
    samples = list(loader)
    assert len(samples) == 3
    assert isinstance(samples[1][0], Tensor)
    np.testing.assert_array_equal(samples[1][0].data, [2.0, 3.0])
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_bad_arguments():
    ds = TensorDataset(np.zeros(4))
    for bs in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bs)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator=np.random.RandomState(0))
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn=3)
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader(object())


def test_iterator_has_len_and_loader_reiterates():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4)
    it = iter(loader)
    assert len(it) == 3
    first = [b[0].data.tolist() for b in loader]
    second = [b[0].data.tolist() for b in loader]
    assert first == second == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


# --------------------------------------------------------------------------
# default_collate
# --------------------------------------------------------------------------
class DictDataset(Dataset):
    def __init__(self, n):
        self.x = RNG.standard_normal((n, 3)).astype(np.float32)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": self.x[i], "label": i % 4, "w": float(i) / 2, "flag": i % 2 == 0,
                "name": f"s{i}", "nested": (np.array([i, -i], dtype=np.int32), [i * 1.5])}


def test_collate_dicts_tuples_numbers_match_torch():
    ds = DictDataset(10)
    samples = [ds[i] for i in (3, 1, 4)]
    ours = default_collate(samples)
    theirs = tud.default_collate(samples)
    assert_matches_torch(ours, theirs)
    assert isinstance(ours, dict) and isinstance(ours["nested"], tuple)
    assert isinstance(ours["nested"][1], list)
    assert ours["x"].dtype == np.float32 and ours["x"].shape == (3, 3)
    assert ours["label"].dtype == np.int64            # class labels stay ints
    assert ours["w"].dtype == np.float64
    assert ours["flag"].dtype == np.bool_
    assert ours["nested"][0].dtype == np.int32        # integer arrays keep their dtype
    assert ours["name"] == ["s3", "s1", "s4"]


def test_collate_via_loader_with_dicts():
    ds = DictDataset(10)
    batches = list(DataLoader(ds, batch_size=4))
    want = list(tud.DataLoader(ds, batch_size=4))
    assert len(batches) == len(want) == 3
    for g, w in zip(batches, want):
        assert_matches_torch(g, w)


def test_collate_tuples_of_tensors_and_arrays():
    samples = [(Tensor(np.full(2, i, np.float32)), np.int64(i), np.array(i, dtype=np.uint8))
               for i in range(3)]
    out = default_collate(samples)
    assert isinstance(out, tuple) and len(out) == 3
    assert all(isinstance(t, Tensor) for t in out)
    assert out[0].dtype == np.float32 and out[0].shape == (3, 2)
    assert out[1].dtype == np.int64 and out[1].data.tolist() == [0, 1, 2]
    assert out[2].dtype == np.uint8 and out[2].shape == (3,)


def test_collate_python_numbers():
    out = default_collate([1, 2, 3])
    assert isinstance(out, Tensor) and out.dtype == np.int64
    assert out.data.tolist() == [1, 2, 3]
    out = default_collate([0.5, 1.5])
    assert out.dtype == np.float64 and out.data.tolist() == [0.5, 1.5]
    out = default_collate([True, False])
    assert out.dtype == np.bool_


def test_collate_namedtuple_and_ordered_dict():
    P = collections.namedtuple("P", "a b")
    out = default_collate([P(np.zeros(2), 1), P(np.ones(2), 2)])
    assert type(out) is P
    assert out.a.shape == (2, 2) and out.b.data.tolist() == [1, 2]
    od = default_collate([collections.OrderedDict(z=1, a=2), collections.OrderedDict(z=3, a=4)])
    assert type(od) is collections.OrderedDict and list(od) == ["z", "a"]


def test_collate_result_is_a_leaf_without_grad():
    w = Tensor(np.ones(2), requires_grad=True)
    out = default_collate([w, w])
    assert out.is_leaf and not out.requires_grad


def test_collate_errors_are_clear():
    with pytest.raises(ValueError, match=r"\['x'\].*different shapes"):
        default_collate([{"x": np.zeros(2)}, {"x": np.zeros(3)}])
    with pytest.raises(ValueError, match="same keys"):
        default_collate([{"x": 1}, {"y": 1}])
    with pytest.raises(ValueError, match="different lengths"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="object"):
        default_collate([np.array([object()]), np.array([object()])])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])


def test_custom_collate_fn_gets_sample_lists():
    seen = []

    def collate(batch):
        seen.append(len(batch))
        return batch

    loader = DataLoader(TensorDataset(np.arange(7)), batch_size=3, collate_fn=collate)
    out = list(loader)
    assert seen == [3, 3, 1]
    assert out[2] == [(np.int64(6),)]


# --------------------------------------------------------------------------
# shuffling
# --------------------------------------------------------------------------
def _epoch_indices(loader):
    return np.concatenate([b[0].data for b in loader]).tolist()


@pytest.mark.parametrize("bs", [1, 4, 7, 100])
def test_shuffle_sees_every_sample_once(bs):
    n = 53
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=bs, shuffle=True)
    orders = []
    for _ in range(3):
        idx = _epoch_indices(loader)
        assert sorted(idx) == list(range(n))
        orders.append(idx)
    assert orders[0] != orders[1] != orders[2]      # a new order each epoch
    assert orders[0] != list(range(n))


def test_shuffle_drop_last_sees_distinct_samples():
    n, bs = 53, 10
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=bs, shuffle=True, drop_last=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 5
    assert all(len(b[0]) == bs for b in batches)
    idx = np.concatenate([b[0].data for b in batches])
    assert len(set(idx.tolist())) == 50


def test_manual_seed_makes_shuffling_reproducible():
    loader = DataLoader(TensorDataset(np.arange(40)), batch_size=6, shuffle=True)
    ya.manual_seed(7)
    a = [_epoch_indices(loader) for _ in range(3)]
    ya.manual_seed(7)
    b = [_epoch_indices(loader) for _ in range(3)]
    ya.manual_seed(8)
    c = [_epoch_indices(loader) for _ in range(3)]
    assert a == b
    assert a != c
    # a fresh loader after re-seeding also reproduces the same epochs
    ya.manual_seed(7)
    loader2 = DataLoader(TensorDataset(np.arange(40)), batch_size=6, shuffle=True)
    assert [_epoch_indices(loader2) for _ in range(3)] == a


def test_default_shuffle_draws_its_seed_from_the_default_generator():
    # documented: each epoch's permutation comes from a generator seeded with a
    # number drawn from yaae's default generator (PyTorch's RandomSampler scheme)
    ya.manual_seed(123)
    order = _epoch_indices(DataLoader(TensorDataset(np.arange(20)), batch_size=3, shuffle=True))
    g = np.random.default_rng(123)
    want = np.random.default_rng(int(g.integers(0, 2 ** 63 - 1))).permutation(20).tolist()
    assert order == want


def test_explicit_generator_reproducible_and_independent_of_manual_seed():
    def epochs(seed_for_default):
        ya.manual_seed(seed_for_default)
        loader = DataLoader(TensorDataset(np.arange(30)), batch_size=4, shuffle=True,
                            generator=np.random.default_rng(99))
        return [_epoch_indices(loader) for _ in range(3)]

    a, b = epochs(0), epochs(1)
    assert a == b
    g = np.random.default_rng(99)
    assert a == [g.permutation(30).tolist() for _ in range(3)]
    assert a[0] != a[1]
    # an int seed is accepted as a shorthand for default_rng(seed)
    loader = DataLoader(TensorDataset(np.arange(30)), batch_size=4, shuffle=True, generator=99)
    assert _epoch_indices(loader) == a[0]


def test_explicit_generator_does_not_touch_default_generator():
    ya.manual_seed(5)
    expected = ya.random.default_generator().bit_generator.state
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=2, shuffle=True,
                        generator=np.random.default_rng(0))
    list(loader)
    assert ya.random.default_generator().bit_generator.state == expected


# --------------------------------------------------------------------------
# fast path for TensorDataset
# --------------------------------------------------------------------------
class SlowTensorDataset(TensorDataset):
    """Same samples, but a different __getitem__, so the generic path is used."""

    def __getitem__(self, index):
        return super().__getitem__(index)


def _datasets():
    n = 37
    x = RNG.standard_normal((n, 3, 2)).astype(np.float32)
    yield (Tensor(x), np.arange(n) % 5, Tensor(RNG.standard_normal(n)),
           RNG.standard_normal(n) > 0, Tensor(np.arange(n, dtype=np.int32), dtype=np.int32),
           RNG.integers(0, 255, (n, 4)).astype(np.uint8))
    yield (RNG.standard_normal((n, 1)),)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("bs", [1, 5, 37, 64])
def test_fast_path_gives_identical_batches(shuffle, drop_last, bs):
    for arrays in _datasets():
        fast = DataLoader(TensorDataset(*arrays), batch_size=bs, shuffle=shuffle,
                          drop_last=drop_last, generator=np.random.default_rng(3))
        generic = DataLoader(TensorDataset(*arrays), batch_size=bs, shuffle=shuffle,
                             drop_last=drop_last, generator=np.random.default_rng(3),
                             collate_fn=lambda b: default_collate(b))
        sub = DataLoader(SlowTensorDataset(*arrays), batch_size=bs, shuffle=shuffle,
                         drop_last=drop_last, generator=np.random.default_rng(3))
        assert fast._fast() and not generic._fast() and not sub._fast()
        for _ in range(2):          # two epochs: generators advance identically
            a, b, c = list(fast), list(generic), list(sub)
            assert len(a) == len(b) == len(c) == len(fast)
            for x, y, z in zip(a, b, c):
                assert_same_batch(x, y)
                assert_same_batch(x, z)


def test_fast_path_with_default_generator_matches_generic():
    arrays = next(_datasets())
    ya.manual_seed(11)
    a = list(DataLoader(TensorDataset(*arrays), batch_size=8, shuffle=True))
    ya.manual_seed(11)
    b = list(DataLoader(SlowTensorDataset(*arrays), batch_size=8, shuffle=True))
    for x, y in zip(a, b):
        assert_same_batch(x, y)


def test_fast_path_does_not_call_getitem_and_copies(monkeypatch):
    x = np.arange(12.0).reshape(6, 2)
    ds = TensorDataset(x)
    calls = []
    orig = TensorDataset.__getitem__
    monkeypatch.setattr(TensorDataset, "__getitem__",
                        lambda self, i: calls.append(i) or orig(self, i))
    for shuffle in (False, True):
        loader = DataLoader(ds, batch_size=4, shuffle=shuffle)
        assert loader._fast()
        for (b,) in loader:
            b.data[...] = -1.0      # batches never alias the dataset
    assert calls == []              # no per-sample indexing at all
    np.testing.assert_array_equal(x, np.arange(12.0).reshape(6, 2))
    list(DataLoader(ds, batch_size=4, collate_fn=lambda b: default_collate(b)))
    assert calls == list(range(6))  # the generic path indexes sample by sample


# --------------------------------------------------------------------------
# a small training loop uses the batches
# --------------------------------------------------------------------------
def test_batches_feed_a_training_step():
    x = RNG.standard_normal((32, 3))
    w_true = np.array([1.0, -2.0, 0.5])
    y = x @ w_true
    w = Tensor(np.zeros(3), requires_grad=True)
    loader = DataLoader(TensorDataset(Tensor(x), Tensor(y)), batch_size=8, shuffle=True,
                        generator=np.random.default_rng(0))
    for _ in range(60):
        for xb, yb in loader:
            loss = ((xb @ w - yb) ** 2).mean()
            w.grad = None
            loss.backward()
            w.data = w.data - 0.1 * w.grad.data
    np.testing.assert_allclose(w.data, w_true, atol=1e-6)


# --------------------------------------------------------------------------
# samplers, batch samplers, Subset, random_split (issue #11 §2 "Data loading")
# --------------------------------------------------------------------------
from yaae.data import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: E402
                       Subset, SubsetRandomSampler, get_worker_info, random_split)


def _both(x, **kw):
    """Our DataLoader and torch's over the same data (with the same options)."""
    def conv(m):
        return {k: (v(m) if callable(v) and k in ("sampler", "batch_sampler") else v)
                for k, v in kw.items()}
    ours = DataLoader(TensorDataset(Tensor(x), np.arange(len(x))), **conv(ya.data))
    tkw = conv(tud)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.arange(len(x))), **tkw)
    return ours, theirs


def _check_same(ours, theirs):
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_matches_torch(g, w)


class Evens:
    """A custom sampler (not a Sampler subclass): even indices, backwards."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range((self.n - 1) // 2 * 2, -1, -2))

    def __len__(self):
        return (self.n + 1) // 2


@pytest.mark.parametrize("bs", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_samplers_match_torch(bs, drop_last):
    x = RNG.standard_normal((11, 2))
    for sampler in (lambda m: m.SequentialSampler(range(11)), lambda m: [5, 3, 3, 0, 10, 7],
                    lambda m: Evens(11), lambda m: np.array([2, 4, 6])):
        _check_same(*_both(x, batch_size=bs, drop_last=drop_last, sampler=sampler))
    # the same with our Sampler classes against torch's
    ours = DataLoader(TensorDataset(Tensor(x)), batch_size=bs, drop_last=drop_last,
                      sampler=SequentialSampler(range(11)))
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x)), batch_size=bs,
                            drop_last=drop_last, sampler=tud.SequentialSampler(range(11)))
    _check_same(ours, theirs)


def test_batch_sampler_matches_torch():
    x = RNG.standard_normal((10, 3))
    batches = [[0, 1, 2], [9], [4, 4, 8], [3, 5, 7, 6]]
    _check_same(*_both(x, batch_sampler=lambda m: batches))
    for bs, dl in ((3, False), (4, True), (20, False), (20, True)):
        _check_same(*_both(x, batch_sampler=lambda m: m.BatchSampler(
            m.SequentialSampler(range(10)), bs, dl)))
        assert list(BatchSampler(SequentialSampler(range(10)), bs, dl)) == \
            list(tud.BatchSampler(tud.SequentialSampler(range(10)), bs, dl))
        assert len(BatchSampler(range(10), bs, dl)) == len(tud.BatchSampler(range(10), bs, dl))


def test_batch_size_none_with_sampler_and_collate_fn_match_torch():
    x = RNG.standard_normal((6, 2))
    _check_same(*_both(x, batch_size=None, sampler=lambda m: [4, 1, 1]))
    collate = lambda samples: [len(samples), samples[0][0]]          # noqa: E731
    ours = DataLoader(TensorDataset(np.arange(7)), batch_size=3, collate_fn=collate)
    theirs = tud.DataLoader(tud.TensorDataset(torch.arange(7)), batch_size=3,
                            collate_fn=lambda s: [len(s), int(s[0][0])])
    assert [[n, int(i)] for n, i in ours] == [[n, i] for n, i in theirs]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9])
@pytest.mark.parametrize("bs", [1, 2, 4, 10])
def test_drop_last_counts_match_torch(n, bs):
    for drop_last in (False, True):
        for shuffle in (False, True) if n else (False,):    # no shuffling of nothing
            ours = DataLoader(TensorDataset(np.arange(n)), batch_size=bs, drop_last=drop_last,
                              shuffle=shuffle)
            theirs = tud.DataLoader(tud.TensorDataset(torch.arange(n)), batch_size=bs,
                                    drop_last=drop_last, shuffle=shuffle)
            assert len(ours) == len(theirs)
            assert [len(b[0]) for b in ours] == [len(b[0]) for b in theirs]
    if not n:
        with pytest.raises(ValueError):
            tud.DataLoader(tud.TensorDataset(torch.arange(n)), shuffle=True)
        with pytest.raises(ValueError):
            DataLoader(TensorDataset(np.arange(n)), shuffle=True)


def test_contradictory_options_raise_as_torch():
    ds, tds = TensorDataset(np.arange(6)), tud.TensorDataset(torch.arange(6))
    bad = [dict(sampler=[0, 1], shuffle=True),
           dict(batch_sampler=[[0, 1]], batch_size=2),
           dict(batch_sampler=[[0, 1]], shuffle=True),
           dict(batch_sampler=[[0, 1]], sampler=[0]),
           dict(batch_sampler=[[0, 1]], drop_last=True),
           dict(batch_size=None, drop_last=True),
           dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
           dict(persistent_workers=True)]
    for kw in bad:
        with pytest.raises(ValueError):
            tud.DataLoader(tds, **kw)
        with pytest.raises(ValueError):
            DataLoader(ds, **kw)
    for kw in (dict(shuffle=False, sampler=[0]), dict(batch_sampler=[[0]], batch_size=1),
               dict(pin_memory=True), dict(num_workers=0, timeout=0, prefetch_factor=None),
               dict(pin_memory=True, pin_memory_device="", in_order=True)):
        tud.DataLoader(tds, **kw)
        DataLoader(ds, **kw)


def test_sampler_classes_match_torch():
    for cls, tcls in ((SequentialSampler, tud.SequentialSampler),):
        assert list(cls(range(5))) == list(tcls(range(5))) and len(cls(range(5))) == 5
    assert issubclass(RandomSampler, Sampler) and issubclass(BatchSampler, Sampler)
    for kw in (dict(), dict(num_samples=3), dict(num_samples=12), dict(replacement=True),
               dict(replacement=True, num_samples=13)):
        ours, theirs = RandomSampler(range(5), **kw, generator=0), tud.RandomSampler(range(5), **kw)
        got, want = list(ours), list(theirs)
        assert len(ours) == len(theirs) == len(got) == len(want)
        assert all(0 <= i < 5 for i in got)
        if not kw.get("replacement"):           # every full pass is a permutation
            for k in range(len(got) // 5):
                assert sorted(got[5 * k:5 * k + 5]) == list(range(5))
    with pytest.raises(TypeError):
        tud.RandomSampler(range(3), replacement=1)
    with pytest.raises(TypeError):
        RandomSampler(range(3), replacement=1)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            tud.RandomSampler(range(3), num_samples=bad)
        with pytest.raises(ValueError):
            RandomSampler(range(3), num_samples=bad)
    for args in ((range(3), 0, False), (range(3), 2, 1)):
        with pytest.raises(ValueError):
            tud.BatchSampler(*args)
        with pytest.raises(ValueError):
            BatchSampler(*args)
    sub = SubsetRandomSampler([4, 8, 15, 16], generator=np.random.default_rng(0))
    assert sorted(sub) == [4, 8, 15, 16] and len(sub) == 4
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_random_sampler_reproducible_with_manual_seed_and_generator():
    loader = DataLoader(TensorDataset(np.arange(20)), batch_size=3,
                        sampler=RandomSampler(range(20), replacement=True, num_samples=9))
    ya.manual_seed(4)
    a = [b[0].tolist() for b in loader]
    ya.manual_seed(4)
    assert [b[0].tolist() for b in loader] == a
    assert [len(b) for b in a] == [3, 3, 3]
    s = SubsetRandomSampler(list(range(10)), generator=7)
    assert list(s) != list(s)           # the generator advances between epochs
    assert list(SubsetRandomSampler(list(range(10)), generator=7)) == \
        list(SubsetRandomSampler(list(range(10)), generator=np.random.default_rng(7)))


def test_subset_and_random_split_match_torch():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [3, 1, 4])
    assert len(sub) == 3 and int(sub[0][0]) == 30
    tsub = tud.Subset(tud.TensorDataset(torch.arange(10) * 10), [3, 1, 4])
    _check_same(DataLoader(sub, batch_size=2), tud.DataLoader(tsub, batch_size=2))
    for n, lengths in ((10, [3, 7]), (10, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]),
                       (7, [0.3, 0.3, 0.4]), (11, [0.1] * 10), (5, [5, 0]), (10, [1.0])):
        parts = random_split(range(n), lengths, generator=0)
        tparts = tud.random_split(range(n), lengths)
        assert [len(p) for p in parts] == [len(p) for p in tparts]
        assert sorted(i for p in parts for i in p) == list(range(n))
    ya.manual_seed(1)
    a = [list(p) for p in random_split(range(10), [4, 6])]
    ya.manual_seed(1)
    assert [list(p) for p in random_split(range(10), [4, 6])] == a
    for lengths in ([3, 3], [0.5, 0.6], [4, 7]):
        with pytest.raises(ValueError):
            tud.random_split(range(10), lengths)
        with pytest.raises(ValueError):
            random_split(range(10), lengths)


def test_subset_of_tensor_dataset_uses_the_fast_path():
    x = RNG.standard_normal((12, 2))
    train, _ = random_split(TensorDataset(Tensor(x), np.arange(12)), [8, 4], generator=3)
    fast = DataLoader(train, batch_size=3, shuffle=True, generator=5)
    slow = DataLoader(train, batch_size=3, shuffle=True, generator=5,
                      collate_fn=lambda b: default_collate(b))
    assert fast._fast() and not slow._fast()
    for a, b in zip(list(fast), list(slow)):
        assert_same_batch(a, b)


# --------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------
# (JAX, imported by other test files of the same run, warns at every fork; the
# workers never call JAX)
_JAX_FORK = pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")


class WorkerProbe(Dataset):
    """Samples that tell which worker process made them."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "worker": -1 if info is None else info.id,
                "init": _INIT_CALLS[-1] if _INIT_CALLS else -1,
                "rand": float(ya.rand(1).item())}


_INIT_CALLS = []


def _record_init(worker_id):
    _INIT_CALLS.append(worker_id)


@_JAX_FORK
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("bs", [None, 1, 4])
def test_workers_give_the_batches_of_num_workers_0_in_order(shuffle, bs):
    x = RNG.standard_normal((21, 3))
    ds = TensorDataset(Tensor(x), np.arange(21))
    for generic in (False, True):
        kw = dict(batch_size=bs, shuffle=shuffle,
                  collate_fn=(lambda b: default_collate(b)) if generic and bs else None)
        ya.manual_seed(9)
        want = [list(DataLoader(ds, **kw)) for _ in range(2)]
        ya.manual_seed(9)
        loader = DataLoader(ds, num_workers=2, **kw)
        got = [list(loader) for _ in range(2)]
        for g, w in zip(got, want):
            assert len(g) == len(w) == len(loader)
            for a, b in zip(g, w):
                assert_same_batch(a, b)


@_JAX_FORK
def test_workers_run_worker_init_fn_and_are_seeded():
    loader = DataLoader(WorkerProbe(12), batch_size=2, num_workers=3,
                        worker_init_fn=_record_init, prefetch_factor=1, timeout=30)
    ya.manual_seed(0)
    batches = list(loader)
    assert [b["i"].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9],
                                                  [10, 11]]
    workers = {w for b in batches for w in b["worker"].tolist()}
    assert workers <= {0, 1, 2} and len(workers) >= 2
    for b in batches:       # worker_init_fn ran in the worker that made the batch
        assert b["init"].tolist() == b["worker"].tolist()
    assert _INIT_CALLS == [] and get_worker_info() is None      # not in this process
    ya.manual_seed(0)
    again = list(loader)
    by_worker = lambda bs: sorted((b["worker"][0].item(), b["rand"][0].item()) for b in bs)  # noqa
    # each worker's generator is seeded base_seed + id, base_seed from ya.manual_seed
    assert {r for _, r in by_worker(batches)} == {r for _, r in by_worker(again)}
    assert len({r for _, r in by_worker(batches)}) == len(batches)


@_JAX_FORK
def test_persistent_workers_and_errors_in_workers():
    loader = DataLoader(WorkerProbe(6), batch_size=3, num_workers=2, persistent_workers=True)
    first = [b["i"].tolist() for b in loader]
    workers = loader._workers
    assert workers is not None
    assert [b["i"].tolist() for b in loader] == first == [[0, 1, 2], [3, 4, 5]]
    assert loader._workers is workers

    class Broken(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise KeyError("sample 2 is broken")
            return np.float64(i)

    with pytest.raises(KeyError, match="sample 2"):
        list(DataLoader(Broken(), batch_size=1, num_workers=2))
    assert list(DataLoader(Broken(), batch_size=2, num_workers=1, sampler=[0, 1, 3])) != []


@_JAX_FORK
def test_worker_timeout_raises_runtime_error():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            import time
            time.sleep(3)
            return np.float64(i)

    with pytest.raises(RuntimeError, match="timed out"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.2))
