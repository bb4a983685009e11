"""Voting rounds: settings, districts and their budgets, postcode lists, and state changes.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.i18n import _
from voting.ballots import BallotType
from voting.errors import VotingError
from voting.models import (
    District,
    ProposalState,
    RoundPostcode,
    VotingRound,
)
from voting.states import SETUP_STATES, RoundState, check_transition

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
    #: JSON of voting.counting.options.CountOptions.to_dict(); None: the rule's defaults.
    counting_options: str | None = None


def _check_settings(settings: RoundSettings) -> None:
    from voting.counting.options import CountOptions, OptionError
    from voting.results import rule_mismatch

    if not settings.title.strip():
        raise VotingError(_("Enter a title for the round."), "title")
    mismatch = rule_mismatch(settings.ballot_type, settings.counting_rule)
    if mismatch:
        raise VotingError(mismatch, "counting_rule")
    if settings.counting_options:
        try:
            CountOptions.from_dict(json.loads(settings.counting_options))
        except (OptionError, ValueError, TypeError) as exc:
            raise VotingError(_("The counting options are not valid: %(problem)s.", problem=exc)) from None
    if settings.max_choices is not None and settings.max_choices < max(1, settings.min_choices):
        raise VotingError(_("The most projects a voter may choose must be at least the fewest."))
    if not 0 <= settings.min_share_percent <= 100:
        raise VotingError(_("The minimum share of the budget must be between 0 and 100 per cent."))
    if settings.points_total < 1:
        raise VotingError(_("Give voters at least 1 point to share."))
    if not (settings.allow_online or settings.allow_codes or settings.allow_paper):
        raise VotingError(_("Choose at least one way to vote: online, codes or paper."))


def create_round(session: Session, actor, fund_id: int, settings: RoundSettings) -> VotingRound:
    _check_settings(settings)
    voting_round = VotingRound(fund_id=fund_id, state=RoundState.DRAFT, **vars(settings))
    session.add(voting_round)
    session.flush()
    record(session, actor, "voting.round_created", "voting_round", voting_round.id,
           {"fund_id": fund_id, "title": settings.title, "ballot_type": str(settings.ballot_type),
            "counting_rule": settings.counting_rule, "counting_options": settings.counting_options})
    return voting_round


def update_round(session: Session, actor, voting_round: VotingRound, settings: RoundSettings) -> None:
    if voting_round.state not in SETUP_STATES:
        raise VotingError(_("The rules cannot change once voting has opened."))
    _check_settings(settings)
    for name, value in vars(settings).items():
        setattr(voting_round, name, value)
    session.flush()
    record(session, actor, "voting.round_updated", "voting_round", voting_round.id,
           {k: str(v) if isinstance(v, BallotType) else v for k, v in vars(settings).items()})


def add_district(session: Session, actor, voting_round: VotingRound, name: str, budget_pence: int,
                 is_area_wide: bool = False) -> District:
    if voting_round.state not in SETUP_STATES:
        raise VotingError(_("Districts cannot change once voting has opened."))
    name = name.strip()
    if not name:
        raise VotingError(_("Enter the district's name."))
    if budget_pence <= 0:
        raise VotingError(_("Enter a budget of more than £0."))
    if any(d.name.lower() == name.lower() for d in voting_round.districts):
        raise VotingError(_('There is already a district called “%(name)s”.', name=name))
    if is_area_wide and voting_round.area_wide is not None:
        raise VotingError(_("This round already has an area-wide budget."))
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
        raise VotingError(_("Add the round's districts before importing postcodes."))
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    problems: list[str] = []
    rows: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if line_no == 1 and row[0].strip().lower() == "postcode":
            continue
        if len(row) < 2:
            problems.append(_('Line %(line)s: give a postcode and a district, separated by a comma.',
                              line=line_no))
            continue
        postcode = postcodes.normalise(row[0])
        district = districts.get(row[1].strip().lower())
        if postcode is None:
            problems.append(_('Line %(line)s: “%(value)s” is not a UK postcode.', line=line_no,
                              value=row[0].strip()))
        elif district is None:
            problems.append(_('Line %(line)s: there is no district called “%(value)s”.', line=line_no,
                              value=row[1].strip()))
        else:
            rows[postcode] = district.id
    if problems:
        raise VotingError(" ".join(problems[:10]) + ((" " + _("…and more.")) if len(problems) > 10 else ""))
    if not rows:
        raise VotingError(_("The file has no postcodes in it."))
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
    from voting.closing import close_voting, lock_round, require_counted

    # Casting takes a share lock on the round, so closing waits for ballots in flight and no
    # ballot lands after the board is fixed.
    lock_round(session, voting_round, exclusive=True)
    check_transition(voting_round.state, target)
    if target == RoundState.PROPOSALS and not voting_round.local_districts:
        raise VotingError(_("Add at least one district with its budget before opening the round."))
    if target == RoundState.VOTING:
        waiting = [p for p in voting_round.proposals if p.state == ProposalState.SUBMITTED]
        if waiting:
            raise VotingError(_('Review every proposal first: %(len)s still waiting.', len=len(waiting)))
        if not any(p.state == ProposalState.FEASIBLE for p in voting_round.proposals):
            raise VotingError(_("At least one proposal must be feasible before voting opens."))
        if voting_round.allow_online and not postcode_count(session, voting_round):
            raise VotingError(_("Import the area's postcodes before opening online voting."))
        if voting_round.requires_census:
            from voting.census import entry_count

            if not entry_count(session, voting_round):
                raise VotingError(_("Upload the census list before opening voting."))
    if target == RoundState.PUBLISHED:
        require_counted(session, voting_round)
    previous = voting_round.state
    if target == RoundState.COUNTING:
        # Reshuffle, fix and store the board, append its leaves and queue the count (a job).
        close_voting(session, actor, voting_round)
    voting_round.state = target
    session.flush()
    record(session, actor, "voting.round_transition", "voting_round", voting_round.id,
           {"from": str(previous), "to": str(target)})
