"""The training programs of tests/test_review_ddp_torch.py, written ONCE against a
backend ``B`` and run twice: by review_torch_ref.py with torch.distributed's own
DistributedDataParallel (gloo, one process per rank) and by review_torch_ya.py
with yaae's (under mpirun).  Only the backend differs (tensor <-> ndarray,
the DDP class, save/load, barrier); the programs are the ones a PyTorch user
writes: the DDP tutorial's ToyModel, a Horovod-style MNIST loop, AdamW with
parameter groups + a scheduler + clip_grad_norm_, no_sync accumulation,
BatchNorm with broadcast_buffers, eval through the wrapper, find_unused_parameters,
checkpoints, DistributedSampler + DataLoader.

Every rank records what it ends with in ``rec`` (a flat dict of ndarrays); each
rank writes its own file, the test compares rank by rank with torch's.
Initial weights: the torch job builds every model with a rank-dependent
``torch.manual_seed`` and writes its state_dict (before DDP wraps it); the yaae
job loads it (torch -> yaae through state_dict), so rank 0's broadcast is checked too.
"""
import contextlib

import numpy as np

NONE = np.array("None")


def data(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


def labels(seed, k, *shape):
    return np.random.default_rng(seed).integers(0, k, size=shape)


def models(B):
    """The model classes, built on ``B.nn`` / ``B.F`` (torch's or yaae's)."""
    nn, F = B.nn, B.F

    class ToyModel(nn.Module):          # the PyTorch DDP tutorial's
        def __init__(self):
            super().__init__()
            self.net1 = nn.Linear(10, 10)
            self.relu = nn.ReLU()
            self.net2 = nn.Linear(10, 5)

        def forward(self, x):
            return self.net2(self.relu(self.net1(x)))

    class Net(nn.Module):               # Horovod's PyTorch MNIST example, on 14x14 images
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=3)
            self.conv2 = nn.Conv2d(4, 6, kernel_size=3)
            self.fc1 = nn.Linear(24, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2(x), 2))
            x = x.reshape(x.shape[0], -1)
            x = F.relu(self.fc1(x))
            return F.log_softmax(self.fc2(x), dim=1)

    class BNNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(6, 8)
            self.bn = nn.BatchNorm1d(8)
            self.fc2 = nn.Linear(8, 3)

        def forward(self, x):
            return self.fc2(F.relu(self.bn(self.fc1(x))))

    class Partly(nn.Module):
        """``extra`` used only when asked, ``never`` never."""

        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.extra = nn.Linear(8, 8)
            self.never = nn.Linear(8, 8)
            self.fc2 = nn.Linear(8, 2)

        def forward(self, x, use_extra):
            h = F.relu(self.fc1(x))
            if use_extra:
                h = h + F.relu(self.extra(h))
            return self.fc2(h)

    class TwoHeads(nn.Module):
        """A trunk and two heads; the output is a dict."""

        def __init__(self):
            super().__init__()
            self.trunk = nn.Linear(4, 8)
            self.main = nn.Linear(8, 2)
            self.aux = nn.Linear(8, 3)

        def forward(self, x):
            h = F.relu(self.trunk(x))
            return {"main": self.main(h), "aux": self.aux(h)}

    def mlp():
        return nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 12), nn.Tanh(),
                             nn.Linear(12, 3))

    def dropnet():
        return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.5), nn.Linear(12, 3))

    class Multi(nn.Module):
        """Every path uses every parameter: ``(a, {"b": b})`` is returned, ``c`` is only
        stored as an attribute (a loss built from it does not go through the output)."""

        def __init__(self):
            super().__init__()
            self.net1 = nn.Linear(4, 6)
            self.net2 = nn.Linear(6, 3)

        def forward(self, x):
            h = F.relu(self.net1(x))
            self.c = self.net2(2.0 * h)
            return self.net2(h), {"b": self.net2(0.5 * h)}

    def disc():
        return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))

    return dict(toy=ToyModel, net=Net, bn=BNNet, partly=Partly, mlp=mlp, drop=dropnet,
                heads=TwoHeads, multi=Multi, disc=disc)


