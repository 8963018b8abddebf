"""Time of death: a practitioner's night share against the institution's other deaths."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from harmwatch.analysis.night_profile import night_profile


def test_night_profile_against_the_institution() -> None:
    day = datetime(2024, 1, 1)
    rows: list[dict[str, Any]] = []
    for k in range(40):  # the home's usual deaths, reported by day
        rows.append({"p": f"n{k % 4}", "t": day + timedelta(days=k, hours=10)})
    for k in range(4):  # one nurse's deaths reported at 3 am
        rows.append({"p": "x", "t": day + timedelta(days=k, hours=3)})
    rows.append({"p": "x", "t": day + timedelta(days=9)})  # midnight exactly: no time
    deaths = pl.DataFrame(
        {
            "death_id": [f"D{i}" for i in range(len(rows))],
            "reported_at": [r["t"] for r in rows],
            "institution_id": ["C"] * len(rows),
            "practitioner_id": [r["p"] for r in rows],
        }
    )
    table = {r["practitioner_id"]: r for r in night_profile(deaths).to_dicts()}
    x = table["x"]
    assert x["deaths"] == 4 and x["at_night"] == 4 and x["others"] == 40
    assert x["norm"] == pytest.approx(0.5 / 41)
    assert x["p_value"] == pytest.approx(x["norm"] ** 4)
    assert x["q_value"] < 0.01
    assert x["night_death_ids"] == ["D40", "D41", "D42", "D43"]
    assert table["n0"]["p_value"] == 1.0
