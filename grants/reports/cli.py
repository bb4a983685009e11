"""`commonpot reports remind`: ask for reports whose activity has ended, remind, and mark
overdue (run daily from cron). Uses the reports clock, so a test can move time."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from commonpot.extensions import db


@click.group("reports")
def reports_group() -> None:
    """End-of-grant reports."""


@reports_group.command("remind")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this UTC time (ISO 8601), e.g. to catch up after an outage.")
@with_appcontext
def remind_command(now_text: str | None) -> None:
    """Ask, remind and mark overdue as the calendar says (safe to repeat)."""
    from grants.reports import clock
    from grants.reports.operations import remind_reports

    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.BadParameter("use an ISO 8601 time such as 2027-05-01T09:00") from exc
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    else:
        now = clock.now()
    moves = remind_reports(db.session, now)
    db.session.commit()
    for report_id, what in moves:
        click.echo(f"report {report_id}: {what}")
    if not moves:
        click.echo("No reports to ask for, remind or mark overdue.")
