"""Public voting pages: rounds, the bulletin board, results, and their downloads."""

from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import select

import voting.policy  # noqa: F401 - registers the voting rules
from commonpot import audit
from commonpot.accounts.policy import (
    PUBLIC,
    PUBLIC_OBJECT_CHECKED,
    access,
    can,
)
from commonpot.edge import query_int
from commonpot.extensions import db
from commonpot.pagination import paginate
from voting import artefacts, board, closing, operations, results
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
    """The board as stored at the close: one page of ballots and receipts, and a receipt
    lookup that reads one row."""
    voting_round = _board_round(round_id)
    info = board.board_info(db.session, voting_round)
    pages = info["pages"] if info else 0
    page = query_int("page", 1, minimum=1, maximum=max(pages, 1))
    stored = artefacts.load_many(db.session, voting_round.id,
                                 [board.ballots_page(page), board.receipts_page(page)])
    lookup = (request.args.get("receipt") or "").strip()[:100]
    found = board.find_receipt(db.session, voting_round, lookup) if lookup else None
    return render_template(
        "voting/board.html", round=voting_round, info=info, page=page, pages=pages,
        # Rendered (and escaped) by voting/_board_*.html at the close, and stored.
        ballots_html=stored[board.ballots_page(page)].body if info else "",
        receipts_html=stored[board.receipts_page(page)].body if info else "",
        found=found, lookup=lookup)


@bp.route("/<int:round_id>/receipt-proof.json")
@access(PUBLIC_OBJECT_CHECKED)
def download_receipt_proof(round_id: int):
    """The proof that a receipt is in the signed audit log, to check offline with
    `commonpot-verify proof FILE --key KEY`. It names the receipt, never a ballot."""
    voting_round = _board_round(round_id)
    found = board.find_receipt(db.session, voting_round, (request.args.get("receipt") or "")[:100])
    latest = audit.latest_checkpoint(db.session)
    if found is None or latest is None or latest.tree_size <= found.leaf_index:
        abort(404)
    response = jsonify(audit.proof_bundle(db.session, found.leaf_index, latest.tree_size))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="round-{voting_round.id}-receipt-proof.json"')
    return response


def _board_round(round_id: int) -> VotingRound:
    voting_round = _visible_round(round_id)
    if voting_round.state not in (RoundState.COUNTING, RoundState.PUBLISHED):
        abort(404)
    return voting_round


def _download(text: str, filename: str, mimetype: str) -> Response:
    return Response(text, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _stored(voting_round: VotingRound, name: str, filename: str) -> Response:
    """A closed round's file as stored; it never changes, so its hash is its ETag."""
    artefact = artefacts.load(db.session, voting_round.id, name)
    if artefact is None:
        abort(404)
    response = Response(artefact.body, content_type=artefact.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.set_etag(artefact.sha256)
    return response.make_conditional(request)


@bp.route("/<int:round_id>/board.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_board_csv(round_id: int):
    voting_round = _board_round(round_id)
    return _stored(voting_round, board.BOARD_CSV, f"round-{voting_round.id}-ballots.csv")


@bp.route("/<int:round_id>/districts/<int:district_id>.pb")
@access(PUBLIC_OBJECT_CHECKED)
def download_district_pb(round_id: int, district_id: int):
    voting_round = _board_round(round_id)
    if all(d.id != district_id for d in voting_round.districts):
        abort(404)
    # Once published, the file carries each project's result as well.
    name = board.district_pb(district_id, with_results=voting_round.state == RoundState.PUBLISHED)
    return _stored(voting_round, name, f"round-{voting_round.id}-district-{district_id}.pb")


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
                           count=closing.count_of(db.session, voting_round.id),
                           turnout=results.turnout(db.session, voting_round),
                           rule_label=results.rule_label(voting_round.counting_rule),
                           counting_words=results.describe_counting(voting_round))


@bp.route("/<int:round_id>/results.csv")
@access(PUBLIC_OBJECT_CHECKED)
def download_results_csv(round_id: int):
    voting_round = _published_round(round_id)
    return _stored(voting_round, results.RESULTS_CSV, f"round-{voting_round.id}-results.csv")
