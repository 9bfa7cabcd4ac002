"""Convolution cliffs (issue #10), measured against PyTorch in the same run.

    python bench/bench_conv.py [--quick] [--src OTHER_CHECKOUT/src]

1. The cliff: ``Conv2d(512, 512, 3, padding=1)`` on a (64, 512, 1, 1) float32
   input, forward and backward time and the peak memory a backward adds
   (before the fix yaae's backward took 3.2 s and 1.15 GB: the weight's
   gradient was built per sample, (64, 512, 4608), and then summed).
2. A small ResNet-ish basic block on 8x8 inputs (conv3x3-BN-ReLU-conv3x3-BN,
   skip, ReLU; 64 channels, batch 64) plus a strided 1x1 downsampling block:
   one training step (forward, backward).
3. ``ConvTranspose2d(256, 128, 4, stride=2, padding=1)`` on (64, 256, 4, 4)
   (a DCGAN-ish upsampling layer): its weight gradient had the same
   per-sample cliff.
4. Broadcast matmul: ``x (64, 128, 256) @ W (256, 256)`` (a Linear on a
   sequence), backward; W's gradient must be one GEMM, not 64 summed.

Each case runs in a fresh subprocess per library (so peak RSS is that
case's), single-threaded, pinned to one CPU when possible.  Times are the
best of ``repeat`` runs; memory is the rise of ``ru_maxrss`` over the
process's peak before the first backward (and, for yaae, tracemalloc's peak
during one backward, which NumPy reports).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")

CHILD = r"""
import os, sys, json, time, resource, tracemalloc
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
try:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
except Exception:
    pass
import numpy as np
lib, case, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

if lib == "torch":
    import torch
    torch.set_num_threads(1)
    T = torch.from_numpy
    nn = torch.nn
    def leaf(a):
        return torch.tensor(a, requires_grad=True)
    def backward(y):
        y.backward(torch.ones_like(y))
    def zero(ps):
        for p in ps:
            p.grad = None
else:
    sys.path.insert(0, os.environ["YAAE_SRC"])
    import yaae as ya
    T = ya.Tensor
    nn = ya.nn
    def leaf(a):
        return ya.tensor(a, requires_grad=True)
    def backward(y):
        y.sum().backward()
    def zero(ps):
        for p in ps:
            p.grad = None

def build(case):
    if case == "cliff":
        m = nn.Conv2d(512, 512, 3, padding=1)
        x = leaf(rng.standard_normal((64, 512, 1, 1)).astype(np.float32))
        params = [x] + list(m.parameters())
        return (lambda: m(x)), params
    if case == "resblock":
        C = 64
        c1 = nn.Conv2d(C, C, 3, padding=1, bias=False); b1 = nn.BatchNorm2d(C)
        c2 = nn.Conv2d(C, C, 3, padding=1, bias=False); b2 = nn.BatchNorm2d(C)
        c3 = nn.Conv2d(C, 2 * C, 3, stride=2, padding=1, bias=False); b3 = nn.BatchNorm2d(2 * C)
        c4 = nn.Conv2d(2 * C, 2 * C, 3, padding=1, bias=False); b4 = nn.BatchNorm2d(2 * C)
        d = nn.Conv2d(C, 2 * C, 1, stride=2, bias=False); bd = nn.BatchNorm2d(2 * C)
        relu = nn.ReLU()
        mods = [c1, b1, c2, b2, c3, b3, c4, b4, d, bd]
        for mod in mods:
            if lib != "torch":
                for p in mod.parameters():
                    p.data = p.data.astype(np.float32)
        x = leaf(rng.standard_normal((64, C, 8, 8)).astype(np.float32))
        params = [x] + [p for mod in mods for p in mod.parameters()]
        def f():
            h = relu(b1(c1(x)))
            h = relu(b2(c2(h)) + x)
            o = relu(b3(c3(h)))
            o = b4(c4(o))
            return relu(o + bd(d(h)))
        return f, params
    if case == "convT":
        m = nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)
        if lib != "torch":
            for p in m.parameters():
                p.data = p.data.astype(np.float32)
        x = leaf(rng.standard_normal((64, 256, 4, 4)).astype(np.float32))
        return (lambda: m(x)), [x] + list(m.parameters())
    if case == "bmatmul":
        x = leaf(rng.standard_normal((64, 128, 256)).astype(np.float32))
        w = leaf(rng.standard_normal((256, 256)).astype(np.float32))
        return (lambda: x @ w), [x, w]
    raise ValueError(case)

f, params = build(case)
y = f()
base = rss()                 # peak so far: parameters, inputs, one forward's activations
backward(y)
peak_rss = rss() - base      # what the (first) backward adds
zero(params); del y
trace = None
if lib != "torch":
    y = f()
    tracemalloc.start()
    backward(y)
    trace = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    zero(params); del y
fwd = bwd = float("inf")
for _ in range(repeat):
    t0 = time.perf_counter(); y = f(); t1 = time.perf_counter()
    backward(y); t2 = time.perf_counter()
    fwd, bwd = min(fwd, t1 - t0), min(bwd, t2 - t1)
    zero(params); del y
print(json.dumps(dict(fwd=fwd, bwd=bwd, rss=peak_rss, trace=trace)))
"""


def run(lib, case, repeat, src=SRC):
    env = dict(os.environ, YAAE_SRC=os.path.abspath(src))
    out = subprocess.run([sys.executable, "-c", CHILD, lib, case, str(repeat)], env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{lib} {case} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mb(n):
    return "-" if n is None else f"{n / 2**20:7.1f}MB"


def main():
    quick = "--quick" in sys.argv
    repeat = 2 if quick else 5
    src = SRC
    if "--src" in sys.argv:          # another checkout's src/ (e.g. the base commit)
        src = sys.argv[sys.argv.index("--src") + 1]
    cases = [("cliff", "Conv2d(512,512,3,p=1) on (64,512,1,1) f32"),
             ("resblock", "ResNet-ish blocks, (64,64,8,8) f32, fwd+bwd"),
             ("convT", "ConvTranspose2d(256,128,4,s=2,p=1) (64,256,4,4)"),
             ("bmatmul", "(64,128,256) @ (256,256) f32, fwd+bwd")]
    print(f"{'case':45s} {'lib':6s} {'fwd':>9s} {'bwd':>9s} {'bwd peak RSS':>13s} "
          f"{'tracemalloc':>11s}   bwd ratio")
    for case, title in cases:
        t = run("torch", case, repeat)
        y = run("yaae", case, repeat, src)
        for lib, r in (("torch", t), ("yaae", y)):
            ratio = tot = ""
            if lib == "yaae":
                ratio = f"{r['bwd'] / t['bwd']:6.2f}x"
                tot = f" (fwd+bwd {(r['fwd'] + r['bwd']) / (t['fwd'] + t['bwd']):.2f}x)"
            print(f"{title if lib == 'torch' else '':45s} {lib:6s} {r['fwd'] * 1e3:7.1f}ms "
                  f"{r['bwd'] * 1e3:7.1f}ms {mb(r['rss']):>13s} {mb(r['trace']):>11s}   "
                  f"{ratio}{tot}")


if __name__ == "__main__":
    main()
