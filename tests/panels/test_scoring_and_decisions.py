"""Scoring, locking, the meeting's figures, decisions within budget, and release."""

from sqlalchemy import select

from commonpot import audit
from commonpot.audit import AuditEvent
from grants.models import Application, Award, Round
from grants.panels import operations
from grants.panels.models import Review
from grants.states import ApplicationStatus, RoundPhase
from tests.helpers import post_form, sign_in
from tests.panels import factories as f


def _assign(db_scope, world, **settings):
    with db_scope() as s:
        panel = operations.panel_for_round(s, world.round_id)
        for name, value in settings.items():
            setattr(panel, name, value)
        operations.assign_reviewers(s, "system", panel)
        return {c.name: c.id for c in s.get(Round, world.round_id).criteria}


def _score_form(criteria, need, plan, **extra):
    data = {f"score_{criteria['Need']}": str(need), f"score_{criteria['Plan']}": str(plan),
            "recommendation": "fund", "note_to_applicant": "Clear plan."}
    data.update(extra)
    return data


def test_scores_save_as_drafts_then_submitting_locks_them(client, db_scope, panel_world):
    criteria = _assign(db_scope, panel_world)
    app_id = panel_world.apps[0]
    sign_in(client, "harsh@example.org")
    post_form(client, f"/panels/applications/{app_id}/declaration", {"has_conflict": "no"})
    url = f"/panels/applications/{app_id}/score"
    assert post_form(client, url, {f"score_{criteria['Need']}": "2"}).status_code == 302  # a draft
    # submitting an incomplete sheet is refused
    response = post_form(client, url, {f"score_{criteria['Need']}": "2", "submit_scores": "1"})
    assert response.status_code == 422
    assert "Score every criterion before you submit: Plan." in response.get_data(as_text=True)
    assert post_form(client, url, _score_form(criteria, 2, 3, submit_scores="1")).status_code == 302
    # locked: the reviewer cannot change them
    response = post_form(client, url, _score_form(criteria, 5, 5))
    assert response.status_code == 409
    assert "locked" in response.get_data(as_text=True)
    with db_scope() as s:
        review = s.scalar(select(Review).where(Review.application_id == app_id))
        assert review.status == "submitted"
        assert sorted(sc.value for sc in review.scores) == [2, 3]
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "panels.review_submitted"))


def test_out_of_scale_score_is_refused(client, db_scope, panel_world):
    criteria = _assign(db_scope, panel_world)
    app_id = panel_world.apps[0]
    sign_in(client, "harsh@example.org")
    post_form(client, f"/panels/applications/{app_id}/declaration", {"has_conflict": "no"})
    response = post_form(client, f"/panels/applications/{app_id}/score", _score_form(criteria, 9, 1))
    assert response.status_code == 422


def test_chair_reopens_with_a_reason_and_it_is_audited(make_client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    app_id = panel_world.apps[0]
    with db_scope() as s:
        review_id = f.score(s, panel_world.harsh, s.get(Application, app_id), [2, 3]).id
    reviewer = make_client()
    sign_in(reviewer, "harsh@example.org")
    # a reviewer cannot reopen their own scores
    assert post_form(reviewer, f"/panels/reviews/{review_id}/reopen", {"reason": "oops"}).status_code == 403
    chair = make_client()
    sign_in(chair, "chair@example.org")
    # a reason is required
    post_form(chair, f"/panels/reviews/{review_id}/reopen", {"reason": ""})
    with db_scope() as s:
        assert s.get(Review, review_id).status == "submitted"
    assert post_form(chair, f"/panels/reviews/{review_id}/reopen",
                     {"reason": "Scored against the wrong budget"}).status_code == 302
    with db_scope() as s:
        assert s.get(Review, review_id).status == "draft"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "panels.review_reopened"))
        # People appear in the log as pseudonyms; the reason stays out of the public payload.
        assert event.actor == audit.pseudonym(s, panel_world.chair)
        assert event.data == {"reviewer_id": audit.pseudonym(s, panel_world.harsh),
                              "reason": "Scored against the wrong budget"}
        assert event.public_data == {"reviewer_id": audit.pseudonym(s, panel_world.harsh)}
        criteria = {c.name: c.id for c in s.get(Round, panel_world.round_id).criteria}
    page = reviewer.get(f"/panels/applications/{app_id}/score").get_data(as_text=True)
    assert "Scored against the wrong budget" in page
    assert post_form(reviewer, f"/panels/applications/{app_id}/score",
                     _score_form(criteria, 4, 4, submit_scores="1")).status_code == 302
    with db_scope() as s:
        assert sorted(sc.value for sc in s.get(Review, review_id).scores) == [4, 4]


