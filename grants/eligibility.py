"""Pure rules about places, organisations and amounts: no Flask, no session.

Postcodes are compared upper-case without spaces. An area matches a postcode when it lists
that exact postcode or a prefix of it (prefixes are written as outward code plus optional
sector digit, e.g. "RT1" or "RT1 4")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Outward code then inward code; loose enough for every real UK postcode (incl. BFPO-free
# GIR 0AA is not needed here).
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?(?:[0-9][A-Z]{0,2})?$")


def compact_postcode(value: str | None) -> str:
    return re.sub(r"\s+", "", (value or "")).upper()


def is_postcode(value: str | None) -> bool:
    return bool(_POSTCODE.match(compact_postcode(value)))


def format_postcode(value: str) -> str:
    """'rt14ab' -> 'RT1 4AB'."""
    compact = compact_postcode(value)
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def is_postcode_prefix(value: str | None) -> bool:
    return bool(_PREFIX.match(compact_postcode(value)))


def postcode_matches(postcode: str, value: str, is_prefix: bool) -> bool:
    compact = compact_postcode(postcode)
    if not is_prefix:
        return compact == value
    # "RT1" must not match "RT12AB" (district RT12): a prefix without the sector digit
    # matches only when the outward code ends exactly there.
    if not compact.startswith(value):
        return False
    outward = compact[:-3]
    return len(value) >= len(outward)


# Reasons fund managers choose from when screening; the keys are stored.
SCREENING_REASONS = {
    "out_of_area": "The project is outside the area this fund covers",
    "organisation_type": "This round does not fund this type of organisation",
    "too_many_applications": "The group has already applied the most times this round allows",
    "amount_out_of_range": "The amount asked for is outside this round's limits",
    "not_charitable": "The project's purpose is not one this fund can support",
    "incomplete": "Important information is missing from the application",
    "other": "Another reason (explained below)",
}


def org_id_for(org_type: str, charity_number: str | None, company_number: str | None,
               funder_prefix: str, group_slug: str) -> str:
    """The 360Giving org-id: charity number first, then company number, else our own."""
    charity = re.sub(r"\s+", "", charity_number or "").upper()
    company = re.sub(r"\s+", "", company_number or "").upper()
    if charity:
        return f"GB-CHC-{charity}"
    if company:
        if company.isdigit():
            company = company.zfill(8)
        return f"GB-COH-{company}"
    return f"{funder_prefix}-group-{group_slug}"


def parse_money(value) -> int | None:
    """'£1,250.50' -> 125050 pence; None when it is not an amount of money."""
    text = str(value or "").strip().replace(",", "").replace("£", "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return None
    try:
        pounds = Decimal(text)
    except InvalidOperation:
        return None
    return int((pounds * 100).to_integral_value())


def format_money(pence: int | None) -> str:
    pence = pence or 0
    if pence % 100:
        return f"£{pence / 100:,.2f}"
    return f"£{pence // 100:,}"


def count_words(text: str | None) -> int:
    return len((text or "").split())
