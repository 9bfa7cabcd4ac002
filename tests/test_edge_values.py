"""Numerical edge cases (issue #9, section 3) and no NumPy RuntimeWarning from
yaae's own code at edge inputs (section 2), against PyTorch 2.13.

* Where a norm (every ``ord``), ``std``/``var`` or a robust loss sits on its
  singular point -- an all-zero or constant input, ``huber``/``smooth_l1`` at
  +-inf, ``logsumexp`` of an empty axis -- the value and the first and second
  derivatives are PyTorch's (a subgradient, 0, never a NaN where PyTorch's is
  finite).
* The edge-value table: every op with a singular point, at +-0, +-inf, NaN,
  +-1e-300, +-1e308 and +-745 (binary ops on the grid of those and a few
  ordinary values; reductions on vectors holding them).  Values, gradients and
  second derivatives equal PyTorch's (the same NaNs, the same infinities), or
  the difference is listed in ``DOCUMENTED`` with the reason.  Every listed
  difference must still be one (no stale entry).
* Warnings: everything after the forward pass (the backward sweep, the rules,
  the rules' own derivatives) runs with ``RuntimeWarning`` as an error.  The
  forward pass of an op that is a NumPy ufunc may warn as that ufunc does on
  the same data (``np.log(0)`` "divide by zero": NumPy's semantics, which
  yaae keeps); yaae's composites and its own functions (norms, std/var,
  logsumexp, sigmoid, softplus, the losses) are silent, as PyTorch's ops.
"""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yaae as ya
import yaae.nn.functional as F

torch.set_default_dtype(torch.float64)

INF, NAN = math.inf, math.nan
EDGE = [0.0, -0.0, INF, -INF, NAN, 1e-300, -1e-300, 1e308, -1e308, 745.0, -745.0]
# binary ops: the edge values against each other and against a few ordinary ones
GRID = EDGE + [1.0, -2.5, 0.5]
RTOL, ATOL = 1e-9, 1e-12


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _runtime_msgs(rec):
    return {str(w.message) for w in rec if issubclass(w.category, RuntimeWarning)}


def _np(t):
    if t is None:
        return None
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True).astype(np.float64)
    return np.asarray(t.data if isinstance(t, ya.Tensor) else t, dtype=np.float64)


# What may warn after the forward pass: nothing of yaae's own (the engine runs
# every backward sweep and every tangent rule with NumPy's warnings off).
PENDING = {}


class _Watch:
    """Collects the RuntimeWarnings raised while active, each with the place
    in yaae that raised it: the innermost yaae frame that is not the engine's
    op application, or "engine-sum" for the engine's own gradient sums."""
    def __enter__(self):
        import traceback
        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("always")
        self.found = []

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, RuntimeWarning):
                self.found.append((str(message), _place(traceback.extract_stack()[:-1])))
        warnings.showwarning = show
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def _place(stack):
    for fr in reversed(stack):
        fn = fr.filename.replace("\\", "/")
        if "/yaae/" not in fn:
            continue
        rel = fn.rsplit("/yaae/", 1)[1]
        if rel == "tensor.py":
            if fr.name == "_sum_to":      # the engine's sum undoing a broadcast
                return "engine-sum"
            if fr.name in ("backward_sweep", "_add_leaf", "_accumulate") and \
                    (fr.line or "").rstrip().endswith(("+ g", "+ gi")):
                return "engine-sum"
            if fr.name in ("backward_sweep", "_add_leaf", "_accumulate", "backward"):
                return f"tensor.py:{fr.name}:{fr.lineno}"
            continue        # applying an op (apply1/apply2/_apply): look further out
        return f"{rel}:{fr.name}"
    return "?"


