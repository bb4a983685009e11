"""Times are stored in UTC and shown, and typed, in Europe/London."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(moment: datetime | None, with_zone: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    text = local.strftime("%-d %B %Y, %-I:%M%p").replace("AM", "am").replace("PM", "pm")
    return f"{text} ({local.tzname()})" if with_zone else text


def london_date(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %B %Y") if moment else ""


def from_london(naive: datetime) -> datetime:
    """A wall-clock time typed in London -> aware UTC."""
    return naive.replace(tzinfo=LONDON).astimezone(UTC)


def to_london_naive(moment: datetime) -> datetime:
    return moment.astimezone(LONDON).replace(tzinfo=None)
