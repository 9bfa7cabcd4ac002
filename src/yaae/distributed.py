"""Data-parallel training over MPI: ``ya.distributed``.

Several processes (on one machine or many), each with a shard of the data,
run the same model; after every backward the gradients are averaged over the
processes with an allreduce, so every process takes the same optimizer step.
The transport is MPI (mpi4py over Open MPI or MPICH), started by the MPI
launcher::

    mpirun -n 4 python train.py

and in ``train.py``::

    import yaae as ya
    dist = ya.distributed
    dist.init()
    model = dist.DistributedDataParallel(Net())     # rank 0's parameters everywhere
    for x, y in my_shard_of_the_data:
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    dist.save(model.module.state_dict(), "ckpt.npz")   # written by rank 0 only

The API follows ``torch.distributed`` / ``torch.nn.parallel``:

* ``init()`` reads the MPI world.  Without an MPI launcher in the environment
  (``OMPI_COMM_WORLD_SIZE``, ``PMI_SIZE``, ``PMIX_RANK``, ...) it makes a world
  of size 1 where every collective is the identity, and mpi4py is not even
  imported; under a launcher that started several processes it imports mpi4py
  (an ImportError saying how to install it when it is missing: a silent world
  of size 1 in each of N processes would train N unrelated models).  Under MPI
  it installs a ``sys.excepthook`` that prints the uncaught exception, every
  line prefixed with ``[rank R]``, and calls ``COMM_WORLD.Abort(1)``: the job
  exits non-zero instead of the other ranks hanging in their next collective
  (what ``python -m mpi4py`` does).  ``sys.exit(code)`` on one rank is not an
  uncaught exception: that rank waits in ``MPI_Finalize`` and the others in their
  next collective, forever; launch with ``mpirun -n N python -m mpi4py train.py``,
  which turns a non-zero ``sys.exit`` into an abort of the job with that code.
* ``rank()``, ``world_size()``, ``barrier()``, ``allreduce``,
  ``broadcast_parameters``, ``save`` and ``DistributedDataParallel`` raise a
  RuntimeError naming ``init()`` when called before it (as PyTorch's
  uninitialised process group); ``is_initialized()`` says whether it ran.
* ``allreduce(x, op="mean")`` is differentiable (its VJP is the allreduce of
  the cotangent with the same op, as Horovod's): every rank must then run the
  backward through it, in the same order.
* ``DistributedDataParallel`` averages gradients with non-blocking allreduces
  on flat per-dtype buckets, started during backward as soon as a bucket's
  gradients are complete (``Tensor.register_post_accumulate_grad_hook``), so
  communication overlaps the rest of the backward.

mpi4py is imported only inside ``init()``: ``import yaae`` never loads MPI.
"""
import contextlib
import os
import sys
import traceback
import weakref

import numpy as np

from .tensor import Tensor, primitive, mark_modified, _queue_callback, _wrap, is_grad_enabled
from .nn.module import Module
from .data import DistributedSampler   # torch.utils.data.distributed.DistributedSampler

__all__ = ["init", "is_initialized", "rank", "world_size", "barrier", "allreduce", "DistributedSampler",
           "broadcast_parameters", "save", "DistributedDataParallel"]

_LAUNCHER_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
                  "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")
_OPS = ("mean", "sum")
# dtypes MPI has no datatype for, reduced in a wider one and rounded back
_WIRE = {np.dtype(np.float16): np.dtype(np.float32)}
_INSTALL = ("install Open MPI and mpi4py: apt-get install openmpi-bin libopenmpi-dev; "
            "pip install yaae[mpi] (or pip install mpi4py)")


class _World:
    """The process group: ``comm`` is mpi4py's COMM_WORLD (None for the size-1 world)."""

    def __init__(self, comm=None, mpi=None):
        self.comm, self.MPI = comm, mpi
        self.rank = comm.Get_rank() if comm is not None else 0
        self.size = comm.Get_size() if comm is not None else 1


_world = None


def _launched_size():
    """The world size the launcher announced (None: no launcher variable; 0: one
    that gives no size)."""
    if not any(v in os.environ for v in _LAUNCHER_VARS):
        return None
    for v in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"):
        if v in os.environ:
            try:
                return int(os.environ[v])
            except ValueError:
                pass
    return 0


