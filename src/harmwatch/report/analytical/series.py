"""Section: linked series and unusual patterns of death.

Three parts, each from its analysis:

- candidate series of serious violence and deaths classified suspicious or
  unexplained (:func:`harmwatch.analysis.series.series_linkage`: pairs scored
  as likelihood ratios after Porter 2016, joined into series), each with its
  members, the features that carry its links and how rare its shared MO codes
  are;
- unsolved clusters (:func:`harmwatch.analysis.unsolved.unsolved_clusters`:
  the Murder Accountability Project's method), homicides grouped by district x
  victim sex x method against the force's clearance rate, exact binomial p and
  Benjamini-Hochberg q;
- death monitoring (:func:`harmwatch.analysis.monitoring.death_monitoring`:
  Poisson CUSUM of Aylin et al. 2003 / risk-adjusted SPRT of Spiegelhalter et
  al. 2003) of institutions and practitioners: the CUSUM path of each entity
  that signalled in the report period or is still in alarm, against its
  threshold, and a table of those alarms with the deaths behind each.

:func:`analyse` runs the three; :func:`render` writes the section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, or_, select

from harmwatch.analysis.monitoring import DeathMonitoring, MonitoredEntity
from harmwatch.analysis.series import DEATH_CLASSES, SERIOUS_VIOLENCE, Series, SeriesResult
from harmwatch.analysis.smallnumbers import SMALL_COUNT
from harmwatch.analysis.unsolved import UnsolvedClusters
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import grouped_bar_chart, line_chart
from harmwatch.store.schema import kind_tables

__all__ = ["SECTION", "SeriesAnalyses", "analyse", "render"]

SECTION = "Linked series and unusual patterns of death"
#: Most series, clusters and CUSUM charts shown in the body (the JSON has them all).
MAX_SERIES = 12
MAX_GROUPS = 15
MAX_CHARTS = 6
#: Most periods drawn on a CUSUM chart (the latest).
MAX_PATH = 60
_FEATURE_WORDS = {
    "mo": "MO overlap",
    "distance": "distance",
    "days_apart": "days apart",
    "weapon": "weapon",
    "location_type": "location type",
    "victim_sex": "victim's sex",
    "victim_age": "victim's age band",
    "shared_person": "shared person",
}


@dataclass
class SeriesAnalyses:
    """The three analyses of the section; a part is None with ``*_reason`` when it cannot run."""

    series: SeriesResult | None
    series_reason: str
    unsolved: UnsolvedClusters
    monitoring: DeathMonitoring


def _count(engine: Engine, kind: str, *where: Any) -> int:
    table = kind_tables[kind]
    query = select(func.count()).select_from(table)
    for clause in where:
        query = query.where(clause)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def _run_series(engine: Engine) -> tuple[SeriesResult | None, str]:
    from harmwatch.analysis.series import series_linkage

    occ = kind_tables["police_occurrences"].c
    dth = kind_tables["deaths"].c
    serious = occ.offence_group.in_(SERIOUS_VIOLENCE)
    classed = dth.classification.in_(DEATH_CLASSES)
    n_cases = _count(engine, "police_occurrences", serious) + _count(engine, "deaths", classed)
    if n_cases < 2:
        return None, (
            "fewer than two cases to compare (serious violence, deaths classified suspicious "
            "or unexplained)"
        )
    comparable = _count(
        engine,
        "police_occurrences",
        serious,
        or_(occ.easting.is_not(None), occ.mo.is_not(None)),
    ) + _count(engine, "deaths", classed, or_(dth.easting.is_not(None), dth.mo.is_not(None)))
    if comparable == 0:
        return None, (
            f"none of the {n_cases} cases (serious violence, deaths classified suspicious or "
            "unexplained) has a location or MO codes, so cases cannot be compared"
        )
    try:
        return series_linkage(engine), ""
    except pl.exceptions.PolarsError as error:
        if _count(engine, "deaths", classed) == 0:
            return None, (
                "no death reports classified suspicious or unexplained are loaded, and the "
                "series analysis cannot yet compare cases without them (a known fault of "
                "harmwatch.analysis.series)"
            )
        return None, f"the series analysis failed on this store ({type(error).__name__})"


def analyse(engine: Engine) -> SeriesAnalyses:
    """Run series linkage, unsolved clusters and death monitoring (read only)."""
    from harmwatch.analysis.monitoring import death_monitoring
    from harmwatch.analysis.unsolved import unsolved_clusters

    series, reason = _run_series(engine)
    return SeriesAnalyses(series, reason, unsolved_clusters(engine), death_monitoring(engine))


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the section (see the module docstring)."""
    found: SeriesAnalyses = ctx.results["series"]
    doc.section("series", SECTION)
    doc.paragraph(
        "Patterns that people found late in past inquiries: cases that look like the work "
        "of one offender, groups of homicides that are rarely solved, and institutions or "
        "practitioners with more deaths than expected. Each is a prompt to look at the "
        "records behind it, never a finding of guilt. These analyses use every year loaded, "
        "for the whole force" + (" (not restricted to the area chosen)." if ctx.area else ".")
    )
    _series(doc, ctx, found.series, found.series_reason)
    _unsolved(doc, ctx, found.unsolved)
    _monitoring(doc, ctx, found.monitoring)


# --- Candidate series ------------------------------------------------------------------


def _codes_text(shared: list[dict[str, Any]]) -> str:
    parts = []
    for code in sorted(shared, key=lambda c: c["cases"])[:4]:
        share = code.get("share")
        rarity = f", {share * 100:.1f}%" if isinstance(share, float) else ""
        parts.append(f"{code['code']} ({code['cases']} cases{rarity})")
    return "; ".join(parts) or "none"


