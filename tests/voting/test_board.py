"""The bulletin board of a closed round: made once at the close and served as stored; its
ballots and receipts are leaves of the signed audit log, so the downloads can be checked
against the log (commonpot-verify board) and a receipt proven to be in it, offline."""

from __future__ import annotations

import io
import json
import re
from hashlib import sha256

from sqlalchemy import event, text

from commonpot.audit.keys import keys
from commonpot.extensions import db
from commonpot_verify import cli as verify_cli
from tests.audit.helpers import as_database_owner
from tests.helpers import post_form, run_cli, sign_in
from tests.voting.factories import (
    SOUTH_POSTCODE,
    ballot_data,
    district_ids,
    fresh_browser,
    make_voter,
    open_round,
    project_ids,
)
from voting import board
from voting.ballots import BallotType
from voting.models import VotingRound

RECEIPT = re.compile(r'id="receipt">([A-Z0-9-]+)<')
PICKS = [  # (email, postcode or None for North, North/South picks, area-wide picks)
    ("ann@example.org", None, ["Benches on the green", "Library garden"], ["Riverside path"]),
    ("bob@example.org", None, ["Playground repairs"], []),
    ("cat@example.org", SOUTH_POSTCODE, ["Street trees"], ["Riverside path"]),
    ("dan@example.org", None, ["Library garden"], []),
    ("eve@example.org", SOUTH_POSTCODE, ["Youth club kit"], []),
]


def _closed_round(app, session, make_user, *, publish=False, kind=BallotType.APPROVAL, **settings):
    """Five ballots cast over HTTP, then closed (and published) by the round's manager.
    Returns (round id, {email: receipt}, the manager's browser)."""
    round_id = open_round(session, ballot_type=kind, **settings)
    voting_round = session.get(VotingRound, round_id)
    districts, projects, fund_id = district_ids(voting_round), project_ids(voting_round), voting_round.fund_id
    session.rollback()
    receipts = {}
    for email, postcode, local, area in PICKS:
        make_voter(make_user, session, email, **({"postcode": postcode} if postcode else {}))
        browser = fresh_browser(app)
        sign_in(browser, email)
        home = districts["South" if postcode else "North"]
        choices = {home: {projects[t]: 1 for t in local},
                   districts["Whole town"]: {projects[t]: 1 for t in area}}
        cast = post_form(browser, f"/vote/{round_id}/ballot", ballot_data(choices, kind))
        assert cast.status_code == 200
        receipts[email] = RECEIPT.search(cast.get_data(as_text=True)).group(1)
    make_user("manager@example.org", fund_roles=[(fund_id, "fund_manager")])
    manager = fresh_browser(app)
    sign_in(manager, "manager@example.org")
    for target in ("counting", "published") if publish else ("counting",):
        response = post_form(manager, f"/vote/{round_id}/advance", {"target": target})
        assert response.status_code == 302, response.get_data(as_text=True)
    return round_id, receipts, manager


def _reads_of_ballots(app):
    """Record every statement the app sends that reads or writes the ballot table."""
    seen = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "voting_ballot" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", watch)
    return seen, lambda: event.remove(engine, "before_cursor_execute", watch)


def test_the_board_is_stored_at_the_close_and_served_without_reading_a_ballot(
        app, client, session, make_user, database_url):
    round_id, receipts, _ = _closed_round(app, session, make_user)
    voting_round = session.get(VotingRound, round_id)
    fixed_hash = voting_round.board_hash
    session.rollback()

    seen, stop = _reads_of_ballots(app)
    try:
        page = client.get(f"/vote/{round_id}/board").get_data(as_text=True)
        board_csv = client.get(f"/vote/{round_id}/board.csv")
        receipts_csv = client.get(f"/vote/{round_id}/receipts.csv").get_data(as_text=True)
        pb = client.get(f"/vote/{round_id}/districts/{district_ids(voting_round)['North']}.pb")
        found = client.get(f"/vote/{round_id}/board?receipt={receipts['bob@example.org'].lower()}")
    finally:
        stop()
    assert seen == [], seen
    assert board_csv.status_code == pb.status_code == found.status_code == 200
    # The board names projects, not their ids.
    assert "North: Benches on the green, Library garden; Whole town: Riverside path" in page
    assert "Your ballot is on the board and was counted" in found.get_data(as_text=True)
    assert all(r in receipts_csv for r in receipts.values())
    # Stored, so unchanged whatever happens to the table now; its hash is the board hash.
    with as_database_owner(database_url) as conn:
        conn.execute(text("DELETE FROM voting_ballot"))
    again = client.get(f"/vote/{round_id}/board.csv", headers={"If-None-Match": board_csv.headers["ETag"]})
    assert again.status_code == 304
    stored = client.get(f"/vote/{round_id}/board.csv").get_data(as_text=True)
    assert stored == board_csv.get_data(as_text=True) and stored.count("\n") == 1 + 2 * len(PICKS)
    assert sha256(stored.encode()).hexdigest() == fixed_hash
    assert "Benches on the green" in client.get(f"/vote/{round_id}/board").get_data(as_text=True)


