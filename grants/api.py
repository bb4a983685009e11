"""Grants in the open API: funds (with their money figures), published rounds, and awarded
grants in the 360Giving shape. Only what the public pages already show."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from commonpot import api
from commonpot.extensions import db
from grants import giving360, money_figures, public_awards
from grants.models import Fund, Round
from grants.states import RoundPhase

_MONEY = {"type": "integer", "description": "Pence."}
_MAYBE_MONEY = {"type": ["integer", "null"],
                "description": "Pence; null where the payments ledger is not available."}

api.schema("Fund", {
    "type": "object", "additionalProperties": False,
    "required": ["slug", "name", "description", "funder", "themes", "budget_pence", "awarded_pence",
                 "awards", "raised_pence", "paid_pence", "remaining_pence", "api_url", "web_url"],
    "properties": {
        "api_url": {"type": "string"}, "web_url": {"type": "string"},
        "slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "funder": {"type": "object", "additionalProperties": False,
                   "required": ["name", "org_id", "grant_prefix"],
                   "properties": {"name": {"type": "string"}, "org_id": {"type": "string"},
                                  "grant_prefix": {"type": "string"}}},
        "themes": {"type": "array", "items": {"type": "string"}},
        "budget_pence": _MONEY, "awarded_pence": _MONEY,
        "awards": {"type": "integer", "minimum": 0},
        "raised_pence": _MAYBE_MONEY, "paid_pence": _MAYBE_MONEY, "remaining_pence": _MAYBE_MONEY,
    },
})

api.schema("Round", {
    "type": "object", "additionalProperties": False,
    "required": ["slug", "title", "description", "fund", "phase", "phase_label", "opens_at",
                 "closes_at", "min_grant_pence", "max_grant_pence", "budget_pence", "criteria",
                 "outcome", "api_url", "web_url", "grants_url"],
    "properties": {
        "api_url": {"type": "string"}, "web_url": {"type": "string"},
        "grants_url": {"type": "string", "description": "This round's awarded grants."},
        "slug": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "fund": {"type": "string", "description": "Fund slug."},
        "phase": {"type": "string", "enum": [p.value for p in RoundPhase if p != RoundPhase.DRAFT]},
        "phase_label": {"type": "string"},
        "opens_at": {"type": "string", "format": "date-time"},
        "closes_at": {"type": "string", "format": "date-time"},
        "min_grant_pence": _MONEY, "max_grant_pence": _MONEY, "budget_pence": _MONEY,
        "criteria": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["name", "description", "weight"],
            "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                           "weight": {"type": "integer"}}}},
        "outcome": {"oneOf": [{"type": "null"}, {
            "type": "object", "additionalProperties": False,
            "required": ["awards", "awarded_pence", "received", "declined", "ineligible"],
            "properties": {"awards": {"type": "integer"}, "awarded_pence": _MONEY,
                           "received": {"type": "integer"}, "declined": {"type": "integer"},
                           "ineligible": {"type": "integer"}}}]},
    },
})

_TEXT = {"type": "string"}
_ORG = {"type": "object", "required": ["id", "name"], "additionalProperties": False,
        "properties": {"id": _TEXT, "name": _TEXT, "postalCode": _TEXT, "charityNumber": _TEXT,
                       "companyNumber": _TEXT}}
_DAY = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"}

# The subset of the 360Giving grant schema these records use; the test suite also checks
# every record against the official schema.
api.schema("Grant360", {
    "type": "object", "additionalProperties": False,
    "required": ["id", "title", "description", "currency", "amountAwarded", "awardDate",
                 "recipientOrganization", "fundingOrganization", "grantProgramme", "fromOpenCall",
                 "dateModified"],
    "properties": {
        "id": _TEXT, "title": _TEXT, "description": _TEXT, "currency": {"const": "GBP"},
        "amountAppliedFor": {"type": "number"}, "amountAwarded": {"type": "number"},
        "amountDisbursed": {"type": "number"}, "awardDate": _DAY, "url": _TEXT,
        "plannedDates": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"startDate": _DAY, "endDate": _DAY}}},
        "recipientOrganization": {"type": "array", "minItems": 1, "items": _ORG},
        "fundingOrganization": {"type": "array", "minItems": 1, "items": _ORG},
        "beneficiaryLocation": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"name": _TEXT, "countryCode": _TEXT, "geoCode": _TEXT,
                           "geoCodeType": _TEXT}}},
        "grantProgramme": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["code", "title"],
            "properties": {"code": _TEXT, "title": _TEXT, "url": _TEXT}}},
        "fromOpenCall": {"enum": ["Yes", "No"]},
        "dateModified": {"type": "string", "format": "date-time"},
    },
})


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fund_dict(fund: Fund, money: dict | None, totals: dict[int, tuple[int, int]]) -> dict:
    figures = money.get(fund.id) if money is not None else None
    award_count, awarded = totals.get(fund.id, (0, 0))
    default_prefix = current_app.config.get("OPEN_DATA_360G_PREFIX") or giving360.DEFAULT_PREFIX
    return {
        "slug": fund.slug, "name": fund.name, "description": fund.description or "",
        "funder": {"name": fund.funder.name, "org_id": fund.funder.org_id,
                   "grant_prefix": giving360.funder_prefix(fund.funder, default_prefix)},
        "themes": list(fund.themes or []),
        "budget_pence": fund.budget_pence, "awarded_pence": awarded,
        "awards": award_count,
        "raised_pence": figures.raised_pence if figures else None,
        "paid_pence": figures.paid_pence if figures else None,
        "remaining_pence": (fund.budget_pence + figures.raised_pence - awarded) if figures else None,
        "api_url": f"/api/v1/funds/{fund.slug}", "web_url": f"/funds/{fund.slug}",
    }


@api.resource("/funds", name="list_funds", schema="Fund", tag="Funds", paginated=True,
              summary="Every fund, with its budget, money raised, awarded and paid")
def list_funds(page: api.PageRequest):
    total = db.session.scalar(select(func.count(Fund.id)))
    funds = list(db.session.scalars(select(Fund).options(joinedload(Fund.funder))
                                    .order_by(Fund.name, Fund.id)
                                    .limit(page.per_page).offset(page.offset)))
    ids = [f.id for f in funds]
    money = money_figures.fund_money(db.session, ids)
    totals = public_awards.fund_award_totals(db.session, ids)
    return [fund_dict(f, money, totals) for f in funds], total


@api.resource("/funds/{slug}", name="show_fund", schema="Fund", tag="Funds", summary="One fund")
def show_fund(slug: str):
    fund = db.session.scalar(select(Fund).where(Fund.slug == slug))
    if fund is None:
        return None
    return fund_dict(fund, money_figures.fund_money(db.session, [fund.id]),
                     public_awards.fund_award_totals(db.session, [fund.id]))


def round_dict(round_: Round, outcome: public_awards.OutcomeCounts | None) -> dict:
    return {
        "slug": round_.slug, "title": round_.title, "description": round_.description or "",
        "fund": round_.fund.slug, "phase": round_.phase.value, "phase_label": str(round_.phase.label),
        "opens_at": _iso(round_.opens_at), "closes_at": _iso(round_.closes_at),
        "min_grant_pence": round_.min_grant_pence, "max_grant_pence": round_.max_grant_pence,
        "budget_pence": round_.budget_pence,
        "criteria": [{"name": c.name, "description": c.description or "", "weight": c.weight}
                     for c in round_.criteria],
        "outcome": None if outcome is None else {
            "awards": outcome.awards, "awarded_pence": outcome.awarded_pence,
            "received": outcome.received, "declined": outcome.declined,
            "ineligible": outcome.ineligible},
        "api_url": f"/api/v1/rounds/{round_.slug}", "web_url": f"/grants/rounds/{round_.slug}",
        "grants_url": f"/api/v1/grants?round={round_.slug}",
    }


def _published_rounds():
    return select(Round).where(Round.phase != RoundPhase.DRAFT)


@api.resource("/rounds", name="list_rounds", schema="Round", tag="Rounds", paginated=True,
              summary="Published grant rounds, newest first",
              query=[api.Query("fund", "string", "Only this fund's rounds (its slug).")])
def list_rounds(page: api.PageRequest, query: dict):
    rounds = _published_rounds()
    if query["fund"]:
        rounds = rounds.where(Round.fund_id.in_(select(Fund.id).where(Fund.slug == query["fund"])))
    total = db.session.scalar(rounds.with_only_columns(func.count(Round.id)))
    found = list(db.session.scalars(
        rounds.options(joinedload(Round.fund), selectinload(Round.criteria))
        .order_by(Round.closes_at.desc(), Round.id.desc()).limit(page.per_page).offset(page.offset)))
    outcomes = public_awards.outcome_counts(db.session, found)
    return [round_dict(r, outcomes[r.id]) for r in found], total


@api.resource("/rounds/{slug}", name="show_round", schema="Round", tag="Rounds",
              summary="One published grant round, with its outcome once decided")
def show_round(slug: str):
    round_ = db.session.scalar(_published_rounds().where(Round.slug == slug))
    if round_ is None:
        return None
    return round_dict(round_, public_awards.outcome_counts(db.session, [round_])[round_.id])


@api.resource("/grants", name="list_grants", schema="Grant360", tag="Grants", paginated=True,
              summary="Awarded grants in the 360Giving shape, newest first",
              description="The same records as the 360Giving download; amounts in pounds.",
              query=[api.Query("q", "string", "Words in the recipient's name or the title."),
                     api.Query("fund", "string", "Fund slug."),
                     api.Query("round", "string", "Round slug."),
                     api.Query("theme", "string", "Theme, exactly."),
                     api.Query("area", "string", "Area name, exactly."),
                     api.Query("year", "integer", "Year the award was published.", minimum=1)])
def list_grants(page: api.PageRequest, query: dict):
    filters = public_awards.AwardFilters(text=query["q"], fund=query["fund"], round=query["round"],
                                         theme=query["theme"], area=query["area"], year=query["year"])
    found = public_awards.search_awards(db.session, filters, page.page, page.per_page)
    options = giving360.options_from_config(current_app.config)
    records = giving360.grant_records(db.session, found.awards, default_prefix=options["default_prefix"],
                                      base_url=options["base_url"])
    return records, found.count
