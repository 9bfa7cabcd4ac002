"""yaae.save / yaae.load: exact round trips, the documented .npz format,
atomic writes, and clear errors (never unpickling) for bad files."""
import collections
import json
import math
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import yaae as ya
from yaae import Tensor
from yaae.io import CheckpointError


RNG = np.random.default_rng(77)


def assert_identical(a, b, where="obj"):
    """Same types (exactly), key order and key types, dtypes, shapes and bits."""
    assert type(a) is type(b), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, Tensor):
        assert a.requires_grad == b.requires_grad, where
        assert b.is_leaf, where
        assert_identical(a.data, b.data, where + ".data")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.dtype.str == b.dtype.str, f"{where}: {a.dtype} vs {b.dtype}"
        assert a.shape == b.shape, where
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), where
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert [(type(k), k) for k in a] == [(type(k), k) for k in b], where
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} vs {b!r}"
    elif isinstance(a, complex):
        assert struct.pack("<dd", a.real, a.imag) == struct.pack("<dd", b.real, b.imag), where
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def roundtrip(obj, tmp_path, name="ckpt.npz", **kw):
    p = tmp_path / name
    ya.save(obj, p, **kw)
    return ya.load(p)


def weird_floats(n, dtype):
    """Random bit patterns (nan payloads, -0.0, subnormals, inf) of a float dtype."""
    d = np.dtype(dtype)
    bits = RNG.integers(0, 256, n * d.itemsize, dtype=np.uint8)
    return bits.view(d)


# --------------------------------------------------------------------------
# round trips
# --------------------------------------------------------------------------
ALL_DTYPES = ["f2", "f4", "f8", "c8", "c16", "i1", "i2", "i4", "i8", "u1", "u2", "u4",
              "u8", "?", ">f8", ">i4", "<U5", "S3", "M8[s]", "m8[ms]"]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_arrays_keep_exact_dtype_and_bits(dtype, tmp_path):
    d = np.dtype(dtype)
    if d.kind in "fc":
        a = weird_floats(24, d).reshape(2, 3, 4)
    elif d.kind == "b":
        a = RNG.integers(0, 2, (2, 3, 4)).astype(bool)
    elif d.kind in "iumM":
        a = RNG.integers(0, 256, 24 * d.itemsize, dtype=np.uint8).view(d).reshape(2, 3, 4)
    elif d.kind == "U":
        a = np.array((["héllo", "", "∂x", "a", "bc", "zz\x00z"] * 4), dtype=d).reshape(2, 3, 4)
    else:
        a = np.array([b"ab", b"\x00\xff", b"xyz"] * 8, dtype=d).reshape(2, 3, 4)
    obj = {"a": a, "zero_d": a.reshape(-1)[:1].reshape(()), "empty": a.reshape(-1)[:0].reshape(0, 2),
           "fortran": np.asfortranarray(a), "strided": a[:, ::2, 1:]}
    got = roundtrip(obj, tmp_path)
    assert_identical(obj, got)
    assert got["fortran"].shape == a.shape


def test_nested_structure_round_trip(tmp_path):
    obj = {
        "model": collections.OrderedDict([
            ("layer.weight", RNG.standard_normal((4, 3)).astype(np.float32)),
            ("layer.bias", np.zeros(4, np.float32)),
            ("bn.num_batches_tracked", np.array(7, np.int64)),
        ]),
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.ones((4, 3))},
                      1: {"step": np.array(3.0, np.float32), "exp_avg": np.zeros(4)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                              "params": [0, 1], "nesterov": False, "maximize": False,
                              "foreach": None, "name": "all"}],
        },
        "epoch": 12,
        "best": float("inf"),
        "history": [0.5, -0.0, float("nan"), 1e-310, 2 ** 200, -(2 ** 70)],
        "tensors": (Tensor(np.arange(3.0), requires_grad=True),
                    Tensor(np.arange(4, dtype=np.float32)),
                    Tensor(np.arange(5), dtype=np.int64)),
        "np_scalars": [np.float32(1.5), np.int16(-3), np.bool_(True), np.complex64(1 - 2j),
                       np.float64(0.1), np.uint64(2 ** 64 - 1)],
        "misc": [None, True, False, "text ∂ \udc80", "", 3 + 4j, (), [], {}, ((1,), [2])],
        3: "int key", "3": "str key", -1: [1], True: "bool key", None: "none key", 2.5: "float",
    }
    got = roundtrip(obj, tmp_path)
    assert_identical(obj, got)
    assert type(got["model"]) is collections.OrderedDict
    assert list(got["optimizer"]["state"]) == [0, 1]
    assert all(type(k) is int for k in got["optimizer"]["state"])
    assert type(got["optimizer"]["param_groups"][0]["betas"]) is tuple
    assert type(got["misc"][1]) is bool and type(got["epoch"]) is int
    assert math.isnan(got["history"][2]) and math.copysign(1, got["history"][1]) == -1


