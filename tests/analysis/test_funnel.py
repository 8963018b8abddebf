"""Poisson funnel limits against Spiegelhalter's method, the normal limit and SciPy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.funnel import funnel_limits, funnel_position, poisson_tail_p

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
