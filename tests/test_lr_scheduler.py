"""yaae.optim.lr_scheduler against torch.optim.lr_scheduler (the oracle):
learning-rate (and momentum) sequences, parameters after training with a
schedule, ReduceLROnPlateau on metric sequences, state_dict round trips."""
import copy
import warnings

import numpy as np
import pytest
import torch

import yaae as ya
from yaae.optim import lr_scheduler as ys

ts = torch.optim.lr_scheduler


# --------------------------------------------------------------------------
# a small model in each library (same as tests/test_optim.py)
# --------------------------------------------------------------------------
def start_arrays(seed=1):
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3),
            "c": rng.standard_normal(4), "x": rng.standard_normal(4),
            "y": rng.standard_normal(3)}


class Model:
    def __init__(self, torch_side, arrays=None):
        a = arrays or start_arrays()
        self.torch = torch_side
        if torch_side:
            self.P = {k: torch.tensor(a[k], requires_grad=True) for k in "Wbc"}
            self.x, self.y = torch.tensor(a["x"]), torch.tensor(a["y"])
            self.m, self.optim, self.sched = torch, torch.optim, ts
        else:
            self.P = {k: ya.Tensor(np.array(a[k]), requires_grad=True) for k in "Wbc"}
            self.x, self.y = ya.Tensor(a["x"]), ya.Tensor(a["y"])
            self.m, self.optim, self.sched = ya, ya.optim, ys

    def groups(self, lr2=None):
        """Two parameter groups: [W, b] and [c] (with lr2 when given)."""
        g2 = {"params": [self.P["c"]]}
        if lr2 is not None:
            g2["lr"] = lr2
        return [{"params": [self.P["W"], self.P["b"]]}, g2]

    def loss(self):
        m, P = self.m, self.P
        r = P["W"] @ (self.x + P["c"]) + P["b"] - self.y
        return m.sum(r * r) + m.sum(m.sin(P["b"])) + m.sum(m.cos(P["c"]) * P["c"])

    def train_step(self, opt):
        opt.zero_grad()
        self.loss().backward()
        opt.step()

    def arrays(self):
        if self.torch:
            return {k: p.detach().numpy().copy() for k, p in self.P.items()}
        return {k: np.array(p.data) for k, p in self.P.items()}


def build(torch_side, opt_name, opt_kw, sched_name, sched_kw, lr2=0.03):
    model = Model(torch_side)
    opt = getattr(model.optim, opt_name)(model.groups(lr2), **opt_kw)
    sched = getattr(model.sched, sched_name)(opt, **sched_kw)
    return model, opt, sched


def lam1(epoch):
    return 0.95 ** epoch


def lam2(epoch):
    return 1.0 / (1.0 + epoch // 4)


SCHEDULERS = [
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 8, 8, 20])),
    ("MultiStepLR", dict(milestones=[2, 5, 11], gamma=0.7)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.002)),
    ("LambdaLR", dict(lr_lambda=lam1)),
    ("LambdaLR", dict(lr_lambda=[lam1, lam2])),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=30, anneal_strategy="linear")),
    ("OneCycleLR", dict(max_lr=0.4, epochs=5, steps_per_epoch=6, three_phase=True,
                        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=30, cycle_momentum=False)),
    ("OneCycleLR", dict(max_lr=0.4, total_steps=30, base_momentum=[0.8, 0.7],
                        max_momentum=[0.9, 0.95])),
]


def _sid(s):
    return s[0] + "-" + ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in s[1].items())


def _lr_trace(torch_side, opt_name, opt_kw, sname, skw, n):
    model, opt, sched = build(torch_side, opt_name, opt_kw, sname, skw)
    lrs = [list(sched.get_last_lr())]
    groups = [[g["lr"] for g in opt.param_groups]]
    epochs = [sched.last_epoch]
    moms = [[(g.get("momentum"), g["betas"] if "betas" in g else None)
             for g in opt.param_groups]]
    for _ in range(n):
        opt.step()              # no gradients: parameters stay, only the order matters
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        groups.append([g["lr"] for g in opt.param_groups])
        epochs.append(sched.last_epoch)
        moms.append([(g.get("momentum"), g["betas"] if "betas" in g else None)
                     for g in opt.param_groups])
    return dict(lrs=lrs, groups=groups, epochs=epochs, moms=moms, opt=opt, sched=sched)