def test_tensors_round_trip_as_usable_leaves(tmp_path):
    w = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(np.ones(3, np.float32))
    y = w * 2.0                      # a non-leaf: saved as a leaf requiring grad
    got = roundtrip({"w": w, "b": b, "y": y}, tmp_path)
    assert isinstance(got["w"], Tensor) and got["w"].requires_grad and got["w"].is_leaf
    assert got["b"].requires_grad is False and got["b"].dtype == np.float32
    assert got["y"].requires_grad and got["y"].is_leaf
    np.testing.assert_array_equal(got["y"].data, 2 * w.data)
    assert got["w"].data is not w.data
    (got["w"] * got["w"]).sum().backward()
    np.testing.assert_array_equal(got["w"].grad.data, 2 * w.data)


def test_model_and_optimizer_state_dicts_round_trip(tmp_path):
    # a real torch model state dict (as NumPy) and an Adam state dict laid out as
    # torch 2.x lays it out (torch.optim itself is slow to import, so built by hand)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.Linear(4, 2))
    model(torch.randn(5, 3))
    sd = collections.OrderedDict((k, v.detach().numpy().copy())
                                 for k, v in model.state_dict().items())
    params = [p.detach().numpy() for p in model.parameters()]
    optim = {
        "state": {i: {"step": np.array(3.0, np.float32),
                      "exp_avg": RNG.standard_normal(p.shape).astype(np.float32),
                      "exp_avg_sq": RNG.random(p.shape).astype(np.float32),
                      "max_exp_avg_sq": RNG.random(p.shape).astype(np.float32)}
                  for i, p in enumerate(params)},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                          "weight_decay": 0, "amsgrad": True, "maximize": False,
                          "foreach": None, "capturable": False, "differentiable": False,
                          "fused": None, "decoupled_weight_decay": False,
                          "params": list(range(len(params)))}],
    }
    optim["state"][1]["step"] = 3          # plain-number steps (yaae's own optimizers)
    obj = {"model": sd, "optim": optim, "epoch": 4}
    got = roundtrip(obj, tmp_path, name="torch_like.ckpt")
    assert_identical(obj, got)
    assert type(got["model"]) is collections.OrderedDict
    assert list(got["model"]) == list(model.state_dict())
    assert got["model"]["1.num_batches_tracked"].dtype == np.int64
    assert got["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(got["optim"]["state"]) == list(range(len(params)))


def test_top_level_leaves_and_compression(tmp_path):
    for obj in (np.arange(5), Tensor(np.ones(2), requires_grad=True), 3, 2.5, None, "s",
                [], (), {}):
        assert_identical(obj, roundtrip(obj, tmp_path))
    big = {"w": np.zeros((200, 200)), "v": weird_floats(100, "f8")}
    p_plain, p_comp = tmp_path / "plain.npz", tmp_path / "comp.npz"
    ya.save(big, p_plain)
    ya.save(big, p_comp, compress=True)
    assert p_comp.stat().st_size < p_plain.stat().st_size / 10
    assert_identical(big, ya.load(p_comp))


def test_paths_str_pathlike_and_no_suffix_added(tmp_path):
    obj = {"x": np.arange(3)}
    for name in ("model.ckpt", "noext", "a.b.npz", "weights.pt"):
        p = tmp_path / name
        ya.save(obj, str(p) if name != "noext" else p)
        assert sorted(os.listdir(tmp_path)) == sorted(
            [n for n in ("model.ckpt", "noext", "a.b.npz", "weights.pt")
             if (tmp_path / n).exists()])
        assert not (tmp_path / (name + ".npz")).exists()
        assert_identical(obj, ya.load(str(p)))
        assert_identical(obj, ya.load(pathlib.Path(p)))
    assert sorted(os.listdir(tmp_path)) == ["a.b.npz", "model.ckpt", "noext", "weights.pt"]


def test_overwrite_replaces_previous_checkpoint(tmp_path):
    p = tmp_path / "c.npz"
    ya.save({"v": 1, "a": np.zeros(3)}, p)
    ya.save({"v": 2, "a": np.ones(2, np.int8)}, p)
    assert_identical({"v": 2, "a": np.ones(2, np.int8)}, ya.load(p))
    assert os.listdir(tmp_path) == ["c.npz"]


def test_save_through_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "real.npz"
    link = tmp_path / "latest.npz"
    ya.save({"v": 1}, target)
    link.symlink_to(target)
    ya.save({"v": 2}, link)
    assert link.is_symlink()
    assert ya.load(target) == {"v": 2}


def test_file_follows_the_documented_format(tmp_path):
    obj = {"w": np.arange(6, dtype=np.float32).reshape(2, 3),
           "t": Tensor(np.ones(2), requires_grad=True), 0: [1.5, np.int8(3)], "n": None}
    p = tmp_path / "f.npz"
    ya.save(obj, p)
    with zipfile.ZipFile(p) as zf:
        assert zf.namelist() == ["structure.npy", "0.npy", "1.npy", "2.npy"]
    with np.load(p, allow_pickle=False) as npz:
        raw = npz["structure"]
        assert raw.dtype == np.uint8 and raw.ndim == 1
        header = json.loads(raw.tobytes().decode("utf-8"))
        arrays = {k: npz[k] for k in npz.files}
    assert header["magic"] == ya.io.MAGIC == "yaae-checkpoint"
    assert header["version"] == ya.io.FORMAT_VERSION == 1
    tree = header["tree"]
    assert tree["t"] == "dict"
    items = dict((json.dumps(k), v) for k, v in tree["items"])
    assert items['"w"'] == {"t": "ndarray", "i": 0, "dtype": "<f4", "shape": [2, 3]}
    assert items['"t"'] == {"t": "tensor", "i": 1, "dtype": "<f8", "shape": [2],
                            "requires_grad": True}
    assert items["0"] == {"t": "list", "items": [
        {"t": "float", "v": (1.5).hex()},
        {"t": "npscalar", "i": 2, "dtype": "|i1", "shape": []}]}
    assert items['"n"'] == {"t": "none"}
    np.testing.assert_array_equal(arrays["0"], obj["w"])
    np.testing.assert_array_equal(arrays["1"], np.ones(2))


def test_unsupported_objects_raise_type_error_before_writing(tmp_path):
    p = tmp_path / "c.npz"
    ya.save({"ok": 1}, p)
    before = p.read_bytes()

    class Custom:
        pass

    bad = [{"s": {1, 2}}, {"o": np.array([1, "a"], dtype=object)}, {"c": Custom()},
           {"st": np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])}, {(1, 2): 3},
           {"f": lambda: 0}, {"b": b"bytes"}, {float("nan"): 1}]
    for obj in bad:
        with pytest.raises(TypeError, match=r"save: .*at obj"):
            ya.save(obj, p)
    cyc = {"a": []}
    cyc["a"].append(cyc)
    with pytest.raises(ValueError, match="cycle"):
        ya.save(cyc, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.npz"]
    shared = np.arange(3)
    got = roundtrip({"a": shared, "b": [shared, shared]}, tmp_path, name="shared.npz")
    assert_identical({"a": shared, "b": [shared, shared]}, got)


# --------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------
OLD = {"epoch": 1, "w": np.arange(10, dtype=np.float32), "t": Tensor(np.ones(3), requires_grad=True)}
NEW = {"epoch": 2, "w": np.full(1000, 7.0), "more": [np.zeros(5)] * 3}


def _boom(*a, **k):
    raise OSError("simulated crash")


def _raise_on_call(n, exc=OSError("simulated crash mid-write")):
    """A write_array replacement that writes n arrays (partially the n+1-th) then fails."""
    real = np.lib.format.write_array
    calls = []

    def fake(fp, array, *a, **k):
        calls.append(1)
        if len(calls) > n:
            fp.write(b"\x93NUMPY partial garbage")
            raise exc
        return real(fp, array, *a, **k)
    return fake


@pytest.mark.parametrize("crash", ["replace", "write_first", "write_middle", "fsync",
                                   "interrupt"])
def test_interrupted_write_leaves_previous_file_intact(crash, tmp_path, monkeypatch):
    p = tmp_path / "ckpt.npz"
    ya.save(OLD, p)
    before = p.read_bytes()
    if crash == "replace":
        monkeypatch.setattr(os, "replace", _boom)
    elif crash == "write_first":
        monkeypatch.setattr(np.lib.format, "write_array", _raise_on_call(0))
    elif crash == "write_middle":
        monkeypatch.setattr(np.lib.format, "write_array", _raise_on_call(2))
    elif crash == "fsync":
        monkeypatch.setattr(os, "fsync", _boom)
    else:
        monkeypatch.setattr(np.lib.format, "write_array",
                            _raise_on_call(1, KeyboardInterrupt()))
    with pytest.raises((OSError, KeyboardInterrupt)):
        ya.save(NEW, p)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.npz"]          # no temp file left behind
    assert p.read_bytes() == before
    assert_identical(OLD, ya.load(p))
    ya.save(NEW, p)                                       # and saving works again
    assert_identical(NEW, ya.load(p))


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "write_array", _raise_on_call(1))
    with pytest.raises(OSError):
        ya.save(NEW, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_process_killed_mid_write_leaves_previous_file_intact(tmp_path):
    # a real crash: the process dies (os._exit) halfway through writing the arrays
    p = tmp_path / "ckpt.npz"
    ya.save(OLD, p)
    before = p.read_bytes()
    code = r"""
import os, sys, numpy as np, yaae as ya
real = np.lib.format.write_array
n = [0]
def dying(fp, arr, *a, **k):
    n[0] += 1
    if n[0] == 3:
        fp.write(b"\x93NUMPY half")
        fp.flush()
        os._exit(17)
    return real(fp, arr, *a, **k)
np.lib.format.write_array = dying
ya.save({"epoch": 2, "w": np.full(100000, 7.0), "x": np.zeros(10), "y": np.ones(3)}, sys.argv[1])
"""
    r = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True)
    assert r.returncode == 17, r.stderr.decode()
    assert p.read_bytes() == before
    assert_identical(OLD, ya.load(p))
    # the only other thing a hard crash can leave is the hidden temporary file
    leftovers = [n for n in os.listdir(tmp_path) if n != "ckpt.npz"]
    assert all(n.startswith(".ckpt.npz.") and n.endswith(".tmp") for n in leftovers)
    for n in leftovers:
        with pytest.raises(CheckpointError):
            ya.load(tmp_path / n)


