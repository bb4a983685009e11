"""A round's panel and its members: settings, seats, chairs.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.accounts.models import User
from commonpot.accounts.operations import grant_fund_role
from commonpot.db import utcnow
from commonpot.i18n import _
from grants.models import Round
from grants.panels.errors import PanelError
from grants.panels.models import (
    Panel,
    PanelMember,
    Review,
    ReviewAssignment,
)
from grants.panels.states import (
    PanelRole,
)

# --- panels and members ----------------------------------------------------------------------

def panel_for_round(session: Session, round_id: int) -> Panel | None:
    return session.scalar(select(Panel).where(Panel.round_id == round_id))


def configure_panel(session: Session, actor, round_: Round, **settings) -> Panel:
    """Create the round's panel or change its settings."""
    panel = panel_for_round(session, round_.id)
    created = panel is None
    if created:
        panel = Panel(round_id=round_.id)
        session.add(panel)
    allowed = {"scale_min", "scale_max", "reviewers_per_application", "blind_review",
               "identifying_question_keys", "calibrate_scores", "disagreement_threshold_hundredths",
               "show_member_names", "share_panel_comments"}
    unknown = set(settings) - allowed
    if unknown:
        raise ValueError(f"unknown panel settings: {sorted(unknown)}")
    # Only the scale is fixed once anyone has scored (the scores were given on it); the
    # threshold, blind review, calibration and what is shared can change at any time.
    scale_changes = {name for name in ("scale_min", "scale_max")
                     if name in settings and settings[name] != getattr(panel, name)}
    if not created and scale_changes and scale_locked(session, panel):
        raise PanelError(_("The scale cannot change once reviewers have scored: their scores "
                           "were given from %(lowest)s to %(highest)s.",
                           lowest=panel.scale_min, highest=panel.scale_max))
    for name, value in settings.items():
        setattr(panel, name, value)
    lo = panel.scale_min if panel.scale_min is not None else 0
    hi = panel.scale_max if panel.scale_max is not None else 5
    if lo < 0 or hi <= lo:
        raise PanelError(_("The top of the scale must be above the bottom, and the bottom 0 or more."))
    session.flush()
    audit.record(session, actor, "panels.panel_configured", "panel", panel.id,
                 {"round_id": round_.id, "created": created,
                  "settings": {k: v for k, v in sorted(settings.items())}})
    return panel


def _any_scores(session: Session, panel: Panel) -> bool:
    return bool(session.scalar(select(func.count(Review.id)).where(Review.panel_id == panel.id)))


def scale_locked(session: Session, panel: Panel | None) -> bool:
    """Whether the panel's scale is fixed: some reviewer has started scoring on it."""
    return panel is not None and panel.id is not None and _any_scores(session, panel)


def active_members(session: Session, panel: Panel) -> list[PanelMember]:
    return list(session.scalars(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.removed_at.is_(None)
    ).order_by(PanelMember.id)))


def membership(session: Session, panel: Panel | None, user_id: int) -> PanelMember | None:
    if panel is None:
        return None
    return session.scalar(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.user_id == user_id,
        PanelMember.removed_at.is_(None)))


def add_member(session: Session, actor, panel: Panel, user: User, *, role: PanelRole | str,
               is_resident: bool = False) -> PanelMember:
    """Seat someone on the panel (giving them the fund's panel-member role). One chair: a
    new chair makes the old one an ordinary member."""
    role = PanelRole(role)
    round_ = session.get(Round, panel.round_id)
    grant_fund_role(session, actor, user, round_.fund_id, "panel_member")
    if role == PanelRole.CHAIR:
        for other in active_members(session, panel):
            if other.role == PanelRole.CHAIR and other.user_id != user.id:
                other.role = PanelRole.MEMBER
    member = session.scalar(select(PanelMember).where(
        PanelMember.panel_id == panel.id, PanelMember.user_id == user.id))
    if member is None:
        member = PanelMember(panel_id=panel.id, user_id=user.id)
        session.add(member)
    member.role = role
    member.is_resident = is_resident
    member.removed_at = None
    session.flush()
    audit.record(session, actor, "panels.member_added", "panel", panel.id,
                 {"user_id": user.id, "role": role.value, "is_resident": is_resident})
    return member


def remove_member(session: Session, actor, member: PanelMember) -> None:
    """Stand a member down: their open assignments end; submitted scores stay."""
    member.removed_at = utcnow()
    for assignment in session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.panel_id == member.panel_id,
            ReviewAssignment.reviewer_id == member.user_id,
            ReviewAssignment.removed_at.is_(None))):
        assignment.removed_at = utcnow()
    session.flush()
    audit.record(session, actor, "panels.member_removed", "panel", member.panel_id,
                 {"user_id": member.user_id})


def is_chair(session: Session, panel: Panel | None, user_id: int) -> bool:
    member = membership(session, panel, user_id)
    return member is not None and member.role == PanelRole.CHAIR


