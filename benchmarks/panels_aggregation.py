"""How long exact panel aggregation takes (weighted totals, calibration, exact ranking).

Run: .venv/bin/python benchmarks/panels_aggregation.py
"""

from __future__ import annotations

import random
import time

from grants.panels.aggregation import aggregate
from grants.panels.assignment import plan_assignments


def run(applications: int, reviewers: int, per_application: int | None, criteria: int = 4) -> None:
    rng = random.Random(2026)
    weights = {c: rng.randint(1, 5) for c in range(criteria)}
    plan = plan_assignments(range(reviewers), range(applications), per_application=per_application)
    harshness = {r: rng.randint(-1, 1) for r in range(reviewers)}
    scores: dict[int, dict[int, dict[int, int]]] = {}
    for reviewer, app in plan.pairs:
        scores.setdefault(app, {})[reviewer] = {
            c: min(5, max(0, rng.randint(1, 4) + harshness[reviewer])) for c in weights}
    started = time.perf_counter()
    plain = aggregate(scores, weights, threshold=2)
    plain_s = time.perf_counter() - started
    started = time.perf_counter()
    calibrated = aggregate(scores, weights, threshold=2, calibrate=True, scale=(0, 5))
    calibrated_s = time.perf_counter() - started
    k = per_application or reviewers
    print(f"{applications:>5} applications x {k:>2} reviewers each ({reviewers} members): "
          f"plain {plain_s * 1000:8.1f} ms, calibrated {calibrated_s * 1000:8.1f} ms, "
          f"flagged {sum(r.flagged for r in plain.results)}, "
          f"top calibrated {calibrated.results[0].calibrated:.2f}")


if __name__ == "__main__":
    run(40, 6, None)
    run(200, 12, 3)
    run(500, 20, 4)
    run(100, 15, None)
