"""Attention with PyTorch's names, signatures and mask conventions:
``scaled_dot_product_attention`` (also ``F.scaled_dot_product_attention``),
``multi_head_attention_forward`` and ``MultiheadAttention``.

Everything is composed from yaae's differentiable ops (``matmul``, ``softmax``,
``where``, ``F.linear``, ``F.dropout``), so reverse mode, forward mode
(``ya.jvp``) and higher orders all work.  Masks may be NumPy arrays or yaae
Tensors; a float mask that requires grad is differentiated through.

The two mask conventions are PyTorch's, and they are opposite:

* ``scaled_dot_product_attention``: a bool ``attn_mask`` is True where a
  position **takes part**;
* ``MultiheadAttention`` (``attn_mask`` and ``key_padding_mask``) and the
  Transformer layers: a bool mask is True where a position is **masked out**.

A float mask is added to the attention scores in both.
"""
import math
import warnings

import numpy as np

from .. import ops
from ..tensor import Tensor, _data, get_default_dtype
from .module import Module, Parameter
from .layers import Linear
from . import functional as F
from . import init

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "MultiheadAttention"]


# ---- masks ----------------------------------------------------------------------------------
def _mask_dtype(mask):
    """The dtype of a mask (Tensor, ndarray, or anything np.asarray takes)."""
    return mask.dtype if isinstance(mask, Tensor) else np.asarray(_data(mask)).dtype


def _bool_mask(mask):
    """A bool mask as a NumPy array of bools (constant: a bool mask has no gradient)."""
    return np.asarray(_data(mask), dtype=bool)


def _neg_inf(dtype):
    return np.asarray(-np.inf, dtype=dtype)


def _float_mask(mask, dtype):
    """A float mask as a Tensor of ``dtype`` (differentiable when ``mask`` is a Tensor)."""
    mask = F._t(mask)
    return mask if mask.dtype == dtype else ops.astype(mask, dtype)


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """PyTorch's ``F._canonical_mask``: a bool mask (True = masked out) becomes a float
    mask of ``target_type`` holding ``-inf`` where True and 0 elsewhere; a float mask is
    returned as a Tensor of ``target_type`` (PyTorch raises on a float mask of another
    dtype; here a float64 ``generate_square_subsequent_mask`` given to a float32 model
    keeps the result float32 on every path); other dtypes raise AssertionError."""
    if mask is None:
        return None
    dt = _mask_dtype(mask)
    if dt != np.bool_ and dt.kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and dt != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      f"Use same type for both instead.", stacklevel=3)
    if dt == np.bool_:
        b = _bool_mask(mask)
        return Tensor(np.where(b, _neg_inf(target_type), np.zeros((), target_type)),
                      dtype=target_type)
    return _float_mask(mask, target_type)


def _none_or_dtype(mask):
    return None if mask is None else _mask_dtype(mask)


def _safe_softmax(scores):
    """Softmax over the last axis, with 0 (not NaN) for rows whose every score is -inf:
    PyTorch's ``_safe_softmax``, used by ``scaled_dot_product_attention``."""
    dead = np.all(np.isneginf(scores.data), axis=-1, keepdims=True)
    if not dead.any():
        return ops.softmax(scores, axis=-1)
    zero = np.zeros((), scores.dtype)
    return ops.where(dead, zero, ops.softmax(ops.where(dead, zero, scores), axis=-1))


