"""A cast that survives a lost connection: the ballot form's one-time token gets the same
receipt back on a retry, or the retry casts the ballot because the first did not count."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import Session

from tests.conftest import ON_POSTGRES
from tests.helpers import post_form, sign_in
from tests.voting.factories import ballot_data, counts, district_ids, fresh_browser, make_voter, project_ids
from tests.voting.test_codes_and_paper import _codes
from voting.cast_tokens import CastToken
from voting.models import Ballot, VotingRound

_TOKEN = re.compile(r'name="cast_token" value="([^"]+)"')
_RECEIPT = re.compile(r'id="receipt">([^<]+)<')


def _north_choice(session, round_id):
    voting_round = session.get(VotingRound, round_id)
    north, projects = district_ids(voting_round)["North"], project_ids(voting_round)
    session.rollback()
    return {north: {projects["Benches on the green"]: 1}}


def _ballot_token(client, round_id) -> str:
    page = client.get(f"/vote/{round_id}/ballot")
    assert page.status_code == 200
    return _TOKEN.search(page.get_data(as_text=True)).group(1)


def test_a_retry_of_the_same_form_gets_the_same_receipt(client, session, make_user, voting_round):
    make_voter(make_user, session, "rosa@example.org")
    sign_in(client, "rosa@example.org")
    token = _ballot_token(client, voting_round)
    assert token != _ballot_token(client, voting_round)  # each page its own token
    data = ballot_data(_north_choice(session, voting_round), cast_token=token)

    first = post_form(client, f"/vote/{voting_round}/ballot", data)
    assert first.status_code == 200
    receipt = _RECEIPT.search(first.get_data(as_text=True)).group(1)
    # The response is lost; the browser sends the same form again.
    retry = post_form(client, f"/vote/{voting_round}/ballot", data)
    assert retry.status_code == 200
    assert _RECEIPT.search(retry.get_data(as_text=True)).group(1) == receipt
    assert "has not been recorded twice" in retry.get_data(as_text=True)
    assert counts(session) == (1, 1)

    # Another form (another tab opened earlier) is a second vote, refused as before.
    other = post_form(client, f"/vote/{voting_round}/ballot",
                      ballot_data(_north_choice(session, voting_round), cast_token="t" * 43))
    assert other.status_code == 409
    assert counts(session) == (1, 1)


def test_the_token_table_holds_no_readable_receipt(client, session, make_user, voting_round):
    make_voter(make_user, session, "rosa@example.org")
    sign_in(client, "rosa@example.org")
    token = _ballot_token(client, voting_round)
    post_form(client, f"/vote/{voting_round}/ballot",
              ballot_data(_north_choice(session, voting_round), cast_token=token))
    stored = session.scalars(select(CastToken)).one()
    receipt = session.scalars(select(Ballot.receipt)).one()
    session.rollback()
    assert token not in stored.token_hash
    assert receipt not in stored.sealed_receipt
    assert receipt.encode().hex() != stored.sealed_receipt
    assert {c.name for c in CastToken.__table__.columns} == {"token_hash", "round_id", "sealed_receipt"}


def test_a_code_voter_retrying_gets_the_same_receipt(app, session, make_user, voting_round):
    codes = _codes(fresh_browser(app), session, make_user, voting_round)
    voter = fresh_browser(app)
    entered = post_form(voter, f"/vote/{voting_round}/code", {"code": codes[0]})
    token = _TOKEN.search(entered.get_data(as_text=True)).group(1)
    data = ballot_data(_north_choice(session, voting_round), code=codes[0], cast_token=token)
    first = post_form(voter, f"/vote/{voting_round}/code/ballot", data)
    retry = post_form(voter, f"/vote/{voting_round}/code/ballot", data)
    assert retry.status_code == 200
    assert _RECEIPT.search(retry.get_data(as_text=True)).group(1) == \
        _RECEIPT.search(first.get_data(as_text=True)).group(1)
    assert counts(session) == (1, 1)


# --- the database connection killed in the middle of a cast (PostgreSQL) ----------------------

class _Killer:
    """Terminate the app's own database connection around the commit of a cast."""

    def __init__(self, url: str, when: str):
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.when = when
        self.pid = None

    @staticmethod
    def after_flush(session: Session, _context) -> None:
        if any(isinstance(obj, Ballot) for obj in session.new):
            session.info["casting"] = True

    def _is_cast(self, session: Session) -> bool:
        return session.info.pop("casting", False)

    def before_commit(self, session: Session) -> None:
        if self.pid is not None or not self._is_cast(session):
            return
        self.pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        if self.when == "before commit":
            self._terminate()

    def after_commit(self, session: Session) -> None:
        if self.when == "after commit" and self.pid is not None and not getattr(self, "done", False):
            self.done = True
            self._terminate()
            # The vote is stored, but the connection drops before the person hears so.
            raise ConnectionResetError("connection lost after the commit")

    def _terminate(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": self.pid})

    def __enter__(self):
        event.listen(Session, "after_flush", self.after_flush)
        event.listen(Session, "before_commit", self.before_commit)
        event.listen(Session, "after_commit", self.after_commit)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "after_flush", self.after_flush)
        event.remove(Session, "before_commit", self.before_commit)
        event.remove(Session, "after_commit", self.after_commit)
        self.admin.dispose()


@pytest.mark.postgres_only
@pytest.mark.parametrize("when", ["before commit", "after commit"])
def test_a_connection_killed_mid_cast_loses_nothing_and_the_retry_says_what_happened(
        when, app, client, session, make_user, voting_round, database_url):
    assert ON_POSTGRES
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, with the error page
    make_voter(make_user, session, "rosa@example.org")
    sign_in(client, "rosa@example.org")
    token = _ballot_token(client, voting_round)
    data = ballot_data(_north_choice(session, voting_round), cast_token=token)

    with _Killer(database_url, when):
        failed = post_form(client, f"/vote/{voting_round}/ballot", data)
    # The person sees a proper error page (with a reference), not a crash.
    assert failed.status_code == 500
    assert "Sorry, something went wrong" in failed.get_data(as_text=True)
    assert failed.headers["X-Request-Id"] in failed.get_data(as_text=True)

    roll, ballots = counts(session)
    assert (roll, ballots) == ((0, 0) if when == "before commit" else (1, 1))  # both or neither

    retry = post_form(client, f"/vote/{voting_round}/ballot", data)
    assert retry.status_code == 200, retry.get_data(as_text=True)
    receipt = _RECEIPT.search(retry.get_data(as_text=True)).group(1)
    assert session.scalars(select(Ballot.receipt)).one() == receipt
    session.rollback()
    assert counts(session) == (1, 1)
    if when == "after commit":
        assert "has not been recorded twice" in retry.get_data(as_text=True)
