"""Newer extracts: update changed records, keep their history, change nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from ingest._ingest_support import dump, ingest, occ_csv, occ_line, rows, table_rows, write


def test_newer_extract_updates_and_keeps_history(store_engine: Engine, tmp_path: Path) -> None:
    v1 = write(tmp_path, occ_csv(occ_line("A1"), occ_line("A2"), occ_line("A3")), "v1.csv")
    first = ingest(store_engine, v1)
    assert (first.rows_loaded, first.rows_updated, first.rows_unchanged) == (3, 0, 0)
    ids_before = {r["occurrence_id"]: r["id"] for r in rows(store_engine)}
    a2_before = next(r for r in rows(store_engine) if r["occurrence_id"] == "A2")

    v2 = write(
        tmp_path,
        occ_csv(occ_line("A1"), occ_line("A2", offence_group="homicide"), occ_line("A4")),
        "v2.csv",
    )
    second = ingest(store_engine, v2)
    assert (second.rows_read, second.rows_loaded, second.rows_updated) == (3, 1, 1)
    assert (second.rows_unchanged, second.rows_quarantined) == (1, 0)
    assert not second.already_loaded

    stored = {r["occurrence_id"]: r for r in rows(store_engine)}
    assert set(stored) == {"A1", "A2", "A3", "A4"}
    for record_id, surrogate in ids_before.items():
        assert stored[record_id]["id"] == surrogate  # the surrogate id is stable
    assert stored["A2"]["offence_group"] == "homicide"
    assert stored["A2"]["extract_id"] == second.extract_id
    assert stored["A2"]["row_hash"] != a2_before["row_hash"]
    assert stored["A1"]["extract_id"] == first.extract_id  # unchanged: untouched
    assert stored["A3"]["extract_id"] == first.extract_id  # absent from v2: kept

    (history,) = table_rows(store_engine, "record_history")
    assert (history["kind"], history["source"], history["record_id"]) == (
        "police_occurrences",
        "police",
        "A2",
    )
    assert history["extract_id"] == first.extract_id
    assert history["superseded_by_extract_id"] == second.extract_id
    assert history["row_hash"] == a2_before["row_hash"]
    old = json.loads(history["data"])
    assert old["occurrence_id"] == "A2"
    assert old["offence_group"] == "gbh"
    assert old["weapon"] == "sharp"
    assert old["occurred_from"].startswith("2021-03-04 10:30")

    extracts = table_rows(store_engine, "extracts")
    assert [(e["rows_loaded"], e["rows_updated"], e["rows_unchanged"]) for e in extracts] == [
        (3, 0, 0),
        (1, 1, 1),
    ]

    # The same file again: already loaded, nothing changes anywhere.
    before = dump(store_engine)
    again = ingest(store_engine, v2)
    assert again.already_loaded
    assert again.extract_id == second.extract_id
    assert (again.rows_loaded, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    assert any("already loaded" in w for w in again.warnings)
    assert dump(store_engine) == before


def test_reloading_a_file_with_quarantined_rows(store_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, occ_csv(occ_line("A1"), occ_line("A2", weapon="knife")))
    ingest(store_engine, path)
    before = dump(store_engine)
    again = ingest(store_engine, path)
    assert again.already_loaded
    assert (again.rows_unchanged, again.rows_quarantined, again.error_count) == (1, 1, 1)
    assert dump(store_engine) == before


def test_same_content_in_another_file_is_all_unchanged(
    store_engine: Engine, tmp_path: Path
) -> None:
    text = occ_csv(occ_line("A1"), occ_line("A2"))
    ingest(store_engine, write(tmp_path, text, "monday.csv"))
    records = rows(store_engine)
    result = ingest(store_engine, write(tmp_path, text.replace("\n", "\r\n"), "tuesday.csv"))
    assert not result.already_loaded
    assert (result.rows_loaded, result.rows_updated, result.rows_unchanged) == (0, 0, 2)
    assert rows(store_engine) == records
    assert table_rows(store_engine, "record_history") == []


def test_sources_are_separate(store_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, occ_csv(occ_line("A1")))
    ingest(store_engine, path, source="force_a")
    result = ingest(store_engine, path, source="force_b")
    assert (result.already_loaded, result.rows_loaded) == (False, 1)
    assert [(r["source"], r["occurrence_id"]) for r in rows(store_engine)] == [
        ("force_a", "A1"),
        ("force_b", "A1"),
    ]
