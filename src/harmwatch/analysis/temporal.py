"""When harm happens: hour x weekday heat maps and seasonality by month.

:func:`hour_weekday` counts records by weekday and hour of day, using only
records whose ``date_precision`` is ``datetime`` (a date-only record at midnight
would pile up at 00:00) and saying how many were left out and why.
:func:`seasonality` counts records by calendar month and tests whether they are
spread evenly, allowing for the days each calendar month contributes to the
span of the data (Pearson's chi-square goodness of fit). :func:`temporal_patterns`
runs both for a set of offence groups and for deaths.

References
----------
.. [1] Pearson K. On the criterion that a given system of deviations from the
   probable ... Philosophical Magazine 1900; 50:157-175 (chi-square test).
.. [2] Edwards JH. The recognition and estimation of cyclic trends. Annals of
   Human Genetics 1961; 25:83-87 (seasonality of counts by month; the
   unequal-length months handled here by days at risk).
.. [3] Ratcliffe JH. Aoristic signatures and the spatio-temporal analysis of
   high volume crime patterns. Journal of Quantitative Criminology 2002;
   18:23-43 (why imprecise times must not be read as exact).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine

from harmwatch.analysis.counts import default_period
from harmwatch.analysis.data import Period, in_period, period_json, read_kind
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    VERDICT_THRESHOLDS,
    format_p,
    json_records,
)
from harmwatch.contract import KINDS

__all__ = [
    "VIOLENCE_GROUPS",
    "HeatMap",
    "Seasonality",
    "TemporalPatterns",
    "heat_map_from_frame",
    "hour_weekday",
    "seasonality",
    "seasonality_from_frame",
    "temporal_patterns",
]

#: Offence groups of violence against the person, the default selection.
VIOLENCE_GROUPS = (
    "homicide",
    "attempted_murder",
    "gbh",
    "abh",
    "common_assault",
    "threats_to_kill",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = tuple(calendar.month_abbr[m] for m in range(1, 13))
_DAY_PRECISE = ("datetime", "date")
_MONTH_PRECISE = ("datetime", "date", "month")
#: Column that ``groups`` selects on, per kind.
_GROUP_COLUMN = {"police_occurrences": "offence_group", "deaths": "classification"}


def _excluded(frame: pl.DataFrame, keep: tuple[str, ...]) -> dict[str, int]:
    dropped = frame.filter(
        ~pl.col("date_precision").is_in(keep) | pl.col("date_precision").is_null()
    )
    counted = dropped.group_by(pl.col("date_precision").fill_null("unknown")).len()
    return {str(k): int(v) for k, v in counted.iter_rows()}


@dataclass
class HeatMap:
    """Counts by weekday x hour of day.

    Attributes
    ----------
    available : bool
        False when no record has a time of day (``reason`` says why).
    reason : str
        Why not available.
    what : str
        What was counted (e.g. "gbh, abh occurrences").
    period : Period or None
        The span counted (None: all loaded).
    counts : ndarray of int, shape (7, 24)
        Rows Monday..Sunday, columns hours 0..23 (records of ``datetime``
        precision only).
    n_used : int
        Records in ``counts``.
    excluded : dict of str to int
        Records left out of ``counts``, by their date precision.
    weekday_totals : list of int
        Monday..Sunday over every record precise to the day (``date`` or
        ``datetime``), so available for date-only data too.
    n_weekday : int
        Records in ``weekday_totals``.
    peak_hour, peak_weekday : int or None
        Hour (0-23) and weekday (0 = Monday) with the most records.
    hour_test : dict
        Chi-square test that the 24 hours are equally likely: ``chi2, df, p_value``.
    warnings : list of str
    """

    available: bool
    reason: str = ""
    what: str = ""
    period: Period | None = None
    counts: np.ndarray[Any, np.dtype[np.int64]] = field(
        default_factory=lambda: np.zeros((7, 24), dtype=np.int64)
    )
    n_used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    weekday_totals: list[int] = field(default_factory=lambda: [0] * 7)
    n_weekday: int = 0
    peak_hour: int | None = None
    peak_weekday: int | None = None
    hour_test: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def hour_totals(self) -> list[int]:
        """Counts by hour 0..23."""
        return [int(v) for v in self.counts.sum(axis=0)]

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """``heat_map`` (weekday, hour, count) and ``weekdays`` (weekday, count)."""
        weekday, hour = np.divmod(np.arange(7 * 24), 24)
        return {
            "heat_map": pl.DataFrame(
                {
                    "weekday": [WEEKDAYS[w] for w in weekday],
                    "hour": hour.astype(np.int64),
                    "count": self.counts.ravel(),
                }
            ),
            "weekdays": pl.DataFrame({"weekday": list(WEEKDAYS), "count": self.weekday_totals}),
        }

    def to_json(self) -> dict[str, Any]:
        """``available, reason, what, period, weekdays, hours, counts`` (7 x 24 list,
        Monday first), ``hour_totals, weekday_totals, n_used, n_weekday, excluded,
        peak_hour, peak_weekday, hour_test, warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "what": self.what,
            "period": period_json(self.period),
            "weekdays": list(WEEKDAYS),
            "hours": list(range(24)),
            "counts": self.counts.tolist(),
            "hour_totals": self.hour_totals,
            "weekday_totals": list(self.weekday_totals),
            "n_used": self.n_used,
            "n_weekday": self.n_weekday,
            "excluded": dict(self.excluded),
            "peak_hour": self.peak_hour,
            "peak_weekday": None if self.peak_weekday is None else WEEKDAYS[self.peak_weekday],
            "hour_test": self.hour_test,
            "warnings": list(self.warnings),
        }


