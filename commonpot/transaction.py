"""One transaction per request, and the side effects that must wait for it (STYLE habit 7).

A successful request commits once; an error rolls everything back. Work that must only
happen once the decision is durable (sending email, Stripe calls that move money) is
queued with `after_commit(job)` and runs after the commit, each job in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g

from commonpot.extensions import db


def after_commit(job: Callable[[], object]) -> None:
    """Run `job()` after this request's transaction commits; never if it rolls back."""
    g.setdefault("after_commit_jobs", []).append(job)


def finish_request(response):
    jobs = g.pop("after_commit_jobs", [])
    if response.status_code >= 400:
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
