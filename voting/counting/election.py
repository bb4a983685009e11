"""Immutable election model: projects, ballots and the election itself.

Money is kept as exact :class:`fractions.Fraction` values so that every rule can
decide ties by its own definition rather than by rounding.  The web app counts
in integer pence; ``.pb`` files use plain units, sometimes with decimals
(``4000.0``, ``2372571.24``).  Both fit a Fraction without loss.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

Number = int | Fraction

#: Counting semantics of a ballot.  ``approval`` also covers choose-1 and
#: knapsack ballots (a knapsack ballot approves exactly the chosen projects);
#: ``cumulative`` covers points/scoring ballots; ``ordinal`` is a ranking.
BallotType = Literal["approval", "cumulative", "ordinal"]

BALLOT_TYPE_OF_VOTE_TYPE: Mapping[str, BallotType] = MappingProxyType(
    {
        "approval": "approval",
        "choose-1": "approval",
        "knapsack": "approval",
        "cumulative": "cumulative",
        "scoring": "cumulative",
        "ordinal": "ordinal",
    }
)

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _frozen_mapping(value: Mapping[str, str] | None) -> Mapping[str, str]:
    if not value:
        return _EMPTY
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot.  ``cost`` is in the election's money unit."""

    id: str
    cost: Fraction
    name: str = ""
    district: str | None = None
    category: str | None = None
    #: Any further attributes (Pabulib columns such as ``votes`` or
    #: ``selected``), kept verbatim so that files survive a round trip.
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        cost = Fraction(self.cost)
        if cost < 0:
            raise ValueError(f"project {self.id!r} has a negative cost")
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot.

    ``projects`` lists the project ids the voter named (for ordinal ballots,
    most preferred first).  ``points`` is given only for cumulative ballots and
    is parallel to ``projects``.  ``weight`` scales the voter's influence (and,
    in the Method of Equal Shares, their share of the budget).
    """

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    weight: Fraction = Fraction(1)
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if not isinstance(self.projects, tuple):
            object.__setattr__(self, "projects", tuple(self.projects))
        if self.points is not None:
            if not isinstance(self.points, tuple):
                object.__setattr__(self, "points", tuple(self.points))
            if len(self.points) != len(self.projects):
                raise ValueError(
                    f"ballot {self.voter_id!r}: {len(self.projects)} projects but "
                    f"{len(self.points)} point values"
                )
        if not isinstance(self.weight, Fraction):
            object.__setattr__(self, "weight", Fraction(self.weight))
        if self.weight <= 0:
            raise ValueError(f"ballot {self.voter_id!r} has a non-positive weight")
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))


@dataclass(frozen=True)
class Election:
    """A participatory-budgeting election with ballots of a single type.

    ``vote_type`` is the Pabulib spelling (``approval``, ``choose-1``,
    ``knapsack``, ``cumulative``, ``scoring``, ``ordinal``); ``ballot_type``
    is derived from it and decides how ballots are counted.
    """

    projects: tuple[Project, ...]
    budget: Fraction
    ballots: tuple[Ballot, ...]
    vote_type: str = "approval"
    #: Length of a full ranking; an ordinal ballot gives ``max_length - position``
    #: points (Borda-like 3/2/1 for three picks).  Defaults to the number of
    #: projects, as pabutools does when the file does not say.
    max_length: int | None = None
    meta: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: Column order of the Pabulib PROJECTS and VOTES sections, so a file read
    #: and written again keeps its layout.  Empty for elections built in code.
    project_columns: tuple[str, ...] = ()
    vote_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.vote_type not in BALLOT_TYPE_OF_VOTE_TYPE:
            raise ValueError(f"unknown vote type {self.vote_type!r}")
        object.__setattr__(self, "budget", Fraction(self.budget))
        if self.budget < 0:
            raise ValueError("the budget is negative")
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "ballots", tuple(self.ballots))
        object.__setattr__(self, "meta", _frozen_mapping(self.meta))
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate project ids")
        known = set(ids)
        cumulative = self.ballot_type == "cumulative"
        for b in self.ballots:
            for pid in b.projects:
                if pid not in known:
                    raise ValueError(f"ballot {b.voter_id!r} names unknown project {pid!r}")
            if cumulative and b.points is None:
                raise ValueError(f"cumulative ballot {b.voter_id!r} has no points")

    @property
    def ballot_type(self) -> BallotType:
        return BALLOT_TYPE_OF_VOTE_TYPE[self.vote_type]

    @property
    def ranking_length(self) -> int:
        return self.max_length if self.max_length is not None else len(self.projects)

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def ballot_weights(self, ballot: Ballot) -> Iterator[tuple[str, Number]]:
        """The (project id, weight) pairs a ballot gives, weight > 0 only.

        The weight is what the satisfaction ``weight * cost`` and the greedy
        score are built from: 1 per approval, the points of a cumulative
        ballot, ``max_length - position`` for a ranking.  A project listed
        with 0 points is not supported.
        """
        kind = self.ballot_type
        if kind == "approval":
            seen: set[str] = set()
            for pid in ballot.projects:
                if pid not in seen:
                    seen.add(pid)
                    yield pid, 1
        elif kind == "cumulative":
            assert ballot.points is not None
            totals: dict[str, Number] = {}
            for pid, pts in zip(ballot.projects, ballot.points, strict=False):
                totals[pid] = totals.get(pid, 0) + pts
            for pid, pts in totals.items():
                if pts > 0:
                    yield pid, pts
        else:
            length = self.ranking_length
            seen = set()
            for pos, pid in enumerate(ballot.projects):
                if pid not in seen and length - pos > 0:
                    seen.add(pid)
                    yield pid, length - pos

    @property
    def total_weight(self) -> Fraction:
        return sum((b.weight for b in self.ballots), Fraction(0))
