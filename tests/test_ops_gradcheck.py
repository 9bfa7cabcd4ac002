"""Every yaae op against central finite differences with ``ya.testing.gradcheck``.

Each case checks the full Jacobian in reverse and forward mode; a
representative subset (at least one op of every family) also checks second
order (every nesting of the two modes).  Inputs are float64 from
``np.random.default_rng`` with fixed seeds, kept away from non-differentiable
points (no ties for max/min, |x| away from 0 for abs/relu/sign, away from
clip bounds, well-conditioned matrices).
"""
import zlib

import numpy as np
import pytest

import yaae as ya
from yaae.testing import GradcheckError, gradcheck

# central differences with eps=1e-6 are accurate to ~1e-10 relative here
EPS = 1e-6
ATOL = 1e-6
RTOL = 1e-5
MODES = ("rev", "fwd")


def gc(f, *xs, order=1, atol=ATOL, rtol=RTOL):
    assert gradcheck(f, *xs, eps=EPS, atol=atol, rtol=rtol, modes=MODES, order=order) is True


def rng_for(*parts):
    return np.random.default_rng(zlib.crc32(repr(parts).encode()))


def sample(rng, shape, kind="real"):
    shape = tuple(shape)
    if kind == "real":
        return rng.standard_normal(shape)
    if kind == "pos":
        return rng.uniform(0.5, 3.0, shape)
    if kind == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if kind == "tan":
        return rng.uniform(-1.2, 1.2, shape)
    if kind == "log1p":
        return rng.uniform(-0.5, 3.0, shape)
    if kind == "nz":
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, shape)
    if kind == "small":
        return rng.uniform(-2.0, 2.0, shape)
    raise ValueError(kind)  # pragma: no cover


# --------------------------------------------------------------------------------------
# elementwise unary
# --------------------------------------------------------------------------------------
UNARY = [
    ("negative", ya.negative, "real"),
    ("exp", ya.exp, "small"),
    ("log", ya.log, "pos"),
    ("log1p", ya.log1p, "log1p"),
    ("expm1", ya.expm1, "small"),
    ("sqrt", ya.sqrt, "pos"),
    ("square", ya.square, "real"),
    ("abs", ya.abs, "nz"),
    ("sign", ya.sign, "nz"),
    ("sin", ya.sin, "real"),
    ("cos", ya.cos, "real"),
    ("tan", ya.tan, "tan"),
    ("arcsin", ya.arcsin, "unit"),
    ("arccos", ya.arccos, "unit"),
    ("arctan", ya.arctan, "real"),
    ("sinh", ya.sinh, "small"),
    ("cosh", ya.cosh, "small"),
    ("tanh", ya.tanh, "real"),
    ("sigmoid", ya.sigmoid, "real"),
    ("relu", ya.relu, "nz"),
    ("leaky_relu", ya.leaky_relu, "nz"),
    ("leaky_relu_0.2", lambda x: ya.leaky_relu(x, 0.2), "nz"),
    ("softplus", ya.softplus, "small"),
    ("pow_3", lambda x: ya.power(x, 3), "real"),
    ("pow_-1.5", lambda x: ya.power(x, -1.5), "pos"),
    ("rpow", lambda x: ya.power(1.7, x), "real"),
    ("rtruediv", lambda x: 2.0 / x, "nz"),
    ("rsub", lambda x: 2.0 - x, "real"),
    ("clip", lambda x: ya.clip(x, -0.5, 0.7), "real"),
    ("clip_min", lambda x: ya.clip(x, -0.5, None), "real"),
    ("maximum_scalar", lambda x: ya.maximum(x, 0.1), "real"),
]
UNARY_SHAPES = [(), (4,), (2, 3), (1, 3, 1)]


def _off_kinks(x, kinks=(-0.5, 0.7, 0.1)):
    # keep 1e-3 away from clip bounds / maximum with a constant
    for k in kinks:
        x = np.where(np.abs(x - k) < 1e-3, x + 0.01, x)
    return x


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name,f,kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, f, kind, shape):
    x = _off_kinks(sample(rng_for("unary", name, shape), shape, kind))
    gc(f, x)


ORDER2_UNARY = ["exp", "log", "sqrt", "tan", "arcsin", "arccos", "tanh", "sigmoid",
                "softplus", "abs", "pow_-1.5", "rpow", "leaky_relu", "cosh", "log1p"]


