"""Progress a learner can see during long training, without flooding the stored outputs."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

import keras

T = TypeVar("T")


def _format_seconds(seconds: float) -> str:
    """12 s, 3 min 05 s."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _format_metrics(metrics: Mapping[str, float] | None) -> str:
    """'loss 0.123 · val_loss 0.145' for the finite numbers among `metrics`."""
    parts = []
    for name, value in (metrics or {}).items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(value):
            parts.append(f"{name} {value:.4g}")
    return " · ".join(parts)


class Progress:
    """Throttled one-line progress reports: at most one line every `every` seconds, plus a closing line."""

    def __init__(self, desc: str, total: int | None = None, *, every: float = 10.0, enabled: bool = True):
        if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 1):
            raise ValueError(f"total must be a positive integer or None, got {total!r}.")
        if not every >= 0:
            raise ValueError(f"every must be >= 0 seconds, got {every!r}.")
        self.desc, self.total, self.every, self.enabled = desc, total, float(every), enabled
        self.start = time.perf_counter()
        self._last_line = self.start
        self.done = 0
        self.lines = 0

    def _line(self, metrics: Mapping[str, float] | None, closing: bool) -> str:
        elapsed = time.perf_counter() - self.start
        step = f"{self.done}/{self.total}" if self.total else f"{self.done}"
        text = f"{self.desc}: {step} · {_format_metrics(metrics)}".rstrip(" ·")
        if closing:
            return f"{text} · done in {_format_seconds(elapsed)}"
        if self.total and self.done:
            left = elapsed / self.done * (self.total - self.done)
            return f"{text} · {_format_seconds(elapsed)} elapsed, ~{_format_seconds(left)} left"
        return f"{text} · {_format_seconds(elapsed)} elapsed"

    def update(self, step: int | None = None, metrics: Mapping[str, float] | None = None) -> None:
        """Record that `step` steps are done (default: one more) and print a line if one is due."""
        self.done = self.done + 1 if step is None else int(step)
        now = time.perf_counter()
        final = self.total is not None and self.done >= self.total
        if self.enabled and not final and now - self._last_line >= self.every:
            print(self._line(metrics, closing=False), flush=True)
            self._last_line, self.lines = now, self.lines + 1

    def close(self, metrics: Mapping[str, float] | None = None) -> None:
        """Print the closing summary line."""
        if self.enabled:
            print(self._line(metrics, closing=True), flush=True)
            self.lines += 1


class KerasProgress(keras.callbacks.Callback):
    """A Keras callback that reports epochs, loss and time left through `Progress` (use with verbose=0)."""

    def __init__(self, desc: str, *, every: float = 10.0, enabled: bool = True):
        super().__init__()
        self.desc, self.every, self.enabled = desc, every, enabled
        self.progress: Progress | None = None
        self._logs: dict = {}

    def on_train_begin(self, logs=None):
        total = self.params.get("epochs") if self.params else None
        self.progress = Progress(self.desc, total or None, every=self.every, enabled=self.enabled)

    def on_epoch_end(self, epoch, logs=None):
        self._logs = dict(logs or {})
        self.progress.update(epoch + 1, self._logs)

    def on_train_end(self, logs=None):
        self.progress.close(self._logs)


def track(iterable: Iterable[T], desc: str, *, total: int | None = None, every: float = 10.0,
          enabled: bool = True) -> Iterator[T]:  # fmt: skip
    """Iterate with throttled progress lines (for custom training loops)."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    progress = Progress(desc, total or None, every=every, enabled=enabled)
    for item in iterable:
        yield item
        progress.update()
    progress.close()
