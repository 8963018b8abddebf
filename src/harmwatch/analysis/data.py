"""Reading the store into typed Polars frames, and the periods analyses compare.

Every analysis reads through these functions, so that types are the same on
SQLite and PostgreSQL: date-times as ``Datetime("us")``, dates as ``Date``,
booleans as ``Boolean``, whatever the backend returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import Engine, and_, select
from sqlalchemy.sql import ColumnElement

from harmwatch.contract import KINDS
from harmwatch.store.schema import kind_tables

_POLARS_TYPES: dict[str, pl.DataType] = {
    "datetime": pl.Datetime("us"),
    "date": pl.Date(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
}


@dataclass(frozen=True)
class Period:
    """A half-open span of days: ``start <= day < end``.

    Attributes
    ----------
    start, end : date
        First day in, first day out.
    """

    start: date
    end: date

    @property
    def label(self) -> str:
        """``"Jan 2024 to Dec 2024"``."""
        last = self.end - timedelta(days=1)
        return f"{self.start:%b %Y} to {last:%b %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same length just before this one (by calendar months
        when this one runs from a first of the month to a first of the month)."""
        if self.start.day == 1 and self.end.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - (self.end - self.start), self.start)

    def contains(self, column: str) -> pl.Expr:
        """Polars filter: ``column`` (date or date-time) falls in the period."""
        day = pl.col(column).cast(pl.Date)
        return (day >= self.start) & (day < self.end)


def period_json(period: Period | None) -> dict[str, str] | None:
    """A period in the JSON figures: ``{"start", "end", "label"}`` (``end`` is the
    first day after the period), or ``None``."""
    if period is None:
        return None
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_complete_months(latest: date, months: int = 12) -> Period:
    """The last ``months`` complete calendar months up to ``latest`` (the newest
    data), e.g. latest 2024-12-31 -> Jan-Dec 2024; latest 2024-12-15 -> Dec
    2023-Nov 2024."""
    next_day = latest + timedelta(days=1)
    end = date(next_day.year, next_day.month, 1) if next_day.day != 1 else next_day
    if next_day.day != 1:
        end = date(latest.year, latest.month, 1)
    return Period(_add_months(end, -months), end)


def read_kind(
    engine: Engine,
    kind: str,
    *,
    columns: list[str] | None = None,
    where: ColumnElement[bool] | None = None,
) -> pl.DataFrame:
    """Read one kind's table into a typed frame.

    Parameters
    ----------
    engine : Engine
        The store.
    kind : str
        A kind of the contract.
    columns : list of str, optional
        The columns to read (default: all).
    where : SQLAlchemy condition, optional
        A filter on the kind's table (``kind_tables[kind].c``).
    """
    table = kind_tables[kind]
    selected = [table.c[c] for c in columns] if columns else list(table.c)
    query = select(*selected)
    if where is not None:
        query = query.where(where)
    # The driver's own values (no per-value processing by SQLAlchemy): text
    # dates from SQLite are parsed column-wise by coerce().
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        result = connection.exec_driver_sql(sql)
        names = list(result.keys())
        rows = result.fetchall()
    frame = pl.DataFrame(rows, schema=names, orient="row", strict=False, infer_schema_length=None)
    # A column with no value at all (an empty table, an all-empty column) has
    # no type in Polars: give it its SQL column's, so joins and filters work.
    untyped = {
        name: _sql_polars_type(table.c[name].type)
        for name, dtype in frame.schema.items()
        if dtype == pl.Null and name in table.c
    }
    if untyped:
        frame = frame.with_columns([pl.col(n).cast(t) for n, t in untyped.items()])
    return coerce(frame, kind)


def _sql_polars_type(sql_type: object) -> pl.DataType:
    """The Polars type for a SQL column type (text for anything unknown)."""
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer

    if isinstance(sql_type, Boolean):
        return pl.Boolean()
    if isinstance(sql_type, Integer):
        return pl.Int64()
    if isinstance(sql_type, Float):
        return pl.Float64()
    if isinstance(sql_type, DateTime):
        return pl.Datetime("us")
    if isinstance(sql_type, Date):
        return pl.Date()
    return pl.String()


def coerce(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Cast a kind's columns to their contract types (text dates from SQLite too)."""
    spec = KINDS[kind]
    exprs = []
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        target = _POLARS_TYPES.get(column.type, pl.String())
        current = frame.schema[column.name]
        expr = pl.col(column.name)
        if current == pl.String and column.type == "datetime":
            expr = expr.str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        elif current == pl.String and column.type == "date":
            expr = expr.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        exprs.append(expr.cast(target, strict=False).alias(column.name))
    return frame.with_columns(exprs) if exprs else frame


def latest_date(
    engine: Engine, kinds: tuple[str, ...] = ("police_occurrences", "deaths")
) -> date | None:
    """The newest main date over ``kinds`` (what "the last 12 months" ends at)."""
    from sqlalchemy import func

    newest: date | None = None
    with engine.connect() as connection:
        for kind in kinds:
            spec = KINDS[kind]
            if spec.main_date is None:
                continue
            value = connection.execute(
                select(func.max(kind_tables[kind].c[spec.main_date]))
            ).scalar()
            if value is None:
                continue
            if isinstance(value, str):
                value = date.fromisoformat(value[:10])
            if isinstance(value, datetime):
                value = value.date()
            newest = value if newest is None or value > newest else newest
    return newest


def in_period(kind: str, period: Period) -> ColumnElement[bool]:
    """SQL condition: the kind's main date falls in ``period``."""
    spec = KINDS[kind]
    assert spec.main_date is not None
    column = kind_tables[kind].c[spec.main_date]
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end, datetime.min.time())
    if spec.column(spec.main_date).type == "date":
        return and_(column >= period.start, column < period.end)
    return and_(column >= start, column < end)
