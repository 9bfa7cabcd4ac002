"""Every public callable of numpy, numpy.linalg and numpy.fft is in exactly one
of three classes: answered by an op (a derivative rule), run on the data
(its result carries no derivative), or refused with a TypeError naming it and
saying what to do.  The classes are declared in the op registry
(``yaae/ops/registry.py``: ``NUMPY``, ``NONDIFF``, ``REFUSED``); the
non-differentiable and refused ones in ``yaae/ops/nondiff.py``."""
import types

import numpy as np
import pytest

import yaae as ya
from yaae import Tensor
from yaae.ops.registry import NUMPY, NONDIFF, REFUSED

MODULES = (np, np.linalg, np.fft)


def _callables():
    """{id: (callable, [qualified names])} for every public callable (not a
    submodule) of the three namespaces; aliases (np.conj/np.conjugate) are
    one callable."""
    out = {}
    for mod in MODULES:
        for name in dir(mod):
            if name.startswith("_"):
                continue
            try:
                obj = getattr(mod, name)
            except AttributeError:       # deprecated names that raise on access
                continue
            if isinstance(obj, types.ModuleType) or not callable(obj):
                continue
            out.setdefault(id(obj), (obj, []))[1].append(f"{mod.__name__}.{name}")
    return out


def _classes(obj):
    return [cls for cls, table in (("op", NUMPY), ("nondiff", NONDIFF), ("refused", REFUSED))
            if obj in table]


def test_every_numpy_callable_is_in_exactly_one_class():
    none, several = [], []
    for obj, names in _callables().values():
        cls = _classes(obj)
        if not cls:
            none.append("/".join(names))
        elif len(cls) > 1:
            several.append(f"{'/'.join(names)}: {', '.join(cls)}")
    msg = []
    if none:
        msg.append(f"{len(none)} NumPy callables in no class (declare an op with numpy=, "
                   f"or add them to yaae/ops/nondiff.py):\n  " + " ".join(sorted(none)))
    if several:
        msg.append(f"{len(several)} NumPy callables in more than one class:\n  "
                   + "\n  ".join(sorted(several)))
    assert not msg, "\n".join(msg)


def test_the_walk_sees_the_namespaces():
    found = {n for _, names in _callables().values() for n in names}
    for n in ("numpy.sin", "numpy.argsort", "numpy.save", "numpy.float64", "numpy.linalg.svd",
              "numpy.linalg.LinAlgError", "numpy.fft.fft", "numpy.fft.fftfreq"):
        assert n in found
    assert not any(n.startswith("numpy.linalg.linalg") or n == "numpy.fft.helper"
                   for n in found)


def test_tables_hold_callables_and_reasons():
    for table in (NUMPY, NONDIFF, REFUSED):
        for f in table:
            assert callable(f), f
    for f, why in REFUSED.items():
        assert isinstance(why, str) and len(why) > 20, (f, why)


# ---- run on the data ---------------------------------------------------------------

RNG = np.random.default_rng(8)


@pytest.fixture
def t():
    return Tensor(RNG.permutation(12).astype(np.float64).reshape(3, 4) / 2 - 2.5,
                  requires_grad=True)


