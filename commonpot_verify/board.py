"""A closed round's bulletin board, rebuilt from the audit log's leaves and checked.

When voting closes, the app announces the board (`voting.board_published`: the SHA-256 of
the ballots CSV and of the receipts CSV, and the number of ballots). Its count job then
appends every published ballot to the log as a leaf (`voting.ballot_published`, in board
order), then every published receipt code (`voting.receipt_published`, sorted, apart from
the ballots), and says where they are (`voting.board_leaves_appended`). This module
rebuilds both CSV files from the leaves, byte for byte, and checks them against the
announcement and against any downloads given (the CSVs and the districts' Pabulib `.pb`
files), so a recount of those downloads uses exactly the set of ballots the signed log
holds.

The app writes its downloads with these same functions, so there is one definition of the
board's format.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

BALLOT_LEAF = "voting.ballot_published"
RECEIPT_LEAF = "voting.receipt_published"
BOARD_EVENT = "voting.board_published"
LEAVES_EVENT = "voting.board_leaves_appended"
BOARD_HEADER = ("ballot", "home_district_id", "budget_district_id", "vote", "points")
_PB_INSTANCE = re.compile(r"^commonpot-round-(\d+)-district-(\d+)$")


class BoardMismatch(ValueError):
    """The published board and the log's leaves disagree: the message says where first."""


# The format ----------------------------------------------------------------------------------

def ballot_leaf(ballot_id: str, home_district_id: int, votes: Sequence[Sequence]) -> dict:
    """A ballot leaf's payload. `votes`: [budget district id, vote, points] per budget it was
    on, vote and points as the CSV writes them ("12,15" and "3,2" or "")."""
    return {"ballot": ballot_id, "home_district_id": home_district_id,
            "votes": [[int(d), str(v), str(p)] for d, v, p in votes]}


def board_csv(ballots: Iterable[Mapping]) -> str:
    """The ballots CSV: a header, then one line per budget each ballot voted on."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BOARD_HEADER)
    for ballot in ballots:
        for district_id, vote, points in ballot["votes"]:
            writer.writerow([ballot["ballot"], ballot["home_district_id"], district_id, vote, points])
    return out.getvalue()


def receipts_csv(receipts: Iterable[str]) -> str:
    return "receipt\n" + "".join(f"{r}\n" for r in receipts)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Reading the leaves --------------------------------------------------------------------------

@dataclass
class PublishedBoard:
    round_id: int
    ballots: list[dict] = field(default_factory=list)
    ballot_seqs: list[int] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    receipt_seqs: list[int] = field(default_factory=list)
    announcement: dict | None = None
    places: dict | None = None

    def board_csv(self) -> str:
        return board_csv(self.ballots)

    def receipts_csv(self) -> str:
        return receipts_csv(self.receipts)


_WANTED = tuple(f'"action":"{kind}"'.encode()
                for kind in (BALLOT_LEAF, RECEIPT_LEAF, BOARD_EVENT, LEAVES_EVENT))


def _decoded(events: Iterable) -> Iterable[dict]:
    """Events as dicts; raw export lines (commonpot_verify.log.RawEvent) are decoded only if
    they are one of the board's kinds, so a million-event log is read quickly."""
    for event in events:
        if isinstance(event, dict):
            yield event
        elif any(marker in event[1] for marker in _WANTED):
            yield json.loads(event[1])


def collect(events: Iterable, round_id: int) -> PublishedBoard:
    board = PublishedBoard(round_id)
    subject = str(round_id)
    for event in _decoded(events):
        if event.get("subject_type") != "voting_round" or event.get("subject_id") != subject:
            continue
        action = event.get("action")
        if action == BALLOT_LEAF:
            board.ballots.append(event["payload"])
            board.ballot_seqs.append(event["seq"])
        elif action == RECEIPT_LEAF:
            board.receipts.append(event["payload"]["receipt"])
            board.receipt_seqs.append(event["seq"])
        elif action == BOARD_EVENT:
            if board.announcement is not None:
                raise BoardMismatch(f"round {round_id}'s board is announced twice in the log")
            board.announcement = dict(event["payload"], seq=event["seq"])
        elif action == LEAVES_EVENT:
            if board.places is not None:
                raise BoardMismatch(f"round {round_id}'s leaves are appended twice in the log")
            board.places = dict(event["payload"])
    return board


