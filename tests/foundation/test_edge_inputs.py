"""The inputs from the issue that used to give 500s, each now answered plainly."""

import pytest
from sqlalchemy import select

from commonpot.mail import OutboxMessage, fit_subject
from tests.helpers import post_form


def test_a_nul_byte_in_a_sign_in_email_is_refused_plainly(client):
    response = post_form(client, "/login", {"email": "sam\x00@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_an_overlong_email_at_sign_in_is_just_a_failed_sign_in(client):
    response = post_form(client, "/login", {"email": "a" * 300 + "@example.org", "password": "x" * 12})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/vote/99999999999999999999", "/grants/rounds/%00",
                                  "/grants/applications/9223372036854775808"])
def test_out_of_range_or_unstorable_route_values_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=1e9", "after=99999999999999999999999",
                                   "after=-5"])
def test_audit_events_clamp_their_paging(client, query):
    response = client.get("/audit/events.json?" + query)
    assert response.status_code == 200
    assert response.json["events"] == []


def test_a_subject_composed_from_a_long_name_fits_its_column(app, make_user, session):
    subject = fit_subject("You are invited to join " + "G" * 200 + " on Commonpot")
    assert len(subject) == 200 and subject.endswith("…")
    assert fit_subject("Line\r\nBcc: someone@example.org") == "Line Bcc: someone@example.org"


def test_inviting_to_a_group_with_a_200_character_name_sends_the_invitation(app, make_user, session):
    from grants.models import Group, GroupMembership
    from tests.helpers import sign_in

    admin = make_user("admin@example.org")
    group = Group(name="G" * 200, slug="long-name")
    session.add(group)
    session.flush()
    session.add(GroupMembership(group_id=group.id, user_id=admin, role="group_admin"))
    session.commit()
    browser = app.test_client()
    sign_in(browser, "admin@example.org")
    response = post_form(browser, f"/grants/groups/{group.id}/invitations",
                         {"email": "new@example.org", "role": "member"})
    assert response.status_code == 302
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "new@example.org"))
    assert len(message.subject) <= 200
