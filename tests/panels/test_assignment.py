"""Assigning reviewers: everyone, or k per application with balanced loads."""

import pytest

from grants.panels.assignment import plan_assignments


def test_everyone_reviews_everything_except_conflicts():
    plan = plan_assignments([1, 2, 3], [10, 11], conflicts=[(2, 11)])
    assert plan.pairs == {(1, 10), (2, 10), (3, 10), (1, 11), (3, 11)}


def test_k_per_application_balances_loads():
    members = [1, 2, 3, 4, 5]
    apps = list(range(100, 107))
    plan = plan_assignments(members, apps, per_application=2)
    per_app = {a: sum(1 for _, x in plan.pairs if x == a) for a in apps}
    assert set(per_app.values()) == {2}
    loads = plan.loads(members)
    assert sum(loads.values()) == 14
    assert max(loads.values()) - min(loads.values()) <= 1


def test_conflicted_pairs_are_never_assigned():
    conflicts = {(1, 100), (2, 100), (3, 101)}
    plan = plan_assignments([1, 2, 3, 4], [100, 101, 102], conflicts, per_application=2)
    assert not plan.pairs & conflicts
    assert {m for m, a in plan.pairs if a == 100} == {3, 4}
    assert not plan.shortfalls


def test_too_few_eligible_members_is_reported():
    plan = plan_assignments([1, 2], [100], conflicts=[(1, 100)], per_application=2)
    assert plan.pairs == {(2, 100)}
    assert plan.shortfalls == {100: 1}


def test_the_plan_is_deterministic_and_keeps_existing_assignments():
    first = plan_assignments([3, 1, 2], [12, 10, 11], per_application=1, existing=[(1, 10)])
    second = plan_assignments([1, 2, 3], [10, 11, 12], per_application=1, existing=[(1, 10)])
    assert first == second
    assert all(a != 10 for _, a in first.pairs)  # already has its reviewer
    assert first.loads([1, 2, 3], existing=[(1, 10)]) == {1: 1, 2: 1, 3: 1}


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        plan_assignments([1], [1], per_application=0)
