"""Timing that means something on a shared CPU: wall and CPU seconds, best of repeats, per epoch."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np


class Stopwatch:
    """`with Stopwatch() as sw: ...` then `sw.wall` and `sw.cpu` (process CPU seconds, all threads)."""

    def __enter__(self) -> Stopwatch:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self.wall = self.cpu = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def timed(fn: Callable, *args, **kwargs) -> tuple[Any, float]:
    """Call fn once: (its result, wall seconds)."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def best_time(fn: Callable, *args, repeats: int = 3, warmup: bool = True, **kwargs) -> float:
    """Fastest wall time of `repeats` calls (after one warm-up call that traces/compiles)."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")
    if warmup:
        fn(*args, **kwargs)
    return min(timed(fn, *args, **kwargs)[1] for _ in range(repeats))


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch; `median` skips the first (tracing) epoch when there are others."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)

    @property
    def median(self) -> float:
        """Median seconds per epoch, the first epoch left out when there are others."""
        if not getattr(self, "seconds", None):
            raise RuntimeError("EpochTimer has timed no epoch yet: pass it to fit(callbacks=[...]).")
        steady = self.seconds[1:] or self.seconds
        return float(np.median(steady))
