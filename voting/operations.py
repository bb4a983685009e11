"""What people do in a voting round. Operations take the session and plain values, enforce
the rules, record the audit event and flush; the request (or CLI command) commits.

Casting a vote writes two rows that share nothing: a voter roll entry (who) and a ballot
(what). Neither is audited one by one, because an audit event naming the voter next to the
moment a ballot appears would undo the secrecy; the roll counts and the bulletin board's
hash are audited when voting closes instead.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.db import utcnow
from commonpot.money import format_pence
from commonpot.spreadsheets import safe_cell
from voting import ballots
from voting.ballots import BallotError, BallotRules, BallotType, Project
from voting.models import (
    Ballot,
    Channel,
    District,
    PaperBatch,
    PaperKeying,
    Proposal,
    ProposalState,
    ResidentDetails,
    RoundPostcode,
    VoterRollEntry,
    VotingCode,
    VotingCodeBatch,
    VotingRound,
)
from voting.states import RoundState, check_transition

# Letters and digits that cannot be misread for one another on paper (no 0/O, 1/I/L, U).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
MAX_CODES_PER_BATCH = 50_000


class VotingError(ValueError):
    """A rule of the vote was broken; the message says what to do."""


class NotEligible(VotingError):
    pass


class AlreadyVoted(VotingError):
    pass


class CodeRefused(VotingError):
    pass


# --- rounds, districts and postcodes ----------------------------------------------------

@dataclass
class RoundSettings:
    title: str
    description: str = ""
    ballot_type: BallotType = BallotType.APPROVAL
    counting_rule: str = "greedy"
    max_choices: int | None = None
    min_choices: int = 0
    min_share_percent: int = 0
    points_total: int = 10
    max_points_per_project: int | None = None
    minimum_age: int = 16
    allow_online: bool = True
    allow_codes: bool = False
    allow_paper: bool = False
    allow_revote: bool = False
    board_hashes_receipts: bool = False
    requires_census: bool = False
    offers_blank_vote: bool = False


def _check_settings(settings: RoundSettings) -> None:
    from voting.results import available_rules

    if not settings.title.strip():
        raise VotingError("Enter a title for the round.")
    allowed = available_rules(settings.ballot_type)
    if settings.counting_rule not in allowed:
        raise VotingError(f"The counting rule “{settings.counting_rule}” cannot count "
                          f"{settings.ballot_type} ballots. Choose one of: {', '.join(allowed)}.")
    if settings.max_choices is not None and settings.max_choices < max(1, settings.min_choices):
        raise VotingError("The most projects a voter may choose must be at least the fewest.")
    if not 0 <= settings.min_share_percent <= 100:
        raise VotingError("The minimum share of the budget must be between 0 and 100 per cent.")
    if settings.points_total < 1:
        raise VotingError("Give voters at least 1 point to share.")
    if not (settings.allow_online or settings.allow_codes or settings.allow_paper):
        raise VotingError("Choose at least one way to vote: online, codes or paper.")


def create_round(session: Session, actor, fund_id: int, settings: RoundSettings) -> VotingRound:
    _check_settings(settings)
    voting_round = VotingRound(fund_id=fund_id, state=RoundState.DRAFT, **vars(settings))
    session.add(voting_round)
    session.flush()
    record(session, actor, "voting.round_created", "voting_round", voting_round.id,
           {"fund_id": fund_id, "title": settings.title, "ballot_type": str(settings.ballot_type),
            "counting_rule": settings.counting_rule})
    return voting_round


def update_round(session: Session, actor, voting_round: VotingRound, settings: RoundSettings) -> None:
    if voting_round.state not in (RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW):
        raise VotingError("The rules cannot change once voting has opened.")
    _check_settings(settings)
    for name, value in vars(settings).items():
        setattr(voting_round, name, value)
    session.flush()
    record(session, actor, "voting.round_updated", "voting_round", voting_round.id,
           {k: str(v) if isinstance(v, BallotType) else v for k, v in vars(settings).items()})


def add_district(session: Session, actor, voting_round: VotingRound, name: str, budget_pence: int,
                 is_area_wide: bool = False) -> District:
    if voting_round.state in (RoundState.VOTING, RoundState.COUNTING, RoundState.PUBLISHED):
        raise VotingError("Districts cannot change once voting has opened.")
    name = name.strip()
    if not name:
        raise VotingError("Enter the district's name.")
    if budget_pence <= 0:
        raise VotingError("Enter a budget of more than £0.")
    if any(d.name.lower() == name.lower() for d in voting_round.districts):
        raise VotingError(f"There is already a district called “{name}”.")
    if is_area_wide and voting_round.area_wide is not None:
        raise VotingError("This round already has an area-wide budget.")
    district = District(round_id=voting_round.id, name=name, budget_pence=budget_pence,
                        is_area_wide=is_area_wide)
    session.add(district)
    session.flush()
    session.refresh(voting_round, ["districts"])
    record(session, actor, "voting.district_added", "voting_round", voting_round.id,
           {"district_id": district.id, "name": name, "budget_pence": budget_pence,
            "area_wide": is_area_wide})
    return district


def import_postcodes(session: Session, actor, voting_round: VotingRound, csv_text: str) -> int:
    """Read `postcode,district` rows (district by name); a postcode listed again moves."""
    districts = {d.name.lower(): d for d in voting_round.local_districts}
    if not districts:
        raise VotingError("Add the round's districts before importing postcodes.")
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    problems: list[str] = []
    rows: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_no == 1 and row[0].strip().lower() == "postcode":
            continue
        if len(row) < 2:
            problems.append(f"Line {line_no}: give a postcode and a district, separated by a comma.")
            continue
        postcode = postcodes.normalise(row[0])
        district = districts.get(row[1].strip().lower())
        if postcode is None:
            problems.append(f"Line {line_no}: “{row[0].strip()}” is not a UK postcode.")
        elif district is None:
            problems.append(f"Line {line_no}: there is no district called “{row[1].strip()}”.")
        else:
            rows[postcode] = district.id
    if problems:
        raise VotingError(" ".join(problems[:10]) + (" …and more." if len(problems) > 10 else ""))
    if not rows:
        raise VotingError("The file has no postcodes in it.")
    existing = {pc.postcode: pc for pc in session.scalars(
        select(RoundPostcode).where(RoundPostcode.round_id == voting_round.id))}
    for postcode, district_id in rows.items():
        if postcode in existing:
            existing[postcode].district_id = district_id
        else:
            session.add(RoundPostcode(round_id=voting_round.id, postcode=postcode,
                                      district_id=district_id))
    session.flush()
    record(session, actor, "voting.postcodes_imported", "voting_round", voting_round.id,
           {"rows": len(rows)})
    return len(rows)


def postcode_count(session: Session, voting_round: VotingRound) -> int:
    return session.scalar(select(func.count(RoundPostcode.id)).where(
        RoundPostcode.round_id == voting_round.id)) or 0


def transition(session: Session, actor, voting_round: VotingRound, target: RoundState) -> None:
    # Casting takes a share lock on the round, so closing waits for ballots in flight and no
    # ballot lands after the board is fixed.
    session.refresh(voting_round, with_for_update=True)
    check_transition(voting_round.state, target)
    if target == RoundState.PROPOSALS and not voting_round.local_districts:
        raise VotingError("Add at least one district with its budget before opening the round.")
    if target == RoundState.VOTING:
        waiting = [p for p in voting_round.proposals if p.state == ProposalState.SUBMITTED]
        if waiting:
            raise VotingError(f"Review every proposal first: {len(waiting)} still waiting.")
        if not any(p.state == ProposalState.FEASIBLE for p in voting_round.proposals):
            raise VotingError("At least one proposal must be feasible before voting opens.")
        if voting_round.allow_online and not postcode_count(session, voting_round):
            raise VotingError("Import the area's postcodes before opening online voting.")
        if voting_round.requires_census:
            from voting.census import entry_count

            if not entry_count(session, voting_round):
                raise VotingError("Upload the census list before opening voting.")
    previous = voting_round.state
    if target == RoundState.COUNTING:
        from voting.results import board_csv, board_hash_of, count_round
        from voting.secrecy import reshuffle

        # Erase what storage order and transaction ids say about who cast which ballot.
        reshuffle(session, voting_round.id)
        # The board is fixed before the state changes: from now on no ballot can change.
        voting_round.board_hash = board_hash_of(board_csv(session, voting_round))
    voting_round.state = target
    session.flush()
    if target == RoundState.COUNTING:
        turnout = dict(session.execute(
            select(VoterRollEntry.channel, func.count(VoterRollEntry.id))
            .where(VoterRollEntry.round_id == voting_round.id).group_by(VoterRollEntry.channel)).all())
        from voting.results import receipts_csv

        record(session, actor, "voting.board_published", "voting_round", voting_round.id,
               {"board_sha256": voting_round.board_hash,
                "receipts_sha256": board_hash_of(receipts_csv(session, voting_round)),
                "ballots": session.scalar(select(func.count()).select_from(Ballot)
                                          .where(Ballot.round_id == voting_round.id)),
                "turnout": {str(k): v for k, v in turnout.items()}})
        count_round(session, voting_round)
        record(session, actor, "voting.counted", "voting_round", voting_round.id,
               {"rule": voting_round.counting_rule})
    record(session, actor, "voting.round_transition", "voting_round", voting_round.id,
           {"from": str(previous), "to": str(target)})


# --- proposals ---------------------------------------------------------------------------

def _district_of(voting_round: VotingRound, district_id: int | None) -> District:
    for district in voting_round.districts:
        if district.id == district_id:
            return district
    raise VotingError("Choose one of the round's districts.")


def submit_proposal(session: Session, user, voting_round: VotingRound, *, title: str, summary: str,
                    cost_pence: int, district_id: int, group_id: int | None = None) -> Proposal:
    from commonpot.accounts.policy import is_group_member

    if voting_round.state != RoundState.PROPOSALS:
        raise VotingError("This round is not taking proposals at the moment.")
    if group_id is not None and not is_group_member(user, group_id):
        raise VotingError("You can only propose on behalf of a group you belong to.")
    return _add_proposal(session, user, voting_round, title=title, summary=summary,
                         cost_pence=cost_pence, district_id=district_id, group_id=group_id,
                         submitted_by_id=user.id, source_application_id=None)


def _add_proposal(session, actor, voting_round, *, title, summary, cost_pence, district_id,
                  group_id, submitted_by_id, source_application_id) -> Proposal:
    district = _district_of(voting_round, district_id)
    if not title.strip() or not summary.strip():
        raise VotingError("Give the proposal a title and a short summary.")
    if cost_pence <= 0:
        raise VotingError("Enter what the project would cost, more than £0.")
    if cost_pence > district.budget_pence:
        raise VotingError(f"The project costs more than the {district.name} budget of "
                          f"{format_pence(district.budget_pence)}.")
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
        raise VotingError("Proposals can only be added before voting opens.")
    if not voting_round.districts:
        raise VotingError("Add the round's districts before adding proposals.")
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
        raise VotingError("Proposals are reviewed during the review phase.")
    if not reason.strip():
        raise VotingError("Give the reason for your decision: proposers and voters will see it.")
    if feasible:
        if not cost_pence or cost_pence <= 0:
            raise VotingError("Enter the cost estimate for a feasible project.")
        if cost_pence > proposal.district.budget_pence:
            raise VotingError("The cost estimate is more than the district's whole budget.")
        proposal.cost_pence = cost_pence
    proposal.state = ProposalState.FEASIBLE if feasible else ProposalState.NOT_FEASIBLE
    proposal.review_reason = reason.strip()
    session.flush()
    record(session, actor, "voting.proposal_reviewed", "voting_proposal", proposal.id,
           {"state": str(proposal.state), "reason": proposal.review_reason,
            "cost_pence": proposal.cost_pence})


# --- eligibility -------------------------------------------------------------------------

def set_resident_details(session: Session, user, *, postcode: str, date_of_birth: date,
                         family_name: str | None = None) -> ResidentDetails:
    normalised = postcodes.normalise(postcode)
    if normalised is None:
        raise VotingError("Enter a full UK postcode, like RT1 2AB.")
    if date_of_birth >= date.today():
        raise VotingError("Your date of birth must be in the past.")
    details = session.scalar(select(ResidentDetails).where(ResidentDetails.user_id == user.id))
    family_name = (family_name or "").strip() or None
    if details is None:
        details = ResidentDetails(user_id=user.id, postcode=normalised, date_of_birth=date_of_birth,
                                  family_name=family_name)
        session.add(details)
    else:
        details.postcode, details.date_of_birth = normalised, date_of_birth
        if family_name is not None:
            details.family_name = family_name
    session.flush()
    return details


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def resident_details(session: Session, user) -> ResidentDetails | None:
    return session.scalar(select(ResidentDetails).where(ResidentDetails.user_id == user.id))


def online_district(session: Session, voting_round: VotingRound, user) -> District:
    """The district this account votes in, or NotEligible saying why not."""
    if not voting_round.allow_online:
        raise NotEligible("This vote does not take online votes. Use your voting code or a paper ballot.")
    if not user.is_verified:
        raise NotEligible("Verify your email address before you vote: follow the link we emailed you.")
    details = resident_details(session, user)
    if details is None:
        raise NotEligible("Tell us your postcode and date of birth before you vote.")
    district_id = session.scalar(select(RoundPostcode.district_id).where(
        RoundPostcode.round_id == voting_round.id, RoundPostcode.postcode == details.postcode))
    if district_id is None:
        raise NotEligible(f"The postcode {details.postcode} is not in the area of this vote, so "
                          "you cannot vote in it. If you have moved, update your postcode.")
    if age_on(details.date_of_birth, utcnow().date()) < voting_round.minimum_age:
        raise NotEligible(f"You must be {voting_round.minimum_age} or older to vote in this round.")
    if voting_round.requires_census:
        from voting.census import resident_entry

        resident_entry(session, voting_round, user)  # NotEligible unless on the list
    return _district_of(voting_round, district_id)


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
    for district in districts:
        projects = {p.id: Project(p.id, p.title, p.cost_pence) for p in voting_round.proposals
                    if p.district_id == district.id and p.state == ProposalState.FEASIBLE}
        contests.append(Contest(district, rules_for(voting_round, district), projects))
    return contests


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
        raise VotingError("Voting is not open in this round.")


def cast(session: Session, voting_round: VotingRound, *, voter_key: str, channel: Channel,
         home: District, choices: Mapping[int, Mapping[int, int]], blank: bool = False,
         census_entry_id: int | None = None):
    """Record that this voter has voted and store their ballot; returns the CastReceipt
    (receipt code, and the change secret where the round allows changes).

    The roll entry's unique constraint decides races: of two simultaneous attempts, the
    second waits for the first to commit and then fails here with AlreadyVoted. In a census
    round the census entry's mark does the same across channels."""
    from voting import census, receipts

    session.refresh(voting_round, with_for_update={"read": True})
    _require_voting(voting_round)
    clean = receipts.checked_choices(voting_round, home, choices, blank=blank)
    if voting_round.requires_census:
        if channel == Channel.PAPER:
            census.check_paper_allowance(session, voting_round)
        elif census_entry_id is None:
            raise NotEligible("This vote checks every voter against the census list.")
        else:
            census.mark_voted(session, voting_round, census_entry_id, channel)
    already = "You have already voted in this round. Each person can vote once."
    if session.scalar(select(VoterRollEntry.id).where(
            VoterRollEntry.round_id == voting_round.id, VoterRollEntry.voter_key == voter_key)):
        raise AlreadyVoted(already)
    today = utcnow().date()
    try:
        with session.begin_nested():
            session.add(VoterRollEntry(round_id=voting_round.id, voter_key=voter_key,
                                       channel=channel, district_id=home.id, voted_on=today))
            session.flush()
    except IntegrityError:
        raise AlreadyVoted(already) from None
    return receipts.store_ballot(session, voting_round, home, clean, voter_key)


