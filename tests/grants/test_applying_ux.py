"""A group's journey without dead ends: confirming the email address before setting up a
group, seeing eligibility before starting, answers read back in plain words, and a
confirmation page before withdrawing."""

from datetime import timedelta

from sqlalchemy import select

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants import operations
from grants.models import Application, Fund, Group, Round
from grants.states import ApplicationStatus, RoundPhase
from tests.grants.factories import complete_answers, create_group, create_round
from tests.helpers import post_form, sign_in
from tests.htmltree import main_text, parse


def test_an_unverified_account_is_told_to_confirm_its_email_before_setting_up_a_group(
        client, make_user, outbox):
    make_user("new@example.org", verified=False)
    sign_in(client, "new@example.org")
    response = client.get("/grants/groups/new")
    page = response.get_data(as_text=True)
    text = main_text(page)
    assert "Confirm your email address" in text
    assert "new@example.org" in text
    form = parse(page).find("form", action="/verify/resend")
    assert form is not None and form.find("button") is not None
    post_form(client, "/verify/resend")
    assert any(subject.startswith("Confirm your email") for _, subject, _ in outbox("new@example.org"))


def _start_buttons(page: str) -> list:
    return [b for b in parse(page).find_all("button") if "Start an application" in b.text()]


def test_a_group_of_a_type_the_round_does_not_take_sees_why_and_no_button(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    create_round(session, fund, slug="charities-only", allowed_org_types=["charity", "cio"])
    session.commit()
    sign_in(client, "gwen@example.org")
    page = client.get("/grants/rounds/charities-only").get_data(as_text=True)
    assert not _start_buttons(page)
    text = main_text(page)
    assert "Test Gardeners cannot apply" in text
    assert "registered as unincorporated community group" in text


def test_a_group_at_its_limit_sees_why_and_no_button(client, session, grants_world):
    member = session.get(User, grants_world["member"])
    round_ = session.get(Round, grants_world["round_id"])
    group = session.get(Group, grants_world["group_id"])
    operations.start_application(session, member, round_, group)
    session.commit()
    sign_in(client, "gwen@example.org")
    page = client.get(f"/grants/rounds/{round_.slug}").get_data(as_text=True)
    assert not _start_buttons(page)
    assert "already has 1 application in this round" in main_text(page)

    # A second group of the same person may still apply: only it is offered.
    create_group(session, grants_world["member"], name="Second Group", postcode="RT1 4AB")
    session.commit()
    page = client.get(f"/grants/rounds/{round_.slug}").get_data(as_text=True)
    assert len(_start_buttons(page)) == 1
    options = [o.text() for o in parse(page).find_all("option")]
    assert options == ["Second Group"]


def test_a_round_opened_early_by_hand_explains_when_applications_open(client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    round_ = create_round(session, fund, slug="early", phase=RoundPhase.DRAFT, opens_in_days=3)
    operations.transition_round(session, "system", round_, RoundPhase.OPEN, reason="early")
    session.commit()
    sign_in(client, "gwen@example.org")
    page = client.get("/grants/rounds/early").get_data(as_text=True)
    assert not _start_buttons(page)
    assert "Applications open on" in main_text(page)


def test_check_your_answers_reads_money_numbers_dates_and_yes_no_in_plain_words(
        client, session, grants_world):
    fund = session.get(Fund, grants_world["fund_id"])
    round_ = create_round(session, fund, slug="formats", phase=RoundPhase.DRAFT)
    for kind, label, key in (("money", "Match funding", "match"), ("number", "People reached", "reach"),
                             ("date", "Start date", "start"), ("yes_no", "Insured?", "insured")):
        operations.add_question(session, "system", round_, type=kind, label=label, key=key, step=4)
    operations.transition_round(session, "system", round_, RoundPhase.OPEN, reason="t",
                                now=utcnow())
    member = session.get(User, grants_world["member"])
    application = operations.start_application(session, member, round_,
                                               session.get(Group, grants_world["group_id"]))
    complete_answers(session, application, member.id)
    operations.save_answers(session, member, application, {
        "match": "1200", "reach": "2350", "start": "2027-03-15", "insured": "yes"})
    session.commit()
    sign_in(client, "gwen@example.org")
    text = main_text(client.get(f"/grants/applications/{application.id}/check").get_data(as_text=True))
    for shown in ("£1,200", "2,350", "15 March 2027", "Yes", "£400", "£1,000"):
        assert shown in text, shown
    for raw in ("1200", "2350", "2027-03-15", " yes "):
        assert raw not in f" {text} ", raw


def test_area_prefixes_are_shown_as_they_were_written(client, session, grants_world):
    sign_in(client, "manager@example.org")
    text = main_text(client.get(f"/grants/funds/{grants_world['fund_id']}").get_data(as_text=True))
    assert "RT1 4*" in text
    assert "RT14*" not in text


def test_a_refused_phase_change_names_phases_in_words(client, session, grants_world):
    sign_in(client, "manager@example.org")
    refused = post_form(client, f"/grants/rounds/{grants_world['round_slug']}/phase",
                        {"target": "decided", "reason": "skip"})
    assert refused.status_code == 409
    text = main_text(refused.get_data(as_text=True))
    assert "from open to decided" not in text
    assert "Open for applications" in text and "Decided" in text


def test_withdrawing_asks_for_confirmation_first(client, session, grants_world):
    member = session.get(User, grants_world["member"])
    round_ = session.get(Round, grants_world["round_id"])
    application = operations.start_application(session, member, round_,
                                               session.get(Group, grants_world["group_id"]))
    complete_answers(session, application, member.id)
    operations.submit_application(session, member, application, declarations_accepted=True)
    session.commit()
    sign_in(client, "gwen@example.org")
    shown = client.get(f"/grants/applications/{application.id}").get_data(as_text=True)
    # The application page links to the confirmation page; it does not withdraw in one click.
    assert parse(shown).find("form", action=f"/grants/applications/{application.id}/withdraw") is None
    link = parse(shown).find("a", href=f"/grants/applications/{application.id}/withdraw")
    assert link is not None

    confirm = client.get(f"/grants/applications/{application.id}/withdraw")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    text = main_text(page)
    assert "Are you sure you want to withdraw" in text
    assert "cannot be undone" in text
    form = parse(page).find("form", action=f"/grants/applications/{application.id}/withdraw")
    assert form is not None and form.get("method") == "post"
    assert parse(page).find("a", href=f"/grants/applications/{application.id}") is not None
    session.expire_all()
    assert session.get(Application, application.id).status == ApplicationStatus.SUBMITTED

    post_form(client, f"/grants/applications/{application.id}/withdraw", {"reason": "Other funding"})
    session.expire_all()
    assert session.scalar(select(Application.status).where(Application.id == application.id)) \
        == ApplicationStatus.WITHDRAWN
    assert utcnow() - timedelta(minutes=5) < session.get(Application, application.id).withdrawn_at
