"""Turn what a rule did into one plain sentence per project, with numbers.

Each sentence is a list of :class:`~voting.counting.phrases.Phrase` pieces (joined by a
space), so that the web app can write it in the reader's language; ``Phrase.english`` gives
the engine's English.
"""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from .money import MoneyFormatter
from .options import tie_phrase
from .outcome import ProjectRecord
from .phrases import Clause, Money, Number, Ordinal, Phrase, Plain, Value, phrase, plural_phrase
from .profile import CompiledProfile
from .rules.greedy import GreedyResult
from .rules.mes import MesResult
from .rules.phragmen import PhragmenResult
from .ties import Tie

#: project index -> the pieces of its sentence
Sentences = dict[int, list[Phrase]]


def _votes(amount: Fraction) -> Phrase:
    return plural_phrase("%(num)s vote", "%(num)s votes", num=Number(amount))


def _points(amount: Fraction) -> Phrase:
    return plural_phrase("%(num)s point", "%(num)s points", num=Number(amount))


def _supporters(amount: Fraction) -> Phrase:
    return plural_phrase("%(num)s supporter", "%(num)s supporters", num=Number(amount))


def support_phrase(cp: CompiledProfile, j: int) -> Phrase:
    score = cp.score(j)
    if cp.ballot_type == "approval":
        return _votes(score)
    if cp.ballot_type == "cumulative":
        return _points(score)
    return phrase("a score of %(score)s", score=Number(score))


def _base(cp: CompiledProfile, j: int, selected: bool, reason: str, **kw) -> ProjectRecord:
    return ProjectRecord(
        project_id=cp.ids[j],
        selected=selected,
        reason=reason,
        cost=cp.costs[j],
        support=cp.score(j),
        supporters=cp.supporter_count(j),
        **kw,
    )


def explain_greedy(cp: CompiledProfile, result: GreedyResult, money: MoneyFormatter,
                   records: dict[int, ProjectRecord], sentences: Sentences,
                   completion: bool = False, start_position: int = 0) -> None:
    position = start_position
    for step in result.steps:
        j = step.project
        if j in records and records[j].selected:
            continue
        if step.selected:
            position += 1
            records[j] = _base(cp, j, True, "completion_selected" if completion else "greedy_selected",
                               position=position, budget_left=step.left)
            left = Money(step.left)
            if completion and cp.scores[j] == 0:
                said = phrase("Added by the greedy completion with no support, because it still fit; "
                              "%(left)s left.", left=left)
            elif completion:
                said = phrase("Added by the greedy completion with %(support)s; %(left)s left.",
                              support=support_phrase(cp, j), left=left)
            elif cp.scores[j] == 0:
                said = phrase("Selected %(position)s with no support, because it still fit; "
                              "%(left)s left.", position=Ordinal(position), left=left)
            else:
                said = phrase("Selected %(position)s with %(support)s; %(left)s left.",
                              position=Ordinal(position), support=support_phrase(cp, j), left=left)
            sentences[j] = [said]
        else:
            cost, left = Money(cp.costs[j]), Money(step.left)
            if completion and j in sentences:
                records[j] = _base(cp, j, False, "completion_skipped", budget_left=step.left,
                                   supporters_money=records[j].supporters_money)
                *before, last = sentences[j]
                sentences[j] = [*before, phrase(
                    "%(earlier)s; the greedy completion skipped it too: cost %(cost)s, "
                    "only %(left)s left.", earlier=Clause(last), cost=cost, left=left)]
            elif j == result.stopped_by:
                records[j] = _base(cp, j, False, "greedy_stopped", budget_left=step.left)
                sentences[j] = [phrase(
                    "Not selected: cost %(cost)s, only %(left)s left (it had %(support)s), and the "
                    "count stops at the first project that does not fit.",
                    cost=cost, left=left, support=support_phrase(cp, j))]
            else:
                records[j] = _base(cp, j, False, "greedy_skipped", budget_left=step.left)
                sentences[j] = [phrase("Skipped: cost %(cost)s, only %(left)s left (it had %(support)s).",
                                       cost=cost, left=left, support=support_phrase(cp, j))]
    threshold = result.threshold
    for j in result.below_threshold:
        if j in records:
            continue
        records[j] = _base(cp, j, False, "below_threshold")
        sentences[j] = [phrase("Not eligible: it had %(support)s, under the threshold of %(threshold)s.",
                               support=support_phrase(cp, j), threshold=_support_amount(cp, threshold))]
    if result.stopped_by is not None:
        stopper = cp.ids[result.stopped_by]
        for j in range(cp.n_projects):
            if j not in records:
                records[j] = _base(cp, j, False, "greedy_stopped")
                sentences[j] = [phrase(
                    "Not selected: it had %(support)s, and the count stopped earlier when project "
                    "%(project)s did not fit.", support=support_phrase(cp, j), project=stopper)]


