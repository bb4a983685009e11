"""A grants round's resident vote, end to end: the panel's shortlist becomes projects in a
voting round, residents vote, and the published result comes back as the panel's
decisions, which release commits in the ledger."""

from sqlalchemy import select

from commonpot.accounts.models import User
from grants.models import Application, Award, Round
from grants.panels.models import PanelDecision
from grants.states import RoundPhase
from payments.models import LedgerEntry
from payments.states import EntryType
from tests.helpers import post_form, sign_in
from tests.panels import factories as f
from tests.voting.factories import ADULT_BIRTHDAY, NORTH_POSTCODE, count_now
from tests.voting.factories import create_round as create_voting_round
from voting import operations as voting
from voting.models import Proposal, VotingRound
from voting.states import RoundState


def test_shortlist_goes_to_the_vote_and_the_result_comes_back_as_decisions(
        client, db_scope, make_user):
    chair = make_user("chair@example.org")
    applicant = make_user("applicant@example.org")
    voters = [make_user(f"voter{i}@example.org") for i in range(4)]
    with db_scope() as s:
        fund = f.create_fund(s)
        round_ = f.create_round(s, fund, budget_pence=1_500_000, uses_voting=True)
        group = f.create_group(s, "Riverside Gardeners", members=[applicant])
        apps = {title: f.create_application(s, round_, group, creator_id=applicant, title=title,
                                            requested_pence=pence).id
                for title, pence in (("Allotment", 600_000), ("Bandstand", 500_000),
                                     ("Cycle racks", 300_000))}
        f.create_panel(s, round_, chair_id=chair, member_ids=[], resident_ids=[])
        # Whole town £10,000 (area-wide), plus North and South, all empty of projects.
        voting_round_id = create_voting_round(s, fund_id=fund.id, state=RoundState.PROPOSALS,
                                              projects=(), max_choices=1).id
        round_id = round_.id

    sign_in(client, "chair@example.org")
    post_form(client, f"/panels/rounds/{round_id}/shortlist", {"application_ids": list(apps.values())})
    sent = post_form(client, f"/vote/grant-rounds/{round_id}/shortlist/send",
                     {"voting_round_id": voting_round_id}, follow_redirects=True)
    assert "3 projects added" in sent.get_data(as_text=True)
    # Sending again adds nothing twice.
    post_form(client, f"/vote/grant-rounds/{round_id}/shortlist/send", {"voting_round_id": voting_round_id})

    with db_scope() as s:
        voting_round = s.get(VotingRound, voting_round_id)
        proposals = {p.title: p for p in voting_round.proposals}
        assert {t: p.source_application_id for t, p in proposals.items()} == apps
        assert {t: p.cost_pence for t, p in proposals.items()} == {
            "Allotment": 600_000, "Bandstand": 500_000, "Cycle racks": 300_000}
        voting.transition(s, "system", voting_round, RoundState.REVIEW)
        for proposal in proposals.values():
            voting.review_proposal(s, "system", proposal, feasible=True, reason="Checked.",
                                   cost_pence=proposal.cost_pence)
        voting.transition(s, "system", voting_round, RoundState.VOTING)
        whole_town = voting_round.area_wide.id
        # Greedy: Allotment (2 votes, £6,000) first; Bandstand and Cycle racks tie on one
        # vote each and Bandstand's lower id goes first, but £5,000 no longer fits in the
        # £4,000 left, so Cycle racks (£3,000) is funded instead.
        picks = ["Allotment", "Allotment", "Bandstand", "Cycle racks"]
        for voter_id, title in zip(voters, picks, strict=True):
            user = s.get(User, voter_id)
            voting.set_resident_details(s, user, postcode=NORTH_POSTCODE, date_of_birth=ADULT_BIRTHDAY)
            voting.cast_online(s, user, voting_round, {whole_town: {proposals[title].id: 1}})
        voting.transition(s, "system", voting_round, RoundState.COUNTING)
        count_now(s, voting_round)
        voting.transition(s, "system", voting_round, RoundState.PUBLISHED)
        s.get(Round, round_id).phase = RoundPhase.DECIDING

    meeting = client.get(f"/panels/rounds/{round_id}/meeting").get_data(as_text=True)
    assert "What residents decided" in meeting
    done = post_form(client, f"/vote/grant-rounds/{round_id}/vote-decisions", follow_redirects=True)
    assert "2 awarded, 1 declined" in done.get_data(as_text=True)

    with db_scope() as s:
        decisions = {s.get(Application, d.application_id).title: d
                     for d in s.scalars(select(PanelDecision))}
        assert decisions["Allotment"].outcome == "award" and decisions["Allotment"].amount_pence == 600_000
        assert decisions["Cycle racks"].outcome == "award"
        assert decisions["Bandstand"].outcome == "decline"
        assert decisions["Bandstand"].feedback.startswith("Residents' vote:")
        assert s.scalar(select(Proposal).where(Proposal.title == "Bandstand")) is not None

    assert post_form(client, f"/panels/rounds/{round_id}/release").status_code == 302
    with db_scope() as s:
        assert s.get(Round, round_id).phase == RoundPhase.DECIDED
        assert sorted(a.amount_pence for a in s.scalars(select(Award))) == [300_000, 600_000]
        committed = s.scalars(select(LedgerEntry.amount_pence).where(
            LedgerEntry.entry_type == EntryType.AWARD_COMMITTED)).all()
        assert sorted(committed) == [300_000, 600_000]
