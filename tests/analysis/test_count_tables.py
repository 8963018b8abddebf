"""Count tables: exact intervals, rates per 100,000 and shares on hand-made tables."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.count_tables import with_count_ci, with_rates, with_share


def test_count_interval_rate_and_share_on_a_hand_made_table() -> None:
    table = pl.DataFrame(
        {"group": ["a", "a", "b"], "count": [10, 30, 4], "population": [50_000, 50_000, 0]}
    )
    table = with_share(with_rates(with_count_ci(table), "population", 2.0, 0.95), ["group"], 0.95)
    # Garwood's interval of 10 is 4.795-18.390; the rate is per 100,000 a year (2 years).
    assert table["lower"][0] == pytest.approx(4.7954, abs=1e-3)
    assert table["upper"][0] == pytest.approx(18.3904, abs=1e-3)
    assert table["small"].to_list() == [False, False, True]
    assert table["rate"][0] == pytest.approx(10.0)
    assert table["rate_upper"][0] == pytest.approx(18.3904 * 100_000 / (50_000 * 2), abs=1e-3)
    assert math.isnan(table["rate"][2])  # no population: no rate
    # Shares within each group, with the exact (Clopper-Pearson) interval.
    assert table["share"].to_list() == pytest.approx([0.25, 0.75, 1.0])
    exact = stats.binomtest(10, 40).proportion_ci(method="exact")
    assert table["share_lower"][0] == pytest.approx(exact.low)
    assert table["share_upper"][0] == pytest.approx(exact.high)