def _same(a, b):
    a = a.data if isinstance(a, Tensor) else a
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("call", [
    lambda x: np.argsort(x, axis=0),
    lambda x: np.argpartition(x.ravel(), 3),
    lambda x: np.lexsort((x[0], x[1])),
    lambda x: np.isclose(x, x + 1e-12),
    lambda x: np.allclose(x, x),
    lambda x: np.shape(x),
    lambda x: np.ndim(x),
    lambda x: np.size(x),
    lambda x: np.greater(x, 0.1),
    lambda x: np.signbit(x),
    lambda x: np.isposinf(x),
    lambda x: np.nonzero(x > 0),
    lambda x: np.flatnonzero(x),
    lambda x: np.count_nonzero(x, axis=1),
    lambda x: np.searchsorted(np.sort(x.ravel()), 0.3),
    lambda x: np.digitize(x, [-1.0, 0.0, 1.0]),
    lambda x: np.histogram(x, bins=4),
    lambda x: np.nanargmax(x, axis=1),
    lambda x: np.zeros_like(x),
    lambda x: np.full_like(x, 7.0),
    lambda x: np.array2string(x),
    lambda x: np.result_type(x, np.float32),
    lambda x: np.spacing(x),
    lambda x: np.unravel_index(np.argmax(x), x.shape),
    lambda x: np.linalg.matrix_rank(x),
])
def test_nondiff_runs_on_the_data(t, call):
    """On a Tensor that requires grad, the result is NumPy's on the data."""
    got = call(t)
    # the same call with t.data everywhere (x.ravel(), x[0], ... on ndarrays)
    want = call(t.data)
    _same(got, want)


def test_nondiff_integer_ops():
    a = Tensor(np.array([12, 18, 5, 7]), dtype=np.int64)
    assert a.dtype == np.int64
    _same(np.gcd(a, 6), np.gcd(a.data, 6))
    _same(np.left_shift(a, 2), np.left_shift(a.data, 2))
    _same(np.bitwise_and(a, 3), np.bitwise_and(a.data, 3))
    _same(np.bincount(a), np.bincount(a.data))


def test_nondiff_ufunc_returns_tensor_without_grad(t):
    out = np.isnan(t)
    assert isinstance(out, Tensor) and not out.requires_grad
    _same(out, np.isnan(t.data))


def test_public_nondiff(t):
    out = ya.argsort(t, axis=1)
    assert isinstance(out, Tensor) and not out.requires_grad
    _same(out, np.argsort(t.data, axis=1))


def test_nondiff_does_not_break_the_gradient(t):
    """Indices from a non-differentiable function, used to gather, keep the
    gradient of the gathered values."""
    idx = np.argsort(t.ravel())
    y = ya.sum(t.ravel()[idx[:3]] * np.array([1.0, 2.0, 3.0]))
    y.backward()
    want = np.zeros(12)
    want[np.argsort(t.data.ravel())[:3]] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(t.grad.data.ravel(), want)


# ---- refused -----------------------------------------------------------------------

def _raises(call, *names):
    with pytest.raises(TypeError) as e:
        call()
    for n in names:
        assert n in str(e.value), str(e.value)
    return str(e.value)


def test_refused_save(t, tmp_path):
    msg = _raises(lambda: np.save(tmp_path / "x.npy", t), "'save'", "tensor.data")
    assert "ya.save" in msg
    assert not (tmp_path / "x.npy").exists()
    _raises(lambda: np.savetxt(tmp_path / "x.txt", t), "'savetxt'")


@pytest.mark.parametrize("fn, call", [
    (np.unwrap, lambda x: np.unwrap(x)),
    (np.unique, lambda x: np.unique(x)),
    (np.unique_values, lambda x: np.unique_values(x)),
    (np.intersect1d, lambda x: np.intersect1d(x, x)),
    (np.extract, lambda x: np.extract(x.data > 0, x)),
    (np.trim_zeros, lambda x: np.trim_zeros(x.ravel())),
    (np.apply_along_axis, lambda x: np.apply_along_axis(np.sum, 0, x)),
    (np.piecewise, lambda x: np.piecewise(x, [x.data > 0], [1.0, 0.0])),
    (np.polyfit, lambda x: np.polyfit(np.arange(4.0), x[0], 1)),
    (np.copy, lambda x: np.copy(x)),
    (np.meshgrid, lambda x: np.meshgrid(x[0], x[1])),
    (np.copyto, lambda x: np.copyto(np.zeros((3, 4)), x)),
    (np.put, lambda x: np.put(np.zeros(4), [0], x[0, 0])),
    (np.float_power, lambda x: np.float_power(x, 2.0)),
    (np.ldexp, lambda x: np.ldexp(x, 2)),
    (np.modf, lambda x: np.modf(x)),
    (np.divmod, lambda x: np.divmod(x, 2.0)),
    (np.linalg.trace, lambda x: np.linalg.trace(x)),
    (np.matrix_transpose, lambda x: np.matrix_transpose(x)),
], ids=lambda v: None if v.__name__ == "<lambda>" else v.__name__)
def test_refused_names_the_function(t, fn, call):
    """The TypeError names the function and says what to do; the Tensor is
    left alone."""
    before = t.data.copy()
    msg = _raises(lambda: call(t), f"'{fn.__name__}'")
    assert REFUSED[fn] in msg
    np.testing.assert_array_equal(t.data, before)


