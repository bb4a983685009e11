"""Method of Equal Shares with cost utilities, and the completions cities use.

Definitions follow pabutools 1.2.3 (``method_of_equal_shares`` with
``sat_i(p) = weight_i(p) * cost(p)``), which the Pabulib notes describe (``pabulib/README.md``
in the shared reference data):

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
the boundary and redone exactly if wrong.  Most exact prices are never
needed at all, so they are only worked out on demand (see ``round_price``).

The iterated variants (add1, exhaustion) rerun MES for a long series of
starting budgets and stop at the first outcome that overspends or is
exhaustive.  Runs whose outcome is provably the same as the last one cannot
stop the series, so they are skipped (``MesEngine.same_outcome_up_to``); the
series itself, and so the result, is exactly pabutools'.
"""
from __future__ import annotations

import heapq
import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..profile import CompiledProfile, is_exhaustive, total_cost
from ..ties import tie_rank

#: Relative tolerance below which two floats are treated as a possible tie.
#: Float errors here are around 1e-13 relative; anything closer than TOL is
#: re-decided exactly.
TOL = 1e-9
#: Safety margin of the float comparisons in :meth:`MesEngine.same_outcome_up_to`.
CERT_MARGIN = 1e-7
_ZERO_CLASS = 1


@dataclass
class MesRound:
    project: int
    #: Payment per unit of weight from supporters who could afford it in full
    #: (per supporter for approval ballots, per point for cumulative ones).
    #: For display: exact when the count needed it, else the float value.
    price: Fraction
    rho: Fraction
    #: Weighted number of supporters and how many of them paid the full price.
    supporters: Fraction
    full_payers: Fraction
    #: Whether ``price``/``rho`` are exact (else rounded floats).
    exact: bool = True


@dataclass
class MesRun:
    """One run of MES with a given starting budget per voter."""

    per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    upfront: list[int] = field(default_factory=list)
    #: Per round: (project, exact price or None, float price, weighted
    #: supporters, weighted full payers).  Kept raw because only the run that
    #: is finally reported needs :attr:`rounds`, and the add1 loop makes
    #: thousands of runs.
    raw_rounds: list[tuple] = field(default_factory=list)
    #: Float budgets per group at the end (only used to explain the outcome;
    #: None when the outcome was derived without running MES).
    final_budgets: np.ndarray | None = None
    #: Per tie met: (round, the tied projects, their shared exact rho or float).
    ties: list[tuple[int, list[int], Fraction]] = field(default_factory=list)
    voter_scale: int = 1
    costs: tuple[Fraction, ...] = ()

    @property
    def rounds(self) -> list[MesRound]:
        out = []
        for j, price, price_f, supporters, full_payers in self.raw_rounds:
            shown = price if price is not None else Fraction(price_f)
            out.append(MesRound(
                project=j,
                price=shown,
                rho=shown / self.costs[j],
                supporters=Fraction(int(round(supporters)), self.voter_scale),
                full_payers=Fraction(int(round(full_payers)), self.voter_scale),
                exact=price is not None,
            ))
        return out


