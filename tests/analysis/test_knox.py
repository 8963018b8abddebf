"""The Knox test on arrays: pointpats agreement, boundaries, table, p-values, speed."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.knox import knox_test
from harmwatch.analysis.nearrepeat_result import NearRepeatResult
from harmwatch.errors import HarmWatchError

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
