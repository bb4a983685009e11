"""Residents' pages before voting: their details (postcode, age) and proposing a project."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    RESIDENT,
    access,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from commonpot.money import parse_pounds
from grants.models import Group, GroupMembership
from voting import operations, proposals
from voting.forms import (
    DetailsForm,
    ProposalForm,
)
from voting.operations import VotingError
from voting.proposal_images import IMAGE_EXTENSIONS
from voting.proposals import CostLine, ImageUpload
from voting.states import RoundState
from voting.views import _visible_round, bp

# --- residents -----------------------------------------------------------------------------

@bp.route("/<int:round_id>/details", methods=["GET", "POST"])
@access(RESIDENT)
def edit_details(round_id: int):
    voting_round = _visible_round(round_id)
    details = operations.resident_details(db.session, current_user)
    form = DetailsForm(obj=details)
    if form.validate_on_submit():
        try:
            operations.set_resident_details(db.session, current_user, postcode=form.postcode.data,
                                            date_of_birth=form.date_of_birth.data,
                                            family_name=form.family_name.data or "")
        except VotingError as exc:
            form.postcode.errors.append(str(exc))
        else:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("voting.cast_ballot", round_id=voting_round.id))
    return render_template("voting/details.html", round=voting_round, form=form)


@bp.route("/<int:round_id>/propose", methods=["GET", "POST"])
@access(RESIDENT)
def submit_proposal(round_id: int):
    voting_round = _visible_round(round_id)
    form = ProposalForm()
    form.district_id.choices = options([(d.id, d.name) for d in voting_round.districts])
    groups = db.session.scalars(select(Group).join(GroupMembership).where(
        GroupMembership.user_id == current_user.id).order_by(Group.name)).all()
    form.group_id.choices = options([(0, _("Myself"))] + [(g.id, g.name) for g in groups])
    if voting_round.state != RoundState.PROPOSALS:
        return render_template("voting/message.html", round=voting_round, title=_("Not taking proposals"),
                               message=_("This round is not taking proposals at the moment.")), 409
    if request.method == "POST" and "add_line" in request.form:
        # One more row for what the money buys, without JavaScript: nothing is checked or kept.
        if len(form.lines) < form.lines.max_entries:
            form.lines.append_entry()
        return _proposal_page(voting_round, form, file_dropped=_file_chosen(form))
    if form.validate_on_submit():
        upload = form.image.data
        image = (ImageUpload(upload.filename, upload.read(), form.image_alt.data or "")
                 if _file_chosen(form) else None)
        try:
            proposal = proposals.submit_proposal(
                db.session, current_user, voting_round, title=form.title.data,
                summary=form.summary.data, district_id=form.district_id.data,
                cost_lines=[CostLine(row.item.data or "",
                                     parse_pounds(row.amount.data) if row.amount.data else None)
                            for row in form.lines],
                location=form.location.data or "", postcode=form.postcode.data or None,
                image=image, group_id=form.group_id.data or None)
        except VotingError as exc:
            return _proposal_page(voting_round, form, refusal=exc, file_dropped=_file_chosen(form),
                                  status=400)
        flash(_("Thank you: your proposal is in. Staff will check it before voting opens."), "success")
        return redirect(url_for("voting.show_proposal", proposal_id=proposal.id))
    status = 400 if request.method == "POST" else 200
    return _proposal_page(voting_round, form, file_dropped=_file_chosen(form), status=status)


def _file_chosen(form) -> bool:
    return bool(getattr(form.image.data, "filename", ""))


def _proposal_page(voting_round, form, *, refusal: VotingError | None = None,
                   file_dropped: bool = False, status: int = 200):
    """The proposal form; a refusal shows beside its field (cost lines: above the rows)."""
    line_problems: list[str] = []
    if refusal is not None:
        if refusal.field == "lines":
            line_problems = list(refusal.details) or [str(refusal)]
        elif refusal.field and refusal.field in form:
            form[refusal.field].errors = [*form[refusal.field].errors, str(refusal)]
        else:
            form.form_errors.append(str(refusal))
    return render_template("voting/propose.html", round=voting_round, form=form,
                           line_problems=line_problems, file_dropped=file_dropped,
                           image_types=",".join("." + e for e in IMAGE_EXTENSIONS)), status
