"""Forms. The application form is built with WTForms from the round's question definition;
its answers are checked by the domain's rule (grants/answers.py), the same one that checks
an application on submit."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from commonpot.forms import IntegerField, options
from commonpot.i18n import _
from commonpot.i18n import lazy_gettext as _l
from grants import eligibility
from grants.answers import answer_problem
from grants.models import ORG_TYPE_LABELS, Question, QuestionType

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


class _AnswerCheck:
    def __init__(self, question: Question, answers: dict):
        self.question = question
        self.answers = answers

    def __call__(self, form, field):
        problem = answer_problem(self.question, self.answers.get(self.question.key))
        if problem:
            field.errors.append(problem)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown options are reported by answer_problem with a friendlier message.
        pass


def _field_for(question: Question, answers: dict):
    kind = QuestionType(question.type)
    field_args = dict(label=question.label, description=question.hint,
                      validators=[_AnswerCheck(question, answers)])
    if kind == QuestionType.LONG_TEXT:
        if question.word_limit:
            limit = _("Use %(limit)d words or fewer.", limit=question.word_limit)
            field_args["description"] = f"{question.hint} {limit}".strip()
        return TextAreaField(**field_args)
    if kind == QuestionType.SINGLE_CHOICE:
        return RadioField(choices=options([(o, o) for o in question.options]), validate_choice=False,
                          **field_args)
    if kind == QuestionType.YES_NO:
        return RadioField(choices=options(YES_NO), validate_choice=False, **field_args)
    if kind == QuestionType.MULTIPLE_CHOICE:
        return MultiCheckboxField(choices=options([(o, o) for o in question.options]), **field_args)
    if kind == QuestionType.FILE:
        return FileField(**field_args)
    return StringField(**field_args)


def answers_formdata(answers: dict, questions) -> MultiDict:
    data = MultiDict()
    for question in questions:
        value = answers.get(question.key)
        if isinstance(value, list):
            for item in value:
                data.add(question.key, item)
        elif value is not None and QuestionType(question.type) != QuestionType.FILE:
            data.add(question.key, str(value))
    return data


def build_question_form(questions, answers: dict) -> Form:
    """A WTForms form for these questions, filled with exactly the stored answers."""

    class QuestionForm(Form):
        pass

    for question in questions:
        setattr(QuestionForm, question.key, _field_for(question, answers))
    return QuestionForm(formdata=answers_formdata(answers, questions))


def typed_answers(form_data, questions) -> dict:
    """Read what was typed for these questions from a request's form, exactly as typed."""
    values = {}
    for question in questions:
        kind = QuestionType(question.type)
        if kind == QuestionType.FILE:
            continue
        if kind == QuestionType.MULTIPLE_CHOICE:
            values[question.key] = form_data.getlist(question.key)
        else:
            values[question.key] = form_data.get(question.key, "")
    return values


# --- fixed forms --------------------------------------------------------------------------

class EmptyForm(FlaskForm):
    pass


class StartApplicationForm(FlaskForm):
    group_id = SelectField(_l("Which group is applying?"), coerce=int,
                           validators=[InputRequired(_l("Choose the group that is applying."))])


class DeclarationsForm(FlaskForm):
    declarations = BooleanField(
        _l("I confirm the information is true, the group agrees to this application, and the "
        "money will be spent only on the project described."))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing? (optional)"),
                           validators=[Optional(), Length(max=1000)])


ORG_TYPE_CHOICES = [(value.value, label) for value, label in ORG_TYPE_LABELS.items()]


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Enter the group's name.")),
                                                 Length(max=200)])
    org_type = RadioField(_l("What type of organisation is the group?"), choices=options(ORG_TYPE_CHOICES),
                          validators=[InputRequired(_l("Choose the type of organisation."))])
    charity_number = StringField(_l("Charity number (if registered)"),
                                 validators=[Optional(), Length(max=20)])
    company_number = StringField(_l("Company number (if a company)"),
                                 validators=[Optional(), Length(max=20)])
    postcode = StringField(_l("Postcode of the group's main address"),
                           validators=[DataRequired(_l("Enter a postcode.")), Length(max=10)])
    contact_name = StringField(_l("Contact name"), validators=[DataRequired(_l("Enter a contact name.")),
                                                           Length(max=120)])
    contact_email = StringField(_l("Contact email"), validators=[
        DataRequired(_l("Enter a contact email.")), Email(_l("Enter a real email address.")),
        Length(max=254)])
    contact_phone = StringField(_l("Contact phone (optional)"), validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("What does the group do? (optional)"),
                                validators=[Optional(), Length(max=2000)])


class InviteForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[
        DataRequired(_l("Enter the email address to invite.")), Email(_l("Enter a real email address."))])
    role = RadioField(_l("Role"), choices=options([("member", _l("Member")),
                                        ("group_admin", _l("Group admin"))]),
                      default="member", validators=[InputRequired(_l("Choose a role."))])


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Plain-English description"),
                                validators=[DataRequired(_l("Describe the round."))])
    opens_at = DateTimeLocalField(_l("Opens (UK time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(_l("Enter the opening date and time."))])
    closes_at = DateTimeLocalField(_l("Closes (UK time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("Enter the closing date and time."))])
    min_grant = StringField(_l("Smallest grant (£)"), validators=[InputRequired(_l("Enter an amount."))])
    max_grant = StringField(_l("Largest grant (£)"), validators=[InputRequired(_l("Enter an amount."))])
    budget = StringField(_l("Total this round may award (£)"),
                         validators=[InputRequired(_l("Enter an amount."))])
    allowed_org_types = MultiCheckboxField(
        _l("Organisation types that may apply"), choices=options(ORG_TYPE_CHOICES),
        description=_l("Leave all unticked to allow every type."))
    max_applications_per_group = IntegerField(
        _l("Applications each group may make"), default=1,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=1, max=20)])
    restrict_to_area = BooleanField(_l("Only projects in the fund's area may apply"), default=True)
    uses_voting = BooleanField(_l("Residents vote after panel scoring"))
    eligibility_notes = TextAreaField(_l("Other eligibility notes (optional)"),
                                      validators=[Optional()])


class CriterionForm(FlaskForm):
    name = StringField(_l("Criterion"), validators=[DataRequired(_l("Name the criterion.")),
                                                Length(max=120)])
    description = TextAreaField(_l("What the panel looks for"), validators=[Optional()])
    weight = IntegerField(_l("Weight"), default=1,
                          validators=[InputRequired(_l("Enter a weight.")), NumberRange(min=0, max=100)])


class QuestionDefinitionForm(FlaskForm):
    type = SelectField(_l("Type of question"),
                       choices=options([(t.value, t.label) for t in QuestionType]))
    label = StringField(_l("Question"), validators=[DataRequired(_l("Enter the question.")),
                                                Length(max=300)])
    hint = TextAreaField(_l("Hint (optional)"), validators=[Optional()])
    required = BooleanField(_l("An answer is required"), default=True)
    options = TextAreaField(_l("Options, one per line (choice questions only)"),
                            validators=[Optional()])
    word_limit = IntegerField(_l("Word limit (long text only)"),
                              validators=[Optional(), NumberRange(min=1, max=5000)])
    step = IntegerField(_l("Step of the form it appears on"), default=1,
                        validators=[InputRequired(), NumberRange(min=1, max=20)])


class CopyQuestionsForm(FlaskForm):
    source_round_id = SelectField(_l("Copy questions and criteria from"), coerce=int)


class PhaseForm(FlaskForm):
    target = SelectField(_l("Move the round to"))
    reason = TextAreaField(_l("Why (recorded in the audit trail)"),
                           validators=[DataRequired(_l("Say why the round is moving on."))])


class ScreeningForm(FlaskForm):
    eligible = RadioField(_l("Is this application eligible?"),
                          choices=options([("yes", _l("Eligible")),
                                           ("no", _l("Not eligible"))]),
                          validators=[InputRequired(_l("Choose eligible or not eligible."))])
    reason_code = RadioField(_l("Reason (if not eligible)"),
                             choices=options([(code, _l(reason)) for code, reason
                                              in eligibility.SCREENING_REASONS.items()]),
                             validators=[Optional()], validate_choice=False)
    reason_text = TextAreaField(_l("Explain to the group (sent to them if not eligible)"),
                                validators=[Optional(), Length(max=2000)])


class AreasImportForm(FlaskForm):
    file = FileField(_l("CSV file: area, kind (ward or district), postcode or prefix, ONS code"))


class ThemesForm(FlaskForm):
    themes = TextAreaField(_l("Themes, one per line"))


class HiddenIdForm(FlaskForm):
    id = HiddenField()
