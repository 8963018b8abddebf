"""When in the year harm happens: counts by calendar month against an even spread.

:func:`seasonality_from_frame` counts records by calendar month and tests
whether they are spread evenly, allowing for the days each calendar month
contributes to the span of the data (Pearson's chi-square goodness of fit).
The result is a :class:`Seasonality`.

References
----------
.. [1] Pearson K. On the criterion that a given system of deviations from the
   probable ... Philosophical Magazine 1900; 50:157-175 (chi-square test).
.. [2] Edwards JH. The recognition and estimation of cyclic trends. Annals of
   Human Genetics 1961; 25:83-87 (seasonality of counts by month; the
   unequal-length months handled here by days at risk).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.precision import MONTH_PRECISE, excluded_by_precision
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    VERDICT_THRESHOLDS,
    format_p,
    json_records,
)

__all__ = ["MONTHS", "Seasonality", "seasonality_from_frame"]

#: Month abbreviations, January first.
MONTHS = tuple(calendar.month_abbr[m] for m in range(1, 13))


@dataclass
class Seasonality:
    """Counts by calendar month against an even spread, allowing for month length.

    Attributes
    ----------
    available : bool
        False when no record is precise to the month (``reason`` says why).
    reason : str
    what : str
        What was counted.
    span : tuple of date or None
        First and last day covered: the first and last record's days, the
        last record's whole month when it is dated only to the month.
    tables : dict of str to DataFrame
        ``by_month`` (month 1-12, name, observed, days, expected, ratio) and
        ``series`` (year_month "YYYY-MM", count).
    chi2, df, p_value : float, int, float
        Pearson's test that counts are proportional to the days each
        calendar month has in the span.
    verdict : str
        In plain words.
    peak_month : int or None
        Calendar month (1-12) with the highest observed / expected.
    n_used : int
    excluded : dict of str to int
        Records coarser than a month, by precision.
    warnings : list of str
    """

    available: bool
    reason: str = ""
    what: str = ""
    span: tuple[date, date] | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    chi2: float | None = None
    df: int = 11
    p_value: float | None = None
    verdict: str = ""
    peak_month: int | None = None
    n_used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``available, reason, what, span, by_month, series, chi2, df, p_value, verdict,
        peak_month, n_used, excluded, warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "what": self.what,
            "span": None if self.span is None else [d.isoformat() for d in self.span],
            **{name: json_records(table) for name, table in self.tables.items()},
            "chi2": self.chi2,
            "df": self.df,
            "p_value": self.p_value,
            "verdict": self.verdict,
            "peak_month": None if self.peak_month is None else MONTHS[self.peak_month - 1],
            "n_used": self.n_used,
            "excluded": dict(self.excluded),
            "warnings": list(self.warnings),
        }


def seasonality_from_frame(frame: pl.DataFrame, when: str, *, what: str = "records") -> Seasonality:
    """Seasonality by calendar month from a frame with ``when`` and ``date_precision``.

    The span runs from the first record's day to the last's (to the end of its
    month when the last is dated only to the month); each calendar month's
    expected count is the total times its share of the
    span's days (so February, and months the span covers fewer times, expect
    fewer). The test is Pearson's chi-square with 11 degrees of freedom.

    References
    ----------
    .. [1] Pearson K. Philosophical Magazine 1900; 50:157-175.
    .. [2] Edwards JH. Annals of Human Genetics 1961; 25:83-87.
    """
    usable = frame.filter(pl.col("date_precision").is_in(MONTH_PRECISE))
    excluded = excluded_by_precision(frame, MONTH_PRECISE)
    result = Seasonality(available=not usable.is_empty(), what=what, excluded=excluded)
    if excluded:
        result.warnings.append(
            f"{sum(excluded.values())} {what} are dated only to the year and are left out"
        )
    if usable.is_empty():
        result.reason = f"no {what} are dated to the month or better"
        return result
    days = usable.select(pl.col(when).cast(pl.Date).alias("d"))["d"]
    first_day: date = days.min()  # type: ignore[assignment]
    last_day: date = days.max()  # type: ignore[assignment]
    # Day-precise data span first to last day; a newest record dated only to the
    # month stands for its whole month.
    newest = usable.filter(pl.col(when).cast(pl.Date) == last_day)["date_precision"]
    start = first_day
    end = last_day
    if (newest == "month").any():
        month_end = calendar.monthrange(last_day.year, last_day.month)[1]
        end = date(last_day.year, last_day.month, month_end)
    result.span = (start, end)
    span = pl.date_range(start, end, interval="1d", eager=True)
    at_risk = span.dt.month().value_counts().rename({span.name: "month", "count": "days"})
    observed = days.dt.month().value_counts().rename({"d": "month", "count": "observed"})
    table = (
        pl.DataFrame({"month": list(range(1, 13)), "name": list(MONTHS)})
        .with_columns(pl.col("month").cast(pl.Int8))
        .join(at_risk.with_columns(pl.col("month").cast(pl.Int8)), on="month", how="left")
        .join(observed.with_columns(pl.col("month").cast(pl.Int8)), on="month", how="left")
        .with_columns(pl.col("days").fill_null(0), pl.col("observed").fill_null(0).cast(pl.Int64))
    )
    n = int(table["observed"].sum())
    table = table.with_columns(
        (n * pl.col("days") / pl.col("days").sum()).alias("expected")
    ).with_columns((pl.col("observed") / pl.col("expected")).alias("ratio"))
    result.n_used = n
    series = (
        usable.group_by(pl.col(when).dt.strftime("%Y-%m").alias("year_month"))
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .sort("year_month")
    )
    result.tables = {"by_month": table, "series": series}
    covered = table.filter(pl.col("days") > 0)
    obs = covered["observed"].to_numpy().astype(np.float64)
    exp = covered["expected"].to_numpy()
    result.df = len(obs) - 1
    months_in_span = len(series)
    if months_in_span < 12 or n < SMALL_COUNT:
        result.verdict = "too little data to judge seasonality"
        result.warnings.append(
            f"{months_in_span} months and {n} {what}: seasonality needs at least a full year "
            f"and {SMALL_COUNT} or more events"
        )
        result.chi2 = result.p_value = None
        return result
    chi2, p = stats.chisquare(obs, exp)
    result.chi2, result.p_value = float(chi2), float(p)
    peak = covered.sort("ratio", descending=True)["month"][0]
    result.peak_month = int(peak)
    strength = next((words for limit, words in VERDICT_THRESHOLDS if p < limit), "")
    result.verdict = (
        f"{strength} that counts vary by month of the year ({format_p(p)}; most in "
        f"{MONTHS[result.peak_month - 1]})"
        if strength
        else "no evidence that counts vary by month of the year"
    )
    if float(exp.min()) < 5:
        result.warnings.append(
            "some months expect fewer than 5 events: the chi-square test is approximate"
        )
    return result
