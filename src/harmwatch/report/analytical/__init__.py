"""The analytical report: every analysis of the store, assembled into one document.

:func:`build_report` runs the analyses (counts and rates, death investigations,
time patterns, linked series, unsolved clusters, death monitoring, hotspots,
near repeats, escalation risk, partner data, data coverage) for one period
against the period before, and builds a
:class:`~harmwatch.report.document.ReportDocument` with the sections of issues
3, 5 and 6: key findings; homicide and near misses; death investigations;
linked series and unusual patterns of death; hotspots and near repeats; near
misses and escalation (aggregated: no names unless ``include_names``); partner
data; data coverage and quality; methods and caveats (the document adds the
appendix with every chart's table). Where the data loaded
cannot support a part (no deaths, no ED data, no locations, no times of day...)
the report says so in that place, and lists it in ``unavailable``; it never
draws an empty chart. :func:`write_report` writes the HTML, the PDF and the
figures as JSON.

Examples
--------
>>> from harmwatch.store.database import open_store
>>> report = build_report(open_store("sqlite:///harmwatch.db"))  # doctest: +SKIP
>>> write_report(report, html="report.html", json="figures.json")  # doctest: +SKIP
"""

from __future__ import annotations

import json as _json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from harmwatch.analysis.data import Period, _add_months, read_kind
from harmwatch.errors import HarmWatchError
from harmwatch.report.analytical import (
    coverage,
    deaths,
    escalation,
    findings,
    homicide,
    methods,
    partners,
    places,
    series,
)
from harmwatch.report.analytical._context import Context, jsonable, period_json
from harmwatch.report.document import ReportDocument
from harmwatch.report.pdf import Engine as PdfEngine
from harmwatch.report.pdf import to_pdf
from harmwatch.store.schema import kind_tables

__all__ = ["REPORT_KINDS", "AnalyticalReport", "build_report", "resolve_period", "write_report"]

#: Kinds whose newest record sets the default period (the report needs one of them).
REPORT_KINDS = ("police_occurrences", "deaths", "ed_assaults")
TITLE = "Homicide, serious violence and deaths: analytical report"


@dataclass
class AnalyticalReport:
    """The report, built.

    Attributes
    ----------
    document : ReportDocument
        The document (``document.render()`` is the HTML).
    figures : dict
        Every figure the report states, JSON-ready (see ``docs/figures.md``).
    unavailable : list of dict
        ``{"section", "reason"}``: each part that could not be produced, and why.
    period, previous : Period
        The period reported and the period it is compared with.
    warnings : list of str
        Every caution the analyses raised.
    """

    document: ReportDocument
    figures: dict[str, Any]
    unavailable: list[dict[str, str]]
    period: Period
    previous: Period
    warnings: list[str] = field(default_factory=list)

    def html(self) -> str:
        """The report as one self-contained HTML page."""
        return self.document.render()


def _count(engine: Engine, kind: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(kind_tables[kind])).scalar() or 0
        )


def resolve_period(
    engine: Engine, start: date | None = None, end: date | None = None
) -> tuple[Period, Period]:
    """The period reported (``start`` to ``end``, both days included) and the one before.

    Defaults: the last 12 complete calendar months of the newest data among
    police occurrences, deaths and ED attendances; with only ``start``, the 12
    months from it; with only ``end``, the 12 months to it.

    Raises
    ------
    HarmWatchError
        When ``end`` is before ``start``, or nothing is loaded to report on.
    """
    from harmwatch.analysis.counts import default_period

    if start and end and end < start:
        raise HarmWatchError(f"--to {end} is before --from {start}")
    if start and end:
        period = Period(start, end + timedelta(days=1))
    elif start:
        period = Period(start, _shift(start, 12))
    elif end:
        stop = end + timedelta(days=1)
        period = Period(_shift(stop, -12), stop)
    else:
        found = [p for p in (default_period(engine, k) for k in REPORT_KINDS) if p is not None]
        if not found:
            raise HarmWatchError(
                "nothing to report: the store holds no police occurrences, deaths or ED "
                "attendances (load data with `harmwatch ingest`, or try `harmwatch demo`)"
            )
        period = max(found, key=lambda p: p.end)
    return period, period.previous()


def _shift(day: date, months: int) -> date:
    if day.day == 1:
        return _add_months(day, months)
    moved = _add_months(date(day.year, day.month, 1), months)
    return moved + timedelta(days=day.day - 1)


def _area_codes(areas: pl.DataFrame, area: str | None) -> set[str] | None:
    if area is None:
        return None
    inside = areas.filter((pl.col("area_code") == area) | (pl.col("parent_code") == area))
    if inside.is_empty():
        known = areas["parent_code"].drop_nulls().unique().sort().to_list()[:8]
        hint = f" (districts loaded include {', '.join(known)})" if known else ""
        if areas.is_empty():
            hint = " (no areas are loaded)"
        raise HarmWatchError(
            f"unknown area {area!r}: not the code of a small area or district loaded{hint}"
        )
    return {str(c) for c in inside["area_code"]}


