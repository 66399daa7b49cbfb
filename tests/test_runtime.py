"""Tests of course_utils.runtime: profiles, budgets, the headline metric, setup()."""

from __future__ import annotations

import json

import pytest

from course_utils.runtime import Course, resolve_profile, setup


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "FULL")
    assert resolve_profile() == "full"
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert resolve_profile() == "quick"


def test_profile_defaults_to_quick_under_tests(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert resolve_profile() == "quick"  # PYTEST_CURRENT_TEST is set


def test_profile_defaults_to_full_for_learners(monkeypatch):
    for name in ("COURSE_PROFILE", "PYTEST_CURRENT_TEST", "CI"):
        monkeypatch.delenv(name, raising=False)
    assert resolve_profile() == "full"


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Unknown profile 'fast'.*COURSE_PROFILE"):
        resolve_profile("fast")


def test_pick_follows_the_profile():
    assert Course("quick", 0).pick(quick=2, full=15) == 2
    assert Course("full", 0).pick(quick=2, full=15) == 15


def test_headline_passes_and_records(tmp_path, monkeypatch, capsys):
    log = tmp_path / "metrics.jsonl"
    monkeypatch.setenv("COURSE_METRICS_FILE", str(log))
    assert Course("quick", 0).headline("accuracy", 0.9, quick_floor=0.8, full_target=0.97) == 0.9
    assert "accuracy = 0.9000" in capsys.readouterr().out
    row = json.loads(log.read_text())
    assert row == {
        "metric": "accuracy", "value": 0.9, "spread": 0.0, "seeds": 1, "floor": 0.8, "target": 0.97,
        "baseline": None, "baseline_name": "", "profile": "quick", "higher_is_better": True,
    }  # fmt: skip


def test_headline_takes_one_value_per_seed(tmp_path, monkeypatch, capsys):
    log = tmp_path / "metrics.jsonl"
    monkeypatch.setenv("COURSE_METRICS_FILE", str(log))
    mean = Course("full", 0).headline(
        "accuracy", [0.97, 0.98, 0.99], quick_floor=0.8, full_target=0.97, baseline=0.1,
        baseline_name="chance", margin=0.5,
    )  # fmt: skip
    assert mean == pytest.approx(0.98)
    out = capsys.readouterr().out
    assert "0.9800 ± 0.0100 over 3 seeds" in out and "chance 0.1000" in out
    row = json.loads(log.read_text())
    assert row["seeds"] == 3 and row["spread"] == pytest.approx(0.01) and row["baseline_name"] == "chance"


def test_headline_floor_must_beat_the_baseline_by_the_margin():
    course = Course("quick", 0)
    with pytest.raises(AssertionError, match="not above chance"):
        course.headline(
            "acc", 0.9, quick_floor=0.15, full_target=0.9, baseline=0.1, baseline_name="chance", margin=0.1
        )
    with pytest.raises(AssertionError, match="not below copy-last"):
        course.headline(
            "MAE", 10.0, quick_floor=20.0, full_target=15.0, baseline=20.5, baseline_name="copy-last",
            margin=1.0, higher_is_better=False,
        )  # fmt: skip
    course.headline(
        "MAE", 10.0, quick_floor=19.0, full_target=15.0, baseline=20.5, margin=1.0, higher_is_better=False
    )
    with pytest.raises(ValueError, match="margin > 0"):
        course.headline("acc", 0.9, quick_floor=0.5, full_target=0.9, baseline=0.1)
    with pytest.raises(ValueError, match="easier than the quick floor"):
        course.headline("acc", 0.9, quick_floor=0.8, full_target=0.7)
    with pytest.raises(ValueError, match="one number per seed"):
        course.headline("acc", [[0.9]], quick_floor=0.5, full_target=0.9)


def test_seeds_progress_and_track_follow_the_profile(capsys):
    quick, full = Course("quick", 7), Course("full", 7)
    assert quick.seeds == (7,) and full.seeds == (7, 8, 9)
    assert not quick.progress("x").enabled and full.progress("x").enabled
    assert list(quick.track(range(3), "loop", every=0)) == [0, 1, 2]
    assert capsys.readouterr().out == ""
    assert list(full.track(range(2), "loop", every=0)) == [0, 1]
    assert "loop: 2/2" in capsys.readouterr().out
    table = full.over_seeds(lambda seed: {"m": seed})
    assert table["value"].tolist() == [7, 8, 9]
    assert "seeds: 3/3" in capsys.readouterr().out


def test_headline_fails_under_the_floor_of_its_profile():
    with pytest.raises(AssertionError, match="expected ≥ 0.97 in the full profile"):
        Course("full", 0).headline("accuracy", 0.9, quick_floor=0.8, full_target=0.97)


def test_headline_for_errors_and_nan():
    Course("quick", 0).headline("MAE", 10.0, quick_floor=12.0, full_target=9.0, higher_is_better=False)
    with pytest.raises(AssertionError, match="≤ 12.0"):
        Course("quick", 0).headline("MAE", 13.0, quick_floor=12.0, full_target=9.0, higher_is_better=False)
    with pytest.raises(AssertionError, match="diverged"):
        Course("quick", 0).headline("loss", float("nan"), quick_floor=1, full_target=1)


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_setup_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        setup(seed=seed)


def test_setup_seeds_and_reports(capsys):
    import numpy as np
    import tensorflow as tf

    course = setup(seed=7, profile="quick")
    assert course.profile == "quick" and course.seed == 7 and "CPU:0" in course.devices
    first = (np.random.rand(), float(tf.random.uniform(())))
    setup(seed=7, profile="quick")
    assert (np.random.rand(), float(tf.random.uniform(()))) == first
    assert "profile: quick | seed: 7" in capsys.readouterr().out


def test_setup_builds_models_first_unless_told_not_to():
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    setup(seed=0, profile="quick", verbose=False, prebuild=False)
    assert not hasattr(TensorFlowTrainer._maybe_symbolic_build, "keras_own")
    setup(seed=0, profile="quick", verbose=False)
    assert hasattr(TensorFlowTrainer._maybe_symbolic_build, "keras_own")


# After setup(): how many objects are frozen, and whether a cycle made later is still collected.
FRESH_SETUP = """
import gc, weakref
import course_utils
course_utils.setup(profile="quick")
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a
alive = weakref.ref(a)
del a, b
gc.collect()
print("frozen", gc.get_freeze_count(), "cycle collected", alive() is None)
"""


def test_setup_silences_tensorflow_before_import_and_freezes_it():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FRESH_SETUP], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", f"TensorFlow wrote to stderr: {done.stderr[:300]!r}"
    assert "profile: quick" in done.stdout
    frozen = int(done.stdout.split("frozen ")[1].split()[0])
    assert frozen > 100_000, done.stdout  # TensorFlow's and Keras's objects, skipped by every gc.collect()
    assert "cycle collected True" in done.stdout


@pytest.mark.parametrize("count", [0, -1, 1.5, True, "2"])
def test_setup_rejects_bad_cpu_device_counts(count):
    with pytest.raises(ValueError, match="cpu_devices must be a positive integer"):
        setup(profile="quick", cpu_devices=count)


def test_setup_splits_the_cpu_or_says_why_it_cannot():
    import subprocess
    import sys

    script = """
import course_utils
course = course_utils.setup(profile="quick", cpu_devices=2, verbose=False)
import tensorflow as tf
print(course.devices, len(tf.config.list_logical_devices("CPU")))
course_utils.setup(profile="quick", cpu_devices=2, verbose=False)  # a rerun in the same kernel is fine
try:
    course_utils.setup(profile="quick", cpu_devices=3, verbose=False)
except RuntimeError as err:
    print(err)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()[:2]
    assert first.startswith("('CPU:0', 'CPU:1'") and first.endswith(" 2")
    assert "TensorFlow has already started" in second and "Restart the kernel" in second
