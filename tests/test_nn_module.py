"""yaae.nn.Module / Parameter / containers / init, against PyTorch's behaviour.

Names, orders, state_dict keys and reprs are compared with an equivalent
torch model; initialisation is checked against PyTorch's formulas.
"""
import math
import pickle
import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as tnn

import yaae as ya
import yaae.nn as nn
from yaae.nn import init


# --------------------------------------------------------------------------------------
# equivalent nested models
# --------------------------------------------------------------------------------------
class YEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.act = nn.GELU()


class TEncoder(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tnn.Linear(4, 6)
        self.bn = tnn.BatchNorm1d(6)
        self.act = tnn.GELU()


class YModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = YEncoder()
        self.blocks = nn.ModuleList([nn.Linear(6, 6), nn.LayerNorm(6)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(6, 3), "emb": nn.Embedding(5, 6, padding_idx=0)})
        self.scale = nn.Parameter(np.ones(3))
        self.register_buffer("step", ya.Tensor(np.zeros(())))
        self.register_buffer("tmp", ya.Tensor(np.zeros(2)), persistent=False)
        self.mlp = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(4, 2, bias=False))

    def forward(self, x):
        h = self.encoder.act(self.encoder.bn(self.encoder.fc(x)))
        for b in self.blocks:
            h = b(h)
        return self.mlp(self.heads["cls"](h) * self.scale)


class TModel(tnn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = TEncoder()
        self.blocks = tnn.ModuleList([tnn.Linear(6, 6), tnn.LayerNorm(6)])
        self.heads = tnn.ModuleDict({"cls": tnn.Linear(6, 3), "emb": tnn.Embedding(5, 6, padding_idx=0)})
        self.scale = tnn.Parameter(torch.ones(3))
        self.register_buffer("step", torch.zeros(()))
        self.register_buffer("tmp", torch.zeros(2), persistent=False)
        self.mlp = tnn.Sequential(tnn.Linear(3, 4), tnn.BatchNorm1d(4), tnn.ReLU(), tnn.Dropout(0.1),
                                  tnn.Linear(4, 2, bias=False))

    def forward(self, x):
        h = self.encoder.act(self.encoder.bn(self.encoder.fc(x)))
        for b in self.blocks:
            h = b(h)
        return self.mlp(self.heads["cls"](h) * self.scale)


# same class names on both sides (they appear in reprs and module listings)
YEncoder.__name__ = TEncoder.__name__ = "Encoder"
YModel.__name__ = TModel.__name__ = "Model"


def _shapes(named):
    return [(k, tuple(v.shape)) for k, v in named]


def test_names_orders_and_shapes_match_torch():
    ym, tm = YModel(), TModel()
    assert _shapes(ym.named_parameters()) == _shapes(tm.named_parameters())
    assert _shapes(ym.named_buffers()) == _shapes(tm.named_buffers())
    assert [n for n, _ in ym.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in ym.named_children()] == [n for n, _ in tm.named_children()]
    assert [type(m).__name__ for m in ym.modules()] == [type(m).__name__ for m in tm.modules()]
    assert list(ym.state_dict()) == list(tm.state_dict())
    assert "tmp" not in ym.state_dict()
    sd = ym.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert sd["encoder.bn.num_batches_tracked"].dtype == np.int64
    assert sd["encoder.bn.num_batches_tracked"].shape == ()
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ym.parameters())
    assert len(list(ym.parameters())) == len(list(tm.parameters()))
    assert len(list(ym.buffers())) == len(list(tm.buffers()))
    assert [n for n, _ in ym.named_parameters(prefix="m", recurse=True)][0] == "m.scale"
    assert [n for n, _ in ym.named_parameters(recurse=False)] == ["scale"]


