"""Writing a validated extract into the store, in one transaction.

New records are inserted, changed records updated (their previous version is
kept in ``record_history``), unchanged records left alone, and bad rows
quarantined with the raw row and every reason. The whole load is one
transaction: an error, or the process being killed, leaves the store exactly
as it was.

Bulk rows go through the database driver directly, in batches
(:mod:`harmwatch.ingest.bulk`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from harmwatch.contract import KindSpec
from harmwatch.ingest.bulk import BATCH, bulk_insert
from harmwatch.ingest.reader import ROW
from harmwatch.store.schema import (
    extracts,
    kind_tables,
    quarantine_errors,
    quarantined_rows,
    record_history,
)

_HASH_BATCH = 50_000


def row_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """MD5 of each row's canonical values (stable across versions and runs).

    Values are joined as text by Polars (date-times as their integer
    microseconds) and digested by DuckDB's ``md5`` (the same hex digest as
    :func:`hashlib.md5`, computed without holding Python's interpreter lock,
    so a load's writer thread is not held up: :mod:`.prefetch`), in slices so
    memory stays bounded on large extracts.
    """
    import duckdb

    canonical = []
    for name in columns:
        column = pl.col(name)
        if frame.schema[name].is_temporal():
            column = column.cast(pl.Int64)
        canonical.append(column.cast(pl.String).fill_null("\x00"))
    parts: list[pl.Series] = []
    with duckdb.connect() as digests:
        for offset in range(0, frame.height, _HASH_BATCH):
            text = frame.slice(offset, _HASH_BATCH).select(
                pl.concat_str(canonical, separator="\x1f").alias("t")
            )
            digests.register("text", text)
            parts.append(digests.sql("SELECT md5(t) AS row_hash FROM text").pl()["row_hash"])
            digests.unregister("text")
    if not parts:
        return pl.Series("row_hash", [], dtype=pl.String)
    return pl.concat(parts).rename("row_hash").cast(pl.String)


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
    while rows := result.fetchmany(BATCH):
        frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(frames, rechunk=True)


def create_extract(connection: Connection, values: dict[str, Any]) -> int:
    """Insert the provenance row of a load; return its extract id."""
    result = connection.execute(insert(extracts).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_extract(connection: Connection, extract_id: int, counts: dict[str, Any]) -> None:
    """Record the final counts of a load."""
    connection.execute(update(extracts).where(extracts.c.extract_id == extract_id).values(**counts))


@dataclass
class RecordPlan:
    """What a part of an extract does to the store, before anything is written.

    Attributes
    ----------
    new : polars.DataFrame
        Records not in the store yet (record columns), to insert.
    changed : polars.DataFrame
        Records whose content differs from the stored version: record
        columns and ``__id``, the stored row to update.
    unchanged : int
        Records identical to the stored version (left alone).
    """

    new: pl.DataFrame
    changed: pl.DataFrame
    unchanged: int


def plan_records(kind: KindSpec, clean: pl.DataFrame, old: pl.DataFrame) -> RecordPlan:
    """Sort a part's clean records into new, changed and unchanged.

    ``clean`` holds contract columns, ``date_precision``, ``extra`` and
    ``row_hash`` (see :func:`row_hashes`); ``old`` is the source's records as
    :func:`existing_hashes` gives them. Only Polars work: safe to run in a
    worker thread (:mod:`harmwatch.ingest.prefetch`).
    """
    joined = clean.join(old, on=kind.id_column, how="left")
    new = joined.filter(pl.col("__id").is_null())
    changed = joined.filter(
        pl.col("__id").is_not_null() & (pl.col("__old_hash") != pl.col("row_hash"))
    )
    record_columns = [c for c in clean.columns if c != ROW]
    return RecordPlan(
        new=new.select(record_columns),
        changed=changed.select([*record_columns, "__id"]),
        unchanged=joined.height - new.height - changed.height,
    )


def write_records(
    connection: Connection, kind: KindSpec, source: str, extract_id: int, plan: RecordPlan
) -> tuple[int, int, int]:
    """Insert the new, update the changed records of a :class:`RecordPlan`
    (keeping the previous versions in ``record_history``); return the counts
    loaded, updated and unchanged."""
    table = kind_tables[kind.name]
    bulk_insert(connection, table, plan.new, constants={"source": source, "extract_id": extract_id})
    changed = plan.changed
    if changed.height:
        _keep_history(connection, kind, source, extract_id, changed.get_column("__id"))
        values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in changed.columns if c != "__id"}
        statement = (
            update(table)
            .where(table.c.id == bindparam("v___id"))
            .values(extract_id=extract_id, **values)
        )
        rows = changed.rename(lambda c: f"v_{c}")
        for offset in range(0, rows.height, BATCH):
            connection.execute(statement, rows.slice(offset, BATCH).to_dicts())
    return plan.new.height, changed.height, plan.unchanged


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
