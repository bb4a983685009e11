"""Forms for giving and paying. Amounts are typed in pounds and handled in pence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from commonpot.forms import IntegerField
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
            raise ValidationError("Enter an amount in pounds, like 25 or 25.50")


class DonateForm(FlaskForm):
    amount = PoundsField("How much would you like to give?", validators=[InputRequired(
        "Enter how much you would like to give")], description="In pounds, for example 20")
    donor_name = StringField("Your name (optional)", validators=[Optional(), Length(max=120)])
    show_name = BooleanField("Show my name on the fund's page")
    message = TextAreaField("A message for the fund (optional)", validators=[Optional(), Length(max=500)])
    gift_aid = BooleanField("Add Gift Aid to my donation",
                            description="If you are a UK taxpayer the fund can claim 25p extra for "
                                        "every £1 you give. We need your name and home address.")
    gift_aid_address = StringField("Home address (for Gift Aid)", validators=[Optional(), Length(max=300)])
    gift_aid_postcode = StringField("Postcode (for Gift Aid)", validators=[Optional(), Length(max=12)])

    def validate_gift_aid(self, field):
        if field.data and not (self.donor_name.data and self.gift_aid_address.data
                               and self.gift_aid_postcode.data):
            raise ValidationError("To add Gift Aid, give your full name, home address and postcode")


class MatchPledgeForm(FlaskForm):
    funder_name = StringField("Who is pledging the match?", validators=[InputRequired(
        "Enter who is pledging the match"), Length(max=200)])
    ratio_percent = IntegerField("How much of each donation do they match, as a percentage?",
                                 default=100, description="100 means £1 for every £1 given (1:1)",
                                 validators=[InputRequired("Enter the match percentage"),
                                             NumberRange(1, 1000, "Enter a percentage from 1 to 1000")])
    cap = PoundsField("Up to what total?", validators=[InputRequired("Enter the most they will match")],
                      description="In pounds")


class ReleaseForm(FlaskForm):
    pass


class ConnectForm(FlaskForm):
    pass


class BankTransferForm(FlaskForm):
    reference = StringField("Bank transfer reference", validators=[InputRequired(
        "Enter the bank transfer reference"), Length(max=120)])
