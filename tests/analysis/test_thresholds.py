"""Thresholds set by simulation: the per-chart rate for a family, and calibration checked on
independent simulations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.sequential import wald_threshold
from harmwatch.analysis.thresholds import (
    calibrated_thresholds,
    family_false_alarms,
    max_cusum,
    per_chart_rate,
)

_SEASON = 1 + 0.2 * np.cos(2 * np.pi * (np.arange(12) - 0.5) / 12)


def test_per_chart_rate() -> None:
    # Family-wise: 1 - (1 - p)^n = error.
    assert per_chart_rate(100, 0.05, 0) == pytest.approx(1 - 0.95 ** (1 / 100), rel=1e-6)
    # At most one false alarm: P(Bin(n, p) >= 2) = error.
    p = per_chart_rate(40, 0.05, 1)
    assert stats.binom.sf(1, 40, p) == pytest.approx(0.05, rel=1e-6)
    # Never looser than one chart alone; more charts, less each.
    assert per_chart_rate(1, 0.05, 1) == 0.05
    assert per_chart_rate(400, 0.05, 0) < per_chart_rate(40, 0.05, 0)
    with pytest.raises(ValueError):
        per_chart_rate(10, 1.5)


def test_calibrated_thresholds_hold_their_rate_on_independent_simulations() -> None:
    # 24 charts of one seasonal shape (the grid path) and one of another (simulated alone).
    sizes = np.geomspace(1.0, 40.0, 24)  # deaths expected a year
    expected = np.vstack(
        [np.tile(_SEASON, 5) * s / 12 for s in sizes] + [np.r_[np.zeros(12), np.full(48, 0.8)]]
    )
    h = calibrated_thresholds(expected, 0.02, simulations=20_000, seed=0)
    # Bigger charts need a higher threshold for the same false-alarm rate.
    assert np.all(np.diff(h[:24]) > -0.05) and h[23] > h[0] + 1.0
    rng = np.random.default_rng(12345)
    for i in (0, 11, 23, 24):
        rate = float((max_cusum(expected[i], 40_000, rng) >= h[i]).mean())
        assert rate == pytest.approx(0.02, abs=0.005), (i, rate)
    # Wald's h = 4.6 is far looser than 2% over five years for the biggest chart.
    assert float((max_cusum(expected[23], 20_000, rng) >= wald_threshold()).mean()) > 0.05


def test_family_false_alarms_of_a_calibrated_family() -> None:
    sizes = np.geomspace(2.0, 30.0, 30)
    expected = np.vstack([np.tile(_SEASON, 4) * s / 12 for s in sizes])
    p = per_chart_rate(30, 0.05, 0)
    h = calibrated_thresholds(expected, p, simulations=20_000, seed=0)
    check = family_false_alarms(expected, h, replications=4_000, seed=7)
    assert check.charts == 30 and check.replications == 4_000
    assert check.any_lower <= 0.05 + 0.01 and check.any_upper >= 0.05 - 0.015
    assert 0.02 < check.any_rate < 0.075
    assert check.more_than_one_rate < check.any_rate
    assert check.chart_rate == pytest.approx(check.mean_false_alarms / 30)


def test_a_small_rate_is_resolved_by_simulating_more_paths() -> None:
    """A family-wise 5% over 100 charts leaves each 0.05%: with only 20,000 paths, 10
    would lie beyond each threshold and the family's rate would wander by about +-30%;
    the calibration simulates enough paths for ~60 (David & Nagaraja 2003)."""
    sizes = np.geomspace(1.0, 40.0, 100)
    expected = np.vstack([np.tile(_SEASON, 2) * s / 12 for s in sizes])  # two years
    p = per_chart_rate(100, 0.05, 0)
    rates = []
    for seed in range(3):  # three independent calibrations
        h = calibrated_thresholds(expected, p, simulations=20_000, seed=seed)
        check = family_false_alarms(expected, h, replications=6_000, seed=100 + seed)
        assert check.any_lower <= 0.05 <= check.any_upper, (seed, check)
        rates.append(check.any_rate)
    assert max(rates) - min(rates) < 0.02, rates
