"""yaae.nn Transformer layers (TransformerEncoderLayer/Encoder, TransformerDecoderLayer/
Decoder, Transformer) against PyTorch 2.13 as the oracle.

Each case builds the torch module, checks that the yaae module has the same
state_dict keys and shapes, copies torch's weights in, and compares outputs and
the gradients of the inputs and of every parameter (float64: rtol=1e-10,
float32: rtol=1e-5), in training mode (dropout=0, or dropout=1 which is
deterministic) and in eval mode with dropout > 0.  Also: forward mode against
``torch.func.jvp``, the causal-mask helpers, PyTorch's nested-tensor inference
path, the initialisation and state_dicts loading both ways.
"""
import math

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F
from test_nn_attention import TDT, close, compare, load, rnd, torch_math_sdpa
from test_nn_attention import one_torch_thread  # noqa: F401  (autouse fixture)

D, NH, FF, S, T, N = 8, 2, 12, 5, 4, 3


def act_pair(name):
    return {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"),
            "fn_relu": (TF.relu, F.relu), "module_gelu": (tnn.GELU(), nn.GELU()),
            "tanh": (torch.tanh, ya.tanh)}[name]


def layer_pair(cls, dtype=np.float64, activation="relu", **kw):
    ta, ya_ = act_pair(activation)
    torch.manual_seed(0)
    tmod = getattr(tnn, cls)(D, NH, FF, activation=ta, dtype=TDT[dtype], **kw)
    ymod = getattr(nn, cls)(D, NH, FF, activation=ya_, dtype=dtype, **kw)
    load(tmod, ymod)
    return tmod, ymod


def seq(n, batch_first=False, batched=True, seed=0):
    if not batched:
        return rnd(n, D, seed=seed)
    return rnd(N, n, D, seed=seed) if batch_first else rnd(n, N, D, seed=seed)


def kpm(n, seed=0):
    m = np.zeros((N, n), dtype=bool)
    m[1, -2:] = True
    m[2, -1] = True
    return m


def causal(n):
    return nn.Transformer.generate_square_subsequent_mask(n).data


def eval_both(*mods):
    for m in mods:
        m.eval()


# ---- encoder layer --------------------------------------------------------------------------
ENC_CASES = {
    "plain": ({}, {}),
    "norm_first": ({"norm_first": True}, {}),
    "gelu": ({"activation": "gelu"}, {}),
    "fn_relu": ({"activation": "fn_relu"}, {}),
    "module_gelu": ({"activation": "module_gelu", "norm_first": True}, {}),
    "tanh_callable": ({"activation": "tanh"}, {}),
    "no_bias": ({"bias": False}, {}),
    "eps": ({"layer_norm_eps": 1e-3}, {}),
    "src_mask": ({}, {"src_mask": "causal"}),
    "src_mask_is_causal": ({}, {"src_mask": "causal", "is_causal": True}),
    "bool_mask": ({"norm_first": True}, {"src_mask": "bool"}),
    "kpm": ({}, {"src_key_padding_mask": "kpm"}),
    "kpm_float": ({}, {"src_key_padding_mask": "kpm_float"}),
    "both": ({"norm_first": True}, {"src_mask": "causal", "src_key_padding_mask": "kpm"}),
}


def make_masks(fkw, n, dtype):
    out = {}
    for name, kind in fkw.items():
        if not isinstance(kind, str):
            out[name] = kind
        elif kind == "causal":
            out[name] = causal(n).astype(dtype)
        elif kind == "bool":
            out[name] = np.triu(np.ones((n, n), dtype=bool), 1)
        elif kind == "kpm":
            out[name] = kpm(n)
        elif kind == "kpm_float":
            out[name] = np.where(kpm(n), -np.inf, 0.0).astype(dtype)
    return out


def torch_kw(kw):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


