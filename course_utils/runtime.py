"""Run settings: quiet logs, seeds, devices and the quick/full profile."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

PROFILES = ("quick", "full")
T = TypeVar("T")


@contextlib.contextmanager
def _silenced_stderr_fd():
    """Point file descriptor 2 at /dev/null for a while (TF's C++ import chatter writes there).

    Under Jupyter, sys.stderr.fileno() is a copy of the original stream, while fd 2 itself is the
    pipe the kernel captures, so it is fd 2 that must be redirected.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def resolve_profile(profile: str | None = None) -> str:
    """Return the run profile: the argument, else $COURSE_PROFILE, else quick under tests/CI."""
    if profile is None:
        profile = os.environ.get("COURSE_PROFILE") or None
    if profile is None:
        under_test = "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("CI")
        profile = "quick" if under_test else "full"
    profile = profile.strip().lower()
    if profile not in PROFILES:
        raise ValueError(
            f"Unknown profile {profile!r}: use one of {PROFILES} "
            "(set COURSE_PROFILE=quick or COURSE_PROFILE=full, or pass profile=...)."
        )
    return profile


@dataclass(frozen=True)
class Course:
    """What `setup()` returns: the profile, the seed, the devices and budget helpers."""

    profile: str
    seed: int
    devices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def quick(self) -> bool:
        """True in the quick (test/CI) profile."""
        return self.profile == "quick"

    @property
    def has_gpu(self) -> bool:
        """True when TensorFlow sees a GPU."""
        return any("GPU" in d for d in self.devices)

    def pick(self, *, quick: T, full: T) -> T:
        """Return the budget for the running profile, e.g. `course.pick(quick=2, full=15)`."""
        return quick if self.quick else full

    @property
    def seeds(self) -> tuple[int, ...]:
        """Seeds for repeated runs: one in the quick profile, three in the full one."""
        return tuple(range(self.seed, self.seed + self.pick(quick=1, full=3)))

    def progress(self, desc: str, *, every: float = 10.0):
        """A Keras callback showing epochs, loss and time left in the full profile (silent in quick)."""
        from course_utils.progress import KerasProgress

        return KerasProgress(desc, every=every, enabled=not self.quick)

    def track(self, iterable: Iterable[T], desc: str, *, total: int | None = None, every: float = 10.0):
        """Iterate with progress lines in the full profile (silent in quick), for custom loops."""
        from course_utils.progress import track

        return track(iterable, desc, total=total, every=every, enabled=not self.quick)

    def over_seeds(self, experiment, *, metric: str = "value", desc: str = "seeds", seeds=None):
        """Run `experiment(seed)` over `course.seeds` (or `seeds`); the tidy table of `repeats.over_seeds`."""
        from course_utils.repeats import over_seeds

        return over_seeds(
            experiment, self.seeds if seeds is None else seeds, metric=metric, desc=desc,
            progress=not self.quick,
        )  # fmt: skip

    def headline(
        self,
        name: str,
        value: float | Sequence[float],
        *,
        quick_floor: float,
        full_target: float,
        baseline: float | None = None,
        baseline_name: str = "baseline",
        margin: float | None = None,
        higher_is_better: bool = True,
    ) -> float:
        """Assert the headline metric against this profile's floor, the floor against the no-learning
        baseline (by `margin`), and record it; `value` may be one number per seed (the mean is judged)."""
        values = np.atleast_1d(np.asarray(value, dtype=float))
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"{name}: pass one number, or one number per seed; got shape {values.shape}.")
        if not np.all(np.isfinite(values)):
            raise AssertionError(f"{name} is {values.tolist()}: the model diverged or was never evaluated.")
        mean = float(values.mean())
        spread = float(values.std(ddof=1)) if values.size > 1 else 0.0
        sign = 1.0 if higher_is_better else -1.0
        relation = "≥" if higher_is_better else "≤"
        if sign * (full_target - quick_floor) < 0:
            raise ValueError(
                f"{name}: the full target {full_target} is easier than the quick floor {quick_floor}."
            )
        if baseline is not None:
            baseline = float(baseline)
            if margin is None or not margin > 0:
                raise ValueError(
                    f"{name}: state by how much the floor must beat {baseline_name}: margin > 0."
                )
            if sign * (quick_floor - baseline) < margin:
                raise AssertionError(
                    f"{name}: the quick floor {quick_floor} is not {'above' if higher_is_better else 'below'} "
                    f"{baseline_name} ({baseline:.4g}) by the margin {margin}: a model that does not learn "
                    "could pass. Raise the floor or make the task need learning."
                )
        floor = quick_floor if self.quick else full_target
        ok = sign * (mean - floor) >= 0
        _record_metric(
            dict(metric=name, value=mean, spread=spread, seeds=int(values.size), floor=quick_floor,
                 target=full_target, baseline=baseline, baseline_name=baseline_name if baseline is not None
                 else "", profile=self.profile, higher_is_better=higher_is_better)
        )  # fmt: skip
        shown = f"{mean:.4f}" + (f" ± {spread:.4f} over {values.size} seeds" if values.size > 1 else "")
        if not ok:
            raise AssertionError(
                f"{name} = {shown}, expected {relation} {floor} in the {self.profile} profile. "
                "The model did not learn enough: check the data, the loss and the number of epochs."
            )
        against = f"; {baseline_name} {baseline:.4f}" if baseline is not None else ""
        print(f"{name} = {shown}  ({relation} {floor} required in the {self.profile} profile: OK{against})")
        return mean


