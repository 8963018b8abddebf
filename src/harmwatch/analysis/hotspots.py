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
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import libpysal  # type: ignore[import-untyped,unused-ignore]
import numpy as np
import polars as pl
import shapely
from sqlalchemy import Engine, and_

from harmwatch.analysis.data import Period, in_period, period_json, read_kind
from harmwatch.analysis.gistar import GiStar, Inference, gi_star
from harmwatch.analysis.hotspots_grid import Lattice, lattice_over
from harmwatch.analysis.kde import DEFAULT_BANDWIDTH, DensitySurface, kernel_density
from harmwatch.analysis.kde import silverman_bandwidth as _silverman
from harmwatch.analysis.smallnumbers import SMALL_COUNT, json_records
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

#: Default offence groups: violence with injury and worse.
VIOLENCE_WITH_INJURY = ("homicide", "attempted_murder", "gbh", "abh")
#: Fewer located events than this and the hotspot maps carry a warning.
MIN_EVENTS = 30
#: Default cell sizes (metres) of the Gi* grid and of the density surface.
DEFAULT_CELL_SIZE = 250.0
DEFAULT_DENSITY_CELL_SIZE = 100.0

_STATS_SCHEMA = {
    "count": pl.Int64,
    "neighbourhood_count": pl.Int64,
    "neighbours": pl.Int64,
    "gi_z": pl.Float64,
    "p_value": pl.Float64,
    "p_adjusted": pl.Float64,
    "hotspot": pl.String,
}
_TREND_SCHEMA = {"unit": pl.String, "id": pl.String, "trend": pl.String}
_EVENT_COLUMNS = ["occurrence_id", "offence_group", "easting", "northing", "area_code"]


@dataclass
class HotspotResult:
    """Hotspots of the selected offences in a period.

    Attributes
    ----------
    available : bool
        False when the analysis could not be made (see ``reason``).
    reason : str or None
        Why not, in plain words.
    period, previous : Period, Period or None
        The period analysed and the one it is compared with.
    offence_groups : tuple of str
        The offence groups counted.
    n_events : int
        Events of those groups in the period.
    n_located : int
        Of which with coordinates inside the grid (used by the grid and density).
    areas : polars.DataFrame
        One row per small area: ``area_code``, ``count``,
        ``neighbourhood_count`` (the area and its neighbours), ``neighbours``
        (number of neighbours, self excluded), ``gi_z``, ``p_value``
        (two-sided pseudo p), ``p_adjusted`` (Benjamini–Hochberg),
        ``hotspot`` (``"hot"``, ``"cold"`` or null), ``occurrence_ids``.
    cells : polars.DataFrame
        The same per grid cell, with ``cell_id``, ``easting`` and
        ``northing`` (cell centre) instead of ``area_code``.
    trends : polars.DataFrame or None
        ``unit`` (``"area"``/``"cell"``), ``id``, ``trend`` (``persistent``,
        ``emerging``, ``fading``); None without a comparison period.
    density : DensitySurface or None
        The kernel density surface.
    settings : dict
        Method and parameters, as written to JSON.
    warnings : list of str
        Plain-words cautions.
    tables : dict of str to polars.DataFrame
        The tables behind the report's hotspot maps and lists.
    """

    available: bool
    reason: str | None
    period: Period
    previous: Period | None = None
    offence_groups: tuple[str, ...] = VIOLENCE_WITH_INJURY
    n_events: int = 0
    n_located: int = 0
    areas: pl.DataFrame = field(default_factory=pl.DataFrame)
    cells: pl.DataFrame = field(default_factory=pl.DataFrame)
    trends: pl.DataFrame | None = None
    density: DensitySurface | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def hotspots(self) -> pl.DataFrame:
        """Significant hot and cold areas, hottest first."""
        return _significant(self.areas)

    @property
    def grid_hotspots(self) -> pl.DataFrame:
        """Significant hot and cold cells, hottest first."""
        return _significant(self.cells)

    def to_json(self) -> dict[str, Any]:
        """The figures, JSON-serialisable (see ``docs/figures.md``)."""
        trends: dict[str, dict[str, list[str]]] | None = None
        if self.trends is not None:
            trends = {
                unit: {
                    name: self.trends.filter(unit=unit[:-1], trend=name)["id"].to_list()
                    for name in ("persistent", "emerging", "fading")
                }
                for unit in ("areas", "cells")
            }
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "previous_period": period_json(self.previous) if self.previous else None,
            "offence_groups": list(self.offence_groups),
            "n_events": self.n_events,
            "n_events_located": self.n_located,
            "method": self.settings,
            "hotspots": json_records(self.hotspots) if self.available else [],
            "grid_hotspots": json_records(self.grid_hotspots) if self.available else [],
            "trends": trends,
            "density": self.density.to_json() if self.density else None,
            "warnings": list(self.warnings),
        }


