"""The one exception an operation raises to refuse what a person asked for.

An operation that cannot do what it was asked raises `Refused` with a message written for
the person (and the form field it concerns, where there is one). One handler, installed by
the app factory, rolls the transaction back and shows the message; the CLI prints it and
exits 1. Nothing else decides whether a request's changes are kept.
"""

from __future__ import annotations


class Refused(Exception):
    """A refusal with a message for the person; `field` names the form field, if any, and
    `details` lists particular problems (the lines of a file, say) shown under the message."""

    def __init__(self, message: str, field: str | None = None, details: tuple[str, ...] | list[str] = ()):
        # A lazily translated message (commonpot.i18n.lazy_gettext) becomes text here, in the
        # language of the request that refused, so it can be flashed, logged or sent as JSON.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = tuple(str(line) for line in details)

    def __str__(self) -> str:
        return self.message
