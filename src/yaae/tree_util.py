"""Pytrees with JAX's names, signatures and rules (``jax.tree_util``).

A pytree is a nest of containers whose non-container contents are its
*leaves*.  The containers (nodes) are exactly JAX's built-in ones:

* ``tuple`` and ``list``: children in order;
* ``dict``: children in *sorted key* order (the dict's own order is not kept);
* ``collections.OrderedDict``: children in insertion order;
* ``collections.defaultdict``: sorted keys, as dict, keeping ``default_factory``;
* named tuples (tuple subclasses with ``_fields``): fields in order;
* ``None``: a node with no children (it has no leaves).

Everything else (Tensors, ndarrays, numbers, strings, subclasses of list or
dict, ...) is a leaf.  ``is_leaf(x) -> bool``, where accepted, makes any
subtree it returns True for a leaf (``None`` included).  yaae's transforms
(``ya.grad``, ``ya.vjp``, ``ya.jacrev``, ...) use these same rules for nested
arguments and results.

Example::

    >>> leaves, treedef = ya.tree_util.tree_flatten({"b": [1, None], "a": (2, 3)})
    >>> leaves
    [2, 3, 1]
    >>> treedef
    PyTreeDef({'a': (*, *), 'b': [*, None]})
    >>> ya.tree_util.tree_unflatten(treedef, [10, 20, 30])
    {'a': (10, 20), 'b': [30, None]}
"""
from collections import OrderedDict, defaultdict

import numpy as np

__all__ = ["PyTreeDef", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
           "tree_map", "ravel_pytree", "register_pytree_node"]

_NoneType = type(None)
_NAMEDTUPLE = "namedtuple"


def _seq(x):
    return None, x


def _sorted_keys(x):
    """A dict's keys sorted, as JAX: keys that cannot be compared raise its ValueError."""
    try:
        return tuple(sorted(x))
    except TypeError as e:
        raise ValueError(f"Comparator raised exception while sorting pytree dictionary keys. "
                         f"({e}; keys {list(x)!r:.80})") from e


def _dict(x):
    keys = _sorted_keys(x)
    return keys, [x[k] for k in keys]


def _none(x):
    return None, ()


def _ordered(x):
    keys = tuple(x)
    return keys, [x[k] for k in keys]


def _default(x):
    keys = _sorted_keys(x)
    return (x.default_factory, keys), [x[k] for k in keys]


# node type -> children(x): (data, children), where ``data`` is what rebuilding
# the node needs beyond its children (dict keys, a defaultdict's factory)
_NODES = {tuple: _seq, list: _seq, dict: _dict, _NoneType: _none, OrderedDict: _ordered,
          defaultdict: _default}
_NODES_NONE_LEAF = {k: v for k, v in _NODES.items() if k is not _NoneType}
_CUSTOM = {}    # registered type -> unflatten_func(aux_data, children)


def register_pytree_node(nodetype, flatten_func, unflatten_func):
    """Make ``nodetype`` a pytree node, as ``jax.tree_util.register_pytree_node``:
    ``flatten_func(x) -> (children, aux_data)`` and ``unflatten_func(aux_data,
    children) -> x``.  ``aux_data`` (the non-leaf part) must be hashable and
    comparable: treedefs compare it.  The transforms then accept and return
    such objects too.

    Example::

        class Pair:
            def __init__(self, a, b):
                self.a, self.b = a, b

        ya.tree_util.register_pytree_node(
            Pair, lambda p: ((p.a, p.b), None), lambda aux, kids: Pair(*kids))
        ya.tree_util.tree_leaves(Pair(1, [2, 3]))      # [1, 2, 3]
    """
    def children(x):
        kids, aux = flatten_func(x)
        return aux, list(kids)
    _NODES[nodetype] = _NODES_NONE_LEAF[nodetype] = children
    _CUSTOM[nodetype] = unflatten_func


def _node(x, nodes=_NODES):
    """``(kind, data, children)`` when ``x`` is a pytree node, else None (a leaf).
    ``kind`` is the node's type (named tuples: their class)."""
    t = type(x)
    h = nodes.get(t)
    if h is not None:
        data, kids = h(x)
        return t, data, kids
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return t, _NAMEDTUPLE, x
    return None


