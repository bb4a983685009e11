"""One transaction per request, and the side effects that must wait for it (STYLE habit 7).

A successful request commits once. A request that fails (status 400 and above) or that
tells the person something went wrong (`flash(..., "error")`, even on a redirect) rolls
everything back, so a refused action never leaves half its changes behind: operations may
raise part-way and views need not undo anything. Work that must only happen once the
decision is durable (sending email, Stripe calls that move money) is queued with
`after_commit(job)` and runs after the commit, each job in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, message_flashed

from commonpot.extensions import db


def after_commit(job: Callable[[], object]) -> None:
    """Run `job()` after this request's transaction commits; never if it rolls back."""
    g.setdefault("after_commit_jobs", []).append(job)


def init_app(app) -> None:
    message_flashed.connect(_note_refusal, app)


def _note_refusal(sender, message, category, **extra) -> None:
    if category == "error":
        g.request_refused = True


def finish_request(response):
    jobs = g.pop("after_commit_jobs", [])
    if response.status_code >= 400 or g.pop("request_refused", False):
        db.session.rollback()
        return response
    db.session.commit()
    for job in jobs:
        try:
            job()
            db.session.commit()
        except Exception:  # noqa: BLE001 - each job is retried by its own command or cron
            db.session.rollback()
            current_app.logger.exception("A job after commit failed; it stays queued")
    _deliver_mail()
    return response


def _deliver_mail() -> None:
    from commonpot.mail import deliver_pending

    try:
        deliver_pending(db.session)
    except OSError:
        db.session.rollback()
        current_app.logger.exception("Mail delivery failed; messages stay pending")
