"""Every phase change of a voting round is irreversible (nothing moves back), so none is one
click: the manage page links to an "Are you sure?" page that says what will happen, with a
button that makes the change and a link that cancels (the GOV.UK confirmation pattern)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, create_fund, fresh_browser, make_voter, open_round
from voting.models import VotingRound
from voting.states import RoundState


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _manager(app, session, make_user):
    fund_id = create_fund(session).id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    browser = fresh_browser(app)
    sign_in(browser, "boss@example.org")
    return browser


def _state(session, round_id) -> RoundState:
    state = session.get(VotingRound, round_id).state
    session.rollback()
    return state


def test_closing_voting_asks_first_and_says_what_follows(app, session, make_user):
    round_id = open_round(session)
    manager = _manager(app, session, make_user)

    manage = manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    # No one-click form on the manage page: a link to the question instead.
    assert f'action="/vote/{round_id}/advance"' not in manage
    assert f'href="/vote/{round_id}/advance"' in manage

    asked = manager.get(f"/vote/{round_id}/advance")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    text = _words(page)
    assert "Are you sure you want to close voting?" in text
    assert "Nobody can vote or change a vote after this" in text
    assert "This cannot be undone" in text
    assert f'action="/vote/{round_id}/advance"' in page and 'method="post"' in page
    assert re.search(r'<input[^>]*name="target"[^>]*value="counting"', page)
    assert f'href="/vote/{round_id}/manage">Cancel' in page.replace("\n", "")
    assert _state(session, round_id) == RoundState.VOTING  # asking changed nothing

    closed = post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"})
    assert closed.status_code == 302
    assert _state(session, round_id) == RoundState.COUNTING

    publish = _words(manager.get(f"/vote/{round_id}/advance").get_data(as_text=True))
    assert "Are you sure you want to publish the results?" in publish
    assert "Anyone will be able to see the results" in publish
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "published"}).status_code == 302
    assert _state(session, round_id) == RoundState.PUBLISHED

    # Nothing follows publication: no question to ask, and the manage page offers none.
    assert manager.get(f"/vote/{round_id}/advance").status_code == 404
    assert f'href="/vote/{round_id}/advance"' not in \
        manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)


def test_the_closing_question_counts_the_votes_so_far(app, session, make_user):
    round_id = open_round(session)
    voting_round = session.get(VotingRound, round_id)
    north = next(d.id for d in voting_round.districts if d.name == "North")
    benches = next(p.id for p in voting_round.proposals if p.title == "Benches on the green")
    session.rollback()
    make_voter(make_user, session, "early@example.org")
    voter = fresh_browser(app)
    sign_in(voter, "early@example.org")
    assert post_form(voter, f"/vote/{round_id}/ballot",
                     ballot_data({north: {benches: 1}})).status_code == 200
    manager = _manager(app, session, make_user)
    text = _words(manager.get(f"/vote/{round_id}/advance").get_data(as_text=True))
    assert "1 person has voted so far" in text


@pytest.mark.parametrize("state, question", [
    (RoundState.DRAFT, "Are you sure you want to open the round for proposals?"),
    (RoundState.PROPOSALS, "Are you sure you want to close proposals and start the review?"),
    (RoundState.REVIEW, "Are you sure you want to open voting?"),
])
def test_every_other_phase_change_asks_too(app, session, make_user, state, question):
    round_id = open_round(session, state=state)
    manager = _manager(app, session, make_user)
    text = _words(manager.get(f"/vote/{round_id}/advance").get_data(as_text=True))
    assert question in text
    assert "This cannot be undone" in text
    assert _state(session, round_id) == state


def test_a_stale_question_changes_nothing(app, session, make_user):
    """Two managers: the second confirms a close the first already made; the round does not
    move on to publication by accident."""
    round_id = open_round(session)
    manager = _manager(app, session, make_user)
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"}).status_code == 302
    again = post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"})
    assert again.status_code == 409
    assert _state(session, round_id) == RoundState.COUNTING


def test_only_the_rounds_managers_are_asked(app, session, make_user):
    round_id = open_round(session)
    make_user("resident@example.org")
    resident = fresh_browser(app)
    sign_in(resident, "resident@example.org")
    assert resident.get(f"/vote/{round_id}/advance").status_code == 403
