"""The panel's rough edges, as a chair and a reviewer meet them: settings that stay open
once scoring starts, the meeting table's key column, a release that is offered only when
it can happen and is confirmed first, the applicant's timeline, criteria of weight 0, and
withdrawing a declared conflict."""

from sqlalchemy import select

from commonpot import audit
from commonpot.audit import AuditEvent
from grants.models import Application, Criterion, Round
from grants.panels import operations
from grants.panels.models import ConflictDeclaration, Panel
from grants.states import RoundPhase
from tests.helpers import post_form, sign_in
from tests.htmltree import main_text, parse
from tests.panels import factories as f
from tests.panels.test_scoring_and_decisions import _assign, _decide


def _settings(**changes):
    data = {"scale_min": "0", "scale_max": "5", "disagreement_threshold": "2",
            "share_panel_comments": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_chair_changes_settings_that_do_not_touch_the_scale_after_scoring_starts(
        client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    with db_scope() as s:
        f.score(s, panel_world.harsh, s.get(Application, panel_world.apps[0]), [3, 4])
    sign_in(client, "chair@example.org")
    url = f"/panels/rounds/{panel_world.round_id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "The scale cannot change" in main_text(page)  # said before, not only on refusal
    saved = post_form(client, url, _settings(disagreement_threshold="1.5", blind_review="y",
                                             share_panel_comments=None))
    assert saved.status_code == 302, main_text(saved.get_data(as_text=True))
    with db_scope() as s:
        panel = s.scalar(select(Panel).where(Panel.round_id == panel_world.round_id))
        assert (panel.disagreement_threshold_hundredths, panel.blind_review,
                panel.share_panel_comments) == (150, True, False)
    refused = post_form(client, url, _settings(scale_max="10"))
    assert refused.status_code == 422
    assert "The scale cannot change once reviewers have scored" in refused.get_data(as_text=True)
    with db_scope() as s:
        assert s.scalar(select(Panel.scale_max).where(Panel.round_id == panel_world.round_id)) == 5


def test_a_round_whose_criteria_all_weigh_zero_still_shows_its_scores(client, db_scope, make_user):
    """Rounds set up before weight 0 was refused: the scores exist, so the meeting shows them."""
    with db_scope() as s:
        fund_id = f.create_fund(s).id
    chair = make_user("chair@example.org")
    reviewer = make_user("rev@example.org")
    applicant = make_user("app@example.org")
    with db_scope() as s:
        round_ = f.create_round(s, s.get(f.Fund, fund_id), criteria=(("Need", 0), ("Plan", 0)))
        group = f.create_group(s, members=[applicant])
        application = f.create_application(s, round_, group, creator_id=applicant, title="Garden")
        panel = f.create_panel(s, round_, chair_id=chair, member_ids=[reviewer])
        operations.reassign(s, "system", panel, application, from_user_id=None, to_user_id=reviewer)
        f.score(s, reviewer, application, [4, 2])
        round_id = round_.id
    sign_in(client, "chair@example.org")
    page = client.get(f"/panels/rounds/{round_id}/meeting").get_data(as_text=True)
    row = next(tr for tr in parse(page).find_all("tr") if "Garden" in tr.text())
    assert "Not scored" not in row.text()
    assert "3.00" in row.text()  # counted alike: (4 + 2) / 2


def test_the_meeting_table_keeps_the_application_and_decision_in_view(client, db_scope, panel_world):
    sign_in(client, "chair@example.org")
    page = client.get(f"/panels/rounds/{panel_world.round_id}/meeting").get_data(as_text=True)
    table = parse(page).find("table", class_="meeting-table")
    region = next(a for a in table.ancestors() if a.get("role") == "region")
    assert region.get("aria-label") and region.get("tabindex") == "0"
    headers = [th.text() for th in table.find("thead").find_all("th")]
    assert headers[0] == "Application" and headers[1] == "Decision"
    rows = [tr for tr in table.find("tbody").find_all("tr") if tr.find("th", scope="row")]
    assert len(rows) == 4
    for tr in rows:
        first = next(c for c in tr.children if not isinstance(c, str))
        assert first.tag == "th" and "meeting-table__key" in first.classes
        second = [c for c in tr.children if not isinstance(c, str)][1]
        assert second.find("a") is not None and "Decide" in second.text()


def test_release_is_offered_only_when_it_can_happen_and_confirmed_first(
        make_client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    chair = make_client()
    sign_in(chair, "chair@example.org")
    meeting = f"/panels/rounds/{panel_world.round_id}/meeting"
    release = f"/panels/rounds/{panel_world.round_id}/release"

    during_scoring = chair.get(meeting).get_data(as_text=True)
    assert parse(during_scoring).find("a", href=release) is None
    assert parse(during_scoring).find("form", action=release) is None
    text = main_text(during_scoring)
    assert "A fund manager" in text and "Deciding" in text  # who can act, in words
    refused = post_form(chair, release, follow_redirects=True)
    assert "A fund manager" in main_text(refused.get_data(as_text=True))

    a, b, c, d = panel_world.apps
    _decide(chair, a, outcome="award", amount="1000")
    _decide(chair, b, outcome="award", amount="800", reason="Less van hire")
    for other in (c, d):
        _decide(chair, other, outcome="decline", feedback="Not this time")
    with db_scope() as s:
        s.get(Round, panel_world.round_id).phase = RoundPhase.DECIDING
    ready = chair.get(meeting).get_data(as_text=True)
    assert parse(ready).find("a", href=release) is not None
    confirm = chair.get(release)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    text = main_text(page)
    assert "Are you sure you want to release" in text
    assert "2 awards totalling £1,800" in text and "2 applications not funded" in text
    assert parse(page).find("form", action=release) is not None
    assert parse(page).find("a", href=meeting) is not None
    with db_scope() as s:
        assert s.get(Round, panel_world.round_id).phase == RoundPhase.DECIDING

    assert post_form(chair, release).status_code == 302
    after = chair.get(meeting).get_data(as_text=True)
    assert parse(after).find("a", href=release) is None
    assert "released" in main_text(after)

    # The applicant's timeline reaches the outcome its status shows.
    applicant = make_client()
    sign_in(applicant, "applicant@example.org")
    for app_id, outcome in ((a, "Awarded"), (c, "Not funded")):
        shown = applicant.get(f"/grants/applications/{app_id}").get_data(as_text=True)
        timeline = parse(shown).find("ol", class_="timeline")
        assert outcome in timeline.text(), timeline.text()


def test_a_reviewer_withdraws_a_mistaken_conflict_with_a_reason_before_scores_are_seen(
        make_client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    app_id, scored_id = panel_world.apps[0], panel_world.apps[1]
    reviewer = make_client()
    sign_in(reviewer, "harsh@example.org")
    for target in (app_id, scored_id):
        post_form(reviewer, f"/panels/applications/{target}/declaration",
                  {"has_conflict": "yes", "reason": "other", "details": "Same surname"})
    assert reviewer.get(f"/panels/applications/{app_id}").status_code == 403

    url = f"/panels/applications/{app_id}/declaration/withdraw"
    form = reviewer.get(url)
    assert form.status_code == 200
    assert "Withdraw your conflict of interest" in main_text(form.get_data(as_text=True))
    missing = post_form(reviewer, url, {"reason": ""})
    assert missing.status_code == 422
    assert post_form(reviewer, url, {"reason": "No relation: a different family"}).status_code == 302
    assert reviewer.get(f"/panels/applications/{app_id}").status_code == 200
    with db_scope() as s:
        declaration = s.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == app_id,
            ConflictDeclaration.reviewer_id == panel_world.harsh))
        assert not declaration.has_conflict and declaration.withdrawn_at is not None
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "panels.conflict_withdrawn"))
        assert event.data["reason"] == "No relation: a different family"
        assert event.public_data == {"reviewer_id": audit.pseudonym(s, panel_world.harsh)}
        # Another reviewer's scores on the second application are in: the conflict stands.
        f.score(s, panel_world.generous, s.get(Application, scored_id), [3, 3])
    late = post_form(reviewer, f"/panels/applications/{scored_id}/declaration/withdraw",
                     {"reason": "Changed my mind"})
    assert late.status_code == 422
    assert "scores" in main_text(late.get_data(as_text=True))
    assert reviewer.get(f"/panels/applications/{scored_id}").status_code == 403


def test_criteria_cannot_change_once_reviewers_have_scored(client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    with db_scope() as s:
        f.score(s, panel_world.harsh, s.get(Application, panel_world.apps[0]), [3, 4])
        s.get(Round, panel_world.round_id).phase = RoundPhase.SCORING
        criterion_id = s.get(Round, panel_world.round_id).criteria[0].id
    sign_in(client, "manager@example.org")
    refused = post_form(client, f"/grants/criteria/{criterion_id}/edit",
                        {"name": "Need", "weight": "1"})
    assert refused.status_code == 409
    assert "once reviewers have scored" in main_text(refused.get_data(as_text=True))
    with db_scope() as s:
        assert s.get(Criterion, criterion_id).weight == 3
