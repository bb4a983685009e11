"""The counting engine's sentences in the reader's language.

The engine (voting.counting, pure Python) builds each sentence as a phrase: an English message
template with raw figures (voting.counting.phrases). Here each template is looked up in the
reader's catalogue (the templates are extracted with the rest of the app's messages) and each
figure is formatted by Babel for the reader's locale: amounts are pence, as the web app counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from commonpot.i18n import current_language, format_money, format_number, translations
from voting.counting.money import ordinal
from voting.counting.phrases import Phrase, render, sentences_from_data, sentences_to_data


class ReaderWords:
    """The reader's language for voting.counting.phrases.render."""

    def __init__(self) -> None:
        self.catalogue = translations()
        self.english = current_language() == "en"

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    def money(self, amount: Fraction) -> str:
        # As the engine writes pounds: whole pounds bare, otherwise rounded to the penny.
        pounds = Fraction(amount) / 100
        if pounds.denominator != 1:
            pounds = round(pounds, 2)
        if pounds.denominator == 1:
            return format_money(pounds.numerator * 100)
        return format_money(int(pounds * 100), show_pence=True)

    def number(self, value: Fraction) -> str:
        value = Fraction(value)
        if value.denominator == 1:
            return format_number(value.numerator)
        rounded = round(value, 2)
        if rounded.denominator == 1:
            return format_number(rounded.numerator)
        return format_number(Decimal(rounded.numerator) / Decimal(rounded.denominator), places=2)

    def plain(self, value: Fraction) -> str:
        # Rounds and thresholds: whole numbers, written without grouping as the engine does.
        value = Fraction(value)
        return str(value.numerator) if value.denominator == 1 else self.number(value)

    def ordinal(self, n: int) -> str:
        # Only English has suffixes here; other languages' sentences take the plain number
        # (Welsh: "rhif 3").
        return ordinal(n) if self.english else str(n)


def write(phrases: Iterable[Phrase]) -> str:
    """The pieces of one sentence in the reader's language, joined by a space as the engine
    joins them."""
    words = ReaderWords()
    return " ".join(render(p, words) for p in phrases)


def to_json(phrases: Iterable[Phrase]) -> str:
    return json.dumps(sentences_to_data(phrases), sort_keys=True, ensure_ascii=False)


def explanation(english: str, phrases: list[Mapping[str, Any]] | None) -> str:
    """A result's explanation in the reader's language, from its stored phrases; the stored
    English when there are none (results counted before phrases were kept)."""
    if not phrases:
        return english
    return write(sentences_from_data(phrases))