def _excepthook(r, comm, previous):
    def hook(etype, value, tb):
        text = "".join(traceback.format_exception(etype, value, tb))
        sys.stderr.write("".join(f"[rank {r}] {line}\n" for line in text.rstrip("\n").split("\n")))
        sys.stderr.write(f"[rank {r}] yaae.distributed: uncaught exception, aborting the MPI job\n")
        sys.stderr.flush()
        try:
            comm.Abort(1)
        finally:
            previous(etype, value, tb)
    return hook


def init():
    """``init()``: set up the process group from the MPI launcher (idempotent).

    A world of size 1 (every collective the identity, mpi4py not imported) when
    no MPI launcher started this process; else mpi4py's ``COMM_WORLD``, with an
    excepthook that aborts the whole job when one rank raises.  Returns None.

    >>> ya.distributed.init(); ya.distributed.world_size()
    1
    """
    global _world
    if _world is not None:
        return
    n = _launched_size()
    if n is None:
        _world = _World()
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        if n == 1:
            _world = _World()
            return
        raise ImportError(f"yaae.distributed.init: this process was started by an MPI launcher "
                          f"({'world size ' + str(n) if n else 'size unknown'}) but mpi4py cannot "
                          f"be imported ({e}); {_INSTALL}") from None
    comm = MPI.COMM_WORLD
    _world = _World(comm, MPI)
    if _world.size > 1:
        sys.excepthook = _excepthook(_world.rank, comm, sys.excepthook)


def is_initialized():
    """``is_initialized()``: True once ``init()`` has run.

    >>> ya.distributed.init(); ya.distributed.is_initialized()
    True
    """
    return _world is not None


def _get(who):
    if _world is None:
        raise RuntimeError(f"yaae.distributed.{who}: the process group is not initialized; "
                           f"call ya.distributed.init() first (as torch.distributed."
                           f"init_process_group)")
    return _world


def rank():
    """``rank()``: this process's rank in the world, 0 ... ``world_size() - 1``.

    >>> ya.distributed.init(); ya.distributed.rank()
    0
    """
    return _get("rank").rank


def world_size():
    """``world_size()``: the number of processes (1 without an MPI launcher).

    >>> ya.distributed.init(); ya.distributed.world_size()
    1
    """
    return _get("world_size").size


def barrier():
    """``barrier()``: wait until every rank has called it.

    >>> ya.distributed.init(); ya.distributed.barrier()
    """
    w = _get("barrier")
    if w.comm is not None:
        w.comm.Barrier()


def _check_op(op, who):
    if op not in _OPS:
        raise ValueError(f"yaae.distributed.{who}: unknown op {op!r}; valid ops: "
                         f"{', '.join(repr(o) for o in _OPS)}")


def _allreduce_array(a, op, who="allreduce"):
    """A new C-contiguous array: the elementwise sum (or mean) of ``a`` over the ranks."""
    w = _get(who)
    a = np.asarray(a)
    if a.dtype.kind not in "fciu":
        raise TypeError(f"yaae.distributed.{who}: cannot reduce an array of dtype {a.dtype} "
                        f"(shape {a.shape}); use a numeric array")
    if op == "mean" and a.dtype.kind in "iu":
        raise TypeError(f"yaae.distributed.{who}: op='mean' of an integer array ({a.dtype}, shape "
                        f"{a.shape}) would change its dtype; use op='sum' or a float array")
    out = np.array(a, dtype=_WIRE.get(a.dtype, a.dtype), order="C", copy=True)
    if w.comm is not None and w.size > 1:
        w.comm.Allreduce(w.MPI.IN_PLACE, out, op=w.MPI.SUM)
        if op == "mean":
            out /= w.size
    return out.astype(a.dtype, copy=False)


@primitive(name="allreduce")
def _allreduce_prim(x, op="mean"):
    return _allreduce_array(x, op)


# linear in x: its VJP and JVP are the same allreduce of the cotangent / tangent
_allreduce_prim.defvjp(lambda g, ans, x, op="mean": allreduce(g, op))
_allreduce_prim.defjvp(lambda t, ans, x, op="mean": allreduce(t, op))


