"""Paper ballots: batches, double keying, comparing the two keyings and accepting a batch.
Operations take the session and plain values, record the audit event and never commit."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.i18n import _, ngettext
from voting.casting import _require_voting, cast, contests_for, has_voted, validate_choices
from voting.errors import AlreadyVoted, VotingError
from voting.models import (
    Channel,
    PaperBatch,
    PaperKeying,
    VotingRound,
)
from voting.proposals import _district_of
from voting.states import RoundState

# --- paper ballots -----------------------------------------------------------------------

def create_paper_batch(session: Session, actor, voting_round: VotingRound, *, district_id: int,
                       event: str, event_date: date, first_serial: int, last_serial: int,
                       double_keyed: bool) -> PaperBatch:
    if not voting_round.allow_paper:
        raise VotingError(_("This round does not take paper ballots."))
    if voting_round.state != RoundState.VOTING:
        raise VotingError(_("Paper ballots are entered while voting is open."))
    district = _district_of(voting_round, district_id)
    if district.is_area_wide:
        raise VotingError(_("Choose the district the event was held in."))
    if not event.strip():
        raise VotingError(_("Enter the event's name."))
    if first_serial < 1 or last_serial < first_serial:
        raise VotingError(_("The serial numbers must run from a first number up to a last one."))
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
        raise VotingError(_("This batch has already been accepted."))
    if not batch.first_serial <= serial <= batch.last_serial:
        raise VotingError(_("Serial %(serial)s is not in this batch (%(first)s to %(last)s). Check the "
                            "number on the ballot paper.", serial=serial, first=batch.first_serial,
                            last=batch.last_serial))
    if has_voted(session, voting_round, _paper_key(serial)):
        raise AlreadyVoted(_("Serial %(serial)s has already been entered. A paper ballot counts once.",
                             serial=serial))
    if not batch.double_keyed:
        try:
            cast(session, voting_round, voter_key=_paper_key(serial), channel=Channel.PAPER,
                 home=batch.district, choices=choices)
        except AlreadyVoted:
            raise AlreadyVoted(_("Serial %(serial)s has already been entered. A paper ballot counts once.",
                             serial=serial)) from None
        return
    if keying not in (1, 2):
        raise VotingError(_("Choose the first or the second keying."))
    clean = validate_choices(contests_for(voting_round, batch.district), choices)
    try:
        with session.begin_nested():
            session.add(PaperKeying(batch_id=batch.id, keying=keying, serial=serial,
                                    choices=json.dumps(clean, sort_keys=True), keyed_by_id=actor.id))
            session.flush()
    except IntegrityError:
        raise AlreadyVoted(_("Serial %(serial)s has already been entered in keying %(keying)s.",
                             serial=serial, keying=keying)) from None


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
        raise VotingError(_("Only double-keyed batches are compared and accepted."))
    if batch.accepted:
        raise VotingError(_("This batch has already been accepted."))
    agreed, differences = compare_batch(session, batch)
    if differences:
        raise VotingError(ngettext("Resolve the %(num)s difference between the keyings first.",
                                   "Resolve the %(num)s differences between the keyings first.",
                                   len(differences)))
    if not agreed:
        raise VotingError(_("Nothing has been keyed in this batch yet."))
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
