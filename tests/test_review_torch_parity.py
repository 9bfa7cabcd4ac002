"""Acceptance review of issue #11 §1 (attention, Transformer, the new optimizers
and schedulers, ``ya.autograd``, ``ya.tree_util``): typical PyTorch / JAX user
programs run on yaae and compared with PyTorch 2.13 and JAX as oracles.

These are usage patterns the per-module tests do not cover: a Transformer
language model trained with a state_dict copied from torch, masks built by
``generate_square_subsequent_mask``, bool ``key_padding_mask`` given as NumPy
arrays and as ``ya.tensor``, LBFGS with strong Wolfe on a small MLP for
several outer steps, the ``Function`` examples of the PyTorch docs, gradient
penalties and Hessian-vector products through ``autograd.grad``,
``autograd.functional`` with tuple inputs and every option, ``tree_util``
against ``jax.tree_util``.
"""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F


@pytest.fixture
def torch_float32_default():
    """torch's float32 default for the float32 cases: other test files set torch's default
    dtype to float64 at import, and torch's masks and modules made here must stay float32
    (the cases passed alone and failed in the full suite)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_default_dtype(before)

TDT = {np.float64: torch.float64, np.float32: torch.float32}
TOL = {np.float64: 1e-10, np.float32: 1e-5}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def close(got, want, dtype=np.float64, scale=1.0):
    """``got`` (yaae) equals ``want`` (torch/jax/NumPy) to the dtype's tolerance."""
    if isinstance(want, torch.Tensor):
        want = want.detach().numpy()
    got = got.data if isinstance(got, ya.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    tol = TOL[dtype] * scale
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def load(tmod, ymod):
    """Copy a torch module's state_dict into the yaae module (all keys must match)."""
    sd = {k: ya.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()}
    assert set(sd) == set(ymod.state_dict())
    ymod.load_state_dict(sd)


def rnd(*shape, seed=0, dtype=np.float64):
    return np.random.RandomState(seed).randn(*shape).astype(dtype)


# ---- Transformer / attention: user programs -----------------------------------------------
class _LM:
    """The word_language_model's TransformerModel, written once for torch and once for yaae."""

    @staticmethod
    def build(m, ntoken=11, d=8, nhead=2, nhid=16, nlayers=2, dropout=0.0):
        class LM(m.Module):
            def __init__(self):
                super().__init__()
                self.emb = m.Embedding(ntoken, d)
                self.enc = m.TransformerEncoder(m.TransformerEncoderLayer(d, nhead, nhid, dropout),
                                                nlayers)
                self.dec = m.Linear(d, ntoken)

            def forward(self, x, mask):
                return self.dec(self.enc(self.emb(x) * d ** 0.5, mask))
        return LM()


def test_transformer_language_model_training_matches_torch():
    torch.manual_seed(0)
    tlm, ylm = _LM.build(tnn), _LM.build(nn)
    load(tlm, ylm)
    rs = np.random.RandomState(0)
    x, y = rs.randint(0, 11, (6, 3)), rs.randint(0, 11, (6, 3))
    tmask = tnn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    ymask = nn.Transformer.generate_square_subsequent_mask(6)
    topt = torch.optim.Adam(tlm.parameters(), 1e-2)
    yopt = ya.optim.Adam(ylm.parameters(), 1e-2)
    tlm.double()
    for _ in range(5):
        topt.zero_grad()
        tl = TF.cross_entropy(tlm(torch.tensor(x), tmask).view(-1, 11), torch.tensor(y).view(-1))
        tl.backward()
        torch.nn.utils.clip_grad_norm_(tlm.parameters(), 0.25)
        topt.step()
        yopt.zero_grad()
        yl = F.cross_entropy(ylm(ya.tensor(x), ymask).reshape(-1, 11), ya.tensor(y).reshape(-1))
        yl.backward()
        nn.utils.clip_grad_norm_(ylm.parameters(), 0.25)
        yopt.step()
        close(yl, tl)
    for (name, p), (_, q) in zip(ylm.named_parameters(), tlm.named_parameters()):
        close(p, q)


def _mha_pair(dtype=np.float64, **kw):
    torch.manual_seed(0)
    t = tnn.MultiheadAttention(8, 2, dtype=TDT[dtype], **kw)
    y = nn.MultiheadAttention(8, 2, dtype=dtype, **kw)
    load(t, y)
    return t, y


def _padding():
    kpm = np.zeros((3, 4), bool)
    kpm[1, -1] = True
    kpm[2, -2:] = True
    return kpm


@pytest.mark.parametrize("mask_kind", ["numpy", "float"])
def test_mha_key_padding_mask_kinds(mask_kind):
    t, y = _mha_pair(batch_first=True)
    q, k = rnd(3, 5, 8), rnd(3, 4, 8, seed=1)
    kpm = _padding()
    tm = torch.tensor(kpm if mask_kind == "numpy" else np.where(kpm, -np.inf, 0.0))
    ym = tm.numpy()
    to, tw = t(torch.tensor(q), torch.tensor(k), torch.tensor(k), key_padding_mask=tm)
    yo, yw = y(ya.tensor(q), ya.tensor(k), ya.tensor(k), key_padding_mask=ym)
    close(yo, to)
    close(yw, tw)


def test_mha_key_padding_mask_as_ya_tensor_bool():
    # BUG (src/yaae/tensor.py, issue #11 §2 "Integer and bool data", not in this module):
    # ya.tensor(bool array) gives float64 0/1 on main, so a torch user's
    # `key_padding_mask=ya.tensor(mask)` is taken as an ADDITIVE float mask (+1 where
    # True): silently different attention.  Passes once ya.tensor keeps the bool dtype.
    t, y = _mha_pair(batch_first=True)
    q, k = rnd(3, 5, 8), rnd(3, 4, 8, seed=1)
    kpm = _padding()
    to, tw = t(torch.tensor(q), torch.tensor(k), torch.tensor(k),
               key_padding_mask=torch.tensor(kpm))
    yo, yw = y(ya.tensor(q), ya.tensor(k), ya.tensor(k), key_padding_mask=ya.tensor(kpm))
    close(yo, to)
    close(yw, tw)


def test_mha_3d_bool_attn_mask_per_head_weights_and_unbatched():
    t, y = _mha_pair(batch_first=True)
    q, k = rnd(3, 5, 8), rnd(3, 4, 8, seed=1)
    am = np.random.RandomState(2).rand(6, 5, 4) > 0.7
    am[..., 0] = False
    to, tw = t(torch.tensor(q), torch.tensor(k), torch.tensor(k), attn_mask=torch.tensor(am),
               average_attn_weights=False)
    yo, yw = y(ya.tensor(q), ya.tensor(k), ya.tensor(k), attn_mask=am, average_attn_weights=False)
    close(yo, to)
    close(yw, tw)
    kpm = _padding()[2]
    to, tw = t(torch.tensor(q[0]), torch.tensor(k[0]), torch.tensor(k[0]),
               key_padding_mask=torch.tensor(kpm))
    yo, yw = y(ya.tensor(q[0]), ya.tensor(k[0]), ya.tensor(k[0]), key_padding_mask=kpm)
    close(yo, to)
    close(yw, tw)
    assert y(ya.tensor(q), ya.tensor(k), ya.tensor(k), need_weights=False)[1] is None


def test_mha_kdim_vdim_bias_kv_zero_attn_with_padding():
    torch.manual_seed(0)
    kw = dict(kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True)
    t, y = tnn.MultiheadAttention(8, 2, dtype=torch.float64, **kw), nn.MultiheadAttention(8, 2, **kw)
    load(t, y)
    q, k, v = rnd(5, 2, 8), rnd(4, 2, 5, seed=1), rnd(4, 2, 3, seed=2)
    kpm = np.array([[False] * 4, [False, False, False, True]])
    qt = torch.tensor(q, requires_grad=True)
    qy = ya.tensor(q, requires_grad=True)
    to, tw = t(qt, torch.tensor(k), torch.tensor(v), key_padding_mask=torch.tensor(kpm))
    yo, yw = y(qy, ya.tensor(k), ya.tensor(v), key_padding_mask=kpm)
    close(yo, to)
    close(yw, tw)
    (to ** 2).sum().backward()
    (yo ** 2).sum().backward()
    close(qy.grad, qt.grad)
    for (name, p), (_, pt) in zip(y.named_parameters(), t.named_parameters()):
        close(p.grad, pt.grad)


def test_mha_self_attention_causal_float32(torch_float32_default):
    t, y = _mha_pair(np.float32)
    x = rnd(4, 2, 8, dtype=np.float32)
    xt, xy = torch.tensor(x, requires_grad=True), ya.tensor(x, requires_grad=True)
    to, tw = t(xt, xt, xt, attn_mask=tnn.Transformer.generate_square_subsequent_mask(4),
               is_causal=True)
    yo, yw = y(xy, xy, xy, is_causal=True,
               attn_mask=nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float32))
    assert yo.dtype == np.float32 and yw.dtype == np.float32
    close(yo, to, np.float32)
    close(yw, tw, np.float32)
    to.sum().backward()
    yo.sum().backward()
    close(xy.grad, xt.grad, np.float32)


