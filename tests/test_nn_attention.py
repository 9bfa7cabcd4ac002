"""yaae.nn.functional.scaled_dot_product_attention and yaae.nn.MultiheadAttention
against PyTorch 2.13 as the oracle.

Each case runs the torch and the yaae function (modules share torch's weights
through ``load_state_dict``) on the same inputs, compares every output, then
back-propagates ``sum(out * w)`` for random cotangents ``w`` and compares the
gradients of every input (float masks included) and every parameter.
float64: rtol=1e-10; float32: rtol=1e-5.  Forward mode is checked against
``torch.func.jvp`` and by ``ya.testing.gradcheck``; dropout by p=1 and by
statistics of yaae's generator; initialisation against PyTorch's formulas.
"""
import math
import warnings

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F

from test_nn_rnn import TDT, load  # noqa: F401  (shared with the transformer tests)

# float32: atol 1e-5 (rtol as the 1e-5).  Gradients through a few stacked layers
# have elements near zero after cancellation; both libraries' float32 results are within
# 1e-6 of the float64 ones there, but not within 1e-6 of each other.
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}


def close(a, b, dtype=np.float64):
    a = a.data if isinstance(a, ya.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The tensors here are tiny: torch's worker threads only cost time (much of it on a
    loaded machine), so use one for this module and restore the setting after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def as_pairs(arrays, dtype):
    """torch/yaae tensors for ``arrays``: floats require grad, bools stay masks, and
    one array object given twice is one tensor (so ``query is key`` holds in both)."""
    made, ts, ys = {}, [], []
    for a in arrays:
        if a is None:
            ts.append(None)
            ys.append(None)
            continue
        if id(a) not in made:
            if a.dtype == bool:
                made[id(a)] = (torch.tensor(a), a)
            else:
                made[id(a)] = (torch.tensor(a, dtype=TDT[dtype], requires_grad=True),
                               ya.Tensor(a.astype(dtype), requires_grad=True))
        ts.append(made[id(a)][0])
        ys.append(made[id(a)][1])
    return ts, ys


def outputs(out):
    return [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]


def compare(tfn, yfn, arrays, dtype=np.float64, tmod=None, ymod=None, seed=0):
    """Outputs of ``tfn(*torch)`` and ``yfn(*yaae)``, then the gradients of the float
    inputs and of the modules' parameters."""
    ts, ys = as_pairs(arrays, dtype)
    ot, oy = outputs(tfn(*ts)), outputs(yfn(*ys))
    assert len(ot) == len(oy)
    rng = np.random.default_rng(seed + 100)
    lt = ly = 0
    for a, b in zip(oy, ot):
        close(a, b, dtype)
        assert a.dtype == np.dtype(dtype)
        w = rng.standard_normal(tuple(b.shape)).astype(dtype)
        lt = lt + (b * torch.tensor(w)).sum()
        ly = ly + (a * ya.Tensor(w)).sum()
    lt.backward()
    ly.backward()
    for a, b in zip(ys, ts):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            close(a.grad, b.grad, dtype)
    if tmod is not None:
        tp, yp = dict(tmod.named_parameters()), dict(ymod.named_parameters())
        assert list(tp) == list(yp)
        for name, p in tp.items():
            close(yp[name].grad, p.grad, dtype)


# ---- scaled_dot_product_attention -----------------------------------------------------------
def causal_bool(L, S):
    return np.tril(np.ones((L, S), dtype=bool))


