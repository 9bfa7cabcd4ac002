"""yaae.nn losses (functional and module forms) against PyTorch as the oracle.

Each case evaluates the loss on both sides for the same float64 (or float32)
inputs, compares the values, then backpropagates ``sum(loss * w)`` (a random
cotangent for reduction='none') and compares the gradients of the input and,
where the target is real-valued, of the target.  float64: rtol=1e-10
(atol=1e-12); float32: rtol=1e-5 (atol=1e-6).
"""
import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
TDT = {np.float64: torch.float64, np.float32: torch.float32}
REDUCTIONS = ["mean", "sum", "none"]


def close(a, b, dtype=np.float64):
    a = a.data if isinstance(a, ya.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    np.testing.assert_allclose(a, b, **TOL[dtype])


def randn(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def compare(yfn, tfn, inputs, grad_args, dtype=np.float64, seed=0, consts=()):
    """Call ``yfn(*ya_inputs)`` and ``tfn(*torch_inputs)``; compare value and the
    gradients of ``inputs[i]`` for i in ``grad_args``.  ``consts`` are integer
    arrays passed unchanged to both (class indices)."""
    tin, yin = [], []
    for i, a in enumerate(inputs):
        if i in consts:
            tin.append(torch.tensor(a))
            yin.append(a)
            continue
        a = np.asarray(a, dtype=dtype)
        tin.append(torch.tensor(a, requires_grad=i in grad_args))
        yin.append(ya.Tensor(a, requires_grad=i in grad_args))
    ot, oy = tfn(*tin), yfn(*yin)
    close(oy, ot, dtype)
    assert oy.dtype == np.dtype(dtype)
    if grad_args:
        w = randn(*ot.shape, seed=seed + 50).astype(dtype) if ot.ndim else np.asarray(1.0, dtype)
        (ot * torch.tensor(w)).sum().backward()
        (oy * ya.Tensor(w)).sum().backward()
        for i in grad_args:
            close(yin[i].grad, tin[i].grad, dtype)
    return oy, ot


# --------------------------------------------------------------------------------------
# regression losses
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
    ("smooth_l1_loss", dict(beta=0.5)), ("smooth_l1_loss", dict(beta=0.0)),
    ("huber_loss", {}), ("huber_loss", dict(delta=0.3)),
])
def test_regression_losses(dtype, reduction, name, kw):
    x, t = randn(4, 5, scale=2.0), randn(4, 5, seed=1)
    t[0, 0] = x[0, 0]          # zero residual
    t[1, 1] = x[1, 1] - 0.5    # residual exactly at beta=0.5 / within delta
    compare(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
            lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw),
            [x, t], (0, 1), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_with_weight(reduction, name):
    x, t, w = randn(3, 4), randn(3, 4, seed=1), np.abs(randn(3, 4, seed=2))
    compare(lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
            lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
            [x, t, w], (0, 1))


def test_regression_broadcasting_and_legacy_args():
    x, t = randn(3, 4), randn(4, seed=1)
    with pytest.warns(UserWarning):
        expected = TF.mse_loss(torch.tensor(x), torch.tensor(t))
    close(F.mse_loss(ya.Tensor(x), ya.Tensor(t)), expected)
    with pytest.warns(UserWarning):
        expected = TF.l1_loss(torch.tensor(x), torch.tensor(x), size_average=False)
    close(F.l1_loss(ya.Tensor(x), ya.Tensor(x), size_average=False), expected)
    with pytest.raises(ValueError):
        F.mse_loss(ya.Tensor(x), ya.Tensor(x), reduction="avg")


# --------------------------------------------------------------------------------------
# cross entropy / nll
# --------------------------------------------------------------------------------------
CE_CASES = [
    dict(),
    dict(weight=True),
    dict(ignore_index=2),
    dict(ignore_index=-100, ignored_default=True),
    dict(weight=True, ignore_index=1),
    dict(label_smoothing=0.2),
    dict(label_smoothing=0.1, weight=True),
    dict(label_smoothing=0.3, weight=True, ignore_index=0),
    dict(label_smoothing=0.15, ignore_index=3),
]


