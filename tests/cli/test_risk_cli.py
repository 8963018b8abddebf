"""``harmwatch risk``: the list, the CSV export and the back-test from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import harmwatch.cli.main as cli_main
from harmwatch.cli.main import main
from harmwatch.demo import DemoResult


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_main.COMMANDS, "risk", "risk")


def test_risk_json(scenario_demo: DemoResult, capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario_demo.database_url
    assert main(["risk", "--db", url, "--as-of", "2024-06-01", "--top", "5", "--json"]) == 0
    out, err = capsys.readouterr()
    payload = json.loads(out)
    assert payload["as_of"] == "2024-06-01" and payload["available"]
    assert {u["unit_type"] for u in payload["units"]} == {"relationship", "person", "place"}
    assert all(u["rank"] <= 5 and u["components"] for u in payload["units"])
    assert "not linked" in err  # the scenario store has no linkage run


def test_risk_text_and_export(
    scenario_demo: DemoResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = scenario_demo.database_url
    assert main(["risk", "--db", url, "--as-of", "2024-06-01", "--top", "3"]) == 0
    assert "relationships at 2024-06-01" in capsys.readouterr().out
    out = tmp_path / "risk.csv"
    args = ["risk", "export", "--db", url, "--as-of", "2024-06-01", "--out", str(out)]
    assert main([*args, "--top", "10"]) == 0
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["rank", "unit", "person_ids", "score", "reasons", "record_ids"]
    assert rows and all(r["record_ids"] and r["reasons"] for r in rows)
    assert rows[0]["unit"].split(":")[0] in {"relationship", "person", "place"}


def test_backtest_json(scenario_demo: DemoResult, capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario_demo.database_url
    args = ["risk", "backtest", "--db", url, "--from", "2023-06-01", "--to", "2023-09-01"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["as_of_dates"] == ["2023-06-01", "2023-07-01", "2023-08-01", "2023-09-01"]
    assert {m["model"] for m in payload["metrics"]} == {"score", "frequency", "dash_like"}
    assert payload["fairness"]


def test_bad_usage(scenario_demo: DemoResult, capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario_demo.database_url
    assert main(["risk", "--db", url]) == 2
    assert main(["risk", "--db", url, "--as-of", "June"]) == 2
