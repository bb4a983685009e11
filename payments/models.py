"""Ledger and payment tables.

The ledger is the book of record: every movement of money is one row in integer pence, and
every balance is a sum over rows. The other tables hold the state of the things money moves
for (donations, match pledges, grant instalments) and what Stripe has told us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commonpot.db import enum_column, utcnow
from commonpot.extensions import db
from commonpot.personal_data import personal
from payments.states import (
    DonationStatus,
    EntryType,
    InstalmentStatus,
    InstalmentTrigger,
)


class LedgerEntry(db.Model):
    """One movement of money. Never updated, never deleted: corrections are new entries."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        # Budgets can be reduced (a negative allocation); every other movement is positive
        # and its direction comes from its type.
        CheckConstraint("amount_pence > 0 OR (entry_type = 'budget_allocated' AND amount_pence <> 0)",
                        name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_type: Mapped[EntryType] = mapped_column(enum_column(EntryType, 30), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("instalment.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), index=True)
    match_pledge_id: Mapped[int | None] = mapped_column(ForeignKey("match_pledge.id"), index=True)
    # Derived from what caused the movement (e.g. "donation:12"), so doing it twice collides.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # Stripe's id for the money movement where there is one (Checkout Session, Transfer).
    stripe_reference: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Donation(db.Model):
    __tablename__ = "donation"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL) OR status = 'refunded'",
                        name="paid_has_time"),
        CheckConstraint("NOT gift_aid OR (gift_aid_declaration IS NOT NULL AND gift_aid_declared_at "
                        "IS NOT NULL AND donor_name IS NOT NULL AND gift_aid_address IS NOT NULL)",
                        name="gift_aid_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable: the thank-you page and Stripe metadata refer to the donation by this.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    donor_name: Mapped[str | None] = mapped_column(String(120), info=personal())
    message: Mapped[str | None] = mapped_column(String(500), info=personal())
    # Shown publicly only when the donor gave a name and agreed.
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_aid_declaration: Mapped[str | None] = mapped_column(Text)
    gift_aid_declared_at: Mapped[datetime | None]
    gift_aid_address: Mapped[str | None] = mapped_column(String(300), info=personal())
    gift_aid_postcode: Mapped[str | None] = mapped_column(String(12), info=personal())
    status: Mapped[DonationStatus] = mapped_column(enum_column(DonationStatus, 30),
                                                   default=DonationStatus.PENDING)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    donor_email: Mapped[str | None] = mapped_column(String(254), info=personal(identifies=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]


class MatchPledge(db.Model):
    """A funder's promise to add `ratio_percent`% of each confirmed donation, up to a cap."""

    __tablename__ = "match_pledge"
    __table_args__ = (
        CheckConstraint("cap_pence > 0", name="cap_positive"),
        CheckConstraint("ratio_percent > 0 AND ratio_percent <= 1000", name="ratio_sensible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    funder_name: Mapped[str] = mapped_column(String(200))
    ratio_percent: Mapped[int] = mapped_column(Integer)  # 100 means 1:1
    cap_pence: Mapped[int] = mapped_column(BigInteger)
    pledged_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupPaymentAccount(db.Model):
    """A group's Stripe Express account, and what Stripe last said about it."""

    __tablename__ = "group_payment_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stripe's `created` time of the newest account snapshot applied (events arrive out of order).
    stripe_state_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Instalment(db.Model):
    """One part of an award's payment schedule."""

    __tablename__ = "instalment"
    __table_args__ = (
        UniqueConstraint("award_id", "sequence"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("status <> 'paid_by_bank' OR bank_reference IS NOT NULL",
                        name="bank_payment_has_reference"),
        CheckConstraint("status NOT IN ('released', 'sent', 'paid_out', 'payout_failed') "
                        "OR released_at IS NOT NULL", name="released_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[InstalmentTrigger] = mapped_column(enum_column(InstalmentTrigger, 30))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[InstalmentStatus] = mapped_column(enum_column(InstalmentStatus, 30),
                                                     default=InstalmentStatus.SCHEDULED)
    # Bumped each time a reversed instalment is released again, so the retry gets fresh
    # idempotency keys while every retry of one attempt reuses the same ones.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(64))
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    bank_reference: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime | None]
    paid_out_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Stripe's `created` time of the last event applied, so older snapshots never win.
    stripe_state_at: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def attempt_key(self) -> str:
        return f"instalment-{self.id}-attempt-{self.attempt}"


class StripeEvent(db.Model):
    """Each webhook event id, recorded once: a second delivery is acknowledged and ignored."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(200), default="")
