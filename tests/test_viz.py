"""yaae.viz: the computation graph as DOT text (parsed back here) and rendered by dot."""
import math
import re
import shutil

import numpy as np
import pytest
from PIL import Image

import yaae as ya
from yaae import nn
from yaae.viz import GraphvizNotFound

# ---- a small parser for the DOT that to_dot writes -----------------------------------------
_NODE = re.compile(r'^\s*(\w+)\s*\[label="((?:[^"\\]|\\.)*)"\s*(?:,\s*(.*))?\]\s*;?\s*$')
_EDGE = re.compile(r'^\s*(\w+)\s*->\s*(\w+)\s*(?:\[(.*)\])?\s*;?\s*$')
_ATTR = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s\]]+)')
_NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|nan)$")


def _attrs(text):
    return {k: v.strip('"') for k, v in _ATTR.findall(text or "")}


def parse_dot(text):
    """(nodes, edges): nodes {id: {"lines": [...], "attrs": {...}}}, edges [(a, b, attrs)].
    Fails on any statement it does not understand, so nothing slips through."""
    lines = text.strip().splitlines()
    assert re.match(r"^\s*digraph\s+\w+\s*\{\s*$", lines[0]), lines[0]
    assert lines[-1].strip() == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        s = line.strip()
        if not s or re.match(r"^(rankdir|node|edge|graph)\b", s):
            continue
        m = _EDGE.match(s)
        if m:
            edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
            continue
        m = _NODE.match(s)
        assert m, f"unparsed DOT statement: {s!r}"
        label = m.group(2).replace('\\"', '"')
        parts = [p.replace("\\\\", "\\") for p in label.split("\\n")]
        assert m.group(1) not in nodes, f"node {m.group(1)} defined twice"
        nodes[m.group(1)] = {"lines": parts, "attrs": _attrs(m.group(3))}
    for a, b, _ in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} names an undefined node"
    return nodes, edges


def value_of(node):
    """The first line of the label that is a number (the value of a scalar)."""
    for p in node["lines"]:
        if _NUM.match(p.strip()):
            return float(p)
    return None


def grad_of(node):
    for p in node["lines"]:
        if p.startswith("grad "):
            return float(p[5:])
    return None


def close(a, b, tol=1e-7):
    return a is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ---- the write-ups' example graph ----------------------------------------------------------
def example():
    w1 = ya.Tensor(2.0, requires_grad=True)
    w2 = ya.Tensor(3.0, requires_grad=True)
    w3 = w1 * w2
    w4 = ya.sin(w1)
    w5 = w3 + w4
    return w1, w2, w3, w4, w5


VALUES = {"w1": 2.0, "w2": 3.0, "w3": 6.0, "w4": math.sin(2.0), "w5": 6.0 + math.sin(2.0)}
GRADS = {"w1": math.cos(2.0) + 3.0, "w2": 2.0, "w3": 1.0, "w4": 1.0, "w5": 1.0}
EDGES = {("w1", "w3"), ("w2", "w3"), ("w1", "w4"), ("w3", "w5"), ("w4", "w5")}


def identify(nodes, tol=1e-7):
    """Map each DOT node to w1..w5 by its value; each value must match exactly one node."""
    who = {}
    for name, v in VALUES.items():
        hits = [nid for nid, nd in nodes.items() if close(value_of(nd), v, tol)]
        assert len(hits) == 1, f"value {v} of {name} found on nodes {hits}: {nodes}"
        who[hits[0]] = name
    return who


def check_structure(dot, tol=1e-7):
    nodes, edges = parse_dot(dot)
    assert len(nodes) == 5, nodes
    who = identify(nodes, tol)
    assert set(who) == set(nodes)
    named_edges = [(who[a], who[b]) for a, b, _ in edges]
    assert len(named_edges) == 5 and set(named_edges) == EDGES, named_edges
    byname = {who[k]: v for k, v in nodes.items()}
    return byname


