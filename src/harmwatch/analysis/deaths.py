"""Death investigations: classifications, places, the unexplained share, institutions.

:func:`death_investigations` reads the deaths reported to or investigated by
the police and returns a :class:`DeathInvestigations`: death reports by
classification and year; by place type and institution type in the current and
previous period; the share classified unexplained or suspicious by year and
quarter (exact binomial intervals); and deaths per institution against expected
on a Poisson funnel, with the institutions above the 99.8% limit flagged and the
``death_id`` of every death behind each flag.

An institution's expected deaths in a period are its
``expected_deaths_per_year`` (a risk-adjusted baseline from the partner)
scaled to the period's length; failing that (none, or 0), its ``capacity`` times a baseline
rate per place of capacity per year, estimated from the force's own data for
its institution type (indirect standardisation). Institutions with neither are
listed without a funnel position.

References
----------
.. [1] Spiegelhalter DJ. Funnel plots for comparing institutional
   performance. Statistics in Medicine 2005; 24:1185-1202.
.. [2] Clopper CJ, Pearson ES. Biometrika 1934; 26:404-413 (shares).
.. [3] Garwood F. Biometrika 1936; 28:437-442 (counts).
.. [4] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300 (q-values over
   institutions).
.. [5] Baker R. Harold Shipman's clinical practice 1974-1998: a clinical audit
   commissioned by the Chief Medical Officer. HMSO, 2001 (why deaths per
   practitioner and institution are monitored against expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine

from harmwatch.analysis.counts import YEAR_DAYS, default_period, with_count_ci
from harmwatch.analysis.data import Period, period_json, read_kind
from harmwatch.analysis.smallnumbers import (
    FUNNEL_LEVELS,
    benjamini_hochberg,
    binomial_ci,
    funnel_limits,
    funnel_position,
    json_records,
    poisson_tail_p,
    small_count_warning,
)

__all__ = [
    "CONCERNING_CLASSIFICATIONS",
    "DeathInvestigations",
    "capacity_baseline_rates",
    "death_investigations",
    "institution_funnel",
]

#: Classifications whose share over time the report follows.
CONCERNING_CLASSIFICATIONS = ("unexplained", "suspicious")
_NO_INSTITUTION = "none"
_UNKNOWN_INSTITUTION = "not in institutions"


@dataclass
class DeathInvestigations:
    """Death reports by classification, place and institution, and deaths against expected.

    Attributes
    ----------
    available : bool
        False when no deaths are loaded (``reason`` says so).
    reason : str
        Why not available.
    period, previous : Period or None
        The current period (also the institution funnel's) and the one before.
    tables : dict of str to DataFrame
        ``by_classification_year`` (classification, year, count, interval);
        ``by_place_type`` and ``by_institution_type`` (value, period
        ``current``/``previous``, count, interval, share and its interval);
        ``unexplained_share_by_year`` and ``unexplained_share_by_quarter``
        (year or quarter, deaths, unexplained_or_suspicious, share, lower,
        upper); ``institutions`` (institution_id, name, type, observed,
        expected, expected_basis, ratio, funnel limits on the count scale,
        position, p_value: one-sided exact ``P(X >= observed)``, q_value,
        flagged, death_ids).
    flagged : list of dict
        Institutions above the 99.8% limit: ``institution_id, name, type,
        observed, expected, ratio, upper_99_8, p_value, q_value, death_ids``.
    baseline_rates : dict of str to float
        Deaths per place of capacity per year, by institution type, from the
        force's own data (for institutions without ``expected_deaths_per_year``).
    warnings : list of str
        Plain-words cautions.
    """

    available: bool
    reason: str = ""
    period: Period | None = None
    previous: Period | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    baseline_rates: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def deaths_by_classification_year(self) -> dict[str, dict[str, int]]:
        """Classification -> year -> count (all years loaded)."""
        out: dict[str, dict[str, int]] = {}
        table = self.tables.get("by_classification_year")
        if table is not None:
            for cls, year, count in table.select("classification", "year", "count").iter_rows():
                out.setdefault(cls, {})[str(year)] = int(count)
        return out

    def to_json(self) -> dict[str, Any]:
        """``available, reason, period, previous_period, deaths_by_classification_year``,
        the tables as lists of records (``by_classification_year, by_place_type,
        by_institution_type, unexplained_share_by_year,
        unexplained_share_by_quarter, institutions``), ``flagged_institutions``,
        ``baseline_rates``, ``warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "previous_period": period_json(self.previous),
            "deaths_by_classification_year": self.deaths_by_classification_year,
            **{name: json_records(table) for name, table in self.tables.items()},
            "flagged_institutions": self.flagged,
            "baseline_rates": self.baseline_rates,
            "warnings": list(self.warnings),
        }


