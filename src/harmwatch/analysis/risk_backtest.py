"""Back-testing the escalation score: rank at T with data before T, look 12 months ahead.

At each as-of date T, the score (weights fitted on data before T,
:mod:`.risk_model`) ranks the units active in the 12 months before T. The
outcome of a unit is involvement in homicide, attempted murder or GBH in
``[T, T + 12 months)`` (for a relationship: an occurrence with both persons;
for a person also a death classified as homicide; for a place: such an
occurrence in the area). The score is compared with two baselines on the same
units:

``frequency``
    the count of prior police occurrences (12 months before T);
``dash_like``
    a simple DASH-like rule: one point per marker present (strangulation,
    weapon, threats to kill, stalking or harassment, separation, injury (ABH or
    worse), rising frequency, rising severity, near miss, domestic-abuse
    referral, 3+ prior incidents), as a count of ticks (Robinson et al. 2016).

Figures: precision@k and recall@k (recall among the positives that were
rankable at T, i.e. active before it; positives with no earlier record are
counted separately), and the AUC (Mann-Whitney; Hanley & McNeil 1982). Fairness:
flag rates and precision by sex, age band and ethnicity, for persons; ethnicity
is read for this table only and is never an input to the score.

References
----------
.. [1] Hanley JA, McNeil BJ. The meaning and use of the area under a receiver
   operating characteristic (ROC) curve. Radiology 1982; 143:29-36.
.. [2] Robinson AL et al. Risk-led policing of domestic abuse and the DASH
   risk model. College of Policing, 2016.
.. [3] Chouldechova A. Fair prediction with disparate impact. Big Data 2017;
   5(2):153-163 (why flag rates and precision by group are both reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from harmwatch.analysis.escalation import rank_units
from harmwatch.analysis.escalation_components import score_units
from harmwatch.analysis.escalation_history import History, outcomes, within_days
from harmwatch.analysis.risk_model import TrainingCache, fit_model, judgement_model
from harmwatch.analysis.roc import roc_auc
from harmwatch.analysis.smallnumbers import SMALL_COUNT, json_records

__all__ = [
    "DASH_MARKERS",
    "MODELS",
    "BacktestResult",
    "age_band",
    "backtest",
    "compare_models",
    "outcomes",
]

MODELS = ("score", "frequency", "dash_like")
#: Components that count as one DASH-like tick each.
DASH_MARKERS = (
    "strangulation",
    "weapon",
    "threats_to_kill",
    "stalking",
    "separation",
    "frequency_rising",
    "severity_rising",
    "near_miss_victim",
    "da_referral",
)
_HORIZON = 365
_KEY = ["unit_type", "unit"]


def age_band(column: str = "age") -> pl.Expr:
    """Age bands of the fairness table: under 18, 18-24, 25-34, 35-49, 50-64, 65+, unknown."""
    age = pl.col(column)
    return (
        pl.when(age.is_null())
        .then(pl.lit("unknown"))
        .when(age < 18)
        .then(pl.lit("under 18"))
        .when(age < 25)
        .then(pl.lit("18-24"))
        .when(age < 35)
        .then(pl.lit("25-34"))
        .when(age < 50)
        .then(pl.lit("35-49"))
        .when(age < 65)
        .then(pl.lit("50-64"))
        .otherwise(pl.lit("65+"))
    )


def _baselines(history: History, components: pl.DataFrame, as_of: date) -> pl.DataFrame:
    prior = (
        within_days(history.unit_records, as_of, 365)
        .group_by(_KEY)
        .agg(pl.col("occurrence_id").n_unique().alias("frequency"))
    )
    ticks = components.group_by(_KEY).agg(
        (
            pl.col("component").is_in(DASH_MARKERS).sum()
            + ((pl.col("component") == "frequency") & (pl.col("points") >= 3)).sum()
            + ((pl.col("component") == "harm") & (pl.col("points") >= 2.3)).sum()
        ).alias("dash_like")
    )
    return prior.join(ticks, on=_KEY, how="left")


def compare_models(
    history: History,
    as_of: date,
    *,
    fit: bool = True,
    cache: TrainingCache | None = None,
    unit_type: str | None = None,
) -> pl.DataFrame:
    """The score and both baselines for every unit active before ``as_of``, with each
    model's rank within the unit type (ties broken by the latest record, then the unit).

    Returns
    -------
    polars.DataFrame
        ``unit_type``, ``unit``, ``person_ids``, ``last_day``, ``score``,
        ``frequency``, ``dash_like``, ``rank_score``, ``rank_frequency``,
        ``rank_dash_like``. Empty when nothing was active.
    """
    judged = score_units(history, as_of, unit_type)
    model = fit_model(history, as_of, cache=cache) if fit else judgement_model()
    ranking = rank_units(model.apply(judged), history, as_of, model)
    if ranking.height == 0:
        return ranking
    frame = (
        ranking.select(*_KEY, "person_ids", "score", "last_day")
        .join(_baselines(history, judged, as_of), on=_KEY, how="left")
        .with_columns(pl.col("dash_like").fill_null(0))
    )
    for name in MODELS:
        frame = frame.sort(
            ["unit_type", name, "last_day", "unit"], descending=[False, True, True, False]
        ).with_columns(pl.int_range(1, pl.len() + 1).over("unit_type").alias(f"rank_{name}"))
    return frame


@dataclass
class BacktestResult:
    """The back-test over several as-of dates.

    Attributes
    ----------
    as_of_dates : list of date
    k : int
        The length of the list (top k of each unit type).
    available : bool
    reason : str
    metrics : polars.DataFrame
        Pooled over dates, one row per model and unit type: ``model``,
        ``unit_type``, ``candidates``, ``positives`` (rankable), ``unrankable``
        (positives with no record before T), ``found`` (positives in the top
        k), ``precision_at_k``, ``recall_at_k``, ``auc`` (mean over dates,
        weighted by positives).
    by_date : polars.DataFrame
        The same figures per as-of date.
    fairness : polars.DataFrame
        Persons, the score's top k: ``dimension`` (sex, age band, ethnicity),
        ``group``, ``units``, ``flagged``, ``flag_rate``, ``flagged_positive``,
        ``precision``.
    warnings : list of str
    tables : dict of str to polars.DataFrame
    """

    as_of_dates: list[date]
    k: int
    available: bool
    reason: str
    metrics: pl.DataFrame
    by_date: pl.DataFrame
    fairness: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Figures: ``as_of_dates``, ``k``, ``available``, ``reason``, ``warnings``,
        ``metrics``, ``by_date``, ``fairness`` (lists of records)."""
        return {
            "as_of_dates": [d.isoformat() for d in self.as_of_dates],
            "k": self.k,
            "available": self.available,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "metrics": json_records(self.metrics),
            "by_date": json_records(self.by_date),
            "fairness": json_records(self.fairness),
        }


