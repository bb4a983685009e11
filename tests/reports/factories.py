"""Build funded rounds and reports through the real operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from commonpot.accounts.models import User
from commonpot.db import utcnow
from grants import operations
from grants.models import Award, Group
from grants.reports import operations as reports
from grants.states import ApplicationStatus, RoundPhase
from tests.grants.factories import create_round

ASSETS = {"assets_people": "Ten volunteers, two first-aiders.", "assets_places": "The church hall.",
          "assets_partners": "The primary school."}


def funded_round(session, fund, manager_id: int, entries: list[dict], *, slug="reports-round"):
    """A round in monitoring with one released award per entry.

    Each entry: user_id, group (Group), title, postcode, theme, lines [(description, pounds)],
    amount_pence. Returns the round and the awards in entry order."""
    manager = session.get(User, manager_id)
    now = utcnow()
    round_ = create_round(session, fund, slug=slug, opens_in_days=-60, closes_in_days=-30,
                          max_per_group=5, budget_pence=10_000_000, max_pence=10_000_000)
    during = now - timedelta(days=40)
    applications = []
    for entry in entries:
        user = session.get(User, entry["user_id"])
        application = operations.start_application(session, user, round_, entry["group"], now=during)
        operations.save_answers(session, user, application, {
            "_title": entry["title"], "_postcode": entry["postcode"], "_theme": entry["theme"],
            "what": "Sessions for neighbours", "people": "30", "often": "Weekly", **ASSETS},
            now=during)
        lines = entry["lines"]
        operations.save_budget(session, user, application, str(sum(int(p) for _, p in lines)),
                               [{"description": d, "category": "activities", "amount": p}
                                for d, p in lines], now=during)
        operations.submit_application(session, user, application, declarations_accepted=True,
                                      now=during)
        applications.append((application, entry["amount_pence"]))
    for target in (RoundPhase.CLOSED, RoundPhase.SCREENING):
        operations.transition_round(session, "system", round_, target, reason="test",
                                    now=now - timedelta(days=29))
    for application, _ in applications:
        operations.screen_application(session, manager, application, eligible=True,
                                      reason_code=None, reason_text="")
    for target in (RoundPhase.SCORING, RoundPhase.DECIDING):
        operations.transition_round(session, "system", round_, target, reason="test",
                                    now=now - timedelta(days=20))
    awards = []
    for application, amount in applications:
        award = Award(application_id=application.id, round_id=round_.id, fund_id=fund.id,
                      amount_pence=amount, status="accepted", decided_by_id=manager.id,
                      released_at=now - timedelta(days=19))
        session.add(award)
        operations.set_application_status(session, manager, application, ApplicationStatus.AWARDED,
                                          message="Grant awarded")
        awards.append(award)
    session.flush()
    for target in (RoundPhase.DECIDED, RoundPhase.MONITORING):
        operations.transition_round(session, manager, round_, target, reason="test",
                                    now=now - timedelta(days=18))
    return round_, awards


def entry(user_id: int, group: Group, title: str, *, postcode="RT1 4AB", theme="Environment",
          lines=(("Hall hire", "600"), ("Materials", "400")), amount_pence=100_000) -> dict:
    return {"user_id": user_id, "group": group, "title": title, "postcode": postcode,
            "theme": theme, "lines": list(lines), "amount_pence": amount_pence}


def accepted_report(session, award: Award, *, group_user_id: int, manager_id: int,
                    ends_on: date, people: dict[tuple[str, str], int], volunteers=0, hours=0,
                    spent: list[int] | None = None, assets_value="0", now=None):
    """Schedule, write, submit and accept a report through the operations."""
    # The activity must have ended for the report to open.
    now = now or max(utcnow(), datetime.combine(ends_on, time(12), UTC))
    user, manager = session.get(User, group_user_id), session.get(User, manager_id)
    report = reports.schedule_report(session, manager, award, ends_on, now=now)
    lines = award.application.budget_lines
    spent = spent if spent is not None else [line.amount_pence for line in lines]
    reports.save_report(session, user, report, reports.ReportContent(
        what_happened="It went well.", learned="Start earlier.", volunteers=str(volunteers),
        volunteer_hours=str(hours), assets_value=assets_value,
        spending={line.id: f"{pence // 100}.{pence % 100:02d}"
                  for line, pence in zip(lines, spent, strict=True)},
        participation={key: str(n) for key, n in people.items()}))
    reports.submit_report(session, user, report, now=now)
    reports.accept_report(session, manager, report, now=now)
    return report
