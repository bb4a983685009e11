"""Stripe webhooks: verify the signature, record each event once, act on the object's state.

Every handler is idempotent and acts on what the object says now (a paid session, an
existing or reversed transfer), so duplicates and out-of-order deliveries change nothing
they should not. Handlers only touch our database, so the endpoint answers quickly."""

from __future__ import annotations

import json
import logging

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from payments import donations, payouts
from payments.models import GroupPaymentAccount, StripeEvent

log = logging.getLogger(__name__)

DEFAULT_TOLERANCE_SECONDS = 300


class InvalidWebhook(Exception):
    """Bad or stale signature, or a body that is not a Stripe event."""


def parse_event(payload: bytes, signature_header: str | None, secret: str,
                tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> dict:
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(str(exc).split(".")[0]) from exc
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidWebhook("body is not JSON") from exc
    if not (isinstance(event, dict) and isinstance(event.get("id"), str)
            and isinstance(event.get("type"), str) and isinstance(event.get("data"), dict)
            and isinstance(event["data"].get("object"), dict)):
        raise InvalidWebhook("body is not a Stripe event")
    # Signed is not the same as sane: bound what we store to its columns (StripeEvent).
    if len(event["id"]) > 255 or len(event["type"]) > 100:
        raise InvalidWebhook("event id or type is too long")
    return event


def _remember(session: Session, event: dict) -> StripeEvent | None:
    """Record the event id; None when it was already recorded (a repeated delivery)."""
    if session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event["id"])) is not None:
        return None
    row = StripeEvent(event_id=event["id"], event_type=event["type"],
                      object_id=str(event["data"]["object"].get("id"))[:255])
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # a concurrent delivery of the same event got there first
    return row


def handle_event(session: Session, event: dict) -> str:
    row = _remember(session, event)
    if row is None:
        return "duplicate"
    handler = HANDLERS.get(event["type"])
    outcome = handler(session, event) if handler else "ignored"
    row.outcome = outcome[:200]
    session.flush()
    return outcome


def _checkout_completed(session: Session, event: dict) -> str:
    checkout = event["data"]["object"]
    donation = donations.find_donation(session, checkout)
    if donation is None:
        return "unknown checkout session"
    if checkout.get("payment_status") != "paid":
        return "awaiting payment"  # a delayed method; async_payment_succeeded follows
    email = (checkout.get("customer_details") or {}).get("email")
    recorded = donations.confirm_donation(session, donation, checkout_session_id=checkout.get("id"),
                                         donor_email=email)
    return "donation recorded" if recorded else "donation already recorded"


def _checkout_expired(session: Session, event: dict) -> str:
    donation = donations.find_donation(session, event["data"]["object"])
    if donation is None:
        return "unknown checkout session"
    return "donation expired" if donations.expire_donation(session, donation) else "no change"


def _account_updated(session: Session, event: dict) -> str:
    stripe_account = event["data"]["object"]
    account = session.scalar(select(GroupPaymentAccount).where(
        GroupPaymentAccount.stripe_account_id == stripe_account.get("id")).with_for_update())
    if account is None:
        return "account not ours"
    applied = payouts.apply_account_state(session, account, stripe_account, int(event.get("created") or 0))
    return "account updated" if applied else "older snapshot ignored"


def _transfer(session: Session, event: dict) -> str:
    return payouts.apply_transfer(session, event["data"]["object"])


def _payout(session: Session, event: dict) -> str:
    return payouts.apply_payout(session, event["data"]["object"], event.get("account"),
                                int(event.get("created") or 0))


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.expired": _checkout_expired,
    "account.updated": _account_updated,
    "transfer.created": _transfer,
    "transfer.updated": _transfer,
    "transfer.reversed": _transfer,
    "payout.paid": _payout,
    "payout.failed": _payout,
}
