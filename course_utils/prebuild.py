"""Create a Keras model's metric and optimizer variables before `fit` traces its first step.

Without a distribution strategy, Keras 3 (TensorFlow backend) defers this to the first trace of the
training step; a `tf.function` that creates variables on its first call is traced a second time, so
every new model pays for two traces. Under a strategy Keras builds the state first, and that is what
`install()` makes it do for every built model (one with an `Input`). Every number stays the same
(tests/test_prebuild.py checks losses and weights against Keras's own path); the first `fit` of a
small CNN takes a quarter to a half less time. The hook is Keras's private `_maybe_symbolic_build`:
if a Keras upgrade renames it, install() returns False and Keras keeps its own path, and if Keras
starts building first itself, test_prebuild's trace count says so and this module can go.
"""

from __future__ import annotations


def install() -> bool:
    """Make Keras build model state before the first trace; False where this Keras lacks the hook."""
    try:
        from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
    except ImportError:  # another backend or a Keras without this module: keep Keras's own path
        return False
    keras_own = getattr(TensorFlowTrainer, "_maybe_symbolic_build", None)
    if keras_own is None or not hasattr(TensorFlowTrainer, "_symbolic_build"):
        return False
    if hasattr(keras_own, "keras_own"):  # installed already
        return True

    def build_first(self, iterator=None, data_batch=None):
        if self._distribute_strategy is not None or not self.built:
            # A model without an Input still builds its layers in the first trace, as Keras does it.
            return keras_own(self, iterator=iterator, data_batch=data_batch)
        if data_batch is None:
            # The dataset's element spec, not a batch: drawing one would advance a shuffle or a generator.
            data_batch = iterator._get_iterator().element_spec
        try:
            self._symbolic_build(data_batch=data_batch)
        except Exception:  # noqa: BLE001 - what Keras cannot build here it builds in the trace, as before
            pass

    build_first.keras_own = keras_own
    TensorFlowTrainer._maybe_symbolic_build = build_first
    return True


def uninstall() -> None:
    """Give Keras its own path back (a no-op where install() did not run)."""
    try:
        from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
    except ImportError:
        return
    keras_own = getattr(TensorFlowTrainer._maybe_symbolic_build, "keras_own", None)
    if keras_own is not None:
        TensorFlowTrainer._maybe_symbolic_build = keras_own