def ya_eval(f, arrays, cot, order=2, np_ref=None, fwd_ok=None):
    """Value, gradients and (``order=2``) the gradients of ``sum(grad of the
    first input)`` of ``f`` at ``arrays``, seeded with ``cot``.  The forward
    may warn only as ``np_ref`` (NumPy's function, or None: silent) does on the
    same data (or as ``fwd_ok``, a documented exception, says); after it
    nothing may warn but the ``PENDING`` places."""
    ts = [ya.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        y = f(*ts)
    got = _runtime_msgs(rec)
    if got:
        allowed = set(fwd_ok or ())
        if np_ref is not None:
            with warnings.catch_warnings(record=True) as rec2:
                warnings.simplefilter("always")
                np_ref(*[np.array(a, dtype=np.float64) for a in arrays])
            allowed |= _runtime_msgs(rec2)
        assert got <= allowed, (f"the forward pass warned {got - allowed}, which NumPy's own "
                                f"function does not (allowed: {allowed})")
    with _Watch() as watch:
        y.backward(np.asarray(cot, dtype=np.float64), create_graph=order == 2)
        g1 = [t.grad for t in ts]
        second = None
        if order == 2:
            for t in ts:
                t.grad = None
            g = g1[0]
            if isinstance(g, ya.Tensor) and g.requires_grad:
                g.backward(np.ones(g.shape))
                second = [_np(t.grad) if t.grad is not None else np.zeros(t.shape) for t in ts]
            else:
                second = [np.zeros(t.shape) for t in ts]
    bad = [(m, where) for m, where in watch.found if where not in PENDING]
    assert not bad, f"yaae's own code warned after the forward pass: {bad}"
    g1 = [_np(g) if g is not None else np.zeros(t.shape) for g, t in zip(g1, ts)]
    return _np(y), g1, second


def torch_eval(tf, arrays, cot, order=2):
    ts = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    y = tf(*ts)
    gs = torch.autograd.grad(y, ts, torch.tensor(np.asarray(cot, dtype=np.float64)),
                             create_graph=order == 2, allow_unused=True)
    gs = [torch.zeros_like(t) if g is None else g for g, t in zip(gs, ts)]
    second = None
    if order == 2:
        if gs[0].requires_grad:
            hs = torch.autograd.grad(gs[0], ts, torch.ones_like(gs[0]), allow_unused=True)
            second = [np.zeros(t.shape) if h is None else _np(h) for h, t in zip(hs, ts)]
        else:
            second = [np.zeros(t.shape) for t in ts]
    return _np(y), [_np(g) for g in gs], second


def jax_eval(jf, arrays, cot, order=2):
    """The oracle for the few ops PyTorch does not have (cbrt)."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    xs = [jnp.asarray(np.array(a, dtype=np.float64)) for a in arrays]
    c = jnp.asarray(np.asarray(cot, dtype=np.float64))
    y, pull = jax.vjp(jf, *xs)

    def grad_first(*xs):
        return jax.vjp(jf, *xs)[1](c)[0]
    gs = pull(c)
    second = None
    if order == 2:
        _, pull2 = jax.vjp(grad_first, *xs)
        second = [np.asarray(h, dtype=np.float64) for h in pull2(jnp.ones_like(xs[0]))]
    return (np.asarray(y, dtype=np.float64), [np.asarray(g, dtype=np.float64) for g in gs],
            second)


def _differs(a, b):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return not (math.isnan(a) and math.isnan(b))
    if math.isinf(a) or math.isinf(b):
        return a != b
    return abs(a - b) > ATOL + RTOL * abs(b)


def _key(x):
    """A readable, hashable name of an input: 0.0, -0.0, inf, nan, 1e-300, ..."""
    if isinstance(x, tuple):
        return tuple(_key(v) for v in x)
    return repr(float(x))


def mismatches(name, yres, tres, labels):
    """The differences between yaae and the oracle: a set of
    (name, quantity, input label, yaae's value, the oracle's value)."""
    out = set()
    (yv, yg, yh), (tv, tg, th) = yres, tres
    for q, a, b in [("value", [yv], [tv]), ("grad", yg, tg), ("grad2", yh or [], th or [])]:
        for i, (ai, bi) in enumerate(zip(a, b)):
            ai, bi = np.asarray(ai, dtype=np.float64), np.asarray(bi, dtype=np.float64)
            assert ai.shape == bi.shape, (name, q, ai.shape, bi.shape)
            for j in range(ai.size):
                if _differs(ai.flat[j], bi.flat[j]):
                    lab = labels[j] if ai.size == len(labels) else labels[0]
                    out.add((name, q if len(a) == 1 else f"{q}[{i}]", lab,
                             float(ai.flat[j]), float(bi.flat[j])))
    return out


# --------------------------------------------------------------------------------------
# documented differences: (op, quantity, input) -> reason.  Each must still differ.
# --------------------------------------------------------------------------------------
class Doc:
    """A documented difference: for the ops named in ``ops``, quantity ``q``
    ("value", "grad", "grad2"; of any argument), inputs whose label satisfies
    ``when``, yaae's value ``y`` and the oracle's ``o`` satisfying
    ``expect(y, o)``; ``reason`` says why yaae's answer is the one it gives."""
    def __init__(self, ops, q, when, expect, reason):
        self.ops = (ops,) if isinstance(ops, str) else tuple(ops)
        self.q, self.when, self.expect, self.reason = q, when, expect, reason

    def explains(self, m):
        name, q, label, y, o = m
        return (name in self.ops and (q == self.q or q.startswith(self.q + "["))
                and self.when(label) and self.expect(y, o))


DOCUMENTED = []


def _doc(op, q, when, expect, reason):
    DOCUMENTED.append(Doc(op, q, when, expect, reason))


def _at(*vals):
    """Unary labels: the input is one of ``vals``."""
    keys = {_key(v) for v in vals}
    return lambda lab: lab in keys


def _pair(cond):
    """Binary labels: ``cond(x, y)`` on the two inputs."""
    return lambda lab: cond(float(lab[0]), float(lab[1]))


def _vec(kind, *vals):
    """Reduction labels: the vector ``kind`` ("mixed"/"const") around one of ``vals``."""
    keys = {_key(v) for v in vals}
    return lambda lab: lab[0] in kind and lab[1] in keys


def _o_nan(y, o):
    return math.isnan(o) and not math.isnan(y)


def _y_nan_o_zero(y, o):
    return math.isnan(y) and o == 0


def _small(u):
    return u == 0 or abs(u) <= 1e-300


_TINY = (0.0, -0.0, 1e-300, -1e-300)

# NaN in, NaN out: NumPy's sign(nan) is nan; PyTorch's sgn(nan) = 0 (and its
# max/min rule's mask x == max is false at a NaN) silently hide the NaN behind a
# zero gradient
_doc(("abs", "fabs"), "grad", _at(NAN), _y_nan_o_zero,
     "d|x| = sign(x) is NaN at NaN (NumPy's sign); PyTorch's 0 hides the NaN")
_doc("sign", "value", _at(NAN), _y_nan_o_zero,
     "the forward is NumPy's: np.sign(nan) is nan; torch.sign(nan) is 0")
_doc(("norm[1]", "norm[inf]", "norm[-inf]"), "grad", _vec(("mixed", "const"), NAN),
     lambda y, o: math.isnan(y) and o == 0,
     "a NaN in the vector: a NaN gradient (its sign, its max/min tie weight); "
     "PyTorch's 0 hides the NaN")
# yaae's formula keeps its limit where PyTorch's overflows to inf/inf or 0/0
_doc("arcsinh", "grad2", _at(1e308, -1e308), _o_nan,
     "-x/(x^2+1)^1.5 -> 0 (yaae's chain keeps it); PyTorch's x^2 overflows: inf/inf")
_doc("arctanh", "grad2", _at(1e308, -1e308), _o_nan,
     "2x/(1-x^2)^2 -> 0 (yaae's chain keeps it); PyTorch's x^2 overflows: inf/inf")
_doc("sinc", "grad2", _at(*_TINY), lambda y, o: abs(y + math.pi ** 2 / 3) < 1e-12 and
     math.isnan(o), "sinc''(0) = -pi^2/3 exactly (yaae's series at 0); PyTorch's is 0/0")
_doc("hypot", "grad", _pair(lambda x, y: x == 0 and y == 0), lambda y, o: y == 0 and
     math.isnan(o), "0 at the origin, the subgradient abs has (hypot(x, 0) = |x|); "
     "PyTorch's x/hypot is 0/0")
_doc(("hypot", "arctan2"), "grad2", _pair(lambda x, y: _small(x) and _small(y)),
     lambda y, o: y == 0 and math.isnan(o),
     "at the origin (x^2 + y^2 underflows to 0 at 1e-300) the first derivative is the "
     "constant 0 (a double where), so the second is 0; PyTorch's is 0/0")
_doc("copysign", "grad", _pair(lambda x, y: math.isinf(x)),
     lambda y, o: abs(y) == 1 and math.isnan(o),
     "d copysign(x, y)/dx = sign(x) sign(y) exactly, +-1 at x = +-inf; PyTorch's "
     "ratio copysign(x, y)/x is inf/inf")
_doc("copysign", "grad2", _pair(lambda x, y: x == 0 or math.isinf(x) or math.isnan(x)),
     lambda y, o: y == 0 and math.isnan(o),
     "copysign is piecewise linear in x: its second derivative is 0 (its rule "
     "sign(x) sign(y) is piecewise constant); PyTorch's ratio is 0/0, inf/inf, NaN")
_doc(("logaddexp", "logaddexp2"), "grad2", _pair(lambda x, y: True),
     lambda y, o: math.isfinite(y) and abs(y) < 1e-300 and math.isnan(o),
     "sigmoid(x - y)' = s(1 - s) -> 0 when |x - y| is huge (yaae's rule is sigmoid); "
     "PyTorch's 1/(1 + exp(y - x)) differentiated overflows: inf/inf")
_doc("logsumexp", "grad", _vec(("const",), 1e308, -1e308),
     lambda y, o: abs(y - 1.3 / 4) < 1e-12 and o == 1.3,
     "the gradient is softmax(x) = 1/4 each at a constant vector (yaae's shift by the "
     "max); PyTorch's exp(x - lse) rounds lse = x + log 4 to x and gives 1 each")
_doc("logsumexp", "grad2", _vec(("const",), 1e308, -1e308),
     lambda y, o: y == 0 and o != 0,
     "the Hessian of logsumexp has zero row sums (it is diag(p) - p p^T): 0 here, "
     "exactly; PyTorch's follows its rounded gradient")
# the norms where they are 0: yaae's subgradient 0 is constant there (double where)
_ZERO_NORMS = ("norm[None]", "norm[2]", "matrix_norm['fro']")
_doc(_ZERO_NORMS, "grad2", _vec(("const",), *_TINY), lambda y, o: y == 0 and math.isnan(o),
     "a zero norm (|x|^2 underflows to 0 at 1e-300): the first derivative is the constant "
     "0 (double where), its derivative 0; PyTorch's is 0/0")
_doc("log_softmax", "value", _vec(("mixed",), INF), lambda y, o: y == -INF and math.isnan(o),
     "log_softmax there: the finite entries are -inf, their limit; PyTorch's are NaN")
_doc("log_softmax", "grad", _vec(("mixed",), INF),
     lambda y, o: y in tuple(_W4) and math.isnan(o),
     "their gradient w_j - softmax_j sum(w) is w_j (softmax_j = 0 at the limit); "
     "PyTorch's is NaN")
_doc(_ZERO_NORMS, "value", _vec(("mixed",), 1e308, -1e308),
     lambda y, o: y == 1e308 and o == INF,
     "the 2-norm of [1e308, 1.5, -2, 0.25] is 1e308: yaae scales by the largest |x| "
     "(as LAPACK's nrm2); NumPy's and PyTorch's x.x overflows to inf")
_doc(_ZERO_NORMS, "grad", _vec(("mixed",), 1e308, -1e308),
     lambda y, o: abs(y) == 1.3 and o == 0,
     "the gradient x/N of the entry 1e308 is sign(x) (times the cotangent 1.3): exact "
     "with the scaled norm; PyTorch's 1e308/inf is 0")
_doc(_ZERO_NORMS, "grad", _vec(("const",), 1e308, -1e308, 1e-300, -1e-300),
     lambda y, o: abs(y) == 1.3 / 2 and o == 0,
     "the gradient of the norm of a constant vector of 4 is sign(x)/2 (times 1.3): exact "
     "with the scaled norm; PyTorch's x.x over- or underflows and gives x/inf or 0/0 := 0")
_doc(("norm[1.5]", "norm[0.5]", "norm[-1]", "norm[-0.5]"), "grad2",
     _vec(("const", "mixed"), 0.0, -0.0), lambda y, o: y == 0 and math.isnan(o),
     "at a zero entry the first derivative is PyTorch's masked 0 (double where), its "
     "derivative 0; PyTorch's second derivative is 0 * inf")
_doc("norm[0.5]", "grad", _vec(("const",), 1e308, -1e308),
     lambda y, o: abs(abs(y) - 4 * 1.3) < 1e-9 and math.isinf(o),
     "the exact gradient N^(1/2) |x|^(-1/2) = 4 (times the cotangent 1.3); the norm "
     "overflows but yaae's factors do not; PyTorch's |x|^(p-2) x / N^(p-1) is inf")
_doc("norm[0.5]", "grad2", _vec(("const",), 1e308, -1e308),
     lambda y, o: math.isfinite(y) and abs(y) < 1e-300 and math.isnan(o),
     "the norm is homogeneous of degree 1: the Hessian's row sums are 0 (yaae: ~1e-308); "
     "PyTorch's formula overflows to NaN")
_doc("norm[0.5]", "grad2", _vec(("mixed",), INF, -INF),
     lambda y, o: y == -INF and math.isnan(o),
     "with one infinite entry the second derivative along the finite ones tends to "
     "-inf (1/(2x) - N^(1/2) x^(-3/2)/2); PyTorch's formula gives inf - inf")
_doc("norm[0.5]", "grad2", _vec(("const",), 1e-300, -1e-300),
     lambda y, o: y == -INF and math.isnan(o),
     "both overflow in |x|^(p-2) = 1e450: the true row sum is 0; yaae -inf, PyTorch NaN")
_doc(("var[0]", "var[1]"), "grad", _vec(("mixed",), INF, -INF),
     lambda y, o: math.isnan(y) and math.isinf(o),
     "the variance is NaN (inf - inf); yaae's gradient is NaN throughout (the mean's "
     "path carries it); PyTorch's 2(x - mean)/N drops that path and gives -+inf")
_doc(("var[0]", "var[1]"), "grad", _vec(("const",), 1e308, -1e308),
     lambda y, o: math.isnan(y) and math.isinf(o),
     "the sum of four 1e308 overflows, so the mean is inf in yaae as in NumPy: neither "
     "gradient is the true 0 (yaae NaN, PyTorch inf)")
_doc(("matrix_norm['nuc']", "matrix_norm[2]"), "grad2", _vec(("const",), 1e-300, -1e-300),
     lambda y, o: math.isinf(y) and math.isnan(o),
     "the singular values 2e-300 and 0 square to 0 and 0: the SVD rule's 1/(s_i^2 - s_j^2) "
     "is 1/0 in both; yaae inf, PyTorch NaN")
_doc(("matrix_norm['nuc']", "matrix_norm[2]", "matrix_norm[-2]"), "grad2",
     _vec(("mixed",), 1e308, -1e308), _y_nan_o_zero,
     "PENDING (decomp.py, reported): its SVD rule squares the singular values, 1e616 "
     "overflows; PyTorch's is 0")


def check_against_documented(op, found):
    docs = [d for d in DOCUMENTED if op in d.ops]
    unexplained = sorted((m for m in found if not any(d.explains(m) for d in docs)), key=repr)
    assert not unexplained, f"{op}: differs from the oracle, undocumented: {unexplained[:20]}"
    stale = [d.reason for d in docs if not any(d.explains(m) for m in found)]
    assert not stale, f"{op}: documented differences that are no longer ones: {stale}"


# --------------------------------------------------------------------------------------
# 1. the singular points named by the issue
# --------------------------------------------------------------------------------------
VECTOR_ORDS = [None, 2, 1, INF, -INF, 3, 1.5, 0.5, -1, -0.5]
MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, INF, -INF]


