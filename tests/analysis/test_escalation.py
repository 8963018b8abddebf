"""Escalation risk: harm weights, ethnicity never an input, traceability, the scenario's couples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from _risk_goal import goal_ranks, goal_summary, planted_couples
from harmwatch.analysis import escalation_history
from harmwatch.analysis.escalation import (
    History,
    escalation_risk,
    load_history,
    score_units,
)
from harmwatch.analysis.harm_index import HARM_WEIGHTS, harm_table
from harmwatch.analysis.risk_backtest import backtest
from harmwatch.demo import run_demo
from harmwatch.linkage.persons import link_persons
from harmwatch.store.database import open_store


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    """The small scenario with persons linked (its own store: linkage writes)."""
    demo = run_demo(tmp_path_factory.mktemp("esc"), seed=0, scale="small", analyse=False)
    engine = open_store(demo.database_url)
    link_persons(engine, max_pairs=5e5)
    yield engine, demo.out_dir / "data"
    engine.dispose()


@pytest.fixture(scope="module")
def history(linked: tuple[Engine, Path]) -> History:
    return load_history(linked[0])


def test_harm_weights_order() -> None:
    w = HARM_WEIGHTS
    assert w["homicide"] > w["attempted_murder"] > w["gbh"] > w["abh"] > w["common_assault"]
    assert w["domestic_incident"] == 0.0
    assert harm_table().get_column("harm_days").is_sorted(descending=True)


def test_ethnicity_is_never_an_input(history: History) -> None:
    assert "ethnicity" not in escalation_history._PEOPLE_COLUMNS
    for frame in (history.unit_records, history.person_records, history.unit_persons):
        assert "ethnicity" not in frame.columns
    # Scores do not change when the (reporting-only) ethnicity is scrambled.
    day = date(2024, 6, 1)
    before = score_units(history, day)
    history.demographics = history.demographics.with_columns(pl.lit("other").alias("ethnicity"))
    assert score_units(history, day).equals(before)


def test_only_records_before_as_of_and_traceable(linked: tuple[Engine, Path]) -> None:
    engine, _ = linked
    result = escalation_risk(engine, date(2024, 3, 1))
    assert result.available
    payload = result.to_json(top=10)
    assert payload["units"], "nothing ranked"
    people = pl.read_database(
        "select p.involvement_id, o.occurred_from from police_people p join police_occurrences o "
        "on o.occurrence_id = p.occurrence_id",
        engine,
    )
    dated = dict(zip(people["involvement_id"], people["occurred_from"], strict=True))
    for unit in payload["units"]:
        assert unit["components"]
        assert unit["score"] == pytest.approx(
            sum(c["points"] for c in unit["components"]), abs=0.11
        )
        for component in unit["components"]:
            assert component["record_ids"]
            for record in component["record_ids"]:
                if record in dated:
                    assert str(dated[record])[:10] < "2024-03-01"


def test_planted_couples_in_top_50(history: History, linked: tuple[Engine, Path]) -> None:
    """Goal of issue 6 on the small scenario: 8 escalating couples on three pathways
    (docs/risk.md). Measured: score 7, frequency 6, DASH-like 8 of 8."""
    ranks = goal_ranks(history, linked[1])
    goal = goal_summary(ranks, k=50)
    assert goal["couples"] == 8
    assert goal["recall"]["score"] >= 0.6, ranks
    # With 170-1,070 active relationships at the couples' dates most couples are inside
    # the frequency count's top 50 too (6 of 8), so twice the count is out of reach at
    # this scale; the score finds more, and ranks the couples higher overall.
    assert goal["found"]["score"] > goal["found"]["frequency"], ranks
    by = goal["by_pathway"]
    assert by["frequency_ladder"]["score"] == by["frequency_ladder"]["couples"] == 3
    assert by["mixed"]["score"] == by["mixed"]["couples"] == 2
    assert by["few_contacts_markers"]["score"] >= 2 * by["few_contacts_markers"]["frequency"]
    assert ranks.get_column("rank_score").sum() < 0.6 * ranks.get_column("rank_frequency").sum()
    couples = planted_couples(linked[1])
    result = backtest(history, [c["as_of"] for c in couples], k=50, latest=date(2024, 12, 31))
    rel = result.metrics.filter(pl.col("unit_type") == "relationship")
    score = rel.filter(pl.col("model") == "score").row(0, named=True)
    assert score["positives"] >= 8
    assert score["recall_at_k"] >= 0.6
    assert {"sex", "age band", "ethnicity"} == set(result.fairness.get_column("dimension"))


def test_short_extract_uses_judgement_points(linked: tuple[Engine, Path]) -> None:
    """Two years of data leave no earlier date with a full 12-month follow-up: the
    weights stay the judgement points and the result says so."""
    result = escalation_risk(linked[0], date(2024, 8, 31))
    assert not any(result.model.fitted.values())
    assert any("judgement points" in w for w in result.warnings)
    assert result.ranking.get_column("probability").is_null().all()


def test_relationships_scored_on_their_own_history(history: History) -> None:
    """No network ties for relationships, and a relationship's near miss is one of its
    own occurrences (a person's other victimisations stay on the person list)."""
    day = date(2024, 6, 1)
    comps = score_units(history, day, "relationship")
    assert "network" not in set(comps.get_column("component"))
    near = comps.filter(pl.col("component") == "near_miss_victim").explode("record_ids")
    own = history.unit_records.filter(pl.col("unit_type") == "relationship").select(
        "unit", pl.col("record_id").alias("record_ids"), "offence_group"
    )
    joined = near.join(own, on=["unit", "record_ids"], how="left")
    assert joined.height > 0
    assert joined.get_column("offence_group").is_in(["attempted_murder", "gbh"]).all()


def test_stalking_component_lists_its_offences(history: History) -> None:
    """Stalking fires on relationships' own stalking or harassment offences, also in
    background couples that never escalate, and its points halve after 90 days."""
    day = date(2024, 6, 1)
    comps = score_units(history, day, "relationship")
    stalking = comps.filter(pl.col("component") == "stalking")
    assert stalking.height >= 5
    records = stalking.explode("record_ids").join(
        history.unit_records.select(
            "unit", pl.col("record_id").alias("record_ids"), "offence_group", "day"
        ),
        on=["unit", "record_ids"],
    )
    assert records.get_column("offence_group").eq("stalking_harassment").all()
    assert records.get_column("day").max() < day
    latest = records.group_by("unit").agg(pl.col("day").max(), pl.col("points").first())
    recent = latest.get_column("day") >= date(2024, 3, 3)
    assert set(latest.filter(recent).get_column("points")) <= {2.0}
    assert set(latest.filter(~recent).get_column("points")) <= {1.0}
    assert latest.filter(~recent).height > 0 and latest.filter(recent).height > 0
