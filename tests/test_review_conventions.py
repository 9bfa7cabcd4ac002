"""Acceptance review of issue #11 §2-§3 as a PyTorch user would write it:
everyday idioms compared with PyTorch 2.13 (values, dtypes, gradients), and
every place where the NumPy and PyTorch meanings differ raising, warning or
giving PyTorch's answer as the issue states.
"""
import io
import warnings

import numpy as np
import pytest
import torch

import yaae as ya
import yaae.nn.functional as F
from yaae.data import DataLoader, TensorDataset

RNG = np.random.default_rng(2)
A = RNG.standard_normal((3, 4, 5))


def _pair(a=A):
    return ya.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(y, t, tol=1e-10):
    np.testing.assert_allclose(np.asarray(y.data if isinstance(y, ya.Tensor) else y),
                               t.detach().numpy(), rtol=tol, atol=tol)


# ---- every function and method with an axis refuses both spellings -------------------
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "std", "var", "argmax",
                                  "argmin", "prod", "cumsum", "logsumexp", "softmax", "flip"])
def test_axis_and_dim_together_raise(name):
    x = ya.tensor(A)
    with pytest.raises(TypeError, match="dim"):
        getattr(x, name)(axis=0, dim=0)
    with pytest.raises(TypeError, match="dim"):
        getattr(ya, name)(x, axis=0, dim=0)


def test_keepdims_and_keepdim_together_raise():
    with pytest.raises(TypeError, match="keepdim"):
        ya.tensor(A).sum(axis=0, keepdim=True, keepdims=True)
    with pytest.raises(TypeError, match="dim"):
        (ya.tensor(A) > 0).all(axis=0, dim=0)


# ---- §3: max/min/std/var with dim= are PyTorch's ------------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_values_indices_and_gradient(name):
    x, tx = _pair()
    r, tr = getattr(x, name)(dim=1), getattr(tx, name)(dim=1)
    values, indices = r                                  # unpacks like torch.return_types
    _close(values, tr.values)
    np.testing.assert_array_equal(indices.data, tr.indices.numpy())
    assert indices.dtype == np.int64 and r.indices is indices
    (r.values * 3.0).sum().backward()
    (tr.values * 3.0).sum().backward()
    _close(x.grad, tx.grad)
    f, tf = getattr(ya, name)(x, dim=0, keepdim=True), getattr(torch, name)(tx, dim=0, keepdim=True)
    _close(f.values, tf.values)
    np.testing.assert_array_equal(f.indices.data, tf.indices.numpy())


def test_max_positional_and_no_args_are_values():
    x, tx = _pair()
    _close(x.max(), tx.max())
    assert isinstance(x.max().item(), float)
    _close(x.min(0), tx.amin(0))                      # NumPy's meaning: values only
    _close(ya.max(x, 1), tx.amax(1))


def test_two_tensor_max_names_maximum():
    x = ya.tensor(A)
    with pytest.raises(TypeError, match="ya.maximum"):
        ya.max(x, ya.zeros(3, 4, 5))
    with pytest.raises(TypeError, match="ya.minimum"):
        x.min(ya.zeros(3, 4, 5))


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), (1, 2)])
@pytest.mark.parametrize("name", ["std", "var"])
def test_std_var_dim_use_correction_one(name, dim):
    x, tx = _pair()
    for y, t in [(getattr(x, name)(dim=dim), getattr(tx, name)(dim=dim)),
                 (getattr(ya, name)(x, dim=dim, keepdim=True),
                  getattr(torch, name)(tx, dim=dim, keepdim=True))]:
        _close(y, t)
        y.sum().backward()
        t.sum().backward()
        _close(x.grad, tx.grad)
        x.grad, tx.grad = None, None
    _close(getattr(x, name)(axis=dim), getattr(tx, name)(dim=dim, correction=0))
    _close(getattr(x, name)(dim=dim, unbiased=False), getattr(tx, name)(dim=dim, unbiased=False))


# ---- §3: transpose ---------------------------------------------------------------------
def _warn_site():
    return ya.zeros(2, 3).transpose(0, 1)


def test_transpose_two_axes():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("default")
        for _ in range(3):
            y = _warn_site()
    assert y.shape == (2, 3) and len(w) == 1
    assert w[0].category is UserWarning and w[0].filename == __file__
    assert "swapaxes" in str(w[0].message) and ".T" in str(w[0].message)
    x = ya.zeros(2, 3, 4)
    for i, j in [(1, 2), (0, 1), (-1, -2)]:
        with pytest.raises(TypeError, match="swapaxes"):
            x.transpose(i, j)
    with pytest.raises(TypeError, match="swapaxes"):
        ya.transpose(x, 1, 2)
    assert x.transpose(dim0=1, dim1=2).shape == torch.zeros(2, 3, 4).transpose(dim0=1, dim1=2).shape
    assert x.transpose(0, 2, 1).shape == (2, 4, 3) and ya.zeros(2, 3).transpose(1, 0).shape == (3, 2)


