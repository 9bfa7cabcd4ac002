"""Adadelta, Adamax, NAdam, RAdam and LBFGS against torch.optim (the oracle).

Each run starts both libraries from the same arrays, computes the gradient of
the same loss with each library's own autodiff and compares parameters after
20 steps: 1e-10 in float64, 1e-5 in float32.

torch keeps NAdam's ``mu_product`` as a scalar tensor of torch's default
dtype; yaae uses its own default dtype (float64), so this file runs torch with
float64 as its default dtype (restored afterwards).

LBFGS: torch's reductions (MKL dot products, cascade sums, fused
multiply-adds) round differently from NumPy's in the last bit, and L-BFGS on
the Rosenbrock function or a small MLP amplifies such differences (torch
against itself with the start perturbed by 1e-15 drifts by 1e-3 over 80
fixed-step iterations).  The LBFGS configurations below are the ones whose
trajectories are well conditioned, so the comparison is exact to the stated
tolerances and still exercises every branch (memory updates, history
truncation, the line search's bracketing and zoom phases).
"""
import copy
import warnings

import numpy as np
import pytest
import torch

import yaae as ya


@pytest.fixture(autouse=True)
def torch_float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


NAMES = ("W1", "b1", "W2", "b2")


def start_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((5, 3)) * 0.7, "b1": rng.standard_normal(5) * 0.2,
            "W2": rng.standard_normal((2, 5)) * 0.7, "b2": rng.standard_normal(2) * 0.2,
            "X": rng.standard_normal((8, 3)), "Y": rng.standard_normal((8, 2))}


class Run:
    """A small MLP (tanh) with a squared loss plus a non-convex term, and an
    optimizer over its parameters, in torch or in yaae."""

    def __init__(self, torch_side, name, kwargs, dtype=np.float64, groups=None,
                 arrays=None, names=NAMES):
        a = arrays or start_arrays()
        self.torch = torch_side
        lib = torch if torch_side else ya
        wrap = ((lambda x, rg=False: torch.tensor(x, requires_grad=rg)) if torch_side
                else (lambda x, rg=False: ya.Tensor(x, requires_grad=rg)))
        self.m = lib
        self.P = {k: wrap(np.array(a[k], dtype=dtype), True) for k in NAMES}
        self.X, self.Y = (wrap(np.array(a[k], dtype=dtype)) for k in "XY")
        optim = torch.optim if torch_side else ya.optim
        if groups is None:
            spec = [self.P[k] for k in names]
        else:
            spec = [dict(extra, params=[self.P[k] for k in keys]) for keys, extra in groups]
        self.opt = getattr(optim, name)(spec, **kwargs)
        self.sign = -1.0 if kwargs.get("maximize") else 1.0

    def loss(self):
        m, P = self.m, self.P
        h = m.tanh(self.X @ P["W1"].T + P["b1"])
        r = h @ P["W2"].T + P["b2"] - self.Y
        return (m.mean(r * r) + 0.1 * m.sum(m.sin(3.0 * P["b1"]))) * self.sign

    def step(self, n=1):
        for _ in range(n):
            self.opt.zero_grad()
            self.loss().backward()
            self.opt.step()

    def arrays(self):
        return {k: (p.detach().numpy().copy() if self.torch else np.array(p.data))
                for k, p in self.P.items()}


def assert_match(ours, theirs, dtype=np.float64):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for k in theirs:
        assert np.all(np.isfinite(theirs[k])), f"{k}: the run diverged"
        np.testing.assert_allclose(ours[k], theirs[k], err_msg=k, **tol)


def both(name, kwargs, **kw):
    return Run(False, name, kwargs, **kw), Run(True, name, kwargs, **kw)


