"""PyTorch-style top-level functions (issue #11 §2): creation functions with
sizes as varargs or a tuple, the random functions behind ``ya.manual_seed``,
``cat``/``mm``/``bmm``, ``from_numpy``, ``array_equal``, and the dtype rule of
``ya.tensor`` for integer and bool data.

Shapes, dtypes, values, gradients and error types come from PyTorch (or NumPy).
"""
import numpy as np
import pytest
import torch

import yaae as ya
from yaae import Tensor
import yaae.nn.functional as F

RNG = np.random.default_rng(11)


def _default_dtype(get, set_, value):
    old = get()
    set_(value)
    yield
    set_(old)


@pytest.fixture
def torch64():
    """PyTorch with float64 as its default dtype (yaae's default)."""
    yield from _default_dtype(torch.get_default_dtype, torch.set_default_dtype, torch.float64)


@pytest.fixture
def float32_default():
    yield from _default_dtype(ya.get_default_dtype, ya.set_default_dtype, np.float32)


def np_dtype(t):
    return torch.empty(0, dtype=t.dtype).numpy().dtype


def same_meta(ours, theirs):
    assert isinstance(ours, Tensor)
    assert ours.shape == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert ours.dtype == np_dtype(theirs), (ours.dtype, theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad


# --------------------------------------------------------------------------
# creation functions
# --------------------------------------------------------------------------
SIZES = [(2, 3), ((2, 3),), ([2, 3],), (4,), ((4,),), ((),), ([],), (0, 2), ((1, 0, 2),)]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("args", SIZES)
def test_creation_sizes_match_torch(torch64, name, args):
    same_meta(getattr(ya, name)(*args), getattr(torch, name)(*args))
    same_meta(getattr(ya, name)(*args, requires_grad=True),
              getattr(torch, name)(*args, requires_grad=True))
    for tdt, ndt in ((torch.float32, np.float32), (torch.int64, np.int64), (torch.bool, bool)):
        same_meta(getattr(ya, name)(*args, dtype=ndt), getattr(torch, name)(*args, dtype=tdt))
    size = args[0] if len(args) == 1 and not isinstance(args[0], int) else args
    same_meta(getattr(ya, name)(size=size), getattr(torch, name)(size=size))


def test_creation_values(torch64):
    np.testing.assert_array_equal(ya.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(ya.ones([3]).data, np.ones(3))
    assert ya.zeros(2, 3).is_leaf and not ya.zeros(2).requires_grad


def test_numpy_positional_dtype_keeps_working():
    for args, want in ((((2, 3), np.float32), np.zeros((2, 3), np.float32)),
                       (([2, 3], np.int64), np.zeros((2, 3), np.int64)),
                       ((3, np.float32), np.zeros(3, np.float32)),
                       (((2, 2), "float32", "F"), np.zeros((2, 2), "float32", "F"))):
        got = ya.zeros(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
    assert ya.ones((2,), np.int32).dtype == np.int32
    assert ya.empty((2,), np.float32).dtype == np.float32
    assert ya.zeros((2, 2), "float32", "F").data.flags.f_contiguous


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "randn", "rand"])
def test_creation_size_errors_match_torch(name):
    with pytest.raises(RuntimeError):
        getattr(torch, name)(-1)
    with pytest.raises(RuntimeError):
        getattr(ya, name)(-1)
    for bad in ((2.5,), ((2, 2.5),)):
        with pytest.raises(TypeError):
            getattr(torch, name)(*bad)
        with pytest.raises(TypeError):
            getattr(ya, name)(*bad)
    with pytest.raises(TypeError):
        getattr(torch, name)()
    with pytest.raises(TypeError):
        getattr(ya, name)()


def test_integer_dtype_cannot_require_grad_as_in_torch():
    with pytest.raises(RuntimeError, match="floating point"):
        torch.zeros(2, dtype=torch.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ya.zeros(2, dtype=np.int64, requires_grad=True)


@pytest.mark.parametrize("args", [(5,), (2, 7), (1, 10, 3), (5, 0, -2), (0.0, 1.0, 0.25),
                                  (0, 1, 0.25), (3.0,), (0,)])
def test_arange_dtype_and_values_match_numpy_and_torch(torch64, args):
    ours = ya.arange(*args)
    np.testing.assert_array_equal(ours.data, np.arange(*args))
    assert ours.dtype == np.arange(*args).dtype
    same_meta(ours, torch.arange(*args))


def test_arange_requires_grad_with_integers_gives_floats():
    # PyTorch raises here; yaae makes the integer range a float leaf (issue #11's rule
    # for integer data with requires_grad=True)
    x = ya.arange(4, requires_grad=True)
    assert x.dtype == ya.get_default_dtype() and x.requires_grad
    np.testing.assert_array_equal(x.data, [0.0, 1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * np.arange(4.0))
    assert ya.arange(3, dtype=np.float32).dtype == np.float32
    assert ya.arange(0, 1, 0.5, requires_grad=True).requires_grad


def test_arange_float_follows_default_dtype(float32_default):
    assert ya.arange(0.0, 1.0, 0.25).dtype == np.float32
    assert ya.arange(3).dtype == np.int64
    assert ya.arange(3, requires_grad=True).dtype == np.float32


@pytest.mark.parametrize("fill", [3, 0.5, True, -2])
@pytest.mark.parametrize("size", [(2, 3), [4], (), 3])
def test_full_dtype_follows_fill_value_as_torch(torch64, fill, size):
    tsize = (size,) if isinstance(size, int) else size
    ours = ya.full(size, fill)
    same_meta(ours, torch.full(tsize, fill))
    np.testing.assert_array_equal(ours.data, torch.full(tsize, fill).numpy())
    assert ya.full(size, fill, dtype=np.float32).dtype == np.float32


def test_full_requires_grad():
    x = ya.full((2,), 0.5, requires_grad=True)
    assert x.requires_grad and x.dtype == np.float64
    assert ya.full((2,), 3, requires_grad=True).dtype == np.float64
    # a Tensor fill value is broadcast differentiably (as before)
    v = Tensor(2.0, requires_grad=True)
    ya.full((2, 3), v).sum().backward()
    assert v.grad.item() == 6.0


def test_eye_and_like_functions(torch64):
    same_meta(ya.eye(3), torch.eye(3))
    same_meta(ya.eye(2, 4), torch.eye(2, 4))
    np.testing.assert_array_equal(ya.eye(2, 4).data, torch.eye(2, 4).numpy())
    same_meta(ya.eye(3, dtype=np.int64), torch.eye(3, dtype=torch.int64))
    same_meta(ya.eye(3, requires_grad=True), torch.eye(3, requires_grad=True))
    for x, tx in ((ya.zeros(2, 3, dtype=np.float32), torch.zeros(2, 3, dtype=torch.float32)),
                  (ya.arange(4), torch.arange(4))):
        for name in ("zeros_like", "ones_like"):
            same_meta(getattr(ya, name)(x), getattr(torch, name)(tx))
            same_meta(getattr(ya, name)(x, dtype=np.float64),
                      getattr(torch, name)(tx, dtype=torch.float64))
    same_meta(ya.zeros_like(ya.zeros(2), requires_grad=True),
              torch.zeros_like(torch.zeros(2), requires_grad=True))
    same_meta(ya.full_like(ya.zeros(2), 3), torch.full_like(torch.zeros(2), 3))
    same_meta(ya.full_like(ya.zeros(2), 3, dtype=np.int64),
              torch.full_like(torch.zeros(2), 3, dtype=torch.int64))
    assert ya.zeros_like(ya.zeros(2), np.float32).dtype == np.float32      # NumPy's positional


# --------------------------------------------------------------------------
# random functions
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["randn", "rand"])
@pytest.mark.parametrize("args", SIZES)
def test_random_shapes_and_dtypes_match_torch(torch64, name, args):
    same_meta(getattr(ya, name)(*args), getattr(torch, name)(*args))
    same_meta(getattr(ya, name)(*args, dtype=np.float32),
              getattr(torch, name)(*args, dtype=torch.float32))
    same_meta(getattr(ya, name)(*args, requires_grad=True),
              getattr(torch, name)(*args, requires_grad=True))


def test_random_floats_take_the_default_dtype(float32_default):
    assert ya.randn(3).dtype == ya.rand(3).dtype == np.float32
    assert ya.randn_like(ya.zeros(2, dtype=np.float64)).dtype == np.float64


def test_random_integer_dtype_is_refused():
    with pytest.raises(NotImplementedError):
        torch.randn(2, dtype=torch.int64)
    with pytest.raises(TypeError, match="floating"):
        ya.randn(2, dtype=np.int64)
    with pytest.raises(TypeError, match="floating"):
        ya.rand_like(ya.arange(3))


@pytest.mark.parametrize("name,args", [
    ("randn", (3, 4)), ("rand", ((5,),)), ("randint", (0, 10, (6,))), ("randint", (7, (2, 2))),
    ("randperm", (9,))])
def test_manual_seed_and_generator_make_random_reproducible(name, args):
    f = getattr(ya, name)
    ya.manual_seed(3)
    a = f(*args)
    ya.manual_seed(3)
    b = f(*args)
    c = f(*args)
    assert a.data.tobytes() == b.data.tobytes()
    assert a.data.tobytes() != c.data.tobytes()
    # an explicit numpy Generator is the only source and leaves the default alone
    state = ya.random.default_generator().bit_generator.state
    g1 = f(*args, generator=np.random.default_rng(5))
    g2 = f(*args, generator=np.random.default_rng(5))
    assert g1.data.tobytes() == g2.data.tobytes()
    assert ya.random.default_generator().bit_generator.state == state
    with pytest.raises(TypeError, match="generator"):
        f(*args, generator=5)


def test_random_distributions():
    g = np.random.default_rng(0)
    x = ya.randn(200000, generator=g).data
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    u = ya.rand(200000, generator=g).data
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    r = ya.randint(-3, 4, (10000,), generator=g).data
    assert set(r.tolist()) == set(range(-3, 4))
    assert sorted(ya.randperm(50, generator=g).tolist()) == list(range(50))


@pytest.mark.parametrize("args,kw,low,high", [
    ((10, (3,)), {}, 0, 10), ((3, 10, (3,)), {}, 3, 10), ((3, 10, (2, 3)), {}, 3, 10),
    ((3, 10, [4]), {}, 3, 10), ((), {"low": 2, "high": 5, "size": (2,)}, 2, 5),
    ((), {"high": 5, "size": (2,)}, 0, 5), ((10,), {"size": (3,)}, 0, 10),
    ((1, 10), {"size": (3,)}, 1, 10), ((0, 10, (3,)), {"dtype": "float32"}, 0, 10),
    ((5, ()), {}, 0, 5), ((-4, -1, (50,)), {}, -4, -1)])
def test_randint_signature_matches_torch(torch64, args, kw, low, high):
    tkw = dict(kw, dtype=torch.float32) if "dtype" in kw else kw
    theirs = torch.randint(*args, **tkw)
    ours = ya.randint(*args, **kw)
    same_meta(ours, theirs)
    assert ((ours.data >= low) & (ours.data < high)).all()
    assert ((theirs.numpy() >= low) & (theirs.numpy() < high)).all()


@pytest.mark.parametrize("args", [(10, 3), (5, 5, (2,)), (5, 2, (2,)), (-3, (2,)), (10,)])
def test_randint_errors_match_torch(args):
    with pytest.raises(Exception) as theirs:
        torch.randint(*args)
    with pytest.raises(theirs.type):
        ya.randint(*args)
    with pytest.raises(RuntimeError):
        torch.randint(0, 10, (3,), requires_grad=True)
    with pytest.raises(RuntimeError):
        ya.randint(0, 10, (3,), requires_grad=True)


def test_randperm_and_like_match_torch_meta(torch64):
    same_meta(ya.randperm(5), torch.randperm(5))
    same_meta(ya.randperm(5, dtype=np.float32), torch.randperm(5, dtype=torch.float32))
    same_meta(ya.randperm(0), torch.randperm(0))
    x, tx = ya.zeros(2, 3, dtype=np.float32), torch.zeros(2, 3, dtype=torch.float32)
    for name in ("randn_like", "rand_like"):
        same_meta(getattr(ya, name)(x), getattr(torch, name)(tx))
        same_meta(getattr(ya, name)(x, dtype=np.float64, requires_grad=True),
                  getattr(torch, name)(tx, dtype=torch.float64, requires_grad=True))
    with pytest.raises(RuntimeError):
        torch.randperm(-1)
    with pytest.raises(RuntimeError):
        ya.randperm(-1)


def test_random_leaves_require_grad_and_train():
    w = ya.randn(3, requires_grad=True, generator=np.random.default_rng(1))
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * w.data)


# --------------------------------------------------------------------------
# cat, mm, bmm
# --------------------------------------------------------------------------
def _pair(shape, dtype=np.float64):
    a = RNG.standard_normal(shape).astype(dtype)
    return Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("dim", [0, 1, -1, None])
def test_cat_matches_torch_values_and_gradients(dim):
    a, ta = _pair((2, 3))
    b, tb = _pair((2, 3))
    kw = {} if dim is None else {"dim": dim}
    for seq in (list, tuple):
        out, tout = ya.cat(seq([a, b]), **kw), torch.cat(seq([ta, tb]), **kw)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=0)
    w = RNG.standard_normal(tout.shape)
    (out * Tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), atol=1e-12)
    if dim is not None:
        np.testing.assert_array_equal(ya.cat([a, b], axis=dim).data, out.data)
        np.testing.assert_array_equal(ya.cat([a, b], dim).data, out.data)