def user_voter_key(user) -> str:
    return f"user:{user.id}"


def cast_online(session: Session, user, voting_round: VotingRound, choices, blank: bool = False):
    home = online_district(session, voting_round, user)
    entry_id = None
    if voting_round.requires_census:
        from voting.census import resident_entry

        entry_id = resident_entry(session, voting_round, user).id
    return cast(session, voting_round, voter_key=user_voter_key(user), channel=Channel.ONLINE,
                home=home, choices=choices, blank=blank, census_entry_id=entry_id)


def has_voted(session: Session, voting_round: VotingRound, voter_key: str) -> bool:
    return session.scalar(select(VoterRollEntry.id).where(
        VoterRollEntry.round_id == voting_round.id, VoterRollEntry.voter_key == voter_key)) is not None


# --- single-use voting codes -------------------------------------------------------------

def _code_key() -> bytes:
    configured = current_app.config.get("VOTING_CODE_KEY")
    if configured:
        return configured.encode("utf-8")
    # A key of its own derived from SECRET_KEY, so a code hash reveals nothing about sessions.
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), b"commonpot voting codes",
                    hashlib.sha256).digest()


def normalise_code(text: str, receipt: bool = False) -> str:
    compact = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if receipt and len(compact) == CODE_LENGTH:
        return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"
    return compact


