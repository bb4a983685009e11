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
from commonpot.i18n import _, _l
from commonpot.money import parse_pounds
from voting.ballots import BallotType

_NUMBER = _l("Enter a number, 0 for none")

BALLOT_TYPE_CHOICES = [
    (BallotType.APPROVAL.value, _l("Approval: choose up to a number of projects")),
    (BallotType.KNAPSACK.value, _l("Budget (knapsack): choose projects whose total cost fits the budget")),
    (BallotType.CUMULATIVE.value, _l("Points (cumulative): share points between projects")),
    (BallotType.RANKED.value, _l("Ranked: put projects in order of preference")),
]


#: Tie-breaking orders a round can choose (voting.counting.options; "" = project number).
TIE_BREAKING_CHOICES = [
    ("", _l("The smaller project number")),
    ("maxVotes,minCost", _l("Most votes (or points), then lowest cost")),
    ("maxVotes,maxCost", _l("Most votes (or points), then highest cost")),
    ("minCost,maxVotes", _l("Lowest cost, then most votes (or points)")),
    ("maxCost,maxVotes", _l("Highest cost, then most votes (or points)")),
]
COMPLETION_CHOICES = [
    ("", _l("The counting rule's own")),
    ("none", _l("None: money may be left unspent")),
    ("utilitarian", _l("Then fund the most supported projects that still fit")),
    ("add1", _l("Raise every voter's share step by step while the result fits")),
    ("add1u", _l("Raise every voter's share step by step, then fund the most supported that fit")),
]
ADD1_CHOICES = [
    ("", _l("The counting rule's own")),
    ("exhaustive", _l("Stop as soon as nothing supported still fits")),
    ("none", _l("Raise until the next step would overspend")),
]
COMPARISON_CHOICES = [
    ("", _l("The counting rule's own")),
    ("none", _l("No comparison")),
    ("satisfaction", _l("Keep greedy if more voters get more of their projects under it")),
    ("exclusion", _l("Keep greedy if more voters get at least one of their projects only under it")),
]


class Pounds:
    """A money field in pounds, like 1,250 or 1250.50."""

    def __init__(self, message=_l("Enter an amount in pounds, like 1,250 or 1250.50")):
        self.message = message

    def __call__(self, form, field):
        if field.data and parse_pounds(field.data) is None:
            raise ValidationError(self.message)


