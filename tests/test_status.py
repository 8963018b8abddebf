"""store_status: records, date ranges, extracts, quarantine and orphans, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from harmwatch.ingest.pipeline import ingest_file
from harmwatch.status import KindStatus, StoreStatus, masked_url, store_status
from harmwatch.store.database import create_store_engine, head_revision

OCCURRENCES = """\
occurrence_id,kind,offence_group,occurred_from,Beat
OCC1,crime,homicide,2024-01-05 10:00,A1
OCC2,crime,gbh,2024-03-10,A2
OCC3,crime,banana,2024-02-01 12:00,A3
OCC4,crime,abh,not a date,A4
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def only(status: StoreStatus, kind: str, source: str) -> KindStatus:
    [entry] = [k for k in status.kinds if (k.kind, k.source) == (kind, source)]
    return entry


@pytest.fixture
def loaded(store_engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A store with one police_occurrences file: 2 rows loaded, 2 quarantined."""
    result = ingest_file(
        store_engine, "police_occurrences", write(tmp_path, "occ.csv", OCCURRENCES)
    )
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    yield store_engine


def test_empty_store(store_engine: Engine) -> None:
    status = store_status(store_engine)
    assert status.empty
    assert status.revision == head_revision()
    assert status.to_json() == {
        "database": masked_url(store_engine),
        "revision": head_revision(),
        "kinds": [],
        "orphan_people": 0,
    }


def test_store_without_schema_is_empty_and_not_created(store_url: str) -> None:
    engine = create_store_engine(store_url)
    try:
        status = store_status(engine)
    finally:
        engine.dispose()
    assert status.empty
    assert status.revision is None


def test_figures_of_one_load(loaded: Engine) -> None:
    status = store_status(loaded)
    assert not status.empty
    entry = only(status, "police_occurrences", "police")
    assert entry.records == 2
    assert entry.first_date == datetime(2024, 1, 5, 10, 0)
    assert entry.last_date == datetime(2024, 3, 10)
    assert entry.extracts == 1
    assert entry.last_extract is not None
    assert entry.last_extract.file_name == "occ.csv"
    assert (entry.quarantined_unresolved, entry.quarantined_resolved) == (2, 0)
    assert status.orphan_people == 0


def test_age_of_last_extract(loaded: Engine) -> None:
    last = only(store_status(loaded), "police_occurrences", "police").last_extract
    assert last is not None
    later = last.loaded_at + timedelta(days=3, hours=5)
    again = only(store_status(loaded, now=later), "police_occurrences", "police").last_extract
    assert again is not None
    assert again.age_days == 3


def test_json_shape(loaded: Engine) -> None:
    payload = store_status(loaded).to_json()
    assert set(payload) == {"database", "revision", "kinds", "orphan_people"}
    [entry] = payload["kinds"]
    assert entry["kind"] == "police_occurrences"
    assert entry["first_date"] == "2024-01-05T10:00:00"
    assert entry["last_date"] == "2024-03-10T00:00:00"
    assert set(entry["last_extract"]) >= {"file_name", "loaded_at", "age_days"}
    assert entry["quarantined_unresolved"] == 2


def test_several_loads_and_sources(loaded: Engine, tmp_path: Path) -> None:
    newer = OCCURRENCES.replace("OCC2,crime,gbh,2024-03-10", "OCC2,crime,gbh,2024-04-11")
    ingest_file(loaded, "police_occurrences", write(tmp_path, "occ-april.csv", newer))
    ingest_file(
        loaded,
        "police_occurrences",
        write(tmp_path, "btp.csv", OCCURRENCES.replace("OCC", "BTP")),
        source="btp",
    )
    status = store_status(loaded)
    assert [(k.kind, k.source) for k in status.kinds] == [
        ("police_occurrences", "btp"),
        ("police_occurrences", "police"),
    ]
    police = only(status, "police_occurrences", "police")
    assert police.extracts == 2
    assert police.records == 2  # OCC2 updated, not added
    assert police.last_date == datetime(2024, 4, 11)
    assert police.last_extract is not None
    assert police.last_extract.file_name == "occ-april.csv"
    assert police.quarantined_unresolved == 4  # the bad rows, once per load
    assert only(status, "police_occurrences", "btp").records == 2


def test_resolved_rows_are_counted(loaded: Engine, tmp_path: Path) -> None:
    fixed = """\
occurrence_id,kind,offence_group,occurred_from
OCC3,crime,gbh,2024-02-01 12:00
"""
    result = ingest_file(loaded, "police_occurrences", write(tmp_path, "fix.csv", fixed))
    assert result.quarantine_resolved == 1
    entry = only(store_status(loaded), "police_occurrences", "police")
    assert (entry.quarantined_unresolved, entry.quarantined_resolved) == (1, 1)
    assert entry.records == 3


def test_kind_with_a_date_column(store_engine: Engine, tmp_path: Path) -> None:
    deaths = """\
death_id,date_of_death,classification
D1,2023-06-01,natural
D2,2023-07-15,suspicious
"""
    ingest_file(store_engine, "deaths", write(tmp_path, "deaths.csv", deaths))
    entry = only(store_status(store_engine), "deaths", "police")
    assert (entry.first_date, entry.last_date) == (date(2023, 6, 1), date(2023, 7, 15))


def test_orphan_people(loaded: Engine, tmp_path: Path) -> None:
    people = """\
occurrence_id,involvement_id,role
OCC1,P1,victim
OCC9,P2,victim
OCC1,P3,suspect
"""
    ingest_file(loaded, "police_people", write(tmp_path, "people.csv", people))
    # OCC1 is an occurrence of source "police" only: for "btp" it is an orphan too.
    ingest_file(loaded, "police_people", write(tmp_path, "btp.csv", people), source="btp")
    status = store_status(loaded)
    assert status.orphan_people == 1 + 3
    entry = only(status, "police_people", "police")
    assert (entry.records, entry.first_date, entry.last_date) == (3, None, None)


def test_password_is_masked() -> None:
    engine = create_engine("postgresql+psycopg://analyst:s3cret@db.example:5432/harmwatch")
    assert masked_url(engine) == "postgresql+psycopg://analyst:***@db.example:5432/harmwatch"