def test_size_is_int_and_callable():
    x, tx = _pair()
    assert x.size == tx.numel() and x.size(-1) == tx.size(-1) and x.size(dim=1) == tx.size(dim=1)
    assert x.size() == tuple(tx.size()) and ya.zeros(x.size(0), 2).shape == (3, 2)


# ---- §2: devices, dtypes, creation -------------------------------------------------------
def test_devices():
    x = ya.zeros(2)
    for dev in ["cuda", "cuda:0", "mps"]:
        with pytest.raises(ValueError, match="CPU"):
            x.to(dev)
        with pytest.raises(ValueError, match="CPU"):
            ya.device(dev)
    assert x.to("cpu") is not None and x.cpu().device == ya.device("cpu") and not x.is_cuda
    assert x.to(ya.device("cpu"), ya.float32).dtype == np.float32


def test_creation_dtypes_follow_torch():
    z = ya.zeros(2, 3, dtype=ya.float32, requires_grad=True)
    assert z.shape == (2, 3) and z.dtype == np.float32 and z.requires_grad
    for y, t in [(ya.tensor([1, 2]), torch.tensor([1, 2])),
                 (ya.tensor([True]), torch.tensor([True])),
                 (ya.arange(5), torch.arange(5)),
                 (ya.full((2,), 7), torch.full((2,), 7)),
                 (ya.randint(0, 5, (3,)), torch.randint(0, 5, (3,))),
                 (ya.randperm(4), torch.randperm(4)),
                 (ya.tensor([1, 2]).float(), torch.tensor([1, 2]).float()),
                 (ya.tensor([1.5]).long(), torch.tensor([1.5]).long()),
                 (ya.tensor([1.5]).int(), torch.tensor([1.5]).int())]:
        assert str(y.dtype) == str(t.dtype).replace("torch.", "")


# ---- integer labels and bool masks --------------------------------------------------------
def test_integer_labels_index_and_losses():
    logits, tl = _pair(RNG.standard_normal((4, 5)))
    y, ty = ya.tensor([0, 3, 4, 1]), torch.tensor([0, 3, 4, 1])
    assert y.dtype == ya.int64
    _close(logits[:, y], tl[:, ty])
    _close(logits[y[:2]], tl[ty[:2]])
    for loss, tloss in [(F.cross_entropy(logits, y), torch.nn.functional.cross_entropy(tl, ty)),
                        (F.nll_loss(F.log_softmax(logits, dim=1), y),
                         torch.nn.functional.nll_loss(torch.log_softmax(tl, 1), ty))]:
        _close(loss, tloss)
    emb = ya.nn.Embedding(6, 2)
    temb = torch.nn.Embedding(6, 2).double()
    temb.weight.data = torch.tensor(emb.weight.data)
    _close(emb(y), temb(ty))
    pred = logits.argmax(dim=1)
    acc = (pred == y).float().mean().item()
    assert acc == (tl.argmax(dim=1) == ty).float().mean().item()
    assert ya.tensor([1, 2, 4]).float().mean().item() == torch.tensor([1, 2, 4]).float().mean().item()


def test_bool_masks_combine_and_select():
    x, tx = _pair(RNG.standard_normal((3, 4)))
    m, tm = (x > 0) & (x < 1), (tx > 0) & (tx < 1)
    np.testing.assert_array_equal(m.data, tm.numpy())
    for y, t in [(~m, ~tm), (m | ~m, tm | ~tm), (m ^ (x > 0.5), tm ^ (tx > 0.5)),
                 (True & m, True & tm)]:
        np.testing.assert_array_equal(y.data, t.numpy())
    assert (x > -10).all().item() is True and (x > 5).any().item() is False
    np.testing.assert_array_equal((x > 0).any(dim=1).data, (tx > 0).any(dim=1).numpy())
    np.testing.assert_array_equal((x > 0).all(0).data, (tx > 0).all(0).numpy())
    with pytest.raises(TypeError, match="bool or integer"):
        x & x
    y, t = x.masked_fill(m, -1.5) * 2, tx.masked_fill(tm, -1.5) * 2
    _close(y, t)
    y.sum().backward()
    t.sum().backward()
    _close(x.grad, tx.grad)
    _close(x[~m], tx[~tm])
    _close(ya.where(m, x, 0.0), torch.where(tm, tx, 0.0))
    f32 = ya.zeros(2, dtype=ya.float32).masked_fill(ya.tensor([True, False]), float("-inf"))
    assert f32.dtype == np.float32 and f32.tolist() == [float("-inf"), 0.0]


def test_from_numpy_shares_writes_both_ways():
    a = np.zeros(3)
    t = ya.from_numpy(a)
    a[0] = 5.0
    assert t.tolist()[0] == 5.0
    t[1] = 7.0
    assert a[1] == 7.0


