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
    """Parse the text of a ``.pb`` file: the sections in order, then the META settings and
    the ballots checked against the projects."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _Lines(text, progress)
    reader = _SectionReader(csv.reader(lines, delimiter=";", quotechar='"'), source)
    reader.read_sections()
    reader.check_sections(lines.done)
    budget, vote_type, max_length = reader.read_settings()
    return Election(
        projects=tuple(reader.projects),
        budget=budget,
        ballots=tuple(reader.read_ballots(vote_type)),
        vote_type=vote_type,
        max_length=max_length,
        meta=reader.meta,
        project_columns=tuple(reader.project_columns),
        vote_columns=tuple(reader.vote_columns),
    )


class _SectionReader:
    """Reads a ``.pb`` file's rows section by section; each section has its own reader."""

    def __init__(self, rows, source: str | None):
        self.rows = rows
        self.source = source
        self.section: str | None = None
        self.header: list[str] | None = None
        self.seen: dict[str, int] = {}
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: list[Project] = []
        self.project_ids: set[str] = set()
        self.project_columns: list[str] = []
        self.vote_columns: list[str] = []
        self.raw_votes: list[tuple[int, list[str]]] = []

    def fail(self, message: str, line: int | None = None) -> PabulibError:
        return PabulibError(message, line if line is not None else self.rows.line_num, self.source)

    def read_sections(self) -> None:
        try:
            for row in self.rows:
                if not row or all(not c.strip() for c in row):
                    continue
                title = _section_title(row)
                if title is not None:
                    self.start_section(title)
                elif self.section is None:
                    raise self.fail("the file must start with a META section")
                elif self.header is None:
                    self.read_header(row)
                elif self.section == "META":
                    self.read_meta_row(row)
                elif self.section == "PROJECTS":
                    self.read_project_row(row)
                else:
                    self.read_vote_row(row)
        except csv.Error as exc:
            raise self.fail(f"unreadable line ({exc})") from None

    def start_section(self, title: str) -> None:
        if title in self.seen:
            raise self.fail(f"section {title} appears twice (first on line {self.seen[title]})")
        expected = _SECTIONS[len(self.seen)]
        if title != expected:
            raise self.fail(f"section {title} found where {expected} was expected")
        self.seen[title] = self.rows.line_num
        self.section, self.header = title, None

    def read_header(self, row: list[str]) -> None:
        header = [c.strip() for c in row]
        self.header = header
        if self.section == "PROJECTS":
            for col in ("project_id", "cost"):
                if col not in header:
                    raise self.fail(f"PROJECTS header has no {col!r} column")
            self.project_columns = header
        elif self.section == "VOTES":
            for col in ("voter_id", "vote"):
                if col not in header:
                    raise self.fail(f"VOTES header has no {col!r} column")
            self.vote_columns = header

    def read_meta_row(self, row: list[str]) -> None:
        key = row[0].strip()
        value = row[1] if len(row) > 1 else ""
        if len(row) > 2:
            # An unquoted ';' inside a value: keep the text whole.
            value = ";".join(row[1:])
        self.meta[key] = value.strip()
        self.meta_lines[key] = self.rows.line_num

    def read_project_row(self, row: list[str]) -> None:
        header = self.header
        if len(row) != len(header):
            raise self.fail(f"PROJECTS line has {len(row)} fields, the header has {len(header)}")
        fields = dict(zip(header, row, strict=False))
        pid = fields["project_id"].strip()
        if not pid:
            raise self.fail("empty project_id")
        if pid in self.project_ids:
            raise self.fail(f"duplicate project_id {pid!r}")
        try:
            cost = parse_number(fields["cost"])
        except (ValueError, ZeroDivisionError):
            problem = _not_a_number(fields["cost"])
            raise self.fail(f"project {pid!r}: cost {fields['cost']!r} {problem}") from None
        if cost < 0:
            raise self.fail(f"project {pid!r}: negative cost")
        _check_amount(cost, f"project {pid!r}: cost", self.fail)
        self.project_ids.add(pid)
        self.projects.append(
            Project(
                id=pid,
                cost=cost,
                name=fields.get("name", ""),
                category=fields.get("category"),
                district=fields.get("district"),
                extra={k: v for k, v in fields.items() if k not in _PROJECT_CORE},
            )
        )

    def read_vote_row(self, row: list[str]) -> None:
        # Votes are checked once every project is known (read_ballots).
        if len(row) != len(self.header):
            raise self.fail(f"VOTES line has {len(row)} fields, the header has {len(self.header)}")
        self.raw_votes.append((self.rows.line_num, row))

    def check_sections(self, end: int) -> None:
        for name in _SECTIONS:
            if name not in self.seen:
                raise self.fail(f"missing section {name}", end)

    def read_settings(self) -> tuple[Number, str, int | None]:
        """The budget, vote type and maximum ballot length from META."""
        meta, line = self.meta, self.seen["META"]
        if "budget" not in meta:
            raise self.fail("META has no 'budget' entry", line)
        try:
            budget = parse_number(meta["budget"])
        except (ValueError, ZeroDivisionError):
            raise self.fail(f"budget {meta['budget']!r} {_not_a_number(meta['budget'])}",
                            self.meta_lines.get("budget", line)) from None
        _check_meta(meta, self.meta_lines, budget, self.fail)
        vote_type = meta.get("vote_type", "approval").strip() or "approval"
        if vote_type not in BALLOT_TYPE_OF_VOTE_TYPE:
            raise self.fail(f"unknown vote_type {vote_type!r}", line)
        max_length: int | None = None
        if meta.get("max_length", "").strip():
            try:
                max_length = int(parse_number(meta["max_length"]))
            except (ValueError, ZeroDivisionError):
                raise self.fail(f"max_length {meta['max_length']!r} is not a number", line) from None
        return budget, vote_type, max_length

    def read_ballots(self, vote_type: str) -> list[Ballot]:
        vote_columns = self.vote_columns
        with_points = BALLOT_TYPE_OF_VOTE_TYPE[vote_type] == "cumulative"
        if with_points and "points" not in vote_columns:
            raise self.fail(f"{vote_type} VOTES section has no 'points' column", self.seen["VOTES"])
        i_voter = vote_columns.index("voter_id")
        i_vote = vote_columns.index("vote")
        i_points = vote_columns.index("points") if "points" in vote_columns else None
        extra_cols = [(i, c) for i, c in enumerate(vote_columns) if c not in _VOTE_CORE]
        ballots: list[Ballot] = []
        voter_ids: set[str] = set()
        for line, row in self.raw_votes:
            voter = row[i_voter].strip()
            if voter in voter_ids:
                raise self.fail(f"duplicate voter_id {voter!r}", line)
            voter_ids.add(voter)
            vote_text = row[i_vote].strip()
            chosen = tuple(p.strip() for p in vote_text.split(",")) if vote_text else ()
            for pid in chosen:
                if pid not in self.project_ids:
                    raise self.fail(f"voter {voter!r} votes for unknown project {pid!r}", line)
            _check_repeats(chosen, voter, line, self.fail)
            points = self.read_points(voter, row[i_points], chosen, line) if with_points else None
            extra = {c: row[i] for i, c in extra_cols}
            if i_points is not None and not with_points:
                extra["points"] = row[i_points]
            ballots.append(Ballot(voter, chosen, points, extra=extra))
        _check_counts(self.meta, self.meta_lines, len(self.projects), len(ballots), self.fail)
        return ballots

    def read_points(self, voter: str, text: str, chosen: tuple[str, ...], line: int) -> tuple[Number, ...]:
        pts_text = text.strip()
        try:
            values = [parse_number(x) for x in pts_text.split(",")] if pts_text else []
        except (ValueError, ZeroDivisionError):
            raise self.fail(f"voter {voter!r}: points {pts_text!r} are not all finite numbers",
                            line) from None
        if len(values) != len(chosen):
            raise self.fail(
                f"voter {voter!r}: {len(chosen)} projects but {len(values)} point values", line
            )
        if any(v < 0 for v in values):
            raise self.fail(f"voter {voter!r}: negative points", line)
        _check_points(values, voter, line, self.fail)
        return tuple(_int_or_fraction(v) for v in values)


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
