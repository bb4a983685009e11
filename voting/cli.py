"""`commonpot voting ...`: counts that a lost job left behind (the scheduler runs this)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from commonpot.extensions import db


@click.group("voting")
def voting_group() -> None:
    """Resident votes."""


@voting_group.command("count-pending")
@with_appcontext
def count_pending_command() -> None:
    """Queue again every count that was queued or started and then lost (run every minute)."""
    from voting.closing import requeue_pending

    rounds = requeue_pending(db.session)
    db.session.commit()  # hands the counts to the queue (in-process: counts them now)
    if rounds:
        click.echo("Counts queued again for rounds: " + ", ".join(map(str, rounds)))
    else:
        click.echo("No counts waiting.")
