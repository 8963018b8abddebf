"""Section: near misses and escalation (aggregated; no names unless asked).

The escalation score of :mod:`harmwatch.analysis.escalation` (a transparent
points score of homicide risk markers after Campbell et al. 2003 and Glass et
al. 2008, with harm weighted by the Cambridge Crime Harm Index, Sherman et al.
2016; the points re-weighted on the force's earlier data, :mod:`harmwatch.analysis.risk_model`)
at one as-of date, the end of the report period, using records before it
only. The section is aggregated: how many relationships, persons and places
fall in each score band and on the list (the top :data:`LIST_LENGTH` of each
type), and which markers fire most often. A back-test at one date (the start
of the report period, outcomes over the period: :mod:`.risk_backtest`) gives
precision, recall and AUC against two baselines, and the fairness table (flag
rates and precision by sex, age band and ethnicity; ethnicity is never an
input). No name or person id is printed or written unless ``include_names``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, select

from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.escalation import COMPONENTS, UNIT_TYPES, History, RiskResult
from harmwatch.analysis.risk_backtest import BacktestResult
from harmwatch.analysis.risk_model import TrainingCache
from harmwatch.analysis.smallnumbers import SMALL_COUNT
from harmwatch.report.analytical._context import Context, label
from harmwatch.report.document import ReportDocument
from harmwatch.report.svg import grouped_bar_chart
from harmwatch.store.schema import kind_tables

__all__ = ["LIST_LENGTH", "SCORE_BANDS", "SECTION", "Escalation", "analyse", "render"]

SECTION = "Near misses and escalation"
#: The length of the multi-agency list judged (top k of each unit type), as the back-test's.
LIST_LENGTH = 50
#: Score bands: (lower bound, label), highest first.
SCORE_BANDS: tuple[tuple[float, str], ...] = (
    (15.0, "15 or more"),
    (10.0, "10 to 14.9"),
    (5.0, "5 to 9.9"),
    (0.0, "under 5"),
)
#: Most names listed with ``include_names`` (each unit type).
NAMED = 10
_UNIT_WORDS = {"relationship": "relationships", "person": "persons", "place": "places"}
_FAULT_KINDS = (
    ("ed_assaults", "ED assault attendances"),
    ("council_referrals", "council referrals"),
    ("deaths", "death reports"),
)


@dataclass
class Escalation:
    """The escalation score at the period's end and its one-date back-test."""

    available: bool
    reason: str = ""
    as_of: date | None = None
    risk: RiskResult | None = None
    backtest: BacktestResult | None = None
    backtest_reason: str = ""
    names: dict[str, str] = field(default_factory=dict)


def _count(engine: Engine, kind: str, *where: Any) -> int:
    query = select(func.count()).select_from(kind_tables[kind])
    for clause in where:
        query = query.where(clause)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def _names(engine: Engine, history: History) -> dict[str, str]:
    """person_id -> "Forename Surname" (the most frequent spelling), for ``include_names``."""
    people = read_kind(engine, "police_people", columns=["involvement_id", "forename", "surname"])
    named = (
        history.person_records.select("person_id", pl.col("record_id").alias("involvement_id"))
        .join(people, on="involvement_id", how="inner")
        .with_columns(
            pl.concat_str(
                [pl.col("forename").fill_null(""), pl.col("surname").fill_null("")], separator=" "
            )
            .str.strip_chars()
            .alias("name")
        )
        .filter(pl.col("name") != "")
        .group_by("person_id")
        .agg(pl.col("name").mode().sort().first())
    )
    return {str(p): str(n) for p, n in named.iter_rows()}


