"""ya.detect_anomaly (issue #9, section 2): the first NaN or Inf an op produces,
forward or backward, raises a RuntimeError naming the op, its inputs' shapes
and dtypes, and the user's line.  PyTorch's detect_anomaly is the oracle for
where a backward first goes non-finite."""
import inspect
import threading
import warnings

import numpy as np
import pytest
import torch

import yaae as ya
from yaae.tensor import _CREATED


def _line():
    return inspect.currentframe().f_back.f_lineno


def test_forward_nan_names_op_shapes_and_line():
    x = ya.Tensor(np.array([[1.0, -1.0, 2.0]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(RuntimeError) as info:
            with ya.detect_anomaly():
                line = _line() + 1
                ya.sqrt(x)
    msg = str(info.value)
    assert "'sqrt'" in msg and "NaN" in msg and "(1, 3)" in msg and "float64" in msg
    assert f"test_anomaly.py:{line}" in msg


def test_forward_inf_from_overflow():
    x = ya.Tensor(np.array([1.0, 800.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(RuntimeError, match="'exp' produced Inf"):
            with ya.detect_anomaly():
                ya.exp(x)


def test_backward_first_nonfinite_gradient_is_named():
    # PyTorch: sqrt's gradient at 0 is Inf, and the multiplication behind it
    # turns that into NaN, which is all torch's anomaly mode looks for; yaae
    # stops at the first Inf, one op earlier, where the trouble starts
    x0 = np.array([0.0, 2.0])
    tx = torch.tensor(x0, requires_grad=True)
    tmid = tx * tx
    tmid.retain_grad()
    torch.sqrt(tmid).sum().backward()
    assert np.isinf(tmid.grad.numpy()[0]) and np.isnan(tx.grad.numpy()[0])
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="MulBackward0.*nan"):
        with torch.autograd.detect_anomaly():
            torch.sqrt(tx * tx).sum().backward()
    x = ya.Tensor(x0, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        with ya.detect_anomaly():
            line = _line() + 1
            y = ya.sqrt(x * x)
            y.sum().backward()
    msg = str(info.value)
    assert "gradient of 'sqrt'" in msg and "(2,)" in msg
    assert f"test_anomaly.py:{line}" in msg


def test_values_passed_on_are_not_blamed():
    x = ya.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    mask = np.array([0.0, -np.inf])
    with ya.detect_anomaly():
        p = ya.softmax(x + mask)        # masking with -inf is legitimate
        (p * np.array([1.0, 3.0])).sum().backward()
    np.testing.assert_allclose(p.data, [1.0, 0.0])
    assert np.isfinite(x.grad.data).all()


def test_decorator_and_results_unchanged():
    @ya.detect_anomaly()
    def f(v):
        return ya.hessian(lambda u: ya.sum(ya.tanh(u) ** 3))(v)
    v = np.array([0.3, -0.8])
    np.testing.assert_allclose(f(v), ya.hessian(lambda u: ya.sum(ya.tanh(u) ** 3))(v),
                               rtol=1e-14)
    with ya.detect_anomaly():
        g = ya.grad(lambda u: ya.sum(u ** 2))(v)
        _, t = ya.jvp(lambda u: ya.sin(u), (v,), (np.ones(2),))
    np.testing.assert_allclose(g, 2 * v)
    np.testing.assert_allclose(t, np.cos(v))


def test_nothing_recorded_outside_the_mode():
    x = ya.Tensor(np.ones(3), requires_grad=True)
    n0 = len(_CREATED)
    y = ya.log(x) * 2
    assert len(_CREATED) == n0
    with ya.detect_anomaly():
        z = ya.log(x) * 2
    assert z._node in _CREATED and y._node not in _CREATED


def test_mode_is_per_thread():
    seen = []

    def other():
        x = ya.Tensor(np.array([0.0]), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            seen.append(float(ya.log(x).data[0]))      # not in anomaly mode here
    with ya.detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [-np.inf]


def test_backward_nan_names_the_same_op_as_torch():
    x0 = np.array([0.0, 4.0])
    tx = torch.tensor(x0, requires_grad=True)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="SqrtBackward0"):
        with torch.autograd.detect_anomaly():
            (torch.sqrt(tx) * torch.tensor([0.0, 1.0], dtype=torch.float64)).sum().backward()
    x = ya.Tensor(x0, requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient of 'sqrt'.*NaN"):
        with ya.detect_anomaly():
            (ya.sqrt(x) * np.array([0.0, 1.0])).sum().backward()
    # outside the mode the same backward runs and gives torch's NaN
    x = ya.Tensor(x0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (ya.sqrt(x) * np.array([0.0, 1.0])).sum().backward()
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 0.25
