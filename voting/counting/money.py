"""Formatting money and counts for explanations.

The web app counts in pence and shows pounds; ``.pb`` files use plain units.
A formatter is any callable taking an exact amount (in the election's unit)
and returning text; :func:`currency` builds the usual ones.
"""
from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

MoneyFormatter = Callable[[Fraction], str]


def format_amount(value: Fraction | int | float, decimals: int = 2) -> str:
    """``1234567`` -> ``1,234,567``; ``1234.5`` -> ``1,234.50``."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    rounded = round(value, decimals)
    if Fraction(rounded).denominator == 1:
        return f"{int(rounded):,}"
    return f"{float(rounded):,.{decimals}f}"


def currency(symbol: str = "", divisor: int = 1, decimals: int = 2) -> MoneyFormatter:
    """A formatter showing ``amount / divisor`` after ``symbol``.

    ``currency("£", 100)`` turns 1200000 pence into ``£12,000``;
    ``currency()`` shows plain units (``12,000``).
    """

    def fmt(amount: Fraction) -> str:
        value = Fraction(amount) / divisor
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{format_amount(abs(value), decimals)}"

    return fmt


plain_units: MoneyFormatter = currency()
pounds_from_pence: MoneyFormatter = currency("£", 100)


def ordinal(n: int) -> str:
    """1 -> 1st, 2 -> 2nd, 11 -> 11th, 23 -> 23rd."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(count: Fraction | int, word: str, plural_word: str | None = None) -> str:
    text = format_amount(count)
    one = Fraction(count) == 1
    return f"{text} {word if one else (plural_word or word + 's')}"
