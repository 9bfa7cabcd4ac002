"""``help()`` of every public function, class, method and property shows a real docstring
(issue #11 §3): the test walks the public API.

Functions and classes (exceptions aside) must also say how they are called and show a
short example (``>>>`` lines or an "Example" section).  Methods and properties need a docstring that says
something (inherited ones count: ``help()`` shows them).  Names re-exported from outside
yaae (NumPy's dtypes, ``functools.wraps`` imported into a module, ...) are skipped by rule:
the object is the very one its own module defines.  The registry's generated docstrings
(``yaae/ops/docs.py``) have examples that run.
"""
import inspect
import sys
import types
import warnings

import numpy as np
import pytest

import yaae as ya
from yaae.ops.docs import op_doc
from yaae.ops.registry import OPS

NAMESPACES = ["", "linalg", "fft", "nn", "nn.functional", "nn.init", "nn.utils", "optim",
              "optim.lr_scheduler", "data", "testing", "viz", "io", "autograd",
              "autograd.functional", "tree_util", "distributed", "scipy", "scipy.special", "scipy.linalg",
              "scipy.signal", "scipy.integrate", "scipy.optimize", "scipy.stats"]
# ya.scipy loads lazily: load every submodule, so that the walk and the registry's
# generated docstrings (OPS) are the same whichever tests run first
for _sub in ("special", "stats", "signal", "linalg", "integrate", "optimize"):
    getattr(ya.scipy, _sub)
NAMESPACES += [f"scipy.stats.{d}" for d in ya.scipy.stats.__all__]
MIN_CHARS = 40


def _module(path):
    m = ya
    for part in path.split(".") if path else ():
        m = getattr(m, part, None)
        if not isinstance(m, types.ModuleType):
            return None
    return m


def _foreign(obj):
    """A re-export: the object its own non-yaae module defines under its name."""
    mod = getattr(obj, "__module__", None) or ""
    if mod.split(".")[0] == "yaae":
        return False
    home = sys.modules.get(mod)
    return home is not None and getattr(home, getattr(obj, "__name__", ""), None) is obj


def _public_objects():
    """(qualified name, object, kind) for every public callable, once each;
    kind is "function", "class", "method" or "property"."""
    seen = set()
    for path in NAMESPACES:
        m = _module(path)
        if m is None:
            continue
        for name in dir(m):
            obj = getattr(m, name)
            canonical = getattr(obj, "__name__", name)
            if canonical != name and getattr(m, canonical, None) is obj:
                continue                                   # an alias: walked under its own name
            if (name.startswith("_") or isinstance(obj, (types.ModuleType, np.dtype))
                    or not callable(obj) or _foreign(obj) or id(obj) in seen):
                continue
            seen.add(id(obj))
            qual = f"ya.{path + '.' if path else ''}{name}"
            if not inspect.isclass(obj):
                yield qual, obj, "function"
                continue
            yield qual, obj, "class"
            for mname in dir(obj):
                owner = next((c for c in obj.__mro__ if mname in vars(c)), object)
                home = (owner.__module__ or "").split(".")[0]
                if mname.startswith("_") or owner is object or home != "yaae":
                    continue
                attr = inspect.getattr_static(obj, mname)
                if (id(owner), mname) in seen:
                    continue
                seen.add((id(owner), mname))
                if isinstance(attr, property):
                    yield f"{qual}.{mname}", attr, "property"
                elif callable(attr) or isinstance(attr, (staticmethod, classmethod)):
                    yield f"{qual}.{mname}", getattr(obj, mname), "method"


OBJECTS = list(_public_objects())


def _doc(obj, kind):
    if kind == "property":
        return (obj.__doc__ or "").strip()
    return (inspect.getdoc(obj) or "").strip()


def test_the_walk_covers_the_api():
    names = {q for q, _, _ in OBJECTS}
    for q in ["ya.grad", "ya.sin", "ya.Tensor", "ya.Tensor.backward", "ya.Tensor.shape",
              "ya.linalg.svd", "ya.fft.rfft", "ya.nn.Linear", "ya.nn.Linear.forward",
              "ya.nn.functional.cross_entropy", "ya.optim.Adam", "ya.optim.Adam.step",
              "ya.data.DataLoader", "ya.testing.gradcheck", "ya.viz.to_dot", "ya.save"]:
        assert q in names, q
    assert len(names) > 500
    assert not any(q.startswith(("ya.float32", "ya.optim.lr_scheduler.wraps")) for q in names)


