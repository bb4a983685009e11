"""Voting pages: the blueprint and the loaders every voting page shares. The pages live in one
module per sub-domain, imported at the end of this file. Thin views over the voting operations."""

from __future__ import annotations

from flask import Blueprint, current_app, request

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.loading import load_or_404
from commonpot.i18n import _l, later
from voting.ballots import BALLOT_TYPE_LABELS
from voting.models import PROPOSAL_LABELS, VotingRound
from voting.results import rule_label
from voting.states import LABELS

bp = Blueprint("voting", __name__, url_prefix="/vote")

TOO_MANY_CODES = later(_l("Too many code attempts from your connection. Wait a few minutes, then "
                          "type the code again carefully."))


def _code_limit() -> str:
    return current_app.config.get("VOTING_CODE_LIMIT", "10 per minute")


@bp.app_context_processor
def _voting_globals():
    return {"round_labels": LABELS, "proposal_labels": PROPOSAL_LABELS,
            "ballot_type_labels": BALLOT_TYPE_LABELS, "rule_label": rule_label}


def _round(round_id: int) -> VotingRound:
    return load_or_404(VotingRound, round_id)


def _visible_round(round_id: int) -> VotingRound:
    # A round the person may not see does not exist for them.
    return load_or_404(VotingRound, round_id, "voting.view_round", hide_refusal=True)


def _managed_round(round_id: int) -> VotingRound:
    return load_or_404(VotingRound, round_id, "voting.manage_round")


def _form_values() -> dict[str, list[str]]:
    return request.form.to_dict(flat=False)


# The pages, by sub-domain; importing them registers their routes on `bp`.
from voting.views import (  # noqa: E402, F401
    casting,
    census,
    grant_rounds,
    paper,
    proposals,
    public,
    receipts,
    residents,
    rounds,
)
