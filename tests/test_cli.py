"""The ``yaae`` command line, run as a user would: ``python -m yaae`` and the console script."""
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from yaae.demos import DEMOS

ALL_DEMOS = ["classification", "regression", "surface", "digits", "gan", "modes", "graph", "stepper",
             "ddp"]
CONSOLE = Path(sys.executable).parent / "yaae"


def run(*args, cwd=None, env=None, timeout=120, exe=None):
    cmd = [str(exe)] if exe else [sys.executable, "-m", "yaae"]
    full_env = dict(os.environ)
    full_env.pop("PYTHONWARNINGS", None)
    full_env.update(env or {})
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=timeout)


def lists_all_demos(text):
    listed = re.findall(r"^\s+(\w+)\s{2,}\S", text, flags=re.M)
    return all(name in listed for name in ALL_DEMOS)


def no_traceback(p):
    assert "Traceback" not in p.stderr, p.stderr
    assert "Traceback" not in p.stdout, p.stdout


def valid_png(path):
    path = Path(path)
    assert path.is_file(), path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 100 and im.size[1] > 100, im.size
        im.load()


def test_registry_has_the_nine_demos():
    assert list(DEMOS) == ALL_DEMOS


# ---- listing -----------------------------------------------------------------------------------
def test_list_with_python_m(tmp_path):
    p = run("demo", "--list", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert lists_all_demos(p.stdout), p.stdout
    assert "(default)" in p.stdout
    no_traceback(p)


def test_list_with_console_script(tmp_path):
    assert CONSOLE.is_file() and os.access(CONSOLE, os.X_OK), CONSOLE
    p = run("demo", "--list", cwd=tmp_path, exe=CONSOLE)
    assert p.returncode == 0, p.stderr
    assert lists_all_demos(p.stdout), p.stdout
    no_traceback(p)


def test_no_command_prints_help_and_demos(tmp_path):
    p = run(cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "demo" in p.stdout and "examples" in p.stdout
    assert lists_all_demos(p.stdout)


# ---- errors ------------------------------------------------------------------------------------
def test_unknown_demo(tmp_path):
    for exe in (None, CONSOLE):
        p = run("demo", "nosuch", cwd=tmp_path, exe=exe)
        assert p.returncode != 0
        assert "nosuch" in p.stderr and "unknown demo" in p.stderr, p.stderr
        assert lists_all_demos(p.stderr), p.stderr
        no_traceback(p)
    assert not (tmp_path / "yaae-out").exists()


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["graph", "--bogus"], "unrecognized arguments: --bogus"),
    (["--epochs", "notanumber"], "invalid int value: 'notanumber'"),
    (["graph", "--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["graph", "--epochs", "-3"], "--epochs must be at least 1, got -3"),
    (["graph", "--seed", "x"], "invalid int value: 'x'"),
    (["graph", "--data", "moons"], "--data applies to the classification demo only"),
    (["--data", "nosuchdata"], "invalid choice: 'nosuchdata'"),
])
def test_bad_flags(tmp_path, args, message):
    p = run("demo", *args, cwd=tmp_path)
    assert p.returncode != 0
    assert message in p.stderr, p.stderr
    assert lists_all_demos(p.stderr), p.stderr
    no_traceback(p)
    assert not (tmp_path / "yaae-out").exists()      # nothing ran


def test_out_under_a_regular_file(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    for out in (blocker / "sub", blocker):
        p = run("demo", "graph", "--out", out, "--quiet", cwd=tmp_path)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert str(out) in p.stderr, p.stderr
        assert "cannot write" in p.stderr and "error" in p.stderr, p.stderr
        no_traceback(p)
    assert blocker.read_text() == "not a folder"


# ---- examples ----------------------------------------------------------------------------------
def _num(pattern, text):
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return [float(g) for g in m.groups()]


def test_examples_print_the_right_numbers(tmp_path):
    p = run("examples", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    no_traceback(p)
    out = p.stdout
    F = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
    (w5,) = _num(r"w5 = " + F, out)
    assert w5 == pytest.approx(6 + math.sin(2), abs=1e-9)
    (d1,) = _num(r"dw5/dw1 = " + F, out)
    assert d1 == pytest.approx(math.cos(2) + 3, abs=1e-15)
    (d2,) = _num(r"dw5/dw2 = " + F, out)
    assert d2 == 2.0
    f, fx, fy = _num(r"f = " + F + r", df/dx = " + F + r".*df/dy = " + F, out)
    assert (f, fx, fy) == (33.0, 27.0, 10.0)
    rev = _num(r"reverse \(one sweep\):\s*\[" + F + r", " + F + r"\]", out)
    fwd = _num(r"forward \(two sweeps\):\s*\[" + F + r", " + F + r"\]", out)
    exact = [2 * math.e ** 2 + 4, 4 - math.sin(2)]
    assert rev == pytest.approx(exact, abs=1e-11)
    assert fwd == pytest.approx(exact, abs=1e-11)
    (d3,) = _num(r"at x=1 by grad\(grad\(grad\(sin\)\)\)\s+" + F, out)
    assert d3 == pytest.approx(-math.cos(1), abs=1e-14)
    h = _num(r"\[\[" + F + ", " + F + r"\], \[" + F + ", " + F + r"\]\]", out)
    assert h == [6.0, 0.0, 0.0, 12.0]


# ---- the demos through the CLI --------------------------------------------------------------------
def _metrics(out):
    return json.loads((Path(out) / "metrics.json").read_text())


def test_modes_demo(tmp_path):
    out = tmp_path / "modes"
    p = run("demo", "modes", "--out", out, "--quiet", "--seed", "1", cwd=tmp_path, timeout=180)
    assert p.returncode == 0, p.stderr
    no_traceback(p)
    valid_png(out / "modes.png")
    m = _metrics(out)
    assert m["max_abs_diff"] < 1e-10                  # jacfwd == jacrev
    # The demo's claim, measured.  Only the extremes are asserted: at a 256x
    # size ratio the sweep counts differ 256x and the measured margin is
    # 10-50x, so machine noise cannot flip them; the crossover itself is noisy
    # and is reported, not asserted.
    assert m["fwd_wins_when_m_gg_n"] is True           # n=2, m=512
    assert m["rev_wins_when_n_gg_m"] is True           # n=512, m=2
    assert "crossover_n" in m and "log_ratio_slope" in m
    # the metrics are printed on one line too
    line = [l for l in p.stdout.splitlines() if l.startswith("modes: max_abs_diff")]
    assert line and "fwd_wins_when_m_gg_n = True" in line[0], p.stdout


def _check_graph_out(out, renderer):
    for stem in ("graph_before", "graph_after"):
        text = (out / f"{stem}.dot").read_text()
        assert text.lstrip().startswith("digraph") and text.count("->") == 5
        valid_png(out / f"{stem}.png")
    assert "grad" not in (out / "graph_before.dot").read_text()
    after = (out / "graph_after.dot").read_text()
    assert after.count("grad ") == 5
    for name in ("w1", "w2", "w3", "w4", "w5"):
        assert name in after
    m = _metrics(out)
    assert m["dw5_dw1"] == math.cos(2.0) + 3.0
    assert m["dw5_dw2"] == 2.0
    assert m["w5"] == pytest.approx(6 + math.sin(2), abs=1e-15)
    assert m["max_abs_error"] == 0.0
    assert m["renderer"] == renderer


def test_graph_demo(tmp_path):
    out = tmp_path / "graph"
    p = run("demo", "graph", "--out", out, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    no_traceback(p)
    _check_graph_out(out, "graphviz")
    assert "dw5_dw1 = 2.584" in p.stdout and "dw5_dw2 = 2" in p.stdout, p.stdout


def test_graph_demo_without_graphviz(tmp_path):
    empty = tmp_path / "emptybin"
    empty.mkdir()
    out = tmp_path / "graph"
    p = run("demo", "graph", "--out", out, "--quiet", cwd=tmp_path, env={"PATH": str(empty)})
    assert p.returncode == 0, p.stderr
    no_traceback(p)
    assert "'dot'" in p.stdout and "matplotlib" in p.stdout, p.stdout
    _check_graph_out(out, "matplotlib")


def test_graph_demo_default_out_folder(tmp_path):
    p = run("demo", "graph", "--quiet", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    _check_graph_out(tmp_path / "yaae-out" / "graph", "graphviz")


def test_demo_ends_with_its_folder_and_files(tmp_path):
    """The last lines of ``yaae demo`` name the folder it wrote and every file in it (default
    folder shown relative to the working directory, ``--out`` as given)."""
    for args, shown, folder in [((), "yaae-out/graph/", tmp_path / "yaae-out" / "graph"),
                                (("--out", tmp_path / "g"), f"{tmp_path / 'g'}/", tmp_path / "g")]:
        p = run("demo", "graph", "--quiet", *args, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        files = sorted(f.name for f in folder.iterdir())
        assert files and "metrics.json" in files
        tail = p.stdout.rstrip("\n").split("\n")[-len(files) - 1:]
        assert tail == [f"files written to {shown}:"] + [f"  {f}" for f in files], p.stdout
