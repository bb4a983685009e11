"""Journey 3 (and 6, in Welsh): residents check their eligibility by postcode and vote on a
knapsack ballot, one with JavaScript (and only the keyboard), one without; after the close
one finds their ballot on the bulletin board with the receipt, and reads the results.

The voting round is arranged through the voting operations (tests/voting/factories), and so
are the close and the publication; the residents' steps go through the browser."""

from __future__ import annotations

import pytest

from tests.journeys.languages import LANGUAGES, require, start_in
from tests.voting.factories import ADULT_BIRTHDAY, NORTH_POSTCODE, OUTSIDE_POSTCODE, count_now, open_round
from voting import operations
from voting.ballots import BallotType
from voting.models import VotingRound
from voting.states import RoundState

pytestmark = [pytest.mark.browser, pytest.mark.journey]

# North's budget is £10,000; the whole town's another £10,000 (factories.DEFAULT_PROJECTS).
JS_CHOICES = {"Benches on the green": "£3,000", "Library garden": "£4,000", "Riverside path": "£8,000"}
PLAIN_CHOICES = {"Playground repairs": "£6,000", "Library garden": "£4,000"}


def _choice(voter, title: str, cost: str):
    return voter.page.get_by_role("checkbox", name=f"{title}, {cost}")


def _eligible(voter, round_title: str, postcodes: list[str]) -> None:
    """From the round's page to the ballot, giving postcodes until one is in the area."""
    t = voter.t
    voter.follow(t("Vote"), within=voter.page.locator("header"))
    voter.follow(round_title)
    voter.follow(t("Vote online"))
    for postcode in postcodes:
        assert voter.page.get_by_role("heading", level=1).inner_text() == t(
            "You cannot vote in this round yet")
        voter.follow(t("Check your postcode and date of birth"))
        voter.fill(t("Postcode"), postcode)
        voter.fill(t("Date of birth"), ADULT_BIRTHDAY.isoformat())
        voter.press(t("Save and continue"))
    assert voter.page.get_by_role("checkbox").count() >= len(JS_CHOICES)


def _receipt(voter) -> str:
    code = voter.page.locator("#receipt").inner_text().strip()
    assert code
    return code


def _close_and_publish(data, round_id: int) -> None:
    with data() as s:
        voting_round = s.get(VotingRound, round_id)
        operations.transition(s, "system", voting_round, RoundState.COUNTING)
        count_now(s, voting_round)  # the count job's work, done here
        operations.transition(s, "system", voting_round, RoundState.PUBLISHED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_residents_vote_with_and_without_javascript_and_find_their_ballots(
        tour, data, make_user, language):
    require(tour, language)
    with data() as s:
        round_id = open_round(s, ballot_type=BallotType.KNAPSACK)
        round_title = s.get(VotingRound, round_id).title
    make_user("rhian@example.org", name="Rhian Resident")
    make_user("sam@example.org", name="Sam Resident")

    # With JavaScript, and only the keyboard on the ballot. A postcode outside the area first.
    keyboard = tour.visitor("keyboard-voter", language=language)
    t = keyboard.t
    start_in(keyboard, language)
    keyboard.sign_in("rhian@example.org")
    keyboard.follow(t("Vote"), within=keyboard.page.locator("header"))
    keyboard.follow(round_title)
    keyboard.follow("Library garden")  # what the money buys, before choosing
    assert keyboard.page.get_by_role("heading", level=1).inner_text().startswith("Library garden")
    _eligible(keyboard, round_title, [OUTSIDE_POSTCODE, NORTH_POSTCODE])
    keyboard.keyboard_pass()
    keys = keyboard.page.keyboard
    for title, cost in JS_CHOICES.items():
        keyboard.tab_to(_choice(keyboard, title, cost))
        keys.press("Space")
    # The totals follow the choices as they are made (voting.js), without a round trip.
    status = keyboard.page.locator("[data-status]")
    assert "£3,000" in status.first.inner_text()  # £10,000 - £3,000 - £4,000 left in North
    assert "£2,000" in status.last.inner_text()  # £10,000 - £8,000 left for the whole town
    keyboard.tab_to(keyboard.page.get_by_role("button", name=t("Cast my vote")))
    with keyboard.page.expect_navigation():
        keys.press("Enter")
    keyboard.check()
    _receipt(keyboard)

    # Without JavaScript: "Update totals" asks the server.
    plain = tour.visitor("no-js-voter", javascript=False, language=language)
    start_in(plain, language)
    plain.sign_in("sam@example.org")
    _eligible(plain, round_title, [NORTH_POSTCODE])
    for title, cost in PLAIN_CHOICES.items():
        _choice(plain, title, cost).check()
    plain.press(t("Update totals"))
    assert "£0" in plain.page.locator("[data-status]").first.inner_text()  # all £10,000 chosen
    assert all(_choice(plain, title, cost).is_checked() for title, cost in PLAIN_CHOICES.items())
    plain.press(t("Cast my vote"))
    receipt = _receipt(plain)

    # After the close: the bulletin board finds the ballot; the results are published.
    _close_and_publish(data, round_id)
    plain.follow(t("Back to %(round)s", round=round_title))
    plain.follow(t("Bulletin board: every ballot, and find yours with your receipt"))
    plain.fill(t("Your receipt code"), receipt)
    plain.press(t("Find my ballot"))
    found = plain.page.locator("main")
    assert found.get_by_role("status").count() == 1 and found.get_by_role("alert").count() == 0
    plain.goto(f"/vote/{round_id}")
    plain.follow(t("Results"))
    results = plain.text()
    assert "Library garden" in results and "Riverside path" in results
    tour.finish()