# ---- recording -------------------------------------------------------------------
def put_params(B, rec, key, module):
    for k, v in module.state_dict().items():
        rec[f"{key}/{k}"] = B.a(v)


def put_grads(B, rec, key, module):
    for k, p in module.named_parameters():
        rec[f"{key}/{k}#grad"] = NONE if p.grad is None else B.a(p.grad)


def put_buffers(B, rec, key, module):
    for k, b in module.named_buffers():
        rec[f"{key}/{k}"] = B.a(b)


def _num(v):
    return np.asarray(v, dtype=float)


def put_optim(B, rec, key, opt):
    sd = opt.state_dict()
    for i, st in sd["state"].items():
        rec[f"{key}/state/{i}#keys"] = np.array(sorted(st))
        for k, v in st.items():
            rec[f"{key}/state/{i}/{k}"] = _num(B.a(v) if B.is_tensor(v) else v)
    for j, g in enumerate(sd["param_groups"]):
        rec[f"{key}/group/{j}#keys"] = np.array(sorted(g))
        for k, v in g.items():
            if v is not None and not isinstance(v, str):
                rec[f"{key}/group/{j}/{k}"] = _num(v)


# ---- the programs ------------------------------------------------------------------
def toy(B, rec):
    """The DDP tutorial: ToyModel, MSELoss, SGD (momentum, nesterov, weight decay)."""
    r, n = B.rank, B.n
    model = B.build("toy", "toy")
    ddp = B.DDP(model)
    put_params(B, rec, "toy/init", model)
    rec["toy#ddp_names"] = np.array([k for k, _ in ddp.named_parameters()])
    opt = B.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-3)
    loss_fn = B.nn.MSELoss()
    X, Y = data(10, 4, n, 20, 10), data(11, 4, n, 20, 5)
    for s in range(4):
        opt.zero_grad()
        loss = loss_fn(ddp(B.t(X[s, r])), B.t(Y[s, r]))
        loss.backward()
        put_grads(B, rec, f"toy/{s}", model)
        opt.step()
        rec[f"toy/{s}#loss"] = B.a(loss)
    put_params(B, rec, "toy/final", model)
    put_optim(B, rec, "toy/opt", opt)


def mnist(B, rec):
    """Horovod-style: the learning rate scaled by the world size, Adam, nll_loss; after
    every epoch a test pass in eval/no_grad whose loss and accuracy are averaged over the
    ranks (Horovod's metric_average) and drive ReduceLROnPlateau."""
    r, n = B.rank, B.n
    model = B.build("net", "net")
    ddp = B.DDP(model, bucket_cap_mb=0.0005)        # several buckets
    opt = B.optim.Adam(ddp.parameters(), lr=0.01 * n)
    sched = B.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    X, Y = data(20, 6, n, 5, 1, 14, 14), labels(21, 10, 6, n, 5)
    Xt, Yt = data(22, n, 8, 1, 14, 14), labels(23, 10, n, 8)
    for epoch in range(3):
        ddp.train()
        for s in (2 * epoch, 2 * epoch + 1):
            opt.zero_grad()
            loss = B.F.nll_loss(ddp(B.t(X[s, r])), B.t(Y[s, r]))
            loss.backward()
            opt.step()
            rec[f"mnist/{s}#loss"] = B.a(loss)
        ddp.eval()
        with B.no_grad():
            out = ddp(B.t(Xt[r]))
            test_loss = B.a(B.F.nll_loss(out, B.t(Yt[r]), reduction="sum")) / len(Yt[r])
            correct = np.array((B.a(out).argmax(1) == Yt[r]).sum(), dtype=np.int64)
        test_loss = B.allreduce(np.array(test_loss), "mean")
        rec[f"mnist/{epoch}#test_loss"] = test_loss
        rec[f"mnist/{epoch}#correct"] = B.allreduce(correct, "sum")
        sched.step(float(test_loss))
        rec[f"mnist/{epoch}#lr"] = _num([g["lr"] for g in opt.param_groups])
    put_params(B, rec, "mnist/final", model)
    put_optim(B, rec, "mnist/opt", opt)


