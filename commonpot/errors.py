"""Friendly error pages in plain English, and the one handler for refusals.

Every handler rolls the session back before rendering: the page must never fail because
the request's transaction did (a broken connection, a refused operation half-way through).
"""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from commonpot.extensions import db
from commonpot.refusals import Refused

# Unprocessable: the operation refused; the person sees why.
REFUSED = 422

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    401: ("Sign in to continue", "You need to sign in to see this page."),
    403: ("You cannot see this page", "Your account does not have permission for this page. "
          "If you think it should, contact the fund team."),
    404: ("Page not found", "Check the address, or go to the home page."),
    405: ("That action is not allowed here", "Go back and try again from the page's own form."),
    413: ("That file is too large", "Files must be 10 MB or smaller. Make it smaller and try again."),
    422: ("That could not be done", "Go back, check what you entered and try again."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, something went wrong", "The problem has been recorded. Try again in a few minutes."),
}


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def _roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection must not stop the error page
        current_app.logger.exception("Rolling back before an error page failed")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return {"error": title, "detail": detail or message}, code
    try:
        return render_template("errors/error.html", code=code, title=title,
                               message=detail or message), code
    except Exception:  # noqa: BLE001 - the page itself needed the database; say it plainly
        current_app.logger.exception("The error page could not be rendered")
        from markupsafe import escape
        return (f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                f"<p>{escape(detail or message)}</p>"), code


def _back_address() -> str | None:
    """Where the refused form came from, if it was one of our own pages."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return referrer


def handle_refusal(refusal: Refused):
    """An operation refused: undo everything the request did, then tell the person why, on
    the page they came from (or, without one, on an error page)."""
    _roll_back()
    if _wants_json():
        return {"error": MESSAGES[REFUSED][0], "detail": refusal.message,
                "field": refusal.field, "details": list(refusal.details)}, REFUSED
    back = _back_address()
    if back is None:
        detail = " ".join((refusal.message, *refusal.details))
        return render_error(REFUSED, detail)
    flash(refusal.message, "error")
    for line in refusal.details[:20]:
        flash(line, "error")
    return redirect(back, code=303)


def register_error_handlers(app) -> None:
    app.register_error_handler(Refused, handle_refusal)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _roll_back()
        return render_error(400, "This form has expired or was not sent from Commonpot. "
                                 "Go back, reload the page and try again.")

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        _roll_back()
        return render_error(429, error.description)

    @app.errorhandler(HTTPException)
    def http_error(error):
        _roll_back()
        if error.code == 401:
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("Unhandled error")
        _roll_back()
        return render_error(500)
