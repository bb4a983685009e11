"""A proposal's public page and picture, and a moderator removing the picture. Thin views
over voting.proposals and voting.proposal_images."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.loading import load_or_404
from commonpot.accounts.policy import OBJECT_CHECKED, PUBLIC_OBJECT_CHECKED, access
from commonpot.extensions import db
from commonpot.i18n import _
from voting import proposal_images
from voting.errors import VotingError
from voting.forms import RemoveImageForm, ReviewForm
from voting.models import Proposal, ProposalState
from voting.views import bp


def _visible_proposal(proposal_id: int) -> Proposal:
    # A proposal of a round the person may not see does not exist for them.
    return load_or_404(Proposal, proposal_id, "voting.view_proposal", hide_refusal=True)


@bp.route("/proposals/<int:proposal_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    return render_template("voting/proposal.html", proposal=proposal, round=proposal.voting_round,
                           ProposalState=ProposalState)


@bp.route("/proposals/<int:proposal_id>/image")
@access(PUBLIC_OBJECT_CHECKED)
def proposal_image(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    image = proposal.image
    if image is None:
        abort(404)
    path = proposal_images.image_path(image)
    if not path.exists():
        abort(404)
    extension = "png" if image.content_type == "image/png" else "jpg"
    # Our name, never the uploader's; shown inline, and nothing but shown (IMAGE_HEADERS).
    response = send_file(path, mimetype=image.content_type, conditional=True,
                         download_name=f"proposal-{proposal.id}.{extension}")
    response.headers.update(proposal_images.IMAGE_HEADERS)
    return response


@bp.route("/proposals/<int:proposal_id>/image/remove", methods=["POST"])
@access(OBJECT_CHECKED)
def remove_proposal_image(proposal_id: int):
    proposal = load_or_404(Proposal, proposal_id, "voting.manage_round",
                           subject=lambda p: p.voting_round)
    form = RemoveImageForm()
    if form.validate_on_submit():
        try:
            proposal_images.remove_image(db.session, current_user, proposal, form.removal_reason.data)
        except VotingError as exc:
            form.removal_reason.errors = [*form.removal_reason.errors, str(exc)]
        else:
            flash(_("The picture of “%(title)s” is removed.", title=proposal.title), "success")
            return redirect(url_for("voting.review_proposal", proposal_id=proposal.id))
    return render_template("voting/review.html", proposal=proposal, round=proposal.voting_round,
                           form=ReviewForm(formdata=None), remove_form=form), 400
