"""The array functions of issue #8 against NumPy: values and dtypes equal
NumPy's on several argument forms, ``np.NAME(tensor)`` dispatches to yaae and
differentiates, ``r_``/``c_``, exact cumprod gradients with zeros, and NumPy's
AxisError for out-of-range axes."""
import warnings

import numpy as np
import pytest

import yaae as ya
from yaae.ops.arrays import r_, c_
from yaae.testing import gradcheck

AxisError = np.exceptions.AxisError
rng = np.random.default_rng(8)


def T(x, requires_grad=True):
    return ya.Tensor(np.asarray(x), requires_grad=requires_grad)


def same(got, want, exact=True):
    got = got.data if isinstance(got, ya.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if exact:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def same_tree(got, want, exact=True):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w, exact)
    else:
        same(got, want, exact)


x34 = rng.standard_normal((3, 4))
x234 = rng.standard_normal((2, 3, 4))
v5 = rng.standard_normal(5)
f32 = rng.standard_normal((3, 4)).astype(np.float32)
i34 = np.arange(12).reshape(3, 4)

# (name, args, kwargs): each is called as ya.NAME and np.NAME on the same data
CASES = [
    ("cumsum", (x34,), {}), ("cumsum", (x34,), dict(axis=0)), ("cumsum", (f32,), dict(axis=-1)),
    ("cumsum", (i34,), dict(axis=1)), ("cumsum", (i34,), dict(dtype=np.float32)),
    ("cumsum", (3.5,), {}),
    ("cumprod", (x34,), {}), ("cumprod", (x34,), dict(axis=1)), ("cumprod", (f32,), dict(axis=0)),
    ("cumprod", (i34 + 1,), dict(axis=0)), ("cumprod", (rng.uniform(0.9, 1.1, 1000),), {}),
    ("cumprod", (rng.uniform(-1.5, 1.5, (4, 300)),), dict(axis=1)),
    ("diff", (x34,), {}), ("diff", (x34,), dict(n=2, axis=0)), ("diff", (f32,), {}),
    ("diff", (i34,), dict(axis=0)), ("diff", (v5,), dict(n=0)),
    ("diff", (v5,), dict(prepend=1.0, append=[2.0, 3.0])),
    ("diff", (np.array([True, False, False, True]),), {}),
    ("ediff1d", (x34,), {}), ("ediff1d", (v5,), dict(to_begin=-1.0, to_end=[1.0, 2.0])),
    ("ediff1d", (i34,), dict(to_end=5)), ("ediff1d", (f32,), dict(to_begin=[1.0])),
    ("gradient", (v5,), {}), ("gradient", (x34,), {}), ("gradient", (x34, 0.5), dict(axis=1)),
    ("gradient", (x34, 2.0, 3.0), dict(edge_order=2)), ("gradient", (f32,), {}),
    ("gradient", (v5, np.cumsum(rng.uniform(0.5, 1.5, 5))), dict(edge_order=2)),
    ("gradient", (v5, np.arange(5) * 2), {}), ("gradient", (i34,), dict(axis=0)),
    ("kron", (x34, v5), {}), ("kron", (v5, x34), {}), ("kron", (f32, f32), {}),
    ("kron", (i34, np.eye(2)), {}), ("kron", (2.0, v5), {}),
    ("diag", (v5,), {}), ("diag", (v5,), dict(k=2)), ("diag", (v5,), dict(k=-3)),
    ("diag", (x34,), {}), ("diag", (x34,), dict(k=1)), ("diag", (x34,), dict(k=-2)),
    ("diag", (i34,), dict(k=7)), ("diag", ([1, 2, 3],), {}),
    ("diagflat", (x34,), {}), ("diagflat", (f32,), dict(k=1)),
    ("tril", (x34,), {}), ("tril", (x234,), dict(k=-1)), ("tril", (i34,), dict(k=1)),
    ("tril", (v5,), {}), ("tril", (f32,), {}),
    ("triu", (x34,), {}), ("triu", (x234,), dict(k=2)), ("triu", (i34,), {}), ("triu", (v5,), {}),
    ("rollaxis", (x234, 2), {}), ("rollaxis", (x234, 0, 3), {}), ("rollaxis", (x234, 1, 1), {}),
    ("rollaxis", (x234, -1, -2), {}),
    ("rot90", (x34,), {}), ("rot90", (x234, 3, (2, 0)), {}), ("rot90", (x234, -2, (1, 2)), {}),
    ("rot90", (i34, 0), {}),
    ("flipud", (x34,), {}), ("flipud", (v5,), {}), ("fliplr", (x234,), {}),
    ("roll", (x34, 5), {}), ("roll", (x34, -1, 0), {}), ("roll", (x234, (1, 2), (0, 2)), {}),
    ("roll", (x234, (1, 1), (1, 1)), {}), ("roll", (i34, 2, 1), {}), ("roll", (x34, 0), {}),
    ("cross", (x234[..., :3], x234[..., 1:]), {}), ("cross", (x34[:, :3], v5[:3]), {}),
    ("cross", (x34[:3], x34[:3]), dict(axis=0)),
    ("cross", (x34[:, :3], x34[:3, :3].T), dict(axisb=0, axisc=0)),
    ("cross", (f32[:, :3], x34[:, :3]), {}), ("cross", (i34[:, :3], i34[:, 1:]), {}),
    ("vsplit", (x34, 3), {}), ("vsplit", (x234, [1]), {}),
    ("hsplit", (x34, [1, 3]), {}), ("hsplit", (v5, 5), {}), ("hsplit", (x234, 3), {}),
    ("dsplit", (x234, 2), {}), ("dsplit", (x234, [1, 2, 5]), {}),
    ("column_stack", ([v5, v5 * 2],), {}), ("column_stack", ([x34, v5[:3]],), {}),
    ("column_stack", ([1.0, 2.0],), {}), ("column_stack", ([f32, f32[:, :1]],), {}),
    ("dstack", ([v5, v5],), {}), ("dstack", ([x34, x34],), {}), ("dstack", ([x234, x234],), {}),
    ("dstack", ([1.0, 2.0],), {}),
    ("append", (x34, v5), {}), ("append", (x34, x34), dict(axis=1)), ("append", (i34, [1.5]), {}),
    ("append", (f32, f32), dict(axis=0)),
    ("select", ([x34 > 0, x34 < -1], [x34, x34 ** 2]), {}),
    ("select", ([x34 > 0], [v5[:4]]), dict(default=7.0)),
    ("select", ([x34 > 0, x34 < 0], [f32, 1.0]), {}),
    ("select", ([i34 > 5], [i34]), dict(default=-1)),
    ("atleast_2d", (1.5,), {}), ("atleast_2d", (v5,), {}), ("atleast_2d", (x234,), {}),
    ("atleast_2d", (v5, 2.0, x34), {}),
    ("atleast_3d", (1.5,), {}), ("atleast_3d", (v5,), {}), ("atleast_3d", (x34,), {}),
    ("atleast_3d", (x234, v5), {}),
    ("atleast_1d", (1.5,), {}), ("atleast_1d", (1.5, v5), {}),
    ("linspace", (0.0, 1.0), {}), ("linspace", (0.2, 2.7, 7), {}),
    ("linspace", (-1.0, 3.0, 6), dict(endpoint=False)),
    ("linspace", (2, 10, 5), dict(retstep=True)), ("linspace", (0, 10, 4), dict(dtype=int)),
    ("linspace", (v5, v5 * 3 + 1, 4), {}), ("linspace", (v5, 2.0, 3), dict(axis=-1)),
    ("linspace", (x34, x34 + 1, 3), dict(axis=1)), ("linspace", (v5, 1.0, 1), {}),
    ("linspace", (v5, 1.0, 0), {}), ("linspace", (f32, f32 + 1, 5), {}),
    ("linspace", (f32[0], 3.0, 5), dict(endpoint=False, retstep=True)),
    ("linspace", (np.zeros(2), np.array([0.0, 1e-310]), 3), {}),
    ("take", (x34, [1, 5, 5, -2]), {}), ("take", (x34, [[0, 2], [2, 1]]), dict(axis=0)),
    ("take", (x34, 3), dict(axis=1)), ("take", (x34, [-7, 9]), dict(mode="wrap")),
    ("take", (x34, [-7, 9]), dict(axis=1, mode="clip")), ("take", (i34, [0]), {}),
    ("compress", ([True, False, True], x34), dict(axis=0)),
    ("compress", ([0, 1, 1, 0, 1], x34), {}), ("compress", ([False, True], x34), dict(axis=1)),
    ("partition", (v5, 2), {}), ("partition", (x34, (0, 2)), dict(axis=1)),
    ("partition", (x34, 1), dict(axis=0)), ("partition", (x34, 4), dict(axis=None)),
    ("partition", (np.array([3.0, 1.0, 2.0, 1.0, 3.0, 2.0]), 2), {}),
    ("partition", (np.array([3.0, np.nan, 2.0, 1.0]), 1), {}), ("partition", (i34, -1), {}),
    ("vstack", ([1.0, 2.0, 3.0],), {}), ("hstack", ([1.0, 2.0, 3.0],), {}),
    ("vstack", ([v5, v5],), dict(dtype=np.float32)), ("hstack", ([x34, x34],), dict(dtype=np.float32)),
    ("stack", ([v5, v5],), dict(dtype=np.float32, axis=1)),
    ("concatenate", ([x34, x34],), dict(dtype=np.float32, axis=None)),
    ("concatenate", ([i34, x34],), dict(axis=1)),
    ("vstack", ([x34, x34],), dict(dtype=np.int32, casting="unsafe")),
]


