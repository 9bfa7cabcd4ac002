"""The classification, regression and surface demos, end to end.

Each demo runs into a temporary folder (through ``yaae.cli.run_demo`` and
through the ``yaae demo`` command line) with the smallest epochs its module
docstring documents (plus a margin), and must write valid PNGs, an animated
GIF and metrics.json, pass its metric threshold, and give identical metrics
for the same seed.
"""
import json
import math

import pytest
from PIL import Image

from yaae import cli
from yaae.demos import classification, regression, surface
from yaae.demos._common import DemoError

# Well above each documented minimum (held for seeds 0..19 there), so that a
# machine whose BLAS rounds differently cannot tip a threshold.
EPOCHS = {"circles": 150, "moons": 200, "spirals": 800}  # >= 2 x classification.MIN_EPOCHS
REG_EPOCHS = 300                                         # >= 2 x regression.MIN_EPOCHS
SURF_EPOCHS = 60                                         # >= 2 x surface.MIN_EPOCHS


def test_test_epochs_cover_the_documented_minimum():
    for name, e in EPOCHS.items():
        assert e >= classification.MIN_EPOCHS[name]
    assert REG_EPOCHS >= regression.MIN_EPOCHS
    assert SURF_EPOCHS >= surface.MIN_EPOCHS


def check_png(path):
    assert path.is_file(), path
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.width >= 300 and im.height >= 200
        im.load()


def check_gif(path, min_frames=10):
    assert path.is_file(), path
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.is_animated
        assert im.n_frames >= min_frames
        im.seek(im.n_frames - 1)
        im.load()


def check_metrics(out, metrics, keys):
    assert set(metrics) == set(keys)
    for k in keys:
        assert isinstance(metrics[k], float) and math.isfinite(metrics[k]), (k, metrics[k])
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == metrics
    return saved


def run_cli(capsys, *args):
    rc = cli.main(["demo", *args])
    printed = capsys.readouterr().out
    assert rc == 0
    return printed


# ---- classification -------------------------------------------------------------------------
def check_classification_out(out, metrics):
    check_metrics(out, metrics, ["accuracy", "loss"])
    check_png(out / "decision_boundary.png")
    check_png(out / "loss.png")
    check_gif(out / "decision_boundary.gif", min_frames=20)
    assert metrics["accuracy"] >= 0.99, metrics


@pytest.fixture(scope="module")
def circles(tmp_path_factory):
    out = tmp_path_factory.mktemp("circles")
    metrics = cli.run_demo("classification", out, seed=0, epochs=EPOCHS["circles"], quiet=True)
    return out, metrics


def test_classification_circles(circles):
    check_classification_out(*circles)


def test_classification_cli_same_seed_same_metrics(circles, tmp_path, capsys):
    """Through ``yaae demo``: --data circles is the default data set, and the same
    seed gives the very same numbers as the run_demo call above."""
    out = tmp_path / "cli"
    printed = run_cli(capsys, "classification", "--out", str(out), "--quiet", "--seed", "0",
                      "--epochs", str(EPOCHS["circles"]), "--data", "circles")
    assert "accuracy" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    check_classification_out(out, metrics)
    assert metrics == circles[1]


@pytest.mark.parametrize("data", ["moons", "spirals"])
def test_classification_other_data(data, tmp_path):
    metrics = cli.run_demo("classification", tmp_path, seed=0, epochs=EPOCHS[data], quiet=True,
                           data=data)
    check_classification_out(tmp_path, metrics)


def test_classification_unknown_data(tmp_path):
    with pytest.raises(DemoError, match="unknown data set"):
        cli.run_demo("classification", tmp_path, seed=0, epochs=1, quiet=True, data="blobs")


def test_spirals_are_two_balanced_arms():
    import numpy as np
    X, y = classification.make_data("spirals", 3)
    assert X.shape == (400, 2) and X.dtype == np.float64
    assert sorted(np.bincount(y).tolist()) == [200, 200]
    X2, y2 = classification.make_data("spirals", 3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


# ---- regression -----------------------------------------------------------------------------
def check_regression_out(out, metrics):
    check_metrics(out, metrics, ["r2_linear", "r2_curve", "mse_curve"])
    check_png(out / "linear_fit.png")
    check_png(out / "curve_fit.png")
    check_gif(out / "curve_fit.gif", min_frames=20)
    assert metrics["r2_linear"] >= 0.9, metrics
    assert metrics["r2_curve"] >= 0.9, metrics


def test_regression_run_demo_and_cli_agree(tmp_path, capsys):
    a = tmp_path / "a"
    metrics = cli.run_demo("regression", a, seed=0, epochs=REG_EPOCHS, quiet=True)
    check_regression_out(a, metrics)
    b = tmp_path / "b"
    printed = run_cli(capsys, "regression", "--out", str(b), "--quiet", "--seed", "0",
                      "--epochs", str(REG_EPOCHS))
    assert "r2_linear" in printed and "r2_curve" in printed
    again = json.loads((b / "metrics.json").read_text())
    check_regression_out(b, again)
    assert again == metrics


# ---- surface --------------------------------------------------------------------------------
def check_surface_out(out, metrics):
    check_metrics(out, metrics, ["test_mse", "train_mse"])
    check_png(out / "loss_curve.png")
    check_png(out / "surfaces.png")
    check_gif(out / "surface.gif", min_frames=15)
    assert metrics["test_mse"] <= 1e-3, metrics


def test_surface_run_demo_and_cli_agree(tmp_path, capsys):
    a = tmp_path / "a"
    metrics = cli.run_demo("surface", a, seed=0, epochs=SURF_EPOCHS, quiet=True)
    check_surface_out(a, metrics)
    b = tmp_path / "b"
    printed = run_cli(capsys, "surface", "--out", str(b), "--quiet", "--seed", "0",
                      "--epochs", str(SURF_EPOCHS))
    assert "test_mse" in printed
    again = json.loads((b / "metrics.json").read_text())
    check_surface_out(b, again)
    assert again == metrics


@pytest.mark.parametrize("name", ["regression", "surface"])
def test_unknown_options_rejected(name, tmp_path):
    with pytest.raises(DemoError, match="unknown options"):
        cli.run_demo(name, tmp_path, seed=0, epochs=1, quiet=True, bogus=1)
