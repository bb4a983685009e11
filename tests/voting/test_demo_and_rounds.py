"""The round's state machine, proposals, and the demo data."""

import pytest
from sqlalchemy import func, select

from commonpot.audit import AuditEvent
from commonpot.demo import seed_demo
from tests.helpers import post_form, sign_in
from tests.voting.factories import create_fund, fresh_browser, open_round, switch_to
from voting import operations
from voting.models import Ballot, Proposal, VoterRollEntry, VotingRound
from voting.states import TRANSITIONS, IllegalRoundTransition, RoundState


@pytest.mark.parametrize("current", list(RoundState))
def test_only_the_next_phase_is_allowed(current):
    from voting.states import check_transition

    for target in RoundState:
        if TRANSITIONS.get(current) == target:
            check_transition(current, target)
        else:
            with pytest.raises(IllegalRoundTransition):
                check_transition(current, target)


def test_manager_runs_a_round_from_draft_to_voting_over_http(client, session, make_user):
    fund_id = create_fund(session).id
    session.commit()
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    make_user("proposer@example.org")
    sign_in(client, "boss@example.org")
    created = post_form(client, "/vote/new", {
        "fund_id": fund_id, "title": "Park money", "ballot_type": "knapsack", "counting_rule": "greedy",
        "min_choices": 0, "min_share_percent": 0, "points_total": 10, "minimum_age": 16,
        "allow_online": "y"})
    assert created.status_code == 302
    round_id = int(created.headers["Location"].split("/")[-2])
    assert post_form(client, f"/vote/{round_id}/advance", {"target": "proposals"}).status_code == 409
    post_form(client, f"/vote/{round_id}/districts", {"name": "Park", "budget": "5,000"})
    skip = post_form(client, f"/vote/{round_id}/advance", {"target": "voting"})
    assert skip.status_code == 409 and "cannot move to" in skip.get_data(as_text=True)
    assert post_form(client, f"/vote/{round_id}/advance", {"target": "proposals"}).status_code == 302

    resident = fresh_browser(client.application)
    sign_in(resident, "proposer@example.org")
    district_id = session.scalar(select(VotingRound).where(VotingRound.id == round_id)).districts[0].id
    session.rollback()
    sent = post_form(resident, f"/vote/{round_id}/propose", {
        "title": "Pond dipping platform", "summary": "A safe platform for school visits.",
        "location": "The pond in Rivertown Park", "lines-0-item": "Timber platform and rail",
        "lines-0-amount": "1,800", "district_id": district_id, "group_id": 0})
    assert sent.status_code == 302

    switch_to(client)
    assert post_form(client, f"/vote/{round_id}/advance", {"target": "review"}).status_code == 302
    proposal_id = session.scalar(select(Proposal.id))
    session.rollback()
    no_reason = post_form(client, f"/vote/proposals/{proposal_id}/review", {"decision": "feasible"})
    assert no_reason.status_code == 200 and "Give the reason" in no_reason.get_data(as_text=True)
    post_form(client, f"/vote/proposals/{proposal_id}/review", {
        "decision": "feasible", "reason": "Parks team agree", "cost": "2,100"})
    assert session.get(Proposal, proposal_id).cost_pence == 210_000
    session.rollback()
    blocked = post_form(client, f"/vote/{round_id}/advance", {"target": "voting"})
    assert "Import the area" in blocked.get_data(as_text=True)
    from io import BytesIO
    post_form(client, f"/vote/{round_id}/postcodes",
              {"file": (BytesIO(b"postcode,district\nrt9 9aa,Park\n"), "postcodes.csv")},
              content_type="multipart/form-data")
    assert post_form(client, f"/vote/{round_id}/advance", {"target": "voting"}).status_code == 302
    actions = session.scalars(select(AuditEvent.payload).where(
        AuditEvent.action == "voting.round_transition")).all()
    session.rollback()
    assert len(actions) == 3


def test_shortlist_proposals_are_added_once(session, make_user):
    from tests.panels import factories as grants_world

    creator = make_user("applicant@example.org")
    grant_round = grants_world.create_round(session, grants_world.create_fund(session))
    application = grants_world.create_application(
        session, grant_round, grants_world.create_group(session, members=[creator]), creator_id=creator)
    # The proposal's source is a real application: the database holds the link as a key.
    application_id = application.id
    session.commit()
    round_id = open_round(session, state=RoundState.DRAFT)
    voting_round = session.get(VotingRound, round_id)
    items = [{"title": "Food bank van", "summary": "A van.", "cost_pence": 400_000, "group_id": None,
              "source_application_id": application_id}]
    assert len(operations.add_proposals_from_shortlist(session, "system", voting_round, items)) == 1
    assert operations.add_proposals_from_shortlist(session, "system", voting_round, items) == []
    added = session.scalar(select(Proposal).where(Proposal.source_application_id == application_id))
    assert added.district == voting_round.area_wide
    session.rollback()


def test_demo_seed_creates_a_round_the_resident_can_vote_in_and_is_idempotent(client, session):
    assert seed_demo(session) is True
    session.commit()
    rounds = session.scalars(select(VotingRound)).all()
    assert len(rounds) == 1 and rounds[0].state == RoundState.VOTING
    assert len(rounds[0].proposals) == 8 and len(rounds[0].districts) == 2
    assert session.scalar(select(func.count()).select_from(Ballot)) == 4
    round_id = rounds[0].id
    session.rollback()
    assert seed_demo(session) is False
    session.commit()
    assert session.scalar(select(func.count(VoterRollEntry.id))) == 4
    session.rollback()
    from commonpot.demo import DEMO_PASSWORD
    sign_in(client, "resident@demo.commonpot.org", DEMO_PASSWORD)
    page = client.get(f"/vote/{round_id}/ballot")
    assert page.status_code == 200 and "Benches along the towpath" in page.get_data(as_text=True)