def _support_amount(cp: CompiledProfile, amount: Fraction) -> Value:
    if cp.ballot_type == "approval":
        return _votes(amount)
    if cp.ballot_type == "cumulative":
        return _points(amount)
    return Number(amount)


def tie_value_phrase(cp: CompiledProfile, tie: Tie) -> Phrase:
    """What the tied projects shared, in the ballot's own words."""
    if tie.stage == "mes":
        if cp.ballot_type == "cumulative":
            return phrase("the same cost per point to their supporters")
        return phrase("the same cost per vote to their supporters")
    if cp.ballot_type == "ordinal":
        return phrase("the same score of %(score)s", score=Number(tie.value))
    return phrase("the same %(amount)s", amount=_support_amount(cp, tie.value))


def tie_value_text(cp: CompiledProfile, tie: Tie) -> str:
    """What the tied projects shared, in English (figures are counts, never money)."""
    from .money import plain_units

    return tie_value_phrase(cp, tie).english(plain_units)


def _names(ids: tuple[str, ...]) -> Value:
    if len(ids) == 1:
        return ids[0]
    return phrase("%(projects)s and %(last)s", projects=", ".join(ids[:-1]), last=ids[-1])


def explain_ties(cp: CompiledProfile, ties, sentences: Sentences) -> None:
    """Add one sentence per tie to the explanation of the project that went first."""
    index = {pid: j for j, pid in enumerate(cp.ids)}
    for tie in ties:
        because = (phrase("the round breaks ties by %(criterion)s",
                          criterion=tie_phrase(tie.broken_by, cp.ballot_type)) if tie.settled
                   else phrase("it has the smaller project id (no tie-breaking criterion separated them)"))
        projects, value = _names(tie.projects), tie_value_phrase(cp, tie)
        if tie.stage == "mes":
            text = phrase("Projects %(projects)s had %(value)s in round %(round)s; %(winner)s went "
                          "first because %(because)s.", projects=projects, value=value,
                          round=Plain(Fraction(tie.round)), winner=tie.winner, because=because)
        else:
            text = phrase("Projects %(projects)s had %(value)s; %(winner)s went first because "
                          "%(because)s.", projects=projects, value=value, winner=tie.winner,
                          because=because)
        sentences[index[tie.winner]].append(text)


def explain_notes(cp: CompiledProfile, sentences: Sentences) -> None:
    """Add the file's META remarks that name a project (``#1: ... W193ST ...``) to it."""
    comment = cp.meta.get("comment", "") if cp.meta else ""
    if not comment:
        return
    remarks = [r.strip() for r in re.split(r"#\d+:", comment) if r.strip()]
    for j, pid in enumerate(cp.ids):
        # A bare number ("12") is too likely to be an age or a count: only "project 12".
        lead = r"(?i:project|projekt)\s+" if pid.isdigit() else r"(?<![\w/.])"
        pattern = re.compile(rf"{lead}{re.escape(pid)}(?![\w/])")
        for remark in remarks:
            if pattern.search(remark):
                sentences[j].append(phrase("Note from the file: %(remark)s", remark=remark))


def explain_comparison(cp: CompiledProfile, comparison: dict, selected: list[int],
                       sentences: Sentences) -> None:
    figures = {"mes": Number(comparison["prefer_mes"]), "greedy": Number(comparison["prefer_greedy"])}
    satisfaction = comparison["by"] == "satisfaction"
    if comparison["kept"] == "greedy" and satisfaction:
        text = phrase("(Comparison step: %(greedy)s voters had more of their projects funded under "
                      "greedy and %(mes)s under Equal Shares, so the greedy result was kept.)", **figures)
    elif comparison["kept"] == "greedy":
        text = phrase("(Comparison step: %(greedy)s voters had at least one of their projects funded "
                      "under greedy and %(mes)s under Equal Shares, so the greedy result was kept.)",
                      **figures)
    elif satisfaction:
        text = phrase("(Comparison step: %(mes)s voters had more of their projects funded under Equal "
                      "Shares and %(greedy)s under greedy, so the Equal Shares result was kept.)",
                      **figures)
    else:
        text = phrase("(Comparison step: %(mes)s voters had at least one of their projects funded "
                      "under Equal Shares and %(greedy)s under greedy, so the Equal Shares result was "
                      "kept.)", **figures)
    for j in range(cp.n_projects):
        if j in sentences:
            sentences[j].append(text)


