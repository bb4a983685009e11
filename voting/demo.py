"""Demo voting round: Rivertown's two districts, eight projects, a few ballots already cast,
and the demo resident living in the area so they can vote."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

DEMO_TITLE = "Rivertown Decides 2026"

_PROJECTS = [  # (district, title, summary, where, cost lines: (item, pence))
    ("Northbank", "Benches along the towpath", "Six benches between the lock and the bridge.",
     "The towpath from Mill Lock to Northbank Bridge",
     [("Six hardwood benches", 330_000), ("Concrete bases and fitting", 120_000)]),
    ("Northbank", "Playground resurfacing", "Safe rubber surface under the swings at Mill Park.",
     "Mill Park playground",
     [("Rubber safety surface, 120 m²", 780_000), ("Removing the old surface", 120_000)]),
    ("Northbank", "Community fridge", "A fridge and shelves at the library to share surplus food.",
     "Northbank Library", [("Commercial fridge", 150_000), ("Shelving", 40_000),
                           ("Food hygiene training for volunteers", 60_000)]),
    ("Northbank", "Wildflower verges", "Sow and care for wildflowers on four roadside verges.",
     "Four verges on Canal Street",
     [("Seed and plug plants", 120_000), ("Two years of mowing and care", 180_000)]),
    ("Southfields", "Youth club equipment", "Table tennis, music kit and games for the youth club.",
     "Southfields Youth Club",
     [("Table tennis table", 90_000), ("Music kit", 200_000), ("Board games", 60_000)]),
    ("Southfields", "Street trees on Station Road", "Twelve trees with three years of watering.",
     "Station Road", [("Twelve street trees with guards", 560_000), ("Three years of watering", 240_000)]),
    ("Southfields", "Repair café tools", "Tools and a cabinet for the monthly repair café.",
     "Southfields Community Centre", [("Tools", 110_000), ("Lockable cabinet", 40_000)]),
    ("Southfields", "Bus shelter mural", "Local artists paint the Station Road bus shelter.",
     "The bus shelter on Station Road",
     [("Artists' fees", 150_000), ("Paint and anti-graffiti coat", 50_000)]),
]

_POSTCODES = "postcode,district\nRT1 1AA,Northbank\nRT1 2AB,Northbank\nRT1 3CD,Northbank\n" \
             "RT2 1AA,Southfields\nRT2 2BB,Southfields\nRT2 3CD,Southfields\n"

# Demo people who have already voted: (email, postcode, projects they chose).
_VOTERS = [
    ("member@demo.commonpot.org", "RT1 2AB", ["Benches along the towpath", "Community fridge"]),
    ("group@demo.commonpot.org", "RT1 3CD", ["Playground resurfacing", "Wildflower verges"]),
    ("chair@demo.commonpot.org", "RT2 1AA", ["Street trees on Station Road", "Repair café tools"]),
    ("panel@demo.commonpot.org", "RT2 3CD", ["Youth club equipment", "Bus shelter mural",
                                            "Repair café tools"]),
]


def seed(session: Session) -> bool:
    from commonpot.demo import demo_user
    from grants.models import Fund
    from voting import operations
    from voting.ballots import BallotType
    from voting.models import VotingRound
    from voting.operations import RoundSettings
    from voting.proposals import CostLine, submit_proposal
    from voting.secrecy import reshuffle
    from voting.states import RoundState

    if session.scalar(select(VotingRound).where(VotingRound.title == DEMO_TITLE)):
        return False
    fund = session.scalar(select(Fund).where(Fund.slug == "rivertown-neighbourhood-fund"))
    if fund is None:
        return False
    manager = demo_user(session, "manager@demo.commonpot.org")
    voting_round = operations.create_round(session, manager, fund.id, RoundSettings(
        title=DEMO_TITLE,
        description="Residents of Rivertown choose which neighbourhood projects get funded. "
                    "Choose up to three projects in your district.",
        ballot_type=BallotType.APPROVAL, counting_rule="greedy", max_choices=3, minimum_age=16,
        allow_online=True, allow_codes=True, allow_paper=True, allow_revote=True))
    districts = {name: operations.add_district(session, manager, voting_round, name, budget)
                 for name, budget in (("Northbank", 1_500_000), ("Southfields", 1_200_000))}
    operations.import_postcodes(session, manager, voting_round, _POSTCODES)
    operations.transition(session, manager, voting_round, RoundState.PROPOSALS)
    residents = [demo_user(session, email) for email, _, _ in _VOTERS]
    for index, (district, title, summary, where, lines) in enumerate(_PROJECTS):
        submit_proposal(session, residents[index % len(residents)], voting_round, title=title,
                        summary=summary, location=where, district_id=districts[district].id,
                        cost_lines=[CostLine(item, pence) for item, pence in lines])
    operations.transition(session, manager, voting_round, RoundState.REVIEW)
    for proposal in voting_round.proposals:
        operations.review_proposal(session, manager, proposal, feasible=True,
                                   reason="Checked with the council's parks and highways teams.",
                                   cost_pence=proposal.cost_pence)
    operations.transition(session, manager, voting_round, RoundState.VOTING)

    titles = {p.title: p.id for p in voting_round.proposals}
    for (_, postcode, picks), user in zip(_VOTERS, residents, strict=True):
        operations.set_resident_details(session, user, postcode=postcode, date_of_birth=date(1985, 6, 1))
        home = operations.online_district(session, voting_round, user)
        operations.cast_online(session, user, voting_round, {home.id: {titles[t]: 1 for t in picks}})
    # The roll entries and ballots above were written side by side in one transaction, in
    # the same order; rewrite the ballots in a random order so their positions pair nothing.
    reshuffle(session)
    resident = demo_user(session, "resident@demo.commonpot.org")
    operations.set_resident_details(session, resident, postcode="RT1 1AA", date_of_birth=date(1992, 9, 14))
    return True
