"""Seeded generators of synthetic data: cell images with masks, sequence tasks, 2-D mixtures, windows."""

from __future__ import annotations

import numpy as np


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}.")
    return int(value)


def make_cells(
    n: int,
    size: int = 64,
    *,
    cells: tuple[int, int] = (3, 9),
    radius: tuple[float, float] = (4.0, 11.0),
    noise: float = 0.08,
    blur: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Microscopy-like images (n, size, size, 1) float32 in [0, 1] and their 0/1 masks.

    Each image holds a random number of elliptical cells (sizes from `radius`, allowed to touch
    and overlap) of varied brightness with a brighter nucleus, on an uneven background; then
    Gaussian blur and pixel noise are added. The mask is the union of the cells before blur/noise.
    """
    from scipy.ndimage import gaussian_filter
    from skimage.draw import ellipse

    n, size = _positive_int(n, "n"), _positive_int(size, "size", 16)
    if not 0 < radius[0] <= radius[1] < size / 2:
        raise ValueError(
            f"radius must be (low, high) with 0 < low ≤ high < size/2 = {size / 2}, got {radius}."
        )
    if not 1 <= cells[0] <= cells[1]:
        raise ValueError(f"cells must be (low, high) with 1 ≤ low ≤ high, got {cells}.")
    if noise < 0 or blur < 0:
        raise ValueError(f"noise and blur must be ≥ 0, got noise={noise}, blur={blur}.")
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size), np.float32)
    masks = np.zeros((n, size, size), np.float32)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        gx, gy = rng.uniform(-0.15, 0.15, 2)
        image = 0.1 + gx * xx + gy * yy  # uneven illumination
        for _ in range(rng.integers(cells[0], cells[1] + 1)):
            r_major = rng.uniform(*radius)
            r_minor = r_major * rng.uniform(0.6, 1.0)
            cy, cx = rng.uniform(r_major, size - r_major, 2)
            angle = rng.uniform(-np.pi, np.pi)
            rr, cc = ellipse(cy, cx, r_major, r_minor, shape=(size, size), rotation=angle)
            brightness = rng.uniform(0.45, 0.85)
            image[rr, cc] = brightness
            masks[i, rr, cc] = 1.0
            rr, cc = ellipse(cy, cx, r_major * 0.35, r_minor * 0.35, shape=(size, size), rotation=angle)
            image[rr, cc] = min(1.0, brightness + 0.15)
        image = gaussian_filter(image, blur) if blur else image
        image = image + rng.normal(0, noise, image.shape)
        images[i] = np.clip(image, 0, 1)
    return images[..., None], masks[..., None]


def make_recall_task(
    n: int, length: int, lag: int, *, n_symbols: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Long-lag memory task: one-hot sequences (n, length, n_symbols); the label is the symbol `lag` steps before the end.

    The symbols after the target position are random distractors, so a model must carry the
    target through `lag` steps of noise to answer; chance accuracy is 1 / n_symbols.
    """
    n, length = _positive_int(n, "n"), _positive_int(length, "length", 2)
    lag, n_symbols = _positive_int(lag, "lag"), _positive_int(n_symbols, "n_symbols", 2)
    if lag >= length:
        raise ValueError(
            f"lag ({lag}) must be shorter than the sequence length ({length}); use length ≥ lag + 1."
        )
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, n_symbols, size=(n, length))
    x = np.eye(n_symbols, dtype=np.float32)[tokens]
    y = tokens[:, length - 1 - lag].astype(np.int64)
    return x, y


SEQUENCE_TASKS = ("reverse", "sort", "keyed_recall")


