"""ya.viz.stepper: the recorded sweeps against ya.jvp / ya.vjp node by node, and the
page itself in headless Chromium (Debian's chromium + chromium-driver, via Selenium)."""
import json
import os
import re
import shutil
import time

import numpy as np
import pytest

import yaae as ya
from yaae.tensor import GradNode
from yaae.viz_stepper import _root, _trace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "test-artifacts")


def ex1(w1, w2):
    return w1 * w2 + ya.sin(w1)


def ex2(x1, x2):
    return ya.exp(2 * x1) + x1 * x2 ** 2 + ya.cos(x2)


def two_outputs(a, b):
    return ya.tanh(a * b), a - ya.log(b)


_R = np.random.default_rng(0)
X, Y = _R.standard_normal((5, 3)), _R.standard_normal((5, 1))
P = [_R.standard_normal((3, 4)), _R.standard_normal(4), _R.standard_normal((4, 1)),
     _R.standard_normal(1)]


def mlp_loss(W1, b1, W2, b2):
    h = ya.tanh(X @ W1 + b1)
    return ya.mean((h @ W2 + b2 - Y) ** 2)


NET = ya.nn.Sequential(ya.nn.Linear(3, 2), ya.nn.Tanh(), ya.nn.Linear(2, 1))


def net_loss(x):                                   # parameters closed over: leaves, not inputs
    return (NET(x) ** 2).sum()


def nonfinite(x, y):                               # log(0) = -inf; y does not reach the output
    with np.errstate(divide="ignore"):
        return ya.log(x * 0.0) + x


def odd_args(x):                                   # an index, axis=None, a keepdims (1,) scalar
    return ya.sum(x[1:] * x[:-1]) + ya.sum(ya.maximum(x, 0.1) ** 3) / ya.logsumexp(x, axis=0)


def ce(z):                                         # integer targets: a constant, not a number
    return ya.nn.functional.cross_entropy(z, ya.tensor(np.array([0, 2])))


def identity(x):
    return x


def vector_out(x):
    return ya.exp(x) * 2


CASES = [(ex1, (2.0, 3.0)), (ex2, (1.0, 2.0)), (two_outputs, (0.7, 1.3)), (mlp_loss, tuple(P)),
         (net_loss, (X,)), (nonfinite, (2.0, np.ones(2))), (odd_args, (_R.standard_normal(5),)),
         (ce, (_R.standard_normal((2, 3)),)), (identity, (1.5,)), (vector_out, (X[0],))]


def _replay(nodes, inputs, target=None, upto=None):
    """A function of the inputs (``target`` None) or of node ``target``'s value (the
    other nodes it does not lead from held fixed) recomputing the recorded graph with
    each node's primitive on Tensors: its value at ``upto`` (a node) or at every output."""
    def run(*xs):
        val = {}
        for k, v in enumerate(nodes):
            if target is not None and v is target:
                val[id(v)] = xs[0]
            elif not isinstance(v, GradNode):
                val[id(v)] = xs[k] if target is None and k < len(xs) else ya.Tensor(v._data)
            elif target is not None and not _downstream(v, target):
                val[id(v)] = ya.Tensor(np.asarray(v.ans))
            else:
                args = [val[id(p)] if p is not None else a
                        for a, p in zip(v.raw, tuple(v.parents) + (None,) * len(v.raw))]
                with np.errstate(divide="ignore"):
                    val[id(v)] = v.prim(*args, **(v.kw or {}))
            if v is upto:
                return val[id(v)]
        raise AssertionError("node not found")
    return run


def _downstream(v, target, memo=None):
    if v is target:
        return True
    return isinstance(v, GradNode) and any(p is not None and _downstream(p, target)
                                           for p in v.parents)


