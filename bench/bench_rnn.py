"""LSTM/GRU training steps against PyTorch (issue #10's recurrent cliff).

    python bench/bench_rnn.py [--reps N]

One step = zero_grad, forward over a (35, 20, 64) float32 sequence, a mean
squared loss on the outputs, backward, SGD update, for hidden sizes 32, 128
and 256, single-threaded; the same weights in both libraries (torch's
state_dict loaded into yaae).  Prints the median step time and yaae's ratio
to PyTorch (target: within 1.3x).  Uses process CPU time (steadier on a
shared machine); repetitions alternate between the libraries.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import yaae as ya  # noqa: E402

torch.set_num_threads(1)


def build(kind, hidden):
    tm = getattr(torch.nn, kind)(64, hidden)
    ym = getattr(ya.nn, kind)(64, hidden)
    ym.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((35, 20, 64)).astype(np.float32)
    tx, yx = torch.from_numpy(x), ya.Tensor(x)
    topt = torch.optim.SGD(tm.parameters(), lr=0.01)
    yopt = ya.optim.SGD(ym.parameters(), lr=0.01)

    def tstep():
        topt.zero_grad()
        out = tm(tx)[0]
        loss = (out * out).mean()
        loss.backward()
        topt.step()
        return float(loss.detach())

    def ystep():
        yopt.zero_grad()
        out = ym(yx)[0]
        loss = (out * out).mean()
        loss.backward()
        yopt.step()
        return float(loss.data)
    a, b = tstep(), ystep()
    assert abs(a - b) <= 1e-4 * abs(a), (a, b)     # same weights, same first loss
    return tstep, ystep


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args(argv)
    print(f"{'layer':6s} {'hidden':>6s} {'torch ms':>9s} {'yaae ms':>9s} {'yaae/torch':>10s}")
    for kind in ("LSTM", "GRU"):
        for hidden in (32, 128, 256):
            tstep, ystep = build(kind, hidden)
            tt, yt = [], []
            for _ in range(args.reps):
                for fn, acc in ((tstep, tt), (ystep, yt)):
                    t0 = time.process_time()
                    fn()
                    acc.append(time.process_time() - t0)
            tm, ymed = np.median(tt) * 1e3, np.median(yt) * 1e3
            print(f"{kind:6s} {hidden:6d} {tm:9.2f} {ymed:9.2f} {ymed / tm:10.2f}")


if __name__ == "__main__":
    main()
