"""The demo's reports, photos with consent, and the report state machine's table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from commonpot.accounts.models import User
from commonpot.refusals import Refused
from grants.reports import operations as reports
from grants.reports.models import GrantReport
from grants.reports.states import (
    REPORT_TRANSITIONS,
    ReportState,
    ReportTransitionError,
    check_report_transition,
)
from payments.models import Instalment
from payments.states import InstalmentStatus, InstalmentTrigger
from tests.grants.factories import create_fund, create_group
from tests.helpers import post_form, sign_in
from tests.reports.factories import entry, funded_round

PNG = b"\x89PNG\r\n\x1a\n a photo"


@pytest.mark.parametrize("current", list(ReportState))
@pytest.mark.parametrize("target", list(ReportState))
def test_the_transition_table_is_the_only_way(current, target):
    if target in REPORT_TRANSITIONS[current]:
        check_report_transition(current, target)
    else:
        with pytest.raises(ReportTransitionError):
            check_report_transition(current, target)


def test_the_lifecycle_has_the_shape_the_funders_asked_for():
    path = [ReportState.SCHEDULED, ReportState.DUE, ReportState.REMINDED, ReportState.OVERDUE,
            ReportState.SUBMITTED, ReportState.CHANGES_REQUESTED, ReportState.SUBMITTED,
            ReportState.ACCEPTED]
    for current, target in zip(path, path[1:], strict=False):
        check_report_transition(current, target)
    assert REPORT_TRANSITIONS[ReportState.ACCEPTED] == frozenset()


def test_demo_has_a_monitoring_round_with_accepted_overdue_and_waiting_reports(app, client):
    from commonpot.demo import seed_demo
    from commonpot.extensions import db

    with app.app_context():
        assert seed_demo(db.session) is True
        db.session.commit()
        assert seed_demo(db.session) is False
        db.session.commit()
        found = {r.award.application.title: r.state for r in db.session.scalars(select(GrantReport))}
        accepted = next(r for r in db.session.scalars(select(GrantReport))
                        if r.state == ReportState.ACCEPTED)
        held = db.session.scalar(select(Instalment).where(
            Instalment.award_id == accepted.award_id,
            Instalment.trigger == InstalmentTrigger.AFTER_FINAL_REPORT))
        assert held.status == InstalmentStatus.RELEASED
        report_ids = {r.state: r.id for r in db.session.scalars(select(GrantReport))}
        group_id = accepted.group_id
    assert found == {"Community growing days": ReportState.ACCEPTED,
                     "Summer dance workshops": ReportState.OVERDUE,
                     "Summer lunch outings": ReportState.SUBMITTED}
    page = client.get("/impact/rivertown-neighbourhood-fund").get_data(as_text=True)
    assert "83" in page and "Riverside" in page
    sign_in(client, "manager@demo.commonpot.org", "demo-password-2026")
    assert "1 report is overdue" in client.get("/grants/rounds/summer-2026/reports").get_data(as_text=True)
    assert "Accept the report" in client.get(
        f"/grants/reports/{report_ids[ReportState.SUBMITTED]}").get_data(as_text=True)
    post_form(client, "/logout")
    sign_in(client, "group@demo.commonpot.org", "demo-password-2026")
    page = client.get(f"/grants/groups/{group_id}").get_data(as_text=True)
    assert "Your gardening and growing sessions reached 83 of the 83 people" in page
    assert "<title>Riverside Gardeners – Commonpot</title>" in page


def _editable_report(session, make_user, ends_on=date(2026, 1, 1)):
    fund = create_fund(session)
    session.commit()
    manager = make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    member = make_user("gwen@example.org")
    group = create_group(session, member)
    _, (award,) = funded_round(session, fund, manager, [entry(member, group, "Dance")])
    report = reports.schedule_report(session, session.get(User, manager), award, ends_on,
                                     now=reports_now())
    session.commit()
    return report.id


def reports_now():
    from commonpot.db import utcnow
    return utcnow()


def test_photos_need_consent_and_a_real_image_and_are_public_only_once_accepted(
        session, client, make_client, make_user):
    report_id = _editable_report(session, make_user)
    sign_in(client, "gwen@example.org")
    url = f"/grants/reports/{report_id}/photos"

    def upload(name, data, consent):
        from io import BytesIO
        form = {"photo": (BytesIO(data), name), "caption": "Dancing"}
        if consent:
            form["consent"] = "y"
        return post_form(client, url, form, content_type="multipart/form-data",
                         follow_redirects=True).get_data(as_text=True)

    assert "agreed" in upload("dance.png", PNG, consent=False)
    assert "not a photo" in upload("accounts.pdf", b"%PDF-1.4 x", consent=True)
    assert "does not look like a real .png" in upload("fake.png", b"not a png", consent=True)
    session.rollback()
    assert session.get(GrantReport, report_id).photos == []
    assert "Photo added" in upload("dance.png", PNG, consent=True)
    session.rollback()
    (photo,) = session.get(GrantReport, report_id).photos
    assert photo.consent_confirmed and photo.original_name == "dance.png"

    photo_url = f"/grants/reports/{report_id}/photos/{photo.id}"
    assert client.get(photo_url).data == PNG
    stranger = make_client()
    assert stranger.get(photo_url).status_code in (302, 401)  # not public before acceptance
    session.rollback()
    report = session.get(GrantReport, report_id)
    report.state = ReportState.SUBMITTED  # arranged: the lifecycle test covers getting here
    report.submitted_at = reports_now()
    session.commit()
    manager = session.scalar(select(User).where(User.email == "manager@example.org"))
    reports.accept_report(session, manager, session.get(GrantReport, report_id), now=reports_now())
    session.commit()
    assert stranger.get(photo_url).data == PNG


def test_a_report_cannot_be_sent_incomplete_or_changed_after_sending(session, make_user):
    report_id = _editable_report(session, make_user)
    report = session.get(GrantReport, report_id)
    member = session.scalar(select(User).where(User.email == "gwen@example.org"))
    with pytest.raises(Refused, match="Tell us what happened"):
        reports.submit_report(session, member, report, now=reports_now())
    with pytest.raises(Refused, match="whole number"):
        reports.save_report(session, member, report, reports.ReportContent(volunteers="-3"))
    with pytest.raises(Refused, match="lists"):
        reports.save_report(session, member, report, reports.ReportContent(
            participation={("Juggling", "19 to 64"): "4"}))
    lines = report.award.application.budget_lines
    reports.save_report(session, member, report, reports.ReportContent(
        what_happened="x", learned="y", spending={line.id: "10" for line in lines},
        participation={("Dance", "19 to 64"): "4"}))
    reports.submit_report(session, member, report, now=reports_now())
    with pytest.raises(Refused, match="cannot be changed"):
        reports.save_report(session, member, report, reports.ReportContent(what_happened="later"))
    with pytest.raises(Refused, match="cannot be changed"):
        reports.submit_report(session, member, report, now=reports_now())


def test_the_reminders_command_can_be_told_the_time(app, session, make_user):
    from tests.helpers import run_cli

    report_id = _editable_report(session, make_user, ends_on=reports_now().date())
    assert session.get(GrantReport, report_id).state == ReportState.DUE
    session.rollback()
    assert run_cli(app, "reports", "remind", "--now", "not a time").exit_code != 0
    late = (reports_now() + timedelta(weeks=10)).replace(hour=9, minute=0, microsecond=0)
    result = run_cli(app, "reports", "remind", "--now", late.isoformat())
    assert f"report {report_id}: overdue" in result.output
    session.rollback()
    assert session.get(GrantReport, report_id).state == ReportState.OVERDUE
    an_hour_on = (late + timedelta(hours=1)).isoformat()
    assert "No reports" in run_cli(app, "reports", "remind", "--now", an_hour_on).output


def test_a_blank_spending_line_is_not_yet_answered_but_zero_is(session, make_user):
    report = session.get(GrantReport, _editable_report(session, make_user))
    member = session.scalar(select(User).where(User.email == "gwen@example.org"))
    first, second = report.award.application.budget_lines
    content = reports.ReportContent(what_happened="x", learned="y",
                                    spending={first.id: "12.50", second.id: ""},
                                    participation={("Dance", "19 to 64"): "4"})
    reports.save_report(session, member, report, content)
    assert [(s.budget_line_id, s.spent_pence) for s in report.spending] == [(first.id, 1250)]
    assert ("spending", "Say what you spent on each budget line (0 if nothing).") in \
        reports.missing_parts(report)
    content.spending[second.id] = "0"
    reports.save_report(session, member, report, content)
    assert reports.missing_parts(report) == []
