"""``count(election, rule_name) -> Outcome``: the entry point the web app uses."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from types import MappingProxyType

from .election import Election
from .money import MoneyFormatter, plain_units
from .official import meta_options, official_rule
from .options import PABUTOOLS, CountOptions
from .outcome import Outcome
from .profile import CompiledProfile, compile_election, total_cost
from .rules import RULES, CountSettings, StepProgress
from .ties import TieUnsettled, unsettled_message

#: The rule name that means "the rule the file's META names".
OFFICIAL = "official"


class RuleNotApplicable(ValueError):
    """The rule cannot count this kind of ballot (e.g. MES on rankings)."""


def resolve_options(rule_name: str, meta, options: CountOptions | None,
                    add1_unit: Fraction | int = 1) -> CountOptions:
    """PABUTOOLS, then the rule's defaults, then META's, then ``add1_unit``, then ``options``."""
    rule = RULES[rule_name]
    base = rule.defaults.over(PABUTOOLS)
    base = meta_options(rule_name, meta).over(base)
    base = replace(base, increment=Fraction(add1_unit))
    return (options or CountOptions()).over(base)


def count(election: Election | CompiledProfile, rule_name: str, *,
          money: MoneyFormatter = plain_units,
          progress: StepProgress | None = None,
          add1_unit: Fraction | int = 1,
          options: CountOptions | None = None) -> Outcome:
    """Count ``election`` with the rule registered as ``rule_name``.

    ``rule_name`` ``"official"`` counts with the rule the file's META names (raising
    :class:`~voting.counting.official.UnknownOfficialRule` if it names none Commonpot
    knows) and refuses to guess: a tie the tie-breaking cannot settle raises
    :class:`~voting.counting.ties.TieUnsettled`.  ``options`` (see
    :mod:`voting.counting.options`) override the rule's defaults.

    ``money`` formats amounts in explanations (``currency("£", 100)`` for an
    election counted in pence).  An already compiled profile may be passed
    instead of the election to count several rules without recompiling.
    ``add1_unit`` is what the add-1 completion adds to each voter's budget per
    step, in the election's money unit (1 as in pabutools; 100 to add £1 per
    step to an election counted in pence); ``options.increment`` wins over it.
    ``progress`` is called with the number of budget increases tried so far by
    the iterated MES variants.
    """
    cp = election if isinstance(election, CompiledProfile) else compile_election(election)
    strict = rule_name == OFFICIAL
    if strict:
        rule_name = official_rule(cp.meta)
    try:
        rule = RULES[rule_name]
    except KeyError:
        raise KeyError(f"unknown rule {rule_name!r}; known: {', '.join(RULES)}") from None
    if cp.ballot_type not in rule.ballot_types:
        raise RuleNotApplicable(f"rule {rule_name!r} does not count {cp.ballot_type} ballots")
    resolved = resolve_options(rule_name, cp.meta, options, add1_unit)
    given = options is not None and options.threshold is not None
    if strict and rule_name == "greedy-threshold" and "min_project_score_threshold" not in cp.meta \
            and not given:
        raise RuleNotApplicable(f"the file names the rule {rule_name!r} but its META has no "
                                "min_project_score_threshold; give one with --threshold")
    settings = CountSettings(add1_unit=Fraction(add1_unit), options=resolved, strict_ties=strict)
    run = rule.function(cp, money, progress, settings)
    ties = tuple(run.ties)
    if strict:
        for tie in ties:
            if not tie.settled:
                raise TieUnsettled(unsettled_message(tie, _tie_value_words(cp, tie)), tie)
    from .explain import explain_notes, explain_ties, summary

    sentences = {j: list(pieces) for j, pieces in run.sentences.items()}
    explain_ties(cp, ties, sentences)
    explain_notes(cp, sentences)
    ids = cp.ids
    details = dict(run.details)
    details["options"] = resolved
    lines = summary(cp, rule, details)
    details["summary"] = [line.english(money) for line in lines]
    details["summary_phrases"] = tuple(lines)
    phrases = {ids[j]: tuple(sentences[j]) for j in range(cp.n_projects)}
    return Outcome(
        rule=rule_name,
        selected=tuple(ids[j] for j in run.selected),
        total_cost=total_cost(cp, run.selected),
        budget=cp.budget,
        explanations=MappingProxyType({pid: " ".join(p.english(money) for p in pieces)
                                       for pid, pieces in phrases.items()}),
        phrases=MappingProxyType(phrases),
        records=MappingProxyType({ids[j]: run.records[j] for j in range(cp.n_projects)}),
        details=MappingProxyType(details),
        ties=ties,
    )


def _tie_value_words(cp: CompiledProfile, tie) -> str:
    from .explain import tie_value_text

    return tie_value_text(cp, tie)
