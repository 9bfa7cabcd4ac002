"""The ``digits`` and ``gan`` demos: files, metrics and their thresholds.

Each demo runs once (module-scoped fixtures) at its default epochs, well
above the fewest that keep its threshold for seeds 0..4 (``MIN_EPOCHS``,
documented in each module), so that a machine whose BLAS rounds differently
cannot tip it: the digits CNN must reach test accuracy >= 0.98, the ring GAN
must cover all 8 modes.
"""
import json
import math

import numpy as np
import pytest
from PIL import Image

from yaae.cli import run_demo
from yaae.demos import digits as digits_demo
from yaae.demos import gan as gan_demo

DIGITS_FILES = {"confusion_matrix.png": "PNG", "misclassified.png": "PNG",
                "training_curves.png": "PNG"}
TEST_EPOCHS_DIGITS = digits_demo.DEFAULT_EPOCHS
TEST_EPOCHS_GAN = gan_demo.DEFAULT_EPOCHS
GAN_FILES = {"ring_samples.gif": "GIF", "ring.png": "PNG", "digits_samples.gif": "GIF",
             "digits_samples.png": "PNG", "gan_losses.png": "PNG"}


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    metrics = run_demo("digits", out, seed=0, epochs=TEST_EPOCHS_DIGITS, quiet=True)
    return out, metrics


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan")
    metrics = run_demo("gan", out, seed=0, epochs=TEST_EPOCHS_GAN, quiet=True)
    return out, metrics


def _check_image(path, fmt):
    assert path.is_file(), path
    with Image.open(path) as im:
        assert im.format == fmt, (path, im.format)
        assert im.width > 100 and im.height > 100
        if fmt == "GIF":
            assert im.is_animated, path
            assert im.n_frames >= 20, (path, im.n_frames)
            im.seek(im.n_frames - 1)      # every frame decodes
        im.load()


def _check_metrics_file(out, metrics):
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))


# ---- digits -----------------------------------------------------------------------------------
def test_digits_writes_its_figures(digits_run):
    out, metrics = digits_run
    for name, fmt in DIGITS_FILES.items():
        _check_image(out / name, fmt)
    _check_metrics_file(out, metrics)


def test_digits_cnn_reaches_98_percent(digits_run):
    _, m = digits_run
    assert m["test_accuracy"] >= 0.98, m
    assert m["epochs"] == TEST_EPOCHS_DIGITS
    assert m["misclassified"] == round((1 - m["test_accuracy"]) * 450)
    assert 0.98 <= m["train_accuracy"] <= 1.0
    assert 0 < m["train_loss"] < 0.2


def test_digits_same_seed_same_metrics(digits_run, tmp_path):
    _, m = digits_run
    again = run_demo("digits", tmp_path, seed=0, epochs=TEST_EPOCHS_DIGITS, quiet=True)
    assert again == m


def test_digits_confusion_matrix_counts():
    cm = digits_demo.confusion(np.array([0, 1, 1, 2, 9]), np.array([0, 1, 2, 2, 0]))
    assert cm.shape == (10, 10) and cm.sum() == 5 and cm.trace() == 3
    assert cm[1, 2] == 1 and cm[9, 0] == 1


def test_digits_misclassified_image_when_none_wrong(tmp_path):
    from yaae.demos._common import plt
    path = tmp_path / "misclassified.png"
    raw = np.zeros((3, 8, 8))
    y = np.array([1, 2, 3])
    digits_demo._plot_misclassified(plt(), raw, y, y, np.array([], dtype=int), 3, str(path))
    _check_image(path, "PNG")


# ---- gan --------------------------------------------------------------------------------------
def test_gan_writes_its_figures(gan_run):
    out, metrics = gan_run
    for name, fmt in GAN_FILES.items():
        _check_image(out / name, fmt)
    _check_metrics_file(out, metrics)


def test_gan_covers_all_8_modes(gan_run):
    _, m = gan_run
    assert isinstance(m["modes_covered"], int)
    assert m["modes_covered"] == 8, m
    assert 0.2 < m["ring_high_quality"] <= 1.0


def test_gan_metrics_and_epoch_scaling(gan_run):
    _, m = gan_run
    e = TEST_EPOCHS_GAN
    assert m["ring_steps"] == gan_demo.RING_STEPS_PER_EPOCH * e
    assert m["digits_gan_steps"] == (1797 // gan_demo.DIGITS_BATCH) * e
    for k in ("ring_d_loss", "ring_g_loss", "digits_gan_d_loss", "digits_gan_g_loss",
              "digits_gan_nn_distance", "digits_real_nn_distance"):
        assert math.isfinite(m[k]) and m[k] > 0, (k, m[k])
    # neither player has won outright (a collapsed D loss or exploding G loss would)
    assert 0.3 < m["digits_gan_d_loss"] < 2.5 and m["digits_gan_g_loss"] < 5
    # generated digits lie among the real ones, not far off nor copied
    real = m["digits_real_nn_distance"]
    assert 0.5 * real < m["digits_gan_nn_distance"] < 3 * real


def test_gan_mode_stats():
    c = gan_demo.ring_centres()
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), gan_demo.RING_RADIUS, rtol=1e-6)
    everywhere = np.repeat(c, 100, axis=0) + 0.01
    assert gan_demo.mode_stats(everywhere)[:2] == (8, 1.0)
    one_mode = np.repeat(c[:1], 800, axis=0)
    assert gan_demo.mode_stats(one_mode)[:2] == (1, 1.0)
    between = np.zeros((500, 2), np.float32)           # the centre of the ring: no mode
    covered, quality, counts = gan_demo.mode_stats(between)
    assert (covered, quality, counts.sum()) == (0, 0.0, 0)


def test_demos_reject_unknown_options(tmp_path):
    from yaae.demos._common import DemoError
    for mod in (digits_demo, gan_demo):
        with pytest.raises(DemoError):
            mod.run(out=str(tmp_path), seed=0, epochs=1, quiet=True, colour="red")
