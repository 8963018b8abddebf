"""The main job end to end on the small scenario, checked against its ground truth."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine, text

from harmwatch.cli.main import main
from harmwatch.demo import DemoResult, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo"), seed=3, scale="small")


def _truth(demo: DemoResult) -> dict[str, object]:
    truth: dict[str, object] = json.loads((demo.out_dir / "data" / "truth.json").read_text())
    return truth


def test_every_row_is_loaded_or_quarantined(demo: DemoResult) -> None:
    assert len(demo.loads) == 7
    for load in demo.loads:
        assert load.rows_read == (
            load.rows_loaded + load.rows_updated + load.rows_unchanged + load.rows_quarantined
        )
        assert load.rows_read > 0


def test_quarantined_rows_are_exactly_the_planted_faults(demo: DemoResult) -> None:
    faults = _truth(demo)["faults"]
    assert isinstance(faults, list)
    planted: dict[str, set[int]] = defaultdict(set)
    for fault in faults:
        planted[fault["kind"]].add(int(fault["row"]))
    engine = create_engine(demo.database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select kind, row_number from quarantined_rows")).all()
    engine.dispose()
    quarantined: dict[str, set[int]] = defaultdict(set)
    for kind, row in rows:
        quarantined[kind].add(row)
    assert sum(len(v) for v in planted.values()) > 20
    for kind in set(planted) | set(quarantined):
        assert quarantined[kind] == planted[kind], kind


def test_loaded_counts_by_group_and_year_match_the_file(demo: DemoResult) -> None:
    data = demo.out_dir / "data"
    faults = {f["row"] for f in _truth(demo)["faults"] if f["kind"] == "police_occurrences"}  # type: ignore[attr-defined]
    expected = (
        pl.read_csv(data / "police_occurrences.csv", infer_schema=False)
        .with_row_index("row", offset=2)
        .filter(~pl.col("row").is_in(list(faults)))
        .group_by(pl.col("offence_group"), pl.col("occurred_from").str.slice(0, 4).alias("year"))
        .len()
        .sort("offence_group", "year")
    )
    engine = create_engine(demo.database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            text(
                "select offence_group, substr(occurred_from, 1, 4) as year, count(*) "
                "from police_occurrences group by 1, 2 order by 1, 2"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in stored] == [(g, y, n) for g, y, n in expected.iter_rows()]


def test_located_records_get_the_area_of_the_scenario(demo: DemoResult) -> None:
    data = demo.out_dir / "data"
    given = pl.read_csv(data / "deaths.csv", infer_schema=False).select("death_id", "area_code")
    engine = create_engine(demo.database_url)
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("select death_id, area_code from deaths where easting is not null")
            ).all()
        )
    engine.dispose()
    agree = sum(1 for d, a in given.iter_rows() if d in stored and stored[d] == a)
    assert len(stored) > 100
    assert agree >= 0.99 * len(stored)


def test_demo_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    assert main(["demo", "--out", str(out), "--scale", "small", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {k["kind"] for k in payload["status"]["kinds"]} >= {"police_occurrences", "deaths"}
    # A second run into the same demo folder starts afresh.
    assert main(["demo", "--out", str(out), "--scale", "small", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [k["records"] for k in again["status"]["kinds"]] == [
        k["records"] for k in payload["status"]["kinds"]
    ]


def test_demo_refuses_a_folder_of_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "thesis.docx").write_text("precious")
    assert main(["demo", "--out", str(tmp_path), "--scale", "small"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "thesis.docx").read_text() == "precious"


def test_demo_ends_with_the_report(demo: DemoResult) -> None:
    assert demo.persons is not None or any("linkage" in n for n in demo.notes)
    assert demo.incidents is not None and demo.incidents.available
    assert demo.incidents.matched > 0
    for name, file in (("html", "report.html"), ("pdf", "report.pdf"), ("json", "figures.json")):
        assert demo.report[name] == demo.out_dir / file
        assert (demo.out_dir / file).stat().st_size > 1000
    figures = json.loads((demo.out_dir / "figures.json").read_text())
    assert figures["partners"]["matches_source"] == "stored"
    assert demo.unavailable == []
