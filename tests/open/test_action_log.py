"""The action log: fund managers and admins read the audit trail as plain lines and narrow it
by round, application, person, action and date; a manager sees only their own funds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import sign_in
from tests.open.conftest import PRIVATE
from tests.panels import factories as f


def _log(client, **args) -> str:
    response = client.get("/manage/action-log", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_manager_reads_who_did_what_and_why(client, open_world):
    sign_in(client, "manager@example.org")
    page = _log(client)
    orchard = open_world.references["Community orchard"]
    assert f"<strong>Chris Chair</strong> awarded £1,000 to “Community orchard” ({orchard})" in page
    assert "<strong>Chris Chair</strong> released the decisions of the round “Decided round”" in page
    assert "<strong>Ann Applicant</strong> withdrew “Withdrawn idea”" in page
    assert f"Why: “{PRIVATE['withdrawal_reason']}”" in page
    # No raw codes where a person reads.
    assert "panels.award_decided" not in page.split("<ol", 1)[1]


def test_filters_narrow_the_log(client, open_world):
    sign_in(client, "manager@example.org")
    orchard = open_world.references["Community orchard"]
    page = _log(client, application=orchard)
    assert "Community orchard" in page and "Rowing for everyone" not in page
    page = _log(client, person="chris")
    assert "<strong>Chris Chair</strong>" in page and "<strong>Ann Applicant</strong>" not in page
    page = _log(client, action="panels.decision_recorded")
    assert page.count("recorded the decision") == 3 and "awarded £" not in page
    page = _log(client, round=open_world.round_slug, person="ann")
    assert "withdrew" in page and "0 actions" not in page
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert "0 actions" in _log(client, since=tomorrow)
    assert "withdrew" in _log(client, until=tomorrow)


def test_bad_filters_say_what_is_wrong_and_show_nothing(client, open_world):
    sign_in(client, "manager@example.org")
    page = _log(client, since="31/12/2026")
    assert "Enter the date as year-month-day" in page and "<ol" not in page
    page = _log(client, application="CP-NOPE-1")
    assert "No application among yours has the reference" in page


def test_a_manager_of_another_fund_sees_none_of_it(client, db_scope, make_user, open_world):
    with db_scope() as s:
        other_fund = f.create_fund(s).id
    make_user("other.manager@example.org", fund_roles=[(other_fund, "fund_manager")])
    sign_in(client, "other.manager@example.org")
    page = _log(client)
    assert "0 actions" in page and "Community orchard" not in page
    page = _log(client, application=open_world.references["Community orchard"])
    assert "No application among yours has the reference" in page
    page = _log(client, round=open_world.round_slug)
    assert "There is no round with that name among yours." in page


def test_an_admin_sees_every_event(client, make_user, open_world):
    make_user("admin@example.org", admin=True, name="Ada Admin")
    sign_in(client, "admin@example.org")
    page = _log(client)
    assert "Community orchard" in page and "Scoring now" in page


def test_residents_are_refused(client, make_user, open_world):
    make_user("resident@example.org")
    sign_in(client, "resident@example.org")
    assert client.get("/manage/action-log").status_code == 403
