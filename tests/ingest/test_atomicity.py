"""A load is one transaction: an error or a kill -9 leaves the store exactly as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, text

from harmwatch.ingest import bulk, load
from harmwatch.store.database import open_store
from ingest._ingest_support import dump, ingest, occ_csv, occ_line, write


@pytest.fixture
def loaded(store_engine: Engine, tmp_path: Path) -> Engine:
    """A store with v1 of three records, one of them quarantined."""
    v1 = occ_csv(occ_line("A1"), occ_line("A2"), occ_line("A3", weapon="knife"))
    ingest(store_engine, write(tmp_path, v1, "v1.csv"))
    return store_engine


def v2(tmp_path: Path) -> Path:
    """New, changed, unchanged, quarantined and resolved records: every kind of write."""
    lines = [
        occ_line("A1"),
        occ_line("A2", offence_group="homicide"),
        occ_line("A3"),
        occ_line("A4"),
        occ_line("A5", weapon="knife"),
    ]
    return write(tmp_path, occ_csv(*lines), "v2.csv")


def _fail(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("boom")


def test_an_error_at_the_end_of_a_load_changes_nothing(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(loaded)
    monkeypatch.setattr(load, "resolve_quarantine", _fail)
    with pytest.raises(RuntimeError, match="boom"):
        ingest(loaded, v2(tmp_path))
    assert dump(loaded) == before
    monkeypatch.undo()
    result = ingest(loaded, v2(tmp_path))  # and the load works afterwards
    # A3 (quarantined in v1) and A4 are new, A2 changed, A1 as it was.
    assert (result.rows_loaded, result.rows_updated, result.rows_unchanged) == (2, 1, 1)


def test_an_error_after_some_rows_are_inserted_changes_nothing(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(loaded)
    real = load.bulk_insert
    calls: list[str] = []

    def insert_then_fail(connection: Any, table: Any, frame: pl.DataFrame, **options: Any) -> None:
        real(connection, table, frame, **options)
        calls.append(table.name)
        if table.name == "quarantined_rows":  # records, history already written
            raise RuntimeError("boom")

    monkeypatch.setattr(load, "bulk_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="boom"):
        ingest(loaded, v2(tmp_path))
    assert calls == ["police_occurrences", "quarantined_rows"]
    assert dump(loaded) == before


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from harmwatch.ingest import bulk
    from harmwatch.ingest.pipeline import ingest_file
    from harmwatch.store.database import open_store

    real = bulk._batches

    def batches(frame, **options):
        for number, batch in enumerate(real(frame, **options)):
            yield batch
            if number == 0:  # the first batch is in the (open) transaction
                print("inside", flush=True)
                time.sleep(120)

    bulk._batches = batches

    # A big SQLite load copies staged files in (ingest.staging) instead.
    from harmwatch.ingest import extract

    real_copy = extract.copy_group

    def copy_group(*args, **options):
        real_copy(*args, **options)  # the first staged file is in the (open) transaction
        print("inside", flush=True)
        time.sleep(120)

    extract.copy_group = copy_group
    # A lower bar makes a small file take the big-load path (rollback journal).
    bulk._REBUILD_INDEXES_ABOVE = int(sys.argv[3])
    ingest_file(open_store(sys.argv[1]), "police_occurrences", Path(sys.argv[2]))
    """
)


def _big_file(path: Path, n: int) -> Path:
    pl.select(
        pl.format("B{}", pl.int_range(0, n)).alias("occurrence_id"),
        pl.lit("crime").alias("kind"),
        pl.lit("gbh").alias("offence_group"),
        pl.lit("2021-03-04T10:30").alias("occurred_from"),
    ).write_csv(path)
    return path


def _kill_mid_load(url: str, csv_path: Path, big_load_above: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(csv_path), str(big_load_above)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the first batch is written
        assert line.strip() == "inside", child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("n", "big_load_above"),
    [
        pytest.param(60_000, bulk._REBUILD_INDEXES_ABOVE, id="60k"),  # killed between batches
        pytest.param(60_000, 1_000, id="60k-big-load"),  # rollback journal, indexes dropped
        pytest.param(200_000, bulk._REBUILD_INDEXES_ABOVE, id="200k", marks=pytest.mark.slow),
    ],
)
def test_kill_9_inside_the_transaction_changes_nothing(
    store_url: str, loaded: Engine, tmp_path: Path, n: int, big_load_above: int
) -> None:
    assert n > bulk.BATCH
    sqlite = store_url.startswith("sqlite")
    if big_load_above != bulk._REBUILD_INDEXES_ABOVE and not sqlite:
        pytest.skip("the big-load path differs from the other only on SQLite")
    big = _big_file(tmp_path / "big.csv", n)
    before = dump(loaded)
    loaded.dispose()
    _kill_mid_load(store_url, big, big_load_above)
    if sqlite and big_load_above < n:  # the load ran with a rollback journal: left hot
        assert Path(store_url.removeprefix("sqlite:///") + "-journal").exists()
    engine = open_store(store_url)
    try:
        assert dump(engine) == before
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        # The store takes a load afterwards (no lock or half-written state left).
        result = ingest(engine, write(tmp_path, occ_csv(occ_line("Z1")), "after.csv"))
        assert result.rows_loaded == 1
    finally:
        engine.dispose()


def test_an_error_preparing_a_later_part_changes_nothing(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts are prepared a step ahead in a worker thread (ingest.prefetch): an
    error there, after earlier parts are written, still rolls the whole load back."""
    from harmwatch.ingest import validate

    monkeypatch.setattr(validate, "PART_ROWS", 2)
    before = dump(loaded)
    real = load.row_hashes
    parts: list[int] = []

    def hash_then_fail(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
        parts.append(frame.height)
        if len(parts) == 3:
            raise RuntimeError("boom in part 3")
        return real(frame, columns)

    monkeypatch.setattr(load, "row_hashes", hash_then_fail)
    with pytest.raises(RuntimeError, match="boom in part 3"):
        ingest(loaded, v2(tmp_path))
    assert len(parts) == 3
    assert dump(loaded) == before
