"""Who may do what with money."""

from __future__ import annotations

from commonpot.accounts.policy import is_admin, is_fund_manager, rule
from grants.policy import is_group_admin


@rule("payments.manage_fund")
def can_manage_fund_money(user, fund_id) -> bool:
    """Fund managers see their fund's ledger, release instalments and record pledges."""
    return is_fund_manager(user, fund_id)


@rule("payments.manage_group_account")
def can_manage_group_account(user, group_id) -> bool:
    """A group's admins connect (and check) the Stripe account its grants are paid into."""
    return is_admin(user) or is_group_admin(user, group_id)
