"""Who may do what with funds, rounds, groups, applications and attachments."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from commonpot.accounts.policy import (
    can,
    is_admin,
    is_fund_manager,
    is_panel_member,
    is_signed_in,
    rule,
)
from commonpot.extensions import db
from grants.models import GroupMembership
from grants.states import SCREENABLE_STATUSES, ApplicationStatus, RoundPhase, withdrawable

# --- group membership (groups belong to grants, so their roles are asked here) --------------

_CACHE = "group_roles_by_user"


def group_roles(user) -> dict[int, str]:
    """{group id: role} for every group this person belongs to. One query per request:
    a list page asks about each of its rows, and a person belongs to a handful of groups."""
    if not is_signed_in(user):
        return {}
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = dict(db.session.execute(
            select(GroupMembership.group_id, GroupMembership.role)
            .where(GroupMembership.user_id == user.id)).tuples().all())
    return cache[user.id]


@event.listens_for(Session, "after_flush")
def _forget_group_roles(session: Session, _context) -> None:
    # A membership written in this request (a new group, an accepted invitation) is seen
    # by the next check.
    if has_app_context() and _CACHE in g and any(
            isinstance(obj, GroupMembership)
            for obj in (*session.new, *session.dirty, *session.deleted)):
        g.pop(_CACHE, None)


def group_role(user, group_id: int) -> str | None:
    return group_roles(user).get(group_id)


def is_group_member(user, group_id: int) -> bool:
    return group_role(user, group_id) is not None


def is_group_admin(user, group_id: int) -> bool:
    return group_role(user, group_id) == "group_admin"


@rule("grants.view_round")
def can_view_round(user, round_) -> bool:
    return round_.phase != RoundPhase.DRAFT or is_fund_manager(user, round_.fund_id)


@rule("grants.manage_round")
def can_manage_round(user, round_) -> bool:
    return is_fund_manager(user, round_.fund_id)


@rule("grants.manage_fund")
def can_manage_fund(user, fund) -> bool:
    return is_fund_manager(user, fund.id)


@rule("grants.view_group")
def can_view_group(user, group) -> bool:
    # A fund manager sees a group (its contacts, members, applications) only once it has
    # applied to one of their funds; other groups are none of their business.
    return is_group_member(user, group.id) or is_admin(user) or any(
        is_fund_manager(user, application.round.fund_id) for application in group.applications)


@rule("grants.manage_group")
def can_manage_group(user, group) -> bool:
    return is_group_admin(user, group.id) or is_admin(user)


@rule("grants.view_application")
def can_view_application(user, application) -> bool:
    if not is_signed_in(user):
        return False
    if is_group_member(user, application.group_id):
        return True
    fund_id = application.round.fund_id
    if is_fund_manager(user, fund_id):
        return True
    # Panels read submitted applications only, never drafts, and only those a member is
    # assigned, has declared on and has no conflict with; under blind review only through
    # the panel's own pages, which hide the group (rule in grants.panels.policy).
    return (application.status != ApplicationStatus.DRAFT and is_panel_member(user, fund_id)
            and can(user, "panels.open_in_grants", application))


@rule("grants.edit_application")
def can_edit_application(user, application) -> bool:
    return application.status == ApplicationStatus.DRAFT and \
        is_group_member(user, application.group_id)


@rule("grants.act_for_application")
def can_act_for_application(user, application) -> bool:
    """A member of the applying group: may ask for changes the operation then rules on
    (so a refused withdrawal gets its reason, not a bare 403)."""
    return is_group_member(user, application.group_id)


@rule("grants.withdraw_application")
def can_withdraw_application(user, application) -> bool:
    return is_group_member(user, application.group_id) and \
        withdrawable(application.status, application.round.phase)


@rule("grants.screen_application")
def can_screen_application(user, application) -> bool:
    return is_fund_manager(user, application.round.fund_id)


@rule("grants.decide_eligibility")
def can_decide_eligibility(user, application) -> bool:
    """Screening is open for this application now (the link on its pages)."""
    return can_screen_application(user, application) and \
        application.round.phase == RoundPhase.SCREENING and \
        application.status in SCREENABLE_STATUSES


@rule("grants.view_attachment")
def can_view_attachment(user, attachment) -> bool:
    return attachment.removed_at is None and can_view_application(user, attachment.application)
