"""'Your work': where signing in lands, with each role's next steps (a group's applications,
a reviewer's reviews, a manager's rounds, a resident's open votes), at a cost in queries that
does not grow with what it lists."""

from __future__ import annotations

from commonpot.accounts.models import User
from commonpot.extensions import db
from grants import operations
from grants.models import Fund, Group
from grants.panels import operations as panels
from grants.states import RoundPhase
from tests.grants import factories as grants_factories
from tests.helpers import post_form, sign_in
from tests.htmltree import main_text
from tests.panels import factories as panel_factories
from tests.performance.test_query_counts import queries_for
from tests.voting import factories as voting_factories


def _section(text: str, heading: str) -> str:
    assert heading in text, text
    return text[text.index(heading):]


def test_signing_in_lands_on_your_work_unless_a_next_page_was_asked_for(client, make_user):
    make_user("someone@example.org")
    response = post_form(client, "/login", {"email": "someone@example.org",
                                            "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/dashboard"
    page = main_text(client.get("/dashboard").get_data(as_text=True))
    assert "Your work" in page and "Nothing needs you right now" in page
    post_form(client, "/logout")
    response = post_form(client, "/login?next=/grants/", {
        "email": "someone@example.org", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/grants/"


def test_each_role_sees_its_next_steps(app, make_client, make_user, session):
    fund = grants_factories.create_fund(session)
    session.commit()
    fund_id = fund.id
    session.rollback()
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    member = make_user("gwen@example.org")
    reviewer = make_user("rev@example.org")
    chair = make_user("chair@example.org")
    voting_factories.make_voter(make_user, session, "resident@example.org")
    fund = session.get(Fund, fund_id)
    open_round = grants_factories.create_round(session, fund, slug="open-now")
    grants_factories.create_round(session, fund, slug="half-done", phase=RoundPhase.DRAFT,
                                  questions=False)
    group = grants_factories.create_group(session, member)
    draft = operations.start_application(session, session.get(User, member), open_round, group)
    operations.save_answers(session, session.get(User, member), draft, {"_title": "Seed library"})
    scoring = panel_factories.create_round(session, fund)
    other_group = panel_factories.create_group(session, "Riverside Gardeners")
    to_review = panel_factories.create_application(session, scoring, other_group, creator_id=chair,
                                                   title="Pond dipping")
    panel = panel_factories.create_panel(session, scoring, chair_id=chair, member_ids=[reviewer])
    panels.reassign(session, "system", panel, to_review, from_user_id=None, to_user_id=reviewer)
    voting_factories.create_round(session, fund_id=fund_id, title="Rivertown decides")
    session.commit()

    as_member = make_client()
    sign_in(as_member, "gwen@example.org")
    text = _section(main_text(as_member.get("/dashboard").get_data(as_text=True)),
                    "Your groups' applications")
    assert "Seed library" in text and "Finish and submit it by" in text

    as_reviewer = make_client()
    sign_in(as_reviewer, "rev@example.org")
    text = _section(main_text(as_reviewer.get("/dashboard").get_data(as_text=True)), "Reviews to do")
    assert "Pond dipping" in text and "Declare any conflict of interest" in text

    as_manager = make_client()
    sign_in(as_manager, "manager@example.org")
    text = _section(main_text(as_manager.get("/dashboard").get_data(as_text=True)), "Rounds that need you")
    assert "Round half-done" in text and "Add at least one question" in text
    assert "Round open-now" not in text  # an open round needs nothing until it closes

    as_resident = make_client()
    sign_in(as_resident, "resident@example.org")
    text = _section(main_text(as_resident.get("/dashboard").get_data(as_text=True)), "Votes")
    assert "Rivertown decides" in text and "Vote now" in text


def test_your_work_costs_the_same_queries_for_many_items(app, make_user, session):
    counts = {}
    for n in (2, 12):
        fund = grants_factories.create_fund(session, slug=f"fund-{n}")
        session.commit()
        fund_id = fund.id
        session.rollback()
        email = f"busy{n}@example.org"
        user_id = make_user(email, fund_roles=[(fund_id, "fund_manager"), (fund_id, "panel_member")])
        fund = session.get(Fund, fund_id)
        user = session.get(User, user_id)
        group = grants_factories.create_group(session, user_id, name=f"Busy people {n}")
        for i in range(n):
            round_ = grants_factories.create_round(session, fund, slug=f"r{n}-{i}", max_per_group=1)
            operations.start_application(session, user, round_, session.get(Group, group.id))
            grants_factories.create_round(session, fund, slug=f"d{n}-{i}", phase=RoundPhase.DRAFT)
        # ... and n reviews to do on a panel they chair.
        scoring = panel_factories.create_round(session, fund)
        applicants = panel_factories.create_group(session)
        panel = panel_factories.create_panel(session, scoring, chair_id=user_id)
        for i in range(n):
            to_review = panel_factories.create_application(session, scoring, applicants,
                                                           creator_id=user_id, title=f"Idea {i}")
            panels.reassign(session, "system", panel, to_review, from_user_id=None, to_user_id=user_id)
        session.commit()
        client = app.test_client()
        sign_in(client, email)
        counts[n] = len(queries_for(app, client, "/dashboard"))
        page = main_text(client.get("/dashboard").get_data(as_text=True))
        assert page.count("Declare any conflict of interest") == n
        assert page.count("Finish and submit it by") == n
        with app.app_context():
            db.session.remove()
    assert counts[12] == counts[2], counts
