"""``ya.data.DistributedSampler``: one rank's shard of a dataset (issue #13).

Oracles: PyTorch's ``torch.utils.data.distributed.DistributedSampler`` run
with the same ``(num_replicas, rank, drop_last)``; with ``shuffle=False`` the
indices must be identical, with ``shuffle=True`` ours must be the documented
permutation (``numpy.random.default_rng(seed + epoch).permutation(n)``)
indexed by torch's unshuffled shard (same sizes, padding and interleaving,
another permutation).  Then the properties data-parallel training needs:
shards disjoint and covering, reshuffled by ``set_epoch``, the same
permutation on every rank for the same seed; and a run under
``mpirun -n 2`` where ``num_replicas``/``rank`` come from ``ya.distributed``.
"""
import collections
import json
import os
import sys

import numpy as np
import pytest
import torch
from torch.utils.data.distributed import DistributedSampler as TorchDS

import yaae as ya
from yaae.data import DataLoader, DistributedSampler, TensorDataset, default_collate

SIZES = [1, 2, 3, 5, 7, 10, 16, 17, 64, 101]
REPLICAS = [1, 2, 3, 4]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "distributed"))
from launch import mpirun  # noqa: E402


def shards(n, r, **kw):
    return [list(DistributedSampler(range(n), num_replicas=r, rank=k, **kw)) for k in range(r)]


def torch_shard(n, r, k, **kw):
    s = TorchDS(range(n), num_replicas=r, rank=k, **kw)
    return list(s), len(s)


# ---- against PyTorch -----------------------------------------------------------------------
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("r", REPLICAS)
@pytest.mark.parametrize("n", SIZES)
def test_unshuffled_indices_identical_to_torch(n, r, drop_last):
    for k in range(r):
        ours = DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False,
                                  drop_last=drop_last)
        want, want_len = torch_shard(n, r, k, shuffle=False, drop_last=drop_last)
        assert list(ours) == want
        assert len(ours) == want_len == len(want)
        assert (ours.num_samples, ours.total_size) == (want_len, want_len * r)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("r", REPLICAS)
@pytest.mark.parametrize("n", [3, 10, 17, 101])
def test_shuffled_is_the_documented_permutation_in_torchs_structure(n, r, drop_last):
    for seed, epoch in [(0, 0), (0, 3), (7, 1)]:
        perm = np.random.default_rng(seed + epoch).permutation(n)
        for k in range(r):
            s = DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=True, seed=seed,
                                   drop_last=drop_last)
            s.set_epoch(epoch)
            want, want_len = torch_shard(n, r, k, shuffle=False, drop_last=drop_last)
            assert list(s) == perm[want].tolist()
            assert len(s) == want_len


def test_torchs_own_shuffled_sampler_has_the_same_structure():
    # torch's shuffled shards, mapped back through torch's permutation, are its
    # unshuffled shards: the structure the previous test transfers to ours
    n, r, seed, epoch = 23, 3, 5, 2
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    perm = torch.randperm(n, generator=g).numpy()
    for k in range(r):
        s = TorchDS(range(n), num_replicas=r, rank=k, shuffle=True, seed=seed)
        s.set_epoch(epoch)
        assert list(s) == perm[torch_shard(n, r, k, shuffle=False)[0]].tolist()


