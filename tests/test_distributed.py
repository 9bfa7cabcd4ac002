"""ya.distributed: collectives and DistributedDataParallel, under mpirun and without.

The MPI side runs tests/distributed/worker.py under ``mpirun -n 2`` and ``-n 3``
(once per size; every rank writes what it ends with); this side trains the same
models single-process with plain yaae on the concatenated batches (the oracle:
averaging the ranks' gradients of per-shard mean losses is the gradient of the
mean loss on the concatenated batch) and compares, to 1e-12 in float64.  The
collectives are checked against their definitions computed here with NumPy.

No test skips: without mpirun / mpi4py the MPI tests fail, saying how to install them.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import yaae as ya

HERE = os.path.dirname(os.path.abspath(__file__))
WORKERS = os.path.join(HERE, "distributed")
SRC = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, WORKERS)
from launch import mpirun, run_ranks  # noqa: E402
import common as C  # noqa: E402


@pytest.fixture(scope="module", params=[2, 3], ids=lambda n: f"n{n}")
def run(request, tmp_path_factory):
    """(n, [rank 0's results, rank 1's, ...]) of one worker.py job."""
    n = request.param
    return n, run_ranks(n, "worker.py", tmp_path_factory.mktemp(f"ddp{n}"))


# ---- single-process references (plain yaae, no ya.distributed) ----------------
def _reference(kind, n, dtype=None):
    model = C.make(kind, seed=0, dtype=dtype)
    X, Y = C.data(kind, n)
    if kind == "partly":     # each shard's forward as on its rank, the mean of the losses
        def loss(s):
            return sum(C.loss_fn(model(C.shard(X[s], r), C.uses_extra(r)), C.shard(Y[s], r))
                       for r in range(n)) / n
    else:
        def loss(s):
            return C.loss_fn(model(X[s]), Y[s])
    C.train(model, kind, X, Y, loss)
    return model


def _flat_grads(model):
    return np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])


def _grads_at(kind, x, y):
    model = C.make(kind, seed=0)
    C.loss_fn(model(x), y).backward()
    return _flat_grads(model)


@pytest.mark.parametrize("tag,kind", [("mlp", "mlp"), ("mlpb", "mlp"), ("conv", "conv")])
def test_ddp_training_equals_single_process(run, tag, kind):
    n, res = run
    ref = C.params(_reference(kind, n))
    for r in range(n):
        assert res[r]["world"].tolist() == [r, n]
        for k, v in ref.items():
            np.testing.assert_allclose(res[r][f"{tag}/{k}"], v, rtol=0, atol=1e-12,
                                       err_msg=f"{tag} rank {r} {k}")
        assert sorted(res[r][f"{tag}#sd_keys"].tolist()) == sorted("module." + k for k in ref)
    # the reference moved: equality is not the untrained init
    init = C.params(C.make(kind, seed=0))
    assert max(np.abs(init[k] - ref[k]).max() for k in ref) > 1e-3


def test_several_buckets_started_during_backward(run):
    n, res = run
    for r in range(n):
        assert res[r]["mlp#buckets"] == 1
        nb = int(res[r]["mlpb#buckets"])
        assert nb > 1
        started = res[r]["mlpb#started_at_fc1"]
        assert len(started) == C.STEPS
        # when the backward walk reached the first layer's output (fc1's parameters,
        # the last buckets, not complete yet), the buckets of fc3 and fc2 had started
        assert (started >= 1).all() and (started < nb).all(), started


def test_float32_parameters_keep_dtype(run):
    n, res = run
    ref = C.params(_reference("mlp", n, dtype=np.float32))
    for r in range(n):
        assert set(res[r]["f32#dtypes"].tolist()) == {"float32"}
        for k, v in ref.items():
            got = res[r][f"f32/{k}"]
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, v, rtol=1e-4, atol=1e-5)


def test_unused_parameter_error_names_it(run):
    n, res = run
    for r in range(n):
        msg = str(res[r]["unused#error"])
        assert "never" in msg and "find_unused_parameters=True" in msg, msg
        assert "fc1" not in msg and "fc2" not in msg
        for q in range(n):
            assert f"rank {q}: ['never." in msg, msg
        # 'extra' unused on ranks 1..n-1 only: every rank raises, and names those ranks
        msg = str(res[r]["unused_some#error"])
        assert "find_unused_parameters=True" in msg and "rank 0:" not in msg, msg
        for q in range(1, n):
            assert f"rank {q}: ['extra.weight', 'extra.bias'" in msg or \
                f"rank {q}: ['extra.bias', 'extra.weight'" in msg, msg
    # ... after which a step where every rank uses every parameter averages as usual
    X, Y = C.data("partly", n)
    grads = []
    for q in range(n):
        model = C.make("partly")
        model.never = None
        C.loss_fn(model(C.shard(X[1], q), True), C.shard(Y[1], q)).backward()
        grads.append(_flat_grads(model))
    for r in range(n):
        np.testing.assert_allclose(res[r]["unused_some#after"], sum(grads) / n, rtol=0, atol=1e-14)


def test_find_unused_parameters(run):
    n, res = run
    ref_model = _reference("partly", n)
    ref = C.params(ref_model)
    assert ref_model.never.weight.grad is None and ref_model.extra.weight.grad is not None
    for r in range(n):
        for k, v in ref.items():
            np.testing.assert_allclose(res[r][f"partly/{k}"], v, rtol=0, atol=1e-12,
                                       err_msg=f"rank {r} {k}")
        assert res[r]["partly#grad_none"].tolist() == ["never.bias", "never.weight"]


def test_no_sync_and_second_backward(run):
    n, res = run
    X, Y = C.data("mlp", n)
    local = [_grads_at("mlp", C.shard(X[0], r), C.shard(Y[0], r)) for r in range(n)]
    second = [_grads_at("mlp", C.shard(X[1], r), C.shard(Y[1], r)) for r in range(n)]
    synced = sum(a + b for a, b in zip(local, second)) / n
    for r in range(n):
        np.testing.assert_allclose(res[r]["nosync#local"], local[r], rtol=0, atol=1e-14)
        np.testing.assert_allclose(res[r]["nosync#synced"], synced, rtol=0, atol=1e-13)
        np.testing.assert_allclose(res[r]["nosync#twice"], synced + sum(second) / n,
                                   rtol=0, atol=1e-13)


def test_allreduce_values_and_dtypes(run):
    n, res = run
    base = np.arange(6.0).reshape(2, 3)
    for dt in ("float64", "float32", "complex128"):
        inputs = [(base * (r + 1) + (1j * r if dt.startswith("complex") else 0)).astype(dt)
                  for r in range(n)]
        total = sum(x.astype(np.complex128 if dt.startswith("complex") else np.float64)
                    for x in inputs)
        for op, want in (("sum", total), ("mean", total / n)):
            for r in range(n):
                got = res[r][f"ar/{dt}/{op}"]
                assert got.dtype == np.dtype(dt)
                tol = 1e-6 if dt == "float32" else 1e-14
                np.testing.assert_allclose(got, want, rtol=tol)
                np.testing.assert_allclose(res[r][f"ar/{dt}/{op}#tensor_val"], want, rtol=tol)
                assert res[r][f"ar/{dt}/{op}#tensor"] and res[r][f"ar/{dt}/{op}#input_kept"]
    for r in range(n):
        got = res[r]["ar/int64/sum"]
        assert got.dtype == np.int64
        assert got.tolist() == (np.arange(4) * sum(range(1, n + 1))).tolist()


def test_allreduce_is_differentiable(run):
    # L_r = sum(w_r * y) + sum(y ** 2) with y = allreduce(x_r, op): the cotangent of y
    # on rank r is w_r + 2 y, and the VJP allreduces it with the same op (Horovod)
    n, res = run
    xs = [np.linspace(-1, 1, 5) * (r + 1) for r in range(n)]
    ws = [np.cos(np.arange(5) + r) for r in range(n)]
    for op, red in (("sum", lambda v: sum(v)), ("mean", lambda v: sum(v) / n)):
        y = red(xs)
        want = red([w + 2 * y for w in ws])
        for r in range(n):
            np.testing.assert_allclose(res[r][f"ad/{op}/y"], y, rtol=1e-14)
            np.testing.assert_allclose(res[r][f"ad/{op}/grad"], want, rtol=1e-13, atol=1e-14)


def test_broadcast_parameters_and_buffers(run):
    n, res = run
    ya.manual_seed(7 + n - 1)      # the root (rank n-1) built its module from this seed
    m = ya.nn.Sequential(ya.nn.Linear(3, 2), ya.nn.BatchNorm1d(2))
    m[1].running_mean.data[:] = n - 1 + 0.5
    for r in range(n):
        assert res[r]["bcast#same_arrays"]
        for k, v in m.state_dict().items():
            np.testing.assert_array_equal(res[r][f"bcast/{k}"], np.array(v), err_msg=k)


def test_ddp_broadcasts_buffers_before_forward(run):
    n, res = run
    for r in range(n):
        np.testing.assert_array_equal(res[r]["bbuf/running_var"], [2.0, 2.0])
        np.testing.assert_array_equal(res[r]["bbuf/y"], res[0]["bbuf/y"])


def test_save_on_rank0_load_everywhere(run):
    n, res = run
    for r in range(n):
        np.testing.assert_array_equal(res[r]["ckpt/w"], np.arange(3.0))
        assert int(res[r]["ckpt/rank"]) == 0


@pytest.mark.parametrize("n", [2, 3])
def test_a_rank_raising_aborts_the_job(n):
    p = mpirun(n, "crash.py", timeout=120)    # a hang would be a TimeoutExpired
    assert p.returncode != 0
    assert "[rank 1]" in p.stderr and "rank 1 exploded mid-step (test)" in p.stderr, p.stderr
    assert "unreachable" not in p.stdout


# ---- without mpirun ------------------------------------------------------------
_LAUNCHER = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
             "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")


@pytest.fixture
def fresh_world(monkeypatch):
    """ya.distributed as before init(), outside any MPI launcher."""
    for v in _LAUNCHER:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(ya.distributed, "_world", None)
    return ya.distributed


def test_import_yaae_does_not_import_mpi4py():
    code = "import sys, yaae; yaae.distributed; print('mpi4py' in sys.modules)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": SRC}, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "False"


def test_before_init_raises_naming_init(fresh_world):
    d = fresh_world
    assert not d.is_initialized()
    for call in (d.rank, d.world_size, d.barrier, lambda: d.allreduce(np.ones(2)),
                 lambda: d.broadcast_parameters(ya.nn.Linear(1, 1)),
                 lambda: d.DistributedDataParallel(ya.nn.Linear(1, 1))):
        with pytest.raises(RuntimeError, match=r"init\(\)"):
            call()


def test_world_of_one_without_launcher(fresh_world):
    d = fresh_world
    d.init()
    d.init()    # idempotent
    assert d.is_initialized() and d.rank() == 0 and d.world_size() == 1
    assert d._world.comm is None
    a = np.arange(3, dtype=np.float32)
    for op in ("sum", "mean"):
        b = d.allreduce(a, op=op)
        assert b is not a and b.dtype == np.float32 and np.array_equal(a, b)
    t = d.allreduce(ya.tensor([1.0, 2.0]))
    assert isinstance(t, ya.Tensor) and t.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="'mean', 'sum'"):
        d.allreduce(a, op="max")
    with pytest.raises(TypeError, match="op='sum'"):
        d.allreduce(np.arange(3), op="mean")
    d.barrier()


def test_differentiable_allreduce_world_of_one_gradcheck(fresh_world):
    d = fresh_world
    d.init()
    x = ya.tensor([0.3, -1.2, 2.0], requires_grad=True)
    for op in ("mean", "sum"):
        assert ya.testing.gradcheck(lambda x: ya.sin(d.allreduce(x * x, op=op)), x.numpy(),
                                    modes=("rev", "fwd"), order=2)
    gg = ya.grad(lambda x: ya.grad(lambda x: (d.allreduce(x, "sum") ** 3).sum())(x).sum())(x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy(), rtol=1e-14)


@pytest.mark.parametrize("bucket_mb", [25, 0.0001])
def test_ddp_world_of_one_is_transparent(fresh_world, bucket_mb):
    d = fresh_world
    d.init()
    X, Y = C.data("mlp", 1)
    ref = C.make("mlp")
    C.loss_fn(ref(X[0]), Y[0]).backward()
    model = C.make("mlp")
    ddp = d.DistributedDataParallel(model, bucket_mb=bucket_mb)
    assert (len(ddp._buckets) > 1) == (bucket_mb < 1)
    for _ in range(2):      # the second step reuses the buckets
        model.zero_grad()
        C.loss_fn(ddp(X[0]), Y[0]).backward()
        for p, q in zip(model.parameters(), ref.parameters()):
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert list(ddp.parameters())[0] is model.fc1.weight
    sd = ddp.state_dict()
    assert list(sd) == ["module." + k for k in model.state_dict()]
    ddp.load_state_dict(sd)


def test_ddp_world_of_one_unused(fresh_world):
    d = fresh_world
    d.init()
    X, Y = C.data("partly", 1)
    ddp = d.DistributedDataParallel(C.make("partly"))
    with pytest.raises(RuntimeError, match=r"never\.weight.*find_unused_parameters=True"):
        C.loss_fn(ddp(X[0], True), Y[0]).backward()
    model = C.make("partly")
    ddp = d.DistributedDataParallel(model, find_unused_parameters=True)
    C.loss_fn(ddp(X[0], False), Y[0]).backward()
    ref = C.make("partly")
    C.loss_fn(ref(X[0], False), Y[0]).backward()
    for (k, p), q in zip(model.named_parameters(), ref.parameters()):
        if q.grad is None:
            assert p.grad is None, k
        else:
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert model.extra.weight.grad is None and model.never.weight.grad is None


def test_ddp_hooks_go_with_the_wrapper(fresh_world):
    import gc
    from yaae.tensor import _POST_HOOKS
    d = fresh_world
    d.init()
    model = C.make("mlp")
    ddp = d.DistributedDataParallel(model)
    assert id(model.fc1.weight) in _POST_HOOKS
    del ddp
    gc.collect()
    assert id(model.fc1.weight) not in _POST_HOOKS


def test_ddp_create_graph_is_refused(fresh_world):
    d = fresh_world
    d.init()
    X, Y = C.data("mlp", 1)
    ddp = d.DistributedDataParallel(C.make("mlp"))
    with pytest.raises(RuntimeError, match=r"create_graph=True\) is not supported: .*'fc3\."):
        C.loss_fn(ddp(X[0]), Y[0]).backward(create_graph=True)
    ddp.module.zero_grad()
    C.loss_fn(ddp(X[0]), Y[0]).backward()      # the next step works


def test_nn_parallel_alias():
    assert ya.nn.parallel.DistributedDataParallel is ya.distributed.DistributedDataParallel


@pytest.mark.parametrize("size,ok", [("2", False), ("1", True)])
def test_launcher_without_mpi4py(size, ok):
    # mpi4py made unimportable: under a launcher that started 2 processes init() must
    # not pretend to be a world of 1 (each would train alone); with 1 process it may
    code = ("import sys; sys.modules['mpi4py'] = None; import yaae as ya\n"
            "try:\n    ya.distributed.init(); print('world', ya.distributed.world_size())\n"
            "except ImportError as e:\n    print('ImportError', e)\n")
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCHER}
    env.update(PYTHONPATH=SRC, OMPI_COMM_WORLD_SIZE=size)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    if ok:
        assert p.stdout.strip() == "world 1"
    else:
        assert p.stdout.startswith("ImportError") and "world size 2" in p.stdout
        assert "apt-get install openmpi-bin libopenmpi-dev" in p.stdout
        assert "pip install yaae[mpi]" in p.stdout