def adamw(B, rec):
    """AdamW (amsgrad) with two parameter groups, StepLR, clip_grad_norm_ after backward."""
    r, n = B.rank, B.n
    model = B.build("mlp", "mlp")
    ddp = B.DDP(model)
    decay = [p for k, p in ddp.named_parameters() if k.endswith("weight")]
    rest = [p for k, p in ddp.named_parameters() if not k.endswith("weight")]
    opt = B.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": rest, "weight_decay": 0.0}], lr=0.05, amsgrad=True)
    sched = B.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    X, Y = data(30, 5, n, 7, 6), labels(31, 3, 5, n, 7)
    for s in range(5):
        opt.zero_grad()
        B.F.cross_entropy(ddp(B.t(X[s, r])), B.t(Y[s, r])).backward()
        rec[f"adamw/{s}#norm"] = _num(B.a(B.clip(ddp.parameters(), max_norm=0.5)))
        put_grads(B, rec, f"adamw/{s}", model)
        opt.step()
        sched.step()
        rec[f"adamw/{s}#lr"] = _num(sched.get_last_lr())
    put_params(B, rec, "adamw/final", model)
    put_optim(B, rec, "adamw/opt", opt)
    for k, v in sched.state_dict().items():
        if isinstance(v, (int, float)):
            rec[f"adamw/sched/{k}"] = _num(v)


def nosync(B, rec):
    """Gradient accumulation over k micro-batches: no_sync() for the first k-1."""
    r, n = B.rank, B.n
    model = B.build("nosync", "toy")
    ddp = B.DDP(model)
    opt = B.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    k = 3
    X, Y = data(40, 2, k, n, 4, 10), data(41, 2, k, n, 4, 5)
    for s in range(2):
        opt.zero_grad()
        for m in range(k):
            ctx = ddp.no_sync() if m < k - 1 else contextlib.nullcontext()
            with ctx:
                loss = B.F.mse_loss(ddp(B.t(X[s, m, r])), B.t(Y[s, m, r])) / k
                loss.backward()
            put_grads(B, rec, f"nosync/{s}/{m}", model)
        opt.step()
    # accumulation WITHOUT no_sync: every backward averages the .grad accumulated so far
    opt.zero_grad()
    for m in range(2):
        (B.F.mse_loss(ddp(B.t(X[0, m, r])), B.t(Y[1, m, r])) / 2).backward()
        put_grads(B, rec, f"nosync/synced/{m}", model)
    opt.step()
    # ranks with batches of different sizes (the average of the ranks' mean gradients)
    opt.zero_grad()
    B.F.mse_loss(ddp(B.t(X[1, 0, r, :r + 1])), B.t(Y[0, 0, r, :r + 1])).backward()
    put_grads(B, rec, "nosync/uneven", model)
    opt.step()
    put_params(B, rec, "nosync/final", model)


def sync_decided_by_forward(B, rec):
    """What decides whether a backward averages: torch's rule is the forward (run inside
    no_sync() or not), and one averaging backward per forward."""
    r, n = B.rank, B.n
    model = B.build("fwd", "toy")
    ddp = B.DDP(model)
    X, Y = data(45, 5, n, 4, 10), data(46, 5, n, 4, 5)
    loss = lambda i, out: B.F.mse_loss(out, B.t(Y[i, r]))  # noqa: E731
    ddp.zero_grad()
    with ddp.no_sync():                       # A: forward inside, backward outside
        out = ddp(B.t(X[0, r]))
    loss(0, out).backward()
    put_grads(B, rec, "fwd/A", model)
    out = ddp(B.t(X[1, r]))                   # B: forward outside, backward inside
    with ddp.no_sync():
        loss(1, out).backward()
    put_grads(B, rec, "fwd/B", model)
    ddp.zero_grad()                           # C: a second backward of the same graph
    l2 = loss(2, ddp(B.t(X[2, r])))
    l2.backward(retain_graph=True)
    put_grads(B, rec, "fwd/C0", model)
    l2.backward()
    put_grads(B, rec, "fwd/C1", model)
    ddp.zero_grad()                           # D: a no_grad forward between forward and backward
    l3 = loss(3, ddp(B.t(X[3, r])))
    with B.no_grad():
        ddp(B.t(X[4, r]))
    l3.backward()
    put_grads(B, rec, "fwd/D", model)


