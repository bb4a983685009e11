"""What the public may see of awards: the read-only queries behind the awards list, a decided
round's outcome, fund totals and the open-data exports.

An award is public once its decision has been released to the group and the award still
stands (offered or accepted). Nothing else about an application is published here except
its title, its group's public profile (name, postcode, registered numbers), its theme and
area, and, where the round says so, the panel's scores and the names of groups not funded.
Reviewer notes, feedback, answers, contact details and withdrawal reasons never leave
this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

from sqlalchemy import Select, extract, func, or_, select
from sqlalchemy.orm import Session, joinedload

from grants.models import Application, Award, Fund, FundArea, Group, Round
from grants.queries import COMMITTED_AWARD_STATUSES
from grants.states import ApplicationStatus, RoundPhase

# Phases whose decisions have been released and may be shown.
DECIDED_PHASES = (RoundPhase.DECIDED, RoundPhase.MONITORING, RoundPhase.ARCHIVED)
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200


def public_awards_query() -> Select:
    """Awards the public may see, joined to their application, group and round."""
    return (select(Award)
            .join(Application, Application.id == Award.application_id)
            .join(Group, Group.id == Application.group_id)
            .join(Round, Round.id == Award.round_id)
            .where(Award.released_at.is_not(None),
                   Award.status.in_(COMMITTED_AWARD_STATUSES),
                   Round.phase.in_([p.value for p in DECIDED_PHASES])))


def _with_details(query: Select) -> Select:
    return query.options(joinedload(Award.application).joinedload(Application.group),
                         joinedload(Award.application).joinedload(Application.area),
                         joinedload(Award.round), joinedload(Award.fund).joinedload(Fund.funder))


@dataclass(frozen=True)
class AwardFilters:
    """What a person narrowed the list to. Empty strings and None mean "any"."""

    text: str = ""
    fund: str = ""  # fund slug
    round: str = ""  # round slug
    theme: str = ""
    area: str = ""  # area name
    year: int | None = None

    def apply(self, query: Select) -> Select:
        if self.text.strip():
            pattern = f"%{self.text.strip().lower()}%"
            query = query.where(or_(func.lower(Group.name).like(pattern),
                                    func.lower(Application.title).like(pattern)))
        if self.fund:
            query = query.where(Award.fund_id.in_(select(Fund.id).where(Fund.slug == self.fund)))
        if self.round:
            query = query.where(Round.slug == self.round)
        if self.theme:
            query = query.where(Application.theme == self.theme)
        if self.area:
            query = query.where(Application.area_id.in_(
                select(FundArea.id).where(FundArea.name == self.area)))
        if self.year:
            query = query.where(extract("year", Award.released_at) == self.year)
        return query

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links to other pages of the list)."""
        values = {"q": self.text.strip(), "fund": self.fund, "round": self.round,
                  "theme": self.theme, "area": self.area, "year": self.year or ""}
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class AwardPage:
    awards: list[Award]
    count: int  # every award matching the filters, on all pages
    total_pence: int  # their amounts added up
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))


def clamp_page(page: int | None, per_page: int | None) -> tuple[int, int]:
    per_page = DEFAULT_PER_PAGE if not per_page or per_page < 1 else min(per_page, MAX_PER_PAGE)
    return max(1, page or 1), per_page