def _close(data, expect):
    """The JSON data (None where the value is not finite) against an oracle's array."""
    expect = np.asarray(expect.detach().numpy() if isinstance(expect, ya.Tensor) else expect)
    got = np.array(data, dtype=float)                         # None -> NaN
    assert got.shape == expect.shape
    fin = np.isfinite(expect)
    assert np.array_equal(np.isnan(got), ~fin)
    np.testing.assert_allclose(got[fin], expect[fin], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_steps_match_jvp_and_vjp_node_by_node(f, args):
    rec = ya.viz.record(f, *args)
    json.dumps(rec)                                           # what the page embeds
    inputs, outs, nodes, _ = _trace(f, args)
    assert [n["op"] for n in rec["nodes"]] == [
        n.prim.name if isinstance(n, GradNode) else rec["nodes"][k]["op"] for k, n in enumerate(nodes)]
    prim = [np.asarray(x._data) for x in inputs]
    fwd = [s for s in rec["sweeps"] if s["mode"] == "fwd"]
    rev = [s for s in rec["sweeps"] if s["mode"] == "rev"]
    assert len(fwd) == len(inputs) and len(rev) == len(outs)
    for i, sweep in enumerate(fwd):
        tans = tuple(np.ones_like(p) if j == i else np.zeros_like(p) for j, p in enumerate(prim))
        seen = set()
        for s in sweep["steps"]:
            v = nodes[s["node"]]
            seen.add(s["node"])
            _, expect = ya.jvp(_replay(nodes, inputs, upto=v), tuple(prim), tans)
            _close(s["data"], expect)
            assert s["tangent"]["shape"] == list(np.shape(expect))
        # every node the seeded input leads to got a step
        lead = {k for k, v in enumerate(nodes) if _downstream(v, nodes[i])}
        assert seen == lead
    for o, sweep in zip(outs, rev):
        final = {}
        for s in sweep["steps"]:
            final[s["node"]] = s["data"]                       # adjoints accumulate edge by edge
        for k, a in final.items():
            v = nodes[k]
            x0 = np.asarray(v._data if not isinstance(v, GradNode) else v.ans)
            _, pull = ya.vjp(_replay(nodes, inputs, target=v, upto=_root(o)), x0)
            (expect,) = pull(np.ones(o.shape))
            _close(a, expect)
    if len(outs) == 1 and outs[0]._data.size == 1:             # the gradient: ya.grad
        g = ya.grad(f, argnums=tuple(range(len(args))))(*args)
        for k, gk in enumerate(g):
            _close(final.get(k, np.zeros_like(prim[k]).tolist()), gk)


def test_write_up_example_against_finite_differences():
    rec = ya.viz.record(ex1, 2.0, 3.0)
    last = {s["node"]: s["data"] for s in rec["sweeps"][-1]["steps"]}
    h = 1e-6
    assert abs(last[0] - (ex1(2.0 + h, 3.0) - ex1(2.0 - h, 3.0)).item() / (2 * h)) < 1e-8
    assert abs(last[0] - (np.cos(2.0) + 3.0)) < 1e-12 and last[1] == 2.0
    step = rec["sweeps"][0]["steps"][2]
    assert step["text"] == f"ẇ4 = cos(w1)·ẇ1 = {np.cos(2.0):.4g}·1 = {np.cos(2.0):.4g}"
    assert "reverse mode needed fewer sweeps" in rec["final"]["verdict"]
    texts = [s["text"] for s in rec["sweeps"][-1]["steps"]]       # w̄·∂, numbers in that order
    c = f"{np.cos(2.0):.4g}"
    assert f"w̄1 += w̄4·cos(w1) = 1·({c})  →  w̄1 = {c}" in texts
    assert f"w̄1 += w̄3·w2 = 1·3  →  w̄1 = {np.cos(2.0) + 3:.4g}" in texts


def test_page_embeds_the_record_as_json(tmp_path):
    path = ya.viz.stepper(ex2, 1.0, 2.0, path=str(tmp_path / "p.html"), modes=("rev",))
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    page = json.loads(m.group(1))
    assert page.pop("title")
    assert page == json.loads(json.dumps(ya.viz.record(ex2, 1.0, 2.0, modes=("rev",))))
    g = ya.grad(ex2, argnums=(0, 1))(1.0, 2.0)
    assert page["final"]["gradient"] == (f"gradient: ∂w9/∂x1 = {float(g[0]):.10g}, "
                                         f"∂w9/∂x2 = {float(g[1]):.10g}")
    rec = ya.viz.record(vector_out, X[0])             # a seed of ones: the gradient of the sum
    assert rec["final"]["gradient"].startswith("gradient: ∂sum(w3)/∂x = [")


def test_seeds_modes_and_errors(tmp_path):
    rec = ya.viz.record(ex1, 2.0, 3.0, seeds=[(1.0, 1.0)], modes=("fwd",))
    assert [s["mode"] for s in rec["sweeps"]] == ["fwd"]
    _, t = ya.jvp(ex1, (2.0, 3.0), (1.0, 1.0))
    assert rec["sweeps"][0]["steps"][-1]["data"] == pytest.approx(float(t), rel=1e-12)
    g = ya.grad(ex1, argnums=(0, 1))(2.0, 3.0)                 # the full gradient all the same
    assert rec["final"]["gradient"] == f"gradient: ∂w5/∂w1 = {float(g[0]):.10g}, ∂w5/∂w2 = 2"
    with pytest.raises(ValueError, match="modes"):
        ya.viz.record(ex1, 2.0, 3.0, modes=("sideways",))
    with pytest.raises(ValueError, match="one tangent per input"):
        ya.viz.record(ex1, 2.0, 3.0, seeds=[(1.0,)])
    with pytest.raises(ValueError, match="shape"):
        ya.viz.record(mlp_loss, *P, seeds=[(np.ones(3), None, None, None)])
    with pytest.raises(TypeError, match="not a Tensor"):
        ya.viz.record(lambda x: 3.0, 1.0)

    @ya.primitive
    def cube(x):
        return x ** 3
    cube.defvjp(lambda g, ans, x: g * 3 * x ** 2)
    with pytest.raises(TypeError, match="cube has no forward-mode rule for argument 0.*leave 'fwd'"):
        ya.viz.record(cube, 2.0)
    rec = ya.viz.record(cube, 2.0, modes=("rev",))
    assert rec["sweeps"][0]["steps"][-1]["data"] == 12.0


def test_modules_group_and_collapse():
    net = ya.nn.Sequential(*[m for _ in range(8) for m in (ya.nn.Linear(3, 3), ya.nn.Tanh())])
    x = np.ones((2, 3))
    rec = ya.viz.record(lambda x: net(x).sum(), x)
    assert rec["collapse"] is (len(rec["nodes"]) > 60)
    names = [g["name"] for g in rec["groups"]]
    assert any("Linear" in n for n in names)
    linear = [g["id"] for g in rec["groups"] if "Linear" in g["name"]]
    assert all(rec["groups"][g]["parent"] is not None for g in linear)   # inside the Sequential
    for g in linear:                                    # its weight, bias and op(s)
        kinds = sorted(n["kind"] for n in rec["nodes"] if n["group"] == g)
        assert kinds[:1] == ["leaf"] and kinds.count("leaf") == 2 and "op" in kinds
    assert rec["groups"][linear[0]]["name"] == "0 (Linear)"
    assert rec["nodes"][-1]["group"] is None                              # .sum() is outside


def _layer(h, W):
    return ya.tanh(h @ W)


def _block(h, W):
    return _layer(_layer(h, W), W) + h


def deep(x, W):
    for _ in range(12):
        x = _block(x, W)
    return ya.sum(x)


def test_function_scopes_group_code_without_modules():
    rec = ya.viz.record(deep, np.ones((2, 3)), np.eye(3) * 0.5)
    assert len(rec["nodes"]) > 60 and rec["collapse"]
    groups = rec["groups"]
    blocks = [g["id"] for g in groups if g["name"] == "_block"]
    layers = [g for g in groups if g["name"] == "_layer"]
    assert len(blocks) == 12 and len(layers) == 24
    assert all(g["parent"] in blocks for g in layers)
    ops = [n for n in rec["nodes"] if n["kind"] == "op"]
    for n in ops:                              # matmul, tanh in a _layer; add in its _block
        g = n["group"]
        if n["op"] == "add":
            assert g in blocks
        elif n["op"] != "sum":
            assert groups[g]["name"] == "_layer"
    assert rec["nodes"][-1]["group"] is None


# ---- the page, in headless Chromium -----------------------------------------------------
def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,900"):
        opts.add_argument(a)
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                            options=opts)


