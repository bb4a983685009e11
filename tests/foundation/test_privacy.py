"""UK GDPR rights: a person's data exported, erased without breaking tallies, awards or the
audit trail; retention periods enforced by a sweep that removes exactly what is due."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, create_engine, select

from commonpot.accounts.models import LoginAttempt, User
from commonpot.audit import AuditEvent
from commonpot.db import utcnow
from commonpot.mail import OutboxMessage
from grants.models import GroupInvitation
from payments.models import Donation
from tests.helpers import PASSWORD, post_form, run_cli, sign_in
from tests.payments.factories import create_fund, create_group
from voting.models import ResidentDetails

EMAIL = "erin.whitlock@example.org"
# What is held about Erin, each value distinctive enough to find anywhere in a dump.
SEEDED = ["erin.whitlock@example.org", "Erin Whitlock", "07700 900461", "12 Quillon Row",
          "RT9 7ZQ", "1961-04-17", "203.0.113.77", "Thanks from Erin"]


def _seed_erin(app, make_user, session):
    erin = make_user(EMAIL, name="Erin Whitlock")
    browser = app.test_client()
    address = {"REMOTE_ADDR": "203.0.113.77"}
    post_form(browser, "/login", {"email": EMAIL, "password": "not-my-password"},
              environ_base=address)
    sign_in_page = post_form(browser, "/login", {"email": EMAIL, "password": PASSWORD},
                             environ_base=address)
    assert sign_in_page.status_code == 302
    post_form(app.test_client(), "/reset", {"email": EMAIL})  # an email that names her
    fund = create_fund(session)
    group = create_group(session, admin_user_id=erin)
    group.contact_name, group.contact_email, group.contact_phone = "Erin Whitlock", EMAIL, "07700 900461"
    session.add(ResidentDetails(user_id=erin, postcode="RT9 7ZQ", date_of_birth=date(1961, 4, 17)))
    session.add(Donation(reference="don-erin-1", fund_id=fund.id, amount_pence=2500,
                         donor_name="Erin Whitlock", donor_email=EMAIL, message="Thanks from Erin",
                         gift_aid_address="12 Quillon Row, Riverton", gift_aid_postcode="RT9 7ZQ"))
    session.add(GroupInvitation(group_id=group.id, email=EMAIL, token_hash="e" * 64,
                                invited_by_id=erin, expires_at=utcnow() + timedelta(days=7)))
    session.commit()
    return erin, group.id


def _dump(database_url: str) -> str:
    """Every row of every table, as text: what a database dump would hold."""
    engine = create_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    lines = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(f"{table.name}: " + " | ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(lines)


def test_export_holds_everything_about_the_person(app, make_user, session, database_url):
    erin, _group = _seed_erin(app, make_user, session)
    result = run_cli(app, "privacy", "export", EMAIL)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    text = json.dumps(data)
    for value in SEEDED:
        assert value in text, value
    assert "password_hash" not in text and "token_hash" not in text
    assert {"user_account", "login_attempt", "voting_resident_details", "donation",
            "community_group", "group_invitation", "outbox_message"} <= set(data["tables"])
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.exported"))


def test_an_admin_reads_a_persons_data_as_a_page_and_as_json(app, make_user, session):
    erin, _group = _seed_erin(app, make_user, session)
    make_user("admin@example.org", admin=True)
    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get(f"/admin/users/{erin}/data").get_data(as_text=True)
    assert "Everything we hold about Erin Whitlock" in page and "07700 900461" in page
    download = admin.get(f"/admin/users/{erin}/data?format=json")
    assert download.is_json and download.json["email"] == EMAIL
    resident = app.test_client()
    sign_in(resident, EMAIL)
    assert resident.get(f"/admin/users/{erin}/data").status_code == 403


def test_after_erasure_a_dump_holds_none_of_the_persons_values(app, make_user, session, database_url):
    erin, group_id = _seed_erin(app, make_user, session)
    assert all(value in _dump(database_url) for value in SEEDED)

    result = run_cli(app, "privacy", "erase", EMAIL, "--yes")
    assert result.exit_code == 0, result.output

    dump = _dump(database_url).lower()
    found = [value for value in SEEDED if value.lower() in dump]
    assert not found, f"still in the database after erasure: {found}"
    # The account is a pseudonym now: its rows (memberships, the donation, the group) remain.
    session.expire_all()
    user = session.get(User, erin)
    assert user.display_name == "Erased account"
    assert session.scalar(select(Donation.amount_pence)) == 2500
    assert session.scalar(select(LoginAttempt.id)) is not None
    assert post_form(app.test_client(), "/login", {"email": EMAIL, "password": PASSWORD}).status_code == 200
    verify = run_cli(app, "audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.erased"))


# --- retention ---------------------------------------------------------------------------------

MOVED_CLOCK = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def moved_clock(app_config):
    # In app_config, so the CLI (which runs in whichever app context is current) sees it too.
    app_config["CLOCK"] = lambda: MOVED_CLOCK
    return MOVED_CLOCK


def _days_before(days: float) -> datetime:
    return MOVED_CLOCK - timedelta(days=days)


def test_the_sweep_removes_exactly_what_is_due(moved_clock, app, make_user, session):
    erin = make_user(EMAIL, name="Erin Whitlock")
    keep_too = make_user("kept@example.org")
    periods = {key: app.config[key] for key in (
        "RETENTION_SIGN_IN_DAYS", "RETENTION_OUTBOX_DAYS", "RETENTION_VOTER_DETAILS_DAYS")}
    sign_in_days, outbox_days, voter_days = periods.values()
    session.add_all([
        LoginAttempt(email="due@example.org", remote_addr="x", succeeded=False,
                     attempted_at=_days_before(sign_in_days + 1)),
        LoginAttempt(email="kept@example.org", remote_addr="x", succeeded=True,
                     attempted_at=_days_before(sign_in_days - 1)),
        OutboxMessage(to_address="due@example.org", subject="s", body="b", status="outbox",
                      created_at=_days_before(outbox_days + 1)),
        OutboxMessage(to_address="kept@example.org", subject="s", body="b", status="sent",
                      created_at=_days_before(outbox_days - 1)),
        # Never swept while waiting to be delivered, however old.
        OutboxMessage(to_address="waiting@example.org", subject="s", body="b", status="pending",
                      created_at=_days_before(outbox_days * 10)),
        ResidentDetails(user_id=erin, postcode="RT9 7ZQ", date_of_birth=date(1961, 4, 17),
                        updated_at=_days_before(voter_days + 1)),
        ResidentDetails(user_id=keep_too, postcode="RT1 1AA", date_of_birth=date(1990, 1, 1),
                        updated_at=_days_before(voter_days - 1)),
    ])
    session.commit()

    def left():
        session.expire_all()
        return (sorted(session.scalars(select(LoginAttempt.email))),
                sorted(session.scalars(select(OutboxMessage.to_address))),
                sorted(session.scalars(select(ResidentDetails.user_id))))

    before = left()
    dry = run_cli(app, "privacy", "sweep", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "sign_in_records: 1 due" in dry.output and "emails: 1 due" in dry.output
    assert "voter_details: 1 due" in dry.output
    assert left() == before

    swept = run_cli(app, "privacy", "sweep")
    assert swept.exit_code == 0, swept.output
    assert left() == (["kept@example.org"], ["kept@example.org", "waiting@example.org"], [keep_too])
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.swept"))
    assert json.loads(event.payload)["removed"] == {"emails": 1, "sign_in_records": 1, "voter_details": 1}
    assert run_cli(app, "audit", "verify").exit_code == 0
