"""Death investigations: hand-made institutions, the scenario's files and planted excess."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.deaths import DeathInvestigations, death_investigations, institution_funnel


def _clean_deaths(scenario_dir: Path, truth: dict[str, Any]) -> pl.DataFrame:
    frame = pl.read_csv(scenario_dir / "deaths.csv", infer_schema=False)
    frame = frame.with_row_index("row", offset=2)
    faulty = [f["row"] for f in truth["faults"] if f["kind"] == "deaths"]
    return frame.filter(~pl.col("row").is_in(faulty))


@pytest.fixture(scope="module")
def deaths(scenario_store: Engine) -> DeathInvestigations:
    return death_investigations(scenario_store)


def _window(truth: dict[str, Any]) -> Period:
    excess = truth["patterns"]["care_home_excess"]
    last = date.fromisoformat(excess["end"])
    return Period(date.fromisoformat(excess["start"]), last + timedelta(days=1))


# --- Hand-made ------------------------------------------------------------------------------


def test_institution_funnel_expected_from_baseline_or_given() -> None:
    institutions = pl.DataFrame(
        {
            "institution_id": ["A", "B", "C", "D"],
            "name": ["Given", "From capacity", "Nothing known", "Excess"],
            "type": ["care_home", "care_home", "hostel", "care_home"],
            "capacity": [40, 50, None, 40],
            "expected_deaths_per_year": [12.0, None, None, 12.0],
        },
        schema_overrides={"capacity": pl.Int64, "expected_deaths_per_year": pl.Float64},
    )
    ids = [f"D{i}" for i in range(60)]
    deaths = pl.DataFrame({"death_id": ids, "institution_id": ["A"] * 12 + ["B"] * 8 + ["D"] * 40})
    period = Period(date(2024, 1, 1), date(2025, 1, 1))
    table, flagged, notes = institution_funnel(deaths, institutions, period, {"care_home": 0.2})
    rows = {r["institution_id"]: r for r in table.to_dicts()}
    years = 366 / 365.25
    assert rows["A"]["expected"] == pytest.approx(12 * years)
    assert rows["A"]["expected_basis"] == "expected_deaths_per_year"
    assert rows["B"]["expected"] == pytest.approx(50 * 0.2 * years)
    assert rows["B"]["expected_basis"] == "capacity x type baseline"
    assert rows["C"]["expected"] is None and rows["C"]["position"] is None
    assert rows["A"]["position"] == "within" and not rows["A"]["flagged"]
    assert rows["D"]["flagged"] and rows["D"]["observed"] == 40
    assert [f["institution_id"] for f in flagged] == ["D"]
    assert flagged[0]["death_ids"] == sorted(ids[20:])
    assert any("no expected deaths" in n for n in notes)
    assert any("Excess" in n and "99.8%" in n for n in notes)


# --- The scenario ---------------------------------------------------------------------------


def test_deaths_by_classification_year_equal_the_file_minus_faults(
    deaths: DeathInvestigations, scenario_dir: Path, scenario_truth: dict[str, Any]
) -> None:
    clean = _clean_deaths(scenario_dir, scenario_truth)
    expected: dict[str, dict[str, int]] = {}
    table = clean.group_by("classification", pl.col("date_of_death").str.slice(0, 4))
    for cls, year, n in table.len().iter_rows():
        expected.setdefault(cls, {})[year] = n
    assert deaths.deaths_by_classification_year == expected
    payload = deaths.to_json()
    assert payload["deaths_by_classification_year"] == expected
    json.dumps(payload, allow_nan=False)


def test_places_institution_types_and_unexplained_share(
    deaths: DeathInvestigations, scenario_store: Engine
) -> None:
    assert deaths.period == Period(date(2024, 1, 1), date(2025, 1, 1))
    frame = read_kind(scenario_store, "deaths")
    current = frame.filter(deaths.period.contains("date_of_death"))
    for name in ("by_place_type", "by_institution_type"):
        table = deaths.tables[name].filter(pl.col("period") == "current")
        assert table["count"].sum() == current.height
        assert table["share"].sum() == pytest.approx(1.0)
    places = deaths.tables["by_place_type"].filter(pl.col("period") == "current")
    direct = current.group_by("place_type").len()
    assert dict(places.select("value", "count").iter_rows()) == dict(direct.iter_rows())
    types = deaths.tables["by_institution_type"].filter(pl.col("period") == "current")
    assert (
        dict(types.select("value", "count").iter_rows())["none"]
        == current["institution_id"].null_count()
    )
    share = deaths.tables["unexplained_share_by_year"]
    concerning = frame["classification"].is_in(["unexplained", "suspicious"]).sum()
    assert share["unexplained_or_suspicious"].sum() == concerning
    assert share["deaths"].sum() == frame.height
    assert ((share["lower"] <= share["share"]) & (share["share"] <= share["upper"])).all()
    quarters = deaths.tables["unexplained_share_by_quarter"]
    assert quarters["deaths"].sum() == frame.height


def test_planted_care_home_is_flagged_in_its_window(
    scenario_store: Engine, scenario_dir: Path, scenario_truth: dict[str, Any]
) -> None:
    excess = scenario_truth["patterns"]["care_home_excess"]
    window = _window(scenario_truth)
    result = death_investigations(scenario_store, window)
    flagged = {f["institution_id"]: f for f in result.flagged}
    assert excess["institution_id"] in flagged
    home = flagged[excess["institution_id"]]
    # Observed: the file's deaths there in the window, minus faulty (quarantined) rows.
    clean = _clean_deaths(scenario_dir, scenario_truth).filter(
        (pl.col("institution_id") == excess["institution_id"])
        & pl.col("date_of_death").is_between(pl.lit(excess["start"]), pl.lit(excess["end"]))
    )
    assert home["observed"] == clean.height
    assert excess["observed_deaths"] - 1 <= home["observed"] <= excess["observed_deaths"]
    assert home["expected"] == pytest.approx(excess["expected_deaths"], rel=0.01)
    assert home["observed"] > home["upper_99_8"]
    assert set(excess["death_ids"]) <= set(home["death_ids"])
    assert home["death_ids"] == sorted(clean["death_id"].to_list())
    assert home["q_value"] < 0.01
    assert any(excess["institution_id"] in w or "99.8%" in w for w in result.warnings)
    # Most institutions sit inside the funnel.
    table = result.tables["institutions"]
    assert table.filter(pl.col("position") == "within").height >= table.height // 2


def test_baseline_rates_per_institution_type(deaths: DeathInvestigations) -> None:
    assert set(deaths.baseline_rates) >= {"care_home", "gp_practice", "hospital"}
    assert all(rate > 0 for rate in deaths.baseline_rates.values())
    hospital = deaths.tables["institutions"].filter(pl.col("type") == "hospital")
    # A yearly expectation of 0 is "not given": the hospital is placed from its capacity.
    assert (hospital["expected_basis"] == "capacity x type baseline").all()
    assert hospital["expected"].is_not_null().all()