def _np_fn(name):
    return getattr(np, name)


@pytest.mark.parametrize("name,args,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_and_dtypes_equal_numpy(name, args, kw):
    want = _np_fn(name)(*args, **kw)
    same_tree(getattr(ya, name)(*args, **kw), want)


def _tensorize(a):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return T(a)
    if isinstance(a, list):
        return [_tensorize(v) for v in a]
    return a


def _has_tensor(args):
    return any(isinstance(a, ya.Tensor) or (isinstance(a, list) and any(
        isinstance(v, ya.Tensor) for v in a)) for a in args)


# the cases with a float array argument (made a Tensor that requires grad)
DISPATCH = [(i, c) for i, c in enumerate(CASES) if _has_tensor([_tensorize(a) for a in c[1]])]


@pytest.mark.parametrize("name,args,kw", [c for _, c in DISPATCH],
                         ids=[f"{c[0]}-{i}" for i, c in DISPATCH])
def test_numpy_dispatch_on_tensors(name, args, kw):
    """np.NAME on Tensors dispatches to yaae (a Tensor result, NumPy's values)."""
    targs = [_tensorize(a) for a in args]
    want = _np_fn(name)(*args, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        got = _np_fn(name)(*targs, **kw)
    leaves = list(got) if isinstance(got, (list, tuple)) else [got]
    assert any(isinstance(v, ya.Tensor) for v in leaves)
    same_tree(got, want)


# ---- np.NAME(tensor) differentiates ------------------------------------------------------
GRADS = [
    ("cumsum", lambda x: np.cumsum(x, axis=1)), ("cumprod", lambda x: np.cumprod(x, axis=0)),
    ("diff", lambda x: np.diff(x, n=2)), ("ediff1d", lambda x: np.ediff1d(x, to_begin=x[0, :2])),
    ("gradient", lambda x: np.gradient(x, 0.5, axis=0)),
    ("kron", lambda x: np.kron(x, x[:2, :2])), ("diag", lambda x: np.diag(np.diag(x, 1))),
    ("diagflat", lambda x: np.diagflat(x[0])), ("tril", lambda x: np.tril(x, 1)),
    ("triu", lambda x: np.triu(x, -1)), ("rollaxis", lambda x: np.rollaxis(x, 1)),
    ("rot90", lambda x: np.rot90(x, 3)), ("flipud", np.flipud), ("fliplr", np.fliplr),
    ("roll", lambda x: np.roll(x, 3)), ("cross", lambda x: np.cross(x[:, :3], x[:, 1:])),
    ("vsplit", lambda x: np.vsplit(x, 3)[1]), ("hsplit", lambda x: np.hsplit(x, [1])[1]),
    ("dsplit", lambda x: np.dsplit(x[None, :, :], 2)[0]),
    ("column_stack", lambda x: np.column_stack([x[0], x[1] * 2])),
    ("dstack", lambda x: np.dstack([x, x * x])), ("append", lambda x: np.append(x, x[0])),
    ("select", lambda x: np.select([x.data > 0], [x * 3], default=x)),
    ("partition", lambda x: np.partition(x, 2, axis=1)),
    ("atleast_3d", lambda x: np.atleast_3d(x[0])),
    ("linspace", lambda x: np.linspace(x[0], x[1], 5, axis=1)),
    ("take", lambda x: np.take(x, [0, 3, 3, 7])), ("compress", lambda x: np.compress([1, 0, 1], x, 0)),
    ("vstack", lambda x: np.vstack([x[0, 0], x[1, 1]])),
    ("hstack", lambda x: np.hstack([x[0, 0], x[1], x[2, 2]])),
]


@pytest.mark.parametrize("name,f", GRADS, ids=[g[0] for g in GRADS])
def test_numpy_function_on_tensor_differentiates(name, f):
    x = rng.standard_normal((3, 4))
    x = x + np.sign(x) * 0.1           # no ties near zero for select/partition

    def g(t):
        out = f(t)
        assert isinstance(out, ya.Tensor)
        return out
    assert gradcheck(g, x, modes=("rev", "fwd"))


# ---- cumprod with zeros: exact gradients (torch as the oracle) --------------------------
@pytest.mark.parametrize("zeros", [[2], [1, 3], [0, 1, 4], [0, 1, 2, 3, 4, 5]])
def test_cumprod_gradient_with_zeros_is_exact(zeros):
    import torch
    x = rng.uniform(0.5, 2.0, 6) * rng.choice([-1, 1], 6)
    x[zeros] = 0.0
    g = ya.grad(lambda t: ya.sum(ya.cumprod(t) * np.arange(1.0, 7.0)))(x)
    tx = torch.tensor(x, requires_grad=True)
    (torch.cumprod(tx, 0) * torch.arange(1.0, 7.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(np.asarray(g), tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert np.all(np.isfinite(np.asarray(g)))
    # second order too
    h = ya.hessian(lambda t: ya.sum(ya.cumprod(t)))(x)
    th = torch.autograd.functional.hessian(lambda t: torch.cumprod(t, 0).sum(), torch.tensor(x))
    np.testing.assert_allclose(np.asarray(h), th.numpy(), rtol=1e-12, atol=1e-14)


def test_cumsum_is_a_linear_primitive():
    x = T(rng.standard_normal(1000))
    y = ya.cumsum(x)
    assert y._node.prim.name == "cumsum"
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.arange(1000, 0, -1.0))


def test_partition_values_follow_numpy_with_ties():
    x = np.array([[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [5.0, 5.0, 5.0, 1.0, 1.0, 0.0]])
    for kth in (0, 2, 3, (1, 4)):
        out = ya.partition(T(x), kth, axis=1)
        same(out, np.partition(x, kth, axis=1))
        g = ya.grad(lambda t: ya.sum(ya.partition(t, kth, axis=1) * np.arange(6.0)))(x)
        # a gather: the gradient is a permutation of the weights in every row
        np.testing.assert_array_equal(np.sort(np.asarray(g), axis=1),
                                      np.tile(np.arange(6.0), (2, 1)))


# ---- linspace -----------------------------------------------------------------------------
def test_linspace_differentiable_in_start_and_stop():
    gs, ge = ya.grad(lambda a, b: ya.sum(ya.linspace(a, b, 5) * np.arange(5.0)),
                     argnums=(0, 1))(0.5, 2.0)
    w = np.linspace(0, 1, 5)
    np.testing.assert_allclose(float(gs), np.sum((1 - w) * np.arange(5.0)))
    np.testing.assert_allclose(float(ge), np.sum(w * np.arange(5.0)))
    a, b = rng.standard_normal(3), rng.standard_normal((2, 3))
    assert gradcheck(lambda s, e: ya.linspace(s, e, 4, axis=-1), a, b, modes=("rev", "fwd"),
                     order=2)
    assert gradcheck(lambda s, e: ya.linspace(s, e, 4, endpoint=False, retstep=True)[1], a, b)


def test_linspace_requires_grad_keyword_compat():
    t = ya.linspace(0, 1, 5, requires_grad=True)
    assert isinstance(t, ya.Tensor) and t.requires_grad and t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.linspace(0, 1, 5))
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, 2 * np.linspace(0, 1, 5))
    ya.set_default_dtype(np.float32)
    try:
        assert ya.linspace(0, 1, 3).dtype == np.float32
    finally:
        ya.set_default_dtype(np.float64)


# ---- r_ and c_ ------------------------------------------------------------------------------
def test_r_concatenates_and_differentiates():
    a = rng.standard_normal(3)
    b = rng.standard_normal(2)
    same(r_[a, b, 1.0], np.r_[a, b, 1.0])
    same(r_[0:3, a], np.r_[0:3, a])
    same(r_[-1:1:5j, 2.0], np.r_[-1:1:5j, 2.0])
    same(r_[a], np.r_[a])
    same(r_[np.float32(1.0), 2], np.r_[np.float32(1.0), 2])
    same(r_[[1, 2], 3], np.r_[[1, 2], 3])
    m = rng.standard_normal((2, 3))
    same(r_[m, m], np.r_[m, m])
    same(r_["-1", m, m], np.r_["-1", m, m])
    same(r_["0,2", a, a], np.r_["0,2", a, a])
    same(r_["1,2", a, b], np.r_["1,2", a, b])
    same(r_["1,2,0", a, a], np.r_["1,2,0", a, a])
    out = r_[T(a), 0:2, 1.5]
    assert isinstance(out, ya.Tensor)
    assert gradcheck(lambda x, y: r_[x, 0:2, y * 2, 1.5], a, b, modes=("rev", "fwd"), order=2)


def test_c_stacks_columns_and_differentiates():
    a, b = rng.standard_normal(4), rng.standard_normal(4)
    m = rng.standard_normal((4, 2))
    same(c_[a, b], np.c_[a, b])
    same(c_[m, a], np.c_[m, a])
    same(c_[a, m, b], np.c_[a, m, b])
    same(c_[0:4, a], np.c_[0:4, a])
    same(c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])],
         np.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])])
    assert gradcheck(lambda x, y, z: c_[x, y * y, z], a, b, m, modes=("rev", "fwd"), order=2)


