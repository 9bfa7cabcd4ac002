"""Acceptance review of issue #13 (data-parallel training over MPI), from outside.

What the issue and a PyTorch / Horovod user expect of ``ya.distributed``, checked
against independent truths: PyTorch trains the same MLP and CNN single-process on
the concatenated batches (``torch.nn.parallel.DistributedDataParallel``'s promise:
N ranks averaging their per-shard gradients take the steps of one process on the
whole batch), plain yaae without ``ya.distributed`` trains the other models (GRU,
tied weights, frozen layers), NumPy computes the collectives.

tests/distributed/review_worker.py runs every scenario in one ``mpirun -n 2`` and one
``mpirun -n 3`` launch; review_crash.py makes one rank fail mid-training.  No test
skips: without mpirun / mpi4py they fail, saying what to install.
"""
import os
import sys

import numpy as np
import pytest
import torch

import yaae as ya

HERE = os.path.dirname(os.path.abspath(__file__))
WORKERS = os.path.join(HERE, "distributed")
SRC = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, WORKERS)
from launch import mpirun, run_ranks  # noqa: E402
import review_models as M  # noqa: E402



@pytest.fixture(scope="module", params=[2, 3], ids=lambda n: f"n{n}")
def run(request, tmp_path_factory):
    """(n, [rank 0's results, rank 1's, ...]) of one review_worker.py job."""
    n = request.param
    return n, run_ranks(n, "review_worker.py", tmp_path_factory.mktemp(f"review{n}"))


# ---- PyTorch references -------------------------------------------------------
class TorchMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = (torch.nn.Linear(5, 16), torch.nn.Linear(16, 16),
                                        torch.nn.Linear(16, 3))

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class TorchCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.conv2 = torch.nn.Conv2d(4, 6, 3)
        self.fc = torch.nn.Linear(24, 3)

    def forward(self, x):
        h = torch.relu(self.conv2(self.pool(torch.relu(self.conv1(x)))))
        return self.fc(h.reshape(h.shape[0], -1))


def _torch_model(kind):
    """The torch twin of rank 0's initial yaae model, in float64."""
    net = (TorchMLP if kind == "mlp" else TorchCNN)().double()
    init = M.params(M.make(kind, seed=M.seed_of(0)))
    with torch.no_grad():
        for k, p in net.named_parameters():
            p.copy_(torch.from_numpy(init[k]))
    return net


def _torch_opt(kind, net):
    if kind == "cnn":
        return torch.optim.Adam(net.parameters(), lr=0.01)
    return torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)


def _t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


def _torch_train(kind, n, micro=1, steps=M.STEPS, seed=1, eval_at=None):
    """steps optimizer steps of one process on the concatenated batches (``micro``
    micro-batches summed per step); returns (state, eval output)."""
    net = _torch_model(kind)
    opt = _torch_opt(kind, net)
    X, Y = M.data(kind, n, steps=steps * micro, seed=seed)
    Xe = M.data(kind, 1, seed=5)[0][0]
    ev = None
    for s in range(steps):
        opt.zero_grad()
        loss = sum(((net(_t(X[micro * s + m])) - _t(Y[micro * s + m])) ** 2).mean()
                   for m in range(micro))
        loss.backward()
        opt.step()
        if eval_at == s:
            with torch.no_grad():
                ev = net(_t(Xe)).numpy()
    return {k: v.detach().numpy() for k, v in net.state_dict().items()}, ev


def _torch_grads(kind, x, y):
    net = _torch_model(kind)
    ((net(_t(x)) - _t(y)) ** 2).mean().backward()
    return np.concatenate([p.grad.numpy().ravel() for p in net.parameters()])


def _yaae_train(kind, n):
    """Plain yaae (no ya.distributed) on the concatenated batches."""
    model = M.make(kind, seed=M.seed_of(0))
    opt = M.optimizer(kind, M.trainable(model))
    X, Y = M.data(kind, n)
    for s in range(M.STEPS):
        opt.zero_grad()
        M.loss_fn(kind, model(X[s]), Y[s]).backward()
        opt.step()
    return M.params(model)