def bare(B, rec):
    """Backwards that do not go through the wrapper's forward: of the bare module, after
    the wrapper's backward, on rank 0 only and on every rank (local gradients, no
    communication: yaae used to wait in an allreduce the other ranks never started), an
    input gradient (autograd.grad) before the backward, and a training step after all
    that (averaged again)."""
    r, n = B.rank, B.n
    model = B.build("bare", "toy")
    ddp = B.DDP(model)
    X, Y = data(47, 4, n, 4, 10), data(48, 4, n, 4, 5)
    loss = lambda i, out: B.F.mse_loss(out, B.t(Y[i, r]))  # noqa: E731
    ddp.zero_grad()
    loss(0, ddp(B.t(X[0, r]))).backward()
    put_grads(B, rec, "bare/ddp", model)
    if r == 0:                                   # rank 0 alone: a gradient of its own
        model.zero_grad()
        loss(1, model(B.t(X[1, r]))).backward()
        put_grads(B, rec, "bare/rank0", model)
    B.barrier()
    model.zero_grad()                            # every rank, the bare module
    loss(2, model(B.t(X[2, r]))).backward()
    put_grads(B, rec, "bare/all", model)
    ddp.zero_grad()                              # an input gradient first, then the backward
    x = B.t(X[3, r]).requires_grad_()
    l3 = loss(3, ddp(x))
    (gx,) = B.grad(l3, x, retain_graph=True)
    rec["bare/input#grad"] = B.a(gx)
    l3.backward()
    put_grads(B, rec, "bare/after", model)


def gan(B, rec):
    """Two wrappers (GAN-style): G (mlp, noise -> 3) and D (3 -> 1) each wrapped; D's step
    through G's output detached (G untouched), then G's step (through a new D forward:
    both average), then D's step through G's output NOT detached (both average)."""
    r, n = B.rank, B.n
    G, D = B.build("gan_g", "mlp"), B.build("gan_d", "disc")
    g, d = B.DDP(G), B.DDP(D)
    Z, R = data(90, 3, n, 4, 6), data(91, 3, n, 4, 3)
    for s in range(2):
        g.zero_grad()
        d.zero_grad()
        fake = g(B.t(Z[s, r]))
        (d(fake.detach()).mean() - d(B.t(R[s, r])).mean()).backward()
        put_grads(B, rec, f"gan/{s}/dstep/D", D)
        put_grads(B, rec, f"gan/{s}/dstep/G", G)
        d.zero_grad()
        (-d(fake).pow(2).mean()).backward()
        put_grads(B, rec, f"gan/{s}/gstep/D", D)
        put_grads(B, rec, f"gan/{s}/gstep/G", G)
    g.zero_grad()
    d.zero_grad()
    (d(g(B.t(Z[2, r]))).mean() - d(B.t(R[2, r])).mean()).backward()
    put_grads(B, rec, "gan/attached/D", D)
    put_grads(B, rec, "gan/attached/G", G)


