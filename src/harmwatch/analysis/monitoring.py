"""Death monitoring: deaths per institution and practitioner against expected, period by period.

:func:`death_monitoring` counts the deaths at each institution (care home,
hospital, GP practice, ...) and those certified by each practitioner, month by
month (or quarter by quarter), compares them with the counts expected, and
charts each entity with the Poisson log-likelihood-ratio CUSUM of
:mod:`harmwatch.analysis.sequential`. :func:`monitor_counts` does the same from
counts already aggregated (an analyst's CSV). Every alarm names the deaths
behind it: those of the periods since the chart last stood at zero.

Expected deaths
---------------
An institution's are its ``expected_deaths_per_year``, else its capacity times
the force's own rate per place for its type: exactly
:func:`harmwatch.analysis.deaths.institution_funnel`'s figure, taken over the
whole span of the data and spread over the periods. They follow the force's
season: deaths peak in winter, and a flat expectation would make every winter
look like an excess. The seasonal profile is one annual harmonic fitted to the
force's own monthly death rates (all deaths), scaled to average 1 over a year;
it needs two years of data, else the expectation stays flat (with a warning).

A practitioner's expected deaths are their share of the expected deaths of
each institution they serve. Without attendance records, the share comes from
the practitioner's *home* institution (the GP practice where they certify most
deaths; for those who certify at none, such as a care home's nurses, the
institution where they certify most) and the
share that home's practitioners together take of the deaths at each
institution, split equally among them: the GPs of a practice share its deaths
equally (as Aylin et al. divided a group practice among its partners), the
nurses of a care home share the home's nurse-certified deaths equally, and the
visiting GPs share the rest. A practitioner whose own count runs above their
colleagues' stands out; a whole practice's excess shows on the institution.
Only deaths at monitored institutions count towards a practitioner, so that
observed and expected cover the same deaths.

Co-presence and time of death
-----------------------------
``tables["practitioners"]`` sets each practitioner's deaths (over the whole
span) against what their share predicts, on a Poisson funnel with exact
p-values and Benjamini-Hochberg q-values. ``tables["night_profile"]`` compares,
for each practitioner at each institution, the share of deaths at night
(00:00-05:59) with the share among the other deaths at the same institution
(exact one-sided binomial test). Deaths carry only a date, so the time is that
of the report (``reported_at``), a proxy: a death found in the morning was
reported then. Reports stamped exactly 00:00:00 are taken as date-only.

References
----------
.. [1] Spiegelhalter D, Grigg O, Kinsman R, Treasure T. Risk-adjusted
   sequential probability ratio tests: applications to Bristol, Shipman and
   adult cardiac surgery. Int J Qual Health Care 2003; 15:7-13.
.. [2] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
   system for monitoring mortality rates in primary care. Lancet 2003;
   362:485-491.
.. [3] Spiegelhalter DJ. Funnel plots for comparing institutional
   performance. Statistics in Medicine 2005; 24:1185-1202.
.. [4] Stolwijk AM, Straatman H, Zielhuis GA. Studying seasonality by using
   sine and cosine functions in regression analysis. J Epidemiol Community
   Health 1999; 53:235-238.
.. [5] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine

from harmwatch.analysis.counts import YEAR_DAYS
from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.deaths import capacity_baseline_rates, institution_funnel
from harmwatch.analysis.sequential import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_RELATIVE_RISK,
    cusum,
    poisson_llr,
    wald_threshold,
)
from harmwatch.analysis.smallnumbers import (
    benjamini_hochberg,
    funnel_limits,
    funnel_position,
    json_records,
    poisson_tail_p,
    small_count_warning,
)

__all__ = [
    "NIGHT_HOURS",
    "DeathMonitoring",
    "MonitoredEntity",
    "PeriodKind",
    "death_monitoring",
    "monitor_counts",
    "night_profile",
    "period_label",
    "practitioner_expectations",
    "seasonal_factors",
]

PeriodKind = Literal["month", "quarter"]
#: Hours counted as night in the time-of-death profile: ``start <= hour < end``.
NIGHT_HOURS = (0, 6)
PRACTITIONER = "practitioner"
GP_PRACTICE = "gp_practice"
_COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "entity": pl.String(),
    "entity_kind": pl.String(),
    "period": pl.String(),
    "observed": pl.Int64(),
    "expected": pl.Float64(),
    "death_ids": pl.List(pl.String),
}


def period_label(column: str, period: PeriodKind) -> pl.Expr:
    """Polars expression: a date column as ``"2024-01"`` (month) or ``"2024-Q1"`` (quarter)."""
    day = pl.col(column).cast(pl.Date)
    if period == "month":
        return day.dt.strftime("%Y-%m")
    if period == "quarter":
        return pl.format("{}-Q{}", day.dt.year(), day.dt.quarter())
    raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")


@dataclass
class MonitoredEntity:
    """One institution's or practitioner's chart.

    Attributes
    ----------
    entity, entity_kind : str
        ``institution_id`` and the institution's type, or ``practitioner_id``
        and ``"practitioner"``.
    observed : int
        Deaths over all periods monitored.
    expected : float
        Deaths expected over them.
    path : DataFrame
        ``period, observed, expected, statistic, signal``: the chart.
    alarms : list of dict
        One per signal: ``period`` (when the statistic reached the threshold),
        ``run_start_period`` (first period of the run that built it),
        ``observed`` and ``expected`` over the run, ``death_ids`` (the deaths
        of the run, the evidence behind the alarm).
    """

    entity: str
    entity_kind: str
    observed: int
    expected: float
    path: pl.DataFrame
    alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def signalled(self) -> bool:
        return bool(self.alarms)

    @property
    def first_signal_period(self) -> str | None:
        return str(self.alarms[0]["period"]) if self.alarms else None

    def to_json(self) -> dict[str, Any]:
        """``entity, entity_kind, signalled, first_signal_period, observed, expected,
        statistic`` (the path: records of ``period, observed, expected, statistic``),
        ``alarms`` and ``death_ids`` (those behind every alarm)."""
        ids = sorted({i for alarm in self.alarms for i in alarm["death_ids"]})
        return {
            "entity": self.entity,
            "entity_kind": self.entity_kind,
            "signalled": self.signalled,
            "first_signal_period": self.first_signal_period,
            "observed": self.observed,
            "expected": round(self.expected, 4),
            "statistic": json_records(
                self.path.select(
                    "period", "observed", pl.col("expected").round(4), pl.col("statistic").round(4)
                )
            ),
            "alarms": self.alarms,
            "death_ids": ids,
        }


@dataclass
class DeathMonitoring:
    """Sequential monitoring of deaths by institution and practitioner.

    Attributes
    ----------
    available : bool
        False when there is nothing to monitor (``reason`` says why).
    reason : str
        Why not available.
    period : str
        ``"month"`` or ``"quarter"``.
    periods : list of str
        The periods charted, oldest first.
    relative_risk, alpha, beta : float
        The chart's settings; ``threshold`` is ``ln((1 - beta) / alpha)``.
    threshold : float
        ``h``.
    entities : list of MonitoredEntity
        Every chart (institutions first, then practitioners).
    tables : dict of str to DataFrame
        ``funnel`` (entity, entity_kind, observed, expected, ratio, funnel
        limits on the count scale, position, p_value: exact ``P(X >=
        observed)``, q_value); from a store also ``institutions`` (the
        institution's expectation and its basis), ``practitioners``
        (practitioner_id, home_institution, colleagues, expected_per_year,
        observed, expected, ratio, p_value, q_value, position) and
        ``night_profile`` (see :func:`night_profile`).
    baseline_rates : dict of str to float
        Deaths per place of capacity per year by institution type.
    seasonal : dict of int to float
        Month (1-12) -> relative death rate (1 = the year's average).
    warnings : list of str
        Plain-words cautions.
    """

    available: bool
    reason: str = ""
    period: str = "month"
    periods: list[str] = field(default_factory=list)
    relative_risk: float = DEFAULT_RELATIVE_RISK
    alpha: float = DEFAULT_ALPHA
    beta: float = DEFAULT_BETA
    threshold: float = field(default_factory=lambda: wald_threshold())
    entities: list[MonitoredEntity] = field(default_factory=list)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    baseline_rates: dict[str, float] = field(default_factory=dict)
    seasonal: dict[int, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def alarms(self) -> list[MonitoredEntity]:
        """The entities whose chart signalled."""
        return [e for e in self.entities if e.signalled]

    def entities_json(self) -> list[dict[str, Any]]:
        """The charts as a list of records (what ``harmwatch deaths monitor --json`` prints)."""
        return [e.to_json() for e in self.entities]

    def to_json(self) -> dict[str, Any]:
        """``available, reason, period, periods, relative_risk, alpha, beta, threshold,
        entities`` (:meth:`entities_json`), the tables as records, ``baseline_rates``,
        ``seasonal``, ``warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "period": self.period,
            "periods": self.periods,
            "relative_risk": self.relative_risk,
            "alpha": self.alpha,
            "beta": self.beta,
            "threshold": self.threshold,
            "entities": self.entities_json(),
            **{name: json_records(table) for name, table in self.tables.items()},
            "baseline_rates": self.baseline_rates,
            "seasonal": {str(m): f for m, f in self.seasonal.items()},
            "warnings": list(self.warnings),
        }


def monitor_counts(
    counts: pl.DataFrame,
    *,
    period: str = "month",
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float = DEFAULT_ALPHA,
    beta: float = DEFAULT_BETA,
) -> DeathMonitoring:
    """Chart each entity's counts against expected with the Poisson CUSUM.

    Parameters
    ----------
    counts : DataFrame
        ``entity, period, observed, expected``; optional ``entity_kind`` and
        ``death_ids`` (list of str). Periods are labels that sort in time
        order (``2024-01``, ``2024-Q1``, ISO dates); one row per entity and
        period. An entity's missing periods add nothing to its chart.
    period : str
        What a period is, for the result.
    relative_risk : float
        The alternative ``R`` (the "odds ratio", default 2).
    alpha, beta : float
        Wald's nominal error rates: ``h = ln((1 - beta) / alpha)``.

    Returns
    -------
    DeathMonitoring

    References
    ----------
    .. [1] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.
    .. [2] Aylin P et al. Lancet 2003; 362:485-491.
    .. [3] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    h = wald_threshold(alpha, beta)
    result = DeathMonitoring(
        available=False,
        period=period,
        relative_risk=relative_risk,
        alpha=alpha,
        beta=beta,
        threshold=h,
    )
    if counts.is_empty():
        result.reason = "no counts to monitor"
        return result
    frame = counts
    if "entity_kind" not in frame.columns:
        frame = frame.with_columns(pl.lit("entity").alias("entity_kind"))
    if "death_ids" not in frame.columns:
        frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("death_ids"))
    frame = frame.select(pl.col(c).cast(t) for c, t in _COUNTS_SCHEMA.items())
    periods = sorted(frame["period"].unique().to_list())
    kinds = frame.group_by("entity", maintain_order=True).agg(pl.col("entity_kind").first())
    entities = kinds["entity"].to_list()
    row = {e: i for i, e in enumerate(entities)}
    col = {p: j for j, p in enumerate(periods)}
    shape = (len(entities), len(periods))
    observed, expected = np.zeros(shape), np.zeros(shape)
    present = np.zeros(shape, dtype=bool)
    r = np.array([row[e] for e in frame["entity"]], dtype=np.int64)
    c = np.array([col[p] for p in frame["period"]], dtype=np.int64)
    observed[r, c] = frame["observed"].to_numpy()
    expected[r, c] = frame["expected"].to_numpy()
    present[r, c] = True
    chart = cusum(poisson_llr(observed, expected, relative_risk), h)
    ids: dict[tuple[int, int], list[str]] = {
        (int(i), int(j)): list(d)
        for i, j, d in zip(r, c, frame["death_ids"].to_list(), strict=True)
        if d
    }
    cum_o = np.cumsum(observed, axis=1)
    cum_e = np.cumsum(expected, axis=1)
    for i, (entity, kind) in enumerate(kinds.iter_rows()):
        keep = present[i]
        path = pl.DataFrame(
            {
                "period": [p for p, k in zip(periods, keep, strict=True) if k],
                "observed": observed[i, keep].astype(np.int64),
                "expected": expected[i, keep],
                "statistic": chart.statistic[i, keep],
                "signal": chart.signal[i, keep],
            }
        )
        item = MonitoredEntity(
            entity=str(entity),
            entity_kind=str(kind),
            observed=int(observed[i].sum()),
            expected=float(expected[i].sum()),
            path=path,
        )
        for t in np.flatnonzero(chart.signal[i]):
            s = int(chart.run_start[i, t])
            run_o = int(cum_o[i, t] - (cum_o[i, s - 1] if s else 0))
            run_e = float(cum_e[i, t] - (cum_e[i, s - 1] if s else 0.0))
            deaths = sorted(d for j in range(s, int(t) + 1) for d in ids.get((i, j), []))
            item.alarms.append(
                {
                    "period": periods[t],
                    "run_start_period": periods[s],
                    "observed": run_o,
                    "expected": round(run_e, 4),
                    "statistic": round(float(chart.statistic[i, t]), 4),
                    "death_ids": deaths,
                }
            )
            note = small_count_warning(run_o, f"deaths behind the alarm for {entity}")
            if note:
                result.warnings.append(note)
        result.entities.append(item)
    result.available = True
    result.periods = periods
    result.tables["funnel"] = _funnel(
        pl.DataFrame(
            {
                "entity": entities,
                "entity_kind": kinds["entity_kind"].to_list(),
                "observed": observed.sum(axis=1).astype(np.int64),
                "expected": expected.sum(axis=1),
            }
        )
    )
    return result


def _funnel(totals: pl.DataFrame) -> pl.DataFrame:
    """Observed against expected totals on a Poisson funnel (exact p, BH q)."""
    e = totals["expected"].to_numpy()
    usable = np.isfinite(e) & (e > 0)
    safe = np.where(usable, e, 1.0)
    o = totals["observed"].to_numpy()
    limits = funnel_limits(safe)
    columns = {}
    for level, (lower, upper) in limits.limits.items():
        tag = f"{level * 100:g}".replace(".", "_")
        columns[f"lower_{tag}"] = np.where(usable, lower, np.nan)
        columns[f"upper_{tag}"] = np.where(usable, upper, np.nan)
    p_upper = np.where(usable, poisson_tail_p(o, safe)[0], np.nan)
    positions = [p if u else None for p, u in zip(funnel_position(o, safe), usable, strict=True)]
    return totals.with_columns(
        (pl.col("observed") / pl.col("expected")).alias("ratio"),
        *(pl.Series(name, values) for name, values in columns.items()),
        pl.Series("position", positions, dtype=pl.String),
        pl.Series("p_value", p_upper),
        pl.Series("q_value", benjamini_hochberg(p_upper)),
    )


def seasonal_factors(dates: pl.Series, span: Period) -> tuple[dict[int, float], list[str]]:
    """The force's relative death rate by calendar month: one annual harmonic.

    Fits ``rate_m = a + b cos(theta_m) + c sin(theta_m)`` (``theta_m`` the
    month's mid-point angle) to the daily death rate of each calendar month by
    least squares weighted by the days covered, then scales it to average 1
    over a year. Flat (all 1) with a warning when the span is under two years
    or holds fewer than 100 deaths.

    Parameters
    ----------
    dates : Series of date
        Every death's date.
    span : Period
        The days covered by the data.

    Returns
    -------
    factors : dict of int to float
        Month 1-12 -> factor.
    warnings : list of str

    References
    ----------
    .. [1] Stolwijk AM, Straatman H, Zielhuis GA. J Epidemiol Community
       Health 1999; 53:235-238.
    """
    flat = {m: 1.0 for m in range(1, 13)}
    if span.days < 730 or dates.len() < 100:
        return flat, [
            "expected deaths are not adjusted for season: fewer than two years or 100 deaths "
            "to estimate the winter peak from, so winter months may look high"
        ]
    days = pl.date_range(span.start, span.end - timedelta(days=1), "1d", eager=True)
    covered = days.dt.month().value_counts().sort(days.name)
    count = dates.dt.month().value_counts().sort(dates.name)
    months = np.arange(1, 13)
    n_days = np.zeros(12)
    n_days[covered[days.name].to_numpy() - 1] = covered["count"].to_numpy()
    n_deaths = np.zeros(12)
    n_deaths[count[dates.name].to_numpy() - 1] = count["count"].to_numpy()
    rate = n_deaths / np.maximum(n_days, 1)
    theta = 2 * math.pi * (months - 0.5) / 12
    design = np.c_[np.ones(12), np.cos(theta), np.sin(theta)]
    w = np.sqrt(n_days)
    coef, *_ = np.linalg.lstsq(design * w[:, None], rate * w, rcond=None)
    fitted = np.maximum(design @ coef, 1e-9)
    month_days = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    fitted = fitted / (fitted @ month_days / month_days.sum())
    return {int(m): float(f) for m, f in zip(months, fitted, strict=True)}, []


def _period_weights(span: Period, period: PeriodKind, seasonal: dict[int, float]) -> pl.DataFrame:
    """Per period: the days of the span in it, each weighted by its month's factor."""
    days = pl.DataFrame(
        {"day": pl.date_range(span.start, span.end - timedelta(days=1), "1d", eager=True)}
    )
    factor = pl.DataFrame(
        {"month": list(seasonal), "factor": list(seasonal.values())},
        schema={"month": pl.Int8, "factor": pl.Float64},
    )
    return (
        days.with_columns(
            period_label("day", period).alias("period"),
            pl.col("day").dt.month().cast(pl.Int8).alias("month"),
        )
        .join(factor, on="month", how="left")
        .group_by("period")
        .agg((pl.col("factor").sum() / YEAR_DAYS).alias("years"))
        .sort("period")
    )


def practitioner_expectations(deaths: pl.DataFrame, yearly: pl.DataFrame) -> pl.DataFrame:
    """Each practitioner's expected deaths per year: their share of their institutions'.

    Parameters
    ----------
    deaths : DataFrame
        ``practitioner_id, institution_id``: every death at a monitored
        institution (with or without a practitioner).
    yearly : DataFrame
        ``institution_id, type, expected_per_year``.

    Returns
    -------
    DataFrame
        ``practitioner_id, home_institution, colleagues`` (practitioners with
        the same home, self included), ``expected_per_year``.

    Notes
    -----
    A practitioner's home is the GP practice at which they certify most deaths
    (a GP belongs to a practice and visits care homes from it); failing any,
    the institution at which they certify most (a care home's nurse).
    The share of practitioner ``p`` (home ``h``, with ``n_h`` practitioners)
    at institution ``j`` is ``D_hj / (n_h D_j)``: the deaths at ``j``
    certified by practitioners of ``h`` over all deaths at ``j``, split
    equally. ``expected_per_year = sum_j share_pj * E_j``.

    References
    ----------
    .. [1] Aylin P et al. Lancet 2003; 362:485-491 (deaths attributed to
       the GPs of a practice).
    """
    at = deaths.filter(pl.col("institution_id").is_in(yearly["institution_id"].implode()))
    certified = at.filter(pl.col("practitioner_id").is_not_null())
    kinds = yearly.select("institution_id", (pl.col("type") == GP_PRACTICE).alias("practice"))
    home = (
        certified.group_by("practitioner_id", "institution_id")
        .len()
        .join(kinds, on="institution_id")
        .sort(
            ["practitioner_id", "practice", "len", "institution_id"],
            descending=[False, True, True, False],
        )
        .group_by("practitioner_id", maintain_order=True)
        .first()
        .select("practitioner_id", pl.col("institution_id").alias("home_institution"))
    )
    home = home.with_columns(pl.len().over("home_institution").alias("colleagues"))
    total = at.group_by("institution_id").agg(pl.len().alias("deaths_at"))
    share = (
        certified.join(home, on="practitioner_id")
        .group_by("home_institution", "institution_id")
        .agg(pl.len().alias("group_deaths"), pl.col("colleagues").first())
        .join(total, on="institution_id")
        .join(yearly.select("institution_id", "expected_per_year"), on="institution_id")
        .with_columns(
            (
                pl.col("group_deaths")
                / (pl.col("colleagues") * pl.col("deaths_at"))
                * pl.col("expected_per_year")
            ).alias("expected_per_year")
        )
        .group_by("home_institution")
        .agg(pl.col("expected_per_year").sum())
    )
    return home.join(share, on="home_institution", how="left").sort("practitioner_id")


def night_profile(deaths: pl.DataFrame, night: tuple[int, int] = NIGHT_HOURS) -> pl.DataFrame:
    """Each practitioner's share of deaths at night against their institution's other deaths.

    Parameters
    ----------
    deaths : DataFrame
        ``death_id, reported_at, institution_id, practitioner_id``.
    night : (int, int)
        Night hours, ``start <= hour < end``.

    Returns
    -------
    DataFrame
        ``practitioner_id, institution_id, deaths, at_night, share, others,
        others_at_night, norm`` (``(others_at_night + 0.5) / (others + 1)``,
        never 0), ``p_value`` (exact binomial ``P(X >= at_night)``,
        ``X ~ Bin(deaths, norm)``), ``q_value`` (Benjamini-Hochberg),
        ``night_death_ids``; deaths without a reported time are left out.

    References
    ----------
    .. [1] Clopper CJ, Pearson ES. Biometrika 1934; 26:404-413 (exact
       binomial).
    .. [2] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300.
    """
    timed = deaths.filter(
        pl.col("reported_at").is_not_null()
        & pl.col("institution_id").is_not_null()
        & (pl.col("reported_at").dt.time() != pl.time(0, 0, 0))
    ).with_columns(
        pl.col("reported_at").dt.hour().is_between(night[0], night[1] - 1).alias("night")
    )
    by_inst = timed.group_by("institution_id").agg(
        pl.len().alias("all"), pl.col("night").sum().alias("all_night")
    )
    table = (
        timed.filter(pl.col("practitioner_id").is_not_null())
        .group_by("practitioner_id", "institution_id")
        .agg(
            pl.len().alias("deaths"),
            pl.col("night").sum().cast(pl.Int64).alias("at_night"),
            pl.col("death_id").filter(pl.col("night")).sort().alias("night_death_ids"),
        )
        .join(by_inst, on="institution_id")
        .with_columns(
            (pl.col("at_night") / pl.col("deaths")).alias("share"),
            (pl.col("all") - pl.col("deaths")).alias("others"),
            (pl.col("all_night") - pl.col("at_night")).cast(pl.Int64).alias("others_at_night"),
        )
        .with_columns(((pl.col("others_at_night") + 0.5) / (pl.col("others") + 1)).alias("norm"))
        .drop("all", "all_night")
        .sort("practitioner_id", "institution_id")
    )
    k = table["at_night"].to_numpy()
    p = np.asarray(stats.binom.sf(k - 1, table["deaths"].to_numpy(), table["norm"].to_numpy()))
    p = np.where(k > 0, p, 1.0)
    return table.with_columns(
        pl.Series("p_value", p, dtype=pl.Float64),
        pl.Series("q_value", benjamini_hochberg(p), dtype=pl.Float64),
    ).select(
        "practitioner_id",
        "institution_id",
        "deaths",
        "at_night",
        "share",
        "others",
        "others_at_night",
        "norm",
        "p_value",
        "q_value",
        "night_death_ids",
    )


def death_monitoring(
    engine: Engine,
    *,
    period: PeriodKind = "month",
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float = DEFAULT_ALPHA,
    beta: float = DEFAULT_BETA,
    seasonal: bool = True,
) -> DeathMonitoring:
    """Monitor the deaths in the store by institution and practitioner (see the module).

    Parameters
    ----------
    engine : Engine
        The store.
    period : {"month", "quarter"}
        The charts' period.
    relative_risk : float
        The alternative ``R`` (default 2: a doubling).
    alpha, beta : float
        Wald's nominal error rates: ``h = ln((1 - beta) / alpha)``.
    seasonal : bool
        Spread expected deaths over the year as the force's deaths are
        (default), rather than evenly.

    Returns
    -------
    DeathMonitoring

    References
    ----------
    .. [1] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.
    .. [2] Aylin P et al. Lancet 2003; 362:485-491.
    """
    deaths = read_kind(
        engine,
        "deaths",
        columns=["death_id", "date_of_death", "reported_at", "institution_id", "practitioner_id"],
    ).filter(pl.col("date_of_death").is_not_null())
    if deaths.is_empty():
        return DeathMonitoring(
            available=False,
            reason="no death reports are loaded",
            period=period,
            relative_risk=relative_risk,
            alpha=alpha,
            beta=beta,
            threshold=wald_threshold(alpha, beta),
        )
    institutions = read_kind(
        engine,
        "institutions",
        columns=["institution_id", "name", "type", "capacity", "expected_deaths_per_year"],
    )
    first: date = deaths["date_of_death"].min()  # type: ignore[assignment]
    last: date = deaths["date_of_death"].max()  # type: ignore[assignment]
    span = Period(first, last + timedelta(days=1))
    years = span.days / YEAR_DAYS
    baseline = capacity_baseline_rates(deaths, institutions, years)
    table, _, notes = institution_funnel(deaths, institutions, span, baseline)
    yearly = table.filter(pl.col("expected") > 0).select(
        "institution_id",
        "name",
        "type",
        "expected_basis",
        (pl.col("expected") / years).alias("expected_per_year"),
    )
    warnings = [n for n in notes if "no expected deaths" in n]
    factors = {m: 1.0 for m in range(1, 13)}
    if seasonal:
        factors, notes = seasonal_factors(deaths["date_of_death"], span)
        warnings.extend(notes)
    weights = _period_weights(span, period, factors)
    labelled = deaths.with_columns(period_label("date_of_death", period).alias("period"))
    monitored = labelled.filter(pl.col("institution_id").is_in(yearly["institution_id"].implode()))
    practitioners = practitioner_expectations(
        monitored, yearly.select("institution_id", "type", "expected_per_year")
    )
    entities = pl.concat(
        [
            yearly.select(
                pl.col("institution_id").alias("entity"),
                pl.col("type").alias("entity_kind"),
                "expected_per_year",
            ),
            practitioners.select(
                pl.col("practitioner_id").alias("entity"),
                pl.lit(PRACTITIONER).alias("entity_kind"),
                pl.col("expected_per_year").fill_null(0.0),
            ),
        ]
    )
    observed = (
        pl.concat(
            [
                monitored.select(pl.col("institution_id").alias("entity"), "period", "death_id"),
                monitored.filter(pl.col("practitioner_id").is_not_null()).select(
                    pl.col("practitioner_id").alias("entity"), "period", "death_id"
                ),
            ]
        )
        .group_by("entity", "period")
        .agg(
            pl.len().cast(pl.Int64).alias("observed"), pl.col("death_id").sort().alias("death_ids")
        )
    )
    counts = (
        entities.join(weights, how="cross")
        .join(observed, on=["entity", "period"], how="left")
        .select(
            "entity",
            "entity_kind",
            "period",
            pl.col("observed").fill_null(0),
            (pl.col("expected_per_year") * pl.col("years")).alias("expected"),
            pl.col("death_ids").fill_null([]),
        )
    )
    result = monitor_counts(
        counts, period=period, relative_risk=relative_risk, alpha=alpha, beta=beta
    )
    result.baseline_rates = baseline
    result.seasonal = factors
    result.warnings = warnings + result.warnings
    result.tables["institutions"] = yearly
    funnel = result.tables["funnel"].filter(pl.col("entity_kind") == PRACTITIONER)
    result.tables["practitioners"] = practitioners.join(
        funnel.select(
            pl.col("entity").alias("practitioner_id"),
            "observed",
            "expected",
            "ratio",
            "p_value",
            "q_value",
            "position",
        ),
        on="practitioner_id",
        how="left",
    )
    result.tables["night_profile"] = night_profile(monitored)
    result.warnings.append(
        "time of death is taken from when the death was reported (reported_at): deaths "
        "carry only a date"
    )
    return result
