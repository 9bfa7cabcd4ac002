"""arrays family (being written)."""
import numpy as np

from ..tensor import _data
from .registry import defop, defcomposite
