"""Samples for the elementwise family (``yaae/ops/elementwise.py``)."""
import torch

from . import Sample, add, rand, randn, pos

add("sin", Sample(randn(3, 4), torch=torch.sin, order2=True),
    Sample(randn(20, 15), torch=torch.sin))
