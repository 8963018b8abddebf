"""Unsolved clusters: groups of homicides cleared far less often than the force's.

The Murder Accountability Project's method (Hargrove): group homicides by area
x victim sex x method and flag the groups whose clearance rate is far below
the force's. Here a case is cleared when its outcome is ``charged``; the area
is the district (``areas.parent_code``, else the area code); the method is the
recorded weapon. For each group an exact one-sided binomial test asks whether
so few clearances are plausible at the force's rate, with Benjamini-Hochberg
adjustment across groups.

References
----------
.. [1] Hargrove T. Murder Accountability Project: clearance rates and the
   algorithm for identifying clusters of unsolved homicides
   (murderdata.org, 2015).
.. [2] Clopper CJ, Pearson ES. Biometrika 1934; 26:404-413 (intervals).
.. [3] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300 (q-values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.data import read_kind
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    benjamini_hochberg,
    binomial_ci,
    json_records,
    small_count_warning,
)
from harmwatch.store.schema import kind_tables

__all__ = ["UnsolvedClusters", "unsolved_clusters", "unsolved_groups"]


@dataclass
class UnsolvedClusters:
    """Groups of homicides by area x victim sex x method and their clearance.

    Attributes
    ----------
    available : bool
    reason : str
    cases, cleared : int
        Homicides (of the offences analysed) and those charged, force-wide.
    force_rate : float
        The force's clearance rate.
    groups : polars.DataFrame
        ``district``, ``victim_sex``, ``method``, ``cases``, ``cleared``,
        ``unsolved``, ``clearance_rate`` with its exact 95% interval (``ci_low``,
        ``ci_high``), ``p_value`` (one-sided exact binomial: this few cleared at
        the force's rate), ``q_value`` (BH), ``flagged``, ``occurrence_ids``
        and ``unsolved_ids``.
    alpha : float
        q-value under which a group is flagged.
    warnings : list of str
    """

    available: bool
    reason: str = ""
    cases: int = 0
    cleared: int = 0
    force_rate: float = float("nan")
    groups: pl.DataFrame = field(default_factory=pl.DataFrame)
    alpha: float = 0.05
    warnings: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> pl.DataFrame:
        return self.groups.filter(pl.col("flagged")) if self.groups.height else self.groups

    def to_json(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "reason": self.reason,
            "cases": self.cases,
            "cleared": self.cleared,
            "force_clearance_rate": self.force_rate,
            "alpha": self.alpha,
            "groups": json_records(self.groups) if self.groups.height else [],
            "warnings": self.warnings,
        }


def unsolved_groups(cases: pl.DataFrame, *, alpha: float = 0.05) -> UnsolvedClusters:
    """Clearance by group against the force's rate (pure: no store).

    Parameters
    ----------
    cases : polars.DataFrame
        ``occurrence_id``, ``district``, ``victim_sex``, ``method`` and
        ``cleared`` (bool).
    alpha : float
        Groups with a BH q-value below this (and fewer cleared than expected)
        are flagged.
    """
    from scipy.stats import binom

    n = cases.height
    if n == 0:
        return UnsolvedClusters(False, reason="no homicides to group", alpha=alpha)
    cleared = int(cases["cleared"].sum())
    rate = cleared / n
    groups = (
        cases.with_columns(
            pl.col(c).fill_null("unknown") for c in ("district", "victim_sex", "method")
        )
        .group_by(["district", "victim_sex", "method"])
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            pl.col("cleared").sum().cast(pl.Int64).alias("cleared"),
            pl.col("occurrence_id").sort().alias("occurrence_ids"),
            pl.col("occurrence_id").filter(~pl.col("cleared")).sort().alias("unsolved_ids"),
        )
        .sort(["district", "victim_sex", "method"])
    )
    k = groups["cleared"].to_numpy()
    size = groups["cases"].to_numpy()
    p = np.asarray(binom.cdf(k, size, rate), dtype=np.float64)
    low, high = binomial_ci(k, size)
    q = benjamini_hochberg(p)
    groups = groups.with_columns(
        (pl.col("cases") - pl.col("cleared")).alias("unsolved"),
        (pl.col("cleared") / pl.col("cases")).alias("clearance_rate"),
        pl.Series("ci_low", low),
        pl.Series("ci_high", high),
        pl.Series("p_value", p),
        pl.Series("q_value", q),
    ).with_columns(
        ((pl.col("q_value") < alpha) & (pl.col("clearance_rate") < rate)).alias("flagged")
    )
    groups = groups.select(
        "district", "victim_sex", "method", "cases", "cleared", "unsolved", "clearance_rate",
        "ci_low", "ci_high", "p_value", "q_value", "flagged", "occurrence_ids", "unsolved_ids",
    )  # fmt: skip
    warnings = [w for w in [small_count_warning(n, "homicides analysed")] if w]
    small = int((groups["cases"] < SMALL_COUNT).sum())
    if small:
        warnings.append(
            f"{small} of {groups.height} groups have fewer than {SMALL_COUNT} homicides: "
            "a low clearance rate in so few cases may be chance; read the interval and q-value"
        )
    if cleared == n:
        warnings.append("every homicide analysed was charged: no group can fall below")
    return UnsolvedClusters(True, cases=n, cleared=cleared, force_rate=rate, groups=groups,
                            alpha=alpha, warnings=warnings)  # fmt: skip


def unsolved_clusters(
    engine: Engine, *, offences: tuple[str, ...] = ("homicide",), alpha: float = 0.05
) -> UnsolvedClusters:
    """Unsolved clusters among the store's homicides (or other ``offences``).

    The victim's sex is that of the occurrence's first victim; the district is
    the area's ``parent_code``, else its ``area_code``.
    """
    occ_t = kind_tables["police_occurrences"].c
    occ = read_kind(
        engine, "police_occurrences",
        columns=["occurrence_id", "source", "area_code", "weapon", "outcome"],
        where=occ_t.offence_group.in_(offences),
    )  # fmt: skip
    people = read_kind(
        engine, "police_people",
        columns=["occurrence_id", "source", "involvement_id", "sex"],
        where=kind_tables["police_people"].c.role == "victim",
    )  # fmt: skip
    areas = read_kind(engine, "areas", columns=["area_code", "parent_code"])
    sex = (
        people.sort("involvement_id")
        .group_by(["source", "occurrence_id"])
        .agg(pl.col("sex").drop_nulls().first().alias("victim_sex"))
    )
    cases = (
        occ.join(sex, on=["source", "occurrence_id"], how="left")
        .join(areas.unique("area_code"), on="area_code", how="left")
        .select(
            "occurrence_id",
            pl.coalesce("parent_code", "area_code").alias("district"),
            "victim_sex",
            pl.col("weapon").alias("method"),
            (pl.col("outcome") == "charged").fill_null(False).alias("cleared"),
        )
    )
    result = unsolved_groups(cases, alpha=alpha)
    if not result.available:
        result.reason = f"no {', '.join(offences)} occurrences in the store"
    return result
