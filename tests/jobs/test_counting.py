"""Counting at the close is a job: the manager's request closes the vote (board fixed,
leaves appended) and only queues the count; a worker counts; the manager's page shows how
far it has got, any failure, and a retry; a lost count is picked up again."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, text, update

from commonpot.audit import AuditEvent
from commonpot.db import utcnow
from tests.audit.helpers import as_database_owner
from tests.conftest import TEST_AUDIT_KEY
from tests.helpers import post_form, sign_in
from tests.jobs.test_queue import run_commonpot
from tests.voting.factories import (
    ballot_data,
    district_ids,
    fresh_browser,
    make_voter,
    open_round,
    project_ids,
)
from voting import board, operations
from voting.models import Ballot, CountState, ResultRow, VotingCount, VotingRound
from voting.states import RoundState

WORKER_ENV = {"AUDIT_SIGNING_KEY": TEST_AUDIT_KEY, "PUBLIC_BASE_URL": "http://commonpot.test"}


def _round_with_votes(app, session, make_user) -> tuple[int, object]:
    """A round with two ballots cast over HTTP, and its manager signed in."""
    round_id = open_round(session)
    voting_round = session.get(VotingRound, round_id)
    districts, projects, fund_id = district_ids(voting_round), project_ids(voting_round), voting_round.fund_id
    session.rollback()
    for email, pick in (("ann@example.org", "Library garden"), ("bob@example.org", "Benches on the green")):
        make_voter(make_user, session, email)
        browser = fresh_browser(app)
        sign_in(browser, email)
        cast = post_form(browser, f"/vote/{round_id}/ballot",
                         ballot_data({districts["North"]: {projects[pick]: 1}}))
        assert cast.status_code == 200
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "manager@example.org")
    return round_id, manager


def _count(session, round_id) -> VotingCount:
    session.expire_all()
    count = session.get(VotingCount, round_id)
    session.rollback()
    return count


def _results(session, round_id) -> int:
    n = session.scalar(select(func.count(ResultRow.id)).where(ResultRow.round_id == round_id))
    session.rollback()
    return n


def test_the_close_only_queues_the_count_and_a_worker_counts(redis_server, app, session, make_user):
    app.config["JOBS_REDIS_URL"] = redis_server.url
    round_id, manager = _round_with_votes(app, session, make_user)

    closed = post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"})
    assert closed.status_code == 302
    # The close fixed the board and queued the count; the request counted nothing.
    count = _count(session, round_id)
    assert count.state == CountState.QUEUED and count.districts_total == 3
    assert _results(session, round_id) == 0
    page = manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    assert "The count is waiting to start" in page
    assert "Publish the results" not in page
    assert "The count is waiting to start" in manager.get(f"/vote/{round_id}/results").get_data(as_text=True)
    # The board is public at once, from storage.
    assert manager.get(f"/vote/{round_id}/board.csv").status_code == 200
    early = post_form(manager, f"/vote/{round_id}/advance", {"target": "published"})
    assert early.status_code == 409
    assert "The count has not finished yet" in early.get_data(as_text=True)

    done = run_commonpot(app, redis_server.url, "worker", "--burst", extra_env=WORKER_ENV)
    assert done.returncode == 0, done.stderr
    count = _count(session, round_id)
    assert count.state == CountState.COUNTED and count.districts_done == 3 and count.attempts == 1
    assert _results(session, round_id) == 6
    counted = session.scalars(select(AuditEvent).where(AuditEvent.action == "voting.counted")).one()
    assert counted.public_data["rule"] == "greedy" and len(counted.public_data["results_sha256"]) == 64
    session.rollback()
    results = manager.get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert "Library garden" in results and "Selected" in results
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "published"}).status_code == 302


def test_a_count_lost_with_its_worker_shows_its_progress_and_is_counted_again(
        redis_server, app, session, make_user):
    app.config["JOBS_REDIS_URL"] = redis_server.url
    round_id, manager = _round_with_votes(app, session, make_user)
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"}).status_code == 302
    # A worker started the count, committed one district, and was killed.
    session.execute(update(VotingCount).where(VotingCount.round_id == round_id).values(
        state=CountState.COUNTING, districts_done=1, attempts=1, updated_at=utcnow()))
    session.commit()
    page = manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    assert "Counting: 1 of 3 districts counted" in page
    assert "Count again" not in page
    busy = post_form(manager, f"/vote/{round_id}/count/retry")
    assert busy.status_code == 409 and "still running" in busy.get_data(as_text=True)

    # Nothing has moved for longer than a count may take: the manager may count again.
    session.execute(update(VotingCount).where(VotingCount.round_id == round_id).values(
        updated_at=utcnow() - timedelta(hours=1)))
    session.commit()
    assert "Count again" in manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    again = post_form(manager, f"/vote/{round_id}/count/retry")
    assert again.status_code == 302
    assert _count(session, round_id).state == CountState.QUEUED

    done = run_commonpot(app, redis_server.url, "worker", "--burst", extra_env=WORKER_ENV)
    assert done.returncode == 0, done.stderr
    count = _count(session, round_id)
    assert count.state == CountState.COUNTED and count.attempts == 2
    assert _results(session, round_id) == 6
    page = manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    assert "Publish the results" in page and "Count again" not in page


def test_a_count_trusts_the_signed_board_hash_not_the_rounds_column(app, session, make_user):
    """Someone with the database who changes a ballot and rewrites the round's board hash to
    match still cannot get it counted: the count reads the hash from the close's signed audit
    event, which they cannot re-sign."""
    round_id, manager = _round_with_votes(app, session, make_user)
    victim = session.scalar(select(func.min(Ballot.id)))
    session.rollback()
    voting_round = session.get(VotingRound, round_id)
    operations.transition(session, "system", voting_round, RoundState.COUNTING)
    session.execute(text("UPDATE voting_ballot SET choices = :c WHERE id = :i"),
                    {"c": '{"1": {}}', "i": victim})
    session.expire_all()
    voting_round = session.get(VotingRound, round_id)
    voting_round.board_hash = board.build(session, voting_round).sha256
    session.commit()  # in-process: the queued count runs now

    count = _count(session, round_id)
    assert count.state == CountState.FAILED
    assert "no longer match the board" in count.error
    assert _results(session, round_id) == 0


def test_a_count_refuses_a_board_event_rewritten_in_the_database(app, session, make_user,
                                                                 database_url):
    """Going further, the database owner also rewrites the close's audit event to name the
    new board: its leaf no longer matches its hash and signature, so the count still refuses."""
    round_id, manager = _round_with_votes(app, session, make_user)
    victim = session.scalar(select(func.min(Ballot.id)))
    session.rollback()
    voting_round = session.get(VotingRound, round_id)
    operations.transition(session, "system", voting_round, RoundState.COUNTING)
    session.execute(text("UPDATE voting_ballot SET choices = :c WHERE id = :i"),
                    {"c": '{"1": {}}', "i": victim})
    session.commit()  # in-process: the queued count runs now, and fails on the board's hash
    assert _count(session, round_id).state == CountState.FAILED

    forged = board.build(session, session.get(VotingRound, round_id)).sha256
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "voting.board_published"))
    payload = {**event.public_data, "board_sha256": forged}
    session.rollback()
    with as_database_owner(database_url) as conn:
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"),
                     {"p": json.dumps(payload, sort_keys=True, separators=(",", ":")), "s": event.seq})
        conn.execute(text("UPDATE voting_round SET board_hash = :h WHERE id = :i"),
                     {"h": forged, "i": round_id})
    assert post_form(manager, f"/vote/{round_id}/count/retry").status_code == 302

    count = _count(session, round_id)
    assert count.state == CountState.FAILED and count.attempts == 2
    assert "cannot be trusted" in count.error
    assert _results(session, round_id) == 0


def test_a_failed_count_is_shown_with_a_retry(app, session, make_user):
    """Without Redis the count runs after the close's response. Ballots changed after the
    close (by someone with the database) no longer make the published board: the count
    refuses them, the manager sees why and can count again once they are put back."""
    round_id, manager = _round_with_votes(app, session, make_user)
    original = dict(session.execute(select(Ballot.id, Ballot.choices)).all())
    session.rollback()
    # Someone with the database changes a ballot between the close and its count: here in
    # the closing transaction itself, so the count, run when it commits, finds it changed.
    voting_round = session.get(VotingRound, round_id)
    operations.transition(session, "system", voting_round, RoundState.COUNTING)
    victim = sorted(original)[0]
    session.execute(text("UPDATE voting_ballot SET choices = :c WHERE id = :i"),
                    {"c": '{"1": {}}', "i": victim})
    session.commit()  # in-process: the queued count runs now, and fails

    count = _count(session, round_id)
    assert count.state == CountState.FAILED and count.attempts == 1
    assert "no longer match the board" in count.error
    assert _results(session, round_id) == 0
    page = manager.get(f"/vote/{round_id}/manage").get_data(as_text=True)
    assert "The count stopped with an error" in page and "no longer match the board" in page
    assert "Count again" in page and "Publish the results" not in page

    session.execute(text("UPDATE voting_ballot SET choices = :c WHERE id = :i"),
                    {"c": original[victim], "i": victim})
    session.commit()
    again = post_form(manager, f"/vote/{round_id}/count/retry")
    assert again.status_code == 302
    count = _count(session, round_id)
    assert count.state == CountState.COUNTED and count.attempts == 2 and count.error is None
    assert _results(session, round_id) == 6
    retried = session.scalars(select(AuditEvent).where(AuditEvent.action == "voting.count_retried")).one()
    assert retried.public_data == {"attempts": 1}
    session.rollback()


def test_the_scheduler_sweep_queues_a_lost_count_again(redis_server, app, session, make_user):
    app.config["JOBS_REDIS_URL"] = redis_server.url
    round_id, manager = _round_with_votes(app, session, make_user)
    assert post_form(manager, f"/vote/{round_id}/advance", {"target": "counting"}).status_code == 302
    # Redis restarts without persistence before any worker took the job: the queue is gone.
    redis_server.stop()
    redis_server.start()
    swept = run_commonpot(app, redis_server.url, "voting", "count-pending", extra_env=WORKER_ENV)
    assert "No counts waiting" in swept.stdout  # queued a moment ago: a worker may be on it
    session.execute(update(VotingCount).where(VotingCount.round_id == round_id).values(
        updated_at=utcnow() - timedelta(minutes=10)))
    session.commit()
    swept = run_commonpot(app, redis_server.url, "voting", "count-pending", extra_env=WORKER_ENV)
    assert swept.returncode == 0, swept.stderr
    assert f"Counts queued again for rounds: {round_id}" in swept.stdout
    assert _count(session, round_id).state == CountState.QUEUED
    done = run_commonpot(app, redis_server.url, "worker", "--burst", extra_env=WORKER_ENV)
    assert done.returncode == 0, done.stderr
    assert _count(session, round_id).state == CountState.COUNTED
    assert _results(session, round_id) == 6
