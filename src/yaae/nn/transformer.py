"""Transformer layers with PyTorch's names, signatures, submodule names (so
state_dicts load both ways) and semantics: ``TransformerEncoderLayer``,
``TransformerEncoder``, ``TransformerDecoderLayer``, ``TransformerDecoder`` and
``Transformer``.

Composed from ``MultiheadAttention``, ``Linear``, ``LayerNorm`` and ``Dropout``,
so every differentiation mode works.  Masks follow ``MultiheadAttention``: a bool
mask is True where a position is **masked out**, a float mask is added.
PyTorch's inference fast paths are not separate code here; the one place where
they change the values is reproduced: ``TransformerEncoder`` in eval mode, with
no gradient wanted and a left-aligned ``src_key_padding_mask``, returns zeros
(before the final ``norm``) at padded positions, as PyTorch's nested-tensor path.
"""
import copy
import warnings

import numpy as np

from ..tensor import Tensor, _data, get_default_dtype, is_grad_enabled
from .. import ops
from .module import Module
from .layers import Linear, LayerNorm, Dropout, ModuleList, ReLU, GELU
from .attention import MultiheadAttention, _canonical_mask, _none_or_dtype
from . import functional as F
from . import init

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
    return Tensor(np.triu(np.full((sz, sz), -np.inf), k=1).astype(dt), dtype=dt)


def _get_seq_len(src, batch_first):
    shape = np.shape(_data(src))
    if len(shape) == 2:
        return shape[0]
    return shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """PyTorch's rule: ``is_causal`` if given, else whether ``mask`` equals the causal
    mask (compared in the mask's own dtype)."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        m = np.asarray(_data(mask))
        sz = size if size is not None else m.shape[-2]
        causal = np.triu(np.full((sz, sz), -np.inf), k=1).astype(m.dtype)
        make_causal = m.shape == causal.shape and bool(np.all(m == causal))
    return make_causal


def _get_clones(module, N):
    return ModuleList([copy.deepcopy(module) for _ in range(N)])


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _relu_or_gelu(activation):
    """PyTorch's ``activation_relu_or_gelu`` flag: 1 relu, 2 gelu, 0 anything else."""
    if activation is F.relu or isinstance(activation, ReLU):
        return 1
    if activation is F.gelu or isinstance(activation, GELU):
        return 2
    return 0


class _LayerBase(Module):
    """What the encoder and decoder layers share: the attention/feed-forward blocks."""

    _norms = 2          # norm1..normN and dropout1..dropoutN
    _cross = False      # a second attention (over the encoder's memory)

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = dict(dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, **kw)
        if self._cross:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in range(1, self._norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                dtype=dtype))
        for i in range(1, self._norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        self.activation_relu_or_gelu = _relu_or_gelu(activation)
        self.activation = activation

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


class TransformerEncoderLayer(_LayerBase):
    """Self-attention and a feed-forward network, each in a residual block with LayerNorm.

    ``TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation=F.relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True, device=None, dtype=None)``; ``activation`` is ``"relu"``, ``"gelu"`` or a
    callable.  ``norm_first=True`` normalises before each block (pre-LN), otherwise
    after the residual sum (post-LN).  Submodules: ``self_attn``, ``linear1``,
    ``dropout``, ``linear2``, ``norm1``, ``norm2``, ``dropout1``, ``dropout2``.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``; masks
    as ``MultiheadAttention`` (bool True = masked out).  ``is_causal=True`` is a hint
    that ``src_mask`` is the causal mask, which is then applied as causal.

    >>> import numpy as np, yaae as ya
    >>> layer = ya.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(ya.Tensor(np.ones((3, 5, 8)))).shape
    (3, 5, 8)
    """

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """One encoder layer on ``src`` ((S, N, E), (N, S, E) with batch_first, or (S, E)).

        >>> import numpy as np, yaae as ya
        >>> layer = ya.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
        >>> layer(ya.Tensor(np.ones((5, 4)))).shape
        (5, 4)
        """
        src = F._t(src)
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               _none_or_dtype(src_mask), "src_mask", src.dtype)
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype,
                                   check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _ff_block(self, x):
        return self.dropout2(self._ff(x))


