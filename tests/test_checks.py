"""Tests of course_utils.checks: each check passes on a right answer and explains a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import (
    CheckFailed,
    check_close,
    check_defined,
    check_dtype,
    check_equal,
    check_metric,
    check_param_count,
    check_raises,
    check_range,
    check_shape,
)


def test_placeholders_are_reported():
    for placeholder in (None, ...):
        with pytest.raises(CheckFailed, match="not set yet"):
            check_defined(placeholder, "w")
    assert check_defined(3) == 3


def test_check_shape():
    check_shape(np.zeros((4, 10)), (None, 10))
    with pytest.raises(
        CheckFailed, match=r"output shape: expected \(None, 10\), got \(4, 1\)\. Check the last layer"
    ):
        check_shape(np.zeros((4, 1)), (None, 10))
    with pytest.raises(CheckFailed, match="number of dimensions differs"):
        check_shape(np.zeros((4,)), (4, 1))


def test_check_shape_of_a_model_and_params():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    check_shape(model, (None, 2), name="model output")
    check_param_count(model, 8)
    check_param_count(model, 9, tolerance=0.2)
    with pytest.raises(CheckFailed, match="parameter count: expected 100, got 8"):
        check_param_count(model, 100)
    with pytest.raises(CheckFailed, match="not a Keras model"):
        check_param_count(np.zeros(3), 3)
    with pytest.raises(CheckFailed, match="not built yet"):
        check_param_count(keras.layers.Dense(3), 3)


def test_check_dtype():
    import tensorflow as tf

    check_dtype(np.zeros(2, "float32"), "float32")
    check_dtype(tf.zeros(2), "float32")
    with pytest.raises(
        CheckFailed, match=r"expected float32, got float64\. Convert with \.astype\('float32'\)"
    ):
        check_dtype(np.zeros(2), "float32")


def test_check_range():
    check_range([0.0, 0.5, 1.0], 0, 1)
    with pytest.raises(CheckFailed, match=r"expected \[0, 1\], got \[0, 255\]"):
        check_range([0, 255], 0, 1)
    with pytest.raises(CheckFailed, match="NaN or infinity"):
        check_range([0.0, np.nan], 0, 1)


def test_check_close_reports_the_worst_index():
    check_close([1.0, 2.0], [1.0, 2.0 + 1e-7])
    with pytest.raises(CheckFailed, match=r"at index \(1,\): expected 2, got 3"):
        check_close([1.0, 3.0], [1.0, 2.0])
    with pytest.raises(CheckFailed, match=r"shape: expected \(2,\), got \(3,\)"):
        check_close([1.0, 2.0, 3.0], [1.0, 2.0])


def test_check_metric():
    check_metric(0.9, 0.8)
    check_metric(0.1, 0.2, name="MAE", higher_is_better=False)
    with pytest.raises(CheckFailed, match="accuracy: expected ≥ 0.8, got 0.5"):
        check_metric(0.5, 0.8)
    with pytest.raises(CheckFailed):
        check_metric(float("nan"), 0.8)


def test_check_equal():
    check_equal({"task": {"index": 2}}, {"task": {"index": 2}})
    with pytest.raises(CheckFailed, match=r"is_chief: expected \[True, False\], got \[False, False\]"):
        check_equal([False, False], [True, False], name="is_chief")
    with pytest.raises(CheckFailed, match="not set yet"):
        check_equal(None, 3)
    with pytest.raises(TypeError, match="use check_close"):
        check_equal(np.zeros(2), [0, 0])


def test_check_raises():
    def reject(x):
        if x < 0:
            raise ValueError("negative")
        return x

    check_raises(lambda: reject(-1), ValueError, "reject(-1)")
    with pytest.raises(CheckFailed, match=r"reject\(1\): expected a ValueError, got no error"):
        check_raises(lambda: reject(1), ValueError, "reject(1)")

    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):  # a stub's own error is not hidden
        check_raises(lambda: stub(-1), ValueError, "stub(-1)")
