"""Method of Equal Shares with cost utilities, and the completions cities use.

Definitions follow pabutools 1.2.3 (``method_of_equal_shares`` with
``sat_i(p) = weight_i(p) * cost(p)``), which ``/work/shared/pabulib/README.md``
describes:

* every voter starts with ``B / n`` (weighted voters: in proportion to weight);
* only supported projects take part; a supported zero-cost project is selected
  up front;
* each round picks the project with the smallest affordability ``rho``: the
  supporters pay ``min(budget_i, rho * sat_i(p))`` and that covers the cost;
  ties go to the smallest project id compared as a string;
* the run ends when no project's supporters can still afford it.

How it is fast and still exact
------------------------------
Identical ballots are merged into weighted groups (see ``profile.py``).
Affordabilities are computed with NumPy floats, but a float is never allowed
to decide: whenever two candidates' ``rho`` are within ``TOL`` of each other,
or a project's supporters' money is within ``TOL`` of its cost, the question is
settled again in exact rational arithmetic.

Exact budgets are cheap because of how they evolve: a voter's budget is
either 0 (they ran out paying for a project) or
``b0 - sum(price_p * weight_i(p))`` over the projects they paid for in full.
Voters who went through the same history share a *budget class*; a class is
created per (old class, weight) when a project is bought, and its exact value
(a Fraction) is only computed when some decision needs it.  The exact price of
the winning project needs only the exact budgets of its supporters who pay
less than the full price (usually few classes), and the float order is used
only to guess which supporters those are; the guess is verified exactly at
the boundary and redone exactly if wrong.  Float budgets are updated from the
exact prices, so errors do not build up across rounds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..profile import CompiledProfile, is_exhaustive, total_cost

#: Relative tolerance below which two floats are treated as a possible tie.
#: Float errors here are around 1e-13 relative; anything closer than TOL is
#: re-decided exactly.
TOL = 1e-9
_ZERO_CLASS = 1


@dataclass
class MesRound:
    project: int
    #: Payment per unit of weight from supporters who could afford it in full
    #: (per supporter for approval ballots, per point for cumulative ones).
    price: Fraction
    rho: Fraction
    #: Weighted number of supporters and how many of them paid the full price.
    supporters: Fraction
    full_payers: Fraction


@dataclass
class MesRun:
    """One run of MES with a given starting budget per voter."""

    per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    upfront: list[int] = field(default_factory=list)
    rounds: list[MesRound] = field(default_factory=list)
    #: Float budgets per group at the end (only used to explain the outcome;
    #: None when the outcome was derived without running MES).
    final_budgets: np.ndarray | None = None


class MesEngine:
    """Precomputed per-project arrays shared by every MES run on a profile."""

    def __init__(self, cp: CompiledProfile):
        self.cp = cp
        self.mult_f = cp.mult.astype(np.float64)
        self.projects = [j for j in range(cp.n_projects) if cp.scores[j] > 0 and cp.costs[j] > 0]
        self.zero_cost = [j for j in range(cp.n_projects) if cp.scores[j] > 0 and cp.costs[j] == 0]
        self.sup = cp.supporters
        self.w = cp.weights
        self.wf = tuple(w.astype(np.float64) for w in cp.weights)
        self.unit = tuple(bool(len(w)) and bool((w == w[0]).all()) for w in cp.weights)
        self.msup = tuple(self.mult_f[s] for s in cp.supporters)
        self.mw_f = tuple(m * w for m, w in zip(self.msup, self.wf))
        self.costf = [float(c) for c in cp.costs]
        self.head_count = [float(m.sum()) for m in self.msup]
        wmax = max((int(w.max()) for w in cp.weights if len(w)), default=1)
        self.key_base = wmax + 1
        self.supported_total = total_cost(cp, self.projects + self.zero_cost)

    # -- one run ---------------------------------------------------------
    def run(self, per_voter: Fraction) -> MesRun:
        return _Run(self, per_voter).execute()


class _Run:
    def __init__(self, eng: MesEngine, b0: Fraction):
        self.eng = eng
        self.b0 = b0
        g = eng.cp.n_groups
        self.bf = np.full(g, float(b0))
        self.cid = np.zeros(g, dtype=np.int64)
        # Class 0: untouched voters (b0); class 1: voters with nothing left.
        self.c_parent: list[int] = [-1, -1]
        self.c_price: list[Fraction] = [Fraction(0), Fraction(0)]
        self.c_w: list[int] = [0, 0]
        self.c_budget: list[Fraction | None] = [b0, Fraction(0)]

    def budget(self, c: int) -> Fraction:
        chain = []
        while self.c_budget[c] is None:
            chain.append(c)
            c = self.c_parent[c]
        value = self.c_budget[c]
        assert value is not None
        for node in reversed(chain):
            value = value - self.c_price[node] * self.c_w[node]
            self.c_budget[node] = value
        return value

    # -- float estimates ------------------------------------------------
    def float_rho(self, j: int) -> float:
        eng = self.eng
        s = eng.sup[j]
        b = self.bf[s]
        if eng.unit[j]:
            w0 = float(eng.w[j][0])
            ratio = b / w0
        else:
            ratio = b / eng.wf[j]
        order = np.argsort(ratio, kind="stable")
        mb = (eng.msup[j] * b)[order]
        mw = eng.mw_f[j][order]
        paid = np.cumsum(mb) - mb
        rest = float(eng.cp.scores[j]) - (np.cumsum(mw) - mw)
        price = (eng.costf[j] - paid) / rest
        ok = price <= ratio[order]
        k = int(np.argmax(ok)) if ok.any() else len(order) - 1
        return float(price[k]) / eng.costf[j]

    def affordable(self, j: int) -> bool:
        eng = self.eng
        s = eng.sup[j]
        avail = float(np.dot(eng.msup[j], self.bf[s]))
        cost = eng.costf[j]
        slack = TOL * cost + 1e-12 * eng.head_count[j] * float(self.b0)
        if avail > cost + slack:
            return True
        if avail < cost - slack:
            return False
        entries = self.entries(j)
        exact = sum((int(m) * self.budget(int(c)) for c, m in zip(entries[1], entries[3])
                     if c != _ZERO_CLASS), Fraction(0))
        return exact >= eng.cp.costs[j]

    # -- exact price -------------------------------------------------------
    def entries(self, j: int):
        """Supporters of j merged by (budget class, weight)."""
        eng = self.eng
        s = eng.sup[j]
        key = self.cid[s] * eng.key_base + eng.w[j]
        uniq, inv = np.unique(key, return_inverse=True)
        inv = inv.reshape(-1)
        counts = np.bincount(inv, weights=eng.msup[j]).round().astype(np.int64)
        rep = np.empty(len(uniq), dtype=np.int64)
        rep[inv] = np.arange(len(s))
        fb = self.bf[s[rep]]
        return uniq, uniq // eng.key_base, uniq % eng.key_base, counts, fb, inv

    def exact_price(self, j: int):
        """Exact price per unit of weight for project j and who pays it in full."""
        eng = self.eng
        cost = eng.cp.costs[j]
        total = eng.cp.scores[j]
        uniq, cls, wts, counts, fb, inv = self.entries(j)
        ratio = fb / wts
        order = np.argsort(ratio, kind="stable")
        mb = (counts * fb)[order].astype(np.float64)
        mw = (counts * wts)[order].astype(np.float64)
        paid = np.cumsum(mb) - mb
        rest = float(total) - (np.cumsum(mw) - mw)
        pf = (eng.costf[j] - paid) / rest
        ok = pf <= ratio[order]
        k = int(np.argmax(ok)) if ok.any() else len(order) - 1
        price_f = float(pf[k])

        poor = order[:k]
        num = cost
        den = total
        for e in poor.tolist():
            c = int(cls[e])
            if c != _ZERO_CLASS:
                num -= int(counts[e]) * self.budget(c)
            den -= int(counts[e]) * int(wts[e])
        price = Fraction(num) / den if den > 0 else None

        lo, hi = price_f * (1 - TOL), price_f * (1 + TOL)
        full = np.ones(len(uniq), dtype=bool)
        full[poor] = False
        valid = price is not None and price >= 0
        if valid:
            assert price is not None
            near = np.nonzero((ratio >= lo) & (ratio <= hi))[0]
            for e in near.tolist():
                b = self.budget(int(cls[e]))
                pays_full = b >= price * int(wts[e])
                if full[e] and not pays_full:
                    valid = False
                    break
                if not full[e] and b > price * int(wts[e]):
                    valid = False
                    break
        if not valid:
            price, full = self._exact_price_slow(j, cls, wts, counts)
        assert price is not None
        return price, full, cls, wts, counts, inv

    def _exact_price_slow(self, j, cls, wts, counts):
        cost = self.eng.cp.costs[j]
        rows = []
        for e in range(len(cls)):
            b = self.budget(int(cls[e]))
            rows.append((b / int(wts[e]), b, int(wts[e]), int(counts[e]), e))
        rows.sort(key=lambda r: r[0])
        paid = Fraction(0)
        den = self.eng.cp.scores[j]
        price = None
        full = np.ones(len(cls), dtype=bool)
        for ratio, b, w, m, e in rows:
            candidate = (cost - paid) / den
            if candidate * w <= b:
                price = candidate
                break
            full[e] = False
            paid += m * b
            den -= m * w
        return price, full

    def pay(self, j: int, price: Fraction, full, cls, wts, inv) -> None:
        eng = self.eng
        s = eng.sup[j]
        n = len(cls)
        new_class = np.full(n, _ZERO_CLASS, dtype=np.int64)
        rich = np.nonzero(full)[0]
        start = len(self.c_parent)
        new_class[rich] = np.arange(start, start + len(rich))
        self.c_parent.extend(cls[rich].tolist())
        self.c_w.extend(wts[rich].tolist())
        self.c_price.extend([price] * len(rich))
        self.c_budget.extend([None] * len(rich))
        group_full = full[inv]
        self.cid[s] = new_class[inv]
        updated = np.maximum(self.bf[s] - float(price) * eng.wf[j], 0.0)
        self.bf[s] = np.where(group_full, updated, 0.0)

    # -- the rule ----------------------------------------------------------
    def execute(self) -> MesRun:
        eng = self.eng
        cp = eng.cp
        out = MesRun(per_voter=self.b0)
        out.upfront = sorted(eng.zero_cost, key=cp.tie_key)
        out.selected.extend(out.upfront)
        aff = {j: 1.0 / cp.scores[j] for j in eng.projects}
        remaining = set(eng.projects)
        while remaining:
            best = math.inf
            evaluated: list[tuple[int, float]] = []
            for j in sorted(remaining, key=lambda p: (aff[p], cp.ids[p])):
                if not self.affordable(j):
                    remaining.discard(j)
                    continue
                if aff[j] > best * (1 + TOL):
                    break
                r = self.float_rho(j)
                aff[j] = r
                evaluated.append((j, r))
                if r < best:
                    best = r
            if not evaluated:
                break
            near = [j for j, r in evaluated if r <= best * (1 + TOL)]
            options = []
            for j in near:
                price, full, cls, wts, counts, inv = self.exact_price(j)
                options.append((price / cp.costs[j], cp.ids[j], j, price, full, cls, wts, counts, inv))
            rho, _, j, price, full, cls, wts, counts, inv = min(options, key=lambda o: (o[0], o[1]))
            vs = cp.voter_scale
            out.rounds.append(
                MesRound(
                    project=j,
                    price=price,
                    rho=rho,
                    supporters=Fraction(int(counts.sum()), vs),
                    full_payers=Fraction(int(counts[full].sum()), vs),
                )
            )
            self.pay(j, price, full, cls, wts, inv)
            remaining.discard(j)
            out.selected.append(j)
        # Kept so explanations can say how much money the supporters of each
        # rejected project had left.
        out.final_budgets = self.bf
        return out


# -- the rules ---------------------------------------------------------------
@dataclass
class MesResult:
    """What a MES-based rule did, for the outcome and its explanation."""

    run: MesRun
    selected: list[int]
    #: Projects added by the greedy completion, in order, after ``run``.
    completion: list[int] = field(default_factory=list)
    #: Per-voter budget increases (add1) or budget increases (exhaustion) tried.
    steps: int = 0
    #: For mes_exhaustion: the total budget MES was run with.
    virtual_budget: Fraction | None = None
    variant: str = "mes"


def _engine(cp: CompiledProfile) -> MesEngine:
    return MesEngine(cp)


def _start(cp: CompiledProfile) -> Fraction:
    return Fraction(cp.budget) / cp.total_mult if cp.total_mult else Fraction(0)


def _empty_run(eng: MesEngine, per_voter: Fraction) -> MesRun:
    out = MesRun(per_voter=per_voter)
    out.upfront = sorted(eng.zero_cost, key=eng.cp.tie_key)
    out.selected = list(out.upfront)
    return out


def mes(cp: CompiledProfile) -> MesResult:
    eng = _engine(cp)
    run = eng.run(_start(cp))
    return MesResult(run=run, selected=list(run.selected), variant="mes")


def mes_add1(cp: CompiledProfile, progress=None) -> MesResult:
    """Raise every voter's budget by one unit until the outcome is exhaustive
    (over supported projects) or the next one would overspend; then keep the
    last affordable outcome."""
    eng = _engine(cp)
    per_voter = _start(cp)
    step = Fraction(1, cp.voter_scale)
    previous = _empty_run(eng, per_voter)
    steps = 0
    while True:
        if per_voter * 1 >= eng.supported_total:
            # From here on every supporter can pay for everything they like,
            # so every supported project is bought: no need to run MES.
            run = _empty_run(eng, per_voter)
            run.selected = sorted(eng.zero_cost + eng.projects, key=cp.tie_key)
        else:
            run = eng.run(per_voter)
        if progress is not None:
            progress(steps)
        if total_cost(cp, run.selected) > cp.budget:
            chosen = previous
            break
        if is_exhaustive(cp, run.selected, eng.projects):
            chosen = run
            break
        previous = run
        per_voter += step
        steps += 1
    return MesResult(run=chosen, selected=list(chosen.selected), steps=steps, variant="mes_add1")


def mes_exhaustion(cp: CompiledProfile, progress=None) -> MesResult:
    """pabutools' ``exhaustion_by_budget_increase``: rerun MES with the total
    budget raised by 1% of B at a time until the outcome is exhaustive (over
    all projects) or overspends the real budget (then the previous one)."""
    eng = _engine(cp)
    budget = Fraction(cp.budget)
    increment = budget / 100
    bound = budget * (cp.n_ballots + 1)
    virtual = budget
    previous: MesRun | None = None
    previous_budget = budget
    steps = 0
    n = cp.total_mult
    while virtual <= bound and n:
        per_voter = virtual / n
        if per_voter >= eng.supported_total:
            run = _empty_run(eng, per_voter)
            run.selected = sorted(eng.zero_cost + eng.projects, key=cp.tie_key)
            constant = True
        else:
            run = eng.run(per_voter)
            constant = False
        if progress is not None:
            progress(steps)
        if total_cost(cp, run.selected) > cp.budget:
            break
        previous, previous_budget = run, virtual
        if is_exhaustive(cp, run.selected) or constant:
            # With ``constant`` the outcome cannot change any more before the
            # bound, so pabutools would end up returning this very outcome.
            break
        virtual += increment
        steps += 1
    if previous is None:
        empty = MesRun(per_voter=budget / n if n else Fraction(0))
        return MesResult(run=empty, selected=[], steps=steps, virtual_budget=budget,
                         variant="mes_exhaustion")
    return MesResult(run=previous, selected=list(previous.selected), steps=steps,
                     virtual_budget=previous_budget, variant="mes_exhaustion")
