"""Fund managers' round pages: settings, phase changes, criteria and questions."""

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
from commonpot.i18n import _
from grants import forms, operations, queries
from grants.models import (
    Application,
    Fund,
    Round,
)
from grants.states import (
    RoundPhase,
    RoundTransitionError,
    allowed_round_targets,
)
from grants.timefmt import from_london, to_london_naive
from grants.views import _form_errors, bp


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
            flash(_("Round created as a draft. Add criteria and questions, then open it."), "success")
            return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/round_form.html", form=form, fund=fund, round=None)


@bp.route("/rounds/<slug>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_round(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
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
    return render_template("grants/round_form.html", form=form, fund=round_.fund, round=round_)


@bp.route("/rounds/<slug>/manage")
@access(OBJECT_CHECKED)
def manage_round(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    phase_form = forms.PhaseForm()
    phase_form.target.choices = options([(p.value, p.label) for p in
                                 sorted(allowed_round_targets(round_.phase))])
    copy_form = forms.CopyQuestionsForm()
    copy_form.source_round_id.choices = options([
        (r.id, f"{r.title} ({r.fund.name})") for r in db.session.scalars(
            select(Round).where(Round.id != round_.id).order_by(Round.created_at.desc()))
        if can(current_user, "grants.manage_round", r)])
    applications = db.session.scalars(select(Application).where(
        Application.round_id == round_.id).order_by(Application.id)).all()
    return render_template(
        "grants/manage_round.html", round=round_, phase_form=phase_form, copy_form=copy_form,
        criterion_form=forms.CriterionForm(), question_form=forms.QuestionDefinitionForm(),
        applications=applications, stats=queries.round_statistics(db.session, round_),
        remaining=queries.round_budget_remaining(db.session, round_))


@bp.route("/rounds/<slug>/phase", methods=["POST"])
@access(OBJECT_CHECKED)
def change_round_phase(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    form = forms.PhaseForm()
    form.target.choices = options([(p.value, p.label) for p in RoundPhase])
    if not form.validate_on_submit():
        flash(_("Choose a phase and say why."), "error")
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        operations.transition_round(db.session, current_user, round_, form.target.data,
                                    reason=form.reason.data)
    except RoundTransitionError as exc:
        return render_template("grants/refused.html", round=round_, message=str(exc)), 409
    flash(_("The round is now: %(phase)s.", phase=round_.phase.label), "success")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/criteria", methods=["POST"])
@access(OBJECT_CHECKED)
def add_criterion(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
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
        flash(_("Name the criterion and give it a weight."), "error")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/questions", methods=["POST"])
@access(OBJECT_CHECKED)
def add_question(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    form = forms.QuestionDefinitionForm()
    if form.validate_on_submit():
        try:
            operations.add_question(
                db.session, current_user, round_, type=form.type.data,
                label=form.label.data.strip(), hint=form.hint.data or "",
                required=bool(form.required.data), options=(form.options.data or "").splitlines(),
                word_limit=form.word_limit.data, step=form.step.data)
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Question added."), "success")
    else:
        flash(_("Write the question and choose its type."), "error")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/questions/copy", methods=["POST"])
@access(OBJECT_CHECKED)
def copy_questions(slug: str):
    round_ = load_or_404(Round, slug, "grants.manage_round", by=Round.slug)
    source = db.session.get(Round, request.form.get("source_round_id", type=int) or 0)
    if source is None or not can(current_user, "grants.manage_round", source):
        flash(_("Choose a round to copy from."), "error")
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        copied = operations.copy_questions(db.session, current_user, round_, source)
    except operations.GrantsError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(count)s question(s) copied from %(source)s.", count=copied, source=source.title),
              "success")
    return redirect(url_for("grants.manage_round", slug=slug))


