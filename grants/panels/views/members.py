"""Running a panel: its settings, members, and assigning and reassigning reviewers."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import grants.panels.policy  # noqa: F401  (registers the panels.* rules)
from commonpot.accounts.operations import find_user_by_email
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from grants.panels import operations
from grants.panels.forms import (
    AddMemberForm,
    ConfirmForm,
    PanelSettingsForm,
    ReassignForm,
    RemoveMemberForm,
    ReopenForm,
)
from grants.panels.models import PanelMember, Review
from grants.panels.views import REFUSED, _application, _fail, _managed_round, _panel_or_404, bp

# --- running the panel -------------------------------------------------------------------------

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
    form.application_id.choices = options([(a.id, f"{a.reference} {a.title}") for a in applications])
    people = [(m.user_id, m.user.display_name) for m in members]
    form.from_user_id.choices = options([(0, "Nobody")] + people)
    form.to_user_id.choices = options(people)
    return form


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@access(OBJECT_CHECKED)
def edit_panel(round_id: int):
    round_ = _managed_round(round_id)
    panel = operations.panel_for_round(db.session, round_.id)
    form = PanelSettingsForm(obj=panel)
    form.identifying_question_keys.choices = options([(q.key, q.label) for q in round_.questions])
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
            return render_template("panels/settings.html", round=round_, form=form, panel=panel,
                                   scale_locked=operations.scale_locked(db.session, panel)), REFUSED
        flash(_("Panel settings saved."), "success")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    return render_template("panels/settings.html", round=round_, form=form, panel=panel,
                           scale_locked=operations.scale_locked(db.session, panel))


@bp.route("/rounds/<int:round_id>/members", methods=["POST"])
@access(OBJECT_CHECKED)
def add_member(round_id: int):
    round_ = _managed_round(round_id)
    panel = _panel_or_404(round_)
    form = AddMemberForm()
    if not form.validate_on_submit():
        flash(_("Enter the email address of a Commonpot account and choose a role."), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    user = find_user_by_email(db.session, form.email.data)
    if user is None:
        flash(_("No account uses that email address. Ask them to create one first."), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    operations.add_member(db.session, current_user, panel, user, role=form.role.data,
                          is_resident=form.is_resident.data)
    flash(_("%(user)s is on the panel.", user=user.display_name), "success")
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
    flash(_("The member has stood down; their open reviews need reassigning."), "success")
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
        flash(_("Choose an application and the member to give it to."), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    application = _application(form.application_id.data)
    try:
        operations.reassign(db.session, current_user, panel, application,
                            from_user_id=form.from_user_id.data or None, to_user_id=form.to_user_id.data)
    except operations.PanelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("panels.manage_panel", round_id=round_.id))
    flash(_("Review reassigned."), "success")
    return redirect(url_for("panels.manage_panel", round_id=round_.id))


