"""examples/: the pytorch/examples ports, each against the same program on PyTorch.

Every example ``examples/NAME/`` has a PyTorch twin ``tests/examples_torch/NAME/``: the
original program from pytorch/examples with its data swapped for scikit-learn's digits or
synthetic data, and the port is that twin with yaae imports.  Three checks per example:

1. **Losses.**  ``main(argv, init, steps)`` of both twins runs ``steps=20`` training steps.
   The PyTorch twin runs first, with both libraries' default dtype set to float64 (then
   to float32: ``set_default_dtype``); the ``init`` hook copies each model's initial ``state_dict`` into the
   yaae twin's model (NumPy arrays, ``load_state_dict``).  Randomness is made identical:
   ``randn``/``randn_like`` of both libraries (the VAE's reparameterisation noise, the
   GAN's latent vectors, the regression's batches) are replaced for the run by draws from
   one NumPy stream seeded the same for both twins, the data is shuffled with NumPy in the
   ``# data`` lines, and dropout is switched off (``p = 0``; ``dropout = 0.0`` for the
   recurrent and attention layers' float attribute) since the two libraries' dropout masks
   come from different generators.  The first 20 losses must agree to 1e-8 (relative);
   the same run with both default dtypes set to float32 to 1e-4 (see CHAOTIC).
2. **The diff.**  The two files are compared line by line (after their module
   docstrings): a differing line must be an import, a line marked ``# data`` in both, or a
   line that the rewrites in ``ALLOWED`` (the README's "Coming from PyTorch" table, and
   three workarounds of yaae gaps marked as such) turn from the PyTorch line into the yaae
   line.
3. **End to end.**  ``python examples/NAME/main.py`` runs in a subprocess in under 30 s of
   CPU time (one BLAS thread).
"""
import contextlib
import importlib.util
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import threadpoolctl
import torch

import yaae as ya

ROOT = Path(__file__).resolve().parents[1]
PORTS = ROOT / "examples"
TWINS = ROOT / "tests" / "examples_torch"

# The rewrites a PyTorch line may need to become the yaae line, applied in order to the
# PyTorch line (regular expression, replacement).  Each is a row of the README's
# "Coming from PyTorch" table.
ALLOWED = [
    # the module: `import yaae as ya` (torch.nn -> ya.nn, torch.optim -> ya.optim, ...)
    (r"\btorch\b", "ya"),
    # torch.utils.data is ya.data
    (r"\bya\.utils\.data\b", "ya.data"),
    # no top-level ya.flatten (NumPy has none): the method, x.flatten(start_dim)
    (r"\bya\.flatten\((\w+), ", r"\1.flatten("),
    # PyTorch's short names of NumPy functions: NumPy's names
    (r"\bya\.le\(", "ya.less_equal("), (r"\bya\.gt\(", "ya.greater("), (r"\bya\.pow\(", "ya.power("),
    # torch.max(a, b) of two tensors is NumPy's elementwise maximum (ya.max(a, axis) reduces)
    (r"\bya\.max\((?=ya\.)", "ya.maximum("),
    # no Tensor.split (NumPy has none): ya.split(x, size, dim=d) (with dim=, PyTorch's chunk
    # size; with axis=, NumPy's number of sections)
    (r"(\w+)\.split\(", r"ya.split(\1, "),
    # Tensor.type(dtype) is NumPy's astype
    (r"\.type\((ya\.\w+)\)", r".astype(\1)"),
    # no RNN flatten_parameters() (nothing to do: yaae lays out memory itself)
    (r"\S+\.flatten_parameters\(\)", "pass"),
    # transpose(i, j) is NumPy's permutation in yaae: swapping two axes is swapaxes
    (r"\.transpose\((\d+), (\d+)\)", r".swapaxes(\1, \2)"),
    # no masked_fill: x.masked_fill(mask, v) is ya.where(mask, v, x)
    lambda line: _masked_fill_to_where(line),
    # no Tensor.mm: the @ operator (or ya.mm(x, w))
    (r"(\w+)\.mm\((\w+)\)", r"\1 @ \2"),
    # `.data` is the NumPy array (not a Tensor): update it with NumPy's in-place operators
    (r"(\w+)\.data\.add_\((-[\w.]+) \* (\w+)\.grad\)", r"\1.data += \2 * \3.grad.data"),
    (r"(\w+)\.data\.add_\((\w+)\.grad, alpha=(-\w+)\)", r"\1.data += \3 * \2.grad.data"),
]

