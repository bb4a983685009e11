"""The rules a ballot must follow, for each ballot type. Pure Python: no Flask, no database.

A ballot holds one *contest* per budget it votes on (the voter's district, plus the
area-wide budget when the round has one). Each contest is checked on its own against the
round's rules, and every refusal says what to change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from commonpot.money import format_pence
from commonpot.refusals import Refused


class BallotType(enum.StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"

    @property
    def label(self) -> str:
        """What people call one: "Budget ballot", never "knapsack"."""
        return _ballot_type_names()[self][0]

    @property
    def plural(self) -> str:
        return _ballot_type_names()[self][1]


def _ballot_type_names() -> dict:
    # Imported here: the words are for people (Flask-Babel), the rules stay pure Python.
    from commonpot.i18n import lazy_gettext

    return {
        BallotType.APPROVAL: (lazy_gettext("Approval ballot"), lazy_gettext("Approval ballots")),
        BallotType.KNAPSACK: (lazy_gettext("Budget ballot"), lazy_gettext("Budget ballots")),
        BallotType.CUMULATIVE: (lazy_gettext("Points ballot"), lazy_gettext("Points ballots")),
        BallotType.RANKED: (lazy_gettext("Ranked ballot"), lazy_gettext("Ranked ballots")),
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
                problems.append("The ballot lists a project that is not on this ballot. "
                                "Reload the page and choose again.")
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
            problems.append(f"Enter a whole number for “{project.title}”, or leave it blank.")
            continue
        if value < 0:
            problems.append(f"Enter 0 or more for “{project.title}”, not a negative number.")
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
        return ["The ballot lists a project that is not on this ballot. Reload the page and "
                "choose again."]
    count = len(choices)
    kind = rules.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
        if any(value != 1 for value in choices.values()):
            problems.append("Each project can be chosen once.")
        if rules.max_choices is not None and count > rules.max_choices:
            problems.append(f"You chose {_plural(count, 'project')}. Choose no more than "
                            f"{rules.max_choices}: untick {count - rules.max_choices}.")
        if count < rules.min_choices:
            problems.append(f"Choose at least {_plural(rules.min_choices, 'project')}; "
                            f"you chose {count}.")
    if kind == BallotType.KNAPSACK:
        spent = sum(projects[p].cost_pence for p in choices)
        if spent > rules.budget_pence:
            problems.append(
                f"Your choices cost {format_pence(spent)}, which is "
                f"{format_pence(spent - rules.budget_pence)} over the "
                f"{format_pence(rules.budget_pence)} budget. Untick projects until they fit.")
        needed = -(-rules.budget_pence * rules.min_share_percent // 100)
        if rules.min_share_percent and spent < needed:
            problems.append(
                f"Your choices use {format_pence(spent)} of the {format_pence(rules.budget_pence)} budget. "
                f"Choose projects worth at least {format_pence(needed)} "
                f"({rules.min_share_percent}% of the budget).")
    if kind == BallotType.CUMULATIVE:
        used = sum(choices.values())
        if used > rules.points_total:
            problems.append(f"You gave {used} points but have {rules.points_total} to share. "
                            f"Take away {used - rules.points_total}.")
        cap = rules.max_points_per_project
        if cap is not None:
            for project_id, points in choices.items():
                if points > cap:
                    problems.append(f"You gave {points} points to “{projects[project_id].title}”; "
                                    f"one project can have at most {cap}.")
        if count < rules.min_choices:
            problems.append(f"Give points to at least {_plural(rules.min_choices, 'project')}; "
                            f"you gave points to {count}.")
    if kind == BallotType.RANKED:
        by_rank: dict[int, list[int]] = {}
        for project_id, rank in choices.items():
            by_rank.setdefault(rank, []).append(project_id)
        for rank, holders in sorted(by_rank.items()):
            if len(holders) > 1:
                names = " and ".join(f"“{projects[p].title}”" for p in sorted(holders))
                problems.append(f"You gave rank {rank} to more than one project ({names}). "
                                "Give each rank to one project only.")
        if rules.max_choices is not None and count > rules.max_choices:
            problems.append(f"You ranked {_plural(count, 'project')}. Rank no more than "
                            f"{rules.max_choices}.")
        distinct = sorted(by_rank)
        if distinct and distinct != list(range(1, len(distinct) + 1)):
            problems.append("Number your ranks 1, 2, 3 and so on, without gaps.")
        if count < rules.min_choices:
            problems.append(f"Rank at least {_plural(rules.min_choices, 'project')}; "
                            f"you ranked {count}.")
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
