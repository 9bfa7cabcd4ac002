"""End-to-end training on scikit-learn's bundled digits, and checkpoint resume.

Thresholds from the issue: an MLP with Adam reaches >= 97% test accuracy and a
small CNN >= 98%, each in well under a minute on 2 CPU cores.  A checkpoint
round trip of a model and its optimizer resumes training bit-identically.
"""
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import yaae as ya
import yaae.nn as nn
import yaae.nn.functional as F
from yaae.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    X = d.data.astype(np.float32)
    y = d.target.astype(np.int64)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0) + 1.0     # standardise with training statistics
    return (Xtr - mu) / sd, (Xte - mu) / sd, ytr, yte


def _train(model, loader, opt, epochs):
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
    return float(loss.item())


def _accuracy(model, X, y):
    model.eval()
    with ya.no_grad():
        pred = np.argmax(model(ya.Tensor(X)).data, axis=1)
    return float(np.mean(pred == y))


def test_mlp_adam_digits_97(digits):
    Xtr, Xte, ytr, yte = digits
    ya.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(np.float32)
    opt = ya.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(ya.Tensor(Xtr), ytr), batch_size=32, shuffle=True)
    _train(model, loader, opt, epochs=30)
    acc = _accuracy(model, Xte, yte)
    assert acc >= 0.97, acc


def test_cnn_digits_98(digits):
    Xtr, Xte, ytr, yte = digits
    ya.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(), nn.Linear(64, 10),
    ).to(np.float32)
    opt = ya.optim.Adam(model.parameters(), lr=2e-3)
    Xtr4 = Xtr.reshape(-1, 1, 8, 8)
    loader = DataLoader(TensorDataset(ya.Tensor(Xtr4), ytr), batch_size=32, shuffle=True)
    _train(model, loader, opt, epochs=25)
    acc = _accuracy(model, Xte.reshape(-1, 1, 8, 8), yte)
    assert acc >= 0.98, acc


def _make(seed=0):
    ya.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(32, 10))
    opt = ya.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    return model, opt


def _steps(model, opt, X, y, n, start):
    for i in range(start, start + n):
        xb = ya.Tensor(X[(i * 16) % 320:(i * 16) % 320 + 16])
        yb = y[(i * 16) % 320:(i * 16) % 320 + 16]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()


def test_checkpoint_resume_is_bit_identical(digits, tmp_path):
    Xtr, _, ytr, _ = digits
    X = Xtr.astype(np.float64)
    # uninterrupted: 10 steps
    model_a, opt_a = _make()
    _steps(model_a, opt_a, X, ytr, 5, 0)
    rng_state = ya.random.default_generator().bit_generator.state
    _steps(model_a, opt_a, X, ytr, 5, 5)
    # interrupted: 5 steps, save, rebuild from scratch, load, 5 more
    model_b, opt_b = _make()
    _steps(model_b, opt_b, X, ytr, 5, 0)
    path = tmp_path / "ckpt.npz"
    ya.save({"model": model_b.state_dict(), "optim": opt_b.state_dict()}, path)
    model_c, opt_c = _make(seed=123)          # different init: everything must come from the file
    ck = ya.load(path)
    model_c.load_state_dict(ck["model"])
    opt_c.load_state_dict(ck["optim"])
    ya.random.default_generator().bit_generator.state = rng_state   # same dropout draws
    _steps(model_c, opt_c, X, ytr, 5, 5)
    for (ka, va), (kc, vc) in zip(model_a.state_dict().items(), model_c.state_dict().items()):
        assert ka == kc
        np.testing.assert_array_equal(va, vc, err_msg=ka)
    sa, sc = opt_a.state_dict()["state"], opt_c.state_dict()["state"]
    assert sa.keys() == sc.keys()
    for k in sa:
        for name in sa[k]:
            np.testing.assert_array_equal(np.asarray(sa[k][name]), np.asarray(sc[k][name]))


def test_checkpoint_interrupted_write_keeps_previous(digits, tmp_path, monkeypatch):
    model, opt = _make()
    path = tmp_path / "ckpt.npz"
    ya.save({"model": model.state_dict(), "optim": opt.state_dict()}, path)
    before = path.read_bytes()
    Xtr, _, ytr, _ = digits
    _steps(model, opt, Xtr.astype(np.float64), ytr, 3, 0)
    import os

    def boom(*a, **k):
        raise OSError("simulated crash during rename")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        ya.save({"model": model.state_dict(), "optim": opt.state_dict()}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    restored, _ = _make(seed=5)
    restored.load_state_dict(ya.load(path)["model"])
    fresh, _ = _make()
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(restored.state_dict()[k], v)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]
