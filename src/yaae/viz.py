"""Pictures of the computation graph.

``to_dot(tensor)`` returns the graph that produced ``tensor`` as Graphviz DOT
text: one node per value (the op that made it, its shape, or its value for a
scalar, and its gradient once a backward has reached it), leaves and
parameters drawn differently from computed values, edges in the direction
data flows.  ``draw(tensor, path)`` renders it with Graphviz's ``dot``.

Intermediate values and gradients are shown where they still exist: after a
``backward()`` the graph's buffers are released unless ``retain_graph=True``,
and intermediates keep ``.grad`` only after ``retain_grad()``.
"""
import collections
import os
import shutil
import subprocess

import numpy as np

from .tensor import Tensor, GradNode

__all__ = ["to_dot", "draw", "GraphvizNotFound", "stepper", "record"]


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is not installed.

    Raised by ``draw`` when ``dot`` is missing; the message says how to install Graphviz.
    """


def _fmt(a, precision):
    if not isinstance(a, (np.ndarray, np.generic, int, float)):   # a graph kept only the shape
        return "shape " + "×".join(str(s) for s in a.shape)
    a = np.asarray(a)
    if a.size == 1:
        return f"{float(a.reshape(())):.{precision}g}"
    return "shape " + "×".join(str(s) for s in a.shape) if a.ndim else "()"


def _esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _name_map(names, params):
    """id(tensor or node) -> display name."""
    out = {}
    items = []
    for src in (params, names):
        if src is None:
            continue
        if hasattr(src, "named_parameters"):
            src = dict(src.named_parameters())
        items += list(src.items())
    for name, t in items:
        if isinstance(t, Tensor):
            out[id(t._node) if t._node is not None else id(t)] = str(name)
    return out


def to_dot(tensor, names=None, params=None, max_depth=None, precision=8, rankdir="TB"):
    """The graph behind ``tensor`` as Graphviz DOT text.

    ``names`` (dict name -> Tensor) and ``params`` (a dict, or a Module whose
    ``named_parameters()`` are used) label values by name.  ``max_depth``
    caps how many steps back from ``tensor`` are drawn; what lies beyond is
    collapsed into one node per cut edge saying how many values it hides.

    Example::

        >>> x = ya.tensor(2.0, requires_grad=True)
        >>> dot = ya.viz.to_dot(x * ya.sin(x), names={'x': x})
        >>> dot.startswith('digraph')
        True
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    labels = _name_map(names, params)
    param_ids = set(labels) if params is not None else set()
    if params is not None and names is not None:
        param_ids = set(_name_map(None, params))

    root = tensor._node if tensor._node is not None else tensor
    ids = {}
    lines = ["digraph yaae {", f'  rankdir={rankdir};',
             '  node [fontname="Helvetica", fontsize=11];']
    edges = []
    depth = {id(root): 0}
    order = []
    stack = collections.deque([root])
    seen = {id(root)}
    hidden = {}
    while stack:                      # breadth-first from the output back to the leaves,
        v = stack.popleft()           # so depth[] is each value's shortest distance
        order.append(v)
        if isinstance(v, GradNode):
            for p in v.parents:
                if p is None:
                    continue
                d = depth[id(v)] + 1
                if max_depth is not None and d > max_depth and id(p) not in seen:
                    hidden.setdefault(id(v), []).append(p)
                    continue
                edges.append((p, v))
                if id(p) not in seen:
                    seen.add(id(p))
                    depth[id(p)] = d
                    stack.append(p)

    def nid(v):
        if id(v) not in ids:
            ids[id(v)] = f"n{len(ids)}"
        return ids[id(v)]

    for v in reversed(order):
        name = labels.get(id(v))
        if isinstance(v, GradNode):
            parts = [name] if name else []
            parts.append(v.prim.name)
            if v.ans is not None:
                parts.append(_fmt(v.ans, precision))
            t = v.retained() if v.retained is not None else None
            if t is not None and t.grad is not None:
                parts.append("grad " + _fmt(t.grad._data, precision))
            is_out = v is root
            if is_out and tensor.grad is not None and not parts[-1].startswith("grad"):
                parts.append("grad " + _fmt(tensor.grad._data, precision))
            attrs = 'shape=box, style="rounded,filled", fillcolor="#fff2cc"'
        else:
            parts = [name] if name else []
            parts.append(_fmt(v._data, precision))
            if v.grad is not None:
                parts.append("grad " + _fmt(v.grad._data, precision))
            if id(v) in param_ids or type(v).__name__ == "Parameter":
                attrs = 'shape=box, style=filled, fillcolor="#d5e8d4"'
            else:
                attrs = 'shape=ellipse, style=filled, fillcolor="#dae8fc"'
        label = "\\n".join(_esc(p) for p in parts)
        lines.append(f'  {nid(v)} [label="{label}", {attrs}];')
    k = 0
    for vid, ps in hidden.items():
        for p in ps:
            count = _count_upstream(p, drawn=seen)
            hid = f"h{k}"
            k += 1
            lines.append(f'  {hid} [label="… {count} more", shape=plaintext];')
            lines.append(f"  {hid} -> {ids[vid]} [style=dashed];")
    for p, v in edges:
        lines.append(f"  {nid(p)} -> {nid(v)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _count_upstream(v, drawn=()):
    """How many values lie at or above ``v``, not counting those ``drawn``."""
    seen = {id(v)}
    stack = [v]
    while stack:
        u = stack.pop()
        if isinstance(u, GradNode):
            for p in u.parents:
                if p is not None and id(p) not in seen and id(p) not in drawn:
                    seen.add(id(p))
                    stack.append(p)
    return len(seen)


def draw(tensor, path, **kw):
    """Render ``to_dot(tensor, **kw)`` to ``path`` (.svg, .png or .pdf, by its
    extension) with Graphviz's ``dot``.  Without ``dot``, writes the ``.dot``
    file beside ``path`` and raises ``GraphvizNotFound`` saying how to install it.

    Example::

        >>> x = ya.tensor(2.0, requires_grad=True)
        >>> ya.viz.draw(x * ya.sin(x), 'graph.svg')    # needs Graphviz's dot  # doctest: +SKIP
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"draw: unsupported extension '.{ext}' for {path!r} "
                         f"(use .svg, .png, .pdf or .dot)")
    dot = to_dot(tensor, **kw)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    if ext == "dot":
        with open(path, "w") as f:
            f.write(dot)
        return path
    exe = shutil.which("dot")
    if exe is None:
        dot_path = os.path.splitext(path)[0] + ".dot"
        with open(dot_path, "w") as f:
            f.write(dot)
        raise GraphvizNotFound(
            f"draw: the Graphviz 'dot' program is not installed, so {path!r} was not "
            f"rendered; the graph was written to {dot_path!r}. Install Graphviz "
            f"(e.g. 'apt-get install graphviz', 'brew install graphviz' or "
            f"'conda install graphviz') and try again.")
    res = subprocess.run([exe, f"-T{ext}", "-o", path], input=dot.encode(),
                         capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(f"draw: dot failed on {path!r}: {res.stderr.decode(errors='replace')}")
    return path


from .viz_stepper import stepper, record  # noqa: E402  (the step-through page of the sweeps)