@pytest.mark.parametrize("case", list(ENC_CASES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(case, batch_first):
    ckw, fkw = ENC_CASES[case]
    tmod, ymod = layer_pair("TransformerEncoderLayer", dropout=0.0, batch_first=batch_first,
                            **ckw)
    fkw = make_masks(fkw, S, np.float64)
    compare(lambda x: tmod(x, **torch_kw(fkw)), lambda x: ymod(x, **fkw),
            [seq(S, batch_first)], np.float64, tmod, ymod)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_encoder_layer_dtypes_unbatched(dtype, norm_first, batched):
    tmod, ymod = layer_pair("TransformerEncoderLayer", dtype, dropout=0.0,
                            norm_first=norm_first)
    m = causal(S).astype(dtype)
    compare(lambda x: tmod(x, src_mask=torch.tensor(m)), lambda x: ymod(x, src_mask=m),
            [seq(S, batched=batched)], dtype, tmod, ymod)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_eval_with_dropout(norm_first):
    tmod, ymod = layer_pair("TransformerEncoderLayer", dropout=0.3, norm_first=norm_first)
    eval_both(tmod, ymod)
    compare(tmod, ymod, [seq(S)], np.float64, tmod, ymod)


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_train_dropout_one_is_deterministic(cls, norm_first):
    """dropout=1 zeroes every dropped branch, so training mode is exact against torch."""
    tmod, ymod = layer_pair(cls, dropout=1.0, norm_first=norm_first)
    arrays = [seq(T, seed=1)] + ([seq(S, seed=2)] if "Decoder" in cls else [])
    compare(tmod, ymod, arrays, np.float64, tmod, ymod)


def test_encoder_layer_dropout_statistics():
    """In training, each dropout of a dropout=p layer zeroes about a fraction p of its
    input (gelu's output is never exactly 0) and scales the rest by 1/(1-p)."""
    _, ymod = layer_pair("TransformerEncoderLayer", dropout=0.4, activation="gelu")
    seen = []
    ymod.dropout.register_forward_hook(lambda m, a, out: seen.append((a[0].data, out.data)))
    ya.manual_seed(0)
    for _ in range(10):
        ymod(seq(S))
    x, y = (np.stack(a) for a in zip(*seen))
    kept = y != 0
    assert np.mean(~kept) == pytest.approx(0.4, abs=0.04)
    np.testing.assert_allclose(y[kept], x[kept] / 0.6, rtol=1e-12)


# ---- decoder layer --------------------------------------------------------------------------
DEC_CASES = {
    "plain": ({}, {}),
    "norm_first": ({"norm_first": True}, {}),
    "gelu": ({"activation": "gelu", "norm_first": True}, {}),
    "no_bias": ({"bias": False}, {}),
    "tgt_mask": ({}, {"tgt_mask": "causal"}),
    "tgt_is_causal": ({}, {"tgt_mask": "causal", "tgt_is_causal": True}),
    "bool_tgt_mask": ({}, {"tgt_mask": "bool"}),
    "memory_mask": ({}, {"memory_mask": np.random.default_rng(1).standard_normal((T, S))}),
    "kpms": ({"norm_first": True}, {"tgt_key_padding_mask": "kpm_t",
                                    "memory_key_padding_mask": "kpm"}),
    "all": ({}, {"tgt_mask": "causal", "tgt_key_padding_mask": "kpm_t",
                 "memory_key_padding_mask": "kpm"}),
}


def dec_masks(fkw):
    out = make_masks({k: v for k, v in fkw.items() if not (isinstance(v, str) and
                                                           v == "kpm_t")}, T, np.float64)
    out.update({k: kpm(T) for k, v in fkw.items() if isinstance(v, str) and v == "kpm_t"})
    if "memory_key_padding_mask" in fkw:
        out["memory_key_padding_mask"] = kpm(S)
    return out


@pytest.mark.parametrize("case", list(DEC_CASES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer(case, batch_first):
    ckw, fkw = DEC_CASES[case]
    tmod, ymod = layer_pair("TransformerDecoderLayer", dropout=0.0, batch_first=batch_first,
                            **ckw)
    fkw = dec_masks(fkw)
    compare(lambda t, m: tmod(t, m, **torch_kw(fkw)), lambda t, m: ymod(t, m, **fkw),
            [seq(T, batch_first, seed=1), seq(S, batch_first, seed=2)], np.float64, tmod, ymod)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batched", [True, False])
def test_decoder_layer_dtypes_unbatched_eval(dtype, batched):
    tmod, ymod = layer_pair("TransformerDecoderLayer", dtype, dropout=0.2)
    eval_both(tmod, ymod)
    m = causal(T).astype(dtype)
    compare(lambda t, mem: tmod(t, mem, tgt_mask=torch.tensor(m)),
            lambda t, mem: ymod(t, mem, tgt_mask=m),
            [seq(T, batched=batched, seed=1), seq(S, batched=batched, seed=2)], dtype,
            tmod, ymod)


# ---- stacks and the full model --------------------------------------------------------------
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("is_causal", [None, True, False])
def test_encoder_and_decoder_stacks(norm_first, batch_first, is_causal):
    kw = dict(dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    tl, yl = layer_pair("TransformerEncoderLayer", **kw)
    tenc = tnn.TransformerEncoder(tl, 2, tnn.LayerNorm(D, dtype=torch.float64),
                                  enable_nested_tensor=False)
    yenc = nn.TransformerEncoder(yl, 2, nn.LayerNorm(D), enable_nested_tensor=False)
    load(tenc, yenc)
    m = causal(S)
    compare(lambda x: tenc(x, mask=torch.tensor(m), src_key_padding_mask=torch.tensor(kpm(S)),
                           is_causal=is_causal),
            lambda x: yenc(x, mask=m, src_key_padding_mask=kpm(S), is_causal=is_causal),
            [seq(S, batch_first)], np.float64, tenc, yenc)
    tl, yl = layer_pair("TransformerDecoderLayer", **kw)
    tdec, ydec = tnn.TransformerDecoder(tl, 2), nn.TransformerDecoder(yl, 2)
    load(tdec, ydec)
    m = causal(T)
    compare(lambda t, mem: tdec(t, mem, tgt_mask=torch.tensor(m), tgt_is_causal=is_causal),
            lambda t, mem: ydec(t, mem, tgt_mask=m, tgt_is_causal=is_causal),
            [seq(T, batch_first, seed=1), seq(S, batch_first, seed=2)], np.float64, tdec, ydec)


def model_pair(dtype=np.float64, **kw):
    torch.manual_seed(0)
    tm = tnn.Transformer(D, NH, 2, 2, FF, dtype=TDT[dtype], **kw)
    ym = nn.Transformer(D, NH, 2, 2, FF, dtype=dtype, **kw)
    load(tm, ym)
    return tm, ym


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [{"dropout": 0.0}, {"dropout": 0.0, "norm_first": True,
                                                   "activation": "gelu", "batch_first": True}])
def test_transformer(dtype, kw):
    tm, ym = model_pair(dtype, **kw)
    bf = kw.get("batch_first", False)
    m = causal(T).astype(dtype)
    masks = dict(tgt_mask=m, src_key_padding_mask=kpm(S), memory_key_padding_mask=kpm(S))
    compare(lambda s, t: tm(s, t, **torch_kw(masks)), lambda s, t: ym(s, t, **masks),
            [seq(S, bf, seed=1), seq(T, bf, seed=2)], dtype, tm, ym)


def test_transformer_unbatched_eval_and_errors():
    tm, ym = model_pair()
    eval_both(tm, ym)
    compare(tm, ym, [seq(S, batched=False, seed=1), seq(T, batched=False, seed=2)],
            np.float64, tm, ym)
    with pytest.raises(RuntimeError, match="batch number"):
        ym(rnd(S, 2, D), rnd(T, 3, D))
    with pytest.raises(RuntimeError, match="feature number"):
        ym(rnd(S, 2, D + 1), rnd(T, 2, D + 1))
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(D, NH, activation="tanh")


def test_state_dicts_load_both_ways():
    ya.manual_seed(1)
    ym = nn.Transformer(D, NH, 2, 1, FF, dropout=0.0)
    tm = tnn.Transformer(D, NH, 2, 1, FF, dropout=0.0, dtype=torch.float64)
    assert list(tm.state_dict()) == list(ym.state_dict())
    tm.load_state_dict({k: torch.tensor(v) for k, v in ym.state_dict().items()})
    compare(tm, ym, [seq(S, seed=1), seq(T, seed=2)], np.float64, tm, ym)
    names = [n for n, _ in ym.named_modules()]
    for want in ["encoder.layers.1.self_attn.out_proj", "encoder.norm", "decoder.norm",
                 "decoder.layers.0.multihead_attn", "decoder.layers.0.norm3",
                 "decoder.layers.0.dropout3", "encoder.layers.0.dropout2"]:
        assert want in names


def test_transformer_initialisation():
    ya.manual_seed(0)
    m = nn.Transformer(16, 2, 1, 1, 32)
    for name, p in m.named_parameters():
        d = p.data
        if d.ndim > 1:                   # xavier_uniform_ over every matrix
            bound = math.sqrt(6.0 / (d.shape[0] + d.shape[1]))
            assert np.abs(d).max() <= bound, name
            assert scipy.stats.kstest(d.ravel(), "uniform",
                                      args=(-bound, 2 * bound)).pvalue > 1e-4, name
        elif "norm" in name:
            assert np.all(d == (1.0 if name.endswith("weight") else 0.0)), name
        elif "in_proj_bias" in name or "out_proj.bias" in name:
            assert np.all(d == 0), name
        else:                            # Linear's bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
            fan_in = 16 if "linear1" in name else 32
            assert np.abs(d).max() <= 1 / math.sqrt(fan_in) and np.any(d != 0), name


def test_layers_are_deep_copies():
    layer = nn.TransformerEncoderLayer(D, NH, FF)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(enc.layers[1].linear1.weight.data, layer.linear1.weight.data)
    assert enc.num_layers == 2 and enc.norm is None


# ---- masks, causal detection, nested-tensor path --------------------------------------------
def test_generate_square_subsequent_mask():
    for n in (1, 4):
        close(nn.Transformer.generate_square_subsequent_mask(n),
              tnn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64))
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=np.float32).dtype == np.float32


def test_causal_detection_matches_torch():
    from yaae.nn.transformer import _detect_is_causal_mask
    from torch.nn.modules.transformer import _detect_is_causal_mask as t_detect
    for mask in [causal(4), causal(4).astype(np.float32), np.triu(np.ones((4, 4), bool), 1),
                 np.zeros((4, 4)), causal(3), None]:
        for hint in (None, True, False):
            tm = None if mask is None else torch.tensor(mask)
            assert _detect_is_causal_mask(mask, hint, 4) == t_detect(tm, hint, 4)


def test_nested_warning_and_flag():
    with pytest.warns(UserWarning, match="batch_first was not True"):
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF), 1)
    assert enc.use_nested_tensor is False
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF, batch_first=True), 1)
    assert enc.use_nested_tensor is True


