"""A grants round's resident vote: the panel's shortlist goes to a voting round of the same
fund as proposals, and the vote's published outcome comes back as the panel's decisions.

Dependencies run one way (voting -> grants): grants knows nothing of voting; this module
fills the panel meeting page through grants' `panel_meeting_context` signal, and its two
pages live on the voting blueprint (voting/views.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.i18n import _
from grants.models import Application, Round
from grants.panels.decisions import decision_for, record_decision
from grants.panels.errors import PanelError
from grants.panels.shortlist import shortlist_for_vote
from grants.panels.states import Outcome
from grants.signals import panel_meeting_context
from grants.states import RoundPhase
from voting.errors import VotingError
from voting.models import Proposal, ResultRow, VotingRound
from voting.proposals import add_proposals_from_shortlist
from voting.states import RoundState

ACCEPTING_PROPOSALS = (RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW)


def voting_rounds_for(session: Session, round_: Round) -> list[VotingRound]:
    """Voting rounds of the same fund that can still take proposals."""
    return list(session.scalars(select(VotingRound).where(
        VotingRound.fund_id == round_.fund_id, VotingRound.state.in_(ACCEPTING_PROPOSALS))
        .order_by(VotingRound.id)))


def send_shortlist(session: Session, actor, round_: Round, voting_round: VotingRound) -> int:
    if not round_.uses_voting:
        raise PanelError(_("This round has no resident vote."))
    if voting_round.fund_id != round_.fund_id:
        raise PanelError(_("Choose a vote run by the same fund."))
    items = shortlist_for_vote(session, round_.id)
    if not items:
        raise PanelError(_("Shortlist some applications first."))
    try:
        added = add_proposals_from_shortlist(session, actor, voting_round, items)
    except VotingError as exc:
        raise PanelError(str(exc)) from exc
    audit.record(session, actor, "panels.shortlist_sent", "round", round_.id,
                 {"voting_round_id": voting_round.id, "proposal_ids": [p.id for p in added]})
    return len(added)


@dataclass(frozen=True)
class VoteOutcome:
    voting_round_id: int
    selected: bool
    supporters: int
    cost_pence: int
    explanation: str


def vote_outcomes(session: Session, round_: Round) -> dict[int, VoteOutcome]:
    """Published results for this round's applications, by application id."""
    rows = session.execute(
        select(ResultRow, Proposal).join(Proposal, Proposal.id == ResultRow.proposal_id)
        .join(VotingRound, VotingRound.id == ResultRow.round_id)
        .join(Application, Application.id == Proposal.source_application_id)
        .where(Application.round_id == round_.id, VotingRound.state == RoundState.PUBLISHED))
    return {proposal.source_application_id: VoteOutcome(
        voting_round_id=row.round_id, selected=row.selected, supporters=row.supporters,
        cost_pence=proposal.cost_pence or 0, explanation=row.explanation) for row, proposal in rows}


def decide_from_vote(session: Session, actor, round_: Round) -> tuple[int, int]:
    """Record the vote's outcome as the panel's decisions on applications not yet decided:
    selected projects are awarded their voted cost, the others declined with the reason
    the count gives. Returns (awarded, declined)."""
    if round_.phase != RoundPhase.DECIDING:
        raise PanelError(_("Decisions from the vote are recorded in the deciding phase."))
    outcomes = vote_outcomes(session, round_)
    if not outcomes:
        raise PanelError(_("No published vote has results for this round's applications."))
    awarded = declined = 0
    for application_id, outcome in sorted(outcomes.items()):
        if decision_for(session, application_id) is not None:
            continue
        application = session.get(Application, application_id)
        if outcome.selected:
            requested = application.requested_amount_pence or outcome.cost_pence
            amount = min(outcome.cost_pence, requested)
            record_decision(session, actor, application, outcome=Outcome.AWARD, amount_pence=amount,
                            reason="" if amount == requested else
                            "Residents voted for the project at the cost the council estimated.")
            awarded += 1
        else:
            record_decision(session, actor, application, outcome=Outcome.DECLINE,
                            feedback=f"Residents' vote: {outcome.explanation}")
            declined += 1
    return awarded, declined


@panel_meeting_context.connect
def _meeting_context(round_: Round, *, session: Session, **_) -> dict:
    return {"voting_rounds": voting_rounds_for(session, round_),
            "vote_outcomes": vote_outcomes(session, round_)}