def _moved(kind, ref):
    init = M.params(M.make(kind, seed=M.seed_of(0)))
    return max(np.abs(init[k] - ref[k]).max() for k in ref if k in init)


def _same(res, n, tag, ref, atol=1e-12):
    for r in range(n):
        for k, v in ref.items():
            got = res[r][f"{tag}/{k}"]
            np.testing.assert_allclose(got, v, rtol=0, atol=atol, err_msg=f"{tag} rank {r} {k}")


# ---- training equals one process on the concatenated batches ------------------------
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_equals_torch_on_concatenated_batches(run, kind):
    # mlp: optimizer built on the module before wrapping, zero_grad() to None, an
    # eval forward under no_grad after step 10; cnn: Conv2d+MaxPool2d+Linear, Adam
    # built on ddp.parameters(), zero_grad(set_to_none=False), several buckets
    n, res = run
    ref, ev = _torch_train(kind, n, eval_at=9 if kind == "mlp" else None)
    assert _moved(kind, ref) > 1e-2
    _same(res, n, kind, ref)
    for r in range(n):
        assert res[r]["world"].tolist() == [r, n, 1]
        if kind == "mlp":
            np.testing.assert_allclose(res[r]["mlp#eval"], ev, rtol=0, atol=1e-12)
        else:
            assert len(res[r]["cnn#buckets"]) > 1


@pytest.mark.parametrize("kind", ["gru", "tied", "frozen"])
def test_training_equals_single_process(run, kind):
    # an Embedding + GRU, an embedding tied to the output projection plus a Linear
    # applied twice, a frozen layer; buckets smaller than most parameters
    n, res = run
    ref = _yaae_train(kind, n)
    assert _moved(kind, ref) > 1e-2
    _same(res, n, kind, ref)
    if kind == "frozen":     # frozen: rank 0's (broadcast), not trained, not in a bucket
        init = M.params(M.make(kind, seed=M.seed_of(0)))
        for r in range(n):
            np.testing.assert_array_equal(res[r]["frozen/feat.weight"], init["feat.weight"])
            assert sum(res[r]["frozen#buckets"]) == 2
    if kind == "tied":       # the tied matrix is one parameter: one bucket slot
        for r in range(n):
            assert sum(res[r]["tied#buckets"]) == 3


def test_float32_parameters(run):
    # float32 DDP against float64 PyTorch: the float32 roundoff (eps 1.2e-7 on values
    # and gradients of size ~1, the ranks' reduction order different from one batch's)
    # over 20 momentum steps stays far below 1e-4 -- the float64 run matches to 1e-12
    n, res = run
    ref, _ = _torch_train("mlp", n)
    for r in range(n):
        for k, v in ref.items():
            got = res[r][f"f32/{k}"]
            assert got.dtype == np.float32, k
            np.testing.assert_allclose(got, v, rtol=0, atol=1e-4, err_msg=f"rank {r} {k}")
            np.testing.assert_array_equal(got, res[0][f"f32/{k}"])   # ranks identical


def test_bucket_mb_zero_is_one_parameter_per_bucket(run):
    n, res = run
    ref, _ = _torch_train("mlp", n)
    _same(res, n, "zero_mb", ref)
    for r in range(n):
        assert res[r]["zero_mb#buckets"].tolist() == [1] * 6
        assert str(res[r]["neg_mb#error"]).startswith("ValueError") and \
            "bucket_mb" in str(res[r]["neg_mb#error"])


def test_state_dict_and_checkpoint(run):
    # torch: DDP(module).state_dict() keys are "module." + the module's keys
    n, res = run
    ref, _ = _torch_train("mlp", n)
    torch_keys = ["module." + k for k in TorchMLP().state_dict()]
    for r in range(n):
        assert res[r]["mlp#sd_keys"].tolist() == torch_keys
        assert int(res[r]["ckpt#step"]) == M.STEPS
        for k in ref:      # saved by rank 0, loaded on every rank into a different model
            np.testing.assert_array_equal(res[r][f"ckpt/{k}"], res[0][f"mlp/{k}"])
            np.testing.assert_array_equal(res[r][f"ckpt_ddp/{k}"], res[0][f"mlp/{k}"])
        np.testing.assert_allclose(res[r]["ckpt/fc1.weight"], ref["fc1.weight"], atol=1e-12)


