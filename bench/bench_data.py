"""DataLoader: the TensorDataset fast path (one fancy-index per batch) against
the generic per-sample path, side by side in one run.

    python bench/bench_data.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from yaae import Tensor  # noqa: E402
from yaae.data import DataLoader, TensorDataset, default_collate  # noqa: E402


def timed(loader, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _b in loader:
            pass
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    rng = np.random.default_rng(0)
    n = 50000
    ds = TensorDataset(Tensor(rng.standard_normal((n, 20)).astype(np.float32)), rng.integers(0, 10, n))
    for bs in (32, 256):
        for shuffle in (False, True):
            kw = dict(batch_size=bs, shuffle=shuffle, generator=np.random.default_rng(0))
            fast = timed(DataLoader(ds, **kw))
            slow = timed(DataLoader(ds, collate_fn=lambda b: default_collate(b), **kw))
            print(f"batch {bs:4d} shuffle={shuffle!s:5}: fast {fast * 1e3:8.1f} ms   "
                  f"per-sample {slow * 1e3:8.1f} ms   speedup x{slow / fast:.0f}")


if __name__ == "__main__":
    main()
