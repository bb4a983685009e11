"""The interface the web app uses: count(), RULES, explanations, the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from voting.counting import RULES, Ballot, Election, Project, RuleNotApplicable, count, currency, rules_for
from voting.counting.cli import tally

from .conftest import SHARED, expected, shared_available

REPO = Path(__file__).resolve().parents[2]


def pence_election() -> Election:
    # Amounts in pence, as the web app stores them.
    projects = (
        Project("park", 2_500_000, name="Park"),
        Project("library", 4_000_000, name="Library"),
        Project("bench", 300_000, name="Benches"),
        Project("mural", 1_200_000, name="Mural"),
    )
    ballots = (
        [Ballot(f"a{i}", ("park", "bench")) for i in range(5)]
        + [Ballot(f"b{i}", ("library",)) for i in range(3)]
        + [Ballot(f"c{i}", ("mural", "bench")) for i in range(2)]
    )
    return Election(projects=projects, budget=Fraction(5_000_000), ballots=tuple(ballots))


def test_registry_lists_every_rule_with_ballot_types() -> None:
    assert list(RULES) == ["greedy", "mes", "mes_add1", "mes_add1_greedy", "mes_greedy",
                           "mes_exhaustion", "phragmen", "greedy-threshold", "greedy-no-skip",
                           "equalshares", "equalshares/add1", "equalshares/add1-comparison"]
    assert [r.name for r in rules_for("ordinal")] == ["greedy", "greedy-threshold", "greedy-no-skip"]
    assert "phragmen" not in [r.name for r in rules_for("cumulative")]
    for rule in RULES.values():
        assert rule.label and rule.description and callable(rule.function)


def test_greedy_explanations_in_pounds() -> None:
    out = count(pence_election(), "greedy", money=currency("£", 100))
    assert out.selected == ("bench", "park", "mural")
    assert out.total_cost == 4_000_000
    assert out.explanations["bench"] == "Selected 1st with 7 votes; £47,000 left."
    assert out.explanations["park"] == "Selected 2nd with 5 votes; £22,000 left."
    assert out.explanations["library"] == "Skipped: cost £40,000, only £22,000 left (it had 3 votes)."
    assert out.records["library"].reason == "greedy_skipped"
    assert out.records["park"].position == 2


def test_mes_explanations_say_what_supporters_had() -> None:
    out = count(pence_election(), "mes", money=currency("£", 100))
    # Each of the 10 voters starts with £5,000.
    assert out.details["per_voter_budget"] == 500_000
    assert out.explanations["bench"] == "Selected in round 1 at £428.57 per supporter (7 supporters)."
    assert out.records["bench"].round == 1
    assert out.selected == ("bench",)
    assert out.explanations["library"] == (
        "Not selected: its 3 supporters had £15,000 left between them and it needed £40,000.")
    text = out.explanations["mural"]
    assert text.startswith("Not selected: its 2 supporters had £9,142.86 left between them")
    assert text.endswith("it needed £12,000.")
    assert out.records["mural"].supporters_money == Fraction(64_000_000, 70)


def test_completion_and_add1_explanations() -> None:
    out = count(pence_election(), "mes_add1_greedy", money=currency("£", 100), add1_unit=100)
    assert out.selected == ("bench", "park", "mural")
    assert out.details["steps"] == 1429
    assert out.explanations["park"] == (
        "Selected in round 2 at £5,000 per supporter (5 supporters; "
        "each voter's share raised to £6,429).")
    assert out.explanations["library"].endswith(
        "the greedy completion skipped it too: cost £40,000, only £10,000 left.")


def test_rule_not_applicable() -> None:
    e = Election(projects=(Project("a", 1),), budget=Fraction(1),
                 ballots=(Ballot("v", ("a",)),), vote_type="ordinal")
    with pytest.raises(RuleNotApplicable):
        count(e, "mes")
    assert count(e, "greedy").selected == ("a",)
    with pytest.raises(KeyError):
        count(e, "no-such-rule")


def test_add1_unit_for_pence_matches_counting_in_pounds() -> None:
    pence = pence_election()
    pounds = Election(
        projects=tuple(Project(p.id, p.cost / 100, name=p.name) for p in pence.projects),
        budget=pence.budget / 100,
        ballots=pence.ballots,
    )
    for rule in ("mes_add1", "mes_add1_greedy"):
        a = count(pence, rule, add1_unit=100)
        b = count(pounds, rule)
        assert a.selected == b.selected
        assert a.details["steps"] == b.details["steps"]


def test_unsupported_and_free_projects() -> None:
    e = Election(
        projects=(Project("free", 0), Project("x", 5), Project("nobody", 1)),
        budget=Fraction(6),
        ballots=(Ballot("v1", ("free", "x")), Ballot("v2", ("x",))),
    )
    mes = count(e, "mes")
    assert mes.selected[0] == "free"
    assert mes.explanations["nobody"] == "Not selected: nobody supported it."
    greedy = count(e, "greedy")
    assert greedy.selected == ("free", "x", "nobody")
    assert greedy.explanations["nobody"].startswith("Selected 3rd with no support")


ASSEN = "Netherlands_Assen_2024.pb"


@pytest.mark.skipif(not shared_available(), reason="shared Pabulib folder not found")
def test_cli_json() -> None:
    result = CliRunner().invoke(tally, [str(SHARED / ASSEN), "--rule", "mes_add1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rule"] == "mes_add1"
    assert data["selected"] == expected()["files"][ASSEN]["mes_add1"]
    assert data["budget"] == 100000
    assert data["cost"] <= data["budget"]
    assert "explanations" not in data


@pytest.mark.skipif(not shared_available(), reason="shared Pabulib folder not found")
def test_cli_json_with_explanations_and_text_output() -> None:
    result = CliRunner().invoke(tally, [str(SHARED / ASSEN), "--rule", "greedy", "--json", "--explain"])
    data = json.loads(result.output)
    assert set(data["explanations"]) == {str(i) for i in range(1, 15)}
    text = CliRunner().invoke(tally, [str(SHARED / ASSEN), "--rule", "phragmen", "--explain",
                                      "--currency-symbol", "€"])
    assert text.exit_code == 0
    assert "Selected 10 of 14 projects, using €88,700 of €100,000" in text.output
    assert "Why:" in text.output


@pytest.mark.skipif(not shared_available(), reason="shared Pabulib folder not found")
def test_python_dash_m_runs_standalone() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "voting.counting", str(SHARED / ASSEN), "--rule", "mes", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["selected"] == expected()["files"][ASSEN]["mes"]


def test_cli_rejects_rule_for_ballot_type(tmp_path) -> None:
    f = tmp_path / "ordinal.pb"
    f.write_text("META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n1;5\n"
                 "VOTES\nvoter_id;vote\nv;1\n")
    result = CliRunner().invoke(tally, [str(f), "--rule", "mes"])
    assert result.exit_code == 1
    assert "does not count ordinal ballots" in result.output


def test_cumulative_and_ordinal_wording() -> None:
    projects = (Project("a", 10), Project("b", 10), Project("c", 30))
    cumulative = Election(
        projects=projects, budget=Fraction(20), vote_type="cumulative",
        ballots=(Ballot("v1", ("a", "c"), (3, 2)), Ballot("v2", ("b",), (5,))),
    )
    out = count(cumulative, "greedy")
    assert out.explanations["b"] == "Selected 1st with 5 points; 10 left."
    mes = count(cumulative, "mes")
    assert "per point" in mes.explanations[mes.selected[0]]
    ordinal = Election(
        projects=projects, budget=Fraction(20), vote_type="ordinal", max_length=3,
        ballots=(Ballot("v1", ("c", "a", "b")), Ballot("v2", ("a", "c"))),
    )
    out = count(ordinal, "greedy")
    assert out.selected == ("a", "b")
    assert out.explanations["a"] == "Selected 1st with a score of 5; 10 left."
    assert out.explanations["c"] == "Skipped: cost 30, only 10 left (it had a score of 5)."


def test_phragmen_wording() -> None:
    out = count(pence_election(), "phragmen", money=currency("£", 100))
    assert out.explanations["bench"] == (
        "Selected in round 1: the load of its 7 supporters rose to £428.57 each; £47,000 left.")
    assert out.explanations["library"].startswith("Not selected: it was next in round 4")
    assert out.records["library"].reason == "phragmen_stopped"


def _launch(*args: str) -> subprocess.CompletedProcess:
    # Reports at exit whether Flask was ever imported by the `commonpot` console script.
    code = ("import sys, atexit; atexit.register(lambda: sys.stderr.write("
            "'\\nFLASK=%s' % ('flask' in sys.modules))); "
            f"from voting.launcher import main; main({list(args)!r})")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_commonpot_tally_does_not_start_the_web_app(tmp_path) -> None:
    f = tmp_path / "small.pb"
    f.write_text("META\nkey;value\nbudget;10\nrule;greedy\nPROJECTS\nproject_id;cost\n1;5\n2;6\n"
                 "VOTES\nvoter_id;vote\nv1;1,2\nv2;2\n")
    proc = _launch("tally", str(f), "--rule", "official", "--json")
    assert json.loads(proc.stdout)["selected"] == ["2"]
    assert proc.stderr.endswith("FLASK=False"), proc.stderr
    # Any other command is the Flask command line (and so imports Flask).
    other = _launch("--help")
    assert "create-admin" in other.stdout
    assert other.stderr.endswith("FLASK=True"), other.stderr
