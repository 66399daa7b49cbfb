"""Tests of course_utils.generators: shapes, seeds, the task's meaning, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import generators as g


def test_cells_are_seeded_and_masks_match_bright_regions():
    x1, m1 = g.make_cells(6, 48, seed=3)
    x2, m2 = g.make_cells(6, 48, seed=3)
    assert x1.shape == m1.shape == (6, 48, 48, 1) and x1.dtype == np.float32
    assert np.array_equal(x1, x2) and np.array_equal(m1, m2)
    assert not np.array_equal(x1, g.make_cells(6, 48, seed=4)[0])
    assert set(np.unique(m1)) == {0.0, 1.0} and 0.05 < m1.mean() < 0.7
    assert x1[m1 == 1].mean() > x1[m1 == 0].mean() + 0.25  # cells are brighter than background
    assert 0.0 <= x1.min() and x1.max() <= 1.0


@pytest.mark.parametrize(
    "kwargs, message",
    [({"n": 0}, "n must be"), ({"radius": (5, 40)}, "radius must be"), ({"noise": -1}, "noise and blur")],
)
def test_cells_bad_input(kwargs, message):
    args = {"n": 2, "size": 32} | kwargs
    with pytest.raises(ValueError, match=message):
        g.make_cells(**args)


def test_recall_task_label_is_the_symbol_lag_steps_back():
    x, y = g.make_recall_task(50, 12, 5, n_symbols=3, seed=1)
    assert x.shape == (50, 12, 3) and y.shape == (50,)
    assert np.array_equal(x[:, 12 - 1 - 5].argmax(1), y)
    assert np.allclose(x.sum(-1), 1)


@pytest.mark.parametrize(
    "args, message",
    [
        ((10, 5, 5), "lag \\(5\\) must be shorter"),
        ((10, 5, 0), "lag must be"),
        ((10, 1, 1), "length must be"),
    ],
)
def test_recall_task_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        g.make_recall_task(*args)


def test_sequence_tasks():
    x, y = g.make_sequence_task("reverse", 5, 6, seed=0)
    assert np.array_equal(y, x[:, ::-1])
    x, y = g.make_sequence_task("sort", 5, 6, seed=0)
    assert np.array_equal(y, np.sort(x, axis=1))
    x, y = g.make_sequence_task("keyed_recall", 100, 9, vocab=6, seed=0)
    for row, target in zip(x, y):
        keys, values, query = row[0:-1:2], row[1:-1:2], row[-1]
        assert len(set(keys)) == len(keys) and values[list(keys).index(query)] == target
        assert (keys < 6).all() and (values >= 6).all()


def test_sequence_task_bad_input():
    with pytest.raises(ValueError, match="Did you mean 'sort'"):
        g.make_sequence_task("srot", 5)
    with pytest.raises(ValueError, match="odd length"):
        g.make_sequence_task("keyed_recall", 5, 8)
    with pytest.raises(ValueError, match="distinct keys need vocab"):
        g.make_sequence_task("keyed_recall", 5, 9, vocab=3)


def test_mixture_and_modes_covered():
    points, modes = g.make_gaussian_mixture(800, modes=8, seed=0)
    assert points.shape == (800, 2) and set(np.unique(modes)) == set(range(8))
    covered, good = g.mixture_modes_covered(points)
    assert covered == 8 and good > 0.97  # 98.9% of a 2-D Gaussian lies within 3 std
    collapsed = np.repeat(points[modes == 0][:1], 100, axis=0)
    covered, good = g.mixture_modes_covered(collapsed)
    assert covered == 1 and good == 1.0
    covered, good = g.mixture_modes_covered(np.zeros((10, 2)))
    assert covered == 0 and good == 0.0
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        g.mixture_modes_covered(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="radius and std"):
        g.make_gaussian_mixture(10, std=0)


def test_mode_balance_tells_an_even_spread_from_one_dominant_mode():
    points, modes = g.make_gaussian_mixture(800, modes=8, seed=0)
    assert g.mixture_mode_balance(points) > 0.99  # 100 points per mode
    # 93 % on one mode and 1 % on each other one: all 8 "covered" at the 1 % rule, but far from balanced
    lopsided = np.concatenate(
        [points[modes == 0][:1].repeat(93, axis=0)] + [points[modes == m][:1] for m in range(1, 8)]
    )
    assert g.mixture_modes_covered(lopsided)[0] == 8
    assert g.mixture_mode_balance(lopsided) < 0.25
    assert g.mixture_mode_balance(points[modes == 3]) == 0.0
    assert g.mixture_mode_balance(np.zeros((10, 2))) == 0.0  # no good sample at all
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        g.mixture_mode_balance(np.zeros((0, 2)))


def test_windows():
    x, y = g.make_windows(np.arange(10), window=3, horizon=2)
    assert x.shape == (6, 3, 1) and x.dtype == np.float32
    assert x[0, :, 0].tolist() == [0, 1, 2] and y[0] == 4 and y[-1] == 9


@pytest.mark.parametrize(
    "series, kwargs, error, message",
    [
        (np.arange(4), {"window": 4}, ValueError, "too short"),
        (np.array([]), {"window": 2}, ValueError, "empty"),
        (np.zeros((3, 2)), {"window": 2}, ValueError, "must be 1-D"),
        (np.array(["a", "b", "c"]), {"window": 1}, TypeError, "real numbers"),
        (np.arange(5), {"window": 0}, ValueError, "window must be"),
    ],
)
def test_windows_bad_input(series, kwargs, error, message):
    with pytest.raises(error, match=message):
        g.make_windows(series, **kwargs)


def test_windows_refuse_gaps():
    series = np.arange(10.0)
    series[4] = np.nan
    with pytest.raises(ValueError, match="1 NaN/infinite values \\(first at index 4\\)"):
        g.make_windows(series, 3)
