"""One transaction per request, and the side effects that must wait for it (STYLE habit 7).

A successful request commits once. A request that fails (status 400 and above) or that
tells the person something went wrong (`flash(..., "error")`, even on a redirect) rolls
everything back, so a refused action never leaves half its changes behind: operations may
raise part-way and views need not undo anything. Work that must only happen once the
decision is durable (sending email, Stripe calls that move money, counting) is queued with
`commonpot.jobs.enqueue_after_commit(...)` and handed to the job queue after the commit;
nothing slow runs here, so a request costs its own queries and no more.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, message_flashed

from commonpot import jobs
from commonpot.extensions import db


def after_commit(job: Callable[[], object]) -> None:
    """Run `job()` in this process after the response, once the transaction has committed.

    Prefer `jobs.enqueue_after_commit(name, ...)`, which a worker runs with retries; this
    is for small in-process follow-ups that need no worker."""
    g.setdefault("after_commit_callables", []).append(job)


def reset_session() -> None:
    """Roll back; if the connection is gone and even that fails, throw the session away so
    the next thing (an error page, the next request) starts on a fresh connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection: nothing left to roll back
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001
            db.session.registry.clear()


def init_app(app) -> None:
    message_flashed.connect(_note_refusal, app)


def _note_refusal(sender, message, category, **extra) -> None:
    if category == "error":
        g.request_refused = True


def finish_request(response):
    callables = g.pop("after_commit_callables", [])
    if response.status_code >= 400 or g.pop("request_refused", False):
        reset_session()
        return response
    db.session.commit()  # hands this transaction's queued jobs to the queue (commonpot.jobs)
    g.setdefault("jobs_after_response", []).extend(jobs.Job(job) for job in callables)
    jobs.attach_to_response(response)
    return response
