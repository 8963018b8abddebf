"""Writing a validated extract into the store, in one transaction.

New records are inserted, changed records updated (their previous version is
kept in ``record_history``), unchanged records left alone, and bad rows
quarantined with the raw row and every reason. The whole load is one
transaction: an error, or the process being killed, leaves the store exactly
as it was.

Bulk rows go through the database driver directly (``executemany`` on
SQLite, ``COPY`` on PostgreSQL), in batches, so a million-row extract loads
in seconds and in bounded memory.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from hashlib import md5
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, insert, select, update

from harmwatch.contract import KindSpec
from harmwatch.ingest.reader import ROW
from harmwatch.store.schema import (
    extracts,
    kind_tables,
    quarantine_errors,
    quarantined_rows,
    record_history,
)

_BATCH = 50_000
_HASH_BATCH = 50_000
#: Above this many new rows, SQLite's secondary indexes are dropped and
#: rebuilt after the insert (faster than updating them row by row).
_REBUILD_INDEXES_ABOVE = 100_000
#: SQLite page cache during a bulk insert (KiB; the default is 2 MiB). With the
#: secondary indexes rebuilt afterwards, 64 MiB does as well as 256 MiB for
#: 1M rows and keeps the rebuild's sorter (bounded by it) 200 MB smaller.
_BULK_CACHE_KIB = 65_536
_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S.%6f"


def row_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """MD5 of each row's canonical values (stable across versions and runs).

    Values are joined as text (date-times as their integer microseconds) and
    hashed in slices, so memory stays bounded on large extracts.
    """
    canonical = []
    for name in columns:
        column = pl.col(name)
        if frame.schema[name].is_temporal():
            column = column.cast(pl.Int64)
        canonical.append(column.cast(pl.String).fill_null("\x00"))
    parts: list[str] = []
    for offset in range(0, frame.height, _HASH_BATCH):
        text = frame.slice(offset, _HASH_BATCH).select(
            pl.concat_str(canonical, separator="\x1f").alias("t")
        )
        parts += [md5(t.encode()).hexdigest() for t in text.get_column("t").to_list()]
    return pl.Series("row_hash", parts, dtype=pl.String)


def existing_hashes(connection: Connection, kind: KindSpec, source: str) -> pl.DataFrame:
    """Record id, surrogate id and row hash of a source's records in the store.

    Fetched in slices straight from the driver (no per-row processing), each
    slice made a frame at once, so only one slice is ever held as Python
    objects.
    """
    table = kind_tables[kind.name]
    key = table.c[kind.id_column]
    query = select(key, table.c.id, table.c.row_hash).where(table.c.source == source)
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    schema = {kind.id_column: pl.String, "__id": pl.Int64, "__old_hash": pl.String}
    result = connection.exec_driver_sql(sql)
    frames = [pl.DataFrame(schema=schema)]
    while rows := result.fetchmany(_BATCH):
        frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(frames, rechunk=True)


def _sql_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Values the drivers take as they are: dates as ISO text, booleans as 0/1."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime(_DATETIME_TEXT))
        elif dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _batches(
    frame: pl.DataFrame, *, skip_empty: bool = False
) -> Iterator[tuple[list[str], Iterator[tuple[Any, ...]]]]:
    """Rows ready for the driver, a batch at a time (bounded memory): the
    batch's columns (with ``skip_empty``, only those with a value in some row
    of the batch) and its rows."""
    for offset in range(0, frame.height, _BATCH):
        part = frame.slice(offset, _BATCH)
        columns = [
            c
            for c in part.columns
            if not skip_empty or part.get_column(c).null_count() < part.height
        ]
        ready = _sql_ready(part.select(columns))
        # Column lists zipped into rows, lazily: faster than DataFrame.rows(),
        # and the driver takes each row as it comes.
        yield columns, zip(*(ready.get_column(c).to_list() for c in columns), strict=True)


def _sql_literal(value: Any) -> str:
    """A constant as SQL text (a string quoted, a number as written)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"not a SQL constant: {value!r}")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


@contextmanager
def load_transaction(engine: Engine, rows: int) -> Iterator[Connection]:
    """The one transaction of a load of about ``rows`` rows (committed on
    success, rolled back on any error).

    On SQLite, a big load (over :data:`_REBUILD_INDEXES_ABOVE` rows) runs with
    a rollback journal instead of the write-ahead log, when no other
    connection has the store open: pages new to the file are then written
    once (the WAL writes every page twice, to the log and at the checkpoint),
    and only pages that existed before are copied to the journal. Atomicity
    is the same: a ``kill -9`` leaves a hot journal that the next connection
    rolls back (SQLite, "Atomic Commit In SQLite", https://sqlite.org/atomiccommit.html).
    ``synchronous=FULL`` is used meanwhile (as the sqlite3 shell does), and
    the WAL is restored afterwards.
    """
    with engine.connect() as connection:
        journal = (
            connection.dialect.name == "sqlite"
            and rows > _REBUILD_INDEXES_ABOVE
            and _sqlite_journal(connection, "delete")
        )
        try:
            with connection.begin():
                yield connection
        finally:
            if journal:
                _sqlite_journal(connection, "wal")