@pytest.mark.parametrize("case", ["plain", "causal", "scale", "bool", "float", "bool_bcast_dead"])
def test_sdpa_options_and_gradients(case):
    q, k, v = rnd(2, 3, 5, 4), rnd(2, 3, 6, 4, seed=1), rnd(2, 3, 6, 7, seed=2)
    rs = np.random.RandomState(3)
    kw = {"causal": dict(is_causal=True), "scale": dict(scale=0.3),
          "bool": dict(attn_mask=rs.rand(5, 6) > 0.5), "float": dict(attn_mask=rs.randn(5, 6)),
          "bool_bcast_dead": dict(attn_mask=rs.rand(2, 1, 5, 6) > 0.6)}.get(case, {})
    tkw = {a: torch.tensor(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    args_t = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    args_y = [ya.tensor(a, requires_grad=True) for a in (q, k, v)]
    to = TF.scaled_dot_product_attention(*args_t, **tkw)
    yo = F.scaled_dot_product_attention(*args_y, **kw)
    w = rnd(*to.shape, seed=4)
    (to * torch.tensor(w)).nan_to_num().sum().backward()
    (yo * ya.tensor(w)).sum().backward()
    want = to.detach().numpy()
    dead = np.isnan(want)                       # torch: NaN on fully-masked rows
    got = yo.data
    np.testing.assert_allclose(got[~dead], want[~dead], rtol=1e-10, atol=1e-10)
    for a, b in zip(args_y, args_t):
        gb = b.grad.numpy()
        ok = ~np.isnan(gb)
        np.testing.assert_allclose(a.grad.data[ok], gb[ok], rtol=1e-10, atol=1e-10)


def test_sdpa_gqa_and_causal_rectangular():
    q, k, v = rnd(2, 4, 5, 4), rnd(2, 2, 6, 4, seed=1), rnd(2, 2, 6, 4, seed=2)
    to = TF.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), enable_gqa=True)
    close(F.scaled_dot_product_attention(*map(ya.tensor, (q, k, v)), enable_gqa=True), to)
    q, k = rnd(2, 7, 4), rnd(2, 3, 4, seed=1)
    to = TF.scaled_dot_product_attention(*map(torch.tensor, (q, k, k)), is_causal=True)
    close(F.scaled_dot_product_attention(*map(ya.tensor, (q, k, k)), is_causal=True), to)


