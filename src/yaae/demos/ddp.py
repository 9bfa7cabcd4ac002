"""The digits CNN trained data-parallel over MPI: ``yaae demo ddp``.

    mpirun -n 2 python -m yaae.demos.ddp [--epochs N] [--seed N] [--out DIR] [--quiet]
    yaae demo ddp            # relaunches itself as `mpirun -n 2 python -m yaae.demos.ddp`

Every process (rank) builds the network of ``yaae demo digits`` (the same data
split, standardisation and layers, from ``digits.py``) with the same seed,
wraps it in ``ya.distributed.DistributedDataParallel`` (which also broadcasts
rank 0's parameters, so all ranks start identical) and trains on its own
shard of the training set, drawn by ``ya.data.DistributedSampler`` (a new
shuffle every epoch through ``set_epoch``).  After every backward each rank
holds the gradient averaged over all ranks, so the ranks take identical Adam
steps.  The batch is ``BATCH_PER_RANK`` = 32 samples per rank (a global batch
of 64 on two ranks, so half the steps per epoch of ``yaae demo digits``);
Adam (3e-3) is annealed to 0 by ``CosineAnnealingLR`` over the run.

After every epoch the train and test accuracy are computed data-parallel too
(each rank scores a slice of the set, the counts are summed with
``ya.distributed.allreduce``), after rank 0's BatchNorm statistics have been
broadcast to every rank.  Rank 0 prints every rank's training throughput
(its samples per second over the timed training steps: forward, backward
with the gradient allreduce, optimizer step; gathered with an allreduce, so
the lines don't interleave), the total and the final accuracy.  Only rank 0 writes files, into ``--out``:
``training_curves.png`` (loss, train/test accuracy per epoch),
``confusion_matrix.png`` and ``metrics.json``.

Returns ``{"test_accuracy", "train_accuracy", "train_loss" (mean over the
last epoch and all ranks), "epochs", "world_size", "samples_per_s" (all
ranks together), "samples_per_s_per_rank" (a list)}``.

Under ``mpirun`` as root, Open MPI needs ``--allow-run-as-root``; on a
machine with fewer cores than ranks it needs ``--oversubscribe``.  The
relaunch adds both when needed; it needs Open MPI's ``mpirun`` (``apt-get
install openmpi-bin libopenmpi-dev``) and mpi4py (``pip install "yaae[mpi]"``).

At the end every rank checks that all ranks hold the same parameters, bit for
bit (a RuntimeError otherwise).

Default epochs: 12: test accuracy 0.980-0.993 for seeds 0..4 at 2 ranks
(half the optimizer steps of ``yaae demo digits``, whose 12 epochs give
0.984-0.996).  Fewer epochs, seeds 0..4: 0.924-0.964 at 2, 0.953-0.976 at 3,
0.962-0.989 at 4, 0.973-0.987 at 6 (``TEST_EPOCHS``; the test asks >= 0.95).
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from . import digits
from ._common import DemoError, Progress, one_blas_thread, plt

DEFAULT_EPOCHS = 12
TEST_EPOCHS = 6           # test accuracy 0.973-0.987 for seeds 0..4 on 2 ranks
BATCH_PER_RANK = 32
LR = digits.LR
NPROC = 2                 # ranks when `yaae demo ddp` launches itself


def launched_by_mpi():
    """True inside a process started by ``mpirun``/``mpiexec`` (Open MPI, MPICH, PMIx)."""
    from ..distributed import _LAUNCHER_VARS
    return any(v in os.environ for v in _LAUNCHER_VARS)


def mpirun_command(nproc, args, python=None):
    """The ``mpirun`` command line that runs ``python -m yaae.demos.ddp *args`` on
    ``nproc`` ranks (with ``--allow-run-as-root`` as root and ``--oversubscribe``);
    DemoError saying what to install when mpirun or mpi4py is missing."""
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    if mpirun is None:
        raise DemoError("the ddp demo runs under MPI and no mpirun was found: install Open MPI "
                        "(apt-get install openmpi-bin libopenmpi-dev; brew install open-mpi) "
                        "and mpi4py (pip install \"yaae[mpi]\")")
    if importlib.util.find_spec("mpi4py") is None:
        raise DemoError("the ddp demo needs mpi4py: pip install \"yaae[mpi]\" (with an MPI "
                        "library: apt-get install openmpi-bin libopenmpi-dev)")
    cmd = [mpirun, "-n", str(int(nproc))]
    if os.path.basename(mpirun) == "mpirun" or _is_openmpi(mpirun):
        cmd.append("--oversubscribe")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
    return cmd + [python or sys.executable, "-m", "yaae.demos.ddp", *map(str, args)]


def _is_openmpi(exe):
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in out.stdout + out.stderr


def relaunch(out, seed=0, epochs=None, quiet=False, nproc=NPROC):
    """Run the demo as ``mpirun -n nproc python -m yaae.demos.ddp ...`` (its output
    goes to this process's stdout/stderr); return mpirun's exit code."""
    args = ["--out", out, "--seed", seed] + (["--epochs", epochs] if epochs else []) \
        + (["--quiet"] if quiet else [])
    cmd = mpirun_command(nproc, args)
    import yaae
    src = os.path.dirname(os.path.dirname(os.path.abspath(yaae.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in [env.get("PYTHONPATH")] if p])
    print("launching: " + " ".join(cmd), flush=True)
    sys.stderr.flush()
    return subprocess.call(cmd, env=env)


def run(out, seed=0, epochs=None, quiet=False, nproc=NPROC):
    """The demo registry's entry point (``yaae.cli.run_demo``): outside MPI,
    relaunch under ``mpirun -n nproc`` and return the metrics rank 0 wrote;
    under MPI, train on this rank (rank 0 writes the figures)."""
    if launched_by_mpi():
        return train(out, seed, epochs, quiet)
    import json
    rc = relaunch(out, seed, epochs, quiet, nproc)
    if rc != 0:
        raise DemoError(f"mpirun exited with code {rc} (the ranks' output is above)")
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


class _NoProgress:
    """The progress bar of ranks other than 0: silent."""

    def update(self, **metrics):
        pass

    def close(self):
        pass


def _check_in_sync(model):
    """Raise unless every rank ended with the same parameters, bit for bit: the
    float32 parameters are compared in float64 with their mean over the ranks, which
    is exact for identical values (their sum needs at most 24 + log2(ranks) bits)."""
    import yaae as ya
    flat = np.concatenate([p.data.ravel().astype(np.float64) for p in model.parameters()])
    mean = ya.distributed.allreduce(flat, op="mean")
    bad = ya.distributed.allreduce(np.array([float(np.any(mean != flat))]), op="sum")[0]
    if bad:
        raise RuntimeError(f"ddp demo: the parameters differ between ranks after training "
                           f"({int(bad)} of {ya.distributed.world_size()} ranks differ from "
                           f"the mean): DistributedDataParallel did not keep them in sync")


def _shard_correct(model, X, y, rank, world):
    """Correct predictions of ``model`` on this rank's slice of (X, y), summed over ranks."""
    import yaae as ya
    lo, hi = (len(X) * rank) // world, (len(X) * (rank + 1)) // world
    pred = digits.predict(model, X[lo:hi]) if hi > lo else np.zeros(0, np.int64)
    mine = np.array([np.sum(pred == y[lo:hi])], dtype=np.float64)
    return int(round(float(ya.distributed.allreduce(mine, op="sum")[0])))


def train(out, seed=0, epochs=None, quiet=False):
    """Train on this rank of an initialised MPI world (see the module docstring);
    every rank returns the metrics, only rank 0 writes into ``out``."""
    import yaae as ya
    import yaae.nn.functional as F
    from yaae.data import DataLoader, DistributedSampler, TensorDataset
    dist = ya.distributed

    epochs = DEFAULT_EPOCHS if epochs is None else int(epochs)
    if epochs < 1:
        raise DemoError(f"epochs must be at least 1, got {epochs}")
    dist.init()
    rank, world = dist.rank(), dist.world_size()
    pyplot = plt() if rank == 0 else None
    Xtr, Xte, ytr, yte, _raw = digits.load_split()

    ya.manual_seed(seed)
    model = digits.make_model()
    ddp = dist.DistributedDataParallel(model)
    opt = ya.optim.Adam(model.parameters(), lr=LR)
    sched = ya.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    train_set = TensorDataset(ya.Tensor(Xtr), ytr)
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, seed=seed)
    loader = DataLoader(train_set, batch_size=BATCH_PER_RANK, sampler=sampler)
    hist = {"loss": [], "train_acc": [], "test_acc": []}
    bar = Progress(epochs * len(loader), f"ddp ({world} ranks, rank 0's loss)", quiet) \
        if rank == 0 else _NoProgress()
    seen, busy = 0, 0.0
    with one_blas_thread():
        for epoch in range(epochs):
            sampler.set_epoch(epoch)
            ddp.train()
            total, n = 0.0, 0
            dist.barrier()
            t0 = time.perf_counter()
            for xb, yb in loader:
                opt.zero_grad()
                loss = F.cross_entropy(ddp(xb), yb)
                loss.backward()                 # gradients averaged over the ranks
                opt.step()
                total += float(loss.item()) * len(yb)
                n += len(yb)
                bar.update(loss=total / n)
            busy += time.perf_counter() - t0
            seen += n
            sched.step()
            sums = dist.allreduce(np.array([total, n], dtype=np.float64), op="sum")
            hist["loss"].append(float(sums[0] / sums[1]))
            dist.broadcast_parameters(model, root=0)     # rank 0's BatchNorm statistics
            hist["train_acc"].append(_shard_correct(model, Xtr, ytr, rank, world) / len(ytr))
            hist["test_acc"].append(_shard_correct(model, Xte, yte, rank, world) / len(yte))
    bar.close()

    _check_in_sync(model)
    # every rank's (samples, seconds) gathered to rank 0, which prints one line per
    # rank (lines printed by several ranks at once interleave in mpirun's output)
    mine = np.zeros((world, 2))
    mine[rank] = seen, busy
    per_rank = dist.allreduce(mine, op="sum")
    rates = per_rank[:, 0] / per_rank[:, 1]
    if rank == 0:
        for r, (n_r, t_r) in enumerate(per_rank):
            print(f"rank {r}/{world}: {n_r:.0f} samples in {t_r:.2f} s of training steps: "
                  f"{rates[r]:.0f} samples/s", flush=True)
    metrics = {"test_accuracy": hist["test_acc"][-1], "train_accuracy": hist["train_acc"][-1],
               "train_loss": hist["loss"][-1], "epochs": epochs, "world_size": world,
               "samples_per_s": float(np.sum(rates)),
               "samples_per_s_per_rank": [round(float(r), 1) for r in rates]}
    if rank == 0:
        print(f"all {world} ranks: {metrics['samples_per_s']:.0f} samples/s; "
              f"test accuracy {metrics['test_accuracy']:.4f}", flush=True)
        pred = digits.predict(model, Xte)
        acc = float(np.mean(pred == yte))
        digits._plot_confusion(pyplot, digits.confusion(yte, pred), acc,
                               os.path.join(out, "confusion_matrix.png"))
        digits._plot_curves(pyplot, hist, os.path.join(out, "training_curves.png"))
    return metrics


