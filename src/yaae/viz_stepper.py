"""A step-through page of the forward and reverse sweeps: ``ya.viz.stepper``.

``stepper(f, *args)`` traces ``f`` once on Tensors, then replays the graph
with yaae's own derivative rules (each primitive's ``jvps`` and ``vjps``):
one forward sweep per seed direction, filling in every node's tangent (ẇ),
and one reverse sweep per output, accumulating every node's adjoint (w̄)
edge by edge.  Each step is recorded with the node it computes, the edges
it reads and the local rule with the numbers substituted; ``record`` returns
that record, ``stepper`` writes it into one self-contained HTML page.

The page lays the graph out with dagre (vendored in ``yaae/_vendor/dagre``
with its licences, inlined into the file), so it needs no Graphviz, no
server and no network: it opens from disk.
"""
import html
import inspect
import itertools
import json
import os
import sys

import numpy as np

from .tensor import GradNode, Tensor, _Meta, _seq, _sum_to as _unbroadcast

__all__ = ["stepper", "record"]

_VENDOR = os.path.join(os.path.dirname(__file__), "_vendor", "dagre", "dagre.min.js")
GROUP_OVER = 60          # graphs with more nodes start with module internals collapsed

# the local partial derivative of an op w.r.t. argument i, in the write-ups' notation
_PARTIALS = {
    "add": ("1", "1"), "subtract": ("1", "-1"), "multiply": ("{1}", "{0}"),
    "divide": ("1/{1}", "-{0}/{1}²"), "negative": ("-1",), "sin": ("cos({0})",),
    "cos": ("-sin({0})",), "tan": ("1/cos²({0})",), "exp": ("exp({0})",),
    "log": ("1/{0}",), "tanh": ("1 - tanh²({0})",), "sqrt": ("1/(2·√{0})",),
    "square": ("2·{0}",), "power": ("{1}·{0}^({1}-1)", "ln({0})·{0}^{1}"),
    "sigmoid": ("σ({0})·(1 - σ({0}))",), "abs": ("sign({0})",), "relu": ("[{0} > 0]",),
}


def _num(x):
    """A single number (any shape of size 1, the real part of a complex) to 4 digits."""
    return f"{float(np.real(np.asarray(x)).reshape(())):.4g}"


def _summary(a):
    """What a node shows: the value of a scalar, else shape and min/mean/max
    (plus a small heatmap for a 2-D array)."""
    a = np.asarray(a)
    if a.size == 1:
        return {"shape": list(a.shape), "text": _num(a.reshape(()))}
    if a.size == 0:
        return {"shape": list(a.shape), "text": "×".join(map(str, a.shape)) + " (empty)"}
    r = np.real(a).astype(float)
    out = {"shape": list(a.shape),
           "text": f"{'×'.join(map(str, a.shape))}  min {_num(r.min())} mean {_num(r.mean())} "
                   f"max {_num(r.max())}"}
    if r.ndim == 2 and r.shape[0] <= 16 and r.shape[1] <= 16 and np.isfinite(r).all():
        lo, hi = r.min(), r.max()
        out["heat"] = np.round((r - lo) / (hi - lo) if hi > lo else 0 * r, 3).tolist()
    return out


def _plain(a):
    """JSON-safe nested lists of floats (None for NaN or inf; real part of complex)."""
    a = np.real(np.asarray(a)).astype(float)
    return np.where(np.isfinite(a), a, None).tolist()


