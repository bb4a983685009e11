"""The rules a ballot must follow, for each ballot type. Pure Python: no Flask, no database.

A ballot holds one *contest* per budget it votes on (the voter's district, plus the
area-wide budget when the round has one). Each contest is checked on its own against the
round's rules, and every refusal says what to change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from commonpot.i18n import _, lazy_gettext, ngettext
from commonpot.money import format_pence
from commonpot.refusals import Refused


class BallotType(enum.StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"

    @property
    def label(self) -> str:
        return BALLOT_TYPE_LABELS[self]

    @property
    def plural(self) -> str:
        """For sentences about all of them: "Ranked ballots cannot be counted with …"."""
        return BALLOT_TYPE_PLURALS[self]


# Short names of the ballot types, for people.
BALLOT_TYPE_LABELS = {
    BallotType.APPROVAL: lazy_gettext("Approval"),
    BallotType.KNAPSACK: lazy_gettext("Budget (knapsack)"),
    BallotType.CUMULATIVE: lazy_gettext("Points (cumulative)"),
    BallotType.RANKED: lazy_gettext("Ranked"),
}
BALLOT_TYPE_PLURALS = {
    BallotType.APPROVAL: lazy_gettext("Approval ballots"),
    BallotType.KNAPSACK: lazy_gettext("Budget ballots"),
    BallotType.CUMULATIVE: lazy_gettext("Points ballots"),
    BallotType.RANKED: lazy_gettext("Ranked ballots"),
}

# The Pabulib `vote_type` each ballot type is published as. Knapsack ballots are approval
# ballots whose total cost is capped (Pabulib's `max_sum_cost`).
PABULIB_VOTE_TYPE = {
    BallotType.APPROVAL: "approval",
    BallotType.KNAPSACK: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.RANKED: "ordinal",
}


class BallotError(Refused, ValueError):
    """The ballot breaks a rule; `messages` say what to fix."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class BallotRules:
    ballot_type: BallotType
    budget_pence: int
    max_choices: int | None = None
    min_choices: int = 0
    min_share_percent: int = 0
    points_total: int = 10
    max_points_per_project: int | None = None


@dataclass(frozen=True)
class Project:
    id: int
    title: str
    cost_pence: int


@dataclass
class Tally:
    """What a partly filled ballot adds up to: shown beside the choices as the voter goes."""

    chosen: int = 0
    spent_pence: int = 0
    remaining_pence: int = 0
    points_used: int = 0
    points_left: int = 0
    problems: list[str] = field(default_factory=list)


def parse_contest(ballot_type: BallotType, projects: Mapping[int, Project],
                  form: Mapping[str, list[str]], prefix: str) -> tuple[dict[int, int], list[str]]:
    """Read one contest's choices out of submitted form values.

    `form` maps a field name to every value sent under it. Approval and knapsack ballots
    send `<prefix>choice` once per ticked project; cumulative ballots send
    `<prefix>points-<id>`; ranked ballots send `<prefix>rank-<id>`. Blank numbers mean 0 /
    unranked. Returns (choices, problems with the input itself).
    """
    problems: list[str] = []
    choices: dict[int, int] = {}
    if ballot_type in (BallotType.APPROVAL, BallotType.KNAPSACK):
        for raw in form.get(f"{prefix}choice", []):
            try:
                project_id = int(raw)
            except ValueError:
                project_id = -1
            if project_id not in projects:
                problems.append(_("The ballot lists a project that is not on this ballot. "
                                  "Reload the page and choose again."))
                continue
            choices[project_id] = 1
        return choices, problems
    field_name = "points" if ballot_type == BallotType.CUMULATIVE else "rank"
    for project_id, project in projects.items():
        values = form.get(f"{prefix}{field_name}-{project_id}", [])
        raw = (values[0] if values else "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            problems.append(_("Enter a whole number for “%(project)s”, or leave it blank.",
                              project=project.title))
            continue
        if value < 0:
            problems.append(_("Enter 0 or more for “%(project)s”, not a negative number.",
                              project=project.title))
            continue
        if value:
            choices[project_id] = value
    return choices, problems


def tally(rules: BallotRules, projects: Mapping[int, Project], choices: Mapping[int, int]) -> Tally:
    spent = sum(projects[p].cost_pence for p in choices if p in projects)
    points = sum(choices.values()) if rules.ballot_type == BallotType.CUMULATIVE else 0
    return Tally(
        chosen=len(choices), spent_pence=spent, remaining_pence=rules.budget_pence - spent,
        points_used=points, points_left=rules.points_total - points,
        problems=check(rules, projects, choices),
    )