def build_report(
    engine: Engine,
    *,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    generated: str | None = None,
    include_names: bool = False,
) -> AnalyticalReport:
    """Run every analysis and assemble the analytical report.

    Parameters
    ----------
    engine : Engine
        The store (read only: nothing is written).
    start, end : date, optional
        First and last day reported (default: the last 12 complete months).
    area : str, optional
        A small area (``area_code``) or district (``parent_code``) to report on.
    seed : int
        Seed of every random permutation.
    progress : callable, optional
        Called with a message as each step starts.
    generated : str, optional
        The "produced on" text (default: now, to the minute).
    include_names : bool
        Print the names and person ids of the top of the escalation list (and write
        them to the figures). Default: the escalation section is aggregated only.

    Returns
    -------
    AnalyticalReport

    Raises
    ------
    HarmWatchError
        On an empty store, an unknown area, or ``end`` before ``start``.
    """
    say = progress or (lambda _message: None)
    if not any(_count(engine, kind) for kind in REPORT_KINDS):
        raise HarmWatchError(
            "nothing to report: the store holds no police occurrences, deaths or ED "
            "attendances (load data with `harmwatch ingest`, or try `harmwatch demo`)"
        )
    period, previous = resolve_period(engine, start, end)
    areas = read_kind(
        engine, "areas", columns=["area_code", "area_name", "population", "parent_code", "geometry"]
    )
    ctx = Context(
        engine=engine,
        period=period,
        previous=previous,
        area=area,
        area_codes=_area_codes(areas, area),
        seed=seed,
        areas=areas,
        progress=say,
    )
    _analyse(ctx, include_names=include_names)
    doc = ReportDocument(
        TITLE,
        subtitle="Police, NHS and local-authority data, with honest small-number statistics",
        period=f"{period.label}, compared with {previous.label}"
        + (f"; area {area}" if area else ""),
        organisation="HarmWatch",
        generated=generated or datetime.now().strftime("%Y-%m-%d %H:%M"),
        marking="OFFICIAL-SENSITIVE",
    )
    say("writing the report")
    homicide.render(doc, ctx)
    deaths.render(doc, ctx)
    series.render(doc, ctx)
    places.render(doc, ctx)
    escalation.render(doc, ctx, include_names=include_names)
    partners.render(doc, ctx)
    coverage.render(doc, ctx)
    findings.render(doc, ctx)
    doc.sections.insert(0, doc.sections.pop())  # key findings first
    methods.render(doc, ctx)
    ctx.figures = {
        "report": {
            "title": TITLE,
            "period": period_json(period),
            "previous_period": period_json(previous),
            "area": area,
            "seed": seed,
            "generated": doc.generated,
            "sections": [s.title for s in doc.sections if s.level == 1],
        },
        "unavailable": ctx.unavailable,
        "warnings": list(dict.fromkeys(ctx.warnings)),
        **ctx.figures,
    }
    return AnalyticalReport(
        document=doc,
        figures=jsonable(ctx.figures),
        unavailable=ctx.unavailable,
        period=period,
        previous=previous,
        warnings=list(dict.fromkeys(ctx.warnings)),
    )


def _analyse(ctx: Context, *, include_names: bool = False) -> None:
    """Run the analyses into ``ctx.results``."""
    from harmwatch.analysis.counts import occurrence_counts
    from harmwatch.analysis.coverage import data_coverage
    from harmwatch.analysis.deaths import death_investigations
    from harmwatch.analysis.hotspots import analyse_hotspots
    from harmwatch.analysis.nearrepeat import near_repeat
    from harmwatch.analysis.partners import partner_analysis
    from harmwatch.analysis.temporal import temporal_patterns

    engine, period, previous = ctx.engine, ctx.period, ctx.previous
    steps: list[tuple[str, str, Callable[[], Any]]] = [
        (
            "counts",
            "counting offences",
            lambda: occurrence_counts(engine, period, previous, area=ctx.area),
        ),
        (
            "deaths",
            "analysing death investigations",
            lambda: death_investigations(engine, period, previous),
        ),
        ("temporal", "finding when harm happens", lambda: temporal_patterns(engine, period)),
        (
            "series",
            "looking for linked series, unsolved clusters and deaths above expected",
            lambda: series.analyse(engine),
        ),
        (
            "hotspots",
            "finding hotspots",
            lambda: analyse_hotspots(engine, period, previous=previous, seed=ctx.seed),
        ),
        (
            "near_repeat",
            "testing for near repeats",
            lambda: near_repeat(engine, period=period, permutations=999, seed=ctx.seed),
        ),
        (
            "escalation",
            "scoring escalation risk",
            lambda: escalation.analyse(engine, period, include_names=include_names),
        ),
        (
            "partners",
            "comparing ED and police data",
            lambda: partner_analysis(engine, period if _count(engine, "ed_assaults") else None),
        ),
        ("coverage", "checking data coverage", lambda: data_coverage(engine)),
    ]
    for name, message, run in steps:
        ctx.progress(message)
        ctx.results[name] = run()


def write_report(
    report: AnalyticalReport,
    *,
    html: str | Path,
    pdf: str | Path | None = None,
    json: str | Path | None = None,
    pdf_engine: PdfEngine = "weasyprint",
) -> dict[str, Path]:
    """Write the report: the HTML page, optionally its PDF and the figures as JSON.

    Returns
    -------
    dict
        ``{"html": path, "pdf": path, "json": path}`` for what was written.
    """
    written: dict[str, Path] = {}
    page = report.html()
    out = Path(html)
    out.write_text(page, encoding="utf-8")
    written["html"] = out
    if pdf is not None:
        written["pdf"] = to_pdf(page, pdf, engine=pdf_engine)
    if json is not None:
        path = Path(json)
        path.write_text(
            _json.dumps(report.figures, indent=1, ensure_ascii=False, allow_nan=False),
            encoding="utf-8",
        )
        written["json"] = path
    return written
