"""Receipts confirm; only the voter's own credential and change secret change a ballot."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from sqlalchemy import event, select, text

from commonpot.extensions import db
from tests.conftest import ON_POSTGRES
from tests.helpers import csrf_token, post_form, sign_in
from tests.voting.factories import (
    SOUTH_POSTCODE,
    ballot_data,
    district_ids,
    fresh_browser,
    make_voter,
    open_round,
    project_ids,
)
from voting import operations
from voting.models import Ballot, VotingRound
from voting.results import board_csv, board_hash_of
from voting.states import RoundState

RECEIPT = re.compile(r'id="receipt">([A-Z0-9-]+)<')
SECRET = re.compile(r'id="change-secret">([A-Z0-9-]+)<')


def _ids(session, round_id):
    voting_round = session.get(VotingRound, round_id)
    result = district_ids(voting_round), project_ids(voting_round)
    session.rollback()
    return result


def _vote_online(app, session, make_user, round_id, email, choices, postcode=None):
    kwargs = {"postcode": postcode} if postcode else {}
    make_voter(make_user, session, email, **kwargs)
    browser = fresh_browser(app)
    sign_in(browser, email)
    response = post_form(browser, f"/vote/{round_id}/ballot", ballot_data(choices))
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    secret = SECRET.search(page)
    return browser, RECEIPT.search(page).group(1), secret.group(1) if secret else None


def _ballots(session) -> dict[str, dict]:
    result = {b.receipt: json.loads(b.choices) for b in session.scalars(select(Ballot))}
    session.rollback()
    return result


def test_another_voters_receipt_or_secret_changes_nothing(app, session, make_user):
    round_id = open_round(session, allow_revote=True)
    districts, projects = _ids(session, round_id)
    north, south = districts["North"], districts["South"]
    buyer, _, buyer_secret = _vote_online(app, session, make_user, round_id, "buyer@example.org",
                                          {north: {projects["Benches on the green"]: 1}})
    _, seller_receipt, seller_secret = _vote_online(
        app, session, make_user, round_id, "seller@example.org",
        {south: {projects["Street trees"]: 1}}, postcode=SOUTH_POSTCODE)
    before = _ballots(session)

    # The buyer holds the seller's receipt and change secret, and his own account.
    for stolen in (seller_receipt, seller_secret):
        response = post_form(buyer, f"/vote/{round_id}/change",
                             ballot_data({north: {projects["Library garden"]: 1}}, secret=stolen))
        assert response.status_code == 400
        assert "That change secret does not match your ballot, so nothing was changed" in \
            response.get_data(as_text=True)
    # A ballot of the seller's district, sent from the buyer's account, changes nothing either.
    response = post_form(buyer, f"/vote/{round_id}/change",
                         ballot_data({south: {projects["Youth club kit"]: 1}}, secret=seller_secret))
    assert response.status_code == 400
    assert _ballots(session) == before

    # The buyer's own secret changes only the buyer's ballot.
    response = post_form(buyer, f"/vote/{round_id}/change",
                         ballot_data({north: {projects["Library garden"]: 1}}, secret=buyer_secret))
    assert response.status_code == 200
    after = _ballots(session)
    assert after[seller_receipt] == before[seller_receipt]
    assert sum(after[r] != before[r] for r in before) == 1


def test_a_code_voter_changes_their_own_ballot_with_code_and_secret(app, session, make_user):
    round_id = open_round(session, allow_revote=True)
    districts, projects = _ids(session, round_id)
    north = districts["North"]
    voting_round = session.get(VotingRound, round_id)
    codes = operations.generate_codes(session, "system", voting_round, district_id=north,
                                      label="Letters", count=2)
    session.commit()
    secrets = {}
    for code, pick in zip(codes, ("Benches on the green", "Playground repairs"), strict=True):
        cast = post_form(fresh_browser(app), f"/vote/{round_id}/code/ballot",
                         ballot_data({north: {projects[pick]: 1}}, code=code))
        assert cast.status_code == 200
        page = cast.get_data(as_text=True)
        assert "your voting code and this secret" in page
        secrets[code] = SECRET.search(page).group(1)
    before = _ballots(session)

    voter = fresh_browser(app)
    start = post_form(voter, f"/vote/{round_id}/code/change",
                      {"code": codes[0], "secret": secrets[codes[0]]})
    assert start.status_code == 200 and "Change your vote" in start.get_data(as_text=True)
    new = {north: {projects["Library garden"]: 1}}
    # The other code voter's secret with this code: refused, nothing changes.
    wrong = post_form(voter, f"/vote/{round_id}/code/change/ballot",
                      ballot_data(new, code=codes[0], secret=secrets[codes[1]]))
    assert wrong.status_code == 400
    assert "does not match your ballot" in wrong.get_data(as_text=True)
    assert _ballots(session) == before

    changed = post_form(voter, f"/vote/{round_id}/code/change/ballot",
                        ballot_data(new, code=codes[0], secret=secrets[codes[0]]))
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert "Your vote is changed" in changed.get_data(as_text=True)
    after = _ballots(session)
    changed_receipts = [r for r in before if after[r] != before[r]]
    assert len(changed_receipts) == 1
    assert after[changed_receipts[0]] == {str(north): {str(projects["Library garden"]): 1},
                                          str(districts["Whole town"]): {}}

    unused = post_form(voter, f"/vote/{round_id}/code/change", {"code": "ABCD-EFGH-JKMN",
                                                                "secret": secrets[codes[0]]})
    assert unused.status_code == 400
    assert "has not been used to vote" in unused.get_data(as_text=True)


def test_a_ballot_naming_none_of_the_voters_contests_is_refused(app, session, make_user):
    round_id = open_round(session)
    districts, projects = _ids(session, round_id)
    make_voter(make_user, session, "empty@example.org")
    browser = fresh_browser(app)
    sign_in(browser, "empty@example.org")
    empty = post_form(browser, f"/vote/{round_id}/ballot", ballot_data({}))
    assert empty.status_code == 400
    assert "Choose at least one project" in empty.get_data(as_text=True)
    # South's projects on a North voter's ballot are not read as choices: still empty.
    other = post_form(browser, f"/vote/{round_id}/ballot",
                      ballot_data({districts["South"]: {projects["Street trees"]: 1}}))
    assert other.status_code == 400
    assert _ballots(session) == {}


def test_a_round_with_a_blank_vote_takes_it_only_when_chosen(app, session, make_user):
    round_id = open_round(session, offers_blank_vote=True)
    districts, projects = _ids(session, round_id)
    make_voter(make_user, session, "blank@example.org")
    browser = fresh_browser(app)
    sign_in(browser, "blank@example.org")
    assert "I want to cast a blank vote" in browser.get(f"/vote/{round_id}/ballot").get_data(as_text=True)
    unticked = post_form(browser, f"/vote/{round_id}/ballot", ballot_data({}))
    assert unticked.status_code == 400
    both = post_form(browser, f"/vote/{round_id}/ballot",
                     ballot_data({districts["North"]: {projects["Library garden"]: 1}}, blank="1"))
    assert both.status_code == 400
    assert _ballots(session) == {}
    blank = post_form(browser, f"/vote/{round_id}/ballot", ballot_data({}, blank="1"))
    assert blank.status_code == 200
    assert list(_ballots(session).values()) == [{str(districts["North"]): {},
                                                 str(districts["Whole town"]): {}}]


def test_the_board_confirms_a_receipt_without_showing_its_ballot(app, client, session, make_user):
    round_id = open_round(session)
    districts, projects = _ids(session, round_id)
    _, receipt, _ = _vote_online(app, session, make_user, round_id, "check@example.org",
                                 {districts["North"]: {projects["Benches on the green"]: 1}})
    voting_round = session.get(VotingRound, round_id)
    operations.transition(session, "system", voting_round, RoundState.COUNTING)
    session.commit()
    page = client.get(f"/vote/{round_id}/board?receipt={receipt.lower()}").get_data(as_text=True)
    assert "Your ballot is on the board and was counted" in page
    found = page.split("Find your ballot")[1].split("All ballots")[0]
    assert "Your ballot is on the board" in found and "Benches on the green" not in found
    board = client.get(f"/vote/{round_id}/board.csv").get_data(as_text=True)
    assert receipt not in board
    assert receipt in client.get(f"/vote/{round_id}/receipts.csv").get_data(as_text=True)
    missing = client.get(f"/vote/{round_id}/board?receipt=AAAA-BBBB-CCCC").get_data(as_text=True)
    assert "No ballot has that receipt code" in missing


def test_a_change_racing_the_close_is_refused(app, session, make_user):
    """The close holds the round's lock while a voter's change arrives: the change waits for
    the lock, then finds voting closed and changes nothing; the board hash fixed by the close
    still describes the ballots. On PostgreSQL the lock is a row lock; on SQLite the
    database's write lock, taken before the round's state is read (voting/locking.py)."""
    round_id = open_round(session, allow_revote=True)
    districts, projects = _ids(session, round_id)
    north = districts["North"]
    # The browsers' requests run in the app; the test arranges and closes through `session`
    # (another app on the same database), so no request shares the test's context or `g`.
    browser, receipt, secret = _vote_online(app, session, make_user, round_id, "racer@example.org",
                                            {north: {projects["Benches on the green"]: 1}})
    data = ballot_data({north: {projects["Library garden"]: 1}}, secret=secret,
                       csrf_token=csrf_token(browser))
    results = []
    asking = threading.Event()

    def watch(conn, cursor, statement, parameters, context, executemany):
        # The change request has begun reading the round (and next asks for its lock).
        if threading.current_thread() is change and "voting_round" in statement:
            asking.set()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    change = threading.Thread(target=lambda: results.append(
        browser.post(f"/vote/{round_id}/change", data=data)))
    try:
        # The close has begun: it holds the round's lock and has fixed the board, not committed.
        voting_round = session.get(VotingRound, round_id)
        operations.transition(session, "system", voting_round, RoundState.COUNTING)
        fixed_hash = voting_round.board_hash
        change.start()
        assert asking.wait(30), "the change request never read the round"
        if ON_POSTGRES:
            with engine.connect() as watcher:
                for _ in range(200):
                    if watcher.execute(text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()")).scalar():
                        break
                    time.sleep(0.05)
                else:
                    pytest.fail("the change did not wait for the round's lock")
        else:
            time.sleep(1)  # time to reach the lock; SQLite's busy wait holds it until the commit
        assert not results, "the change finished while the close held the round's lock"
        session.commit()
        change.join(30)
    finally:
        event.remove(engine, "before_cursor_execute", watch)

    response = results[0]
    assert response.status_code in (400, 409), response.status_code
    assert "Voting has closed" in response.get_data(as_text=True) or \
        "Voting is not open" in response.get_data(as_text=True)
    voting_round = session.get(VotingRound, round_id)
    assert board_hash_of(board_csv(session, voting_round)) == fixed_hash
    ballot = session.scalars(select(Ballot).where(Ballot.receipt == receipt)).one()
    assert json.loads(ballot.choices)[str(north)] == {str(projects["Benches on the green"]): 1}
    session.rollback()