def test_repr_matches_torch():
    assert repr(YModel()) == repr(TModel())
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.ReLU(), nn.Flatten(), nn.Unflatten(1, (2, 1)),
                        nn.Softmax(dim=1), nn.LogSoftmax(dim=0), nn.Identity(), nn.ELU(),
                        nn.LeakyReLU(0.2), nn.SiLU(), nn.Sigmoid(), nn.Tanh(), nn.Softplus(),
                        nn.LayerNorm((2, 3), elementwise_affine=False), nn.BatchNorm2d(3, affine=False),
                        nn.Embedding(4, 2), nn.Dropout())
    tseq = tnn.Sequential(tnn.Linear(2, 2), tnn.ReLU(), tnn.ReLU(), tnn.Flatten(), tnn.Unflatten(1, (2, 1)),
                          tnn.Softmax(dim=1), tnn.LogSoftmax(dim=0), tnn.Identity(), tnn.ELU(),
                          tnn.LeakyReLU(0.2), tnn.SiLU(), tnn.Sigmoid(), tnn.Tanh(), tnn.Softplus(),
                          tnn.LayerNorm((2, 3), elementwise_affine=False), tnn.BatchNorm2d(3, affine=False),
                          tnn.Embedding(4, 2), tnn.Dropout())
    assert repr(seq) == repr(tseq)
    assert repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])) == \
        repr(tnn.ModuleList([tnn.ReLU(), tnn.ReLU(), tnn.Tanh()]))
    assert repr(nn.ModuleList()) == repr(tnn.ModuleList())
    assert "Parameter containing" in repr(nn.Parameter(np.ones(2)))


