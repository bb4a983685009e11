"""The table of counting rules the web app lists (name -> :class:`Rule`)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np

from ..money import MoneyFormatter
from ..options import PABUTOOLS, CountOptions
from ..outcome import ProjectRecord
from ..phrases import N_, Phrase
from ..profile import CompiledProfile
from ..ties import Tie, make_tie

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
    #: project index -> the pieces of its explanation (see ``voting.counting.phrases``)
    sentences: dict[int, list[Phrase]]
    details: dict[str, Any]
    ties: list[Tie] = field(default_factory=list)


@dataclass(frozen=True)
class CountSettings:
    #: What the add-1 completion adds to every voter's budget per step, in
    #: the election's money unit (pabutools: 1).  An election counted in pence
    #: that should add £1 per step passes 100.  ``options.increment`` wins when set.
    add1_unit: Fraction = Fraction(1)
    #: Fully resolved options (see :mod:`voting.counting.options`).
    options: CountOptions = PABUTOOLS
    #: An official count: a tie the tie-breaking cannot settle stops it.
    strict_ties: bool = False


RuleFunction = Callable[[CompiledProfile, MoneyFormatter, "StepProgress | None", CountSettings],
                        RuleRun]


@dataclass(frozen=True)
class Rule:
    name: str
    #: The name people read, in English (marked for translation: the web app shows it in
    #: the reader's language).
    label: str
    #: Ballot types (``approval``, ``cumulative``, ``ordinal``) it can count.
    ballot_types: frozenset[str]
    description: str
    function: RuleFunction
    #: The rule's own option defaults (e.g. its completion), over pabutools'.
    defaults: CountOptions = field(default_factory=CountOptions)
    #: ``greedy``, ``mes`` or ``phragmen``: which options apply.
    family: str = "mes"


def _greedy_rule(threshold: bool, no_skip: bool) -> RuleFunction:
    def run(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
            settings: CountSettings) -> RuleRun:
        from ..explain import explain_greedy

        o = settings.options
        if o.tie_breaking is None or o.threshold is None:
            raise ValueError("count options must be resolved (CountOptions.resolved) before counting")
        result = _run_greedy(cp, o.tie_breaking, o.threshold if threshold else Fraction(0), no_skip)
        records: dict[int, ProjectRecord] = {}
        sentences: dict[int, list[Phrase]] = {}
        explain_greedy(cp, result, money, records, sentences)
        details: dict[str, Any] = {}
        if threshold:
            details["threshold"] = result.threshold
        return RuleRun(result.selected, records, sentences, details, list(result.ties))

    return run


def _mes_stage(cp: CompiledProfile, progress: StepProgress | None, o: CountOptions,
               exhaustion: bool) -> MesResult:
    if o.tie_breaking is None or o.add1 is None:
        raise ValueError("count options must be resolved (CountOptions.resolved) before counting")
    exact = o.accuracy == "exact"
    if exhaustion:
        key: tuple = ("mes_exhaustion", o.tie_breaking, exact)
        if key not in cp.cache:
            cp.cache[key] = _run_mes_exhaustion(cp, progress, o.tie_breaking, exact)
    elif o.completion in ("add1", "add1u"):
        key = ("mes_add1", o.increment, o.tie_breaking, "exhaustive" in o.add1, "integral" in o.add1, exact)
        if key not in cp.cache:
            cp.cache[key] = _run_mes_add1(cp, progress, unit=o.increment, tie_breaking=o.tie_breaking,
                                          exhaustive="exhaustive" in o.add1,
                                          integral="integral" in o.add1, exact=exact)
    else:
        key = ("mes", o.tie_breaking, exact)
        if key not in cp.cache:
            cp.cache[key] = _run_mes(cp, o.tie_breaking, exact)
    return cp.cache[key]


def compare_outcomes(cp: CompiledProfile, first: list[int], second: list[int],
                     how: str) -> tuple[Fraction, Fraction]:
    """How many voters (weighted) prefer ``first`` and how many ``second``.

    ``satisfaction``: a voter prefers the outcome that funds more of the projects they
    support; ``exclusion``: the one that funds at least one when the other funds none.
    """
    def funded(selected: list[int]) -> np.ndarray:
        counts = np.zeros(cp.n_groups, dtype=np.int64)
        for j in selected:
            counts[cp.supporters[j]] += 1
        return counts if how == "satisfaction" else (counts > 0).astype(np.int64)

    a, b = funded(first), funded(second)
    mult = cp.mult
    return (Fraction(int(mult[a > b].sum()), cp.voter_scale),
            Fraction(int(mult[b > a].sum()), cp.voter_scale))


def _mes_family(exhaustion: bool = False) -> RuleFunction:
    def run(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
            settings: CountSettings) -> RuleRun:
        from ..explain import explain_comparison, explain_greedy, explain_mes

        o = settings.options
        if o.tie_breaking is None:
            raise ValueError("count options must be resolved (CountOptions.resolved) before counting")
        result = _mes_stage(cp, progress, o, exhaustion)
        records: dict[int, ProjectRecord] = {}
        sentences: dict[int, list[Phrase]] = {}
        explain_mes(cp, result, money, records, sentences)
        ties = [make_tie(cp, "mes", r, tied, value, o.tie_breaking) for r, tied, value in result.run.ties]
        selected = list(result.selected)
        if not exhaustion and o.completion in ("utilitarian", "add1u"):
            filled = _greedy_fill(cp, selected, o.tie_breaking, stage="completion")
            explain_greedy(cp, filled, money, records, sentences, completion=True,
                           start_position=len(selected))
            selected = filled.selected
            ties += filled.ties
        details: dict[str, Any] = {
            "per_voter_budget": result.run.per_voter * cp.voter_scale,
            "start_per_voter_budget": result.start * cp.voter_scale,
            "voters": Fraction(cp.total_mult, cp.voter_scale),
            "mes_selected": [cp.ids[j] for j in result.selected],
        }
        if result.variant != "mes":
            details["steps"] = result.steps
        if result.stop:
            details["add1_stop"] = result.stop
        if result.virtual_budget is not None:
            details["virtual_budget"] = result.virtual_budget
        if not exhaustion and o.comparison != "none":
            plain = _run_greedy(cp, o.tie_breaking)
            for_mes, for_greedy = compare_outcomes(cp, selected, plain.selected, o.comparison)
            kept = "greedy" if for_greedy > for_mes else "mes"
            details["comparison"] = {"by": o.comparison, "prefer_mes": for_mes,
                                     "prefer_greedy": for_greedy, "kept": kept}
            if kept == "greedy":
                records, sentences = {}, {}
                explain_greedy(cp, plain, money, records, sentences)
                selected = list(plain.selected)
                ties = list(plain.ties)
            explain_comparison(cp, details["comparison"], selected, sentences)
        return RuleRun(selected, records, sentences, details, ties)

    return run


def _phragmen(cp: CompiledProfile, money: MoneyFormatter, progress: StepProgress | None,
              settings: CountSettings) -> RuleRun:
    from ..explain import explain_phragmen

    result = _run_phragmen(cp)
    records: dict[int, ProjectRecord] = {}
    sentences: dict[int, list[Phrase]] = {}
    explain_phragmen(cp, result, money, records, sentences)
    return RuleRun(result.selected, records, sentences, {})


_ALL = frozenset({"approval", "cumulative", "ordinal"})
_MES_TYPES = frozenset({"approval", "cumulative"})
_ADD1 = CountOptions(completion="add1")
#: The equalshares.net tool's add1, which the Pabulib-named rules follow: start from the
#: whole-unit share and raise it until the next step would overspend (no exhaustive stop).
#: Wieliczka 2023's official result needs the latter; Assen 2024's agrees either way.
_TOOL_ADD1 = CountOptions(completion="add1", add1=frozenset({"integral"}))

_RULE_LIST = [
    Rule("greedy", N_("Greedy (most support first)"), _ALL,
         "Fund projects in order of total support, skipping any that no longer fit.",
         _greedy_rule(threshold=False, no_skip=False), family="greedy"),
    Rule("mes", N_("Method of Equal Shares"), _MES_TYPES,
         "Split the budget equally among voters; fund projects their supporters can pay for, "
         "cheapest per supporter first. May leave money unspent.",
         _mes_family()),
    Rule("mes_add1", N_("Equal Shares, budget raised by 1 per voter"), _MES_TYPES,
         "Equal Shares, re-run with every voter's share raised by one unit at a time "
         "while the outcome still fits the budget.",
         _mes_family(), defaults=_ADD1),
    Rule("mes_add1_greedy", N_("Equal Shares (add 1) with greedy completion"), _MES_TYPES,
         "Equal Shares with the add-1 completion, then greedy fills what is left.",
         _mes_family(), defaults=CountOptions(completion="add1u")),
    Rule("mes_greedy", N_("Equal Shares with greedy completion"), _MES_TYPES,
         "Equal Shares, then greedy fills what is left.",
         _mes_family(), defaults=CountOptions(completion="utilitarian")),
    Rule("mes_exhaustion", N_("Equal Shares with budget increase"), _MES_TYPES,
         "Equal Shares re-run with the total budget raised by 1% at a time until the "
         "outcome uses the budget up.",
         _mes_family(exhaustion=True)),
    Rule("phragmen", N_("Sequential Phragmén"), frozenset({"approval"}),
         "Voters share the cost of what they approve; each step funds the project that keeps "
         "the most loaded voter's load lowest. Stops at the first project that does not fit.",
         _phragmen, family="phragmen"),
    # The rules Pabulib files name in META ``rule`` (what cities count with).
    Rule("greedy-threshold", N_("Greedy with a vote threshold"), _ALL,
         "Greedy among the projects whose support reaches the threshold; the others cannot win.",
         _greedy_rule(threshold=True, no_skip=False), family="greedy"),
    Rule("greedy-no-skip", N_("Greedy, stopping at the first project that does not fit"), _ALL,
         "Fund projects in order of total support (those reaching the threshold) and stop at "
         "the first one that does not fit.",
         _greedy_rule(threshold=True, no_skip=True), family="greedy"),
    Rule("equalshares", N_("Equal Shares (as cities configure it)"), _MES_TYPES,
         "The Method of Equal Shares with the round's options (no completion unless chosen).",
         _mes_family()),
    Rule("equalshares/add1", N_("Equal Shares with the add-1 completion"), _MES_TYPES,
         "Equal Shares, every voter's share raised step by step while the result fits the budget.",
         _mes_family(), defaults=_TOOL_ADD1),
    Rule("equalshares/add1-comparison", N_("Equal Shares (add 1), compared with greedy"), _MES_TYPES,
         "Equal Shares with the add-1 completion; greedy's result is taken instead if more "
         "voters prefer it.",
         _mes_family(), defaults=CountOptions(completion="add1", add1=frozenset({"integral"}),
                                              comparison="satisfaction")),
]

#: name -> rule, in the order the web app should list them.
RULES: Mapping[str, Rule] = MappingProxyType({r.name: r for r in _RULE_LIST})


def rules_for(ballot_type: str) -> list[Rule]:
    return [r for r in RULES.values() if ballot_type in r.ballot_types]


__all__ = ["RULES", "CountSettings", "Rule", "RuleRun", "compare_outcomes", "rules_for"]
