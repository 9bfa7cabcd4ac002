"""Docstrings of the registry's functions and Tensor methods, generated from
the op declarations (``registry.py``) in this one place.

Each says: the public name and the NumPy callable it answers for, with that
callable's signature; the semantics (NumPy's, differentiable in both modes to
any order); what differs from PyTorch where something does; a short example
built from the op's kind (elementwise unary or binary, reduction, linear
algebra, FFT, ...); and, after them, the op's own docstring when it has one.
``api.namespace`` and ``tensor.install_methods`` call :func:`op_doc`.
"""
import functools
import inspect
import textwrap

import numpy as np

# Where a PyTorch user would expect something else (issue #11 §3 and the README table).
TORCH = {
    "max": "``axis=`` (or a positional axis) gives the values only, as NumPy; PyTorch's keyword "
           "``dim=`` gives PyTorch's named tuple ``(values, indices)``.",
    "min": "``axis=`` (or a positional axis) gives the values only, as NumPy; PyTorch's keyword "
           "``dim=`` gives PyTorch's named tuple ``(values, indices)``.",
    "std": "NumPy's ``ddof=0`` without an axis or with ``axis=``; with PyTorch's keyword "
           "``dim=``, PyTorch's ``correction=1``. ``ddof=1`` always gives the unbiased estimate.",
    "var": "NumPy's ``ddof=0`` without an axis or with ``axis=``; with PyTorch's keyword "
           "``dim=``, PyTorch's ``correction=1``. ``ddof=1`` always gives the unbiased estimate.",
    "repeat": "NumPy's ``repeat`` repeats elements (``torch.repeat_interleave``); PyTorch's "
              "``Tensor.repeat`` is ``ya.tile``.",
    "tile": "This is what PyTorch's ``Tensor.repeat`` does.",
    "transpose": "A permutation of all the axes (NumPy): PyTorch's ``transpose(i, j)`` is "
                 "``ya.swapaxes(x, i, j)``.",
    "swapaxes": "PyTorch's ``torch.transpose(x, i, j)``.",
    "concatenate": "PyTorch's ``torch.cat``.",
    "clip": "PyTorch's ``torch.clamp``.",
    "around": "PyTorch's ``torch.round``.",
    "pad": "NumPy's ``pad_width`` per axis, first axis first; ``torch.nn.functional.pad`` lists "
           "(before, after) pairs from the LAST axis backwards.",
    "expand_dims": "PyTorch's ``unsqueeze``.",
    "moveaxis": "PyTorch's ``movedim``.",
    "flip": "NumPy's default reverses every axis; ``torch.flip`` needs ``dims``.",
    "take": "NumPy's ``take`` (flat indices without ``axis``); ``torch.index_select`` is "
            "``ya.take(x, idx, axis=dim)``.",
    "sum": "NumPy's ``axis=``/``keepdims=``; PyTorch's ``dim=``/``keepdim=`` are accepted too.",
    "mean": "NumPy's ``axis=``/``keepdims=``; PyTorch's ``dim=``/``keepdim=`` are accepted too.",
    "linalg.norm": "NumPy's ``ord``/``axis`` (``torch.linalg.norm`` uses ``dim``).",
}