def test_full_transformer_all_masks_norm_first_gelu_train_and_eval():
    torch.manual_seed(0)
    args = (8, 2, 2, 2, 16, 0.1)
    kw = dict(batch_first=True, norm_first=True, activation="gelu")
    t, y = tnn.Transformer(*args, dtype=torch.float64, **kw), nn.Transformer(*args, **kw)
    load(t, y)
    s, g = rnd(3, 6, 8), rnd(3, 5, 8, seed=1)
    skpm = np.zeros((3, 6), bool)
    skpm[0, -2:] = True
    tkpm = np.zeros((3, 5), bool)
    tkpm[2, -1] = True
    masks = dict(src_key_padding_mask=skpm, tgt_key_padding_mask=tkpm,
                 memory_key_padding_mask=skpm)
    tm = {a: torch.tensor(b) for a, b in masks.items()}
    t.eval()
    y.eval()
    with torch.no_grad():
        to = t(torch.tensor(s), torch.tensor(g), tgt_mask=t.generate_square_subsequent_mask(5),
               tgt_is_causal=True, **tm)
    with ya.no_grad():
        yo = y(ya.tensor(s), ya.tensor(g), tgt_mask=y.generate_square_subsequent_mask(5),
               tgt_is_causal=True, **masks)
    close(yo, to)
    # training mode, dropout off: gradients of every parameter
    for m in [*t.modules(), *y.modules()]:
        if isinstance(m, (tnn.Dropout, nn.Dropout)):
            m.p = 0.0
        if isinstance(m, (tnn.MultiheadAttention, nn.MultiheadAttention)):
            m.dropout = 0.0                     # (a float attribute, not a module)
    t.train()
    y.train()
    to = t(torch.tensor(s), torch.tensor(g), tgt_mask=t.generate_square_subsequent_mask(5), **tm)
    yo = y(ya.tensor(s), ya.tensor(g), tgt_mask=y.generate_square_subsequent_mask(5), **masks)
    close(yo, to)
    (to ** 2).sum().backward()
    (yo ** 2).sum().backward()
    for (name, p), (_, pt) in zip(y.named_parameters(), t.named_parameters()):
        close(p.grad, pt.grad)


def test_transformer_encoder_float32_eval_padding_and_causal(torch_float32_default):
    torch.manual_seed(0)
    t = tnn.TransformerEncoder(tnn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                               norm=tnn.LayerNorm(8))
    y = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True,
                                                         dtype=np.float32), 2,
                              norm=nn.LayerNorm(8, dtype=np.float32))
    load(t, y)
    t.eval()
    y.eval()
    x = rnd(3, 6, 8, dtype=np.float32)
    kpm = np.zeros((3, 6), bool)
    kpm[1, -3:] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            to = t(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
            to2 = t(torch.tensor(x), mask=tnn.Transformer.generate_square_subsequent_mask(6),
                    is_causal=True)
        with ya.no_grad():
            yo = y(ya.tensor(x), src_key_padding_mask=kpm)
            yo2 = y(ya.tensor(x), is_causal=True,
                    mask=nn.Transformer.generate_square_subsequent_mask(6, dtype=np.float32))
    assert yo.dtype == np.float32
    close(yo, to, np.float32)
    close(yo2, to2, np.float32)


# ---- optimizers and schedulers --------------------------------------------------------------
X = rnd(20, 3, seed=5)
Y = np.sin(X.sum(1, keepdims=True))


def _mlp_pair():
    torch.manual_seed(0)
    t = tnn.Sequential(tnn.Linear(3, 8), tnn.Tanh(), tnn.Linear(8, 1)).double()
    y = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    load(t, y)
    return t, y


def _closures(t, y, topt, yopt):
    def tc():
        topt.zero_grad()
        loss = ((t(torch.tensor(X)) - torch.tensor(Y)) ** 2).mean()
        loss.backward()
        return loss

    def yc():
        yopt.zero_grad()
        loss = ((y(ya.tensor(X)) - ya.tensor(Y)) ** 2).mean()
        loss.backward()
        return loss
    return tc, yc


@pytest.mark.parametrize("kw", [dict(line_search_fn="strong_wolfe"),
                                dict(lr=0.5, history_size=3, max_iter=7),
                                dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4,
                                     max_eval=6, tolerance_grad=1e-5)])
def test_lbfgs_small_mlp_several_outer_steps(kw):
    t, y = _mlp_pair()
    topt, yopt = torch.optim.LBFGS(t.parameters(), **kw), ya.optim.LBFGS(y.parameters(), **kw)
    tc, yc = _closures(t, y, topt, yopt)
    for _ in range(3):
        close(yopt.step(yc), topt.step(tc).detach())
    for p, q in zip(y.parameters(), t.parameters()):
        close(p, q, scale=1e3)        # 60 inner iterations: rounding grows, losses stay 1e-10
    ts, ys = topt.state_dict()["state"][0], yopt.state_dict()["state"][0]
    assert set(ts) == set(ys)
    assert (ts["func_evals"], ts["n_iter"]) == (ys["func_evals"], ys["n_iter"])


