"""Ties between projects: the order that settles them, and the record of each one met.

A round's tie-breaking criteria (``maxVotes``, ``minCost``, ``maxCost``) are applied in
order, each keeping only the best of the projects still tied, as the equalshares.net tool
does.  What they leave tied goes to the smaller project id compared as a string (pabutools'
rule), and the record says so: an official count refuses that and raises
:class:`TieUnsettled` instead of guessing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .profile import CompiledProfile

#: ``broken_by`` of a tie that no configured criterion settled.
BY_ID = "project id"


class TieUnsettled(ValueError):
    """A tie the configured tie-breaking could not settle, in a count that must not guess."""

    def __init__(self, message: str, tie: Tie):
        super().__init__(message)
        self.tie = tie


@dataclass(frozen=True)
class Tie:
    #: ``greedy``, ``mes`` or ``completion``.
    stage: str
    #: MES round (1-based) or the position in the greedy order where the tie was met.
    round: int
    #: The tied projects, the one that went first first.
    projects: tuple[str, ...]
    #: What they shared: votes / points (greedy) or the price per vote (MES).
    value: Fraction
    #: ``maxVotes``, ``minCost``, ``maxCost`` or :data:`BY_ID`.
    broken_by: str

    @property
    def winner(self) -> str:
        return self.projects[0]

    @property
    def settled(self) -> bool:
        return self.broken_by != BY_ID

    def to_dict(self) -> dict:
        value = self.value
        return {"stage": self.stage, "round": self.round, "projects": list(self.projects),
                "winner": self.winner, "broken_by": self.broken_by,
                "value": value.numerator if value.denominator == 1 else float(value)}


def _criterion_key(cp: CompiledProfile, criterion: str, j: int):
    if criterion == "maxVotes":
        return -cp.scores[j]
    if criterion == "minCost":
        return cp.costs[j]
    return -cp.costs[j]


def tie_rank(cp: CompiledProfile, tie_breaking: Sequence[str]) -> tuple[int, ...]:
    """Rank of each project in the tie-breaking order (0 goes first among equals)."""
    key = ("tie_rank", tuple(tie_breaking))
    cached = cp.cache.get(key)
    if cached is not None:
        return cached
    order = sorted(range(cp.n_projects),
                   key=lambda j: (*(_criterion_key(cp, c, j) for c in tie_breaking), cp.ids[j]))
    rank = [0] * cp.n_projects
    for position, j in enumerate(order):
        rank[j] = position
    cp.cache[key] = out = tuple(rank)
    return out


def settle(cp: CompiledProfile, tied: Sequence[int], tie_breaking: Sequence[str]) -> tuple[list[int], str]:
    """The tied projects in the order they go, and the criterion that picked the first."""
    rank = tie_rank(cp, tie_breaking)
    ordered = sorted(tied, key=lambda j: rank[j])
    remaining = list(tied)
    for criterion in tie_breaking:
        best = min(_criterion_key(cp, criterion, j) for j in remaining)
        remaining = [j for j in remaining if _criterion_key(cp, criterion, j) == best]
        if len(remaining) == 1:
            return ordered, criterion
    return ordered, BY_ID


def make_tie(cp: CompiledProfile, stage: str, round_: int, tied: Sequence[int], value: Fraction,
             tie_breaking: Sequence[str]) -> Tie:
    ordered, by = settle(cp, tied, tie_breaking)
    return Tie(stage, round_, tuple(cp.ids[j] for j in ordered), Fraction(value), by)


def unsettled_message(tie: Tie, what: str) -> str:
    names = ", ".join(tie.projects)
    where = f"round {tie.round}" if tie.stage == "mes" else f"position {tie.round}"
    return (f"Projects {names} are tied ({what}, {where} of the {tie.stage} count) and the "
            f"configured tie-breaking cannot settle it; the official count stops here. "
            f"Choose tie-breaking with --tie-breaking (maxVotes, minCost, maxCost).")
