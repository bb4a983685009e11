"""Forms for giving and paying. Amounts are typed in pounds and handled in pence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commonpot.forms import IntegerField
from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
from commonpot.money import parse_pounds


def pounds_to_pence(text: str | None) -> int | None:
    """A positive amount typed in pounds, in pence; None for anything else (including £0)."""
    return parse_pounds(text) or None


class PoundsField(StringField):
    """Pounds and pence as typed ('25', '£25.50'); `.pence` holds the amount in pence."""

    pence: int | None = None

    def pre_validate(self, form):
        self.pence = pounds_to_pence(self.data)
        if self.data and self.pence is None:
            raise ValidationError(_("Enter an amount in pounds, like 25 or 25.50"))


class DonateForm(FlaskForm):
    amount = PoundsField(_l("How much would you like to give?"), validators=[InputRequired(
        _l("Enter how much you would like to give"))], description=_l("In pounds, for example 20"))
    donor_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=120)])
    show_name = BooleanField(_l("Show my name on the fund's page"))
    message = TextAreaField(_l("A message for the fund (optional)"), validators=[Optional(), Length(max=500)])
    gift_aid = BooleanField(_l("Add Gift Aid to my donation"),
                            description=_l("If you are a UK taxpayer the fund can claim 25p extra for "
                                        "every £1 you give. We need your name and home address."))
    gift_aid_address = StringField(_l("Home address (for Gift Aid)"),
                                   validators=[Optional(), Length(max=300)])
    gift_aid_postcode = StringField(_l("Postcode (for Gift Aid)"), validators=[Optional(), Length(max=12)])

    def validate_gift_aid(self, field):
        if field.data and not (self.donor_name.data and self.gift_aid_address.data
                               and self.gift_aid_postcode.data):
            raise ValidationError(_("To add Gift Aid, give your full name, home address and postcode"))


class MatchPledgeForm(FlaskForm):
    funder_name = StringField(_l("Who is pledging the match?"), validators=[InputRequired(
        _l("Enter who is pledging the match")), Length(max=200)])
    ratio_percent = IntegerField(_l("How much of each donation do they match, as a percentage?"),
                                 default=100, description=_l("100 means £1 for every £1 given (1:1)"),
                                 validators=[InputRequired(_l("Enter the match percentage")),
                                             NumberRange(1, 1000, _l("Enter a percentage from 1 to 1000"))])
    cap = PoundsField(_l("Up to what total?"),
                      validators=[InputRequired(_l("Enter the most they will match"))],
                      description=_l("In pounds"))


class ReleaseForm(FlaskForm):
    pass


class ConnectForm(FlaskForm):
    pass


class BankTransferForm(FlaskForm):
    reference = StringField(_l("Bank transfer reference"), validators=[InputRequired(
        _l("Enter the bank transfer reference")), Length(max=120)])
