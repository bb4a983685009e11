"""Every rule selects exactly what pabutools selected on every shared file."""
from __future__ import annotations

import pytest

from voting.counting import count

from .conftest import SHARED_REASON, expected, load, shared_available


def _cases():
    if not shared_available():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=SHARED_REASON), id="no-shared-folder")]
    data = expected()
    cases = []
    for name in sorted(data["files"]):
        for rule in sorted(data["files"][name]):
            cases.append(pytest.param(name, rule, id=f"{name}-{rule}"))
    for name in sorted(data.get("not_computed", {})):
        for rule, reason in sorted(data["not_computed"][name].items()):
            cases.append(pytest.param(
                name, rule, id=f"{name}-{rule}",
                marks=pytest.mark.skip(reason=f"no reference outcome: {reason}")))
    return cases


@pytest.mark.parametrize("name,rule", _cases())
def test_rule_matches_reference(name: str, rule: str) -> None:
    _, cp = load(name)
    outcome = count(cp, rule)
    assert sorted(outcome.selected) == expected()["files"][name][rule]
    assert outcome.total_cost <= outcome.budget
    assert set(outcome.explanations) == set(cp.ids)