def test_r_c_string_directives():
    with pytest.raises(NotImplementedError, match="matrix"):
        r_["r", [1, 2]]
    with pytest.raises(NotImplementedError, match="string syntax"):
        r_["1 2; 3 4"]
    with pytest.raises(ValueError, match="first entry"):
        r_[np.ones(2), "0"]


# ---- vstack / hstack of 0-d inputs, dtype= -----------------------------------------------------
def test_stack_family_of_scalars_and_dtype():
    a, b = T(1.5), T(-2.0)
    same(ya.vstack([a, b]), np.vstack([1.5, -2.0]))
    same(ya.hstack([a, b]), np.hstack([1.5, -2.0]))
    g = ya.grad(lambda x: ya.sum(ya.vstack([x, 2 * x]) * np.array([[1.0], [3.0]])))(1.5)
    assert float(g) == 7.0
    v = T(rng.standard_normal(3))
    out = ya.vstack([v, v], dtype=np.float32)
    assert out.dtype == np.float32 and out.requires_grad
    with pytest.raises(TypeError):
        ya.vstack([v, v], dtype=np.int64)
    with pytest.raises(TypeError):
        ya.concatenate([v, v], dtype=np.int32)
    with pytest.raises(ValueError, match="zero-dimensional"):
        ya.concatenate([a, b])


