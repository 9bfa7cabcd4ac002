"""PyTorch's spellings on yaae (issue #11, sections 2 and 3), with PyTorch as the
oracle: ``dim=``/``keepdim=`` wherever ``axis=``/``keepdims=`` are (functions and
methods; both spellings at once is a TypeError), the Tensor methods PyTorch users
reach for (values, dtypes and gradients against torch's), the dtype names and
``ya.device``, and every place where NumPy and PyTorch read a call differently:
it raises, warns, or gives PyTorch's answer (``transpose(i, j)``, ``size``,
``max/min(dim=)``, ``std/var(dim=)``).  float64: 1e-10; float32: 1e-5.
"""
import pickle
import warnings

import numpy as np
import pytest
import torch

import yaae as ya

rng = np.random.default_rng(0)


def close(a, b, tol=1e-10):
    a = a.data if isinstance(a, ya.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def pair(shape=(3, 4), ties=False):
    """A yaae and a torch leaf (float64) holding the same values."""
    a = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    return ya.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def grads_match(fy, ft, shape=(3, 4), ties=False):
    """fy(x) and ft(x) agree in value and in the gradient of sum(out * w)."""
    x, xt = pair(shape, ties)
    y, yt = fy(x), ft(xt)
    close(y, yt)
    w = rng.standard_normal(yt.shape)
    (y * w).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(x.grad, xt.grad)


# ---- dim= and keepdim= -------------------------------------------------------------------
REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("keep", [False, True])
def test_dim_keepdim_as_function_and_method(name, keep):
    tname = {"amax": "amax", "amin": "amin"}.get(name, name)
    grads_match(lambda x: getattr(ya, name)(x, dim=1, keepdim=keep),
                lambda t: getattr(torch, tname)(t, dim=1, keepdim=keep))
    if hasattr(ya.Tensor, name):
        grads_match(lambda x: getattr(x, name)(dim=-1, keepdim=keep),
                    lambda t: getattr(t, tname)(dim=-1, keepdim=keep))


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp"])
def test_dim_tuple(name):
    grads_match(lambda x: getattr(ya, name)(x, dim=(0, 2)),
                lambda t: getattr(torch, name)(t, dim=(0, 2)), shape=(2, 3, 4))


def test_dim_on_axis_functions():
    grads_match(lambda x: ya.softmax(x, dim=0), lambda t: torch.softmax(t, dim=0))
    grads_match(lambda x: x.log_softmax(dim=1), lambda t: t.log_softmax(dim=1))
    grads_match(lambda x: ya.cumsum(x, dim=1), lambda t: torch.cumsum(t, dim=1))
    grads_match(lambda x: x.cumsum(dim=0), lambda t: t.cumsum(dim=0))
    grads_match(lambda x: ya.concatenate([x, 2 * x], dim=1), lambda t: torch.cat([t, 2 * t], dim=1))
    grads_match(lambda x: ya.stack([x, x * x], dim=-1), lambda t: torch.stack([t, t * t], dim=-1))
    grads_match(lambda x: x.squeeze(dim=1), lambda t: t.squeeze(dim=1), shape=(3, 1, 2))
    x, xt = pair()
    close(ya.argmax(x, dim=1), torch.argmax(xt, dim=1))
    close(x.argmax(dim=0, keepdim=True), xt.argmax(dim=0, keepdim=True))
    close(x.argmin(dim=1), xt.argmin(dim=1))
    close(ya.argmin(x, dim=0, keepdim=True), torch.argmin(xt, dim=0, keepdim=True))


@pytest.mark.parametrize("call", [
    lambda x: ya.sum(x, axis=0, dim=0), lambda x: x.sum(axis=0, dim=0),
    lambda x: x.mean(dim=0, keepdims=True, keepdim=True), lambda x: ya.max(x, axis=1, dim=1),
    lambda x: x.max(axis=1, dim=1), lambda x: x.std(dim=0, axis=0), lambda x: ya.var(x, dim=0, axis=0),
    lambda x: ya.argmax(x, axis=0, dim=0), lambda x: x.argmin(axis=0, dim=0),
    lambda x: ya.softmax(x, axis=0, dim=0), lambda x: ya.concatenate([x, x], axis=0, dim=0),
])
def test_both_spellings_raise(call):
    with pytest.raises(TypeError, match="dim"):
        call(ya.Tensor(rng.standard_normal((2, 3))))


def test_numpy_spellings_unchanged():
    x = ya.Tensor(rng.standard_normal((3, 4)))
    close(x.sum(axis=1, keepdims=True), x.data.sum(axis=1, keepdims=True))
    close(ya.max(x, 0), x.data.max(0))
    close(ya.amax(x, dim=0), torch.amax(torch.tensor(x.data), dim=0))   # values only, as torch.amax


# ---- section 3: max/min(dim=) ------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keep", [False, True])
def test_max_min_dim_named_tuple(name, dim, keep):
    for ties in (False, True):
        x, xt = pair((4, 5), ties)
        r, rt = getattr(x, name)(dim=dim, keepdim=keep), getattr(xt, name)(dim=dim, keepdim=keep)
        f = getattr(ya, name)(x, dim=dim, keepdim=keep)
        for got in (r, f):
            assert got._fields == ("values", "indices")
            close(got.values, rt.values)
            close(got.indices, rt.indices)                  # int64, first occurrence on ties
            values, indices = got
            close(indices, rt.indices)
        w = rng.standard_normal(rt.values.shape)
        (r.values * w).sum().backward()
        (rt.values * torch.tensor(w)).sum().backward()
        close(x.grad, xt.grad)                              # to the index's element only


def test_max_dim_nan_and_positional_keepdim():
    a = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 5.0]])
    r, rt = ya.Tensor(a).max(dim=1), torch.tensor(a).max(dim=1)
    close(r.values, rt.values)
    close(r.indices, rt.indices)
    r, rt = ya.Tensor(a).min(1, keepdim=True), torch.tensor(a).min(1, keepdim=True)
    close(r.values, rt.values)
    close(r.indices, rt.indices)


