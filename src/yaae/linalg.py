"""``yaae.linalg``: norm (vector ords 1, 2, inf, -inf, p; Frobenius; matrix 1 and
inf), inv, det and solve, differentiable in every mode and order."""
from . import ops
from .api import _public

norm = _public(ops.norm)
inv = _public(ops.inv)
det = _public(ops.det)
solve = _public(ops.solve)

__all__ = ["norm", "inv", "det", "solve"]
