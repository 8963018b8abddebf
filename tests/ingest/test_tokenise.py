"""Tokenising a partner's file before it is shared (harmwatch.ingest.tokenise)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from harmwatch.errors import HarmWatchError
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS, token_for
from harmwatch.ingest.tokenise import tokenise_file

KEY = b"0123456789abcdef-shared-partner-key"
NOW = dt.datetime(2025, 1, 1)


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- normalisation and tokens ---------------------------------------------------------


# --- tokenise_file --------------------------------------------------------------------

_REFERRAL = {
    "referral_id": "R1",
    "received_at": "2024-02-02T09:30",
    "service": "adults",
    "concern": "neglect",
    "forename": "Zoë",
    "surname": "O'Neil",
    "date_of_birth": "2001-02-03",
    "age": "",
    "sex": "female",
    "postcode": "sw1a 1aa",
    "nhs_number": "943 476 5919",
    "person_token": "",
    "outcome": "advice given",
    "Team": "North",
}


def _referrals(tmp_path: Path, *changes: dict[str, str]) -> Path:
    rows = [_REFERRAL | {"referral_id": f"R{i}"} | change for i, change in enumerate(changes)]
    return _write(tmp_path / "referrals.csv", rows)


def test_tokenise_file_replaces_identifiers(tmp_path: Path) -> None:
    source = _referrals(tmp_path, {}, {"received_at": "2024-02-03T00:00", "age": "40"})
    out = tmp_path / "out.csv"
    result = tokenise_file("council_referrals", source, out, KEY, now=NOW)
    rows = _read(out)
    header = list(rows[0])
    assert not set(PERSONAL_COLUMNS) & set(header)
    # Contract columns first, in contract order, then the file's own columns.
    assert header == [
        "referral_id",
        "received_at",
        "service",
        "concern",
        "age",
        "sex",
        "person_token",
        "outcome",
        "Team",
    ]
    expected = token_for(KEY, forename="Zoe", surname="ONeil", date_of_birth="2001-02-03")
    assert [r["person_token"] for r in rows] == [expected, expected]
    # Age at the record's date: the day before the 23rd birthday, and given.
    assert [r["age"] for r in rows] == ["22", "40"]
    assert rows[0]["received_at"] == "2024-02-02T09:30"  # as given
    assert result.rows_read == result.rows_written == result.rows_tokenised == 2
    assert result.rows_without_token == 0
    assert result.ages_derived == 1
    assert result.error_count == 0


def test_age_derived_on_the_birthday_and_left_empty_when_implausible(tmp_path: Path) -> None:
    source = _referrals(
        tmp_path,
        {"received_at": "2024-02-03T09:30"},
        {"date_of_birth": "1900-01-01", "received_at": "2029-06-01T00:00"},
    )
    out = tmp_path / "out.csv"
    tokenise_file("council_referrals", source, out, KEY, now=dt.datetime(2030, 1, 1))
    # 129 is over the validator's 125: a placeholder date of birth, not an age.
    assert [r["age"] for r in _read(out)] == ["23", ""]


def test_failed_rows_are_written_without_identifiers_or_token(tmp_path: Path) -> None:
    source = _referrals(
        tmp_path,
        {},
        {"service": "adultz"},
        {"nhs_number": "123 456 7890"},
        {"date_of_birth": "2024-03-01"},  # after received_at
    )
    out = tmp_path / "out.csv"
    result = tokenise_file("council_referrals", source, out, KEY, now=NOW)
    rows = _read(out)
    assert [r["referral_id"] for r in rows] == ["R0", "R1", "R2", "R3"]
    assert rows[0]["person_token"] and not any(r["person_token"] for r in rows[1:])
    assert rows[1]["service"] == "adultz"  # as given: ingest quarantines it
    assert (result.rows_written, result.rows_tokenised, result.rows_without_token) == (4, 1, 3)
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "service"),
        (4, "nhs_number"),
        (5, "date_of_birth"),
    ]
    assert result.errors[0]["value"] == "adultz"
    # Identifier values are not echoed in the report.
    assert result.errors[1]["value"] is None and result.errors[2]["value"] is None
    text = out.read_text(encoding="utf-8")
    for value in ("Zoë", "O'Neil", "2001-02-03", "SW1A", "sw1a", "943 476 5919", "123 456"):
        assert value not in text


def test_existing_token_is_kept(tmp_path: Path) -> None:
    source = _referrals(
        tmp_path,
        {"forename": "", "surname": "", "date_of_birth": "", "nhs_number": "", "person_token": "t"},
    )
    out = tmp_path / "out.csv"
    result = tokenise_file("council_referrals", source, out, KEY, now=NOW)
    assert _read(out)[0]["person_token"] == "t"
    assert result.rows_tokenised == 1


def test_ragged_rows_are_left_out_and_reported(tmp_path: Path) -> None:
    source = _referrals(tmp_path, {}, {})
    with source.open("a", encoding="utf-8") as handle:
        handle.write(
            "R9,2024-01-01,adults,neglect,Ann,Lee,1990-01-01,extra,cells,too,many,x,y,z,1,2,3\n"
        )
    out = tmp_path / "out.csv"
    result = tokenise_file("council_referrals", source, out, KEY, now=NOW)
    assert (result.rows_read, result.rows_written, result.rows_left_out) == (3, 2, 1)
    assert result.errors == [
        {"row": 4, "column": None, "value": None, "reason": result.errors[0]["reason"]}
    ]
    assert "Lee" not in out.read_text(encoding="utf-8")


def test_ed_assaults_identifiers_outside_their_contract_are_tokenised(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "ed.csv",
        [
            {
                "attendance_id": "A1",
                "site_code": "RJ1",
                "assault_at": "2024-06-01T23:10",
                "assault_method": "sharp",
                "assault_location_type": "street",
                "Forename": "Zoe",
                "Surname": "O Neil",
                "DATE_OF_BIRTH": "2001-02-03",
                "age": "",
            }
        ],
    )
    out = tmp_path / "out.csv"
    tokenise_file("ed_assaults", source, out, KEY, now=NOW)
    (row,) = _read(out)
    assert row["person_token"] == token_for(
        KEY, forename="Zoe", surname="ONeil", date_of_birth="2001-02-03"
    )
    assert row["age"] == "23"
    assert not {"Forename", "Surname", "DATE_OF_BIRTH", *PERSONAL_COLUMNS} & set(row)


def test_xlsx_dates_and_a_mapping(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Received", "Service", "Concern", "First", "Last", "DOB"])
    sheet.append(
        [
            "R1",
            dt.datetime(2024, 2, 2, 10),
            "adults",
            "neglect",
            "ZOE",
            "o'neil",
            dt.datetime(2001, 2, 3),
        ]
    )
    source = tmp_path / "council.xlsx"
    book.save(source)
    mapping = Mapping.from_dict(
        {
            "kind": "council_referrals",
            "columns": {
                "referral_id": "Ref",
                "received_at": "Received",
                "service": "Service",
                "concern": "Concern",
                "forename": "First",
                "surname": "Last",
                "date_of_birth": "DOB",
            },
        }
    )
    out = tmp_path / "out.csv"
    tokenise_file("council_referrals", source, out, KEY, mapping=mapping, now=NOW)
    (row,) = _read(out)
    assert row["person_token"] == token_for(
        KEY, forename="Zoe", surname="ONeil", date_of_birth="2001-02-03"
    )
    assert row["age"] == "22"
    assert not {"First", "Last", "DOB"} & set(row)


def test_non_person_kind_is_refused(tmp_path: Path) -> None:
    source = _referrals(tmp_path, {})
    with pytest.raises(HarmWatchError, match="police_occurrences records do not describe"):
        tokenise_file("police_occurrences", source, tmp_path / "out.csv", KEY)
    with pytest.raises(HarmWatchError, match="unknown kind"):
        tokenise_file("people", source, tmp_path / "out.csv", KEY)


def test_overwriting_the_input_is_refused(tmp_path: Path) -> None:
    source = _referrals(tmp_path, {})
    before = source.read_bytes()
    with pytest.raises(HarmWatchError, match="is the input file"):
        tokenise_file("council_referrals", source, tmp_path / "." / "referrals.csv", KEY)
    assert source.read_bytes() == before


def test_identifier_like_extra_columns_are_refused_unless_dropped(tmp_path: Path) -> None:
    source = _referrals(tmp_path, {"Team": "North"} | {"Home Address": "1 High St"})
    out = tmp_path / "out.csv"
    with pytest.raises(HarmWatchError, match="'Home Address' look like person identifiers"):
        tokenise_file("council_referrals", source, out, KEY, now=NOW)
    assert not out.exists()
    tokenise_file("council_referrals", source, out, KEY, drop=["home address"], now=NOW)
    assert "1 High St" not in out.read_text(encoding="utf-8")
    with pytest.raises(HarmWatchError, match="--drop names column"):
        tokenise_file("council_referrals", source, out, KEY, drop=["nope"], now=NOW)
