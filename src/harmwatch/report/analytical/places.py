"""Section: hotspots and near repeats.

Getis-Ord Gi* on small areas (queen contiguity, permutation inference,
Benjamini-Hochberg adjusted; Ord & Getis 1995) drawn as a choropleth of z with
the significant hot areas outlined; a quartic kernel density surface on the
area map (no tiles); persistent, emerging and fading hot spots against the
previous period (Chainey 2014); and the Knox test of near repeats with a
Ratcliffe-style table of distance bands by time bands (Knox 1964; Ratcliffe
2009).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.hotspots import HotspotResult
from harmwatch.analysis.nearrepeat import NearRepeatResult
from harmwatch.analysis.smallnumbers import VERDICT_THRESHOLDS, format_p
from harmwatch.report.analytical._context import Context, label, nonzero
from harmwatch.report.document import ReportDocument
from harmwatch.report.maps import Raster, choropleth
from harmwatch.report.svg import heatmap

__all__ = ["SECTION", "near_repeat_verdict", "render"]

SECTION = "Hotspots and near repeats"
#: Most cells a side of the density raster drawn (coarser surfaces are block-averaged).
_MAX_RASTER = 160


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    doc.section("places", SECTION)
    _hotspots(doc, ctx, ctx.results["hotspots"])
    _near_repeats(doc, ctx, ctx.results["near_repeat"])


def _names(ctx: Context) -> dict[str, str]:
    return {str(c): str(n) for c, n in ctx.areas.select("area_code", "area_name").iter_rows() if n}


def _hotspots(doc: ReportDocument, ctx: Context, result: HotspotResult) -> None:
    doc.section("hotspots", "Hotspots", level=2)
    ctx.figures["hotspot_analysis"] = result.to_json()
    ctx.figures["hotspots"] = []
    if not result.available:
        ctx.cannot(doc, "Hotspots", result.reason or "not enough data")
        return
    groups = ", ".join(label(g) for g in result.offence_groups)
    doc.paragraph(
        f"Where {groups} cluster in {ctx.period.label}: {result.n_events} offences, "
        f"{result.n_located} with a location. A small area is a hot spot when it and its "
        "neighbours together hold significantly more offences than the force's areas on "
        "average (Getis-Ord Gi*, permutation p-values adjusted for testing every area)."
    )
    ctx.caution(doc, result.warnings, "Cautions on hotspots")
    names = _names(ctx)
    areas = result.areas.filter(ctx.in_scope(result.areas["area_code"]))
    significant = (
        areas.filter(pl.col("hotspot").is_not_null())
        .sort("gi_z", descending=True)
        .with_columns(pl.col("area_code").replace_strict(names, default=None).alias("area_name"))
    )
    ctx.figures["hotspots"] = significant.select(
        "area_code",
        "area_name",
        "hotspot",
        "count",
        "neighbourhood_count",
        "gi_z",
        "p_value",
        "p_adjusted",
        "occurrence_ids",
    )
    map_areas = ctx.map_areas()
    z = {str(c): v for c, v in areas.select("area_code", "gi_z").iter_rows()}
    finite = [v for v in z.values() if v is not None and np.isfinite(v)]
    hot = {  # outline every hot area; name the three hottest (more labels would overlap)
        str(c): names.get(str(c), str(c)) if i < 3 else ""
        for i, c in enumerate(significant.filter(pl.col("hotspot") == "hot")["area_code"])
    }
    if map_areas.height and finite and nonzero(areas["count"]):
        lo, hi = min(finite), max(finite)
        breaks = sorted({lo, hi, *(b for b in (-2.58, -1.96, 1.96, 2.58) if lo < b < hi)})
        doc.figure(
            choropleth(
                map_areas,
                z,
                title="Hot spots: Getis-Ord Gi* z by small area",
                legend_title="Gi* z-score",
                breaks=breaks if len(breaks) > 1 else None,
                decimals=2,
                highlight=hot,
            ),
            caption=f"Gi* z-score of {groups} by small area, {ctx.period.label}; darker is "
            "hotter. Outlined: significant hot spots (false discovery rate 5%); the three hottest "
            "are named.",
            table=areas.select(
                "area_code",
                "count",
                "neighbourhood_count",
                "gi_z",
                "p_value",
                "p_adjusted",
                "hotspot",
            ),
            decimals={"gi_z": 2, "p_value": 5, "p_adjusted": 4},
        )
    if significant.height:
        shown = significant.head(25)
        doc.table(
            shown.select(
                "area_code",
                "area_name",
                "hotspot",
                "count",
                "neighbourhood_count",
                "gi_z",
                "p_adjusted",
            ),
            caption=f"Significant hot and cold small areas, {ctx.period.label}, hottest first"
            + (
                f" (the first 25 of {significant.height}; all in the JSON figures)."
                if significant.height > 25
                else "."
            ),
            decimals={"gi_z": 2, "p_adjusted": 4},
            small=[n < 10 for n in shown["neighbourhood_count"]],
        )
    else:
        doc.paragraph(
            f"No small area is a significant hot or cold spot in {ctx.period.label} after "
            "adjusting for the number of areas tested."
        )
    grid_hot = (
        result.grid_hotspots.filter(pl.col("hotspot") == "hot")
        if result.cells.height
        else result.cells
    )
    doc.paragraph(
        f"On a regular grid of {result.settings.get('cell_size_m', 250):g} m cells (exact "
        f"randomisation p-values), {grid_hot.height} cells are significant hot spots."
    )
    _density(doc, ctx, result, map_areas)
    _trends(doc, ctx, result)


def _density(
    doc: ReportDocument, ctx: Context, result: HotspotResult, map_areas: pl.DataFrame
) -> None:
    surface = result.density
    if surface is None or not map_areas.height or not nonzero(np.nan_to_num(surface.density)):
        ctx.cannot(doc, "Density map", "too few located events for a density surface")
        return
    values = surface.density
    factor = int(np.ceil(max(values.shape) / _MAX_RASTER))
    if factor > 1:
        rows, cols = (
            (-(-values.shape[0] // factor)) * factor,
            (-(-values.shape[1] // factor)) * factor,
        )
        padded = np.full((rows, cols), np.nan)
        padded[: values.shape[0], : values.shape[1]] = values
        with np.errstate(invalid="ignore"):
            blocks = padded.reshape(rows // factor, factor, cols // factor, factor)
            values = np.nanmax(np.where(np.isnan(blocks), -np.inf, blocks), axis=(1, 3))
        values[~np.isfinite(values)] = np.nan
    flat = np.nan_to_num(surface.density, nan=-1.0).ravel()
    top = np.argsort(-flat, kind="stable")[:10]
    r, col = np.unravel_index(top, surface.density.shape)
    densest = pl.DataFrame(
        {
            "rank": np.arange(1, len(top) + 1),
            "easting": surface.origin_easting + (col + 0.5) * surface.cell_size,
            "northing": surface.origin_northing + (r + 0.5) * surface.cell_size,
            "per_km2": flat[top],
        }
    )
    ctx.figures["density_peaks"] = densest
    doc.figure(
        choropleth(
            map_areas,
            None,
            title="Kernel density of violence on the small-area map",
            raster=Raster(
                values,
                surface.origin_easting,
                surface.origin_northing,
                surface.cell_size * factor,
                name="Offences per km² (kernel density)",
            ),
        ),
        caption=f"Kernel density (quartic kernel, {surface.bandwidth:g} m bandwidth) of the "
        f"{surface.n_events} located offences in {ctx.period.label}, over the small-area "
        "boundaries.",
        table=densest,
        table_caption="The ten densest cells of the surface (cell centres, British National "
        "Grid metres).",
        decimals={"easting": 0, "northing": 0, "per_km2": 1},
    )


def _trends(doc: ReportDocument, ctx: Context, result: HotspotResult) -> None:
    if result.trends is None:
        ctx.cannot(
            doc,
            "Hotspot trends",
            f"no comparable offences in {ctx.previous.label}, so hot spots cannot be "
            "compared between the periods",
        )
        return
    areas = result.trends.filter(pl.col("unit") == "area")
    if ctx.area_codes is not None:
        areas = areas.filter(pl.col("id").is_in(sorted(ctx.area_codes)))
    cells = result.trends.filter(pl.col("unit") == "cell")
    summary = {
        t: (areas.filter(trend=t).height, cells.filter(trend=t).height)
        for t in ("persistent", "emerging", "fading")
    }
    ctx.figures["hotspot_trends"] = {
        t: {"areas": areas.filter(trend=t)["id"].to_list(), "cells": n[1]}
        for t, n in summary.items()
    }
    names = _names(ctx)
    rows = [
        {
            "trend": t,
            "areas": summary[t][0],
            "which areas": ", ".join(
                names.get(a, a) for a in areas.filter(trend=t)["id"].to_list()[:12]
            )
            + (" ..." if summary[t][0] > 12 else ""),
            "grid cells": summary[t][1],
        }
        for t in ("persistent", "emerging", "fading")
    ]
    doc.table(
        rows,
        caption=f"Persistent (hot in both periods), emerging (hot in {ctx.period.label} only) "
        f"and fading (hot in {ctx.previous.label} only) hot spots.",
    )


def near_repeat_verdict(result: NearRepeatResult) -> str:
    """Plain words on the Knox headline: evidence of near repeats, or none beyond chance."""
    if not result.available or result.p_value is None:
        return "not tested"
    for threshold, strength in VERDICT_THRESHOLDS:
        if result.p_value < threshold:
            return f"{strength} of near repeats ({format_p(result.p_value)})"
    return f"no evidence of near repeats beyond chance ({format_p(result.p_value)})"


def _near_repeats(doc: ReportDocument, ctx: Context, result: NearRepeatResult) -> None:
    doc.section("near-repeats", "Near repeats", level=2)
    figures = result.to_json()
    figures["verdict"] = near_repeat_verdict(result)
    ctx.figures["near_repeat"] = figures
    if not result.available:
        words = {"unlocated": "without a location", "imprecise_date": "dated only to the month"}
        left_out = ", ".join(
            f"{n} {words.get(why, why)}" for why, n in result.excluded.items() if n
        )
        reason = (result.reason or "too few events") + (
            f" (left out: {left_out})" if left_out else ""
        )
        ctx.cannot(doc, "Near repeats", reason)
        return
    groups = ", ".join(label(g) for g in result.groups)
    doc.paragraph(
        f"Does one offence ({groups}) tend to follow another close by, soon after? Of "
        f"{result.n_events} offences in {ctx.period.label} located and dated to the day, "
        f"{result.pairs} pairs were within {result.distance:g} m and {result.days:g} days of "
        f"each other, against {result.expected or 0:.1f} expected if times were unrelated to "
        f"places (Knox test, {result.permutations} permutations): {figures['verdict']}."
        + (" (Near repeats are tested over the whole force.)" if ctx.area else "")
    )
    ctx.caution(doc, result.warnings, "Cautions on near repeats")
    table = result.table
    d_bands = list(dict.fromkeys(table["distance_band"].to_list()))
    t_bands = list(dict.fromkeys(table["time_band"].to_list()))
    ratio = np.array(
        [np.nan if v is None else v for v in table["ratio"].to_list()], dtype=np.float64
    ).reshape(len(d_bands), len(t_bands))
    if nonzero(table["observed"]):
        doc.figure(
            heatmap(
                ratio,
                d_bands,
                t_bands,
                title="Near repeats: Knox ratio by distance and time apart",
                value_label="Knox ratio",
                row_title="Distance apart",
                col_title="Time apart",
                decimals=2,
                totals=False,
            ),
            caption="Observed pairs over expected pairs (Knox ratio) for each distance band and "
            "time band; above 1, more pairs than chance. Cells marked significant in the table "
            "have a ratio above 1.2 and p < 0.05 (as Ratcliffe's Near Repeat Calculator).",
            table=table.select(
                "distance_band",
                "time_band",
                "observed",
                "expected",
                "ratio",
                "p_value",
                "p_adjusted",
                "significant",
            ),
            decimals={"expected": 1, "ratio": 2, "p_value": 3, "p_adjusted": 3},
        )
    flagged = table.filter(pl.col("significant"))
    if flagged.height:
        doc.bullets(
            [
                f"{d}, {t}: {o} pairs against {e:.1f} expected (ratio {r:.2f}, {format_p(p)})"
                for d, t, o, e, r, p in flagged.select(
                    "distance_band", "time_band", "observed", "expected", "ratio", "p_value"
                ).iter_rows()
            ]
        )