def _arg_names(f, n):
    try:
        ps = [p for p in inspect.signature(f).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(ps) >= n:
            return [p.name for p in ps[:n]]
    except (TypeError, ValueError):
        pass
    return [f"x{i + 1}" for i in range(n)]


def _library_dirs():
    """Where yaae, the standard library and installed packages live: their
    functions are not the user's name scopes."""
    import sysconfig
    dirs = {os.path.dirname(os.path.abspath(__file__))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        d = sysconfig.get_paths().get(key)
        if d:
            dirs.add(os.path.abspath(d))
    return tuple(d + os.sep for d in dirs)


class _Scopes:
    """Which module call each node was made in (``Module.__call__`` wrapped
    while ``f`` runs), and, for code without modules, which of the user's own
    Python functions (name scopes, seen through ``sys.setprofile``)."""

    def __init__(self, f):
        self.calls = []          # (first seq, last seq, name, depth, ids of own parameters)
        self.funcs = []          # the same for the user's functions
        self.depth = 0
        self.top = getattr(f, "__code__", None)
        self.lib = _library_dirs()
        self.open = {}           # id(frame) -> (first seq, depth)

    def _profile(self, frame, event, arg):
        if event not in ("call", "return"):
            return
        code = frame.f_code
        if code is self.top or code.co_name.startswith("<") or \
                os.path.abspath(code.co_filename).startswith(self.lib):
            return
        if event == "call":
            self.open[id(frame)] = (next(_seq), len(self.open))
        elif id(frame) in self.open:
            start, depth = self.open.pop(id(frame))
            self.funcs.append((start, next(_seq), code.co_name, depth, set()))

    def __enter__(self):
        from .nn.module import Module
        self.cls, self.orig = Module, Module.__call__
        scopes, orig = self, Module.__call__
        names = {}

        def call(mod, *a, **k):
            start = next(_seq)
            scopes.depth += 1
            try:
                return orig(mod, *a, **k)
            finally:
                scopes.depth -= 1
                end = next(_seq)
                own = {id(q) for q in mod.parameters(recurse=False)}
                scopes.calls.append((start, end, names.get(id(mod), type(mod).__name__),
                                     scopes.depth, own))
        self.names = names
        Module.__call__ = call
        self.prev = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(self.prev)
        self.cls.__call__ = self.orig

    def name_modules(self, args):
        for a in args:
            if hasattr(a, "named_modules"):
                for name, m in a.named_modules():
                    self.names[id(m)] = f"{name} ({type(m).__name__})" if name else type(m).__name__


def _root(out):
    """The graph node of an output Tensor: its GradNode, or the input itself."""
    return out._node if out._node is not None else out


def _trace(f, args):
    """Run ``f`` once on fresh Tensors: (inputs, outputs, nodes in topological
    order oldest first, scopes: the module calls, or the user's function calls when
    no module was called).  Each node is an input Tensor or a GradNode."""
    inputs = [Tensor(np.asarray(a._data if isinstance(a, Tensor) else a,
                                dtype=None if np.iscomplexobj(a._data if isinstance(a, Tensor) else a)
                                else float), requires_grad=True)
              for a in args]
    scopes = _Scopes(f)
    with scopes:
        try:
            near = inspect.getclosurevars(f)
            near = list(near.nonlocals.values()) + list(near.globals.values())
        except TypeError:
            near = []
        scopes.name_modules([f, getattr(f, "__self__", None)] + near)
        out = f(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor) or (o._node is None and not any(o is x for x in inputs)):
            raise TypeError(f"stepper: output {k} of f is not a Tensor computed from the inputs "
                            f"(got {type(o).__name__}); f must return a Tensor (or a tuple of "
                            f"Tensors) that depends on its arguments")
    seen, nodes, stack = set(), [], [_root(o) for o in outs]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        nodes.append(v)
        if isinstance(v, GradNode):
            stack.extend(p for p in v.parents if p is not None)
    leaves = [v for v in nodes if not isinstance(v, GradNode)]
    extra = [v for v in leaves if not any(v is x for x in inputs)]
    ops = sorted((v for v in nodes if isinstance(v, GradNode)), key=lambda n: -n.seq)
    return inputs, outs, [x for x in inputs] + extra + ops, scopes.calls or scopes.funcs


def _values(nodes):
    """id(node) -> its value (recomputed from the parents' values where the graph
    kept only the shape of an array no rule reads)."""
    val = {}
    for v in nodes:
        if not isinstance(v, GradNode):
            val[id(v)] = v._data
            continue
        if isinstance(v.ans, (np.ndarray, np.generic)):
            val[id(v)] = np.asarray(v.ans)
            continue
        args = [val[id(p)] if p is not None else a
                for a, p in itertools.zip_longest(v.raw, v.parents)]
        if any(isinstance(a, _Meta) for a in args):
            raise RuntimeError(f"stepper: the graph kept only the shape of a constant argument "
                               f"of {v.prim.name} ({_Meta.__repr__(next(a for a in args if isinstance(a, _Meta)))}), "
                               f"so its value cannot be shown; pass that array as an input of f")
        val[id(v)] = np.asarray(v.prim.fwd(*args, **(v.kw or {})))
    return val


def _args(v, val):
    """A node's arguments as its rules read them, with kept-only-as-shape values filled in."""
    return [val[id(p)] if (p is not None and isinstance(a, _Meta)) else a
            for a, p in itertools.zip_longest(v.raw, v.parents)]


def _sum_to(g, shape, dtype):
    g = np.asarray(g)
    if g.shape != tuple(shape):
        g = _unbroadcast(g, tuple(shape), 0)
    if g.dtype != dtype and not (g.dtype.kind == "c" and np.dtype(dtype).kind != "c"):
        g = g.astype(dtype)
    return np.real(g) if g.dtype.kind == "c" and np.dtype(dtype).kind != "c" else g


def _sym(v, i, names, raw):
    """The symbolic partial of node ``v`` w.r.t. argument ``i``."""
    ops = []
    for a, p in itertools.zip_longest(raw, v.parents):
        if p is not None:
            ops.append(names[id(p)])
        elif _is_number(a):
            ops.append(_num(np.asarray(a).reshape(())))
        else:
            ops.append("c")
    t = _PARTIALS.get(v.prim.name)
    if t is not None and i < len(t) and len(ops) >= len(t):
        return t[i].format(*ops)
    return f"∂{v.prim.name}/∂{ops[i]}"


def _is_number(a):
    """Whether a non-Tensor argument is a single number (not an index, axis None, slice...)."""
    if isinstance(a, (_Meta, bool)) or a is None:
        return False
    try:
        return np.asarray(a).dtype.kind in "iufc" and np.size(a) == 1
    except Exception:                                   # not array-like: an index, a slice
        return False


def _term(sym, var):
    return var if sym == "1" else ("-" + var if sym == "-1" else f"{sym}·{var}")


def _rule(v, kind, i):
    """Primitive ``v.prim``'s JVP or VJP rule for argument ``i``, or a TypeError naming it."""
    try:
        rule = getattr(v.prim, kind)[i]
    except (TypeError, IndexError):
        rule = None
    if rule is None:
        mode, key = ("forward", "fwd") if kind == "jvps" else ("reverse", "rev")
        raise TypeError(f"stepper: {v.prim.name} has no {mode}-mode rule for argument {i}, so "
                        f"its {mode} sweep cannot be shown; leave {key!r} out of modes")
    return rule


def _factor(s):
    """``s`` as the right factor of a product: negatives in parentheses."""
    return f"({s})" if s.startswith("-") else s


def _numterm(sym, d, x, otherwise, rev=False):
    """``d·x`` with the numbers (``x·d`` in a reverse sweep, in the order of
    ``w̄·∂``; ``x`` alone for a partial of ±1), or ``otherwise`` for tensors."""
    if d is None:
        return otherwise
    if sym in ("1", "-1"):
        return _term(sym, _factor(_num(x)) if sym == "-1" else _num(x))
    a, b = (x, d) if rev else (d, x)
    return f"{_num(a)}·{_factor(_num(b))}"


def _local(v, i, args, scalar, kind="jvps"):
    """The number of the local partial (scalars only), by the primitive's own
    JVP rule (forward sweep) or VJP rule (reverse sweep) applied to 1."""
    if not scalar:
        return None
    one = np.ones_like(np.asarray(args[i] if kind == "jvps" else v.ans, dtype=float))
    with np.errstate(all="ignore"):
        return np.asarray(_rule(v, kind, i)(one, v.ans, *args, **(v.kw or {}))).reshape(())


def _forward(nodes, n_inputs, seed, names, val):
    """One forward sweep: a step per node (the inputs' seeds first)."""
    tan, steps = {}, []
    for k, v in enumerate(nodes):
        nm = names[id(v)]
        if not isinstance(v, GradNode):
            if k < n_inputs and seed[k] is not None:
                tan[id(v)] = np.asarray(seed[k], dtype=val[id(v)].dtype)
                steps.append({"node": k, "reads": [], "tangent": _summary(tan[id(v)]),
                              "data": _plain(tan[id(v)]),
                              "text": f"ẇ{nm[1:] if nm.startswith('w') else ' ' + nm} = "
                                      f"{_summary(tan[id(v)])['text']}  (seed)"})
            continue
        args = _args(v, val)
        scalar = all(np.size(val[id(p)]) == 1 for p in v.parents if p is not None) \
            and np.size(val[id(v)]) == 1
        total, syms, nums, reads = None, [], [], []
        for i, p in enumerate(v.parents):
            if p is None or id(p) not in tan:
                continue
            reads.append(id(p))
            with np.errstate(all="ignore"):
                ti = np.asarray(_rule(v, "jvps", i)(tan[id(p)], v.ans if not isinstance(v.ans, _Meta)
                                               else val[id(v)], *args, **(v.kw or {})))
            oshape = np.shape(val[id(v)])
            if ti.shape != oshape:
                ti = np.broadcast_to(ti, oshape)
            total = ti if total is None else total + ti
            sym = _sym(v, i, names, v.raw)
            syms.append(_term(sym, "ẇ" + _dotname(names[id(p)])))
            d = _local(v, i, args, scalar)
            nums.append(_numterm(sym, d, tan[id(p)], _summary(ti)["text"]))
        if total is None:
            continue
        total = np.asarray(total).astype(np.asarray(val[id(v)]).dtype, copy=False)
        tan[id(v)] = total
        shown = _summary(total)["text"]
        nums = " + ".join(nums)
        text = f"ẇ{_dotname(nm)} = " + " + ".join(syms) + ("" if nums == shown else " = " + nums) \
            + " = " + shown
        steps.append({"node": None, "id": id(v), "reads": reads, "text": text.replace("+ -", "- "),
                      "tangent": _summary(total), "data": _plain(total)})
    return steps, tan


def _dotname(nm):
    return nm[1:] if nm.startswith("w") and nm[1:].isdigit() else "_" + nm


def _reverse(nodes, out, names, val):
    """One reverse sweep from ``out`` (seeded with ones): a step per edge, newest node first."""
    adj, steps = {}, []
    root = _root(out)
    adj[id(root)] = np.ones_like(val[id(root)])
    steps.append({"id": id(root), "reads": [], "adjoint": _summary(adj[id(root)]),
                  "data": _plain(adj[id(root)]),
                  "text": f"w̄{_dotname(names[id(root)])} = {_summary(adj[id(root)])['text']}  (seed)"})
    for v in reversed(nodes):
        if not isinstance(v, GradNode) or id(v) not in adj:
            continue
        g = adj[id(v)]
        args = _args(v, val)
        scalar = np.size(val[id(v)]) == 1 and all(
            np.size(val[id(p)]) == 1 for p in v.parents if p is not None)
        for i, p in enumerate(v.parents):
            if p is None:
                continue
            with np.errstate(all="ignore"):
                gi = _rule(v, "vjps", i)(g, v.ans if not isinstance(v.ans, _Meta) else val[id(v)],
                                    *args, **(v.kw or {}))
            a = val[id(p)]
            gi = _sum_to(gi, np.shape(a), np.asarray(a).dtype)
            adj[id(p)] = gi if id(p) not in adj else adj[id(p)] + gi
            pn, vn = _dotname(names[id(p)]), _dotname(names[id(v)])
            sym = _sym(v, i, names, v.raw)
            d = _local(v, i, args, scalar, "vjps")
            num = _numterm(sym, d, g, _summary(gi)["text"], rev=True)
            rhs = f"w̄{vn}" if sym == "1" else (f"-w̄{vn}" if sym == "-1" else f"w̄{vn}·{_factor(sym)}")
            steps.append({"id": id(p), "reads": [id(v)], "adjoint": _summary(adj[id(p)]),
                          "data": _plain(adj[id(p)]),
                          "text": f"w̄{pn} += {rhs} = {num}  →  w̄{pn} = "
                                  f"{_summary(adj[id(p)])['text']}"})
    return steps, adj


def _groups(nodes, calls):
    """Groups (module or function calls that made a node): [{id, name, parent}],
    and id(node) -> its innermost group's index (a parameter: its module's)."""
    groups, of = [], {}
    made = [v.seq for v in nodes if isinstance(v, GradNode)]
    owned = {id(v) for v in nodes}
    calls = sorted((c for c in calls if c[4] & owned or any(c[1] < q < c[0] for q in made)),
                   key=lambda c: c[3])                   # outer calls first; none empty
    span = []
    for start, end, name, depth, _ in calls:
        parent = None
        for j, (s, e) in enumerate(span):                # innermost enclosing call so far
            if s >= start and e <= end:
                parent = j
        groups.append({"id": len(groups), "name": name, "parent": parent})
        span.append((start, end))
    for v in nodes:
        if not isinstance(v, GradNode):             # a parameter: the module that owns it
            for j, call in enumerate(calls):
                if id(v) in call[4]:
                    of[id(v)] = j
        else:
            best = None
            for j, (s, e) in enumerate(span):
                if e < v.seq < s and (best is None or span[best][0] - span[best][1] > s - e):
                    best = j
            if best is not None:
                of[id(v)] = best
    return groups, of


def _seeds(seeds, inputs):
    if seeds is None:
        return [[np.ones_like(x._data) if j == i else None for j, x in enumerate(inputs)]
                for i in range(len(inputs))]
    out = []
    for s in seeds:
        s = list(s) if isinstance(s, (tuple, list)) else [s]
        if len(s) != len(inputs):
            raise ValueError(f"stepper: each seed needs one tangent per input ({len(inputs)}), "
                             f"got {len(s)}")
        row = []
        for j, (t, x) in enumerate(zip(s, inputs)):
            if t is None:
                row.append(None)
                continue
            t = np.asarray(t._data if isinstance(t, Tensor) else t, dtype=x._data.dtype)
            if t.shape != x.shape:
                raise ValueError(f"stepper: seed tangent for input {j} has shape {t.shape}, "
                                 f"the input has shape {tuple(x.shape)}")
            row.append(t)
        out.append(row)
    return out


def record(f, *args, modes=("fwd", "rev"), seeds=None, names=None):
    """The recorded sweeps of ``f`` at ``args`` as a JSON-ready dict (what
    ``stepper`` embeds in its page).

    ``f`` is traced once on Tensors made from ``args``; then, with each
    primitive's own JVP and VJP rules on the recorded values, one forward sweep
    per seed (default: one per input, its tangent all ones, the others zero;
    ``seeds`` is a list of tuples, one tangent or None per input) and one
    reverse sweep per output (seeded with ones).  ``names`` (a list) names the
    inputs; by default the parameter names of ``f``.  Nodes are numbered
    w1, w2, ... in topological order, inputs first, as in the write-ups.

    The dict has ``nodes`` (name, op, parents, value summary, module group),
    ``groups``, ``sweeps`` (each a list of ``steps``: node index, edges read,
    rule text with numbers, tangent or adjoint summary and full ``data``) and
    ``final`` (the gradient text, by the reverse rules even when ``modes`` is
    ``("fwd",)``, with 10 digits up to 64 numbers per input; for an output
    that is not a scalar, the gradient of its sum; and the sweep counts).

    Example::

        >>> rec = ya.viz.record(lambda w1, w2: w1 * w2 + ya.sin(w1), 2.0, 3.0)
        >>> rec['sweeps'][-1]['steps'][-1]['text'].startswith('w̄')
        True
    """
    modes = tuple(modes)
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad or not modes:
        raise ValueError(f"stepper: modes must be a non-empty subset of ('fwd', 'rev'), got {modes!r}")
    inputs, outs, nodes, calls = _trace(f, args)
    arg_names = list(names) if names is not None else _arg_names(f, len(inputs))
    if len(arg_names) != len(inputs):
        raise ValueError(f"stepper: names has {len(arg_names)} entries for {len(inputs)} inputs")
    val = _values(nodes)
    nm = {id(v): f"w{k + 1}" for k, v in enumerate(nodes)}
    index = {id(v): k for k, v in enumerate(nodes)}
    groups, group_of = _groups(nodes, calls)
    out_ids = {id(_root(o)) for o in outs}
    rec_nodes = []
    for k, v in enumerate(nodes):
        is_op = isinstance(v, GradNode)
        label = v.prim.name if is_op else "leaf"
        if k < len(inputs):
            label = "input" + ("" if arg_names[k] == nm[id(v)] else " " + arg_names[k])
        rec_nodes.append({
            "name": nm[id(v)], "op": label, "kind": "op" if is_op else ("input" if k < len(inputs)
                                                                         else "leaf"),
            "parents": [index[id(p)] for p in (v.parents if is_op else ()) if p is not None],
            "value": _summary(val[id(v)]), "group": group_of.get(id(v)),
            "output": id(v) in out_ids})

    sweeps, grads = [], []
    seed_rows = _seeds(seeds, inputs)
    if "fwd" in modes:
        for row in seed_rows:
            steps, tan = _forward(nodes, len(inputs), row, nm, val)
            for s in steps:
                s["reads"] = [index[r] for r in s["reads"]]
                if s["node"] is None:
                    s["node"] = index[s.pop("id")]
            seeded = [arg_names[j] for j, t in enumerate(row) if t is not None]
            outt = [tan.get(id(_root(o))) for o in outs]
            sweeps.append({"mode": "fwd", "label": "forward sweep, seed ẇ = 1 on " + ", ".join(seeded)
                           if seeds is None else "forward sweep, seed " + ", ".join(seeded),
                           "steps": steps,
                           "final": "; ".join(f"ẇ{_dotname(nm[id(_root(o))])} = "
                                              f"{_full(t)}" for o, t in zip(outs, outt))})
    for o in outs:                     # (without "rev" in modes: for the gradient text only)
        try:
            steps, adj = _reverse(nodes, o, nm, val)
        except TypeError:
            if "rev" in modes:
                raise
            grads = None                   # no reverse rule: the forward sweeps' results instead
            break
        for s in steps:
            s["node"] = index[s.pop("id")]
            s["reads"] = [index[r] for r in s["reads"]]
        on = nm[id(_root(o))]
        of = on if o._data.size == 1 else f"sum({on})"         # a seed of ones: sum's gradient
        grads.append("gradient: " + ", ".join(
            f"∂{of}/∂{a} = {_full(adj.get(id(x), np.zeros_like(x._data)))}"
            for a, x in zip(arg_names, inputs)))
        if "rev" in modes:
            sweeps.append({"mode": "rev", "label": f"reverse sweep from output {on}", "steps": steps,
                           "final": grads[-1]})
    n_in = sum(int(x._data.size) for x in inputs)
    n_out = sum(int(o._data.size) for o in outs)
    fewer = ("reverse mode needed fewer sweeps" if n_out < n_in else
             "forward mode needed fewer sweeps" if n_in < n_out else "both needed the same number")
    verdict = (f"For the full Jacobian, forward mode needs one sweep per input component "
               f"({n_in}) and reverse mode one per output component ({n_out}): {fewer} for this f.")
    gtext = " ".join(grads if grads is not None else [sw["final"] for sw in sweeps])
    return {"nodes": rec_nodes, "groups": groups, "collapse": len(nodes) > GROUP_OVER,
            "inputs": arg_names, "sweeps": sweeps,
            "final": {"gradient": gtext, "verdict": verdict, "n_in": n_in, "n_out": n_out}}


def _full(a):
    """A gradient in full (10 significant digits) up to 64 numbers, else its summary."""
    if a is None:
        return "0"
    a = np.asarray(a)
    if a.size == 1:
        return f"{float(np.real(a.reshape(()))):.10g}"
    if a.size <= 64:
        return "[" + ", ".join(f"{float(x):.10g}" for x in np.real(a).ravel()) + "]" + \
            (f" (shape {'×'.join(map(str, a.shape))})" if a.ndim > 1 else "")
    return _summary(a)["text"]


def stepper(f, *args, path="sweeps.html", modes=("fwd", "rev"), seeds=None, title=None):
    """Trace ``f(*args)`` once and write a self-contained HTML page that plays
    its forward and reverse sweeps step by step; returns ``path``.

    The page (no server, no network: scripts and styles inlined, opens from
    disk) draws the graph left to right with controls to play/pause, step
    forward/back, a slider, and a switch between the forward sweeps (one per
    seed direction: by default one per input, its tangent all ones) and the
    reverse sweeps (one per output, seeded with ones).  Each step highlights
    the node being computed and the edges it reads, shows the local rule with
    the numbers substituted (``ẇ4 = cos(w1)·ẇ1 = -0.4161·1 = -0.4161``,
    ``w̄1 += w̄4·cos(w1) = 1·(-0.4161) ...``) and fills in the value; the last
    frame of every sweep shows the full gradient and which mode needed fewer
    sweeps for this ``f``.  Tensors
    show their shape and min/mean/max (a small heatmap for 2-D); graphs of more
    than 60 nodes start with module internals collapsed into boxes, one per
    module call (or, in code without ``nn`` modules, per call of your own Python
    functions: their name scopes); click a box to open it.  ``modes`` is a subset of ``("fwd", "rev")``; ``seeds`` a list of
    tuples of tangents, one per input (None for zero).  The numbers are
    yaae's own: each primitive's JVP and VJP rules on the recorded values
    (see ``record``).  Not in PyTorch or JAX.

    The recorded step sequence, exactly ``record(f, *args, modes=modes,
    seeds=seeds)`` plus a ``title``, is embedded in the page as JSON in
    ``<script type="application/json" id="data">``, so it can be checked from
    Python::

        text = open(path, encoding="utf-8").read()
        m = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
        rec = json.loads(m.group(1))           # ("<\\/" in strings is JSON for "</")

    In the page, node ``i`` (``rec["nodes"][i]``) is the SVG group
    ``id="node-i"`` (class ``active`` at its step), the edges of the current
    step have class ``read``, the buttons are ``#play``, ``#back`` and
    ``#step``, the slider ``#slider``, the sweep switch ``#sweep``; at the
    last frame ``#grad`` holds the gradient and ``#verdict`` which mode needed
    fewer sweeps.

    Example::

        >>> ya.viz.stepper(lambda w1, w2: w1 * w2 + ya.sin(w1), 2.0, 3.0,
        ...                path='sweeps.html')                     # doctest: +SKIP
        'sweeps.html'
    """
    rec = record(f, *args, modes=modes, seeds=seeds)
    rec["title"] = title or "yaae: forward and reverse sweeps"
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(_VENDOR, encoding="utf-8") as fh:
        dagre = fh.read()
    data = json.dumps(rec, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    page = (_PAGE.replace("%TITLE%", html.escape(rec["title"]))
            .replace("%DAGRE%", dagre.replace("</script", "<\\/script"))
            .replace("%DATA%", data).replace("%APP%", _APP))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, path)
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>%TITLE%</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:12px;color:#222}
#bar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:8px}
#slider{width:320px}
#rule{font-family:Menlo,Consolas,monospace;font-size:15px;min-height:22px;padding:6px;background:#f4f4f4;border-radius:4px}
#final{margin-top:8px;padding:6px;border-left:4px solid #2a7;display:none}
#view{overflow:auto;max-height:75vh;border:1px solid #ddd;margin-top:8px}
svg{display:block;background:#fff}
.node rect{fill:#dae8fc;stroke:#555;stroke-width:1}
.node.op rect{fill:#fff2cc}
.node.done rect{stroke:#2a7;stroke-width:2}
.node.active rect{fill:#ffd966;stroke:#c00;stroke-width:3}
.node text{font-size:11px;font-family:Menlo,Consolas,monospace}
.group rect{fill:#eef;stroke:#88a;stroke-dasharray:4 3}
.group.closed rect{fill:#e1d5e7;stroke:#555;stroke-dasharray:none}
.group text{font-size:11px;fill:#446}
.edge{stroke:#999;stroke-width:1.2;fill:none}
.edge.read{stroke:#c00;stroke-width:3}
</style></head><body>
<h2>%TITLE%</h2>
<div id="bar">
<select id="sweep"></select>
<button id="play">play</button>
<button id="back">step back</button>
<button id="step">step</button>
<input id="slider" type="range" min="0" value="0">
<span id="frame"></span>
</div>
<div id="rule"></div>
<div id="final"><div id="grad"></div><div id="full"></div><div id="verdict"></div></div>
<div id="view"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></div>
<script>%DAGRE%</script>
<script type="application/json" id="data">%DATA%</script>
<script>%APP%</script>
</body></html>
"""

_APP = r"""
"use strict";
const R = JSON.parse(document.getElementById("data").textContent);
const NS = "http://www.w3.org/2000/svg";
const closed = new Set();
if (R.collapse) R.groups.forEach(g => closed.add(g.id));   // opening a box shows its children closed
let sw = 0, frame = 0, timer = null;
const widest = R.nodes.map(n => Math.max((n.name + "  " + n.op).length, n.value.text.length + 2, 5));
R.sweeps.forEach(s => s.steps.forEach(st => {      // a node's box fits all its frames: no jumping
  const t = st.tangent || st.adjoint;
  widest[st.node] = Math.max(widest[st.node], t.text.length + 4);
}));
const $ = id => document.getElementById(id);
function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function shownGroup(g) {           // the outermost closed group holding group g, or null
  let out = null;
  for (let x = g; x !== null && x !== undefined; x = R.groups[x].parent) if (closed.has(x)) out = x;
  return out;
}
function rep(i) {                  // what node i is drawn as: "n<i>" or "g<j>" (a closed box)
  const g = R.nodes[i].group;
  const c = g === null || g === undefined ? null : shownGroup(g);
  return c === null ? "n" + i : "g" + c;
}
function labelOf(i, state) {
  const n = R.nodes[i], mode = R.sweeps[sw].mode;
  const lines = [n.name + "  " + n.op, "= " + n.value.text];
  const s = state[i];
  lines.push((mode === "fwd" ? "ẇ = " : "w̄ = ") + (s ? s.text : "·"));
  return lines;
}
function state() {                 // node -> its tangent/adjoint summary after `frame` steps
  const st = {}, steps = R.sweeps[sw].steps;
  for (let k = 0; k < frame; k++) st[steps[k].node] = steps[k][R.sweeps[sw].mode === "fwd" ? "tangent" : "adjoint"];
  return st;
}
function render() {
  const svg = $("graph");
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const steps = R.sweeps[sw].steps, st = state();
  const cur = frame > 0 ? steps[frame - 1] : null;
  const g = new dagre.graphlib.Graph({compound: true, multigraph: false});
  g.setGraph({rankdir: "LR", nodesep: 18, ranksep: 50, marginx: 10, marginy: 10});
  g.setDefaultEdgeLabel(() => ({}));
  const drawn = {};
  R.nodes.forEach((n, i) => {
    const r = rep(i);
    if (r[0] === "n") {
      const lines = labelOf(i, st);
      const w = 14 + 7 * widest[i] + (n.value.heat ? 48 : 0);     // (room for the heatmap)
      drawn[r] = {lines: lines, i: i};
      g.setNode(r, {width: w, height: 10 + 14 * lines.length});
      const grp = n.group;
      if (grp !== null && grp !== undefined) g.setParent(r, "c" + grp);
    } else if (!drawn[r]) {
      const j = +r.slice(1), gr = R.groups[j];
      const count = R.nodes.filter((m, k) => rep(k) === r).length;
      drawn[r] = {lines: ["▸ " + gr.name, count + " ops (click)"], group: j};
      g.setNode(r, {width: 14 + 7 * Math.max(gr.name.length + 2, 14), height: 38});
      if (gr.parent !== null) g.setParent(r, "c" + gr.parent);
    }
  });
  R.groups.forEach(gr => {
    if (shownGroup(gr.id) === null) {
      g.setNode("c" + gr.id, {label: gr.name, clusterLabelPos: "top"});
      if (gr.parent !== null) g.setParent("c" + gr.id, "c" + gr.parent);
    }
  });
  const edges = [];
  R.nodes.forEach((n, i) => n.parents.forEach(p => {
    const a = rep(p), b = rep(i);
    if (a !== b && !g.hasEdge(a, b)) { g.setEdge(a, b); edges.push([a, b, p, i]); }
  }));
  R.groups.forEach(gr => { if (g.hasNode("c" + gr.id) && !g.children("c" + gr.id).length) g.removeNode("c" + gr.id); });
  dagre.layout(g);
  const gg = g.graph();
  svg.setAttribute("width", gg.width + 20); svg.setAttribute("height", gg.height + 20);
  R.groups.forEach(gr => {
    const id = "c" + gr.id;
    if (!g.hasNode(id)) return;
    const b = g.node(id);
    const e = el("g", {class: "group", id: "group-" + gr.id}, svg);
    el("rect", {x: b.x - b.width / 2, y: b.y - b.height / 2, width: b.width, height: b.height, rx: 6}, e);
    const t = el("text", {x: b.x - b.width / 2 + 6, y: b.y - b.height / 2 + 12}, e);
    t.textContent = "▾ " + gr.name;
    e.addEventListener("click", ev => { if (ev.target === t) { closed.add(gr.id); render(); } });
  });
  const reads = new Set();          // the edges of the step: into the node (forward) or out of it (reverse)
  if (cur) cur.reads.forEach(r => { reads.add(rep(r) + ">" + rep(cur.node)); reads.add(rep(cur.node) + ">" + rep(r)); });
  edges.forEach(([a, b]) => {
    const pts = g.edge(a, b).points;
    el("path", {class: "edge" + (reads.has(a + ">" + b) ? " read" : ""), id: "edge-" + a + "-" + b,
      d: "M" + pts.map(p => p.x + "," + p.y).join("L"), "marker-end": "url(#arrow)"}, svg);
  });
  const defs = el("defs", {}, svg);
  const m = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto"}, defs);
  el("path", {d: "M0,0L10,5L0,10z", fill: "#777"}, m);
  for (const r in drawn) {
    const d = drawn[r], b = g.node(r);
    let cls = "node";
    if (d.group !== undefined) cls = "node group closed";
    else { if (R.nodes[d.i].kind === "op") cls += " op"; if (st[d.i]) cls += " done"; }
    if (cur && rep(cur.node) === r) cls += " active";
    const e = el("g", {class: cls, id: d.group !== undefined ? "box-" + d.group : "node-" + d.i}, svg);
    el("rect", {x: b.x - b.width / 2, y: b.y - b.height / 2, width: b.width, height: b.height, rx: 5}, e);
    d.lines.forEach((l, k) => {
      const t = el("text", {x: b.x - b.width / 2 + 7, y: b.y - b.height / 2 + 16 + 14 * k}, e);
      t.textContent = l;
    });
    const heat = d.i !== undefined ? (st[d.i] && st[d.i].heat) || R.nodes[d.i].value.heat : null;
    if (heat && d.group === undefined) {
      const rows = heat.length, cols = heat[0].length, px = Math.max(2, Math.floor(Math.min(40 / cols, (b.height - 6) / rows)));
      const hx = b.x + b.width / 2 - 46, hy = b.y - rows * px / 2;
      heat.forEach((row, a) => row.forEach((v, c) => el("rect", {x: hx + c * px, y: hy + a * px, width: px, height: px,
        class: "cell", style: "fill:rgb(" + Math.round(255 * v) + ",80," + Math.round(255 * (1 - v)) + ");stroke:none"}, e)));
    }
    if (d.group !== undefined) e.addEventListener("click", () => { closed.delete(d.group); render(); });
  }
  const act = svg.querySelector(".active");
  if (act) {                       // keep the active node in view; the controls stay put
    const v = $("view"), b = act.getBBox();
    if (b.x < v.scrollLeft || b.x + b.width > v.scrollLeft + v.clientWidth) v.scrollLeft = b.x + b.width / 2 - v.clientWidth / 2;
    if (b.y < v.scrollTop || b.y + b.height > v.scrollTop + v.clientHeight) v.scrollTop = b.y + b.height / 2 - v.clientHeight / 2;
  }
  $("rule").textContent = cur ? cur.text : "press step (or play) to start the " + R.sweeps[sw].label;
  $("slider").max = steps.length; $("slider").value = frame;
  $("frame").textContent = "step " + frame + " / " + steps.length;
  const fin = frame === steps.length;
  $("final").style.display = fin ? "block" : "none";
  $("grad").textContent = fin ? R.final.gradient : "";
  $("full").textContent = fin && R.sweeps[sw].final !== R.final.gradient ? "this sweep: " + R.sweeps[sw].final : "";
  $("verdict").textContent = fin ? R.final.verdict : "";
}
function go(k) { frame = Math.max(0, Math.min(R.sweeps[sw].steps.length, k)); render(); }
R.sweeps.forEach((s, i) => { const o = document.createElement("option"); o.value = i; o.textContent = s.label; $("sweep").appendChild(o); });
$("sweep").addEventListener("change", e => { sw = +e.target.value; go(0); });
$("step").addEventListener("click", () => go(frame + 1));
$("back").addEventListener("click", () => go(frame - 1));
$("slider").addEventListener("input", e => go(+e.target.value));
$("play").addEventListener("click", () => {
  if (timer) { clearInterval(timer); timer = null; $("play").textContent = "play"; return; }
  if (frame === R.sweeps[sw].steps.length) go(0);
  $("play").textContent = "pause";
  timer = setInterval(() => { if (frame >= R.sweeps[sw].steps.length) { $("play").click(); } else go(frame + 1); }, 900);
});
render();
"""
