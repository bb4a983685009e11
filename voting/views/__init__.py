"""Voting pages: the blueprint and the loaders every voting page shares. The pages live in one
module per sub-domain, imported at the end of this file. Thin views over the voting operations."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import can, require
from commonpot.extensions import db
from voting.models import VotingRound
from voting.states import LABELS

bp = Blueprint("voting", __name__, url_prefix="/vote")

TOO_MANY_CODES = ("Too many code attempts from your connection. Wait a few minutes, then type "
                  "the code again carefully.")


def _code_limit() -> str:
    return current_app.config.get("VOTING_CODE_LIMIT", "10 per minute")


@bp.app_context_processor
def _voting_globals():
    return {"round_labels": LABELS}


def _round(round_id: int) -> VotingRound:
    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None:
        abort(404)
    return voting_round


def _visible_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    if not can(current_user, "voting.view_round", voting_round):
        abort(404)
    return voting_round


def _managed_round(round_id: int) -> VotingRound:
    voting_round = _round(round_id)
    require(can(current_user, "voting.manage_round", voting_round))
    return voting_round


def _form_values() -> dict[str, list[str]]:
    return request.form.to_dict(flat=False)


# The pages, by sub-domain; importing them registers their routes on `bp`.
from voting.views import (  # noqa: E402, F401
    casting,
    census,
    grant_rounds,
    paper,
    public,
    receipts,
    residents,
    rounds,
)
