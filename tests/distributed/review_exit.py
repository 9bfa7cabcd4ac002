"""Run under ``mpirun -n 2 python -m mpi4py review_exit.py``: rank 1 calls
``sys.exit(3)`` while rank 0 waits in a collective; the job must end with code 3
(the launch the ya.distributed docstring recommends for this case)."""
import sys

import yaae as ya

dist = ya.distributed
dist.init()
if dist.rank() == 1:
    sys.exit(3)
dist.barrier()
print("rank 0 passed the barrier (unreachable)", flush=True)
