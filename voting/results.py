"""The bulletin board, the Pabulib/CSV downloads, and counting through the counting engine.

Each district is counted from exactly the `.pb` text anyone can download, so a recount of
the published file with the same engine and rule cannot differ from the published result.
The rules themselves are the counting engine's (`voting.counting`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from commonpot.i18n import _, lazy_gettext
from commonpot.money import parse_pounds
from commonpot.spreadsheets import safe_cell
from commonpot_verify import board as published_board
from voting import board, phrasing
from voting.ballots import PABULIB_VOTE_TYPE, BallotType, pabulib_vote
from voting.counting.count import count as engine_count
from voting.counting.money import currency
from voting.counting.options import CountOptions, describe_phrases, parse_options
from voting.counting.outcome import Outcome
from voting.counting.pabulib import parse_pb
from voting.counting.rules import RULES, rules_for
from voting.models import Ballot, District, Proposal, ProposalState, ResultRow, VoterRollEntry, VotingRound

# --- the bulletin board --------------------------------------------------------------------
#
# The board publishes every ballot's contents under its random ballot id, and, apart from
# them, the sorted list of receipt codes. A receipt shows its holder that their ballot was
# recorded and counted, but is never printed next to a ballot's contents: a receipt that
# showed how its holder voted would let them prove their vote to someone buying it.
# voting/board.py makes the board once, at the close, and stores it; the functions here
# read the ballots again (a recount, or a check that they still match the board).

shown_receipt = board.shown_receipt
BoardEntry = board.BoardEntry


def board_entries(session: Session, voting_round: VotingRound) -> list[BoardEntry]:
    return board.load_entries(session, voting_round.id)


def board_receipts(session: Session, voting_round: VotingRound) -> list[str]:
    """Every receipt code as published (hashed if the round says so), sorted."""
    return sorted(shown_receipt(voting_round, r) for r in session.scalars(
        select(Ballot.receipt).where(Ballot.round_id == voting_round.id)))


def receipts_csv(session: Session, voting_round: VotingRound) -> str:
    return published_board.receipts_csv(board_receipts(session, voting_round))


def board_csv(session: Session, voting_round: VotingRound) -> str:
    """Every ballot, one line per budget it voted on. Its SHA-256 is the board hash."""
    return board.build(session, voting_round).csv


def board_hash_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Pabulib .pb ---------------------------------------------------------------------------

def district_pb(session: Session, voting_round: VotingRound, district: District,
                results: dict[int, ResultRow] | None = None,
                entries: list[BoardEntry] | None = None) -> str:
    """The district's election in Pabulib format: costs and budget in pence. `entries`: the
    board's ballots if already read (the close and the count read them once)."""
    kind = BallotType(voting_round.ballot_type)
    projects = [p for p in voting_round.proposals
                if p.district_id == district.id and p.state == ProposalState.FEASIBLE]
    votes = []
    if entries is None:
        entries = board_entries(session, voting_round)
    for entry in entries:
        choices = entry.contests.get(district.id)
        if choices:
            votes.append((entry.ballot_id, *pabulib_vote(kind, choices)))
    meta = [
        ("description", f"{voting_round.title}: {district.name}"),
        ("country", "United Kingdom"),
        ("unit", district.name),
        ("instance", f"commonpot-round-{voting_round.id}-district-{district.id}"),
        ("num_projects", str(len(projects))),
        ("num_votes", str(len(votes))),
        ("budget", str(district.budget_pence)),
        ("vote_type", PABULIB_VOTE_TYPE[kind]),
        ("rule", voting_round.counting_rule),
        ("currency", "GBP"),
        ("comment", "#1: costs and budget are in pence; #2: voter_id is the ballot's random id "
                    "on the bulletin board (receipt codes are published apart from ballots)"),
    ]
    if kind == BallotType.KNAPSACK:
        meta.append(("max_sum_cost", str(district.budget_pence)))
    if kind == BallotType.CUMULATIVE:
        meta.append(("max_sum_points", str(voting_round.points_total)))
        if voting_round.max_points_per_project:
            meta.append(("max_points", str(voting_round.max_points_per_project)))
    if kind == BallotType.RANKED:
        meta.append(("max_length", str(voting_round.max_choices or len(projects))))
    elif voting_round.max_choices:
        meta.append(("max_length", str(voting_round.max_choices)))
    if voting_round.min_choices:
        meta.append(("min_length", str(voting_round.min_choices)))
    if voting_round.counting_options:
        options = voting_round.count_options
        if options.threshold:
            meta.append(("min_project_score_threshold", str(options.threshold)))
        # So that anyone recounting the file knows the round's choices (commonpot tally flags).
        meta.append(("counting_options", voting_round.counting_options))

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    writer.writerows(meta)
    out.write("PROJECTS\n")
    header = ["project_id", "cost", "name"]
    if results:
        header += ["votes", "score", "selected"]
    writer.writerow(header)
    for project in projects:
        row = [str(project.id), str(project.cost_pence), project.title]
        if results:
            result = results[project.id]
            row += [result.supporters, result.score, int(result.selected)]
        writer.writerow(row)
    out.write("VOTES\n")
    writer.writerow(["voter_id", "vote", "points"] if kind == BallotType.CUMULATIVE
                    else ["voter_id", "vote"])
    for ballot_id, ids, points in votes:
        row = [ballot_id, ",".join(ids)]
        if kind == BallotType.CUMULATIVE:
            row.append(",".join(map(str, points or [])))
        writer.writerow(row)
    return out.getvalue()