def test_gradient_accumulation_with_no_sync(run):
    # 3 micro-batches per step, 2 under no_sync: the steps of the summed losses
    n, res = run
    ref, _ = _torch_train("mlp", n, micro=3, steps=5, seed=3)
    assert _moved("mlp", ref) > 1e-2
    _same(res, n, "accum", ref)


def test_unequal_batch_sizes_average_per_rank_gradients(run):
    # torch's DDP averages the ranks' gradients whatever their batch sizes: rank r
    # has 2 + r rows, the result is the mean of the per-rank mean-loss gradients,
    # not the gradient of the mean over all rows
    n, res = run
    X, Y = M.data("mlp", n, steps=1, seed=4)
    per_rank, lo = [], 0
    for q in range(n):
        per_rank.append(_torch_grads("mlp", X[0][lo:lo + 2 + q], Y[0][lo:lo + 2 + q]))
        lo += 2 + q
    want = sum(per_rank) / n
    whole = _torch_grads("mlp", X[0][:lo], Y[0][:lo])
    assert np.abs(want - whole).max() > 1e-3
    for r in range(n):
        np.testing.assert_allclose(res[r]["unequal#grads"], want, rtol=0, atol=1e-13)


@pytest.mark.parametrize("order", ["before", "after"])
def test_parameter_used_outside_forward_with_find_unused(run, order):
    # find_unused_parameters=True and a regularizer on a parameter the forward does
    # not use: PyTorch raises ("Expected to mark a variable ready only once");
    # yaae gave that parameter a zero gradient when the regularizer was built before
    # the forward (a silent wrong answer). Now: an error on every rank naming it.
    n, res = run
    X, Y = M.data("mlp", n, steps=1, seed=6)
    grads = []
    for q in range(n):
        ya.manual_seed(0)
        body = ya.nn.Linear(5, 3)
        M.loss_fn("mlp", body(M.shard(X[0], q)), M.shard(Y[0], q)).backward()
        grads.append(body.weight.grad.numpy())
    for r in range(n):
        msg = str(res[r][f"outside_{order}#error"])
        assert msg.startswith("RuntimeError") and "aux.weight" in msg, msg
        assert "outside" in msg and "find_unused_parameters" in msg, msg
        assert all(f"rank {q}: ['aux.weight']" in msg for q in range(n)), msg
        # the next step, without the regularizer: aux unused everywhere -> grad None
        assert res[r][f"outside_{order}#next_aux_none"]
        np.testing.assert_allclose(res[r][f"outside_{order}#next_grad"], sum(grads) / n,
                                   rtol=0, atol=1e-14)


def test_unfreezing_after_wrapping_is_refused(run):
    # a parameter made trainable after wrapping has no bucket: its gradient would
    # silently stay each rank's own (the ranks drift apart); now the forward refuses
    n, res = run
    X, Y = M.data("frozen", n, steps=1, seed=9)
    grads = []
    for q in range(n):
        model = M.make("frozen", seed=M.seed_of(0))
        for p in model.feat.parameters():
            p.requires_grad = True
        M.loss_fn("frozen", model(M.shard(X[0], q)), M.shard(Y[0], q)).backward()
        grads.append(M.flat_grads(model))
    for r in range(n):
        msg = str(res[r]["unfreeze#error"])
        assert msg.startswith("RuntimeError") and "['feat.weight', 'feat.bias']" in msg, msg
        assert "wrap the module again" in msg, msg
        np.testing.assert_allclose(res[r]["unfreeze#grads"], sum(grads) / n, rtol=0,
                                   atol=1e-14)


