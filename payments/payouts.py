"""Grant money out: groups' Stripe Connect accounts, instalment releases and Transfers.

A fund manager releases an instalment (a ledger entry, committed with the request); the
Transfer is created after that commit, with an idempotency key derived from the instalment,
so a retry after a crash or a timeout is answered by Stripe with the original Transfer and
can never pay twice. The instalment row is locked while it is paid, so concurrent attempts
queue and find it already sent. Operations flush; callers commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.db import utcnow
from commonpot.i18n import _
from commonpot.refusals import Refused
from grants.models import Application, Award, Group
from payments import ledger, report_hold
from payments.models import GroupPaymentAccount, Instalment, LedgerEntry
from payments.states import (
    INSTALMENT_TRANSITIONS,
    EntryType,
    InstalmentStatus,
    check_transition,
)

log = logging.getLogger(__name__)


class PayoutError(Refused):
    """A payout the rules or the group's payment account do not allow."""


# --- Connect accounts ----------------------------------------------------------------------

def group_account(session: Session, group_id: int) -> GroupPaymentAccount | None:
    return session.scalar(select(GroupPaymentAccount).where(GroupPaymentAccount.group_id == group_id))


@dataclass
class AwardRow:
    """One award on the fund's money page, with what the page shows about its payments."""
    award: Award
    application: Application
    group: Group
    balance: ledger.AwardBalance
    instalments: list[Instalment]
    account: GroupPaymentAccount | None


def award_rows(session: Session, awards: list[tuple[Award, Application, Group]]) -> list[AwardRow]:
    """The fund page's rows for a page of (award, application, group): three queries
    however many awards (instalments, balances, payment accounts)."""
    award_ids = [award.id for award, _, _ in awards]
    instalments: dict[int, list[Instalment]] = {award_id: [] for award_id in award_ids}
    if award_ids:
        for instalment in session.scalars(select(Instalment).where(Instalment.award_id.in_(award_ids))
                                          .order_by(Instalment.award_id, Instalment.sequence)):
            instalments[instalment.award_id].append(instalment)
    balances = ledger.award_balances(session, award_ids)
    group_ids = {group.id for _, _, group in awards}
    accounts = {a.group_id: a for a in session.scalars(select(GroupPaymentAccount).where(
        GroupPaymentAccount.group_id.in_(group_ids)))} if group_ids else {}
    return [AwardRow(award, application, group, balances[award.id], instalments[award.id],
                     accounts.get(group.id)) for award, application, group in awards]


def fund_awards_query(fund_id: int):
    return (select(Award, Application, Group).join(Application, Application.id == Award.application_id)
            .join(Group, Group.id == Application.group_id).where(Award.fund_id == fund_id)
            .order_by(Award.id))


def start_onboarding(session: Session, client, actor, group: Group, *, return_url: str,
                     refresh_url: str) -> str:
    """Make (once) the group's Express account and return a fresh onboarding link."""
    account = group_account(session, group.id)
    if account is None:
        created = client.v1.accounts.create(params={
            "type": "express", "country": "GB",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": {"name": group.name},
            "metadata": {"group_id": str(group.id)},
        }, options={"idempotency_key": f"group-{group.id}-express-account"})
        account = GroupPaymentAccount(group_id=group.id, stripe_account_id=created.id)
        session.add(account)
        session.flush()
        audit.record(session, actor, "payments.account_created", "group", group.id,
                     {"stripe_account_id": created.id})
    link = client.v1.account_links.create(params={
        "account": account.stripe_account_id, "type": "account_onboarding",
        "return_url": return_url, "refresh_url": refresh_url,
    })
    return link.url


def apply_account_state(session: Session, account: GroupPaymentAccount, stripe_account,
                        as_of: int | None) -> bool:
    """Take Stripe's view of an account unless we already applied a newer one."""
    if as_of is not None and account.stripe_state_at is not None and as_of < account.stripe_state_at:
        return False
    before = (account.details_submitted, account.payouts_enabled)
    account.details_submitted = bool(stripe_account.get("details_submitted"))
    account.payouts_enabled = bool(stripe_account.get("payouts_enabled"))
    account.stripe_state_at = as_of if as_of is not None else account.stripe_state_at
    account.updated_at = utcnow()
    if before != (account.details_submitted, account.payouts_enabled):
        audit.record(session, audit.SYSTEM, "payments.account_updated", "group", account.group_id, {
            "stripe_account_id": account.stripe_account_id,
            "details_submitted": account.details_submitted, "payouts_enabled": account.payouts_enabled})
    session.flush()
    return True


def refresh_account(session: Session, client, account: GroupPaymentAccount) -> None:
    current = client.v1.accounts.retrieve(account.stripe_account_id)
    apply_account_state(session, account, current.to_dict(), None)


# --- releasing and paying instalments ------------------------------------------------------

def award_group_id(session: Session, award: Award) -> int:
    return award.application.group_id


def _other_released_pence(session: Session, instalment: Instalment) -> int:
    return sum(i.amount_pence for i in session.scalars(select(Instalment).where(
        Instalment.award_id == instalment.award_id, Instalment.id != instalment.id,
        Instalment.status == InstalmentStatus.RELEASED)))


