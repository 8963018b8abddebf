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
SQLite and PostgreSQL); monthly counts from the main date column in Polars.

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
from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.sql import ColumnElement

from harmwatch.analysis.data import read_kind
from harmwatch.contract import KINDS
from harmwatch.store.schema import extracts, kind_tables

__all__ = ["KEY_FIELDS", "CoverageResult", "data_coverage", "monthly_gaps"]


@dataclass(frozen=True)
class Field:
    """A key optional field: present when any of ``columns`` has a value.

    Attributes
    ----------
    label : str
        Its name in the figures.
    columns : tuple of str
        The kind's columns that carry it (any one is enough).
    among : tuple of (str, str) or None
        Only records whose column equals the value count (e.g. victims).
    """

    label: str
    columns: tuple[str, ...]
    among: tuple[str, str] | None = None


_VICTIM = ("role", "victim")
#: Key optional fields whose completeness is reported, per kind.
KEY_FIELDS: dict[str, tuple[Field, ...]] = {
    "police_occurrences": (
        Field("location", ("easting",)),
        Field("area_code", ("area_code",)),
        Field("location_type", ("location_type",)),
        Field("weapon", ("weapon",)),
        Field("injury", ("injury",)),
        Field("domestic", ("domestic",)),
        Field("alcohol", ("alcohol",)),
        Field("ho_code", ("ho_code",)),
        Field("outcome", ("outcome",)),
    ),
    "police_people": (
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("victim_age_or_date_of_birth", ("date_of_birth", "age"), _VICTIM),
        Field("victim_sex", ("sex",), _VICTIM),
        Field("ethnicity", ("ethnicity",)),
        Field("name", ("surname",)),
        Field("postcode", ("postcode",)),
        Field("nhs_number", ("nhs_number",)),
        Field("person_ref", ("person_ref",)),
        Field("relationship_to_victim", ("relationship_to_victim",), ("role", "suspect")),
    ),
    "deaths": (
        Field("location", ("easting",)),
        Field("place_type", ("place_type",)),
        Field("institution", ("institution_id", "institution_name")),
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("nhs_number", ("nhs_number",)),
        Field("cause", ("cause", "icd10")),
        Field("practitioner_id", ("practitioner_id",)),
    ),
    "ed_assaults": (
        Field("location", ("easting",)),
        Field("area_code", ("area_code",)),
        Field("location_description", ("assault_location_description",)),
        Field("arrived_at", ("arrived_at",)),
        Field("age", ("age",)),
        Field("sex", ("sex",)),
        Field("person_token", ("person_token",)),
    ),
    "council_referrals": (
        Field("age_or_date_of_birth", ("date_of_birth", "age")),
        Field("sex", ("sex",)),
        Field("nhs_number", ("nhs_number",)),
        Field("postcode", ("postcode",)),
        Field("person_token", ("person_token",)),
        Field("outcome", ("outcome",)),
    ),
    "areas": (
        Field("population", ("population",)),
        Field("geometry", ("geometry",)),
        Field("parent_code", ("parent_code",)),
    ),
    "institutions": (
        Field("location", ("easting",)),
        Field("capacity", ("capacity",)),
        Field("expected_deaths_per_year", ("expected_deaths_per_year",)),
    ),
}


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


# --- pure: monthly gaps -------------------------------------------------------


def monthly_gaps(dates: pl.DataFrame, *, min_monthly: int = 10) -> pl.DataFrame:
    """Records per month of each group, zero-filled, and which months are gaps.

    Parameters
    ----------
    dates : polars.DataFrame
        ``source``, ``kind`` and ``day`` (date or date-time) per record.
    min_monthly : int
        A month with no record is a gap only when the group's median month
        (over the span from its first to its last month) has at least this many.

    Returns
    -------
    polars.DataFrame
        ``source``, ``kind``, ``month`` (``YYYY-MM``), ``records``,
        ``median_monthly``, ``gap`` (bool).

    Examples
    --------
    >>> from datetime import date
    >>> days = [date(2024, m, d) for m in (1, 2, 4) for d in range(1, 21)]
    >>> frame = pl.DataFrame({"source": "s", "kind": "k", "day": days})
    >>> monthly_gaps(frame).filter("gap")["month"].to_list()
    ['2024-03']
    """
    keys = ["source", "kind"]
    counted = (
        dates.drop_nulls("day")
        .with_columns(
            (pl.col("day").dt.year().cast(pl.Int64) * 12 + pl.col("day").dt.month() - 1).alias("m")
        )
        .group_by([*keys, "m"])
        .agg(pl.len().cast(pl.Int64).alias("records"))
    )
    if counted.is_empty():
        return pl.DataFrame(
            schema={
                "source": pl.String,
                "kind": pl.String,
                "month": pl.String,
                "records": pl.Int64,
                "median_monthly": pl.Float64,
                "gap": pl.Boolean,
            }
        )
    grid = (
        counted.group_by(keys)
        .agg(pl.int_ranges(pl.col("m").min(), pl.col("m").max() + 1).first().alias("m"))
        .explode("m")
    )
    full = (
        grid.join(counted, on=[*keys, "m"], how="left")
        .with_columns(pl.col("records").fill_null(0))
        .with_columns(pl.col("records").median().over(keys).alias("median_monthly"))
        .with_columns(
            ((pl.col("records") == 0) & (pl.col("median_monthly") >= min_monthly)).alias("gap"),
            pl.format(
                "{}-{}",
                (pl.col("m") // 12).cast(pl.String),
                (pl.col("m") % 12 + 1).cast(pl.String).str.zfill(2),
            ).alias("month"),
        )
        .sort([*keys, "m"])
    )
    return full.select(*keys, "month", "records", "median_monthly", "gap")


# --- the store ----------------------------------------------------------------


def _present(table: Any, columns: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(table.c[c].is_not(None) for c in columns))


def _completeness(engine: Engine, kind: str) -> dict[str, dict[str, Any]]:
    """Per source: records, mandatory and key-field completeness (shares)."""
    spec, table = KINDS[kind], kind_tables[kind]
    measures: list[tuple[str, str, ColumnElement[bool], ColumnElement[bool] | None]] = [
        ("mandatory", c, table.c[c].is_not(None), None) for c in spec.required_columns
    ]
    for f in KEY_FIELDS.get(kind, ()):
        among = table.c[f.among[0]] == f.among[1] if f.among else None
        measures.append(("field", f.label, _present(table, f.columns), among))
    columns: list[Any] = [table.c.source, func.count()]
    for _, _, present, among in measures:
        condition = and_(present, among) if among is not None else present
        columns.append(func.sum(case((condition, 1), else_=0)))
        columns.append(func.sum(case((among, 1), else_=0)) if among is not None else func.count())
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for row in connection.execute(select(*columns).group_by(table.c.source)):
            entry: dict[str, Any] = {
                "records": int(row[1]),
                "mandatory_completeness": {},
                "field_completeness": {},
            }
            for i, (group, label, _, _) in enumerate(measures):
                have, out_of = int(row[2 + 2 * i] or 0), int(row[3 + 2 * i] or 0)
                share = round(have / out_of, 4) if out_of else None
                entry[f"{group}_completeness"][label] = share
            found[str(row[0])] = entry
    return found


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
        for source, entry in _completeness(engine, kind).items()
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
