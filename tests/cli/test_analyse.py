"""``harmwatch analyse near-repeat``: JSON, the table, periods, exit codes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import harmwatch.cli.main as cli_main
from harmwatch.analysis.data import Period
from harmwatch.analysis.nearrepeat import near_repeat
from harmwatch.cli.main import main
from harmwatch.store.database import open_store

ARGS = ["--distance", "150", "--days", "10", "--permutations", "99", "--seed", "4"]


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command, whether or not cli/main.py lists it yet."""
    monkeypatch.setitem(cli_main.COMMANDS, "analyse", "analyse")


def occurrences_csv() -> str:
    """60 GBH/ABH in 2024 spread over a town, plus a burst of 8 within 100 m and
    6 days, and 5 robberies and 5 GBH in 2023 (outside the tested period)."""
    rng = np.random.default_rng(0)
    start = datetime(2024, 1, 1)
    rows = ["occurrence_id,kind,offence_group,occurred_from,easting,northing"]

    def add(key: str, group: str, when: datetime, x: float, y: float) -> None:
        rows.append(f"{key},crime,{group},{when:%Y-%m-%d %H:%M},{x:.1f},{y:.1f}")

    for k in range(60):
        when = start + timedelta(minutes=int(rng.integers(0, 360 * 24 * 60)))
        x, y = rng.uniform(430000, 436000), rng.uniform(433000, 439000)
        add(f"R{k}", "gbh" if k % 3 == 0 else "abh", when, x, y)
    for k in range(8):
        when = datetime(2024, 6, 1) + timedelta(minutes=int(rng.integers(0, 6 * 24 * 60)))
        x, y = 432000 + rng.uniform(-35, 35), 435000 + rng.uniform(-35, 35)
        add(f"B{k}", "abh", when, x, y)
    for k in range(5):
        add(f"P{k}", "robbery", datetime(2024, 6, 2, 12), 432000, 435000)
        add(f"Q{k}", "gbh", datetime(2023, 6, 2 + k, 12), 432000, 435000)
    return "\n".join(rows) + "\n"


@pytest.fixture
def loaded(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "occurrences.csv"
    path.write_text(occurrences_csv(), encoding="utf-8")
    assert main(["ingest", "police_occurrences", str(path), "--db", store_url]) == 0
    capsys.readouterr()
    return store_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["analyse", "near-repeat", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_figures(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "--db",
        loaded,
        "--group",
        "gbh",
        "--group",
        "abh",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        *ARGS,
        "--json",
    )
    assert status == 0
    payload = json.loads(out)
    assert payload["n_events"] == 68
    assert payload["groups"] == ["gbh", "abh"]
    assert payload["period"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert payload["pairs"] >= 28  # the burst's 8 * 7 / 2 pairs at least
    assert payload["p_value"] == pytest.approx(0.01)
    assert payload["expected"] < 5
    assert payload["permutations"] == 99 and payload["seed"] == 4
    assert len(payload["table"]) == 6 * 5
    cell = payload["table"][0]
    assert set(cell) >= {
        "distance_band",
        "time_band",
        "observed",
        "expected",
        "ratio",
        "p_value",
        "significant",
    }
    assert cell["significant"] is True
    assert sum(c["observed"] for c in payload["table"]) == 68 * 67 // 2
    burst = {f"B{k}" for k in range(8)}
    pairs = {frozenset((p["event_a"], p["event_b"])) for p in payload["close_pairs"]}
    assert {frozenset((a, b)) for a in burst for b in burst if a < b} <= pairs

    # The same figures as the analysis itself.
    engine = open_store(loaded)
    try:
        direct = near_repeat(
            engine,
            groups=["gbh", "abh"],
            period=Period(date(2024, 1, 1), date(2025, 1, 1)),
            distance=150,
            days=10,
            permutations=99,
            seed=4,
        )
    finally:
        engine.dispose()
    assert json.loads(json.dumps(direct.to_json(), default=str)) == payload


def test_table_output(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "--db",
        loaded,
        "--group",
        "abh",
        "--distance-bands",
        "50,100",
        "--time-bands",
        "7,30",
        *ARGS,
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Knox test of near repeats:")
    assert "pairs within 150 m and 10 days:" in lines[1]
    assert any(line.startswith("0-50 m") and line.endswith("*") for line in lines)
    assert any(line.startswith("more than 100 m") for line in lines)
    assert "* ratio above 1.2 and p < 0.05" in out


def test_period_bounds(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Only --to: the five 2023 GBH (at one place, a day apart each).
    status, out, _ = run(capsys, "--db", loaded, "--group", "gbh", "--to", "2023-12-31", *ARGS)
    assert status == 0
    status, out, _ = run(
        capsys, "--db", loaded, "--group", "gbh", "--to", "2023-12-31", *ARGS, "--json"
    )
    payload = json.loads(out)
    assert payload["n_events"] == 5 and payload["pairs"] == 10
    assert payload["period"]["to"] == "2023-12-31"
    assert any("only 5 events" in w for w in payload["warnings"])


def test_no_events_is_said_plainly(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--db", loaded, "--group", "homicide", *ARGS)
    assert status == 0
    assert "not available" in out


def test_unknown_group_exits_1(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--db", loaded, "--group", "stabbing", *ARGS)
    assert status == 1
    assert out == ""
    assert "unknown offence group(s): stabbing" in err
    assert "Traceback" not in err


def test_bands_that_do_not_increase_exit_1(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--db", loaded, "--group", "gbh", "--time-bands", "14,7", *ARGS)
    assert status == 1
    assert "time bands" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--group", "gbh", "--distance", "100", "--days", "7", "--permutations", "9"],
        ["--group", "gbh", *ARGS, "--distance-bands", "100,abc"],
        ["--group", "gbh", *ARGS, "--permutations", "0"],
        ["--group", "gbh", *ARGS, "--from", "2024-13-01"],
        ["--group", "gbh", *ARGS, "--from", "2024-06-01", "--to", "2024-05-01"],
        ["--distance", "100", "--days", "7", "--permutations", "9", "--seed", "1"],
    ],
)
def test_wrong_usage_exits_2(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "--db", f"sqlite:///{tmp_path / 'h.db'}", *args)
    assert status == 2
    assert "Usage:" in err or "Error" in err