def heat_map_from_frame(
    frame: pl.DataFrame, when: str, *, what: str = "records", period: Period | None = None
) -> HeatMap:
    """Weekday x hour counts from a frame with ``when`` and ``date_precision`` columns.

    References
    ----------
    .. [1] Ratcliffe JH. Journal of Quantitative Criminology 2002; 18:23-43.
    .. [2] Pearson K. Philosophical Magazine 1900; 50:157-175.
    """
    if frame.is_empty():
        return HeatMap(available=False, reason=f"no {what} to count", what=what, period=period)
    day_precise = frame.filter(pl.col("date_precision").is_in(_DAY_PRECISE))
    weekday = day_precise.group_by(pl.col(when).dt.weekday().alias("w")).len()
    weekday_totals = np.zeros(7, dtype=np.int64)
    weekday_totals[weekday["w"].to_numpy() - 1] = weekday["len"].to_numpy()
    timed = frame.filter(pl.col("date_precision") == "datetime")
    excluded = _excluded(frame, ("datetime",))
    result = HeatMap(
        available=not timed.is_empty(),
        what=what,
        period=period,
        n_used=timed.height,
        excluded=excluded,
        weekday_totals=[int(v) for v in weekday_totals],
        n_weekday=day_precise.height,
    )
    if excluded:
        detail = ", ".join(f"{p}: {n}" for p, n in sorted(excluded.items()))
        result.warnings.append(
            f"{sum(excluded.values())} of {frame.height} {what} have no time of day and are left "
            f"out of the hour-of-day counts (precision: {detail})"
        )
    if timed.is_empty():
        precisions = ", ".join(sorted(excluded)) or "none"
        result.reason = (
            f"no {what} have a time of day (date precision: {precisions}), so counts by hour "
            "cannot be made"
        )
        if day_precise.height:
            result.peak_weekday = int(np.argmax(weekday_totals))
        return result
    cells = timed.group_by(
        (pl.col(when).dt.weekday() - 1).alias("w"), pl.col(when).dt.hour().alias("h")
    ).len()
    counts = np.zeros((7, 24), dtype=np.int64)
    np.add.at(counts, (cells["w"].to_numpy(), cells["h"].to_numpy()), cells["len"].to_numpy())
    result.counts = counts
    hours = counts.sum(axis=0)
    result.peak_hour = int(np.argmax(hours))
    result.peak_weekday = int(np.argmax(weekday_totals))
    chi2, p = stats.chisquare(hours)
    result.hour_test = {
        "chi2": float(chi2),
        "df": 23,
        "p_value": float(p),
        "method": "Pearson chi-square goodness of fit: all 24 hours equally likely",
    }
    if timed.height < 24 * 5:
        result.warnings.append(
            f"only {timed.height} {what} with a time of day: too few for a reliable heat map "
            "(fewer than 5 a cell on average by hour)"
        )
    return result


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
    usable = frame.filter(pl.col("date_precision").is_in(_MONTH_PRECISE))
    excluded = _excluded(frame, _MONTH_PRECISE)
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


