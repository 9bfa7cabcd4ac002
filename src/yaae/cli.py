"""The ``yaae`` command line (also ``python -m yaae``).

    yaae demo [NAME] [--out DIR] [--seed N] [--epochs N] [--quiet]
    yaae demo --list
    yaae examples

A demo writes its files (figures, GIFs, metrics.json) all together once it
has finished, each atomically: Ctrl-C ends it with a one-line message and exit
code 130 and leaves the previous run's files as they were.  --seed takes
0..2**32-1 (the range of scikit-learn's random_state).
"""
import argparse
import math
import os
import sys


def _demo_list():
    from .demos import DEMOS, DEFAULT
    width = max(len(n) for n in DEMOS)
    lines = [f"  {n:<{width}}  {d}{'  (default)' if n == DEFAULT else ''}" for n, d in DEMOS.items()]
    return "demos:\n" + "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}\n{_demo_list()}", file=sys.stderr)
        raise SystemExit(2)


def worked_examples(out=sys.stdout):
    import numpy as np
    import yaae as ya
    from yaae import Node

    p = lambda *a: print(*a, file=out)  # noqa: E731
    p("yaae: yet another autodiff engine\n")
    p("1) The Yaae write-up: w5 = w2*w1 + sin(w1) at w1=2, w2=3 (reverse mode)")
    w1 = Node(2, requires_grad=True)
    w2 = Node(3, requires_grad=True)
    w5 = w2 * w1 + w1.sin()
    w5.backward()
    p(f"   w5 = {w5.item():.10f}")
    p(f"   dw5/dw1 = {w1.grad.item():.16f}   (cos 2 + 3 = {math.cos(2) + 3:.16f})")
    p(f"   dw5/dw2 = {w2.grad.item():.16f}   (w1 = 2)")

    p("\n2) f(x, y) = 2*y*x**2 + x*y + 3 at x=2, y=3")
    x = ya.Tensor(2.0, requires_grad=True)
    y = ya.Tensor(3.0, requires_grad=True)
    f = 2 * y * x ** 2 + x * y + 3
    f.backward()
    p(f"   f = {f.item():g}, df/dx = {x.grad.item():g} (expected 27), df/dy = {y.grad.item():g} (expected 10)")

    p("\n3) y = exp(2*x1) + x1*x2**2 + cos(x2) at (1, 2): reverse and forward mode")
    fn = lambda x1, x2: ya.exp(2 * x1) + x1 * x2 ** 2 + ya.cos(x2)  # noqa: E731
    g = ya.grad(fn, argnums=(0, 1))(1.0, 2.0)
    t1 = ya.jvp(fn, (1.0, 2.0), (1.0, 0.0))[1]
    t2 = ya.jvp(fn, (1.0, 2.0), (0.0, 1.0))[1]
    p(f"   reverse (one sweep):      [{float(g[0]):.12f}, {float(g[1]):.12f}]")
    p(f"   forward (two sweeps):     [{float(t1):.12f}, {float(t2):.12f}]")
    p(f"   closed form [2e^2+4, 4-sin 2] = [{2 * math.e ** 2 + 4:.12f}, {4 - math.sin(2):.12f}]")

    p("\n4) Higher order: d^3/dx^3 sin(x) at x=1 by grad(grad(grad(sin)))")
    d3 = ya.grad(ya.grad(ya.grad(ya.sin)))(1.0)
    p(f"   {float(d3):.15f}   (-cos 1 = {-math.cos(1):.15f})")
    h = ya.hessian(lambda v: ya.sum(v ** 3))(np.array([1.0, 2.0]))
    p(f"   hessian of sum(v^3) at (1, 2): {h.tolist()}  (diag 6v)")
    return 0


def run_demo(name, out=None, seed=0, epochs=None, quiet=False, **options):
    """Run one demo; returns its metrics dict (raises DemoError on user errors)."""
    from .demos import get
    from .demos._common import prepare_out, save_metrics, transaction
    mod = get(name)
    out = prepare_out(out or os.path.join("yaae-out", name))
    with transaction():          # all the run's files, or (error, Ctrl-C) none of them
        metrics = mod.run(out=out, seed=seed, epochs=epochs, quiet=quiet, **options)
        save_metrics(out, metrics)
    return metrics


