"""Tests of yaae's function transforms (grad, value_and_grad, vjp, jvp, jacrev,
jacfwd, jacobian, hessian, hvp), of forward mode (one JVP rule per primitive),
of arbitrary nesting without perturbation confusion, and of
``backward(create_graph=True)``.

Expected values come from closed forms, central finite differences or PyTorch
(float64), never from yaae itself.
"""
import math

import numpy as np
import pytest
import torch

import yaae as ya

torch.set_default_dtype(torch.float64)

RTOL = 1e-7
ATOL = 1e-9


def close(a, b, rtol=RTOL, atol=ATOL):
    a = np.asarray(a.data if isinstance(a, ya.Tensor) else a, dtype=np.float64)
    b = np.asarray(b.detach().numpy() if isinstance(b, torch.Tensor) else b, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != expected {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def arr(x):
    """Data of a yaae result (Tensor or ndarray) as a float64 ndarray."""
    return np.asarray(x.data if isinstance(x, ya.Tensor) else x, dtype=np.float64)


def tree_close(got, want, rtol=1e-7, atol=1e-9, leaf_type=None, strict=True):
    """Same pytree structure (tuple/list/dict) and close leaves; ``want`` may hold torch
    tensors.  ``strict=False`` accepts a list for a tuple and vice versa (to compare the
    values first and the container types separately)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"expected a dict, got {type(got)}"
        # same keys; the order is JAX's (sorted), not torch.func's (insertion)
        assert list(got.keys()) == sorted(want.keys())
        for k in want:
            tree_close(got[k], want[k], rtol, atol, leaf_type, strict)
    elif isinstance(want, (tuple, list)):
        if strict:
            assert type(got) is type(want), f"expected {type(want)}, got {type(got)}"
        else:
            assert isinstance(got, (tuple, list)), f"expected a sequence, got {type(got)}"
        assert len(got) == len(want)
        for g, w in zip(got, want):
            tree_close(g, w, rtol, atol, leaf_type, strict)
    else:
        if leaf_type is not None:
            assert type(got) is leaf_type, f"leaf of type {type(got)}, expected {leaf_type}"
        close(got, want, rtol, atol)


def to_torch(tree):
    if isinstance(tree, dict):
        return {k: to_torch(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(to_torch(v) for v in tree)
    return torch.tensor(np.asarray(tree, dtype=np.float64))


# =====================================================================================
# The forward-mode walk-through
# =====================================================================================
def walk_y(x1, x2):
    return ya.exp(2 * x1) + x1 * x2 ** 2 + ya.cos(x2)


def test_walkthrough_forward_two_sweeps():
    want = np.array([2 * math.e ** 2 + 4, 4 - math.sin(2)])
    y1, d1 = ya.jvp(walk_y, (1.0, 2.0), (1.0, 0.0))
    y2, d2 = ya.jvp(walk_y, (1.0, 2.0), (0.0, 1.0))
    yv = math.exp(2) + 4 + math.cos(2)
    close(y1, yv)
    close(y2, yv)
    close(d1, want[0])
    close(d2, want[1])


def test_walkthrough_reverse_one_sweep():
    want = np.array([2 * math.e ** 2 + 4, 4 - math.sin(2)])
    y, fn = ya.vjp(walk_y, 1.0, 2.0)
    close(y, math.exp(2) + 4 + math.cos(2))
    g1, g2 = fn(1.0)
    close(g1, want[0])
    close(g2, want[1])
    # and the same through grad with argnums, and through a vector input
    gs = ya.grad(walk_y, argnums=(0, 1))(1.0, 2.0)
    close(np.array([arr(g) for g in gs]), want)
    close(ya.grad(lambda v: walk_y(v[0], v[1]))(np.array([1.0, 2.0])), want)
    # the Tensor API too
    x1 = ya.tensor(1.0, requires_grad=True)
    x2 = ya.tensor(2.0, requires_grad=True)
    walk_y(x1, x2).backward()
    close(x1.grad, want[0])
    close(x2.grad, want[1])


def walk_w(w1, w2):
    w3 = w1 * w2
    w4 = ya.sin(w1)
    return w3 + w4


def test_walkthrough_second_example_both_modes():
    want = (math.cos(2) + 3, 2.0)
    yv = 6 + math.sin(2)
    y, d1 = ya.jvp(walk_w, (2.0, 3.0), (1.0, 0.0))
    close(y, yv)
    close(d1, want[0])
    _, d2 = ya.jvp(walk_w, (2.0, 3.0), (0.0, 1.0))
    close(d2, want[1])
    y, fn = ya.vjp(walk_w, 2.0, 3.0)
    close(y, yv)
    g = fn(1.0)
    assert isinstance(g, tuple) and len(g) == 2
    close(g[0], want[0])
    close(g[1], want[1])
    # written with NumPy functions on the traced values
    _, d = ya.jvp(lambda a, b: a * b + np.sin(a), (2.0, 3.0), (1.0, 0.0))
    close(d, want[0])
    close(ya.grad(lambda a, b: a * b + np.sin(a))(2.0, 3.0), want[0])


# =====================================================================================
# Every primitive: JVP vs VJP vs finite differences
# =====================================================================================
def _bshapes(rng, k, min_nd=0, max_nd=3):
    """k shapes that broadcast together (some dims 1, some leading dims dropped)."""
    nd = int(rng.integers(min_nd, max_nd + 1))
    full = tuple(int(s) for s in rng.integers(2, 5, size=nd))
    shapes = []
    for _ in range(k):
        drop = int(rng.integers(0, nd + 1)) if nd else 0
        s = list(full[drop:])
        for i in range(len(s)):
            if rng.random() < 0.3:
                s[i] = 1
        shapes.append(tuple(s))
    # make sure at least one argument has the full rank
    shapes[int(rng.integers(0, k))] = full
    return shapes


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _pos(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape)


def _unit(rng, shape):
    return rng.uniform(-0.8, 0.8, size=shape)


def _nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 1.5, size=shape)


def _small(rng, shape):
    return rng.uniform(-1.0, 1.0, size=shape)


def _unary_case(fn, sampler):
    def make(rng):
        (s,) = _bshapes(rng, 1)
        return fn, [sampler(rng, s)]
    return make


def _binary_case(fn, s1, s2):
    def make(rng):
        a, b = _bshapes(rng, 2)
        return fn, [s1(rng, a), s2(rng, b)]
    return make


def _minmax_case(fn):
    def make(rng):
        a, b = _bshapes(rng, 2)
        x = rng.standard_normal(a)
        y = rng.standard_normal(b)
        # keep away from ties
        xb, yb = np.broadcast_arrays(x, y)
        if np.min(np.abs(xb - yb)) < 1e-3:
            x = x + 0.01
        return fn, [x, y]
    return make


def _where_case(rng):
    sc, sx, sy = _bshapes(rng, 3)
    cond = rng.random(sc) < 0.5
    return (lambda x, y: ya.where(cond, x, y)), [rng.standard_normal(sx), rng.standard_normal(sy)]


def _away(rng, shape, points, margin=0.1, scale=1.5):
    x = rng.uniform(-scale, scale, size=shape)
    for p in points:
        near = np.abs(x - p) < margin
        x = np.where(near, p + np.sign(x - p + 1e-12) * margin * 2, x)
    return x


def _clip_case(rng):
    (s,) = _bshapes(rng, 1)
    return (lambda x: ya.clip(x, -0.5, 0.5)), [_away(rng, s, [-0.5, 0.5])]


def _clip_arrays_case(rng):
    s, sl, sh = _bshapes(rng, 3)
    lo = rng.uniform(-1.0, -0.3, size=sl)
    hi = rng.uniform(0.3, 1.0, size=sh)
    x = rng.uniform(-1.6, 1.6, size=s)
    xb, lb, hb = np.broadcast_arrays(x, lo, hi)
    # move x away from the bounds where it is too close
    bad = (np.abs(xb - lb) < 0.05) | (np.abs(xb - hb) < 0.05)
    if bad.any():
        x = np.broadcast_to(x, xb.shape).copy()
        x[bad] = 0.0
    return (lambda x, lo, hi: ya.clip(x, lo, hi)), [x, lo, hi]


def _abs_relu_case(fn):
    def make(rng):
        (s,) = _bshapes(rng, 1)
        return fn, [_nonzero(rng, s)]
    return make


def _reduction_case(red, sampler=_normal):
    def make(rng):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(2, 5, size=nd))
        choice = int(rng.integers(0, 3))
        if choice == 0:
            axis = None
        elif choice == 1:
            axis = int(rng.integers(-nd, nd))
        else:
            axis = tuple(sorted(rng.choice(nd, size=min(2, nd), replace=False).tolist()))
        keepdims = bool(rng.integers(0, 2))
        return (lambda x: red(x, axis=axis, keepdims=keepdims)), [sampler(rng, shape)]
    return make


def _prod_sampler(rng, shape):
    return rng.uniform(0.6, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _reshape_case(rng):
    nd = int(rng.integers(1, 4))
    shape = tuple(int(s) for s in rng.integers(2, 5, size=nd))
    target = [shape[::-1], (-1,), (1,) + shape + (1,)][int(rng.integers(0, 3))]
    return (lambda x: ya.reshape(x, target)), [rng.standard_normal(shape)]


def _transpose_case(rng):
    nd = int(rng.integers(1, 4))
    shape = tuple(int(s) for s in rng.integers(2, 5, size=nd))
    perm = tuple(rng.permutation(nd).tolist())
    if rng.random() < 0.3:
        return (lambda x: ya.transpose(x)), [rng.standard_normal(shape)]
    return (lambda x: ya.transpose(x, perm)), [rng.standard_normal(shape)]


def _broadcast_to_case(rng):
    a, = _bshapes(rng, 1, min_nd=1)
    target = (3,) + tuple(int(rng.integers(2, 4)) if d == 1 else d for d in a)
    return (lambda x: ya.broadcast_to(x, target)), [rng.standard_normal(a)]


def _getitem_basic_case(rng):
    x = rng.standard_normal((4, 5, 3))
    keys = [(slice(1, 3), slice(None, None, 2), 1), (Ellipsis, 0), (2,),
            (slice(None), None, slice(3, 0, -1)), (-1, slice(1, 4), slice(None))]
    key = keys[int(rng.integers(0, len(keys)))]
    return (lambda x: ya.getitem(x, key)), [x]


def _getitem_int_case(rng):
    x = rng.standard_normal((4, 5, 3))
    keys = [([0, 2, 2, 1, 0, 2],),
            (slice(None), [1, 1, 3, 4, 1]),
            (np.array([[0, 3], [3, 3]]), slice(1, 4)),
            ([0, 1, 1], slice(None), [2, 0, 2]),          # separated advanced indices
            (Ellipsis, [2, 2, 0])]
    key = keys[int(rng.integers(0, len(keys)))]
    return (lambda x: x[key]), [x]


def _getitem_mask_case(rng):
    x = rng.standard_normal((4, 5))
    if rng.random() < 0.5:
        mask = rng.random((4, 5)) < 0.5
        mask[0, 0] = True
        return (lambda x: x[mask]), [x]
    mask = np.array([True, False, True, True, False])
    return (lambda x: x[:, mask]), [x]


def _concatenate_case(rng):
    nd = int(rng.integers(1, 4))
    base = [int(s) for s in rng.integers(2, 4, size=nd)]
    axis = int(rng.integers(-nd, nd))
    arrays = []
    for _ in range(3):
        s = list(base)
        s[axis] = int(rng.integers(1, 4))
        arrays.append(rng.standard_normal(s))
    return (lambda a, b, c: ya.concatenate([a, b, c], axis=axis)), arrays


def _pad_case(rng):
    nd = int(rng.integers(1, 4))
    shape = tuple(int(s) for s in rng.integers(2, 4, size=nd))
    widths = tuple((int(rng.integers(0, 3)), int(rng.integers(0, 3))) for _ in range(nd))
    return (lambda x: ya.pad(x, widths)), [rng.standard_normal(shape)]


def _matmul_case(rng):
    pairs = [((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
             ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 3)), ((4,), (2, 4, 3))]
    a, b = pairs[int(rng.integers(0, len(pairs)))]
    return (lambda x, y: ya.matmul(x, y)), [rng.standard_normal(a), rng.standard_normal(b)]


def _einsum_case(rng):
    specs = [("ij,jk->ik", [(3, 4), (4, 2)]),
             ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
             ("ii->i", [(4, 4)]),
             ("ii", [(3, 3)]),
             ("ij->", [(3, 4)]),
             ("i,i->", [(5,), (5,)]),
             ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),
             ("ij,ij->i", [(3, 4), (3, 4)]),
             ("ijk->kji", [(2, 3, 4)]),
             ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
             ("i,j->ij", [(3,), (4,)])]
    sub, shapes = specs[int(rng.integers(0, len(specs)))]
    return (lambda *ops: ya.einsum(sub, *ops)), [rng.standard_normal(s) for s in shapes]


def _wellcond(rng, shape):
    n = shape[-1]
    return rng.standard_normal(shape) * 0.3 + np.eye(n) * 2.0


def _inv_case(rng):
    shape = [(3, 3), (2, 4, 4), (1, 1)][int(rng.integers(0, 3))]
    return (lambda x: ya.linalg.inv(x)), [_wellcond(rng, shape)]


def _det_case(rng):
    shape = [(3, 3), (2, 4, 4), (2, 2)][int(rng.integers(0, 3))]
    return (lambda x: ya.linalg.det(x)), [_wellcond(rng, shape)]


def _solve_case(rng):
    cases = [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 3)), ((2, 3, 3), (2, 3, 1))]
    a, b = cases[int(rng.integers(0, len(cases)))]
    return (lambda a, b: ya.linalg.solve(a, b)), [_wellcond(rng, a), rng.standard_normal(b)]


def _power_case(rng):
    a, b = _bshapes(rng, 2)
    return (lambda x, y: x ** y), [_pos(rng, a), rng.uniform(-2, 2, size=b)]


def _power_scalar_case(rng):
    (s,) = _bshapes(rng, 1)
    p = [3, 2, 0.5, -1.5][int(rng.integers(0, 4))]
    return (lambda x: ya.power(x, p)), [_pos(rng, s)]


PRIMITIVES = {
    "add": _binary_case(ya.add, _normal, _normal),
    "subtract": _binary_case(ya.subtract, _normal, _normal),
    "multiply": _binary_case(ya.multiply, _normal, _normal),
    "divide": _binary_case(ya.divide, _normal, _nonzero),
    "power": _power_case,
    "power_scalar": _power_scalar_case,
    "negative": _unary_case(ya.negative, _normal),
    "exp": _unary_case(ya.exp, _normal),
    "log": _unary_case(ya.log, _pos),
    "log1p": _unary_case(ya.log1p, _pos),
    "expm1": _unary_case(ya.expm1, _normal),
    "sqrt": _unary_case(ya.sqrt, _pos),
    "square": _unary_case(ya.square, _normal),
    "abs": _abs_relu_case(ya.abs),
    "sin": _unary_case(ya.sin, _normal),
    "cos": _unary_case(ya.cos, _normal),
    "tan": _unary_case(ya.tan, _small),
    "arcsin": _unary_case(ya.arcsin, _unit),
    "arccos": _unary_case(ya.arccos, _unit),
    "arctan": _unary_case(ya.arctan, _normal),
    "sinh": _unary_case(ya.sinh, _normal),
    "cosh": _unary_case(ya.cosh, _normal),
    "tanh": _unary_case(ya.tanh, _normal),
    "sigmoid": _unary_case(ya.sigmoid, _normal),
    "softplus": _unary_case(ya.softplus, _normal),
    "relu": _abs_relu_case(ya.relu),
    "maximum": _minmax_case(ya.maximum),
    "minimum": _minmax_case(ya.minimum),
    "where": _where_case,
    "clip": _clip_case,
    "clip_array_bounds": _clip_arrays_case,
    "sum": _reduction_case(ya.sum),
    "prod": _reduction_case(ya.prod, _prod_sampler),
    "max": _reduction_case(ya.max),
    "min": _reduction_case(ya.min),
    "reshape": _reshape_case,
    "transpose": _transpose_case,
    "broadcast_to": _broadcast_to_case,
    "getitem_basic": _getitem_basic_case,
    "getitem_int_array_repeats": _getitem_int_case,
    "getitem_bool_mask": _getitem_mask_case,
    "concatenate": _concatenate_case,
    "pad": _pad_case,
    "matmul": _matmul_case,
    "einsum": _einsum_case,
    "linalg.inv": _inv_case,
    "linalg.det": _det_case,
    "linalg.solve": _solve_case,
}

SEEDS = [0, 1, 2, 3]


def _eval(fn, xs):
    return arr(fn(*[np.asarray(x, dtype=np.float64) for x in xs]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_primitive_jvp_vs_vjp_vs_fd(name, seed):
    rng = np.random.default_rng(1000 * seed + sum(map(ord, name)))
    fn, xs = PRIMITIVES[name](rng)
    vs = [rng.standard_normal(np.shape(x)) for x in xs]
    want_out = _eval(fn, xs)
    u = rng.standard_normal(want_out.shape)

    out, tan = ya.jvp(fn, tuple(xs), tuple(vs))
    assert isinstance(out, np.ndarray) and isinstance(tan, np.ndarray)
    close(out, want_out)
    assert tan.shape == want_out.shape

    out2, vjp_fn = ya.vjp(fn, *xs)
    close(out2, want_out)
    cts = vjp_fn(u)
    assert isinstance(cts, tuple) and len(cts) == len(xs)
    for c, x in zip(cts, xs):
        assert isinstance(c, np.ndarray)
        assert c.shape == np.shape(x)

    eps = 1e-6
    plus = _eval(fn, [x + eps * v for x, v in zip(xs, vs)])
    minus = _eval(fn, [x - eps * v for x, v in zip(xs, vs)])
    fd = (plus - minus) / (2 * eps)

    # J v against finite differences, elementwise
    np.testing.assert_allclose(tan, fd, rtol=1e-5, atol=1e-6)
    # <u, J v> both ways
    lhs = float(np.sum(u * tan))
    rhs = float(sum(np.sum(c * v) for c, v in zip(cts, vs)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rhs, float(np.sum(u * fd)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_primitive_batched_jacobians(name, seed):
    """jacfwd (batched tangents) == jacrev (batched cotangents) == finite differences."""
    rng = np.random.default_rng(77 + 1000 * seed + sum(map(ord, name)))
    fn, xs = PRIMITIVES[name](rng)
    nums = tuple(range(len(xs)))
    jf = ya.jacfwd(fn, argnums=nums)(*xs)
    jr = ya.jacrev(fn, argnums=nums)(*xs)
    out = _eval(fn, xs)
    eps = 1e-6
    for i, x in enumerate(xs):
        x = np.asarray(x, dtype=np.float64)
        cols = []
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = eps
            e = e.reshape(x.shape)
            p = _eval(fn, xs[:i] + [x + e] + xs[i + 1:])
            m = _eval(fn, xs[:i] + [x - e] + xs[i + 1:])
            cols.append((p - m) / (2 * eps))
        num = np.stack(cols, axis=-1).reshape(out.shape + x.shape) if cols else \
            np.zeros(out.shape + x.shape)
        assert np.shape(jf[i]) == out.shape + x.shape
        assert np.shape(jr[i]) == out.shape + x.shape
        np.testing.assert_allclose(arr(jf[i]), arr(jr[i]), rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(arr(jf[i]), num, rtol=1e-5, atol=1e-6)


# ---- gradcheck on composite functions, both modes, second order ------------------------
_W = np.random.default_rng(5).standard_normal((3, 4))
_B = np.random.default_rng(6).standard_normal(3)


def comp_mlp(x, w):
    h = ya.tanh(ya.matmul(w, x) + _B)
    return ya.sum(ya.sigmoid(h) * h) + ya.mean(x ** 2)


def comp_softmax_xent(x):
    logits = ya.matmul(_W, x)
    return -ya.log_softmax(logits)[1] + ya.logsumexp(x)


def comp_norm_var(x):
    X = ya.reshape(x, (2, 3))
    return ya.sqrt(ya.sum(X * X, axis=1) + 1.0) * ya.var(X, axis=1) + ya.prod(X[:, [0, 2, 2]], axis=0)[:2]


def comp_linalg(a, b):
    return ya.linalg.solve(a, b) + ya.linalg.det(a) * ya.einsum("ij,j->i", ya.linalg.inv(a), b)


def comp_numpy_written(x, y):
    return np.sum(np.sin(x) * np.exp(y)) + np.tanh(x @ y)


def comp_shape_mix(x):
    z = ya.concatenate([x[::-1], ya.pad(x[1:], ((1, 0),)) * x], axis=0)
    return ya.where(z > 0, z ** 2, ya.sin(z)).reshape((2, -1)).sum(axis=0) * ya.max(x)


def test_gradcheck_composites_rev_fwd_order2():
    rng = np.random.default_rng(11)
    x4 = rng.standard_normal(4)
    assert ya.testing.gradcheck(comp_mlp, x4, _W, modes=("rev", "fwd"), order=2)
    assert ya.testing.gradcheck(comp_softmax_xent, x4, modes=("rev", "fwd"), order=2)
    assert ya.testing.gradcheck(comp_norm_var, rng.uniform(0.5, 1.5, 6) * np.array([1, -1, 1, 1, -1, 1]),
                                modes=("rev", "fwd"), order=2)
    a = rng.standard_normal((3, 3)) * 0.3 + 2 * np.eye(3)
    assert ya.testing.gradcheck(comp_linalg, a, rng.standard_normal(3), modes=("rev", "fwd"), order=2)
    assert ya.testing.gradcheck(comp_numpy_written, x4, rng.standard_normal(4),
                                modes=("rev", "fwd"), order=2)
    assert ya.testing.gradcheck(comp_shape_mix, np.array([0.7, -1.1, 0.4, 1.3]),
                                modes=("rev", "fwd"), order=2)


def test_gradcheck_detects_wrong_rule():
    """Sanity check of the checker itself: a primitive with a wrong JVP is caught."""
    bad = ya.primitive(lambda x: np.sin(x), name="badsin", batchable=True)
    bad.defvjp(lambda g, ans, x: g * ya.cos(x))
    bad.defjvp(lambda t, ans, x: t * 1.01 * ya.cos(x))
    assert ya.testing.gradcheck(lambda x: bad(x), np.array([0.3, 0.5]), modes=("rev",))
    with pytest.raises(ya.testing.GradcheckError):
        ya.testing.gradcheck(lambda x: bad(x), np.array([0.3, 0.5]), modes=("fwd",))


# =====================================================================================
# Derivatives of order 1..5 against closed forms
# =====================================================================================
def _tanh_derivs(x):
    t = math.tanh(x)
    return [math.tanh(x), 1 - t ** 2, -2 * t + 2 * t ** 3, -2 + 8 * t ** 2 - 6 * t ** 4,
            16 * t - 40 * t ** 3 + 24 * t ** 5, 16 - 136 * t ** 2 + 240 * t ** 4 - 120 * t ** 6]


CLOSED_FORMS = {
    "sin": (ya.sin, lambda x, n: math.sin(x + n * math.pi / 2)),
    "exp": (ya.exp, lambda x, n: math.exp(x)),
    "tanh": (ya.tanh, lambda x, n: _tanh_derivs(x)[n]),
    "log": (ya.log, lambda x, n: math.log(x) if n == 0 else
            (-1) ** (n - 1) * math.factorial(n - 1) / x ** n),
    "cube": (lambda x: x ** 3, lambda x, n: [x ** 3, 3 * x ** 2, 6 * x, 6.0, 0.0, 0.0][n]),
    "cube_mul": (lambda x: x * x * x, lambda x, n: [x ** 3, 3 * x ** 2, 6 * x, 6.0, 0.0, 0.0][n]),
    "np_sin": (lambda x: np.sin(x), lambda x, n: math.sin(x + n * math.pi / 2)),
}
POINTS = [0.3, 0.7, 1.3]


def _fwd_d(f):
    return lambda x: ya.jvp(f, (x,), (1.0,))[1]


def _nest(f, kinds):
    for k in kinds:
        if k == "g":
            f = ya.grad(f)
        elif k == "f":
            f = _fwd_d(f)
        elif k == "jf":
            f = ya.jacfwd(f)
        elif k == "jr":
            f = ya.jacrev(f)
    return f


NESTINGS = {
    "grad": lambda n: ["g"] * n,
    "jvp": lambda n: ["f"] * n,
    "mixed_gf": lambda n: ["g", "f"] * 3,       # trimmed below
    "mixed_fg": lambda n: ["f", "g"] * 3,
    "jacfwd_jacrev": lambda n: ["jf", "jr"] * 3,
}


@pytest.mark.parametrize("nesting", list(NESTINGS))
@pytest.mark.parametrize("fname", list(CLOSED_FORMS))
def test_higher_order_derivatives(fname, nesting):
    f, d = CLOSED_FORMS[fname]
    for x in POINTS:
        for n in range(1, 6):
            kinds = NESTINGS[nesting](n)[:n]
            g = _nest(f, kinds)
            res = g(x)
            assert isinstance(res, np.ndarray) and res.shape == (), (type(res), np.shape(res))
            np.testing.assert_allclose(float(res), d(x, n), rtol=1e-9, atol=1e-9,
                                       err_msg=f"{fname} order {n} at {x} via {kinds}")


def test_higher_order_vector_input_elementwise():
    """grad of sum of elementwise f, nested: the n-th derivative elementwise."""
    x = np.array([0.2, 0.9, 1.7])
    # d^3/dx^3 (sin x e^x) = 2 e^x (cos x - sin x)
    want = 2 * np.exp(x) * (np.cos(x) - np.sin(x))
    close(ya.grad(lambda x: ya.sum(ya.grad(lambda y: ya.sum(ya.grad(
        lambda z: ya.sum(ya.sin(z) * ya.exp(z)))(y)))(x)))(x), want)
    # the same by forward mode with a tangent of ones
    def d(f):
        return lambda x: ya.jvp(f, (x,), (np.ones_like(x),))[1]
    close(d(d(d(lambda z: ya.sin(z) * ya.exp(z))))(x), want)


# =====================================================================================
# hessian and hvp against torch
# =====================================================================================
class _YaLib:
    tanh = staticmethod(ya.tanh)
    exp = staticmethod(ya.exp)
    log = staticmethod(ya.log)
    sin = staticmethod(ya.sin)
    cos = staticmethod(ya.cos)

    @staticmethod
    def const(a):
        return a

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return ya.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return ya.mean(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def softmax(x, axis=-1):
        return ya.softmax(x, axis=axis)

    @staticmethod
    def reshape(x, shape):
        return ya.reshape(x, shape)

    @staticmethod
    def prod(x, axis):
        return ya.prod(x, axis=axis)

    @staticmethod
    def max(x, axis):
        return ya.max(x, axis=axis)

    @staticmethod
    def broadcast_to(x, shape):
        return ya.broadcast_to(x, shape)


class _TorchLib:
    tanh = staticmethod(torch.tanh)
    exp = staticmethod(torch.exp)
    log = staticmethod(torch.log)
    sin = staticmethod(torch.sin)
    cos = staticmethod(torch.cos)

    @staticmethod
    def const(a):
        return torch.as_tensor(np.asarray(a))

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return x.mean() if axis is None else x.mean(dim=axis, keepdim=keepdims)

    @staticmethod
    def softmax(x, axis=-1):
        return torch.softmax(x, dim=axis)

    @staticmethod
    def reshape(x, shape):
        return torch.reshape(x, shape)

    @staticmethod
    def prod(x, axis):
        return torch.prod(x, dim=axis)

    @staticmethod
    def max(x, axis):
        return torch.amax(x, dim=axis)

    @staticmethod
    def broadcast_to(x, shape):
        return torch.broadcast_to(x, shape)


_r = np.random.default_rng(2024)
HA = _r.standard_normal((5, 6))
HB = _r.standard_normal(5)
HW = _r.standard_normal((4, 3))
HC = _r.standard_normal((2, 3))
HMASK = _r.random(6) < 0.5
HMASK[0] = True


def h_matmul_tanh(x, L):
    h = L.tanh(L.const(HA) @ x + L.const(HB))
    return L.sum(h * h) + L.sum(x[[0, 2, 2, 5]] * x[1:5])


def h_softmax(x, L):
    s = L.softmax(L.const(HA) @ x)
    return L.sum(s * L.const(HB)) + L.log(L.sum(L.exp(x)))


def h_broadcast_reductions(x, L):
    X = L.reshape(x, (2, 3))
    centred = X - L.mean(X, axis=0, keepdims=True)
    w = L.const(np.array([0.5, -1.0, 2.0]))
    return L.sum(centred ** 2 * w[None, :] * X) + L.sum(L.prod(X, 1)) + L.sum(L.max(X * X, 1))


def h_matrix_input(x, L):
    # x: (2, 3), output scalar; Hessian shape (2, 3, 2, 3)
    Y = L.sin(x @ L.const(HW.T))                    # (2, 4)
    return L.sum(L.softmax(Y, axis=0)[:, 1:3] * L.const(HC)[:, :2]) + L.sum(x[:, [0]] * x) \
        + L.sum(L.cos(x)[L.const(np.array([True, False]))])


def h_indexing_mask(x, L):
    m = L.const(HMASK)
    return L.sum(L.exp(x[m]) * x[m] ** 2) * x[m][0] + L.sum(L.tanh(x[:, None] * x[None, :]))


def h_broadcast_to(x, L):
    B = L.broadcast_to(x[:3], (2, 4, 3))             # new leading dims
    return L.sum(L.sin(B) * L.const(HW)[None, :, :] * x[3:]) + L.sum(B[1] ** 3)


HESS_FUNS = {
    "matmul_tanh": (h_matmul_tanh, (6,)),
    "softmax": (h_softmax, (6,)),
    "broadcast_reductions": (h_broadcast_reductions, (6,)),
    "matrix_input": (h_matrix_input, (2, 3)),
    "indexing_mask": (h_indexing_mask, (6,)),
    "broadcast_to": (h_broadcast_to, (6,)),
}


@pytest.mark.parametrize("name", list(HESS_FUNS))
def test_hessian_against_torch(name):
    f, shape = HESS_FUNS[name]
    x = np.random.default_rng(len(name)).uniform(-1, 1, size=shape)
    H = ya.hessian(lambda z: f(z, _YaLib))(x)
    Ht = torch.func.hessian(lambda z: f(z, _TorchLib))(torch.tensor(x))
    assert isinstance(H, np.ndarray)
    assert H.shape == shape + shape
    close(H, Ht, rtol=1e-8, atol=1e-10)
    n = x.size
    Hm = H.reshape(n, n)
    np.testing.assert_allclose(Hm, Hm.T, rtol=1e-9, atol=1e-11)
    # Tensor input gives a Tensor
    Hten = ya.hessian(lambda z: f(z, _YaLib))(ya.tensor(x))
    assert isinstance(Hten, ya.Tensor)
    close(Hten, Ht, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", list(HESS_FUNS))
def test_hvp_against_torch(name):
    f, shape = HESS_FUNS[name]
    rng = np.random.default_rng(len(name) + 100)
    x = rng.uniform(-1, 1, size=shape)
    v = rng.standard_normal(shape)
    val, hv = ya.hvp(lambda z: f(z, _YaLib), (x,), (v,))
    tval, thv = torch.autograd.functional.hvp(lambda z: f(z, _TorchLib), torch.tensor(x),
                                              torch.tensor(v))
    assert isinstance(val, np.ndarray) and val.shape == ()
    assert isinstance(hv, np.ndarray) and hv.shape == shape
    close(val, tval)
    close(hv, thv, rtol=1e-8, atol=1e-10)


def test_hessian_and_hvp_consistent_and_nested_jacobians():
    f, shape = HESS_FUNS["softmax"]
    x = np.linspace(-0.8, 0.9, 6)
    fy = lambda z: f(z, _YaLib)   # noqa: E731
    Ht = torch.func.hessian(lambda z: f(z, _TorchLib))(torch.tensor(x))
    for nest in [ya.jacfwd(ya.jacrev(fy)), ya.jacrev(ya.jacrev(fy)), ya.jacfwd(ya.jacfwd(fy)),
                 ya.jacrev(ya.jacfwd(fy)), ya.jacobian(ya.grad(fy)), ya.hessian(fy)]:
        close(nest(x), Ht, rtol=1e-8, atol=1e-10)
    for k in range(3):
        v = np.random.default_rng(k).standard_normal(6)
        _, hv = ya.hvp(fy, (x,), (v,))
        close(hv, Ht.numpy() @ v, rtol=1e-8, atol=1e-10)


def test_hvp_several_primals():
    def f(a, b):
        return ya.sum(ya.sin(a) * b ** 2) + ya.sum(a[:, None] * b[None, :] ** 3)

    def ft(a, b):
        return (torch.sin(a) * b ** 2).sum() + (a[:, None] * b[None, :] ** 3).sum()
    a = np.array([0.3, -0.4, 1.1])
    b = np.array([0.5, 0.7, -0.2])
    va, vb = np.array([1.0, 0.5, -2.0]), np.array([0.3, -1.0, 0.25])
    val, hv = ya.hvp(f, (a, b), (va, vb))
    tval, thv = torch.autograd.functional.hvp(ft, (torch.tensor(a), torch.tensor(b)),
                                              (torch.tensor(va), torch.tensor(vb)))
    close(val, tval)
    assert isinstance(hv, tuple) and len(hv) == 2
    close(hv[0], thv[0])
    close(hv[1], thv[1])


# =====================================================================================
# Jacobians: jacfwd == jacrev == jacobian == torch
# =====================================================================================
_jr = np.random.default_rng(99)
J_W1 = _jr.standard_normal((8, 50)) * 0.2
J_W2 = _jr.standard_normal((3, 8))
J_V = _jr.standard_normal((50, 3))
J_U = _jr.standard_normal((50, 4)) * 0.5


def wide_to_narrow(x, L):          # R^50 -> R^3
    h = L.tanh(L.const(J_W1) @ x)
    s = L.softmax(L.const(J_W2) @ h)
    return s * L.sum(x[[0, 7, 7, 49]] ** 2) + L.mean(L.reshape(x, (5, 10)), axis=1)[:3]


def narrow_to_wide(x, L):          # R^3 -> R^50
    h = L.tanh(L.const(J_V) @ x)
    return L.softmax(h) * L.sum(x[[0, 1, 1, 2]]) + h * L.max(L.reshape(h, (5, 10)), 1)[[0, 4, 2, 1, 3] * 10]


def matrix_to_matrix(x, L):        # (2, 3) -> (4, 2)
    y = L.sin(L.const(J_U[:3]).T @ x.T)             # (4, 2)
    return y * L.sum(x, axis=1) + L.softmax(y, axis=0)


JAC_FUNS = {
    "n50_m3": (wide_to_narrow, (50,)),
    "n3_m50": (narrow_to_wide, (3,)),
    "matrix_to_matrix": (matrix_to_matrix, (2, 3)),
}


@pytest.mark.parametrize("name", list(JAC_FUNS))
def test_jacobians_agree_with_each_other_and_torch(name):
    f, shape = JAC_FUNS[name]
    x = np.random.default_rng(3).uniform(-1, 1, size=shape)
    fy = lambda z: f(z, _YaLib)    # noqa: E731
    Jt = torch.func.jacrev(lambda z: f(z, _TorchLib))(torch.tensor(x))
    out_shape = tuple(Jt.shape[:Jt.ndim - len(shape)])
    assert out_shape == arr(fy(x)).shape
    for tr in (ya.jacfwd, ya.jacrev, ya.jacobian):
        J = tr(fy)(x)
        assert isinstance(J, np.ndarray), tr.__name__
        assert J.shape == out_shape + shape, tr.__name__
        close(J, Jt, rtol=1e-8, atol=1e-10)
    close(ya.jacfwd(fy)(x), ya.jacrev(fy)(x), rtol=1e-10, atol=1e-12)
    # torch.func.jacfwd too (its forward mode)
    close(ya.jacfwd(fy)(x), torch.func.jacfwd(lambda z: f(z, _TorchLib))(torch.tensor(x)),
          rtol=1e-8, atol=1e-10)


def _counting_cube():
    counts = {"vjp": 0, "jvp": 0}
    p = ya.primitive(lambda x: x ** 3, name="counted_cube", batchable=True)

    def vjp_rule(g, ans, x):
        counts["vjp"] += 1
        return g * 3 * x ** 2

    def jvp_rule(t, ans, x):
        counts["jvp"] += 1
        return t * 3 * x ** 2
    p.defvjp(vjp_rule)
    p.defjvp(jvp_rule)
    return p, counts


def test_jacobian_chooses_forward_for_tall_and_reverse_for_wide():
    cube, counts = _counting_cube()
    x3 = np.array([0.3, -0.5, 0.8])
    tall = lambda x: ya.tanh(ya.matmul(J_V, cube(x)))            # noqa: E731  R^3 -> R^50
    J = ya.jacobian(tall)(x3)
    assert counts["jvp"] > 0 and counts["vjp"] == 0, counts
    want = (1 - np.tanh(J_V @ x3 ** 3) ** 2)[:, None] * J_V * 3 * x3 ** 2
    close(J, want)

    counts["jvp"] = counts["vjp"] = 0
    x50 = np.linspace(-1, 1, 50)
    wide = lambda x: ya.tanh(ya.matmul(J_W2 @ J_W1, cube(x)))    # noqa: E731  R^50 -> R^3
    J = ya.jacobian(wide)(x50)
    assert counts["vjp"] > 0 and counts["jvp"] == 0, counts
    M = J_W2 @ J_W1
    want = (1 - np.tanh(M @ x50 ** 3) ** 2)[:, None] * M * 3 * x50 ** 2
    close(J, want)


def test_jacobian_tuple_argnums_against_torch():
    rng = np.random.default_rng(8)
    x, y, z = rng.standard_normal(4), rng.standard_normal((2, 3)), rng.standard_normal(3)

    def f(x, y, z, L):
        return L.tanh(y @ z)[:, None] * x[None, :3] + L.sum(x) * L.softmax(z)

    fy = lambda x, y, z: f(x, y, z, _YaLib)                  # noqa: E731
    ft = lambda x, y, z: f(x, y, z, _TorchLib)               # noqa: E731
    targs = [torch.tensor(a) for a in (x, y, z)]
    # int argnums: no tuple level
    want = torch.func.jacrev(ft, argnums=1)(*targs)
    for tr in (ya.jacfwd, ya.jacrev, ya.jacobian):
        got = tr(fy, argnums=1)(x, y, z)
        assert isinstance(got, np.ndarray) and got.shape == (2, 3, 2, 3)
        close(got, want, rtol=1e-8, atol=1e-10)
    results = []
    for nums in [(0, 2), (1,), (2, 0, 1)]:
        want = torch.func.jacrev(ft, argnums=nums)(*targs)
        assert type(want) is tuple
        for tr in (ya.jacfwd, ya.jacrev, ya.jacobian):
            got = tr(fy, argnums=nums)(x, y, z)
            tree_close(got, want, rtol=1e-8, atol=1e-10, leaf_type=np.ndarray, strict=False)
            results.append((tr.__name__, nums, got, want))
    # as JAX (and torch.func): a tuple of argnums gives a tuple of Jacobians
    for name, nums, got, want in results:
        assert type(got) is tuple, f"{name}(argnums={nums}) returned a {type(got).__name__}"


def test_jacobian_pytree_inputs_and_outputs_against_torch():
    rng = np.random.default_rng(12)
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}
    xs = (rng.standard_normal(4), [rng.standard_normal(2), rng.standard_normal(())])

    def f(p, data, L):
        x, (u, s) = data[0], data[1]
        h = L.tanh(p["W"] @ x + p["b"])
        return {"h": h * s, "pair": (L.sum(h) * u, L.softmax(h)[0] + s * s)}

    fy = lambda p, d: f(p, d, _YaLib)    # noqa: E731
    ft = lambda p, d: f(p, d, _TorchLib)  # noqa: E731
    tp, td = to_torch(params), to_torch(xs)
    results = []
    for nums in [0, 1, (0, 1)]:
        want = torch.func.jacrev(ft, argnums=nums)(tp, td)
        for tr in (ya.jacfwd, ya.jacrev, ya.jacobian):
            got = tr(fy, argnums=nums)(params, xs)
            tree_close(got, want, rtol=1e-8, atol=1e-10, leaf_type=np.ndarray, strict=False)
            results.append((got, want))
    # exact container types (tuple vs list) as JAX / torch.func
    for got, want in results:
        tree_close(got, want, rtol=1e-8, atol=1e-10, leaf_type=np.ndarray, strict=True)


def test_jacobian_of_scalar_and_of_scalar_input():
    # R -> R^3 and R^3 -> R shapes: () + (3,) and (3,) + ()
    f = lambda t: ya.stack([ya.sin(t), t * t, ya.exp(t)])     # noqa: E731
    for tr in (ya.jacfwd, ya.jacrev, ya.jacobian):
        J = tr(f)(0.5)
        assert isinstance(J, np.ndarray) and J.shape == (3,)
        close(J, [math.cos(0.5), 1.0, math.exp(0.5)])
        J = tr(lambda v: ya.sum(v ** 2))(np.array([1.0, 2.0, 3.0]))
        assert isinstance(J, np.ndarray) and J.shape == (3,)
        close(J, [2.0, 4.0, 6.0])


# =====================================================================================
# Nesting and perturbation confusion
# =====================================================================================
def D(f):
    """Derivative of a scalar function by forward mode."""
    return lambda x: ya.jvp(f, (x,), (1.0,))[1]


def test_perturbation_confusion_grad():
    res = ya.grad(lambda x: x * ya.grad(lambda y: x + y)(1.0))(1.0)
    np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
    res = ya.grad(lambda x: ya.grad(lambda y: x * y)(x))(2.0)
    np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
    # d/dx [x * d/dy(x*y)] = d/dx x^2 = 2x
    res = ya.grad(lambda x: x * ya.grad(lambda y: x * y)(2.0))(3.0)
    np.testing.assert_allclose(float(res), 6.0, rtol=0, atol=1e-12)


def test_perturbation_confusion_jvp():
    res = D(lambda x: x * D(lambda y: x + y)(1.0))(1.0)
    np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
    res = D(lambda x: D(lambda y: x * y)(x))(2.0)
    np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
    res = D(lambda x: x * D(lambda y: x * y)(2.0))(3.0)
    np.testing.assert_allclose(float(res), 6.0, rtol=0, atol=1e-12)


def test_perturbation_confusion_mixed():
    G = ya.grad
    for outer, inner in [(G, D), (D, G)]:
        res = outer(lambda x: x * inner(lambda y: x + y)(1.0))(1.0)
        np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
        res = outer(lambda x: inner(lambda y: x * y)(x))(2.0)
        np.testing.assert_allclose(float(res), 1.0, rtol=0, atol=1e-12)
        res = outer(lambda x: x * inner(lambda y: x * y)(2.0))(3.0)
        np.testing.assert_allclose(float(res), 6.0, rtol=0, atol=1e-12)
    # three levels, all combinations: d/dx [x * d/dy [y * d/dz (x*y*z)]] with
    # d/dz(xyz) = xy, y*xy = x y^2, d/dy = 2xy; at y = 1: 2x; x * 2x = 2x^2; d/dx = 4x
    for a in (G, D):
        for b in (G, D):
            for c in (G, D):
                res = a(lambda x: x * b(lambda y: y * c(lambda z: x * y * z)(0.5))(1.0))(1.5)
                np.testing.assert_allclose(float(res), 6.0, rtol=0, atol=1e-12)


def test_perturbation_confusion_vector_and_jacobians():
    x0 = np.array([0.5, -1.0, 2.0])
    # d/dx sum(x * grad_y(sum(x*y))) = d/dx sum(x * x) = 2x
    res = ya.grad(lambda x: ya.sum(x * ya.grad(lambda y: ya.sum(x * y))(np.ones(3))))(x0)
    close(res, 2 * x0)
    res = ya.jacfwd(lambda x: x * ya.jacrev(lambda y: ya.sum(x + y))(np.ones(3)))(x0)
    close(res, np.eye(3))
    res = ya.jacrev(lambda x: x * ya.jacfwd(lambda y: ya.sum(x + y))(np.ones(3)))(x0)
    close(res, np.eye(3))


def test_grad_of_function_calling_jvp():
    x0 = np.array([0.3, -0.7, 1.2])
    v = np.array([1.0, 2.0, -0.5])

    def f(x):
        _, t = ya.jvp(lambda y: ya.sin(y) * y, (x,), (v,))
        return ya.sum(t)
    # t = v (x cos x + sin x); d/dx sum(t) = v (2 cos x - x sin x)
    close(ya.grad(f)(x0), v * (2 * np.cos(x0) - x0 * np.sin(x0)))

    # jvp of a function calling grad, and vjp inside jvp
    def g(x):
        return ya.grad(lambda y: ya.sum(ya.exp(y) * y))(x)   # e^x (x + 1)
    _, t = ya.jvp(g, (x0,), (v,))
    close(t, v * np.exp(x0) * (x0 + 2))

    def h(x):
        _, fn = ya.vjp(lambda y: ya.tanh(y), x)
        return fn(v)[0]                                       # v (1 - tanh^2)
    _, t = ya.jvp(h, (x0,), (np.ones(3),))
    close(t, v * (-2 * np.tanh(x0) * (1 - np.tanh(x0) ** 2)))
    close(ya.jacrev(h)(x0), np.diag(v * (-2 * np.tanh(x0) * (1 - np.tanh(x0) ** 2))))


def test_third_order_mixed_against_torch():
    def f(x, L):
        return L.sum(L.tanh(L.const(HA) @ x) ** 3) + L.sum(L.softmax(x) * x)
    x = np.linspace(-0.5, 0.6, 6)
    v = np.random.default_rng(1).standard_normal(6)
    # d/dx [v^T H(x) v], computed by torch with double backward
    xt = torch.tensor(x, requires_grad=True)
    vt = torch.tensor(v)
    g, = torch.autograd.grad(f(xt, _TorchLib), xt, create_graph=True)
    hv, = torch.autograd.grad(g @ vt, xt, create_graph=True)
    want, = torch.autograd.grad(hv @ vt, xt)

    fy = lambda z: f(z, _YaLib)   # noqa: E731
    got1 = ya.grad(lambda z: ya.sum(ya.hvp(fy, (z,), (v,))[1] * v))(x)
    got2 = ya.grad(lambda z: ya.jvp(lambda w: ya.jvp(ya.grad(fy), (w,), (v,))[1] @ v,
                                    (z,), (np.zeros(6),))[0])(x)
    T3 = ya.jacfwd(ya.jacrev(ya.jacfwd(fy)))(x)    # third derivative tensor
    close(got1, want, rtol=1e-8, atol=1e-10)
    close(got2, want, rtol=1e-8, atol=1e-10)
    close(np.einsum("ijk,j,k->i", T3, v, v), want, rtol=1e-8, atol=1e-10)
    # symmetric third-derivative tensor
    np.testing.assert_allclose(T3, np.transpose(T3, (1, 0, 2)), atol=1e-10)
    np.testing.assert_allclose(T3, np.transpose(T3, (2, 1, 0)), atol=1e-10)


# =====================================================================================
# Return types, pytrees, has_aux, argnums
# =====================================================================================
def test_return_types_float_and_ndarray_inputs():
    f = lambda x: ya.sin(x) * x    # noqa: E731
    g = ya.grad(lambda x: ya.sum(f(x)))
    r = g(0.5)
    assert type(r) is np.ndarray and r.shape == ()
    close(r, math.cos(0.5) * 0.5 + math.sin(0.5))
    r = g(np.array([0.5, 1.0]))
    assert type(r) is np.ndarray and r.shape == (2,)

    v, gr = ya.value_and_grad(lambda x: ya.sum(f(x)))(0.5)
    assert type(v) is np.ndarray and v.shape == ()
    assert type(gr) is np.ndarray and gr.shape == ()
    close(v, math.sin(0.5) * 0.5)

    out, fn = ya.vjp(f, 0.5)
    assert type(out) is np.ndarray and out.shape == ()
    (c,) = fn(1.0)
    assert type(c) is np.ndarray and c.shape == ()

    out, t = ya.jvp(f, (0.5,), (1.0,))
    assert type(out) is np.ndarray and type(t) is np.ndarray and out.shape == t.shape == ()

    for tr in (ya.jacfwd, ya.jacrev, ya.jacobian, ya.hessian):
        r = tr(f)(0.5) if tr is not ya.hessian else tr(lambda x: ya.sum(f(x)))(0.5)
        assert type(r) is np.ndarray and r.shape == (), tr.__name__
    val, hv = ya.hvp(lambda x: ya.sum(f(x)), (0.5,), (1.0,))
    assert type(val) is np.ndarray and type(hv) is np.ndarray and val.shape == hv.shape == ()
    close(hv, 2 * math.cos(0.5) - 0.5 * math.sin(0.5))

    # a function returning a plain float / ndarray constant
    r = ya.grad(lambda x: 3.0)(1.0)
    assert type(r) is np.ndarray and r.shape == ()
    close(r, 0.0)
    out, t = ya.jvp(lambda x: np.ones(2), (1.0,), (1.0,))
    assert type(t) is np.ndarray
    close(t, np.zeros(2))
    # integer inputs are promoted to float
    r = ya.grad(lambda x: x * x)(3)
    assert type(r) is np.ndarray
    close(r, 6.0)


def test_return_types_tensor_inputs():
    f = lambda x: ya.sum(ya.sin(x) * x)    # noqa: E731
    x = ya.tensor([0.5, 1.0])
    r = ya.grad(f)(x)
    assert isinstance(r, ya.Tensor)
    close(r, np.cos([0.5, 1.0]) * [0.5, 1.0] + np.sin([0.5, 1.0]))
    v, g = ya.value_and_grad(f)(x)
    assert isinstance(v, ya.Tensor) and isinstance(g, ya.Tensor)
    out, t = ya.jvp(f, (x,), (ya.tensor([1.0, 0.0]),))
    assert isinstance(out, ya.Tensor) and isinstance(t, ya.Tensor)
    out, fn = ya.vjp(lambda z: ya.sin(z), x)
    assert isinstance(out, ya.Tensor)
    (c,) = fn(ya.tensor([1.0, 1.0]))
    assert isinstance(c, ya.Tensor)
    for tr in (ya.jacfwd, ya.jacrev, ya.jacobian, ya.hessian):
        assert isinstance(tr(f)(x), ya.Tensor), tr.__name__
    val, hv = ya.hvp(f, (x,), (ya.tensor([1.0, 0.0]),))
    assert isinstance(val, ya.Tensor) and isinstance(hv, ya.Tensor)


def test_grad_wrt_tensor_requiring_grad_stays_differentiable():
    """grad called on a Tensor that requires grad: the result can be backpropagated."""
    x = ya.tensor([0.5, 1.0, 1.5], requires_grad=True)
    g = ya.grad(lambda z: ya.sum(z ** 3))(x)        # 3 z^2
    close(g, 3 * np.array([0.5, 1.0, 1.5]) ** 2)
    ya.sum(g).backward()
    close(x.grad, 6 * np.array([0.5, 1.0, 1.5]))


def test_pytree_grads_preserve_structure():
    rng = np.random.default_rng(4)
    params = {"layer": {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(3)},
              "scale": 0.7, "extra": [rng.standard_normal(2), (1.5,)]}
    x = np.array([0.3, -0.2])

    def loss(p, x):
        h = ya.tanh(ya.matmul(p["layer"]["W"], x) + p["layer"]["b"])
        return p["scale"] * ya.sum(h ** 2) + ya.sum(p["extra"][0] * x) * p["extra"][1][0]

    def loss_t(p, x):
        h = torch.tanh(p["layer"]["W"] @ x + p["layer"]["b"])
        return p["scale"] * (h ** 2).sum() + (p["extra"][0] * x).sum() * p["extra"][1][0]

    g = ya.grad(loss)(params, x)
    tp = to_torch(params)
    tg = torch.func.grad(loss_t)(tp, torch.tensor(x))
    tree_close(g, tg, leaf_type=np.ndarray)
    assert g["scale"].shape == () and g["extra"][1][0].shape == ()

    # both arguments, tuple argnums; value_and_grad
    v, (gp, gx) = ya.value_and_grad(loss, argnums=(0, 1))(params, x)
    tv = loss_t(tp, torch.tensor(x))
    close(v, tv)
    tree_close(gp, tg, leaf_type=np.ndarray)
    tgx = torch.func.grad(loss_t, argnums=1)(tp, torch.tensor(x))
    close(gx, tgx)

    # vjp over pytrees: cotangent structured like the output, gradients like the input
    def f(p):
        return {"a": p["layer"]["W"] * 2.0, "b": (ya.sum(p["layer"]["b"]), p["scale"] ** 2)}
    out, fn = ya.vjp(f, params)
    assert set(out) == {"a", "b"} and isinstance(out["b"], tuple)
    ct = {"a": np.ones((3, 2)), "b": (np.array(2.0), np.array(3.0))}
    (gp,) = fn(ct)
    close(gp["layer"]["W"], 2.0 * np.ones((3, 2)))
    close(gp["layer"]["b"], 2.0 * np.ones(3))
    close(gp["scale"], 3.0 * 2 * 0.7)
    close(gp["extra"][0], np.zeros(2))
    assert isinstance(gp["extra"], list) and isinstance(gp["extra"][1], tuple)

    # jvp over pytrees
    tangents = ({"layer": {"W": np.zeros((3, 2)), "b": np.ones(3)}, "scale": 1.0,
                 "extra": [np.zeros(2), (0.0,)]},)
    out, t = ya.jvp(f, (params,), tangents)
    assert isinstance(t, dict) and isinstance(t["b"], tuple)
    close(t["a"], np.zeros((3, 2)))
    close(t["b"][0], 3.0)
    close(t["b"][1], 2 * 0.7)


def test_has_aux_grad_and_value_and_grad():
    x = np.array([0.5, -1.0, 2.0])

    def f(x):
        return ya.sum(x ** 2), {"mean": ya.mean(x), "label": "hello"}

    g, aux = ya.grad(f, has_aux=True)(x)
    close(g, 2 * x)
    close(aux["mean"], x.mean())
    assert aux["label"] == "hello"
    (v, aux2), g2 = ya.value_and_grad(f, has_aux=True)(x)
    close(v, np.sum(x ** 2))
    close(g2, 2 * x)
    close(aux2["mean"], x.mean())

    # with argnums tuple
    def h(a, b):
        return ya.sum(a * b), a - b
    (ga, gb), aux = ya.grad(h, argnums=(0, 1), has_aux=True)(x, 2 * x)
    close(ga, 2 * x)
    close(gb, x)
    close(aux, -x)
    # jvp and vjp has_aux
    out, t, aux = ya.jvp(f, (x,), (np.ones(3),), has_aux=True)
    close(t, 2 * np.sum(x))
    close(aux["mean"], x.mean())
    out, fn, aux = ya.vjp(f, x, has_aux=True)
    close(fn(1.0)[0], 2 * x)


def test_has_aux_returns_ndarrays_for_ndarray_inputs():
    """Called with ndarrays, everything a transform returns is an ndarray, aux included."""
    x = np.array([0.5, -1.0, 2.0])
    g, aux = ya.grad(lambda x: (ya.sum(x ** 2), x * 3), has_aux=True)(x)
    assert type(g) is np.ndarray
    assert type(aux) is np.ndarray, type(aux)
    (v, aux), _ = ya.value_and_grad(lambda x: (ya.sum(x ** 2), x * 3), has_aux=True)(x)
    assert type(v) is np.ndarray
    assert type(aux) is np.ndarray, type(aux)


def test_argnums_semantics():
    def f(a, b, c):
        return ya.sum(a * ya.sin(b)) + c ** 3

    a, b, c = np.array([1.0, 2.0]), np.array([0.3, 0.4]), 1.5
    r = ya.grad(f)(a, b, c)
    assert type(r) is np.ndarray
    close(r, np.sin(b))
    r = ya.grad(f, argnums=(0,))(a, b, c)
    assert isinstance(r, tuple) and len(r) == 1
    close(r[0], np.sin(b))
    r = ya.grad(f, argnums=(2, 0, 1))(a, b, c)
    assert isinstance(r, tuple) and len(r) == 3
    close(r[0], 3 * c ** 2)
    close(r[1], np.sin(b))
    close(r[2], a * np.cos(b))
    r = ya.grad(f, argnums=-1)(a, b, c)
    close(r, 3 * c ** 2)
    v, r = ya.value_and_grad(f, argnums=(1, 2))(a, b, c)
    close(v, np.sum(a * np.sin(b)) + c ** 3)
    assert isinstance(r, tuple) and len(r) == 2
    with pytest.raises(ValueError):
        ya.grad(f, argnums=3)(a, b, c)
    with pytest.raises(TypeError):
        ya.grad(lambda x: x * 2)(np.ones(3))       # non-scalar output


def test_vjp_returns_tuple_and_vjp_fn_reusable():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])
    out, fn = ya.vjp(lambda x, y: ya.matmul(A, x) * y, np.array([1.0, -1.0]), 2.0)
    close(out, (A @ np.array([1.0, -1.0])) * 2.0)
    for u in (np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 2.0])):
        gx, gy = fn(u)
        close(gx, 2.0 * A.T @ u)
        close(gy, u @ (A @ np.array([1.0, -1.0])))
    with pytest.raises(ValueError):
        fn(np.ones(2))   # wrong cotangent shape


# =====================================================================================
# backward(create_graph=True): torch semantics, step by step
# =====================================================================================
def test_create_graph_scalar_sequence_matches_torch():
    x = ya.tensor(2.0, requires_grad=True)
    xt = torch.tensor(2.0, requires_grad=True)
    y, yt = x ** 3, xt ** 3
    y.backward(create_graph=True)
    yt.backward(create_graph=True)
    close(x.grad, xt.grad)                 # 3x^2 = 12
    assert x.grad.requires_grad
    g, gt = x.grad, xt.grad
    g.backward()
    gt.backward()
    close(x.grad, xt.grad)                 # 12 + 6x = 24 (accumulated)
    close(x.grad, 24.0)


def test_create_graph_zeroed_between():
    x = ya.tensor(1.5, requires_grad=True)
    xt = torch.tensor(1.5, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    (xt ** 3).backward(create_graph=True)
    g, gt = x.grad, xt.grad
    x.grad = None
    xt.grad = None
    g.backward()
    gt.backward()
    close(x.grad, xt.grad)                 # 6x = 9
    close(x.grad, 9.0)


def test_create_graph_vector_multi_leaf_matches_torch():
    rng = np.random.default_rng(0)
    xv, wv = rng.standard_normal(4), rng.standard_normal(4)
    x, w = ya.tensor(xv, requires_grad=True), ya.tensor(wv, requires_grad=True)
    xt, wt = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)

    def f(x, w, L):
        return L.sum(L.sin(x) * w ** 2) + L.sum(x * x * w)

    f(x, w, _YaLib).backward(create_graph=True)
    f(xt, wt, _TorchLib).backward(create_graph=True)
    close(x.grad, xt.grad)
    close(w.grad, wt.grad)
    gx, gw = x.grad, w.grad
    gxt, gwt = xt.grad, wt.grad
    z = ya.sum(gx * gw) + ya.sum(gx ** 2)
    zt = (gxt * gwt).sum() + (gxt ** 2).sum()
    close(z, zt)
    z.backward()
    zt.backward()
    close(x.grad, xt.grad)
    close(w.grad, wt.grad)


def test_create_graph_twice_then_third_derivative_matches_torch():
    x = ya.tensor(0.7, requires_grad=True)
    xt = torch.tensor(0.7, requires_grad=True)
    ya.tanh(x).backward(create_graph=True)
    torch.tanh(xt).backward(create_graph=True)
    g1, g1t = x.grad, xt.grad
    x.grad = None
    xt.grad = None
    g1.backward(create_graph=True)
    g1t.backward(create_graph=True)
    close(x.grad, xt.grad)
    g2, g2t = x.grad, xt.grad
    x.grad = None
    xt.grad = None
    g2.backward()
    g2t.backward()
    close(x.grad, xt.grad)
    t = math.tanh(0.7)
    close(x.grad, -2 + 8 * t ** 2 - 6 * t ** 4)


def test_create_graph_with_explicit_gradient_matches_torch():
    xv = np.array([0.2, -0.4, 0.9])
    x = ya.tensor(xv, requires_grad=True)
    xt = torch.tensor(xv, requires_grad=True)
    y, yt = ya.exp(x) * x, torch.exp(xt) * xt
    gv = np.array([1.0, 2.0, -1.0])
    y.backward(ya.tensor(gv), create_graph=True)
    yt.backward(torch.tensor(gv), create_graph=True)
    close(x.grad, xt.grad)
    s, st = ya.sum(x.grad * x), (xt.grad * xt).sum()
    s.backward()
    st.backward()
    close(x.grad, xt.grad)


def test_create_graph_no_graph_without_flag():
    x = ya.tensor(2.0, requires_grad=True)
    (x ** 3).backward()
    close(x.grad, 12.0)
    assert not x.grad.requires_grad