def test_save_to_a_directory_fails_cleanly(tmp_path):
    with pytest.raises(IsADirectoryError):
        ya.save({"a": 1}, tmp_path)
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------
# corrupted and foreign files
# --------------------------------------------------------------------------
def _assert_rejected(p, match=None):
    with pytest.raises(CheckpointError) as ei:
        ya.load(p)
    assert isinstance(ei.value, ValueError)
    assert str(p) in str(ei.value)
    if match is not None:
        assert ei.value.args and __import__("re").search(match, str(ei.value)), str(ei.value)
    return ei.value


SAMPLE = {"w": RNG.standard_normal((6, 5)).astype(np.float32),
          "b": Tensor(np.arange(4.0), requires_grad=True),
          "state": {0: {"step": 3, "exp_avg": np.ones(5)}},
          "groups": [{"lr": 0.1, "betas": (0.9, 0.999), "name": "g"}]}


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "good.npz"
    ya.save(SAMPLE, p)
    return p, p.read_bytes()


def test_truncated_files_are_rejected(good, tmp_path):
    p, raw = good
    q = tmp_path / "trunc.npz"
    q.write_bytes(raw[: len(raw) // 2])
    _assert_rejected(q, "corrupted or truncated|not a zip")
    for n in list(range(1, len(raw), 13)) + [len(raw) - 1]:
        q.write_bytes(raw[:n])
        _assert_rejected(q)


def test_flipped_bytes_in_data_are_detected(good, tmp_path):
    p, raw = good
    q = tmp_path / "flip.npz"
    # every byte of the weight array's data and of the structure entry
    w_bytes = SAMPLE["w"].tobytes()
    start = raw.index(w_bytes)
    s_start = raw.index(b'{"magic"')
    s_end = raw.index(b"}", raw.index(b'"tree"'))
    positions = list(range(start, start + len(w_bytes))) + list(range(s_start, s_end))
    for i in positions:
        b = bytearray(raw)
        b[i] ^= 0x10
        q.write_bytes(bytes(b))
        _assert_rejected(q, "corrupted|CRC|structure")


def test_any_flipped_byte_is_detected_or_harmless(good, tmp_path):
    # a flip anywhere (zip headers included) either raises CheckpointError or,
    # where the zip format ignores the byte (timestamps...), loads the exact data
    p, raw = good
    q = tmp_path / "flip.npz"
    detected = 0
    for i in range(0, len(raw), 3):
        b = bytearray(raw)
        b[i] ^= 0xA5
        q.write_bytes(bytes(b))
        try:
            got = ya.load(q)
        except CheckpointError as e:
            assert str(q) in str(e)
            detected += 1
        else:
            assert_identical(SAMPLE, got)
    assert detected > len(range(0, len(raw), 3)) // 2


def test_foreign_files_are_rejected(tmp_path):
    cases = {}
    p = tmp_path / "plain.npz"
    np.savez(p, a=np.arange(3), b=np.ones(2))
    cases[p] = "no 'structure' entry"
    p = tmp_path / "text.txt"
    p.write_text("hello, I am not a checkpoint\n")
    cases[p] = "not a zip"
    p = tmp_path / "empty.npz"
    p.write_bytes(b"")
    cases[p] = "empty"
    p = tmp_path / "single.npy"
    np.save(p, np.arange(3))
    cases[p] = r"single \.npy"
    p = tmp_path / "other.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hi")
    cases[p] = "no 'structure' entry"
    p = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, p)
    cases[p] = "no 'structure' entry"
    p = tmp_path / "structure_not_ours.npz"
    np.savez(p, structure=np.frombuffer(b'{"tree": {"t": "none"}}', np.uint8))
    cases[p] = "magic"
    p = tmp_path / "structure_garbage.npz"
    np.savez(p, structure=RNG.integers(0, 256, 64, dtype=np.uint8))
    cases[p] = "not valid JSON"
    p = tmp_path / "structure_float.npz"
    np.savez(p, structure=np.ones(3))
    cases[p] = "uint8"
    for path, match in cases.items():
        _assert_rejected(path, match)
    with pytest.raises(FileNotFoundError):
        ya.load(tmp_path / "missing.npz")


