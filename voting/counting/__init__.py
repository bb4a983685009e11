"""Commonpot's vote-counting engine: pure Python (+ NumPy), no web or database code.

Public interface
----------------
Model (immutable, ``dataclasses(frozen=True)``; money as exact ``Fraction``)::

    Project(id: str, cost: Fraction, name: str = "", district: str | None = None,
            category: str | None = None, extra: Mapping[str, str] = {})
    Ballot(voter_id: str, projects: tuple[str, ...],
           points: tuple[int | Fraction, ...] | None = None,   # cumulative only
           weight: Fraction = 1, extra: Mapping[str, str] = {})
    Election(projects: tuple[Project, ...], budget: Fraction, ballots: tuple[Ballot, ...],
             vote_type: str = "approval",   # approval | choose-1 | knapsack |
                                            # cumulative | scoring | ordinal
             max_length: int | None = None, meta: Mapping[str, str] = {})

Counting::

    count(election: Election, rule_name: str, *, money: MoneyFormatter = plain_units,
          progress: Callable[[int], None] | None = None,
          add1_unit: Fraction | int = 1,
          options: CountOptions | None = None) -> Outcome
    # rule_name "official": the rule META names (raises UnknownOfficialRule), and a tie
    # the tie-breaking cannot settle raises TieUnsettled instead of being guessed.

    outcome.selected        # tuple of project ids, in the order they were selected
    outcome.selected_sorted # the same ids sorted as strings
    outcome.total_cost      # Fraction
    outcome.budget          # Fraction
    outcome.explanations[project_id]  # one plain sentence with numbers, in English
    outcome.phrases[project_id]       # the same sentence as Phrase pieces (see below)
    outcome.records[project_id]       # ProjectRecord: the same facts, structured
    outcome.details         # rule facts, e.g. per_voter_budget, steps, options, summary
                            # (English lines) and summary_phrases (the same as Phrases)
    outcome.ties            # Tie(stage, round, projects, value, broken_by), each one met

    CountOptions(tie_breaking=("maxVotes", "minCost"), completion="add1u",
                 add1=frozenset({"exhaustive", "integral"}), increment=1,
                 comparison="satisfaction", accuracy="exact", threshold=100)
    # None fields: the rule's own defaults (pabutools-compatible); see options.py

    RULES: Mapping[str, Rule]  # name -> Rule(name, label, ballot_types, description, function)
    rules_for(ballot_type) -> list[Rule]

Rule names: ``greedy``, ``mes``, ``mes_add1``, ``mes_add1_greedy``,
``mes_greedy``, ``mes_exhaustion``, ``phragmen``, and the Pabulib META names
``greedy-threshold``, ``greedy-no-skip``, ``equalshares``, ``equalshares/add1``,
``equalshares/add1-comparison`` (definitions in each module under
``voting.counting.rules``).  Ties follow the options' tie-breaking, then the
smaller project id compared as a string, as in pabutools.  Counting a rule on a
ballot type it does not support raises :class:`RuleNotApplicable`.

Sentences in other languages: every sentence (explanations, the summary, rule labels,
``options.describe_phrases``) is built as a :class:`~voting.counting.phrases.Phrase`, an
English message template marked for the catalogue extractor plus raw figures (money as an
exact amount, counts, positions, project ids). ``Phrase.english(money)`` is the engine's
English; the web app writes the same phrase in the reader's language
(``phrases.render(phrase, words)``), and stores it with ``to_data``/``from_data``.

Money formatting for explanations: ``currency("£", 100)`` for an election
counted in pence, ``plain_units`` (the default) for ``.pb`` files.

Pabulib files::

    read_pb(path) -> Election          # raises PabulibError(message, line)
    parse_pb(text) -> Election
    write_pb(election, path_or_stream); dumps_pb(election) -> str

Command line: :data:`voting.counting.cli.tally` (``commonpot tally``), also
``python -m voting.counting FILE.pb --rule mes_add1_greedy [--json] [--explain]``.
"""
from .count import RuleNotApplicable, count
from .election import Ballot, BallotType, Election, Project
from .money import MoneyFormatter, currency, plain_units, pounds_from_pence
from .official import UnknownOfficialRule
from .options import CountOptions, OptionError
from .outcome import Outcome, ProjectRecord
from .pabulib import PabulibError, dumps_pb, parse_pb, read_pb, write_pb
from .profile import CompiledProfile, compile_election
from .rules import RULES, Rule, rules_for
from .ties import Tie, TieUnsettled

__all__ = [
    "Ballot",
    "BallotType",
    "CompiledProfile",
    "CountOptions",
    "OptionError",
    "Tie",
    "TieUnsettled",
    "UnknownOfficialRule",
    "Election",
    "MoneyFormatter",
    "Outcome",
    "PabulibError",
    "Project",
    "ProjectRecord",
    "RULES",
    "Rule",
    "RuleNotApplicable",
    "compile_election",
    "count",
    "currency",
    "dumps_pb",
    "parse_pb",
    "plain_units",
    "pounds_from_pence",
    "read_pb",
    "rules_for",
    "write_pb",
]
