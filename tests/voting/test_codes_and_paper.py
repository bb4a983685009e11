"""Voting with single-use codes, and paper ballots entered by stewards."""

import csv
import io

from sqlalchemy import select

from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, counts, district_ids, fresh_browser, project_ids
from voting.models import PaperKeying, VoterRollEntry, VotingCode, VotingRound


def _ids(session, round_id):
    voting_round = session.get(VotingRound, round_id)
    result = district_ids(voting_round), project_ids(voting_round), voting_round.fund_id
    session.rollback()
    return result


def _codes(client, session, make_user, round_id, count=3):
    _, _, fund_id = _ids(session, round_id)
    districts, _, _ = _ids(session, round_id)
    make_user("boss@example.org", fund_roles=[(fund_id, "fund_manager")])
    sign_in(client, "boss@example.org")
    response = post_form(client, f"/vote/{round_id}/codes",
                         {"district_id": districts["North"], "label": "Letters", "count": count})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    client.post("/logout", data={"csrf_token": ""})  # the manager's browser is done
    return [row["code"] for row in rows]


def test_codes_are_stored_only_as_keyed_hashes(client, session, make_user, voting_round):
    codes = _codes(client, session, make_user, voting_round)
    stored = set(session.scalars(select(VotingCode.code_hash)))
    session.rollback()
    assert len(codes) == 3 and len(stored) == 3
    for code in codes:
        assert all(code.replace("-", "") not in h and code not in h for h in stored)


def test_vote_with_a_code_then_reuse_and_unknown_codes_are_refused(app, session, make_user, voting_round):
    codes = _codes(fresh_browser(app), session, make_user, voting_round)
    districts, projects, _ = _ids(session, voting_round)
    voter = fresh_browser(app)
    entered = post_form(voter, f"/vote/{voting_round}/code", {"code": codes[0].lower()})
    assert entered.status_code == 200
    assert "Benches on the green" in entered.get_data(as_text=True)
    cast = post_form(voter, f"/vote/{voting_round}/code/ballot",
                     ballot_data({districts["North"]: {projects["Benches on the green"]: 1}},
                                 code=codes[0]))
    assert cast.status_code == 200
    assert "your vote is cast" in cast.get_data(as_text=True)
    roll = session.scalars(select(VoterRollEntry)).one()
    assert roll.channel == "code" and roll.voter_key.startswith("code:")
    session.rollback()
    assert counts(session) == (1, 1)

    reused = post_form(voter, f"/vote/{voting_round}/code", {"code": codes[0]})
    assert reused.status_code == 400
    assert "That code has already been used to vote" in reused.get_data(as_text=True)
    reused_cast = post_form(voter, f"/vote/{voting_round}/code/ballot",
                            ballot_data({districts["North"]: {projects["Library garden"]: 1}},
                                        code=codes[0]))
    assert reused_cast.status_code == 400
    assert "already been used" in reused_cast.get_data(as_text=True)

    unknown = post_form(voter, f"/vote/{voting_round}/code", {"code": "ABCD-EFGH-JKMN"})
    assert unknown.status_code == 400
    assert "We do not recognise that code" in unknown.get_data(as_text=True)
    assert counts(session) == (1, 1)


def test_code_attempts_are_rate_limited(app, app_config, session, voting_round):
    browser = fresh_browser(app)
    statuses = [post_form(browser, f"/vote/{voting_round}/code", {"code": f"WRONG{i}"}).status_code
                for i in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[-1] == 429


def test_steward_enters_paper_ballots_and_a_serial_counts_once(client, session, make_user, voting_round):
    make_user("stella@example.org", steward=True)
    sign_in(client, "stella@example.org")
    districts, projects, _ = _ids(session, voting_round)
    response = post_form(client, f"/vote/{voting_round}/paper", {
        "district_id": districts["South"], "event": "Community hall evening",
        "event_date": "2026-11-20", "first_serial": 100, "last_serial": 199})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    choice = {districts["South"]: {projects["Street trees"]: 1}}
    first = post_form(client, batch_url, ballot_data(choice, serial=150))
    assert first.status_code == 302
    assert counts(session) == (1, 1)
    again = post_form(client, batch_url, ballot_data(choice, serial=150))
    assert again.status_code == 400
    assert "Serial 150 has already been entered" in again.get_data(as_text=True)
    outside = post_form(client, batch_url, ballot_data(choice, serial=300))
    assert outside.status_code == 400
    assert "Serial 300 is not in this batch" in outside.get_data(as_text=True)
    assert counts(session) == (1, 1)


def test_double_keyed_batch_is_compared_before_it_counts(client, session, make_user, voting_round):
    make_user("stella@example.org", steward=True)
    sign_in(client, "stella@example.org")
    districts, projects, _ = _ids(session, voting_round)
    response = post_form(client, f"/vote/{voting_round}/paper", {
        "district_id": districts["North"], "event": "Market stall", "event_date": "2026-11-21",
        "first_serial": 1, "last_serial": 50, "double_keyed": "y"})
    batch_url = response.headers["Location"]
    north = districts["North"]
    benches, library = projects["Benches on the green"], projects["Library garden"]
    post_form(client, batch_url, ballot_data({north: {benches: 1}}, serial=1, keying="1"))
    post_form(client, batch_url, ballot_data({north: {library: 1}}, serial=2, keying="1"))
    post_form(client, batch_url, ballot_data({north: {benches: 1}}, serial=1, keying="2"))
    post_form(client, batch_url, ballot_data({north: {benches: 1}}, serial=2, keying="2"))
    assert counts(session) == (0, 0)  # nothing counts until the keyings agree

    compare = client.get(f"{batch_url}/compare").get_data(as_text=True)
    assert "1 ballots keyed the same both times; 1 to resolve" in compare
    refused = post_form(client, f"{batch_url}/accept")
    assert refused.status_code == 409
    assert counts(session) == (0, 0)

    post_form(client, f"{batch_url}/discard", {"serial": 2})
    post_form(client, batch_url, ballot_data({north: {library: 1}}, serial=2, keying="1"))
    post_form(client, batch_url, ballot_data({north: {library: 1}}, serial=2, keying="2"))
    review = client.get(f"{batch_url}/compare").get_data(as_text=True)
    assert "2 ballots keyed the same both times; 0 to resolve" in review
    assert "This cannot be undone." in review and "Accept the batch and count its 2 ballots" in review
    accepted = post_form(client, f"{batch_url}/accept")
    assert accepted.status_code == 302
    assert counts(session) == (2, 2)
    assert session.scalars(select(PaperKeying)).all() == []  # no serial left next to choices
    session.rollback()
