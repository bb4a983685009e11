"""The result of a count: which projects won, and why each project did or did not."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from .phrases import Phrase


@dataclass(frozen=True)
class ProjectRecord:
    """Structured reasons for one project (the sentence is built from these)."""

    project_id: str
    selected: bool
    #: Short code: ``greedy_selected``, ``greedy_skipped``, ``mes_selected``,
    #: ``mes_upfront``, ``mes_unaffordable``, ``completion_selected``,
    #: ``completion_skipped``, ``no_support``, ``phragmen_selected``,
    #: ``phragmen_stopped``, ``over_budget``, ``all_affordable``, ``below_threshold``,
    #: ``greedy_stopped``.
    reason: str
    cost: Fraction
    #: Votes (approval), points (cumulative) or positional score (ordinal).
    support: Fraction
    #: Weighted number of voters who support the project.
    supporters: Fraction
    #: 1-based position in the order of selection (selected projects only).
    position: int | None = None
    #: Round of MES / Phragmén in which it was selected.
    round: int | None = None
    #: Money left in the budget after it was taken, or when it was skipped.
    budget_left: Fraction | None = None
    #: MES: the most a supporter paid per unit of weight (per supporter for
    #: approval ballots, per point for cumulative ones).
    price: Fraction | None = None
    #: MES: money the supporters still had between them at the end.
    supporters_money: Fraction | None = None
    #: Phragmén: the supporters' load after it was bought.
    load: Fraction | None = None


@dataclass(frozen=True)
class Outcome:
    rule: str
    #: Selected project ids in the order the rule selected them.
    selected: tuple[str, ...]
    total_cost: Fraction
    budget: Fraction
    #: One plain sentence per project id, with numbers (in English).
    explanations: Mapping[str, str]
    records: Mapping[str, ProjectRecord]
    #: The same sentences as phrases (``voting.counting.phrases``), pieces joined by a space,
    #: for writing them in another language.
    phrases: Mapping[str, tuple[Phrase, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: Rule-specific facts, e.g. ``per_voter_budget`` (MES) or ``steps``.
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: Every tie the count met that could change the result (see ``voting.counting.ties``).
    ties: tuple[Any, ...] = ()

    @property
    def selected_sorted(self) -> list[str]:
        """Selected ids sorted as strings (the order Pabulib tools print)."""
        return sorted(self.selected)

    @property
    def budget_left(self) -> Fraction:
        return self.budget - self.total_cost

    def is_selected(self, project_id: str) -> bool:
        return project_id in set(self.selected)
