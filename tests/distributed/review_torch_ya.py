"""Run under ``mpirun -n N python review_torch_ya.py OUTDIR`` after review_torch_ref.py
wrote OUTDIR/init/: review_torch_programs.py with yaae's DistributedDataParallel, every
model starting from the state_dict torch's rank r built; what rank r ends with goes to
OUTDIR/yaae_rank{r}.npz.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import review_torch_programs as P  # noqa: E402
import yaae as ya  # noqa: E402
import yaae.data  # noqa: E402

dist = ya.distributed


class YaaeBackend:
    name = "yaae"
    nn = ya.nn
    F = ya.nn.functional
    optim = ya.optim
    clip = staticmethod(ya.nn.utils.clip_grad_norm_)
    no_grad = staticmethod(ya.no_grad)
    DistributedSampler = ya.data.DistributedSampler
    DataLoader = ya.data.DataLoader
    TensorDataset = ya.data.TensorDataset

    def __init__(self, outdir):
        self.rank, self.n = dist.rank(), dist.world_size()
        self.outdir = outdir
        self.classes = P.models(self)

    @staticmethod
    def t(a):
        return ya.tensor(np.array(a))

    @staticmethod
    def a(t):
        return np.array(t.detach() if isinstance(t, ya.Tensor) else t)

    @staticmethod
    def is_tensor(v):
        return isinstance(v, ya.Tensor)

    def build(self, key, kind):
        m = self.classes[kind]()
        init = np.load(os.path.join(self.outdir, "init", f"{key}_rank{self.rank}.npz"))
        m.load_state_dict({k: init[k] for k in init.files})
        return m

    @staticmethod
    def DDP(module, **kw):
        return dist.DistributedDataParallel(module, **kw)

    @staticmethod
    def grad(y, x, **kw):
        return ya.autograd.grad(y, x, **kw)

    @staticmethod
    def allreduce(a, op):
        return dist.allreduce(a, op=op)

    @staticmethod
    def barrier():
        dist.barrier()

    @staticmethod
    def save(obj, path):
        dist.save(obj, path)

    @staticmethod
    def load(path):
        return ya.load(path)


def main(outdir):
    dist.init()
    rec = P.run_all(YaaeBackend(outdir), outdir)
    np.savez(os.path.join(outdir, f"yaae_rank{dist.rank()}.npz"), **rec)
    dist.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