SDPA_CASES = {
    "2d": ((3, 4), (5, 4), (5, 6), None, {}),
    "3d": ((2, 3, 4), (2, 5, 4), (2, 5, 6), None, {}),
    "broadcast": ((2, 1, 3, 4), (1, 3, 5, 4), (1, 3, 5, 2), None, {}),
    "bool": ((2, 3, 4), (2, 5, 4), (2, 5, 6), rnd(3, 5, seed=9) > -0.5, {}),
    "bool_bcast": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6), rnd(2, 1, 1, 5, seed=9) > -0.5, {}),
    "bool_dead_row": ((2, 3, 4), (2, 5, 4), (2, 5, 6), np.array([[True] * 5, [False] * 5,
                                                                 [True, False] * 2 + [True]]), {}),
    "float": ((2, 3, 4), (2, 5, 4), (2, 5, 6), rnd(3, 5, seed=8), {}),
    "float_bcast": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6), rnd(2, 1, 3, 5, seed=8), {}),
    "causal": ((2, 4, 4), (2, 4, 4), (2, 4, 3), None, {"is_causal": True}),
    "causal_LgtS": ((2, 5, 4), (2, 3, 4), (2, 3, 3), None, {"is_causal": True}),
    "causal_LltS": ((2, 3, 4), (2, 5, 4), (2, 5, 3), None, {"is_causal": True}),
    "scale": ((2, 3, 4), (2, 5, 4), (2, 5, 6), None, {"scale": 0.37}),
    "neg_scale": ((3, 4), (5, 4), (5, 6), rnd(3, 5, seed=8), {"scale": -1.5}),
    "gqa": ((2, 4, 3, 4), (2, 2, 5, 4), (2, 1, 5, 6), None, {"enable_gqa": True}),
    "gqa_3d_mask": ((4, 3, 4), (2, 5, 4), (2, 5, 6), rnd(3, 5, seed=2) > 0, {"enable_gqa": True}),
    "empty_keys": ((3, 4), (0, 4), (0, 6), None, {}),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case, dtype):
    qs, ks, vs, mask, kw = SDPA_CASES[case]
    arrays = [rnd(*qs, seed=1), rnd(*ks, seed=2), rnd(*vs, seed=3), mask]
    compare(lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw),
            lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw),
            arrays, dtype)


def test_sdpa_fully_masked_rows_are_zero_with_zero_gradient():
    q, k, v = (ya.Tensor(rnd(n, 4, seed=n), requires_grad=True) for n in (3, 5, 5))
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out.data[1] == 0)
    out.sum().backward()
    assert np.all(q.grad.data[1] == 0) and np.all(np.isfinite(k.grad.data))


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(attn_mask=np.ones((3, 5), bool), is_causal=True), RuntimeError, "is_causal"),
    (dict(attn_mask=np.ones((3, 5), np.int64)), RuntimeError, "attn_mask dtype"),
    (dict(dropout_p=1.5), RuntimeError, "dropout probability"),
])
def test_sdpa_errors(kwargs, err, match):
    q, k, v = rnd(3, 4), rnd(5, 4), rnd(5, 6)
    with pytest.raises(err, match=match):
        F.scaled_dot_product_attention(q, k, v, **kwargs)
    with pytest.raises(err, match=match):
        TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                        **{n: torch.tensor(a) if isinstance(a, np.ndarray)
                                           else a for n, a in kwargs.items()})


@pytest.mark.parametrize("args,match", [
    ((rnd(4), rnd(5, 4), rnd(5, 6)), "at least 2 dimensional"),
    ((rnd(3, 4), rnd(5, 4).astype(np.float32), rnd(5, 6)), "same dtype"),
    ((rnd(2, 3, 3, 4), rnd(2, 2, 5, 4), rnd(2, 2, 5, 6)), None),
])
def test_sdpa_shape_and_dtype_errors(args, match):
    kw = {"enable_gqa": True} if match is None else {}
    with pytest.raises(RuntimeError, match=match or "must divide"):
        F.scaled_dot_product_attention(*args, **kw)
    with pytest.raises(RuntimeError):
        TF.scaled_dot_product_attention(*(torch.tensor(a) for a in args), **kw)