@pytest.mark.parametrize("name", ORDER2_UNARY)
def test_unary_order2(name):
    f, kind = {u[0]: (u[1], u[2]) for u in UNARY}[name]
    x = sample(rng_for("unary2", name), (2, 3), kind)
    gc(f, x, order=2)


# --------------------------------------------------------------------------------------
# elementwise binary
# --------------------------------------------------------------------------------------
BINARY = [
    ("add", ya.add, "real", "real"),
    ("subtract", ya.subtract, "real", "real"),
    ("multiply", ya.multiply, "real", "real"),
    ("divide", ya.divide, "real", "nz"),
    ("power", ya.power, "pos", "real"),
    ("maximum", ya.maximum, "real", "real"),
    ("minimum", ya.minimum, "real", "real"),
    ("matmul_op_as_mul", lambda a, b: a * b + a / (b * b + 1.0), "real", "real"),
]
BINARY_SHAPES = [((), ()), ((3,), ()), ((), (3,)), ((2, 3), (3,)), ((3, 1, 2), (2, 2)),
                 ((1, 3), (2, 1)), ((2, 3), (2, 3)), ((2, 1, 3), (1, 2, 1))]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name,f,ka,kb", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, f, ka, kb, shapes):
    r = rng_for("binary", name, shapes)
    gc(f, sample(r, shapes[0], ka), sample(r, shapes[1], kb))


@pytest.mark.parametrize("name", ["multiply", "divide", "power", "maximum", "subtract"])
@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((), (2, 2))], ids=str)
def test_binary_order2(name, shapes):
    f, ka, kb = {b[0]: b[1:] for b in BINARY}[name]
    r = rng_for("binary2", name, shapes)
    gc(f, sample(r, shapes[0], ka), sample(r, shapes[1], kb), order=2)


WHERE_SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (3, 4)), ((4,), (3, 4), ()),
                ((2, 3, 4), (3, 1), (4,)), ((), (3,), (3,))]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=str)
def test_where(shapes):
    r = rng_for("where", shapes)
    c = r.random(shapes[0]) > 0.5
    gc(lambda a, b: ya.where(c, a, b), sample(r, shapes[1]), sample(r, shapes[2]))


def test_where_order2():
    r = rng_for("where2")
    c = r.random((3, 1)) > 0.5
    gc(lambda a, b: ya.where(c, a * a, ya.exp(b)), sample(r, (1, 4)), sample(r, (3, 4)),
       order=2)


@pytest.mark.parametrize("shapes", [((3, 4), (4,), (3, 1)), ((5,), (), (5,)), ((), (), ())],
                         ids=str)
def test_clip_tensor_bounds(shapes):
    r = rng_for("clip", shapes)
    x = r.standard_normal(shapes[0])
    lo = r.uniform(-1.0, -0.2, shapes[1])
    hi = r.uniform(0.2, 1.0, shapes[2])
    gc(ya.clip, x, lo, hi)


# --------------------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------------------
AXES = [
    ((), None),
    ((5,), None), ((5,), 0), ((5,), -1), ((5,), (0,)),
    ((3, 4), None), ((3, 4), 1), ((3, 4), -2), ((3, 4), (0, 1)),
    ((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 1)), ((3, 1, 2), 1), ((3, 1, 2), (1, 2)),
]

REDUCTIONS = [
    ("sum", lambda x, a, k: ya.sum(x, axis=a, keepdims=k), "real"),
    ("mean", lambda x, a, k: ya.mean(x, axis=a, keepdims=k), "real"),
    ("prod", lambda x, a, k: ya.prod(x, axis=a, keepdims=k), "nz"),
    ("max", lambda x, a, k: ya.max(x, axis=a, keepdims=k), "real"),
    ("min", lambda x, a, k: ya.min(x, axis=a, keepdims=k), "real"),
    ("logsumexp", lambda x, a, k: ya.logsumexp(x, axis=a, keepdims=k), "real"),
    ("var", lambda x, a, k: ya.var(x, axis=a, keepdims=k), "real"),
    ("var_ddof1", lambda x, a, k: ya.var(x, axis=a, ddof=1, keepdims=k), "real"),
    ("std", lambda x, a, k: ya.std(x, axis=a, keepdims=k), "real"),
    ("std_ddof1", lambda x, a, k: ya.std(x, axis=a, ddof=1, keepdims=k), "real"),
]


