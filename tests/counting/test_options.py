"""Each counting option against small elections worked out by hand (in the comments)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from voting.counting import Ballot, Election, Project, count
from voting.counting.options import CountOptions, OptionError, describe, parse_options
from voting.counting.ties import TieUnsettled


def election(projects, ballots, budget, vote_type="approval", meta=None) -> Election:
    return Election(projects=tuple(Project(pid, cost) for pid, cost in projects), budget=Fraction(budget),
                    ballots=tuple(Ballot(f"v{i}", tuple(b[0]), b[1] if len(b) > 1 else None)
                                  for i, b in enumerate(ballots)),
                    vote_type=vote_type, meta=meta or {})


def two_way_tie() -> Election:
    # Two voters both approve a (cost 10) and b (cost 20); budget 20, so 10 each.
    # Everyone is rich: a costs each supporter 5, b costs 10: both 1/2 per unit of
    # satisfaction, a tie.  Whichever goes first leaves too little for the other:
    # a first -> 5 each left, b needs 20 -> {a};  b first -> 0 left -> {b}.
    return election([("a", 10), ("b", 20)], [(["a", "b"],), (["a", "b"],)], 20)


def test_mes_tie_goes_by_project_id_by_default_and_is_recorded() -> None:
    out = count(two_way_tie(), "mes")
    assert out.selected == ("a",)
    [tie] = out.ties
    assert (tie.stage, tie.round, tie.projects, tie.broken_by) == ("mes", 1, ("a", "b"), "project id")
    assert "a went first because it has the smaller project id" in out.explanations["a"]


@pytest.mark.parametrize("order,winner,by", [("minCost", "a", "minCost"), ("maxCost", "b", "maxCost"),
                                             ("maxVotes,maxCost", "b", "maxCost")])
def test_mes_tie_breaking_criteria(order: str, winner: str, by: str) -> None:
    out = count(two_way_tie(), "mes", options=parse_options(tie_breaking=order))
    assert out.selected == (winner,)
    assert out.ties[0].broken_by == by
    assert out.ties[0].winner == winner
    words = {"minCost": "lower cost", "maxCost": "higher cost"}[by]
    assert f"{winner} went first because the round breaks ties by {words}." in out.explanations[winner]


def test_max_votes_settles_a_greedy_tie_of_equal_score_only_by_the_next_criterion() -> None:
    # Greedy ties always share their votes, so maxVotes cannot split them: minCost does.
    # a (6) and b (5) both have 2 votes; budget 10 fits either but not both.
    e = election([("a", 6), ("b", 5)], [(["a", "b"],), (["a", "b"],)], 10)
    out = count(e, "greedy", options=parse_options(tie_breaking="maxVotes,minCost"))
    assert out.selected == ("b",)
    assert out.ties[0].broken_by == "minCost"
    assert out.explanations["b"].endswith(
        "Projects b and a had the same 2 votes; b went first because the round breaks ties by lower cost.")
    # Plain greedy: by id, a first.
    assert count(e, "greedy").selected == ("a",)


def test_greedy_records_only_ties_that_change_the_result() -> None:
    # Budget 11 fits both tied projects: the order changes nothing, no tie to report.
    e = election([("a", 6), ("b", 5)], [(["a", "b"],)], 11)
    assert count(e, "greedy").ties == ()


def test_official_count_stops_on_a_tie_it_cannot_settle() -> None:
    e = election([("a", 6), ("b", 5)], [(["a", "b"],), (["a", "b"],)], 10, meta={"rule": "greedy"})
    with pytest.raises(TieUnsettled, match="Projects a, b are tied"):
        count(e, "official")
    assert count(e, "official", options=parse_options(tie_breaking="minCost")).selected == ("b",)


def completion_election() -> Election:
    # v0, v1 approve a (cost 6); v2 approves b (cost 6); nobody approves c (cost 3).
    # Budget 9: each voter starts with 3.  MES: a costs its supporters 3 each -> bought;
    # b needs 6 from v2 who has 3 -> not.  {a}, 3 left.
    return election([("a", 6), ("b", 6), ("c", 3)], [(["a"],), (["a"],), (["b"],)], 9)


def test_completion_none_and_utilitarian() -> None:
    e = completion_election()
    assert count(e, "equalshares").selected == ("a",)
    # Utilitarian: b (1 vote) does not fit the 3 left; c (no votes) does.
    assert count(e, "equalshares", options=CountOptions(completion="utilitarian")).selected == ("a", "c")


def test_add1_exhaustive_stops_at_once_and_plain_add1_runs_until_overspending() -> None:
    e = completion_election()
    exhaustive = count(e, "equalshares", options=CountOptions(completion="add1",
                                                               add1=frozenset({"exhaustive"})))
    # {a} leaves 3 and b costs 6: nothing supported fits, so it stops at step 0.
    assert exhaustive.selected == ("a",)
    assert exhaustive.details["steps"] == 0
    plain = count(e, "equalshares", options=CountOptions(completion="add1", add1=frozenset()))
    # Shares 3, 4, 5 give {a}; at 6, v2 pays for b and a+b = 12 > 9: keep share 5.
    assert plain.selected == ("a",)
    assert plain.details["per_voter_budget"] == 5
    add1u = count(e, "equalshares", options=CountOptions(completion="add1u", add1=frozenset()))
    assert add1u.selected == ("a", "c")


def test_increment_and_integral_start() -> None:
    e = completion_election()
    # Increment 3: shares 3, 6 -> 6 overspends, so the share stays 3.
    by3 = count(e, "equalshares", options=CountOptions(completion="add1", add1=frozenset(), increment=3))
    assert by3.details["per_voter_budget"] == 3
    # Budget 10 for 3 voters: the share is 10/3; "integral" starts from the whole 3.
    e10 = Election(projects=e.projects, budget=Fraction(10), ballots=e.ballots)
    exact = count(e10, "equalshares", options=CountOptions(completion="add1", add1=frozenset({"exhaustive"})))
    assert exact.details["start_per_voter_budget"] == Fraction(10, 3)
    whole = count(e10, "equalshares", options=CountOptions(completion="add1",
                                                           add1=frozenset({"exhaustive", "integral"})))
    assert whole.details["start_per_voter_budget"] == 3
    assert whole.details["summary"][0] == (
        "Each of the 3 voters started with a share of 3 (the budget 10 divided by 3, "
        "rounded down to a whole unit).")


def comparison_election() -> Election:
    # v0..v2 approve big (cost 4); v3 approves small (cost 1).  Budget 4: 1 each.
    # MES: big's supporters have 3 < 4; small is bought.  add1: at share 2 big costs
    # 4/3 each and small 1: 5 > 4 overspends, so MES (add1) = {small}.
    # Greedy: big (3 votes) first, fills the budget: {big}.
    # Satisfaction: v0..v2 get 1 project under greedy, 0 under MES; v3 the reverse.
    # 3 voters prefer greedy, 1 prefers MES: greedy is kept.  Same by exclusion.
    return election([("big", 4), ("small", 1)], [(["big"],), (["big"],), (["big"],), (["small"],)], 4)


@pytest.mark.parametrize("how", ["satisfaction", "exclusion"])
def test_comparison_keeps_greedy_when_more_voters_prefer_it(how: str) -> None:
    e = comparison_election()
    assert count(e, "equalshares/add1").selected == ("small",)
    out = count(e, "equalshares/add1", options=CountOptions(comparison=how))
    assert out.selected == ("big",)
    assert out.details["comparison"] == {"by": how, "prefer_mes": 1, "prefer_greedy": 3, "kept": "greedy"}
    assert "so the greedy result was kept" in out.explanations["big"]


def test_comparison_keeps_mes_when_voters_prefer_it() -> None:
    # completion_election: MES gives {a}.  Greedy: a (2 votes, 6), then b
    # (1 vote, 6) does not fit the 3 left, c (3) fits: {a, c}.  Nobody supports c, so
    # no voter prefers either: ties keep MES.
    out = count(completion_election(), "equalshares", options=CountOptions(comparison="satisfaction"))
    assert out.selected == ("a",)
    assert out.details["comparison"]["kept"] == "mes"


def test_float_accuracy_gives_the_same_result_on_a_clear_election() -> None:
    e = comparison_election()
    assert count(e, "mes", options=CountOptions(accuracy="float")).selected == count(e, "mes").selected
    # A float tie is still a tie, settled by the same criteria.
    assert count(two_way_tie(), "mes", options=CountOptions(accuracy="float", tie_breaking=("maxCost",))
                 ).selected == ("b",)


def test_threshold_and_no_skip() -> None:
    # a: 3 votes cost 8; b: 2 votes cost 5; c: 1 vote cost 2; budget 10.
    e = election([("a", 8), ("b", 5), ("c", 2)],
                 [(["a", "b", "c"],), (["a", "b"],), (["a"],)], 10, meta={"min_project_score_threshold": "2"})
    # Greedy: a (8 left 2), b skipped, c (2) -> {a, c}.
    assert count(e, "greedy").selected == ("a", "c")
    # Threshold 2 from META: c (1 vote) cannot win -> {a}.
    out = count(e, "greedy-threshold")
    assert out.selected == ("a",)
    assert out.explanations["c"] == "Not eligible: it had 1 vote, under the threshold of 2 votes."
    assert count(e, "greedy-threshold", options=CountOptions(threshold=Fraction(0))).selected == ("a", "c")
    # No skip (threshold 0): a, then b does not fit -> stop; c never considered.
    out = count(e, "greedy-no-skip", options=CountOptions(threshold=Fraction(0)))
    assert out.selected == ("a",)
    assert out.records["b"].reason == "greedy_stopped"
    assert out.explanations["c"].endswith("the count stopped earlier when project b did not fit.")


def test_options_round_trip_and_refuse_nonsense() -> None:
    o = parse_options(tie_breaking="maxVotes,minCost", completion="add1u", add1="exhaustive,integral",
                      increment="1", comparison="exclusionRatio", accuracy="exact", threshold="50")
    assert o.comparison == "exclusion"
    assert CountOptions.from_dict(o.to_dict()) == o
    for bad in (dict(tie_breaking="mostLikes"), dict(completion="add2"), dict(add1="sometimes"),
                dict(increment="0"), dict(increment="x"), dict(threshold="-1"), dict(accuracy="rough")):
        with pytest.raises(OptionError):
            parse_options(**bad)
    words = describe(o)
    assert words[0] == ("Ties go to the project with most votes, then lowest cost, "
                        "then the smaller project number.")
