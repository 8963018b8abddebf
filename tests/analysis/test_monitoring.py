"""Death monitoring: hand-made counts, practitioners' shares, night profile, the scenario."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.analysis.data import Period
from harmwatch.analysis.monitoring import (
    DeathMonitoring,
    death_monitoring,
    monitor_counts,
    night_profile,
    practitioner_expectations,
    seasonal_factors,
)


def _months(n: int) -> list[str]:
    return [f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(n)]


# --- Hand-made ------------------------------------------------------------------------------


def test_monitor_counts_signals_and_names_the_deaths_behind() -> None:
    periods = _months(6)
    observed_b = [1, 0, 4, 4, 1, 1]
    counts = pl.DataFrame(
        {
            "entity": ["A"] * 6 + ["B"] * 6,
            "entity_kind": ["care_home"] * 12,
            "period": periods * 2,
            "observed": [1] * 6 + observed_b,
            "expected": [1.0] * 12,
            "death_ids": [[f"A{i}"] for i in range(6)]
            + [[f"B{i}.{k}" for k in range(n)] for i, n in enumerate(observed_b)],
        }
    )
    result = monitor_counts(counts)
    assert result.available and result.periods == periods
    a, b = result.entities
    assert not a.signalled and a.first_signal_period is None
    # B: 0.386, 0, 1.773, 3.545, 3.238, 2.931: never reaches ln 99 = 4.595 ...
    assert not b.signalled
    # ... but with alpha = 0.05, h = ln(19.8) = 2.986, it signals in the 4th month.
    loose = monitor_counts(counts, alpha=0.05)
    b = loose.entities[1]
    assert b.first_signal_period == "2020-04"
    alarm = b.alarms[0]
    assert alarm["run_start_period"] == "2020-03"  # the statistic was 0 after 2020-02
    assert alarm["observed"] == 8 and alarm["expected"] == pytest.approx(2.0)
    assert alarm["death_ids"] == sorted(
        [f"B2.{k}" for k in range(4)] + [f"B3.{k}" for k in range(4)]
    )
    path = b.to_json()["statistic"]
    assert [p["period"] for p in path] == periods
    assert path[3]["statistic"] == pytest.approx(8 * math.log(2) - 2, abs=1e-4)
    funnel = {r["entity"]: r for r in loose.tables["funnel"].to_dicts()}
    assert funnel["B"]["observed"] == 11 and funnel["B"]["expected"] == pytest.approx(6.0)
    assert 0 < funnel["B"]["p_value"] < 0.1


def test_monitor_counts_missing_periods_and_empty_input() -> None:
    counts = pl.DataFrame(
        {
            "entity": ["A", "A", "B"],
            "period": ["2020-01", "2020-03", "2020-02"],
            "observed": [0, 9, 1],
            "expected": [1.0, 1.0, 1.0],
        }
    )
    result = monitor_counts(counts)
    a = result.entities[0]
    assert a.entity_kind == "entity"
    assert a.path["period"].to_list() == ["2020-01", "2020-03"]
    assert a.signalled and a.alarms[0]["death_ids"] == []
    assert any("deaths behind the alarm for A" in w for w in result.warnings)
    empty = monitor_counts(counts.clear())
    assert not empty.available and empty.reason


def test_practitioner_shares() -> None:
    # Practice P: GPs g1, g2 certify its 40 deaths (g1 30, g2 10); care home C: 20 deaths,
    # nurse n1 certifies 10, g1 and g2 5 between them, 5 uncertified.
    deaths = pl.DataFrame(
        {
            "practitioner_id": ["g1"] * 30
            + ["g2"] * 10
            + ["n1"] * 10
            + ["g1"] * 3
            + ["g2"] * 2
            + [None] * 5,
            "institution_id": ["P"] * 40 + ["C"] * 20,
        }
    )
    yearly = pl.DataFrame(
        {
            "institution_id": ["P", "C"],
            "type": ["gp_practice", "care_home"],
            "expected_per_year": [20.0, 10.0],
        }
    )
    table = {r["practitioner_id"]: r for r in practitioner_expectations(deaths, yearly).to_dicts()}
    assert table["g1"]["home_institution"] == "P" and table["g1"]["colleagues"] == 2
    # Each GP: half of P's 20, and half of the GPs' 5/20 of C's 10.
    assert table["g1"]["expected_per_year"] == pytest.approx(10 + 10 * 5 / 20 / 2)
    assert table["g2"]["expected_per_year"] == table["g1"]["expected_per_year"]
    assert table["n1"]["home_institution"] == "C"
    assert table["n1"]["expected_per_year"] == pytest.approx(10 * 10 / 20)


def test_night_profile_against_the_institution() -> None:
    day = datetime(2024, 1, 1)
    rows: list[dict[str, Any]] = []
    for k in range(40):  # the home's usual deaths, reported by day
        rows.append({"p": f"n{k % 4}", "t": day + timedelta(days=k, hours=10)})
    for k in range(4):  # one nurse's deaths reported at 3 am
        rows.append({"p": "x", "t": day + timedelta(days=k, hours=3)})
    rows.append({"p": "x", "t": day + timedelta(days=9)})  # midnight exactly: no time
    deaths = pl.DataFrame(
        {
            "death_id": [f"D{i}" for i in range(len(rows))],
            "reported_at": [r["t"] for r in rows],
            "institution_id": ["C"] * len(rows),
            "practitioner_id": [r["p"] for r in rows],
        }
    )
    table = {r["practitioner_id"]: r for r in night_profile(deaths).to_dicts()}
    x = table["x"]
    assert x["deaths"] == 4 and x["at_night"] == 4 and x["others"] == 40
    assert x["norm"] == pytest.approx(0.5 / 41)
    assert x["p_value"] == pytest.approx(x["norm"] ** 4)
    assert x["q_value"] < 0.01
    assert x["night_death_ids"] == ["D40", "D41", "D42", "D43"]
    assert table["n0"]["p_value"] == 1.0


def test_seasonal_factors() -> None:
    span = Period(date(2020, 1, 1), date(2024, 1, 1))
    rng = np.random.default_rng(0)
    days = np.arange(span.days)
    doy = (days % 365.25) / 365.25
    weight = 1 + 0.3 * np.cos(2 * np.pi * doy)
    picked = rng.choice(days, size=6000, p=weight / weight.sum())
    dates = pl.Series("d", [span.start + timedelta(days=int(d)) for d in picked])
    factors, notes = seasonal_factors(dates, span)
    assert not notes
    assert factors[1] == pytest.approx(1.29, abs=0.06)
    assert factors[7] == pytest.approx(0.71, abs=0.06)
    flat, notes = seasonal_factors(dates[:50], Period(date(2020, 1, 1), date(2021, 1, 1)))
    assert set(flat.values()) == {1.0} and notes


# --- The scenario ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monitoring(scenario_store: Engine) -> DeathMonitoring:
    return death_monitoring(scenario_store)


def _months_after(start: str, period: str) -> int:
    s = date.fromisoformat(start)
    year, month = (int(v) for v in period.split("-"))
    return (year - s.year) * 12 + month - s.month


def test_planted_care_home_and_practitioner_signal_within_12_months(
    monitoring: DeathMonitoring, scenario_truth: dict[str, Any]
) -> None:
    patterns = scenario_truth["patterns"]
    by_entity = {e.entity: e for e in monitoring.entities}
    for key, name in (
        ("care_home_excess", "institution_id"),
        ("practitioner_excess", "practitioner_id"),
    ):
        planted = patterns[key]
        entity = by_entity[planted[name]]
        assert entity.signalled, key
        assert entity.first_signal_period is not None
        delay = _months_after(planted["start"], entity.first_signal_period)
        assert 0 <= delay <= 12, (key, delay)
        # The alarm names deaths, and planted ones among them.
        assert set(entity.alarms[0]["death_ids"]) & set(planted["death_ids"])


def test_at_most_one_false_alarm_among_other_institutions(
    monitoring: DeathMonitoring, scenario_truth: dict[str, Any]
) -> None:
    patterns = scenario_truth["patterns"]
    true = {
        patterns["care_home_excess"]["institution_id"],
        patterns["practitioner_excess"]["institution_id"],  # holds the planted GP's excess
        *patterns["death_series"]["institution_ids"],
    }
    institutions = [e for e in monitoring.entities if e.entity_kind != "practitioner"]
    assert len(institutions) >= 10
    false = [e.entity for e in institutions if e.signalled and e.entity not in true]
    assert len(false) <= 1, false


def test_co_presence_and_night_profile_on_the_scenario(
    monitoring: DeathMonitoring, scenario_truth: dict[str, Any]
) -> None:
    patterns = scenario_truth["patterns"]
    practitioners = monitoring.tables["practitioners"]
    top = practitioners.sort("p_value").row(0, named=True)
    assert top["practitioner_id"] == patterns["practitioner_excess"]["practitioner_id"]
    assert top["q_value"] < 0.01 and top["ratio"] > 2
    night = monitoring.tables["night_profile"].filter(pl.col("q_value") < 0.05)
    assert set(night["practitioner_id"]) == {patterns["death_series"]["practitioner_id"]}
    flagged_ids = {i for ids in night["night_death_ids"] for i in ids}
    assert flagged_ids <= set(patterns["death_series"]["death_ids"])
    payload = monitoring.to_json()
    assert payload["threshold"] == pytest.approx(math.log(99))
    assert {"entities", "funnel", "practitioners", "night_profile", "seasonal"} <= set(payload)
    first = payload["entities"][0]
    assert set(first) >= {
        "entity",
        "entity_kind",
        "signalled",
        "first_signal_period",
        "observed",
        "expected",
        "statistic",
    }


def test_quarterly_charts(scenario_store: Engine) -> None:
    result = death_monitoring(scenario_store, period="quarter")
    assert result.periods[0] == "2023-Q1" and len(result.periods) == 8
    total = sum(e.expected for e in result.entities if e.entity_kind == "care_home")
    monthly = death_monitoring(scenario_store)
    assert total == pytest.approx(
        sum(e.expected for e in monthly.entities if e.entity_kind == "care_home")
    )


# --- Force scale (slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_force_scale(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The force-scale scenario (10 years): planted signals at the defaults, false alarms
    at the defaults and at alpha = 0.0001 (see docs/monitoring.md)."""
    import json

    from harmwatch.demo import run_demo
    from harmwatch.store.database import open_store

    demo = run_demo(tmp_path_factory.mktemp("force"), seed=0, scale="force")
    truth = json.loads((demo.out_dir / "data" / "truth.json").read_text())["patterns"]
    engine = open_store(demo.database_url)
    true = {
        truth["care_home_excess"]["institution_id"],
        truth["practitioner_excess"]["institution_id"],
        *truth["death_series"]["institution_ids"],
    }
    try:
        default = death_monitoring(engine)
        strict = death_monitoring(engine, alpha=0.0001)
    finally:
        engine.dispose()
    by_entity = {e.entity: e for e in default.entities}
    for key, name in (
        ("care_home_excess", "institution_id"),
        ("practitioner_excess", "practitioner_id"),
    ):
        entity = by_entity[truth[key][name]]
        assert entity.first_signal_period is not None
        assert 0 <= _months_after(truth[key]["start"], entity.first_signal_period) <= 12
    home = {e.entity: e for e in strict.entities}[truth["care_home_excess"]["institution_id"]]
    assert home.first_signal_period is not None
    assert _months_after(truth["care_home_excess"]["start"], home.first_signal_period) <= 12
    false = [
        e.entity
        for e in strict.entities
        if e.entity_kind != "practitioner" and e.signalled and e.entity not in true
    ]
    assert len(false) <= 1, false