def sweeps(B, rec):
    """Backwards that try the rule "which backward averages" (issue 13): a loss from an
    attribute the module stores (not through the output), outputs in a tuple/dict with
    the loss using one element, parameter gradients by autograd.grad before backward, a
    recomputation through the bare module after a forward of the wrapper, a bare
    backward BEFORE the wrapper's on every rank, backward(inputs=...)."""
    r, n = B.rank, B.n
    X, Y = data(92, 8, n, 3, 4), data(93, 8, n, 3, 3)
    mse = lambda out, i: B.F.mse_loss(out, B.t(Y[i, r]))  # noqa: E731
    model = B.build("multi", "multi")
    ddp = B.DDP(model)
    ddp.zero_grad()                    # M1: the loss uses the tuple's first element only
    a, _ = ddp(B.t(X[0, r]))
    mse(a, 0).backward()
    put_grads(B, rec, "sweeps/M1", model)
    ddp.zero_grad()                    # M2: the dict's element, then the stored attribute
    _, o = ddp(B.t(X[1, r]))
    mse(o["b"], 1).backward(retain_graph=True)
    put_grads(B, rec, "sweeps/M2a", model)
    mse(model.c, 1).backward()
    put_grads(B, rec, "sweeps/M2b", model)
    ddp.zero_grad()                    # M3: the stored attribute first, then the output
    a, _ = ddp(B.t(X[2, r]))
    mse(model.c, 2).backward(retain_graph=True)
    put_grads(B, rec, "sweeps/M3a", model)
    mse(a, 2).backward()
    put_grads(B, rec, "sweeps/M3b", model)
    ddp.zero_grad()                    # P: parameter gradients by autograd.grad, then backward
    a, _ = ddp(B.t(X[3, r]))
    l = mse(a, 3)
    gs = B.grad(l, list(model.parameters()), retain_graph=True)
    for (k, _), gp in zip(model.named_parameters(), gs):
        rec[f"sweeps/P/{k}#autograd"] = B.a(gp)
    put_grads(B, rec, "sweeps/P0", model)
    l.backward()
    put_grads(B, rec, "sweeps/P1", model)
    ddp.zero_grad()                    # R: recomputation; a wrapper forward (grad enabled,
    ddp(B.t(X[4, r]))                  # output dropped), the bare module's backward
    mse(model(B.t(X[4, r]))[0], 4).backward()
    put_grads(B, rec, "sweeps/R", model)
    ddp.zero_grad()                    # N: a no_grad forward of the wrapper, then the bare
    with B.no_grad():                  # module's backward: local
        ddp(B.t(X[5, r]))
    mse(model(B.t(X[5, r]))[0], 5).backward()
    put_grads(B, rec, "sweeps/N", model)
    ddp.zero_grad()                    # F: a bare backward BEFORE the wrapper's, every rank
    a, _ = ddp(B.t(X[6, r]))
    mse(model(B.t(X[7, r]))[0], 7).backward()
    put_grads(B, rec, "sweeps/F0", model)
    mse(a, 6).backward()
    put_grads(B, rec, "sweeps/F1", model)
    ddp.zero_grad()                    # I: backward(inputs=...) through the wrapper
    a, _ = ddp(B.t(X[0, r]))
    where = "ok"
    try:
        mse(a, 1).backward(inputs=list(model.parameters()))
        put_grads(B, rec, "sweeps/I", model)
    except RuntimeError as e:
        where = "raised" if "inputs=" in str(e) else str(e)
        for k, _ in model.named_parameters():
            rec[f"sweeps/I/{k}#grad"] = NONE
    rec["sweeps/I#where"] = np.array(where)
    B.barrier()
    ddp.zero_grad()                    # ... and a normal step after it
    a, _ = ddp(B.t(X[1, r]))
    mse(a, 2).backward()
    put_grads(B, rec, "sweeps/I_after", model)