def code_hash(code: str) -> str:
    return hmac.new(_code_key(), normalise_code(code).encode("ascii", "ignore"), hashlib.sha256).hexdigest()


def generate_codes(session: Session, actor, voting_round: VotingRound, *, district_id: int,
                   label: str, count: int) -> list[str]:
    """Make `count` codes; returns the plain codes, which are never stored."""
    if not voting_round.allow_codes:
        raise VotingError("Turn on voting codes for this round first.")
    if voting_round.requires_census:
        raise VotingError("In a census round, codes are made for each person on the list when "
                          "you upload it.")
    if voting_round.state in (RoundState.COUNTING, RoundState.PUBLISHED):
        raise VotingError("Voting has closed.")
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise VotingError(f"Make between 1 and {MAX_CODES_PER_BATCH:,} codes at a time.")
    district = _district_of(voting_round, district_id)
    if district.is_area_wide:
        raise VotingError("Codes belong to a district: choose the district the letters go to.")
    batch = VotingCodeBatch(round_id=voting_round.id, district_id=district.id,
                            label=label.strip() or "Codes", size=count)
    session.add(batch)
    session.flush()
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        digest = code_hash(code)
        if digest in seen:
            continue
        seen.add(digest)
        codes.append(f"{code[:4]}-{code[4:8]}-{code[8:]}")
    session.add_all([VotingCode(batch_id=batch.id, code_hash=h) for h in seen])
    session.flush()
    record(session, actor, "voting.codes_generated", "voting_round", voting_round.id,
           {"batch_id": batch.id, "district_id": district.id, "count": count, "label": batch.label})
    return codes


