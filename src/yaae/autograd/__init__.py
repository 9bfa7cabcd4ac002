"""PyTorch's ``torch.autograd`` API on yaae's engine.

* ``grad(outputs, inputs, ...)``: gradients of outputs with respect to
  inputs, returned (``.grad`` untouched), as ``torch.autograd.grad``;
* ``backward(tensors, ...)``: accumulate into ``.grad``, as
  ``torch.autograd.backward``;
* ``Function``: custom differentiable functions (``forward``/``backward``
  staticmethods, ``apply``), recorded as yaae primitives, so they also work in
  forward mode when a ``jvp`` staticmethod is given;
* ``functional``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``,
  ``hvp`` with PyTorch's signatures, on yaae's transforms;
* ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``,
  ``detect_anomaly``, ``gradcheck``, ``gradgradcheck``.

Example::

    >>> x = ya.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = ya.autograd.grad((x ** 3).sum(), x, create_graph=True)
    >>> ya.autograd.grad(g.sum(), x)[0]      # second derivative: 6 x
    tensor([ 6., 12.], dtype=float64)
"""
import warnings

import numpy as np

from ..tensor import (Tensor, _GradMode, _st, _wrap, _accumulate, no_grad, enable_grad,
                      is_grad_enabled, detect_anomaly)
from ..tensor import backward_sweep as _sweep
from ..tensor import _fire_post_hooks
from .function import Function, FunctionCtx, once_differentiable
from . import function, functional

