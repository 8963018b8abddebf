"""The report's sections of issues 5 and 6: linked series and unusual patterns of death; near
misses and escalation (aggregated, no names unless ``include_names``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.report.analytical import AnalyticalReport, build_report
from harmwatch.store.database import open_store

MPS_CSV = Path(__file__).resolve().parents[1] / "data" / "london-homicides"
MPS_CSV = MPS_CSV / "mps_homicides_2003_2024.csv"
SERIES = "Linked series and unusual patterns of death"
ESCALATION = "Near misses and escalation"
PERSON_ID = re.compile(r"P\d{8,9}")


@pytest.fixture(scope="module")
def report(scenario_store: Engine) -> AnalyticalReport:
    return build_report(scenario_store)


@pytest.fixture(scope="module")
def named_report(scenario_store: Engine) -> AnalyticalReport:
    return build_report(scenario_store, include_names=True)


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


def _section(html: str, ident: str) -> str:
    """The HTML of a level-1 section: from its h2 to the next h2."""
    start = html.index(f'<h2 id="{ident}"')
    following = html.find("<h2 ", start + 1)
    return html[start : following if following > 0 else len(html)]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S))


def _names(scenario_dir: Path) -> set[str]:
    """Every "Forename Surname" of the scenario's police people."""
    people = pl.read_csv(
        scenario_dir / "police_people.csv", columns=["forename", "surname"], infer_schema=False
    ).drop_nulls()
    return {f"{f} {s}" for f, s in people.iter_rows()}


def _full_names(text: str) -> set[str]:
    """Pairs of capitalised words in ``text``."""
    words = re.findall(r"[A-Z][a-z'-]+(?: [A-Z][a-z'-]+)?", text)
    spaced = re.findall(r"(?=([A-Z][a-z'-]+ [A-Z][a-z'-]+))", text)
    return {w for w in words if " " in w} | set(spaced)


def test_both_sections_in_order(report: AnalyticalReport) -> None:
    sections = report.figures["report"]["sections"]
    assert SERIES in sections and ESCALATION in sections
    assert sections.index("Death investigations") + 1 == sections.index(SERIES)
    assert sections.index("Hotspots and near repeats") + 1 == sections.index(ESCALATION)


def test_json_has_the_new_keys(report: AnalyticalReport) -> None:
    for key in ("series", "unsolved_clusters", "death_monitoring", "escalation"):
        assert key in report.figures, key
    json.dumps(report.figures, allow_nan=False)
    assert report.figures["escalation"]["available"]
    assert report.figures["escalation"]["score_bands"]
    assert report.figures["death_monitoring"]["alarms"]
    for alarm in report.figures["death_monitoring"]["alarms"]:
        assert alarm["deaths"] == len(alarm["death_ids"]) > 0
        assert alarm["path"]


def test_planted_assault_series_is_one_series(
    report: AnalyticalReport, scenario_truth: dict[str, Any]
) -> None:
    planted = set(scenario_truth["patterns"]["assault_series"]["occurrence_ids"])
    found = report.figures["series"]
    assert found["available"]
    holding = [s for s in found["series"] if planted <= {m["record_id"] for m in s["members"]}]
    assert len(holding) == 1
    series_html = _text(_section(report.html(), "series"))
    assert holding[0]["series_id"] in series_html
    assert "glass_to_neck" in series_html


def test_escalation_section_names_nobody(report: AnalyticalReport, scenario_dir: Path) -> None:
    part = _section(report.html(), "escalation")
    assert not PERSON_ID.search(part)
    assert "nominal:" not in part
    assert not _full_names(_text(part)) & _names(scenario_dir)
    figures = json.dumps(report.figures["escalation"])
    assert not PERSON_ID.search(figures) and "nominal:" not in figures


def test_include_names_prints_them(named_report: AnalyticalReport, scenario_dir: Path) -> None:
    part = _text(_section(named_report.html(), "escalation"))
    assert "nominal:" in part or PERSON_ID.search(part)
    assert _full_names(part) & _names(scenario_dir)
    assert named_report.figures["escalation"]["named"]


def test_mps_only_says_why_these_sections_cannot_be_produced(mps_only: Engine) -> None:
    report = build_report(mps_only)
    missing = {u["section"]: u["reason"] for u in report.unavailable}
    assert "location or MO codes" in missing["Linked series"]
    assert "no death reports" in missing["Death monitoring"]
    assert "only homicides" in missing[ESCALATION]
    html = report.html()
    for ident in ("series", "escalation"):
        assert "cannot be produced" in _section(html, ident)
    assert report.figures["escalation"]["available"] is False
    assert report.figures["death_monitoring"]["available"] is False
    json.dumps(report.figures, allow_nan=False)