def _ce_kwargs(case, C, seed):
    case = dict(case)
    use_w = case.pop("weight", False)
    case.pop("ignored_default", None)
    w = np.abs(randn(C, seed=seed + 7)) + 0.1 if use_w else None
    return case, w


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=lambda c: ",".join(c) or "plain")
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)], ids=["NC", "NCd1d2", "C"])
def test_cross_entropy_and_nll_class_indices(dtype, reduction, case, shape):
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    rng = np.random.default_rng(3)
    x = randn(*shape, seed=1, scale=3.0)
    t = rng.integers(0, C, size=tshape)
    kw, w = _ce_kwargs(case, C, 0)
    if case.get("ignored_default"):
        t = np.where(rng.random(tshape) < 0.3, -100, t)
    if "ignore_index" in kw and t.ndim:
        t.flat[0] = kw["ignore_index"]      # at least one ignored target
    for y_loss, t_loss in [(F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)]:
        kw2 = dict(kw)
        if t_loss is TF.nll_loss:
            if "label_smoothing" in kw2:
                continue
        args = [x, t] + ([w] if w is not None else [])

        def yf(a, b, *c, _f=y_loss, _kw=kw2):
            return _f(a, b, weight=c[0] if c else None, reduction=reduction, **_kw)

        def tf(a, b, *c, _f=t_loss, _kw=kw2):
            return _f(a, b, weight=c[0] if c else None, reduction=reduction, **_kw)
        compare(yf, tf, args, (0,), dtype, consts=(1,))
        # float-valued class indices (ya.Tensor(int array) is float) are accepted
        xy = ya.Tensor(x.astype(dtype))
        out = y_loss(xy, ya.Tensor(np.asarray(t)), weight=None if w is None else ya.Tensor(w.astype(dtype)),
                     reduction=reduction, **kw2)
        ref = t_loss(torch.tensor(x.astype(dtype)), torch.tensor(t),
                     weight=None if w is None else torch.tensor(w.astype(dtype)),
                     reduction=reduction, **kw2)
        close(out, ref, dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.25), dict(weight=True),
                                dict(weight=True, label_smoothing=0.1)],
                         ids=lambda c: ",".join(c) or "plain")
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)])
def test_cross_entropy_probability_targets(reduction, kw, shape):
    kw = dict(kw)
    C = shape[0] if len(shape) == 1 else shape[1]
    x = randn(*shape, seed=2, scale=2.0)
    p = np.exp(randn(*shape, seed=3))
    p = p / p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    args = [x, p]
    if kw.pop("weight", False):
        args.append(np.abs(randn(C, seed=4)) + 0.2)

    def yf(a, b, *c):
        return F.cross_entropy(a, b, weight=c[0] if c else None, reduction=reduction, **kw)

    def tf(a, b, *c):
        return TF.cross_entropy(a, b, weight=c[0] if c else None, reduction=reduction, **kw)
    compare(yf, tf, args, (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.1)])
def test_cross_entropy_extreme_logits(reduction, kw):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [1e4, 1e4, -1e4], [0.0, 0.0, 1e4]])
    t = np.array([0, 2, 1, 0])
    oy, ot = compare(lambda a, b: F.cross_entropy(a, b, reduction=reduction, **kw),
                     lambda a, b: TF.cross_entropy(a, b, reduction=reduction, **kw),
                     [x, t], (0,), consts=(1,))
    assert np.all(np.isfinite(oy.data))


def test_nll_all_ignored_and_errors():
    x = randn(3, 4)
    t = np.array([-100, -100, -100])
    oy = F.nll_loss(ya.Tensor(x), t)
    ot = TF.nll_loss(torch.tensor(x), torch.tensor(t))
    assert np.isnan(oy.item()) and np.isnan(ot.item())
    close(F.nll_loss(ya.Tensor(x), t, reduction="sum"),
          TF.nll_loss(torch.tensor(x), torch.tensor(t), reduction="sum"))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(ya.Tensor(x), np.array([0, 4, 1]))
    with pytest.raises(ValueError):
        F.cross_entropy(ya.Tensor(x), np.array([0, 1]))
    with pytest.raises(TypeError):
        F.nll_loss(ya.Tensor(x), ya.Tensor([0.5, 1.0, 2.0]))


