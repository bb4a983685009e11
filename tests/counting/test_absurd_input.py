"""Absurd numbers get a clear error with the line, or are counted exactly."""
from __future__ import annotations

from fractions import Fraction

import pytest
from click.testing import CliRunner

from voting.counting import Ballot, Election, PabulibError, Project, count, parse_pb
from voting.counting.cli import tally

HEAD = "META\nkey;value\n"


def pb(meta: str, projects: str = "1;5\n2;5\n", votes: str = "v1;1\n", vote_type: str = "approval") -> str:
    points = ";points" if vote_type == "cumulative" else ""
    return (f"{HEAD}vote_type;{vote_type}\n{meta}PROJECTS\nproject_id;cost\n{projects}"
            f"VOTES\nvoter_id;vote{points}\n{votes}")


@pytest.mark.parametrize("text,line,message", [
    (pb("budget;-10\n"), 4, "the budget '-10' is negative"),
    (pb("budget;inf\n"), 4, "budget 'inf' is not a finite number"),
    (pb("budget;NaN\n"), 4, "budget 'NaN' is not a finite number"),
    (pb("budget;1e400\n"), 4, "the budget about 1e+400 is too large to count"),
    (pb("budget;10\n", projects="1;1e400\n"), 7, "project '1': cost about 1e+400 is too large"),
    (pb("budget;10\n", projects="1;-inf\n"), 7, "project '1': cost '-inf' is not a finite number"),
    (pb("budget;10\nnum_votes;2\n"), 5, "META num_votes says 2 but the VOTES section has 1 lines"),
    (pb("budget;10\nnum_projects;3\n"), 5, "META num_projects says 3 but the PROJECTS section has 2 lines"),
    (pb("budget;10\nmin_project_score_threshold;-5\n"), 5,
     "META min_project_score_threshold '-5' is negative"),
    (pb("budget;10\n", votes="v1;1,2\nv2;2,1,2\n"), 12, "voter 'v2' names project '2' more than once"),
    (pb("budget;10\n", votes="v1;1,1;2,3\n", vote_type="cumulative"), 11,
     "voter 'v1' names project '1' more than once"),
    (pb("budget;10\n", votes="v1;1;100000000000000000000\n", vote_type="cumulative"), 11,
     "about 1e+20 points on one project is too many"),
    (pb("budget;10\n", votes="v1;1;inf\n", vote_type="cumulative"), 11, "are not all finite numbers"),
])
def test_clear_error_with_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PabulibError) as err:
        parse_pb(text, source="f.pb")
    assert err.value.line == line
    assert message in err.value.message


def test_cli_reports_a_negative_budget_without_a_traceback(tmp_path) -> None:
    f = tmp_path / "negative.pb"
    f.write_text(pb("budget;-10\n"))
    result = CliRunner().invoke(tally, [str(f), "--rule", "greedy"])
    assert result.exit_code == 1
    assert f"Error: {f}:4: the budget '-10' is negative" in result.output


def test_points_summing_past_int64_are_counted_exactly() -> None:
    # 10,000 voters give project a 10^15 points each: 10^19, past int64's 9.2 x 10^18
    # (it used to wrap round to a negative score).  One voter gives b 10^15 + 1 points.
    # Budget 5 fits one project: a, with far more points, must win.
    big = 10**15
    ballots = [Ballot(f"a{i}", ("a",), (big,)) for i in range(10_000)] + [Ballot("b", ("b",), (big + 1,))]
    e = Election(projects=(Project("a", 5), Project("b", 5)), budget=Fraction(5), ballots=tuple(ballots),
                 vote_type="cumulative")
    out = count(e, "greedy")
    assert out.selected == ("a",)
    assert out.records["a"].support == 10_000 * big
    assert count(e, "mes_add1").selected == ("a",)


def test_huge_weights_built_in_code_are_refused_clearly() -> None:
    e = Election(projects=(Project("a", 5),), budget=Fraction(5),
                 ballots=(Ballot("v", ("a",), (10**20,)),), vote_type="cumulative")
    with pytest.raises(ValueError, match="too large to count exactly"):
        count(e, "greedy")
