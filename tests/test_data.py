"""Tests of course_utils.data: bundled data sets, splits, series and the checked download."""

from __future__ import annotations

import os

import numpy as np
import pytest

from course_utils.data import (
    ChecksumError,
    fetch,
    load_dataset,
    load_series,
    sha256_of,
    split,
    stratified_subset,
)


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


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_fetch_unwritable_cache(source, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(PermissionError, match="COURSE_DATA_DIR"):
        fetch(source.as_uri(), sha256_of(source), "data.bin", cache_dir=locked)


def test_fetch_unwritable_cache_path(source, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="Cannot create the cache folder"):
        fetch(source.as_uri(), sha256_of(source), "data.bin", cache_dir=blocker / "cache")


def test_fetch_offline_error_names_the_offline_sets(tmp_path):
    with pytest.raises(ConnectionError, match="bundled offline data sets are: mnist, digits, faces"):
        fetch((tmp_path / "missing.bin").as_uri(), "0" * 64, "data.bin", cache_dir=tmp_path / "c")
