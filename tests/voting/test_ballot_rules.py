"""The pure ballot rules (voting.ballots), without Flask."""

import pytest

from voting.ballots import BallotError, BallotRules, BallotType, Project, check, parse_contest, validate

PROJECTS = {1: Project(1, "A", 300), 2: Project(2, "B", 500), 3: Project(3, "C", 400)}


def test_approval_limits():
    rules = BallotRules(BallotType.APPROVAL, 1000, max_choices=2, min_choices=1)
    assert check(rules, PROJECTS, {1: 1, 2: 1}) == []
    assert "Choose no more than 2" in check(rules, PROJECTS, {1: 1, 2: 1, 3: 1})[0]
    assert "Choose at least 1 project" in check(rules, PROJECTS, {})[0]


def test_knapsack_budget_and_minimum_share():
    rules = BallotRules(BallotType.KNAPSACK, 1000, min_share_percent=50)
    assert check(rules, PROJECTS, {1: 1, 2: 1}) == []
    over = check(rules, PROJECTS, {1: 1, 2: 1, 3: 1})
    assert over == ["Your choices cost £12, which is £2 over the £10 budget. Untick projects until they fit."]
    assert "at least £5 (50% of the budget)" in check(rules, PROJECTS, {1: 1})[0]


def test_cumulative_points():
    rules = BallotRules(BallotType.CUMULATIVE, 1000, points_total=5, max_points_per_project=3)
    assert validate(rules, PROJECTS, {2: 2, 1: 3}) == {1: 3, 2: 2}
    problems = check(rules, PROJECTS, {1: 4, 2: 2})
    assert "You gave 6 points but have 5 to share. Take away 1." in problems
    assert "You gave 4 points to “A”; one project can have at most 3." in problems


def test_ranked_duplicates_gaps_and_length():
    rules = BallotRules(BallotType.RANKED, 1000, max_choices=2)
    assert check(rules, PROJECTS, {3: 1, 1: 2}) == []
    assert "You gave rank 1 to more than one project (“A” and “B”)" in check(rules, PROJECTS, {1: 1, 2: 1})[0]
    assert check(rules, PROJECTS, {1: 1, 2: 3}) == ["Number your ranks 1, 2, 3 and so on, without gaps."]
    assert "Rank no more than 2" in check(rules, PROJECTS, {1: 1, 2: 2, 3: 3})[0]


def test_unknown_projects_and_bad_numbers_are_reported():
    with pytest.raises(BallotError) as refused:
        validate(BallotRules(BallotType.APPROVAL, 1000), PROJECTS, {9: 1})
    assert "not on this ballot" in refused.value.messages[0]
    choices, problems = parse_contest(BallotType.CUMULATIVE, PROJECTS,
                                      {"d1-points-1": ["two"], "d1-points-2": ["-1"], "d1-points-3": ["2"]},
                                      "d1-")
    assert choices == {3: 2}
    assert problems == ["Enter a whole number for “A”, or leave it blank.",
                        "Enter 0 or more for “B”, not a negative number."]
