"""The goal of issue 6 at force scale (slow: builds a force-scale store, ~1 min)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from _risk_goal import goal_ranks, goal_summary, planted_couples
from harmwatch.analysis.escalation import load_history
from harmwatch.analysis.risk_backtest import backtest
from harmwatch.analysis.risk_model import TrainingCache, fit_model
from harmwatch.demo import run_demo
from harmwatch.store.database import open_store


@pytest.mark.slow
def test_planted_couples_in_top_50_at_force_scale(tmp_path: Path) -> None:
    """Persons by police nominal (the demo does not link at force scale); weights fitted
    at each couple's as-of date on data before it."""
    demo = run_demo(tmp_path / "force", seed=0, scale="force", analyse=False)
    engine = open_store(demo.database_url)
    try:
        history = load_history(engine)
    finally:
        engine.dispose()
    data = demo.out_dir / "data"
    cache: TrainingCache = {}
    ranks = goal_ranks(history, data, cache=cache)
    goal = goal_summary(ranks, k=50)
    assert goal["couples"] == 20
    assert goal["recall"]["score"] >= 0.6, ranks
    # Measured: score 18, frequency 8, DASH-like 15 of 20 (docs/risk.md). Both halves of
    # the goal hold: >= 60% in the top 50, and at least twice the frequency baseline.
    assert goal["found"]["score"] >= 2 * goal["found"]["frequency"], ranks
    by = goal["by_pathway"]
    assert by["frequency_ladder"]["score"] == by["frequency_ladder"]["couples"] == 4
    few = by["few_contacts_markers"]
    assert few["score"] >= 3 * few["frequency"] and few["score"] >= 0.7 * few["couples"]
    assert by["mixed"]["score"] >= by["mixed"]["frequency"]
    assert ranks.get_column("rank_score").sum() < ranks.get_column("rank_frequency").sum()
    latest = max(c["as_of"] for c in planted_couples(data))
    model = fit_model(history, latest, cache=cache)
    assert model.fitted["person"] and model.fitted["place"]
    last = model.training.get_column("last_date").max()
    assert isinstance(last, date) and last + timedelta(days=365) <= latest
    result = backtest(history, [c["as_of"] for c in planted_couples(data)], k=50, cache=cache)
    rel = result.metrics.filter(pl.col("unit_type") == "relationship")
    auc = dict(zip(rel.get_column("model"), rel.get_column("auc"), strict=True))
    assert auc["score"] > auc["frequency"]
