"""Read-side views of a panel: the meeting table, the composition, the scores export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commonpot.accounts.models import User
from commonpot.i18n import _
from grants.models import Application, Criterion, GroupMembership, Round
from grants.panels import operations
from grants.panels.aggregation import Aggregate, ApplicationResult, aggregate
from grants.panels.models import (
    ConflictDeclaration,
    Panel,
    PanelDecision,
    PanelMember,
    Review,
    ReviewAssignment,
    Score,
)
from grants.panels.states import Outcome, PanelRole, ReviewStatus
from grants.states import RoundPhase


@dataclass(frozen=True)
class ScoreSheet:
    """A submitted review as plain values: who scored what, and what they recommend."""
    review_id: int
    application_id: int
    reviewer_id: int
    recommendation: str | None
    scores: dict[int, int]  # criterion id -> score


def score_sheets(session: Session, panel: Panel) -> list[ScoreSheet]:
    """The panel's submitted reviews and their scores: two queries, read as plain rows
    (thousands of ORM objects would cost more than the page's budget)."""
    review, score = Review.__table__.c, Score.__table__.c
    submitted = (review.panel_id == panel.id, review.status == ReviewStatus.SUBMITTED)
    # Core rows on the session's connection: no ORM result processing for 10,000s of rows.
    conn = session.connection()
    scores: dict[int, dict[int, int]] = {}
    for review_id, criterion_id, value in conn.execute(
            select(score.review_id, score.criterion_id, score.value)
            .join(Review.__table__, review.id == score.review_id).where(*submitted)):
        scores.setdefault(review_id, {})[criterion_id] = value
    return [ScoreSheet(review_id, application_id, reviewer_id,
                       getattr(recommendation, "value", recommendation), scores.get(review_id, {}))
            for review_id, application_id, reviewer_id, recommendation in conn.execute(
                select(review.id, review.application_id, review.reviewer_id, review.recommendation)
                .where(*submitted).order_by(review.application_id, review.reviewer_id))]


def scoring_weights(round_: Round) -> dict[int, int]:
    """Each criterion's weight. A round whose criteria all weigh 0 (set up before weight 0
    was refused) counts them alike, so scores that exist are never shown as missing."""
    weights = {c.id: c.weight for c in round_.criteria}
    if weights and sum(weights.values()) <= 0:
        return dict.fromkeys(weights, 1)
    return weights


def panel_aggregate(session: Session, panel: Panel, round_: Round, applications,
                    sheets: list[ScoreSheet] | None = None,
                    conflicted: set[tuple[int, int]] | None = None) -> Aggregate:
    """Rank `applications` (anything with .id and .group_id) by the panel's scores."""
    weights = scoring_weights(round_)
    app_ids = {a.id for a in applications}
    scores: dict[int, dict[int, dict[int, int]]] = {}
    if sheets is None:
        sheets = score_sheets(session, panel)
    if conflicted is None:
        # A conflict found after scoring voids that reviewer's scores for the application.
        conflicted = operations.conflict_pairs(session, panel, {s.reviewer_id for s in sheets},
                                               applications)
    if weights:
        for sheet in sheets:
            pair = (sheet.reviewer_id, sheet.application_id)
            if sheet.application_id not in app_ids or pair in conflicted:
                continue
            by_criterion = {c: v for c, v in sheet.scores.items() if c in weights}
            if set(by_criterion) == set(weights):
                scores.setdefault(sheet.application_id, {})[sheet.reviewer_id] = by_criterion
    return aggregate(scores, weights or {0: 1},
                     application_ids=app_ids, calibrate=panel.calibrate_scores,
                     threshold=Fraction(panel.disagreement_threshold_hundredths, 100),
                     scale=(panel.scale_min, panel.scale_max))


@dataclass(frozen=True)
class MeetingApplication:
    """What the meeting table shows of an application."""
    id: int
    reference: str | None
    title: str
    requested_amount_pence: int | None
    group_id: int


@dataclass(frozen=True)
class MeetingDecision:
    outcome: Outcome
    amount_pence: int | None
    released_at: object


@dataclass
class MeetingRow:
    application: MeetingApplication
    result: ApplicationResult
    decision: MeetingDecision | None
    recommendations: dict[str, int]
    cost_pence: int
    cumulative_pence: int
    fits_budget: bool
    hidden: bool  # the viewer has a conflict: scores are not shown to them
    first_over_budget: bool = False


@dataclass
class Meeting:
    round: Round
    panel: Panel
    rows: list[MeetingRow]
    budget_pence: int
    committed_pence: int
    reviewer_names: dict[int, str] = field(default_factory=dict)

    @property
    def remaining_pence(self) -> int:
        return self.budget_pence - self.committed_pence


def meeting(session: Session, panel: Panel, round_: Round, viewer_id: int) -> Meeting:
    """Applications in rank order with a running total of what funding them would cost:
    the amount decided for an award, nothing for a decline or reserve, otherwise the
    amount requested. The first row past the budget marks where the money runs out.

    A fixed number of queries, each read as plain rows: the applications, the score sheets
    (two), the conflicts of the reviewers and the viewer (two), the decisions, the
    reviewers' names and the amount awarded."""
    table = Application.__table__.c
    applications = [MeetingApplication(*row) for row in session.connection().execute(
        select(table.id, table.reference, table.title, table.requested_amount_pence, table.group_id)
        .where(table.round_id == round_.id, table.status.in_(operations.REVIEWABLE_STATUSES))
        .order_by(table.id))]
    by_id = {a.id: a for a in applications}
    sheets = score_sheets(session, panel)
    reviewer_ids = {s.reviewer_id for s in sheets}
    pairs = operations.round_conflict_pairs(session, round_.id, reviewer_ids | {viewer_id})
    result = panel_aggregate(session, panel, round_, applications, sheets,
                             conflicted={p for p in pairs if p[0] in reviewer_ids})
    conflicted = {app_id for user_id, app_id in pairs if user_id == viewer_id}
    outcomes = {o.value: o for o in Outcome} | {o: o for o in Outcome}
    decisions = {application_id: MeetingDecision(outcomes[outcome], amount, released)
                 for application_id, outcome, amount, released in session.execute(
                     select(PanelDecision.application_id, PanelDecision.outcome,
                            PanelDecision.amount_pence, PanelDecision.released_at)
                     .where(PanelDecision.round_id == round_.id))}
    recommendations: dict[int, dict[str, int]] = {}
    for sheet in sheets:
        if sheet.recommendation:
            counts = recommendations.setdefault(sheet.application_id, {})
            counts[sheet.recommendation] = counts.get(sheet.recommendation, 0) + 1
    rows: list[MeetingRow] = []
    running = 0
    marked = False
    for item in result.results:
        application = by_id[item.application_id]
        decision = decisions.get(application.id)
        if decision is not None and decision.outcome == Outcome.AWARD:
            cost = decision.amount_pence
        elif decision is not None:
            cost = 0
        else:
            cost = application.requested_amount_pence or 0
        running += cost
        fits = running <= round_.budget_pence
        row = MeetingRow(application=application, result=item, decision=decision,
                         recommendations=recommendations.get(application.id, {}), cost_pence=cost,
                         cumulative_pence=running, fits_budget=fits,
                         hidden=application.id in conflicted)
        if not fits and not marked:
            row.first_over_budget = marked = True
        rows.append(row)
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(reviewer_ids)))
                 .tuples().all()) if reviewer_ids else {}
    return Meeting(round=round_, panel=panel, rows=rows, budget_pence=round_.budget_pence,
                   committed_pence=operations.awarded_total(session, round_.id), reviewer_names=names)


