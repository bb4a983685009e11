"""Every award in public: a decided round's page, the list of all awards, fund figures."""

from __future__ import annotations

from sqlalchemy import select

from grants.models import Round
from payments import ledger
from payments.states import EntryType
from tests.helpers import post_form, sign_in
from tests.open.conftest import PRIVATE


def test_a_decided_round_lists_its_awards_and_how_many_were_not_funded(client, open_world):
    page = client.get(f"/grants/rounds/{open_world.round_slug}").get_data(as_text=True)
    assert "Riverside Gardeners" in page and "Community orchard" in page and "£1,000" in page
    assert "Canal Rowing Club" in page and "£600" in page
    assert "3 applications received; 2 funded, totalling £1,600; 1 not funded" in page
    assert PRIVATE["declined_group"] not in page and PRIVATE["declined_title"] not in page
    # Scores are private until the round publishes them.
    assert "Panel scores" not in page


def test_the_round_publishes_scores_and_declined_names_only_when_the_manager_says_so(
        client, db_scope, open_world):
    sign_in(client, "manager@example.org")
    response = post_form(client, f"/grants/rounds/{open_world.round_slug}/publication",
                         {"publish_scores": "y", "publish_declined_names": "y"})
    assert response.status_code == 302
    client.post("/logout", data={})
    anonymous = client.application.test_client()
    page = anonymous.get(f"/grants/rounds/{open_world.round_slug}").get_data(as_text=True)
    assert "Panel scores" in page
    # Weighted mean of Need 5 (weight 3) and Plan 4 (weight 1) from one reviewer: 4.75.
    assert "4.75 out of 5 from 1 reviewer (Need 5.00; Plan 4.00)" in page
    assert f"Not funded this time: {PRIVATE['declined_group']}." in page
    with db_scope() as s:
        from commonpot.audit import AuditEvent

        event = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "grants.round_publication_set")).one()
        assert event.subject_id == str(open_world.round_id)


def test_publication_settings_are_for_the_rounds_fund_managers_only(client, make_user, open_world):
    make_user("resident@example.org")
    sign_in(client, "resident@example.org")
    response = post_form(client, f"/grants/rounds/{open_world.round_slug}/publication",
                         {"publish_declined_names": "y"})
    assert response.status_code == 403
    page = client.get(f"/grants/rounds/{open_world.round_slug}").get_data(as_text=True)
    assert PRIVATE["declined_group"] not in page


def test_the_awards_list_filters_totals_and_pages(client, db_scope, open_world):
    page = client.get("/awards").get_data(as_text=True)
    assert "2 awards</strong> totalling <strong>£1,600" in page
    page = client.get("/awards?q=rowing").get_data(as_text=True)
    assert "1 award</strong> totalling <strong>£600" in page and "Riverside Gardeners" not in page
    page = client.get(f"/awards?fund={open_world.fund_slug}&theme=Environment").get_data(as_text=True)
    assert "2 awards</strong>" in page
    page = client.get("/awards?theme=Nothing+like+this").get_data(as_text=True)
    assert "0 awards</strong>" in page and "No awards match" in page
    page = client.get("/awards?year=1999").get_data(as_text=True)
    assert "0 awards</strong>" in page


def test_the_awards_list_pages_through_many_awards(client, db_scope, open_world, make_user):
    from tests.open.test_giving360 import add_generated_awards

    with db_scope() as s:
        add_generated_awards(s, 60)
    first = client.get("/awards").get_data(as_text=True)
    assert "62 awards</strong>" in first and "Page 1 of 3" in first
    third = client.get("/awards?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in third and "Next page" not in third


def test_fund_page_shows_budget_raised_awarded_paid_and_remaining(client, db_scope, open_world):
    with db_scope() as s:
        ledger.post(s, "system", EntryType.DONATION_RECEIVED, 25_000, fund_id=open_world.fund_id,
                    key="test-donation")
        award_id = s.scalar(select(Round).where(Round.id == open_world.round_id)).id
        from grants.models import Award

        award = s.scalars(select(Award).order_by(Award.amount_pence.desc())).first()
        ledger.post(s, "system", EntryType.PAYMENT_SENT, 80_000, fund_id=open_world.fund_id,
                    award_id=award.id, key="test-payment")
        assert award_id
    page = client.get(f"/funds/{open_world.fund_slug}").get_data(as_text=True)
    # Budget £100,000 (test fund), raised £250, awarded £1,600, paid £800,
    # remaining £100,000 + £250 - £1,600 = £98,650.
    for expected in ("£100,000", "£250", "£1,600 in 2 grants", "£800", "£98,650"):
        assert expected in page, expected


def test_under_subscribed_rounds_read_correctly(client, db_scope, open_world):
    page = client.get(f"/grants/rounds/{open_world.round_slug}/statistics").get_data(as_text=True)
    # £2,700 asked of a £5,000 budget.
    assert "times the money available" not in page
    assert "Not oversubscribed: requests add up to 54% of the money available" in page
    with db_scope() as s:
        s.get(Round, open_world.round_id).budget_pence = 100_000
    page = client.get(f"/grants/rounds/{open_world.round_slug}/statistics").get_data(as_text=True)
    assert "Oversubscribed: 2.70 times the money available was requested." in page
