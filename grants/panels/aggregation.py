"""Turning reviewers' scores into totals, calibrated scores, spreads, flags and a rank.

Pure Python: no Flask, no database. Every figure that decides an outcome is exact.

- A reviewer's weighted total for an application is the weight-averaged criterion score,
  sum(weight * score) / sum(weights), so it sits on the round's scale (0-5 stays 0-5).
  It is a `Fraction`.
- The mean across reviewers, the spread (highest minus lowest total) and the disagreement
  flag (spread >= threshold) are `Fraction`s too.
- Calibration turns each reviewer's totals into z-scores against that reviewer's own
  totals (population mean and variance, exact `Fraction`s) and maps them back to the scale
  as `centre + z * unit`, where `centre` is the mean of every total in the round and `unit`
  is the square root of the reviewers' mean variance: the spread a typical reviewer uses.
  A reviewer whose totals do not vary (or who scored one application) gives z = 0.

Why the square roots stay exact: z = (x - mean_r) / sqrt(var_r), and every variance is a
rational p/q, so 1/sqrt(p/q) = sqrt(p*q) / p. A calibrated mean is therefore the rational
`centre` plus `unit` times a sum of terms `c * sqrt(n)` with rational c and integer n.
`unit` is the same positive number for every application, so the calibrated order is the
order of those sums, which `Surds` compares exactly: square roots of integers whose product
is not a perfect square are linearly independent over the rationals, so grouping the terms
by that relation decides equality exactly (with `math.isqrt`, no factoring), and a non-zero
difference has its sign found by `decimal` evaluation at growing precision with an error
bound. Ties in the calibrated rank are therefore true ties. `decimal` is used only to show
the calibrated score (rounded for display) and to find signs; never to decide a tie.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

# --- exact sums of square roots ------------------------------------------------------------


@dataclass(frozen=True)
class Surds:
    """An exact number  sum(coefficient * sqrt(radicand))  with rational coefficients and
    positive integer radicands, kept with one radicand per class of radicands whose
    ratios are rational squares (so the representation is canonical)."""

    terms: tuple[tuple[int, Fraction], ...] = ()

    @staticmethod
    def of(coefficient: Fraction | int, radicand: int = 1) -> Surds:
        if radicand <= 0:
            raise ValueError("radicand must be positive")
        root = math.isqrt(radicand)
        if root * root == radicand:
            return Surds(((1, Fraction(coefficient) * root),)) if coefficient else Surds()
        return Surds(((radicand, Fraction(coefficient)),)) if coefficient else Surds()

    @staticmethod
    def rational_sqrt(value: Fraction) -> Surds:
        """sqrt(p/q) = sqrt(p*q) / q, exactly."""
        value = Fraction(value)
        if value < 0:
            raise ValueError("square root of a negative number")
        if value == 0:
            return Surds()
        return Surds.of(Fraction(1, value.denominator), value.numerator * value.denominator)

    def __add__(self, other: Surds | Fraction | int) -> Surds:
        if not isinstance(other, Surds):
            other = Surds.of(Fraction(other))
        merged: dict[int, Fraction] = dict(self.terms)
        for radicand, coefficient in other.terms:
            for existing in list(merged):
                product = existing * radicand
                root = math.isqrt(product)
                if root * root == product:
                    # sqrt(radicand) = sqrt(existing * radicand) / existing * sqrt(existing)
                    merged[existing] += coefficient * Fraction(root, existing)
                    break
            else:
                merged[radicand] = coefficient
        return Surds(tuple(sorted((r, c) for r, c in merged.items() if c != 0)))

    def __neg__(self) -> Surds:
        return Surds(tuple((r, -c) for r, c in self.terms))

    def __sub__(self, other: Surds | Fraction | int) -> Surds:
        if not isinstance(other, Surds):
            other = Surds.of(Fraction(other))
        return self + (-other)

    def scale(self, factor: Fraction | int) -> Surds:
        factor = Fraction(factor)
        if factor == 0:
            return Surds()
        return Surds(tuple((r, c * factor) for r, c in self.terms))

    def is_zero(self) -> bool:
        return not self.terms

    def to_decimal(self, digits: int = 40) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = digits + 10
            total = Decimal(0)
            for radicand, coefficient in self.terms:
                total += (Decimal(coefficient.numerator) / Decimal(coefficient.denominator)
                          * Decimal(radicand).sqrt())
            return +total

    def sign(self) -> int:
        if self.is_zero():
            return 0
        digits = 30
        while True:
            value = self.to_decimal(digits)
            # Each term carries a relative error below 10^-(digits+5); the bound below
            # covers the sum with room to spare.
            magnitude = sum(abs(Decimal(c.numerator) / Decimal(c.denominator)) * (r + 1)
                            for r, c in self.terms)
            bound = magnitude * Decimal(10) ** (-digits)
            if abs(value) > bound:
                return 1 if value > 0 else -1
            digits *= 2

    def compare(self, other: Surds) -> int:
        return (self - other).sign()


# --- the figures ------------------------------------------------------------------------------


def weighted_total(scores: Mapping[int, int | Fraction], weights: Mapping[int, int | Fraction]) -> Fraction:
    """sum(weight * score) / sum(weights) over every criterion; every criterion must be scored."""
    missing = set(weights) - set(scores)
    if missing:
        raise ValueError(f"criteria not scored: {sorted(missing)}")
    if all(type(w) is int for w in weights.values()) and all(type(scores[c]) is int for c in weights):
        # Whole weights and scores (what the panel forms give): one exact division of two
        # integers, the same Fraction as below at a fraction of the cost.
        total_weight = sum(weights.values())
        if total_weight <= 0:
            raise ValueError("the criteria weights must add up to more than zero")
        return Fraction(sum(w * scores[c] for c, w in weights.items()), total_weight)
    total_weight = sum(Fraction(w) for w in weights.values())
    if total_weight <= 0:
        raise ValueError("the criteria weights must add up to more than zero")
    return sum(Fraction(weights[c]) * Fraction(scores[c]) for c in weights) / total_weight


def mean(values: Iterable[Fraction]) -> Fraction:
    values = [Fraction(v) for v in values]
    if not values:
        raise ValueError("mean of nothing")
    return sum(values, Fraction(0)) / len(values)


def variance(values: Iterable[Fraction]) -> Fraction:
    """Population variance, exact."""
    values = [Fraction(v) for v in values]
    centre = mean(values)
    return sum(((v - centre) ** 2 for v in values), Fraction(0)) / len(values)


def display(value: Fraction | Decimal | None, places: int = 2) -> str:
    """Round half to even for display only."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 50
            value = Decimal(value.numerator) / Decimal(value.denominator)
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