def _reduced_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    ax = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in ax]))


# var/std with ddof=1 over one value divide by zero, and std over one value is
# sqrt(0): those (shape, axis) pairs are left out for them only
RED_CASES = [pytest.param(r, shape, axis, id=f"{r[0]}-{shape}-ax{axis}".replace(" ", ""))
             for r in REDUCTIONS for shape, axis in AXES
             if not ((r[0].startswith("std") or r[0].endswith("ddof1"))
                     and _reduced_size(shape, axis) == 1)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op,shape,axis", RED_CASES)
def test_reduction(op, shape, axis, keepdims):
    name, f, kind = op
    x = sample(rng_for("red", name, shape, axis), shape, kind)
    gc(lambda t: f(t, axis, keepdims), x)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", [r[0] for r in REDUCTIONS])
def test_reduction_order2(name, axis, keepdims):
    f, kind = {r[0]: r[1:] for r in REDUCTIONS}[name]
    x = sample(rng_for("red2", name, axis), (2, 3, 2), kind)
    gc(lambda t: f(t, axis, keepdims), x, order=2)


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof(name, ddof):
    x = sample(rng_for("ddof", name, ddof), (3, 5))
    f = getattr(ya, name)
    gc(lambda t: f(t, axis=1, ddof=ddof), x)
    gc(lambda t: f(t, ddof=ddof, keepdims=True), x)


PROD_ZERO = [np.array([1.5, 0.0, -2.0, 3.0]), np.array([0.0, 2.0, 0.0, 3.0]),
             np.array([[1.0, 0.0, 2.0], [3.0, 4.0, -1.0], [0.0, 0.0, 5.0]])]


@pytest.mark.parametrize("axis", [None, -1])
@pytest.mark.parametrize("k", range(len(PROD_ZERO)))
def test_prod_with_zeros(k, axis):
    # prod is a polynomial: differentiable (at every order) at zeros too
    gc(lambda t: ya.prod(t, axis=axis), PROD_ZERO[k])


@pytest.mark.parametrize("axis", [None, -1])
@pytest.mark.parametrize("k", range(len(PROD_ZERO)))
def test_prod_with_zeros_order2(k, axis):
    gc(lambda t: ya.prod(t, axis=axis), PROD_ZERO[k], order=2)


def test_logsumexp_large():
    x = np.array([[1000.0, 1000.5, -1000.0], [-5.0, 3.0, 2.0]])
    gc(lambda t: ya.logsumexp(t, axis=1), x, order=2)


NORM = [((5,), None, None), ((5,), 2, 0), ((5,), 1, None), ((5,), np.inf, None),
        ((3, 4), 2, 1), ((3, 4), 1, 0), ((3, 4), np.inf, -1), ((2, 3, 4), 2, -1),
        ((3, 4), None, None), ((3, 4), "fro", None), ((2, 3, 4), "fro", (1, 2)),
        ((2, 3, 4), None, (0, 2)), ((), None, None)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,ord_,axis", NORM, ids=str)
def test_norm(shape, ord_, axis, keepdims):
    x = sample(rng_for("norm", shape, ord_, axis), shape, "nz")
    gc(lambda t: ya.linalg.norm(t, ord_, axis, keepdims), x)


@pytest.mark.parametrize("shape,ord_,axis", [((5,), 2, None), ((3, 4), "fro", None),
                                             ((3, 4), 1, 1), ((3, 4), np.inf, 0)], ids=str)
def test_norm_order2(shape, ord_, axis):
    x = sample(rng_for("norm2", shape, ord_, axis), shape, "nz")
    gc(lambda t: ya.linalg.norm(t, ord=ord_, axis=axis), x, order=2)


# --------------------------------------------------------------------------------------
# shape operations
# --------------------------------------------------------------------------------------
SHAPE_OPS = [
    ("reshape", (2, 3, 2), lambda x: ya.reshape(x, (3, 4))),
    ("reshape-minus1", (2, 3, 2), lambda x: ya.reshape(x, (-1, 2))),
    ("reshape-0d", (), lambda x: ya.reshape(x, (1, 1))),
    ("reshape-to-0d", (1, 1), lambda x: ya.reshape(x, ())),
    ("transpose", (2, 3, 2), ya.transpose),
    ("transpose-axes", (2, 3, 2), lambda x: ya.transpose(x, (1, 2, 0))),
    ("transpose-neg", (2, 3, 2), lambda x: ya.transpose(x, (-1, 0, -2))),
    ("T", (2, 3), lambda x: x.T),
    ("swapaxes", (2, 3, 2), lambda x: ya.swapaxes(x, 0, -1)),
    ("moveaxis", (2, 3, 2), lambda x: ya.moveaxis(x, 0, -1)),
    ("moveaxis-tuple", (2, 3, 1, 2), lambda x: ya.moveaxis(x, (0, 1), (-1, -3))),
    ("expand_dims", (2, 3), lambda x: ya.expand_dims(x, 1)),
    ("expand_dims-tuple", (2, 3), lambda x: ya.expand_dims(x, (0, -1))),
    ("expand_dims-0d", (), lambda x: ya.expand_dims(x, 0)),
    ("squeeze", (1, 3, 1, 2), ya.squeeze),
    ("squeeze-axis", (1, 3, 1, 2), lambda x: ya.squeeze(x, -2)),
    ("squeeze-tuple", (1, 3, 1, 2), lambda x: ya.squeeze(x, (0, 2))),
    ("squeeze-to-0d", (1, 1), ya.squeeze),
    ("broadcast_to", (3, 1), lambda x: ya.broadcast_to(x, (2, 3, 4))),
    ("broadcast_to-0d", (), lambda x: ya.broadcast_to(x, (2, 2))),
    ("ravel", (2, 3, 2), ya.ravel),
    ("ravel-0d", (), ya.ravel),
    ("flip", (2, 3, 2), ya.flip),
    ("flip-axis", (2, 3, 2), lambda x: ya.flip(x, 1)),
    ("flip-tuple", (2, 3, 2), lambda x: ya.flip(x, (0, -1))),
    ("pad", (2, 3), lambda x: ya.pad(x, 1)),
    ("pad-pairs", (2, 3), lambda x: ya.pad(x, ((1, 2), (0, 1)), constant_values=0.5)),
    ("pad-3d", (2, 1, 3), lambda x: ya.pad(x, ((0, 0), (1, 0), (2, 2)))),
    ("tile", (3,), lambda x: ya.tile(x, 2)),
    ("tile-longer", (2, 3), lambda x: ya.tile(x, (2, 1, 2))),
    ("tile-shorter", (2, 1, 3), lambda x: ya.tile(x, (2,))),
    ("tile-0d", (), lambda x: ya.tile(x, 3)),
    ("repeat", (2, 3), lambda x: ya.repeat(x, 2)),
    ("repeat-axis", (2, 3), lambda x: ya.repeat(x, 2, axis=1)),
    ("repeat-array", (2, 3), lambda x: ya.repeat(x, [1, 0, 3], axis=-1)),
    ("split", (6, 2), lambda x: ya.split(x, 3)),
    ("split-indices", (2, 5), lambda x: ya.split(x, [1, 3], axis=1)),
    ("split-one", (6,), lambda x: ya.split(x, 2)[1]),
]


@pytest.mark.parametrize("name,shape,f", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op(name, shape, f):
    gc(f, sample(rng_for("shape", name), shape))


@pytest.mark.parametrize("name", ["reshape", "transpose-axes", "pad-pairs", "tile-longer",
                                  "repeat-array", "flip-tuple", "split-indices",
                                  "broadcast_to", "moveaxis-tuple"])
def test_shape_op_order2(name):
    shape, f = {s[0]: s[1:] for s in SHAPE_OPS}[name]
    x = sample(rng_for("shape2", name), shape)
    # a nonlinearity first, so the second derivative is not trivially zero
    gc(lambda t: f(t * t), x, order=2)


CONCAT = [([(2, 3), (1, 3)], 0), ([(2, 3), (2, 1), (2, 2)], -1), ([(2, 3), (3,)], None),
          ([(2, 1, 2), (2, 2, 2)], 1), ([(3,)], 0)]


@pytest.mark.parametrize("shapes,axis", CONCAT, ids=str)
def test_concatenate(shapes, axis):
    r = rng_for("concat", shapes, axis)
    gc(lambda *a: ya.concatenate(list(a), axis=axis), *[sample(r, s) for s in shapes])


def test_concatenate_order2():
    r = rng_for("concat2")
    gc(lambda a, b: ya.concatenate([a * b, ya.exp(b)], axis=-1), sample(r, (2, 3)),
       sample(r, (2, 3)), order=2)


@pytest.mark.parametrize("shape,n,axis", [((3,), 2, 0), ((3,), 2, -1), ((2, 3), 3, 1),
                                          ((), 3, 0)], ids=str)
def test_stack(shape, n, axis):
    r = rng_for("stack", shape, n, axis)
    gc(lambda *a: ya.stack(a, axis=axis), *[sample(r, shape) for _ in range(n)])


# ---- __getitem__ ------------------------------------------------------------------------
I = np.array
GETITEM = [
    ("int", (5,), 2),
    ("neg-int", (5,), -1),
    ("slice-step", (5,), slice(None, None, 2)),
    ("neg-step", (5,), slice(None, None, -1)),
    ("neg-step-2", (5,), slice(4, 0, -2)),
    ("list-repeat", (5,), [0, 0, 3, 1, 0]),
    ("array-2d", (5,), I([[0, 1], [1, 1]])),
    ("mask-1d", (5,), I([True, False, True, True, False])),
    ("int-slice-int", (3, 4, 2), (1, slice(None), 1)),
    ("ellipsis", (3, 4, 2), (Ellipsis, 0)),
    ("none", (3, 4, 2), (None, 1)),
    ("slice-none", (3, 4, 2), (slice(None), None, 2)),
    ("ellipsis-none", (3, 4, 2), (Ellipsis, None)),
    ("neg-step-mixed", (3, 4, 2), (slice(None, None, -1), 1, slice(None, None, -1))),
    ("adv-repeat", (3, 4, 2), (I([0, 0, 2]),)),
    ("adv-sep-slice", (3, 4, 2), (I([0, 2, 0]), slice(None), I([1, 1, 0]))),
    ("adv-sep-bcast", (3, 4, 2), (I([[0], [2]]), slice(1, 3), I([1, 1, 0]))),
    ("adv-adjacent", (3, 4, 2), (slice(None), I([3, 0, 3]), I([1, 0, 1]))),
    ("adv-int-separated", (2, 3, 2, 2), (slice(None), I([0, 2, 2]), slice(None), 0)),
    ("ellipsis-adv", (3, 4, 2), (Ellipsis, I([0, 1, 1]))),
    ("mask-full", (3, 4, 2), "mask-full"),
    ("mask-axis1", (3, 4, 2), (slice(None), I([False, True, True, False]))),
    ("mask-2d", (3, 4, 2), "mask-2d"),
    ("0d-empty", (), ()),
    ("0d-none", (), None),
]


def _key(name, key, shape):
    r = rng_for("getitem-key", name)
    if isinstance(key, str) and key == "mask-full":
        return r.random(shape) > 0.4
    if isinstance(key, str) and key == "mask-2d":
        return (r.random(shape[:2]) > 0.5,)
    return key


@pytest.mark.parametrize("name,shape,key", GETITEM, ids=[g[0] for g in GETITEM])
def test_getitem(name, shape, key):
    key = _key(name, key, shape)
    gc(lambda t: t[key], sample(rng_for("getitem", name), shape))


@pytest.mark.parametrize("name", ["list-repeat", "adv-sep-slice", "mask-full",
                                  "neg-step-mixed", "none"])
def test_getitem_order2(name):
    shape, key = {g[0]: g[1:] for g in GETITEM}[name]
    key = _key(name, key, shape)
    gc(lambda t: ya.sin(t)[key] * t[key], sample(rng_for("getitem2", name), shape), order=2)


# --------------------------------------------------------------------------------------
# linear algebra
# --------------------------------------------------------------------------------------
MATMUL = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 2)), ((2, 2, 3), (3, 2)),
          ((3,), (2, 3, 2)), ((2, 2, 3), (3,)), ((2, 1, 2, 3), (2, 3, 2)),
          ((1, 2, 3), (2, 3, 1))]


