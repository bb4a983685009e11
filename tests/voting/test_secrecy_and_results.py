"""The bulletin board and results anyone can recount (secrecy: test_ballot_secrecy.py)."""

import csv
import hashlib
import io
import json
import re

from sqlalchemy import select

from commonpot.audit import AuditEvent
from tests.helpers import post_form, sign_in
from tests.voting.factories import (
    NORTH_POSTCODE,
    SOUTH_POSTCODE,
    ballot_data,
    district_ids,
    fresh_browser,
    make_voter,
    open_round,
    project_ids,
)
from voting.counting.count import count
from voting.counting.money import currency
from voting.counting.pabulib import parse_pb
from voting.models import ResultRow, VotingRound

VOTES = [  # (email, postcode, North/South picks, area-wide picks)
    ("a@example.org", NORTH_POSTCODE, ["Benches on the green", "Library garden"], ["Riverside path"]),
    ("b@example.org", NORTH_POSTCODE, ["Playground repairs"], []),
    ("c@example.org", NORTH_POSTCODE, ["Library garden", "Playground repairs"], ["Riverside path"]),
    ("d@example.org", SOUTH_POSTCODE, ["Street trees"], ["Riverside path"]),
    ("e@example.org", SOUTH_POSTCODE, ["Youth club kit", "Street trees"], []),
]


def _vote_everyone(app, session, make_user, round_id, **kwargs):
    voting_round = session.get(VotingRound, round_id)
    districts, projects = district_ids(voting_round), project_ids(voting_round)
    session.rollback()
    receipts = {}
    for email, postcode, local, area in VOTES:
        make_voter(make_user, session, email, postcode=postcode)
        browser = fresh_browser(app)
        sign_in(browser, email)
        home = districts["North" if postcode == NORTH_POSTCODE else "South"]
        choices = {home: {projects[t]: 1 for t in local},
                   districts["Whole town"]: {projects[t]: 1 for t in area}}
        response = post_form(browser, f"/vote/{round_id}/ballot", ballot_data(choices))
        assert response.status_code == 200
        receipts[email] = re.search(r'id="receipt">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)
    return districts, projects, receipts


def _close_and_publish(app, make_user, session, round_id):
    session.rollback()
    fund_id = session.get(VotingRound, round_id).fund_id
    session.rollback()
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "manager@example.org")
    for target in ("counting", "published"):
        response = post_form(manager, f"/vote/{round_id}/advance", {"target": target})
        assert response.status_code == 302, response.get_data(as_text=True)


def test_board_lets_voters_find_their_ballot_and_its_hash_is_audited(app, client, session, make_user):
    round_id = open_round(session, board_hashes_receipts=True)
    _, projects, receipts = _vote_everyone(app, session, make_user, round_id)
    _close_and_publish(app, make_user, session, round_id)
    board_csv = client.get(f"/vote/{round_id}/board.csv").get_data(as_text=True)
    digest = hashlib.sha256(board_csv.encode("utf-8")).hexdigest()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "voting.board_published")).one()
    assert json.loads(event.payload)["board_sha256"] == digest
    receipts_csv = client.get(f"/vote/{round_id}/receipts.csv").get_data(as_text=True)
    assert json.loads(event.payload)["receipts_sha256"] == hashlib.sha256(receipts_csv.encode()).hexdigest()
    session.rollback()
    assert receipts["a@example.org"] not in board_csv + receipts_csv  # shown hashed, as asked
    hashed = hashlib.sha256(receipts["a@example.org"].encode()).hexdigest()[:24]
    assert hashed in receipts_csv and hashed not in board_csv  # never beside a ballot

    found = client.get(f"/vote/{round_id}/board?receipt={receipts['a@example.org']}").get_data(as_text=True)
    assert "Your ballot is on the board" in found
    missing = client.get(f"/vote/{round_id}/board?receipt=AAAA-BBBB-CCCC").get_data(as_text=True)
    assert "No ballot has that receipt code" in missing


def test_recounting_the_published_download_reproduces_the_result(app, client, session, make_user):
    round_id = open_round(session)
    districts, projects, _ = _vote_everyone(app, session, make_user, round_id)
    _close_and_publish(app, make_user, session, round_id)

    published = {}
    rows = csv.DictReader(io.StringIO(client.get(f"/vote/{round_id}/results.csv").get_data(as_text=True)))
    for row in rows:
        published.setdefault(row["district"], set())
        if row["selected"] == "yes":
            published[row["district"]].add(row["project_id"])
    assert published["North"] == {str(projects["Library garden"]), str(projects["Playground repairs"])}

    for name, district_id in districts.items():
        pb = client.get(f"/vote/{round_id}/districts/{district_id}.pb").get_data(as_text=True)
        # The .pb says costs are in pence; explanations are worded in pounds.
        recount = count(parse_pb(pb), "greedy", money=currency("£", 100))
        assert set(recount.selected) == published[name], name
        stored = session.scalars(select(ResultRow).where(ResultRow.district_id == district_id)).all()
        assert {str(r.proposal_id): r.explanation for r in stored} == dict(recount.explanations)
        session.rollback()

    page = client.get(f"/vote/{round_id}/results").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    assert "Selected" in page and "Turnout" in page
    assert "Online</td><td class=\"numeric\">5" in page


def test_results_csv_neutralises_formulas_in_typed_titles(client, session):
    from tests.voting.factories import create_round
    from voting.states import RoundState

    round_id = create_round(session, state=RoundState.PUBLISHED, area_wide=False,
                            projects=[("North", '=HYPERLINK("http://evil.example")', 100_000)]).id
    session.commit()
    text = client.get(f"/vote/{round_id}/results.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["project"] for row in rows] == ['\'=HYPERLINK("http://evil.example")']