def death_investigations(
    engine: Engine,
    period: Period | None = None,
    previous: Period | None = None,
    *,
    level: float = 0.95,
) -> DeathInvestigations:
    """Analyse the death reports (see the module).

    Parameters
    ----------
    engine : Engine
        The store.
    period : Period, optional
        The current period (default: the last 12 complete months of deaths).
    previous : Period, optional
        The comparison period (default: ``period.previous()``).
    level : float
        Confidence level of the intervals.

    References
    ----------
    .. [1] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    deaths = read_kind(
        engine,
        "deaths",
        columns=["death_id", "date_of_death", "place_type", "institution_id", "classification"],
    )
    if deaths.is_empty():
        return DeathInvestigations(available=False, reason="no death reports are loaded")
    institutions = read_kind(
        engine,
        "institutions",
        columns=["institution_id", "name", "type", "capacity", "expected_deaths_per_year"],
    )
    period = period or default_period(engine, "deaths")
    assert period is not None
    previous = previous or period.previous()
    result = DeathInvestigations(available=True, period=period, previous=previous)
    deaths = deaths.join(
        institutions.select("institution_id", pl.col("type").alias("institution_type")),
        on="institution_id",
        how="left",
    ).with_columns(
        pl.when(pl.col("institution_id").is_null())
        .then(pl.lit(_NO_INSTITUTION))
        .otherwise(pl.col("institution_type").fill_null(_UNKNOWN_INSTITUTION))
        .alias("institution_type"),
        pl.col("place_type").fill_null("not recorded"),
    )
    year = pl.col("date_of_death").dt.year()
    table = deaths.group_by("classification", year.alias("year")).agg(pl.len().alias("count"))
    result.tables["by_classification_year"] = with_count_ci(
        table.with_columns(pl.col("count").cast(pl.Int64)).sort("classification", "year"),
        level=level,
    )
    current = deaths.filter(period.contains("date_of_death"))
    before = deaths.filter(previous.contains("date_of_death"))
    for column in ("place_type", "institution_type"):
        result.tables[f"by_{column}"] = _two_periods(current, before, column, level)
    quarter = pl.format("{}-Q{}", year, pl.col("date_of_death").dt.quarter())
    for name, key in (("year", year), ("quarter", quarter)):
        result.tables[f"unexplained_share_by_{name}"] = _concerning_share(deaths, key, name, level)
    concerning_now = int(current["classification"].is_in(CONCERNING_CLASSIFICATIONS).sum())
    message = small_count_warning(
        concerning_now, f"unexplained or suspicious deaths in {period.label}"
    )
    if message:
        result.warnings.append(message)
    unknown = int((deaths["institution_type"] == _UNKNOWN_INSTITUTION).sum())
    if unknown:
        result.warnings.append(
            f"{unknown} deaths name an institution_id that is not in the institutions loaded"
        )
    first: date = deaths["date_of_death"].min()  # type: ignore[assignment]
    last: date = deaths["date_of_death"].max()  # type: ignore[assignment]
    years_loaded = ((last - first).days + 1) / YEAR_DAYS
    result.baseline_rates = capacity_baseline_rates(deaths, institutions, years_loaded)
    funnel, flagged, notes = institution_funnel(
        current, institutions, period, result.baseline_rates
    )
    result.tables["institutions"] = funnel
    result.flagged = flagged
    result.warnings.extend(notes)
    return result


def _two_periods(
    current: pl.DataFrame, before: pl.DataFrame, column: str, level: float
) -> pl.DataFrame:
    parts = [
        frame.group_by(pl.col(column).alias("value"))
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .with_columns(pl.lit(label).alias("period"))
        for label, frame in (("current", current), ("previous", before))
    ]
    table = with_count_ci(pl.concat(parts), level=level).with_columns(
        pl.col("count").sum().over("period").alias("total")
    )
    lower, upper = binomial_ci(table["count"].to_numpy(), table["total"].to_numpy(), level)
    return table.with_columns(
        (pl.col("count") / pl.col("total")).alias("share"),
        pl.Series("share_lower", lower),
        pl.Series("share_upper", upper),
    ).sort("period", "count", descending=[False, True])


def _concerning_share(deaths: pl.DataFrame, key: pl.Expr, name: str, level: float) -> pl.DataFrame:
    concerning = pl.col("classification").is_in(CONCERNING_CLASSIFICATIONS)
    table = (
        deaths.group_by(key.alias(name))
        .agg(
            pl.len().cast(pl.Int64).alias("deaths"),
            concerning.sum().cast(pl.Int64).alias("unexplained_or_suspicious"),
        )
        .sort(name)
    )
    lower, upper = binomial_ci(
        table["unexplained_or_suspicious"].to_numpy(), table["deaths"].to_numpy(), level
    )
    return table.with_columns(
        (pl.col("unexplained_or_suspicious") / pl.col("deaths")).alias("share"),
        pl.Series("lower", lower),
        pl.Series("upper", upper),
    )


def capacity_baseline_rates(
    deaths: pl.DataFrame, institutions: pl.DataFrame, years: float
) -> dict[str, float]:
    """Deaths per place of capacity per year, by institution type.

    The force's own baseline for institutions without an
    ``expected_deaths_per_year``: deaths at institutions of each type that
    give a capacity, over their summed capacity and ``years`` of data.
    Death monitoring (:mod:`harmwatch.analysis.monitoring`) uses it too.
    """
    with_capacity = institutions.filter(pl.col("capacity") > 0)
    observed = deaths.group_by("institution_id").agg(pl.len().alias("deaths"))
    table = (
        with_capacity.join(observed, on="institution_id", how="left")
        .group_by("type")
        .agg(pl.col("deaths").fill_null(0).sum(), pl.col("capacity").sum())
        .with_columns((pl.col("deaths") / (pl.col("capacity") * years)).alias("rate"))
    )
    return {str(t): float(r) for t, r in table.select("type", "rate").iter_rows()}


def institution_funnel(
    deaths: pl.DataFrame,
    institutions: pl.DataFrame,
    period: Period,
    baseline_rates: dict[str, float] | None = None,
) -> tuple[pl.DataFrame, list[dict[str, Any]], list[str]]:
    """Deaths per institution in ``period`` against expected, on a Poisson funnel.

    Parameters
    ----------
    deaths : DataFrame
        Deaths in the period: ``death_id``, ``institution_id``.
    institutions : DataFrame
        ``institution_id, name, type, capacity, expected_deaths_per_year``.
    period : Period
        Scales yearly expectations to the period (days / 365.25).
    baseline_rates : dict, optional
        Deaths per place of capacity per year by type, for institutions
        without ``expected_deaths_per_year``.

    Returns
    -------
    table : DataFrame
        One row per institution (see :class:`DeathInvestigations`).
    flagged : list of dict
        Institutions above the 99.8% limit, with their ``death_ids``.
    warnings : list of str

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional
       performance. Statistics in Medicine 2005; 24:1185-1202.
    .. [2] Benjamini Y, Hochberg Y. JRSS B 1995; 57:289-300.
    """
    years = period.days / YEAR_DAYS
    rates = pl.DataFrame(
        {
            "type": list((baseline_rates or {}).keys()),
            "baseline": list((baseline_rates or {}).values()),
        },
        schema={"type": pl.String, "baseline": pl.Float64},
    )
    # A yearly expectation of 0 (or none) is taken as "not given": capacity x baseline.
    given = pl.col("expected_deaths_per_year").fill_null(0) > 0
    observed = (
        deaths.filter(pl.col("institution_id").is_not_null())
        .group_by("institution_id")
        .agg(
            pl.len().cast(pl.Int64).alias("observed"), pl.col("death_id").sort().alias("death_ids")
        )
    )
    table = (
        institutions.join(rates, on="type", how="left")
        .join(observed, on="institution_id", how="left")
        .with_columns(
            pl.col("observed").fill_null(0),
            pl.col("death_ids").fill_null([]),
            pl.when(given)
            .then(pl.lit("expected_deaths_per_year"))
            .when((pl.col("capacity") > 0) & pl.col("baseline").is_not_null())
            .then(pl.lit("capacity x type baseline"))
            .alias("expected_basis"),
            pl.when(given)
            .then(pl.col("expected_deaths_per_year"))
            .otherwise(pl.col("capacity") * pl.col("baseline"))
            .mul(years)
            .alias("expected"),
        )
        .drop("baseline")
        .sort("institution_id")
    )
    notes: list[str] = []
    missing = table.filter(pl.col("expected").is_null() | (pl.col("expected") <= 0))
    if missing.height:
        notes.append(
            f"{missing.height} institutions have no expected deaths (no expected_deaths_per_year, "
            "no capacity) and are not placed on the funnel"
        )
    expected = table["expected"].fill_null(np.nan).to_numpy()
    usable = np.isfinite(expected) & (expected > 0)
    safe = np.where(usable, expected, 1.0)
    limits = funnel_limits(safe)
    columns: dict[str, Any] = {}
    for level_, (lower, upper) in limits.limits.items():
        tag = f"{level_ * 100:g}".replace(".", "_")
        columns[f"lower_{tag}"] = np.where(usable, lower, np.nan)
        columns[f"upper_{tag}"] = np.where(usable, upper, np.nan)
    observed_counts = table["observed"].to_numpy()
    p_upper, _ = poisson_tail_p(observed_counts, safe)
    p_upper = np.where(usable, p_upper, np.nan)
    positions = funnel_position(observed_counts, safe)
    outer = f"{FUNNEL_LEVELS[1] * 100:g}%"
    table = table.with_columns(
        *(pl.Series(name, values) for name, values in columns.items()),
        (pl.col("observed") / pl.col("expected")).alias("ratio"),
        pl.Series("position", positions, dtype=pl.String).set(pl.Series(~usable), None),
        pl.Series("p_value", p_upper),
        pl.Series("q_value", benjamini_hochberg(p_upper)),
    ).with_columns((pl.col("position") == f"above {outer}").fill_null(False).alias("flagged"))
    flagged = (
        table.filter(pl.col("flagged"))
        .select(
            "institution_id",
            "name",
            "type",
            "observed",
            "expected",
            "ratio",
            pl.col(f"upper_{FUNNEL_LEVELS[1] * 100:g}".replace(".", "_")).alias("upper_99_8"),
            "p_value",
            "q_value",
            "death_ids",
        )
        .to_dicts()
    )
    for item in flagged:
        notes.append(
            f"{item['name'] or item['institution_id']} ({item['type']}): {item['observed']} "
            f"deaths in {period.label} against {item['expected']:.1f} expected, above the 99.8% "
            "funnel limit"
        )
    return table, flagged, notes
