"""Death monitoring: deaths per institution and practitioner against expected, period by period.

:func:`death_monitoring` counts the deaths at each institution (care home,
hospital, GP practice, ...) and those certified by each practitioner, month by
month (or quarter by quarter), compares them with the counts expected, and
charts each entity with the Poisson log-likelihood-ratio CUSUM of
:mod:`harmwatch.analysis.sequential`. :func:`monitor_counts` does the same from
counts already aggregated (an analyst's CSV). Every alarm names the deaths
behind it: those of the periods since the chart last stood at zero.

Thresholds
----------
By default each chart's threshold ``h`` is set by simulation
(:mod:`harmwatch.analysis.thresholds`; Aylin et al. 2003, Bottle and Aylin
2011) so that, over the horizon charted, the institutions in control raise
more than one false alarm between them with probability 5% (each institution's
chart then takes the same small chance, whatever its size), and each
practitioner's chart signals falsely with probability 5%. With ``alpha`` (or
``beta``) given, every chart uses Wald's ``h = ln((1 - beta) / alpha)`` instead.

Expected deaths
---------------
See :mod:`harmwatch.analysis.expected_deaths`: the partner's expected deaths,
else capacity times the force's rate for the type when capacity explains the
deaths of that type, else the institution's own rate in a run-in period;
spread over the year with the force's seasonal profile; a practitioner's
expectation is their share of the expected deaths of the institutions they
serve.

Co-presence and time of death
-----------------------------
``tables["practitioners"]`` sets each practitioner's deaths (over the whole
span) against what their share predicts, on a Poisson funnel with exact
p-values and Benjamini-Hochberg q-values. ``tables["night_profile"]``: see
:mod:`harmwatch.analysis.night_profile`.

References
----------
.. [1] Spiegelhalter D, Grigg O, Kinsman R, Treasure T. Risk-adjusted
   sequential probability ratio tests: applications to Bristol, Shipman and
   adult cardiac surgery. Int J Qual Health Care 2003; 15:7-13.
.. [2] Aylin P, Best N, Bottle A, Marshall C. Following Shipman: a pilot
   system for monitoring mortality rates in primary care. Lancet 2003;
   362:485-491.
.. [3] Bottle A, Aylin P. Predicting the false alarm rate in multi-institution
   mortality monitoring. J Oper Res Soc 2011; 62:1711-1718.
.. [4] Spiegelhalter DJ. Funnel plots for comparing institutional
   performance. Statistics in Medicine 2005; 24:1185-1202.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import Period, read_kind
from harmwatch.analysis.expected_deaths import (
    institution_expectations,
    period_weights,
    practitioner_expectations,
    seasonal_factors,
)
from harmwatch.analysis.monitoring_result import (
    PRACTITIONER,
    DeathMonitoring,
    MonitoredEntity,
    PeriodKind,
    funnel_table,
    period_label,
)
from harmwatch.analysis.night_profile import NIGHT_HOURS, night_profile
from harmwatch.analysis.sequential import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_RELATIVE_RISK,
    cusum,
    poisson_llr,
    wald_threshold,
)
from harmwatch.analysis.smallnumbers import small_count_warning
from harmwatch.analysis.thresholds import (
    DEFAULT_FAMILY_ERROR,
    DEFAULT_PRACTITIONER_FALSE_ALARM,
    DEFAULT_SIMULATIONS,
    DEFAULT_TOLERATED_FALSE_ALARMS,
    calibrated_thresholds,
    per_chart_rate,
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

_COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "entity": pl.String(),
    "entity_kind": pl.String(),
    "period": pl.String(),
    "observed": pl.Int64(),
    "expected": pl.Float64(),
    "death_ids": pl.List(pl.String),
}


def monitor_counts(
    counts: pl.DataFrame,
    *,
    period: str = "month",
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float | None = None,
    beta: float | None = None,
    family_error: float = DEFAULT_FAMILY_ERROR,
    tolerated_false_alarms: int = DEFAULT_TOLERATED_FALSE_ALARMS,
    practitioner_false_alarm: float = DEFAULT_PRACTITIONER_FALSE_ALARM,
    simulations: int = DEFAULT_SIMULATIONS,
    seed: int = 0,
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
    alpha, beta : float, optional
        Wald's nominal error rates. Given either, every chart uses ``h =
        ln((1 - beta) / alpha)`` (the other defaulting to 0.01); by default
        each chart's ``h`` is set by simulation instead.
    family_error, tolerated_false_alarms : float, int
        The charts that are not practitioners' (``entity_kind`` other than
        ``"practitioner"``) raise more than ``tolerated_false_alarms`` false
        alarms over the horizon with probability ``family_error`` when all
        are in control (default: more than one, 5%).
    practitioner_false_alarm : float
        Each practitioner chart's chance of a false alarm over the horizon.
    simulations, seed : int
        Simulated in-control charts per profile, and the seed.

    Returns
    -------
    DeathMonitoring

    References
    ----------
    .. [1] Spiegelhalter D et al. Int J Qual Health Care 2003; 15:7-13.
    .. [2] Aylin P et al. Lancet 2003; 362:485-491.
    .. [3] Bottle A, Aylin P. J Oper Res Soc 2011; 62:1711-1718.
    .. [4] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    wald = alpha is not None or beta is not None
    result = DeathMonitoring(
        available=False,
        period=period,
        relative_risk=relative_risk,
        threshold_method="wald" if wald else "simulated",
        family_error=family_error,
        tolerated_false_alarms=tolerated_false_alarms,
        practitioner_false_alarm=practitioner_false_alarm,
        simulations=simulations,
        seed=seed,
    )
    if wald:
        result.alpha = DEFAULT_ALPHA if alpha is None else alpha
        result.beta = DEFAULT_BETA if beta is None else beta
        result.threshold = wald_threshold(result.alpha, result.beta)
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
    is_practitioner = (kinds["entity_kind"] == PRACTITIONER).to_numpy()
    rates = np.full(len(entities), np.nan)
    if wald:
        assert result.threshold is not None
        h = np.full(len(entities), result.threshold)
    else:
        others = int((~is_practitioner).sum())
        if others:
            result.institution_false_alarm = per_chart_rate(
                others, family_error, tolerated_false_alarms
            )
        rates = np.where(
            is_practitioner, practitioner_false_alarm, result.institution_false_alarm or 0.5
        )
        h = calibrated_thresholds(
            expected, rates, relative_risk=relative_risk, simulations=simulations, seed=seed
        )
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
            threshold=float(h[i]),
            false_alarm_rate=None if wald else float(rates[i]),
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
    result.tables["funnel"] = funnel_table(
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


def death_monitoring(
    engine: Engine,
    *,
    period: PeriodKind = "month",
    relative_risk: float = DEFAULT_RELATIVE_RISK,
    alpha: float | None = None,
    beta: float | None = None,
    family_error: float = DEFAULT_FAMILY_ERROR,
    tolerated_false_alarms: int = DEFAULT_TOLERATED_FALSE_ALARMS,
    practitioner_false_alarm: float = DEFAULT_PRACTITIONER_FALSE_ALARM,
    simulations: int = DEFAULT_SIMULATIONS,
    seed: int = 0,
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
    alpha, beta, family_error, tolerated_false_alarms, practitioner_false_alarm
        The thresholds, as :func:`monitor_counts`; the horizon is the span of
        the deaths loaded.
    simulations, seed : int
        Of the threshold simulation.
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
    charts = partial(
        monitor_counts,
        period=period,
        relative_risk=relative_risk,
        alpha=alpha,
        beta=beta,
        family_error=family_error,
        tolerated_false_alarms=tolerated_false_alarms,
        practitioner_false_alarm=practitioner_false_alarm,
        simulations=simulations,
        seed=seed,
    )
    deaths = read_kind(
        engine,
        "deaths",
        columns=["death_id", "date_of_death", "reported_at", "institution_id", "practitioner_id"],
    ).filter(pl.col("date_of_death").is_not_null())
    if deaths.is_empty():
        empty = charts(pl.DataFrame(schema=_COUNTS_SCHEMA))
        empty.reason = "no death reports are loaded"
        return empty
    institutions = read_kind(
        engine,
        "institutions",
        columns=["institution_id", "name", "type", "capacity", "expected_deaths_per_year"],
    )
    first: date = deaths["date_of_death"].min()  # type: ignore[assignment]
    last: date = deaths["date_of_death"].max()  # type: ignore[assignment]
    span = Period(first, last + timedelta(days=1))
    warnings: list[str] = []
    factors = {m: 1.0 for m in range(1, 13)}
    if seasonal:
        factors, notes = seasonal_factors(deaths["date_of_death"], span)
        warnings.extend(notes)
    expectations = institution_expectations(deaths, institutions, span, period, factors)
    warnings.extend(expectations.warnings)
    yearly = expectations.table
    weights = period_weights(span, period, factors)
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
                "chart_from",
            ),
            practitioners.select(
                pl.col("practitioner_id").alias("entity"),
                pl.lit(PRACTITIONER).alias("entity_kind"),
                pl.col("expected_per_year").fill_null(0.0),
                pl.lit(None, dtype=pl.String).alias("chart_from"),
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
        .filter(pl.col("chart_from").is_null() | (pl.col("period") >= pl.col("chart_from")))
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
    result = charts(counts)
    result.baseline_rates = expectations.baseline_rates
    result.seasonal = factors
    result.warnings = warnings + result.warnings
    result.tables["institutions"] = yearly
    result.tables["expectation_check"] = expectations.check
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