def codes_csv(voting_round: VotingRound, district: District, codes: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "round", "district"])
    for code in codes:
        writer.writerow([code, safe_cell(voting_round.title), safe_cell(district.name)])
    return out.getvalue()


def check_code(session: Session, voting_round: VotingRound, code: str) -> tuple[str, District]:
    """(voter key, district) for a usable code, or CodeRefused saying what is wrong."""
    _require_voting(voting_round)
    if not voting_round.allow_codes:
        raise CodeRefused("This vote does not use voting codes.")
    digest = code_hash(code)
    found = session.execute(
        select(VotingCodeBatch.district_id).join(VotingCode, VotingCode.batch_id == VotingCodeBatch.id)
        .where(VotingCode.code_hash == digest, VotingCodeBatch.round_id == voting_round.id)).first()
    if found is None:
        raise CodeRefused("We do not recognise that code. Check it against your letter or card "
                          "and type it again; letters and numbers only, like ABCD-2345-EFGH.")
    key = f"code:{digest}"
    if has_voted(session, voting_round, key):
        raise CodeRefused("That code has already been used to vote. Each code can be used once.")
    return key, _district_of(voting_round, found.district_id)


def check_code_for_change(session: Session, voting_round: VotingRound,
                          code: str) -> tuple[str, District]:
    """(voter key, district) of a code that has voted in this round, or CodeRefused."""
    _require_voting(voting_round)
    digest = code_hash(code)
    district_id = session.scalar(
        select(VotingCodeBatch.district_id).join(VotingCode, VotingCode.batch_id == VotingCodeBatch.id)
        .where(VotingCode.code_hash == digest, VotingCodeBatch.round_id == voting_round.id))
    key = f"code:{digest}"
    if district_id is None or not has_voted(session, voting_round, key):
        raise CodeRefused("That code has not been used to vote in this round, so there is no "
                          "ballot to change. Check the code against your letter or card.")
    return key, _district_of(voting_round, district_id)


