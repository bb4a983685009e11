"""Form helpers shared by every domain's forms: what a form accepts, the database can hold.

Domain forms import `IntegerField` and `DecimalField` from here instead of from WTForms:
the same fields, bounded to what an INTEGER column holds and to finite numbers, so a
25-digit number or `Infinity` gets a message on the page instead of a database error.
`fits(Model.column)` bounds text to its column's length; `MAX_PENCE` bounds money.
Control characters are refused for every request by commonpot/edge.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import wtforms
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from commonpot.edge import INT_MAX, has_control_characters
from commonpot.i18n import _, format_number
from commonpot.money import MAX_PENCE  # noqa: F401 - the money bound, shared with forms

INT_MIN = -INT_MAX - 1


class NoControlCharacters:
    """Refuses invisible control characters (NUL, escape) a column cannot hold or show."""

    def __init__(self, message: str | None = None):
        self.message = message or "Remove the invisible control characters from this answer."

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(self.message)


def fits(column, message: str | None = None) -> Length:
    """Length(max=...) of a model column, e.g. fits(Group.name)."""
    length = column.property.columns[0].type.length if hasattr(column, "property") else column.type.length
    return Length(max=length, message=message or f"Use {length} characters or fewer.")


class IntegerField(wtforms.IntegerField):
    """A whole number within the range of an INTEGER column (or narrower bounds given)."""

    def __init__(self, *args, min_value: int = INT_MIN, max_value: int = INT_MAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_value, self.max_value = min_value, max_value

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not (self.min_value <= self.data <= self.max_value):
            self.data = None
            raise ValueError(_("Enter a whole number from %(least)s to %(most)s.",
                               least=format_number(self.min_value), most=format_number(self.max_value)))


class DecimalField(wtforms.DecimalField):
    """A decimal that is a real, finite number of sensible size (no Infinity, NaN or 1e999)."""

    def __init__(self, *args, max_abs: Decimal = Decimal(10) ** 9, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_abs = max_abs

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            return
        try:
            fine = self.data.is_finite() and abs(self.data) <= self.max_abs
        except InvalidOperation:
            fine = False
        if not fine:
            self.data = None
            raise ValueError(_("Enter a number, like 1.5."))


def options(pairs: Iterable) -> list[SelectChoice]:
    """Choices for a select or radio field from (value, label) pairs, in the form WTForms
    keeps supporting (it deprecates plain tuples)."""
    return [pair if isinstance(pair, SelectChoice) else SelectChoice(pair[0], pair[1]) for pair in pairs]
