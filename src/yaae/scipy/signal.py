"""``ya.scipy.signal``: SciPy's convolutions, differentiable in both inputs
in reverse and forward mode to any order.

Every function is one private primitive, the ``'full'`` convolution
computed by SciPy (``scipy.signal.convolve`` or ``fftconvolve``), followed
by differentiable slicing for the ``'same'`` and ``'valid'`` modes (and
differentiable padding for ``convolve2d``'s boundaries).  A convolution is
linear in each input: its VJP is the correlation of the cotangent with the
other input, computed by the same primitive on a flipped input, so it
differentiates again.  Complex inputs follow JAX's convention (no
conjugation of the cotangent).  Every public function is declared in the op
registry as a composite (``defcomposite(module="scipy.signal")``), so the
sample table ``tests/opinfo`` checks each one.
"""
import numpy as np
import scipy.signal as _ss

from ..tensor import _data
from ..ops.registry import defop as _defop, defcomposite as _defcomposite
from ..ops.shape import pad as _pad
from ..ops.composite import flip as _flip
from ..ops.complex import conjugate as _conjugate

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve"]

_MODES = ("full", "valid", "same")


def _full(x, k, axes, method):
    if method == "fft_axes":
        return _ss.fftconvolve(x, k, mode="full", axes=axes)
    return _ss.convolve(x, k, mode="full", method=method)


def _window(full, axes, starts, sizes):
    """``full[start:start + size]`` along each of ``axes``."""
    idx = [slice(None)] * full.ndim
    for ax, s, n in zip(axes, starts, sizes):
        idx[ax] = slice(s, s + n)
    return full[tuple(idx)]


def _vjp(g, other, own, axes, method):
    """The gradient of one input: ``g`` correlated with the ``other`` input,
    the window of ``full(g, _flip(other))`` that lines up with this one."""
    c = _full_p(g, _flip(other, axis=axes), axes=axes, method=method)
    return _window(c, axes, [other.shape[a] - 1 for a in axes], [own.shape[a] for a in axes])


# the 'full' N-d convolution of x and k over ``axes`` (fftconvolve broadcasts the others)
_full_p = _defop("scipy.signal.convolve", _full, saves="args", register=False, batchable=False,
               vjp=(lambda g, ans, x, k, axes, method: _vjp(g, k, x, axes, method),
                    lambda g, ans, x, k, axes, method: _vjp(g, x, k, axes, method)),
               jvp=(lambda t, ans, x, k, axes, method: _full_p(t, k, axes=axes, method=method),
                    lambda t, ans, x, k, axes, method: _full_p(x, t, axes=axes, method=method)))


