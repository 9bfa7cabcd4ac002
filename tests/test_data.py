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