def test_example_graph_before_backward():
    w1, w2, w3, w4, w5 = example()
    dot = ya.viz.to_dot(w5)
    assert dot.lstrip().startswith("digraph")
    n = check_structure(dot)
    # the ops that made the computed values are named
    assert any("mul" in p for p in n["w3"]["lines"]), n["w3"]
    assert "sin" in n["w4"]["lines"], n["w4"]
    assert "add" in n["w5"]["lines"], n["w5"]
    assert not any("mul" in p or "sin" in p or "add" in p
                   for k in ("w1", "w2") for p in n[k]["lines"])
    # no gradient before backward
    assert all(grad_of(v) is None for v in n.values()), n


def test_leaves_and_ops_look_different():
    *_, w5 = example()
    n = check_structure(ya.viz.to_dot(w5))
    leaf = [n["w1"]["attrs"], n["w2"]["attrs"]]
    ops = [n[k]["attrs"] for k in ("w3", "w4", "w5")]
    assert leaf[0] == leaf[1]
    assert ops[0] == ops[1] == ops[2]
    assert leaf[0] != ops[0]
    # and differ in a visible attribute (shape or style or colour), not only in a comment
    assert any(leaf[0].get(a) != ops[0].get(a) for a in ("shape", "style", "fillcolor"))


def test_example_graph_after_backward_has_gradients():
    w1, w2, w3, w4, w5 = example()
    for t in (w3, w4, w5):
        t.retain_grad()
    w5.backward(retain_graph=True)
    n = check_structure(ya.viz.to_dot(w5))
    for k, g in GRADS.items():
        assert close(grad_of(n[k]), g), (k, n[k], g)
    # values are still there next to the gradients
    for k, v in VALUES.items():
        assert close(value_of(n[k]), v), (k, n[k])


def test_precision_option():
    w1, w2, w3, w4, w5 = example()
    for t in (w3, w4, w5):
        t.retain_grad()
    w5.backward(retain_graph=True)
    n = check_structure(ya.viz.to_dot(w5, precision=17), tol=1e-15)
    for k, g in GRADS.items():
        assert close(grad_of(n[k]), g, 1e-15), (k, n[k], g)
    short = parse_dot(ya.viz.to_dot(w5, precision=3))[0]
    vals = sorted(value_of(v) for v in short.values())
    assert vals == sorted([2.0, 3.0, 6.0, 0.909, 6.91])


def test_names_label_the_nodes():
    w1, w2, w3, w4, w5 = example()
    names = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5}
    n = check_structure(ya.viz.to_dot(w5, names=names))
    for k, nd in n.items():
        assert k in nd["lines"], (k, nd)


def test_edges_follow_the_data():
    *_, w5 = example()
    nodes, edges = parse_dot(ya.viz.to_dot(w5))
    targets = {b for _, b, _ in edges}
    sources = {a for a, _, _ in edges}
    who = identify(nodes)
    # leaves only feed, the output only receives
    assert {who[k] for k in nodes if k not in targets} == {"w1", "w2"}
    assert {who[k] for k in nodes if k not in sources} == {"w5"}


def test_to_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="Tensor"):
        ya.viz.to_dot(np.ones(3))


# ---- parameters of a module ------------------------------------------------------------------
def _model_graph():
    ya.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = ya.Tensor(np.arange(8.0).reshape(4, 2) / 8, requires_grad=True)
    y = ya.sum(model(x))
    return model, x, y


