"""Friendly error pages in plain English, and the one handler for refusals.

Every handler rolls the session back before rendering: the page must never fail because
the request's transaction did (a broken connection, a refused operation half-way through).
"""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException, SecurityError

from commonpot.i18n import _, _l, ngettext
from commonpot.logs import request_id
from commonpot.refusals import Refused

# Unprocessable: the operation refused; the person sees why.
REFUSED = 422

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Go back, check what you entered and try again.")),
    401: (_l("Sign in to continue"), _l("You need to sign in to see this page.")),
    403: (_l("You cannot see this page"), _l("Your account does not have permission for this page. "
          "If you think it should, contact the fund team.")),
    404: (_l("Page not found"), _l("Check the address, or go to the home page.")),
    405: (_l("That action is not allowed here"), _l("Go back and try again from the page's own form.")),
    413: (_l("That file is too large"), _l("Files must be 10 MB or smaller. Make it smaller and try again.")),
    422: (_l("That could not be done"), _l("Go back, check what you entered and try again.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes and try again.")),
    500: (_l("Sorry, something went wrong"),
          _l("The problem has been recorded. Try again in a few minutes.")),
}


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def _roll_back() -> None:
    # If even the rollback fails (the connection is gone), the session is thrown away so
    # the page (navigation, the signed-in user) runs on a fresh connection.
    from commonpot.transaction import reset_session

    reset_session()


def render_error(code: int, detail: str | None = None):
    title, message = (str(text) for text in MESSAGES.get(code, MESSAGES[500]))
    reference = request_id()
    if _wants_json():
        return {"error": title, "detail": detail or message, "request_id": reference}, code
    try:
        return render_template("errors/error.html", code=code, title=title,
                               message=detail or message, request_id=reference), code
    except Exception:  # noqa: BLE001 - the page itself needed the database; say it plainly
        current_app.logger.exception("The error page could not be rendered")
        from markupsafe import escape
        return (f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                f"<p>{escape(detail or message)}</p>"
                "<p>" + escape(_("If you contact us about this, quote reference %(reference)s.",
                                 reference=reference or "")) + "</p>"), code


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
        return {"error": str(MESSAGES[REFUSED][0]), "detail": str(refusal.message),
                "field": refusal.field, "details": list(refusal.details)}, REFUSED
    back = _back_address()
    if back is None:
        detail = " ".join((refusal.message, *refusal.details))
        return render_error(REFUSED, detail)
    flash(refusal.message, "error")
    for line in refusal.details[:20]:
        flash(line, "error")
    return redirect(back, code=303)


def _is_ours(error) -> bool:
    from werkzeug.exceptions import BadRequest

    return bool(error.description) and error.description != BadRequest.description \
        and "browser (or proxy)" not in error.description


def _retry_in() -> str:
    """'Try again in 3 minutes.' from the limit that was hit."""
    import math
    import time

    from commonpot.extensions import limiter

    try:
        reset_at = limiter.current_limit.reset_at
    except Exception:  # noqa: BLE001 - the wording is a courtesy; never fail the 429 page
        return ""
    seconds = max(1, math.ceil(reset_at - time.time()))
    if seconds < 60:
        return ngettext("Try again in %(num)s second.", "Try again in %(num)s seconds.", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Try again in %(num)s minute.", "Try again in %(num)s minutes.", minutes)


def register_error_handlers(app) -> None:
    app.register_error_handler(Refused, handle_refusal)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _roll_back()
        return render_error(400, _("This form has expired or was not sent from Commonpot. "
                                   "Go back, reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        _roll_back()
        return render_error(429, f"{error.description} {_retry_in()}".strip())

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # No page of ours can be built for a host we do not serve (links need the host).
        _roll_back()
        return (_("This site does not answer to that host name."), 400,
                {"Content-Type": "text/plain; charset=utf-8"})

    @app.errorhandler(HTTPException)
    def http_error(error):
        _roll_back()
        if error.code == 401:
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        # Our own abort(400, "...") messages are written for people; Werkzeug's are not.
        detail = error.description if error.code == 400 and _is_ours(error) else None
        return render_error(error.code or 500, detail)

    @app.errorhandler(DataError)
    @app.errorhandler(StatementError)
    def value_out_of_range(error):
        # A value a form let through but the database cannot hold (too long for its column,
        # beyond BIGINT). The edge checks should have caught it: log it so we fix the form,
        # and tell the person plainly.
        _roll_back()
        if isinstance(error, StatementError) and not isinstance(
                error, DataError) and not isinstance(error.orig, OverflowError | ValueError):
            app.logger.exception("Unhandled database error")
            return render_error(500)
        app.logger.warning("A value out of the database's range reached it: %s", error)
        return render_error(400, _("A value you entered is too long or too large. "
                                   "Go back, check it and try again."))

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("Unhandled error")
        _roll_back()
        return render_error(500)
