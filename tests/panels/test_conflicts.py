"""Conflicts of interest: declared before reading, enforced on every route, audited."""

from datetime import UTC, datetime

from sqlalchemy import select, update

from commonpot.audit import AuditEvent
from grants.models import Application, Attachment, GroupMembership
from grants.panels import operations
from grants.panels.models import ConflictDeclaration, Review, ReviewAssignment
from tests.helpers import post_form, sign_in
from tests.panels import factories as f


def _assign_all(db_scope, world):
    with db_scope() as s:
        operations.assign_reviewers(s, "system", operations.panel_for_round(s, world.round_id))


def _attachment(db_scope, app_id, tmp_path, uploader_id):
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    (folder / "abc123.pdf").write_bytes(b"%PDF-1.4 budget")
    with db_scope() as s:
        attachment = Attachment(application_id=app_id, original_name="budget.pdf", stored_name="abc123.pdf",
                                content_type="application/pdf", size_bytes=15, sha256="0" * 64,
                                uploaded_by_id=uploader_id)
        s.add(attachment)
        s.flush()
        return attachment.id


def test_reviewer_must_declare_before_seeing_the_application(client, db_scope, panel_world):
    _assign_all(db_scope, panel_world)
    sign_in(client, "harsh@example.org")
    app_id = panel_world.apps[0]
    response = client.get(f"/panels/applications/{app_id}")
    assert response.status_code == 302
    assert f"/panels/applications/{app_id}/declaration" in response.headers["Location"]
    assert client.get(f"/panels/applications/{app_id}/score").status_code == 302

    response = post_form(client, f"/panels/applications/{app_id}/declaration", {"has_conflict": "no"})
    assert response.status_code == 302
    page = client.get(f"/panels/applications/{app_id}")
    assert page.status_code == 200
    assert "Riverside Gardeners" in page.get_data(as_text=True)


def test_declared_conflict_gives_403_on_every_route(client, db_scope, panel_world, tmp_path):
    _assign_all(db_scope, panel_world)
    app_id = panel_world.apps[0]
    attachment_id = _attachment(db_scope, app_id, tmp_path, panel_world.applicant)
    sign_in(client, "harsh@example.org")
    response = post_form(client, f"/panels/applications/{app_id}/declaration",
                         {"has_conflict": "yes", "reason": "family", "details": "My sister runs it"})
    assert response.status_code == 302

    assert client.get(f"/panels/applications/{app_id}").status_code == 403
    assert client.get(f"/panels/applications/{app_id}/attachments/{attachment_id}").status_code == 403
    assert client.get(f"/panels/applications/{app_id}/score").status_code == 403
    # the grants module's own application page and attachment download refuse too
    assert client.get(f"/grants/applications/{app_id}").status_code == 403
    assert client.get(f"/grants/attachments/{attachment_id}").status_code in (403, 404)
    assert post_form(client, f"/panels/applications/{app_id}/score",
                     {"score_1": "5", "submit_scores": "1"}).status_code == 403
    # a declared conflict cannot be taken back by the reviewer
    assert post_form(client, f"/panels/applications/{app_id}/declaration",
                     {"has_conflict": "no"}).status_code == 422
    with db_scope() as s:
        assert s.scalar(select(Review).where(Review.application_id == app_id)) is None
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "panels.conflict_declared")).all()
        assert [(e.subject_id, e.data["has_conflict"], e.data["reason"]) for e in events] == [
            (str(app_id), True, "family")]
    # the others are still open to them once declared
    other = panel_world.apps[1]
    post_form(client, f"/panels/applications/{other}/declaration", {"has_conflict": "no"})
    assert client.get(f"/panels/applications/{other}").status_code == 200
    # the printable pack leaves the conflicted application out
    pack = client.get(f"/panels/rounds/{panel_world.round_id}/pack").get_data(as_text=True)
    assert "Project A" not in pack and "Project B" in pack


