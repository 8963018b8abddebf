"""``harmwatch ingest``: exit codes, messages, ``--json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harmwatch.cli.main import main
from ingest._ingest_support import OCC_HEADER, occ_csv, occ_line, write

JSON_KEYS = {
    "kind",
    "source",
    "rows_read",
    "rows_loaded",
    "rows_updated",
    "rows_unchanged",
    "rows_quarantined",
    "errors",
    "error_count",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["ingest", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_is_one_object_that_accounts_for_every_row(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, occ_csv(occ_line("A1"), occ_line("A2", weapon="knife"), "A3,crime"))
    status, out, err = run(capsys, "police_occurrences", str(path), "--db", store_url, "--json")
    assert status == 0, err
    payload = json.loads(out)
    assert set(payload) >= JSON_KEYS
    assert (payload["kind"], payload["source"]) == ("police_occurrences", "police")
    assert payload["rows_read"] == 3
    assert payload["rows_read"] == sum(
        payload[k] for k in ("rows_loaded", "rows_updated", "rows_unchanged", "rows_quarantined")
    )
    assert (payload["rows_loaded"], payload["rows_quarantined"]) == (1, 2)
    assert payload["error_count"] == 2
    assert [(e["row"], e["column"]) for e in payload["errors"]] == [(3, "weapon"), (4, None)]
    assert set(payload["errors"][0]) == {"row", "column", "value", "reason"}

    status, out, _ = run(capsys, "police_occurrences", str(path), "--db", store_url, "--json")
    again = json.loads(out)
    assert (status, again["already_loaded"], again["rows_loaded"]) == (0, True, 0)


def test_text_output_and_header_only_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    path = write(tmp_path, OCC_HEADER + "\n")
    status, out, err = run(capsys, "police_occurrences", str(path), "--db", db)
    assert status == 0, err
    assert "0 rows read" in out
    assert "no data rows" in out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ["empty"]),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), ["PNG"]),
        (b"occurrence_id,kind,occurred_from\nA1,crime,2021-01-01\n", ["row 1", "offence_group"]),
    ],
    ids=["empty", "png", "missing-column"],
)
def test_user_errors_exit_1_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, words: list[str]
) -> None:
    path = write(tmp_path, content)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    status, out, err = run(capsys, "police_occurrences", str(path), "--db", db, "--json")
    assert status == 1
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert err.count("\n") == 1
    for word in words:
        assert word in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [[], ["police_occurrences"], ["bogus", "x.csv"], ["police_occurrences", "x.csv", "--nope"]],
    ids=["nothing", "no-file", "bad-kind", "bad-option"],
)
def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    status, _, err = run(capsys, *args)
    assert status == 2
    assert "Usage" in err or "Error" in err


def test_the_real_command_prints_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, b"%PDF-1.5\n")
    done = subprocess.run(
        [sys.executable, "-m", "harmwatch.cli.main", "ingest", "deaths", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == f"error: {path}: is a PDF, not a CSV, XLSX or GeoJSON file\n"
    assert done.stdout == ""
