"""Proposals: residents' and groups' projects (and a grants shortlist's), and their review.
A proposal says what the money buys (cost lines that add up to its cost), where it would
happen, and may carry a picture (voting.proposal_images).
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.i18n import _
from commonpot.money import format_pence
from voting.errors import VotingError
from voting.models import (
    District,
    Proposal,
    ProposalCostLine,
    ProposalState,
    RoundPostcode,
    VotingRound,
)
from voting.proposal_images import ImageUpload, check_image, store_image
from voting.states import RoundState

MAX_COST_LINES = 20
MAX_ITEM_LENGTH = 200
MAX_LOCATION_LENGTH = 200


@dataclass(frozen=True)
class CostLine:
    item: str
    amount_pence: int | None


# --- proposals ---------------------------------------------------------------------------

def shown_proposals_query(voting_round: VotingRound):
    """The projects the round's public page lists, by district: every proposal while
    proposals are taken and reviewed, then only the feasible ones (paginated by the page)."""
    query = select(Proposal).where(Proposal.round_id == voting_round.id)
    if voting_round.state not in (RoundState.PROPOSALS, RoundState.REVIEW):
        query = query.where(Proposal.state == ProposalState.FEASIBLE)
    return query.order_by(Proposal.district_id, Proposal.id)


def _district_of(voting_round: VotingRound, district_id: int | None) -> District:
    for district in voting_round.districts:
        if district.id == district_id:
            return district
    raise VotingError(_("Choose one of the round's districts."))


def check_cost_lines(lines: Sequence[CostLine]) -> list[CostLine]:
    """The lines as stored (blank rows dropped), or VotingError naming each line to fix.
    Lines are numbered as the person saw them, blank rows included."""
    problems: list[str] = []
    kept: list[CostLine] = []
    for number, line in enumerate(lines, start=1):
        item = " ".join((line.item or "").split())
        if not item and line.amount_pence is None:
            continue
        if not item:
            problems.append(_("Cost line %(number)d: say what the money buys.", number=number))
        elif len(item) > MAX_ITEM_LENGTH:
            problems.append(_("Cost line %(number)d: use %(most)d characters or fewer.",
                              number=number, most=MAX_ITEM_LENGTH))
        if line.amount_pence is None:
            if item:
                problems.append(_("Cost line %(number)d: enter what “%(item)s” costs, in pounds.",
                                  number=number, item=item))
        elif line.amount_pence <= 0:
            problems.append(_("Cost line %(number)d: enter an amount of more than £0.",
                              number=number))
        kept.append(CostLine(item, line.amount_pence))
    if problems:
        raise VotingError(" ".join(problems), "lines", details=problems)
    if not kept:
        raise VotingError(_("Say what the money buys: add at least one cost line, with its amount."),
                          "lines")
    if len(kept) > MAX_COST_LINES:
        raise VotingError(_("Use %(most)d cost lines or fewer: group small items together.",
                            most=MAX_COST_LINES), "lines")
    return kept


def check_place(session: Session, voting_round: VotingRound, district: District, location: str,
                postcode: str | None, *, required: bool) -> tuple[str, str | None]:
    """(location, postcode as shown) or VotingError. A postcode the round lists under another
    district is refused: the project would be voted on by the wrong people."""
    location = " ".join((location or "").split())
    if required and not location:
        raise VotingError(_("Say where the project would happen, like “Mill Park, by the swings”."),
                          "location")
    if len(location) > MAX_LOCATION_LENGTH:
        raise VotingError(_("Say where in %(most)d characters or fewer.", most=MAX_LOCATION_LENGTH),
                          "location")
    if not (postcode or "").strip():
        return location, None
    shown = postcodes.normalise(postcode)
    if shown is None:
        raise VotingError(_("“%(postcode)s” is not a UK postcode. Check it, or leave it blank.",
                            postcode=postcode.strip()), "postcode")
    if not district.is_area_wide:
        listed = session.scalar(
            select(RoundPostcode.district_id).where(RoundPostcode.round_id == voting_round.id,
                                                    RoundPostcode.postcode == shown))
        if listed is not None and listed != district.id:
            other = _district_of(voting_round, listed)
            raise VotingError(_("%(postcode)s is in %(other)s, not %(district)s. Choose %(other)s, "
                                "or check the postcode.", postcode=shown, other=other.name,
                                district=district.name), "postcode")
    return location, shown


def submit_proposal(session: Session, user, voting_round: VotingRound, *, title: str, summary: str,
                    district_id: int, cost_lines: Sequence[CostLine] | None = None,
                    cost_pence: int | None = None, location: str = "", postcode: str | None = None,
                    image: ImageUpload | None = None, group_id: int | None = None) -> Proposal:
    """A resident's (or their group's) proposal. It says what the money buys (the cost is
    what the lines add up to) and where it would happen; a picture is optional."""
    from grants.policy import is_group_member

    if voting_round.state != RoundState.PROPOSALS:
        raise VotingError(_("This round is not taking proposals at the moment."))
    if group_id is not None and not is_group_member(user, group_id):
        raise VotingError(_("You can only propose on behalf of a group you belong to."))
    return _add_proposal(session, user, voting_round, title=title, summary=summary,
                         cost_pence=cost_pence, district_id=district_id, group_id=group_id,
                         submitted_by_id=user.id, source_application_id=None,
                         cost_lines=check_cost_lines(cost_lines or []),
                         location=location, postcode=postcode, place_required=True, image=image)


def _add_proposal(session, actor, voting_round, *, title, summary, cost_pence, district_id,
                  group_id, submitted_by_id, source_application_id, cost_lines=(), location="",
                  postcode=None, place_required=False, image=None) -> Proposal:
    district = _district_of(voting_round, district_id)
    if not title.strip() or not summary.strip():
        raise VotingError(_("Give the proposal a title and a short summary."))
    if cost_lines:
        total = sum(line.amount_pence for line in cost_lines)
        if cost_pence is not None and cost_pence != total:
            raise VotingError(_("The cost lines add up to %(total)s, not %(cost)s.",
                                total=format_pence(total), cost=format_pence(cost_pence)), "lines")
        cost_pence = total
    if cost_pence is None or cost_pence <= 0:
        raise VotingError(_("Enter what the project would cost, more than £0."))
    if cost_pence > district.budget_pence:
        raise VotingError(_("The project costs more than the %(district)s budget of %(budget)s.",
                            district=district.name, budget=format_pence(district.budget_pence)))
    location, postcode = check_place(session, voting_round, district, location, postcode,
                                     required=place_required)
    checked = check_image(image) if image is not None else None
    proposal = Proposal(round_id=voting_round.id, district_id=district.id, title=title.strip(),
                        summary=summary.strip(), requested_pence=cost_pence, cost_pence=cost_pence,
                        group_id=group_id, submitted_by_id=submitted_by_id,
                        source_application_id=source_application_id, location=location,
                        postcode=postcode,
                        cost_lines=[ProposalCostLine(position=i, item=line.item,
                                                     amount_pence=line.amount_pence)
                                    for i, line in enumerate(cost_lines, start=1)])
    session.add(proposal)
    session.flush()
    record(session, actor, "voting.proposal_added", "voting_proposal", proposal.id,
           {"round_id": voting_round.id, "title": proposal.title, "cost_pence": cost_pence,
            "district_id": district.id, "source_application_id": source_application_id,
            "cost_lines": [[line.item, line.amount_pence] for line in cost_lines],
            "location": location, "postcode": postcode})
    if checked is not None:
        store_image(session, actor, proposal, checked)
    return proposal


def set_cost_lines(session: Session, actor, proposal: Proposal, lines: Sequence[CostLine]) -> None:
    """Replace what the money buys (before voting opens); the lines set the asked-for cost."""
    if proposal.voting_round.state not in (RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW):
        raise VotingError(_("What a project buys cannot change once voting has opened."))
    lines = check_cost_lines(lines)
    total = sum(line.amount_pence for line in lines)
    if total > proposal.district.budget_pence:
        raise VotingError(_("The cost lines add up to more than the %(district)s budget of %(budget)s.",
                            district=proposal.district.name,
                            budget=format_pence(proposal.district.budget_pence)), "lines")
    proposal.cost_lines = [ProposalCostLine(position=i, item=line.item, amount_pence=line.amount_pence)
                           for i, line in enumerate(lines, start=1)]
    proposal.requested_pence = total
    if proposal.state == ProposalState.SUBMITTED:
        proposal.cost_pence = total
    session.flush()
    record(session, actor, "voting.proposal_cost_lines_set", "voting_proposal", proposal.id,
           {"cost_lines": [[line.item, line.amount_pence] for line in lines], "cost_pence": total})


def attach_proposal_image(session: Session, actor, proposal: Proposal, image: ImageUpload) -> None:
    """Add a picture to a proposal that has none, before voting opens."""
    if proposal.voting_round.state not in (RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW):
        raise VotingError(_("Pictures cannot be added once voting has opened."))
    store_image(session, actor, proposal, check_image(image))


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