def _significant(frame: pl.DataFrame) -> pl.DataFrame:
    if "hotspot" not in frame.columns:
        return frame
    return frame.filter(pl.col("hotspot").is_not_null()).sort("gi_z", descending=True)


def _unit_table(
    ids: pl.DataFrame, result: GiStar, events: pl.DataFrame, key: str, position: str
) -> pl.DataFrame:
    """One row per unit: its identifiers, the Gi* figures, and the ids of its events."""
    stats = pl.DataFrame(
        {
            "count": result.counts,
            "neighbourhood_count": result.local_sum,
            "neighbours": result.cardinality - 1,
            "gi_z": result.z,
            "p_value": result.p_value,
            "p_adjusted": result.p_adjusted,
            "hotspot": np.where(result.hot, "hot", np.where(result.cold, "cold", "")),
        },
        schema=_STATS_SCHEMA,
    ).with_columns(pl.col("hotspot").replace("", None))
    table = ids.hstack(stats).with_row_index(position)
    by_unit = (
        events.group_by(position)
        .agg(pl.col("occurrence_id").sort().alias("occurrence_ids"))
        .with_columns(pl.col(position).cast(pl.UInt32))
    )
    return (
        table.join(by_unit, on=position, how="left")
        .with_columns(pl.col("occurrence_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .sort(position)
        .drop(position)
        .select(key, pl.exclude(key))
    )


def area_hotspots(
    codes: Sequence[str],
    geometries: Sequence[object],
    events: pl.DataFrame,
    *,
    permutations: int = 99_999,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> tuple[pl.DataFrame, list[str]]:
    """Gi* on small areas with queen contiguity and permutation inference.

    Parameters
    ----------
    codes, geometries : sequences
        The areas' codes and polygons (British National Grid), in the same order.
    events : polars.DataFrame
        ``occurrence_id`` and ``area_code`` of the events; events in other
        areas, or with no area, are ignored.
    permutations, seed, alpha
        See :func:`harmwatch.analysis.gistar.gi_star`.

    Returns
    -------
    table : polars.DataFrame
        The ``areas`` table of :class:`HotspotResult`, in the order given.
    warnings : list of str
    """
    notes: list[str] = []
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")  # islands are reported below, in plain words
        weights = libpysal.weights.Queen.from_iterable(
            list(geometries), ids=list(range(len(codes)))
        )
    islands = [codes[i] for i in weights.islands]
    if islands:
        notes.append(
            f"{len(islands)} area(s) share no boundary with any other ({', '.join(islands[:5])}"
            f"{', ...' if len(islands) > 5 else ''}); they are compared with the others on "
            "their own count only"
        )
    ids = pl.DataFrame({"area_code": list(codes)}, schema={"area_code": pl.String})
    placed = events.join(ids.with_row_index("__unit"), on="area_code", how="inner")
    counts = np.bincount(placed["__unit"].to_numpy(), minlength=len(codes))
    result = gi_star(
        counts, weights.sparse, inference="permutation", permutations=permutations,
        seed=seed, alpha=alpha,
    )  # fmt: skip
    if len(codes) and 2 / (permutations + 1) > alpha / len(codes):
        notes.append(
            f"with {permutations:,} permutations the smallest possible p-value "
            f"({2 / (permutations + 1):.4f}) is coarse for {len(codes)} areas after the "
            "false-discovery-rate adjustment; use more permutations"
        )
    return _unit_table(ids, result, placed, "area_code", "__unit"), notes


def grid_hotspots(
    lattice: Lattice,
    events: pl.DataFrame,
    *,
    inference: Inference = "exact",
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Gi* on the cells of a lattice, with queen contiguity between cells.

    Parameters
    ----------
    lattice : Lattice
        The grid (:func:`harmwatch.analysis.hotspots_grid.lattice_over`).
    events : polars.DataFrame
        ``occurrence_id``, ``easting`` and ``northing``; events outside the
        kept cells, or unlocated, are ignored.
    inference : {"exact", "permutation"}
        See :func:`harmwatch.analysis.gistar.gi_star`; exact by default (see
        the module docstring for why).
    permutations, seed, alpha
        As for :func:`harmwatch.analysis.gistar.gi_star`.

    Returns
    -------
    polars.DataFrame
        The ``cells`` table of :class:`HotspotResult`, one row per kept cell.
    """
    position = lattice.locate(
        events["easting"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        events["northing"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )
    placed = events.with_columns(pl.Series("__unit", position)).filter(pl.col("__unit") >= 0)
    counts = np.bincount(placed["__unit"].to_numpy(), minlength=len(lattice))
    result = gi_star(
        counts, lattice.neighbours(), inference=inference, permutations=permutations,
        seed=seed, alpha=alpha,
    )  # fmt: skip
    easting, northing = lattice.centres()
    ids = pl.DataFrame(
        {"cell_id": lattice.cell_ids(), "easting": easting, "northing": northing},
        schema={"cell_id": pl.String, "easting": pl.Float64, "northing": pl.Float64},
    )
    return _unit_table(ids, result, placed, "cell_id", "__unit")


def hotspot_trends(now: pl.DataFrame, before: pl.DataFrame, key: str, unit: str) -> pl.DataFrame:
    """Persistent, emerging and fading hot spots between two periods.

    Parameters
    ----------
    now, before : polars.DataFrame
        Unit tables (``areas`` or ``cells`` of :class:`HotspotResult`) of this
        period and the previous one.
    key : str
        The unit's identifier column (``area_code`` or ``cell_id``).
    unit : str
        ``"area"`` or ``"cell"``, written to the ``unit`` column.

    Returns
    -------
    polars.DataFrame
        ``unit``, ``id``, ``trend``: persistent = hot in both, emerging = hot
        now only, fading = hot before only; sorted by trend then id.
    """
    hot_now = now.filter(hotspot="hot").select(pl.col(key).alias("id"), pl.lit(True).alias("a"))
    hot_then = before.filter(hotspot="hot").select(pl.col(key).alias("id"), pl.lit(True).alias("b"))
    both = hot_now.join(hot_then, on="id", how="full", coalesce=True)
    trend = (
        pl.when(pl.col("a") & pl.col("b"))
        .then(pl.lit("persistent"))
        .when(pl.col("a"))
        .then(pl.lit("emerging"))
        .otherwise(pl.lit("fading"))
    )
    return (
        both.select(pl.lit(unit).alias("unit"), "id", trend.alias("trend"))
        .cast(_TREND_SCHEMA)  # type: ignore[arg-type]
        .sort("trend", "id")
    )


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
            "hotspot_cells": _significant(cells).drop("occurrence_ids"),
            **({"hotspot_trends": trends} if trends is not None else {}),
        },
    )
