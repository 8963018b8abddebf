"""Hotspots: Getis-Ord Gi* on small areas and on a grid, a density surface, and trends.

What it does
------------
1. **Small areas.** Counts of the selected offence groups per ``area_code`` in
   the period; Gi* (:mod:`harmwatch.analysis.gistar`) with binary queen
   contiguity between the area polygons (``libpysal.weights.Queen``), the
   area itself included (Gi*, star); two-sided pseudo p-values by random
   permutation (default 99,999 draws, seeded; see
   :mod:`harmwatch.analysis.gistar` for the null), adjusted over all areas
   by Benjamini–Hochberg. So many draws because the smallest attainable
   p-value is ``2 / (permutations + 1)``: with 999 it is 0.002, which cannot
   pass the adjustment over ~300 areas (0.05 / 300 = 0.00017) unless a dozen
   areas all sit at that floor. 99,999 draws take a quarter of a second.
2. **Grid.** Located events counted in square cells (default 250 m) of a
   grid over the areas, keeping only cells that intersect an area; Gi* with
   queen contiguity on the lattice. The p-values are computed *exactly*
   under the same randomisation null, because thousands of cells need
   p-values far below any permutation floor (0.05 / 14,000 = 3.6e-6), and
   because the normal approximation of the z-score is badly anti-conservative
   for sparse cell counts (on 20 random patterns of a 40 x 40 grid it flagged
   817 cells at 0.03 events per cell, 46 at 0.3; the exact test 0 and 0).
3. **Density.** A quartic kernel density surface (:mod:`harmwatch.analysis.kde`).
4. **Trends.** The same analysis on the previous period (by default the
   period of the same length just before). Rule, for areas and for cells:
   *persistent* = a significant hot spot in both periods, *emerging* = in
   this period only, *fading* = in the previous period only. Each period is
   tested and adjusted on its own; "fading" means no longer *significantly*
   hot, not necessarily back to ordinary levels.

A hotspot's ``occurrence_ids`` are the events in that area (or cell) itself;
its neighbours' events contribute to ``neighbourhood_count`` and to the z.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
of distance statistics. *Geographical Analysis* 24(3), 189-206.

Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. *Geographical Analysis* 27(4),
286-306.

Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
*Journal of the Royal Statistical Society B* 57(1), 289-300.

Chainey, S. (2014). *Examining the extent to which hotspot analysis can
support spatial predictions of crime*. PhD thesis, University College London
(Gi* on grids for crime hotspots; persistent and emerging hotspots).

This module reads the store and runs the analysis; the Gi* of areas and cells
and the trend rule are in :mod:`.hotspots_units`, the result in
:mod:`.hotspots_result` (both re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
import shapely
from sqlalchemy import Engine, and_

from harmwatch.analysis.data import Period, in_period, read_kind
from harmwatch.analysis.gistar import Inference
from harmwatch.analysis.hotspots_grid import lattice_over
from harmwatch.analysis.hotspots_result import VIOLENCE_WITH_INJURY, HotspotResult, significant
from harmwatch.analysis.hotspots_units import area_hotspots, grid_hotspots, hotspot_trends
from harmwatch.analysis.kde import DEFAULT_BANDWIDTH, kernel_density
from harmwatch.analysis.kde import silverman_bandwidth as _silverman
from harmwatch.analysis.smallnumbers import SMALL_COUNT
from harmwatch.store.schema import kind_tables

__all__ = [
    "MIN_EVENTS",
    "VIOLENCE_WITH_INJURY",
    "HotspotResult",
    "analyse_hotspots",
    "area_hotspots",
    "grid_hotspots",
    "hotspot_trends",
]

#: Fewer located events than this and the hotspot maps carry a warning.
MIN_EVENTS = 30
#: Default cell sizes (metres) of the Gi* grid and of the density surface.
DEFAULT_CELL_SIZE = 250.0
DEFAULT_DENSITY_CELL_SIZE = 100.0
_EVENT_COLUMNS = ["occurrence_id", "offence_group", "easting", "northing", "area_code"]


def _read_areas(engine: Engine) -> tuple[list[str], list[object], int]:
    """Codes and polygons of the areas with usable geometry, and how many had none."""
    areas = read_kind(engine, "areas", columns=["area_code", "geometry"])
    areas = areas.sort("area_code").unique("area_code", keep="first", maintain_order=True)
    texts = np.array(areas["geometry"].to_list(), dtype=object)
    geometries = shapely.from_geojson(texts, on_invalid="ignore") if texts.size else texts
    usable = shapely.is_geometry(geometries)
    usable[usable] = ~shapely.is_empty(geometries[usable])
    codes = [str(c) for c in areas["area_code"].to_numpy()[usable]]
    return codes, list(geometries[usable]), int((~usable).sum())


def _read_events(engine: Engine, period: Period, groups: Sequence[str]) -> pl.DataFrame:
    table = kind_tables["police_occurrences"]
    where = and_(in_period("police_occurrences", period), table.c.offence_group.in_(groups))
    return read_kind(engine, "police_occurrences", columns=_EVENT_COLUMNS, where=where)


def analyse_hotspots(
    engine: Engine,
    period: Period,
    *,
    offence_groups: Sequence[str] = VIOLENCE_WITH_INJURY,
    previous: Period | Literal["auto"] | None = "auto",
    cell_size: float = DEFAULT_CELL_SIZE,
    density_cell_size: float = DEFAULT_DENSITY_CELL_SIZE,
    bandwidth: float | Literal["silverman"] = DEFAULT_BANDWIDTH,
    permutations: int = 99_999,
    grid_inference: Inference = "exact",
    alpha: float = 0.05,
    seed: int = 0,
) -> HotspotResult:
    """Hotspots of police-recorded offences in a period, against the previous period.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The store.
    period : Period
        The period analysed.
    offence_groups : sequence of str
        Offence groups counted (default: homicide, attempted murder, GBH, ABH).
    previous : Period, "auto" or None
        The comparison period for trends; ``"auto"`` is ``period.previous()``;
        None for no comparison.
    cell_size : float
        Side of a Gi* grid cell, metres (default 250).
    density_cell_size : float
        Side of a density-surface cell, metres (default 100).
    bandwidth : float or "silverman"
        Density kernel radius, metres (default 400), or Silverman's rule.
    permutations : int
        Random permutations for the areas (and for the grid when
        ``grid_inference="permutation"``).
    grid_inference : {"exact", "permutation"}
        Inference for grid cells.
    alpha : float
        False discovery rate for significant hot and cold spots.
    seed : int
        Seed of the permutations (the previous period uses ``seed + 1``).

    Returns
    -------
    HotspotResult
    """
    groups = tuple(offence_groups)
    settings: dict[str, Any] = {
        "statistic": "Getis-Ord Gi* (Ord & Getis 1995), binary queen contiguity, self included",
        "area_inference": f"random permutation, {permutations} draws, two-sided",
        "grid_inference": (
            "exact randomisation distribution, two-sided"
            if grid_inference == "exact"
            else f"random permutation, {permutations} draws, two-sided"
        ),
        "multiple_testing": "Benjamini-Hochberg false discovery rate",
        "alpha": alpha,
        "seed": seed,
        "cell_size_m": cell_size,
        "trend_rule": "persistent: hot in both periods; emerging: this period only; "
        "fading: previous period only",
    }
    codes, geometries, missing = _read_areas(engine)
    if not codes:
        return HotspotResult(
            available=False,
            reason="no small-area boundaries are loaded: load the areas file (GeoJSON) to "
            "map hotspots",
            period=period,
            offence_groups=groups,
            settings=settings,
        )
    notes = [f"{missing} area(s) have no usable boundary and are left out"] if missing else []
    lattice = lattice_over(geometries, cell_size)
    compare = period.previous() if previous == "auto" else previous

    def run(p: Period, run_seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, list[str]]:
        events = _read_events(engine, p, groups)
        areas, area_notes = area_hotspots(
            codes, geometries, events, permutations=permutations, seed=run_seed, alpha=alpha
        )
        cells = grid_hotspots(
            lattice, events, inference=grid_inference, permutations=permutations,
            seed=run_seed, alpha=alpha,
        )  # fmt: skip
        return events, areas, cells, area_notes

    events, areas, cells, area_notes = run(period, seed)
    notes += area_notes
    n_events = events.height
    if n_events == 0:
        return HotspotResult(
            available=False,
            reason=f"no {', '.join(groups)} offences are recorded in {period.label}",
            period=period,
            previous=compare,
            offence_groups=groups,
            settings=settings,
            warnings=notes,
        )
    n_located = int(cells["count"].sum())
    n_area = int(areas["count"].sum())
    if n_located < MIN_EVENTS:
        notes.append(
            f"only {n_located} located events in {period.label}: too few for reliable "
            "hotspots; treat the maps as descriptive"
        )
    if n_located < n_events:
        notes.append(
            f"{n_events - n_located} of {n_events} events have no location inside the areas "
            "and are not on the grid or density maps"
        )
    if n_area < n_events:
        notes.append(f"{n_events - n_area} of {n_events} events have no loaded small area")
    for name, table in (("area", areas), ("grid cell", cells)):
        thin = table.filter(
            (pl.col("hotspot") == "hot") & (pl.col("neighbourhood_count") < SMALL_COUNT)
        ).height
        if thin:
            notes.append(
                f"{thin} significant hot {name}(s) rest on fewer than {SMALL_COUNT} "
                "events (with their neighbours): treat them as leads, not findings"
            )

    trends: pl.DataFrame | None = None
    if compare is not None:
        before_events, before_areas, before_cells, _ = run(compare, seed + 1)
        if before_events.height == 0:
            notes.append(f"no events in {compare.label}: hotspot trends cannot be given")
        else:
            trends = pl.concat(
                [
                    hotspot_trends(areas, before_areas, "area_code", "area"),
                    hotspot_trends(cells, before_cells, "cell_id", "cell"),
                ]
            )

    located = events.filter(pl.col("easting").is_not_null() & pl.col("northing").is_not_null())
    x = located["easting"].cast(pl.Float64).to_numpy()
    y = located["northing"].cast(pl.Float64).to_numpy()
    radius = _silverman(x, y) if bandwidth == "silverman" else float(bandwidth)
    density = None
    if np.isfinite(radius) and radius > 0:
        density = kernel_density(
            x, y, lattice_over(geometries, density_cell_size), bandwidth=radius
        )
    else:
        notes.append("too few distinct event locations for a density surface")
    settings["density"] = f"quartic kernel, bandwidth {radius:.0f} m"

    return HotspotResult(
        available=True,
        reason=None,
        period=period,
        previous=compare,
        offence_groups=groups,
        n_events=n_events,
        n_located=n_located,
        areas=areas,
        cells=cells,
        trends=trends,
        density=density,
        settings=settings,
        warnings=notes,
        tables={
            "hotspot_areas": areas.drop("occurrence_ids"),
            "hotspot_cells": significant(cells).drop("occurrence_ids"),
            **({"hotspot_trends": trends} if trends is not None else {}),
        },
    )
