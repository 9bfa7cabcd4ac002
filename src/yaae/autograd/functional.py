"""``torch.autograd.functional`` on yaae's transforms: ``jacobian``, ``hessian``,
``vjp``, ``jvp``, ``vhp``, ``hvp`` with PyTorch's signatures and result
structure.

``inputs`` is a Tensor or a tuple of Tensors and ``func`` returns a Tensor or
a tuple of Tensors; each result mirrors that: a Tensor for a Tensor, a tuple
for a tuple (``jacobian``: a tuple over outputs of tuples over inputs, each
of shape ``output.shape + input.shape``).  Results are detached unless
``create_graph=True`` (then they are differentiable with respect to inputs
that require grad).  ``strict=True`` raises when an output does not depend
on an input, with PyTorch's messages.  ``vectorize`` is accepted: yaae's
Jacobians are always computed in batched sweeps.
"""
import numpy as np

from ..tensor import Tensor, _wrap, enable_grad
from .. import transforms

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


def _as_tuple(x, arg_name, fn_name):
    is_tuple = isinstance(x, tuple)
    xs = x if is_tuple else (x,)
    for i, el in enumerate(xs):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(el)}.")
    return is_tuple, xs


def _post(res, unpack):
    """Undo the tupling (``unpack``: a bool, or (outputs, inputs) bools), as
    PyTorch's ``_tuple_postprocess``."""
    if isinstance(unpack, tuple):
        if not unpack[1]:
            res = tuple(el[0] for el in res)
        if not unpack[0]:
            res = res[0]
    elif not unpack:
        res = res[0]
    return res


def _finish(x, create_graph):
    """A result Tensor: detached unless create_graph."""
    if isinstance(x, tuple):
        return tuple(_finish(v, create_graph) for v in x)
    if not isinstance(x, Tensor):
        return _wrap(np.asarray(x))
    return x if create_graph else _wrap(x._data)


def _tupled(func, fn_name):
    """``func`` returning a tuple of Tensors, and a one-item list that tells,
    once it has run, whether ``func`` itself returned a tuple."""
    is_out_tuple = [False]

    def f(*xs):
        is_out_tuple[0], outs = _as_tuple(func(*xs), "outputs of the user-provided function",
                                          fn_name)
        return outs
    return f, is_out_tuple


def _prep(inputs, create_graph):
    """The inputs the transforms see: detached unless create_graph."""
    return tuple(x if create_graph else x.detach() for x in inputs)


def _check_strict(func, inputs, fn_name):
    """PyTorch's strict mode: every output requires grad and depends on every input."""
    from . import grad
    xs = tuple(x.detach().requires_grad_(True) if x.dtype.kind in "fc" else x for x in inputs)
    with enable_grad():
        _, outs = _as_tuple(func(*xs), "outputs of the user-provided function", fn_name)
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. "
                    f"The outputs must be computed in a differentiable manner from the input "
                    f"when running in strict mode.")
            gs = grad(o, xs, grad_outputs=_wrap(np.ones(o.shape, o.dtype)), allow_unused=True,
                      retain_graph=True)
            for j, g in enumerate(gs):
                if g is None:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent "
                                       f"of input {j}. This is not allowed in strict mode.")