def test_attachment_is_served_to_a_declared_reviewer(client, db_scope, panel_world, tmp_path):
    _assign_all(db_scope, panel_world)
    app_id = panel_world.apps[0]
    attachment_id = _attachment(db_scope, app_id, tmp_path, panel_world.applicant)
    sign_in(client, "generous@example.org")
    url = f"/panels/applications/{app_id}/attachments/{attachment_id}"
    assert client.get(url).status_code == 403  # not declared yet
    post_form(client, f"/panels/applications/{app_id}/declaration", {"has_conflict": "no"})
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 budget"
    assert client.get(f"/grants/attachments/{attachment_id}").status_code == 200


def test_group_membership_is_a_conflict_without_any_declaration(make_client, db_scope, panel_world):
    _assign_all(db_scope, panel_world)
    app_id = panel_world.apps[0]
    # Harsh joins the applying group after being assigned: no declaration is needed.
    with db_scope() as s:
        s.add(GroupMembership(group_id=panel_world.group_id, user_id=panel_world.harsh, role="member"))
    reviewer = make_client()
    sign_in(reviewer, "harsh@example.org")
    assert reviewer.get(f"/panels/applications/{app_id}").status_code == 403
    assert reviewer.get(f"/panels/applications/{app_id}/score").status_code == 403
    # a fresh assignment run never gives them the group's applications
    with db_scope() as s:
        s.execute(update(ReviewAssignment).values(removed_at=datetime.now(UTC)))
        operations.assign_reviewers(s, "system", operations.panel_for_round(s, panel_world.round_id))
    with db_scope() as s:
        assigned = set(s.execute(select(ReviewAssignment.reviewer_id, ReviewAssignment.application_id)
                                 .where(ReviewAssignment.removed_at.is_(None))).tuples())
    assert assigned
    assert not {(panel_world.harsh, a) for a in panel_world.apps} & assigned
    # the chair's register shows it as automatic
    chair = make_client()
    sign_in(chair, "chair@example.org")
    register = chair.get(f"/panels/rounds/{panel_world.round_id}/conflicts").get_data(as_text=True)
    assert "Hari Harsh" in register and "Riverside Gardeners" in register


def test_conflicted_chair_gets_403_on_the_export_row_and_the_decision(client, db_scope, panel_world):
    _assign_all(db_scope, panel_world)
    app_a, app_b = panel_world.apps[:2]
    with db_scope() as s:
        for app in (app_a, app_b):
            f.score(s, panel_world.generous, s.get(Application, app), [4, 3], note="=HYPERLINK(1)")
        operations.declare_conflict(s, f.user(s, panel_world.chair), s.get(Application, app_a),
                                    has_conflict=True, reason="employer")
        reference_a = s.get(Application, app_a).reference
        reference_b = s.get(Application, app_b).reference
    sign_in(client, "chair@example.org")
    base = f"/panels/rounds/{panel_world.round_id}/scores.csv"
    assert client.get(f"{base}?application_id={app_a}").status_code == 403
    whole = client.get(base)
    assert whole.status_code == 200
    text = whole.get_data(as_text=True)
    assert reference_a not in text and reference_b in text
    assert "'=HYPERLINK(1)" in text  # formula injection defused
    assert client.get(f"{base}?application_id={app_b}").status_code == 200
    assert client.get(f"/panels/applications/{app_a}/decision").status_code == 403
    meeting = client.get(f"/panels/rounds/{panel_world.round_id}/meeting").get_data(as_text=True)
    assert "You have a conflict of interest: scores hidden." in meeting


def test_declaration_needs_a_reason(client, db_scope, panel_world):
    _assign_all(db_scope, panel_world)
    sign_in(client, "harsh@example.org")
    response = post_form(client, f"/panels/applications/{panel_world.apps[0]}/declaration",
                         {"has_conflict": "yes"})
    assert response.status_code == 422
    assert "Say why you have a conflict of interest." in response.get_data(as_text=True)
    with db_scope() as s:
        assert s.scalar(select(ConflictDeclaration)) is None