@pytest.mark.parametrize("shapes", MATMUL, ids=str)
def test_matmul(shapes):
    r = rng_for("matmul", shapes)
    gc(lambda a, b: a @ b, sample(r, shapes[0]), sample(r, shapes[1]))


@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,))],
                         ids=str)
def test_matmul_order2(shapes):
    r = rng_for("matmul2", shapes)
    gc(ya.matmul, sample(r, shapes[0]), sample(r, shapes[1]), order=2)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 2)),
                                    ((), (3,)), ((2, 2, 3), (2, 3, 2))], ids=str)
def test_dot(shapes):
    r = rng_for("dot", shapes)
    gc(ya.dot, sample(r, shapes[0]), sample(r, shapes[1]))


@pytest.mark.parametrize("sa,sb,axes", [((2, 3, 2), (3, 2, 2), 2), ((2, 3), (3, 2), 1),
                                        ((2, 2), (3,), 0),
                                        ((3, 2, 2), (2, 3), ([0, 2], [1, 0]))], ids=str)
def test_tensordot(sa, sb, axes):
    r = rng_for("tensordot", sa, sb, str(axes))
    gc(lambda a, b: ya.tensordot(a, b, axes=axes), sample(r, sa), sample(r, sb))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ab,cd->", [(2, 2), (3, 2)]),
    ("->", [()]),
    ("ijj,jk->ik", [(2, 3, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (2, 3, 2)]),   # size-1 ellipsis dim broadcast
    ("...ij,jk->...ik", [(2, 3), (3, 2)]),            # ellipsis of zero dims
    ("i...i", [(3, 2, 3)]),
]


