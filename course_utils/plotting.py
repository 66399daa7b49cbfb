"""Plots a learner wants: training curves, image grids, confusion matrices, embeddings, comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator


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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
    vmin: float | None = None,
    vmax: float | None = None,
    symmetric: bool = False,
    size: float = 1.3,
    title: str | None = None,
):
    """Show images in a grid, titled with labels (and predictions, red when wrong); returns the figure.

    One colour scale for all images: `vmin`/`vmax`, else the batch's range; `symmetric=True` centres it
    on 0 (for signed weights, with a diverging `cmap` such as "RdBu_r"), and a colour bar is drawn.
    """
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

    if not np.all(np.isfinite(images)):
        raise ValueError("images hold NaN or infinity: check the model or the data before plotting.")
    if symmetric:
        bound = (
            float(np.abs(images).max())
            if vmin is None and vmax is None
            else max(abs(vmin or 0), abs(vmax or 0))
        )
        vmin, vmax = -bound, bound
    elif vmin is None and vmax is None and images.ndim == 3:
        vmin, vmax = float(images.min()), float(images.max())
    if vmin is not None and vmax is not None and vmin > vmax:
        raise ValueError(f"vmin ({vmin}) is above vmax ({vmax}).")
    ncols = min(ncols, len(images))
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.ravel(), images)):
        shown = ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=vmin, vmax=vmax)
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
    if symmetric:
        fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8)
    return fig


def show_image_rows(rows: Mapping[str, Sequence], *, title: str | None = None, size: float = 0.9,
                    vmin: float = 0.0, vmax: float = 1.0, cmap: str = "gray"):  # fmt: skip
    """A grid with one named row per entry, e.g. {"input": x[:8], "reconstruction": r[:8]}; returns the figure."""
    if not rows:
        raise ValueError("rows must look like {'input': images, 'output': images}.")
    lengths = {name: len(images) for name, images in rows.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"every row needs the same, non-zero number of images; got {lengths}.")
    n = next(iter(lengths.values()))
    fig, axes = plt.subplots(len(rows), n, figsize=(size * n + 0.8, size * len(rows) + 0.3), squeeze=False)
    for r, (name, images) in enumerate(rows.items()):
        for c in range(n):
            image = np.asarray(images[c])
            image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
            axes[r, c].imshow(np.clip(image, vmin, vmax), cmap=cmap, vmin=vmin, vmax=vmax)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(name, fontsize=9, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def overlay_outline(ax, image, mask=None, pred=None, title: str | None = None) -> None:
    """An image with the true mask's outline (lime) and a predicted mask's outline (red, dashed)."""
    ax.imshow(np.asarray(image).squeeze(), cmap="gray", vmin=0, vmax=1)
    for outline, color, style in ((mask, "lime", "-"), (pred, "red", "--")):
        if outline is not None:
            outline = np.asarray(outline).squeeze()
            if outline.shape != np.asarray(image).squeeze().shape[:2]:
                raise ValueError(
                    f"mask shape {outline.shape} does not match image {np.asarray(image).shape}."
                )
            if outline.min() < 0.5 < outline.max():  # contour of an all-0 or all-1 mask is empty
                ax.contour(outline, levels=[0.5], colors=color, linewidths=1.2, linestyles=style)
    ax.set_title(title or "", fontsize=9)
    ax.axis("off")


def plot_seeds(table, *, metric: str | None = None, ax=None, title: str | None = None):
    """Every seed's result as a dot per method, with the mean as a bar; `table` from over_seeds."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or not {"seed", "method", "metric", "value"} <= set(table.columns):
        raise TypeError("Expected the table course_utils.repeats.over_seeds returns.")
    metrics = list(dict.fromkeys(table["metric"]))
    metric = metric or (metrics[0] if len(metrics) == 1 else None)
    if metric not in metrics:
        raise KeyError(f"Name the metric to plot: one of {metrics}.")
    rows = table[table["metric"] == metric]
    methods = list(dict.fromkeys(rows["method"]))
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(3.5, 1.2 * len(methods) + 1.5), 3.2))
    else:
        fig = ax.figure
    for i, method in enumerate(methods):
        values = rows.loc[rows["method"] == method, "value"].to_numpy()
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        ax.scatter(i + jitter, values, s=28, color=plt.cm.tab10(i % 10), zorder=3)
        ax.hlines(values.mean(), i - 0.28, i + 0.28, color="black", lw=2, zorder=4)
    ax.set_xticks(
        range(len(methods)),
        methods,
        rotation=15 if len(methods) > 3 else 0,
        ha="right" if len(methods) > 3 else "center",
    )
    n_seeds = rows["seed"].nunique()
    ax.set(ylabel=metric, title=title or f"{metric}: each dot one seed ({n_seeds}), bar = mean")
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
