"""Voting data: rounds, districts, proposals, eligibility, the voter roll and the ballots.

Secrecy by design: `VoterRollEntry` (who has voted) and `Ballot` (what was voted) share no
foreign key, no sequence and no time at all. Ballot ids are random, ballots carry no date,
and on SQLite the ballot table has no rowid (which would otherwise record the order of
insertion alongside the roll's own order). What the storage itself records (physical
position, transaction ids) is scrambled while voting and erased at the close by
`voting.secrecy`; the README's threat model says what remains.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.i18n import lazy_gettext
from commonpot.personal_data import not_personal, owner, personal
from voting.ballots import BallotType
from voting.states import RoundState


class VotingRound(db.Model):
    __tablename__ = "voting_round"
    __table_args__ = (
        CheckConstraint("min_choices >= 0", name="min_choices_not_negative"),
        CheckConstraint("max_choices IS NULL OR max_choices >= min_choices", name="choices_range"),
        CheckConstraint("min_share_percent BETWEEN 0 AND 100", name="share_percent"),
        CheckConstraint("points_total > 0", name="points_positive"),
        # A board hash exists exactly when the ballots have been published.
        CheckConstraint("(state IN ('counting', 'published')) = (board_hash IS NOT NULL)",
                        name="board_hash_when_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RoundState] = mapped_column(enum_column(RoundState), default=RoundState.DRAFT)
    ballot_type: Mapped[BallotType] = mapped_column(enum_column(BallotType), default=BallotType.APPROVAL)
    counting_rule: Mapped[str] = mapped_column(String(40), default="greedy")
    #: The counting options as JSON (voting.counting.options.CountOptions.to_dict); NULL: the
    #: rule's own defaults.  Chosen before voting opens, frozen with the other rules after.
    counting_options: Mapped[str | None] = mapped_column(Text)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    min_choices: Mapped[int] = mapped_column(Integer, default=0)
    min_share_percent: Mapped[int] = mapped_column(Integer, default=0)
    points_total: Mapped[int] = mapped_column(Integer, default=10)
    max_points_per_project: Mapped[int | None] = mapped_column(Integer)
    minimum_age: Mapped[int] = mapped_column(Integer, default=16)
    allow_online: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_codes: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_paper: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_revote: Mapped[bool] = mapped_column(Boolean, default=False)
    board_hashes_receipts: Mapped[bool] = mapped_column(Boolean, default=False)
    # Eligibility against the organiser's census list: each entry votes once, any channel.
    requires_census: Mapped[bool] = mapped_column(Boolean, default=False)
    # Voters may cast a ballot that chooses nothing, but only by saying so explicitly.
    offers_blank_vote: Mapped[bool] = mapped_column(Boolean, default=False)
    board_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    districts: Mapped[list[District]] = relationship(back_populates="voting_round",
                                                     order_by="District.id")
    proposals: Mapped[list[Proposal]] = relationship(back_populates="voting_round",
                                                     order_by="Proposal.id")

    @property
    def count_options(self):
        from voting.counting.options import CountOptions

        return CountOptions.from_dict(json.loads(self.counting_options) if self.counting_options else None)

    @property
    def area_wide(self) -> District | None:
        return next((d for d in self.districts if d.is_area_wide), None)

    @property
    def local_districts(self) -> list[District]:
        return [d for d in self.districts if not d.is_area_wide]


class District(db.Model):
    """A budget voted on separately. The area-wide budget is a district every voter gets."""

    __tablename__ = "voting_district"
    __table_args__ = (
        UniqueConstraint("round_id", "name"),
        CheckConstraint("budget_pence > 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    is_area_wide: Mapped[bool] = mapped_column(Boolean, default=False)

    voting_round: Mapped[VotingRound] = relationship(back_populates="districts")


class RoundPostcode(db.Model):
    """A postcode inside the round's area and the district it votes in."""

    __tablename__ = "voting_postcode"
    __table_args__ = (UniqueConstraint("round_id", "postcode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    postcode: Mapped[str] = mapped_column(
        String(10), info=not_personal("a postcode of the area, not of a person"))
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"), index=True)


class ResidentDetails(db.Model):
    """What a resident declares to vote online: where they live and when they were born."""

    __tablename__ = "voting_resident_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True, info=owner())
    postcode: Mapped[str] = mapped_column(String(10), info=personal())
    date_of_birth: Mapped[date] = mapped_column(Date, info=personal())
    # As on the electoral register: matched against a round's census, never shown to staff.
    family_name: Mapped[str | None] = mapped_column(String(120), info=personal())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProposalState(enum.StrEnum):
    SUBMITTED = "submitted"
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"

    @property
    def label(self) -> str:
        return PROPOSAL_LABELS[self]


PROPOSAL_LABELS = {
    ProposalState.SUBMITTED: lazy_gettext("Submitted"),
    ProposalState.FEASIBLE: lazy_gettext("Feasible"),
    ProposalState.NOT_FEASIBLE: lazy_gettext("Not feasible"),
}


class Proposal(db.Model):
    __tablename__ = "voting_proposal"
    __table_args__ = (
        CheckConstraint("cost_pence > 0", name="cost_positive"),
        CheckConstraint("state = 'submitted' OR length(review_reason) > 0", name="reviewed_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # What the proposer asked for; review replaces cost_pence with the staff estimate.
    requested_pence: Mapped[int] = mapped_column(BigInteger)
    cost_pence: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState), default=ProposalState.SUBMITTED)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("community_group.id"))
    # The grants application this came from, when a panel's shortlist was sent to the vote.
    source_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), unique=True)
    # Where the project would happen, in the proposer's words ("Mill Park, by the swings"),
    # and optionally its postcode; the district's name is the area.
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str | None] = mapped_column(
        String(10), info=not_personal("where a project would happen, not where a person lives"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    voting_round: Mapped[VotingRound] = relationship(back_populates="proposals")
    district: Mapped[District] = relationship()
    # Loaded together for every proposal a query returns ("selectin"), so a page listing
    # proposals with their cost lines and pictures runs the same few queries for 3 or 300.
    cost_lines: Mapped[list[ProposalCostLine]] = relationship(
        order_by="ProposalCostLine.position", lazy="selectin", cascade="all, delete-orphan")
    image: Mapped[ProposalImage | None] = relationship(
        primaryjoin="and_(ProposalImage.proposal_id == Proposal.id, ProposalImage.removed_at.is_(None))",
        viewonly=True, uselist=False, lazy="selectin")

    @property
    def cost_lines_pence(self) -> int:
        return sum(line.amount_pence for line in self.cost_lines)


class ProposalCostLine(db.Model):
    """One thing the money buys, and what it costs. A proposer's lines add up to what they
    asked for (`requested_pence`)."""

    __tablename__ = "voting_proposal_cost_line"
    __table_args__ = (
        UniqueConstraint("proposal_id", "position"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("length(item) > 0", name="item_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("voting_proposal.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    amount_pence: Mapped[int] = mapped_column(BigInteger)


class ProposalImage(db.Model):
    """The proposer's picture of the project: stored under a random name outside the web
    root (like grants attachments), described for people who cannot see it, served only
    through the proposal's page rules. One per proposal; a moderator's removal keeps the
    row (the audit trail names it) and hides the picture."""

    __tablename__ = "voting_proposal_image"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("length(alt_text) > 0", name="alt_text_required"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("voting_proposal.id"), unique=True)
    original_name: Mapped[str] = mapped_column(
        String(255), info=not_personal("a picture's file name, part of the proposal"))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True,
                                             info=not_personal("a random file name"))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    alt_text: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_reason: Mapped[str] = mapped_column(
        Text, default="", server_default="",
        info=not_personal("a moderator's reason about a proposal's picture"))


class VotingCodeBatch(db.Model):
    """Single-use codes printed on letters or handed out at an event."""

    __tablename__ = "voting_code_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))
    label: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VotingCode(db.Model):
    """A code as a keyed hash only: the plain code exists once, in the mail-merge file."""

    __tablename__ = "voting_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("voting_code_batch.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # In a census round each entry gets exactly one code, so a code is that person's vote.
    census_entry_id: Mapped[int | None] = mapped_column(ForeignKey("voting_census_entry.id"),
                                                        unique=True)

    batch: Mapped[VotingCodeBatch] = relationship()


class CensusEntry(db.Model):
    """One person on the organiser's census list, kept only as a keyed hash of who they are.

    `identity_hash` is HMAC(census key, family name | date of birth | postcode), normalised;
    the plain list is never stored, so the database alone cannot say who is on it."""

    __tablename__ = "voting_census_entry"
    __table_args__ = (UniqueConstraint("round_id", "identity_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    identity_hash: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))


class CensusMark(db.Model):
    """A census entry has voted (by any channel): the unique constraint is one person, one vote."""

    __tablename__ = "voting_census_mark"
    __table_args__ = (UniqueConstraint("entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("voting_census_entry.id"))
    channel: Mapped[str] = mapped_column(String(10))


class PaperBatch(db.Model):
    """Paper ballots from one event, keyed in by stewards (optionally twice, then compared)."""

    __tablename__ = "voting_paper_batch"
    __table_args__ = (CheckConstraint("first_serial <= last_serial", name="serial_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))
    event: Mapped[str] = mapped_column(String(200))
    event_date: Mapped[date] = mapped_column(Date)
    first_serial: Mapped[int] = mapped_column(Integer)
    last_serial: Mapped[int] = mapped_column(Integer)
    double_keyed: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    voting_round: Mapped[VotingRound] = relationship()
    district: Mapped[District] = relationship()


class PaperKeying(db.Model):
    """One steward's keying of one paper ballot in a double-keyed batch, awaiting comparison.

    Removed when the batch is accepted and its ballots are cast, so no serial stays next to
    a ballot's contents."""

    __tablename__ = "voting_paper_keying"
    __table_args__ = (UniqueConstraint("batch_id", "keying", "serial"),
                      CheckConstraint("keying IN (1, 2)", name="keying_one_or_two"))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("voting_paper_batch.id"), index=True)
    keying: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    choices: Mapped[str] = mapped_column(Text)
    keyed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class Channel(enum.StrEnum):
    ONLINE = "online"
    CODE = "code"
    PAPER = "paper"

    @property
    def label(self) -> str:
        """How a person voted, in words that follow "voted": online, with a code, on paper."""
        return {"online": lazy_gettext("online"), "code": lazy_gettext("with a code"),
                "paper": lazy_gettext("on paper")}[self.value]


def ways_to_vote(voting_round: VotingRound) -> list[Channel]:
    """The channels the round offers, in a fixed order."""
    offered = {Channel.ONLINE: voting_round.allow_online, Channel.CODE: voting_round.allow_codes,
               Channel.PAPER: voting_round.allow_paper}
    return [channel for channel, on in offered.items() if on]


class VoterRollEntry(db.Model):
    """Who has voted: one row per voter per round, whatever the channel.

    `voter_key` is `user:<id>`, `code:<hash>` or `paper:<serial>`. It has no link to the
    ballot; the unique constraint is what stops anyone voting twice, even at the same instant.
    """

    __tablename__ = "voting_roll"
    __table_args__ = (UniqueConstraint("round_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    voter_key: Mapped[str] = mapped_column(String(80))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 10))
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))
    voted_on: Mapped[date] = mapped_column(Date)


class Ballot(db.Model):
    """What was voted, with nothing about who or when: a random id, the receipt, the choices.

    `change_tag` is HMAC(key, round | voter key | change secret): only someone holding both
    the voter's credential and the secret shown once to that voter can find the ballot to
    change it. It is cleared at the close, when no ballot can change any more."""

    __tablename__ = "voting_ballot"
    __table_args__ = (UniqueConstraint("round_id", "receipt"),
                      Index("uq_voting_ballot_change_tag", "change_tag", unique=True),
                      # Ordered by id within a round: a cast's stirring picks are index reads.
                      Index("ix_voting_ballot_round_id_id", "round_id", "id"),
                      {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))
    receipt: Mapped[str] = mapped_column(String(32))
    change_tag: Mapped[str | None] = mapped_column(String(64))
    # {"<district id>": {"<proposal id>": value}}: 1 for approval/knapsack, points, or rank.
    choices: Mapped[str] = mapped_column(Text)

    def contests(self) -> dict[int, dict[int, int]]:
        return {int(d): {int(p): v for p, v in c.items()} for d, c in json.loads(self.choices).items()}


class ResultRow(db.Model):
    """One project's published outcome: its score, whether it was selected, and why."""

    __tablename__ = "voting_result"
    __table_args__ = (UniqueConstraint("proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("voting_district.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("voting_proposal.id"))
    supporters: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(BigInteger)
    selected: Mapped[bool] = mapped_column(Boolean)
    #: Why, in English: the counting engine's sentence, as the CSV and open data publish it.
    explanation: Mapped[str] = mapped_column(Text)
    #: The same sentence as JSON phrases (voting.counting.phrases: message templates and raw
    #: figures), so the results page writes it in the reader's language. NULL for rows
    #: counted before phrases were stored: those show the English.
    explanation_phrases: Mapped[str | None] = mapped_column(Text)

    proposal: Mapped[Proposal] = relationship()


class CountState(enum.StrEnum):
    QUEUED = "queued"
    COUNTING = "counting"
    COUNTED = "counted"
    FAILED = "failed"


class VotingCount(db.Model):
    """The count of a closed round: a job (voting.closing), and what the manager sees of it.

    Made when voting closes; the job counts district by district, committing its progress,
    and ends counted (results and downloads stored) or failed (with the error, for a retry)."""

    __tablename__ = "voting_count"
    __table_args__ = (
        CheckConstraint("districts_done BETWEEN 0 AND districts_total", name="progress_in_range"),
        CheckConstraint("(state = 'failed') = (error IS NOT NULL)", name="error_when_failed"),
    )

    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), primary_key=True,
                                          autoincrement=False)
    state: Mapped[CountState] = mapped_column(enum_column(CountState, 10), default=CountState.QUEUED)
    districts_total: Mapped[int] = mapped_column(Integer)
    districts_done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # When the state or progress last moved: a count that stops moving is stale.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class RoundArtefact(db.Model):
    """A file of a closed round (the ballots and receipts CSVs, the .pb files, the results),
    made once when voting closes or the count ends and served as stored: a closed round's
    ballots never change, so neither do these."""

    __tablename__ = "voting_artefact"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), info=not_personal("a file's name, such as board.csv"))
    content_type: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishedReceipt(db.Model):
    """A receipt code as the board publishes it (hashed if the round says so) and the index of
    its leaf in the audit log: the lookup reads this one row, and the leaf's inclusion proof
    shows the receipt is in the signed log. Nothing here points at a ballot."""

    __tablename__ = "voting_published_receipt"
    __table_args__ = (UniqueConstraint("round_id", "receipt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"))
    receipt: Mapped[str] = mapped_column(String(64))
    leaf_index: Mapped[int] = mapped_column(BigInteger)