def available_rules(ballot_type: BallotType | None = None) -> list[str]:
    """The engine's rules, in its order; only those that can count this ballot type if given."""
    if ballot_type is None:
        return list(RULES)
    return [rule.name for rule in rules_for(PABULIB_VOTE_TYPE[BallotType(ballot_type)])]


def rule_choices(ballot_type: BallotType | None = None) -> list[tuple[str, str]]:
    names = set(available_rules(ballot_type))
    return [(rule.name, rule_label(rule.name)) for rule in RULES.values() if rule.name in names]


def ballot_types_of_rule(name: str) -> frozenset[BallotType]:
    """The ballot types the rule `name` can count."""
    rule = RULES.get(name)
    if rule is None:
        return frozenset()
    return frozenset(kind for kind in BallotType if PABULIB_VOTE_TYPE[kind] in rule.ballot_types)


# Headings for the round form's rules, by the ballot types they count.
_GROUP_HEADINGS = {
    frozenset(BallotType): lazy_gettext("Any ballot type"),
    frozenset({BallotType.APPROVAL, BallotType.KNAPSACK, BallotType.CUMULATIVE}):
        lazy_gettext("Approval, budget and points ballots (not ranked)"),
    frozenset({BallotType.APPROVAL, BallotType.KNAPSACK}): lazy_gettext("Approval and budget ballots only"),
}


def grouped_rule_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(heading, [(rule, label)])]: the rules grouped by the ballot types they can count,
    the widest groups first, so the form shows which rule fits which ballot without
    JavaScript."""
    groups: dict[frozenset[BallotType], list[tuple[str, str]]] = {}
    for rule in RULES.values():
        groups.setdefault(ballot_types_of_rule(rule.name), []).append((rule.name, rule_label(rule.name)))
    order = list(BallotType)
    headings = []
    for kinds, rules in sorted(groups.items(), key=lambda item: -len(item[0])):
        heading = _GROUP_HEADINGS.get(kinds) or _(
            "%(ballots)s only", ballots=", ".join(str(k.plural) for k in sorted(kinds, key=order.index)))
        headings.append((str(heading), rules))
    return headings


def rule_mismatch(ballot_type: BallotType, rule: str) -> str | None:
    """Why `rule` cannot count `ballot_type` ballots, naming the rules that can; or None."""
    allowed = available_rules(ballot_type)
    if rule in allowed:
        return None
    kind = BallotType(ballot_type)
    return _("%(ballots)s cannot be counted with %(rule)s. Choose one of: %(rules)s.",
             ballots=kind.plural, rule=rule_label(rule),
             rules="; ".join(rule_label(name) for name in allowed))


def count_pb(text: str, rule: str, options: CountOptions | None = None) -> Outcome:
    """Count one published .pb file: the same call publishes and recounts."""
    return engine_count(parse_pb(text), rule, money=currency("£", 100), options=options)


def options_json(*, tie_breaking: str, completion: str, add1: str, add1_step: str | None,
                 comparison: str, threshold: int | None) -> str | None:
    """The round form's counting choices as stored JSON (None: all the rule's defaults)."""
    step = parse_pounds(add1_step) if add1_step else None
    options = parse_options(
        tie_breaking=tie_breaking or None, completion=completion or None, add1=add1 or None,
        increment=str(step) if step else None, comparison=comparison or None,
        threshold=str(threshold) if threshold is not None else None)
    data = options.to_dict()
    return json.dumps(data, sort_keys=True) if data else None


def fill_option_fields(form, options: CountOptions) -> None:
    """Show a round's stored counting choices in its settings form."""
    form.tie_breaking.data = ",".join(options.tie_breaking) if options.tie_breaking is not None else ""
    form.completion.data = options.completion or ""
    if options.add1 is not None:
        form.add1.data = ",".join(f for f in ("exhaustive", "integral") if f in options.add1) or "none"
    if options.increment is not None:
        form.add1_step.data = str(options.increment / 100)
    form.comparison.data = options.comparison or ""
    form.vote_threshold.data = int(options.threshold) if options.threshold is not None else None


