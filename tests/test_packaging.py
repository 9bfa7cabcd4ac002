"""The core depends on NumPy alone: importing yaae (and using its core) pulls in
none of the demo extras or test oracles."""
import subprocess
import sys

EXTRAS = ("matplotlib", "tqdm", "sklearn", "PIL", "torch", "jax", "scipy")


def test_import_yaae_imports_no_extras():
    code = ("import sys, numpy as np, yaae as ya\n"
            "x = ya.Tensor(np.ones(3), requires_grad=True)\n"
            "ya.sum(ya.tanh(x) ** 2).backward()\n"
            "ya.grad(lambda v: ya.sum(v ** 3))(np.ones(2))\n"
            "import yaae.nn, yaae.optim, yaae.data, yaae.viz, yaae.cli\n"
            f"print([m for m in {EXTRAS!r} if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_core_requirements_are_numpy_only():
    from importlib.metadata import requires
    reqs = requires("yaae")
    core = [r for r in reqs if "extra ==" not in r]
    demos = [r for r in reqs if 'extra == "demos"' in r]
    name = lambda r: r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip()  # noqa: E731
    assert [name(r) for r in core] == ["numpy"]
    assert {"matplotlib", "tqdm", "scikit-learn", "Pillow"} <= {name(r) for r in demos}
