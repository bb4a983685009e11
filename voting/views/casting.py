"""Casting a ballot: online and with a single-use code (changing one: views/receipts.py)."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    PUBLIC_OBJECT_CHECKED,
    RESIDENT,
    access,
)
from commonpot.extensions import db, limiter
from commonpot.i18n import _, _l, later
from voting import cast_tokens, operations
from voting.ballots import BallotError, tally
from voting.forms import (
    BallotForm,
    CodeForm,
)
from voting.models import Channel
from voting.operations import VotingError
from voting.receipts import CastReceipt, change_terms
from voting.states import RoundState
from voting.views import TOO_MANY_CODES, _code_limit, _form_values, _visible_round, bp
from voting.views.ballot_fields import ballot_fields


def _channel(mode: str) -> Channel:
    return Channel.CODE if mode in ("code", "code-change") else Channel.ONLINE


def _ballot_page(voting_round, contests, *, form, action, mode, choices=None, problems=(),
                 status=200, code=None):
    if not form.cast_token.data:
        form.cast_token.data = cast_tokens.new_token()
    choices = choices or {}
    tallies = {c.district.id: tally(c.rules, c.projects, choices.get(c.district.id, {}))
               for c in contests}
    return render_template("voting/ballot.html", round=voting_round, form=form,
                           action=action, mode=mode, problems=list(problems), code=code,
                           fields=ballot_fields(voting_round, contests, choices, tallies),
                           terms=change_terms(voting_round, _channel(mode))), status


def _receipt_page(voting_round, receipt, *, mode, changed=False, recorded_earlier=False):
    return render_template("voting/receipt.html", round=voting_round, receipt=receipt,
                           changed=changed, recorded_earlier=recorded_earlier,
                           terms=change_terms(voting_round, _channel(mode)))


def _cast_or_update(voting_round, contests, form, action, mode, do_cast, code=None):
    """The ballot round trip: 'update' recalculates totals; 'cast' checks and stores."""
    choices, problems = operations.read_choices(contests, _form_values())
    if "cast" not in request.form or problems:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=problems, status=400 if problems else 200,
                            code=code)
    try:
        receipt = do_cast(choices)
    except BallotError as exc:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=exc.messages, status=400, code=code)
    except operations.AlreadyVoted as exc:
        # A double click: the first of the two committed while this one waited for it.
        return _earlier_cast(voting_round, mode) or (render_template(
            "voting/message.html", round=voting_round, title=_("You have already voted"),
            message=str(exc)), 409)
    except VotingError as exc:
        return _ballot_page(voting_round, contests, form=form, action=action, mode=mode,
                            choices=choices, problems=[str(exc)], status=400, code=code)
    return _receipt_page(voting_round, receipt, mode=mode, changed=receipt is None)


def _blank() -> bool:
    """The voter ticked the round's explicit blank vote."""
    return request.form.get("blank") == "1"


def _code_refused(response) -> bool:
    # Only wrong codes count: a hall full of voters on one connection must not be blocked.
    return response.status_code >= 400


def _ballot_limit() -> str:
    return current_app.config["BALLOT_LIMIT_PER_ACCOUNT"]


def _ballot_key() -> str:
    return f"ballot:{current_user.id}"


TOO_MANY_BALLOTS = later(_l("Too many ballots sent from your account in a short time."))


def _earlier_cast(voting_round, mode: str):
    """A retry of a ballot form whose cast already committed: show its receipt again."""
    if request.method != "POST" or "cast" not in request.form:
        return None
    receipt = cast_tokens.receipt_for(db.session, voting_round.id, request.form.get("cast_token"))
    if receipt is None:
        return None
    # The change secret was shown once, with the first answer; it is not kept to show again.
    return _receipt_page(voting_round, CastReceipt(receipt=receipt, change_secret=None), mode=mode,
                         recorded_earlier=True)


def _not_open(voting_round):
    return render_template("voting/message.html", round=voting_round, title=_("Voting is not open"),
                           message=_("Voting is not open in this round.")), 409


@bp.route("/<int:round_id>/ballot", methods=["GET", "POST"])
@access(RESIDENT)
@limiter.limit(_ballot_limit, key_func=_ballot_key, methods=["POST"],
               error_message=TOO_MANY_BALLOTS)
def cast_ballot(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING:
        return _not_open(voting_round)
    try:
        home = operations.online_district(db.session, voting_round, current_user)
    except operations.NotEligible as exc:
        # A retry of a ballot that was cast finds its receipt even so.
        return _earlier_cast(voting_round, "online") or (render_template(
            "voting/not_eligible.html", round=voting_round, message=str(exc)), 403)
    if operations.has_voted(db.session, voting_round, operations.user_voter_key(current_user)):
        # The roll entry and the cast token are written together, so only a voter already
        # on the roll can be retrying a cast that went through: look for its receipt then.
        return _earlier_cast(voting_round, "online") or (render_template(
            "voting/message.html", round=voting_round, title=_("You have already voted"),
            message=_("You have already voted in this round. Each person can vote once."),
            show_change=change_terms(voting_round, Channel.ONLINE).can_change), 409)
    contests = operations.contests_for(voting_round, home)
    form = BallotForm()
    action = url_for("voting.cast_ballot", round_id=voting_round.id)
    if request.method == "GET":
        return _ballot_page(voting_round, contests, form=form, action=action, mode="online")
    if not form.validate_on_submit():
        abort(400)
    return _cast_or_update(voting_round, contests, form, action, "online",
                           lambda choices: operations.cast_online(
                               db.session, current_user, voting_round, choices, _blank(),
                               cast_token=form.cast_token.data, home=home))


@bp.route("/<int:round_id>/code", methods=["GET", "POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES,
               deduct_when=_code_refused)
def enter_code(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            _, home = operations.check_code(db.session, voting_round, form.code.data)
        except operations.CodeRefused as exc:
            form.code.errors.append(str(exc))
            return _code_page(voting_round, form, 400)
        ballot_form = BallotForm(formdata=None, code=operations.normalise_code(form.code.data))
        return _ballot_page(voting_round, operations.contests_for(voting_round, home), form=ballot_form,
                            action=url_for("voting.cast_code_ballot", round_id=voting_round.id),
                            mode="code", code=form.code.data)
    return _code_page(voting_round, form)


def _code_page(voting_round, form, status=200):
    return render_template("voting/code.html", round=voting_round, form=form,
                           terms=change_terms(voting_round, Channel.CODE)), status


@bp.route("/<int:round_id>/code/ballot", methods=["POST"])
@access(PUBLIC_OBJECT_CHECKED)
@limiter.limit(_code_limit, methods=["POST"], error_message=TOO_MANY_CODES,
               deduct_when=_code_refused)
def cast_code_ballot(round_id: int):
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.VOTING or not voting_round.allow_codes:
        return _not_open(voting_round)
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)
    earlier = _earlier_cast(voting_round, "code")
    if earlier is not None:
        return earlier
    code = form.code.data or ""
    try:
        _, home = operations.check_code(db.session, voting_round, code)
    except operations.CodeRefused as exc:
        code_form = CodeForm(formdata=None)
        code_form.code.errors = [str(exc)]
        return _code_page(voting_round, code_form, 400)
    contests = operations.contests_for(voting_round, home)
    action = url_for("voting.cast_code_ballot", round_id=voting_round.id)
    return _cast_or_update(voting_round, contests, form, action, "code",
                           lambda choices: operations.cast_with_code(
                               db.session, voting_round, code, choices, _blank(),
                               cast_token=form.cast_token.data), code=code)


