"""Run under ``mpirun -n N python worker.py OUTDIR``: every DDP / collective
scenario of tests/test_distributed.py, each rank writing what it ends with to
OUTDIR/rank{R}.npz (the pytest side compares with single-process references).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import yaae as ya  # noqa: E402

dist = ya.distributed
out = {}


def ddp_train(kind, bucket_mb=25, find_unused=False, dtype=None, probe=False):
    """Train ``kind`` with DDP from a rank-dependent init (rank 0's wins by broadcast)."""
    r, n = dist.rank(), dist.world_size()
    model = C.make(kind, seed=0 if r == 0 else 100 + r, dtype=dtype)
    ddp = dist.DistributedDataParallel(model, bucket_mb=bucket_mb,
                                       find_unused_parameters=find_unused)
    X, Y = C.data(kind, n)
    seen = []
    if probe:   # how many buckets had started when the walk reached fc1's output
        model.probe = lambda: seen.append(ddp._next)
    if kind == "partly":
        def loss(s):
            return C.loss_fn(ddp(C.shard(X[s], r), C.uses_extra(r)), C.shard(Y[s], r))
    else:
        def loss(s):
            return C.loss_fn(ddp(C.shard(X[s], r)), C.shard(Y[s], r))
    C.train(ddp, kind, X, Y, loss)
    return model, ddp, seen


def main(outdir):
    dist.init()
    r, n = dist.rank(), dist.world_size()
    out["world"] = np.array([r, n])

    # 20 steps, one bucket (the default 25 MiB) / several buckets, MLP and conv net
    for tag, kind, mb in (("mlp", "mlp", 25), ("mlpb", "mlp", 0.0001), ("conv", "conv", 0.001)):
        model, ddp, seen = ddp_train(kind, bucket_mb=mb, probe=(tag == "mlpb"))
        for k, v in C.params(model).items():
            out[f"{tag}/{k}"] = v
        out[f"{tag}#buckets"] = np.array(len(ddp._buckets))
        if seen:
            out[f"{tag}#started_at_fc1"] = np.array(seen)
        out[f"{tag}#sd_keys"] = np.array(sorted(ddp.state_dict().keys()))

    # float32 parameters stay float32
    model, ddp, _ = ddp_train("mlp", bucket_mb=0.0001, dtype=np.float32)
    out["f32#dtypes"] = np.array([str(p.grad.dtype) for p in model.parameters()])
    for k, v in C.params(model).items():
        out[f"f32/{k}"] = v

    # a parameter without a gradient, find_unused_parameters=False: an error naming it
    model = C.make("partly")
    ddp = dist.DistributedDataParallel(model)
    X, Y = C.data("partly", n)
    try:
        C.loss_fn(ddp(C.shard(X[0], r), True), C.shard(Y[0], r)).backward()
        out["unused#error"] = np.array("no error")
    except RuntimeError as e:
        out["unused#error"] = np.array(str(e))

    # without 'never', 'extra' used on rank 0 only: every rank raises (none is left
    # waiting for the others), naming the ranks that missed it; the next step runs
    model = C.make("partly")
    model.never = None
    ddp = dist.DistributedDataParallel(model)
    try:
        C.loss_fn(ddp(C.shard(X[0], r), C.uses_extra(r)), C.shard(Y[0], r)).backward()
        out["unused_some#error"] = np.array("no error")
    except RuntimeError as e:
        out["unused_some#error"] = np.array(str(e))
    model.zero_grad()
    C.loss_fn(ddp(C.shard(X[1], r), True), C.shard(Y[1], r)).backward()
    out["unused_some#after"] = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])

    # find_unused_parameters=True: 'extra' used on rank 0 only, 'never' nowhere
    model, ddp, _ = ddp_train("partly", bucket_mb=0.0002, find_unused=True)
    for k, v in C.params(model).items():
        out[f"partly/{k}"] = v
    out["partly#grad_none"] = np.array(sorted(k for k, p in model.named_parameters()
                                              if p.grad is None))

    # no_sync (accumulate locally), then a synced backward; then a second backward
    # through the same graph (retain_graph) without a new forward
    model = C.make("mlp")
    ddp = dist.DistributedDataParallel(model, bucket_mb=0.0001)
    X, Y = C.data("mlp", n)
    with ddp.no_sync():
        C.loss_fn(ddp(C.shard(X[0], r)), C.shard(Y[0], r)).backward()
    out["nosync#local"] = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
    loss = C.loss_fn(ddp(C.shard(X[1], r)), C.shard(Y[1], r))
    loss.backward(retain_graph=True)
    out["nosync#synced"] = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
    loss.backward()
    out["nosync#twice"] = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])

    # allreduce on arrays and tensors, dtype kept
    base = np.arange(6.0).reshape(2, 3) * (r + 1)
    for dt in ("float64", "float32", "complex128"):
        a = (base + (1j * r if dt.startswith("complex") else 0)).astype(dt)
        for op in ("sum", "mean"):
            res = dist.allreduce(a, op=op)
            out[f"ar/{dt}/{op}"] = res
            out[f"ar/{dt}/{op}#input_kept"] = np.array(np.array_equal(a, (base + (
                1j * r if dt.startswith("complex") else 0)).astype(dt)))
            t = dist.allreduce(ya.tensor(a), op=op)
            out[f"ar/{dt}/{op}#tensor"] = np.array(isinstance(t, ya.Tensor) and t.dtype == a.dtype)
            out[f"ar/{dt}/{op}#tensor_val"] = t.numpy()
    out["ar/int64/sum"] = dist.allreduce(np.arange(4, dtype=np.int64) * (r + 1), op="sum")
    # differentiable: L_r = sum(w_r * y) + sum(y ** 2), y = allreduce(x_r)
    for op in ("sum", "mean"):
        x = ya.tensor(np.linspace(-1, 1, 5) * (r + 1), requires_grad=True)
        w = np.cos(np.arange(5) + r)
        y = dist.allreduce(x, op=op)
        ((ya.tensor(w) * y).sum() + (y ** 2).sum()).backward()
        out[f"ad/{op}/grad"] = x.grad.numpy()
        out[f"ad/{op}/y"] = y.numpy()

    # broadcast_parameters from the last rank, buffers included, .data identity kept
    ya.manual_seed(7 + r)
    m = ya.nn.Sequential(ya.nn.Linear(3, 2), ya.nn.BatchNorm1d(2))
    m[1].running_mean.data[:] = r + 0.5
    arrays = [t._data for t in list(m.parameters()) + list(m.buffers())]
    dist.broadcast_parameters(m, root=n - 1)
    out["bcast#same_arrays"] = np.array(all(a is t._data for a, t in zip(
        arrays, list(m.parameters()) + list(m.buffers()))))
    for k, v in m.state_dict().items():
        out[f"bcast/{k}"] = np.array(v)

    # DDP broadcasts rank 0's buffers before every forward (broadcast_buffers=True)
    m = ya.nn.Sequential(ya.nn.Linear(3, 2), ya.nn.BatchNorm1d(2)).eval()
    ddp = dist.DistributedDataParallel(m)
    m[1].running_var.data[:] = r + 2.0
    y = ddp(ya.ones((2, 3)))
    out["bbuf/running_var"] = np.array(m[1].running_var)
    out["bbuf/y"] = y.numpy()

    # save on rank 0, load on every rank right after
    path = os.path.join(outdir, "ckpt.npz")
    dist.save({"w": ya.tensor(np.arange(3.0) + r), "rank": r}, path)
    ck = ya.load(path)
    out["ckpt/w"] = np.array(ck["w"])
    out["ckpt/rank"] = np.array(ck["rank"])

    np.savez(os.path.join(outdir, f"rank{r}.npz"), **out)
    dist.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
