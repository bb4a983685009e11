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
    if not app.config.get("JOBS_REDIS_URL"):
        # One command for the demo: the clock (rounds opening and closing, mail) runs in a
        # background thread of this server. Production runs `commonpot scheduler` instead.
        import threading

        from commonpot.scheduler import run_forever

        threading.Thread(target=run_forever, args=(app,), kwargs={"poll_seconds": 15},
                         name="commonpot-scheduler", daemon=True).start()
        click.echo("The scheduler runs inside this server (rounds tick, mail) every minute.")
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
    """The audit log: verify it, sign checkpoints, export it, witness a site."""


@audit_group.command("verify")
@click.option("--all-signatures", is_flag=True,
              help="Check every event's signature, not only those after the last checkpoint.")
@with_appcontext
def audit_verify_command(all_signatures: bool) -> None:
    """Recompute the tree and check signatures; exit 1 naming the first failure."""
    from commonpot.audit import verify_database

    report = verify_database(db.session, all_signatures=all_signatures)
    if report.ok:
        for line in report.notes:
            click.echo(f"Note: {line}.")
        click.echo(f"Audit log intact: {report.checked} events, {report.checkpoints} signed "
                   f"checkpoints; tree head {report.root.hex()}")
        return
    click.echo(f"Audit log broken: {report.problem}.", err=True)
    sys.exit(1)


@click.group("privacy")
def privacy_group() -> None:
    """Subject access, erasure and retention (UK GDPR)."""


@privacy_group.command("export")
@click.argument("email")
@with_appcontext
def privacy_export_command(email: str) -> None:
    """Print everything held about EMAIL as JSON (audited)."""
    import json

    from commonpot.privacy import export_person

    data = export_person(db.session, email)
    db.session.commit()
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@privacy_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase_command(email: str, yes: bool) -> None:
    """Pseudonymise everything held about EMAIL; tallies, awards and the audit trail stay valid."""
    from commonpot.privacy import erase_person

    if not yes:
        click.confirm(f"Erase the personal data of {email}? This cannot be undone", abort=True)
    report = erase_person(db.session, email)
    db.session.commit()
    if not report.found:
        click.echo(f"Nothing held about {email}.")
        return
    click.echo("Erased: " + ", ".join(f"{table} ({n})" for table, n in sorted(report.rows_changed.items())))


