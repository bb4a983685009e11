"""No main page's query count grows with the rows it shows (no N+1): each page is loaded
with 10 rows and with 500, and the number of SQL statements must be the same."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from commonpot.extensions import db
from tests.helpers import sign_in
from tests.voting.factories import create_round, make_voter
from voting.states import RoundState


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def queries_for(app, client, url: str) -> int:
    client.get(url)  # warm: first-request work (CSRF, caches) is not what is measured
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.count


def _projects(n: int):
    return [(("North", "South", "Whole town")[i % 3], f"Project {i}", 100_000 + i) for i in range(n)]


@pytest.mark.parametrize("page", ["round", "ballot"])
def test_voting_pages_do_not_grow_with_their_proposals(page, app, make_user, session):
    counts = {}
    for n in (10, 500):
        round_id = create_round(session, projects=_projects(n), state=RoundState.VOTING,
                                fund_id=None, title=f"Round {n}").id
        session.commit()
        email = f"voter{n}@example.org"
        make_voter(make_user, session, email)
        client = app.test_client()
        sign_in(client, email)
        url = f"/vote/{round_id}" + ("/ballot" if page == "ballot" else "")
        counts[n] = queries_for(app, client, url)
    assert counts[500] == counts[10], counts


def test_the_admin_outbox_does_not_grow_with_its_messages(app, make_user, session):
    from commonpot.mail import OutboxMessage

    make_user("admin@example.org", admin=True)
    client = app.test_client()
    sign_in(client, "admin@example.org")
    counts = {}
    for n in (10, 500):
        session.add_all(OutboxMessage(to_address=f"p{i}@example.org", subject="Hello", body="Body",
                                      status="outbox") for i in range(n))
        session.commit()
        counts[n] = queries_for(app, client, "/admin/outbox")
    assert counts[500] == counts[10], counts