def cast_with_code(session: Session, voting_round: VotingRound, code: str, choices,
                   blank: bool = False):
    key, home = check_code(session, voting_round, code)
    entry_id = None
    if voting_round.requires_census:
        from voting.census import code_entry_id

        entry_id = code_entry_id(session, key.removeprefix("code:"))
    try:
        return cast(session, voting_round, voter_key=key, channel=Channel.CODE, home=home,
                    choices=choices, blank=blank, census_entry_id=entry_id)
    except AlreadyVoted as exc:
        from voting.census import ALREADY_VOTED

        raise CodeRefused(ALREADY_VOTED if str(exc) == ALREADY_VOTED else
                          "That code has already been used to vote. Each code can be used once.") from None


# --- paper ballots -----------------------------------------------------------------------

def create_paper_batch(session: Session, actor, voting_round: VotingRound, *, district_id: int,
                       event: str, event_date: date, first_serial: int, last_serial: int,
                       double_keyed: bool) -> PaperBatch:
    if not voting_round.allow_paper:
        raise VotingError("This round does not take paper ballots.")
    if voting_round.state != RoundState.VOTING:
        raise VotingError("Paper ballots are entered while voting is open.")
    district = _district_of(voting_round, district_id)
    if district.is_area_wide:
        raise VotingError("Choose the district the event was held in.")
    if not event.strip():
        raise VotingError("Enter the event's name.")
    if first_serial < 1 or last_serial < first_serial:
        raise VotingError("The serial numbers must run from a first number up to a last one.")
    batch = PaperBatch(round_id=voting_round.id, district_id=district.id, event=event.strip(),
                       event_date=event_date, first_serial=first_serial, last_serial=last_serial,
                       double_keyed=double_keyed)
    session.add(batch)
    session.flush()
    record(session, actor, "voting.paper_batch_created", "voting_paper_batch", batch.id,
           {"round_id": voting_round.id, "district_id": district.id, "event": batch.event,
            "event_date": event_date.isoformat(), "serials": [first_serial, last_serial],
            "double_keyed": double_keyed})
    return batch


