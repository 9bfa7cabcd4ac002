"""W1's MLP train step (issue #10) and the parameter-layout cliff, against PyTorch.

    python bench/bench_mlp.py [--quick] [--reps N] [--cpu] [--src DIR] [--profile]

The step of ``peers.py``'s W1: MLP 784-512-512-10 ReLU, batch 256, float32,
softmax cross-entropy on int labels, SGD lr=0.01 (zero_grad, forward, loss,
backward, update).  Rows, timed interleaved (one repetition of each row per
round, the order rotating), single-threaded BLAS:

* ``numpy``: the hand-written forward and backward of peers.py (the baseline);
* ``torch``: ``nn.Sequential`` of ``nn.Linear``, ``F.cross_entropy``, ``optim.SGD``;
* ``yaae``: the same with yaae.nn / yaae.optim, the weights written into
  ``.data`` as C-contiguous (out, in) arrays (as peers.py does);
* ``torch T`` / ``yaae T``: the parameter-layout cliff: each weight assigned
  from the transpose of an (in, out) array (``p.data = W.T``: not
  C-contiguous, as when copying from a state_dict stored the other way round).

Every row starts from the same weights; the step-1 losses are checked to
agree before timing.  Prints the median step time of each row and its ratio to
the NumPy row and to torch (ratios within one run are what count: the machine
is shared).  ``--profile`` prints a cProfile of the yaae step instead.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH = 256
LR = 0.01


def data():
    rng = np.random.default_rng(0)
    params = []
    for fin, fout in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / math.sqrt(fin)
        params.append(rng.uniform(-bound, bound, (fin, fout)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, (fout,)).astype(np.float32))
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return params, X, y


def numpy_row(params, X, y):
    P = [p.copy() for p in params]
    n = X.shape[0]
    rows = np.arange(n)

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
        dz /= n
        dW3 = a2.T @ dz
        db3 = dz.sum(0)
        dh2 = (dz @ W3.T) * (h2 > 0)
        dW2 = a1.T @ dh2
        db2 = dh2.sum(0)
        dh1 = (dh2 @ W2.T) * (h1 > 0)
        dW1 = X.T @ dh1
        db1 = dh1.sum(0)
        for p, g in zip(P, [dW1, db1, dW2, db2, dW3, db3]):
            p -= LR * g
        return float(loss)
    return step


def torch_row(params, X, y, transposed=False):
    import torch
    torch.set_num_threads(1)
    nn, F = torch.nn, torch.nn.functional
    lins = [nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
    model = nn.Sequential(lins[0], nn.ReLU(), lins[1], nn.ReLU(), lins[2])
    with torch.no_grad():
        for i, lin in enumerate(lins):
            if transposed:
                lin.weight.data = torch.from_numpy(params[2 * i].copy()).T
                assert not lin.weight.is_contiguous()
            else:
                lin.weight.copy_(torch.from_numpy(params[2 * i].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[2 * i + 1]))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def yaae_model(ya, params, transposed=False):
    nn = ya.nn
    mods = [nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
    model = nn.Sequential(mods[0], nn.ReLU(), mods[1], nn.ReLU(), mods[2])
    for i, m in enumerate(mods):
        W = params[2 * i].copy()                                  # (in, out), C order
        m.weight.data = W.T if transposed else np.ascontiguousarray(W.T)
        m.bias.data = params[2 * i + 1].copy()
    return model, mods


def yaae_row(ya, params, X, y, transposed=False):
    model, _ = yaae_model(ya, params, transposed)
    opt = ya.optim.SGD(model.parameters(), lr=LR)
    Xt = ya.Tensor(X)
    ce = ya.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(model(Xt), y)
        loss.backward()
        opt.step()
        return float(loss.data)
    return step


def _minor_faults():
    """Minor page faults of this process so far (Linux; 0 elsewhere): fresh
    memory being touched, e.g. after the allocator gave pages back."""
    try:
        with open("/proc/self/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[7])
    except (OSError, IndexError, ValueError):
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "src"))
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cpu", action="store_true",
                    help="time with the thread's CPU clock (time.thread_time) instead of the "
                         "wall clock: less noise from other processes on a shared machine")
    ap.add_argument("--rows", default="numpy,torch,yaae,torch T,yaae T")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.src))
    import yaae as ya
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    except (AttributeError, OSError):
        pass
    params, X, y = data()
    if args.profile:
        import cProfile
        import pstats
        step = yaae_row(ya, params, X, y)
        for _ in range(5):
            step()
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(50):
            step()
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(25)
        return
    makers = {"numpy": lambda: numpy_row(params, X, y),
              "torch": lambda: torch_row(params, X, y),
              "yaae": lambda: yaae_row(ya, params, X, y),
              "torch T": lambda: torch_row(params, X, y, transposed=True),
              "yaae T": lambda: yaae_row(ya, params, X, y, transposed=True)}
    names = [r.strip() for r in args.rows.split(",")]
    steps = {k: makers[k]() for k in names}
    first = {k: s() for k, s in steps.items()}
    ref = first["numpy"] if "numpy" in first else next(iter(first.values()))
    for k, v in first.items():
        assert abs(v - ref) < 1e-4 * abs(ref), (k, v, ref)
    for s in steps.values():            # warm-up
        for _ in range(3):
            s()
    reps = args.reps or (8 if args.quick else 60)
    clock = time.thread_time if args.cpu else time.perf_counter
    times = {k: [] for k in names}
    faults = {k: 0 for k in names}
    for r in range(reps):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            f0 = _minor_faults()
            t0 = clock()
            steps[k]()
            times[k].append(clock() - t0)
            faults[k] += _minor_faults() - f0
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"yaae from {os.path.dirname(ya.__file__)}; {reps} interleaved repetitions "
          f"({'thread CPU time' if args.cpu else 'wall clock'}); "
          f"W1 step (784-512-512-10, batch {BATCH}, float32)")
    base = med.get("numpy")
    tor = med.get("torch")
    print(f"  {'row':10} {'median':>9} {'iqr%':>5} {'x numpy':>8} {'x torch':>8} {'faults/step':>12}")
    for k in names:
        v = np.asarray(times[k])
        iqr = (np.percentile(v, 75) - np.percentile(v, 25)) / med[k] * 100
        xn = f"{med[k] / base:8.3f}" if base else "       -"
        xt = f"{med[k] / tor:8.3f}" if tor else "       -"
        print(f"  {k:10} {med[k] * 1e3:7.2f}ms {iqr:5.0f} {xn} {xt} {faults[k] / reps:12.0f}")
    if "yaae T" in med and "yaae" in med:
        print(f"  layout cliff: yaae T / yaae = {med['yaae T'] / med['yaae']:.3f}", end="")
        if "torch T" in med and "torch" in med:
            print(f"   (torch T / torch = {med['torch T'] / med['torch']:.3f})")
        else:
            print()


if __name__ == "__main__":
    main()
