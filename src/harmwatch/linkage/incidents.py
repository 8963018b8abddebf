"""Incident matching in the store: ED assault attendances to police occurrences.

:func:`match_incidents` reads the ED attendances and the police occurrences of
violence, matches them one-to-one with :func:`~harmwatch.linkage.incident_scoring.match_frames`
(the method, its defaults and references are in
:mod:`harmwatch.linkage.incident_scoring`) and stores the matches in
``incident_matches``; :func:`stored_matches` reads them back. The names of the
matching on frames are re-exported here.

References
----------
.. [1] Florence C, Shepherd J, Brennan I, Simon T. Effectiveness of anonymised
   information sharing and use in health service, police, and local government
   partnership for preventing violence related injury: experimental study and
   time series analysis. BMJ 2011;342:d3313.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, delete, func, insert, select

from harmwatch.analysis.data import read_kind
from harmwatch.linkage.incident_assignment import (
    Assignment,
    greedy_assignment,
    optimal_assignment,
)
from harmwatch.linkage.incident_scoring import (
    DEFAULT_MIN_SCORE,
    DEFAULT_WINDOW,
    MATCH_COLUMNS,
    VIOLENCE_GROUPS,
    WEIGHTS,
    candidate_pairs,
    empty_matches,
    match_frames,
    pair_scores,
)
from harmwatch.store.schema import incident_matches, kind_tables

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_WINDOW",
    "MATCH_COLUMNS",
    "VIOLENCE_GROUPS",
    "WEIGHTS",
    "IncidentMatchResult",
    "candidate_pairs",
    "greedy_assignment",
    "match_frames",
    "match_incidents",
    "optimal_assignment",
    "pair_scores",
    "stored_matches",
]


@dataclass
class IncidentMatchResult:
    """ED assault attendances matched to police occurrences.

    Attributes
    ----------
    available : bool
        False when there is nothing to match (no ED attendances loaded).
    reason : str
        Why not available ("" when available).
    attendances, matched, unmatched : int
        ED attendances considered, those matched to a police occurrence, the rest.
    match_rate : float or None
        ``matched / attendances``.
    by_year : list of dict
        ``{"year", "attendances", "matched", "match_rate"}`` by year of ``assault_at``.
    settings : dict
        The settings used (window, distance, minimum score, groups, assignment);
        also stored as JSON in ``incident_matches.method``.
    stored : bool
        Whether the matches were written to ``incident_matches``.
    matches : polars.DataFrame
        One row per match (:data:`MATCH_COLUMNS`).
    warnings : list of str
        Plain-words cautions.
    tables : dict of str to polars.DataFrame
        ``matches`` and ``by_year``.
    """

    available: bool
    reason: str = ""
    attendances: int = 0
    matched: int = 0
    unmatched: int = 0
    match_rate: float | None = None
    by_year: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    stored: bool = False
    matches: pl.DataFrame = field(default_factory=lambda: empty_matches())
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Counts, rates by year and settings (the matches themselves are in ``tables``)."""
        return {
            "available": self.available,
            "reason": self.reason,
            "attendances": self.attendances,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "match_rate": self.match_rate,
            "by_year": self.by_year,
            "settings": self.settings,
            "stored": self.stored,
            "warnings": list(self.warnings),
        }


def _settings(
    window: tuple[timedelta, timedelta],
    distance: float,
    min_score: float,
    groups: tuple[str, ...],
    assignment: Assignment,
) -> dict[str, Any]:
    return {
        "window_minutes": [window[0].total_seconds() / 60, window[1].total_seconds() / 60],
        "distance_m": float(distance),
        "min_score": float(min_score),
        "offence_groups": list(groups),
        "assignment": assignment,
        "weights": dict(WEIGHTS),
    }


# --- the store --------------------------------------------------------------

_ED_COLUMNS = [
    "source",
    "attendance_id",
    "assault_at",
    "date_precision",
    "assault_method",
    "assault_location_type",
    "easting",
    "northing",
    "area_code",
]
_OCC_COLUMNS = [
    "source",
    "occurrence_id",
    "offence_group",
    "occurred_from",
    "weapon",
    "location_type",
    "easting",
    "northing",
    "area_code",
]


