"""Heat maps and seasonality: hand-made frames, the scenario's files and store."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.temporal import (
    VIOLENCE_GROUPS,
    heat_map_from_frame,
    hour_weekday,
    seasonality_from_frame,
    temporal_patterns,
)

# --- Hand-made ------------------------------------------------------------------------------


def test_heat_map_cells_and_excluded_precision() -> None:
    frame = pl.DataFrame(
        {
            # 2024-06-01 is a Saturday, 2024-06-03 a Monday.
            "when": [
                datetime(2024, 6, 1, 23, 10),
                datetime(2024, 6, 1, 23, 50),
                datetime(2024, 6, 3, 2, 0),
                datetime(2024, 6, 1, 0, 0),
                datetime(2024, 6, 1, 0, 0),
            ],
            "date_precision": ["datetime", "datetime", "datetime", "date", "month"],
        }
    )
    heat = heat_map_from_frame(frame, "when", what="assaults")
    assert heat.available and heat.n_used == 3
    assert heat.counts[5, 23] == 2 and heat.counts[0, 2] == 1 and heat.counts.sum() == 3
    assert heat.excluded == {"date": 1, "month": 1}
    assert heat.peak_hour == 23 and heat.peak_weekday == 5
    # The weekday totals use every record precise to the day (the date one too).
    assert heat.weekday_totals == [1, 0, 0, 0, 0, 3, 0] and heat.n_weekday == 4
    assert any("2 of 5 assaults" in w for w in heat.warnings)
    json.dumps(heat.to_json(), allow_nan=False)
    assert heat.tables["heat_map"].height == 7 * 24


def test_heat_map_unavailable_without_times() -> None:
    frame = pl.DataFrame(
        {"when": [datetime(2024, 1, 1), datetime(2024, 2, 1)], "date_precision": ["month"] * 2}
    )
    heat = heat_map_from_frame(frame, "when", what="homicides")
    assert not heat.available
    assert "month" in heat.reason and "hour" in heat.reason
    empty = heat_map_from_frame(frame.clear(), "when", what="homicides")
    assert not empty.available and empty.reason


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


# --- The scenario ---------------------------------------------------------------------------


def test_violence_peaks_at_night_and_matches_the_file(
    scenario_store: Engine, scenario_dir: Path, scenario_truth: dict[str, Any]
) -> None:
    period = Period(date(2024, 1, 1), date(2025, 1, 1))
    heat = hour_weekday(scenario_store, "police_occurrences", VIOLENCE_GROUPS, period)
    assert heat.available and heat.excluded == {}
    assert heat.peak_hour is not None and (heat.peak_hour >= 19 or heat.peak_hour <= 2)
    hours = np.array(heat.hour_totals)
    night = hours[[20, 21, 22, 23, 0, 1]].sum() / 6
    morning = hours[[5, 6, 7, 8, 9, 10]].sum() / 6
    assert night > 2 * morning
    assert heat.hour_test["p_value"] < 0.001
    assert heat.peak_weekday in (4, 5, 6)  # Friday to Sunday
    # Every cell equals the file's count (minus faulty rows).
    csv = pl.read_csv(scenario_dir / "police_occurrences.csv", infer_schema=False)
    faulty = [f["row"] for f in scenario_truth["faults"] if f["kind"] == "police_occurrences"]
    csv = (
        csv.with_row_index("row", offset=2)
        .filter(~pl.col("row").is_in(faulty))
        .filter(pl.col("offence_group").is_in(VIOLENCE_GROUPS))
        .with_columns(pl.col("occurred_from").str.to_datetime("%Y-%m-%dT%H:%M:%S"))
        .filter(period.contains("occurred_from"))
    )
    cells = csv.group_by(
        (pl.col("occurred_from").dt.weekday() - 1).alias("w"),
        pl.col("occurred_from").dt.hour().alias("h"),
    ).len()
    expected = np.zeros((7, 24), dtype=np.int64)
    expected[cells["w"].to_numpy(), cells["h"].to_numpy()] = cells["len"].to_numpy()
    assert np.array_equal(heat.counts, expected)
    assert heat.n_used == csv.height


def test_temporal_patterns_for_offences_and_deaths(scenario_store: Engine) -> None:
    patterns = temporal_patterns(scenario_store)
    deaths = read_kind(scenario_store, "deaths", columns=["date_of_death"])
    period = Period(date(2024, 1, 1), date(2025, 1, 1))
    in_period = deaths.filter(period.contains("date_of_death")).height
    heat = patterns.deaths_heat_map
    assert not heat.available and "date" in heat.reason
    assert heat.excluded == {"date": in_period} and sum(heat.weekday_totals) == in_period
    season = patterns.deaths_seasonality
    assert season.available and season.n_used == deaths.height
    assert season.span == (date(2023, 1, 1), date(2024, 12, 31))
    assert patterns.offences_seasonality.n_used > 1000
    payload = patterns.to_json()
    assert set(payload) >= {"offences_heat_map", "offences_seasonality", "deaths_heat_map"}
    json.dumps(payload, allow_nan=False)
