"""``harmwatch series``: the listing, export, decisions and unsolved clusters."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harmwatch.cli import main as cli_main
from harmwatch.demo import DemoResult


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, scenario_demo: DemoResult, tmp_path: Path) -> str:
    monkeypatch.setitem(cli_main.COMMANDS, "series", "series")
    database = scenario_demo.database_url.removeprefix("sqlite:///")
    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    return f"sqlite:///{copy}"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli_main.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_series_json_export_and_decide(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario_truth: dict[str, Any]
) -> None:
    status, out, _ = _run(["series", "--db", store, "--natural", "--json"], capsys)
    assert status == 0
    payload = json.loads(out)
    ids = [s["series_id"] for s in payload["series"]]
    death_ids = scenario_truth["patterns"]["death_series"]["death_ids"]
    assert f"S-{min(death_ids)}" in ids

    out_file = tmp_path / "series.csv"
    status, _, _ = _run(["series", "export", "--db", store, "--out", str(out_file)], capsys)
    assert status == 0
    rows = list(csv.DictReader(out_file.open()))
    assert rows and list(rows[0]) == ["series_id", "kind", "record_id", "score"]
    assault = scenario_truth["patterns"]["assault_series"]["occurrence_ids"]
    assert {r["record_id"] for r in rows if r["series_id"] == f"S-{min(assault)}"} == set(assault)

    status, out, _ = _run(
        ["series", "decide", f"S-{min(assault)}", "reject", "--by", "ann", "--db", store], capsys
    )
    assert status == 0 and "rejected series" in out
    status, out, _ = _run(["series", "--db", store], capsys)
    assert status == 0 and f"S-{min(assault)}" not in out
    status, out, _ = _run(["series", "--db", store, "--all"], capsys)
    assert f"S-{min(assault)} [rejected]" in out

    pair = f"occurrence:{assault[0]},occurrence:{assault[1]}"
    status, out, _ = _run(
        ["series", "decide", pair, "confirm", "--by", "bob", "--db", store], capsys
    )
    assert status == 0 and "confirmed link" in out


def test_series_errors(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(
        ["series", "decide", "occurrence:NOPE,death:X", "confirm", "--by", "a", "--db", store],
        capsys,
    )
    assert status == 1 and "no occurrence 'NOPE'" in err
    status, _, err = _run(
        ["series", "decide", "S-NONE", "reject", "--by", "a", "--db", store], capsys
    )
    assert status == 1 and "no series S-NONE" in err


def test_unsolved_cli(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["series", "unsolved", "--db", store, "--json"], capsys)
    assert status == 0
    assert json.loads(out)["available"] is True
    status, out, _ = _run(["series", "unsolved", "--db", store, "--offence", "gbh"], capsys)
    assert status == 0 and "groups flagged" in out
