"""Second-order derivatives (issue #10, W4 and the hvp cliff), against PyTorch
and HIPS autograd measured in the same run.

    python bench/bench_hessian.py [--quick] [--cpu] [--only hessian,gmm,big]

Run it from a venv with torch (and, for the autograd rows, HIPS autograd),
e.g. the peers venv: ``~/.cache/yaae-peers/bin/python bench/bench_hessian.py``
(yaae is taken from this checkout's ``src``).  Rows missing a library are
skipped.  One thread, pinned to one core; repetitions interleaved across rows
(as ``peers.py`` does), medians reported with the ratio to the first row of
each table.  Every row is checked against the first before it is timed.

1. ``hessian``: the W4 Hessian of ``sum(tanh(A @ x) ** 2) + 0.5 * x @ x``,
   x in R^200: analytic NumPy, ``ya.hessian``, ``torch.func.hessian``,
   ``autograd.hessian``.
2. ``gmm``: Hessian-vector products of a Gaussian-mixture negative
   log-likelihood written over a few dozen small arrays (many small ops):
   ``ya.hvp`` against ``ya.vjp(ya.grad(f))`` (reverse-over-reverse) and
   ``ya.jvp(ya.grad(f))`` (forward-over-reverse),
   ``torch.func.jvp(torch.func.grad(f))``, torch's double backward, and
   HIPS autograd's ``make_hvp`` (reverse-over-reverse).
3. ``big``: the same comparison on an objective of a few large ops (a
   tanh MLP-style layer on 2000x2000 data).

The issue's target: ``ya.hvp`` at least as fast as the faster of the two
yaae strategies on both objectives; W4 within 2.5x the analytic row.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import yaae as ya  # noqa: E402

try:
    import torch  # noqa: E402
    torch.set_num_threads(1)
except ImportError:      # pragma: no cover - depends on the venv
    torch = None
try:
    import autograd  # noqa: E402
    import autograd.numpy as anp  # noqa: E402
except ImportError:      # pragma: no cover
    autograd = anp = None


def pin():
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    except (AttributeError, OSError):   # pragma: no cover - not Linux
        pass


CLOCK = [time.perf_counter]


def table(title, rows, reps, budget):
    """rows: list of (label, fn, check) with check(result) -> max error; the
    first row is the reference.  Interleaved repetitions, medians."""
    print(f"== {title} ==")
    live = []
    for label, fn, check in rows:
        if fn is None:
            print(f"  {label:44s} skipped ({check})")
            continue
        fn()
        err = check(fn())
        if not err < 1e-9:
            print(f"  {label:44s} FAIL: off by {err:.3g}")
            continue
        live.append((label, fn))
    times = {label: [] for label, _ in live}
    gc.collect()
    t_end = time.perf_counter() + budget
    for r in range(reps):
        order = live[r % len(live):] + live[:r % len(live)]
        clock = CLOCK[0]
        for label, fn in order:
            t0 = clock()
            fn()
            times[label].append(clock() - t0)
        if r >= 4 and time.perf_counter() > t_end:
            break
    base = np.median(times[live[0][0]])
    bmin = np.min(times[live[0][0]])
    print(f"  {'':44s} {'median':>12s} {'ratio':>7s} {'min':>12s} {'ratio':>7s}")
    for label, _ in live:
        m, mn = np.median(times[label]), np.min(times[label])
        print(f"  {label:44s} {m * 1e3:9.3f} ms {m / base:6.2f}x {mn * 1e3:9.3f} ms "
              f"{mn / bmin:6.2f}x  (n={len(times[label])})")
    return {label: np.median(v) for label, v in times.items()}


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# ---- 1. the W4 Hessian -------------------------------------------------------------------------
def hessian_rows(n=200):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((n, n)) / math.sqrt(n)
    x = rng.standard_normal(n)

    def analytic():
        t = np.tanh(A @ x)
        w = (2.0 - 6.0 * t * t) * (1.0 - t * t)
        H = (A.T * w) @ A
        H[np.diag_indices_from(H)] += 1.0
        return H

    ref = analytic()
    check = lambda H: rel(H, ref)   # noqa: E731
    At = ya.Tensor(A)
    ya_h = ya.hessian(lambda v: (ya.tanh(At @ v) ** 2).sum() + 0.5 * (v @ v))
    rows = [("numpy (analytic)", analytic, check),
            ("yaae.hessian", lambda: ya_h(x), check)]
    if torch is not None:
        Att = torch.from_numpy(A)
        xt = torch.from_numpy(x)
        th = torch.func.hessian(lambda v: (torch.tanh(Att @ v) ** 2).sum() + 0.5 * (v @ v))
        rows.append(("torch.func.hessian", lambda: th(xt).numpy(), check))
    else:
        rows.append(("torch.func.hessian", None, "no torch"))
    if autograd is not None:
        ah = autograd.hessian(lambda v: anp.sum(anp.tanh(anp.dot(A, v)) ** 2) + 0.5 * anp.dot(v, v))
        rows.append(("autograd.hessian", lambda: ah(x), check))
    else:
        rows.append(("autograd.hessian", None, "no autograd"))
    return rows


# ---- 2/3. hvp against vjp(grad) -----------------------------------------------------------------
def gmm_problem(K=8, D=2, N=64, seed=0):
    """Mixture of K diagonal Gaussians in D dimensions, parameters as 3K small
    arrays (means, log-scales, logits): about a hundred small ops."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D)) * 2.0
    params = []
    for _ in range(K):
        params += [rng.standard_normal(D), 0.3 * rng.standard_normal(D), 0.5 * rng.standard_normal(())]
    vecs = [rng.standard_normal(np.shape(p)) for p in params]
    c = 0.5 * D * math.log(2 * math.pi)

    def make(lib):
        exp, log, sum_, stack, max_ = lib["exp"], lib["log"], lib["sum"], lib["stack"], lib["max"]
        Xc = lib.get("const", lambda a: a)(X)

        def nll(*ps):
            lls = []
            logits = []
            for k in range(K):
                mu, ls, lg = ps[3 * k], ps[3 * k + 1], ps[3 * k + 2]
                z = (Xc - mu) * exp(-ls)
                lls.append(-0.5 * sum_(z * z, 1) - sum_(ls, 0) - c + lg)
                logits.append(lg)
            L = stack(lls)                       # (K, N)
            m = max_(L)
            lse = log(sum_(exp(L - m), 0)) + m    # log-sum-exp over k
            lg = stack(logits)
            mg = max_(lg)
            norm = log(sum_(exp(lg - mg), 0)) + mg
            return -(sum_(lse, 0) - N * norm)
        return nll
    return params, vecs, make


