"""Application pages: starting, the step-by-step form, checking, submitting, withdrawing, attachments."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

import grants.policy  # noqa: F401 - registers the grants rules with can()
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from grants import forms, operations, queries, uploads
from grants.models import (
    Application,
    Attachment,
    Group,
    QuestionType,
    Round,
)
from grants.views import bp

# --- applications -------------------------------------------------------------------------

def _steps(application: Application) -> list[tuple[str, str]]:
    """(step id, title) in order."""
    steps = [("project", _("Your project"))]
    numbers = sorted({q.step for q in application.round.questions})
    for number in numbers:
        questions = [q for q in application.round.questions if q.step == number]
        if all(q.is_asset for q in questions):
            title = _("What your group brings")
        elif len(questions) == 1:
            title = questions[0].label
        else:
            title = _("Questions, part %(part)d", part=numbers.index(number) + 1)
        steps.append((f"questions-{number}", title))
    steps.append(("budget", _("Budget")))
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
    round_ = load_or_404(Round, slug, "grants.view_round", by=Round.slug)
    form = forms.StartApplicationForm()
    form.group_id.choices = options([(g.id, g.name) for g in queries.groups_for(db.session, current_user.id)])
    if not form.validate_on_submit():
        flash(_("Choose one of your groups to apply."), "error")
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
    application = load_or_404(Application, application_id, "grants.view_application")
    problems = operations.submission_problems(db.session, application)
    steps = [(step, title, bool(_step_problems(application, step, problems)))
             for step, title in _steps(application)]
    return render_template(
        "grants/application.html", application=application, steps=steps, problems=problems,
        editable=can(current_user, "grants.edit_application", application)
        and operations.accepting_applications(application.round))


@bp.route("/applications/<int:application_id>/steps/<step>", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_application_step(application_id: int, step: str):
    application = load_or_404(Application, application_id, "grants.edit_application")
    steps = _steps(application)
    step_ids = [s for s, _ in steps]
    if step not in step_ids:
        abort(404)
    if not operations.accepting_applications(application.round):
        flash(_("This round is closed, so the application can no longer be changed."), "error")
        return redirect(url_for("grants.show_application", application_id=application.id))
    questions = _step_questions(application, step) if step.startswith("questions-") else []
    checked = False
    if request.method == "POST":
        # CSRF is checked globally by Flask-WTF before this view runs.
        try:
            file_refusals = _save_step(application, step, questions)
        except operations.GrantsError as exc:
            file_refusals = [str(exc)]
        if file_refusals:
            # What was typed is kept (the request commits it; a draft is never lost); a
            # refused file undid only itself, in its own savepoint. "warning" does not roll back.
            for message in file_refusals:
                flash(message, "warning")
            return redirect(request.path)
        checked = True
        problems = _step_problems(application, step,
                                  operations.submission_problems(db.session, application))
        if not problems:
            if "save_and_return" in request.form:
                flash(_("Your answers are saved. You can come back at any time."), "success")
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
        categories={code: _(text) for code, text in operations.BUDGET_CATEGORIES.items()},
        budget_rows=_budget_rows(application), saved=checked,
        accept=",".join("." + e for e in uploads.ALLOWED))


def _budget_rows(application: Application) -> list[dict]:
    lines = list((application.answers or {}).get(operations.BUDGET_KEY) or [])
    wanted = max(5, len(lines) + 2)
    while len(lines) < wanted:
        lines.append({"description": "", "category": "", "amount": ""})
    return lines


def _save_step(application: Application, step: str, questions) -> list[str]:
    """Save one step's answers; returns why any uploaded file was refused."""
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
        refusals = []
        for question in questions:
            upload = request.files.get(question.key)
            if QuestionType(question.type) == QuestionType.FILE and upload and upload.filename:
                try:
                    with db.session.begin_nested():
                        uploads.store_attachment(db.session, current_user, application,
                                                 file_name=upload.filename, data=upload.read(),
                                                 question_key=question.key)
                except operations.GrantsError as exc:
                    refusals.append(str(exc))
        return refusals
    return []


@bp.route("/applications/<int:application_id>/check")
@access(OBJECT_CHECKED)
def check_application(application_id: int):
    application = load_or_404(Application, application_id, "grants.edit_application")
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
    application = load_or_404(Application, application_id, "grants.edit_application")
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
    flash(_("Application submitted. Your reference is %(reference)s. We have emailed a confirmation.",
            reference=application.reference), "success")
    return redirect(url_for("grants.show_application", application_id=application.id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def withdraw_application(application_id: int):
    """Asks first (what happens, that it cannot be undone), then withdraws on the POST."""
    application = load_or_404(Application, application_id, "grants.act_for_application")
    form = forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_application(db.session, current_user, application,
                                            form.reason.data or "")
        except (operations.GrantsError, operations.IllegalTransitionError) as exc:
            return render_template("grants/refused.html", round=application.round,
                                   message=str(exc), application=application), 409
        flash(_("The application is withdrawn."), "success")
        return redirect(url_for("grants.show_application", application_id=application.id))
    if not can(current_user, "grants.withdraw_application", application):
        return render_template(
            "grants/refused.html", application=application,
            message=_("This application can no longer be withdrawn. Contact the fund team.")), 409
    return render_template("grants/withdraw.html", application=application, form=form)


@bp.route("/attachments/<int:attachment_id>")
@access(OBJECT_CHECKED)
def download_attachment(attachment_id: int):
    attachment = load_or_404(Attachment, attachment_id)
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
    attachment = load_or_404(Attachment, attachment_id)
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