@dataclass
class ApplicationResult:
    application_id: int
    totals: dict[int, Fraction]  # reviewer id -> weighted total
    mean: Fraction | None
    spread: Fraction | None
    flagged: bool
    # Calibrated mean, exactly: centre + unit * z_mean. None when calibration is off or
    # nobody has scored the application.
    z_mean: Surds | None = None
    calibrated: Decimal | None = None
    rank: int | None = None
    z_scores: dict[int, Surds] = field(default_factory=dict)

    @property
    def reviewer_count(self) -> int:
        return len(self.totals)


@dataclass
class Aggregate:
    results: list[ApplicationResult]  # in rank order; unscored applications last
    centre: Fraction | None
    unit_squared: Fraction | None
    calibrated: bool

    def by_application(self) -> dict[int, ApplicationResult]:
        return {r.application_id: r for r in self.results}


def _calibration(totals: dict[int, dict[int, Fraction]]):
    """(centre, unit^2, {reviewer: (mean, variance)}) over every reviewer's totals."""
    per_reviewer: dict[int, list[Fraction]] = {}
    for by_reviewer in totals.values():
        for reviewer, value in by_reviewer.items():
            per_reviewer.setdefault(reviewer, []).append(value)
    everything = [v for values in per_reviewer.values() for v in values]
    if not everything:
        return None, None, {}
    stats = {r: (mean(vs), variance(vs)) for r, vs in per_reviewer.items()}
    varying = [var for _, var in stats.values() if var > 0]
    unit_squared = mean(varying) if varying else Fraction(0)
    return mean(everything), unit_squared, stats


