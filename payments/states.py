"""The states money moves through: ledger entry types, donations and grant instalments."""

from __future__ import annotations

import enum

from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
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


# How a fund manager reads the states on the fund's money page.
INSTALMENT_STATUS_LABELS = {
    InstalmentStatus.SCHEDULED: _l("Scheduled"),
    InstalmentStatus.RELEASED: _l("Released"),
    InstalmentStatus.SENT: _l("Sent to the group's Stripe account"),
    InstalmentStatus.PAID_OUT: _l("Paid out to the group's bank"),
    InstalmentStatus.PAYOUT_FAILED: _l("Payout failed"),
    InstalmentStatus.REVERSED: _l("Reversed"),
    InstalmentStatus.PAID_BY_BANK: _l("Paid by bank transfer"),
}

ENTRY_TYPE_LABELS = {
    EntryType.BUDGET_ALLOCATED: _l("Budget allocated"),
    EntryType.DONATION_RECEIVED: _l("Donation received"),
    EntryType.MATCH_PLEDGED: _l("Match funding pledged"),
    EntryType.MATCH_DRAWN: _l("Match funding drawn"),
    EntryType.AWARD_COMMITTED: _l("Award committed"),
    EntryType.AWARD_RELEASED: _l("Award released"),
    EntryType.PAYMENT_SENT: _l("Payment sent"),
    EntryType.PAYMENT_FAILED: _l("Payment failed"),
    EntryType.REFUND: _l("Refund"),
}


class InstalmentTrigger(enum.StrEnum):
    ON_ACCEPTANCE = "on_acceptance"
    AFTER_FINAL_REPORT = "after_final_report"


TRIGGER_LABELS = {
    InstalmentTrigger.ON_ACCEPTANCE: _l("On acceptance of the grant offer"),
    InstalmentTrigger.AFTER_FINAL_REPORT: _l("After the end-of-grant report"),
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


# Why an instalment cannot move, one whole sentence for each state it is in.
_INSTALMENT_REFUSALS = {
    InstalmentStatus.SCHEDULED: _l("This instalment has not been released yet."),
    InstalmentStatus.RELEASED: _l("This instalment has already been released for payment."),
    InstalmentStatus.SENT: _l("This instalment has already been sent to the group."),
    InstalmentStatus.PAID_OUT: _l("This instalment has already been paid into the group's bank."),
    InstalmentStatus.PAYOUT_FAILED: _l("This instalment has already been sent to the group; "
                                       "their bank refused the payout."),
    InstalmentStatus.REVERSED: _l("This instalment was reversed: release it again first."),
    InstalmentStatus.PAID_BY_BANK: _l("This instalment has already been paid by bank transfer."),
}


def check_transition(table: dict, current, target) -> None:
    if target not in table.get(current, set()):
        if isinstance(current, InstalmentStatus):
            raise IllegalTransition(str(_INSTALMENT_REFUSALS[current]))
        raise IllegalTransition(_("This payment cannot move from “%(current)s” to “%(target)s”.",
                                  current=_state_label(current), target=_state_label(target)))


def _state_label(state) -> str:
    label = INSTALMENT_STATUS_LABELS.get(state) if isinstance(state, InstalmentStatus) else None
    return str(label) if label is not None else str(state).replace("_", " ")
