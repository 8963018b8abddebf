"""Time of death: each practitioner's share of deaths at night against their institution's.

Deaths carry only a date, so the time is that of the report (``reported_at``),
a proxy: a death found in the morning was reported then. Reports stamped
exactly 00:00:00 are taken as date-only and left out. A nurse who is present
at night when residents die (Letby's pattern; the planted death series of the
scenario) stands out against the other deaths at the same home.

References
----------
.. [1] Clopper CJ, Pearson ES. Biometrika 1934; 26:404-413 (exact binomial).
.. [2] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.smallnumbers import benjamini_hochberg

__all__ = ["NIGHT_HOURS", "night_profile"]

#: Hours counted as night in the time-of-death profile: ``start <= hour < end``.
NIGHT_HOURS = (0, 6)


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
