"""Read-side views of a panel: the meeting table, the composition, the scores export."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants.models import Application, Round
from grants.panels import operations
from grants.panels.aggregation import Aggregate, ApplicationResult, aggregate
from grants.panels.models import Panel, PanelDecision, Review
from grants.panels.states import Outcome, PanelRole, ReviewStatus


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
