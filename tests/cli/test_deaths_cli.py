"""``harmwatch deaths monitor``: from the store, from a counts file, bad input, exit codes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

import harmwatch.cli.main as cli_main
from harmwatch.cli.main import main


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command, whether or not cli/main.py lists it yet."""
    monkeypatch.setitem(cli_main.COMMANDS, "deaths", "deaths")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["deaths", "monitor", *args])
    out, err = capsys.readouterr()
    return status, out, err


def counts_csv(path: Path) -> Path:
    rows = ["entity,period,observed,expected,entity_kind"]
    for m in range(12):
        period = f"2024-{m + 1:02d}"
        rows.append(f"Quiet House,{period},1,1.0,care_home")
        rows.append(f"Busy Lodge,{period},{4 if m >= 6 else 1},1.0,care_home")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_counts_file_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--counts", str(counts_csv(tmp_path / "c.csv")), "--json")
    assert status == 0
    payload = json.loads(out)
    assert [p["entity"] for p in payload] == ["Quiet House", "Busy Lodge"]
    quiet, busy = payload
    assert quiet["signalled"] is False and quiet["first_signal_period"] is None
    assert busy["signalled"] is True and busy["first_signal_period"] == "2024-09"
    assert busy["observed"] == 30 and busy["expected"] == 12.0
    assert busy["entity_kind"] == "care_home"
    assert len(busy["statistic"]) == 12
    assert set(busy["statistic"][0]) == {"period", "observed", "expected", "statistic"}
    # A larger odds ratio and a looser alpha change the threshold and the signal.
    status, out, _ = run(
        capsys,
        "--counts",
        str(tmp_path / "c.csv"),
        "--odds-ratio",
        "3",
        "--alpha",
        "0.05",
        "--json",
    )
    assert status == 0 and json.loads(out)[1]["first_signal_period"] == "2024-08"


def test_counts_file_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--counts", str(counts_csv(tmp_path / "c.csv")))
    assert status == 0
    assert "2 charts over 12 periods" in out and "1 signalled" in out
    assert "Busy Lodge" in out and "Quiet House" not in out
    status, out, _ = run(capsys, "--counts", str(tmp_path / "c.csv"), "--all")
    assert "Quiet House" in out


def test_bad_counts_file_names_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "entity,period,observed,expected\n"
        "A,2024-01,1,1.0\n"
        "A,January,2,1.0\n"
        "B,2024-01,-1,1.0\n"
        "B,2024-02,1,lots\n"
        "A,2024-01,0,1.0\n",
        encoding="utf-8",
    )
    status, _, err = run(capsys, "--counts", str(path))
    assert status == 1
    assert "Traceback" not in err
    assert f"{path}, row 3, column 'period'" in err
    assert f"{path}, row 4, column 'observed'" in err
    assert f"{path}, row 5, column 'expected'" in err
    assert f"{path}, row 6, column 'period'" in err and "also on row 2" in err
    path.write_text("entity,month,observed\nA,2024-01,1\n", encoding="utf-8")
    status, _, err = run(capsys, "--counts", str(path))
    assert status == 1 and "row 1" in err and "'period'" in err and "'expected'" in err
    status, _, err = run(capsys, "--counts", str(tmp_path / "missing.csv"))
    assert status == 1 and "cannot read" in err


def test_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = counts_csv(tmp_path / "c.csv")
    assert run(capsys, "--counts", str(path), "--odds-ratio", "1")[0] == 2
    assert run(capsys, "--counts", str(path), "--alpha", "0.6", "--beta", "0.5")[0] == 2
    assert run(capsys, "--counts", str(path), "--period", "week")[0] == 2


def test_from_the_store(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two care homes over three years; one has three times its deaths in the last year."""
    (tmp_path / "institutions.csv").write_text(
        "institution_id,name,type,capacity,expected_deaths_per_year\n"
        "CH1,Calm House,care_home,40,12\n"
        "CH2,Storm Lodge,care_home,40,12\n",
        encoding="utf-8",
    )
    rng = np.random.default_rng(5)
    start = date(2021, 1, 1)
    rows = ["death_id,date_of_death,classification,place_type,institution_id,practitioner_id"]
    k = 0
    for home in ("CH1", "CH2"):
        for day in range(3 * 365):
            rate = 12 / 365.25 * (3 if home == "CH2" and day >= 730 else 1)
            for _ in range(rng.poisson(rate)):
                k += 1
                when = start + timedelta(days=day)
                rows.append(f"D{k},{when},natural,care_home,{home},N{home}")
    (tmp_path / "deaths.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for kind in ("institutions", "deaths"):
        assert main(["ingest", kind, str(tmp_path / f"{kind}.csv"), "--db", store_url]) == 0
    capsys.readouterr()
    status, out, err = run(capsys, "--db", store_url, "--json")
    assert status == 0, err
    payload = {p["entity"]: p for p in json.loads(out)}
    assert set(payload) == {"CH1", "CH2", "NCH1", "NCH2"}
    assert payload["NCH2"]["entity_kind"] == "practitioner"
    assert not payload["CH1"]["signalled"]
    storm = payload["CH2"]
    assert storm["signalled"] and storm["first_signal_period"] >= "2023-01"
    assert storm["first_signal_period"] <= "2023-12"
    assert storm["death_ids"] and all(d.startswith("D") for d in storm["death_ids"])
    assert len(storm["statistic"]) == 36
    status, out, _ = run(capsys, "--db", store_url, "--period", "quarter")
    assert status == 0 and "over 12 periods" in out and "CH2" in out
    assert run(capsys, "--db", store_url, "--counts", str(tmp_path / "deaths.csv"))[0] == 2
