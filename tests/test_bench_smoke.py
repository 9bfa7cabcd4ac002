"""The yardstick runs (issue #10): ``bench/peers.py --quick --impls numpy,yaae``.

A smoke check, not a timing: peers.py checks every row against a float64
NumPy reference before timing it (W1/W3 loss and gradients, W2/W5 value and
dy/dx, W4 the Hessian to 1e-11) and prints ``FAIL: ...`` instead of a time
when a row is wrong.  This test asserts that every yaae row ran and was
correct, including W5's 100,000-op chain at the default recursion limit.
It asserts no time.

``bench/peers.py`` is a verbatim copy of the team's ``../shared/bench/peers.py``
(so that a clean clone can run it); when the shared one is beside the
checkout, the copy must match it.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers.py")
SHARED = os.path.join(ROOT, "..", "shared", "bench", "peers.py")


def test_vendored_peers_matches_shared():
    if not os.path.exists(SHARED):
        pytest.skip("no ../shared/bench/peers.py beside this checkout (a clean clone)")
    with open(PEERS, "rb") as a, open(SHARED, "rb") as b:
        assert a.read() == b.read(), "bench/peers.py differs from ../shared/bench/peers.py: copy it again"


def test_peers_quick_numpy_and_yaae_rows_are_correct():
    cmd = [sys.executable, PEERS, "--quick", "--impls", "numpy,yaae",
           "--yaae-path", ROOT, "--no-pin"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "FAIL" not in out, out
    yaae_rows = [line for line in out.splitlines() if re.match(r"\s+yaae(\.hessian)?\s", line)]
    assert len(yaae_rows) == 5, out          # W1..W5, each timed (so each checked)
    for line in yaae_rows:
        assert re.search(r"\d+(\.\d+)?\s+(us|ms|s)\s", line), line
        assert "Error" not in line and "not installed" not in line and "missing" not in line, line
    assert re.search(r"yaae: 0\.\d+\.\d+ from .*src/yaae", out), out   # this checkout's yaae
