"""What a load writes (harmwatch.ingest.load via the pipeline), on both backends."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pipeline import ERRORS_SHOWN
from ingest._ingest_support import dump, ingest, occ_csv, occ_line, rows, table_rows, write


def test_values_are_stored_typed_with_provenance(store_engine: Engine, tmp_path: Path) -> None:
    header = "occurrence_id,kind,offence_group,occurred_from,domestic,easting,northing,beat"
    text = f"{header}\nA1,crime,homicide,2021-03-04T22:15,yes,530000,180000,7\n"
    result = ingest(store_engine, write(tmp_path, text))
    assert (result.rows_read, result.rows_loaded, result.extract_id) == (1, 1, 1)
    (record,) = rows(store_engine)
    assert record["source"] == "police"
    assert record["extract_id"] == 1
    assert record["occurred_from"] == datetime(2021, 3, 4, 22, 15)
    assert record["domestic"] is True
    assert record["date_precision"] == "datetime"
    assert len(record["row_hash"]) == 32
    assert json.loads(record["extra"]) == {"beat": "7"}
    assert record["lat"] == pytest.approx(51.504, abs=0.001)
    assert record["lon"] == pytest.approx(-0.128, abs=0.001)
    (extract,) = table_rows(store_engine, "extracts")
    assert extract["file_name"] == "file.csv"
    assert extract["sha256"] == result.sha256
    assert (extract["rows_read"], extract["rows_loaded"], extract["rows_quarantined"]) == (1, 1, 0)
    assert extract["min_date"] == extract["max_date"] == datetime(2021, 3, 4, 22, 15)


def test_lat_lon_file_gets_easting_northing(store_engine: Engine, tmp_path: Path) -> None:
    ingest(store_engine, write(tmp_path, occ_csv(occ_line("A1", lat="51.5077", lon="-0.1279"))))
    (record,) = rows(store_engine)
    assert record["easting"] == pytest.approx(530021, abs=5)
    assert record["northing"] == pytest.approx(180413, abs=5)


def test_people_get_derived_involvement_ids(store_engine: Engine, tmp_path: Path) -> None:
    text = "occurrence_id,role,forename\nO1,victim,Zoë\nO1,suspect,\nO2,victim,\n"
    result = ingest(store_engine, write(tmp_path, text), "police_people")
    assert result.rows_loaded == 3
    stored = rows(store_engine, "police_people")
    assert [r["involvement_id"] for r in stored] == ["O1/1", "O1/2", "O2/1"]
    assert stored[0]["forename"] == "Zoë"


def test_errors_are_capped_but_counted(store_engine: Engine, tmp_path: Path) -> None:
    lines = [occ_line(f"A{i}", weapon="knife", kind="crim") for i in range(ERRORS_SHOWN)]
    result = ingest(store_engine, write(tmp_path, occ_csv(*lines, occ_line("OK"))))
    assert result.error_count == 2 * ERRORS_SHOWN
    assert len(result.errors) == ERRORS_SHOWN
    assert (result.rows_loaded, result.rows_quarantined) == (1, ERRORS_SHOWN)
    assert len(table_rows(store_engine, "quarantine_errors")) == 2 * ERRORS_SHOWN


def test_corrected_rows_resolve_their_quarantine(store_engine: Engine, tmp_path: Path) -> None:
    ingest(store_engine, write(tmp_path, occ_csv(occ_line("A1", weapon="knife")), "v1.csv"))
    (held,) = table_rows(store_engine, "quarantined_rows")
    assert held["resolved_by_extract_id"] is None
    result = ingest(store_engine, write(tmp_path, occ_csv(occ_line("A1")), "v2.csv"))
    assert (result.rows_loaded, result.quarantine_resolved) == (1, 1)
    (held,) = table_rows(store_engine, "quarantined_rows")
    assert held["resolved_by_extract_id"] == result.extract_id


def test_a_source_name_too_long_for_the_store_is_refused(
    store_engine: Engine, tmp_path: Path
) -> None:
    before = dump(store_engine)
    with pytest.raises(HarmWatchError, match="at most 100 characters"):
        ingest(store_engine, write(tmp_path, occ_csv(occ_line("A1"))), source="x" * 101)
    assert dump(store_engine) == before
