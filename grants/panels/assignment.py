"""Who reviews what. Pure Python: no Flask, no database; the same input gives the same plan.

Two modes:
- everyone: every member reviews every eligible application;
- k reviewers per application, loads balanced across members.

A conflicted (member, application) pair is never assigned in either mode.

For k reviewers the plan is greedy and deterministic: the applications with the fewest
eligible members go first (they have the least choice), and each takes the k eligible
members with the lightest load so far (ties to the lower member id). Without conflicts this
keeps every member's load within one of every other's; with conflicts it stays as close
as the conflicts allow. Existing assignments count towards loads and are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    pairs: frozenset[tuple[int, int]]  # (member_id, application_id), new ones only
    # application_id -> how many reviewers it is short of k (too few eligible members)
    shortfalls: dict[int, int] = field(default_factory=dict)

    def loads(self, members: Iterable[int], existing: Iterable[tuple[int, int]] = ()) -> dict[int, int]:
        counts = {m: 0 for m in members}
        for member, _ in list(existing) + list(self.pairs):
            counts[member] = counts.get(member, 0) + 1
        return counts


def plan_assignments(
    members: Iterable[int],
    applications: Iterable[int],
    conflicts: Iterable[tuple[int, int]] = (),
    *,
    per_application: int | None = None,
    existing: Iterable[tuple[int, int]] = (),
) -> Plan:
    """Plan new (member, application) assignments.

    per_application=None: everyone reviews everything they are not conflicted on.
    """
    members = sorted(set(members))
    applications = sorted(set(applications))
    conflicted = set(conflicts)
    existing = {pair for pair in existing if pair not in conflicted}

    if per_application is None:
        pairs = {(m, a) for a in applications for m in members
                 if (m, a) not in conflicted and (m, a) not in existing}
        return Plan(frozenset(pairs))
    if per_application < 1:
        raise ValueError("each application needs at least one reviewer")

    load = {m: 0 for m in members}
    have: dict[int, set[int]] = {a: set() for a in applications}
    for member, app in existing:
        if member in load:
            load[member] += 1
        if app in have:
            have[app].add(member)

    def eligible(app: int) -> list[int]:
        return [m for m in members if (m, app) not in conflicted and m not in have[app]]

    order = sorted(applications, key=lambda a: (len(eligible(a)) + len(have[a]), a))
    pairs: set[tuple[int, int]] = set()
    shortfalls: dict[int, int] = {}
    for app in order:
        needed = per_application - len(have[app])
        if needed <= 0:
            continue
        chosen = sorted(eligible(app), key=lambda m: (load[m], m))[:needed]
        for member in chosen:
            pairs.add((member, app))
            have[app].add(member)
            load[member] += 1
        if len(chosen) < needed:
            shortfalls[app] = needed - len(chosen)
    return Plan(frozenset(pairs), shortfalls)
