"""Review of issue #13 against torch.distributed itself: the same training programs run
with torch's DistributedDataParallel (CPU, backend gloo, one process per rank) and with
yaae's (under mpirun), world sizes 2 and 3, compared rank by rank.

The programs are written once, in tests/distributed/review_torch_programs.py, against a
small backend (torch's or yaae's): the DDP tutorial's ToyModel, a Horovod-style MNIST CNN,
AdamW with parameter groups + StepLR + clip_grad_norm_, no_sync() accumulation,
BatchNorm with broadcast_buffers (per-rank running stats after every forward), eval and
no_grad through the wrapper, find_unused_parameters (a branch unused on some ranks, on
all ranks, with set_to_none both ways), checkpoints written by rank 0 and resumed on every
rank, DistributedSampler + DataLoader with set_epoch.  The torch job starts every model
from a rank-dependent seed and writes its state_dict; the yaae job loads it, so each rank
starts from different weights and rank 0's broadcast is checked as well.

Every rank writes its results to its own file (never through stdout).  Three documented
differences, checked as documented: DistributedSampler(shuffle=True) draws its permutation
from numpy.random.default_rng(seed + epoch), not torch.randperm; with
find_unused_parameters=False a parameter without gradient is an error at the end of that
backward in yaae, in the next forward in torch; a second backward of the same graph
(retain_graph) is averaged in yaae, while torch adds each rank's own gradient.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKERS = os.path.join(HERE, "distributed")
sys.path.insert(0, WORKERS)
from launch import run_ranks  # noqa: E402

TOL = dict(rtol=1e-10, atol=1e-10)


def _torch_job(n, outdir, timeout=150):
    """torch.distributed's DDP: one process per rank (RANK / WORLD_SIZE, a FileStore)."""
    procs, logs = [], []
    for r in range(n):
        env = dict(os.environ, RANK=str(r), WORLD_SIZE=str(n), OMP_NUM_THREADS="1",
                   OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        log = open(os.path.join(outdir, f"torch_log{r}.txt"), "w")
        logs.append(log)
        procs.append(subprocess.Popen([sys.executable, os.path.join(WORKERS, "review_torch_ref.py"),
                                       str(outdir)], env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        codes = [p.wait(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
    text = "".join(open(os.path.join(outdir, f"torch_log{r}.txt")).read() for r in range(n))
    assert codes == [0] * n, f"the torch.distributed reference job failed ({codes}):\n{text}"


@pytest.fixture(scope="module", params=[2, 3], ids=lambda n: f"n{n}")
def run(request, tmp_path_factory):
    """(n, torch's per-rank results, yaae's per-rank results)."""
    n = request.param
    d = tmp_path_factory.mktemp(f"ddp_torch{n}")
    _torch_job(n, d)
    yres = run_ranks(n, "review_torch_ya.py", d, prefix="yaae_rank", timeout=150)
    return n, [dict(np.load(d / f"torch_rank{r}.npz")) for r in range(n)], yres, d


def _check(run, prefix, skip=()):
    """Every result under ``prefix`` equal to torch's, rank by rank; returns how many."""
    n, tres, yres, _ = run
    count = 0
    for r in range(n):
        t = {k: v for k, v in tres[r].items() if k.startswith(prefix)}
        y = {k: v for k, v in yres[r].items() if k.startswith(prefix)}
        assert t, f"no results under {prefix!r}"
        assert sorted(y) == sorted(t), (f"rank {r}: keys differ: only torch "
                                        f"{sorted(set(t) - set(y))}, only yaae "
                                        f"{sorted(set(y) - set(t))}")
        for k in t:
            if k in skip:
                continue
            a, b = t[k], y[k]
            if a.dtype.kind in "US" or b.dtype.kind in "US":      # key lists, "None" grads
                assert a.shape == b.shape and (a == b).all(), f"rank {r} {k}: torch {a}, yaae {b}"
            else:
                np.testing.assert_allclose(b, a, **TOL, err_msg=f"rank {r} {k} (yaae vs torch)")
            count += 1
    return count


def test_every_program_recorded_the_same_results(run):
    n, tres, yres, _ = run
    for r in range(n):
        assert sorted(yres[r]) == sorted(tres[r])


def test_ranks_start_from_different_weights(run):
    """The check of rank 0's broadcast can fail: the ranks' initial weights differ."""
    n, _, _, d = run
    inits = [np.load(d / "init" / f"toy_rank{r}.npz")["net1.weight"] for r in range(n)]
    assert all(not np.allclose(inits[0], w) for w in inits[1:])


def test_ddp_tutorial_toy_model_sgd_nesterov(run):
    n, tres, yres, d = run
    assert _check(run, "toy/") > 0
    w0 = np.load(d / "init" / "toy_rank0.npz")["net1.weight"]
    for r in range(n):              # rank 0's weights everywhere after wrapping
        np.testing.assert_array_equal(yres[r]["toy/init/net1.weight"], w0)


def test_horovod_mnist_adam_metric_average_plateau(run):
    _check(run, "mnist/")


def test_adamw_param_groups_steplr_clip_grad_norm(run):
    _check(run, "adamw/")


def test_no_sync_gradient_accumulation(run):
    """no_sync over k micro-batches; then accumulation without no_sync (each backward
    averages the .grad accumulated so far); then ranks with batches of different sizes."""
    n, _, yres, _ = run
    _check(run, "nosync/")
    g = "nosync/0/{}/net1.weight#grad"
    # inside no_sync each rank keeps its own gradient; the synced backward averages
    assert not np.allclose(yres[0][g.format(0)], yres[1][g.format(0)])
    for r in range(1, n):
        np.testing.assert_array_equal(yres[r][g.format(2)], yres[0][g.format(2)])


def test_the_forward_decides_whether_the_backward_averages(run):
    """A: forward inside no_sync, backward outside: local; B: forward outside, backward
    inside: averaged (both as torch's); D: a no_grad forward in between changes nothing.
    C: a second backward of the same graph (retain_graph): documented difference, yaae
    averages it too (the gradients stay equal on every rank: twice the first average),
    torch adds each rank's own gradient to the average."""
    n, tres, yres, _ = run
    c1 = {f"fwd/C1/{k}#grad" for k in ("net1.weight", "net1.bias", "net2.weight", "net2.bias")}
    _check(run, "fwd/", skip=c1)
    for r in range(n):
        for k in c1:
            c0 = k.replace("C1", "C0")
            # yaae's second backward adds torch's average once more
            np.testing.assert_allclose(yres[r][k] - yres[r][c0], tres[r][c0], **TOL)
            np.testing.assert_allclose(yres[r][k], yres[0][k], **TOL)
    assert not np.allclose(tres[0]["fwd/C1/net2.bias#grad"], tres[1]["fwd/C1/net2.bias#grad"])
    assert not np.allclose(yres[0]["fwd/A/net2.bias#grad"], yres[1]["fwd/A/net2.bias#grad"])


def test_a_backward_of_the_bare_module_stays_local(run):
    """After the wrapper's backward, a backward of the bare module (on rank 0 alone, then on
    every rank) leaves each rank its own gradient and communicates nothing (yaae used to
    wait in an allreduce the other ranks never started: a hang); an input gradient
    (autograd.grad) before the wrapper's backward does not consume its averaging."""
    n, tres, yres, _ = run
    assert _check(run, "bare/") > 0
    assert "bare/rank0/net2.bias#grad" in yres[0] and "bare/rank0/net2.bias#grad" not in yres[1]
    assert not np.allclose(yres[0]["bare/all/net2.bias#grad"], yres[1]["bare/all/net2.bias#grad"])
    np.testing.assert_allclose(yres[0]["bare/after/net2.bias#grad"],
                               yres[1]["bare/after/net2.bias#grad"], **TOL)


def test_two_wrappers_gan_style(run):
    """G and D each wrapped: D's step through G's output detached (G keeps no gradient),
    G's step through a new D forward, D's step through G's output attached: every
    gradient as torch's on every rank."""
    n, _, yres, _ = run
    assert _check(run, "gan/") > 0
    for r in range(n):
        assert str(yres[r]["gan/0/dstep/G/0.weight#grad"]) == "None"
        np.testing.assert_allclose(yres[r]["gan/attached/G/0.weight#grad"],
                                   yres[0]["gan/attached/G/0.weight#grad"], **TOL)


SECOND_THROUGH_OUTPUT = ("M3b", "F1")


def test_which_backward_averages(run):
    """Issue 13's rule against torch: a loss from one element of a tuple/dict output; a
    stored attribute's loss after the output's (retain_graph): local, as torch's;
    autograd.grad of the parameters before the backward (consumes nothing); a wrapper
    forward whose output is dropped, then the bare module's backward (a recomputation):
    averaged, as torch's; after a no_grad forward: local, as torch's.

    Documented difference (class docstring): a backward that comes after the averaging
    one (M3: the stored attribute's loss first; F: the bare module's backward first, on
    every rank) and goes through the forward's outputs averages in yaae, while torch
    adds each rank's own gradient to the first average; so yaae's equals the mean over
    the ranks of torch's (the first average is common to all ranks).  backward(inputs=)
    is an error in yaae (torch averages), and the next step is torch's again."""
    n, tres, yres, _ = run
    skip = {k for k in tres[0] if k.startswith(tuple(f"sweeps/{c}/" for c in
                                                     SECOND_THROUGH_OUTPUT + ("I",)))}
    skip.add("sweeps/I#where")
    assert _check(run, "sweeps/", skip=skip) > 0
    for k in skip - {"sweeps/I#where"}:
        if k.startswith("sweeps/I/"):
            continue
        mean = np.mean([tres[r][k] for r in range(n)], axis=0)
        for r in range(n):
            np.testing.assert_allclose(yres[r][k], mean, **TOL, err_msg=k)
        assert not np.allclose(tres[0][k], tres[1][k])
    for r in range(n):
        assert str(tres[r]["sweeps/I#where"]) == "ok" and str(yres[r]["sweeps/I#where"]) == "raised"
        np.testing.assert_allclose(tres[r]["sweeps/I/net2.bias#grad"],
                                   tres[0]["sweeps/I/net2.bias#grad"], **TOL)
    # the stored attribute's second backward and the no_grad case stay each rank's own
    for c in ("M2b", "N"):
        assert not np.allclose(yres[0][f"sweeps/{c}/net2.bias#grad"],
                               yres[1][f"sweeps/{c}/net2.bias#grad"])


def test_batchnorm_buffers_eval_and_dropout(run):
    n, _, yres, _ = run
    _check(run, "bn/")
    _check(run, "drop#")
    for r in range(n):   # rank 0's (0.5) buffers everywhere after wrapping ...
        np.testing.assert_array_equal(yres[r]["bn/init/bn.running_mean"], np.full(8, 0.5))
        # ... but each rank's own with broadcast_buffers=False
        np.testing.assert_array_equal(yres[r]["bn/own_init/bn.running_mean"], np.full(8, r + 0.25))
        np.testing.assert_array_equal(yres[r]["bn/init_only_init/bn.running_mean"],
                                      np.full(8, 0.75))


def test_find_unused_dict_output_head_without_gradient_on_some_ranks(run):
    n, _, yres, _ = run
    _check(run, "heads")
    assert all(str(yres[r]["heads#where"]) == "nowhere" for r in range(n))


def test_siamese_two_forwards_one_backward(run):
    _check(run, "siamese/")


def test_init_sync_false_keeps_each_ranks_weights(run):
    n, _, yres, d = run
    _check(run, "noinit/")
    for r in range(n):
        np.testing.assert_array_equal(yres[r]["noinit/init/net1.weight"],
                                      np.load(d / "init" / f"noinit_rank{r}.npz")["net1.weight"])


@pytest.mark.parametrize("kw", ["process_group", "device_mesh", "mixed_precision"])
def test_keywords_that_would_change_the_computation_are_refused(kw):
    import yaae as ya
    ya.distributed.init()
    with pytest.raises(NotImplementedError, match=kw):
        ya.distributed.DistributedDataParallel(ya.nn.Linear(2, 1), **{kw: object()})


def test_broadcast_buffers_and_forward_sync_buffers_not_both():
    """torch warns and ignores broadcast_buffers when both are given; yaae refuses."""
    import yaae as ya
    ya.distributed.init()
    with pytest.raises(TypeError, match="not both"):
        ya.distributed.DistributedDataParallel(ya.nn.Linear(2, 1), broadcast_buffers=True,
                                               forward_sync_buffers=False)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_find_unused_parameters(run, set_to_none):
    n, _, yres, _ = run
    tag = f"unused{int(set_to_none)}"
    _check(run, f"{tag}/")
    if set_to_none:       # the never-used branch keeps no gradient, as torch's
        assert all(str(yres[r][f"{tag}/0/never.weight#grad"]) == "None" for r in range(n))


def test_checkpoint_resume_and_state_dict_keys(run):
    n, _, yres, _ = run
    _check(run, "ckpt")
    for r in range(n):
        y = yres[r]
        assert list(y["ckpt#ddp_keys"]) == ["module." + k for k in y["ckpt#module_keys"]]
        for k in y:
            if k.startswith("ckpt/straight") and y[k].dtype.kind == "f":
                np.testing.assert_allclose(y[k.replace("straight", "resumed")], y[k], rtol=1e-12,
                                           atol=1e-12, err_msg=k)


def test_distributed_sampler_dataloader_set_epoch(run):
    _check(run, "sampler")
    _check(run, "small")


def test_shuffled_sampler_follows_its_documented_order(run):
    """shuffle=True: numpy.random.default_rng(seed + epoch).permutation, padded and
    interleaved as torch's (the documented difference: torch draws torch.randperm)."""
    n, tres, yres, _ = run
    N = 23
    size = -(-N // n)
    for epoch in range(2):
        order = np.resize(np.random.default_rng(3 + epoch).permutation(N), size * n)
        for r in range(n):
            np.testing.assert_array_equal(yres[r][f"shuffle/{epoch}#indices"], order[r::n])
        for res in (tres, yres):        # either way: each epoch covers the dataset
            got = np.concatenate([res[r][f"shuffle/{epoch}#indices"] for r in range(n)])
            assert set(got.tolist()) == set(range(N)) and len(got) == size * n


def test_find_unused_parameters_with_no_sync(run):
    """A branch used (on rank 0) only in the accumulated micro-batch still gets the average."""
    n, _, yres, _ = run
    _check(run, "unsync/")
    for r in range(n):
        assert str(yres[r]["unsync/0/1/never.weight#grad"]) == "None"
        assert yres[r]["unsync/0/1/extra.weight#grad"].dtype.kind == "f"


def test_unused_parameter_without_find_unused_parameters(run):
    """Documented difference: yaae raises at the end of the backward that left a parameter
    without gradient (on every rank), torch in the next forward; both name the keyword."""
    n, tres, yres, _ = run
    for r in range(n):
        assert str(tres[r]["strict#where"]) == "next forward"
        assert str(yres[r]["strict#where"]) == "backward"
        assert tres[r]["strict#names_the_keyword"] and yres[r]["strict#names_the_keyword"]
