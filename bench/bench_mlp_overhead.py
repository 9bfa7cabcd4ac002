"""The framework overhead of W1's train step, in instructions (deterministic).

    python bench/bench_mlp_overhead.py [--steps N] [--src DIR ...]

W1's step is BLAS-bound, and the part yaae adds on top of the NumPy work is a
few per cent of it: less than the run-to-run drift of wall-clock times on a
shared machine.  This counts it instead: the same step (zero_grad, Sequential
of Linear/ReLU, cross_entropy on int labels, backward, SGD) on a tiny MLP
4-4-4-2, batch 2, float32, where the arithmetic is negligible and what is
left is the Python and bookkeeping per step; run under
``valgrind --tool=cachegrind``, reported as (instructions with N steps -
instructions with 0 steps) / N, next to the same step written in plain NumPy
(peers.py's hand-written row).  ``--src`` compares checkouts in one report.
Needs valgrind; about 20 s per row.
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
n, mode = int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
sizes = (4, 4, 4, 2)
params = []
for a, b in zip(sizes[:-1], sizes[1:]):
    params += [rng.uniform(-0.5, 0.5, (a, b)).astype(np.float32),
               rng.uniform(-0.5, 0.5, (b,)).astype(np.float32)]
X = rng.standard_normal((2, 4)).astype(np.float32)
y = np.array([0, 1])
if mode == "numpy":
    P = [p.copy() for p in params]
    rows = np.arange(2)

    def step():
        W1, b1, W2, b2, W3, b3 = P
        h1 = X @ W1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2 + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3 + b3
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=1, keepdims=True)
        loss = -((z[rows, y] - m[:, 0]) - np.log(s[:, 0])).mean()
        dz = e / s
        dz[rows, y] -= 1
        dz /= 2
        dW3 = a2.T @ dz
        db3 = dz.sum(0)
        dh2 = (dz @ W3.T) * (h2 > 0)
        dW2 = a1.T @ dh2
        db2 = dh2.sum(0)
        dh1 = (dh2 @ W2.T) * (h1 > 0)
        dW1 = X.T @ dh1
        db1 = dh1.sum(0)
        for p, g in zip(P, [dW1, db1, dW2, db2, dW3, db3]):
            p -= 0.01 * g
        return loss
else:
    import yaae as ya
    nn = ya.nn
    mods = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    model = nn.Sequential(mods[0], nn.ReLU(), mods[1], nn.ReLU(), mods[2])
    for i, m in enumerate(mods):
        m.weight.data = np.ascontiguousarray(params[2 * i].T)
        m.bias.data = params[2 * i + 1].copy()
    opt = ya.optim.SGD(model.parameters(), lr=0.01)
    Xt = ya.Tensor(X)
    ce = ya.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(model(Xt), y)
        loss.backward()
        opt.step()
        return loss.data
for _ in range(3):
    step()
gc.collect()
gc.freeze()
for _ in range(n):
    step()
'''


def icount(src, n, mode):
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-c", CHILD, src, str(n), mode]
    out = subprocess.run(cmd, capture_output=True, text=True).stderr
    m = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if not m:
        raise RuntimeError(f"valgrind failed:\n{out[-2000:]}")
    return int(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--src", action="append", default=[])
    args = ap.parse_args()
    srcs = args.src or [os.path.join(HERE, "..", "src")]
    n = args.steps
    base = icount(srcs[0], 0, "numpy")
    per = (icount(srcs[0], n, "numpy") - base) / n
    print(f"instructions per step, tiny MLP 4-4-4-2 (batch 2, float32), {n} steps")
    print(f"  {'numpy (hand fwd+bwd)':44} {per:10.0f}")
    for src in srcs:
        b0 = icount(src, 0, "yaae")
        v = (icount(src, n, "yaae") - b0) / n
        print(f"  {'yaae ' + os.path.abspath(src):44} {v:10.0f}   ({v / per:.2f}x numpy; "
              f"overhead {v - per:,.0f})")


if __name__ == "__main__":
    main()
