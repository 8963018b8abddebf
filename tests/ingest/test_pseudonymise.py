"""Person tokens: normalisation, determinism, keys, and tokenising a file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from harmwatch.contract import KINDS
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.pseudonymise import (
    add_person_tokens,
    normalise_name,
    read_key,
    token_for,
)
from harmwatch.ingest.reader import ROW
from harmwatch.ingest.validate import validate

KEY = b"0123456789abcdef-shared-partner-key"
OTHER_KEY = b"fedcba9876543210-another-partner-key"
NOW = dt.datetime(2025, 1, 1)


def _frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _tokens(kind: str, rows: list[dict[str, str]]) -> list[str | None]:
    checked = validate(_frame(rows), KINDS[kind], file_name="test.csv", now=NOW)
    assert checked.errors.height == 0, checked.errors
    return add_person_tokens(checked.clean, KEY).get_column("person_token").to_list()


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


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Zoë O'Neil", "ZOEONEIL"),
        ("o neil", "ONEIL"),
        ("O’NEIL", "ONEIL"),
        ("  Mary-Jane ", "MARYJANE"),
        ("Søren Æbelø", "SORENAEBELO"),
        ("Weiß", "WEISS"),
        ("Łukasz", "LUKASZ"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_name(given: str | None, expected: str) -> None:
    assert normalise_name(given) == expected


def test_token_is_deterministic_and_hex() -> None:
    first = token_for(KEY, forename="Zoë", surname="O'Neil", date_of_birth="2001-02-03")
    again = token_for(KEY, forename="Zoë", surname="O'Neil", date_of_birth="2001-02-03")
    assert first == again
    assert first is not None and len(first) == 64
    int(first, 16)


def test_token_ignores_case_accents_and_punctuation() -> None:
    tokens = {
        token_for(KEY, forename=f, surname=s, date_of_birth=dt.date(2001, 2, 3))
        for f, s in [("Zoë", "O'Neil"), ("ZOE", "o neil"), ("zoe", "ONEIL"), ("Zoe ", "O’Neil")]
    }
    assert len(tokens) == 1


def test_token_differs_by_person() -> None:
    base = token_for(KEY, forename="Zoe", surname="ONeil", date_of_birth="2001-02-03")
    assert base != token_for(KEY, forename="Zoe", surname="ONeil", date_of_birth="2001-02-04")
    assert base != token_for(KEY, forename="Zoey", surname="ONeil", date_of_birth="2001-02-03")


def test_nhs_number_token_when_names_are_incomplete() -> None:
    spaced = token_for(
        KEY, forename=None, surname="Lee", date_of_birth=None, nhs_number="943 476 5919"
    )
    plain = token_for(KEY, forename="", surname="", date_of_birth=None, nhs_number="9434765919")
    assert spaced is not None and spaced == plain
    assert token_for(KEY, forename="Ann", surname=None, date_of_birth=None) is None


def test_different_keys_give_different_tokens() -> None:
    person = {"forename": "Zoe", "surname": "ONeil", "date_of_birth": "2001-02-03"}
    assert token_for(KEY, **person) != token_for(OTHER_KEY, **person)


def test_same_person_same_token_across_agencies_via_the_validator() -> None:
    police = _tokens(
        "police_people",
        [
            {
                "occurrence_id": "OCC1",
                "role": "victim",
                "forename": "Zoë",
                "surname": "O'Neil",
                "date_of_birth": "2001-02-03",
                "nhs_number": "943 476 5919",
            },
            {
                "occurrence_id": "OCC2",
                "role": "victim",
                "forename": "",
                "surname": "",
                "date_of_birth": "",
                "nhs_number": "401 023 2137",
            },
        ],
    )
    council = _tokens(
        "council_referrals",
        [
            {
                "referral_id": "R1",
                "received_at": "2024-05-01T10:00",
                "service": "adults",
                "concern": "neglect",
                "forename": " ZOE ",
                "surname": "o’neil",
                "date_of_birth": "2001-02-03 00:00:00",  # an Excel date cell
                "nhs_number": "9434765919",
            },
            {
                "referral_id": "R2",
                "received_at": "2024-05-01T10:00",
                "service": "adults",
                "concern": "neglect",
                "forename": "",
                "surname": "",
                "date_of_birth": "",
                "nhs_number": "4010232137",
            },
        ],
    )
    assert police == council
    assert all(t is not None for t in police)


def test_add_person_tokens_keeps_an_existing_token() -> None:
    frame = pl.DataFrame(
        {
            "forename": ["Zoe", "Ann"],
            "surname": ["ONeil", "Lee"],
            "date_of_birth": [dt.date(2001, 2, 3), dt.date(1990, 1, 1)],
            "person_token": ["given-token", None],
        }
    )
    tokens = add_person_tokens(frame, KEY).get_column("person_token").to_list()
    assert tokens[0] == "given-token"
    assert tokens[1] == token_for(KEY, forename="Ann", surname="Lee", date_of_birth="1990-01-01")


# --- the key --------------------------------------------------------------------------


def test_read_key_strips_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_bytes(b"  " + KEY + b"\n")
    assert read_key(path) == KEY


def test_key_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HarmWatchError, match="no such file"):
        read_key(tmp_path / "nope")


def test_key_too_short_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("short-secret\n")
    with pytest.raises(HarmWatchError, match="at least 16") as caught:
        read_key(path)
    assert "short-secret" not in str(caught.value)
