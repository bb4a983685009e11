"""Build voting rounds through the real operations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from grants.models import Fund, Funder
from voting import operations
from voting.ballots import BallotType
from voting.models import VotingRound
from voting.operations import RoundSettings
from voting.states import RoundState

NORTH_POSTCODE = "RT1 1AA"
SOUTH_POSTCODE = "RT2 2BB"
OUTSIDE_POSTCODE = "ZZ9 9ZZ"
ADULT_BIRTHDAY = date(1980, 5, 17)


def create_fund(session, slug="voting-fund") -> Fund:
    fund = session.scalar(select(Fund).where(Fund.slug == slug))
    if fund:
        return fund
    funder = Funder(name=f"Funder {slug}", identifier_prefix=f"360G-{slug}", org_id=f"GB-{slug}")
    session.add(funder)
    session.flush()
    fund = Fund(funder_id=funder.id, name=f"Fund {slug}", slug=slug, budget_pence=10_000_000)
    session.add(fund)
    session.flush()
    return fund


# (district, title, cost in pence)
DEFAULT_PROJECTS = [
    ("North", "Benches on the green", 300_000),
    ("North", "Playground repairs", 600_000),
    ("North", "Library garden", 400_000),
    ("South", "Street trees", 500_000),
    ("South", "Youth club kit", 250_000),
    ("Whole town", "Riverside path", 800_000),
]


def create_round(session, *, fund_id=None, state=RoundState.VOTING, ballot_type=BallotType.APPROVAL,
                 area_wide=True, projects=DEFAULT_PROJECTS, **settings) -> VotingRound:
    """A round with districts North (£10,000) and South (£6,000), optionally a £10,000
    area-wide budget, feasible projects, and postcodes; moved on to `state`."""
    if fund_id is None:
        fund_id = create_fund(session).id
    values = {"title": "Rivertown decides", "ballot_type": ballot_type, "max_choices": 3,
              "allow_codes": True, "allow_paper": True}
    values.update(settings)
    voting_round = operations.create_round(session, "system", fund_id, RoundSettings(**values))
    districts = {
        "North": operations.add_district(session, "system", voting_round, "North", 1_000_000),
        "South": operations.add_district(session, "system", voting_round, "South", 600_000),
    }
    if area_wide:
        districts["Whole town"] = operations.add_district(session, "system", voting_round, "Whole town",
                                                          1_000_000, is_area_wide=True)
    operations.import_postcodes(session, "system", voting_round,
                                f"postcode,district\n{NORTH_POSTCODE},North\n{SOUTH_POSTCODE},South\n")
    order = [RoundState.PROPOSALS, RoundState.REVIEW, RoundState.VOTING, RoundState.COUNTING,
             RoundState.PUBLISHED]
    for district, title, cost in projects:
        if district not in districts:
            continue
        operations.add_proposals_from_shortlist(session, "system", voting_round, [
            {"title": title, "summary": f"{title} for Rivertown.", "cost_pence": cost,
             "group_id": None, "source_application_id": None, "district_id": districts[district].id}])
    if state == RoundState.DRAFT:
        return voting_round
    operations.transition(session, "system", voting_round, RoundState.PROPOSALS)
    if state == RoundState.PROPOSALS:
        return voting_round
    operations.transition(session, "system", voting_round, RoundState.REVIEW)
    if state == RoundState.REVIEW:
        return voting_round
    for proposal in voting_round.proposals:
        operations.review_proposal(session, "system", proposal, feasible=True,
                                   reason="Checked with the council.", cost_pence=proposal.cost_pence)
    for target in order[order.index(RoundState.VOTING):order.index(state) + 1]:
        if target == RoundState.PUBLISHED:
            count_now(session, voting_round)
        operations.transition(session, "system", voting_round, target)
    return voting_round


def count_now(session, voting_round) -> None:
    """Do the closed round's count in this transaction: the work of the count job, which the
    close queued and which, run later, finds it done. For arranging a published round; tests
    of the close itself go through the job."""
    from voting.closing import count_closed_round

    count_closed_round(session, voting_round)


def district_ids(voting_round) -> dict[str, int]:
    return {d.name: d.id for d in voting_round.districts}


def project_ids(voting_round) -> dict[str, int]:
    return {p.title: p.id for p in voting_round.proposals}


def make_voter(make_user, session, email, postcode=NORTH_POSTCODE, born=ADULT_BIRTHDAY):
    from commonpot.accounts.models import User

    session.rollback()  # SQLite: let make_user's own session write
    user_id = make_user(email)
    if postcode:
        operations.set_resident_details(session, session.get(User, user_id), postcode=postcode,
                                        date_of_birth=born)
        session.commit()
    return user_id


def ballot_data(choices: dict[int, dict[int, int]], kind: BallotType = BallotType.APPROVAL,
                **extra) -> dict:
    """Form values for a ballot: {district id: {project id: value}} -> what a browser sends."""
    data: dict = {"cast": "1", **extra}
    for district_id, picked in choices.items():
        prefix = f"d{district_id}-"
        if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
            data[f"{prefix}choice"] = [str(p) for p in picked]
        else:
            field = "points" if kind == BallotType.CUMULATIVE else "rank"
            for project_id, value in picked.items():
                data[f"{prefix}{field}-{project_id}"] = str(value)
    return data


def counts(session) -> tuple[int, int]:
    """(voter roll entries, ballots), ending the read so the app can write (SQLite)."""
    from sqlalchemy import func

    from voting.models import Ballot, VoterRollEntry

    result = (session.scalar(select(func.count(VoterRollEntry.id))),
              session.scalar(select(func.count()).select_from(Ballot)))
    session.rollback()
    return result


def open_round(session, **kwargs) -> int:
    """create_round, committed; returns the id with no transaction left open (SQLite locks)."""
    round_id = create_round(session, **kwargs).id
    session.commit()
    return round_id


def switch_to(browser):
    """Use another browser. While the `session` fixture holds the app context, requests share
    its `g`, where Flask-WTF caches a CSRF token and Flask-Login the signed-in user: forget
    both so the next request reads this browser's own cookie."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop("csrf_token", None)
        g.pop("_login_user", None)
    return browser


def fresh_browser(app):
    return switch_to(app.test_client())
