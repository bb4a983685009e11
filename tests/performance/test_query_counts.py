"""No main page's query count grows with the rows it shows (no N+1).

Each page is built twice, once with 10 rows and once with 500 (applications, proposals,
awards, reviews, ballots...), requested through the Flask test client, and the SQL
statements it runs are counted with SQLAlchemy's cursor events. The two counts must be
equal: a page whose count grows runs a query per row, which is what made the panel meeting
page run 10,022 queries for 2,000 applications. Long lists are paginated, so the 500-row
version also proves the page shows one page of rows, not all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from commonpot.db import utcnow
from commonpot.extensions import db
from grants.states import ApplicationStatus, RoundPhase
from tests.helpers import sign_in
from tests.performance import worlds
from tests.performance.worlds import World
from tests.voting.factories import make_voter
from voting.states import RoundState

SIZES = (10, 500)


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _count(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def queries_for(app, client, url: str) -> list[str]:
    client.get(url)  # warm: first-request work (CSRF, caches) is not what is measured
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
        body = response.get_data()  # a streamed download runs its queries while it is read
    assert response.status_code == 200, (url, response.status_code)
    assert body
    return counter.statements


def _difference(few: list[str], many: list[str]) -> str:
    """The statements the bigger page ran more often: where the N+1 is."""
    from collections import Counter

    extra = Counter(many) - Counter(few)
    return "\n".join(f"{n} x {statement[:300]}" for statement, n in extra.most_common(3))


# --- the pages ------------------------------------------------------------------------------
# Each builder makes a world of n rows and returns (url, email of who looks, or None).

PAGES: dict[str, Callable[[World, int], tuple[str, str | None]]] = {}


def page(name: str):
    def register(builder):
        PAGES[name] = builder
        return builder
    return register


def _scored_round(w: World, n: int, *, phase=RoundPhase.SCORING):
    """A round with n eligible applications from n groups, each scored by three reviewers."""
    fund = worlds.fund(w)
    round_ = worlds.grant_round(w, fund, phase=phase)
    owners = worlds.groups(w, n)
    manager, manager_id = w.person("manager", fund_roles=[(fund.id, "fund_manager")])
    reviewers = [w.person(f"reviewer{k}", fund_roles=[(fund.id, "panel_member")])
                 for k in range(worlds.REVIEWERS)]
    apps = worlds.applications(w, round_, owners, manager_id, n)
    worlds.panel(w, round_, manager_id, [uid for _, uid in reviewers], apps)
    w.session.commit()
    return round_, manager, reviewers, apps


@page("manager: round page and application list")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n, phase=RoundPhase.SCREENING)
    return f"/grants/rounds/{round_.slug}/manage", manager


@page("manager: budgets CSV")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/grants/rounds/{round_.slug}/export/budgets.csv", manager


@page("manager: applications CSV")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/grants/rounds/{round_.slug}/export/applications.csv", manager


@page("manager: scores CSV")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/panels/rounds/{round_.id}/scores.csv", manager


@page("panel: meeting page")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/panels/rounds/{round_.id}/meeting", manager


@page("panel: conflicts page")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/panels/rounds/{round_.id}/conflicts", manager


@page("panel: review list")
def _(w, n):
    _, _, reviewers, _ = _scored_round(w, n)
    return "/panels/reviews", reviewers[0][0]


@page("public: funding rounds")
def _(w, n):
    fund = worlds.fund(w)
    for i in range(n):
        worlds.grant_round(w, fund, phase=RoundPhase.OPEN, slug=f"open-{i}-{w.tag}")
    w.session.commit()
    return "/grants/", None


def _awarded_round(w: World, n: int):
    fund = worlds.fund(w)
    round_ = worlds.grant_round(w, fund, phase=RoundPhase.DECIDED)
    owners = worlds.groups(w, n)
    manager, manager_id = w.person("manager", fund_roles=[(fund.id, "fund_manager")])
    apps = worlds.applications(w, round_, owners, manager_id, n)
    awards = worlds.awards(w, round_, apps, manager_id)
    w.session.commit()
    return fund, round_, manager, awards, owners


@page("public: awards")
def _(w, n):
    _awarded_round(w, n)
    return "/awards", None


@page("public: round page with its awards")
def _(w, n):
    _, round_, _, _, _ = _awarded_round(w, n)
    return f"/grants/rounds/{round_.slug}", None


@page("public: open data API, grants")
def _(w, n):
    _awarded_round(w, n)
    return "/api/v1/grants", None


@page("public: open data API, rounds")
def _(w, n):
    fund = worlds.fund(w)
    for i in range(n):
        worlds.grant_round(w, fund, phase=RoundPhase.OPEN, slug=f"api-{i}-{w.tag}")
    w.session.commit()
    return "/api/v1/rounds", None


@page("public: open data API, funds")
def _(w, n):
    for i in range(n):
        worlds.fund(World(w.app, w.make_user, w.session, f"{w.tag}x{i}"))
    w.session.commit()
    return "/api/v1/funds", None


@page("payments: fund ledger and instalments")
def _(w, n):
    from payments import ledger

    fund, _, manager, awards, _ = _awarded_round(w, n)
    from grants.models import Fund
    for award in awards:
        ledger.commit_award(w.session, "system", award)
    w.session.commit()
    assert w.session.get(Fund, fund.id)
    return f"/payments/funds/{fund.id}", manager


@page("group: dashboard")
def _(w, n):
    fund = worlds.fund(w)
    round_ = worlds.grant_round(w, fund, phase=RoundPhase.OPEN)
    owner = worlds.groups(w, 1)
    email, user_id = w.person("member")
    worlds.membership(w, owner[0], user_id)
    for uid in w.bulk_users(n, "people"):
        worlds.membership(w, owner[0], uid, "member")
    worlds.applications(w, round_, owner, user_id, n, status=ApplicationStatus.SUBMITTED)
    w.session.commit()
    return f"/grants/groups/{owner[0].id}", email


@page("group: your groups and applications")
def _(w, n):
    fund = worlds.fund(w)
    round_ = worlds.grant_round(w, fund, phase=RoundPhase.OPEN)
    owners = worlds.groups(w, n)
    email, user_id = w.person("member")
    for group in owners:
        worlds.membership(w, group, user_id)
    worlds.applications(w, round_, owners, user_id, n, status=ApplicationStatus.SUBMITTED)
    w.session.commit()
    return "/grants/groups", email


def _voting_round(w: World, n: int, state=RoundState.VOTING) -> int:
    return worlds.voting_round(w, n, state)


@page("public: proposals (voting round page)")
def _(w, n):
    round_id = _voting_round(w, n)
    email, _ = w.person("voter")
    return f"/vote/{round_id}", email


@page("resident: ballot page")
def _(w, n):
    round_id = _voting_round(w, n)
    email = f"voter-{w.tag}@example.org"
    make_voter(w.make_user, w.session, email)
    return f"/vote/{round_id}/ballot", email


@page("public: votes")
def _(w, n):
    from tests.voting.factories import create_fund
    from voting.models import VotingRound

    fund_id = create_fund(w.session).id
    now = utcnow()
    w.session.execute(insert(VotingRound), [
        {"fund_id": fund_id, "title": f"Vote {i} {w.tag}", "description": "", "state": RoundState.VOTING,
         "ballot_type": "approval", "created_at": now - timedelta(minutes=i)} for i in range(n)])
    w.session.commit()
    return "/vote/", None


@page("public: results")
def _(w, n):
    from voting.models import Proposal, ResultRow, VotingRound

    round_id = _voting_round(w, n)
    voting_round = w.session.get(VotingRound, round_id)
    voting_round.state, voting_round.board_hash = RoundState.PUBLISHED, "0" * 64
    for i, proposal in enumerate(w.session.query(Proposal).filter_by(round_id=round_id)):
        w.session.add(ResultRow(round_id=round_id, district_id=proposal.district_id,
                                proposal_id=proposal.id, supporters=i, score=i, selected=i % 2 == 0,
                                explanation="Counted."))
    w.session.commit()
    return f"/vote/{round_id}/results", None


@page("admin: people")
def _(w, n):
    email, _ = w.person("admin", admin=True)
    w.bulk_users(n, "person")
    w.session.commit()
    return "/admin/users", email


@page("public: fund page with its rounds")
def _(w, n):
    fund = worlds.fund(w)
    for i in range(n):
        worlds.grant_round(w, fund, phase=RoundPhase.OPEN, slug=f"fund-{i}-{w.tag}")
    w.session.commit()
    return f"/funds/{fund.slug}", None


@page("public: round statistics")
def _(w, n):
    round_, _, _, _ = _scored_round(w, n)
    return f"/grants/rounds/{round_.slug}/statistics", None


@page("manager: funds")
def _(w, n):
    fund = worlds.fund(w)
    for i in range(n):
        worlds.grant_round(w, fund, phase=RoundPhase.OPEN, slug=f"managed-{i}-{w.tag}")
    email, _ = w.person("manager", fund_roles=[(fund.id, "fund_manager")])
    return "/grants/manage", email


@page("panel: panel set-up page")
def _(w, n):
    round_, manager, _, _ = _scored_round(w, n)
    return f"/panels/rounds/{round_.id}/manage", manager


@page("manager: end-of-grant reports")
def _(w, n):
    from grants.reports.models import GrantReport

    _, round_, manager, awards, owners = _awarded_round(w, n)
    today = utcnow().date()
    w.session.execute(insert(GrantReport), [
        {"award_id": a.id, "group_id": a.application.group_id, "activity_ends_on": today,
         "due_on": today + timedelta(days=30), "assets_contribution": {}, "created_at": utcnow(),
         "updated_at": utcnow()} for a in awards])
    w.session.commit()
    return f"/grants/rounds/{round_.slug}/reports", manager


@page("manager: voting round page")
def _(w, n):
    round_id = _voting_round(w, n)
    from tests.voting.factories import create_fund
    email, _ = w.person("manager", fund_roles=[(create_fund(w.session).id, "fund_manager")])
    return f"/vote/{round_id}/manage", email


@page("public: open data API, voting rounds")
def _(w, n):
    PAGES["public: votes"](w, n)
    return "/api/v1/voting-rounds", None


@page("public: delivery of a winning project")
def _(w, n):
    from voting.delivery import DeliveryMilestone, DeliveryUpdate, ProposalDelivery
    from voting.models import Proposal, ResultRow, VotingRound

    round_id = _voting_round(w, 6)
    voting_round = w.session.get(VotingRound, round_id)
    voting_round.state, voting_round.board_hash = RoundState.PUBLISHED, "0" * 64
    proposal = w.session.query(Proposal).filter_by(round_id=round_id).first()
    w.session.add(ResultRow(round_id=round_id, district_id=proposal.district_id, proposal_id=proposal.id,
                            supporters=1, score=1, selected=True, explanation="Counted."))
    delivery = ProposalDelivery(proposal_id=proposal.id, team_name="Parks team")
    w.session.add(delivery)
    w.session.flush()
    ids = w.bulk_users(3, "author")
    today = utcnow().date()
    w.session.add_all(DeliveryMilestone(delivery_id=delivery.id, title=f"Step {i}", happened_on=today,
                                        created_by_id=ids[0]) for i in range(n))
    w.session.add_all(DeliveryUpdate(delivery_id=delivery.id, body=f"Update {i}", author_id=ids[i % 3])
                      for i in range(n))
    w.session.commit()
    return f"/vote/proposals/{proposal.id}/delivery", None


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_page_runs_as_many_queries_for_500_rows_as_for_10(name, app, make_user, session):
    counts = {}
    for n in SIZES:
        world = World(app, make_user, session, tag=f"{abs(hash(name)) % 10_000}n{n}")
        url, email = PAGES[name](world, n)
        session.commit()
        client = app.test_client()
        if email:
            sign_in(client, email)
        counts[n] = queries_for(app, client, url)
    few, many = counts[SIZES[0]], counts[SIZES[1]]
    assert len(many) == len(few), (f"{name}: {len(few)} queries for {SIZES[0]} rows, {len(many)} for "
                                   f"{SIZES[1]}; more often with more rows:\n{_difference(few, many)}")


def test_the_admin_outbox_does_not_grow_with_its_messages(app, make_user, session):
    from commonpot.mail import OutboxMessage

    make_user("admin@example.org", admin=True)
    client = app.test_client()
    sign_in(client, "admin@example.org")
    counts = {}
    for n in SIZES:
        session.add_all(OutboxMessage(to_address=f"p{i}@example.org", subject="Hello", body="Body",
                                      status="outbox") for i in range(n))
        session.commit()
        counts[n] = len(queries_for(app, client, "/admin/outbox"))
    assert counts[500] == counts[10], counts


# A cast is the busiest request on vote day. Before this test: 28 statements on a round with
# ballots (eligibility, has-voted and the projects looked up in the view and again in the
# operation, the whole round refreshed under its lock, a SELECT before the roll insert inside
# a savepoint, four SELECTs and four UPDATEs to stir, the navigation's role query). Now 12:
# the person (with their roles), the round, eligibility, its districts, has-voted, its
# projects, the state under the round's lock, the roll entry, the stir's picks and its
# rewrites, the ballot, the cast token. SQLite adds one write to take its database lock.
CAST_STATEMENTS = 12


def test_a_cast_runs_a_fixed_small_number_of_queries(app, make_user, session):
    import re

    from werkzeug.datastructures import MultiDict

    from voting import operations
    from voting.models import Channel, VotingRound

    counts = {}
    for n in SIZES:
        world = World(app, make_user, session, tag=f"cast{n}")
        round_id = worlds.voting_round(world, n)
        voting_round = session.get(VotingRound, round_id)
        north = next(d for d in voting_round.districts if d.name == "North")
        project = next(p.id for p in voting_round.proposals if p.district_id == north.id)
        for i in range(n):  # ballots already on the board, to be stirred
            operations.cast(session, voting_round, voter_key=f"test:{i}", channel=Channel.ONLINE,
                            home=north, choices={north.id: {project: 1}})
        session.commit()
        email = f"voter-{world.tag}@example.org"
        make_voter(make_user, session, email)
        client = app.test_client()
        sign_in(client, email)
        page = client.get(f"/vote/{round_id}/ballot").get_data(as_text=True)
        form = MultiDict([("csrf_token", re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)),
                          ("cast_token", re.search(r'name="cast_token" value="([^"]+)"', page).group(1)),
                          ("cast", "1"), (f"d{north.id}-choice", str(project))])
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            response = client.post(f"/vote/{round_id}/ballot", data=form)
        assert response.status_code == 200 and 'id="receipt"' in response.get_data(as_text=True)
        counts[n] = counter.statements
    assert len(counts[500]) == len(counts[10]), _difference(counts[10], counts[500])
    ceiling = CAST_STATEMENTS + (1 if engine.dialect.name == "sqlite" else 0)
    assert len(counts[500]) <= ceiling, "\n".join(s[:120] for s in counts[500])