@pytest.fixture(scope="module")
def browser():
    d = _driver()
    yield d
    d.quit()


def _requests(driver):
    urls = []
    for e in driver.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.requestWillBeSent":
            urls.append(m["params"]["request"]["url"])
    return urls


def test_page_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    path = ya.viz.stepper(ex1, 2.0, 3.0, path=str(tmp_path / "sweeps.html"))
    rec = ya.viz.record(ex1, 2.0, 3.0)
    browser.get("file://" + path)
    logs = browser.get_log("browser")
    assert not [l for l in logs if l["level"] in ("SEVERE", "WARNING")], logs
    urls = _requests(browser)
    assert urls and all(u.startswith("file://") for u in urls), urls    # the page itself only
    sel = browser.find_element(By.ID, "sweep")
    # forward sweep seeded on w1: step 3 computes w4 = sin(w1), its tangent cos(2)
    step = browser.find_element(By.ID, "step")
    for _ in range(3):
        step.click()
    active = browser.find_elements(By.CSS_SELECTOR, "g.node.active")
    assert [a.get_attribute("id") for a in active] == ["node-3"]
    _, t = ya.jvp(lambda w1: ya.sin(w1), (2.0,), (1.0,))
    assert f"ẇ = {float(t):.4g}" in active[0].text
    assert "ẇ4 = cos(w1)·ẇ1" in browser.find_element(By.ID, "rule").text
    reads = browser.find_elements(By.CSS_SELECTOR, "path.edge.read")
    assert [r.get_attribute("id") for r in reads] == ["edge-n0-n3"]
    # back one step, then the reverse sweep to its end
    browser.find_element(By.ID, "back").click()
    assert browser.find_elements(By.CSS_SELECTOR, "g.node.active")[0].get_attribute("id") == "node-2"
    n0 = len(rec["sweeps"][0]["steps"])                # the forward sweep's last frame: the gradient too
    browser.execute_script(f"const s = document.getElementById('slider'); s.value = {n0};"
                           "s.dispatchEvent(new Event('input'));")
    g = ya.grad(ex1, argnums=(0, 1))(2.0, 3.0)
    nums = [float(x) for x in re.findall(r"= (-?[\d.]+)", browser.find_element(By.ID, "grad").text)]
    np.testing.assert_allclose(nums, [float(v) for v in g], rtol=1e-9)
    assert browser.find_element(By.ID, "full").text == "this sweep: " + rec["sweeps"][0]["final"]
    from selenium.webdriver.support.ui import Select
    Select(sel).select_by_index(len(rec["sweeps"]) - 1)
    n = len(rec["sweeps"][-1]["steps"])
    for _ in range(4):
        step.click()
    active = browser.find_elements(By.CSS_SELECTOR, "g.node.active")[0]
    assert active.get_attribute("id") == "node-0"                       # w̄1 += w̄4·cos(w1)
    assert f"w̄ = {np.cos(2.0):.4g}" in active.text
    reads = browser.find_elements(By.CSS_SELECTOR, "path.edge.read")      # the edge w1 -> w4
    assert [r.get_attribute("id") for r in reads] == ["edge-n0-n3"]
    for _ in range(n - 4):
        step.click()
    assert browser.find_element(By.ID, "frame").text == f"step {n} / {n}"
    grad = browser.find_element(By.ID, "grad").text
    nums = [float(x) for x in re.findall(r"= (-?[\d.]+(?:e[-+]?\d+)?)", grad)]
    g = ya.grad(ex1, argnums=(0, 1))(2.0, 3.0)
    np.testing.assert_allclose(nums, [float(v) for v in g], rtol=1e-9)
    assert "reverse mode needed fewer" in browser.find_element(By.ID, "verdict").text
    # the slider and play/pause drive the same frames
    browser.execute_script("const s = document.getElementById('slider'); s.value = 1;"
                           "s.dispatchEvent(new Event('input'));")
    assert browser.find_element(By.ID, "frame").text == f"step 1 / {n}"
    assert not browser.find_element(By.ID, "final").is_displayed()
    browser.find_element(By.ID, "play").click()
    time.sleep(1.2)
    browser.find_element(By.ID, "play").click()                       # pause
    k = int(browser.find_element(By.ID, "frame").text.split()[1])
    assert 2 <= k < n
    browser.execute_script(f"const s = document.getElementById('slider'); s.value = {n};"
                           "s.dispatchEvent(new Event('input'));")
    assert browser.find_element(By.ID, "final").is_displayed()
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "stepper_final_reverse.png")
    assert browser.save_screenshot(shot) and os.path.getsize(shot) > 1000
    assert not [l for l in browser.get_log("browser") if l["level"] == "SEVERE"]
    assert all(u.startswith("file://") for u in _requests(browser))


