"""Journey 1 (and 6, in Welsh): a group leader registers, confirms their email from the
outbox, sets up their group, starts an application, closes the browser half-way, comes back,
finishes and submits it, sees the reference number, and later reads the decision.

The fund and its open round are arranged through the grants operations; the manager's
decision and its release go through the panels operations. Everything the leader does goes
through the browser."""

from __future__ import annotations

import re

import pytest

from commonpot.accounts.models import User
from grants import operations
from grants.panels import operations as panels
from grants.states import RoundPhase
from tests.grants import factories
from tests.helpers import PASSWORD
from tests.journeys.languages import LANGUAGES, require, start_in

pytestmark = [pytest.mark.browser, pytest.mark.journey]

EMAIL = "lowri@example.org"


def _decide_and_release(data, manager_id: int, reference: str) -> None:
    """What the fund's people do between the leader's visits: close the round, find the
    application eligible, award it in full with feedback, release the decisions."""
    from sqlalchemy import select

    from grants.models import Application

    with data() as s:
        manager = s.get(User, manager_id)
        application = s.scalar(select(Application).where(Application.reference == reference))
        round_ = application.round
        for phase in (RoundPhase.CLOSED, RoundPhase.SCREENING):
            operations.transition_round(s, manager, round_, phase, reason="The closing date came")
        operations.screen_application(s, manager, application, eligible=True, reason_code=None,
                                      reason_text="")
        for phase in (RoundPhase.SCORING, RoundPhase.DECIDING):
            operations.transition_round(s, manager, round_, phase, reason="The panel has met")
        panels.record_decision(s, manager, application, outcome="award",
                               amount_pence=application.requested_amount_pence,
                               feedback="A clear plan that the whole street can join.")
        panels.release_decisions(s, manager, round_)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_group_leader_applies_and_reads_the_decision(tour, data, make_user, outbox, language):
    require(tour, language)
    with data() as s:
        fund = factories.create_fund(s)
        round_title = factories.create_round(s, fund).title
        fund_id = fund.id
    manager_id = make_user("fund.manager@example.org", fund_roles=[(fund_id, "fund_manager")])

    leader = tour.visitor("leader", language=language)
    t = leader.t
    start_in(leader, language)

    # Register, and confirm the address from the email.
    leader.follow(t("Create an account"), within=leader.page.locator("header"))
    leader.fill(t("Your name"), "Lowri Leader")
    leader.fill(t("Email address"), EMAIL)
    leader.fill(t("Password"), PASSWORD)
    leader.fill(t("Confirm password"), PASSWORD)
    leader.press(t("Create account"))
    (_, _, body), = outbox(to=EMAIL)
    link = re.search(r"https?://\S+/verify/\S+", body)
    assert link, body
    leader.goto(link.group(0))
    leader.sign_in(EMAIL)

    # Set up the group, from the round's page.
    header = leader.page.locator("header")
    leader.follow(t("Grants"), within=header)
    leader.follow(round_title)
    leader.follow(tour.link_words(t, "To apply, first <a href=\"%(url)s\">set up your group's profile</a>, "
                                     "or ask your group admin to invite you."))
    leader.fill(t("Group name"), "Rhiwbina Gardeners")
    leader.page.get_by_label(t("Unincorporated community group")).check()
    leader.fill(t("Postcode of the group's main address"), "RT1 4AB")
    leader.fill(t("Contact name"), "Lowri Leader")
    leader.fill(t("Contact email"), EMAIL)
    leader.press(t("Save the group's details"))
    assert "Rhiwbina Gardeners" in leader.page.get_by_role("heading", level=1).inner_text()

    # Start an application; the first step entirely from the keyboard.
    leader.follow(t("Grants"), within=header)
    leader.follow(round_title)
    leader.press(t("Start an application"))
    leader.keyboard_pass()
    keys = leader.page.keyboard
    leader.tab_to(leader.field(t("What is your project called?")))
    keys.type("Pocket park on Heol y Coed")
    leader.tab_to(leader.field(t("Where will the project happen?")))
    keys.type("RT1 4AB")
    leader.tab_to(leader.page.get_by_role("radio", name="Environment"))
    keys.press("Space")
    leader.tab_to(leader.page.get_by_role("button", name=t("Save and continue")))
    with leader.page.expect_navigation():
        keys.press("Enter")
    leader.check()
    leader.keyboard_pass()
    leader.fill("What will you do?", "Turn the empty corner plot into a pocket park.")
    leader.fill("How many people will take part?", "40")
    leader.press(t("Save and continue"))

    # Half-way: the browser is closed. A new one, signed in again, finds the draft.
    leader.restart()
    start_in(leader, language)
    leader.sign_in(EMAIL)  # lands on "Your work", which lists the draft
    assert leader.page.get_by_role("heading", level=1).inner_text() == t("Your work")
    leader.follow("Pocket park on Heol y Coed")
    leader.follow("How often?")
    leader.keyboard_pass()
    leader.page.get_by_label("Weekly").check()
    leader.press(t("Save and continue"))
    while leader.page.get_by_role("heading", level=1).inner_text() != t("Budget"):
        leader.press(t("Save and continue"))  # the rest is optional
    leader.keyboard_pass()
    lines = [("Plants and compost", "Equipment and materials", "650"),
             ("Two benches", "Equipment and materials", "450")]
    for number, (what, category, amount) in enumerate(lines, start=1):
        leader.fill(t("Line %(n)s: what it pays for", n=number), what)
        leader.field(t("Line %(n)s: category", n=number)).select_option(label=t(category))
        leader.fill(t("Line %(n)s: amount in pounds", n=number), amount)
    leader.fill(t("Total amount you are asking for (£)"), "1100")
    leader.press(t("Save and continue"))

    # Check and submit; the reference number is shown.
    assert "Pocket park on Heol y Coed" in leader.text()
    leader.page.get_by_role("checkbox").check()
    leader.press(t("Submit the application"))
    reference = re.search(r"CP-[A-Z0-9-]+", leader.text())
    assert reference, leader.text()[:500]

    # Later: the decision is made and released, and the leader reads it.
    _decide_and_release(data, manager_id, reference.group(0))
    leader.follow(t("Your work"), within=leader.page.locator("header"))
    leader.follow("Pocket park on Heol y Coed")  # now leads to the decision
    if leader.page.get_by_role("link", name=t("Read the panel's decision and feedback")).count():
        leader.follow(t("Read the panel's decision and feedback"))
    decision = leader.text()
    assert "£1,100" in decision and "A clear plan that the whole street can join." in decision
    tour.finish()
