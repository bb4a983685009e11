"""Who may do what with funds, rounds, groups, applications and attachments."""

from __future__ import annotations

from sqlalchemy import select

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
from grants.states import ApplicationStatus, RoundPhase

# --- group membership (groups belong to grants, so their roles are asked here) --------------

def group_role(user, group_id: int) -> str | None:
    if not is_signed_in(user):
        return None
    return db.session.scalar(
        select(GroupMembership.role).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group_id
        )
    )


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
    return is_group_member(user, group.id) or is_admin(user) or is_fund_manager(user)


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


@rule("grants.withdraw_application")
def can_withdraw_application(user, application) -> bool:
    return is_group_member(user, application.group_id)


@rule("grants.screen_application")
def can_screen_application(user, application) -> bool:
    return is_fund_manager(user, application.round.fund_id)


@rule("grants.view_attachment")
def can_view_attachment(user, attachment) -> bool:
    return attachment.removed_at is None and can_view_application(user, attachment.application)
