"""Date precision: which records are precise enough for a count, and which are left out.

A record dated only to the day cannot go in a count by hour (it would pile up
at midnight), one dated to the month not in a count by weekday, one dated to
the year not in a count by month. :func:`excluded_by_precision` counts the
records left out, by precision, so every count can say what it did not use
(Ratcliffe 2002).

References
----------
.. [1] Ratcliffe JH. Aoristic signatures and the spatio-temporal analysis of
   high volume crime patterns. Journal of Quantitative Criminology 2002;
   18:23-43 (why imprecise times must not be read as exact).
"""

from __future__ import annotations

import polars as pl

__all__ = ["DAY_PRECISE", "MONTH_PRECISE", "excluded_by_precision"]

#: Date precisions that give the day (and so the weekday).
DAY_PRECISE = ("datetime", "date")
#: Date precisions that give the month.
MONTH_PRECISE = ("datetime", "date", "month")


def excluded_by_precision(frame: pl.DataFrame, keep: tuple[str, ...]) -> dict[str, int]:
    """Records of ``frame`` whose ``date_precision`` is not in ``keep`` (or is missing),
    counted by precision (``"unknown"`` for missing)."""
    dropped = frame.filter(
        ~pl.col("date_precision").is_in(keep) | pl.col("date_precision").is_null()
    )
    counted = dropped.group_by(pl.col("date_precision").fill_null("unknown")).len()
    return {str(k): int(v) for k, v in counted.iter_rows()}
