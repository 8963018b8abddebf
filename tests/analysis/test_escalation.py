"""Escalation risk: harm weights, ethnicity never an input, traceability, the scenario's couples."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from harmwatch.analysis import escalation
from harmwatch.analysis.escalation import (
    History,
    escalation_risk,
    load_history,
    rank_units,
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


def _couples(data: Path) -> list[dict[str, Any]]:
    """The planted escalating couples with the as-of date: the day after their last
    occurrence before the serious one (so the outcome falls in the next 12 months)."""
    import json

    truth = json.loads((data / "truth.json").read_text())
    with (data / "police_occurrences.csv").open(encoding="utf-8") as fh:
        when = {r["occurrence_id"]: r["occurred_from"] for r in csv.DictReader(fh)}
    out = []
    for couple in truth["patterns"]["domestic_escalation"]["escalating"]:
        days = [datetime.fromisoformat(when[o]).date() for o in couple["occurrence_ids"]]
        out.append(dict(couple, as_of=days[-2] + timedelta(days=1), final=days[-1]))
    return out


def test_harm_weights_order() -> None:
    w = HARM_WEIGHTS
    assert w["homicide"] > w["attempted_murder"] > w["gbh"] > w["abh"] > w["common_assault"]
    assert w["domestic_incident"] == 0.0
    assert harm_table().get_column("harm_days").is_sorted(descending=True)


def test_ethnicity_is_never_an_input(history: History) -> None:
    assert "ethnicity" not in escalation._PEOPLE_COLUMNS
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
    """Goal of issue 6 on the small scenario (3 escalating couples)."""
    couples = _couples(linked[1])
    assert len(couples) == 3
    for couple in couples:
        first = couple["occurrence_ids"][0]
        unit = (
            history.unit_records.filter(
                (pl.col("unit_type") == "relationship") & (pl.col("occurrence_id") == first)
            )
            .get_column("unit")
            .item(0)
        )
        ranking = rank_units(
            score_units(history, couple["as_of"], "relationship"), history, couple["as_of"]
        )
        rank = ranking.filter(pl.col("unit") == unit).get_column("rank").to_list()
        assert rank and rank[0] <= 50, (couple["offence_groups"][-1], rank)
    result = backtest(history, [c["as_of"] for c in couples], k=50, latest=date(2024, 12, 31))
    rel = result.metrics.filter(pl.col("unit_type") == "relationship")
    score = rel.filter(pl.col("model") == "score").row(0, named=True)
    freq = rel.filter(pl.col("model") == "frequency").row(0, named=True)
    assert score["positives"] >= 3
    assert score["recall_at_k"] >= 0.6
    # At small scale the frequency baseline finds the couples too (background
    # couples seldom repeat within 12 months): "twice the baseline" is tested
    # only as "not worse" here; see docs/risk.md.
    assert score["found"] >= freq["found"]
    assert {"sex", "age band", "ethnicity"} == set(result.fairness.get_column("dimension"))
