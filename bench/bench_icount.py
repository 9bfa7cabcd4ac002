"""Instructions per op on the per-op path, counted by valgrind (deterministic).

    python bench/bench_icount.py [--ops N] [--src DIR ...]

Wall-clock times on a shared 2-core machine drift by +-20% from run to run,
more than most per-op changes move them.  Instruction counts do not drift:
this runs the W2/W5 op cycle (``y*c``, ``y+d``, ``tanh(y)`` on a 0-d array,
or another ``--shape``: ``"(1,)"`` is W2's)
under ``valgrind --tool=cachegrind`` and reports, per op,

  numpy      the forward chain on plain NumPy (the floor),
  no-grad    yaae's forward on a Tensor that needs no gradient,
  forward    yaae's forward recording the graph,
  fwd+bwd    that plus ``backward()``,

each as (instructions with N ops - instructions with 0 ops) / N, so Python's
start-up and the imports cancel out.  ``--src`` compares several checkouts
(e.g. a worktree of the last commit) in one report.  Needs valgrind; takes
about 30 s per row.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r'''
import gc, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import yaae as ya
C, D, X0 = 1.00002, 1e-7, 0.01
n, mode, shape = int(sys.argv[2]), sys.argv[3], eval(sys.argv[4])
def chain(y, tanh):
    for i in range(n):
        k = i % 3
        if k == 0:
            y = y * C
        elif k == 1:
            y = y + D
        else:
            y = tanh(y)
    return y
gc.collect()
gc.freeze()
if mode == "numpy":
    chain(np.full(shape, X0), np.tanh)
else:
    x = ya.Tensor(np.full(shape, X0), requires_grad=mode != "nograd")
    y = chain(x, ya.tanh)
    if mode == "fwd+bwd":
        y.sum().backward()
'''


def icount(src, n, mode, shape):
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-c", CHILD, src, str(n), mode, repr(shape)]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env).stderr   # (BLAS threads spin)
    m = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if not m:
        raise RuntimeError(f"valgrind gave no count:\n{out[-2000:]}")
    return int(m.group(1).replace(",", ""))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=10_000)
    ap.add_argument("--src", nargs="*", default=[os.path.join(HERE, "..", "src")])
    ap.add_argument("--shape", default="()", help="the chain's shape: () as W5, (1,) as W2")
    a = ap.parse_args(argv)
    modes = ("numpy", "nograd", "forward", "fwd+bwd")
    shape = tuple(eval(a.shape))
    print(f"instructions per op ({a.ops} ops of the y*c, y+d, tanh(y) cycle, shape {shape})")
    print(f"{'source':40s} " + " ".join(f"{m:>9s}" for m in modes) + "   fwd+bwd / numpy")
    for src in a.src:
        base = {m: icount(src, 0, m, shape) for m in ("numpy", "nograd")}
        per = {m: (icount(src, a.ops, m, shape) - base["numpy" if m == "numpy" else "nograd"]) / a.ops
               for m in modes}
        print(f"{os.path.abspath(src)[-40:]:40s} " + " ".join(f"{per[m]:9.0f}" for m in modes)
              + f"   {per['fwd+bwd'] / per['numpy']:.2f}x")


if __name__ == "__main__":
    main()
