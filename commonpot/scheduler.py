"""The clock: periodic work, run by `commonpot scheduler` (one process) or by cron.

Each task is a command of the `commonpot` CLI, named by its words, so this platform module
needs no import from the domain packages, and cron can run exactly the same thing. A task
whose command is not installed (a feature not yet merged, or switched off) is skipped.
With Redis, the scheduler only queues each task (`commonpot worker` runs it, with a timeout
and retries); without Redis it runs the task itself, one after another.

Every task is safe to run twice or late: the clock moves each round once, mail claims its
rows, payouts carry idempotency keys, and the sweeps pick up whatever a crash left behind.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import click
from flask import current_app
from sqlalchemy.orm import Session

from commonpot import jobs

log = logging.getLogger("commonpot.scheduler")


@dataclass(frozen=True)
class Task:
    command: str  # words after `commonpot`
    every_seconds: int
    timeout: int = 300


TASKS = (
    Task("rounds tick", 60),
    Task("mail deliver", 60),
    Task("payments pay-released", 300),
    Task("payments reconcile", 3600),
    Task("audit checkpoint", 15 * 60),
    Task("voting count-pending", 60),
    Task("privacy sweep", 24 * 3600, timeout=1800),
    Task("reports remind", 24 * 3600),
)


def find_command(app, words: str) -> click.Command | None:
    command: click.Command | None = app.cli
    ctx = click.Context(app.cli)
    for word in words.split():
        if not isinstance(command, click.Group):
            return None
        command = command.get_command(ctx, word)
        if command is None:
            return None
    return command


def run_command(session: Session, words: str) -> str:
    """A job: run one CLI command in this app context. Exit status 1 is a finding (for
    example reconcile's differences), logged as a warning, not a crash to retry."""
    command = find_command(current_app, words)
    if command is None:
        return "not installed"
    try:
        command.main(args=[], prog_name=f"commonpot {words}", standalone_mode=False)
    except click.ClickException as exc:
        log.info("%s: %s", words, exc.format_message())  # e.g. Stripe not configured
        return "refused"
    except SystemExit as exc:
        if exc.code:
            log.warning("%s exited with %s", words, exc.code)
            return f"exit {exc.code}"
    return "ok"


def due_tasks(app, last_run: dict[str, float], now: float) -> list[Task]:
    return [task for task in TASKS if find_command(app, task.command) is not None
            and now - last_run.get(task.command, 0.0) >= task.every_seconds]


def run_forever(app, *, once: bool = False, poll_seconds: float = 5.0) -> None:
    last_run: dict[str, float] = {}
    while True:
        now = time.time()
        for task in due_tasks(app, last_run, now):
            last_run[task.command] = now
            with app.app_context():
                outcome = jobs.enqueue("commonpot.scheduler:run_command", task.command,
                                       timeout=task.timeout)
            log.info("scheduled %s: %s", task.command, outcome)
        if once:
            return
        time.sleep(poll_seconds)
