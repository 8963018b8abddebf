"""Writing many rows fast, inside the load's one transaction.

Rows go through the database driver directly (``executemany`` on SQLite,
``COPY`` on PostgreSQL) in batches, so a million-row extract loads in bounded
memory. On SQLite a big load also runs with a rollback journal and rebuilds
the secondary indexes after the insert (:func:`load_transaction`,
:func:`bulk_mode`): see docs/store.md for the measured effect and why
all-or-nothing still holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Table, insert

__all__ = [
    "BATCH",
    "STAGE_SCHEMA_PREFIX",
    "bulk_insert",
    "bulk_mode",
    "is_big_sqlite_load",
    "load_transaction",
    "sql_ready",
]

#: Rows handed to the driver at a time.
BATCH = 50_000
#: Above this many new rows, SQLite's secondary indexes are dropped and
#: rebuilt after the insert (faster than updating them row by row).
_REBUILD_INDEXES_ABOVE = 100_000
#: Schema names staged files are attached under (:mod:`harmwatch.ingest.staging`).
STAGE_SCHEMA_PREFIX = "hw_stage_"
#: SQLite page cache during a bulk insert (KiB; the default is 2 MiB). With the
#: secondary indexes rebuilt afterwards, 64 MiB does as well as 256 MiB for
#: 1M rows and keeps the rebuild's sorter (bounded by it) 200 MB smaller.
_BULK_CACHE_KIB = 65_536
_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S.%6f"


def sql_ready(frame: pl.DataFrame) -> pl.DataFrame:
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
    for offset in range(0, frame.height, BATCH):
        part = frame.slice(offset, BATCH)
        columns = [
            c
            for c in part.columns
            if not skip_empty or part.get_column(c).null_count() < part.height
        ]
        ready = sql_ready(part.select(columns))
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
        journal = is_big_sqlite_load(connection, rows) and _sqlite_journal(connection, "delete")
        try:
            with connection.begin():
                yield connection
        finally:
            if connection.dialect.name == "sqlite":
                _detach_staged(connection)
            if journal:
                _sqlite_journal(connection, "wal")


def is_big_sqlite_load(bind: Engine | Connection, rows: int) -> bool:
    """Whether a load of about ``rows`` rows takes SQLite's big-load path
    (rollback journal, indexes rebuilt, new records staged from Arrow): the
    one test :func:`load_transaction`, :func:`bulk_mode` and the pipeline share."""
    return bind.dialect.name == "sqlite" and rows > _REBUILD_INDEXES_ABOVE


def _detach_staged(connection: Connection) -> None:
    """Detach the staged files a load attached (after its commit or rollback)."""
    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        names = [row[1] for row in cursor.execute("PRAGMA database_list").fetchall()]
        for name in names:
            if str(name).startswith(STAGE_SCHEMA_PREFIX):
                cursor.execute(f"DETACH DATABASE {name}")
    finally:
        cursor.close()


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
    big = is_big_sqlite_load(connection, rows)
    rebuild = [i for i in table.indexes if not i.unique] if big else []
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
        for offset in range(0, frame.height, BATCH):
            connection.execute(insert(table), frame.slice(offset, BATCH).to_dicts())
