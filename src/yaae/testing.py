"""Checking derivatives against central finite differences.

``gradcheck(f, *inputs)`` compares the Jacobian that yaae computes (reverse
mode, forward mode, or both) with one estimated by central differences in
float64, and with ``order=2`` does the same for the derivatives of the
derivatives (every nesting of the chosen modes).
"""
import numpy as np

from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError", "numerical_jacobian", "real_function"]


class GradcheckError(AssertionError):
    """A derivative disagreed with finite differences.

    Raised by ``gradcheck``: the message names the input, the mode and the worst entry.
    """


def _as64(x):
    """float64 (complex128 for complex data) copy of an input."""
    d = np.asarray(x.data if isinstance(x, Tensor) else x)
    return np.array(d, dtype=np.complex128 if d.dtype.kind == "c" else np.float64)


def real_function(f, inputs):
    """``f`` seen as a function of real numbers: ``(g, real_inputs)``.

    Each complex input becomes two real arguments (its real and imaginary
    parts) and each complex output leaf two real leaves, so a complex
    function is checked as the map of R^2n to R^2m it is.  ``g`` rebuilds
    ``z = x + 1j * y`` and takes ``real``/``imag`` with yaae's own ops, whose
    rules follow JAX's convention (a cotangent ``c`` pairs with ``dz`` as
    ``Re(c * dz)``): ``g``'s derivatives agree with finite differences exactly
    when ``f``'s complex derivatives are right in that convention.  Real
    inputs and outputs pass through unchanged.

    Example::

        >>> g, xs = ya.testing.real_function(lambda z: z * z, [np.array([1 + 2j])])
        >>> len(xs)                # real and imaginary parts
        2
    """
    from . import ops
    from .ops.complex import real, imag
    from .transforms import tree_flatten
    kinds = [np.asarray(x.data if isinstance(x, Tensor) else x).dtype.kind == "c"
             for x in inputs]
    real_inputs = []
    for x, c in zip(inputs, kinds):
        d = np.asarray(x.data if isinstance(x, Tensor) else x)
        real_inputs += [np.array(d.real), np.array(d.imag)] if c else [d]

    def g(*xs):
        args, k = [], 0
        for c in kinds:
            if c:
                args.append(ops.add(xs[k], ops.multiply(xs[k + 1], 1j)))
                k += 2
            else:
                args.append(xs[k])
                k += 1
        leaves, _ = tree_flatten(f(*args))
        out = []
        for l in leaves:
            if np.asarray(l.data if isinstance(l, Tensor) else l).dtype.kind == "c":
                out += [real(l), imag(l)]
            else:
                out.append(l)
        return tuple(out) if len(out) != 1 else out[0]
    return g, real_inputs


def _is_complex_fn(f, inputs):
    from .transforms import tree_flatten
    if any(x.dtype.kind == "c" for x in inputs):
        return True
    leaves, _ = tree_flatten(f(*[Tensor(a) for a in inputs]))
    return any(np.asarray(l.data if isinstance(l, Tensor) else l).dtype.kind == "c"
               for l in leaves)


def _flat_out(res):
    from .transforms import tree_flatten
    leaves, _ = tree_flatten(res)
    return np.concatenate([np.ravel(np.asarray(l.data if isinstance(l, Tensor) else l,
                                               dtype=np.float64)) for l in leaves])


def numerical_jacobian(f, inputs, eps=1e-6):
    """Central-difference Jacobians, one per input: shape (n_out, input.size).

    ``numerical_jacobian(f, inputs, eps=1e-6)``: ``inputs`` a list of arrays.

    Example::

        >>> J, = ya.testing.numerical_jacobian(lambda x: x ** 2, [np.array([1.0, 2.0])])
        >>> np.round(J, 6)
        array([[2., 0.],
               [0., 4.]])
    """
    inputs = [_as64(x) for x in inputs]
    jacs = []
    for i, x in enumerate(inputs):
        cols = []
        for j in range(x.size):
            xp = x.copy().reshape(-1)
            xm = x.copy().reshape(-1)
            xp[j] += eps
            xm[j] -= eps
            args_p = inputs[:i] + [xp.reshape(x.shape)] + inputs[i + 1:]
            args_m = inputs[:i] + [xm.reshape(x.shape)] + inputs[i + 1:]
            fp = _flat_out(f(*[Tensor(a) for a in args_p]))
            fm = _flat_out(f(*[Tensor(a) for a in args_m]))
            cols.append((fp - fm) / (2 * eps))
        n_out = _flat_out(f(*[Tensor(a) for a in inputs])).size
        jacs.append(np.stack(cols, axis=1) if cols else np.zeros((n_out, 0)))
    return jacs