def test_cross_2d_vectors_warn_like_numpy():
    a, b = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    for x, y in ((a, a[::-1]), (a, b), (b, a)):
        with pytest.warns(DeprecationWarning):
            want = np.cross(x, y)
        with pytest.warns(DeprecationWarning):
            got = ya.cross(x, y)
        same(got, want)
        with pytest.warns(DeprecationWarning):
            assert gradcheck(lambda s, t: ya.cross(s, t), x, y)


# ---- NumPy's errors ------------------------------------------------------------------------
AXIS_ERRORS = [
    lambda x: ya.cumsum(x, axis=2), lambda x: ya.cumprod(x, axis=-3), lambda x: ya.diff(x, axis=2),
    lambda x: ya.gradient(x, axis=2), lambda x: ya.rollaxis(x, 2),
    lambda x: ya.rollaxis(x, 0, 3), lambda x: ya.roll(x, 1, axis=2),
    lambda x: ya.cross(x[:, :3], x[:, :3], axisa=2), lambda x: ya.take(x, [0], axis=-3),
    lambda x: ya.compress([True], x, axis=2), lambda x: ya.partition(x, 1, axis=2),
    lambda x: ya.linspace(x[0], x[1], 3, axis=3), lambda x: ya.flip(x, 2),
    lambda x: ya.squeeze(x, 2), lambda x: ya.swapaxes(x, 0, 2), lambda x: ya.moveaxis(x, 2, 0),
    lambda x: ya.moveaxis(x, 0, -3), lambda x: ya.concatenate([x, x], axis=2),
    lambda x: ya.stack([x, x], axis=3), lambda x: ya.stack([x, x], axis=-4),
    lambda x: ya.split(x, 2, axis=2), lambda x: ya.array_split(x, 2, axis=-3),
    lambda x: ya.repeat(x, 2, axis=2), lambda x: ya.expand_dims(x, 3),
    lambda x: ya.append(x, x, axis=2), lambda x: ya.diagonal(x, 0, 0, 2),
    lambda x: ya.trace(x, 0, -3, 1),
]


