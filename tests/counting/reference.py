"""A deliberately naive, exact (Fraction) re-implementation of the rules, to
check the fast engine against on small random elections."""
from __future__ import annotations

from fractions import Fraction

from voting.counting import Election


def _voters(e: Election):
    return [(b.weight, dict(e.ballot_weights(b))) for b in e.ballots]


def _cost(e: Election, ids) -> Fraction:
    costs = {p.id: p.cost for p in e.projects}
    return sum((costs[i] for i in ids), Fraction(0))


def naive_mes_run(e: Election, per_unit: Fraction) -> list[str]:
    voters = _voters(e)
    budget = [per_unit for _ in voters]
    cost = {p.id: p.cost for p in e.projects}
    supported = {pid for _, ws in voters for pid in ws}
    selected = sorted(p for p in supported if cost[p] == 0)
    remaining = sorted(p for p in supported if cost[p] > 0)
    while True:
        best = None
        for p in remaining:
            sup = [(i, m, ws[p]) for i, (m, ws) in enumerate(voters) if p in ws]
            if sum(m * budget[i] for i, m, _ in sup) < cost[p]:
                continue
            sup.sort(key=lambda t: budget[t[0]] / (t[2] * cost[p]))
            paid = Fraction(0)
            denom = sum(m * w * cost[p] for _, m, w in sup)
            rho = None
            for i, m, w in sup:
                rho = (cost[p] - paid) / denom
                if rho * w * cost[p] <= budget[i]:
                    break
                paid += m * budget[i]
                denom -= m * w * cost[p]
            if best is None or rho < best[0] or (rho == best[0] and p < best[1]):
                best = (rho, p)
        if best is None:
            return selected
        rho, p = best
        for i, (_m, ws) in enumerate(voters):
            if p in ws:
                budget[i] -= min(budget[i], rho * ws[p] * cost[p])
        selected.append(p)
        remaining.remove(p)


def _exhaustive(e: Election, chosen, among) -> bool:
    left = e.budget - _cost(e, chosen)
    return not any(p.id not in chosen and p.cost <= left for p in among)


def naive_mes(e: Election) -> list[str]:
    return naive_mes_run(e, e.budget / e.total_weight)


def naive_mes_add1(e: Election) -> list[str]:
    per_unit = e.budget / e.total_weight
    supported = {pid for _, ws in _voters(e) for pid in ws}
    among = [p for p in e.projects if p.id in supported and p.cost > 0]
    previous = naive_mes_run(e, per_unit)
    while True:
        out = naive_mes_run(e, per_unit)
        if _cost(e, out) > e.budget:
            return previous
        if _exhaustive(e, out, among):
            return out
        previous = out
        per_unit += 1


def naive_greedy_fill(e: Election, chosen: list[str]) -> list[str]:
    score: dict[str, Fraction] = {p.id: Fraction(0) for p in e.projects}
    for m, ws in _voters(e):
        for pid, w in ws.items():
            score[pid] += m * w
    order = sorted(e.projects, key=lambda p: (0 if p.cost == 0 and score[p.id] > 0 else 1,
                                              -score[p.id], p.id))
    chosen = list(chosen)
    left = e.budget - _cost(e, chosen)
    for p in order:
        if p.id not in chosen and p.cost <= left:
            chosen.append(p.id)
            left -= p.cost
    return chosen


def naive_phragmen(e: Election) -> list[str]:
    voters = _voters(e)
    load = [Fraction(0) for _ in voters]
    remaining = sorted(p.id for p in e.projects if p.cost <= e.budget)
    cost = {p.id: p.cost for p in e.projects}
    chosen: list[str] = []
    spent = Fraction(0)
    while remaining:
        values = {}
        for p in remaining:
            sup = [(i, m) for i, (m, ws) in enumerate(voters) if p in ws]
            score = sum(m for _, m in sup)
            values[p] = None if score == 0 else (sum(m * load[i] for i, m in sup) + cost[p]) / score
        finite = [v for v in values.values() if v is not None]
        best = min(finite) if finite else None
        tied = [p for p in remaining if values[p] == best]
        if any(spent + cost[p] > e.budget for p in tied):
            break
        p = min(tied)
        for i, (_m, ws) in enumerate(voters):
            if p in ws:
                load[i] = best
        chosen.append(p)
        spent += cost[p]
        remaining.remove(p)
    return chosen
