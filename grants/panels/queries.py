"""Read-side views of a panel: the meeting table, the composition, the scores export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from commonpot.accounts.models import User
from grants.models import Application, Criterion, Round
from grants.panels import operations
from grants.panels.aggregation import Aggregate, ApplicationResult, aggregate
from grants.panels.models import ConflictDeclaration, Panel, PanelDecision, Review, ReviewAssignment, Score
from grants.panels.states import Outcome, PanelRole, ReviewStatus


def submitted_reviews(session: Session, panel: Panel) -> list[Review]:
    """The panel's submitted reviews with their scores and reviewers: two queries for any
    number of reviews (selectinload would ask once per 500)."""
    submitted = (Review.panel_id == panel.id, Review.status == ReviewStatus.SUBMITTED)
    reviews = list(session.scalars(select(Review).where(*submitted)
                                   .options(joinedload(Review.reviewer))
                                   .order_by(Review.application_id, Review.reviewer_id)))
    by_review: dict[int, list[Score]] = {r.id: [] for r in reviews}
    for score in session.scalars(select(Score).join(Review, Review.id == Score.review_id)
                                 .where(*submitted).order_by(Score.review_id, Score.criterion_id)):
        by_review.setdefault(score.review_id, []).append(score)
    for review in reviews:
        set_committed_value(review, "scores", by_review[review.id])
    return reviews


def panel_aggregate(session: Session, panel: Panel, round_: Round,
                    applications: list[Application], reviews: list[Review] | None = None) -> Aggregate:
    weights = {c.id: c.weight for c in round_.criteria}
    app_ids = {a.id for a in applications}
    scores: dict[int, dict[int, dict[int, int]]] = {}
    if reviews is None:
        reviews = submitted_reviews(session, panel)
    # A conflict found after scoring voids that reviewer's scores for the application.
    conflicted = operations.conflict_pairs(session, panel, {r.reviewer_id for r in reviews}, applications)
    if sum(weights.values()) > 0:
        for review in reviews:
            pair = (review.reviewer_id, review.application_id)
            if review.application_id not in app_ids or pair in conflicted:
                continue
            by_criterion = {s.criterion_id: s.value for s in review.scores if s.criterion_id in weights}
            if set(by_criterion) == set(weights):
                scores.setdefault(review.application_id, {})[review.reviewer_id] = by_criterion
    return aggregate(scores, weights if sum(weights.values()) > 0 else {0: 1},
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
    reviews = submitted_reviews(session, panel)
    result = panel_aggregate(session, panel, round_, applications, reviews)
    decisions = {d.application_id: d for d in session.scalars(
        select(PanelDecision).where(PanelDecision.round_id == round_.id))}
    conflicted = operations.conflicted_application_ids(session, viewer_id, applications)
    recommendations: dict[int, dict[str, int]] = {}
    for review in reviews:
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
                         hidden=application.id in conflicted)
        if not fits and not marked:
            row.first_over_budget = marked = True
        rows.append(row)
    names = {r.reviewer_id: r.reviewer.display_name for r in reviews}
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
    return [{"application": a, "declaration": declarations.get(a.id), "conflicted": a.id in conflicted,
             "review": reviews.get(a.id)} for a in applications]


SCORES_HEADER = ["application_reference", "application_title", "reviewer", "status", "criterion",
                 "weight", "score", "comment", "recommendation", "note_to_applicant"]
SCORES_CHUNK = 1000


def score_rows(session: Session, panel: Panel, round_: Round, viewer_id: int,
               only_application_id: int | None = None) -> Iterator[list]:
    """The scores export: one row per score, in application, reviewer, criterion order,
    leaving out applications the viewer is conflicted on. Three queries in all: the
    viewer's conflicts, then one streamed query for every score."""
    scope = [Application.round_id == round_.id]
    if only_application_id is not None:
        scope.append(Application.id == only_application_id)
    applications = list(session.execute(select(Application.id, Application.group_id).where(*scope)))
    hidden = operations.conflicted_application_ids(session, viewer_id, applications)
    query = (select(Application.id, Application.reference, Application.title, User.display_name,
                    Review.status, Criterion.name, Criterion.weight, Score.criterion_id, Score.value,
                    Score.comment, Review.recommendation, Review.note_to_applicant)
             .select_from(Review)
             .join(Application, Application.id == Review.application_id)
             .join(User, User.id == Review.reviewer_id)
             .join(Score, Score.review_id == Review.id)
             .outerjoin(Criterion, (Criterion.id == Score.criterion_id) & (Criterion.round_id == round_.id))
             .where(Review.panel_id == panel.id, *scope)
             .order_by(Review.application_id, Review.reviewer_id, Score.criterion_id)
             .execution_options(yield_per=SCORES_CHUNK))
    return _score_rows(session, query, hidden)


def _score_rows(session: Session, query, hidden: set[int]) -> Iterator[list]:
    yield SCORES_HEADER
    for (app_id, reference, title, reviewer, status, criterion, weight, criterion_id, value,
         comment, recommendation, note) in session.execute(query):
        if app_id in hidden:  # a conflicted chair's export leaves out what they may not see
            continue
        yield [reference, title, reviewer, ReviewStatus(status).value,
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