# ---- common idioms ---------------------------------------------------------------------------
def test_common_idioms_match_torch():
    x, tx = _pair()
    pairs = [(x.view(-1), tx.view(-1)), (x.view(4, 15), tx.view(4, 15)),
             (x.reshape(3, -1), tx.reshape(3, -1)),
             (x.sum(dim=1, keepdim=True), tx.sum(dim=1, keepdim=True)),
             (x.mean(dim=(1, 2)), tx.mean(dim=(1, 2))), (x.unsqueeze(-1), tx.unsqueeze(-1)),
             (ya.cat([x, x], dim=1), torch.cat([tx, tx], dim=1)),
             (x[:, :1].expand(3, 4, 5), tx[:, :1].expand(3, 4, 5)),
             (x.permute(2, 0, 1), tx.permute(2, 0, 1)), (x.flatten(1), tx.flatten(1)),
             (x.narrow(2, 1, 3), tx.narrow(2, 1, 3)), (x.softmax(-1), tx.softmax(-1)),
             (x.logsumexp(dim=1), tx.logsumexp(dim=1))]
    for y, t in pairs:
        assert y.shape == tuple(t.shape)
        _close(y, t)
    np.testing.assert_array_equal(x.argmax(dim=1).data, tx.argmax(dim=1).numpy())
    assert x.detach().numpy().shape == (3, 4, 5)


def test_squeeze_of_a_non_unit_axis_is_not_silent():
    """PyTorch returns the tensor unchanged; NumPy's squeeze raises: loud, never a
    silently different shape."""
    x = ya.zeros(2, 3)
    with pytest.raises(ValueError, match="PyTorch"):
        x.squeeze(1)
    assert x.unsqueeze(1).squeeze(1).shape == (2, 3)


# ---- data loading and checkpoints ----------------------------------------------------------
def test_dataloader_sampler_list_and_options():
    ds = TensorDataset(ya.tensor(np.arange(20.0).reshape(10, 2)), ya.tensor(np.arange(10)))
    got = [b[1].tolist() for b in DataLoader(ds, batch_size=3, sampler=[9, 1, 5, 3])]
    assert got == [[9, 1, 5], [3]]
    dl = DataLoader(ds, batch_size=3, drop_last=True, pin_memory=True, num_workers=0)
    assert len(dl) == 3 and [len(b[0]) for b in dl] == [3, 3, 3]
    assert next(iter(DataLoader(ds, batch_size=2)))[1].dtype == np.int64


def test_save_load_file_objects_and_torch_keywords():
    m = ya.nn.Linear(3, 2)
    buf = io.BytesIO()
    ya.save(m.state_dict(), buf)
    buf.seek(0)
    sd = ya.load(buf, map_location="cpu", weights_only=True)
    assert set(sd) == set(m.state_dict()) and np.array_equal(sd["weight"].data, m.weight.data)
    buf.seek(0)
    with pytest.raises(ValueError, match="CPU"):
        ya.load(buf, map_location="cuda:0")


def test_tensor_methods_show_an_example_in_help():
    """§3: help() of every Tensor method shows its semantics and a short example."""
    names = [n for n in dir(ya.Tensor) if not n.startswith("_")] + ["__and__", "__invert__"]
    missing = [n for n in names
               if ">>>" not in (getattr(ya.Tensor, n).__doc__ or "")
               and "xample" not in (getattr(ya.Tensor, n).__doc__ or "")
               and (callable(getattr(ya.Tensor, n)) or n == "device")]
    assert not missing, missing


@pytest.mark.parametrize("name, hint", [("Generator", "default_rng"), ("topk", "argsort"),
                                        ("asin", "ya.arcsin"), ("inverse", "ya.linalg.inv"),
                                        ("vmap", "jacrev"), ("is_tensor", "isinstance")])
def test_did_you_mean_hints(name, hint):
    with pytest.raises(AttributeError, match=hint):
        getattr(ya, name)


def test_numpy_and_torch_constants():
    assert (ya.pi, ya.e, ya.inf) == (torch.pi, torch.e, torch.inf) and np.isnan(ya.nan)
    assert ya.zeros(2, 3)[:, ya.newaxis].shape == (2, 1, 3)


@pytest.mark.parametrize("args, kw", [((), {}), ((2,), {}), ((1,), {}), ((float("inf"),), {}),
                                      ((3,), {}), ((2, 1), {}), ((), {"dim": 1}),
                                      ((), {"p": 1, "dim": (0, 2)}),
                                      ((), {"p": 2, "dim": -1, "keepdim": True}),
                                      (("fro",), {"dim": (1, 2)}), (("nuc",), {"dim": (1, 2)})])
def test_tensor_norm_is_pytorchs(args, kw):
    """ndarray has no norm method, so Tensor.norm is PyTorch's: x.norm(2) of a
    matrix is the 2-norm of its elements (NumPy's linalg.norm(x, 2): spectral)."""
    x, tx = _pair()
    y, t = x.norm(*args, **kw), tx.norm(*args, **kw)
    _close(y, t)
    y.sum().backward()
    t.sum().backward()
    _close(x.grad, tx.grad)
    w = ya.tensor(A[0])
    _close(w.norm(ord=2), torch.linalg.matrix_norm(torch.tensor(A[0]), 2))
