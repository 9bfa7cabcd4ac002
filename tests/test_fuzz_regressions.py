"""Regression tests for failures found by the program fuzzer
(tests/test_fuzz_programs.py), each with its minimal failing program.

A bug found and not fixed yet gets an ``xfail(strict=True, raises=...)``
marker here and its test's name in the fuzzer's ``KNOWN_BUGS`` (the generator
then steers around it); none is open now: the zero-divisor, batched
vector-matmul and NaN-warning bugs the fuzzer found are fixed.
"""
import warnings

import numpy as np
import pytest
import torch

import yaae as ya
from test_fuzz_programs import check_fwd_rev, check_hessian_symmetric, check_torch


# The fuzzer's minimal failing program (test_fuzz_torch_empty): std of an empty
# array.  var/std divide by the element count, a Python int, 0 here.
STD_OF_EMPTY = {
    "inputs": [[]], "shapes": [(0, 1)],
    "steps": [("std", (0,), {"axis": None, "keepdims": False})],
    "weight": 0.7,
}
VAR_OF_EMPTY = {
    "inputs": [[]], "shapes": [(0, 1)],
    "steps": [("var", (0,), {"axis": None, "keepdims": False})],
    "weight": 0.7,
}


def test_fuzz_regression_std_of_empty_torch():
    """Value nan and an empty gradient, as PyTorch's (today: ZeroDivisionError)."""
    check_torch(STD_OF_EMPTY)


def test_fuzz_regression_var_of_empty_torch():
    check_torch(VAR_OF_EMPTY)


def test_fuzz_regression_std_of_empty_jvp():
    """Forward mode through std of an empty array: a nan tangent, as
    torch.func.jvp's, and <u, J v> = <J^T u, v> (today: ZeroDivisionError)."""
    x = np.zeros((0, 1))
    _, t = ya.jvp(lambda a: ya.std(a), (x,), (x,))
    tx = torch.zeros((0, 1), dtype=torch.float64)
    _, tt = torch.func.jvp(lambda a: torch.std(a, correction=0), (tx,), (tx,))
    np.testing.assert_array_equal(np.asarray(t), tt.numpy())      # both nan
    check_fwd_rev(STD_OF_EMPTY)


def test_fuzz_regression_var_ddof1_single_element_grad():
    """The same bug off the fuzzer's path: unbiased var/std of one element
    (a batch of one) has value nan and gradient nan in PyTorch."""
    x = np.array([1.5])
    for yf, tf in ((lambda a: ya.var(a, ddof=1), lambda a: torch.var(a, correction=1)),
                   (lambda a: ya.std(a, ddof=1), lambda a: torch.std(a, correction=1))):
        t = torch.tensor(x, requires_grad=True)
        (tg,) = torch.autograd.grad(tf(t), t)
        np.testing.assert_array_equal(np.asarray(ya.grad(yf)(x)), tg.numpy())


