"""The choices a city makes when it counts: one options object for the command line and
the voting round's settings.

The Method of Equal Shares options follow the equalshares.net computation tool:

* ``tie_breaking``: criteria applied in order to projects that tie (``maxVotes``: most
  votes, or points; ``minCost``: lowest cost; ``maxCost``: highest cost).  Whatever is
  still tied after them goes to the smaller project id as a string (pabutools' rule);
  an official count refuses to do that and stops instead (see :class:`TieUnsettled`).
* ``completion``: ``none`` (MES alone), ``utilitarian`` (greedy fills what is left),
  ``add1`` (raise every voter's share by ``increment`` while the outcome still fits the
  budget), ``add1u`` (add1, then greedy).
* ``add1``: flags of the add1 completion: ``exhaustive`` (stop as soon as no supported
  project still fits) and ``integral`` (start from the whole-unit share
  ``floor(budget / voters)`` instead of ``budget / voters``).
* ``increment``: what add1 adds to each voter's share per step, in the election's unit.
* ``comparison``: ``none``, ``satisfaction`` or ``exclusion``: after MES, count the voters
  who prefer the greedy outcome (more of their projects funded; or at least one funded
  when MES funds none of theirs) and those who prefer MES; keep greedy only if more
  voters prefer it.
* ``accuracy``: ``exact`` (fractions: the official result) or ``float`` (a quick look:
  ties and affordability decided on floating-point numbers, as the tool's float mode).

``threshold`` is the least score (votes or points) a project needs under
``greedy-threshold`` and ``greedy-no-skip`` (Pabulib META ``min_project_score_threshold``).

Every field left as ``None`` means "the rule's own default"; the defaults are
pabutools-compatible (:data:`PABUTOOLS`), so the published reference outcomes still hold.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Any

from .phrases import N_, Money, Phrase, Plain, chain, phrase, plural_phrase

TIE_BREAKERS = ("maxVotes", "minCost", "maxCost")
COMPLETIONS = ("none", "utilitarian", "add1", "add1u")
ADD1_FLAGS = ("exhaustive", "integral")
COMPARISONS = ("none", "satisfaction", "exclusion")
ACCURACIES = ("exact", "float")


class OptionError(ValueError):
    """An option value the engine does not know; the message names the valid ones."""


@dataclass(frozen=True)
class CountOptions:
    tie_breaking: tuple[str, ...] | None = None
    completion: str | None = None
    add1: frozenset[str] | None = None
    increment: Fraction | None = None
    comparison: str | None = None
    accuracy: str | None = None
    threshold: Fraction | None = None

    def __post_init__(self) -> None:
        if self.tie_breaking is not None:
            ties = tuple(self.tie_breaking)
            for t in ties:
                if t not in TIE_BREAKERS:
                    raise OptionError(f"unknown tie-breaking {t!r}; choose from {', '.join(TIE_BREAKERS)}")
            if len(set(ties)) != len(ties):
                raise OptionError("a tie-breaking criterion is named twice")
            object.__setattr__(self, "tie_breaking", ties)
        _check_choice("completion", self.completion, COMPLETIONS)
        _check_choice("comparison", self.comparison, COMPARISONS)
        _check_choice("accuracy", self.accuracy, ACCURACIES)
        if self.add1 is not None:
            flags = frozenset(self.add1)
            for f in flags:
                if f not in ADD1_FLAGS:
                    raise OptionError(f"unknown add1 option {f!r}; choose from {', '.join(ADD1_FLAGS)}")
            object.__setattr__(self, "add1", flags)
        if self.increment is not None:
            inc = Fraction(self.increment)
            if inc <= 0:
                raise OptionError("the add1 increment must be more than 0")
            object.__setattr__(self, "increment", inc)
        if self.threshold is not None:
            th = Fraction(self.threshold)
            if th < 0:
                raise OptionError("the vote threshold cannot be negative")
            object.__setattr__(self, "threshold", th)

    def over(self, base: CountOptions) -> CountOptions:
        """These options where given, ``base``'s elsewhere."""
        return replace(base, **{f.name: getattr(self, f.name) for f in fields(self)
                                if getattr(self, f.name) is not None})

    def resolved(self) -> CountOptions:
        """Every field filled in (pabutools-compatible defaults where unset)."""
        return self.over(PABUTOOLS)

    # -- storage (the voting round keeps them as JSON) ---------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Fraction):
                value = str(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CountOptions:
        data = data or {}
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise OptionError(f"unknown option {sorted(unknown)[0]!r}")

        def num(v):
            return None if v is None else Fraction(str(v))

        return cls(
            tie_breaking=tuple(data["tie_breaking"]) if data.get("tie_breaking") is not None else None,
            completion=data.get("completion"),
            add1=frozenset(data["add1"]) if data.get("add1") is not None else None,
            increment=num(data.get("increment")),
            comparison=data.get("comparison"),
            accuracy=data.get("accuracy"),
            threshold=num(data.get("threshold")),
        )


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise OptionError(f"unknown {name} {value!r}; choose from {', '.join(allowed)}")


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def parse_options(*, tie_breaking: str | None = None, completion: str | None = None,
                  add1: str | None = None, increment: str | None = None,
                  comparison: str | None = None, accuracy: str | None = None,
                  threshold: str | None = None) -> CountOptions:
    """Options from the command line's words (``"maxVotes,minCost"``, ``"exhaustive,integral"``;
    ``"none"`` for no tie-breaking or no add1 flags)."""

    def number(label: str, text: str | None) -> Fraction | None:
        if text is None:
            return None
        try:
            return Fraction(text.strip())
        except (ValueError, ZeroDivisionError):
            raise OptionError(f"{label} {text!r} is not a number") from None

    ties = None if tie_breaking is None else tuple(w for w in _words(tie_breaking) if w != "none")
    flags = None if add1 is None else frozenset(w for w in _words(add1) if w != "none")
    if comparison == "exclusionRatio":  # the equalshares.net tool's spelling
        comparison = "exclusion"
    return CountOptions(tie_breaking=ties, completion=completion, add1=flags,
                        increment=number("increment", increment), comparison=comparison,
                        accuracy=accuracy, threshold=number("threshold", threshold))


#: pabutools 1.2.3's behaviour: ties to the smaller project id, add1 from budget / voters
#: by 1 per voter until exhaustive over supported projects, no comparison, exact.
PABUTOOLS = CountOptions(tie_breaking=(), completion="none", add1=frozenset({"exhaustive"}),
                         increment=Fraction(1), comparison="none", accuracy="exact",
                         threshold=Fraction(0))

def _tie_criterion(criterion: str, ballot_type: str) -> Phrase:
    if criterion == "maxVotes" and ballot_type == "cumulative":
        return phrase("most points")
    return {"maxVotes": phrase("most votes"), "minCost": phrase("lowest cost"),
            "maxCost": phrase("highest cost")}[criterion]


def _completion(completion: str) -> Phrase:
    return {
        "none": phrase("Equal Shares: no completion (money may be left unspent)."),
        "utilitarian": phrase("Equal Shares: then the most supported projects that still fit."),
        "add1": phrase("Equal Shares: every voter's share raised step by step while the result fits "
                       "the budget."),
        "add1u": phrase("Equal Shares: every voter's share raised step by step, then the most "
                        "supported projects that still fit."),
    }[completion]


def tie_phrase(criterion: str, ballot_type: str = "approval") -> Phrase:
    """``maxVotes`` -> ``more votes`` (``more points`` for points ballots)."""
    if criterion == "maxVotes":
        return phrase("more points") if ballot_type == "cumulative" else phrase("more votes")
    return {"minCost": phrase("lower cost"), "maxCost": phrase("higher cost")}.get(
        criterion, phrase("smaller project id"))


def tie_words(criterion: str, ballot_type: str = "approval") -> str:
    """``maxVotes`` -> ``more votes`` (``more points`` for points ballots)."""
    return tie_phrase(criterion, ballot_type).english(str)


def describe_phrases(options: CountOptions, *, mes: bool = True, ballot_type: str = "approval",
                     threshold: bool = True) -> list[Phrase]:
    """The options in plain words, one sentence each (for the results page), as phrases the
    web app writes in the reader's language. The add-1 step is money, in the election's
    unit. ``threshold=False`` leaves out the vote threshold (for rules that ignore it)."""
    o = options.resolved()
    lines = []
    if o.tie_breaking:
        criteria = chain(N_("%(earlier)s, then %(next)s"),
                         [_tie_criterion(t, ballot_type) for t in o.tie_breaking])
        lines.append(phrase("Ties go to the project with %(criteria)s, then the smaller project number.",
                            criteria=criteria))
    else:
        lines.append(phrase("Ties go to the project with the smaller project number."))
    if o.threshold and threshold:
        if ballot_type == "cumulative":
            lines.append(plural_phrase("A project needs at least %(num)s point to win.",
                                       "A project needs at least %(num)s points to win.",
                                       num=Plain(o.threshold)))
        else:
            lines.append(plural_phrase("A project needs at least %(num)s vote to win.",
                                       "A project needs at least %(num)s votes to win.",
                                       num=Plain(o.threshold)))
    if mes:
        lines.append(_completion(o.completion))
        if o.completion in ("add1", "add1u"):
            step = Money(o.increment)
            integral, exhaustive = "integral" in o.add1, "exhaustive" in o.add1
            if integral and exhaustive:
                said = phrase("Shares start from the whole-unit share and rise by %(step)s per voter, "
                              "stopping as soon as nothing supported still fits.", step=step)
            elif integral:
                said = phrase("Shares start from the whole-unit share and rise by %(step)s per voter, "
                              "until the next step would overspend.", step=step)
            elif exhaustive:
                said = phrase("Shares start from an equal share of the budget and rise by %(step)s per "
                              "voter, stopping as soon as nothing supported still fits.", step=step)
            else:
                said = phrase("Shares start from an equal share of the budget and rise by %(step)s per "
                              "voter, until the next step would overspend.", step=step)
            lines.append(said)
        if o.comparison == "satisfaction":
            lines.append(phrase("The result is compared with plain greedy by how many of their projects "
                                "are funded; greedy is kept only if more voters prefer it."))
        elif o.comparison != "none":
            lines.append(phrase("The result is compared with plain greedy by whether at least one of "
                                "their projects is funded; greedy is kept only if more voters prefer it."))
        if o.accuracy == "float":
            lines.append(phrase("Counted with floating-point numbers (a quick look, not an official "
                                "result)."))
    return lines


def describe(options: CountOptions, *, mes: bool = True, ballot_type: str = "approval") -> list[str]:
    """The options in plain words, one sentence each, in English (the add-1 step as a plain
    number)."""
    return [line.english(str) for line in describe_phrases(options, mes=mes, ballot_type=ballot_type)]


__all__ = ["ACCURACIES", "ADD1_FLAGS", "COMPARISONS", "COMPLETIONS", "CountOptions", "OptionError",
           "PABUTOOLS", "TIE_BREAKERS", "describe", "describe_phrases", "parse_options", "tie_phrase",
           "tie_words"]