def analyse(engine: Engine, period: Period, *, include_names: bool = False) -> Escalation:
    """Score every unit at the period's end; back-test at its start (read only)."""
    from harmwatch.analysis.escalation import escalation_risk, load_history
    from harmwatch.analysis.risk_backtest import backtest

    occ = kind_tables["police_occurrences"].c
    if _count(engine, "police_occurrences") == 0:
        return Escalation(False, "no police occurrences are loaded")
    if _count(engine, "police_occurrences", occ.offence_group != "homicide") == 0:
        return Escalation(
            False,
            "only homicides are loaded: escalation is read from near misses and less serious "
            "violence before them, and none is loaded",
        )
    try:
        history = load_history(engine)
    except pl.exceptions.PolarsError as error:
        empty = [words for kind, words in _FAULT_KINDS if _count(engine, kind) == 0]
        if empty:
            return Escalation(
                False,
                "the escalation score cannot yet run on a store without "
                + ", ".join(empty)
                + " loaded (a known fault of harmwatch.analysis.escalation)",
            )
        return Escalation(False, f"the escalation analysis failed ({type(error).__name__})")
    as_of = period.end
    cache: TrainingCache = {}  # training rows shared by the two fits
    risk = escalation_risk(engine, as_of, history=history, cache=cache)
    if not risk.available:
        return Escalation(False, risk.reason, as_of, risk)
    result = Escalation(True, "", as_of, risk)
    first = history.unit_records["day"].min()
    if isinstance(first, date) and (period.start - first).days >= 180:
        result.backtest = backtest(
            history,
            [period.start],
            k=LIST_LENGTH,
            horizon_days=period.days,
            latest=period.end,
            cache=cache,
        )
        if not result.backtest.available:
            result.backtest_reason = result.backtest.reason
    else:
        result.backtest_reason = (
            "less than six months of police data before the report period, so a ranking at "
            "its start would rest on too little history"
        )
    if include_names:
        result.names = _names(engine, history)
    return result


def _band(score: pl.Expr) -> pl.Expr:
    expr: pl.Expr = pl.lit(SCORE_BANDS[-1][1])
    for low, words in reversed(SCORE_BANDS[:-1]):
        expr = pl.when(score >= low).then(pl.lit(words)).otherwise(expr)
    return expr


def render(doc: ReportDocument, ctx: Context, *, include_names: bool = False) -> None:
    """Add the section (see the module docstring); names only with ``include_names``."""
    found: Escalation = ctx.results["escalation"]
    doc.section("escalation", SECTION)
    figures: dict[str, Any] = {
        "available": found.available,
        "reason": found.reason,
        "as_of": found.as_of,
        "include_names": include_names,
        "list_length": LIST_LENGTH,
        "units_scored": {},
        "score_bands": [],
        "markers": [],
        "backtest": None,
        "backtest_reason": found.backtest_reason,
        "fairness": [],
        "warnings": [],
    }
    ctx.figures["escalation"] = figures
    risk = found.risk
    if not found.available or risk is None:
        ctx.cannot(doc, SECTION, found.reason)
        return
    ranking = risk.ranking
    figures["warnings"] = list(risk.warnings)
    figures["units_scored"] = {t: int((ranking["unit_type"] == t).sum()) for t in UNIT_TYPES}
    last_day = ctx.period.end.toordinal() - 1
    doc.paragraph(
        "Where less serious violence may be heading towards homicide: every relationship "
        "(victim and suspect), person and place (small area) with a police occurrence in the 12 "
        f"months to {date.fromordinal(last_day).isoformat()} is scored from the records "
        "dated before the end of the report period only. The score adds the points of known "
        "homicide risk markers (non-fatal strangulation, weapons, threats to kill, stalking, "
        "separation, near misses, rising frequency and severity, repeat ED attendance, "
        "domestic-abuse referrals, closeness to serious violence) and harm weighted by the "
        "Cambridge Crime Harm Index; every point traces to its records. The points are set "
        "by judgement and re-weighted by a logistic regression on the force's own earlier "
        "data where there is enough of it ("
        + "; ".join(risk.model.notes)
        + "). This section is aggregated: "
        + (
            "names are included, as asked (--include-names): handle as personal data."
            if include_names
            else "no name or person id is printed. The named list is for the multi-agency "
            "meeting (harmwatch risk, or this report with --include-names)."
        )
    )
    ctx.caution(doc, risk.warnings, "Cautions on escalation scores")
    _bands(doc, ctx, ranking, figures)
    _markers(doc, ctx, risk, figures)
    _backtest(doc, ctx, found, figures)
    if include_names:
        _named(doc, ctx, found, figures)