def test_large_graph_page_collapses_and_expands(browser, tmp_path):
    from selenium.webdriver.common.by import By
    net = ya.nn.Sequential(*[m for _ in range(20) for m in (ya.nn.Linear(3, 3), ya.nn.Tanh())])
    path = ya.viz.stepper(lambda x: net(x).sum(), np.ones((2, 3)), modes=("rev",),
                          path=str(tmp_path / "big.html"))
    assert len(ya.viz.record(lambda x: net(x).sum(), np.ones((2, 3)))["nodes"]) > 60
    browser.get("file://" + path)
    assert not [l for l in browser.get_log("browser") if l["level"] == "SEVERE"]
    boxes = browser.find_elements(By.CSS_SELECTOR, "g.group.closed")
    assert len(boxes) == 1                                   # the Sequential, closed
    boxes[0].click()
    inner = browser.find_elements(By.CSS_SELECTOR, "g.group.closed")
    assert len(inner) == 40                                  # its 40 layers, each closed
    for _ in range(3):
        browser.find_element(By.ID, "step").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, ".active")) == 1


def test_wide_graph_scrolls_inside_its_view(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from yaae.demos.stepper import mlp_problem
    loss, params = mlp_problem()
    path = ya.viz.stepper(loss, *params, modes=("rev",), path=str(tmp_path / "mlp.html"))
    browser.get("file://" + path)
    assert browser.execute_script("return document.getElementById('graph').width.baseVal.value"
                                  " > document.getElementById('view').clientWidth")
    for _ in range(7):
        browser.find_element(By.ID, "step").click()
    inside = browser.execute_script(
        "const a = document.querySelector('g.node.active').getBoundingClientRect(),"
        " v = document.getElementById('view').getBoundingClientRect();"
        "return [window.scrollX, a.left >= v.left && a.right <= v.right]")
    assert inside == [0, True]                           # the controls stay on screen


def test_demo_writes_three_pages(tmp_path):
    from yaae.cli import run_demo
    m = run_demo("stepper", out=str(tmp_path), quiet=True)
    for name in ("stepper_example1.html", "stepper_example2.html", "stepper_mlp.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "default-src 'none'" in text and "dagre" in text and "src=" not in text
    assert m["max_abs_diff_vs_grad"] < 1e-12
    assert m["example1_dw5_dw1"] == pytest.approx(np.cos(2.0) + 3.0, rel=1e-12)
    assert m["example2_dy_dx1"] == pytest.approx(2 * np.exp(2.0) + 4.0, rel=1e-12)
    assert m["example2_dy_dx2"] == pytest.approx(4.0 - np.sin(2.0), rel=1e-12)
