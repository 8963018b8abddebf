"""The goal of issue 6 on the scenario's ground truth (shared by the small and force tests).

Positives of the goal: the planted escalating couples of every pathway (``truth.json``,
``domestic_escalation.escalating``, with ``pathway``), each judged at the day after its last
occurrence before the serious one. A couple is *found* by a model when a
relationship unit holding its earlier occurrences is in that model's top k
(the best such unit: without linkage a duplicate police nominal can split a
couple). See docs/risk.md for why background relationships are reported
separately rather than counted in the goal.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from harmwatch.analysis.escalation_history import History
from harmwatch.analysis.risk_backtest import MODELS, compare_models
from harmwatch.analysis.risk_model import TrainingCache


def planted_couples(data: Path) -> list[dict[str, Any]]:
    """The planted couples with ``as_of`` (the day after their last occurrence before the
    serious one) and ``final`` (the day of the serious one)."""
    truth = json.loads((data / "truth.json").read_text())
    with (data / "police_occurrences.csv").open(encoding="utf-8") as fh:
        when = {r["occurrence_id"]: r["occurred_from"] for r in csv.DictReader(fh)}
    out = []
    for couple in truth["patterns"]["domestic_escalation"]["escalating"]:
        days = [datetime.fromisoformat(when[o]).date() for o in couple["occurrence_ids"]]
        out.append(dict(couple, as_of=days[-2] + timedelta(days=1), final=days[-1]))
    return out


def goal_ranks(
    history: History, data: Path, *, fit: bool = True, cache: TrainingCache | None = None
) -> pl.DataFrame:
    """One row per planted couple: ``final`` offence, ``as_of``, ``unit``, and
    ``rank_score``, ``rank_frequency``, ``rank_dash_like`` among ``candidates``."""
    cache = {} if cache is None else cache
    rows = []
    for couple in planted_couples(data):
        earlier = couple["occurrence_ids"][:-1]
        units = (
            history.unit_records.filter(
                (pl.col("unit_type") == "relationship") & pl.col("occurrence_id").is_in(earlier)
            )
            .get_column("unit")
            .unique()
            .to_list()
        )
        ranked = compare_models(
            history, couple["as_of"], fit=fit, cache=cache, unit_type="relationship"
        )
        mine = ranked.filter(pl.col("unit").is_in(units))
        rows.append(
            {
                "pathway": couple.get("pathway", "frequency_ladder"),
                "final": couple["offence_groups"][-1],
                "as_of": couple["as_of"],
                "unit": mine.sort("rank_score").get_column("unit").first(),
                "candidates": ranked.height,
                **{f"rank_{m}": mine.get_column(f"rank_{m}").min() for m in MODELS},
            }
        )
    return pl.DataFrame(rows)


def goal_summary(ranks: pl.DataFrame, k: int = 50) -> dict[str, Any]:
    """``couples``, ``found`` (model -> couples in the top k), ``recall`` (model -> share),
    ``by_pathway`` (pathway -> ``{"couples": n, model: found}``)."""
    found = {m: int((ranks.get_column(f"rank_{m}") <= k).sum()) for m in MODELS}
    by_pathway: dict[str, dict[str, int]] = {}
    for (pathway,), part in ranks.group_by("pathway", maintain_order=True):
        by_pathway[str(pathway)] = {
            "couples": part.height,
            **{m: int((part.get_column(f"rank_{m}") <= k).sum()) for m in MODELS},
        }
    return {
        "couples": ranks.height,
        "found": found,
        "recall": {m: found[m] / ranks.height for m in MODELS},
        "by_pathway": by_pathway,
    }