def test_sdpa_dropout_p1_and_statistics():
    q, k, v = rnd(2, 3, 4), rnd(2, 5, 4), rnd(2, 5, 6)
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).data == 0)
    # one key: the weight is 1, so each output is 0 (dropped) or v / (1 - p)
    p, n = 0.3, 20000
    ya.manual_seed(0)
    out = F.scaled_dot_product_attention(np.zeros((n, 1, 1)), np.zeros((n, 1, 1)),
                                         np.ones((n, 1, 1)), dropout_p=p).data.ravel()
    assert set(np.unique(out)) <= {0.0, 1 / (1 - p)}
    frac = np.mean(out == 0)
    assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / n)
    ya.manual_seed(0)
    again = F.scaled_dot_product_attention(np.zeros((n, 1, 1)), np.zeros((n, 1, 1)),
                                           np.ones((n, 1, 1)), dropout_p=p).data.ravel()
    np.testing.assert_array_equal(out, again)


def torch_math_sdpa():
    """PyTorch's math SDPA kernel: its CPU flash kernel has no forward-mode rule."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    return sdpa_kernel(SDPBackend.MATH)


def test_sdpa_forward_mode_matches_torch_jvp():
    q, k, v, m = rnd(2, 3, 4, seed=1), rnd(2, 5, 4, seed=2), rnd(2, 5, 6, seed=3), rnd(3, 5)
    tq, tk, tv = rnd(2, 3, 4, seed=4), rnd(2, 5, 4, seed=5), rnd(2, 5, 6, seed=6)
    T = lambda *a: tuple(torch.tensor(x) for x in a)  # noqa: E731
    out_t, dot_t = torch.func.jvp(lambda a, b, c: TF.scaled_dot_product_attention(
        a, b, c, attn_mask=torch.tensor(m)), T(q, k, v), T(tq, tk, tv))
    out_y, dot_y = ya.jvp(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
                          (ya.Tensor(q), ya.Tensor(k), ya.Tensor(v)),
                          (ya.Tensor(tq), ya.Tensor(tk), ya.Tensor(tv)))
    close(out_y, out_t)
    close(dot_y, dot_t)


def test_sdpa_gradcheck():
    mask = np.array([[True, False, True], [False, False, True]])
    f = lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m)  # noqa: E731
    assert ya.testing.gradcheck(f, rnd(2, 2, seed=1), rnd(3, 2, seed=2), rnd(3, 2, seed=3),
                                rnd(2, 3, seed=4), modes=("rev", "fwd"), order=2)
    g = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # noqa: E731
    assert ya.testing.gradcheck(g, rnd(2, 2, seed=1), rnd(3, 2, seed=2), rnd(3, 2, seed=3),
                                modes=("rev", "fwd"))


# ---- MultiheadAttention ---------------------------------------------------------------------
CONFIGS = {
    "default": {},
    "no_bias": {"bias": False},
    "bias_kv": {"add_bias_kv": True},
    "zero_attn": {"add_zero_attn": True},
    "bias_kv_zero_attn": {"add_bias_kv": True, "add_zero_attn": True},
    "kvdim": {"kdim": 3, "vdim": 5},
    "kvdim_no_bias": {"kdim": 3, "vdim": 5, "bias": False},
}
E, H, L, S, N = 6, 2, 4, 5, 3


def make_mha(dtype=np.float64, **kw):
    torch.manual_seed(0)
    tmod = tnn.MultiheadAttention(E, H, dtype=TDT[dtype], **kw)
    ymod = nn.MultiheadAttention(E, H, dtype=dtype, **kw)
    load(tmod, ymod)
    return tmod, ymod


def mha_inputs(kw, batched=True, self_attn=False):
    bf = kw.get("batch_first", False)

    def seq(n, d, seed):
        if not batched:
            return rnd(n, d, seed=seed)
        return rnd(N, n, d, seed=seed) if bf else rnd(n, N, d, seed=seed)

    if self_attn:
        x = seq(L, E, 1)
        return x, x, x
    return seq(L, E, 1), seq(S, kw.get("kdim", E), 2), seq(S, kw.get("vdim", E), 3)


def run_mha(kw, fkw=None, masks=(None, None), dtype=np.float64, batched=True,
            self_attn=False, train=True):
    fkw = fkw or {}
    tmod, ymod = make_mha(dtype, **kw)
    if not train:
        tmod.eval()
        ymod.eval()
    q, k, v = mha_inputs(kw, batched, self_attn)
    am, kpm = masks
    compare(lambda q, k, v, am, kpm: tmod(q, k, v, attn_mask=am, key_padding_mask=kpm, **fkw),
            lambda q, k, v, am, kpm: ymod(q, k, v, attn_mask=am, key_padding_mask=kpm, **fkw),
            [q, k, v, am, kpm], dtype, tmod, ymod)


@pytest.mark.parametrize("cfg", list(CONFIGS))
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_configs(cfg, need_weights, batch_first):
    kw = dict(CONFIGS[cfg], batch_first=batch_first)
    run_mha(kw, {"need_weights": need_weights})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mha_self_attention_dtypes_and_modes(dtype, batch_first, train):
    run_mha({"batch_first": batch_first, "dropout": 0.0 if train else 0.5}, dtype=dtype,
            self_attn=True, train=train)


def _masks(kind, batched=True):
    """(attn_mask, key_padding_mask) of ``kind`` in MultiheadAttention's convention."""
    rng = np.random.default_rng(7)
    bool2 = rng.random((L, S)) < 0.3
    bool2[:, 0] = False                       # every query keeps a key
    kpm_b = np.zeros((N, S), dtype=bool)
    kpm_b[0, -2:] = True
    kpm_b[2, -1] = True
    return {
        "attn_bool_2d": (bool2, None),
        "attn_float_2d": (rng.standard_normal((L, S)), None),
        "attn_bool_3d": (np.broadcast_to(bool2, (N * H, L, S)).copy(), None),
        "attn_float_3d": (rng.standard_normal((N * H, L, S)), None),
        "kpm_bool": (None, kpm_b),
        "kpm_float": (None, np.where(kpm_b, -1e9, rng.standard_normal((N, S)))),
        "both_bool": (bool2, kpm_b),
        "both_float": (rng.standard_normal((L, S)), rng.standard_normal((N, S))),
        "unbatched_3d": (rng.standard_normal((H, L, S)), kpm_b[0]),
    }[kind]