def big_problem(n=2000, seed=0):
    """A few large ops: tanh layer over 2000x2000 data, a squared loss."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 200)) / 10
    y = rng.standard_normal(n)
    w = rng.standard_normal(200) / 10
    v = rng.standard_normal(200)

    def make(lib):
        sum_, tanh = lib["sum"], lib["tanh"]
        Xc, yc = (lib.get("const", lambda a: a)(a) for a in (X, y))

        def loss(w):
            h = tanh(Xc @ w)
            r = h - yc
            return sum_(r * r, 0) + sum_(h * h * h * h, 0) * 0.1
        return loss
    return [w], [v], make


def _a_value(a):
    """An autograd box's value (a constant: the log-sum-exp shift needs no derivative)."""
    while hasattr(a, "_value"):
        a = a._value
    return a


def hvp_rows(problem):
    params, vecs, make = problem
    nargs = tuple(range(len(params)))
    f = make(dict(exp=ya.exp, log=ya.log, sum=lambda a, ax: ya.sum(a, axis=ax), stack=ya.stack,
                  max=lambda a: ya.max(a.detach()), tanh=ya.tanh))

    def ya_hvp():
        return ya.hvp(f, tuple(params), tuple(vecs))[1]

    g = ya.grad(f, argnums=nargs)

    def ya_rr():
        return ya.vjp(g, *params)[1](tuple(vecs))

    def ya_fr():
        return ya.jvp(g, tuple(params), tuple(vecs))[1]

    ref = ya_hvp()
    ref = ref if isinstance(ref, (tuple, list)) else (ref,)

    def check(out):
        out = out if isinstance(out, (tuple, list)) else (out,)
        return max(rel(a, b) for a, b in zip(out, ref))

    rows = [("yaae.hvp", ya_hvp, check),
            ("yaae.vjp(yaae.grad(f)) (reverse-over-reverse)", ya_rr, check),
            ("yaae.jvp(yaae.grad(f)) (forward-over-reverse)", ya_fr, check)]
    if torch is not None:
        tf = make(dict(exp=torch.exp, log=torch.log, sum=lambda a, ax: torch.sum(a, dim=ax),
                       stack=torch.stack, max=lambda a: torch.max(a.detach()), tanh=torch.tanh,
                       const=torch.from_numpy))
        tp = tuple(torch.from_numpy(np.asarray(p, dtype=np.float64)) for p in params)
        tv = tuple(torch.from_numpy(np.asarray(v, dtype=np.float64)) for v in vecs)
        tgrad = torch.func.grad(tf, argnums=nargs)

        def t_fwd_rev():
            return [t.numpy() for t in torch.func.jvp(tgrad, tp, tv)[1]]

        def t_double():
            ps = [p.clone().requires_grad_(True) for p in tp]
            gs = torch.autograd.grad(tf(*ps), ps, create_graph=True)
            return [h.numpy() for h in torch.autograd.grad(gs, ps, grad_outputs=tv)]
        rows += [("torch.func.jvp(torch.func.grad(f))", t_fwd_rev, check),
                 ("torch double backward", t_double, check)]
    if autograd is not None:
        af = make(dict(exp=anp.exp, log=anp.log, sum=lambda a, ax: anp.sum(a, axis=ax),
                       stack=anp.stack, max=lambda a: anp.max(_a_value(a)), tanh=anp.tanh))
        aps = tuple(np.asarray(p, dtype=np.float64) for p in params)

        def a_flat(flat):
            return af(*[flat[i] for i in range(len(aps))])
        from autograd import make_hvp

        def a_hvp():
            # reverse-over-reverse, as HIPS autograd's hvp
            return make_hvp(a_flat)(list(aps))[0](list(vecs))
        rows.append(("autograd make_hvp", a_hvp, check))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="hessian,gmm,big")
    ap.add_argument("--cpu", action="store_true",
                    help="time with the process's CPU clock (steadier on a shared machine)")
    args = ap.parse_args(argv)
    if args.cpu:
        CLOCK[0] = time.process_time
    pin()
    reps = 7 if args.quick else 60
    budget = 3.0 if args.quick else 20.0
    only = args.only.split(",")
    print(f"yaae from {os.path.dirname(ya.__file__)}; numpy {np.__version__}"
          f"{'; torch ' + torch.__version__ if torch is not None else ''}")
    if "hessian" in only:
        table("W4: Hessian of sum(tanh(A@x)**2) + 0.5*x@x, x in R^200 (ratio to analytic NumPy)",
              hessian_rows(), reps, budget)
    if "gmm" in only:
        table("hvp, small ops: Gaussian-mixture NLL over 24 small arrays (ratio to ya.hvp)",
              hvp_rows(gmm_problem()), reps, budget)
    if "big" in only:
        table("hvp, large ops: tanh layer on 2000x200 data (ratio to ya.hvp)",
              hvp_rows(big_problem()), reps, budget)


if __name__ == "__main__":
    main()
