"""Tests for courselib/plotting.py: do the helpers draw the expected artists, headless?"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.collections as mcoll  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from courselib.data import spirals  # noqa: E402
from courselib.plotting import plot_curves, plot_decision_regions, use_style  # noqa: E402


@pytest.fixture
def ax(monkeypatch):
    """A fresh Axes on the Agg backend; plt.show is forbidden; the figure is closed afterwards."""
    def no_show(*args, **kwargs):
        raise AssertionError("plotting helpers must not call plt.show()")
    monkeypatch.setattr(plt, "show", no_show)
    fig, axes = plt.subplots()
    yield axes
    plt.close(fig)


def nearest_centroid(X, y):
    """A tiny classifier: label of the closest class mean; predict maps (M, 2) -> (M,)."""
    centroids = np.stack([X[y == k].mean(axis=0) for k in np.unique(y)])       # (K, 2)
    return lambda P: np.argmin(((P[:, None, :] - centroids) ** 2).sum(-1), axis=1)


def test_use_style_sets_rcparams():
    """Does use_style change the rcParams it promises (and only inside this context here)?"""
    with matplotlib.rc_context():
        use_style()
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["axes.grid"] is True
        assert tuple(matplotlib.rcParams["figure.figsize"]) == (6.0, 3.6)


def test_decision_regions_artists(ax):
    """One filled contour, one scatter collection per class with all points, labels and legend."""
    X, y = spirals(n_per_class=30, n_classes=3, seed=0)
    assert plot_decision_regions(ax, nearest_centroid(X, y), X, y, resolution=50) is ax
    scatters = [c for c in ax.collections if isinstance(c, mcoll.PathCollection)]
    assert len(scatters) == 3
    assert sum(len(c.get_offsets()) for c in scatters) == len(X)
    assert len(ax.collections) - len(scatters) == 1                 # the filled contour
    assert ax.get_xlabel() and ax.get_ylabel()
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend_texts == ["class 0", "class 1", "class 2"]


def test_decision_regions_calls_predict_once_on_the_grid(ax):
    """Is predict called once with a (resolution**2, 2) batch covering the data?"""
    X, y = spirals(n_per_class=20, n_classes=2, seed=1)
    seen = []

    def predict(points):
        seen.append(points)
        return (points[:, 0] > 0).astype(int)
    plot_decision_regions(ax, predict, X, y, resolution=40)
    assert len(seen) == 1 and seen[0].shape == (1600, 2)
    assert np.all(seen[0].min(axis=0) < X.min(axis=0))
    assert np.all(seen[0].max(axis=0) > X.max(axis=0))


def test_decision_regions_single_predicted_class(ax):
    """Does a constant classifier (a common early-training state) still plot without error?"""
    X, y = spirals(n_per_class=10, n_classes=3, seed=2)
    plot_decision_regions(ax, lambda P: np.zeros(len(P), dtype=int), X, y, resolution=20)
    assert len([c for c in ax.collections if isinstance(c, mcoll.PathCollection)]) == 3


def test_plot_curves_lines_labels_legend(ax):
    """One line per curve, named in the legend, axis labels as given, linear y by default."""
    curves = {"train": [3.0, 2.0, 1.5, 1.2], "test": [3.1, 2.5, 2.2, 2.1]}
    assert plot_curves(ax, curves, "epoch", "loss") is ax
    assert [line.get_label() for line in ax.get_lines()] == ["train", "test"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 1, 2, 3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert ax.get_yscale() == "linear"


def test_plot_curves_logy_and_explicit_steps(ax):
    """logy=True gives a log y axis; a (xs, ys) pair is plotted at its own steps."""
    curves = {"train": np.exp(-np.arange(50.0)),
              "test": ([0, 10, 20, 30, 40], [1, 1e-2, 1e-4, 1e-6, 1e-8])}
    plot_curves(ax, curves, "step", "loss", logy=True)
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [0, 10, 20, 30, 40])
    assert len(ax.get_lines()[0].get_xdata()) == 50


def test_figure_renders_with_book_style(ax):
    """Does a figure with both helpers, in the book's style, render to pixels on Agg?"""
    with matplotlib.rc_context():
        use_style()
        X, y = spirals(n_per_class=10, n_classes=2, seed=0)
        plot_decision_regions(ax, nearest_centroid(X, y), X, y, resolution=20)
        plot_curves(ax.twinx(), {"loss": [1.0, 0.5]}, "step", "loss", logy=True)
        ax.figure.canvas.draw()
        pixels = np.asarray(ax.figure.canvas.buffer_rgba())
    assert pixels.ndim == 3 and pixels[..., :3].std() > 0               # not a blank canvas
