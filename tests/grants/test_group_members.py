"""A group's admins remove members (after a confirmation page); the last admin stays."""

from sqlalchemy import select

from commonpot.audit import AuditEvent
from grants.models import GroupMembership
from tests.helpers import post_form, sign_in
from tests.htmltree import main_text, parse


def _membership(session, group_id, user_id):
    return session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == group_id, GroupMembership.user_id == user_id))


def test_a_group_admin_removes_a_member_after_confirming(make_client, session, make_user, grants_world):
    group_id = grants_world["group_id"]
    helper = make_user("helper@example.org", groups=[(group_id, "member")])
    session.rollback()
    membership_id = _membership(session, group_id, helper).id
    url = f"/grants/groups/{group_id}/members/{membership_id}/remove"

    as_member = make_client()
    sign_in(as_member, "helper@example.org")
    assert as_member.get(url).status_code == 403
    assert post_form(as_member, url).status_code == 403

    admin = make_client()
    sign_in(admin, "gwen@example.org")
    page = admin.get(f"/grants/groups/{group_id}").get_data(as_text=True)
    assert parse(page).find("a", href=url) is not None
    confirm = admin.get(url)
    assert confirm.status_code == 200
    assert "Are you sure you want to remove Helper" in main_text(confirm.get_data(as_text=True))
    assert post_form(admin, url).status_code == 302
    session.rollback()
    assert _membership(session, group_id, helper) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "grants.group_member_removed"))
    assert as_member.get(f"/grants/groups/{group_id}").status_code == 403


def test_the_last_group_admin_cannot_be_removed(client, session, grants_world):
    group_id = grants_world["group_id"]
    own = _membership(session, group_id, grants_world["member"]).id
    session.rollback()
    sign_in(client, "gwen@example.org")
    refused = post_form(client, f"/grants/groups/{group_id}/members/{own}/remove")
    assert refused.status_code == 409
    assert "only group admin" in main_text(refused.get_data(as_text=True))
    session.rollback()
    assert _membership(session, group_id, grants_world["member"]) is not None