def assignments_query(reviewer_id: int):
    """A reviewer's current assignments with their application and round."""
    return (select(ReviewAssignment).where(ReviewAssignment.reviewer_id == reviewer_id,
                                           ReviewAssignment.removed_at.is_(None))
            .options(joinedload(ReviewAssignment.application).joinedload(Application.round))
            .order_by(ReviewAssignment.application_id))


def assigned_rounds(session: Session, reviewer_id: int) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.id.in_(
        select(Application.round_id).join(ReviewAssignment, ReviewAssignment.application_id == Application.id)
        .where(ReviewAssignment.reviewer_id == reviewer_id, ReviewAssignment.removed_at.is_(None))))
        .order_by(Round.id)))


def review_rows(session: Session, reviewer_id: int, applications: list[Application]) -> list[dict]:
    """For each application: the reviewer's declaration, conflict and review, in four
    queries however many applications."""
    ids = [a.id for a in applications]
    declarations = {d.application_id: d for d in session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.reviewer_id == reviewer_id, ConflictDeclaration.application_id.in_(ids)))}
    reviews = {r.application_id: r for r in session.scalars(select(Review).where(
        Review.reviewer_id == reviewer_id, Review.application_id.in_(ids)))}
    conflicted = operations.conflicted_application_ids(session, reviewer_id, applications)
    # Whether a conflict can be withdrawn is asked only of the few conflicted rows.
    return [{"application": a, "declaration": declarations.get(a.id), "conflicted": a.id in conflicted,
             "withdrawable": a.id in conflicted and operations.conflict_withdrawable(session, reviewer_id, a),
             "review": reviews.get(a.id)} for a in applications]


SCORES_HEADER = ["application_reference", "application_title", "reviewer", "status", "criterion",
                 "weight", "score", "comment", "recommendation", "note_to_applicant"]
SCORES_CHUNK = 1000