def release_instalment(session: Session, actor, instalment_id: int) -> Instalment:
    """A fund manager releases an instalment for payment."""
    instalment = ledger.lock_instalment(session, instalment_id)
    award = ledger.lock_award(session, instalment.award_id)
    check_transition(INSTALMENT_TRANSITIONS, instalment.status, InstalmentStatus.RELEASED)
    report_hold.check_not_held(session, instalment)
    if ledger.award_balance(session, award.id).committed_pence == 0:
        raise ledger.LedgerError(_("This award has not been committed in the ledger, so nothing can be "
                                   "paid."))
    ledger.check_can_pay(session, award.id,
                         instalment.amount_pence + _other_released_pence(session, instalment))
    if instalment.status == InstalmentStatus.REVERSED:
        instalment.attempt += 1
        instalment.stripe_transfer_id = None
    instalment.status = InstalmentStatus.RELEASED
    instalment.released_at = utcnow()
    instalment.released_by = actor if isinstance(actor, str) else audit.actor_label(actor)
    instalment.last_error = None
    ledger.post(session, actor, EntryType.AWARD_RELEASED, instalment.amount_pence, fund_id=award.fund_id,
                award_id=award.id, instalment_id=instalment.id,
                key=f"award-released:{instalment.attempt_key}")
    return instalment


@dataclass(frozen=True)
class PayResult:
    instalment_id: int
    outcome: str  # sent, already_done, waiting_for_account, failed
    detail: str = ""


def pay_instalment(session: Session, client, instalment_id: int) -> PayResult:
    """Send one released instalment by Stripe Transfer. The caller commits."""
    instalment = ledger.lock_instalment(session, instalment_id)
    if instalment.status != InstalmentStatus.RELEASED:
        return PayResult(instalment.id, "already_done", instalment.status.value)
    award = session.get(Award, instalment.award_id)
    account = group_account(session, award_group_id(session, award))
    if account is None or not account.payouts_enabled:
        instalment.last_error = "The group has not finished connecting a Stripe account."
        session.flush()
        return PayResult(instalment.id, "waiting_for_account", instalment.last_error)
    ledger.check_can_pay(session, award.id, instalment.amount_pence)
    try:
        transfer = client.v1.transfers.create(params={
            "amount": instalment.amount_pence, "currency": "gbp",
            "destination": account.stripe_account_id,
            "transfer_group": f"award-{award.id}",
            "description": f"Grant instalment {instalment.sequence} for award {award.id}",
            "metadata": {"instalment_id": str(instalment.id), "award_id": str(award.id),
                         "attempt": str(instalment.attempt)},
        }, options={"idempotency_key": f"{instalment.attempt_key}-transfer"})
    except stripe.StripeError as exc:
        # Nothing is known to have moved; the same key is used next time, so a transfer
        # Stripe did make (and we did not hear about) is returned rather than repeated.
        instalment.last_error = (getattr(exc, "user_message", None) or str(exc))[:500]
        session.flush()
        log.warning("Transfer for instalment %s failed: %s", instalment.id, exc)
        return PayResult(instalment.id, "failed", instalment.last_error)
    record_transfer_sent(session, instalment, transfer.id, award)
    return PayResult(instalment.id, "sent", transfer.id)


def record_transfer_sent(session: Session, instalment: Instalment, transfer_id: str,
                         award: Award | None = None) -> bool:
    """The Transfer exists at Stripe: the instalment is sent (once)."""
    if instalment.status != InstalmentStatus.RELEASED:
        return False
    award = award or session.get(Award, instalment.award_id)
    ledger.check_can_pay(session, award.id, instalment.amount_pence)
    check_transition(INSTALMENT_TRANSITIONS, instalment.status, InstalmentStatus.SENT)
    instalment.status = InstalmentStatus.SENT
    instalment.stripe_transfer_id = transfer_id
    instalment.sent_at = utcnow()
    instalment.last_error = None
    ledger.post(session, audit.SYSTEM, EntryType.PAYMENT_SENT, instalment.amount_pence,
                fund_id=award.fund_id, award_id=award.id, instalment_id=instalment.id,
                key=f"payment-sent:{instalment.attempt_key}", stripe_reference=transfer_id)
    return True


def mark_paid_by_bank(session: Session, actor, instalment_id: int, reference: str) -> Instalment:
    """A fund manager paid a group outside Stripe (a group that cannot use Stripe)."""
    reference = (reference or "").strip()
    if not reference:
        raise PayoutError(_("Enter the bank transfer reference."))
    instalment = ledger.lock_instalment(session, instalment_id)
    award = ledger.lock_award(session, instalment.award_id)
    account = group_account(session, award_group_id(session, award))
    if account is not None and account.payouts_enabled:
        # Its payment goes (or may already have gone) by Stripe Transfer.
        raise PayoutError(_("This group is paid through Stripe; it cannot also be marked paid by bank."))
    check_transition(INSTALMENT_TRANSITIONS, instalment.status, InstalmentStatus.PAID_BY_BANK)
    ledger.check_can_pay(session, award.id, instalment.amount_pence)
    instalment.status = InstalmentStatus.PAID_BY_BANK
    instalment.bank_reference = reference[:120]
    instalment.sent_at = utcnow()
    instalment.last_error = None
    ledger.post(session, actor, EntryType.PAYMENT_SENT, instalment.amount_pence, fund_id=award.fund_id,
                award_id=award.id, instalment_id=instalment.id, key=f"payment-sent:{instalment.attempt_key}",
                note=f"Bank transfer {reference}")
    audit.record(session, actor, "payments.paid_by_bank", "instalment", instalment.id,
                 {"reference": reference, "amount_pence": instalment.amount_pence})
    return instalment