# --------------------------------------------------------------------------------------
# binary cross entropy
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(dtype, reduction, weighted):
    rng = np.random.default_rng(5)
    x = rng.uniform(0.02, 0.98, size=(4, 3))
    t = rng.uniform(0, 1, size=(4, 3))
    args = [x, t] + ([np.abs(randn(4, 3, seed=6))] if weighted else [])

    def yf(a, b, *c):
        return F.binary_cross_entropy(a, b, weight=c[0] if c else None, reduction=reduction)

    def tf(a, b, *c):
        return TF.binary_cross_entropy(a, b, weight=c[0] if c else None, reduction=reduction)
    compare(yf, tf, args, (0, 1), dtype)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 1 - 1e-16, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.3])
    oy, ot = compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                     lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"),
                     [x, t], (0,))
    np.testing.assert_allclose(oy.data[:2], 100.0)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ya.Tensor([1.5]), ya.Tensor([1.0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits(dtype, reduction, weighted, pos):
    x = randn(5, 3, seed=1, scale=3.0)
    x[0] = [1e4, -1e4, 0.0]          # extreme logits stay finite
    x[1] = [800.0, -800.0, 40.0]
    t = np.random.default_rng(2).uniform(0, 1, size=(5, 3))
    t[0] = [0.0, 1.0, 0.5]
    args = [x, t]
    args.append(np.abs(randn(5, 3, seed=3)) if weighted else None)
    args.append(np.abs(randn(3, seed=4)) + 0.5 if pos else None)

    def yf(a, b, c=None, d=None):
        return F.binary_cross_entropy_with_logits(a, b, weight=c, reduction=reduction, pos_weight=d)

    def tf(a, b, c=None, d=None):
        return TF.binary_cross_entropy_with_logits(a, b, weight=c, reduction=reduction, pos_weight=d)
    real = [a for a in args if a is not None]
    n_extra = len(real) - 2

    def yfw(a, b, *rest):
        it = iter(rest)
        return yf(a, b, next(it) if weighted else None, next(it) if pos else None)

    def tfw(a, b, *rest):
        it = iter(rest)
        return tf(a, b, next(it) if weighted else None, next(it) if pos else None)
    oy, _ = compare(yfw, tfw, real, (0, 1), dtype)
    assert n_extra == weighted + pos
    assert np.all(np.isfinite(oy.data))


# --------------------------------------------------------------------------------------
# KL divergence
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = TF.log_softmax(torch.tensor(randn(4, 5)), dim=1).numpy()
    p = np.exp(randn(4, 5, seed=1))
    p /= p.sum(1, keepdims=True)
    if not log_target:
        p[0, 0] = 0.0      # 0 log 0 = 0
    t = np.log(p) if log_target else p
    grads = (0, 1) if log_target else (0,)
    compare(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
            lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
            [x, t], grads)


def test_kl_div_target_gradient_where_positive():
    x = randn(3, 4)
    t = np.abs(randn(3, 4, seed=2)) + 0.1
    compare(lambda a, b: F.kl_div(a, b, reduction="sum"),
            lambda a, b: TF.kl_div(a, b, reduction="sum"), [x, t], (0, 1))


# --------------------------------------------------------------------------------------
# loss modules
# --------------------------------------------------------------------------------------
def _module_pairs():
    w = np.abs(randn(4, seed=9)) + 0.1
    return [
        (nn.MSELoss(), tnn.MSELoss(), "real"),
        (nn.MSELoss(reduction="sum"), tnn.MSELoss(reduction="sum"), "real"),
        (nn.L1Loss(reduction="none"), tnn.L1Loss(reduction="none"), "real"),
        (nn.SmoothL1Loss(beta=0.5), tnn.SmoothL1Loss(beta=0.5), "real"),
        (nn.HuberLoss(delta=0.7, reduction="sum"), tnn.HuberLoss(delta=0.7, reduction="sum"), "real"),
        (nn.CrossEntropyLoss(), tnn.CrossEntropyLoss(), "class"),
        (nn.CrossEntropyLoss(weight=ya.Tensor(w), ignore_index=1, label_smoothing=0.1),
         tnn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1), "class"),
        (nn.NLLLoss(weight=ya.Tensor(w), reduction="sum"),
         tnn.NLLLoss(weight=torch.tensor(w), reduction="sum"), "class"),
        (nn.BCELoss(), tnn.BCELoss(), "prob"),
        (nn.BCEWithLogitsLoss(pos_weight=ya.Tensor(w)),
         tnn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)), "real01"),
        (nn.KLDivLoss(reduction="batchmean"), tnn.KLDivLoss(reduction="batchmean"), "logprob"),
        (nn.KLDivLoss(reduction="sum", log_target=True),
         tnn.KLDivLoss(reduction="sum", log_target=True), "logprob2"),
    ]


