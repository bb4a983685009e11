"""One person, one vote: eligibility against the organiser's census list.

Without a census, eligibility is what a resident declares (postcode, date of birth), so a
round can promise one vote per *account* and per *code*, not per person. A round that
requires the census checks every vote against the list the organiser uploads (a council's
register, say) and records each entry's vote once, whichever channel it uses:

- **online**: the resident's declared family name, date of birth and postcode must match an
  entry; the vote marks that entry, so a second account with the same details is refused;
- **codes**: codes are made per census entry when the list is uploaded (one code each, in
  the mail-merge file beside the organiser's own columns); a vote by code marks its entry;
- **paper**: a steward checks the person against the list when handing out a paper ballot
  (`issue_paper_ballot` marks the entry), and no more paper ballots can be keyed in than
  were issued.

The list is stored only as keyed hashes (HMAC) of the normalised identifying fields, under a
key that is not in the database, so a copy of the database does not say who is on the list.
`CensusMark`'s unique constraint is what stops a second vote, even at the same instant.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonpot import postcodes
from commonpot.audit import record
from commonpot.i18n import _, _l
from commonpot.spreadsheets import safe_cell
from voting.codes import code_hash
from voting.codewords import CODE_ALPHABET, CODE_LENGTH
from voting.eligibility import resident_details
from voting.errors import AlreadyVoted, NotEligible, VotingError
from voting.locking import lock_round
from voting.models import (
    CensusEntry,
    CensusMark,
    Channel,
    District,
    RoundPostcode,
    VoterRollEntry,
    VotingCode,
    VotingCodeBatch,
    VotingRound,
)
from voting.states import RoundState

REQUIRED_COLUMNS = ("family_name", "date_of_birth", "postcode")
ALREADY_VOTED = _l("This person on the census list has already voted in this round, online, "
                   "with a code or on paper. Each person can vote once.")


def _census_key() -> bytes:
    base = current_app.config.get("VOTING_CENSUS_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(base.encode("utf-8"), b"commonpot census identities", hashlib.sha256).digest()


def normalise_name(name: str) -> str:
    """Case, accents, spaces, hyphens and apostrophes do not matter: O'Brien = obrien."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]", "", folded.lower())


def identity_hash(round_id: int, family_name: str, date_of_birth: date, postcode: str) -> str | None:
    name, code = normalise_name(family_name), postcodes.normalise(postcode)
    if not name or code is None:
        return None
    message = f"{round_id}|{name}|{date_of_birth.isoformat()}|{code}".encode("ascii")
    return hmac.new(_census_key(), message, hashlib.sha256).hexdigest()


def entry_count(session: Session, voting_round: VotingRound) -> int:
    return session.scalar(select(func.count(CensusEntry.id)).where(
        CensusEntry.round_id == voting_round.id)) or 0


def _parse_date(text: str) -> date | None:
    text = (text or "").strip()
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})/(\d{1,2})/(\d{4})"):
        match = re.fullmatch(pattern, text)
        if match:
            parts = [int(p) for p in match.groups()]
            year, month, day = parts if pattern.startswith(r"(\d{4})") else parts[::-1]
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


@dataclass
class CensusImport:
    added: int
    already_listed: int
    codes_csv: str | None  # the mail-merge file, when the round uses codes


def import_census(session: Session, actor, voting_round: VotingRound, csv_text: str) -> CensusImport:
    """Add the people in a CSV (family_name, date_of_birth, postcode, any other columns).

    A file with any mistake adds nothing. People already on the list are left as they are.
    When the round uses codes, each new person gets one, returned in a CSV of the file's own
    columns plus `code` and `district`; the codes and the plain list are not stored."""
    if not voting_round.requires_census:
        raise VotingError(_("This round does not use a census list. Turn on “Check voters "
                          "against a census list” in the round's settings first."))
    if voting_round.state in (RoundState.COUNTING, RoundState.PUBLISHED):
        raise VotingError(_("Voting has closed: the census list can no longer change."))
    districts = {pc.postcode: pc.district_id for pc in session.scalars(
        select(RoundPostcode).where(RoundPostcode.round_id == voting_round.id))}
    if not districts:
        raise VotingError(_("Import the area's postcodes before the census list."))
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = next(reader, None)
    names = [h.strip().lower() for h in header or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise VotingError("The first line must name the columns, including family_name, "
                          "date_of_birth and postcode (missing: " + ", ".join(missing) + ").")
    at = {c: names.index(c) for c in REQUIRED_COLUMNS}
    problems: list[str] = []
    people: dict[str, tuple[int, list[str]]] = {}
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(names) - len(row))
        born = _parse_date(row[at["date_of_birth"]])
        postcode = postcodes.normalise(row[at["postcode"]])
        if born is None:
            problems.append(_('Line %(line)s: “%(value)s” is not a date (use 1980-05-17 or 17/05/1980).',
                              line=line_no, value=row[at['date_of_birth']].strip()))
            continue
        if postcode is None or postcode not in districts:
            problems.append(_("Line %(line)s: the postcode “%(value)s” is not in this round's area.",
                              line=line_no, value=row[at['postcode']].strip()))
            continue
        digest = identity_hash(voting_round.id, row[at["family_name"]], born, postcode)
        if digest is None:
            problems.append(_("Line %(line)s: enter the person's family name.", line=line_no))
        elif digest in people:
            problems.append(_('Line %(line)s: the same person as line %(first)s.', line=line_no,
                              first=people[digest][0]))
        else:
            people[digest] = (line_no, row, districts[postcode])
    if problems:
        raise VotingError(" ".join(problems[:10]) + ((" " + _("…and more.")) if len(problems) > 10 else ""))
    if not people:
        raise VotingError(_("The file has nobody in it."))
    listed = set(session.scalars(select(CensusEntry.identity_hash).where(
        CensusEntry.round_id == voting_round.id, CensusEntry.identity_hash.in_(list(people)))))
    new = [(digest, *people[digest]) for digest in people if digest not in listed]
    entries = []
    for digest, _person, row, district_id in new:
        entry = CensusEntry(round_id=voting_round.id, identity_hash=digest, district_id=district_id)
        session.add(entry)
        entries.append((entry, row))
    session.flush()
    codes_text = None
    if voting_round.allow_codes and entries:
        codes_text = _issue_codes(session, voting_round, header or [], entries)
    record(session, actor, "voting.census_imported", "voting_round", voting_round.id,
           {"added": len(entries), "already_listed": len(listed),
            "codes": len(entries) if codes_text else 0})
    return CensusImport(len(entries), len(listed), codes_text)


