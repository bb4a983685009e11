"""``commonpot tally FILE.pb --rule RULE [--json] [--explain]``.

``tally`` is a Click command; the web app registers it on the ``commonpot``
group, and ``python -m voting.counting`` runs it on its own.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import click

from .count import RuleNotApplicable, count
from .money import currency
from .pabulib import PabulibError, read_pb
from .profile import compile_election
from .rules import RULES

#: Files at least this big get a progress bar (on standard error).
PROGRESS_BYTES = 1_000_000


def _json_number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


class _StepReporter:
    """Shows how many budget increases MES has tried so far."""

    def __init__(self, enabled: bool):
        # Carriage-return updates only make sense on a terminal.
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False

    def __call__(self, steps: int) -> None:
        if self.enabled and steps % 10 == 0:
            click.echo(f"\rCounting: budget increase {steps}", nl=False, err=True)
            self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.command("tally")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule", "rule_name", type=click.Choice(list(RULES)), default="mes_add1_greedy",
              show_default=True, help="Counting rule.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@click.option("--explain", is_flag=True, help="Say why each project was or was not selected.")
@click.option("--currency-symbol", default="", help="Shown before amounts, e.g. '£'.")
@click.option("--unit-divisor", default=1, type=click.IntRange(min=1), show_default=True,
              help="Amounts in the file are divided by this for display (100 for pence).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: for files over 1 MB).")
def tally(file: Path, rule_name: str, as_json: bool, explain: bool, currency_symbol: str,
          unit_divisor: int, progress: bool | None) -> None:
    """Count the Pabulib election in FILE and print the winners."""
    show = progress if progress is not None else file.stat().st_size >= PROGRESS_BYTES
    try:
        if show:
            with click.progressbar(length=1, label="Reading", file=sys.stderr) as bar:
                def on_lines(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                election = read_pb(file, progress=on_lines)
                bar.update(max(bar.length - bar.pos, 0) if bar.length else 1)
        else:
            election = read_pb(file)
    except PabulibError as exc:
        raise click.ClickException(str(exc)) from None
    money = currency(currency_symbol, unit_divisor)
    reporter = _StepReporter(show)
    try:
        outcome = count(compile_election(election), rule_name, money=money, progress=reporter)
    except RuleNotApplicable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        reporter.close()

    if as_json:
        payload: dict[str, object] = {
            "rule": rule_name,
            "selected": outcome.selected_sorted,
            "cost": _json_number(outcome.total_cost),
            "budget": _json_number(outcome.budget),
        }
        if explain:
            payload["explanations"] = dict(outcome.explanations)
        click.echo(json.dumps(payload, ensure_ascii=False))
        return

    names = {p.id: p.name for p in election.projects}
    costs = {p.id: p.cost for p in election.projects}
    share = float(outcome.total_cost / outcome.budget * 100) if outcome.budget else 0.0
    click.echo(f"Rule: {rule_name} - {RULES[rule_name].label}")
    click.echo(f"Selected {len(outcome.selected)} of {len(election.projects)} projects, using "
               f"{money(outcome.total_cost)} of {money(outcome.budget)} ({share:.1f}%).")
    for pid in outcome.selected:
        name = f"  {names[pid]}" if names[pid] else ""
        click.echo(f"  {pid}  {money(costs[pid])}{name}")
    if explain:
        click.echo("")
        click.echo("Why:")
        for p in election.projects:
            click.echo(f"  {p.id}: {outcome.explanations[p.id]}")
