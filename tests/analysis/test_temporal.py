"""Heat maps and seasonality from the store: the scenario's files and store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.temporal import VIOLENCE_GROUPS, hour_weekday, temporal_patterns

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