def _assert_matches(yres, tres, what):
    (yv, yg, yh), (tv, tg, th) = yres, tres
    np.testing.assert_allclose(yv, tv, rtol=RTOL, atol=ATOL, err_msg=f"{what}: value")
    for a, b in zip(yg, tg):
        assert np.all(np.isfinite(a)), f"{what}: gradient {a}"
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"{what}: gradient")
    if yh is not None:
        for a, b in zip(yh, th):
            assert not np.any(np.isnan(a)), f"{what}: second derivative {a}"
            fin = np.isfinite(b)       # where PyTorch's is finite, it is PyTorch's
            np.testing.assert_allclose(a[fin], b[fin], rtol=RTOL, atol=ATOL,
                                       err_msg=f"{what}: second derivative")


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=repr)
@pytest.mark.parametrize("which", ["norm", "vector_norm"])
def test_vector_norm_at_zero_has_torch_subgradient(ord, which):
    x = np.zeros(4)
    if which == "norm":
        f = lambda t: ya.linalg.norm(t, ord=ord)                    # noqa: E731
    else:
        f = lambda t: ya.linalg.vector_norm(t, ord=2 if ord is None else ord)  # noqa: E731
    tf = lambda t: torch.linalg.vector_norm(t, ord=2 if ord is None else ord)  # noqa: E731
    _assert_matches(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), f"{which} ord={ord}")


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=repr)
def test_vector_norm_with_some_zeros_matches_torch(ord):
    """A partly zero vector: the zero entries get PyTorch's 0 (p < 1 included),
    the others PyTorch's gradient (0 for p < 0, whose norm is then 0)."""
    x = np.array([0.0, 1.5, -2.0, 0.0])
    f = lambda t: ya.linalg.norm(t, ord=ord)                         # noqa: E731
    tf = lambda t: torch.linalg.vector_norm(t, ord=2 if ord is None else ord)  # noqa: E731
    _assert_matches(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), f"ord={ord}")