def search_awards(session: Session, filters: AwardFilters = AwardFilters(), page: int = 1,
                  per_page: int = DEFAULT_PER_PAGE) -> AwardPage:
    """One page of public awards (newest first) with the count and total over all pages."""
    page, per_page = clamp_page(page, per_page)
    query = filters.apply(public_awards_query())
    totals = query.with_only_columns(func.count(Award.id),
                                     func.coalesce(func.sum(Award.amount_pence), 0))
    count, total = session.execute(totals).one()
    rows = session.scalars(_with_details(query)
                           .order_by(Award.released_at.desc(), Award.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return AwardPage(list(rows), int(count), int(total), page, per_page)


def all_public_awards(session: Session, fund_id: int | None = None) -> list[Award]:
    """Every public award in a stable order (for exports)."""
    query = public_awards_query()
    if fund_id is not None:
        query = query.where(Award.fund_id == fund_id)
    return list(session.scalars(_with_details(query).order_by(Award.id)).unique())


@dataclass
class FilterChoices:
    funds: list[tuple[str, str]]  # (slug, name)
    rounds: list[tuple[str, str]]  # (slug, title)
    themes: list[str]
    areas: list[str]
    years: list[int]


def filter_choices(session: Session) -> FilterChoices:
    """Only values some public award has, so no filter leads to an empty page by design."""
    base = public_awards_query().subquery()
    award_ids = select(base.c.id)
    funds = session.execute(select(Fund.slug, Fund.name).where(
        Fund.id.in_(select(base.c.fund_id))).order_by(Fund.name)).all()
    rounds = session.execute(select(Round.slug, Round.title).where(
        Round.id.in_(select(base.c.round_id))).order_by(Round.title)).all()
    themes = session.scalars(select(Application.theme).join(
        Award, Award.application_id == Application.id).where(
        Award.id.in_(award_ids), Application.theme.is_not(None)).distinct()).all()
    areas = session.scalars(select(FundArea.name).join(
        Application, Application.area_id == FundArea.id).join(
        Award, Award.application_id == Application.id).where(Award.id.in_(award_ids)).distinct()).all()
    years = {moment.year for moment in session.scalars(
        select(Award.released_at).where(Award.id.in_(award_ids)))}
    return FilterChoices(funds=[tuple(r) for r in funds], rounds=[tuple(r) for r in rounds],
                         themes=sorted(themes), areas=sorted(set(areas)),
                         years=sorted(years, reverse=True))


# --- a decided round ----------------------------------------------------------------------

@dataclass
class CriterionScore:
    name: str
    mean: Fraction


@dataclass
class ScoreSummary:
    """The panel's scores for one award: the weighted mean and each criterion's mean."""

    reviewers: int
    overall: Fraction | None
    criteria: list[CriterionScore] = field(default_factory=list)
    scale_max: int = 5


@dataclass
class RoundOutcome:
    awards: list[Award]
    awarded_pence: int
    received: int
    declined: int  # considered and not funded
    ineligible: int  # found not eligible at screening
    # Names of groups not funded: only where the round publishes them.
    declined_names: list[str] | None
    scores: dict[int, ScoreSummary] | None  # award id -> summary, where the round publishes them


def round_outcome(session: Session, round_: Round) -> RoundOutcome | None:
    """What a decided round's public page shows; None before decisions are released."""
    if round_.phase not in DECIDED_PHASES:
        return None
    awards = list(session.scalars(_with_details(public_awards_query().where(
        Award.round_id == round_.id)).order_by(Award.amount_pence.desc(), Award.id)).unique())
    counts = dict(session.execute(select(Application.status, func.count(Application.id)).where(
        Application.round_id == round_.id).group_by(Application.status)).all())
    counts = {ApplicationStatus(k): v for k, v in counts.items()}
    received = sum(n for status, n in counts.items()
                   if status not in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN))
    declined = counts.get(ApplicationStatus.NOT_AWARDED, 0)
    names = None
    if round_.publish_declined_names:
        names = sorted(session.scalars(select(Group.name).join(
            Application, Application.group_id == Group.id).where(
            Application.round_id == round_.id,
            Application.status == ApplicationStatus.NOT_AWARDED)).all())
    scores = _score_summaries(session, round_, awards) if round_.publish_scores else None
    return RoundOutcome(awards=awards, awarded_pence=sum(a.amount_pence for a in awards),
                        received=received, declined=declined,
                        ineligible=counts.get(ApplicationStatus.INELIGIBLE, 0),
                        declined_names=names, scores=scores)


def _score_summaries(session: Session, round_: Round, awards: list[Award]) -> dict[int, ScoreSummary]:
    """Means over the reviews the panel counted (submitted, and not voided by a conflict)."""
    from grants.panels import operations as panel_operations
    from grants.panels.queries import panel_aggregate, score_sheets

    panel = panel_operations.panel_for_round(session, round_.id)
    if panel is None or not awards:
        return {}
    applications = [a.application for a in awards]
    sheets = score_sheets(session, panel)
    conflicted = panel_operations.conflict_pairs(session, panel, {s.reviewer_id for s in sheets},
                                                 applications)
    aggregate = panel_aggregate(session, panel, round_, applications, sheets, conflicted).by_application()
    names = {c.id: c.name for c in round_.criteria}
    by_application: dict[int, list] = {}
    for sheet in sheets:
        if (sheet.reviewer_id, sheet.application_id) not in conflicted:
            by_application.setdefault(sheet.application_id, []).append(sheet)
    summaries = {}
    for award in awards:
        by_criterion: dict[int, list[int]] = {}
        for sheet in by_application.get(award.application_id, ()):
            for criterion_id, value in sheet.scores.items():
                if criterion_id in names:
                    by_criterion.setdefault(criterion_id, []).append(value)
        result = aggregate.get(award.application_id)
        summaries[award.id] = ScoreSummary(
            reviewers=result.reviewer_count if result else 0,
            overall=result.mean if result else None,
            criteria=[CriterionScore(names[c.id], Fraction(sum(by_criterion[c.id]), len(by_criterion[c.id])))
                      for c in round_.criteria if by_criterion.get(c.id)],
            scale_max=panel.scale_max)
    return summaries


# --- funds --------------------------------------------------------------------------------

def fund_award_totals(session: Session, fund_ids) -> dict[int, tuple[int, int]]:
    """{fund id: (public awards, their pence)} for many funds in one query."""
    ids = list(fund_ids)
    if not ids:
        return {}
    rows = session.execute(public_awards_query().where(Award.fund_id.in_(ids))
                           .with_only_columns(Award.fund_id, func.count(Award.id),
                                              func.coalesce(func.sum(Award.amount_pence), 0))
                           .group_by(Award.fund_id))
    totals = {fund_id: (0, 0) for fund_id in ids}
    totals.update({fund_id: (int(n), int(pence)) for fund_id, n, pence in rows})
    return totals


@dataclass(frozen=True)
class OutcomeCounts:
    awards: int
    awarded_pence: int
    received: int
    declined: int
    ineligible: int


def outcome_counts(session: Session, rounds) -> dict[int, OutcomeCounts | None]:
    """The figures of round_outcome() for many rounds in two queries (None before the
    decisions are released), for lists such as the open-data API's."""
    decided = [r.id for r in rounds if r.phase in DECIDED_PHASES]
    result: dict[int, OutcomeCounts | None] = {r.id: None for r in rounds}
    if not decided:
        return result
    awards = {round_id: (int(n), int(pence)) for round_id, n, pence in session.execute(
        public_awards_query().where(Award.round_id.in_(decided))
        .with_only_columns(Award.round_id, func.count(Award.id),
                           func.coalesce(func.sum(Award.amount_pence), 0))
        .group_by(Award.round_id))}
    by_status: dict[int, dict[ApplicationStatus, int]] = {}
    for round_id, status, n in session.execute(
            select(Application.round_id, Application.status, func.count(Application.id))
            .where(Application.round_id.in_(decided))
            .group_by(Application.round_id, Application.status)):
        by_status.setdefault(round_id, {})[ApplicationStatus(status)] = n
    for round_id in decided:
        counts = by_status.get(round_id, {})
        n, pence = awards.get(round_id, (0, 0))
        result[round_id] = OutcomeCounts(
            awards=n, awarded_pence=pence,
            received=sum(k for status, k in counts.items()
                         if status not in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)),
            declined=counts.get(ApplicationStatus.NOT_AWARDED, 0),
            ineligible=counts.get(ApplicationStatus.INELIGIBLE, 0))
    return result


def fund_awarded_pence(session: Session, fund_id: int) -> int:
    """Awards the fund has made and published (offered or accepted), in pence."""
    return int(session.scalar(public_awards_query().where(Award.fund_id == fund_id)
                              .with_only_columns(func.coalesce(func.sum(Award.amount_pence), 0))))


def fund_award_count(session: Session, fund_id: int) -> int:
    return int(session.scalar(public_awards_query().where(Award.fund_id == fund_id)
                              .with_only_columns(func.count(Award.id))))


def latest_change(session: Session) -> datetime | None:
    """When public award data last changed (for dateModified and caching)."""
    moment = session.scalar(public_awards_query().with_only_columns(func.max(Award.released_at)))
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
