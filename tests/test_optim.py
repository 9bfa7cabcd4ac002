"""yaae.optim optimizers against torch.optim (the oracle).

Every run starts both libraries from the same float64 arrays, computes the
gradient of the same loss with each library's own autodiff, and compares the
parameters after 20 steps (rtol 1e-9).
"""
import copy

import numpy as np
import pytest
import torch

import yaae as ya


OPTS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


# --------------------------------------------------------------------------
# the model: W (3x4), b (3), c (4); x, y constants; an unused parameter d
# --------------------------------------------------------------------------
def start_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W": rng.standard_normal((3, 4)),
        "b": rng.standard_normal(3),
        "c": rng.standard_normal(4),
        "d": rng.standard_normal((2, 2)),   # never receives a gradient
        "x": rng.standard_normal(4),
        "y": rng.standard_normal(3),
    }


class Lib:
    """The few library-specific pieces of a training run."""

    def __init__(self, torch_side):
        self.torch = torch_side
        self.m = torch if torch_side else ya
        self.optim = torch.optim if torch_side else ya.optim

    def param(self, a, dtype=np.float64):
        a = np.array(a, dtype=dtype)
        if self.torch:
            return torch.tensor(a, requires_grad=True)
        return ya.Tensor(a, requires_grad=True)

    def const(self, a, dtype=np.float64):
        a = np.array(a, dtype=dtype)
        return torch.tensor(a) if self.torch else ya.Tensor(a)

    def loss(self, W, b, c, x, y):
        m = self.m
        r = W @ (x + c) + b - y
        return m.sum(r * r) + m.sum(m.sin(b)) + m.sum(m.cos(c) * c)

    def arr(self, t):
        return t.detach().numpy().copy() if self.torch else np.array(t.data)

    def grad(self, t):
        if t.grad is None:
            return None
        return t.grad.detach().numpy().copy() if self.torch else np.array(t.grad.data)


YA, TO = Lib(False), Lib(True)


class Run:
    """Parameters W, b, c, d and an optimizer over them (optionally in groups)."""

    def __init__(self, lib, name, kwargs, groups=None, dtype=np.float64, arrays=None,
                 names=("W", "b", "c")):
        self.lib = lib
        a = arrays or start_arrays()
        self.P = {k: lib.param(a[k], dtype) for k in ("W", "b", "c", "d")}
        self.x, self.y = lib.const(a["x"], dtype), lib.const(a["y"], dtype)
        if groups is None:
            spec = [self.P[k] for k in names]
        else:
            spec = [dict(extra, params=[self.P[k] for k in keys]) for keys, extra in groups]
        self.opt = getattr(lib.optim, name)(spec, **kwargs)
        # maximize runs maximize the negated loss (bounded above, so they converge)
        self.sign = -1.0 if kwargs.get("maximize") else 1.0

    def backward(self):
        P = self.P
        loss = self.lib.loss(P["W"], P["b"], P["c"], self.x, self.y) * self.sign
        loss.backward()
        return loss

    def step(self, n=1, sched=None):
        for _ in range(n):
            self.opt.zero_grad()
            self.backward()
            self.opt.step()
            if sched is not None:
                sched.step()

    def arrays(self):
        return {k: self.lib.arr(p) for k, p in self.P.items()}


def assert_params_match(ours, theirs, rtol=1e-9, atol=0.0):
    for k in theirs:
        assert np.all(np.isfinite(theirs[k])), f"{k}: the run diverged; pick a smaller lr"
        np.testing.assert_allclose(ours[k], theirs[k], rtol=rtol, atol=atol, err_msg=k)


# --------------------------------------------------------------------------
# every option of every optimizer, 20 steps, vs torch
# --------------------------------------------------------------------------
CONFIGS = [
    ("SGD", dict(lr=0.02)),
    ("SGD", dict(lr=0.02, momentum=0.9)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.02, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("SGD", dict(lr=0.01, momentum=0.8, weight_decay=0.05, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.02, momentum=0.7, dampening=0.5, weight_decay=0.2)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.9), eps=1e-6)),        # lerp weight >= 0.5
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True,
                  maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.95), weight_decay=0.2, amsgrad=True,
                   maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, eps=1e-4)),  # lerp weight >= 0.5
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.3, centered=True, weight_decay=0.1,
                     maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2,
                     eps=1e-6, maximize=True)),
]