@pytest.mark.parametrize("how", ["module", "dict"])
def test_parameter_names(how):
    model, x, y = _model_graph()
    params = model if how == "module" else dict(model.named_parameters())
    nodes, edges = parse_dot(ya.viz.to_dot(y, params=params))
    first = {nd["lines"][0]: nid for nid, nd in nodes.items()}
    expect = {"0.weight": (3, 2), "0.bias": (3,), "2.weight": (1, 3), "2.bias": (1,)}
    for name, shape in expect.items():
        assert name in first, (name, [nd["lines"] for nd in nodes.values()])
        nd = nodes[first[name]]
        text = " ".join(nd["lines"][1:])
        if math.prod(shape) > 1:     # shape shown for arrays, value for one-element ones
            assert re.search(r"\D".join(str(s) for s in shape), text), (name, nd)
        # parameters feed the graph
        assert any(a == first[name] for a, _, _ in edges), name
    # the input leaf (no name), parameters and ops are three different looks
    param_attrs = {tuple(sorted(nodes[first[k]]["attrs"].items())) for k in expect}
    assert len(param_attrs) == 1
    x_nodes = [nid for nid, nd in nodes.items()
               if nd["lines"][0] not in expect and not any(a == nid for _, a, _ in edges)]
    assert len(x_nodes) == 1, x_nodes           # the input x: a leaf, not a parameter
    x_attrs = tuple(sorted(nodes[x_nodes[0]]["attrs"].items()))
    op_attrs = {tuple(sorted(nd["attrs"].items())) for nid, nd in nodes.items()
                if any(b == nid for _, b, _ in edges)}
    assert len(op_attrs) == 1
    assert len({x_attrs, *param_attrs, *op_attrs}) == 3
    # the last op is the sum, with the output value
    assert abs(value_of(nodes[[k for k in nodes if not any(a == k for a, _, _ in edges)][0]])
               - y.item()) < 1e-6


def test_parameter_gradients_after_backward():
    model, x, y = _model_graph()
    y.backward()
    nodes, _ = parse_dot(ya.viz.to_dot(y, params=model))
    first = {nd["lines"][0]: nd for nd in nodes.values()}
    # 2.bias has one element: its gradient is d sum / d b = batch size 4
    assert close(grad_of(first["2.bias"]), 4.0)
    assert any(p.startswith("grad") for p in first["0.weight"]["lines"])


# ---- max_depth ---------------------------------------------------------------------------------
def test_max_depth_collapses_a_long_chain():
    x = ya.Tensor(0.5, requires_grad=True)
    t = x
    for _ in range(60):
        t = ya.sin(t)
    full_nodes, full_edges = parse_dot(ya.viz.to_dot(t))
    assert len(full_nodes) == 61 and len(full_edges) == 60
    nodes, edges = parse_dot(ya.viz.to_dot(t, max_depth=3))
    assert len(nodes) <= 6, nodes
    values = [nid for nid, nd in nodes.items() if value_of(nd) is not None]
    assert len(values) == 4                         # the output and three steps back
    assert any(close(value_of(nodes[v]), t.item()) for v in values)
    collapsed = [nd for nid, nd in nodes.items() if nid not in values]
    assert len(collapsed) == 1
    # it says how many values it hides: 61 - 4
    assert re.search(r"\b57\b", " ".join(collapsed[0]["lines"])), collapsed
    assert len(edges) == 4                          # 3 chain edges + 1 to the collapsed part


def test_max_depth_keeps_edges_between_drawn_nodes():
    # a = exp(x) is two steps from the output through cos, four through a chain of sins:
    # with max_depth=3 it is drawn, and so is its edge into the chain (nothing is hidden)
    x = ya.Tensor(1.0, requires_grad=True)
    a = ya.exp(x)
    c = a
    for _ in range(3):
        c = ya.sin(c)
    out = ya.cos(a) + c
    nodes, edges = parse_dot(ya.viz.to_dot(out, max_depth=3, names={"a": a, "x": x}))
    full = parse_dot(ya.viz.to_dot(out, names={"a": a, "x": x}))
    assert len(nodes) == len(full[0]) == 7, nodes
    assert len(edges) == len(full[1]) == 7, edges
    first = {nd["lines"][0]: nid for nid, nd in nodes.items()}
    assert sum(1 for a_, _, _ in edges if a_ == first["a"]) == 2     # into cos and the chain
    assert not any("more" in " ".join(nd["lines"]) for nd in nodes.values())


