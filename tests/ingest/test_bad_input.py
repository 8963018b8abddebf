"""Bad input through the whole pipeline, on both backends.

Each bad file gets a clear message and loses nothing: every row is loaded or
quarantined with its reason, or the whole file is refused with a message and
the store is left exactly as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from harmwatch.errors import HarmWatchError
from ingest._ingest_support import (
    OCC_HEADER,
    dump,
    ingest,
    occ_csv,
    occ_line,
    rows,
    table_rows,
    write,
)


@pytest.fixture
def seeded(store_engine: Engine, tmp_path: Path) -> Engine:
    """A store holding one earlier load, so "unchanged" means something."""
    ingest(store_engine, write(tmp_path, occ_csv(occ_line("S1")), "seed.csv"))
    return store_engine


def refused(engine: Engine, path: Path, *message: str, kind: str = "police_occurrences") -> str:
    """Load ``path``, expect a refusal naming it; check the store did not change."""
    before = dump(engine)
    with pytest.raises(HarmWatchError) as caught:
        ingest(engine, path, kind)
    text = str(caught.value)
    assert str(path) in text
    for part in message:
        assert part in text
    assert dump(engine) == before
    return text


def quarantine(engine: Engine) -> list[dict[str, object]]:
    return table_rows(engine, "quarantined_rows")


# -- whole file refused ----------------------------------------------------------------


def test_missing_required_column(seeded: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "occurrence_id,kind,occurred_from\nA1,crime,2021-01-01\n")
    refused(seeded, path, "row 1", "required column(s) missing: 'offence_group'")


def test_misspelt_required_column_suggests_the_found_header(seeded: Engine, tmp_path: Path) -> None:
    header = OCC_HEADER.replace("occurred_from", "Occured_From")
    path = write(tmp_path, occ_csv(occ_line("A1"), header=header))
    refused(seeded, path, "'occurred_from' (found 'Occured_From': misspelt?)")


def test_a_deaths_file_loaded_as_occurrences(seeded: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "death_id,date_of_death,classification\nD1,2021-01-01,natural\n")
    refused(seeded, path, "looks like a deaths file")


NOT_CSV = {
    "empty": (b"", "empty"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    "random": (bytes((i * 7919 + 13) % 256 for i in range(4096)), "binary file"),
    "semicolon": (
        b"occurrence_id;kind;offence_group;occurred_from\nA1;crime;gbh;2021-01-01\n",
        ";-",
    ),
}


def test_empty_file_and_files_that_are_not_csv_at_all(seeded: Engine, tmp_path: Path) -> None:
    """One store per backend for all of them (each is refused before any write)."""
    for name, (content, message) in NOT_CSV.items():
        refused(seeded, write(tmp_path, content, f"{name}.csv"), message)


def test_xlsx_whose_first_sheet_is_not_the_data_names_the_sheets(
    seeded: Engine, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["nothing to see"])
    book.create_sheet("Data").append(OCC_HEADER.split(","))
    path = tmp_path / "book.xlsx"
    book.save(path)
    refused(seeded, path, "required column(s) missing", "Summary, Data", "--sheet")


# -- rows quarantined, the rest loaded ---------------------------------------------------


def test_unknown_code_and_bad_dates_quarantine_their_rows(seeded: Engine, tmp_path: Path) -> None:
    bad = {
        "A2": {"weapon": "knife"},
        "A3": {"occurred_from": "2021-02-30"},
        "A4": {"occurred_from": "31/12/2021"},
        "A5": {"occurred_from": "yesterday"},
        "A6": {"occurred_from": "2999-01-01"},
        "A7": {"occurred_from": "1899-12-31"},
    }
    lines = [occ_line("A1")] + [occ_line(k, **v) for k, v in bad.items()] + [occ_line("A8")]
    result = ingest(seeded, write(tmp_path, occ_csv(*lines)))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 2, 6)
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "weapon"),
        (4, "occurred_from"),
        (5, "occurred_from"),
        (6, "occurred_from"),
        (7, "occurred_from"),
        (8, "occurred_from"),
    ]
    assert [r["occurrence_id"] for r in rows(seeded)] == ["S1", "A1", "A8"]
    held = quarantine(seeded)
    assert [q["record_id"] for q in held] == list(bad)
    assert [q["row_number"] for q in held] == [3, 4, 5, 6, 7, 8]
    assert "unknown weapon code" in str(held[0]["reasons"])
    assert json.loads(str(held[0]["raw_row"]))["weapon"] == "knife"
    assert "in the future" in str(held[4]["reasons"])
    assert "before 1900" in str(held[5]["reasons"])
    errors = table_rows(seeded, "quarantine_errors")
    assert [(e["row_number"], e["column_name"], e["value"]) for e in errors][:1] == [
        (3, "weapon", "knife")
    ]


def test_duplicate_ids_quarantine_all_their_rows(seeded: Engine, tmp_path: Path) -> None:
    lines = [occ_line("A1"), occ_line("A2"), occ_line("A1", offence_group="abh")]
    result = ingest(seeded, write(tmp_path, occ_csv(*lines)))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert {e["row"] for e in result.errors} == {2, 4}
    assert all("rows 2, 4" in e["reason"] for e in result.errors)


def test_ragged_rows_quarantined_with_raw_text(seeded: Engine, tmp_path: Path) -> None:
    lines = [occ_line("A1"), occ_line("A2") + ",surplus", "A3,crime", occ_line("A4")]
    result = ingest(seeded, write(tmp_path, occ_csv(*lines)))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, None), (4, None)]
    held = quarantine(seeded)
    assert [q["row_number"] for q in held] == [3, 4]
    assert json.loads(str(held[0]["raw_row"]))["_extra_1"] == "surplus"
    assert json.loads(str(held[1]["raw_row"])) == {"occurrence_id": "A3", "kind": "crime"}
    assert "cells but the header has" in str(held[1]["reasons"])


def test_megabyte_field_and_unclosed_quote(seeded: Engine, tmp_path: Path) -> None:
    lines = [
        occ_line("A1"),
        occ_line("A2", weapon='"' + "x" * 1_000_000 + '"'),
        occ_line("A3"),
        occ_line("A4", weapon='"sharp'),
        occ_line("A5"),
    ]
    result = ingest(seeded, write(tmp_path, occ_csv(*lines)))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    assert [r["occurrence_id"] for r in rows(seeded)] == ["S1", "A1", "A3", "A5"]
    assert [e["row"] for e in result.errors] == [3, 5]
    assert all("unclosed quote" in e["reason"] for e in result.errors)


def test_bad_nhs_number(store_engine: Engine, tmp_path: Path) -> None:
    text = "occurrence_id,role,nhs_number\nO1,victim,9434765919\nO1,suspect,9434765918\n"
    result = ingest(store_engine, write(tmp_path, text), "police_people")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert result.errors[0]["row"] == 3
    assert "NHS number" in result.errors[0]["reason"]


def test_half_given_coordinates(seeded: Engine, tmp_path: Path) -> None:
    lines = [occ_line("A1", easting="530000"), occ_line("A2", lat="51.5"), occ_line("A3")]
    result = ingest(seeded, write(tmp_path, occ_csv(*lines)))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "easting"), (3, "lat")]


# -- odd but fine ------------------------------------------------------------------------


def test_header_only_loads_nothing_with_a_warning(seeded: Engine, tmp_path: Path) -> None:
    before = dump(seeded)
    result = ingest(seeded, write(tmp_path, OCC_HEADER + "\n"))
    assert result.rows_read == 0
    assert any("no data rows" in w for w in result.warnings)
    after = dump(seeded)
    assert after["police_occurrences"] == before["police_occurrences"]
    assert len(after["extracts"]) == len(before["extracts"]) + 1


def test_bom_crlf_and_latin1_load_the_same_values(store_engine: Engine, tmp_path: Path) -> None:
    text = "occurrence_id,kind,offence_group,occurred_from,description\n"
    text += "A1,crime,gbh,2021-01-01,Zoë paid £5\n"
    bom = ingest(store_engine, write(tmp_path, b"\xef\xbb\xbf" + text.encode(), "bom.csv"))
    crlf = text.replace("\n", "\r\n").replace("A1", "A2")
    ingest(store_engine, write(tmp_path, crlf, "crlf.csv"))
    latin = ingest(
        store_engine, write(tmp_path, text.replace("A1", "A3").encode("cp1252"), "l.csv")
    )
    assert bom.warnings == []
    assert any("windows-1252" in w for w in latin.warnings)
    stored = rows(store_engine)
    assert [r["occurrence_id"] for r in stored] == ["A1", "A2", "A3"]
    assert {r["description"] for r in stored} == {"Zoë paid £5"}


def test_header_case_and_spaces(store_engine: Engine, tmp_path: Path) -> None:
    header = "Occurrence_ID ,KIND, Offence_Group ,Occurred_From"
    result = ingest(store_engine, write(tmp_path, f"{header}\nA1,Crime,GBH,2021-01-01\n"))
    assert result.rows_loaded == 1
    (record,) = rows(store_engine)
    assert (record["occurrence_id"], record["kind"], record["offence_group"]) == (
        "A1",
        "crime",
        "gbh",
    )


def test_xlsx_sheets(store_engine: Engine, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Crimes"
    first.append(OCC_HEADER.split(","))
    first.append(occ_line("A1").split(","))
    other = book.create_sheet("Incidents")
    other.append(OCC_HEADER.split(","))
    other.append(occ_line("B1", kind="incident").split(","))
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = ingest(store_engine, path)
    assert result.rows_loaded == 1
    assert any("Crimes, Incidents" in w for w in result.warnings)
    result = ingest(store_engine, path, sheet="Incidents", source="other")
    assert result.rows_loaded == 1
    assert [r["occurrence_id"] for r in rows(store_engine)] == ["A1", "B1"]