def _cfg_id(c):
    return c[0] + "-" + ",".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[_cfg_id(c) for c in CONFIGS])
def test_matches_torch_20_steps(name, kwargs):
    ours = Run(YA, name, kwargs)
    theirs = Run(TO, name, kwargs)
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_params_match(ours.arrays(), theirs.arrays())


GROUP_CONFIGS = [
    ("SGD", dict(lr=0.02, momentum=0.9), dict(lr=0.05, momentum=0.5, nesterov=True)),
    ("Adam", dict(lr=0.05), dict(lr=0.01, betas=(0.7, 0.9), amsgrad=True)),
    ("AdamW", dict(lr=0.05), dict(lr=0.1, weight_decay=0.5)),
    ("RMSprop", dict(lr=0.01, momentum=0.9), dict(lr=0.003, centered=True)),
    ("Adagrad", dict(lr=0.1), dict(lr=0.3, lr_decay=0.2)),
]


@pytest.mark.parametrize("name,kwargs,extra", GROUP_CONFIGS, ids=[c[0] for c in GROUP_CONFIGS])
def test_two_param_groups(name, kwargs, extra):
    groups = [(("W", "b"), {}), (("c",), extra)]
    ours = Run(YA, name, kwargs, groups=groups)
    theirs = Run(TO, name, kwargs, groups=groups)
    assert len(ours.opt.param_groups) == 2
    assert ours.opt.param_groups[1]["lr"] == extra["lr"]
    assert ours.opt.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_params_match(ours.arrays(), theirs.arrays())
    # group hyperparameters are the same dicts as torch's (minus the tensors)
    for g, tg in zip(ours.opt.param_groups, theirs.opt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k != "params"}


@pytest.mark.parametrize("name", OPTS)
def test_defaults_match_torch(name):
    kw = {}
    ours = Run(YA, name, kw)
    theirs = Run(TO, name, kw)
    g, tg = ours.opt.param_groups[0], theirs.opt.param_groups[0]
    assert {k: v for k, v in g.items() if k != "params"} == \
           {k: v for k, v in tg.items() if k != "params"}
    assert ours.opt.defaults == theirs.opt.defaults
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_params_match(ours.arrays(), theirs.arrays())


@pytest.mark.parametrize("name", OPTS)
def test_state_structure_matches_torch(name):
    """state_dict layout: same state keys per parameter index (params without a
    gradient included only where torch has them), same values."""
    kw = {"SGD": dict(lr=0.02, momentum=0.9), "Adam": dict(lr=0.05, amsgrad=True),
          "AdamW": dict(lr=0.05), "RMSprop": dict(lr=0.01, momentum=0.3, centered=True),
          "Adagrad": dict(lr=0.1)}[name]
    names = ("W", "b", "d", "c")      # d never gets a gradient
    ours = Run(YA, name, kw, names=names)
    theirs = Run(TO, name, kw, names=names)
    for _ in range(5):
        ours.step()
        theirs.step()
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i, tst in tsd["state"].items():
        st = sd["state"][i]
        assert set(st) == set(tst)
        for k, v in tst.items():
            if k == "step":
                assert float(st[k]) == float(v)
            else:
                assert isinstance(st[k], np.ndarray)
                np.testing.assert_allclose(st[k], v.numpy(), rtol=1e-9, atol=1e-300)
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    # the parameter without a gradient was not touched
    np.testing.assert_array_equal(ours.P["d"].data, start_arrays()["d"])


# --------------------------------------------------------------------------
# mechanics
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", OPTS)
def test_update_is_in_place_and_records_no_graph(name):
    r = Run(YA, name, {"lr": 0.01})
    arrays = {k: p.data for k, p in r.P.items()}
    before = {k: a.copy() for k, a in arrays.items()}
    r.step(3)
    for k, p in r.P.items():
        assert p.data is arrays[k]          # same ndarray, updated in place
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert not np.array_equal(arrays["W"], before["W"])