def test_cat_errors():
    with pytest.raises(ValueError):
        torch.cat([])
    with pytest.raises(ValueError):
        ya.cat([])
    with pytest.raises(TypeError, match="dim= and axis="):
        ya.cat([ya.zeros(2)], dim=0, axis=0)
    with pytest.raises(ValueError):
        ya.cat([ya.zeros((2, 3)), ya.zeros((3, 2))], dim=1)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_mm_bmm_match_torch_values_and_gradients(dtype, tol):
    for fn, sa, sb in ((ya.mm, (3, 4), (4, 5)), (ya.bmm, (2, 3, 4), (2, 4, 5))):
        a, ta = _pair(sa, dtype)
        b, tb = _pair(sb, dtype)
        out, tout = fn(a, b), getattr(torch, fn.__name__)(ta, tb)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=tol, atol=tol)
        w = RNG.standard_normal(tout.shape).astype(dtype)
        (out * Tensor(w)).sum().backward()
        (tout * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=tol, atol=tol)


def test_mm_bmm_second_order():
    a = RNG.standard_normal((3, 4))
    b = RNG.standard_normal((4, 2))
    ya.testing.gradcheck(lambda x, y: ya.mm(x, y) ** 2, a, b, modes=("rev", "fwd"), order=2)
    ya.testing.gradcheck(lambda x, y: ya.bmm(x, y) ** 2, RNG.standard_normal((2, 3, 4)),
                         RNG.standard_normal((2, 4, 2)), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("name,sa,sb,da,db", [
    ("mm", (2, 3), (4, 5), None, None), ("mm", (3,), (3, 5), None, None),
    ("mm", (2, 3), (3,), None, None), ("mm", (1, 2, 3), (3, 5), None, None),
    ("mm", (2, 3), (3, 5), "float32", "float64"),
    ("bmm", (2, 2, 3), (3, 3, 5), None, None), ("bmm", (2, 2, 3), (2, 4, 5), None, None),
    ("bmm", (2, 3), (2, 3, 5), None, None), ("bmm", (2, 2, 3), (3, 5), None, None),
    ("bmm", (2, 2, 3), (2, 3, 5), "float64", "float32")])
def test_mm_bmm_shape_and_dtype_errors_match_torch(name, sa, sb, da, db):
    def args(lib):
        conv = (lambda s, d: torch.zeros(s, dtype=getattr(torch, d or "float64"))) \
            if lib is torch else (lambda s, d: ya.zeros(s, dtype=d or "float64"))
        return conv(sa, da), conv(sb, db)
    with pytest.raises(RuntimeError):
        getattr(torch, name)(*args(torch))
    with pytest.raises(RuntimeError) as e:
        getattr(ya, name)(*args(ya))
    assert isinstance(e.value, ValueError)          # also NumPy's error type
    assert name in str(e.value)


# --------------------------------------------------------------------------
# from_numpy, array_equal
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32, np.uint8,
                                   np.bool_, np.complex128])