def _paper_key(serial: int) -> str:
    return f"paper:{serial}"


def enter_paper_ballot(session: Session, actor, batch: PaperBatch, *, serial: int, choices,
                       keying: int = 1) -> None:
    voting_round = batch.voting_round
    _require_voting(voting_round)
    if batch.accepted:
        raise VotingError("This batch has already been accepted.")
    if not batch.first_serial <= serial <= batch.last_serial:
        raise VotingError(f"Serial {serial} is not in this batch ({batch.first_serial} to "
                          f"{batch.last_serial}). Check the number on the ballot paper.")
    if has_voted(session, voting_round, _paper_key(serial)):
        raise AlreadyVoted(f"Serial {serial} has already been entered. A paper ballot counts once.")
    if not batch.double_keyed:
        try:
            cast(session, voting_round, voter_key=_paper_key(serial), channel=Channel.PAPER,
                 home=batch.district, choices=choices)
        except AlreadyVoted:
            raise AlreadyVoted(f"Serial {serial} has already been entered. A paper ballot counts "
                               "once.") from None
        return
    if keying not in (1, 2):
        raise VotingError("Choose the first or the second keying.")
    clean = validate_choices(contests_for(voting_round, batch.district), choices)
    try:
        with session.begin_nested():
            session.add(PaperKeying(batch_id=batch.id, keying=keying, serial=serial,
                                    choices=json.dumps(clean, sort_keys=True), keyed_by_id=actor.id))
            session.flush()
    except IntegrityError:
        raise AlreadyVoted(f"Serial {serial} has already been entered in keying {keying}.") from None


