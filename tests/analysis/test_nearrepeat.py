"""The Knox near-repeat test: pointpats agreement, boundaries, table, p-values, scenario."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine, text

from harmwatch.analysis.data import Period
from harmwatch.analysis.nearrepeat import NearRepeatResult, knox_test, near_repeat
from harmwatch.cli.main import main
from harmwatch.errors import HarmWatchError
from harmwatch.store.database import open_store

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@pytest.fixture(scope="module")
def pointpats() -> Any:
    """``pointpats.spacetime`` (a dev dependency; slow to import, so only when needed)."""
    return pytest.importorskip("pointpats.spacetime")


def events(seed: int, n: int, *, grid: bool, whole_days: bool) -> tuple[FloatArray, FloatArray]:
    """Random events; on an integer grid and in whole days there are many ties
    at the thresholds (3-4-5 triangles, equal gaps, repeated points)."""
    rng = np.random.default_rng(seed)
    if grid:
        xy = rng.integers(0, 60, (n, 2)).astype(np.float64) * 5.0
    else:
        xy = rng.uniform(0, 3000, (n, 2))
    t = rng.integers(0, 200, n).astype(np.float64)
    if not whole_days:
        t = t + rng.integers(0, 24 * 60, n) / (24 * 60)
    return xy, t


def our_pairs(result: NearRepeatResult) -> set[tuple[int, int]]:
    pairs = result.close_pairs.select("event_a", "event_b").rows()
    return {(min(int(a), int(b)), max(int(a), int(b))) for a, b in pairs}


# --------------------------------------------------------------------------
# Agreement with pointpats


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("grid", [True, False])
@pytest.mark.parametrize("whole_days", [True, False])
def test_pair_count_equals_pointpats(
    pointpats: Any, seed: int, grid: bool, whole_days: bool
) -> None:
    xy, t = events(seed, 500, grid=grid, whole_days=whole_days)
    for delta, tau in [(25.0, 7.0), (50.0, 14.0), (100.0, 3.5), (0.0, 0.0), (5.0, 1.0)]:
        ours = knox_test(xy, t, distance=delta, days=tau, permutations=1, seed=seed)
        # What pointpats.spacetime.Knox reports as ``nst`` / ``statistic_``, and its pairs.
        theirs = pointpats._knox(xy, t.reshape(-1, 1), delta, tau, permutations=0)
        assert ours.pairs == int(theirs["nst"]), (delta, tau)
        assert our_pairs(ours) == {(int(a), int(b)) for a, b in theirs["st_pairs"]}


def test_ties_at_both_thresholds_are_counted(pointpats: Any) -> None:
    # a-b: exactly 100 m (a 60-80-100 triangle) and exactly 7 days apart: close.
    # a-c: 100 m but 7 days and a minute; a-d: 100.01 m, half a day: not close.
    # b-c (63 m, a minute) and b-d (89 m, 6.5 days): close; c-d: 141 m.
    xy = np.array([[0.0, 0.0], [60.0, 80.0], [0.0, 100.0], [100.01, 0.0]])
    t = np.array([0.0, 7.0, 7.0 + 1 / 1440, 0.5])
    result = knox_test(xy, t, distance=100, days=7, permutations=9, seed=0, ids="abcd")
    theirs = pointpats.Knox(xy, t.reshape(-1, 1), delta=100, tau=7, permutations=0)
    assert result.pairs == theirs.nst == 3
    found = {frozenset(p) for p in result.close_pairs.select("event_a", "event_b").rows()}
    assert found == {frozenset("ab"), frozenset("bc"), frozenset("bd")}
    # The earlier event of a pair comes first.
    assert ("d", "b") in result.close_pairs.select("event_a", "event_b").rows()


def test_distance_zero_and_same_time_bands() -> None:
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [50.0, 0.0]])
    t = np.array([1.0, 1.0, 3.0, 1.0])
    result = knox_test(
        xy, t, distance=0, days=0, distance_bands=[0, 100], time_bands=[0, 7], permutations=9
    )
    assert result.pairs == 1  # the two events at the same place and time
    cells = {(r["distance_band"], r["time_band"]): r["observed"] for r in result.table.to_dicts()}
    assert cells[("same location", "same time")] == 1
    assert cells[("same location", ">0-7 days")] == 2
    assert cells[(">0-100 m", "same time")] == 2
    assert cells[(">0-100 m", ">0-7 days")] == 1
    assert sum(cells.values()) == 6


# --------------------------------------------------------------------------
# The table


@pytest.mark.parametrize("whole_days", [True, False])
def test_table_sums_and_invariants(whole_days: bool) -> None:
    xy, t = events(7, 400, grid=whole_days, whole_days=whole_days)
    result = knox_test(
        xy,
        t,
        distance=200,
        days=14,
        distance_bands=[100, 200, 400],
        time_bands=[7, 14, 30],
        permutations=49,
        seed=3,
    )
    table = result.table
    n_pairs = 400 * 399 // 2
    assert table.height == 4 * 4
    assert table["observed"].sum() == n_pairs
    assert table["expected"].sum() == pytest.approx(n_pairs)
    # Shuffling times keeps each distance band's and each time band's total.
    for key in ("distance_band", "time_band"):
        sums = table.group_by(key).agg(pl.col("observed").sum(), pl.col("expected").sum())
        assert sums["observed"].to_numpy() == pytest.approx(sums["expected"].to_numpy())
    # The headline is the sum of the cells inside its thresholds.
    inside = table.filter((pl.col("distance_to") <= 200) & (pl.col("days_to") <= 14))
    assert inside["observed"].sum() == result.pairs
    assert inside["expected"].sum() == pytest.approx(result.expected)
    # Brute force over all pairs for one cell and the "more than" corner.
    i, j = np.triu_indices(400, 1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    gap = np.abs(t[i] - t[j])
    cell = table.row(by_predicate=(pl.col("distance_to") == 200) & (pl.col("days_to") == 14))
    assert cell[table.columns.index("observed")] == np.sum(
        (d > 100) & (d <= 200) & (gap > 7) & (gap <= 14)
    )
    corner = table.filter(pl.col("distance_to").is_null() & pl.col("days_to").is_null())
    assert corner["observed"][0] == np.sum((d > 400) & (gap > 30))


def test_p_values_and_expected_follow_the_permutations() -> None:
    xy, t = events(11, 300, grid=False, whole_days=True)
    result = knox_test(xy, t, distance=150, days=10, permutations=99, seed=5)
    sim = result.simulated
    assert sim.shape == (99,)
    assert result.expected == pytest.approx(sim.mean())
    assert result.p_value == pytest.approx((1 + np.sum(sim >= result.pairs)) / 100)
    p = result.table["p_value"].to_numpy()
    assert p.min() >= 1 / 100 and p.max() <= 1.0


def test_same_seed_same_result_other_seed_other_draws() -> None:
    xy, t = events(2, 300, grid=True, whole_days=True)
    a = knox_test(xy, t, distance=30, days=7, permutations=49, seed=42)
    b = knox_test(xy, t, distance=30, days=7, permutations=49, seed=42)
    c = knox_test(xy, t, distance=30, days=7, permutations=49, seed=43)
    assert a.to_json() == b.to_json()
    assert np.array_equal(a.simulated, b.simulated)
    assert not np.array_equal(a.simulated, c.simulated)
    assert a.pairs == c.pairs


# --------------------------------------------------------------------------
# Inference


def test_clustered_events_give_a_small_p_value() -> None:
    rng = np.random.default_rng(0)
    background_xy = rng.uniform(0, 5000, (300, 2))
    background_t = rng.uniform(0, 365, 300)
    # Ten bursts: each a seed event followed by four neighbours within 100 m and 7 days.
    seeds = rng.integers(0, 300, 10)
    burst_xy = np.repeat(background_xy[seeds], 4, axis=0) + rng.uniform(-60, 60, (40, 2))
    burst_t = np.repeat(background_t[seeds], 4) + rng.uniform(0, 7, 40)
    xy = np.vstack([background_xy, burst_xy])
    t = np.concatenate([background_t, burst_t])
    result = knox_test(xy, t, distance=100, days=7, permutations=199, seed=1)
    assert result.p_value == pytest.approx(1 / 200)
    assert result.ratio is not None and result.ratio > 3
    first = result.table.row(0, named=True)
    assert first["significant"] and first["ratio"] > 3
    assert not any("too few" in w for w in result.warnings)


def test_independent_space_and_time_give_uniform_p_values() -> None:
    p_values = []
    for seed in range(60):
        rng = np.random.default_rng(1000 + seed)
        xy = rng.uniform(0, 5000, (300, 2))
        t = rng.uniform(0, 365, 300)
        result = knox_test(
            xy, t, distance=300, days=30, distance_bands=[300], time_bands=[30],
            permutations=99, seed=seed,
        )  # fmt: skip
        assert result.p_value is not None
        p_values.append(result.p_value)
    p = np.array(p_values)
    assert 0.35 < p.mean() < 0.65
    assert np.mean(p < 0.05) <= 0.12
    assert stats.kstest(p, "uniform").pvalue > 0.01


# --------------------------------------------------------------------------
# Edge cases and warnings


def test_too_few_events_is_not_available() -> None:
    result = knox_test(np.array([[0.0, 0.0]]), np.array([1.0]), distance=100, days=7)
    assert not result.available
    assert result.reason and "at least two" in result.reason
    assert result.p_value is None and result.expected is None
    payload = result.to_json()
    assert payload["pairs"] == 0 and payload["available"] is False


def test_few_events_and_few_pairs_warn() -> None:
    xy, t = events(3, 20, grid=False, whole_days=True)
    result = knox_test(xy, t, distance=50, days=3, permutations=19, seed=0)
    text_ = " ".join(result.warnings)
    assert "only 20 events" in text_
    assert "pairs within 50 m and 3 days" in text_
    assert "19 permutations" in text_


@pytest.mark.parametrize(
    "kwargs",
    [
        {"distance": -1},
        {"days": float("nan")},
        {"distance_bands": [200, 100]},
        {"time_bands": []},
        {"permutations": 0},
    ],
)
def test_bad_parameters_are_user_errors(kwargs: dict[str, Any]) -> None:
    xy, t = events(0, 10, grid=True, whole_days=True)
    arguments: dict[str, Any] = {"distance": 100, "days": 7, **kwargs}
    with pytest.raises(HarmWatchError):
        knox_test(xy, t, **arguments)


# --------------------------------------------------------------------------
# Speed (a small version of benchmarks/near_repeat.py)


def test_faster_than_pointpats(pointpats: Any) -> None:
    # The same work as pointpats (one 2 x 2 table: bands = thresholds); ours
    # best of three, so that a busy machine does not decide the outcome.
    rng = np.random.default_rng(0)
    n = 4000
    xy = rng.uniform(0, 12000, (n, 2))
    t = rng.uniform(0, 730, n)
    start = time.perf_counter()
    theirs = pointpats.Knox(xy, t.reshape(-1, 1), delta=200, tau=14, permutations=19)
    their_time = time.perf_counter() - start
    our_times = []
    for _ in range(3):
        start = time.perf_counter()
        ours = knox_test(
            xy, t, distance=200, days=14, distance_bands=[200], time_bands=[14],
            permutations=19, seed=0,
        )  # fmt: skip
        our_times.append(time.perf_counter() - start)
    assert ours.pairs == theirs.nst
    assert their_time / min(our_times) >= 10, (their_time, our_times)


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