@pytest.mark.parametrize("sname,skw", SCHEDULERS, ids=[_sid(s) for s in SCHEDULERS])
def test_lr_sequence_matches_torch(sname, skw):
    n = 30 if sname != "CosineAnnealingLR" else 3 * skw["T_max"] + 5
    ours = _lr_trace(False, "SGD", dict(lr=0.1, momentum=0.9), sname, skw, n)
    theirs = _lr_trace(True, "SGD", dict(lr=0.1, momentum=0.9), sname, skw, n)
    np.testing.assert_allclose(np.array(ours["lrs"]), np.array(theirs["lrs"]), rtol=1e-12,
                               atol=0)
    np.testing.assert_allclose(np.array(ours["groups"]), np.array(theirs["groups"]),
                               rtol=1e-12, atol=0)
    assert ours["epochs"] == theirs["epochs"] == list(range(n + 1))
    # momentum (cycled by OneCycleLR, left alone by the others)
    om = np.array([[m for m, _ in row] for row in ours["moms"]], dtype=float)
    tm = np.array([[m for m, _ in row] for row in theirs["moms"]], dtype=float)
    np.testing.assert_allclose(om, tm, rtol=1e-12, atol=0)
    # the groups carry the same keys (initial_lr, max_lr, ...) with the same values
    for g, tg in zip(ours["opt"].param_groups, theirs["opt"].param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k != "params"}
    assert ours["sched"].base_lrs == pytest.approx(theirs["sched"].base_lrs, rel=1e-12)


def test_cosine_annealing_recursive_values_are_torchs():
    """Over 3*T_max steps CosineAnnealingLR follows torch's recursive formula
    (which rises again after T_max) to the last bit."""
    ours = _lr_trace(False, "SGD", dict(lr=0.1), "CosineAnnealingLR",
                     dict(T_max=6, eta_min=0.01), 18)
    theirs = _lr_trace(True, "SGD", dict(lr=0.1), "CosineAnnealingLR",
                       dict(T_max=6, eta_min=0.01), 18)
    assert ours["lrs"] == theirs["lrs"]
    lrs = [row[0] for row in ours["lrs"]]
    assert lrs[6] == pytest.approx(0.01) and lrs[12] == pytest.approx(0.1)


def test_scheduler_records_initial_lr():
    model = Model(False)
    opt = ya.optim.SGD(model.groups(lr2=0.03), lr=0.1)
    assert all("initial_lr" not in g for g in opt.param_groups)
    sched = ys.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert sched.base_lrs == [0.1, 0.03] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.03]
    # a second scheduler keeps the recorded initial_lr
    opt.param_groups[0]["lr"] = 0.5
    sched2 = ys.ExponentialLR(opt, gamma=0.5)
    assert sched2.base_lrs == [0.1, 0.03]
    with pytest.raises(KeyError):
        ys.StepLR(ya.optim.SGD(Model(False).groups(), lr=0.1), step_size=2, last_epoch=3)


def test_onecycle_momentum_cycles_betas_for_adam():
    kw = dict(max_lr=0.3, total_steps=20, base_momentum=0.8, max_momentum=0.93)
    ours = _lr_trace(False, "Adam", dict(lr=0.01, betas=(0.9, 0.99)), "OneCycleLR", kw, 20)
    theirs = _lr_trace(True, "Adam", dict(lr=0.01, betas=(0.9, 0.99)), "OneCycleLR", kw, 20)
    ob = np.array([[b for _, b in row] for row in ours["moms"]])
    tb = np.array([[b for _, b in row] for row in theirs["moms"]])
    np.testing.assert_allclose(ob, tb, rtol=1e-12, atol=0)
    assert ob[0, 0, 0] == 0.93 and np.all(ob[:, :, 1] == 0.99)
    assert ob[:, 0, 0].min() == pytest.approx(0.8)
    np.testing.assert_allclose(np.array(ours["lrs"]), np.array(theirs["lrs"]), rtol=1e-12)
    for g in ours["opt"].param_groups:
        assert isinstance(g["betas"], tuple)
        assert g["max_momentum"] == 0.93 and g["base_momentum"] == 0.8


