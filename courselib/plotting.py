"""One plotting style for every chapter, so figures look alike across the book.

Every function draws on an `ax` it is given and returns it; none calls `plt.show()`
(the book executes notebooks headless, and the caller decides the figure layout).
"""
import matplotlib as mpl
import matplotlib.colors as mcolors
import numpy as np


def use_style() -> None:
    """Set the book's matplotlib defaults: compact figures, readable labels, no top/right spines.

    Defined for chapter 5.1; every chapter's setup cell calls it.
    """
    mpl.rcParams.update({
        "figure.figsize": (6.0, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })


def _grid(X, resolution: int, margin: float = 0.1):
    """A resolution x resolution grid covering X's bounding box plus a margin on every side."""
    low, high = X.min(axis=0), X.max(axis=0)                        # (2,), (2,)
    pad = margin * np.maximum(high - low, 1e-9)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    return np.meshgrid(xs, ys)                                      # two (R, R) arrays


def plot_decision_regions(ax, predict, X, y, resolution: int = 200):
    """Colour the plane by `predict`'s label and scatter the data on top, one colour per class.

    Args:
        ax: matplotlib Axes to draw on.
        predict: maps points (M, 2) to integer labels (M,).
        X: (N, 2) points; y: (N,) integer labels.
        resolution: grid points per axis (predict sees resolution**2 points at once).
    Returns:
        ax, with x_1/x_2 axis labels and a legend "class k" per class in y.

    Defined for chapter 5.2 (what a hidden layer buys on the spirals).
    """
    X, y = np.asarray(X), np.asarray(y)
    grid_x, grid_y = _grid(X, resolution)
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)    # (R*R, 2)
    labels = np.asarray(predict(points)).reshape(grid_x.shape)      # (R, R)
    low = int(min(labels.min(), y.min()))
    high = int(max(labels.max(), y.max()))
    colours = [mpl.colormaps["tab10"](k % 10) for k in range(low, high + 1)]
    ax.contourf(grid_x, grid_y, labels, levels=np.arange(low, high + 2) - 0.5,
                cmap=mcolors.ListedColormap(colours), alpha=0.25)
    for k in np.unique(y):
        ax.scatter(*X[y == k].T, s=12, color=colours[int(k) - low], edgecolors="white",
                   linewidths=0.3, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best")
    return ax


def plot_curves(ax, curves: dict, xlabel: str, ylabel: str, logy: bool = False):
    """One line per named curve, e.g. {"train": losses, "test": test_losses}, with a legend.

    A curve is a sequence of y values (plotted at x = 0, 1, 2, ...) or a pair (xs, ys)
    for curves measured at other steps (e.g. a test loss every 100 steps).
    logy puts the y axis on a log scale (losses that fall by decades).

    Defined for chapter 5.2 (training curves).
    """
    for name, values in curves.items():
        if isinstance(values, tuple) and len(values) == 2 and np.ndim(values[0]) == 1:
            xs, ys = values
        else:
            xs, ys = np.arange(len(values)), values
        ax.plot(xs, ys, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if curves:
        ax.legend(loc="best")
    return ax