def test_refused_non_dispatching_converters(t):
    """np.asarray, np.array, np.float32, np.full and np.vectorize do not dispatch: the Tensor's
    ``__array__`` refuses a Tensor that requires grad."""
    for call in (lambda: np.asarray(t), lambda: np.array([t, t]), lambda: np.float32(t),
                 lambda: np.int64(t[0, 0]),
                 lambda: np.full((2, 2), t[0, 0]), lambda: np.vectorize(lambda v: v * 2)(t)):
        _raises(call, "t.data")
    free = Tensor(np.arange(3.0))       # needs no gradient: converts freely
    np.testing.assert_array_equal(np.asarray(free), np.arange(3.0))


def test_ufunc_methods_refused(t):
    _raises(lambda: np.add.reduce(t), "add.reduce")
    _raises(lambda: np.add.accumulate(t), "add.accumulate")
    _raises(lambda: np.multiply.outer(t, t), "multiply.outer")
    _raises(lambda: np.add.at(t, [0], 1.0), "add.at")
    _raises(lambda: np.add.at(np.zeros((3, 4)), [0], t), "add.at")
    _raises(lambda: np.maximum.reduceat(t, [0, 1]), "maximum.reduceat")


def test_out_argument_refused(t):
    out = np.zeros((3, 4))
    _raises(lambda: np.maximum(t, 1.0, out=out), "maximum", "out=")
    np.testing.assert_array_equal(out, 0.0)
    _raises(lambda: np.sin(t, out=(out,)), "sin")
    _raises(lambda: np.greater(t, 0.0, out=np.zeros((3, 4), bool)), "greater")


# ---- every ufunc of the two tables -------------------------------------------------

def _ufuncs(table):
    return sorted((f for f in table if isinstance(f, np.ufunc)), key=lambda f: f.__name__)


@pytest.mark.parametrize("uf", _ufuncs(REFUSED), ids=lambda f: f.__name__)
def test_every_refused_ufunc_raises_naming_it(t, uf):
    msg = _raises(lambda: uf(*[t] * uf.nin), f"'{uf.__name__}'")
    assert REFUSED[uf] in msg


# np.isnat is only defined for datetime64/timedelta64 arrays, which Tensors do not hold
@pytest.mark.parametrize("uf", [f for f in _ufuncs(NONDIFF) if f is not np.isnat],
                         ids=lambda f: f.__name__)
def test_every_nondiff_ufunc_runs_on_the_data(uf):
    """On the first of float, integer, boolean data that NumPy accepts, the
    ufunc applied to Tensors gives a Tensor holding NumPy's result on the
    data (no gradient)."""
    for data in (RNG.standard_normal((2, 3)), RNG.integers(1, 50, (2, 3)),
                 RNG.integers(0, 2, (2, 3)).astype(bool)):
        try:
            want = uf(*[data] * uf.nin)
        except TypeError:
            continue
        xs = [Tensor(data, dtype=data.dtype, requires_grad=data.dtype.kind == "f")
              for _ in range(uf.nin)]
        got = uf(*xs)
        assert isinstance(got, Tensor) and not got.requires_grad
        _same(got, want)
        return
    pytest.fail(f"{uf.__name__}: no test data")
