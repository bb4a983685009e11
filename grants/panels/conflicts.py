"""Which applications a panel considers, and conflicts of interest: automatic and declared.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

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
from grants.states import ApplicationStatus, RoundPhase

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


def automatic_conflicts(session: Session, members, round_id: int) -> list[tuple]:
    """(member, application) for each panel member in a group applying to the round, in
    one query however many members and applications."""
    by_user = {m.user_id: m for m in members}
    if not by_user:
        return []
    found = session.execute(
        select(GroupMembership.user_id, Application)
        .join(Application, Application.group_id == GroupMembership.group_id)
        .where(GroupMembership.user_id.in_(by_user), Application.round_id == round_id,
               Application.status.in_(REVIEWABLE_STATUSES))
        .options(joinedload(Application.group))
        .order_by(GroupMembership.user_id, Application.id))
    return [(by_user[user_id], application) for user_id, application in found]


def declarations_query(round_id: int) -> Select:
    """The round's conflict declarations with their reviewer and application, in order."""
    return (select(ConflictDeclaration)
            .join(Application, Application.id == ConflictDeclaration.application_id)
            .where(Application.round_id == round_id)
            .options(joinedload(ConflictDeclaration.reviewer), joinedload(ConflictDeclaration.application))
            .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id))


def round_conflict_pairs(session: Session, round_id: int, user_ids,
                         statuses=REVIEWABLE_STATUSES) -> set[tuple[int, int]]:
    """conflict_pairs for every application the panel considers in the round (of any
    status when `statuses` is None), found by joining on the round: two queries, and no
    list of thousands of ids sent to the database."""
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    in_round = [Application.round_id == round_id]
    if statuses is not None:
        in_round.append(Application.status.in_(statuses))
    pairs = set(session.execute(
        select(GroupMembership.user_id, Application.id)
        .join(Application, Application.group_id == GroupMembership.group_id)
        .where(GroupMembership.user_id.in_(user_ids), *in_round)).tuples())
    pairs |= set(session.execute(
        select(ConflictDeclaration.reviewer_id, ConflictDeclaration.application_id)
        .join(Application, Application.id == ConflictDeclaration.application_id)
        .where(ConflictDeclaration.has_conflict.is_(True),
               ConflictDeclaration.reviewer_id.in_(user_ids), *in_round)).tuples())
    return pairs


def conflicted_application_ids(session: Session, user_id: int, applications) -> set[int]:
    """The applications among `applications` this person is conflicted on: two queries
    however many applications (is_conflicted asks two per application)."""
    return {app_id for _, app_id in conflict_pairs(session, None, {user_id}, applications)}


def conflict_pairs(session: Session, panel: Panel | None, user_ids, applications) -> set[tuple[int, int]]:
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
    add a conflict to an earlier 'no conflict'; taking one back is `withdraw_conflict`, with a
    reason, and only before scores on the application are in."""
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
    if has_conflict:
        # Declared again after a withdrawal: the withdrawal stays in the audit log.
        declaration.withdrawn_at = declaration.withdrawn_reason = None
    declaration.declared_at = utcnow()
    session.flush()
    audit.record(session, reviewer, "panels.conflict_declared", "application", application.id,
                 {"reviewer_id": reviewer.id, "has_conflict": has_conflict,
                  "reason": reason.value if reason else None})
    return declaration




def scores_are_in(session: Session, application_id: int) -> bool:
    """Whether any reviewer has submitted scores on the application: from then on, a
    conflict that stood aside cannot be taken back (the scores could be seen)."""
    from grants.panels.models import Review
    from grants.panels.states import ReviewStatus

    return session.scalar(select(Review.id).where(
        Review.application_id == application_id, Review.status == ReviewStatus.SUBMITTED
    ).limit(1)) is not None


def conflict_withdrawable(session: Session, reviewer_id: int, application: Application) -> bool:
    declaration = declaration_for(session, reviewer_id, application.id)
    return (declaration is not None and declaration.has_conflict
            and not is_group_member(session, reviewer_id, application.group_id)
            and application.round.phase in _WITHDRAWAL_PHASES
            and not scores_are_in(session, application.id))


# A declaration can be taken back while the panel is still setting up or scoring.
_WITHDRAWAL_PHASES = frozenset({RoundPhase.SCREENING, RoundPhase.SCORING})


def withdraw_conflict(session: Session, reviewer: User, application: Application, *,
                      reason: str) -> ConflictDeclaration:
    """A reviewer takes back a conflict declared by mistake, saying why (kept private in the
    audit log). Only before anyone's scores on the application are in; a conflict from
    membership of the applying group cannot be withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise PanelError(_("Say why you are withdrawing your conflict of interest."))
    declaration = declaration_for(session, reviewer.id, application.id)
    if declaration is None or not declaration.has_conflict:
        raise PanelError(_("You have not declared a conflict of interest on this application."))
    if is_group_member(session, reviewer.id, application.group_id):
        raise PanelError(_("You are a member of the applying group, so the conflict stands."))
    if application.round.phase not in _WITHDRAWAL_PHASES:
        raise PanelError(_("The panel has finished scoring, so the conflict stands."))
    if scores_are_in(session, application.id):
        raise PanelError(_("Reviewers’ scores on this application are already in, so the conflict "
                           "stands: withdrawing it now would let you see them. If it was a "
                           "mistake, tell the chair."))
    declaration.has_conflict = False
    declaration.reason = None
    declaration.withdrawn_at = utcnow()
    declaration.withdrawn_reason = reason
    session.flush()
    audit.record(session, reviewer, "panels.conflict_withdrawn", "application", application.id,
                 {"reviewer_id": reviewer.id, "reason": reason})
    return declaration