def _write_raw_checkpoint(path, tree, arrays, version=1, allow_pickle=False, extra=()):
    header = json.dumps({"magic": "yaae-checkpoint", "version": version, "tree": tree})
    entries = {"structure": np.frombuffer(header.encode(), np.uint8)}
    entries.update({str(i): a for i, a in enumerate(arrays)})
    entries.update(dict(extra))
    with open(path, "wb") as f:
        with zipfile.ZipFile(f, "w") as zf:
            for k, v in entries.items():
                with zf.open(k + ".npy", "w") as fid:
                    np.lib.format.write_array(fid, v, allow_pickle=allow_pickle)


def test_malformed_structures_are_rejected(tmp_path):
    p = tmp_path / "m.npz"
    a = np.arange(3.0)
    ok = {"t": "ndarray", "i": 0, "dtype": "<f8", "shape": [3]}
    _write_raw_checkpoint(p, ok, [a])
    assert_identical(a, ya.load(p))                        # the helper itself is sound
    bad = [
        ({"t": "ndarray", "i": 0, "dtype": "<f4", "shape": [3]}, [a], "dtype"),
        ({"t": "ndarray", "i": 0, "dtype": "<f8", "shape": [4]}, [a], "shape"),
        ({"t": "ndarray", "i": 1, "dtype": "<f8", "shape": [3]}, [a], "out of range"),
        ({"t": "list", "items": [ok, ok]}, [a], "used twice"),
        ({"t": "none"}, [a], "unreferenced"),
        ({"t": "weird"}, [], "unknown node kind"),
        ({"t": "dict", "items": [[[1], {"t": "none"}]]}, [], "key"),
        ({"t": "float", "v": "not-hex"}, [], "malformed"),
        ({"t": "tensor", "i": 0, "dtype": "<i8", "shape": [3], "requires_grad": True},
         [np.arange(3)], "requires_grad"),
        ([1, 2], [], "bad node"),
    ]
    for tree, arrays, match in bad:
        _write_raw_checkpoint(p, tree, arrays)
        _assert_rejected(p, match)
    _write_raw_checkpoint(p, ok, [a], version=2)
    _assert_rejected(p, "newer")
    _write_raw_checkpoint(p, ok, [a], extra={"zzz": np.ones(1)})
    _assert_rejected(p, "unexpected")
    _write_raw_checkpoint(p, ok, [a], extra={"5": np.ones(1)})
    _assert_rejected(p, "unexpected")


