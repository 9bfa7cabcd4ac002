"""LinearLR, ConstantLR, PolynomialLR, SequentialLR, ChainedScheduler and
CyclicLR against torch.optim.lr_scheduler (the oracle): learning-rate and
momentum sequences over 30+ steps (identical to the last bit), training with a
schedule, state_dict layout and checkpoint round trips, errors."""
import copy
import warnings

import numpy as np
import pytest
import torch

import yaae as ya
from yaae.optim import lr_scheduler as ys

from test_lr_scheduler import Model, start_arrays      # W, b in one group, c in another

ts = torch.optim.lr_scheduler


# scheduler factories: (lib's lr_scheduler module, optimizer) -> scheduler
SCHEDS = {
    "LinearLR": lambda S, o: S.LinearLR(o),
    "LinearLR-custom": lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.7,
                                               total_iters=10),
    "LinearLR-decay": lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                              total_iters=8),
    "ConstantLR": lambda S, o: S.ConstantLR(o),
    "ConstantLR-custom": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=3),
    "ConstantLR-zero-iters": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=0),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o),
    "PolynomialLR-power2": lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.0),
    "PolynomialLR-power0.5": lambda S, o: S.PolynomialLR(o, total_iters=20, power=0.5),
    "Sequential-Linear-Exponential": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)],
        milestones=[5]),
    "Sequential-3": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=3),
            S.LinearLR(o, start_factor=0.5, total_iters=4),
            S.CosineAnnealingLR(o, T_max=7, eta_min=0.001)], milestones=[4, 10]),
    "Sequential-Step-Poly": lambda S, o: S.SequentialLR(
        o, [S.StepLR(o, step_size=2, gamma=0.5), S.PolynomialLR(o, total_iters=10)],
        milestones=[7]),
    "Chained-Constant-Exponential": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, gamma=0.9)]),
    "Chained-Linear-Step-Multi": lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.3, total_iters=6), S.StepLR(o, step_size=4, gamma=0.7),
         S.MultiStepLR(o, milestones=[10, 20], gamma=0.5)], optimizer=o),
    "Sequential-of-Chained": lambda S, o: S.SequentialLR(
        o, [S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=3),
                                S.ExponentialLR(o, gamma=0.95)]),
            S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10)],
        milestones=[8]),
    "CyclicLR": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(
        o, [0.01, 0.02], 0.1, step_size_up=3, step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(
        o, 0.01, [0.1, 0.05], step_size_up=3, mode="exp_range", gamma=0.95),
    "CyclicLR-scale_fn": lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=2, step_size_down=4, scale_fn=lambda x: 0.9 ** x,
        scale_mode="iterations", base_momentum=[0.7, 0.75], max_momentum=[0.95, 0.9]),
    "CyclicLR-no-momentum": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                                    cycle_momentum=False),
}
OPTIMIZERS = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1, betas=(0.9, 0.99)))]


def trace(torch_side, opt_name, opt_kw, key, n=32, train=False):
    model = Model(torch_side)
    opt = getattr(model.optim, opt_name)(model.groups(0.03), **opt_kw)
    sched = SCHEDS[key](model.sched, opt)
    rows = []
    for _ in range(n):
        if train:
            model.train_step(opt)
        else:
            opt.step()          # no gradients: only the call order matters
        sched.step()
        rows.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                     [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]))
    return rows, model, opt, sched


@pytest.mark.parametrize("opt_name,opt_kw", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
@pytest.mark.parametrize("key", list(SCHEDS))
def test_lr_and_momentum_sequences_equal_torchs(key, opt_name, opt_kw):
    ours, _, opt, sched = trace(False, opt_name, opt_kw, key)
    theirs, _, topt, tsched = trace(True, opt_name, opt_kw, key)
    assert ours == theirs           # lrs, group lrs and momentum / betas, bit for bit
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k != "params"}
    if hasattr(tsched, "base_lrs"):
        assert sched.base_lrs == tsched.base_lrs
    assert sched.last_epoch == tsched.last_epoch if hasattr(tsched, "last_epoch") else True


@pytest.mark.parametrize("key", ["LinearLR-custom", "Sequential-Linear-Exponential",
                                 "Chained-Constant-Exponential", "CyclicLR-triangular2",
                                 "PolynomialLR-power2"])