@pytest.mark.parametrize("idx", range(12))
def test_loss_modules(idx):
    ym, tm, kind = _module_pairs()[idx]
    assert repr(ym) == repr(tm)
    assert list(ym.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(idx)
    x = randn(6, 4, seed=idx)
    grads = (0,)
    consts = ()
    if kind == "real":
        t, grads = randn(6, 4, seed=idx + 1), (0, 1)
    elif kind == "class":
        t, consts = rng.integers(0, 4, size=6), (1,)
    elif kind == "prob":
        x, t = rng.uniform(0.05, 0.95, (6, 4)), rng.uniform(0, 1, (6, 4))
    elif kind == "real01":
        t = rng.uniform(0, 1, (6, 4))
    else:
        x = TF.log_softmax(torch.tensor(x), 1).numpy()
        t = TF.softmax(torch.tensor(randn(6, 4, seed=idx + 2)), 1).numpy()
        if kind == "logprob2":
            t = np.log(t)
    compare(ym, tm, [x, t], grads, consts=consts)


def test_losses_under_forward_mode():
    x, v = randn(5, 3), randn(5, 3, seed=1)
    t = np.array([0, 2, 1, 1, 0])
    w = np.array([0.5, 2.0, 1.0])
    ft = lambda a: TF.cross_entropy(a, torch.tensor(t), weight=torch.tensor(w), label_smoothing=0.2)  # noqa: E731
    fy = lambda a: F.cross_entropy(a, t, weight=ya.Tensor(w), label_smoothing=0.2)  # noqa: E731
    _, tt = torch.func.jvp(ft, (torch.tensor(x),), (torch.tensor(v),))
    _, ty = ya.jvp(fy, (ya.Tensor(x),), (ya.Tensor(v),))
    close(ty, tt)
    tgt = np.random.default_rng(0).uniform(size=(5, 3))
    _, tt = torch.func.jvp(lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(tgt)),
                           (torch.tensor(x),), (torch.tensor(v),))
    _, ty = ya.jvp(lambda a: F.binary_cross_entropy_with_logits(a, ya.Tensor(tgt)),
                   (ya.Tensor(x),), (ya.Tensor(v),))
    close(ty, tt)
    p = TF.sigmoid(torch.tensor(x)).numpy()
    _, tt = torch.func.jvp(lambda a: TF.binary_cross_entropy(a, torch.tensor(tgt)),
                           (torch.tensor(p),), (torch.tensor(v),))
    _, ty = ya.jvp(lambda a: F.binary_cross_entropy(a, ya.Tensor(tgt)), (ya.Tensor(p),),
                   (ya.Tensor(v),))
    close(ty, tt)


def test_loss_hessian_vs_torch():
    x = randn(4, 3)
    t = np.array([2, 0, 1, 1])
    ht = torch.autograd.functional.hessian(
        lambda a: TF.cross_entropy(a, torch.tensor(t), label_smoothing=0.1), torch.tensor(x))
    hy = ya.hessian(lambda a: F.cross_entropy(a, t, label_smoothing=0.1))(ya.Tensor(x))
    close(hy, ht)
