"""Tests of course_utils.plotting: figures are drawn from good input, bad input is explained."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_history_draws_train_and_validation():
    fig = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "validation"]


def test_plot_history_bad_input():
    with pytest.raises(TypeError, match="Keras History"):
        plotting.plot_history([1, 2])
    with pytest.raises(KeyError, match="it has \\['loss'\\]"):
        plotting.plot_history({"loss": [1.0]}, metrics=["accuracy"])


def test_show_images_marks_wrong_predictions():
    fig = plotting.show_images(np.zeros((3, 4, 4, 1)), labels=[0, 1, 2], predictions=[0, 2, 2], ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    colors = [ax.title.get_color() for ax in fig.axes]
    assert titles == ["0 →0", "1 →2", "2 →2"] and colors[1] == "red" and colors[0] == "black"


def test_show_images_bad_input():
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        plotting.show_images(np.zeros((3, 4, 4)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"shaped \(N, H, W\)"):
        plotting.show_images(np.zeros((4, 4)))


def test_confusion_and_embedding_and_comparison():
    fig = plotting.plot_confusion([0, 1, 1], [0, 1, 0], class_names=["a", "b"])
    assert fig.axes[0].get_xlabel() == "Predicted label"
    fig = plotting.plot_embedding(np.random.rand(10, 2), labels=np.arange(10) % 2)
    assert len(fig.axes[0].collections) == 2
    results = {"cnn": {"accuracy": 0.9, "seconds": 3.0}, "svm": {"accuracy": 0.8, "seconds": 0.5}}
    fig = plotting.plot_comparison(results)
    assert [ax.get_title() for ax in fig.axes] == ["accuracy", "seconds"]
    assert plotting.comparison_table(results).loc["svm", "seconds"] == 0.5


def test_confusion_embedding_comparison_bad_input():
    with pytest.raises(ValueError, match="take argmax"):
        plotting.plot_confusion([0, 1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="PCA or t-SNE"):
        plotting.plot_embedding(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="the first model has"):
        plotting.plot_comparison({"a": {"x": 1}, "b": {"y": 2}})


def test_plot_pareto_draws_each_search_and_the_front():
    fig = plotting.plot_pareto({"random": ([100, 200, 400], [0.5, 0.7, 0.6]), "evolution": ([150], [0.8])})
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.collections] == ["random", "evolution"]
    front = ax.lines[0]
    assert list(front.get_xdata()) == [100, 150] and list(front.get_ydata()) == [0.5, 0.8]


def test_plot_pareto_bad_input():
    with pytest.raises(ValueError, match="searches must look like"):
        plotting.plot_pareto({})
    with pytest.raises(ValueError, match="'random'.*equally long"):
        plotting.plot_pareto({"random": ([1, 2], [0.5])})


def test_plot_history_has_integer_epoch_ticks():
    fig = plotting.plot_history({"loss": [1.0, 0.7, 0.5]})
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert all(float(t).is_integer() for t in ticks)


def test_show_images_colour_scale():
    weights = np.array([[[-2.0, 0.5]], [[0.1, 1.0]]])
    fig = plotting.show_images(weights, symmetric=True, cmap="RdBu_r")
    limits = {im.get_clim() for ax in fig.axes for im in ax.get_images()}
    assert limits == {(-2.0, 2.0)}  # one scale for every filter, centred on 0
    fig = plotting.show_images(weights, vmin=0, vmax=1)
    assert {im.get_clim() for ax in fig.axes for im in ax.get_images()} == {(0, 1)}
    fig = plotting.show_images(weights)  # the batch's own range, shared
    assert {im.get_clim() for ax in fig.axes for im in ax.get_images()} == {(-2.0, 1.0)}
    with pytest.raises(ValueError, match="vmin"):
        plotting.show_images(weights, vmin=1, vmax=0)
    with pytest.raises(ValueError, match="NaN"):
        plotting.show_images(np.full((1, 2, 2), np.nan))


def test_show_image_rows():
    fig = plotting.show_image_rows({"input": np.zeros((3, 4, 4, 1)), "output": np.ones((3, 4, 4))})
    assert len(fig.axes) == 6 and fig.axes[0].get_ylabel() == "input"
    with pytest.raises(ValueError, match="same, non-zero number"):
        plotting.show_image_rows({"a": np.zeros((3, 4, 4)), "b": np.zeros((2, 4, 4))})
    with pytest.raises(ValueError, match="rows must look like"):
        plotting.show_image_rows({})


def test_overlay_outline():
    fig, ax = plt.subplots()
    mask = np.zeros((8, 8))
    mask[2:5, 2:5] = 1
    plotting.overlay_outline(ax, np.zeros((8, 8, 1)), mask, np.zeros((8, 8)), title="cell")
    assert ax.get_title() == "cell" and len(ax.collections) >= 1  # the empty prediction draws no contour
    with pytest.raises(ValueError, match="does not match"):
        plotting.overlay_outline(ax, np.zeros((8, 8)), np.zeros((4, 4)))


def test_plot_seeds_draws_every_seed():
    import pandas as pd

    table = pd.DataFrame(
        {"seed": [0, 1, 2, 0, 1, 2], "method": ["a"] * 3 + ["b"] * 3, "metric": ["acc"] * 6,
         "value": [0.1, 0.2, 0.3, 0.5, 0.6, 0.7]}
    )  # fmt: skip
    fig = plotting.plot_seeds(table)
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")) >= 6
    assert "3" in ax.get_title()
    with pytest.raises(KeyError, match="Name the metric"):
        plotting.plot_seeds(pd.concat([table, table.assign(metric="loss")]))
    with pytest.raises(TypeError, match="over_seeds"):
        plotting.plot_seeds({"a": 1})
