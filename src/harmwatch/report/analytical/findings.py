"""Section: key findings, in plain words with their numbers.

Each finding states a count with its exact 95% interval, the comparison period
and the verdict of the exact test of change (or the test behind it), and a
caution when the numbers are too small to support a claim. Nothing here
computes a statistic: every number comes from an analysis of the other sections.
"""

from __future__ import annotations

from typing import Any

from harmwatch.analysis.counts import OccurrenceCounts
from harmwatch.analysis.coverage import CoverageResult
from harmwatch.analysis.deaths import DeathInvestigations
from harmwatch.analysis.hotspots import HotspotResult
from harmwatch.analysis.nearrepeat import NearRepeatResult
from harmwatch.analysis.partners import PartnerResult
from harmwatch.analysis.smallnumbers import SMALL_COUNT, format_p, poisson_ci
from harmwatch.report.analytical._context import Context, ci_text, label
from harmwatch.report.analytical.places import near_repeat_verdict
from harmwatch.report.document import KeyFinding, ReportDocument

__all__ = ["findings", "render"]

_SMALL = f"fewer than {SMALL_COUNT} events: too few to support a claim; read the interval"


def _count_finding(counts: OccurrenceCounts, group: str, ctx: Context) -> KeyFinding | None:
    test = counts.changes.get(group)
    if test is None:
        return None
    lower, upper = (float(v) for v in poisson_ci(test.k2))
    words = label(group)
    p = "" if test.k1 + test.k2 == 0 else f" ({format_p(test.p_value)})"
    verdict = test.verdict if "(p" in test.verdict else test.verdict + p
    return KeyFinding(
        text=f"{words} offences in {ctx.period.label}"
        if group != "homicide"
        else f"homicides in {ctx.period.label}",
        value=test.k2,
        detail=f"({ci_text(lower, upper)}); {test.k1} in {ctx.previous.label}: {verdict}.",
        caution=_SMALL if test.k2 < SMALL_COUNT else "",
    )