@pytest.mark.parametrize("no_grad", [True, False])
def test_encoder_nested_inference_path_as_torch(no_grad):
    """Eval, batch_first, left-aligned padding, no gradient wanted: PyTorch returns 0
    at padded positions (before the final norm); with gradients, the ordinary values."""
    tl, yl = layer_pair("TransformerEncoderLayer", dropout=0.1, batch_first=True)
    tenc = tnn.TransformerEncoder(tl, 2, tnn.LayerNorm(D, dtype=torch.float64))
    yenc = nn.TransformerEncoder(yl, 2, nn.LayerNorm(D))
    load(tenc, yenc)
    eval_both(tenc, yenc)
    x, m = seq(S, True), kpm(S)
    if no_grad:
        with torch.no_grad():
            ot = tenc(torch.tensor(x), src_key_padding_mask=torch.tensor(m))
        with ya.no_grad():
            oy = yenc(x, src_key_padding_mask=m)
        close(oy, ot)
        close(oy.data[m], np.broadcast_to(yenc.norm.bias.data, (m.sum(), D)))
    else:
        compare(lambda x: tenc(x, src_key_padding_mask=torch.tensor(m)),
                lambda x: yenc(x, src_key_padding_mask=m), [x], np.float64, tenc, yenc)


# ---- forward mode ---------------------------------------------------------------------------
def test_encoder_layer_forward_mode_matches_torch_jvp():
    tmod, ymod = layer_pair("TransformerEncoderLayer", dropout=0.0, activation="gelu")
    x, tx = seq(S, seed=1), seq(S, seed=2)
    m = causal(S)
    with torch_math_sdpa():
        out_t, dot_t = torch.func.jvp(lambda a: tmod(a, src_mask=torch.tensor(m)),
                                      (torch.tensor(x),), (torch.tensor(tx),))
    out_y, dot_y = ya.jvp(lambda a: ymod(a, src_mask=m), (ya.Tensor(x),), (ya.Tensor(tx),))
    close(out_y, out_t)
    close(dot_y, dot_t)


def test_transformer_custom_encoder_and_decoder():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NH, FF, dropout=0.0), 1,
                                enable_nested_tensor=False)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NH, FF, dropout=0.0), 1)
    model = nn.Transformer(D, NH, custom_encoder=enc, custom_decoder=dec)
    assert model.encoder is enc and model.decoder is dec
    tm = tnn.Transformer(D, NH, dtype=torch.float64, dropout=0.0,
                         custom_encoder=tnn.TransformerEncoder(
                             tnn.TransformerEncoderLayer(D, NH, FF, dtype=torch.float64,
                                                         dropout=0.0), 1,
                             enable_nested_tensor=False),
                         custom_decoder=tnn.TransformerDecoder(
                             tnn.TransformerDecoderLayer(D, NH, FF, dtype=torch.float64,
                                                         dropout=0.0), 1))
    load(tm, model)
    compare(tm, model, [seq(S, seed=1), seq(T, seed=2)], np.float64, tm, model)