def _bands(
    doc: ReportDocument, ctx: Context, ranking: pl.DataFrame, figures: dict[str, Any]
) -> None:
    order = [words for _, words in SCORE_BANDS]
    counts = (
        ranking.with_columns(
            _band(pl.col("score")).alias("band"),
            (pl.col("rank") <= LIST_LENGTH).alias("listed"),
        )
        .group_by("unit_type", "band")
        .agg(pl.len().cast(pl.Int64).alias("units"), pl.col("listed").sum().alias("on_list"))
    )
    grid = (
        pl.DataFrame({"unit_type": list(UNIT_TYPES)})
        .join(pl.DataFrame({"band": order}), how="cross")
        .join(counts, on=["unit_type", "band"], how="left")
        .with_columns(pl.col("units").fill_null(0), pl.col("on_list").fill_null(0).cast(pl.Int64))
    )
    figures["score_bands"] = grid
    doc.figure(
        grouped_bar_chart(
            order,
            {
                _UNIT_WORDS[t].capitalize(): grid.filter(pl.col("unit_type") == t)[
                    "units"
                ].to_numpy()
                for t in UNIT_TYPES
            },
            title="Units by escalation score band",
            value_label="Units scored",
            category_label="Score band (points)",
        ),
        caption="Relationships, persons and places by score band at the end of "
        f"{ctx.period.label}. The list for a multi-agency meeting is the top {LIST_LENGTH} "
        "of each type.",
        table=grid.with_columns(pl.col("unit_type").replace_strict(_UNIT_WORDS)),
        labels={"on_list": f"in the top {LIST_LENGTH}"},
    )


def _markers(doc: ReportDocument, ctx: Context, risk: RiskResult, figures: dict[str, Any]) -> None:
    listed = risk.ranking.filter(pl.col("rank") <= LIST_LENGTH).select("unit_type", "unit")
    parts = risk.components.select("unit_type", "unit", "component")
    everyone = parts.group_by("component", "unit_type").len()
    on_list = parts.join(listed, on=["unit_type", "unit"]).group_by("component").len()
    wide = (
        pl.DataFrame({"component": list(COMPONENTS)})
        .join(
            everyone.pivot(on="unit_type", index="component", values="len"),
            on="component",
            how="left",
        )
        .join(on_list.rename({"len": "on_list"}), on="component", how="left")
    )
    for t in UNIT_TYPES:
        if t not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(t))
    wide = (
        wide.with_columns(pl.col(*UNIT_TYPES, "on_list").fill_null(0).cast(pl.Int64))
        .with_columns(
            pl.col("component")
            .replace_strict({c: m for c, (_, m) in COMPONENTS.items()})
            .alias("meaning"),
            pl.col("component")
            .replace_strict({c: p for c, (p, _) in COMPONENTS.items()}, return_dtype=pl.Float64)
            .alias("points"),
            pl.sum_horizontal(*UNIT_TYPES).alias("total"),
        )
        .sort("on_list", "total", descending=True)
        .select("component", "meaning", "points", *UNIT_TYPES, "on_list")
    )
    figures["markers"] = wide
    shown = wide.filter(pl.sum_horizontal(*UNIT_TYPES) > 0)
    if shown.is_empty():
        return
    doc.figure(
        grouped_bar_chart(
            [label(c) for c in shown["component"]],
            {_UNIT_WORDS[t].capitalize(): shown[t].to_numpy() for t in UNIT_TYPES},
            horizontal=True,
            title="Risk markers that fire most often",
            value_label="Units on which the marker fires",
        ),
        caption="How many relationships, persons and places each marker fires on, most "
        f"frequent on the top-{LIST_LENGTH} lists first. Points: what the marker adds "
        "(frequency and harm: up to that).",
        table=shown,
        labels={"on_list": f"on the top-{LIST_LENGTH} lists"},
        decimals={"points": 0},
    )


