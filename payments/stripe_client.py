"""The one way the app talks to Stripe: a per-call `stripe.StripeClient`, never global state.

`STRIPE_API_BASE` points the client at another server (the tests' local fake, or the demo's).
"""

from __future__ import annotations

import stripe
from flask import current_app

# Stripe amounts for GBP are in pence, like our ledger.
CURRENCY = "gbp"


class PaymentsNotConfigured(RuntimeError):
    """No Stripe secret key: payment pages say so and everything else works."""


def is_configured(config=None) -> bool:
    config = config if config is not None else current_app.config
    return bool(config.get("STRIPE_SECRET_KEY"))


def webhooks_configured(config=None) -> bool:
    config = config if config is not None else current_app.config
    return bool(config.get("STRIPE_WEBHOOK_SECRET"))


def make_client(config=None) -> stripe.StripeClient:
    config = config if config is not None else current_app.config
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise PaymentsNotConfigured("Stripe is not configured (STRIPE_SECRET_KEY is not set).")
    base = config.get("STRIPE_API_BASE")
    addresses = {"api": base.rstrip("/"), "connect": base.rstrip("/")} if base else None
    # The library retries network failures with the same idempotency key, which Stripe
    # answers with the original result: retries can never move money twice.
    # A timeout of our own (the library's default is 80 s): Stripe calls run in jobs, and a
    # hung call must end in time for the job's own timeout to retry it.
    timeout = float(config.get("STRIPE_TIMEOUT", 20))
    return stripe.StripeClient(key, base_addresses=addresses,
                               http_client=stripe.RequestsClient(timeout=timeout),
                               max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)))
