"""`commonpot payments ...`: reconcile the ledger with Stripe, and send released instalments."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from commonpot.extensions import db


@click.group("payments")
def payments_group() -> None:
    """Money through Stripe: the ledger, transfers and reconciliation."""


@payments_group.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Compare the ledger with Stripe's transfers; exit 1 listing every difference."""
    from payments import stripe_client
    from payments.reconcile import reconcile

    try:
        client = stripe_client.make_client()
    except stripe_client.PaymentsNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc
    differences = reconcile(db.session, client)
    db.session.rollback()
    if not differences:
        click.echo("Ledger and Stripe agree.")
        return
    click.echo(f"{len(differences)} difference(s) between the ledger and Stripe:", err=True)
    for line in differences:
        click.echo(f"  - {line}", err=True)
    sys.exit(1)


@payments_group.command("pay-released")
@with_appcontext
def pay_released_command() -> None:
    """Send every released instalment through Stripe (safe to run again at any time)."""
    from payments import payouts, stripe_client

    try:
        client = stripe_client.make_client()
    except stripe_client.PaymentsNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc
    failures = 0
    for instalment_id in payouts.released_instalment_ids(db.session):
        result = payouts.pay_instalment(db.session, client, instalment_id)
        db.session.commit()
        click.echo(f"instalment {instalment_id}: {result.outcome} {result.detail}".rstrip())
        failures += result.outcome == "failed"
    if failures:
        sys.exit(1)
