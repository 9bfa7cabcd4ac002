"""Recurrent layers with PyTorch's names, signatures, parameter names/shapes, gate
order and initialisation: ``RNNCell``, ``LSTMCell``, ``GRUCell``, ``RNN``, ``LSTM``,
``GRU``.

Built from yaae's differentiable ops (``F.linear``, ``tanh``, ``sigmoid``,
``relu``, ``stack``, ``concatenate``), so they work in every differentiation
mode.  The input projection ``x @ W_ih^T + b_ih`` is one matmul per layer and
direction for the whole sequence; the loop over time only does the hidden
projection and the gate arithmetic.
"""
import math
import numbers
import warnings

import numpy as np

from .. import ops
from ..tensor import Tensor, get_default_dtype
from .module import Module, Parameter
from . import functional as F
from . import init

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _pos_int(cls, name, value, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{cls}: {name} should be of type int, got: {type(value).__name__}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{cls}: {name} must be greater than zero, got {value}")
    return value


def _zeros(shape, dtype):
    return Tensor(np.zeros(shape, dtype=dtype), dtype=dtype)


def _slice(t, k, H):
    """Gate ``k`` (size H) of the last axis of ``t``."""
    return t[..., k * H:(k + 1) * H]


# ---- one time step (gi = x W_ih^T + b_ih already computed) ---------------------------------
def _step_rnn(mode, gi, state, w_hh, b_hh, H):
    pre = gi + F.linear(state, w_hh, b_hh)
    return ops.tanh(pre) if mode == "RNN_TANH" else ops.relu(pre)


def _step_lstm(gi, state, w_hh, b_hh, H):
    h, c = state
    g = gi + F.linear(h, w_hh, b_hh)
    i = ops.sigmoid(_slice(g, 0, H))
    f = ops.sigmoid(_slice(g, 1, H))
    gg = ops.tanh(_slice(g, 2, H))
    o = ops.sigmoid(_slice(g, 3, H))
    c = f * c + i * gg
    h = o * ops.tanh(c)
    return h, c


def _step_gru(gi, h, w_hh, b_hh, H):
    gh = F.linear(h, w_hh, b_hh)
    r = ops.sigmoid(_slice(gi, 0, H) + _slice(gh, 0, H))
    z = ops.sigmoid(_slice(gi, 1, H) + _slice(gh, 1, H))
    n = ops.tanh(_slice(gi, 2, H) + r * _slice(gh, 2, H))
    return (1.0 - z) * n + z * h


def _step(mode, gi, state, w_hh, b_hh, H):
    if mode == "LSTM":
        return _step_lstm(gi, state, w_hh, b_hh, H)
    if mode == "GRU":
        return _step_gru(gi, state, w_hh, b_hh, H)
    return _step_rnn(mode, gi, state, w_hh, b_hh, H)


def _check_hidden(name, hx, expected):
    if tuple(hx.shape) != tuple(expected):
        raise RuntimeError(f"Expected {name} size {tuple(expected)}, got {tuple(hx.shape)}")


# ---- cells ----------------------------------------------------------------------------------

def _reset_uniform(m):
    """PyTorch's initialisation of every recurrent weight and bias: U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    stdv = 1.0 / math.sqrt(m.hidden_size) if m.hidden_size > 0 else 0
    for w in m.parameters():
        init.uniform_(w, -stdv, stdv)

class _RNNCellBase(Module):
    _mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = _pos_int(name, "input_size", input_size, allow_zero=True)
        self.hidden_size = _pos_int(name, "hidden_size", hidden_size, allow_zero=True)
        self.bias = bias
        dt = _dtype(dtype)
        G = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((G, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((G, self.hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty((G,), dtype=dt))
            self.bias_hh = Parameter(np.empty((G,), dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input):
        input = F._t(input)
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.ndim == 2
        if not batched:
            input = ops.expand_dims(input, 0)
        return input, batched

    def _hx(self, hx, input, batched):
        N = input.shape[0]
        if hx is None:
            return _zeros((N, self.hidden_size), input.dtype)
        hx = F._t(hx)
        if not batched:
            if hx.ndim != 1:
                raise RuntimeError(f"{type(self).__name__}: Expected hidden to be 1D for "
                                   f"unbatched input, got {hx.ndim}D instead")
            hx = ops.expand_dims(hx, 0)
        _check_hidden("hidden", hx, (N, self.hidden_size))
        return hx

    def _run(self, input, state):
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        return _step(self._mode, gi, state, self.weight_hh, self.bias_hh, self.hidden_size)


class RNNCell(_RNNCellBase):
    """An Elman RNN cell: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    ``RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')``: as
    ``torch.nn.RNNCell``: ``cell(input, hx=None)`` with input (N, H_in) or (H_in,).

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> h = cell(ya.ones((3, 10)))
        >>> cell(ya.ones((3, 10)), h).shape
        (3, 20)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        h = self._run(input, self._hx(hx, input, batched))
        return h if batched else h[0]


class LSTMCell(_RNNCellBase):
    """A long short-term memory cell (gates i, f, g, o); returns ``(h', c')``.

    ``LSTMCell(input_size, hidden_size, bias=True)``: as ``torch.nn.LSTMCell``:
    ``cell(input, (h, c)=None)``.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(ya.ones((3, 10)))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """
    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        if hx is None:
            h = c = _zeros((input.shape[0], self.hidden_size), input.dtype)
        else:
            h, c = hx
            h, c = self._hx(h, input, batched), self._hx(c, input, batched)
        h, c = self._run(input, (h, c))
        return (h, c) if batched else (h[0], c[0])


class GRUCell(_RNNCellBase):
    """A gated recurrent unit cell (gates r, z, n).

    ``GRUCell(input_size, hidden_size, bias=True)``: as ``torch.nn.GRUCell``:
    ``cell(input, hx=None)``.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> cell(ya.ones((3, 10))).shape
        (3, 20)
    """
    _mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        h = self._run(input, self._hx(hx, input, batched))
        return h if batched else h[0]


# ---- multi-layer sequence modules -----------------------------------------------------------
class _RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _pos_int(name, "input_size", input_size, allow_zero=True)
        self.hidden_size = _pos_int(name, "hidden_size", hidden_size)
        self.num_layers = _pos_int(name, "num_layers", num_layers)
        self.bias = bias
        self.batch_first = batch_first
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Number)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        D = 2 if bidirectional else 1
        G = _GATES[mode] * self.hidden_size
        dt = _dtype(dtype)
        self._flat_weights_names = []
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else self.hidden_size * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes = [("weight_ih", (G, in_size)), ("weight_hh", (G, self.hidden_size))]
                if bias:
                    shapes += [("bias_ih", (G,)), ("bias_hh", (G,))]
                for pname, shape in shapes:
                    setattr(self, pname + sfx, Parameter(np.empty(shape, dtype=dt)))
                    self._flat_weights_names.append(pname + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
        get = lambda n: getattr(self, n + sfx) if self.bias or "weight" in n else None  # noqa
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _hidden_arg(self, hx, name, N, batched, dtype):
        D = 2 if self.bidirectional else 1
        shape = (self.num_layers * D, N, self.hidden_size)
        if hx is None:
            return _zeros(shape, dtype)
        hx = F._t(hx)
        if not batched:
            if hx.ndim != 2:
                raise RuntimeError(f"For unbatched 2-D input, {name} should also be 2-D but "
                                   f"got {hx.ndim}-D tensor")
            hx = ops.expand_dims(hx, 1)
        elif hx.ndim != 3:
            raise RuntimeError(f"For batched 3-D input, {name} should also be 3-D but got "
                               f"{hx.ndim}-D tensor")
        _check_hidden(name, hx, shape)
        return hx

    def forward(self, input, hx=None):
        input = F._t(input)
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        batched = input.ndim == 3
        if not batched:
            x = ops.expand_dims(input, 1)                    # (L, 1, H_in)
        elif self.batch_first:
            x = ops.transpose(input, (1, 0, 2))              # (L, N, H_in)
        else:
            x = input
        L, N = x.shape[0], x.shape[1]
        lstm = self.mode == "LSTM"
        if lstm:
            if hx is None:
                h0 = c0 = None
            else:
                h0, c0 = hx
            h0 = self._hidden_arg(h0, "hx[0]", N, batched, x.dtype)
            c0 = self._hidden_arg(c0, "hx[1]", N, batched, x.dtype)
        else:
            h0 = self._hidden_arg(hx, "hx", N, batched, x.dtype)
        D = 2 if self.bidirectional else 1
        H = self.hidden_size
        h_n, c_n = [], []
        layer_in = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_in = F.dropout(layer_in, self.dropout, training=True)
            outs = []
            for d in range(D):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, d)
                gi = F.linear(layer_in, w_ih, b_ih)          # (L, N, G): one matmul
                k = layer * D + d
                state = (h0[k], c0[k]) if lstm else h0[k]
                steps = range(L - 1, -1, -1) if d == 1 else range(L)
                seq = [None] * L
                for t in steps:
                    state = _step(self.mode, gi[t], state, w_hh, b_hh, H)
                    seq[t] = state[0] if lstm else state
                if L == 0:
                    outs.append(_zeros((0, N, H), x.dtype))
                else:
                    outs.append(ops.stack(seq, axis=0))
                if lstm:
                    h_n.append(state[0])
                    c_n.append(state[1])
                else:
                    h_n.append(state)
            layer_in = outs[0] if D == 1 else ops.concatenate(outs, axis=-1)
        output = layer_in
        h_n = ops.stack(h_n, axis=0)
        if lstm:
            c_n = ops.stack(c_n, axis=0)
        if not batched:
            output = output[:, 0]
            h_n = h_n[:, 0]
            if lstm:
                c_n = c_n[:, 0]
        elif self.batch_first:
            output = ops.transpose(output, (1, 0, 2))
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(_RNNBase):
    """A multi-layer Elman RNN (tanh or relu); returns ``(output, h_n)``.

    ``RNN(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: as ``torch.nn.RNN``: input (L, N, H_in)
    (``batch_first``: (N, L, H_in)) or (L, H_in);
    parameter names ``weight_ih_l0``, ... as PyTorch, so state dicts load across.

    Example::

        >>> rnn = nn.RNN(10, 20, num_layers=2)
        >>> out, h_n = rnn(ya.ones((5, 3, 10)))
        >>> out.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """A multi-layer LSTM (gates i, f, g, o); returns ``(output, (h_n, c_n))``.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: as ``torch.nn.LSTM``: input (L, N, H_in)
    (``batch_first``: (N, L, H_in)) or (L, H_in);
    parameter names ``weight_ih_l0``, ... as PyTorch, so state dicts load across.

    Example::

        >>> rnn = nn.LSTM(10, 20, num_layers=2)
        >>> out, (h_n, c_n) = rnn(ya.ones((5, 3, 10)))
        >>> out.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        if proj_size:
            raise NotImplementedError("LSTM: proj_size is not supported by yaae")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)


class GRU(_RNNBase):
    """A multi-layer GRU (gates r, z, n); returns ``(output, h_n)``.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: as ``torch.nn.GRU``: input (L, N, H_in)
    (``batch_first``: (N, L, H_in)) or (L, H_in);
    parameter names ``weight_ih_l0``, ... as PyTorch, so state dicts load across.

    Example::

        >>> rnn = nn.GRU(10, 20, num_layers=2)
        >>> out, h_n = rnn(ya.ones((5, 3, 10)))
        >>> out.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)
