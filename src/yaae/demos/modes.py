"""Forward against reverse mode, measured: ``yaae demo modes``.

For f: R^n -> R^m (a small tanh/sin network), ``jacfwd`` pushes one batch of
n tangents forward and ``jacrev`` pulls one batch of m cotangents back, so
forward mode should win when m >> n and reverse mode when n >> m.  This
demo times both

* along a sweep with n*m fixed (n = 2 ... 512, m = 1024/n), and
* on a grid of n and m,

checks that both give the same Jacobian, and writes ``modes.png``: time
against n on log axes (the crossover marked), the ratio fwd/rev against n/m,
and the grid's ratios.  ``--epochs`` sets how many times each timing is
repeated (the best is kept; default 7).
"""
import math
import time

import numpy as np

from ._common import Progress, one_blas_thread, plt, savefig

NM = 1024                                   # n*m along the sweep
SWEEP_N = [2 ** k for k in range(1, 10)]    # 2 ... 512
GRID = [4, 16, 64, 256]                     # n and m of the grid
HIDDEN = 64
DEFAULT_REPEAT = 7


def make_f(n, m, rng, hidden=HIDDEN):
    """f: R^n -> R^m, ``sin(W2 tanh(W1 x)) + 0.01 |x|^2``."""
    import yaae as ya
    W1 = rng.standard_normal((hidden, n)) / np.sqrt(n)
    W2 = rng.standard_normal((m, hidden)) / np.sqrt(hidden)

    def f(x):
        h = ya.tanh(W1 @ x)
        return ya.sin(W2 @ h) + ya.sum(x * x) * 0.01
    return f


