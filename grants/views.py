"""Grants pages: public rounds, groups, applying, and fund managers' screens. Thin views:
load, check permission, call one operation, render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot import money
from commonpot.accounts.policy import (
    ANY_FUND_MANAGER,
    OBJECT_CHECKED,
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    RESIDENT,
    SIGNED_IN,
    access,
    can,
    require,
)
from commonpot.extensions import db
from grants import eligibility, exports, forms, operations, queries, uploads
from grants.models import (
    ORG_TYPE_LABELS,
    Application,
    Attachment,
    Fund,
    Group,
    QuestionType,
    Round,
)
from grants.states import (
    ApplicationStatus,
    RoundPhase,
    RoundTransitionError,
    allowed_round_targets,
)
from grants.timefmt import from_london, london, london_date, to_london_naive

bp = Blueprint("grants", __name__, url_prefix="/grants")


@bp.app_context_processor
def _grants_helpers():
    return {"london": london, "london_date": london_date,
            "org_type_labels": {k.value: v for k, v in ORG_TYPE_LABELS.items()},
            "screening_reasons": eligibility.SCREENING_REASONS,
            "status_labels": {s.value: s.label for s in ApplicationStatus},
            "budget_categories": operations.BUDGET_CATEGORIES}


def _round_or_404(slug: str) -> Round:
    round_ = queries.round_by_slug(db.session, slug)
    if round_ is None:
        abort(404)
    return round_


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _form_errors(form, exc: operations.GrantsError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        form.form_errors.append(str(exc))


# --- public -------------------------------------------------------------------------------

@bp.route("/")
@access(PUBLIC)
def list_rounds():
    rounds = queries.published_rounds(db.session)
    return render_template("grants/index.html", rounds=rounds, RoundPhase=RoundPhase)


@bp.route("/rounds/<slug>")
@access(PUBLIC_OBJECT_CHECKED)
def show_round(slug: str):
    round_ = _round_or_404(slug)
    if not can(current_user, "grants.view_round", round_):
        abort(404)
    start_form = None
    if current_user.is_authenticated and operations.accepting_applications(round_):
        groups = queries.groups_for(db.session, current_user.id)
        if groups:
            start_form = forms.StartApplicationForm()
            start_form.group_id.choices = [(g.id, g.name) for g in groups]
    return render_template("grants/round.html", round=round_, start_form=start_form,
                           accepting=operations.accepting_applications(round_),
                           areas=round_.fund.areas)


@bp.route("/rounds/<slug>/statistics")
@access(PUBLIC_OBJECT_CHECKED)
def show_round_statistics(slug: str):
    round_ = _round_or_404(slug)
    if not can(current_user, "grants.view_round", round_):
        abort(404)
    stats = queries.round_statistics(db.session, round_)
    return render_template("grants/statistics.html", round=round_, stats=stats)


# --- groups -------------------------------------------------------------------------------

def _profile(form) -> operations.GroupProfile:
    return operations.GroupProfile(
        name=form.name.data, org_type=form.org_type.data, postcode=form.postcode.data,
        contact_name=form.contact_name.data, contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data or "", charity_number=form.charity_number.data or "",
        company_number=form.company_number.data or "", description=form.description.data or "")


@bp.route("/groups")
@access(SIGNED_IN)
def list_groups():
    groups = queries.groups_for(db.session, current_user.id)
    applications = queries.applications_for_user(db.session, current_user.id)
    return render_template("grants/groups.html", groups=groups, applications=applications)


@bp.route("/groups/new", methods=["GET", "POST"])
@access(RESIDENT)
def create_group():
    form = forms.GroupForm()
    if form.validate_on_submit():
        try:
            group = operations.create_group(db.session, current_user, _profile(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash(f"{group.name} is set up. You are its group admin.", "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/group_form.html", form=form, group=None)


@bp.route("/groups/<int:group_id>")
@access(OBJECT_CHECKED)
def show_group(group_id: int):
    group = _get_or_404(Group, group_id)
    require(can(current_user, "grants.view_group", group))
    return render_template("grants/group.html", group=group, invite_form=forms.InviteForm())


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_group(group_id: int):
    group = _get_or_404(Group, group_id)
    require(can(current_user, "grants.manage_group", group))
    form = forms.GroupForm(obj=group)
    if request.method == "GET":
        form.org_type.data = group.org_type.value
    if form.validate_on_submit():
        try:
            operations.update_group(db.session, current_user, group, _profile(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash("The group's details are saved.", "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/group_form.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/invitations", methods=["POST"])
@access(OBJECT_CHECKED)
def invite_member(group_id: int):
    group = _get_or_404(Group, group_id)
    require(can(current_user, "grants.manage_group", group))
    form = forms.InviteForm()
    if form.validate_on_submit():
        operations.invite_member(
            db.session, current_user, group, form.email.data, form.role.data,
            lambda token: url_for("grants.accept_invitation", token=token, _external=True))
        flash(f"Invitation sent to {form.email.data}. The link works for 7 days.", "success")
        return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/group.html", group=group, invite_form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access(SIGNED_IN)
def accept_invitation(token: str):
    invitation = operations.find_invitation(db.session, token)
    form = forms.EmptyForm()
    if form.validate_on_submit():
        try:
            group = operations.accept_invitation(db.session, current_user, token)
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash(f"You have joined {group.name}.", "success")
            return redirect(url_for("grants.show_group", group_id=group.id))
    return render_template("grants/invitation.html", invitation=invitation, form=form)


# --- applications -------------------------------------------------------------------------

def _steps(application: Application) -> list[tuple[str, str]]:
    """(step id, title) in order."""
    steps = [("project", "Your project")]
    numbers = sorted({q.step for q in application.round.questions})
    for number in numbers:
        questions = [q for q in application.round.questions if q.step == number]
        if all(q.is_asset for q in questions):
            title = "What your group brings"
        elif len(questions) == 1:
            title = questions[0].label
        else:
            title = f"Questions, part {numbers.index(number) + 1}"
        steps.append((f"questions-{number}", title))
    steps.append(("budget", "Budget"))
    return steps


def _step_questions(application: Application, step: str):
    number = int(step.split("-", 1)[1])
    return [q for q in application.round.questions if q.step == number]


def _step_problems(application: Application, step: str, all_problems: dict) -> dict:
    if step == "project":
        keys = set(operations.PROJECT_KEYS)
        return {k: v for k, v in all_problems.items() if k in keys}
    if step == "budget":
        return {k: v for k, v in all_problems.items()
                if k == "requested" or k.startswith("line-") or k == "budget_total"}
    keys = {q.key for q in _step_questions(application, step)}
    return {k: v for k, v in all_problems.items() if k in keys}


@bp.route("/rounds/<slug>/apply", methods=["POST"])
@access(OBJECT_CHECKED)
def start_application(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.view_round", round_))
    form = forms.StartApplicationForm()
    form.group_id.choices = [(g.id, g.name) for g in queries.groups_for(db.session, current_user.id)]
    if not form.validate_on_submit():
        flash("Choose one of your groups to apply.", "error")
        return redirect(url_for("grants.show_round", slug=slug))
    group = db.session.get(Group, form.group_id.data)
    try:
        application = operations.start_application(db.session, current_user, round_, group)
    except operations.GrantsError as exc:
        return render_template("grants/refused.html", round=round_, message=str(exc)), 409
    return redirect(url_for("grants.edit_application_step", application_id=application.id,
                            step="project"))


@bp.route("/applications/<int:application_id>")
@access(OBJECT_CHECKED)
def show_application(application_id: int):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.view_application", application))
    problems = operations.submission_problems(db.session, application)
    steps = [(step, title, bool(_step_problems(application, step, problems)))
             for step, title in _steps(application)]
    return render_template(
        "grants/application.html", application=application, steps=steps, problems=problems,
        editable=can(current_user, "grants.edit_application", application)
        and operations.accepting_applications(application.round),
        withdraw_form=forms.WithdrawForm(),
        can_withdraw=can(current_user, "grants.withdraw_application", application)
        and application.status.value in ("draft", "submitted", "eligible")
        and application.round.phase not in ("deciding", "decided", "monitoring", "archived"),
        is_manager=can(current_user, "grants.screen_application", application))


@bp.route("/applications/<int:application_id>/steps/<step>", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_application_step(application_id: int, step: str):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.edit_application", application))
    steps = _steps(application)
    step_ids = [s for s, _ in steps]
    if step not in step_ids:
        abort(404)
    if not operations.accepting_applications(application.round):
        flash("This round is closed, so the application can no longer be changed.", "error")
        return redirect(url_for("grants.show_application", application_id=application.id))
    questions = _step_questions(application, step) if step.startswith("questions-") else []
    checked = False
    if request.method == "POST":
        # CSRF is checked globally by Flask-WTF before this view runs.
        try:
            _save_step(application, step, questions)
        except operations.GrantsError as exc:
            db.session.commit()  # keep the typed answers even when a file is refused
            flash(str(exc), "error")
            return redirect(request.path)
        checked = True
        problems = _step_problems(application, step,
                                  operations.submission_problems(db.session, application))
        if not problems:
            if "save_and_return" in request.form:
                flash("Your answers are saved. You can come back at any time.", "success")
                return redirect(url_for("grants.show_application", application_id=application.id))
            position = step_ids.index(step)
            if position + 1 < len(step_ids):
                return redirect(url_for("grants.edit_application_step",
                                        application_id=application.id,
                                        step=step_ids[position + 1]))
            return redirect(url_for("grants.check_application", application_id=application.id))
    problems = _step_problems(application, step,
                              operations.submission_problems(db.session, application)) \
        if checked else {}
    question_form = forms.build_question_form(questions, application.answers or {}) \
        if questions else None
    if question_form is not None and checked:
        question_form.validate()
    return render_template(
        "grants/step.html", application=application, step=step,
        title=dict(steps)[step], steps=steps, problems=problems, question_form=question_form,
        questions=questions, answers=application.answers or {},
        categories=operations.BUDGET_CATEGORIES,
        budget_rows=_budget_rows(application), saved=checked,
        accept=",".join("." + e for e in uploads.ALLOWED))


def _budget_rows(application: Application) -> list[dict]:
    lines = list((application.answers or {}).get(operations.BUDGET_KEY) or [])
    wanted = max(5, len(lines) + 2)
    while len(lines) < wanted:
        lines.append({"description": "", "category": "", "amount": ""})
    return lines


def _save_step(application: Application, step: str, questions) -> None:
    data = request.form
    if step == "project":
        operations.save_answers(db.session, current_user, application,
                                {key: data.get(key, "") for key in operations.PROJECT_KEYS})
    elif step == "budget":
        lines = []
        index = 1
        while f"line-{index}-description" in data or f"line-{index}-amount" in data:
            lines.append({"description": data.get(f"line-{index}-description", ""),
                          "category": data.get(f"line-{index}-category", ""),
                          "amount": data.get(f"line-{index}-amount", "")})
            index += 1
        operations.save_budget(db.session, current_user, application,
                               data.get("requested", ""), lines)
    else:
        operations.save_answers(db.session, current_user, application,
                                forms.typed_answers(data, questions))
        for question in questions:
            upload = request.files.get(question.key)
            if QuestionType(question.type) == QuestionType.FILE and upload and upload.filename:
                uploads.store_attachment(db.session, current_user, application,
                                         file_name=upload.filename, data=upload.read(),
                                         question_key=question.key)


@bp.route("/applications/<int:application_id>/check")
@access(OBJECT_CHECKED)
def check_application(application_id: int):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.edit_application", application))
    problems = operations.submission_problems(db.session, application)
    return render_template("grants/check.html", application=application, problems=problems,
                           form=forms.DeclarationsForm(), steps=_steps(application),
                           step_of=_step_of(application))


def _step_of(application: Application) -> dict[str, str]:
    mapping = {key: "project" for key in operations.PROJECT_KEYS}
    for q in application.round.questions:
        mapping[q.key] = f"questions-{q.step}"
    return mapping


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@access(OBJECT_CHECKED)
def submit_application(application_id: int):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.edit_application", application))
    form = forms.DeclarationsForm()
    form.validate_on_submit()
    try:
        operations.submit_application(db.session, current_user, application,
                                      declarations_accepted=bool(form.declarations.data))
    except operations.ValidationFailed as exc:
        return render_template("grants/check.html", application=application,
                               problems=exc.problems, form=form, steps=_steps(application),
                               step_of=_step_of(application)), 422
    except operations.GrantsError as exc:
        return render_template("grants/refused.html", round=application.round,
                               message=str(exc), application=application), 409
    flash(f"Application submitted. Your reference is {application.reference}. We have emailed "
          f"a confirmation.", "success")
    return redirect(url_for("grants.show_application", application_id=application.id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@access(OBJECT_CHECKED)
def withdraw_application(application_id: int):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.withdraw_application", application))
    form = forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_application(db.session, current_user, application,
                                            form.reason.data or "")
        except (operations.GrantsError, operations.IllegalTransitionError) as exc:
            return render_template("grants/refused.html", round=application.round,
                                   message=str(exc), application=application), 409
        flash("The application is withdrawn.", "success")
    return redirect(url_for("grants.show_application", application_id=application.id))


@bp.route("/attachments/<int:attachment_id>")
@access(OBJECT_CHECKED)
def download_attachment(attachment_id: int):
    attachment = _get_or_404(Attachment, attachment_id)
    if not can(current_user, "grants.view_attachment", attachment):
        abort(404)  # do not confirm that another group's file exists
    path = uploads.attachment_path(attachment)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name)


@bp.route("/attachments/<int:attachment_id>/remove", methods=["POST"])
@access(OBJECT_CHECKED)
def remove_attachment(attachment_id: int):
    attachment = _get_or_404(Attachment, attachment_id)
    require(can(current_user, "grants.edit_application", attachment.application))
    try:
        uploads.remove_attachment(db.session, current_user, attachment)
    except operations.GrantsError as exc:
        flash(str(exc), "error")
    step = request.form.get("step", "")
    if step in dict(_steps(attachment.application)):
        return redirect(url_for("grants.edit_application_step",
                                application_id=attachment.application_id, step=step))
    return redirect(url_for("grants.show_application", application_id=attachment.application_id))


# --- fund managers ------------------------------------------------------------------------

def _managed_funds() -> list[Fund]:
    funds = db.session.scalars(select(Fund).order_by(Fund.name)).all()
    return [f for f in funds if can(current_user, "grants.manage_fund", f)]


@bp.route("/manage")
@access(ANY_FUND_MANAGER)
def manage_funds():
    return render_template("grants/manage_funds.html", funds=_managed_funds())


@bp.route("/funds/<int:fund_id>")
@access(OBJECT_CHECKED)
def manage_fund(fund_id: int):
    fund = _get_or_404(Fund, fund_id)
    require(can(current_user, "grants.manage_fund", fund))
    themes_form = forms.ThemesForm(themes="\n".join(fund.themes or []))
    return render_template("grants/manage_fund.html", fund=fund, themes_form=themes_form,
                           areas_form=forms.AreasImportForm())


@bp.route("/funds/<int:fund_id>/themes", methods=["POST"])
@access(OBJECT_CHECKED)
def update_fund_themes(fund_id: int):
    fund = _get_or_404(Fund, fund_id)
    require(can(current_user, "grants.manage_fund", fund))
    form = forms.ThemesForm()
    if form.validate_on_submit():
        operations.set_fund_themes(db.session, current_user, fund,
                                   (form.themes.data or "").splitlines())
        flash("Themes saved.", "success")
    return redirect(url_for("grants.manage_fund", fund_id=fund.id))


@bp.route("/funds/<int:fund_id>/areas", methods=["POST"])
@access(OBJECT_CHECKED)
def import_areas(fund_id: int):
    fund = _get_or_404(Fund, fund_id)
    require(can(current_user, "grants.manage_fund", fund))
    form = forms.AreasImportForm()
    if form.validate_on_submit() and form.file.data:
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        summary = operations.import_areas_csv(db.session, current_user, fund, text)
        if summary["problems"]:
            # Flashing an error rolls the whole request back: a file with mistakes imports
            # nothing, so the area never ends up half-defined.
            flash("Nothing was imported. Fix these lines and import the file again.", "error")
            for problem in summary["problems"][:20]:
                flash(problem, "error")
        else:
            flash(f"{summary['areas_created']} area(s) created and {summary['postcodes_added']} "
                  f"postcode(s) added.", "success")
    else:
        flash("Choose a CSV file to import.", "error")
    return redirect(url_for("grants.manage_fund", fund_id=fund.id))


def _settings(form) -> operations.RoundSettings:
    amounts = {}
    for name in ("min_grant", "max_grant", "budget"):
        pence = money.parse_pounds(getattr(form, name).data)
        if pence is None:
            raise operations.GrantsError("Enter an amount in pounds, like 500.", name)
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
    fund = _get_or_404(Fund, fund_id)
    require(can(current_user, "grants.manage_fund", fund))
    form = forms.RoundForm()
    if form.validate_on_submit():
        try:
            round_ = operations.create_round(db.session, current_user, fund, _settings(form))
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        else:
            flash("Round created as a draft. Add criteria and questions, then open it.", "success")
            return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/round_form.html", form=form, fund=fund, round=None)


@bp.route("/rounds/<slug>/edit", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_round(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
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
            flash("Round saved.", "success")
            return redirect(url_for("grants.manage_round", slug=round_.slug))
    return render_template("grants/round_form.html", form=form, fund=round_.fund, round=round_)


@bp.route("/rounds/<slug>/manage")
@access(OBJECT_CHECKED)
def manage_round(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    phase_form = forms.PhaseForm()
    phase_form.target.choices = [(p.value, p.label) for p in
                                 sorted(allowed_round_targets(round_.phase))]
    copy_form = forms.CopyQuestionsForm()
    copy_form.source_round_id.choices = [
        (r.id, f"{r.title} ({r.fund.name})") for r in db.session.scalars(
            select(Round).where(Round.id != round_.id).order_by(Round.created_at.desc()))
        if can(current_user, "grants.manage_round", r)]
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
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    form = forms.PhaseForm()
    form.target.choices = [(p.value, p.label) for p in RoundPhase]
    if not form.validate_on_submit():
        flash("Choose a phase and say why.", "error")
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        operations.transition_round(db.session, current_user, round_, form.target.data,
                                    reason=form.reason.data)
    except RoundTransitionError as exc:
        return render_template("grants/refused.html", round=round_, message=str(exc)), 409
    flash(f"The round is now: {round_.phase.label}.", "success")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/criteria", methods=["POST"])
@access(OBJECT_CHECKED)
def add_criterion(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    form = forms.CriterionForm()
    if form.validate_on_submit():
        try:
            operations.add_criterion(db.session, current_user, round_, name=form.name.data.strip(),
                                     description=form.description.data or "",
                                     weight=form.weight.data)
        except operations.GrantsError as exc:
            flash(str(exc), "error")
        else:
            flash("Criterion added.", "success")
    else:
        flash("Name the criterion and give it a weight.", "error")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/questions", methods=["POST"])
@access(OBJECT_CHECKED)
def add_question(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
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
            flash("Question added.", "success")
    else:
        flash("Write the question and choose its type.", "error")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/rounds/<slug>/questions/copy", methods=["POST"])
@access(OBJECT_CHECKED)
def copy_questions(slug: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    source = db.session.get(Round, request.form.get("source_round_id", type=int) or 0)
    if source is None or not can(current_user, "grants.manage_round", source):
        flash("Choose a round to copy from.", "error")
        return redirect(url_for("grants.manage_round", slug=slug))
    try:
        copied = operations.copy_questions(db.session, current_user, round_, source)
    except operations.GrantsError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{copied} question(s) copied from {source.title}.", "success")
    return redirect(url_for("grants.manage_round", slug=slug))


@bp.route("/applications/<int:application_id>/screening", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def screen_application(application_id: int):
    application = _get_or_404(Application, application_id)
    require(can(current_user, "grants.screen_application", application))
    form = forms.ScreeningForm()
    if form.validate_on_submit():
        try:
            operations.screen_application(
                db.session, current_user, application, eligible=form.eligible.data == "yes",
                reason_code=form.reason_code.data, reason_text=form.reason_text.data or "")
        except operations.GrantsError as exc:
            _form_errors(form, exc)
        except operations.IllegalTransitionError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"{application.reference} marked {application.status.label.lower()}.", "success")
            return redirect(url_for("grants.manage_round", slug=application.round.slug))
    return render_template("grants/screen.html", application=application, form=form)


def _download(rows: list[list], name: str, fmt: str) -> Response:
    if fmt == "csv":
        return Response(exports.to_csv(rows), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(
            exports.to_xlsx(rows, name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    abort(404)


@bp.route("/rounds/<slug>/export/applications.<fmt>")
@access(OBJECT_CHECKED)
def export_applications(slug: str, fmt: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    rows = exports.application_rows(round_, queries.received_applications(db.session, round_.id))
    return _download(rows, f"{round_.slug}-applications", fmt)


@bp.route("/rounds/<slug>/export/budgets.<fmt>")
@access(OBJECT_CHECKED)
def export_budgets(slug: str, fmt: str):
    round_ = _round_or_404(slug)
    require(can(current_user, "grants.manage_round", round_))
    rows = exports.budget_rows(queries.received_applications(db.session, round_.id))
    return _download(rows, f"{round_.slug}-budgets", fmt)