class MesEngine:
    """Precomputed per-project arrays shared by every MES run on a profile."""

    def __init__(self, cp: CompiledProfile, rank: tuple[int, ...] | None = None,
                 exact: bool = True):
        self.cp = cp
        #: Tie-breaking order: the project with the smaller rank goes first.
        self.rank = rank if rank is not None else tie_rank(cp, ())
        #: False: decide on floats alone (accuracy "float").
        self.exact = exact
        self.mult_f = cp.mult.astype(np.float64)
        self.projects = [j for j in range(cp.n_projects) if cp.scores[j] > 0 and cp.costs[j] > 0]
        self.zero_cost = [j for j in range(cp.n_projects) if cp.scores[j] > 0 and cp.costs[j] == 0]
        self.sup = cp.supporters
        self.w = cp.weights
        self.unit = tuple(bool(len(w)) and bool((w == w[0]).all()) for w in cp.weights)
        self.msup = tuple(self.mult_f[s] for s in cp.supporters)
        self.costf = [float(c) for c in cp.costs]
        self.totalf = [float(t) for t in cp.scores]
        self.w0 = [int(w[0]) if len(w) else 1 for w in cp.weights]
        self.head_count = [float(m.sum()) for m in self.msup]
        # Supporters are merged by (budget class, weight): keys use a dense code per
        # distinct weight, so huge point values cannot overflow int64 keys.
        values = np.unique(np.concatenate([w for w in cp.weights if len(w)] or [np.ones(1, np.int64)]))
        self.w_values = values.astype(np.int64)
        self.w_code = tuple(np.searchsorted(values, w).astype(np.int64) for w in cp.weights)
        self.key_base = len(values)
        self.supported_total = total_cost(cp, self.projects + self.zero_cost)
        # Exact budgets are worked out recursively through earlier rounds.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * cp.n_projects + 1000))

    # -- one run ---------------------------------------------------------
    def run(self, per_voter: Fraction) -> MesRun:
        return _Run(self, per_voter).execute()

    def same_outcome_up_to(self, run: MesRun, per_voter: Fraction) -> bool:
        """True if MES selects exactly ``run``'s projects, in the same order,
        for every starting budget between ``run.per_voter`` and ``per_voter``.

        Why this is enough to check at the top end only: along a fixed order
        of purchases, every voter's remaining budget at every round is a
        non-decreasing function of the starting budget, so a project's
        ``rho`` can only be lower and its supporters' money only higher at
        the top end.  If at the top end (a) no rival's ``rho`` drops to the
        winner's ``rho`` at the bottom end, and (b) every project left at the
        end is still unaffordable, then no budget in between can change a
        decision.  Floats are compared with a wide margin; any doubt (such as
        a rival tied with the winner) makes the check fail, and the caller
        then simply runs MES at the next budget step.
        """
        cp = self.cp
        rank = self.rank
        top = _Run(self, per_voter)
        bound = {j: 1.0 / cp.scores[j] for j in self.projects}
        alive = set(self.projects)
        for p, price, price_f, _, _ in run.raw_rounds:
            alive.discard(p)
            threshold = price_f / self.costf[p] * (1 + CERT_MARGIN)
            rho = price / cp.costs[p] if price is not None else None
            for q in list(alive):
                if bound[q] > threshold:
                    continue
                if top.surely_unaffordable(q):
                    # Budgets only fall from round to round: it stays out.
                    alive.discard(q)
                    continue
                rq = top.float_rho(q)
                bound[q] = rq
                if rq > threshold:
                    continue
                # A rival that can never go below the winner's exact rho and
                # loses the tie on its id (equal vote counts, everyone rich).
                floor = Fraction(1, cp.scores[q])
                if rho is not None and (floor > rho or (floor == rho and rank[q] > rank[p])):
                    continue
                return False
            top.float_pay(p)
        return all(top.surely_unaffordable(q) for q in alive)


