"""Weekday x hour heat maps on hand-made frames: cells, excluded precisions, no times."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl

from harmwatch.analysis.heatmap import heat_map_from_frame


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
