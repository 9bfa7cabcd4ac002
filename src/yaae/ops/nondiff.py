"""NumPy callables that are not differentiated: the single list.

Every public callable of ``numpy``, ``numpy.linalg`` and ``numpy.fft`` is in
exactly one of three classes (``tests/test_namespace.py`` walks the three
namespaces and fails on any callable in none of them, or in more than one):

1. it has a derivative rule: an op declares it (``numpy=`` in ``defop`` /
   ``defcomposite``, in the family modules);
2. ``defnondiff`` (here): its result carries no derivative -- booleans,
   integers, indices, shapes, dtypes, ``*_like``, printing, configuration --
   so it runs on the data (``tensor.data``).  ``public=True`` also makes
   ``ya.NAME`` (returning a Tensor);
3. ``refuse`` (here): yaae has no rule for it and will not run it on a Tensor,
   because the values it returns would carry a derivative that would be
   silently dropped (or it writes into an ndarray in place).  The TypeError
   names the function and says what to do instead.

A function that returns *values* of its input (``np.unique``, the set
operations, ``np.extract``, ``np.trim_zeros``) is not non-differentiable even
when it also returns indices: it is refused, and the message shows how to get
the indices from ``tensor.data`` and gather with them, which keeps the
gradient.

NumPy dispatches its functions and ufuncs to Tensors through
``__array_function__`` / ``__array_ufunc__`` (``yaae.interop``), and that is
where the classes above are enforced.  Some callables do not dispatch: the
array constructors and converters (``np.array``, ``np.asarray``,
``np.frombuffer``, ...), the scalar and array types (``np.float64``,
``np.ndarray``, ``np.matrix``, ...), ``np.vectorize``, ``np.frompyfunc``,
``np.nditer``, the configuration functions (``np.seterr``,
``np.set_printoptions``, ``np.errstate``, ...).  They are classified here all
the same, by what they do with array data: the "non-differentiable" ones take
none that could carry a derivative (shapes, dtypes, options, file names), the
"refused" ones turn array data into ndarrays or NumPy scalars.  For them the
refusal is enforced by ``Tensor.__array__``, which raises a TypeError (naming
``.data``, ``.detach()``, ``ya.array``/``ya.stack``) when a Tensor that
requires grad (or carries a tangent, or is traced) is turned into an ndarray,
and converts any other Tensor freely.  The same guard stops a Tensor that
needs a gradient from reaching NumPy's conversion through a non-dispatching
"non-differentiable" callable (``np.arange(t)``): pass ``t.data`` there.
(``np.float64``, a subclass of Python's ``float``, reads a one-element
Tensor through ``float(t)``, like ``t.item()``, the one explicit scalar read.)

Names are given as strings (``"linalg.cond"`` is ``np.linalg.cond``); names
that the installed NumPy does not have are skipped.
"""
import numpy as np

from .registry import defnondiff, refuse


def _fns(names):
    """The NumPy callables named in the whitespace-separated ``names``
    (``"linalg.x"``/``"fft.x"`` for the submodules); missing ones skipped."""
    out = []
    for name in names.split():
        obj = np
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            out.append(obj)
    return out


def _nondiff(names, public=False):
    defnondiff(*_fns(names), public=public)


def _refuse(why, names):
    refuse(why, *_fns(names))


# ==== 2. run on the data: the result carries no derivative =========================

# also ya.NAME (returning a Tensor)
_nondiff("""greater greater_equal less less_equal equal not_equal
            argmax argmin argsort isfinite isnan isinf
            logical_and logical_or logical_not""", public=True)

# comparisons, predicates and tests (booleans)
_nondiff("""logical_xor signbit isclose allclose array_equal array_equiv isin
            any all iscomplex isreal iscomplexobj isrealobj isneginf isposinf isnat
            isscalar isfortran iterable shares_memory may_share_memory""")

# indices, positions, counts (integers)
_nondiff("""argwhere nonzero flatnonzero count_nonzero argpartition lexsort searchsorted
            digitize nanargmax nanargmin ravel_multi_index unravel_index ix_
            diag_indices diag_indices_from tril_indices tril_indices_from
            triu_indices triu_indices_from mask_indices indices linalg.matrix_rank""")
