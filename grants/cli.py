"""`commonpot rounds ...`: the clock for cron, and area import."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from commonpot.extensions import db


@click.group("rounds")
def rounds_group() -> None:
    """Funding rounds."""


@rounds_group.command("tick")
@with_appcontext
def tick_command() -> None:
    """Open and close rounds whose times have come (run every minute from cron)."""
    from grants.operations import tick_rounds

    moves = tick_rounds(db.session)
    db.session.commit()
    for slug, before, after in moves:
        click.echo(f"{slug}: {before} -> {after}")
    if not moves:
        click.echo("No rounds due to open or close.")


@rounds_group.command("import-areas")
@click.argument("fund_slug")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_areas_command(fund_slug: str, csv_file) -> None:
    """Import a fund's wards/districts from CSV rows: area,kind,postcode-or-prefix[,code]."""
    from grants.models import Fund
    from grants.operations import import_areas_csv

    fund = db.session.scalar(select(Fund).where(Fund.slug == fund_slug))
    if fund is None:
        raise click.ClickException(f"No fund with slug {fund_slug!r}.")
    summary = import_areas_csv(db.session, "system", fund, csv_file.read())
    db.session.commit()
    click.echo(f"{summary['areas_created']} area(s) created, {summary['postcodes_added']} "
               f"postcode(s) added.")
