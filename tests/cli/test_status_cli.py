"""``harmwatch status``: the table, --json, the empty store, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmwatch.cli.main import main
from harmwatch.store.database import head_revision

OCCURRENCES = """\
occurrence_id,kind,offence_group,occurred_from,Beat
OCC1,crime,homicide,2024-01-05 10:00,A1
OCC2,crime,gbh,2024-03-10,A2
OCC3,crime,banana,2024-02-01 12:00,A3
OCC4,crime,abh,not a date,A4
"""


def ingest(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "occ.csv"
    path.write_text(OCCURRENCES, encoding="utf-8")
    assert main(["ingest", "police_occurrences", str(path), "--db", store_url]) == 0
    capsys.readouterr()


def test_empty_store_is_friendly(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert "nothing loaded yet: try harmwatch ingest" in out


def test_empty_store_json(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", store_url, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kinds"] == []
    assert payload["orphan_people"] == 0


def test_missing_sqlite_file_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.db"
    assert main(["status", "--db", f"sqlite:///{path}"]) == 0
    assert "nothing loaded yet" in capsys.readouterr().out
    assert not path.exists()


def test_table(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingest(store_url, tmp_path, capsys)
    assert main(["status", "--db", store_url]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert f"schema revision: {head_revision()}" in lines
    [header] = [line for line in lines if line.startswith("kind ")]
    [row] = [line for line in lines if line.startswith("police_occurrences ")]
    assert row.split()[:6] == ["police_occurrences", "police", "2", "2024-01-05", "2024-03-10", "1"]
    assert row.split()[6] == "occ.csv"
    assert row.split()[-2:] == ["2", "0"]  # quarantined, resolved
    # Aligned: text starts under its header, numbers end under theirs.
    assert row.index("police ") == header.index("source")
    assert row[header.index("first date") :].startswith("2024-01-05")
    assert row[header.index("records") + len("records") - 1] == "2"
    assert "orphan police_people rows" in out
    assert "2 quarantined row(s) wait for correction" in out


def test_json(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingest(store_url, tmp_path, capsys)
    assert main(["status", "--db", store_url, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["revision"] == head_revision()
    [entry] = payload["kinds"]
    assert entry["records"] == 2
    assert entry["first_date"].startswith("2024-01-05")
    assert entry["last_extract"]["file_name"] == "occ.csv"
    assert entry["last_extract"]["age_days"] == 0
    assert (entry["quarantined_unresolved"], entry["quarantined_resolved"]) == (2, 0)


def test_password_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens on port 1: the error names the store, without its password.
    code = main(["status", "--db", "postgresql://analyst:s3cret@127.0.0.1:1/hw"])
    assert code == 1
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err
    assert "error: cannot open the store" in captured.err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--help"]) == 0
    assert "--json" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--kind", "x"]) == 2
