"""Data coverage: the scenario, a store with a missing month and a late extract, an empty store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.coverage import data_coverage
from harmwatch.ingest.pipeline import ingest_file


def test_scenario_coverage(
    scenario_store: Engine, scenario_truth: dict[str, Any], scenario_dir: Path
) -> None:
    result = data_coverage(scenario_store)
    assert result.available
    figures = result.to_json()
    json.dumps(figures)
    assert figures["as_of"] == scenario_truth["period"]["end"]
    assert result.sources["police"] == ["police_occurrences", "police_people", "deaths"]
    assert result.sources["nhs_ed"] == ["ed_assaults"]
    assert result.sources["council"] == ["council_referrals"]
    entries = {(e["source"], e["kind"]): e for e in figures["coverage"]}
    ed = entries[("nhs_ed", "ed_assaults")]
    assert ed["records"] + ed["rows_quarantined"] == scenario_truth["counts"]["ed_assaults"]
    assert ed["first_date"] == scenario_truth["period"]["start"]
    assert ed["extracts"] == 1 and ed["last_loaded_at"] is not None
    assert set(ed["mandatory_completeness"].values()) == {1.0}
    # location completeness as in the file (easting/northing or lat/lon, about 80%)
    located = pl.read_csv(scenario_dir / "ed_assaults.csv", infer_schema=False).select(
        (pl.col("easting").is_not_null() | pl.col("lat").is_not_null()).mean()
    )
    assert abs(ed["field_completeness"]["location"] - located.item()) < 0.02
    assert ed["field_completeness"]["person_token"] == 0.0
    police = entries[("police", "police_occurrences")]
    assert police["months"] == 24 and police["median_monthly"] > 100
    for entry in figures["coverage"]:
        assert entry["gap_months"] == [] and not entry["late"]
    assert entries[("police", "police_people")]["last_date"] is None  # no main date
    assert 0 < entries[("police", "police_people")]["field_completeness"]["nhs_number"] < 0.2
    assert result.warnings == []


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_missing_month_and_late_extract(store_engine: Engine, tmp_path: Path) -> None:
    police_rows = [
        f"OC{m}{d:02d},crime,abh,2024-{m:02d}-{d:02d}T21:00,{'sharp' if d % 2 else ''}"
        for m in (1, 2, 4, 5)  # March is missing
        for d in range(1, 13)
    ]
    police = _write(
        tmp_path / "police_occurrences.csv",
        "occurrence_id,kind,offence_group,occurred_from,weapon",
        police_rows,
    )
    ed_rows = [
        f"ED{m}{d:02d},RAA01,2024-{m:02d}-{d:02d}T22:00,sharp,street"
        for m in (1, 2)  # ends in February
        for d in range(1, 13)
    ]
    ed = _write(
        tmp_path / "ed_assaults.csv",
        "attendance_id,site_code,assault_at,assault_method,assault_location_type",
        ed_rows,
    )
    ingest_file(store_engine, "police_occurrences", police, source="police")
    ingest_file(store_engine, "ed_assaults", ed, source="nhs_ed")

    result = data_coverage(store_engine)
    assert result.as_of == date(2024, 5, 12)
    entries = {e["kind"]: e for e in result.to_json()["coverage"]}
    occ = entries["police_occurrences"]
    assert occ["gap_months"] == ["2024-03"]
    assert occ["records"] == 48 and occ["months"] == 5 and occ["median_monthly"] == 12
    assert not occ["late"] and occ["days_behind"] == 0
    assert occ["field_completeness"]["weapon"] == 0.5
    assert occ["field_completeness"]["location"] == 0.0
    assert occ["lag_days"] is not None and occ["lag_days"] >= 0
    late = entries["ed_assaults"]
    assert late["late"] and late["days_behind"] == (date(2024, 5, 12) - date(2024, 2, 12)).days
    assert late["gap_months"] == []
    assert any("2024-03" in w and "police_occurrences" in w for w in result.warnings)
    assert any("ed_assaults from nhs_ed ends on 2024-02-12" in w for w in result.warnings)

    # Judged against a later date, the police data is late too; with a longer
    # allowance, the ED data is not.
    assert all(e["late"] for e in data_coverage(store_engine, as_of=date(2024, 8, 1)).entries)
    lenient = data_coverage(store_engine, late_days=120)
    assert not any(e["late"] for e in lenient.entries)


def test_empty_store_is_not_available(store_engine: Engine) -> None:
    result = data_coverage(store_engine)
    assert not result.available
    assert result.reason
    assert result.to_json()["coverage"] == []