# ---- disjoint and covering -----------------------------------------------------------------
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("r", [1, 2, 3])
@pytest.mark.parametrize("n", SIZES)
def test_shards_disjoint_and_covering(n, r, shuffle):
    # drop_last=False: every index at least once; only the padding repeats
    sh = shards(n, r, shuffle=shuffle)
    size = -(-n // r)
    assert all(len(x) == size for x in sh)
    counts = collections.Counter(i for x in sh for i in x)
    assert set(counts) == set(range(n))
    pad = size * r - n
    assert pad < r
    assert sum(c - 1 for c in counts.values()) == pad
    if pad <= n:
        assert max(counts.values()) <= 2
    # the repeats are the first `pad` indices of the epoch's order
    order = np.random.default_rng(0).permutation(n) if shuffle else np.arange(n)
    extra = counts - collections.Counter(range(n))
    assert extra == collections.Counter(np.resize(order, n + pad)[n:].tolist())

    # drop_last=True: disjoint, equal, and only the tail of the order is left out
    sh = shards(n, r, shuffle=shuffle, drop_last=True)
    assert all(len(x) == n // r for x in sh)
    flat = [i for x in sh for i in x]
    assert len(flat) == len(set(flat)) == (n // r) * r
    assert set(range(n)) - set(flat) == set(order[(n // r) * r:].tolist())


def test_more_replicas_than_samples_pad_cyclically_like_torch():
    for n, r in [(1, 4), (2, 5), (3, 8)]:
        for k in range(r):
            ours = list(DistributedSampler(range(n), num_replicas=r, rank=k, shuffle=False))
            assert ours == torch_shard(n, r, k, shuffle=False)[0]
        assert sorted(i for x in shards(n, r, shuffle=False) for i in x) == \
            sorted(np.resize(np.arange(n), r).tolist())
        assert shards(n, r, shuffle=False, drop_last=True) == [[]] * r


def test_empty_dataset():
    s = DistributedSampler([], num_replicas=2, rank=1)
    assert list(s) == [] and len(s) == 0
    assert list(TorchDS([], num_replicas=2, rank=1)) == []


# ---- epochs and seeds ----------------------------------------------------------------------
def interleave(sh):
    """The epoch's order rebuilt from every rank's shard (rank k holds positions k, k+r, ...)."""
    r = len(sh)
    out = [None] * (len(sh[0]) * r)
    for k, x in enumerate(sh):
        out[k::r] = x
    return out


def test_reshuffled_by_set_epoch_and_repeated_without():
    n, r = 100, 2
    samplers = [DistributedSampler(range(n), num_replicas=r, rank=k, seed=3) for k in range(r)]
    orders = []
    for epoch in range(4):
        for s in samplers:
            s.set_epoch(epoch)
        sh = [list(s) for s in samplers]
        assert [list(s) for s in samplers] == sh           # iterating again: the same order
        flat = [i for x in sh for i in x]
        assert sorted(flat) == list(range(n))               # n divisible by r: no padding
        orders.append(interleave(sh))
        assert orders[-1] == np.random.default_rng(3 + epoch).permutation(n).tolist()
    assert len({tuple(o) for o in orders}) == 4             # every epoch a new order
    assert all(sorted(o) == list(range(n)) for o in orders)
    first = DistributedSampler(range(n), num_replicas=r, rank=0, seed=3)
    assert list(first) == list(first)                       # no set_epoch: epoch 0 every time


def test_same_permutation_on_every_rank_for_the_same_seed():
    n, r = 37, 3
    for seed in (0, 1, 12345):
        for epoch in (0, 2):
            a, b = [], []
            for k in range(r):
                s1 = DistributedSampler(range(n), num_replicas=r, rank=k, seed=seed)
                s2 = DistributedSampler(list(range(n)), num_replicas=r, rank=k, seed=seed)
                s1.set_epoch(epoch)
                s2.set_epoch(epoch)
                a.append(list(s1))
                b.append(list(s2))
            assert a == b                                   # independent instances agree
            order = interleave(a)
            assert order[:n] == np.random.default_rng(seed + epoch).permutation(n).tolist()
            assert order[n:] == order[:len(order) - n]      # padding: the start repeated
    other = [list(DistributedSampler(range(n), num_replicas=r, rank=k, seed=1)) for k in range(r)]
    assert interleave(other) != interleave(shards(n, r, seed=0))


def test_shuffle_false_ignores_seed_and_epoch():
    s = DistributedSampler(range(9), num_replicas=2, rank=1, shuffle=False, seed=4)
    s.set_epoch(5)
    assert list(s) == torch_shard(9, 2, 1, shuffle=False)[0]


# ---- arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize("r, k", [(2, 2), (2, -1), (1, 5)])
def test_rank_out_of_range_is_a_value_error_like_torch(r, k):
    with pytest.raises(ValueError, match="Invalid rank"):
        TorchDS(range(4), num_replicas=r, rank=k)
    with pytest.raises(ValueError, match=rf"Invalid rank {k}, rank should be in the interval "
                                         rf"\[0, {r - 1}\]"):
        DistributedSampler(range(4), num_replicas=r, rank=k)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_replicas must be at least 1"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="num_replicas must be an int"):
        DistributedSampler(range(4), num_replicas=2.0, rank=0)
    with pytest.raises(TypeError, match="rank must be an int"):
        DistributedSampler(range(4), num_replicas=2, rank=True)
    with pytest.raises(TypeError, match="seed must be an int"):
        DistributedSampler(range(4), num_replicas=2, rank=0, seed=0.5)
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        DistributedSampler(range(4), num_replicas=2, rank=0, shuffle="yes")
    s = DistributedSampler(range(4), num_replicas=2, rank=0)
    with pytest.raises(TypeError, match="epoch must be an int"):
        s.set_epoch(1.5)
    s = DistributedSampler(range(4), num_replicas=2, rank=0, seed=0)
    s.set_epoch(-1)
    with pytest.raises(ValueError, match="seed \\+ epoch must be non-negative"):
        list(s)


# ---- with the DataLoader -------------------------------------------------------------------
@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_batches_are_the_shard(drop_last):
    n, r = 23, 2
    X = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    y = np.arange(n) * 10
    ds = TensorDataset(ya.tensor(X), y)
    for k in range(r):
        s = DistributedSampler(ds, num_replicas=r, rank=k, seed=1)
        for epoch in range(2):
            s.set_epoch(epoch)
            idx = list(s)
            fast = list(DataLoader(ds, batch_size=5, sampler=s, drop_last=drop_last))
            slow = list(DataLoader(ds, batch_size=5, sampler=s, drop_last=drop_last,
                                   collate_fn=lambda b: default_collate(b)))   # per-sample path
            assert len(fast) == len(slow) == (len(idx) // 5 if drop_last else -(-len(idx) // 5))
            got = np.concatenate([b[1].data for b in fast])
            want = y[idx[:len(got)]]
            assert np.array_equal(got, want)
            for (xf, yf), (xs, ys) in zip(fast, slow):
                assert np.array_equal(xf.data, xs.data) and np.array_equal(yf.data, ys.data)
                assert xf.dtype == xs.dtype == np.float64
            assert np.array_equal(np.concatenate([b[0].data for b in fast]), X[idx[:len(got)]])


def test_dataloader_refuses_shuffle_with_a_sampler():
    s = DistributedSampler(range(4), num_replicas=2, rank=0)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(TensorDataset(np.arange(4)), sampler=s, shuffle=True)


# ---- from ya.distributed, under mpirun -----------------------------------------------------
WORKER = """
import json, sys
import yaae as ya
from yaae.data import DistributedSampler
ya.distributed.init()
n = int(sys.argv[1])
out = {"rank": ya.distributed.rank(), "size": ya.distributed.world_size(), "epochs": []}
s = DistributedSampler(range(n), seed=11)
for epoch in range(3):
    s.set_epoch(epoch)
    out["epochs"].append(list(s))
out["len"] = len(s)
# one file per rank: two ranks printing to one pipe can interleave their lines
with open(f"{sys.argv[2]}/rank{out['rank']}.json", "w") as f:
    json.dump(out, f)
"""


def test_defaults_come_from_ya_distributed_under_mpirun(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    n, r = 11, 2
    p = mpirun(r, str(script), n, tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    results = sorted((json.loads(f.read_text()) for f in tmp_path.glob("rank*.json")),
                     key=lambda d: d["rank"])
    assert [d["rank"] for d in results] == [0, 1] and all(d["size"] == r for d in results)
    for epoch in range(3):
        sh = [d["epochs"][epoch] for d in results]
        want = []
        for k in range(r):
            s = DistributedSampler(range(n), num_replicas=r, rank=k, seed=11)
            s.set_epoch(epoch)
            want.append(list(s))
        assert sh == want
        assert set(sh[0]) | set(sh[1]) == set(range(n))
        assert len(set(sh[0]) & set(sh[1])) == 1            # 11 on 2 ranks: one padded repeat
    assert all(d["len"] == 6 for d in results)


@pytest.fixture
def fresh_world(monkeypatch):
    """ya.distributed as before init(), outside any MPI launcher (restored afterwards)."""
    for v in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
              "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(ya.distributed, "_world", None)
    return ya.distributed


def test_defaults_before_init_raise_naming_init(fresh_world):
    # torch: RuntimeError before init_process_group; explicit num_replicas/rank need no world
    with pytest.raises(RuntimeError, match=r"init\(\)"):
        DistributedSampler(range(5))
    with pytest.raises(RuntimeError, match=r"init\(\)"):
        DistributedSampler(range(5), num_replicas=2)
    assert list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False)) == [1, 3, 0]


def test_defaults_in_a_world_of_one(fresh_world):
    fresh_world.init()
    s = DistributedSampler(range(5), shuffle=False)
    assert (s.num_replicas, s.rank) == (1, 0)
    assert list(s) == list(range(5))
    assert list(DistributedSampler(range(5), seed=2)) == \
        np.random.default_rng(2).permutation(5).tolist()
