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