def test_max_axis_and_positional_values_only():
    x = ya.Tensor(rng.standard_normal((3, 4)))
    for got in (x.max(axis=1), x.max(1), ya.max(x, axis=1), ya.max(x, 1), x.min(axis=0)):
        assert isinstance(got, ya.Tensor)
    close(x.max(1), x.data.max(1))
    with pytest.raises(TypeError):
        x.max(dim=(0, 1))


# ---- section 3: std/var(dim=) ------------------------------------------------------------
@pytest.mark.parametrize("name", ["std", "var"])
def test_std_var_dim_uses_correction_1(name):
    for kw, tkw in [(dict(dim=1), dict(dim=1)), (dict(dim=0, keepdim=True), dict(dim=0, keepdim=True)),
                    (dict(dim=(0, 1)), dict(dim=(0, 1))), (dict(dim=1, correction=0), dict(dim=1, correction=0)),
                    (dict(dim=1, unbiased=False), dict(dim=1, unbiased=False)),
                    (dict(dim=None), dict(dim=None)), (dict(keepdim=True), dict(keepdim=True)),
                    (dict(correction=2), dict(correction=2)), (dict(unbiased=True), dict(unbiased=True))]:
        grads_match(lambda x: getattr(x, name)(**kw), lambda t: getattr(t, name)(**tkw))
        grads_match(lambda x: getattr(ya, name)(x, **kw), lambda t: getattr(torch, name)(t, **tkw))


@pytest.mark.parametrize("name", ["std", "var"])
def test_std_var_axis_keeps_numpy_ddof0(name):
    x = ya.Tensor(rng.standard_normal((3, 4)))
    for kw in (dict(axis=1), dict(), dict(axis=0, keepdims=True), dict(axis=1, ddof=1)):
        close(getattr(x, name)(**kw), getattr(np, name)(x.data, **kw))
        close(getattr(ya, name)(x, **kw), getattr(np, name)(x.data, **kw))
    close(getattr(x, name)(axis=1, correction=1), getattr(np, name)(x.data, axis=1, ddof=1))
    with pytest.raises(TypeError, match="ddof"):
        getattr(x, name)(dim=1, ddof=1, correction=1)


# ---- section 3: transpose ----------------------------------------------------------------
def test_transpose_two_axes_on_3d_raises():
    x = ya.zeros((2, 3, 4))
    with pytest.raises(TypeError, match="swapaxes"):
        x.transpose(0, 1)
    with pytest.raises(TypeError, match="swapaxes"):
        ya.zeros(3).transpose(0, 0)
    close(x.transpose(2, 0, 1), x.data.transpose(2, 0, 1))            # permutations as NumPy
    close(x.transpose((1, 2, 0)), x.data.transpose((1, 2, 0)))
    close(x.transpose(), x.data.transpose())