CONFIGS = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True, weight_decay=0.05)),
    ("Adamax", dict(lr=0.02)),
    ("Adamax", dict(lr=0.02, betas=(0.3, 0.9), eps=1e-3)),      # lerp weight >= 0.5
    ("Adamax", dict(lr=0.02, weight_decay=0.1)),
    ("Adamax", dict(lr=0.02, maximize=True)),
    ("NAdam", dict(lr=0.02)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.1, betas=(0.8, 0.99))),
    ("NAdam", dict(lr=0.02, weight_decay=0.1)),
    ("NAdam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.02, maximize=True, eps=1e-4)),
    ("RAdam", dict(lr=0.02)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.8))),     # rho_t > 5 from step 6 on
    ("RAdam", dict(lr=0.02, betas=(0.5, 0.5))),     # rho_t <= 5 throughout
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.8), weight_decay=0.1)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.8), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.8), maximize=True)),
]
OPTS = ["Adadelta", "Adamax", "NAdam", "RAdam"]


def _cid(c):
    return c[0] + "-" + ",".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[_cid(c) for c in CONFIGS])
def test_matches_torch_20_steps(name, kwargs, dtype):
    ours, theirs = both(name, kwargs, dtype=dtype)
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_match(ours.arrays(), theirs.arrays(), dtype)
    assert all(p.dtype == dtype for p in ours.P.values())
    for st in ours.opt.state.values():
        assert all(v.dtype == dtype for v in st.values() if isinstance(v, np.ndarray))
    a0 = start_arrays()
    assert not np.allclose(ours.arrays()["W1"], a0["W1"])     # it did train


@pytest.mark.parametrize("name", OPTS)
def test_defaults_and_groups_match_torch(name):
    ours, theirs = both(name, {})
    assert ours.opt.defaults == theirs.opt.defaults
    for g, tg in zip(ours.opt.param_groups, theirs.opt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k != "params"}
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_match(ours.arrays(), theirs.arrays())


@pytest.mark.parametrize("name", OPTS)
def test_two_param_groups_with_different_lrs(name):
    kw = {"Adadelta": dict(lr=0.7), "Adamax": dict(lr=0.01), "NAdam": dict(lr=0.01),
          "RAdam": dict(lr=0.01, betas=(0.9, 0.8))}[name]
    groups = [(("W1", "b1"), {}), (("W2", "b2"), {"lr": kw["lr"] * 3, "weight_decay": 0.1})]
    ours, theirs = both(name, kw, groups=groups)
    for _ in range(20):
        ours.step()
        theirs.step()
    assert_match(ours.arrays(), theirs.arrays())
    for g, tg in zip(ours.opt.param_groups, theirs.opt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k != "params"}


def test_nadam_mu_product_follows_the_default_dtype():
    """torch: float32 mu_product under its float32 default; yaae: under
    ``ya.set_default_dtype(float32)`` likewise."""
    torch.set_default_dtype(torch.float32)
    old = ya.get_default_dtype()
    ya.set_default_dtype(np.float32)
    try:
        ours, theirs = both("NAdam", dict(lr=0.05))
        for _ in range(20):
            ours.step()
            theirs.step()
    finally:
        ya.set_default_dtype(old)
    assert all(p.dtype == np.float64 for p in ours.P.values())
    assert_match(ours.arrays(), theirs.arrays())


@pytest.mark.parametrize("name", OPTS)
def test_state_dict_layout_matches_torch(name):
    names = ("W1", "b1", "b2", "W2")
    ours, theirs = both(name, dict(lr=0.01), names=names)
    ours.P["b2"].requires_grad = False
    theirs.P["b2"].requires_grad_(False)        # b2 gets no gradient: no state
    for _ in range(5):
        ours.step()
        theirs.step()
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1, 3]
    for i, tst in tsd["state"].items():
        st = sd["state"][i]
        assert set(st) == set(tst)
        for k, v in tst.items():
            np.testing.assert_allclose(np.asarray(st[k], dtype=float), v.numpy(), rtol=1e-10,
                                       atol=1e-300, err_msg=k)
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    np.testing.assert_array_equal(ours.P["b2"].data, start_arrays()["b2"])


