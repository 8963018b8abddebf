"""Hotspots: Gi* (against esda and brute force), lattice, density, the scenario."""

from __future__ import annotations

import itertools
import json
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import esda  # type: ignore[import-untyped]
import libpysal  # type: ignore[import-untyped]
import numpy as np
import polars as pl
import pytest
import shapely
from scipy import sparse  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine

from harmwatch.analysis.data import Period
from harmwatch.analysis.gistar import gi_star
from harmwatch.analysis.hotspots import analyse_hotspots
from harmwatch.analysis.hotspots_grid import lattice_over
from harmwatch.analysis.kde import kernel_density, silverman_bandwidth
from harmwatch.store.database import open_store

SIDE = 30


def queen(side: int) -> Any:
    return libpysal.weights.lat2W(side, side, rook=False).sparse


# --- Gi* ------------------------------------------------------------------


def test_z_equals_esda_gi_star() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(1.5, SIDE * SIDE)
    w = libpysal.weights.lat2W(SIDE, SIDE, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = esda.G_Local(
            y.astype(float), w, transform="B", star=True, permutations=0, n_jobs=1
        )
    ours = gi_star(y, w.sparse, inference="exact")
    np.testing.assert_allclose(ours.z, reference.Zs, atol=1e-12)
    np.testing.assert_array_equal(ours.local_sum, np.rint(w.sparse @ y + y).astype(int))


def test_exact_p_values_equal_brute_force_enumeration() -> None:
    y = np.array([0, 0, 1, 0, 3, 1, 0, 5])
    adjacency = sparse.csr_array(np.eye(8, k=1) + np.eye(8, k=-1))
    result = gi_star(y, adjacency, inference="exact")
    for unit in range(8):
        k = int(result.cardinality[unit])
        sums = np.array([y[list(c)].sum() for c in itertools.combinations(range(8), k)])
        high = (sums >= result.local_sum[unit]).mean()
        low = (sums <= result.local_sum[unit]).mean()
        assert result.p_value[unit] == pytest.approx(min(1.0, 2 * min(high, low)))


def test_permutation_p_values_agree_with_exact() -> None:
    rng = np.random.default_rng(2)
    y = rng.poisson(0.8, SIDE * SIDE)
    y[[100, 101, 130, 131]] += 4
    exact = gi_star(y, queen(SIDE), inference="exact")
    simulated = gi_star(y, queen(SIDE), permutations=20_000, seed=3)
    assert np.abs(exact.p_value - simulated.p_value).max() < 0.02
    assert simulated.p_value.min() >= 2 / 20_001


def test_permutations_are_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(4)
    y = rng.poisson(2.0, SIDE * SIDE)
    first = gi_star(y, queen(SIDE), permutations=999, seed=7)
    again = gi_star(y, queen(SIDE), permutations=999, seed=7)
    other = gi_star(y, queen(SIDE), permutations=999, seed=8)
    np.testing.assert_array_equal(first.p_value, again.p_value)
    assert not np.array_equal(first.p_value, other.p_value)
    state = np.random.get_state()[1].copy()  # type: ignore[index]
    gi_star(y, queen(SIDE), permutations=99, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # type: ignore[index]


def test_all_equal_counts_give_no_hotspot() -> None:
    result = gi_star(np.full(25, 3), queen(5), inference="exact")
    assert not result.hot.any() and not result.cold.any()
    assert (result.z == 0).all()


# --- lattice and density ----------------------------------------------------


def test_lattice_neighbours_equal_libpysal_queen() -> None:
    lattice = lattice_over([shapely.box(0, 0, 700, 500)], 100.0)
    assert (lattice.nrows, lattice.ncols, len(lattice)) == (5, 7, 35)
    expected = libpysal.weights.lat2W(5, 7, rook=False).sparse.toarray()
    np.testing.assert_array_equal(lattice.neighbours().toarray(), expected)


def test_lattice_keeps_cells_in_the_region_only() -> None:
    # An L shape; cells only touching it along an edge are not kept.
    region = shapely.union(shapely.box(0, 0, 300, 100), shapely.box(0, 0, 100, 300))
    lattice = lattice_over([region], 100.0)
    assert len(lattice) == 5
    position = lattice.locate([50.0, 250.0, 250.0, np.nan], [250.0, 250.0, 50.0, 50.0])
    assert position[0] >= 0 and position[1] == -1 and position[2] >= 0 and position[3] == -1
    assert lattice.neighbours().sum() == 2 * 4 + 2  # path of 5 + the corner's diagonals
    assert lattice_over([], 100.0).cells.size == 0


def test_density_integrates_to_the_number_of_events() -> None:
    lattice = lattice_over([shapely.box(0, 0, 2000, 2000)], 20.0)
    x = np.array([1000.0, 1010.0, 700.0, np.nan])
    y = np.array([1000.0, 990.0, 1300.0, 5.0])
    surface = kernel_density(x, y, lattice, bandwidth=150.0)
    cell_km2 = (20 / 1000) ** 2
    assert float(np.nansum(surface.density)) * cell_km2 == pytest.approx(3.0, rel=0.01)
    assert surface.n_events == 3
    assert surface.density.shape == (100, 100)
    assert surface.extent == (0.0, 0.0, 2000.0, 2000.0)
    # Row 0 is the south: the event at northing 1300 raises row 65, not row 34.
    assert surface.density[65, 35] > surface.density[34, 35]


def test_density_peak_and_outside_cells() -> None:
    region = shapely.box(0, 0, 500, 100)
    lattice = lattice_over([region, shapely.box(0, 400, 100, 500)], 100.0)
    surface = kernel_density([50.0], [50.0], lattice, bandwidth=200.0)
    assert surface.density[0, 0] == pytest.approx(3 / (np.pi * 200.0**2) * 1e6)
    assert np.isnan(surface.density[2, 2])  # not in the region
    assert surface.density[0, 4] == 0.0  # beyond the bandwidth
    json.dumps(surface.to_json())


def test_silverman_bandwidth() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1000, 500), rng.normal(0, 1000, 500)
    h = silverman_bandwidth(x, y)
    assert 200 < h < 700
    assert np.isnan(silverman_bandwidth([1.0], [1.0]))
    assert np.isnan(silverman_bandwidth([1.0, 1.0], [2.0, 2.0]))


# --- the scenario -------------------------------------------------------------


def test_near_repeat_cluster_is_a_grid_hotspot(
    scenario_store: Engine, scenario_truth: dict[str, Any]
) -> None:
    cluster = scenario_truth["patterns"]["near_repeat_cluster"]
    cx, cy = cluster["centre"]
    window = Period(
        date.fromisoformat(cluster["start"]),
        date.fromisoformat(cluster["end"]) + timedelta(days=1),
    )
    result = analyse_hotspots(scenario_store, window, offence_groups=("gbh", "abh"))
    assert result.available
    hot = result.grid_hotspots.filter(hotspot="hot")
    distance = np.hypot(hot["easting"].to_numpy() - cx, hot["northing"].to_numpy() - cy)
    # The centre lies in a hot cell or in one next to it (cells of 250 m).
    assert distance.size and distance.min() <= 250
    assert any("too few" in w for w in result.warnings)  # ~30 events in two weeks
    cluster_ids = set(cluster["occurrence_ids"])
    near = hot.filter(pl.Series(distance <= 250))
    assert cluster_ids & set(itertools.chain.from_iterable(near["occurrence_ids"].to_list()))


def test_night_time_economy_areas_are_the_violence_hotspots(
    scenario_store: Engine, scenario_truth: dict[str, Any]
) -> None:
    nte = set(scenario_truth["areas"]["night_time_economy"])
    period = Period(date(2023, 1, 1), date(2025, 1, 1))
    result = analyse_hotspots(scenario_store, period, previous=None)
    hot = set(result.hotspots.filter(hotspot="hot")["area_code"])
    cold = set(result.hotspots.filter(hotspot="cold")["area_code"])
    assert hot & nte, "no night-time economy area is a violence hotspot"
    assert not cold & nte
    # Every hot area is a night-time economy area or borders one.
    codes, geometries = _scenario_areas(scenario_store)
    shapes = dict(zip(codes, geometries, strict=True))
    for code in hot - nte:
        assert any(shapely.intersects(shapes[code], shapes[n]) for n in nte), code
    assert result.hotspots["area_code"][0] in nte  # the hottest
    z = dict(zip(result.areas["area_code"], result.areas["gi_z"], strict=True))
    assert np.mean([z[c] for c in nte]) > np.mean([v for c, v in z.items() if c not in nte])


def test_scenario_result_is_traceable_and_serialisable(scenario_store: Engine) -> None:
    result = analyse_hotspots(scenario_store, Period(date(2024, 1, 1), date(2025, 1, 1)))
    figures = json.loads(json.dumps(result.to_json()))
    assert figures["available"] and figures["hotspots"]
    for record in figures["hotspots"]:
        assert {"area_code", "count", "gi_z", "p_value", "p_adjusted"} <= record.keys()
        assert len(record["occurrence_ids"]) == record["count"]
        assert record["p_adjusted"] <= 0.05
    assert (
        result.areas["count"].sum()
        + sum(int(w.split(" of ")[0]) for w in result.warnings if "no loaded small area" in w)
        == result.n_events
    )
    # Trends follow the rule from each period's own analysis.
    before = analyse_hotspots(
        scenario_store, Period(date(2023, 1, 1), date(2024, 1, 1)), previous=None, seed=1
    )
    assert result.trends is not None
    hot_now = set(result.hotspots.filter(hotspot="hot")["area_code"])
    hot_then = set(before.hotspots.filter(hotspot="hot")["area_code"])
    area_trends = result.trends.filter(unit="area")
    assert set(area_trends.filter(trend="persistent")["id"]) == hot_now & hot_then
    assert set(area_trends.filter(trend="emerging")["id"]) == hot_now - hot_then
    assert set(area_trends.filter(trend="fading")["id"]) == hot_then - hot_now
    assert result.density is not None and np.nanmax(result.density.density) > 0
    assert figures["density"]["bandwidth_m"] == 400.0


def test_store_without_areas_is_unavailable(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        result = analyse_hotspots(engine, Period(date(2024, 1, 1), date(2025, 1, 1)))
    finally:
        engine.dispose()
    assert not result.available
    assert result.reason and "areas" in result.reason
    figures = result.to_json()
    assert figures["hotspots"] == [] and figures["available"] is False


def _scenario_areas(engine: Engine) -> tuple[list[str], list[Any]]:
    from harmwatch.analysis.hotspots import _read_areas

    codes, geometries, _ = _read_areas(engine)
    return codes, geometries
