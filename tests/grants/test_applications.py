"""Applying: drafts that keep every typed value, budgets, submission, withdrawal, timeline."""

import re

from sqlalchemy import select

from commonpot.audit import AuditEvent
from grants.models import Application, BudgetLine
from tests.helpers import post_form, sign_in


def _start(client, world) -> int:
    response = post_form(client, f"/grants/rounds/{world['round_slug']}/apply",
                         {"group_id": world["group_id"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/grants/applications/(\d+)/steps/project", response.headers["Location"])
    assert match
    return int(match.group(1))


def _fill_everything(client, application_id, requested="1000"):
    base = f"/grants/applications/{application_id}/steps"
    assert post_form(client, f"{base}/project", {"_title": "Community garden",
                                                 "_postcode": "rt1 4ab",
                                                 "_theme": "Environment"}).status_code == 302
    assert post_form(client, f"{base}/questions-1", {"what": "Plant a garden together",
                                                     "people": "30"}).status_code == 302
    assert post_form(client, f"{base}/questions-2", {"often": "Weekly"}).status_code == 302
    assert post_form(client, f"{base}/budget", {
        "line-1-description": "Seeds", "line-1-category": "equipment", "line-1-amount": "400",
        "line-2-description": "Tools", "line-2-category": "equipment", "line-2-amount": "600.00",
        "requested": requested}).status_code == 302


def test_draft_keeps_invalid_answers_through_sign_out(client, session, grants_world):
    sign_in(client, "gwen@example.org")
    application_id = _start(client, grants_world)
    base = f"/grants/applications/{application_id}/steps"
    too_long = " ".join(["word"] * 25)
    response = post_form(client, f"{base}/questions-1", {"what": too_long, "people": "twelve-ish"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "use 20 words or fewer (you have 25)" in page
    assert "enter a number" in page
    response = post_form(client, f"{base}/project", {"_title": "Garden <b>club</b>",
                                                     "_postcode": "NOT A POSTCODE",
                                                     "_theme": ""})
    assert response.status_code == 200
    assert "Enter the full postcode" in response.get_data(as_text=True)
    post_form(client, f"{base}/budget", {"line-1-description": "Seeds", "line-1-category": "",
                                         "line-1-amount": "four hundred", "requested": "£1,2x"})

    post_form(client, "/logout")
    assert client.get(f"{base}/project").status_code == 302  # sent to sign in
    sign_in(client, "gwen@example.org")

    project = client.get(f"{base}/project").get_data(as_text=True)
    assert 'value="NOT A POSTCODE"' in project
    assert "Garden &lt;b&gt;club&lt;/b&gt;" in project
    questions = client.get(f"{base}/questions-1").get_data(as_text=True)
    assert too_long in questions
    assert 'value="twelve-ish"' in questions
    budget = client.get(f"{base}/budget").get_data(as_text=True)
    assert 'value="four hundred"' in budget and 'value="£1,2x"' in budget
    session.expire_all()
    application = session.get(Application, application_id)
    assert application.answers["people"] == "twelve-ish"
    assert application.status.value == "draft"


def test_budget_must_sum_to_request_within_limits(client, session, grants_world):
    sign_in(client, "gwen@example.org")
    application_id = _start(client, grants_world)
    _fill_everything(client, application_id)
    base = f"/grants/applications/{application_id}/steps/budget"

    mismatch = post_form(client, base, {
        "line-1-description": "Seeds", "line-1-category": "equipment", "line-1-amount": "400",
        "requested": "900"})
    assert mismatch.status_code == 200
    assert "add up to £400 but you are asking for £900" in mismatch.get_data(as_text=True)

    too_much = post_form(client, base, {
        "line-1-description": "Hall", "line-1-category": "venue", "line-1-amount": "5000",
        "requested": "5000"})
    page = too_much.get_data(as_text=True)
    assert 'id="requested-error"' in page and "between £100 and £2,000" in page

    refused = post_form(client, f"/grants/applications/{application_id}/submit",
                        {"declarations": "y"})
    assert refused.status_code == 422
    assert "between £100 and £2,000" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Application, application_id).status.value == "draft"


def test_submit_gives_reference_email_audit_and_read_only(client, session, outbox, grants_world):
    sign_in(client, "gwen@example.org")
    application_id = _start(client, grants_world)
    _fill_everything(client, application_id)

    no_declaration = post_form(client, f"/grants/applications/{application_id}/submit", {})
    assert no_declaration.status_code == 422
    assert "Confirm the declarations" in no_declaration.get_data(as_text=True)

    response = post_form(client, f"/grants/applications/{application_id}/submit",
                         {"declarations": "y"})
    assert response.status_code == 302
    session.expire_all()
    application = session.get(Application, application_id)
    assert application.status.value == "submitted"
    assert re.fullmatch(r"CP-20\d\d-\d{6}", application.reference)
    assert application.reference.endswith(f"{application_id:06d}")
    assert application.requested_amount_pence == 100_000
    assert application.project_postcode == "RT1 4AB" and application.area.name == "Riverside"
    lines = session.scalars(select(BudgetLine).where(BudgetLine.application_id == application_id)
                            .order_by(BudgetLine.position)).all()
    assert [(line.description, line.amount_pence) for line in lines] == [("Seeds", 40_000),
                                                                         ("Tools", 60_000)]
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "grants.application_submitted"))
    assert event.data["reference"] == application.reference
    reference = application.reference
    session.rollback()  # every SQLite transaction takes the write lock; let the app write
    mails = outbox("gwen@example.org")
    assert any(reference in subject for _, subject, _ in mails)

    # Read-only to the group now.
    assert client.get(f"/grants/applications/{application_id}/steps/project").status_code == 403
    assert post_form(client, f"/grants/applications/{application_id}/steps/project",
                     {"_title": "changed"}).status_code == 403
    page = client.get(f"/grants/applications/{application_id}").get_data(as_text=True)
    assert "Submitted as " + reference in page  # the timeline

    # Withdraw, audited.
    response = post_form(client, f"/grants/applications/{application_id}/withdraw",
                         {"reason": "We found other funding"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Application, application_id).status.value == "withdrawn"
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "grants.application_withdrawn"))
    assert event.data["reason"] == "We found other funding"
    session.rollback()
    assert "Withdrawn by the group" in client.get(
        f"/grants/applications/{application_id}").get_data(as_text=True)


def test_withdrawal_refused_once_decisions_start(client, session, grants_world):
    from grants import operations
    from grants.models import Round

    sign_in(client, "gwen@example.org")
    application_id = _start(client, grants_world)
    _fill_everything(client, application_id)
    post_form(client, f"/grants/applications/{application_id}/submit", {"declarations": "y"})
    session.expire_all()
    round_ = session.get(Round, grants_world["round_id"])
    operations.transition_round(session, "system", round_, "closed", reason="t")
    operations.transition_round(session, "system", round_, "screening", reason="t")
    operations.screen_application(session, _user(session, grants_world["manager"]),
                                  session.get(Application, application_id), eligible=True,
                                  reason_code=None, reason_text="")
    for phase in ("scoring", "deciding"):
        operations.transition_round(session, "system", round_, phase, reason="t")
    session.commit()
    response = post_form(client, f"/grants/applications/{application_id}/withdraw", {})
    assert response.status_code == 409
    assert "can no longer be withdrawn" in response.get_data(as_text=True)


def _user(session, user_id):
    from commonpot.accounts.models import User

    return session.get(User, user_id)


def test_another_group_cannot_see_or_edit_a_draft(make_client, grants_world):
    # No `session` fixture here: its app context would share flask_login's user between browsers.
    owner = make_client()
    sign_in(owner, "gwen@example.org")
    application_id = _start(owner, grants_world)
    stranger = make_client()
    sign_in(stranger, "olu@example.org")
    assert stranger.get(f"/grants/applications/{application_id}").status_code == 403
    assert post_form(stranger, f"/grants/applications/{application_id}/steps/project",
                     {"_title": "hijack"}).status_code == 403
