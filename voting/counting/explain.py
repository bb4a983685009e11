"""Turn what a rule did into one plain sentence per project, with numbers."""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from .money import MoneyFormatter, format_amount, ordinal, plural
from .options import tie_words
from .outcome import ProjectRecord
from .profile import CompiledProfile
from .rules.greedy import GreedyResult
from .rules.mes import MesResult
from .rules.phragmen import PhragmenResult
from .ties import Tie


def support_text(cp: CompiledProfile, j: int) -> str:
    score = cp.score(j)
    if cp.ballot_type == "approval":
        return plural(score, "vote")
    if cp.ballot_type == "cumulative":
        return plural(score, "point")
    return f"a score of {format_amount(score)}"


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
                   records: dict[int, ProjectRecord], sentences: dict[int, str],
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
            if cp.scores[j] == 0:
                what = "with no support, because it still fit"
            else:
                what = f"with {support_text(cp, j)}"
            lead = "Added by the greedy completion" if completion else f"Selected {ordinal(position)}"
            sentences[j] = f"{lead} {what}; {money(step.left)} left."
        else:
            skipped = f"cost {money(cp.costs[j])}, only {money(step.left)} left"
            if completion and j in sentences:
                records[j] = _base(cp, j, False, "completion_skipped", budget_left=step.left,
                                   supporters_money=records[j].supporters_money)
                sentences[j] = (sentences[j].rstrip(".")
                                + f"; the greedy completion skipped it too: {skipped}.")
            elif j == result.stopped_by:
                records[j] = _base(cp, j, False, "greedy_stopped", budget_left=step.left)
                sentences[j] = (f"Not selected: {skipped} (it had {support_text(cp, j)}), and the "
                                f"count stops at the first project that does not fit.")
            else:
                records[j] = _base(cp, j, False, "greedy_skipped", budget_left=step.left)
                sentences[j] = f"Skipped: {skipped} (it had {support_text(cp, j)})."
    threshold = result.threshold
    for j in result.below_threshold:
        if j in records:
            continue
        records[j] = _base(cp, j, False, "below_threshold")
        sentences[j] = (f"Not eligible: it had {support_text(cp, j)}, under the threshold of "
                        f"{_support_amount(cp, threshold)}.")
    if result.stopped_by is not None:
        stopper = cp.ids[result.stopped_by]
        for j in range(cp.n_projects):
            if j not in records:
                records[j] = _base(cp, j, False, "greedy_stopped")
                sentences[j] = (f"Not selected: it had {support_text(cp, j)}, and the count stopped "
                                f"earlier when project {stopper} did not fit.")


def _support_amount(cp: CompiledProfile, amount: Fraction) -> str:
    if cp.ballot_type == "approval":
        return plural(amount, "vote")
    if cp.ballot_type == "cumulative":
        return plural(amount, "point")
    return format_amount(amount)


def tie_value_text(cp: CompiledProfile, tie: Tie) -> str:
    """What the tied projects shared, in the ballot's own words."""
    if tie.stage == "mes":
        per = "point" if cp.ballot_type == "cumulative" else "vote"
        return f"the same cost per {per} to their supporters"
    if cp.ballot_type == "ordinal":
        return f"the same score of {format_amount(tie.value)}"
    return f"the same {_support_amount(cp, tie.value)}"


def _names(ids: tuple[str, ...]) -> str:
    return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else ids[0]


def explain_ties(cp: CompiledProfile, ties, sentences: dict[int, str]) -> None:
    """Add one sentence per tie to the explanation of the project that went first."""
    index = {pid: j for j, pid in enumerate(cp.ids)}
    for tie in ties:
        where = f" in round {tie.round}" if tie.stage == "mes" else ""
        because = (f"the round breaks ties by {tie_words(tie.broken_by, cp.ballot_type)}" if tie.settled
                   else "it has the smaller project id (no tie-breaking criterion separated them)")
        text = (f"Projects {_names(tie.projects)} had {tie_value_text(cp, tie)}{where}; "
                f"{tie.winner} went first because {because}.")
        j = index[tie.winner]
        sentences[j] = f"{sentences[j]} {text}"


