"""Gi* hotspots of areas and grid cells on synthetic data (planted clusters, nulls), and trends."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
import shapely

from harmwatch.analysis.hotspots_grid import lattice_over
from harmwatch.analysis.hotspots_units import area_hotspots, grid_hotspots, hotspot_trends

SIDE = 30


def uniform_events(seed: int, n: int, side: int = SIDE, cell: float = 100.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side * cell, (n, 2))
    return pl.DataFrame(
        {"occurrence_id": [f"U{i}" for i in range(n)], "easting": xy[:, 0], "northing": xy[:, 1]}
    )


def planted_events(seed: int) -> tuple[pl.DataFrame, tuple[float, float]]:
    """300 events spread over a 3 km square and 25 within 80 m of (1200, 2000)."""
    background = uniform_events(seed, 300)
    rng = np.random.default_rng(seed + 100)
    angle, radius = rng.uniform(0, 2 * np.pi, 25), 80 * np.sqrt(rng.uniform(0, 1, 25))
    cluster = pl.DataFrame(
        {
            "occurrence_id": [f"C{i}" for i in range(25)],
            "easting": 1200 + radius * np.cos(angle),
            "northing": 2000 + radius * np.sin(angle),
        }
    )
    return pl.concat([background, cluster]), (1200.0, 2000.0)


# --- grid hotspots on synthetic data ---------------------------------------


def test_planted_cluster_is_recovered() -> None:
    lattice = lattice_over([shapely.box(0, 0, SIDE * 100, SIDE * 100)], 100.0)
    events, (cx, cy) = planted_events(0)
    cells = grid_hotspots(lattice, events)
    hot = cells.filter(hotspot="hot")
    assert hot.height >= 1
    distance = np.hypot(hot["easting"].to_numpy() - cx, hot["northing"].to_numpy() - cy)
    assert distance.min() < 100
    assert distance.max() < 250  # nothing hot away from the cluster
    # The hot cells' own events are the planted ones (plus any background there).
    ids = set(itertools.chain.from_iterable(hot["occurrence_ids"].to_list()))
    assert len({i for i in ids if i.startswith("C")}) >= 20
    assert int(cells["count"].sum()) == events.height


@pytest.mark.parametrize("inference", ["exact", "permutation"])
def test_null_pattern_has_no_false_positives_beyond_fdr(inference: str) -> None:
    lattice = lattice_over([shapely.box(0, 0, SIDE * 100, SIDE * 100)], 100.0)
    seeds = range(10)
    found = []
    for seed in seeds:
        for n in (60, 600, 3000):  # sparse to dense cells
            cells = grid_hotspots(
                lattice,
                uniform_events(seed, n),
                inference=inference,  # type: ignore[arg-type]
                permutations=9999,
                seed=seed,
            )
            found.append(cells.filter(pl.col("hotspot").is_not_null()).height)
    # Under a complete null BH makes any discovery with probability <= alpha.
    assert sum(f > 0 for f in found) <= 3  # of 30 patterns; expected <= 1.5
    assert sum(found) <= 6


def test_area_hotspots_find_a_hot_block_and_are_reproducible() -> None:
    # 6 x 6 square "areas"; a block of four in one corner has many events.
    corners = [(c * 500, r * 500) for r in range(6) for c in range(6)]
    boxes = [shapely.box(x, y, x + 500, y + 500) for x, y in corners]
    codes = [f"A{i:02d}" for i in range(36)]
    rng = np.random.default_rng(5)
    counts = rng.poisson(5, 36)
    for i in (0, 1, 6, 7):
        counts[i] += 25
    area_of = np.repeat(codes, counts)
    events = pl.DataFrame(
        {"occurrence_id": [f"E{i}" for i in range(area_of.size)], "area_code": area_of}
    )
    table, notes = area_hotspots(codes, boxes, events, permutations=9999, seed=1)
    again, _ = area_hotspots(codes, boxes, events, permutations=9999, seed=1)
    assert table.equals(again)
    assert set(table.filter(hotspot="hot")["area_code"]) <= {
        "A00",
        "A01",
        "A06",
        "A07",
        "A02",
        "A12",
    }
    assert {"A00", "A01", "A06", "A07"} & set(table.filter(hotspot="hot")["area_code"])
    assert table["count"].to_list() == counts.tolist()
    assert table.filter(area_code="A00")["occurrence_ids"].item().len() == counts[0]
    assert notes == []


def test_islands_are_reported() -> None:
    boxes = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(9, 9, 10, 10)]
    events = pl.DataFrame({"occurrence_id": ["a"], "area_code": ["X"]})
    _, notes = area_hotspots(["X", "Y", "Z"], boxes, events, permutations=99)
    assert any("Z" in n and "share no boundary" in n for n in notes)


# --- trends -----------------------------------------------------------------


def test_trend_rule() -> None:
    now = pl.DataFrame({"area_code": ["A", "B", "C", "D"], "hotspot": ["hot", "hot", None, "cold"]})
    before = pl.DataFrame({"area_code": ["A", "C", "D"], "hotspot": ["hot", "hot", "hot"]})
    trends = hotspot_trends(now, before, "area_code", "area")
    assert dict(zip(trends["id"], trends["trend"], strict=True)) == {
        "A": "persistent",
        "B": "emerging",
        "C": "fading",
        "D": "fading",
    }
