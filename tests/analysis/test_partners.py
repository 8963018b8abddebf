"""The Cardiff-model comparison: the scenario's hidden venue, stores with and without matches.

On the small scenario (seed 0) the planted venue ("The Plough Fox") ranks first
of the places where the ED sees violence the police do not: 30 unmatched
attendances (the 20 planted, nearly all, and others there), its centre within
a metre of the venue; the next place has 11.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from harmwatch.analysis.data import Period
from harmwatch.analysis.partners import partner_analysis
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.linkage.incidents import match_incidents, stored_matches


def test_hidden_venue_ranks_first(scenario_store: Engine, scenario_truth: dict[str, Any]) -> None:
    venue = scenario_truth["patterns"]["hidden_venue"]
    result = partner_analysis(scenario_store)
    assert result.available
    figures = result.to_json()
    json.dumps(figures)  # JSON-serialisable
    places = figures["ed_unmatched_places"]
    top = places[0]
    distance = np.hypot(top["easting"] - venue["easting"], top["northing"] - venue["northing"])
    assert distance <= 100.0
    assert top["venue"] == venue["venue_name"]
    assert top["count"] > places[1]["count"]
    planted = set(venue["attendance_ids"])
    assert len(planted & set(top["attendance_ids"])) >= 0.8 * len(planted)
    assert top["count"] == len(top["attendance_ids"])
    assert top["matched_share"] is not None and top["matched_share"] < 0.3
    assert top["police_occurrences_nearby"] <= 3  # the police hardly see it
    assert [p["rank"] for p in places] == list(range(1, len(places) + 1))
    assert [p["count"] for p in places] == sorted((p["count"] for p in places), reverse=True)


def test_scenario_figures_add_up(scenario_store: Engine) -> None:
    result = partner_analysis(scenario_store)
    figures = result.to_json()
    assert figures["matches_source"] in {"stored", "computed"}
    n = figures["ed_attendances"]
    assert sum(r["ed_attendances"] for r in figures["by_area"]) == n
    assert sum(r["ed_attendances"] for r in figures["by_location_type"]) == n
    assert sum(r["ed_attendances"] for r in figures["by_month"]) == n
    assert sum(r["police_violence"] for r in figures["by_month"]) == figures["police_violence"]
    assert sum(r["ed_matched"] for r in figures["by_month"]) == figures["ed_matched"]
    assert sum(map(sum, figures["ed_hour_weekday"]["counts"])) == n
    assert np.array(figures["ed_hour_weekday"]["counts"]).shape == (7, 24)
    assert 0.45 < figures["ed_matched_share"] < 0.75  # about 60% are planted as matched
    low, high = figures["ed_matched_share_ci"]
    assert low < figures["ed_matched_share"] < high
    # licensed premises: the ED sees more violence there than the police match
    rows = {r["location_type"]: r for r in figures["by_location_type"]}
    assert rows["licensed_premises"]["ed_unmatched"] > rows["licensed_premises"]["ed_matched"]

    year = partner_analysis(scenario_store, Period(date(2024, 1, 1), date(2025, 1, 1)))
    assert 0 < year.attendances < n
    assert all(r["month"].startswith("2024") for r in year.to_json()["by_month"])


def test_no_ed_data_is_not_available(store_engine: Engine) -> None:
    result = partner_analysis(store_engine)
    assert not result.available
    assert "ed_assaults" in result.reason
    assert result.to_json()["ed_unmatched_places"] == []


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_partner_files(tmp_path: Path) -> tuple[Path, Path]:
    police = _write(
        tmp_path / "police_occurrences.csv",
        "occurrence_id,kind,offence_group,occurred_from,easting,northing,location_type,weapon",
        [
            "OC1,crime,gbh,2024-03-01T23:10,1000,5000,street,sharp",
            "OC2,crime,abh,2024-03-08T01:00,3000,5000,dwelling,hitting_kicking",
            "OC3,crime,criminal_damage,2024-03-09T01:00,1000,1000,licensed_premises,",
        ],
    )
    ed = _write(
        tmp_path / "ed_assaults.csv",
        "attendance_id,site_code,assault_at,assault_method,assault_location_type,"
        "assault_location_description,easting,northing",
        [
            "ED1,RAA01,2024-03-01T23:00,sharp,street,In the street,1030,5020",
            "ED2,RAA01,2024-03-08T00:50,hitting_kicking,dwelling,Home address,3010,4990",
            *(
                f"ED{9 + i},RAA01,2024-03-{9 + i:02d}T00:30,hitting_kicking,licensed_premises,"
                f"The Crown,{1000 + 5 * i},{1000 - 5 * i}"
                for i in range(4)
            ),
        ],
    )
    return police, ed


def test_stored_matches_are_used_else_computed(
    store_engine: Engine, small_partner_files: tuple[Path, Path]
) -> None:
    police, ed = small_partner_files
    ingest_file(store_engine, "police_occurrences", police, source="police")
    ingest_file(store_engine, "ed_assaults", ed, source="nhs_ed")

    before = partner_analysis(store_engine)
    assert before.matches_source == "computed"
    assert any("not been run" in w for w in before.warnings)
    assert stored_matches(store_engine) is None  # nothing stored by the analysis

    match_incidents(store_engine)
    after = partner_analysis(store_engine)
    assert after.matches_source == "stored"
    assert after.match_settings["distance_m"] == 500.0
    assert (after.matched, after.attendances) == (2, 6)
    assert after.police_violence == 2  # criminal damage is not violence
    place = after.to_json()["ed_unmatched_places"][0]
    assert place["venue"] == "The Crown"
    assert place["count"] == 4
    assert place["attendance_ids"] == ["ED10", "ED11", "ED12", "ED9"]
    assert place["police_occurrences_nearby"] == 0
    assert place["easting"] == pytest.approx(1007.5) and place["northing"] == pytest.approx(992.5)
    assert any("fewer than" in w for w in after.warnings)  # 6 attendances: small numbers


def test_ed_without_police_data(tmp_path: Path, small_partner_files: tuple[Path, Path]) -> None:
    from harmwatch.store.database import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'ed_only.db'}")
    ingest_file(engine, "ed_assaults", small_partner_files[1], source="nhs_ed")
    result = partner_analysis(engine)
    assert result.available and result.matched == 0 and result.police_violence == 0
    assert any("No police occurrence" in w for w in result.warnings)
    assert result.places[0]["count"] == 4
    engine.dispose()
