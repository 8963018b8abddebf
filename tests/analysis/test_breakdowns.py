"""Breakdowns by circumstance: victims' age bands from a date of birth, an age or a given band."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from harmwatch.analysis.breakdowns import victim_age_band


def test_victim_age_band_from_dob_age_or_given_band() -> None:
    frame = pl.DataFrame(
        {
            "occurred_from": [datetime(2024, 6, 1, 22)] * 6,
            "date_of_birth": [date(2006, 6, 2), date(2006, 6, 1), None, None, None, None],
            "age": [None, None, 70, None, None, None],
            "age_band": [None, None, None, "25 to 34", "65 and over", None],
        },
        schema_overrides={"age": pl.Int64, "age_band": pl.String},
    )
    bands = frame.select(victim_age_band().alias("band"))["band"].to_list()
    # 17 the day before the 18th birthday, 18 on it; age in years; MPS bands; nothing.
    assert bands == ["0-17", "18-24", "65+", "25-34", "65+", "not recorded"]
