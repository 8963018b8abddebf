"""Section: partner data (the Cardiff model).

Emergency department (ED) assault attendances against police-recorded violence
by place type, month and time of day; the share of ED attendances matched to a
police occurrence (exact Clopper-Pearson interval); and the places where the ED
sees violence the police do not, ranked, as a table and a map with points
(Florence et al. 2011; places by leader clustering, Hartigan 1975).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harmwatch.analysis.partners import PartnerResult
from harmwatch.report.analytical._context import Context, label, nonzero
from harmwatch.report.document import ReportDocument
from harmwatch.report.maps import PointLayer, choropleth
from harmwatch.report.svg import grouped_bar_chart, heatmap, line_chart

__all__ = ["SECTION", "render"]

SECTION = "Partner data"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    result: PartnerResult = ctx.results["partners"]
    doc.section("partners", "Partner data: what the emergency departments see")
    ctx.figures["partners"] = result.to_json()
    places = [
        p for p in result.places if ctx.area_codes is None or p["area_code"] in ctx.area_codes
    ]
    ctx.figures["ed_unmatched_places"] = places
    if not result.available:
        ctx.cannot(doc, SECTION, result.reason)
        return
    share = result.matched_share or 0.0
    low, high = result.matched_share_ci or (float("nan"), float("nan"))
    doc.paragraph(
        f"In {ctx.period.label} the emergency departments recorded {result.attendances} assault "
        f"attendances; {result.matched} ({share:.0%}, 95% CI {low:.0%} to {high:.0%}) matched a "
        f"police-recorded violent occurrence by time and place, so about {1 - share:.0%} of "
        f"the violence the EDs see is not in police data. The police recorded "
        f"{result.police_violence} violent occurrences in the same period. Matches: "
        f"{'stored by incident matching' if result.matches_source == 'stored' else 'computed for this report (not stored)'}."  # noqa: E501
    )
    ctx.caution(doc, result.warnings, "Cautions on partner data")
    _by_type(doc, ctx, result)
    _by_month(doc, result)
    _by_hour(doc, ctx, result)
    _places(doc, ctx, places)


def _by_type(doc: ReportDocument, ctx: Context, result: PartnerResult) -> None:
    table = result.tables.get("by_location_type")
    if table is None or table.is_empty():
        return
    doc.figure(
        grouped_bar_chart(
            [label(v) for v in table["location_type"]],
            {
                "ED attendances": table["ed_attendances"].to_numpy(),
                "ED, not matched": table["ed_unmatched"].to_numpy(),
                "Police-recorded violence": table["police_violence"].to_numpy(),
            },
            horizontal=True,
            title="ED assaults and police-recorded violence by place type",
            value_label="Records",
        ),
        caption=f"ED assault attendances (all, and those with no matching police record) and "
        f"police-recorded violence by type of place, {ctx.period.label}.",
        table=table,
    )


def _by_month(doc: ReportDocument, result: PartnerResult) -> None:
    table = result.tables.get("by_month")
    if table is None or table.height < 2:
        return
    doc.figure(
        line_chart(
            table["month"].to_list(),
            {
                "ED attendances": table["ed_attendances"].to_numpy(),
                "ED, not matched": table["ed_unmatched"].to_numpy(),
                "Police-recorded violence": table["police_violence"].to_numpy(),
            },
            title="ED assaults and police-recorded violence by month",
            value_label="Records a month",
            x_label="Month",
        ),
        caption="ED assault attendances and police-recorded violence each month.",
        table=table,
    )


def _by_hour(doc: ReportDocument, ctx: Context, result: PartnerResult) -> None:
    heat = result.tables.get("ed_hour_weekday")
    if heat is None:
        return
    counts = heat.drop("weekday").to_numpy()
    if not nonzero(counts):
        ctx.cannot(doc, "ED attendances by hour", "no ED attendance has a time of day")
        return
    doc.figure(
        heatmap(
            counts,
            list(_WEEKDAYS),
            [f"{h:02d}" for h in range(counts.shape[1])],
            title="ED assault attendances by hour and day of the week",
            col_title="Hour of assault",
            value_label="Attendances",
        ),
        caption=f"ED assault attendances in {ctx.period.label} by the hour of the assault and "
        "the day of the week.",
        table=heat.with_columns(
            pl.col("weekday").cast(pl.Int64).replace_strict(dict(enumerate(_WEEKDAYS)))
        ),
    )


def _places(doc: ReportDocument, ctx: Context, places: list[dict[str, object]]) -> None:
    doc.section("partners-places", "Where the ED sees violence the police do not", level=2)
    if not places:
        ctx.cannot(
            doc,
            "ED-only places",
            "no place has enough ED assault attendances without a matching police record",
        )
        return
    rows = [
        {
            "rank": p["rank"],
            "venue": p["venue"] or "(no description)",
            "area_code": p["area_code"],
            "unmatched_attendances": p["count"],
            "matched_share_nearby": p["matched_share"],
            "police_violence_nearby": p["police_occurrences_nearby"],
            "easting": p["easting"],
            "northing": p["northing"],
            "first": p["first"],
            "last": p["last"],
        }
        for p in places
    ]
    doc.table(
        rows,
        caption=f"Places where ED assault attendances in {ctx.period.label} have no matching "
        "police record, ranked by count (within 100 m of each place's centre); the nearby "
        "matched share and police-recorded violence say how far the police see the place.",
        decimals={"matched_share_nearby": 2, "easting": 0, "northing": 0},
        small=[int(str(p["count"])) < 10 for p in places],
    )
    map_areas = ctx.map_areas()
    if not map_areas.height:
        ctx.cannot(doc, "Map of ED-only places", "no small-area boundaries are loaded")
        return
    top = places[:10]
    doc.figure(
        choropleth(
            map_areas,
            None,
            title="Places where the ED sees violence the police do not",
            points=[
                PointLayer(
                    np.array([p["easting"] for p in top], dtype=np.float64),
                    np.array([p["northing"] for p in top], dtype=np.float64),
                    "ED-only place (rank)",
                    labels=[str(p["rank"]) for p in top],
                )
            ],
        ),
        caption="The ten highest-ranked ED-only places on the small-area map, labelled by rank.",
        table=[
            {k: r[k] for k in ("rank", "venue", "unmatched_attendances", "easting", "northing")}
            for r in rows[:10]
        ],
        decimals={"easting": 0, "northing": 0},
    )
