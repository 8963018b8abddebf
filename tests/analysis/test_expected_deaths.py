"""Expected deaths: practitioners' shares, the seasonal profile, the expectation check and
the institution's own rate where capacity does not explain its deaths."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from harmwatch.analysis.data import Period
from harmwatch.analysis.expected_deaths import (
    CAPACITY_BASIS,
    OWN_RATE_BASIS,
    expectation_check,
    institution_expectations,
    practitioner_expectations,
    seasonal_factors,
)


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


def _deaths_at(rates: dict[str, float], years: int, seed: int) -> pl.DataFrame:
    """Poisson deaths spread evenly over ``years`` from 2020 at each institution's rate."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, date]] = []
    days = int(years * 365.25)
    for inst, rate in rates.items():
        for d in rng.integers(0, days, rng.poisson(rate * years)):
            rows.append((inst, date(2020, 1, 1) + timedelta(days=int(d))))
    return pl.DataFrame(
        {
            "death_id": [f"D{i}" for i in range(len(rows))],
            "date_of_death": [r[1] for r in rows],
            "institution_id": [r[0] for r in rows],
        }
    )


def test_expectation_check_measures_dispersion() -> None:
    table = pl.DataFrame(
        {
            "type": ["care_home"] * 3 + ["hospital"] * 3,
            "expected_basis": ["expected_deaths_per_year"] * 3 + [CAPACITY_BASIS] * 3,
            "observed": [10, 12, 8, 300, 100, 200],
            "expected": [10.0, 10.0, 10.0, 200.0, 200.0, 200.0],
        }
    )
    check = {r["type"]: r for r in expectation_check(table).to_dicts()}
    home, hospital = check["care_home"], check["hospital"]
    assert home["df"] == 3 and home["pearson"] == pytest.approx(0.8)
    assert home["p_value"] > 0.5
    assert hospital["df"] == 2 and hospital["dispersion"] == pytest.approx(50.0)
    assert hospital["p_value"] < 1e-10


def test_hospitals_whose_deaths_capacity_does_not_explain_use_their_own_run_in_rate() -> None:
    # Three hospitals of equal capacity with 50, 100 and 200 deaths a year; care homes follow
    # the partner's expected deaths exactly. Four years of data.
    rates = {"H1": 50.0, "H2": 100.0, "H3": 200.0, "C1": 10.0, "C2": 20.0}
    deaths = _deaths_at(rates, 4, seed=3)
    institutions = pl.DataFrame(
        {
            "institution_id": list(rates),
            "name": list(rates),
            "type": ["hospital"] * 3 + ["care_home"] * 2,
            "capacity": [500, 500, 500, 40, 80],
            "expected_deaths_per_year": [None, None, None, 10.0, 20.0],
        }
    )
    span = Period(date(2020, 1, 1), date(2024, 1, 1))
    flat = {m: 1.0 for m in range(1, 13)}
    result = institution_expectations(deaths, institutions, span, "month", flat)
    table = {r["institution_id"]: r for r in result.table.to_dicts()}
    for h, rate in (("H1", 50.0), ("H2", 100.0), ("H3", 200.0)):
        assert table[h]["expected_basis"] == OWN_RATE_BASIS
        assert table[h]["chart_from"] == "2022-01"  # a two-year run-in (half of four years)
        assert table[h]["expected_per_year"] == pytest.approx(rate, rel=0.2)
    assert table["C1"]["expected_basis"] == "expected_deaths_per_year"
    assert table["C1"]["chart_from"] is None and table["C1"]["expected_per_year"] == 10.0
    assert any("capacity does not explain" in w for w in result.warnings)
    # Hospitals whose deaths do follow capacity keep capacity x the type's rate.
    even = _deaths_at({"H1": 100.0, "H2": 100.0, "H3": 100.0}, 4, seed=4)
    kept = institution_expectations(even, institutions, span, "month", flat)
    bases = set(kept.table.filter(pl.col("type") == "hospital")["expected_basis"])
    assert bases == {CAPACITY_BASIS}
