"""The chair's pages: conflicts, the meeting, the scores export, the shortlist, decisions and their
release, reopening a review."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.edge import query_int
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from commonpot.spreadsheets import safe_cell
from grants.models import Application
from grants.panels import operations, queries
from grants.panels.forms import (
    ConfirmForm,
    DecisionForm,
    ReopenForm,
    ShortlistForm,
)
from grants.panels.models import ConflictDeclaration, Review
from grants.panels.states import ReviewTransitionError
from grants.panels.views import REFUSED, _application, _fail, _managed_round, _panel_or_404, bp
from grants.signals import panel_meeting_context


@bp.route("/rounds/<int:round_id>/conflicts")
@access(OBJECT_CHECKED)
def list_conflicts(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    members = operations.active_members(db.session, panel)
    applications = operations.reviewable_applications(db.session, round_.id)
    automatic = []
    for member in members:
        for application in applications:
            if operations.is_group_member(db.session, member.user_id, application.group_id):
                automatic.append((member, application))
    declared = list(db.session.scalars(select(ConflictDeclaration).join(
        Application, Application.id == ConflictDeclaration.application_id).where(
        Application.round_id == round_.id).order_by(ConflictDeclaration.declared_at)))
    return render_template("panels/conflicts.html", round=round_, automatic=automatic, declared=declared)


@bp.route("/rounds/<int:round_id>/meeting")
@access(OBJECT_CHECKED)
def show_meeting(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    data = queries.meeting(db.session, panel, round_, current_user.id)
    shortlist = ShortlistForm()
    shortlist.application_ids.choices = options([(r.application.id, r.application.title) for r in data.rows])
    extra = {"voting_rounds": [], "vote_outcomes": {}}
    for _receiver, values in panel_meeting_context.send(round_, session=db.session):
        extra.update(values or {})
    return render_template("panels/meeting.html", round=round_, meeting=data, confirm=ConfirmForm(),
                           shortlist_form=shortlist,
                           shortlisted={v["source_application_id"]
                                        for v in operations.shortlist_for_vote(db.session, round_.id)},
                           **extra)


@bp.route("/rounds/<int:round_id>/scores.csv")
@access(OBJECT_CHECKED)
def export_scores(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    only = query_int("application_id", minimum=1)
    if only is not None:
        application = _application(only)
        if application.round_id != round_.id:
            abort(404)
        require(can(current_user, "panels.see_application_scores", application))
    weights = {c.id: c for c in round_.criteria}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["application_reference", "application_title", "reviewer", "status", "criterion",
                     "weight", "score", "comment", "recommendation", "note_to_applicant"])
    reviews = db.session.scalars(select(Review).where(Review.panel_id == panel.id).order_by(
        Review.application_id, Review.reviewer_id))
    for review in reviews:
        application = review.application
        if only is not None and application.id != only:
            continue
        # A conflicted chair's export leaves out what they may not see.
        if operations.is_conflicted(db.session, current_user.id, application):
            continue
        for score in review.scores:
            criterion = weights.get(score.criterion_id)
            writer.writerow([safe_cell(v) for v in (
                application.reference, application.title, review.reviewer.display_name,
                review.status.value, criterion.name if criterion else score.criterion_id,
                criterion.weight if criterion else "", score.value, score.comment,
                review.recommendation.value if review.recommendation else "", review.note_to_applicant)])
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="panel-scores-round-{round_.id}.csv"'
    return response


@bp.route("/rounds/<int:round_id>/shortlist", methods=["POST"])
@access(OBJECT_CHECKED)
def set_shortlist(round_id: int):
    round_ = _managed_round(round_id)
    _panel_or_404(round_)
    form = ShortlistForm()
    form.application_ids.choices = options([(a.id, a.title) for a in
                                    operations.reviewable_applications(db.session, round_.id)])
    if not form.validate_on_submit():
        abort(400)
    try:
        chosen = operations.set_shortlist(db.session, current_user, round_, form.application_ids.data or [])
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    flash(_("%(count)s application(s) shortlisted for the resident vote.", count=len(chosen)), "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/release", methods=["POST"])
@access(OBJECT_CHECKED)
def release_decisions(round_id: int):
    round_ = _managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = operations.release_decisions(db.session, current_user, round_)
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    flash(_("%(count)s decision(s) released and emailed to the applicants.", count=count), "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))


@bp.route("/applications/<int:application_id>/decision", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def record_decision(application_id: int):
    application = _application(application_id)
    round_ = application.round
    require(can(current_user, "panels.manage", round_))
    require(can(current_user, "panels.see_application_scores", application))
    panel = _panel_or_404(round_)
    decision = operations.decision_for(db.session, application.id)
    form = DecisionForm()
    if request.method == "GET":
        if decision is not None:
            form.outcome.data = decision.outcome.value
            form.reason.data, form.feedback.data = decision.reason, decision.feedback
            if decision.amount_pence:
                form.amount.data = f"{Decimal(decision.amount_pence) / 100:.2f}"
        elif application.requested_amount_pence:
            form.amount.data = f"{Decimal(application.requested_amount_pence) / 100:.2f}"
    context = {"application": application, "round": round_, "panel": panel, "decision": decision,
               "form": form, "comments": operations.panel_comments(db.session, application.id),
               "remaining_pence": round_.budget_pence - operations.awarded_total(
                   db.session, round_.id, excluding_application_id=application.id)}
    if form.validate_on_submit():
        try:
            operations.record_decision(
                db.session, current_user, application, outcome=form.outcome.data,
                amount_pence=getattr(form, "amount_pence", None), reason=form.reason.data or "",
                feedback=form.feedback.data or "")
        except operations.PanelError as exc:
            _fail(form, exc)
            return render_template("panels/decision.html", **context), REFUSED
        flash(_("Decision recorded for %(reference)s.", reference=application.reference), "success")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    return render_template("panels/decision.html", **context), (REFUSED if form.errors else 200)


@bp.route("/reviews/<int:review_id>/reopen", methods=["POST"])
@access(OBJECT_CHECKED)
def reopen_review(review_id: int):
    review = load_or_404(Review, review_id)
    require(can(current_user, "panels.manage", review.application.round))
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for reopening the scores."), "error")
        return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))
    try:
        operations.reopen_review(db.session, current_user, review, form.reason.data)
    except (operations.PanelError, ReviewTransitionError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))
    flash(_("Scores reopened for %(reviewer)s.", reviewer=review.reviewer.display_name), "success")
    return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))


