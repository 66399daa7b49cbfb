"""Tests of course_utils.prebuild: one trace of the training step, and the same numbers as Keras's path."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

from course_utils import prebuild

X = np.random.default_rng(0).random((256, 8, 8, 1), dtype=np.float32)
Y = np.random.default_rng(1).integers(0, 10, 256)


class CountingModel(keras.Sequential):
    """A Sequential model that counts how often TensorFlow traces its training step."""

    traces = 0

    def train_step(self, data):
        CountingModel.traces += 1  # Python runs here only while TensorFlow traces
        return super().train_step(data)


def _train(model_class=keras.Sequential, **fit_args):
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    model = model_class(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(8, 3, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, Y, epochs=2, batch_size=64, verbose=0, **fit_args)
    return history.history["loss"], model.get_weights(), model.evaluate(X, Y, verbose=0)


@pytest.fixture(autouse=True)
def keras_own_path():
    """Each test starts on Keras's own path and leaves prebuild installed, as setup() would."""
    prebuild.uninstall()
    assert not hasattr(TensorFlowTrainer._maybe_symbolic_build, "keras_own")
    yield
    assert prebuild.install()


def test_install_is_idempotent_and_uninstall_undoes_it():
    keras_own = TensorFlowTrainer._maybe_symbolic_build
    assert prebuild.install() and prebuild.install()
    assert TensorFlowTrainer._maybe_symbolic_build.keras_own is keras_own
    prebuild.uninstall()
    assert TensorFlowTrainer._maybe_symbolic_build is keras_own


def test_the_training_step_is_traced_once_not_twice():
    CountingModel.traces = 0
    _train(CountingModel)
    assert CountingModel.traces == 2  # Keras's own path: the variables appear in the first trace
    assert prebuild.install()
    CountingModel.traces = 0
    _train(CountingModel)
    assert CountingModel.traces == 1


@pytest.mark.parametrize("fit_args", [{}, {"validation_split": 0.25}, {"shuffle": False}])
def test_losses_weights_and_scores_are_those_of_keras_own_path(fit_args):
    losses, weights, scores = _train(**fit_args)
    assert prebuild.install()
    losses_built_first, weights_built_first, scores_built_first = _train(**fit_args)
    assert losses == losses_built_first and scores == scores_built_first
    assert all(np.array_equal(a, b) for a, b in zip(weights, weights_built_first))


def test_an_unbuilt_model_without_call_trains_as_before_without_warnings():
    class NoCall(keras.Model):
        """Custom train_step and no call(): Keras builds its layer in the trace."""

        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def train_step(self, data):
            loss = keras.ops.mean(self.dense(keras.ops.reshape(data, (-1, 64))) ** 2)
            return {"loss": loss}

    assert prebuild.install()
    model = NoCall()
    model.compile(optimizer="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(X, epochs=1, batch_size=64, verbose=0)
    assert np.isfinite(history.history["loss"][0])