def test_onecycle_momentum_cycles_sgd_momentum():
    kw = dict(max_lr=0.3, total_steps=20)
    ours = _lr_trace(False, "SGD", dict(lr=0.01, momentum=0.5), "OneCycleLR", kw, 20)
    mom = [row[0][0] for row in ours["moms"]]
    assert mom[0] == 0.95
    assert min(mom) == pytest.approx(0.85)
    assert mom[19] == pytest.approx(0.95)     # the last step of the cycle
    # momentum falls while the lr rises, then rises while it falls
    lrs = [row[0] for row in ours["lrs"]]
    peak = int(np.argmax(lrs))
    assert int(np.argmin(mom)) == peak


def test_onecycle_errors():
    opt = ya.optim.SGD(Model(False).groups(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="total_steps"):
        ys.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="pct_start"):
        ys.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        ys.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="momentum"):
        ys.OneCycleLR(ya.optim.Adagrad(Model(False).groups()), max_lr=0.1, total_steps=10)
    sched = ys.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step"):
        sched.step()


# --------------------------------------------------------------------------
# training with a schedule: parameters after 20 steps
# --------------------------------------------------------------------------
TRAIN = [
    ("SGD", dict(lr=0.05, momentum=0.9), "StepLR", dict(step_size=5, gamma=0.5)),
    ("Adam", dict(lr=0.05), "MultiStepLR", dict(milestones=[4, 9, 15], gamma=0.4)),
    ("AdamW", dict(lr=0.05, amsgrad=True), "ExponentialLR", dict(gamma=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5), "CosineAnnealingLR", dict(T_max=6, eta_min=0.001)),
    ("Adagrad", dict(lr=0.1), "LambdaLR", dict(lr_lambda=[lam1, lam2])),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True), "OneCycleLR",
     dict(max_lr=0.02, total_steps=20)),
    ("Adam", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.1, total_steps=20, three_phase=True)),
    ("SGD", dict(lr=0.05), "CosineAnnealingLR", dict(T_max=5)),
]


@pytest.mark.parametrize("oname,okw,sname,skw", TRAIN,
                         ids=[f"{t[0]}-{t[2]}" for t in TRAIN])
def test_training_with_scheduler_matches_torch(oname, okw, sname, skw):
    res = []
    for torch_side in (False, True):
        model, opt, sched = build(torch_side, oname, okw, sname, skw)
        lrs = []
        for _ in range(20):
            model.train_step(opt)
            sched.step()
            lrs.append(list(sched.get_last_lr()))
        res.append((model.arrays(), lrs))
    (ours, olrs), (theirs, tlrs) = res
    np.testing.assert_allclose(np.array(olrs), np.array(tlrs), rtol=1e-12, atol=0)
    for k in theirs:
        assert np.all(np.isfinite(theirs[k]))
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, err_msg=k)


# --------------------------------------------------------------------------
# ReduceLROnPlateau
# --------------------------------------------------------------------------
METRICS = [1.0, 0.9, 0.95, 0.95, 0.9, 0.89995, 0.96, 0.97, 0.8, 0.8, 0.81, 0.82, 0.83,
           0.79, 0.85, 0.85, 0.85, 0.85, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77,
           0.78, 0.79, 0.8, 0.81]