def rule_label(name: str) -> str:
    """The rule's name in the reader's language (the engine's labels are marked messages)."""
    rule = RULES.get(name)
    return _(rule.label) if rule is not None else name


def describe_counting(voting_round: VotingRound) -> list[str]:
    """The round's counting choices in plain words, in the reader's language, for the results
    page. The vote threshold is said only for the greedy rules that use it."""
    rule = RULES.get(voting_round.counting_rule)
    if rule is None:
        return []
    kind = PABULIB_VOTE_TYPE[BallotType(voting_round.ballot_type)]
    options = voting_round.count_options
    lines = describe_phrases(options.over(rule.defaults), mes=rule.family == "mes",
                             ballot_type="cumulative" if kind in ("cumulative", "scoring") else "approval",
                             threshold=rule.family == "greedy" and bool(options.threshold))
    return [phrasing.write([line]) for line in lines]


def count_district(session: Session, voting_round: VotingRound, district: District,
                   entries: list[BoardEntry]) -> list[ResultRow]:
    """Count one district from its published .pb text and add its result rows."""
    outcome = count_pb(district_pb(session, voting_round, district, entries=entries),
                       voting_round.counting_rule, voting_round.count_options)
    chosen = set(outcome.selected)
    rows = [ResultRow(round_id=voting_round.id, district_id=district.id, proposal_id=int(project_id),
                      supporters=int(record.supporters), score=int(record.support),
                      selected=project_id in chosen, explanation=outcome.explanations[project_id],
                      explanation_phrases=phrasing.to_json(outcome.phrases[project_id]))
            for project_id, record in outcome.records.items()]
    session.add_all(rows)
    session.flush()
    return rows


def count_round(session: Session, voting_round: VotingRound, entries: list[BoardEntry] | None = None,
                progress: Callable[[District], None] | None = None) -> None:
    """Count every district and store one result row per feasible project. The count job
    (voting.closing) calls this with the board's ballots and records progress per district."""
    session.execute(delete(ResultRow).where(ResultRow.round_id == voting_round.id))
    if entries is None:
        entries = board_entries(session, voting_round)
    for district in voting_round.districts:
        count_district(session, voting_round, district, entries)
        if progress is not None:
            progress(district)


RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"


@dataclass(frozen=True)
class StoredProject:
    id: int
    title: str
    cost_pence: int


@dataclass(frozen=True)
class StoredResult:
    """One project's result as stored when the count ended (the shape of a ResultRow)."""

    proposal_id: int
    proposal: StoredProject
    supporters: int
    score: int
    selected: bool
    #: In English, as the CSV publishes it.
    explanation: str
    #: The same sentence as stored phrases (voting.counting.phrases); None for results
    #: counted before phrases were kept.
    explanation_phrases: list[dict] | None = None

    @property
    def why(self) -> str:
        """The explanation in the reader's language (the English when no phrases were kept)."""
        return phrasing.explanation(self.explanation, self.explanation_phrases)


@dataclass
class DistrictResult:
    district: District
    rows: list[StoredResult]
    money_used_pence: int
    ballots: int

    @property
    def max_score(self) -> int:
        return max((r.score for r in self.rows), default=0)


