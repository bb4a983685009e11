"""Who may do what with a voting round."""

from __future__ import annotations

from commonpot.accounts.policy import is_admin, is_fund_manager, is_signed_in, rule
from voting.states import CODE_STATES, SETUP_STATES, RoundState


@rule("voting.manage_round")
def can_manage_round(user, voting_round) -> bool:
    return is_signed_in(user) and (is_admin(user) or is_fund_manager(user, voting_round.fund_id))


@rule("voting.view_round")
def can_view_round(user, voting_round) -> bool:
    return voting_round.state != RoundState.DRAFT or can_manage_round(user, voting_round)


@rule("voting.enter_paper")
def can_enter_paper(user, voting_round) -> bool:
    return is_signed_in(user) and (is_admin(user) or bool(user.is_steward)) and voting_round.allow_paper


@rule("voting.change_setup")
def can_change_setup(user, voting_round) -> bool:
    """Settings, districts and postcodes: a manager, before voting opens."""
    return voting_round.state in SETUP_STATES and can_manage_round(user, voting_round)


@rule("voting.make_codes")
def can_make_codes(user, voting_round) -> bool:
    return voting_round.allow_codes and voting_round.state in CODE_STATES and \
        can_manage_round(user, voting_round)


@rule("voting.view_proposal")
def can_view_proposal(user, proposal) -> bool:
    """A proposal's page and picture are as public as its round."""
    return can_view_round(user, proposal.voting_round)
