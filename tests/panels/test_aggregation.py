"""The arithmetic of a panel, against figures worked out by hand."""

from decimal import Decimal
from fractions import Fraction

import pytest

from grants.panels.aggregation import Surds, aggregate, display, variance, weighted_total

WEIGHTS = {1: 3, 2: 1}  # criterion 1 counts three times as much as criterion 2


def both(score):
    return {1: score, 2: score}


def test_weighted_total_is_the_weight_averaged_score():
    # (3*4 + 1*2) / (3 + 1) = 14/4
    assert weighted_total({1: 4, 2: 2}, WEIGHTS) == Fraction(7, 2)
    assert weighted_total({1: 1, 2: 4}, WEIGHTS) == Fraction(7, 4)


def test_weighted_total_needs_every_criterion():
    with pytest.raises(ValueError, match="not scored"):
        weighted_total({1: 4}, WEIGHTS)


def test_mean_spread_and_rank_without_calibration():
    result = aggregate({10: {1: {1: 4, 2: 2}, 2: {1: 2, 2: 2}}, 11: {1: both(3), 2: both(3)}},
                       WEIGHTS, threshold=2)
    by_app = result.by_application()
    assert by_app[10].totals == {1: Fraction(7, 2), 2: Fraction(2)}
    assert by_app[10].mean == Fraction(11, 4)
    assert by_app[10].spread == Fraction(3, 2)
    assert by_app[11].mean == 3
    assert [r.application_id for r in result.results] == [11, 10]
    assert [r.rank for r in result.results] == [1, 2]


def test_disagreement_flag_fires_at_the_threshold_and_not_below():
    at = aggregate({1: {1: both(1), 2: both(3)}}, WEIGHTS, threshold=2).results[0]
    assert at.spread == 2 and at.flagged
    below = aggregate({1: {1: {1: 1, 2: 1}, 2: {1: 3, 2: 2}}}, WEIGHTS, threshold=2).results[0]
    assert below.spread == Fraction(7, 4) and not below.flagged
    single = aggregate({1: {1: both(0)}}, WEIGHTS, threshold=0).results[0]
    assert not single.flagged  # one reviewer cannot disagree with themselves


# The worked example: a harsh reviewer (H, id 1) scores A=3 and B=1; a generous reviewer
# (G, id 2) scores C=4 and D=5.
#   H: mean 2, variance 1, sd 1.        G: mean 9/2, variance 1/4, sd 1/2.
#   centre = (3+1+4+5)/4 = 13/4; unit^2 = (1 + 1/4)/2 = 5/8; unit = sqrt(10)/4 = 0.790569...
#   z: A = +1, B = -1, C = -1, D = +1
#   calibrated: A = D = 13/4 + sqrt(10)/4 = 4.0406; B = C = 13/4 - sqrt(10)/4 = 2.4594
# Raw means rank D, C, A, B; calibrated, A (H's best) ties with D (G's best) at the top and
# C drops below A: the order between A and C reverses.
A, B, C, D = 101, 102, 103, 104
HARSH_AND_GENEROUS = {A: {1: both(3)}, B: {1: both(1)}, C: {2: both(4)}, D: {2: both(5)}}


def test_raw_means_favour_the_generous_reviewer():
    result = aggregate(HARSH_AND_GENEROUS, WEIGHTS)
    assert [(r.application_id, r.mean, r.rank) for r in result.results] == [
        (D, 5, 1), (C, 4, 2), (A, 3, 3), (B, 1, 4)]


def test_calibration_matches_the_hand_computed_figures():
    result = aggregate(HARSH_AND_GENEROUS, WEIGHTS, calibrate=True, scale=(0, 5))
    assert result.centre == Fraction(13, 4)
    assert result.unit_squared == Fraction(5, 8)
    by_app = result.by_application()
    assert by_app[A].z_scores[1].compare(Surds.of(1)) == 0
    assert by_app[C].z_scores[2].compare(Surds.of(-1)) == 0
    assert display(by_app[A].calibrated, 4) == "4.0406"
    assert display(by_app[D].calibrated, 4) == "4.0406"
    assert display(by_app[B].calibrated, 4) == "2.4594"
    assert display(by_app[C].calibrated, 4) == "2.4594"
    assert abs(by_app[A].calibrated - (Decimal(13) / 4 + Decimal(10).sqrt() / 4)) < Decimal("1e-20")


