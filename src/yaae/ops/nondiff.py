"""NumPy callables that are not differentiated: the single list.

* ``defnondiff``: their results carry no derivative (booleans, integers,
  indices, shapes, ``*_like``): they run on the data.  ``public=True`` also
  makes ``ya.NAME`` (a Tensor result).
* ``refuse``: yaae cannot differentiate them and will not run them on a
  Tensor; the message says what to do instead.

Every other NumPy callable is either answered by an op (``numpy=`` in its
declaration) or refused with the generic message; ``tests/test_namespace.py``
walks NumPy's namespaces and checks each one is classified.
"""
import numpy as np

from .registry import defnondiff, refuse

# (``public``: also ``ya.NAME``, returning a Tensor)
defnondiff(np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
           np.argmax, np.argmin, np.argsort, np.isfinite, np.isnan, np.isinf,
           np.logical_and, np.logical_or, np.logical_not, public=True)
defnondiff(np.logical_xor, np.signbit, np.shape, np.ndim, np.size, np.result_type,
           np.allclose, np.isclose, np.array_equal, np.array_equiv, np.argwhere, np.nonzero,
           np.count_nonzero, np.any, np.all, np.iscomplexobj, np.isrealobj, np.shares_memory,
           np.may_share_memory, np.searchsorted, np.unique, np.zeros_like, np.ones_like,
           np.empty_like, np.full_like, np.array_repr, np.array_str, np.array2string,
           np.histogram, np.bincount, np.digitize, np.isin)
