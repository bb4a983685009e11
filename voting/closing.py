"""Closing a vote and counting it.

**The close** (`close_voting`, inside the manager's request, holding the round's lock) is
what must be atomic: it reshuffles the ballot table, reads the ballots once, fixes the
board (its hash and its two CSV files, stored), announces it in the audit log and queues
the count. From then on no ballot can change.

**The count** (`count_job`, a job: RQ with a timeout, or in-process after the response)
checks that the ballots still make the announced board, appends every published ballot and
then every receipt to the audit log as leaves (so the board anyone downloads is a set of
leaves in the signed log, and a receipt has an inclusion proof), stores the board's pages,
counts each district from the board, committing its progress district by district so the
manager's page can say how far it has got, stores the results and their downloads, and
records `voting.counted`. A count that fails says why on the manager's page, which
offers to count again; one that stops moving (a worker killed mid-job) can be counted
again too, and `commonpot voting count-pending` (run by the scheduler) does that unasked.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from commonpot import jobs
from commonpot.audit import AuditTampered, record
from commonpot.audit.verify import signed_payload
from commonpot.db import utcnow
from commonpot.i18n import _
from voting import artefacts, board
from voting.errors import VotingError
from voting.locking import lock_round
from voting.models import CountState, VoterRollEntry, VotingCount, VotingRound
from voting.states import RoundState

log = logging.getLogger("commonpot.voting.count")

COUNT_JOB = "voting.closing:count_job"
# The longest a count may run before the worker stops it (and it is retried).
COUNT_TIMEOUT = 15 * 60
# A count whose progress has not moved for this long is taken to be lost.
STALE_AFTER = timedelta(seconds=COUNT_TIMEOUT + 60)
# A queued count nobody has started after this long is queued again by the sweep.
QUEUED_GRACE = timedelta(minutes=2)


class CountRefused(VotingError):
    pass


# --- the close ----------------------------------------------------------------------------

def close_voting(session: Session, actor, voting_round: VotingRound) -> None:
    """Voting → counting, in the caller's transaction (the round is locked by the caller).

    Only what must be atomic with the close happens here: the reshuffle, the board's hash
    and its two CSV files, the announcement in the audit log. The leaves, the board's pages
    and the count are the job's."""
    from voting.secrecy import reshuffle

    # Erase what storage order and transaction ids say about who cast which ballot.
    reshuffle(session, voting_round.id)
    fixed = board.build(session, voting_round)
    # The board is fixed before the state changes: from now on no ballot can change.
    voting_round.board_hash = fixed.sha256
    voting_round.state = RoundState.COUNTING
    session.flush()
    artefacts.store_many(session, voting_round.id, {
        board.BOARD_CSV: (fixed.csv, artefacts.CSV),
        board.RECEIPTS_CSV: (fixed.receipts_csv, artefacts.CSV)})
    turnout = dict(session.execute(
        select(VoterRollEntry.channel, func.count(VoterRollEntry.id))
        .where(VoterRollEntry.round_id == voting_round.id).group_by(VoterRollEntry.channel)).all())
    record(session, actor, "voting.board_published", "voting_round", voting_round.id,
           {"board_sha256": fixed.sha256, "receipts_sha256": fixed.receipts_sha256,
            "ballots": len(fixed.entries), "turnout": {str(k): v for k, v in turnout.items()}})
    session.add(VotingCount(round_id=voting_round.id, state=CountState.QUEUED,
                            districts_total=len(voting_round.districts), districts_done=0,
                            attempts=0, updated_at=utcnow()))
    session.flush()
    jobs.enqueue_after_commit(COUNT_JOB, voting_round.id, timeout=COUNT_TIMEOUT)


# --- the count ----------------------------------------------------------------------------

def count_of(session: Session, round_id: int) -> VotingCount | None:
    return session.get(VotingCount, round_id)


def is_stale(count: VotingCount, now=None) -> bool:
    now = now or utcnow()
    if count.state == CountState.COUNTING:
        return now - count.updated_at > STALE_AFTER
    if count.state == CountState.QUEUED:
        return now - count.updated_at > QUEUED_GRACE
    return False


def _lock_count(session: Session, round_id: int) -> VotingCount | None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(VotingCount).where(VotingCount.round_id == round_id)
                        .values(round_id=VotingCount.round_id))
    return session.scalar(select(VotingCount).where(VotingCount.round_id == round_id)
                          .with_for_update().execution_options(populate_existing=True))


def count_job(session: Session, round_id: int) -> str:
    """The job: count a closed round and store its results. Commits its own progress."""
    count = _lock_count(session, round_id)
    if count is None:
        return "no count"
    if count.state == CountState.COUNTED:
        return "already counted"
    if count.state == CountState.COUNTING and not is_stale(count):
        return "already counting"
    count.state = CountState.COUNTING
    count.attempts += 1
    count.districts_done = 0
    count.error = None
    count.updated_at = utcnow()
    session.commit()
    try:
        count_closed_round(session, session.get(VotingRound, round_id), commit_progress=True)
        session.commit()
    except Exception as exc:
        session.rollback()
        _fail(session, round_id, exc)
        raise
    return "counted"