__all__ = ["grad", "backward", "Function", "FunctionCtx", "once_differentiable", "functional",
           "function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "detect_anomaly", "gradcheck", "gradgradcheck"]


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(mode)``: turn graph recording on or off, as
    ``torch.set_grad_enabled``: the mode takes effect when the object is made,
    so it works as a plain call, as a context manager (the previous mode comes
    back on exit) and as a decorator.

    Example::

        >>> x = ya.tensor(1.0, requires_grad=True)
        >>> with ya.autograd.set_grad_enabled(False):
        ...     (x * 2).requires_grad          # no graph recorded
        False
    """

    def __init__(self, mode):
        super().__init__(bool(mode))
        self.prev.append(_st.grad)
        _st.grad = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        _st.grad = self.prev.pop()       # (as a decorator: the mode applies inside fn only)
        return _GradMode(self.mode)(fn)


def _as_tuple(x, who, what):
    if isinstance(x, Tensor):
        return (x,)
    try:
        xs = tuple(x)
    except TypeError:
        raise TypeError(f"{who}: {what} must be a Tensor or a sequence of Tensors, got "
                        f"{type(x).__name__}") from None
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {what}[{i}] must be a Tensor, got {type(t).__name__}")
    return xs


def _seeds(outputs, grad_outputs, batched, create_graph):
    """The sweep's roots and seeds, checked as ``torch.autograd``'s
    ``_make_grads`` and engine do (same messages, same exception types)."""
    if grad_outputs is None:
        gos = (None,) * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        gos = (grad_outputs,)
    else:
        gos = tuple(grad_outputs)
    if len(gos) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(gos)} gradients")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, gos)):
        cplx = out.dtype.kind == "c"
        if g is None:
            if not out.requires_grad:
                seeds.append(None)
                continue
            if out.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.kind != "f":
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
            seeds.append(np.ones(out.shape, out.dtype))
            continue
        if not isinstance(g, (Tensor, np.ndarray)):
            raise TypeError(f"gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
        gshape = tuple(g.shape[1:]) if batched else tuple(g.shape)
        if gshape != out.shape:
            if batched:
                raise RuntimeError(
                    f"If `is_grads_batched=True`, we interpret the first dimension of each "
                    f"grad_output as the batch dimension. The sizes of the remaining dimensions "
                    f"are expected to match the shape of corresponding output, but a mismatch "
                    f"was detected: grad_output[{i}] has a shape of {gshape} and output[{i}] "
                    f"has a shape of {out.shape}.")
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {gshape} "
                               f"and output[{i}] has a shape of {out.shape}.")
        if (g.dtype.kind == "c") != cplx:
            raise RuntimeError(
                f"For complex Tensors, both grad_output and output are required to have the "
                f"same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and "
                f"output[{i}] has a dtype of {out.dtype}.")
        if create_graph and isinstance(g, Tensor):
            from .. import ops
            if g.dtype != out.dtype:
                g = ops.astype(g, out.dtype)
            seeds.append(ops.conjugate(g) if cplx else g)   # PyTorch's convention in, JAX's inside
        else:
            d = np.array(g.data if isinstance(g, Tensor) else g, dtype=out.dtype)
            seeds.append(np.conjugate(d) if cplx else d)
    roots, gs = [], []
    for i, (out, s) in enumerate(zip(outputs, seeds)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        roots.append(out)
        gs.append(_wrap(s) if create_graph and not isinstance(s, Tensor) else s)
    return roots, gs


def _inputs_tuple(inputs, who):
    if type(inputs) is dict:
        ins = tuple(inputs.values())
    else:
        ins = _as_tuple(inputs, who, "inputs")
    if not ins:
        raise RuntimeError(f"`inputs` argument to `{who}()` cannot be empty.")
    for x in ins:
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: inputs must be Tensors, got {type(x).__name__}")
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    return ins


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (one
    Tensor per input), as ``torch.autograd.grad``; no ``.grad`` is changed.

    ``outputs`` and ``inputs``: a Tensor or a sequence of Tensors (``inputs``
    may be a dict: the result is then a dict with the same keys).
    ``grad_outputs``: the vector each output is multiplied by (a Tensor or
    None per output; None allowed only for one-element outputs, meaning 1).
    ``retain_graph`` (default: ``create_graph``) keeps the graph for another
    sweep; ``create_graph=True`` records the sweep, so the results are
    differentiable again (double backward).  An input the outputs do not
    depend on raises a RuntimeError unless ``allow_unused=True`` (then its
    gradient is None) or ``materialize_grads=True`` (then zeros).
    ``is_grads_batched=True``: the first dimension of every grad_output is a
    batch dimension, all done in one sweep (as ``torch.vmap`` would).
    Complex tensors follow PyTorch's convention (the conjugate of JAX's).

    Example::

        >>> x = ya.tensor([1.0, 2.0], requires_grad=True)
        >>> ya.autograd.grad((x * x).sum(), x)
        (tensor([2., 4.], dtype=float64),)
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    outputs = _as_tuple(outputs, "grad", "outputs")
    ins = _inputs_tuple(inputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    if _st.depth > 0:
        # inside a transform (ya.grad, ...) the graph belongs to it too: keep it.
        # The result is a constant to it unless create_graph=True (as torch.func)
        retain_graph = True
    roots, seeds = _seeds(outputs, grad_outputs, is_grads_batched, create_graph)
    found = _sweep(roots, seeds, inputs=list(ins), retain_graph=retain_graph,
                           create_graph=create_graph)
    res, seen = [], set()
    for x, g in zip(ins, found):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                bshape = tuple(seeds[0].shape[:1]) if is_grads_batched else ()
                z = _wrap(np.zeros(bshape + x.shape, x.dtype))
                z.requires_grad = bool(create_graph)
                res.append(z)
            else:
                res.append(None)
            continue
        if create_graph:
            g = g if isinstance(g, Tensor) else _wrap(np.asarray(g))
            if g.dtype.kind == "c":
                from .. import ops
                g = ops.conjugate(g)
        else:
            g = g.data if isinstance(g, Tensor) else g
            if g.dtype.kind == "c":
                g = np.conjugate(g)
            elif type(g) is not np.ndarray or g.base is not None or not g.flags.writeable \
                    or id(g) in seen:
                g = np.array(g)     # an array of its own for each result
            seen.add(id(g))
            g = _wrap(g)
        res.append(g)
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), res))
    return tuple(res)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves
    they depend on, as ``torch.autograd.backward``.

    ``grad_tensors``: one vector per tensor (None for one-element tensors).
    ``retain_graph`` defaults to ``create_graph``.  With ``inputs`` (a Tensor,
    sequence or dict of Tensors) only their ``.grad`` is accumulated (also for
    non-leaf inputs); the other leaves are left alone.

    Example::

        >>> x = ya.tensor(3.0, requires_grad=True)
        >>> ya.autograd.backward([x * x, 2 * x])
        >>> x.grad
        tensor(8., dtype=float64)
    """
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both "
                               "passed to `backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors, "backward", "tensors")
    ins = None if inputs is None else _inputs_tuple(inputs, "backward")
    roots, seeds = _seeds(tensors, grad_tensors, False, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    found = _sweep(roots, seeds, inputs=None if ins is None else list(ins),
                           retain_graph=retain_graph, create_graph=create_graph)
    if ins is not None:
        owned = set()
        for x, g in zip(ins, found):
            if g is not None:
                _accumulate(x, g, create_graph, owned)
                _fire_post_hooks(x)     # (a leaf's post-accumulate-grad hooks, as PyTorch)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_forward_ad=False, check_backward_ad=True, **unused):
    """``torch.autograd.gradcheck``'s signature on ``ya.testing.gradcheck``:
    ``func``'s derivatives at ``inputs`` (a Tensor or a tuple of them) against
    central finite differences, in reverse mode and, with
    ``check_forward_ad=True``, forward mode.  Returns True; on a mismatch
    raises ``ya.testing.GradcheckError`` (or returns False with
    ``raise_exception=False``).  Inputs are checked in float64, whatever their
    dtype (PyTorch expects float64 inputs); the other PyTorch options
    (``nondet_tol``, ``fast_mode``, ...) are accepted and ignored.

    Example::

        >>> x = ya.tensor([0.5, 1.5], requires_grad=True)
        >>> ya.autograd.gradcheck(ya.sin, (x,))
        True
    """
    return _check(func, inputs, eps, atol, rtol, raise_exception, check_forward_ad,
                  check_backward_ad, 1)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, check_fwd_over_rev=False, check_rev_over_rev=True,
                  **unused):
    """Second-order check as ``torch.autograd.gradgradcheck``: the derivatives of
    ``func``'s vector-Jacobian products (random vectors; ``grad_outputs`` is
    accepted and not used) against finite differences, by
    ``ya.testing.gradcheck(order=2)``.  Returns True, or raises (False with
    ``raise_exception=False``).

    Example::

        >>> ya.autograd.gradgradcheck(ya.tanh, (ya.tensor([0.3], requires_grad=True),))
        True
    """
    return _check(func, inputs, eps, atol, rtol, raise_exception, check_fwd_over_rev,
                  check_rev_over_rev, 2)


def _check(func, inputs, eps, atol, rtol, raise_exception, fwd, rev, order):
    from .. import testing
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    modes = tuple(m for m, on in (("rev", rev), ("fwd", fwd)) if on) or ("rev",)
    try:
        return testing.gradcheck(func, *inputs, eps=eps, atol=atol, rtol=rtol, modes=modes,
                                 order=order)
    except testing.GradcheckError:
        if raise_exception:
            raise
        return False
