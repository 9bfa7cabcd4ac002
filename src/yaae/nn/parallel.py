"""``ya.nn.parallel.DistributedDataParallel``: PyTorch's place for the data-parallel
wrapper; the one defined in ``ya.distributed`` (see there)."""
from ..distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