@pytest.mark.parametrize("kind", ["attn_bool_2d", "attn_float_2d", "attn_bool_3d",
                                  "attn_float_3d", "kpm_bool", "kpm_float", "both_bool",
                                  "both_float"])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("extra", ["default", "bias_kv_zero_attn"])
def test_mha_masks(kind, need_weights, extra):
    run_mha(dict(CONFIGS[extra]), {"need_weights": need_weights}, _masks(kind))


@pytest.mark.parametrize("fkw", [{}, {"need_weights": False},
                                 {"average_attn_weights": False}])
@pytest.mark.parametrize("with_masks", [False, True])
def test_mha_unbatched(fkw, with_masks):
    masks = _masks("unbatched_3d") if with_masks else (None, None)
    run_mha({}, fkw, masks, batched=False)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal_hint(need_weights, with_kpm):
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    kpm = np.zeros((N, L), dtype=bool)
    kpm[1, -1] = True
    tmod, ymod = make_mha()
    x = rnd(L, N, E)
    compare(lambda x: tmod(x, x, x, attn_mask=torch.tensor(causal), is_causal=True,
                           need_weights=need_weights,
                           key_padding_mask=torch.tensor(kpm) if with_kpm else None),
            lambda x: ymod(x, x, x, attn_mask=causal, is_causal=True, need_weights=need_weights,
                           key_padding_mask=kpm if with_kpm else None),
            [x], np.float64, tmod, ymod)


