"""Giving: Checkout, webhook confirmation (once), match funding up to its cap."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from grants.models import Fund
from payments import donations, ledger
from payments.models import Donation, LedgerEntry, MatchPledge, StripeEvent
from payments.states import DonationStatus, EntryType
from tests.helpers import post_form, sign_in
from tests.payments import factories


def _count(session, entry_type):
    # Each read ends its transaction: on SQLite an open one would block the app's writers.
    session.rollback()
    count = session.scalar(select(func.count()).select_from(LedgerEntry)
                           .where(LedgerEntry.entry_type == entry_type))
    session.rollback()
    return count


def _donate(client, fake, slug, amount="20", **extra):
    response = post_form(client, f"/donate/{slug}", {"amount": amount, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    assert session_id in fake.sessions
    return session_id


@pytest.fixture
def fund(session):
    fund = factories.create_fund(session, slug="river-fund")
    session.commit()
    fund_id = fund.id
    session.rollback()
    return SimpleNamespace(id=fund_id)


def test_donation_recorded_once_however_often_the_webhook_arrives(client, session, fund, fake_stripe,
                                                                   deliver):
    session_id = _donate(client, fake_stripe, "river-fund", "25.50", donor_name="Ann", message="Go!")
    donation = session.scalar(select(Donation).where(Donation.checkout_session_id == session_id))
    assert donation.status == DonationStatus.PENDING
    thanks = f"/donate/thanks/{donation.reference}"
    assert fake_stripe.sessions[session_id]["amount_total"] == 2550
    assert _count(session, EntryType.DONATION_RECEIVED) == 0
    assert "waiting for Stripe" in client.get(thanks).get_data(as_text=True)

    event = fake_stripe.event("checkout.session.completed", fake_stripe.complete_checkout(session_id))
    first = deliver(event)
    assert first.status_code == 200 and first.json["outcome"] == "donation recorded"
    again = deliver(event)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    # A different event about the same payment (Stripe sends several) changes nothing either.
    other = deliver(fake_stripe.event("checkout.session.async_payment_succeeded",
                                      fake_stripe.sessions[session_id]))
    assert other.json["outcome"] == "donation already recorded"

    assert _count(session, EntryType.DONATION_RECEIVED) == 1
    assert ledger.fund_balance(session, fund.id).donations_pence == 2550
    assert "has been received" in client.get(thanks).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 2


def test_webhook_before_the_donor_returns(client, session, fund, fake_stripe, deliver):
    session_id = _donate(client, fake_stripe, "river-fund", "10")
    deliver(fake_stripe.event("checkout.session.completed", fake_stripe.complete_checkout(session_id)))
    reference = session.scalar(select(Donation.reference).where(Donation.checkout_session_id == session_id))
    session.rollback()
    page = client.get(f"/donate/thanks/{reference}").get_data(as_text=True)
    assert "£10 has been received" in page
    assert _count(session, EntryType.DONATION_RECEIVED) == 1


def test_unpaid_or_expired_sessions_are_not_money(client, session, fund, fake_stripe, deliver):
    session_id = _donate(client, fake_stripe, "river-fund", "10")
    response = deliver(fake_stripe.event("checkout.session.completed", fake_stripe.sessions[session_id]))
    assert response.json["outcome"] == "awaiting payment"
    assert deliver(fake_stripe.event("checkout.session.expired", fake_stripe.sessions[session_id])
                   ).json["outcome"] == "donation expired"
    assert _count(session, EntryType.DONATION_RECEIVED) == 0
    # Stripe confirming it after all (events out of order) still records it, once.
    paid = fake_stripe.complete_checkout(session_id)
    deliver(fake_stripe.event("checkout.session.completed", paid))
    assert _count(session, EntryType.DONATION_RECEIVED) == 1


def test_a_fund_manager_records_a_match_pledge(client, session, fund, make_user):
    make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    sign_in(client, "manager@example.org")
    response = post_form(client, f"/payments/funds/{fund.id}/match-pledges",
                         {"funder_name": "Rivertown Council", "ratio_percent": "100", "cap": "30"})
    assert response.status_code == 302
    session.rollback()
    pledge = session.scalar(select(MatchPledge))
    assert (pledge.funder_name, pledge.ratio_percent, pledge.cap_pence) == ("Rivertown Council", 100, 3000)
    assert _count(session, EntryType.MATCH_PLEDGED) == 1
    page = client.get(f"/payments/funds/{fund.id}").get_data(as_text=True)
    assert "Rivertown Council: 100% of each donation up to £30" in page


def test_match_draws_until_the_cap(client, session, fund, fake_stripe, deliver):
    donations.pledge_match(session, "system", session.get(Fund, fund.id), funder_name="Rivertown Council",
                           ratio_percent=100, cap_pence=3000)
    session.commit()
    for amount in ("20", "20", "5"):
        session_id = _donate(client, fake_stripe, "river-fund", amount)
        event = fake_stripe.event("checkout.session.completed", fake_stripe.complete_checkout(session_id))
        deliver(event)
        deliver(event)

    session.expire_all()
    drawn = session.scalars(select(LedgerEntry.amount_pence).where(
        LedgerEntry.entry_type == EntryType.MATCH_DRAWN).order_by(LedgerEntry.id)).all()
    assert drawn == [2000, 1000]
    totals = donations.fund_totals(session, fund.id)
    assert (totals.raised_pence, totals.matched_pence, totals.match_remaining_pence) == (4500, 3000, 0)
    balance = ledger.fund_balance(session, fund.id)
    assert balance.available_pence == 4500 + 3000  # the budget reaches the ledger on first commitment
    page = client.get("/donate/river-fund").get_data(as_text=True)
    assert "£45" in page and "£30" in page and "Rivertown Council adds 100p" in page


def test_half_match_rounds_down_to_whole_pence(session, fund):
    fund = session.get(Fund, fund.id)
    pledge = donations.pledge_match(session, "system", fund, funder_name="Bank", ratio_percent=50,
                                    cap_pence=10_000)
    donation = donations.start_donation(session, fund, amount_pence=333)
    assert donations.confirm_donation(session, donation, checkout_session_id="cs_x")
    assert ledger.pledge_drawn_pence(session, pledge.id) == 166


def test_gift_aid_declaration_is_stored_word_for_word(client, session, fund, fake_stripe):
    response = post_form(client, "/donate/river-fund", {"amount": "40", "gift_aid": "y"})
    assert response.status_code == 200
    assert "give your full name, home address and postcode" in response.get_data(as_text=True)
    _donate(client, fake_stripe, "river-fund", "40", gift_aid="y", donor_name="Ann Smith",
            gift_aid_address="1 River Lane, Rivertown", gift_aid_postcode="rt1 2ab")
    session.rollback()
    donation = session.scalar(select(Donation).where(Donation.gift_aid.is_(True)))
    assert donation.gift_aid_declaration.startswith("I want to Gift Aid my donation of £40.00 to ")
    assert donation.gift_aid_declared_at is not None
    assert donation.gift_aid_postcode == "RT1 2AB"


def test_bad_amounts_are_refused(client, session, fund, fake_stripe):
    for amount in ("0", "abc", "5.555", "0.50"):
        response = post_form(client, "/donate/river-fund", {"amount": amount})
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
    assert not fake_stripe.sessions


@pytest.fixture
def unconfigured(app_config):
    app_config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None)


def test_without_keys_the_page_says_payments_are_not_configured(unconfigured, client, session, fund,
                                                                 fake_stripe):
    page = client.get("/donate/river-fund")
    assert page.status_code == 200
    assert "not configured" in page.get_data(as_text=True)
    assert post_form(client, "/donate/river-fund", {"amount": "10"}).status_code == 200
    assert client.post("/payments/stripe/webhook", data="{}").status_code == 503
    assert not fake_stripe.requests


def test_demo_seed_records_a_pledge_and_donations_once(session):
    from commonpot.demo import seed_demo

    assert seed_demo(session) is True
    session.commit()
    fund_id = session.scalar(select(Fund.id).where(Fund.slug == "rivertown-neighbourhood-fund"))
    totals = donations.fund_totals(session, fund_id)
    assert (totals.raised_pence, totals.matched_pence, totals.donors) == (7_500, 7_500, 2)
    seed_demo(session)
    session.commit()
    assert donations.fund_totals(session, fund_id).raised_pence == 7_500
