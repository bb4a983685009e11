"""Money as people type it and read it. Amounts are integer pence everywhere else."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"(\d{1,15})(?:\.(\d{1,2}))?")
# The most any one amount may be: £10 billion, far inside a BIGINT column even when summed.
MAX_PENCE = 10**12


def parse_pounds(text) -> int | None:
    """'£1,250.50' -> 125050. None when it is not an amount of money (negative, more than
    two decimal places, words, more than MAX_PENCE). Exact: no floating point on the way."""
    cleaned = re.sub(r"[£,\s]", "", str(text if text is not None else ""))
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        return None
    pounds, pence = match.group(1), (match.group(2) or "").ljust(2, "0")
    amount = int(pounds) * 100 + int(pence)
    return amount if amount <= MAX_PENCE else None


def format_pence(pence: int | None, *, show_pence: bool = False) -> str:
    """125050 -> '£1,250.50'; whole pounds drop the pence (125000 -> '£1,250') unless
    `show_pence` (for statements and reconciliations, where columns of figures line up).
    Formatted by Babel for the reader's locale (commonpot.i18n.format_money)."""
    from commonpot.i18n import format_money

    return format_money(pence, show_pence=show_pence)
