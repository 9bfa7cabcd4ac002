"""Run under ``mpirun -n N python review_worker.py OUTDIR``: the scenarios of the
acceptance review of issue #13 (tests/test_review_ddp.py), written the way a
PyTorch / Horovod user writes them; every rank saves what it ends with to
OUTDIR/rank{R}.npz, the pytest side compares with single-process references.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import review_models as M  # noqa: E402
import yaae as ya  # noqa: E402

dist = ya.distributed
out = {}


def error_of(fn):
    try:
        fn()
    except Exception as e:      # recorded: the test side checks type and text
        return f"{type(e).__name__}: {e}"
    return "no error"


def train(kind, r, n, bucket_mb=25, dtype=None, opt_before=False, set_to_none=True,
          eval_at=None):
    """STEPS DDP steps on this rank's shard; returns the module and the wrapper."""
    model = M.make(kind, seed=M.seed_of(r), dtype=dtype)
    opt = M.optimizer(kind, M.trainable(model)) if opt_before else None
    ddp = dist.DistributedDataParallel(model, bucket_mb=bucket_mb)
    if opt is None:
        opt = M.optimizer(kind, [p for p in ddp.parameters() if p.requires_grad])
    X, Y = M.data(kind, n)
    Xe = M.data(kind, 1, seed=5)[0][0]
    if dtype is not None:
        X, Y, Xe = X.astype(dtype), Y.astype(dtype), Xe.astype(dtype)
    for s in range(M.STEPS):
        if set_to_none:
            opt.zero_grad()
        else:
            ddp.zero_grad(set_to_none=False)
        M.loss_fn(kind, ddp(M.shard(X[s], r)), M.shard(Y[s], r)).backward()
        opt.step()
        if eval_at == s:          # evaluation in the middle of training
            ddp.eval()
            with ya.no_grad():
                out[f"{kind}#eval"] = ddp(Xe).numpy()
            ddp.train()
    return model, ddp