PLATEAU = [
    dict(),
    dict(patience=2),
    dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=0, factor=0.5, threshold=0.05, threshold_mode="abs"),
    dict(mode="max", patience=1, factor=0.3),
    dict(mode="max", patience=2, threshold=0.01, threshold_mode="abs", cooldown=1),
    dict(patience=0, factor=0.5, min_lr=[0.02, 0.005]),
    dict(patience=0, factor=0.5, min_lr=0.01, eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU, ids=[",".join(f"{k}={v}" for k, v in p.items()) or
                                             "defaults" for p in PLATEAU])
def test_reduce_on_plateau_matches_torch(kw):
    traces = []
    for torch_side in (False, True):
        model = Model(torch_side)
        opt = model.optim.SGD(model.groups(lr2=0.03), lr=0.1)
        sched = model.sched.ReduceLROnPlateau(opt, **kw)
        trace = []
        for i, m in enumerate(METRICS):
            opt.step()
            metric = (ya.Tensor(m) if i % 2 else m) if not torch_side else m
            sched.step(metric)
            trace.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                          sched.last_epoch, sched.best, sched.num_bad_epochs,
                          sched.cooldown_counter))
        traces.append(trace)
    ours, theirs = traces
    assert ours == theirs
    assert ours[-1][0] != ours[0][0] or kw == {}     # the lr did change


def test_reduce_on_plateau_training_matches_torch():
    res = []
    for torch_side in (False, True):
        model = Model(torch_side)
        opt = model.optim.Adam(model.groups(), lr=0.2)
        sched = model.sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        for _ in range(20):
            opt.zero_grad()
            loss = model.loss()
            loss.backward()
            opt.step()
            sched.step(float(loss.detach()) if torch_side else loss)
        res.append((model.arrays(), sched.get_last_lr()))
    (ours, olr), (theirs, tlr) = res
    assert olr == tlr and olr[0] < 0.2
    for k in theirs:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, err_msg=k)


def test_reduce_on_plateau_errors_and_state():
    opt = ya.optim.SGD(Model(False).groups(), lr=0.1)
    with pytest.raises(ValueError, match="Factor"):
        ys.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="unknown"):
        ys.ReduceLROnPlateau(opt, mode="middle")
    with pytest.raises(ValueError, match="unknown"):
        ys.ReduceLROnPlateau(opt, threshold_mode="both")
    with pytest.raises(ValueError, match="min_lrs"):
        ys.ReduceLROnPlateau(opt, min_lr=[0.1])
    sched = ys.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    sched.step(2.0)
    sd = sched.state_dict()
    assert "optimizer" not in sd
    topt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    tsched = ts.ReduceLROnPlateau(topt, patience=0)
    tsched.step(1.0)
    tsched.step(2.0)
    assert set(sd) == set(tsched.state_dict())
    sched2 = ys.ReduceLROnPlateau(ya.optim.SGD(Model(False).groups(), lr=0.1), patience=0)
    sched2.load_state_dict(sd)
    assert sched2.best == 1.0 and sched2.last_epoch == 2 and sched2.mode == "min"


# --------------------------------------------------------------------------
# state_dict
# --------------------------------------------------------------------------
@pytest.mark.parametrize("sname,skw", SCHEDULERS[::2] + [SCHEDULERS[9]],
                         ids=[_sid(s) for s in SCHEDULERS[::2] + [SCHEDULERS[9]]])
def test_state_dict_keys_match_torch(sname, skw):
    _, _, ours = build(False, "SGD", dict(lr=0.1, momentum=0.9), sname, skw)
    _, _, theirs = build(True, "SGD", dict(lr=0.1, momentum=0.9), sname, skw)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert set(sd) == set(tsd)
    assert "optimizer" not in sd
    for k in ("last_epoch", "_step_count", "base_lrs", "_last_lr"):
        assert sd[k] == pytest.approx(tsd[k], rel=1e-12)


