"""Time every counting rule on every shared Pabulib file, against pabutools.

Usage (from the repository root)::

    python benchmarks/counting.py                      # all files, all rules
    python benchmarks/counting.py --file Poland_Lodz_2022.pb --rule mes_add1_greedy
    python benchmarks/counting.py --no-pabutools       # our timings only
    python benchmarks/counting.py --shell              # `commonpot tally` from the shell on Lodz

Every rule of the engine is timed on every file it applies to, plus ``official`` (the
rule the file's META names, ties broken by ``--tie-breaking``, default maxVotes,minCost).
"e2e s" adds our parse time to the count: the goal is under 1 s for every rule and file.
"peak MB" is the process's peak memory so far (goal: under 300 MB on Lodz).

The files are read from ``<repo>/../shared/pabulib``.  When ``pabutools`` is
installed (a benchmark extra, never a runtime dependency) it is timed on the
same file in the same run, and the table shows the speed ratio and whether
the winners agree.  pabutools needs minutes on the big files: limit the run
with ``--file``/``--rule`` or give ``--pabutools-timeout``.  The reference
timings from ``pabutools_timings.md`` (measured on the project's 2-core
machine) are printed alongside, and our winners are checked against
``expected.json``.

Timings are wall-clock seconds, parsing excluded (as in the reference);
"ours" includes merging identical ballots and is the best of ``--repeat``
runs, pabutools is one run.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voting.counting import RULES, compile_election, count, read_pb  # noqa: E402
from voting.counting.options import parse_options  # noqa: E402

OFFICIAL = "official"
#: Rules pabutools 1.2.3 has a call for (the others are timed on our side only).
PABUTOOLS_RULES = ("greedy", "mes", "mes_add1", "mes_add1_greedy", "mes_greedy", "mes_exhaustion",
                   "phragmen")

SHARED = REPO / ".." / "shared" / "pabulib"


def reference_timings(path: Path) -> dict[str, dict[str, float | None]]:
    """file -> rule -> seconds from pabutools_timings.md (None: >600 s)."""
    out: dict[str, dict[str, float | None]] = {}
    if not path.is_file():
        return out
    header: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5:
            continue
        if cells[0] == "set":
            header = cells
            continue
        if not header or set(cells[0]) <= {"-"}:
            continue
        name = cells[1].strip("`")
        row: dict[str, float | None] = {}
        for col, cell in zip(header, cells, strict=False):
            if col in RULES or col == "parse":
                if "600" in cell and ">" in cell:
                    row[col] = None
                else:
                    with contextlib.suppress(ValueError):
                        row[col] = float(cell)
        out[name] = row
    return out


# -- pabutools, set up exactly as shared/pabulib/tools/pb_reference.py --------
class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def pabutools_available() -> bool:
    try:
        import pabutools  # noqa: F401
    except ImportError:
        return False
    return True


def pabutools_setup(path: Path):
    from pabutools.election import AdditiveSatisfaction, Cost_Sat, parse_pabulib

    inst, prof = parse_pabulib(str(path))
    vote_type = inst.meta["vote_type"]

    if vote_type in ("approval", "choose-1"):
        sat = Cost_Sat
    elif vote_type == "cumulative":
        def points(instance, profile, ballot, project, precomputed_values):
            return ballot.get(project, 0) * project.cost

        class PointsCostSat(AdditiveSatisfaction):
            def __init__(self, instance, profile, ballot):
                AdditiveSatisfaction.__init__(self, instance, profile, ballot, points)

        sat = PointsCostSat
    else:
        max_length = int(inst.meta.get("max_length", len(inst)))

        def positional(instance, profile, ballot, project, precomputed_values):
            if project in ballot:
                return (max_length - ballot.index(project)) * project.cost
            return 0

        class PositionalCostSat(AdditiveSatisfaction):
            def __init__(self, instance, profile, ballot):
                AdditiveSatisfaction.__init__(self, instance, profile, ballot, positional)

        sat = PositionalCostSat
    return inst, prof, sat


def pabutools_run(rule: str, inst, prof, sat):
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    if rule == "greedy":
        return greedy_utilitarian_welfare(inst, prof, sat_class=sat)
    if rule == "mes":
        return method_of_equal_shares(inst, prof, sat_class=sat)
    if rule == "mes_add1":
        return method_of_equal_shares(inst, prof, sat_class=sat, voter_budget_increment=1)
    if rule == "mes_add1_greedy":
        return completion_by_rule_combination(
            inst, prof, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}])
    if rule == "mes_greedy":
        return completion_by_rule_combination(
            inst, prof, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat}, {"sat_class": sat}])
    if rule == "mes_exhaustion":
        return exhaustion_by_budget_increase(inst, prof, method_of_equal_shares, {"sat_class": sat})
    if rule == "phragmen":
        return sequential_phragmen(inst, prof)
    raise ValueError(rule)


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", action="append", default=[],
                    help="file name (or substring) in the shared folder; repeatable")
    ap.add_argument("--rule", action="append", default=[], choices=[*RULES, OFFICIAL],
                    help="rule to time; repeatable (default: all applicable)")
    ap.add_argument("--no-pabutools", action="store_true", help="do not run pabutools")
    ap.add_argument("--pabutools-timeout", type=int, default=600,
                    help="seconds allowed per pabutools call (default 600)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="folder with the .pb files")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time ours as the best of this many runs (stops after 10 s)")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    ap.add_argument("--tie-breaking", default="maxVotes,minCost",
                    help="tie-breaking for the official count (default maxVotes,minCost)")
    ap.add_argument("--shell", action="store_true",
                    help="time `commonpot tally` end to end from the shell on the Lodz files instead")
    args = ap.parse_args(argv)
    if args.shell:
        return shell_timings(args.shared.resolve(), args.repeat)

    folder = args.shared.resolve()
    if not folder.is_dir():
        print(f"shared folder not found: {folder}", file=sys.stderr)
        return 2
    files = sorted(folder.glob("*.pb"), key=lambda p: p.stat().st_size)
    if args.file:
        files = [p for p in files if any(f == p.name or f in p.name for f in args.file)]
    expected = {}
    if (folder / "expected.json").is_file():
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    reference = reference_timings(folder / "pabutools_timings.md")
    use_pabutools = not args.no_pabutools and pabutools_available()
    if not args.no_pabutools and not use_pabutools:
        print("pabutools is not installed: showing reference timings only "
              "(pip install pabutools to compare live)", file=sys.stderr)

    rows = []
    head = (f"{'file':<46} {'rule':<28} {'ours s':>8} {'e2e s':>7} {'pabu s':>8} {'ratio':>7} "
            f"{'same':>5} {'ref s':>7} {'ref ratio':>9} {'expected':>8} {'peak MB':>7}")
    print(head)
    print("-" * len(head))
    for path in files:
        t = time.perf_counter()
        election = read_pb(path)
        parse_ours = time.perf_counter() - t
        rules = [r for r in (args.rule or [*RULES, OFFICIAL])
                 if r == OFFICIAL or (election.ballot_type in RULES[r].ballot_types
                                      and not (r == "phragmen" and election.ballot_type != "approval"))]
        pabu = None
        parse_pabu = None
        if use_pabutools and rules:
            t = time.perf_counter()
            pabu = pabutools_setup(path)
            parse_pabu = time.perf_counter() - t
        print(f"# {path.name}: {len(election.ballots)} voters, {len(election.projects)} projects, "
              f"{election.vote_type}; parse ours {parse_ours:.2f} s"
              + (f", pabutools {parse_pabu:.2f} s" if parse_pabu is not None else ""), flush=True)
        for rule in rules:
            # Best of a few runs (each from scratch, ballots merged again):
            # the machine is shared, and one run of ours is short enough for
            # a neighbour's burst to double it.  pabutools runs once.
            ours = float("inf")
            spent = 0.0
            options = parse_options(tie_breaking=args.tie_breaking) if rule == OFFICIAL else None
            refused = None
            for _ in range(max(args.repeat, 1)):
                t = time.perf_counter()
                try:
                    outcome = count(compile_election(election), rule, options=options)
                except ValueError as exc:  # an official count refused (unknown rule, tie)
                    refused = str(exc)
                    break
                elapsed = time.perf_counter() - t
                ours = min(ours, elapsed)
                spent += elapsed
                if spent > 10:
                    break
            if refused is not None:
                print(f"{path.name[:46]:<46} {rule:<28} refused: {refused[:90]}", flush=True)
                continue
            winners = sorted(outcome.selected)
            if rule == OFFICIAL and "selected" in election.project_columns:
                city = sorted(p.id for p in election.projects if p.extra["selected"].strip() == "1")
                expected.setdefault("files", {}).setdefault(path.name, {})[OFFICIAL] = city
            label = f"official={outcome.rule}" if rule == OFFICIAL else rule
            exp = expected.get("files", {}).get(path.name, {}).get(rule)
            exp_text = "-" if exp is None else ("yes" if exp == winners else "NO")
            pabu_s = None
            same = "-"
            if pabu is not None and rule in PABUTOOLS_RULES:
                signal.signal(signal.SIGALRM, _alarm)
                signal.alarm(args.pabutools_timeout)
                t = time.perf_counter()
                try:
                    res = pabutools_run(rule, *pabu)
                    pabu_s = time.perf_counter() - t
                    same = "yes" if sorted(p.name for p in res) == winners else "NO"
                except _Timeout:
                    same = "t/o"
                finally:
                    signal.alarm(0)
            ref = reference.get(path.name, {}).get(rule)
            ref_text = fmt(ref) if rule in reference.get(path.name, {}) else "-"
            if rule in reference.get(path.name, {}) and ref is None:
                ref_text = ">600"
            ratio = f"{pabu_s / ours:.0f}x" if pabu_s else "-"
            if ref:
                ref_ratio = f"{ref / ours:.0f}x"
            else:
                ref_ratio = "-" if ref_text != ">600" else f">{600 / ours:.0f}x"
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{path.name[:46]:<46} {label[:28]:<28} {fmt(ours):>8} {fmt(parse_ours + ours):>7} "
                  f"{fmt(pabu_s):>8} {ratio:>7} {same:>5} {ref_text:>7} {ref_ratio:>9} {exp_text:>8} "
                  f"{peak:>7.0f}", flush=True)
            rows.append({"file": path.name, "rule": label, "ours_seconds": ours,
                         "end_to_end_seconds": parse_ours + ours, "peak_mb": peak,
                         "pabutools_seconds": pabu_s, "same_winners": same,
                         "reference_seconds": ref, "matches_expected": exp_text,
                         "selected": winners})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def shell_timings(folder: Path, repeat: int) -> int:
    """`commonpot tally` as a person runs it: process start, imports, parse, count."""
    exe = shutil.which("commonpot")
    if exe is None:
        print("the commonpot command is not installed (pip install -e .)", file=sys.stderr)
        return 2
    print(f"{'file':<46} {'rule':<16} {'best s':>7} {'peak MB':>8}")
    for path in sorted(folder.glob("Poland_Lodz*.pb")):
        for rule in ("greedy", "mes", "mes_add1_greedy", OFFICIAL):
            best = float("inf")
            peak = 0.0
            for _ in range(max(repeat, 1)):
                t = time.perf_counter()
                proc = subprocess.run([exe, "tally", str(path), "--rule", rule, "--json", "--no-progress"],
                                      capture_output=True, text=True)
                best = min(best, time.perf_counter() - t)
                if proc.returncode != 0:
                    print(f"{path.name} {rule}: {proc.stderr.strip()}", file=sys.stderr)
                peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            print(f"{path.name[:46]:<46} {rule:<16} {best:>7.2f} {peak:>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
