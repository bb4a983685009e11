"""Each ballot type through HTTP: broken ballots are refused with what to fix; valid ones are
stored exactly."""

import json

import pytest
from sqlalchemy import select

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, counts, district_ids, make_voter, open_round, project_ids
from voting.models import Ballot, VotingRound

# District North: Benches £3,000, Playground £6,000, Library £4,000; budget £10,000.
CASES = [
    ("approval", {"max_choices": 2},
     {"Benches on the green": 1, "Playground repairs": 1, "Library garden": 1},
     "You chose 3 projects. Choose no more than 2",
     {"Benches on the green": 1, "Library garden": 1}),
    ("knapsack", {"max_choices": None},
     {"Playground repairs": 1, "Library garden": 1, "Benches on the green": 1},
     "Your choices cost £13,000, which is £3,000 over the £10,000 budget",
     {"Playground repairs": 1, "Library garden": 1}),
    ("cumulative", {"points_total": 10, "max_points_per_project": 6, "max_choices": None},
     {"Benches on the green": 6, "Playground repairs": 5},
     "You gave 11 points but have 10 to share. Take away 1",
     {"Benches on the green": 6, "Playground repairs": 3, "Library garden": 1}),
    ("ranked", {"max_choices": 3},
     {"Benches on the green": 1, "Playground repairs": 1},
     "You gave rank 1 to more than one project",
     {"Benches on the green": 2, "Playground repairs": 1, "Library garden": 3}),
]


@pytest.mark.parametrize("kind,settings,bad,message,good", CASES, ids=[c[0] for c in CASES])
def test_ballot_rules_are_checked_on_the_server(client, session, make_user, kind, settings, bad,
                                                 message, good):
    round_id = open_round(session, ballot_type=kind, area_wide=False, **settings)
    voting_round = session.get(VotingRound, round_id)
    north, projects = district_ids(voting_round)["North"], project_ids(voting_round)
    session.rollback()
    make_voter(make_user, session, f"{kind}@example.org")
    sign_in(client, f"{kind}@example.org")

    refused = post_form(client, f"/vote/{round_id}/ballot",
                        ballot_data({north: {projects[t]: v for t, v in bad.items()}}, kind=kind))
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert counts(session) == (0, 0)

    accepted = post_form(client, f"/vote/{round_id}/ballot",
                         ballot_data({north: {projects[t]: v for t, v in good.items()}}, kind=kind))
    assert accepted.status_code == 200
    stored = json.loads(session.scalars(select(Ballot.choices)).one())
    session.rollback()
    assert stored == {str(north): {str(projects[t]): v for t, v in good.items()}}


def test_too_many_points_on_one_project_and_too_few_approvals(client, session, make_user):
    round_id = open_round(session, ballot_type="cumulative", area_wide=False, points_total=10,
                          max_points_per_project=4, max_choices=None)
    voting_round = session.get(VotingRound, round_id)
    north, projects = district_ids(voting_round)["North"], project_ids(voting_round)
    session.rollback()
    make_voter(make_user, session, "points@example.org")
    sign_in(client, "points@example.org")
    refused = post_form(client, f"/vote/{round_id}/ballot", ballot_data(
        {north: {projects["Library garden"]: 5}}, kind="cumulative"))
    assert refused.status_code == 400
    assert "You gave 5 points to “Library garden”; one project can have at most 4" in \
        refused.get_data(as_text=True)
    assert counts(session) == (0, 0)
