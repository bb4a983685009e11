"""What needs a resident on "Your work", from voting: the votes open now (and whether they
have voted in each) and the rounds taking proposals. Imported by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.accounts.signals import DashboardSection, dashboard_sections
from commonpot.i18n import _
from voting.casting import user_voter_key
from voting.models import VoterRollEntry, VotingRound
from voting.states import RoundState


@dataclass
class VoteItem:
    round: VotingRound
    voted: bool


def open_votes(session: Session, user) -> list[VoteItem]:
    """Rounds voting now or taking proposals, newest first, with whether this person has
    voted in each. Two queries, whatever the count."""
    rounds = session.scalars(select(VotingRound).where(
        VotingRound.state.in_([RoundState.VOTING, RoundState.PROPOSALS]))
        .order_by(VotingRound.id.desc())).all()
    voted = set(session.scalars(select(VoterRollEntry.round_id).where(
        VoterRollEntry.voter_key == user_voter_key(user),
        VoterRollEntry.round_id.in_([r.id for r in rounds])))) if rounds else set()
    return [VoteItem(r, r.id in voted) for r in rounds]


@dashboard_sections.connect
def _votes(user, session, **extra) -> DashboardSection | None:
    items = open_votes(session, user)
    if not items:
        return None
    return DashboardSection(40, _("Votes"), "voting/_dashboard_votes.html", items)
