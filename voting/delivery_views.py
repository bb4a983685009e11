"""Public delivery pages for winning proposals, and the forms fund managers keep them with.
Thin views: load, check permission, call one operation, render or redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

import voting.policy  # noqa: F401 - registers the voting rules with can()
from commonpot.accounts.policy import OBJECT_CHECKED, PUBLIC_OBJECT_CHECKED, access, can, require
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _, _l
from commonpot.money import parse_pounds
from commonpot.refusals import Refused
from voting import delivery
from voting.models import Proposal
from voting.states import RoundState

bp = Blueprint("delivery", __name__, url_prefix="/vote")


class DeliveryForm(FlaskForm):
    status = SelectField(_l("Status"), choices=options((s.value, s.label) for s in delivery.DeliveryStatus))
    spent = StringField(_l("Money spent so far (£)"))
    team_name = StringField(_l("Team responsible"), validators=[Length(max=200)])
    reason = StringField(_l("Why (optional)"), validators=[Length(max=500)])


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(_l("Give the milestone a short title.")),
                                                  Length(max=200)])
    happened_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the milestone's date."))])
    description = TextAreaField(_l("What happened"), validators=[Length(max=5000)])
    photo = FileField(_l("Photo (optional, JPG or PNG)"))
    photo_consent = BooleanField(_l("Everyone in the photo agreed to it being shown publicly"))


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("Update"), validators=[DataRequired(_l("Write the update before posting it.")),
                                               Length(max=5000)])


@bp.app_context_processor
def _delivery_helpers():
    return {"delivery_summary": lambda voting_round: delivery.delivery_summary(db.session, voting_round),
            "delivery_of": lambda proposal: delivery.delivery_for(db.session, proposal)}


def _winner_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.voting_round.state != RoundState.PUBLISHED \
            or not delivery.is_winner(db.session, proposal):
        abort(404)
    return proposal


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


@bp.route("/proposals/<int:proposal_id>/delivery")
@access(PUBLIC_OBJECT_CHECKED)
def show_delivery(proposal_id: int):
    proposal = _winner_or_404(proposal_id)
    record = delivery.delivery_for(db.session, proposal)
    form = DeliveryForm()
    if record is not None:
        form.status.data = record.status.value
        form.team_name.data = record.team_name
        whole, part = divmod(record.spent_pence, 100)
        form.spent.data = f"{whole}" if not part else f"{whole}.{part:02d}"
    return render_template("voting/delivery/show.html", proposal=proposal, record=record,
                           delivery_form=form, milestone_form=MilestoneForm(),
                           update_form=UpdateForm())


def _managed_winner(proposal_id: int) -> Proposal:
    proposal = _winner_or_404(proposal_id)
    require(can(current_user, "voting.manage_round", proposal.voting_round))
    return proposal


@bp.route("/proposals/<int:proposal_id>/delivery", methods=["POST"])
@access(OBJECT_CHECKED)
def update_delivery(proposal_id: int):
    proposal = _managed_winner(proposal_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        spent = parse_pounds(form.spent.data or "0")
        try:
            if spent is None:
                raise Refused(_("Enter the money spent in pounds, like 1200 or 1200.50."), "spent")
            delivery.update_delivery(db.session, current_user, proposal, status=form.status.data,
                                     spent_pence=spent, team_name=form.team_name.data or "",
                                     reason=form.reason.data or "")
        except Refused as exc:
            flash(exc.message, "error")
        else:
            flash(_("Delivery record saved."), "success")
    return redirect(url_for(".show_delivery", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/delivery/milestones", methods=["POST"])
@access(OBJECT_CHECKED)
def add_milestone(proposal_id: int):
    proposal = _managed_winner(proposal_id)
    form = MilestoneForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for(".show_delivery", proposal_id=proposal.id))
    upload = form.photo.data
    photo = None
    if upload and getattr(upload, "filename", ""):
        photo = (upload.filename, upload.read())
    from grants.uploads import upload_folder

    try:
        delivery.add_milestone(db.session, current_user, proposal, title=form.title.data,
                               happened_on=form.happened_on.data,
                               description=form.description.data or "", photo=photo,
                               photo_consent=bool(form.photo_consent.data), folder=upload_folder())
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash(_("Milestone added."), "success")
    return redirect(url_for(".show_delivery", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/delivery/updates", methods=["POST"])
@access(OBJECT_CHECKED)
def post_update(proposal_id: int):
    proposal = _managed_winner(proposal_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        try:
            delivery.post_update(db.session, current_user, proposal, form.body.data)
        except Refused as exc:
            flash(exc.message, "error")
        else:
            flash(_("Update posted."), "success")
    return redirect(url_for(".show_delivery", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/delivery/milestones/<int:milestone_id>/photo")
@access(PUBLIC_OBJECT_CHECKED)
def milestone_photo(proposal_id: int, milestone_id: int):
    proposal = _winner_or_404(proposal_id)
    milestone = db.session.get(delivery.DeliveryMilestone, milestone_id)
    if milestone is None or milestone.delivery.proposal_id != proposal.id \
            or not milestone.photo_stored_name:
        abort(404)
    from grants.uploads import upload_folder

    return send_file(upload_folder() / milestone.photo_stored_name,
                     mimetype=milestone.photo_content_type)