def aggregate(
    scores: Mapping[int, Mapping[int, Mapping[int, int | Fraction]]],
    weights: Mapping[int, int | Fraction],
    *,
    application_ids: Iterable[int] = (),
    calibrate: bool = False,
    threshold: Fraction | int | None = None,
    scale: tuple[int, int] | None = None,
) -> Aggregate:
    """Aggregate submitted scores.

    scores: {application_id: {reviewer_id: {criterion_id: score}}} (complete score sets only)
    weights: {criterion_id: weight}
    application_ids: applications to list even if nobody scored them yet
    threshold: flag an application when its spread is at or above this
    scale: (lowest, highest) to keep displayed calibrated scores on the scale
    """
    whole = _whole_totals(scores, weights)
    if whole is None:
        totals = {app: {rev: weighted_total(s, weights) for rev, s in by_rev.items()}
                  for app, by_rev in scores.items()}
    else:
        sums, total_weight = whole
        totals = {app: {rev: Fraction(n, total_weight) for rev, n in by_rev.items()}
                  for app, by_rev in sums.items()}
    results: list[ApplicationResult] = []
    for app in sorted(set(application_ids) | set(totals)):
        by_rev = totals.get(app, {})
        values = list(by_rev.values())
        if values and whole is not None:
            # Every total is n / total_weight: the mean and the spread come from the whole
            # numerators, exactly as mean() and max - min would give them.
            numerators = list(sums[app].values())
            spread = Fraction(max(numerators) - min(numerators), total_weight)
            average = Fraction(sum(numerators), len(numerators) * total_weight)
        else:
            spread = (max(values) - min(values)) if values else None
            average = mean(values) if values else None
        flagged = bool(values and threshold is not None and len(values) > 1
                       and spread >= Fraction(threshold))
        results.append(ApplicationResult(
            application_id=app, totals=dict(sorted(by_rev.items())),
            mean=average, spread=spread, flagged=flagged,
        ))

    centre = unit_squared = None
    if calibrate:
        centre, unit_squared, stats = _calibration(totals)
        unit = Surds.rational_sqrt(unit_squared) if unit_squared else Surds()
        for result in results:
            if not result.totals:
                continue
            z_sum = Surds()
            for reviewer, value in result.totals.items():
                r_mean, r_var = stats[reviewer]
                z = (Surds() if r_var == 0
                     else Surds.rational_sqrt(1 / r_var).scale(value - r_mean))
                result.z_scores[reviewer] = z
                z_sum = z_sum + z
            result.z_mean = z_sum.scale(Fraction(1, len(result.totals)))
            shown = Decimal(centre.numerator) / Decimal(centre.denominator) + (
                unit.to_decimal() * result.z_mean.to_decimal())
            if scale is not None:
                shown = min(max(shown, Decimal(scale[0])), Decimal(scale[1]))
            result.calibrated = shown

    _rank(results, calibrate)
    return Aggregate(results=results, centre=centre, unit_squared=unit_squared, calibrated=calibrate)


def _whole_totals(scores, weights) -> tuple[dict[int, dict[int, int]], int] | None:
    """With whole weights and scores (what the panel forms give): each reviewer's
    sum(weight * score) as an integer, and the total weight; None otherwise. The weighted
    total is then numerator / total weight, exactly weighted_total()'s Fraction."""
    if not all(type(w) is int for w in weights.values()):
        return None
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ValueError("the criteria weights must add up to more than zero")
    sums: dict[int, dict[int, int]] = {}
    for app, by_rev in scores.items():
        row = sums[app] = {}
        for rev, given in by_rev.items():
            if len(given) < len(weights) or any(c not in given for c in weights):
                weighted_total(given, weights)  # raises, naming the criteria not scored
            if not all(type(given[c]) is int for c in weights):
                return None
            row[rev] = sum(w * given[c] for c, w in weights.items())
    return sums, total_weight


def _rank(results: list[ApplicationResult], calibrated: bool) -> None:
    """Standard competition ranking (1, 2, 2, 4), best first; ties listed by id."""
    import functools

    def better(a: ApplicationResult, b: ApplicationResult) -> int:
        if calibrated:
            diff = a.z_mean.compare(b.z_mean)
        else:
            diff = (a.mean > b.mean) - (a.mean < b.mean)
        if diff:
            return -diff
        return (a.application_id > b.application_id) - (a.application_id < b.application_id)

    scored = [r for r in results if r.totals]
    unscored = [r for r in results if not r.totals]
    if calibrated:
        scored.sort(key=functools.cmp_to_key(better))
    else:
        # The same order as `better` (highest mean first, ties by id), by an exact whole
        # number key: every mean over one common denominator.
        common = math.lcm(*{r.mean.denominator for r in scored}) if scored else 1
        scored.sort(key=lambda r: (-r.mean.numerator * (common // r.mean.denominator),
                                   r.application_id))
    for position, result in enumerate(scored):
        previous = scored[position - 1] if position else None
        tied = previous is not None and (
            previous.z_mean.compare(result.z_mean) == 0 if calibrated else previous.mean == result.mean)
        result.rank = previous.rank if tied else position + 1
    results[:] = scored + unscored
