"""Forward against reverse mode, measured side by side in one run.

    python bench/bench_modes.py [--quick]

1. jvp cost relative to the function itself (forward mode should cost a small
   constant times f).
2. jacfwd vs jacrev for f: R^n -> R^m as n and m vary: forward mode needs one
   (batched) sweep per input, reverse one per output, so jacfwd should win
   when m >> n and jacrev when n >> m.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import yaae as ya  # noqa: E402


def best(fn, repeat):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def mlp_fn(n, m, hidden=64, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((hidden, n)) / np.sqrt(n)
    W2 = rng.standard_normal((m, hidden)) / np.sqrt(hidden)

    def f(x):
        h = ya.tanh(W1 @ x)
        return ya.sin(W2 @ h) + ya.sum(x * x) * 0.01
    return f


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rep = 3 if args.quick else 9

    print("== jvp cost relative to f (f: R^n -> R^m, a tanh/sin MLP layer pair) ==")
    for n in (10, 1000):
        f = mlp_fn(n, n)
        x = np.random.default_rng(1).standard_normal(n)
        v = np.ones(n)
        tf = best(lambda: f(ya.Tensor(x)), rep)
        tj = best(lambda: ya.jvp(f, (x,), (v,)), rep)
        print(f"  n = m = {n:5d}: f {tf * 1e6:8.1f} us   jvp {tj * 1e6:8.1f} us   jvp/f = {tj / tf:5.2f}")

    print("== jacfwd vs jacrev (time ratio jacfwd/jacrev: < 1 means forward mode wins) ==")
    sizes = [(5, 500), (20, 200), (100, 100), (200, 20), (500, 5)]
    for n, m in sizes:
        f = mlp_fn(n, m)
        x = np.random.default_rng(2).standard_normal(n)
        tf = best(lambda: ya.jacfwd(f)(x), rep)
        tr = best(lambda: ya.jacrev(f)(x), rep)
        tj = best(lambda: ya.jacobian(f)(x), rep)
        Jf, Jr = ya.jacfwd(f)(x), ya.jacrev(f)(x)
        assert np.allclose(Jf, Jr, rtol=1e-10, atol=1e-12)
        print(f"  n = {n:4d}, m = {m:4d}: jacfwd {tf * 1e3:7.2f} ms   jacrev {tr * 1e3:7.2f} ms   "
              f"fwd/rev = {tf / tr:5.2f}   jacobian picks {'fwd' if m > n else 'rev'}: {tj * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
