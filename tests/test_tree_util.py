"""ya.tree_util against jax.tree_util (the oracle): leaves order, structure
equality, repr, num_leaves/num_nodes, tree_map, unflatten errors, and
ravel_pytree's flat vector (jax.flatten_util)."""
import collections

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.tree_util as jtu  # noqa: E402
from jax.flatten_util import ravel_pytree as jax_ravel  # noqa: E402

import yaae as ya  # noqa: E402
from yaae import tree_util as tu  # noqa: E402

Point = collections.namedtuple("Point", "x y")

TREES = [
    1,
    None,
    (),
    [],
    {},
    (1,),
    [1, None, 2],
    {"b": 1, "a": 2, "c": [3, 4]},
    (1, {"b": [2, None], "a": Point(3, 4)}, [], (), {}),
    collections.OrderedDict([("z", 1), ("a", (2, 3))]),
    collections.defaultdict(list, {"b": 1, "a": [2]}),
    [[[]], [None, [5]], {"k": (6,)}],
    {"x": np.ones(3), "y": (np.zeros(2), "s")},
    Point(x=[1, 2], y={"q": None, "p": 7}),
]


def same_leaves(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        if isinstance(u, np.ndarray):
            np.testing.assert_array_equal(u, np.asarray(v))
        else:
            assert u == v


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_flatten_like_jax(tree):
    leaves, td = tu.tree_flatten(tree)
    jleaves, jtd = jtu.tree_flatten(tree)
    same_leaves(leaves, jleaves)
    assert repr(td) == repr(jtd)
    assert td.num_leaves == jtd.num_leaves
    assert td.num_nodes == jtd.num_nodes
    assert [repr(c) for c in td.children()] == [repr(c) for c in jtd.children()]
    same_leaves(tu.tree_leaves(tree), jleaves)
    assert repr(tu.tree_structure(tree)) == repr(jtu.tree_structure(tree))


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_unflatten_round_trip_like_jax(tree):
    leaves, td = tu.tree_flatten(tree)
    _, jtd = jtu.tree_flatten(tree)
    new = list(range(len(leaves)))
    ours = tu.tree_unflatten(td, new)
    theirs = jtu.tree_unflatten(jtd, new)
    assert type(ours) is type(theirs)
    assert repr(ours) == repr(theirs)
    assert td.unflatten(new) == ours


def test_structure_equality_like_jax():
    pairs = [((1, 2), (3, 4)), ((1, 2), [1, 2]), ({"a": 1, "b": 2}, {"b": 5, "a": 6}),
             ({"a": 1}, {"b": 1}), ([1, None], [1, 2]), (Point(1, 2), (1, 2)),
             (collections.OrderedDict(a=1, b=2), collections.OrderedDict(b=1, a=2)),
             (1, np.ones(3)), ([1, [2]], [1, [2, 3]])]
    for a, b in pairs:
        ours = tu.tree_structure(a) == tu.tree_structure(b)
        assert ours == (jtu.tree_structure(a) == jtu.tree_structure(b)), (a, b)
        if ours:
            assert hash(tu.tree_structure(a)) == hash(tu.tree_structure(b))


def test_is_leaf_like_jax():
    tree = [1, None, (2, 3), {"a": (4, 5)}]
    for pred in (lambda x: x is None, lambda x: isinstance(x, tuple), lambda x: False):
        ours, otd = tu.tree_flatten(tree, is_leaf=pred)
        theirs, jtd = jtu.tree_flatten(tree, is_leaf=pred)
        assert ours == theirs
        assert repr(otd) == repr(jtd)
        assert tu.tree_leaves(tree, is_leaf=pred) == jtu.tree_leaves(tree, is_leaf=pred)


def test_tree_map_like_jax():
    t1 = {"b": [1, 2], "a": (3, None)}
    t2 = {"a": (10, None), "b": [20, 30]}
    f = lambda u, v: u * 100 + v  # noqa: E731
    assert tu.tree_map(f, t1, t2) == jtu.tree_map(f, t1, t2)
    # a prefix tree: whole subtrees of the others are passed
    g = lambda u, v: (u, v)  # noqa: E731
    assert tu.tree_map(g, [1, 2], [[1, 2], {"x": 3}]) == jtu.tree_map(g, [1, 2], [[1, 2], {"x": 3}])
    h = lambda x: len(x) if isinstance(x, list) else x  # noqa: E731
    lists = lambda x: isinstance(x, list)  # noqa: E731
    assert tu.tree_map(h, t1, is_leaf=lists) == jtu.tree_map(h, t1, is_leaf=lists)


@pytest.mark.parametrize("a, b", [([1, 2], [1, 2, 3]), ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}),
                                  ((1, 2), 5)])
def test_tree_map_mismatch_raises_like_jax(a, b):
    with pytest.raises(ValueError):
        jtu.tree_map(lambda u, v: u, a, b)
    with pytest.raises(ValueError):
        tu.tree_map(lambda u, v: u, a, b)