def explain_notes(cp: CompiledProfile, sentences: dict[int, str]) -> None:
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
                sentences[j] = f"{sentences[j]} Note from the file: {remark}"


def explain_comparison(cp: CompiledProfile, comparison: dict, selected: list[int],
                       sentences: dict[int, str]) -> None:
    for_mes = format_amount(comparison["prefer_mes"])
    for_greedy = format_amount(comparison["prefer_greedy"])
    how = "more of their projects funded" if comparison["by"] == "satisfaction" else \
        "at least one of their projects funded"
    if comparison["kept"] == "greedy":
        text = (f"(Comparison step: {for_greedy} voters had {how} under greedy and {for_mes} under "
                f"Equal Shares, so the greedy result was kept.)")
    else:
        text = (f"(Comparison step: {for_mes} voters had {how} under Equal Shares and {for_greedy} "
                f"under greedy, so the Equal Shares result was kept.)")
    for j in range(cp.n_projects):
        if j in sentences:
            sentences[j] = f"{sentences[j]} {text}"


def summary(cp: CompiledProfile, rule, details: dict, money: MoneyFormatter) -> list[str]:
    """Plain sentences about the whole count: starting shares, add1, thresholds, comparison."""
    lines: list[str] = []
    if "threshold" in details and details["threshold"]:
        lines.append(f"Only projects with at least {_support_amount(cp, details['threshold'])} could win.")
    if "start_per_voter_budget" in details:
        voters = details["voters"]
        start = details["start_per_voter_budget"]
        final = details["per_voter_budget"]
        lines.append(f"Each of the {format_amount(voters)} voters started with a share of "
                     f"{money(start)} (the budget {money(cp.budget)} divided by {format_amount(voters)}"
                     f"{', rounded down to a whole unit' if start * voters != cp.budget else ''}).")
        why = {"overspend": "one more step would have chosen projects costing more than the budget",
               "exhaustive": "by then no supported project that was left still fitted the budget",
               "everything": "by then every supported project could be paid for"}
        if "add1_stop" in details and final != start:
            lines.append(f"The add-1 completion raised every share step by step to {money(final)}: "
                         f"{why[details['add1_stop']]}.")
        elif "virtual_budget" in details and details["virtual_budget"] != cp.budget:
            lines.append(f"Equal Shares was run on a budget raised to {money(details['virtual_budget'])} "
                         f"so that the result uses the real budget up.")
    return lines


def _price_text(cp: CompiledProfile, price: Fraction, money: MoneyFormatter) -> str:
    # ``price`` is per unit of scaled weight; convert back to election units.
    per_point = price * cp.point_scale
    if cp.ballot_type == "approval":
        return f"{money(per_point)} per supporter"
    return f"{money(per_point)} per point"


