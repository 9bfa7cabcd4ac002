"""Run under ``mpirun -n N python crash.py``: rank 1 raises in the middle of a DDP
training step (after its forward, before its backward) while the other ranks go on
into backward and wait for rank 1's gradients.  The job must exit non-zero with
rank 1's error on stderr, not hang."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import yaae as ya  # noqa: E402

dist = ya.distributed
dist.init()
r, n = dist.rank(), dist.world_size()
ddp = dist.DistributedDataParallel(C.make("mlp"))
X, Y = C.data("mlp", n)
for s in range(3):
    loss = C.loss_fn(ddp(C.shard(X[s], r)), C.shard(Y[s], r))
    if s == 1 and r == 1:
        raise ValueError("rank 1 exploded mid-step (test)")
    loss.backward()
print(f"rank {r}: unreachable after the crash", flush=True)
