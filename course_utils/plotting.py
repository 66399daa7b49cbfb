"""Plots a learner wants: training curves, image grids, confusion matrices, embeddings, comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def _history_dict(history) -> dict[str, list[float]]:
    """Accept a Keras History or a plain dict of metric lists."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or not data:
        raise TypeError(
            "Expected a Keras History (what model.fit returns) or a dict like {'loss': [...]}, "
            f"got {type(history).__name__}."
        )
    return {k: list(map(float, v)) for k, v in data.items()}


def plot_history(history, metrics: Sequence[str] | None = None, title: str | None = None):
    """Plot training and validation curves, one panel per metric; returns the figure."""
    data = _history_dict(history)
    names = list(metrics) if metrics else [k for k in data if not k.startswith("val_")]
    missing = [m for m in names if m not in data]
    if missing:
        raise KeyError(f"No metric {missing} in the history; it has {sorted(data)}.")
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(data[name]) + 1)
        ax.plot(epochs, data[name], "o-", label="train")
        if f"val_{name}" in data:
            ax.plot(epochs, data[f"val_{name}"], "s--", label="validation")
        ax.set(xlabel="epoch", ylabel=name, title=name)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(
    images,
    labels: Sequence | None = None,
    predictions: Sequence | None = None,
    *,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray",
    size: float = 1.3,
    title: str | None = None,
):
    """Show images in a grid, titled with labels (and predictions, red when wrong); returns the figure."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"images must be a non-empty batch shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3); got {images.shape}."
        )
    for what, seq in (("labels", labels), ("predictions", predictions)):
        if seq is not None and len(seq) != len(images):
            raise ValueError(f"{len(images)} images but {len(seq)} {what}: pass one per image.")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}.")

    def name(v):
        return class_names[int(v)] if class_names is not None else str(v)

    ncols = min(ncols, len(images))
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.ravel(), images)):
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
        parts, color = [], "black"
        if labels is not None:
            parts.append(name(labels[i]))
        if predictions is not None:
            parts.append(f"→{name(predictions[i])}")
            if labels is not None and labels[i] != predictions[i]:
                color = "red"
        if parts:
            ax.set_title(" ".join(parts), fontsize=8, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(y_true, y_pred, class_names: Sequence[str] | None = None, normalize: bool = False):
    """Plot a confusion matrix with scikit-learn; returns the figure."""
    from sklearn.metrics import ConfusionMatrixDisplay

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D and the same length, got {y_true.shape} and {y_pred.shape}; "
            "take argmax of the probabilities first."
        )
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        display_labels=class_names,
        normalize="true" if normalize else None,
        values_format=".2f" if normalize else "d",
        ax=ax,
        colorbar=False,
        cmap="Blues",
    )
    fig.tight_layout()
    return fig


def plot_embedding(
    points, labels=None, *, class_names: Sequence[str] | None = None, title: str | None = None
):
    """Scatter 2-D points coloured by label; returns the figure."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must be shaped (N, 2), got {points.shape}; reduce with PCA or t-SNE first.")
    if labels is not None and len(labels) != len(points):
        raise ValueError(f"{len(points)} points but {len(labels)} labels.")
    fig, ax = plt.subplots(figsize=(5, 4.2))
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=6, alpha=0.7)
    else:
        labels = np.asarray(labels)
        for value in np.unique(labels):
            sel = labels == value
            text = class_names[int(value)] if class_names is not None else str(value)
            ax.scatter(points[sel, 0], points[sel, 1], s=6, alpha=0.7, label=text)
        ax.legend(markerscale=3, fontsize=7, loc="best", ncols=2)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_comparison(results: Mapping[str, Mapping[str, float]], title: str | None = None):
    """Bar charts comparing models side by side: {model: {measure: value}}; returns the figure."""
    if not results or not all(isinstance(v, Mapping) and v for v in results.values()):
        raise ValueError("results must look like {'model A': {'accuracy': 0.9, 'seconds': 3.1}, ...}.")
    measures = list(next(iter(results.values())))
    for model, values in results.items():
        if list(values) != measures:
            raise ValueError(f"{model!r} has measures {list(values)}, the first model has {measures}.")
    models = list(results)
    fig, axes = plt.subplots(1, len(measures), figsize=(3.4 * len(measures), 3.0), squeeze=False)
    for ax, measure in zip(axes[0], measures):
        values = [results[m][measure] for m in models]
        bars = ax.bar(models, values, color=plt.cm.tab10.colors[: len(models)])
        ax.bar_label(bars, fmt="%.3g", fontsize=8)
        ax.set_title(measure)
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def comparison_table(results: Mapping[str, Mapping[str, float]]):
    """The same {model: {measure: value}} as a pandas DataFrame (one row per model)."""
    import pandas as pd

    return pd.DataFrame(results).T


def plot_pareto(
    searches: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    cost_label: str = "parameters",
    score_label: str = "validation accuracy",
    log_cost: bool = True,
):
    """Scatter {search: (costs, scores)} and draw the Pareto front over all points; returns the figure."""
    from course_utils.search import pareto_front

    if not searches:
        raise ValueError("searches must look like {'random search': (costs, scores), ...}.")
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    all_costs, all_scores = [], []
    for name, (costs, scores) in searches.items():
        if len(costs) != len(scores) or len(costs) == 0:
            raise ValueError(f"{name!r}: costs and scores must be non-empty and equally long.")
        ax.scatter(costs, scores, s=22, alpha=0.75, label=name)
        all_costs += list(costs)
        all_scores += list(scores)
    front = pareto_front(all_costs, all_scores)
    ax.step(
        np.asarray(all_costs)[front],
        np.asarray(all_scores)[front],
        "k--",
        where="post",
        lw=1,
        label="Pareto front",
    )
    ax.set(xlabel=cost_label, ylabel=score_label, xscale="log" if log_cost else "linear")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
