"""Property-based tests: random expression graphs on random shapes, checked
against central finite differences with ``ya.testing.gradcheck`` (reverse and
forward mode), against ``Tensor.backward``, at second order, and for dtype
preservation in float32.

A program is built by a Hypothesis strategy: a pool of values starts with the
inputs; each step applies an op (elementwise unary/binary with broadcasting,
reductions with random axis/keepdims, reshape/transpose/getitem/concatenate,
matmul) to values of the pool, and the last value is the output.  While
building, the program is evaluated on the concrete inputs, so every op is
known to be valid for its shapes, and ops with a kink (max/min/maximum/where)
are only chosen where the inputs are far from it.
"""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yaae as ya
from yaae import Tensor

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

GAP = 1e-3  # minimum distance from a kink (finite differences use eps = 1e-6)


# --------------------------------------------------------------------------
# the op tables: name -> function of Tensors (only yaae functions, methods,
# operators and NumPy interop; every domain is safe for any real input)
# --------------------------------------------------------------------------
UNARY = {
    "sin": lambda x: ya.sin(x),
    "cos": lambda x: x.cos(),
    "np.tanh": lambda x: np.tanh(x),
    "sigmoid": lambda x: ya.sigmoid(x),
    "square": lambda x: x * x,
    "log(x*x+1)": lambda x: ya.log(x * x + 1),
    "np.log(x*x+1)": lambda x: np.log(x * x + 1.0),
    "sqrt(x*x+1)": lambda x: (x * x + 1).sqrt(),
    "exp(tanh)": lambda x: ya.exp(ya.tanh(x)),
    "np.exp(sin)": lambda x: np.exp(np.sin(x)),
    "neg": lambda x: -x,
    "cube": lambda x: x ** 3,
    "affine": lambda x: 0.5 * x - 0.25,
    "softplus": lambda x: ya.softplus(x),
    "arctan": lambda x: ya.arctan(x),
    "1/(x*x+1)": lambda x: 1.0 / (x * x + 1),
    "(x*x+1)**0.5": lambda x: (x * x + 1) ** 0.5,
    "2**tanh": lambda x: 2.0 ** ya.tanh(x),
    "log1p(x*x)": lambda x: ya.log1p(x * x),
    "sinh(tanh)": lambda x: ya.sinh(ya.tanh(x)),
}

BINARY = {
    "add": lambda x, y: x + y,
    "np.add": lambda x, y: np.add(x, y),
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "ya.multiply": lambda x, y: ya.multiply(x, y),
    "div": lambda x, y: x / (y * y + 1),
    "pow": lambda x, y: (ya.sigmoid(x) + 0.5) ** ya.tanh(y),
    "hypot-ish": lambda x, y: ya.sqrt(x * x + y * y + 1),
}

# binary ops with a kink where x == y: only used where |x - y| > GAP
KINKED_BINARY = {
    "maximum": lambda x, y: ya.maximum(x, y),
    "np.minimum": lambda x, y: np.minimum(x, y),
    "where": lambda x, y: ya.where(x > y, ya.sin(x), y * 2.0),
}


REDUCTIONS = {
    "sum": lambda x, axis, keepdims: ya.sum(x, axis=axis, keepdims=keepdims),
    "np.sum": lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    "mean": lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
    "prod": lambda x, axis, keepdims: ya.prod(x, axis=axis, keepdims=keepdims),
    "var": lambda x, axis, keepdims: ya.var(x, axis=axis, keepdims=keepdims),
    "logsumexp": lambda x, axis, keepdims: ya.logsumexp(x, axis=axis, keepdims=keepdims),
}

# reductions with a kink at ties: only used where the top two differ by > GAP
KINKED_REDUCTIONS = {
    "max": lambda x, axis, keepdims: ya.max(x, axis=axis, keepdims=keepdims),
    "min": lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
}