class _Run:
    def __init__(self, eng: MesEngine, b0: Fraction):
        self.eng = eng
        self.b0 = b0
        self.b0f = float(b0)
        self.cid = np.zeros(eng.cp.n_groups, dtype=np.int64)
        # Class 0: untouched voters (b0); class 1: voters with nothing left.
        self.cbf = np.empty(1024, dtype=np.float64)
        self.cbf[0] = float(b0)
        self.cbf[1] = 0.0
        self.n_cls = 2
        self.c_parent: list[int] = [-1, -1]
        self.c_round: list[int] = [-1, -1]
        self.c_w: list[int] = [0, 0]
        self.c_budget: list[Fraction | None] = [b0, Fraction(0)]
        # Per round: the exact price if known, else what is needed to work it
        # out (project, poor classes, their counts, rich weight).  Most exact
        # prices are never needed, and with hundreds of digits in their
        # denominators they are the costly part.
        self.r_price: list[Fraction | None] = []
        self.r_recipe: list[tuple] = []
        # Per round: supporters of a project merged by class, and float price.
        self._entries: dict[int, tuple] = {}

    def budget(self, c: int) -> Fraction:
        chain = []
        while self.c_budget[c] is None:
            chain.append(c)
            c = self.c_parent[c]
        value = self.c_budget[c]
        assert value is not None
        for node in reversed(chain):
            value = value - self.round_price(self.c_round[node]) * self.c_w[node]
            self.c_budget[node] = value
        return value

    def round_price(self, r: int) -> Fraction:
        price = self.r_price[r]
        if price is None:
            j, poor_cls, poor_counts, den = self.r_recipe[r]
            num = Fraction(self.eng.cp.costs[j])
            for c, m in zip(poor_cls, poor_counts, strict=False):
                if c != _ZERO_CLASS:
                    num -= m * self.budget(c)
            price = num / den
            self.r_price[r] = price
        return price

    # -- supporters merged by budget class ---------------------------------
    def entries(self, j: int):
        """Supporters of j merged by (budget class, weight), with the float
        price (computed once per project and round)."""
        cached = self._entries.get(j)
        if cached is not None:
            return cached
        eng = self.eng
        s = eng.sup[j]
        c = self.cid[s]
        unit = eng.unit[j]
        if unit:
            key = c
            span = self.n_cls
        else:
            key = c * eng.key_base + eng.w_code[j]
            span = self.n_cls * eng.key_base
        if span <= 8 * len(s) + 4096:
            counts = np.bincount(key, weights=eng.msup[j])
            uniq = counts.nonzero()[0]
            mult = counts[uniq]
        else:
            uniq, inv = np.unique(key, return_inverse=True)
            mult = np.bincount(inv.reshape(-1), weights=eng.msup[j])
        if unit:
            cls = uniq
            wts = np.full(len(uniq), eng.w0[j], dtype=np.int64)
            wtsf: np.ndarray | float = float(eng.w0[j])
        else:
            cls = uniq // eng.key_base
            wts = eng.w_values[uniq % eng.key_base]
            wtsf = wts.astype(np.float64)
        fb = self.cbf[cls]
        price_f, order, k = self._float_price(j, wtsf, mult, fb)
        out = (key, uniq, cls, wts, mult, fb, price_f, order, k)
        self._entries[j] = out
        return out

    def _float_price(self, j: int, wts, mult, fb):
        eng = self.eng
        cost = eng.costf[j]
        total = eng.totalf[j]
        ratio = fb / wts
        if ratio.min() * total >= cost * (1 + TOL):
            # Everyone can pay an equal share: no sorting needed.
            return cost / total, None, 0
        order = ratio.argsort(kind="stable")
        mb = (mult * fb)[order]
        mw = (mult * wts)[order] if not isinstance(wts, float) else mult[order] * wts
        paid = mb.cumsum() - mb
        rest = total - (mw.cumsum() - mw)
        pf = (cost - paid) / rest
        ok = pf <= ratio[order]
        k = int(ok.argmax()) if ok.any() else len(order) - 1
        return float(pf[k]), order, k

    def float_rho(self, j: int) -> float:
        return self.entries(j)[6] / self.eng.costf[j]

    def affordable(self, j: int) -> bool:
        eng = self.eng
        avail = float(np.dot(eng.msup[j], self.cbf[self.cid[eng.sup[j]]]))
        cost = eng.costf[j]
        slack = TOL * cost + 1e-12 * eng.head_count[j] * self.b0f
        if avail > cost + slack:
            return True
        if avail < cost - slack or (not eng.exact and avail < cost):
            return False
        if not eng.exact:
            return True
        _, _, cls, _, mult, _, _, _, _ = self.entries(j)
        exact = sum((int(m) * self.budget(int(c)) for c, m in zip(cls.tolist(), mult.tolist(), strict=False)
                     if c != _ZERO_CLASS), Fraction(0))
        return exact >= eng.cp.costs[j]

    # -- exact price -------------------------------------------------------
    def exact_price(self, j: int, need_exact: bool):
        """Price per unit of weight for project j and who pays it in full.

        Returns (exact price or None, full-payer mask, recipe, float price).
        The exact price is left unknown (None) when the float computation
        leaves no doubt about who pays in full and ``need_exact`` is false; the
        recipe then lets :meth:`round_price` work it out later if needed.
        """
        eng = self.eng
        cost = eng.cp.costs[j]
        total = eng.cp.scores[j]
        key, uniq, cls, wts, mult, fb, price_f, order, k = self.entries(j)
        full = np.ones(len(uniq), dtype=bool)
        if order is None:
            return Fraction(cost) / total, full, (j, [], [], total), price_f
        poor = order[:k]
        full[poor] = False
        poor_cls = cls[poor].tolist()
        poor_counts = [int(round(x)) for x in mult[poor].tolist()]
        den = total - sum(m * w for m, w in zip(poor_counts, wts[poor].tolist(), strict=False))
        ratio = fb / wts
        slack = TOL * price_f + 1e-10 * (self.b0f + price_f)
        near = (np.abs(ratio - price_f) <= slack).nonzero()[0]
        if not len(near) and not need_exact and den > 0:
            return None, full, (j, poor_cls, poor_counts, den), price_f

        price: Fraction | None = None
        if den > 0:
            num = Fraction(cost)
            for c, m in zip(poor_cls, poor_counts, strict=False):
                if c != _ZERO_CLASS:
                    num -= m * self.budget(c)
            price = num / den
        valid = price is not None and price >= 0
        if valid:
            assert price is not None
            for e in near.tolist():
                b = self.budget(int(cls[e]))
                limit = price * int(wts[e])
                if (full[e] and b < limit) or (not full[e] and b > limit):
                    valid = False
                    break
        if not valid:
            price, full = self._exact_price_slow(j, cls, wts, mult)
            poor = (~full).nonzero()[0]
            poor_cls = cls[poor].tolist()
            poor_counts = [int(round(x)) for x in mult[poor].tolist()]
            den = total - sum(m * w for m, w in zip(poor_counts, wts[poor].tolist(), strict=False))
        assert price is not None
        return price, full, (j, poor_cls, poor_counts, den), float(price)

    def _exact_price_slow(self, j, cls, wts, mult):
        cost = self.eng.cp.costs[j]
        rows = []
        for e in range(len(cls)):
            b = self.budget(int(cls[e]))
            rows.append((b / int(wts[e]), b, int(wts[e]), int(mult[e]), e))
        rows.sort(key=lambda r: r[0])
        paid = Fraction(0)
        den = self.eng.cp.scores[j]
        price = None
        full = np.ones(len(cls), dtype=bool)
        for _, b, w, m, e in rows:
            candidate = (cost - paid) / den
            if candidate * w <= b:
                price = candidate
                break
            full[e] = False
            paid += m * b
            den -= m * w
        return price, full

    def pay(self, j: int, price: Fraction | None, full, recipe, price_f: float) -> None:
        eng = self.eng
        r = len(self.r_price)
        self.r_price.append(price)
        self.r_recipe.append(recipe)
        key, uniq, cls, wts, mult, fb, _, _, _ = self.entries(j)
        rich = full.nonzero()[0]
        n_new = len(rich)
        need = self.n_cls + n_new
        if need > len(self.cbf):
            grown = np.empty(max(need, 2 * len(self.cbf)), dtype=np.float64)
            grown[: self.n_cls] = self.cbf[: self.n_cls]
            self.cbf = grown
        ids = np.arange(self.n_cls, need)
        self.cbf[ids] = np.maximum(fb[rich] - price_f * wts[rich], 0.0)
        self.n_cls = need
        self.c_parent.extend(cls[rich].tolist())
        self.c_w.extend(wts[rich].tolist())
        self.c_round.extend([r] * n_new)
        self.c_budget.extend([None] * n_new)
        new_class = np.full(len(uniq), _ZERO_CLASS, dtype=np.int64)
        new_class[rich] = ids
        self.cid[eng.sup[j]] = new_class[np.searchsorted(uniq, key)]

    def float_pay(self, j: int) -> None:
        """Buy j at the float price (for certificates, where floats suffice)."""
        key, uniq, cls, wts, mult, fb, price_f, order, k = self.entries(j)
        full = np.ones(len(uniq), dtype=bool)
        if order is not None:
            full[order[:k]] = False
        self.pay(j, None, full, None, price_f)
        self._entries.clear()

    def surely_unaffordable(self, j: int) -> bool:
        eng = self.eng
        avail = float(np.dot(eng.msup[j], self.cbf[self.cid[eng.sup[j]]]))
        return avail < eng.costf[j] * (1 - CERT_MARGIN)

    # -- the rule ----------------------------------------------------------
    def execute(self) -> MesRun:
        eng = self.eng
        cp = eng.cp
        rank = eng.rank
        out = MesRun(per_voter=self.b0, voter_scale=cp.voter_scale, costs=cp.costs)
        out.upfront = sorted(eng.zero_cost, key=rank.__getitem__)
        out.selected.extend(out.upfront)
        # Heap of (lower bound on rho, id, project): rho only grows as voters
        # spend, so a stale value is a valid lower bound (pabutools' trick).
        heap = [(1.0 / cp.scores[j], rank[j], j) for j in eng.projects]
        heapq.heapify(heap)
        while heap:
            best = math.inf
            evaluated: list[tuple[float, str, int]] = []
            while heap:
                item = heap[0]
                if item[0] > best * (1 + TOL):
                    break
                heapq.heappop(heap)
                j = item[2]
                if not self.affordable(j):
                    continue
                r = self.float_rho(j)
                evaluated.append((r, item[1], j))
                if r < best:
                    best = r
            if not evaluated:
                break
            near = [j for r, _, j in evaluated if r <= best * (1 + TOL)]
            if len(near) == 1:
                j = near[0]
                price, full, recipe, price_f = self.exact_price(j, need_exact=False)
            elif not eng.exact:
                # Float accuracy: projects within the float tolerance are tied.
                j = min(near, key=rank.__getitem__)
                out.ties.append((len(out.raw_rounds) + 1, near, Fraction(self.float_rho(j))))
                price, full, recipe, price_f = self.exact_price(j, need_exact=False)
            else:
                options = []
                for p in near:
                    pr, fl, rc, pf = self.exact_price(p, need_exact=True)
                    options.append((pr / cp.costs[p], rank[p], p, pr, fl, rc, pf))
                best_rho, _, j, price, full, recipe, price_f = min(options, key=lambda o: (o[0], o[1]))
                tied = [o[2] for o in options if o[0] == best_rho]
                if len(tied) > 1:
                    out.ties.append((len(out.raw_rounds) + 1, tied, best_rho))
            mult = self.entries(j)[4]
            out.raw_rounds.append((j, price, price_f, mult.sum(), mult[full].sum()))
            self.pay(j, price, full, recipe, price_f)
            out.selected.append(j)
            for r, name, p in evaluated:
                if p != j:
                    heapq.heappush(heap, (r, name, p))
            self._entries.clear()
        # Kept so explanations can say how much money the supporters of each
        # rejected project had left.
        out.final_budgets = self.cbf[self.cid]
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
    #: Each voter's starting share per unit of weight (before any add1 step).
    start: Fraction = Fraction(0)
    #: Why add1 stopped: ``overspend`` (the next step would cost more than the budget),
    #: ``exhaustive`` (nothing supported still fits) or ``everything`` (all supported bought).
    stop: str = ""


