"""``mpirun(n, script, *args)``: the one way the tests launch an MPI job.

``mpirun -n N --oversubscribe [--allow-run-as-root] python [python_args] script args``
with this checkout's ``src`` on PYTHONPATH and one BLAS/OpenMP thread per rank,
under a timeout (a hang is a TimeoutExpired, i.e. a failure).  Without mpirun or
mpi4py the calling test FAILS, saying what to install: CI installs both, and a
distributed test that skips would check nothing.
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")
INSTALL = ("Open MPI and mpi4py are needed for the distributed tests: "
           "apt-get install openmpi-bin libopenmpi-dev; pip install yaae[mpi] (or pip install mpi4py)")


def mpirun(n, script, *args, timeout=180, python=()):
    """Run ``script`` (a path, or a name in tests/distributed/) on ``n`` ranks;
    returns the CompletedProcess (text stdout/stderr)."""
    exe = shutil.which("mpirun")
    if exe is None:
        pytest.fail(f"mpirun not found. {INSTALL}")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.fail(f"mpi4py cannot be imported. {INSTALL}")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [exe, "-n", str(n), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [sys.executable, *python, os.path.join(HERE, script), *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def run_ranks(n, script, outdir, prefix="rank", timeout=180):
    """``mpirun(n, script, outdir)``, which must succeed; returns the ranks' results, the
    files ``outdir/{prefix}{r}.npz`` each rank wrote (one file per rank: two ranks
    printing to one pipe can interleave their lines), as dicts."""
    p = mpirun(n, script, str(outdir), timeout=timeout)
    assert p.returncode == 0, f"mpirun -n {n} {script} failed:\n{p.stdout}\n{p.stderr}"
    return [dict(np.load(os.path.join(outdir, f"{prefix}{r}.npz"))) for r in range(n)]