def make_sequence_task(
    task: str, n: int, length: int = 8, *, vocab: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Integer token sequences (n, length) and their targets for a task that needs attention.

    - "reverse": target is the input reversed (n, length).
    - "sort": target is the input sorted (n, length).
    - "keyed_recall": input is key/value pairs followed by a query key; the target (n,) is the
      value paired with that key. Keys are tokens [0, vocab) and values [vocab, 2*vocab); length
      must be odd (pairs + query).
    """
    import difflib

    if task not in SEQUENCE_TASKS:
        close = difflib.get_close_matches(str(task), SEQUENCE_TASKS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown task {task!r}.{hint} Choose one of {SEQUENCE_TASKS}.")
    n, length, vocab = (
        _positive_int(n, "n"),
        _positive_int(length, "length", 2),
        _positive_int(vocab, "vocab", 2),
    )
    rng = np.random.default_rng(seed)
    if task == "keyed_recall":
        if length % 2 == 0 or length < 3:
            raise ValueError(f"keyed_recall needs an odd length ≥ 3 (pairs + query), got {length}.")
        pairs = (length - 1) // 2
        if pairs > vocab:
            raise ValueError(f"{pairs} distinct keys need vocab ≥ {pairs}, got vocab={vocab}.")
        keys = np.argsort(rng.random((n, vocab)), axis=1)[:, :pairs]
        values = rng.integers(vocab, 2 * vocab, size=(n, pairs))
        which = rng.integers(0, pairs, size=n)
        x = np.empty((n, length), np.int64)
        x[:, 0:-1:2], x[:, 1:-1:2] = keys, values
        x[:, -1] = keys[np.arange(n), which]
        return x, values[np.arange(n), which].astype(np.int64)
    x = rng.integers(0, vocab, size=(n, length)).astype(np.int64)
    return x, (x[:, ::-1] if task == "reverse" else np.sort(x, axis=1)).copy()


def make_gaussian_mixture(
    n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) float32 from `modes` Gaussians on a circle, and each point's mode index."""
    n, modes = _positive_int(n, "n"), _positive_int(modes, "modes")
    if radius <= 0 or std <= 0:
        raise ValueError(f"radius and std must be > 0, got radius={radius}, std={std}.")
    rng = np.random.default_rng(seed)
    which = rng.integers(0, modes, size=n)
    angles = 2 * np.pi * which / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centres + rng.normal(0, std, (n, 2))).astype(np.float32), which.astype(np.int64)


def _good_samples_per_mode(samples, modes: int, radius: float, std: float) -> tuple[np.ndarray, np.ndarray]:
    # (good samples per mode, which samples are good): good = within 3 std of the nearest centre
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"samples must be a non-empty (N, 2) array, got {samples.shape}.")
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    dist = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)
    nearest, close = dist.argmin(1), dist.min(1) <= 3 * std
    return np.bincount(nearest[close], minlength=modes), close


def mixture_modes_covered(
    samples: np.ndarray, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, min_share: float = 0.01
) -> tuple[int, float]:
    """Count the mixture modes that hold ≥ min_share of samples within 3 std; also return the share of good samples."""
    counts, close = _good_samples_per_mode(samples, modes, radius, std)
    return int((counts >= min_share * len(close)).sum()), float(close.mean())


def mixture_mode_balance(
    samples: np.ndarray, *, modes: int = 8, radius: float = 2.0, std: float = 0.05
) -> float:
    """Entropy of the good samples' spread over the modes / log(modes): 1 = equal shares, 0 = one mode or none."""
    counts, _ = _good_samples_per_mode(samples, modes, radius, std)
    if counts.sum() == 0:
        return 0.0
    shares = counts[counts > 0] / counts.sum()
    return float(abs((shares * np.log(shares)).sum()) / np.log(modes))  # abs: no -0.0 for one mode


def make_windows(series, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Slide a window over a 1-D series: inputs (N, window, 1) and the value `horizon` steps after each."""
    values = np.asarray(series)
    if values.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {values.shape}; pass one column.")
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.complexfloating):
        raise TypeError(f"series must hold real numbers, got dtype {values.dtype}.")
    window, horizon = _positive_int(window, "window"), _positive_int(horizon, "horizon")
    if len(values) == 0:
        raise ValueError("series is empty.")
    count = len(values) - window - horizon + 1
    if count < 1:
        raise ValueError(
            f"A series of length {len(values)} is too short for window={window} and horizon={horizon}; "
            f"it needs at least {window + horizon} values."
        )
    if not np.all(np.isfinite(values)):
        where = np.flatnonzero(~np.isfinite(values))
        raise ValueError(
            f"series holds {len(where)} NaN/infinite values (first at index {int(where[0])}): fill gaps "
            "first (e.g. pandas .interpolate()) or the windows around them are garbage."
        )
    values = values.astype(np.float32)
    idx = np.arange(window)[None, :] + np.arange(count)[:, None]
    return values[idx][..., None], values[window + horizon - 1 :][:count]
