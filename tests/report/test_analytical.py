"""The analytical report: figures against the scenario's truth and files, self-containment,
the PDF, and partial data (police only; the real MPS homicide extract)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.demo import DEMO_SOURCES
from harmwatch.errors import HarmWatchError
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.report.analytical import AnalyticalReport, build_report, write_report
from harmwatch.store.database import open_store
from report.test_output import _load_offline

MPS_CSV = Path(__file__).resolve().parents[1] / "data" / "london-homicides"
MPS_CSV = MPS_CSV / "mps_homicides_2003_2024.csv"
SECTIONS = (
    "Key findings",
    "Homicide and near misses",
    "Death investigations",
    "Hotspots and near repeats",
    "Partner data",
    "Data coverage and quality",
    "Methods and caveats",
)
REQUIRED_KEYS = (
    "occurrences_by_group_year",
    "deaths_by_classification_year",
    "hotspots",
    "near_repeat",
    "ed_unmatched_places",
    "coverage",
)


@pytest.fixture(scope="module")
def report(scenario_store: Engine) -> AnalyticalReport:
    return build_report(scenario_store, seed=0, generated="2025-01-01")


@pytest.fixture(scope="module")
def written(report: AnalyticalReport, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("analytical")
    return write_report(report, html=folder / "report.html", json=folder / "figures.json")


def _clean_csv(scenario_dir: Path, truth: dict[str, Any], kind: str) -> pl.DataFrame:
    """A contract file's rows, minus the rows truth.json lists as faults."""
    frame = pl.read_csv(scenario_dir / f"{kind}.csv", infer_schema=False)
    frame = frame.with_row_index("row", offset=2)
    faulty = [f["row"] for f in truth["faults"] if f["kind"] == kind]
    return frame.filter(~pl.col("row").is_in(faulty))


def _by_year(frame: pl.DataFrame, key: str, when: str) -> dict[str, dict[str, int]]:
    counted = frame.group_by(key, pl.col(when).str.slice(0, 4).alias("year")).len()
    out: dict[str, dict[str, int]] = {}
    for k, year, n in counted.iter_rows():
        out.setdefault(k, {})[year] = n
    return out


def _headings(html: str, level: int) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h) for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html)
    ]


def _assert_no_empty_chart(report: AnalyticalReport) -> None:
    for figure, table in report.document.appendix:
        assert table.rows, f"figure {figure.number} ({figure.caption[:40]}) has no data"
        numbers = [
            float(cell.replace(",", ""))
            for row in table.rows
            for cell in row
            if re.fullmatch(r"-?[\d,]+(\.\d+)?", cell)
        ]
        assert any(v != 0 for v in numbers), f"figure {figure.number} shows only zeros"


# --- Figures against the scenario ---------------------------------------------------------


def test_required_figures_are_present_and_json(
    report: AnalyticalReport, written: dict[str, Path]
) -> None:
    for key in REQUIRED_KEYS:
        assert key in report.figures, key
    assert json.loads(written["json"].read_text()) == report.figures
    json.dumps(report.figures, allow_nan=False)
    assert report.period.label == "Jan 2024 to Dec 2024"
    assert report.previous.label == "Jan 2023 to Dec 2023"
    assert report.unavailable == []  # the full scenario supports every section


def test_yearly_counts_equal_the_files_minus_faults(
    report: AnalyticalReport, scenario_dir: Path, scenario_truth: dict[str, Any]
) -> None:
    occ = _clean_csv(scenario_dir, scenario_truth, "police_occurrences")
    assert report.figures["occurrences_by_group_year"] == _by_year(
        occ, "offence_group", "occurred_from"
    )
    deaths = _clean_csv(scenario_dir, scenario_truth, "deaths")
    assert report.figures["deaths_by_classification_year"] == _by_year(
        deaths, "classification", "date_of_death"
    )


