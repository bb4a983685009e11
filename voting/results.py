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
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from commonpot.money import parse_pounds
from commonpot.spreadsheets import safe_cell
from voting.ballots import PABULIB_VOTE_TYPE, BallotType, pabulib_vote
from voting.counting.count import count as engine_count
from voting.counting.money import currency
from voting.counting.options import CountOptions, describe, parse_options
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

def shown_receipt(voting_round: VotingRound, receipt: str) -> str:
    if voting_round.board_hashes_receipts:
        return hashlib.sha256(receipt.encode("ascii")).hexdigest()[:24]
    return receipt


@dataclass
class BoardEntry:
    ballot_id: str
    home_district_id: int
    contests: dict[int, dict[int, int]]


def board_entries(session: Session, voting_round: VotingRound) -> list[BoardEntry]:
    ballots = session.scalars(select(Ballot).where(Ballot.round_id == voting_round.id)).all()
    entries = [BoardEntry(b.id, b.district_id, b.contests()) for b in ballots]
    entries.sort(key=lambda e: e.ballot_id)
    return entries


def board_receipts(session: Session, voting_round: VotingRound) -> list[str]:
    """Every receipt code as published (hashed if the round says so), sorted."""
    return sorted(shown_receipt(voting_round, r) for r in session.scalars(
        select(Ballot.receipt).where(Ballot.round_id == voting_round.id)))


def receipts_csv(session: Session, voting_round: VotingRound) -> str:
    return "receipt\n" + "".join(f"{r}\n" for r in board_receipts(session, voting_round))


def board_csv(session: Session, voting_round: VotingRound) -> str:
    """Every ballot, one line per budget it voted on. Its SHA-256 is the board hash."""
    kind = BallotType(voting_round.ballot_type)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ballot", "home_district_id", "budget_district_id", "vote", "points"])
    for entry in board_entries(session, voting_round):
        for district_id, choices in sorted(entry.contests.items()):
            ids, points = pabulib_vote(kind, choices)
            writer.writerow([entry.ballot_id, entry.home_district_id, district_id, ",".join(ids),
                             ",".join(map(str, points)) if points else ""])
    return out.getvalue()


def board_hash_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Pabulib .pb ---------------------------------------------------------------------------

def district_pb(session: Session, voting_round: VotingRound, district: District,
                results: dict[int, ResultRow] | None = None) -> str:
    """The district's election in Pabulib format: costs and budget in pence."""
    kind = BallotType(voting_round.ballot_type)
    projects = [p for p in voting_round.proposals
                if p.district_id == district.id and p.state == ProposalState.FEASIBLE]
    votes = []
    for entry in board_entries(session, voting_round):
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
    return [(rule.name, rule.label) for rule in RULES.values() if rule.name in names]


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
    rule = RULES.get(name)
    return rule.label if rule is not None else name


def describe_counting(voting_round: VotingRound) -> list[str]:
    """The round's counting choices in plain words, for the results page."""
    rule = RULES.get(voting_round.counting_rule)
    if rule is None:
        return []
    kind = PABULIB_VOTE_TYPE[BallotType(voting_round.ballot_type)]
    options = voting_round.count_options
    lines = describe(options.over(rule.defaults), mes=rule.family == "mes",
                     ballot_type="cumulative" if kind in ("cumulative", "scoring") else "approval")
    if rule.family != "greedy" or not options.threshold:
        lines = [line for line in lines if "to win." not in line]
    return [line.replace(" per voter", "p per voter") if line.startswith("Shares start") else line
            for line in lines]


def count_round(session: Session, voting_round: VotingRound) -> None:
    """Count every district and store one result row per feasible project."""
    session.execute(delete(ResultRow).where(ResultRow.round_id == voting_round.id))
    for district in voting_round.districts:
        outcome = count_pb(district_pb(session, voting_round, district), voting_round.counting_rule,
                           voting_round.count_options)
        chosen = set(outcome.selected)
        for project_id, record in outcome.records.items():
            session.add(ResultRow(
                round_id=voting_round.id, district_id=district.id, proposal_id=int(project_id),
                supporters=int(record.supporters), score=int(record.support),
                selected=project_id in chosen, explanation=outcome.explanations[project_id]))
    session.flush()


@dataclass
class DistrictResult:
    district: District
    rows: list[ResultRow]
    money_used_pence: int
    ballots: int

    @property
    def max_score(self) -> int:
        return max((r.score for r in self.rows), default=0)


def round_results(session: Session, voting_round: VotingRound) -> list[DistrictResult]:
    rows = session.scalars(select(ResultRow).join(Proposal, Proposal.id == ResultRow.proposal_id)
                           .options(contains_eager(ResultRow.proposal))
                           .where(ResultRow.round_id == voting_round.id)
                           .order_by(ResultRow.score.desc(), Proposal.id)).all()
    entries = board_entries(session, voting_round)
    results = []
    for district in voting_round.districts:
        mine = [r for r in rows if r.district_id == district.id]
        results.append(DistrictResult(
            district, mine, sum(r.proposal.cost_pence for r in mine if r.selected),
            sum(1 for e in entries if e.contests.get(district.id))))
    return results


def results_by_project(session: Session, voting_round: VotingRound) -> dict[int, ResultRow]:
    return {r.proposal_id: r for r in session.scalars(
        select(ResultRow).where(ResultRow.round_id == voting_round.id))}


def results_csv(session: Session, voting_round: VotingRound) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["district", "project_id", "project", "cost_pence", "supporters", "score",
                     "selected", "explanation"])
    for result in round_results(session, voting_round):
        for row in result.rows:
            writer.writerow([safe_cell(result.district.name), row.proposal_id,
                             safe_cell(row.proposal.title), row.proposal.cost_pence, row.supporters,
                             row.score, "yes" if row.selected else "no", safe_cell(row.explanation)])
    return out.getvalue()


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
