"""Donations in through Stripe Checkout, and the match funding they draw.

A donation is only money once Stripe confirms it (the `checkout.session.completed` webhook
with `payment_status=paid`): `start_donation` makes a pending row; `confirm_donation` puts
it in the ledger and draws match funding. Operations flush and never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.db import utcnow
from commonpot.i18n import _, format_money
from commonpot.refusals import Refused
from grants.models import Fund
from payments import ledger
from payments.models import Donation, MatchPledge
from payments.states import DONATION_TRANSITIONS, DonationStatus, EntryType, check_transition

MIN_DONATION_PENCE = 100
MAX_DONATION_PENCE = 1_000_000

# HMRC's model declaration for a single donation, stored word for word with each one.
GIFT_AID_DECLARATION = (
    "I want to Gift Aid my donation of {amount} to {charity}. I am a UK taxpayer and understand "
    "that if I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed "
    "on all my donations in that tax year it is my responsibility to pay any difference."
)


class DonationError(Refused):
    """A donation that cannot be taken; the message says why."""


def gift_aid_wording(fund: Fund, amount_pence: int) -> str:
    return GIFT_AID_DECLARATION.format(amount=f"£{amount_pence / 100:,.2f}", charity=fund.funder.name)


def start_donation(session: Session, fund: Fund, *, amount_pence: int, donor_name: str | None = None,
                   message: str | None = None, show_name: bool = False, gift_aid: bool = False,
                   gift_aid_address: str | None = None, gift_aid_postcode: str | None = None) -> Donation:
    if not MIN_DONATION_PENCE <= amount_pence <= MAX_DONATION_PENCE:
        raise DonationError(_("Donations must be between %(smallest)s and %(largest)s.",
                              smallest=format_money(MIN_DONATION_PENCE),
                              largest=format_money(MAX_DONATION_PENCE)))
    donor_name = (donor_name or "").strip() or None
    if gift_aid and not (donor_name and gift_aid_address and gift_aid_postcode):
        raise DonationError(_("To add Gift Aid, give your full name, home address and postcode."))
    donation = Donation(
        fund_id=fund.id, amount_pence=amount_pence, donor_name=donor_name,
        message=(message or "").strip() or None, show_name=bool(show_name and donor_name),
        gift_aid=gift_aid, reference=secrets.token_urlsafe(16),
    )
    if gift_aid:
        donation.gift_aid_declaration = gift_aid_wording(fund, amount_pence)
        donation.gift_aid_declared_at = utcnow()
        donation.gift_aid_address = gift_aid_address.strip()
        donation.gift_aid_postcode = gift_aid_postcode.strip().upper()
    session.add(donation)
    session.flush()
    audit.record(session, audit.SYSTEM, "payments.donation_started", "donation", donation.id,
                 {"fund_id": fund.id, "amount_pence": amount_pence, "gift_aid": gift_aid})
    return donation


def create_checkout_session(client, donation: Donation, fund: Fund, *, success_url: str,
                            cancel_url: str) -> dict:
    """Ask Stripe for a Checkout Session (no money moves until the donor pays there)."""
    return client.v1.checkout.sessions.create(params={
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [{"quantity": 1, "price_data": {
            "currency": "gbp", "unit_amount": donation.amount_pence,
            "product_data": {"name": f"Donation to {fund.name}"}}}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": f"donation-{donation.reference}",
        "metadata": {"donation_reference": donation.reference, "fund_id": str(fund.id)},
    }, options={"idempotency_key": f"donation-{donation.reference}-checkout"})


def attach_checkout_session(session: Session, donation: Donation, checkout_session_id: str) -> None:
    donation.checkout_session_id = checkout_session_id
    session.flush()


def find_donation(session: Session, checkout_session: dict) -> Donation | None:
    donation = session.scalar(select(Donation).where(
        Donation.checkout_session_id == checkout_session.get("id")).with_for_update())
    if donation is None:
        reference = (checkout_session.get("metadata") or {}).get("donation_reference")
        if reference:
            donation = session.scalar(select(Donation).where(Donation.reference == reference)
                                      .with_for_update())
    return donation


def confirm_donation(session: Session, donation: Donation, *, checkout_session_id: str | None = None,
                     donor_email: str | None = None) -> bool:
    """Stripe says this donation is paid: record it once and draw match funding.

    Returns False when it was already recorded (a repeated or late event)."""
    if donation.status in (DonationStatus.PAID, DonationStatus.REFUNDED):
        return False
    ledger.lock_fund(session, donation.fund_id)
    check_transition(DONATION_TRANSITIONS, donation.status, DonationStatus.PAID)
    donation.status = DonationStatus.PAID
    donation.paid_at = utcnow()
    donation.checkout_session_id = donation.checkout_session_id or checkout_session_id
    donation.donor_email = donor_email or donation.donor_email
    ledger.post(session, audit.SYSTEM, EntryType.DONATION_RECEIVED, donation.amount_pence,
                fund_id=donation.fund_id, donation_id=donation.id, key=f"donation:{donation.id}",
                stripe_reference=donation.checkout_session_id)
    draw_match(session, donation)
    return True


def expire_donation(session: Session, donation: Donation) -> bool:
    if donation.status != DonationStatus.PENDING:
        return False
    donation.status = DonationStatus.EXPIRED
    audit.record(session, audit.SYSTEM, "payments.donation_expired", "donation", donation.id, {})
    session.flush()
    return True


# --- match funding -------------------------------------------------------------------------

def pledge_match(session: Session, actor, fund: Fund, *, funder_name: str, ratio_percent: int,
                 cap_pence: int) -> MatchPledge:
    if cap_pence <= 0 or not 0 < ratio_percent <= 1000:
        raise DonationError(_("A match pledge needs a positive cap and a ratio between 1% and 1000%."))
    pledge = MatchPledge(fund_id=fund.id, funder_name=funder_name.strip(), ratio_percent=ratio_percent,
                         cap_pence=cap_pence, pledged_by=audit.actor_label(actor)
                         if not isinstance(actor, str) else actor)
    session.add(pledge)
    session.flush()
    ledger.post(session, actor, EntryType.MATCH_PLEDGED, cap_pence, fund_id=fund.id,
                match_pledge_id=pledge.id, key=f"match-pledged:{pledge.id}",
                note=f"{funder_name}: {ratio_percent}% of each donation up to {cap_pence}p")
    return pledge


def draw_match(session: Session, donation: Donation) -> int:
    """Draw each pledge's share of a confirmed donation, stopping at its cap. Returns pence drawn."""
    total = 0
    pledges = session.scalars(select(MatchPledge).where(MatchPledge.fund_id == donation.fund_id)
                              .order_by(MatchPledge.id).with_for_update())
    for pledge in pledges:
        remaining = pledge.cap_pence - ledger.pledge_drawn_pence(session, pledge.id)
        amount = min(donation.amount_pence * pledge.ratio_percent // 100, remaining)
        if amount <= 0:
            continue
        ledger.post(session, audit.SYSTEM, EntryType.MATCH_DRAWN, amount, fund_id=donation.fund_id,
                    match_pledge_id=pledge.id, donation_id=donation.id,
                    key=f"match-drawn:{pledge.id}:{donation.id}")
        total += amount
    return total


@dataclass(frozen=True)
class FundTotals:
    raised_pence: int
    matched_pledged_pence: int
    matched_pence: int
    match_remaining_pence: int
    available_pence: int
    donors: int


def fund_totals(session: Session, fund_id: int) -> FundTotals:
    """What a public fund page shows: raised, matched and what match funding remains."""
    from sqlalchemy import func

    balance = ledger.fund_balance(session, fund_id)
    fund = session.get(Fund, fund_id)
    donors = session.scalar(select(func.count()).select_from(Donation).where(
        Donation.fund_id == fund_id, Donation.status == DonationStatus.PAID))
    # The budget may not have reached the ledger yet (it is synced when money is committed).
    budget_gap = max((fund.budget_pence or 0) - balance.budget_pence, 0) if fund else 0
    return FundTotals(
        raised_pence=balance.donations_pence - balance.refunds_pence,
        matched_pledged_pence=balance.match_pledged_pence,
        matched_pence=balance.match_drawn_pence,
        match_remaining_pence=balance.match_remaining_pence,
        available_pence=balance.available_pence + budget_gap,
        donors=donors or 0,
    )
