"""Architecture search bookkeeping: a search space as data, an evaluation budget, the Pareto front."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

Architecture = dict[str, Any]


class SearchSpace:
    """Named choices, e.g. `SearchSpace({"depth": [1, 2, 3], "kernel": [3, 5]})`; an architecture is one pick each."""

    def __init__(self, choices: Mapping[str, Sequence[Any]]) -> None:
        if not isinstance(choices, Mapping) or not choices:
            raise ValueError(
                "A search space needs at least one named choice, e.g. SearchSpace({'depth': [1, 2, 3]})."
            )
        self.choices: dict[str, tuple[Any, ...]] = {}
        for name, options in choices.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"Choice names must be identifiers like 'depth', got {name!r}.")
            if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
                raise TypeError(f"Choice {name!r} must be a list of options, got {options!r}.")
            if len(options) == 0:
                raise ValueError(f"Choice {name!r} has no options: give it at least one value.")
            if len(set(map(repr, options))) != len(options):
                raise ValueError(f"Choice {name!r} lists an option twice: {list(options)}.")
            self.choices[name] = tuple(options)

    def __repr__(self) -> str:
        return f"SearchSpace({self.choices}) with {self.size} architectures"

    @property
    def size(self) -> int:
        """How many different architectures the space holds."""
        return math.prod(len(options) for options in self.choices.values())

    def __iter__(self) -> Iterator[Architecture]:
        """Every architecture, in a fixed order (only sensible for small spaces)."""
        for values in product(*self.choices.values()):
            yield dict(zip(self.choices, values))

    def check(self, arch: Mapping[str, Any]) -> Architecture:
        """Return `arch` as a dict after checking it picks one listed option for every choice."""
        if not isinstance(arch, Mapping):
            raise TypeError(f"An architecture is a dict of choices, got {type(arch).__name__}.")
        missing, extra = set(self.choices) - set(arch), set(arch) - set(self.choices)
        if missing or extra:
            raise ValueError(
                f"Architecture {dict(arch)} does not match the space: "
                f"missing {sorted(missing)}, unknown {sorted(extra)}."
            )
        for name, value in arch.items():
            if value not in self.choices[name]:
                raise ValueError(
                    f"{name}={value!r} is not an option; choose from {list(self.choices[name])}."
                )
        return {name: arch[name] for name in self.choices}

    def sample(self, rng: np.random.Generator) -> Architecture:
        """One architecture drawn uniformly at random."""
        return {name: options[rng.integers(len(options))] for name, options in self.choices.items()}

    def mutate(self, arch: Mapping[str, Any], rng: np.random.Generator) -> Architecture:
        """A copy of `arch` with one choice changed to a different option."""
        child = self.check(arch)
        mutable = [name for name, options in self.choices.items() if len(options) > 1]
        if not mutable:
            raise ValueError("Every choice in this space has a single option: there is nothing to mutate.")
        name = mutable[rng.integers(len(mutable))]
        others = [option for option in self.choices[name] if option != child[name]]
        child[name] = others[rng.integers(len(others))]
        return child

    def keras_tuner(self, hp) -> Architecture:
        """The same space declared to KerasTuner: `hp.Choice` per name; returns the picked architecture."""
        # KerasTuner stores True/False as 1/0: give back the option the pick equals.
        return {
            name: options[options.index(hp.Choice(name, list(options)))]
            for name, options in self.choices.items()
        }


@dataclass(frozen=True)
class Trial:
    """One evaluated architecture: its score (higher is better), size and training time."""

    arch: Architecture
    score: float
    params: int
    seconds: float


class BudgetExhausted(RuntimeError):
    """A search tried to evaluate more architectures than its budget allows."""


@dataclass
class SearchBudget:
    """A fixed number of evaluations; records each trial and refuses the one over budget."""

    evaluations: int
    trials: list[Trial] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.evaluations, bool) or not isinstance(self.evaluations, (int, np.integer)):
            raise TypeError(f"The budget is a whole number of evaluations, got {self.evaluations!r}.")
        if self.evaluations <= 0:
            raise ValueError(f"The budget must allow at least one evaluation, got {self.evaluations}.")

    @property
    def remaining(self) -> int:
        """Evaluations left."""
        return self.evaluations - len(self.trials)

    @property
    def exhausted(self) -> bool:
        """True once every evaluation is spent."""
        return self.remaining <= 0

    @property
    def seconds(self) -> float:
        """Training time spent so far."""
        return float(sum(trial.seconds for trial in self.trials))

    def record(self, arch: Mapping[str, Any], score: float, params: int, seconds: float) -> Trial:
        """Add one evaluation; raises `BudgetExhausted` when none is left."""
        if self.exhausted:
            raise BudgetExhausted(
                f"The budget of {self.evaluations} evaluations is spent: stop the search loop "
                "when budget.exhausted is True."
            )
        if not np.isfinite(score):
            raise ValueError(f"score must be a finite number, got {score!r} for {dict(arch)}.")
        trial = Trial(dict(arch), float(score), int(params), float(seconds))
        self.trials.append(trial)
        return trial

    def best(self) -> Trial:
        """The trial with the highest score (the first one on a tie)."""
        if not self.trials:
            raise ValueError("No trial recorded yet: evaluate at least one architecture first.")
        return max(self.trials, key=lambda trial: trial.score)

    def best_so_far(self) -> list[float]:
        """The best score after each evaluation (the search's progress curve)."""
        return np.maximum.accumulate([trial.score for trial in self.trials]).tolist()

    def table(self):
        """The trials as a pandas DataFrame, one column per choice plus score, params and seconds."""
        import pandas as pd

        return pd.DataFrame(
            [{**t.arch, "score": t.score, "params": t.params, "seconds": t.seconds} for t in self.trials]
        )


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> np.ndarray:
    """Indices of the non-dominated points, by cost; of several identical points, only the first."""
    costs, scores = np.asarray(costs, dtype=float), np.asarray(scores, dtype=float)
    if costs.ndim != 1 or costs.shape != scores.shape:
        raise ValueError(
            f"costs and scores must be 1-D and equally long, got {costs.shape} and {scores.shape}."
        )
    if len(costs) == 0:
        raise ValueError("The Pareto front of no points is undefined: pass at least one trial.")
    if not (np.all(np.isfinite(costs)) and np.all(np.isfinite(scores))):
        raise ValueError("costs and scores must be finite numbers.")
    order = np.lexsort((-scores, costs))  # by cost, then best score first
    front, best = [], -np.inf
    for i in order:
        if scores[i] > best:
            front.append(i)
            best = scores[i]
    return np.array(front, dtype=int)