def summary(cp: CompiledProfile, rule, details: dict) -> list[Phrase]:
    """Plain sentences about the whole count: starting shares, add1, thresholds, comparison."""
    lines: list[Phrase] = []
    if "threshold" in details and details["threshold"]:
        lines.append(phrase("Only projects with at least %(amount)s could win.",
                            amount=_support_amount(cp, details["threshold"])))
    if "start_per_voter_budget" in details:
        voters = details["voters"]
        start = details["start_per_voter_budget"]
        final = details["per_voter_budget"]
        figures = {"voters": Number(voters), "share": Money(start), "budget": Money(cp.budget)}
        if start * voters != cp.budget:
            lines.append(phrase("Each of the %(voters)s voters started with a share of %(share)s (the "
                                "budget %(budget)s divided by %(voters)s, rounded down to a whole unit).",
                                **figures))
        else:
            lines.append(phrase("Each of the %(voters)s voters started with a share of %(share)s (the "
                                "budget %(budget)s divided by %(voters)s).", **figures))
        if "add1_stop" in details and final != start:
            stop, share = details["add1_stop"], Money(final)
            if stop == "overspend":
                lines.append(phrase("The add-1 completion raised every share step by step to %(share)s: "
                                    "one more step would have chosen projects costing more than the "
                                    "budget.", share=share))
            elif stop == "exhaustive":
                lines.append(phrase("The add-1 completion raised every share step by step to %(share)s: "
                                    "by then no supported project that was left still fitted the budget.",
                                    share=share))
            else:
                lines.append(phrase("The add-1 completion raised every share step by step to %(share)s: "
                                    "by then every supported project could be paid for.", share=share))
        elif "virtual_budget" in details and details["virtual_budget"] != cp.budget:
            lines.append(phrase("Equal Shares was run on a budget raised to %(budget)s so that the result "
                                "uses the real budget up.", budget=Money(details["virtual_budget"])))
    return lines


def _price_phrase(cp: CompiledProfile, price: Fraction) -> Phrase:
    # ``price`` is per unit of scaled weight; convert back to election units.
    per_point = Money(price * cp.point_scale)
    if cp.ballot_type == "approval":
        return phrase("%(price)s per supporter", price=per_point)
    return phrase("%(price)s per point", price=per_point)


def explain_mes(cp: CompiledProfile, result: MesResult, money: MoneyFormatter,
                records: dict[int, ProjectRecord], sentences: Sentences) -> None:
    run = result.run
    per_voter = run.per_voter * cp.voter_scale
    context: Phrase | None
    if result.variant == "mes_add1":
        context = phrase("each voter's share raised to %(share)s", share=Money(per_voter))
    elif result.variant == "mes_exhaustion" and result.virtual_budget is not None:
        context = phrase("equal shares run on a budget raised to %(budget)s",
                         budget=Money(result.virtual_budget))
    else:
        context = None
    position = 0
    for j in run.upfront:
        position += 1
        records[j] = _base(cp, j, True, "mes_upfront", position=position, round=0)
        sentences[j] = [phrase("Selected at the start: it costs nothing and has %(support)s.",
                               support=support_phrase(cp, j))]
    for r, rnd in enumerate(run.rounds, start=1):
        position += 1
        j = rnd.project
        records[j] = _base(cp, j, True, "mes_selected", position=position, round=r, price=rnd.price)
        figures: dict[str, Value] = {"round": Plain(Fraction(r)), "price": _price_phrase(cp, rnd.price),
                                     "supporters": _supporters(rnd.supporters)}
        if rnd.full_payers != rnd.supporters:
            figures["paid"] = Number(rnd.supporters - rnd.full_payers)
            figures["all"] = Number(rnd.supporters)
        if context is not None:
            figures["context"] = context
        if "paid" in figures and context is not None:
            said = phrase("Selected in round %(round)s at %(price)s (%(supporters)s; %(paid)s of its "
                          "%(all)s supporters paid all they had left; %(context)s).", **figures)
        elif "paid" in figures:
            said = phrase("Selected in round %(round)s at %(price)s (%(supporters)s; %(paid)s of its "
                          "%(all)s supporters paid all they had left).", **figures)
        elif context is not None:
            said = phrase("Selected in round %(round)s at %(price)s (%(supporters)s; %(context)s).",
                          **figures)
        else:
            said = phrase("Selected in round %(round)s at %(price)s (%(supporters)s).", **figures)
        sentences[j] = [said]
    chosen = set(run.selected)
    if len(chosen) > len(run.upfront) + len(run.rounds):
        # Every supported project was bought without running rounds (the
        # budget per voter covers everything anyone supports).
        for j in run.selected:
            if j not in records:
                position += 1
                records[j] = _base(cp, j, True, "all_affordable", position=position)
                sentences[j] = [phrase("Selected: with %(share)s per voter every supporter could pay for "
                                       "everything they supported.", share=Money(per_voter))]
    budgets = run.final_budgets
    for j in range(cp.n_projects):
        if j in chosen:
            continue
        if cp.scores[j] == 0:
            records[j] = _base(cp, j, False, "no_support")
            sentences[j] = [phrase("Not selected: nobody supported it.")]
            continue
        if budgets is None:
            left = None
        else:
            s = cp.supporters[j]
            left = Fraction(float(np.dot(cp.mult[s].astype(np.float64), budgets[s]))).limit_denominator(10**6)
        records[j] = _base(cp, j, False, "mes_unaffordable", supporters_money=left)
        count = cp.supporter_count(j)
        supporters, cost = _supporters(count), Money(cp.costs[j])
        if left is None:
            sentences[j] = [phrase("Not selected: its %(supporters)s could not pay %(cost)s.",
                                   supporters=supporters, cost=cost)]
            continue
        figures = {"supporters": supporters, "left": Money(left), "cost": cost}
        if count != 1 and context is not None:
            said = phrase("Not selected: its %(supporters)s had %(left)s left between them and it "
                          "needed %(cost)s (%(context)s).", context=context, **figures)
        elif count != 1:
            said = phrase("Not selected: its %(supporters)s had %(left)s left between them and it "
                          "needed %(cost)s.", **figures)
        elif context is not None:
            said = phrase("Not selected: its %(supporters)s had %(left)s left in total and it needed "
                          "%(cost)s (%(context)s).", context=context, **figures)
        else:
            said = phrase("Not selected: its %(supporters)s had %(left)s left in total and it needed "
                          "%(cost)s.", **figures)
        sentences[j] = [said]