def _sqlite_journal(connection: Connection, mode: str) -> bool:
    """Switch a SQLite connection (outside a transaction) to journal ``mode``
    without waiting for other connections; say whether it switched."""
    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        cursor.execute("PRAGMA busy_timeout=0")
        switched = cursor.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode
        if switched:
            cursor.execute(f"PRAGMA synchronous={'FULL' if mode == 'delete' else 'NORMAL'}")
        return bool(switched)
    except sqlite3.OperationalError:  # "database is locked": another connection has it open
        return False
    finally:
        cursor.execute(f"PRAGMA busy_timeout={timeout}")
        cursor.close()


@contextmanager
def bulk_mode(connection: Connection, table: Table, rows: int) -> Iterator[None]:
    """Prepare ``table`` for a bulk load of about ``rows`` rows, inside the load's
    transaction: on SQLite, a larger page cache, and for big loads the
    secondary indexes dropped and rebuilt at the end (faster than updating
    them row by row). An error inside rolls the whole transaction back,
    dropped indexes included."""
    if connection.dialect.name != "sqlite":
        yield
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    previous_cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    rebuild = [i for i in table.indexes if not i.unique and rows > _REBUILD_INDEXES_ABOVE]
    try:
        for index in rebuild:
            index.drop(connection)
        yield
        for index in rebuild:
            index.create(connection)
    finally:
        cursor.execute(f"PRAGMA cache_size={previous_cache}")
        cursor.close()


