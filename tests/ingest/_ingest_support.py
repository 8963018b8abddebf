"""Helpers shared by the ingest tests: small files, loads and whole-store dumps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select

from harmwatch.ingest.pipeline import IngestResult, ingest_file
from harmwatch.store.schema import extracts, kind_tables, metadata

#: "Now" for every load in these tests, so "in the future" is stable.
NOW = datetime(2024, 6, 1, 12, 0)

OCC_HEADER = "occurrence_id,kind,offence_group,occurred_from,easting,northing,lat,lon,weapon"


def occ_line(record_id: str, **cells: str) -> str:
    """One police_occurrences row in :data:`OCC_HEADER` order, with defaults."""
    values = {
        "occurrence_id": record_id,
        "kind": "crime",
        "offence_group": "gbh",
        "occurred_from": "2021-03-04T10:30",
        "easting": "",
        "northing": "",
        "lat": "",
        "lon": "",
        "weapon": "sharp",
    } | cells
    return ",".join(values[c] for c in OCC_HEADER.split(","))


def occ_csv(*lines: str, header: str = OCC_HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def write(tmp_path: Path, content: str | bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def ingest(
    engine: Engine, path: Path, kind: str = "police_occurrences", **options: Any
) -> IngestResult:
    """Load ``path`` and check that every row is accounted for."""
    options.setdefault("now", NOW)
    result = ingest_file(engine, kind, path, **options)
    assert result.rows_read == (
        result.rows_loaded + result.rows_updated + result.rows_unchanged + result.rows_quarantined
    )
    return result


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every HarmWatch table, in primary-key order."""
    present = set(inspect(engine).get_table_names())
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name not in present:
                continue
            order = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in connection.execute(select(table).order_by(*order))]
    return out


def dump_but_load_times(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """:func:`dump`, less the time of each load (``extracts.loaded_at``): what two stores
    loaded with the same files by different paths must agree on."""
    store = dump(engine)
    when = list(extracts.columns.keys()).index("loaded_at")
    store["extracts"] = [row[:when] + row[when + 1 :] for row in store["extracts"]]
    return store


def rows(engine: Engine, kind: str = "police_occurrences") -> list[dict[str, Any]]:
    """The records of ``kind``, in id order, as dicts."""
    table = kind_tables[kind]
    with engine.connect() as connection:
        result = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    return [dict(r) for r in result]


def table_rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    table = metadata.tables[name]
    with engine.connect() as connection:
        result = connection.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(r) for r in result.mappings().all()]