def test_planted_near_repeat_cluster_is_significant_in_its_year(
    scenario_store: Engine, scenario_truth: dict[str, Any]
) -> None:
    cluster = scenario_truth["patterns"]["near_repeat_cluster"]
    year = date.fromisoformat(cluster["start"]).year
    report = build_report(scenario_store, start=date(year, 1, 1), end=date(year, 12, 31))
    near = report.figures["near_repeat"]
    assert near["available"] and near["period"] == {"from": f"{year}-01-01", "to": f"{year}-12-31"}
    first = near["table"][0]
    assert first["distance_band"] == "0-100 m" and first["time_band"] == "0-7 days"
    assert first["significant"] and first["p_value"] < 0.05 and first["ratio"] > 1.2
    pairs = {(p["event_a"], p["event_b"]) for p in near["close_pairs"]}
    planted = set(cluster["occurrence_ids"])
    assert sum(1 for a, b in pairs if a in planted and b in planted) >= 5


def test_hidden_venue_ranks_first(report: AnalyticalReport, scenario_truth: dict[str, Any]) -> None:
    venue = scenario_truth["patterns"]["hidden_venue"]
    places = report.figures["ed_unmatched_places"]
    top = places[0]
    assert top["rank"] == 1
    assert np.hypot(top["easting"] - venue["easting"], top["northing"] - venue["northing"]) <= 100
    assert top["count"] == max(p["count"] for p in places)
    assert {"easting", "northing", "count"} <= set(top)


def test_hotspots_and_coverage_figures(report: AnalyticalReport) -> None:
    hotspots = report.figures["hotspots"]
    assert hotspots, "the scenario has significant hot areas"
    for spot in hotspots:
        assert spot["hotspot"] in {"hot", "cold"}
        assert spot["p_adjusted"] <= 0.05 and isinstance(spot["gi_z"], float)
    coverage = {(e["source"], e["kind"]) for e in report.figures["coverage"]}
    assert coverage == {(source, kind) for kind, source in DEMO_SOURCES.items()}
    findings = report.figures["key_findings"]
    assert findings[0]["text"].startswith("homicides in Jan 2024 to Dec 2024")
    assert "95% CI" in findings[0]["detail"] and "in Jan 2023 to Dec 2023" in findings[0]["detail"]


def test_sections_headings_and_no_empty_chart(report: AnalyticalReport) -> None:
    html = report.html()
    h2 = _headings(html, 2)
    for title in SECTIONS:
        assert any(h.startswith(title) for h in h2), title
    assert len(_headings(html, 1)) == 1
    assert len(report.document.figures) >= 15
    _assert_no_empty_chart(report)


# --- Self-contained HTML, PDF ------------------------------------------------------------


def test_html_is_self_contained(written: dict[str, Path]) -> None:
    html = written["html"].read_text(encoding="utf-8")
    assert not re.search(r"(?:https?|ftp)://(?!www\.w3\.org/2000/svg)", html)
    assert not re.search(r"""(?:src|href)=["'](?!#|data:)""", html)
    assert "<script" not in html


def test_browser_makes_no_network_request(written: dict[str, Path], chromium: str) -> None:
    requested, figures, h1, title = _load_offline(written["html"], chromium)
    assert requested == [], f"network requests: {requested}"
    assert figures >= 15 and h1 == 1
    assert "analytical report" in title


def test_pdf_renders_with_the_sections(
    report: AnalyticalReport, tmp_path: Path, pdftoppm: str
) -> None:
    out = write_report(report, html=tmp_path / "r.html", pdf=tmp_path / "r.pdf")
    subprocess.run([pdftoppm, "-png", "-r", "30", str(out["pdf"]), str(tmp_path / "p")], check=True)
    pages = list(tmp_path.glob("p-*.png"))
    assert len(SECTIONS) + 2 <= len(pages) <= 80
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, str(out["pdf"]), "-"], capture_output=True, text=True, check=True
        ).stdout
        for title in (*SECTIONS, "Appendix: the data behind each figure"):
            assert title in text, title


