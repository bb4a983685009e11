"""Screening, statistics, exports, groups and invitations, and the demo data."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants import operations
from grants.models import Application, Group, GroupInvitation, Round
from tests.grants.factories import complete_answers
from tests.helpers import post_form, sign_in


def _submitted(session, world, title="Community garden"):
    member = session.get(User, world["member"])
    round_ = session.get(Round, world["round_id"])
    application = operations.start_application(session, member, round_,
                                               session.get(Group, world["group_id"]))
    complete_answers(session, application, member.id)
    operations.save_answers(session, member, application, {"_title": title})
    operations.submit_application(session, member, application, declarations_accepted=True)
    return application


def test_screening_ineligible_tells_the_group_why(client, session, outbox, grants_world):
    application = _submitted(session, grants_world)
    round_ = session.get(Round, grants_world["round_id"])
    operations.transition_round(session, "system", round_, "closed", reason="t")
    operations.transition_round(session, "system", round_, "screening", reason="t")
    session.commit()
    application_id, reference = application.id, application.reference
    session.rollback()

    sign_in(client, "manager@example.org")
    missing = post_form(client, f"/grants/applications/{application_id}/screening",
                        {"eligible": "no"})
    assert "Choose the reason" in missing.get_data(as_text=True)
    response = post_form(client, f"/grants/applications/{application_id}/screening",
                         {"eligible": "no", "reason_code": "out_of_area",
                          "reason_text": "The garden is across the river."})
    assert response.status_code == 302
    mails = [m for m in outbox("gwen@example.org") if "not eligible" in m[1]]
    assert mails and reference in mails[0][1]
    assert "outside the area this fund covers" in mails[0][2]
    assert "across the river" in mails[0][2]
    session.expire_all()
    assert session.get(Application, application_id).status.value == "ineligible"


def test_statistics_and_exports_are_formula_safe(client, session, grants_world):
    _submitted(session, grants_world, title="=HYPERLINK(\"http://evil\")")
    session.commit()
    session.rollback()

    stats = client.get(f"/grants/rounds/{grants_world['round_slug']}/statistics")
    page = stats.get_data(as_text=True)
    assert "Applications received</dt><dd>1" in page
    # £1,000 asked of a £10,000 round: under-subscribed, said as a share, not "0.10 times".
    assert "requests add up to 10% of the money available" in page
    assert "Environment" in page and "Riverside" in page

    sign_in(client, "manager@example.org")
    csv_text = client.get(f"/grants/rounds/{grants_world['round_slug']}/export/applications.csv"
                          ).get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text
    assert ",=HYPERLINK" not in csv_text
    xlsx = client.get(f"/grants/rounds/{grants_world['round_slug']}/export/applications.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    titles = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["'=HYPERLINK(\"http://evil\")"]
    budgets = client.get(f"/grants/rounds/{grants_world['round_slug']}/export/budgets.csv")
    assert "Seeds" in budgets.get_data(as_text=True)


def test_invitations_add_members_and_expire(make_client, app, make_user, grants_world):
    make_user("newbie@example.org")
    admin = make_client()
    sign_in(admin, "gwen@example.org")
    response = post_form(admin, f"/grants/groups/{grants_world['group_id']}/invitations",
                         {"email": "newbie@example.org", "role": "member"})
    assert response.status_code == 302
    from commonpot.extensions import db
    from commonpot.mail import OutboxMessage

    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(
            OutboxMessage.to_address == "newbie@example.org"))
    token = body.split("/grants/invitations/")[1].split()[0]

    newbie = make_client()
    sign_in(newbie, "newbie@example.org")
    assert post_form(newbie, f"/grants/invitations/{token}").status_code == 302
    assert newbie.get(f"/grants/groups/{grants_world['group_id']}").status_code == 200

    # An expired invitation is refused.
    post_form(admin, f"/grants/groups/{grants_world['group_id']}/invitations",
              {"email": "late@example.org", "role": "member"})
    make_user("late@example.org")
    with app.app_context():
        invitation = db.session.scalar(select(GroupInvitation).where(
            GroupInvitation.email == "late@example.org"))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        body = db.session.scalar(select(OutboxMessage.body).where(
            OutboxMessage.to_address == "late@example.org"))
        db.session.commit()
    late_token = body.split("/grants/invitations/")[1].split()[0]
    late = make_client()
    sign_in(late, "late@example.org")
    response = post_form(late, f"/grants/invitations/{late_token}", follow_redirects=True)
    assert "has expired" in response.get_data(as_text=True)
    assert late.get(f"/grants/groups/{grants_world['group_id']}").status_code == 403


def test_demo_has_rounds_in_open_scoring_and_decided_and_pages_render(app, client):
    from commonpot.demo import seed_demo
    from commonpot.extensions import db

    with app.app_context():
        assert seed_demo(db.session) is True
        db.session.commit()
        assert seed_demo(db.session) is False
        db.session.commit()
        phases = {r.slug: r.phase.value for r in db.session.scalars(select(Round))}
        count = db.session.scalar(select(db.func.count(Application.id)))
        statuses = {a.status.value for a in db.session.scalars(select(Application))}
    assert phases == {"spring-2027": "open", "winter-2027": "scoring", "autumn-2026": "decided",
                      "summer-2026": "monitoring"}
    assert count == 11
    assert {"draft", "submitted", "eligible", "awarded", "not_awarded"} <= statuses
    assert "Spring 2027 small grants" in client.get("/grants/").get_data(as_text=True)
    for slug in phases:
        assert client.get(f"/grants/rounds/{slug}").status_code == 200
        assert client.get(f"/grants/rounds/{slug}/statistics").status_code == 200
    sign_in(client, "manager@demo.commonpot.org", "demo-password-2026")
    for slug in phases:
        assert client.get(f"/grants/rounds/{slug}/manage").status_code == 200
    assert client.get("/grants/manage").status_code == 200
    post_form(client, "/logout")
    sign_in(client, "group@demo.commonpot.org", "demo-password-2026")
    page = client.get("/grants/groups").get_data(as_text=True)
    assert "Pollinator meadow" in page


def test_a_streamed_download_is_in_the_language_of_the_person_who_asked(client, session, grants_world):
    """The CSV is written after the request's own context has ended (it is streamed): the
    reader's language is decided before, so a Welsh-speaking manager gets Welsh statuses."""
    _submitted(session, grants_world)
    manager = session.scalar(select(User).where(User.email == "manager@example.org"))
    manager.preferred_language = "cy"
    session.commit()

    sign_in(client, "manager@example.org")
    response = client.get(f"/grants/rounds/{grants_world['round_slug']}/export/applications.csv")
    assert response.status_code == 200
    assert "Wedi’i gyflwyno" in response.get_data(as_text=True)