def _evaluate(frame: pl.DataFrame, k: int) -> pl.DataFrame:
    """Per model: rank within each unit type and flag the top k."""
    rows = []
    for model in MODELS:
        for (unit_type,), part in frame.group_by("unit_type", maintain_order=True):
            labels = part.get_column("positive").to_numpy().astype(bool)
            flagged = part.get_column(f"rank_{model}").to_numpy() <= k
            rows.append(
                {
                    "model": model,
                    "unit_type": unit_type,
                    "candidates": part.height,
                    "positives": int(labels.sum()),
                    "found": int((labels & flagged).sum()),
                    "flagged": int(flagged.sum()),
                    "auc": roc_auc(part.get_column(model).to_numpy().astype(float), labels),
                }
            )
    return pl.DataFrame(rows, schema_overrides={"auc": pl.Float64})


def backtest(
    history: History,
    as_of_dates: list[date],
    *,
    k: int = 50,
    horizon_days: int = _HORIZON,
    latest: date | None = None,
    fit: bool = True,
    cache: TrainingCache | None = None,
) -> BacktestResult:
    """Rank at each date with data before it; score against the next ``horizon_days``.

    Parameters
    ----------
    history : History
        From :func:`.escalation.load_history`.
    as_of_dates : list of date
    k : int
        Length of the list judged (top k of each unit type).
    horizon_days : int
        Follow-up (365: 12 months).
    latest : date, optional
        The newest data: dates whose follow-up runs past it carry a warning.
    fit : bool
        Re-weight the score at each date on data before it (:mod:`.risk_model`);
        False: judgement points.
    cache : dict, optional
        Training rows by date, shared by the fits at the several dates.
    """
    cache = {} if cache is None else cache
    warnings: list[str] = list(history.warnings)
    per_date, fair = [], []
    for as_of in sorted(as_of_dates):
        ranked = compare_models(history, as_of, fit=fit, cache=cache)
        if ranked.height == 0:
            warnings.append(f"{as_of}: no police occurrences in the 12 months before")
            continue
        out = outcomes(history, as_of, horizon_days)
        frame = ranked.join(
            out.with_columns(pl.lit(True).alias("positive")), on=_KEY, how="left"
        ).with_columns(pl.col("positive").fill_null(False), pl.col("rank_score").alias("rank"))
        unrankable = out.join(ranked.select(_KEY), on=_KEY, how="anti").group_by("unit_type").len()
        per_date.append(
            _evaluate(frame, k)
            .join(unrankable.rename({"len": "unrankable"}), on="unit_type", how="left")
            .with_columns(pl.lit(as_of).alias("as_of"), pl.col("unrankable").fill_null(0))
        )
        persons = frame.filter(pl.col("unit_type") == "person").join(
            history.demographics, left_on="unit", right_on="person_id", how="left"
        )
        fair.append(
            persons.select(
                (pl.col("rank") <= k).alias("flagged"),
                "positive",
                pl.col("sex").fill_null("unknown"),
                age_band().alias("age band"),
                pl.col("ethnicity").fill_null("unknown"),
            )
        )
        if latest is not None and as_of + timedelta(days=horizon_days) > latest + timedelta(days=1):
            warnings.append(
                f"{as_of}: the follow-up runs past the newest data ({latest}); outcomes are "
                "undercounted"
            )
    if not per_date:
        empty = pl.DataFrame()
        return BacktestResult(
            sorted(as_of_dates),
            k,
            False,
            "no as-of date had data before it",
            empty,
            empty,
            empty,
            warnings,
        )
    by_date = pl.concat(per_date).with_columns(_rates(pl.col("flagged")))
    metrics = (
        by_date.group_by("model", "unit_type", maintain_order=True)
        .agg(
            pl.col("candidates", "positives", "unrankable", "found", "flagged").sum(),
            (
                (pl.col("auc") * pl.col("positives")).sum()
                / pl.col("positives").filter(pl.col("auc").is_not_null()).sum()
            ).alias("auc"),
        )
        .with_columns(_rates(pl.col("flagged")))
    )
    for row in metrics.filter(pl.col("model") == "score").iter_rows(named=True):
        if row["positives"] < SMALL_COUNT:
            warnings.append(
                f"{row['unit_type']}: only {row['positives']} rankable positive(s) over the dates: "
                "precision and recall are very uncertain"
            )
    fairness = _fairness(pl.concat(fair))
    return BacktestResult(
        sorted(as_of_dates),
        k,
        True,
        "",
        metrics,
        by_date,
        fairness,
        warnings,
        tables={"metrics": metrics, "by_date": by_date, "fairness": fairness},
    )


def _rates(flagged: pl.Expr) -> list[pl.Expr]:
    return [
        (pl.col("found") / flagged).fill_nan(None).alias("precision_at_k"),
        (pl.col("found") / pl.col("positives")).fill_nan(None).alias("recall_at_k"),
    ]


def _fairness(frame: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for dimension in ("sex", "age band", "ethnicity"):
        parts.append(
            frame.group_by(pl.col(dimension).alias("group"))
            .agg(
                pl.len().alias("units"),
                pl.col("flagged").sum(),
                (pl.col("flagged") & pl.col("positive")).sum().alias("flagged_positive"),
                pl.col("positive").sum().alias("positives"),
            )
            .with_columns(
                pl.lit(dimension).alias("dimension"),
                (pl.col("flagged") / pl.col("units")).alias("flag_rate"),
                (pl.col("flagged_positive") / pl.col("flagged")).fill_nan(None).alias("precision"),
            )
            .sort("group")
        )
    return pl.concat(parts).select(
        "dimension",
        "group",
        "units",
        "flagged",
        "flag_rate",
        "positives",
        "flagged_positive",
        "precision",
    )