def _engine(cp: CompiledProfile, tie_breaking: tuple[str, ...] = (), exact: bool = True) -> MesEngine:
    # The per-project arrays are the same for every MES variant on a profile
    # with the same tie-breaking order.
    key = ("mes_engine", tuple(tie_breaking), exact)
    if key not in cp.cache:
        cp.cache[key] = MesEngine(cp, tie_rank(cp, tie_breaking), exact)
    return cp.cache[key]


def _start(cp: CompiledProfile) -> Fraction:
    return Fraction(cp.budget) / cp.total_mult if cp.total_mult else Fraction(0)


def _empty_run(eng: MesEngine, per_voter: Fraction) -> MesRun:
    out = MesRun(per_voter=per_voter)
    out.upfront = sorted(eng.zero_cost, key=eng.rank.__getitem__)
    out.selected = list(out.upfront)
    return out


def mes(cp: CompiledProfile, tie_breaking: tuple[str, ...] = (), exact: bool = True) -> MesResult:
    eng = _engine(cp, tie_breaking, exact)
    run = eng.run(_start(cp))
    return MesResult(run=run, selected=list(run.selected), variant="mes", start=_start(cp))


def _integral_start(cp: CompiledProfile) -> Fraction:
    """``floor(budget / voters)`` per voter (the equalshares.net tool's start)."""
    if not cp.total_mult:
        return Fraction(0)
    whole = math.floor(Fraction(cp.budget) * cp.voter_scale / cp.total_mult)
    return Fraction(whole, cp.voter_scale)