class RoundForm(FlaskForm):
    fund_id = SelectField(_l("Fund"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title")), Length(max=200)])
    description = TextAreaField(_l("What the vote is for"), validators=[Optional(), Length(max=5000)])
    ballot_type = RadioField(_l("Ballot type"), choices=options(BALLOT_TYPE_CHOICES),
                             default=BallotType.APPROVAL.value)
    counting_rule = SelectField(
        _l("Counting rule"),
        description=_l(
            "The rules are grouped by the ballots they can count. Ranked ballots can only be "
            "counted with the greedy rules; Sequential Phragmén counts approval and budget "
            "ballots only."))
    tie_breaking = SelectField(_l("Ties between projects go to"), choices=options(TIE_BREAKING_CHOICES),
                               default="")
    completion = SelectField(_l("Equal Shares: completion"), choices=options(COMPLETION_CHOICES), default="")
    add1 = SelectField(_l("Equal Shares: how shares are raised"), choices=options(ADD1_CHOICES), default="")
    add1_step = StringField(_l("Equal Shares: raise each voter's share by (pounds per step)"),
                            validators=[Optional(), Pounds()],
                            description=_l("Leave blank for 1p per step, as pabutools does."))
    comparison = SelectField(_l("Equal Shares: compare with greedy"), choices=options(COMPARISON_CHOICES),
                             default="")
    vote_threshold = IntegerField(_l("Least votes (or points) a project needs to win"), validators=[
        Optional(), NumberRange(min=0, max=10_000_000)],
        description=_l("For the rules ‘Greedy with a vote threshold’ and ‘Greedy, stopping at the first "
                    "project that does not fit’. Leave blank for none."))
    max_choices = IntegerField(_l("Most projects a voter may choose or rank"), validators=[
        Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave blank for no limit (not used by points ballots)."))
    min_choices = IntegerField(_l("Fewest projects a voter must choose"), default=0,
                               validators=[InputRequired(_NUMBER), NumberRange(min=0, max=100)])
    min_share_percent = IntegerField(_l("Budget ballots: least share of the budget to spend (%)"), default=0,
                                     validators=[InputRequired(_NUMBER), NumberRange(min=0, max=100)])
    points_total = IntegerField(_l("Points ballots: points each voter shares"), default=10,
                                validators=[InputRequired(_l("Enter the points")), NumberRange(min=1,
                                                                                               max=1000)])
    max_points_per_project = IntegerField(_l("Points ballots: most points on one project"),
                                          validators=[Optional(), NumberRange(min=1, max=1000)])
    minimum_age = IntegerField(_l("Minimum age to vote"), default=16,
                               validators=[InputRequired(_l("Enter the minimum age")),
                                           NumberRange(min=0, max=120)])
    allow_online = BooleanField(_l("Residents can vote online with an account"), default=True)
    allow_codes = BooleanField(_l("Residents can vote with a single-use code from a letter or event"))
    allow_paper = BooleanField(_l("Stewards can enter paper ballots"))
    allow_revote = BooleanField(_l("Voters can change their vote until voting closes (they need their "
                                   "receipt)"))
    board_hashes_receipts = BooleanField(_l("Show receipt codes hashed on the published bulletin board"))
    requires_census = BooleanField(_l("Check voters against a census list you upload (one vote per "
                                   "person, whichever way they vote)"))
    offers_blank_vote = BooleanField(_l("Voters can cast a blank vote (choosing no project)"))


class DistrictForm(FlaskForm):
    name = StringField(_l("District name"),
                       validators=[DataRequired(_l("Enter the district's name")), Length(max=120)])
    budget = StringField(_l("Budget in pounds"), validators=[DataRequired(_l("Enter the budget")), Pounds()])
    is_area_wide = BooleanField(_l("This is the area-wide budget that every voter also votes on"))


class PostcodeImportForm(FlaskForm):
    file = FileField(_l("Postcode list (CSV)"), validators=[FileRequired(_l("Choose a CSV file"))],
                     description=_l("Two columns: postcode, district name. A header row is optional."))


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])


class CostLineForm(Form):
    """One row of what the money buys; a blank row is ignored."""

    item = StringField(_l("What it buys"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount in pounds"), validators=[Optional(), Pounds()])


COST_LINE_ROWS = 3  # rows shown at first; "Add another line" brings more without JavaScript
MAX_COST_LINE_ROWS = 20


class ProposalForm(FlaskForm):
    title = StringField(_l("Project name"),
                        validators=[DataRequired(_l("Enter the project's name")), Length(max=200)])
    summary = TextAreaField(_l("What it would do"),
                            validators=[DataRequired(_l("Say what the project would do")),
                                                             Length(max=3000)])
    district_id = SelectField(_l("Which budget it is for"), coerce=int,
                              description=_l("The district whose residents would vote on it."))
    location = StringField(_l("Where it would happen"), validators=[Optional(), Length(max=200)],
                           description=_l("A place people know, like “Mill Park, by the swings”."))
    postcode = StringField(_l("Postcode of the place (optional)"),
                           validators=[Optional(), Length(max=10)])
    lines = FieldList(FormField(CostLineForm), _l("What the money buys"),
                      min_entries=COST_LINE_ROWS, max_entries=MAX_COST_LINE_ROWS)
    image = FileField(_l("A picture of the project or the place (optional)"),
                      description=_l("A JPG or PNG file, up to 5 MB. It is shown on the ballot."))
    image_alt = StringField(_l("Describe the picture for people who cannot see it"),
                            validators=[Optional(), Length(max=300)],
                            description=_l("For example: “The bare patch of grass where the "
                                           "benches would go”. Needed if you add a picture."))
    group_id = SelectField(_l("Proposed by"), coerce=int, default=0)

    def validate_image_alt(self, field):
        chosen = getattr(self.image.data, "filename", "")
        if (field.data or "").strip() and not chosen:
            raise ValidationError(_("Choose the picture again (a page that comes back does not keep "
                                    "a chosen file), or clear its description."))


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=options([("feasible",
                                                            _l("Feasible: it goes on the ballot")),
                                               ("not_feasible", _l("Not feasible"))]),
                          validators=[InputRequired(_l("Choose feasible or not feasible"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason")), Length(max=2000)])
    cost = StringField(_l("Cost estimate in pounds"), validators=[Optional(), Pounds()],
                       description=_l("Becomes the project's cost on the ballot."))


class RemoveImageForm(FlaskForm):
    removal_reason = TextAreaField(
        _l("Why the picture is removed"),
        validators=[DataRequired(_l("Give the reason for removing the picture")),
                    Length(max=2000)],
        description=_l("The proposer can see this."))


class DetailsForm(FlaskForm):
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter your postcode")),
                                                       Length(max=10)])
    date_of_birth = DateField(_l("Date of birth"), validators=[InputRequired(_l("Enter your date of birth"))],
                              description=_l("For example 1990-03-27."))
    family_name = StringField(_l("Family name (optional)"), validators=[Optional(), Length(max=120)],
                              description=_l("As on the electoral register. Some votes check it "
                                          "against the council's list of voters."))


class CodeForm(FlaskForm):
    code = StringField(_l("Voting code"),
                       validators=[DataRequired(_l("Enter the code from your letter or card")),
                                                  Length(max=40)],
                       description=_l("12 letters and numbers, like ABCD-2345-EFGH."))


class BallotForm(FlaskForm):
    """Carries the CSRF token; the choices come from request.form."""

    code = HiddenField()
    # One per ballot page: a retry of the same form finds the same receipt (voting.cast_tokens).
    cast_token = HiddenField()
    secret = StringField(_l("Your change secret"), validators=[Optional(), Length(max=40)],
                         description=_l("The private code you were shown under your receipt when "
                                     "you voted, like ABCD-2345-EFGH-JKMN."))


class CodeChangeForm(FlaskForm):
    code = StringField(_l("Voting code"), validators=[DataRequired(_l("Enter the code you voted with")),
                                                  Length(max=40)],
                       description=_l("The code on your letter or card that you voted with."))
    secret = StringField(_l("Your change secret"), validators=[DataRequired(_l("Enter your change secret")),
                                                           Length(max=40)],
                         description=_l("The private code you were shown when you voted."))


class CensusImportForm(FlaskForm):
    file = FileField(_l("Census list (CSV)"), validators=[FileRequired(_l("Choose a CSV file"))],
                     description=_l("A header row naming family_name, date_of_birth and postcode; "
                                 "any other columns (such as the address) are copied into the "
                                 "codes file and not stored."))


class PaperIssueForm(FlaskForm):
    family_name = StringField(_l("Family name"), validators=[DataRequired(_l("Enter the family name")),
                                                         Length(max=120)])
    date_of_birth = DateField(_l("Date of birth"), validators=[InputRequired(_l("Enter the date of birth"))],
                              description=_l("For example 1990-03-27."))
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter the postcode")),
                                                       Length(max=10)])


class GenerateCodesForm(FlaskForm):
    district_id = SelectField(_l("District the codes are for"), coerce=int)
    label = StringField(_l("Label"), validators=[DataRequired(_l("Enter a label")), Length(max=120)],
                        description=_l("For example: Letters to Northside, March."))
    count = IntegerField(_l("How many codes"), validators=[InputRequired(_l("Enter how many")),
                                                       NumberRange(min=1, max=50_000)])


class PaperBatchForm(FlaskForm):
    district_id = SelectField(_l("District of the event"), coerce=int)
    event = StringField(_l("Event"), validators=[DataRequired(_l("Enter the event's name")), Length(max=200)])
    event_date = DateField(_l("Date of the event"), validators=[InputRequired(_l("Enter the date"))])
    first_serial = IntegerField(_l("First serial number"),
                                validators=[InputRequired(_l("Enter the first serial")),
                                                                   NumberRange(min=1)])
    last_serial = IntegerField(_l("Last serial number"),
                               validators=[InputRequired(_l("Enter the last serial")),
                                                                 NumberRange(min=1)])
    double_keyed = BooleanField(_l("Key every ballot twice and compare before counting"))


class PaperBallotForm(FlaskForm):
    serial = IntegerField(_l("Serial number on the ballot paper"),
                          validators=[InputRequired(_l("Enter the serial number")), NumberRange(min=1)])
    keying = SelectField(_l("Keying"), choices=options([("1", _l("First keying")), ("2",
                                                                                    _l("Second keying"))]),
                         default="1")


class DiscardKeyingForm(FlaskForm):
    serial = IntegerField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """A button with nothing but its CSRF token."""
