"""Near repeats from the store: selection of events, planted cluster of the scenario."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine, text

from harmwatch.analysis.data import Period
from harmwatch.analysis.nearrepeat import NearRepeatResult, knox_test, near_repeat
from harmwatch.cli.main import main
from harmwatch.errors import HarmWatchError
from harmwatch.store.database import open_store

# --------------------------------------------------------------------------
# From the store


OCCURRENCES = """\
occurrence_id,kind,offence_group,occurred_from,easting,northing
A1,crime,gbh,2024-03-01 22:00,430000,433000
A2,crime,abh,2024-03-03 23:30,430050,433000
A3,crime,abh,2024-03-03,430000,433080
A4,crime,gbh,2024-05-01 12:00,,
A5,crime,robbery,2024-03-02 10:00,430010,433000
A6,crime,abh,2024-03-04 01:00,430020,433000
A7,crime,gbh,2023-12-31 23:00,430000,433000
"""


def load(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Engine:
    path = tmp_path / "occ.csv"
    path.write_text(OCCURRENCES, encoding="utf-8")
    assert main(["ingest", "police_occurrences", str(path), "--db", store_url]) == 0
    capsys.readouterr()
    engine = open_store(store_url)
    with engine.begin() as connection:  # A6 dated to the month only
        connection.execute(
            text(
                "UPDATE police_occurrences SET date_precision = 'month' WHERE occurrence_id = 'A6'"
            )
        )
    return engine


def test_store_events_located_precise_in_period(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = load(store_url, tmp_path, capsys)
    try:
        result = near_repeat(
            engine,
            groups=["gbh", "ABH"],
            period=Period(date(2024, 1, 1), date(2025, 1, 1)),
            distance=60,
            days=2,
            distance_bands=[60, 100],
            time_bands=[2],
            permutations=19,
            seed=0,
        )
    finally:
        engine.dispose()
    # A1, A2, A3 (A4 unlocated, A5 robbery, A6 month only, A7 in 2023).
    assert result.n_events == 3
    assert result.excluded == {"unlocated": 1, "imprecise_date": 1}
    assert result.groups == ("gbh", "abh")
    # A1-A2: 50 m, 2 days 1.5 h; A1-A3: 80 m; A2-A3: 94 m, 23.5 h apart (A3 at midnight).
    assert result.pairs == 0
    cells = {(r["distance_band"], r["time_band"]): r["observed"] for r in result.table.to_dicts()}
    assert cells[("0-60 m", "more than 2 days")] == 1
    assert cells[(">60-100 m", "0-2 days")] == 2
    payload = result.to_json()
    assert payload["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert any("without a location" in w for w in payload["warnings"])
    assert any("month or year" in w for w in payload["warnings"])


def test_unknown_group_is_a_user_error(scenario_store: Engine) -> None:
    with pytest.raises(HarmWatchError, match="unknown offence group"):
        near_repeat(scenario_store, groups=["gbh", "stabbing"], permutations=9)


# --------------------------------------------------------------------------
# Against the scenario's planted cluster


@pytest.fixture(scope="module")
def cluster(scenario_truth: dict[str, Any]) -> dict[str, Any]:
    planted: dict[str, Any] = scenario_truth["patterns"]["near_repeat_cluster"]
    return planted


@pytest.fixture(scope="module")
def cluster_year_result(scenario_store: Engine, cluster: dict[str, Any]) -> NearRepeatResult:
    year = date.fromisoformat(cluster["start"]).year
    return near_repeat(
        scenario_store,
        groups=("gbh", "abh"),
        period=Period(date(year, 1, 1), date(year + 1, 1, 1)),
        distance=cluster["radius_m"],
        days=cluster["window_days"],
        permutations=999,
        seed=1,
    )


def test_planted_pairs_are_among_the_close_pairs(
    cluster_year_result: NearRepeatResult, scenario_store: Engine, cluster: dict[str, Any]
) -> None:
    ids = cluster["occurrence_ids"]
    from harmwatch.analysis.data import read_kind

    planted = read_kind(
        scenario_store, "police_occurrences", columns=["occurrence_id", "easting", "northing"]
    ).filter(pl.col("occurrence_id").is_in(ids))
    xy = planted.select("easting", "northing").to_numpy()
    spread = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    close_in_space = {
        (a, b)
        for k, a in enumerate(planted["occurrence_id"])
        for m, b in enumerate(planted["occurrence_id"])
        if k < m and spread[k, m] <= cluster["radius_m"]
    }
    assert len(close_in_space) >= 5
    found = {
        tuple(sorted(p))
        for p in cluster_year_result.close_pairs.select("event_a", "event_b").rows()
    }
    assert {tuple(sorted(p)) for p in close_in_space} <= found


def test_planted_cluster_gives_a_significant_excess_in_the_first_cells(
    cluster_year_result: NearRepeatResult,
) -> None:
    result = cluster_year_result
    assert result.available and result.n_events >= 100
    near = result.table.filter((pl.col("distance_to") <= 200) & (pl.col("days_to") <= 7))
    assert near["observed"].sum() > 1.5 * float(near["expected"].sum())
    assert near["significant"].any()
    first = result.table.row(0, named=True)
    assert first["significant"] and first["p_value"] < 0.05
    assert result.ratio is not None and result.ratio > 1


def test_without_the_planted_cluster_the_first_cell_weakens(
    scenario_store: Engine, cluster: dict[str, Any], cluster_year_result: NearRepeatResult
) -> None:
    # The same events less the planted ones: the excess in the first cells falls.
    from harmwatch.analysis.data import read_kind

    year = date.fromisoformat(cluster["start"]).year
    frame = (
        read_kind(scenario_store, "police_occurrences")
        .filter(
            pl.col("offence_group").is_in(["gbh", "abh"])
            & (pl.col("occurred_from").dt.year() == year)
            & pl.col("easting").is_not_null()
            & ~pl.col("occurrence_id").is_in(cluster["occurrence_ids"])
        )
        .sort("occurred_from", "occurrence_id")
    )
    t0 = frame["occurred_from"].min()
    t = (frame["occurred_from"] - t0).dt.total_microseconds().to_numpy() / 86_400e6
    without = knox_test(
        frame.select("easting", "northing").to_numpy(), t, distance=200, days=14,
        permutations=999, seed=1,
    )  # fmt: skip
    assert without.n_events == cluster_year_result.n_events - len(cluster["occurrence_ids"])
    assert without.pairs < cluster_year_result.pairs
    assert without.p_value is not None and cluster_year_result.p_value is not None
    assert without.p_value > cluster_year_result.p_value
