"""Escalation risk: people, relationships and places where violence is heading towards homicide.

A transparent points score, computed at an *as-of* date from records dated
before it only. Each unit (a linked person, a victim-suspect relationship, a
small area) earns the points of every component that fires
(:mod:`.escalation_components`), and every component lists the records behind
it (involvement, attendance and referral ids), so an entry on the list explains
itself at a multi-agency meeting.

The points are judgement points re-weighted by a logistic regression fitted
on the force's own earlier data (:mod:`.risk_model`): at earlier as-of dates
whose 12-month follow-up ended before this as-of date, which units went on to
serious violence. Where there is too little such data (a short extract), the
judgement points are used and the result says so. Either way the score is a
sum of shown components.

The pieces: :mod:`.escalation_history` (what is read, and outcomes),
:mod:`.escalation_components` (the evidence), :mod:`.risk_model` (the weights),
:mod:`.risk_backtest` (the evaluation). Ethnicity is never read by the score:
:func:`load_history` keeps it in ``demographics`` for the fairness report only.

References
----------
.. [1] Campbell JC et al. Risk factors for femicide in abusive relationships:
   results from a multisite case control study. American Journal of Public
   Health 2003; 93(7):1089-1097.
.. [2] Robinson AL et al. Risk-led policing of domestic abuse and the DASH
   risk model. College of Policing, 2016.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.escalation_components import COMPONENTS, score_units
from harmwatch.analysis.escalation_history import (
    NEAR_MISS,
    SERIOUS,
    UNIT_TYPES,
    History,
    load_history,
    within_days,
)
from harmwatch.analysis.risk_model import RiskModel, TrainingCache, fit_model, judgement_model

__all__ = [
    "COMPONENTS",
    "NEAR_MISS",
    "SERIOUS",
    "UNIT_TYPES",
    "History",
    "RiskModel",
    "RiskResult",
    "escalation_risk",
    "load_history",
    "rank_units",
    "score_units",
    "within_days",
]

_YEAR = 365


def rank_units(
    components: pl.DataFrame, history: History, as_of: date, model: RiskModel | None = None
) -> pl.DataFrame:
    """Units ranked by score within each unit type (1 = highest), with reasons and records.

    ``components`` carry the points to add up (re-weighted by the model already);
    ``model`` only adds the fitted ``probability`` of serious violence in 12 months.
    """
    key = ["unit_type", "unit"]
    last = (
        within_days(history.unit_records, as_of, _YEAR)
        .group_by(key)
        .agg(pl.col("day").max().alias("last_day"), pl.col("person_ids").first())
    )
    scored = (
        components.sort("points", descending=True)
        .group_by(key)
        .agg(
            pl.col("points").sum().round(1).alias("score"),
            pl.format("{} ({})", "component", "points").str.join("; ").alias("reasons"),
            pl.col("record_ids")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("record_ids"),
        )
        .join(last, on=key, how="inner")
        .sort(["unit_type", "score", "last_day", "unit"], descending=[False, True, True, False])
    )
    model = model or judgement_model()
    probability = pl.lit(None, dtype=pl.Float64)
    for unit_type in UNIT_TYPES:
        probability = (
            pl.when(pl.col("unit_type") == unit_type)
            .then(model.probability(unit_type, pl.col("score")))
            .otherwise(probability)
        )
    return scored.with_columns(
        pl.int_range(1, pl.len() + 1).over("unit_type").alias("rank"),
        probability.alias("probability"),
    )


@dataclass
class RiskResult:
    """The escalation risk list at one as-of date.

    Attributes
    ----------
    as_of : date
        Records dated before this day were used.
    available : bool
    reason : str
    ranking : polars.DataFrame
        ``unit_type``, ``rank``, ``unit``, ``person_ids``, ``score``, ``reasons``,
        ``record_ids`` (list), ``last_day``, ``probability`` (fitted probability of
        serious violence in 12 months; null with judgement points).
    components : polars.DataFrame
        ``unit_type``, ``unit``, ``component``, ``points``, ``record_ids``: the
        evidence behind every score, with the points it earns.
    model : RiskModel
        The weights used (fitted or judgement), with their training summary.
    warnings : list of str
    tables : dict of str to polars.DataFrame
    """

    as_of: date
    available: bool
    reason: str
    ranking: pl.DataFrame
    components: pl.DataFrame
    model: RiskModel = field(default_factory=judgement_model)
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def top(self, n: int, unit_type: str | None = None) -> pl.DataFrame:
        """The first ``n`` of each unit type (or of one)."""
        frame = self.ranking.filter(pl.col("rank") <= n)
        return frame if unit_type is None else frame.filter(pl.col("unit_type") == unit_type)

    def to_json(self, top: int = 20) -> dict[str, Any]:
        """Figures: ``as_of``, ``available``, ``reason``, ``warnings``, ``model``
        (:meth:`RiskModel.to_json`), and ``units``: the first ``top`` of each unit
        type with ``probability`` and their ``components`` (name, points,
        meaning, record_ids)."""
        entries = self.top(top)
        parts = self.components.join(entries.select("unit_type", "unit"), on=["unit_type", "unit"])
        by_unit: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in parts.sort("points", descending=True).iter_rows(named=True):
            by_unit.setdefault((row["unit_type"], row["unit"]), []).append(
                {
                    "component": row["component"],
                    "points": float(row["points"]),
                    "meaning": COMPONENTS[row["component"]][1],
                    "record_ids": list(row["record_ids"]),
                }
            )
        units = [
            {
                "unit_type": row["unit_type"],
                "rank": int(row["rank"]),
                "unit": row["unit"],
                "person_ids": [p for p in row["person_ids"].split(";") if p],
                "score": float(row["score"]),
                "probability": row["probability"],
                "components": by_unit.get((row["unit_type"], row["unit"]), []),
            }
            for row in entries.iter_rows(named=True)
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "available": self.available,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "model": self.model.to_json(),
            "units": units,
        }


def escalation_risk(
    engine: Engine,
    as_of: date,
    *,
    history: History | None = None,
    fit: bool = True,
    cache: TrainingCache | None = None,
) -> RiskResult:
    """Score and rank every unit at ``as_of`` (see the module docstring).

    Parameters
    ----------
    engine : Engine
        The store.
    as_of : date
        Only records dated before this day are read.
    history : History, optional
        A history already loaded with :func:`load_history` (back-testing).
    fit : bool
        Re-weight the judgement points on the force's earlier data
        (:func:`.risk_model.fit_model`); False: judgement points as they are.
    cache : dict, optional
        Training rows by date, reused across calls (see :func:`.risk_model.fit_model`).
    """
    history = history or load_history(engine)
    model = fit_model(history, as_of, cache=cache) if fit else judgement_model()
    components = model.apply(score_units(history, as_of))
    ranking = rank_units(components, history, as_of, model)
    warnings = [*history.warnings, *(n for n in model.notes if "judgement" in n)]
    if ranking.height == 0:
        return RiskResult(
            as_of,
            False,
            "no police occurrences in the 12 months before the as-of date",
            ranking,
            components,
            model,
            warnings,
        )
    return RiskResult(
        as_of,
        True,
        "",
        ranking,
        components,
        model,
        warnings,
        tables={"ranking": ranking.with_columns(pl.col("record_ids").list.join(";"))},
    )