# case -> (example folder, argv for the 20-step comparison ("{tmp}": a temporary folder),
# modules of the example besides main.py)
_WLM = ["--data", "{tmp}/data", "--save", "{tmp}/model.pt", "--emsize", "32", "--nhid", "32",
        "--epochs", "5"]
EXAMPLES = {
    "regression": ("regression", [], ()),
    "mnist": ("mnist", [], ()),
    "mnist_rnn": ("mnist_rnn", [], ()),
    "vae": ("vae", [], ()),
    "dcgan": ("dcgan", ["--manualSeed", "1", "--outf", "{tmp}"], ()),
    "time_sequence_prediction": ("time_sequence_prediction", [], ()),
    **{f"word_language_model-{m}": ("word_language_model", _WLM + ["--model", m], ("model", "data"))
       for m in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU", "Transformer")},
    # the decoder shares the embedding's weight (one parameter, seen once by parameters())
    "word_language_model-LSTM-tied": ("word_language_model", _WLM + ["--tied"], ("model", "data")),
}
# the end-to-end runs: example folder (-variant) -> command-line arguments
RUNS = {
    "regression": [], "mnist": [], "mnist_rnn": [], "vae": [], "dcgan": [],
    "time_sequence_prediction": [], "word_language_model": [],
    "word_language_model-Transformer": ["--model", "Transformer"],
}
STEPS = 20


# ---- loading the twins ----------------------------------------------------------------

def _load(folder, modules):
    """Import ``folder/main.py`` afresh (with its sibling modules, e.g. word_language_model's
    ``model``), so that module-level code runs under the current patches."""
    for m in modules:
        sys.modules.pop(m, None)
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(f"_example_{folder.name}", folder / "main.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(folder))
        for m in modules:
            sys.modules.pop(m, None)
    return mod


@contextlib.contextmanager
def _noise(monkeypatch, lib, make):
    """Replace ``lib.randn``/``lib.randn_like`` by draws from a NumPy stream with a fixed seed,
    so that both twins see the same noise; ``make(array, dtype)`` builds lib's tensor."""
    rng = np.random.default_rng(1234)

    def randn(*size, dtype=None, **kwargs):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        return make(rng.standard_normal(tuple(int(s) for s in size)), dtype)

    def randn_like(t, dtype=None, **kwargs):
        return make(rng.standard_normal(tuple(t.shape)), dtype or t.dtype)

    with monkeypatch.context() as m:
        m.setattr(lib, "randn", randn, raising=False)
        m.setattr(lib, "randn_like", randn_like, raising=False)
        yield


def _no_dropout(model):
    """Switch dropout off: Dropout modules' ``p`` and the float ``dropout`` attribute of the
    recurrent layers and of MultiheadAttention."""
    for m in model.modules():
        if "Dropout" in type(m).__name__:
            m.p = 0.0
        if isinstance(getattr(m, "dropout", None), float):
            m.dropout = 0.0


def _torch_losses(name, argv, modules, states, dtype):
    def init(model):
        states.append({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
        _no_dropout(model)

    old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        mod = _load(TWINS / name, modules)
        return mod.main(argv, init=init, steps=STEPS)
    finally:
        torch.set_default_dtype(old)


def _yaae_losses(name, argv, modules, states, dtype):
    todo = list(states)

    def init(model):
        model.load_state_dict(todo.pop(0))
        _no_dropout(model)

    old = ya.get_default_dtype()
    ya.set_default_dtype(dtype)
    try:
        mod = _load(PORTS / name, modules)
        out = mod.main(argv, init=init, steps=STEPS)
    finally:
        ya.set_default_dtype(old)
    assert not todo, "the yaae port built fewer models than the PyTorch twin"
    return out


def _torch_tensor(a, dtype):
    return torch.tensor(a, dtype=dtype or torch.get_default_dtype())


def _ya_tensor(a, dtype):
    return ya.tensor(a, dtype=dtype or ya.get_default_dtype())


@pytest.fixture
def one_thread():
    """One BLAS and one torch thread: on a shared machine more threads only spin."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpoolctl.threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(n)


# time_sequence_prediction computes in float64 whatever the default (.double())
CASES = [(name, "float64") for name in sorted(EXAMPLES)] + [
    (name, "float32") for name in sorted(EXAMPLES) if name != "time_sequence_prediction"]
RTOL = {"float64": 1e-8, "float32": 1e-4}
# In float32 the two libraries' rounding differs from the first loss (~1e-7) and training
# amplifies it: for the GAN (Adam) and two language models at lr=20 the gap grows about
# threefold per step and passes 1e-4 after ~10 steps, while in float64 the same runs agree
# to 1e-10 over all 20.  Those compare their first 5 losses in float32.
CHAOTIC = {"dcgan", "word_language_model-RNN_TANH", "word_language_model-Transformer"}


@pytest.mark.parametrize("name,dtype", CASES)
def test_first_losses_match_pytorch(name, dtype, monkeypatch, tmp_path, one_thread):
    """The first 20 losses of the port and of its PyTorch twin, from the same initial
    weights and noise, with both libraries' default dtype set to ``dtype``."""
    folder, argv, modules = EXAMPLES[name]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    states = []
    with _noise(monkeypatch, torch, _torch_tensor):
        expected = _torch_losses(folder, argv, modules, states, dtype)
    with _noise(monkeypatch, ya, _ya_tensor):
        got = _yaae_losses(folder, argv, modules, states, dtype)
    assert len(expected) >= STEPS and states
    n = 5 if dtype == "float32" and name in CHAOTIC else STEPS
    np.testing.assert_allclose(np.asarray(got[:n], dtype=float),
                               np.asarray(expected[:n], dtype=float), rtol=RTOL[dtype], atol=0)


# ---- the line-by-line diff ------------------------------------------------------------

def _body(path):
    """The file's lines after its module docstring."""
    text = path.read_text()
    m = re.match(r'(#![^\n]*\n)?\s*"""(.*?)"""\n', text, re.S)
    return text[m.end():].splitlines() if m else text.splitlines()


def _is_import(line):
    return re.match(r"\s*(import|from) \S+", line) is not None


def _masked_fill_to_where(line):
    """``A.masked_fill(M, V)`` -> ``ya.where(M, V, A)``, left to right so that chains nest
    (``A`` is the receiver: names, dots and balanced calls before ``.masked_fill``)."""
    while ".masked_fill(" in line:
        k = line.index(".masked_fill(")
        start, depth = k, 0                      # walk back over the receiver
        while start > 0:
            c = line[start - 1]
            if c == ")":
                depth += 1
            elif c == "(":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and not (c.isalnum() or c in "_."):
                break
            start -= 1
        end, depth = k + len(".masked_fill("), 1  # walk forward over the arguments
        while depth:
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            end += 1
        mask, value = _split_args(line[k + len(".masked_fill("):end - 1])
        line = f"{line[:start]}ya.where({mask}, {value}, {line[start:k]}){line[end:]}"
    return line


def _split_args(args):
    """Split ``"a, b"`` at its top-level comma."""
    depth = 0
    for i, c in enumerate(args):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            return args[:i], args[i + 2:]
    raise ValueError(f"masked_fill: two arguments expected in {args!r}")


def _rewritten(line):
    for rule in ALLOWED:
        line = rule(line) if callable(rule) else re.sub(rule[0], rule[1], line)
    return line


def _pairs():
    for name in sorted(RUNS):
        if "-" not in name:
            for port in sorted((PORTS / name).glob("*.py")):
                yield name, port.name


@pytest.mark.parametrize("name,file", list(_pairs()))
def test_port_differs_only_in_allowed_lines(name, file):
    port, twin = _body(PORTS / name / file), _body(TWINS / name / file)
    assert len(port) == len(twin), (
        f"{name}/{file}: the port has {len(port)} lines after its docstring, the PyTorch "
        f"twin {len(twin)}: keep them line for line")
    bad = []
    for i, (y, t) in enumerate(zip(port, twin)):
        if y == t or (_is_import(y) and _is_import(t)):
            continue
        if re.search(r"#\s*data\b", y) and re.search(r"#\s*data\b", t):
            continue
        if _rewritten(t) != y:
            bad.append(f"  line {i + 1}:\n    torch: {t}\n    yaae:  {y}\n    want:  {_rewritten(t)}")
    assert not bad, f"{name}/{file}: lines that differ beyond ALLOWED:\n" + "\n".join(bad)


# ---- end to end ---------------------------------------------------------------------

def _child_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@pytest.mark.parametrize("name", sorted(RUNS))
def test_example_runs_in_under_30_s(name, tmp_path):
    """The whole example, as a user runs it.  The limit is on the CPU time the process
    uses, with one BLAS thread (the wall-clock time depends on what else the machine runs,
    and on a busy machine idle BLAS threads spin and count as CPU time)."""
    env = dict(os.environ, PYTHONPATH=str(Path(ya.__file__).parents[1]), MPLBACKEND="Agg",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    before = _child_cpu_seconds()
    proc = subprocess.run([sys.executable, str(PORTS / name.split("-")[0] / "main.py")] + RUNS[name],
                          cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    used = _child_cpu_seconds() - before
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert used < 30, f"{name} used {used:.1f} s of CPU"
