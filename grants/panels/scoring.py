"""Score sheets: saving, submitting and reopening a reviewer's review.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.db import utcnow
from commonpot.i18n import _
from grants.models import Application
from grants.panels.conflicts import declaration_for, is_conflicted
from grants.panels.errors import ConflictOfInterest, PanelError
from grants.panels.members import membership, panel_for_round
from grants.panels.models import (
    Review,
    Score,
)
from grants.panels.reviewer_assignments import assignment_for
from grants.panels.states import (
    Recommendation,
    ReviewLocked,
    ReviewStatus,
    check_review_transition,
)
from grants.states import RoundPhase

SCORING_PHASES = frozenset({RoundPhase.SCORING})
# --- scoring -----------------------------------------------------------------------------------

def review_for(session: Session, user_id: int, application_id: int) -> Review | None:
    return session.scalar(select(Review).where(
        Review.application_id == application_id, Review.reviewer_id == user_id))


def save_review(session: Session, reviewer: User, application: Application, *,
                scores: dict[int, tuple[int | None, str]], recommendation: str | None,
                note_to_applicant: str = "", submit: bool = False) -> Review:
    """Save a reviewer's scores as a draft, or submit (which locks them)."""
    round_ = application.round
    panel = panel_for_round(session, round_.id)
    if membership(session, panel, reviewer.id) is None or assignment_for(
            session, reviewer.id, application.id) is None:
        raise PanelError(_("You are not assigned to review this application."))
    if is_conflicted(session, reviewer.id, application):
        raise ConflictOfInterest(_("You have a conflict of interest with this application."))
    if declaration_for(session, reviewer.id, application.id) is None:
        raise PanelError(_("Declare any conflict of interest before you score."))
    if round_.phase not in SCORING_PHASES:
        raise PanelError(_("Scores can only be changed while the round is in panel scoring."))
    review = review_for(session, reviewer.id, application.id)
    if review is not None and review.status == ReviewStatus.SUBMITTED:
        raise ReviewLocked(_("Your scores are submitted and locked. Ask the chair to reopen them."))
    criteria = {c.id: c for c in round_.criteria}
    unknown = set(scores) - set(criteria)
    if unknown:
        raise PanelError(_("Scores were sent for criteria this round does not have."))
    for criterion_id, (value, _comment) in scores.items():
        if value is not None and not panel.scale_min <= value <= panel.scale_max:
            raise PanelError(_("Scores for %(criterion)s must be from %(lowest)s to %(highest)s.",
                               criterion=criteria[criterion_id].name,
                               lowest=panel.scale_min, highest=panel.scale_max))
    if review is None:
        review = Review(panel_id=panel.id, application_id=application.id, reviewer_id=reviewer.id,
                        status=ReviewStatus.DRAFT)
        session.add(review)
        session.flush()
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, (value, comment) in scores.items():
        row = existing.get(criterion_id)
        if value is None:
            if row is not None:
                review.scores.remove(row)
                session.delete(row)
            continue
        if row is None:
            row = Score(review_id=review.id, criterion_id=criterion_id, value=value)
            session.add(row)
            review.scores.append(row)
        row.value = value
        row.comment = (comment or "").strip()
    review.recommendation = Recommendation(recommendation) if recommendation else None
    review.note_to_applicant = (note_to_applicant or "").strip()
    review.updated_at = utcnow()
    session.flush()
    if submit:
        scored = {s.criterion_id for s in review.scores}
        missing = [c.name for cid, c in criteria.items() if cid not in scored]
        if missing:
            raise PanelError(_("Score every criterion before you submit: %(criteria)s.",
                               criteria=", ".join(missing)))
        if review.recommendation is None:
            raise PanelError(_("Give an overall recommendation before you submit."))
        check_review_transition(review.status, ReviewStatus.SUBMITTED)
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = utcnow()
        session.flush()
        audit.record(session, reviewer, "panels.review_submitted", "application", application.id,
                     {"reviewer_id": reviewer.id,
                      "scores": {str(s.criterion_id): s.value for s in review.scores},
                      "recommendation": review.recommendation.value})
    return review


def reopen_review(session: Session, actor, review: Review, reason: str) -> Review:
    """The chair unlocks a submitted score sheet, saying why."""
    if not (reason or "").strip():
        raise PanelError(_("Give a reason for reopening these scores."))
    check_review_transition(review.status, ReviewStatus.DRAFT)
    if review.application.round.phase not in SCORING_PHASES:
        raise PanelError(_("Scores can only be reopened while the round is in panel scoring."))
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.reopened_at = utcnow()
    review.reopen_reason = reason.strip()
    session.flush()
    audit.record(session, actor, "panels.review_reopened", "application", review.application_id,
                 {"reviewer_id": review.reviewer_id, "reason": reason.strip()})
    return review


