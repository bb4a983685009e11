"""Winning resident-vote proposals are delivered in the open: a public page per winner with
status, dated milestones with photos, money spent against cost and the team's updates; the
results page links to them and says how many are done."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy import select

from commonpot.accounts import operations as accounts
from commonpot.audit import AuditEvent
from tests.helpers import post_form, sign_in
from tests.voting.factories import ADULT_BIRTHDAY, NORTH_POSTCODE, count_now, create_fund, create_round
from voting import operations as voting
from voting.delivery import DeliveryStatus, ProposalDelivery
from voting.models import ResultRow
from voting.states import RoundState

PNG = b"\x89PNG\r\n\x1a\n milestone"


def _published_round(session, make_user):
    fund = create_fund(session)
    session.commit()
    make_user("manager@example.org", fund_roles=[(fund.id, "fund_manager")])
    voting_round = create_round(session, fund_id=fund.id, state=RoundState.VOTING, area_wide=False)
    voter = accounts.register(session, email="voter@example.org", display_name="Voter",
                              password="correct-horse-battery")
    accounts.verify_email(session, voter)
    voting.set_resident_details(session, voter, postcode=NORTH_POSTCODE, date_of_birth=ADULT_BIRTHDAY)
    home = voting.online_district(session, voting_round, voter)
    north = [p for p in voting_round.proposals if p.district_id == home.id]
    voting.cast_online(session, voter, voting_round, {home.id: {north[0].id: 1, north[1].id: 1}})
    voting.transition(session, "system", voting_round, RoundState.COUNTING)
    count_now(session, voting_round)
    voting.transition(session, "system", voting_round, RoundState.PUBLISHED)
    session.commit()
    winners = [r.proposal_id for r in session.scalars(select(ResultRow).where(
        ResultRow.round_id == voting_round.id, ResultRow.selected).order_by(ResultRow.proposal_id))]
    losers = [r.proposal_id for r in session.scalars(select(ResultRow).where(
        ResultRow.round_id == voting_round.id, ResultRow.selected.is_(False)))]
    return voting_round.id, winners, losers


def test_a_winner_is_delivered_in_the_open(session, client, make_client, make_user):
    round_id, winners, losers = _published_round(session, make_user)
    assert len(winners) >= 2 and losers
    first, count = winners[0], len(winners)
    results = client.get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert f"0 of {count}" in results and f"/vote/proposals/{first}/delivery" in results
    assert client.get(f"/vote/proposals/{losers[0]}/delivery").status_code == 404

    public = make_client()
    page = public.get(f"/vote/proposals/{first}/delivery").get_data(as_text=True)
    assert "Planned" in page and "Keep this page up to date" not in page
    assert post_form(public, f"/vote/proposals/{first}/delivery",
                     {"status": "done", "spent": "1"}).status_code in (302, 401)

    sign_in(client, "manager@example.org")
    url = f"/vote/proposals/{first}/delivery"
    post_form(client, url, {"status": "in_progress", "spent": "1,250.50", "team_name": "Parks team",
                            "reason": "Contractor booked"})
    post_form(client, url + "/updates", {"body": "The benches arrive on Monday."})
    refused = post_form(client, url + "/milestones", {
        "title": "Benches installed", "happened_on": "2026-11-20",
        "photo": (BytesIO(PNG), "benches.png")}, content_type="multipart/form-data",
        follow_redirects=True).get_data(as_text=True)
    assert "Confirm that everyone in the photo agreed" in refused
    post_form(client, url + "/milestones", {
        "title": "Benches installed", "happened_on": "2026-11-20", "photo_consent": "y",
        "photo": (BytesIO(PNG), "benches.png")}, content_type="multipart/form-data")
    post_form(client, url, {"status": "done", "spent": "4400", "team_name": "Parks team"})
    bad = post_form(client, url, {"status": "done", "spent": "lots"}, follow_redirects=True)
    assert "Enter the money spent in pounds" in bad.get_data(as_text=True)

    session.rollback()
    record = session.scalar(select(ProposalDelivery).where(ProposalDelivery.proposal_id == first))
    assert record.status == DeliveryStatus.DONE and record.spent_pence == 440_000
    assert len(record.milestones) == 1 and record.milestones[0].photo_consent

    page = public.get(url).get_data(as_text=True)
    assert "Done" in page and "£4,400" in page and "Benches installed" in page
    assert "The benches arrive on Monday." in page and "20 November 2026" in page
    photo = public.get(f"{url}/milestones/{record.milestones[0].id}/photo")
    assert photo.data == PNG and photo.mimetype == "image/png"
    assert f"1 of {count}" in public.get(f"/vote/{round_id}/results").get_data(as_text=True)
    actions = [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "proposal", AuditEvent.subject_id == str(first)))]
    assert actions.count("voting.delivery_updated") == 2
    assert "voting.delivery_milestone_added" in actions and "voting.delivery_update_posted" in actions