@pytest.fixture
def torch_default_float64():
    """torch keeps NAdam's ``mu_product`` in torch's default dtype, yaae in yaae's
    (float64): they agree to 1e-10 when torch's default is float64 too (under torch's
    float32 default, float64 parameters drift ~1e-9 from yaae: documented in NAdam)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam"])
def test_optimizer_param_groups_state_dict_resume(name, torch_default_float64):
    """Two param groups with different lr, weight decay, a state_dict saved and loaded
    into a fresh optimizer halfway through; and torch's own state_dict loaded."""
    t, y = _mlp_pair()
    tp, yp = list(t.parameters()), list(y.parameters())

    def make(m, ps):
        return getattr(m, name)([{"params": ps[:2], "lr": 0.05}, {"params": ps[2:]}],
                                weight_decay=0.01)
    topt, yopt = make(torch.optim, tp), make(ya.optim, yp)
    for i in range(20):
        tc, yc = _closures(t, y, topt, yopt)
        close(yopt.step(yc), topt.step(tc).detach())
        if i == 9:
            sd = yopt.state_dict()
            yopt = make(ya.optim, yp)
            yopt.load_state_dict(sd)
    for p, q in zip(yp, tp):
        close(p, q)
    tsd, ysd = topt.state_dict(), yopt.state_dict()
    for a, b in zip(tsd["param_groups"], ysd["param_groups"]):
        assert set(a) == set(b)
    assert set(tsd["state"][0]) == set(ysd["state"][0])
    # torch's state_dict, tensors converted, continues the same trajectory
    conv = {"state": {k: {a: ya.tensor(b.numpy()) if isinstance(b, torch.Tensor) else b
                          for a, b in v.items()} for k, v in tsd["state"].items()},
            "param_groups": tsd["param_groups"]}
    yopt = make(ya.optim, yp)
    yopt.load_state_dict(conv)
    for _ in range(3):
        tc, yc = _closures(t, y, topt, yopt)
        close(yopt.step(yc), topt.step(tc).detach())


def test_lbfgs_rosenbrock_strong_wolfe_and_errors():
    xt = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    xy = ya.tensor([-1.5, 2.0], requires_grad=True)
    kw = dict(line_search_fn="strong_wolfe", history_size=5)
    topt, yopt = torch.optim.LBFGS([xt], **kw), ya.optim.LBFGS([xy], **kw)

    def rosen(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    for _ in range(3):
        topt.zero_grad()
        yopt.zero_grad()
        topt.step(lambda: (topt.zero_grad(), rosen(xt).backward(), rosen(xt))[-1])
        yopt.step(lambda: (yopt.zero_grad(), rosen(xy).backward(), rosen(xy))[-1])
    close(xy, xt, scale=100)
    y = _mlp_pair()[1]
    ps = list(y.parameters())
    with pytest.raises(ValueError):
        ya.optim.LBFGS([{"params": ps[:2]}, {"params": ps[2:]}])
    with pytest.raises(TypeError):
        ya.optim.LBFGS(ps).step()


def _sched_run(make, opt_kw, steps=12, groups=True):
    t, y = _mlp_pair()
    tp, yp = list(t.parameters()), list(y.parameters())

    def opt(m, ps):
        pg = [{"params": ps[:2], "lr": 0.5}, {"params": ps[2:]}] if groups else ps
        return m.SGD(pg, **opt_kw)
    topt, yopt = opt(torch.optim, tp), opt(ya.optim, yp)
    ts, ys = make(torch.optim.lr_scheduler, topt), make(ya.optim.lr_scheduler, yopt)
    for _ in range(steps):
        topt.step()
        yopt.step()
        ts.step()
        ys.step()
        np.testing.assert_allclose(ys.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=0)
        for a, b in zip(yopt.param_groups, topt.param_groups):
            assert abs(a["lr"] - b["lr"]) < 1e-12 and abs(a["momentum"] - b["momentum"]) < 1e-12
    return ts, ys


@pytest.mark.parametrize("which", ["cyclic_lists", "linear", "poly_sqrt", "chained", "seq3"])
def test_schedulers_with_two_param_groups(which):
    make = {
        "cyclic_lists": lambda L, o: L.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=2,
                                                base_momentum=[0.8, 0.7], max_momentum=0.95),
        "linear": lambda L, o: L.LinearLR(o, 0.5, 1.0, 3),
        "poly_sqrt": lambda L, o: L.PolynomialLR(o, 4, 0.5),
        "chained": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 2),
                                                    L.LinearLR(o, 0.2, 1.0, 4)]),
        "seq3": lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.5, total_iters=3),
                                               L.StepLR(o, 4, 0.5), L.CosineAnnealingLR(o, 6)],
                                            milestones=[3, 7]),
    }[which]
    _sched_run(make, dict(lr=0.1, momentum=0.9))


