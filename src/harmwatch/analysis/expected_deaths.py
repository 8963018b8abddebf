"""Expected deaths per institution and practitioner, period by period.

- :func:`institution_expectations`: an institution's expected deaths per year
  are the partner's ``expected_deaths_per_year``; else its capacity times the
  force's own rate per place for its type (indirect standardisation, as
  :func:`harmwatch.analysis.deaths.institution_funnel`), *when capacity
  explains the deaths of that type*: when the type's institutions' deaths are
  over-dispersed about capacity x rate (Pearson chi-square, Spiegelhalter
  2005), capacity is the wrong yardstick (a hospital's deaths follow its
  catchment, not its beds) and each such institution is instead compared with
  its own rate in a run-in period (the first two years, or the first half of
  the data if shorter), charted from the end of it: Phase I / Phase II of
  statistical process control (Montgomery 2013; Woodall 2006).
- :func:`seasonal_factors`: one annual harmonic fitted to the force's monthly
  death rates (Stolwijk et al. 1999); :func:`period_weights` spreads a yearly
  expectation over the periods with it.
- :func:`practitioner_expectations`: a practitioner's share of the expected
  deaths of the institutions they serve (Aylin et al. 2003).

References
----------
.. [1] Spiegelhalter DJ. Funnel plots for comparing institutional
   performance. Statistics in Medicine 2005; 24:1185-1202 (over-dispersion).
.. [2] Stolwijk AM, Straatman H, Zielhuis GA. Studying seasonality by using
   sine and cosine functions in regression analysis. J Epidemiol Community
   Health 1999; 53:235-238.
.. [3] Aylin P, Best N, Bottle A, Marshall C. Lancet 2003; 362:485-491.
.. [4] Woodall WH. The use of control charts in health-care and public-health
   surveillance. J Qual Technol 2006; 38:89-104 (Phase I and Phase II).
.. [5] Montgomery DC. Introduction to Statistical Quality Control, 7th ed.
   Wiley, 2013.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.counts import YEAR_DAYS
from harmwatch.analysis.data import Period
from harmwatch.analysis.deaths import capacity_baseline_rates, institution_funnel
from harmwatch.analysis.monitoring_result import PeriodKind, period_label

__all__ = [
    "CAPACITY_BASIS",
    "DISPERSION_P",
    "GP_PRACTICE",
    "OWN_RATE_BASIS",
    "RUN_IN_DAYS",
    "InstitutionExpectations",
    "expectation_check",
    "institution_expectations",
    "period_weights",
    "practitioner_expectations",
    "seasonal_factors",
]

GP_PRACTICE = "gp_practice"
CAPACITY_BASIS = "capacity x type baseline"
OWN_RATE_BASIS = "own rate in run-in"
#: Capacity is taken not to explain a type's deaths below this p-value.
DISPERSION_P = 0.01
#: The longest run-in for an institution compared with its own rate (two years).
RUN_IN_DAYS = 731


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


def period_weights(span: Period, period: PeriodKind, seasonal: dict[int, float]) -> pl.DataFrame:
    """``period, years``: the days of the span in each period, each weighted by its month's
    factor, in years (expected deaths per year times ``years`` = expected in the period)."""
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


def expectation_check(table: pl.DataFrame) -> pl.DataFrame:
    """Do observed deaths scatter about their expectations as Poisson counts would?

    Per ``expected_basis`` and ``type``: the institutions, their observed and
    expected totals, Pearson's ``X2 = sum (O - E)^2 / E``, its degrees of
    freedom (one fewer for a capacity basis, whose rate was fitted to those
    same institutions), the dispersion ``X2 / df`` (about 1 when the
    expectation is right) and the chi-square p-value of so much scatter.

    Parameters
    ----------
    table : DataFrame
        ``type, expected_basis, observed, expected`` per institution.

    Returns
    -------
    DataFrame
        ``expected_basis, type, institutions, observed, expected, pearson,
        df, dispersion, p_value``.

    References
    ----------
    .. [1] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    usable = table.filter(pl.col("expected") > 0)
    grouped = (
        usable.group_by("expected_basis", "type")
        .agg(
            pl.len().alias("institutions"),
            pl.col("observed").sum(),
            pl.col("expected").sum(),
            ((pl.col("observed") - pl.col("expected")) ** 2 / pl.col("expected"))
            .sum()
            .alias("pearson"),
        )
        .with_columns(
            (
                pl.col("institutions") - (pl.col("expected_basis") == CAPACITY_BASIS).cast(pl.Int64)
            ).alias("df")
        )
        .with_columns((pl.col("pearson") / pl.col("df")).alias("dispersion"))
        .sort("expected_basis", "type")
    )
    df = grouped["df"].to_numpy()
    p = np.where(df > 0, stats.chi2.sf(grouped["pearson"].to_numpy(), np.maximum(df, 1)), np.nan)
    return grouped.with_columns(pl.Series("p_value", p, dtype=pl.Float64))


