"""Changing a vote (account voters and code voters) and the published receipts: thin views
over voting.receipts."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from commonpot.accounts.policy import PUBLIC_OBJECT_CHECKED, RESIDENT, access
from commonpot.extensions import db, limiter
from voting import board, operations, receipts
from voting.forms import BallotForm, CodeChangeForm
from voting.states import RoundState
from voting.views import TOO_MANY_CODES, _code_limit, _visible_round, bp
from voting.views.casting import _ballot_page, _blank, _cast_or_update, _not_open
from voting.views.public import _board_round, _stored


def _changeable_round(round_id: int):
    voting_round = _visible_round(round_id)
    if not voting_round.allow_revote:
        abort(404)
    return voting_round


@bp.route("/<int:round_id>/change", methods=["GET", "POST"])
@access(RESIDENT)
def change_ballot(round_id: int):
    voting_round = _changeable_round(round_id)
    if voting_round.state != RoundState.VOTING:
        return _not_open(voting_round)
    try:
        home = operations.online_district(db.session, voting_round, current_user)
    except operations.NotEligible as exc:
        return render_template("voting/not_eligible.html", round=voting_round, message=str(exc)), 403
    contests = operations.contests_for(voting_round, home)
    form = BallotForm()
    action = url_for("voting.change_ballot", round_id=voting_round.id)
    if request.method == "GET":
        return _ballot_page(voting_round, contests, form=form, action=action, mode="change")
    if not form.validate_on_submit():
        abort(400)

    def replace(choices):
        receipts.change_online(db.session, current_user, voting_round, secret=form.secret.data or "",
                               choices=choices, blank=_blank())

    return _cast_or_update(voting_round, contests, form, action, "change", replace)


@bp.route("/<int:round_id>/code/change", methods=["GET", "POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES)
def change_code_ballot(round_id: int):
    """Step one for a code voter: the code they voted with and their change secret."""
    voting_round = _changeable_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = CodeChangeForm()
    if form.validate_on_submit():
        try:
            _, home = operations.check_code_for_change(db.session, voting_round, form.code.data)
        except operations.CodeRefused as exc:
            form.code.errors.append(str(exc))
            return render_template("voting/code_change.html", round=voting_round, form=form), 400
        ballot_form = BallotForm(formdata=None, code=operations.normalise_code(form.code.data),
                                 secret=form.secret.data)
        return _ballot_page(voting_round, operations.contests_for(voting_round, home), form=ballot_form,
                            action=url_for("voting.change_code_ballot_choices", round_id=voting_round.id),
                            mode="code-change", code=form.code.data)
    status = 400 if request.method == "POST" else 200
    return render_template("voting/code_change.html", round=voting_round, form=form), status


@bp.route("/<int:round_id>/code/change/ballot", methods=["POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES)
def change_code_ballot_choices(round_id: int):
    """Step two: the new choices, with the code and secret carried in hidden fields."""
    voting_round = _changeable_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)
    code = form.code.data or ""
    try:
        _, home = operations.check_code_for_change(db.session, voting_round, code)
    except operations.CodeRefused as exc:
        code_form = CodeChangeForm(formdata=None)
        code_form.code.errors = [str(exc)]
        return render_template("voting/code_change.html", round=voting_round, form=code_form), 400
    contests = operations.contests_for(voting_round, home)
    action = url_for("voting.change_code_ballot_choices", round_id=voting_round.id)

    def replace(choices):
        receipts.change_with_code(db.session, voting_round, code=code, secret=form.secret.data or "",
                                  choices=choices, blank=_blank())

    return _cast_or_update(voting_round, contests, form, action, "code-change", replace, code=code)


@bp.route("/<int:round_id>/receipts.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_receipts_csv(round_id: int):
    voting_round = _board_round(round_id)
    return _stored(voting_round, board.RECEIPTS_CSV, f"round-{voting_round.id}-receipts.csv")
