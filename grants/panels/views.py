"""Panel pages: the public panel, running the panel, reviewing, the meeting and decisions."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.models import User
from commonpot.accounts.operations import find_user_by_email
from commonpot.accounts.policy import (
    ANY_PANEL_MEMBER,
    OBJECT_CHECKED,
    PUBLIC_OBJECT_CHECKED,
    access,
    can,
    require,
)
from commonpot.edge import query_int
from commonpot.extensions import db
from commonpot.spreadsheets import safe_cell
from grants import uploads
from grants.models import Application, Attachment, Round
from grants.panels import operations, queries, resident_vote
from grants.panels.aggregation import display
from grants.panels.forms import (
    AddMemberForm,
    ConfirmForm,
    DecisionForm,
    DeclarationForm,
    PanelSettingsForm,
    ReassignForm,
    RemoveMemberForm,
    ReopenForm,
    ShortlistForm,
    score_form,
)
from grants.panels.models import ConflictDeclaration, PanelMember, Review, ReviewAssignment
from grants.panels.states import Outcome, ReviewLocked, ReviewStatus, ReviewTransitionError
from voting.models import VotingRound

bp = Blueprint("panels", __name__, url_prefix="/panels")

# Unprocessable: the request is rolled back, the page shows why.
REFUSED = 422


@bp.app_template_filter("points")
def _points(value, places: int = 2):
    return display(value, places)


@bp.app_context_processor
def _panel_globals():
    # For the grants round page: {% with composition = panel_composition(round.id) %}
    # {% include "panels/_composition.html" %}{% endwith %}
    return {"panel_composition": lambda round_id: queries.composition(db.session, round_id)}


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def _application(application_id: int) -> Application:
    return db.get_or_404(Application, application_id)


def _panel_or_404(round_: Round):
    panel = operations.panel_for_round(db.session, round_.id)
    if panel is None:
        abort(404)
    return panel


def _fail(form, exc: Exception) -> None:
    form.form_errors.append(str(exc))


# --- public ------------------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_panel(round_id: int):
    round_ = _round(round_id)
    if not can(current_user, "panels.view_panel", round_):
        abort(404)
    return render_template("panels/show_panel.html", round=round_,
                           composition=queries.composition(db.session, round_.id))


# --- running the panel -------------------------------------------------------------------------

def _managed_round(round_id: int) -> Round:
    round_ = _round(round_id)
    require(can(current_user, "panels.manage", round_))
    return round_


@bp.route("/rounds/<int:round_id>/manage")
@access(OBJECT_CHECKED)
def manage_panel(round_id: int):
    round_ = _managed_round(round_id)
    panel = operations.panel_for_round(db.session, round_.id)
    if panel is None:
        return redirect(url_for("panels.edit_panel", round_id=round_.id))
    members = operations.active_members(db.session, panel)
    applications = operations.reviewable_applications(db.session, round_.id)
    assignments = operations.active_assignments(db.session, panel)
    reviews = {(r.application_id, r.reviewer_id): r for r in db.session.scalars(
        select(Review).where(Review.panel_id == panel.id))}
    reassign = _reassign_form(members, applications)
    return render_template(
        "panels/manage.html", round=round_, panel=panel, members=members, applications=applications,
        assignments=assignments, reviews=reviews, add_form=AddMemberForm(), confirm=ConfirmForm(),
        remove_form=RemoveMemberForm(), reassign_form=reassign, reopen_form=ReopenForm())


def _reassign_form(members, applications, formdata=None) -> ReassignForm:
    form = ReassignForm(formdata=formdata)
    form.application_id.choices = [(a.id, f"{a.reference} {a.title}") for a in applications]
    people = [(m.user_id, m.user.display_name) for m in members]
    form.from_user_id.choices = [(0, "Nobody")] + people
    form.to_user_id.choices = people
    return form


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_panel(round_id: int):
    round_ = _managed_round(round_id)
    panel = operations.panel_for_round(db.session, round_.id)
    form = PanelSettingsForm(obj=panel)
    form.identifying_question_keys.choices = [(q.key, q.label) for q in round_.questions]
    if request.method == "GET" and panel is not None:
        form.disagreement_threshold.data = Decimal(panel.disagreement_threshold_hundredths) / 100
    if form.validate_on_submit():
        try:
            operations.configure_panel(
                db.session, current_user, round_,
                scale_min=form.scale_min.data, scale_max=form.scale_max.data,
                reviewers_per_application=form.reviewers_per_application.data,
                blind_review=form.blind_review.data,
                identifying_question_keys=list(form.identifying_question_keys.data or []),
                calibrate_scores=form.calibrate_scores.data,
                disagreement_threshold_hundredths=int(form.disagreement_threshold.data * 100),
                show_member_names=form.show_member_names.data,
                share_panel_comments=form.share_panel_comments.data)
        except operations.PanelError as exc:
            _fail(form, exc)
            return render_template("panels/settings.html", round=round_, form=form), REFUSED
        flash("Panel settings saved.", "success")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    return render_template("panels/settings.html", round=round_, form=form)


@bp.route("/rounds/<int:round_id>/members", methods=["POST"])
@access(OBJECT_CHECKED)
def add_member(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    form = AddMemberForm()
    if not form.validate_on_submit():
        flash("Enter the email address of a Commonpot account and choose a role.", "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    user = find_user_by_email(db.session, form.email.data)
    if user is None:
        flash("No account uses that email address. Ask them to create one first.", "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    operations.add_member(db.session, current_user, panel, user, role=form.role.data,
                          is_resident=form.is_resident.data)
    flash(f"{user.display_name} is on the panel.", "success")
    return redirect(url_for("panels.manage_panel", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/members/remove", methods=["POST"])
@access(OBJECT_CHECKED)
def remove_member(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    form = RemoveMemberForm()
    if not form.validate_on_submit():
        abort(400)
    member = db.session.get(PanelMember, form.member_id.data)
    if member is None or member.panel_id != panel.id:
        abort(404)
    operations.remove_member(db.session, current_user, member)
    flash("The member has stood down; their open reviews need reassigning.", "success")
    return redirect(url_for("panels.manage_panel", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/assignments", methods=["POST"])
@access(OBJECT_CHECKED)
def assign_reviewers(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        plan = operations.assign_reviewers(db.session, current_user, panel)
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    message = f"{len(plan.pairs)} new review(s) assigned."
    if plan.shortfalls:
        message += f" {len(plan.shortfalls)} application(s) have fewer reviewers than asked for."
    flash(message, "success")
    return redirect(url_for("panels.manage_panel", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/reassign", methods=["POST"])
@access(OBJECT_CHECKED)
def reassign_review(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    form = _reassign_form(operations.active_members(db.session, panel),
                          operations.reviewable_applications(db.session, round_.id), request.form)
    if not form.validate_on_submit():
        flash("Choose an application and the member to give it to.", "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    application = _application(form.application_id.data)
    try:
        operations.reassign(db.session, current_user, panel, application,
                            from_user_id=form.from_user_id.data or None, to_user_id=form.to_user_id.data)
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    flash("Review reassigned.", "success")
    return redirect(url_for("panels.manage_panel", round_id=round_.id))


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
    shortlist.application_ids.choices = [(r.application.id, r.application.title) for r in data.rows]
    return render_template("panels/meeting.html", round=round_, meeting=data, confirm=ConfirmForm(),
                           shortlist_form=shortlist,
                           shortlisted={v["source_application_id"]
                                        for v in operations.shortlist_for_vote(db.session, round_.id)},
                           voting_rounds=resident_vote.voting_rounds_for(db.session, round_),
                           vote_outcomes=resident_vote.vote_outcomes(db.session, round_))


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
    form.application_ids.choices = [(a.id, a.title) for a in
                                    operations.reviewable_applications(db.session, round_.id)]
    if not form.validate_on_submit():
        abort(400)
    try:
        chosen = operations.set_shortlist(db.session, current_user, round_, form.application_ids.data or [])
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    flash(f"{len(chosen)} application(s) shortlisted for the resident vote.", "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/shortlist/send", methods=["POST"])
@access(OBJECT_CHECKED)
def send_shortlist(round_id: int):
    round_ = _managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    voting_round = db.session.get(VotingRound, request.form.get("voting_round_id", type=int) or 0)
    if voting_round is None:
        flash("Choose the vote to send the shortlist to.", "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    try:
        count = resident_vote.send_shortlist(db.session, current_user, round_, voting_round)
    except operations.PanelError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{count} project(s) added to “{voting_round.title}”.", "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/vote-decisions", methods=["POST"])
@access(OBJECT_CHECKED)
def decide_from_vote(round_id: int):
    round_ = _managed_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        awarded, declined = resident_vote.decide_from_vote(db.session, current_user, round_)
    except operations.PanelError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Decisions recorded from the vote: {awarded} award(s), {declined} decline(s). "
              "Check them, then release.", "success")
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
    flash(f"{count} decision(s) released and emailed to the applicants.", "success")
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
        flash(f"Decision recorded for {application.reference}.", "success")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    return render_template("panels/decision.html", **context), (REFUSED if form.errors else 200)


@bp.route("/reviews/<int:review_id>/reopen", methods=["POST"])
@access(OBJECT_CHECKED)
def reopen_review(review_id: int):
    review = db.get_or_404(Review, review_id)
    require(can(current_user, "panels.manage", review.application.round))
    form = ReopenForm()
    if not form.validate_on_submit():
        flash("Give a reason for reopening the scores.", "error")
        return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))
    try:
        operations.reopen_review(db.session, current_user, review, form.reason.data)
    except (operations.PanelError, ReviewTransitionError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))
    flash(f"Scores reopened for {review.reviewer.display_name}.", "success")
    return redirect(url_for("panels.manage_panel", round_id=review.application.round_id))


# --- reviewing ---------------------------------------------------------------------------------

@bp.route("/reviews")
@access(ANY_PANEL_MEMBER)
def list_reviews():
    rows = []
    for assignment in db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.reviewer_id == current_user.id, ReviewAssignment.removed_at.is_(None)
    ).order_by(ReviewAssignment.application_id)):
        application = assignment.application
        rows.append({
            "application": application,
            "declaration": operations.declaration_for(db.session, current_user.id, application.id),
            "conflicted": operations.is_conflicted(db.session, current_user.id, application),
            "review": operations.review_for(db.session, current_user.id, application.id),
        })
    return render_template("panels/reviews.html", rows=rows)


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
            flash("Thank you. Your conflict is recorded and the chair will reassign this review.",
                  "success")
            return redirect(url_for("panels.list_reviews"))
        return redirect(url_for("panels.show_application", application_id=application.id))
    return render_template("panels/declaration.html", application=application, form=form,
                           existing=existing, automatic=automatic), (REFUSED if form.errors else 200)


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
    attachment = db.get_or_404(Attachment, attachment_id)
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
        flash("Scores submitted. They are now locked." if submit else "Draft saved.", "success")
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


# --- applicants --------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/outcome")
@access(OBJECT_CHECKED)
def show_decision(application_id: int):
    application = _application(application_id)
    require(can(current_user, "panels.view_decision", application))
    decision = operations.decision_for(db.session, application.id)
    released = decision is not None and decision.released_at is not None
    panel = operations.panel_for_round(db.session, application.round_id)
    comments = (operations.panel_comments(db.session, application.id)
                if released and panel is not None and panel.share_panel_comments else [])
    return render_template("panels/outcome.html", application=application,
                           decision=decision if released else None, comments=comments,
                           Outcome=Outcome)