def score_rows(session: Session, panel: Panel, round_: Round, viewer_id: int,
               only_application_id: int | None = None) -> Iterator[list]:
    """The scores export: one row per score, in application, reviewer, criterion order,
    leaving out applications the viewer is conflicted on. Three queries in all: the
    viewer's conflicts (two), then one streamed query for every score, read as plain rows."""
    hidden = {app_id for _, app_id in operations.round_conflict_pairs(
        session, round_.id, {viewer_id}, statuses=None)}
    application, review, score = Application.__table__.c, Review.__table__.c, Score.__table__.c
    user, criterion = User.__table__.c, Criterion.__table__.c
    scope = [review.panel_id == panel.id]
    if only_application_id is not None:
        scope.append(review.application_id == only_application_id)
    query = (select(application.id, application.reference, application.title, user.display_name,
                    review.status, criterion.name, criterion.weight, score.criterion_id, score.value,
                    score.comment, review.recommendation, review.note_to_applicant)
             .select_from(Review.__table__)
             .join(Application.__table__, application.id == review.application_id)
             .join(User.__table__, user.id == review.reviewer_id)
             .join(Score.__table__, score.review_id == review.id)
             .outerjoin(Criterion.__table__, (criterion.id == score.criterion_id)
                        & (criterion.round_id == round_.id))
             .where(*scope)
             .order_by(review.application_id, review.reviewer_id, score.criterion_id)
             .execution_options(yield_per=SCORES_CHUNK))
    return _score_rows(session, query, hidden)


def _score_rows(session: Session, query, hidden: set[int]) -> Iterator[list]:
    yield SCORES_HEADER
    for (app_id, reference, title, reviewer, status, criterion, weight, criterion_id, value,
         comment, recommendation, note) in session.connection().execute(query):
        if app_id in hidden:  # a conflicted chair's export leaves out what they may not see
            continue
        yield [reference, title, reviewer, getattr(status, "value", status),
               criterion if criterion is not None else criterion_id,
               weight if criterion is not None else "", value, comment,
               getattr(recommendation, "value", recommendation) or "", note]


def composition(session: Session, round_id: int) -> dict | None:
    """The panel's public composition: for the round page and the panel page.

    {"show_names": bool, "members": [{"name": str|None, "role": str, "is_resident": bool}],
     "residents": int, "total": int} or None when the round has no panel yet."""
    panel = operations.panel_for_round(session, round_id)
    if panel is None:
        return None
    members = [m for m in operations.active_members(session, panel)]
    members.sort(key=lambda m: (m.role != PanelRole.CHAIR, m.id))
    return {
        "show_names": panel.show_member_names,
        "members": [{"name": m.user.display_name if panel.show_member_names else None,
                     "role": PanelRole(m.role).label, "is_resident": m.is_resident} for m in members],
        "residents": sum(1 for m in members if m.is_resident),
        "total": len(members),
    }


@dataclass
class ReviewDue:
    """An assigned review still waiting for the reviewer, and what to do next."""

    application: Application
    step: str
    endpoint: str  # panels.declare_conflict or panels.score_application


def reviews_due(session: Session, user_id: int) -> list[ReviewDue] | None:
    """For "Your work": the reviews a panel member still has to do in rounds being scored,
    each with its next step; None when they sit on no panel. Four queries, whatever the count."""
    if session.scalar(select(func.count(PanelMember.id)).where(
            PanelMember.user_id == user_id, PanelMember.removed_at.is_(None))) == 0:
        return None
    applications = list(session.scalars(
        select(Application).join(ReviewAssignment, ReviewAssignment.application_id == Application.id)
        .join(PanelMember, (PanelMember.panel_id == ReviewAssignment.panel_id)
              & (PanelMember.user_id == user_id) & PanelMember.removed_at.is_(None))
        .join(Round, Round.id == Application.round_id)
        .where(ReviewAssignment.reviewer_id == user_id, ReviewAssignment.removed_at.is_(None),
               Round.phase == RoundPhase.SCORING)
        .options(selectinload(Application.round))
        .order_by(Round.closes_at, Application.id)))
    ids = [a.id for a in applications]
    if not ids:
        return []
    declarations = {d.application_id: d for d in session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.reviewer_id == user_id, ConflictDeclaration.application_id.in_(ids)))}
    statuses = dict(session.execute(select(Review.application_id, Review.status).where(
        Review.reviewer_id == user_id, Review.application_id.in_(ids))).all())
    own_groups = set(session.scalars(select(GroupMembership.group_id).where(
        GroupMembership.user_id == user_id,
        GroupMembership.group_id.in_({a.group_id for a in applications}))))
    due = []
    for application in applications:
        declaration = declarations.get(application.id)
        if application.group_id in own_groups or (declaration and declaration.has_conflict):
            continue  # conflicted: nothing for them to do
        if declaration is None:
            due.append(ReviewDue(application, _("Declare any conflict of interest, then score it."),
                                 "panels.declare_conflict"))
        elif statuses.get(application.id) == ReviewStatus.DRAFT:
            due.append(ReviewDue(application, _("Finish your scores and submit them."),
                                 "panels.score_application"))
        elif application.id not in statuses:
            due.append(ReviewDue(application, _("Score it."), "panels.score_application"))
    return due