@pytest.mark.parametrize("name", OPTS)
def test_params_without_grad_are_skipped(name):
    r = Run(YA, name, {"lr": 0.05}, names=("W", "b", "c", "d"))
    r.step(4)
    np.testing.assert_array_equal(r.P["d"].data, start_arrays()["d"])
    if name == "Adagrad":       # torch creates Adagrad state for every param up front
        assert r.opt.state[r.P["d"]]["step"] == 0.0
    else:
        assert r.P["d"] not in r.opt.state


@pytest.mark.parametrize("name", OPTS)
def test_step_with_closure(name):
    kw = {"lr": 0.02}
    runs = []
    for lib in (YA, TO):
        r = Run(lib, name, kw)

        def closure(r=r):
            r.opt.zero_grad()
            return r.backward()

        losses = []
        for _ in range(10):
            if lib is YA:
                with ya.no_grad():      # the closure still records a graph
                    losses.append(float(r.opt.step(closure).data))
            else:
                losses.append(float(r.opt.step(closure).detach()))
        runs.append((r, losses))
    (ours, l1), (theirs, l2) = runs
    np.testing.assert_allclose(l1, l2, rtol=1e-9)
    assert_params_match(ours.arrays(), theirs.arrays())
    assert ours.opt.step() is None


def test_zero_grad_set_to_none():
    r = Run(YA, "SGD", {"lr": 0.1}, names=("W", "b", "c", "d"))
    r.backward()
    assert all(r.P[k].grad is not None for k in "Wbc")
    r.opt.zero_grad()
    assert all(p.grad is None for p in r.P.values())
    before = r.arrays()
    r.opt.step()                        # no gradients: nothing moves
    assert_params_match(r.arrays(), before, rtol=0)


def test_zero_grad_set_to_zeros_keeps_grad_tensors():
    r = Run(YA, "SGD", {"lr": 0.1}, names=("W", "b", "c", "d"))
    r.backward()
    grads = {k: r.P[k].grad for k in "Wbc"}
    fresh = {k: np.array(g.data) for k, g in grads.items()}
    r.opt.zero_grad(set_to_none=False)
    for k, g in grads.items():
        assert r.P[k].grad is g
        assert g.shape == r.P[k].shape and g.dtype == r.P[k].dtype
        np.testing.assert_array_equal(g.data, 0.0)
    assert r.P["d"].grad is None
    r.backward()                        # accumulates onto the zeros
    for k in "Wbc":
        np.testing.assert_array_equal(r.P[k].grad.data, fresh[k])


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)),
                                         ("Adam", dict(lr=0.05)),
                                         ("RMSprop", dict(lr=0.01, momentum=0.5)),
                                         ("Adagrad", dict(lr=0.1))])
def test_steps_with_zero_grads_match_torch(name, kwargs):
    """zero_grad(set_to_none=False) then step(): zero gradients still step
    (momentum carries on), unlike None gradients."""
    runs = []
    for lib in (YA, TO):
        r = Run(lib, name, kwargs)
        r.step(3)
        r.opt.zero_grad(set_to_none=False)
        r.opt.step()
        r.opt.step()
        r.opt.zero_grad(set_to_none=True)
        r.opt.step()
        runs.append(r)
    assert_params_match(runs[0].arrays(), runs[1].arrays())


@pytest.mark.parametrize("name", OPTS)
def test_add_param_group_matches_torch(name):
    runs = []
    for lib in (YA, TO):
        r = Run(lib, name, {"lr": 0.02}, names=("W", "b"))
        r.step(5)
        r.opt.add_param_group({"params": r.P["c"], "lr": 0.05})
        r.step(10)
        runs.append(r)
    ours, theirs = runs
    assert len(ours.opt.param_groups) == 2
    assert {k: v for k, v in ours.opt.param_groups[1].items() if k != "params"} == \
           {k: v for k, v in theirs.opt.param_groups[1].items() if k != "params"}
    assert_params_match(ours.arrays(), theirs.arrays())