def test_unflatten_wrong_count_raises_like_jax():
    td = tu.tree_structure((1, [2, 3]))
    jtd = jtu.tree_structure((1, [2, 3]))
    for n in (2, 4):
        with pytest.raises(ValueError) as ours:
            tu.tree_unflatten(td, list(range(n)))
        with pytest.raises(ValueError) as theirs:
            jtu.tree_unflatten(jtd, list(range(n)))
        assert str(ours.value) == str(theirs.value)


RAVEL = [
    {"a": np.arange(3.0), "b": [np.ones((2, 2)) * 2, 3.0], "c": (np.float64(4.0),)},
    [np.arange(4.0).reshape(2, 2), {"z": np.zeros(0), "y": np.array(5.0)}],
    (np.ones(2, np.float32), np.arange(3.0)),
]


@pytest.mark.parametrize("tree", RAVEL, ids=range(len(RAVEL)))
def test_ravel_pytree_like_jax(tree):
    flat, unravel = tu.ravel_pytree(tree)
    jflat, junravel = jax_ravel(tree)
    np.testing.assert_array_equal(np.asarray(flat), np.asarray(jflat))
    assert np.asarray(flat).dtype == np.asarray(jflat).dtype
    back = unravel(np.asarray(flat) + 1)
    jback = junravel(jflat + 1)
    bl, btd = tu.tree_flatten(back)
    jl, jtd = jtu.tree_flatten(jback)
    assert repr(btd) == repr(jtd)
    for u, v in zip(bl, jl):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
        assert np.asarray(u).dtype == np.asarray(v).dtype


def test_ravel_pytree_empty_and_bad_shape():
    flat, unravel = tu.ravel_pytree({})
    assert flat.shape == (0,)
    assert unravel(flat) == {}
    _, unravel = tu.ravel_pytree([np.ones(2)])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        unravel(np.ones(3))


def test_ravel_pytree_is_differentiable():
    # gradient through ravel and unravel, against finite differences
    def f(v):
        flat, unravel = tu.ravel_pytree({"w": ya.reshape(v[:4], (2, 2)), "b": v[4:]})
        t = unravel(flat * flat)
        return ya.sum(ya.sin(t["w"])) + ya.sum(t["b"] ** 3)
    assert ya.testing.gradcheck(f, np.linspace(-1, 1, 6), modes=("rev", "fwd"), order=2)


def test_transforms_use_the_same_rules():
    # dict results come back in sorted-key order, named tuples stay named tuples
    g = ya.grad(lambda p: ya.sum(p["w"] ** 2) + ya.sum(p["b"]))({"w": np.ones(2), "b": np.ones(3)})
    assert list(g) == ["b", "w"]
    np.testing.assert_array_equal(g["w"], 2 * np.ones(2))
    out = ya.jacrev(lambda x: {"y": x * 2, "a": (x,)})(np.ones(2))
    jout = jax.jacrev(lambda x: {"y": x * 2, "a": (x,)})(np.ones(2))
    assert repr(tu.tree_structure(out)) == repr(jtu.tree_structure(jout))
    for u, v in zip(tu.tree_leaves(out), jtu.tree_leaves(jout)):
        np.testing.assert_allclose(u, np.asarray(v))
    P = collections.namedtuple("P", "w b")
    gp = ya.grad(lambda p: ya.sum(p.w * p.b))(P(np.ones(2), np.arange(2.0)))
    assert isinstance(gp, P)
    np.testing.assert_array_equal(gp.w, np.arange(2.0))


def test_transforms_report_none():
    # yaae's one departure from JAX inside transforms: a None result is an error
    with pytest.raises(TypeError, match="must return arrays"):
        ya.jacrev(lambda x: {"y": x, "n": None})(np.ones(2))


class Pair:
    def __init__(self, a, b, tag="t"):
        self.a, self.b, self.tag = a, b, tag


for _register in (tu.register_pytree_node, jtu.register_pytree_node):
    _register(Pair, lambda p: ((p.a, p.b), p.tag), lambda tag, kids: Pair(*kids, tag=tag))


def test_registered_node_like_jax():
    tree = {"p": Pair(1, [2, Pair(3, 4, "u")]), "q": 5}
    leaves, td = tu.tree_flatten(tree)
    jleaves, jtd = jtu.tree_flatten(tree)
    assert leaves == jleaves
    assert td.num_leaves == jtd.num_leaves and td.num_nodes == jtd.num_nodes
    assert repr(td) == repr(jtd)
    back = tu.tree_unflatten(td, [10, 20, 30, 40, 50])
    assert back["p"].b[1].tag == "u" and back["p"].b[1].b == 40
    assert tu.tree_structure(Pair(1, 2)) != tu.tree_structure(Pair(1, 2, "v"))
    assert tu.tree_map(lambda a, b: a + b, Pair(1, 2), Pair(10, 20)).b == 22
    # transforms take them through
    g = ya.grad(lambda p: ya.sum(p.a * p.b))(Pair(np.ones(2), np.arange(2.0)))
    assert isinstance(g, Pair)
    np.testing.assert_array_equal(g.a, np.arange(2.0))