def _backtest(
    doc: ReportDocument, ctx: Context, found: Escalation, figures: dict[str, Any]
) -> None:
    doc.section("escalation-backtest", "Does the score find what followed?", level=2)
    result = found.backtest
    if result is None or not result.available:
        ctx.cannot(
            doc,
            "Escalation back-test",
            found.backtest_reason or "no as-of date had data before it",
        )
        return
    figures["backtest"] = result.to_json()
    figures["fairness"] = result.fairness
    as_of = result.as_of_dates[0]
    doc.paragraph(
        f"The score ranked every unit on {as_of.isoformat()} with data before that day; the "
        f"outcome is involvement in homicide, attempted murder or GBH in {ctx.period.label}. "
        f"Precision and recall are of the top {LIST_LENGTH} of each type, against two "
        "baselines: the count of prior incidents, and a simple DASH-like count of markers. "
        "One as-of date only, to keep the report quick: `harmwatch risk backtest` evaluates "
        "many."
    )
    ctx.caution(
        doc,
        [w for w in result.warnings if w not in found.risk.warnings] if found.risk else [],
        "Cautions on the back-test",
    )
    metrics = result.metrics.sort("unit_type", "model").select(
        pl.col("unit_type").replace_strict(_UNIT_WORDS, default=pl.col("unit_type")),
        pl.col("model").replace_strict(
            {"score": "score", "frequency": "prior incidents", "dash_like": "DASH-like"},
            default=pl.col("model"),
        ),
        "candidates",
        "positives",
        "found",
        "precision_at_k",
        "recall_at_k",
        "auc",
    )
    doc.table(
        metrics,
        caption=f"Back-test at {as_of.isoformat()}: of the units that went on to serious "
        f"violence in {ctx.period.label} ('positives', among those with an earlier record), "
        f"how many each ranking put in its top {LIST_LENGTH}; precision and recall at "
        f"{LIST_LENGTH}; AUC (0.5: no better than chance).",
        labels={
            "precision_at_k": f"precision@{LIST_LENGTH}",
            "recall_at_k": f"recall@{LIST_LENGTH}",
            "auc": "AUC",
        },
        decimals={"precision_at_k": 2, "recall_at_k": 2, "auc": 2},
        small=[int(p) < SMALL_COUNT for p in metrics["positives"]],
    )
    fairness = result.fairness
    if fairness.height:
        doc.table(
            fairness,
            caption=f"Fairness (persons, the score's top {LIST_LENGTH} at {as_of.isoformat()}): "
            "flag rate and precision by sex, age band and ethnicity. Ethnicity is read for "
            "this table only and is never an input to the score. Both are shown because they "
            "cannot in general be equal across groups at once (Chouldechova 2017).",
            decimals={"flag_rate": 3, "precision": 2},
            small=[int(u) < SMALL_COUNT for u in fairness["units"]],
        )


def _named(doc: ReportDocument, ctx: Context, found: Escalation, figures: dict[str, Any]) -> None:
    risk = found.risk
    if risk is None:
        return
    doc.section("escalation-named", "The list, with names (--include-names)", level=2)
    top = risk.ranking.filter((pl.col("rank") <= NAMED) & (pl.col("unit_type") != "place")).sort(
        "unit_type", "rank"
    )
    rows = []
    for r in top.iter_rows(named=True):
        ids = [p for p in str(r["person_ids"] or "").split(";") if p]
        rows.append(
            {
                "unit_type": r["unit_type"],
                "rank": r["rank"],
                "score": r["score"],
                "person_ids": "; ".join(ids),
                "names": "; ".join(found.names.get(p, "?") for p in ids),
                "reasons": r["reasons"],
            }
        )
    figures["named"] = rows
    if not rows:
        doc.paragraph("No relationship or person is scored.")
        return
    doc.table(
        rows,
        caption=f"The top {NAMED} relationships and persons at the end of {ctx.period.label}, "
        "with their score's components. Personal data: share only with those at the meeting.",
        decimals={"score": 1},
    )