def test_max_depth_counts_only_what_it_hides():
    # out = sin^4(a) + a: with max_depth=2 two sins are cut; a and x are drawn and
    # must not be counted among the hidden values
    x = ya.Tensor(1.0, requires_grad=True)
    a = ya.exp(x)
    b = a
    for _ in range(4):
        b = ya.sin(b)
    out = b + a
    nodes, edges = parse_dot(ya.viz.to_dot(out, max_depth=2, names={"a": a, "x": x}))
    first = {nd["lines"][0]: nid for nid, nd in nodes.items()}
    assert (first["x"], first["a"]) in {(p, q) for p, q, _ in edges}
    assert sum(1 for nd in nodes.values() if nd["lines"][0] == "a") == 1
    collapsed = [nd for nd in nodes.values() if value_of(nd) is None]
    assert len(collapsed) == 1
    assert re.search(r"\b2 more\b", collapsed[0]["lines"][0]), collapsed


def test_max_depth_none_and_large_show_everything():
    *_, w5 = example()
    assert ya.viz.to_dot(w5, max_depth=None) == ya.viz.to_dot(w5, max_depth=10)
    check_structure(ya.viz.to_dot(w5, max_depth=2))
    nodes, _ = parse_dot(ya.viz.to_dot(w5, max_depth=0))
    assert len(nodes) == 3          # just w5, and one collapsed node per cut edge


# ---- draw --------------------------------------------------------------------------------------
def test_dot_is_installed():
    # the rendering tests below need Graphviz; this machine has it and they must not skip
    assert shutil.which("dot") is not None


def test_draw_svg_png_pdf(tmp_path):
    *_, w5 = example()
    svg = ya.viz.draw(w5, tmp_path / "g.svg")
    png = ya.viz.draw(w5, tmp_path / "g.png")
    pdf = ya.viz.draw(w5, str(tmp_path / "sub" / "g.pdf"))
    assert str(svg).endswith("g.svg")
    text = (tmp_path / "g.svg").read_text()
    assert "<svg" in text and "</svg>" in text and "sin" in text
    data = (tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(tmp_path / "g.png") as im:
        im.verify()
    with Image.open(tmp_path / "g.png") as im:
        assert im.size[0] > 50 and im.size[1] > 50
    assert (tmp_path / "sub" / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "sub" / "g.pdf").stat().st_size > 500
    assert pdf.endswith("g.pdf") and png.endswith("g.png")


def test_draw_uppercase_extension_and_kwargs(tmp_path):
    w1, w2, w3, w4, w5 = example()
    ya.viz.draw(w5, tmp_path / "G.SVG", names={"w1": w1})
    text = (tmp_path / "G.SVG").read_text()
    assert "<svg" in text and ">w1<" in text


def test_draw_dot_extension_writes_text(tmp_path):
    *_, w5 = example()
    ya.viz.draw(w5, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == ya.viz.to_dot(w5)


def _hide_dot_which(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)


def _hide_dot_path(monkeypatch, tmp_path):
    empty = tmp_path / "emptybin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize("hide", [_hide_dot_which, _hide_dot_path], ids=["which", "PATH"])
def test_draw_without_dot(monkeypatch, tmp_path, hide):
    *_, w5 = example()
    hide(monkeypatch, tmp_path)
    assert shutil.which("dot") is None
    with pytest.raises(GraphvizNotFound) as ei:
        ya.viz.draw(w5, tmp_path / "g.png")
    msg = str(ei.value)
    assert "dot" in msg and "Graphviz" in msg
    assert "install" in msg.lower() and "graphviz" in msg.split("nstall", 1)[1].lower()
    assert str(tmp_path / "g.dot") in msg
    assert (tmp_path / "g.dot").read_text() == ya.viz.to_dot(w5)
    assert not (tmp_path / "g.png").exists()
    assert isinstance(ei.value, RuntimeError)


@pytest.mark.parametrize("name", ["g.jpg", "g.txt", "g"])
def test_draw_unsupported_extension(tmp_path, name):
    *_, w5 = example()
    with pytest.raises(ValueError) as ei:
        ya.viz.draw(w5, tmp_path / name)
    msg = str(ei.value)
    assert "extension" in msg and ".svg" in msg and ".png" in msg and ".pdf" in msg
    assert not list(tmp_path.iterdir())
