"""Which applications a panel considers, and conflicts of interest: automatic and declared.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.db import utcnow
from commonpot.i18n import _
from grants.models import Application, GroupMembership
from grants.panels.errors import PanelError
from grants.panels.models import (
    ConflictDeclaration,
    Panel,
)
from grants.panels.states import (
    ConflictReason,
)
from grants.states import ApplicationStatus

# Applications the panel considers: passed screening (and, later, decided).
REVIEWABLE_STATUSES = (ApplicationStatus.ELIGIBLE, ApplicationStatus.AWARDED,
                       ApplicationStatus.NOT_AWARDED)
# --- applications and conflicts --------------------------------------------------------------

def reviewable_applications(session: Session, round_id: int) -> list[Application]:
    return list(session.scalars(select(Application).where(
        Application.round_id == round_id, Application.status.in_(REVIEWABLE_STATUSES)
    ).order_by(Application.id)))


def declaration_for(session: Session, user_id: int, application_id: int) -> ConflictDeclaration | None:
    return session.scalar(select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == application_id,
        ConflictDeclaration.reviewer_id == user_id))


def is_group_member(session: Session, user_id: int, group_id: int) -> bool:
    return session.scalar(select(GroupMembership.id).where(
        GroupMembership.user_id == user_id, GroupMembership.group_id == group_id)) is not None


def is_conflicted(session: Session, user_id: int, application: Application) -> bool:
    """Conflicted by membership of the applying group (recorded on the platform, no
    declaration needed) or by their own declaration."""
    if is_group_member(session, user_id, application.group_id):
        return True
    declaration = declaration_for(session, user_id, application.id)
    return declaration is not None and declaration.has_conflict


def conflict_pairs(session: Session, panel: Panel, user_ids, applications) -> set[tuple[int, int]]:
    """Every (user_id, application_id) that is conflicted, automatic or declared."""
    user_ids = set(user_ids)
    app_ids = {a.id for a in applications}
    by_group: dict[int, set[int]] = {}
    for a in applications:
        by_group.setdefault(a.group_id, set()).add(a.id)
    pairs = set()
    if user_ids and by_group:
        for user_id, group_id in session.execute(select(
                GroupMembership.user_id, GroupMembership.group_id).where(
                GroupMembership.user_id.in_(user_ids), GroupMembership.group_id.in_(by_group))):
            pairs |= {(user_id, app_id) for app_id in by_group[group_id]}
    if user_ids and app_ids:
        pairs |= set(session.execute(select(
            ConflictDeclaration.reviewer_id, ConflictDeclaration.application_id).where(
            ConflictDeclaration.has_conflict.is_(True),
            ConflictDeclaration.application_id.in_(app_ids),
            ConflictDeclaration.reviewer_id.in_(user_ids))).tuples())
    return pairs


def declare_conflict(session: Session, reviewer: User, application: Application, *,
                     has_conflict: bool, reason: ConflictReason | str | None = None,
                     details: str = "") -> ConflictDeclaration:
    """Record a reviewer's declaration. A conflict, once declared, stands: a reviewer can
    add a conflict to an earlier 'no conflict', not take one back."""
    reason = ConflictReason(reason) if has_conflict and reason else None
    if has_conflict and reason is None:
        raise PanelError(_("Say why you have a conflict of interest."))
    if has_conflict and reason == ConflictReason.OTHER and not details.strip():
        raise PanelError(_("Describe the conflict of interest."))
    declaration = declaration_for(session, reviewer.id, application.id)
    if declaration is not None and declaration.has_conflict:
        raise PanelError(_("You have already declared a conflict for this application."))
    if declaration is None:
        declaration = ConflictDeclaration(application_id=application.id, reviewer_id=reviewer.id)
        session.add(declaration)
    declaration.has_conflict = has_conflict
    declaration.reason = reason
    declaration.details = details.strip()
    declaration.declared_at = utcnow()
    session.flush()
    audit.record(session, reviewer, "panels.conflict_declared", "application", application.id,
                 {"reviewer_id": reviewer.id, "has_conflict": has_conflict,
                  "reason": reason.value if reason else None})
    return declaration


