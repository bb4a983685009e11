"""Counting "the way the city counted": the rule a Pabulib file's META names, with its
parameters from META.

``rule`` values Commonpot knows: ``greedy``, ``greedy-threshold``, ``greedy-no-skip``,
``equalshares``, ``equalshares/add1``, ``equalshares/add1-comparison``.  The threshold of
the greedy variants is META ``min_project_score_threshold`` (``--threshold`` overrides it).
Anything else (``unknown`` included) is refused with a message naming the known rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .options import CountOptions

#: META ``rule`` -> engine rule name (the same names: each is an ordinary rule too).
OFFICIAL_RULES = ("greedy", "greedy-threshold", "greedy-no-skip", "equalshares",
                  "equalshares/add1", "equalshares/add1-comparison")
#: Rules whose threshold comes from META ``min_project_score_threshold``.
THRESHOLD_RULES = ("greedy-threshold", "greedy-no-skip")


class UnknownOfficialRule(ValueError):
    """META names no rule, or one Commonpot cannot count the way the city did."""


def official_rule(meta: Mapping[str, str]) -> str:
    name = (meta.get("rule") or "").strip()
    if not name:
        raise UnknownOfficialRule(
            "the file's META has no 'rule' entry, so there is no official rule to count with; "
            "choose one with --rule")
    if name not in OFFICIAL_RULES:
        raise UnknownOfficialRule(
            f"the file's META names the rule {name!r}, which Commonpot cannot count officially "
            f"(known: {', '.join(OFFICIAL_RULES)}); choose a rule with --rule")
    return name


def meta_threshold(meta: Mapping[str, str]) -> Fraction | None:
    """META ``min_project_score_threshold`` (checked when the file was read), or None."""
    text = (meta.get("min_project_score_threshold") or "").strip()
    if not text:
        return None
    return Fraction(text.replace(",", "."))


def meta_options(rule_name: str, meta: Mapping[str, str]) -> CountOptions:
    """The options a file's META sets for ``rule_name`` (only the threshold, today)."""
    if rule_name in THRESHOLD_RULES:
        threshold = meta_threshold(meta)
        if threshold is not None:
            return CountOptions(threshold=threshold)
    return CountOptions()
