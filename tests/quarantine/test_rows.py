"""Quarantined rows listed: their problems, filters, unknown sources and kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.quarantine.rows import list_quarantined, quarantine_sources
from quarantine._files import OCCURRENCES, write


def test_list_unresolved_rows(loaded: Engine) -> None:
    rows = list_quarantined(loaded)
    assert [(r.file_name, r.row_number, r.record_id) for r in rows] == [
        ("occ.csv", 4, "OCC3"),
        ("occ.csv", 5, "OCC4"),
    ]
    first, second = rows
    assert (first.kind, first.source, first.resolved) == ("police_occurrences", "police", False)
    assert first.reasons.startswith("offence_group: unknown offence_group code")
    assert [(e.column, e.value) for e in first.errors] == [("offence_group", "banana")]
    assert [(e.column, e.value) for e in second.errors] == [("occurred_from", "not a date")]
    assert first.raw == {
        "occurrence_id": "OCC3",
        "kind": "crime",
        "offence_group": "banana",
        "occurred_from": "2024-02-01 12:00",
        "Beat": "A3",
    }
    payload = first.to_json()
    assert payload["raw_row"]["Beat"] == "A3"
    assert payload["errors"][0]["column"] == "offence_group"


def test_list_filters(loaded: Engine, tmp_path: Path) -> None:
    ingest_file(
        loaded,
        "police_occurrences",
        write(tmp_path, "btp.csv", OCCURRENCES.replace("OCC", "BTP")),
        source="btp",
    )
    assert len(list_quarantined(loaded)) == 4
    assert {r.record_id for r in list_quarantined(loaded, source="btp")} == {"BTP3", "BTP4"}
    assert len(list_quarantined(loaded, kind="police_occurrences", source="police")) == 2
    assert list_quarantined(loaded, kind="deaths") == []
    assert quarantine_sources(loaded, "police_occurrences") == ["btp", "police"]


def test_list_unknown_source_names_the_sources(loaded: Engine) -> None:
    with pytest.raises(HarmWatchError, match=r"source 'nhs'.*sources loaded: police"):
        list_quarantined(loaded, source="nhs")
    with pytest.raises(HarmWatchError, match="nothing deaths was loaded"):
        list_quarantined(loaded, kind="deaths", source="police")


def test_list_unknown_kind(loaded: Engine) -> None:
    with pytest.raises(HarmWatchError, match="unknown kind 'crimes'"):
        list_quarantined(loaded, kind="crimes")


def test_empty_store_lists_nothing(store_engine: Engine) -> None:
    assert list_quarantined(store_engine) == []
    assert quarantine_sources(store_engine) == []