def _record_metric(row: dict) -> None:
    """Append the headline metric to $COURSE_METRICS_FILE (used by the benchmark)."""
    path = os.environ.get("COURSE_METRICS_FILE")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def setup(
    seed: int = 42,
    profile: str | None = None,
    *,
    deterministic: bool = True,
    verbose: bool = True,
    cpu_devices: int | None = None,
    prebuild: bool = True,
) -> Course:
    """Silence TF logs, seed everything, configure devices and return the `Course` settings.

    `cpu_devices=2` splits the CPU into two logical devices (for tf.distribute on a laptop); it must
    happen before TensorFlow runs its first operation. `prebuild` builds each model's optimizer and
    metric variables before its first trace (`course_utils.prebuild`); False keeps Keras's own path.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    if cpu_devices is not None and (
        isinstance(cpu_devices, bool) or not isinstance(cpu_devices, (int, np.integer)) or cpu_devices < 1
    ):
        raise ValueError(f"cpu_devices must be a positive integer (e.g. 2), got {cpu_devices!r}.")
    seed = int(seed)
    profile = resolve_profile(profile)

    # Must be set before TensorFlow is imported to take effect.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    first_import = "tensorflow" not in sys.modules
    if first_import:
        with _silenced_stderr_fd():
            import tensorflow as tf  # noqa: F401
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    from course_utils import prebuild as model_prebuild

    if prebuild:
        model_prebuild.install()  # each model's first fit traces once, not twice; the same numbers
    else:
        model_prebuild.uninstall()
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # devices already initialised: keep going
            pass
    if cpu_devices is not None:
        _split_cpu(tf, int(cpu_devices))
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()

    cpus = tf.config.list_logical_devices("CPU") if cpu_devices else tf.config.list_physical_devices("CPU")
    devices = tuple(
        f"{d.device_type}:{i}"
        for kind_devices in (cpus, tf.config.list_physical_devices("GPU"))
        for i, d in enumerate(kind_devices)
    )
    _configure_matplotlib()
    if first_import:
        # clear_session() before each model runs gc.collect(), which would walk the ~400,000 objects of
        # TensorFlow, Keras and matplotlib every time (0.14 s each); frozen, they are skipped.
        gc.collect()
        gc.freeze()
    if verbose:
        print(
            f"TensorFlow {tf.__version__} | Keras {keras.__version__} | "
            f"profile: {profile} | seed: {seed} | devices: {', '.join(devices)}"
        )
    return Course(profile=profile, seed=seed, devices=devices)


def _split_cpu(tf, count: int) -> None:
    """Expose the CPU as `count` logical devices (TensorFlow allows this only before it starts)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if len(current or [None]) == count:
        return  # already so (e.g. setup() run twice in one kernel)
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as err:
        raise RuntimeError(
            f"Cannot split the CPU into {count} devices: TensorFlow has already started. Restart the "
            "kernel and call course_utils.setup(cpu_devices=...) before any TensorFlow operation."
        ) from err


def _configure_matplotlib() -> None:
    """Figures readable at 100 % zoom that keep the stored notebooks light."""
    try:
        import matplotlib as mpl
    except ImportError:
        return
    mpl.rcParams.update(
        {"figure.dpi": 90, "figure.figsize": (6.4, 3.6), "font.size": 10, "axes.titlesize": 11,
         "axes.labelsize": 10, "legend.fontsize": 9, "axes.grid": False}
    )  # fmt: skip


def project_root() -> Path:
    """The repository root (the folder that holds `course_utils/`)."""
    return Path(__file__).resolve().parent.parent