def test_training_with_scheduler_matches_torch(key):
    ours, model, _, _ = trace(False, "SGD", dict(lr=0.05, momentum=0.5), key, n=25, train=True)
    theirs, tmodel, _, _ = trace(True, "SGD", dict(lr=0.05, momentum=0.5), key, n=25,
                                 train=True)
    assert ours == theirs
    for k, v in tmodel.arrays().items():
        np.testing.assert_allclose(model.arrays()[k], v, rtol=1e-10, atol=1e-12, err_msg=k)


def test_initial_values_equal_torchs():
    for key in SCHEDS:
        for opt_name, opt_kw in OPTIMIZERS:
            vals = []
            for torch_side in (False, True):
                model = Model(torch_side)
                opt = getattr(model.optim, opt_name)(model.groups(0.03), **opt_kw)
                sched = SCHEDS[key](model.sched, opt)
                vals.append((list(sched.get_last_lr()),
                             [(g["lr"], g.get("momentum"), g.get("betas"))
                              for g in opt.param_groups]))
            assert vals[0] == vals[1], key


@pytest.mark.parametrize("key", ["LinearLR", "ConstantLR-custom", "PolynomialLR-power2",
                                 "CyclicLR-exp_range", "Sequential-3",
                                 "Chained-Linear-Step-Multi", "Sequential-of-Chained"])
def test_state_dict_keys_match_torch(key):
    _, _, _, sched = trace(False, "SGD", dict(lr=0.1, momentum=0.9), key, n=6)
    _, _, _, tsched = trace(True, "SGD", dict(lr=0.1, momentum=0.9), key, n=6)
    sd, tsd = sched.state_dict(), tsched.state_dict()

    def keys(d):
        out = set(d)
        for i, s in enumerate(d.get("_schedulers", [])):
            out |= {(i, k) for k in keys(s)}
        return out

    assert keys(sd) == keys(tsd)
    assert "optimizer" not in sd
    assert sd["_last_lr"] == tsd["_last_lr"]


@pytest.mark.parametrize("key", ["LinearLR-custom", "ConstantLR-custom", "PolynomialLR-power2",
                                 "CyclicLR-triangular2", "Sequential-3",
                                 "Chained-Linear-Step-Multi", "Sequential-of-Chained"])
def test_checkpoint_resume_is_bit_identical(key):
    rows, model, opt, sched = trace(False, "SGD", dict(lr=0.05, momentum=0.9), key, n=9,
                                    train=True)
    osd, ssd = opt.state_dict(), copy.deepcopy(sched.state_dict())
    saved_ssd = copy.deepcopy(ssd)
    snapshot = model.arrays()
    after = []
    for _ in range(15):
        model.train_step(opt)
        sched.step()
        after.append(list(sched.get_last_lr()))

    model2 = Model(False, arrays=dict(start_arrays(), **snapshot))
    opt2 = ya.optim.SGD(model2.groups(0.03), lr=0.05, momentum=0.9)
    sched2 = SCHEDS[key](ys, opt2)
    sched2.load_state_dict(ssd)
    opt2.load_state_dict(osd)
    assert ssd.keys() == saved_ssd.keys()       # loading left the state dict whole
    assert sched2.get_last_lr() == rows[-1][0]
    after2 = []
    for _ in range(15):
        model2.train_step(opt2)
        sched2.step()
        after2.append(list(sched2.get_last_lr()))
    assert after == after2
    for k in "Wbc":
        np.testing.assert_array_equal(model2.P[k].data, model.P[k].data)


class Halving:
    def __init__(self, base):
        self.base = base

    def __call__(self, x):
        return self.base ** x


def test_cyclic_lr_state_dict_saves_callable_objects_only():
    opt = ya.optim.SGD(Model(False).groups(0.03), lr=0.1, momentum=0.9)
    sched = ys.CyclicLR(opt, 0.01, 0.1, step_size_up=3, scale_fn=Halving(0.5))
    sd = sched.state_dict()
    tsd = ts.CyclicLR(torch.optim.SGD(Model(True).groups(0.03), lr=0.1, momentum=0.9), 0.01, 0.1,
                      step_size_up=3, scale_fn=Halving(0.5)).state_dict()
    assert set(sd) == set(tsd)
    assert sd["_scale_fn_custom"] == {"base": 0.5}
    opt2 = ya.optim.SGD(Model(False).groups(0.03), lr=0.1, momentum=0.9)
    sched2 = ys.CyclicLR(opt2, 0.01, 0.1, step_size_up=3, scale_fn=Halving(0.9))
    sched2.load_state_dict(sd)
    assert sched2._scale_fn_custom.base == 0.5
    assert "_scale_fn_custom" in sd
    sched3 = ys.CyclicLR(opt2, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1.0)
    assert sched3.state_dict()["_scale_fn_custom"] is None


