"""One rank of the torch.distributed reference job of tests/test_review_ddp_torch.py:
``RANK=r WORLD_SIZE=n python review_torch_ref.py OUTDIR`` (the test starts one process
per rank; they meet through a FileStore in OUTDIR, backend gloo, CPU).  Runs
review_torch_programs.py with torch's DistributedDataParallel, writes every model's
initial state_dict to OUTDIR/init/ (the yaae job starts from it) and what rank r ends
with to OUTDIR/torch_rank{r}.npz.
"""
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import review_torch_programs as P  # noqa: E402

# every model's own seed (plus the rank): the ranks start from different weights
SEEDS = {k: i for i, k in enumerate(
    ["toy", "net", "mlp", "nosync", "bn", "drop", "unused1", "unused0", "ckpt", "ckpt2", "ckpt3",
     "sampler0", "sampler1", "strict", "bnown", "siamese", "bninit", "noinit", "heads", "fwd",
     "unsync", "bare", "gan_g", "gan_d", "multi"], start=1)}


class TorchBackend:
    name = "torch"
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    clip = staticmethod(torch.nn.utils.clip_grad_norm_)
    no_grad = staticmethod(torch.no_grad)
    DistributedSampler = torch.utils.data.distributed.DistributedSampler
    DataLoader = torch.utils.data.DataLoader
    TensorDataset = torch.utils.data.TensorDataset

    def __init__(self, outdir):
        self.rank, self.n = dist.get_rank(), dist.get_world_size()
        self.outdir = outdir
        self.classes = P.models(self)

    @staticmethod
    def t(a):
        return torch.from_numpy(np.array(a))

    @staticmethod
    def a(t):
        return t.detach().numpy().copy() if isinstance(t, torch.Tensor) else np.asarray(t)

    @staticmethod
    def is_tensor(v):
        return isinstance(v, torch.Tensor)

    def build(self, key, kind):
        torch.manual_seed(1000 * SEEDS[key] + self.rank)
        m = self.classes[kind]()
        np.savez(os.path.join(self.outdir, "init", f"{key}_rank{self.rank}.npz"),
                 **{k: self.a(v) for k, v in m.state_dict().items()})
        return m

    @staticmethod
    def DDP(module, **kw):
        return torch.nn.parallel.DistributedDataParallel(module, **kw)

    @staticmethod
    def grad(y, x, **kw):
        return torch.autograd.grad(y, x, **kw)

    def allreduce(self, a, op):
        t = torch.from_numpy(np.array(a))
        dist.all_reduce(t)                  # gloo has no AVG: the sum, then / n
        return (t / self.n if op == "mean" else t).numpy()

    @staticmethod
    def barrier():
        dist.barrier()

    def save(self, obj, path):
        if self.rank == 0:
            torch.save(obj, path)
        dist.barrier()

    @staticmethod
    def load(path):
        return torch.load(path)


def main(outdir):
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    r, n = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    dist.init_process_group("gloo", init_method=f"file://{os.path.join(outdir, 'store')}",
                            rank=r, world_size=n)
    os.makedirs(os.path.join(outdir, "init"), exist_ok=True)
    rec = P.run_all(TorchBackend(outdir), outdir)
    np.savez(os.path.join(outdir, f"torch_rank{r}.npz"), **rec)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