@pytest.mark.parametrize("ord", [None, 2, 1, INF, 3, 0.5, -1])
def test_vector_norm_at_zero_along_an_axis(ord):
    """One zero row among non-zero ones: only that row's gradient is masked."""
    x = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    f = lambda t: ya.linalg.norm(t, ord=ord, axis=1)                 # noqa: E731
    tf = lambda t: torch.linalg.vector_norm(t, ord=2 if ord is None else ord, dim=1)  # noqa
    _assert_matches(ya_eval(f, [x], [1.0, -0.7]), torch_eval(tf, [x], [1.0, -0.7]),
                    f"axis=1 ord={ord}")


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=repr)
@pytest.mark.parametrize("which", ["norm", "matrix_norm"])
def test_matrix_norm_at_zero_first_order(ord, which):
    """The zero matrix: PyTorch's subgradient for every ``ord`` (0 for the
    entrywise ones; for the singular-value ones U V^T with LAPACK's U = V = I,
    split evenly among the tied singular values, as PyTorch's amax).  Their
    second derivative is NaN in PyTorch as in yaae (the singular values are
    all repeated), so only the first order is compared here."""
    x = np.zeros((2, 3))
    if which == "norm":
        f = lambda t: ya.linalg.norm(t, ord=ord)                    # noqa: E731
    else:
        f = lambda t: ya.linalg.matrix_norm(t, ord=ord)             # noqa: E731
    tf = lambda t: torch.linalg.matrix_norm(t, ord=ord)              # noqa: E731
    _assert_matches(ya_eval(f, [x], 1.0, order=1), torch_eval(tf, [x], 1.0, order=1),
                    f"{which} ord={ord}")