# ---- scaled dot-product attention -----------------------------------------------------------
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key^T * scale + bias) @ value`` with PyTorch's semantics.

    ``query`` is ``(..., L, E)``, ``key`` ``(..., S, E)``, ``value`` ``(..., S, Ev)``; the
    leading (batch) dimensions broadcast and the result is ``(..., L, Ev)``.

    * ``attn_mask``: a bool mask is True where a query/key pair **takes part** (False
      adds ``-inf``); a float mask is added to the scores.  It broadcasts against
      ``(..., L, S)``.
    * ``is_causal``: query ``i`` sees keys ``j <= i`` (top-left aligned when L != S); it
      cannot be combined with ``attn_mask`` (RuntimeError, as PyTorch).
    * ``scale``: defaults to ``1 / sqrt(E)``.
    * ``dropout_p``: dropout on the attention weights, applied whenever ``dropout_p > 0``
      (there is no training flag, as in PyTorch); drawn from yaae's generator
      (``ya.manual_seed``), so the pattern differs from PyTorch's.
    * ``enable_gqa``: grouped-query attention; key/value heads (dim -3) are repeated to
      the number of query heads, which they must divide.

    A row whose every key is masked gives 0, as PyTorch's (it is not NaN).

    >>> import numpy as np, yaae as ya
    >>> import yaae.nn.functional as F
    >>> q = ya.Tensor(np.ones((2, 3, 4)))
    >>> F.scaled_dot_product_attention(q, q, q, is_causal=True).shape
    (2, 3, 4)
    """
    q, k, v = F._t(query), F._t(key), F._t(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {q.ndim} key.dim: {k.ndim} and value.dim: "
                           f"{v.ndim} instead.")
    if not q.dtype == k.dtype == v.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {q.dtype} key.dtype: {k.dtype} and value.dtype: "
                           f"{v.dtype} instead.")
    if q.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected floating-point query, key "
                           f"and value, got dtype {q.dtype}; convert them with .astype")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: shapes do not fit: query "
                           f"{tuple(q.shape)} (..., L, E), key {tuple(k.shape)} (..., S, E), "
                           f"value {tuple(v.shape)} (..., S, Ev)")
    if enable_gqa:
        k, v = _repeat_kv(q, k, "key"), _repeat_kv(q, v, "value")
    L, S = q.shape[-2], k.shape[-2]
    scale_factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = ops.matmul(q, ops.swapaxes(k, -2, -1)) * np.asarray(scale_factor, q.dtype)
    if is_causal:
        scores = ops.where(np.tril(np.ones((L, S), dtype=bool)), scores, _neg_inf(q.dtype))
    elif attn_mask is not None:
        dt = _mask_dtype(attn_mask)
        if dt == np.bool_:
            scores = ops.where(_bool_mask(attn_mask), scores, _neg_inf(q.dtype))
        elif dt.kind == "f":
            scores = scores + _float_mask(attn_mask, q.dtype)
        else:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {dt} and  query.dtype: "
                               f"{q.dtype} instead.")
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, v)


def _repeat_kv(q, t, name):
    """Grouped-query attention: repeat the heads (dim -3) of ``t`` to match ``q``'s."""
    if q.ndim < 3 or t.ndim < 3:
        raise RuntimeError(f"scaled_dot_product_attention: enable_gqa=True needs a heads "
                           f"dimension (-3) in query {tuple(q.shape)} and {name} "
                           f"{tuple(t.shape)}")
    hq, hk = q.shape[-3], t.shape[-3]
    if hk == 0 or hq % hk:
        raise RuntimeError("Number of heads in key and value must divide the number of heads "
                           f"in query (query has {hq}, {name} has {hk})")
    return t if hq == hk else ops.repeat(t, hq // hk, axis=-3)


# ---- multi-head attention -------------------------------------------------------------------
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's checks of the MHA input ranks; returns whether the input is batched."""
    d = query.ndim
    if d not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{d}-D query tensor")
    kind = "batched (3-D)" if d == 3 else "unbatched (2-D)"
    if key.ndim != d or value.ndim != d:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {d}-D but "
                             f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
    kpm_nd = None if key_padding_mask is None else np.ndim(_data(key_padding_mask))
    if kpm_nd is not None and kpm_nd != d - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{d - 1}-D but found {kpm_nd}-D tensor instead")
    am_shape = None if attn_mask is None else tuple(np.shape(_data(attn_mask)))
    if am_shape is not None and len(am_shape) not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                             f"3-D but found {len(am_shape)}-D tensor instead")
    expected = (num_heads, query.shape[0], key.shape[0])
    if d == 2 and am_shape is not None and len(am_shape) == 3 and am_shape != expected:
        raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {am_shape}")
    return d == 3


def _in_projection(query, key, value, w_q, w_k, w_v, b_q, b_k, b_v, same_qk, same_kv):
    """The three input projections; one matmul when query, key and value are one tensor."""
    if same_qk and same_kv and w_q.shape == w_k.shape == w_v.shape:
        w = ops.concatenate([w_q, w_k, w_v], axis=0)
        b = None if b_q is None else ops.concatenate([b_q, b_k, b_v], axis=0)
        E = w_q.shape[0]
        proj = F.linear(query, w, b)
        return proj[..., :E], proj[..., E:2 * E], proj[..., 2 * E:]
    return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)


