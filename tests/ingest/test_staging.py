"""Big SQLite loads: new records staged from Arrow by ADBC, copied in by SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text

from harmwatch.ingest import bulk, staging, validate
from harmwatch.ingest.load import RecordPlan
from harmwatch.ingest.staging import MAX_GROUPS, StagedGroup, Staging
from harmwatch.store.database import open_store
from ingest._ingest_support import dump, dump_but_load_times, ingest, occ_csv, occ_line, write


@dataclass
class _Part:
    plan: RecordPlan
    staged_rows: int = 0
    staged: StagedGroup | None = None


def _part(start: int, n: int) -> _Part:
    new = pl.DataFrame(
        {
            "occurrence_id": [f"X{i}" for i in range(start, start + n)],
            "easting": [530000.5 + i for i in range(n)],
            "domestic": [i % 2 == 0 for i in range(n)],
            "occurred_from": pl.datetime_range(
                pl.datetime(2021, 1, 1),
                pl.datetime(2021, 1, 1) + pl.duration(hours=n - 1),
                "1h",
                eager=True,
            )
            if n
            else pl.Series([], dtype=pl.Datetime("us")),
        }
    )
    return _Part(RecordPlan(new=new, changed=pl.DataFrame(), unchanged=0))


@pytest.mark.parametrize(
    ("parts", "per_group", "groups"), [(1, 1, 1), (3, 1, 3), (10, 2, 5), (20, 3, 7)]
)
def test_parts_are_grouped_into_at_most_eight_staged_files(
    parts: int, per_group: int, groups: int
) -> None:
    with Staging(parts) as area:
        folder = area.folder
        assert area.per_group == per_group
        staged = list(area.stage_parts(iter([_part(10 * i, 10) for i in range(parts)])))
        done = [p.staged for p in staged if p.staged is not None]
        assert len(done) == groups <= MAX_GROUPS
        assert staged[-1].staged is not None  # the last part always closes its file
        assert [g.number for g in done] == list(range(groups))
        assert sum(g.rows for g in done) == 10 * parts == sum(p.staged_rows for p in staged)
        assert all(p.plan.new.height == 0 for p in staged)  # handed over: not bound again
        assert all(g.path.exists() for g in done)
    assert not folder.exists()


def test_a_staged_file_is_copied_inside_the_transaction_and_detached_after(
    tmp_path: Path,
) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE t (occurrence_id TEXT, easting FLOAT, domestic BOOLEAN, "
                "occurred_from DATETIME, source TEXT, extract_id INTEGER)"
            )
        )
    with Staging(2) as area:
        parts = list(area.stage_parts(iter([_part(0, 3), _part(3, 0)])))
        group, empty = parts[0].staged, parts[1].staged
        assert group is not None and group.rows == 3
        assert empty is not None and empty.rows == 0  # nothing to copy: never attached
        with (
            pytest.raises(RuntimeError, match="rolled back"),
            bulk.load_transaction(engine, rows=3) as connection,
        ):
            for staged in (group, empty):
                staging.copy_group(connection, "t", staged, {"source": "p", "extract_id": 7})
            copied = connection.execute(text("SELECT * FROM t ORDER BY 1")).all()
            attached = [r[1] for r in connection.execute(text("PRAGMA database_list"))]
            raise RuntimeError("rolled back")
        assert [tuple(r) for r in copied] == [
            ("X0", 530000.5, 1, "2021-01-01 00:00:00.000000", "p", 7),
            ("X1", 530001.5, 0, "2021-01-01 01:00:00.000000", "p", 7),
            ("X2", 530002.5, 1, "2021-01-01 02:00:00.000000", "p", 7),
        ]
        assert attached == ["main", "hw_stage_0"]
        with engine.connect() as connection:  # the same pooled connection: detached
            assert [r[1] for r in connection.execute(text("PRAGMA database_list"))] == ["main"]
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def _rows(n: int) -> list[str]:
    lines = [
        occ_line(f"B{i}", offence_group="gbh", easting="530000", northing=str(180000 + i))
        for i in range(n)
    ]
    lines.append(occ_line("BAD", weapon="spoon"))
    return lines


def test_a_staged_load_in_many_files_gives_the_same_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 parts in 8 staged files (and an update of every row) give the very store the
    ordinary path gives, and leave no staged file behind."""
    first = write(tmp_path, occ_csv(*_rows(320)), "v1.csv")
    second = write(tmp_path, occ_csv(*_rows(330)), "v2.csv")
    monkeypatch.setattr(validate, "PART_ROWS", 21)
    folders: list[Path] = []
    real_init = Staging.__post_init__

    def remember(self: Staging) -> None:
        real_init(self)
        folders.append(self.folder)

    monkeypatch.setattr(Staging, "__post_init__", remember)
    stores: list[dict[str, list[tuple[Any, ...]]]] = []
    for name, above in (("small.db", 1_000_000), ("big.db", 10)):
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", above)
        engine = open_store(f"sqlite:///{tmp_path / name}")
        try:
            assert ingest(engine, first).rows_loaded == 320
            assert ingest(engine, second).rows_loaded == 10
            stores.append(dump_but_load_times(engine))
        finally:
            engine.dispose()
    assert stores[0] == stores[1]
    # One staging folder per big load (the update has 330 rows too), each removed.
    assert len(folders) == 2 and not any(f.exists() for f in folders)
    assert all(f.parent == tmp_path for f in folders)  # beside the store


def test_an_error_while_staging_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'harmwatch.db'}")
    try:
        ingest(engine, write(tmp_path, occ_csv(occ_line("A1")), "first.csv"))
        before = dump(engine)
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", 10)
        monkeypatch.setattr(validate, "PART_ROWS", 30)
        real = staging._open_staging
        opened: list[Path] = []

        def fail_on_the_third(path: Path) -> Any:
            opened.append(path)
            if len(opened) == 3:
                raise RuntimeError("disk full while staging")
            return real(path)

        monkeypatch.setattr(staging, "_open_staging", fail_on_the_third)
        with pytest.raises(RuntimeError, match="disk full while staging"):
            ingest(engine, write(tmp_path, occ_csv(*_rows(200)), "big.csv"))
        assert len(opened) == 3
        assert dump(engine) == before
        with engine.connect() as connection:
            names = [r[1] for r in connection.execute(text("PRAGMA database_list")).all()]
        assert not [n for n in names if n.startswith("hw_stage_")], names
    finally:
        engine.dispose()


def test_every_kind_of_the_scenario_loads_the_same_staged(
    scenario_demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The small scenario's seven files (dates, booleans, floats, JSON extras, identifiers,
    malformed rows) give the same store through staged files as through the driver."""
    from harmwatch.demo import DEMO_SOURCES, LOAD_ORDER
    from harmwatch.ingest.pipeline import ingest_file

    data = scenario_demo.out_dir / "data"
    files = {load.kind: data / load.file_name for load in scenario_demo.loads}
    stores: list[dict[str, list[tuple[Any, ...]]]] = []
    for name, above in (("ordinary.db", 10**9), ("staged.db", 10)):
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_ABOVE", above)
        engine = open_store(f"sqlite:///{tmp_path / name}")
        try:
            for kind in LOAD_ORDER:
                ingest_file(engine, kind, files[kind], source=DEMO_SOURCES[kind])
            stores.append(dump_but_load_times(engine))
        finally:
            engine.dispose()
    assert sum(len(rows) for rows in stores[0].values()) > 10_000
    assert stores[0] == stores[1]
