"""Seeded repeats: run an experiment over seeds, summarise the spread and the paired differences."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from course_utils.progress import Progress

COLUMNS = ["seed", "method", "metric", "value"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow/Keras and start from a clean Keras session."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(int(seed))


def _check_seeds(seeds: Iterable[int]) -> list[int]:
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: pass at least one seed, e.g. course.seeds.")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be non-negative integers, got {s!r}.")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat ({seeds}): each run needs its own seed.")
    return [int(s) for s in seeds]


def _rows(seed: int, result, metric: str) -> list[dict]:
    """Rows of one run: {method: value} or {method: {metric: value}}."""
    if not isinstance(result, Mapping) or not result:
        raise TypeError(
            "The experiment must return a non-empty dict, {method: value} or {method: {metric: value}}, "
            f"got {type(result).__name__}."
        )
    rows = []
    for method, value in result.items():
        metrics = value if isinstance(value, Mapping) else {metric: value}
        for name, number in metrics.items():
            try:
                number = float(number)
            except (TypeError, ValueError) as err:
                raise TypeError(f"{method} / {name}: expected a number, got {number!r}.") from err
            rows.append({"seed": seed, "method": str(method), "metric": str(name), "value": number})
    return rows


def over_seeds(
    experiment: Callable[[int], Mapping],
    seeds: Iterable[int],
    *,
    metric: str = "value",
    desc: str = "seeds",
    progress: bool = True,
) -> pd.DataFrame:
    """Run `experiment(seed)` once per seed (each freshly seeded); a tidy table seed/method/metric/value."""
    seeds = _check_seeds(seeds)
    if not callable(experiment):
        raise TypeError(f"experiment must be a function of the seed, got {type(experiment).__name__}.")
    bar = Progress(desc, len(seeds), every=0.0, enabled=progress and len(seeds) > 1)
    rows: list[dict] = []
    for seed in seeds:
        seed_everything(seed)
        rows += _rows(seed, experiment(seed), metric)
        bar.update()
    bar.close()
    return pd.DataFrame(rows, columns=COLUMNS)


def _check_table(table: pd.DataFrame) -> None:
    if not isinstance(table, pd.DataFrame) or not set(COLUMNS) <= set(table.columns):
        raise TypeError(f"Expected the table over_seeds returns (columns {COLUMNS}).")
    if table.empty:
        raise ValueError("The table is empty: no runs to summarise.")


def summarise(
    table: pd.DataFrame, reference: str | None = None, *, higher_is_better: bool = True
) -> pd.DataFrame:
    """Per method and metric: seeds, mean, std, min, max; with `reference`, the paired differences too."""
    _check_table(table)
    grouped = table.groupby(["metric", "method"], sort=False)["value"]
    summary = grouped.agg(
        seeds="count", mean="mean", std=lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
        min="min", max="max",
    )  # fmt: skip
    if reference is not None:
        if reference not in set(table["method"]):
            raise KeyError(f"No method {reference!r} in the table; it has {sorted(set(table['method']))}.")
        wide = table.pivot_table(index=["metric", "seed"], columns="method", values="value")
        diffs = wide.sub(wide[reference], axis=0)
        sign = 1 if higher_is_better else -1
        stats = []
        for (metric, method), _ in summary.iterrows():
            d = diffs.loc[metric, method].dropna()
            stats.append({
                "diff_mean": d.mean(), "diff_min": d.min(), "diff_max": d.max(),
                "better_in": f"{int((sign * d > 0).sum())}/{len(d)}",
            })  # fmt: skip
        summary = pd.concat([summary, pd.DataFrame(stats, index=summary.index)], axis=1)
        summary.loc[(slice(None), reference), "better_in"] = "—"
    return summary


def verdict(
    table: pd.DataFrame, method: str, reference: str, *, metric: str | None = None,
    higher_is_better: bool = True, tolerance: float = 0.0,
) -> str:  # fmt: skip
    """A sentence worded by the paired differences, e.g. 'ahead of X in 3/3 seeds, by 0.012 to 0.031'."""
    _check_table(table)
    metrics = sorted(set(table["metric"]))
    metric = metric or (metrics[0] if len(metrics) == 1 else None)
    if metric not in metrics:
        raise KeyError(f"Name the metric: one of {metrics}.")
    wide = table[table["metric"] == metric].pivot_table(index="seed", columns="method", values="value")
    for name in (method, reference):
        if name not in wide.columns:
            raise KeyError(f"No method {name!r} in the table; it has {sorted(wide.columns)}.")
    raw = (wide[method] - wide[reference]).dropna()
    better = raw if higher_is_better else -raw
    n, ahead, behind = len(raw), int((better > tolerance).sum()), int((better < -tolerance).sum())
    span = f"{raw.min():+.3g} to {raw.max():+.3g}" if n > 1 else f"{raw.iloc[0]:+.3g}"
    seeds = "the one seed run" if n == 1 else f"every seed ({n}/{n})"
    where = f"({metric} of {method} minus {reference}: {span}; {'higher' if higher_is_better else 'lower'} is better)"
    if ahead == n:
        return f"{method} is ahead of {reference} in {seeds} {where}."
    if behind == n:
        return f"{method} is behind {reference} in {seeds} {where}."
    return (
        f"No consistent difference: {method} is ahead of {reference} in {ahead}/{n} seeds "
        f"and behind in {behind}/{n} {where}."
    )
