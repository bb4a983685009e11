"""Sentences kept as a message template plus raw values, so they can be written in any language.

The engine speaks English (its command line, the ``.pb`` tools, the published CSV), and its
English must not change.  The web app shows the same sentences in the reader's language: it
looks each template up in its catalogue and formats each value (money, numbers) for the
reader's locale.  So every sentence is built as a :class:`Phrase`::

    phrase("Selected %(position)s with %(support)s; %(left)s left.",
           position=Ordinal(3), support=plural_phrase("%(num)s vote", "%(num)s votes",
                                                      num=Number(120)),
           left=Money(Fraction(500000)))

``phrase`` and ``plural_phrase`` mark their templates for the catalogue extractor
(``commonpot.catalogues.KEYWORDS``), as ``N_`` marks a bare message.  Templates are literal
strings at the call, with named placeholders only.  :meth:`Phrase.english` gives the text the
engine has always printed; :func:`render` writes it with any catalogue and formatter; and
:meth:`Phrase.to_data` / :meth:`Phrase.from_data` store it as JSON.

Values stay raw: an exact amount in the election's money unit, an exact count, an ordinal
position, a project id (text, never translated), or another phrase.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, Union

from .money import MoneyFormatter, format_amount, ordinal


def N_(message: str) -> str:  # noqa: N802 - the name the catalogue extractor knows
    """Mark a message for translation; the engine itself keeps it as written."""
    return message


@dataclass(frozen=True)
class Money:
    """An amount in the election's money unit (pence in the web app)."""

    amount: Fraction


@dataclass(frozen=True)
class Number:
    """A count or score; English writes it as ``format_amount`` does (``1,234``, ``2.50``)."""

    value: Fraction


@dataclass(frozen=True)
class Plain:
    """A number English writes as it is, without grouping (a round, a threshold)."""

    value: Fraction


@dataclass(frozen=True)
class Ordinal:
    """A position: ``3rd`` in English.  Other languages get the plain number, so their
    sentence says it their own way (Welsh: ``rhif 3``)."""

    n: int


@dataclass(frozen=True)
class Clause:
    """A phrase used inside another one, its closing full stop dropped."""

    phrase: Phrase


Value = Union[str, Money, Number, Plain, Ordinal, Clause, "Phrase"]  # noqa: UP007 - a forward reference


@dataclass(frozen=True)
class Phrase:
    template: str
    params: tuple[tuple[str, Value], ...] = ()
    #: The plural template; the value ``num`` (a Number or Plain) chooses between them.
    plural: str | None = None

    @property
    def values(self) -> dict[str, Value]:
        return dict(self.params)

    def english(self, money: MoneyFormatter) -> str:
        """The sentence in English, as the engine prints it."""
        return render(self, English(money))

    # -- storage -----------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"t": self.template}
        if self.plural is not None:
            data["pl"] = self.plural
        if self.params:
            data["v"] = {name: _encode(value) for name, value in self.params}
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Phrase:
        return cls(str(data["t"]),
                   tuple((str(name), _decode(value)) for name, value in (data.get("v") or {}).items()),
                   data.get("pl"))


def phrase(template: str, /, **values: Value) -> Phrase:
    return Phrase(template, tuple(values.items()))


def plural_phrase(singular: str, plural: str, /, *, num: Number | Plain, **values: Value) -> Phrase:
    return Phrase(singular, (("num", num), *values.items()), plural)


def chain(template: str, items: list[Value]) -> Value:
    """``a``, ``b``, ``c`` joined by a two-place template, from the left:
    ``template % (template % (a, b), c)`` (e.g. "%(earlier)s, then %(next)s")."""
    joined = items[0]
    for item in items[1:]:
        joined = Phrase(template, (("earlier", joined), ("next", item)))
    return joined


def sentences_to_data(pieces: Iterable[Phrase]) -> list[dict[str, Any]]:
    return [p.to_data() for p in pieces]


def sentences_from_data(data: Iterable[Mapping[str, Any]]) -> tuple[Phrase, ...]:
    return tuple(Phrase.from_data(item) for item in data)


# -- writing a phrase -------------------------------------------------------------------------

class Words(Protocol):
    """A language: its catalogue and how it writes figures."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def money(self, amount: Fraction) -> str: ...

    def number(self, value: Fraction) -> str: ...

    def plain(self, value: Fraction) -> str: ...

    def ordinal(self, n: int) -> str: ...


class English:
    """The engine's own words: templates as written, figures as the engine has always
    printed them (``money`` formats amounts: pounds from pence, or plain units)."""

    def __init__(self, money: MoneyFormatter):
        self.money: Callable[[Fraction], str] = money

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def number(self, value: Fraction) -> str:
        return format_amount(value)

    def plain(self, value: Fraction) -> str:
        return f"{value}"

    def ordinal(self, n: int) -> str:
        return ordinal(n)


def plural_count(value: Fraction) -> int:
    """The whole number that chooses a plural form: the value itself, or for a fraction
    (a weighted count) one that takes the general plural in English and Welsh."""
    value = Fraction(value)
    if value.denominator == 1:
        return value.numerator
    return 5


def render(p: Phrase, words: Words) -> str:
    values = {name: _write(value, words) for name, value in p.params}
    if p.plural is not None:
        num = p.values["num"]
        if not isinstance(num, Number | Plain):
            raise TypeError(f"a plural phrase counts a number, not {type(num).__name__}")
        text = words.ngettext(p.template, p.plural, plural_count(num.value))
    else:
        text = words.gettext(p.template)
    return text % values if values else text


def _write(value: Value, words: Words) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Money):
        return words.money(value.amount)
    if isinstance(value, Number):
        return words.number(value.value)
    if isinstance(value, Plain):
        return words.plain(value.value)
    if isinstance(value, Ordinal):
        return words.ordinal(value.n)
    if isinstance(value, Clause):
        return render(value.phrase, words).rstrip(".")
    return render(value, words)


def _encode(value: Value) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, Money):
        return {"money": str(value.amount)}
    if isinstance(value, Number):
        return {"number": str(value.value)}
    if isinstance(value, Plain):
        return {"plain": str(value.value)}
    if isinstance(value, Ordinal):
        return {"ordinal": value.n}
    if isinstance(value, Clause):
        return {"clause": value.phrase.to_data()}
    return {"phrase": value.to_data()}


def _decode(data: Any) -> Value:
    if isinstance(data, str):
        return data
    (kind, value), = data.items()
    if kind == "money":
        return Money(Fraction(value))
    if kind == "number":
        return Number(Fraction(value))
    if kind == "plain":
        return Plain(Fraction(value))
    if kind == "ordinal":
        return Ordinal(int(value))
    if kind == "clause":
        return Clause(Phrase.from_data(value))
    if kind == "phrase":
        return Phrase.from_data(value)
    raise ValueError(f"unknown phrase value {kind!r}")


__all__ = ["Clause", "English", "Money", "N_", "Number", "Ordinal", "Phrase", "Plain", "Words",
           "chain", "phrase", "plural_count", "plural_phrase", "render", "sentences_from_data",
           "sentences_to_data"]