# counting and binning.  NOTE: with ``weights=`` these sum the weights, which is
# linear in them; a weights Tensor that requires grad is read as data.
_nondiff("bincount histogram histogram2d histogramdd histogram_bin_edges")

# integer and bit operations; ``spacing`` is piecewise constant (derivative 0)
_nondiff("""bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_invert invert
            bitwise_count left_shift right_shift bitwise_left_shift bitwise_right_shift
            gcd lcm packbits unpackbits spacing""")

# shapes, sizes, dtypes and type queries
_nondiff("""shape ndim size broadcast_shapes result_type can_cast common_type
            min_scalar_type promote_types mintypecode typename isdtype issubdtype
            finfo iinfo dtype datetime_data einsum_path""")

# new arrays whose values do not depend on the input's values
_nondiff("""zeros_like ones_like empty_like full_like zeros ones empty eye identity tri arange
            fft.fftfreq fft.rfftfreq bartlett blackman hamming hanning kaiser""")
# ``fromfunction(f, shape)`` calls ``f`` on index grids and returns its result
# unchanged: ``f`` may use ya functions
_nondiff("fromfunction")

# reading data (no Tensor input)
_nondiff("load loadtxt genfromtxt fromregex fromfile fromstring memmap")

# dates
_nondiff("""busday_count busday_offset is_busday datetime_as_string busdaycalendar
            datetime64 timedelta64""")

# printing and formatting
_nondiff("""array_repr array_str array2string base_repr binary_repr
            format_float_positional format_float_scientific""")

# configuration, context managers, information, test runners
_nondiff("""set_printoptions get_printoptions printoptions seterr geterr seterrcall geterrcall
            errstate setbufsize getbufsize get_include show_config show_runtime info
            test linalg.test fft.test""")

# type objects that do not convert array data: abstract scalar types (for
# issubdtype), array types built from a shape, iterators over shapes,
# exceptions; str_/bytes_ of a Tensor are its printed form
_nondiff("""generic number integer signedinteger unsignedinteger inexact floating
            complexfloating character flexible ufunc ndarray recarray record flatiter
            broadcast ndindex linalg.LinAlgError str_ bytes_""")


# ==== 3. refused, with what to do instead ==========================================

_DATA = "apply it to tensor.data (or tensor.detach()) if no gradient is needed"

# converters: the Tensor would become an ndarray (enforced by Tensor.__array__)
_refuse("ya.array / ya.asarray / ya.stack build arrays from Tensors and keep the gradient; "
        "tensor.data (or tensor.detach()) gives the values without it",
        """array asarray asanyarray ascontiguousarray asfortranarray asarray_chkfinite
           require asmatrix matrix bmat frombuffer fromiter from_dlpack
           float16 half float32 single float64 double longdouble float128
           complex64 csingle complex128 cdouble clongdouble complex256
           bool bool_ int8 int16 int32 int64 intc intp int_ long longlong byte short
           uint8 uint16 uint32 uint64 uintc uintp uint ulong ulonglong ubyte ushort
           void object_""")
_refuse("ya.full(shape, t) / ya.broadcast_to(t, shape) keep the gradient; " + _DATA, "full")
_refuse("use the Tensor itself (a Tensor that requires grad cannot be written in place, "
        "so it needs no copy), or t.data.copy() for the values without the gradient",
        "copy")
_refuse("use the Tensor method t.astype(dtype) (ya.astype), which keeps the gradient", "astype")

# writing into an ndarray in place
_refuse("it writes into an ndarray in place; build a new Tensor instead (ya.where, "
        "indexing, ya.concatenate), or " + _DATA,
        "copyto place put put_along_axis putmask fill_diagonal")

# saving
_refuse("save tensor.data (or use ya.save, which stores Tensors and requires_grad)",
        "save savez savez_compressed savetxt")