def findings(ctx: Context) -> list[KeyFinding]:
    """The key findings from the analyses in ``ctx.results``."""
    out: list[KeyFinding] = []
    counts: OccurrenceCounts = ctx.results["counts"]
    if counts.available:
        for group in ("homicide", "attempted_murder", "gbh"):
            finding = _count_finding(counts, group, ctx)
            if finding is not None:
                out.append(finding)
        changes = counts.tables.get("group_changes")
        if changes is not None and changes.height:
            strongest = changes.filter(changes["q_value"] < 0.05).sort("p_value")
            for group, k1, k2, verdict in (
                strongest.select("offence_group", "previous", "current", "verdict")
                .head(2)
                .iter_rows()
            ):
                if group in ("homicide", "attempted_murder", "gbh"):
                    continue
                out.append(
                    KeyFinding(
                        f"{label(group)} offences in {ctx.period.label}",
                        k2,
                        f"{k1} in {ctx.previous.label}: {verdict}, allowing for the number of "
                        "offence groups tested.",
                    )
                )
        if counts.pyramid_test.get("available"):
            t = counts.pyramid_test
            out.append(
                KeyFinding(
                    "of the near-miss pyramid's offences were homicide or attempted murder",
                    f"{t['top_current']} of {t['total_current']}",
                    f"{t['top_previous']} of {t['total_previous']} in {ctx.previous.label}: "
                    f"{t['verdict']}.",
                )
            )
    deaths: DeathInvestigations = ctx.results["deaths"]
    if deaths.available:
        share = deaths.tables["unexplained_share_by_year"]
        per = deaths.tables["by_place_type"].filter(period="current")
        now = int(per["count"].sum()) if per.height else 0
        before_t = deaths.tables["by_place_type"].filter(period="previous")
        before = int(before_t["count"].sum()) if before_t.height else 0
        out.append(
            KeyFinding(
                f"death reports in {ctx.period.label}",
                now,
                f"{before} in {ctx.previous.label}.",
            )
        )
        if share.height:
            last = share.tail(1).row(0, named=True)
            out.append(
                KeyFinding(
                    f"of death reports in {last['year']} classified unexplained or suspicious",
                    f"{last['share']:.1%}",
                    f"{last['unexplained_or_suspicious']} of {last['deaths']} (95% CI "
                    f"{last['lower']:.1%} to {last['upper']:.1%}).",
                    _SMALL if last["unexplained_or_suspicious"] < SMALL_COUNT else "",
                )
            )
        flagged = deaths.flagged
        out.append(
            KeyFinding(
                "institutions with more deaths than expected (above the 99.8% funnel limit)",
                len(flagged),
                "; ".join(
                    f"{f['name'] or f['institution_id']}: {f['observed']} deaths against "
                    f"{f['expected']:.1f} expected"
                    for f in flagged[:3]
                )
                + ("." if flagged else "none stands out."),
            )
        )
    hot: HotspotResult = ctx.results["hotspots"]
    if hot.available:
        figures: list[dict[str, Any]] = [
            h for h in _records(ctx.figures.get("hotspots")) if h.get("hotspot") == "hot"
        ]
        trends = ctx.figures.get("hotspot_trends") or {}
        persistent = len(trends.get("persistent", {}).get("areas", []))
        emerging = len(trends.get("emerging", {}).get("areas", []))
        out.append(
            KeyFinding(
                "small areas are significant hot spots of violence with injury",
                len(figures),
                (
                    f"hottest {figures[0]['area_name'] or figures[0]['area_code']} "
                    f"(Gi* z = {figures[0]['gi_z']:.1f}); "
                    if figures
                    else ""
                )
                + f"{persistent} persistent, {emerging} emerging since {ctx.previous.label}.",
            )
        )
    nr: NearRepeatResult = ctx.results["near_repeat"]
    if nr.available:
        out.append(
            KeyFinding(
                f"pairs of serious violent offences within {nr.distance:g} m and {nr.days:g} days",
                nr.pairs,
                f"against {nr.expected or 0:.1f} expected by chance: {near_repeat_verdict(nr)}.",
                _SMALL if nr.pairs < SMALL_COUNT else "",
            )
        )
    partners: PartnerResult = ctx.results["partners"]
    if partners.available and partners.matched_share is not None:
        low, high = partners.matched_share_ci or (0.0, 0.0)
        places = ctx.figures.get("ed_unmatched_places") or []
        top = (
            f" The ED sees most violence the police do not at {places[0]['venue'] or 'a place'} "
            f"in {places[0]['area_code']} ({places[0]['count']} attendances)."
            if places
            else ""
        )
        out.append(
            KeyFinding(
                "of ED assault attendances match a police record",
                f"{partners.matched_share:.0%}",
                f"{partners.matched} of {partners.attendances} (95% CI {low:.0%} to {high:.0%})."
                + top,
            )
        )
    coverage: CoverageResult = ctx.results["coverage"]
    if coverage.available:
        late = sum(1 for e in coverage.entries if e["late"])
        gaps = sum(1 for e in coverage.entries if e["gap_months"])
        out.append(
            KeyFinding(
                "data supplies are late or have missing months",
                late + gaps,
                f"{late} late, {gaps} with missing months, of {len(coverage.entries)} sources and "
                "kinds (see Data coverage and quality).",
            )
        )
    return out


def _records(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if hasattr(value, "to_dicts"):
        records: list[dict[str, Any]] = value.to_dicts()
        return records
    return list(value)


def render(doc: ReportDocument, ctx: Context) -> None:
    """Add the key findings (call after the other sections have filled ``ctx.figures``)."""
    doc.section("key-findings", "Key findings")
    items = findings(ctx)
    ctx.figures["key_findings"] = [
        {"text": f.text, "value": f.value, "detail": f.detail, "caution": f.caution} for f in items
    ]
    doc.paragraph(
        f"{ctx.period.label}, compared with {ctx.previous.label}, for {ctx.scope}. Each number "
        "comes with its interval or test; where the numbers are too small to support a claim "
        "the finding says so."
    )
    if items:
        doc.key_findings(items)
    if ctx.unavailable:
        sections = list(dict.fromkeys(u["section"] for u in ctx.unavailable))
        doc.warning(
            "Some parts of this report cannot be produced from the data loaded; each is "
            "explained where it would be.",
            title="What this report cannot show",
            reasons=[
                f"{s}: {next(u['reason'] for u in ctx.unavailable if u['section'] == s)}."
                for s in sections
            ],
        )