def test_param_group_errors():
    p = ya.Tensor(np.ones(3), requires_grad=True)
    q = ya.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty"):
        ya.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError):
        ya.optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError):
        ya.optim.SGD([np.ones(3)], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        ya.optim.SGD([{"params": [p]}, {"params": [p, q]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        ya.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered"):
        ya.optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        ya.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="learning rate"):
        ya.optim.Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="beta"):
        ya.optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError):
        ya.optim.RMSprop([p], alpha=-0.1)
    with pytest.raises(ValueError):
        ya.optim.Adagrad([p], lr_decay=-0.1)
    opt = ya.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [p]})
    opt.add_param_group({"params": [q], "momentum": 0.5})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["momentum"] == 0.5


# --------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------
RESUME_CONFIGS = [
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.02)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, maximize=False)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1)),
]


def _state_arrays(sd):
    return {(i, k): (np.array(v) if isinstance(v, np.ndarray) else v)
            for i, st in sd["state"].items() for k, v in st.items()}


@pytest.mark.parametrize("name,kwargs", RESUME_CONFIGS, ids=[_cfg_id(c) for c in RESUME_CONFIGS])
def test_state_dict_round_trip_is_bit_identical(name, kwargs):
    groups = [(("W", "b"), {}), (("c",), {"lr": kwargs["lr"] * 0.5})]
    a = Run(YA, name, kwargs, groups=groups)
    a.step(7)
    sd = a.opt.state_dict()
    saved = copy.deepcopy(sd)
    snapshot = a.arrays()
    a.step(8)
    # the state dict holds copies: training on did not change it
    for key, v in _state_arrays(saved).items():
        np.testing.assert_array_equal(_state_arrays(sd)[key], v)
    for st in sd["state"].values():
        for v in st.values():
            assert not isinstance(v, ya.Tensor)

    b = Run(YA, name, kwargs, groups=groups, arrays=dict(start_arrays(), **snapshot))
    b.opt.load_state_dict(sd)
    b.step(8)
    for k in "Wbc":
        assert np.all(np.isfinite(a.P[k].data))
        np.testing.assert_array_equal(b.P[k].data, a.P[k].data)
    # loading copied the arrays too
    for key, v in _state_arrays(saved).items():
        np.testing.assert_array_equal(_state_arrays(sd)[key], v)
    assert b.opt.param_groups[1]["lr"] == kwargs["lr"] * 0.5
    assert b.opt.param_groups[0]["params"][0] is b.P["W"]


def test_load_state_dict_takes_hyperparameters_and_checks_sizes():
    a = Run(YA, "SGD", dict(lr=0.02, momentum=0.9))
    a.step(2)
    sd = a.opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.5
    b = Run(YA, "SGD", dict(lr=0.02, momentum=0.9))
    b.opt.load_state_dict(sd)
    assert b.opt.param_groups[0]["lr"] == 0.5
    c = Run(YA, "SGD", dict(lr=0.02, momentum=0.9), names=("W", "b"))
    with pytest.raises(ValueError, match="size"):
        c.opt.load_state_dict(sd)
    d = Run(YA, "SGD", dict(lr=0.02), groups=[(("W",), {}), (("b", "c"), {})])
    with pytest.raises(ValueError, match="number of parameter groups"):
        d.opt.load_state_dict(sd)


def test_adamw_keeps_decoupled_weight_decay_on_load():
    a = Run(YA, "AdamW", dict(lr=0.05))
    a.step(2)
    sd = a.opt.state_dict()
    del sd["param_groups"][0]["decoupled_weight_decay"]
    b = Run(YA, "AdamW", dict(lr=0.05))
    b.opt.load_state_dict(sd)
    assert b.opt.param_groups[0]["decoupled_weight_decay"] is True


def test_load_state_dict_casts_to_param_dtype():
    a = Run(YA, "Adam", dict(lr=0.05))
    a.step(3)
    sd = a.opt.state_dict()
    b = Run(YA, "Adam", dict(lr=0.05), dtype=np.float32)
    b.opt.load_state_dict(sd)
    for p in b.opt.param_groups[0]["params"]:
        st = b.opt.state[p]
        assert st["exp_avg"].dtype == np.float32 and st["exp_avg_sq"].dtype == np.float32
        assert st["step"] == 3.0
    b.step(2)
    assert all(p.dtype == np.float32 for p in b.P.values())


