"""Payment work the job queue runs: Stripe calls never run inside a request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from payments import payouts, stripe_client

PAY_INSTALMENT = "payments.jobs:pay_instalment"


def pay_instalment(session: Session, instalment_id: int) -> str:
    """Send one released instalment. Safe to run twice, or after a worker died mid-call: the
    transfer carries an idempotency key derived from the instalment, so Stripe answers a
    repeat with the first transfer, and the ledger records it once."""
    if not stripe_client.is_configured():
        return "skipped: Stripe is not configured"
    result = payouts.pay_instalment(session, stripe_client.make_client(), instalment_id)
    if result.outcome == "failed":
        # Raise so the queue retries with back-off; the instalment stays released meanwhile.
        session.commit()
        raise RuntimeError(f"instalment {instalment_id}: {result.detail}")
    return f"{result.outcome} {result.detail}".strip()
