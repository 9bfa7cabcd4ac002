"""Performance cliffs and leaks (issue #9, section 5), measured against PyTorch.

    python bench/bench_cliffs.py [--quick]

1. ``stack`` of N scalar tensors that require grad, then ``sum().backward()``:
   forward and backward time for N = 1,000, 5,000 and 20,000, against
   ``torch.stack``.  Linear in N: the time per input stays flat as N grows
   (before the fix the backward was quadratic: 10,000 scalars took 16 s).
2. ``concatenate`` of N short vectors, the same way (``torch.cat``).
3. Memory held by repeated ``hvp`` calls on a 10^6-element input with the
   garbage collector disabled (before the fix: 30 calls held about 1.2 GB
   until a collection), and what the collector then finds.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import yaae as ya  # noqa: E402

torch.set_num_threads(1)


def timed(make, run, repeat):
    """Best (forward, backward) seconds over ``repeat`` runs; ``make`` builds
    fresh leaves (not timed), ``run(leaves)`` returns the forward's result."""
    fwd = bwd = float("inf")
    for _ in range(repeat):
        leaves = make()
        t0 = time.perf_counter()
        y = run(leaves)
        t1 = time.perf_counter()
        y.sum().backward()
        t2 = time.perf_counter()
        fwd, bwd = min(fwd, t1 - t0), min(bwd, t2 - t1)
    return fwd, bwd


def wide(title, sizes, repeat, ya_make, ya_run, torch_make, torch_run):
    print(f"== {title} ==")
    print(f"  {'N':>6}  {'yaae fwd':>9} {'yaae bwd':>9} {'us/input':>8}   "
          f"{'torch fwd':>9} {'torch bwd':>9}   {'ratio':>5}")
    for n in sizes:
        yf, yb = timed(lambda: ya_make(n), ya_run, repeat)
        tf, tb = timed(lambda: torch_make(n), torch_run, repeat)
        print(f"  {n:6d}  {yf * 1e3:7.1f}ms {yb * 1e3:7.1f}ms {(yf + yb) / n * 1e6:8.1f}   "
              f"{tf * 1e3:7.1f}ms {tb * 1e3:7.1f}ms   {(yf + yb) / (tf + tb):5.1f}x")


def hvp_memory(n, calls):
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(n), rng.standard_normal(n)

    def f(z):
        return ya.sum(ya.tanh(z) ** 2)

    ya.hvp(f, (x,), (v,))
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        for _ in range(calls):
            value, hv = ya.hvp(f, (x,), (v,))
            del value, hv
        dt = time.perf_counter() - t0
        held, peak = (m - base for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
        found = gc.collect()
        gc.enable()
    print(f"== {calls} hvp calls on {n:,} elements, garbage collector disabled ==")
    print(f"  held afterwards {held / 1e6:7.1f} MB   peak {peak / 1e6:7.1f} MB   "
          f"{dt / calls * 1e3:7.1f} ms/call   unreachable objects found by gc.collect(): {found}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rep = 1 if args.quick else 3
    sizes = (1_000, 5_000) if args.quick else (1_000, 5_000, 20_000)

    wide("stack of N scalars, then sum().backward()", sizes, rep,
         lambda n: [ya.tensor(float(i), requires_grad=True) for i in range(n)], ya.stack,
         lambda n: [torch.tensor(float(i), dtype=torch.float64, requires_grad=True)
                    for i in range(n)], torch.stack)
    wide("concatenate of N vectors of length 3, then sum().backward()", sizes, rep,
         lambda n: [ya.tensor(np.full(3, float(i)), requires_grad=True) for i in range(n)],
         ya.concatenate,
         lambda n: [torch.full((3,), float(i), dtype=torch.float64, requires_grad=True)
                    for i in range(n)], torch.cat)
    hvp_memory(10 ** 6, 5 if args.quick else 30)


if __name__ == "__main__":
    main()
