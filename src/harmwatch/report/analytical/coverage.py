"""Section: data coverage and quality (Serious Violence Duty).

Which partner supplied which kind of data, up to which date, how complete the
mandatory and key fields are, which months are missing and which extracts are
late (Home Office 2022; completeness and timeliness as in Wang & Strong 1996).
"""

from __future__ import annotations

import polars as pl

from harmwatch.analysis.coverage import CoverageResult
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import sparklines

__all__ = ["SECTION", "render"]

SECTION = "Data coverage and quality"


def _lowest(shares: dict[str, float | None]) -> str:
    known = {k: v for k, v in shares.items() if v is not None}
    if not known:
        return "-"
    name = min(known, key=lambda k: (known[k], k))
    return f"{known[name]:.0%} ({name.replace('_', ' ')})"


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    result: CoverageResult = ctx.results["coverage"]
    doc.section("coverage", SECTION)
    ctx.figures["coverage"] = result.entries
    ctx.figures["data_coverage"] = result.to_json()
    if not result.available:
        ctx.cannot(doc, SECTION, result.reason)
        return
    as_of = result.as_of.isoformat() if result.as_of else "the newest data"
    late = [e for e in result.entries if e["late"]]
    gaps = [e for e in result.entries if e["gap_months"]]
    doc.paragraph(
        f"What each partner supplied, judged as of {as_of}: {len(result.entries)} source and "
        f"kind combinations, {len(late)} late (last record more than {result.late_days} days "
        f"before {as_of}) and {len(gaps)} with months missing. A section of this report is "
        "only as complete as the data behind it."
    )
    rows = [
        {
            "source": e["source"],
            "kind": label(e["kind"]),
            "records": e["records"],
            "first_date": e["first_date"],
            "last_date": e["last_date"],
            "extracts": e["extracts"],
            "days_behind": e["days_behind"],
            "late": "late" if e["late"] else "",
            "quarantined": e["rows_quarantined"],
            "lowest_mandatory": _lowest(e["mandatory_completeness"]),
            "lowest_key_field": _lowest(e["field_completeness"]),
            "gap_months": ", ".join(e["gap_months"]) or "-",
        }
        for e in result.entries
    ]
    doc.table(
        rows,
        caption="Data supplied, per source and kind: records, dates covered, extracts loaded, "
        "lateness, rows held in quarantine, the least complete mandatory column and key "
        "field, and months with no record.",
        labels={
            "lowest_mandatory": "Least complete mandatory column",
            "lowest_key_field": "Least complete key field",
        },
    )
    monthly = result.tables.get("monthly")
    if monthly is not None and monthly.height:
        series: dict[str, list[float]] = {}
        last = f"{ctx.period.end.year:04d}-{ctx.period.end.month:02d}"
        monthly = monthly.filter(pl.col("month") < last)  # not the months after the period
        months = sorted(set(monthly["month"].to_list()))
        for (source, kind), part in monthly.group_by("source", "kind", maintain_order=True):
            found = dict(part.select("month", "records").iter_rows())
            series[f"{label(kind)} ({source})"] = [float(found.get(m, 0)) for m in months]
        if len(months) >= 2 and series:
            doc.figure(
                sparklines(
                    series,
                    x_labels=months,
                    title="Records a month, per source and kind",
                    columns=3,
                ),
                caption="Records a month of each kind from each source (each panel on its own "
                "scale): a drop to zero is a missing extract.",
                table=monthly.pivot(on="month", index=["source", "kind"], values="records")
                if len(months) <= 24
                else monthly.group_by(
                    "source", "kind", pl.col("month").str.slice(0, 4).alias("year")
                )
                .agg(pl.col("records").sum())
                .sort("source", "kind", "year"),
                table_caption="Records per source and kind "
                + (
                    "by month."
                    if len(months) <= 24
                    else "by year (monthly counts in the JSON figures)."
                ),
            )
    if result.warnings:
        doc.warning(
            "These problems with the data supplied limit what the report can say.",
            title="Gaps, late extracts and incomplete fields",
            reasons=result.warnings[:30]
            + ([f"... and {len(result.warnings) - 30} more"] if len(result.warnings) > 30 else []),
        )
