"""Receipts that confirm, and change secrets that only the voter can use.

A cast gives the voter two codes:

- the **receipt**, public: it is published on the bulletin board's list of receipts at the
  close, so its holder can see that their ballot was recorded and counted. The board shows
  no receipt next to a ballot's contents, so a receipt proves nothing about how anyone
  voted (see "Receipts" in the README's threat model).
- the **change secret**, private: shown once, only to the voter, never stored in plain and
  never published. The ballot keeps `change_tag` = HMAC(key, round | voter key | secret).
  Changing a ballot needs the voter's own credential (their signed-in account, or the code
  that cast it) *and* the secret: with someone else's secret, or with a secret but someone
  else's credential, the tag matches nothing and nothing changes.

A change takes the round's lock exactly as a cast does, so no ballot changes after the
close has fixed the board. A ballot must choose something in at least one of the voter's
own contests, unless the round offers an explicit blank vote and the voter chose it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.i18n import _
from voting import secrecy
from voting.ballots import BallotError
from voting.casting import contests_for, new_receipt, user_voter_key, validate_choices
from voting.codes import check_code_for_change
from voting.codewords import CODE_ALPHABET, normalise_code
from voting.eligibility import online_district
from voting.errors import VotingError
from voting.locking import lock_round
from voting.models import Ballot, Channel, District, VoterRollEntry, VotingRound
from voting.states import RoundState

SECRET_LENGTH = 16  # 16 characters of a 30-letter alphabet: about 78 bits


class ChangeRefused(VotingError):
    """The change was not made; the message says why, and nothing changed."""


@dataclass(frozen=True)
class ChangeTerms:
    """What a voter is told about changing their vote, the same on every page they pass:
    whether this round lets a vote cast through this channel change, and with which
    credential (`by_code`: the voting code; otherwise the voter's account). Paper ballots
    never change: nobody holds a secret for them."""

    can_change: bool
    by_code: bool


def change_terms(voting_round: VotingRound, channel: Channel | str) -> ChangeTerms:
    channel = Channel(channel)
    offered = {Channel.ONLINE: voting_round.allow_online, Channel.CODE: voting_round.allow_codes,
               Channel.PAPER: False}[channel]
    return ChangeTerms(can_change=bool(voting_round.allow_revote and offered),
                       by_code=channel == Channel.CODE)


@dataclass(frozen=True)
class CastReceipt:
    receipt: str
    change_secret: str | None  # None when the round does not let voters change their vote


def new_change_secret() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(SECRET_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, SECRET_LENGTH, 4))


def _tag_key() -> bytes:
    base = current_app.config.get("VOTING_CODE_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(base.encode("utf-8"), b"commonpot ballot change tags", hashlib.sha256).digest()


def change_tag(round_id: int, voter_key: str, secret: str) -> str:
    message = f"{round_id}|{voter_key}|{normalise_code(secret)}".encode("ascii", "ignore")
    return hmac.new(_tag_key(), message, hashlib.sha256).hexdigest()


def encode_choices(clean: Mapping[str, Mapping[str, int]]) -> str:
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))


def checked_choices(voting_round: VotingRound, home: District,
                    choices: Mapping[int, Mapping[int, int]], *, blank: bool = False) -> dict:
    """The ballot as stored, or BallotError saying what to fix.

    Only the voter's own contests count: a ballot naming only other districts, or nothing at
    all, is refused, unless the round offers a blank vote and the voter explicitly chose it."""
    contests = contests_for(voting_round, home)
    own = {c.district.id for c in contests}
    if any(district_id not in own and picked for district_id, picked in choices.items()):
        raise BallotError(["Your ballot names a budget you do not vote on. Choose from the "
                           "projects on your own ballot."])
    chose_something = any(choices.get(district_id) for district_id in own)
    if blank:
        if not voting_round.offers_blank_vote:
            raise BallotError(["This round does not offer a blank vote. Choose at least one project."])
        if chose_something:
            raise BallotError(["You chose projects and also a blank vote. Either clear your "
                               "choices or untick the blank vote."])
        return {str(district_id): {} for district_id in sorted(own)}
    if not chose_something:
        raise BallotError(["Choose at least one project."
                           + (" To vote for none, tick “I want to cast a blank vote”."
                              if voting_round.offers_blank_vote else "")])
    return validate_choices(contests, choices)


def store_ballot(session: Session, voting_round: VotingRound, home: District, clean: dict,
                 voter_key: str) -> CastReceipt:
    """Add the ballot (in the caller's transaction, beside the roll entry) and stir."""
    receipt = new_receipt()
    secret = new_change_secret() if voting_round.allow_revote else None
    ballot_id = secrecy.new_ballot_id()
    # Stir before adding: the new row then lands among the rewritten ones.
    secrecy.stir(session, voting_round.id)
    session.add(Ballot(id=ballot_id, round_id=voting_round.id, district_id=home.id, receipt=receipt,
                       change_tag=change_tag(voting_round.id, voter_key, secret) if secret else None,
                       choices=encode_choices(clean)))
    session.flush()
    return CastReceipt(receipt, secret)


def change_ballot(session: Session, voting_round: VotingRound, *, voter_key: str, secret: str,
                  choices: Mapping[int, Mapping[int, int]], blank: bool = False) -> None:
    """Replace the choices on this voter's own ballot, found by credential and secret."""
    # The same share lock on the round as a cast: the close (FOR UPDATE) waits for changes
    # in flight, and a change arriving after the close sees the round closed.
    lock_round(session, voting_round, exclusive=False)
    if voting_round.state != RoundState.VOTING:
        raise ChangeRefused(_("Voting has closed, so votes can no longer be changed. Your ballot "
                            "stays as it was."))
    if not voting_round.allow_revote:
        raise ChangeRefused(_("This round does not let voters change their vote."))
    if session.scalar(select(VoterRollEntry.id).where(
            VoterRollEntry.round_id == voting_round.id, VoterRollEntry.voter_key == voter_key)) is None:
        raise ChangeRefused(_("You have not voted in this round yet, so there is nothing to change."))
    if not normalise_code(secret):
        raise ChangeRefused(_("Enter the change secret you were shown when you voted."))
    ballot = session.scalar(select(Ballot).where(
        Ballot.round_id == voting_round.id,
        Ballot.change_tag == change_tag(voting_round.id, voter_key, secret)))
    if ballot is None:
        raise ChangeRefused(_("That change secret does not match your ballot, so nothing was "
                            "changed. Use the change secret you were shown when you voted; "
                            "a receipt code or someone else's secret will not work."))
    home = next(d for d in voting_round.districts if d.id == ballot.district_id)
    clean = checked_choices(voting_round, home, choices, blank=blank)
    secrecy.stir(session, voting_round.id, exclude=ballot.id)
    ballot.choices = encode_choices(clean)
    session.flush()


def change_online(session: Session, user, voting_round: VotingRound, *, secret: str, choices,
                  blank: bool = False) -> None:
    online_district(session, voting_round, user)  # still eligible
    change_ballot(session, voting_round, voter_key=user_voter_key(user), secret=secret,
                  choices=choices, blank=blank)


def change_with_code(session: Session, voting_round: VotingRound, *, code: str, secret: str,
                     choices, blank: bool = False) -> None:
    voter_key, _ = check_code_for_change(session, voting_round, code)
    change_ballot(session, voting_round, voter_key=voter_key, secret=secret, choices=choices,
                  blank=blank)