@pytest.mark.parametrize("name", OPTS)
def test_state_dict_round_trip_mid_run(name):
    kw = dict(lr=0.02, weight_decay=0.05)
    groups = [(("W1", "b1"), {}), (("W2", "b2"), {"lr": 0.01})]
    a = Run(False, name, kw, groups=groups)
    a.step(7)
    sd = a.opt.state_dict()
    saved = copy.deepcopy(sd)
    snapshot = a.arrays()
    a.step(8)
    b = Run(False, name, kw, groups=groups, arrays=dict(start_arrays(), **snapshot))
    b.opt.load_state_dict(saved)
    b.step(8)
    for k in NAMES:
        np.testing.assert_array_equal(b.P[k].data, a.P[k].data)
    assert b.opt.param_groups[1]["lr"] == 0.01


@pytest.mark.parametrize("name", OPTS)
def test_loads_torch_state_dict_and_continues_like_torch(name):
    kw = dict(lr=0.02)
    theirs = Run(True, name, kw)
    theirs.step(6)
    snapshot = theirs.arrays()
    ours = Run(False, name, kw, arrays=dict(start_arrays(), **snapshot))
    ours.opt.load_state_dict(theirs.opt.state_dict())
    ours.step(6)
    theirs.step(6)
    assert_match(ours.arrays(), theirs.arrays())


@pytest.mark.parametrize("name", OPTS)
def test_closure_and_params_without_grad(name):
    runs = []
    for side in (False, True):
        r = Run(side, name, dict(lr=0.02))

        def closure(r=r):
            r.opt.zero_grad()
            loss = r.loss()
            loss.backward()
            return loss

        runs.append((r, [float(r.opt.step(closure).detach()) for _ in range(5)]))
    (ours, l1), (theirs, l2) = runs
    np.testing.assert_allclose(l1, l2, rtol=1e-12)
    assert_match(ours.arrays(), theirs.arrays())
    ours.opt.zero_grad()
    before = ours.arrays()
    assert ours.opt.step() is None          # no gradients: nothing moves
    assert_match(ours.arrays(), before)


@pytest.mark.parametrize("name", OPTS)
def test_unsupported_flags_raise(name):
    p = ya.Tensor(np.ones(3), requires_grad=True)
    cls = getattr(ya.optim, name)
    for flag in ("capturable", "differentiable"):
        with pytest.raises(NotImplementedError, match=flag):
            cls([p], **{flag: True})
    cls([p], foreach=False)     # accepted (the single-tensor path is the only one)


