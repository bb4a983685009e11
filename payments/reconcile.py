"""Compare the ledger with Stripe: every transfer we recorded exists there with the same
amount and state, every transfer there is in the ledger, and the ledger's own invariants hold."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.money import format_pence
from grants.models import Award, Fund
from payments import ledger
from payments.models import LedgerEntry
from payments.states import EntryType

# A reconciliation is a statement: every figure in pounds and pence.
pounds = partial(format_pence, show_pence=True)


def reconcile(session: Session, client) -> list[str]:
    differences: list[str] = []
    listing = client.v1.transfers.list(params={"limit": 100})
    at_stripe = {t.id: t.to_dict() for t in listing.auto_paging_iter()}
    entries = session.scalars(select(LedgerEntry).where(
        LedgerEntry.entry_type.in_([EntryType.PAYMENT_SENT, EntryType.PAYMENT_FAILED]),
        LedgerEntry.stripe_reference.is_not(None)).order_by(LedgerEntry.id)).all()
    sent = {e.stripe_reference: e for e in entries if e.entry_type == EntryType.PAYMENT_SENT}
    failed = {e.stripe_reference: e for e in entries if e.entry_type == EntryType.PAYMENT_FAILED}

    for reference, entry in sent.items():
        transfer = at_stripe.get(reference)
        if transfer is None:
            differences.append(f"ledger entry {entry.id} records payment {reference} of "
                               f"{pounds(entry.amount_pence)} (instalment {entry.instalment_id}) "
                               "but Stripe has no such transfer")
        elif int(transfer["amount"]) != entry.amount_pence:
            at_stripe_pence = pounds(int(transfer["amount"]))
            differences.append(f"transfer {reference} is {at_stripe_pence} at Stripe but "
                               f"{pounds(entry.amount_pence)} in ledger entry {entry.id}")
    for transfer_id, transfer in at_stripe.items():
        metadata = transfer.get("metadata") or {}
        if transfer_id not in sent:
            instalment = metadata.get("instalment_id", "?")
            differences.append(f"transfer {transfer_id} of {pounds(int(transfer['amount']))} to "
                               f"{transfer.get('destination')} (instalment {instalment}) "
                               "is at Stripe but not in the ledger")
        reversed_ = bool(transfer.get("reversed"))
        if reversed_ and transfer_id not in failed:
            differences.append(f"transfer {transfer_id} was reversed at Stripe but the ledger still counts "
                               "it as paid")
        if not reversed_ and transfer_id in failed:
            differences.append(f"the ledger records transfer {transfer_id} as failed but Stripe has not "
                               "reversed it")

    for fund in session.scalars(select(Fund).order_by(Fund.id)):
        balance = ledger.fund_balance(session, fund.id)
        if balance.available_pence < 0:
            differences.append(f"fund {fund.id} ({fund.name}) has committed more than it has: "
                               f"{pounds(balance.available_pence)} available")
    for award_id in session.scalars(select(Award.id).order_by(Award.id)):
        balance = ledger.award_balance(session, award_id)
        if balance.paid_pence > balance.committed_pence:
            differences.append(f"award {award_id} has been paid {pounds(balance.paid_pence)}, "
                               f"more than the {pounds(balance.committed_pence)} committed")
    return differences