def test_transpose_2d_identity_warns_at_call_site():
    x = ya.Tensor(rng.standard_normal((2, 3)))
    for axes in [(0, 1), (-2, -1), (0, -1)]:
        with pytest.warns(UserWarning, match=r"swapaxes.*|\.T") as rec:
            y = x.transpose(*axes)
        assert rec[0].filename == __file__
        assert "swapaxes" in str(rec[0].message) and ".T" in str(rec[0].message)
        close(y, x.data.transpose(*axes))                             # NumPy's value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for axes in [(1, 0), (-1, 0), (-1, -2)]:                      # NumPy and torch agree
            close(x.transpose(*axes), torch.tensor(x.data).transpose(*axes))
        close(x.transpose((0, 1)), x.data)                            # tuple: NumPy only
    grads_match(lambda x: x.transpose(1, 0), lambda t: t.transpose(1, 0))


def test_transpose_warning_shown_once_per_call_site():
    x = ya.zeros((2, 2))
    with warnings.catch_warnings(record=True) as rec:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for _ in range(3):
            x.transpose(0, 1)
    assert len(rec) == 1


# ---- section 3: size ---------------------------------------------------------------------
def test_size_int_and_callable():
    x, xt = ya.zeros((2, 3, 4)), torch.zeros(2, 3, 4)
    assert x.size == 24 and isinstance(x.size, int) and x.size + 1 == 25
    assert x.size() == tuple(xt.size()) and isinstance(x.size(), tuple)
    for d in range(-3, 3):
        assert x.size(d) == xt.size(d)
    for d in (3, -4):
        with pytest.raises(IndexError):
            x.size(d)
        with pytest.raises(IndexError):
            xt.size(d)
    assert ya.zeros(()).size == 1 and ya.zeros(()).size() == ()
    assert pickle.loads(pickle.dumps(x.size)) == 24


# ---- Tensor methods ----------------------------------------------------------------------
def test_shape_methods_values_and_gradients():
    grads_match(lambda x: x.clone() * 2, lambda t: t.clone() * 2)
    grads_match(lambda x: x.permute(2, 0, 1), lambda t: t.permute(2, 0, 1), shape=(2, 3, 4))
    grads_match(lambda x: x.permute((1, 0, 2)), lambda t: t.permute((1, 0, 2)), shape=(2, 3, 4))
    grads_match(lambda x: x.unsqueeze(1), lambda t: t.unsqueeze(1))
    grads_match(lambda x: x.unsqueeze(-1), lambda t: t.unsqueeze(-1))
    grads_match(lambda x: x.view_as(ya.zeros((4, 3))), lambda t: t.view_as(torch.zeros(4, 3)))
    grads_match(lambda x: x.t(), lambda t: t.t())
    grads_match(lambda x: x.t(), lambda t: t.t(), shape=(3,))
    for a in [(1, 1, 2), (0, -2, 2), (-1, 0, 4), (1, 3, 0)]:
        grads_match(lambda x: x.narrow(*a), lambda t: t.narrow(*a))
    for a in [(), (1,), (0, 1), (1, 2), (-2, -1), (0, 0)]:
        grads_match(lambda x: x.flatten(*a), lambda t: t.flatten(*a), shape=(2, 3, 4))
    close(ya.zeros(()).flatten(), torch.zeros((), dtype=torch.float64).flatten())


def test_shape_method_errors():
    x = ya.zeros((2, 3))
    with pytest.raises(RuntimeError, match="2 dimensions"):
        ya.zeros((2, 3, 4)).t()
    with pytest.raises(IndexError):
        x.narrow(2, 0, 1)
    with pytest.raises(IndexError):
        x.narrow(1, -4, 1)
    with pytest.raises(RuntimeError):
        x.narrow(1, 2, 2)
    with pytest.raises(RuntimeError):
        x.narrow(1, 0, -1)
    with pytest.raises(ValueError):
        ya.zeros((2, 3, 4)).flatten(2, 1)
    with pytest.raises(TypeError):
        x.flatten("C", 1)


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_flatten_numpy_order(order):
    a = rng.standard_normal((3, 4, 2))
    for view in (a, a.transpose(2, 0, 1), a[::-1, :, ::2], np.asfortranarray(a),
                 a.transpose(2, 0, 1)[:, ::-1], a[:, ::-1, ::-1], a[::2, 1:],
                 np.broadcast_to(a[:1], a.shape), np.broadcast_to(a[:, :, :1], a.shape).T):
        x = ya.Tensor(view)
        x._data = view                     # the data laid out as NumPy's view is
        close(x.flatten(order), view.flatten(order))
        close(x.flatten(order=order), view.flatten(order=order))
    y = ya.Tensor(a, requires_grad=True)
    (y.flatten(order) * np.arange(24)).sum().backward()
    close(y.grad, np.arange(24.0).reshape(a.shape, order="F" if order == "F" else "C"))