def test_from_numpy_shares_memory_and_keeps_dtype(dtype):
    a = np.zeros((2, 3), dtype=dtype)
    t = ya.from_numpy(a)
    assert t.dtype == torch.from_numpy(a).numpy().dtype == dtype
    assert np.shares_memory(t.data, a)
    a[0, 1] = 1
    assert t.data[0, 1] == 1
    t.data[1, 2] = 1
    assert a[1, 2] == 1
    assert not t.requires_grad and t.is_leaf


def test_from_numpy_views_and_in_place_writes():
    a = np.arange(6.0).reshape(2, 3)
    t = ya.from_numpy(a.T)
    assert t.shape == (3, 2) and np.shares_memory(t.data, a)
    a[1, 0] = 10
    assert t.data[0, 1] == 10
    # a tensor from from_numpy trains in place like a torch one
    w = ya.from_numpy(np.ones(3))
    w.requires_grad_(True)
    (w * 2).sum().backward()
    assert w.grad.data.tolist() == [2.0, 2.0, 2.0]


def test_from_numpy_errors_match_torch():
    for bad in ([1, 2], 3.0, ya.zeros(2)):
        with pytest.raises(TypeError):
            torch.from_numpy(bad)
        with pytest.raises(TypeError, match="ndarray"):
            ya.from_numpy(bad)
    with pytest.raises(TypeError):
        torch.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError):
        ya.from_numpy(np.array(["a"]))


