"""Resident votes in the open API: voting rounds (once out of draft) and their published
results, per district, exactly as the public results page shows them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from commonpot import api
from commonpot.extensions import db
from grants.models import Fund
from voting import results
from voting.models import VotingRound
from voting.states import LABELS, RoundState

_MONEY = {"type": "integer", "description": "Pence."}

api.schema("VotingRound", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "description", "fund", "state", "state_label", "ballot_type",
                 "counting_rule", "districts", "results_url", "api_url", "web_url"],
    "properties": {
        "api_url": {"type": "string"}, "web_url": {"type": "string"},
        "id": {"type": "integer"}, "title": {"type": "string"}, "description": {"type": "string"},
        "fund": {"type": ["string", "null"], "description": "Fund slug."},
        "state": {"type": "string", "enum": [s.value for s in RoundState if s != RoundState.DRAFT]},
        "state_label": {"type": "string"},
        "ballot_type": {"type": "string"}, "counting_rule": {"type": "string"},
        "districts": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "name", "budget_pence", "area_wide"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                           "budget_pence": _MONEY, "area_wide": {"type": "boolean"}}}},
        "results_url": {"type": ["string", "null"]},
    },
})

api.schema("VotingResults", {
    "type": "object", "additionalProperties": False,
    "required": ["round_id", "counting_rule", "turnout", "districts"],
    "properties": {
        "round_id": {"type": "integer"}, "counting_rule": {"type": "string"},
        "turnout": {"type": "integer", "minimum": 0},
        "districts": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "name", "budget_pence", "money_used_pence", "ballots", "projects"],
            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "budget_pence": _MONEY,
                "money_used_pence": _MONEY, "ballots": {"type": "integer"},
                "projects": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "title", "cost_pence", "supporters", "score", "selected"],
                    "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                   "cost_pence": _MONEY, "supporters": {"type": "integer"},
                                   "score": {"type": "integer"},
                                   "selected": {"type": "boolean"}}}}}}},
    },
})


def _visible():
    return select(VotingRound).where(VotingRound.state != RoundState.DRAFT)


def round_dict(voting_round: VotingRound, fund_slugs: dict[int, str]) -> dict:
    published = voting_round.state == RoundState.PUBLISHED
    return {
        "id": voting_round.id, "title": voting_round.title,
        "description": voting_round.description or "", "fund": fund_slugs.get(voting_round.fund_id),
        "state": voting_round.state.value, "state_label": str(LABELS[voting_round.state]),
        "ballot_type": str(voting_round.ballot_type), "counting_rule": voting_round.counting_rule,
        "districts": [{"id": d.id, "name": d.name, "budget_pence": d.budget_pence,
                       "area_wide": bool(d.is_area_wide)} for d in voting_round.districts],
        "results_url": f"/api/v1/voting-rounds/{voting_round.id}/results" if published else None,
        "api_url": f"/api/v1/voting-rounds/{voting_round.id}", "web_url": f"/vote/{voting_round.id}",
    }


def _fund_slugs(fund_ids) -> dict[int, str]:
    return dict(db.session.execute(select(Fund.id, Fund.slug).where(Fund.id.in_(set(fund_ids)))).all())


@api.resource("/voting-rounds", name="list_voting_rounds", schema="VotingRound", tag="Resident votes",
              paginated=True, summary="Resident voting rounds, newest first")
def list_voting_rounds(page: api.PageRequest):
    total = db.session.scalar(_visible().with_only_columns(func.count(VotingRound.id)))
    found = list(db.session.scalars(_visible().options(selectinload(VotingRound.districts))
                                    .order_by(VotingRound.id.desc())
                                    .limit(page.per_page).offset(page.offset)))
    slugs = _fund_slugs(r.fund_id for r in found)
    return [round_dict(r, slugs) for r in found], total


def _round(round_id: str) -> VotingRound | None:
    if not round_id.isdigit() or len(round_id) > 9:
        return None
    return db.session.scalar(_visible().where(VotingRound.id == int(round_id)))


@api.resource("/voting-rounds/{round_id}", name="show_voting_round", schema="VotingRound",
              tag="Resident votes", summary="One resident voting round")
def show_voting_round(round_id: str):
    voting_round = _round(round_id)
    return None if voting_round is None else round_dict(voting_round,
                                                        _fund_slugs([voting_round.fund_id]))


@api.resource("/voting-rounds/{round_id}/results", name="show_voting_results",
              schema="VotingResults", tag="Resident votes",
              summary="A published vote's results, per district")
def show_voting_results(round_id: str):
    voting_round = _round(round_id)
    if voting_round is None or voting_round.state != RoundState.PUBLISHED:
        return None
    turnout = results.turnout(db.session, voting_round)
    return {
        "round_id": voting_round.id, "counting_rule": voting_round.counting_rule,
        "turnout": turnout.total,
        "districts": [{
            "id": r.district.id, "name": r.district.name, "budget_pence": r.district.budget_pence,
            "money_used_pence": r.money_used_pence, "ballots": r.ballots,
            "projects": [{"id": row.proposal_id, "title": row.proposal.title,
                          "cost_pence": row.proposal.cost_pence, "supporters": row.supporters,
                          "score": int(row.score), "selected": bool(row.selected)}
                         for row in r.rows]}
            for r in results.round_results(db.session, voting_round)],
    }