def _check_strategy(strategy, create_graph, strict, vectorize):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                '"forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError(
                'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                'are not supported together (yet). Please either set `strict=False` or '
                '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`.")
    if strict and vectorize:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`.")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``, as ``torch.autograd.functional.jacobian``.

    ``inputs``: a Tensor or a tuple of Tensors; ``func`` returns a Tensor or a
    tuple of Tensors.  The result is a Tensor of shape ``out.shape +
    in.shape`` when both are single Tensors, a tuple over inputs (or over
    outputs) when one of them is a tuple, and a tuple over outputs of tuples
    over inputs when both are.  ``strategy="reverse-mode"`` uses
    ``ya.jacrev``, ``"forward-mode"`` (with ``vectorize=True``, as PyTorch)
    ``ya.jacfwd``; as PyTorch, the forward-mode results are lists where the
    reverse-mode ones are tuples (except a tuple over outputs of a single
    input).  ``create_graph=True`` keeps the result differentiable.

    Example::

        >>> ya.autograd.functional.jacobian(lambda x: x ** 2, ya.tensor([1.0, 2.0]))
        tensor([[2., 0.],
               [0., 4.]], dtype=float64)
    """
    _check_strategy(strategy, create_graph, strict, vectorize)
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    if strict:
        _check_strict(func, ins, "jacobian")
    f, is_out_tuple = _tupled(func, "jacobian")
    t = transforms.jacfwd if strategy == "forward-mode" else transforms.jacrev
    res = _finish(t(f, argnums=tuple(range(len(ins))))(*_prep(ins, create_graph)), create_graph)
    if strategy == "forward-mode":     # (PyTorch builds these results as lists)
        res = [list(r) for r in res]
    return _post(res, (is_out_tuple[0], is_in_tuple))


def _scalar_func(func, fn_name):
    def f(*xs):
        out = func(*xs)
        is_tuple, _ = _as_tuple(out, "outputs of the user-provided function", fn_name)
        if is_tuple:
            raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
        if out.size != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                               f"contain a single element")
        return out.reshape(())
    return f


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a one-element-output ``func`` at ``inputs``, as
    ``torch.autograd.functional.hessian``: a Tensor of shape ``in.shape +
    in.shape`` for a Tensor input, a tuple of tuples (``[i][j]`` of shape
    ``in_i.shape + in_j.shape``) for a tuple of inputs; with
    ``outer_jacobian_strategy="forward-mode"`` (and ``vectorize=True``) a list
    of lists, as PyTorch.  Computed by ``ya.hessian``;
    ``outer_jacobian_strategy`` is checked as PyTorch does.

    Example::

        >>> ya.autograd.functional.hessian(lambda x: (x ** 3).sum(), ya.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
               [ 0., 12.]], dtype=float64)
    """
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    _check_strategy(outer_jacobian_strategy, create_graph, strict, vectorize)
    f = _scalar_func(func, "hessian")
    if strict:
        _check_strict(f, ins, "hessian")
        _check_strict(lambda *xs: transforms.grad(f, tuple(range(len(xs))))(*xs), ins, "hessian")
    res = transforms.hessian(f, argnums=tuple(range(len(ins))))(*_prep(ins, create_graph))
    res = _finish(res, create_graph)
    if outer_jacobian_strategy == "forward-mode":     # (lists, as PyTorch's jacobian builds)
        res = [list(r) for r in res]
    return _post(res, (is_in_tuple, is_in_tuple))


def _v_tuple(v, ref, is_ref_tuple, fn_name, what):
    """``v`` checked against ``ref`` (PyTorch's ``_validate_v``); None allowed
    for a single one-element Tensor (then ones)."""
    if v is None:
        if is_ref_tuple or ref[0].size != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} is a single Tensor "
                               f"with a single element.")
        return (_wrap(np.ones(ref[0].shape, ref[0].dtype)),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(ref):
        if is_ref_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(ref)} but got "
                               f"{len(vs)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(vs, ref)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if is_ref_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")
    return vs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func_output, vjp)``: ``v`` times the Jacobian of ``func`` at ``inputs``,
    as ``torch.autograd.functional.vjp`` (``v`` shaped like the output; None
    for a one-element output).  ``vjp`` is a Tensor or a tuple like ``inputs``.

    Example::

        >>> ya.autograd.functional.vjp(lambda x: x ** 2, ya.tensor([1.0, 2.0]),
        ...                            ya.tensor([1.0, 1.0]))[1]
        tensor([2., 4.], dtype=float64)
    """
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    if strict:
        _check_strict(func, ins, "vjp")
    f, is_out_tuple = _tupled(func, "vjp")
    out, fn = transforms.vjp(f, *_prep(ins, create_graph))
    vs = _v_tuple(v, out, is_out_tuple[0], "vjp", "user-provided function")
    res = fn(tuple(vs))
    return (_post(_finish(out, create_graph), is_out_tuple[0]),
            _post(_finish(res, create_graph), is_in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func_output, jvp)``: the Jacobian of ``func`` at ``inputs`` times
    ``v`` (shaped like the inputs; None for one one-element input), as
    ``torch.autograd.functional.jvp``, by forward mode (``ya.jvp``, where
    PyTorch uses a double-backward trick: the values agree).

    Example::

        >>> ya.autograd.functional.jvp(lambda x: x ** 2, ya.tensor([1.0, 2.0]),
        ...                            ya.tensor([1.0, 0.0]))[1]
        tensor([2., 0.], dtype=float64)
    """
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    vs = _v_tuple(v, ins, is_in_tuple, "jvp", "input to the user-provided function")
    if strict:
        _check_strict(func, ins, "jvp")
    f, is_out_tuple = _tupled(func, "jvp")
    out, res = transforms.jvp(f, _prep(ins, create_graph), tuple(vs))
    return (_post(_finish(out, create_graph), is_out_tuple[0]),
            _post(_finish(res, create_graph), is_out_tuple[0]))


def _hv(func, inputs, v, create_graph, strict, fn_name):
    is_in_tuple, ins = _as_tuple(inputs, "inputs", fn_name)
    vs = _v_tuple(v, ins, is_in_tuple, fn_name, "input to the user-provided function")
    f = _scalar_func(func, fn_name)
    if strict:
        _check_strict(f, ins, fn_name)
    value, hv = transforms.hvp(f, _prep(ins, create_graph), tuple(vs))
    hv = hv if isinstance(hv, tuple) else (hv,)
    return _finish(value, create_graph), _post(_finish(hv, create_graph), is_in_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func_output, vhp)``: ``v`` times the Hessian of a one-element-output
    ``func`` at ``inputs``, as ``torch.autograd.functional.vhp`` (``v``
    shaped like the inputs; a Tensor or tuple like ``inputs``).

    Example::

        >>> ya.autograd.functional.vhp(lambda x: (x ** 3).sum(), ya.tensor([1.0, 2.0]),
        ...                            ya.tensor([1.0, 1.0]))[1]
        tensor([ 6., 12.], dtype=float64)
    """
    return _hv(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func_output, hvp)``: the Hessian of a one-element-output ``func`` at
    ``inputs`` times ``v``, as ``torch.autograd.functional.hvp`` (equal to
    ``vhp`` for twice-differentiable functions: the Hessian is symmetric).

    Example::

        >>> ya.autograd.functional.hvp(lambda x: (x ** 3).sum(), ya.tensor([1.0, 2.0]),
        ...                            ya.tensor([1.0, 0.0]))[1]
        tensor([6., 0.], dtype=float64)
    """
    return _hv(func, inputs, v, create_graph, strict, "hvp")
