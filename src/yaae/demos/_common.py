"""What every demo shares: output folders, progress, figures and GIFs.

Plotting needs the ``demos`` extra (matplotlib, tqdm, scikit-learn, Pillow);
importing ``yaae`` itself never imports them.
"""
import json
import os
import sys
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
        with open(probe, "w") as f:
            f.write("ok")
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


def save_gif(frames, path, duration=120):
    """Write PIL images as an animated GIF that loops, the last frame held longer."""
    need("PIL")
    if len(frames) < 2:
        frames = list(frames) * 2
    durations = [duration] * (len(frames) - 1) + [duration * 8]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations,
                   loop=0, optimize=False)
    return path


def save_metrics(out, metrics):
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)


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
