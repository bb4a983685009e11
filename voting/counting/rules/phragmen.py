"""Sequential Phragmén for approval ballots (pabutools ``sequential_phragmen``).

Voters carry a load (money spent on their behalf).  Each round the project
whose supporters would end up with the smallest common load
``(sum of their loads + cost) / supporters`` is bought and its supporters'
loads are set to that value; ties go to the smaller project id as a string.
Projects costing more than the budget are excluded at the start.  The rule
stops at the first round whose best project (or any project tied with it)
does not fit: it does not skip it and go on.

Exact and fast: all supporters of a bought project get the same load, so
voters fall into a few load classes (one per round).  A project's new load is
``sum(count in class x class load)``, counted with NumPy and summed with
Fractions over at most one term per round.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..profile import CompiledProfile


@dataclass
class PhragmenResult:
    selected: list[int]
    #: Load of the supporters of each selected project after its round.
    loads: list[Fraction] = field(default_factory=list)
    #: The project that did not fit and stopped the rule (if any).
    blocked_by: int | None = None
    blocked_load: Fraction | None = None
    over_budget: list[int] = field(default_factory=list)


def phragmen(cp: CompiledProfile) -> PhragmenResult:
    budget = cp.budget
    mult_f = cp.mult.astype(np.float64)
    remaining = [j for j in range(cp.n_projects) if cp.costs[j] <= budget]
    over = [j for j in range(cp.n_projects) if cp.costs[j] > budget]
    load_class = np.zeros(cp.n_groups, dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    cache: dict[int, Fraction | None] = {}
    result = PhragmenResult(selected=[], over_budget=over)
    spent = Fraction(0)

    def new_load(j: int) -> Fraction | None:
        score = cp.scores[j]
        if score == 0:
            return None  # infinite: nobody shares the cost
        s = cp.supporters[j]
        counts = np.bincount(load_class[s], weights=mult_f[s], minlength=len(loads))
        total = Fraction(0)
        for c in np.nonzero(counts)[0].tolist():
            if loads[c]:
                total += int(round(counts[c])) * loads[c]
        return (total + cp.costs[j]) / score

    while remaining:
        for j in remaining:
            if j not in cache:
                cache[j] = new_load(j)
        finite = [cache[j] for j in remaining if cache[j] is not None]
        best = min(finite) if finite else None
        tied = [j for j in remaining if cache[j] == best]
        if any(spent + cp.costs[j] > budget for j in tied):
            blocker = min(tied, key=cp.tie_key)
            result.blocked_by = blocker
            result.blocked_load = best
            break
        chosen = min(tied, key=cp.tie_key)
        remaining.remove(chosen)
        spent += cp.costs[chosen]
        result.selected.append(chosen)
        result.loads.append(best if best is not None else Fraction(0))
        s = cp.supporters[chosen]
        if len(s) and best is not None:
            loads.append(best)
            load_class[s] = len(loads) - 1
            touched = np.zeros(cp.n_groups, dtype=bool)
            touched[s] = True
            for j in remaining:
                if cache.get(j) is not None and touched[cp.supporters[j]].any():
                    del cache[j]
    return result
