"""`commonpot export 360giving`: every public award as a 360Giving package."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from commonpot.extensions import db


@click.group("export")
def export_group() -> None:
    """Open data exports."""


@export_group.command("360giving")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@with_appcontext
def export_360giving_command(fmt: str, output: str | None) -> None:
    """Awarded grants in the 360Giving Data Standard (JSON package or CSV)."""
    from grants import giving360

    data = giving360.package(db.session, **giving360.options_from_config(current_app.config))
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = giving360.package_csv(data["grants"])
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"{len(data['grants'])} grants written to {output}.", err=True)
    else:
        click.echo(text, nl=False)
