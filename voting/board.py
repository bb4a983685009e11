"""The bulletin board of a closed round, made once in the closing transaction.

The ballots are read once, in board order (by their random ids), and from that reading
come: the ballots CSV (its SHA-256 is the board hash) and the receipts CSV, stored at the
close; and, in the count job, the audit log's leaves (one per ballot, then one per receipt),
the board's pages and each district's Pabulib file. The leaves and the CSV are written by the same functions
(`commonpot_verify.board`), so anyone holding the signed log can rebuild the CSV byte for
byte and check every download against it (`commonpot-verify board`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.db import insert_rows
from commonpot_verify import board as published
from voting import artefacts
from voting.ballots import BallotType, pabulib_vote
from voting.codewords import normalise_code
from voting.models import Ballot, PublishedReceipt, VotingRound

PAGE_SIZE = 1000  # ballots (and receipts) per page of the board

BOARD_CSV = "board.csv"
RECEIPTS_CSV = "receipts.csv"
BOARD_INFO = "board.json"


def ballots_page(number: int) -> str:
    return f"board-ballots-{number}.html"


def receipts_page(number: int) -> str:
    return f"board-receipts-{number}.html"


def district_pb(district_id: int, with_results: bool = False) -> str:
    return f"district-{district_id}{'-results' if with_results else ''}.pb"


@dataclass
class BoardEntry:
    ballot_id: str
    home_district_id: int
    contests: dict[int, dict[int, int]]


@dataclass
class Board:
    entries: list[BoardEntry]
    leaves: list[dict]  # one ballot leaf's payload per entry, in board order
    receipts: list[str]  # as published (hashed if the round says so), sorted
    csv: str
    receipts_csv: str

    @property
    def sha256(self) -> str:
        return published.sha256_text(self.csv)

    @property
    def receipts_sha256(self) -> str:
        return published.sha256_text(self.receipts_csv)


def _contests(choices: str) -> dict[int, dict[int, int]]:
    return {int(d): {int(p): v for p, v in c.items()} for d, c in json.loads(choices).items()}


def load_entries(session: Session, round_id: int) -> list[BoardEntry]:
    """Every ballot of the round in board order (by random id), read in one query."""
    entries = [BoardEntry(ballot_id, district_id, _contests(choices))
               for ballot_id, district_id, choices in session.execute(
                   select(Ballot.id, Ballot.district_id, Ballot.choices)
                   .where(Ballot.round_id == round_id))]
    entries.sort(key=lambda e: e.ballot_id)
    return entries


def leaf_of(kind: BallotType, entry: BoardEntry) -> dict:
    votes = []
    for district_id, choices in sorted(entry.contests.items()):
        ids, points = pabulib_vote(kind, choices)
        votes.append((district_id, ",".join(ids), ",".join(map(str, points)) if points else ""))
    return published.ballot_leaf(entry.ballot_id, entry.home_district_id, votes)


def shown_receipt(voting_round: VotingRound, receipt: str) -> str:
    if voting_round.board_hashes_receipts:
        return hashlib.sha256(receipt.encode("ascii")).hexdigest()[:24]
    return receipt


def build(session: Session, voting_round: VotingRound) -> Board:
    kind = BallotType(voting_round.ballot_type)
    entries = load_entries(session, voting_round.id)
    leaves = [leaf_of(kind, entry) for entry in entries]
    receipts = sorted(shown_receipt(voting_round, r) for r in session.scalars(
        select(Ballot.receipt).where(Ballot.round_id == voting_round.id)))
    return Board(entries, leaves, receipts, published.board_csv(leaves),
                 published.receipts_csv(receipts))


def publish_leaves(session: Session, voting_round: VotingRound, board: Board) -> dict:
    """Append the ballots, then the receipts, to the audit log; remember each receipt's leaf.

    Two separate runs, each in its own order (ballots by random id, receipts sorted), so a
    receipt's place says nothing about which ballot is its holder's."""
    ballots_from, ballots = audit.append_leaves(session, published.BALLOT_LEAF, board.leaves,
                                                "voting_round", voting_round.id)
    receipts_from, receipts = audit.append_leaves(
        session, published.RECEIPT_LEAF, ({"receipt": r} for r in board.receipts),
        "voting_round", voting_round.id)
    insert_rows(session, PublishedReceipt.__table__, (
        {"round_id": voting_round.id, "receipt": receipt, "leaf_index": receipts_from + i}
        for i, receipt in enumerate(board.receipts)))
    return {"ballot_leaves": [ballots_from, ballots], "receipt_leaves": [receipts_from, receipts]}


def leaves_published(session: Session, voting_round: VotingRound) -> bool:
    from commonpot.audit import AuditEvent

    return session.scalar(select(AuditEvent.seq).where(
        AuditEvent.action == "voting.board_leaves_appended", AuditEvent.subject_type == "voting_round",
        AuditEvent.subject_id == str(voting_round.id)).limit(1)) is not None


def describe_choices(kind: BallotType, contests: dict[int, dict[int, int]], districts: dict[int, str],
                     projects: dict[int, str]) -> list[tuple[str, str]]:
    """(budget name, the choices in project names) for each budget on a ballot."""
    lines = []
    for district_id, picks in sorted(contests.items()):
        if kind == BallotType.RANKED:
            ordered = sorted(picks.items(), key=lambda item: item[1])
            text = ", ".join(f"{projects.get(p, p)} ({rank})" for p, rank in ordered)
        elif kind == BallotType.CUMULATIVE:
            text = ", ".join(f"{projects.get(p, p)} ({points})" for p, points in sorted(picks.items()))
        else:
            text = ", ".join(str(projects.get(p, p)) for p in sorted(picks))
        lines.append((districts.get(district_id, str(district_id)), text))
    return lines


def store_board(session: Session, voting_round: VotingRound, board: Board) -> None:
    """Store the board's pages and each district's ballots as .pb (and both CSVs again,
    for a round closed before they were stored at the close)."""
    from voting.results import district_pb as pb_text

    kind = BallotType(voting_round.ballot_type)
    districts = {d.id: d.name for d in voting_round.districts}
    projects = {p.id: p.title for p in voting_round.proposals}
    pages = max(1, -(-len(board.entries) // PAGE_SIZE))
    files = {
        BOARD_CSV: (board.csv, artefacts.CSV),
        RECEIPTS_CSV: (board.receipts_csv, artefacts.CSV),
        BOARD_INFO: (json.dumps({"ballots": len(board.entries), "pages": pages,
                                 "page_size": PAGE_SIZE}), artefacts.JSON),
    }
    for number in range(1, pages + 1):
        chunk = slice((number - 1) * PAGE_SIZE, number * PAGE_SIZE)
        files[ballots_page(number)] = (render_template(
            "voting/_board_ballots.html",
            ballots=[(e.ballot_id, describe_choices(kind, e.contests, districts, projects))
                     for e in board.entries[chunk]]), artefacts.HTML)
        files[receipts_page(number)] = (render_template(
            "voting/_board_receipts.html", receipts=board.receipts[chunk]), artefacts.HTML)
    for district in voting_round.districts:
        files[district_pb(district.id)] = (pb_text(session, voting_round, district,
                                                   entries=board.entries), artefacts.TEXT)
    artefacts.store_many(session, voting_round.id, files)


def board_info(session: Session, voting_round: VotingRound) -> dict | None:
    stored = artefacts.load(session, voting_round.id, BOARD_INFO)
    return json.loads(stored.body) if stored else None


def find_receipt(session: Session, voting_round: VotingRound, typed: str) -> PublishedReceipt | None:
    """The published receipt a person typed (the code, or its hash as shown): one indexed read."""
    typed = typed.strip()
    candidates = {shown_receipt(voting_round, normalise_code(typed, receipt=True)), typed.lower()}
    return session.scalar(select(PublishedReceipt).where(
        PublishedReceipt.round_id == voting_round.id, PublishedReceipt.receipt.in_(candidates))
        .limit(1))
