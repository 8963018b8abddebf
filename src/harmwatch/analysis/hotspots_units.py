"""Gi* hotspots of units: small areas and grid cells, and their trends between periods.

:func:`area_hotspots` runs Gi* (:mod:`harmwatch.analysis.gistar`) on small
areas with binary queen contiguity between their polygons
(``libpysal.weights.Queen``) and permutation inference; :func:`grid_hotspots`
on the cells of a lattice (:mod:`harmwatch.analysis.hotspots_grid`), exact by
default; both return one row per unit with the Gi* figures and the ids of its
events. :func:`hotspot_trends` classes the hot spots of two periods as
persistent, emerging or fading. Why the areas use so many permutations and the
grid the exact randomisation distribution is told in
:mod:`harmwatch.analysis.hotspots`, which re-exports these functions.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
of distance statistics. *Geographical Analysis* 24(3), 189-206.

Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. *Geographical Analysis* 27(4),
286-306.

Chainey, S. (2014). *Examining the extent to which hotspot analysis can
support spatial predictions of crime*. PhD thesis, University College London
(Gi* on grids for crime hotspots; persistent and emerging hotspots).
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence

import libpysal  # type: ignore[import-untyped,unused-ignore]
import numpy as np
import polars as pl

from harmwatch.analysis.gistar import GiStar, Inference, gi_star
from harmwatch.analysis.hotspots_grid import Lattice

__all__ = ["area_hotspots", "grid_hotspots", "hotspot_trends"]

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
        The ``areas`` table of
        :class:`~harmwatch.analysis.hotspots.HotspotResult`, in the order given.
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
        The ``cells`` table of
        :class:`~harmwatch.analysis.hotspots.HotspotResult`, one row per kept cell.
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
        Unit tables (``areas`` or ``cells`` of
        :class:`~harmwatch.analysis.hotspots.HotspotResult`) of
        this period and the previous one.
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