class PyTreeDef:
    """The structure of a pytree without its leaves (JAX's ``PyTreeDef``).

    Made by ``tree_flatten`` / ``tree_structure``, never directly.  Two
    treedefs are equal when their node types, dict keys and nesting are;
    ``num_leaves`` and ``num_nodes`` count leaves and all nodes (leaves and
    ``None`` included), ``children()`` gives the treedefs one level down,
    ``unflatten(leaves)`` rebuilds a tree (as ``tree_unflatten``).

    Example::

        >>> td = ya.tree_util.tree_structure((1, [2, 3]))
        >>> td, td.num_leaves
        (PyTreeDef((*, [*, *])), 3)
    """
    __slots__ = ("kind", "data", "kids", "num_leaves", "num_nodes")

    def __init__(self, kind, data, kids):
        self.kind, self.data, self.kids = kind, data, kids
        if kind is None:
            self.num_leaves, self.num_nodes = 1, 1
        else:
            self.num_leaves = sum(k.num_leaves for k in kids)
            self.num_nodes = 1 + sum(k.num_nodes for k in kids)

    def children(self):
        """The treedefs of this node's children (empty for a leaf or None)."""
        return list(self.kids)

    def unflatten(self, leaves):
        """The tree of this structure holding ``leaves`` (an iterable, in order).

        Example::

            >>> ya.tree_util.tree_structure([1, (2,)]).unflatten("ab")
            ['a', ('b',)]
        """
        leaves = list(leaves)
        n = len(leaves)
        if n != self.num_leaves:
            raise ValueError(f"Too few leaves for PyTreeDef; expected {self.num_leaves}, got {n}"
                             if n < self.num_leaves else
                             f"Too many leaves for PyTreeDef; expected {self.num_leaves}.")
        return self._build(iter(leaves))

    def _build(self, it):
        k = self.kind
        if k is None:
            return next(it)
        kids = [c._build(it) for c in self.kids]
        if k is tuple:
            return tuple(kids)
        if k is list:
            return kids
        if k is dict:
            return dict(zip(self.data, kids))
        if k is _NoneType:
            return None
        if k is OrderedDict:
            return OrderedDict(zip(self.data, kids))
        if k is defaultdict:
            return defaultdict(self.data[0], zip(self.data[1], kids))
        if k in _CUSTOM:
            return _CUSTOM[k](self.data, kids)
        return k(*kids)     # a named tuple

    def flatten_up_to(self, tree):
        """The subtrees of ``tree`` at this structure's leaves (``tree`` must
        have this structure as a prefix), as JAX's ``flatten_up_to``.

        Example::

            >>> ya.tree_util.tree_structure([1, 2]).flatten_up_to([(3, 4), 5])
            [(3, 4), 5]
        """
        out = []
        self._up_to(tree, out, "")
        return out

    def _up_to(self, x, out, path):
        if self.kind is None:
            out.append(x)
            return
        node = _node(x)
        if node is None or node[0] is not self.kind or (
                node[1] != self.data and self.data is not _NAMEDTUPLE):
            raise ValueError(
                f"pytree structure error at key path '{path}': expected a subtree of structure "
                f"{self._str()}, got {type(x).__name__} {x!r:.80}")
        kids = node[2]
        if len(kids) != len(self.kids):
            raise ValueError(
                f"pytree structure error at key path '{path}': expected a {self.kind.__name__} "
                f"of length {len(self.kids)}, got one of length {len(kids)}")
        keys = (self.data if self.kind in (dict, OrderedDict) else
                self.data[1] if self.kind is defaultdict else None)
        for i, (d, c) in enumerate(zip(self.kids, kids)):
            d._up_to(c, out, f"{path}[{keys[i]!r}]" if keys else f"{path}[{i}]")

    def __eq__(self, other):
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return (self.kind is other.kind and self.data == other.data
                and self.kids == other.kids)

    def __hash__(self):
        data = self.data
        if self.kind is defaultdict:
            data = data[1]
        return hash((self.kind, data, self.kids))

    def _str(self):
        k = self.kind
        if k is None:
            return "*"
        kids = [c._str() for c in self.kids]
        if k is tuple:
            return "(" + kids[0] + ",)" if len(kids) == 1 else "(" + ", ".join(kids) + ")"
        if k is list:
            return "[" + ", ".join(kids) + "]"
        if k is dict:
            return "{" + ", ".join(f"{key!r}: {c}" for key, c in zip(self.data, kids)) + "}"
        if k is _NoneType:
            return "None"
        if k is OrderedDict:
            head = f"OrderedDict[{self.data}]"
        elif k is defaultdict:
            head = f"defaultdict[{self.data}]"
        elif k in _CUSTOM:
            head = f"{k.__name__}[{self.data}]"
        else:
            head = f"namedtuple[{k.__name__}]"
        return f"CustomNode({head}, [{', '.join(kids)}])"

    def __repr__(self):
        return f"PyTreeDef({self._str()})"


_LEAF = PyTreeDef(None, None, ())


def _flatten(x, is_leaf, leaves, nodes=_NODES):
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    t = type(x)
    h = nodes.get(t)
    if h is not None:
        data, kids = h(x)
    elif isinstance(x, tuple) and hasattr(t, "_fields"):
        data, kids = _NAMEDTUPLE, x
    else:
        leaves.append(x)
        return _LEAF
    return PyTreeDef(t, data, tuple([_flatten(c, is_leaf, leaves, nodes) for c in kids]))


