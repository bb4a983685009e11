"""Paying grants as a fund manager meets it: a confirmation page before money moves, and
messages and ledger lines in words rather than internal codes."""

from __future__ import annotations

from sqlalchemy import select

from payments.models import Instalment
from payments.states import InstalmentStatus
from tests.helpers import post_form, sign_in
from tests.htmltree import main_text, parse
from tests.payments import factories


def _world(session, make_user, fake_stripe, app, *, connected: bool):
    fund = factories.create_fund(session, budget_pence=5_000_000)
    group = factories.create_group(session)
    award = factories.committed_award(session, fund, group, amount_pence=1_000)
    if connected:
        factories.connect_group(session, app, fake_stripe, group)
    session.commit()
    ids = list(session.scalars(select(Instalment.id).where(Instalment.award_id == award.id)
                               .order_by(Instalment.sequence)))
    fund_id, group_name = fund.id, group.name
    session.rollback()
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    return fund_id, group_name, ids


def test_paying_an_instalment_is_confirmed_first(app, client, session, make_user, fake_stripe):
    fund_id, group_name, (first, _second) = _world(session, make_user, fake_stripe, app, connected=True)
    sign_in(client, "manager@example.org")
    ledger_page = client.get(f"/payments/funds/{fund_id}").get_data(as_text=True)
    url = f"/payments/instalments/{first}/release"
    assert parse(ledger_page).find("form", action=url) is None
    assert parse(ledger_page).find("a", href=url) is not None

    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    text = main_text(page)
    assert f"Are you sure you want to pay £8 to {group_name}" in text
    assert "cannot be undone" in text
    assert parse(page).find("form", action=url) is not None
    assert parse(page).find("a", href=f"/payments/funds/{fund_id}") is not None
    assert not fake_stripe.transfers  # looking at the page pays nothing

    assert post_form(client, url).status_code == 302
    assert len(fake_stripe.transfers) == 1


def test_recording_a_bank_transfer_is_confirmed_and_a_second_time_is_refused_in_words(
        app, client, session, make_user, fake_stripe):
    fund_id, group_name, (first, _second) = _world(session, make_user, fake_stripe, app, connected=False)
    sign_in(client, "manager@example.org")
    post_form(client, f"/payments/instalments/{first}/release")
    url = f"/payments/instalments/{first}/bank-transfer"
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert f"paid £8 to {group_name} by bank transfer" in main_text(page)
    assert parse(page).find("form", action=url).find("input", name="reference") is not None

    post_form(client, url, {"reference": "BACS 77"})
    again = post_form(client, url, {"reference": "BACS 77"}, follow_redirects=True)
    text = main_text(again.get_data(as_text=True))
    assert "paid_by_bank" not in text
    assert "already been paid by bank transfer" in text
    session.rollback()
    assert session.get(Instalment, first).status == InstalmentStatus.PAID_BY_BANK


def test_the_ledger_reads_in_words_and_pounds(app, client, session, make_user, fake_stripe):
    fund_id, _name, _ids = _world(session, make_user, fake_stripe, app, connected=True)
    sign_in(client, "manager@example.org")
    text = main_text(client.get(f"/payments/funds/{fund_id}").get_data(as_text=True))
    assert "5000000p" not in text
    assert "Budget set to £50,000" in text
    assert "paid_by_bank" not in text and "award_committed" not in text
