"""The ``Optimizer`` base class: parameter groups, per-parameter state,
``zero_grad``, ``step(closure)`` and ``state_dict`` / ``load_state_dict``.

It follows ``torch.optim.Optimizer``: ``param_groups`` is a list of dicts
holding ``'params'`` (a list of Tensors) and every hyperparameter of the
optimizer, ``state`` maps each parameter to a dict of its buffers (ndarrays of
the parameter's dtype, plus a float ``'step'`` count where the algorithm keeps
one), and ``state_dict()`` replaces parameters by their indices in the order
they appear in the groups.

Updates are applied in place to the parameters' ndarrays (``p.data``), so a
parameter shared with a module (or an ``nn.Parameter`` sharing its array)
sees them; no graph is recorded.  Gradients are only read: yaae's ``.grad``
arrays may be read-only or shared between tensors, so every array computed
from a gradient is a fresh one.
"""
from __future__ import annotations

import copy
from collections.abc import MutableMapping

import numpy as np

from ..tensor import Tensor, enable_grad, mark_modified

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a hyperparameter that has no default (torch's ``required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class _ParamState(MutableMapping):
    """``defaultdict(dict)`` keyed by tensor identity.

    Keys are the parameter Tensors themselves (``opt.state[p]``), compared by
    identity, so elementwise ``__eq__`` on tensors never gets involved.
    Non-tensor keys (states not attached to a parameter, kept for
    compatibility as torch does) are stored under their own value.
    """

    def __init__(self):
        self._d = {}

    @staticmethod
    def _key(k):
        return ("id", id(k)) if isinstance(k, Tensor) else ("val", k)

    def __getitem__(self, k):
        key = self._key(k)
        entry = self._d.get(key)
        if entry is None:
            entry = self._d[key] = (k, {})
        return entry[1]

    def get(self, k, default=None):
        entry = self._d.get(self._key(k))
        return default if entry is None else entry[1]

    def __contains__(self, k):
        return self._key(k) in self._d

    def __setitem__(self, k, v):
        self._d[self._key(k)] = (k, v)

    def __delitem__(self, k):
        del self._d[self._key(k)]

    def __iter__(self):
        return (k for k, _ in list(self._d.values()))

    def items(self):
        return [(k, v) for k, v in self._d.values()]

    def values(self):
        return [v for _, v in self._d.values()]

    def __len__(self):
        return len(self._d)

    def __reduce__(self):  # ids change on unpickling: rebuild from the (key, value) pairs
        return (_rebuild_param_state, (self.items(),))

    def __repr__(self):
        return "{" + ", ".join(f"<tensor {tuple(k.shape)}>: {v!r}" if isinstance(k, Tensor)
                               else f"{k!r}: {v!r}" for k, v in self._d.values()) + "}"


def _rebuild_param_state(items):
    st = _ParamState()
    for k, v in items:
        st[k] = v
    return st


def _copy_state_value(value):
    """Deep copy of a state entry: ndarrays copied, containers recursed."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Tensor):
        return value.data.copy()
    if isinstance(value, dict):
        return {k: _copy_state_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_state_value(v) for v in value)
    return value


def _cast_state_value(param, value, key=None):
    """A loaded state entry as a fresh array, of the parameter's dtype when that
    is a real floating one ('step' kept; a complex parameter's state keeps its
    dtype, as in torch, so real scalars such as NAdam's mu_product stay real)."""
    if isinstance(value, Tensor):
        value = value.data
    elif not isinstance(value, (np.ndarray, np.generic, dict, list, tuple, str, bytes,
                                int, float, bool, type(None))) and hasattr(value, "__array__"):
        value = np.asarray(value)  # e.g. a torch tensor
    if isinstance(value, (np.ndarray, np.generic)):
        if key == "step":
            return float(value)
        arr = np.array(value)  # copy
        if param.dtype.kind == "f" and arr.dtype.kind in "fc":   # torch: floating params only
            arr = arr.astype(param.dtype, copy=False)
        return arr
    if isinstance(value, dict):
        return {k: _cast_state_value(param, v, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state_value(param, v) for v in value)
    return value


class Optimizer:
    """Base class of all optimizers.

    ``Optimizer(params, defaults)``: ``params`` is an iterable of Tensors or
    of dicts (parameter groups, each with a ``'params'`` entry and optional
    per-group hyperparameters); ``defaults`` the hyperparameters used where a
    group does not set them.  Subclasses implement ``step``.  Complex
    parameters are optimized as pairs of real numbers (torch's
    ``view_as_real``); a complex gradient for a real parameter raises.

    Example::

        >>> w = ya.zeros(3, requires_grad=True)
        >>> opt = ya.optim.SGD([{'params': [w], 'lr': 0.5}], lr=0.1)   # a parameter group
        >>> opt.param_groups[0]['lr']
        0.5
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable "
                            "of Tensors or dicts, but got a Tensor")
        self.state = _ParamState()
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ---- groups -------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``'params'`` and optional
        hyperparameters; missing ones are taken from the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = []
        tensors = []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not getattr(p, "is_leaf", True):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                raise ValueError("all optimizer param groups should be with/without names.")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients ----------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to ``None`` (default)
        or, with ``set_to_none=False``, to zeros (keeping the grad Tensor)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g.requires_grad or not getattr(g, "is_leaf", True):
                    # a grad with a graph (create_graph=True): detach, like torch
                    p.grad = Tensor(np.zeros_like(g.data))
                else:
                    # a fresh array: grad arrays may be read-only or shared
                    g.data = np.zeros_like(g.data)

    # ---- stepping -----------------------------------------------------------
    def _closure_loss(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def step(self, closure=None):
        """``step(closure=None)``: one update of every parameter from its ``.grad``
        (subclasses define it); ``closure`` re-evaluates the loss and returns it.
        """
        raise NotImplementedError

    @staticmethod
    def _params_with_grad(group):
        """``(param, param array, grad array)`` for the group's params that have a grad."""
        for p in group["params"]:
            if p.grad is not None:
                pd = p.data
                g = p.grad.data
                if g.dtype != pd.dtype or g.shape != pd.shape:   # fast path: no call
                    g = _grad_array(pd, g)
                mark_modified(p)     # an in-place update: a graph that saved p can't backward
                yield p, pd, g

    def _add_scaled(self, pd, g, alpha):
        """``pd += alpha * g`` in place, with no temporary the size of ``pd``
        allocated per step (torch's ``p.add_(g, alpha=alpha)``): the product
        goes into a scratch buffer the optimizer keeps across steps (one per
        dtype, as large as the largest parameter; not part of its state)."""
        n = pd.size
        if n <= 4096:       # small: NumPy's cache of small blocks makes a temporary cheap
            np.add(pd, g * alpha, out=pd)
            return
        scratch = self.__dict__.get("_scratch")
        if scratch is None:
            scratch = self.__dict__["_scratch"] = {}
        buf = scratch.get(pd.dtype)
        if buf is None or buf.size < n:
            buf = scratch[pd.dtype] = np.empty(n, dtype=pd.dtype)
        if pd.flags.f_contiguous and not pd.flags.c_contiguous:
            b = buf[:n].reshape(pd.shape[::-1]).T     # the parameter's layout
        else:
            b = buf[:n].reshape(pd.shape)
        np.multiply(g, alpha, out=b)
        np.add(pd, b, out=pd)

    # ---- checkpoints --------------------------------------------------------
    def state_dict(self):
        """The optimizer state as ``{'state': {index: {...}}, 'param_groups':
        [{..., 'params': [indices]}]}``; arrays are copies."""
        mapping = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        packed_state = {}
        for k, v in self.state.items():
            key = mapping[id(k)] if isinstance(k, Tensor) else k
            packed_state[key] = _copy_state_value(v)
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()`` (matched by parameter order; arrays copied
        and cast to each real floating parameter's dtype, as torch does)."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't "
                             "match the size of optimizer's group")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for idx, p in zip(s["params"], g["params"]):
                id_map[idx] = p
        state = _ParamState()
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = _cast_state_value(p, v) if isinstance(v, dict) else v
            else:
                state[k] = _copy_state_value(v)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups
        self._fix_loaded_groups()

    def _fix_loaded_groups(self):
        """Hook for subclasses to fill in group keys after loading."""

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


def _grad_array(pd, g):
    """Gradient array ``g`` checked against its parameter array ``pd`` (shape;
    no complex gradient for a real parameter) and cast to ``pd``'s dtype."""
    if g.dtype != pd.dtype:
        if g.dtype.kind == "c" and pd.dtype.kind != "c":
            raise RuntimeError(
                f"optimizer: complex gradient ({g.dtype}) for a real parameter "
                f"({pd.dtype}, shape {pd.shape}): its imaginary part would be dropped; "
                "make the parameter complex, or set .grad to the real part if that is "
                "what you mean (torch refuses such a .grad)")
        g = g.astype(pd.dtype)
    if g.shape != pd.shape:
        raise RuntimeError(f"optimizer: gradient of shape {g.shape} does not match "
                           f"its parameter of shape {pd.shape}")
    return g


def _as_real(a):
    """A complex array as a real view with a trailing axis of 2 (torch's
    ``view_as_real``); a real array unchanged.  Complex parameters are
    optimized as pairs of real numbers, as torch does: element-wise
    nonlinear updates (``g * g``, ``sqrt``, ``abs``, ``max``) act on the real
    and imaginary parts separately, and in-place updates of the view write
    through to the complex array."""
    return a[..., None].view(a.real.dtype) if np.iscomplexobj(a) else a


def _check_no_unsupported(foreach, fused, capturable, differentiable):
    if differentiable:
        raise NotImplementedError("yaae.optim: differentiable=True is not supported")
    if fused:
        raise NotImplementedError("yaae.optim: fused=True is not supported")
    if capturable:
        raise NotImplementedError("yaae.optim: capturable=True is not supported")
