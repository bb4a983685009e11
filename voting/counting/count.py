"""``count(election, rule_name) -> Outcome``: the entry point the web app uses."""
from __future__ import annotations

from fractions import Fraction
from types import MappingProxyType

from .election import Election
from .money import MoneyFormatter, plain_units
from .outcome import Outcome
from .profile import CompiledProfile, compile_election, total_cost
from .rules import RULES, CountSettings, StepProgress


class RuleNotApplicable(ValueError):
    """The rule cannot count this kind of ballot (e.g. MES on rankings)."""


def count(election: Election | CompiledProfile, rule_name: str, *,
          money: MoneyFormatter = plain_units,
          progress: StepProgress | None = None,
          add1_unit: Fraction | int = 1) -> Outcome:
    """Count ``election`` with the rule registered as ``rule_name``.

    ``money`` formats amounts in explanations (``currency("£", 100)`` for an
    election counted in pence).  An already compiled profile may be passed
    instead of the election to count several rules without recompiling.
    ``add1_unit`` is what the add-1 completion adds to each voter's budget per
    step, in the election's money unit (1 as in pabutools; 100 to add £1 per
    step to an election counted in pence).  ``progress`` is called with the
    number of budget increases tried so far by the iterated MES variants.
    """
    try:
        rule = RULES[rule_name]
    except KeyError:
        raise KeyError(f"unknown rule {rule_name!r}; known: {', '.join(RULES)}") from None
    cp = election if isinstance(election, CompiledProfile) else compile_election(election)
    if cp.ballot_type not in rule.ballot_types:
        raise RuleNotApplicable(f"rule {rule_name!r} does not count {cp.ballot_type} ballots")
    run = rule.function(cp, money, progress, CountSettings(add1_unit=Fraction(add1_unit)))
    ids = cp.ids
    return Outcome(
        rule=rule_name,
        selected=tuple(ids[j] for j in run.selected),
        total_cost=total_cost(cp, run.selected),
        budget=cp.budget,
        explanations=MappingProxyType({ids[j]: run.sentences[j] for j in range(cp.n_projects)}),
        records=MappingProxyType({ids[j]: run.records[j] for j in range(cp.n_projects)}),
        details=MappingProxyType(run.details),
    )
