"""The write-ups' example graph, before and after backward: ``yaae demo graph``.

    w1 = 2, w2 = 3, w3 = w1*w2, w4 = sin(w1), w5 = w3 + w4

Writes ``graph_before.dot/.png`` (values only) and ``graph_after.dot/.png``
(values and gradients, after ``w5.backward()``), rendered by Graphviz's
``dot`` through ``yaae.viz.draw``.  Without ``dot`` the ``.dot`` files are
still written and the PNGs are drawn with matplotlib (a simple layered
drawing), so the demo never fails for want of Graphviz.

Metrics: w5, dw5/dw1 (= cos 2 + 3) and dw5/dw2 (= 2).
"""
import math
import os
import re
import shutil

from ._common import output, plt, savefig, write_text

_NODE = re.compile(r'^\s*(\w+)\s*\[label="((?:[^"\\]|\\.)*)"(.*)\];\s*$')
_EDGE = re.compile(r'^\s*(\w+)\s*->\s*(\w+)\s*(\[.*\])?;\s*$')
_ATTR = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s\]]+)')


def parse_dot(text):
    """The nodes ``{id: (label, attrs)}`` and edges ``[(a, b, attrs)]`` of the DOT
    text ``yaae.viz.to_dot`` writes (one statement per line)."""
    nodes, edges = {}, []
    for line in text.splitlines():
        m = _NODE.match(line)
        if m:
            label = re.sub(r"\\(.)", lambda k: "\n" if k.group(1) == "n" else k.group(1),
                           m.group(2))
            attrs = {k: v.strip('"') for k, v in _ATTR.findall(m.group(3))}
            nodes[m.group(1)] = (label, attrs)
            continue
        m = _EDGE.match(line)
        if m:
            attrs = {k: v.strip('"') for k, v in _ATTR.findall(m.group(3) or "")}
            edges.append((m.group(1), m.group(2), attrs))
    return nodes, edges


def draw_with_matplotlib(dot_text, path, title=None):
    """A layered drawing of ``dot_text`` (from ``to_dot``) with matplotlib:
    inputs on top, data flowing down, as ``dot`` would lay it out."""
    pyplot = plt()
    nodes, edges = parse_dot(dot_text)
    parents = {k: [] for k in nodes}
    for a, b, _ in edges:
        parents.setdefault(b, []).append(a)
    layer = {}

    def depth(v, stack=()):
        if v not in layer:
            ps = [p for p in parents.get(v, []) if p not in stack]
            layer[v] = 1 + max((depth(p, stack + (v,)) for p in ps), default=-1)
        return layer[v]
    for v in nodes:
        depth(v)
    rows = {}
    for v in nodes:
        rows.setdefault(layer[v], []).append(v)
    n_rows = max(rows) + 1 if rows else 1
    width = max((len(r) for r in rows.values()), default=1)
    # order each row by the mean position of its parents (fewer crossings)
    pos = {}
    for r in sorted(rows):
        vs = rows[r]
        if r > 0:
            vs.sort(key=lambda v: sum(pos[p][0] for p in parents.get(v, []) if p in pos)
                    / max(1, len([p for p in parents.get(v, []) if p in pos])))
        for i, v in enumerate(vs):
            pos[v] = ((i + 0.5) / len(vs) * width, n_rows - 1 - r)

    fig, ax = pyplot.subplots(figsize=(2.2 * width + 1, 1.6 * n_rows + 0.8))
    boxes = {}
    for v, (label, attrs) in nodes.items():
        shape = attrs.get("shape", "box")
        style = attrs.get("style", "")
        fc = attrs.get("fillcolor", "white")
        if shape == "plaintext":
            bbox = None
        elif shape == "ellipse":
            bbox = dict(boxstyle="ellipse,pad=0.3", fc=fc, ec="black")
        elif "rounded" in style:
            bbox = dict(boxstyle="round,pad=0.4", fc=fc, ec="black")
        else:
            bbox = dict(boxstyle="square,pad=0.4", fc=fc, ec="black")
        boxes[v] = ax.text(*pos[v], label, ha="center", va="center", fontsize=10,
                           bbox=bbox, zorder=3)
    for a, b, attrs in edges:
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="black", lw=1.2,
                                    ls="--" if attrs.get("style") == "dashed" else "-",
                                    patchA=boxes[a].get_bbox_patch(),
                                    patchB=boxes[b].get_bbox_patch(),
                                    shrinkA=2, shrinkB=2))
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(-0.7, n_rows - 0.3)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    savefig(fig, path, dpi=110)
    pyplot.close(fig)
    return path


def example_graph():
    """The write-ups' graph: (w1, w2, w3, w4, w5) as Tensors."""
    import yaae as ya
    w1 = ya.Tensor(2.0, requires_grad=True)
    w2 = ya.Tensor(3.0, requires_grad=True)
    w3 = w1 * w2
    w4 = ya.sin(w1)
    w5 = w3 + w4
    return w1, w2, w3, w4, w5


def _render(tensor, names, out, stem, title):
    """Write ``stem.dot`` and ``stem.png``; returns (renderer used, why not dot)."""
    import yaae as ya
    dot_path = os.path.join(out, stem + ".dot")
    png_path = os.path.join(out, stem + ".png")
    text = ya.viz.to_dot(tensor, names=names)
    write_text(dot_path, text)
    if shutil.which("dot") is None:      # (viz.draw would leave a .dot beside its temp file)
        reason = "Graphviz's 'dot' program was not found"
    else:
        try:
            with output(png_path, suffix=".png") as tmp:    # dot goes by the extension
                ya.viz.draw(tensor, tmp, names=names)
            return "graphviz", None
        except ya.viz.GraphvizNotFound:
            reason = "Graphviz's 'dot' program was not found"
        except RuntimeError as e:        # dot is there but failed: still draw something
            reason = f"Graphviz's 'dot' failed ({str(e).strip().splitlines()[-1]})"
    draw_with_matplotlib(text, png_path, title=title)
    return "matplotlib", reason


def run(out, seed=0, epochs=None, quiet=False):
    w1, w2, w3, w4, w5 = example_graph()
    names = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5}
    r1, why1 = _render(w5, names, out, "graph_before", "before backward: values")
    for t in (w3, w4, w5):
        t.retain_grad()
    w5.backward(retain_graph=True)
    r2, why2 = _render(w5, names, out, "graph_after", "after backward: values and gradients")
    renderer = "graphviz" if r1 == r2 == "graphviz" else "matplotlib"
    if renderer == "matplotlib":
        print(f"graph: {why1 or why2}, so the .dot files were written and the PNGs drawn "
              f"with matplotlib instead (install Graphviz, e.g. 'apt-get install graphviz' "
              f"or 'brew install graphviz', for dot's rendering)", flush=True)
    d1, d2 = w1.grad.item(), w2.grad.item()
    exact1, exact2 = math.cos(2.0) + 3.0, 2.0
    if not quiet:
        print(f"graph: wrote graph_before.dot/.png and graph_after.dot/.png in {out}")
    return {
        "w5": w5.item(),
        "dw5_dw1": d1,
        "dw5_dw2": d2,
        "dw5_dw1_exact": exact1,
        "max_abs_error": max(abs(d1 - exact1), abs(d2 - exact2)),
        "renderer": renderer,
    }
