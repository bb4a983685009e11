"""A voting round's counting options: chosen in its settings, used by the count, said in plain
words on the results page, and written into the published .pb so anyone can recount."""

import json

from sqlalchemy import select

from tests.helpers import post_form, sign_in
from tests.voting.factories import create_fund, create_round
from voting.counting import count, parse_pb
from voting.models import ResultRow, VotingRound
from voting.states import RoundState

FORM = {"title": "Park money", "ballot_type": "approval", "counting_rule": "equalshares/add1",
        "min_choices": 0, "min_share_percent": 0, "points_total": 10, "minimum_age": 16,
        "allow_online": "y"}


def test_manager_chooses_counting_options_in_the_round_settings(client, session, make_user):
    fund_id = create_fund(session).id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    sign_in(client, "boss@example.org")
    created = post_form(client, "/vote/new", {**FORM, "fund_id": fund_id, "tie_breaking": "maxVotes,minCost",
                                              "completion": "add1u", "add1": "none", "add1_step": "1",
                                              "comparison": "satisfaction"})
    assert created.status_code == 302
    stored = session.scalar(select(VotingRound.counting_options))
    session.rollback()
    assert json.loads(stored) == {"tie_breaking": ["maxVotes", "minCost"], "completion": "add1u",
                                  "add1": [], "increment": "100", "comparison": "satisfaction"}
    round_id = int(created.headers["Location"].split("/")[-2])
    page = client.get(f"/vote/{round_id}/edit").get_data(as_text=True)
    assert '<option selected value="maxVotes,minCost">' in page
    assert '<option selected value="add1u">' in page
    # A choice the form does not offer changes nothing.
    refused = post_form(client, f"/vote/{round_id}/edit", {**FORM, "tie_breaking": "mostLikes"})
    assert refused.status_code == 400
    assert session.scalar(select(VotingRound.counting_options)) == stored
    session.rollback()


def test_round_counts_with_its_threshold_and_says_so(client, session):
    # No ballots at all: every project has 0 votes.  Plain greedy would still fund what
    # fits; with a threshold of 1 vote nothing can win.
    voting_round = create_round(session, state=RoundState.PUBLISHED, area_wide=False,
                                counting_rule="greedy-threshold", counting_options='{"threshold": "1"}')
    session.commit()
    rows = session.scalars(select(ResultRow).where(ResultRow.round_id == voting_round.id)).all()
    assert rows and not any(r.selected for r in rows)
    assert rows[0].explanation == "Not eligible: it had 0 votes, under the threshold of 1 vote."
    district = voting_round.districts[0]
    session.rollback()
    page = client.get(f"/vote/{voting_round.id}/results").get_data(as_text=True)
    assert "Greedy with a vote threshold" in page
    assert "A project needs at least 1 vote to win." in page
    pb = client.get(f"/vote/{voting_round.id}/districts/{district.id}.pb").get_data(as_text=True)
    election = parse_pb(pb)
    assert election.meta["min_project_score_threshold"] == "1"
    assert count(election, "official").selected == ()
