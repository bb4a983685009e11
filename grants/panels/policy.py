"""Who may do what with panels. Views and templates call these through `can()`."""

from __future__ import annotations

from commonpot.accounts.policy import (
    is_admin,
    is_fund_manager,
    is_panel_member,
    is_signed_in,
    rule,
)
from commonpot.extensions import db
from grants.panels import operations
from grants.policy import is_group_member
from grants.states import RoundPhase


def _panel_member_of(user, round_):
    """The user's active seat on the round's panel, if they hold the fund's panel role."""
    if not is_signed_in(user) or not is_panel_member(user, round_.fund_id):
        return None
    return operations.membership(db.session, operations.panel_for_round(db.session, round_.id), user.id)


@rule("panels.view_panel")
def can_view_panel(user, round_) -> bool:
    return round_.phase != RoundPhase.DRAFT or can_manage(user, round_)


@rule("panels.manage")
def can_manage(user, round_) -> bool:
    """Run the panel: settings, assignment, conflicts register, the meeting and decisions."""
    if is_admin(user) or (is_signed_in(user) and is_fund_manager(user, round_.fund_id)):
        return True
    member = _panel_member_of(user, round_)
    return member is not None and member.role == "chair"


@rule("panels.declare")
def can_declare(user, application) -> bool:
    """An assigned reviewer may (and must) declare before seeing the detail."""
    return (_panel_member_of(user, application.round) is not None
            and operations.assignment_for(db.session, user.id, application.id) is not None)


@rule("panels.review")
def can_review(user, application) -> bool:
    """Open, score or export an application: assigned, on the panel, and not conflicted."""
    return can_declare(user, application) and not operations.is_conflicted(
        db.session, user.id, application)


@rule("panels.see_application_scores")
def can_see_scores(user, application) -> bool:
    """Scores and decisions on one application in the meeting: managers not conflicted."""
    return can_manage(user, application.round) and not operations.is_conflicted(
        db.session, user.id, application)


@rule("panels.view_decision")
def can_view_decision(user, application) -> bool:
    return (is_signed_in(user) and is_group_member(user, application.group_id)) or can_manage(
        user, application.round)



@rule("panels.open_in_grants")
def can_open_in_grants(user, application) -> bool:
    """The grants application page (and its attachments) for a panel member: only once
    they have declared no conflict, and never under blind review (it names the group)."""
    panel = operations.panel_for_round(db.session, application.round_id)
    return (can_review(user, application) and panel is not None and not panel.blind_review
            and operations.declaration_for(db.session, user.id, application.id) is not None)
