"""The job queue: slow or fallible work (mail, Stripe, counting, the clock) runs here,
never inside a request (STYLE habit 7).

A job is a plain function named by its dotted path (``"payments.jobs:pay_instalment"``)
and called with JSON-able arguments inside an app context; it changes state through the
session and returns, and the runner commits once (or rolls back if it raises). Naming
functions by path keeps this platform module free of imports from the domain packages.

Two backends, chosen by configuration:

- ``REDIS_URL`` set: RQ on Redis. ``commonpot worker`` runs the jobs, with retries and
  back-off and a timeout per job. If Redis cannot be reached when a job is queued, the job
  runs in this process instead (the site stays up; nothing is lost, since every job's
  durable state lives in the database and the scheduler's periodic sweeps pick up the rest).
- otherwise: in-process. A job queued during a request runs after the response has been
  sent (``response.call_on_close``); outside a request (CLI, scheduler) it runs at once.
  This keeps the demo one command with no other process to start.

Queue work decided by a request with ``enqueue_after_commit()``: it is handed over only
if the request's transaction commits (``commonpot.transaction``).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("commonpot.jobs")

QUEUE_NAME = "commonpot"
DEFAULT_TIMEOUT = 120  # seconds; a job that runs longer is stopped by the worker and retried
# Seconds to wait before each retry: short first (a blip), then longer (an outage).
RETRY_INTERVALS = [10, 60, 300]


@dataclass
class Job:
    name: str | Callable  # a dotted path; a callable only for in-process follow-ups
    args: tuple = ()
    timeout: int = DEFAULT_TIMEOUT
    job_id: str | None = None
    description: str = field(default="")


def resolve(name: str) -> Callable:
    module_name, _, attr = name.partition(":")
    if not attr:
        raise ValueError(f"A job name is 'package.module:function', not {name!r}")
    return getattr(importlib.import_module(module_name), attr)


# --- queueing ------------------------------------------------------------------------------

def enqueue_after_commit(name: str, *args, timeout: int = DEFAULT_TIMEOUT,
                         job_id: str | None = None) -> None:
    """Queue `name(*args)` once the current transaction commits; never if it rolls back.

    Works the same in a request, a CLI command or a job: the jobs ride on the session and
    are handed over by its commit (`_hand_over`), so a job never looks for rows that are
    not yet visible to it."""
    from commonpot.extensions import db

    job = Job(name, tuple(args), timeout, job_id)
    pending = db.session().info.setdefault(_PENDING, [])
    # The same job twice in one transaction (ten emails, one delivery run) is queued once.
    if all((j.name, j.args) != (job.name, job.args) for j in pending):
        pending.append(job)


_PENDING = "commonpot_jobs_after_commit"


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        dispatch(pending)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def enqueue(name: str, *args, timeout: int = DEFAULT_TIMEOUT, job_id: str | None = None) -> str:
    """Queue a job now. Returns how it went: 'queued', 'deferred' (runs after this
    response), or 'ran' (in-process, already done)."""
    return dispatch([Job(name, tuple(args), timeout, job_id)])


def dispatch(jobs: list[Job]) -> str:
    if not jobs:
        return "none"
    app = current_app._get_current_object()
    queue = _rq_queue(app)
    if queue is not None:
        try:
            for job in jobs:
                _rq_enqueue(queue, job)
            return "queued"
        except Exception:  # noqa: BLE001 - Redis down: fall back rather than lose the work
            log.warning("Redis unreachable; running %d job(s) in this process", len(jobs),
                        exc_info=True)
    return _run_in_process(app, jobs)


def _rq_queue(app: Flask):
    url = app.config.get("JOBS_REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    connection = app.extensions.get("commonpot_jobs_redis")
    if connection is None:
        # Short timeouts: a stopped Redis must cost a request milliseconds, not minutes.
        connection = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        app.extensions["commonpot_jobs_redis"] = connection
    return Queue(app.config.get("JOBS_QUEUE", QUEUE_NAME), connection=connection)


def _rq_enqueue(queue, job: Job) -> None:
    from rq import Retry

    queue.enqueue("commonpot.jobs.perform", job.name, *job.args, job_timeout=job.timeout,
                  job_id=job.job_id, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                  description=job.name, result_ttl=3600, failure_ttl=7 * 24 * 3600)


def _run_in_process(app: Flask, jobs: list[Job]) -> str:
    if has_request_context() and not app.config.get("JOBS_RUN_IMMEDIATELY"):
        g.setdefault("jobs_after_response", []).extend(jobs)
        return "deferred"
    for job in jobs:
        run_safely(app, job)
    return "ran"


def attach_to_response(response) -> None:
    """In-process mode: run this request's jobs once the response has gone to the client."""
    jobs = g.pop("jobs_after_response", [])
    if not jobs:
        return
    app = current_app._get_current_object()
    response.call_on_close(lambda: [run_safely(app, job) for job in jobs])


def run_safely(app: Flask, job: Job) -> bool:
    """Run a job in-process; log and swallow failures (periodic sweeps retry the work)."""
    try:
        with app.app_context():
            _perform(job.name, job.args)
        return True
    except Exception:  # noqa: BLE001 - a failing job must not take the web process with it
        log.exception("Job %s failed; its work stays recorded for the next sweep", job.name)
        return False


# --- running -------------------------------------------------------------------------------

_worker_app: Flask | None = None
_worker_lock = threading.Lock()


def set_worker_app(app: Flask) -> None:
    """The worker builds the app once, before forking, so each job starts warm."""
    global _worker_app
    _worker_app = app


def perform(name: str, *args):
    """RQ's entry point: run one job in an app context and commit once."""
    global _worker_app
    if has_app_context():
        return _perform(name, args)
    with _worker_lock:
        if _worker_app is None:
            from commonpot.app import create_app

            _worker_app = create_app()
    with _worker_app.app_context():
        return _perform(name, args)


def _perform(name: str, args: tuple):
    from commonpot.extensions import db

    try:
        result = name() if callable(name) else resolve(name)(db.session, *args)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("job done: %s", getattr(name, "__qualname__", name))
    return result


# --- looking --------------------------------------------------------------------------------

def queue_status(app: Flask) -> dict:
    """For /readyz and the admin: is the queue reachable, and how much is waiting or failed."""
    queue = _rq_queue(app)
    if queue is None:
        return {"backend": "in-process", "ok": True}
    try:
        queue.connection.ping()
        return {"backend": "redis", "ok": True, "queued": queue.count,
                "failed": queue.failed_job_registry.count}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"backend": "redis", "ok": False, "error": type(exc).__name__}
