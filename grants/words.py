"""Words the grants domain keeps as data and translates only when someone reads them.

`N_` marks English text that is stored (timeline entries) or used as a lookup key (reason
and category wording) so the extractor puts it in the catalogue; the page translates it
with `_()` when it shows it. Never store translated text (I18N_NOTES.md).

`in_language` (with `language_of`) writes an email in the recipient's language when the person making the
request is someone else (a fund manager screening, a chair releasing decisions).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Flask and the database are imported inside the functions: the pure rule modules
# (grants/eligibility.py) import `N_` from here.


def N_(text: str) -> str:  # noqa: N802 - the name the extractor knows
    return text


def language_of(session, address: str, fallback: str | None = None) -> str:
    """The language an address's account chose; else `fallback` (the language of whoever
    the message is about), else English."""
    from sqlalchemy import func, select

    from commonpot.accounts.models import User
    from commonpot.i18n import DEFAULT_LANGUAGE

    chosen = session.scalar(select(User.preferred_language).where(
        func.lower(User.email) == address.strip().lower()))
    return chosen or fallback or DEFAULT_LANGUAGE


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Build text (an email) in `language` whatever the page's language is."""
    from flask_babel import force_locale

    from commonpot.i18n import current_language

    if language == current_language():
        yield
        return
    with force_locale(language):
        yield
