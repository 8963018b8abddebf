"""``harmwatch tokenise``: pseudonymise two partners' files, share, load, link."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from harmwatch.cli.main import main
from harmwatch.ingest.pseudonymise import PERSONAL_COLUMNS, token_for
from harmwatch.store.database import open_store
from harmwatch.store.schema import kind_tables

KEY_TEXT = "Kx7-partners-agreed-secret-2024-9qZ"

#: The same three people, as the police and as the council record them.
POLICE_PEOPLE = [
    {
        "occurrence_id": "OCC1",
        "role": "victim",
        "forename": "Zoë",
        "surname": "O'Neil",
        "date_of_birth": "2001-02-03",
        "sex": "female",
        "postcode": "sw1a 1aa",
        "nhs_number": "943 476 5919",
    },
    {
        "occurrence_id": "OCC1",
        "role": "suspect",
        "forename": "Mary-Jane",
        "surname": "Smith",
        "date_of_birth": "1985-12-31",
        "sex": "female",
        "postcode": "M1 1AE",
        "nhs_number": "",
    },
    {
        "occurrence_id": "OCC2",
        "role": "victim",
        "forename": "Seán",
        "surname": "MacDonald",
        "date_of_birth": "1970-07-07",
        "sex": "male",
        "postcode": "",
        "nhs_number": "401-023-2137",
    },
]
COUNCIL_REFERRALS = [
    {
        "referral_id": "R1",
        "received_at": "2024-02-02T10:00",
        "service": "adults",
        "concern": "domestic_abuse",
        "forename": " ZOE ",
        "surname": "o neil",
        "date_of_birth": "2001-02-03 00:00:00",
        "sex": "female",
        "postcode": "SW1A1AA",
        "nhs_number": "9434765919",
    },
    {
        "referral_id": "R2",
        "received_at": "2024-03-01T09:00",
        "service": "children",
        "concern": "neglect",
        "forename": "mary jane",
        "surname": "SMITH ",
        "date_of_birth": "1985-12-31",
        "sex": "female",
        "postcode": "m11ae",
        "nhs_number": "",
    },
    {
        "referral_id": "R3",
        "received_at": "2024-04-01T09:00",
        "service": "adults",
        "concern": "self_neglect",
        "forename": "SEAN",
        "surname": "Mac Donald",
        "date_of_birth": "1970-07-07",
        "sex": "male",
        "postcode": "",
        "nhs_number": "4010232137",
    },
]
#: Identifier values that must not survive tokenising or loading.
IDENTIFIERS = ("Zoë", "O'Neil", "Mary-Jane", "MacDonald", "2001-02-03", "SW1A", "9434765919")


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "partners.key"
    path.write_text(KEY_TEXT + "\n", encoding="utf-8")
    return path


def _tokenise(
    capsys: pytest.CaptureFixture[str], kind: str, source: Path, out: Path, key_file: Path
) -> dict[str, object]:
    args = ["tokenise", kind, str(source), "--key-file", str(key_file), "--out", str(out)]
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    assert KEY_TEXT not in captured.out + captured.err
    report: dict[str, object] = json.loads(captured.out)
    return report


def test_round_trip_tokens_match_across_partners_and_load(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    police = _write(tmp_path / "police_people.csv", POLICE_PEOPLE)
    council = _write(tmp_path / "council_referrals.csv", COUNCIL_REFERRALS)
    police_out, council_out = tmp_path / "police_tok.csv", tmp_path / "council_tok.csv"

    report = _tokenise(capsys, "police_people", police, police_out, key_file)
    assert report["rows_read"] == report["rows_written"] == report["rows_tokenised"] == 3
    assert report["rows_without_token"] == 0 and report["errors"] == []
    assert report["kind"] == "police_people" and report["out"] == str(police_out)
    report = _tokenise(capsys, "council_referrals", council, council_out, key_file)
    assert report["rows_tokenised"] == 3

    police_rows, council_rows = _read(police_out), _read(council_out)
    for rows, path in ((police_rows, police_out), (council_rows, council_out)):
        assert not set(PERSONAL_COLUMNS) & set(rows[0])
        text = path.read_text(encoding="utf-8")
        assert not [v for v in IDENTIFIERS if v in text]
    police_tokens = [r["person_token"] for r in police_rows]
    assert all(len(t) == 64 for t in police_tokens)
    assert police_tokens == [r["person_token"] for r in council_rows]
    assert len(set(police_tokens)) == 3
    assert [r["age"] for r in council_rows] == ["22", "38", "53"]

    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    assert main(["ingest", "council_referrals", str(council_out), "--db", url, "--json"]) == 0
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result["rows_loaded"] == 3 and result["rows_quarantined"] == 0
    assert KEY_TEXT not in out
    assert main(["ingest", "police_people", str(police_out), "--db", url, "--json"]) == 0
    assert KEY_TEXT not in capsys.readouterr().out

    engine = open_store(url)
    try:
        with engine.connect() as connection:
            referrals = kind_tables["council_referrals"]
            stored = connection.execute(
                select(referrals.c.person_token, referrals.c.forename, referrals.c.age).order_by(
                    referrals.c.referral_id
                )
            ).all()
            people = kind_tables["police_people"]
            linked = connection.execute(
                select(people.c.person_token).order_by(people.c.involvement_id)
            ).all()
    finally:
        engine.dispose()
    assert [r.person_token for r in stored] == police_tokens
    assert [r.forename for r in stored] == [None, None, None]
    assert [r.age for r in stored] == [22, 38, 53]
    assert sorted(r.person_token for r in linked) == sorted(police_tokens)

    stored_bytes = db.read_bytes()
    assert KEY_TEXT.encode() not in stored_bytes
    assert not [v for v in IDENTIFIERS if v.encode() in stored_bytes]


def test_tokens_only_ingest_matches_tokenise(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    police = _write(tmp_path / "police_people.csv", POLICE_PEOPLE)
    tokenised = tmp_path / "police_tok.csv"
    _tokenise(capsys, "police_people", police, tokenised, key_file)
    made_by_tokenise = [r["person_token"] for r in _read(tokenised)]

    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    args = ["ingest", "police_people", str(police), "--tokens-only", "--key-file", str(key_file)]
    assert main([*args, "--db", url, "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["rows_loaded"] == 3
    assert KEY_TEXT not in out

    people = kind_tables["police_people"]
    engine = open_store(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(people).order_by(people.c.involvement_id)).all()
    finally:
        engine.dispose()
    assert [r.person_token for r in rows] == made_by_tokenise
    for column in PERSONAL_COLUMNS:
        assert [getattr(r, column) for r in rows] == [None, None, None]
    assert made_by_tokenise[0] == token_for(
        KEY_TEXT.encode(), forename="zoe", surname="oneil", date_of_birth="2001-02-03"
    )
    assert KEY_TEXT.encode() not in db.read_bytes()


def test_summary_line_and_reported_problems(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [*COUNCIL_REFERRALS, COUNCIL_REFERRALS[0] | {"referral_id": "R4", "concern": "nglect"}]
    source = _write(tmp_path / "council.csv", rows)
    out = tmp_path / "out.csv"
    args = ["tokenise", "council_referrals", str(source), "--key-file", str(key_file)]
    assert main([*args, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1
    assert "4 rows read, 4 written" in captured.out
    assert "3 tokenised, 1 without a token; 1 problems" in captured.out
    assert "row 5, column concern: 'nglect'" in captured.err
    assert KEY_TEXT not in captured.out + captured.err
    assert _read(out)[3]["person_token"] == ""


def test_refusals(tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "council.csv", COUNCIL_REFERRALS)
    before = source.read_bytes()
    base = ["tokenise", "council_referrals", str(source), "--key-file", str(key_file)]

    assert main([*base, "--out", str(source)]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == before

    assert main([*base, "--out", str(key_file)]) == 1
    assert "is the key file" in capsys.readouterr().err
    assert key_file.read_text(encoding="utf-8").strip() == KEY_TEXT

    occurrences = ["tokenise", "police_occurrences", str(source), "--key-file", str(key_file)]
    assert main([*occurrences, "--out", str(tmp_path / "o.csv")]) == 1
    assert "tokenise works on police_people" in capsys.readouterr().err

    missing = ["tokenise", "council_referrals", str(source), "--key-file", str(tmp_path / "no")]
    assert main([*missing, "--out", str(tmp_path / "o.csv")]) == 1
    assert "no such file" in capsys.readouterr().err

    short = tmp_path / "short.key"
    short.write_text("tiny-key")
    weak = ["tokenise", "council_referrals", str(source), "--key-file", str(short)]
    assert main([*weak, "--out", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert "at least 16" in err and "tiny-key" not in err
    assert not (tmp_path / "o.csv").exists()
