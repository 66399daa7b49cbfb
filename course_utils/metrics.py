"""Small numeric helpers that several notebooks share: errors, accuracy, sigmoid, binarising."""

from __future__ import annotations

import numpy as np


def _pair(truth, prediction, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as float arrays of one shape, finite, or a clear error."""
    truth, prediction = np.asarray(truth, dtype=float), np.asarray(prediction, dtype=float)
    if truth.shape != prediction.shape:
        raise ValueError(
            f"{name}: the truth has shape {truth.shape} and the prediction {prediction.shape}; "
            "they must match (squeeze a trailing axis of size 1?)."
        )
    if truth.size == 0:
        raise ValueError(f"{name}: nothing to compare (empty arrays).")
    if not (np.all(np.isfinite(truth)) and np.all(np.isfinite(prediction))):
        raise ValueError(f"{name}: NaN or infinity in the inputs (a diverged model or missing values?).")
    return truth, prediction


def mae(truth, prediction) -> float:
    """Mean absolute error."""
    truth, prediction = _pair(truth, prediction, "mae")
    return float(np.mean(np.abs(truth - prediction)))


def accuracy(labels, predicted) -> float:
    """Share of correct predictions; `predicted` is labels (N,) or scores (N, classes) to argmax."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    if predicted.ndim == labels.ndim + 1:
        predicted = predicted.argmax(axis=-1)
    if labels.shape != predicted.shape or labels.size == 0:
        raise ValueError(
            f"accuracy: {labels.shape} labels vs predictions {predicted.shape}; pass one label or one "
            "row of class scores per example."
        )
    return float(np.mean(labels == predicted))


def model_accuracy(model, x, y, batch_size: int = 512) -> float:
    """Accuracy of a Keras classifier (inference mode) on x, y."""
    scores = np.concatenate([np.asarray(model(x[i : i + batch_size], training=False))
                             for i in range(0, len(x), batch_size)])  # fmt: skip
    return accuracy(y, scores)


def sigmoid(x):
    """The logistic function 1 / (1 + e^-x), computed without overflow."""
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def binarise(images, threshold: float = 0.5, *, flatten: bool = False) -> np.ndarray:
    """Pixels above `threshold` -> 1.0, others 0.0 (float32); `flatten=True` gives (N, pixels)."""
    images = np.asarray(images, dtype=np.float32)
    if images.size == 0:
        raise ValueError("binarise: no images.")
    if not np.all(np.isfinite(images)):
        raise ValueError("binarise: the images hold NaN or infinity.")
    lo, hi = float(images.min()), float(images.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"binarise expects pixels in [0, 1], got [{lo:.3g}, {hi:.3g}]: divide by 255 first.")
    out = (images > threshold).astype(np.float32)
    return out.reshape(len(out), -1) if flatten else out
