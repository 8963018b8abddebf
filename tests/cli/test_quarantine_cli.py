"""``harmwatch quarantine list|export``: output, the correction round trip, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmwatch.cli.main import main

OCCURRENCES = """\
occurrence_id,kind,offence_group,occurred_from,Beat
OCC1,crime,homicide,2024-01-05 10:00,A1
OCC2,crime,gbh,2024-03-10,A2
OCC3,crime,banana,2024-02-01 12:00,A3
OCC4,crime,abh,not a date,A4
"""


def ingest(
    store_url: str,
    path: Path,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> None:
    args = ["ingest", "police_occurrences", str(path), "--db", store_url, *extra]
    assert main(args) == 0
    capsys.readouterr()


@pytest.fixture
def loaded(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "occ.csv"
    path.write_text(OCCURRENCES, encoding="utf-8")
    ingest(store_url, path, capsys)
    return store_url


def test_list(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "list", "--db", loaded]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "extract",
        "file",
        "row",
        "kind",
        "source",
        "record",
        "id",
        "reasons",
    ]
    assert lines[1].split()[:6] == ["1", "occ.csv", "4", "police_occurrences", "police", "OCC3"]
    assert "offence_group: unknown offence_group code" in lines[1]
    assert lines[2].split()[:6] == ["1", "occ.csv", "5", "police_occurrences", "police", "OCC4"]
    assert lines[-1] == "2 unresolved quarantined row(s)"


def test_list_json(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "list", "--db", loaded, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["count"] == 2
    first = payload["rows"][0]
    assert (first["file_name"], first["row_number"], first["record_id"]) == ("occ.csv", 4, "OCC3")
    assert first["errors"] == [
        {"column": "offence_group", "value": "banana", "reason": first["errors"][0]["reason"]}
    ]
    assert first["raw_row"]["Beat"] == "A3"


def test_list_filters_and_nothing(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "list", "--db", loaded, "--kind", "police_occurrences"]) == 0
    assert "2 unresolved" in capsys.readouterr().out
    assert main(["quarantine", "list", "--db", loaded, "--kind", "deaths"]) == 0
    assert capsys.readouterr().out.strip() == "no unresolved quarantined rows of kind deaths"


def test_list_unknown_source_is_a_user_error(
    loaded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quarantine", "list", "--db", loaded, "--source", "nhs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nothing was loaded from source 'nhs'")
    assert "sources loaded: police" in err


def test_list_unknown_kind_is_a_usage_error(
    loaded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quarantine", "list", "--db", loaded, "--kind", "crimes"]) == 2


def test_export_fix_reload(loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fix.csv"
    args = ["quarantine", "export", "--db", loaded, "--kind", "police_occurrences"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "exported 2 unresolved quarantined police_occurrences row(s)" in printed
    assert f"harmwatch ingest police_occurrences {out} --source police" in printed

    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == (
        "occurrence_id,kind,offence_group,occurred_from,Beat,"
        "_harmwatch_row,_harmwatch_file,_harmwatch_reasons"
    )
    out.write_text(
        text.replace("banana", "gbh").replace("not a date", "2024-02-03"), encoding="utf-8-sig"
    )
    assert main(["ingest", "police_occurrences", str(out), "--db", loaded]) == 0
    assert "2 loaded" in capsys.readouterr().out

    assert main(["quarantine", "list", "--db", loaded]) == 0
    assert capsys.readouterr().out.strip() == "no unresolved quarantined rows"
    assert main(["quarantine", "list", "--db", loaded, "--all"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "resolved by" in listed[0]
    assert listed[1].split()[6] == "2"  # resolved by extract 2
    assert main(["status", "--db", loaded, "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)["kinds"]
    assert (entry["records"], entry["quarantined_unresolved"], entry["quarantined_resolved"]) == (
        4,
        0,
        2,
    )
    assert main([*args, "--out", str(tmp_path / "again.csv")]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert not (tmp_path / "again.csv").exists()


def test_export_needs_kind(loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["quarantine", "export", "--db", loaded, "--out", str(tmp_path / "x.csv")])
    assert code == 2
    assert "Missing option '--kind'" in capsys.readouterr().err


def test_export_needs_out(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["quarantine", "export", "--db", loaded, "--kind", "police_occurrences"])
    assert code == 2


def test_export_several_sources(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    btp = tmp_path / "btp.csv"
    btp.write_text(OCCURRENCES.replace("OCC", "BTP"), encoding="utf-8")
    ingest(loaded, btp, capsys, "--source", "btp")
    out = tmp_path / "fix.csv"
    args = ["quarantine", "export", "--db", loaded, "--kind", "police_occurrences"]
    assert main([*args, "--out", str(out)]) == 1
    assert "several sources (btp, police): choose one with --source" in capsys.readouterr().err
    assert not out.exists()
    assert main([*args, "--out", str(out), "--source", "btp"]) == 0
    assert "exported 2 unresolved quarantined police_occurrences row(s) from source btp" in (
        capsys.readouterr().out
    )
    assert main([*args, "--out", str(out), "--source", "nhs"]) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["quarantine", "--help"],
        ["quarantine", "list", "--help"],
        ["quarantine", "export", "--help"],
    ],
)
def test_help(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    assert "Usage: harmwatch quarantine" in capsys.readouterr().out


def test_group_lists_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quarantine", "--help"]) == 0
    out = capsys.readouterr().out
    assert "list" in out and "export" in out
