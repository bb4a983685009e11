"""Assigning reviewers to applications (the plan comes from grants/panels/assignment.py) and reassigning.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.db import utcnow
from commonpot.i18n import _
from grants.models import Application
from grants.panels.assignment import Plan, plan_assignments
from grants.panels.conflicts import conflict_pairs, is_conflicted, reviewable_applications
from grants.panels.errors import ConflictOfInterest, PanelError
from grants.panels.members import active_members, membership
from grants.panels.models import (
    Panel,
    ReviewAssignment,
)

# --- assignment --------------------------------------------------------------------------------

def active_assignments(session: Session, panel: Panel) -> list[ReviewAssignment]:
    return list(session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.panel_id == panel.id, ReviewAssignment.removed_at.is_(None)
    ).order_by(ReviewAssignment.application_id, ReviewAssignment.reviewer_id)))


def assignment_for(session: Session, user_id: int, application_id: int) -> ReviewAssignment | None:
    return session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.reviewer_id == user_id,
        ReviewAssignment.removed_at.is_(None)))


def _assign(session: Session, actor, panel: Panel, user_id: int, application_id: int) -> ReviewAssignment:
    row = session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application_id, ReviewAssignment.reviewer_id == user_id))
    if row is None:
        row = ReviewAssignment(panel_id=panel.id, application_id=application_id, reviewer_id=user_id)
        session.add(row)
    row.removed_at = None
    row.assigned_at = utcnow()
    row.assigned_by_id = getattr(actor, "id", None)
    return row


def assign_reviewers(session: Session, actor, panel: Panel) -> Plan:
    """Assign by the panel's setting, keeping what is already assigned. Conflicted pairs
    (group members and declared conflicts) are never assigned."""
    members = [m.user_id for m in active_members(session, panel)]
    if not members:
        raise PanelError(_("Add panel members before assigning applications."))
    applications = reviewable_applications(session, panel.round_id)
    conflicts = conflict_pairs(session, panel, members, applications)
    existing = [(a.reviewer_id, a.application_id) for a in active_assignments(session, panel)]
    plan = plan_assignments(members, [a.id for a in applications], conflicts,
                            per_application=panel.reviewers_per_application, existing=existing)
    for user_id, application_id in sorted(plan.pairs):
        _assign(session, actor, panel, user_id, application_id)
    session.flush()
    audit.record(session, actor, "panels.reviewers_assigned", "panel", panel.id,
                 {"added": sorted([list(p) for p in plan.pairs]),
                  "shortfalls": {str(k): v for k, v in sorted(plan.shortfalls.items())}})
    return plan


def reassign(session: Session, actor, panel: Panel, application: Application, *,
             from_user_id: int | None, to_user_id: int) -> ReviewAssignment:
    """The chair moves (or adds) a review to another member."""
    if membership(session, panel, to_user_id) is None:
        raise PanelError(_("The new reviewer must be on the panel."))
    if is_conflicted(session, to_user_id, application):
        raise ConflictOfInterest(_("That member has a conflict of interest with this application."))
    if assignment_for(session, to_user_id, application.id) is not None:
        raise PanelError(_("That member already reviews this application."))
    if from_user_id is not None:
        current = assignment_for(session, from_user_id, application.id)
        if current is None:
            raise PanelError(_("That member does not review this application."))
        current.removed_at = utcnow()
    row = _assign(session, actor, panel, to_user_id, application.id)
    session.flush()
    audit.record(session, actor, "panels.review_reassigned", "application", application.id,
                 {"from_user_id": from_user_id, "to_user_id": to_user_id})
    return row


