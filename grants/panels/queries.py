"""Read-side views of a panel: the meeting table, the composition, the scores export."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from commonpot.i18n import _
from grants.models import Application, GroupMembership, Round
from grants.panels import operations
from grants.panels.aggregation import Aggregate, ApplicationResult, aggregate
from grants.panels.models import (
    ConflictDeclaration,
    Panel,
    PanelDecision,
    PanelMember,
    Review,
    ReviewAssignment,
)
from grants.panels.states import Outcome, PanelRole, ReviewStatus
from grants.states import RoundPhase


def submitted_reviews(session: Session, panel: Panel) -> list[Review]:
    return list(session.scalars(select(Review).where(
        Review.panel_id == panel.id, Review.status == ReviewStatus.SUBMITTED
    ).order_by(Review.application_id, Review.reviewer_id)))


def scoring_weights(round_: Round) -> dict[int, int]:
    """Each criterion's weight. A round whose criteria all weigh 0 (set up before weight 0
    was refused) counts them alike, so scores that exist are never shown as missing."""
    weights = {c.id: c.weight for c in round_.criteria}
    if weights and sum(weights.values()) <= 0:
        return dict.fromkeys(weights, 1)
    return weights


def panel_aggregate(session: Session, panel: Panel, round_: Round,
                    applications: list[Application]) -> Aggregate:
    weights = scoring_weights(round_)
    app_ids = {a.id for a in applications}
    scores: dict[int, dict[int, dict[int, int]]] = {}
    reviews = submitted_reviews(session, panel)
    # A conflict found after scoring voids that reviewer's scores for the application.
    conflicted = operations.conflict_pairs(session, panel, {r.reviewer_id for r in reviews}, applications)
    if weights:
        for review in reviews:
            pair = (review.reviewer_id, review.application_id)
            if review.application_id not in app_ids or pair in conflicted:
                continue
            by_criterion = {s.criterion_id: s.value for s in review.scores if s.criterion_id in weights}
            if set(by_criterion) == set(weights):
                scores.setdefault(review.application_id, {})[review.reviewer_id] = by_criterion
    return aggregate(scores, weights or {0: 1},
                     application_ids=app_ids, calibrate=panel.calibrate_scores,
                     threshold=Fraction(panel.disagreement_threshold_hundredths, 100),
                     scale=(panel.scale_min, panel.scale_max))


@dataclass
class MeetingRow:
    application: Application
    result: ApplicationResult
    decision: PanelDecision | None
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
    amount requested. The first row past the budget marks where the money runs out."""
    applications = operations.reviewable_applications(session, round_.id)
    by_id = {a.id: a for a in applications}
    result = panel_aggregate(session, panel, round_, applications)
    decisions = {d.application_id: d for d in session.scalars(
        select(PanelDecision).where(PanelDecision.round_id == round_.id))}
    recommendations: dict[int, dict[str, int]] = {}
    for review in submitted_reviews(session, panel):
        if review.recommendation:
            counts = recommendations.setdefault(review.application_id, {})
            counts[review.recommendation.value] = counts.get(review.recommendation.value, 0) + 1
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
                         hidden=operations.is_conflicted(session, viewer_id, application))
        if not fits and not marked:
            row.first_over_budget = marked = True
        rows.append(row)
    names = {r.reviewer_id: r.reviewer.display_name for r in submitted_reviews(session, panel)}
    return Meeting(round=round_, panel=panel, rows=rows, budget_pence=round_.budget_pence,
                   committed_pence=operations.awarded_total(session, round_.id), reviewer_names=names)


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