def test_every_public_callable_has_a_docstring():
    missing = [f"{q} ({kind})" for q, obj, kind in OBJECTS if len(_doc(obj, kind)) < MIN_CHARS]
    assert not missing, f"{len(missing)} public callables without a real docstring:\n" + \
        "\n".join(missing)


def test_functions_and_classes_show_an_example():
    def shows_example(d):
        return ">>>" in d or "example" in d.lower()
    missing = [q for q, obj, kind in OBJECTS
               if kind in ("function", "class") and not shows_example(_doc(obj, kind))
               and not (inspect.isclass(obj) and issubclass(obj, BaseException))]
    assert not missing, (f"{len(missing)} functions/classes without an example:\n"
                         + "\n".join(missing))


def test_help_of_grad_and_linear_say_more_than_one_line():
    for obj in (ya.grad, ya.nn.Linear, ya.sin, ya.Tensor.sum):
        assert len(inspect.getdoc(obj).splitlines()) > 5, obj


def _examples(doc):
    return "\n".join(ln.strip()[4:] for ln in doc.splitlines() if ln.strip().startswith(">>> "))


@pytest.mark.parametrize("qual", sorted(OPS))
def test_generated_docstring_of_every_op(qual):
    """The docstring made from the declaration names the op and the NumPy callables it
    answers for, and its example runs."""
    op = OPS[qual]
    doc = op_doc(op)
    assert doc.startswith(f"ya.{qual}(") and "Example" in doc
    for np_fn in op.numpy:
        assert getattr(np_fn, "__name__", "") in doc, (qual, np_fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(_examples(doc), {"ya": ya, "np": np})


def test_functions_and_methods_carry_the_generated_docstrings():
    for qual, method in [("sin", "sin"), ("add", "add"), ("sum", "sum"), ("reshape", "reshape"),
                         ("cumsum", "cumsum"), ("linalg.svd", None), ("fft.rfft", None)]:
        f = eval("ya." + qual)
        assert f.__doc__ == op_doc(OPS[qual]), qual
        if method:
            assert getattr(ya.Tensor, method).__doc__ == op_doc(OPS[qual]), method


def test_generated_docstrings_say_where_pytorch_differs():
    assert "ya.tile" in ya.repeat.__doc__ and "ya.tile" in ya.Tensor.repeat.__doc__
    assert "ddof=1" in ya.std.__doc__ and "correction=1" in ya.var.__doc__
    assert "swapaxes" in ya.transpose.__doc__ and "torch.cat" in ya.concatenate.__doc__


def test_non_differentiable_functions_examples_run():
    from yaae.ops.registry import NONDIFF
    for np_fn, name in NONDIFF.items():
        if name is not None:
            doc = getattr(ya, name).__doc__
            assert "no derivative" in doc, name
            exec(_examples(doc), {"ya": ya, "np": np})


def test_hand_written_examples_run_as_doctests(tmp_path, monkeypatch):
    """The examples of yaae's own docstrings (not NumPy's, which ``functools.wraps`` may have
    copied, and not the generated ones, run above) give the output they show."""
    import doctest
    import yaae.nn as nn
    import yaae.nn.functional as F
    monkeypatch.chdir(tmp_path)              # examples may write files (ya.save)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    parser, report = doctest.DocTestParser(), []
    from yaae.ops.docs import nondiff_doc
    from yaae.ops.registry import NONDIFF
    generated = {inspect.cleandoc(op_doc(op)) for op in OPS.values()}
    generated |= {inspect.cleandoc(nondiff_doc(n, f)) for f, n in NONDIFF.items() if n}
    for q, obj, kind in OBJECTS:
        doc = _doc(obj, kind)
        home = getattr(obj.fget if kind == "property" else obj, "__module__", None) or "yaae"
        if ">>>" not in doc or home.split(".")[0] != "yaae" or doc in generated:
            continue
        test = parser.get_doctest(doc, {"ya": ya, "np": np, "nn": nn, "F": F}, q, None, 0)
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