@pytest.mark.parametrize("subs,shapes", EINSUM, ids=[e[0] + "|" + str(e[1]) for e in EINSUM])
def test_einsum(subs, shapes):
    r = rng_for("einsum", subs, shapes)
    gc(lambda *a: ya.einsum(subs, *a), *[sample(r, s) for s in shapes])


@pytest.mark.parametrize("subs,shapes", [e for e in EINSUM if e[0] in
                                         ("ij,jk->ik", "ii->i", "ij,jk,kl->il",
                                          "...ij,...jk->...ik", "iij->j", "ii,i->i")],
                         ids=str)
def test_einsum_order2(subs, shapes):
    r = rng_for("einsum2", subs, shapes)
    xs = [sample(r, s) for s in shapes]
    if len(xs) == 1:   # linear in one operand: square it so the 2nd derivative is not 0
        gc(lambda a: ya.einsum(subs, a * a), *xs, order=2)
    else:
        gc(lambda *a: ya.einsum(subs, *a), *xs, order=2)


@pytest.mark.parametrize("shapes", [((3,), (2,)), ((2, 2), (3,)), ((), (3,))], ids=str)
def test_outer(shapes):
    r = rng_for("outer", shapes)
    gc(ya.outer, sample(r, shapes[0]), sample(r, shapes[1]))