def _mode(full, s1, s2, axes, mode, who):
    """The ``mode`` window of a full convolution of inputs of shapes ``s1``, ``s2``."""
    if mode == "full":
        return full
    n1 = [s1[a] for a in axes]
    n2 = [s2[a] for a in axes]
    m = [full.shape[a] for a in axes]
    if mode == "same":
        return _window(full, axes, [(f - n) // 2 for f, n in zip(m, n1)], n1)
    if not (all(a >= b for a, b in zip(n1, n2)) or all(a <= b for a, b in zip(n1, n2))):
        raise ValueError(f"{who}: for 'valid' mode, one must be at least as large as the "
                         f"other in every dimension (shapes {tuple(s1)} and {tuple(s2)})")
    return _window(full, axes, [min(a, b) - 1 for a, b in zip(n1, n2)],
                   [abs(a - b) + 1 for a, b in zip(n1, n2)])


def _check(in1, in2, mode, who):
    if mode not in _MODES:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    s1, s2 = np.shape(_data(in1)), np.shape(_data(in2))
    if len(s1) != len(s2):
        raise ValueError(f"{who}: in1 and in2 should have the same dimensionality "
                         f"(got shapes {s1} and {s2})")
    return s1, s2


@_defcomposite(module="scipy.signal")
def convolve(in1, in2, mode="full", method="auto"):
    """The N-d convolution of ``in1`` and ``in2`` (same number of
    dimensions), as SciPy's: ``mode`` 'full', 'valid' or 'same' (the size
    of ``in1``), ``method`` 'auto', 'direct' or 'fft' (SciPy computes it).
    Differentiable in both inputs.

    >>> ya.scipy.signal.convolve(ya.tensor([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    tensor([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    """
    s1, s2 = _check(in1, in2, mode, "convolve")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"acceptable method flags are 'auto', 'direct', or 'fft', "
                         f"got {method!r}")
    axes = tuple(range(len(s1)))
    return _mode(_full_p(in1, in2, axes=axes, method=method), s1, s2, axes, mode, "convolve")


def _reverse(in2):
    """``in2`` flipped along every axis and conjugated: correlation as convolution."""
    r = _flip(in2)
    return _conjugate(r) if np.iscomplexobj(_data(in2)) else r


@_defcomposite(module="scipy.signal")
def correlate(in1, in2, mode="full", method="auto"):
    """The N-d cross-correlation of ``in1`` and ``in2``, as SciPy's
    (``in2`` conjugated, modes and methods as ``convolve``).
    Differentiable in both inputs.

    >>> ya.scipy.signal.correlate(ya.tensor([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    tensor([0.5, 2. , 3.5, 3. , 0. ], dtype=float64)
    """
    s1, s2 = _check(in1, in2, mode, "correlate")
    if mode == "valid" and all(a <= b for a, b in zip(s1, s2)) and s1 != s2:
        # SciPy swaps the inputs: the result is the reversed, conjugated correlation
        return _reverse(correlate(in2, in1, mode, method))
    return convolve(in1, _reverse(in2), mode, method)


_BOUNDARIES = {"fill": "fill", "_pad": "fill", "wrap": "wrap", "circular": "wrap",
               "symm": "symmetric", "symmetric": "symmetric"}


def _extend(in1, s2, boundary, fillvalue):
    """``in1`` extended by ``s2 - 1`` on each side as ``boundary`` says."""
    s1 = np.shape(_data(in1))
    widths = [(k - 1, k - 1) for k in s2]
    if boundary == "fill":
        if np.all(_data(fillvalue) == 0):
            return _pad(in1, widths)
        return _pad(in1 - fillvalue, widths) + fillvalue
    rows = np.pad(np.arange(s1[0]), widths[0], mode=boundary)
    cols = np.pad(np.arange(s1[1]), widths[1], mode=boundary)
    return in1[rows[:, None], cols[None, :]]


def _conv2d(in1, in2, mode, boundary, fillvalue, who, corr=False):
    s1, s2 = _check(in1, in2, mode, who)
    if len(s1) != 2:
        raise ValueError(f"{who}: inputs must both be 2-D arrays (got shapes {s1} and {s2})")
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{who}: acceptable boundary flags are 'fill', 'circular' (or "
                         f"'wrap'), and 'symmetric' (or 'symm'), got {boundary!r}")
    if np.size(_data(fillvalue)) != 1:
        raise ValueError("fillvalue must be scalar or an array with one element")
    if mode == "valid":
        return convolve(in1, in2, "valid", method="direct")
    ext = _extend(in1, s2, _BOUNDARIES[boundary], fillvalue)
    full = _mode(_full_p(ext, in2, axes=(0, 1), method="direct"),
                 np.shape(_data(ext)), s2, (0, 1), "valid", who)
    if corr and mode == "same":     # SciPy's correlate2d centres its window at k // 2
        return _window(full, (0, 1), [k // 2 for k in s2], s1)
    return _mode(full, s1, s2, (0, 1), mode, who)


@_defcomposite(module="scipy.signal")
def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """The 2-D convolution of ``in1`` and ``in2``, as SciPy's: ``mode``
    'full', 'valid' or 'same'; ``boundary`` 'fill' (_pad with ``fillvalue``),
    'wrap' or 'symm' says how ``in1`` is extended past its edges.
    Differentiable in both inputs (and ``fillvalue``).

    >>> ya.scipy.signal.convolve2d(ya.tensor(np.eye(3)), np.ones((2, 2)))
    tensor([[1., 1., 0., 0.],
            [1., 2., 1., 0.],
            [0., 1., 2., 1.],
            [0., 0., 1., 1.]], dtype=float64)
    """
    return _conv2d(in1, in2, mode, boundary, fillvalue, "convolve2d")


@_defcomposite(module="scipy.signal")
def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """The 2-D cross-correlation of ``in1`` and ``in2`` (``in2``
    conjugated), as SciPy's, with ``convolve2d``'s modes and boundaries.
    Differentiable in both inputs.

    >>> ya.scipy.signal.correlate2d(ya.tensor(np.eye(3)), np.ones((2, 2)))
    tensor([[1., 1., 0., 0.],
            [1., 2., 1., 0.],
            [0., 1., 2., 1.],
            [0., 0., 1., 1.]], dtype=float64)
    """
    s1, s2 = _check(in1, in2, mode, "correlate2d")
    if mode == "valid" and all(a <= b for a, b in zip(s1, s2)) and s1 != s2:
        # SciPy swaps the inputs and reverses the result (without conjugating it)
        return _flip(_conv2d(in2, _reverse(in1), mode, boundary, fillvalue, "correlate2d"))
    return _conv2d(in1, _reverse(in2), mode, boundary, fillvalue, "correlate2d", corr=True)


@_defcomposite(module="scipy.signal")
def fftconvolve(in1, in2, mode="full", axes=None):
    """The N-d convolution of ``in1`` and ``in2`` by FFT, as SciPy's:
    over ``axes`` (default: all), the other axes broadcast (equal sizes or
    1); ``mode`` 'full', 'valid' or 'same' along ``axes``, as SciPy's: an axis
    where either input has length 1 is broadcast, and 'same' crops every axis
    (the broadcast ones too) to ``in1``'s shape.  Differentiable in both inputs.

    >>> x = ya.scipy.signal.fftconvolve(ya.tensor([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    >>> ya.round(x, 6) + 0.0
    tensor([0. , 1. , 2.5, 4. , 1.5], dtype=float64)
    """
    s1, s2 = _check(in1, in2, mode, "fftconvolve")
    nd = len(s1)
    if axes is None:
        axes = tuple(range(nd))
    else:
        axes = tuple(sorted({int(a) % nd for a in np.atleast_1d(axes)}))
    full = _full_p(in1, in2, axes=axes, method="fft_axes")
    if mode == "same":          # SciPy centres every axis on in1's, the broadcast ones too
        return _mode(full, s1, s2, tuple(range(nd)), mode, "fftconvolve")
    # SciPy broadcasts an axis where either input has length 1 (no convolution there:
    # 'valid' keeps its broadcast length, and the inputs need not be ordered along it)
    conv = tuple(a for a in axes if s1[a] != 1 and s2[a] != 1)
    return _mode(full, s1, s2, conv, mode, "fftconvolve")
