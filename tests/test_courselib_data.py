"""Tests for courselib/data.py: do the generators give the documented shapes, dtypes, structure?"""
import socket

import numpy as np
import pytest

from courselib import data

# name -> a call with small sizes and a given seed; every entry returns a tuple of arrays
GENERATORS = {
    "spirals": lambda seed: data.spirals(n_per_class=50, n_classes=3, seed=seed),
    "gaussian_ring": lambda seed: data.gaussian_ring(n=200, seed=seed),
    "digits": lambda seed: data.digits(seed=seed),
    "sequence_task": lambda seed: data.sequence_task("sort", n=20, length=6, vocab_size=9,
                                                     seed=seed),
    "train_test_split": lambda seed: data.train_test_split(np.arange(40.0), np.arange(40),
                                                           seed=seed),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_data(name):
    """Does a generator give identical arrays for the same seed?"""
    first, second = GENERATORS[name](5), GENERATORS[name](5)
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_different_seed_different_data(name):
    """Does the seed change the data (the first array at least)?"""
    assert not np.array_equal(GENERATORS[name](1)[0], GENERATORS[name](2)[0])


def test_spirals_shapes_balance_and_radius():
    """Spirals: X (K*n, 2) float64, y int64 with exactly n points per class, all within radius 1."""
    X, y = data.spirals(n_per_class=40, n_classes=4, seed=0)
    assert X.shape == (160, 2) and X.dtype == np.float64
    assert y.shape == (160,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [40] * 4)
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-12
    assert np.linalg.norm(X, axis=1).min() >= 0.05 - 1e-12


def test_spirals_follow_their_arms():
    """Spirals: angle - 4r - 2 pi k/K is Gaussian noise of the documented std around 0."""
    noise, n_classes = 0.2, 3
    X, y = data.spirals(n_per_class=2000, n_classes=n_classes, noise=noise, seed=0)
    radius, angle = np.linalg.norm(X, axis=1), np.arctan2(X[:, 1], X[:, 0])
    residual = np.angle(np.exp(1j * (angle - 4 * radius - 2 * np.pi * y / n_classes)))
    assert abs(residual.mean()) < 0.02
    assert abs(residual.std() - noise) < 0.02


def test_spirals_are_shuffled():
    """Spirals: classes are interleaved in the output, not in blocks (so minibatches mix)."""
    _, y = data.spirals(n_per_class=100, n_classes=3, seed=0)
    assert len(set(y[:30].tolist())) == 3


def test_gaussian_ring_points_near_their_modes():
    """Gaussian ring: each point is within 5 std of its mode's centre on the circle."""
    n_modes, radius, std = 6, 3.0, 0.05
    X, modes = data.gaussian_ring(n=3000, n_modes=n_modes, radius=radius, std=std, seed=0)
    assert X.shape == (3000, 2) and X.dtype == np.float64
    assert modes.shape == (3000,) and modes.dtype == np.int64
    angle = 2 * np.pi * modes / n_modes
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    assert np.linalg.norm(X - centres, axis=1).max() < 5 * std
    assert abs(np.std(X - centres) - std) < 0.1 * std


def test_gaussian_ring_modes_roughly_balanced():
    """Gaussian ring: every mode is used, each about n / n_modes times (equal weights)."""
    _, modes = data.gaussian_ring(n=4000, n_modes=8, seed=0)
    counts = np.bincount(modes, minlength=8)
    assert len(counts) == 8
    assert np.all(np.abs(counts - 500) < 100)          # binomial std is about 21


def test_train_test_split_partitions_and_keeps_pairs():
    """train_test_split: test has round(N*f) rows, train+test is the whole set, X/y stay paired."""
    X = np.arange(30.0).reshape(10, 3)
    y = np.arange(10) * 7
    X_train, y_train, X_test, y_test = data.train_test_split(X, y, test_fraction=0.3, seed=0)
    assert X_train.shape == (7, 3) and X_test.shape == (3, 3)
    rows = np.concatenate([X_train[:, 0], X_test[:, 0]]) / 3
    np.testing.assert_array_equal(np.sort(rows), np.arange(10))
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]),
                                  np.concatenate([X_train[:, 0], X_test[:, 0]]) / 3 * 7)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails, as on the build machine."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in a test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_digits_offline_shapes_and_range(no_network):
    """Digits: loads offline; 1797 images split 1348/449, (8, 8) float32 in [0, 1], labels 0-9."""
    X_train, y_train, X_test, y_test = data.digits(seed=0)
    assert X_train.shape == (1348, 8, 8) and X_test.shape == (449, 8, 8)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    both = np.concatenate([X_train, X_test])
    assert both.min() == 0.0 and both.max() == 1.0
    np.testing.assert_array_equal(np.unique(y_train), np.arange(10))
    np.testing.assert_array_equal(np.unique(y_test), np.arange(10))


def test_digits_split_is_a_partition_of_the_bundled_set():
    """Digits: train + test is exactly scikit-learn's set / 16 (nothing lost or duplicated)."""
    from sklearn.datasets import load_digits

    X_train, y_train, X_test, y_test = data.digits(seed=0)
    bunch = load_digits()
    expected = np.column_stack([bunch.images.reshape(-1, 64) / 16.0, bunch.target])
    got = np.column_stack([np.concatenate([X_train, X_test]).reshape(-1, 64),
                           np.concatenate([y_train, y_test])])

    def sort_rows(a):
        return a[np.lexsort(a.T[::-1])]
    np.testing.assert_allclose(sort_rows(got), sort_rows(expected), atol=1e-7)


@pytest.mark.parametrize("task, transform", [
    ("copy", lambda s: s),
    ("reverse", lambda s: s[:, ::-1]),
    ("sort", lambda s: np.sort(s, axis=1)),
])
def test_sequence_task_targets(task, transform):
    """sequence_task: tgt is exactly src copied / reversed / sorted; int64 tokens in range."""
    src, tgt = data.sequence_task(task, n=50, length=7, vocab_size=11, seed=0)
    assert src.shape == tgt.shape == (50, 7)
    assert src.dtype == tgt.dtype == np.int64
    assert src.min() >= 0 and src.max() < 11
    np.testing.assert_array_equal(tgt, transform(src))
    assert not np.shares_memory(src, tgt)               # editing tgt cannot corrupt src


def test_sequence_task_same_src_for_every_task():
    """sequence_task: for one seed the src sequences do not depend on the task."""
    srcs = [data.sequence_task(t, n=10, length=5, vocab_size=6, seed=3)[0]
            for t in ("copy", "reverse", "sort")]
    np.testing.assert_array_equal(srcs[0], srcs[1])
    np.testing.assert_array_equal(srcs[0], srcs[2])


def test_sequence_task_unknown_task():
    """sequence_task: an unknown task raises ValueError naming the valid ones."""
    with pytest.raises(ValueError, match="copy"):
        data.sequence_task("shuffle", n=2, length=3, vocab_size=4)