def _read(
    engine: Engine, kind: str, groups: tuple[str, ...] | None, period: Period | None
) -> tuple[pl.DataFrame, str]:
    main = KINDS[kind].main_date
    assert main is not None
    group_column = _GROUP_COLUMN.get(kind)
    columns = [main, "date_precision"] + ([group_column] if group_column else [])
    frame = read_kind(
        engine, kind, columns=columns, where=in_period(kind, period) if period else None
    )
    if groups is not None and group_column:
        frame = frame.filter(pl.col(group_column).is_in(groups))
    return frame, main


def _what(kind: str, groups: tuple[str, ...] | None) -> str:
    noun = "deaths" if kind == "deaths" else "occurrences"
    return f"{', '.join(groups)} {noun}" if groups else noun


def hour_weekday(
    engine: Engine,
    kind: str = "police_occurrences",
    groups: tuple[str, ...] | None = VIOLENCE_GROUPS,
    period: Period | None = None,
) -> HeatMap:
    """Weekday x hour heat map of ``kind`` (offence groups or death classifications).

    References
    ----------
    .. [1] Ratcliffe JH. Journal of Quantitative Criminology 2002; 18:23-43.
    """
    frame, main = _read(engine, kind, groups, period)
    return heat_map_from_frame(frame, main, what=_what(kind, groups), period=period)


def seasonality(
    engine: Engine,
    kind: str = "police_occurrences",
    groups: tuple[str, ...] | None = VIOLENCE_GROUPS,
    period: Period | None = None,
) -> Seasonality:
    """Seasonality by calendar month of ``kind`` (default: all data loaded).

    References
    ----------
    .. [1] Pearson K. Philosophical Magazine 1900; 50:157-175.
    """
    frame, main = _read(engine, kind, groups, period)
    return seasonality_from_frame(frame, main, what=_what(kind, groups))


@dataclass
class TemporalPatterns:
    """Heat maps and seasonality of violence and of deaths.

    Attributes
    ----------
    offences_heat_map : HeatMap
        Selected offence groups, current period.
    offences_seasonality : Seasonality
        Selected offence groups, all data loaded.
    deaths_heat_map : HeatMap
        All deaths, current period (deaths are dated to the day: weekday only).
    deaths_seasonality : Seasonality
        All deaths, all data loaded.
    """

    offences_heat_map: HeatMap
    offences_seasonality: Seasonality
    deaths_heat_map: HeatMap
    deaths_seasonality: Seasonality

    @property
    def warnings(self) -> list[str]:
        """Every part's warnings."""
        return [
            *self.offences_heat_map.warnings,
            *self.offences_seasonality.warnings,
            *self.deaths_heat_map.warnings,
            *self.deaths_seasonality.warnings,
        ]

    def to_json(self) -> dict[str, Any]:
        """``offences_heat_map, offences_seasonality, deaths_heat_map,
        deaths_seasonality`` (each its own ``to_json``) and ``warnings``."""
        return {
            "offences_heat_map": self.offences_heat_map.to_json(),
            "offences_seasonality": self.offences_seasonality.to_json(),
            "deaths_heat_map": self.deaths_heat_map.to_json(),
            "deaths_seasonality": self.deaths_seasonality.to_json(),
            "warnings": self.warnings,
        }


def temporal_patterns(
    engine: Engine,
    period: Period | None = None,
    groups: tuple[str, ...] = VIOLENCE_GROUPS,
) -> TemporalPatterns:
    """Heat maps (current period) and seasonality (all data) for ``groups`` and deaths.

    References
    ----------
    .. [1] Pearson K. Philosophical Magazine 1900; 50:157-175.
    """
    offences_period = period or default_period(engine, "police_occurrences")
    deaths_period = period or default_period(engine, "deaths")
    return TemporalPatterns(
        offences_heat_map=hour_weekday(engine, "police_occurrences", groups, offences_period),
        offences_seasonality=seasonality(engine, "police_occurrences", groups),
        deaths_heat_map=hour_weekday(engine, "deaths", None, deaths_period),
        deaths_seasonality=seasonality(engine, "deaths", None),
    )
