"""Greedy by total support (pabutools ``greedy_utilitarian_welfare`` with
``sat = weight x cost``), and the variants Polish cities name in Pabulib files.

Projects are ranked by total support: votes (approval), points (cumulative)
or positional score (ordinal), i.e. satisfaction per unit of cost.  A
supported project that costs nothing ranks first; ties follow the tie-breaking
order (by default the smaller project id as a string).  Each project that still
fits is taken, the others are skipped, and the scan goes on to the end, so
projects nobody supported are still funded last if money is left.

``greedy-threshold`` leaves out projects whose score is below a threshold;
``greedy-no-skip`` (also with a threshold) stops at the first project that does
not fit instead of skipping it.

A tie is recorded when the order among the tied projects changes what is
funded: when, at the tied projects' turn, those that fit one at a time do not
all fit together (then whichever goes first is funded and another is not).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ..profile import CompiledProfile, total_cost
from ..ties import Tie, make_tie, tie_rank


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
    ties: list[Tie] = field(default_factory=list)
    #: Projects left out for a score under the threshold.
    below_threshold: list[int] = field(default_factory=list)
    threshold: Fraction = Fraction(0)
    #: greedy-no-skip: the project that did not fit and stopped the count.
    stopped_by: int | None = None


def ranking(cp: CompiledProfile, exclude: set[int] | None = None,
            rank: Sequence[int] | None = None) -> list[int]:
    exclude = exclude or set()

    def key(j: int):
        free_and_wanted = cp.costs[j] == 0 and cp.scores[j] > 0
        return (0 if free_and_wanted else 1, -cp.scores[j], rank[j] if rank is not None else cp.ids[j])

    return sorted((j for j in range(cp.n_projects) if j not in exclude), key=key)


def _groups(cp: CompiledProfile, order: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    last = None
    for j in order:
        k = (cp.costs[j] == 0 and cp.scores[j] > 0, cp.scores[j])
        if groups and k == last:
            groups[-1].append(j)
        else:
            groups.append([j])
        last = k
    return groups


def greedy_fill(cp: CompiledProfile, initial: list[int], tie_breaking: Sequence[str] = (),
                threshold: Fraction = Fraction(0), no_skip: bool = False,
                stage: str = "greedy") -> GreedyResult:
    """Greedy starting from ``initial`` (used alone and as MES completion)."""
    chosen = list(initial)
    left = cp.budget - total_cost(cp, chosen)
    steps: list[GreedyStep] = []
    result = GreedyResult(selected=chosen, steps=steps, threshold=Fraction(threshold))
    rank = tie_rank(cp, tie_breaking)
    order = ranking(cp, set(chosen), rank)
    if threshold:
        result.below_threshold = [j for j in order if cp.score(j) < threshold]
        order = [j for j in order if cp.score(j) >= threshold]
    position = len(chosen)
    for group in _groups(cp, order):
        if len(group) > 1:
            fitting = [j for j in group if cp.costs[j] <= left]
            if no_skip:
                decisive = len(fitting) > 0 and sum(cp.costs[j] for j in group) > left
            else:
                decisive = sum(cp.costs[j] for j in fitting) > left
            if decisive:
                result.ties.append(make_tie(cp, stage, position + 1, fitting if not no_skip else group,
                                            cp.score(group[0]), tie_breaking))
        for j in group:
            if cp.costs[j] <= left:
                left -= cp.costs[j]
                chosen.append(j)
                position += 1
                steps.append(GreedyStep(j, True, left))
            else:
                steps.append(GreedyStep(j, False, left))
                if no_skip:
                    result.stopped_by = j
                    return result
    return result


def greedy(cp: CompiledProfile, tie_breaking: Sequence[str] = (), threshold: Fraction = Fraction(0),
           no_skip: bool = False) -> GreedyResult:
    return greedy_fill(cp, [], tie_breaking, threshold, no_skip)
