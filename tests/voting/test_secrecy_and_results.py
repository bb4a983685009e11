"""Secret ballots with receipts; the bulletin board; results anyone can recount."""

import csv
import hashlib
import io
import json
import re

from sqlalchemy import inspect, select

from commonpot.audit import AuditEvent, verify_chain
from commonpot.extensions import db
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
from voting.models import Ballot, ResultRow, VoterRollEntry, VotingRound

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


def test_no_column_key_or_audit_event_links_a_voter_to_a_ballot(app, session, make_user):
    round_id = open_round(session)
    _, _, receipts = _vote_everyone(app, session, make_user, round_id)
    _close_and_publish(app, make_user, session, round_id)
    session.rollback()

    inspector = inspect(db.engine)
    ballot_columns = {c["name"] for c in inspector.get_columns("voting_ballot")}
    assert ballot_columns == {"id", "round_id", "district_id", "receipt", "cast_on", "choices"}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("voting_ballot")} == {
        "voting_round", "voting_district"}
    roll_columns = {c["name"] for c in inspector.get_columns("voting_roll")}
    assert roll_columns == {"id", "round_id", "voter_key", "channel", "district_id", "voted_on"}
    assert all(fk["referred_table"] != "voting_ballot" for fk in inspector.get_foreign_keys("voting_roll"))
    ballot_types = {c["name"]: str(c["type"]) for c in inspector.get_columns("voting_ballot")}
    assert ballot_types["cast_on"] == "DATE"  # the day only, never the moment

    ballots = session.scalars(select(Ballot)).all()
    roll = session.scalars(select(VoterRollEntry)).all()
    assert len(ballots) == len(roll) == len(VOTES)
    assert all(re.fullmatch(r"[0-9a-f]{32}", b.id) for b in ballots)  # random, not a sequence
    secrets_of_ballots = {b.id for b in ballots} | {b.receipt for b in ballots}
    voter_keys = {r.voter_key for r in roll}

    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    voter_actors = {f"user:{k.split(':')[1]}" for k in voter_keys}
    for event in events:
        text = event.payload + (event.subject_id or "")
        assert not any(s in text for s in secrets_of_ballots), event.action
        assert not any(k in text for k in voter_keys), event.action
        if event.actor in voter_actors:
            assert not event.action.startswith("voting."), event.action
    assert set(receipts.values()) == {b.receipt for b in ballots}
    session.rollback()
    assert verify_chain(session).ok
    session.rollback()


def test_board_lets_voters_find_their_ballot_and_its_hash_is_audited(app, client, session, make_user):
    round_id = open_round(session, board_hashes_receipts=True)
    _, projects, receipts = _vote_everyone(app, session, make_user, round_id)
    _close_and_publish(app, make_user, session, round_id)
    board_csv = client.get(f"/vote/{round_id}/board.csv").get_data(as_text=True)
    digest = hashlib.sha256(board_csv.encode("utf-8")).hexdigest()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "voting.board_published")).one()
    assert json.loads(event.payload)["board_sha256"] == digest
    session.rollback()
    assert receipts["a@example.org"] not in board_csv  # shown hashed, as the round asked
    hashed = hashlib.sha256(receipts["a@example.org"].encode()).hexdigest()[:24]
    assert hashed in board_csv

    found = client.get(f"/vote/{round_id}/board?receipt={receipts['a@example.org']}").get_data(as_text=True)
    assert "Your ballot is on the board" in found
    assert "Benches on the green" in found and "Riverside path" in found
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
