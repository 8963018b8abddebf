"""Section: death investigations.

Death reports by classification and year, by place type and institution type
(this period against the one before), the share classified unexplained or
suspicious over time with exact (Clopper-Pearson) intervals, and deaths per
institution against expected on a Poisson funnel (Spiegelhalter 2005) with the
institutions above the 99.8% limit listed with the ids of their deaths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from harmwatch.analysis.deaths import DeathInvestigations
from harmwatch.analysis.smallnumbers import FUNNEL_LEVELS, funnel_limits
from harmwatch.report.analytical._context import Context, group_label, label, nonzero
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import funnel_plot, grouped_bar_chart, line_chart

__all__ = ["SECTION", "render"]

SECTION = "Death investigations"


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    deaths: DeathInvestigations = ctx.results["deaths"]
    doc.section("deaths", SECTION)
    ctx.figures["deaths_by_classification_year"] = deaths.deaths_by_classification_year
    ctx.figures["deaths"] = deaths.to_json()
    if not deaths.available:
        ctx.cannot(doc, SECTION, deaths.reason)
        return
    doc.paragraph(
        "Deaths reported to or investigated by the police, for the whole force area, "
        f"{ctx.period.label} against {ctx.previous.label}, in the context of every year loaded."
        + (" (Deaths are not restricted to the area chosen.)" if ctx.area else "")
    )
    ctx.caution(doc, deaths.warnings, "Cautions on death investigations")
    _classification(doc, deaths)
    _places(doc, ctx, deaths)
    _share(doc, deaths)
    _institutions(doc, ctx, deaths)


def _classification(doc: ReportDocument, deaths: DeathInvestigations) -> None:
    table = deaths.tables["by_classification_year"]
    wide = table.pivot(on="classification", index="year", values="count").sort("year").fill_null(0)
    classes = [c for c in wide.columns if c != "year"]
    doc.figure(
        grouped_bar_chart(
            [str(y) for y in wide["year"]],
            {group_label(c): wide[c].to_numpy() for c in classes},
            stacked=True,
            title="Death reports by classification and year",
            value_label="Death reports",
            category_label="Year",
        ),
        caption="Death reports each year by classification (stacked).",
        table=table.select("classification", "year", "count", "lower", "upper", "small"),
        small="small",
        decimals={"lower": 1, "upper": 1},
    )


def _places(doc: ReportDocument, ctx: Context, deaths: DeathInvestigations) -> None:
    for column, words in (("place_type", "place type"), ("institution_type", "institution type")):
        table = deaths.tables[f"by_{column}"]
        wide = table.pivot(on="period", index="value", values="count").fill_null(0)
        for name in ("current", "previous"):
            if name not in wide.columns:
                wide = wide.with_columns(pl.lit(0).alias(name))
        wide = wide.sort("current", descending=True)
        if not nonzero(wide["current"]) and not nonzero(wide["previous"]):
            continue
        doc.figure(
            grouped_bar_chart(
                [label(v) for v in wide["value"]],
                {
                    ctx.period.label: wide["current"].to_numpy(),
                    ctx.previous.label: wide["previous"].to_numpy(),
                },
                horizontal=True,
                title=f"Death reports by {words}",
                value_label="Death reports",
            ),
            caption=f"Death reports by {words}, this period against the period before.",
            table=table.select("period", "value", "count", "lower", "upper", "share", "small"),
            small="small",
            decimals={"lower": 1, "upper": 1, "share": 3},
        )


def _share(doc: ReportDocument, deaths: DeathInvestigations) -> None:
    by_year = deaths.tables["unexplained_share_by_year"]
    by_quarter = deaths.tables["unexplained_share_by_quarter"]
    table, unit = (by_year, "year") if by_year.height >= 3 else (by_quarter, "quarter")
    if table.is_empty():
        return
    doc.figure(
        line_chart(
            [str(v) for v in table[unit]],
            {"Unexplained or suspicious": (table["share"] * 100).to_numpy()},
            lower={"Unexplained or suspicious": (table["lower"] * 100).to_numpy()},
            upper={"Unexplained or suspicious": (table["upper"] * 100).to_numpy()},
            title="Share of deaths classified unexplained or suspicious",
            value_label="% of death reports",
            x_label=unit.capitalize(),
            decimals=1,
        ),
        caption=f"The share of death reports classified unexplained or suspicious, by {unit}, "
        "with exact 95% intervals (shaded).",
        table=table,
        decimals={"share": 3, "lower": 3, "upper": 3},
    )


def _institutions(doc: ReportDocument, ctx: Context, deaths: DeathInvestigations) -> None:
    doc.section("deaths-institutions", "Deaths per institution against expected", level=2)
    table = deaths.tables["institutions"]
    placed = table.filter(pl.col("expected").fill_null(0) > 0)
    ctx.figures["flagged_institutions"] = deaths.flagged
    if placed.is_empty() or not nonzero(placed["observed"]):
        ctx.cannot(
            doc,
            "Deaths per institution",
            "no institution has an expected number of deaths (no institutions loaded, or none "
            f"with a capacity or expected deaths), or none had a death in {ctx.period.label}",
        )
        return
    expected = placed["expected"].to_numpy().astype(np.float64)
    grid = np.linspace(max(expected.min() * 0.8, 0.05), expected.max() * 1.05, 80)
    limits = funnel_limits(grid, 1.0)
    curves: dict[str, tuple[Any, Any, Any]] = {}
    for level in FUNNEL_LEVELS:
        lower, upper = limits.indicator_limits(level)
        curves[f"{level * 100:g}%"] = (grid, lower, upper)
    names = [str(n or i) for n, i in placed.select("name", "institution_id").iter_rows()]
    doc.figure(
        funnel_plot(
            names,
            expected,
            placed["ratio"].to_numpy(),
            target=1.0,
            limits=curves,
            title="Deaths per institution against expected",
            target_label="as expected",
            x_label="Expected deaths in the period",
            y_label="Observed / expected",
        ),
        caption=f"Deaths at each institution in {ctx.period.label} against the number "
        "expected (from the partner's expected deaths a year, else its capacity times the "
        "force's rate for its type), with 95% and 99.8% exact Poisson limits. Institutions "
        "above the 99.8% limit are named.",
        table=placed.select(
            "institution_id",
            "name",
            "type",
            "observed",
            "expected",
            "expected_basis",
            "ratio",
            "upper_95",
            "upper_99_8",
            "position",
            "p_value",
            "q_value",
        ),
        decimals={
            "expected": 2,
            "ratio": 2,
            "upper_95": 1,
            "upper_99_8": 1,
            "p_value": 4,
            "q_value": 4,
        },
    )
    if deaths.flagged:
        doc.table(
            [
                {
                    "institution": f"{f['name'] or f['institution_id']} ({f['institution_id']})",
                    "type": label(f["type"]),
                    "observed": f["observed"],
                    "expected": f["expected"],
                    "p_value": f["p_value"],
                    "death_ids": ", ".join(f["death_ids"]),
                }
                for f in deaths.flagged
            ],
            caption=f"Institutions above the 99.8% limit in {ctx.period.label}, with the "
            "deaths behind each flag. A flag is a prompt to look at the records, not a finding "
            "of wrongdoing.",
            decimals={"expected": 1, "p_value": 5},
        )
    else:
        doc.paragraph(
            f"No institution lies above the 99.8% limit in {ctx.period.label}: "
            f"{placed.height} institutions were compared with their expected deaths."
        )
