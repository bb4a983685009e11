"""``commonpot tally --rule official``: the rule each shared file's META names reproduces
the city's own result (the ``selected`` column)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from voting.counting import read_pb
from voting.counting.cli import tally
from voting.counting.official import OFFICIAL_RULES

from .conftest import SHARED, SHARED_REASON, shared_files

#: The tie-breaking a city configured where its count meets a tie (Assen's MES count
#: has projects 2 and 11 tied in round 3; Assen breaks ties by most votes, then lowest cost).
CITY_TIE_BREAKING = {"Netherlands_Assen_2024.pb": "maxVotes,minCost"}


def _official_files():
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=SHARED_REASON), id="no-shared-folder")]
    cases = []
    for name in shared_files():
        election = read_pb(SHARED / name)
        rule = election.meta.get("rule", "")
        if rule in OFFICIAL_RULES and "selected" in election.project_columns:
            cases.append(pytest.param(name, id=name))
    return cases


def _tally(*args: str) -> dict:
    result = CliRunner().invoke(tally, [*args, "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("name", _official_files())
def test_official_rule_reproduces_the_selected_column(name: str) -> None:
    election = read_pb(SHARED / name)
    city = sorted(p.id for p in election.projects if p.extra["selected"].strip() == "1")
    extra = ["--tie-breaking", CITY_TIE_BREAKING[name]] if name in CITY_TIE_BREAKING else []
    data = _tally(str(SHARED / name), "--rule", "official", *extra)
    assert data["official"] is True
    assert data["rule"] == election.meta["rule"]
    assert data["selected"] == city


def test_the_official_files_cover_every_rule_cities_use() -> None:
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    rules = {read_pb(SHARED / p.values[0]).meta["rule"] for p in _official_files()}
    assert rules == set(OFFICIAL_RULES) - {"equalshares"}


ASSEN = "Netherlands_Assen_2024.pb"


def test_assen_tie_is_recorded_explained_and_refused_without_tie_breaking() -> None:
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    data = _tally(str(SHARED / ASSEN), "--rule", "official", "--tie-breaking", "maxVotes,minCost",
                  "--explain")
    assert data["ties"] == [{"stage": "mes", "round": 3, "projects": ["2", "11"], "winner": "2",
                             "broken_by": "minCost", "value": data["ties"][0]["value"]}]
    assert data["explanations"]["2"].endswith(
        "Projects 2 and 11 had the same cost per vote to their supporters in round 3; "
        "2 went first because the round breaks ties by lower cost.")
    assert data["summary"] == [
        "Each of the 84 voters started with a share of 1,190 (the budget 100,000 divided by 84, "
        "rounded down to a whole unit).",
        "The add-1 completion raised every share step by step to 2,033: one more step would have "
        "chosen projects costing more than the budget."]
    # META's comment mentions ages 12 and 27: not a note about project 12.
    assert "Note from the file" not in data["explanations"]["12"]
    refused = CliRunner().invoke(tally, [str(SHARED / ASSEN), "--rule", "official", "--json"])
    assert refused.exit_code == 1
    assert "Projects 11, 2 are tied" in refused.output
    assert "the official count stops here" in refused.output


def test_unknown_official_rule_is_named(tmp_path) -> None:
    f = tmp_path / "unknown.pb"
    f.write_text("META\nkey;value\nbudget;10\nrule;unknown\nPROJECTS\nproject_id;cost\n1;5\n"
                 "VOTES\nvoter_id;vote\nv;1\n")
    result = CliRunner().invoke(tally, [str(f), "--rule", "official"])
    assert result.exit_code == 1
    assert "names the rule 'unknown', which Commonpot cannot count officially" in result.output
    f.write_text("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\nv;1\n")
    result = CliRunner().invoke(tally, [str(f), "--rule", "official"])
    assert "has no 'rule' entry" in result.output


def test_threshold_from_meta_and_from_the_command_line(tmp_path) -> None:
    f = tmp_path / "threshold.pb"
    f.write_text("META\nkey;value\nbudget;10\nrule;greedy-threshold\nmin_project_score_threshold;2\n"
                 "PROJECTS\nproject_id;cost\na;5\nb;5\nVOTES\nvoter_id;vote\nv1;a,b\nv2;a\n")
    assert _tally(str(f), "--rule", "official")["selected"] == ["a"]
    assert _tally(str(f), "--rule", "official", "--threshold", "1")["selected"] == ["a", "b"]


def test_sentinel_cost_note_from_meta_is_shown() -> None:
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    data = _tally(str(SHARED / "Poland_Lodz_2024_Stoki-Sikawa-Podgorze.pb"), "--rule", "official",
                  "--explain")
    note = "Note from the file: The original cost of project W193ST was 785,700"
    assert note in data["explanations"]["W193ST"]
    assert "Note from the file" not in data["explanations"]["W050ST"]


def test_bad_option_is_a_usage_error() -> None:
    if not SHARED.is_dir():
        pytest.skip(SHARED_REASON)
    result = CliRunner().invoke(tally, [str(SHARED / ASSEN), "--tie-breaking", "mostLikes"])
    assert result.exit_code == 2
    assert "unknown tie-breaking 'mostLikes'" in result.output
