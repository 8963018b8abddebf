"""Death monitoring: hand-made counts, practitioners' shares, night profile, the scenario."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.analysis.monitoring import DeathMonitoring, death_monitoring, monitor_counts


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
    result = monitor_counts(counts, alpha=0.01)
    assert result.available and result.periods == periods
    assert result.threshold_method == "wald" and result.threshold == pytest.approx(math.log(99))
    a, b = result.entities
    assert not a.signalled and a.first_signal_period is None
    # B: 0.386, 0, 1.773, 3.545, 3.238, 2.931: never reaches ln 99 = 4.595 ...
    assert not b.signalled and b.threshold == pytest.approx(math.log(99))
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


def test_planted_excesses_are_against_the_monitors_own_expectation(
    monitoring: DeathMonitoring, scenario_truth: dict[str, Any]
) -> None:
    """The scenario plants the GP's excess against the expectation the monitor forms for
    them (their share of their institutions' expected deaths), and the care home's against
    its expected deaths: the charts' expectations are the truth's, and the observed counts
    over the windows reach the planted ratios."""
    patterns = scenario_truth["patterns"]
    by_entity = {e.entity: e for e in monitoring.entities}
    years = len(monitoring.periods) / 12
    gp = patterns["practitioner_excess"]
    chart = by_entity[gp["practitioner_id"]]
    assert chart.expected / years == pytest.approx(gp["expected_per_year"], rel=0.05)
    home = patterns["care_home_excess"]
    chart = by_entity[home["institution_id"]]
    window = chart.path.filter(
        pl.col("period").is_between(pl.lit(home["start"][:7]), pl.lit(home["end"][:7]))
    )
    assert chart.expected / years * 365 / 365.25 == pytest.approx(home["expected_deaths"], rel=0.01)
    assert int(window["observed"].sum()) >= home["observed_deaths"] - 1  # a quarantined row
    assert home["observed_deaths"] >= home["ratio"] * home["expected_deaths"]


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
    assert payload["threshold_method"] == "simulated" and payload["threshold"] is None
    assert "any false alarm among the institutions" in payload["settings"]
    assert {
        "entities",
        "funnel",
        "practitioners",
        "night_profile",
        "seasonal",
        "expectation_check",
    } <= set(payload)
    first = payload["entities"][0]
    assert set(first) >= {
        "entity",
        "entity_kind",
        "signalled",
        "first_signal_period",
        "observed",
        "expected",
        "statistic",
        "threshold",
    }


def test_default_false_alarm_rates_measured_on_in_control_data(
    monitoring: DeathMonitoring,
) -> None:
    """The defaults' false-alarm rates, measured by re-running every chart on Poisson counts
    drawn from its own expectation (another seed than the thresholds')."""
    institutions = monitoring.false_alarm_check(replications=4_000, seed=11)
    assert institutions.charts == 13
    # Family-wise 5% over the 24 months: the interval holds it; more than one is rare.
    assert institutions.any_lower <= 0.05 <= institutions.any_upper + 0.01
    assert institutions.more_than_one_rate < 0.01
    practitioners = monitoring.false_alarm_check(practitioners=True, replications=4_000, seed=12)
    assert practitioners.chart_rate == pytest.approx(0.05, abs=0.01)
    assert monitoring.institution_false_alarm == pytest.approx(1 - 0.95 ** (1 / 13), rel=1e-6)
    # Bigger institutions get higher thresholds, all above the practitioners' smallest.
    inst = sorted(
        (e.expected, e.threshold) for e in monitoring.entities if e.entity_kind != "practitioner"
    )
    assert inst[-1][1] > inst[0][1]


def test_wald_thresholds_on_request(scenario_store: Engine) -> None:
    wald = death_monitoring(scenario_store, alpha=0.01, beta=0.01)
    assert wald.threshold_method == "wald" and wald.threshold == pytest.approx(math.log(99))
    assert all(e.threshold == pytest.approx(math.log(99)) for e in wald.entities)


def test_cli_defaults_match_the_library() -> None:
    from harmwatch.analysis import thresholds
    from harmwatch.cli.deaths import monitor_command

    defaults = {p.name: p.default for p in monitor_command.params}
    assert defaults["family_error"] == thresholds.DEFAULT_FAMILY_ERROR
    assert defaults["tolerated"] == thresholds.DEFAULT_TOLERATED_FALSE_ALARMS
    assert defaults["practitioner_false_alarm"] == thresholds.DEFAULT_PRACTITIONER_FALSE_ALARM


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
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_force_scale(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    """The issue's goal on the force-scale scenario (10 years, ~100 institutions, ~440
    practitioners) at the defaults, on three realisations: the planted care home and the
    planted GP (the practitioner) signal within 12 months of their excess starting, each
    first alarm holding planted deaths, with at most one false alarm among the other
    institutions; hospitals (whose deaths capacity does not explain) are compared with their
    own run-in rate; on seed 0, the measured family-wise rate is 5% (docs/monitoring.md)."""
    import json

    from harmwatch.demo import run_demo
    from harmwatch.store.database import open_store

    demo = run_demo(tmp_path_factory.mktemp("force"), seed=seed, scale="force", analyse=False)
    truth = json.loads((demo.out_dir / "data" / "truth.json").read_text())["patterns"]
    engine = open_store(demo.database_url)
    true = {
        truth["care_home_excess"]["institution_id"],
        truth["practitioner_excess"]["institution_id"],
        *truth["death_series"]["institution_ids"],
    }
    try:
        default = death_monitoring(engine)
    finally:
        engine.dispose()
    by_entity = {e.entity: e for e in default.entities}
    for key, name in (
        ("care_home_excess", "institution_id"),
        ("practitioner_excess", "practitioner_id"),
    ):
        planted = truth[key]
        entity = by_entity[planted[name]]
        assert entity.first_signal_period is not None, key
        delay = _months_after(planted["start"], entity.first_signal_period)
        assert 0 <= delay <= 12, (key, delay)
        assert set(entity.alarms[0]["death_ids"]) & set(planted["death_ids"]), key
    institutions = [e for e in default.entities if e.entity_kind != "practitioner"]
    assert len(institutions) > 90
    false = [e.entity for e in institutions if e.signalled and e.entity not in true]
    assert len(false) <= 1, false
    bases = dict(default.tables["institutions"].select("type", "expected_basis").iter_rows())
    assert bases["hospital"] == "own rate in run-in"
    if seed == 0:
        # 5% family-wise: the calibration simulates enough paths that ~60 lie beyond each
        # threshold (measured on seeds 0, 1, 2 with 4,000 replications: 5.2%, 4.2%, 4.4%;
        # with a fixed 20,000 paths it was 6.2%, 3.7%, 4.1%; docs/monitoring.md).
        check = default.false_alarm_check(replications=2_000, seed=11)
        assert check.any_lower <= 0.05 <= check.any_upper, check
        assert check.more_than_one_rate < 0.01
