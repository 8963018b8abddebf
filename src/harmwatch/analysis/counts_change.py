"""Change between two periods: each offence group's test, and the near-miss pyramid.

:func:`group_changes` tests each offence group's change from the previous period
to the current one (the exact conditional test of
:func:`~harmwatch.analysis.smallnumbers.change_test`, with Benjamini–Hochberg
q-values across the groups). :func:`pyramid_comparison` counts the near-miss
pyramid (homicide : attempted murder : GBH : ABH, :data:`PYRAMID`) in both
periods and compares the share of its top with Fisher's exact test. Both fill
in an :class:`~harmwatch.analysis.counts_result.OccurrenceCounts`.

References
----------
.. [1] Przyborowski J, Wilenski H. Homogeneity of results in testing samples
   from Poisson series. Biometrika 1940; 31:313-323 (the conditional test).
.. [2] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a
   practical and powerful approach to multiple testing. JRSS B 1995;
   57:289-300.
.. [3] Fisher RA. Statistical Methods for Research Workers, 1925 (exact test
   of the pyramid's top share).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]

from harmwatch.analysis.breakdowns import HOMICIDE_AND_NEAR_MISS
from harmwatch.analysis.count_tables import YEAR_DAYS
from harmwatch.analysis.counts_result import OccurrenceCounts
from harmwatch.analysis.data import Period
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    benjamini_hochberg,
    binomial_ci,
    change_test,
    poisson_ci,
    small_count_warning,
    verdict,
)

__all__ = ["PYRAMID", "group_changes", "pyramid_comparison"]

#: The near-miss pyramid, most serious first.
PYRAMID = ("homicide", "attempted_murder", "gbh", "abh")


def group_changes(
    result: OccurrenceCounts, current: pl.DataFrame, before: pl.DataFrame,
    period: Period, previous: Period, level: float,
) -> None:  # fmt: skip
    """Test each offence group's change from ``before`` (``previous``) to ``current``
    (``period``); fill in ``result.changes``, the ``group_changes`` table (with
    q-values) and small-count warnings for homicide and near misses."""
    now = dict(current.group_by("offence_group").len().iter_rows())
    then = dict(before.group_by("offence_group").len().iter_rows())
    t1, t2 = previous.days / YEAR_DAYS, period.days / YEAR_DAYS
    for group in sorted(set(now) | set(then)):
        k1, k2 = int(then.get(group, 0)), int(now.get(group, 0))
        result.changes[group] = change_test(
            k1, k2, t1, t2, level=level, what=f"{group} occurrences"
        )
        if group in HOMICIDE_AND_NEAR_MISS and k2 < SMALL_COUNT:
            message = small_count_warning(
                k2, f"{group.replace('_', ' ')} occurrences in {period.label}"
            )
            assert message is not None
            result.warnings.append(message)
    tests = list(result.changes.items())
    q_values = benjamini_hochberg([test.p_value for _, test in tests])
    result.tables["group_changes"] = pl.DataFrame(
        {
            "offence_group": [group for group, _ in tests],
            "previous": [test.k1 for _, test in tests],
            "current": [test.k2 for _, test in tests],
            "rate_ratio": [test.rate_ratio for _, test in tests],
            "rate_ratio_lower": [test.ci[0] for _, test in tests],
            "rate_ratio_upper": [test.ci[1] for _, test in tests],
            "p_value": [test.p_value for _, test in tests],
            "q_value": list(q_values),
            "verdict": [test.verdict for _, test in tests],
        },
        schema_overrides={"rate_ratio": pl.Float64, "q_value": pl.Float64},
    )


def pyramid_comparison(
    result: OccurrenceCounts, current: pl.DataFrame, before: pl.DataFrame, level: float
) -> None:
    """Fill in the ``pyramid`` table of ``result`` (each tier's count, share and
    intervals in both periods) and ``result.pyramid_test`` (Fisher's exact test of the
    top's share), or say why the pyramid cannot be compared."""
    tiers = pl.DataFrame({"tier": list(PYRAMID), "rank": list(range(len(PYRAMID)))})
    table = tiers
    for name, frame in (("current", current), ("previous", before)):
        counted = frame.group_by(pl.col("offence_group").alias("tier")).agg(
            pl.len().cast(pl.Int64).alias(name)
        )
        table = table.join(counted, on="tier", how="left").with_columns(pl.col(name).fill_null(0))
        lower, upper = poisson_ci(table[name].to_numpy(), level)
        total = int(table[name].sum())
        s_lower, s_upper = binomial_ci(table[name].to_numpy(), np.full(len(PYRAMID), total), level)
        table = table.with_columns(
            pl.Series(f"{name}_lower", lower),
            pl.Series(f"{name}_upper", upper),
            (pl.col(name) / total if total else pl.lit(None, dtype=pl.Float64)).alias(
                f"{name}_share"
            ),
            pl.Series(f"{name}_share_lower", s_lower),
            pl.Series(f"{name}_share_upper", s_upper),
        )
    result.tables["pyramid"] = table.sort("rank").drop("rank")
    top_now, all_now = int(table["current"][:2].sum()), int(table["current"].sum())
    top_then, all_then = int(table["previous"][:2].sum()), int(table["previous"].sum())
    lower_tiers = ", ".join(t.replace("_", " ") for t in PYRAMID[2:])
    reason = ""
    if all_now == 0 or all_then == 0:
        reason = "no pyramid offences in one of the periods"
    elif all_now == top_now and all_then == top_then:
        reason = f"no {lower_tiers} occurrences are loaded (a homicide-only extract?)"
    if reason:
        result.pyramid_test = {"available": False, "reason": reason}
        result.warnings.append(f"the near-miss pyramid cannot be compared: {reason}")
        return
    test = stats.fisher_exact([[top_now, all_now - top_now], [top_then, all_then - top_then]])
    p = float(test.pvalue)
    odds = float(test.statistic)
    direction = 0 if odds == 1.0 or np.isnan(odds) else (1 if odds > 1 else -1)
    wording = (
        verdict(p, direction)
        .replace("an increase", "a rise in the top's share")
        .replace("a decrease", "a fall in the top's share")
    )
    result.pyramid_test = {
        "available": True,
        "top": ["homicide", "attempted_murder"],
        "top_current": top_now,
        "total_current": all_now,
        "top_previous": top_then,
        "total_previous": all_then,
        "odds_ratio": odds if np.isfinite(odds) else None,
        "p_value": p,
        "verdict": wording,
        "method": (
            "Fisher's exact test (two-sided) of the top's share, current against previous period"
        ),
    }