def mes_add1(cp: CompiledProfile, progress=None, unit: Fraction | int = 1, *,
             tie_breaking: tuple[str, ...] = (), exhaustive: bool = True, integral: bool = False,
             exact: bool = True) -> MesResult:
    """Raise every voter's budget by ``unit`` until the outcome is exhaustive
    (over supported projects; only with ``exhaustive``) or the next one would
    overspend; then keep the last affordable outcome.  ``integral`` starts from
    the whole-unit share instead of budget / voters."""
    eng = _engine(cp, tie_breaking, exact)
    per_voter = _integral_start(cp) if integral else _start(cp)
    first = per_voter
    step = Fraction(unit) / cp.voter_scale
    if step <= 0:
        raise ValueError("the add-1 step must be positive")
    previous = _empty_run(eng, per_voter)
    steps = 0
    jump = _Jumps()
    while True:
        constant = per_voter >= eng.supported_total
        if constant:
            # From here on every supporter can pay for everything they like,
            # so every supported project is bought: no need to run MES.
            run = _empty_run(eng, per_voter)
            run.selected = sorted(eng.zero_cost + eng.projects, key=eng.rank.__getitem__)
        else:
            run = eng.run(per_voter)
        if progress is not None:
            progress(steps)
        if total_cost(cp, run.selected) > cp.budget:
            chosen, stop = previous, "overspend"
            break
        if (exhaustive and is_exhaustive(cp, run.selected, eng.projects)) or constant:
            # (Without the exhaustive stop, a constant outcome would repeat forever.)
            chosen, stop = run, "everything" if constant else "exhaustive"
            break
        previous = run
        # Budget steps that provably give this same outcome would stop
        # nothing either: skip them (see MesEngine.same_outcome_up_to).
        skipped = jump.skip(eng, run, lambda k, base=per_voter: base + k * step)
        if skipped:
            per_voter += skipped * step
            steps += skipped
            previous = eng.run(per_voter)
        per_voter += step
        steps += 1
    return MesResult(run=chosen, selected=list(chosen.selected), steps=steps, variant="mes_add1",
                     start=first, stop=stop)