_SQUARE = "ya.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)"
_MATRIX = "ya.tensor([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]], requires_grad=True)"
_VECTOR = "ya.tensor([0.5, 1.0, 1.5, 2.0], requires_grad=True)"
_INPUT = {  # inputs inside the op's domain
    "arcsin": "ya.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], requires_grad=True)",
    "arccos": "ya.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], requires_grad=True)",
    "arctanh": "ya.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], requires_grad=True)",
    "arccosh": "ya.tensor([[1.5, 2.0, 2.5], [3.0, 3.5, 4.0]], requires_grad=True)",
}
# The call for ops that need more than one array (``x`` is the example input).
_CALL = {
    "where": "ya.where(x > 1, x, 2 * x)", "astype": "ya.astype(x, 'float32')",
    "broadcast_to": "ya.broadcast_to(x, (4, 2, 3))", "expand_dims": "ya.expand_dims(x, 0)",
    "getitem": "ya.getitem(x, (0, slice(1, None)))", "pad": "ya.pad(x, ((1, 1), (0, 2)))",
    "matmul": "ya.matmul(x, x.T)", "swapaxes": "ya.swapaxes(x, 0, 1)",
    "moveaxis": "ya.moveaxis(x, 0, -1)", "split": "ya.split(x, 3, axis=1)",
    "array_split": "ya.array_split(x, 2, axis=1)", "tile": "ya.tile(x, (2, 1))",
    "repeat": "ya.repeat(x, 2, axis=0)", "dot": "ya.dot(x, x.T)", "vdot": "ya.vdot(x, x)",
    "inner": "ya.inner(x, x)", "outer": "ya.outer(x, x)", "tensordot": "ya.tensordot(x, x, 2)",
    "kron": "ya.kron(x, x)", "rollaxis": "ya.rollaxis(x, 1)", "roll": "ya.roll(x, 1, axis=1)",
    "cross": "ya.cross(x, x[::-1])", "vsplit": "ya.vsplit(x, 2)", "hsplit": "ya.hsplit(x, 3)",
    "dsplit": "ya.dsplit(x.reshape(1, 2, 3), 3)", "append": "ya.append(x, x, axis=0)",
    "select": "ya.select([x < 1, x > 2], [x, 2 * x])", "take": "ya.take(x, [0, 4])",
    "compress": "ya.compress([True, False], x, axis=0)", "partition": "ya.partition(x, 1)",
    "linspace": "ya.linspace(x[0, 0], x[1, 2], 5)",
    "take_along_axis": "ya.take_along_axis(x, ya.argsort(x, axis=1), axis=1)",
    "quantile": "ya.quantile(x, 0.25, axis=1)", "percentile": "ya.percentile(x, 25, axis=1)",
    "nanquantile": "ya.nanquantile(x, 0.25, axis=1)",
    "nanpercentile": "ya.nanpercentile(x, 25, axis=1)",
    "interp": "ya.interp(x, [0.0, 1.0, 4.0], [1.0, 3.0, 2.0])", "polyval": "ya.polyval(x[0], 2.0)",
    "convolve": "ya.convolve(x[0], x[1])", "correlate": "ya.correlate(x[0], x[1], 'full')",
    "atleast_1d": "ya.atleast_1d(x)", "atleast_2d": "ya.atleast_2d(x)",
    "atleast_3d": "ya.atleast_3d(x)",
    "concatenate": "ya.concatenate([x, x], axis=0)", "concat": "ya.concat([x, x], axis=0)",
    "stack": "ya.stack([x, 2 * x])", "hstack": "ya.hstack([x, x])", "vstack": "ya.vstack([x, x])",
    "dstack": "ya.dstack([x, x])", "column_stack": "ya.column_stack([x[0], x[1]])",
    "row_stack": "ya.row_stack([x, x])", "einsum": "ya.einsum('ij,kj->ik', x, x)",
    "diag": "ya.diag(x[0])", "diagflat": "ya.diagflat(x[0])", "trace": "ya.trace(x)",
    "diagonal": "ya.diagonal(x)", "reshape": "ya.reshape(x, (3, 2))", "clip": "ya.clip(x, 1, 2)",
    "clamp": "ya.clamp(x, 1, 2)", "full": "ya.full((2, 2), x[0, 0])",
    "linalg.solve": "ya.linalg.solve(x, x[0])",
    "linalg.matrix_power": "ya.linalg.matrix_power(x, 3)",
    "linalg.tensorsolve": "ya.linalg.tensorsolve(x, x[0])",
    "linalg.lstsq": "ya.linalg.lstsq(x, x[0])",
    "linalg.multi_dot": "ya.linalg.multi_dot([x, x, x])",
    "linalg.tensorinv": "ya.linalg.tensorinv(x, ind=1)",
    "stop_gradient": "x * ya.stop_gradient(x)", "squeeze": "ya.squeeze(x[None], axis=0)",
    "fft.irfft2": "ya.fft.irfft2(x.reshape(2, 2))", "fft.rfft2": "ya.fft.rfft2(x.reshape(2, 2))",
    "fft.fft2": "ya.fft.fft2(x.reshape(2, 2))", "fft.ifft2": "ya.fft.ifft2(x.reshape(2, 2))",
}
_CALL.update({   # ya.scipy.special: orders, parameters and domains
    "scipy.special.polygamma": "ya.scipy.special.polygamma(1, x)",
    "scipy.special.gammainc": "ya.scipy.special.gammainc(2.0, x)",
    "scipy.special.gammaincc": "ya.scipy.special.gammaincc(2.0, x)",
    "scipy.special.betainc": "ya.scipy.special.betainc(2.0, 3.0, x / 4)",
    "scipy.special.betaincc": "ya.scipy.special.betaincc(2.0, 3.0, x / 4)",
    "scipy.special.multigammaln": "ya.scipy.special.multigammaln(x + 1.0, 2)",
    "scipy.special.iv": "ya.scipy.special.iv(1.5, x)",
    "scipy.special.ive": "ya.scipy.special.ive(1.5, x)",
    "scipy.special.jn": "ya.scipy.special.jn(2, x)",
    "scipy.special.yn": "ya.scipy.special.yn(2, x)",
})
_INPUT.update({q: _INPUT["arcsin"] for q in ("scipy.special.erfinv", "scipy.special.erfcinv",
                                               "scipy.special.ndtri", "scipy.special.logit")})
