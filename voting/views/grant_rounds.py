"""A grants round's resident vote: the panel meeting page posts its shortlist and takes the result here."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    OBJECT_CHECKED,
    access,
)
from commonpot.extensions import db
from commonpot.i18n import _, ngettext
from grants.panels.errors import PanelError
from grants.panels.views import _managed_round as _managed_grants_round
from voting import resident_vote
from voting.forms import (
    ConfirmForm,
)
from voting.models import VotingRound
from voting.views import bp

# --- a grants round's resident vote (the panel meeting page posts here) --------------------

@bp.route("/grant-rounds/<int:round_id>/shortlist/send", methods=["POST"])
@access(OBJECT_CHECKED)
def send_shortlist(round_id: int):
    round_ = _managed_grants_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    voting_round = db.session.get(VotingRound, request.form.get("voting_round_id", type=int) or 0)
    if voting_round is None:
        flash(_("Choose the vote to send the shortlist to."), "error")
        return redirect(url_for("panels.show_meeting", round_id=round_.id))
    try:
        count = resident_vote.send_shortlist(db.session, current_user, round_, voting_round)
    except PanelError as exc:
        flash(str(exc), "error")
    else:
        flash(ngettext("%(num)s project added to “%(round)s”.", "%(num)s projects added to “%(round)s”.",
                       count, round=voting_round.title), "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))


@bp.route("/grant-rounds/<int:round_id>/vote-decisions", methods=["POST"])
@access(OBJECT_CHECKED)
def decide_from_vote(round_id: int):
    round_ = _managed_grants_round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        awarded, declined = resident_vote.decide_from_vote(db.session, current_user, round_)
    except PanelError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Decisions recorded from the vote: %(awarded)s awarded, %(declined)s declined. "
                "Check them, then release.", awarded=awarded, declined=declined), "success")
    return redirect(url_for("panels.show_meeting", round_id=round_.id))