def test_sequential_scheduler_state_dict_resume():
    def make(L, o):
        return L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=3),
                                  L.PolynomialLR(o, total_iters=5)], milestones=[3])
    t, y = _mlp_pair()
    topt, yopt = torch.optim.SGD(t.parameters(), lr=0.1), ya.optim.SGD(y.parameters(), lr=0.1)
    ts, ys = make(torch.optim.lr_scheduler, topt), make(ya.optim.lr_scheduler, yopt)
    for _ in range(4):
        topt.step(), yopt.step(), ts.step(), ys.step()
    yopt2 = ya.optim.SGD(y.parameters(), lr=0.1)
    ys2 = make(ya.optim.lr_scheduler, yopt2)
    ys2.load_state_dict(ys.state_dict())
    yopt2.load_state_dict(yopt.state_dict())
    assert set(ts.state_dict()) == set(ys.state_dict())
    for _ in range(6):
        topt.step(), yopt2.step(), ts.step(), ys2.step()
        np.testing.assert_allclose(ys2.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


# ---- autograd.Function: the PyTorch docs' examples ------------------------------------------
def _functions(m):
    """The examples of PyTorch's "Extending torch.autograd" page, for module ``m``."""
    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            result, = ctx.saved_tensors
            return grad_output * result

    class LinearFunction(m.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input @ weight.T
            if bias is not None:
                output = output + bias
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output @ weight
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.T @ input
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(m.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class MulAdd(m.autograd.Function):           # two outputs
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return ga * y + gb, ga * x + gb

    class MyCube(m.autograd.Function):           # double backward through saved outputs
        @staticmethod
        def forward(ctx, x):
            dx = 3 * x ** 2
            ctx.save_for_backward(x, dx)
            return x ** 3, dx

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class Scale(m.autograd.Function):            # setup_context style
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    return dict(Exp=Exp, LinearFunction=LinearFunction, MulConstant=MulConstant, MulAdd=MulAdd,
                MyCube=MyCube, Scale=Scale)


TFN, YFN = _functions(torch), _functions(ya)


def _pairs(*shapes):
    arrays = [rnd(*s, seed=i) for i, s in enumerate(shapes)]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [ya.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("name,shapes,extra,loss", [
    ("Exp", [(3, 2)], (), lambda o, m: o.sum()),
    ("LinearFunction", [(4, 3), (2, 3), (2,)], (), lambda o, m: (o ** 2).sum()),
    ("LinearFunction", [(4, 3), (2, 3)], (), lambda o, m: (o ** 2).sum()),
    ("MulConstant", [(3,)], (2.5,), lambda o, m: (o ** 3).sum()),
    ("MulAdd", [(3,), (3,)], (), lambda o, m: (o[0] * 2 + o[1] ** 2).sum()),
    ("MulAdd", [(3,), (3,)], (), lambda o, m: o[1].sum()),
    ("MyCube", [(3,)], (), lambda o, m: (o[0] + o[1] ** 2).sum()),
    ("Scale", [(3,)], (3.0,), lambda o, m: (o ** 2).sum()),
])
def test_function_docs_examples_match_torch(name, shapes, extra, loss):
    ts, ys = _pairs(*shapes)
    loss(TFN[name].apply(*ts, *extra), torch).backward()
    loss(YFN[name].apply(*ys, *extra), ya).backward()
    for a, b in zip(ys, ts):
        close(a.grad, b.grad)


def test_function_needs_input_grad_and_double_backward():
    w = ya.tensor(rnd(2, 3), requires_grad=True)
    YFN["LinearFunction"].apply(ya.tensor(rnd(4, 3)), w).sum().backward()
    close(w.grad, np.tile(rnd(4, 3).sum(0), (2, 1)))
    ts, ys = _pairs((3,))
    g, = torch.autograd.grad(TFN["MyCube"].apply(ts[0])[0].sum(), ts[0], create_graph=True)
    h, = ya.autograd.grad(YFN["MyCube"].apply(ys[0])[0].sum(), ys[0], create_graph=True)
    close(h, g)
    close(ya.autograd.grad(h.sum(), ys[0])[0], torch.autograd.grad(g.sum(), ts[0])[0])
    with pytest.raises(NotImplementedError, match="jvp"):
        ya.jvp(YFN["Exp"].apply, (ya.tensor([1.0, 2.0]),), (ya.tensor([1.0, 1.0]),))


# ---- autograd.grad: gradient penalty, Hessian-vector products -------------------------------
def test_gradient_penalty_matches_torch():
    torch.manual_seed(0)
    t = tnn.Sequential(tnn.Linear(3, 5), tnn.Tanh(), tnn.Linear(5, 1)).double()
    y = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    load(t, y)
    (xt,), (xy,) = _pairs((6, 3))
    out = t(xt)
    g, = torch.autograd.grad(out, xt, grad_outputs=torch.ones_like(out), create_graph=True,
                             retain_graph=True)
    pen = ((g.norm(2, dim=1) - 1) ** 2).mean() + out.mean()
    pen.backward()
    out_y = y(xy)
    gy, = ya.autograd.grad(out_y, xy, grad_outputs=ya.tensor(np.ones(out_y.shape)),
                           create_graph=True, retain_graph=True)
    pen_y = ((ya.linalg.norm(gy, axis=1) - 1) ** 2).mean() + out_y.mean()
    pen_y.backward()
    close(pen_y, pen)
    close(xy.grad, xt.grad)
    for p, q in zip(y.parameters(), t.parameters()):
        close(p.grad, q.grad)


def test_hessian_vector_products_two_ways():
    (xt,), (xy,) = _pairs((4,))
    v = rnd(4, seed=9)
    g, = torch.autograd.grad((xt.sin() * xt ** 2).sum(), xt, create_graph=True)
    hv, = torch.autograd.grad(g, xt, grad_outputs=torch.tensor(v))
    gy, = ya.autograd.grad((ya.sin(xy) * xy ** 2).sum(), xy, create_graph=True)
    close(ya.autograd.grad(gy, xy, grad_outputs=ya.tensor(v), retain_graph=True)[0], hv)
    close(ya.autograd.grad((gy * ya.tensor(v)).sum(), xy)[0], hv)
    b = ya.autograd.grad(ya.sin(xy), xy, grad_outputs=ya.tensor(np.eye(4)), is_grads_batched=True)
    close(b[0], np.diag(np.cos(rnd(4))))


def test_grad_allow_unused_materialize_and_backward_inputs():
    ts, ys = _pairs((3,), (3,))
    assert ya.autograd.grad(ys[0].sum(), ys, allow_unused=True)[1] is None
    close(ya.autograd.grad(ys[0].sum(), ys, materialize_grads=True)[1], np.zeros(3))
    with pytest.raises(RuntimeError, match="allow_unused"):
        ya.autograd.grad(ys[0].sum(), ys)
    (ys[0] * ys[1]).sum().backward(inputs=[ys[0]])
    (ts[0] * ts[1]).sum().backward(inputs=[ts[0]])
    close(ys[0].grad, ts[0].grad)
    assert ys[1].grad is None
    loss = ya.exp(ys[1]).sum()
    ya.autograd.grad(loss, ys[1])
    with pytest.raises(RuntimeError, match="second time"):
        ya.autograd.grad(loss, ys[1])


# ---- autograd.functional ------------------------------------------------------------------
TAF, YAF = torch.autograd.functional, ya.autograd.functional
A, B = rnd(3, seed=11), rnd(2, 3, seed=12)
FUNCS = {   # name: (torch fn, yaae fn, inputs are a tuple)
    "tuple_in_tuple_out": (lambda x, y: ((x.sin() * y).sum(0), x.exp()),
                           lambda x, y: ((ya.sin(x) * y).sum(0), ya.exp(x)), True),
    "tensor_in_tensor_out": (lambda x: x.sin() * 2, lambda x: ya.sin(x) * 2, False),
    "tensor_in_tuple_out": (lambda x: (x.sin(), x.cos()), lambda x: (ya.sin(x), ya.cos(x)), False),
    "tuple_in_scalar_out": (lambda x, y: (x * y).sum(), lambda x, y: (x * y).sum(), True),
}
JAC_OPTS = [dict(), dict(vectorize=True), dict(create_graph=True),
            dict(vectorize=True, strategy="forward-mode")]


def _kind(x):
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_kind(e) for e in x))
    return tuple(x.shape)


def _inputs(m, is_tuple):
    return (m.tensor(A), m.tensor(B)) if is_tuple else m.tensor(B)


def _close_tree(got, want):
    assert _kind(got) == _kind(want)
    if isinstance(want, (list, tuple)):
        for a, b in zip(got, want):
            _close_tree(a, b)
    else:
        close(got, want)


@pytest.mark.parametrize("opts", JAC_OPTS, ids=str)
@pytest.mark.parametrize("fname", list(FUNCS))
def test_functional_jacobian_structures_and_options(fname, opts):
    tf, yf, is_tuple = FUNCS[fname]
    if fname == "tuple_in_scalar_out":
        tin, yin = (torch.tensor(A), torch.tensor(A)), (ya.tensor(A), ya.tensor(A))
    else:
        tin, yin = _inputs(torch, is_tuple), _inputs(ya, is_tuple)
    _close_tree(YAF.jacobian(yf, yin, **opts), TAF.jacobian(tf, tin, **opts))


@pytest.mark.parametrize("opts", [dict(), dict(vectorize=True), dict(create_graph=True),
                                  dict(vectorize=True, outer_jacobian_strategy="forward-mode")],
                         ids=str)
def test_functional_hessian_tuple_inputs(opts):
    th = TAF.hessian(lambda x, y: (x.sin() * y ** 2).sum(), (torch.tensor(A), torch.tensor(B)),
                     **opts)
    yh = YAF.hessian(lambda x, y: (ya.sin(x) * y ** 2).sum(), (ya.tensor(A), ya.tensor(B)),
                     **opts)
    _close_tree(yh, th)


def test_functional_create_graph_is_differentiable_and_strict():
    xt = torch.tensor(A, requires_grad=True)
    xy = ya.tensor(A, requires_grad=True)
    jt = TAF.jacobian(lambda z: z.sin() * z, xt, create_graph=True)
    jy = YAF.jacobian(lambda z: ya.sin(z) * z, xy, create_graph=True)
    assert jy.requires_grad and not YAF.jacobian(lambda z: ya.sin(z) * z, xy).requires_grad
    (jt ** 2).sum().backward()
    (jy ** 2).sum().backward()
    close(xy.grad, xt.grad)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        YAF.jacobian(lambda x, y: (x * 2, y * x), (ya.tensor(A), ya.tensor(A)), strict=True)
    _close_tree(YAF.jacobian(lambda x, y: (x * y, y * x), (ya.tensor(A), ya.tensor(B[0])),
                             strict=True),
                TAF.jacobian(lambda x, y: (x * y, y * x), (torch.tensor(A), torch.tensor(B[0])),
                             strict=True))


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_functional_products(name):
    scalar = name in ("vhp", "hvp")
    tf = (lambda z: (z.sin() * z).sum()) if scalar else (lambda z: z.sin() * z)
    yf = (lambda z: (ya.sin(z) * z).sum()) if scalar else (lambda z: ya.sin(z) * z)
    v = rnd(2, 3, seed=13)
    _close_tree(getattr(YAF, name)(yf, ya.tensor(B), ya.tensor(v)),
                getattr(TAF, name)(tf, torch.tensor(B), torch.tensor(v)))


# ---- tree_util against jax.tree_util ------------------------------------------------------
jax = pytest.importorskip("jax")
jtu = jax.tree_util
P = collections.namedtuple("P", ["w", "b"])
TREES = [
    {"b": [1, None, 2], "a": (3, {"z": 4, "y": [5, 6]})},
    P(w=1, b=(2, 3)),
    [None, (), [], {}, 1],
    None,
    {"x": None},
    (1, [2, (3, {"k": P(4, None)})]),
    collections.OrderedDict([("z", 1), ("a", 2)]),
    collections.defaultdict(int, {"z": 1, "a": 2}),
    5,
]


@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_tree_flatten_unflatten_like_jax(tree):
    jl, jd = jtu.tree_flatten(tree)
    yl, yd = ya.tree_util.tree_flatten(tree)
    assert yl == jl
    assert yd.num_leaves == jd.num_leaves
    assert str(yd) == str(jd)
    back = ya.tree_util.tree_unflatten(yd, yl)
    assert back == tree and type(back) is type(tree)
    assert ya.tree_util.tree_leaves(tree) == jtu.tree_leaves(tree)


def test_tree_is_leaf_and_multi_tree_map_like_jax():
    tree = {"a": [1, 2], "b": (3, [4, 5]), "c": None}
    is_list = lambda x: isinstance(x, list)   # noqa: E731
    assert ya.tree_util.tree_flatten(tree, is_leaf=is_list)[0] == \
        jtu.tree_flatten(tree, is_leaf=is_list)[0]
    assert ya.tree_util.tree_leaves(tree, is_leaf=lambda x: x is None) == \
        jtu.tree_leaves(tree, is_leaf=lambda x: x is None)
    f = lambda x: len(x) if isinstance(x, list) else x * 10   # noqa: E731
    assert ya.tree_util.tree_map(f, tree, is_leaf=is_list) == jtu.tree_map(f, tree, is_leaf=is_list)
    add = lambda x, y: x + y   # noqa: E731
    assert ya.tree_util.tree_map(add, {"a": 1, "b": (2, 3)}, {"a": 10, "b": (20, 30)}) == \
        jtu.tree_map(add, {"a": 1, "b": (2, 3)}, {"a": 10, "b": (20, 30)})
    pair = lambda x, y: (x, y)   # noqa: E731
    assert ya.tree_util.tree_map(pair, [1, 2], [(3, 4), 5]) == jtu.tree_map(pair, [1, 2], [(3, 4), 5])
    with pytest.raises(ValueError):
        ya.tree_util.tree_map(add, {"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(ValueError):
        ya.tree_util.tree_unflatten(ya.tree_util.tree_structure([1, 2]), [1])
    assert ya.tree_util.tree_structure({"a": 1, "b": 2}) == ya.tree_util.tree_structure({"b": 5, "a": 6})
    assert ya.tree_util.tree_structure([1, 2]) != ya.tree_util.tree_structure((1, 2))


def test_ravel_pytree_like_jax():
    from jax.flatten_util import ravel_pytree
    tree = {"w": np.arange(6.).reshape(2, 3), "b": np.ones(2), "s": 3.0}
    jv, junravel = ravel_pytree(tree)
    yv, yunravel = ya.tree_util.ravel_pytree(tree)
    close(yv, np.asarray(jv))
    back = yunravel(yv)
    for k in tree:
        close(back[k], np.asarray(junravel(jv)[k]))


@pytest.mark.parametrize("no_grad", [True, False])
def test_encoder_eval_padding_follows_torch_nested_path(no_grad):
    """Eval mode, post-norm, batch_first, bool padding: torch's nested-tensor path zeroes
    the padded outputs only when no gradient is wanted; yaae does the same."""
    torch.manual_seed(0)
    t = tnn.TransformerEncoder(tnn.TransformerEncoderLayer(8, 2, 16, batch_first=True,
                                                           dtype=torch.float64), 2)
    y = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2)
    load(t, y)
    t.eval()
    y.eval()
    x = rnd(3, 6, 8)
    kpm = np.zeros((3, 6), bool)
    kpm[0, -2:] = True
    with torch.set_grad_enabled(not no_grad):
        to = t(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with ya.autograd.set_grad_enabled(not no_grad):
        yo = y(ya.tensor(x), src_key_padding_mask=kpm)
    close(yo, to)


def test_tree_unsortable_dict_keys_raise_like_jax():
    tree = {1: "a", "x": "b"}
    with pytest.raises(ValueError) as want:
        jtu.tree_leaves(tree)
    with pytest.raises(ValueError, match="Comparator raised exception") as got:
        ya.tree_util.tree_leaves(tree)
    assert str(want.value) in str(got.value)
    assert ya.tree_util.tree_leaves({2: "a", 1: "b"}) == jtu.tree_leaves({2: "a", 1: "b"})


def test_functional_create_graph_reaches_module_parameters():
    """``jacobian``/``hessian`` of a model with create_graph=True: a loss on the result
    back-propagates into the model's parameters, as torch's does."""
    torch.manual_seed(0)
    t = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 2)).double()
    y = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    load(t, y)
    x = rnd(3, seed=21)
    for fn, tf, yf in [("jacobian", t, y),
                       ("hessian", lambda z: (t(z) ** 2).sum(), lambda z: (y(z) ** 2).sum())]:
        for p in [*t.parameters(), *y.parameters()]:
            p.grad = None
        tj = getattr(TAF, fn)(tf, torch.tensor(x), create_graph=True)
        yj = getattr(YAF, fn)(yf, ya.tensor(x), create_graph=True)
        close(yj, tj)
        (tj ** 2).sum().backward()
        (yj ** 2).sum().backward()
        for p, q in zip(y.parameters(), t.parameters()):
            assert (p.grad is None) == (q.grad is None)
            if q.grad is not None:
                close(p.grad, q.grad)
        assert not getattr(YAF, fn)(yf, ya.tensor(x)).requires_grad


def _extra_functions(m):
    class Ident(m.autograd.Function):         # returns its input unchanged
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class WithInt(m.autograd.Function):       # a non-Tensor output next to a Tensor
        @staticmethod
        def forward(ctx, x):
            return x * 2, 5

        @staticmethod
        def backward(ctx, g, _):
            return g * 2

    class NoMaterialize(m.autograd.Function):  # an unused output's gradient may be None
        @staticmethod                          # (torch: None; yaae: zeros, documented)
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + (0 if g2 is None else g2 * 3)
    return Ident, WithInt, NoMaterialize


def test_function_identity_nontensor_output_no_materialize():
    TI, TW, TN = _extra_functions(torch)
    YI, YW, YN = _extra_functions(ya)
    ts, ys = _pairs((3,))
    (TI.apply(ts[0]) * 3).sum().backward()
    (YI.apply(ys[0]) * 3).sum().backward()
    close(ys[0].grad, ts[0].grad)
    ts, ys = _pairs((3,))
    (out_t, five_t), (out_y, five_y) = TW.apply(ts[0]), YW.apply(ys[0])
    assert five_y == five_t == 5
    out_t.sum().backward()
    out_y.sum().backward()
    close(ys[0].grad, ts[0].grad)
    ts, ys = _pairs((3,))
    TN.apply(ts[0])[0].sum().backward()
    YN.apply(ys[0])[0].sum().backward()
    close(ys[0].grad, ts[0].grad)


def test_lbfgs_state_dict_resume_and_torch_state_loaded():
    """LBFGS's history (d, t, old_dirs, old_stps, ro, H_diag, ...) survives a
    state_dict round trip, and torch's own LBFGS state (tensors converted) continues
    torch's trajectory."""
    t, y = _mlp_pair()
    kw = dict(line_search_fn="strong_wolfe", max_iter=5, history_size=4)
    topt, yopt = torch.optim.LBFGS(t.parameters(), **kw), ya.optim.LBFGS(y.parameters(), **kw)
    for _ in range(2):
        tc, yc = _closures(t, y, topt, yopt)
        close(yopt.step(yc), topt.step(tc).detach())
    sd = yopt.state_dict()
    assert set(sd["state"][0]) == set(topt.state_dict()["state"][0])
    yopt = ya.optim.LBFGS(y.parameters(), **kw)
    yopt.load_state_dict(sd)
    for _ in range(2):
        tc, yc = _closures(t, y, topt, yopt)
        close(yopt.step(yc), topt.step(tc).detach())

    def conv(v):
        if isinstance(v, torch.Tensor):
            return ya.tensor(v.numpy()) if v.dim() else float(v)
        return [conv(e) for e in v] if isinstance(v, list) else v
    tsd = topt.state_dict()
    yopt = ya.optim.LBFGS(y.parameters(), **kw)
    yopt.load_state_dict({"state": {0: {k: conv(v) for k, v in tsd["state"][0].items()}},
                          "param_groups": tsd["param_groups"]})
    for p, q in zip(y.parameters(), t.parameters()):
        p.data[...] = q.detach().numpy()
    for _ in range(2):
        tc, yc = _closures(t, y, topt, yopt)
        close(yopt.step(yc), topt.step(tc).detach())


def test_jax_style_training_loop_with_namedtuple_params():
    """value_and_grad on a dict/namedtuple/list parameter tree, tree_map updates,
    ravel_pytree + hessian and a pytree-to-pytree jacrev, against JAX."""
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        _jax_style_loop(jax.numpy)
    finally:
        jax.config.update("jax_enable_x64", old)


def _jax_style_loop(jnp):
    from jax.flatten_util import ravel_pytree
    rs = np.random.RandomState(0)
    x, y = rs.randn(16, 3), rs.randn(16, 1)
    params = {"l1": P(rs.randn(3, 5) * 0.5, np.zeros(5)), "l2": [rs.randn(5, 1) * 0.5, np.zeros(1)]}

    def loss(m):
        def f(p):
            h = m.tanh(x @ p["l1"].w + p["l1"].b)
            return m.mean((h @ p["l2"][0] + p["l2"][1] - y) ** 2)
        return f
    py, pj = params, jtu.tree_map(jnp.asarray, params)
    jvag = jax.jit(jax.value_and_grad(loss(jnp)))     # (jit: JAX's eager mode is slow)
    for _ in range(3):
        ly, gy = ya.value_and_grad(loss(ya))(py)
        lj, gj = jvag(pj)
        close(ly, np.asarray(lj))
        py = ya.tree_util.tree_map(lambda p, g: p - 0.1 * g, py, gy)
        pj = jtu.tree_map(lambda p, g: p - 0.1 * g, pj, gj)
    assert isinstance(py["l1"], P) and isinstance(py["l2"], list)
    (fy, uy), (fj, uj) = ya.tree_util.ravel_pytree(py), ravel_pytree(pj)
    close(fy, np.asarray(fj))
    close(ya.hessian(lambda v: loss(ya)(uy(v)))(fy),
          np.asarray(jax.jit(jax.hessian(lambda v: loss(jnp)(uj(v))))(fj)))

    def f(p):
        return {"a": p["l1"].w.sum(0), "b": p["l2"][1] * 2}
    jy, jj = ya.jacrev(f)(py), jax.jit(jax.jacrev(f))(pj)
    assert str(ya.tree_util.tree_structure(jy)) == str(jtu.tree_structure(jj))
    for a, b in zip(ya.tree_util.tree_leaves(jy), jtu.tree_leaves(jj)):
        close(a, np.asarray(b))


@pytest.mark.parametrize("need_weights", [True, False])
def test_float32_mha_keeps_float32_with_yaae_default_float64_mask(need_weights,
                                                                  torch_float32_default):
    """yaae's generate_square_subsequent_mask() is float64 (yaae's default dtype); a
    float32 model given it must still compute and return float32 (it used to return
    float64 on the need_weights=True path), with torch's float32 values."""
    t, y = _mha_pair(np.float32)
    x = rnd(4, 2, 8, dtype=np.float32)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == np.float64
    to, tw = t(*[torch.tensor(x)] * 3, attn_mask=tnn.Transformer.generate_square_subsequent_mask(4),
               need_weights=need_weights)
    yo, yw = y(*[ya.tensor(x)] * 3, attn_mask=mask, need_weights=need_weights)
    assert yo.dtype == np.float32
    close(yo, to, np.float32)
    if need_weights:
        assert yw.dtype == np.float32
        close(yw, tw, np.float32)


@pytest.mark.parametrize("kw", [dict(bias=False),
                                dict(bias=False, add_bias_kv=True, batch_first=True),
                                dict(kdim=3, vdim=5, batch_first=True, bias=False),
                                dict(add_zero_attn=True, batch_first=True, dropout=0.3)],
                         ids=str)
def test_mha_option_combinations_eval_with_gradients(kw):
    torch.manual_seed(0)
    t, y = tnn.MultiheadAttention(6, 3, dtype=torch.float64, **kw), nn.MultiheadAttention(6, 3, **kw)
    load(t, y)
    t.eval()
    y.eval()
    bf = kw.get("batch_first", False)
    q, k, v = (rnd(*((2, n, e) if bf else (n, 2, e)), seed=s) for s, (n, e) in
               enumerate([(4, 6), (5, kw.get("kdim", 6)), (5, kw.get("vdim", 6))]))
    kpm = np.zeros((2, 5), bool)
    kpm[0, -1] = True
    qt, qy = torch.tensor(q, requires_grad=True), ya.tensor(q, requires_grad=True)
    to, tw = t(qt, torch.tensor(k), torch.tensor(v), key_padding_mask=torch.tensor(kpm))
    yo, yw = y(qy, ya.tensor(k), ya.tensor(v), key_padding_mask=kpm)
    close(yo, to)
    close(yw, tw)
    to.sum().backward()
    yo.sum().backward()
    close(qy.grad, qt.grad)
    for p, pt in zip(y.parameters(), t.parameters()):
        close(p.grad, pt.grad)
