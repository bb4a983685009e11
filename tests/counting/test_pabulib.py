"""Pabulib reader/writer: lossless round trip, and line-numbered errors."""
from __future__ import annotations

import textwrap
from fractions import Fraction

import pytest
from click.testing import CliRunner

from voting.counting import PabulibError, dumps_pb, parse_pb
from voting.counting.cli import tally
from voting.counting.pabulib import format_number

from .conftest import load, shared_files


@pytest.mark.parametrize("name", shared_files() or [pytest.param("-", marks=pytest.mark.skip(
    reason="shared Pabulib folder not found"))])
def test_round_trip_shared_file(name: str) -> None:
    election = load(name)[0]
    text = dumps_pb(election)
    again = parse_pb(text)
    assert again.projects == election.projects
    assert again.ballots == election.ballots
    assert dict(again.meta) == dict(election.meta)
    assert again.budget == election.budget
    assert again.vote_type == election.vote_type
    assert again.project_columns == election.project_columns
    assert again.vote_columns == election.vote_columns
    # Writing is stable: a second round trip gives the same text.
    assert dumps_pb(again) == text


GOOD = textwrap.dedent("""\
    META
    key;value
    description;"Quoted; with a semicolon"
    num_projects;3
    num_votes;3
    budget;100.50
    vote_type;cumulative
    PROJECTS
    project_id;cost;name;category;extra_col
    1;50.25;"Park ""green"" space";nature;x
    2;40;Library;culture;y
    10;0;Free;culture;z
    VOTES
    voter_id;vote;points;age
    a;1,2;2,1;30
    b;2;3;41
    c;10,1;0,3;
    """)


def test_parse_small_file_exactly() -> None:
    e = parse_pb(GOOD)
    assert e.budget == Fraction(201, 2)
    assert e.meta["description"] == "Quoted; with a semicolon"
    assert [p.id for p in e.projects] == ["1", "2", "10"]
    assert e.projects[0].cost == Fraction(201, 4)
    assert e.projects[0].name == 'Park "green" space'
    assert e.projects[0].extra == {"extra_col": "x"}
    assert e.ballots[2].points == (0, 3)
    assert e.ballots[0].extra == {"age": "30"}
    assert dict(e.ballot_weights(e.ballots[2])) == {"1": 3}  # 0 points = no support
    again = parse_pb(dumps_pb(e))
    assert again == e


def _error(text: str) -> PabulibError:
    with pytest.raises(PabulibError) as info:
        parse_pb(textwrap.dedent(text), source="x.pb")
    return info.value


def test_missing_section() -> None:
    err = _error("""\
        META
        key;value
        budget;10
        PROJECTS
        project_id;cost
        1;5
        """)
    assert "missing section VOTES" in err.message
    assert err.line == 6


def test_unknown_project_in_vote() -> None:
    err = _error("""\
        META
        key;value
        budget;10
        PROJECTS
        project_id;cost
        1;5
        VOTES
        voter_id;vote
        v1;1
        v2;1,7
        """)
    assert err.line == 10
    assert "unknown project '7'" in err.message
    assert str(err).startswith("x.pb:10:")


def test_non_numeric_cost() -> None:
    err = _error("""\
        META
        key;value
        budget;10
        PROJECTS
        project_id;cost
        1;5
        2;five
        VOTES
        voter_id;vote
        """)
    assert err.line == 7
    assert "not a number" in err.message


def test_budget_missing() -> None:
    err = _error("""\
        META
        key;value
        vote_type;approval
        PROJECTS
        project_id;cost
        1;5
        VOTES
        voter_id;vote
        """)
    assert err.line == 1
    assert "budget" in err.message


@pytest.mark.parametrize("text,line,words", [
    ("PROJECTS\nproject_id;cost\n", 1, "found where META"),
    ("description;x\nMETA\n", 1, "start with a META"),
    ("META\nkey;value\nbudget;x\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", 3, "not a number"),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;name\n", 5, "no 'cost' column"),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;2;3\n", 6, "3 fields"),
    ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\n1;2\n1;3\n", 7, "duplicate project_id"),
    ("META\nkey;value\nbudget;1\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;2\n"
     "VOTES\nvoter_id;vote;points\nv;1;x\n", 10, "are not all finite numbers"),
    ("META\nkey;value\nbudget;1\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;2\n"
     "VOTES\nvoter_id;vote;points\nv;1;1,2\n", 10, "point values"),
    ("META\nkey;value\nbudget;1\nvote_type;weird\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
     1, "unknown vote_type"),
    ("META\nkey;value\nbudget;1\nVOTES\nvoter_id;vote\n", 4, "found where PROJECTS"),
])
def test_malformed_files(text: str, line: int, words: str) -> None:
    err = _error(text)
    assert err.line == line, str(err)
    assert words in err.message


def test_cli_reports_malformed_file_without_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;abc\nVOTES\nvoter_id;vote\n")
    result = CliRunner().invoke(tally, [str(bad), "--rule", "greedy"])
    assert result.exit_code == 1
    assert "bad.pb:6:" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, PabulibError)


@pytest.mark.parametrize("value,text", [
    (Fraction(5), "5"), (Fraction(201, 4), "50.25"), (Fraction(-1, 8), "-0.125"),
    (Fraction(237257124, 100), "2372571.24"), (Fraction(1, 3), "1/3")])
def test_format_number(value: Fraction, text: str) -> None:
    assert format_number(value) == text