def allreduce(x, op="mean"):
    """``allreduce(x, op="mean")``: the sum (``op="sum"``) or mean (``"mean"``) of
    ``x`` over all ranks, on every rank; a new array, ``x`` is not changed.

    An ndarray (or number) gives an ndarray, a Tensor a Tensor, of the same dtype
    (``"mean"`` of integers is a TypeError).  A Tensor that requires grad gives a
    differentiable result: the gradient is the allreduce of the cotangent with the
    same op (Horovod's convention), so every rank must run that backward.

    >>> ya.distributed.init()
    >>> ya.distributed.allreduce(np.array([1.0, 2.0]), op="sum")   # one process
    array([1., 2.])
    """
    _check_op(op, "allreduce")
    if isinstance(x, Tensor):      # (the primitive: gradients and forward-mode tangents)
        return _allreduce_prim(x, op=op)
    return _allreduce_array(x, op)


def _named_state(module):
    """(name, tensor) for every parameter and buffer of ``module``."""
    out = [(n, p) for n, p in module.named_parameters()]
    out += [(n, b) for n, b in module.named_buffers() if b is not None]
    return out


def _bcast_into(w, t, root):
    """Overwrite ``t``'s values by root's, in place (the array keeps its identity).
    Sent as bytes: a copy needs no MPI datatype (MPI has none for float16)."""
    arr = t._data
    if arr.flags.c_contiguous and arr.flags.writeable:
        w.comm.Bcast(arr.reshape(-1).view(np.uint8), root=root)
    else:
        tmp = np.ascontiguousarray(arr).copy()
        w.comm.Bcast(tmp.reshape(-1).view(np.uint8), root=root)
        if arr.flags.writeable:
            np.copyto(arr, tmp)
        else:
            t.data = tmp
    mark_modified(t)


def broadcast_parameters(module, root=0):
    """``broadcast_parameters(module, root=0)``: copy rank ``root``'s parameters and
    buffers into ``module`` on every rank, in place (each ``.data`` array keeps its
    identity, so optimizers built on the module stay valid).  Raises on every rank,
    naming the first difference, when the ranks' modules differ in names, shapes
    or dtypes.

    >>> ya.distributed.init(); ya.distributed.broadcast_parameters(nn.Linear(2, 1))
    """
    w = _get("broadcast_parameters")
    _broadcast_state(w, module, root, buffers=True)


def _broadcast_state(w, module, root, buffers):
    """broadcast_parameters (``buffers=False``: the parameters only)."""
    if w.comm is None or w.size == 1:
        return
    state = _named_state(module)
    if not buffers:
        state = [(n, p) for n, p in module.named_parameters()]
    mine = [(n, tuple(t.shape), str(t.dtype)) for n, t in state]
    theirs = w.comm.bcast(mine, root=root)
    problem = None
    if mine != theirs:
        for a, b in zip(mine + [None] * len(theirs), theirs + [None] * len(mine)):
            if a != b:
                problem = f"rank {w.rank} has {a}, rank {root} has {b}"
                break
    bad = w.comm.allgather(problem)
    errs = [(r, p) for r, p in enumerate(bad) if p is not None]
    if errs:
        raise RuntimeError(f"yaae.distributed.broadcast_parameters: the modules differ between "
                           f"ranks (name, shape, dtype): {errs[0][1]}; build the same model on "
                           f"every rank")
    for _, t in state:
        _bcast_into(w, t, root)


def save(obj, f, **kwargs):
    """``save(obj, f, **kwargs)``: ``ya.save(obj, f)`` on rank 0 only, then every rank
    waits for it, so each may ``ya.load(f)`` right after.  If rank 0's write fails,
    every rank raises (no rank is left waiting).

    >>> import io
    >>> ya.distributed.init(); ya.distributed.save({"w": ya.ones(2)}, io.BytesIO())
    """
    from .io import save as _save
    w = _get("save")
    err = None
    if w.rank == 0:
        try:
            _save(obj, f, **kwargs)
        except Exception as e:      # reported on every rank below
            err = e
    if w.comm is not None and w.size > 1:
        msg = w.comm.bcast(None if err is None else f"{type(err).__name__}: {err}", root=0)
        if msg is not None and err is None:
            raise RuntimeError(f"yaae.distributed.save: rank 0 failed to write the checkpoint: "
                               f"{msg}")
    if err is not None:
        raise err