@pytest.mark.parametrize("name,kwargs", [
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-0.1)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, -0.1))), ("Adamax", dict(lr=-0.1)), ("NAdam", dict(eps=-1.0)),
    ("NAdam", dict(momentum_decay=-0.1)), ("NAdam", dict(weight_decay=-1.0)),
    ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(lr=-1e-3)),
])
def test_invalid_hyperparameters_raise_like_torch(name, kwargs):
    p, tp = ya.Tensor(np.ones(3), requires_grad=True), torch.ones(3, requires_grad=True)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([tp], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(ya.optim, name)([p], **kwargs)
    assert str(ours.value) == str(theirs.value)


# --------------------------------------------------------------------------
# LBFGS
# --------------------------------------------------------------------------
def rosenbrock(m, x):
    return m.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


class LbfgsRun:
    """LBFGS on the Rosenbrock function (4-d) or on the MLP above."""

    def __init__(self, torch_side, problem, kwargs, dtype=np.float64, perturb=0.0):
        self.torch = torch_side
        if problem == "rosenbrock":
            self.net = None
            x0 = np.array([-1.5, 2.0, -0.5, 1.2], dtype=dtype) * (1 + perturb)
            self.params = [torch.tensor(x0, requires_grad=True) if torch_side
                           else ya.Tensor(x0, requires_grad=True)]
        else:
            a = start_arrays()
            a["W1"] = a["W1"] * (1 + perturb)
            self.net = Run(torch_side, "SGD", dict(lr=0.0), dtype=dtype, arrays=a)
            self.params = list(self.net.P.values())
        optim = torch.optim if torch_side else ya.optim
        self.opt = optim.LBFGS(self.params, **kwargs)

    def closure(self):
        self.opt.zero_grad()
        if self.net is None:
            loss = rosenbrock(torch if self.torch else ya, self.params[0])
        else:
            loss = self.net.loss()
        loss.backward()
        return loss

    def run(self, n):
        losses = []
        for _ in range(n):
            loss = self.opt.step(self.closure)
            losses.append(float(loss.detach()) if self.torch else float(loss))
        return losses

    def flat(self):
        return np.concatenate([(p.detach().numpy() if self.torch else np.asarray(p.data))
                               .ravel() for p in self.params])

    def counters(self):
        st = self.opt.state[self.params[0]]
        return st["func_evals"], st["n_iter"]


LBFGS_F64 = [
    ("rosenbrock", dict(), 1),
    ("rosenbrock", dict(max_iter=5), 4),
    ("rosenbrock", dict(lr=0.5), 3),
    ("rosenbrock", dict(lr=0.1, history_size=2, max_iter=7), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe"), 1),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", history_size=2), 4),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", history_size=3), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.5, max_iter=50), 1),
    ("mlp", dict(), 3),
    ("mlp", dict(line_search_fn="strong_wolfe"), 3),
    ("mlp", dict(line_search_fn="strong_wolfe", history_size=2, max_iter=10), 2),
    ("mlp", dict(history_size=3, max_iter=6, max_eval=4, tolerance_grad=1e-5), 3),
]
LBFGS_F32 = [
    ("rosenbrock", dict(max_iter=4), 2),
    ("rosenbrock", dict(max_iter=4, line_search_fn="strong_wolfe"), 2),
    ("rosenbrock", dict(max_iter=3, history_size=2, line_search_fn="strong_wolfe"), 3),
    ("mlp", dict(max_iter=5), 2),
    ("mlp", dict(max_iter=5, line_search_fn="strong_wolfe"), 2),
    ("mlp", dict(max_iter=4, history_size=2, line_search_fn="strong_wolfe"), 2),
]


def _lid(c):
    return c[0] + "-" + ",".join(f"{k}={v}" for k, v in c[1].items()) + f"-x{c[2]}"


def _lbfgs_compare(problem, kwargs, n, dtype):
    ours = LbfgsRun(False, problem, kwargs, dtype)
    theirs = LbfgsRun(True, problem, kwargs, dtype)
    l1, l2 = ours.run(n), theirs.run(n)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(ours.flat(), theirs.flat(), rtol=tol, atol=tol)
    np.testing.assert_allclose(l1, l2, rtol=tol, atol=1e-13)
    assert ours.counters() == theirs.counters()
    assert all(p.dtype == dtype for p in ours.params)
    return ours, theirs


@pytest.mark.parametrize("problem,kwargs,n", LBFGS_F64, ids=[_lid(c) for c in LBFGS_F64])
def test_lbfgs_matches_torch_float64(problem, kwargs, n):
    _lbfgs_compare(problem, kwargs, n, np.float64)


LBFGS_LONG = [
    ("rosenbrock", dict(), 3),
    ("rosenbrock", dict(line_search_fn="strong_wolfe"), 3),
    ("mlp", dict(line_search_fn="strong_wolfe", history_size=3), 4),
    ("mlp", dict(lr=0.5, history_size=2), 4),
]


@pytest.mark.parametrize("problem,kwargs,n", LBFGS_LONG, ids=[_lid(c) for c in LBFGS_LONG])
def test_lbfgs_long_runs_stay_within_torchs_own_sensitivity(problem, kwargs, n):
    """Over 60-80 iterations these problems amplify last-bit differences:
    yaae stays as close to torch as torch is to itself started 1e-15 away."""
    ours = LbfgsRun(False, problem, kwargs)
    theirs = LbfgsRun(True, problem, kwargs)
    shifted = LbfgsRun(True, problem, kwargs, perturb=1e-15)
    for r in (ours, theirs, shifted):
        r.run(n)
    spread = np.abs(shifted.flat() - theirs.flat()).max()
    assert spread > 1e-12                   # the run is sensitive
    assert np.abs(ours.flat() - theirs.flat()).max() <= 10 * spread
    assert ours.counters() == theirs.counters()


