"""Setting up a round as a fund manager does it: the round opens only once it is ready and
the manager says so; criteria and questions can be edited, reordered and deleted until they
are in use; the manager's pages are split into sub-pages with a summary of what is missing."""

from datetime import timedelta

from sqlalchemy import func, select

from commonpot.db import utcnow
from grants import operations
from grants.models import Criterion, Fund, Question, Round
from grants.states import RoundPhase
from grants.timefmt import to_london_naive
from tests.grants.factories import complete_answers, create_round, round_by_slug
from tests.helpers import post_form, run_cli, sign_in
from tests.htmltree import main_text, parse


def _typed(moment) -> str:
    return to_london_naive(moment).strftime("%Y-%m-%dT%H:%M")


def _new_round(client, fund_id, *, opens_in=timedelta(hours=-1), title="Spring grants"):
    now = utcnow()
    response = post_form(client, f"/grants/funds/{fund_id}/rounds/new", {
        "title": title, "description": "Small grants for spring.",
        "opens_at": _typed(now + opens_in), "closes_at": _typed(now + timedelta(days=30)),
        "min_grant": "100", "max_grant": "2000", "budget": "10000",
        "max_applications_per_group": "1", "restrict_to_area": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].split("/rounds/")[1].split("/")[0]


def test_a_round_whose_opening_time_has_passed_stays_a_draft_while_it_is_set_up(
        app, client, session, grants_world):
    sign_in(client, "manager@example.org")
    slug = _new_round(client, grants_world["fund_id"])
    post_form(client, f"/grants/rounds/{slug}/criteria",
              {"name": "Need", "description": "Why", "weight": "3"})
    # The clock runs between two of the manager's saves: the round is not ready, and the
    # manager has not said it is, so it stays a draft and its forms stay on the page.
    assert run_cli(app, "rounds", "tick").exit_code == 0
    session.expire_all()
    assert round_by_slug(session, slug).phase == RoundPhase.DRAFT
    page = client.get(f"/grants/rounds/{slug}/manage")
    text = main_text(page.get_data(as_text=True))
    assert "Before the round can open" in text
    assert "Add at least one question" in text
    questions = client.get(f"/grants/rounds/{slug}/manage/questions").get_data(as_text=True)
    assert "Add a question" in questions

    post_form(client, f"/grants/rounds/{slug}/questions",
              {"type": "short_text", "label": "What will you do?", "step": "1", "required": "y"})
    assert run_cli(app, "rounds", "tick").exit_code == 0
    session.expire_all()
    assert round_by_slug(session, slug).phase == RoundPhase.DRAFT  # ready, but not said so

    opened = post_form(client, f"/grants/rounds/{slug}/schedule")
    assert opened.status_code == 302
    session.expire_all()
    assert round_by_slug(session, slug).phase == RoundPhase.OPEN


def test_a_ready_round_scheduled_for_later_is_opened_by_the_clock(app, client, session, grants_world):
    sign_in(client, "manager@example.org")
    slug = _new_round(client, grants_world["fund_id"], opens_in=timedelta(days=2))
    post_form(client, f"/grants/rounds/{slug}/criteria", {"name": "Need", "weight": "2"})
    post_form(client, f"/grants/rounds/{slug}/questions",
              {"type": "long_text", "label": "Tell us about it", "step": "1"})
    scheduled = post_form(client, f"/grants/rounds/{slug}/schedule")
    assert scheduled.status_code == 302
    page = main_text(client.get(f"/grants/rounds/{slug}/manage").get_data(as_text=True))
    assert "opens automatically" in page
    session.expire_all()
    round_ = round_by_slug(session, slug)
    assert round_.phase == RoundPhase.DRAFT and round_.scheduled_at is not None
    round_.opens_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert "draft -> open" in run_cli(app, "rounds", "tick").output


def test_opening_a_round_that_is_not_ready_lists_everything_missing(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    operations.create_round(session, "system", fund, operations.RoundSettings(
        title="Empty", description="", opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=9), min_grant_pence=0, max_grant_pence=0,
        budget_pence=0, allowed_org_types=[]), slug="empty")
    session.commit()
    sign_in(client, "manager@example.org")
    response = post_form(client, "/grants/rounds/empty/phase", {"target": "open", "reason": "go"})
    assert response.status_code == 409
    text = main_text(response.get_data(as_text=True))
    for missing in ("Add at least one criterion", "Add at least one question",
                    "Set the money this round may award"):
        assert missing in text, text
    refused = post_form(client, "/grants/rounds/empty/schedule")
    assert refused.status_code == 409
    session.expire_all()
    assert round_by_slug(session, "empty").phase == RoundPhase.DRAFT


def test_a_criterion_of_weight_zero_is_refused_with_a_clear_message(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    create_round(session, fund, slug="weights", phase=RoundPhase.DRAFT)
    session.commit()
    sign_in(client, "manager@example.org")
    response = post_form(client, "/grants/rounds/weights/criteria",
                         {"name": "Nice to have", "weight": "0"}, follow_redirects=True)
    assert "weight of at least 1" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Criterion)
                          .where(Criterion.name == "Nice to have")) == 0


