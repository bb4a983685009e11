"""Residents voting online: eligibility, casting, receipts, changing a vote."""

import json
import re
from datetime import date

from sqlalchemy import select

from tests.helpers import post_form, sign_in
from tests.voting.factories import (
    OUTSIDE_POSTCODE,
    SOUTH_POSTCODE,
    ballot_data,
    counts,
    district_ids,
    make_voter,
    open_round,
    project_ids,
)
from voting.models import Ballot, VoterRollEntry, VotingRound


def _round(session, round_id):
    voting_round = session.get(VotingRound, round_id)
    ids, projects = district_ids(voting_round), project_ids(voting_round)
    session.rollback()
    return ids, projects


def test_resident_declares_details_then_votes_and_gets_a_receipt(client, session, make_user, voting_round):
    make_user("rosa@example.org")
    sign_in(client, "rosa@example.org")
    page = client.get(f"/vote/{voting_round}/ballot")
    assert page.status_code == 403
    assert "Tell us your postcode and date of birth" in page.get_data(as_text=True)

    response = post_form(client, f"/vote/{voting_round}/details",
                         {"postcode": "rt2 2bb", "date_of_birth": "1990-03-27"})
    assert response.status_code == 302
    ballot_page = client.get(f"/vote/{voting_round}/ballot").get_data(as_text=True)
    assert "Youth club kit" in ballot_page and "Riverside path" in ballot_page
    assert "Benches on the green" not in ballot_page  # North's projects are not on a South ballot

    districts, projects = _round(session, voting_round)
    choices = {districts["South"]: {projects["Street trees"]: 1},
               districts["Whole town"]: {projects["Riverside path"]: 1}}
    response = post_form(client, f"/vote/{voting_round}/ballot", ballot_data(choices))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "your vote is cast" in text
    ballot = session.scalars(select(Ballot)).one()
    assert ballot.receipt in text
    assert json.loads(ballot.choices) == {
        str(districts["South"]): {str(projects["Street trees"]): 1},
        str(districts["Whole town"]): {str(projects["Riverside path"]): 1}}
    roll = session.scalars(select(VoterRollEntry)).one()
    assert roll.district_id == districts["South"] and roll.channel == "online"
    session.rollback()

    again = post_form(client, f"/vote/{voting_round}/ballot", ballot_data(choices))
    assert again.status_code == 409
    assert "already voted" in again.get_data(as_text=True)
    assert counts(session) == (1, 1)


def test_postcode_outside_the_area_is_refused(client, session, make_user, voting_round):
    make_voter(make_user, session, "away@example.org", postcode=OUTSIDE_POSTCODE)
    sign_in(client, "away@example.org")
    districts, projects = _round(session, voting_round)
    response = post_form(client, f"/vote/{voting_round}/ballot",
                         ballot_data({districts["North"]: {projects["Playground repairs"]: 1}}))
    assert response.status_code == 403
    assert "The postcode ZZ9 9ZZ is not in the area of this vote" in response.get_data(as_text=True)
    assert counts(session) == (0, 0)


def test_under_age_resident_is_refused(client, session, make_user, voting_round):
    today = date.today()
    make_voter(make_user, session, "young@example.org", postcode=SOUTH_POSTCODE,
               born=date(today.year - 15, 1, 1))
    sign_in(client, "young@example.org")
    districts, projects = _round(session, voting_round)
    response = post_form(client, f"/vote/{voting_round}/ballot",
                         ballot_data({districts["South"]: {projects["Street trees"]: 1}}))
    assert response.status_code == 403
    assert "You must be 16 or older to vote in this round" in response.get_data(as_text=True)
    assert counts(session) == (0, 0)


def test_unverified_email_cannot_vote(client, session, make_user, voting_round):
    make_user("unverified@example.org", verified=False)
    sign_in(client, "unverified@example.org")
    # Unverified accounts are not residents: the route itself refuses them.
    assert client.get(f"/vote/{voting_round}/ballot").status_code == 403
    assert counts(session) == (0, 0)


def test_update_totals_round_trip_shows_remaining_budget_without_storing(client, session, make_user):
    round_id = open_round(session, ballot_type="knapsack", max_choices=None)
    make_voter(make_user, session, "k@example.org")
    sign_in(client, "k@example.org")
    districts, projects = _round(session, round_id)
    data = ballot_data({districts["North"]: {projects["Playground repairs"]: 1}}, kind="knapsack")
    data.pop("cast")
    data["update"] = "1"
    response = post_form(client, f"/vote/{round_id}/ballot", data)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "You have chosen £6,000" in text and "£4,000</strong> of the budget is left" in text
    assert counts(session) == (0, 0)


def test_change_with_own_secret_replaces_the_ballot_and_without_it_is_refused(client, session,
                                                                              make_user):
    round_id = open_round(session, allow_revote=True)
    make_voter(make_user, session, "changer@example.org")
    sign_in(client, "changer@example.org")
    districts, projects = _round(session, round_id)
    north = districts["North"]
    first = post_form(client, f"/vote/{round_id}/ballot",
                      ballot_data({north: {projects["Benches on the green"]: 1}}))
    text = first.get_data(as_text=True)
    receipt = session.scalars(select(Ballot.receipt)).one()
    session.rollback()
    assert receipt in text
    secret = re.search(r'id="change-secret">([A-Z0-9-]+)<', text).group(1)

    new_choice = {north: {projects["Library garden"]: 1, projects["Playground repairs"]: 1}}
    refused = post_form(client, f"/vote/{round_id}/change", ballot_data(new_choice))
    assert refused.status_code == 400
    assert "Enter the change secret" in refused.get_data(as_text=True)
    with_receipt = post_form(client, f"/vote/{round_id}/change",
                             ballot_data(new_choice, secret=receipt))
    assert with_receipt.status_code == 400
    assert "That change secret does not match your ballot" in with_receipt.get_data(as_text=True)
    ballot = session.scalars(select(Ballot)).one()
    assert json.loads(ballot.choices)[str(north)] == {str(projects["Benches on the green"]): 1}
    session.rollback()

    changed = post_form(client, f"/vote/{round_id}/change",
                        ballot_data(new_choice, secret=secret.lower().replace("-", " ")))
    assert changed.status_code == 200
    assert "Your vote is changed" in changed.get_data(as_text=True)
    ballot = session.scalars(select(Ballot)).one()
    assert ballot.receipt == receipt
    assert json.loads(ballot.choices)[str(north)] == {
        str(projects["Library garden"]): 1, str(projects["Playground repairs"]): 1}
    session.rollback()
    assert counts(session) == (1, 1)


def test_revote_is_refused_when_the_round_does_not_allow_it(client, session, make_user, voting_round):
    make_voter(make_user, session, "once@example.org")
    sign_in(client, "once@example.org")
    assert client.get(f"/vote/{voting_round}/change").status_code == 404


def test_voting_is_refused_once_closed(client, session, make_user):
    round_id = open_round(session, state="counting")
    make_voter(make_user, session, "late@example.org")
    sign_in(client, "late@example.org")
    response = client.get(f"/vote/{round_id}/ballot")
    assert response.status_code == 409
    assert "Voting is not open" in response.get_data(as_text=True)