def test_mha_fully_masked_rows_as_torch():
    """need_weights=True: NaN rows (explicit softmax); need_weights=False: zeros (SDPA)."""
    tmod, ymod = make_mha()
    x = rnd(L, N, E)
    kpm = np.zeros((N, L), dtype=bool)
    kpm[1] = True
    for nw in (True, False):
        ot = tmod(torch.tensor(x), torch.tensor(x), torch.tensor(x),
                  key_padding_mask=torch.tensor(kpm), need_weights=nw)
        oy = ymod(x, x, x, key_padding_mask=kpm, need_weights=nw)
        for a, b in zip(outputs(oy), outputs(ot)):
            np.testing.assert_array_equal(np.isnan(a.data), np.isnan(b.detach().numpy()))
            ok = ~np.isnan(a.data)
            np.testing.assert_allclose(a.data[ok], b.detach().numpy()[ok], rtol=1e-10)
        assert np.isnan(oy[0].data[:, 1]).all() == nw


def test_mha_dropout_train_p1_and_eval():
    tmod, ymod = make_mha(dropout=1.0)
    x = rnd(L, N, E)
    out, w = ymod(x, x, x)
    assert np.all(w.data == 0)
    np.testing.assert_allclose(out.data, np.broadcast_to(ymod.out_proj.bias.data, out.shape))
    out2, _ = ymod(x, x, x, need_weights=False)
    np.testing.assert_allclose(out2.data, out.data)
    tmod.eval()
    ymod.eval()
    xt = torch.tensor(x)
    with torch.no_grad():
        ot = tmod(xt, xt, xt)
    for a, b in zip(ymod(x, x, x), ot):
        close(a, b)


def test_mha_dropout_statistics():
    """Training-mode dropout keeps the attention weights unbiased: their mean over many
    draws approaches the eval-mode weights."""
    _, ymod = make_mha(dropout=0.25)
    x = rnd(L, 1, E)
    ymod.eval()
    ref = ymod(x, x, x, average_attn_weights=False)[1].data
    ymod.train()
    ya.manual_seed(0)
    draws = np.stack([ymod(x, x, x, average_attn_weights=False)[1].data for _ in range(400)])
    assert np.mean(draws == 0) == pytest.approx(0.25, abs=0.03)
    np.testing.assert_allclose(draws.mean(0), ref, atol=6 * ref.max() / math.sqrt(400))


def test_mha_state_dict_loads_into_torch():
    for kw in CONFIGS.values():
        ya.manual_seed(3)
        ymod = nn.MultiheadAttention(E, H, **kw)
        tmod = tnn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
        tmod.load_state_dict({k: torch.tensor(v) for k, v in ymod.state_dict().items()})
        q, k, v = mha_inputs(kw)
        ot = tmod(*(torch.tensor(a) for a in (q, k, v)))
        for a, b in zip(ymod(q, k, v), ot):
            close(a, b)


def test_mha_parameter_shapes_and_names():
    m = nn.MultiheadAttention(E, H, add_bias_kv=True, kdim=3, vdim=5)
    shapes = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert shapes == {"q_proj_weight": (E, E), "k_proj_weight": (E, 3), "v_proj_weight": (E, 5),
                      "in_proj_bias": (3 * E,), "bias_k": (1, 1, E), "bias_v": (1, 1, E),
                      "out_proj.weight": (E, E), "out_proj.bias": (E,)}
    assert m.in_proj_weight is None and m.head_dim == E // H
    assert nn.MultiheadAttention(4, 2).bias_k is None


def ks_uniform(x, bound):
    assert np.abs(x).max() <= bound
    assert scipy.stats.kstest(x.ravel(), "uniform", args=(-bound, 2 * bound)).pvalue > 1e-3


