"""Stewards' paper ballot pages: batches, keying, comparing the keyings, accepting or discarding."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    STEWARD,
    access,
    can,
    require,
)
from commonpot.extensions import db
from commonpot.forms import options
from commonpot.i18n import _
from voting import operations
from voting.ballots import BallotError, BallotType, tally
from voting.forms import (
    ConfirmForm,
    DiscardKeyingForm,
    PaperBallotForm,
    PaperBatchForm,
)
from voting.models import PaperBatch, VotingRound
from voting.operations import VotingError
from voting.views import _form_values, _round, bp

# --- stewards: paper ballots -----------------------------------------------------------------

def _paper_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    require(can(current_user, "voting.enter_paper", voting_round))
    return voting_round


def _batch(batch_id: int) -> PaperBatch:
    batch = db.session.get(PaperBatch, batch_id)
    if batch is None:
        abort(404)
    require(can(current_user, "voting.enter_paper", batch.voting_round))
    return batch


@bp.route("/<int:round_id>/paper", methods=["GET", "POST"])
@access(STEWARD)
def paper_batches(round_id: int):
    voting_round = _paper_round(round_id)
    form = PaperBatchForm()
    form.district_id.choices = options([(d.id, d.name) for d in voting_round.local_districts])
    status = 200
    if form.validate_on_submit():
        try:
            batch = operations.create_paper_batch(
                db.session, current_user, voting_round, district_id=form.district_id.data,
                event=form.event.data, event_date=form.event_date.data,
                first_serial=form.first_serial.data, last_serial=form.last_serial.data,
                double_keyed=form.double_keyed.data)
        except VotingError as exc:
            form.form_errors.append(str(exc))
        else:
            return redirect(url_for("voting.enter_paper", batch_id=batch.id))
    if request.method == "POST":
        status = 400
    batches = db.session.scalars(select(PaperBatch).where(PaperBatch.round_id == voting_round.id)
                                 .order_by(PaperBatch.id)).all()
    return render_template("voting/paper_batches.html", round=voting_round, form=form,
                           batches=batches), status


@bp.route("/paper/<int:batch_id>", methods=["GET", "POST"])
@access(STEWARD)
def enter_paper(batch_id: int):
    batch = _batch(batch_id)
    voting_round = batch.voting_round
    contests = operations.contests_for(voting_round, batch.district)
    form = PaperBallotForm()
    choices: dict = {}
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        choices, problems = operations.read_choices(contests, _form_values())
        if form.validate_on_submit() and not problems:
            try:
                operations.enter_paper_ballot(db.session, current_user, batch, serial=form.serial.data,
                                              choices=choices, keying=int(form.keying.data))
            except BallotError as exc:
                problems = exc.messages
            except VotingError as exc:
                problems = [str(exc)]
            else:
                flash(_('Ballot %(data)s entered.', data=form.serial.data), "success")
                return redirect(url_for("voting.enter_paper", batch_id=batch.id,
                                        keying=form.keying.data))
        status = 400
    elif request.args.get("keying") in ("1", "2"):
        form.keying.data = request.args["keying"]
    tallies = {c.district.id: tally(c.rules, c.projects, choices.get(c.district.id, {}))
               for c in contests}
    return render_template("voting/paper_entry.html", round=voting_round, batch=batch, form=form,
                           contests=contests, choices=choices, problems=problems, tallies=tallies,
                           BallotType=BallotType), status


@bp.route("/paper/<int:batch_id>/compare")
@access(STEWARD)
def compare_paper(batch_id: int):
    batch = _batch(batch_id)
    agreed, differences = operations.compare_batch(db.session, batch)
    return render_template("voting/paper_compare.html", round=batch.voting_round, batch=batch,
                           agreed=agreed, differences=differences, form=ConfirmForm(),
                           discard_form=DiscardKeyingForm(formdata=None))


@bp.route("/paper/<int:batch_id>/accept", methods=["POST"])
@access(STEWARD)
def accept_paper(batch_id: int):
    batch = _batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        n = operations.accept_batch(db.session, current_user, batch)
    except VotingError as exc:
        # Rendered with an error status, so anything half-done is rolled back.
        db.session.rollback()
        agreed, differences = operations.compare_batch(db.session, batch)
        return render_template("voting/paper_compare.html", round=batch.voting_round, batch=batch,
                               agreed=agreed, differences=differences, form=ConfirmForm(),
                               discard_form=DiscardKeyingForm(formdata=None), problem=str(exc)), 409
    flash(_('%(n)s paper ballots from %(event)s are now counted.', n=n, event=batch.event), "success")
    return redirect(url_for("voting.paper_batches", round_id=batch.round_id))


@bp.route("/paper/<int:batch_id>/discard", methods=["POST"])
@access(STEWARD)
def discard_paper_keying(batch_id: int):
    batch = _batch(batch_id)
    form = DiscardKeyingForm()
    if not form.validate_on_submit():
        abort(400)
    operations.discard_keying(db.session, current_user, batch, form.serial.data)
    flash(_('Both keyings of ballot %(data)s removed: key it again.', data=form.serial.data), "success")
    return redirect(url_for("voting.compare_paper", batch_id=batch.id))