def test_meeting_shows_calibrated_ranks_flags_and_the_budget_line(client, db_scope, panel_world):
    """The harsh/generous example of test_aggregation, through the meeting page: with
    k = 1 the harsh reviewer scores A=3, B=1 and the generous one C=4, D=5 (both criteria
    alike, so the weighted total equals the score)."""
    with db_scope() as s:
        panel = operations.panel_for_round(s, panel_world.round_id)
        panel.calibrate_scores = True
        a, b, c, d = (s.get(Application, i) for i in panel_world.apps)
        for reviewer, app in ((panel_world.harsh, a), (panel_world.harsh, b),
                              (panel_world.generous, c), (panel_world.generous, d)):
            operations.reassign(s, "system", panel, app, from_user_id=None, to_user_id=reviewer)
        f.score(s, panel_world.harsh, a, [3, 3])
        f.score(s, panel_world.harsh, b, [1, 1])
        f.score(s, panel_world.generous, c, [4, 4])
        f.score(s, panel_world.generous, d, [5, 5])
    sign_in(client, "chair@example.org")
    page = client.get(f"/panels/rounds/{panel_world.round_id}/meeting").get_data(as_text=True)
    # calibrated: A and D 13/4 + sqrt(10)/4 = 4.04, B and C 2.46
    assert page.count("4.04") == 2 and page.count("2.46") == 2
    order = [page.index(f"Project {x}") for x in "ADBC"]
    assert order == sorted(order)  # A (the harsh reviewer's best) ranks above C
    # £1,000 each against £2,500: the money runs out at the third application
    assert page.index("The money runs out here") > page.index("Project D")
    assert page.index("The money runs out here") < page.index("Project B")


def test_disagreement_flag_on_the_meeting_page(client, db_scope, panel_world):
    _assign(db_scope, panel_world, disagreement_threshold_hundredths=200)
    with db_scope() as s:
        a, b = (s.get(Application, i) for i in panel_world.apps[:2])
        f.score(s, panel_world.harsh, a, [1, 1])
        f.score(s, panel_world.generous, a, [3, 3])   # spread 2: flagged
        f.score(s, panel_world.harsh, b, [2, 2])
        f.score(s, panel_world.generous, b, [3, 3])   # spread 1: not flagged
    sign_in(client, "chair@example.org")
    page = client.get(f"/panels/rounds/{panel_world.round_id}/meeting").get_data(as_text=True)
    assert page.count("Discuss: reviewers disagree") == 1
    flagged_row = page[page.index("Project A"):page.index("Project A") + 400]
    assert "Discuss: reviewers disagree" in flagged_row


def _decide(client, app_id, **data):
    return post_form(client, f"/panels/applications/{app_id}/decision", data)