def _best(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def measure(n, m, rng, repeat):
    """(time jacfwd, time jacrev, max |J_fwd - J_rev|) for one f: R^n -> R^m."""
    import yaae as ya
    f = make_f(n, m, rng)
    x = rng.standard_normal(n)
    jf, jr = ya.jacfwd(f), ya.jacrev(f)
    jf(x), jr(x)                                    # warm up
    tf, Jf = _best(lambda: jf(x), repeat)
    tr, Jr = _best(lambda: jr(x), repeat)
    Jf, Jr = np.asarray(Jf), np.asarray(Jr)
    if Jf.shape != (m, n) or Jr.shape != (m, n):
        raise AssertionError(f"jacobian shapes {Jf.shape}, {Jr.shape}, expected {(m, n)}")
    return tf, tr, float(np.max(np.abs(Jf - Jr)))


def _crossover(ns, ratios):
    """The n (interpolated on log axes) where fwd/rev first reaches 1."""
    lr = np.log(np.asarray(ratios))
    ln = np.log(np.asarray(ns, dtype=float))
    for i in range(len(lr) - 1):
        if lr[i] < 0 <= lr[i + 1]:
            t = -lr[i] / (lr[i + 1] - lr[i])
            return float(np.exp(ln[i] + t * (ln[i + 1] - ln[i])))
    return None


def run(out, seed=0, epochs=None, quiet=False):
    import os
    pyplot = plt()
    repeat = epochs or DEFAULT_REPEAT
    rng = np.random.default_rng(seed)
    pairs = [(n, NM // n) for n in SWEEP_N] + [(n, m) for m in GRID for n in GRID]
    prog = Progress(len(pairs), "modes", quiet=quiet)
    res = {}
    with one_blas_thread():
        for n, m in pairs:
            if (n, m) not in res:
                res[(n, m)] = measure(n, m, rng, repeat)
            tf, tr, _ = res[(n, m)]
            prog.update(n=n, m=m, fwd_over_rev=tf / tr)
    prog.close()

    sweep = [res[(n, NM // n)] for n in SWEEP_N]
    t_fwd = np.array([s[0] for s in sweep])
    t_rev = np.array([s[1] for s in sweep])
    ratio = t_fwd / t_rev
    cross = _crossover(SWEEP_N, ratio)
    max_diff = max(r[2] for r in res.values())

    # the claim: log(fwd/rev) grows with log(n/m)
    keys = list(res)
    lx = np.log([n / m for n, m in keys])
    ly = np.log([res[k][0] / res[k][1] for k in keys])
    slope = float(np.polyfit(lx, ly, 1)[0])

    # ---- figure --------------------------------------------------------------------------
    fig, axes = pyplot.subplots(1, 3, figsize=(16, 4.8))
    ax = axes[0]
    ax.loglog(SWEEP_N, t_fwd * 1e3, "o-", label="jacfwd (forward mode)")
    ax.loglog(SWEEP_N, t_rev * 1e3, "s-", label="jacrev (reverse mode)")
    if cross is not None:
        ax.axvline(cross, color="gray", ls="--", lw=1, label=f"measured crossover n ≈ {cross:.0f}")
    ax.axvline(math.sqrt(NM), color="gray", ls=":", lw=1, label=f"n = m = {math.isqrt(NM)}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"n  (inputs; m = {NM}/n outputs)")
    ax.set_ylabel("time for the full Jacobian (ms)")
    ax.set_title(f"f: R^n → R^m with n·m = {NM}")
    ax.legend(fontsize=9)
    ax.grid(True, which="both", alpha=0.3)

    ax = axes[1]
    sw = [(n / m, res[(n, m)][0] / res[(n, m)][1]) for n, m in [(n, NM // n) for n in SWEEP_N]]
    gr = [(n / m, res[(n, m)][0] / res[(n, m)][1]) for m in GRID for n in GRID]
    ax.loglog(*zip(*sw), "o-", label=f"sweep (n·m = {NM})")
    ax.loglog(*zip(*gr), "x", ms=8, label="grid")
    ax.axhline(1.0, color="gray", ls="--", lw=1)
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.set_xlabel("n / m")
    ax.set_ylabel("time jacfwd / time jacrev")
    ax.set_title(f"below 1: forward mode wins (fitted slope {slope:.2f})")
    ax.legend(fontsize=9)
    ax.grid(True, which="both", alpha=0.3)

    ax = axes[2]
    R = np.array([[res[(n, m)][0] / res[(n, m)][1] for n in GRID] for m in GRID])
    lim = max(abs(np.log10(R)).max(), 0.1)
    im = ax.imshow(np.log10(R), origin="lower", cmap="coolwarm", vmin=-lim, vmax=lim)
    for i in range(len(GRID)):
        for j in range(len(GRID)):
            ax.text(j, i, f"{R[i, j]:.2g}", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(GRID)), [str(g) for g in GRID])
    ax.set_yticks(range(len(GRID)), [str(g) for g in GRID])
    ax.set_xlabel("n (inputs)")
    ax.set_ylabel("m (outputs)")
    ax.set_title("fwd/rev on a grid (blue: forward wins)")
    fig.colorbar(im, ax=ax, label="log10(fwd/rev)")
    fig.suptitle("Forward vs reverse mode: jacfwd costs ~n sweeps' work, jacrev ~m")
    fig.tight_layout()
    path = os.path.join(out, "modes.png")
    savefig(fig, path, dpi=100)
    pyplot.close(fig)

    n_lo, n_hi = SWEEP_N[0], SWEEP_N[-1]
    metrics = {
        "max_abs_diff": max_diff,
        "fwd_wins_when_m_gg_n": bool(ratio[0] < 1),
        "rev_wins_when_n_gg_m": bool(ratio[-1] > 1),
        f"fwd_over_rev_n{n_lo}_m{NM // n_lo}": float(ratio[0]),
        f"fwd_over_rev_n{n_hi}_m{NM // n_hi}": float(ratio[-1]),
        "crossover_n": cross,
        "crossover_n_expected": float(math.sqrt(NM)),
        "log_ratio_slope": slope,
    }
    return metrics
