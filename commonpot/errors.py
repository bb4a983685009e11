"""Friendly error pages in plain English."""

from flask import Response, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from commonpot.logs import request_id

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    401: ("Sign in to continue", "You need to sign in to see this page."),
    403: ("You cannot see this page", "Your account does not have permission for this page. "
          "If you think it should, contact the fund team."),
    404: ("Page not found", "Check the address, or go to the home page."),
    405: ("That action is not allowed here", "Go back and try again from the page's own form."),
    413: ("That file is too large", "Files must be 10 MB or smaller. Make it smaller and try again."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, something went wrong", "The problem has been recorded. Try again in a few minutes."),
}


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    reference = request_id()
    if code >= 500:
        # The failure may have been the database connection itself: the page (navigation,
        # the signed-in user) needs a fresh session.
        from commonpot.transaction import reset_session

        reset_session()
    if _wants_json():
        return {"error": title, "detail": detail or message, "request_id": reference}, code
    try:
        return render_template("errors/error.html", code=code, title=title,
                               message=detail or message, request_id=reference), code
    except Exception:  # noqa: BLE001 - the page itself failed (database gone): plain text
        current_app.logger.exception("The error page could not be rendered")
        return Response(f"{title}. {message}\nReference: {reference}\n", status=code,
                        mimetype="text/plain")


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "This form has expired or was not sent from Commonpot. "
                                 "Go back, reload the page and try again.")

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        return render_error(429, error.description)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 401:
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("Unhandled error")
        return render_error(500)