def test_awards_beyond_the_remaining_budget_are_refused(client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    sign_in(client, "chair@example.org")
    a, b, c = panel_world.apps[:3]
    assert _decide(client, a, outcome="award", amount="1000").status_code == 302
    assert _decide(client, b, outcome="award", amount="1000").status_code == 302
    # £500 remains of £2,500
    response = _decide(client, c, outcome="award", amount="1000")
    assert response.status_code == 422
    assert "exceed the round&#39;s budget: £500.00 remains" in response.get_data(as_text=True)
    # a partial award needs a reason
    response = _decide(client, c, outcome="award", amount="500")
    assert response.status_code == 422
    assert "Give a reason for awarding less" in response.get_data(as_text=True)
    assert _decide(client, c, outcome="award", amount="500",
                   reason="Only the equipment is funded").status_code == 302
    with db_scope() as s:
        awards = s.scalars(select(Award).order_by(Award.application_id)).all()
        assert [(w.application_id, w.amount_pence, w.partial_reason) for w in awards] == [
            (a, 100_000, None), (b, 100_000, None), (c, 50_000, "Only the equipment is funded")]
        assert operations.awarded_total(s, panel_world.round_id) == 250_000
    # changing an award to a decline frees its money
    response = _decide(client, b, outcome="decline", feedback="Another group already runs this")
    assert response.status_code == 302
    assert _decide(client, panel_world.apps[3], outcome="award", amount="1000").status_code == 302


def test_decline_needs_feedback_and_a_fund_manager_can_decide(make_client, db_scope, panel_world):
    manager = make_client()
    sign_in(manager, "manager@example.org")
    app_id = panel_world.apps[0]
    assert _decide(manager, app_id, outcome="decline").status_code == 422
    assert _decide(manager, app_id, outcome="decline", feedback="Outside the fund's area").status_code == 302
    reviewer = make_client()
    sign_in(reviewer, "harsh@example.org")
    assert _decide(reviewer, app_id, outcome="award", amount="10").status_code == 403


def test_applicants_see_the_decision_only_after_release(make_client, db_scope, panel_world, outbox):
    _assign(db_scope, panel_world)
    with db_scope() as s:
        f.score(s, panel_world.harsh, s.get(Application, panel_world.apps[0]), [4, 4],
                note="A well-costed plan.")
    chair = make_client()
    sign_in(chair, "chair@example.org")
    a, b, c, d = panel_world.apps
    _decide(chair, a, outcome="award", amount="800", reason="The van hire is not funded")
    _decide(chair, b, outcome="decline", feedback="The panel wanted more detail on who benefits")
    _decide(chair, c, outcome="reserve")
    applicant = make_client()
    sign_in(applicant, "applicant@example.org")
    before = applicant.get(f"/panels/applications/{a}/outcome").get_data(as_text=True)
    assert "not released its decisions yet" in before and "£800" not in before
    assert "van hire" not in applicant.get(f"/panels/applications/{b}/outcome").get_data(as_text=True)

    release = f"/panels/rounds/{panel_world.round_id}/release"
    # not in the deciding phase yet
    post_form(chair, release)
    with db_scope() as s:
        s.get(Round, panel_world.round_id).phase = RoundPhase.DECIDING
    # one application is still undecided
    post_form(chair, release)
    assert outbox("applicant@example.org") == []
    _decide(chair, d, outcome="decline", feedback="Not this time")
    assert post_form(chair, release).status_code == 302

    after = applicant.get(f"/panels/applications/{a}/outcome").get_data(as_text=True)
    assert "You have been awarded £800" in after and "The van hire is not funded" in after
    assert "A well-costed plan." in after
    declined = applicant.get(f"/panels/applications/{b}/outcome").get_data(as_text=True)
    assert "The panel wanted more detail on who benefits" in declined
    mail = outbox("applicant@example.org")
    assert len(mail) == 4
    subjects = sorted(subject for _, subject, _ in mail)
    assert "Your grant application has been successful" in subjects
    awarded_body = next(body for _, subject, body in mail if "successful" in subject and "not" not in subject)
    assert "£800.00" in awarded_body and "A well-costed plan." in awarded_body
    with db_scope() as s:
        assert s.get(Round, panel_world.round_id).phase == RoundPhase.DECIDED
        assert s.get(Application, a).status == ApplicationStatus.AWARDED
        assert s.get(Application, b).status == ApplicationStatus.NOT_AWARDED
        assert s.scalar(select(Award)).released_at is not None
    # released decisions cannot change
    assert _decide(chair, a, outcome="decline", feedback="x").status_code == 422


def test_someone_outside_the_group_cannot_read_the_outcome(make_client, db_scope, panel_world, make_user):
    make_user("nosy@example.org")
    nosy = make_client()
    sign_in(nosy, "nosy@example.org")
    assert nosy.get(f"/panels/applications/{panel_world.apps[0]}/outcome").status_code == 403


def test_a_conflict_declared_after_scoring_voids_those_scores(client, db_scope, panel_world):
    _assign(db_scope, panel_world)
    with db_scope() as s:
        a = s.get(Application, panel_world.apps[0])
        f.score(s, panel_world.harsh, a, [0, 0])
        f.score(s, panel_world.generous, a, [4, 4])
        # Harsh realises their employer is behind the project.
        operations.declare_conflict(s, f.user(s, panel_world.harsh), a, has_conflict=True, reason="employer")
    sign_in(client, "chair@example.org")
    page = client.get(f"/panels/rounds/{panel_world.round_id}/meeting").get_data(as_text=True)
    row = page[page.index("Project A"):page.index("Project B")]
    assert "Gina Generous: 4.00" in row and "Hari Harsh" not in row