# ya.scipy.linalg / signal / integrate (composites of private primitives; ``x`` is _SQUARE,
# SPD, for linalg): calls whose result is one differentiable array
_SL, _SS, _SI = "ya.scipy.linalg.", "ya.scipy.signal.", "ya.scipy.integrate."
_CALL.update({"scipy.linalg." + n: _SL + c for n, c in {
    "solve_triangular": "solve_triangular(x, x[0], lower=True)",
    "solve_banded": "solve_banded((1, 0), x, x[0])",
    "cholesky": "cholesky(x)", "cho_factor": "cho_factor(x)[0]",
    "cho_solve": "cho_solve(ya.scipy.linalg.cho_factor(x), x[0])",
    "lu_factor": "lu_factor(x)[0]", "lu_solve": "lu_solve(ya.scipy.linalg.lu_factor(x), x[0])",
    "expm": "expm(x)", "sqrtm": "sqrtm(x)", "logm": "logm(x)",
    "solve_sylvester": "solve_sylvester(x, 2 * x, x)",
    "solve_continuous_lyapunov": "solve_continuous_lyapunov(x, x)",
    "block_diag": "block_diag(x, x[0])", "eigh": "eigh(x, eigvals_only=True)",
    "det": "det(x)", "inv": "inv(x)"}.items()})
_CALL.update({"scipy.signal." + n: _SS + c for n, c in {
    "convolve": "convolve(x[0], x[1])", "correlate": "correlate(x[0], x[1], 'same')",
    "fftconvolve": "fftconvolve(x[0], x[1])", "convolve2d": "convolve2d(x, x[:, :2])",
    "correlate2d": "correlate2d(x, x[:, :2], boundary='wrap')"}.items()})
_CALL.update({"scipy.integrate." + n: _SI + c for n, c in {
    "trapezoid": "trapezoid(x, dx=0.5, axis=1)", "simpson": "simpson(x, x=x[0], axis=1)"}.items()})
_TUPLE_OUT = {"split", "array_split", "vsplit", "hsplit", "dsplit", "linalg.svd", "linalg.eigh",
              "linalg.eig", "linalg.qr", "linalg.slogdet", "linalg.lstsq", "atleast_1d",
              "atleast_2d", "atleast_3d", "linalg.cholesky"}
_NONFLOAT_OUT = {"astype"}


def _np_signature(f, home="numpy"):
    """``name(signature)`` of a NumPy callable (ufuncs: their positional arguments; ``home``:
    the module of a ufunc, which does not say, ``scipy.special`` for SciPy's)."""
    name = f"{getattr(f, '__module__', None) or home}.{getattr(f, '__name__', f)}"
    name = name.replace("numpy._core.", "numpy.").replace("numpy.core.", "numpy.")
    if name.startswith("_operator") or name.startswith("operator"):
        return f"the operator {name.split('.')[-1]}"
    if isinstance(f, np.ufunc):
        args = ", ".join(f"x{i + 1}" for i in range(f.nin)) if f.nin > 1 else "x"
        return f"``{name}({args}, /, ...)`` (a ufunc)"
    try:
        return f"``{name}{inspect.signature(f)}``"
    except (TypeError, ValueError):
        return f"``{name}``"


def _kind(op):
    p = op.prim
    if op.module in ("linalg", "fft", "scipy.linalg", "scipy.signal", "scipy.integrate"):
        return op.module
    if p is not None and p.bcast and isinstance(p.vjps, tuple):
        return {1: "unary", 2: "binary"}.get(len(p.vjps), "elementwise")
    try:
        params = inspect.signature(op.fn).parameters
    except (TypeError, ValueError):
        params = {}
    return "axis" if "axis" in params else "array"