# --------------------------------------------------------------------------
# float32
# --------------------------------------------------------------------------
F32_CONFIGS = [
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.1, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.1)),
]


@pytest.mark.parametrize("name,kwargs", F32_CONFIGS, ids=[_cfg_id(c) for c in F32_CONFIGS])
def test_float32_params_stay_float32(name, kwargs):
    ours = Run(YA, name, kwargs, dtype=np.float32)
    theirs = Run(TO, name, kwargs, dtype=np.float32)
    for _ in range(20):
        ours.step()
        theirs.step()
    for k, p in ours.P.items():
        assert p.dtype == np.float32, k
    for st in ours.opt.state.values():
        for key, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, key
    # float32 round-off differs between the libraries' kernels (and their
    # float32 gradients): agreement to float32 precision
    assert_params_match(ours.arrays(), theirs.arrays(), rtol=2e-5, atol=2e-6)


def test_state_is_keyed_by_parameter():
    r = Run(YA, "Adam", dict(lr=0.05))
    r.step(2)
    assert len(r.opt.state) == 3
    st = r.opt.state[r.P["W"]]
    assert st["step"] == 2.0 and st["exp_avg"].shape == (3, 4)
    assert set(st) == {"step", "exp_avg", "exp_avg_sq"}
    assert {id(k) for k in r.opt.state} == {id(r.P[k]) for k in "Wbc"}


def test_repr_lists_groups():
    r = Run(YA, "SGD", dict(lr=0.02, momentum=0.9))
    s = repr(r.opt)
    assert s.startswith("SGD (") and "lr: 0.02" in s and "momentum: 0.9" in s


def test_pickle_round_trip_keeps_state_attached():
    import pickle
    r = Run(YA, "Adam", dict(lr=0.05))
    r.step(3)
    opt2 = pickle.loads(pickle.dumps(r.opt))
    p2 = opt2.param_groups[0]["params"][0]
    assert p2 is not r.P["W"]
    np.testing.assert_array_equal(opt2.state[p2]["exp_avg"], r.opt.state[r.P["W"]]["exp_avg"])
    assert opt2.state[p2]["step"] == 3.0 and len(opt2.state) == 3


# --------------------------------------------------------------------------
# SGD's in-place update through a reused scratch buffer, for any layout
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided", "0-d", "small"])
def test_sgd_update_in_place_for_every_layout(dtype, layout):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((160, 240)).astype(dtype)     # large: through the scratch buffer
    if layout == "C":
        arr = base.copy()
    elif layout == "F":
        arr = np.asfortranarray(base)
    elif layout == "strided":
        arr = base.copy()[::2, 1::3]
    elif layout == "small":
        arr = base[:6, :8].copy()
    else:
        arr = np.array(base[0, 0])
    big = ya.Tensor(rng.standard_normal(50000).astype(dtype), requires_grad=True)  # scratch > p
    p = ya.Tensor(arr, requires_grad=True, dtype=dtype)
    p.data = arr                                  # keep the layout under test
    g = rng.standard_normal(arr.shape).astype(dtype)
    gb = rng.standard_normal(50000).astype(dtype)
    p.grad, big.grad = ya.Tensor(g, dtype=dtype), ya.Tensor(gb, dtype=dtype)
    before, big_before = arr.copy(), big.data.copy()
    opt = ya.optim.SGD([big, p], lr=0.1)
    for k in range(2):                            # the second step reuses the buffer
        opt.step()
        assert p.data is arr                      # in place
        np.testing.assert_allclose(arr, before - 0.1 * (k + 1) * g, rtol=1e-5 if dtype == np.float32 else 1e-12)
        np.testing.assert_allclose(big.data, big_before - 0.1 * (k + 1) * gb,
                                   rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(p.grad.data, g)     # gradients only read
    assert p.data.dtype == dtype
    assert "_scratch" not in str(opt.state_dict())