def test_torch_weights_load_and_outputs_match():
    torch.manual_seed(0)
    tm, ym = TModel().double(), YModel()
    tm.eval()
    ym.eval()
    with torch.no_grad():
        for b in (tm.encoder.bn, tm.mlp[1]):
            b.running_mean.normal_()
            b.running_var.uniform_(0.5, 2.0)
    res = ym.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(ym(ya.Tensor(x)).data, tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    # and the other way round
    ym2 = YModel()
    tm2 = TModel().double()
    tm2.load_state_dict({k: torch.tensor(v) for k, v in ym2.state_dict().items()})
    tm2.eval()
    ym2.eval()
    np.testing.assert_allclose(ym2(ya.Tensor(x)).data, tm2(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_state_dict_is_a_copy_and_load_copies_in():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    sd["weight"][...] = 7.0
    assert not np.any(m.weight.data == 7.0)
    w_obj = m.weight
    m.load_state_dict({"weight": np.full((2, 3), 2.0), "bias": np.zeros(2)})
    assert m.weight is w_obj
    np.testing.assert_array_equal(m.weight.data, 2.0)
    src = np.full((2, 3), 3.0)
    m.load_state_dict({"weight": src, "bias": np.zeros(2)})
    src[...] = 0
    np.testing.assert_array_equal(m.weight.data, 3.0)
    kv = m.state_dict(keep_vars=True)
    assert kv["weight"] is m.weight


def test_load_state_dict_errors_name_each_key():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    sd = m.state_dict()
    del sd["0.bias"], sd["1.running_var"]
    sd["extra.weight"] = np.zeros(1)
    sd["0.weight"] = np.zeros((3, 3))
    with pytest.raises(RuntimeError) as ei:
        m.load_state_dict(sd)
    msg = str(ei.value)
    for key in ['"0.bias"', '"1.running_var"', '"extra.weight"', "0.weight"]:
        assert key in msg
    assert "Missing key(s)" in msg and "Unexpected key(s)" in msg and "size mismatch" in msg
    # torch's message for the same situation has the same structure
    tm = tnn.Sequential(tnn.Linear(3, 2), tnn.BatchNorm1d(2))
    tsd = {k: torch.tensor(v) for k, v in sd.items()}
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(tsd)
    assert msg.splitlines()[:3] == str(te.value).splitlines()[:3]
    # non-strict: only shape errors raise; the key lists are returned
    sd["0.weight"] = np.zeros((2, 3))
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["0.bias", "1.running_var"]
    assert res.unexpected_keys == ["extra.weight"]


def test_to_dtype_and_train_eval_propagation():
    m = YModel()
    m.encoder.fc.weight.grad = ya.Tensor(np.ones((6, 4)))
    assert m.to(np.float32) is m
    for p in m.parameters():
        assert p.dtype == np.float32
    assert m.encoder.fc.weight.grad.dtype == np.float32
    assert m.encoder.bn.running_mean.dtype == np.float32
    assert m.encoder.bn.num_batches_tracked.dtype == np.int64
    assert m.step.dtype == np.float32
    out = m(ya.Tensor(np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)))
    assert out.dtype == np.float32
    m.double()
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.train(False)
    assert not m.mlp[3].training


def test_zero_grad_requires_grad_apply():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    m(ya.Tensor(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad.data) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Linear", "Sequential"]

    def zero_linear(mod):
        if isinstance(mod, nn.Linear):
            init.zeros_(mod.weight)
    m.apply(zero_linear)
    assert not np.any(m[0].weight.data)


def test_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(np.ones(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("buf", np.arange(3.0))
    m.register_parameter("nothing", None)
    m.add_module("other", nn.ReLU())
    m.plain = 5
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert isinstance(m.buf, ya.Tensor) and list(m.state_dict()) == ["w", "buf", "sub.weight", "sub.bias"]
    assert m.plain == 5 and "plain" not in m.state_dict()
    with pytest.raises(TypeError):
        m.w = ya.Tensor(np.ones(2))           # must be a Parameter (or None)
    with pytest.raises(TypeError):
        m.sub = 3
    with pytest.raises(KeyError):
        m.register_buffer("a.b", None)
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing
    m.buf = np.zeros(3)
    assert isinstance(m.buf, ya.Tensor)
    del m.sub
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.w = None
    assert list(m.named_parameters()) == []
    with pytest.raises(AttributeError):
        class Bad(nn.Module):
            def __init__(self):
                self.p = nn.Parameter(np.ones(1))
        Bad()
    with pytest.raises(NotImplementedError):
        nn.Module()(1)
    # shared parameters are listed once
    lin = nn.Linear(2, 2)
    shared = nn.Sequential(lin, lin)
    assert len(list(shared.parameters())) == 2
    assert list(shared.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_parameter():
    p = nn.Parameter(np.array([1, 2]))
    assert p.requires_grad and p.dtype == np.float64 and p.is_leaf
    q = nn.Parameter(ya.Tensor(np.ones(2, dtype=np.float32)), requires_grad=False)
    assert not q.requires_grad and q.dtype == np.float32
    assert isinstance(p * 2, ya.Tensor) and not isinstance(p * 2, nn.Parameter)
    r = copy.deepcopy(p)
    assert isinstance(r, nn.Parameter) and r is not p and np.array_equal(r.data, p.data)
    s = pickle.loads(pickle.dumps(p))
    assert isinstance(s, nn.Parameter) and np.array_equal(s.data, p.data)
    m2 = copy.deepcopy(nn.Sequential(nn.Linear(2, 2)))
    assert isinstance(m2[0].weight, nn.Parameter)


def test_containers():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2
    assert list(sub.state_dict()) == list(tnn.Sequential(tnn.Linear(2, 2), tnn.ReLU(), tnn.Linear(2, 1))[1:].state_dict())
    seq.append(nn.Tanh())
    assert len(seq) == 4
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq[0] = nn.Identity()
    assert isinstance(seq[0], nn.Identity)
    with pytest.raises(IndexError):
        seq[10]
    od = nn.Sequential(OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.ReLU())]))
    assert list(od.state_dict()) == ["a.weight", "a.bias"]
    x = ya.Tensor(np.ones((1, 2)))
    np.testing.assert_allclose(od(x).data, od.b(od.a(x)).data)

    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert len(ml) == 6 and isinstance(ml[0], nn.Sigmoid) and isinstance(ml[-1], nn.Tanh)
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    assert [n for n, _ in ml.named_parameters()] == ["1.weight", "1.bias", "2.weight", "2.bias",
                                                     "3.weight", "3.bias"]
    del ml[0]
    assert [n for n, _ in ml.named_children()] == [str(i) for i in range(5)]

    md = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md.keys()) == ["b", "a", "c"] and "a" in md and len(md) == 3
    assert list(md) == ["b", "a", "c"]
    assert md.pop("a").__class__ is nn.ReLU and len(md) == 2
    assert list(md.state_dict()) == ["b.weight", "b.bias"]


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape))
    m(ya.Tensor(np.ones((3, 2))))
    h.remove()
    m(ya.Tensor(np.ones((3, 2))))
    assert calls == [(3, 2)]