_SENTENCE = {
    "unary": "Elementwise, with NumPy's broadcasting and dtype rules (float32 stays float32).",
    "binary": "Elementwise on its two arguments broadcast against each other (NumPy's rules); "
              "either may be a Tensor, an ndarray or a Python number.",
    "elementwise": "Elementwise on its arguments broadcast against each other (NumPy's rules).",
    "axis": "Over the whole array, or along ``axis`` (an int or, where NumPy allows, a tuple), "
            "with NumPy's ``keepdims``.",
    "array": "NumPy's semantics: the same arguments, the same result shape and dtype.",
    "linalg": "NumPy's ``numpy.linalg`` semantics, batched over leading dimensions.",
    "fft": "NumPy's ``numpy.fft`` semantics (norm=\"backward\" by default).",
    "scipy.linalg": "SciPy's ``scipy.linalg.{name}`` semantics: the same arguments (keywords "
                    "that only tune SciPy's memory use are accepted and ignored) and results, "
                    "batched over leading dimensions where SciPy batches.",
    "scipy.signal": "SciPy's ``scipy.signal.{name}`` semantics: the same arguments and results.",
    "scipy.integrate": "SciPy's ``scipy.integrate.{name}`` semantics: the same arguments and "
                       "results.",
}


def _example(op, kind):
    q = op.qualname
    x = _INPUT.get(q, _SQUARE if kind in ("linalg", "scipy.linalg")
                   else _VECTOR if kind == "fft" else _MATRIX)
    if q in _CALL:
        call = _CALL[q]
    elif kind == "binary":
        call = f"ya.{q}(x, 2.0 * x)"
    elif kind == "axis":
        call = f"ya.{q}(x, axis=1)"
    else:
        call = f"ya.{q}(x)"
    lines = [f">>> x = {x}", f">>> y = {call}"]
    meth = [m for m in op.methods if not m.startswith("_")]
    if meth and q not in _CALL:
        rest = call[call.index("(x") + 2:].lstrip(", ")
        lines.append(f">>> y = x.{meth[0]}({rest}")
    if q not in _TUPLE_OUT and q not in _NONFLOAT_OUT:
        real = "ya.real(y).sum()" if kind == "fft" else "y.sum()"
        lines += [f">>> {real}.backward()                  # reverse mode: x.grad",
                  f">>> ya.jvp(lambda x: {call}, (x,), (ya.ones_like(x),))   # forward mode"]
    return "\n".join("    " + ln for ln in lines)


_ORIGINAL = {}


def _own_doc(op):
    """The op's own docstring (not NumPy's or SciPy's, which its forward function may carry;
    a primitive running a foreign function may be given one: ``prim.__doc__``)."""
    if op.qualname not in _ORIGINAL:
        f = op.prim.fwd if op.prim is not None else op.fn
        doc = inspect.getdoc(f) if (getattr(f, "__module__", "") or "").startswith("yaae") else None
        if op.prim is not None and op.prim.__doc__ != getattr(f, "__doc__", None):
            doc = inspect.cleandoc(op.prim.__doc__)
        _ORIGINAL[op.qualname] = doc
    return _ORIGINAL[op.qualname]


def _signature(op):
    fwd = op.prim.fwd if op.prim is not None else None
    if isinstance(fwd, np.ufunc):          # not the ufunc's out=, where=, casting=, ...
        return "(x)" if fwd.nin == 1 else f"({', '.join(f'x{i + 1}' for i in range(fwd.nin))})"
    try:
        return str(inspect.signature(op.fn))
    except (TypeError, ValueError):
        return "(...)"


