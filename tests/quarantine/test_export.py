"""Quarantined rows exported for correction, and the corrected file re-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.quarantine.export import EXPORT_COLUMNS, export_quarantined
from harmwatch.quarantine.rows import list_quarantined
from harmwatch.status import store_status
from quarantine._files import OCCURRENCES, read_csv, write


def test_export_has_original_columns_and_guides(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "fix.csv"
    result = export_quarantined(loaded, "police_occurrences", out)
    assert (result.path, result.rows, result.source) == (out, 2, "police")
    assert result.files == ("occ.csv",)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    header, *rows = read_csv(out)
    assert header == [
        "occurrence_id",
        "kind",
        "offence_group",
        "occurred_from",
        "Beat",
        *EXPORT_COLUMNS,
    ]
    assert tuple(header) == result.columns
    assert rows[0][:5] == ["OCC3", "crime", "banana", "2024-02-01 12:00", "A3"]
    assert rows[0][5:7] == ["4", "occ.csv"]
    assert rows[0][7].startswith("offence_group: unknown offence_group code")
    assert rows[1][:6] == ["OCC4", "crime", "abh", "not a date", "A4", "5"]


def test_export_fix_and_reload_resolves(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "fix.csv"
    export_quarantined(loaded, "police_occurrences", out)
    text = out.read_text(encoding="utf-8-sig")
    fixed = write(
        tmp_path, "fixed.csv", text.replace("banana", "gbh").replace("not a date", "2024-02-03")
    )

    result = ingest_file(loaded, "police_occurrences", fixed)

    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert result.quarantine_resolved == 2
    assert list_quarantined(loaded) == []
    everything = list_quarantined(loaded, include_resolved=True)
    assert [r.resolved_by_extract_id for r in everything] == [result.extract_id] * 2
    status = store_status(loaded)
    [entry] = status.kinds
    assert (entry.records, entry.quarantined_unresolved, entry.quarantined_resolved) == (4, 0, 2)
    # Nothing left to export; --all still gives the rows, for review.
    again = export_quarantined(loaded, "police_occurrences", tmp_path / "none.csv")
    assert (again.path, again.rows) == (None, 0)
    assert not (tmp_path / "none.csv").exists()
    review = export_quarantined(
        loaded, "police_occurrences", tmp_path / "all.csv", include_resolved=True
    )
    assert review.rows == 2


def test_export_reload_of_a_still_bad_row_keeps_one_set_of_guide_columns(
    loaded: Engine, tmp_path: Path
) -> None:
    first = tmp_path / "fix.csv"
    export_quarantined(loaded, "police_occurrences", first)
    half_fixed = first.read_text(encoding="utf-8-sig").replace("banana", "gbh")
    ingest_file(loaded, "police_occurrences", write(tmp_path, "half.csv", half_fixed))
    # OCC4 is now quarantined by two loads: exported once, as the latest load had it.
    second = tmp_path / "fix2.csv"
    result = export_quarantined(loaded, "police_occurrences", second)
    assert (result.rows, result.superseded) == (1, 1)
    header, row = read_csv(second)
    assert header == [
        "occurrence_id",
        "kind",
        "offence_group",
        "occurred_from",
        "Beat",
        *EXPORT_COLUMNS,
    ]
    assert row[:6] == ["OCC4", "crime", "abh", "not a date", "A4", "3"]
    assert row[6] == "half.csv"


def test_export_union_of_columns_in_first_seen_order(loaded: Engine, tmp_path: Path) -> None:
    other = """\