def check(rules: BallotRules, projects: Mapping[int, Project], choices: Mapping[int, int]) -> list[str]:
    """Every rule this contest's choices break, as messages that say what to fix."""
    problems: list[str] = []
    unknown = [p for p in choices if p not in projects]
    if unknown:
        return [_("The ballot lists a project that is not on this ballot. Reload the page and "
                  "choose again.")]
    count = len(choices)
    kind = rules.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
        if any(value != 1 for value in choices.values()):
            problems.append(_("Each project can be chosen once."))
        if rules.max_choices is not None and count > rules.max_choices:
            problems.append(ngettext("You chose %(num)s project.", "You chose %(num)s projects.", count)
                            + " " + _("Choose no more than %(most)s: untick %(extra)s.",
                                      most=rules.max_choices, extra=count - rules.max_choices))
        if count < rules.min_choices:
            problems.append(ngettext("Choose at least %(num)s project; you chose %(chosen)s.",
                                     "Choose at least %(num)s projects; you chose %(chosen)s.",
                                     rules.min_choices, chosen=count))
    if kind == BallotType.KNAPSACK:
        spent = sum(projects[p].cost_pence for p in choices)
        if spent > rules.budget_pence:
            problems.append(_(
                "Your choices cost %(spent)s, which is %(over)s over the %(budget)s budget. "
                "Untick projects until they fit.", spent=format_pence(spent),
                over=format_pence(spent - rules.budget_pence), budget=format_pence(rules.budget_pence)))
        needed = -(-rules.budget_pence * rules.min_share_percent // 100)
        if rules.min_share_percent and spent < needed:
            problems.append(_(
                "Your choices use %(spent)s of the %(budget)s budget. Choose projects worth at "
                "least %(needed)s (%(percent)s%% of the budget).", spent=format_pence(spent),
                budget=format_pence(rules.budget_pence), needed=format_pence(needed),
                percent=rules.min_share_percent))
    if kind == BallotType.CUMULATIVE:
        used = sum(choices.values())
        if used > rules.points_total:
            problems.append(_("You gave %(used)s points but have %(total)s to share. "
                              "Take away %(extra)s.", used=used, total=rules.points_total,
                              extra=used - rules.points_total))
        cap = rules.max_points_per_project
        if cap is not None:
            for project_id, points in choices.items():
                if points > cap:
                    problems.append(_("You gave %(points)s points to “%(project)s”; one project "
                                      "can have at most %(most)s.", points=points,
                                      project=projects[project_id].title, most=cap))
        if count < rules.min_choices:
            problems.append(ngettext("Give points to at least %(num)s project; you gave points to "
                                     "%(chosen)s.", "Give points to at least %(num)s projects; you "
                                     "gave points to %(chosen)s.", rules.min_choices, chosen=count))
    if kind == BallotType.RANKED:
        by_rank: dict[int, list[int]] = {}
        for project_id, rank in choices.items():
            by_rank.setdefault(rank, []).append(project_id)
        for rank, holders in sorted(by_rank.items()):
            if len(holders) > 1:
                names = (" " + _("and") + " ").join(f"“{projects[p].title}”" for p in sorted(holders))
                problems.append(_("You gave rank %(rank)s to more than one project (%(projects)s). "
                                  "Give each rank to one project only.", rank=rank, projects=names))
        if rules.max_choices is not None and count > rules.max_choices:
            problems.append(ngettext("You ranked %(num)s project.", "You ranked %(num)s projects.", count)
                            + " " + _("Rank no more than %(most)s.", most=rules.max_choices))
        distinct = sorted(by_rank)
        if distinct and distinct != list(range(1, len(distinct) + 1)):
            problems.append(_("Number your ranks 1, 2, 3 and so on, without gaps."))
        if count < rules.min_choices:
            problems.append(ngettext("Rank at least %(num)s project; you ranked %(chosen)s.",
                                     "Rank at least %(num)s projects; you ranked %(chosen)s.",
                                     rules.min_choices, chosen=count))
    return problems


def validate(rules: BallotRules, projects: Mapping[int, Project],
             choices: Mapping[int, int]) -> dict[int, int]:
    problems = check(rules, projects, choices)
    if problems:
        raise BallotError(problems)
    return dict(sorted(choices.items()))


def pabulib_vote(ballot_type: BallotType, choices: Mapping[int, int]) -> tuple[list[str], list[int] | None]:
    """A contest's choices as Pabulib writes them: ids (ordinal: most preferred first), points."""
    if ballot_type == BallotType.RANKED:
        return [str(p) for p, _ in sorted(choices.items(), key=lambda item: item[1])], None
    ids = sorted(choices)
    if ballot_type == BallotType.CUMULATIVE:
        return [str(p) for p in ids], [choices[p] for p in ids]
    return [str(p) for p in ids], None
