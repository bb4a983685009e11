"""Time the impact figures (totals by area and year, each group's share) on a made-up fund
with many accepted reports, in a scratch SQLite database built by the real migrations.

Usage (from the repository root)::

    python benchmarks/impact.py --reports 2000

Rows are inserted directly (the report operations are tested elsewhere); the figures are
then checked the way the tests check them: the groups' shares add up to the area totals.
Prints wall-clock seconds, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build(session, reports: int, seed: int) -> int:
    from commonpot.accounts.models import User
    from grants.models import Application, Award, BudgetLine, Fund, FundArea, Funder, Group, Round
    from grants.reports.models import (
        ACTIVITY_TYPES,
        AGE_BANDS,
        GrantReport,
        ReportParticipation,
        ReportSpending,
    )
    from grants.reports.states import ReportState
    from grants.states import ApplicationStatus, RoundPhase

    rng = random.Random(seed)
    user = User(email="bench@example.org", display_name="Bench", password_hash="x")
    funder = Funder(name="Bench", identifier_prefix="360G-bench", org_id="GB-CHC-0000001")
    session.add_all([user, funder])
    session.flush()
    fund = Fund(funder_id=funder.id, name="Bench fund", slug="bench", budget_pence=10**12)
    session.add(fund)
    session.flush()
    areas = [FundArea(fund_id=fund.id, name=f"Area {n}") for n in range(20)]
    round_ = Round(fund_id=fund.id, slug="bench", title="Bench", max_grant_pence=10**9,
                   budget_pence=10**12, phase=RoundPhase.MONITORING,
                   opens_at=time_at(2025, 1, 1), closes_at=time_at(2025, 2, 1))
    session.add_all([*areas, round_])
    session.flush()
    for n in range(reports):
        group = Group(name=f"Group {n}", slug=f"group-{n}")
        session.add(group)
        session.flush()
        application = Application(round_id=round_.id, group_id=group.id, created_by_id=user.id,
                                  status=ApplicationStatus.AWARDED, title=f"Project {n}",
                                  reference=f"CP-B-{n:06d}", submitted_at=time_at(2025, 1, 2),
                                  area_id=areas[n % len(areas)].id, theme=f"Theme {n % 5}")
        session.add(application)
        session.flush()
        line = BudgetLine(application_id=application.id, description="All", category="other",
                          amount_pence=100_000)
        award = Award(application_id=application.id, round_id=round_.id, fund_id=fund.id,
                      amount_pence=100_000, decided_by_id=user.id, released_at=time_at(2025, 3, 1))
        session.add_all([line, award])
        session.flush()
        ends = date(2025 + n % 2, 1 + n % 12, 1)
        report = GrantReport(award_id=award.id, group_id=group.id, state=ReportState.ACCEPTED,
                             activity_ends_on=ends, due_on=ends, submitted_at=time_at(2026, 1, 1),
                             accepted_at=time_at(2026, 1, 2), volunteers=rng.randint(0, 50),
                             volunteer_hours=rng.randint(0, 3000),
                             assets_value_pence=rng.randint(0, 500_000), assets_contribution={})
        session.add(report)
        session.flush()
        session.add(ReportSpending(report_id=report.id, budget_line_id=line.id,
                                   spent_pence=rng.randint(0, 100_000)))
        for band in rng.sample(AGE_BANDS, 2):
            session.add(ReportParticipation(report_id=report.id, activity_type=rng.choice(ACTIVITY_TYPES),
                                            age_band=band, people=rng.randint(1, 500)))
    session.commit()
    return fund.id


def time_at(year, month, day):
    from datetime import UTC, datetime
    return datetime(year, month, day, tzinfo=UTC)


def best(repeat: int, fn):
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from commonpot.app import create_app
    from commonpot.cli import upgrade_database
    from commonpot.extensions import db
    from grants.models import Group
    from grants.reports import impact

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
        with app.app_context():
            upgrade_database()
            start = time.perf_counter()
            fund_id = build(db.session, args.reports, args.seed)
            print(f"built {args.reports} accepted reports in {time.perf_counter() - start:.1f}s")
            seconds, by_area_year = best(args.repeat, lambda: impact.aggregate(
                db.session, ("area", "year"), fund=fund_id))
            print(f"totals by area and year ({len(by_area_year)} cells): {seconds * 1000:.1f} ms")
            seconds, _ = best(args.repeat, lambda: impact.fund_tables(db.session, fund_id))
            print(f"public fund page figures: {seconds * 1000:.1f} ms")
            group = db.session.get(Group, 1)
            seconds, _ = best(args.repeat, lambda: impact.group_shares(db.session, group))
            print(f"one group's shares (group page): {seconds * 1000:.1f} ms")
            parts = impact.aggregate(db.session, ("area", "year", "group"), fund=fund_id)
            for key, whole in by_area_year.items():
                assert sum((t for k, t in parts.items() if k[:2] == key), impact.Totals()) == whole
            print("groups' shares add up to every area total exactly: yes")
            db.engine.dispose()


if __name__ == "__main__":
    main()