class _Jumps:
    """How far ahead to try certifying an unchanged outcome.

    A check costs about one MES run.  It pays off where the outcome stays put
    for long stretches (Assen: 10x faster) and fails where close rivals swap
    places every few steps (Toulouse), so the jump grows after each success
    and, after failures, checks are tried less and less often.
    """

    def __init__(self) -> None:
        self.size = 4
        self.cooldown = 1
        self.wait = 0

    def skip(self, eng: MesEngine, run: MesRun, budget_at) -> int:
        if not run.raw_rounds:
            return 0
        if self.wait > 0:
            self.wait -= 1
            return 0
        if eng.same_outcome_up_to(run, budget_at(self.size)):
            done = self.size
            self.size *= 2
            self.cooldown = 1
            return done
        self.size = max(1, self.size // 4)
        self.cooldown = min(2 * self.cooldown, 64)
        self.wait = self.cooldown
        return 0


def mes_exhaustion(cp: CompiledProfile, progress=None, tie_breaking: tuple[str, ...] = (),
                   exact: bool = True) -> MesResult:
    """pabutools' ``exhaustion_by_budget_increase``: rerun MES with the total
    budget raised by 1% of B at a time until the outcome is exhaustive (over
    all projects) or overspends the real budget (then the previous one)."""
    eng = _engine(cp, tie_breaking, exact)
    budget = Fraction(cp.budget)
    increment = budget / 100
    bound = budget * (cp.n_ballots + 1)
    virtual = budget
    previous: MesRun | None = None
    previous_budget = budget
    steps = 0
    n = cp.total_mult
    jump = _Jumps()
    while virtual <= bound and n:
        per_voter = virtual / n
        if per_voter >= eng.supported_total:
            run = _empty_run(eng, per_voter)
            run.selected = sorted(eng.zero_cost + eng.projects, key=eng.rank.__getitem__)
            constant = True
        else:
            run = eng.run(per_voter)
            constant = False
        if progress is not None:
            progress(steps)
        if total_cost(cp, run.selected) > cp.budget:
            break
        previous, previous_budget = run, virtual
        if is_exhaustive(cp, run.selected) or constant or increment == 0:
            # With ``constant`` (or a zero budget, hence a zero step) the
            # outcome cannot change any more before the bound, so pabutools
            # would end up returning this very outcome (after looping forever
            # in the zero-step case).
            break
        start = virtual
        skipped = jump.skip(eng, run, lambda k, base=start: (base + k * increment) / n)
        if skipped:
            virtual += skipped * increment
            steps += skipped
            if virtual > bound:
                break  # the same outcome would stand until pabutools gives up
            previous, previous_budget = eng.run(virtual / n), virtual
        virtual += increment
        steps += 1
    if previous is None:
        empty = MesRun(per_voter=budget / n if n else Fraction(0))
        return MesResult(run=empty, selected=[], steps=steps, virtual_budget=budget,
                         variant="mes_exhaustion", start=_start(cp))
    return MesResult(run=previous, selected=list(previous.selected), steps=steps,
                     virtual_budget=previous_budget, variant="mes_exhaustion", start=_start(cp))