class TransformerDecoderLayer(_LayerBase):
    """Self-attention, attention over the encoder's ``memory``, and a feed-forward
    network, each in a residual block with LayerNorm.

    ``TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation=F.relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True, device=None, dtype=None)``.  Submodules: ``self_attn``,
    ``multihead_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``..``norm3``,
    ``dropout1``..``dropout3``.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)``.

    >>> import numpy as np, yaae as ya
    >>> layer = ya.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> tgt, mem = ya.Tensor(np.ones((4, 2, 8))), ya.Tensor(np.ones((6, 2, 8)))
    >>> layer(tgt, mem).shape
    (4, 2, 8)
    """

    _norms = 3
    _cross = True

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """One decoder layer on ``tgt`` attending to ``memory``.

        >>> import numpy as np, yaae as ya
        >>> layer = ya.nn.TransformerDecoderLayer(4, 2, dim_feedforward=8)
        >>> layer(ya.Tensor(np.ones((3, 4))), ya.Tensor(np.ones((5, 4)))).shape
        (3, 4)
        """
        x = F._t(tgt)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self._ff(x))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then ``norm`` if given.

    ``TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True)``; the layers are ``layers.0``, ``layers.1``, ...  As PyTorch, it
    warns when ``enable_nested_tensor`` is True but the layer cannot use the nested
    path (then ``use_nested_tensor`` is False).

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``:
    ``is_causal=None`` detects whether ``mask`` is the causal mask.  In eval mode with
    no gradient wanted (``ya.no_grad()`` or no input/parameter requiring grad), a
    left-aligned bool ``src_key_padding_mask`` and no ``mask``, the padded positions of
    the output are 0 before ``norm``, as PyTorch's nested-tensor path returns them.

    >>> import numpy as np, yaae as ya
    >>> layer = ya.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> enc = ya.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    >>> enc(ya.Tensor(np.ones((5, 3, 8)))).shape
    (5, 3, 8)
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run ``src`` through every layer (same masks for each), then ``norm``.

        >>> import numpy as np, yaae as ya
        >>> enc = ya.nn.TransformerEncoder(ya.nn.TransformerEncoderLayer(4, 2, 8), 1,
        ...                                enable_nested_tensor=False)
        >>> enc(ya.Tensor(np.ones((5, 2, 4)))).shape
        (5, 2, 4)
        """
        src = F._t(src)
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               _none_or_dtype(mask), "mask", src.dtype)
        mask = _canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        batch_first = self.layers[0].self_attn.batch_first
        padded = self._nested_padding(src, mask, src_key_padding_mask)
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if padded is not None:
            output = ops.where(~padded[..., None], output, np.zeros((), output.dtype))
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _nested_padding(self, src, mask, key_padding_mask):
        """The (N, S) bool padding whose outputs PyTorch's nested path zeroes, or None."""
        first = self.layers[0]
        if (not getattr(self, "use_nested_tensor", False) or first.training or src.ndim != 3
                or key_padding_mask is None or mask is not None):
            return None
        padded = np.isneginf(_data(key_padding_mask))
        if self.mask_check and not _left_aligned(~padded):
            return None
        wants_grad = any(getattr(t, "requires_grad", False) for t in
                         (src, *first.self_attn.parameters(), *first.norm1.parameters(),
                          *first.norm2.parameters(), *first.linear1.parameters(),
                          *first.linear2.parameters()))
        if is_grad_enabled() and wants_grad:
            return None
        return padded


def _left_aligned(keep):
    """Each row of ``keep`` is some Trues followed only by Falses."""
    return bool(np.all(keep[:, :-1] | ~keep[:, 1:])) if keep.shape[1] > 1 else True


def _why_not_nested(layer):
    """PyTorch's reason why ``layer`` cannot run on the nested-tensor path ('' if it can)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True"
                f"(use batch_first for better inference performance)")
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then ``norm`` if given.

    ``TransformerDecoder(decoder_layer, num_layers, norm=None)``;
    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``, where
    ``tgt_is_causal=None`` detects whether ``tgt_mask`` is the causal mask.

    >>> import numpy as np, yaae as ya
    >>> dec = ya.nn.TransformerDecoder(ya.nn.TransformerDecoderLayer(8, 2, 16), 2)
    >>> dec(ya.Tensor(np.ones((4, 2, 8))), ya.Tensor(np.ones((6, 2, 8)))).shape
    (4, 2, 8)
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Run ``tgt`` through every layer (each attending to ``memory``), then ``norm``.

        >>> import numpy as np, yaae as ya
        >>> dec = ya.nn.TransformerDecoder(ya.nn.TransformerDecoderLayer(4, 2, 8), 1)
        >>> dec(ya.Tensor(np.ones((3, 4))), ya.Tensor(np.ones((5, 4)))).shape
        (3, 4)
        """
        output = F._t(tgt)
        seq_len = _get_seq_len(output, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer (PyTorch's ``nn.Transformer``).

    ``Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
    custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True, device=None, dtype=None)``.  Submodules ``encoder`` and ``decoder``
    (each with a final LayerNorm ``norm``); every parameter with more than one
    dimension is re-initialised with ``xavier_uniform_``, as PyTorch.

    ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``.

    >>> import numpy as np, yaae as ya
    >>> model = ya.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
    ...                           num_decoder_layers=1, dim_feedforward=16)
    >>> src, tgt = ya.Tensor(np.ones((6, 2, 8))), ya.Tensor(np.ones((4, 2, 8)))
    >>> mask = ya.nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(src, tgt, tgt_mask=mask).shape
    (4, 2, 8)
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias)

        def stack(custom, layer_cls, stack_cls, num_layers):
            if custom is not None:
                return custom
            return stack_cls(layer_cls(*args, dtype=dtype), num_layers,
                             LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))

        self.encoder = stack(custom_encoder, TransformerEncoderLayer, TransformerEncoder,
                             num_encoder_layers)
        self.decoder = stack(custom_decoder, TransformerDecoderLayer, TransformerDecoder,
                             num_decoder_layers)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encode ``src``, then decode ``tgt`` attending to the encoding.

        >>> import numpy as np, yaae as ya
        >>> model = ya.nn.Transformer(4, 2, 1, 1, 8)
        >>> model(ya.Tensor(np.ones((5, 4))), ya.Tensor(np.ones((3, 4)))).shape
        (3, 4)
        """
        src, tgt = F._t(src), F._t(tgt)
        is_batched = src.ndim == 3
        b = 0 if self.batch_first else 1
        if is_batched and src.shape[b] != tgt.shape[b]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The ``(sz, sz)`` causal float mask: 0 on and below the diagonal, -inf above.

        ``dtype`` defaults to yaae's default dtype (float64; PyTorch's is float32).

        >>> import yaae as ya
        >>> ya.nn.Transformer.generate_square_subsequent_mask(3).data[0].tolist()
        [0.0, -inf, -inf]
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