# --------------------------------------------------------------------------------------
# initialisation
# --------------------------------------------------------------------------------------
def test_default_init_bounds_and_values():
    ya.manual_seed(0)
    lin = nn.Linear(50, 200)
    bound = 1 / math.sqrt(50)
    w, b = lin.weight.data, lin.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.95 * bound                   # fills the whole interval
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.03)  # U(-b, b)
    bn, ln = nn.BatchNorm1d(5), nn.LayerNorm((2, 3))
    np.testing.assert_array_equal(bn.weight.data, 1)
    np.testing.assert_array_equal(bn.bias.data, 0)
    np.testing.assert_array_equal(bn.running_mean.data, 0)
    np.testing.assert_array_equal(bn.running_var.data, 1)
    np.testing.assert_array_equal(ln.weight.data, 1)
    np.testing.assert_array_equal(ln.bias.data, 0)
    emb = nn.Embedding(300, 100, padding_idx=3)
    np.testing.assert_array_equal(emb.weight.data[3], 0)
    assert abs(emb.weight.data.std() - 1) < 0.02
    conv = nn.Conv2d(4, 6, 3, groups=2)
    cb = 1 / math.sqrt(4 // 2 * 9)
    assert np.abs(conv.weight.data).max() <= cb and np.abs(conv.bias.data).max() <= cb


def test_manual_seed_reproducibility():
    ya.manual_seed(42)
    a = [p.data.copy() for p in YModel().parameters()]
    ya.manual_seed(42)
    b = [p.data.copy() for p in YModel().parameters()]
    ya.manual_seed(43)
    c = [p.data.copy() for p in YModel().parameters()]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    ya.manual_seed(1)
    t1 = init.normal_(ya.Tensor(np.empty((3, 3)))).data.copy()
    ya.manual_seed(1)
    t2 = init.normal_(ya.Tensor(np.empty((3, 3)))).data.copy()
    np.testing.assert_array_equal(t1, t2)


@pytest.mark.parametrize("shape", [(3, 5), (7, 3, 2, 2), (4, 6, 3)])
def test_fans_and_gains_match_torch(shape):
    from torch.nn.init import _calculate_fan_in_and_fan_out as tfans
    assert init._calculate_fan_in_and_fan_out(ya.Tensor(np.empty(shape))) == tfans(torch.empty(shape))
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                      ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert init.calculate_gain(nl, param) == tnn.init.calculate_gain(nl, param)
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(ya.Tensor(np.empty(3)))
    with pytest.raises(ValueError):
        init.calculate_gain("bogus")


def test_initialiser_statistics():
    ya.manual_seed(0)
    shape = (400, 300)
    fan_in, fan_out = 300, 400
    t = ya.Tensor(np.empty(shape))
    init.kaiming_normal_(t)
    np.testing.assert_allclose(t.data.std(), math.sqrt(2 / (1 + 0.01 ** 2)) / math.sqrt(fan_in), rtol=0.02)
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    np.testing.assert_allclose(t.data.std(), math.sqrt(2) / math.sqrt(fan_out), rtol=0.02)
    init.kaiming_uniform_(t, a=0.1, nonlinearity="leaky_relu")
    b = math.sqrt(3) * math.sqrt(2 / (1 + 0.01)) / math.sqrt(fan_in)
    assert np.abs(t.data).max() <= b and np.abs(t.data).max() > 0.99 * b
    init.xavier_uniform_(t, gain=2.0)
    b = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(t.data).max() <= b and np.abs(t.data).max() > 0.99 * b
    init.xavier_normal_(t)
    np.testing.assert_allclose(t.data.std(), math.sqrt(2 / (fan_in + fan_out)), rtol=0.02)
    init.uniform_(t, -2, 3)
    assert t.data.min() >= -2 and t.data.max() < 3
    np.testing.assert_allclose(t.data.mean(), 0.5, atol=0.02)
    init.normal_(t, 1.5, 0.5)
    np.testing.assert_allclose([t.data.mean(), t.data.std()], [1.5, 0.5], rtol=0.02)
    init.trunc_normal_(t, std=1.0, a=-1.0, b=2.0)
    assert t.data.min() >= -1.0 and t.data.max() <= 2.0
    init.constant_(t, 0.25)
    np.testing.assert_array_equal(t.data, 0.25)
    init.ones_(t)
    np.testing.assert_array_equal(t.data, 1)
    init.zeros_(t)
    np.testing.assert_array_equal(t.data, 0)
    p = nn.Parameter(np.empty((3, 3), dtype=np.float32))
    assert init.normal_(p) is p and p.dtype == np.float32


@pytest.mark.parametrize("shape", [(5, 5), (3, 8), (8, 3), (4, 2, 3)])
def test_orthogonal(shape):
    t = ya.Tensor(np.empty(shape))
    init.orthogonal_(t, gain=2.0)
    w = t.data.reshape(shape[0], -1)
    if w.shape[0] <= w.shape[1]:
        np.testing.assert_allclose(w @ w.T, 4 * np.eye(w.shape[0]), atol=1e-12)
    else:
        np.testing.assert_allclose(w.T @ w, 4 * np.eye(w.shape[1]), atol=1e-12)


# --------------------------------------------------------------------------------------
# parameter layout: a Parameter's array is kept C-contiguous (issue #10's layout cliff)
# --------------------------------------------------------------------------------------
def test_parameter_data_assigned_a_transpose_is_stored_c_contiguous():
    w = np.arange(12.0).reshape(3, 4)
    p = nn.Parameter(np.zeros((4, 3)))
    p.data = w.T
    assert p.data.flags.c_contiguous
    np.testing.assert_array_equal(p.data, w.T)
    c = np.ones((4, 3))
    p.data = c
    assert p.data is c                    # a C-contiguous array is shared, as in PyTorch
    p.data = ya.Tensor(w, dtype=np.float64).T
    assert p.data.flags.c_contiguous
    np.testing.assert_array_equal(p.data, w.T)
    q = nn.Parameter(np.asfortranarray(w))
    assert q.data.flags.c_contiguous and q.data.shape == (3, 4)
    np.testing.assert_array_equal(q.data, w)
    s = nn.Parameter(w[:, ::2])
    assert s.data.flags.c_contiguous
    np.testing.assert_array_equal(s.data, w[:, ::2])


def test_load_state_dict_of_transposed_arrays_keeps_parameters_c_contiguous():
    lin = nn.Linear(4, 3)
    w = np.arange(12.0).reshape(4, 3)           # stored (in, out): the weight is its transpose
    lin.load_state_dict({"weight": w.T, "bias": np.zeros(3)})
    assert lin.weight.data.flags.c_contiguous
    np.testing.assert_array_equal(lin.weight.data, w.T)
    lin.weight._data = np.asfortranarray(lin.weight.data)      # forced past the setter
    lin.load_state_dict({"weight": w.T + 1, "bias": np.zeros(3)})
    assert lin.weight.data.flags.c_contiguous
    np.testing.assert_array_equal(lin.weight.data, w.T + 1)


def test_step_with_transposed_assigned_weights_matches_torch_and_keeps_layouts():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 3)).astype(np.float32)      # (in, out)
    b = rng.standard_normal(3).astype(np.float32)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    t = rng.integers(0, 3, 7)
    lin = nn.Linear(5, 3, dtype=np.float32)
    lin.weight.data, lin.bias.data = W.T, b.copy()
    opt = ya.optim.SGD(lin.parameters(), lr=0.1)
    tl = torch.nn.Linear(5, 3, dtype=torch.float32)
    with torch.no_grad():
        tl.weight.data = torch.from_numpy(W.copy()).T
        tl.bias.copy_(torch.from_numpy(b))
    topt = torch.optim.SGD(tl.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        nn.functional.cross_entropy(lin(ya.Tensor(x)), t).backward()
        assert lin.weight.grad.data.flags.c_contiguous
        opt.step()
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tl(torch.from_numpy(x)), torch.from_numpy(t)).backward()
        topt.step()
    assert lin.weight.data.flags.c_contiguous
    np.testing.assert_allclose(lin.weight.data, tl.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lin.bias.data, tl.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