def _pad_last(mask):
    """``F.pad(mask, (0, 1))``: one zero column appended to the last axis."""
    zeros = np.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype)
    return ops.concatenate([mask, zeros], axis=-1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """PyTorch's ``F.multi_head_attention_forward``: sequence-first multi-head attention.

    ``query`` is ``(L, N, E)`` or unbatched ``(L, E)``; ``key``/``value`` ``(S, N, *)`` or
    ``(S, *)``.  Masks follow ``MultiheadAttention`` (bool True = masked out, float added):
    ``attn_mask`` ``(L, S)`` or ``(N*num_heads, L, S)``, ``key_padding_mask`` ``(N, S)`` or
    ``(S,)``; they are merged by addition exactly as PyTorch does.  Returns
    ``(attn_output, attn_weights)``; the weights are None unless ``need_weights``, and are
    averaged over heads when ``average_attn_weights``.  With ``need_weights=False`` the
    attention runs through ``scaled_dot_product_attention`` (a fully masked row gives 0);
    with ``need_weights=True`` through an explicit softmax (a fully masked row gives NaN),
    as in PyTorch.

    Example (self-attention, 2 heads; ``w`` holds the packed (3E, E) projection)::

        out, w = multi_head_attention_forward(x, x, x, 4, 2, w, b, None, None, False,
                                              0.0, wo, bo, training=False)
    """
    same_qk, same_kv = query is key, key is value
    query, key, value = F._t(query), F._t(key), F._t(value)
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = (ops.expand_dims(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = _unsqueeze0(key_padding_mask)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None          # the SDPA call below applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, "
                             f"but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     f"is None")
        ws = (F._t(q_proj_weight), F._t(k_proj_weight), F._t(v_proj_weight))
    else:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                                 f"{tuple(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w = F._t(in_proj_weight)
        ws = (w[:embed_dim], w[embed_dim:2 * embed_dim], w[2 * embed_dim:])
    if in_proj_bias is None:
        bs = (None, None, None)
    else:
        b = F._t(in_proj_bias)
        bs = (b[:embed_dim], b[embed_dim:2 * embed_dim], b[2 * embed_dim:])
    q, k, v = _in_projection(query, key, value, *ws, *bs, same_qk, same_kv)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
            attn_mask = ops.expand_dims(attn_mask, 0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = ops.concatenate([k, ops.broadcast_to(F._t(bias_k), (1, bsz, embed_dim))], axis=0)
        v = ops.concatenate([v, ops.broadcast_to(F._t(bias_v), (1, bsz, embed_dim))], axis=0)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = ops.swapaxes(ops.reshape(q, (tgt_len, bsz * num_heads, head_dim)), 0, 1)
    k = _heads("static_k", k, static_k, bsz * num_heads, head_dim)
    v = _heads("static_v", v, static_v, bsz * num_heads, head_dim)

    if add_zero_attn:
        zeros = np.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)
        k = ops.concatenate([k, zeros], axis=1)
        v = ops.concatenate([v, zeros.astype(v.dtype)], axis=1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:
        for i, want in enumerate((bsz, src_len)):
            if key_padding_mask.shape[i] != want:
                raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {want}, but "
                                     f"got {key_padding_mask.shape[i]}")
        kpm = ops.broadcast_to(ops.reshape(key_padding_mask, (bsz, 1, 1, src_len)),
                               (bsz, num_heads, 1, src_len))
        kpm = ops.reshape(kpm, (bsz * num_heads, 1, src_len))
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        scores = ops.matmul(q * np.asarray(math.sqrt(1.0 / float(head_dim)), q.dtype),
                            ops.swapaxes(k, -2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = ops.softmax(scores, axis=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p)
        out = ops.matmul(weights, v)
        out = ops.reshape(ops.swapaxes(out, 0, 1), (tgt_len * bsz, embed_dim))
        out = F.linear(out, out_proj_weight, out_proj_bias)
        out = ops.reshape(out, (tgt_len, bsz, out.shape[-1]))
        weights = ops.reshape(weights, (bsz, num_heads, tgt_len, src_len))
        if average_attn_weights:
            weights = ops.mean(weights, axis=1)
        if not is_batched:
            out, weights = out[:, 0], weights[0]
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = ops.expand_dims(attn_mask, 0)
        else:
            attn_mask = ops.reshape(attn_mask, (bsz, num_heads, -1, src_len))
    q = ops.reshape(q, (bsz, num_heads, tgt_len, head_dim))
    k = ops.reshape(k, (bsz, num_heads, src_len, head_dim))
    v = ops.reshape(v, (bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = ops.reshape(ops.transpose(out, (2, 0, 1, 3)), (bsz * tgt_len, embed_dim))
    out = F.linear(out, out_proj_weight, out_proj_bias)
    out = ops.reshape(out, (tgt_len, bsz, out.shape[-1]))
    if not is_batched:
        out = out[:, 0]
    return out, None


def _unsqueeze0(mask):
    return ops.expand_dims(mask, 0) if isinstance(mask, Tensor) else np.asarray(mask)[None]


def _heads(name, t, static, bh, head_dim):
    """``(S, N, E)`` -> ``(N*heads, S, head_dim)``, or the given static key/value."""
    if static is None:
        return ops.swapaxes(ops.reshape(t, (t.shape[0], bh, head_dim)), 0, 1)
    static = F._t(static)
    if static.shape[0] != bh:
        raise AssertionError(f"expecting {name}.size(0) of {bh}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got "
                             f"{static.shape[2]}")
    return static


class MultiheadAttention(Module):
    """Multi-head attention (PyTorch's ``nn.MultiheadAttention``).

    ``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None)``.

    Parameters have PyTorch's names, shapes and initialisation, so state_dicts load
    both ways: ``in_proj_weight`` ``(3E, E)`` (or ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight`` when ``kdim``/``vdim`` differ from ``embed_dim``), ``in_proj_bias``
    ``(3E,)``, ``out_proj`` (a ``Linear(E, E)``), and ``bias_k``/``bias_v`` ``(1, 1, E)``
    with ``add_bias_kv``.  In-projections are ``xavier_uniform_``, ``in_proj_bias`` and
    ``out_proj.bias`` zeros, ``bias_k``/``bias_v`` ``xavier_normal_``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)``
    (weights None when ``need_weights=False``).  Bool masks are True where a position is
    **masked out** (the opposite of ``scaled_dot_product_attention``); float masks are
    added.  Inputs are ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or unbatched
    ``(L, E)``.  ``is_causal`` is only a hint and needs ``attn_mask``, as in PyTorch.
    Dropout on the attention weights is active in training mode only and draws from
    yaae's generator.  yaae always runs PyTorch's general path; PyTorch's inference fast
    path (eval, no grad, batch-first self-attention) gives the same values to rounding,
    except for a query whose every key is masked: 0 here (after ``out_proj``, its bias)
    with ``need_weights=False``, NaN on that fast path.

    >>> import numpy as np, yaae as ya
    >>> mha = ya.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = ya.Tensor(np.ones((3, 5, 8)))
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")

        def empty(*shape):
            return Parameter(np.empty(shape, dtype=dt))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attend from ``query`` to ``key``/``value``; returns ``(attn_output, attn_weights)``.

        See the class docstring for shapes and mask conventions.

        >>> import numpy as np, yaae as ya
        >>> mha = ya.nn.MultiheadAttention(4, 2)
        >>> x = ya.Tensor(np.ones((5, 4)))          # unbatched (L, E)
        >>> mha(x, x, x, need_weights=False)[0].shape
        (5, 4)
        """
        is_batched = np.ndim(_data(query)) == 3
        qdtype = F._t(query).dtype
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                           _none_or_dtype(attn_mask), "attn_mask", qdtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", qdtype,
                                    check_other=False)
        if self.batch_first and is_batched:
            same_qk, same_kv = query is key, key is value
            query, key, value = (ops.swapaxes(F._t(t), 0, 1) for t in (query, key, value))
            if same_kv:
                value = key
                if same_qk:
                    query = key
        separate = not self._qkv_same_embed_dim
        attn_output, attn_weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and is_batched:
            attn_output = ops.swapaxes(attn_output, 0, 1)
        return attn_output, attn_weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """PyTorch's ``merge_masks``: ``(merged_mask, mask_type)`` for batch-first
        self-attention, with ``mask_type`` 1 (key padding only), 2 (attn_mask given) or
        None.  Masks are expected canonical (float).

        >>> import numpy as np, yaae as ya
        >>> mha = ya.nn.MultiheadAttention(4, 2, batch_first=True)
        >>> mha.merge_masks(None, None, ya.Tensor(np.ones((1, 3, 4))))
        (None, None)
        """
        mask_type, merged = None, None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = F._t(query).shape
            mask_type = 2
            attn_mask = F._t(attn_mask)
            if attn_mask.ndim == 3:
                expanded = ops.reshape(attn_mask, (batch_size, -1, seq_len, seq_len))
            else:
                expanded = ops.broadcast_to(ops.reshape(attn_mask, (1, 1, seq_len, seq_len)),
                                            (batch_size, self.num_heads, seq_len, seq_len))
            merged = expanded
            if key_padding_mask is not None:
                kpm = ops.reshape(F._t(key_padding_mask), (batch_size, 1, 1, seq_len))
                merged = expanded + ops.broadcast_to(kpm, (batch_size, self.num_heads, 1,
                                                           seq_len))
        return merged, mask_type