def test_float16_parameters(run):
    n, res = run
    ya.manual_seed(0)
    w = ya.nn.Linear(5, 3, dtype=np.float16)
    X, Y = M.data("mlp", n, steps=1, seed=8)
    net = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        net.weight.copy_(_t(w.weight.numpy().astype(np.float64)))
        net.bias.copy_(_t(w.bias.numpy().astype(np.float64)))
    gs = []
    for q in range(n):
        net.zero_grad()
        x = M.shard(X[0], q).astype(np.float16).astype(np.float64)
        y = M.shard(Y[0], q).astype(np.float16).astype(np.float64)
        ((net(_t(x)) - _t(y)) ** 2).mean().backward()
        gs.append(net.weight.grad.numpy().copy())
    for r in range(n):
        g = res[r]["f16#grad"]
        assert g.dtype == np.float16
        # float16: eps 1e-3 on the forward, the backward and the reduction
        np.testing.assert_allclose(g.astype(np.float64), sum(gs) / n, rtol=1e-2, atol=1e-2)
        np.testing.assert_array_equal(g, res[0]["f16#grad"])


def test_allreduce_values(run):
    n, res = run
    bases = [np.arange(6).reshape(2, 3) * (q + 1) + q for q in range(n)]
    total = sum(bases)
    for dt in ("int32", "int64", "uint8", "float16", "float32", "float64", "complex64"):
        for r in range(n):
            got = res[r][f"ar/{dt}/sum"]
            assert got.dtype == np.dtype(dt), (dt, got.dtype)
            np.testing.assert_array_equal(got, total.astype(dt))
            if dt[0] in "fc":
                got = res[r][f"ar/{dt}/mean"]
                assert got.dtype == np.dtype(dt)
                np.testing.assert_allclose(got, total / n, rtol=1e-3 if dt == "float16" else 1e-6)
    big = [np.arange(24.0).reshape(4, 6) * (q + 1) for q in range(n)]
    for r in range(n):
        assert res[r]["ar/0d"].shape == ()
        np.testing.assert_allclose(res[r]["ar/0d"], sum(q + 0.25 for q in range(n)) / n,
                                   rtol=1e-15)
        assert int(res[r]["ar/scalar"]) == sum(q + 1 for q in range(n))
        np.testing.assert_array_equal(res[r]["ar/noncontig"], sum(b[::2, 1::2] for b in big))
        assert res[r]["ar/noncontig#kept"]
        np.testing.assert_allclose(res[r]["ar/fortran"], sum(big) / n, rtol=1e-15)
        np.testing.assert_allclose(res[r]["ar/default_op"], total / n, rtol=1e-15)
        np.testing.assert_array_equal(res[r]["ar/tensor"], total.astype(float))
        assert str(res[r]["ar/tensor#type"]) == "Tensor"
        assert str(res[r]["ar/badop#error"]).startswith("ValueError")


def test_broadcast_parameters_and_buffers_from_rank0(run):
    n, res = run
    ya.manual_seed(7)
    m = ya.nn.Sequential(ya.nn.Linear(3, 4), ya.nn.BatchNorm1d(4), ya.nn.Linear(4, 2))
    m[1].running_mean.data[:] = 0.5
    m[1].running_var.data[:] = 2.0
    m[1].num_batches_tracked.data[...] = 0
    want = {k: np.array(v) for k, v in m.state_dict().items()}
    assert "1.running_mean" in want and "1.num_batches_tracked" in want
    for r in range(n):
        for k, v in want.items():
            np.testing.assert_array_equal(res[r][f"bcast/{k}"], v, err_msg=f"rank {r} {k}")


@pytest.mark.parametrize("n,mode,who,text", [
    (2, "backward", 1, "ArithmeticError: review: rank 1 failed inside backward"),
    (3, "backward", 2, "ArithmeticError: review: rank 2 failed inside backward"),
    (3, "step", 0, "review: rank 0 failed in its optimizer step")])