# --------------------------------------------------------------------------
# DistributedDataParallel
# --------------------------------------------------------------------------
class _Bucket:
    """One flat buffer: ``params`` (in the order gradients become ready), their
    ``offsets`` in ``buf``, how many are still ``pending`` this step, the MPI request."""
    __slots__ = ("params", "offsets", "buf", "pending", "req")

    def __init__(self, params):
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p._data.size
        dt = params[0]._data.dtype
        self.buf = np.zeros(n, dtype=_WIRE.get(dt, dt))
        self.pending = len(params)
        self.req = None


def _tensors_in(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for o in out:
            yield from _tensors_in(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors_in(o)


def _reachable_leaves(outputs):
    """ids of the leaf tensors the graphs of ``outputs`` lead to (a walk over ``_par``)."""
    from .tensor import GradNode
    found, seen, stack = set(), set(), []
    for t in outputs:
        if t._node is not None:
            stack.append(t._node)
        else:
            found.add(id(t))
    while stack:
        node = stack.pop()
        ps = node._par
        for p in ps if ps.__class__ is tuple else (ps,):
            if type(p) is GradNode:
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
            elif p is not None:
                found.add(id(p))
    return found


def _per_rank(names, comm):
    """"rank 0: [...]; rank 2: [...]": every rank's ``names`` (an allgather over
    ``comm``; None: this rank's alone), the ranks with none left out -- the text of
    an error every rank raises together."""
    per_rank = comm.allgather(names) if comm is not None else [names]
    return "; ".join(f"rank {r}: {ns}" for r, ns in enumerate(per_rank) if ns)


class DistributedDataParallel(Module):
    """``DistributedDataParallel(module, bucket_mb=25, find_unused_parameters=False,
    broadcast_buffers=None)``: ``module`` whose backward leaves every rank with the
    gradients averaged over the ranks, as ``torch.nn.parallel.DistributedDataParallel``.

    At construction rank 0's parameters and buffers (not the buffers with
    ``broadcast_buffers=False``, as PyTorch's) are broadcast to every rank (nothing with
    PyTorch's ``init_sync=False``: the ranks must then start equal by themselves).
    Gradients go into flat buckets of at most ``bucket_mb`` MiB (one dtype each; a
    parameter larger than that gets a bucket of its own, so ``bucket_mb=0`` gives one
    bucket per parameter, as PyTorch's ``bucket_cap_mb=0``), filled in reverse
    parameter order (the order backward completes them); as soon as a bucket's
    last gradient is accumulated its non-blocking allreduce starts, while the
    rest of the backward runs.  Buckets start in the same order on every rank
    (bucket k only after bucket k-1), so ranks cannot mismatch their
    collectives.  At the end of the backward the results are averaged and
    written into each ``p.grad`` (same dtype).  What is averaged is each rank's
    ``.grad`` after the backward: gradients accumulated over several backwards
    (``no_sync()``, or ``retain_graph``) are averaged once they are synced.  Every
    backward of a forward run outside ``no_sync()`` averages, a second one of the same
    graph (``retain_graph``) too; PyTorch's averages only the first backward after a
    forward and leaves each rank's own gradient added by the second (the ranks apart).
    Which backwards average: the first one that accumulates gradients after a forward
    (PyTorch's rule) and any later one that goes through that forward's outputs.  A
    backward that does neither (of the bare ``ddp.module`` after the wrapper's, on one
    rank, say) leaves each rank its own gradients and communicates nothing, as
    PyTorch's; ``ya.autograd.grad`` (which accumulates nothing) never averages.  So when
    the first backward after a forward does not go through its outputs (a loss from an
    attribute the module stored, or the bare module's backward on every rank) and a
    later one (``retain_graph``) does, both average here, while PyTorch's adds each
    rank's own gradient of the later one: yaae's result is the mean over the ranks of
    PyTorch's.  Such a later backward must then run on every rank (it communicates).
    ``backward(inputs=...)`` that accumulates into the wrapped parameters is a
    RuntimeError (PyTorch's averages); call ``backward()`` without ``inputs=``.

    Parameters that get no gradient in a backward: with
    ``find_unused_parameters=False`` a RuntimeError at the end of that backward
    names them; with ``True`` the forward walks the output's graph and marks the
    parameters it does not reach as ready (they count as zeros), and after the
    reduction a parameter that has no ``.grad`` on any rank keeps ``.grad`` None,
    the others get the average (a rank without a ``.grad`` contributes zeros).  A
    parameter the forward's output does not lead to but that gets a gradient all the
    same (used outside the forward) is then a RuntimeError naming it on every rank,
    as PyTorch's.
    ``broadcast_buffers`` (None: True): rank 0's buffers are broadcast before a forward when the
    previous forward ran with grad enabled outside ``no_sync()`` (and before the
    first one), as PyTorch's: not before the forwards that follow a ``no_sync()``
    or ``no_grad`` forward, so between two such broadcasts each rank's buffers (BatchNorm's
    running statistics) are updated by its own batches, and ``no_sync()`` forwards after
    the first communicate nothing.  PyTorch 2.13's ``forward_sync_buffers`` (which
    replaces ``broadcast_buffers``) is honoured the same way, except that buffers are
    then always broadcast at construction; pass one of the two, not both.
    The parameters reduced are those requiring grad at construction: a forward
    (with grad enabled) after another one was unfrozen or added is a RuntimeError
    naming it (its gradient would stay each rank's own).
    ``state_dict()`` keys carry the ``module.`` prefix, as PyTorch's.  With one
    process the wrapper changes nothing.  PyTorch's other keywords are accepted
    (``bucket_cap_mb`` as ``bucket_mb``; ``device_ids``, ``static_graph``, ... change
    nothing; ``process_group``, ``device_mesh`` and ``mixed_precision`` must be None);
    an unknown keyword is a TypeError.

    Example::

        >>> ya.distributed.init()
        >>> net = ya.distributed.DistributedDataParallel(nn.Linear(3, 1))
        >>> net(ya.ones((2, 3))).sum().backward(); net.module.weight.grad.shape
        (1, 3)
    """

    def __init__(self, module, bucket_mb=25, find_unused_parameters=False,
                 broadcast_buffers=None, **torch_only):
        super().__init__()
        w = _get("DistributedDataParallel")
        forward_sync = torch_only.pop("forward_sync_buffers", None)
        init_sync = torch_only.pop("init_sync", True)
        if forward_sync is not None and broadcast_buffers is not None:
            raise TypeError("DistributedDataParallel: pass broadcast_buffers or "
                            "forward_sync_buffers (its new name in PyTorch 2.13), not both")
        if forward_sync is not None:        # buffers broadcast at construction all the same
            forward_sync, init_buffers = bool(forward_sync), True
        else:                               # broadcast_buffers=False: not at construction either
            forward_sync = init_buffers = broadcast_buffers is None or bool(broadcast_buffers)
        bucket_mb = _torch_kwargs(bucket_mb, torch_only)
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a yaae.nn.Module, got "
                            f"{type(module).__name__}")
        if not bucket_mb >= 0:
            raise ValueError(f"DistributedDataParallel: bucket_mb must be >= 0 (0: one "
                             f"parameter per bucket), got {bucket_mb}")
        self.module = module
        d = self.__dict__
        d["_world"] = w
        d["bucket_mb"] = bucket_mb
        d["find_unused_parameters"] = bool(find_unused_parameters)
        d["broadcast_buffers"] = forward_sync
        d["_require_sync"] = True
        d["_armed"] = False         # the next backward averages (see forward and _ours)
        d["_step_sync"] = True      # the last forward with grad enabled ran outside no_sync()
        d["_sync_buffers"] = True   # torch's require_forward_param_sync
        if init_sync:
            _broadcast_state(w, module, 0, buffers=init_buffers)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        d["_names"] = {id(p): n for n, p in named}
        d["_buckets"] = self._make_buckets([p for _, p in named], bucket_mb * 2 ** 20)
        d["_slot"] = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        d["_handles"] = []
        me = weakref.ref(self)
        for _, p in named:
            self._handles.append(p.register_post_accumulate_grad_hook(
                lambda t, me=me: _ddp_hook(me, t)))
        # the hooks hold the wrapper weakly; when it goes, so do they
        weakref.finalize(self, _remove_handles, list(self._handles))
        self._reset_step()

    @staticmethod
    def _make_buckets(params, cap):
        buckets, cur, nbytes = [], [], 0
        for p in reversed(params):
            if cur and (p._data.dtype != cur[0]._data.dtype or nbytes + p._data.nbytes > cap):
                buckets.append(_Bucket(cur))
                cur, nbytes = [], 0
            cur.append(p)
            nbytes += p._data.nbytes
        if cur:
            buckets.append(_Bucket(cur))
        return buckets

    def _reset_step(self):
        """Forget this step's bookkeeping (waiting for any request still in flight)."""
        d = self.__dict__
        for b in self._buckets:
            if b.req is not None:
                b.req.Wait()
                b.req = None
            b.pending = len(b.params)
        d["_ready"] = set()        # ids of the parameters whose gradient is complete
        d["_unreached"] = set()    # ids the forward found unused (find_unused_parameters)
        d["_late"] = []            # ... that got a gradient all the same (an error)
        d["_next"] = 0             # the next bucket to start (they start in order)
        self._reset_sweep()

    def _reset_sweep(self):
        """Forget what the running backward sweep has seen (not the forward's marks)."""
        d = self.__dict__
        d["_queued"] = False       # the end-of-backward callback is queued
        d["_held"] = []            # completed gradients, held until the sweep is known to be ours
        d["_marked"] = False       # the sweep went through the last forward's outputs
        d["_fired"] = False        # a parameter's gradient was accumulated in the sweep

    @contextlib.contextmanager
    def no_sync(self):
        """``with ddp.no_sync():`` the backwards of the forwards run inside accumulate
        gradients locally, with no communication; the first backward of a forward run
        after it averages the accumulated ``.grad``.  Where the forward runs decides, as
        PyTorch's: a forward inside and its backward outside does not average, a forward
        outside and its backward inside does.

        >>> ya.distributed.init(); net = ya.distributed.DistributedDataParallel(nn.Linear(2, 1))
        >>> with net.no_sync():
        ...     net(ya.ones((1, 2))).sum().backward()
        """
        old = self._require_sync
        self.__dict__["_require_sync"] = False
        try:
            yield
        finally:
            self.__dict__["_require_sync"] = old

    def forward(self, *args, **kwargs):
        """Calls the wrapped module (after broadcasting rank 0's buffers when the previous
        forward was a synced one with grad enabled, see the class docstring)."""
        w = self._world
        if self.broadcast_buffers and w.size > 1 and self._sync_buffers:
            for _, b in self.module.named_buffers():
                if b is not None:
                    _bcast_into(w, b, 0)
        self._reset_step()
        if is_grad_enabled():
            self.__dict__["_step_sync"] = self._require_sync
            # the first backward that accumulates gradients after a synced forward averages
            # (PyTorch's rule); later ones average only through this forward's outputs
            self.__dict__["_armed"] = self._require_sync
        if self._require_sync and is_grad_enabled():
            slot = self._slot
            new = [n for n, p in self.module.named_parameters()
                   if p.requires_grad and id(p) not in slot]
            if new:
                raise RuntimeError(
                    f"DistributedDataParallel: parameters {new} require grad but were not "
                    f"trainable (or not there) when the module was wrapped, so their gradients "
                    f"would not be averaged and the ranks would drift apart; wrap the module "
                    f"again after changing requires_grad or adding parameters")
        out = self.module(*args, **kwargs)
        self.__dict__["_sync_buffers"] = self._require_sync and is_grad_enabled()
        if self._require_sync and is_grad_enabled():
            me = weakref.ref(self)
            for t in _tensors_in(out):
                if t.requires_grad and t._node is not None:
                    t.register_hook(lambda g, me=me: _ddp_output_hook(me))
        if self.find_unused_parameters and self._require_sync and is_grad_enabled():
            reached = _reachable_leaves(list(_tensors_in(out)))
            for b in self._buckets:
                for p in b.params:
                    if id(p) not in reached:
                        self._unreached.add(id(p))
                        self._mark_ready(p, during_backward=False)
        return out

    # ---- the reducer --------------------------------------------------------
    def _mark_ready(self, p, during_backward=True):
        if id(p) in self._ready:
            return
        self._ready.add(id(p))
        b, _ = self._slot[id(p)]
        b.pending -= 1
        if during_backward:
            self._launch_ready()

    def _launch_ready(self):
        """Start the allreduce of every complete bucket, in bucket order."""
        bs = self._buckets
        while self._next < len(bs) and bs[self._next].pending == 0:
            b = bs[self._next]
            for p, off in zip(b.params, b.offsets):
                g = p.grad
                seg = b.buf[off:off + p._data.size]
                if g is None:
                    seg[...] = 0
                else:
                    seg[...] = g._data.reshape(-1)
            w = self._world
            if w.comm is not None and w.size > 1:
                b.req = w.comm.Iallreduce(w.MPI.IN_PLACE, b.buf, op=w.MPI.SUM)
            self.__dict__["_next"] += 1

    def _ours(self):
        """Whether the running sweep averages: the first one after a synced forward,
        or one that goes through that forward's outputs (a retained graph again).  A
        backward of the bare module after the wrapper's (on one rank, say) stays local
        and communicates nothing, as PyTorch's."""
        return self._armed or self._marked

    def _on_output_grad(self):
        """The sweep reached an output of the last (synced) forward."""
        if self._marked:
            return
        self.__dict__["_marked"] = True
        if not self._queued:
            _queue_callback(self._finalize)
            self.__dict__["_queued"] = True
        held, self.__dict__["_held"] = self._held, []
        for p in held:
            self._take(p)

    def _on_grad(self, p):
        if not self._step_sync:
            return
        self.__dict__["_fired"] = True
        if not self._queued:
            try:
                _queue_callback(self._finalize)
            except RuntimeError:
                if not self._ours():
                    return
                raise RuntimeError(
                    "DistributedDataParallel: a parameter's gradient was accumulated outside "
                    "a running backward() (backward(inputs=...) or ya.autograd.backward with "
                    "inputs=); call loss.backward() without inputs=") from None
            self.__dict__["_queued"] = True
        if self._ours():
            self._take(p)
        else:
            self._held.append(p)

    def _take(self, p):
        if p.grad is not None and p.grad.requires_grad:
            self._reset_step()
            raise RuntimeError(
                f"DistributedDataParallel: backward(create_graph=True) is not supported: the "
                f"averaged gradient of {self._names[id(p)]!r} would not be differentiable "
                f"through the allreduce. Differentiate the gradients with ya.distributed."
                f"allreduce(..., op='mean') on the module's own gradients instead, or use "
                f"no_sync()")
        if id(p) in self._unreached:
            # marked ready (its zeros perhaps already sent) by the forward, which did not
            # reach it: its gradient comes from outside the forward; reported in _finalize
            self._late.append(self._names[id(p)])
            return
        self._mark_ready(p)

    def _finalize(self):
        """End of backward: check for unused parameters, wait, average, write back.

        Parameters without a gradient count as zeros, so every rank starts the same
        allreduces in the same order whatever it used; then one more small allreduce
        (the used-bitmap, or the count of missing parameters) tells every rank
        whether any rank missed one: with ``find_unused_parameters=False`` all ranks
        raise together, none is left waiting in a collective.

        A sweep that accumulated no parameter's gradient (``ya.autograd.grad``), or
        that is not the wrapper's (see ``_ours``), ends here: its gradients stay local."""
        if not (self._fired and self._ours()):
            self._reset_sweep()
            return
        self.__dict__["_armed"] = False
        w = self._world
        missing = [p for b in self._buckets for p in b.params if id(p) not in self._ready]
        for p in missing:      # no gradient in this backward: zeros in its bucket slot
            self._mark_ready(p)
        self._launch_ready()
        multi = w.comm is not None and w.size > 1
        if not self.find_unused_parameters:
            flag = np.array([len(missing)], dtype=np.int64)
            if multi:
                w.comm.Allreduce(w.MPI.IN_PLACE, flag, op=w.MPI.SUM)
            if flag[0]:
                which = _per_rank([self._names[id(p)] for p in missing], w.comm if multi else None)
                self._reset_step()
                raise RuntimeError(
                    f"DistributedDataParallel: parameters that received no gradient in this "
                    f"backward ({which}). Every parameter must take part in producing the "
                    f"loss; to allow unused parameters, pass find_unused_parameters=True to "
                    f"DistributedDataParallel (as PyTorch's)")
        params = [p for b in self._buckets for p in b.params]
        used = None
        if self.find_unused_parameters:
            # the last entry: how many parameters got a gradient the forward did not lead to
            used = np.array([p.grad is not None for p in params] + [len(self._late)],
                            dtype=np.int64)
            if multi:
                w.comm.Allreduce(w.MPI.IN_PLACE, used, op=w.MPI.SUM)
            if used[-1]:
                which = _per_rank(self._late, w.comm if multi else None)
                self._reset_step()
                raise RuntimeError(
                    f"DistributedDataParallel: parameters received a gradient in this backward "
                    f"that the forward's output does not lead to ({which}): they are used "
                    f"outside DistributedDataParallel's forward (e.g. a regularizer on "
                    f"ddp.module's parameters, or an output of an earlier forward), so with "
                    f"find_unused_parameters=True they were already reduced as unused (as "
                    f"PyTorch's 'Expected to mark a variable ready only once'). Compute that "
                    f"term inside the module's forward, use one forward per backward, or pass "
                    f"find_unused_parameters=False")
        k = 0
        for b in self._buckets:
            if b.req is not None:
                b.req.Wait()
                b.req = None
            if w.size > 1:
                b.buf /= w.size
            for p, off in zip(b.params, b.offsets):
                if used is not None and not used[k]:
                    k += 1
                    continue
                k += 1
                avg = b.buf[off:off + p._data.size].reshape(p._data.shape)
                if avg.dtype != p._data.dtype:      # a _WIRE dtype: back to the parameter's
                    avg = avg.astype(p._data.dtype)
                g = p.grad
                if (g is not None and g._data.shape == avg.shape and g._data.dtype == avg.dtype
                        and g._data.flags.writeable and g._data.flags.c_contiguous
                        and g._data.base is None):
                    np.copyto(g._data, avg)
                else:
                    p.grad = _wrap(avg.copy())
        self._reset_step()


# torch.nn.parallel.DistributedDataParallel's other keywords: accepted (CUDA placement,
# performance hints) and without effect here; bucket_cap_mb (bucket_mb's name there),
# forward_sync_buffers and init_sync are honoured, process_group, device_mesh and
# mixed_precision must be None
_TORCH_IGNORED = ("device_ids", "output_device", "dim", "check_reduction",
                  "gradient_as_bucket_view", "static_graph", "delay_all_reduce_named_params",
                  "param_to_hook_all_reduce", "skip_all_reduce_unused_params",
                  "bucket_cap_mb_list", "batched_grad_copy")


def _torch_kwargs(bucket_mb, kw):
    """``bucket_mb`` after PyTorch's keywords in ``kw``; a TypeError for unknown ones
    (a misspelt ``find_unused_parameters`` must not pass silently)."""
    kw = dict(kw)
    if kw.get("bucket_cap_mb") is not None:
        if bucket_mb != 25:
            raise TypeError("DistributedDataParallel: pass bucket_mb or bucket_cap_mb, not both")
        bucket_mb = kw["bucket_cap_mb"]
    kw.pop("bucket_cap_mb", None)
    if kw.pop("process_group", None) is not None:
        raise NotImplementedError("DistributedDataParallel: process_group is not supported; "
                                  "yaae reduces over the whole MPI world (process_group=None)")
    if kw.pop("device_mesh", None) is not None:
        raise NotImplementedError("DistributedDataParallel: device_mesh is not supported; "
                                  "yaae reduces over the whole MPI world (device_mesh=None)")
    if kw.pop("mixed_precision", None) is not None:
        raise NotImplementedError("DistributedDataParallel: mixed_precision is not supported "
                                  "(it would change the forward's dtypes); cast the module "
                                  "yourself (module.to(dtype)) and pass mixed_precision=None")
    unknown = sorted(k for k in kw if k not in _TORCH_IGNORED)
    if unknown:
        raise TypeError(f"DistributedDataParallel: unexpected keyword argument(s) "
                        f"{', '.join(unknown)}; valid: bucket_mb, find_unused_parameters, "
                        f"broadcast_buffers (and PyTorch's bucket_cap_mb, forward_sync_buffers, "
                        f"init_sync; process_group, device_mesh and mixed_precision as None; "
                        f"{', '.join(_TORCH_IGNORED)}, which change nothing here)")
    return bucket_mb


def _ddp_hook(ref, p):
    ddp = ref()
    if ddp is not None:
        ddp._on_grad(p)


def _ddp_output_hook(ref):
    ddp = ref()
    if ddp is not None:
        ddp._on_output_grad()


def _remove_handles(handles):
    for h in handles:
        h.remove()


from .nn import parallel as _parallel  # noqa: E402,F401 - ya.nn.parallel.DistributedDataParallel
