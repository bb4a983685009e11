"""Public voting pages: rounds, the bulletin board, results, and their downloads."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot.accounts.policy import (
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    access,
    can,
)
from commonpot.extensions import db
from commonpot.pagination import paginate
from voting import operations, results
from voting.models import ProposalState, VotingRound
from voting.states import RoundState
from voting.views import _visible_round, bp

# --- public pages --------------------------------------------------------------------------

@bp.route("/")
@access(PUBLIC)
def list_rounds():
    rounds = db.session.scalars(select(VotingRound).order_by(VotingRound.id.desc())).all()
    visible = [r for r in rounds if can(current_user, "voting.view_round", r)]
    return render_template("voting/index.html", rounds=visible)


@bp.route("/<int:round_id>")
@access(PUBLIC_OBJECT_CHECKED)
def show_round(round_id: int):
    voting_round = _visible_round(round_id)
    voted = (current_user.is_authenticated and operations.has_voted(
        db.session, voting_round, operations.user_voter_key(current_user)))
    return render_template("voting/round.html", round=voting_round, voted=voted,
                           projects=paginate(db.session, operations.shown_proposals_query(voting_round)),
                           RoundState=RoundState, ProposalState=ProposalState)


@bp.route("/<int:round_id>/board")
@access(PUBLIC_OBJECT_CHECKED)
def show_board(round_id: int):
    voting_round = _board_round(round_id)
    entries = results.board_entries(db.session, voting_round)
    receipts = results.board_receipts(db.session, voting_round)
    lookup = (request.args.get("receipt") or "").strip()
    found = None
    if lookup:
        wanted = results.shown_receipt(voting_round, operations.normalise_code(lookup, receipt=True))
        found = bool({wanted, lookup.lower()} & set(receipts))
    districts = {d.id: d.name for d in voting_round.districts}
    return render_template("voting/board.html", round=voting_round, entries=entries, found=found,
                           lookup=lookup, receipts=receipts, districts=districts)


def _board_round(round_id: int) -> VotingRound:
    voting_round = _visible_round(round_id)
    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        abort(404)
    return voting_round


def _download(text: str, filename: str, mimetype: str) -> Response:
    return Response(text, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:round_id>/board.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_board_csv(round_id: int):
    voting_round = _board_round(round_id)
    return _download(results.board_csv(db.session, voting_round),
                     f"round-{voting_round.id}-ballots.csv", "text/csv")


@bp.route("/<int:round_id>/districts/<int:district_id>.pb")
@access(PUBLIC_OBJECT_CHECKED)
def download_district_pb(round_id: int, district_id: int):
    voting_round = _board_round(round_id)
    district = next((d for d in voting_round.districts if d.id == district_id), None)
    if district is None:
        abort(404)
    rows = (results.results_by_project(db.session, voting_round)
            if voting_round.state == RoundState.PUBLISHED else None)
    return _download(results.district_pb(db.session, voting_round, district, rows),
                     f"round-{voting_round.id}-district-{district.id}.pb", "text/plain")


def _published_round(round_id: int) -> VotingRound:
    voting_round = _visible_round(round_id)
    if voting_round.state != RoundState.PUBLISHED and not can(current_user, "voting.manage_round",
                                                                 voting_round):
        abort(404)
    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        abort(404)
    return voting_round


@bp.route("/<int:round_id>/results")
@access(PUBLIC_OBJECT_CHECKED)
def show_results(round_id: int):
    voting_round = _published_round(round_id)
    return render_template("voting/results.html", round=voting_round,
                           results=results.round_results(db.session, voting_round),
                           turnout=results.turnout(db.session, voting_round),
                           rule_label=results.rule_label(voting_round.counting_rule),
                           counting_words=results.describe_counting(voting_round))


@bp.route("/<int:round_id>/results.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_results_csv(round_id: int):
    voting_round = _published_round(round_id)
    return _download(results.results_csv(db.session, voting_round),
                     f"round-{voting_round.id}-results.csv", "text/csv")