@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((2, 4), 1, 0, 1),
                                                ((3, 3), -1, 0, 1), ((2, 3, 3), 0, 1, 2),
                                                ((3, 2, 3), 1, -1, 0)], ids=str)
def test_trace_diagonal(shape, offset, a1, a2):
    x = sample(rng_for("trace", shape, offset, a1, a2), shape)
    gc(lambda t: ya.trace(t, offset, a1, a2), x)
    gc(lambda t: ya.diagonal(t, offset, a1, a2), x)


def well_conditioned(r, shape):
    n = shape[-1]
    return r.standard_normal(shape) + n * np.eye(n)


@pytest.mark.parametrize("shape", [(3, 3), (1, 1), (2, 2, 2)], ids=str)
def test_inv_det(shape):
    x = well_conditioned(rng_for("invdet", shape), shape)
    gc(ya.linalg.inv, x)
    gc(ya.linalg.det, x)


@pytest.mark.parametrize("sa,sb", [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 2, 2), (2, 2, 1)),
                                   ((2, 2, 2), (2, 1))], ids=str)
def test_solve(sa, sb):
    r = rng_for("solve", sa, sb)
    gc(ya.linalg.solve, well_conditioned(r, sa), sample(r, sb))


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 2, 2)], ids=str)
def test_inv_det_order2(shape):
    x = well_conditioned(rng_for("invdet2", shape), shape)
    gc(ya.linalg.inv, x, order=2)
    gc(ya.linalg.det, x, order=2)