def main(argv=None):
    """``python -m yaae.demos.ddp [--out DIR] [--seed N] [--epochs N] [--quiet] [--nproc N]``:
    under ``mpirun``, train on every rank (rank 0 prints the metrics and writes
    the files); otherwise launch itself under ``mpirun -n NPROC``.  Returns the
    exit code."""
    from ..cli import SEED_MAX, _fmt, _written
    from ._common import prepare_out, save_metrics, transaction
    ap = argparse.ArgumentParser(prog="python -m yaae.demos.ddp",
                                 description="The digits CNN trained data-parallel over MPI.")
    ap.add_argument("--out", default=os.path.join("yaae-out", "ddp"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--nproc", type=int, default=NPROC,
                    help="ranks to launch when not already under mpirun (default 2)")
    a = ap.parse_args(argv)
    if not 0 <= a.seed <= SEED_MAX or (a.epochs is not None and a.epochs < 1) or a.nproc < 1:
        ap.error("--seed must be 0..2**32-1, --epochs and --nproc at least 1")
    try:
        if not launched_by_mpi():
            return relaunch(a.out, a.seed, a.epochs, a.quiet, a.nproc)
        import yaae as ya
        ya.distributed.init()
        rank = ya.distributed.rank()
        out, error = None, ""
        if rank == 0:
            try:
                out = prepare_out(a.out)
            except DemoError as e:
                error = str(e)
        failed = ya.distributed.allreduce(np.array([float(bool(error))]), op="sum")[0]
        if failed:                              # every rank stops, none waits for rank 0
            raise DemoError(error or "rank 0 could not prepare the output folder")
        if rank == 0:
            with transaction():
                metrics = train(out, a.seed, a.epochs, a.quiet)
                save_metrics(out, metrics)
            print("ddp: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in metrics.items()))
            print(_written(a.out), flush=True)
        else:
            train(None, a.seed, a.epochs, a.quiet)
    except DemoError as e:
        print(f"yaae demo ddp: error: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("yaae demo ddp: interrupted (Ctrl-C)", file=sys.stderr, flush=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
