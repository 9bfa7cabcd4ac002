"""Run under ``mpirun -n N python review_crash.py MODE``: one rank raises in the
middle of DDP training while the others carry on into their next collective; the
job must exit non-zero with that rank's error shown, not hang.

MODE ``backward``: the last rank raises inside its backward (a tensor hook),
while the others wait for its gradients; ``step``: rank 0 raises in its second
optimizer step, while the others run the next forward and backward."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import review_models as M  # noqa: E402
import yaae as ya  # noqa: E402

dist = ya.distributed
dist.init()
r, n = dist.rank(), dist.world_size()
mode = sys.argv[1]
model = M.make("mlp", seed=M.seed_of(r))
ddp = dist.DistributedDataParallel(model, bucket_mb=0.0001)
opt = M.optimizer("mlp", ddp.parameters())
X, Y = M.data("mlp", n)
bad = n - 1 if mode == "backward" else 0


def explode(g):
    raise ArithmeticError(f"review: rank {r} failed inside backward")


for s in range(4):
    opt.zero_grad()
    h = ddp(M.shard(X[s], r))
    if mode == "backward" and s == 1 and r == bad:
        h.register_hook(explode)
    M.loss_fn("mlp", h, M.shard(Y[s], r)).backward()
    if mode == "step" and s == 1 and r == bad:
        raise KeyError(f"review: rank {r} failed in its optimizer step")
    opt.step()
print(f"rank {r}: finished 4 steps (unreachable)", flush=True)