def test_a_failing_rank_ends_the_job(n, mode, who, text):
    p = mpirun(n, "review_crash.py", mode, timeout=90)    # a hang: TimeoutExpired
    assert p.returncode != 0
    assert f"[rank {who}]" in p.stderr and text in p.stderr, p.stderr
    assert "unreachable" not in p.stdout


def test_sys_exit_on_one_rank_under_python_m_mpi4py():
    # sys.exit is no uncaught exception (no excepthook): under plain `python` the
    # exiting rank waits in MPI_Finalize and the others in their collective (a hang,
    # documented); `python -m mpi4py`, the launch the docstring recommends, aborts
    p = mpirun(2, "review_exit.py", timeout=60, python=("-m", "mpi4py"))
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert "unreachable" not in p.stdout
    assert "python -m mpi4py" in ya.distributed.__doc__


# ---- a world of one, without mpirun ---------------------------------------------
_LAUNCHER = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
             "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")


@pytest.fixture
def world1(monkeypatch):
    for v in _LAUNCHER:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(ya.distributed, "_world", None)
    d = ya.distributed
    assert not d.is_initialized()
    d.init()
    d.init()
    assert d.is_initialized() and d.rank() == 0 and d.world_size() == 1
    return d


def test_world_of_one_everything_works(world1):
    d = world1
    d.barrier()
    a = np.arange(6.0).reshape(2, 3)[:, ::2]
    for op in ("sum", "mean"):
        np.testing.assert_array_equal(d.allreduce(a, op=op), a)
    assert d.allreduce(np.float16(1.5), op="mean").dtype == np.float16
    m = M.make("mlp")
    before = M.params(m)
    d.broadcast_parameters(m)
    for k, v in M.params(m).items():
        np.testing.assert_array_equal(v, before[k])
    # DDP in a world of one trains exactly as the bare module (PyTorch as the oracle)
    ddp = d.DistributedDataParallel(m, bucket_mb=0.0001)
    opt = M.optimizer("mlp", ddp.parameters())
    X, Y = M.data("mlp", 1)
    for s in range(M.STEPS):
        opt.zero_grad()
        M.loss_fn("mlp", ddp(X[s]), Y[s]).backward()
        opt.step()
    ref, _ = _torch_train("mlp", 1)
    for k, v in ref.items():
        np.testing.assert_allclose(M.params(m)[k], v, rtol=0, atol=1e-12, err_msg=k)
    # train() / eval() reach the wrapped module, as torch's DDP
    assert ddp.eval() is ddp and not ddp.module.training and not ddp.training
    assert ddp.train() is ddp and ddp.module.training


def test_torch_keywords(world1):
    d = world1
    m = M.make("mlp")
    # bucket_cap_mb is PyTorch's name for bucket_mb
    ddp = d.DistributedDataParallel(m, bucket_cap_mb=0, device_ids=None, static_graph=False)
    assert [len(b.params) for b in ddp._buckets] == [1] * 6
    del ddp
    # a misspelt keyword must not pass silently (it used to be swallowed)
    with pytest.raises(TypeError, match="find_unused_paramters"):
        d.DistributedDataParallel(M.make("mlp"), find_unused_paramters=True)
    with pytest.raises(NotImplementedError, match="process_group"):
        d.DistributedDataParallel(M.make("mlp"), process_group=object())
    with pytest.raises(TypeError, match="not both"):
        d.DistributedDataParallel(M.make("mlp"), bucket_mb=1, bucket_cap_mb=2)


def test_world_of_one_outside_forward_with_find_unused(world1):
    # PyTorch raises "Expected to mark a variable ready only once" here; so does yaae
    d = world1

    class Head(ya.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = ya.nn.Linear(5, 3)
            self.aux = ya.nn.Linear(3, 3)

        def forward(self, x):
            return self.body(x)

    model = Head()
    ddp = d.DistributedDataParallel(model, find_unused_parameters=True)
    reg = (model.aux.weight ** 2).sum()
    with pytest.raises(RuntimeError, match=r"aux\.weight.*outside"):
        (ddp(ya.ones((2, 5))).sum() + reg).backward()
