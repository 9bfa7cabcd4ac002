"""``yaae.nn``: PyTorch-style modules, layers and losses built on yaae's primitives.

Everything here is composed from yaae's differentiable ops, so every layer
works in reverse mode, forward mode (``ya.jvp``) and at higher order.  Names,
signatures, defaults, parameter shapes and ``state_dict`` keys follow PyTorch.
"""
from .module import Module, Parameter
from . import init
from . import functional
from .layers import (Identity, Linear, BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm,
                     Dropout, Embedding, Flatten, Unflatten, Sequential, ModuleList,
                     ModuleDict, ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus,
                     Softmax, LogSoftmax, MSELoss, L1Loss, SmoothL1Loss, HuberLoss,
                     CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
                     GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, Upsample,
                     UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle,
                     Dropout1d, Dropout2d, CosineSimilarity)
from .conv import Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d
from .rnn import RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU
from .attention import MultiheadAttention
from .transformer import (TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
                          TransformerDecoder, Transformer)
from . import utils

__all__ = [
    "Module", "Parameter", "init", "functional", "utils",
    "Identity", "Linear", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm",
    "Dropout", "Embedding", "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict",
    "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Softmax",
    "LogSoftmax", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss",
    "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
    "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
    "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
    "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "Upsample",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
    "Dropout1d", "Dropout2d", "CosineSimilarity",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
]
