"""Counts and rates: the scenario's files and truth, and real MPS data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from scipy import stats  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine

from harmwatch.analysis.counts import (
    HOMICIDE_AND_NEAR_MISS,
    PYRAMID,
    OccurrenceCounts,
    default_period,
    occurrence_counts,
)
from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.deaths import death_investigations
from harmwatch.analysis.temporal import temporal_patterns
from harmwatch.ingest.mapping import Mapping
from harmwatch.ingest.pipeline import ingest_file
from harmwatch.store.database import open_store

MPS_CSV = Path(__file__).resolve().parents[1] / "data" / "london-homicides"
MPS_CSV = MPS_CSV / "mps_homicides_2003_2024.csv"


def _clean_csv(scenario_dir: Path, truth: dict[str, Any], kind: str) -> pl.DataFrame:
    """A contract file's rows, minus the rows truth.json lists as faults."""
    frame = pl.read_csv(scenario_dir / f"{kind}.csv", infer_schema=False)
    frame = frame.with_row_index("row", offset=2)
    faulty = [f["row"] for f in truth["faults"] if f["kind"] == kind]
    return frame.filter(~pl.col("row").is_in(faulty))


@pytest.fixture(scope="module")
def counts(scenario_store: Engine) -> OccurrenceCounts:
    return occurrence_counts(scenario_store)


# --- The scenario ---------------------------------------------------------------------------


def test_yearly_counts_equal_the_file_minus_faults(
    counts: OccurrenceCounts, scenario_dir: Path, scenario_truth: dict[str, Any]
) -> None:
    clean = _clean_csv(scenario_dir, scenario_truth, "police_occurrences")
    expected: dict[str, dict[str, int]] = {}
    table = clean.group_by("offence_group", pl.col("occurred_from").str.slice(0, 4).alias("y"))
    for group, year, n in table.len().iter_rows():
        expected.setdefault(group, {})[year] = n
    assert counts.occurrences_by_group_year == expected
    payload = counts.to_json()
    assert payload["occurrences_by_group_year"] == expected
    json.dumps(payload, allow_nan=False)


def test_every_count_has_its_exact_interval(counts: OccurrenceCounts) -> None:
    for name in ("by_group_year", "by_group_quarter", "by_group_month", "by_small_area"):
        table = counts.tables[name]
        assert (table["lower"] <= table["count"]).all() and (table["count"] <= table["upper"]).all()
        assert (table["small"] == (table["count"] < 10)).all()


def test_default_period_and_rates(counts: OccurrenceCounts, scenario_store: Engine) -> None:
    assert counts.period == Period(date(2024, 1, 1), date(2025, 1, 1))
    assert counts.previous == Period(date(2023, 1, 1), date(2024, 1, 1))
    assert default_period(scenario_store) == counts.period
    areas = read_kind(scenario_store, "areas", columns=["population"])
    assert counts.population == areas["population"].sum()
    assert counts.rates_available
    year = counts.tables["by_group_year"].filter(pl.col("offence_group") == "abh")
    row = year.row(0, named=True)
    assert row["rate"] == pytest.approx(row["count"] / counts.population * 1e5)
    assert row["rate_lower"] < row["rate"] < row["rate_upper"]


def test_area_tables_add_up(counts: OccurrenceCounts, scenario_store: Engine) -> None:
    assert counts.period is not None
    occ = read_kind(
        scenario_store,
        "police_occurrences",
        columns=["offence_group", "occurred_from", "area_code"],
    )
    current = occ.filter(
        counts.period.contains("occurred_from") & pl.col("area_code").is_not_null()
    )
    expected = dict(current.group_by("offence_group").len().iter_rows())
    for name in ("by_small_area", "by_district"):
        table = counts.tables[name]
        sums = dict(table.group_by("offence_group").agg(pl.col("count").sum()).iter_rows())
        assert sums == expected
        assert table["funnel"].is_not_null().all()
    small = counts.tables["by_small_area"]
    assert small.height == 30 * len(expected)  # every area, zeros included
    # The funnel's expected counts add up to the force's count for each group.
    total = small.group_by("offence_group").agg(pl.col("expected").sum(), pl.col("count").sum())
    for _, e, n in total.iter_rows():
        assert e == pytest.approx(n)


def test_breakdowns_of_homicide_and_near_misses(
    counts: OccurrenceCounts, scenario_store: Engine
) -> None:
    assert counts.period is not None
    occ = read_kind(scenario_store, "police_occurrences")
    current = occ.filter(counts.period.contains("occurred_from"))
    table = counts.tables["breakdowns"]
    for group in ("gbh", "weapon_possession"):
        n = current.filter(pl.col("offence_group") == group).height
        for dimension in ("weapon", "location_type", "domestic", "alcohol", "drugs"):
            part = table.filter(
                (pl.col("offence_group") == group) & (pl.col("dimension") == dimension)
            )
            assert part["count"].sum() == n
            assert part["share"].sum() == pytest.approx(1.0)
    gbh_weapons = dict(
        table.filter((pl.col("offence_group") == "gbh") & (pl.col("dimension") == "weapon"))
        .select("value", "count")
        .iter_rows()
    )
    direct = current.filter(pl.col("offence_group") == "gbh").group_by("weapon").len()
    assert gbh_weapons == dict(direct.iter_rows())
    # Victims and suspects: one count per person row.
    people = read_kind(scenario_store, "police_people", columns=["occurrence_id", "role", "sex"])
    serious = current.filter(pl.col("offence_group").is_in(HOMICIDE_AND_NEAR_MISS))
    victims = people.filter(pl.col("role") == "victim").join(serious, on="occurrence_id")
    sexes = table.filter(
        (pl.col("offence_group") == "homicide_and_near_miss")
        & (pl.col("dimension") == "victim_sex")
    )
    assert sexes["count"].sum() == victims.height
    relationship = table.filter(pl.col("dimension") == "relationship_to_suspect")
    assert set(relationship["unit"]) == {"suspects"}
    assert (
        table.filter(pl.col("dimension") == "victim_age_band")["value"]
        .is_in(["0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+", "not recorded"])
        .all()
    )