def test_lbfgs_rosenbrock_to_the_minimum_like_torch():
    """Five steps reach the minimum (1, 1, 1, 1) with torch's evaluation
    counts; in the curved valley last-bit differences grow to 1e-9 in the
    losses before both runs converge to the same point (1e-10)."""
    kw = dict(line_search_fn="strong_wolfe")
    ours, theirs = LbfgsRun(False, "rosenbrock", kw), LbfgsRun(True, "rosenbrock", kw)
    l1, l2 = ours.run(5), theirs.run(5)
    np.testing.assert_allclose(ours.flat(), theirs.flat(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.flat(), 1.0, atol=1e-5)
    np.testing.assert_allclose(l1, l2, rtol=1e-8, atol=1e-13)
    assert ours.counters() == theirs.counters()


@pytest.mark.parametrize("problem,kwargs,n", LBFGS_F32, ids=[_lid(c) for c in LBFGS_F32])
def test_lbfgs_matches_torch_float32(problem, kwargs, n):
    _lbfgs_compare(problem, kwargs, n, np.float32)


def test_lbfgs_state_matches_torch():
    ours, theirs = _lbfgs_compare("mlp", dict(history_size=3, line_search_fn="strong_wolfe",
                                              max_iter=8), 2, np.float64)
    sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert list(sd["state"]) == list(tsd["state"]) == [0]
    st, tst = sd["state"][0], tsd["state"][0]
    assert set(st) == set(tst) == {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps",
                                   "ro", "H_diag", "prev_flat_grad", "prev_loss", "al"}
    for k in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(st[k], tst[k].numpy(), rtol=1e-8, atol=1e-12)
    for k in ("old_dirs", "old_stps"):
        assert len(st[k]) == len(tst[k]) == 3
        for a, b in zip(st[k], tst[k]):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(np.array(st["ro"], dtype=float),
                               [float(r) for r in tst["ro"]], rtol=1e-8)
    for k in ("t", "H_diag", "prev_loss"):
        assert float(st[k]) == pytest.approx(float(tst[k]), rel=1e-8)
    assert sd["param_groups"] == tsd["param_groups"]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_round_trip_mid_run(line_search_fn):
    kw = dict(history_size=3, max_iter=5, line_search_fn=line_search_fn)
    a = LbfgsRun(False, "mlp", kw)
    a.run(2)
    sd = copy.deepcopy(a.opt.state_dict())
    snapshot = a.net.arrays()
    la = a.run(3)
    b = LbfgsRun(False, "mlp", kw)
    for k, p in b.net.P.items():
        p.data[...] = snapshot[k]
    b.opt.load_state_dict(sd)
    lb = b.run(3)
    assert la == lb
    np.testing.assert_array_equal(a.flat(), b.flat())
    # and from torch's state dict
    t = LbfgsRun(True, "mlp", kw)
    t.run(2)
    c = LbfgsRun(False, "mlp", kw)
    for p, tp in zip(c.params, t.params):
        p.data[...] = tp.detach().numpy()
    c.opt.load_state_dict(t.opt.state_dict())
    np.testing.assert_allclose(c.run(3), t.run(3), rtol=1e-10)
    np.testing.assert_allclose(c.flat(), t.flat(), rtol=1e-10, atol=1e-10)


def test_lbfgs_stops_at_an_optimum_and_counts_like_torch():
    runs = []
    for side in (False, True):
        r = LbfgsRun(side, "rosenbrock", dict(line_search_fn="strong_wolfe", max_iter=100))
        for p in r.params:
            with (torch.no_grad() if side else ya.no_grad()):
                p.data[...] = 1.0 if not side else p.data.fill_(1.0)
        runs.append((r, r.run(2)))
    (ours, l1), (theirs, l2) = runs
    assert l1 == l2 == [0.0, 0.0]
    assert ours.counters() == theirs.counters() == (2, 0)


def test_lbfgs_errors_like_torch():
    p, q = ya.Tensor(np.ones(3), requires_grad=True), ya.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        ya.optim.LBFGS([{"params": [p]}, {"params": [q], "lr": 0.1}])
    with pytest.raises(ValueError, match="learning rate"):
        ya.optim.LBFGS([p], lr=-1)
    opt = ya.optim.LBFGS([p], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ya.sum((p - 2.0) ** 2)
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="strong_wolfe"):
        opt.step(closure)
    with pytest.raises(TypeError, match="closure"):
        ya.optim.LBFGS([p]).step()
    assert ya.optim.LBFGS([p], max_iter=8).defaults["max_eval"] == 10


def test_lbfgs_minimises_a_quadratic_and_params_without_grad_stay():
    rng = np.random.default_rng(5)
    M = rng.standard_normal((4, 4))
    A = M @ M.T + 4 * np.eye(4)
    bvec = rng.standard_normal(4)
    x = ya.Tensor(np.zeros(4), requires_grad=True)
    unused = ya.Tensor(np.ones(2), requires_grad=True)
    opt = ya.optim.LBFGS([x, unused], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = 0.5 * x @ ya.Tensor(A) @ x - ya.Tensor(bvec) @ x
        loss.backward()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step(closure)
    # torch stops at the same point (tolerance_change on the loss), near the solution
    tx = torch.zeros(4, requires_grad=True)
    topt = torch.optim.LBFGS([tx], line_search_fn="strong_wolfe")

    def tclosure():
        topt.zero_grad()
        loss = 0.5 * tx @ torch.tensor(A) @ tx - torch.tensor(bvec) @ tx
        loss.backward()
        return loss

    topt.step(tclosure)
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.data, np.linalg.solve(A, bvec), rtol=1e-3)
    np.testing.assert_array_equal(unused.data, 1.0)
    assert x.is_leaf and x.grad_fn is None


# --------------------------------------------------------------------------
# complex parameters: optimized as (real, imag) pairs, as torch does
# --------------------------------------------------------------------------
def _complex_run(torch_side, name, kwargs, steps):
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    w0 = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    c0 = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    if torch_side:
        p, w, c, m = torch.tensor(p0, requires_grad=True), torch.tensor(w0), torch.tensor(c0), torch
    else:
        p, w, c, m = ya.Tensor(p0, requires_grad=True), ya.Tensor(w0), ya.Tensor(c0), ya
    opt = getattr(torch.optim if torch_side else ya.optim, name)([p], **kwargs)

    def closure():
        opt.zero_grad()
        loss = m.sum(m.abs(p * w - c) ** 2)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return p.detach().numpy().copy() if torch_side else np.array(p.data), opt


@pytest.mark.parametrize("name,kwargs,steps", [
    ("Adadelta", dict(lr=0.5, weight_decay=0.1), 20), ("Adamax", dict(lr=0.05), 20),
    ("NAdam", dict(lr=0.05, weight_decay=0.1), 20),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.8), weight_decay=0.1, decoupled_weight_decay=True),
     20),
    ("LBFGS", dict(history_size=4, max_iter=6, line_search_fn="strong_wolfe"), 2),
    ("LBFGS", dict(lr=0.1, history_size=3, max_iter=5), 2)])
def test_complex_parameters_match_torch(name, kwargs, steps):
    ours, opt = _complex_run(False, name, kwargs, steps)
    theirs, _ = _complex_run(True, name, kwargs, steps)
    assert ours.dtype == np.complex128
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for v in opt.state_dict()["state"][0].values():
        if isinstance(v, np.ndarray) and v.ndim:
            assert v.dtype == (np.complex128 if name != "LBFGS" else np.float64)