def test_mha_initialisation_distributions():
    ya.manual_seed(0)
    e = 64
    m = nn.MultiheadAttention(e, 4, add_bias_kv=True)
    ks_uniform(m.in_proj_weight.data, math.sqrt(6.0 / (e + 3 * e)))      # xavier_uniform_
    ks_uniform(m.out_proj.weight.data, 1 / math.sqrt(e))                   # Linear default
    assert np.all(m.in_proj_bias.data == 0) and np.all(m.out_proj.bias.data == 0)
    both = np.concatenate([m.bias_k.data.ravel(), m.bias_v.data.ravel()])
    std = math.sqrt(2.0 / (e + e))                                         # xavier_normal_
    assert scipy.stats.kstest(both, "norm", args=(0, std)).pvalue > 1e-3
    sep = nn.MultiheadAttention(e, 4, kdim=32, vdim=16)
    ks_uniform(sep.q_proj_weight.data, math.sqrt(6.0 / (2 * e)))
    ks_uniform(sep.k_proj_weight.data, math.sqrt(6.0 / (e + 32)))
    ks_uniform(sep.v_proj_weight.data, math.sqrt(6.0 / (e + 16)))
    ya.manual_seed(0)
    again = nn.MultiheadAttention(e, 4, add_bias_kv=True)
    np.testing.assert_array_equal(again.in_proj_weight.data, m.in_proj_weight.data)


def test_mha_errors_as_torch():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    m = nn.MultiheadAttention(E, H)
    x = rnd(L, N, E)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating"):
        m(x, x, x, attn_mask=np.zeros((L, L), dtype=np.int64))
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=np.zeros((L, L + 1)))
    with pytest.raises(AssertionError, match="3-D"):
        m(rnd(L, N, E), rnd(L, E), rnd(L, E))
    with pytest.raises(AssertionError, match="key_padded_mask"):
        m(x, x, x, key_padding_mask=np.zeros((N, L + 1), dtype=bool))
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(x, x, x, attn_mask=np.zeros((L, L)), key_padding_mask=np.zeros((N, L), dtype=bool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m(x, x, x, attn_mask=np.zeros((L, L), bool), key_padding_mask=np.zeros((N, L), bool))


def test_mha_forward_mode_matches_torch_jvp():
    tmod, ymod = make_mha(batch_first=True)
    q, k, v = mha_inputs({"batch_first": True})
    tans = [rnd(*a.shape, seed=10 + i) for i, a in enumerate((q, k, v))]
    am = _masks("attn_float_2d")[0]
    out_t, dot_t = torch.func.jvp(
        lambda a, b, c: tmod(a, b, c, attn_mask=torch.tensor(am))[0],
        tuple(torch.tensor(a) for a in (q, k, v)), tuple(torch.tensor(t) for t in tans))
    out_y, dot_y = ya.jvp(lambda a, b, c: ymod(a, b, c, attn_mask=am)[0],
                          tuple(ya.Tensor(a) for a in (q, k, v)),
                          tuple(ya.Tensor(t) for t in tans))
    close(out_y, out_t)
    close(dot_y, dot_t)


def test_functional_multi_head_attention_forward_matches_torch():
    # F.multi_head_attention_forward (sequence first) given a module's parameters directly
    E, H, L, S, N = 6, 2, 3, 4, 2
    tm = tnn.MultiheadAttention(E, H, dtype=torch.float64)
    q, k, v = rnd(L, N, E, seed=1), rnd(S, N, E, seed=2), rnd(S, N, E, seed=3)
    pad = np.array([[False, False, True, False], [False, True, False, False]])

    def run(lib, mod, f):
        ps = [lib(p.detach().numpy()) if lib is ya.tensor else p
              for p in (tm.in_proj_weight, tm.in_proj_bias, tm.out_proj.weight, tm.out_proj.bias)]
        return f(lib(q), lib(k), lib(v), E, H, ps[0], ps[1], None, None, False, 0.0,
                 ps[2], ps[3], training=False, key_padding_mask=lib(pad))

    want = run(torch.tensor, tnn, TF.multi_head_attention_forward)
    got = run(ya.tensor, nn, F.multi_head_attention_forward)
    close(got[0], want[0])
    close(got[1], want[1])