def results_files(session: Session, voting_round: VotingRound,
                  entries: list[BoardEntry]) -> dict[str, tuple[str, str]]:
    """The results as stored when the count ends: the page's data, the CSV, and each
    district's .pb with its results. Read once here; served as stored afterwards."""
    from voting import artefacts

    proposals = {p.id: p for p in voting_round.proposals}
    rows = session.scalars(select(ResultRow).where(ResultRow.round_id == voting_round.id)).all()
    ranked = sorted(rows, key=lambda r: (-r.score, r.proposal_id))
    by_project = {r.proposal_id: r for r in rows}
    districts = []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["district", "project_id", "project", "cost_pence", "supporters", "score",
                     "selected", "explanation"])
    files = {}
    for district in voting_round.districts:
        mine = [r for r in ranked if r.district_id == district.id]
        districts.append({
            "id": district.id,
            "ballots": sum(1 for e in entries if e.contests.get(district.id)),
            "money_used_pence": sum(proposals[r.proposal_id].cost_pence for r in mine if r.selected),
            "rows": [{"proposal_id": r.proposal_id, "title": proposals[r.proposal_id].title,
                      "cost_pence": proposals[r.proposal_id].cost_pence, "supporters": r.supporters,
                      "score": int(r.score), "selected": bool(r.selected),
                      "explanation": r.explanation,
                      "explanation_phrases": (json.loads(r.explanation_phrases)
                                              if r.explanation_phrases else None)} for r in mine]})
        for r in mine:
            writer.writerow([safe_cell(district.name), r.proposal_id,
                             safe_cell(proposals[r.proposal_id].title),
                             proposals[r.proposal_id].cost_pence, r.supporters, r.score,
                             "yes" if r.selected else "no", safe_cell(r.explanation)])
        files[board.district_pb(district.id, with_results=True)] = (
            district_pb(session, voting_round, district, by_project, entries=entries), artefacts.TEXT)
    files[RESULTS_JSON] = (json.dumps({"districts": districts}, sort_keys=True), artefacts.JSON)
    files[RESULTS_CSV] = (out.getvalue(), artefacts.CSV)
    return files


def round_results(session: Session, voting_round: VotingRound) -> list[DistrictResult]:
    """The stored results, district by district (empty until the count has ended)."""
    from voting import artefacts

    stored = artefacts.load(session, voting_round.id, RESULTS_JSON)
    if stored is None:
        return []
    districts = {d.id: d for d in voting_round.districts}
    return [DistrictResult(
        districts[item["id"]],
        [StoredResult(row["proposal_id"], StoredProject(row["proposal_id"], row["title"], row["cost_pence"]),
                      row["supporters"], row["score"], row["selected"], row["explanation"],
                      row.get("explanation_phrases"))
         for row in item["rows"]],
        item["money_used_pence"], item["ballots"])
        for item in json.loads(stored.body)["districts"] if item["id"] in districts]


def results_by_project(session: Session, voting_round: VotingRound) -> dict[int, ResultRow]:
    return {r.proposal_id: r for r in session.scalars(
        select(ResultRow).where(ResultRow.round_id == voting_round.id))}


def results_csv(session: Session, voting_round: VotingRound) -> str | None:
    from voting import artefacts

    stored = artefacts.load(session, voting_round.id, RESULTS_CSV)
    return stored.body if stored else None


@dataclass
class Turnout:
    by_district: dict[int, int]
    by_channel: dict[str, int]
    total: int


def turnout(session: Session, voting_round: VotingRound) -> Turnout:
    rows = session.execute(
        select(VoterRollEntry.district_id, VoterRollEntry.channel, func.count(VoterRollEntry.id))
        .where(VoterRollEntry.round_id == voting_round.id)
        .group_by(VoterRollEntry.district_id, VoterRollEntry.channel)).all()
    by_district: dict[int, int] = {}
    by_channel = {"online": 0, "code": 0, "paper": 0}
    for district_id, channel, n in rows:
        by_district[district_id] = by_district.get(district_id, 0) + n
        by_channel[str(channel)] = by_channel.get(str(channel), 0) + n
    return Turnout(by_district, by_channel, sum(by_channel.values()))


def selected_projects(session: Session, voting_round: VotingRound) -> list[dict]:
    """Plain values for turning selected projects into grants awards."""
    return [{"proposal_id": r.proposal_id, "title": r.proposal.title, "summary": r.proposal.summary,
             "amount_pence": r.proposal.cost_pence, "group_id": r.proposal.group_id,
             "source_application_id": r.proposal.source_application_id,
             "district": r.proposal.district.name}
            for r in session.scalars(select(ResultRow).where(
                ResultRow.round_id == voting_round.id, ResultRow.selected)
                .options(joinedload(ResultRow.proposal).joinedload(Proposal.district))
                .order_by(ResultRow.proposal_id))]


def ballot_json(entry: BoardEntry) -> str:
    return json.dumps(entry.contests, sort_keys=True)
