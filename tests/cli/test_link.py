"""``harmwatch link`` and ``harmwatch person show`` on the tiny multi-agency store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from _persons_data import KEY, tiny_store
from harmwatch.cli import main as cli_main
from harmwatch.cli.main import main


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(cli_main.COMMANDS, "link", "link")
    monkeypatch.setitem(cli_main.COMMANDS, "person", "person")
    url, engine = tiny_store(tmp_path)
    engine.dispose()
    return url


def test_link_review_decide_explain_export_person(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_bytes(KEY)
    assert main(["link", "--db", store, "--key-file", str(key_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["trained"] and result["records"] == 20 and result["persons"] == 9

    assert main(["link", "--db", store, "--key-file", str(key_file)]) == 0
    out = capsys.readouterr().out
    assert "into 9 persons (0 new)" in out and "stored model reused" in out

    out_csv = tmp_path / "persons.csv"
    assert main(["link", "--db", store, "export", "--out", str(out_csv)]) == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 20 and list(rows[0]) == ["kind", "record_id", "person_id"]
    john = {r["person_id"] for r in rows if r["record_id"] in ("OCC1/1", "OCC4/1", "D1", "ED1")}
    assert len(john) == 1
    capsys.readouterr()

    a, b = "police_people:police:OCC1/1", "police_people:police:OCC4/1"
    assert main(["link", "explain", a, b, "--db", store, "--json"]) == 0
    explanation = json.loads(capsys.readouterr().out)
    assert explanation["person_a"] == explanation["person_b"] == john.pop()
    assert {c["comparison"] for c in explanation["contributions"]} >= {"forename", "dob"}
    assert main(["link", "explain", a, b, "--db", store]) == 0
    assert "Day and month transposed" in capsys.readouterr().out

    assert main(["link", "review", "--db", store, "--lower", "0", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out)["pairs"], list)

    assert (
        main(
            [
                "link",
                "decide",
                a,
                "police_people:police:OCC4/2",
                "same",
                "--by",
                "DC A",
                "--db",
                store,
            ]
        )
        == 0
    )
    assert "applies from the next" in capsys.readouterr().out
    assert main(["link", "--db", store, "--key-file", str(key_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forced_links"] == 1

    person = next(r["person_id"] for r in csv.DictReader(out_csv.open()) if r["record_id"] == "D1")
    assert main(["person", "show", person, "--db", store, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    kinds = [r["kind"] for r in shown["records"]]
    assert kinds[-1] == "deaths" and "ed_assaults" in kinds
    assert main(["person", "show", person, "--db", store]) == 0
    assert "deceased" in capsys.readouterr().out


def test_user_errors_are_one_line(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["link", "explain", "police_people:police:OCC1/1", "deaths:police:D1", "--db", store])
        == 1
    )
    assert "run `harmwatch link` first" in capsys.readouterr().err
    assert main(["person", "show", "P000000001", "--db", store]) == 1
    assert "no records" in capsys.readouterr().err
    assert main(["link", "decide", "OCC1", "D1", "same", "--by", "x", "--db", store]) == 1
    assert "KIND:SOURCE:RECORD_ID" in capsys.readouterr().err
    assert main(["link", "--db", store, "--threshold", "1.5"]) == 2
