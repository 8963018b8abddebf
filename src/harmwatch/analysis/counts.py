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

This module reads the store and makes the tables by time and place; the
breakdowns by circumstance are in :mod:`.breakdowns`, the changes and the
pyramid in :mod:`.counts_change`, the count tables' intervals and rates in
:mod:`.count_tables` and the result in :mod:`.counts_result` (the public names
are re-exported here).

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
from datetime import date, datetime

import numpy as np
import polars as pl
from sqlalchemy import Engine, select

from harmwatch.analysis.breakdowns import (
    AGE_BANDS,
    HOMICIDE_AND_NEAR_MISS,
    circumstance_breakdowns,
    victim_age_band,
)
from harmwatch.analysis.count_tables import YEAR_DAYS, with_count_ci, with_rates
from harmwatch.analysis.counts_change import PYRAMID, group_changes, pyramid_comparison
from harmwatch.analysis.counts_result import OccurrenceCounts
from harmwatch.analysis.data import Period, last_complete_months, read_kind
from harmwatch.analysis.smallnumbers import funnel_position
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

_OCC_COLUMNS = [
    "source", "occurrence_id", "offence_group", "occurred_from", "date_precision", "area_code",
    "location_type", "weapon", "domestic", "alcohol", "drugs",
]  # fmt: skip


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
    result.tables["breakdowns"] = circumstance_breakdowns(current, people, level)
    group_changes(result, current, before, period, previous, level)
    pyramid_comparison(result, current, before, level)
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
    return with_rates(table, "population", "year_fraction", level)


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
        table = with_rates(with_count_ci(table, level=level), "population", years, level)
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
