"""Section: homicide and near misses.

Counts and rates by year with exact intervals (Garwood 1936), the change of
every offence group between the periods (exact conditional test,
Przyborowski & Wilenski 1940, with a plain-words verdict), breakdowns of
homicide and the near-miss offences by circumstance, the near-miss pyramid and
how it moved (Fisher's exact test), a funnel plot of small-area rates against
the rate of the whole area reported (Spiegelhalter 2005), and when violence
happens (hour x weekday; seasonality by month, Pearson's chi-square).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from harmwatch.analysis.counts import HOMICIDE_AND_NEAR_MISS, PYRAMID, YEAR_DAYS, OccurrenceCounts
from harmwatch.analysis.smallnumbers import FUNNEL_LEVELS, funnel_limits, funnel_position
from harmwatch.analysis.temporal import MONTHS, WEEKDAYS, TemporalPatterns
from harmwatch.report.analytical._context import Context, group_label, label, nonzero
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import bar_chart, funnel_plot, heatmap, line_chart, pyramid

__all__ = ["SECTION", "render"]

SECTION = "Homicide and near misses"
_DIMENSIONS = (
    ("weapon", "weapon or method", "occurrences"),
    ("location_type", "location type", "occurrences"),
    ("victim_age_band", "victim age band", "victims"),
    ("victim_sex", "victim sex", "victims"),
    ("relationship_to_suspect", "relationship of suspect to victim", "suspects"),
)
_FLAGS = ("domestic", "alcohol", "drugs")


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    counts: OccurrenceCounts = ctx.results["counts"]
    doc.section("homicide", SECTION)
    ctx.figures["occurrences_by_group_year"] = counts.occurrences_by_group_year
    ctx.figures["homicide"] = (
        counts.to_json()
        if counts.available
        else {
            "available": False,
            "reason": counts.reason,
        }
    )
    if not counts.available:
        ctx.cannot(doc, SECTION, counts.reason)
        return
    doc.paragraph(
        f"Police-recorded homicide and the near-miss offences (attempted murder, GBH, threats "
        f"to kill, weapon possession) in {ctx.scope}, {ctx.period.label}, against "
        f"{ctx.previous.label}, in the context of every year loaded. Counts carry exact 95% "
        "intervals: with a handful of events a year, the interval, not the number, says what "
        "the data can support."
    )
    ctx.caution(doc, counts.warnings, "Cautions on these counts")
    _by_year(doc, ctx, counts)
    _changes(doc, counts)
    _breakdowns(doc, ctx, counts)
    _pyramid(doc, ctx, counts)
    _funnel(doc, ctx, counts)
    _time(doc, ctx, ctx.results["temporal"])


def _by_year(doc: ReportDocument, ctx: Context, counts: OccurrenceCounts) -> None:
    table = counts.tables["by_group_year"]
    homicide = table.filter(pl.col("offence_group") == "homicide").sort("year")
    if homicide.is_empty() or not nonzero(homicide["count"]):
        doc.paragraph("No homicide is recorded in the data loaded.")
    else:
        years = [
            str(y) + (" (part)" if p else "")
            for y, p in homicide.select("year", "partial_year").iter_rows()
        ]
        rate_cols = ["rate", "rate_lower", "rate_upper"] if counts.rates_available else []
        doc.figure(
            bar_chart(
                years,
                homicide["count"].to_numpy(),
                lower=homicide["lower"].to_numpy(),
                upper=homicide["upper"].to_numpy(),
                small=homicide["small"].to_list(),
                title="Homicides by year",
                value_label="Homicides",
                category_label="Year",
            ),
            caption="Homicides recorded each year, with exact Poisson 95% intervals (error "
            "bars). Hatched bars rest on fewer than 10 events. '(part)' marks a year the data "
            "cover only in part.",
            table=homicide.select(
                "year", "count", "lower", "upper", *rate_cols, "partial_year", "small"
            ),
            small="small",
            decimals={"lower": 1, "upper": 1, "rate": 2, "rate_lower": 2, "rate_upper": 2},
            labels={"lower": "95% lower", "upper": "95% upper", "rate": "Rate per 100,000"},
        )
    groups = [g for g in (*HOMICIDE_AND_NEAR_MISS, "abh") if g in set(table["offence_group"])]
    if len(groups) > 1:
        years_all = sorted(set(table["year"].to_list()))
        wide = (
            table.filter(pl.col("offence_group").is_in(groups))
            .pivot(on="offence_group", index="year", values="count")
            .sort("year")
        )
        wide = pl.DataFrame({"year": years_all}).join(wide, on="year", how="left").fill_null(0)
        doc.figure(
            line_chart(
                [str(y) for y in years_all],
                {group_label(g): wide[g].to_numpy() for g in groups if g in wide.columns},
                title="Homicide and near-miss offences by year",
                value_label="Offences recorded",
                x_label="Year",
            ),
            caption="Homicide and near-miss offences (and ABH, the pyramid's base) recorded "
            "each year.",
            table=wide.rename({g: label(g) for g in groups if g in wide.columns}),
        )


def _changes(doc: ReportDocument, counts: OccurrenceCounts) -> None:
    changes = counts.tables.get("group_changes")
    if changes is None or changes.is_empty():
        return
    order = {g: i for i, g in enumerate((*HOMICIDE_AND_NEAR_MISS, *PYRAMID))}
    shown = (
        changes.with_columns(pl.col("offence_group").replace_strict(order, default=99).alias("_o"))
        .sort("_o", "offence_group")
        .drop("_o")
    )
    doc.paragraph(
        "Has anything changed? Each offence group's count in the period against the period "
        "before, by the exact conditional test. With many groups a few 'evidence' verdicts "
        "arise by chance: the q-value (false discovery rate) allows for that."
    )
    doc.table(
        shown.with_columns(pl.col("offence_group").map_elements(label, return_dtype=pl.String)),
        caption="Change between the periods, by offence group: counts, rate ratio with its "
        "exact 95% interval, p-value, q-value and verdict.",
        labels={"previous": "Previous period", "current": "This period"},
        decimals={
            "rate_ratio": 2,
            "rate_ratio_lower": 2,
            "rate_ratio_upper": 2,
            "p_value": 3,
            "q_value": 3,
        },
        small=[int(a) + int(b) < 10 for a, b in shown.select("previous", "current").iter_rows()],
    )


def _breakdowns(doc: ReportDocument, ctx: Context, counts: OccurrenceCounts) -> None:
    table = counts.tables["breakdowns"].filter(pl.col("offence_group") == "homicide_and_near_miss")
    doc.section("homicide-circumstances", "Circumstances of homicide and near misses", level=2)
    if table.is_empty():
        ctx.cannot(
            doc,
            f"{SECTION}: circumstances",
            f"no homicide or near-miss offence is recorded in {ctx.period.label}",
        )
        return
    missing = []
    for dimension, words, unit in _DIMENSIONS:
        part = table.filter(pl.col("dimension") == dimension).sort("count", descending=True)
        recorded = part.filter(pl.col("value") != "not recorded")
        if recorded.is_empty():
            missing.append(words)
            continue
        doc.figure(
            bar_chart(
                [label(v) for v in part["value"]],
                part["count"].to_numpy(),
                lower=part["lower"].to_numpy(),
                upper=part["upper"].to_numpy(),
                small=part["small"].to_list(),
                horizontal=True,
                title=f"Homicide and near misses by {words}",
                value_label=unit.capitalize(),
            ),
            caption=f"Homicide and near-miss {unit} in {ctx.period.label} by {words}, with "
            "exact 95% intervals.",
            table=part.select(
                "value", "count", "lower", "upper", "share", "share_lower", "share_upper", "small"
            ),
            small="small",
            decimals={"lower": 1, "upper": 1, "share": 3, "share_lower": 3, "share_upper": 3},
        )
    flags = table.filter(pl.col("dimension").is_in(_FLAGS)).sort("dimension", "value")
    if not flags.filter(pl.col("value") != "not recorded").is_empty():
        doc.table(
            flags.select("dimension", "value", "count", "share", "share_lower", "share_upper"),
            caption=f"Homicide and near-miss occurrences in {ctx.period.label}: domestic, "
            "alcohol and drugs flags, with exact 95% intervals of each share.",
            decimals={"share": 3, "share_lower": 3, "share_upper": 3},
        )
    else:
        missing.append("domestic, alcohol and drugs flags")
    if missing:
        ctx.cannot(
            doc,
            f"{SECTION}: breakdowns",
            "not recorded in the data loaded: " + "; ".join(missing),
            text="Some breakdowns cannot be shown: the data loaded do not record "
            + "; ".join(missing)
            + ".",
        )


def _pyramid(doc: ReportDocument, ctx: Context, counts: OccurrenceCounts) -> None:
    doc.section("near-miss-pyramid", "The near-miss pyramid", level=2)
    test = counts.pyramid_test
    tiers = counts.tables["pyramid"]
    if not test.get("available"):
        ctx.cannot(doc, "Near-miss pyramid", str(test.get("reason", "no pyramid offences")))
        return
    doc.figure(
        pyramid(
            [group_label(t) for t in tiers["tier"]],
            tiers["current"].to_numpy(),
            previous=tiers["previous"].to_numpy(),
            title="The near-miss pyramid",
            current_label=ctx.period.label,
            previous_label=ctx.previous.label,
        ),
        caption="Homicide : attempted murder : GBH : ABH in the period (bars) and the period "
        "before (dashed outlines), widths on a log scale.",
        table=tiers.select("tier", "current", "current_share", "previous", "previous_share"),
        decimals={"current_share": 4, "previous_share": 4},
    )
    doc.paragraph(
        f"The top of the pyramid (homicide and attempted murder) was {test['top_current']} of "
        f"{test['total_current']} pyramid offences in {ctx.period.label}, against "
        f"{test['top_previous']} of {test['total_previous']} before: {test['verdict']} "
        "(Fisher's exact test)."
    )


def _funnel(doc: ReportDocument, ctx: Context, counts: OccurrenceCounts) -> None:
    doc.section("homicide-funnel", "Small areas against the whole area's rate", level=2)
    if not counts.areas_available:
        ctx.cannot(doc, "Funnel plot of area rates", counts.areas_reason)
        return
    if not counts.rates_available:
        ctx.cannot(doc, "Funnel plot of area rates", counts.rates_reason)
        return
    areas = (
        counts.tables["by_small_area"]
        .filter(pl.col("offence_group").is_in(HOMICIDE_AND_NEAR_MISS))
        .group_by("area_code")
        .agg(pl.col("count").sum(), pl.col("population").first())
        .filter(pl.col("population").fill_null(0) > 0)
        .sort("area_code")
    )
    total = int(areas["count"].sum()) if areas.height else 0
    if total == 0:
        ctx.cannot(
            doc,
            "Funnel plot of area rates",
            f"no homicide or near-miss offence with a small area in {ctx.period.label}",
        )
        return
    years = ctx.period.days / YEAR_DAYS
    exposure = areas["population"].to_numpy().astype(np.float64) * years
    target = total / float(exposure.sum())
    expected = target * exposure
    observed = areas["count"].to_numpy()
    position = funnel_position(observed, expected)
    grid = np.linspace(max(exposure.min() * 0.8, 1.0), exposure.max() * 1.05, 80)
    limits = funnel_limits(grid, target)
    curves: dict[str, tuple[Any, Any, Any]] = {}
    for level in FUNNEL_LEVELS:
        lower, upper = limits.indicator_limits(level)
        curves[f"{level * 100:g}%"] = (grid / years, lower * 1e5, upper * 1e5)
    rates = observed / exposure * 1e5
    table = areas.with_columns(
        pl.Series("expected", expected),
        pl.Series("rate_per_100k", rates),
        pl.Series("funnel", position, dtype=pl.String),
    )
    ctx.figures["homicide_near_miss_funnel"] = {
        "target_rate_per_100k": target * 1e5,
        "areas": table,
    }
    doc.figure(
        funnel_plot(
            areas["area_code"].to_list(),
            areas["population"].to_numpy(),
            rates,
            target=target * 1e5,
            limits=curves,
            title="Homicide and near-miss rates by small area",
            target_label=f"rate of {ctx.scope}",
            x_label="Population",
            y_label="Offences per 100,000 a year",
        ),
        caption=f"Homicide and near-miss offences per 100,000 residents a year by small area, "
        f"{ctx.period.label}, against the rate of {ctx.scope} ({target * 1e5:.1f}), with 95% and "
        "99.8% exact Poisson limits (Spiegelhalter 2005). Small areas outside the 99.8% "
        "limits are named.",
        table=table,
        decimals={"expected": 2, "rate_per_100k": 1},
    )
    above = table.filter(pl.col("funnel").str.starts_with("above 99.8"))
    doc.paragraph(
        f"{above.height} of {table.height} small areas lie above the 99.8% limit"
        + (f" ({', '.join(above['area_code'].to_list()[:10])})" if above.height else "")
        + "; with this many areas about 1 in 20 lies outside the 95% limits by chance alone."
    )


def _time(doc: ReportDocument, ctx: Context, temporal: TemporalPatterns) -> None:
    doc.section("homicide-time", "When violence happens", level=2)
    heat = temporal.offences_heat_map
    ctx.figures["temporal"] = temporal.to_json()
    if heat.available and nonzero(heat.counts):
        hours = [f"{h:02d}" for h in range(24)]
        doc.figure(
            heatmap(
                heat.counts,
                list(WEEKDAYS),
                hours,
                title="Violence by hour and day of the week",
                col_title="Hour of day",
                value_label="Offences",
            ),
            caption=f"Violence against the person ({heat.what}) in {ctx.period.label} by hour "
            "of day and day of the week; only records with a time of day.",
            table=heat.tables["heat_map"].pivot(on="hour", index="weekday", values="count"),
        )
        if heat.hour_test:
            doc.paragraph(
                f"Peak hour {heat.peak_hour:02d}:00; peak day "
                f"{WEEKDAYS[heat.peak_weekday or 0]}. {heat.n_used} records with a time of day."
            )
    else:
        ctx.cannot(doc, "Hour x weekday heat map", heat.reason or "no records with a time")
    season = temporal.offences_seasonality
    by_month = season.tables.get("by_month") if season.available else None
    if by_month is not None and nonzero(by_month["observed"]):
        doc.figure(
            bar_chart(
                list(MONTHS),
                by_month["ratio"].to_numpy(),
                title="Seasonality: observed against expected by month",
                value_label="Observed / expected",
                category_label="Month",
                decimals=2,
            ),
            caption="Violence by calendar month over every year loaded, as the ratio of "
            "observed to expected (an even spread allowing for month length); 1 = as expected. "
            f"Verdict: {season.verdict}.",
            table=by_month.select("name", "observed", "days", "expected", "ratio"),
            decimals={"expected": 1, "ratio": 2},
        )
        doc.paragraph(f"Seasonality: {season.verdict}.")
    else:
        ctx.cannot(doc, "Seasonality", season.reason or "no records dated to the month")
    ctx.caution(doc, temporal.offences_heat_map.warnings + season.warnings, "Cautions on timing")