def released_instalment_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Instalment.id).where(
        Instalment.status == InstalmentStatus.RELEASED).order_by(Instalment.id)))


# --- what Stripe tells us (webhooks) -------------------------------------------------------

def _instalment_for_transfer(session: Session, transfer) -> Instalment | None:
    instalment_id = session.scalar(select(Instalment.id).where(
        Instalment.stripe_transfer_id == transfer["id"]))
    if instalment_id is None:
        metadata = transfer.get("metadata") or {}
        try:
            instalment_id = int(metadata.get("instalment_id"))
        except (TypeError, ValueError):
            return None
    instalment = session.get(Instalment, instalment_id)
    return ledger.lock_instalment(session, instalment_id) if instalment else None


def apply_transfer(session: Session, transfer) -> str:
    """Act on what is true of a Transfer, whichever event told us and in whatever order:
    it exists (so the instalment was sent), and perhaps it has been reversed."""
    instalment = _instalment_for_transfer(session, transfer)
    if instalment is None:
        return "transfer not ours"
    attempt = str((transfer.get("metadata") or {}).get("attempt", instalment.attempt))
    if instalment.stripe_transfer_id not in (None, transfer["id"]) or attempt != str(instalment.attempt):
        return "transfer of an earlier attempt"
    changed = []
    if record_transfer_sent(session, instalment, transfer["id"]):
        changed.append("sent")
    reversed_ = bool(transfer.get("reversed")) or (
        int(transfer.get("amount_reversed") or 0) >= int(transfer.get("amount") or 0) > 0)
    if reversed_ and instalment.status in (InstalmentStatus.SENT, InstalmentStatus.PAID_OUT,
                                           InstalmentStatus.PAYOUT_FAILED):
        award = session.get(Award, instalment.award_id)
        instalment.status = InstalmentStatus.REVERSED
        ledger.post(session, audit.SYSTEM, EntryType.PAYMENT_FAILED, instalment.amount_pence,
                    fund_id=award.fund_id, award_id=award.id, instalment_id=instalment.id,
                    key=f"payment-failed:{instalment.attempt_key}", stripe_reference=transfer["id"],
                    note="Transfer reversed")
        changed.append("reversed")
    session.flush()
    return ", ".join(changed) or "no change"


def apply_payout(session: Session, payout, account_id: str | None, as_of: int) -> str:
    """A payout from a group's Stripe account to its bank: paid or failed.

    A payout is not tied to one transfer, so it applies to the account's instalments sent
    before it was created; the newest payout state wins over older snapshots."""
    if not account_id:
        return "payout without a connected account"
    account = session.scalar(select(GroupPaymentAccount).where(
        GroupPaymentAccount.stripe_account_id == account_id))
    if account is None:
        return "account not ours"
    status = payout.get("status")
    if status == "paid":
        target = InstalmentStatus.PAID_OUT
    elif status == "failed":
        target = InstalmentStatus.PAYOUT_FAILED
    else:
        return f"payout {status}"
    created = int(payout.get("created") or as_of)
    group_award_ids = select(Award.id).join(Application, Application.id == Award.application_id).where(
        Application.group_id == account.group_id)
    candidates = session.scalars(select(Instalment).where(
        Instalment.award_id.in_(group_award_ids),
        Instalment.status.in_([InstalmentStatus.SENT, InstalmentStatus.PAID_OUT,
                               InstalmentStatus.PAYOUT_FAILED])).with_for_update())
    moved = 0
    for instalment in candidates:
        if instalment.sent_at is None or instalment.sent_at.timestamp() > created:
            continue
        if instalment.stripe_state_at is not None and as_of < instalment.stripe_state_at:
            continue
        instalment.stripe_state_at = as_of
        if instalment.status == target:
            continue
        check_transition(INSTALMENT_TRANSITIONS, instalment.status, target)
        instalment.status = target
        if target == InstalmentStatus.PAID_OUT:
            instalment.paid_out_at = utcnow()
            instalment.last_error = None
        else:
            instalment.last_error = (payout.get("failure_message") or "The bank refused the payout.")[:500]
        audit.record(session, audit.SYSTEM, f"payments.{target.value}", "instalment", instalment.id,
                     {"payout": payout.get("id")})
        moved += 1
    session.flush()
    return f"{moved} instalment(s) {target.value}"


def ledger_payments(session: Session) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(
        LedgerEntry.entry_type.in_([EntryType.PAYMENT_SENT, EntryType.PAYMENT_FAILED]))
        .order_by(LedgerEntry.id)))