@pytest.mark.parametrize("ord", ["fro", 1, -1, INF, -INF])
def test_matrix_norm_at_zero_second_order(ord):
    x = np.zeros((2, 3))
    f = lambda t: ya.linalg.matrix_norm(t, ord=ord)                 # noqa: E731
    tf = lambda t: torch.linalg.matrix_norm(t, ord=ord)              # noqa: E731
    _assert_matches(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), f"ord={ord}")


def test_norm_of_a_zero_batch_of_matrices():
    x = np.zeros((3, 2, 2))
    x[1] = [[1.0, 2.0], [0.5, -1.0]]
    f = lambda t: ya.linalg.norm(t, axis=(1, 2))                     # noqa: E731
    tf = lambda t: torch.linalg.matrix_norm(t)                       # noqa: E731
    _assert_matches(ya_eval(f, [x], [1.0, 2.0, 3.0]), torch_eval(tf, [x], [1.0, 2.0, 3.0]),
                    "fro, batched")


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var_at_a_constant_input(op, ddof):
    x = np.full(5, 2.0)
    f = lambda t: getattr(ya, op)(t, ddof=ddof)                      # noqa: E731
    tf = lambda t: getattr(torch, op)(t, correction=ddof)            # noqa: E731
    _assert_matches(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), f"{op} ddof={ddof}")


