"""When in the week harm happens: counts by weekday x hour of day, with a test of the hours.

:func:`heat_map_from_frame` counts records by weekday and hour of day, using only
records whose ``date_precision`` is ``datetime`` (a date-only record at midnight
would pile up at 00:00) and saying how many were left out and why; weekday
totals use every record precise to the day. Pearson's chi-square tests whether
the 24 hours are equally likely. The result is a :class:`HeatMap`.

References
----------
.. [1] Pearson K. On the criterion that a given system of deviations from the
   probable ... Philosophical Magazine 1900; 50:157-175 (chi-square test).
.. [2] Ratcliffe JH. Aoristic signatures and the spatio-temporal analysis of
   high volume crime patterns. Journal of Quantitative Criminology 2002;
   18:23-43 (why imprecise times must not be read as exact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.data import Period, period_json
from harmwatch.analysis.precision import DAY_PRECISE, excluded_by_precision

__all__ = ["WEEKDAYS", "HeatMap", "heat_map_from_frame"]

#: Weekday names, Monday first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    day_precise = frame.filter(pl.col("date_precision").is_in(DAY_PRECISE))
    weekday = day_precise.group_by(pl.col(when).dt.weekday().alias("w")).len()
    weekday_totals = np.zeros(7, dtype=np.int64)
    weekday_totals[weekday["w"].to_numpy() - 1] = weekday["len"].to_numpy()
    timed = frame.filter(pl.col("date_precision") == "datetime")
    excluded = excluded_by_precision(frame, ("datetime",))
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