def explain_mes(cp: CompiledProfile, result: MesResult, money: MoneyFormatter,
                records: dict[int, ProjectRecord], sentences: dict[int, str]) -> None:
    run = result.run
    per_voter = run.per_voter * cp.voter_scale
    if result.variant == "mes_add1":
        context = f"each voter's share raised to {money(per_voter)}"
    elif result.variant == "mes_exhaustion" and result.virtual_budget is not None:
        context = f"equal shares run on a budget raised to {money(result.virtual_budget)}"
    else:
        context = ""
    position = 0
    for j in run.upfront:
        position += 1
        records[j] = _base(cp, j, True, "mes_upfront", position=position, round=0)
        sentences[j] = f"Selected at the start: it costs nothing and has {support_text(cp, j)}."
    for r, rnd in enumerate(run.rounds, start=1):
        position += 1
        j = rnd.project
        records[j] = _base(cp, j, True, "mes_selected", position=position, round=r, price=rnd.price)
        payers = ""
        if rnd.full_payers != rnd.supporters:
            payers = (f"; {format_amount(rnd.supporters - rnd.full_payers)} of its "
                      f"{format_amount(rnd.supporters)} supporters paid all they had left")
        note = f"; {context}" if context else ""
        sentences[j] = (f"Selected in round {r} at {_price_text(cp, rnd.price, money)}"
                        f" ({plural(rnd.supporters, 'supporter')}{payers}{note}).")
    chosen = set(run.selected)
    if len(chosen) > len(run.upfront) + len(run.rounds):
        # Every supported project was bought without running rounds (the
        # budget per voter covers everything anyone supports).
        for j in run.selected:
            if j not in records:
                position += 1
                records[j] = _base(cp, j, True, "all_affordable", position=position)
                sentences[j] = (f"Selected: with {money(per_voter)} per voter every supporter "
                                f"could pay for everything they supported.")
    budgets = run.final_budgets
    for j in range(cp.n_projects):
        if j in chosen:
            continue
        if cp.scores[j] == 0:
            records[j] = _base(cp, j, False, "no_support")
            sentences[j] = "Not selected: nobody supported it."
            continue
        if budgets is None:
            left = None
        else:
            s = cp.supporters[j]
            left = Fraction(float(np.dot(cp.mult[s].astype(np.float64), budgets[s]))).limit_denominator(10**6)
        records[j] = _base(cp, j, False, "mes_unaffordable", supporters_money=left)
        count = cp.supporter_count(j)
        if left is None:
            sentences[j] = (f"Not selected: its {plural(count, 'supporter')} "
                            f"could not pay {money(cp.costs[j])}.")
        else:
            between = "between them" if count != 1 else "in total"
            note = f" ({context})" if context else ""
            sentences[j] = (f"Not selected: its {plural(count, 'supporter')} had {money(left)} left "
                            f"{between} and it needed {money(cp.costs[j])}{note}.")


def explain_phragmen(cp: CompiledProfile, result: PhragmenResult, money: MoneyFormatter,
                     records: dict[int, ProjectRecord], sentences: dict[int, str]) -> None:
    spent = Fraction(0)
    for r, (j, load) in enumerate(zip(result.selected, result.loads, strict=False), start=1):
        spent += cp.costs[j]
        records[j] = _base(cp, j, True, "phragmen_selected", position=r, round=r,
                           budget_left=cp.budget - spent, load=load)
        if cp.scores[j] == 0:
            sentences[j] = (f"Selected in round {r} although nobody supported it: no supported "
                            f"project was left; {money(cp.budget - spent)} left.")
        else:
            sentences[j] = (f"Selected in round {r}: the load of its "
                            f"{plural(cp.supporter_count(j), 'supporter')} rose to {money(load)} each; "
                            f"{money(cp.budget - spent)} left.")
    left = cp.budget - spent
    stop_round = len(result.selected) + 1
    for j in result.over_budget:
        records[j] = _base(cp, j, False, "over_budget")
        sentences[j] = (f"Not selected: its cost {money(cp.costs[j])} is more than "
                        f"the whole budget {money(cp.budget)}.")
    blocker = result.blocked_by
    for j in range(cp.n_projects):
        if j in records:
            continue
        if j == blocker:
            load = f" (its supporters' load would have been {money(result.blocked_load)})" \
                if result.blocked_load is not None else ""
            records[j] = _base(cp, j, False, "phragmen_stopped", round=stop_round, budget_left=left)
            sentences[j] = (f"Not selected: it was next in round {stop_round}{load} but cost "
                            f"{money(cp.costs[j])} with only {money(left)} left, so the count stopped.")
        else:
            records[j] = _base(cp, j, False, "phragmen_stopped", budget_left=left)
            reason = "nobody supported it" if cp.scores[j] == 0 else f"it had {support_text(cp, j)}"
            stopper = f"project {cp.ids[blocker]} did not fit" if blocker is not None else "nothing was left"
            sentences[j] = (f"Not selected: {reason}, and the count stopped in round {stop_round} "
                            f"when {stopper}.")
