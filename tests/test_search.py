"""Tests of course_utils.search: the space as data, the evaluation budget, the Pareto front."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.search import BudgetExhausted, SearchBudget, SearchSpace, pareto_front

SPACE = {"depth": [1, 2, 3], "width": [8, 16], "kernel": [3, 5], "skip": [False, True]}


def test_space_size_and_enumeration():
    space = SearchSpace(SPACE)
    archs = list(space)
    assert space.size == 24 == len(archs) == len({tuple(a.values()) for a in archs})
    assert archs[0] == {"depth": 1, "width": 8, "kernel": 3, "skip": False}
    assert "24 architectures" in repr(space)


def test_sample_is_seeded_and_covers_the_space():
    space = SearchSpace(SPACE)
    draws = [space.sample(np.random.default_rng(0)) for _ in range(2)]
    assert draws[0] == draws[1]
    rng = np.random.default_rng(1)
    seen = {tuple(space.sample(rng).values()) for _ in range(400)}
    assert len(seen) == 24
    assert all(space.check(dict(zip(SPACE, values))) for values in seen)


def test_mutate_changes_exactly_one_choice():
    space = SearchSpace(SPACE)
    rng = np.random.default_rng(0)
    parent = {"depth": 2, "width": 8, "kernel": 3, "skip": True}
    changed = set()
    for _ in range(200):
        child = space.mutate(parent, rng)
        diff = [k for k in SPACE if child[k] != parent[k]]
        assert len(diff) == 1
        changed.add(diff[0])
    assert changed == set(SPACE)
    assert parent == {"depth": 2, "width": 8, "kernel": 3, "skip": True}  # the parent is not modified


def test_mutate_skips_single_option_choices_and_refuses_a_frozen_space():
    rng = np.random.default_rng(0)
    space = SearchSpace({"depth": [2], "width": [8, 16]})
    assert all(space.mutate({"depth": 2, "width": 8}, rng) == {"depth": 2, "width": 16} for _ in range(5))
    with pytest.raises(ValueError, match="nothing to mutate"):
        SearchSpace({"depth": [2]}).mutate({"depth": 2}, rng)


@pytest.mark.parametrize(
    "choices, error, match",
    [
        ({}, ValueError, "at least one named choice"),
        ([("depth", [1])], ValueError, "at least one named choice"),
        ({"depth": []}, ValueError, "'depth' has no options"),
        ({"depth": "123"}, TypeError, "list of options"),
        ({"depth": [1, 1]}, ValueError, "option twice"),
        ({"2depth": [1]}, ValueError, "identifiers"),
    ],
)
def test_bad_spaces_are_clear_errors(choices, error, match):
    with pytest.raises(error, match=match):
        SearchSpace(choices)


def test_check_names_what_is_wrong():
    space = SearchSpace(SPACE)
    with pytest.raises(ValueError, match=r"missing \['skip'\], unknown \['dropout'\]"):
        space.check({"depth": 1, "width": 8, "kernel": 3, "dropout": 0.1})
    with pytest.raises(ValueError, match=r"depth=7 is not an option; choose from \[1, 2, 3\]"):
        space.check({"depth": 7, "width": 8, "kernel": 3, "skip": False})
    with pytest.raises(TypeError, match="dict of choices"):
        space.check([1, 8, 3, False])


def test_keras_tuner_sees_the_same_space():
    keras_tuner = pytest.importorskip("keras_tuner")
    hp = keras_tuner.HyperParameters()
    arch = SearchSpace(SPACE).keras_tuner(hp)
    assert arch == {"depth": 1, "width": 8, "kernel": 3, "skip": False}  # each Choice's default is its first
    assert {p.name: list(p.values) for p in hp.space} == SPACE
    hp.values.update({"depth": 3, "skip": 1})  # what KerasTuner holds for a trial that picked skip=True
    picked = SearchSpace(SPACE).keras_tuner(hp)
    assert picked["depth"] == 3 and picked["skip"] is True


def test_budget_records_trials_and_stops_at_the_limit():
    budget = SearchBudget(2)
    budget.record({"depth": 1}, 0.5, params=100, seconds=1.5)
    assert budget.remaining == 1 and not budget.exhausted
    budget.record({"depth": 2}, 0.7, params=300, seconds=2.0)
    assert budget.exhausted and budget.seconds == 3.5
    assert budget.best().arch == {"depth": 2}
    assert budget.best_so_far() == [0.5, 0.7]
    assert list(budget.table().columns) == ["depth", "score", "params", "seconds"]
    with pytest.raises(BudgetExhausted, match="2 evaluations is spent"):
        budget.record({"depth": 3}, 0.9, params=1, seconds=1)


@pytest.mark.parametrize(
    "evaluations, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_budget_must_allow_an_evaluation(evaluations, error):
    with pytest.raises(error, match="budget"):
        SearchBudget(evaluations)


def test_budget_rejects_bad_scores_and_empty_best():
    budget = SearchBudget(3)
    with pytest.raises(ValueError, match="No trial recorded"):
        budget.best()
    with pytest.raises(ValueError, match="finite"):
        budget.record({"depth": 1}, float("nan"), params=1, seconds=1)


def test_pareto_front():
    costs = [10, 20, 20, 30, 40, 5]
    scores = [0.6, 0.8, 0.7, 0.75, 0.9, 0.4]
    assert pareto_front(costs, scores).tolist() == [5, 0, 1, 4]
    assert pareto_front([1, 1], [0.5, 0.5]).tolist() == [0]  # ties: one representative
    assert pareto_front([3], [0.1]).tolist() == [0]


@pytest.mark.parametrize(
    "costs, scores, match",
    [([], [], "no points"), ([1, 2], [0.5], "equally long"), ([1, np.nan], [0.5, 0.6], "finite")],
)
def test_pareto_front_bad_input(costs, scores, match):
    with pytest.raises(ValueError, match=match):
        pareto_front(costs, scores)
