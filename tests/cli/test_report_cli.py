"""``harmwatch report``: files written, exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmwatch.cli.main import main
from harmwatch.demo import DemoResult


@pytest.fixture(scope="module")
def demo(scenario_demo: DemoResult) -> DemoResult:
    """The shared small scenario (the report only reads the store)."""
    return scenario_demo


def test_report_writes_html_and_json(
    demo: DemoResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html, figures = tmp_path / "report.html", tmp_path / "figures.json"
    code = main(
        [
            "report",
            "--db",
            demo.database_url,
            "--out",
            str(html),
            "--json",
            str(figures),
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--seed",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Jan 2024 to Dec 2024" in out and str(html) in out
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    data = json.loads(figures.read_text())
    assert data["report"]["seed"] == 3
    assert data["report"]["period"]["start"] == "2024-01-01"
    assert data["occurrences_by_group_year"]["homicide"]


def test_report_for_a_district(demo: DemoResult, tmp_path: Path) -> None:
    figures = tmp_path / "f.json"
    code = main(
        [
            "report",
            "--db",
            demo.database_url,
            "--out",
            str(tmp_path / "r.html"),
            "--json",
            str(figures),
            "--area",
            "E06900001",
        ]
    )
    assert code == 0
    assert json.loads(figures.read_text())["report"]["area"] == "E06900001"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--area", "NOWHERE"], "unknown area 'NOWHERE'"),
        (["--from", "2024-05-01", "--to", "2024-01-01"], "before --from"),
    ],
)
def test_user_errors_exit_1_with_one_message(
    demo: DemoResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "r.html"
    code = main(["report", "--db", demo.database_url, "--out", str(out), *extra])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_empty_store_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["report", "--db", f"sqlite:///{tmp_path / 'e.db'}", "--out", str(tmp_path / "r.html")]
    )
    assert code == 1
    assert "nothing to report" in capsys.readouterr().err


def test_missing_out_is_a_usage_error(demo: DemoResult) -> None:
    assert main(["report", "--db", demo.database_url]) == 2
