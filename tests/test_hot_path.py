"""The generated hot paths (``tensor.hot_path``) against the general path
(``tensor._apply``), which is their reference: for every elementwise
primitive of one or two arguments, on arrays, 0-d arrays, NumPy scalars and
Python numbers, with Tensors, Parameters (a Tensor subclass) and constants
in either position, both give the same value, the same dtype, the same graph
(what each node saved), the same gradients, and the same tangents.  The
derivatives themselves are checked against PyTorch and finite differences
in test_opinfo; this file checks that the fast path changes nothing.
"""
import numpy as np
import pytest

import yaae as ya
from yaae.ops.registry import OPS
from yaae.tensor import Tensor, _apply, _Meta
from yaae.nn import Parameter

HOT = sorted(name for name, op in OPS.items()
             if op.prim is not None and op.prim.bcast and isinstance(op.prim.vjps, tuple)
             and len(op.prim.vjps) in (1, 2))

rng = np.random.default_rng(0)
VALUES = {
    "array": lambda: rng.uniform(0.2, 0.9, (3, 2)),
    "big": lambda: rng.uniform(0.2, 0.9, (300,)),      # > 256 elements: lite saving
    "0d": lambda: np.array(rng.uniform(0.2, 0.9)),
    "f32": lambda: rng.uniform(0.2, 0.9, (2,)).astype(np.float32),
}


def _trim(flags):
    """parents may leave out the arguments after the last one that needs a gradient"""
    while flags and flags[-1]:
        flags = flags[:-1]
    return flags


def _saved(node):
    def one(v):
        return ("meta", v.shape, str(v.dtype)) if isinstance(v, _Meta) else (
            "value", repr(np.asarray(v.data if isinstance(v, Tensor) else v).tolist()))
    return (node.prim.name, tuple(one(a) for a in node.raw), one(node.ans),
            _trim(tuple(p is None for p in node.parents)))


def _run(fn, make_args):
    args = make_args()
    out = fn(*args)
    leaves = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
    saved = _saved(out._node) if out._node is not None else None
    if leaves:
        ya.sum(out).backward()
    return out, saved, [a.grad.data for a in leaves]


@pytest.mark.parametrize("name", HOT)
@pytest.mark.parametrize("kind", list(VALUES))
def test_hot_path_equals_general_path(name, kind):
    prim = OPS[name].prim
    n = len(prim.vjps)
    vals = [VALUES[kind]() for _ in range(n)]
    layouts = [("T",), ("P",)] if n == 1 else [
        ("T", "T"), ("T", "c"), ("c", "T"), ("P", "T"), ("T", "P"), ("T", "py")]
    for layout in layouts:
        def make(layout=layout):
            out = []
            for v, how in zip(vals, layout):
                if how == "T":
                    out.append(ya.Tensor(v.copy(), requires_grad=True))
                elif how == "P":
                    out.append(Parameter(ya.Tensor(v.copy())))
                elif how == "c":
                    out.append(ya.Tensor(v.copy()))
                else:
                    out.append(0.5)
            return out
        with np.errstate(all="ignore"):
            try:
                want = _run(lambda *a: _apply(prim, a, {}), make)
            except Exception as e:           # the general path refuses: so must the hot one
                with pytest.raises(type(e)):
                    _run(prim, make)
                continue
            got = _run(prim, make)
        assert type(got[0].data) is type(want[0].data)
        assert got[0].dtype == want[0].dtype
        np.testing.assert_array_equal(got[0].data, want[0].data)
        assert got[1] == want[1], (layout, got[1], want[1])
        for g, w in zip(got[2], want[2]):
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name", ["multiply", "subtract", "true_divide", "power"])
def test_reflected_operators_follow_numpy_order(name):
    """``2 - x`` runs ``x.__rsub__(2)``, a generated path with swapped arguments."""
    x = ya.Tensor(np.array([0.5, 2.0]), requires_grad=True)
    ops = {"multiply": (lambda a, b: a * b), "subtract": (lambda a, b: a - b),
           "true_divide": (lambda a, b: a / b), "power": (lambda a, b: a ** b)}
    f = ops[name]
    y = f(3.0, x)
    np.testing.assert_allclose(y.data, f(3.0, x.data))
    y.sum().backward()
    h = 1e-6
    fd = (f(3.0, x.data + h) - f(3.0, x.data - h)) / (2 * h)
    np.testing.assert_allclose(x.grad.data, fd, rtol=1e-6)


def test_jvp_through_hot_paths_matches_finite_differences():
    f = lambda v: ya.tanh(v * 1.5 + 0.25) * v - 2.0 / (1.0 + v)
    x = np.array([0.1, 0.7, -0.4])
    t = np.array([1.0, -2.0, 0.5])
    _, jt = ya.jvp(f, (x,), (t,))
    h = 1e-6
    fd = (f(ya.Tensor(x + h * t)).data - f(ya.Tensor(x - h * t)).data) / (2 * h)
    np.testing.assert_allclose(np.asarray(jt.data if isinstance(jt, Tensor) else jt), fd, rtol=1e-6)


def test_hot_path_tracebacks_show_the_generated_source():
    import linecache
    x = ya.Tensor(np.ones(2), requires_grad=True)
    code = type(x).__mul__.__code__
    assert linecache.getline(code.co_filename, 2).strip().startswith("def ")



@pytest.mark.parametrize("fwd, name, deriv", [
    (lambda x: x ** 3, None, lambda x: 3 * x ** 2),          # a lambda's name is "<lambda>"
    (np.sin, "my-op.v2", np.cos)])
def test_primitives_whose_names_are_not_identifiers_get_hot_paths(fwd, name, deriv):
    f = ya.primitive(fwd, name=name)
    f.defvjp(lambda g, ans, x: g * deriv(x))
    x = ya.tensor(np.array([0.5, -1.25]), requires_grad=True)
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, deriv(np.array([0.5, -1.25])), rtol=1e-15)
