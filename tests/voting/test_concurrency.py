"""One voter, twenty simultaneous attempts: the database lets exactly one through."""

import threading

import pytest
from sqlalchemy import func, select

from commonpot.extensions import db
from tests.helpers import csrf_token, sign_in
from tests.voting.factories import ballot_data, district_ids, make_voter, open_round, project_ids
from voting.models import Ballot, VoterRollEntry, VotingRound


@pytest.fixture
def app_config(app_config):
    # Twenty casts at once from one account is the race under test, not abuse to throttle.
    return {**app_config, "BALLOT_LIMIT_PER_ACCOUNT": "100 per minute"}


@pytest.mark.postgres_only
def test_twenty_concurrent_attempts_leave_one_ballot_and_one_roll_entry(app, make_user):
    with app.app_context():
        round_id = open_round(db.session)
        voting_round = db.session.get(VotingRound, round_id)
        north, projects = district_ids(voting_round)["North"], project_ids(voting_round)
        make_voter(make_user, db.session, "eager@example.org")
        db.session.remove()

    first = app.test_client()
    sign_in(first, "eager@example.org")
    token = csrf_token(first)
    cookie = first.get_cookie("session", domain="commonpot.test").value
    data = ballot_data({north: {projects["Benches on the green"]: 1}}, csrf_token=token)

    start = threading.Barrier(20)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt():
        browser = app.test_client()
        browser.set_cookie("session", cookie, domain="commonpot.test")
        start.wait()
        response = browser.post(f"/vote/{round_id}/ballot", data=data)
        with lock:
            results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19, statuses
    assert all("You have already voted in this round" in body for status, body in results if status == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count(VoterRollEntry.id))) == 1
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
        db.session.remove()
