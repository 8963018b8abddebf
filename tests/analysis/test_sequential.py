"""The Poisson CUSUM: threshold, increments, the chart, simulated signal rates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harmwatch.analysis.sequential import (
    cusum,
    false_alarm_rate,
    poisson_llr,
    signal_probability,
    wald_threshold,
)


def test_wald_threshold() -> None:
    assert wald_threshold() == pytest.approx(math.log(99))
    assert wald_threshold(0.001, 0.01) == pytest.approx(math.log(990))
    for alpha, beta in ((0.0, 0.01), (0.5, 0.5), (0.01, 1.2)):
        with pytest.raises(ValueError):
            wald_threshold(alpha, beta)


def test_poisson_llr_is_the_log_likelihood_ratio() -> None:
    o, e, r = 3, 1.7, 2.5
    direct = math.log((r * e) ** o * math.exp(-r * e) / (e**o * math.exp(-e)))
    assert float(poisson_llr(o, e, r)) == pytest.approx(direct)
    assert poisson_llr([0, 2], [1.0, 1.0]).tolist() == pytest.approx([-1.0, 2 * math.log(2) - 1])
    with pytest.raises(ValueError):
        poisson_llr(1, 1.0, 1.0)


def test_cusum_resets_at_zero_and_after_a_signal() -> None:
    w = [[1.0, -3.0, 2.0, 3.0, 1.0, -0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]
    chart = cusum(w, 4.0)
    assert chart.statistic[0].tolist() == [1.0, 0.0, 2.0, 5.0, 1.0, 0.5]
    assert chart.signal[0].tolist() == [False, False, False, True, False, False]
    assert chart.first_signal.tolist() == [3, -1]
    # The run behind the signal started after the statistic was last zero.
    assert int(chart.run_start[0, 3]) == 2
    kept = cusum(w, 4.0, reset_after_signal=False)
    assert kept.statistic[0, 4] == 6.0 and kept.signal[0, 4]


def test_false_alarm_rate_is_reproducible_and_falls_with_the_threshold() -> None:
    low = false_alarm_rate(1.0, 120, simulations=4000, seed=3)
    again = false_alarm_rate(1.0, 120, simulations=4000, seed=3)
    assert low.rate == again.rate
    assert low.lower <= low.rate <= low.upper
    assert 0.05 < low.rate < 0.25  # about 12% per entity per 10 years at h = ln 99
    high = false_alarm_rate(1.0, 120, alpha=0.0001, simulations=4000, seed=3)
    assert high.threshold == pytest.approx(math.log(9900))
    assert high.rate < low.rate / 10
    assert low.to_json()["true_ratio"] == 1.0


def test_a_tripling_is_detected_quickly() -> None:
    power = signal_probability(1.0, 12, true_ratio=3.0, simulations=4000, seed=1)
    assert power.rate > 0.95
    assert power.median_delay is not None and power.median_delay <= 6


def test_a_seasonal_profile_is_accepted() -> None:
    season = 1.0 + 0.2 * np.cos(2 * np.pi * np.arange(120) / 12)
    rate = false_alarm_rate(season, 120, simulations=2000, seed=2)
    assert 0.0 < rate.rate < 0.3
    with pytest.raises(ValueError):
        false_alarm_rate(1.0, 0)