@functools.lru_cache(maxsize=None)
def op_doc(op):
    """The docstring of ``ya.<op.qualname>`` and of the Tensor methods it provides."""
    kind = _kind(op)
    own = _own_doc(op)
    head = f"ya.{op.qualname}{_signature(op)}"
    parts = [head, ""]
    if op.numpy:
        scipy = op.module.startswith("scipy.")
        parts.append(("SciPy's " if scipy else "NumPy's ")
                     + ", ".join(_np_signature(f, op.module if scipy else "numpy")
                                 for f in op.numpy) + " on Tensors.")
    parts.append(_SENTENCE[kind].format(name=op.name) + " Differentiable in reverse mode "
                 "(``backward``, ``ya.grad``) "
                 "and forward mode (``ya.jvp``), to any order.")
    meth = [m for m in op.methods if not m.startswith("_")]
    if meth or op.aliases:
        parts.append("Also " + ", ".join([f"``Tensor.{m}``" for m in meth] +
                                         [f"``ya.{op.module + '.' if op.module else ''}{a}``"
                                          for a in op.aliases]) + ".")
    if op.qualname in TORCH:
        parts.append("Differs from PyTorch: " + TORCH[op.qualname])
    parts = [textwrap.fill(p, 88, break_on_hyphens=False, break_long_words=False) for p in parts]
    if own:
        parts += ["", own]
    parts += ["", "Example::", "", _example(op, kind)]
    return "\n".join(parts)


def nondiff_doc(name, np_fn):
    """The docstring of ``ya.NAME`` for a NumPy function whose result carries no derivative."""
    return (f"ya.{name}(...)\n\n{_np_signature(np_fn)} on Tensors, run on the data: the result "
            f"carries no derivative (an integer, bool or index result), as a Tensor that does not "
            f"require grad. Same arguments as NumPy's.\n\nExample::\n\n"
            f"    >>> x = ya.tensor([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]])\n"
            f"    >>> ya.{name}(x{', x' if getattr(np_fn, 'nin', 1) == 2 else ''})")


# Tensor methods and properties installed from ``install_methods``' ``extra`` table that are
# lambdas or made by a factory (no docstring of their own in the source).
_X = "    >>> x = ya.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)\n"
EXTRA_DOCS = {
    "T": "The transpose (all axes reversed, NumPy's ``.T``), differentiable.\n\n"
         f"Example::\n\n{_X}    >>> x.T.shape\n    (3, 2)",
    "mT": "The matrix transpose: the last two axes swapped (batched), as ``torch.mT`` and "
          f"NumPy's ``.mT``.\n\nExample::\n\n{_X}    >>> x.mT.shape\n    (3, 2)",
    "real": "The real part (a differentiable view for complex tensors; the tensor itself for "
            "real ones), as NumPy's ``.real``.\n\nExample::\n\n"
            "    >>> ya.tensor([1 + 2j]).real\n    tensor([1.], dtype=float64)",
    "imag": "The imaginary part, as NumPy's ``.imag`` (differentiable).\n\nExample::\n\n"
            "    >>> ya.tensor([1 + 2j]).imag\n    tensor([2.], dtype=float64)",
    "unsqueeze": "``unsqueeze(dim)``: a new axis of length 1 at ``dim``, as PyTorch "
                 f"(``ya.expand_dims``).\n\nExample::\n\n{_X}    >>> x.unsqueeze(0).shape\n"
                 "    (1, 2, 3)",
    "zero_": "Fill with zeros in place and return the tensor, as PyTorch (recorded on results "
             "of operations; on leaves that require grad only under ``ya.no_grad()``).\n\n"
             "Example::\n\n    >>> x = ya.ones(3)\n    >>> x.zero_()\n"
             "    tensor([0., 0., 0.], dtype=float64)",
    "argmax": "``argmax(axis=None, keepdims=False)``: indices of the maxima (flat without "
              "``axis``), NumPy's; not differentiable (a Tensor of int64).\n\nExample::\n\n"
              f"{_X}    >>> x.argmax(axis=1)\n    tensor([2, 2], dtype=int64)",
    "argmin": "``argmin(axis=None, keepdims=False)``: indices of the minima (flat without "
              "``axis``), NumPy's; not differentiable (a Tensor of int64).\n\nExample::\n\n"
              f"{_X}    >>> x.argmin(axis=1)\n    tensor([0, 0], dtype=int64)",
}
for _name, _op, _out in (("sub_", "-", "-1., -1., -1."), ("mul_", "*", "2., 2., 2."),
                         ("div_", "/", "0.5, 0.5, 0.5")):
    EXTRA_DOCS[_name] = (f"``{_name}(other)``: ``self {_op}= other`` in place, returning the "
                         "tensor, as PyTorch (``other`` broadcast to self's shape; NumPy's "
                         "values; recorded on results of operations, refused on leaves that "
                         "require grad outside ``ya.no_grad()``).\n\nExample::\n\n"
                         f"    >>> x = ya.ones(3)\n    >>> x.{_name}(2.0)\n"
                         f"    tensor([{_out}], dtype=float64)")
