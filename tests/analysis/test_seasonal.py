"""Seasonality by calendar month on hand-made frames: even spreads, a summer peak, too little."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from harmwatch.analysis.seasonal import seasonality_from_frame


def _daily(start: date, days: int, per_day: int) -> pl.DataFrame:
    when = [datetime.combine(start + timedelta(days=d), datetime.min.time()) for d in range(days)]
    return pl.DataFrame(
        {"when": [w for w in when for _ in range(per_day)], "date_precision": "date"}
    )


def test_seasonality_even_by_day_shows_no_evidence() -> None:
    # Two events every day for two years: months differ only by their length.
    season = seasonality_from_frame(_daily(date(2022, 1, 1), 731, 2), "when")
    assert season.available and season.p_value is not None and season.p_value > 0.99
    assert season.verdict == "no evidence that counts vary by month of the year"
    by_month = season.tables["by_month"]
    feb = by_month.filter(pl.col("month") == 2).row(0, named=True)
    assert feb["days"] == 28 * 2 and feb["expected"] == feb["observed"]


def test_seasonality_finds_a_summer_peak() -> None:
    base = _daily(date(2022, 1, 1), 730, 1)
    june = _daily(date(2022, 6, 1), 30, 3)
    season = seasonality_from_frame(pl.concat([base, june]), "when", what="assaults")
    assert season.peak_month == 6
    assert season.verdict.startswith("strong evidence") and "Jun" in season.verdict


def test_seasonality_needs_a_year_and_drops_year_precision() -> None:
    frame = pl.concat(
        [
            _daily(date(2024, 1, 1), 90, 1),
            pl.DataFrame({"when": [datetime(2023, 1, 1)], "date_precision": ["year"]}),
        ]
    )
    season = seasonality_from_frame(frame, "when")
    assert season.excluded == {"year": 1} and season.n_used == 90
    assert season.p_value is None and "too little data" in season.verdict
