"""Counts and rates of offences: by time, place and circumstance, with honest intervals.

:func:`occurrence_counts` reads the police occurrences (and their victims and
suspects) and returns an :class:`OccurrenceCounts`: counts and rates per 100,000
by offence group and year, quarter, month, district (``areas.parent_code``) and
small area (``area_code``); homicide and near-miss offences broken down by
weapon, location type, victim age band and sex, relationship to the suspect,
domestic, alcohol and drugs; the near-miss pyramid (homicide : attempted murder :
GBH : ABH) in the current and previous period; and the change of each offence
group between the two periods (exact conditional test, plain-words verdict).
Every count carries its exact Poisson interval; small counts carry a warning.

Counts are records of ``police_occurrences`` (for the MPS homicide file, one
per victim); victim breakdowns count victims, the relationship breakdown counts
suspects (and offenders).

References
----------
.. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika
   1936; 28:437-442 (intervals, via :mod:`.smallnumbers`).
.. [2] Spiegelhalter DJ. Funnel plots for comparing institutional
   performance. Statistics in Medicine 2005; 24:1185-1202 (area funnels).
.. [3] Office for National Statistics. Homicide in England and Wales (the
   Homicide Index's breakdowns: method, relationship, age, sex, domestic).
.. [4] Fisher RA. Statistical Methods for Research Workers, 1925 (exact test
   of the pyramid's top share).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from scipy import stats  # type: ignore[import-untyped,unused-ignore]
from sqlalchemy import Engine, select

from harmwatch.analysis.data import Period, last_complete_months, period_json, read_kind
from harmwatch.analysis.smallnumbers import (
    SMALL_COUNT,
    ChangeTest,
    benjamini_hochberg,
    binomial_ci,
    change_test,
    funnel_position,
    json_records,
    poisson_ci,
    rate_ci,
    small_count_warning,
    verdict,
)
from harmwatch.contract import KINDS
from harmwatch.store.schema import kind_tables

__all__ = [
    "AGE_BANDS",
    "HOMICIDE_AND_NEAR_MISS",
    "PYRAMID",
    "YEAR_DAYS",
    "OccurrenceCounts",
    "default_period",
    "occurrence_counts",
    "victim_age_band",
    "with_count_ci",
]

#: Homicide and the near-miss offences broken down by circumstance.
HOMICIDE_AND_NEAR_MISS = (
    "homicide",
    "attempted_murder",
    "gbh",
    "threats_to_kill",
    "weapon_possession",
)
#: The near-miss pyramid, most serious first.
PYRAMID = ("homicide", "attempted_murder", "gbh", "abh")
#: Victim age bands computed from an age in years (lower bounds, labels).
AGE_BANDS = (
    (0, "0-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65+"),
)
#: Days in a year, for rates per year.
YEAR_DAYS = 365.25
NOT_RECORDED = "not recorded"
_OCC_COLUMNS = [
    "source", "occurrence_id", "offence_group", "occurred_from", "date_precision", "area_code",
    "location_type", "weapon", "domestic", "alcohol", "drugs",
]  # fmt: skip
_OCC_DIMENSIONS = ("weapon", "location_type", "domestic", "alcohol", "drugs")


def _covered_to(latest: date, precision: str | None) -> date:
    """The last day a record dated ``latest`` at ``precision`` may stand for."""
    if precision == "month":
        return date(latest.year, latest.month, calendar.monthrange(latest.year, latest.month)[1])
    if precision == "year":
        return date(latest.year, 12, 31)
    return latest


def default_period(
    engine: Engine, kind: str = "police_occurrences", months: int = 12
) -> Period | None:
    """The last ``months`` complete calendar months of ``kind``'s data, or None when empty.

    A newest record of month (year) precision stands for its whole month (year),
    so an extract ending "March 2024" covers March.
    """
    main = KINDS[kind].main_date
    assert main is not None
    table = kind_tables[kind]
    query = select(table.c[main], table.c.date_precision).order_by(table.c[main].desc()).limit(1)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row[0] is None:
        return None
    value = row[0]
    if isinstance(value, str):
        latest = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        latest = value.date()
    else:
        latest = value
    return last_complete_months(_covered_to(latest, row[1]), months)


def with_count_ci(table: pl.DataFrame, count: str = "count", level: float = 0.95) -> pl.DataFrame:
    """Add ``lower``/``upper`` (exact Poisson interval of ``count``) and ``small``
    (count under :data:`~harmwatch.analysis.smallnumbers.SMALL_COUNT`)."""
    lower, upper = poisson_ci(table[count].to_numpy(), level)
    return table.with_columns(
        pl.Series("lower", np.atleast_1d(lower), dtype=pl.Float64),
        pl.Series("upper", np.atleast_1d(upper), dtype=pl.Float64),
        (pl.col(count) < SMALL_COUNT).alias("small"),
    )


def _with_rates(
    table: pl.DataFrame, population: str, years: str | float, level: float
) -> pl.DataFrame:
    yrs = table[years].to_numpy() if isinstance(years, str) else years
    rate, lower, upper = rate_ci(
        table["count"].to_numpy(), table[population].to_numpy(), years=yrs, level=level
    )
    return table.with_columns(
        pl.Series("rate", np.atleast_1d(rate)),
        pl.Series("rate_lower", np.atleast_1d(lower)),
        pl.Series("rate_upper", np.atleast_1d(upper)),
    )


def victim_age_band(occurred: pl.Expr | str = "occurred_from") -> pl.Expr:
    """A victim's age band: from ``date_of_birth`` at ``occurred``, else ``age``, else
    ``age_band`` as given (e.g. MPS "25 to 34" shown as "25-34"), else not recorded."""
    when = pl.col(occurred) if isinstance(occurred, str) else occurred
    dob = pl.col("date_of_birth")
    before_birthday = (when.dt.month() * 100 + when.dt.day()) < (
        dob.dt.month() * 100 + dob.dt.day()
    )
    from_dob = (
        when.dt.year().cast(pl.Int64)
        - dob.dt.year().cast(pl.Int64)
        - before_birthday.cast(pl.Int64)
    )
    age = pl.coalesce(from_dob, pl.col("age"))
    banded = pl.lit(None, dtype=pl.String)
    for lower, label in AGE_BANDS:
        banded = pl.when(age >= lower).then(pl.lit(label)).otherwise(banded)
    given = (
        pl.col("age_band")
        .str.replace(" to ", "-", literal=True)
        .str.replace(" and over", "+", literal=True)
    )
    return pl.coalesce(pl.when(age >= 0).then(banded), given, pl.lit(NOT_RECORDED))


@dataclass
class OccurrenceCounts:
    """Counts and rates of police occurrences, current period against previous.

    Verdicts on change are per offence group; with many groups, read them with
    the table's ``q_value`` (false discovery rate) as well as the p-value.

    Attributes
    ----------
    available : bool
        False when the store holds no occurrences (``reason`` says so).
    reason : str
        Why not available ("" when available).
    period, previous : Period or None
        The current period and the one before it.
    population : int or None
        People in the areas (or ``area``) loaded; None without populations.
    rates_available : bool
        Whether rates per 100,000 could be computed; ``rates_reason`` says why not.
    areas_available : bool
        Whether counts by district and small area could be made (occurrences
        with an ``area_code``); ``areas_reason`` says why not.
    tables : dict of str to DataFrame
        ``by_group_year`` (offence_group, year, count, lower, upper, small,
        year_fraction, partial_year, population, rate, rate_lower, rate_upper),
        ``by_group_quarter``, ``by_group_month`` (offence_group, quarter/month,
        count, interval); ``by_district``, ``by_small_area`` (current period:
        offence_group, district/area_code, count, interval, population, rate,
        expected, funnel); ``breakdowns`` (current period, homicide and near
        misses: offence_group, dimension, value, unit, count, interval, share,
        share_lower, share_upper); ``pyramid`` (tier, current and previous
        count, share and interval).
    changes : dict of str to ChangeTest
        Per offence group: previous (``k1``) against current (``k2``) period.
    pyramid_test : dict
        Fisher's exact test of the share of the pyramid's top (homicide and
        attempted murder) between the periods: ``odds_ratio``, ``p_value``, ``verdict``.
    warnings : list of str
        Plain-words cautions.
    """

    available: bool
    reason: str = ""
    period: Period | None = None
    previous: Period | None = None
    population: int | None = None
    rates_available: bool = False
    rates_reason: str = ""
    areas_available: bool = False
    areas_reason: str = ""
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    changes: dict[str, ChangeTest] = field(default_factory=dict)
    pyramid_test: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def occurrences_by_group_year(self) -> dict[str, dict[str, int]]:
        """Offence group -> year -> count (all years loaded)."""
        out: dict[str, dict[str, int]] = {}
        table = self.tables.get("by_group_year")
        if table is None:
            return out
        for row in table.select("offence_group", "year", "count").iter_rows():
            out.setdefault(row[0], {})[str(row[1])] = int(row[2])
        return out

    def to_json(self) -> dict[str, Any]:
        """``available, reason, period, previous_period, population, rates_available,
        rates_unavailable_reason, areas_available, areas_unavailable_reason,
        occurrences_by_group_year`` and the tables as
        lists of records (``by_group_year, by_group_quarter, by_group_month,
        by_district, by_small_area, breakdowns, pyramid, group_changes``), ``pyramid_test``,
        ``changes`` (offence group -> :meth:`ChangeTest.to_json`), ``warnings``."""
        return {
            "available": self.available,
            "reason": self.reason,
            "period": period_json(self.period),
            "previous_period": period_json(self.previous),
            "population": self.population,
            "rates_available": self.rates_available,
            "rates_unavailable_reason": self.rates_reason,
            "areas_available": self.areas_available,
            "areas_unavailable_reason": self.areas_reason,
            "by_district": [],
            "by_small_area": [],
            "occurrences_by_group_year": self.occurrences_by_group_year,
            **{name: json_records(table) for name, table in self.tables.items()},
            "pyramid_test": self.pyramid_test,
            "changes": {group: test.to_json() for group, test in self.changes.items()},
            "warnings": list(self.warnings),
        }


def occurrence_counts(
    engine: Engine,
    period: Period | None = None,
    previous: Period | None = None,
    *,
    area: str | None = None,
    level: float = 0.95,
) -> OccurrenceCounts:
    """Count police occurrences by time, place and circumstance (see the module).

    Parameters
    ----------
    engine : Engine
        The store.
    period : Period, optional
        The current period (default: the last 12 complete months of data).
    previous : Period, optional
        The comparison period (default: ``period.previous()``).
    area : str, optional
        Restrict to one small area or district (``area_code`` or ``parent_code``).
    level : float
        Confidence level of every interval.

    References
    ----------
    .. [1] Garwood F. Biometrika 1936; 28:437-442.
    .. [2] Spiegelhalter DJ. Statistics in Medicine 2005; 24:1185-1202.
    """
    occ = read_kind(engine, "police_occurrences", columns=_OCC_COLUMNS)
    areas = read_kind(engine, "areas", columns=["area_code", "population", "parent_code"])
    occ = occ.join(
        areas.select("area_code", pl.col("parent_code").alias("district")),
        on="area_code",
        how="left",
    )
    if area is not None:
        occ = occ.filter((pl.col("area_code") == area) | (pl.col("district") == area))
        areas = areas.filter((pl.col("area_code") == area) | (pl.col("parent_code") == area))
    if occ.is_empty():
        where = f" in {area}" if area else ""
        return OccurrenceCounts(available=False, reason=f"no police occurrences are loaded{where}")
    first: date = occ.select(pl.col("occurred_from").min().dt.date()).item()
    newest = occ.sort("occurred_from").tail(1)
    last = _covered_to(
        newest.select(pl.col("occurred_from").dt.date()).item(), newest["date_precision"].item()
    )
    if period is None:
        period = last_complete_months(last)
    previous = previous or period.previous()
    result = OccurrenceCounts(available=True, period=period, previous=previous)
    population = areas["population"].drop_nulls().sum() if areas.height else 0
    if population and population > 0:
        result.population = int(population)
        result.rates_available = True
    else:
        result.rates_reason = (
            "no populations are loaded (areas with a population column): rates per 100,000 "
            "cannot be computed; counts are shown"
        )
        result.warnings.append(f"rates unavailable: {result.rates_reason}")
    result.tables["by_group_year"] = _by_year(
        occ, first, last, result.population, level, result.warnings
    )
    for unit, expr in (
        (
            "quarter",
            pl.format(
                "{}-Q{}", pl.col("occurred_from").dt.year(), pl.col("occurred_from").dt.quarter()
            ),
        ),
        ("month", pl.col("occurred_from").dt.strftime("%Y-%m")),
    ):
        counted = occ.group_by("offence_group", expr.alias(unit)).agg(pl.len().alias("count"))
        result.tables[f"by_group_{unit}"] = with_count_ci(
            counted.with_columns(pl.col("count").cast(pl.Int64)).sort("offence_group", unit),
            level=level,
        )
    current = occ.filter(period.contains("occurred_from"))
    before = occ.filter(previous.contains("occurred_from"))
    _areas_tables(result, current, areas, period, level)
    people = read_kind(
        engine,
        "police_people",
        columns=[
            "source",
            "occurrence_id",
            "role",
            "date_of_birth",
            "age",
            "age_band",
            "sex",
            "relationship_to_victim",
        ],
    )
    result.tables["breakdowns"] = _breakdowns(current, people, level)
    _changes(result, current, before, period, previous, level)
    _pyramid(result, current, before, level)
    return result


def _by_year(
    occ: pl.DataFrame,
    first: date,
    last: date,
    population: int | None,
    level: float,
    warnings: list[str],
) -> pl.DataFrame:
    """Counts by group and year; rates per year using the fraction of each year the data cover."""
    years = list(range(first.year, last.year + 1))
    covered = [
        ((min(last, date(y, 12, 31)) - max(first, date(y, 1, 1))).days + 1)
        / (366 if calendar.isleap(y) else 365)
        for y in years
    ]
    fractions = pl.DataFrame(
        {"year": years, "year_fraction": covered},
        schema={"year": pl.Int32, "year_fraction": pl.Float64},
    )
    table = (
        occ.group_by("offence_group", pl.col("occurred_from").dt.year().alias("year"))
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .join(fractions, on="year", how="left")
        .with_columns(
            (pl.col("year_fraction") < 0.999).alias("partial_year"),
            pl.lit(population, dtype=pl.Int64).alias("population"),
        )
        .sort("offence_group", "year")
    )
    partial = [y for y, f in zip(years, covered, strict=True) if f < 0.999]
    if partial:
        warnings.append(
            "the data cover only part of "
            + ", ".join(str(y) for y in partial)
            + ": those years' counts are not comparable with whole years "
            "(rates are per year of data)"
        )
    table = with_count_ci(table, level=level)
    return _with_rates(table, "population", "year_fraction", level)


def _areas_tables(
    result: OccurrenceCounts,
    current: pl.DataFrame,
    areas: pl.DataFrame,
    period: Period,
    level: float,
) -> None:
    located = current.filter(pl.col("area_code").is_not_null())
    unlocated = current.height - located.height
    if located.is_empty():
        result.areas_reason = (
            "no occurrence in the period has an area (no locations in the data, or no areas "
            "loaded): counts by district and small area cannot be made"
        )
        result.warnings.append(result.areas_reason)
        return
    result.areas_available = True
    if unlocated:
        result.warnings.append(
            f"{unlocated} occurrences in {period.label} have no area and are left out of the "
            "area tables"
        )
    groups = located.select("offence_group").unique()
    years = period.days / YEAR_DAYS
    for name, key, unit in (
        ("by_small_area", "area_code", "area_code"),
        ("by_district", "parent_code", "district"),
    ):
        pops = (
            areas.filter(pl.col(key).is_not_null())
            .group_by(pl.col(key).alias(unit))
            .agg(pl.col("population").sum().alias("population"))
        )
        counted = located.group_by("offence_group", unit).agg(
            pl.len().cast(pl.Int64).alias("count")
        )
        table = (
            groups.join(pops, how="cross")
            .join(counted, on=["offence_group", unit], how="full", coalesce=True)
            .with_columns(pl.col("count").fill_null(0))
            .sort("offence_group", unit)
        )
        table = _with_rates(with_count_ci(table, level=level), "population", years, level)
        # Funnel against the force's rate of each group (areas with a population only).
        known = pl.col("population").is_not_null() & (pl.col("population") > 0)
        force_rate = (
            pl.col("count").filter(known).sum() / pl.col("population").filter(known).sum()
        ).over("offence_group")
        table = table.with_columns(
            pl.when(known).then(force_rate * pl.col("population")).alias("expected")
        )
        positions = funnel_position(
            table["count"].to_numpy(), table["expected"].fill_null(np.nan).to_numpy()
        )
        table = table.with_columns(
            pl.when(pl.col("expected").is_not_null())
            .then(pl.Series("funnel", positions))
            .alias("funnel")
        )
        result.tables[name] = table


def _with_share(table: pl.DataFrame, by: list[str], level: float) -> pl.DataFrame:
    table = table.with_columns(pl.col("count").sum().over(by).alias("total"))
    lower, upper = binomial_ci(table["count"].to_numpy(), table["total"].to_numpy(), level)
    return table.with_columns(
        (pl.col("count") / pl.col("total")).alias("share"),
        pl.Series("share_lower", np.atleast_1d(lower)),
        pl.Series("share_upper", np.atleast_1d(upper)),
    )


def _breakdowns(current: pl.DataFrame, people: pl.DataFrame, level: float) -> pl.DataFrame:
    """Homicide and near misses by circumstance: occurrences, victims and suspects."""
    serious = current.filter(pl.col("offence_group").is_in(HOMICIDE_AND_NEAR_MISS))
    both = pl.concat(
        [serious, serious.with_columns(pl.lit("homicide_and_near_miss").alias("offence_group"))]
    )
    as_text = [
        pl.when(pl.col(c).is_null()).then(pl.lit(NOT_RECORDED))
        .otherwise(pl.col(c).cast(pl.String).replace({"true": "yes", "false": "no"}))
        .alias(c)
        for c in _OCC_DIMENSIONS
    ]  # fmt: skip
    occ_long = (
        both.select("offence_group", *as_text)
        .unpivot(
            index="offence_group",
            on=list(_OCC_DIMENSIONS),
            variable_name="dimension",
            value_name="value",
        )
        .with_columns(pl.lit("occurrences").alias("unit"))
    )
    linked = both.select("source", "occurrence_id", "offence_group", "occurred_from").join(
        people, on=["source", "occurrence_id"], how="inner"
    )
    victims = (
        linked.filter(pl.col("role") == "victim")
        .select(
            "offence_group",
            victim_age_band().alias("victim_age_band"),
            pl.col("sex").fill_null(NOT_RECORDED).alias("victim_sex"),
        )
        .unpivot(index="offence_group", variable_name="dimension", value_name="value")
    )
    suspects = linked.filter(pl.col("role").is_in(["suspect", "offender"])).select(
        "offence_group",
        pl.lit("relationship_to_suspect").alias("dimension"),
        pl.col("relationship_to_victim").fill_null(NOT_RECORDED).alias("value"),
    )
    long = pl.concat(
        [
            occ_long.select("offence_group", "dimension", "value", "unit"),
            victims.with_columns(pl.lit("victims").alias("unit")),
            suspects.with_columns(pl.lit("suspects").alias("unit")),
        ]
    )
    table = long.group_by("offence_group", "dimension", "value", "unit").agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    table = _with_share(with_count_ci(table, level=level), ["offence_group", "dimension"], level)
    return table.sort("offence_group", "dimension", "count", descending=[False, False, True])


def _changes(
    result: OccurrenceCounts, current: pl.DataFrame, before: pl.DataFrame,
    period: Period, previous: Period, level: float,
) -> None:  # fmt: skip
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


def _pyramid(
    result: OccurrenceCounts, current: pl.DataFrame, before: pl.DataFrame, level: float
) -> None:
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
