"""Big loads into SQLite: rollback journal, indexes rebuilt, WAL restored, same result."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, text

from harmwatch.ingest import bulk, extract
from harmwatch.store.database import open_store
from harmwatch.store.schema import extracts
from ingest._ingest_support import dump_but_load_times, ingest, occ_csv, occ_line, write


def _rows(n: int, offence: str = "gbh") -> list[str]:
    lines = [
        occ_line(f"B{i}", offence_group=offence, easting="530000", northing=str(180000 + i))
        for i in range(n)
    ]
    lines.append(occ_line("BAD", weapon="spoon"))  # one row quarantined
    return lines


def _journal_mode(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("PRAGMA journal_mode")).scalar())


def _load_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, Engine]:
    """The same two extracts (a first load, then an update of every row) into two stores:
    one by the ordinary path, one by the big-load path."""
    first = write(tmp_path, occ_csv(*_rows(300)), "v1.csv")
    second = write(tmp_path, occ_csv(*_rows(300, offence="abh")), "v2.csv")
    engines = []
    for name, above in (("small.db", 1_000_000), ("big.db", 10)):
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", above)
        engine = open_store(f"sqlite:///{tmp_path / name}")
        assert (ingest(engine, first).rows_loaded, ingest(engine, second).rows_updated) == (
            300,
            300,
        )
        engines.append(engine)
    return engines[0], engines[1]


def test_a_big_load_gives_the_same_store_and_returns_to_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, big = _load_both_ways(tmp_path, monkeypatch)
    try:
        # Identical but for the time of each load.
        stores = [dump_but_load_times(engine) for engine in (big, small)]
        assert stores[0] == stores[1]
        assert len(stores[0]["record_history"]) == 300
        assert _journal_mode(big) == "wal"
        with big.connect() as connection:
            indexes = {
                row[1]
                for row in connection.execute(text("PRAGMA index_list('police_occurrences')"))
            }
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert {
            "ix_police_occurrences_occurred_from",
            "ix_police_occurrences_area_code",
        } <= indexes
    finally:
        small.dispose()
        big.dispose()


def test_a_big_load_with_another_connection_open_stays_in_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", 10)
    db = tmp_path / "harmwatch.db"
    engine = open_store(f"sqlite:///{db}")
    reader = sqlite3.connect(db)  # another process's connection, say
    try:
        assert reader.execute("SELECT count(*) FROM police_occurrences").fetchone() == (0,)
        result = ingest(engine, write(tmp_path, occ_csv(*_rows(50))))
        assert (result.rows_loaded, result.rows_quarantined) == (50, 1)
        assert not Path(f"{db}-journal").exists()
        assert _journal_mode(engine) == "wal"
        # The other connection sees the committed load.
        assert reader.execute("SELECT count(*) FROM police_occurrences").fetchone() == (50,)
    finally:
        reader.close()
        engine.dispose()


def test_bulk_insert_inlines_constants_and_skips_empty_columns(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'harmwatch.db'}")
    frame = pl.DataFrame(
        {
            "kind": ["deaths", "deaths"],
            "file_name": ["it's.csv", "b.csv"],  # a quote in a value
            "sha256": ["a" * 64, "b" * 64],
            "mapping_name": [None, None],  # empty: left out, NULL
            "loaded_at": [None, None],
        }
    ).with_columns(pl.lit("2024-06-01 12:00:00").alias("loaded_at"))
    counts = dict.fromkeys(
        ("rows_read", "rows_loaded", "rows_updated", "rows_unchanged", "rows_quarantined"), 0
    )
    try:
        with engine.begin() as connection:
            bulk.bulk_insert(
                connection,
                extracts,
                frame,
                constants={"source": "o'brien's", "tokens_only": 0, **counts},
            )
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT source, file_name, mapping_name, tokens_only FROM extracts")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("o'brien's", "it's.csv", None, 0),
            ("o'brien's", "b.csv", None, 0),
        ]
    finally:
        engine.dispose()


def test_the_store_can_be_opened_and_read_during_a_big_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While a big load holds its rollback journal, another command (status,
    # say) opens the store: it cannot switch it to WAL, reads the last
    # committed state, and the load then commits as usual.
    url = f"sqlite:///{tmp_path / 'harmwatch.db'}"
    engine = open_store(url)
    ingest(engine, write(tmp_path, occ_csv(occ_line("A1")), "first.csv"))
    monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", 10)
    real = extract.copy_group  # a big load copies its staged records in (ingest.staging)
    seen: list[object] = []

    def copy_group(*args: Any, **options: Any) -> None:
        real(*args, **options)  # the records, written but not committed
        seen.append(Path(f"{tmp_path / 'harmwatch.db'}-journal").exists())
        other = open_store(url)
        try:
            with other.connect() as connection:
                seen.append(
                    connection.execute(text("SELECT count(*) FROM police_occurrences")).scalar()
                )
        finally:
            other.dispose()

    monkeypatch.setattr(extract, "copy_group", copy_group)
    try:
        result = ingest(engine, write(tmp_path, occ_csv(*_rows(50)), "big.csv"))
        assert (result.rows_loaded, seen) == (50, [True, 1])
        assert _journal_mode(engine) == "wal"
    finally:
        engine.dispose()