@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var_with_a_constant_row(op):
    x = np.array([[3.0, 3.0, 3.0], [1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
    f = lambda t: getattr(ya, op)(t, axis=1, ddof=1)                 # noqa: E731
    tf = lambda t: getattr(torch, op)(t, dim=1, correction=1)        # noqa: E731
    c = [1.0, -0.5, 2.0]
    _assert_matches(ya_eval(f, [x], c), torch_eval(tf, [x], c), f"{op} rows")


@pytest.mark.parametrize("v", [INF, -INF])
@pytest.mark.parametrize("loss", ["huber_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("param", [0.5, 1.0, 2.0])
def test_robust_losses_at_infinity(loss, v, param):
    kw = {"delta": param} if loss == "huber_loss" else {"beta": param}
    x = np.array([v, 0.3, -4.0])
    tgt = np.array([0.0, 0.1, 0.0])
    f = lambda t: getattr(F, loss)(t, ya.Tensor(tgt), reduction="sum", **kw)   # noqa: E731
    tf = lambda t: getattr(TF, loss)(t, torch.tensor(tgt), reduction="sum", **kw)  # noqa
    _assert_matches_inf_value(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), loss)


def _assert_matches_inf_value(yres, tres, what):
    (yv, yg, yh), (tv, tg, th) = yres, tres
    assert yv == tv == INF, what
    for a, b in zip(yg + yh, tg + th):
        assert np.all(np.isfinite(a)), (what, a)
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("v", [INF, -INF])
def test_robust_losses_at_infinity_with_target(v):
    """The infinity in the target: the input's gradient is -+delta."""
    x = np.array([0.2, 1.0])
    tgt = np.array([v, 0.0])
    f = lambda t: F.huber_loss(t, ya.Tensor(tgt), reduction="mean", delta=0.7)   # noqa
    tf = lambda t: TF.huber_loss(t, torch.tensor(tgt), reduction="mean", delta=0.7)  # noqa
    _assert_matches_inf_value(ya_eval(f, [x], 1.0), torch_eval(tf, [x], 1.0), "huber")


@pytest.mark.parametrize("shape,axis", [((2, 0), 1), ((0, 3), 0), ((0,), 0), ((0, 3), None),
                                        ((2, 0, 3), (1, 2))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_of_an_empty_axis_is_minus_inf(shape, axis, keepdims):
    x = np.zeros(shape)
    y, (g,), (h,) = ya_eval(lambda t: ya.logsumexp(t, axis=axis, keepdims=keepdims), [x],
                            np.ones(np.sum(x, axis=axis, keepdims=keepdims).shape))
    tdim = tuple(range(len(shape))) if axis is None else axis
    ty = torch.logsumexp(torch.zeros(shape, requires_grad=True), dim=tdim, keepdim=keepdims)
    assert y.shape == tuple(ty.shape)
    assert np.all(y == -INF) and np.all(ty.detach().numpy() == -INF)
    assert g.shape == h.shape == shape


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_an_empty_axis(op):
    x = np.zeros((3, 0))
    y, (g,), _ = ya_eval(lambda t: getattr(ya, op)(t, axis=1), [x], np.zeros((3, 0)), order=1,
                         fwd_ok=FWD_WARNS.get(op))
    ty = getattr(torch, op)(torch.zeros((3, 0)), dim=1)
    assert y.shape == tuple(ty.shape) == (3, 0) and g.shape == (3, 0)


def test_norm_penalty_on_a_zero_bias_keeps_it_finite():
    """Issue #9: a norm penalty on a zero-initialised bias made the bias NaN
    after one SGD step.  Now it moves as PyTorch's does."""
    rng = np.random.default_rng(9)
    w = rng.standard_normal((3, 4))
    xb = rng.standard_normal((5, 4))
    yb = rng.standard_normal((5, 3))

    lin = ya.nn.Linear(4, 3)
    lin.weight.data[...] = w
    lin.bias.data[...] = 0.0
    opt = ya.optim.SGD(lin.parameters(), lr=0.1)
    opt.zero_grad()
    loss = ((lin(ya.Tensor(xb)) - ya.Tensor(yb)) ** 2).mean() + ya.linalg.norm(lin.bias)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        loss.backward()
    opt.step()

    tl = torch.nn.Linear(4, 3)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(w))
        tl.bias.zero_()
    topt = torch.optim.SGD(tl.parameters(), lr=0.1)
    tloss = ((tl(torch.tensor(xb)) - torch.tensor(yb)) ** 2).mean() + torch.linalg.norm(tl.bias)
    tloss.backward()
    topt.step()

    assert np.all(np.isfinite(lin.bias.data))
    np.testing.assert_allclose(lin.bias.data, tl.bias.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(lin.weight.data, tl.weight.detach().numpy(), rtol=RTOL,
                               atol=ATOL)


def test_std_of_a_constant_feature_in_training_stays_finite():
    """A standardisation by std over a batch with a constant feature."""
    x = ya.Tensor(np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]]), requires_grad=True)
    s = ya.std(x, axis=0)
    (s * ya.Tensor([1.0, 1.0])).sum().backward()
    tx = torch.tensor(x.data, requires_grad=True)
    torch.std(tx, dim=0, correction=0).sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------------------
# 2. the edge-value table
# --------------------------------------------------------------------------------------
def _jnp(name):
    def f(*xs):
        import jax.numpy as jnp
        return getattr(jnp, name)(*xs)
    return f


# name -> (yaae function, oracle ("torch"/"jax"), oracle function, NumPy's function or
# None when the forward must be silent)
UNARY = {
    "sqrt": (ya.sqrt, "torch", torch.sqrt, np.sqrt),
    "log": (ya.log, "torch", torch.log, np.log),
    "log1p": (ya.log1p, "torch", torch.log1p, np.log1p),
    "log2": (ya.log2, "torch", torch.log2, np.log2),
    "log10": (ya.log10, "torch", torch.log10, np.log10),
    "reciprocal": (ya.reciprocal, "torch", torch.reciprocal, np.reciprocal),
    "arcsin": (ya.arcsin, "torch", torch.asin, np.arcsin),
    "arccos": (ya.arccos, "torch", torch.acos, np.arccos),
    "arctan": (ya.arctan, "torch", torch.atan, np.arctan),
    "arcsinh": (ya.arcsinh, "torch", torch.asinh, np.arcsinh),
    "arccosh": (ya.arccosh, "torch", torch.acosh, np.arccosh),
    "arctanh": (ya.arctanh, "torch", torch.atanh, np.arctanh),
    "abs": (ya.abs, "torch", torch.abs, np.abs),
    "fabs": (ya.fabs, "torch", torch.abs, np.fabs),
    "sign": (ya.sign, "torch", torch.sign, np.sign),
    "cbrt": (ya.cbrt, "jax", _jnp("cbrt"), np.cbrt),
    "exp": (ya.exp, "torch", torch.exp, np.exp),
    "exp2": (ya.exp2, "torch", torch.exp2, np.exp2),
    "expm1": (ya.expm1, "torch", torch.expm1, np.expm1),
    "square": (ya.square, "torch", torch.square, np.square),
    "sin": (ya.sin, "torch", torch.sin, np.sin),
    "cos": (ya.cos, "torch", torch.cos, np.cos),
    "tan": (ya.tan, "torch", torch.tan, np.tan),
    "sinh": (ya.sinh, "torch", torch.sinh, np.sinh),
    "cosh": (ya.cosh, "torch", torch.cosh, np.cosh),
    "tanh": (ya.tanh, "torch", torch.tanh, np.tanh),
    "sinc": (ya.sinc, "torch", torch.sinc, np.sinc),
    "sigmoid": (ya.sigmoid, "torch", torch.sigmoid, None),
    # softplus is NumPy's logaddexp(0, x): its forward warns as that ufunc does
    "softplus": (ya.softplus, "torch", TF.softplus, lambda x: np.logaddexp(0, x)),
    "relu": (ya.relu, "torch", torch.relu, None),
    "nan_to_num": (ya.nan_to_num, "torch", torch.nan_to_num, np.nan_to_num),
}

BINARY = {
    "divide": (ya.divide, "torch", torch.div, np.divide),
    "multiply": (ya.multiply, "torch", torch.mul, np.multiply),
    "power": (ya.power, "torch", torch.pow, np.power),
    "hypot": (ya.hypot, "torch", torch.hypot, np.hypot),
    "arctan2": (ya.arctan2, "torch", torch.atan2, np.arctan2),
    "logaddexp": (ya.logaddexp, "torch", torch.logaddexp, np.logaddexp),
    "logaddexp2": (ya.logaddexp2, "torch", torch.logaddexp2, np.logaddexp2),
    "maximum": (ya.maximum, "torch", torch.maximum, np.maximum),
    "minimum": (ya.minimum, "torch", torch.minimum, np.minimum),
    "fmax": (ya.fmax, "torch", torch.fmax, np.fmax),
    "fmin": (ya.fmin, "torch", torch.fmin, np.fmin),
    "copysign": (ya.copysign, "torch", torch.copysign, np.copysign),
}


def _oracle(kind, fn, arrays, cot, order=2):
    return (torch_eval if kind == "torch" else jax_eval)(fn, arrays, cot, order)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_edge_table_unary(name):
    yf, kind, of, npf = UNARY[name]
    x = np.array(EDGE)
    labels = [_key(v) for v in EDGE]
    yres = ya_eval(yf, [x], np.ones_like(x), np_ref=npf)
    found = mismatches(name, yres, _oracle(kind, of, [x], np.ones_like(x)), labels)
    check_against_documented(name, found)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_edge_table_binary(name):
    yf, kind, of, npf = BINARY[name]
    a, b = np.meshgrid(np.array(GRID), np.array(GRID), indexing="ij")
    a, b = a.ravel(), b.ravel()
    labels = [_key((u, v)) for u, v in zip(a, b)]
    yres = ya_eval(yf, [a, b], np.ones_like(a), np_ref=npf)
    found = mismatches(name, yres, _oracle(kind, of, [a, b], np.ones_like(a)), labels)
    check_against_documented(name, found)


def _reductions():
    out = {}
    for o in VECTOR_ORDS:
        out[f"norm[{o!r}]"] = (lambda t, o=o: ya.linalg.norm(t, ord=o),
                               lambda t, o=o: torch.linalg.vector_norm(
                                   t, ord=2 if o is None else o), False)
    for o in MATRIX_ORDS:
        out[f"matrix_norm[{o!r}]"] = (lambda t, o=o: ya.linalg.norm(t.reshape(2, 2), ord=o),
                                      lambda t, o=o: torch.linalg.matrix_norm(
                                          t.reshape(2, 2), ord=o), o in ("nuc", 2, -2))
    for ddof in (0, 1):
        out[f"std[{ddof}]"] = (lambda t, d=ddof: ya.std(t, ddof=d),
                               lambda t, d=ddof: torch.std(t, correction=d), False)
        out[f"var[{ddof}]"] = (lambda t, d=ddof: ya.var(t, ddof=d),
                               lambda t, d=ddof: torch.var(t, correction=d), False)
    out["logsumexp"] = (lambda t: ya.logsumexp(t), lambda t: torch.logsumexp(t, 0), False)
    out["softmax"] = (lambda t: ya.softmax(t), lambda t: torch.softmax(t, 0), False)
    out["log_softmax"] = (lambda t: ya.log_softmax(t), lambda t: torch.log_softmax(t, 0), False)
    return out


REDUCTIONS = _reductions()
# softmax and log_softmax compute their forward quietly, as PyTorch's are
FWD_WARNS = {}
# the weights of the outputs (softmax: ones would make every gradient 0)
_W4 = np.array([0.3, -1.2, 0.7, 2.0])


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_edge_table_reductions(name):
    """Each reduction on [v, 1.5, -2, 0.25] (one edge value among ordinary ones)
    and on [v, v, v, v] (constant), for every edge value v.  The singular-value
    norms only at finite v (NumPy's and PyTorch's SVD refuse inf/NaN)."""
    yf, tf, svd = REDUCTIONS[name]
    found = set()
    for v in EDGE:
        if svd and not math.isfinite(v):
            continue
        for kind, x in (("mixed", np.array([v, 1.5, -2.0, 0.25])), ("const", np.full(4, v))):
            with torch.no_grad():
                shape = tf(torch.tensor(x)).shape
            cot = _W4 if len(shape) else 1.3
            labels = [(kind, _key(v))] * 4
            found |= mismatches(name, ya_eval(yf, [x], cot, fwd_ok=FWD_WARNS.get(name)),
                                torch_eval(tf, [x], cot), labels)
    check_against_documented(name, found)