def test_cyclic_lr_momentum_needs_momentum_or_betas():
    for lib, S in ((torch.optim, ts), (ya.optim, ys)):
        model = Model(lib is torch.optim)
        opt = lib.Adagrad(model.groups(0.03), lr=0.1)
        with pytest.raises(ValueError, match="momentum or beta1") as err:
            S.CyclicLR(opt, 0.01, 0.1)
        S.CyclicLR(opt, 0.01, 0.1, cycle_momentum=False)     # fine without momentum
    with pytest.raises(ValueError, match="mode is invalid"):
        ys.CyclicLR(ya.optim.SGD(Model(False).groups(0.03), lr=0.1), 0.01, 0.1, mode="bad")
    with pytest.raises(ValueError, match="base_lr must have the same length"):
        ys.CyclicLR(ya.optim.SGD(Model(False).groups(0.03), lr=0.1), [0.01] * 3, 0.1)
    with pytest.raises(TypeError, match="not an Optimizer"):
        ys.CyclicLR(object(), 0.01, 0.1)
    assert "optimizer" in str(err.value)


@pytest.mark.parametrize("make", [
    lambda S, o: S.LinearLR(o, start_factor=0.0),
    lambda S, o: S.LinearLR(o, start_factor=1.5),
    lambda S, o: S.LinearLR(o, end_factor=-0.1),
    lambda S, o: S.ConstantLR(o, factor=1.5),
    lambda S, o: S.SequentialLR(o, [], milestones=[]),
    lambda S, o: S.SequentialLR(o, [S.ConstantLR(o), S.ConstantLR(o)], milestones=[]),
    lambda S, o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], milestones=[]),
    lambda S, o: S.ChainedScheduler([]),
    lambda S, o: S.ChainedScheduler([S.ReduceLROnPlateau(o)]),
])
def test_errors_match_torch(make):
    errs = []
    for lib, S in ((torch.optim, ts), (ya.optim, ys)):
        opt = lib.SGD(Model(lib is torch.optim).groups(0.03), lr=0.1)
        with pytest.raises(Exception) as e:
            make(S, opt)
        errs.append(e)
    assert errs[0].type is errs[1].type
    assert str(errs[0].value) == str(errs[1].value)


def test_combinators_reject_schedulers_of_another_optimizer():
    o1 = ya.optim.SGD(Model(False).groups(0.03), lr=0.1)
    o2 = ya.optim.SGD(Model(False).groups(0.03), lr=0.1)
    s1, s2 = ys.ConstantLR(o1), ys.ExponentialLR(o2, gamma=0.9)
    with pytest.raises(ValueError, match="same optimizer"):
        ys.SequentialLR(o1, [s1, s2], milestones=[3])
    with pytest.raises(ValueError, match="same optimizer"):
        ys.ChainedScheduler([s1, s2])
    with pytest.raises(TypeError, match="optimizer"):
        ys.ChainedScheduler([s1, object()])


def test_sequential_lr_warmup_then_decay_values():
    """The documented use: 5 warm-up steps then exponential decay."""
    opt = ya.optim.SGD(Model(False).groups(0.03), lr=1.0)
    sched = ys.SequentialLR(opt, [ys.LinearLR(opt, start_factor=0.2, total_iters=4),
                                  ys.ExponentialLR(opt, gamma=0.5)], milestones=[4])
    lrs = [sched.get_last_lr()[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(7):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0.2, 0.4, 0.6, 0.8, 1.0, 0.5, 0.25, 0.125], rtol=1e-12)


@pytest.mark.parametrize("key,cls", [("LinearLR-custom", "LinearLR"),
                                     ("ConstantLR-custom", "ConstantLR"),
                                     ("PolynomialLR-power2", "PolynomialLR")])
def test_step_with_epoch_uses_closed_form(key, cls):
    out = []
    for torch_side in (False, True):
        model = Model(torch_side)
        opt = model.optim.SGD(model.groups(0.03), lr=0.1)
        sched = SCHEDS[key](model.sched, opt)
        opt.step()
        vals = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in (4, 15, 2, 0):
                sched.step(e)
                vals.append(list(sched.get_last_lr()))
        out.append(vals)
    assert out[0] == out[1]
