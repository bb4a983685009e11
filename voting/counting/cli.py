"""``commonpot tally FILE.pb --rule RULE|official [options] [--json] [--explain]``.

``tally`` is a Click command; the web app registers it on the ``commonpot``
group, and ``python -m voting.counting`` runs it on its own.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import click

from .count import OFFICIAL, RuleNotApplicable, count
from .money import currency
from .official import UnknownOfficialRule
from .options import ACCURACIES, COMPARISONS, COMPLETIONS, CountOptions, OptionError, parse_options
from .pabulib import PabulibError, read_pb
from .profile import compile_election
from .rules import RULES
from .ties import TieUnsettled

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


def _plain(value):
    """JSON-friendly copy of a details value (Fractions as numbers)."""
    if isinstance(value, Fraction):
        return _json_number(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, CountOptions):
        return value.to_dict()
    return value


_RULE_NAMES = [OFFICIAL, *RULES]


@click.command("tally")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule", "rule_name", type=click.Choice(_RULE_NAMES), default="mes_add1_greedy",
              show_default=True,
              help="Counting rule; 'official' counts with the rule the file's META names.")
@click.option("--threshold", default=None,
              help="Least votes/points a project needs (greedy-threshold, greedy-no-skip); "
                   "overrides META min_project_score_threshold.")
@click.option("--tie-breaking", default=None, metavar="LIST",
              help="Equal Shares and greedy ties: maxVotes, minCost, maxCost in order, comma-separated "
                   "(default: smaller project id, as pabutools).")
@click.option("--completion", type=click.Choice(COMPLETIONS), default=None,
              help="Equal Shares completion (default: the rule's own).")
@click.option("--add1", "add1_flags", default=None, metavar="FLAGS",
              help="add1 flags: exhaustive, integral, comma-separated, or 'none' (default: exhaustive).")
@click.option("--increment", default=None,
              help="What add1 adds to each voter's share per step (default 1).")
@click.option("--comparison", type=click.Choice([*COMPARISONS, "exclusionRatio"]), default=None,
              help="Compare Equal Shares with greedy and keep greedy if more voters prefer it.")
@click.option("--accuracy", type=click.Choice(ACCURACIES), default=None,
              help="exact (fractions, the default) or float (a quick look).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on standard output.")
@click.option("--explain", is_flag=True, help="Say why each project was or was not selected.")
@click.option("--currency-symbol", default="", help="Shown before amounts, e.g. '£'.")
@click.option("--unit-divisor", default=1, type=click.IntRange(min=1), show_default=True,
              help="Amounts in the file are divided by this for display (100 for pence).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: for files over 1 MB).")
def tally(file: Path, rule_name: str, threshold: str | None, tie_breaking: str | None,
          completion: str | None, add1_flags: str | None, increment: str | None,
          comparison: str | None, accuracy: str | None, as_json: bool, explain: bool,
          currency_symbol: str, unit_divisor: int, progress: bool | None) -> None:
    """Count the Pabulib election in FILE and print the winners."""
    try:
        options = parse_options(tie_breaking=tie_breaking, completion=completion, add1=add1_flags,
                                increment=increment, comparison=comparison, accuracy=accuracy,
                                threshold=threshold)
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None
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
        outcome = count(compile_election(election), rule_name, money=money, progress=reporter,
                        options=options)
    except (RuleNotApplicable, UnknownOfficialRule, TieUnsettled, OptionError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        reporter.close()

    if as_json:
        payload: dict[str, object] = {
            "rule": outcome.rule,
            "selected": outcome.selected_sorted,
            "cost": _json_number(outcome.total_cost),
            "budget": _json_number(outcome.budget),
            "options": outcome.details["options"].to_dict(),
            "ties": [t.to_dict() for t in outcome.ties],
        }
        if rule_name == OFFICIAL:
            payload["official"] = True
        if "comparison" in outcome.details:
            payload["comparison"] = _plain(outcome.details["comparison"])
        if explain:
            payload["summary"] = list(outcome.details["summary"])
            payload["explanations"] = dict(outcome.explanations)
        click.echo(json.dumps(payload, ensure_ascii=False))
        return

    names = {p.id: p.name for p in election.projects}
    costs = {p.id: p.cost for p in election.projects}
    share = float(outcome.total_cost / outcome.budget * 100) if outcome.budget else 0.0
    how = " (the file's official rule)" if rule_name == OFFICIAL else ""
    click.echo(f"Rule: {outcome.rule} - {RULES[outcome.rule].label}{how}")
    click.echo(f"Selected {len(outcome.selected)} of {len(election.projects)} projects, using "
               f"{money(outcome.total_cost)} of {money(outcome.budget)} ({share:.1f}%).")
    for pid in outcome.selected:
        name = f"  {names[pid]}" if names[pid] else ""
        click.echo(f"  {pid}  {money(costs[pid])}{name}")
    if outcome.ties:
        click.echo(f"Ties: {len(outcome.ties)} (see --explain).")
    if explain:
        click.echo("")
        for line in outcome.details["summary"]:
            click.echo(line)
        click.echo("")
        click.echo("Why:")
        for p in election.projects:
            click.echo(f"  {p.id}: {outcome.explanations[p.id]}")
