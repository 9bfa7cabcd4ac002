"""``yaae.save`` / ``yaae.load``: checkpoints in a documented .npz format, no pickle.

``ya.save(obj, path)`` writes a nested structure of dicts, lists and tuples
whose leaves are ndarrays, Tensors, NumPy scalars and Python scalars (``str``,
``int``, ``float``, ``complex``, ``bool``, ``None``) -- e.g. the ``state_dict()``
of a model or of an optimizer -- and ``ya.load(path)`` gives it back:
ndarrays with their exact dtype (byte order included) and bit-identical
values, Tensors as Tensors with ``requires_grad`` preserved, tuples as tuples,
``OrderedDict`` as ``OrderedDict``, dict keys with their type (``int`` keys
stay ints).

File format (version 1)
-----------------------
A checkpoint is a NumPy ``.npz`` archive: a zip file (stored, or deflated with
``save(..., compress=True)``) whose members are ``.npy`` files, readable by
``np.load(path, allow_pickle=False)``:

* ``structure.npy`` (first member): a 1-d ``uint8`` array holding the UTF-8
  (in fact ASCII) bytes of a JSON object
  ``{"magic": "yaae-checkpoint", "version": 1, "tree": NODE}``;
* ``0.npy``, ``1.npy``, ...: one array per array leaf, numbered in the order
  the leaves appear in a depth-first walk of the tree (no other members).

``NODE`` is a JSON object whose ``"t"`` names its kind:

========== ================================================================
``t``      other fields
========== ================================================================
dict       ``"items": [[KEY, NODE], ...]`` in insertion order; ``KEY`` is the
           key as a JSON string, integer, float, ``true``/``false`` or
           ``null`` (so ``3`` and ``"3"`` stay distinct)
odict      the same, loaded as ``collections.OrderedDict``
list       ``"items": [NODE, ...]``
tuple      ``"items": [NODE, ...]``
ndarray    ``"i"``: member number, ``"dtype"``: ``dtype.str`` (e.g. ``"<f4"``),
           ``"shape"``: list of ints
tensor     as ndarray plus ``"requires_grad"``: bool
npscalar   as ndarray with shape ``[]``; loaded as a NumPy scalar (``np.float32``...)
int        ``"v"``: the integer (any size)
float      ``"v"``: ``float.hex()`` text (exact, also for nan and inf)
complex    ``"v"``: ``[real.hex(), imag.hex()]``
bool       ``"v"``: ``true`` / ``false``
str        ``"v"``: the string
none       --
========== ================================================================

Safety and integrity: files are read with ``allow_pickle=False``, so opening
one never runs code and object arrays are refused.  A file that is not a
zip, lacks the magic/structure entry, has a newer version, a malformed tree,
missing or extra members, members whose dtype/shape disagree with the tree,
or bytes that fail the zip's CRC-32 checks raises ``CheckpointError`` (a
``ValueError``) naming the file.  Arrays of kind ``b i u f c m M S U`` can be
saved; object and structured arrays cannot (``TypeError``).  Subclasses
(Tensor subclasses, ndarray subclasses, namedtuples, other Mappings,
enum members) are saved as their base kind.

Atomicity: ``save`` checks and encodes ``obj`` first (an unsupported leaf
raises ``TypeError`` before any file is touched), writes the archive to a
temporary file ``.<name>.<12 hex digits>.tmp`` in the destination directory
(locked while it is written), flushes it and calls ``os.fsync`` on it, then
moves it onto ``path`` with ``os.replace`` (atomic) and ``fsync``-s the
directory (where the OS allows).  A crash or an error at any point leaves the
previous file at ``path`` untouched; on an error (``KeyboardInterrupt``
included) the temporary file is removed, and a temporary file that a killed
process left behind (e.g. ``kill -9`` mid-write) is removed by the next
``save`` to the same path.  ``path`` (str or ``os.PathLike``) is written exactly as given: no
``.npz`` suffix is added.

File objects: ``save(obj, f)`` and ``load(f)`` also take a binary file object
(``open(p, "wb")``/``open(p, "rb")``, ``io.BytesIO``), as ``torch.save`` does;
the archive is written at (read from) its current position and the file is
left open.  Atomicity and ``fsync`` are then the caller's business.
"""
import collections
import io
import json
import numbers
import os
import re
import secrets
import zipfile

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "FORMAT_VERSION", "MAGIC"]