@pytest.mark.parametrize("sa,sb", [((2, 2), (2,)), ((3, 3), (3, 2)), ((2, 2, 2), (2, 2, 1))],
                         ids=str)
def test_solve_order2(sa, sb):
    r = rng_for("solve2", sa, sb)
    gc(ya.linalg.solve, well_conditioned(r, sa), sample(r, sb), order=2)


def test_trace_outer_order2():
    r = rng_for("trace-outer2")
    gc(lambda a, b: ya.trace(ya.outer(a, b) @ ya.outer(b, a)), sample(r, (3,)),
       sample(r, (3,)), order=2)


# --------------------------------------------------------------------------------------
# softmax / log_softmax
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((4,), -1), ((2, 3), 0), ((2, 3), -1),
                                        ((2, 3, 2), 1), ((1, 3), 0)], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, axis):
    f = getattr(ya, name)
    gc(lambda t: f(t, axis=axis), sample(rng_for("softmax", name, shape, axis), shape) * 2)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_order2(name):
    f = getattr(ya, name)
    gc(lambda t: f(t, axis=-1), sample(rng_for("softmax2", name), (2, 3)), order=2)
    gc(lambda t: f(t, axis=0), sample(rng_for("softmax2b", name), (2, 3)), order=2)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_extreme_logits(name):
    # finite differences of exp(-2e4)-sized quantities are exactly 0 too
    x = np.array([1e4, -1e4, 0.0, 1e4 - 1])
    gc(lambda t: getattr(ya, name)(t), x)


# --------------------------------------------------------------------------------------
# the checker itself can fail
# --------------------------------------------------------------------------------------
def _make_sin(vjp_ok=True, jvp_ok=True, differentiable_rules=True):
    @ya.primitive
    def mysin(x):
        return np.sin(x)

    def d(x):
        if not differentiable_rules:
            # right value, but computed on raw data: its own derivative is lost
            return np.cos(x.data if isinstance(x, ya.Tensor) else x)
        return ya.cos(x)

    def wrong(x):
        return ya.sin(x)   # not the derivative of sin

    mysin.defvjp(lambda g, ans, x: g * (d(x) if vjp_ok else wrong(x)))
    mysin.defjvp(lambda t, ans, x: t * (d(x) if jvp_ok else wrong(x)))
    return mysin


X_SIN = np.array([[0.3, -1.2, 2.0], [0.7, 1.1, -0.4]])


def test_gradcheck_passes_correct_primitive():
    f = _make_sin()
    gc(f, X_SIN, order=2)


def test_gradcheck_catches_wrong_vjp():
    f = _make_sin(vjp_ok=False)
    with pytest.raises(GradcheckError, match="reverse mode"):
        gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("rev", "fwd"))
    # forward mode alone is right
    assert gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("fwd",))


def test_gradcheck_catches_wrong_jvp():
    f = _make_sin(jvp_ok=False)
    with pytest.raises(GradcheckError, match="forward mode"):
        gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("rev", "fwd"))
    assert gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("rev",))


def test_gradcheck_catches_wrong_second_order():
    f = _make_sin(differentiable_rules=False)
    assert gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=MODES, order=1)
    with pytest.raises(GradcheckError):
        gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("rev",), order=2)
    with pytest.raises(GradcheckError):
        gradcheck(f, X_SIN, eps=EPS, atol=ATOL, rtol=RTOL, modes=("fwd",), order=2)


def test_gradcheck_catches_broadcast_scale_error():
    # a binary primitive whose rule for y forgets a factor: wrong by 2x
    @ya.primitive
    def mul(x, y):
        return np.multiply(x, y)

    mul.defvjp(lambda g, ans, x, y: g * y, lambda g, ans, x, y: 2 * g * x)
    mul.defjvp(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
    r = rng_for("bad-mul")
    a, b = r.standard_normal((2, 3)), r.standard_normal((3,))
    with pytest.raises(GradcheckError):
        gradcheck(mul, a, b, eps=EPS, atol=ATOL, rtol=RTOL, modes=("rev",))
    assert gradcheck(mul, a, b, eps=EPS, atol=ATOL, rtol=RTOL, modes=("fwd",))
