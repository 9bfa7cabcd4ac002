"""What every demo shares: output folders, progress, figures and GIFs.

Plotting needs the ``demos`` extra (matplotlib, tqdm, scikit-learn, Pillow);
importing ``yaae`` itself never imports them.

Files are never lost: every figure, GIF and metrics file is written through
``output()`` (``savefig``, ``save_gif``, ``save_metrics``, ``write_text``) to a
temp file beside its target (``yaae.io``'s atomic-file helper).  Inside
``transaction()`` -- ``yaae demo`` runs each demo in one -- the temp files are
only renamed onto their targets once the whole run has succeeded, all together
(Ctrl-C held off for those few renames); an error or Ctrl-C before that
removes them, so the previous run's files stay exactly as they were.  Outside
a transaction each file is renamed into place as soon as it is written.
"""
import contextlib
import json
import os
import signal
import sys
import threading
import time

import numpy as np


class DemoError(Exception):
    """A problem the user can fix (bad output folder, missing extra, ...)."""


def need(*modules):
    """Import the demo extras, or explain how to install them."""
    missing = []
    for m in modules:
        try:
            __import__(m)
        except ImportError:
            missing.append(m)
    if missing:
        raise DemoError(f"the demos need {', '.join(missing)}: install them with "
                        f"pip install \"yaae[demos]\"")


def plt():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    need("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    return pyplot


def prepare_out(out):
    """Create ``out`` (and parents) and check it can be written."""
    out = os.path.abspath(os.fspath(out))
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, f".yaae-write-test-{os.getpid()}")
        try:
            with open(probe, "w") as f:
                f.write("ok")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(probe)
    except OSError as e:
        raise DemoError(f"cannot write to output folder {out!r}: {e.strerror or e}") from None
    return out


class Progress:
    """A progress bar with the running loss: tqdm on a terminal, plain lines
    (about ten per run) when output is not a terminal or with --quiet."""

    def __init__(self, total, desc, quiet=False, stream=None):
        self.total, self.desc, self.n = total, desc, 0
        self.stream = stream or sys.stdout
        self.bar = None
        self.t0 = time.time()
        self.every = max(1, total // 10)
        if not quiet and self.stream.isatty():
            need("tqdm")
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, file=self.stream, leave=True)

    def update(self, **metrics):
        self.n += 1
        text = " ".join(f"{k}={v:.4g}" for k, v in metrics.items())
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(1)
        elif self.n % self.every == 0 or self.n == self.total:
            print(f"{self.desc}: {self.n}/{self.total} {text} ({time.time() - self.t0:.1f}s)",
                  file=self.stream, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def fig_to_image(fig):
    """A matplotlib figure as a PIL image (for GIF frames)."""
    need("PIL")
    from PIL import Image
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    return Image.fromarray(buf[..., :3].copy())


# --------------------------------------------------------------------------
# files: atomic, and all-or-nothing per run
# --------------------------------------------------------------------------
_staged = threading.local()        # .files: the open transaction's pending files


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a transaction's final renames: the run had finished and its
    files are all in place (``committed`` is True)."""
    committed = True


@contextlib.contextmanager
def transaction():
    """Stage every file written through ``output()`` inside; rename them all
    into place when the block ends normally, remove them all if it raises
    (``KeyboardInterrupt`` included)."""
    outer = getattr(_staged, "files", None)
    files = _staged.files = []
    try:
        yield
    except BaseException:
        _staged.files = outer
        for f in files:
            f.discard()
        raise
    _staged.files = outer
    _commit_all(files)


def _commit_all(files):
    try:
        for f in files:                   # the slow part (fsync), still interruptible
            f.sync()
    except BaseException:
        for f in files:
            f.discard()
        raise
    pending = []
    old = None
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        old = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        for i, f in enumerate(files):
            try:
                f.replace()
            except BaseException:
                for g in files[i:]:
                    g.discard()
                raise
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)
    dirs = {f.directory for f in files}
    from ..io import _fsync_dir
    for d in dirs:
        _fsync_dir(d)
    if pending:
        raise Interrupted()


@contextlib.contextmanager
def output(path, suffix=""):
    """A temp path to write ``path``'s new content to; it becomes ``path``
    atomically (at the end of the open ``transaction()``, if any).  ``suffix``
    ends the temp name, for writers that go by the extension."""
    from ..io import _AtomicFile
    f = _AtomicFile(path, suffix)
    try:
        yield f.path
    except BaseException:
        f.discard()
        raise
    files = getattr(_staged, "files", None)
    if files is None:
        f.commit()
        return
    for g in [g for g in files if g.target == f.target]:    # written twice: keep the last
        g.discard()
        files.remove(g)
    files.append(f)


def _format(path):
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if not ext:
        raise ValueError(f"{path!r} has no extension to tell the figure's format")
    return ext


def savefig(fig, path, **kwargs):
    """``fig.savefig(path, **kwargs)``, atomically (the format from ``path``'s extension)."""
    with output(path) as tmp:
        fig.savefig(tmp, format=_format(path), **kwargs)
    return path


def save_gif(frames, path, duration=120):
    """Write PIL images as an animated GIF that loops, the last frame held longer."""
    need("PIL")
    if len(frames) < 2:
        frames = list(frames) * 2
    durations = [duration] * (len(frames) - 1) + [duration * 8]
    with output(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=durations, loop=0, optimize=False)
    return path


def write_text(path, text):
    with output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def save_metrics(out, metrics):
    return write_text(os.path.join(out, "metrics.json"),
                      json.dumps(metrics, indent=2, sort_keys=True))


def one_blas_thread():
    """Keep BLAS on one thread while training: these matrices are tiny, and a
    multithreaded BLAS on a busy machine is many times slower than one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def frame_epochs(epochs, n=30):
    """The epochs after which to draw a frame: 0 (untrained) to ``epochs``,
    spaced quadratically (dense early, where the picture changes most)."""
    e = np.round(epochs * (np.arange(n + 1) / n) ** 2).astype(int)
    return sorted(set(e.tolist()))


class Blitter:
    """Animation frames of a figure in which only some artists change.

    The first ``image()`` draws the figure without the ``dynamic()`` artists
    and keeps that background; every ``image()`` then restores it and draws
    just those artists on top (far cheaper than a full draw: no ticks, labels
    or layout).  ``finish()`` makes the figure whole again for ``savefig``.
    """

    def __init__(self, fig, dynamic):
        self.fig, self.dynamic, self.background = fig, dynamic, None

    def image(self):
        from PIL import Image
        canvas = self.fig.canvas
        artists = self.dynamic()
        for a in artists:
            a.set_animated(True)
        if self.background is None:
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self.background)
        for a in artists:
            self.fig.draw_artist(a)
        return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())

    def finish(self):
        for a in self.dynamic():
            a.set_animated(False)
