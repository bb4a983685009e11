"""Sequential Phragmén for approval ballots (pabutools ``sequential_phragmen``).

Voters carry a load (money spent on their behalf).  Each round the project
whose supporters would end up with the smallest common load
``(sum of their loads + cost) / supporters`` is bought and its supporters'
loads are set to that value; ties go to the smaller project id as a string.
Projects costing more than the budget are excluded at the start.  The rule
stops at the first round whose best project (or any project tied with it)
does not fit: it does not skip it and go on.

Exact and fast: all supporters of a bought project get the same load, so
voters fall into a few load classes (one per round).  Every candidate's new
load is first computed in floats in one vectorised pass; the candidates within
a relative 1e-9 of the smallest are then compared exactly, as
``sum(count in class x class load)`` with one Fraction term per class.
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


#: Relative gap under which two float loads are compared again exactly.
TOL = 1e-9


def phragmen(cp: CompiledProfile) -> PhragmenResult:
    budget = cp.budget
    mult_f = cp.mult.astype(np.float64)
    remaining = [j for j in range(cp.n_projects) if cp.costs[j] <= budget]
    over = [j for j in range(cp.n_projects) if cp.costs[j] > budget]
    load_class = np.zeros(cp.n_groups, dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    loads_f = [0.0]
    result = PhragmenResult(selected=[], over_budget=over)
    spent = Fraction(0)

    # All supported candidates' supporters in one flat array, so that every
    # candidate's new load is one vectorised sum per round.
    supported = [j for j in remaining if cp.scores[j] > 0]
    flat_sup = np.concatenate([cp.supporters[j] for j in supported]) if supported else np.zeros(0, np.int64)
    flat_m = mult_f[flat_sup]
    sizes = [len(cp.supporters[j]) for j in supported]
    starts = np.cumsum([0] + sizes[:-1]).astype(np.int64)
    slot = {j: i for i, j in enumerate(supported)}
    cost_f = np.array([float(cp.costs[j]) for j in supported])
    score_f = np.array([float(cp.scores[j]) for j in supported])

    def exact_load(j: int) -> Fraction:
        s = cp.supporters[j]
        counts = np.bincount(load_class[s], weights=mult_f[s], minlength=len(loads))
        total = Fraction(0)
        for c in counts.nonzero()[0].tolist():
            if loads[c]:
                total += int(round(counts[c])) * loads[c]
        return (total + cp.costs[j]) / cp.scores[j]

    while remaining:
        alive = [j for j in remaining if cp.scores[j] > 0]
        if alive:
            group_load = np.asarray(loads_f)[load_class]
            sums = np.add.reduceat(flat_m * group_load[flat_sup], starts) if len(flat_sup) else np.zeros(0)
            values = (sums + cost_f) / score_f
            idx = np.array([slot[j] for j in alive])
            cand = values[idx]
            best_f = float(cand.min())
            near = [alive[i] for i in (cand <= best_f * (1 + TOL)).nonzero()[0].tolist()]
            exact = {j: exact_load(j) for j in near}
            best: Fraction | None = min(exact.values())
            tied = [j for j in near if exact[j] == best]
        else:
            # Only projects nobody supports are left: their load is infinite
            # and they are all tied.
            best = None
            tied = list(remaining)
        if any(spent + cp.costs[j] > budget for j in tied):
            result.blocked_by = min(tied, key=cp.tie_key)
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
            loads_f.append(float(best))
            load_class[s] = len(loads) - 1
    return result