def test_new_zeros_new_ones():
    x, xt = ya.Tensor(np.ones(2, np.float32)), torch.ones(2, dtype=torch.float32)
    for args in [(2, 3), ((2, 3),), ([4],)]:
        close(x.new_zeros(*args), xt.new_zeros(*args))
        close(x.new_ones(*args), xt.new_ones(*args))
    close(x.new_ones(3, dtype=ya.int64), xt.new_ones(3, dtype=torch.int64))
    y = x.new_zeros(2, requires_grad=True)
    assert y.requires_grad and y.is_leaf


def test_comparisons_numel_dim_item_tolist():
    a, b = rng.integers(0, 3, (3, 4)).astype(float), rng.integers(0, 3, (4,)).astype(float)
    x, xt = ya.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for name in ("eq", "ne", "lt", "gt", "le", "ge"):
        for other in (ya.Tensor(b), 1.0):
            got = getattr(x, name)(other)
            close(got, getattr(xt, name)(torch.tensor(b) if isinstance(other, ya.Tensor) else other))
            assert not got.requires_grad
    assert x.numel() == xt.numel() and x.dim() == xt.dim()
    assert x.tolist() == xt.tolist() and x.sum().item() == pytest.approx(xt.sum().item(), rel=1e-12)


def test_dtype_conversions():
    a = rng.standard_normal((2, 3)) * 3
    x, xt = ya.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for name in ("float", "double", "half", "long", "int", "bool"):
        got, want = getattr(x, name)(), getattr(xt, name)()
        close(got, want, 1e-3 if name == "half" else 1e-10 if name == "double" else 1e-6)
        assert got.requires_grad == want.requires_grad, name
    grads_match(lambda x: x.float().double() * x, lambda t: t.float().double() * t)
    grads_match(lambda x: x.to(ya.float32).to(ya.float64), lambda t: t.to(torch.float32).double())
    grads_match(lambda x: x.to(dtype=ya.float32, device="cpu").double(),
                lambda t: t.to(dtype=torch.float32, device="cpu").double())
    assert x.to(ya.float64) is x and x.to("cpu") is x and x.cpu() is x
    assert x.to(ya.zeros(1, dtype=ya.int64)).dtype == ya.int64
    assert x.to("cpu", ya.float32).dtype == ya.float32
    assert x.to(ya.float64, copy=True) is not x


def test_dtype_names_are_torchs():
    pairs = {"float32": "float32", "float": "float", "float64": "float64", "double": "double",
             "float16": "float16", "half": "half", "int64": "int64", "long": "long",
             "int32": "int32", "int": "int", "int16": "int16", "int8": "int8", "uint8": "uint8",
             "bool": "bool", "complex64": "complex64", "complex128": "complex128"}
    for ours, theirs in pairs.items():
        want = torch.zeros(1, dtype=getattr(torch, theirs)).numpy().dtype
        assert getattr(ya, ours) == want, ours
        assert ya.zeros(2, dtype=getattr(ya, ours)).dtype == want
        assert ya.Tensor([1], dtype=getattr(ya, ours)).dtype == want


def test_device():
    x = ya.Tensor([1.0])
    assert x.device == ya.device("cpu") == "cpu" and str(x.device) == "cpu"
    assert not x.is_cuda and ya.device("cpu:0") == "cpu:0" and ya.device(x.device) == x.device
    assert repr(x.device) == repr(torch.device("cpu"))
    assert x.to(device=ya.device("cpu")) is x
    for name in ("cuda", "cuda:0", "mps", "cpu:1"):
        with pytest.raises(ValueError, match="CPU"):
            ya.device(name)
        with pytest.raises(ValueError, match="CPU"):
            x.to(name)
    with pytest.raises(ValueError, match="CPU"):
        x.cuda()
    with pytest.raises(ValueError, match="CPU"):
        x.to(device="cuda", dtype=ya.float32)


