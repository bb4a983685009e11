"""Reader and writer for Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, ``META``, ``PROJECTS`` and ``VOTES``, each a title
line, a header line and semicolon-separated data lines with CSV quoting.
Every column is kept (unknown ones in ``extra``) so that reading and writing a
file gives back the same election.  Problems are reported as
:class:`PabulibError` carrying the offending line number.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import IO

from .election import BALLOT_TYPE_OF_VOTE_TYPE, Ballot, Election, Number, Project

__all__ = ["PabulibError", "read_pb", "parse_pb", "write_pb", "dumps_pb", "format_number"]

_SECTIONS = ("META", "PROJECTS", "VOTES")
_PROJECT_CORE = ("project_id", "cost", "name", "category", "district")
_VOTE_CORE = ("voter_id", "vote", "points")

#: Called with (lines read, total lines) while a file is parsed.
Progress = Callable[[int, int], None]


class PabulibError(ValueError):
    """A malformed ``.pb`` file.  ``line`` is 1-based (None if not known)."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None):
        self.message = message
        self.line = line
        self.source = source
        where = source or "<pb>"
        super().__init__(f"{where}:{line}: {message}" if line else f"{where}: {message}")


def parse_number(text: str) -> Fraction:
    """Parse a Pabulib number exactly; a decimal comma is accepted."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    return Fraction(s)


def format_number(value: Number) -> str:
    """Write a number as Pabulib does: an integer, or a finite decimal."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = abs(value) * 10**digits
    assert scaled.denominator == 1
    text = str(scaled.numerator).rjust(digits + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def _int_or_fraction(value: Fraction) -> Number:
    return value.numerator if value.denominator == 1 else value


class _Lines:
    """Feeds the CSV reader line by line and reports progress."""

    def __init__(self, text: str, progress: Progress | None):
        self._it = iter(io.StringIO(text, newline=""))
        self.total = text.count("\n") + 1
        self.done = 0
        self._progress = progress

    def __iter__(self) -> Iterator[str]:
        for line in self._it:
            self.done += 1
            if self._progress is not None and self.done % 5000 == 0:
                self._progress(self.done, self.total)
            yield line


def _section_title(row: list[str]) -> str | None:
    if row and row[0].strip().upper() in _SECTIONS and all(not c.strip() for c in row[1:]):
        return row[0].strip().upper()
    return None


def parse_pb(text: str, source: str | None = None, progress: Progress | None = None) -> Election:
    """Parse the text of a ``.pb`` file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _Lines(text, progress)
    reader = csv.reader(lines, delimiter=";", quotechar='"')

    def fail(message: str, line: int | None = None) -> PabulibError:
        return PabulibError(message, line if line is not None else reader.line_num, source)

    section: str | None = None
    header: list[str] | None = None
    seen: dict[str, int] = {}
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Project] = []
    project_ids: set[str] = set()
    project_columns: list[str] = []
    vote_columns: list[str] = []
    raw_votes: list[tuple[int, list[str]]] = []

    try:
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            title = _section_title(row)
            if title is not None:
                if title in seen:
                    raise fail(f"section {title} appears twice (first on line {seen[title]})")
                expected = _SECTIONS[len(seen)]
                if title != expected:
                    raise fail(f"section {title} found where {expected} was expected")
                seen[title] = reader.line_num
                section, header = title, None
                continue
            if section is None:
                raise fail("the file must start with a META section")
            if header is None:
                header = [c.strip() for c in row]
                if section == "PROJECTS":
                    for col in ("project_id", "cost"):
                        if col not in header:
                            raise fail(f"PROJECTS header has no {col!r} column")
                    project_columns = header
                elif section == "VOTES":
                    for col in ("voter_id", "vote"):
                        if col not in header:
                            raise fail(f"VOTES header has no {col!r} column")
                    vote_columns = header
                continue
            if section == "META":
                key = row[0].strip()
                value = row[1] if len(row) > 1 else ""
                if len(row) > 2:
                    # An unquoted ';' inside a value: keep the text whole.
                    value = ";".join(row[1:])
                meta[key] = value.strip()
                meta_lines[key] = reader.line_num
            elif section == "PROJECTS":
                if len(row) != len(header):
                    raise fail(f"PROJECTS line has {len(row)} fields, the header has {len(header)}")
                fields = dict(zip(header, row, strict=False))
                pid = fields["project_id"].strip()
                if not pid:
                    raise fail("empty project_id")
                if pid in project_ids:
                    raise fail(f"duplicate project_id {pid!r}")
                try:
                    cost = parse_number(fields["cost"])
                except (ValueError, ZeroDivisionError):
                    problem = _not_a_number(fields["cost"])
                    raise fail(f"project {pid!r}: cost {fields['cost']!r} {problem}") from None
                if cost < 0:
                    raise fail(f"project {pid!r}: negative cost")
                _check_amount(cost, f"project {pid!r}: cost", fail)
                project_ids.add(pid)
                projects.append(
                    Project(
                        id=pid,
                        cost=cost,
                        name=fields.get("name", ""),
                        category=fields.get("category"),
                        district=fields.get("district"),
                        extra={k: v for k, v in fields.items() if k not in _PROJECT_CORE},
                    )
                )
            else:
                if len(row) != len(header):
                    raise fail(f"VOTES line has {len(row)} fields, the header has {len(header)}")
                raw_votes.append((reader.line_num, row))
    except csv.Error as exc:
        raise fail(f"unreadable line ({exc})") from None

    end = lines.done
    for name in _SECTIONS:
        if name not in seen:
            raise fail(f"missing section {name}", end)
    if "budget" not in meta:
        raise fail("META has no 'budget' entry", seen["META"])
    try:
        budget = parse_number(meta["budget"])
    except (ValueError, ZeroDivisionError):
        raise fail(f"budget {meta['budget']!r} {_not_a_number(meta['budget'])}",
                   meta_lines.get("budget", seen["META"])) from None
    _check_meta(meta, meta_lines, budget, fail)
    vote_type = meta.get("vote_type", "approval").strip() or "approval"
    if vote_type not in BALLOT_TYPE_OF_VOTE_TYPE:
        raise fail(f"unknown vote_type {vote_type!r}", seen["META"])
    max_length: int | None = None
    if meta.get("max_length", "").strip():
        try:
            max_length = int(parse_number(meta["max_length"]))
        except (ValueError, ZeroDivisionError):
            raise fail(f"max_length {meta['max_length']!r} is not a number", seen["META"]) from None

    with_points = BALLOT_TYPE_OF_VOTE_TYPE[vote_type] == "cumulative"
    if with_points and "points" not in vote_columns:
        raise fail(f"{vote_type} VOTES section has no 'points' column", seen["VOTES"])
    i_voter = vote_columns.index("voter_id")
    i_vote = vote_columns.index("vote")
    i_points = vote_columns.index("points") if "points" in vote_columns else None
    extra_cols = [(i, c) for i, c in enumerate(vote_columns) if c not in _VOTE_CORE]
    ballots: list[Ballot] = []
    voter_ids: set[str] = set()
    for line, row in raw_votes:
        voter = row[i_voter].strip()
        if voter in voter_ids:
            raise fail(f"duplicate voter_id {voter!r}", line)
        voter_ids.add(voter)
        vote_text = row[i_vote].strip()
        chosen = tuple(p.strip() for p in vote_text.split(",")) if vote_text else ()
        for pid in chosen:
            if pid not in project_ids:
                raise fail(f"voter {voter!r} votes for unknown project {pid!r}", line)
        _check_repeats(chosen, voter, line, fail)
        points: tuple[Number, ...] | None = None
        if with_points:
            assert i_points is not None
            pts_text = row[i_points].strip()
            try:
                values = [parse_number(x) for x in pts_text.split(",")] if pts_text else []
            except (ValueError, ZeroDivisionError):
                raise fail(f"voter {voter!r}: points {pts_text!r} are not all finite numbers", line) from None
            if len(values) != len(chosen):
                raise fail(
                    f"voter {voter!r}: {len(chosen)} projects but {len(values)} point values", line
                )
            if any(v < 0 for v in values):
                raise fail(f"voter {voter!r}: negative points", line)
            _check_points(values, voter, line, fail)
            points = tuple(_int_or_fraction(v) for v in values)
        extra = {c: row[i] for i, c in extra_cols}
        if i_points is not None and not with_points:
            extra["points"] = row[i_points]
        ballots.append(Ballot(voter, chosen, points, extra=extra))

    _check_counts(meta, meta_lines, len(projects), len(ballots), fail)
    return Election(
        projects=tuple(projects),
        budget=budget,
        ballots=tuple(ballots),
        vote_type=vote_type,
        max_length=max_length,
        meta=meta,
        project_columns=tuple(project_columns),
        vote_columns=tuple(vote_columns),
    )


# -- checks of absurd input (each raises through ``fail(message, line)``) ---------------

#: Amounts at or beyond this are refused: no real budget comes near, and floats (used to
#: guide the exact arithmetic) must stay finite.
MAX_AMOUNT = 10**100
#: The most points one ballot may give one project (sums of them are exact Python ints).
MAX_POINTS = 10**15

_Fail = Callable[..., PabulibError]


def _not_a_number(text: str) -> str:
    lowered = text.strip().lower().lstrip("+-")
    if lowered in ("inf", "infinity", "nan"):
        return "is not a finite number"
    return "is not a number"


def _rough(value: Fraction) -> str:
    """A huge number in a few characters (``1e+400``); floats would overflow."""
    digits = len(str(abs(value.numerator) // value.denominator))
    return f"about 1e+{digits - 1}"


def _check_amount(value: Fraction, what: str, fail: _Fail, line: int | None = None) -> None:
    if abs(value) >= MAX_AMOUNT:
        raise fail(f"{what} {_rough(value)} is too large to count "
                   f"(amounts must be below 10^100)", line)


def _check_meta(meta: dict[str, str], lines: dict[str, int], budget: Fraction, fail: _Fail) -> None:
    """The budget and the META numbers the counting rules use."""
    if budget < 0:
        raise fail(f"the budget {meta['budget']!r} is negative", lines.get("budget"))
    _check_amount(budget, "the budget", fail, lines.get("budget"))
    for key in ("min_project_score_threshold", "num_projects", "num_votes"):
        text = meta.get(key, "").strip()
        if not text:
            continue
        try:
            value = parse_number(text)
        except (ValueError, ZeroDivisionError):
            raise fail(f"META {key} {text!r} {_not_a_number(text)}", lines.get(key)) from None
        if value < 0:
            raise fail(f"META {key} {text!r} is negative", lines.get(key))
        _check_amount(value, f"META {key}", fail, lines.get(key))


def _check_counts(meta: dict[str, str], lines: dict[str, int], n_projects: int, n_votes: int,
                  fail: _Fail) -> None:
    """``num_projects`` and ``num_votes`` must say what the file holds."""
    for key, actual, section in (("num_projects", n_projects, "PROJECTS"), ("num_votes", n_votes, "VOTES")):
        text = meta.get(key, "").strip()
        if text and parse_number(text) != actual:
            raise fail(f"META {key} says {text} but the {section} section has {actual} lines",
                       lines.get(key))


def _check_points(values: list[Fraction], voter: str, line: int, fail: _Fail) -> None:
    for v in values:
        if v >= MAX_POINTS:
            raise fail(f"voter {voter!r}: {_rough(v)} points on one project is too many "
                       f"(at most 10^15)", line)


def _check_repeats(chosen: tuple[str, ...], voter: str, line: int, fail: _Fail) -> None:
    """A ballot naming a project twice is refused: summing (as Commonpot once did), keeping
    the last (as pabutools does) and keeping the first are all guesses about the voter."""
    if len(set(chosen)) != len(chosen):
        seen: set[str] = set()
        for pid in chosen:
            if pid in seen:
                raise fail(f"voter {voter!r} names project {pid!r} more than once", line)
            seen.add(pid)


def read_pb(path: str | Path, progress: Progress | None = None) -> Election:
    """Read a ``.pb`` file.  Raises :class:`PabulibError` if it is malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PabulibError(f"not UTF-8 text ({exc.reason})", None, str(path)) from None
    return parse_pb(text, source=str(path), progress=progress)


def _project_columns(election: Election) -> list[str]:
    if election.project_columns:
        return list(election.project_columns)
    cols = ["project_id", "cost", "name"]
    if any(p.category is not None for p in election.projects):
        cols.append("category")
    if any(p.district is not None for p in election.projects):
        cols.append("district")
    for p in election.projects:
        for key in p.extra:
            if key not in cols:
                cols.append(key)
    return cols


def _vote_columns(election: Election) -> list[str]:
    if election.vote_columns:
        cols = list(election.vote_columns)
    else:
        cols = ["voter_id", "vote"]
        for b in election.ballots:
            for key in b.extra:
                if key not in cols:
                    cols.append(key)
    if election.ballot_type == "cumulative" and "points" not in cols:
        cols.insert(cols.index("vote") + 1, "points")
    return cols


def _meta_rows(election: Election) -> Iterable[tuple[str, str]]:
    meta = dict(election.meta)
    try:
        same_budget = "budget" in meta and parse_number(meta["budget"]) == election.budget
    except (ValueError, ZeroDivisionError):
        same_budget = False
    if not same_budget:
        meta["budget"] = format_number(election.budget)
    meta["vote_type"] = meta.get("vote_type") or election.vote_type
    if meta["vote_type"] != election.vote_type:
        meta["vote_type"] = election.vote_type
    if election.max_length is not None:
        try:
            same_length = int(parse_number(meta.get("max_length", ""))) == election.max_length
        except (ValueError, ZeroDivisionError):
            same_length = False
        if not same_length:
            meta["max_length"] = str(election.max_length)
    meta.setdefault("num_projects", str(len(election.projects)))
    meta.setdefault("num_votes", str(len(election.ballots)))
    return meta.items()


def write_pb(election: Election, target: str | Path | IO[str]) -> None:
    """Write an election as a ``.pb`` file (a path or a text stream)."""
    if isinstance(target, (str, Path)):
        with open(target, "w", encoding="utf-8", newline="") as fh:
            write_pb(election, fh)
        return
    if any(b.weight != 1 for b in election.ballots):
        raise ValueError("the Pabulib format has no voter weights; this election uses them")
    out = csv.writer(target, delimiter=";", quotechar='"', lineterminator="\n")
    out.writerow(["META"])
    out.writerow(["key", "value"])
    for key, value in _meta_rows(election):
        out.writerow([key, value])
    out.writerow(["PROJECTS"])
    pcols = _project_columns(election)
    out.writerow(pcols)
    for p in election.projects:
        core = {"project_id": p.id, "cost": format_number(p.cost), "name": p.name,
                "category": p.category or "", "district": p.district or ""}
        out.writerow([core[c] if c in core else p.extra.get(c, "") for c in pcols])
    out.writerow(["VOTES"])
    vcols = _vote_columns(election)
    out.writerow(vcols)
    for b in election.ballots:
        core = {"voter_id": b.voter_id, "vote": ",".join(b.projects)}
        if b.points is not None:
            core["points"] = ",".join(format_number(x) for x in b.points)
        out.writerow([core[c] if c in core else b.extra.get(c, "") for c in vcols])


def dumps_pb(election: Election) -> str:
    buf = io.StringIO()
    write_pb(election, buf)
    return buf.getvalue()