def _issue_codes(session: Session, voting_round: VotingRound, header: list[str],
                 entries: list[tuple[CensusEntry, list[str]]]) -> str:
    import secrets

    names = {d.id: d.name for d in voting_round.districts}
    batches: dict[int, VotingCodeBatch] = {}
    for entry, _row in entries:
        if entry.district_id not in batches:
            batches[entry.district_id] = VotingCodeBatch(
                round_id=voting_round.id, district_id=entry.district_id, label="Census codes",
                size=sum(1 for e, _ in entries if e.district_id == entry.district_id))
            session.add(batches[entry.district_id])
    session.flush()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header] + ["code", "district"])
    for entry, row in entries:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        session.add(VotingCode(batch_id=batches[entry.district_id].id, code_hash=code_hash(code),
                               census_entry_id=entry.id))
        writer.writerow([safe_cell(c) for c in row[:len(header)]]
                        + [f"{code[:4]}-{code[4:8]}-{code[8:]}", safe_cell(names[entry.district_id])])
    session.flush()
    return out.getvalue()


def find_entry(session: Session, voting_round: VotingRound, family_name: str, date_of_birth: date,
               postcode: str) -> CensusEntry | None:
    digest = identity_hash(voting_round.id, family_name, date_of_birth, postcode)
    if digest is None:
        return None
    return session.scalar(select(CensusEntry).where(CensusEntry.round_id == voting_round.id,
                                                    CensusEntry.identity_hash == digest))


def resident_entry(session: Session, voting_round: VotingRound, user) -> CensusEntry:
    """The census entry a signed-in resident's declared details match, or NotEligible."""
    details = resident_details(session, user)
    if details is None or not details.family_name:
        raise NotEligible(_("This vote checks voters against the council's list. Tell us your "
                          "family name, date of birth and postcode exactly as they are on the "
                          "electoral register."))
    entry = find_entry(session, voting_round, details.family_name, details.date_of_birth,
                       details.postcode)
    if entry is None:
        raise NotEligible(_("Your family name, date of birth and postcode do not match anyone on "
                          "this vote's list of eligible voters. Check them against your entry on "
                          "the electoral register; if they are right, contact the organiser."))
    return entry


def code_entry_id(session: Session, code_digest: str) -> int | None:
    return session.scalar(select(VotingCode.census_entry_id).where(VotingCode.code_hash == code_digest))


def mark_voted(session: Session, voting_round: VotingRound, entry_id: int, channel: Channel) -> None:
    """Record that this census entry has voted; AlreadyVoted if it has, by any channel."""
    if session.scalar(select(CensusMark.id).where(CensusMark.entry_id == entry_id)):
        raise AlreadyVoted(ALREADY_VOTED)
    try:
        with session.begin_nested():
            session.add(CensusMark(round_id=voting_round.id, entry_id=entry_id, channel=str(channel)))
            session.flush()
    except IntegrityError:
        raise AlreadyVoted(ALREADY_VOTED) from None


def check_paper_allowance(session: Session, voting_round: VotingRound) -> None:
    """In a census round, a paper ballot is keyed in only against a paper ballot issued."""
    issued = session.scalar(select(func.count(CensusMark.id)).where(
        CensusMark.round_id == voting_round.id, CensusMark.channel == str(Channel.PAPER))) or 0
    keyed = session.scalar(select(func.count(VoterRollEntry.id)).where(
        VoterRollEntry.round_id == voting_round.id, VoterRollEntry.channel == Channel.PAPER)) or 0
    if keyed >= issued:
        raise VotingError(_("Only %(issued)s paper ballots have been issued against the census list, "
                            "and %(keyed)s are already entered. Issue each paper ballot to a person "
                            "on the list before keying it in.", issued=issued, keyed=keyed))


def issue_paper_ballot(session: Session, actor, voting_round: VotingRound, *, family_name: str,
                       date_of_birth: date, postcode: str) -> District:
    """A steward hands a paper ballot to a person on the list; returns their district."""
    lock_round(session, voting_round, exclusive=False)
    if voting_round.state != RoundState.VOTING:
        raise VotingError(_("Paper ballots are issued while voting is open."))
    if not (voting_round.requires_census and voting_round.allow_paper):
        raise VotingError(_("This round does not issue paper ballots against a census list."))
    entry = find_entry(session, voting_round, family_name, date_of_birth, postcode)
    if entry is None:
        raise NotEligible(_("That person is not on this vote's list of eligible voters: check the "
                          "spelling of the family name, the date of birth and the postcode."))
    mark_voted(session, voting_round, entry.id, Channel.PAPER)
    return next(d for d in voting_round.districts if d.id == entry.district_id)