def test_new_methods_forward_mode():
    """The methods are compositions of differentiable ops: forward mode agrees with torch.func."""
    a, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    f = lambda x: x.permute(1, 0).flatten().narrow(0, 2, 6).clone().float().double()  # noqa: E731
    _, tan = ya.jvp(f, (ya.Tensor(a),), (ya.Tensor(v),))
    _, want = torch.func.jvp(lambda t: t.permute(1, 0).flatten().narrow(0, 2, 6).clone()
                             .float().double(), (torch.tensor(a),), (torch.tensor(v),))
    close(tan, want, 1e-6)
    g = lambda x: x.max(dim=1).values.sum() + x.std(dim=0).sum()  # noqa: E731
    _, tan = ya.jvp(g, (ya.Tensor(a),), (ya.Tensor(v),))
    _, want = torch.func.jvp(lambda t: t.max(dim=1).values.sum() + t.std(dim=0).sum(),
                             (torch.tensor(a),), (torch.tensor(v),))
    close(tan, want)


def test_docstrings():
    for name in ("numel", "dim", "clone", "view_as", "permute", "transpose", "unsqueeze", "flatten",
                 "t", "narrow", "new_zeros", "new_ones", "eq", "ne", "lt", "gt", "le", "ge", "float",
                 "double", "half", "long", "int", "bool", "to", "cpu", "cuda", "device", "is_cuda",
                 "size", "argmax", "argmin", "max", "std"):
        assert getattr(ya.Tensor, name).__doc__, name
    assert ya.device.__doc__ and ya.Tensor([1.0]).max(dim=0).__doc__


def test_positional_axis_with_keepdim_is_pytorch():
    """keepdim= is PyTorch's keyword: with an axis by position, PyTorch's meaning."""
    grads_match(lambda x: x.std(0, keepdim=True), lambda t: t.std(0, keepdim=True))
    grads_match(lambda x: ya.var(x, 1, keepdim=True), lambda t: torch.var(t, 1, keepdim=True))
    x, xt = pair()
    r, rt = ya.max(x, 1, keepdim=True), torch.max(xt, 1, keepdim=True)
    close(r.values, rt.values)
    close(r.indices, rt.indices)


def test_pytorch_forms_to_second_order():
    x = ya.Tensor(rng.standard_normal((3, 4)))
    for f in (lambda x: x.max(dim=1).values, lambda x: ya.min(x, dim=0, keepdim=True).values,
              lambda x: x.std(dim=1), lambda x: ya.var(x, dim=0, unbiased=False),
              lambda x: x.narrow(1, 1, 2).flatten().clone().permute(0),
              lambda x: x.double() * x.to(ya.float64)):
        assert ya.testing.gradcheck(f, x, modes=("rev", "fwd"), order=2, atol=1e-4)


def test_split_with_dim_is_pytorchs():
    a = rng.standard_normal((7, 3))
    x, xt = ya.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for size, dim in [(3, 0), ([2, 5], 0), (2, 1), ([1, 0, 2], -1), (7, 0), (10, 0)]:
        got, want = ya.split(x, size, dim=dim), torch.split(xt, size, dim=dim)
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w)
    w = rng.standard_normal((5, 3))
    (ya.split(x, [2, 5], dim=0)[1] * w).sum().backward()
    (torch.split(xt, [2, 5], dim=0)[1] * torch.tensor(w)).sum().backward()
    close(x.grad, xt.grad)
    assert [p.shape for p in ya.split(x, 7, axis=0)] == [(1, 3)] * 7       # NumPy: 7 sections
    with pytest.raises(ValueError):
        ya.split(x, [2, 2], dim=0)


@pytest.mark.parametrize("name", ["sort", "median", "nanmedian"])
def test_dim_raises_where_pytorch_returns_values_and_indices(name):
    x = ya.Tensor(rng.standard_normal((3, 4)))
    with pytest.raises(TypeError, match="indices"):
        getattr(ya, name)(x, dim=1)
    close(getattr(ya, name)(x, axis=1), getattr(np, name)(x.data, axis=1))


def test_flatten_order_k_on_random_views():
    """'K' follows NumPy's memory order on sliced, reversed, transposed and broadcast views."""
    r = np.random.default_rng(1)
    for _ in range(300):
        nd = int(r.integers(1, 5))
        shape = tuple(int(s) for s in r.integers(1, 4, nd))
        big = tuple(2 * s for s in shape)
        v = np.arange(float(np.prod(big))).reshape(big)
        v = v[tuple(slice(None, None, int(r.choice([1, 2, -1, -2]))) for _ in range(nd))]
        v = v[tuple(slice(0, s) for s in shape)].transpose(r.permutation(nd))
        if r.random() < 0.3:
            v = np.broadcast_to(np.take(v, [0], axis=int(r.integers(0, nd))), v.shape)
        x = ya.Tensor(v)
        x._data = v
        close(x.flatten("K"), v.flatten("K"))


