"""The ``yaae`` command line.  For now it prints the worked examples of the
write-ups behind yaae, computed by the engine (demos come with the demos issue)."""
import argparse
import math
import sys


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


def main(argv=None):
    ap = argparse.ArgumentParser(prog="yaae", description="yaae: yet another autodiff engine")
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("examples", help="print the worked examples (default)")
    args = ap.parse_args(argv)
    if args.cmd in (None, "examples"):
        return worked_examples()
    return 0
