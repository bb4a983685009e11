"""Single-use voting codes: generating them for a district, checking one, voting with it.
Only a keyed hash of each code is stored. Nothing here commits."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit import record
from commonpot.i18n import _, format_number
from commonpot.spreadsheets import safe_cell
from voting.casting import _require_voting, cast, has_voted
from voting.codewords import CODE_ALPHABET, CODE_LENGTH, normalise_code  # noqa: F401
from voting.errors import AlreadyVoted, CodeRefused, VotingError
from voting.models import (
    Channel,
    District,
    VotingCode,
    VotingCodeBatch,
    VotingRound,
)
from voting.proposals import _district_of
from voting.states import CODE_STATES

MAX_CODES_PER_BATCH = 50_000
# --- single-use voting codes -------------------------------------------------------------

def _code_key() -> bytes:
    configured = current_app.config.get("VOTING_CODE_KEY")
    if configured:
        return configured.encode("utf-8")
    # A key of its own derived from SECRET_KEY, so a code hash reveals nothing about sessions.
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), b"commonpot voting codes",
                    hashlib.sha256).digest()


def code_hash(code: str) -> str:
    return hmac.new(_code_key(), normalise_code(code).encode("ascii", "ignore"), hashlib.sha256).hexdigest()


def generate_codes(session: Session, actor, voting_round: VotingRound, *, district_id: int,
                   label: str, count: int) -> list[str]:
    """Make `count` codes; returns the plain codes, which are never stored."""
    if not voting_round.allow_codes:
        raise VotingError(_("Turn on voting codes for this round first."))
    if voting_round.requires_census:
        raise VotingError(_("In a census round, codes are made for each person on the list when "
                          "you upload it."))
    if voting_round.state not in CODE_STATES:
        raise VotingError(_("Voting has closed."))
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise VotingError(_("Make between 1 and %(most)s codes at a time.",
                            most=format_number(MAX_CODES_PER_BATCH)))
    district = _district_of(voting_round, district_id)
    if district.is_area_wide:
        raise VotingError(_("Codes belong to a district: choose the district the letters go to."))
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
        raise CodeRefused(_("This vote does not use voting codes."))
    digest = code_hash(code)
    found = session.execute(
        select(VotingCodeBatch.district_id).join(VotingCode, VotingCode.batch_id == VotingCodeBatch.id)
        .where(VotingCode.code_hash == digest, VotingCodeBatch.round_id == voting_round.id)).first()
    if found is None:
        raise CodeRefused(_("We do not recognise that code. Check it against your letter or card "
                          "and type it again; letters and numbers only, like ABCD-2345-EFGH."))
    key = f"code:{digest}"
    if has_voted(session, voting_round, key):
        raise CodeRefused(used_code_message(voting_round))
    return key, _district_of(voting_round, found.district_id)


def used_code_message(voting_round: VotingRound) -> str:
    """A code that has voted casts no second ballot; where the round lets votes change, the
    voter is told how, not that their vote is final."""
    if voting_round.allow_revote:
        return _("That code has already been used to vote. To change that vote, use your code "
                 "with the change secret you were shown when you voted.")
    return _("That code has already been used to vote. Each code can be used once.")


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
        raise CodeRefused(_("That code has not been used to vote in this round, so there is no "
                          "ballot to change. Check the code against your letter or card."))
    return key, _district_of(voting_round, district_id)


def cast_with_code(session: Session, voting_round: VotingRound, code: str, choices,
                   blank: bool = False, cast_token: str | None = None):
    key, home = check_code(session, voting_round, code)
    entry_id = None
    if voting_round.requires_census:
        from voting.census import code_entry_id

        entry_id = code_entry_id(session, key.removeprefix("code:"))
    try:
        return cast(session, voting_round, voter_key=key, channel=Channel.CODE, home=home,
                    choices=choices, blank=blank, census_entry_id=entry_id,
                    cast_token=cast_token)
    except AlreadyVoted as exc:
        from voting.census import ALREADY_VOTED

        raise CodeRefused(ALREADY_VOTED if str(exc) == str(ALREADY_VOTED) else
                          used_code_message(voting_round)) from None


