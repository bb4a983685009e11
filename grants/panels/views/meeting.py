"""The chair's pages: conflicts, the meeting, the scores export, the shortlist, decisions and their
release, reopening a review."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

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
from commonpot.i18n import _, ngettext
from commonpot.pagination import page_number, page_of, paginate
from commonpot.spreadsheets import safe_cell
from grants.panels import operations, queries
from grants.panels.forms import (
    ConfirmForm,
    DecisionForm,
    ReopenForm,
    ShortlistForm,
)
from grants.panels.models import Review
from grants.panels.states import Recommendation, ReviewTransitionError
from grants.panels.views import REFUSED, _application, _fail, _managed_round, _panel_or_404, bp
from grants.signals import panel_meeting_context


@bp.route("/rounds/<int:round_id>/conflicts")
@access(OBJECT_CHECKED)
def list_conflicts(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    members = operations.active_members(db.session, panel)
    automatic = page_of(operations.automatic_conflicts(db.session, members, round_.id),
                        page=page_number("automatic"))
    declared = paginate(db.session, operations.declarations_query(round_.id))
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
                           ranked=page_of(data.rows), shortlist_form=shortlist,
                           release=operations.release_plan(db.session, round_),
                           recommendation_labels={r.value: r.label for r in Recommendation},
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
    rows = queries.score_rows(db.session, panel, round_, current_user.id, only)
    # Streamed: the rows are read and written while the response goes out.
    response = current_app.response_class(stream_with_context(_csv_lines(rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="panel-scores-round-{round_.id}.csv"'
    return response


def _csv_lines(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if n % queries.SCORES_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


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


@bp.route("/rounds/<int:round_id>/release", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def release_decisions(round_id: int):
    """Asks first (what releasing does, and to whom), then releases on the POST."""
    round_ = _managed_round(round_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            count = operations.release_decisions(db.session, current_user, round_)
        except operations.PanelError as exc:
            flash(str(exc), "error")
            return redirect(url_for("panels.show_meeting", round_id=round_.id))
        flash(ngettext("%(num)d decision released and emailed to the applicants.",
                       "%(num)d decisions released and emailed to the applicants.", count),
              "success")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    plan = operations.release_plan(db.session, round_)
    if not plan.can_release:
        flash(plan.reason, "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    return render_template("panels/release.html", round=round_, plan=plan, form=form,
                           panel=_panel_or_404(round_))


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


