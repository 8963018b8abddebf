"""Section part: unsolved clusters of homicides.

Renders :func:`harmwatch.analysis.unsolved.unsolved_clusters` (the Murder
Accountability Project's method): homicides grouped by district x victim sex
x method against the force's clearance rate, with exact binomial p and
Benjamini-Hochberg q. Part of :mod:`harmwatch.report.analytical.series`.

References
----------
.. [1] Hargrove T. Murder Accountability Project: clearance rates and the
   algorithm for identifying clusters of unsolved homicides
   (murderdata.org, 2015).
.. [2] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300 (q-values).
"""

from __future__ import annotations

import polars as pl

from harmwatch.analysis.smallnumbers import SMALL_COUNT
from harmwatch.analysis.unsolved import UnsolvedClusters
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument

__all__ = ["MAX_GROUPS", "render_unsolved"]

#: Most clusters shown in the body (the JSON has them all).
MAX_GROUPS = 15


def render_unsolved(doc: ReportDocument, ctx: Context, result: UnsolvedClusters) -> None:
    """Add the unsolved clusters of homicides."""
    doc.section("series-unsolved", "Unsolved clusters of homicides", level=2)
    ctx.figures["unsolved_clusters"] = result.to_json()
    if not result.available:
        ctx.cannot(doc, "Unsolved clusters", result.reason)
        return
    doc.paragraph(
        f"{result.cases} homicides over every year loaded, {result.cleared} charged: the "
        f"force's clearance rate is {result.force_rate * 100:.0f}%. Homicides are grouped by "
        "district, victim's sex and method (the Murder Accountability Project's method); a "
        "group is flagged when an exact one-sided binomial test finds so few charged "
        f"implausible at the force's rate (Benjamini-Hochberg q < {result.alpha:g})."
    )
    notes = list(result.warnings)
    if result.cleared == 0:
        notes.append(
            "no homicide loaded has the outcome 'charged' (outcomes not recorded, or none "
            "solved yet): no group can fall below the force's clearance rate"
        )
    ctx.caution(doc, notes, "Cautions on unsolved clusters")
    groups = result.groups.sort(["p_value", "cases"], descending=[False, True])
    shown = groups.head(MAX_GROUPS)
    doc.table(
        shown.select(
            "district",
            pl.col("victim_sex").alias("victim sex"),
            "method",
            "cases",
            "cleared",
            "unsolved",
            (pl.col("clearance_rate") * 100).alias("clearance %"),
            (pl.col("ci_low") * 100).alias("95% CI from"),
            (pl.col("ci_high") * 100).alias("to"),
            "p_value",
            "q_value",
            pl.when(pl.col("flagged")).then(pl.lit("yes")).otherwise(pl.lit("")).alias("flagged"),
        ),
        caption=f"Groups of homicides by clearance, least likely first ({groups.height} groups"
        + (f", the first {shown.height} shown" if shown.height < groups.height else "")
        + "; p: exact binomial, this few charged at the force's rate; q: adjusted for testing "
        "every group).",
        decimals={"clearance %": 0, "95% CI from": 0, "to": 0, "p_value": 4, "q_value": 4},
        small=[int(c) < SMALL_COUNT for c in shown["cases"]],
    )
    flagged = result.flagged
    if flagged.height:
        doc.bullets(
            [
                f"{r['district']}, {r['victim_sex']} victims, {label(r['method'])}: "
                f"{r['unsolved']} of {r['cases']} unsolved; unsolved cases: "
                + ", ".join(r["unsolved_ids"])
                for r in flagged.iter_rows(named=True)
            ]
        )
    else:
        doc.paragraph(
            "No group's clearance is significantly below the force's after adjusting for "
            "testing every group."
        )
