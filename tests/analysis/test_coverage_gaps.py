"""Monthly gaps by hand: an empty month is a gap only where months are usually busy."""

from __future__ import annotations

from datetime import date

import polars as pl

from harmwatch.analysis.coverage_gaps import monthly_gaps


def test_monthly_gaps_need_a_busy_median_month() -> None:
    busy = [date(2024, m, d) for m in (1, 2, 4, 5) for d in range(1, 13)]
    sparse = [date(2024, 1, 5), date(2024, 4, 5), date(2024, 5, 5)]
    frame = pl.DataFrame(
        {
            "source": ["a"] * len(busy) + ["b"] * len(sparse),
            "kind": "deaths",
            "day": busy + sparse,
        }
    )
    months = monthly_gaps(frame, min_monthly=10)
    busy_rows = months.filter(pl.col("source") == "a")
    assert busy_rows["month"].to_list() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert busy_rows["records"].to_list() == [12, 12, 0, 12, 12]
    assert busy_rows.filter("gap")["month"].to_list() == ["2024-03"]
    # one record a month: an empty month is no evidence of a missing extract
    assert not months.filter(pl.col("source") == "b")["gap"].any()
    assert monthly_gaps(frame.head(0)).is_empty()