MAGIC = "yaae-checkpoint"
FORMAT_VERSION = 1
_STRUCTURE = "structure"
_ARRAY_KINDS = "biufcmMSU"


class CheckpointError(ValueError):
    """A file is not a (valid, complete) yaae checkpoint.

    Raised by ``ya.load`` for a file it cannot read as a yaae checkpoint; names the file.
    """


# --------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------
def _array_meta(arr, where):
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise TypeError(f"save: cannot save an array of dtype {arr.dtype} at {where} "
                        f"(object and structured arrays would need pickle)")
    return {"dtype": arr.dtype.str, "shape": list(arr.shape)}


def _key(k, where):
    if isinstance(k, (bool, np.bool_)):
        return bool(k)
    if isinstance(k, (numbers.Integral,)):
        return int(k)
    if isinstance(k, str):
        return str(k)
    if isinstance(k, (float, np.floating)) and np.isfinite(k):
        return float(k)
    if k is None:
        return None
    raise TypeError(f"save: dict key {k!r} of type {type(k).__name__} at {where} is not "
                    f"supported (keys may be str, int, finite float, bool or None)")


def _encode(obj, arrays, where, active):
    """The JSON node for ``obj``; array leaves are appended to ``arrays``."""
    if isinstance(obj, Tensor):
        arr = np.asarray(obj.data)
        node = {"t": "tensor", "i": len(arrays), **_array_meta(arr, where),
                "requires_grad": bool(obj.requires_grad)}
        arrays.append(arr)
        return node
    if isinstance(obj, np.ndarray):
        if isinstance(obj, np.ma.MaskedArray):
            raise TypeError(f"save: cannot save a masked array at {where}")
        arr = np.asarray(obj)
        node = {"t": "ndarray", "i": len(arrays), **_array_meta(arr, where)}
        arrays.append(arr)
        return node
    if isinstance(obj, np.generic):
        arr = np.asarray(obj)
        node = {"t": "npscalar", "i": len(arrays), **_array_meta(arr, where)}
        arrays.append(arr)
        return node
    if obj is None:
        return {"t": "none"}
    if isinstance(obj, bool):
        return {"t": "bool", "v": bool(obj)}
    if isinstance(obj, int):
        return {"t": "int", "v": int(obj)}
    if isinstance(obj, float):
        return {"t": "float", "v": float(obj).hex()}
    if isinstance(obj, complex):
        c = complex(obj)
        return {"t": "complex", "v": [c.real.hex(), c.imag.hex()]}
    if isinstance(obj, str):
        return {"t": "str", "v": str(obj)}
    if isinstance(obj, (dict, collections.abc.Mapping, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"save: the object contains itself (a reference cycle at {where})")
        active.add(id(obj))
        try:
            if isinstance(obj, collections.abc.Mapping):
                items = []
                for k, v in obj.items():
                    items.append([_key(k, where),
                                  _encode(v, arrays, f"{where}[{k!r}]", active)])
                kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
                return {"t": kind, "items": items}
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {"t": kind, "items": [_encode(v, arrays, f"{where}[{i}]", active)
                                         for i, v in enumerate(obj)]}
        finally:
            active.discard(id(obj))
    raise TypeError(
        f"save: cannot save an object of type {type(obj).__name__} at {where}; checkpoints "
        f"hold dicts, lists and tuples of ndarrays, Tensors, NumPy scalars, str, int, "
        f"float, complex, bool and None")


def _write_npz(f, structure, arrays, compress):
    """Write the archive to the open binary file ``f``."""
    comp = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, mode="w", compression=comp, allowZip64=True) as zf:
        members = [(_STRUCTURE, structure)] + [(str(i), a) for i, a in enumerate(arrays)]
        for name, arr in members:
            with zf.open(name + ".npy", "w", force_zip64=True) as fid:
                np.lib.format.write_array(fid, arr, allow_pickle=False)