def test_array_equal_is_torch_equal_and_a_python_bool():
    pairs = [(np.arange(3.0), np.arange(3.0)), (np.arange(3.0), np.arange(1.0, 4.0)),
             (np.zeros(2), np.zeros(3)), (np.zeros((2, 1)), np.zeros((2,))),
             (np.zeros(2), np.zeros(2, dtype=np.int64)), (np.array([np.nan]), np.array([np.nan]))]
    for a, b in pairs:
        want = torch.equal(torch.from_numpy(a), torch.from_numpy(b))
        got = ya.array_equal(Tensor(a), Tensor(b))
        assert type(got) is bool and got == want == bool(np.array_equal(a, b))
    assert ya.array_equal(ya.arange(3), [0, 1, 2]) is True
    assert ya.array_equal(ya.tensor([np.nan]), ya.tensor([np.nan]), equal_nan=True) is True
    # ya.equal keeps NumPy's elementwise meaning
    e = ya.equal(ya.arange(3), ya.tensor([0, 5, 2]))
    assert isinstance(e, Tensor) and e.data.tolist() == [True, False, True]


# --------------------------------------------------------------------------
# integer and bool data
# --------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[1, 2, 3], 5, [[0, 1], [2, 3]], [True, False], True,
                                  np.arange(3, dtype=np.int32), np.array([1, 2], np.uint8),
                                  np.array([True]), [1.5, 2.0], 2.5, np.float32(1.5),
                                  np.arange(3.0, dtype=np.float32), [1, 2.5]])
