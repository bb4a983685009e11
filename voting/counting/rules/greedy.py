"""Greedy by total support (pabutools ``greedy_utilitarian_welfare`` with
``sat = weight x cost``).

Projects are ranked by total support: votes (approval), points (cumulative)
or positional score (ordinal), i.e. satisfaction per unit of cost.  A
supported project that costs nothing ranks first; ties go to the smaller
project id as a string.  Each project that still fits is taken, the others are
skipped, and the scan goes on to the end, so projects nobody supported are
still funded last if money is left.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..profile import CompiledProfile, total_cost


@dataclass
class GreedyStep:
    project: int
    selected: bool
    #: Money left after taking it, or left when it was skipped.
    left: Fraction


@dataclass
class GreedyResult:
    selected: list[int]
    steps: list[GreedyStep] = field(default_factory=list)


def ranking(cp: CompiledProfile, exclude: set[int] | None = None) -> list[int]:
    exclude = exclude or set()

    def key(j: int):
        free_and_wanted = cp.costs[j] == 0 and cp.scores[j] > 0
        return (0 if free_and_wanted else 1, -cp.scores[j], cp.ids[j])

    return sorted((j for j in range(cp.n_projects) if j not in exclude), key=key)


def greedy_fill(cp: CompiledProfile, initial: list[int]) -> GreedyResult:
    """Greedy starting from ``initial`` (used alone and as MES completion)."""
    chosen = list(initial)
    left = cp.budget - total_cost(cp, chosen)
    steps: list[GreedyStep] = []
    for j in ranking(cp, set(chosen)):
        if cp.costs[j] <= left:
            left -= cp.costs[j]
            chosen.append(j)
            steps.append(GreedyStep(j, True, left))
        else:
            steps.append(GreedyStep(j, False, left))
    return GreedyResult(selected=chosen, steps=steps)


def greedy(cp: CompiledProfile) -> GreedyResult:
    return greedy_fill(cp, [])