@pytest.mark.parametrize("k", range(len(AXIS_ERRORS)))
def test_out_of_range_axes_raise_axis_error(k):
    x = T(rng.standard_normal((4, 4)))
    with pytest.raises(AxisError):
        AXIS_ERRORS[k](x)


def test_other_numpy_errors():
    x = rng.standard_normal((3, 4))
    with pytest.raises(ValueError):
        ya.rot90(x, axes=(0, 0))
    with pytest.raises(ValueError):
        ya.rot90(x, axes=(0, 2))
    with pytest.raises(ValueError):
        ya.flipud(np.float64(1.0))
    with pytest.raises(ValueError):
        ya.fliplr(np.ones(3))
    with pytest.raises(ValueError):
        ya.vsplit(np.ones(3), 3)
    with pytest.raises(ValueError):
        ya.dsplit(x, 2)
    with pytest.raises(ValueError):
        ya.diag(np.ones((2, 2, 2)))
    with pytest.raises(ValueError):
        ya.diff(x, n=-1)
    with pytest.raises(ValueError):
        ya.split(x, 3, axis=1)
    with pytest.raises(ValueError):
        ya.cross(x, x)
    with pytest.raises(ValueError):
        ya.gradient(np.ones(1))
    with pytest.raises(TypeError):
        ya.select([x], [x])
    with pytest.raises(ValueError):
        ya.select([x > 0], [x, x])
    with pytest.raises(TypeError):
        ya.ediff1d(np.arange(3), to_begin=[1.5])
    with pytest.raises(IndexError):
        ya.take(x, [12])
    with pytest.raises(ValueError):
        ya.linspace(T(0.0), 1.0, -1)
