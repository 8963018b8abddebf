"""Validation against the contract (harmwatch.ingest.validate): every problem, vectorised."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from harmwatch.contract import KINDS
from harmwatch.errors import InputFileError
from harmwatch.geo.coordinates import bng_to_wgs84
from harmwatch.ingest.reader import ROW
from harmwatch.ingest.validate import Validated, validate
from ingest._ingest_support import NOW

OCCURRENCE = {
    "occurrence_id": "A1",
    "kind": "crime",
    "offence_group": "gbh",
    "occurred_from": "2021-03-04T10:30",
}
DEATH = {"death_id": "D1", "date_of_death": "2021-03-04", "classification": "natural"}


def frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    """Text cells as the reader gives them (row 2 onwards)."""
    columns = list(dict.fromkeys(c for r in records for c in r))
    data = {c: [r.get(c, "") for r in records] for c in columns}
    table = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
    return table.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def check(kind: str, records: list[dict[str, Any]]) -> Validated:
    return validate(frame(records), KINDS[kind], file_name="f.csv", now=NOW)


def problems(result: Validated) -> list[tuple[int, str, str, str]]:
    return [
        (r[ROW], r["column"], r["value"], r["reason"]) for r in result.errors.iter_rows(named=True)
    ]


def test_every_problem_in_every_row_is_reported() -> None:
    result = check(
        "police_occurrences",
        [
            OCCURRENCE | {"kind": "crim", "offence_group": "murder", "occurred_from": "yesterday"},
            OCCURRENCE | {"occurrence_id": "A2"},
            OCCURRENCE | {"occurrence_id": "A3", "weapon": "knife", "domestic": "perhaps"},
        ],
    )
    found = {(row, column) for row, column, _, _ in problems(result)}
    assert found == {
        (2, "kind"),
        (2, "offence_group"),
        (2, "occurred_from"),
        (4, "weapon"),
        (4, "domestic"),
    }
    assert result.bad_rows.to_list() == [2, 4]
    assert result.clean.get_column("occurrence_id").to_list() == ["A2"]
    assert result.clean.get_column(ROW).to_list() == [3]
    assert result.errors.get_column(ROW).is_sorted()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2021-02-30", "not a valid date-time"),
        ("31/12/2021", "not a valid date-time"),
        ("yesterday", "not a valid date-time"),
        ("2021-03-04T25:00", "not a valid date-time"),
        ("2024-06-01T12:01", "in the future"),
        ("2030-01-01", "in the future"),
        ("1899-12-31T23:59", "before 1900"),
    ],
)
def test_bad_date_times(value: str, reason: str) -> None:
    result = check("police_occurrences", [OCCURRENCE | {"occurred_from": value}])
    ((row, column, shown, why),) = problems(result)
    assert (row, column, shown) == (2, "occurred_from", value)
    assert reason in why
    assert result.clean.height == 0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2021-02-30", "not a valid date"),
        ("31/12/2021", "not a valid date"),
        ("2021-3-4", "not a valid date"),
        ("yesterday", "not a valid date"),
        ("2024-06-02", "in the future"),
        ("1899-12-31", "before 1900"),
    ],
)
def test_bad_dates(value: str, reason: str) -> None:
    result = check("deaths", [DEATH | {"date_of_death": value}])
    ((row, column, shown, why),) = problems(result)
    assert (row, column, shown) == (2, "date_of_death", value)
    assert reason in why


def test_good_dates_and_date_times() -> None:
    result = check(
        "police_occurrences",
        [
            OCCURRENCE | {"occurred_from": "2024-06-01"},  # today: not the future
            OCCURRENCE | {"occurrence_id": "A2", "occurred_from": "1900-01-01T00:00:00"},
            OCCURRENCE | {"occurrence_id": "A3", "occurred_from": "2021-06-01T10:00:00+01:00"},
            OCCURRENCE | {"occurrence_id": "A4", "occurred_from": "2021-01-01T10:00Z"},
        ],
    )
    assert problems(result) == []
    assert result.clean.get_column("occurred_from").to_list() == [
        datetime(2024, 6, 1),
        datetime(1900, 1, 1),
        datetime(2021, 6, 1, 10, 0),  # BST: UK local time is the offset's time
        datetime(2021, 1, 1, 10, 0),  # GMT
    ]
    assert result.clean.get_column("date_precision").to_list() == [
        "date",
        "datetime",
        "datetime",
        "datetime",
    ]


@pytest.mark.parametrize("fraction", [True, False], ids=["with-fractions", "without"])
def test_date_time_layouts_with_and_without_fractional_seconds(fraction: bool) -> None:
    # The fractional-seconds work is skipped when no value has a '.': both
    # ways, every ISO layout parses the same and a truncated one is refused.
    values = ["2021-06-01", "2021-06-01T10:20", "2021-06-01 10:20:30", "2021-06-01T10"]
    if fraction:
        values.append("2021-06-01T10:20:30.250")
    result = check(
        "police_occurrences",
        [OCCURRENCE | {"occurrence_id": f"A{i}", "occurred_from": v} for i, v in enumerate(values)],
    )
    assert [(p[0], p[1], p[2]) for p in problems(result)] == [(5, "occurred_from", "2021-06-01T10")]
    day = datetime(2021, 6, 1)
    expected = [day, day.replace(hour=10, minute=20), day.replace(hour=10, minute=20, second=30)]
    if fraction:
        expected.append(day.replace(hour=10, minute=20, second=30))
    assert result.clean.get_column("occurred_from").to_list() == expected


def test_unknown_codes_are_errors_never_coerced_and_case_is_ignored() -> None:
    result = check(
        "police_occurrences",
        [
            OCCURRENCE | {"offence_group": "GBH", "weapon": " Sharp "},
            OCCURRENCE | {"occurrence_id": "A2", "weapon": "knife"},
            OCCURRENCE | {"occurrence_id": "A3", "offence_group": "homicde"},
        ],
    )
    (knife, homicde) = problems(result)
    assert knife[:3] == (3, "weapon", "knife")
    assert "unknown weapon code" in knife[3]
    assert homicde[:3] == (4, "offence_group", "homicde")
    assert "did you mean 'homicide'" in homicde[3]
    clean = result.clean.row(0, named=True)
    assert (clean["offence_group"], clean["weapon"]) == ("gbh", "sharp")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("94347659190", False),
        ("943476591X", False),
        ("1234567890", False),  # check digit would be 10: never valid
    ],
)
def test_nhs_numbers_are_checksum_validated(value: str, valid: bool) -> None:
    result = check("deaths", [DEATH | {"nhs_number": value}])
    if valid:
        assert problems(result) == []
        assert result.clean.get_column("nhs_number").to_list() == ["9434765919"]
    else:
        ((row, column, shown, reason),) = problems(result)
        assert (row, column, shown) == (2, "nhs_number", value)
        assert "modulus-11" in reason


@pytest.mark.parametrize(
    ("value", "stored"),
    [("sw1a1aa", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"), ("SW1A", "SW1A"), ("not a postcode", None)],
)
def test_postcodes_are_normalised_or_refused(value: str, stored: str | None) -> None:
    result = check("deaths", [DEATH | {"postcode": value}])
    if stored is None:
        assert [p[:2] for p in problems(result)] == [(2, "postcode")]
    else:
        assert problems(result) == []
        assert result.clean.get_column("postcode").to_list() == [stored]


@pytest.mark.parametrize("value", ["12.5", "-1", "126", "1e30", "nan", "99999999999999999999"])
def test_bad_ages_are_row_errors_not_crashes(value: str) -> None:
    result = check("deaths", [DEATH | {"age": value}, DEATH | {"death_id": "D2", "age": "40"}])
    assert [p[:3] for p in problems(result)] == [(2, "age", value)]
    assert result.clean.get_column("age").to_list() == [40]


def test_birth_after_the_event_is_an_error() -> None:
    result = check("deaths", [DEATH | {"date_of_birth": "2021-03-05"}])
    assert [p[:2] for p in problems(result)] == [(2, "date_of_birth")]


def test_header_case_and_spaces_are_ignored() -> None:
    result = check(
        "police_occurrences",
        [
            {
                "Occurrence_ID ": "A1",
                " KIND": "crime",
                "Offence_Group": "gbh",
                "OCCURRED_FROM": "2021-03-04",
            }
        ],
    )
    assert problems(result) == []
    assert result.clean.get_column("occurrence_id").to_list() == ["A1"]


def test_missing_required_column_is_a_file_error() -> None:
    records = [{k: v for k, v in OCCURRENCE.items() if k != "offence_group"}]
    with pytest.raises(InputFileError) as caught:
        check("police_occurrences", records)
    message = str(caught.value)
    assert message.startswith("f.csv, row 1: required column(s) missing: 'offence_group'")
    assert "misspelt" not in message


def test_misspelt_required_column_suggests_the_header_found() -> None:
    records = [{("Ofence_Group" if k == "offence_group" else k): v for k, v in OCCURRENCE.items()}]
    with pytest.raises(InputFileError, match=r"'offence_group' \(found 'Ofence_Group': misspelt"):
        check("police_occurrences", records)


def test_a_file_of_another_kind_is_named() -> None:
    with pytest.raises(InputFileError, match="looks like a deaths file, not police_occurrences"):
        check("police_occurrences", [DEATH])


def test_duplicate_ids_quarantine_every_row_with_the_id_naming_the_rows() -> None:
    result = check(
        "police_occurrences",
        [
            OCCURRENCE,
            OCCURRENCE | {"occurrence_id": "A2"},
            OCCURRENCE | {"offence_group": "abh"},
            OCCURRENCE | {"occurrence_id": " A1 "},
        ],
    )
    assert result.bad_rows.to_list() == [2, 4, 5]
    for row, column, value, reason in problems(result):
        # The value is reported as the file gave it (row 5 has spaces around it).
        assert (column, value) == ("occurrence_id", " A1 " if row == 5 else "A1")
        assert "used by 3 different rows" in reason and "rows 2, 4, 5" in reason, row
    assert result.clean.get_column("occurrence_id").to_list() == ["A2"]


def test_exact_copies_of_a_row_load_once_and_quarantine_the_copies() -> None:
    result = check(
        "police_occurrences",
        [OCCURRENCE, OCCURRENCE | {"occurrence_id": "A2"}, OCCURRENCE, OCCURRENCE],
    )
    assert result.bad_rows.to_list() == [4, 5]
    for _row, column, value, reason in problems(result):
        assert (column, value, reason) == (
            "occurrence_id",
            "A1",
            "an exact copy of row 2 (loaded from there)",
        )
    assert sorted(result.clean.get_column("occurrence_id").to_list()) == ["A1", "A2"]


def test_half_given_coordinates_are_errors() -> None:
    result = check(
        "police_occurrences",
        [
            OCCURRENCE | {"easting": "530000"},
            OCCURRENCE | {"occurrence_id": "A2", "lon": "-0.12"},
            OCCURRENCE | {"occurrence_id": "A3", "easting": "530000", "northing": "180000"},
        ],
    )
    assert [p[:2] for p in problems(result)] == [(2, "easting"), (3, "lon")]
    assert result.clean.get_column("occurrence_id").to_list() == ["A3"]


def test_locations_are_kept_in_both_systems() -> None:
    lat, lon = bng_to_wgs84([530000.0], [180000.0])
    result = check(
        "police_occurrences",
        [
            OCCURRENCE | {"easting": "530000", "northing": "180000"},
            OCCURRENCE | {"occurrence_id": "A2", "lat": f"{lat[0]:.8f}", "lon": f"{lon[0]:.8f}"},
            OCCURRENCE | {"occurrence_id": "A3"},
        ],
    )
    assert problems(result) == []
    by_bng, by_wgs, nowhere = result.clean.iter_rows(named=True)
    assert by_bng["lat"] == pytest.approx(lat[0], abs=1e-9)
    assert by_bng["lon"] == pytest.approx(lon[0], abs=1e-9)
    # WGS84 -> BNG returns the same point (within a millimetre or so).
    assert by_wgs["easting"] == pytest.approx(530000.0, abs=0.01)
    assert by_wgs["northing"] == pytest.approx(180000.0, abs=0.01)
    assert [nowhere[c] for c in ("easting", "northing", "lat", "lon")] == [None] * 4


def test_people_involvement_ids_are_derived_when_absent() -> None:
    people = [
        {"occurrence_id": "O1", "role": "victim"},
        {"occurrence_id": "O2", "role": "victim"},
        {"occurrence_id": "O1", "role": "suspect"},
    ]
    result = check("police_people", people)
    assert problems(result) == []
    assert result.clean.get_column("involvement_id").to_list() == ["O1/1", "O2/1", "O1/2"]

    given = [p | {"involvement_id": i} for p, i in zip(people, ["X", "", "Y"], strict=True)]
    result = check("police_people", given)
    assert result.clean.get_column("involvement_id").to_list() == ["X", "O2/1", "Y"]


def test_extra_columns_are_kept_as_json() -> None:
    result = check("police_occurrences", [OCCURRENCE | {"Notes": "Zoë", "beat": "7"}])
    assert result.extra_columns == ["Notes", "beat"]
    (extra,) = result.clean.get_column("extra").to_list()
    assert json.loads(extra) == {"Notes": "Zoë", "beat": "7"}


def test_clean_rows_have_contract_types() -> None:
    result = check(
        "deaths",
        [DEATH | {"date_of_birth": "1950-01-02", "age": "71", "lat": "51.5", "lon": "-0.1"}],
    )
    row = result.clean.row(0, named=True)
    assert row["date_of_death"] == date(2021, 3, 4)
    assert row["date_of_birth"] == date(1950, 1, 2)
    assert row["age"] == 71
    assert row["extra"] is None
