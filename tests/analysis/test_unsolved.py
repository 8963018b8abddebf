"""Unsolved clusters: exact binomial clearance by area x victim sex x method."""

from __future__ import annotations

import polars as pl
import pytest
from scipy.stats import binom
from sqlalchemy import Engine

from harmwatch.analysis.unsolved import unsolved_clusters, unsolved_groups


def _cases() -> pl.DataFrame:
    rows = []
    for n in range(60):  # district A: 30 of 60 cleared
        rows.append(("A", "male", "sharp", n % 2 == 0))
    for _ in range(12):  # district B, female, firearm: 0 of 12 cleared
        rows.append(("B", "female", "firearm", False))
    return pl.DataFrame(
        [(f"OC{i:03d}", *r) for i, r in enumerate(rows)],
        schema=["occurrence_id", "district", "victim_sex", "method", "cleared"],
        orient="row",
    )


def test_low_clearance_group_flagged_with_exact_p() -> None:
    result = unsolved_groups(_cases())
    assert result.cases == 72 and result.cleared == 30
    flagged = result.flagged
    assert flagged["district"].to_list() == ["B"]
    row = flagged.row(0, named=True)
    assert row["p_value"] == pytest.approx(binom.cdf(0, 12, 30 / 72))
    assert row["unsolved_ids"] == row["occurrence_ids"] and len(row["unsolved_ids"]) == 12
    assert result.to_json()["groups"][0]["cases"] in (60, 12)


def test_small_groups_warned_and_empty_unavailable() -> None:
    result = unsolved_groups(_cases().head(5))
    assert any("fewer than 10" in w for w in result.warnings)
    assert not unsolved_groups(_cases().head(0)).available


def test_scenario_unsolved(scenario_store: Engine) -> None:
    result = unsolved_clusters(scenario_store)
    assert result.available
    assert int(result.groups["cases"].sum()) == result.cases
    assert result.warnings  # the small scenario has few homicides
    wider = unsolved_clusters(scenario_store, offences=("homicide", "gbh", "attempted_murder"))
    assert wider.cases > result.cases