def _rev_jacobian(f, inputs, n_out):
    from .transforms import vjp
    out, fn = vjp(lambda *xs: _concat_out(f(*xs)), *inputs)
    rows = []
    for k in range(n_out):
        u = np.zeros(n_out)
        u[k] = 1.0
        gs = fn(u)
        rows.append([np.ravel(np.asarray(g, dtype=np.float64)) for g in gs])
    return [np.stack([r[i] for r in rows], axis=0) if rows else np.zeros((0, x.size))
            for i, x in enumerate(inputs)]


def _fwd_jacobian(f, inputs, n_out):
    from .transforms import jvp
    jacs = []
    for i, x in enumerate(inputs):
        cols = []
        for j in range(x.size):
            ts = [np.zeros(y.shape, y.dtype) for y in inputs]   # C order: reshape is a view
            ts[i].reshape(-1)[j] = 1.0
            _, t = jvp(lambda *xs: _concat_out(f(*xs)), tuple(inputs), tuple(ts))
            cols.append(np.ravel(np.asarray(t, dtype=np.float64)))
        jacs.append(np.stack(cols, axis=1) if cols else np.zeros((n_out, 0)))
    return jacs


def _concat_out(res):
    """f's outputs as one flat float64 Tensor (for Jacobian bookkeeping)."""
    from .transforms import tree_flatten
    from . import ops
    leaves, _ = tree_flatten(res)
    parts = [ops.ravel(l) if isinstance(l, Tensor) else np.ravel(np.asarray(l, dtype=np.float64))
             for l in leaves]
    return ops.concatenate(parts) if len(parts) > 1 else parts[0]


def _compare(name, got, want, atol, rtol):
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            raise GradcheckError(f"gradcheck ({name}): Jacobian for input {i} has shape "
                                 f"{g.shape}, finite differences {w.shape}")
        err = np.abs(g - w) - (atol + rtol * np.abs(w))
        bad = ~(err <= 0)
        if bad.any():
            k = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
            raise GradcheckError(
                f"gradcheck ({name}): input {i}, output element {k[0]}, input element {k[1]}: "
                f"computed {g[k]!r} but finite differences give {w[k]!r} "
                f"(|diff| = {abs(g[k] - w[k]):.3g}, atol={atol}, rtol={rtol}; "
                f"{int(bad.sum())} of {bad.size} entries differ)")


def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, modes=("rev",), order=1,
              seed=0):
    """Check ``f``'s derivatives at ``inputs`` against central differences.

    ``modes``: any of ``"rev"`` (reverse mode) and ``"fwd"`` (forward mode).
    ``order=2`` also checks the derivatives of ``u·J`` (reverse) and ``J·v``
    (forward) for random ``u``, ``v``, in every mode: every nesting of the
    modes up to that order.  Inputs are converted to float64 (complex128 for
    complex ones).  Complex inputs and outputs count as pairs of real numbers
    (see ``real_function``): derivatives are checked in JAX's convention.
    Returns True, or raises ``GradcheckError`` describing the worst mismatch.

    Unlike ``torch.autograd.gradcheck`` the defaults are ``eps=1e-6,
    atol=1e-5, rtol=1e-3, modes=("rev",), order=1`` and inputs need not require
    grad; ``modes=("rev", "fwd"), order=2`` checks both modes to second order.

    Example::

        >>> ya.testing.gradcheck(lambda x: ya.sin(x) * x, np.array([0.5, 1.0]), modes=("rev", "fwd"), order=2)
        True
    """
    if isinstance(modes, str):
        modes = (modes,)
    for m in modes:
        if m not in ("rev", "fwd"):
            raise ValueError(f"gradcheck: unknown mode {m!r} (use 'rev' and/or 'fwd')")
    inputs = [_as64(x) for x in inputs]
    if _is_complex_fn(f, inputs):       # complex: as a function of real numbers
        f, inputs = real_function(f, inputs)
    num = numerical_jacobian(f, inputs, eps)
    n_out = num[0].shape[0] if num else 0
    if "rev" in modes:
        _compare("reverse mode", _rev_jacobian(f, inputs, n_out), num, atol, rtol)
    if "fwd" in modes:
        _compare("forward mode", _fwd_jacobian(f, inputs, n_out), num, atol, rtol)
    if order > 1:
        from .transforms import vjp, jvp
        rng = np.random.default_rng(seed)
        if "rev" in modes:
            u = rng.standard_normal(n_out)

            def f_rev(*xs):
                return vjp(lambda *ys: _concat_out(f(*ys)), *xs)[1](u)
            gradcheck(f_rev, *inputs, eps=eps, atol=atol, rtol=rtol, modes=modes,
                      order=order - 1, seed=seed + 1)
        if "fwd" in modes:
            vs = [rng.standard_normal(x.shape) for x in inputs]

            def f_fwd(*xs):
                return jvp(lambda *ys: _concat_out(f(*ys)), xs, tuple(vs))[1]
            gradcheck(f_fwd, *inputs, eps=eps, atol=atol, rtol=rtol, modes=modes,
                      order=order - 1, seed=seed + 1)
    return True