def _flatten_none_leaf(tree):
    """``tree_flatten(tree, is_leaf=lambda x: x is None)``, faster (the transforms')."""
    leaves = []
    return leaves, _flatten(tree, None, leaves, _NODES_NONE_LEAF)


def tree_flatten(tree, is_leaf=None):
    """``(leaves, treedef)``: the leaves of ``tree`` in JAX's order (containers
    depth first, dict keys sorted, ``None`` contributing none) and its structure.

    ``is_leaf(x) -> bool`` stops the descent at the subtrees it accepts.
    Inverse: ``tree_unflatten(treedef, leaves)``.

    Example::

        >>> ya.tree_util.tree_flatten([1, {"y": 2, "x": 3}])
        ([1, 3, 2], PyTreeDef([*, {'x': *, 'y': *}]))
    """
    leaves = []
    return leaves, _flatten(tree, is_leaf, leaves)


def tree_unflatten(treedef, leaves):
    """The tree of structure ``treedef`` holding ``leaves`` (in
    ``tree_flatten``'s order); a ValueError when their number differs from
    ``treedef.num_leaves``.  Argument order as JAX: treedef first.

    Example::

        >>> _, td = ya.tree_util.tree_flatten((1, [2]))
        >>> ya.tree_util.tree_unflatten(td, ["a", "b"])
        ('a', ['b'])
    """
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf=None):
    """The leaves of ``tree``, as the first result of ``tree_flatten``.

    Example::

        >>> ya.tree_util.tree_leaves({"b": 1, "a": [2, None, 3]})
        [2, 3, 1]
    """
    leaves = []
    _flatten(tree, is_leaf, leaves)
    return leaves


def tree_structure(tree, is_leaf=None):
    """The treedef of ``tree``, as the second result of ``tree_flatten``.

    Example::

        >>> ya.tree_util.tree_structure((1, None))
        PyTreeDef((*, None))
    """
    return _flatten(tree, is_leaf, [])


def tree_map(f, tree, *rest, is_leaf=None):
    """A tree of ``tree``'s structure holding ``f(x, *xs)`` for each leaf ``x``
    of ``tree`` and the corresponding subtrees ``xs`` of the trees in ``rest``
    (each must have ``tree``'s structure, or it as a prefix; otherwise a
    ValueError names where they differ).

    Example::

        >>> ya.tree_util.tree_map(lambda a, b: a + b, {"x": 1, "y": (2, 3)},
        ...                       {"x": 10, "y": (20, 30)})
        {'x': 11, 'y': (22, 33)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef.unflatten(f(*xs) for xs in zip(leaves, *others))


def ravel_pytree(pytree):
    """``(flat, unravel)``: every leaf of ``pytree`` raveled and concatenated
    into one 1-D array, in ``tree_leaves`` order, and the function taking such
    a vector back to a pytree of the original structure, shapes and dtypes.

    As ``jax.flatten_util.ravel_pytree``: ``flat`` has the leaves' common
    dtype (NumPy's type promotion).  Built from yaae ops, so it is
    differentiable both ways: a Tensor leaf gives a Tensor ``flat`` (an
    ndarray otherwise), and ``unravel`` of a Tensor gives Tensor leaves.  An
    empty tree gives an empty vector of the default float dtype.

    Example::

        >>> flat, unravel = ya.tree_util.ravel_pytree({"a": np.ones(2), "b": [np.zeros((1, 2))]})
        >>> flat
        array([1., 1., 0., 0.])
        >>> unravel(flat + 1)["b"][0]
        array([[1., 1.]])
    """
    from . import ops
    from .tensor import Tensor, get_default_dtype
    leaves, treedef = tree_flatten(pytree)
    shapes = [np.shape(x.data if isinstance(x, Tensor) else x) for x in leaves]
    dtypes = [x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype for x in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    if leaves:
        dtype = np.result_type(*[x.dtype if hasattr(x, "dtype") else x for x in leaves])
        flat = ops.concatenate([ops.astype(ops.reshape(x, (-1,)), dtype) for x in leaves])
    else:
        flat = np.zeros(0, dtype=get_default_dtype())
    total = sum(sizes)

    def unravel(vec):
        shape = np.shape(vec.data if isinstance(vec, Tensor) else vec)
        if shape != (total,):
            raise ValueError(f"unravel: expected a vector of shape ({total},) (the raveled "
                             f"pytree), got shape {shape}")
        out, i = [], 0
        for shp, dt, n in zip(shapes, dtypes, sizes):
            out.append(ops.astype(ops.reshape(vec[i:i + n], shp), dt))
            i += n
        return treedef.unflatten(out)
    return flat, unravel
