"""A refused operation leaves no trace: no rows, no audit events, no email in the outbox,
whether it was asked for through a web form or on the command line.

The operation below does real work through the real parts (a new account, an audit event,
an email) and then refuses, as a domain operation does when a rule fails late."""

from __future__ import annotations

import io

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from commonpot import audit
from commonpot.accounts import operations as accounts
from commonpot.accounts.models import User
from commonpot.accounts.policy import PUBLIC, access
from commonpot.audit import AuditEvent
from commonpot.cli import report_refusals
from commonpot.extensions import db
from commonpot.mail import OutboxMessage, send_email
from commonpot.refusals import Refused
from grants.models import AreaPostcode, FundArea
from tests.grants.factories import create_fund
from tests.helpers import post_form, run_cli, sign_in

REFUSAL = "Half-way through, a rule said no."


def _work_then_refuse(session):
    user = accounts.register(session, email="ghost@example.org", display_name="Ghost",
                             password="a long enough passphrase")
    audit.record(session, "system", "account.role_changed", "user", user.id,
                 {"role": "steward", "granted": True})
    send_email(session, "ghost@example.org", "Welcome", "You will never read this.")
    session.flush()
    raise Refused(REFUSAL, "email")


def _traces(session) -> tuple[int, int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(User).where(User.email == "ghost@example.org")),
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(OutboxMessage)))


def _install(app):
    @access(PUBLIC)
    def refused_operation():
        _work_then_refuse(db.session)
        return "not reached"

    app.add_url_rule("/test/refused", "refused_operation", refused_operation, methods=["POST"])

    @click.command("refused-operation")
    @with_appcontext
    def refused_command():
        _work_then_refuse(db.session)
        db.session.commit()

    app.cli.add_command(report_refusals(refused_command))


def test_a_refused_form_rolls_back_and_shows_the_message_on_the_page_it_came_from(app, client, session):
    _install(app)
    before = _traces(session)

    response = post_form(client, "/test/refused", headers={"Referer": "http://commonpot.test/accessibility"})
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    assert response.headers["Location"] == "http://commonpot.test/accessibility"
    page = client.get("/accessibility").get_data(as_text=True)
    assert REFUSAL in page

    assert _traces(session) == before
    assert before[0] == 0


def test_a_refusal_without_a_page_to_return_to_is_shown_on_an_error_page(app, client, session):
    _install(app)
    before = _traces(session)
    response = post_form(client, "/test/refused")
    assert response.status_code == 422
    assert REFUSAL in response.get_data(as_text=True)
    assert _traces(session) == before


def test_a_refused_command_rolls_back_reports_and_exits_1(app, session):
    _install(app)
    before = _traces(session)
    result = run_cli(app, "refused-operation")
    assert result.exit_code == 1
    assert REFUSAL in result.output
    assert _traces(session) == before


def test_area_import_is_all_or_nothing_on_the_command_line(app, session, tmp_path):
    create_fund(session, slug="cli-import-fund", areas=False)
    session.commit()
    events_before = _traces(session)[1]
    bad = tmp_path / "areas.csv"
    bad.write_text("area,kind,postcode\nRiverside,ward,RT1 4*\nNowhere,ward,not a postcode\n")

    result = run_cli(app, "rounds", "import-areas", "cli-import-fund", str(bad))
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output and "Row 3" in result.output
    assert session.scalar(select(func.count()).select_from(FundArea)) == 0
    assert session.scalar(select(func.count()).select_from(AreaPostcode)) == 0
    assert _traces(session)[1] == events_before


def test_area_import_refusal_returns_to_the_fund_page_with_every_problem(client, session, make_user):
    fund = create_fund(session, slug="web-import-fund", areas=False)
    session.commit()
    make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    sign_in(client, "manager@example.org")
    back = f"http://commonpot.test/grants/funds/{fund.id}/manage"
    response = post_form(client, f"/grants/funds/{fund.id}/areas",
                         {"file": (io.BytesIO(b"area,kind,postcode\nA,ward,RT1 4*\nB,moon,RT1 5*\n"),
                                   "a.csv")},
                         content_type="multipart/form-data", headers={"Referer": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    page = client.get(back).get_data(as_text=True)
    assert "Nothing was imported" in page and "Row 3" in page
    assert session.scalar(select(func.count()).select_from(FundArea)) == 0