def batchnorm(B, rec):
    """BatchNorm1d, broadcast_buffers=True; per-rank buffers after every forward, eval
    (no_grad) through the wrapper, no_sync accumulation steps, eval again."""
    r, n = B.rank, B.n
    model = B.build("bn", "bn")
    with B.no_grad():
        model.bn.running_mean.data[:] = r + 0.5       # different on every rank: rank 0's wins
        model.bn.running_var.data[:] = r + 2.0
    ddp = B.DDP(model)
    put_buffers(B, rec, "bn/init", model)
    opt = B.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    X, Y = data(50, 12, n, 6, 6), labels(51, 3, 12, n, 6)
    Xe = data(52, n, 4, 6)
    i = 0

    def step(tag, ctx=contextlib.nullcontext):
        nonlocal i
        with ctx():
            B.F.cross_entropy(ddp(B.t(X[i, r])), B.t(Y[i, r])).backward()
        i += 1
        put_buffers(B, rec, f"bn/{tag}", model)
        put_grads(B, rec, f"bn/{tag}", model)

    def evaluate(tag, grad=False, inner=False):
        (model if inner else ddp).eval()                    # inner: model.eval(), the
        with contextlib.nullcontext() if grad else B.no_grad():     # wrapper still "training"
            rec[f"bn/{tag}#out"] = B.a(ddp(B.t(Xe[r])))     # (grad: a validation loss
        put_buffers(B, rec, f"bn/{tag}", model)             # written without no_grad)
        (model if inner else ddp).train()

    for s in range(3):
        opt.zero_grad()
        step(f"train{s}")
        opt.step()
    opt.zero_grad()                                   # accumulated over 3 micro-batches
    step("acc0", ddp.no_sync)
    step("acc1", ddp.no_sync)
    step("acc2")
    opt.step()
    evaluate("eval0")
    opt.zero_grad()                                   # ... over 2, after an eval
    step("acc3", ddp.no_sync)
    step("acc4")
    opt.step()
    evaluate("eval1")
    opt.zero_grad()
    step("train3")
    opt.step()
    evaluate("eval2", inner=True)
    evaluate("eval3", grad=True)
    opt.zero_grad()
    step("train4")
    opt.step()
    evaluate("eval4")
    put_params(B, rec, "bn/final", model)
    # broadcast_buffers=False: every rank keeps its own running statistics
    own = B.build("bnown", "bn")
    with B.no_grad():
        own.bn.running_mean.data[:] = r + 0.25       # (not broadcast at construction either)
    dd = B.DDP(own, broadcast_buffers=False)
    put_buffers(B, rec, "bn/own_init", own)
    opt = B.optim.SGD(dd.parameters(), lr=0.05)
    for s in range(2):
        opt.zero_grad()
        B.F.cross_entropy(dd(B.t(X[s, r])), B.t(Y[s, r])).backward()
        opt.step()
        put_buffers(B, rec, f"bn/own{s}", own)
    put_params(B, rec, "bn/own_final", own)
    # forward_sync_buffers=False (torch 2.13's name): buffers broadcast at construction only
    init = B.build("bninit", "bn")
    with B.no_grad():
        init.bn.running_mean.data[:] = r + 0.75
    dd = B.DDP(init, forward_sync_buffers=False)
    put_buffers(B, rec, "bn/init_only_init", init)
    rec["bn/flags#broadcast_buffers"] = np.array([ddp.broadcast_buffers, dd.broadcast_buffers])
    init.bn.running_var.data[:] = r + 3.0
    opt = B.optim.SGD(dd.parameters(), lr=0.05)
    for s in range(2):
        opt.zero_grad()
        B.F.cross_entropy(dd(B.t(X[s, r])), B.t(Y[s, r])).backward()
        opt.step()
        put_buffers(B, rec, f"bn/init_only{s}", init)
    # Dropout in eval mode through the wrapper: the identity
    drop = B.build("drop", "drop")
    dd = B.DDP(drop)
    dd.eval()
    with B.no_grad():
        rec["drop#out"] = B.a(dd(B.t(Xe[r])))
    rec["drop#training"] = np.array([dd.training, drop[2].training])


def unused(B, rec, set_to_none):
    """find_unused_parameters=True: ``extra`` used on rank 0 only, then nowhere, then
    everywhere, then everywhere but rank 0; ``never`` never used."""
    r, n = B.rank, B.n
    tag = f"unused{int(set_to_none)}"
    model = B.build(tag, "partly")
    ddp = B.DDP(model, find_unused_parameters=True)
    opt = B.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    X, Y = data(60, 4, n, 3, 4), data(61, 4, n, 3, 2)
    for s, use in enumerate([r == 0, False, True, r != 0]):
        opt.zero_grad(set_to_none=set_to_none)
        B.F.mse_loss(ddp(B.t(X[s, r]), use), B.t(Y[s, r])).backward()
        put_grads(B, rec, f"{tag}/{s}", model)
        opt.step()
    put_params(B, rec, f"{tag}/final", model)
    put_optim(B, rec, f"{tag}/opt", opt)


def unused_no_sync(B, rec):
    """find_unused_parameters=True with no_sync(): ``extra`` used (on rank 0 only) in the
    accumulated micro-batch, nowhere in the synced one; ``never`` never."""
    r, n = B.rank, B.n
    model = B.build("unsync", "partly")
    ddp = B.DDP(model, find_unused_parameters=True)
    opt = B.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    X, Y = data(64, 2, 2, n, 3, 4), data(65, 2, 2, n, 3, 2)
    for s in range(2):
        opt.zero_grad()
        with ddp.no_sync():
            B.F.mse_loss(ddp(B.t(X[s, 0, r]), r == 0), B.t(Y[s, 0, r])).backward()
        put_grads(B, rec, f"unsync/{s}/0", model)
        B.F.mse_loss(ddp(B.t(X[s, 1, r]), False), B.t(Y[s, 1, r])).backward()
        put_grads(B, rec, f"unsync/{s}/1", model)
        opt.step()
    put_params(B, rec, "unsync/final", model)