class _Touch:
    """Unpickling this creates a marker file (stands in for arbitrary code)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_loading_never_unpickles(tmp_path):
    marker = tmp_path / "PWNED"
    payload = np.empty(1, dtype=object)
    payload[0] = _Touch(marker)
    # sanity: unpickling the payload really does run code
    pickle.loads(pickle.dumps(payload))
    assert marker.exists()
    marker.unlink()

    # a checkpoint whose array member is a pickled object array
    p = tmp_path / "evil.npz"
    _write_raw_checkpoint(p, {"t": "ndarray", "i": 0, "dtype": "|O", "shape": [1]},
                          [payload], allow_pickle=True)
    _assert_rejected(p, "allow_pickle|[Oo]bject")
    # the same pickle as the structure entry
    q = tmp_path / "evil2.npz"
    with zipfile.ZipFile(q, "w") as zf:
        with zf.open("structure.npy", "w") as fid:
            np.lib.format.write_array(fid, payload, allow_pickle=True)
    _assert_rejected(q)
    # a bare pickle file, and np.save of an object array
    r = tmp_path / "evil.pkl"
    r.write_bytes(pickle.dumps({"w": _Touch(marker)}))
    _assert_rejected(r, "not a zip")
    s = tmp_path / "evil.npy"
    np.save(s, payload, allow_pickle=True)
    _assert_rejected(s)
    # torch.save pickles too
    t = tmp_path / "evil.pt"
    torch.save({"x": _Touch(marker)}, t)
    _assert_rejected(t)
    assert not marker.exists()


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)
    assert ya.io.save is ya.save and ya.io.load is ya.load


# --------------------------------------------------------------------------
# file objects (issue #11 §2 "Checkpoints"), as torch.save/torch.load take them
# --------------------------------------------------------------------------
import io  # noqa: E402


def _state():
    model = ya.nn.Sequential(ya.nn.Linear(3, 4), ya.nn.ReLU(), ya.nn.Linear(4, 2))
    return {"model": model.state_dict(), "step": 7, "lr": 0.1,
            "w": Tensor(RNG.standard_normal(3), requires_grad=True), "labels": ya.tensor([1, 0]),
            "mask": ya.tensor([True, False]), "names": ("a", "b")}


@pytest.mark.parametrize("compress", [False, True])
def test_bytesio_round_trip(compress):
    obj = _state()
    buf = io.BytesIO()
    assert ya.save(obj, buf, compress=compress) is None
    assert not buf.closed
    buf.seek(0)
    assert_identical(obj, ya.load(buf))
    assert not buf.closed
    # the bytes are the ones a path gets: np.load reads them as the documented .npz
    with np.load(io.BytesIO(buf.getvalue()), allow_pickle=False) as npz:
        assert "structure" in npz.files
    # as with torch.save/torch.load
    tbuf = io.BytesIO()
    torch.save({"x": torch.ones(2)}, tbuf)
    tbuf.seek(0)
    assert torch.load(tbuf)["x"].tolist() == [1.0, 1.0]


def test_open_files_round_trip_and_match_paths(tmp_path):
    obj = _state()
    with open(tmp_path / "a.ckpt", "wb") as f:
        ya.save(obj, f)
        assert not f.closed
    ya.save(obj, tmp_path / "b.ckpt")
    assert (tmp_path / "a.ckpt").read_bytes() == (tmp_path / "b.ckpt").read_bytes()
    with open(tmp_path / "b.ckpt", "rb") as f:
        assert_identical(obj, ya.load(f))
    assert_identical(obj, ya.load(tmp_path / "a.ckpt"))
    # no temporary files are involved for file objects
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ckpt", "b.ckpt"]


def test_file_objects_at_an_offset_and_several_checkpoints_in_one_stream():
    buf = io.BytesIO()
    buf.write(b"header")
    ya.save({"a": np.arange(3)}, buf)
    start = buf.tell()
    ya.save([1.5, "x"], buf)
    buf.seek(6)
    assert_identical(ya.load(io.BytesIO(buf.getvalue()[6:start])), {"a": np.arange(3)})
    buf.seek(start)
    assert ya.load(buf) == [1.5, "x"]


class _Unseekable(io.RawIOBase):
    def __init__(self, data):
        self.data, self.pos = data, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), len(self.data) - self.pos)
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


class _WriteOnly(io.RawIOBase):
    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, b):
        self.chunks.append(bytes(b))
        return len(b)


def test_unseekable_streams():
    obj = {"x": RNG.standard_normal((2, 2)), "n": 3}
    w = _WriteOnly()
    ya.save(obj, w)
    data = b"".join(w.chunks)
    assert_identical(ya.load(_Unseekable(data)), obj)
    assert_identical(ya.load(io.BufferedReader(_Unseekable(data))), obj)


def test_file_object_errors(tmp_path):
    with open(tmp_path / "t.txt", "w") as f:
        with pytest.raises(TypeError, match="binary"):
            ya.save({"a": 1}, f)
    with open(tmp_path / "t.txt", "r") as f:
        with pytest.raises(TypeError, match="binary"):
            ya.load(f)
    with pytest.raises(TypeError, match="binary"):
        ya.save([1], io.StringIO())
    with pytest.raises(CheckpointError, match="empty"):
        ya.load(io.BytesIO())
    with pytest.raises(CheckpointError, match="not a zip"):
        ya.load(io.BytesIO(b"garbage bytes"))
    good = io.BytesIO()
    ya.save({"a": np.arange(100)}, good)
    with pytest.raises(CheckpointError, match="corrupted or truncated"):
        ya.load(io.BytesIO(good.getvalue()[:-30]))
    # an unsupported leaf raises before anything is written to the file object
    buf = io.BytesIO()
    with pytest.raises(TypeError):
        ya.save({"f": object()}, buf)
    assert buf.getvalue() == b""
