"""Panel forms. Every form is a FlaskForm, so each carries its CSRF token."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from commonpot.forms import DecimalField, IntegerField, options
from commonpot.money import MAX_PENCE
from grants.panels.states import ConflictReason, Outcome, PanelRole, Recommendation


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def pounds_to_pence(text: str) -> int:
    """'1,250.50' -> 125050, exactly; refuses more than two decimal places."""
    cleaned = (text or "").replace(",", "").replace("£", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("Enter an amount in pounds, like 1250 or 1250.50.") from exc
    if not amount.is_finite() or amount < 0 or amount * 100 > MAX_PENCE \
            or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Enter an amount in pounds, like 1250 or 1250.50.")
    return int(amount * 100)


class PanelSettingsForm(FlaskForm):
    scale_min = IntegerField("Lowest score", default=0, validators=[InputRequired(), NumberRange(min=0)])
    scale_max = IntegerField("Highest score", default=5,
                             validators=[InputRequired(), NumberRange(min=1, max=100)])
    reviewers_per_application = IntegerField(
        "Reviewers per application", validators=[Optional(), NumberRange(min=1)],
        description="Leave empty for every member to review every eligible application.")
    blind_review = BooleanField("Blind review: hide the group's name, members and identifying answers")
    identifying_question_keys = CheckboxesField("Questions whose answers identify the group",
                                                choices=options([]))
    calibrate_scores = BooleanField(
        "Calibrate scores per reviewer (so harsh and generous reviewers count alike)")
    disagreement_threshold = DecimalField(
        "Flag for discussion when reviewers' totals differ by at least", places=2, default=Decimal(2),
        validators=[InputRequired(), NumberRange(min=0)],
        description="In points on the scale, e.g. 2 or 1.5.")
    show_member_names = BooleanField("Show panel members' names on the public page (otherwise only roles)")
    share_panel_comments = BooleanField("Include panel members' notes to the applicant in decision emails")

    def validate_scale_max(self, field):
        if self.scale_min.data is not None and field.data is not None and field.data <= self.scale_min.data:
            raise ValidationError("The highest score must be above the lowest.")


class AddMemberForm(FlaskForm):
    email = EmailField("Email address of the member's account", validators=[DataRequired(), Email()])
    role = RadioField("Role", choices=options([(r.value, r.label) for r in PanelRole]),
                      default=PanelRole.MEMBER.value,
                      validators=[DataRequired()])
    is_resident = BooleanField("Sits on the panel as a resident")


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""


class RemoveMemberForm(FlaskForm):
    member_id = IntegerField(validators=[InputRequired()])


class ReassignForm(FlaskForm):
    application_id = SelectField("Application", coerce=int, validators=[InputRequired()])
    from_user_id = SelectField("Take the review from", coerce=int, validators=[InputRequired()],
                               description="Choose ‘Nobody’ to add a reviewer.")
    to_user_id = SelectField("Give it to", coerce=int, validators=[InputRequired()])


class DeclarationForm(FlaskForm):
    has_conflict = RadioField(
        "Do you have a conflict of interest with this application?",
        choices=options([("no", "No, I have no conflict of interest"),
                         ("yes", "Yes, I have a conflict of interest")]),
        validators=[DataRequired(message="Say whether you have a conflict of interest.")])
    reason = RadioField("Why?", choices=options([(r.value, r.label) for r in ConflictReason]),
                        validators=[Optional()])
    details = TextAreaField("Details", validators=[Length(max=2000)],
                            description="Needed when the reason is ‘Another reason’.")

    def validate_reason(self, field):
        if self.has_conflict.data == "yes" and not field.data:
            raise ValidationError("Say why you have a conflict of interest.")


class WithdrawConflictForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing your conflict of interest?",
                           validators=[DataRequired(message="Say why you are withdrawing it."),
                                       Length(max=2000)],
                           description="Only the fund team sees this; the public audit log "
                                       "shows that you withdrew it, not why.")


def score_form(criteria, scale_min: int, scale_max: int, formdata=None, data=None):
    """A form with one score and comment per criterion, then the recommendation and note."""

    class ScoreForm(FlaskForm):
        recommendation = RadioField("Overall recommendation",
                                    choices=options([(r.value, r.label) for r in Recommendation]),
                                    validators=[Optional()])
        note_to_applicant = TextAreaField("Note to the applicant", validators=[Length(max=4000)],
                                          description="The applicant may see this with the decision.")

    choices = [(str(v), str(v)) for v in range(scale_min, scale_max + 1)]
    for criterion in criteria:
        setattr(ScoreForm, f"score_{criterion.id}", RadioField(
            f"{criterion.name} (weight {criterion.weight})", choices=options(choices),
            validators=[Optional()],
            description=criterion.description))
        setattr(ScoreForm, f"comment_{criterion.id}", TextAreaField(
            f"Comment on {criterion.name} (optional)", validators=[Length(max=4000)]))
    return ScoreForm(formdata=formdata, data=data)


class ReopenForm(FlaskForm):
    reason = TextAreaField("Why are you reopening these scores?",
                           validators=[DataRequired(message="Give a reason."), Length(max=2000)])


class DecisionForm(FlaskForm):
    outcome = RadioField("Decision", choices=options([(o.value, o.label) for o in Outcome]),
                         validators=[DataRequired(message="Choose a decision.")])
    amount = StringField("Amount to award, in pounds", validators=[Optional()],
                         description="Leave as the amount requested for a full award.")
    reason = TextAreaField("Reason for a partial award", validators=[Length(max=2000)])
    feedback = TextAreaField("Feedback for the applicant", validators=[Length(max=4000)],
                             description="Required when you decline.")

    def validate_amount(self, field):
        if self.outcome.data == Outcome.AWARD.value:
            if not field.data:
                raise ValidationError("Enter the amount to award.")
            try:
                self.amount_pence = pounds_to_pence(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc


class ShortlistForm(FlaskForm):
    application_ids = CheckboxesField("Send these applications to the resident vote", coerce=int,
                                      choices=options([]))