def test_more_pytorch_methods():
    grads_match(lambda x: x.expand(2, -1, -1), lambda t: t.expand(2, -1, -1), shape=(3, 1))
    grads_match(lambda x: x.expand((2, 3, 4)), lambda t: t.expand((2, 3, 4)), shape=(3, 1))
    grads_match(lambda x: x.expand_as(ya.zeros((2, 3, 4))),
                lambda t: t.expand_as(torch.zeros(2, 3, 4)), shape=(1, 4))
    grads_match(lambda x: x.reshape_as(ya.zeros((4, 3))), lambda t: t.reshape_as(torch.zeros(4, 3)))
    grads_match(lambda x: x.contiguous() * 2, lambda t: t.contiguous() * 2)
    grads_match(lambda x: x.type_as(ya.zeros(1, dtype=ya.float32)).double(),
                lambda t: t.type_as(torch.zeros(1, dtype=torch.float32)).double())
    for bad in [(2,), (-1, 2, 1), (2, 1)]:
        with pytest.raises((RuntimeError, ValueError)):
            ya.zeros((3, 1)).expand(*bad)
        with pytest.raises(RuntimeError):
            torch.zeros(3, 1).expand(*bad)
    x, xt = ya.Tensor(np.ones(2, np.float32)), torch.ones(2, dtype=torch.float32)
    close(x.new_full((2, 3), 1.5), xt.new_full((2, 3), 1.5))
    close(x.new_full([2], 2, dtype=ya.int64), xt.new_full([2], 2, dtype=torch.int64))
    close(x.new_tensor([[1, 2]]), xt.new_tensor([[1, 2]]))
    close(x.new_tensor([1.5], dtype=ya.float64), xt.new_tensor([1.5], dtype=torch.float64))
    assert x.new_tensor([1.0], requires_grad=True).requires_grad


# ---- placement keywords and formatting, as the ported pytorch/examples use them ----------

def test_format_spec_of_a_0d_tensor_is_its_value_as_in_torch():
    for v in (1.23456, -0.5, 3.0):
        for spec in (".2f", "+.3f", ".4e", ""):
            assert format(ya.tensor(v, requires_grad=True), spec) == format(torch.tensor(v, dtype=torch.float64), spec)
    with pytest.raises(TypeError):
        format(torch.tensor([1.5]), ".2f")          # the oracle refuses it for non-0-d too
    with pytest.raises(TypeError, match="only 0-d tensors"):
        format(ya.tensor([1.5]), ".2f")


@pytest.mark.parametrize("make", [
    lambda **kw: ya.zeros(2, 3, **kw), lambda **kw: ya.ones((2,), **kw),
    lambda **kw: ya.empty(2, **kw), lambda **kw: ya.full((2,), 1.5, **kw),
    lambda **kw: ya.eye(2, **kw), lambda **kw: ya.arange(3, **kw),
    lambda **kw: ya.randn(2, **kw), lambda **kw: ya.rand(2, **kw),
    lambda **kw: ya.randint(0, 5, (2,), **kw), lambda **kw: ya.randperm(3, **kw),
    lambda **kw: ya.zeros_like(ya.ones(2), **kw), lambda **kw: ya.ones_like(ya.ones(2), **kw),
    lambda **kw: ya.randn_like(ya.ones(2), **kw), lambda **kw: ya.rand_like(ya.ones(2), **kw),
    lambda **kw: ya.tensor([1.0], **kw)])
def test_creation_functions_take_the_cpu_device_and_refuse_others(make):
    for dev in ("cpu", ya.device("cpu"), "cpu:0"):
        assert make(device=dev).device == "cpu"
    for dev in ("cuda", "cuda:0", "mps"):
        with pytest.raises(ValueError, match="CPU"):
            make(device=dev)


def test_module_to_a_device_object_or_string():
    m = ya.nn.Linear(2, 2)
    assert m.to(ya.device("cpu")) is m and m.to("cpu") is m
    assert m.to(device="cpu", dtype=ya.float32).weight.dtype == np.float32
    for dev in ("cuda", "cuda:0"):
        with pytest.raises(ValueError, match="CPU"):
            m.to(dev)
