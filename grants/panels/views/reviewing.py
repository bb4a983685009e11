"""Reviewers' pages: their reviews, declaring conflicts, reading an application, scoring, the pack."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.models import User
from commonpot.accounts.policy import (
    ANY_PANEL_MEMBER,
    OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.extensions import db
from commonpot.i18n import _
from commonpot.pagination import paginate
from grants import uploads
from grants.models import Application, Attachment
from grants.panels import operations, queries
from grants.panels.forms import (
    DeclarationForm,
    WithdrawConflictForm,
    score_form,
)
from grants.panels.models import ReviewAssignment
from grants.panels.states import ReviewLocked, ReviewStatus
from grants.panels.views import REFUSED, _application, _fail, _panel_or_404, _round, bp

# --- reviewing ---------------------------------------------------------------------------------

@bp.route("/reviews")
@access(ANY_PANEL_MEMBER)
def list_reviews():
    assignments = paginate(db.session, queries.assignments_query(current_user.id))
    rows = queries.review_rows(db.session, current_user.id, [a.application for a in assignments])
    return render_template("panels/reviews.html", rows=rows, assignments=assignments,
                           rounds=queries.assigned_rounds(db.session, current_user.id))


def _reviewable(application_id: int) -> Application:
    """The application, if the current user may open it; 403 for a conflict."""
    application = _application(application_id)
    require(can(current_user, "panels.review", application))
    return application


def _needs_declaration(application: Application):
    if operations.declaration_for(db.session, current_user.id, application.id) is None:
        return redirect(url_for("panels.declare_conflict", application_id=application.id))
    return None


@bp.route("/applications/<int:application_id>/declaration", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def declare_conflict(application_id: int):
    application = _application(application_id)
    require(can(current_user, "panels.declare", application))
    existing = operations.declaration_for(db.session, current_user.id, application.id)
    automatic = operations.is_group_member(db.session, current_user.id, application.group_id)
    form = DeclarationForm()
    if form.validate_on_submit():
        try:
            operations.declare_conflict(
                db.session, current_user, application, has_conflict=form.has_conflict.data == "yes",
                reason=form.reason.data or None, details=form.details.data or "")
        except operations.PanelError as exc:
            _fail(form, exc)
            return render_template("panels/declaration.html", application=application, form=form,
                                   existing=existing, automatic=automatic), REFUSED
        if form.has_conflict.data == "yes":
            flash(_("Thank you. Your conflict is recorded and the chair will reassign this review."),
                  "success")
            return redirect(url_for("panels.list_reviews"))
        return redirect(url_for("panels.show_application", application_id=application.id))
    return render_template("panels/declaration.html", application=application, form=form,
                           existing=existing, automatic=automatic), (REFUSED if form.errors else 200)


@bp.route("/applications/<int:application_id>/declaration/withdraw", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def withdraw_conflict(application_id: int):
    application = _application(application_id)
    require(can(current_user, "panels.declare", application))
    form = WithdrawConflictForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_conflict(db.session, current_user, application,
                                         reason=form.reason.data)
        except operations.PanelError as exc:
            _fail(form, exc)
        else:
            flash(_("Your conflict of interest is withdrawn. You can now review the application."),
                  "success")
            return redirect(url_for("panels.show_application", application_id=application.id))
    declaration = operations.declaration_for(db.session, current_user.id, application.id)
    return render_template("panels/withdraw_conflict.html", application=application, form=form,
                           declaration=declaration), (REFUSED if form.errors or form.form_errors
                                                      else 200)


def _application_context(application: Application) -> dict:
    panel = operations.panel_for_round(db.session, application.round_id)
    blind = bool(panel and panel.blind_review)
    hidden_keys = set(panel.identifying_question_keys or []) if blind else set()
    answers = []
    for question in application.round.questions:
        value = (application.answers or {}).get(question.key)
        answers.append({"question": question, "hidden": question.key in hidden_keys,
                        "value": value if not isinstance(value, list) else ", ".join(value)})
    attachments = [a for a in application.attachments if a.removed_at is None]
    return {"application": application, "blind": blind, "answers": answers, "attachments": attachments,
            "panel": panel}


@bp.route("/applications/<int:application_id>")
@access(OBJECT_CHECKED)
def show_application(application_id: int):
    application = _reviewable(application_id)
    redirect_to = _needs_declaration(application)
    if redirect_to:
        return redirect_to
    return render_template("panels/application.html", **_application_context(application))


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@access(OBJECT_CHECKED)
def download_attachment(application_id: int, attachment_id: int):
    application = _reviewable(application_id)
    attachment = load_or_404(Attachment, attachment_id)
    if attachment.application_id != application.id or attachment.removed_at is not None:
        abort(404)
    if operations.declaration_for(db.session, current_user.id, application.id) is None:
        abort(403)
    path = uploads.attachment_path(attachment)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name)


@bp.route("/applications/<int:application_id>/score", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def score_application(application_id: int):
    application = _reviewable(application_id)
    redirect_to = _needs_declaration(application)
    if redirect_to:
        return redirect_to
    panel = _panel_or_404(application.round)
    criteria = application.round.criteria
    review = operations.review_for(db.session, current_user.id, application.id)
    data = None
    if review is not None:
        data = {"recommendation": review.recommendation.value if review.recommendation else None,
                "note_to_applicant": review.note_to_applicant}
        for score in review.scores:
            data[f"score_{score.criterion_id}"] = str(score.value)
            data[f"comment_{score.criterion_id}"] = score.comment
    form = score_form(criteria, panel.scale_min, panel.scale_max,
                      formdata=request.form if request.method == "POST" else None, data=data)
    locked = review is not None and review.status == ReviewStatus.SUBMITTED
    context = {"application": application, "form": form, "criteria": criteria, "review": review,
               "locked": locked, "panel": panel}
    if request.method == "POST" and form.validate_on_submit():
        scores = {}
        for criterion in criteria:
            raw = form[f"score_{criterion.id}"].data
            scores[criterion.id] = (int(raw) if raw not in (None, "", "None") else None,
                                    form[f"comment_{criterion.id}"].data or "")
        submit = "submit_scores" in request.form
        try:
            operations.save_review(db.session, current_user, application, scores=scores,
                                   recommendation=form.recommendation.data or None,
                                   note_to_applicant=form.note_to_applicant.data or "", submit=submit)
        except ReviewLocked as exc:
            _fail(form, exc)
            return render_template("panels/score.html", **context), 409
        except operations.PanelError as exc:
            _fail(form, exc)
            return render_template("panels/score.html", **context), REFUSED
        flash(_("Scores submitted. They are now locked.") if submit else _("Draft saved."), "success")
        return redirect(url_for("panels.score_application", application_id=application.id))
    return render_template("panels/score.html", **context), (REFUSED if form.errors else 200)


@bp.route("/rounds/<int:round_id>/pack")
@access(OBJECT_CHECKED)
def show_pack(round_id: int):
    """A printable pack of the current reviewer's assigned applications."""
    round_ = _round(round_id)
    panel = _panel_or_404(round_)
    if operations.membership(db.session, panel, current_user.id) is None:
        abort(403)
    items, undeclared = [], []
    for assignment in db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.panel_id == panel.id, ReviewAssignment.reviewer_id == current_user.id,
            ReviewAssignment.removed_at.is_(None)).order_by(ReviewAssignment.application_id)):
        application = assignment.application
        if not can(current_user, "panels.review", application):
            continue
        if operations.declaration_for(db.session, current_user.id, application.id) is None:
            undeclared.append(application)
            continue
        items.append(_application_context(application))
    return render_template("panels/pack.html", round=round_, panel=panel, items=items,
                           undeclared=undeclared, reviewer=db.session.get(User, current_user.id))