def _fsync_dir(d):
    if os.name != "posix":
        return
    try:
        fd = os.open(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# atomic files: the one temp-file helper behind ``save`` and the demos' outputs
# --------------------------------------------------------------------------
try:                                    # advisory locks mark a temp file as in use
    import fcntl as _fcntl
except ImportError:                     # pragma: no cover - Windows
    _fcntl = None


_TEMP_SUFFIXES = ("", ".png", ".svg", ".pdf")   # for writers that go by the extension (dot)


def _temp_re(base):
    """The names of the temp files of target ``base``: ``.{base}.{12 hex}.tmp[.ext]``."""
    return re.compile(r"\." + re.escape(base) + r"\.[0-9a-f]{12}\.tmp(\.png|\.svg|\.pdf)?\Z")


def _try_lock(fd, block):
    """Lock ``fd`` (an exclusive ``flock``); False if another open file holds it."""
    if _fcntl is None:
        return True
    try:
        _fcntl.flock(fd, _fcntl.LOCK_EX | (0 if block else _fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False
    except OSError:                     # a file system without locks: treat as free
        return True


def _same_file(fd, name):
    try:
        a, b = os.fstat(fd), os.stat(name)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _sweep_stale_temps(directory, base):
    """Remove the temp files a crashed writer left for target ``base``.

    A live writer holds an exclusive lock on its temp file until it has renamed
    it (the kernel drops the lock when the process dies, even by SIGKILL), so
    only the files whose lock is free are stale.  On Windows, where an open
    file cannot be deleted, a temp file in use just fails to unlink."""
    pattern = _temp_re(base)
    try:
        names = [n for n in os.listdir(directory) if pattern.match(n)]
    except OSError:
        return
    for n in names:
        full = os.path.join(directory, n)
        if _fcntl is None:                                      # pragma: no cover
            try:
                os.unlink(full)
            except OSError:
                pass
            continue
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue
        try:
            if _try_lock(fd, block=False) and _same_file(fd, full):
                os.unlink(full)
        except OSError:
            pass
        finally:
            os.close(fd)


class _AtomicFile:
    """A temp file beside ``path`` that becomes ``path`` in one ``os.replace``.

    ``_AtomicFile(path)`` first removes the stale temp files of ``path`` (left
    by a writer that crashed or was killed), then creates and locks a new one,
    ``.{name}.{12 hex}.tmp`` (``suffix`` appended, for writers that need an
    extension) in the same directory.  Write to ``.path`` (or ``.fd``), then
    ``commit()`` -- flush to disk, rename onto ``path``, sync the directory --
    or ``discard()`` -- remove it.  Either way ``path`` is never half written:
    a reader sees the old file or the complete new one."""

    def __init__(self, path, suffix=""):
        if suffix not in _TEMP_SUFFIXES:
            raise ValueError(f"temp-file suffix {suffix!r} is not one of {_TEMP_SUFFIXES}")
        path = os.fspath(path)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if os.path.islink(path):
            path = os.path.realpath(path)   # replace the link's target, keep the link
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path!r} is a directory")
        self.target = path
        self.directory = os.path.dirname(os.path.abspath(path))
        base = os.path.basename(path)
        _sweep_stale_temps(self.directory, base)
        flags = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
        for _ in range(100):
            tmp = os.path.join(self.directory, f".{base}.{secrets.token_hex(6)}.tmp{suffix}")
            try:
                fd = os.open(tmp, flags, 0o666)
            except FileExistsError:
                continue
            # A sweeper that locked it between open and lock has removed it by now.
            if _try_lock(fd, block=True) and _same_file(fd, tmp):
                self.path, self.fd = tmp, fd
                return
            os.close(fd)
        raise FileExistsError(f"could not create a temporary file in {self.directory!r}")

    def sync(self):
        """Flush the temp file's data to disk (whoever wrote it, by path or fd)."""
        os.fsync(self.fd)

    def replace(self):
        """Move the (synced) temp file onto the target; then unlock it."""
        if _fcntl is None:                  # pragma: no cover - Windows renames no open file
            self.close()
        os.replace(self.path, self.target)
        self.path = None
        self.close()

    def commit(self):
        try:
            self.sync()
            self.replace()
        except BaseException:
            self.discard()
            raise
        _fsync_dir(self.directory)

    def discard(self):
        """Remove the temp file (if it is still there); never raises OSError."""
        if self.path is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self.path = None
        self.close()

    def close(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


def _file_object(f, mode, who):
    """``f`` when it is a binary file object opened for ``mode`` ("read"/"write"),
    None when it is a path; a TypeError for a text-mode file."""
    if not hasattr(f, mode):
        return None
    if isinstance(f, io.TextIOBase) or "b" not in getattr(f, "mode", "b"):
        raise TypeError(f"{who}: the file object {getattr(f, 'name', f)!r} is open in text "
                        f"mode; checkpoints are binary, open it with "
                        f"'{'wb' if mode == 'write' else 'rb'}' (or use io.BytesIO)")
    return f


def save(obj, f, *, compress=False):
    """Write ``obj`` (nested dicts/lists/tuples of arrays, Tensors and scalars) to
    ``f`` in the .npz format described in ``yaae.io``.

    ``f`` is a path (str or ``os.PathLike``), written atomically: the previous
    file is replaced only once the new one is completely on disk; or a binary
    file object opened for writing (``open(p, "wb")``, ``io.BytesIO()``), written
    from its current position and left open (not synced: the atomic-write
    machinery applies to paths only).  ``compress=True`` deflates the members
    (smaller, slower).

    >>> import io
    >>> buf = io.BytesIO(); ya.save({"w": ya.ones(2)}, buf); _ = buf.seek(0)
    >>> ya.load(buf)["w"]
    tensor([1., 1.], dtype=float64)
    """
    fobj = _file_object(f, "write", "save")
    arrays = []
    tree = _encode(obj, arrays, "obj", set())
    text = json.dumps({"magic": MAGIC, "version": FORMAT_VERSION, "tree": tree},
                      ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    structure = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    if fobj is not None:
        _write_npz(fobj, structure, arrays, compress)
        fobj.flush()
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)

    try:
        out = _AtomicFile(path)
    except IsADirectoryError:
        raise IsADirectoryError(f"save: {path!r} is a directory") from None
    except FileExistsError as e:
        raise FileExistsError(f"save: {e}") from None
    try:
        f = os.fdopen(os.dup(out.fd), "wb")
        with f:
            _write_npz(f, structure, arrays, compress)
            f.flush()
    except BaseException:
        out.discard()
        raise
    out.commit()


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
class _Malformed(Exception):
    pass


def _need(cond, msg):
    if not cond:
        raise _Malformed(msg)


def _load_key(k):
    _need(k is None or isinstance(k, (str, int, float, bool)), f"bad dict key {k!r}")
    return k


def _decode(node, arrays, used):
    _need(isinstance(node, dict) and isinstance(node.get("t"), str), f"bad node {node!r:.80}")
    t = node["t"]
    if t in ("dict", "odict"):
        items = node.get("items")
        _need(isinstance(items, list), "dict node without items")
        out = collections.OrderedDict() if t == "odict" else {}
        for it in items:
            _need(isinstance(it, list) and len(it) == 2, "bad dict item")
            out[_load_key(it[0])] = _decode(it[1], arrays, used)
        return out
    if t in ("list", "tuple"):
        items = node.get("items")
        _need(isinstance(items, list), f"{t} node without items")
        vals = [_decode(v, arrays, used) for v in items]
        return tuple(vals) if t == "tuple" else vals
    if t in ("ndarray", "tensor", "npscalar"):
        i = node.get("i")
        _need(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(arrays),
              f"array index {i!r} out of range")
        _need(i not in used, f"array {i} used twice")
        used.add(i)
        arr = arrays[i]
        try:
            dtype = np.dtype(node.get("dtype"))
        except TypeError as e:
            raise _Malformed(f"bad dtype {node.get('dtype')!r}") from e
        shape = node.get("shape")
        _need(isinstance(shape, list), "array node without shape")
        _need(arr.dtype == dtype and arr.dtype.str == node["dtype"],
              f"member {i}.npy has dtype {arr.dtype.str}, the structure says {node['dtype']}")
        _need(list(arr.shape) == shape,
              f"member {i}.npy has shape {list(arr.shape)}, the structure says {shape}")
        if t == "ndarray":
            return arr
        if t == "npscalar":
            _need(arr.ndim == 0, "npscalar member is not 0-d")
            return arr[()]
        rg = node.get("requires_grad")
        _need(isinstance(rg, bool), "tensor node without requires_grad")
        _need(not rg or arr.dtype.kind in "fc", "integer tensor marked requires_grad")
        return Tensor(arr, requires_grad=rg, dtype=arr.dtype)
    if t == "none":
        return None
    v = node.get("v")
    if t == "bool":
        _need(isinstance(v, bool), "bad bool")
        return v
    if t == "int":
        _need(isinstance(v, int) and not isinstance(v, bool), "bad int")
        return v
    if t == "float":
        _need(isinstance(v, str), "bad float")
        return float.fromhex(v)
    if t == "complex":
        _need(isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v),
              "bad complex")
        return complex(float.fromhex(v[0]), float.fromhex(v[1]))
    if t == "str":
        _need(isinstance(v, str), "bad str")
        return v
    raise _Malformed(f"unknown node kind {t!r}")


def load(f):
    """Read a checkpoint written by ``save`` from ``f``, a path or a binary file
    object opened for reading (``open(p, "rb")``, ``io.BytesIO``; read from its
    current position, left open).  Never unpickles anything.

    Raises ``CheckpointError`` (a ``ValueError``) naming the file when it is
    not a complete, valid yaae checkpoint; ``FileNotFoundError`` etc. when it
    cannot be opened.

    >>> import io
    >>> buf = io.BytesIO(); ya.save([1, 2.5], buf); _ = buf.seek(0); ya.load(buf)
    [1, 2.5]
    """
    fobj = _file_object(f, "read", "load")
    if fobj is None:
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with open(path, "rb") as fobj:
            return _load(fobj, path)
    if not (hasattr(fobj, "seekable") and fobj.seekable()):
        fobj = io.BytesIO(fobj.read())          # zip archives are read by seeking
    elif fobj.tell():
        fobj = io.BytesIO(fobj.read())          # the archive starts here: offsets from 0
    return _load(fobj, getattr(f, "name", f"<{type(f).__name__}>"))


def _load(f, path):
    """Decode the checkpoint in the open binary file ``f`` (named ``path`` in errors)."""

    def fail(why, cause=None):
        err = CheckpointError(f"cannot load {path!r}: {why}")
        if cause is not None:
            raise err from cause
        raise err

    head = f.read(4)
    if not head:
        fail("the file is empty (not a yaae checkpoint)")
    if head != b"PK\x03\x04":
        if head.startswith(b"\x93NUM"):
            fail("it is a single .npy array, not a yaae checkpoint (.npz archive)")
        fail("not a yaae checkpoint (not a zip/.npz archive: "
             "possibly a foreign or corrupted file)")
    f.seek(0)
    try:
        with np.load(f, allow_pickle=False) as npz:
            names = set(npz.files)
            if _STRUCTURE not in names:
                fail(f"not a yaae checkpoint: the archive has no '{_STRUCTURE}' entry "
                     f"(members: {', '.join(sorted(names)[:8])}"
                     f"{', ...' if len(names) > 8 else ''})")
            raw = npz[_STRUCTURE]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                fail(f"not a yaae checkpoint: the '{_STRUCTURE}' entry is not a "
                     f"uint8 byte string")
            try:
                header = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                fail(f"the '{_STRUCTURE}' entry is not valid JSON ({e})", e)
            if not isinstance(header, dict) or header.get("magic") != MAGIC:
                fail("not a yaae checkpoint: the magic string is missing")
            version = header.get("version")
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                fail(f"bad format version {version!r}")
            if version > FORMAT_VERSION:
                fail(f"format version {version} is newer than this yaae reads "
                     f"({FORMAT_VERSION}); upgrade yaae")
            expected = {_STRUCTURE} | {str(i) for i in range(len(names) - 1)}
            if names != expected:
                fail("the archive's members are not structure, 0, 1, ...: "
                     f"unexpected {sorted(names - expected)[:8]}")
            arrays = [npz[str(i)] for i in range(len(names) - 1)]
    except CheckpointError:
        raise
    except Exception as e:
        # zipfile raises BadZipFile for bad CRCs/headers, NumPy ValueError for
        # object arrays ("allow_pickle=False") and bad .npy headers, EOFError
        # for truncated members, zlib/struct errors for mangled archives.
        fail(f"the file is corrupted or truncated ({type(e).__name__}: {e})", e)
    used = set()
    try:
        obj = _decode(header.get("tree"), arrays, used)
    except _Malformed as e:
        fail(f"malformed structure: {e}", e)
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        fail(f"malformed structure ({type(e).__name__}: {e})", e)
    if len(used) != len(arrays):
        fail(f"malformed structure: {len(arrays) - len(used)} array member(s) unreferenced")
    return obj
