"""Setting up a panel: settings, members, assignment, reassignment, the public page, the
shortlist for a resident vote, and blind review."""

from sqlalchemy import select

from grants.models import Application, Round
from grants.panels import operations
from grants.panels.models import Panel, PanelMember, ReviewAssignment
from tests.helpers import post_form, sign_in
from tests.panels import factories as f


def _active_pairs(s):
    return set(s.execute(select(ReviewAssignment.reviewer_id, ReviewAssignment.application_id)
                         .where(ReviewAssignment.removed_at.is_(None))).tuples())


def test_settings_members_and_k_assignment_through_the_pages(make_client, db_scope, panel_world, make_user):
    third = make_user("third@example.org", name="Tara Third")
    manager = make_client()
    sign_in(manager, "manager@example.org")
    round_url = f"/panels/rounds/{panel_world.round_id}"
    response = post_form(manager, f"{round_url}/settings", {
        "scale_min": "0", "scale_max": "10", "reviewers_per_application": "2",
        "disagreement_threshold": "2.5", "calibrate_scores": "y", "show_member_names": "y"})
    assert response.status_code == 302
    assert post_form(manager, f"{round_url}/members", {"email": "third@example.org", "role": "member",
                                                       "is_resident": "y"}).status_code == 302
    assert post_form(manager, f"{round_url}/assignments").status_code == 302
    with db_scope() as s:
        panel = s.scalar(select(Panel).where(Panel.round_id == panel_world.round_id))
        assert (panel.scale_max, panel.reviewers_per_application, panel.disagreement_threshold_hundredths,
                panel.calibrate_scores) == (10, 2, 250, True)
        pairs = _active_pairs(s)
    # 4 applications x 2 reviewers over 4 members: two reviews each
    assert len(pairs) == 8
    loads = {m: sum(1 for r, _ in pairs if r == m)
             for m in (panel_world.chair, panel_world.harsh, panel_world.generous, third)}
    assert set(loads.values()) == {2}
    # the chair moves one of Tara's reviews to someone who does not have it yet
    app_id = next(a for r, a in sorted(pairs) if r == third)
    target = next(m for m in (panel_world.chair, panel_world.harsh, panel_world.generous)
                  if (m, app_id) not in pairs)
    chair = make_client()
    sign_in(chair, "chair@example.org")
    response = post_form(chair, f"{round_url}/reassign",
                         {"application_id": app_id, "from_user_id": third, "to_user_id": target})
    assert response.status_code == 302
    with db_scope() as s:
        after = _active_pairs(s)
    assert (third, app_id) not in after and (target, app_id) in after
    # the public page shows names (as set) and the resident flag, and the weighted criteria
    public = make_client().get(round_url).get_data(as_text=True)
    assert "Chris Chair, Chair" in public and "Tara Third, Panel member (resident)" in public
    assert "Need" in public and "<td>3</td>" in public


def test_public_page_shows_only_roles_unless_names_are_set(client, panel_world):
    page = client.get(f"/panels/rounds/{panel_world.round_id}").get_data(as_text=True)
    assert "Chris Chair" not in page
    assert "Chair" in page and "Panel member (resident)" in page
    assert "including 1 local resident" in page


def test_a_draft_round_has_no_public_panel(client, db_scope, panel_world):
    with db_scope() as s:
        s.get(Round, panel_world.round_id).phase = "draft"
    assert client.get(f"/panels/rounds/{panel_world.round_id}").status_code == 404


def test_reassigning_to_a_conflicted_member_is_refused(client, db_scope, panel_world):
    with db_scope() as s:
        app = s.get(Application, panel_world.apps[0])
        operations.declare_conflict(s, f.user(s, panel_world.harsh), app, has_conflict=True,
                                    reason="employer")
    sign_in(client, "chair@example.org")
    post_form(client, f"/panels/rounds/{panel_world.round_id}/reassign",
              {"application_id": panel_world.apps[0], "from_user_id": 0, "to_user_id": panel_world.harsh})
    with db_scope() as s:
        assert (panel_world.harsh, panel_world.apps[0]) not in _active_pairs(s)


def test_shortlist_for_the_resident_vote_as_plain_values(client, db_scope, panel_world):
    with db_scope() as s:
        s.get(Round, panel_world.round_id).uses_voting = True
    sign_in(client, "chair@example.org")
    a, b = panel_world.apps[:2]
    response = client.post(f"/panels/rounds/{panel_world.round_id}/shortlist",
                           data={"application_ids": [a, b], "csrf_token": _token(client)})
    assert response.status_code == 302
    with db_scope() as s:
        shortlist = operations.shortlist_for_vote(s, panel_world.round_id)
        app_a = s.get(Application, a)
        assert shortlist[0] == {"title": "Project A", "summary": app_a.answers["summary"],
                                "cost_pence": 100_000, "group_id": panel_world.group_id,
                                "source_application_id": a}
        assert [item["source_application_id"] for item in shortlist] == [a, b]


def _token(client):
    from tests.helpers import csrf_token
    return csrf_token(client)


def test_blind_review_hides_the_group_and_identifying_answers(client, db_scope, panel_world):
    with db_scope() as s:
        panel = operations.panel_for_round(s, panel_world.round_id)
        panel.blind_review = True
        panel.identifying_question_keys = ["who_we_are"]
        operations.assign_reviewers(s, "system", panel)
    sign_in(client, "harsh@example.org")
    app_id = panel_world.apps[0]
    post_form(client, f"/panels/applications/{app_id}/declaration", {"has_conflict": "no"})
    page = client.get(f"/panels/applications/{app_id}").get_data(as_text=True)
    assert "Riverside Gardeners" not in page
    assert "Hidden for blind review" in page
    assert "Summary of project" in page
    pack = client.get(f"/panels/rounds/{panel_world.round_id}/pack").get_data(as_text=True)
    assert "Riverside Gardeners" not in pack and "Summary of project" in pack


def test_only_one_chair(db_scope, panel_world):
    with db_scope() as s:
        panel = operations.panel_for_round(s, panel_world.round_id)
        operations.add_member(s, "system", panel, f.user(s, panel_world.harsh), role="chair")
    with db_scope() as s:
        chairs = s.scalars(select(PanelMember.user_id).where(PanelMember.role == "chair")).all()
        assert chairs == [panel_world.harsh]


def test_composition_include_renders_for_the_round_page(app, db_scope, panel_world):
    from flask import render_template_string

    with db_scope() as s, app.test_request_context():
        round_ = s.get(Round, panel_world.round_id)
        html = render_template_string(
            '{% with composition = panel_composition(round.id) %}'
            '{% include "panels/_composition.html" %}{% endwith %}', round=round_)
    assert "A panel of 3, including 1 local resident" in html
    assert "Plan" in html and "Need" in html
