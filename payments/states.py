"""The states money moves through: ledger entry types, donations and grant instalments."""

from __future__ import annotations

import enum

from commonpot.refusals import Refused


class EntryType(enum.StrEnum):
    BUDGET_ALLOCATED = "budget_allocated"
    DONATION_RECEIVED = "donation_received"
    MATCH_PLEDGED = "match_pledged"
    MATCH_DRAWN = "match_drawn"
    AWARD_COMMITTED = "award_committed"
    AWARD_RELEASED = "award_released"
    PAYMENT_SENT = "payment_sent"
    PAYMENT_FAILED = "payment_failed"
    REFUND = "refund"


class DonationStatus(enum.StrEnum):
    PENDING = "pending"      # Checkout Session created, no confirmation from Stripe yet
    PAID = "paid"            # Stripe confirmed payment; recorded in the ledger
    EXPIRED = "expired"      # the donor abandoned Checkout
    REFUNDED = "refunded"


class InstalmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"            # waiting for its trigger (acceptance, end-of-grant report)
    RELEASED = "released"              # a fund manager released it; payment is due
    SENT = "sent"                      # a Stripe Transfer reached the group's Stripe account
    PAID_OUT = "paid_out"              # Stripe paid it out to the group's bank
    PAYOUT_FAILED = "payout_failed"    # the group's bank refused the payout; Stripe holds it
    REVERSED = "reversed"              # the Transfer was reversed: the award owes it again
    PAID_BY_BANK = "paid_by_bank"      # paid outside Stripe by bank transfer (with a reference)


class InstalmentTrigger(enum.StrEnum):
    ON_ACCEPTANCE = "on_acceptance"
    AFTER_FINAL_REPORT = "after_final_report"


TRIGGER_LABELS = {
    InstalmentTrigger.ON_ACCEPTANCE: "On acceptance of the grant offer",
    InstalmentTrigger.AFTER_FINAL_REPORT: "After the end-of-grant report",
}


class IllegalTransition(Refused):
    """A move between states that the table below does not allow, said in words."""


DONATION_TRANSITIONS: dict[DonationStatus, set[DonationStatus]] = {
    DonationStatus.PENDING: {DonationStatus.PAID, DonationStatus.EXPIRED},
    # Stripe can still confirm a session we had marked expired (events arrive out of order).
    DonationStatus.EXPIRED: {DonationStatus.PAID},
    DonationStatus.PAID: {DonationStatus.REFUNDED},
    DonationStatus.REFUNDED: set(),
}

S = InstalmentStatus
INSTALMENT_TRANSITIONS: dict[InstalmentStatus, set[InstalmentStatus]] = {
    S.SCHEDULED: {S.RELEASED},
    S.RELEASED: {S.SENT, S.PAID_BY_BANK},
    S.SENT: {S.PAID_OUT, S.PAYOUT_FAILED, S.REVERSED},
    S.PAYOUT_FAILED: {S.PAID_OUT, S.REVERSED},
    S.PAID_OUT: {S.PAYOUT_FAILED, S.REVERSED},
    # A reversed instalment is owed again: a fund manager releases it once more.
    S.REVERSED: {S.RELEASED},
    S.PAID_BY_BANK: set(),
}
del S

# Instalments whose money has left the fund's Stripe balance (or the bank) for the group.
MONEY_SENT = {InstalmentStatus.SENT, InstalmentStatus.PAID_OUT, InstalmentStatus.PAYOUT_FAILED,
              InstalmentStatus.PAID_BY_BANK}


S = InstalmentStatus
# Where an instalment stands, and what was asked of it, for people (never the codes).
INSTALMENT_LABELS = {
    S.SCHEDULED: "Waiting to be released", S.RELEASED: "Released for payment",
    S.SENT: "Sent to the group's Stripe account", S.PAID_OUT: "Paid into the group's bank",
    S.PAYOUT_FAILED: "Refused by the group's bank", S.REVERSED: "Reversed: owed again",
    S.PAID_BY_BANK: "Paid by bank transfer",
}
_INSTALMENT_STANDS = {
    S.SCHEDULED: "is still waiting to be released", S.RELEASED: "has already been released for payment",
    S.SENT: "has already been sent to the group's Stripe account",
    S.PAID_OUT: "has already been paid into the group's bank account",
    S.PAYOUT_FAILED: "was sent, but the group's bank refused the payout",
    S.REVERSED: "was reversed", S.PAID_BY_BANK: "has already been paid by bank transfer",
}
_INSTALMENT_ASKED = {
    S.SCHEDULED: "scheduled", S.RELEASED: "released", S.SENT: "sent",
    S.PAID_OUT: "marked as paid out", S.PAYOUT_FAILED: "marked as refused by the bank",
    S.REVERSED: "reversed", S.PAID_BY_BANK: "recorded as paid by bank transfer",
}
del S
_DONATION_STANDS = {
    DonationStatus.PENDING: "is still waiting for Stripe", DonationStatus.PAID: "has already been paid",
    DonationStatus.EXPIRED: "has expired", DonationStatus.REFUNDED: "has been refunded",
}

ENTRY_LABELS = {
    EntryType.BUDGET_ALLOCATED: "Budget allocated", EntryType.DONATION_RECEIVED: "Donation received",
    EntryType.MATCH_PLEDGED: "Match funding pledged", EntryType.MATCH_DRAWN: "Match funding drawn",
    EntryType.AWARD_COMMITTED: "Award committed", EntryType.AWARD_RELEASED: "Instalment released",
    EntryType.PAYMENT_SENT: "Payment sent", EntryType.PAYMENT_FAILED: "Payment failed",
    EntryType.REFUND: "Refund",
}


def _refusal(current, target) -> str:
    if isinstance(current, InstalmentStatus) and isinstance(target, InstalmentStatus):
        return (f"This instalment {_INSTALMENT_STANDS[current]}, so it cannot be "
                f"{_INSTALMENT_ASKED[target]}.")
    if isinstance(current, DonationStatus):
        return f"This donation {_DONATION_STANDS[current]}."
    return "That change is not possible any more."


def check_transition(table: dict, current, target) -> None:
    if target not in table.get(current, set()):
        raise IllegalTransition(_refusal(current, target))
