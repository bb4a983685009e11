"""Fund managers' round pages: an overview with what is missing and the phase, then one
sub-page each for the settings, the criteria, the questions and the applications; editing,
reordering and deleting criteria and questions; scheduling a draft to open."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot import money
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
    can,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _, ngettext
from commonpot.pagination import paginate
from commonpot.refusals import Refused
from grants import forms, operations, queries, rounds
from grants.models import (
    Criterion,
    Fund,
    Question,
    Round,
)
from grants.states import (
    RoundPhase,
    RoundTransitionError,
    allowed_round_targets,
)
from grants.timefmt import from_london, to_london_naive
from grants.views import _form_errors, bp

# Unprocessable: the form is shown again with what is wrong.
INVALID = 422
# A rule refused the change; the refusal page says why.
REFUSED = 409


def _settings(form) -> operations.RoundSettings:
    amounts = {}
    for name in ("min_grant", "max_grant", "budget"):
        pence = money.parse_pounds(getattr(form, name).data)
        if pence is None:
            raise operations.GrantsError(_("Enter an amount in pounds, like 500."), name)
        amounts[name] = pence
    return operations.RoundSettings(
        title=form.title.data.strip(), description=form.description.data.strip(),
        opens_at=from_london(form.opens_at.data), closes_at=from_london(form.closes_at.data),
        min_grant_pence=amounts["min_grant"], max_grant_pence=amounts["max_grant"],
        budget_pence=amounts["budget"], allowed_org_types=list(form.allowed_org_types.data or []),
        max_applications_per_group=form.max_applications_per_group.data,
        restrict_to_area=bool(form.restrict_to_area.data), uses_voting=bool(form.uses_voting.data),
        eligibility_notes=(form.eligibility_notes.data or "").strip())


def _managed_round(slug: str) -> Round:
    return load_or_404(Round, slug, "grants.manage_round", by=Round.slug)


def _refused(round_: Round, exc: Exception):
    return render_template("grants/refused.html", round=round_, message=str(exc),
                           details=getattr(exc, "details", ()),
                           back=url_for("grants.manage_round", slug=round_.slug)), REFUSED


@bp.route("/funds/<int:fund_id>/rounds/new", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def create_round(fund_id: int):
    fund = load_or_404(Fund, fund_id, "grants.manage_fund")
    form = forms.RoundForm()
    if form.validate_on_submit():
        try:
            round_ = operations.create_round(db.session, current_user, fund, _settings(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash(_("Round created as a draft. Add its criteria and questions; it opens only "
                    "when you say it is ready."), "success")
            return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/round_form.html", form=form, fund=fund, round=None)


@bp.route("/rounds/<slug>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_round(slug: str):
    round_ = _managed_round(slug)
    form = forms.RoundForm(obj=round_)
    if request.method == "GET":
        form.opens_at.data = to_london_naive(round_.opens_at)
        form.closes_at.data = to_london_naive(round_.closes_at)
        form.min_grant.data = f"{round_.min_grant_pence / 100:.2f}"
        form.max_grant.data = f"{round_.max_grant_pence / 100:.2f}"
        form.budget.data = f"{round_.budget_pence / 100:.2f}"
    if form.validate_on_submit():
        try:
            operations.update_round(db.session, current_user, round_, _settings(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash(_("Round saved."), "success")
            return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/round_form.html", form=form, fund=round_.fund, round=round_,
                           section="settings")


@bp.route("/rounds/<slug>/manage")
@access(OBJECT_CHECKED)
def manage_round(slug: str):
    round_ = _managed_round(slug)
    phase_form = forms.PhaseForm()
    phase_form.target.choices = options([(p.value, p.label) for p in
                                         sorted(allowed_round_targets(round_.phase))])
    return render_template(
        "grants/manage_round.html", round=round_, section="overview", phase_form=phase_form,
        confirm_form=forms.EmptyForm(), overview=queries.round_overview(db.session, round_))


@bp.route("/rounds/<slug>/manage/criteria")
@access(OBJECT_CHECKED)
def manage_round_criteria(slug: str):
    round_ = _managed_round(slug)
    return render_template("grants/manage_criteria.html", round=round_, section="criteria",
                           changeable=rounds.criteria_changeable(db.session, round_),
                           criterion_form=forms.CriterionForm(), move_form=forms.EmptyForm())


@bp.route("/rounds/<slug>/manage/questions")
@access(OBJECT_CHECKED)
def manage_round_questions(slug: str):
    round_ = _managed_round(slug)
    copy_form = forms.CopyQuestionsForm()
    copy_form.source_round_id.choices = options([
        (r.id, f"{r.title} ({r.fund.name})") for r in db.session.scalars(
            select(Round).where(Round.id != round_.id).options(joinedload(Round.fund))
            .order_by(Round.created_at.desc()))
        if can(current_user, "grants.manage_round", r)])
    return render_template("grants/manage_questions.html", round=round_, section="questions",
                           question_form=forms.QuestionDefinitionForm(), copy_form=copy_form,
                           move_form=forms.EmptyForm())


@bp.route("/rounds/<slug>/manage/applications")
@access(OBJECT_CHECKED)
def manage_round_applications(slug: str):
    round_ = _managed_round(slug)
    return render_template("grants/manage_applications.html", round=round_, section="applications",
                           applications=paginate(db.session, queries.submitted_applications_query(round_.id)),
                           drafts=queries.draft_count(db.session, round_.id))


@bp.route("/rounds/<slug>/phase", methods=["POST"])
@access(OBJECT_CHECKED)
def change_round_phase(slug: str):
    round_ = _managed_round(slug)
    form = forms.PhaseForm()
    form.target.choices = options([(p.value, p.label) for p in RoundPhase])
    if not form.validate_on_submit():
        flash(_("Choose a phase and say why."), "error")
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        operations.transition_round(db.session, current_user, round_, form.target.data,
                                    reason=form.reason.data)
    except RoundTransitionError as exc:
        return _refused(round_, exc)
    flash(_("The round is now: %(phase)s.", phase=round_.phase.label), "success")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/schedule", methods=["POST"])
@access(OBJECT_CHECKED)
def schedule_round(slug: str):
    round_ = _managed_round(slug)
    if not forms.EmptyForm().validate_on_submit():
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        rounds.schedule_round(db.session, current_user, round_)
    except Refused as exc:
        return _refused(round_, exc)
    if round_.phase == RoundPhase.OPEN:
        flash(_("The round is open for applications."), "success")
    else:
        flash(_("The round is ready. It opens automatically at its opening time."), "success")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/unschedule", methods=["POST"])
@access(OBJECT_CHECKED)
def unschedule_round(slug: str):
    round_ = _managed_round(slug)
    if forms.EmptyForm().validate_on_submit():
        try:
            rounds.unschedule_round(db.session, current_user, round_)
        except Refused as exc:
            return _refused(round_, exc)
        flash(_("The round will not open until you say it is ready again."), "success")
    return redirect(url_for("grants.manage_round", slug=slug))


# --- criteria ---------------------------------------------------------------------------

@bp.route("/rounds/<slug>/criteria", methods=["POST"])
@access(OBJECT_CHECKED)
def add_criterion(slug: str):
    round_ = _managed_round(slug)
    form = forms.CriterionForm()
    if form.validate_on_submit():
        try:
            operations.add_criterion(db.session, current_user, round_, name=form.name.data.strip(),
                                     description=form.description.data or "",
                                     weight=form.weight.data)
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Criterion added."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("grants.manage_round_criteria", slug=slug))


def _criterion(criterion_id: int) -> Criterion:
    return load_or_404(Criterion, criterion_id, "grants.manage_round", subject=lambda c: c.round)


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_criterion(criterion_id: int):
    criterion = _criterion(criterion_id)
    round_ = criterion.round
    form = forms.CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            rounds.edit_criterion(db.session, current_user, criterion, name=form.name.data,
                                  description=form.description.data or "", weight=form.weight.data)
        except Refused as exc:
            if not exc.field:
                return _refused(round_, exc)
            _form_errors(form, exc)
        else:
            flash(_("Criterion saved."), "success")
            return redirect(url_for("grants.manage_round_criteria", slug=round_.slug))
    return render_template("grants/edit_criterion.html", round=round_, criterion=criterion,
                           form=form, section="criteria"), (INVALID if form.errors or
                                                            form.form_errors else 200)


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@access(OBJECT_CHECKED)
def move_criterion(criterion_id: int):
    criterion = _criterion(criterion_id)
    round_ = criterion.round
    if forms.EmptyForm().validate_on_submit():
        try:
            rounds.move_criterion(db.session, current_user, criterion, request.form.get("direction", ""))
        except Refused as exc:
            return _refused(round_, exc)
    return redirect(url_for("grants.manage_round_criteria", slug=round_.slug))


@bp.route("/criteria/<int:criterion_id>/delete", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def delete_criterion(criterion_id: int):
    criterion = _criterion(criterion_id)
    round_ = criterion.round
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            rounds.delete_criterion(db.session, current_user, criterion)
        except Refused as exc:
            return _refused(round_, exc)
        flash(_("Criterion deleted."), "success")
        return redirect(url_for("grants.manage_round_criteria", slug=round_.slug))
    return render_template("grants/confirm_delete.html", round=round_, form=form,
                           heading=_("Are you sure you want to delete the criterion “%(name)s”?",
                                     name=criterion.name),
                           consequence=_("It is removed from the round’s published criteria."),
                           cancel=url_for("grants.manage_round_criteria", slug=round_.slug))


# --- questions --------------------------------------------------------------------------

def _question_values(form) -> dict:
    return {"type": form.type.data, "label": form.label.data.strip(), "hint": form.hint.data or "",
            "required": bool(form.required.data),
            "options": (form.options.data or "").splitlines(),
            "word_limit": form.word_limit.data, "step": form.step.data}


@bp.route("/rounds/<slug>/questions", methods=["POST"])
@access(OBJECT_CHECKED)
def add_question(slug: str):
    round_ = _managed_round(slug)
    form = forms.QuestionDefinitionForm()
    if form.validate_on_submit():
        try:
            operations.add_question(db.session, current_user, round_, **_question_values(form))
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Question added."), "success")
    else:
        flash(_("Write the question and choose its type."), "error")
    return redirect(url_for("grants.manage_round_questions", slug=slug))


def _question(question_id: int) -> Question:
    return load_or_404(Question, question_id, "grants.manage_round", subject=lambda q: q.round)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_question(question_id: int):
    question = _question(question_id)
    round_ = question.round
    form = forms.QuestionDefinitionForm(obj=question)
    if request.method == "GET":
        form.type.data = question.type.value
        form.options.data = "\n".join(question.options or [])
    if form.validate_on_submit():
        try:
            rounds.edit_question(db.session, current_user, question, **_question_values(form))
        except Refused as exc:
            if not exc.field:
                return _refused(round_, exc)
            _form_errors(form, exc)
        else:
            flash(_("Question saved."), "success")
            return redirect(url_for("grants.manage_round_questions", slug=round_.slug))
    return render_template("grants/edit_question.html", round=round_, question=question, form=form,
                           section="questions"), (INVALID if form.errors or form.form_errors
                                                  else 200)


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@access(OBJECT_CHECKED)
def move_question(question_id: int):
    question = _question(question_id)
    round_ = question.round
    if forms.EmptyForm().validate_on_submit():
        try:
            rounds.move_question(db.session, current_user, question, request.form.get("direction", ""))
        except Refused as exc:
            return _refused(round_, exc)
    return redirect(url_for("grants.manage_round_questions", slug=round_.slug))


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def delete_question(question_id: int):
    question = _question(question_id)
    round_ = question.round
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            rounds.delete_question(db.session, current_user, question)
        except Refused as exc:
            return _refused(round_, exc)
        flash(_("Question deleted."), "success")
        return redirect(url_for("grants.manage_round_questions", slug=round_.slug))
    return render_template("grants/confirm_delete.html", round=round_, form=form,
                           heading=_("Are you sure you want to delete the question “%(label)s”?",
                                     label=question.label),
                           consequence=_("Groups applying to this round will not be asked it."),
                           cancel=url_for("grants.manage_round_questions", slug=round_.slug))


@bp.route("/rounds/<slug>/questions/copy", methods=["POST"])
@access(OBJECT_CHECKED)
def copy_questions(slug: str):
    round_ = _managed_round(slug)
    source = db.session.get(Round, request.form.get("source_round_id", type=int) or 0)
    if source is None or not can(current_user, "grants.manage_round", source):
        flash(_("Choose a round to copy from."), "error")
        return redirect(url_for("grants.manage_round_questions", slug=slug))
    try:
        copied = operations.copy_questions(db.session, current_user, round_, source)
    except operations.GrantsError as exc:
        flash(str(exc), "error")
    else:
        flash(ngettext("%(num)d question copied from %(source)s.",
                       "%(num)d questions copied from %(source)s.", copied, source=source.title),
              "success")
    return redirect(url_for("grants.manage_round_questions", slug=slug))
