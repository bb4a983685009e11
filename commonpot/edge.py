"""Input at the edge: what every request is checked for before any view sees it.

Values the database cannot store must be refused with a clear answer, never reach a query
and come back as a 500. Checked here for every request: no NUL or other control characters
in the path, the query or a form; query values of a sane length; route ids within the range
of a BIGINT column (the `int` URL converter is replaced). Field-level rules (lengths of
columns, ranges of integers and money) live in commonpot/forms.py.
"""

from __future__ import annotations

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

from commonpot.i18n import _l

BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
# The longest query-string value any page needs (receipts, next= paths, tokens).
MAX_QUERY_VALUE_LENGTH = 2000
# C0 controls except tab, line feed and carriage return (typed text uses those), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CONTROL_MESSAGE = _l("What you entered contains a character we cannot store (an invisible control "
                     "character). Go back, retype it and try again.")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that stops at BIGINT: /vote/99999999999999999999 is a 404, not a 500."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=BIGINT_MAX if max is None else max, signed=signed)


def _refuse(status: int, message: str | None = None):
    # The open API answers in its own documented JSON shape; pages get the error page.
    if request.path.startswith("/api/"):
        from commonpot.api.registry import error

        return error(status, str(message) if message else "Not found.")
    abort(status, str(message) if message is not None else None)


def check_request():
    """before_request: refuse input no column could hold."""
    if has_control_characters(request.path):
        return _refuse(404)
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            return _refuse(400, CONTROL_MESSAGE)
        if len(value) > MAX_QUERY_VALUE_LENGTH:
            return _refuse(400, "That address is longer than any page of Commonpot needs.")
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if has_control_characters(key) or has_control_characters(value):
                return _refuse(400, CONTROL_MESSAGE)
    return None


def init_app(app) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request)


def query_int(name: str, default: int | None = None, *, minimum: int = 0,
              maximum: int = BIGINT_MAX) -> int | None:
    """An integer query parameter clamped to [minimum, maximum]; `default` when absent or
    not a whole number, so ?limit=0, ?limit=-1 and ?after=1e30 all get a sensible answer."""
    value = request.args.get(name, type=int)
    if value is None:
        return default
    return max(minimum, min(value, maximum))
