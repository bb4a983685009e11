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
from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
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
        raise ValueError(_("Enter an amount in pounds, like 1250 or 1250.50.")) from exc
    if not amount.is_finite() or amount < 0 or amount * 100 > MAX_PENCE \
            or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Enter an amount in pounds, like 1250 or 1250.50."))
    return int(amount * 100)


class PanelSettingsForm(FlaskForm):
    scale_min = IntegerField(_l("Lowest score"), default=0, validators=[InputRequired(), NumberRange(min=0)])
    scale_max = IntegerField(_l("Highest score"), default=5,
                             validators=[InputRequired(), NumberRange(min=1, max=100)])
    reviewers_per_application = IntegerField(
        _l("Reviewers per application"), validators=[Optional(), NumberRange(min=1)],
        description=_l("Leave empty for every member to review every eligible application."))
    blind_review = BooleanField(_l("Blind review: hide the group's name, members and identifying answers"))
    identifying_question_keys = CheckboxesField(_l("Questions whose answers identify the group"),
                                                choices=options([]))
    calibrate_scores = BooleanField(
        _l("Calibrate scores per reviewer (so harsh and generous reviewers count alike)"))
    disagreement_threshold = DecimalField(
        _l("Flag for discussion when reviewers' totals differ by at least"), places=2, default=Decimal(2),
        validators=[InputRequired(), NumberRange(min=0)],
        description=_l("In points on the scale, e.g. 2 or 1.5."))
    show_member_names = BooleanField(
        _l("Show panel members' names on the public page (otherwise only roles)"))
    share_panel_comments = BooleanField(
        _l("Include panel members' notes to the applicant in decision emails"))

    def validate_scale_max(self, field):
        if self.scale_min.data is not None and field.data is not None and field.data <= self.scale_min.data:
            raise ValidationError(_("The highest score must be above the lowest."))


class AddMemberForm(FlaskForm):
    email = EmailField(_l("Email address of the member's account"), validators=[DataRequired(), Email()])
    role = RadioField(_l("Role"), choices=options([(r.value, r.label) for r in PanelRole]),
                      default=PanelRole.MEMBER.value,
                      validators=[DataRequired()])
    is_resident = BooleanField(_l("Sits on the panel as a resident"))


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""


class RemoveMemberForm(FlaskForm):
    member_id = IntegerField(validators=[InputRequired()])


class ReassignForm(FlaskForm):
    application_id = SelectField(_l("Application"), coerce=int, validators=[InputRequired()])
    from_user_id = SelectField(_l("Take the review from"), coerce=int, validators=[InputRequired()],
                               description=_l("Choose ‘Nobody’ to add a reviewer."))
    to_user_id = SelectField(_l("Give it to"), coerce=int, validators=[InputRequired()])


class DeclarationForm(FlaskForm):
    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this application?"),
        choices=options([("no", _l("No, I have no conflict of interest")),
                         ("yes", _l("Yes, I have a conflict of interest"))]),
        validators=[DataRequired(message=_l("Say whether you have a conflict of interest."))])
    reason = RadioField(_l("Why?"), choices=options([(r.value, r.label) for r in ConflictReason]),
                        validators=[Optional()])
    details = TextAreaField(_l("Details"), validators=[Length(max=2000)],
                            description=_l("Needed when the reason is ‘Another reason’."))

    def validate_reason(self, field):
        if self.has_conflict.data == "yes" and not field.data:
            raise ValidationError(_("Say why you have a conflict of interest."))


class WithdrawConflictForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing your conflict of interest?"),
                           validators=[DataRequired(message=_l("Say why you are withdrawing it.")),
                                       Length(max=2000)],
                           description=_l("Only the fund team sees this; the public audit log "
                                          "shows that you withdrew it, not why."))


def score_form(criteria, scale_min: int, scale_max: int, formdata=None, data=None):
    """A form with one score and comment per criterion, then the recommendation and note."""

    class ScoreForm(FlaskForm):
        recommendation = RadioField(_l("Overall recommendation"),
                                    choices=options([(r.value, r.label) for r in Recommendation]),
                                    validators=[Optional()])
        note_to_applicant = TextAreaField(_l("Note to the applicant"), validators=[Length(max=4000)],
                                          description=_l("The applicant may see this with the decision."))

    choices = [(str(v), str(v)) for v in range(scale_min, scale_max + 1)]
    for criterion in criteria:
        setattr(ScoreForm, f"score_{criterion.id}", RadioField(
            _("%(criterion)s (weight %(weight)s)", criterion=criterion.name, weight=criterion.weight),
            choices=options(choices),
            validators=[Optional()],
            description=criterion.description))
        setattr(ScoreForm, f"comment_{criterion.id}", TextAreaField(
            _("Comment on %(criterion)s (optional)", criterion=criterion.name),
            validators=[Length(max=4000)]))
    return ScoreForm(formdata=formdata, data=data)


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why are you reopening these scores?"),
                           validators=[DataRequired(message=_l("Give a reason.")), Length(max=2000)])


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=options([(o.value, o.label) for o in Outcome]),
                         validators=[DataRequired(message=_l("Choose a decision."))])
    amount = StringField(_l("Amount to award, in pounds"), validators=[Optional()],
                         description=_l("Leave as the amount requested for a full award."))
    reason = TextAreaField(_l("Reason for a partial award"), validators=[Length(max=2000)])
    feedback = TextAreaField(_l("Feedback for the applicant"), validators=[Length(max=4000)],
                             description=_l("Required when you decline."))

    def validate_amount(self, field):
        if self.outcome.data == Outcome.AWARD.value:
            if not field.data:
                raise ValidationError(_("Enter the amount to award."))
            try:
                self.amount_pence = pounds_to_pence(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc


class ShortlistForm(FlaskForm):
    application_ids = CheckboxesField(_l("Send these applications to the resident vote"), coerce=int,
                                      choices=options([]))
