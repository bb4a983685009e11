"""Friendly error pages in plain English."""

from flask import render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
    if _wants_json():
        return {"error": title, "detail": detail or message}, code
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


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
