"""Section part: candidate linked series of serious violence and deaths.

Renders :func:`harmwatch.analysis.series.series_linkage` (pairs of cases
scored as likelihood ratios after Porter 2016, joined into series): each
series with its members, the features that carry its links and how rare its
shared MO codes are. Part of :mod:`harmwatch.report.analytical.series`.

References
----------
.. [1] Porter MD. A statistical approach to crime linkage. The American
   Statistician 2016; 70(2):152-165 (arXiv:1410.2285).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from harmwatch.analysis.series import Series, SeriesResult
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import grouped_bar_chart

__all__ = ["MAX_SERIES", "render_linked"]

#: Most series shown in the body (the JSON has them all).
MAX_SERIES = 12
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


def render_linked(
    doc: ReportDocument, ctx: Context, result: SeriesResult | None, reason: str
) -> None:
    """Add the candidate linked series (``reason``: why there are none when ``result`` is None)."""
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