def test_calibration_reverses_the_harsh_and_generous_order():
    result = aggregate(HARSH_AND_GENEROUS, WEIGHTS, calibrate=True)
    ranks = {r.application_id: r.rank for r in result.results}
    assert ranks == {A: 1, D: 1, B: 3, C: 3}  # exact ties, not float coincidences
    assert ranks[A] < ranks[C]


def test_a_reviewer_who_never_varies_counts_as_average():
    result = aggregate({1: {1: both(2), 2: both(1)}, 2: {1: both(2), 2: both(5)}}, WEIGHTS,
                       calibrate=True)
    by_app = result.by_application()
    assert by_app[1].z_scores[1].is_zero()
    assert by_app[2].rank == 1


def test_unscored_applications_are_listed_last_without_a_rank():
    result = aggregate({1: {1: both(2)}}, WEIGHTS, application_ids=[1, 2], calibrate=True)
    assert [(r.application_id, r.rank) for r in result.results] == [(1, 1), (2, None)]


def test_exact_variance():
    assert variance([1, 2, 3]) == Fraction(2, 3)


def test_surds_decide_equality_exactly():
    # sqrt(2) + sqrt(8) = 3 sqrt(2)
    assert (Surds.of(1, 2) + Surds.of(1, 8) - Surds.of(3, 2)).is_zero()
    assert Surds.rational_sqrt(Fraction(9, 4)).compare(Surds.of(Fraction(3, 2))) == 0
    # sqrt(2) + sqrt(3) = 3.1462... < sqrt(10) = 3.1623...
    assert (Surds.of(1, 2) + Surds.of(1, 3)).compare(Surds.of(1, 10)) == -1
    # a difference of about 5e-7 still has the right sign
    assert (Surds.of(1, 10**12 + 1) - 10**6).sign() == 1


def test_display_rounds_only_for_show():
    assert display(Fraction(11, 4)) == "2.75"
    assert display(Fraction(2, 3)) == "0.67"
    assert display(None) == "–"


@pytest.mark.parametrize("calibrate", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_the_whole_number_path_gives_exactly_what_fractions_give(seed, calibrate):
    """Whole weights and scores take a faster path (integer numerators over the total
    weight, an integer sort key); the same panel with the weights written as Fractions takes
    the general one. Every figure and the rank must come out identical, ties included."""
    import random

    rng = random.Random(seed)
    weights = {c: rng.randint(1, 4) for c in range(rng.randint(1, 4))}
    scores = {app: {rev: {c: rng.randint(0, 3) for c in weights} for rev in rng.sample(range(8), 3)}
              for app in range(60)}
    fast = aggregate(scores, weights, application_ids=range(64), threshold=Fraction(3, 2),
                     calibrate=calibrate, scale=(0, 5))
    general = aggregate(scores, {c: Fraction(w) for c, w in weights.items()},
                        application_ids=range(64), threshold=Fraction(3, 2), calibrate=calibrate,
                        scale=(0, 5))

    def figures(result):
        return [(r.application_id, r.totals, r.mean, r.spread, r.flagged, r.rank, r.calibrated)
                for r in result.results]

    assert figures(fast) == figures(general)
    assert any(a.rank == b.rank for a, b in zip(fast.results, fast.results[1:], strict=False))
    if not calibrate:  # the order by hand: highest mean first, ties by id, unscored last
        scored = sorted((r for r in general.results if r.totals), key=lambda r: (-r.mean, r.application_id))
        assert [r.application_id for r in fast.results[:len(scored)]] == [r.application_id for r in scored]
