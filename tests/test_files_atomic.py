"""Files are never lost (issue 9, section 6).

* ``yaae demo`` writes every figure, GIF and metrics file atomically and all
  together at the end of the run: Ctrl-C (SIGINT) ends it with a one-line
  message and exit code 130, the previous run's files byte-identical and no
  temp file left;
* ``ya.save`` removes its own temp files, and the next save to a path removes
  the temp file a killed save (SIGKILL mid-write) left there;
* ``yaae demo --seed`` outside 0..2**32-1 is a one-line error, exit code 2.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import yaae as ya
from yaae import cli
from yaae.demos import _common

DEMO_FILES = ["decision_boundary.gif", "decision_boundary.png", "loss.png", "metrics.json"]
TEMP = re.compile(r"\..*\.[0-9a-f]{12}\.tmp(\.\w+)?\Z")        # yaae's temp-file names


def cli_env():
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "yaae", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=cli_env(), timeout=timeout)


def snapshot(folder):
    """Every file in ``folder`` (hidden ones included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def stderr_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def no_traceback(*texts):
    for t in texts:
        assert "Traceback" not in t, t


# ---- the demo: Ctrl-C --------------------------------------------------------------------------
def _first_run(out, cwd):
    p = run_cli("demo", "classification", "--out", out, "--quiet", "--epochs", 3, "--seed", 0,
                cwd=cwd)
    assert p.returncode == 0, p.stderr
    before = snapshot(out)
    assert sorted(before) == DEMO_FILES
    return before


def _interrupt(out, cwd, wait_for, epochs, seed=1):
    """Start a long demo run into ``out``; SIGINT it once stdout shows ``wait_for``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "yaae", "demo", "classification", "--out", str(out), "--quiet",
         "--epochs", str(epochs), "--seed", str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=cli_env(),
        # as from a terminal, even if this test runs in a background job (SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any(wait_for in line for line in lines):
            assert proc.poll() is None, ("the demo ended before it was interrupted",
                                         lines, proc.stderr.read())
            assert time.monotonic() < deadline, "the demo never started training"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        rc = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    return rc, err, lines


def test_demo_interrupted_by_sigint_keeps_the_previous_files(tmp_path):
    out = tmp_path / "out"
    before = _first_run(out, tmp_path)
    # 20,000 epochs take tens of seconds; the first progress line comes after 2,000 of them
    rc, err, lines = _interrupt(out, tmp_path, "classification (circles): 2000/20000", 20000)
    assert rc == 130, (rc, err, lines)
    assert len(stderr_lines(err)) == 1, err                  # a one-line message
    assert "interrupted" in err and "Ctrl-C" in err, err
    no_traceback(err, "".join(lines))
    assert not any("accuracy =" in line for line in lines)   # it really stopped mid-run
    assert snapshot(out) == before                           # byte-identical, no temp file


def test_demo_interrupted_before_any_file_existed_leaves_none(tmp_path):
    out = tmp_path / "fresh"
    rc, err, lines = _interrupt(out, tmp_path, "classification (circles): 2000/20000", 20000)
    assert rc == 130, (rc, err, lines)
    assert len(stderr_lines(err)) == 1, err
    assert os.listdir(out) == []


def test_interrupt_while_writing_the_files_keeps_all_of_the_previous_run(tmp_path, monkeypatch):
    """Ctrl-C after the run has written (staged) some of its files, in the middle of
    writing the GIF: none of the new files replaces an old one, no temp is left."""
    out = tmp_path / "out"
    cli.run_demo("classification", out, seed=0, epochs=2, quiet=True)
    before = snapshot(out)
    assert sorted(before) == DEMO_FILES

    from PIL import Image
    real_save = Image.Image.save

    def half_then_ctrl_c(self, fp, *a, **k):
        if k.get("format") == "GIF":
            with open(fp, "wb") as f:
                f.write(b"GIF89a half a file")
            raise KeyboardInterrupt
        return real_save(self, fp, *a, **k)

    monkeypatch.setattr(Image.Image, "save", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        cli.run_demo("classification", out, seed=5, epochs=3, quiet=True)
    assert snapshot(out) == before


def test_interrupt_during_the_final_renames_is_held_until_they_are_done(tmp_path, monkeypatch):
    """SIGINT while the staged files are being renamed: every file is renamed (the
    run is complete), then KeyboardInterrupt says so (``committed``)."""
    out = tmp_path / "out"
    cli.run_demo("classification", out, seed=0, epochs=2, quiet=True)
    before = snapshot(out)
    real_replace = os.replace
    calls = []

    def replace_after_sigint(src, dst):
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)      # Ctrl-C before the first rename
        calls.append(dst)
        return real_replace(src, dst)

    saved = signal.signal(signal.SIGINT, signal.default_int_handler)   # as in a terminal
    try:
        monkeypatch.setattr(os, "replace", replace_after_sigint)
        with pytest.raises(KeyboardInterrupt) as info:
            cli.run_demo("classification", out, seed=5, epochs=3, quiet=True)
        monkeypatch.undo()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # restored
    finally:
        signal.signal(signal.SIGINT, saved)
    assert getattr(info.value, "committed", False)
    assert sorted(os.path.basename(c) for c in calls) == DEMO_FILES
    after = snapshot(out)
    assert sorted(after) == DEMO_FILES                      # all new, no temp file
    assert after["metrics.json"] != before["metrics.json"]


def test_a_failing_run_leaves_the_previous_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    cli.run_demo("classification", out, seed=0, epochs=2, quiet=True)
    before = snapshot(out)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_common, "save_metrics", disk_full)   # the last file of the run
    with pytest.raises(OSError):
        cli.run_demo("classification", out, seed=5, epochs=3, quiet=True)
    assert snapshot(out) == before


def test_outside_a_run_each_file_is_replaced_atomically(tmp_path):
    target = tmp_path / "m.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with _common.output(target) as tmp:
            Path(tmp).write_text("half")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["m.json"] and target.read_text() == "old"
    _common.write_text(target, "new")
    assert os.listdir(tmp_path) == ["m.json"] and target.read_text() == "new"


def test_a_demo_run_removes_the_temp_files_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = [".loss.png.0123456789ab.tmp", ".metrics.json.abcdefabcdef.tmp",
             ".graph_after.png.00000000ffff.tmp.png"]
    for name in stale:
        (out / name).write_bytes(b"half a file")
    (out / "notes.txt").write_text("mine")                   # not a temp file: kept
    cli.run_demo("classification", out, seed=0, epochs=2, quiet=True)
    cli.run_demo("graph", out, quiet=True)
    names = set(os.listdir(out))
    assert not names & set(stale), names
    assert not [n for n in names if TEMP.match(n)], names
    assert (out / "notes.txt").read_text() == "mine"


def test_demos_write_files_only_through_the_atomic_helpers():
    folder = Path(_common.__file__).parent
    for path in sorted(folder.glob("*.py")):
        if path.name == "_common.py":
            continue
        src = path.read_text()
        assert not re.search(r"\bfig\w*\.savefig\(", src), path.name
        assert not re.search(r"\bopen\([^)]*[\"'][wax]b?[\"']", src), path.name
        assert not re.search(r"\]\.save\(", src), path.name          # PIL frames[0].save(


# ---- the demo: --seed --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", ["-1", str(2 ** 32), str(-2 ** 40), str(10 ** 30)])
def test_seed_out_of_range_is_a_one_line_error(seed, tmp_path):
    p = run_cli("demo", "classification", "--seed", seed, "--epochs", 1, cwd=tmp_path, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = stderr_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert "--seed" in lines[0] and seed in lines[0] and str(2 ** 32 - 1) in lines[0], lines
    no_traceback(p.stderr, p.stdout)
    assert not (tmp_path / "yaae-out").exists()             # nothing ran


def test_seed_range_ends_are_accepted(tmp_path):
    for seed in (0, 2 ** 32 - 1):
        out = tmp_path / str(seed)
        p = run_cli("demo", "classification", "--seed", seed, "--epochs", 1, "--quiet",
                    "--out", out, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert sorted(os.listdir(out)) == DEMO_FILES
    # the range is what NumPy's legacy seeding (scikit-learn's random_state) accepts
    np.random.RandomState(2 ** 32 - 1)
    for bad in (-1, 2 ** 32):
        with pytest.raises(ValueError):
            np.random.RandomState(bad)
    assert cli.SEED_MAX == 2 ** 32 - 1


# ---- ya.save -----------------------------------------------------------------------------------
OLD = {"epoch": 1, "w": np.arange(6.0).reshape(2, 3)}
NEW = {"epoch": 2, "w": np.full((3, 4), 7.0, dtype=np.float32), "b": ya.tensor([1.0, 2.0])}

# A child that starts ya.save of a 40 MB array, writes part of it, tells the parent
# and then stalls mid-write, so the parent can kill it at a known point.
MID_WRITE = r"""
import sys, time, numpy as np, yaae as ya
real = np.lib.format.write_array
def slow(fp, arr, *a, **k):
    if arr.size > 1000:
        fp.write(arr.tobytes()[: arr.nbytes // 2])
        fp.flush()
        print("mid-write", flush=True)
        time.sleep(600)
    return real(fp, arr, *a, **k)
np.lib.format.write_array = slow
ya.save({"epoch": 3, "big": np.ones(5_000_000)}, sys.argv[1])
"""


def _child_mid_write(path):
    proc = subprocess.Popen([sys.executable, "-c", MID_WRITE, str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "mid-write", (line, proc.stderr.read() if proc.poll() else "")
    return proc


def assert_same(a, b):
    assert set(a) == set(b)
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, (np.ndarray, ya.Tensor)):
            xd = x.data if isinstance(x, ya.Tensor) else x
            yd = y.data if isinstance(y, ya.Tensor) else y
            assert type(x) is type(y) and xd.dtype == yd.dtype
            np.testing.assert_array_equal(xd, yd)
        else:
            assert x == y


def test_save_killed_mid_write_leaves_no_stray_file_after_the_next_save(tmp_path):
    p = tmp_path / "ckpt.npz"
    ya.save(OLD, p)
    before = p.read_bytes()
    proc = _child_mid_write(p)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.stdout.close()
    proc.stderr.close()
    stray = [n for n in os.listdir(tmp_path) if n != "ckpt.npz"]
    assert len(stray) == 1 and TEMP.match(stray[0]) and stray[0].startswith(".ckpt.npz.")
    assert (tmp_path / stray[0]).stat().st_size > 1_000_000  # really killed mid-write
    assert p.read_bytes() == before
    assert_same(ya.load(p), OLD)

    ya.save(NEW, p)                                          # the next save to that path
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert_same(ya.load(p), NEW)


def test_save_leaves_a_live_saves_temp_file_alone(tmp_path):
    """Another process still writing the same path: its temp file is locked, so a
    concurrent save does not take it for a crashed one."""
    p = tmp_path / "ckpt.npz"
    proc = _child_mid_write(p)
    try:
        live = [n for n in os.listdir(tmp_path) if TEMP.match(n)]
        assert len(live) == 1
        ya.save(OLD, p)
        assert sorted(os.listdir(tmp_path)) == sorted(live + ["ckpt.npz"])
        assert_same(ya.load(p), OLD)
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    ya.save(NEW, p)                                          # now it is stale: removed
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert_same(ya.load(p), NEW)


def test_save_removes_only_its_own_targets_stale_temp_files(tmp_path):
    p = tmp_path / "model.ckpt"
    mine = [".model.ckpt.0123456789ab.tmp", ".model.ckpt.ffffffffffff.tmp"]
    others = [".other.ckpt.0123456789ab.tmp",       # another target's temp file
              ".model.ckpt.backup",                 # not a temp-file name
              ".model.ckpt.0123456789ab.tmp.keep",  # not a temp-file name
              "model.ckpt.0123456789ab.tmp"]        # not hidden: not ours
    for n in mine + others:
        (tmp_path / n).write_bytes(b"\x93NUMPY half")
    ya.save(OLD, p)
    assert sorted(os.listdir(tmp_path)) == sorted(others + ["model.ckpt"])
    assert_same(ya.load(p), OLD)


@pytest.mark.parametrize("when", ["write", "fsync", "replace"])
def test_save_interrupted_cleans_up_its_temp_file(when, tmp_path, monkeypatch):
    p = tmp_path / "ckpt.npz"
    ya.save(OLD, p)
    before = p.read_bytes()

    def ctrl_c(*a, **k):
        raise KeyboardInterrupt

    target = {"write": (np.lib.format, "write_array"), "fsync": (os, "fsync"),
              "replace": (os, "replace")}[when]
    monkeypatch.setattr(*target, ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        ya.save(NEW, p)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert p.read_bytes() == before
    ya.save(NEW, p)
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert_same(ya.load(p), NEW)