# functions returning values of the input (the values would lose the gradient)
_refuse("its values would lose the gradient; take the indices from the data "
        "(np.unique(t.data, return_index=True) / return_inverse=True) and gather "
        "with t[idx], which keeps it; or " + _DATA,
        "unique unique_values unique_counts unique_inverse unique_all")
_refuse("its values would lose the gradient; compute a mask or indices from tensor.data "
        "(np.isin(t.data, other), np.intersect1d(..., return_indices=True)) and "
        "select with t[mask], which keeps it; or " + _DATA,
        "intersect1d union1d setdiff1d setxor1d")
_refuse("select with a boolean mask, t[mask] (ya.where for a fixed shape), which keeps "
        "the gradient; or " + _DATA, "extract")
_refuse("slice the Tensor, t[i:j], with bounds found on t.data, which keeps the "
        "gradient; or " + _DATA, "trim_zeros")
_refuse("gather with the order found on the data, t[np.lexsort((t.data.imag, t.data.real))], "
        "which keeps the gradient; or " + _DATA, "sort_complex")
_refuse("index with t[..., lo:hi] and join with ya.concatenate / ya.stack (ya.tile, "
        "ya.reshape), which keep the gradient; or " + _DATA,
        "delete insert resize block unstack")
_refuse("ya.broadcast_to each input (with ya.reshape / ya.expand_dims) keeps the "
        "gradient; or " + _DATA, "broadcast_arrays meshgrid")
_refuse("ya.take_along_axis(ya.stack(choices), index[None], 0)[0] (or ya.where) keeps "
        "the gradient; or " + _DATA, "choose")
_refuse("compute it with ya functions (a ya.stack of powers, ya.linspace and ya.exp, ...), "
        "which keep the gradient; or " + _DATA, "vander logspace geomspace")

# functions that take a Python function: they convert the Tensors to ndarrays
_refuse("it converts its inputs to ndarrays; call ya functions directly (they are "
        "elementwise and broadcast), or loop in Python and combine with ya.stack",
        "vectorize frompyfunc piecewise apply_along_axis apply_over_axes")

# iterating over the values
_refuse("it iterates over the values, which would lose the gradient; index the Tensor "
        "(for idx in np.ndindex(t.shape): t[idx]) or " + _DATA,
        "nditer nested_iters ndenumerate")

# differentiable functions without a rule in yaae (yet)
_refuse("write it with ya functions (the derivative follows), or " + _DATA,
        """unwrap i0 frexp nextafter
           poly poly1d polyadd polysub polymul polydiv polyder polyint polyfit roots
           linalg.cond""")
_refuse("ya.cumsum(ya.where(ya.isnan(t), 0.0, t)) keeps the gradient", "nancumsum")
_refuse("ya.cumprod(ya.where(ya.isnan(t), 1.0, t)) keeps the gradient", "nancumprod")
_refuse("ya.power with a float64 (or complex128) base is the same function",
        "float_power")
_refuse("x * 2.0 ** i is the same function and keeps the gradient", "ldexp")
_refuse("ya.trunc(x) and x - ya.trunc(x) are its two results", "modf")
_refuse("x // y and x % y are its two results", "divmod")
_refuse("ya.cumsum / ya.cumprod (concatenate a zero or a one in front for "
        "include_initial=True) keep the gradient", "cumulative_sum cumulative_prod")
_refuse("ya.matmul / ya.einsum compute it and keep the gradient",
        "matvec vecmat vecdot linalg.vecdot")
_refuse("t.mT (ya.swapaxes(t, -1, -2)) keeps the gradient",
        "matrix_transpose linalg.matrix_transpose")
_refuse("ya.cross keeps the gradient (np.linalg.cross is np.cross on 3-vectors)",
        "linalg.cross")
_refuse("ya.diagonal(t, offset, axis1=-2, axis2=-1) keeps the gradient", "linalg.diagonal")
_refuse("ya.trace(t, offset, axis1=-2, axis2=-1) keeps the gradient", "linalg.trace")
_refuse("ya.outer keeps the gradient", "linalg.outer")
_refuse("ya.tensordot keeps the gradient", "linalg.tensordot")