class Program:
    """A straight-line program over a pool of values; called with Tensors."""

    def __init__(self, inputs):
        self.inputs = inputs
        self.vals = [np.asarray(a) for a in inputs]   # concrete values while building
        self.steps = []                               # (desc, fn, operand indices)

    def _eval(self, fn, idx):
        with ya.no_grad():
            out = fn(*[Tensor(self.vals[i]) for i in idx])
        assert isinstance(out, Tensor)
        return out.data

    def try_add(self, desc, fn, idx):
        """Append the step if it is valid for the operands' shapes."""
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                val = self._eval(fn, idx)
        except (ValueError, IndexError, FloatingPointError):
            return False
        if val.size == 0 or not np.all(np.isfinite(val)) or np.max(np.abs(val), initial=0) > 1e4:
            return False
        self.vals.append(val)
        self.steps.append((desc, fn, tuple(idx)))
        return True

    def __call__(self, *xs):
        pool = list(xs)
        for _, fn, idx in self.steps:
            pool.append(fn(*[pool[i] for i in idx]))
        return pool[-1]

    def __repr__(self):
        lines = [f"inputs: {[a.shape for a in self.inputs]}"]
        n = len(self.inputs)
        for k, (desc, _, idx) in enumerate(self.steps):
            lines.append(f"  v{n + k} = {desc}({', '.join(f'v{i}' for i in idx)})")
        return "\n".join(lines)


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def axes_for(draw, ndim):
    """None, an int (possibly negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    neg = draw(st.booleans())
    return tuple(a - ndim if neg else a for a in axes)


@st.composite
def index_for(draw, shape):
    """A basic index (slices, ints, None, Ellipsis) or an integer-array index."""
    kind = draw(st.sampled_from(["slices", "slices", "int", "array", "ellipsis"]))
    nd = len(shape)
    if kind == "array" and nd >= 1:
        n = shape[0]
        idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
        return np.array(idx), f"[{idx}]"
    if kind == "int" and nd >= 1:
        i = draw(st.integers(-shape[0], shape[0] - 1))
        return i, f"[{i}]"
    if kind == "ellipsis" and nd >= 1:
        n = shape[-1]
        start = draw(st.integers(0, n - 1))
        return (Ellipsis, slice(start, None)), f"[..., {start}:]"
    items = []
    for n in shape[:draw(st.integers(0, nd))]:
        start = draw(st.one_of(st.none(), st.integers(-n, n - 1)))
        stop = draw(st.one_of(st.none(), st.integers(-n, n)))
        step = draw(st.sampled_from([None, 1, 2, -1]))
        items.append(slice(start, stop, step))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items), f"[{tuple(items)}]"


@st.composite
def reshape_target(draw, shape):
    size = int(np.prod(shape, dtype=np.int64))
    options = [(size,), (-1,), tuple(reversed(shape)), (1,) + tuple(shape),
               tuple(shape) + (1,)]
    if size % 2 == 0 and size > 2:
        options.append((2, -1))
        options.append((size // 2, 2))
    if shape:
        perm = draw(st.permutations(list(shape)))
        options.append(tuple(perm))
    return draw(st.sampled_from(options))


@st.composite
def programs(draw, max_steps=6, max_inputs=3, min_steps=1):
    # a base shape; every input is a "broadcastable version" of it
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    n_in = draw(st.integers(1, max_inputs))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    inputs = []
    for _ in range(n_in):
        drop = draw(st.integers(0, len(base)))
        shp = [1 if draw(st.booleans()) and draw(st.booleans()) else s for s in base[drop:]]
        inputs.append(rng.uniform(-1.5, 1.5, size=tuple(shp)))
    prog = Program(inputs)

    n_steps = draw(st.integers(min_steps, max_steps))
    for _ in range(n_steps):
        vals = prog.vals
        last = len(vals) - 1
        # the first operand is usually the newest value, so graphs get deep
        i = draw(st.one_of(st.just(last), st.integers(0, last)))
        x = vals[i]
        kind = draw(st.sampled_from(["unary", "binary", "binary", "kinked", "reduce",
                                     "kreduce", "reshape", "transpose", "getitem",
                                     "matmul", "concat", "broadcast_to", "softmax"]))
        added = False
        if kind == "binary":
            name = draw(st.sampled_from(sorted(BINARY)))
            cands = [j for j in range(len(vals)) if _broadcastable(x.shape, vals[j].shape)]
            j = draw(st.sampled_from(cands))  # i itself is always a candidate
            added = prog.try_add(name, BINARY[name], (i, j))
        elif kind == "kinked":
            name = draw(st.sampled_from(sorted(KINKED_BINARY)))
            cands = [j for j in range(len(vals)) if j != i
                     and _broadcastable(x.shape, vals[j].shape)
                     and np.min(np.abs(x - vals[j]), initial=np.inf) > GAP]
            if cands:
                j = draw(st.sampled_from(cands))
                added = prog.try_add(name, KINKED_BINARY[name], (i, j))
        elif kind in ("reduce", "kreduce"):
            table = REDUCTIONS if kind == "reduce" else KINKED_REDUCTIONS
            name = draw(st.sampled_from(sorted(table)))
            axis = draw(axes_for(x.ndim))
            keepdims = draw(st.booleans())
            ok = True
            if kind == "kreduce" and x.ndim:
                ax = tuple(range(x.ndim)) if axis is None else (
                    axis if isinstance(axis, tuple) else (axis,))
                ax = tuple(a % x.ndim for a in ax)
                moved = np.moveaxis(x, ax, tuple(range(-len(ax), 0)))
                flat = moved.reshape(moved.shape[:x.ndim - len(ax)] + (-1,))
                if flat.shape[-1] > 1:
                    srt = np.sort(flat, axis=-1)
                    ok = (np.min(srt[..., -1] - srt[..., -2]) > GAP
                          and np.min(srt[..., 1] - srt[..., 0]) > GAP)
            if ok:
                fn = (lambda f, a, k: lambda v: f(v, a, k))(table[name], axis, keepdims)
                added = prog.try_add(f"{name}(axis={axis}, keepdims={keepdims})", fn, (i,))
        elif kind == "reshape":
            target = draw(reshape_target(x.shape))
            how = draw(st.sampled_from(["ya", "method", "np"]))
            fn = {"ya": lambda v, s=target: ya.reshape(v, s),
                  "method": lambda v, s=target: v.reshape(s),
                  "np": lambda v, s=target: np.reshape(v, s)}[how]
            added = prog.try_add(f"{how}.reshape{target}", fn, (i,))
        elif kind == "transpose":
            if x.ndim == 2 and draw(st.booleans()):
                added = prog.try_add("T", lambda v: v.T, (i,))
            else:
                perm = tuple(draw(st.permutations(list(range(x.ndim)))))
                how = draw(st.sampled_from(["ya", "np"]))
                fn = ((lambda v, p=perm: ya.transpose(v, p)) if how == "ya"
                      else (lambda v, p=perm: np.transpose(v, p)))
                added = prog.try_add(f"{how}.transpose{perm}", fn, (i,))
        elif kind == "getitem":
            idx, desc = draw(index_for(x.shape))
            added = prog.try_add(f"getitem{desc}", lambda v, k=idx: v[k], (i,))
        elif kind == "matmul":
            cands = []
            for j in range(len(vals)):
                y = vals[j]
                if x.ndim >= 1 and y.ndim >= 1:
                    for tr in (False, True):
                        yy = np.swapaxes(y, -1, -2) if tr and y.ndim >= 2 else y
                        if tr and y.ndim < 2:
                            continue
                        try:
                            np.matmul(x, yy)
                        except ValueError:
                            continue
                        cands.append((j, tr))
            if cands:
                j, tr = draw(st.sampled_from(cands))
                how = draw(st.sampled_from(["op", "np", "ya"]))
                mm = {"op": lambda a, b: a @ b, "np": np.matmul, "ya": ya.matmul}[how]
                fn = ((lambda a, b, m=mm: m(a, ya.swapaxes(b, -1, -2))) if tr
                      else (lambda a, b, m=mm: m(a, b)))
                added = prog.try_add(f"matmul[{how}]{'(.,swap)' if tr else ''}", fn, (i, j))
        elif kind == "concat":
            if x.ndim >= 1:
                axis = draw(st.integers(-x.ndim, x.ndim - 1))
                cands = [j for j in range(len(vals)) if vals[j].ndim == x.ndim and all(
                    a == b for k, (a, b) in enumerate(zip(x.shape, vals[j].shape))
                    if k != axis % x.ndim)]
                j = draw(st.sampled_from(cands))
                how = draw(st.sampled_from(["ya", "np"]))
                cat = ya.concatenate if how == "ya" else np.concatenate
                added = prog.try_add(f"{how}.concatenate(axis={axis})",
                                     lambda a, b, c=cat, ax=axis: c([a, b], axis=ax), (i, j))
        elif kind == "broadcast_to":
            lead = draw(st.integers(1, 2))
            target = (lead,) + tuple(x.shape)
            added = prog.try_add(f"broadcast_to{target}",
                                 lambda v, s=target: ya.broadcast_to(v, s), (i,))
        elif kind == "softmax":
            if x.ndim >= 1:
                axis = draw(st.integers(-x.ndim, x.ndim - 1))
                added = prog.try_add(f"softmax(axis={axis})",
                                     lambda v, a=axis: ya.softmax(v, axis=a), (i,))
        if not added:  # a unary op always applies
            name = draw(st.sampled_from(sorted(UNARY)))
            added = prog.try_add(name, UNARY[name], (i,))
            assert added, (name, prog)
    # fold every value nothing used yet into the output, so that every step
    # of the program is reached by the derivatives
    used = {j for _, _, idx in prog.steps for j in idx}
    n_in = len(prog.inputs)
    dangling = [k for k in range(n_in, len(prog.vals) - 1) if k not in used]
    for k in dangling:
        prog.try_add("fold: a + 0.5 * sum(b)", lambda a, b: a + 0.5 * ya.sum(b),
                     (len(prog.vals) - 1, k))
    return prog


# --------------------------------------------------------------------------
# the properties
# --------------------------------------------------------------------------
@settings(max_examples=40, **SETTINGS)
@given(programs())
def test_random_graph_gradcheck_rev_and_fwd(prog):
    assert ya.testing.gradcheck(prog, *prog.inputs, modes=("rev", "fwd"))


@settings(max_examples=25, **SETTINGS)
@given(programs(min_steps=6, max_steps=12))
def test_random_deep_graph_gradcheck_rev_and_fwd(prog):
    assert ya.testing.gradcheck(prog, *prog.inputs, modes=("rev", "fwd"))


@settings(max_examples=30, **SETTINGS)
@given(programs(), st.integers(0, 2 ** 32 - 1))
def test_random_graph_backward_matches_finite_differences(prog, seed):
    """``Tensor.backward`` (the plain NumPy-speed sweep) on the same graphs."""
    xs = [Tensor(a, requires_grad=True) for a in prog.inputs]
    out = prog(*xs)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, prog.vals[-1], rtol=1e-12, atol=1e-12)
    u = np.random.default_rng(seed).standard_normal(out.shape)
    if out.requires_grad:
        out.backward(u)
    num = ya.testing.numerical_jacobian(prog, prog.inputs)
    for x, J in zip(xs, num):
        want = (u.reshape(-1) @ J).reshape(x.shape)
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        assert got.shape == x.shape
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4, err_msg=repr(prog))


@settings(max_examples=12, **SETTINGS)
@given(programs(max_steps=3, max_inputs=2))
def test_random_graph_second_order(prog):
    assert ya.testing.gradcheck(prog, *prog.inputs, modes=("rev", "fwd"), order=2,
                                atol=1e-4, rtol=1e-3)


@settings(max_examples=25, **SETTINGS)
@given(programs())
def test_random_graph_float32_stays_float32(prog):
    xs = [Tensor(a.astype(np.float32), requires_grad=True) for a in prog.inputs]
    pool = list(xs)
    for desc, fn, idx in prog.steps:
        v = fn(*[pool[i] for i in idx])
        assert v.dtype == np.float32, f"{desc} gave {v.dtype}\n{prog!r}"
        pool.append(v)
    out = pool[-1]
    if out.requires_grad:
        out.backward(np.ones(out.shape, dtype=np.float32))
    for x in xs:
        if x.grad is not None:
            assert x.grad.dtype == np.float32, repr(prog)
    # and the float32 value agrees with the float64 one
    np.testing.assert_allclose(out.data, prog.vals[-1], rtol=2e-3, atol=2e-3)


@settings(max_examples=40, **SETTINGS)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=3),
       st.lists(st.integers(1, 3), min_size=0, max_size=3),
       st.data())
def test_broadcast_binary_gradients_sum_to_input_shapes(sa, sb, data):
    """Gradients of broadcasting binary ops have the inputs' shapes and equal
    the cotangent summed over the broadcast axes (closed form)."""
    # make the two shapes broadcast-compatible
    n = min(len(sa), len(sb))
    sb = list(sb)
    for k in range(1, n + 1):
        if sa[-k] != sb[-k] and sa[-k] != 1 and sb[-k] != 1:
            sb[-k] = 1 if data.draw(st.booleans()) else sa[-k]
    sb = tuple(sb)
    sa = tuple(sa)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    a = rng.uniform(0.5, 1.5, sa)
    b = rng.uniform(0.5, 1.5, sb)
    out_shape = np.broadcast_shapes(sa, sb)
    u = rng.standard_normal(out_shape)

    def unbroadcast(g, shape):
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        for k, s in enumerate(shape):
            if s == 1 and g.shape[k] != 1:
                g = g.sum(axis=k, keepdims=True)
        return g

    A, B = np.broadcast_to(a, out_shape), np.broadcast_to(b, out_shape)
    cases = {
        "add": (lambda x, y: x + y, u, u),
        "sub": (lambda x, y: x - y, u, -u),
        "mul": (lambda x, y: x * y, u * B, u * A),
        "div": (lambda x, y: x / y, u / B, -u * A / B ** 2),
        "pow": (lambda x, y: x ** y, u * B * A ** (B - 1), u * A ** B * np.log(A)),
    }
    for name, (fn, ga, gb) in cases.items():
        x = Tensor(a, requires_grad=True)
        y = Tensor(b, requires_grad=True)
        out = fn(x, y)
        assert out.shape == out_shape
        out.backward(u)
        assert x.grad.shape == sa and y.grad.shape == sb, name
        np.testing.assert_allclose(x.grad.data, unbroadcast(ga, sa), rtol=1e-12, atol=1e-12,
                                   err_msg=name)
        np.testing.assert_allclose(y.grad.data, unbroadcast(gb, sb), rtol=1e-12, atol=1e-12,
                                   err_msg=name)


@st.composite
def shape_chains(draw):
    """An input of 2-4 dims and a chain of shape ops (transpose with any
    permutation, swapaxes, moveaxis, reshape, getitem) applied to it."""
    shape = tuple(draw(st.lists(st.integers(2, 3), min_size=2, max_size=4)))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    x0 = np.random.default_rng(seed).uniform(-1.5, 1.5, size=shape)
    prog = Program([x0])
    for _ in range(draw(st.integers(1, 5))):
        i = len(prog.vals) - 1
        x = prog.vals[i]
        kind = draw(st.sampled_from(["transpose", "transpose", "swapaxes", "moveaxis",
                                     "reshape", "getitem"]))
        added = False
        if kind == "transpose" and x.ndim >= 2:
            perm = tuple(draw(st.permutations(list(range(x.ndim)))))
            added = prog.try_add(f"transpose{perm}", lambda v, p=perm: ya.transpose(v, p), (i,))
        elif kind == "swapaxes" and x.ndim >= 2:
            a = draw(st.integers(-x.ndim, x.ndim - 1))
            b = draw(st.integers(-x.ndim, x.ndim - 1))
            added = prog.try_add(f"swapaxes({a}, {b})",
                                 lambda v, a=a, b=b: np.swapaxes(v, a, b), (i,))
        elif kind == "moveaxis" and x.ndim >= 2:
            a = draw(st.integers(0, x.ndim - 1))
            b = draw(st.integers(-x.ndim, x.ndim - 1))
            added = prog.try_add(f"moveaxis({a}, {b})",
                                 lambda v, a=a, b=b: np.moveaxis(v, a, b), (i,))
        elif kind == "reshape":
            target = draw(reshape_target(x.shape))
            added = prog.try_add(f"reshape{target}", lambda v, s=target: v.reshape(s), (i,))
        elif kind == "getitem":
            idx, desc = draw(index_for(x.shape))
            added = prog.try_add(f"getitem{desc}", lambda v, k=idx: v[k], (i,))
        if not added:
            prog.try_add("sin", UNARY["sin"], (i,))
    # weight the output so that every position matters differently
    w = np.random.default_rng(seed + 1).uniform(0.5, 2.0, size=prog.vals[-1].shape)
    prog.try_add("times fixed weights", lambda v, w=w: v * w, (len(prog.vals) - 1,))
    return prog


@settings(max_examples=40, **SETTINGS)
@given(shape_chains())
def test_shape_op_chains_gradcheck(prog):
    assert ya.testing.gradcheck(prog, *prog.inputs, modes=("rev", "fwd"))
    # the plain backward sweep too, against the exact answer: these maps are
    # linear, so the gradient is the transpose of the map applied to the seed
    x = Tensor(prog.inputs[0], requires_grad=True)
    out = prog(x)
    u = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(u)
    J = ya.testing.numerical_jacobian(prog, prog.inputs)[0]
    np.testing.assert_allclose(x.grad.data, (u.reshape(-1) @ J).reshape(x.shape),
                               rtol=1e-6, atol=1e-6, err_msg=repr(prog))