def test_tensor_dtype_matches_torch(torch64, data):
    for make in (ya.tensor, Tensor):
        t = make(data)
        want = np_dtype(torch.tensor(data))
        if isinstance(data, np.ndarray) and data.dtype == np.uint8:
            want = np.uint8
        assert t.dtype == want, (data, t.dtype, want)
        np.testing.assert_array_equal(t.data, np.asarray(data))


def test_python_floats_take_the_default_dtype(float32_default):
    assert ya.tensor([1.5, 2.0]).dtype == np.float32
    assert ya.tensor(2.5).dtype == np.float32
    assert Tensor([1, 2.5]).dtype == np.float32
    assert ya.tensor(np.array([1.5])).dtype == np.float64     # arrays keep their dtype
    assert ya.tensor([1, 2]).dtype == np.int64
    assert ya.tensor(2, requires_grad=True).dtype == np.float32


def test_integer_data_with_requires_grad_becomes_float():
    n = ya.Node(2, requires_grad=True)
    assert n.dtype == np.float64 and n.requires_grad
    (n * n).backward()
    assert n.grad.item() == 4.0
    t = ya.tensor([1, 2], requires_grad=True)
    assert t.dtype == np.float64
    t = Tensor(np.arange(3, dtype=np.int32), requires_grad=True)
    assert t.dtype == np.float64


def test_bool_with_requires_grad_raises_as_torch():
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([True, False], requires_grad=True)
    for make in (ya.tensor, Tensor):
        with pytest.raises(RuntimeError, match="floating point"):
            make([True, False], requires_grad=True)
        with pytest.raises(TypeError):
            make(True, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ya.tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_labels_index_and_masks_select():
    x = ya.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    labels = ya.tensor([2, 0, 1, 2])
    picked = x[ya.arange(4), labels]
    want = x.data[np.arange(4), [2, 0, 1, 2]]
    np.testing.assert_array_equal(picked.data, want)
    mask = ya.tensor([True, False, True, False])
    assert mask.dtype == bool
    np.testing.assert_array_equal(x[mask].data, x.data[[0, 2]])
    # integer labels from ya.tensor work as cross-entropy targets, as in PyTorch
    loss = F.cross_entropy(x, labels)
    tx = torch.tensor(x.data, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor([2, 0, 1, 2]))
    np.testing.assert_allclose(loss.item(), tl.item(), atol=1e-12)
    loss.backward()
    tl.backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), atol=1e-12)


def test_integer_tensor_arithmetic_follows_numpy():
    a = ya.tensor([1, 2, 3])
    assert (a + 1).dtype == np.int64
    assert (a / 2).dtype == np.float64
    assert (a * 1.5).dtype == np.float64
    assert int(ya.tensor(3)) == 3 and [0, 1, 2, 3][ya.tensor(2)] == 2


def test_new_functions_have_docstrings():
    for name in ("cat", "mm", "bmm", "randn", "rand", "randint", "randn_like", "rand_like",
                 "randperm", "zeros", "ones", "full", "empty", "arange", "eye", "zeros_like",
                 "ones_like", "full_like", "from_numpy", "array_equal", "tensor"):
        f = getattr(ya, name)
        assert f.__doc__ and len(f.__doc__.strip().splitlines()) >= 3, name
        assert name in ya.api.__all__ or name == "tensor", name
