"""UK postcodes: one way to clean, check and compare them across grants and voting."""

from __future__ import annotations

import re

# Outward code then inward code; loose enough for every real UK postcode.
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?(?:[0-9][A-Z]{0,2})?$")
# A prefix written with its space: the outward code, then the start of the inward code.
_SPACED_PREFIX = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{0,2})$")


def compact(value: str | None) -> str:
    """' rt1 4ab ' -> 'RT14AB': the form postcodes are stored and compared in."""
    return re.sub(r"\s+", "", value or "").upper()


def is_postcode(value: str | None) -> bool:
    return bool(_POSTCODE.match(compact(value)))


def is_prefix(value: str | None) -> bool:
    return bool(_PREFIX.match(compact(value)))


def display(value: str) -> str:
    """'rt14ab' -> 'RT1 4AB'."""
    text = compact(value)
    return f"{text[:-3]} {text[-3:]}" if len(text) > 3 else text


def normalise(value: str | None) -> str | None:
    """The postcode as shown ('RT1 4AB'), or None if it is not shaped like a UK postcode."""
    return display(value) if is_postcode(value) else None


def written_prefix(value: str | None) -> str | None:
    """A prefix as it is stored and shown: upper case, one space where the person put one
    ('rt1 4*' -> 'RT1 4', 'RT1*' -> 'RT1'); None when it is not a prefix. The space matters:
    'RT1 4' is a sector of RT1, 'RT14' a district of its own."""
    text = " ".join((value or "").rstrip("*").upper().split())
    if " " in text:
        return text if _SPACED_PREFIX.match(text) else None
    return text if _PREFIX.match(text) else None


def matches(postcode: str, value: str, prefix: bool) -> bool:
    """Does `postcode` fall under a stored value, whole (compact form) or as a prefix?"""
    text = compact(postcode)
    if not prefix:
        return text == value
    if " " in value:
        outward, sector = value.split(" ", 1)
        return text[:-3] == outward and text[-3:].startswith(sector)
    # A compact prefix (one stored before the space was kept, or an outward code).
    # "RT1" must not match "RT12AB" (district RT12): a prefix without the sector digit
    # matches only when the outward code ends exactly there.
    if not text.startswith(value):
        return False
    outward = text[:-3]
    return len(value) >= len(outward)
