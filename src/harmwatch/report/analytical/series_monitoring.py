"""Section part: deaths monitored by institution and practitioner.

Renders :func:`harmwatch.analysis.monitoring.death_monitoring` (Poisson CUSUM
of Aylin et al. 2003 / risk-adjusted SPRT of Spiegelhalter et al. 2003): the
CUSUM path of each institution or practitioner that signalled in the report
period or is still in alarm, against its threshold, and a table of those
alarms with the deaths behind each. Part of
:mod:`harmwatch.report.analytical.series`.

References
----------
.. [1] Spiegelhalter D, Grigg O, Kinsman R, Treasure T. Risk-adjusted
   sequential probability ratio tests: applications to Bristol, Shipman and
   adult cardiac surgery. Int J Qual Health Care 2003; 15:7-13.
.. [2] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
   system for monitoring mortality rates in primary care. Lancet 2003;
   362:485-491.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from harmwatch.analysis.monitoring import DeathMonitoring, MonitoredEntity
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import line_chart

__all__ = ["MAX_CHARTS", "MAX_PATH", "render_monitoring"]

#: Most CUSUM charts shown in the body (the JSON has them all).
MAX_CHARTS = 6
#: Most periods drawn on a CUSUM chart (the latest).
MAX_PATH = 60


def _period_start(text: str) -> date | None:
    try:
        year, rest = text.split("-", 1)
        if rest.startswith("Q"):
            return date(int(year), 3 * int(rest[1:]) - 2, 1)
        return date(int(year), int(rest), 1)
    except ValueError:
        return None


def _watched(ctx: Context, result: DeathMonitoring) -> list[tuple[MonitoredEntity, bool, bool]]:
    """Entities that signalled in the period or are still in alarm: (entity, in period, still)."""
    out = []
    for entity in result.entities:
        in_period = any(
            (start := _period_start(str(a["period"]))) is not None
            and ctx.period.start <= start < ctx.period.end
            for a in entity.alarms
        )
        still = entity.path.height > 0 and float(entity.path["statistic"][-1]) >= entity.threshold
        if in_period or still:
            out.append((entity, in_period, still))
    return out


def render_monitoring(doc: ReportDocument, ctx: Context, result: DeathMonitoring) -> None:
    """Add the monitoring of deaths: the alarms, their deaths and CUSUM charts."""
    doc.section("series-monitoring", "Deaths monitored by institution and practitioner", level=2)
    figures: dict[str, Any] = {
        "available": result.available,
        "reason": result.reason,
        "period": result.period,
        "periods": result.periods,
        "relative_risk": result.relative_risk,
        "threshold_method": result.threshold_method,
        "alpha": result.alpha,
        "beta": result.beta,
        "threshold": result.threshold,
        "family_error": result.family_error,
        "tolerated_false_alarms": result.tolerated_false_alarms,
        "institution_false_alarm": result.institution_false_alarm,
        "practitioner_false_alarm": result.practitioner_false_alarm,
        "settings": result.settings_text() if result.available else "",
        "entities_monitored": {},
        "alarms": [],
        "warnings": list(result.warnings),
    }
    ctx.figures["death_monitoring"] = figures
    if not result.available:
        ctx.cannot(doc, "Death monitoring", result.reason)
        return
    if not result.entities:
        ctx.cannot(
            doc,
            "Death monitoring",
            "no institution has an expected number of deaths (no institutions loaded, or none "
            "with a capacity or expected deaths a year), so nothing can be monitored",
        )
        return
    kinds = pl.Series([e.entity_kind for e in result.entities]).value_counts(sort=True)
    figures["entities_monitored"] = dict(kinds.iter_rows())
    names: dict[str, str] = {}
    table = result.tables.get("institutions")
    if table is not None and table.height:
        names = {str(i): str(n) for i, n in table.select("institution_id", "name").iter_rows() if n}
    n_inst = sum(1 for e in result.entities if e.entity_kind != "practitioner")
    n_prac = len(result.entities) - n_inst
    doc.paragraph(
        f"Deaths at {n_inst} institutions and certified by {n_prac} practitioners, "
        f"{result.period} by {result.period} ({result.periods[0]} to {result.periods[-1]}), "
        "against the deaths expected (the institution's expected deaths a year, else its "
        "capacity times the force's rate for its type where capacity explains deaths, else "
        "its own rate in a run-in period; following the season). Each chart is "
        "a Poisson CUSUM: it adds the evidence for a rate "
        f"{result.relative_risk:g} times the expected each {result.period}, resets at zero, "
        f"and signals when it reaches its threshold: {result.settings_text()}."
    )
    ctx.caution(doc, result.warnings, "Cautions on death monitoring")
    watched = _watched(ctx, result)
    if result.threshold_method == "wald":
        chance = (
            "with one threshold for every chart, an institution whose deaths are exactly as "
            "expected still signals at least once in ten years with a chance of about 7% (5 "
            "deaths expected a year) to 21% (50 a year)"
        )
    else:
        n_prac_expected = result.practitioner_false_alarm * n_prac
        chance = (
            "the thresholds allow for the number of charts and the length of the data, so "
            "among institutions a false alarm is unlikely; among practitioners about "
            f"{n_prac_expected:.0f} of {n_prac} charts are expected to signal by chance over "
            "the period charted"
        )
    doc.paragraph(
        f"A false alarm is expected now and then: {chance} (measured on simulated data, "
        "docs/monitoring.md). An alarm is a prompt to look at the deaths behind it, not a "
        "finding of wrongdoing."
    )
    if not watched:
        doc.paragraph(
            f"No institution or practitioner signalled in {ctx.period.label}, and none is in "
            "alarm at the end of the data."
        )
        return
    rows = []
    for entity, in_period, still in watched:
        latest = entity.alarms[-1] if entity.alarms else None
        in_alarm_ids = latest["death_ids"] if latest else []
        name = names.get(entity.entity, "")
        record: dict[str, Any] = {
            "entity": entity.entity,
            "name": name,
            "entity_kind": entity.entity_kind,
            "first_signal_period": entity.first_signal_period,
            "latest_signal_period": latest["period"] if latest else None,
            "signalled_in_period": in_period,
            "in_alarm": still,
            "observed": latest["observed"] if latest else entity.observed,
            "expected": latest["expected"] if latest else entity.expected,
            "statistic": float(entity.path["statistic"][-1]),
            "threshold": entity.threshold,
            "deaths": len(in_alarm_ids),
            "death_ids": in_alarm_ids,
            "path": entity.path.select("period", "observed", "expected", "statistic"),
        }
        figures["alarms"].append(record)
        rows.append(record)
    doc.table(
        [
            {
                "entity": f"{r['name']} ({r['entity']})" if r["name"] else r["entity"],
                "kind": label(r["entity_kind"]),
                "first signal": r["first_signal_period"] or "",
                "latest signal": r["latest_signal_period"] or "",
                "in alarm now": "yes" if r["in_alarm"] else "no",
                "observed": r["observed"],
                "expected": r["expected"],
                "deaths behind it": r["deaths"],
            }
            for r in rows
        ],
        caption=f"Institutions and practitioners that signalled in {ctx.period.label} or are "
        "still in alarm: the period of the first signal and of the latest, deaths observed "
        "against expected over the run behind the latest signal, and how many deaths that "
        "run holds (their ids are in the JSON figures, death_monitoring.alarms).",
        decimals={"expected": 1},
    )
    for r in rows[:MAX_CHARTS]:
        path: pl.DataFrame = r["path"].tail(MAX_PATH)
        title = f"{r['name'] or r['entity']} ({label(r['entity_kind'])})"
        doc.figure(
            line_chart(
                path["period"].to_list(),
                {"CUSUM": path["statistic"].to_numpy()},
                title=f"CUSUM of deaths: {title}",
                value_label="CUSUM (log-likelihood ratio)",
                x_label=result.period.capitalize(),
                decimals=2,
                markers=path.height <= 36,
                reference=r["threshold"],
                reference_label=f"threshold h = {r['threshold']:.2f}",
            ),
            caption=f"The CUSUM of deaths for {title}, {result.period} by {result.period}: it "
            "rises when deaths exceed what is expected and signals at the threshold.",
            table=path,
            decimals={"expected": 2, "statistic": 3},
        )
    if len(rows) > MAX_CHARTS:
        doc.paragraph(
            f"Charts are drawn for the first {MAX_CHARTS} of {len(rows)}; the JSON figures "
            "hold every path."
        )
