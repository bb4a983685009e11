"""Forms for voting pages. Ballot choices are read from the request by voting.ballots, since
their fields depend on the round's projects; the ballot forms here carry the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from commonpot.forms import IntegerField, options
from commonpot.i18n import _, lazy_gettext
from commonpot.money import parse_pounds
from voting.ballots import BallotType

_NUMBER = "Enter a number, 0 for none"

BALLOT_TYPE_CHOICES = [
    (BallotType.APPROVAL.value, "Approval: choose up to a number of projects"),
    (BallotType.KNAPSACK.value, "Budget (knapsack): choose projects whose total cost fits the budget"),
    (BallotType.CUMULATIVE.value, "Points (cumulative): share points between projects"),
    (BallotType.RANKED.value, "Ranked: put projects in order of preference"),
]


#: Tie-breaking orders a round can choose (voting.counting.options; "" = project number).
TIE_BREAKING_CHOICES = [
    ("", "The smaller project number"),
    ("maxVotes,minCost", "Most votes (or points), then lowest cost"),
    ("maxVotes,maxCost", "Most votes (or points), then highest cost"),
    ("minCost,maxVotes", "Lowest cost, then most votes (or points)"),
    ("maxCost,maxVotes", "Highest cost, then most votes (or points)"),
]
COMPLETION_CHOICES = [
    ("", "The counting rule's own"),
    ("none", "None: money may be left unspent"),
    ("utilitarian", "Then fund the most supported projects that still fit"),
    ("add1", "Raise every voter's share step by step while the result fits"),
    ("add1u", "Raise every voter's share step by step, then fund the most supported that fit"),
]
ADD1_CHOICES = [
    ("", "The counting rule's own"),
    ("exhaustive", "Stop as soon as nothing supported still fits"),
    ("none", "Raise until the next step would overspend"),
]
COMPARISON_CHOICES = [
    ("", "The counting rule's own"),
    ("none", "No comparison"),
    ("satisfaction", "Keep greedy if more voters get more of their projects under it"),
    ("exclusion", "Keep greedy if more voters get at least one of their projects only under it"),
]


class Pounds:
    """A money field in pounds, like 1,250 or 1250.50."""

    def __init__(self, message="Enter an amount in pounds, like 1,250 or 1250.50"):
        self.message = message

    def __call__(self, form, field):
        if field.data and parse_pounds(field.data) is None:
            raise ValidationError(self.message)


class RoundForm(FlaskForm):
    fund_id = SelectField("Fund", coerce=int)
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200)])
    description = TextAreaField("What the vote is for", validators=[Optional(), Length(max=5000)])
    ballot_type = RadioField("Ballot type", choices=options(BALLOT_TYPE_CHOICES),
                             default=BallotType.APPROVAL.value)
    counting_rule = SelectField(
        "Counting rule",
        description=lazy_gettext(
            "The rules are grouped by the ballots they can count. Ranked ballots can only be "
            "counted with the greedy rules; Sequential Phragmén counts approval and budget "
            "ballots only."))
    tie_breaking = SelectField("Ties between projects go to", choices=options(TIE_BREAKING_CHOICES),
                               default="")
    completion = SelectField("Equal Shares: completion", choices=options(COMPLETION_CHOICES), default="")
    add1 = SelectField("Equal Shares: how shares are raised", choices=options(ADD1_CHOICES), default="")
    add1_step = StringField("Equal Shares: raise each voter's share by (pounds per step)",
                            validators=[Optional(), Pounds()],
                            description="Leave blank for 1p per step, as pabutools does.")
    comparison = SelectField("Equal Shares: compare with greedy", choices=options(COMPARISON_CHOICES),
                             default="")
    vote_threshold = IntegerField("Least votes (or points) a project needs to win", validators=[
        Optional(), NumberRange(min=0, max=10_000_000)],
        description="For the rules ‘Greedy with a vote threshold’ and ‘Greedy, stopping at the first "
                    "project that does not fit’. Leave blank for none.")
    max_choices = IntegerField("Most projects a voter may choose or rank", validators=[
        Optional(), NumberRange(min=1, max=100)],
        description="Leave blank for no limit (not used by points ballots).")
    min_choices = IntegerField("Fewest projects a voter must choose", default=0,
                               validators=[InputRequired(_NUMBER), NumberRange(min=0, max=100)])
    min_share_percent = IntegerField("Budget ballots: least share of the budget to spend (%)", default=0,
                                     validators=[InputRequired(_NUMBER), NumberRange(min=0, max=100)])
    points_total = IntegerField("Points ballots: points each voter shares", default=10,
                                validators=[InputRequired("Enter the points"), NumberRange(min=1, max=1000)])
    max_points_per_project = IntegerField("Points ballots: most points on one project",
                                          validators=[Optional(), NumberRange(min=1, max=1000)])
    minimum_age = IntegerField("Minimum age to vote", default=16,
                               validators=[InputRequired("Enter the minimum age"),
                                           NumberRange(min=0, max=120)])
    allow_online = BooleanField("Residents can vote online with an account", default=True)
    allow_codes = BooleanField("Residents can vote with a single-use code from a letter or event")
    allow_paper = BooleanField("Stewards can enter paper ballots")
    allow_revote = BooleanField("Voters can change their vote until voting closes (they need their receipt)")
    board_hashes_receipts = BooleanField("Show receipt codes hashed on the published bulletin board")
    requires_census = BooleanField("Check voters against a census list you upload (one vote per "
                                   "person, whichever way they vote)")
    offers_blank_vote = BooleanField("Voters can cast a blank vote (choosing no project)")


class DistrictForm(FlaskForm):
    name = StringField("District name",
                       validators=[DataRequired("Enter the district's name"), Length(max=120)])
    budget = StringField("Budget in pounds", validators=[DataRequired("Enter the budget"), Pounds()])
    is_area_wide = BooleanField("This is the area-wide budget that every voter also votes on")


class PostcodeImportForm(FlaskForm):
    file = FileField("Postcode list (CSV)", validators=[FileRequired("Choose a CSV file")],
                     description="Two columns: postcode, district name. A header row is optional.")


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])


class CostLineForm(Form):
    """One row of what the money buys; a blank row is ignored."""

    item = StringField(lazy_gettext("What it buys"), validators=[Optional(), Length(max=200)])
    amount = StringField(lazy_gettext("Amount in pounds"), validators=[Optional(), Pounds()])


COST_LINE_ROWS = 3  # rows shown at first; "Add another line" brings more without JavaScript
MAX_COST_LINE_ROWS = 20


class ProposalForm(FlaskForm):
    title = StringField("Project name",
                        validators=[DataRequired("Enter the project's name"), Length(max=200)])
    summary = TextAreaField("What it would do", validators=[DataRequired("Say what the project would do"),
                                                             Length(max=3000)])
    district_id = SelectField(lazy_gettext("Which budget it is for"), coerce=int,
                              description=lazy_gettext("The district whose residents would vote on it."))
    location = StringField(lazy_gettext("Where it would happen"), validators=[Optional(), Length(max=200)],
                           description=lazy_gettext("A place people know, like “Mill Park, by the swings”."))
    postcode = StringField(lazy_gettext("Postcode of the place (optional)"),
                           validators=[Optional(), Length(max=10)])
    lines = FieldList(FormField(CostLineForm), lazy_gettext("What the money buys"),
                      min_entries=COST_LINE_ROWS, max_entries=MAX_COST_LINE_ROWS)
    image = FileField(lazy_gettext("A picture of the project or the place (optional)"),
                      description=lazy_gettext("A JPG or PNG file, up to 5 MB. It is shown on the ballot."))
    image_alt = StringField(lazy_gettext("Describe the picture for people who cannot see it"),
                            validators=[Optional(), Length(max=300)],
                            description=lazy_gettext("For example: “The bare patch of grass where the "
                                                     "benches would go”. Needed if you add a picture."))
    group_id = SelectField("Proposed by", coerce=int, default=0)

    def validate_image_alt(self, field):
        chosen = getattr(self.image.data, "filename", "")
        if (field.data or "").strip() and not chosen:
            raise ValidationError(_("Choose the picture again (a page that comes back does not keep "
                                    "a chosen file), or clear its description."))


class ReviewForm(FlaskForm):
    decision = RadioField("Decision", choices=options([("feasible", "Feasible: it goes on the ballot"),
                                               ("not_feasible", "Not feasible")]),
                          validators=[InputRequired("Choose feasible or not feasible")])
    reason = TextAreaField("Reason", validators=[DataRequired("Give the reason"), Length(max=2000)])
    cost = StringField("Cost estimate in pounds", validators=[Optional(), Pounds()],
                       description="Becomes the project's cost on the ballot.")


class RemoveImageForm(FlaskForm):
    removal_reason = TextAreaField(
        lazy_gettext("Why the picture is removed"),
        validators=[DataRequired(lazy_gettext("Give the reason for removing the picture")),
                    Length(max=2000)],
        description=lazy_gettext("The proposer can see this."))


class DetailsForm(FlaskForm):
    postcode = StringField("Postcode", validators=[DataRequired("Enter your postcode"), Length(max=10)])
    date_of_birth = DateField("Date of birth", validators=[InputRequired("Enter your date of birth")],
                              description="For example 1990-03-27.")
    family_name = StringField("Family name (optional)", validators=[Optional(), Length(max=120)],
                              description="As on the electoral register. Some votes check it "
                                          "against the council's list of voters.")


class CodeForm(FlaskForm):
    code = StringField("Voting code", validators=[DataRequired("Enter the code from your letter or card"),
                                                  Length(max=40)],
                       description="12 letters and numbers, like ABCD-2345-EFGH.")


class BallotForm(FlaskForm):
    """Carries the CSRF token; the choices come from request.form."""

    code = HiddenField()
    # One per ballot page: a retry of the same form finds the same receipt (voting.cast_tokens).
    cast_token = HiddenField()
    secret = StringField("Your change secret", validators=[Optional(), Length(max=40)],
                         description="The private code you were shown under your receipt when "
                                     "you voted, like ABCD-2345-EFGH-JKMN.")


class CodeChangeForm(FlaskForm):
    code = StringField("Voting code", validators=[DataRequired("Enter the code you voted with"),
                                                  Length(max=40)],
                       description="The code on your letter or card that you voted with.")
    secret = StringField("Your change secret", validators=[DataRequired("Enter your change secret"),
                                                           Length(max=40)],
                         description="The private code you were shown when you voted.")


class CensusImportForm(FlaskForm):
    file = FileField("Census list (CSV)", validators=[FileRequired("Choose a CSV file")],
                     description="A header row naming family_name, date_of_birth and postcode; "
                                 "any other columns (such as the address) are copied into the "
                                 "codes file and not stored.")


class PaperIssueForm(FlaskForm):
    family_name = StringField("Family name", validators=[DataRequired("Enter the family name"),
                                                         Length(max=120)])
    date_of_birth = DateField("Date of birth", validators=[InputRequired("Enter the date of birth")],
                              description="For example 1990-03-27.")
    postcode = StringField("Postcode", validators=[DataRequired("Enter the postcode"), Length(max=10)])


class GenerateCodesForm(FlaskForm):
    district_id = SelectField("District the codes are for", coerce=int)
    label = StringField("Label", validators=[DataRequired("Enter a label"), Length(max=120)],
                        description="For example: Letters to Northside, March.")
    count = IntegerField("How many codes", validators=[InputRequired("Enter how many"),
                                                       NumberRange(min=1, max=50_000)])


class PaperBatchForm(FlaskForm):
    district_id = SelectField("District of the event", coerce=int)
    event = StringField("Event", validators=[DataRequired("Enter the event's name"), Length(max=200)])
    event_date = DateField("Date of the event", validators=[InputRequired("Enter the date")])
    first_serial = IntegerField("First serial number", validators=[InputRequired("Enter the first serial"),
                                                                   NumberRange(min=1)])
    last_serial = IntegerField("Last serial number", validators=[InputRequired("Enter the last serial"),
                                                                 NumberRange(min=1)])
    double_keyed = BooleanField("Key every ballot twice and compare before counting")


class PaperBallotForm(FlaskForm):
    serial = IntegerField("Serial number on the ballot paper",
                          validators=[InputRequired("Enter the serial number"), NumberRange(min=1)])
    keying = SelectField("Keying", choices=options([("1", "First keying"), ("2", "Second keying")]),
                         default="1")


class DiscardKeyingForm(FlaskForm):
    serial = IntegerField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """A button with nothing but its CSRF token."""
