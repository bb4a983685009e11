import json

import pytest

from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign


@pytest.fixture
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": fake_stripe.base_url,
            "STRIPE_MAX_NETWORK_RETRIES": 0}


@pytest.fixture
def deliver(client):
    """POST an event to the webhook endpoint, signed the way Stripe signs it."""

    def _deliver(event=None, *, body: str | None = None, secret: str = WEBHOOK_SECRET,
                 timestamp: int | None = None, header: str | None = None):
        payload = body if body is not None else json.dumps(event)
        signature = header if header is not None else sign(payload, secret, timestamp)
        return client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": signature})

    return _deliver
