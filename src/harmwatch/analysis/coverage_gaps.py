"""Gaps in what partners supplied: calendar months with no record where records are usual.

:func:`monthly_gaps` counts records per month of each source and kind, fills
the months without a record with zero, and marks as a gap an empty month
within the span covered where the median month has at least ``min_monthly``
records (a likely missing extract; the Poisson probability of an empty month at
that median is below ``exp(-min_monthly)``). Used by
:func:`harmwatch.analysis.coverage.data_coverage`, which re-exports it.
"""

from __future__ import annotations

import polars as pl

__all__ = ["monthly_gaps"]


def monthly_gaps(dates: pl.DataFrame, *, min_monthly: int = 10) -> pl.DataFrame:
    """Records per month of each group, zero-filled, and which months are gaps.

    Parameters
    ----------
    dates : polars.DataFrame
        ``source``, ``kind`` and ``day`` (date or date-time) per record.
    min_monthly : int
        A month with no record is a gap only when the group's median month
        (over the span from its first to its last month) has at least this many.

    Returns
    -------
    polars.DataFrame
        ``source``, ``kind``, ``month`` (``YYYY-MM``), ``records``,
        ``median_monthly``, ``gap`` (bool).

    Examples
    --------
    >>> from datetime import date
    >>> days = [date(2024, m, d) for m in (1, 2, 4) for d in range(1, 21)]
    >>> frame = pl.DataFrame({"source": "s", "kind": "k", "day": days})
    >>> monthly_gaps(frame).filter("gap")["month"].to_list()
    ['2024-03']
    """
    keys = ["source", "kind"]
    counted = (
        dates.drop_nulls("day")
        .with_columns(
            (pl.col("day").dt.year().cast(pl.Int64) * 12 + pl.col("day").dt.month() - 1).alias("m")
        )
        .group_by([*keys, "m"])
        .agg(pl.len().cast(pl.Int64).alias("records"))
    )
    if counted.is_empty():
        return pl.DataFrame(
            schema={
                "source": pl.String,
                "kind": pl.String,
                "month": pl.String,
                "records": pl.Int64,
                "median_monthly": pl.Float64,
                "gap": pl.Boolean,
            }
        )
    grid = (
        counted.group_by(keys)
        .agg(pl.int_ranges(pl.col("m").min(), pl.col("m").max() + 1).first().alias("m"))
        .explode("m")
    )
    full = (
        grid.join(counted, on=[*keys, "m"], how="left")
        .with_columns(pl.col("records").fill_null(0))
        .with_columns(pl.col("records").median().over(keys).alias("median_monthly"))
        .with_columns(
            ((pl.col("records") == 0) & (pl.col("median_monthly") >= min_monthly)).alias("gap"),
            pl.format(
                "{}-{}",
                (pl.col("m") // 12).cast(pl.String),
                (pl.col("m") % 12 + 1).cast(pl.String).str.zfill(2),
            ).alias("month"),
        )
        .sort([*keys, "m"])
    )
    return full.select(*keys, "month", "records", "median_monthly", "gap")
