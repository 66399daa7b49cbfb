"""Tests of course_utils.repeats: runs over seeds, the summary, paired differences and the verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_utils.repeats import over_seeds, summarise, verdict


def _experiment(seed):
    # "big" beats "small" by 0.1 + seed/100 in every seed; the values depend on the seed only
    return {"small": 0.5 + seed / 1000, "big": 0.6 + seed / 100 + seed / 1000}


def test_over_seeds_is_tidy_and_reseeds_each_run():
    table = over_seeds(lambda s: {"draw": float(np.random.rand())}, [1, 2], progress=False)
    again = over_seeds(lambda s: {"draw": float(np.random.rand())}, [1, 2], progress=False)
    assert list(table.columns) == ["seed", "method", "metric", "value"]
    assert table["value"].tolist() == again["value"].tolist()  # same seed, same draw
    assert table["value"].iloc[0] != table["value"].iloc[1]


def test_nested_results_and_metric_names():
    table = over_seeds(lambda s: {"a": {"acc": 0.9, "loss": 0.3}}, [0], metric="ignored", progress=False)
    assert sorted(table["metric"]) == ["acc", "loss"]


def test_summary_and_paired_differences():
    table = over_seeds(_experiment, [0, 1, 2], metric="accuracy", progress=False)
    summary = summarise(table, reference="small")
    big = summary.loc[("accuracy", "big")]
    assert big["seeds"] == 3 and big["better_in"] == "3/3"
    assert big["diff_min"] == pytest.approx(0.1) and big["diff_max"] == pytest.approx(0.12)
    assert big["std"] == pytest.approx(np.std([0.6, 0.611, 0.622], ddof=1))
    assert summary.loc[("accuracy", "small"), "better_in"] == "—"
    assert (
        summarise(table, reference="big", higher_is_better=False).loc[("accuracy", "small"), "better_in"]
        == "3/3"
    )


def test_verdict_is_worded_by_the_spread():
    table = over_seeds(_experiment, [0, 1, 2], metric="accuracy", progress=False)
    assert verdict(table, "big", "small").startswith("big is ahead of small in every seed (3/3)")
    assert "+0.1 to +0.12" in verdict(table, "big", "small")
    assert verdict(table, "small", "big").startswith("small is behind big in every seed")
    assert verdict(table, "big", "small", higher_is_better=False).startswith("big is behind")
    mixed = pd.DataFrame(
        {"seed": [0, 0, 1, 1], "method": ["a", "b"] * 2, "metric": ["m"] * 4, "value": [1, 0, 0, 1]}
    )
    assert verdict(mixed, "a", "b").startswith("No consistent difference: a is ahead of b in 1/2")


@pytest.mark.parametrize(
    ("seeds", "message"),
    [([], "seeds is empty"), ([1, 1], "seeds repeat"), ([-1], "non-negative"), ([1.5], "non-negative")],
)
def test_bad_seeds(seeds, message):
    with pytest.raises(ValueError, match=message):
        over_seeds(_experiment, seeds, progress=False)


def test_bad_experiments_and_tables():
    with pytest.raises(TypeError, match="function of the seed"):
        over_seeds(42, [0], progress=False)
    with pytest.raises(TypeError, match="non-empty dict"):
        over_seeds(lambda s: 0.5, [0], progress=False)
    with pytest.raises(TypeError, match="expected a number"):
        over_seeds(lambda s: {"a": "high"}, [0], progress=False)
    table = over_seeds(_experiment, [0], progress=False)
    with pytest.raises(KeyError, match="No method 'nope'"):
        summarise(table, reference="nope")
    with pytest.raises(KeyError, match="No method"):
        verdict(table, "big", "nope")
    with pytest.raises(TypeError, match="over_seeds returns"):
        summarise(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="empty"):
        summarise(table.iloc[:0])
