"""Compile an election into the compact arrays the rules work on.

Voters with identical ballots are merged into one weighted group first: in
Lodz 2022 that turns 90,494 ballots into a few tens of thousands of groups, and
every rule then works per group.  Voter weights and point values are scaled by
one common integer so that all multiplicities and weights are integers; every
rule here is invariant under such a uniform scaling, and integers keep the
NumPy sums exact.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .election import Election, Number

#: Largest integer weight or multiplicity the arrays hold (floats are exact below it).
SAFE_INT = 2**53


def _lcm_of_denominators(values: list[Fraction]) -> int:
    out = 1
    for v in values:
        out = out * v.denominator // math.gcd(out, v.denominator)
    return out


@dataclass(frozen=True)
class CompiledProfile:
    ids: tuple[str, ...]
    costs: tuple[Fraction, ...]
    budget: Fraction
    #: Integer multiplicity of each group (scaled voter weights).
    mult: np.ndarray
    #: Per project: indices of supporting groups and their integer weights.
    supporters: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    #: Per project: sum over supporters of multiplicity x weight (exact int).
    scores: tuple[int, ...]
    #: Divide ``mult`` by this to get voter weights back.
    voter_scale: int
    #: Divide a project weight by this to get points back.
    point_scale: int
    #: Number of ballots (not weighted); pabutools' bound for budget increase.
    n_ballots: int
    ballot_type: str
    #: The election's META (Pabulib keys such as ``rule``, ``min_project_score_threshold``).
    meta: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: Results shared between rules on the same profile (mes_add1 and
    #: mes_add1_greedy run the same, expensive, first stage).
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_projects(self) -> int:
        return len(self.ids)

    @property
    def n_groups(self) -> int:
        return len(self.mult)

    @property
    def total_mult(self) -> int:
        return int(self.mult.sum())

    def score(self, j: int) -> Fraction:
        """Votes / points / Borda score of project j in the election's units."""
        return Fraction(self.scores[j], self.voter_scale * self.point_scale)

    def supporter_count(self, j: int) -> Fraction:
        """Weighted number of voters supporting project j."""
        return Fraction(int(self.mult[self.supporters[j]].sum()), self.voter_scale)

    def tie_key(self, j: int) -> str:
        return self.ids[j]


def compile_election(election: Election) -> CompiledProfile:
    index = {p.id: j for j, p in enumerate(election.projects)}
    # First merge ballots that are literally identical (cheap tuple keys),
    # then bring the distinct ones to a canonical form and merge again.
    # Unit weights are counted as ints: Fraction arithmetic per ballot would
    # dominate the whole count on 90k-voter files.
    raw: dict[tuple, list] = {}
    for b in election.ballots:
        raw_key = (b.projects, b.points)
        weight = b.weight
        unit = weight.numerator == 1 and weight.denominator == 1
        entry = raw.get(raw_key)
        if entry is None:
            raw[raw_key] = [b, 1, 0] if unit else [b, 0, weight]
        elif unit:
            entry[1] += 1
        else:
            entry[2] += weight
    groups: dict[tuple[tuple[int, Number], ...], Fraction | int] = {}
    for b, units, other in raw.values():
        key = tuple(sorted((index[pid], w) for pid, w in election.ballot_weights(b)))
        w = units + other if other else units
        if isinstance(w, Fraction) and w.denominator == 1:
            w = w.numerator
        groups[key] = groups.get(key, 0) + w

    voter_scale = _lcm_of_denominators([m for m in groups.values() if isinstance(m, Fraction)])
    point_values = {w for key in groups for _, w in key}
    point_scale = _lcm_of_denominators([w for w in point_values if isinstance(w, Fraction)])
    scaled_point = {w: int(Fraction(w) * point_scale) for w in point_values}

    mult_ints = [int(Fraction(m) * voter_scale) for m in groups.values()]
    biggest = max([*mult_ints, *scaled_point.values(), 1])
    if biggest >= SAFE_INT:
        raise ValueError(f"a voter weight or point value is too large to count exactly "
                         f"({biggest} after scaling; the limit is 2^53)")
    mult = np.fromiter(mult_ints, dtype=np.int64, count=len(groups))
    n_proj = len(election.projects)
    sup_lists: list[list[int]] = [[] for _ in range(n_proj)]
    w_lists: list[list[int]] = [[] for _ in range(n_proj)]
    for g, key in enumerate(groups):
        for j, w in key:
            sup_lists[j].append(g)
            w_lists[j].append(scaled_point[w])
    supporters = tuple(np.asarray(s, dtype=np.int64) for s in sup_lists)
    weights = tuple(np.asarray(w, dtype=np.int64) for w in w_lists)
    scores = tuple(_exact_score(mult[s], w) for s, w in zip(supporters, weights, strict=True))
    return CompiledProfile(
        ids=tuple(p.id for p in election.projects),
        costs=tuple(p.cost for p in election.projects),
        budget=election.budget,
        mult=mult,
        supporters=supporters,
        weights=weights,
        scores=scores,
        voter_scale=voter_scale,
        point_scale=point_scale,
        n_ballots=len(election.ballots),
        ballot_type=election.ballot_type,
        meta=election.meta,
    )


def _exact_score(mult: np.ndarray, weights: np.ndarray) -> int:
    """Sum of multiplicity x weight, exact: int64 when it provably cannot overflow,
    Python ints otherwise (points summing past 9.2e18 once wrapped round silently)."""
    if not len(mult):
        return 0
    bound = float(np.dot(mult.astype(np.float64), weights.astype(np.float64)))
    if bound < 2.0**62:
        return int((mult * weights).sum())
    return sum(int(m) * int(w) for m, w in zip(mult.tolist(), weights.tolist(), strict=True))


def total_cost(cp: CompiledProfile, selected: list[int] | tuple[int, ...]) -> Fraction:
    return sum((cp.costs[j] for j in selected), Fraction(0))


def is_exhaustive(cp: CompiledProfile, selected: list[int], among: list[int] | None = None) -> bool:
    """No project of ``among`` (default: all) outside ``selected`` still fits."""
    chosen = set(selected)
    left = cp.budget - total_cost(cp, selected)
    candidates = range(cp.n_projects) if among is None else among
    return not any(j not in chosen and cp.costs[j] <= left for j in candidates)
