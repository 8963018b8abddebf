"""Small-number statistics against published values, SciPy and hand-worked examples."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    benjamini_hochberg,
    binomial_ci,
    change_test,
    format_p,
    funnel_limits,
    funnel_position,
    poisson_ci,
    poisson_tail_p,
    rate_ci,
    small_count_warning,
    verdict,
)

# --- Poisson and binomial intervals ---------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "lower", "upper"),
    [
        (0, 0.0, 3.689),  # Garwood's table; PHO/PHE technical guides
        (1, 0.0253, 5.572),
        (10, 4.795, 18.390),
        (100, 81.364, 121.627),
    ],
)
def test_poisson_ci_known_values(k: int, lower: float, upper: float) -> None:
    lo, hi = poisson_ci(k)
    assert float(lo) == pytest.approx(lower, abs=1e-3)
    assert float(hi) == pytest.approx(upper, abs=1e-3)


def test_poisson_ci_vectorised_and_99() -> None:
    lo, hi = poisson_ci([0, 10, 1000])
    assert lo.shape == hi.shape == (3,)
    assert np.all(lo <= [0, 10, 1000]) and np.all(hi >= [0, 10, 1000])
    lo99, hi99 = poisson_ci(10, level=0.99)
    assert float(lo99) < 4.795 and float(hi99) > 18.390


def test_rate_ci_scales_the_count_interval() -> None:
    rate, lo, hi = rate_ci(10, 50_000)
    assert float(rate) == pytest.approx(20.0)
    assert float(lo) == pytest.approx(4.7954 * 2, abs=1e-3)
    assert float(hi) == pytest.approx(18.3904 * 2, abs=1e-3)
    rate2, _, _ = rate_ci(10, 50_000, years=2.0)
    assert float(rate2) == pytest.approx(10.0)
    missing, _, _ = rate_ci([3], [0])
    assert np.isnan(missing).all()


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (17, 250)])
def test_binomial_ci_matches_scipy_clopper_pearson(k: int, n: int) -> None:
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = binomial_ci(k, n)
    assert float(lo) == pytest.approx(expected.low, abs=1e-9)
    assert float(hi) == pytest.approx(expected.high, abs=1e-9)


# --- Exact conditional test of change -------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "k2", "t1", "t2"),
    [(4, 7, 1, 1), (20, 40, 1, 1), (40, 20, 1, 1), (3, 3, 1, 2), (0, 5, 1, 1), (12, 0, 2, 1)],
)
def test_change_test_p_value_matches_binomtest(k1: int, k2: int, t1: float, t2: float) -> None:
    test = change_test(k1, k2, t1, t2)
    reference = stats.binomtest(k1, k1 + k2, t1 / (t1 + t2)).pvalue
    assert test.p_value == pytest.approx(reference, rel=1e-9)


def test_change_test_rate_ratio_and_its_exact_interval() -> None:
    test = change_test(20, 40)
    assert test.rate_ratio == pytest.approx(2.0)
    pi = stats.binomtest(40, 60).proportion_ci(method="exact")
    assert test.ci[0] == pytest.approx(pi.low / (1 - pi.low))
    assert test.ci[1] == pytest.approx(pi.high / (1 - pi.high))
    assert test.ci[0] < 2.0 < test.ci[1]
    assert test.verdict == "some evidence of an increase (p = 0.013)"
    # Exposures: the same counts over twice the time are the same rate.
    same = change_test(10, 20, 1.0, 2.0)
    assert same.rate_ratio == pytest.approx(1.0)
    assert same.verdict == "no evidence of a change"


def test_change_test_edge_cases_serialise() -> None:
    none = change_test(0, 0)
    assert none.rate_ratio is None and none.p_value == 1.0
    assert none.warnings and "nothing to compare" in none.warnings[0]
    up_from_zero = change_test(0, 12)
    assert up_from_zero.rate_ratio == math.inf and up_from_zero.ci[1] == math.inf
    payload = up_from_zero.to_json()
    assert payload["rate_ratio"] is None and payload["ci"][1] is None
    json.dumps(payload, allow_nan=False)
    assert up_from_zero.verdict.startswith("strong evidence of an increase")
    small = change_test(2, 5)
    assert any(f"fewer than {SMALL_COUNT}" in w for w in small.warnings)


@pytest.mark.parametrize(
    ("p", "direction", "expected"),
    [
        (0.2, 1, "no evidence of a change"),
        (0.10, -1, "no evidence of a change"),
        (0.07, 1, "weak evidence of an increase (p = 0.07)"),
        (0.03, 1, "some evidence of an increase (p = 0.03)"),
        (0.0499, -1, "some evidence of a decrease (p = 0.049)"),
        (0.004, -1, "strong evidence of a decrease (p = 0.004)"),
        (0.00001, 1, "strong evidence of an increase (p < 0.001)"),
        (0.001, 0, "no evidence of a change"),
    ],
)
def test_verdict_wording_and_thresholds(p: float, direction: int, expected: str) -> None:
    assert verdict(p, direction) == expected


def test_format_p_never_rounds_across_a_threshold() -> None:
    assert format_p(0.0999) == "p = 0.099"
    assert format_p(0.00999) == "p = 0.0099"
    assert format_p(0.5) == "p = 0.5"
    assert format_p(1.0) == "p = 1"


# --- Funnel limits ---------------------------------------------------------------------------


def test_funnel_limits_monotone_nested_and_containing_target() -> None:
    expected = np.geomspace(0.5, 2000, 400)
    funnel = funnel_limits(expected)
    lo95, hi95 = funnel.limits[0.95]
    lo998, hi998 = funnel.limits[0.998]
    for lower, upper in ((lo95, hi95), (lo998, hi998)):
        assert np.all(np.diff(lower) >= -1e-9) and np.all(np.diff(upper) >= 0)
        assert np.all(lower <= expected) and np.all(upper >= expected)
    assert np.all(lo998 <= lo95) and np.all(hi998 >= hi95)
    # On the ratio scale the funnel narrows (discreteness wiggles only below E = 5).
    big = expected >= 5
    for level in (0.95, 0.998):
        r_lo, r_hi = funnel.indicator_limits(level)
        assert np.all(np.diff(r_hi[big]) <= 1e-9) and np.all(np.diff(r_lo[big]) >= -1e-9)
        assert np.all(r_lo <= 1.0) and np.all(r_hi >= 1.0)


def test_funnel_limits_approach_the_normal_for_large_counts() -> None:
    funnel = funnel_limits([10_000.0])
    lo, hi = funnel.limits[0.998]
    z = stats.norm.ppf(0.999)
    assert float(hi[0]) == pytest.approx(10_000 + z * 100, abs=1.5)
    assert float(lo[0]) == pytest.approx(10_000 - z * 100, abs=1.5)


def test_funnel_interpolation_follows_spiegelhalter() -> None:
    # E = 10: the 0.975 quantile is r = 17 with F(17) = 0.98572, F(16) = 0.97296,
    # so alpha = (0.98572 - 0.975) / (0.98572 - 0.97296) and the limit is 17 - alpha.
    e = 10.0
    f17, f16 = stats.poisson.cdf(17, e), stats.poisson.cdf(16, e)
    expected = 17 - (f17 - 0.975) / (f17 - f16)
    assert float(funnel_limits([e]).limits[0.95][1][0]) == pytest.approx(expected)


def test_funnel_rate_target_and_json() -> None:
    funnel = funnel_limits([1000.0, 100_000.0], target=0.001)
    assert funnel.expected.tolist() == pytest.approx([1.0, 100.0])
    payload = funnel.to_json()
    assert set(payload["points"][0]) >= {"precision", "expected", "upper_95", "upper_99_8"}
    json.dumps(payload, allow_nan=False)


def test_funnel_position() -> None:
    positions = funnel_position([58, 22, 5, 0, 30], [22.18, 22.18, 22.18, 22.18, 22.18])
    assert positions == ["above 99.8%", "within", "below 99.8%", "below 99.8%", "within"]
    upper, lower = poisson_tail_p([58], [22.18])
    assert float(upper[0]) < 1e-8 and float(lower[0]) > 0.99


# --- Multiple testing and small counts ---------------------------------------------------------


def test_benjamini_hochberg_hand_example() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04; times m/rank = 0.02, 0.02, 0.04, 0.04; monotone already.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert q.tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # Step-up: a larger p-value can lower the q of a smaller one.
    assert benjamini_hochberg([0.02, 0.03]).tolist() == pytest.approx([0.03, 0.03])


def test_benjamini_hochberg_matches_scipy_and_keeps_nan() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=50) ** 2
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))
    q = benjamini_hochberg([0.01, float("nan"), 0.02])
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.02)
    assert benjamini_hochberg([]).shape == (0,)


def test_small_count_warning() -> None:
    assert small_count_warning(SMALL_COUNT) is None
    message = small_count_warning(3, "homicides in 2024")
    assert message is not None and "only 3 homicides in 2024" in message