def no_init_sync(B, rec):
    """init_sync=False: no broadcast at construction, every rank keeps its own weights
    (and steps them with the averaged gradients)."""
    r, n = B.rank, B.n
    model = B.build("noinit", "toy")
    ddp = B.DDP(model, init_sync=False)
    put_params(B, rec, "noinit/init", model)
    opt = B.optim.SGD(ddp.parameters(), lr=0.05)
    X, Y = data(68, 2, n, 4, 10), data(69, 2, n, 4, 5)
    for s in range(2):
        opt.zero_grad()
        B.F.mse_loss(ddp(B.t(X[s, r])), B.t(Y[s, r])).backward()
        put_grads(B, rec, f"noinit/{s}", model)
        opt.step()
    put_params(B, rec, "noinit/final", model)


def siamese(B, rec):
    """Two forwards through the wrapper, one loss, one backward (a contrastive loss)."""
    r, n = B.rank, B.n
    model = B.build("siamese", "mlp")
    ddp = B.DDP(model)
    opt = B.optim.SGD(ddp.parameters(), lr=0.1)
    X = data(67, 2, 2, n, 5, 6)
    for s in range(2):
        opt.zero_grad()
        a, b = ddp(B.t(X[s, 0, r])), ddp(B.t(X[s, 1, r]))
        ((a - b) ** 2).sum(1).mean().backward()
        put_grads(B, rec, f"siamese/{s}", model)
        opt.step()
    put_params(B, rec, "siamese/final", model)


def heads(B, rec):
    """find_unused_parameters=True, a dict output; the loss uses the aux head on rank 0
    only: the aux head is reached by the forward's outputs everywhere but gets a
    gradient on rank 0 only."""
    r, n = B.rank, B.n
    ddp = B.DDP(B.build("heads", "heads"), find_unused_parameters=True)
    X, Y = data(62, n, 3, 4), data(63, n, 3, 2)
    out = ddp(B.t(X[r]))
    loss = B.F.mse_loss(out["main"], B.t(Y[r]))
    if r == 0:
        loss = loss + out["aux"].pow(2).mean()
    where = "next forward"
    try:
        loss.backward()
        put_grads(B, rec, "heads/0", ddp.module)
        ddp(B.t(X[r]))
        where = "nowhere"
    except RuntimeError:
        pass
    rec["heads#where"] = np.array(where)
    B.barrier()


def strict(B, rec):
    """find_unused_parameters=False and a parameter unused on one rank: where the error
    comes (torch: in the next forward; yaae: at the end of that backward, documented)."""
    r, n = B.rank, B.n
    ddp = B.DDP(B.build("strict", "partly"))
    X, Y = data(65, n, 3, 4), data(66, n, 3, 2)
    where, msg = "nowhere", ""
    try:
        where = "forward"
        loss = B.F.mse_loss(ddp(B.t(X[r]), r != 0), B.t(Y[r]))
        where = "backward"
        loss.backward()
        where = "next forward"
        ddp(B.t(X[r]), r != 0)
        where = "nowhere"
    except RuntimeError as e:
        msg = str(e)
    rec["strict#where"] = np.array(where)
    rec["strict#names_the_keyword"] = np.array("find_unused_parameters" in msg)
    B.barrier()