def test_fuzz_regression_divide_by_python_zero_grad():
    """d(x / 0)/dx is inf, as PyTorch's, in reverse and forward mode."""
    x = np.array([1.0, -2.0])
    t = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad((t / 0).sum(), t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ya.grad(lambda a: ya.sum(a / 0))(x)
        _, jt = ya.jvp(lambda a: a / 0, (x,), (np.ones(2),))
    _, tjt = torch.func.jvp(lambda a: a / 0, (torch.tensor(x),),
                            (torch.ones(2, dtype=torch.float64),))
    np.testing.assert_array_equal(np.asarray(g), tg.numpy())
    np.testing.assert_array_equal(np.asarray(jt), tjt.numpy())


# A fuzzer artifact, not a yaae bug (the generator no longer mixes these):
# NumPy counts an int next to an integer array as an advanced index, and puts
# the advanced dimensions first when a None separates them; PyTorch treats the
# int as basic indexing.  yaae follows NumPy, its specification.
INT_AND_ARRAY_INDEX = {
    "inputs": [[[-0.15428011119365692], [-0.9054405689239502], [0.7903029918670654],
                [1.179624080657959]]],
    "steps": [("stack", (0, 0), {"axis": 1}),
              ("concatenate", (1, 1), {"axis": 0}),
              ("getitem", (2,), {"idx": ((2, 3, 2), -1, None, [-1, -1, 0, 0])})],
    "weight": [[[-0.9838246511725404]], [[-1.1122347926314478]], [[0.9046765511223722]],
               [[0.44708375713744575]]],
}


def test_fuzz_regression_int_and_array_index_follow_numpy():
    """Value as NumPy's x[idx] (shape (4, 1, 1)), gradient as NumPy's scatter-add
    (np.add.at) of the weight, and finite differences agree."""
    from test_fuzz_programs import _idx, inputs_of, run, scalar_fn
    (x,) = inputs_of(INT_AND_ARRAY_INDEX)
    v = np.concatenate([np.stack([x, x], axis=1)] * 2, axis=0)        # (8, 2, 1)
    idx = _idx(INT_AND_ARRAY_INDEX["steps"][2][2]["idx"])
    out = np.asarray(run(INT_AND_ARRAY_INDEX, [x]))
    assert out.shape == v[idx].shape == (4, 1, 1)
    np.testing.assert_array_equal(out, v[idx])
    w = np.asarray(INT_AND_ARRAY_INDEX["weight"])
    gv = np.zeros_like(v)
    np.add.at(gv, idx, w)
    gv = gv[:4] + gv[4:]                                  # concatenate's transpose
    expect = gv[:, 0] + gv[:, 1]                          # stack's transpose
    g = ya.grad(scalar_fn(INT_AND_ARRAY_INDEX))(x)
    np.testing.assert_allclose(np.asarray(g), expect, rtol=1e-12, atol=1e-12)
    ya.testing.gradcheck(scalar_fn(INT_AND_ARRAY_INDEX), x)


# Found by the long profile (test_fuzz_hessian_symmetric): the minimal program.
# matmul of a 1-D value by a >= 3-D one; jacfwd and hessian (batched forward
# mode) raise a broadcast ValueError, plain jvp and all of reverse mode work.
VECTOR_MATMUL_BATCHED = {
    "inputs": [[0.3, -1.2],
               [[[0.5, -0.7, 1.1, 0.2], [-0.4, 0.9, 0.6, -1.3]],
                [[1.4, 0.1, -0.8, 0.7], [0.3, -0.6, 1.2, 0.4]],
                [[-1.1, 0.8, 0.5, -0.2], [0.9, 1.3, -0.5, 0.6]]]],
    "steps": [("square", (0,), {}),
              ("matmul", (2, 1), {})],
    "weight": [[0.4, -1.0, 0.7, 1.5], [-0.3, 0.8, -1.2, 0.5], [1.1, 0.2, -0.6, -0.9]],
}


def test_fuzz_regression_jacfwd_vector_matmul_batched():
    """jacfwd == jacrev (and the values as PyTorch's jacobian)."""
    a, b = (np.asarray(x) for x in VECTOR_MATMUL_BATCHED["inputs"])
    jr = np.asarray(ya.jacrev(lambda v: ya.matmul(v, b))(a))
    tj = torch.autograd.functional.jacobian(lambda v: torch.matmul(v, torch.tensor(b)),
                                            torch.tensor(a))
    np.testing.assert_allclose(jr, tj.numpy(), rtol=1e-12, atol=1e-12)
    jf = np.asarray(ya.jacfwd(lambda v: ya.matmul(v, b))(a))
    np.testing.assert_allclose(jf, tj.numpy(), rtol=1e-12, atol=1e-12)


def test_fuzz_regression_hessian_vector_matmul_batched():
    """The Hessian of the program is symmetric and PyTorch's."""
    check_hessian_symmetric(VECTOR_MATMUL_BATCHED)


def test_fuzz_regression_vector_matmul_batched_other_checks():
    """What works on that program today, and must keep working: values and
    gradients as PyTorch's, jvp against vjp."""
    check_torch(VECTOR_MATMUL_BATCHED)
    check_fwd_rev(VECTOR_MATMUL_BATCHED)


# Found by the long profile (test_fuzz_torch_empty: nan from an empty mean fed
# to softplus / logaddexp).  softplus is yaae's own: quiet at NaN, as PyTorch.
# logaddexp is NumPy's ufunc: it warns exactly as np.logaddexp does (forward
# values follow NumPy, warnings included); its rules are quiet.
def test_fuzz_regression_softplus_logaddexp_nan_quiet():
    import warnings
    x = np.array([np.nan, 1.0])
    t = torch.tensor(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        xs = ya.Tensor(x, requires_grad=True)
        y = ya.softplus(xs)
        np.testing.assert_array_equal(np.asarray(y.data), torch.nn.functional.softplus(t).numpy())
        ya.sum(y).backward()
    with warnings.catch_warnings(record=True) as np_rec:
        warnings.simplefilter("always")
        want = np.logaddexp(x, 0.5)
    with warnings.catch_warnings(record=True) as ya_rec:
        warnings.simplefilter("always")
        xl = ya.Tensor(x, requires_grad=True)
        got = ya.logaddexp(xl, 0.5)
    assert [str(w.message) for w in ya_rec] == [str(w.message) for w in np_rec]
    np.testing.assert_array_equal(np.asarray(got.data), want)
    np.testing.assert_array_equal(want, torch.logaddexp(t, torch.tensor(0.5, dtype=torch.float64)).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ya.sum(got).backward()
