"""Who may read, write and decide end-of-grant reports."""

from __future__ import annotations

from commonpot.accounts.policy import is_admin, is_fund_manager, rule
from grants.policy import can_view_group, is_group_member
from grants.reports.states import EDITABLE, ReportState


@rule("reports.view")
def can_view_report(user, report) -> bool:
    return (is_group_member(user, report.group_id) or is_admin(user)
            or is_fund_manager(user, report.award.fund_id))


@rule("reports.edit")
def can_edit_report(user, report) -> bool:
    return report.state in EDITABLE and is_group_member(user, report.group_id)


@rule("reports.review")
def can_review_report(user, report) -> bool:
    return report.state == ReportState.SUBMITTED and is_fund_manager(user, report.award.fund_id)


@rule("reports.decide")
def can_decide_report(user, report) -> bool:
    """May accept or ask for changes (the state machine then says whether it can be now)."""
    return is_fund_manager(user, report.award.fund_id)


@rule("reports.manage_round")
def can_manage_round_reports(user, round_) -> bool:
    return is_fund_manager(user, round_.fund_id)


@rule("reports.view_group_impact")
def can_view_group_impact(user, group) -> bool:
    # The same people who may see the group's page: its members, admins, and the managers
    # of funds it has applied to (never every fund manager).
    return can_view_group(user, group)
