"""The table of counting rules the web app lists (name -> :class:`Rule`)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from ..money import MoneyFormatter
from ..outcome import ProjectRecord
from ..profile import CompiledProfile

# Imported under other names so ``rules.greedy`` etc. stay the submodules.
from .greedy import greedy as _run_greedy
from .greedy import greedy_fill as _greedy_fill
from .mes import MesResult
from .mes import mes as _run_mes
from .mes import mes_add1 as _run_mes_add1
from .mes import mes_exhaustion as _run_mes_exhaustion
from .phragmen import phragmen as _run_phragmen

#: Called with the number of steps done so far by long-running rules.
StepProgress = Callable[[int], None]


@dataclass(frozen=True)
class RuleRun:
    selected: list[int]
    records: dict[int, ProjectRecord]
    sentences: dict[int, str]
    details: dict[str, Any]


@dataclass(frozen=True)
class CountSettings:
    #: What the add-1 completion adds to every voter's budget per step, in
    #: the election's money unit (pabutools: 1).  An election counted in pence
    #: that should add £1 per step passes 100.
    add1_unit: Fraction = Fraction(1)


RuleFunction = Callable[[CompiledProfile, MoneyFormatter, "StepProgress | None", CountSettings],
                        RuleRun]


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    #: Ballot types (``approval``, ``cumulative``, ``ordinal``) it can count.
    ballot_types: frozenset[str]
    description: str
    function: RuleFunction


def _greedy(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
            settings: CountSettings) -> RuleRun:
    from ..explain import explain_greedy

    result = _run_greedy(cp)
    records: dict[int, ProjectRecord] = {}
    sentences: dict[int, str] = {}
    explain_greedy(cp, result, money, records, sentences)
    return RuleRun(result.selected, records, sentences, {})


def _cached_add1(cp: CompiledProfile, progress: StepProgress | None,
                 settings: CountSettings) -> MesResult:
    key = f"mes_add1:{settings.add1_unit}"
    if key not in cp.cache:
        cp.cache[key] = _run_mes_add1(cp, progress, unit=settings.add1_unit)
    return cp.cache[key]


def _cached_mes(cp: CompiledProfile, progress: StepProgress | None = None,
                settings: CountSettings | None = None) -> MesResult:
    if "mes" not in cp.cache:
        cp.cache["mes"] = _run_mes(cp)
    return cp.cache["mes"]


def _mes_family(stage: Callable[[CompiledProfile, StepProgress | None, CountSettings], MesResult],
                complete: bool):
    def run(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
            settings: CountSettings) -> RuleRun:
        from ..explain import explain_greedy, explain_mes

        result = stage(cp, progress, settings)
        records: dict[int, ProjectRecord] = {}
        sentences: dict[int, str] = {}
        explain_mes(cp, result, money, records, sentences)
        selected = list(result.selected)
        if complete:
            filled = _greedy_fill(cp, selected)
            explain_greedy(cp, filled, money, records, sentences, completion=True,
                           start_position=len(selected))
            selected = filled.selected
        details: dict[str, Any] = {
            "per_voter_budget": result.run.per_voter * cp.voter_scale,
            "mes_selected": [cp.ids[j] for j in result.selected],
        }
        if result.variant != "mes":
            details["steps"] = result.steps
        if result.virtual_budget is not None:
            details["virtual_budget"] = result.virtual_budget
        return RuleRun(selected, records, sentences, details)

    return run


def _phragmen(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
              settings: CountSettings) -> RuleRun:
    from ..explain import explain_phragmen

    result = _run_phragmen(cp)
    records: dict[int, ProjectRecord] = {}
    sentences: dict[int, str] = {}
    explain_phragmen(cp, result, money, records, sentences)
    return RuleRun(result.selected, records, sentences, {})


_ALL = frozenset({"approval", "cumulative", "ordinal"})
_MES_TYPES = frozenset({"approval", "cumulative"})

_RULE_LIST = [
    Rule("greedy", "Greedy (most support first)", _ALL,
         "Fund projects in order of total support, skipping any that no longer fit.",
         _greedy),
    Rule("mes", "Method of Equal Shares", _MES_TYPES,
         "Split the budget equally among voters; fund projects their supporters can pay for, "
         "cheapest per supporter first. May leave money unspent.",
         _mes_family(_cached_mes, complete=False)),
    Rule("mes_add1", "Equal Shares, budget raised by 1 per voter", _MES_TYPES,
         "Equal Shares, re-run with every voter's share raised by one unit at a time "
         "while the outcome still fits the budget.",
         _mes_family(_cached_add1, complete=False)),
    Rule("mes_add1_greedy", "Equal Shares (add 1) with greedy completion", _MES_TYPES,
         "Equal Shares with the add-1 completion, then greedy fills what is left.",
         _mes_family(_cached_add1, complete=True)),
    Rule("mes_greedy", "Equal Shares with greedy completion", _MES_TYPES,
         "Equal Shares, then greedy fills what is left.",
         _mes_family(_cached_mes, complete=True)),
    Rule("mes_exhaustion", "Equal Shares with budget increase", _MES_TYPES,
         "Equal Shares re-run with the total budget raised by 1% at a time until the "
         "outcome uses the budget up.",
         _mes_family(lambda cp, progress, settings: _run_mes_exhaustion(cp, progress),
                     complete=False)),
    Rule("phragmen", "Sequential Phragmén", frozenset({"approval"}),
         "Voters share the cost of what they approve; each step funds the project that keeps "
         "the most loaded voter's load lowest. Stops at the first project that does not fit.",
         _phragmen),
]

#: name -> rule, in the order the web app should list them.
RULES: Mapping[str, Rule] = MappingProxyType({r.name: r for r in _RULE_LIST})


def rules_for(ballot_type: str) -> list[Rule]:
    return [r for r in RULES.values() if ballot_type in r.ballot_types]


__all__ = ["RULES", "CountSettings", "Rule", "RuleRun", "rules_for"]
