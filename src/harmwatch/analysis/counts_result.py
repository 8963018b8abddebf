"""The result of counting offences: :class:`OccurrenceCounts` and its JSON form.

Made by :func:`harmwatch.analysis.counts.occurrence_counts` (and re-exported
there); its attributes are documented below, its JSON keys in docs/figures.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harmwatch.analysis.data import Period, period_json
from harmwatch.analysis.smallnumbers import ChangeTest, json_records

__all__ = ["OccurrenceCounts"]


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
