"""Residents' pages before voting: their details (postcode, age) and proposing a project."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
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
from voting import operations
from voting.forms import (
    DetailsForm,
    ProposalForm,
)
from voting.operations import VotingError
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
    form.group_id.choices = options([(0, "Myself")] + [(g.id, g.name) for g in groups])
    if voting_round.state != RoundState.PROPOSALS:
        return render_template("voting/message.html", round=voting_round, title=_("Not taking proposals"),
                               message=_("This round is not taking proposals at the moment.")), 409
    if form.validate_on_submit():
        try:
            operations.submit_proposal(
                db.session, current_user, voting_round, title=form.title.data, summary=form.summary.data,
                cost_pence=parse_pounds(form.cost.data), district_id=form.district_id.data,
                group_id=form.group_id.data or None)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Thank you: your proposal is in. Staff will check it before voting opens."), "success")
            return redirect(url_for("voting.show_round", round_id=voting_round.id))
    return render_template("voting/propose.html", round=voting_round, form=form)


