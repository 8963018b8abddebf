"""Data coverage (Serious Violence Duty): who supplied what, up to when, how complete.

The Serious Violence Duty (Police, Crime, Sentencing and Courts Act 2022, Part 2)
requires the specified authorities (police, health, local authorities and
others) to share data for a strategic needs assessment. An analysis built on
shared data is only as good as what was shared: :func:`data_coverage` states,
for every source (agency) and kind of data:

* how much is stored, the first and last main date, how many extracts were
  loaded and when the last one was (``extracts.loaded_at``), and the lag
  between the last data date and that load;
* the completeness of the contract's mandatory columns and of key optional
  fields (:data:`KEY_FIELDS`: location, weapon, location type, victim age and
  sex, NHS number...), as the share of records with a value;
* gaps: calendar months within the span covered with no record at all, where
  the median month has at least ``min_monthly`` records (a likely missing
  extract; Poisson probability of an empty month at that median is below
  ``exp(-min_monthly)``);
* late data: the last data date more than ``late_days`` (default 45) days
  before the as-of date (default: the newest main date in the store).

Completeness counts are computed in the database (portable SQL, the same on
SQLite and PostgreSQL; :mod:`.completeness`); monthly counts and gaps from the
main date column in Polars (:mod:`.coverage_gaps`). :data:`KEY_FIELDS` and
:func:`monthly_gaps` are re-exported here.

References
----------
.. [1] Home Office. Serious Violence Duty: statutory guidance for responsible
   authorities, England and Wales, December 2022 (chapter 3: sharing data and
   information; the strategic needs assessment).
.. [2] Wang RY, Strong DM. Beyond accuracy: what data quality means to data
   consumers. Journal of Management Information Systems 1996;12(4):5-33
   (completeness and timeliness as dimensions of data quality).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from harmwatch.analysis.completeness import KEY_FIELDS, completeness
from harmwatch.analysis.coverage_gaps import monthly_gaps
from harmwatch.analysis.data import read_kind
from harmwatch.contract import KINDS
from harmwatch.store.schema import extracts

__all__ = ["KEY_FIELDS", "CoverageResult", "data_coverage", "monthly_gaps"]


@dataclass
class CoverageResult:
    """What each partner supplied, up to when, how complete, with which gaps.

    Attributes
    ----------
    available : bool
        False when nothing is loaded.
    reason : str
        Why not ("" when available).
    as_of : date or None
        The date lateness is measured against.
    late_days : int
        Data whose last date is more than this many days before ``as_of`` is late.
    entries : list of dict
        One per source and kind (see :meth:`to_json`).
    warnings : list of str
        Plain-words cautions: late data, missing months, incomplete mandatory columns.
    tables : dict of str to polars.DataFrame
        ``coverage`` (one row per source and kind, scalar columns) and
        ``monthly`` (records per source, kind and month).
    """

    available: bool
    reason: str = ""
    as_of: date | None = None
    late_days: int = 45
    entries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def sources(self) -> dict[str, list[str]]:
        """Which kinds each source supplied."""
        found: dict[str, list[str]] = {}
        for entry in self.entries:
            found.setdefault(entry["source"], []).append(entry["kind"])
        return found

    def to_json(self) -> dict[str, Any]:
        """``coverage``: one record per source and kind.

        Each record: ``source``, ``kind``, ``records``, ``first_date``,
        ``last_date`` (main date), ``extracts``, ``last_loaded_at``,
        ``lag_days`` (last load minus last data date), ``days_behind``
        (as-of minus last data date), ``late``, ``rows_read``,
        ``rows_quarantined``, ``mandatory_completeness`` and
        ``field_completeness`` (column or field -> share of records with a
        value), ``months``, ``median_monthly``, ``gap_months`` (``YYYY-MM``).
        """
        return {
            "available": self.available,
            "reason": self.reason,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "late_after_days": self.late_days,
            "sources": self.sources,
            "coverage": self.entries,
            "warnings": list(self.warnings),
        }


def _extracts(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    query = select(
        extracts.c.kind,
        extracts.c.source,
        func.count(),
        func.max(extracts.c.loaded_at),
        func.sum(extracts.c.rows_read),
        func.sum(extracts.c.rows_quarantined),
    ).group_by(extracts.c.kind, extracts.c.source)
    with engine.connect() as connection:
        return {
            (str(kind), str(source)): {
                "extracts": int(n),
                "last_loaded_at": _as_datetime(loaded),
                "rows_read": int(read or 0),
                "rows_quarantined": int(held or 0),
            }
            for kind, source, n, loaded, read, held in connection.execute(query)
        }


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _main_dates(engine: Engine) -> pl.DataFrame:
    frames = []
    for kind, spec in KINDS.items():
        if spec.main_date is None:
            continue
        frame = read_kind(engine, kind, columns=["source", spec.main_date])
        if frame.is_empty():
            continue
        frames.append(
            frame.select(
                pl.col("source").cast(pl.String),
                pl.lit(kind).alias("kind"),
                pl.col(spec.main_date).cast(pl.Date).alias("day"),
            )
        )
    if not frames:
        return pl.DataFrame(schema={"source": pl.String, "kind": pl.String, "day": pl.Date})
    return pl.concat(frames)


def data_coverage(
    engine: Engine,
    *,
    as_of: date | None = None,
    late_days: int = 45,
    min_monthly: int = 10,
) -> CoverageResult:
    """Which partner supplied which kind, up to when, how complete, with which gaps.

    Parameters
    ----------
    engine : Engine
        The store.
    as_of : date, optional
        The date lateness is measured against (default: the newest main date
        of any kind in the store, so a test or an old store is judged against
        its own data, not the clock).
    late_days : int
        Data ending more than this many days before ``as_of`` is late.
    min_monthly : int
        See :func:`monthly_gaps`.

    Returns
    -------
    CoverageResult

    References
    ----------
    Home Office, Serious Violence Duty statutory guidance, 2022 (see the module
    docstring).
    """
    loads = _extracts(engine)
    dates = _main_dates(engine)
    stored = {
        (kind, source): entry
        for kind in KINDS
        for source, entry in completeness(engine, kind).items()
    }
    keys = sorted(set(loads) | set(stored), key=lambda k: (list(KINDS).index(k[0]), k[1]))
    if not keys:
        return CoverageResult(
            available=False, reason="nothing is loaded: no extract of any kind", late_days=late_days
        )
    newest = dates["day"].max() if not dates.is_empty() else None
    as_of = as_of or (newest if isinstance(newest, date) else None)
    ranges = dates.group_by("source", "kind").agg(
        pl.col("day").min().alias("first"), pl.col("day").max().alias("last")
    )
    span = {(r["kind"], r["source"]): (r["first"], r["last"]) for r in ranges.iter_rows(named=True)}
    monthly = monthly_gaps(dates, min_monthly=min_monthly)
    months = monthly.group_by("source", "kind").agg(
        pl.len().alias("months"),
        pl.col("median_monthly").first(),
        pl.col("month").filter(pl.col("gap")).alias("gap_months"),
    )
    per_month = {(r["kind"], r["source"]): r for r in months.iter_rows(named=True)}
    entries: list[dict[str, Any]] = []
    warnings: list[str] = []
    for kind, source in keys:
        load = loads.get((kind, source), {})
        store = stored.get((kind, source), {})
        first, last = span.get((kind, source), (None, None))
        loaded_at: datetime | None = load.get("last_loaded_at")
        lag = (loaded_at.date() - last).days if loaded_at and last else None
        behind = (as_of - last).days if as_of and last else None
        gaps = per_month.get((kind, source), {})
        entry = {
            "source": source,
            "kind": kind,
            "records": store.get("records", 0),
            "first_date": first.isoformat() if first else None,
            "last_date": last.isoformat() if last else None,
            "extracts": load.get("extracts", 0),
            "last_loaded_at": loaded_at.isoformat() if loaded_at else None,
            "lag_days": lag,
            "days_behind": behind,
            "late": bool(behind is not None and behind > late_days),
            "rows_read": load.get("rows_read", 0),
            "rows_quarantined": load.get("rows_quarantined", 0),
            "mandatory_completeness": store.get("mandatory_completeness", {}),
            "field_completeness": store.get("field_completeness", {}),
            "months": gaps.get("months"),
            "median_monthly": gaps.get("median_monthly"),
            "gap_months": list(gaps.get("gap_months") or []),
        }
        entries.append(entry)
        warnings.extend(_entry_warnings(entry, late_days, as_of))
    return CoverageResult(
        available=True,
        as_of=as_of,
        late_days=late_days,
        entries=entries,
        warnings=warnings,
        tables={
            "coverage": pl.DataFrame(
                [{k: v for k, v in e.items() if not isinstance(v, dict | list)} for e in entries]
            ),
            "monthly": monthly,
        },
    )


def _entry_warnings(entry: dict[str, Any], late_days: int, as_of: date | None) -> list[str]:
    who = f"{entry['kind']} from {entry['source']}"
    out = []
    if entry["late"] and as_of is not None:
        out.append(
            f"{who} ends on {entry['last_date']}, {entry['days_behind']} days before "
            f"{as_of.isoformat()} (more than {late_days}): a newer extract is probably due."
        )
    if entry["gap_months"]:
        out.append(
            f"{who} has no record in {', '.join(entry['gap_months'])} although a typical month "
            f"has {entry['median_monthly']:g}: an extract is probably missing."
        )
    incomplete = [c for c, s in entry["mandatory_completeness"].items() if s is not None and s < 1]
    if incomplete:
        out.append(f"{who} lacks values in mandatory columns: {', '.join(incomplete)}.")
    if entry["records"] == 0 and entry["extracts"]:
        out.append(f"{who}: {entry['extracts']} extracts loaded but no record is stored.")
    return out