def explain_phragmen(cp: CompiledProfile, result: PhragmenResult, money: MoneyFormatter,
                     records: dict[int, ProjectRecord], sentences: Sentences) -> None:
    spent = Fraction(0)
    for r, (j, load) in enumerate(zip(result.selected, result.loads, strict=False), start=1):
        spent += cp.costs[j]
        records[j] = _base(cp, j, True, "phragmen_selected", position=r, round=r,
                           budget_left=cp.budget - spent, load=load)
        if cp.scores[j] == 0:
            sentences[j] = [phrase("Selected in round %(round)s although nobody supported it: no "
                                   "supported project was left; %(left)s left.",
                                   round=Plain(Fraction(r)), left=Money(cp.budget - spent))]
        else:
            sentences[j] = [phrase("Selected in round %(round)s: the load of its %(supporters)s rose to "
                                   "%(load)s each; %(left)s left.", round=Plain(Fraction(r)),
                                   supporters=_supporters(cp.supporter_count(j)), load=Money(load),
                                   left=Money(cp.budget - spent))]
    left = cp.budget - spent
    stop_round = Plain(Fraction(len(result.selected) + 1))
    for j in result.over_budget:
        records[j] = _base(cp, j, False, "over_budget")
        sentences[j] = [phrase("Not selected: its cost %(cost)s is more than the whole budget %(budget)s.",
                               cost=Money(cp.costs[j]), budget=Money(cp.budget))]
    blocker = result.blocked_by
    for j in range(cp.n_projects):
        if j in records:
            continue
        if j == blocker:
            records[j] = _base(cp, j, False, "phragmen_stopped", round=int(stop_round.value),
                               budget_left=left)
            figures = {"round": stop_round, "cost": Money(cp.costs[j]), "left": Money(left)}
            if result.blocked_load is not None:
                said = phrase("Not selected: it was next in round %(round)s (its supporters' load would "
                              "have been %(load)s) but cost %(cost)s with only %(left)s left, so the "
                              "count stopped.", load=Money(result.blocked_load), **figures)
            else:
                said = phrase("Not selected: it was next in round %(round)s but cost %(cost)s with only "
                              "%(left)s left, so the count stopped.", **figures)
            sentences[j] = [said]
            continue
        records[j] = _base(cp, j, False, "phragmen_stopped", budget_left=left)
        if cp.scores[j] == 0 and blocker is not None:
            said = phrase("Not selected: nobody supported it, and the count stopped in round %(round)s "
                          "when project %(project)s did not fit.", round=stop_round,
                          project=cp.ids[blocker])
        elif cp.scores[j] == 0:
            said = phrase("Not selected: nobody supported it, and the count stopped in round %(round)s "
                          "when nothing was left.", round=stop_round)
        elif blocker is not None:
            said = phrase("Not selected: it had %(support)s, and the count stopped in round %(round)s "
                          "when project %(project)s did not fit.", support=support_phrase(cp, j),
                          round=stop_round, project=cp.ids[blocker])
        else:
            said = phrase("Not selected: it had %(support)s, and the count stopped in round %(round)s "
                          "when nothing was left.", support=support_phrase(cp, j), round=stop_round)
        sentences[j] = [said]
