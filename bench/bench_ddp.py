"""Scaling of the digits-CNN training step from 1 to 2 MPI processes (issue #13).

    python bench/bench_ddp.py [--steps 100] [--rounds 5] [--repeat 2] [--nproc 2]

The step is the one of ``yaae demo ddp`` (``demos/digits.py``'s network and
data, float32, Adam): zero_grad, forward, cross-entropy, backward (with the
gradient allreduce of ``ya.distributed.DistributedDataParallel`` when it is
wrapped), optimizer step.  Every process is pinned to one BLAS/OpenMP thread
(OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1).  Runs, each
a fresh ``mpirun`` (or plain ``python`` for one process):

* ``1 proc, batch 64`` and ``1 proc, batch 32``: one process, no wrapper;
* ``N proc x 32, DDP``: N processes, 32 samples each (a global batch of 32N),
  gradients averaged by DDP;
* ``N proc x 32, DDP, yield``: the same with ``OMPI_MCA_mpi_yield_when_idle=1``
  (a rank waiting for the allreduce gives its core away instead of spinning:
  on a busy machine its partner may need it);
* ``N proc x 32, no comm``: the same N processes training independent models,
  no communication at all: what the machine gives N processes (the ceiling
  DDP can reach here), so the gap to the DDP row is the cost of the allreduce.

Throughput is samples per second over all processes (each round: ``steps``
steps after a barrier; the round's time is the slowest rank's); the median
and the best of ``rounds`` rounds are reported, after ``warmup`` steps, and
all runs are repeated ``repeat`` times, interleaved, keeping each run's best
(on a shared machine the best is the least disturbed by other jobs).  The
processes are not bound to cores (``--bind-to none``, as the one-process runs
are not): bound to a busy core, a rank cannot move to the idle one.  Scaling efficiency
is ``throughput_N / (N * throughput_1)``:

* strong scaling (global batch fixed at 32N): against ``1 proc, batch 32N``;
* weak scaling (per-process batch fixed at 32): against ``1 proc, batch 32``.

Only ratios within one run mean anything on a shared machine.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")
PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def worker(batch, steps, rounds, warmup, mode):
    """One process of a run: time ``rounds`` x ``steps`` training steps; rank 0
    prints ``RESULT {json}`` with the round times (the slowest rank's)."""
    sys.path.insert(0, SRC)
    import numpy as np
    import yaae as ya
    import yaae.nn.functional as F
    from yaae.demos import digits
    dist = ya.distributed
    dist.init()
    rank, world = dist.rank(), dist.world_size()
    Xtr, _, ytr, _, _ = digits.load_split()
    ya.manual_seed(0)
    model = digits.make_model()
    net = dist.DistributedDataParallel(model) if mode == "ddp" else model
    opt = ya.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(rank)
    idx = [rng.choice(len(Xtr), batch, replace=False) for _ in range(16)]
    batches = [(ya.Tensor(Xtr[i]), ya.Tensor(ytr[i])) for i in idx]

    def step(k):
        xb, yb = batches[k % len(batches)]
        opt.zero_grad()
        F.cross_entropy(net(xb), yb).backward()
        opt.step()

    model.train()
    for k in range(warmup):
        step(k)
    times = []
    for _ in range(rounds):
        dist.barrier()
        t0 = time.perf_counter()
        for k in range(steps):
            step(k)
        mine = time.perf_counter() - t0
        onehot = np.zeros(world)
        onehot[rank] = mine
        times.append(float(np.max(dist.allreduce(onehot, op="sum"))))
    if rank == 0:
        print("RESULT " + json.dumps({"world": world, "batch": batch, "steps": steps,
                                      "times": times, "mode": mode}), flush=True)


def launch(nproc, batch, args, mode, extra_env=None):
    """Run the worker on ``nproc`` processes; its result dict."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--batch", str(batch),
           "--steps", str(args.steps), "--rounds", str(args.rounds), "--warmup",
           str(args.warmup), "--mode", mode]
    if nproc > 1:
        mpirun = shutil.which("mpirun")
        if mpirun is None:
            sys.exit("bench_ddp: needs Open MPI's mpirun (apt-get install openmpi-bin "
                     "libopenmpi-dev) and mpi4py (pip install \"yaae[mpi]\")")
        cmd = [mpirun, "-n", str(nproc), "--oversubscribe", "--bind-to", "none"] + \
            (["--allow-run-as-root"] if os.geteuid() == 0 else []) + cmd
    env = dict(os.environ, **PINNED, **(extra_env or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        sys.exit(f"bench_ddp: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return json.loads(lines[0][7:])


def throughput(res):
    """Samples per second over all processes in the best and in the median round."""
    times = sorted(res["times"])
    samples = res["world"] * res["batch"] * res["steps"]
    return samples / times[0], samples / times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="passes over all the runs")
    ap.add_argument("--batch", type=int, default=32, help="per-process batch")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="ddp", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.batch, args.steps, args.rounds, args.warmup, args.mode)
    n, b = args.nproc, args.batch
    import platform
    print(f"bench_ddp  {time.strftime('%Y-%m-%dT%H:%M:%S')}  python {platform.python_version()}  "
          f"{os.cpu_count()} cpus  steps={args.steps} rounds={args.rounds} (best and median round)  "
          f"threads pinned to 1")
    try:
        load = os.getloadavg()
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    yield_env = {"OMPI_MCA_mpi_yield_when_idle": "1"}
    rows = [("1 proc, batch %d" % (n * b), 1, n * b, "plain", None),
            ("1 proc, batch %d" % b, 1, b, "plain", None),
            ("%d proc x %d, DDP" % (n, b), n, b, "ddp", None),
            ("%d proc x %d, DDP, yield" % (n, b), n, b, "ddp-yield", yield_env),
            ("%d proc x %d, no comm" % (n, b), n, b, "nocomm", None)]
    thr = {}
    for rep in range(args.repeat):
        print(f"pass {rep + 1} of {args.repeat}:")
        print(f"  {'run':<26} {'best samples/s':>15} {'median':>8} {'ms/step (best)':>15}")
        for name, procs, batch, mode, extra in rows:
            res = launch(procs, batch, args, mode.split("-")[0], extra)
            best, med = throughput(res)
            print(f"  {name:<26} {best:15.0f} {med:8.0f} "
                  f"{procs * batch / best * 1e3:15.2f}", flush=True)
            old = thr.get((mode, procs, batch), (0.0, 0.0))
            thr[mode, procs, batch] = (max(old[0], best), max(old[1], med))
    print(f"over the {args.repeat} passes (the best of each column):")
    for k, what in ((0, "best rounds"), (1, "median rounds")):
        one = {key: v[k] for key, v in thr.items()}
        free = one["nocomm", n, b]
        for mode in ("ddp", "ddp-yield"):
            ddp = one[mode, n, b]
            print(f"{what}, {mode}: strong scaling (global batch {n * b}) efficiency "
                  f"{ddp / (n * one['plain', 1, n * b]):.2f}; weak scaling ({b} per process) "
                  f"{ddp / (n * one['plain', 1, b]):.2f}; DDP / independent {ddp / free:.2f}")
        print(f"{what}: {n} independent processes (no communication): efficiency "
              f"{free / (n * one['plain', 1, b]):.2f}")

if __name__ == "__main__":
    main()
