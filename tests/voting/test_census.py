"""One person, one vote: a census round lets each census entry vote once, by any channel."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import func, select

from commonpot.accounts.models import User
from tests.helpers import post_form, sign_in
from tests.voting.factories import (
    NORTH_POSTCODE,
    SOUTH_POSTCODE,
    ballot_data,
    counts,
    create_round,
    district_ids,
    fresh_browser,
    project_ids,
)
from voting import operations
from voting.models import CensusEntry, CensusMark, VotingRound
from voting.states import RoundState

CENSUS = ("family_name,date_of_birth,postcode,address\n"
          f"Okafor,1980-05-17,{NORTH_POSTCODE},1 Mill Lane\n"
          f"Smith,17/05/1980,{NORTH_POSTCODE},2 Mill Lane\n"
          f"O'Brien,1975-01-01,{SOUTH_POSTCODE},3 Station Road\n")
ALREADY = "This person on the census list has already voted in this round"


def _census_round(app, session, make_user):
    """A census round in review; the manager uploads the list over HTTP; voting opens."""
    voting_round = create_round(session, state=RoundState.REVIEW, requires_census=True,
                                allow_revote=False)
    for proposal in voting_round.proposals:
        operations.review_proposal(session, "system", proposal, feasible=True, reason="Checked.",
                                   cost_pence=proposal.cost_pence)
    round_id, fund_id = voting_round.id, voting_round.fund_id
    session.commit()
    make_user("organiser@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "organiser@example.org")
    refused = post_form(manager, f"/vote/{round_id}/advance", {"target": "voting"})
    assert "Upload the census list before opening voting" in refused.get_data(as_text=True)
    upload = post_form(manager, f"/vote/{round_id}/census",
                       {"file": (io.BytesIO(CENSUS.encode()), "census.csv")},
                       content_type="multipart/form-data")
    assert upload.status_code == 200, upload.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(upload.get_data(as_text=True))))
    codes = {row["family_name"]: row["code"] for row in rows}
    assert [row["address"] for row in rows] == ["1 Mill Lane", "2 Mill Lane", "3 Station Road"]
    opened = post_form(manager, f"/vote/{round_id}/advance", {"target": "voting"})
    assert opened.status_code == 302
    return round_id, codes


def _online(app, make_user, session, email, family_name, round_id, choices, **details):
    session.rollback()
    user_id = make_user(email)
    operations.set_resident_details(session, session.get(User, user_id),
                                    postcode=details.get("postcode", NORTH_POSTCODE),
                                    date_of_birth=details.get("born", date(1980, 5, 17)),
                                    family_name=family_name)
    session.commit()
    browser = fresh_browser(app)
    sign_in(browser, email)
    return post_form(browser, f"/vote/{round_id}/ballot", ballot_data(choices))


def _marks(session) -> int:
    n = session.scalar(select(func.count(CensusMark.id)))
    session.rollback()
    return n


def test_one_census_entry_votes_once_across_online_code_and_paper(app, session, make_user):
    round_id, codes = _census_round(app, session, make_user)
    voting_round = session.get(VotingRound, round_id)
    districts, projects = district_ids(voting_round), project_ids(voting_round)
    session.rollback()
    north = {districts["North"]: {projects["Benches on the green"]: 1}}
    south = {districts["South"]: {projects["Street trees"]: 1}}
    make_user("steward@example.org", steward=True)
    steward = fresh_browser(app)
    sign_in(steward, "steward@example.org")

    def issue_paper(family_name, born, postcode):
        return post_form(steward, f"/vote/{round_id}/paper/issue", {
            "family_name": family_name, "date_of_birth": born, "postcode": postcode})

    def vote_with_code(name, choices=north):
        return post_form(fresh_browser(app), f"/vote/{round_id}/code/ballot",
                         ballot_data(choices, code=codes[name]))

    # Okafor votes online; then their code, a paper ballot and a second account are refused.
    first = _online(app, make_user, session, "okafor@example.org", "OKAFOR", round_id, north)
    assert first.status_code == 200
    by_code = vote_with_code("Okafor")
    assert by_code.status_code == 400 and ALREADY in by_code.get_data(as_text=True)
    paper = issue_paper("Okafor", "1980-05-17", NORTH_POSTCODE.lower())
    assert paper.status_code == 400 and ALREADY in paper.get_data(as_text=True)
    twin = _online(app, make_user, session, "okafor2@example.org", "okafor", round_id, north)
    assert twin.status_code == 409 and ALREADY in twin.get_data(as_text=True)

    # Smith votes with their code; then online and paper are refused.
    assert vote_with_code("Smith").status_code == 200
    online = _online(app, make_user, session, "smith@example.org", "Smith", round_id, north)
    assert online.status_code == 409 and ALREADY in online.get_data(as_text=True)
    paper = issue_paper("smith", "1980-05-17", NORTH_POSTCODE)
    assert paper.status_code == 400 and ALREADY in paper.get_data(as_text=True)

    # O'Brien is issued a paper ballot; then their code and an account are refused.
    assert issue_paper("O’Brien", "1975-01-01", SOUTH_POSTCODE).status_code == 302
    by_code = vote_with_code("O'Brien", south)
    assert by_code.status_code == 400 and ALREADY in by_code.get_data(as_text=True)
    online = _online(app, make_user, session, "obrien@example.org", "OBrien", round_id, south,
                     postcode=SOUTH_POSTCODE, born=date(1975, 1, 1))
    assert online.status_code == 409 and ALREADY in online.get_data(as_text=True)

    # One paper ballot was issued, so one can be keyed in and a second cannot.
    batch = post_form(steward, f"/vote/{round_id}/paper", {
        "district_id": districts["South"], "event": "Station Road fair", "event_date": "2026-11-20",
        "first_serial": 1, "last_serial": 50})
    assert batch.status_code == 302
    assert post_form(steward, batch.headers["Location"], ballot_data(south, serial=7)).status_code == 302
    extra = post_form(steward, batch.headers["Location"], ballot_data(south, serial=8))
    assert extra.status_code == 400
    assert "Only 1 paper ballots have been issued" in extra.get_data(as_text=True)

    # Someone not on the list cannot vote online at all.
    stranger = _online(app, make_user, session, "new@example.org", "Nobody", round_id, north)
    assert stranger.status_code == 403
    assert "do not match anyone on this vote" in stranger.get_data(as_text=True)

    assert _marks(session) == 3
    assert counts(session) == (3, 3)  # Okafor online, Smith by code, O'Brien on paper


def test_the_census_is_stored_only_as_keyed_hashes(app, session, make_user):
    round_id, codes = _census_round(app, session, make_user)
    stored = session.scalars(select(CensusEntry.identity_hash).where(CensusEntry.round_id == round_id)).all()
    session.rollback()
    assert len(stored) == 3 and all(len(h) == 64 for h in stored)
    from commonpot.extensions import db

    with db.engine.connect() as connection:
        dump = "\n".join(str(row) for table in ("voting_census_entry", "voting_code")
                         for row in connection.exec_driver_sql(f"SELECT * FROM {table}"))
    for secret in ("Okafor", "okafor", "Smith", "Mill Lane", "1980-05-17", *codes.values()):
        assert secret not in dump