@privacy_group.command("sweep")
@click.option("--dry-run", is_flag=True, help="Say what is due without removing anything.")
@with_appcontext
def privacy_sweep_command(dry_run: bool) -> None:
    """Remove personal data past its retention period (run daily from cron)."""
    from commonpot.privacy import retention_rules, sweep

    results = sweep(db.session, current_app.config, dry_run=dry_run)
    db.session.commit()
    for rule in retention_rules():
        days = current_app.config[rule.config_key]
        verb = "due" if dry_run else "removed"
        click.echo(f"{rule.name}: {results[rule.name]} {verb} (kept {days} days: {rule.description})")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run queued jobs (needs REDIS_URL). Start one or more next to the web processes."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from commonpot import jobs

    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inside the web "
                                   "process after each response and no worker is needed.")
    jobs.set_worker_app(current_app._get_current_object())
    connection = Redis.from_url(url)
    queue = Queue(current_app.config.get("JOBS_QUEUE", jobs.QUEUE_NAME), connection=connection)
    # SimpleWorker runs each job in this process (no fork per job): the app and its
    # connection pool stay warm. with_scheduler runs retries when their back-off is over.
    worker = SimpleWorker([queue], connection=connection)
    worker.work(burst=burst, with_scheduler=True)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run (or queue) every periodic task once, then stop.")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """The clock: rounds tick, mail, payouts, reconciliation, checkpoints, retention, reminders."""
    from commonpot.scheduler import TASKS, find_command, run_forever

    app = current_app._get_current_object()
    for task in TASKS:
        state = f"every {task.every_seconds}s" if find_command(app, task.command) else "not installed"
        click.echo(f"  commonpot {task.command}: {state}")
    run_forever(app, once=once)


@click.group("mail")
def mail_group() -> None:
    """The email outbox."""


@mail_group.command("deliver")
@with_appcontext
def mail_deliver_command() -> None:
    """Send every message that is due (retries with back-off; gives up after 8 attempts)."""
    from commonpot.mail import deliver_due

    report = deliver_due(db.session)
    db.session.commit()
    click.echo(f"{report.sent} sent, {report.failed} to retry later, {report.dead} given up, "
               f"{report.kept} kept in the outbox (no mail server).")


@audit_group.command("checkpoint")
@click.option("--reason", default="scheduled", show_default=True)
@with_appcontext
def audit_checkpoint_command(reason: str) -> None:
    """Sign a checkpoint if anything was appended since the last (run by cron every 15 minutes)."""
    from commonpot.audit import AuditTampered, sign_checkpoint

    try:
        checkpoint = sign_checkpoint(db.session, reason=reason)
    except AuditTampered as exc:
        db.session.rollback()
        click.echo(f"Refused to sign: {exc}.", err=True)
        sys.exit(1)
    db.session.commit()
    if checkpoint is None:
        click.echo("Nothing appended since the last checkpoint.")
    else:
        click.echo(checkpoint.note, nl=False)


@audit_group.command("keygen")
@click.option("--name", help="Key name (default: the log's origin).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the signing key to this file (mode 600).")
@with_appcontext
def audit_keygen_command(name: str | None, out: str | None) -> None:
    """Make an Ed25519 signing key for AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE)."""
    from pathlib import Path

    from flask import current_app

    from commonpot.audit.keys import key_name, keys, write_key_file
    from commonpot_verify.note import generate_signer

    signer = generate_signer(name or key_name(keys().origin))
    if out:
        if Path(out).exists():
            raise click.ClickException(f"{out} exists already: not overwriting a key.")
        write_key_file(Path(out), signer)
        click.echo(f"Signing key written to {out}. Set AUDIT_SIGNING_KEY_FILE={out}.")
    else:
        click.echo(f"AUDIT_SIGNING_KEY={signer}")
    click.echo(f"Public verifier key (publish it; it is on /audit too once in use): {signer.verifier}")
    current_app.logger.info("audit key made: %s", signer.verifier)


@audit_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@with_appcontext
def audit_export_command(path: str) -> None:
    """Write the public log as JSON lines (header, events, checkpoints) for commonpot-verify."""
    from commonpot.audit.export import export_lines

    with click.open_file(path, "w", encoding="utf-8") as out:
        for line in export_lines(db.session):
            out.write(line + "\n")


@audit_group.command("witness")
@click.argument("url")
@click.option("--state", type=click.Path(dir_okay=False),
              help="Where to keep the last checkpoint seen (default: instance/witness/<host>.json).")
@click.option("--key", help="The site's verifier key, to pin on the first run.")
@with_appcontext
def audit_witness_command(url: str, state: str | None, key: str | None) -> None:
    """Check a site's latest checkpoint extends the last one seen; exit 1 loudly if not."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from flask import current_app

    from commonpot_verify.note import NoteError
    from commonpot_verify.sources import Site
    from commonpot_verify.witness import WitnessAlarm, witness

    host = urlsplit(url).netloc.replace(":", "_") or "site"
    state_path = Path(state) if state else Path(current_app.instance_path) / "witness" / f"{host}.json"
    try:
        result = witness(Site(url), state_path, key)
    except (WitnessAlarm, NoteError) as exc:
        click.echo(f"ALARM: {exc}", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.message}.")


def register_commands(app) -> None:
    for command in (seed_demo_command, serve_command, demo_command, create_admin_command,
                    audit_group, privacy_group, worker_command, scheduler_command, mail_group,
                    *_domain_commands()):
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
    from grants.reports.cli import reports_group
    commands.append(reports_group)
    try:
        from voting.counting.cli import tally
    except ImportError:  # the counting engine lands in its own issue
        pass
    else:
        commands.append(tally)
    from payments.cli import payments_group

    commands.append(payments_group)
    from voting.cli import voting_group

    commands.append(voting_group)
    return commands


if __name__ == "__main__":
    main()