def bulk_insert(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert every row of ``frame`` (columns named as ``table``'s) in batches,
    with ``constants`` (column -> value, the same for every row) besides.

    On SQLite, constants are written into the statement and a batch's empty
    columns left out (NULL), so only values that vary are bound row by row.
    """
    if frame.height == 0:
        return
    constants = constants or {}
    dialect = connection.dialect.name
    raw = connection.connection.driver_connection
    if dialect == "sqlite":
        fixed = ", ".join(_sql_literal(v) for v in constants.values())
        cursor = raw.cursor()  # type: ignore[union-attr]
        for columns, rows in _batches(frame, skip_empty=True):
            names = ", ".join(f'"{c}"' for c in [*columns, *constants])
            marks = ", ".join(["?"] * len(columns) + ([fixed] if fixed else []))
            cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        cursor.close()
        return
    if constants:
        frame = frame.with_columns(pl.lit(v).alias(c) for c, v in constants.items())
    names = ", ".join(f'"{c}"' for c in frame.columns)
    if dialect == "postgresql":
        cursor = raw.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for _columns, rows in _batches(frame):
                for row in rows:
                    copy.write_row(row)
        cursor.close()
    else:  # any other SQLAlchemy dialect: portable, slower
        for offset in range(0, frame.height, _BATCH):
            connection.execute(insert(table), frame.slice(offset, _BATCH).to_dicts())


def create_extract(connection: Connection, values: dict[str, Any]) -> int:
    """Insert the provenance row of a load; return its extract id."""
    result = connection.execute(insert(extracts).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_extract(connection: Connection, extract_id: int, counts: dict[str, Any]) -> None:
    """Record the final counts of a load."""
    connection.execute(update(extracts).where(extracts.c.extract_id == extract_id).values(**counts))


def write_records(
    connection: Connection,
    kind: KindSpec,
    source: str,
    extract_id: int,
    clean: pl.DataFrame,
    old: pl.DataFrame | None = None,
) -> tuple[int, int, int]:
    """Insert new, update changed, keep unchanged records; return the three counts.

    ``clean`` holds contract columns, ``date_precision``, ``extra`` and
    ``row_hash`` (see :func:`row_hashes`); ``old`` is the source's records
    as :func:`existing_hashes` gives them (read here when not given).
    """
    table = kind_tables[kind.name]
    key = kind.id_column
    if old is None:
        old = existing_hashes(connection, kind, source)
    joined = clean.join(old, on=key, how="left")
    new = joined.filter(pl.col("__id").is_null())
    changed = joined.filter(
        pl.col("__id").is_not_null() & (pl.col("__old_hash") != pl.col("row_hash"))
    )
    unchanged = joined.height - new.height - changed.height
    record_columns = [c for c in clean.columns if c != ROW]
    bulk_insert(
        connection,
        table,
        new.select(record_columns),
        constants={"source": source, "extract_id": extract_id},
    )
    if changed.height:
        _keep_history(connection, kind, source, extract_id, changed.get_column("__id"))
        values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in record_columns}
        statement = (
            update(table)
            .where(table.c.id == bindparam("v___id"))
            .values(extract_id=extract_id, **values)
        )
        rows = changed.select([*record_columns, "__id"]).rename(lambda c: f"v_{c}")
        for offset in range(0, rows.height, _BATCH):
            connection.execute(statement, rows.slice(offset, _BATCH).to_dicts())
    return new.height, changed.height, unchanged


def _keep_history(
    connection: Connection, kind: KindSpec, source: str, extract_id: int, ids: pl.Series
) -> None:
    table = kind_tables[kind.name]
    history: list[dict[str, Any]] = []
    id_list = ids.to_list()
    for offset in range(0, len(id_list), 500):
        chunk = id_list[offset : offset + 500]
        for row in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            data = {k: v for k, v in row.items() if k not in ("id", "extract_id", "row_hash")}
            history.append(
                {
                    "kind": kind.name,
                    "source": source,
                    "record_id": row[kind.id_column],
                    "extract_id": row["extract_id"],
                    "superseded_by_extract_id": extract_id,
                    "row_hash": row["row_hash"],
                    "data": json.dumps(data, default=str, ensure_ascii=False),
                }
            )
    if history:
        connection.execute(insert(record_history), history)


def write_quarantine(
    connection: Connection,
    kind: KindSpec,
    source: str,
    extract_id: int,
    rows: pl.DataFrame,
    errors: pl.DataFrame,
) -> None:
    """Quarantine bad rows: ``rows`` has ``__row``, ``record_id``, ``raw_row``
    (JSON), ``reasons``; ``errors`` has ``__row``, ``column``, ``value``,
    ``reason``."""
    if rows.height == 0:
        return
    bulk_insert(
        connection,
        quarantined_rows,
        rows.select(
            pl.lit(extract_id).alias("extract_id"),
            pl.lit(kind.name).alias("kind"),
            pl.lit(source).alias("source"),
            pl.col(ROW).alias("row_number"),
            "record_id",
            "raw_row",
            "reasons",
        ),
    )
    bulk_insert(
        connection,
        quarantine_errors,
        errors.select(
            pl.lit(extract_id).alias("extract_id"),
            pl.col(ROW).alias("row_number"),
            pl.col("column").alias("column_name"),
            pl.col("value").str.slice(0, 1000),
            "reason",
        ),
    )


def resolve_quarantine(
    connection: Connection, kind: KindSpec, source: str, extract_id: int, loaded_ids: pl.Series
) -> int:
    """Mark earlier quarantined rows whose record has now loaded as resolved."""
    pending = connection.execute(
        select(quarantined_rows.c.quarantine_id, quarantined_rows.c.record_id).where(
            and_(
                quarantined_rows.c.kind == kind.name,
                quarantined_rows.c.source == source,
                quarantined_rows.c.resolved_by_extract_id.is_(None),
                quarantined_rows.c.extract_id != extract_id,
            )
        )
    ).all()
    if not pending:
        return 0
    # Membership in polars: a Python set of a big extract's ids would cost
    # more memory than the rest of the load.
    records = pl.DataFrame(
        [tuple(row) for row in pending], schema={"q": pl.Int64, "record": pl.String}, orient="row"
    ).filter(pl.col("record").is_in(loaded_ids.implode()))
    resolved = [{"q": q} for q in records.get_column("q").to_list()]
    if resolved:
        connection.execute(
            update(quarantined_rows)
            .where(quarantined_rows.c.quarantine_id == bindparam("q"))
            .values(resolved_by_extract_id=extract_id),
            resolved,
        )
    return len(resolved)


def find_identical_extract(
    connection: Connection,
    kind: str,
    source: str,
    sha256: str,
    mapping_sha256: str | None,
    tokens_only: bool,
) -> dict[str, Any] | None:
    """The earlier load of this very file with the same settings, if any."""
    row = (
        connection.execute(
            select(extracts)
            .where(
                extracts.c.kind == kind,
                extracts.c.source == source,
                extracts.c.sha256 == sha256,
                func.coalesce(extracts.c.mapping_sha256, "") == (mapping_sha256 or ""),
                extracts.c.tokens_only == tokens_only,
            )
            .order_by(extracts.c.extract_id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def extract_errors(connection: Connection, extract_id: int, *, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` problems recorded for an extract, as ingest reports them."""
    rows = connection.execute(
        select(
            quarantine_errors.c.row_number,
            quarantine_errors.c.column_name,
            quarantine_errors.c.value,
            quarantine_errors.c.reason,
        )
        .where(quarantine_errors.c.extract_id == extract_id)
        .order_by(quarantine_errors.c.row_number, quarantine_errors.c.error_id)
        .limit(limit)
    ).all()
    return [{"row": r, "column": c, "value": v, "reason": m} for r, c, v, m in rows]


def extract_error_count(connection: Connection, extract_id: int) -> int:
    """How many problems were recorded for an extract."""
    count = connection.execute(
        select(func.count()).where(quarantine_errors.c.extract_id == extract_id)
    ).scalar()
    return int(count or 0)


def now_local() -> datetime:
    """The time of a load (UK local time of the machine's clock), to the second."""
    return datetime.now().replace(microsecond=0)