def test_a_long_board_is_shown_page_by_page(app, client, session, make_user, monkeypatch):
    monkeypatch.setattr(board, "PAGE_SIZE", 2)
    round_id, receipts, _ = _closed_round(app, session, make_user)
    first = client.get(f"/vote/{round_id}/board").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Next page" in first and "Previous page" not in first
    pages = [first] + [client.get(f"/vote/{round_id}/board?page={n}").get_data(as_text=True)
                       for n in (2, 3)]
    shown = [re.findall(r'<td class="hash">([0-9a-f]{32})</td>', p) for p in pages]
    assert [len(ids) for ids in shown] == [2, 2, 1]
    assert sum(shown, []) == sorted(sum(shown, []))  # board order: by random id
    listed = [re.findall(r"<li>([A-Z0-9-]{14})</li>", p) for p in pages]
    assert sorted(sum(listed, [])) == sorted(receipts.values())
    assert "Page 3 of 3" in client.get(f"/vote/{round_id}/board?page=99").get_data(as_text=True)


def test_a_receipts_proof_verifies_offline_against_a_signed_checkpoint(
        app, client, session, make_user, tmp_path):
    round_id, receipts, _ = _closed_round(app, session, make_user, board_hashes_receipts=True)
    mine = receipts["cat@example.org"]
    page = client.get(f"/vote/{round_id}/board?receipt={mine}").get_data(as_text=True)
    link = re.search(r'href="(/vote/\d+/receipt-proof\.json\?receipt=[^"]+)"', page).group(1)
    bundle = client.get(link.replace("&amp;", "&")).get_json()
    shown = board.shown_receipt(session.get(VotingRound, round_id), mine)
    session.rollback()
    # The proof names the receipt as published and nothing of any ballot.
    assert bundle["event"]["action"] == "voting.receipt_published"
    assert bundle["event"]["payload"] == {"receipt": shown}
    assert bundle["checkpoint"] and bundle["size"] > bundle["index"]
    path = tmp_path / "my-receipt.json"
    path.write_text(json.dumps(bundle))
    with app.app_context():
        key = str(keys().verifier)
    out = io.StringIO()
    assert verify_cli.main(["proof", str(path), "--key", key], out=out) == 0, out.getvalue()
    assert f"(receipt {shown} of round {round_id}) is in the signed tree" in out.getvalue()
    # Someone else's receipt in my proof: refused.
    bundle["event"]["payload"]["receipt"] = board.shown_receipt(
        session.get(VotingRound, round_id), receipts["ann@example.org"])
    session.rollback()
    path.write_text(json.dumps(bundle))
    out = io.StringIO()
    assert verify_cli.main(["proof", str(path), "--key", key], out=out) == 1
    assert "does not match" in out.getvalue()
    assert client.get(f"/vote/{round_id}/receipt-proof.json?receipt=AAAA-BBBB-CCCC").status_code == 404


def _site_fetch(client):
    def fetch(url):
        response = client.get(url.replace("http://commonpot.test", ""))
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data()
    return fetch


def test_commonpot_verify_checks_the_downloads_against_the_logs_leaves(
        app, client, session, make_user, tmp_path):
    round_id, _, _ = _closed_round(app, session, make_user, publish=True, kind=BallotType.CUMULATIVE,
                                   points_total=5, max_choices=None)
    voting_round = session.get(VotingRound, round_id)
    district_list = [d.id for d in voting_round.districts]
    session.rollback()
    export = tmp_path / "log.jsonl"
    assert run_cli(app, "audit", "export", str(export)).exit_code == 0
    with app.app_context():
        key = str(keys().verifier)
    downloads = {"board.csv": f"/vote/{round_id}/board.csv",
                 "receipts.csv": f"/vote/{round_id}/receipts.csv",
                 **{f"district-{d}.pb": f"/vote/{round_id}/districts/{d}.pb" for d in district_list}}
    for name, url in downloads.items():
        (tmp_path / name).write_bytes(client.get(url).get_data())
    files = [arg for name in downloads for arg in ("--download", str(tmp_path / name))]

    out = io.StringIO()
    code = verify_cli.main(["board", str(export), "--round", str(round_id), "--key", key, *files], out=out)
    assert code == 0, out.getvalue()
    assert f"round {round_id}'s board holds the 5 ballots" in out.getvalue()
    assert out.getvalue().count("matches the log") == len(downloads)

    # Over HTTP, the site's own downloads are fetched and checked.
    out = io.StringIO()
    code = verify_cli.main(["board", "http://commonpot.test", "--round", str(round_id), "--key", key],
                           fetch=_site_fetch(client), out=out)
    assert code == 0, out.getvalue()
    assert out.getvalue().count("matches the log") == 2 + len(district_list)

    # A board with one vote moved, or a .pb missing a voter, is named.
    lines = (tmp_path / "board.csv").read_text().split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    (tmp_path / "board.csv").write_text("\n".join(lines))
    out = io.StringIO()
    assert verify_cli.main(["board", str(export), "--round", str(round_id), "--key", key,
                            "--download", str(tmp_path / "board.csv")], out=out) == 1
    assert "board.csv differs from the board the log holds (first at line 2)" in out.getvalue()
    pb_path = tmp_path / f"district-{district_list[0]}.pb"
    pb = pb_path.read_text().rstrip("\n").split("\n")
    pb_path.write_text("\n".join(pb[:-1]) + "\n")
    out = io.StringIO()
    assert verify_cli.main(["board", str(export), "--round", str(round_id), "--key", key,
                            "--download", str(pb_path)], out=out) == 1
    assert f"district {district_list[0]}'s .pb holds" in out.getvalue()
    out = io.StringIO()
    assert verify_cli.main(["board", str(export), "--round", "999", "--key", key], out=out) == 1
    assert "the log has no board for round 999" in out.getvalue()