SEED_MAX = 2 ** 32 - 1   # scikit-learn's random_state (NumPy's legacy RandomState) takes 0..2**32-1


def main(argv=None):
    from .demos import DEMOS, DEFAULT
    from .demos._common import DemoError
    ap = _Parser(prog="yaae", description="yaae: yet another autodiff engine")
    sub = ap.add_subparsers(dest="cmd", parser_class=_Parser)
    d = sub.add_parser("demo", help="run a demo (default: classification)",
                       description="Run a demo: it trains, prints its metrics and writes "
                                   "figures into --out.", epilog=_demo_list(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("name", nargs="?", default=DEFAULT, help="which demo (see --list)")
    d.add_argument("--list", action="store_true", help="list the demos and exit")
    d.add_argument("--out", default=None, help="output folder (default ./yaae-out/NAME/)")
    d.add_argument("--seed", type=int, default=0, help="random seed (same seed, same numbers)")
    d.add_argument("--epochs", type=int, default=None, help="training epochs (default: the demo's)")
    d.add_argument("--quiet", action="store_true", help="plain progress lines instead of a bar")
    d.add_argument("--data", default=None, choices=["circles", "moons", "spirals"],
                   help="classification data set (default circles)")
    sub.add_parser("examples", help="print the worked examples of the write-ups")
    args = ap.parse_args(argv)
    if args.cmd is None:
        ap.print_help()
        print("\n" + _demo_list())
        return 0
    if args.cmd == "examples":
        return worked_examples()
    if args.list:
        print(_demo_list())
        return 0
    if args.name not in DEMOS:
        print(f"yaae demo: unknown demo {args.name!r}\n{_demo_list()}", file=sys.stderr)
        return 2
    if args.epochs is not None and args.epochs < 1:
        print(f"yaae demo: --epochs must be at least 1, got {args.epochs}\n{_demo_list()}",
              file=sys.stderr)
        return 2
    if not 0 <= args.seed <= SEED_MAX:
        print(f"yaae demo: error: --seed must be an integer from 0 to {SEED_MAX} (2**32 - 1), "
              f"got {args.seed}", file=sys.stderr)
        return 2
    if args.data is not None and args.name != "classification":
        print(f"yaae demo: --data applies to the classification demo only\n{_demo_list()}",
              file=sys.stderr)
        return 2
    if args.name == "ddp":      # runs on several MPI ranks: rank 0 writes the files (demos/ddp.py)
        from .demos import ddp
        return ddp.main(["--out", args.out or os.path.join("yaae-out", "ddp"), "--seed",
                         str(args.seed)] + (["--epochs", str(args.epochs)] if args.epochs else [])
                        + (["--quiet"] if args.quiet else []))
    try:
        kw = {"data": args.data} if args.data else {}
        metrics = run_demo(args.name, args.out, args.seed, args.epochs, args.quiet, **kw)
    except DemoError as e:
        print(f"yaae demo {args.name}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        out = args.out or os.path.join("yaae-out", args.name)
        if getattr(e, "committed", False):
            what = f"its files were already all written to {out}"
        else:
            what = f"nothing was written: the files in {out} are as before"
        gap = "\n" if sys.stderr.isatty() else ""      # past a progress bar and the ^C
        print(f"{gap}yaae demo {args.name}: interrupted (Ctrl-C); {what}", file=sys.stderr,
              flush=True)
        return 130
    print(f"{args.name}: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in metrics.items()))
    print(_written(args.out or os.path.join("yaae-out", args.name)))
    return 0


def _written(out):
    """The closing lines of ``yaae demo``: the folder it wrote, and the files in it."""
    shown = os.path.relpath(out) if not os.path.isabs(out) else out
    files = sorted(f for f in os.listdir(out) if not f.startswith("."))
    return f"files written to {os.path.join(shown, '')}:\n" + "\n".join(f"  {f}" for f in files)


def _fmt(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)