def main(outdir):
    dist.init()
    dist.init()                   # twice: harmless
    r, n = dist.rank(), dist.world_size()
    out["world"] = np.array([r, n, int(dist.is_initialized())])

    # ---- 20 steps of models a user writes --------------------------------------
    runs = (("mlp", dict(opt_before=True, set_to_none=True, eval_at=9)),
            ("cnn", dict(set_to_none=False, bucket_mb=0.0005)),
            ("gru", dict(bucket_mb=0.0001)),
            ("tied", dict(bucket_mb=0.0001)),
            ("frozen", dict()))
    for kind, kw in runs:
        model, ddp = train(kind, r, n, **kw)
        for k, v in M.params(model).items():
            out[f"{kind}/{k}"] = v
        out[f"{kind}#buckets"] = np.array([len(b.params) for b in ddp._buckets])
        out[f"{kind}#sd_keys"] = np.array(list(ddp.state_dict().keys()))
        if kind == "mlp":
            mlp_ddp = ddp
    model, _ = train("mlp", r, n, dtype=np.float32, bucket_mb=0.0001)
    for k, v in M.params(model).items():
        out[f"f32/{k}"] = v

    # bucket_mb=0: one parameter per bucket (PyTorch accepts bucket_cap_mb=0)
    model, ddp = train("mlp", r, n, bucket_mb=0)
    out["zero_mb#buckets"] = np.array([len(b.params) for b in ddp._buckets])
    for k, v in M.params(model).items():
        out[f"zero_mb/{k}"] = v
    out["neg_mb#error"] = np.array(error_of(
        lambda: dist.DistributedDataParallel(M.make("mlp"), bucket_mb=-1)))

    # ---- checkpoint: rank 0 writes, every rank loads into a fresh model ------------
    path = os.path.join(outdir, "ckpt.npz")
    dist.save({"model": mlp_ddp.module.state_dict(), "step": M.STEPS}, path)
    ck = ya.load(path)
    fresh = M.make("mlp", seed=M.seed_of(r) + 7)
    fresh.load_state_dict(ck["model"])
    for k, v in M.params(fresh).items():
        out[f"ckpt/{k}"] = v
    out["ckpt#step"] = np.array(int(ck["step"]))
    # the wrapper's own state_dict round-trips ("module." prefix)
    wrapped = dist.DistributedDataParallel(M.make("mlp", seed=M.seed_of(r) + 9))
    wrapped.load_state_dict(mlp_ddp.state_dict())
    for k, v in M.params(wrapped.module).items():
        out[f"ckpt_ddp/{k}"] = v

    # ---- gradient accumulation: 3 micro-batches, the first 2 under no_sync -----------
    model = M.make("mlp", seed=M.seed_of(r))
    ddp = dist.DistributedDataParallel(model, bucket_mb=0.0001)
    opt = M.optimizer("mlp", ddp.parameters())
    X, Y = M.data("mlp", n, steps=15, seed=3)
    for s in range(5):
        opt.zero_grad()
        for m in range(3):
            x, y = M.shard(X[3 * s + m], r), M.shard(Y[3 * s + m], r)
            if m < 2:
                with ddp.no_sync():
                    M.loss_fn("mlp", ddp(x), y).backward()
            else:
                M.loss_fn("mlp", ddp(x), y).backward()
        opt.step()
    for k, v in M.params(model).items():
        out[f"accum/{k}"] = v

    # ---- unequal per-rank batch sizes: rank r has 2 + r rows -----------------------
    model = M.make("mlp", seed=M.seed_of(r))
    ddp = dist.DistributedDataParallel(model)
    X, Y = M.data("mlp", n, steps=1, seed=4)
    lo = sum(2 + q for q in range(r))
    M.loss_fn("mlp", ddp(X[0][lo:lo + 2 + r]), Y[0][lo:lo + 2 + r]).backward()
    out["unequal#grads"] = M.flat_grads(model)

    # ---- find_unused_parameters=True, a parameter used outside the forward ---------
    class Head(ya.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = ya.nn.Linear(5, 3)
            self.aux = ya.nn.Linear(3, 3)      # only in a regularizer, not in forward

        def forward(self, x):
            return self.body(x)

    X, Y = M.data("mlp", n, steps=1, seed=6)
    for order in ("before", "after"):
        ya.manual_seed(0)
        model = Head()
        ddp = dist.DistributedDataParallel(model, find_unused_parameters=True)

        def step():
            if order == "before":
                reg = (model.aux.weight ** 2).sum()
                loss = M.loss_fn("mlp", ddp(M.shard(X[0], r)), M.shard(Y[0], r)) + reg
            else:
                loss = M.loss_fn("mlp", ddp(M.shard(X[0], r)), M.shard(Y[0], r))
                loss = loss + (model.aux.weight ** 2).sum()
            loss.backward()
        out[f"outside_{order}#error"] = np.array(error_of(step))
        # the next step (the regularizer dropped) runs normally
        model.zero_grad()
        M.loss_fn("mlp", ddp(M.shard(X[0], r)), M.shard(Y[0], r)).backward()
        out[f"outside_{order}#next_aux_none"] = np.array(model.aux.weight.grad is None)
        out[f"outside_{order}#next_grad"] = model.body.weight.grad.numpy()

    # ---- unfreezing after wrapping: refused (the gradient would stay per rank) ------
    model = M.make("frozen", seed=M.seed_of(r))
    ddp = dist.DistributedDataParallel(model)
    for p in model.feat.parameters():
        p.requires_grad = True
    X, Y = M.data("frozen", n, steps=1, seed=9)
    out["unfreeze#error"] = np.array(error_of(
        lambda: M.loss_fn("frozen", ddp(M.shard(X[0], r)), M.shard(Y[0], r)).backward()))
    ddp = dist.DistributedDataParallel(model)          # wrapped again: all four reduced
    model.zero_grad()
    M.loss_fn("frozen", ddp(M.shard(X[0], r)), M.shard(Y[0], r)).backward()
    out["unfreeze#grads"] = M.flat_grads(model)

    # ---- float16 parameters (MPI has no float16: reduced in float32) ---------------
    ya.manual_seed(0)
    lin = ya.nn.Linear(5, 3, dtype=np.float16)
    ddp = dist.DistributedDataParallel(lin)
    X, Y = M.data("mlp", n, steps=1, seed=8)
    M.loss_fn("mlp", ddp(M.shard(X[0], r).astype(np.float16)),
              M.shard(Y[0], r).astype(np.float16)).backward()
    out["f16#grad"] = lin.weight.grad.numpy()

    # ---- allreduce on what users pass ---------------------------------------------
    base = np.arange(6).reshape(2, 3) * (r + 1) + r
    for dt in ("int32", "int64", "uint8", "float16", "float32", "float64", "complex64"):
        out[f"ar/{dt}/sum"] = dist.allreduce(base.astype(dt), op="sum")
        if dt[0] in "fc":
            out[f"ar/{dt}/mean"] = dist.allreduce(base.astype(dt), op="mean")
    out["ar/0d"] = dist.allreduce(np.float64(r + 0.25), op="mean")
    out["ar/scalar"] = np.asarray(dist.allreduce(r + 1, op="sum"))
    big = np.arange(24.0).reshape(4, 6) * (r + 1)
    view = big[::2, 1::2]                      # non-contiguous
    out["ar/noncontig"] = dist.allreduce(view, op="sum")
    out["ar/noncontig#kept"] = np.array(np.array_equal(view, (np.arange(24.0).reshape(4, 6)
                                                              * (r + 1))[::2, 1::2]))
    out["ar/fortran"] = dist.allreduce(np.asfortranarray(big), op="mean")
    out["ar/default_op"] = dist.allreduce(base.astype(float))       # default: mean
    t = dist.allreduce(ya.tensor(base.astype(float)), op="sum")
    out["ar/tensor"] = t.numpy()
    out["ar/tensor#type"] = np.array(type(t).__name__)
    out["ar/badop#error"] = np.array(error_of(lambda: dist.allreduce(base, op="max")))

    # ---- broadcast_parameters: parameters AND buffers from rank 0 ------------------
    ya.manual_seed(7 + r)
    m = ya.nn.Sequential(ya.nn.Linear(3, 4), ya.nn.BatchNorm1d(4), ya.nn.Linear(4, 2))
    m[1].running_mean.data[:] = r + 0.5
    m[1].running_var.data[:] = r + 2.0
    m[1].num_batches_tracked.data[...] = 3 * r
    dist.broadcast_parameters(m)
    for k, v in m.state_dict().items():
        out[f"bcast/{k}"] = np.array(v)
    dist.barrier()

    np.savez(os.path.join(outdir, f"rank{r}.npz"), **out)
    dist.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