RESUME = [
    ("SGD", dict(lr=0.05, momentum=0.9), "StepLR", dict(step_size=4, gamma=0.5)),
    ("Adam", dict(lr=0.05, amsgrad=True), "CosineAnnealingLR", dict(T_max=6, eta_min=0.001)),
    ("RMSprop", dict(lr=0.01, centered=True), "MultiStepLR", dict(milestones=[3, 12])),
    ("AdamW", dict(lr=0.01), "OneCycleLR", dict(max_lr=0.1, total_steps=20)),
    ("SGD", dict(lr=0.01, momentum=0.9), "OneCycleLR", dict(max_lr=0.02, total_steps=20)),
    ("Adagrad", dict(lr=0.1), "ExponentialLR", dict(gamma=0.85)),
    ("SGD", dict(lr=0.05), "LambdaLR", dict(lr_lambda=lam2)),
]


@pytest.mark.parametrize("oname,okw,sname,skw", RESUME, ids=[f"{r[0]}-{r[2]}" for r in RESUME])
def test_checkpoint_resume_is_bit_identical(oname, okw, sname, skw):
    model, opt, sched = build(False, oname, okw, sname, skw)
    for _ in range(9):
        model.train_step(opt)
        sched.step()
    osd, ssd = opt.state_dict(), copy.deepcopy(sched.state_dict())
    snapshot = model.arrays()
    lrs_a = []
    for _ in range(11):
        model.train_step(opt)
        sched.step()
        lrs_a.append(sched.get_last_lr())

    model2 = Model(False, arrays=dict(start_arrays(), **snapshot))
    opt2 = getattr(ya.optim, oname)(model2.groups(0.03), **okw)
    sched2 = getattr(ys, sname)(opt2, **skw)       # scheduler first, as torch advises
    sched2.load_state_dict(ssd)
    opt2.load_state_dict(osd)
    assert sched2.last_epoch == 9
    lrs_b = []
    for _ in range(11):
        model2.train_step(opt2)
        sched2.step()
        lrs_b.append(sched2.get_last_lr())
    assert lrs_a == lrs_b
    for k in "Wbc":
        assert np.all(np.isfinite(model.P[k].data))
        np.testing.assert_array_equal(model2.P[k].data, model.P[k].data)


class ScaledLambda:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, epoch):
        return self.scale ** epoch


def test_lambda_lr_state_dict_saves_callable_objects_only():
    opt = ya.optim.SGD(Model(False).groups(), lr=0.1)
    sched = ys.LambdaLR(opt, lr_lambda=[ScaledLambda(0.5), lam1])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"scale": 0.5}, None]
    opt2 = ya.optim.SGD(Model(False).groups(), lr=0.1)
    sched2 = ys.LambdaLR(opt2, lr_lambda=[ScaledLambda(0.9), lam2])
    sched2.load_state_dict(sd)
    assert sched2.lr_lambdas[0].scale == 0.5 and sched2.lr_lambdas[1] is lam2
    assert "lr_lambdas" in sd
    with pytest.raises(ValueError, match="lr_lambdas"):
        ys.LambdaLR(opt, lr_lambda=[lam1])


# --------------------------------------------------------------------------
# misc torch behaviours
# --------------------------------------------------------------------------
def test_warns_when_scheduler_steps_before_optimizer():
    opt = ya.optim.SGD(Model(False).groups(), lr=0.1)
    sched = ys.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = ya.optim.SGD(Model(False).groups(), lr=0.1)
    sched2 = ys.StepLR(opt2, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()
        sched2.step()


@pytest.mark.parametrize("sname,skw", [("StepLR", dict(step_size=3)),
                                       ("MultiStepLR", dict(milestones=[2, 4, 4])),
                                       ("ExponentialLR", dict(gamma=0.8)),
                                       ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01))])
def test_step_with_epoch_uses_closed_form(sname, skw):
    out = []
    for torch_side in (False, True):
        _, opt, sched = build(torch_side, "SGD", dict(lr=0.1), sname, skw)
        opt.step()
        vals = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in (4, 7, 2):
                sched.step(e)
                vals.append(list(sched.get_last_lr()))
        out.append(vals)
    np.testing.assert_allclose(np.array(out[0]), np.array(out[1]), rtol=1e-12, atol=0)
