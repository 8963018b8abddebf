"""Exact intervals and the small-count warning against published values and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.intervals import (
    SMALL_COUNT,
    binomial_ci,
    poisson_ci,
    rate_ci,
    small_count_warning,
)

# --- Poisson and binomial intervals; small counts --------------------------------------------


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


def test_small_count_warning() -> None:
    assert small_count_warning(SMALL_COUNT) is None
    message = small_count_warning(3, "homicides in 2024")
    assert message is not None and "only 3 homicides in 2024" in message
