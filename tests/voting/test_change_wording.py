"""Code voters are told one true thing about changing their vote, on every page they pass:
the code page, the ballot, the receipt, a refused second use of the code and the change
pages. Whether a vote can change depends on the round (allow_revote) and the channel
(a code voter changes with their code and private change secret)."""

from __future__ import annotations

import re

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, fresh_browser, make_voter, open_round
from voting import operations
from voting.models import VotingRound

SECRET = re.compile(r'id="change-secret">([A-Z0-9-]+)<')


def _words(page: str) -> str:
    """The page's text, tags removed and spaces squeezed, for reading sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _round_with_codes(session, **settings):
    round_id = open_round(session, **settings)
    voting_round = session.get(VotingRound, round_id)
    north = next(d for d in voting_round.districts if d.name == "North")
    benches = next(p for p in voting_round.proposals if p.title == "Benches on the green")
    library = next(p for p in voting_round.proposals if p.title == "Library garden")
    codes = operations.generate_codes(session, "system", voting_round, district_id=north.id,
                                      label="Letters", count=2)
    ids = north.id, benches.id, library.id
    session.commit()
    return round_id, codes, ids


def test_a_code_voter_is_told_the_same_truth_where_the_round_allows_changes(app, session):
    round_id, codes, (north, benches, library) = _round_with_codes(session, allow_revote=True)
    voter = fresh_browser(app)

    code_page = _words(voter.get(f"/vote/{round_id}/code").get_data(as_text=True))
    assert "can be used once" not in code_page
    assert "You can change your vote until voting closes" in code_page
    assert "change secret" in code_page

    ballot = _words(post_form(voter, f"/vote/{round_id}/code", {"code": codes[0]}).get_data(as_text=True))
    assert "cannot be changed" not in ballot
    assert "you can change your vote until voting closes, only with your code and the change " \
           "secret you will be shown" in ballot

    cast = post_form(voter, f"/vote/{round_id}/code/ballot",
                     ballot_data({north: {benches: 1}}, code=codes[0]))
    assert cast.status_code == 200
    receipt = _words(cast.get_data(as_text=True))
    secret = SECRET.search(cast.get_data(as_text=True)).group(1)
    assert "You can change your vote until voting closes with your voting code and this secret" in receipt
    assert "cannot be changed" not in receipt

    # The code again: refused as a second vote, but pointed at the change page, not told
    # that the vote is final.
    again = post_form(voter, f"/vote/{round_id}/code", {"code": codes[0]})
    assert again.status_code == 400
    again_text = _words(again.get_data(as_text=True))
    assert "can be used once" not in again_text
    assert "To change that vote, use your code with the change secret" in again_text
    assert f'href="/vote/{round_id}/code/change"' in again.get_data(as_text=True)

    # Changing: the secret stays the same, and nothing promises a new one.
    change = _words(post_form(voter, f"/vote/{round_id}/code/change",
                              {"code": codes[0], "secret": secret}).get_data(as_text=True))
    assert "you will be shown" not in change
    assert "with your voting code and the same change secret" in change
    changed = post_form(voter, f"/vote/{round_id}/code/change/ballot",
                        ballot_data({north: {library: 1}}, code=codes[0], secret=secret))
    assert changed.status_code == 200
    changed_text = _words(changed.get_data(as_text=True))
    assert "Your vote is changed" in changed_text
    assert "You can change it again until voting closes with your voting code and the same " \
           "change secret" in changed_text


def test_a_code_voter_is_told_the_vote_is_final_where_the_round_allows_no_changes(app, session):
    round_id, codes, (north, benches, _) = _round_with_codes(session)
    voter = fresh_browser(app)

    code_page = _words(voter.get(f"/vote/{round_id}/code").get_data(as_text=True))
    assert "Once cast, your vote cannot be changed" in code_page
    ballot = _words(post_form(voter, f"/vote/{round_id}/code", {"code": codes[0]}).get_data(as_text=True))
    assert "your vote cannot be changed" in ballot
    assert "change secret" not in ballot
    cast = post_form(voter, f"/vote/{round_id}/code/ballot",
                     ballot_data({north: {benches: 1}}, code=codes[0]))
    receipt = _words(cast.get_data(as_text=True))
    assert "change your vote" not in receipt.lower().replace("cannot be changed", "")
    assert "Your vote cannot be changed" in receipt
    assert not SECRET.search(cast.get_data(as_text=True))
    again = post_form(voter, f"/vote/{round_id}/code", {"code": codes[0]})
    assert "Each code can be used once" in _words(again.get_data(as_text=True))
    assert f"/vote/{round_id}/code/change" not in again.get_data(as_text=True)


def test_a_receipt_shown_again_says_the_secret_is_not_shown_twice(app, session, make_user):
    round_id = open_round(session, allow_revote=True)
    voting_round = session.get(VotingRound, round_id)
    north = next(d.id for d in voting_round.districts if d.name == "North")
    benches = next(p.id for p in voting_round.proposals if p.title == "Benches on the green")
    session.rollback()
    make_voter(make_user, session, "twice@example.org")
    browser = fresh_browser(app)
    sign_in(browser, "twice@example.org")
    data = ballot_data({north: {benches: 1}}, cast_token="retry-token-0001-for-this-ballot")
    first = post_form(browser, f"/vote/{round_id}/ballot", data)
    assert SECRET.search(first.get_data(as_text=True))
    again = post_form(browser, f"/vote/{round_id}/ballot", data)
    assert again.status_code == 200
    text = _words(again.get_data(as_text=True))
    assert not SECRET.search(again.get_data(as_text=True))
    assert "Your change secret was shown only the first time" in text