def _fail(session: Session, round_id: int, exc: Exception) -> None:
    log.exception("The count of voting round %s failed", round_id)
    count = _lock_count(session, round_id)
    if count is None:
        return
    count.state = CountState.FAILED
    count.error = (str(exc) or type(exc).__name__)[:500]
    count.updated_at = utcnow()
    session.commit()


def count_closed_round(session: Session, voting_round: VotingRound, *,
                       commit_progress: bool = False) -> None:
    """Publish a closed round's board as audit leaves, store its pages, count it from the
    published board and store the results and downloads.

    The job's work, in three steps that each end in a commit when `commit_progress` is set
    (the job), so the audit log's append lock is held only while the leaves are written and
    the manager sees each district counted; without it everything stays in the caller's
    transaction (a command or a test that wants the results at once). A step already done
    by an earlier attempt is not done again."""
    from voting import results

    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        raise CountRefused(_("Only a round whose voting has closed can be counted."))
    count = count_of(session, voting_round.id)

    def step_done() -> None:
        if count is not None:
            count.updated_at = utcnow()
        if commit_progress:
            session.commit()

    fixed = board.build(session, voting_round)
    # Count exactly the published set: the ballots must still make the board whose hash the
    # close recorded in the audit log (and which its leaves rebuild, commonpot-verify board).
    # The hash is read from the signed event, not only from the round's row: someone who can
    # rewrite ballots in the database can rewrite that column too, but cannot sign.
    try:
        published = signed_payload(session, "voting.board_published", "voting_round",
                                   voting_round.id)
    except AuditTampered as exc:
        raise CountRefused(_("The audit log's record of the board published when voting closed "
                             "cannot be trusted, so the ballots were not counted. Check the audit "
                             "log (commonpot audit verify).")) from exc
    if fixed.sha256 != voting_round.board_hash or fixed.sha256 != published.get("board_sha256"):
        raise CountRefused(_("The ballots no longer match the board published when voting closed, "
                             "so they were not counted. Check the audit log (commonpot audit verify)."))
    if not board.leaves_published(session, voting_round):
        leaves = board.publish_leaves(session, voting_round, fixed)
        record(session, "system", "voting.board_leaves_appended", "voting_round", voting_round.id,
               leaves)
        step_done()
    if board.board_info(session, voting_round) is None:
        board.store_board(session, voting_round, fixed)
        step_done()

    def progress(_district) -> None:
        if count is not None:
            count.districts_done += 1
        step_done()

    results.count_round(session, voting_round, fixed.entries, progress)
    artefacts.store_many(session, voting_round.id,
                         results.results_files(session, voting_round, fixed.entries))
    stored = artefacts.load(session, voting_round.id, results.RESULTS_CSV)
    record(session, "system", "voting.counted", "voting_round", voting_round.id,
           {"rule": voting_round.counting_rule, "results_sha256": stored.sha256,
            "attempt": count.attempts if count is not None else 1})
    if count is not None:
        count.state = CountState.COUNTED
        count.districts_done = count.districts_total
        count.finished_at = count.updated_at = utcnow()
        count.error = None
    session.flush()


def retry_count(session: Session, actor, voting_round: VotingRound) -> None:
    """The manager asks for the count again: after a failure, or when it has stopped moving."""
    count = _lock_count(session, voting_round.id)
    if count is None or voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        raise CountRefused(_("This round has no count to run again."))
    if count.state == CountState.COUNTED:
        raise CountRefused(_("The count has finished; there is nothing to run again."))
    if count.state != CountState.FAILED and not is_stale(count):
        raise CountRefused(_("The count is still running. Refresh the page to see how far it has got."))
    count.state = CountState.QUEUED
    count.error = None
    count.districts_done = 0
    count.updated_at = utcnow()
    session.flush()
    record(session, actor, "voting.count_retried", "voting_round", voting_round.id,
           {"attempts": count.attempts})
    jobs.enqueue_after_commit(COUNT_JOB, voting_round.id, timeout=COUNT_TIMEOUT)


def requeue_pending(session: Session) -> list[int]:
    """The sweep: queue again every count that was queued or started and then lost. Returns
    the rounds queued."""
    now = utcnow()
    queued = []
    for count in session.scalars(select(VotingCount).where(
            VotingCount.state.in_([CountState.QUEUED, CountState.COUNTING]))):
        if is_stale(count, now):
            count.updated_at = now
            if count.state == CountState.COUNTING:
                count.state = CountState.QUEUED
            queued.append(count.round_id)
            jobs.enqueue_after_commit(COUNT_JOB, count.round_id, timeout=COUNT_TIMEOUT)
    session.flush()
    return queued


def require_counted(session: Session, voting_round: VotingRound) -> None:
    count = count_of(session, voting_round.id)
    if count is None or count.state != CountState.COUNTED:
        raise CountRefused(_("The count has not finished yet, so the results cannot be published. "
                             "Wait for it to finish (refresh the page), or count again if it failed."))


__all__ = ["COUNT_JOB", "CountRefused", "close_voting", "count_closed_round", "count_job",
           "lock_round", "requeue_pending", "require_counted", "retry_count"]
