"""Proposals: residents' and groups' projects (and a grants shortlist's), and their review.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.i18n import _
from commonpot.money import format_pence
from voting.errors import VotingError
from voting.models import (
    District,
    Proposal,
    ProposalState,
    VotingRound,
)
from voting.states import RoundState

# --- proposals ---------------------------------------------------------------------------

def _district_of(voting_round: VotingRound, district_id: int | None) -> District:
    for district in voting_round.districts:
        if district.id == district_id:
            return district
    raise VotingError(_("Choose one of the round's districts."))


def submit_proposal(session: Session, user, voting_round: VotingRound, *, title: str, summary: str,
                    cost_pence: int, district_id: int, group_id: int | None = None) -> Proposal:
    from grants.policy import is_group_member

    if voting_round.state != RoundState.PROPOSALS:
        raise VotingError(_("This round is not taking proposals at the moment."))
    if group_id is not None and not is_group_member(user, group_id):
        raise VotingError(_("You can only propose on behalf of a group you belong to."))
    return _add_proposal(session, user, voting_round, title=title, summary=summary,
                         cost_pence=cost_pence, district_id=district_id, group_id=group_id,
                         submitted_by_id=user.id, source_application_id=None)


def _add_proposal(session, actor, voting_round, *, title, summary, cost_pence, district_id,
                  group_id, submitted_by_id, source_application_id) -> Proposal:
    district = _district_of(voting_round, district_id)
    if not title.strip() or not summary.strip():
        raise VotingError(_("Give the proposal a title and a short summary."))
    if cost_pence <= 0:
        raise VotingError(_("Enter what the project would cost, more than £0."))
    if cost_pence > district.budget_pence:
        raise VotingError(_("The project costs more than the %(district)s budget of %(budget)s.",
                            district=district.name, budget=format_pence(district.budget_pence)))
    proposal = Proposal(round_id=voting_round.id, district_id=district.id, title=title.strip(),
                        summary=summary.strip(), requested_pence=cost_pence, cost_pence=cost_pence,
                        group_id=group_id, submitted_by_id=submitted_by_id,
                        source_application_id=source_application_id)
    session.add(proposal)
    session.flush()
    record(session, actor, "voting.proposal_added", "voting_proposal", proposal.id,
           {"round_id": voting_round.id, "title": proposal.title, "cost_pence": cost_pence,
            "district_id": district.id, "source_application_id": source_application_id})
    return proposal


def add_proposals_from_shortlist(session: Session, actor, voting_round: VotingRound,
                                 items: Iterable[Mapping]) -> list[Proposal]:
    """Proposals sent from a grants round's shortlist. Each item: title, summary, cost_pence,
    group_id, source_application_id, and optionally district_id (default: the area-wide
    budget, else the first district). An application already sent is skipped."""
    if voting_round.state not in (RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW):
        raise VotingError(_("Proposals can only be added before voting opens."))
    if not voting_round.districts:
        raise VotingError(_("Add the round's districts before adding proposals."))
    default = voting_round.area_wide or voting_round.districts[0]
    already = set(session.scalars(select(Proposal.source_application_id).where(
        Proposal.source_application_id.is_not(None))))
    added = []
    for item in items:
        source = item.get("source_application_id")
        if source is not None and source in already:
            continue
        added.append(_add_proposal(
            session, actor, voting_round, title=item["title"], summary=item.get("summary") or item["title"],
            cost_pence=int(item["cost_pence"]), district_id=item.get("district_id") or default.id,
            group_id=item.get("group_id"), submitted_by_id=None, source_application_id=source))
    return added


def review_proposal(session: Session, actor, proposal: Proposal, *, feasible: bool, reason: str,
                    cost_pence: int | None) -> None:
    if proposal.voting_round.state != RoundState.REVIEW:
        raise VotingError(_("Proposals are reviewed during the review phase."))
    if not reason.strip():
        raise VotingError(_("Give the reason for your decision: proposers and voters will see it."))
    if feasible:
        if not cost_pence or cost_pence <= 0:
            raise VotingError(_("Enter the cost estimate for a feasible project."))
        if cost_pence > proposal.district.budget_pence:
            raise VotingError(_("The cost estimate is more than the district's whole budget."))
        proposal.cost_pence = cost_pence
    proposal.state = ProposalState.FEASIBLE if feasible else ProposalState.NOT_FEASIBLE
    proposal.review_reason = reason.strip()
    session.flush()
    record(session, actor, "voting.proposal_reviewed", "voting_proposal", proposal.id,
           {"state": str(proposal.state), "reason": proposal.review_reason,
            "cost_pence": proposal.cost_pence})


