"""Journey 5: a donor gives through Stripe Checkout (the suite's fake Stripe) and sees the
fund's total rise."""

from __future__ import annotations

import pytest

from tests.payments import factories

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def test_a_donor_gives_and_sees_the_fund_total_rise(tour, data, fake_stripe):
    tour.check_other_languages_too()
    with data() as s:
        fund = factories.create_fund(s, budget_pence=500_000, slug="riverside-fund")
        fund_name, slug = fund.name, fund.slug

    fake_stripe.hosted_checkout().webhook_url = tour.base + "/payments/stripe/webhook"
    donor = tour.visitor("donor")
    t = donor.t
    donor.goto(f"/funds/{slug}")
    assert donor.value_of(t("Raised from donations and match funding")) in ("£0", t("Not recorded"))
    donor.follow(t("Give to the %(fund)s", fund=fund_name))
    assert donor.value_of(t("Raised from donations")).startswith("£0")

    donor.fill(t("How much would you like to give?"), "25")
    donor.fill(t("Your name (optional)"), "Dee Donor")
    donor.press(t("Continue to payment"))
    assert donor.page.url.startswith(fake_stripe.checkout_base)  # Stripe's payment page
    donor.press("Pay")
    assert "/donate/thanks/" in donor.page.url
    assert "£25" in donor.text()

    donor.follow(t("Back to %(fund)s", fund=fund_name))
    assert donor.value_of(t("Raised from donations")).startswith("£25")
    donor.goto(f"/funds/{slug}")
    assert donor.value_of(t("Raised from donations and match funding")) == "£25"
    tour.finish()
