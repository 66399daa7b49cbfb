"""Tests of course_utils.progress: throttled lines, the Keras callback, silence when disabled."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.progress import KerasProgress, Progress, track


def test_progress_throttles_and_closes(capsys):
    bar = Progress("training", 100, every=3600)
    for step in range(1, 101):
        bar.update(step, {"loss": 1 / step})
    bar.close({"loss": 0.01})
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [lines[-1]] and lines[0].startswith("training: 100/100 · loss 0.01 · done in")


def test_progress_every_update_reports_time_left(capsys):
    bar = Progress("fit", 4, every=0)
    bar.update(1, {"loss": 0.5, "note": "text is skipped", "nan": float("nan")})
    out = capsys.readouterr().out
    assert (
        out.startswith("fit: 1/4 · loss 0.5 ·") and "left" in out and "note" not in out and "nan" not in out
    )


def test_disabled_progress_prints_nothing(capsys):
    for _ in track(range(5), "quiet", every=0, enabled=False):
        pass
    assert capsys.readouterr().out == ""


def test_track_yields_every_item(capsys):
    assert list(track(iter([1, 2, 3]), "items", every=0)) == [1, 2, 3]
    assert "items: 3 · done in" in capsys.readouterr().out


@pytest.mark.parametrize("total", [0, -1, 1.5, True])
def test_bad_totals(total):
    with pytest.raises(ValueError, match="total must be a positive integer"):
        Progress("x", total)


def test_keras_callback_reports_epochs(capsys):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.zeros((8, 2), "float32")
    model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[KerasProgress("tiny", every=0)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["tiny: 1/3", "tiny: 2/3", "tiny: 3/3"]
    assert "loss" in lines[0] and "done in" in lines[-1]
    model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[KerasProgress("silent", enabled=False)])
    assert capsys.readouterr().out == ""