# Checking ------------------------------------------------------------------------------------

def _run(seqs: list[int], stated, what: str) -> None:
    if not stated:
        raise BoardMismatch(f"the log does not say where the {what} leaves are")
    first, count = stated
    if seqs != list(range(first + 1, first + 1 + count)):
        raise BoardMismatch(f"the {what} leaves are not the {count} leaves from index {first} "
                            f"that the board's announcement names")


def check_leaves(board: PublishedBoard) -> None:
    """The leaves agree with the board's announcement: counts, places and both hashes."""
    announced = board.announcement
    if announced is None:
        raise BoardMismatch(f"the log has no board for round {board.round_id}")
    if board.places is None:
        raise BoardMismatch(f"round {board.round_id}'s ballots are not leaves of the log yet "
                            f"(the count appends them)")
    if len(board.ballots) != announced.get("ballots"):
        raise BoardMismatch(f"the log holds {len(board.ballots)} ballot leaves for round "
                            f"{board.round_id} but its board announced {announced.get('ballots')}")
    _run(board.ballot_seqs, board.places.get("ballot_leaves"), "ballot")
    _run(board.receipt_seqs, board.places.get("receipt_leaves"), "receipt")
    if sha256_text(board.board_csv()) != announced.get("board_sha256"):
        raise BoardMismatch("the ballots rebuilt from the leaves do not hash to the announced "
                            "board SHA-256")
    if board.receipts and sha256_text(board.receipts_csv()) != announced.get("receipts_sha256"):
        raise BoardMismatch("the receipts rebuilt from the leaves do not hash to the announced "
                            "receipts SHA-256")
    if board.receipts and len(board.receipts) != len(board.ballots):
        raise BoardMismatch(f"{len(board.receipts)} receipts but {len(board.ballots)} ballots")


def check_download(board: PublishedBoard, name: str, text: str) -> None:
    """A downloaded ballots CSV, receipts CSV or district .pb matches the leaves exactly."""
    if name.endswith(".pb"):
        check_pb(board, text)
        return
    expected = board.receipts_csv() if text.startswith("receipt\n") else board.board_csv()
    if text != expected:
        first = _first_difference(expected, text)
        raise BoardMismatch(f"{name} differs from the board the log holds (first at line {first})")


def pb_votes(text: str) -> tuple[int | None, int | None, list[tuple[str, str, str]]]:
    """(round id, district id, [(voter id, vote, points)]) of a Pabulib file Commonpot wrote."""
    section = None
    round_id = district_id = None
    votes = []
    header_done = False
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        if len(row) == 1 and row[0] in ("META", "PROJECTS", "VOTES"):
            section, header_done = row[0], False
            continue
        if not header_done:
            header_done = True
            continue
        if section == "META" and row[:1] == ["instance"]:
            match = _PB_INSTANCE.match(row[1] if len(row) > 1 else "")
            if match:
                round_id, district_id = int(match.group(1)), int(match.group(2))
        elif section == "VOTES" and row:
            votes.append((row[0], row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else ""))
    return round_id, district_id, votes


def check_pb(board: PublishedBoard, text: str) -> None:
    round_id, district_id, votes = pb_votes(text)
    if round_id != board.round_id or district_id is None:
        raise BoardMismatch(f"the .pb file is not one of round {board.round_id}'s districts")
    expected = [(ballot["ballot"], vote, points) for ballot in board.ballots
                for budget, vote, points in ballot["votes"] if budget == district_id and vote]
    if votes != expected:
        where = next((i for i, (a, b) in enumerate(zip(votes, expected, strict=False)) if a != b),
                     min(len(votes), len(expected)))
        raise BoardMismatch(f"district {district_id}'s .pb holds {len(votes)} votes and the log "
                            f"{len(expected)}; they differ from vote {where + 1}")


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.split("\n"), b.split("\n"), strict=False), start=1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1
