"""Tests of course_utils.metrics and course_utils.timing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from course_utils.metrics import accuracy, binarise, mae, sigmoid
from course_utils.timing import EpochTimer, Stopwatch, best_time, timed


def test_mae_and_its_errors():
    assert mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shape"):
        mae([1, 2], [[1], [2]])
    with pytest.raises(ValueError, match="NaN"):
        mae([1, np.nan], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        mae([], [])


def test_accuracy_takes_labels_or_scores():
    assert accuracy([0, 1, 1], [0, 1, 0]) == pytest.approx(2 / 3)
    assert accuracy([0, 1], [[0.9, 0.1], [0.2, 0.8]]) == 1.0
    with pytest.raises(ValueError, match="one label"):
        accuracy([0, 1], [0, 1, 1])


def test_sigmoid_is_stable_and_right():
    assert sigmoid(0.0) == 0.5
    assert np.allclose(sigmoid([-1000.0, 1000.0]), [0.0, 1.0])
    assert sigmoid(2.0) == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_binarise():
    images = np.array([[[0.2, 0.7]], [[0.5, 1.0]]])
    assert binarise(images).tolist() == [[[0.0, 1.0]], [[0.0, 1.0]]]
    assert binarise(images, flatten=True).shape == (2, 2) and binarise(images).dtype == np.float32
    with pytest.raises(ValueError, match="divide by 255"):
        binarise(images * 255)
    with pytest.raises(ValueError, match="NaN"):
        binarise(np.array([[np.nan]]))


def test_stopwatch_and_timed():
    with Stopwatch() as watch:
        time.sleep(0.05)
    assert watch.wall >= 0.05 and watch.cpu < watch.wall
    result, seconds = timed(sum, [1, 2])
    assert result == 3 and seconds >= 0
    calls = []
    assert best_time(lambda: calls.append(1), repeats=2) >= 0 and len(calls) == 3  # warm-up + 2
    with pytest.raises(ValueError, match="repeats"):
        best_time(lambda: None, repeats=0)


def test_epoch_timer():
    import keras

    timer = EpochTimer()
    with pytest.raises(RuntimeError, match="no epoch"):
        _ = timer.median
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 1)), np.zeros((4, 1)), epochs=3, verbose=0, callbacks=[timer])
    assert len(timer.seconds) == 3 and timer.median == pytest.approx(np.median(timer.seconds[1:]))