occurrence_id,Sector,kind,offence_group,occurred_from,weapon
OCC7,S1,crime,gbh,2024-05-01,spoon
"""
    ingest_file(loaded, "police_occurrences", write(tmp_path, "may.csv", other))
    out = tmp_path / "fix.csv"
    result = export_quarantined(loaded, "police_occurrences", out)
    assert result.rows == 3
    assert result.files == ("occ.csv", "may.csv")
    header, *rows = read_csv(out)
    assert header[:7] == [
        "occurrence_id",
        "kind",
        "offence_group",
        "occurred_from",
        "Beat",
        "Sector",
        "weapon",
    ]
    assert rows[0][5:7] == ["", ""]  # occ.csv had no Sector, no weapon
    assert rows[2][:7] == ["OCC7", "crime", "gbh", "2024-05-01", "", "S1", "spoon"]


def test_export_needs_a_source_when_several_have_rows(loaded: Engine, tmp_path: Path) -> None:
    ingest_file(
        loaded,
        "police_occurrences",
        write(tmp_path, "btp.csv", OCCURRENCES.replace("OCC", "BTP")),
        source="btp",
    )
    out = tmp_path / "fix.csv"
    with pytest.raises(HarmWatchError, match=r"several sources \(btp, police\)"):
        export_quarantined(loaded, "police_occurrences", out)
    assert not out.exists()
    result = export_quarantined(loaded, "police_occurrences", out, source="btp")
    assert (result.rows, result.source) == (2, "btp")
    assert [r[0] for r in read_csv(out)[1:]] == ["BTP3", "BTP4"]


def test_export_unknown_source_and_kind(loaded: Engine, tmp_path: Path) -> None:
    with pytest.raises(HarmWatchError, match="sources loaded: police"):
        export_quarantined(loaded, "police_occurrences", tmp_path / "x.csv", source="nhs")
    with pytest.raises(HarmWatchError, match="unknown kind"):
        export_quarantined(loaded, "crimes", tmp_path / "x.csv")


def test_export_to_a_missing_folder(loaded: Engine, tmp_path: Path) -> None:
    with pytest.raises(HarmWatchError, match="does not exist"):
        export_quarantined(loaded, "police_occurrences", tmp_path / "no" / "fix.csv")


def test_export_replaces_an_existing_file(loaded: Engine, tmp_path: Path) -> None:
    out = write(tmp_path, "fix.csv", "old\n")
    export_quarantined(loaded, "police_occurrences", out)
    assert read_csv(out)[0][0] == "occurrence_id"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_keeps_non_ascii_text(store_engine: Engine, tmp_path: Path) -> None:
    text = OCCURRENCES.replace("A3", "Zoë's café")
    ingest_file(store_engine, "police_occurrences", write(tmp_path, "occ.csv", text))
    out = tmp_path / "fix.csv"
    export_quarantined(store_engine, "police_occurrences", out)
    assert read_csv(out)[1][4] == "Zoë's café"


def test_export_keeps_derived_involvement_ids(store_engine: Engine, tmp_path: Path) -> None:
    """A people file without involvement_id: the quarantined row keeps its derived
    id, so the corrected re-load updates that very record, not another person's."""
    people = """\
occurrence_id,role,forename
OCC1,victim,Jane
OCC1,martian,John
"""
    ingest_file(store_engine, "police_people", write(tmp_path, "people.csv", people))
    out = tmp_path / "fix.csv"
    result = export_quarantined(store_engine, "police_people", out)
    assert result.rows == 1
    assert not result.notes
    header, row = read_csv(out)[:2]
    assert row[header.index("involvement_id")] == "OCC1/2"
    fixed = out.read_text(encoding="utf-8-sig").replace("martian", "witness")
    reload = ingest_file(store_engine, "police_people", write(tmp_path, "fixed.csv", fixed))
    assert (reload.rows_loaded, reload.rows_quarantined, reload.quarantine_resolved) == (1, 0, 1)
    with store_engine.connect() as connection:
        people_rows = connection.execute(
            text("select involvement_id, role, forename from police_people order by 1")
        ).all()
    assert [tuple(r) for r in people_rows] == [
        ("OCC1/1", "victim", "Jane"),
        ("OCC1/2", "witness", "John"),
    ]