@dataclass
class KeyingDifference:
    serial: int
    problem: str


def compare_batch(session: Session, batch: PaperBatch) -> tuple[int, list[KeyingDifference]]:
    """(ballots both keyings agree on, differences to resolve)."""
    rows = session.scalars(select(PaperKeying).where(PaperKeying.batch_id == batch.id)).all()
    keyed: dict[int, dict[int, str]] = {1: {}, 2: {}}
    for row in rows:
        keyed[row.keying][row.serial] = row.choices
    differences = []
    agreed = 0
    for serial in sorted(set(keyed[1]) | set(keyed[2])):
        first, second = keyed[1].get(serial), keyed[2].get(serial)
        if first is None:
            differences.append(KeyingDifference(serial, "only in the second keying"))
        elif second is None:
            differences.append(KeyingDifference(serial, "only in the first keying"))
        elif first != second:
            differences.append(KeyingDifference(serial, "the two keyings differ"))
        else:
            agreed += 1
    return agreed, differences


def discard_keying(session: Session, actor, batch: PaperBatch, serial: int) -> None:
    """Remove both keyings of one ballot so it can be keyed again after a difference."""
    session.execute(delete(PaperKeying).where(PaperKeying.batch_id == batch.id,
                                              PaperKeying.serial == serial))
    session.flush()
    record(session, actor, "voting.paper_keying_discarded", "voting_paper_batch", batch.id,
           {"serial": serial})


def accept_batch(session: Session, actor, batch: PaperBatch) -> int:
    """Cast every ballot both keyings agree on; then forget the keyings."""
    if not batch.double_keyed:
        raise VotingError("Only double-keyed batches are compared and accepted.")
    if batch.accepted:
        raise VotingError("This batch has already been accepted.")
    agreed, differences = compare_batch(session, batch)
    if differences:
        raise VotingError(f"Resolve the {len(differences)} difference(s) between the keyings first.")
    if not agreed:
        raise VotingError("Nothing has been keyed in this batch yet.")
    rows = session.scalars(select(PaperKeying).where(PaperKeying.batch_id == batch.id,
                                                     PaperKeying.keying == 1)).all()
    # Cast in a random order so the ballots' order says nothing about the serials.
    for row in sorted(rows, key=lambda _: secrets.randbits(32)):
        choices = {int(d): {int(p): v for p, v in c.items()} for d, c in json.loads(row.choices).items()}
        cast(session, batch.voting_round, voter_key=_paper_key(row.serial),
             channel=Channel.PAPER, home=batch.district, choices=choices)
    session.execute(delete(PaperKeying).where(PaperKeying.batch_id == batch.id))
    batch.accepted = True
    session.flush()
    record(session, actor, "voting.paper_batch_accepted", "voting_paper_batch", batch.id,
           {"ballots": agreed})
    return agreed