def checkpoint(B, rec, path):
    """Train 3 steps, save on rank 0 (module and optimizer), load on every rank into a
    new model + DDP + optimizer, 3 more steps; and the uninterrupted 6 steps."""
    r, n = B.rank, B.n
    X, Y = data(70, 6, n, 5, 10), data(71, 6, n, 5, 5)

    def train(ddp, opt, steps):
        for s in steps:
            opt.zero_grad()
            B.F.mse_loss(ddp(B.t(X[s, r])), B.t(Y[s, r])).backward()
            opt.step()

    model = B.build("ckpt", "toy")
    ddp = B.DDP(model)
    opt = B.optim.Adam(ddp.parameters(), lr=0.01)
    train(ddp, opt, range(3))
    rec["ckpt#ddp_keys"] = np.array(list(ddp.state_dict()))
    rec["ckpt#module_keys"] = np.array(list(model.state_dict()))
    B.save(ddp.module.state_dict(), path + ".model")
    B.save(opt.state_dict(), path + ".opt")
    wrapped = {k: B.a(v).copy() for k, v in ddp.state_dict().items()}
    train(ddp, opt, range(3, 6))
    put_params(B, rec, "ckpt/straight", model)
    put_optim(B, rec, "ckpt/straight_opt", opt)

    model2 = B.build("ckpt2", "toy")                  # another initialisation on every rank
    model2.load_state_dict(B.load(path + ".model"))
    ddp2 = B.DDP(model2)
    opt2 = B.optim.Adam(ddp2.parameters(), lr=0.01)
    opt2.load_state_dict(B.load(path + ".opt"))
    train(ddp2, opt2, range(3, 6))
    put_params(B, rec, "ckpt/resumed", model2)
    put_optim(B, rec, "ckpt/resumed_opt", opt2)

    model3 = B.build("ckpt3", "toy")                  # the wrapper's own state_dict round trip
    ddp3 = B.DDP(model3)
    ddp3.load_state_dict({k: B.t(v) for k, v in wrapped.items()})
    put_params(B, rec, "ckpt/wrapped", model3)


def sampler(B, rec):
    """DistributedSampler (shuffle=False; drop_last both ways) + DataLoader, set_epoch in
    the loop, 2 epochs of SGD over the loader's batches; the shuffle=True indices too."""
    r, n = B.rank, B.n
    N = 23
    ds = B.TensorDataset(B.t(data(80, N, 6)), B.t(labels(81, 3, N)))
    for drop_last in (False, True):
        tag = f"sampler{int(drop_last)}"
        model = B.build(tag, "mlp")
        ddp = B.DDP(model)
        opt = B.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.5)
        smp = B.DistributedSampler(ds, shuffle=False, drop_last=drop_last)
        loader = B.DataLoader(ds, batch_size=4, sampler=smp)
        rec[f"{tag}#len"] = np.array([len(smp), len(loader)])
        for epoch in range(2):
            smp.set_epoch(epoch)
            rec[f"{tag}/{epoch}#indices"] = np.array(list(smp))
            ys = []
            for xb, yb in loader:
                opt.zero_grad()
                B.F.cross_entropy(ddp(xb), yb).backward()
                opt.step()
                ys.append(B.a(yb))
            rec[f"{tag}/{epoch}#labels"] = np.concatenate(ys)
        put_params(B, rec, f"{tag}/final", model)
    for size in (2, 5):                               # shorter than the padding, and not
        for drop_last in (False, True):               # a multiple of the world size
            smp = B.DistributedSampler(range(size), shuffle=False, drop_last=drop_last)
            rec[f"small{size}/{int(drop_last)}#indices"] = np.array(list(smp), dtype=np.int64)
            rec[f"small{size}/{int(drop_last)}#len"] = np.array(len(smp))
    smp = B.DistributedSampler(ds, seed=3)            # shuffle=True: its own documented order
    for epoch in range(2):
        smp.set_epoch(epoch)
        rec[f"shuffle/{epoch}#indices"] = np.array(list(smp))


def run_all(B, outdir):
    rec = {}
    toy(B, rec)
    mnist(B, rec)
    adamw(B, rec)
    nosync(B, rec)
    sync_decided_by_forward(B, rec)
    bare(B, rec)
    gan(B, rec)
    sweeps(B, rec)
    batchnorm(B, rec)
    unused(B, rec, set_to_none=True)
    unused(B, rec, set_to_none=False)
    siamese(B, rec)
    no_init_sync(B, rec)
    unused_no_sync(B, rec)
    strict(B, rec)
    heads(B, rec)
    checkpoint(B, rec, f"{outdir}/{B.name}_ckpt")
    sampler(B, rec)
    return rec
