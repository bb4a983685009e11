"""Casting a ballot online: the contests a voter sees, checking choices and casting
(changing a ballot is voting/receipts.py).

Casting a vote writes two rows that share nothing: a voter roll entry (who) and a ballot
(what). Neither is audited one by one, because an audit event naming the voter next to the
moment a ballot appears would undo the secrecy; the roll counts and the bulletin board's
hash are audited when voting closes instead. Nothing here commits."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, object_session
from sqlalchemy.orm.attributes import set_committed_value

from commonpot.db import utcnow
from commonpot.i18n import _
from voting import ballots, cast_tokens
from voting.ballots import BallotError, BallotRules, BallotType, Project
from voting.codewords import CODE_ALPHABET, CODE_LENGTH
from voting.eligibility import online_district
from voting.errors import AlreadyVoted, NotEligible, VotingError
from voting.locking import lock_round
from voting.models import (
    Channel,
    District,
    Proposal,
    ProposalState,
    VoterRollEntry,
    VotingRound,
)
from voting.states import RoundState

# --- ballots -----------------------------------------------------------------------------

@dataclass
class Contest:
    district: District
    rules: BallotRules
    projects: dict[int, Project]


def rules_for(voting_round: VotingRound, district: District) -> BallotRules:
    return BallotRules(
        ballot_type=BallotType(voting_round.ballot_type), budget_pence=district.budget_pence,
        max_choices=voting_round.max_choices, min_choices=voting_round.min_choices,
        min_share_percent=voting_round.min_share_percent, points_total=voting_round.points_total,
        max_points_per_project=voting_round.max_points_per_project,
    )


def contests_for(voting_round: VotingRound, home: District) -> list[Contest]:
    """The budgets a voter from `home` votes on: their district, then the area-wide one."""
    contests = []
    districts = [home]
    if voting_round.area_wide is not None and voting_round.area_wide.id != home.id:
        districts.append(voting_round.area_wide)
    rows = _ballot_projects(voting_round)
    for district in districts:
        projects = {pid: Project(pid, title, cost) for pid, title, cost, district_id in rows
                    if district_id == district.id}
        contests.append(Contest(district, rules_for(voting_round, district), projects))
    return contests


def _ballot_projects(voting_round: VotingRound) -> list[tuple[int, str, int, int]]:
    """(id, title, cost, district id) of the round's feasible proposals, in id order: the
    four columns a ballot and a cast need, as plain rows (every cast reads them, and 60 full
    proposal objects cost more to build than the rest of the cast's reads together)."""
    if "proposals" in voting_round.__dict__:
        return [(p.id, p.title, p.cost_pence, p.district_id) for p in voting_round.proposals
                if p.state == ProposalState.FEASIBLE]
    # Kept on the round object for the rest of this session's work (the view and the cast
    # both ask): a voting round's proposals cannot change.
    rows = voting_round.__dict__.get(_PROJECT_ROWS)
    if rows is None:
        rows = [tuple(row) for row in object_session(voting_round).execute(
            select(Proposal.id, Proposal.title, Proposal.cost_pence, Proposal.district_id)
            .where(Proposal.round_id == voting_round.id, Proposal.state == ProposalState.FEASIBLE)
            .order_by(Proposal.id))]
        if voting_round.state == RoundState.VOTING:
            voting_round.__dict__[_PROJECT_ROWS] = rows
    return rows


_PROJECT_ROWS = "_ballot_project_rows"


def _ballot_proposals(voting_round: VotingRound) -> list[Proposal]:
    """The round's proposals as a ballot needs them: without the cost lines and pictures
    the listing pages load with every proposal (two queries a ballot page and a cast do
    not need; they still load, one by one, if something asks for them)."""
    session = object_session(voting_round)
    if "proposals" in voting_round.__dict__ or session is None:
        return voting_round.proposals
    proposals = list(session.scalars(
        select(Proposal).where(Proposal.round_id == voting_round.id)
        .options(lazyload(Proposal.cost_lines), lazyload(Proposal.image)).order_by(Proposal.id)))
    set_committed_value(voting_round, "proposals", proposals)
    return proposals


def load_proposal_details(session: Session, voting_round: VotingRound) -> list[Proposal]:
    """The round's proposals with their cost lines and pictures, for showing a ballot: two
    queries for all of them, added to the proposals the ballot already read (a cast reads
    the proposals without these, having nothing to show)."""
    from voting.models import ProposalCostLine, ProposalImage

    proposals = _ballot_proposals(voting_round)
    waiting = [p for p in proposals if "cost_lines" not in p.__dict__ or "image" not in p.__dict__]
    if waiting:
        ids = [p.id for p in waiting]
        lines: dict[int, list[ProposalCostLine]] = {i: [] for i in ids}
        for line in session.scalars(select(ProposalCostLine).where(ProposalCostLine.proposal_id.in_(ids))
                                    .order_by(ProposalCostLine.proposal_id, ProposalCostLine.position)):
            lines[line.proposal_id].append(line)
        images = {image.proposal_id: image for image in session.scalars(
            select(ProposalImage).where(ProposalImage.proposal_id.in_(ids),
                                        ProposalImage.removed_at.is_(None)))}
        for proposal in waiting:
            set_committed_value(proposal, "cost_lines", lines[proposal.id])
            set_committed_value(proposal, "image", images.get(proposal.id))
    return proposals


def read_choices(contests: list[Contest],
                 form: Mapping[str, list[str]]) -> tuple[dict[int, dict[int, int]], list[str]]:
    choices: dict[int, dict[int, int]] = {}
    problems: list[str] = []
    for contest in contests:
        picked, input_problems = ballots.parse_contest(
            contest.rules.ballot_type, contest.projects, form, f"d{contest.district.id}-")
        choices[contest.district.id] = picked
        problems.extend(input_problems)
    return choices, problems


def validate_choices(contests: list[Contest],
                     choices: Mapping[int, Mapping[int, int]]) -> dict[str, dict[str, int]]:
    problems: list[str] = []
    clean: dict[str, dict[str, int]] = {}
    several = len(contests) > 1
    for contest in contests:
        picked = choices.get(contest.district.id, {})
        found = ballots.check(contest.rules, contest.projects, picked)
        problems.extend(f"{contest.district.name}: {m}" if several else m for m in found)
        clean[str(contest.district.id)] = {str(p): v for p, v in sorted(picked.items())}
    if problems:
        raise BallotError(problems)
    return clean


def new_receipt() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _require_voting(voting_round: VotingRound) -> None:
    if voting_round.state != RoundState.VOTING:
        raise VotingError(_("Voting is not open in this round."))


def cast(session: Session, voting_round: VotingRound, *, voter_key: str, channel: Channel,
         home: District, choices: Mapping[int, Mapping[int, int]], blank: bool = False,
         census_entry_id: int | None = None, cast_token: str | None = None):
    """Record that this voter has voted and store their ballot; returns the CastReceipt
    (receipt code, and the change secret where the round allows changes). A retry of the
    same ballot form (same `cast_token`) finds the receipt again (voting.cast_tokens); the
    change secret is shown only once, on the first answer.

    The roll entry's unique constraint decides races: of two simultaneous attempts, the
    second waits for the first to commit and then fails here with AlreadyVoted. In a census
    round the census entry's mark does the same across channels."""
    from voting import census, receipts

    lock_round(session, voting_round, exclusive=False)
    _require_voting(voting_round)
    clean = receipts.checked_choices(voting_round, home, choices, blank=blank)
    if voting_round.requires_census:
        if channel == Channel.PAPER:
            census.check_paper_allowance(session, voting_round)
        elif census_entry_id is None:
            raise NotEligible(_("This vote checks every voter against the census list."))
        else:
            census.mark_voted(session, voting_round, census_entry_id, channel)
    if not _add_to_roll(session, voting_round, voter_key, channel, home):
        raise AlreadyVoted("You have already voted in this round. Each person can vote once.")
    cast_receipt = receipts.store_ballot(session, voting_round, home, clean, voter_key)
    cast_tokens.remember(session, voting_round.id, cast_token, cast_receipt.receipt)
    return cast_receipt


def _add_to_roll(session: Session, voting_round: VotingRound, voter_key: str, channel: Channel,
                 home: District) -> bool:
    """Add the voter to the roll; False if they are on it already. The roll's unique
    constraint decides: of two simultaneous attempts the second waits for the first to
    commit and then adds nothing. One statement (INSERT ... ON CONFLICT DO NOTHING)."""
    values = {"round_id": voting_round.id, "voter_key": voter_key, "channel": channel,
              "district_id": home.id, "voted_on": utcnow().date()}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        added = session.execute(insert(VoterRollEntry).values(**values)
                                .on_conflict_do_nothing(index_elements=["round_id", "voter_key"])
                                .returning(VoterRollEntry.id)).scalar()
        return added is not None
    try:
        with session.begin_nested():
            session.add(VoterRollEntry(**values))
            session.flush()
    except IntegrityError:
        return False
    return True


def user_voter_key(user) -> str:
    return f"user:{user.id}"


def cast_online(session: Session, user, voting_round: VotingRound, choices, blank: bool = False,
                cast_token: str | None = None, home: District | None = None):
    """Cast this account's ballot. `home` is the district online_district() gave for this
    person in this same transaction, when the caller has just asked (the ballot page
    does), so eligibility is not looked up twice."""
    if home is None:
        home = online_district(session, voting_round, user)
    entry_id = None
    if voting_round.requires_census:
        from voting.census import resident_entry

        entry_id = resident_entry(session, voting_round, user).id
    return cast(session, voting_round, voter_key=user_voter_key(user), channel=Channel.ONLINE,
                home=home, choices=choices, blank=blank, census_entry_id=entry_id,
                cast_token=cast_token)


def has_voted(session: Session, voting_round: VotingRound, voter_key: str) -> bool:
    return session.scalar(select(VoterRollEntry.id).where(
        VoterRollEntry.round_id == voting_round.id, VoterRollEntry.voter_key == voter_key)) is not None
