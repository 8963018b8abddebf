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

:func:`analyse` runs the three; :func:`render` writes the section, each part
from its module (:mod:`~harmwatch.report.analytical.series_linked`,
:mod:`~harmwatch.report.analytical.series_unsolved`,
:mod:`~harmwatch.report.analytical.series_monitoring`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, or_, select

from harmwatch.analysis.monitoring import DeathMonitoring
from harmwatch.analysis.series import DEATH_CLASSES, SERIOUS_VIOLENCE, SeriesResult
from harmwatch.analysis.unsolved import UnsolvedClusters
from harmwatch.report.analytical._context import Context
from harmwatch.report.analytical.series_linked import MAX_SERIES, render_linked
from harmwatch.report.analytical.series_monitoring import MAX_CHARTS, MAX_PATH, render_monitoring
from harmwatch.report.analytical.series_unsolved import MAX_GROUPS, render_unsolved
from harmwatch.report.document import ReportDocument
from harmwatch.store.schema import kind_tables

__all__ = [
    "MAX_CHARTS",
    "MAX_GROUPS",
    "MAX_PATH",
    "MAX_SERIES",
    "SECTION",
    "SeriesAnalyses",
    "analyse",
    "render",
]

SECTION = "Linked series and unusual patterns of death"


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
    render_linked(doc, ctx, found.series, found.series_reason)
    render_unsolved(doc, ctx, found.unsolved)
    render_monitoring(doc, ctx, found.monitoring)
