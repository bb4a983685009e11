"""The report lifecycle as people live it, through HTTP and the reminders command: due,
reminded, overdue, submitted, changes asked for, submitted again, accepted; the instalment
held for the report cannot be released before acceptance and is released by it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from commonpot.audit import AuditEvent
from grants.models import Award, Group
from grants.reports.models import GrantReport
from grants.reports.states import ReportState
from payments import ledger
from payments.models import Instalment
from payments.states import InstalmentStatus, InstalmentTrigger
from tests.grants.factories import create_fund, create_group
from tests.helpers import post_form, run_cli, sign_in
from tests.reports.factories import entry, funded_round


def _world(app, session, make_user):
    fund = create_fund(session)
    session.commit()
    manager = make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    member = make_user("gwen@example.org")
    group = create_group(session, member, name="Darnall Dancers")
    round_, (award,) = funded_round(session, fund, manager, [
        entry(member, group, "Dance for all", lines=(("Hall hire", "600"), ("Music", "400")))])
    ledger.commit_award(session, "system", award)
    session.commit()
    held = session.scalar(select(Instalment).where(
        Instalment.award_id == award.id, Instalment.trigger == InstalmentTrigger.AFTER_FINAL_REPORT))
    return {"award_id": award.id, "round_slug": round_.slug, "group_id": group.id,
            "held_id": held.id, "line_ids": [line.id for line in award.application.budget_lines]}


def _report(session) -> GrantReport:
    session.rollback()
    return session.scalar(select(GrantReport))


def _states(session, report_id) -> list[str]:
    session.rollback()
    return [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "report", AuditEvent.subject_id == str(report_id))
        .order_by(AuditEvent.seq))]


def test_report_lifecycle_through_http(app, session, client, make_client, make_user, outbox, clock):
    world = _world(app, session, make_user)
    manager, group = client, make_client()
    sign_in(manager, "manager@example.org")
    sign_in(group, "gwen@example.org")
    today = clock().date()
    ends = today + timedelta(days=10)

    # The manager asks for a report when the activity ends.
    response = post_form(manager, f"/grants/awards/{world['award_id']}/report",
                         {"activity_ends_on": ends.isoformat()})
    assert response.status_code == 302
    report = _report(session)
    assert report.state == ReportState.SCHEDULED and report.due_on == ends + timedelta(weeks=8)
    assert run_cli(app, "reports", "remind").output.startswith("No reports")

    # The activity ends: the group is asked, by email and on its dashboard.
    clock.set(ends.year, ends.month, ends.day, 12)
    assert "asked" in run_cli(app, "reports", "remind").output
    assert _report(session).state == ReportState.DUE
    assert any("Tell us how Dance for all went" in subject for _, subject, _ in outbox("gwen@example.org"))
    page = group.get(f"/grants/groups/{world['group_id']}").get_data(as_text=True)
    assert "A report is due" in page and "Dance for all" in page
    work = group.get("/dashboard").get_data(as_text=True)
    assert "your report is due by" in work and f'href="/grants/reports/{_report(session).id}"' in work
    assert "reminded" not in run_cli(app, "reports", "remind").output  # nothing more today

    # Two weeks before the due date: a reminder.
    due = _report(session).due_on
    before = due - timedelta(days=14)
    clock.set(before.year, before.month, before.day)
    assert "reminded" in run_cli(app, "reports", "remind").output
    assert _report(session).state == ReportState.REMINDED
    assert any(subject.startswith("Reminder") for _, subject, _ in outbox("gwen@example.org"))

    # The due date passes: overdue, flagged for the manager, reminded again two weeks on.
    late = due + timedelta(days=1)
    clock.set(late.year, late.month, late.day)
    assert "overdue" in run_cli(app, "reports", "remind").output
    assert _report(session).state == ReportState.OVERDUE
    round_page = manager.get(f"/grants/rounds/{world['round_slug']}/reports").get_data(as_text=True)
    assert "1 report is overdue" in round_page
    assert "send it now" in group.get("/dashboard").get_data(as_text=True)
    emails = len(outbox("gwen@example.org"))
    run_cli(app, "reports", "remind")
    assert len(outbox("gwen@example.org")) == emails  # the same day sends nothing more
    later = late + timedelta(days=14)
    clock.set(later.year, later.month, later.day)
    assert "reminded again" in run_cli(app, "reports", "remind").output
    assert len(outbox("gwen@example.org")) == emails + 1

    # The held instalment cannot be released before the report is accepted.
    response = post_form(manager, f"/payments/instalments/{world['held_id']}/release",
                         follow_redirects=True)
    assert "held until the group" in response.get_data(as_text=True)
    session.rollback()
    assert session.get(Instalment, world["held_id"]).status == InstalmentStatus.SCHEDULED

    # The group writes its report. A mistake keeps what was typed and saves nothing.
    url = f"/grants/reports/{report.id}"
    first, second = world["line_ids"]
    form = {"what_happened": "Weekly dance sessions in the hall.", "learned": "Book the hall early.",
            "volunteers": "6", "volunteer_hours": "lots", "assets_value": "250",
            f"spent_{first}": "600", f"spent_{second}": "380.50", "people_0_2": "90",
            "people_0_3": "30", "asset_assets_places": "The church hall, free on Tuesdays."}
    response = post_form(group, url, form)
    text = response.get_data(as_text=True)
    assert "Volunteer hours must be a whole number" in text and "Weekly dance sessions" in text
    assert _report(session).what_happened == ""
    form["volunteer_hours"] = "140"
    assert post_form(group, url, form).status_code == 302
    saved = _report(session)
    assert (saved.people, saved.volunteers, saved.volunteer_hours, saved.spent_pence,
            saved.assets_value_pence) == (120, 6, 140, 98_050, 25_000)
    assert saved.assets_contribution == {"assets_places": "The church hall, free on Tuesdays."}

    # Sent; the manager asks for a change (a reason is required), the group sends it again.
    post_form(group, f"{url}/submit")
    assert _report(session).state == ReportState.SUBMITTED
    assert "can" in post_form(manager, f"{url}/changes", {"reason": ""},
                              follow_redirects=True).get_data(as_text=True)
    assert _report(session).state == ReportState.SUBMITTED
    post_form(manager, f"{url}/changes", {"reason": "Please say how many children came."})
    assert _report(session).state == ReportState.CHANGES_REQUESTED
    assert any("Please say how many children came." in body
               for _, _, body in outbox("gwen@example.org"))
    form["people_0_0"] = "15"
    post_form(group, url, form)
    post_form(group, f"{url}/submit")
    assert _report(session).state == ReportState.SUBMITTED
    # Only a manager accepts.
    assert post_form(group, f"{url}/accept").status_code == 403

    post_form(manager, f"{url}/accept")
    accepted = _report(session)
    assert accepted.state == ReportState.ACCEPTED
    held = session.get(Instalment, world["held_id"])
    assert held.status == InstalmentStatus.RELEASED
    assert ledger.award_balance(session, world["award_id"]).released_pence == held.amount_pence

    # The confirmation (email and page) gives the group its share of its area's totals.
    assert any("reached 135 of the 135 people taking part in dance in Riverside" in body
               for _, subject, body in outbox("gwen@example.org") if "accepted" in subject)
    page = group.get(url).get_data(as_text=True)
    assert "Report accepted" in page
    work = group.get("/dashboard").get_data(as_text=True)
    assert "your report is due" not in work and "paid so far" in work
    assert "Your dance sessions reached 135 of the 135 people taking part in dance in Riverside" in page
    assert "<svg" in page and "<table" in page
    csv_text = group.get(f"/grants/groups/{world['group_id']}/impact.csv").get_data(as_text=True)
    assert "People taking part,135,135,100%" in csv_text

    assert _states(session, report.id) == [
        "grants.report_scheduled", "grants.report_due", "grants.report_reminded",
        "grants.report_overdue", "grants.report_reminded_again", "grants.report_saved",
        "grants.report_submitted", "grants.report_changes_requested", "grants.report_saved",
        "grants.report_submitted", "grants.report_accepted"]
    assert session.get(Group, world["group_id"]) is not None
    assert session.get(Award, world["award_id"]).amount_pence == 100_000
