"""What ballot secrecy costs: a cast with stirring, and the close-time shuffle.

Usage (from the repository root; PostgreSQL is what production runs)::

    python benchmarks/ballot_secrecy.py --url postgresql://postgres@127.0.0.1:5432/test --ballots 2000

Creates a scratch database on that server (dropped afterwards), migrates it, opens a round,
casts `--ballots` ballots through `voting.operations.cast` (each also stirs 4 others), one
transaction per cast for the first 500 and in batches after that, then closes the round and
times the close as the manager's request does it (shuffle, board hash and files) and then
the count job it queues (leaves, board pages, count, results). Prints milliseconds per cast
and seconds for each. With `--url sqlite:///...` it runs on a SQLite file instead.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def scratch_database(url: str):
    if not url.startswith("postgres"):
        return url, lambda: None
    server = make_url(url.replace("postgres://", "postgresql+psycopg://", 1)
                      .replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"commonpot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--ballots", type=int, default=2000)
    args = parser.parse_args()

    from flask import g

    from commonpot import jobs
    from commonpot.app import create_app
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db
    from grants.models import Fund, Funder
    from voting import operations
    from voting.models import Channel
    from voting.secrecy import reshuffle
    from voting.states import RoundState

    url, drop = scratch_database(args.url)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            upgrade_database()
            session = db.session
            funder = Funder(name="Bench", identifier_prefix="360G-bench", org_id="GB-bench")
            session.add(funder)
            session.flush()
            fund = Fund(funder_id=funder.id, name="Bench fund", slug="bench", budget_pence=10**9)
            session.add(fund)
            session.flush()
            voting_round = operations.create_round(session, "system", fund.id, operations.RoundSettings(
                title="Bench", max_choices=None, allow_codes=True))
            north = operations.add_district(session, "system", voting_round, "North", 10**8)
            operations.import_postcodes(session, "system", voting_round, "RT1 1AA,North\n")
            operations.transition(session, "system", voting_round, RoundState.PROPOSALS)
            proposals = operations.add_proposals_from_shortlist(session, "system", voting_round, [
                {"title": f"Project {i}", "summary": "x", "cost_pence": 100_000, "group_id": None,
                 "source_application_id": None, "district_id": north.id} for i in range(8)])
            operations.transition(session, "system", voting_round, RoundState.REVIEW)
            for proposal in proposals:
                operations.review_proposal(session, "system", proposal, feasible=True, reason="ok",
                                           cost_pence=proposal.cost_pence)
            operations.transition(session, "system", voting_round, RoundState.VOTING)
            session.commit()

            single = min(500, args.ballots)
            started = time.perf_counter()
            for i in range(args.ballots):
                picks = {proposals[j].id: 1 for j in range(8) if (i % 255 + 1) >> j & 1}
                operations.cast(session, voting_round, voter_key=f"bench:{i}", channel=Channel.CODE,
                                home=north, choices={north.id: picks})
                if i < single or i % 500 == 499:
                    session.commit()
                if i + 1 == single:
                    per_cast = (time.perf_counter() - started) / single * 1000
                    print(f"cast with stirring, one transaction each: {per_cast:.2f} ms per cast",
                          flush=True)
            session.commit()
            total = time.perf_counter() - started
            started = time.perf_counter()
            reshuffle(session)
            session.commit()
            shuffle = time.perf_counter() - started
            started = time.perf_counter()
            # As in the manager's request: the count is queued, to run after the response.
            with app.test_request_context():
                operations.transition(session, "system", voting_round, RoundState.COUNTING)
                session.commit()
                queued = g.pop("jobs_after_response", [])
            close = time.perf_counter() - started
            started = time.perf_counter()
            for job in queued:
                jobs.run_safely(app, job)
            count = time.perf_counter() - started
            print(f"database: {make_url(url).get_backend_name()}  ballots: {args.ballots}")
            print(f"all casts: {total:.1f} s")
            print(f"shuffle alone: {shuffle:.2f} s")
            print(f"close (shuffle + board hash, in the request): {close:.2f} s")
            print(f"count job (leaves, board pages, count, results): {count:.2f} s")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
