"""The `commonpot` command line: each command calls an operation, then commits once.

An operation that refuses (raises `Refused`) rolls the command's transaction back; the
command prints the reason and exits 1, as a refused form does on the web."""

from __future__ import annotations

import functools
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from commonpot.extensions import db


def _create_app(*_args, **_kwargs):
    from commonpot.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """Commonpot: participatory budgeting and small grants."""


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade(revision="heads")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo data (running it again adds nothing)."""
    from commonpot.demo import seed_demo

    created = seed_demo(db.session)
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing added.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Run the development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    from commonpot.demo import DEMO_LOGINS, DEMO_PASSWORD

    app = current_app._get_current_object()
    click.echo(f"\nCommonpot is running at http://{host}:{port}/\n")
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for role, email in DEMO_LOGINS:
        click.echo(f"  {role:<25} {email}")
    click.echo("\nPress Ctrl+C to stop.\n")
    # app.run() refuses to start inside the Flask CLI; run_simple is what it would call.
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo_command(ctx: click.Context, host: str, port: int) -> None:
    """Upgrade the database, load the demo data, and start the server."""
    with current_app.app_context():
        upgrade_database()
    ctx.invoke(seed_demo_command)
    ctx.invoke(serve_command, host=host, port=port)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", default="Administrator", show_default=True)
@click.password_option()
@with_appcontext
def create_admin_command(email: str, display_name: str, password: str) -> None:
    """Create (or promote) a platform admin."""
    from commonpot.accounts.operations import AccountError, create_admin

    try:
        user = create_admin(db.session, email=email, display_name=display_name, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is a platform admin.")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Recompute the hash chain; exit 1 naming the first bad event."""
    from commonpot.audit import verify_chain

    report = verify_chain(db.session)
    if report.ok:
        click.echo(f"Audit trail intact: {report.checked} events; latest "
                   f"#{report.last_seq} {report.last_hash}")
        return
    click.echo(f"Audit trail broken at event #{report.first_bad_seq}: {report.problem}. "
               f"{report.checked} events before it check out.", err=True)
    sys.exit(1)


def register_commands(app) -> None:
    for command in (seed_demo_command, serve_command, demo_command, create_admin_command,
                    audit_group, *_domain_commands()):
        report_refusals(command)
        app.cli.add_command(command)


def report_refusals(command: click.Command) -> click.Command:
    """Make `command` (and every command of a group) turn a refusal into a rollback, the
    message on stderr and exit status 1."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            report_refusals(sub)
    callback = command.callback
    if callback is None or getattr(callback, "_reports_refusals", False):
        return command

    @functools.wraps(callback)
    def run(*args, **kwargs):
        from commonpot.refusals import Refused

        try:
            return callback(*args, **kwargs)
        except Refused as refusal:
            db.session.rollback()
            raise click.ClickException("\n".join((refusal.message, *refusal.details))) from refusal

    run._reports_refusals = True
    command.callback = run
    return command


def _domain_commands() -> list[click.Command]:
    """Commands owned by the domain packages."""
    commands: list[click.Command] = []
    from grants.cli import rounds_group
    commands.append(rounds_group)
    from grants.open_data_cli import export_group
    commands.append(export_group)
    try:
        from voting.counting.cli import tally
    except ImportError:  # the counting engine lands in its own issue
        pass
    else:
        commands.append(tally)
    from payments.cli import payments_group

    commands.append(payments_group)
    return commands