class InstitutionExpectations:
    """Each institution's expected deaths per year and where its chart starts.

    Attributes
    ----------
    table : DataFrame
        ``institution_id, name, type, expected_basis, expected_per_year,
        chart_from`` (the first period charted; null: from the start).
    check : DataFrame
        :func:`expectation_check` of the expectations over the whole span.
    baseline_rates : dict of str to float
        Deaths per place per year by type.
    warnings : list of str
    """

    def __init__(
        self,
        table: pl.DataFrame,
        check: pl.DataFrame,
        baseline_rates: dict[str, float],
        warnings: list[str],
    ) -> None:
        self.table = table
        self.check = check
        self.baseline_rates = baseline_rates
        self.warnings = warnings


def _run_in_end(span: Period, period: PeriodKind) -> date:
    """The first day after the run-in: two years, or half the span if shorter, rounded up
    to the start of a period."""
    end = span.start + timedelta(days=min(RUN_IN_DAYS, span.days // 2))
    step = 1 if period == "month" else 3
    month = step * ((end.month - 1) // step) + 1
    start = date(end.year, month, 1)
    if start < end:
        month += step
        start = date(end.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return start


def institution_expectations(
    deaths: pl.DataFrame,
    institutions: pl.DataFrame,
    span: Period,
    period: PeriodKind,
    seasonal: dict[int, float],
) -> InstitutionExpectations:
    """Expected deaths per year for each institution (see the module).

    Parameters
    ----------
    deaths : DataFrame
        ``death_id, date_of_death, institution_id``: every death.
    institutions : DataFrame
        ``institution_id, name, type, capacity, expected_deaths_per_year``.
    span : Period
        The days the data cover.
    period : {"month", "quarter"}
        The charts' period (the run-in ends at a period's start).
    seasonal : dict of int to float
        Month -> relative rate, to weigh the run-in's days.

    Returns
    -------
    InstitutionExpectations

    References
    ----------
    .. [1] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    .. [2] Woodall WH. J Qual Technol 2006; 38:89-104.
    """
    years = span.days / YEAR_DAYS
    baseline = capacity_baseline_rates(deaths, institutions, years)
    funnel, _, notes = institution_funnel(deaths, institutions, span, baseline)
    warnings = [n for n in notes if "no expected deaths" in n]
    table = funnel.filter(pl.col("expected") > 0).select(
        "institution_id",
        "name",
        "type",
        "expected_basis",
        "observed",
        "expected",
        (pl.col("expected") / years).alias("expected_per_year"),
        pl.lit(None, dtype=pl.String).alias("chart_from"),
    )
    check = expectation_check(table)
    misfit = check.filter(
        (pl.col("expected_basis") == CAPACITY_BASIS) & (pl.col("p_value") < DISPERSION_P)
    )["type"].to_list()
    end = _run_in_end(span, period)
    if misfit and end > span.start:
        weights = period_weights(Period(span.start, end), "month", seasonal)
        run_in_years = float(weights["years"].sum())
        own = (
            deaths.filter(pl.col("date_of_death") < end)
            .group_by("institution_id")
            .agg((pl.len() / run_in_years).alias("own_per_year"))
        )
        refit = pl.col("type").is_in(misfit) & (pl.col("expected_basis") == CAPACITY_BASIS)
        table = (
            table.join(own, on="institution_id", how="left")
            .with_columns(
                pl.when(refit)
                .then(pl.lit(OWN_RATE_BASIS))
                .otherwise(pl.col("expected_basis"))
                .alias("expected_basis"),
                pl.when(refit)
                .then(pl.col("own_per_year").fill_null(0.0))
                .otherwise(pl.col("expected_per_year"))
                .alias("expected_per_year"),
                pl.when(refit)
                .then(pl.lit(_label(end, period)))
                .otherwise(pl.col("chart_from"))
                .alias("chart_from"),
            )
            .drop("own_per_year")
        )
        for kind in misfit:
            row = check.filter(pl.col("type") == kind).row(0, named=True)
            warnings.append(
                f"capacity does not explain the deaths at {kind} institutions (dispersion "
                f"{row['dispersion']:.1f} about capacity x the force's rate, p = "
                f"{row['p_value']:.2g}): each is compared with its own rate before {end}, "
                f"and charted from {_label(end, period)}"
            )
        table = table.filter(pl.col("expected_per_year") > 0)
    for row in check.filter(
        (pl.col("expected_basis") != CAPACITY_BASIS) & (pl.col("p_value") < DISPERSION_P)
    ).iter_rows(named=True):
        warnings.append(
            f"deaths at {row['type']} institutions scatter about the partner's expected deaths "
            f"more than chance allows (dispersion {row['dispersion']:.1f}, p = "
            f"{row['p_value']:.2g}): deaths at some are truly in excess, or some expectations "
            "are wrong (an alarm can reflect the expectation rather than the deaths)"
        )
    return InstitutionExpectations(
        table.drop("observed", "expected").sort("institution_id"), check, baseline, warnings
    )


def _label(day: date, period: PeriodKind) -> str:
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
