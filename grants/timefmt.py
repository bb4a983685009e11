"""Times are stored in UTC and shown, and typed, in Europe/London."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from commonpot.i18n import format_date, format_datetime

LONDON = ZoneInfo("Europe/London")


def london(moment: datetime | None, with_zone: bool = True) -> str:
    """'15 March 2027, 2:30pm (GMT)', in the reader's language (Babel)."""
    return format_datetime(moment, with_zone=with_zone)


def london_date(moment: datetime | None) -> str:
    """'15 March 2027', in the reader's language (Babel)."""
    return format_date(moment)


def from_london(naive: datetime) -> datetime:
    """A wall-clock time typed in London -> aware UTC."""
    return naive.replace(tzinfo=LONDON).astimezone(UTC)


def to_london_naive(moment: datetime) -> datetime:
    return moment.astimezone(LONDON).replace(tzinfo=None)