def match_incidents(
    engine: Engine,
    *,
    window: tuple[timedelta, timedelta] = DEFAULT_WINDOW,
    distance: float = 500.0,
    min_score: float = DEFAULT_MIN_SCORE,
    groups: tuple[str, ...] = VIOLENCE_GROUPS,
    assignment: Assignment = "greedy",
    store: bool = True,
    now: datetime | None = None,
) -> IncidentMatchResult:
    """Match every stored ED assault attendance to at most one police occurrence.

    Parameters
    ----------
    engine : Engine
        The store.
    window, distance, min_score, groups, assignment
        As in :func:`match_frames`.
    store : bool
        Replace all rows of ``incident_matches`` with these matches, in one
        transaction (default). False: compute only.
    now : datetime, optional
        ``matched_at`` of the stored rows (default: the clock).

    Returns
    -------
    IncidentMatchResult

    References
    ----------
    Florence et al., BMJ 2011;342:d3313 (see the module docstring).
    """
    settings = _settings(window, distance, min_score, groups, assignment)
    ed = read_kind(engine, "ed_assaults", columns=_ED_COLUMNS)
    if ed.is_empty():
        return IncidentMatchResult(
            available=False,
            reason="no ED assault attendances are loaded (kind ed_assaults)",
            settings=settings,
        )
    table = kind_tables["police_occurrences"]
    first, last = ed["assault_at"].min(), ed["assault_at"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    where = (
        table.c.offence_group.in_(list(groups))
        & (table.c.occurred_from >= first + window[0])
        & (table.c.occurred_from <= last + window[1])
    )
    occ = read_kind(engine, "police_occurrences", columns=_OCC_COLUMNS, where=where)
    matches = match_frames(
        ed,
        occ,
        window=window,
        distance=distance,
        min_score=min_score,
        groups=groups,
        assignment=assignment,
    )
    warnings: list[str] = []
    if occ.is_empty():
        warnings.append(
            "No police occurrences of violence cover the ED attendances' dates: nothing "
            "could be matched."
        )
    imprecise = ed.filter(pl.col("date_precision") != "datetime").height
    if imprecise:
        warnings.append(
            f"{imprecise} ED attendances have no time of day (date only): they are matched "
            "as if at midnight and are less likely to match."
        )
    if store:
        _store(engine, matches, json.dumps(settings, sort_keys=True), now or datetime.now())
    return _result(ed, matches, settings, store, warnings)


def _result(
    ed: pl.DataFrame,
    matches: pl.DataFrame,
    settings: dict[str, Any],
    stored: bool,
    warnings: list[str],
) -> IncidentMatchResult:
    flagged = ed.select(
        pl.col("assault_at").dt.year().alias("year"),
        pl.struct("source", "attendance_id")
        .is_in(
            matches.select(source="attendance_source", attendance_id="attendance_id")
            .to_struct()
            .implode()
        )
        .alias("matched"),
    )
    by_year = (
        flagged.group_by("year")
        .agg(pl.len().alias("attendances"), pl.col("matched").sum().alias("matched"))
        .with_columns((pl.col("matched") / pl.col("attendances")).alias("match_rate"))
        .sort("year")
    )
    n, k = ed.height, int(flagged["matched"].sum())
    return IncidentMatchResult(
        available=True,
        attendances=n,
        matched=k,
        unmatched=n - k,
        match_rate=k / n if n else None,
        by_year=[
            {
                "year": int(r["year"]),
                "attendances": int(r["attendances"]),
                "matched": int(r["matched"]),
                "match_rate": float(r["match_rate"]),
            }
            for r in by_year.iter_rows(named=True)
        ],
        settings=settings,
        stored=stored,
        matches=matches,
        warnings=warnings,
        tables={"matches": matches, "by_year": by_year},
    )


def _store(engine: Engine, matches: pl.DataFrame, method: str, now: datetime) -> None:
    rows = [{**row, "matched_at": now, "method": method} for row in matches.iter_rows(named=True)]
    with engine.begin() as connection:
        connection.execute(delete(incident_matches))
        if rows:
            connection.execute(insert(incident_matches), rows)


def stored_matches(engine: Engine) -> pl.DataFrame | None:
    """The matches in ``incident_matches`` (:data:`MATCH_COLUMNS` plus ``method``),
    or None when matching has not been run (no rows)."""
    columns = [incident_matches.c[c] for c in (*MATCH_COLUMNS, "method")]
    with engine.connect() as connection:
        if not connection.execute(select(func.count()).select_from(incident_matches)).scalar():
            return None
        rows = connection.execute(select(*columns)).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={**empty_matches().schema, "method": pl.String},
        orient="row",
    )
    return frame