def _strongest(series: Series, n: int = 3) -> str:
    ranked = sorted(series.contributions.items(), key=lambda kv: kv[1], reverse=True)
    return ", ".join(
        f"{_FEATURE_WORDS.get(k, label(k))} ({v:+.1f})" for k, v in ranked[:n] if v > 0
    )


def _in_period(ctx: Context, day: object) -> bool:
    text = str(day)[:10]
    try:
        when = date.fromisoformat(text)
    except ValueError:
        return False
    return ctx.period.start <= when < ctx.period.end


def _series(doc: ReportDocument, ctx: Context, result: SeriesResult | None, reason: str) -> None:
    doc.section("series-linked", "Candidate linked series", level=2)
    ctx.figures["series"] = (
        result.to_json()
        if result is not None
        else {"available": False, "reason": reason, "series": []}
    )
    if result is None or not result.available:
        ctx.cannot(doc, "Linked series", reason or (result.reason if result else ""))
        return
    model = result.model
    basis = (
        f"learned from {model.linked_pairs} solved linked pairs in the force's own data"
        if model is not None and model.trained
        else "hand-set from the literature (the force's solved linked cases are too few, or "
        "show no consistency in MO, place or time to learn from: see the cautions)"
    )
    doc.paragraph(
        f"{result.cases} cases compared (serious violence; deaths classified suspicious or "
        "unexplained; and deaths recorded as natural outside hospital that share an MO code "
        f"with another case); {result.pairs_scored} candidate pairs after blocking (near in space "
        "and time, a shared rare MO code, or a shared person). Each pair is scored as a "
        "likelihood ratio from its MO overlap (weighted by how rare each code is), distance, "
        "days apart, weapon, location type, victim profile and shared persons, with ratios "
        f"{basis}. Pairs scoring at least {10**result.threshold:,.0f} to 1 (log10 "
        f"{result.threshold:g}) are joined into candidate series."
    )
    ctx.caution(doc, result.warnings, "Cautions on linked series")
    active = result.active
    if not active:
        doc.paragraph(
            "No candidate series: no pair of cases scored above the threshold"
            + (" (or every series was rejected by an analyst)." if result.series else ".")
        )
        return
    shown = active[:MAX_SERIES]
    rows = []
    for s in shown:
        dates = sorted(str(m["date"])[:10] for m in s.members if m.get("date"))
        whats = pl.Series([label(m["what"]) for m in s.members]).value_counts(sort=True)
        rows.append(
            {
                "series": s.series_id,
                "status": s.status,
                "cases": len(s.members),
                "what": ", ".join(f"{n} {w}" for w, n in whats.iter_rows()),
                "from": dates[0] if dates else "",
                "to": dates[-1] if dates else "",
                "in_period": sum(_in_period(ctx, m.get("date")) for m in s.members),
                "strongest_link": max((float(p["score"]) for p in s.pairs), default=None),
                "strongest_features": _strongest(s),
                "shared_mo_codes": _codes_text(s.shared_codes),
                "known_suspect": "yes" if s.known_suspect else "no",
            }
        )
    doc.table(
        rows,
        caption=f"Candidate series ({len(active)} in all"
        + (f", the {len(shown)} largest shown" if len(shown) < len(active) else "")
        + "): their cases, the features that carry their links (mean log10 likelihood ratio "
        "each adds) and the MO codes they share, with how many of all cases compared carry "
        "each code (the fewer, the more telling). 'Known suspect': every link rests on a "
        "suspect already named in both cases.",
        labels={
            "in_period": f"cases in {ctx.period.label}",
            "strongest_link": "strongest link (log10 LR)",
        },
        decimals={"strongest_link": 1},
    )
    doc.table(
        [
            {
                "series": s.series_id,
                "record_id": m["record_id"],
                "kind": m["kind"],
                "date": str(m.get("date") or "")[:10],
                "what": label(m["what"]),
                "area_code": m.get("area_code") or "",
                "score": m["score"],
            }
            for s in shown
            for m in s.members
        ],
        caption="The cases of each series shown, with each case's strongest link in its "
        "series (log10 likelihood ratio).",
        decimals={"score": 1},
    )
    features = list(_FEATURE_WORDS)
    charted = shown[:4]
    values = {s.series_id: [float(s.contributions.get(f, 0.0)) for f in features] for s in charted}
    if any(v != 0 for vals in values.values() for v in vals):
        doc.figure(
            grouped_bar_chart(
                [_FEATURE_WORDS[f] for f in features],
                values,
                horizontal=True,
                title="What links the cases of each series",
                value_label="Mean log10 likelihood ratio over the series' links",
                decimals=1,
            ),
            caption="What each feature adds, on average, to the links of the largest series "
            "(log10 likelihood ratio: +1 makes a link ten times more likely, below 0 counts "
            "against it).",
            table=pl.DataFrame(
                [
                    {"series": sid, "feature": _FEATURE_WORDS[f], "mean_log10_lr": v}
                    for sid, vals in values.items()
                    for f, v in zip(features, vals, strict=True)
                ]
            ),
            decimals={"mean_log10_lr": 2},
        )


# --- Unsolved clusters ------------------------------------------------------------------


def _unsolved(doc: ReportDocument, ctx: Context, result: UnsolvedClusters) -> None:
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


# --- Death monitoring -------------------------------------------------------------------


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


def _monitoring(doc: ReportDocument, ctx: Context, result: DeathMonitoring) -> None:
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