def test_managers_edit_reorder_and_delete_questions_and_criteria_before_they_are_in_use(
        client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    round_ = create_round(session, fund, slug="editing", phase=RoundPhase.DRAFT)
    operations.add_criterion(session, "system", round_, name="Plan", description="", weight=1)
    session.commit()
    need, plan = (c.id for c in round_.criteria)
    what, people = (q.id for q in round_.questions if q.key in ("what", "people"))
    sign_in(client, "manager@example.org")

    page = client.get("/grants/rounds/editing/manage/criteria")
    assert page.status_code == 200
    edited = post_form(client, f"/grants/criteria/{need}/edit",
                       {"name": "Need in the area", "description": "Who gains", "weight": "4"})
    assert edited.status_code == 302
    zero = post_form(client, f"/grants/criteria/{need}/edit", {"name": "Need", "weight": "0"})
    assert zero.status_code == 422 and "weight of at least 1" in zero.get_data(as_text=True)
    post_form(client, f"/grants/criteria/{plan}/move", {"direction": "up"})
    confirm = client.get(f"/grants/criteria/{need}/delete")
    assert confirm.status_code == 200 and "Are you sure" in confirm.get_data(as_text=True)
    post_form(client, f"/grants/criteria/{need}/delete")

    post_form(client, f"/grants/questions/{people}/move", {"direction": "up"})
    post_form(client, f"/grants/questions/{what}/edit", {
        "type": "long_text", "label": "What will you do with the money?", "hint": "",
        "word_limit": "200", "step": "1", "required": "y"})
    post_form(client, f"/grants/questions/{what}/delete")

    session.expire_all()
    round_ = round_by_slug(session, "editing")
    assert [(c.name, c.weight) for c in round_.criteria] == [("Plan", 1)]
    step_one = [q.key for q in round_.questions if q.step == 1]
    assert step_one == ["people"]
    assert session.get(Question, what) is None


def test_questions_cannot_change_once_the_round_is_open(client, session, grants_world):
    round_ = session.get(Round, grants_world["round_id"])
    question = next(q for q in round_.questions if q.key == "people")
    criterion = round_.criteria[0]
    sign_in(client, "manager@example.org")
    refused = post_form(client, f"/grants/questions/{question.id}/delete")
    assert refused.status_code == 409
    assert "once the round has opened" in main_text(refused.get_data(as_text=True))
    # Criteria may still change while nobody has scored against them.
    edited = post_form(client, f"/grants/criteria/{criterion.id}/edit",
                       {"name": "Need", "description": "Why it matters", "weight": "2"})
    assert edited.status_code == 302
    session.expire_all()
    assert session.get(Question, question.id) is not None
    assert session.get(Criterion, criterion.id).weight == 2


def test_the_manager_round_page_is_split_into_sub_pages_with_plain_wording(
        client, session, grants_world):
    from commonpot.accounts.models import User
    from grants.models import Group

    round_ = session.get(Round, grants_world["round_id"])
    sign_in(client, "manager@example.org")
    page = client.get(f"/grants/rounds/{round_.slug}/manage").get_data(as_text=True)
    nav = parse(page).find("nav", aria_label="Round sections")
    assert nav is not None
    labels = [a.text() for a in nav.find_all("a")]
    assert labels == ["Overview", "Settings", "Criteria", "Questions", "Applications"]
    assert nav.find("a", aria_current="page").text() == "Overview"
    text = main_text(page)
    assert "No applications yet" in text
    assert "0.00 times" not in text and "application(s)" not in text
    assert "Add a question" not in text  # the forms live on their own pages

    member = session.get(User, grants_world["member"])
    application = operations.start_application(session, member, round_,
                                               session.get(Group, grants_world["group_id"]))
    complete_answers(session, application, member.id, requested="1200")
    operations.save_budget(session, member, application, "1200", [
        {"description": "Seeds", "category": "equipment", "amount": "1200"}])
    operations.submit_application(session, member, application, declarations_accepted=True)
    session.commit()
    text = main_text(client.get(f"/grants/rounds/{round_.slug}/manage").get_data(as_text=True))
    assert "1 application asking for £1,200" in text
    applications = client.get(f"/grants/rounds/{round_.slug}/manage/applications")
    assert application.reference in applications.get_data(as_text=True)