def test_pyramid_and_changes(counts: OccurrenceCounts) -> None:
    pyramid = counts.tables["pyramid"]
    assert pyramid["tier"].to_list() == list(PYRAMID)
    for tier, now, then in pyramid.select("tier", "current", "previous").iter_rows():
        assert counts.occurrences_by_group_year[tier]["2024"] == now
        assert counts.occurrences_by_group_year[tier]["2023"] == then
        test = counts.changes[tier]
        assert (test.k1, test.k2) == (then, now)
    assert pyramid["current_share"].sum() == pytest.approx(1.0)
    assert counts.pyramid_test["available"]
    assert "evidence" in counts.pyramid_test["verdict"]
    for group, test in counts.changes.items():
        n = test.k1 + test.k2
        p0 = test.exposure[0] / sum(test.exposure)
        assert test.p_value == pytest.approx(stats.binomtest(test.k1, n, p0).pvalue), group
    changes = counts.tables["group_changes"]
    assert (changes["q_value"] >= changes["p_value"] - 1e-12).all()
    # Homicide is rare in a small force: the warning is there.
    assert any("homicide occurrences" in w and "fewer than 10" in w for w in counts.warnings)


def test_area_filter(scenario_store: Engine, counts: OccurrenceCounts) -> None:
    district = counts.tables["by_district"]["district"][0]
    one = occurrence_counts(scenario_store, counts.period, area=district)
    by_district = counts.tables["by_district"].filter(pl.col("district") == district)
    expected = dict(by_district.select("offence_group", "count").iter_rows())
    current = {g: t.k2 for g, t in one.changes.items() if t.k2}
    assert current == {g: n for g, n in expected.items() if n}
    nowhere = occurrence_counts(scenario_store, area="E00000000")
    assert not nowhere.available and "E00000000" in nowhere.reason


# --- Real data: MPS homicides (month precision, no locations, no populations) ---------------


@pytest.fixture(scope="module")
def mps_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('mps') / 'store.db'}")
    for kind, mapping in (
        ("police_occurrences", "mps_homicides_occurrences"),
        ("police_people", "mps_homicides_victims"),
    ):
        ingest_file(engine, kind, MPS_CSV, mapping=Mapping.resolve(mapping))
    yield engine
    engine.dispose()


def test_mps_counts_with_month_precision_and_no_populations(mps_store: Engine) -> None:
    csv = pl.read_csv(MPS_CSV, infer_schema=False)
    result = occurrence_counts(mps_store)
    expected = dict(csv.group_by("Recorded Year").len().iter_rows())
    assert result.occurrences_by_group_year == {"homicide": expected}
    assert result.occurrences_by_group_year["homicide"]["2003"] == 216
    # The newest month (March 2024) counts as a whole month.
    assert result.period == Period(date(2023, 4, 1), date(2024, 4, 1))
    assert not result.rates_available and "population" in result.rates_reason
    assert not result.areas_available and "area" in result.areas_reason
    assert result.tables["by_group_year"]["rate"].is_null().all() or (
        result.tables["by_group_year"]["rate"].is_nan().all()
    )
    assert not result.pyramid_test["available"]
    # Victim age bands come from the file's Age Group.
    months = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                          "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}  # fmt: skip
    in_period = csv.with_columns(
        (
            pl.col("Recorded Year").cast(pl.Int32) * 100
            + pl.col("Recorded Month").replace_strict(months)
        ).alias("ym")
    ).filter(pl.col("ym").is_between(202304, 202403))
    expected_bands = {
        band.replace(" to ", "-").replace(" and over", "+"): n
        for band, n in in_period.group_by("Age Group").len().iter_rows()
    }
    bands = result.tables["breakdowns"].filter(
        (pl.col("offence_group") == "homicide") & (pl.col("dimension") == "victim_age_band")
    )
    assert dict(bands.select("value", "count").iter_rows()) == expected_bands
    weapons = result.tables["breakdowns"].filter(
        (pl.col("offence_group") == "homicide") & (pl.col("dimension") == "weapon")
    )
    assert weapons["count"].sum() == in_period.height
    json.dumps(result.to_json(), allow_nan=False)


def test_mps_other_analyses_say_what_they_cannot_do(mps_store: Engine) -> None:
    deaths = death_investigations(mps_store)
    assert not deaths.available and "no death reports" in deaths.reason
    temporal = temporal_patterns(mps_store, groups=("homicide",))
    heat = temporal.offences_heat_map
    assert not heat.available and "month" in heat.reason and heat.n_used == 0
    assert heat.excluded == {"month": 111}
    season = temporal.offences_seasonality
    assert season.available and season.n_used == 2936 and season.p_value is not None
    assert not temporal.deaths_seasonality.available
    json.dumps(temporal.to_json(), allow_nan=False)
    json.dumps(deaths.to_json(), allow_nan=False)