# --- Partial data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def police_only(tmp_path_factory: pytest.TempPathFactory, scenario_dir: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('police') / 'store.db'}")
    for kind, name in (
        ("areas", "areas.geojson"),
        ("police_occurrences", "police_occurrences.csv"),
        ("police_people", "police_people.csv"),
    ):
        ingest_file(engine, kind, scenario_dir / name, source="police")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def mps_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('mps') / 'store.db'}")
    for kind, mapping in (
        ("police_occurrences", "mps_homicides_occurrences"),
        ("police_people", "mps_homicides_victims"),
    ):
        ingest_file(engine, kind, MPS_CSV, mapping=Mapping.resolve(mapping))
    yield engine
    engine.dispose()


def _unavailable(report: AnalyticalReport) -> dict[str, str]:
    return {u["section"]: u["reason"] for u in report.unavailable}


def test_police_only_report_says_what_it_cannot_do(police_only: Engine) -> None:
    report = build_report(police_only)
    missing = _unavailable(report)
    assert "no death reports" in missing["Death investigations"]
    assert "ED assault attendances" in missing["Partner data"]
    assert "Hotspots" not in missing and "Near repeats" not in missing
    html = report.html()
    assert html.count("cannot be produced") >= 2
    assert report.figures["deaths_by_classification_year"] == {}
    assert report.figures["ed_unmatched_places"] == []
    assert report.figures["hotspots"]
    _assert_no_empty_chart(report)
    json.dumps(report.figures, allow_nan=False)


def test_mps_homicide_extract_gives_a_sensible_report(mps_only: Engine, tmp_path: Path) -> None:
    report = build_report(mps_only)
    assert report.period.label == "Apr 2023 to Mar 2024"
    csv = pl.read_csv(MPS_CSV, infer_schema=False)
    expected = dict(csv.group_by("Recorded Year").len().iter_rows())
    assert report.figures["occurrences_by_group_year"] == {"homicide": expected}
    missing = _unavailable(report)
    for section in (
        "Death investigations",
        "Hotspots",
        "Near repeats",
        "Partner data",
        "Hour x weekday heat map",
        "Near-miss pyramid",
    ):
        assert section in missing, section
    assert "month" in missing["Hour x weekday heat map"]
    assert "boundaries" in missing["Hotspots"]
    assert "no ED assault attendances are loaded" in missing["Partner data"]
    finding = report.figures["key_findings"][0]
    assert finding["value"] == 111 and "no evidence of a change" in finding["detail"]
    assert len(report.document.figures) >= 4  # yearly counts, breakdowns, seasonality, coverage
    _assert_no_empty_chart(report)
    html = report.html()
    for title in SECTIONS:
        assert any(h.startswith(title) for h in _headings(html, 2)), title
    write_report(report, html=tmp_path / "mps.html", json=tmp_path / "mps.json")
    json.loads((tmp_path / "mps.json").read_text())


# --- Options and errors ------------------------------------------------------------------


def test_area_report_and_unknown_area(scenario_store: Engine) -> None:
    from harmwatch.analysis.data import read_kind

    areas = read_kind(scenario_store, "areas", columns=["area_code", "parent_code"])
    district = sorted(areas["parent_code"].drop_nulls().unique())[0]
    inside = set(areas.filter(pl.col("parent_code") == district)["area_code"])
    report = build_report(scenario_store, area=district)
    assert report.figures["report"]["area"] == district
    assert {h["area_code"] for h in report.figures["hotspots"]} <= inside
    assert {p["area_code"] for p in report.figures["ed_unmatched_places"]} <= inside
    with pytest.raises(HarmWatchError, match="unknown area"):
        build_report(scenario_store, area="NOWHERE")
    with pytest.raises(HarmWatchError, match="before"):
        build_report(scenario_store, start=date(2024, 5, 1), end=date(2024, 1, 1))


def test_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(HarmWatchError, match="nothing to report"):
            build_report(engine)
    finally:
        engine.dispose()
